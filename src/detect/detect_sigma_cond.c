/* detect_sigma_cond.c - the condition of a Sigma rule, e.g.
 *   selection and not 1 of filter_* or (keywords and all of them)
 * into a node over the selections' nodes.
 *
 * Grammar (precedence not > and > or; keywords case-insensitive):
 *   expr   := term ('or' term)*
 *   term   := factor ('and' factor)*
 *   factor := 'not' factor | '(' expr ')' | quant | IDENT
 *   quant  := ('1' | 'any' | 'all') 'of' (PATTERN | 'them')
 * PATTERN is an identifier with '*' wildcards; 'them' is every search
 * identifier except those starting with '_'. Recursion is bounded by
 * SG_MAX_COND_DEPTH; the text by SG_MAX_COND. A '|' (Sigma 1 aggregation)
 * is refused with a pointer to correlation rules. */
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "detect_sigma_int.h"

enum tok { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OF, T_THEM, T_ALL, T_ONE, T_WORD, T_PIPE };

typedef struct cparse {
    sg_cc_t *cc;
    struct fy_node *at;
    const char *s;
    size_t n, i;
    int depth;
    /* current token */
    enum tok t;
    size_t ts, tl; /* start, length */
} cparse_t;

static bool is_word_char(char c)
{
    return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '(' && c != ')' && c != '|';
}

static bool kw(const cparse_t *p, const char *w)
{
    size_t n = strlen(w);
    return p->tl == n && sg_ieq(p->s + p->ts, w, n);
}

static void next(cparse_t *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
    p->ts = p->i;
    p->tl = 0;
    if (p->i >= p->n) {
        p->t = T_END;
        return;
    }
    char c = p->s[p->i];
    if (c == '(' || c == ')' || c == '|') {
        p->t = c == '(' ? T_LP : c == ')' ? T_RP : T_PIPE;
        p->tl = 1;
        p->i++;
        return;
    }
    while (p->i < p->n && is_word_char(p->s[p->i]))
        p->i++;
    p->tl = p->i - p->ts;
    p->t = kw(p, "and")                   ? T_AND
           : kw(p, "or")                  ? T_OR
           : kw(p, "not")                 ? T_NOT
           : kw(p, "of")                  ? T_OF
           : kw(p, "them")                ? T_THEM
           : kw(p, "all")                 ? T_ALL
           : (kw(p, "1") || kw(p, "any")) ? T_ONE
                                          : T_WORD;
}

static int perr(cparse_t *p, const char *what)
{
    if (p->t == T_END)
        return sg_fail(p->cc, p->at, "condition: %s at the end", what);
    return sg_fail(p->cc, p->at, "condition: %s \"%.*s\" at column %zu", what,
                   (int)(p->tl > 40 ? 40 : p->tl), p->s + p->ts, p->ts + 1);
}

/* Identifier pattern match: '*' matches any run of characters. */
static bool name_match(const char *pat, size_t pn, const char *s, size_t sn)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;
    while (i < sn) {
        if (p < pn && pat[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < pn && pat[p] == s[i]) {
            p++;
            i++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pn && pat[p] == '*')
        p++;
    return p == pn;
}

static int expr(cparse_t *p, uint32_t *out);

static int quant(cparse_t *p, bool all, uint32_t *out)
{
    sg_cc_t *cc = p->cc;
    next(p);
    if (p->t != T_OF)
        return perr(p, all ? "expected \"of\" after \"all\", got"
                           : "expected \"of\" after \"1\", got");
    next(p);
    if (p->t != T_WORD && p->t != T_THEM)
        return perr(p, "expected a search identifier pattern or \"them\", got");
    bool them = p->t == T_THEM;
    const char *pat = p->s + p->ts;
    size_t pl = p->tl;
    uint32_t *kids = canh_calloc(cc->nsel ? cc->nsel : 1, sizeof *kids);
    if (!kids)
        return CANH_ENOMEM;
    uint32_t nk = 0;
    for (uint32_t i = 0; i < cc->nsel; i++) {
        const char *nm = cc->sel_name[i];
        size_t nl = cc->sel_len[i];
        if (them ? (nl > 0 && nm[0] == '_') : !name_match(pat, pl, nm, nl))
            continue;
        kids[nk++] = cc->sel_node[i];
    }
    int rc = CANH_OK;
    if (nk == 0) {
        rc = them ? sg_fail(cc, p->at, "condition: \"them\" but there are no search identifiers")
                  : perr(p, "no search identifier matches");
    } else {
        *out = nk == 1 ? kids[0] : sg_node_list(cc, all ? SG_N_AND : SG_N_OR, kids, nk);
        if (*out == SG_NONE)
            rc = sg_fail(cc, p->at, "rule too large");
    }
    canh_free(kids);
    if (rc == CANH_OK)
        next(p);
    return rc;
}

static int factor(cparse_t *p, uint32_t *out)
{
    sg_cc_t *cc = p->cc;
    int rc;
    *out = SG_NONE;
    if (++p->depth > SG_MAX_COND_DEPTH)
        return sg_fail(cc, p->at, "condition: nesting deeper than %d", SG_MAX_COND_DEPTH);
    switch (p->t) {
    case T_NOT: {
        uint32_t c = SG_NONE;
        next(p);
        rc = factor(p, &c);
        if (rc)
            return rc;
        *out = sg_node_new(cc, SG_N_NOT, c, 0);
        break;
    }
    case T_LP:
        next(p);
        rc = expr(p, out);
        if (rc)
            return rc;
        if (p->t != T_RP)
            return perr(p, "expected \")\", got");
        next(p);
        break;
    case T_ALL:
        rc = quant(p, true, out);
        if (rc)
            return rc;
        break;
    case T_ONE:
        rc = quant(p, false, out);
        if (rc)
            return rc;
        break;
    case T_WORD: {
        const char *nm = p->s + p->ts;
        uint32_t i;
        if (memchr(nm, '*', p->tl))
            return perr(p, "a wildcard needs \"1 of\" or \"all of\":");
        if (p->tl > 0 && nm[0] >= '0' && nm[0] <= '9' && p->tl <= 3) {
            bool digits = true;
            for (size_t k = 0; k < p->tl; k++)
                digits &= nm[k] >= '0' && nm[k] <= '9';
            if (digits)
                return perr(p, "only \"1 of\" and \"all of\" are supported, got");
        }
        for (i = 0; i < cc->nsel; i++)
            if (cc->sel_len[i] == p->tl && memcmp(cc->sel_name[i], nm, p->tl) == 0)
                break;
        if (i == cc->nsel)
            return perr(p, "unknown search identifier");
        *out = cc->sel_node[i];
        next(p);
        break;
    }
    case T_PIPE:
        return sg_fail(cc, p->at,
                       "condition: aggregations (\"| count() ...\", column %zu) are "
                       "Sigma 1 syntax; write a correlation rule instead",
                       p->ts + 1);
    default: return perr(p, "unexpected");
    }
    p->depth--;
    return *out == SG_NONE ? sg_fail(cc, p->at, "rule too large") : CANH_OK;
}

static int chain(cparse_t *p, enum tok op, uint32_t *out)
{
    uint32_t kids[64];
    uint32_t nk = 0;
    int rc = op == T_OR ? chain(p, T_AND, &kids[0]) : factor(p, &kids[0]);
    if (rc)
        return rc;
    nk = 1;
    while (p->t == op) {
        if (nk == sizeof kids / sizeof kids[0]) {
            /* Fold what we have so far into one node and go on. */
            uint32_t f = sg_node_list(p->cc, op == T_OR ? SG_N_OR : SG_N_AND, kids, nk);
            if (f == SG_NONE)
                return sg_fail(p->cc, p->at, "rule too large");
            kids[0] = f;
            nk = 1;
        }
        next(p);
        rc = op == T_OR ? chain(p, T_AND, &kids[nk]) : factor(p, &kids[nk]);
        if (rc)
            return rc;
        nk++;
    }
    *out = nk == 1 ? kids[0] : sg_node_list(p->cc, op == T_OR ? SG_N_OR : SG_N_AND, kids, nk);
    return *out == SG_NONE ? sg_fail(p->cc, p->at, "rule too large") : CANH_OK;
}

static int expr(cparse_t *p, uint32_t *out)
{
    if (++p->depth > SG_MAX_COND_DEPTH)
        return sg_fail(p->cc, p->at, "condition: nesting deeper than %d", SG_MAX_COND_DEPTH);
    int rc = chain(p, T_OR, out);
    p->depth--;
    return rc;
}

static int one(sg_cc_t *cc, struct fy_node *n, uint32_t *out)
{
    size_t len;
    const char *s = sg_text(n, &len);
    *out = SG_NONE;
    if (!s || sg_is_null(n))
        return sg_fail(cc, n, "condition: expected a string");
    if (len > SG_MAX_COND)
        return sg_fail(cc, n, "condition: longer than %u bytes", SG_MAX_COND);
    cparse_t p = {.cc = cc, .at = n, .s = s, .n = len};
    next(&p);
    if (p.t == T_END)
        return sg_fail(cc, n, "condition: empty");
    int rc = expr(&p, out);
    if (rc)
        return rc;
    if (p.t == T_PIPE)
        return sg_fail(cc, n,
                       "condition: aggregations (\"| count() ...\", column %zu) are Sigma 1 "
                       "syntax; write a correlation rule instead",
                       p.ts + 1);
    if (p.t != T_END)
        return perr(&p, "unexpected");
    return CANH_OK;
}

int sg_compile_condition(sg_cc_t *cc, struct fy_node *cond, uint32_t *node)
{
    if (!sg_is_seq(cond))
        return one(cc, cond, node);
    /* A list of conditions (Sigma 1): any of them. */
    size_t n = sg_count(cond);
    if (n == 0)
        return sg_fail(cc, cond, "condition: empty list");
    if (n > 64)
        return sg_fail(cc, cond, "condition: more than 64 conditions in a list");
    uint32_t kids[64] = {0};
    void *it = NULL;
    struct fy_node *c;
    size_t k = 0;
    while ((c = sg_seq_next(cond, &it))) {
        int rc = one(cc, c, &kids[k++]);
        if (rc)
            return rc;
    }
    *node = k == 1 ? kids[0] : sg_node_list(cc, SG_N_OR, kids, (uint32_t)k);
    return *node == SG_NONE ? sg_fail(cc, cond, "rule too large") : CANH_OK;
}
