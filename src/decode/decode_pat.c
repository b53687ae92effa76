/* decode_pat.c - compiled message patterns with typed captures (see
 * decode_int.h for the syntax). Program decoders are tables of these. */
#include <string.h>

#include "canh/error.h"
#include "canh/mem.h"
#include "decode_int.h"

#define PAT_MAX_CAPS 12
#define PAT_STEP_BUDGET 512

enum { CAP_DISCARD = -1, CAP_KV = -2 };

typedef struct cap {
    int field;        /* slot id, CAP_DISCARD or CAP_KV */
    canh_str_t name;  /* kv key (points into the static pattern) */
    canh_ftype_t type;
} cap_t;

typedef struct cpat {
    const canh_pat_rule_t *rule;
    unsigned ncap;
    canh_str_t lit[PAT_MAX_CAPS + 1]; /* lit[i] precedes cap[i]; lit[ncap] ends */
    cap_t cap[PAT_MAX_CAPS];
    bool star;
} cpat_t;

struct canh_patset {
    size_t n;
    cpat_t pats[];
};

/* Literal text may contain "{{" for '{'; such patterns are rare, so the
 * unescaped copy is only made when needed and kept in the set's tail. */
static int compile_one(const canh_pat_rule_t *r, cpat_t *cp, canh_errbuf_t *eb)
{
    const char *s = r->pattern;
    size_t n = strlen(s);
    memset(cp, 0, sizeof *cp);
    cp->rule = r;
    if (n && s[n - 1] == '*') {
        cp->star = true;
        n--;
    }
    size_t i = 0, lit_start = 0;
    while (i < n) {
        if (s[i] == '{' && i + 1 < n && s[i + 1] == '{')
            return canh_errf(eb, CANH_EINVAL, "pattern \"%s\": '{{' is not supported", s);
        if (s[i] != '{') {
            i++;
            continue;
        }
        const char *close = memchr(s + i, '}', n - i);
        if (!close)
            return canh_errf(eb, CANH_EINVAL, "pattern \"%s\": unclosed '{'", s);
        if (cp->ncap == PAT_MAX_CAPS)
            return canh_errf(eb, CANH_EINVAL, "pattern \"%s\": too many captures", s);
        cp->lit[cp->ncap] = canh_str(s + lit_start, i - lit_start);
        if (cp->ncap > 0 && cp->lit[cp->ncap].n == 0)
            return canh_errf(eb, CANH_EINVAL, "pattern \"%s\": adjacent captures", s);
        canh_str_t name = canh_str(s + i + 1, (size_t)(close - s) - i - 1);
        cap_t *c = &cp->cap[cp->ncap];
        if (canh_str_eq_c(name, "-")) {
            c->field = CAP_DISCARD;
        } else {
            int id = canh_field_lookup(name.p, name.n);
            if (id >= 0) {
                c->field = id;
                c->type = canh_field_type((canh_field_t)id);
            } else if (name.n == 0) {
                return canh_errf(eb, CANH_EINVAL, "pattern \"%s\": empty capture name", s);
            } else {
                c->field = CAP_KV;
                c->name = name;
                c->type = CANH_FT_KEYWORD;
            }
        }
        cp->ncap++;
        i = (size_t)(close - s) + 1;
        lit_start = i;
    }
    cp->lit[cp->ncap] = canh_str(s + lit_start, n - lit_start);
    return CANH_OK;
}

int canh_patset_compile(const canh_pat_rule_t *rules, size_t n, canh_patset_t **out,
                        canh_errbuf_t *eb)
{
    canh_patset_t *ps = canh_calloc(1, sizeof *ps + n * sizeof(cpat_t));
    if (!ps)
        return CANH_ENOMEM;
    ps->n = n;
    for (size_t i = 0; i < n; i++) {
        int rc = compile_one(&rules[i], &ps->pats[i], eb);
        if (rc) {
            canh_free(ps);
            return rc;
        }
    }
    *out = ps;
    return CANH_OK;
}

void canh_patset_destroy(canh_patset_t *ps)
{
    canh_free(ps);
}

static bool valid(const cap_t *c, canh_str_t v)
{
    uint64_t u;
    switch (c->type) {
    case CANH_FT_IP:
        return canh_str_is_ip(v);
    case CANH_FT_LONG:
        return canh_str_to_u64(v, UINT64_MAX, &u) == CANH_OK;
    default:
        return true;
    }
}

typedef struct mstate {
    const cpat_t *cp;
    canh_str_t msg;
    canh_str_t val[PAT_MAX_CAPS];
    int budget;
} mstate_t;

static bool only_space(canh_str_t s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n')
            return false;
    return true;
}

/* Matches capture i starting at pos (and everything after it). */
static bool match_from(mstate_t *m, unsigned i, size_t pos)
{
    const cpat_t *cp = m->cp;
    if (--m->budget < 0)
        return false;
    canh_str_t rest = canh_str(m->msg.p + pos, m->msg.n - pos);
    if (i == cp->ncap)
        return cp->star || only_space(rest);
    canh_str_t next = cp->lit[i + 1];
    const cap_t *c = &cp->cap[i];
    if (next.n == 0) {
        /* Last capture: the rest of the message, or one word with '*'. */
        canh_str_t v = rest;
        if (cp->star) {
            size_t k = 0;
            while (k < v.n && v.p[k] != ' ' && v.p[k] != '\t')
                k++;
            v.n = k;
        } else {
            v = canh_str_trim(v);
            /* trim only the end: leading spaces belong to the literal */
            v = canh_str(rest.p, (size_t)(v.p + v.n - rest.p));
        }
        if (!valid(c, v))
            return false;
        m->val[i] = v;
        return true;
    }
    size_t from = pos;
    while (from <= m->msg.n) {
        const char *q = memmem(m->msg.p + from, m->msg.n - from, next.p, next.n);
        if (!q)
            return false;
        canh_str_t v = canh_str(m->msg.p + pos, (size_t)(q - (m->msg.p + pos)));
        if (valid(c, v)) {
            m->val[i] = v;
            if (match_from(m, i + 1, (size_t)(q - m->msg.p) + next.n))
                return true;
        }
        if (m->budget < 0)
            return false;
        from = (size_t)(q - m->msg.p) + 1;
    }
    return false;
}

int canh_patset_match(const canh_patset_t *ps, canh_str_t msg, canh_event_t *ev)
{
    for (size_t k = 0; k < ps->n; k++) {
        const cpat_t *cp = &ps->pats[k];
        if (msg.n < cp->lit[0].n || memcmp(msg.p, cp->lit[0].p, cp->lit[0].n) != 0)
            continue;
        mstate_t m = {.cp = cp, .msg = msg, .budget = PAT_STEP_BUDGET};
        if (!match_from(&m, 0, cp->lit[0].n))
            continue;
        for (unsigned i = 0; i < cp->ncap; i++) {
            const cap_t *c = &cp->cap[i];
            if (c->field == CAP_DISCARD || m.val[i].n == 0)
                continue;
            if (c->field == CAP_KV)
                canh_event_add(ev, c->name, m.val[i], c->type);
            else
                canh_event_set(ev, (canh_field_t)c->field, m.val[i]);
        }
        const canh_pat_rule_t *r = cp->rule;
        if (r->action)
            canh_event_set_c(ev, CANH_F_EVENT_ACTION, r->action);
        if (r->outcome)
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, r->outcome);
        if (r->category)
            canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, r->category);
        if (r->type)
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, r->type);
        return (int)k;
    }
    return CANH_ENOMATCH;
}
