/* detect_sigma_match.c - running compiled Sigma rules over events.
 *
 * A detector is one thread's mutable state: Hyperscan scratch, PCRE2 match
 * data and JIT stack, and per-event memo tables stamped with a generation
 * number (so nothing is cleared between events): which matchers' literals
 * occurred, which rules became candidates, which fields were read and which
 * databases scanned.
 *
 * Per event: the routes for its event.dataset (and the routes not bound to
 * a dataset) are tried; for a route whose condition holds, the databases
 * holding anchors are scanned, and the candidate rules plus the route's
 * anchor-less rules are evaluated in rule order. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"
#include "canh/time.h"
#include "detect_sigma_int.h"

struct canh_detector {
    const canh_rules_t *r;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;
    uint32_t gen;
    uint32_t *mst; /* per matcher: gen when its literal test held */
    uint32_t *rst; /* per rule: gen when it became a candidate */
    uint32_t *fst; /* per fref: gen when its values were read */
    uint32_t *fv0, *fvn;
    uint32_t *dst;  /* per database: gen when scanned */
    uint32_t *rtst; /* per route: gen when its condition was evaluated */
    uint8_t *rtok;  /* per route: the result */
    uint32_t *hold; /* routes that hold for this event */
    uint32_t nhold;
    canh_str_t *vals; /* this event's field values */
    uint32_t nvals, capvals;
    uint32_t *cand;
    uint32_t ncand, capcand;
    char *ubuf; /* unescaped JSON array strings, this event */
    size_t ulen, ucap;
    const canh_event_t *ev;
    size_t cur_len;        /* value being scanned */
    sg_corr_state_t *corr; /* correlation windows (NULL without correlation rules) */
    /* Attached to a canh_corr_shared_t: corr is the shared state, used under
     * this lock, and not freed with the detector. */
    pthread_mutex_t *corr_mu;
    uint32_t *corr_held; /* per active correlation: its rules this event matches */
    uint32_t ncorr_held;
};

uint32_t *sg_detector_corr_scratch(canh_detector_t *d, uint32_t n)
{
    if (n > d->ncorr_held) {
        uint32_t *p = canh_realloc(d->corr_held, (size_t)n * sizeof *p);
        if (!p)
            return NULL;
        d->corr_held = p;
        d->ncorr_held = n;
    }
    return d->corr_held ? d->corr_held : (uint32_t *)&d->ncorr_held;
}

pthread_mutex_t *sg_detector_corr_lock(canh_detector_t *d)
{
    return d->corr_mu;
}

void sg_detector_set_corr(canh_detector_t *d, sg_corr_state_t *s, pthread_mutex_t *mu)
{
    if (!d->corr_mu)
        sg_corr_state_destroy(d->corr);
    d->corr = s;
    d->corr_mu = mu;
}

sg_corr_state_t *sg_detector_corr(canh_detector_t *d)
{
    return d->corr;
}

const canh_rules_t *sg_detector_rules(const canh_detector_t *d)
{
    return d->r;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

void canh_detector_destroy(canh_detector_t *d)
{
    if (!d)
        return;
    if (d->scratch)
        hs_free_scratch(d->scratch);
    if (d->md)
        pcre2_match_data_free(d->md);
    if (d->mc)
        pcre2_match_context_free(d->mc);
    if (d->js)
        pcre2_jit_stack_free(d->js);
    canh_free(d->mst);
    canh_free(d->rst);
    canh_free(d->fst);
    canh_free(d->fv0);
    canh_free(d->fvn);
    canh_free(d->dst);
    canh_free(d->rtst);
    canh_free(d->rtok);
    canh_free(d->hold);
    canh_free(d->vals);
    canh_free(d->cand);
    canh_free(d->ubuf);
    canh_free(d->corr_held);
    if (!d->corr_mu)
        sg_corr_state_destroy(d->corr);
    canh_free(d);
}

int canh_detector_create(const canh_rules_t *r, canh_detector_t **out)
{
    if (!r || !out)
        return CANH_EINVAL;
    canh_detector_t *d = canh_calloc(1, sizeof *d);
    if (!d)
        return CANH_ENOMEM;
    d->r = r;
    size_t nm = r->matchers.n + 1, nr = r->rules.n + 1, nf = r->frefs.n + 1, nd = r->dbs.n + 1;
    d->mst = canh_calloc(nm, sizeof *d->mst);
    d->rst = canh_calloc(nr, sizeof *d->rst);
    d->fst = canh_calloc(nf, sizeof *d->fst);
    d->fv0 = canh_calloc(nf, sizeof *d->fv0);
    d->fvn = canh_calloc(nf, sizeof *d->fvn);
    d->dst = canh_calloc(nd, sizeof *d->dst);
    d->rtst = canh_calloc(r->routes.n + 1, sizeof *d->rtst);
    d->rtok = canh_calloc(r->routes.n + 1, sizeof *d->rtok);
    d->hold = canh_calloc(r->routes.n + 1, sizeof *d->hold);
    d->capcand = 64;
    d->cand = canh_calloc(d->capcand, sizeof *d->cand);
    d->capvals = 64;
    d->vals = canh_calloc(d->capvals, sizeof *d->vals);
    d->md = pcre2_match_data_create(1, NULL);
    d->mc = pcre2_match_context_create(NULL);
    d->js = pcre2_jit_stack_create(32 * 1024, SG_JIT_STACK, NULL);
    if (!d->mst || !d->rst || !d->fst || !d->fv0 || !d->fvn || !d->dst || !d->rtst || !d->rtok ||
        !d->hold || !d->cand || !d->vals || !d->md || !d->mc || !d->js)
        goto nomem;
    if (r->corrs.n && sg_corr_state_create(r, &d->corr) != CANH_OK)
        goto nomem;
    pcre2_set_match_limit(d->mc, SG_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(d->mc, SG_RE_DEPTH_LIMIT);
    pcre2_jit_stack_assign(d->mc, NULL, d->js);
    for (uint32_t i = 0; i < r->dbs.n; i++) {
        const sg_db_t *db = SG_AT(r->dbs, sg_db_t, i);
        if (db->hs && hs_alloc_scratch(db->hs, &d->scratch) != HS_SUCCESS)
            goto nomem;
    }
    *out = d;
    return CANH_OK;
nomem:
    canh_detector_destroy(d);
    return CANH_ENOMEM;
}

/* ---- field values ------------------------------------------------------------------------ */

static bool push_val(canh_detector_t *d, canh_str_t v)
{
    if (d->nvals == d->capvals) {
        uint32_t cap = d->capvals * 2;
        canh_str_t *nv = canh_reallocarray(d->vals, cap, sizeof *nv);
        if (!nv)
            return false;
        d->vals = nv;
        d->capvals = cap;
    }
    d->vals[d->nvals++] = v;
    return true;
}

/* Unescapes a JSON string body into the event's buffer; the raw text when
 * the buffer is full. */
static canh_str_t unescape(canh_detector_t *d, const char *p, size_t n)
{
    if (!memchr(p, '\\', n))
        return canh_str(p, n);
    if (!d->ubuf) {
        d->ucap = 256 * 1024;
        d->ubuf = canh_malloc(d->ucap);
        if (!d->ubuf)
            return canh_str(p, n);
    }
    if (d->ulen + n > d->ucap)
        return canh_str(p, n);
    char *o = d->ubuf + d->ulen;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\\' || i + 1 >= n) {
            o[k++] = p[i];
            continue;
        }
        char c = p[++i];
        switch (c) {
        case 'n': o[k++] = '\n'; break;
        case 't': o[k++] = '\t'; break;
        case 'r': o[k++] = '\r'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'u': {
            unsigned cp = 0;
            if (i + 4 >= n) {
                o[k++] = 'u';
                break;
            }
            bool ok = true;
            for (int j = 1; j <= 4; j++) {
                char h = p[i + (size_t)j];
                cp <<= 4;
                if (h >= '0' && h <= '9')
                    cp |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f')
                    cp |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F')
                    cp |= (unsigned)(h - 'A' + 10);
                else
                    ok = false;
            }
            if (!ok) {
                o[k++] = 'u';
                break;
            }
            i += 4;
            if (cp < 0x80) {
                o[k++] = (char)cp;
            } else if (cp < 0x800) {
                o[k++] = (char)(0xc0 | (cp >> 6));
                o[k++] = (char)(0x80 | (cp & 0x3f));
            } else {
                o[k++] = (char)(0xe0 | (cp >> 12));
                o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                o[k++] = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default: o[k++] = c; break;
        }
    }
    d->ulen += k;
    return canh_str(o, k);
}

/* A JSON array's elements (strings unescaped, other values as text). */
static void push_array(canh_detector_t *d, canh_str_t v)
{
    size_t i = 1, count = 0;
    while (i < v.n && count < SG_MAX_ARRAY_ELEMS) {
        while (i < v.n && (v.p[i] == ' ' || v.p[i] == ',' || v.p[i] == '\n' || v.p[i] == '\t' ||
                           v.p[i] == '\r'))
            i++;
        if (i >= v.n || v.p[i] == ']')
            return;
        size_t s = i;
        if (v.p[i] == '"') {
            i++;
            while (i < v.n && v.p[i] != '"')
                i += v.p[i] == '\\' ? 2 : 1;
            if (i > v.n)
                i = v.n;
            push_val(d, unescape(d, v.p + s + 1, i - s - 1));
            i++;
        } else {
            int depth = 0;
            bool str = false;
            for (; i < v.n; i++) {
                char c = v.p[i];
                if (str) {
                    if (c == '\\')
                        i++;
                    else if (c == '"')
                        str = false;
                    continue;
                }
                if (c == '"')
                    str = true;
                else if (c == '[' || c == '{')
                    depth++;
                else if ((c == ']' || c == '}') && depth-- == 0)
                    break;
                else if (c == ',' && depth == 0)
                    break;
            }
            size_t e = i;
            while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\n'))
                e--;
            /* null elements are absent values */
            if (!(e - s == 4 && memcmp(v.p + s, "null", 4) == 0))
                push_val(d, canh_str(v.p + s, e - s));
        }
        count++;
    }
}

static bool lookup(const canh_event_t *ev, const sg_cand_t *c, canh_str_t *out, uint8_t *type)
{
    if (c->slot >= 0 && canh_event_has(ev, (canh_field_t)c->slot)) {
        *out = ev->f[c->slot];
        *type = (uint8_t)canh_field_type((canh_field_t)c->slot);
        return true;
    }
    for (unsigned i = 0; i < ev->nkv; i++) {
        const canh_kv_t *kv = &ev->kv[i];
        if (kv->key.n == c->len && memcmp(kv->key.p, c->name, c->len) == 0) {
            *out = kv->val;
            *type = kv->type;
            return true;
        }
    }
    return false;
}

static void push_field(canh_detector_t *d, canh_str_t v, uint8_t type)
{
    if (type == CANH_FT_RAW && v.n >= 2 && v.p[0] == '[')
        push_array(d, v);
    else
        push_val(d, v.p ? v : canh_str("", 0));
}

/* The values of fref in the current event: [*first, *first + return). */
static uint32_t values(canh_detector_t *d, uint32_t fref, uint32_t *first)
{
    if (d->fst[fref] == d->gen) {
        *first = d->fv0[fref];
        return d->fvn[fref];
    }
    const canh_rules_t *r = d->r;
    const sg_fref_t *f = SG_AT(r->frefs, sg_fref_t, fref);
    const canh_event_t *ev = d->ev;
    uint32_t start = d->nvals;
    if (f->kind == SG_FREF_KEYWORDS) {
        canh_str_t orig = ev->original, msg = canh_event_get(ev, CANH_F_MESSAGE);
        if (orig.p && orig.n)
            push_val(d, orig);
        /* The message is searched separately unless it is a piece of the
         * raw record (then searching the record covers it). */
        if (msg.p && msg.n && !(orig.p && msg.p >= orig.p && msg.p + msg.n <= orig.p + orig.n))
            push_val(d, msg);
    } else {
        for (uint32_t i = 0; i < f->ncand; i++) {
            canh_str_t v;
            uint8_t type;
            if (!lookup(ev, SG_AT(r->cands, sg_cand_t, f->cand + i), &v, &type))
                continue;
            push_field(d, v, type);
            if (f->kind == SG_FREF_FIRST)
                break;
        }
    }
    d->fst[fref] = d->gen;
    d->fv0[fref] = start;
    d->fvn[fref] = d->nvals - start;
    *first = start;
    return d->nvals - start;
}

/* ---- matchers ------------------------------------------------------------------------------ */

/* Matcher id's literal test held (or, for a glob, its anchor occurred). */
static void mark(canh_detector_t *d, unsigned id)
{
    const sg_matcher_t *m = SG_AT(d->r->matchers, sg_matcher_t, id);
    if (m->kind != SG_M_GLOB)
        d->mst[id] = d->gen;
    if (m->anchor && d->rst[m->rule] != d->gen) {
        d->rst[m->rule] = d->gen;
        if (d->ncand == d->capcand) {
            uint32_t cap = d->capcand * 2;
            uint32_t *nc = canh_reallocarray(d->cand, cap, sizeof *nc);
            if (!nc)
                return; /* out of memory: the rule is not evaluated */
            d->cand = nc;
            d->capcand = cap;
        }
        d->cand[d->ncand++] = m->rule;
    }
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                  void *ctx)
{
    (void)from;
    (void)flags;
    canh_detector_t *d = ctx;
    const sg_matcher_t *m = SG_AT(d->r->matchers, sg_matcher_t, id);
    bool ok;
    switch (m->kind) {
    case SG_M_EQ: ok = to == m->len && d->cur_len == m->len; break;
    case SG_M_PREFIX: ok = to == m->len; break;
    case SG_M_SUFFIX: ok = to == d->cur_len; break;
    default: ok = true; break; /* contains; a glob's anchor */
    }
    if (ok)
        mark(d, id);
    return 0;
}

static void eq_lookup(canh_detector_t *d, const sg_tab_t *t, const uint32_t *ids, const char *k,
                      size_t n)
{
    uint32_t at = sg_tab_get(t, k, n);
    if (at != SG_NONE)
        for (const uint32_t *p = ids + at; *p != SG_NONE; p++)
            mark(d, *p);
}

static void scan(canh_detector_t *d, uint32_t di)
{
    if (d->dst[di] == d->gen)
        return;
    d->dst[di] = d->gen;
    const sg_db_t *db = SG_AT(d->r->dbs, sg_db_t, di);
    uint32_t first, n = values(d, db->fref, &first);
    for (uint32_t i = 0; i < n; i++) {
        canh_str_t v = d->vals[first + i];
        if (v.n == 0 || v.n > UINT32_MAX)
            continue;
        if (v.n <= SG_EQ_MAX) {
            if (db->eq.n) {
                char low[SG_EQ_MAX];
                for (size_t k = 0; k < v.n; k++)
                    low[k] = (char)sg_lower((unsigned char)v.p[k]);
                eq_lookup(d, &db->eq, db->eq_ids, low, v.n);
            }
            if (db->eqc.n)
                eq_lookup(d, &db->eqc, db->eq_ids, v.p, v.n);
        }
        if (db->hs) {
            d->cur_len = v.n;
            hs_scan(db->hs, v.p, (unsigned)v.n, 0, d->scratch, on_hit, d);
        }
    }
}

static bool lit_test(const sg_matcher_t *m, canh_str_t v)
{
    bool c = m->cased;
    switch (m->kind) {
    case SG_M_EQ:
        return v.n == m->len &&
               (c ? memcmp(v.p, m->lit, m->len) == 0 : sg_ieq(v.p, m->lit, m->len));
    case SG_M_PREFIX:
        return v.n >= m->len &&
               (c ? memcmp(v.p, m->lit, m->len) == 0 : sg_ieq(v.p, m->lit, m->len));
    case SG_M_SUFFIX:
        return v.n >= m->len && (c ? memcmp(v.p + v.n - m->len, m->lit, m->len) == 0
                                   : sg_ieq(v.p + v.n - m->len, m->lit, m->len));
    default: return sg_find(v.p, v.n, m->lit, m->len, c) >= 0;
    }
}

static bool num_of(canh_str_t v, double *out)
{
    char buf[64];
    if (v.n == 0 || v.n >= sizeof buf)
        return false;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    char *end;
    double x = strtod(buf, &end);
    if (end == buf)
        return false;
    while (*end == ' ')
        end++;
    if (*end)
        return false;
    *out = x;
    return true;
}

/* The timestamp part of a value (UTC). */
static bool time_part(canh_str_t v, uint8_t part, double *out)
{
    canh_time_ref_t ref = {0, 0};
    canh_time_t t;
    if (canh_time_parse_any(v, &ref, &t) != CANH_OK)
        return false;
    int64_t secs = t / CANH_NS_PER_SEC - (t % CANH_NS_PER_SEC < 0);
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    /* civil_from_days (Howard Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    switch (part) {
    case SG_TP_MINUTE: *out = (double)(sod / 60 % 60); return true;
    case SG_TP_HOUR: *out = (double)(sod / 3600); return true;
    case SG_TP_DAY: *out = (double)d; return true;
    case SG_TP_MONTH: *out = (double)m; return true;
    case SG_TP_YEAR: *out = (double)y; return true;
    default: {
        /* ISO 8601 week number. */
        int64_t wd = ((days % 7) + 7 + 3) % 7; /* Monday = 0 (1970-01-01 was a Thursday) */
        int64_t thursday = days - wd + 3;
        int64_t jan1 = canh_time_days_from_civil(
            /* the Thursday's year */
            (thursday >= canh_time_days_from_civil(y + 1, 1, 1)) ? y + 1
            : (thursday < canh_time_days_from_civil(y, 1, 1))    ? y - 1
                                                                 : y,
            1, 1);
        *out = (double)((thursday - jan1) / 7 + 1);
        return true;
    }
    }
}

static bool cidr_test(const sg_matcher_t *m, canh_str_t v)
{
    uint8_t fam, addr[16];
    if (!sg_parse_ip(v.p, v.n, &fam, addr) || fam != m->u.cidr.fam)
        return false;
    unsigned bits = m->u.cidr.bits, full = bits / 8, rest = bits % 8;
    if (memcmp(addr, m->u.cidr.addr, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if ((addr[full] & mask) != m->u.cidr.addr[full])
            return false;
    }
    return true;
}

static bool one(canh_detector_t *d, const sg_matcher_t *m, canh_str_t v)
{
    switch (m->kind) {
    case SG_M_EQ:
    case SG_M_PREFIX:
    case SG_M_SUFFIX:
    case SG_M_CONTAINS: return lit_test(m, v);
    case SG_M_ANY: return true;
    case SG_M_GLOB: return sg_glob(m->lit, m->len, v.p, v.n, m->cased);
    case SG_M_RE:
        return pcre2_match(m->u.re, (PCRE2_SPTR)(v.p ? v.p : ""), v.n, 0, 0, d->md, d->mc) >= 0;
    case SG_M_CIDR: return cidr_test(m, v);
    case SG_M_NUM: {
        double x;
        if (!num_of(v, &x))
            return false;
        switch (m->op) {
        case SG_OP_GT: return x > m->u.num.v;
        case SG_OP_GTE: return x >= m->u.num.v;
        case SG_OP_LT: return x < m->u.num.v;
        default: return x <= m->u.num.v;
        }
    }
    case SG_M_TIME: {
        double x;
        return time_part(v, m->op, &x) && x == m->u.num.v;
    }
    case SG_M_FIELDREF: {
        uint32_t f0, fn = values(d, m->u.fref, &f0);
        for (uint32_t i = 0; i < fn; i++) {
            sg_matcher_t tmp = {.kind = m->op, .cased = m->cased};
            canh_str_t o = d->vals[f0 + i];
            tmp.lit = o.p;
            tmp.len = (uint32_t)o.n;
            if (o.n <= UINT32_MAX && lit_test(&tmp, v))
                return true;
        }
        return false;
    }
    default: return false;
    }
}

static bool matcher(canh_detector_t *d, uint32_t mi, uint32_t first, uint32_t n)
{
    const sg_matcher_t *m = SG_AT(d->r->matchers, sg_matcher_t, mi);
    switch (m->kind) {
    case SG_M_NULL:
        for (uint32_t i = 0; i < n; i++)
            if (d->vals[first + i].n)
                return false;
        return true;
    case SG_M_EXISTS: return (n > 0) == (m->op != 0);
    default: break;
    }
    if (m->db != SG_NONE && m->kind <= SG_M_CONTAINS) {
        scan(d, m->db);
        return d->mst[mi] == d->gen;
    }
    for (uint32_t i = 0; i < n; i++)
        if (one(d, m, d->vals[first + i]))
            return true;
    return false;
}

static bool atom(canh_detector_t *d, const sg_atom_t *a)
{
    const canh_rules_t *r = d->r;
    uint32_t first, n = values(d, a->fref, &first);
    for (uint32_t i = 0; i < a->nval; i++) {
        const sg_val_t *v = SG_AT(r->vals, sg_val_t, a->val + i);
        bool hit = false;
        for (uint32_t k = 0; k < v->nm && !hit; k++)
            hit = matcher(d, v->m + k, first, n);
        if (a->all && !hit)
            return false;
        if (!a->all && hit)
            return true;
    }
    return a->all && a->nval > 0;
}

static bool eval(canh_detector_t *d, uint32_t node)
{
    const canh_rules_t *r = d->r;
    const sg_node_t *nd = SG_AT(r->nodes, sg_node_t, node);
    switch (nd->op) {
    case SG_N_ATOM: return atom(d, SG_AT(r->atoms, sg_atom_t, nd->a));
    case SG_N_AND:
        for (uint32_t i = 0; i < nd->n; i++)
            if (!eval(d, *SG_AT(r->kids, uint32_t, nd->a + i)))
                return false;
        return true;
    case SG_N_OR:
        for (uint32_t i = 0; i < nd->n; i++)
            if (eval(d, *SG_AT(r->kids, uint32_t, nd->a + i)))
                return true;
        return false;
    case SG_N_NOT: return !eval(d, nd->a);
    case SG_N_TRUE: return true;
    default: return false;
    }
}

/* ---- per event ---------------------------------------------------------------------------- */

void sg_begin(canh_detector_t *d, const canh_event_t *ev)
{
    if (++d->gen == 0) { /* wrapped: forget every stamp */
        const canh_rules_t *r = d->r;
        memset(d->mst, 0, (r->matchers.n + 1) * sizeof *d->mst);
        memset(d->rst, 0, (r->rules.n + 1) * sizeof *d->rst);
        memset(d->fst, 0, (r->frefs.n + 1) * sizeof *d->fst);
        memset(d->dst, 0, (r->dbs.n + 1) * sizeof *d->dst);
        memset(d->rtst, 0, (r->routes.n + 1) * sizeof *d->rtst);
        d->gen = 1;
    }
    d->ev = ev;
    d->nvals = 0;
    d->ulen = 0;
    d->ncand = 0;
    d->nhold = 0;
}

/* Whether route ri's condition holds for this event (memoised). */
static bool route_holds(canh_detector_t *d, uint32_t ri)
{
    if (d->rtst[ri] != d->gen) {
        const sg_route_t *rt = SG_AT(d->r->routes, sg_route_t, ri);
        d->rtst[ri] = d->gen;
        d->rtok[ri] = rt->node == SG_NONE || eval(d, rt->node);
    }
    return d->rtok[ri];
}

static int raise(const sg_rule_t *ru, const canh_event_t *ev, canh_alert_fn fn, void *ud)
{
    canh_alert_t a = {0};
    a.rule_id = ru->id ? ru->id : ru->title;
    a.rule_name = ru->title;
    a.rule_source = "sigma";
    a.level = ru->level;
    if (ru->description)
        canh_alert_add(&a, CANH_STR_LIT("rule.description"), canh_str_c(ru->description),
                       CANH_FT_KEYWORD);
    if (ru->author)
        canh_alert_add(&a, CANH_STR_LIT("rule.author"), canh_str_c(ru->author), CANH_FT_KEYWORD);
    if (ru->status)
        canh_alert_add(&a, CANH_STR_LIT("rule.status"), canh_str_c(ru->status), CANH_FT_KEYWORD);
    if (ru->tags_json)
        canh_alert_add(&a, CANH_STR_LIT("rule.tags"), canh_str_c(ru->tags_json), CANH_FT_RAW);
    if (ru->tech_json)
        canh_alert_add(&a, CANH_STR_LIT("threat.technique.id"), canh_str_c(ru->tech_json),
                       CANH_FT_RAW);
    if (ru->refs_json)
        canh_alert_add(&a, CANH_STR_LIT("rule.reference"), canh_str_c(ru->refs_json), CANH_FT_RAW);
    if (ru->fps_json)
        canh_alert_add(&a, CANH_STR_LIT("rule.falsepositives"), canh_str_c(ru->fps_json),
                       CANH_FT_RAW);
    canh_alert_add(&a, CANH_STR_LIT("rule.ruleset"), CANH_STR_LIT("sigma"), CANH_FT_KEYWORD);
    return fn(ud, &a, ev);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Adds route ri to the holding routes when it has rules and holds. */
static void try_route(canh_detector_t *d, uint32_t ri)
{
    const sg_route_t *rt = SG_AT(d->r->routes, sg_route_t, ri);
    if (rt->nrules && d->rtst[ri] != d->gen && route_holds(d, ri))
        d->hold[d->nhold++] = ri;
}

static bool push_cand(canh_detector_t *d, uint32_t rule)
{
    if (d->ncand == d->capcand) {
        uint32_t cap = d->capcand * 2;
        uint32_t *nc = canh_reallocarray(d->cand, cap, sizeof *nc);
        if (!nc)
            return false;
        d->cand = nc;
        d->capcand = cap;
    }
    d->cand[d->ncand++] = rule;
    return true;
}

static int run_rules(canh_detector_t *d, const canh_event_t *ev, canh_alert_fn fn, void *ud,
                     bool *stopped)
{
    const canh_rules_t *r = d->r;
    int alerts = 0, rc = 0;
    sg_begin(d, ev);
    /* 1. The routes that hold: those bound to the event's dataset, and
     * those bound to none. */
    canh_str_t ds = canh_event_get(ev, CANH_F_EVENT_DATASET);
    if (ds.p && ds.n && ds.n < 128 && r->nds_lists) {
        char low[128];
        for (size_t i = 0; i < ds.n; i++)
            low[i] = (char)sg_lower((unsigned char)ds.p[i]);
        uint32_t li = sg_tab_get(&r->ds_tab, low, ds.n);
        const sg_dslist_t *dl = li != SG_NONE ? &r->ds_lists[li] : NULL;
        if (dl && !dl->indexed) {
            for (const uint32_t *p = dl->routes; *p != SG_NONE; p++)
                try_route(d, *p);
        } else if (dl) {
            /* Only the routes of the event's channel, and those without a
             * channel test. */
            canh_str_t ch = canh_event_get(ev, CANH_F_WINLOG_CHANNEL);
            if (ch.p && ch.n && ch.n < 256) {
                char lc[256];
                for (size_t i = 0; i < ch.n; i++)
                    lc[i] = (char)sg_lower((unsigned char)ch.p[i]);
                uint32_t ci = sg_tab_get(&dl->chan, lc, ch.n);
                if (ci != SG_NONE)
                    for (const uint32_t *p = dl->by_chan[ci]; *p != SG_NONE; p++)
                        try_route(d, *p);
            }
            for (const uint32_t *p = dl->rest; *p != SG_NONE; p++)
                try_route(d, *p);
        }
    }
    for (uint32_t i = 0; i < r->nany; i++)
        try_route(d, r->any_routes[i]);
    if (d->nhold == 0)
        return 0;
    /* 2. Scan the fields where the holding routes' rules have anchors
     * (each field once): hits make their rules candidates. */
    for (uint32_t h = 0; h < d->nhold; h++) {
        const sg_route_t *rt = SG_AT(r->routes, sg_route_t, d->hold[h]);
        for (uint32_t i = 0; i < rt->nadb; i++)
            scan(d, rt->adb[i]);
    }
    /* 3. Candidates and anchor-less rules of holding routes, in rule
     * order. A hit may name a rule of a route that does not hold (fields
     * are shared between routes): it is skipped. */
    for (uint32_t h = 0; h < d->nhold; h++) {
        const sg_route_t *rt = SG_AT(r->routes, sg_route_t, d->hold[h]);
        for (uint32_t i = 0; i < rt->nalways; i++)
            if (d->rst[rt->always[i]] != d->gen) {
                d->rst[rt->always[i]] = d->gen;
                if (!push_cand(d, rt->always[i]))
                    return CANH_ENOMEM;
            }
    }
    uint32_t nc = d->ncand;
    if (nc > 1)
        qsort(d->cand, nc, sizeof *d->cand, cmp_u32);
    /* Evaluation may scan more fields and append candidates: iterate over
     * a copy of what is there now. */
    uint32_t small[256];
    uint32_t *cands = nc <= 256 ? small : canh_malloc(nc * sizeof *cands);
    if (!cands)
        return CANH_ENOMEM;
    memcpy(cands, d->cand, nc * sizeof *cands);
    for (uint32_t i = 0; i < nc; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, cands[i]);
        if (ru->nogen || !route_holds(d, ru->route) || !eval(d, ru->root))
            continue;
        rc = raise(ru, ev, fn, ud);
        if (rc)
            break;
        alerts++;
    }
    if (cands != small)
        canh_free(cands);
    if (rc)
        *stopped = true;
    if (rc)
        return rc < 0 ? rc : alerts;
    return alerts;
}

int canh_detector_run(canh_detector_t *d, const canh_event_t *ev, canh_alert_fn fn, void *ud)
{
    if (!d || !ev || !fn)
        return CANH_EINVAL;
    bool stopped = false;
    int alerts = run_rules(d, ev, fn, ud, &stopped);
    if (alerts < 0 || stopped || !d->corr)
        return alerts;
    int more = 0;
    int rc = sg_corr_run(d, ev, fn, ud, &more);
    if (rc < 0)
        return rc;
    return alerts + more;
}

/* ---- hooks for correlation ------------------------------------------------------------------- */

bool sg_rule_eval(canh_detector_t *d, uint32_t idx, const canh_event_t *ev)
{
    const canh_rules_t *r = d->r;
    if (idx >= r->rules.n)
        return false;
    const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, idx);
    if (ru->root == SG_NONE || ru->route == SG_NONE)
        return false;
    return route_holds(d, ru->route) && eval(d, ru->root);
}

canh_str_t sg_field_value(canh_detector_t *d, uint32_t fref, const canh_event_t *ev)
{
    if (fref >= d->r->frefs.n)
        return CANH_STR_NULL;
    uint32_t first, n = values(d, fref, &first);
    return n ? d->vals[first] : CANH_STR_NULL;
}
