/* detect_sigma_value.c - one detection item, `Field|mod|mod: value(s)`, into
 * an atom: the field reference, and per value the matchers its modifiers
 * produce.
 *
 * Strings follow Sigma's (and pySigma's) rules: '*' and '?' are wildcards,
 * '\' escapes '*', '?' and '\', and a backslash before any other character
 * is literal. Modifiers are applied in the order written, except that
 * contains/startswith/endswith place their wildcards last and expand goes
 * first (so `|contains|windash` and `|windash|contains` are the same). A
 * variant without wildcards inside becomes a plain literal test (equals,
 * starts with, ends with, contains), which the prefilter can decide; the
 * rest become glob programs, regexes, networks, numbers. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/error.h"
#include "canh/time.h"
#include "detect_sigma_int.h"

enum mod_id {
    MOD_CONTAINS,
    MOD_STARTSWITH,
    MOD_ENDSWITH,
    MOD_ALL,
    MOD_RE,
    MOD_I,
    MOD_M,
    MOD_S,
    MOD_CIDR,
    MOD_BASE64,
    MOD_BASE64OFFSET,
    MOD_UTF16LE,
    MOD_UTF16BE,
    MOD_UTF16,
    MOD_WINDASH,
    MOD_EXISTS,
    MOD_GT,
    MOD_GTE,
    MOD_LT,
    MOD_LTE,
    MOD_FIELDREF,
    MOD_EXPAND,
    MOD_CASED,
    MOD_NEQ,
    MOD_MINUTE,
    MOD_HOUR,
    MOD_DAY,
    MOD_WEEK,
    MOD_MONTH,
    MOD_YEAR,
};

static const struct {
    const char *name;
    uint8_t id;
} mod_names[] = {
    {"contains", MOD_CONTAINS},
    {"startswith", MOD_STARTSWITH},
    {"endswith", MOD_ENDSWITH},
    {"all", MOD_ALL},
    {"re", MOD_RE},
    {"i", MOD_I},
    {"ignorecase", MOD_I},
    {"m", MOD_M},
    {"multiline", MOD_M},
    {"s", MOD_S},
    {"dotall", MOD_S},
    {"cidr", MOD_CIDR},
    {"base64", MOD_BASE64},
    {"base64offset", MOD_BASE64OFFSET},
    {"utf16le", MOD_UTF16LE},
    {"wide", MOD_UTF16LE},
    {"utf16be", MOD_UTF16BE},
    {"utf16", MOD_UTF16},
    {"windash", MOD_WINDASH},
    {"exists", MOD_EXISTS},
    {"gt", MOD_GT},
    {"gte", MOD_GTE},
    {"lt", MOD_LT},
    {"lte", MOD_LTE},
    {"fieldref", MOD_FIELDREF},
    {"expand", MOD_EXPAND},
    {"cased", MOD_CASED},
    {"neq", MOD_NEQ},
    {"minute", MOD_MINUTE},
    {"hour", MOD_HOUR},
    {"day", MOD_DAY},
    {"week", MOD_WEEK},
    {"month", MOD_MONTH},
    {"year", MOD_YEAR},
};

/* What kind of value the modifiers make. */
enum vtype { VT_STR, VT_RE, VT_CIDR, VT_NUM, VT_EXISTS, VT_FIELDREF, VT_TIME };

typedef struct item {
    const char *key; /* for messages: "Field|mod" */
    size_t klen;
    uint8_t type;  /* enum vtype */
    uint8_t pos;   /* SG_M_EQ, PREFIX, SUFFIX or CONTAINS */
    uint8_t numop; /* enum sg_numop */
    uint8_t tpart; /* enum sg_timepart */
    bool all, cased, neq, expand, keywords;
    bool re_i, re_m, re_s;
    uint8_t xforms[SG_MAX_MODIFIERS]; /* encoding transforms in order */
    size_t nx;
    uint32_t fref;
} item_t;

/* ---- Sigma strings ------------------------------------------------------------------ */
/* A string under construction: bytes with a kind per byte (0 literal,
 * 1 '*', 2 '?'), and at most SG_MAX_VALUE of them. */
enum { K_LIT = 0, K_STAR = 1, K_QMARK = 2 };

typedef struct sstr {
    uint8_t *b, *k;
    size_t n, cap;
} sstr_t;

typedef struct svec {
    sstr_t *v;
    size_t n, cap;
} svec_t;

static void sstr_free(sstr_t *s)
{
    canh_free(s->b);
    canh_free(s->k);
    memset(s, 0, sizeof *s);
}

static int sstr_put(sstr_t *s, uint8_t b, uint8_t k)
{
    if (s->n == s->cap) {
        if (s->n >= SG_MAX_VALUE)
            return CANH_ELIMIT;
        size_t cap = s->cap ? s->cap * 2 : 32;
        if (cap > SG_MAX_VALUE)
            cap = SG_MAX_VALUE;
        uint8_t *nb = canh_realloc(s->b, cap);
        if (!nb)
            return CANH_ENOMEM;
        s->b = nb;
        uint8_t *nk = canh_realloc(s->k, cap);
        if (!nk)
            return CANH_ENOMEM;
        s->k = nk;
        s->cap = cap;
    }
    s->b[s->n] = b;
    s->k[s->n++] = k;
    return CANH_OK;
}

static int sstr_lit(sstr_t *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = sstr_put(s, (uint8_t)p[i], K_LIT);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

static int sstr_copy(sstr_t *dst, const sstr_t *src, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        int rc = sstr_put(dst, src->b[i], src->k[i]);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

static bool sstr_special(const sstr_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->k[i] != K_LIT)
            return true;
    return false;
}

/* pySigma's escaping: '\' escapes '*', '?' and '\'; before anything else
 * the backslash is kept; a trailing backslash is kept. */
static int sstr_parse(sstr_t *s, const char *t, size_t n)
{
    bool esc = false;
    int rc = CANH_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)t[i];
        if (esc) {
            if (c == '*' || c == '?' || c == '\\') {
                rc = sstr_put(s, c, K_LIT);
            } else {
                rc = sstr_put(s, '\\', K_LIT);
                if (!rc)
                    rc = sstr_put(s, c, K_LIT);
            }
            esc = false;
        } else if (c == '\\') {
            esc = true;
        } else if (c == '*') {
            rc = sstr_put(s, c, K_STAR);
        } else if (c == '?') {
            rc = sstr_put(s, c, K_QMARK);
        } else {
            rc = sstr_put(s, c, K_LIT);
        }
    }
    if (!rc && esc)
        rc = sstr_put(s, '\\', K_LIT);
    return rc;
}

static void svec_free(svec_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        sstr_free(&v->v[i]);
    canh_free(v->v);
    memset(v, 0, sizeof *v);
}

/* Appends an empty string; NULL on ENOMEM or past SG_MAX_VARIANTS. */
static sstr_t *svec_add(svec_t *v)
{
    if (v->n >= SG_MAX_VARIANTS)
        return NULL;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        sstr_t *nv = canh_reallocarray(v->v, cap, sizeof *nv);
        if (!nv)
            return NULL;
        v->v = nv;
        v->cap = cap;
    }
    sstr_t *s = &v->v[v->n++];
    memset(s, 0, sizeof *s);
    return s;
}

/* ---- encodings -------------------------------------------------------------------------- */

/* Decodes one UTF-8 code point (a byte that does not start a valid
 * sequence is taken as Latin-1). */
static uint32_t u8_next(const uint8_t *b, const uint8_t *k, size_t n, size_t *i)
{
    uint8_t c = b[*i];
    size_t need = c < 0xc0 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    uint32_t cp = need == 0 ? c : need == 1 ? (c & 0x1fu) : need == 2 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t j = 1; j <= need; j++) {
        if (*i + j >= n || k[*i + j] != K_LIT || (b[*i + j] & 0xc0) != 0x80) {
            (*i)++;
            return c;
        }
        cp = cp << 6 | (b[*i + j] & 0x3fu);
    }
    *i += need + 1;
    return cp;
}

static int put16(sstr_t *o, uint16_t u, bool be)
{
    int rc = sstr_put(o, be ? (uint8_t)(u >> 8) : (uint8_t)u, K_LIT);
    return rc ? rc : sstr_put(o, be ? (uint8_t)u : (uint8_t)(u >> 8), K_LIT);
}

/* UTF-16 (LE, BE, or LE with a byte order mark) of the literal parts. */
static int enc_utf16(const sstr_t *s, sstr_t *o, uint8_t how)
{
    bool be = how == MOD_UTF16BE;
    int rc = CANH_OK;
    if (how == MOD_UTF16)
        rc = put16(o, 0xfeff, false);
    for (size_t i = 0; i < s->n && !rc;) {
        if (s->k[i] != K_LIT) {
            rc = sstr_put(o, s->b[i], s->k[i]);
            i++;
            continue;
        }
        uint32_t cp = u8_next(s->b, s->k, s->n, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            rc = put16(o, (uint16_t)(0xd800 | (cp >> 10)), be);
            if (!rc)
                rc = put16(o, (uint16_t)(0xdc00 | (cp & 0x3ff)), be);
        } else {
            rc = put16(o, (uint16_t)cp, be);
        }
    }
    return rc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of pad spaces + s's bytes, cut [from, len - cut_end). */
static int enc_b64(const sstr_t *s, size_t pad, size_t from, size_t cut_end, sstr_t *o)
{
    size_t n = pad + s->n;
    size_t outlen = (n + 2) / 3 * 4;
    if (outlen > SG_MAX_VALUE)
        return CANH_ELIMIT;
    for (size_t i = 0, w = 0; i < n; i += 3) {
        uint8_t in[3] = {0, 0, 0};
        size_t k = n - i < 3 ? n - i : 3;
        for (size_t j = 0; j < k; j++)
            in[j] = i + j < pad ? ' ' : s->b[i + j - pad];
        char q[4] = {b64[in[0] >> 2], b64[((in[0] & 3) << 4) | (in[1] >> 4)],
                     k > 1 ? b64[((in[1] & 15) << 2) | (in[2] >> 6)] : '=',
                     k > 2 ? b64[in[2] & 63] : '='};
        for (int j = 0; j < 4; j++, w++)
            if (w >= from && w + cut_end < outlen) {
                int rc = sstr_put(o, (uint8_t)q[j], K_LIT);
                if (rc)
                    return rc;
            }
    }
    return CANH_OK;
}

/* \w in Python's re for str patterns; non-ASCII bytes count as word bytes. */
static bool word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

/* windash: every '-' or '/' that starts a word (regex \B[-/]\b within one
 * literal run) becomes each of - / en dash, em dash, horizontal bar. */
static int windash(const sstr_t *s, svec_t *out)
{
    static const char *const alts[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
    size_t pos[16], np = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->k[i] != K_LIT || (s->b[i] != '-' && s->b[i] != '/'))
            continue;
        bool start = i == 0 || s->k[i - 1] != K_LIT || !word_byte(s->b[i - 1]);
        bool word_after = i + 1 < s->n && s->k[i + 1] == K_LIT && word_byte(s->b[i + 1]);
        if (start && word_after) {
            if (np == sizeof pos / sizeof pos[0])
                return CANH_ELIMIT;
            pos[np++] = i;
        }
    }
    size_t total = 1;
    for (size_t i = 0; i < np; i++) {
        total *= 5;
        if (total > SG_MAX_VARIANTS)
            return CANH_ELIMIT;
    }
    for (size_t v = 0; v < total; v++) {
        sstr_t *o = svec_add(out);
        if (!o)
            return out->n >= SG_MAX_VARIANTS ? CANH_ELIMIT : CANH_ENOMEM;
        size_t code = v, prev = 0;
        int rc = CANH_OK;
        for (size_t j = 0; j < np && !rc; j++) {
            rc = sstr_copy(o, s, prev, pos[j]);
            if (!rc)
                rc = sstr_lit(o, alts[code % 5], strlen(alts[code % 5]));
            code /= 5;
            prev = pos[j] + 1;
        }
        if (!rc)
            rc = sstr_copy(o, s, prev, s->n);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

/* ---- expand -------------------------------------------------------------------------------- */

/* Replaces %name% placeholders with each of their values (cartesian
 * product); unknown placeholders become '*' and make the rule partial. */
static int expand(sg_cc_t *cc, struct fy_node *at, const sstr_t *s, svec_t *out)
{
    typedef struct {
        size_t from, to;
        const char *const *vals;
        size_t n;
    } ph_t;
    ph_t ph[8];
    size_t nph = 0, total = 1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->k[i] != K_LIT || s->b[i] != '%')
            continue;
        size_t j = i + 1;
        while (j < s->n && s->k[j] == K_LIT && s->b[j] != '%' &&
               (word_byte(s->b[j]) || s->b[j] == '.' || s->b[j] == '-'))
            j++;
        if (j >= s->n || s->k[j] != K_LIT || s->b[j] != '%' || j == i + 1)
            continue;
        if (nph == sizeof ph / sizeof ph[0])
            return sg_fail(cc, at, "expand: more than 8 placeholders in one value");
        ph_t *p = &ph[nph++];
        p->from = i;
        p->to = j + 1;
        p->n = sg_maps_placeholder(cc->r->maps, (const char *)s->b + i + 1, j - i - 1, &p->vals);
        if (p->n == 0)
            sg_partial(cc, at,
                       "expand: placeholder %%%.*s%% has no values (define it under "
                       "placeholders: in a mapping file); it matches anything",
                       (int)(j - i - 1), (const char *)s->b + i + 1);
        else
            total *= p->n;
        if (total > SG_MAX_VARIANTS)
            return sg_fail(cc, at, "expand: more than %d combinations", SG_MAX_VARIANTS);
        i = j;
    }
    for (size_t v = 0; v < total; v++) {
        sstr_t *o = svec_add(out);
        if (!o)
            return CANH_ENOMEM;
        size_t code = v, prev = 0;
        int rc = CANH_OK;
        for (size_t k = 0; k < nph && !rc; k++) {
            rc = sstr_copy(o, s, prev, ph[k].from);
            if (rc)
                break;
            if (ph[k].n == 0) {
                rc = sstr_put(o, '*', K_STAR);
            } else {
                const char *val = ph[k].vals[code % ph[k].n];
                code /= ph[k].n;
                /* Placeholder values are Sigma strings too. */
                rc = sstr_parse(o, val, strlen(val));
            }
            prev = ph[k].to;
        }
        if (!rc)
            rc = sstr_copy(o, s, prev, s->n);
        if (rc == CANH_ELIMIT)
            return sg_fail(cc, at, "expand: value longer than %u bytes", SG_MAX_VALUE);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

/* ---- matchers ---------------------------------------------------------------------------------
 */

static sg_matcher_t *matcher_new(sg_cc_t *cc, uint8_t kind, bool cased)
{
    canh_rules_t *r = cc->r;
    if (r->matchers.n - cc->matchers_at_start >= SG_MAX_RULE_MATCHERS ||
        r->arena.used - cc->bytes_at_start > SG_MAX_RULE_BYTES) {
        if (!cc->over)
            sg_fail(cc, NULL, "rule too large: more than %d value tests or %u MiB of values",
                    SG_MAX_RULE_MATCHERS, SG_MAX_RULE_BYTES >> 20);
        cc->over = true;
        return NULL;
    }
    uint32_t i = sg_vec_push(&cc->r->matchers);
    if (i == SG_NONE)
        return NULL;
    sg_matcher_t *m = SG_AT(cc->r->matchers, sg_matcher_t, i);
    m->kind = kind;
    m->cased = cased;
    m->db = SG_NONE;
    m->rule = cc->rule;
    return m;
}

/* A variant string into a literal test, ANY, or a glob program. */
static int sstr_matcher(sg_cc_t *cc, const sstr_t *s, bool cased)
{
    canh_arena_t *a = &cc->r->arena;
    size_t lead = 0, trail = 0;
    while (lead < s->n && s->k[lead] == K_STAR)
        lead++;
    if (lead == s->n && lead > 0)
        return matcher_new(cc, SG_M_ANY, cased) ? CANH_OK : CANH_ENOMEM;
    while (trail < s->n - lead && s->k[s->n - 1 - trail] == K_STAR)
        trail++;
    bool inner = false;
    for (size_t i = lead; i < s->n - trail; i++)
        inner |= s->k[i] != K_LIT;
    if (!inner) {
        uint8_t kind = lead && trail ? SG_M_CONTAINS
                       : lead        ? SG_M_SUFFIX
                       : trail       ? SG_M_PREFIX
                                     : SG_M_EQ;
        size_t n = s->n - lead - trail;
        if (n == 0 && kind == SG_M_CONTAINS)
            kind = SG_M_ANY;
        sg_matcher_t *m = matcher_new(cc, kind, cased);
        if (!m)
            return CANH_ENOMEM;
        char *lit = canh_arena_alloc(a, n + 1);
        if (!lit)
            return CANH_ENOMEM;
        if (n)
            memcpy(lit, s->b + lead, n);
        lit[n] = '\0';
        m->lit = m->alit = lit;
        m->len = m->alen = (uint32_t)n;
        return CANH_OK;
    }
    /* Glob program; stars collapse; the anchor is the longest literal run. */
    size_t cap = s->n * 2 + 1;
    char *prog = canh_arena_alloc(a, cap);
    if (!prog)
        return CANH_ENOMEM;
    size_t o = 0, best = 0, best_at = 0, run = 0, run_at = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->k[i] == K_STAR) {
            if (o >= 2 && (uint8_t)prog[o - 2] == SG_GLOB_ESC &&
                (uint8_t)prog[o - 1] == SG_GLOB_STAR)
                continue;
            prog[o++] = (char)SG_GLOB_ESC;
            prog[o++] = (char)SG_GLOB_STAR;
            run = 0;
        } else if (s->k[i] == K_QMARK) {
            prog[o++] = (char)SG_GLOB_ESC;
            prog[o++] = (char)SG_GLOB_QMARK;
            run = 0;
        } else {
            if (run == 0)
                run_at = i;
            run++;
            if (run > best) {
                best = run;
                best_at = run_at;
            }
            if (s->b[i] == 0) {
                prog[o++] = (char)SG_GLOB_ESC;
                prog[o++] = (char)SG_GLOB_LIT;
            } else {
                prog[o++] = (char)s->b[i];
            }
        }
    }
    sg_matcher_t *m = matcher_new(cc, SG_M_GLOB, cased);
    if (!m)
        return CANH_ENOMEM;
    m->lit = prog;
    m->len = (uint32_t)o;
    if (best) {
        char *al = canh_arena_alloc(a, best + 1);
        if (!al)
            return CANH_ENOMEM;
        memcpy(al, s->b + best_at, best);
        al[best] = '\0';
        m->alit = al;
        m->alen = (uint32_t)best;
    }
    return CANH_OK;
}

/* Wraps a variant with the position wildcards (unless already there). */
static int wrap(sstr_t *s, uint8_t pos)
{
    if ((pos == SG_M_CONTAINS || pos == SG_M_SUFFIX) && !(s->n && s->k[0] == K_STAR)) {
        int rc = sstr_put(s, 0, K_LIT); /* grow by one, then shift right */
        if (rc)
            return rc;
        memmove(s->b + 1, s->b, s->n - 1);
        memmove(s->k + 1, s->k, s->n - 1);
        s->b[0] = '*';
        s->k[0] = K_STAR;
    }
    if ((pos == SG_M_CONTAINS || pos == SG_M_PREFIX) && !(s->n && s->k[s->n - 1] == K_STAR))
        return sstr_put(s, '*', K_STAR);
    return CANH_OK;
}

static int str_value(sg_cc_t *cc, item_t *it, struct fy_node *vn, const char *t, size_t n)
{
    svec_t cur = {0}, next = {0};
    int rc;
    sstr_t *s = svec_add(&cur);
    if (!s) {
        rc = CANH_ENOMEM;
        goto out;
    }
    rc = sstr_parse(s, t, n);
    if (rc == CANH_OK && it->expand) {
        rc = expand(cc, vn, s, &next);
        if (rc)
            goto out;
        svec_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
    }
    for (size_t x = 0; x < it->nx && rc == CANH_OK; x++) {
        uint8_t how = it->xforms[x];
        for (size_t i = 0; i < cur.n && rc == CANH_OK; i++) {
            sstr_t *in = &cur.v[i];
            if ((how == MOD_BASE64 || how == MOD_BASE64OFFSET) && sstr_special(in)) {
                rc = sg_fail(cc, vn,
                             "%.*s: base64 encoding of values with wildcards is not "
                             "allowed (escape them with \\)",
                             (int)it->klen, it->key);
                goto out;
            }
            if (how == MOD_WINDASH) {
                rc = windash(in, &next);
                continue;
            }
            if (how == MOD_BASE64OFFSET) {
                static const size_t start[3] = {0, 2, 3};
                static const size_t end[3] = {0, 3, 2};
                for (size_t k = 0; k < 3 && rc == CANH_OK; k++) {
                    sstr_t *o = svec_add(&next);
                    rc = o ? enc_b64(in, k, start[k], end[(in->n + k) % 3], o) : CANH_ENOMEM;
                }
                continue;
            }
            sstr_t *o = svec_add(&next);
            if (!o) {
                rc = CANH_ENOMEM;
                break;
            }
            rc = how == MOD_BASE64 ? enc_b64(in, 0, 0, 0, o) : enc_utf16(in, o, how);
        }
        svec_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
    }
    for (size_t i = 0; i < cur.n && rc == CANH_OK; i++)
        rc = wrap(&cur.v[i], it->pos);
    if (rc == CANH_ELIMIT) {
        rc = sg_fail(cc, vn, "%.*s: value grows past %u bytes or %d variants", (int)it->klen,
                     it->key, SG_MAX_VALUE, SG_MAX_VARIANTS);
        goto out;
    }
    for (size_t i = 0; i < cur.n && rc == CANH_OK; i++)
        rc = sstr_matcher(cc, &cur.v[i], it->cased);
out:
    svec_free(&cur);
    svec_free(&next);
    return rc;
}

/* ---- other value types ----------------------------------------------------------------------- */

static int re_value(sg_cc_t *cc, item_t *it, struct fy_node *vn, const char *t, size_t n)
{
    char *pat = NULL;
    int rc = CANH_OK;
    const char *p = t;
    size_t pn = n;
    if (it->pos == SG_M_PREFIX || it->pos == SG_M_SUFFIX) {
        pat = canh_malloc(n + 8);
        if (!pat)
            return CANH_ENOMEM;
        pn = (size_t)snprintf(pat, n + 8, "%s(?:%.*s)%s", it->pos == SG_M_PREFIX ? "^" : "", (int)n,
                              t, it->pos == SG_M_SUFFIX ? "$" : "");
        p = pat;
    }
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (it->re_i)
        opts |= PCRE2_CASELESS;
    if (it->re_m)
        opts |= PCRE2_MULTILINE;
    if (it->re_s)
        opts |= PCRE2_DOTALL;
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p, pn, opts, &err, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        rc = sg_fail(cc, vn, "%.*s: invalid regular expression at offset %zu: %s", (int)it->klen,
                     it->key, (size_t)off, (const char *)msg);
        goto out;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
    sg_matcher_t *m = matcher_new(cc, SG_M_RE, !it->re_i);
    if (!m) {
        pcre2_code_free(code);
        rc = CANH_ENOMEM;
        goto out;
    }
    m->u.re = code;
out:
    canh_free(pat);
    return rc;
}

static int cidr_value(sg_cc_t *cc, item_t *it, struct fy_node *vn, const char *t, size_t n)
{
    const char *slash = memchr(t, '/', n);
    size_t al = slash ? (size_t)(slash - t) : n;
    uint8_t fam, addr[16];
    long bits = -1;
    if (!sg_parse_ip(t, al, &fam, addr))
        goto bad;
    if (slash) {
        char buf[8];
        size_t bl = n - al - 1;
        if (bl == 0 || bl >= sizeof buf)
            goto bad;
        memcpy(buf, slash + 1, bl);
        buf[bl] = '\0';
        char *end;
        bits = strtol(buf, &end, 10);
        if (*end || bits < 0)
            goto bad;
    }
    long max = fam == 4 ? 32 : 128;
    if (bits < 0)
        bits = max;
    if (bits > max)
        goto bad;
    /* Host bits are ignored (10.1.2.3/8 is 10.0.0.0/8). */
    for (long b = bits; b < max; b++)
        addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
    sg_matcher_t *m = matcher_new(cc, SG_M_CIDR, false);
    if (!m)
        return CANH_ENOMEM;
    m->u.cidr.fam = fam;
    m->u.cidr.bits = (uint8_t)bits;
    memcpy(m->u.cidr.addr, addr, 16);
    return CANH_OK;
bad:
    return sg_fail(cc, vn, "%.*s: \"%.*s\" is not an IPv4 or IPv6 network", (int)it->klen, it->key,
                   (int)(n > 64 ? 64 : n), t);
}

static bool parse_num(const char *t, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, t, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || end == buf || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- the item
 * ------------------------------------------------------------------------------------ */

static int parse_mods(sg_cc_t *cc, struct fy_node *keyn, item_t *it, const char *mods, size_t n)
{
    size_t i = 0, count = 0;
    bool have_type = false;
    while (i < n) {
        size_t j = i;
        while (j < n && mods[j] != '|')
            j++;
        const char *m = mods + i;
        size_t ml = j - i;
        i = j + 1;
        if (++count > SG_MAX_MODIFIERS)
            return sg_fail(cc, keyn, "%.*s: more than %d modifiers", (int)it->klen, it->key,
                           SG_MAX_MODIFIERS);
        int id = -1;
        for (size_t k = 0; k < sizeof mod_names / sizeof mod_names[0]; k++)
            if (strlen(mod_names[k].name) == ml && memcmp(mod_names[k].name, m, ml) == 0)
                id = mod_names[k].id;
        if (id < 0)
            return sg_fail(cc, keyn, "%.*s: unknown modifier \"%.*s\"", (int)it->klen, it->key,
                           (int)(ml > 40 ? 40 : ml), m);
        uint8_t newtype = VT_STR;
        switch (id) {
        case MOD_CONTAINS:
        case MOD_STARTSWITH:
        case MOD_ENDSWITH:
            if (it->pos != SG_M_EQ)
                return sg_fail(cc, keyn, "%.*s: only one of contains, startswith, endswith",
                               (int)it->klen, it->key);
            it->pos = id == MOD_CONTAINS     ? SG_M_CONTAINS
                      : id == MOD_STARTSWITH ? SG_M_PREFIX
                                             : SG_M_SUFFIX;
            continue;
        case MOD_ALL: it->all = true; continue;
        case MOD_CASED: it->cased = true; continue;
        case MOD_NEQ: it->neq = true; continue;
        case MOD_EXPAND: it->expand = true; continue;
        case MOD_I:
        case MOD_M:
        case MOD_S:
            if (it->type != VT_RE)
                return sg_fail(cc, keyn,
                               "%.*s: \"%.*s\" is a regular expression flag and needs re "
                               "before it",
                               (int)it->klen, it->key, (int)ml, m);
            if (id == MOD_I)
                it->re_i = true;
            else if (id == MOD_M)
                it->re_m = true;
            else
                it->re_s = true;
            continue;
        case MOD_BASE64:
        case MOD_BASE64OFFSET:
        case MOD_UTF16LE:
        case MOD_UTF16BE:
        case MOD_UTF16:
        case MOD_WINDASH: it->xforms[it->nx++] = (uint8_t)id; continue;
        case MOD_RE: newtype = VT_RE; break;
        case MOD_CIDR: newtype = VT_CIDR; break;
        case MOD_EXISTS: newtype = VT_EXISTS; break;
        case MOD_FIELDREF: newtype = VT_FIELDREF; break;
        case MOD_GT:
        case MOD_GTE:
        case MOD_LT:
        case MOD_LTE:
            newtype = VT_NUM;
            it->numop = id == MOD_GT    ? SG_OP_GT
                        : id == MOD_GTE ? SG_OP_GTE
                        : id == MOD_LT  ? SG_OP_LT
                                        : SG_OP_LTE;
            break;
        default: /* minute .. year */
            newtype = VT_TIME;
            it->tpart = (uint8_t)(SG_TP_MINUTE + (id - MOD_MINUTE));
            break;
        }
        if (have_type)
            return sg_fail(cc, keyn,
                           "%.*s: \"%.*s\" cannot be combined with the other value-type "
                           "modifier",
                           (int)it->klen, it->key, (int)ml, m);
        have_type = true;
        it->type = newtype;
    }
    /* Combinations that have no meaning. */
    if (it->type != VT_STR && (it->nx || it->expand || it->cased) && it->type != VT_RE)
        return sg_fail(cc, keyn, "%.*s: encoding modifiers apply to strings only", (int)it->klen,
                       it->key);
    if (it->type == VT_RE && (it->nx || it->cased))
        return sg_fail(cc, keyn,
                       "%.*s: re takes no encoding or cased modifier (use |i for "
                       "case-insensitive matching)",
                       (int)it->klen, it->key);
    if (it->pos != SG_M_EQ && it->type != VT_STR && it->type != VT_RE && it->type != VT_FIELDREF)
        return sg_fail(cc, keyn,
                       "%.*s: contains/startswith/endswith apply to strings, regular "
                       "expressions and field references",
                       (int)it->klen, it->key);
    return CANH_OK;
}

static int one_value(sg_cc_t *cc, item_t *it, struct fy_node *vn)
{
    size_t n;
    const char *t;
    if (sg_is_map(vn) || sg_is_seq(vn))
        return sg_fail(cc, vn, "%.*s: expected a value or a list of values, got a %s",
                       (int)it->klen, it->key, sg_is_map(vn) ? "mapping" : "nested list");
    if (sg_is_null(vn)) {
        if (it->type != VT_STR || it->keywords)
            return sg_fail(cc, vn, "%.*s: null is not a valid value here", (int)it->klen, it->key);
        return matcher_new(cc, SG_M_NULL, false) ? CANH_OK : CANH_ENOMEM;
    }
    t = sg_text(vn, &n);
    if (!t)
        return sg_fail(cc, vn, "%.*s: expected a value", (int)it->klen, it->key);
    if (n > SG_MAX_VALUE)
        return sg_fail(cc, vn, "%.*s: value longer than %u bytes", (int)it->klen, it->key,
                       SG_MAX_VALUE);
    switch (it->type) {
    case VT_RE: return re_value(cc, it, vn, t, n);
    case VT_CIDR: return cidr_value(cc, it, vn, t, n);
    case VT_NUM:
    case VT_TIME: {
        double v;
        if (!parse_num(t, n, &v))
            return sg_fail(cc, vn, "%.*s: expected a number, got \"%.*s\"", (int)it->klen, it->key,
                           (int)(n > 40 ? 40 : n), t);
        sg_matcher_t *m = matcher_new(cc, it->type == VT_NUM ? SG_M_NUM : SG_M_TIME, false);
        if (!m)
            return CANH_ENOMEM;
        m->op = it->type == VT_NUM ? it->numop : it->tpart;
        m->u.num.v = v;
        return CANH_OK;
    }
    case VT_EXISTS: {
        bool yes = n == 4 && sg_ieq(t, "true", 4), no = n == 5 && sg_ieq(t, "false", 5);
        if (!yes && !no)
            return sg_fail(cc, vn, "%.*s: exists takes true or false", (int)it->klen, it->key);
        sg_matcher_t *m = matcher_new(cc, SG_M_EXISTS, false);
        if (!m)
            return CANH_ENOMEM;
        m->op = yes;
        return CANH_OK;
    }
    case VT_FIELDREF: {
        uint32_t fr;
        if (memchr(t, '*', n) || memchr(t, '?', n) || n == 0 || n > SG_MAX_FIELD)
            return sg_fail(cc, vn, "%.*s: fieldref takes a field name", (int)it->klen, it->key);
        int rc = sg_fref_resolve(cc, vn, t, n, &fr);
        if (rc)
            return rc;
        sg_matcher_t *m = matcher_new(cc, SG_M_FIELDREF, it->cased);
        if (!m)
            return CANH_ENOMEM;
        m->op = it->pos;
        m->u.fref = fr;
        return CANH_OK;
    }
    default: return str_value(cc, it, vn, t, n);
    }
}

int sg_compile_item(sg_cc_t *cc, struct fy_node *keyn, const char *key, size_t klen,
                    struct fy_node *val, bool keywords, uint32_t *node)
{
    item_t it = {0};
    canh_rules_t *r = cc->r;
    *node = SG_NONE;
    it.key = klen ? key : "keywords";
    it.klen = klen ? klen : 8;
    it.pos = SG_M_EQ;
    it.keywords = keywords;
    const char *bar = klen ? memchr(key, '|', klen) : NULL;
    size_t flen = bar ? (size_t)(bar - key) : klen;
    if (flen > SG_MAX_FIELD)
        return sg_fail(cc, keyn, "field name longer than %d bytes", SG_MAX_FIELD);
    int rc = bar ? parse_mods(cc, keyn, &it, bar + 1, klen - flen - 1) : CANH_OK;
    if (rc)
        return rc;
    if (flen == 0) {
        if (it.type != VT_STR && it.type != VT_RE)
            return sg_fail(cc, keyn, "%.*s: this modifier needs a field", (int)it.klen, it.key);
        it.keywords = true;
        it.fref = sg_fref_keywords(r);
        if (it.fref == SG_NONE)
            return CANH_ENOMEM;
        /* Keywords are searched for anywhere in the text. */
        if (it.pos == SG_M_EQ && it.type == VT_STR)
            it.pos = SG_M_CONTAINS;
    } else {
        rc = sg_fref_resolve(cc, keyn, key, flen, &it.fref);
        if (rc)
            return rc;
    }
    size_t nvals = sg_is_seq(val) ? sg_count(val) : 1;
    if (nvals == 0)
        return sg_fail(cc, keyn, "%.*s: empty list of values", (int)it.klen, it.key);
    if (nvals > SG_MAX_VALUES)
        return sg_fail(cc, val, "%.*s: more than %d values", (int)it.klen, it.key, SG_MAX_VALUES);
    uint32_t ai = sg_vec_push(&r->atoms);
    if (ai == SG_NONE)
        return CANH_ENOMEM;
    uint32_t first_val = r->vals.n;
    void *iter = NULL;
    struct fy_node *vn = sg_is_seq(val) ? sg_seq_next(val, &iter) : val;
    for (size_t i = 0; i < nvals; i++) {
        uint32_t vi = sg_vec_push(&r->vals);
        if (vi == SG_NONE)
            return CANH_ENOMEM;
        uint32_t m0 = r->matchers.n;
        rc = one_value(cc, &it, vn);
        if (rc)
            return rc;
        *SG_AT(r->vals, sg_val_t, vi) = (sg_val_t){m0, r->matchers.n - m0};
        if (sg_is_seq(val))
            vn = sg_seq_next(val, &iter);
    }
    sg_atom_t *a = SG_AT(r->atoms, sg_atom_t, ai);
    a->fref = it.fref;
    a->val = first_val;
    a->nval = (uint32_t)nvals;
    a->all = it.all;
    uint32_t nd = sg_node_new(cc, SG_N_ATOM, ai, 0);
    if (nd != SG_NONE && it.neq)
        nd = sg_node_new(cc, SG_N_NOT, nd, 0);
    if (nd == SG_NONE)
        return sg_fail(cc, keyn, "rule too large");
    *node = nd;
    return CANH_OK;
}

/* A search identifier: a mapping (AND of items), a list of mappings (OR),
 * a list of plain values or one value (keywords). */
static int map_node(sg_cc_t *cc, struct fy_node *map, uint32_t *node)
{
    void *it = NULL;
    struct fy_node *k, *v;
    uint32_t kids[256], nk = 0;
    uint32_t *many = NULL;
    size_t cnt = sg_count(map);
    int rc = CANH_OK;
    if (cnt == 0)
        return sg_fail(cc, map, "empty selection");
    uint32_t *arr = kids;
    if (cnt > sizeof kids / sizeof kids[0]) {
        many = canh_calloc(cnt, sizeof *many);
        if (!many)
            return CANH_ENOMEM;
        arr = many;
    }
    while (sg_map_next(map, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        if (!kt) {
            rc = sg_fail(cc, k, "expected a field name");
            goto out;
        }
        rc = sg_compile_item(cc, k, kt, kl, v, false, &arr[nk]);
        if (rc)
            goto out;
        nk++;
    }
    *node = nk == 1 ? arr[0] : sg_node_list(cc, SG_N_AND, arr, nk);
    if (*node == SG_NONE)
        rc = sg_fail(cc, map, "rule too large");
out:
    canh_free(many);
    return rc;
}

int sg_compile_selection(sg_cc_t *cc, struct fy_node *v, uint32_t *node)
{
    if (sg_is_map(v))
        return map_node(cc, v, node);
    if (sg_is_seq(v)) {
        size_t cnt = sg_count(v);
        if (cnt == 0)
            return sg_fail(cc, v, "empty selection");
        void *it = NULL;
        struct fy_node *c;
        size_t maps = 0, scalars = 0;
        while ((c = sg_seq_next(v, &it))) {
            if (sg_is_map(c))
                maps++;
            else if (sg_is_scalar(c))
                scalars++;
            else
                return sg_fail(cc, c, "a selection list holds mappings or values, not lists");
        }
        if (maps && scalars)
            return sg_fail(cc, v, "a selection list mixes mappings and plain values");
        if (scalars)
            return sg_compile_item(cc, v, "", 0, v, true, node);
        if (cnt > SG_MAX_VALUES)
            return sg_fail(cc, v, "more than %d alternatives in one selection", SG_MAX_VALUES);
        uint32_t *kids = canh_calloc(cnt, sizeof *kids);
        if (!kids)
            return CANH_ENOMEM;
        int rc = CANH_OK;
        size_t n = 0;
        it = NULL;
        while (rc == CANH_OK && (c = sg_seq_next(v, &it)))
            rc = map_node(cc, c, &kids[n++]);
        if (rc == CANH_OK) {
            *node = n == 1 ? kids[0] : sg_node_list(cc, SG_N_OR, kids, (uint32_t)n);
            if (*node == SG_NONE)
                rc = sg_fail(cc, v, "rule too large");
        }
        canh_free(kids);
        return rc;
    }
    if (sg_is_scalar(v) && !sg_is_null(v))
        return sg_compile_item(cc, v, "", 0, v, true, node);
    return sg_fail(cc, v, "a selection must be a mapping, a list, or a keyword");
}

void sg_matcher_free(sg_matcher_t *m)
{
    if (m->kind == SG_M_RE && m->u.re) {
        pcre2_code_free(m->u.re);
        m->u.re = NULL;
    }
}
