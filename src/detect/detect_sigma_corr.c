/* detect_sigma_corr.c - Sigma 2.x correlation rules.
 *
 * A correlation rule names base rules (by id, name or title), group-by
 * fields and a timespan. Per detector, each correlation keeps one window per
 * group key (the group-by values of the event, read with the base rule's
 * field mapping). Windows are driven by event time (ev->ts), not the wall
 * clock:
 *
 *   event_count       the events of the group within timespan reach the
 *                     threshold (condition gte N, gt N, eq N);
 *   value_count       the distinct values of condition.field reach it;
 *   temporal          every base rule matched within timespan;
 *   temporal_ordered  the base rules matched in the listed order within it.
 *
 * When the condition first holds, one alert is raised (on the event that
 * completed it) and the group's window is emptied, so a continuing attack
 * alerts again only after another full threshold. Events are identified by
 * a per-detector sequence number (1 for the first event the detector saw);
 * an alert lists the last SG_CORR_MAX_EVENTS of the events it stands on.
 *
 * State is bounded: at most max_per_rule groups per correlation and
 * max_total in all; a new group beyond a bound evicts the least recently
 * updated one (counted in canh_detector_stats). Groups whose window has
 * passed are dropped as later events arrive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"
#include "canh/mem.h"
#include "canh/time.h"
#include "detect_sigma_int.h"

/* ---- compilation ---------------------------------------------------------------------------- */

static const char *cdup(canh_rules_t *r, const char *t, size_t n)
{
    return canh_arena_strndup(&r->arena, t, n);
}

static int parse_span(sg_cc_t *cc, struct fy_node *v, int64_t *out)
{
    size_t n;
    const char *t = v ? sg_text(v, &n) : NULL;
    if (!t || n < 2 || n > 12)
        return sg_fail(cc, v,
                       "correlation: timespan must be a number and a unit (s, m, h, d), "
                       "like 5m");
    int64_t num = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return sg_fail(cc, v, "correlation: timespan \"%.*s\" is not a number and a unit",
                           (int)n, t);
        num = num * 10 + (t[i] - '0');
    }
    int64_t unit;
    switch (t[n - 1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default:
        return sg_fail(cc, v, "correlation: timespan unit must be s, m, h, d or w, got \"%.*s\"",
                       (int)n, t);
    }
    if (num <= 0 || num > 366 * 86400 / unit + 1)
        return sg_fail(cc, v, "correlation: timespan must be between 1s and about a year");
    *out = num * unit * CANH_NS_PER_SEC;
    return CANH_OK;
}

static int parse_u64(struct fy_node *v, uint64_t *out)
{
    size_t n;
    const char *t = sg_text(v, &n);
    if (!t || n == 0 || n > 9)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(t[i] - '0');
    }
    *out = x;
    return 0;
}

/* A list of strings (or one string) into an arena array. */
static int str_list(sg_cc_t *cc, struct fy_node *v, const char *what, uint32_t max,
                    const char ***out, unsigned **lines, uint32_t *n)
{
    canh_rules_t *r = cc->r;
    size_t cnt = sg_is_seq(v) ? sg_count(v) : 1;
    if (!v || sg_is_null(v) || sg_is_map(v) || cnt == 0)
        return sg_fail(cc, v, "correlation: %s must be a non-empty list of strings", what);
    if (cnt > max)
        return sg_fail(cc, v, "correlation: at most %u %s", max, what);
    const char **a = canh_arena_alloc(&r->arena, cnt * sizeof *a);
    unsigned *l = canh_arena_alloc(&r->arena, cnt * sizeof *l);
    if (!a || !l)
        return CANH_ENOMEM;
    uint32_t i = 0;
    void *it = NULL;
    for (struct fy_node *e = sg_is_seq(v) ? sg_seq_next(v, &it) : v; e;
         e = sg_is_seq(v) ? sg_seq_next(v, &it) : NULL) {
        size_t len;
        const char *t = sg_text(e, &len);
        if (!t || len == 0 || len > SG_MAX_FIELD)
            return sg_fail(cc, e, "correlation: %s must be a non-empty list of strings", what);
        if (!(a[i] = cdup(r, t, len)))
            return CANH_ENOMEM;
        l[i++] = sg_line(e, cc->line);
    }
    *out = a;
    if (lines)
        *lines = l;
    *n = i;
    return CANH_OK;
}

int sg_corr_compile(sg_cc_t *cc, struct fy_node *root)
{
    canh_rules_t *r = cc->r;
    struct fy_node *c = sg_get(root, "correlation");
    sg_corr_t co = {.rule = cc->rule, .line = sg_line(sg_key(root, "correlation"), cc->line)};
    int rc;
    cc->line = co.line; /* what is missing is reported at the correlation: key */
    if (!sg_is_map(c))
        return sg_fail(cc, sg_key(root, "correlation"), "correlation: expected a mapping");
    void *it = NULL;
    struct fy_node *k, *v;
    while (sg_map_next(c, &it, &k, &v)) {
        size_t n;
        const char *t = sg_text(k, &n);
        static const char *const known[] = {"type",      "rules",     "group-by", "timespan",
                                            "timeframe", "condition", "generate"};
        bool ok = false;
        for (size_t i = 0; t && i < sizeof known / sizeof *known; i++)
            ok |= strlen(known[i]) == n && memcmp(known[i], t, n) == 0;
        if (!ok)
            return sg_fail(cc, k, "correlation: unsupported key \"%.*s\"",
                           (int)(t ? (n > 40 ? 40 : n) : 0), t ? t : "");
    }
    size_t n;
    struct fy_node *tv = sg_get(c, "type");
    const char *t = tv ? sg_text(tv, &n) : NULL;
    static const char *const types[] = {"event_count", "value_count", "temporal",
                                        "temporal_ordered"};
    co.type = 0xff;
    for (uint8_t i = 0; t && i < 4; i++)
        if (strlen(types[i]) == n && memcmp(types[i], t, n) == 0)
            co.type = i;
    if (co.type == 0xff)
        return sg_fail(cc, tv ? tv : sg_key(root, "correlation"),
                       "correlation: type must be event_count, value_count, temporal or "
                       "temporal_ordered");
    cc->line = sg_line(sg_key(c, "rules"), co.line);
    if ((rc = str_list(cc, sg_get(c, "rules"), "rules", SG_CORR_MAX_REFS, &co.refs, &co.ref_line,
                       &co.nref)))
        return rc;
    if ((co.type == SG_C_TEMPORAL || co.type == SG_C_TEMPORAL_ORDERED) && co.nref < 2)
        return sg_fail(cc, sg_get(c, "rules"), "correlation: %s needs at least two rules",
                       types[co.type]);
    struct fy_node *gb = sg_get(c, "group-by");
    cc->line = sg_line(sg_key(c, "group-by"), co.line);
    if (!gb || sg_is_null(gb)) {
        co.ngroup = 0;
    } else if ((rc = str_list(cc, gb, "group-by fields", SG_CORR_MAX_GROUP, &co.group, NULL,
                              &co.ngroup))) {
        return rc;
    }
    cc->line = co.line;
    struct fy_node *sp = sg_get(c, "timespan");
    if (!sp)
        sp = sg_get(c, "timeframe");
    if (!sp)
        return sg_fail(cc, sg_key(root, "correlation"), "correlation: missing timespan");
    if ((rc = parse_span(cc, sp, &co.span)))
        return rc;
    struct fy_node *gen = sg_get(c, "generate");
    if (gen && !sg_is_null(gen)) {
        const char *g = sg_text(gen, &n);
        if (g && n == 4 && memcmp(g, "true", 4) == 0 && !sg_quoted(gen))
            co.generate = 1;
        else if (!(g && n == 5 && memcmp(g, "false", 5) == 0 && !sg_quoted(gen)))
            return sg_fail(cc, gen, "correlation: generate must be true or false");
    }
    struct fy_node *cond = sg_get(c, "condition");
    if (co.type == SG_C_TEMPORAL || co.type == SG_C_TEMPORAL_ORDERED) {
        if (cond && !sg_is_null(cond))
            return sg_fail(cc, sg_key(c, "condition"),
                           "correlation: %s takes no condition (all rules must match)",
                           types[co.type]);
        co.thr = co.nref;
    } else {
        if (!cond || !sg_is_map(cond))
            return sg_fail(cc, cond ? cond : sg_key(root, "correlation"),
                           "correlation: %s needs a condition mapping (like gte: 10)",
                           types[co.type]);
        bool have = false;
        it = NULL;
        while (sg_map_next(cond, &it, &k, &v)) {
            const char *kt = sg_text(k, &n);
            if (kt && n == 5 && memcmp(kt, "field", 5) == 0) {
                size_t fl;
                const char *f = sg_text(v, &fl);
                if (co.type != SG_C_VALUE_COUNT)
                    return sg_fail(cc, k, "correlation: condition field: is for value_count only");
                if (!f || fl == 0 || fl > SG_MAX_FIELD)
                    return sg_fail(cc, v, "correlation: condition field must be a field name");
                if (!(co.field = cdup(r, f, fl)))
                    return CANH_ENOMEM;
                continue;
            }
            uint64_t x;
            bool gt = kt && n == 2 && memcmp(kt, "gt", 2) == 0;
            bool ge = kt && ((n == 3 && memcmp(kt, "gte", 3) == 0) ||
                             (n == 2 && memcmp(kt, "eq", 2) == 0));
            if (!gt && !ge)
                return sg_fail(cc, k,
                               "correlation: condition \"%.*s\" is not supported (gt, gte and eq "
                               "are)",
                               (int)(kt ? (n > 20 ? 20 : n) : 0), kt ? kt : "");
            if (have)
                return sg_fail(cc, k, "correlation: condition has more than one threshold");
            if (parse_u64(v, &x) != 0)
                return sg_fail(cc, v, "correlation: condition threshold must be a whole number");
            x += gt ? 1 : 0;
            if (x < 1 || x > SG_CORR_MAX_THRESHOLD)
                return sg_fail(cc, v, "correlation: threshold must be 1-%u", SG_CORR_MAX_THRESHOLD);
            co.thr = x;
            have = true;
        }
        if (!have)
            return sg_fail(cc, cond, "correlation: condition needs gte, gt or eq");
        if (co.type == SG_C_VALUE_COUNT && !co.field)
            return sg_fail(cc, cond, "correlation: value_count needs condition field:");
    }
    uint32_t ci = sg_vec_push(&r->corrs);
    if (ci == SG_NONE)
        return CANH_ENOMEM;
    *SG_AT(r->corrs, sg_corr_t, ci) = co;
    return CANH_OK;
}

static void corr_fail(canh_rules_t *r, sg_corr_t *co, unsigned line, const char *fmt, const char *a)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    char why[400];
    snprintf(why, sizeof why, fmt, a);
#pragma GCC diagnostic pop
    sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, co->rule);
    ru->st = CANH_RULE_FAILED;
    ru->reason = cdup(r, why, strlen(why));
    ru->reason_line = line;
}

int sg_corr_link(canh_rules_t *r)
{
    uint8_t *refd = NULL, *gen = NULL;
    if (!r->corrs.n)
        return CANH_OK;
    refd = canh_calloc(r->rules.n + 1, 1);
    gen = canh_calloc(r->rules.n + 1, 1);
    if (!refd || !gen) {
        canh_free(refd);
        canh_free(gen);
        return CANH_ENOMEM;
    }
    int rc = CANH_OK;
    /* Two passes: correlations over plain rules, then correlations over
     * those (one level of chaining, as in "login after many failures"). */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t c = 0; c < r->corrs.n && rc == CANH_OK; c++) {
            sg_corr_t *co = SG_AT(r->corrs, sg_corr_t, c);
            const sg_rule_t *self = SG_AT(r->rules, sg_rule_t, co->rule);
            if (self->st == CANH_RULE_FAILED)
                continue;
            bool refs_corr = false;
            for (uint32_t i = 0; i < co->nref; i++) {
                uint32_t b = sg_rule_find(r, co->refs[i]);
                refs_corr |= b != SG_NONE && SG_AT(r->rules, sg_rule_t, b)->corr1;
            }
            if (refs_corr != (pass == 1))
                continue;
            co->base = canh_arena_alloc(&r->arena, co->nref * sizeof *co->base);
            co->gfref =
                canh_arena_alloc(&r->arena, (co->nref * co->ngroup + 1) * sizeof *co->gfref);
            co->vfref = canh_arena_alloc(&r->arena, co->nref * sizeof *co->vfref);
            co->bcorr = canh_arena_alloc(&r->arena, co->nref * sizeof *co->bcorr);
            if (!co->bcorr) {
                rc = CANH_ENOMEM;
                break;
            }
            co->gname = canh_arena_alloc(&r->arena, (co->ngroup + 1) * sizeof *co->gname);
            if (!co->base || !co->gfref || !co->vfref || !co->gname) {
                rc = CANH_ENOMEM;
                break;
            }
            bool bad = false;
            for (uint32_t i = 0; i < co->nref && !bad; i++) {
                uint32_t b = sg_rule_find(r, co->refs[i]);
                const sg_rule_t *br = b == SG_NONE ? NULL : SG_AT(r->rules, sg_rule_t, b);
                co->bcorr[i] = SG_NONE;
                uint32_t fb = b; /* the rule whose mapping reads group-by fields */
                if (br && br->corr1 && br->st != CANH_RULE_FAILED) {
                    const sg_corr_t *in = SG_AT(r->corrs, sg_corr_t, br->corr1 - 1);
                    if (in->chained || !in->base) {
                        corr_fail(r, co, co->ref_line[i],
                                  "correlation: rule \"%s\" is a correlation over correlations "
                                  "(one level of chaining is supported)",
                                  co->refs[i]);
                        bad = true;
                    } else {
                        co->bcorr[i] = br->corr1 - 1;
                        co->chained = 1;
                        co->base[i] = b;
                        fb = in->base[0];
                    }
                } else if (!br || br->pseudo) {
                    corr_fail(r, co, co->ref_line[i],
                              "correlation: rule \"%s\" not found (by id, name or title)",
                              co->refs[i]);
                    bad = true;
                } else if (br->corr1) {
                    corr_fail(r, co, co->ref_line[i], "correlation: correlation \"%s\" failed",
                              co->refs[i]);
                    bad = true;
                } else if (br->st == CANH_RULE_FAILED || br->root == SG_NONE) {
                    corr_fail(r, co, co->ref_line[i],
                              "correlation: base rule \"%s\" did not compile", co->refs[i]);
                    bad = true;
                } else {
                    for (uint32_t j = 0; j < i; j++)
                        if (co->base[j] == b) {
                            corr_fail(r, co, co->ref_line[i],
                                      "correlation: rule \"%s\" is listed twice", co->refs[i]);
                            bad = true;
                        }
                    co->base[i] = b;
                }
                for (uint32_t g = 0; g < co->ngroup && !bad; g++) {
                    uint32_t f;
                    int e = sg_group_field(r, fb, co->group[g], &f);
                    if (e == CANH_ENOMEM) {
                        rc = e;
                        bad = true;
                    } else if (e) {
                        corr_fail(r, co, co->line, "correlation: group-by field \"%s\" is invalid",
                                  co->group[g]);
                        bad = true;
                    }
                    co->gfref[i * co->ngroup + g] = f;
                    if (i == 0 && !bad) {
                        /* The name in alerts: the event field the Sigma name maps
                         * to (its first candidate), e.g. the ECS source.ip. */
                        const sg_fref_t *fr = SG_AT(r->frefs, sg_fref_t, f);
                        co->gname[g] = co->group[g];
                        if (fr->kind != SG_FREF_KEYWORDS && fr->ncand >= 1)
                            co->gname[g] = SG_AT(r->cands, sg_cand_t, fr->cand)->name;
                    }
                }
                co->vfref[i] = SG_NONE;
                if (co->field && !bad) {
                    int e = sg_group_field(r, fb, co->field, &co->vfref[i]);
                    if (e == CANH_ENOMEM) {
                        rc = e;
                        bad = true;
                    } else if (e) {
                        corr_fail(r, co, co->line, "correlation: condition field \"%s\" is invalid",
                                  co->field);
                        bad = true;
                    }
                }
            }
            if (bad)
                continue;
            for (uint32_t i = 0; i < co->nref; i++) {
                refd[co->base[i]] = 1;
                gen[co->base[i]] |= co->generate;
            }
        }
    /* Sigma: base rules referenced by a correlation raise no alerts of their
     * own unless some correlation referencing them says generate: true. */
    for (uint32_t i = 0; i < r->rules.n && rc == CANH_OK; i++)
        if (refd[i] && !gen[i])
            SG_AT(r->rules, sg_rule_t, i)->nogen = 1;
    canh_free(refd);
    canh_free(gen);
    return rc;
}

/* ---- state ------------------------------------------------------------------------------------
 */

typedef struct ent {
    int64_t ts;
    uint64_t seq;
    uint64_t vh; /* value_count: hash of the value; temporal: base rule position */
} ent_t;

typedef struct grp {
    uint64_t h;
    char *key;
    uint32_t klen;
    uint32_t corr;         /* index into active */
    uint32_t hnext;        /* bucket chain / free list */
    uint32_t rprev, rnext; /* per-correlation recency list (head = oldest) */
    uint32_t gprev, gnext; /* all groups */
    ent_t *e;
    uint32_t ne, cap;
    int64_t maxts;
    bool used;
} grp_t;

typedef struct clist {
    uint32_t head, tail, n;
} clist_t;

struct sg_corr_state {
    const canh_rules_t *r;
    uint32_t *active; /* corr indexes that run */
    uint32_t nactive;
    clist_t *per; /* per active correlation */
    clist_t all;
    grp_t *g;
    uint32_t ng, capg, freel;
    uint32_t *bk; /* buckets */
    uint32_t nbk;
    size_t max_per, max_total;
    uint64_t seq;
    uint64_t *fired; /* per corr index: seq of the event on which it last held */
    canh_detector_stats_t st;
};

int sg_corr_state_create(const canh_rules_t *r, sg_corr_state_t **out)
{
    sg_corr_state_t *s = canh_calloc(1, sizeof *s);
    if (!s)
        return CANH_ENOMEM;
    s->r = r;
    s->max_per = SG_CORR_DEFAULT_GROUPS_PER_RULE;
    s->max_total = SG_CORR_DEFAULT_GROUPS_TOTAL;
    s->freel = SG_NONE;
    s->all.head = s->all.tail = SG_NONE;
    s->active = canh_calloc(r->corrs.n + 1, sizeof *s->active);
    s->per = canh_calloc(r->corrs.n + 1, sizeof *s->per);
    s->fired = canh_calloc(r->corrs.n + 1, sizeof *s->fired);
    s->nbk = 1024;
    s->bk = canh_malloc(s->nbk * sizeof *s->bk);
    if (!s->active || !s->per || !s->bk || !s->fired) {
        sg_corr_state_destroy(s);
        return CANH_ENOMEM;
    }
    memset(s->bk, 0xff, s->nbk * sizeof *s->bk);
    /* Correlations over rules first: those over correlations read what
     * they found on the same event. */
    for (uint32_t k = 0; k < 2 * r->corrs.n; k++) {
        uint32_t c = k % r->corrs.n;
        const sg_corr_t *co = SG_AT(r->corrs, sg_corr_t, c);
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, co->rule);
        if (ru->st == CANH_RULE_FAILED || ru->disabled || !co->base ||
            co->chained != (k >= r->corrs.n))
            continue;
        s->per[s->nactive].head = s->per[s->nactive].tail = SG_NONE;
        s->active[s->nactive++] = c;
    }
    *out = s;
    return CANH_OK;
}

void sg_corr_state_destroy(sg_corr_state_t *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ng; i++) {
        canh_free(s->g[i].key);
        canh_free(s->g[i].e);
    }
    canh_free(s->g);
    canh_free(s->bk);
    canh_free(s->active);
    canh_free(s->per);
    canh_free(s->fired);
    canh_free(s);
}

void canh_detector_stats(const canh_detector_t *d, canh_detector_stats_t *out)
{
    memset(out, 0, sizeof *out);
    sg_corr_state_t *s = d ? sg_detector_corr((canh_detector_t *)d) : NULL;
    pthread_mutex_t *mu = d ? sg_detector_corr_lock((canh_detector_t *)d) : NULL;
    if (s) {
        if (mu)
            pthread_mutex_lock(mu);
        *out = s->st;
        out->corr_groups = s->all.n;
        if (mu)
            pthread_mutex_unlock(mu);
    }
}

int canh_detector_set_corr_limits(canh_detector_t *d, size_t per_rule, size_t total)
{
    if (!d)
        return CANH_EINVAL;
    sg_corr_state_t *s = sg_detector_corr(d);
    if (!s)
        return CANH_OK;
    pthread_mutex_t *mu = sg_detector_corr_lock(d);
    if (mu)
        pthread_mutex_lock(mu);
    if (per_rule)
        s->max_per = per_rule;
    if (total)
        s->max_total = total;
    if (mu)
        pthread_mutex_unlock(mu);
    return CANH_OK;
}

/* ---- correlation state shared by several detectors ------------------------------------- */

struct canh_corr_shared {
    const canh_rules_t *r;
    pthread_mutex_t mu;
    sg_corr_state_t *st;
};

int canh_corr_shared_create(const canh_rules_t *r, canh_corr_shared_t **out)
{
    if (!r || !out)
        return CANH_EINVAL;
    *out = NULL;
    if (!r->corrs.n)
        return CANH_OK;
    canh_corr_shared_t *c = canh_calloc(1, sizeof *c);
    if (!c)
        return CANH_ENOMEM;
    c->r = r;
    int rc = sg_corr_state_create(r, &c->st);
    if (rc != CANH_OK || pthread_mutex_init(&c->mu, NULL) != 0) {
        sg_corr_state_destroy(c->st);
        canh_free(c);
        return rc != CANH_OK ? rc : CANH_ENOMEM;
    }
    *out = c;
    return CANH_OK;
}

void canh_corr_shared_destroy(canh_corr_shared_t *c)
{
    if (!c)
        return;
    sg_corr_state_destroy(c->st);
    pthread_mutex_destroy(&c->mu);
    canh_free(c);
}

int canh_detector_attach_corr(canh_detector_t *d, canh_corr_shared_t *c)
{
    if (!d || !c)
        return CANH_EINVAL;
    const sg_corr_state_t *own = sg_detector_corr(d);
    if (!own || own->r != c->r)
        return CANH_EINVAL;
    sg_detector_set_corr(d, c->st, &c->mu);
    return CANH_OK;
}

static uint64_t hash(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define GP(i) (&s->g[(i)])

static void unlink_grp(sg_corr_state_t *s, uint32_t gi)
{
    grp_t *g = GP(gi);
    clist_t *pl = &s->per[g->corr];
    if (g->rprev != SG_NONE)
        GP(g->rprev)->rnext = g->rnext;
    else
        pl->head = g->rnext;
    if (g->rnext != SG_NONE)
        GP(g->rnext)->rprev = g->rprev;
    else
        pl->tail = g->rprev;
    pl->n--;
    if (g->gprev != SG_NONE)
        GP(g->gprev)->gnext = g->gnext;
    else
        s->all.head = g->gnext;
    if (g->gnext != SG_NONE)
        GP(g->gnext)->gprev = g->gprev;
    else
        s->all.tail = g->gprev;
    s->all.n--;
}

static void link_tail(sg_corr_state_t *s, uint32_t gi)
{
    grp_t *g = GP(gi);
    clist_t *pl = &s->per[g->corr];
    g->rnext = SG_NONE;
    g->rprev = pl->tail;
    if (pl->tail != SG_NONE)
        GP(pl->tail)->rnext = gi;
    else
        pl->head = gi;
    pl->tail = gi;
    pl->n++;
    g->gnext = SG_NONE;
    g->gprev = s->all.tail;
    if (s->all.tail != SG_NONE)
        GP(s->all.tail)->gnext = gi;
    else
        s->all.head = gi;
    s->all.tail = gi;
    s->all.n++;
}

static void drop_grp(sg_corr_state_t *s, uint32_t gi)
{
    grp_t *g = GP(gi);
    uint32_t *pp = &s->bk[g->h & (s->nbk - 1)];
    while (*pp != gi)
        pp = &GP(*pp)->hnext;
    *pp = g->hnext;
    unlink_grp(s, gi);
    canh_free(g->key);
    canh_free(g->e);
    memset(g, 0, sizeof *g);
    g->hnext = s->freel;
    s->freel = gi;
}

static int grow_buckets(sg_corr_state_t *s)
{
    uint32_t nb = s->nbk * 2;
    uint32_t *bk = canh_malloc(nb * sizeof *bk);
    if (!bk)
        return CANH_ENOMEM;
    memset(bk, 0xff, nb * sizeof *bk);
    for (uint32_t i = 0; i < s->ng; i++) {
        grp_t *g = GP(i);
        if (!g->used)
            continue;
        g->hnext = bk[g->h & (nb - 1)];
        bk[g->h & (nb - 1)] = i;
    }
    canh_free(s->bk);
    s->bk = bk;
    s->nbk = nb;
    return CANH_OK;
}

/* The group of active correlation a with this key (created, evicting if a
 * bound is reached); SG_NONE on ENOMEM. */
static uint32_t group_of(sg_corr_state_t *s, uint32_t a, const char *key, uint32_t klen)
{
    uint64_t h = hash(key, klen, hash(&a, sizeof a, 0xcbf29ce484222325ull));
    for (uint32_t gi = s->bk[h & (s->nbk - 1)]; gi != SG_NONE; gi = GP(gi)->hnext) {
        grp_t *g = GP(gi);
        if (g->h == h && g->corr == a && g->klen == klen && memcmp(g->key, key, klen) == 0) {
            unlink_grp(s, gi); /* most recently updated: to the tail */
            link_tail(s, gi);
            return gi;
        }
    }
    if (s->per[a].n >= s->max_per) {
        drop_grp(s, s->per[a].head);
        s->st.corr_evictions++;
    } else if (s->all.n >= s->max_total) {
        drop_grp(s, s->all.head);
        s->st.corr_evictions++;
    }
    if (s->all.n + 1 > s->nbk && grow_buckets(s) != CANH_OK)
        return SG_NONE;
    uint32_t gi;
    if (s->freel != SG_NONE) {
        gi = s->freel;
        s->freel = GP(gi)->hnext;
    } else {
        if (s->ng == s->capg) {
            uint32_t cap = s->capg ? s->capg * 2 : 64;
            grp_t *ng = canh_reallocarray(s->g, cap, sizeof *ng);
            if (!ng)
                return SG_NONE;
            s->g = ng;
            s->capg = cap;
        }
        gi = s->ng++;
    }
    grp_t *g = GP(gi);
    memset(g, 0, sizeof *g);
    g->key = canh_malloc(klen + 1);
    if (!g->key) {
        g->hnext = s->freel;
        s->freel = gi;
        return SG_NONE;
    }
    memcpy(g->key, key, klen);
    g->klen = klen;
    g->h = h;
    g->corr = a;
    g->used = true;
    g->maxts = INT64_MIN;
    g->hnext = s->bk[h & (s->nbk - 1)];
    s->bk[h & (s->nbk - 1)] = gi;
    link_tail(s, gi);
    return gi;
}

/* Drops up to two groups at the head of the recency list whose window had
 * passed by now (their newest event older than their timespan). */
static void expire(sg_corr_state_t *s, int64_t now)
{
    for (int i = 0; i < 2 && s->all.head != SG_NONE; i++) {
        grp_t *g = GP(s->all.head);
        const sg_corr_t *co = SG_AT(s->r->corrs, sg_corr_t, s->active[g->corr]);
        if (g->maxts == INT64_MIN || now - g->maxts <= co->span)
            break;
        drop_grp(s, s->all.head);
        s->st.corr_expired++;
    }
}

static int ent_add(grp_t *g, ent_t e, uint32_t max)
{
    if (g->ne == max) { /* temporal_ordered: keep the newest */
        memmove(g->e, g->e + 1, (g->ne - 1) * sizeof *g->e);
        g->ne--;
    }
    if (g->ne == g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 8;
        ent_t *ne = canh_reallocarray(g->e, cap, sizeof *ne);
        if (!ne)
            return CANH_ENOMEM;
        g->e = ne;
        g->cap = cap;
    }
    uint32_t i = g->ne;
    while (i > 0 && g->e[i - 1].ts > e.ts) {
        g->e[i] = g->e[i - 1];
        i--;
    }
    g->e[i] = e;
    g->ne++;
    return CANH_OK;
}

/* Whether the group's entries (in time order) hold the base rules in the
 * listed order (positions 0..n-1 as a subsequence). */
static bool ordered(const grp_t *g, uint32_t n)
{
    uint32_t want = 0;
    for (uint32_t i = 0; i < g->ne && want < n; i++)
        if (g->e[i].vh == want)
            want++;
    return want == n;
}

static uint32_t distinct(const grp_t *g)
{
    /* temporal: entries are deduplicated by base rule position */
    return g->ne;
}

static int raise_corr(sg_corr_state_t *s, const sg_corr_t *co, const grp_t *g, const canh_str_t *gv,
                      const canh_event_t *ev, canh_alert_fn fn, void *ud)
{
    const sg_rule_t *ru = SG_AT(s->r->rules, sg_rule_t, co->rule);
    canh_alert_t a = {0};
    a.rule_id = ru->id ? ru->id : ru->title;
    a.rule_name = ru->title;
    a.rule_source = "correlation";
    a.level = ru->level;
    static const char *const types[] = {"event_count", "value_count", "temporal",
                                        "temporal_ordered"};
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
    for (uint32_t i = 0; i < co->ngroup; i++)
        canh_alert_add(&a, canh_str_c(co->gname[i]), gv[i], CANH_FT_KEYWORD);
    char cnt[24], win[24], first[32], last[32];
    char evs[SG_CORR_MAX_EVENTS * 22 + 4];
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.type"), canh_str_c(types[co->type]),
                   CANH_FT_KEYWORD);
    int cn = snprintf(cnt, sizeof cnt, "%u", g->ne);
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.count"), (canh_str_t){cnt, (size_t)cn},
                   CANH_FT_LONG);
    int wn = snprintf(win, sizeof win, "%lld", (long long)(co->span / CANH_NS_PER_SEC));
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.window"), (canh_str_t){win, (size_t)wn},
                   CANH_FT_LONG);
    size_t fn1 = canh_time_format(g->e[0].ts, first);
    size_t ln = canh_time_format(g->e[g->ne - 1].ts, last);
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.first"), (canh_str_t){first, fn1},
                   CANH_FT_KEYWORD);
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.last"), (canh_str_t){last, ln},
                   CANH_FT_KEYWORD);
    size_t en = 0;
    evs[en++] = '[';
    uint32_t from = g->ne > SG_CORR_MAX_EVENTS ? g->ne - SG_CORR_MAX_EVENTS : 0;
    for (uint32_t i = from; i < g->ne; i++)
        en += (size_t)snprintf(evs + en, sizeof evs - en, "%s%llu", i > from ? "," : "",
                               (unsigned long long)g->e[i].seq);
    evs[en++] = ']';
    canh_alert_add(&a, CANH_STR_LIT("canh.correlation.events"), (canh_str_t){evs, en}, CANH_FT_RAW);
    s->st.corr_alerts++;
    return fn(ud, &a, ev);
}

static int corr_update(canh_detector_t *d, sg_corr_state_t *s, const uint32_t *held,
                       const canh_event_t *ev, canh_alert_fn fn, void *ud, int *alerts);

/* Which rules of each correlation the event matches is worked out first,
 * with the detector's own scratch and no lock: most events match none, and
 * then the (possibly shared) state is not touched at all. Only the window
 * updates run under the shared state's lock. Chained references (a
 * correlation over correlations) are read from the state, under the lock. */
int sg_corr_run(canh_detector_t *d, const canh_event_t *ev, canh_alert_fn fn, void *ud, int *alerts)
{
    sg_corr_state_t *s = sg_detector_corr(d);
    const canh_rules_t *r = s->r;
    *alerts = 0;
    uint32_t *held = sg_detector_corr_scratch(d, s->nactive);
    if (!held)
        return CANH_ENOMEM;
    bool any = false;
    for (uint32_t a = 0; a < s->nactive; a++) {
        const sg_corr_t *co = SG_AT(r->corrs, sg_corr_t, s->active[a]);
        held[a] = 0;
        for (uint32_t i = 0; i < co->nref; i++)
            if (co->bcorr[i] == SG_NONE && sg_rule_eval(d, co->base[i], ev))
                held[a] |= 1u << i;
        any |= held[a] != 0;
    }
    if (!any)
        return CANH_OK;
    pthread_mutex_t *mu = sg_detector_corr_lock(d);
    if (mu)
        pthread_mutex_lock(mu);
    int rc = corr_update(d, s, held, ev, fn, ud, alerts);
    if (mu)
        pthread_mutex_unlock(mu);
    return rc;
}

static int corr_update(canh_detector_t *d, sg_corr_state_t *s, const uint32_t *held,
                       const canh_event_t *ev, canh_alert_fn fn, void *ud, int *alerts)
{
    const canh_rules_t *r = s->r;
    uint64_t seq = ++s->seq;
    int64_t ts = ev->ts;
    expire(s, ts);
    for (uint32_t a = 0; a < s->nactive; a++) {
        const sg_corr_t *co = SG_AT(r->corrs, sg_corr_t, s->active[a]);
        for (uint32_t i = 0; i < co->nref; i++) {
            if (co->bcorr[i] != SG_NONE ? s->fired[co->bcorr[i]] != seq : !(held[a] & 1u << i))
                continue;
            /* The group key: the group-by values, each length-prefixed. */
            char key[SG_CORR_MAX_KEY];
            canh_str_t gv[SG_CORR_MAX_GROUP];
            uint32_t kl = 0;
            bool ok = true;
            for (uint32_t gi = 0; gi < co->ngroup && ok; gi++) {
                gv[gi] = sg_field_value(d, co->gfref[i * co->ngroup + gi], ev);
                if (!gv[gi].p || gv[gi].n == 0 || kl + 4 + gv[gi].n > sizeof key) {
                    ok = false; /* events without a group-by value are not counted */
                    break;
                }
                uint32_t n = (uint32_t)gv[gi].n;
                memcpy(key + kl, &n, 4);
                memcpy(key + kl + 4, gv[gi].p, n);
                kl += 4 + n;
            }
            if (!ok)
                break;
            ent_t e = {.ts = ts, .seq = seq, .vh = 0};
            if (co->type == SG_C_VALUE_COUNT) {
                canh_str_t v = sg_field_value(d, co->vfref[i], ev);
                if (!v.p || v.n == 0)
                    break;
                e.vh = hash(v.p, v.n, 0xcbf29ce484222325ull);
            } else if (co->type != SG_C_EVENT_COUNT) {
                e.vh = i;
            }
            uint32_t gi = group_of(s, a, key, kl);
            if (gi == SG_NONE)
                return CANH_ENOMEM;
            grp_t *g = GP(gi);
            if (g->maxts != INT64_MIN && ts < g->maxts - co->span) {
                s->st.corr_late++;
                break;
            }
            if (ts > g->maxts)
                g->maxts = ts;
            uint32_t keep = 0; /* slide: forget what left the window */
            while (keep < g->ne && g->e[keep].ts < g->maxts - co->span)
                keep++;
            if (keep) {
                memmove(g->e, g->e + keep, (g->ne - keep) * sizeof *g->e);
                g->ne -= keep;
            }
            bool add = true;
            if (co->type == SG_C_VALUE_COUNT || co->type == SG_C_TEMPORAL) {
                /* one entry per value (per base rule): keep the newest */
                for (uint32_t k = 0; k < g->ne; k++)
                    if (g->e[k].vh == e.vh) {
                        if (g->e[k].ts <= ts) {
                            memmove(g->e + k, g->e + k + 1, (g->ne - k - 1) * sizeof *g->e);
                            g->ne--;
                        } else {
                            add = false;
                        }
                        break;
                    }
            }
            if (add && ent_add(g, e,
                               co->type == SG_C_TEMPORAL_ORDERED ? SG_CORR_MAX_ORDERED
                                                                 : UINT32_MAX) != CANH_OK)
                return CANH_ENOMEM;
            bool fire;
            if (co->type == SG_C_TEMPORAL_ORDERED)
                fire = ordered(g, co->nref);
            else if (co->type == SG_C_TEMPORAL)
                fire = distinct(g) >= co->nref;
            else
                fire = g->ne >= co->thr;
            if (fire) {
                s->fired[s->active[a]] = seq;
                int rc = 0;
                if (!SG_AT(r->rules, sg_rule_t, co->rule)->nogen) {
                    rc = raise_corr(s, co, g, gv, ev, fn, ud);
                    if (rc == 0)
                        ++*alerts;
                }
                g->ne = 0; /* alert once; a continuing attack needs a new threshold */
                if (rc)
                    return rc < 0 ? rc : 1;
            }
            /* One event counts once per correlation, even if it matches
             * several of its rules (temporal: its first matching rule). */
            break;
        }
    }
    return CANH_OK;
}
