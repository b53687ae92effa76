/* canh/intel_import.h - reading threat feeds into indicators.
 *
 * An importer parses one file in one format and hands each indicator to a
 * sink; a row it cannot take is reported to the sink with its line number
 * and a reason, and the import goes on. The importer does not touch the
 * store: `canh intel import` connects the sink to it. */
#ifndef CANH_INTEL_IMPORT_H
#define CANH_INTEL_IMPORT_H

#include <stdint.h>

#include "canh/error.h"
#include "canh/intel.h"

typedef enum canh_feed_format {
    CANH_FEED_AUTO = 0,   /* detect from the file name and first bytes */
    CANH_FEED_PLAIN,      /* one IP/CIDR/domain/URL/hash per line; '#' and ';' comments */
    CANH_FEED_DROP,       /* Spamhaus DROP/EDROP: "CIDR ; SBLnnn" */
    CANH_FEED_FIREHOL,    /* FireHOL .netset/.ipset (plain with '#' header metadata) */
    CANH_FEED_CSV,        /* CSV with a header row; columns mapped by name */
    CANH_FEED_XLSX,       /* first sheet of an Excel workbook, then as CSV */
    CANH_FEED_FEODO_JSON, /* abuse.ch Feodo Tracker JSON (ipblocklist.json) */
    CANH_FEED_MISP,       /* MISP event JSON (attributes by type) */
    CANH_FEED_STIX,       /* STIX 2.1 bundle (indicator patterns) */
    CANH_FEED_SIGBASE,    /* signature-base IOC text: "value;comment" */
} canh_feed_format_t;

/* What each format takes (every value goes through canh_ioc_normalize; a
 * row that fails is rejected with its line and a reason, the rest goes on):
 *
 *   plain    first word of a line (hosts-file "0.0.0.0 name" gives the name);
 *            text after it -> extra {"comment"}. Threat "malicious".
 *   drop     "CIDR ; SBLnnn" or Spamhaus' JSON lines {"cidr","sblid","rir"};
 *            extra {"sbl","rir"}. Threat "hijacked".
 *   firehol  one IP/CIDR a line; the "# Category : x" header is the threat,
 *            the set's name -> extra {"list"}.
 *   sigbase  "value;comment"; hash-iocs.txt takes MD5/SHA-1/SHA-256 by
 *            length (threat "malware"), c2-iocs.txt IPs and names (threat
 *            "c2"; a numeric comment is extra {"score"}); the '#' line
 *            heading a block -> extra {"section"}. filename-iocs.txt is
 *            refused (CANH_ENOTSUP).
 *   csv      RFC 4180 with a header row (',' ';' or tab, BOM, "sep=" line,
 *            '#' comments, a header inside the last comment line as abuse.ch
 *            writes it). Columns map by folded header name (case, spaces,
 *            '_' and Vietnamese marks ignored: "Địa chỉ IP" = "diachiip"):
 *              value   value/indicator/ioc, AttackerIP, dst_ip, ip_address,
 *                      ip, domain, url, hash; or md5/sha1/sha256 columns
 *                      (one indicator per filled hash cell)
 *              family  family, malware, infection, NetworkName, signature
 *              first   first_seen(_utc), dateadded, valid_from
 *              last    last_seen, last_online, AttackOn, timestamp
 *              also    type, threat, confidence (0-100), expires
 *            every other column -> extra under a snake_case key (asn, port,
 *            cc_ip, cc_port, hostname, geo, local_ip, local_tcp_port, isp,
 *            status, ...) or its header. Shadowserver and VNCERT headers
 *            give threat "botnet", Feodo's "c2", others "malicious"; VNCERT
 *            and Vietnamese headers read zone-less times as +07:00, others
 *            as UTC; "DD/MM/YYYY" dates are day-first.
 *   xlsx     the first sheet in tab order, the header being the first of
 *            its first ten rows naming a known column; then as csv, with
 *            numbers in date columns read as Excel serial dates.
 *   feodo    [{ip_address, port, status, hostname, as_number, as_name,
 *            country, first_seen, last_online, malware}]: family = malware,
 *            threat "c2", the rest -> extra.
 *   misp     {"Event":..}, {"response":[{"Event":..}]}, a bare event or an
 *            array of them; attributes of the event and its objects of type
 *            ip-src/ip-dst(|port), domain, hostname(|port), domain|ip (both
 *            values), url, md5, sha1, sha256, filename|<hash>,
 *            malware-sample. Other types, to_ids false and deleted
 *            attributes are rejected. Family from misp-galaxy tags
 *            (malpedia, botnet, ransomware, rat, ...), threat from plain
 *            tags and ecsirt/circl taxonomies (attribute tags first);
 *            first seen = first_seen or the event date, last seen =
 *            last_seen or timestamp; event info/uuid, attribute uuid, type,
 *            category, comment -> extra.
 *   stix     a bundle (or a lone indicator, or an array of objects):
 *            indicators with pattern_type stix; see intel_import_json.c for
 *            which comparisons yield values. AND or FOLLOWEDBY across
 *            observations, patterns with nothing to match, other pattern
 *            types, revoked indicators and observable objects are rejected
 *            naming the object id. valid_from -> first seen, valid_until ->
 *            expires, confidence; threat from indicator_types/labels; family
 *            from an "indicates" relationship to a malware object.
 *
 * JSON rejects carry line 0; the reason names the item. */

/* "auto", "plain", "drop", "firehol", "csv", "xlsx", "feodo", "misp", "stix",
 * "sigbase"; parse returns -1 for an unknown name. */
const char *canh_feed_format_name(canh_feed_format_t f);
int canh_feed_format_parse(const char *s);

typedef struct canh_import_opts {
    const char *source; /* feed name stored with each indicator (required) */
    /* default kind of threat (e.g. "botnet"); a row's own threat (a threat
     * column, a MISP tag, STIX indicator_types) wins; NULL = per format */
    const char *threat;
    canh_ioc_type_t kind; /* restrict to one type (--kind), others are
                           * rejected; NONE = any */
    /* import time (Unix s): the last seen of a row without one (not before
     * its first seen); a row's first seen defaults to its last seen. 0 =
     * leave unknown times 0 */
    int64_t now;
    int64_t expires; /* absolute expiry (Unix s) to set, 0 = none; the
                      * earlier of this and a row's own expiry wins */
    /* CSV/XLSX column mapping overrides: "field=Column,field=Column" where
     * field is one of value, ip, domain, url, hash, type, threat, family,
     * first_seen, last_seen, confidence, expires; Column is matched like a
     * header (folded). Naming a value field makes that column the only value
     * column. NULL = map by known header names. */
    const char *mapping;
} canh_import_opts_t;

typedef struct canh_import_sink {
    /* Called for each indicator; ind's strings are valid only during the
     * call. Return CANH_OK to go on, an error to stop the import. */
    int (*add)(void *ud, const canh_indicator_t *ind, uint64_t line);
    /* Called for each rejected row (line 0 = not line-based, e.g. JSON path
     * given in reason). The reason does not repeat the line number; a caller
     * prints "line 12: column AttackerIP: \"300.1.2.3\" is not an IP address"
     * from (line, reason). JSON formats name the item instead: "[3] ip_address:
     * ...", "attribute <uuid>: ...", "indicator--<uuid>: ...". */
    void (*reject)(void *ud, uint64_t line, const char *reason);
    void *ud;
} canh_import_sink_t;

/* Largest JSON feed (Feodo, MISP, STIX) and .xlsx part accepted, and the
 * longest STIX pattern parsed; past these the file or indicator is refused. */
#define CANH_MAX_FEED_JSON (512u * 1024u * 1024u)
#define CANH_MAX_FEED_XLSX_PART (512u * 1024u * 1024u)
#define CANH_MAX_STIX_PATTERN (64u * 1024u)

/* Parses path in format fmt (AUTO detects). Returns CANH_OK when the file
 * was read to the end (even if rows were rejected), CANH_EIO/CANH_EINVAL
 * with detail in eb when the file as a whole cannot be read (missing,
 * not the named format at all), CANH_ENOTSUP for a recognised feed Canh does
 * not import (signature-base filename-iocs.txt, UTF-16 text), CANH_ELIMIT
 * when it is larger than the format's cap, CANH_ENOMEM, or the error the
 * sink's add returned (the import stops there). Whole-file messages start
 * with the path: "feed.csv: no column holds indicator values (...)".
 * opts->source is required (CANH_EINVAL without it). *detected receives the
 * format used (for AUTO: plain, drop, firehol, csv, xlsx, feodo, misp, stix
 * or sigbase), on success only. The file is mapped, not copied. */
int canh_intel_import_file(const char *path, canh_feed_format_t fmt, const canh_import_opts_t *opts,
                           const canh_import_sink_t *sink, canh_feed_format_t *detected,
                           canh_errbuf_t *eb);

/* The same from memory: name stands for the file (detection looks at its
 * extension and words like "drop", "c2-iocs", "hash-iocs"; messages start
 * with it) and may be NULL ("<memory>"). data[0..n) is only read and need not
 * be NUL-terminated; .xlsx is opened from the buffer too. Same returns as
 * canh_intel_import_file. For fuzzers and tests. */
int canh_intel_import_mem(const char *name, const void *data, size_t n, canh_feed_format_t fmt,
                          const canh_import_opts_t *opts, const canh_import_sink_t *sink,
                          canh_feed_format_t *detected, canh_errbuf_t *eb);

#endif
