/* intel_import_json.c - JSON feeds: abuse.ch Feodo Tracker, MISP events and
 * STIX 2.x bundles.
 *
 * The document is parsed whole with jansson (capped at CANH_MAX_FEED_JSON;
 * jansson bounds nesting itself) and walked at fixed depths, so nothing here
 * recurses on the input except the STIX pattern parser, which stops at
 * STIX_MAX_DEPTH. JSON has no useful line numbers once parsed: rejects carry
 * line 0 and name the item ("[3] ip_address: ...", "attribute <uuid>: ...",
 * "indicator--<uuid>: ..."). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/intel.h"
#include "canh/intel_import.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/reader.h"
#include "canh/str.h"
#include "intel_import_priv.h"

/* Nesting of parentheses and brackets in a STIX pattern, and the values one
 * pattern may yield. */
#define STIX_MAX_DEPTH 32
#define STIX_MAX_VALUES 256

typedef struct jctx {
    canh_intel_imp_t *im;
    json_t *extra;
    canh_buf_t tmp, dump;
    char what[192];
} jctx_t;

static canh_str_t jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return CANH_STR_NULL;
    return canh_str(json_string_value(v), json_string_length(v));
}

static const char *jcstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* true, 1, "1", "true" (MISP writes booleans all these ways). */
static bool jtrue(const json_t *v)
{
    if (json_is_true(v))
        return true;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    const char *s = json_string_value(v);
    return s && (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0);
}

/* A time as a string (any feed format) or a number (Unix seconds). */
static bool jtime(jctx_t *j, const json_t *v, int64_t *out)
{
    *out = 0;
    if (!v || json_is_null(v))
        return true;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > INT64_C(7258118400)) /* 2200-01-01 */
            return false;
        *out = (int64_t)n;
        return true;
    }
    if (!json_is_string(v))
        return false;
    return canh_intel_imp_time(j->im, canh_str(json_string_value(v), json_string_length(v)), 0,
                               false, out) == CANH_OK;
}

/* Copies o[key] into extra under name when it is a string or number. */
static int jcopy(jctx_t *j, const json_t *o, const char *key, const char *name)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return CANH_OK;
    if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
        return CANH_OK;
    if (json_is_string(v) && json_string_length(v) > 4096)
        return canh_intel_imp_jset(j->extra, name, canh_str(json_string_value(v), 4096), false,
                                   &j->tmp);
    return json_object_set(j->extra, name, v) == 0 ? CANH_OK : CANH_ENOMEM;
}

static int jset(jctx_t *j, const char *name, canh_str_t s)
{
    return canh_intel_imp_jset(j->extra, name, s, false, &j->tmp);
}

/* Emits with the collected extra; the extra object is cleared after. */
static int jemit(jctx_t *j, canh_intel_imp_row_t *row)
{
    int rc = canh_intel_imp_jdump(j->extra, &j->dump);
    if (rc == CANH_ELIMIT) {
        canh_intel_imp_reject(j->im, 0, "%s: other fields hold more than %u bytes", j->what,
                              CANH_INTEL_IMP_EXTRA_MAX);
        return CANH_OK;
    }
    if (rc)
        return rc;
    row->extra = j->dump.len ? j->dump.data : NULL;
    row->what = j->what;
    return canh_intel_imp_emit(j->im, 0, row);
}

static void jwhat(jctx_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jwhat(jctx_t *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->what, sizeof j->what, fmt, ap);
    va_end(ap);
}

/* ---- Feodo Tracker ---------------------------------------------------------------- */

/* [{"ip_address":"1.2.3.4","port":443,"status":"online","hostname":null,
 *   "as_number":12345,"as_name":"...","country":"US",
 *   "first_seen":"2021-01-17 07:44:46","last_online":"2024-05-01",
 *   "malware":"QakBot"}, ...] */
static int feodo(jctx_t *j, const json_t *arr)
{
    static const char *const keep[] = {"port",      "status",  "hostname",
                                       "as_number", "as_name", "country"};
    size_t i;
    json_t *el;
    int rc = CANH_OK;
    char q[96];
    j->im->def_threat = "c2";
    json_array_foreach(arr, i, el)
    {
        canh_intel_imp_row_t row;
        canh_intel_imp_row_init(&row);
        json_object_clear(j->extra);
        if (!json_is_object(el)) {
            canh_intel_imp_reject(j->im, 0, "[%zu]: not an object", i);
            continue;
        }
        const json_t *fs = json_object_get(el, "first_seen");
        const json_t *lo = json_object_get(el, "last_online");
        if (!jtime(j, fs, &row.first_seen)) {
            canh_intel_imp_reject(j->im, 0, "[%zu] first_seen: \"%s\" is not a date", i,
                                  canh_intel_imp_quote(jstr(el, "first_seen"), q));
            continue;
        }
        if (!jtime(j, lo, &row.last_seen)) {
            canh_intel_imp_reject(j->im, 0, "[%zu] last_online: \"%s\" is not a date", i,
                                  canh_intel_imp_quote(jstr(el, "last_online"), q));
            continue;
        }
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
            if ((rc = jcopy(j, el, keep[k], keep[k])))
                return rc;
        jwhat(j, "[%zu] ip_address", i);
        row.value = jstr(el, "ip_address");
        row.hint = CANH_IOC_IP;
        row.family = jstr(el, "malware");
        if ((rc = jemit(j, &row)))
            return rc;
    }
    return CANH_OK;
}

/* ---- MISP ------------------------------------------------------------------------- */

typedef struct misp_type {
    const char *name;
    canh_ioc_type_t hint; /* of the part before '|' (or the whole value) */
    int pair;             /* 0: plain; 1: "filename|hash"; 2: "ip|port"; 3: "domain|ip" */
} misp_type_t;

static const misp_type_t misp_types[] = {
    {"ip-src", CANH_IOC_IP, 0},
    {"ip-dst", CANH_IOC_IP, 0},
    {"ip-src|port", CANH_IOC_IP, 2},
    {"ip-dst|port", CANH_IOC_IP, 2},
    {"domain", CANH_IOC_DOMAIN, 0},
    {"hostname", CANH_IOC_DOMAIN, 0},
    {"hostname|port", CANH_IOC_DOMAIN, 2},
    {"domain|ip", CANH_IOC_DOMAIN, 3},
    {"url", CANH_IOC_URL, 0},
    {"md5", CANH_IOC_MD5, 0},
    {"sha1", CANH_IOC_SHA1, 0},
    {"sha256", CANH_IOC_SHA256, 0},
    {"filename|md5", CANH_IOC_MD5, 1},
    {"filename|sha1", CANH_IOC_SHA1, 1},
    {"filename|sha256", CANH_IOC_SHA256, 1},
    {"malware-sample", CANH_IOC_MD5, 1},
};

/* What tags say: family from galaxy clusters, threat from plain tags and
 * the eCSIRT/CIRCL taxonomies. Earlier findings win (attribute tags are
 * read before the event's). */
typedef struct tagsay {
    canh_str_t family, threat;
} tagsay_t;

static const char *threat_word(canh_str_t w)
{
    static const char *const words[] = {"botnet",     "c2",   "malware", "phishing",
                                        "ransomware", "spam", "scanner"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (canh_str_ieq_c(w, words[i]))
            return words[i];
    if (canh_str_ieq_c(w, "c&c") || canh_str_ieq_c(w, "c2-server") || canh_str_ieq_c(w, "cnc"))
        return "c2";
    if (canh_str_ieq_c(w, "botnet-drone"))
        return "botnet";
    return NULL;
}

/* The quoted value of a machine tag: misp-galaxy:malpedia="Emotet" -> Emotet */
static canh_str_t tag_value(canh_str_t tag)
{
    ptrdiff_t eq = canh_str_chr(tag, '=');
    if (eq < 0)
        return CANH_STR_NULL;
    canh_str_t v = canh_str_sub(tag, (size_t)eq + 1, tag.n);
    if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"')
        v = canh_str_sub(v, 1, v.n - 2);
    return v;
}

static void read_tags(const json_t *holder, tagsay_t *say)
{
    static const char *const fam_galaxies[] = {
        "misp-galaxy:malpedia=", "misp-galaxy:botnet=",  "misp-galaxy:ransomware=",
        "misp-galaxy:rat=",      "misp-galaxy:banker=",  "misp-galaxy:stealer=",
        "misp-galaxy:backdoor=", "misp-galaxy:android=", "misp-galaxy:mitre-malware=",
    };
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(holder, "Tag"), i, t)
    {
        canh_str_t name = jstr(t, "name");
        if (!name.n)
            continue;
        for (size_t g = 0; g < sizeof fam_galaxies / sizeof fam_galaxies[0]; g++) {
            if (!say->family.n && canh_str_starts(name, fam_galaxies[g])) {
                canh_str_t v = tag_value(name);
                /* mitre-malware clusters read "Name - S0001" */
                ptrdiff_t dash = canh_str_find_c(v, " - ");
                say->family = dash > 0 ? canh_str_sub(v, 0, (size_t)dash) : v;
            }
        }
        if (!say->threat.n && canh_str_starts(name, "misp-galaxy:botnet="))
            say->threat = CANH_STR_LIT("botnet");
        const char *w = NULL;
        if (canh_str_starts(name, "ecsirt:malicious-code=")) {
            w = threat_word(tag_value(name));
            if (!w)
                w = "malware";
        } else if (canh_str_starts(name, "circl:incident-classification=")) {
            w = threat_word(tag_value(name));
        } else {
            w = threat_word(name);
        }
        if (w && !say->threat.n)
            say->threat = canh_str_c(w);
    }
}

static int misp_attr(jctx_t *j, const json_t *ev, const json_t *a, size_t ai, const char *object)
{
    canh_intel_imp_t *im = j->im;
    canh_intel_imp_row_t row;
    const char *uuid = jcstr(a, "uuid");
    const char *type = jcstr(a, "type");
    canh_str_t value = jstr(a, "value");
    int rc;
    char q[96];

    if (uuid)
        jwhat(j, "attribute %.64s", uuid);
    else
        jwhat(j, "attribute [%zu]", ai);
    if (!json_is_object(a)) {
        canh_intel_imp_reject(im, 0, "%s: not an object", j->what);
        return CANH_OK;
    }
    if (jtrue(json_object_get(a, "deleted"))) {
        canh_intel_imp_reject(im, 0, "%s: deleted", j->what);
        return CANH_OK;
    }
    const misp_type_t *mt = NULL;
    for (size_t i = 0; type && i < sizeof misp_types / sizeof misp_types[0]; i++)
        if (strcmp(type, misp_types[i].name) == 0)
            mt = &misp_types[i];
    if (!mt) {
        canh_intel_imp_reject(im, 0, "%s: type \"%s\" is not supported", j->what,
                              canh_intel_imp_quote(canh_str_c(type ? type : ""), q));
        return CANH_OK;
    }
    if (!jtrue(json_object_get(a, "to_ids"))) {
        canh_intel_imp_reject(im, 0, "%s: to_ids is false (not meant for detection)", j->what);
        return CANH_OK;
    }

    canh_intel_imp_row_init(&row);
    row.hint = mt->hint;
    row.value = value;
    canh_str_t second = CANH_STR_NULL;
    if (mt->pair) {
        ptrdiff_t bar = -1;
        for (size_t i = value.n; i-- > 0;)
            if (value.p[i] == '|') {
                bar = (ptrdiff_t)i;
                break;
            }
        if (bar < 0) {
            canh_intel_imp_reject(im, 0, "%s: %s value \"%s\" has no '|'", j->what, type,
                                  canh_intel_imp_quote(value, q));
            return CANH_OK;
        }
        canh_str_t first = canh_str_sub(value, 0, (size_t)bar);
        second = canh_str_sub(value, (size_t)bar + 1, value.n);
        if (mt->pair == 1) {
            row.value = second; /* filename|hash: the hash */
            if ((rc = jset(j, "filename", first)))
                return rc;
        } else {
            row.value = first;
            if ((rc = canh_intel_imp_jset(j->extra, mt->pair == 2 ? "port" : "resolves_to", second,
                                          mt->pair == 2, &j->tmp)))
                return rc;
        }
    }

    /* times: the attribute's first/last seen, else its timestamp and the
     * event's date */
    const json_t *fs = json_object_get(a, "first_seen");
    const json_t *ls = json_object_get(a, "last_seen");
    if (!ls || json_is_null(ls))
        ls = json_object_get(a, "timestamp");
    if (!fs || json_is_null(fs))
        fs = json_object_get(ev, "date");
    if (!jtime(j, fs, &row.first_seen) || !jtime(j, ls, &row.last_seen)) {
        canh_intel_imp_reject(im, 0, "%s: first_seen/last_seen/timestamp is not a date", j->what);
        json_object_clear(j->extra);
        return CANH_OK;
    }
    tagsay_t say = {CANH_STR_NULL, CANH_STR_NULL};
    read_tags(a, &say);
    read_tags(ev, &say);
    row.family = say.family;
    row.threat = say.threat;

    if ((rc = jcopy(j, ev, "info", "event_info")) || (rc = jcopy(j, ev, "uuid", "event_uuid")) ||
        (rc = jcopy(j, a, "uuid", "attribute_uuid")) || (rc = jcopy(j, a, "type", "misp_type")) ||
        (rc = jcopy(j, a, "category", "category")) || (rc = jcopy(j, a, "comment", "comment")) ||
        (object && (rc = jset(j, "object", canh_str_c(object)))))
        return rc;

    if (mt->pair == 3) {
        /* domain|ip: the name and the address it resolved to are both
         * indicators; each names the other in extra */
        if ((rc = jemit(j, &row)))
            return rc;
        json_object_del(j->extra, "resolves_to");
        if ((rc = jset(j, "domain", row.value)))
            return rc;
        row.value = second;
        row.hint = CANH_IOC_IP;
    }
    rc = jemit(j, &row);
    json_object_clear(j->extra);
    return rc;
}

static int misp_event(jctx_t *j, const json_t *ev)
{
    size_t i, k;
    json_t *a, *o;
    int rc;
    json_array_foreach(json_object_get(ev, "Attribute"), i, a)
    {
        json_object_clear(j->extra);
        if ((rc = misp_attr(j, ev, a, i, NULL)))
            return rc;
    }
    json_array_foreach(json_object_get(ev, "Object"), k, o)
    {
        const char *name = jcstr(o, "name");
        json_array_foreach(json_object_get(o, "Attribute"), i, a)
        {
            json_object_clear(j->extra);
            if ((rc = misp_attr(j, ev, a, i, name ? name : "object")))
                return rc;
        }
    }
    return CANH_OK;
}

/* {"Event":{...}}, {"response":[{"Event":{...}},...]}, a bare event with
 * "Attribute", or an array of any of these. */
static const json_t *misp_unwrap(const json_t *v)
{
    const json_t *e = json_object_get(v, "Event");
    if (json_is_object(e))
        return e;
    if (json_is_object(v) && (json_object_get(v, "Attribute") || json_object_get(v, "Object")))
        return v;
    return NULL;
}

static bool is_misp(const json_t *root)
{
    if (misp_unwrap(root) || json_is_array(json_object_get(root, "response")))
        return true;
    return json_is_array(root) && misp_unwrap(json_array_get(root, 0));
}

static int misp(jctx_t *j, const json_t *root)
{
    const json_t *list = json_is_array(root) ? root : json_object_get(root, "response");
    const json_t *ev = misp_unwrap(root);
    size_t i;
    json_t *el;
    int rc;
    j->im->def_threat = "malicious";
    if (ev)
        return misp_event(j, ev);
    if (!json_is_array(list))
        return canh_errf(j->im->eb, CANH_EINVAL, "%s: not a MISP event (no \"Event\")",
                         j->im->name);
    json_array_foreach(list, i, el)
    {
        ev = misp_unwrap(el);
        if (!ev) {
            canh_intel_imp_reject(j->im, 0, "response[%zu]: not a MISP event", i);
            continue;
        }
        if ((rc = misp_event(j, ev)))
            return rc;
    }
    return CANH_OK;
}

/* ---- STIX patterns -------------------------------------------------------------------
 *
 * The grammar of STIX 2.1 patterning, parsed to find indicator values:
 *   pattern  := obs_or (FOLLOWEDBY obs_or)*
 *   obs_or   := obs_and (OR obs_and)*
 *   obs_and  := obs (AND obs)*
 *   obs      := '[' cmp_or ']' qualifier* | '(' pattern ')' qualifier*
 *   cmp_or   := cmp_and (OR cmp_and)*
 *   cmp_and  := test (AND test)*
 *   test     := path [NOT] op literal | path [NOT] IN '(' literal, ... ')'
 *             | EXISTS path | '(' cmp_or ')'
 * A comparison yields a value when it is "=" (or ISSUBSET for addresses, or
 * IN) on ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value,
 * file:hashes.MD5/SHA-1/SHA-256, or network-traffic:dst_ref/src_ref.value.
 * OR takes the values of every side; a side without values makes the
 * result partial (reported). AND inside one observation keeps the values of
 * the sides that have them: the other sides narrow the same object (a
 * mime type next to a hash) and are dropped. AND and FOLLOWEDBY between
 * observations need several objects to be seen together, which one
 * indicator value cannot say: the pattern is refused. */

typedef struct pval {
    canh_ioc_type_t hint;
    size_t off, len; /* in pp.strs */
} pval_t;

typedef struct pp {
    canh_rd_t r;
    int depth;
    canh_buf_t strs;
    pval_t vals[STIX_MAX_VALUES];
    size_t nvals;
    char err[200];   /* syntax error or refusal; parsing stops */
    char unsup[200]; /* the first comparison that yields no value */
} pp_t;

typedef struct pres {
    size_t nval;
    bool partial;
} pres_t;

static bool pfail(pp_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool pfail(pp_t *p, const char *fmt, ...)
{
    if (!p->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, sizeof p->err, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void pws(pp_t *p)
{
    int c;
    while ((c = canh_rd_peek(&p->r, 0)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        p->r.off++;
}

static bool ident_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* Consumes keyword k (any case) when it is the next word. */
static bool pkw(pp_t *p, const char *k)
{
    size_t n = strlen(k);
    pws(p);
    if (canh_rd_left(&p->r) < n || strncasecmp(p->r.p + p->r.off, k, n) != 0)
        return false;
    if (ident_char(canh_rd_peek(&p->r, n)))
        return false;
    p->r.off += n;
    return true;
}

static bool pchar(pp_t *p, char c)
{
    pws(p);
    return canh_rd_char(&p->r, c);
}

enum lit { L_STR, L_OTHER };

/* A literal: 'string' (with \' and \\ escapes; unescaped into strs), t'..',
 * h'..', b'..', a number, true or false. */
static bool pliteral(pp_t *p, int *kind, size_t *off, size_t *len)
{
    pws(p);
    int c = canh_rd_peek(&p->r, 0);
    *kind = L_OTHER;
    if ((c == 't' || c == 'h' || c == 'b') && canh_rd_peek(&p->r, 1) == '\'') {
        p->r.off++;
        c = '\'';
    } else if (c == '\'') {
        *kind = L_STR;
    }
    if (c == '\'') {
        p->r.off++;
        *off = p->strs.len;
        for (;;) {
            int ch = canh_rd_peek(&p->r, 0);
            if (ch < 0)
                return pfail(p, "unterminated string at offset %zu", p->r.off);
            p->r.off++;
            if (ch == '\'')
                break;
            if (ch == '\\') {
                int e = canh_rd_peek(&p->r, 0);
                if (e != '\'' && e != '\\')
                    return pfail(p, "bad escape at offset %zu", p->r.off);
                ch = e;
                p->r.off++;
            }
            if (canh_buf_putc(&p->strs, (char)ch) != CANH_OK)
                return pfail(p, "out of memory");
        }
        *len = p->strs.len - *off;
        return true;
    }
    if (pkw(p, "true") || pkw(p, "false"))
        return true;
    size_t s = p->r.off;
    if (c == '-' || c == '+')
        p->r.off++;
    while ((c = canh_rd_peek(&p->r, 0)) >= '0' && c <= '9')
        p->r.off++;
    if (c == '.') {
        p->r.off++;
        while ((c = canh_rd_peek(&p->r, 0)) >= '0' && c <= '9')
            p->r.off++;
    }
    if (p->r.off == s || (p->r.off == s + 1 && (p->r.p[s] == '-' || p->r.p[s] == '+')))
        return pfail(p, "expected a literal at offset %zu", s);
    return true;
}

/* object-type:prop(.prop|[*]|[n])* into canon ("file:hashes.SHA-256"). */
static bool ppath(pp_t *p, char *canon, size_t cap)
{
    size_t o = 0;
    pws(p);
    size_t s = p->r.off;
    while (ident_char(canh_rd_peek(&p->r, 0)))
        p->r.off++;
    if (p->r.off == s || !canh_rd_char(&p->r, ':'))
        return pfail(p, "expected an object path at offset %zu", s);
    o = (size_t)snprintf(canon, cap, "%.*s:", (int)(p->r.off - 1 - s), p->r.p + s);
    bool first = true;
    for (;;) {
        int c = canh_rd_peek(&p->r, 0);
        if (!first && c == '[') {
            size_t b = p->r.off;
            p->r.off++;
            while ((c = canh_rd_peek(&p->r, 0)) == '*' || (c >= '0' && c <= '9'))
                p->r.off++;
            if (!canh_rd_char(&p->r, ']'))
                return pfail(p, "bad list index at offset %zu", b);
            if (o + 4 < cap)
                o += (size_t)snprintf(canon + o, cap - o, "[*]");
            continue;
        }
        if (!first) {
            if (c != '.')
                break;
            p->r.off++;
            if (o + 2 < cap)
                canon[o++] = '.';
        }
        first = false;
        c = canh_rd_peek(&p->r, 0);
        size_t ps = p->r.off, pe;
        if (c == '\'') {
            p->r.off++;
            ps = p->r.off;
            canh_str_t q;
            if (!canh_rd_until(&p->r, '\'', &q))
                return pfail(p, "unterminated property name at offset %zu", ps);
            pe = ps + q.n;
        } else {
            while (ident_char(canh_rd_peek(&p->r, 0)))
                p->r.off++;
            pe = p->r.off;
            if (pe == ps)
                return pfail(p, "expected a property name at offset %zu", ps);
        }
        if (o + (pe - ps) + 1 < cap) {
            memcpy(canon + o, p->r.p + ps, pe - ps);
            o += pe - ps;
        }
        canon[o] = '\0';
    }
    canon[o < cap ? o : cap - 1] = '\0';
    return true;
}

/* The indicator type a path's value is, or -1 when it yields none. */
static int path_hint(const char *canon, bool subset)
{
    static const struct {
        const char *path;
        canh_ioc_type_t hint;
        bool subset; /* ISSUBSET allowed (a CIDR) */
    } paths[] = {
        {"ipv4-addr:value", CANH_IOC_IP, true},
        {"ipv6-addr:value", CANH_IOC_IP, true},
        {"domain-name:value", CANH_IOC_DOMAIN, false},
        {"url:value", CANH_IOC_URL, false},
        {"file:hashes.MD5", CANH_IOC_MD5, false},
        {"file:hashes.SHA-1", CANH_IOC_SHA1, false},
        {"file:hashes.SHA1", CANH_IOC_SHA1, false},
        {"file:hashes.SHA-256", CANH_IOC_SHA256, false},
        {"file:hashes.SHA256", CANH_IOC_SHA256, false},
        {"network-traffic:dst_ref.value", CANH_IOC_NONE, true},
        {"network-traffic:src_ref.value", CANH_IOC_NONE, true},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strcasecmp(paths[i].path, canon) == 0)
            return (!subset || paths[i].subset) ? (int)paths[i].hint : -1;
    return -1;
}

static bool padd(pp_t *p, canh_ioc_type_t hint, size_t off, size_t len)
{
    if (p->nvals >= STIX_MAX_VALUES)
        return pfail(p, "more than %u values", STIX_MAX_VALUES);
    p->vals[p->nvals++] = (pval_t){hint, off, len};
    return true;
}

static bool pcmp_or(pp_t *p, pres_t *res);

static bool ptest(pp_t *p, pres_t *res)
{
    char canon[160], op[16];
    res->nval = 0;
    res->partial = false;
    if (pchar(p, '(')) {
        if (++p->depth > STIX_MAX_DEPTH)
            return pfail(p, "nested deeper than %d", STIX_MAX_DEPTH);
        if (!pcmp_or(p, res))
            return false;
        p->depth--;
        return pchar(p, ')') || pfail(p, "expected ')' at offset %zu", p->r.off);
    }
    if (pkw(p, "EXISTS")) {
        if (!ppath(p, canon, sizeof canon))
            return false;
        if (!p->unsup[0])
            snprintf(p->unsup, sizeof p->unsup, "EXISTS %s", canon);
        return true;
    }
    if (!ppath(p, canon, sizeof canon))
        return false;
    bool neg = pkw(p, "NOT");
    pws(p);
    static const char *const ops[] = {"!=", "<>", "<=", ">=", "=", "<", ">"};
    static const char *const words[] = {"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"};
    op[0] = '\0';
    for (size_t i = 0; !op[0] && i < sizeof ops / sizeof ops[0]; i++)
        if (canh_rd_lit(&p->r, ops[i]))
            snprintf(op, sizeof op, "%s", ops[i]);
    for (size_t i = 0; !op[0] && i < sizeof words / sizeof words[0]; i++)
        if (pkw(p, words[i]))
            snprintf(op, sizeof op, "%s", words[i]);
    if (!op[0])
        return pfail(p, "expected a comparison operator at offset %zu", p->r.off);

    bool in = strcmp(op, "IN") == 0, subset = strcmp(op, "ISSUBSET") == 0;
    int hint = neg ? -1 : path_hint(canon, subset);
    bool yields = hint >= 0 && (in || subset || strcmp(op, "=") == 0);
    size_t first = p->nvals;
    int kind;
    size_t off, len;
    if (in) {
        if (!pchar(p, '('))
            return pfail(p, "expected '(' after IN at offset %zu", p->r.off);
        do {
            if (!pliteral(p, &kind, &off, &len))
                return false;
            if (kind != L_STR)
                yields = false;
            else if (yields && !padd(p, (canh_ioc_type_t)hint, off, len))
                return false;
        } while (pchar(p, ','));
        if (!pchar(p, ')'))
            return pfail(p, "expected ')' after the IN set at offset %zu", p->r.off);
    } else {
        if (!pliteral(p, &kind, &off, &len))
            return false;
        if (kind != L_STR)
            yields = false;
        else if (yields && !padd(p, (canh_ioc_type_t)hint, off, len))
            return false;
    }
    if (!yields) {
        p->nvals = first;
        if (!p->unsup[0])
            snprintf(p->unsup, sizeof p->unsup, "%s%s %s", canon, neg ? " NOT" : "", op);
        return true;
    }
    res->nval = p->nvals - first;
    return true;
}

static bool pcmp_and(pp_t *p, pres_t *res)
{
    pres_t b = {0, false};
    if (!ptest(p, res))
        return false;
    while (pkw(p, "AND")) {
        if (!ptest(p, &b))
            return false;
        /* sides with values stay; the others narrow the same object */
        bool ap = res->nval && res->partial, bp = b.nval && b.partial;
        res->nval += b.nval;
        res->partial = ap || bp;
    }
    return true;
}

static bool pcmp_or(pp_t *p, pres_t *res)
{
    pres_t b = {0, false};
    if (!pcmp_and(p, res))
        return false;
    while (pkw(p, "OR")) {
        if (!pcmp_and(p, &b))
            return false;
        res->partial = res->partial || b.partial || res->nval == 0 || b.nval == 0;
        res->nval += b.nval;
    }
    return true;
}

static bool pqualifiers(pp_t *p)
{
    int kind;
    size_t off, len;
    for (;;) {
        if (pkw(p, "WITHIN")) {
            if (!pliteral(p, &kind, &off, &len) || !pkw(p, "SECONDS"))
                return pfail(p, "bad WITHIN qualifier at offset %zu", p->r.off);
        } else if (pkw(p, "REPEATS")) {
            if (!pliteral(p, &kind, &off, &len) || !pkw(p, "TIMES"))
                return pfail(p, "bad REPEATS qualifier at offset %zu", p->r.off);
        } else if (pkw(p, "START")) {
            if (!pliteral(p, &kind, &off, &len) || !pkw(p, "STOP") ||
                !pliteral(p, &kind, &off, &len))
                return pfail(p, "bad START/STOP qualifier at offset %zu", p->r.off);
        } else {
            return true;
        }
    }
}

static bool ppattern(pp_t *p, pres_t *res);

static bool pobs(pp_t *p, pres_t *res)
{
    if (++p->depth > STIX_MAX_DEPTH)
        return pfail(p, "nested deeper than %d", STIX_MAX_DEPTH);
    if (pchar(p, '[')) {
        if (!pcmp_or(p, res))
            return false;
        if (!pchar(p, ']'))
            return pfail(p, "expected ']' at offset %zu", p->r.off);
    } else if (pchar(p, '(')) {
        if (!ppattern(p, res))
            return false;
        if (!pchar(p, ')'))
            return pfail(p, "expected ')' at offset %zu", p->r.off);
    } else {
        return pfail(p, "expected '[' at offset %zu", p->r.off);
    }
    p->depth--;
    return pqualifiers(p);
}

static bool pobs_and(pp_t *p, pres_t *res)
{
    if (!pobs(p, res))
        return false;
    if (pkw(p, "AND"))
        return pfail(p, "unsupported pattern: AND across observables");
    return true;
}

static bool pobs_or(pp_t *p, pres_t *res)
{
    pres_t b = {0, false};
    if (!pobs_and(p, res))
        return false;
    while (pkw(p, "OR")) {
        if (!pobs_and(p, &b))
            return false;
        res->partial = res->partial || b.partial || res->nval == 0 || b.nval == 0;
        res->nval += b.nval;
    }
    return true;
}

static bool ppattern(pp_t *p, pres_t *res)
{
    if (!pobs_or(p, res))
        return false;
    if (pkw(p, "FOLLOWEDBY"))
        return pfail(p, "unsupported pattern: FOLLOWEDBY across observables");
    return true;
}

/* ---- STIX objects ----------------------------------------------------------------- */

/* Object types that carry no indicator value of their own: context, read
 * for families (malware via "indicates" relationships) or skipped. */
static bool stix_context_type(const char *t)
{
    static const char *const types[] = {
        "identity",
        "marking-definition",
        "report",
        "relationship",
        "malware",
        "threat-actor",
        "campaign",
        "intrusion-set",
        "attack-pattern",
        "course-of-action",
        "tool",
        "vulnerability",
        "location",
        "note",
        "opinion",
        "grouping",
        "infrastructure",
        "malware-analysis",
        "language-content",
        "extension-definition",
        "sighting",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i], t) == 0)
            return true;
    return false;
}

/* threat from indicator_types or (STIX 2.0) labels: a known word wins,
 * then "malicious-activity" -> malicious, then the first given. */
static canh_str_t stix_threat(const json_t *ind)
{
    static const char *const lists[] = {"indicator_types", "labels"};
    canh_str_t first = CANH_STR_NULL;
    bool malicious = false;
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(ind, lists[l]), i, v)
        {
            canh_str_t s = canh_str(json_string_value(v), json_string_length(v));
            if (!s.p || !s.n)
                continue;
            const char *w = threat_word(s);
            if (w)
                return canh_str_c(w);
            malicious |= canh_str_eq_c(s, "malicious-activity");
            if (!first.p && canh_str_chr(s, ':') < 0 && canh_str_chr(s, '=') < 0)
                first = s;
        }
    }
    return malicious ? CANH_STR_LIT("malicious") : first;
}

static int stix_indicator(jctx_t *j, const json_t *ind, const json_t *families, size_t idx)
{
    canh_intel_imp_t *im = j->im;
    const char *id = jcstr(ind, "id");
    const char *ptype = jcstr(ind, "pattern_type");
    canh_str_t pattern = jstr(ind, "pattern");
    canh_intel_imp_row_t row;
    char q[96];
    pp_t *p = NULL;
    int rc = CANH_OK;

    if (id)
        jwhat(j, "%.100s", id);
    else
        jwhat(j, "objects[%zu]", idx);
    json_object_clear(j->extra);
    if (jtrue(json_object_get(ind, "revoked"))) {
        canh_intel_imp_reject(im, 0, "%s: revoked", j->what);
        return CANH_OK;
    }
    if (ptype && strcmp(ptype, "stix") != 0) {
        canh_intel_imp_reject(im, 0, "%s: pattern_type \"%s\" is not supported", j->what,
                              canh_intel_imp_quote(canh_str_c(ptype), q));
        return CANH_OK;
    }
    if (!pattern.p) {
        canh_intel_imp_reject(im, 0, "%s: no pattern", j->what);
        return CANH_OK;
    }
    if (pattern.n > CANH_MAX_STIX_PATTERN) {
        canh_intel_imp_reject(im, 0, "%s: pattern longer than %u bytes", j->what,
                              CANH_MAX_STIX_PATTERN);
        return CANH_OK;
    }
    canh_intel_imp_row_init(&row);
    const json_t *vf = json_object_get(ind, "valid_from");
    const json_t *vu = json_object_get(ind, "valid_until");
    if (!jtime(j, vf, &row.first_seen) || !jtime(j, vu, &row.expires)) {
        canh_intel_imp_reject(im, 0, "%s: valid_from/valid_until is not a timestamp", j->what);
        return CANH_OK;
    }
    const json_t *conf = json_object_get(ind, "confidence");
    if (json_is_integer(conf) && json_integer_value(conf) >= 0 && json_integer_value(conf) <= 100)
        row.confidence = (int)json_integer_value(conf);

    p = canh_calloc(1, sizeof *p);
    if (!p)
        return CANH_ENOMEM;
    p->r = canh_rd(pattern);
    canh_buf_init(&p->strs, CANH_MAX_STIX_PATTERN + 1);
    pres_t res = {0, false};
    bool ok = ppattern(p, &res);
    pws(p);
    if (ok && !canh_rd_eof(&p->r))
        ok = pfail(p, "unexpected text at offset %zu", p->r.off);
    if (!ok) {
        bool refusal = strncmp(p->err, "unsupported", 11) == 0;
        canh_intel_imp_reject(im, 0, "%s: %s%s: %s", j->what,
                              refusal ? "" : "bad pattern: ", p->err,
                              canh_intel_imp_quote(pattern, q));
        goto out;
    }
    if (res.nval == 0) {
        canh_intel_imp_reject(im, 0, "%s: unsupported pattern: nothing to match in \"%s\": %s",
                              j->what, p->unsup, canh_intel_imp_quote(pattern, q));
        goto out;
    }
    if (res.partial)
        canh_intel_imp_reject(im, 0, "%s: part of the pattern is not imported: \"%s\"", j->what,
                              p->unsup);

    row.threat = stix_threat(ind);
    if (id)
        row.family = canh_str_c(json_string_value(json_object_get(families, id)));
    for (size_t i = 0; i < p->nvals; i++) {
        if ((rc = jcopy(j, ind, "id", "stix_id")) || (rc = jcopy(j, ind, "name", "name")) ||
            (rc = jset(j, "pattern", pattern)))
            goto out;
        row.hint = p->vals[i].hint;
        row.value = canh_str(p->strs.data + p->vals[i].off, p->vals[i].len);
        if ((rc = jemit(j, &row)))
            goto out;
        json_object_clear(j->extra);
    }
out:
    if (p)
        canh_buf_fini(&p->strs);
    canh_free(p);
    return rc;
}

static const json_t *stix_objects(const json_t *root)
{
    const json_t *objs = json_object_get(root, "objects");
    if (json_is_array(objs))
        return objs;
    if (json_is_array(root))
        return root;
    return NULL;
}

static bool is_stix(const json_t *root)
{
    const char *t = jcstr(root, "type");
    if (t && (strcmp(t, "bundle") == 0 || strcmp(t, "indicator") == 0))
        return true;
    if (json_is_array(json_object_get(root, "objects")))
        return true;
    const json_t *first = json_array_get(root, 0);
    const char *id = jcstr(first, "id");
    return jcstr(first, "type") && id && strstr(id, "--");
}

static int stix(jctx_t *j, const json_t *root)
{
    canh_intel_imp_t *im = j->im;
    json_t *single = NULL, *families = json_object(), *malware = json_object();
    const json_t *objs;
    size_t i;
    json_t *o;
    int rc = CANH_OK;

    im->def_threat = "malicious";
    if (!families || !malware) {
        rc = canh_errf(im->eb, CANH_ENOMEM, "%s: out of memory", im->name);
        goto out;
    }
    const char *rt = jcstr(root, "type");
    if (rt && strcmp(rt, "indicator") == 0) {
        single = json_array();
        if (!single || json_array_append(single, (json_t *)root)) {
            rc = canh_errf(im->eb, CANH_ENOMEM, "%s: out of memory", im->name);
            goto out;
        }
        objs = single;
    } else if (!(objs = stix_objects(root))) {
        rc = canh_errf(im->eb, CANH_EINVAL, "%s: not a STIX bundle (no \"objects\" array)",
                       im->name);
        goto out;
    }

    /* families: indicator --indicates--> malware (name) */
    json_array_foreach(objs, i, o)
    {
        const char *t = jcstr(o, "type"), *id = jcstr(o, "id"), *name = jcstr(o, "name");
        if (t && id && name && strcmp(t, "malware") == 0 &&
            json_object_set_new(malware, id, json_string(name)))
            goto nomem;
    }
    json_array_foreach(objs, i, o)
    {
        const char *t = jcstr(o, "type"), *rel = jcstr(o, "relationship_type");
        const char *src = jcstr(o, "source_ref"), *dst = jcstr(o, "target_ref");
        json_t *name = dst ? json_object_get(malware, dst) : NULL;
        if (t && rel && src && name && strcmp(t, "relationship") == 0 &&
            strcmp(rel, "indicates") == 0 && !json_object_get(families, src) &&
            json_object_set(families, src, name))
            goto nomem;
    }

    json_array_foreach(objs, i, o)
    {
        const char *t = jcstr(o, "type"), *id = jcstr(o, "id");
        char q[96];
        if (!t) {
            canh_intel_imp_reject(im, 0, "objects[%zu]: no \"type\"", i);
            continue;
        }
        if (strcmp(t, "indicator") == 0) {
            if ((rc = stix_indicator(j, o, families, i)))
                goto out;
        } else if (!stix_context_type(t)) {
            canh_intel_imp_reject(im, 0, "%s: object type %s is not imported (only indicators)",
                                  id ? canh_intel_imp_quote(canh_str_c(id), q) : "?", t);
        }
    }
    goto out;
nomem:
    rc = canh_errf(im->eb, CANH_ENOMEM, "%s: out of memory", im->name);
out:
    json_decref(single);
    json_decref(families);
    json_decref(malware);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------------------- */

static bool is_feodo(const json_t *root)
{
    if (json_is_array(root))
        return json_array_size(root) == 0 || json_object_get(json_array_get(root, 0), "ip_address");
    const json_t *data = json_object_get(root, "data");
    return json_is_array(data) && json_object_get(json_array_get(data, 0), "ip_address");
}

int canh_intel_imp_json(canh_intel_imp_t *im, canh_str_t data, canh_feed_format_t fmt,
                        canh_feed_format_t *used)
{
    jctx_t j = {.im = im};
    json_t *root = NULL;
    json_error_t jerr;
    int rc;

    canh_buf_init(&j.tmp, 4 * CANH_MAX_RECORD);
    canh_buf_init(&j.dump, CANH_INTEL_IMP_EXTRA_MAX + 1);
    if (data.n > CANH_MAX_FEED_JSON) {
        rc = canh_errf(im->eb, CANH_ELIMIT, "%s: larger than %u bytes", im->name,
                       CANH_MAX_FEED_JSON);
        goto out;
    }
    if (data.n >= 3 && memcmp(data.p, "\xEF\xBB\xBF", 3) == 0)
        data = canh_str_sub(data, 3, data.n);
    root = json_loadb(data.p, data.n, 0, &jerr);
    if (!root) {
        rc = canh_errf(im->eb, CANH_EINVAL, "%s:%d:%d: not JSON: %s", im->name, jerr.line,
                       jerr.column, jerr.text);
        goto out;
    }
    j.extra = json_object();
    if (!j.extra) {
        rc = canh_errf(im->eb, CANH_ENOMEM, "%s: out of memory", im->name);
        goto out;
    }
    if (fmt == CANH_FEED_AUTO) {
        if (is_feodo(root))
            fmt = CANH_FEED_FEODO_JSON;
        else if (is_misp(root))
            fmt = CANH_FEED_MISP;
        else if (is_stix(root))
            fmt = CANH_FEED_STIX;
        else {
            rc = canh_errf(im->eb, CANH_EINVAL,
                           "%s: JSON, but not a Feodo Tracker list, MISP event or STIX bundle",
                           im->name);
            goto out;
        }
    }
    switch (fmt) {
    case CANH_FEED_FEODO_JSON: {
        const json_t *arr = json_is_array(root) ? root : json_object_get(root, "data");
        if (!json_is_array(arr)) {
            rc =
                canh_errf(im->eb, CANH_EINVAL, "%s: not a Feodo Tracker list (no array)", im->name);
            goto out;
        }
        rc = feodo(&j, arr);
        break;
    }
    case CANH_FEED_MISP:
        if (!is_misp(root)) {
            rc = canh_errf(im->eb, CANH_EINVAL, "%s: not a MISP event (no \"Event\")", im->name);
            goto out;
        }
        rc = misp(&j, root);
        break;
    case CANH_FEED_STIX: rc = stix(&j, root); break;
    default:
        rc = canh_errf(im->eb, CANH_EINVAL, "%s: format %s is not JSON", im->name,
                       canh_feed_format_name(fmt));
        goto out;
    }
    if (rc == CANH_OK)
        *used = fmt;
out:
    json_decref(root);
    json_decref(j.extra);
    canh_buf_fini(&j.tmp);
    canh_buf_fini(&j.dump);
    return rc;
}
