/* intel_import_text.c - line-based feeds: plain lists, Spamhaus DROP,
 * FireHOL sets and signature-base (LOKI) IOC files.
 *
 * Every format is one indicator per line with its own comment conventions;
 * a line the format cannot take is rejected with its number and the rest
 * goes on. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/intel.h"
#include "canh/intel_import.h"
#include "canh/limits.h"
#include "canh/str.h"
#include "intel_import_priv.h"

typedef struct lines {
    canh_str_t d;
    size_t off;
    uint64_t no;
} lines_t;

/* The next line without its "\n" or "\r\n"; false at the end. */
static bool next_line(lines_t *l, canh_str_t *out)
{
    if (l->off >= l->d.n)
        return false;
    const char *p = l->d.p + l->off;
    size_t left = l->d.n - l->off;
    const char *nl = memchr(p, '\n', left);
    size_t len = nl ? (size_t)(nl - p) : left;
    l->off += len + (nl ? 1 : 0);
    l->no++;
    if (len && p[len - 1] == '\r')
        len--;
    *out = canh_str(p, len);
    return true;
}

static lines_t lines_of(canh_str_t d)
{
    if (d.n >= 3 && memcmp(d.p, "\xEF\xBB\xBF", 3) == 0)
        d = canh_str_sub(d, 3, d.n);
    return (lines_t){d, 0, 0};
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits off the first run of non-blank bytes. */
static canh_str_t first_word(canh_str_t s, canh_str_t *rest)
{
    size_t i = 0;
    while (i < s.n && !is_space(s.p[i]))
        i++;
    *rest = canh_str_trim(canh_str_sub(s, i, s.n));
    return canh_str_sub(s, 0, i);
}

/* Comment text after '#', ';' or ',' markers and blanks. */
static canh_str_t comment_text(canh_str_t s)
{
    size_t i = 0;
    while (i < s.n && (s.p[i] == '#' || s.p[i] == ';' || s.p[i] == ',' || is_space(s.p[i])))
        i++;
    return canh_str_trim(canh_str_sub(s, i, s.n));
}

typedef struct text {
    canh_intel_imp_t *im;
    json_t *extra;
    canh_buf_t tmp, dump;
} text_t;

/* Emits value with the extra fields collected in t->extra (then cleared). */
static int text_emit(text_t *t, uint64_t line, canh_intel_imp_row_t *row)
{
    int rc = canh_intel_imp_jdump(t->extra, &t->dump);
    json_object_clear(t->extra);
    if (rc == CANH_ELIMIT) {
        canh_intel_imp_reject(t->im, line, "comment too long");
        return CANH_OK;
    }
    if (rc)
        return rc;
    row->extra = t->dump.len ? t->dump.data : NULL;
    return canh_intel_imp_emit(t->im, line, row);
}

/* ---- plain ------------------------------------------------------------------- */

static bool is_sink_addr(canh_str_t w)
{
    return canh_str_eq_c(w, "0.0.0.0") || canh_str_eq_c(w, "127.0.0.1") || canh_str_eq_c(w, "::") ||
           canh_str_eq_c(w, "::1");
}

/* One value per line; "#", ";" and "//" start comment lines; text after the
 * value is kept as a comment. Hosts-file lines ("0.0.0.0 evil.example")
 * give the name. */
static int plain_line(text_t *t, uint64_t no, canh_str_t s)
{
    canh_intel_imp_row_t row;
    canh_str_t rest, v;
    int rc;
    canh_intel_imp_row_init(&row);
    v = first_word(s, &rest);
    if (is_sink_addr(v) && rest.n && rest.p[0] != '#' && rest.p[0] != ';')
        v = first_word(rest, &rest);
    /* "1.2.3.4;comment" or "1.2.3.4,": a URL may hold ';' and ',' itself */
    if (canh_str_find_c(v, "://") < 0) {
        for (size_t i = 0; i < v.n; i++) {
            if (v.p[i] == ';' || v.p[i] == ',' || v.p[i] == '#') {
                rest = canh_str(v.p + i, (size_t)(s.p + s.n - (v.p + i)));
                v.n = i;
                break;
            }
        }
    }
    if ((rc = canh_intel_imp_jset(t->extra, "comment", comment_text(rest), false, &t->tmp)))
        return rc;
    row.value = v;
    return text_emit(t, no, &row);
}

/* ---- Spamhaus DROP ---------------------------------------------------------------- */

/* "1.10.16.0/20 ; SBL256894", or the JSON-lines form Spamhaus serves
 * since 2024: {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
 * with a closing {"type":"metadata",...} line. */
static int drop_line(text_t *t, uint64_t no, canh_str_t s)
{
    canh_intel_imp_row_t row;
    int rc = CANH_OK;
    json_t *doc = NULL;
    canh_intel_imp_row_init(&row);
    row.hint = CANH_IOC_IP;
    if (s.p[0] == '{') {
        json_error_t jerr;
        doc = json_loadb(s.p, s.n, 0, &jerr);
        if (!json_is_object(doc)) {
            canh_intel_imp_reject(t->im, no, "not a JSON object: %s", jerr.text);
            goto out;
        }
        const char *type = json_string_value(json_object_get(doc, "type"));
        if (type && strcmp(type, "metadata") == 0)
            goto out;
        json_t *cidr = json_object_get(doc, "cidr");
        if (!json_is_string(cidr)) {
            canh_intel_imp_reject(t->im, no, "no \"cidr\" string");
            goto out;
        }
        row.value = canh_str(json_string_value(cidr), json_string_length(cidr));
        row.what = "cidr";
        const char *sbl = json_string_value(json_object_get(doc, "sblid"));
        const char *rir = json_string_value(json_object_get(doc, "rir"));
        if ((rc = canh_intel_imp_jset(t->extra, "sbl", canh_str_c(sbl), false, &t->tmp)) ||
            (rc = canh_intel_imp_jset(t->extra, "rir", canh_str_c(rir), false, &t->tmp)))
            goto out;
        rc = text_emit(t, no, &row);
        goto out;
    }
    ptrdiff_t semi = canh_str_chr(s, ';');
    row.value = semi >= 0 ? canh_str_sub(s, 0, (size_t)semi) : s;
    if (semi >= 0 && (rc = canh_intel_imp_jset(
                          t->extra, "sbl", canh_str_sub(s, (size_t)semi + 1, s.n), false, &t->tmp)))
        goto out;
    rc = text_emit(t, no, &row);
out:
    json_decref(doc);
    return rc;
}

/* ---- FireHOL ------------------------------------------------------------------------ */

typedef struct firehol {
    char list[64];     /* the set's name: "firehol_level1" */
    char category[64]; /* "# Category : attacks" */
} firehol_t;

static void copy_cstr(char *dst, size_t cap, canh_str_t s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static bool is_set_name(canh_str_t s)
{
    if (!s.n || s.n > 63)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Header metadata: the first lone word names the set; "Category : x". */
static void firehol_comment(firehol_t *f, canh_str_t s)
{
    canh_str_t c = comment_text(s);
    if (!f->list[0] && is_set_name(c)) {
        copy_cstr(f->list, sizeof f->list, c);
        return;
    }
    ptrdiff_t colon = canh_str_chr(c, ':');
    if (colon > 0 && !f->category[0]) {
        canh_str_t key = canh_str_trim(canh_str_sub(c, 0, (size_t)colon));
        canh_str_t val = canh_str_trim(canh_str_sub(c, (size_t)colon + 1, c.n));
        if (canh_str_ieq_c(key, "Category") && is_set_name(val))
            copy_cstr(f->category, sizeof f->category, val);
    }
}

static int firehol_line(text_t *t, const firehol_t *f, uint64_t no, canh_str_t s)
{
    canh_intel_imp_row_t row;
    canh_str_t rest;
    int rc;
    canh_intel_imp_row_init(&row);
    row.hint = CANH_IOC_IP;
    row.value = first_word(s, &rest);
    if ((rc = canh_intel_imp_jset(t->extra, "list", canh_str_c(f->list), false, &t->tmp)))
        return rc;
    if (rest.n) {
        char q[96];
        canh_intel_imp_reject(t->im, no, "\"%s\": text after the address",
                              canh_intel_imp_quote(s, q));
        json_object_clear(t->extra);
        return CANH_OK;
    }
    return text_emit(t, no, &row);
}

/* ---- signature-base ------------------------------------------------------------- */

typedef enum sig_mode { SIG_ANY, SIG_HASH, SIG_C2 } sig_mode_t;

/* "value;comment". In c2-iocs.txt the comment is a score ("1.2.3.4;65");
 * the '#' line heading a block names it ("# FireEye Operation Snowman"). */
static int sigbase_line(text_t *t, sig_mode_t mode, canh_str_t section, uint64_t no, canh_str_t s)
{
    canh_intel_imp_row_t row;
    int rc;
    canh_intel_imp_row_init(&row);
    ptrdiff_t semi = canh_str_chr(s, ';');
    canh_str_t v = canh_str_trim(semi >= 0 ? canh_str_sub(s, 0, (size_t)semi) : s);
    canh_str_t c =
        semi >= 0 ? canh_str_trim(canh_str_sub(s, (size_t)semi + 1, s.n)) : CANH_STR_NULL;
    bool hash = mode == SIG_HASH || (mode == SIG_ANY && canh_intel_imp_hash_type(v));
    row.value = v;
    row.hash_only = hash;
    row.threat = canh_str_c(hash ? "malware" : mode == SIG_C2 ? "c2" : NULL);
    if (t->im->opts->threat && *t->im->opts->threat)
        row.threat = CANH_STR_NULL;
    bool score = c.n && c.n <= 3 && canh_str_to_u64(c, 1000, &(uint64_t){0}) == CANH_OK;
    if ((rc = canh_intel_imp_jset(t->extra, score ? "score" : "comment", c, score, &t->tmp)) ||
        (rc = canh_intel_imp_jset(t->extra, "section", section, false, &t->tmp)))
        return rc;
    return text_emit(t, no, &row);
}

/* ---- the loop ---------------------------------------------------------------------- */

int canh_intel_imp_text(canh_intel_imp_t *im, canh_str_t data, canh_feed_format_t fmt)
{
    text_t t = {.im = im};
    lines_t L = lines_of(data);
    firehol_t fh = {{0}, {0}};
    sig_mode_t mode = SIG_ANY;
    canh_str_t line, section = CANH_STR_NULL;
    int rc = CANH_OK;

    canh_buf_init(&t.tmp, 4 * CANH_MAX_RECORD);
    canh_buf_init(&t.dump, CANH_INTEL_IMP_EXTRA_MAX + 1);
    t.extra = json_object();
    if (!t.extra) {
        rc = canh_errf(im->eb, CANH_ENOMEM, "%s: out of memory", im->name);
        goto out;
    }
    switch (fmt) {
    case CANH_FEED_DROP: im->def_threat = "hijacked"; break;
    case CANH_FEED_SIGBASE: {
        const char *slash = strrchr(im->name, '/');
        const char *base = slash ? slash + 1 : im->name;
        if (strcasestr(base, "filename")) {
            rc = canh_errf(im->eb, CANH_ENOTSUP,
                           "%s: signature-base filename IOCs are regular expressions over "
                           "paths, not indicators; import hash-iocs.txt and c2-iocs.txt",
                           im->name);
            goto out;
        }
        mode = strcasestr(base, "hash") ? SIG_HASH : strcasestr(base, "c2") ? SIG_C2 : SIG_ANY;
        break;
    }
    default: break;
    }

    while (next_line(&L, &line)) {
        if (line.n > CANH_MAX_RECORD) {
            canh_intel_imp_reject(im, L.no, "line longer than %u bytes", CANH_MAX_RECORD);
            continue;
        }
        canh_str_t s = canh_str_trim(line);
        if (s.n == 0) {
            section = CANH_STR_NULL; /* a blank line ends a signature-base block */
            continue;
        }
        switch (fmt) {
        case CANH_FEED_DROP:
            if (s.p[0] == ';' || s.p[0] == '#')
                continue;
            rc = drop_line(&t, L.no, s);
            break;
        case CANH_FEED_FIREHOL:
            if (s.p[0] == '#') {
                /* the set's Category is the threat unless opts name one */
                firehol_comment(&fh, s);
                if (fh.category[0])
                    im->def_threat = fh.category;
                continue;
            }
            rc = firehol_line(&t, &fh, L.no, s);
            break;
        case CANH_FEED_SIGBASE:
            if (s.p[0] == '#') {
                canh_str_t c = comment_text(s);
                if (c.n)
                    section = c;
                continue;
            }
            rc = sigbase_line(&t, mode, section, L.no, s);
            break;
        default:
            if (s.p[0] == '#' || s.p[0] == ';' || canh_str_starts(s, "//"))
                continue;
            rc = plain_line(&t, L.no, s);
            break;
        }
        if (rc)
            break;
    }
out:
    json_decref(t.extra);
    canh_buf_fini(&t.tmp);
    canh_buf_fini(&t.dump);
    return rc;
}

/* ---- detection -------------------------------------------------------------------- */

bool canh_intel_imp_text_sniff(canh_str_t data, canh_feed_format_t fmt)
{
    lines_t L = lines_of(canh_str_sub(data, 0, 8192));
    canh_str_t line;
    int seen = 0;
    while (seen < 30 && next_line(&L, &line)) {
        canh_str_t s = canh_str_trim(line);
        if (!s.n)
            continue;
        seen++;
        bool comment = s.p[0] == '#' || s.p[0] == ';';
        switch (fmt) {
        case CANH_FEED_SIGBASE:
            if (!comment)
                return false;
            if (canh_str_find_c(s, "LOKI") >= 0)
                return true;
            break;
        case CANH_FEED_FIREHOL:
            if (!comment)
                return false;
            if (canh_str_ieq_c(canh_str_sub(comment_text(s), 0, 7), "firehol") ||
                canh_str_find_c(s, "FireHOL") >= 0)
                return true;
            break;
        case CANH_FEED_DROP:
            if (comment) {
                if (canh_str_find_c(s, "Spamhaus") >= 0)
                    return true;
                break;
            }
            /* "1.10.16.0/20 ; SBL256894" */
            return canh_str_find_c(s, "; SBL") > 0 || canh_str_find_c(s, ";SBL") > 0;
        default: return false;
        }
    }
    return false;
}
