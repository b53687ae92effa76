/* canh/intel.h - threat indicators: the model, normalisation, and the
 * immutable lookup snapshot.
 *
 * Indicators live in the store (SQLite). For matching, the live set is
 * compiled into a snapshot: an immutable structure answering "which
 * indicators cover this IP / domain / URL / hash" without locks. A new
 * snapshot is built beside the old one and swapped in atomically
 * (canh_intel_t); a reader keeps the snapshot it acquired until it releases
 * it, so it never sees half a reload. */
#ifndef CANH_INTEL_H
#define CANH_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/str.h"

typedef enum canh_ioc_type {
    CANH_IOC_NONE = 0,
    CANH_IOC_IP,     /* IPv4 or IPv6 address or CIDR prefix ("1.2.3.0/24", "2001:db8::/32") */
    CANH_IOC_DOMAIN, /* a DNS name; matches itself and every name under it */
    CANH_IOC_URL,    /* a URL, matched exactly after normalisation */
    CANH_IOC_MD5,
    CANH_IOC_SHA1,
    CANH_IOC_SHA256,
} canh_ioc_type_t;

/* "ip", "domain", "url", "md5", "sha1", "sha256" ("none" for NONE or an
 * unknown value); parse is case-insensitive and returns NONE if unknown. */
const char *canh_ioc_type_name(canh_ioc_type_t t);
canh_ioc_type_t canh_ioc_type_parse(const char *s);

/* One indicator. Strings are owned by whoever built the struct (the store
 * hands out copies; a snapshot owns its own). Times are Unix seconds; 0 =
 * unknown (expires 0 = never). */
typedef struct canh_indicator {
    int64_t id; /* store row id (0 before it is stored) */
    canh_ioc_type_t type;
    char *value;  /* normalised (canh_ioc_normalize) */
    char *source; /* feed name given at import ("vncert-botnet", "feodo") */
    char *threat; /* kind of threat: botnet, c2, malware, phishing, scanner, spam... */
    char *family; /* malware/botnet family or name, may be NULL */
    int64_t first_seen;
    int64_t last_seen;
    int64_t expires;
    int confidence; /* 0-100; -1 unknown */
    char *extra;    /* JSON object text with the feed's other columns, or NULL */
} canh_indicator_t;

/* Frees the strings of ind (not ind itself) and zeroes them. */
void canh_indicator_fini(canh_indicator_t *ind);

/* Normalises a textual indicator value. With hint CANH_IOC_NONE the type is
 * guessed (IP/CIDR, hash by length, URL by scheme, else domain). Accepts
 * defanged forms ("hxxp://", "evil[.]com", "1.2.3[.]4"). Writes the
 * canonical text (NUL-terminated) into out (cap bytes):
 *   IPs in canonical inet_ntop form; CIDRs with host bits cleared
 *   ("10.1.2.3/8" -> "10.0.0.0/8"; a /32 or /128 is written as the bare
 *   address); an IPv6 "%zone" is dropped and an IPv4-mapped address or
 *   prefix (::ffff:1.2.3.4, length >= 96) is written as IPv4; IPv4 is a
 *   strict dotted quad (a leading zero, read as octal by some tools, is
 *   refused);
 *   domains lower-case without a trailing dot (and without a leading "*."):
 *   labels of 1-63 characters from [a-z0-9-_], at most 253 characters, at
 *   least two labels, a top-level label not all digits; IDNs only in their
 *   xn-- form;
 *   hashes lower-case (32, 40, 64 hex digits: md5, sha1, sha256);
 *   URLs with lower-case scheme and host, the rest byte for byte (no spaces
 *   or control characters); with hint URL a value without "scheme://" is
 *   taken as "http://value".
 * Values longer than 4096 bytes are refused. eb may be NULL.
 * Returns the type, or CANH_IOC_NONE with a reason in eb (e.g. "not an IP,
 * domain, URL or hash", "CIDR prefix length 33 out of range"). */
canh_ioc_type_t canh_ioc_normalize(canh_str_t in, canh_ioc_type_t hint, char *out, size_t cap,
                                   canh_errbuf_t *eb);

/* ---- snapshot ------------------------------------------------------------- */
typedef struct canh_intel_snap canh_intel_snap_t;

/* Builds a snapshot from ind[0..n) (copied: the caller keeps ownership of
 * ind). Indicators whose expires is set and <= now are left out. Duplicate
 * (type, value) rows from several sources all stay and all match. Each
 * value is normalised as its type (canh_ioc_normalize; type NONE is
 * guessed) and the snapshot's copy holds the normalised value and type; a
 * value that does not normalise is left out and counted (see
 * canh_intel_snap_skipped). Indices follow the input order of the kept
 * indicators. The snapshot starts unshared; canh_intel_swap takes it over.
 * Returns CANH_OK, CANH_EINVAL (bad arguments), CANH_ENOMEM, or
 * CANH_ELIMIT (more than 2^29 indicators or 4 GiB of strings). */
int canh_intel_snap_build(const canh_indicator_t *ind, size_t n, int64_t now,
                          canh_intel_snap_t **out, canh_errbuf_t *eb);
/* Frees a snapshot that no holder owns (NULL is a no-op). */
void canh_intel_snap_destroy(canh_intel_snap_t *s);
/* Number of indicators in the snapshot; index i in [0, count). get returns
 * the snapshot's copy (valid while the snapshot is), NULL if i >= count. */
size_t canh_intel_snap_count(const canh_intel_snap_t *s);
const canh_indicator_t *canh_intel_snap_get(const canh_intel_snap_t *s, uint32_t i);
/* Bytes the snapshot holds: lookup structures plus the indicator copies and
 * their strings (for benchmarks and status). */
size_t canh_intel_snap_memory(const canh_intel_snap_t *s);
/* How many input indicators the build left out: expired, and malformed (a
 * value that does not normalise as its type). Either pointer may be NULL. */
void canh_intel_snap_skipped(const canh_intel_snap_t *s, size_t *expired, size_t *malformed);

/* Lookups write up to max indicator indices into ids and return how many
 * matched in total (which may exceed max). They never allocate or block.
 * Entries of ids past the returned count (up to max) may be overwritten;
 * ids may be NULL when max is 0.
 *
 * Every lookup accepts s == NULL (no match). Where several indicators share
 * one prefix or name they come in index order.
 *
 * IP: every indicator whose prefix covers addr, longest prefix first.
 * addr is 4 bytes (v4) or 16 bytes (v6) in network order. An IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) is looked up as the IPv4 address. */
size_t canh_intel_match_ip(const canh_intel_snap_t *s, const uint8_t *addr, bool v6, uint32_t *ids,
                           size_t max);
/* Only the longest covering prefix's indicators. */
size_t canh_intel_match_ip_longest(const canh_intel_snap_t *s, const uint8_t *addr, bool v6,
                                   uint32_t *ids, size_t max);
/* Textual IP convenience ("1.2.3.4", "::1", "fe80::1%eth0"); 0 if text is
 * not an address. */
size_t canh_intel_match_ip_str(const canh_intel_snap_t *s, canh_str_t text, uint32_t *ids,
                               size_t max);
/* Domain: the name and each parent ("a.b.evil.com" hits "evil.com"); name
 * is compared case-insensitively, a trailing dot ignored. */
size_t canh_intel_match_domain(const canh_intel_snap_t *s, canh_str_t name, uint32_t *ids,
                               size_t max);
/* URL: exact match after normalisation; also matches the URL's host as a
 * domain indicator and, when the host is an IP, as an IP indicator. Order:
 * URL indicators, then the host's (domain: the name, then its parents; IP:
 * longest prefix first). */
size_t canh_intel_match_url(const canh_intel_snap_t *s, canh_str_t url, uint32_t *ids, size_t max);
/* Hash: md5/sha1/sha256 chosen by length, hex case-insensitive. */
size_t canh_intel_match_hash(const canh_intel_snap_t *s, canh_str_t hex, uint32_t *ids, size_t max);
/* Any value: guesses its type like canh_ioc_normalize (defanged forms
 * accepted) and dispatches. A CIDR value matches the prefixes that cover
 * all of it (those no longer than it), longest first. */
size_t canh_intel_match_any(const canh_intel_snap_t *s, canh_str_t value, uint32_t *ids,
                            size_t max);

/* ---- atomic swap ----------------------------------------------------------- */
typedef struct canh_intel canh_intel_t;

/* A holder with no snapshot. CANH_OK, CANH_EINVAL (out NULL), CANH_ENOMEM. */
int canh_intel_create(canh_intel_t **out);
/* Destroys the holder and its current snapshot; no reader may hold one.
 * NULL is a no-op. */
void canh_intel_destroy(canh_intel_t *in);
/* Installs snap (ownership passes to the holder; NULL uninstalls). The
 * previous snapshot is freed once its last reader releases it (by that
 * reader's canh_intel_release). Never blocks readers; the caller may wait,
 * yielding, for readers inside canh_intel_acquire. Writers are serialised.
 * A snapshot may be installed once, in one holder. */
void canh_intel_swap(canh_intel_t *in, canh_intel_snap_t *snap);
/* Takes a reference to the current snapshot (NULL if none); the caller
 * uses it for as many lookups as it likes, then releases it. Wait-free. A
 * snapshot acquired before a swap stays whole and valid until released. */
const canh_intel_snap_t *canh_intel_acquire(canh_intel_t *in);
void canh_intel_release(canh_intel_t *in, const canh_intel_snap_t *snap);

#endif
