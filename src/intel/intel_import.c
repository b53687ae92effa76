/* intel_import.c - feed formats by name, detection, dispatch, and the one
 * path every indicator takes to the sink.
 *
 * The file is mapped and every format parses the bytes in place; the format
 * files hand candidates to canh_intel_imp_emit, which normalises the value
 * (canh_ioc_normalize), applies the options' defaults (threat, times,
 * expiry, --kind) and calls the sink, or rejects the row with a reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/intel.h"
#include "canh/intel_import.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/str.h"
#include "canh/time.h"
#include "intel_import_priv.h"

/* ---- format names --------------------------------------------------------- */

static const char *const format_names[] = {
    [CANH_FEED_AUTO] = "auto",        [CANH_FEED_PLAIN] = "plain", [CANH_FEED_DROP] = "drop",
    [CANH_FEED_FIREHOL] = "firehol",  [CANH_FEED_CSV] = "csv",     [CANH_FEED_XLSX] = "xlsx",
    [CANH_FEED_FEODO_JSON] = "feodo", [CANH_FEED_MISP] = "misp",   [CANH_FEED_STIX] = "stix",
    [CANH_FEED_SIGBASE] = "sigbase",
};
#define N_FORMATS (sizeof format_names / sizeof format_names[0])

const char *canh_feed_format_name(canh_feed_format_t f)
{
    if ((unsigned)f >= N_FORMATS)
        return "unknown";
    return format_names[f];
}

int canh_feed_format_parse(const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (canh_str_ieq_c(canh_str_c(s), format_names[i]))
            return (int)i;
    return -1;
}

/* ---- small helpers the formats share ------------------------------------------ */

const char *canh_intel_imp_quote(canh_str_t s, char out[96])
{
    size_t o = 0;
    size_t n = s.p ? s.n : 0;
    for (size_t i = 0; i < n; i++) {
        if (o >= 80) {
            /* cut on a UTF-8 boundary so the reason stays valid text */
            while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
                o--;
            if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0)
                o--;
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s.p[i];
        out[o++] = (c < 0x20 || c == 0x7F || c == '"') ? '?' : (char)c;
    }
    out[o] = '\0';
    return out;
}

void canh_intel_imp_reject(canh_intel_imp_t *im, uint64_t line, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    im->sink->reject(im->sink->ud, line, reason);
}

canh_ioc_type_t canh_intel_imp_hash_type(canh_str_t s)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return CANH_IOC_NONE;
    }
    switch (s.n) {
    case 32: return CANH_IOC_MD5;
    case 40: return CANH_IOC_SHA1;
    case 64: return CANH_IOC_SHA256;
    default: return CANH_IOC_NONE;
    }
}

int canh_intel_imp_utf8(canh_buf_t *b, canh_str_t s)
{
    static const char repl[] = "\xEF\xBF\xBD";
    size_t i = 0;
    while (i < s.n) {
        unsigned char c = (unsigned char)s.p[i];
        size_t len = 0;
        uint32_t cp = 0, min = 0;
        if (c < 0x80) {
            len = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        }
        bool ok = len > 0 && len <= s.n - i;
        for (size_t k = 1; ok && k < len; k++) {
            unsigned char cc = (unsigned char)s.p[i + k];
            if ((cc & 0xC0) != 0x80)
                ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (ok && len > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
            ok = false;
        /* NUL would cut the C string the indicator carries */
        if (ok && c == 0)
            ok = false;
        int rc = ok ? canh_buf_append(b, s.p + i, len) : canh_buf_append(b, repl, 3);
        if (rc)
            return rc;
        i += ok ? len : 1;
    }
    return CANH_OK;
}


int canh_intel_imp_jset(json_t *obj, const char *key, canh_str_t s, bool as_int, canh_buf_t *tmp)
{
    json_t *v;
    s = s.p ? canh_str_trim(s) : CANH_STR_NULL;
    if (!s.n)
        return CANH_OK;
    /* extra is context, not evidence: a huge cell is cut */
    s = canh_str_sub(s, 0, 4096);
    if (as_int && s.n <= 15 && canh_str_all_digits(s, SIZE_MAX)) {
        uint64_t n = 0;
        if (canh_str_to_u64(s, UINT64_MAX, &n) == CANH_OK) {
            v = json_integer((json_int_t)n);
            goto set;
        }
    }
    canh_buf_reset(tmp);
    int rc = canh_intel_imp_utf8(tmp, s);
    if (rc)
        return rc;
    v = json_stringn(tmp->data ? tmp->data : "", tmp->len);
set:
    if (!v)
        return CANH_ENOMEM;
    /* keys come from headers: make them valid UTF-8 too */
    canh_buf_reset(tmp);
    if ((rc = canh_intel_imp_utf8(tmp, canh_str_c(key))) != CANH_OK ||
        (rc = canh_buf_putc(tmp, '\0')) != CANH_OK) {
        json_decref(v);
        return rc;
    }
    return json_object_set_new(obj, tmp->data, v) == 0 ? CANH_OK : CANH_ENOMEM;
}

int canh_intel_imp_jdump(const json_t *obj, canh_buf_t *out)
{
    canh_buf_reset(out);
    if (!obj || json_object_size(obj) == 0)
        return CANH_OK;
    size_t need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
    if (need == 0)
        return CANH_ENOMEM;
    if (need > CANH_INTEL_IMP_EXTRA_MAX)
        return CANH_ELIMIT;
    int rc = canh_buf_reserve(out, need);
    if (rc)
        return rc;
    out->len = json_dumpb(obj, out->data, need, JSON_COMPACT);
    out->data[out->len] = '\0';
    return CANH_OK;
}

/* ---- times -------------------------------------------------------------------- */

/* Reads exactly k digits at *i. */
static bool digits_at(canh_str_t s, size_t *i, unsigned k, unsigned *out)
{
    unsigned v = 0;
    if (k > s.n - *i || s.n < *i)
        return false;
    for (unsigned j = 0; j < k; j++) {
        char c = s.p[*i + j];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += k;
    *out = v;
    return true;
}

/* Reads 1-2 digits at *i (day-first dates write "1/5/2024"). */
static bool digits12_at(canh_str_t s, size_t *i, unsigned *out)
{
    if (*i >= s.n || s.p[*i] < '0' || s.p[*i] > '9')
        return false;
    unsigned v = (unsigned)(s.p[(*i)++] - '0');
    if (*i < s.n && s.p[*i] >= '0' && s.p[*i] <= '9')
        v = v * 10 + (unsigned)(s.p[(*i)++] - '0');
    *out = v;
    return true;
}

static bool valid_date(unsigned y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static bool sep_at(canh_str_t s, size_t *i, char c)
{
    if (*i < s.n && s.p[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

/* "YYYY-MM-DD" alone, or day-first "DD/MM/YYYY" / "DD-MM-YYYY" with an
 * optional " hh:mm[:ss]"; the whole of s must be used. Times the canh_time
 * parsers read (ISO 8601 with seconds and so on) are left to them. */
static bool parse_simple_date(canh_str_t s, int32_t tz_off, int64_t *out)
{
    size_t i = 0;
    unsigned y = 0, m = 0, d = 0, hh = 0, mm = 0, ss = 0;
    if (s.n == 10 && s.p[4] == '-') {
        if (!digits_at(s, &i, 4, &y) || !sep_at(s, &i, '-') || !digits_at(s, &i, 2, &m) ||
            !sep_at(s, &i, '-') || !digits_at(s, &i, 2, &d))
            return false;
    } else {
        char sep;
        if (!digits12_at(s, &i, &d) || i >= s.n)
            return false;
        sep = s.p[i];
        if ((sep != '/' && sep != '-' && sep != '.') || !sep_at(s, &i, sep) ||
            !digits12_at(s, &i, &m) || !sep_at(s, &i, sep) || !digits_at(s, &i, 4, &y))
            return false;
        if (i < s.n) {
            if (!sep_at(s, &i, ' ') || !digits12_at(s, &i, &hh) || !sep_at(s, &i, ':') ||
                !digits_at(s, &i, 2, &mm))
                return false;
            if (sep_at(s, &i, ':') && !digits_at(s, &i, 2, &ss))
                return false;
        }
    }
    if (i != s.n || !valid_date(y, m, d) || hh > 23 || mm > 59 || ss > 60)
        return false;
    *out = canh_time_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss - tz_off;
    return true;
}

/* An Excel serial day number: days since 1899-12-30 with a fraction of a
 * day ("45413.5" = 2024-05-01 12:00). Excel's phantom 1900-02-29 only shifts
 * dates before March 1900, which feeds do not carry. */
static bool parse_excel_serial(canh_str_t s, int32_t tz_off, int64_t *out)
{
    char tmp[40];
    if (s.n == 0 || s.n >= sizeof tmp)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'E' || c == 'e' || c == '+' || c == '-'))
            return false;
    }
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    /* 25569 = 1970-01-01; 109575 = 2200-01-01 */
    if (errno || *end || !(v >= 25569.0 && v < 109575.0))
        return false;
    double secs = (v - 25569.0) * 86400.0;
    *out = (int64_t)(secs + 0.5) - tz_off;
    return true;
}

int canh_intel_imp_time(const canh_intel_imp_t *im, canh_str_t s, int32_t tz_off, bool excel_serial,
                        int64_t *out)
{
    canh_time_t t;
    size_t used;
    s = canh_str_trim(s);
    if (!s.p || s.n == 0) {
        *out = 0;
        return CANH_OK;
    }
    if (excel_serial && parse_excel_serial(s, tz_off, out))
        return CANH_OK;
    if (canh_str_all_digits(s, SIZE_MAX)) {
        /* epoch seconds (9-10 digits) or milliseconds (13) */
        if (canh_time_parse_epoch(s, &t, &used) == CANH_OK && used == s.n)
            goto ok;
        return CANH_EINVAL;
    }
    if (parse_simple_date(s, tz_off, out))
        return CANH_OK;
    /* year-less formats are read against now (kept inside int64 ns) */
    int64_t now = im->opts->now;
    if (now < 0 || now > INT64_C(9000000000))
        now = 0;
    canh_time_ref_t ref = {.now = now * CANH_NS_PER_SEC, .tz_off = tz_off};
    if (canh_time_parse_any(s, &ref, &t) == CANH_OK)
        goto ok;
    return CANH_EINVAL;
ok:
    /* floor to whole seconds, also before 1970 */
    *out = t / CANH_NS_PER_SEC - (t % CANH_NS_PER_SEC < 0 ? 1 : 0);
    return CANH_OK;
}

/* ---- emitting ----------------------------------------------------------------- */

int canh_intel_imp_emit(canh_intel_imp_t *im, uint64_t line, const canh_intel_imp_row_t *row)
{
    const canh_import_opts_t *o = im->opts;
    const char *w = row->what ? row->what : "";
    const char *ws = row->what ? ": " : "";
    char q[96];
    canh_str_t v = row->value.p ? canh_str_trim(row->value) : CANH_STR_NULL;
    canh_ioc_type_t hint = row->hint, t;
    canh_errbuf_t neb;
    int rc;

    if (!v.p || v.n == 0) {
        canh_intel_imp_reject(im, line, "%s%sempty value", w, ws);
        return CANH_OK;
    }
    if (row->hash_only) {
        hint = canh_intel_imp_hash_type(v);
        if (hint == CANH_IOC_NONE) {
            canh_intel_imp_reject(
                im, line, "%s%s\"%s\" is not an MD5, SHA-1 or SHA-256 hash (%zu characters)", w, ws,
                canh_intel_imp_quote(v, q), v.n);
            return CANH_OK;
        }
    }
    if (v.n >= CANH_INTEL_IMP_VALUE_MAX) {
        canh_intel_imp_reject(im, line, "%s%svalue longer than %u bytes", w, ws,
                              CANH_INTEL_IMP_VALUE_MAX - 1);
        return CANH_OK;
    }
    neb.msg[0] = '\0';
    t = canh_ioc_normalize(v, hint, im->norm, CANH_INTEL_IMP_VALUE_MAX, &neb);
    if (t == CANH_IOC_NONE) {
        /* "not an IP address" reads as a sentence after the value; other
         * reasons ("CIDR prefix length 33 out of range") follow a colon */
        const char *why = neb.msg[0] ? neb.msg : "not an IP, domain, URL or hash";
        bool is_not = strncmp(why, "not ", 4) == 0;
        canh_intel_imp_reject(im, line, "%s%s\"%s\"%s%s", w, ws, canh_intel_imp_quote(v, q),
                              is_not ? " is " : ": ", why);
        return CANH_OK;
    }
    if (o->kind != CANH_IOC_NONE && t != o->kind) {
        canh_intel_imp_reject(im, line, "%s%s\"%s\" is %s, not %s (--kind)", w, ws,
                              canh_intel_imp_quote(v, q), canh_ioc_type_name(t),
                              canh_ioc_type_name(o->kind));
        return CANH_OK;
    }

    /* threat and family as C strings, valid UTF-8 */
    canh_str_t threat = row->threat.p ? canh_str_trim(row->threat) : CANH_STR_NULL;
    canh_str_t family = row->family.p ? canh_str_trim(row->family) : CANH_STR_NULL;
    if (!threat.n)
        threat = canh_str_c(o->threat && *o->threat ? o->threat : im->def_threat);
    canh_buf_reset(&im->scratch);
    size_t fam_off = 0;
    if ((rc = canh_intel_imp_utf8(&im->scratch, canh_str_sub(threat, 0, 256))) ||
        (rc = canh_buf_putc(&im->scratch, '\0')))
        return rc;
    if (family.n) {
        fam_off = im->scratch.len;
        if ((rc = canh_intel_imp_utf8(&im->scratch, canh_str_sub(family, 0, 256))) ||
            (rc = canh_buf_putc(&im->scratch, '\0')))
            return rc;
    }

    int64_t ls = row->last_seen, fs = row->first_seen;
    if (!ls)
        ls = o->now > fs ? o->now : fs;
    if (!fs)
        fs = ls;
    int64_t exp = row->expires;
    if (o->expires && (!exp || o->expires < exp))
        exp = o->expires;

    canh_indicator_t ind = {
        .id = 0,
        .type = t,
        .value = im->norm,
        .source = (char *)o->source,
        .threat = im->scratch.data,
        .family = family.n ? im->scratch.data + fam_off : NULL,
        .first_seen = fs,
        .last_seen = ls,
        .expires = exp,
        .confidence = row->confidence,
        .extra = (char *)row->extra,
    };
    return im->sink->add(im->sink->ud, &ind, line);
}

/* ---- detection ---------------------------------------------------------------- */

/* A JSON document whose format the JSON importer decides. */
#define DETECT_JSON (-1)

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static bool name_has(const char *base, const char *word)
{
    return strcasestr(base, word) != NULL;
}

static bool ext_is(const char *base, const char *ext)
{
    const char *dot = strrchr(base, '.');
    return dot && strcasecmp(dot, ext) == 0;
}

static canh_str_t skip_bom(canh_str_t d)
{
    if (d.n >= 3 && memcmp(d.p, "\xEF\xBB\xBF", 3) == 0)
        return canh_str_sub(d, 3, d.n);
    return d;
}

static int detect(const char *name, canh_str_t d)
{
    const char *base = base_name(name);
    if (d.n >= 4 && memcmp(d.p, "PK\x03\x04", 4) == 0)
        return CANH_FEED_XLSX;
    if (ext_is(base, ".xlsx"))
        return CANH_FEED_XLSX;
    canh_str_t t = canh_str_trim(canh_str_sub(skip_bom(d), 0, 4096));
    if (t.n && (t.p[0] == '{' || t.p[0] == '[')) {
        /* Spamhaus publishes DROP as JSON lines now: {"cidr":..,"sblid":..} */
        ptrdiff_t nl = canh_str_chr(t, '\n');
        canh_str_t first = nl >= 0 ? canh_str_sub(t, 0, (size_t)nl) : t;
        if (canh_str_find_c(first, "\"cidr\"") >= 0 && canh_str_find_c(first, "\"sblid\"") >= 0)
            return CANH_FEED_DROP;
        return DETECT_JSON;
    }
    if (ext_is(base, ".csv") || ext_is(base, ".tsv"))
        return CANH_FEED_CSV;
    if (name_has(base, "iocs") || canh_intel_imp_text_sniff(d, CANH_FEED_SIGBASE))
        return CANH_FEED_SIGBASE;
    if (ext_is(base, ".netset") || ext_is(base, ".ipset") ||
        canh_intel_imp_text_sniff(d, CANH_FEED_FIREHOL))
        return CANH_FEED_FIREHOL;
    if (strncasecmp(base, "drop", 4) == 0 || strncasecmp(base, "edrop", 5) == 0 ||
        canh_intel_imp_text_sniff(d, CANH_FEED_DROP))
        return CANH_FEED_DROP;
    if (canh_intel_imp_csv_sniff(d))
        return CANH_FEED_CSV;
    return CANH_FEED_PLAIN;
}

/* Text formats cannot read UTF-16 (Excel's "Unicode text") or compressed
 * or binary files; say so instead of rejecting every line. */
static int check_text(canh_intel_imp_t *im, canh_str_t d)
{
    if (d.n >= 2 && ((unsigned char)d.p[0] == 0xFF && (unsigned char)d.p[1] == 0xFE))
        goto utf16;
    if (d.n >= 2 && ((unsigned char)d.p[0] == 0xFE && (unsigned char)d.p[1] == 0xFF))
        goto utf16;
    if (d.n >= 2 && (unsigned char)d.p[0] == 0x1F && (unsigned char)d.p[1] == 0x8B)
        return canh_errf(im->eb, CANH_EINVAL, "%s: gzip-compressed; decompress it first", im->name);
    if (memchr(d.p, '\0', d.n < 4096 ? d.n : 4096))
        return canh_errf(im->eb, CANH_EINVAL, "%s: binary data (NUL bytes), not a text feed",
                         im->name);
    return CANH_OK;
utf16:
    return canh_errf(im->eb, CANH_ENOTSUP,
                     "%s: UTF-16 text is not supported; save the file as UTF-8", im->name);
}

/* ---- entry points ------------------------------------------------------------- */

int canh_intel_import_mem(const char *name, const void *data, size_t n, canh_feed_format_t fmt,
                          const canh_import_opts_t *opts, const canh_import_sink_t *sink,
                          canh_feed_format_t *detected, canh_errbuf_t *eb)
{
    canh_intel_imp_t im = {0};
    canh_str_t d = {data ? (const char *)data : "", data ? n : 0};
    int used, rc;

    if (!name)
        name = "<memory>";
    if (!opts || !opts->source || !*opts->source)
        return canh_errf(eb, CANH_EINVAL, "%s: import needs a source name", name);
    if (!sink || !sink->add || !sink->reject)
        return canh_errf(eb, CANH_EINVAL, "%s: import needs a sink", name);
    if ((unsigned)fmt >= N_FORMATS)
        return canh_errf(eb, CANH_EINVAL, "%s: unknown feed format %d", name, (int)fmt);
    if (opts->kind < CANH_IOC_NONE || opts->kind > CANH_IOC_SHA256)
        return canh_errf(eb, CANH_EINVAL, "%s: unknown indicator kind %d", name, (int)opts->kind);

    im.name = name;
    im.opts = opts;
    im.sink = sink;
    im.eb = eb;
    im.def_threat = "malicious";
    canh_buf_init(&im.scratch, 4096);
    im.norm = canh_malloc(CANH_INTEL_IMP_VALUE_MAX);
    if (!im.norm) {
        rc = canh_errf(eb, CANH_ENOMEM, "%s: out of memory", name);
        goto out;
    }

    used = fmt == CANH_FEED_AUTO ? detect(name, d) : (int)fmt;
    switch (used) {
    case CANH_FEED_PLAIN:
    case CANH_FEED_DROP:
    case CANH_FEED_FIREHOL:
    case CANH_FEED_SIGBASE:
        if ((rc = check_text(&im, d)) == CANH_OK)
            rc = canh_intel_imp_text(&im, d, (canh_feed_format_t)used);
        break;
    case CANH_FEED_CSV:
        if ((rc = check_text(&im, d)) == CANH_OK)
            rc = canh_intel_imp_csv(&im, d);
        break;
    case CANH_FEED_XLSX: rc = canh_intel_imp_xlsx(&im, d); break;
    default: {
        /* DETECT_JSON or one of the JSON formats named */
        canh_feed_format_t j;
        rc = canh_intel_imp_json(
            &im, d, used == DETECT_JSON ? CANH_FEED_AUTO : (canh_feed_format_t)used, &j);
        used = (int)j;
        break;
    }
    }
    if (rc == CANH_OK && detected)
        *detected = (canh_feed_format_t)used;
out:
    canh_free(im.norm);
    canh_buf_fini(&im.scratch);
    return rc;
}

int canh_intel_import_file(const char *path, canh_feed_format_t fmt, const canh_import_opts_t *opts,
                           const canh_import_sink_t *sink, canh_feed_format_t *detected,
                           canh_errbuf_t *eb)
{
    struct stat st;
    void *map = NULL;
    size_t n = 0;
    int fd = -1, rc;

    if (!path)
        return canh_errf(eb, CANH_EINVAL, "import: no file name");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = canh_errf(eb, CANH_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        rc = canh_errf(eb, CANH_ELIMIT, "%s: too large", path);
        goto out;
    }
    n = (size_t)st.st_size;
    if (n > 0) {
        map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            map = NULL;
            rc = canh_errf(eb, CANH_EIO, "%s: cannot map: %s", path, strerror(errno));
            goto out;
        }
    }
    rc = canh_intel_import_mem(path, map, n, fmt, opts, sink, detected, eb);
out:
    if (map)
        munmap(map, n);
    if (fd >= 0)
        close(fd);
    return rc;
}
