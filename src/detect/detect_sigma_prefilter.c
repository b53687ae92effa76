/* detect_sigma_prefilter.c - what makes the rule set fast: per log-source
 * route, the rules it holds, each rule's anchor literals, and one Hyperscan
 * literal database per (route, field) holding every literal of the route's
 * rules on that field.
 *
 * Anchors: for each rule, a set of literal matchers such that the rule can
 * only match when one of them occurs (for `a and b` the better of a's and
 * b's sets, for `a or b` their union, nothing for `not`). At run time the
 * databases holding anchors are scanned first; a rule none of whose anchors
 * occurred is never evaluated. Rules without an anchor set (only `not`,
 * regexes, null tests...) are evaluated for every event of their route.
 *
 * The databases also decide the literal matchers themselves (equals, starts
 * with, ends with, contains): the callback checks the match position, so a
 * rule's literal tests cost nothing more once the field was scanned.
 *
 * Without Hyperscan support on the CPU (hs_valid_platform fails) every rule
 * is evaluated directly: slower, same results. */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"
#include "detect_sigma_int.h"

/* ---- anchors ----------------------------------------------------------------------- */

typedef struct aset {
    uint32_t *m; /* matcher ids */
    uint32_t n, cap;
    uint32_t minlen; /* shortest anchor literal */
    bool none;       /* no anchor set exists */
} aset_t;

static void aset_free(aset_t *s)
{
    canh_free(s->m);
    memset(s, 0, sizeof *s);
}

static int aset_add(aset_t *s, uint32_t m, uint32_t len)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        uint32_t *nm = canh_reallocarray(s->m, cap, sizeof *nm);
        if (!nm)
            return CANH_ENOMEM;
        s->m = nm;
        s->cap = cap;
    }
    if (s->n == 0 || len < s->minlen)
        s->minlen = len;
    s->m[s->n++] = m;
    return CANH_OK;
}

static bool anchorable(const sg_matcher_t *m)
{
    return m->alen > 0 && m->kind <= SG_M_GLOB && m->kind != SG_M_ANY;
}

/* b better than a: longer shortest literal, then fewer literals. */
static bool better(const aset_t *a, const aset_t *b)
{
    if (a->none)
        return !b->none;
    if (b->none)
        return false;
    /* Literals of 4+ bytes are all good; below that, length matters. */
    uint32_t la = a->minlen < 4 ? a->minlen : 4, lb = b->minlen < 4 ? b->minlen : 4;
    if (lb != la)
        return lb > la;
    return b->n < a->n;
}

static int val_set(const canh_rules_t *r, const sg_val_t *v, aset_t *out)
{
    for (uint32_t k = 0; k < v->nm; k++) {
        const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, v->m + k);
        if (!anchorable(m)) {
            out->none = true;
            return CANH_OK;
        }
        if (aset_add(out, v->m + k, m->alen))
            return CANH_ENOMEM;
    }
    if (v->nm == 0)
        out->none = true;
    return CANH_OK;
}

static int anchors(const canh_rules_t *r, uint32_t node, aset_t *out, int depth)
{
    const sg_node_t *nd = SG_AT(r->nodes, sg_node_t, node);
    memset(out, 0, sizeof *out);
    if (depth > 4 * SG_MAX_COND_DEPTH + 16) {
        out->none = true;
        return CANH_OK;
    }
    switch (nd->op) {
    case SG_N_ATOM: {
        const sg_atom_t *a = SG_AT(r->atoms, sg_atom_t, nd->a);
        if (a->all) { /* any one value's variants suffice: the best */
            out->none = true;
            for (uint32_t i = 0; i < a->nval; i++) {
                aset_t s = {0};
                if (val_set(r, SG_AT(r->vals, sg_val_t, a->val + i), &s)) {
                    aset_free(&s);
                    return CANH_ENOMEM;
                }
                if (better(out, &s)) {
                    aset_free(out);
                    *out = s;
                } else {
                    aset_free(&s);
                }
            }
            return CANH_OK;
        }
        for (uint32_t i = 0; i < a->nval && !out->none; i++)
            if (val_set(r, SG_AT(r->vals, sg_val_t, a->val + i), out))
                return CANH_ENOMEM;
        if (out->none)
            aset_free(out), out->none = true;
        return CANH_OK;
    }
    case SG_N_AND: {
        out->none = true;
        for (uint32_t i = 0; i < nd->n; i++) {
            aset_t s;
            if (anchors(r, *SG_AT(r->kids, uint32_t, nd->a + i), &s, depth + 1)) {
                aset_free(&s);
                return CANH_ENOMEM;
            }
            if (better(out, &s)) {
                aset_free(out);
                *out = s;
            } else {
                aset_free(&s);
            }
        }
        return CANH_OK;
    }
    case SG_N_OR: {
        for (uint32_t i = 0; i < nd->n; i++) {
            aset_t s;
            if (anchors(r, *SG_AT(r->kids, uint32_t, nd->a + i), &s, depth + 1)) {
                aset_free(&s);
                return CANH_ENOMEM;
            }
            if (s.none) {
                aset_free(&s);
                aset_free(out);
                out->none = true;
                return CANH_OK;
            }
            for (uint32_t k = 0; k < s.n; k++) {
                const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, s.m[k]);
                if (aset_add(out, s.m[k], m->alen)) {
                    aset_free(&s);
                    return CANH_ENOMEM;
                }
            }
            aset_free(&s);
        }
        if (nd->n == 0)
            out->none = true;
        return CANH_OK;
    }
    default: out->none = true; return CANH_OK;
    }
}

/* ---- databases ---------------------------------------------------------------------------- */

#define OWNER_ROUTES UINT32_MAX        /* bucket of the routes' own tests */
#define OWNER_PRODUCT (UINT32_MAX - 1) /* keyword buckets count down from here */

/* The keyword bucket owner of a route: one per product (the route key's
 * part before the first '/'); SG_NONE on ENOMEM. */
static uint32_t product_group(sg_tab_t *t, const char *key)
{
    size_t n = strcspn(key, "/");
    uint32_t g = sg_tab_get(t, key, n);
    if (g == SG_NONE) {
        g = OWNER_PRODUCT - t->n;
        if (sg_tab_put(t, key, n, g) != CANH_OK)
            return SG_NONE;
    }
    return g;
}

/* Literal matchers (and glob anchors) of one field, for one owner. */
typedef struct bucket {
    uint32_t routes, fref;
    uint32_t *m;
    uint32_t n, cap;
} bucket_t;

static bool rule_runs(const sg_rule_t *ru)
{
    return ru->st != CANH_RULE_FAILED && !ru->disabled && ru->root != SG_NONE;
}

static bool in_db(const sg_matcher_t *m)
{
    return (m->kind <= SG_M_CONTAINS && m->len > 0) || (m->kind == SG_M_GLOB && m->anchor);
}

static bool eq_test(const sg_matcher_t *m)
{
    return m->kind == SG_M_EQ && m->len <= SG_EQ_MAX;
}

/* The equality tables of a bucket: runs of matcher ids per literal. */
static int build_eq(canh_rules_t *r, bucket_t *b, sg_db_t *db, uint32_t neq)
{
    db->eq_ids = canh_arena_alloc(&r->arena, (2 * (size_t)neq + 1) * sizeof *db->eq_ids);
    if (!db->eq_ids)
        return CANH_ENOMEM;
    /* Group equal keys: sort (key, id) pairs by building runs in order of
     * first appearance, one pass per distinct key. */
    uint32_t o = 0;
    uint8_t *done = canh_calloc(b->n + 1, 1);
    if (!done)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    for (uint32_t i = 0; i < b->n && rc == CANH_OK; i++) {
        const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, b->m[i]);
        if (done[i] || !eq_test(m))
            continue;
        char key[SG_EQ_MAX + 1];
        for (uint32_t k = 0; k < m->len; k++)
            key[k] = m->cased ? m->lit[k] : (char)sg_lower((unsigned char)m->lit[k]);
        char *kc = canh_arena_strndup(&r->arena, key, m->len);
        sg_tab_t *t = m->cased ? &db->eqc : &db->eq;
        if (!kc || sg_tab_put(t, kc, m->len, o) != CANH_OK) {
            rc = CANH_ENOMEM;
            break;
        }
        for (uint32_t j = i; j < b->n; j++) {
            const sg_matcher_t *mj = SG_AT(r->matchers, sg_matcher_t, b->m[j]);
            if (done[j] || !eq_test(mj) || mj->cased != m->cased || mj->len != m->len)
                continue;
            bool same = true;
            for (uint32_t k = 0; k < m->len && same; k++)
                same =
                    (m->cased ? mj->lit[k] : (char)sg_lower((unsigned char)mj->lit[k])) == key[k];
            if (!same)
                continue;
            done[j] = 1;
            db->eq_ids[o++] = b->m[j];
        }
        db->eq_ids[o++] = SG_NONE;
    }
    canh_free(done);
    return rc;
}

static int build_db(canh_rules_t *r, bucket_t *b, sg_db_t *db)
{
    const char **lits = canh_calloc(b->n, sizeof *lits);
    unsigned *flags = canh_calloc(b->n, sizeof *flags);
    unsigned *ids = canh_calloc(b->n, sizeof *ids);
    size_t *lens = canh_calloc(b->n, sizeof *lens);
    uint32_t nhs = 0, neq = 0;
    int rc = CANH_OK;
    sg_tab_init(&db->eq);
    sg_tab_init(&db->eqc);
    if (!lits || !flags || !ids || !lens) {
        rc = CANH_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, b->m[i]);
        db->anchors |= m->anchor;
        if (eq_test(m)) {
            neq++;
            continue;
        }
        bool glob = m->kind == SG_M_GLOB;
        lits[nhs] = glob ? m->alit : m->lit;
        lens[nhs] = glob ? m->alen : m->len;
        ids[nhs] = b->m[i];
        flags[nhs] =
            (m->cased ? 0 : HS_FLAG_CASELESS) | (m->kind == SG_M_SUFFIX ? 0 : HS_FLAG_SINGLEMATCH);
        nhs++;
    }
    if (neq && (rc = build_eq(r, b, db, neq)))
        goto out;
    if (nhs) {
        hs_database_t *hdb = NULL;
        hs_compile_error_t *err = NULL;
        if (hs_compile_lit_multi(lits, flags, ids, lens, nhs, HS_MODE_BLOCK, NULL, &hdb, &err) !=
            HS_SUCCESS) {
            if (err)
                hs_free_compile_error(err);
            rc = CANH_ENOTSUP;
            goto out;
        }
        db->hs = hdb;
    }
out:
    canh_free(lits);
    canh_free(flags);
    canh_free(ids);
    canh_free(lens);
    return rc;
}

/* The values a route node requires of the field in slot (event.dataset,
 * winlog.channel), or false if it does not require any. */
static bool node_eqset(const canh_rules_t *r, uint32_t node, int slot, const char **out, size_t *n,
                       size_t cap, int depth)
{
    const sg_node_t *nd = SG_AT(r->nodes, sg_node_t, node);
    if (depth > 16)
        return false;
    if (nd->op == SG_N_ATOM) {
        const sg_atom_t *a = SG_AT(r->atoms, sg_atom_t, nd->a);
        const sg_fref_t *f = SG_AT(r->frefs, sg_fref_t, a->fref);
        if (f->kind != SG_FREF_FIRST || f->ncand != 1 || a->all ||
            SG_AT(r->cands, sg_cand_t, f->cand)->slot != slot)
            return false;
        for (uint32_t i = 0; i < a->nval; i++) {
            const sg_val_t *v = SG_AT(r->vals, sg_val_t, a->val + i);
            for (uint32_t k = 0; k < v->nm; k++) {
                const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, v->m + k);
                if (m->kind != SG_M_EQ || m->cased || *n == cap)
                    return false;
                out[(*n)++] = m->lit;
            }
        }
        return true;
    }
    if (nd->op == SG_N_AND) {
        for (uint32_t i = 0; i < nd->n; i++) {
            size_t save = *n;
            if (node_eqset(r, *SG_AT(r->kids, uint32_t, nd->a + i), slot, out, n, cap, depth + 1))
                return true;
            *n = save;
        }
        return false;
    }
    if (nd->op == SG_N_OR) {
        for (uint32_t i = 0; i < nd->n; i++)
            if (!node_eqset(r, *SG_AT(r->kids, uint32_t, nd->a + i), slot, out, n, cap, depth + 1))
                return false;
        return nd->n > 0;
    }
    return false;
}

/* The channel sub-index of one dataset's routes (worth it from 8 routes
 * with a channel test on). */
static int index_channels(canh_rules_t *r, sg_dslist_t *dl, const uint32_t *routes, uint32_t n)
{
    const char *ch[256];
    size_t nch;
    uint32_t with = 0;
    for (uint32_t i = 0; i < n; i++) {
        nch = 0;
        const sg_route_t *rt = SG_AT(r->routes, sg_route_t, routes[i]);
        if (node_eqset(r, rt->node, CANH_F_WINLOG_CHANNEL, ch, &nch, 256, 0) && nch)
            with++;
    }
    if (with < 8)
        return CANH_OK;
    /* Lists are sized for the worst case (every route in every list). */
    uint32_t nl = 0, cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        nch = 0;
        const sg_route_t *rt = SG_AT(r->routes, sg_route_t, routes[i]);
        if (node_eqset(r, rt->node, CANH_F_WINLOG_CHANNEL, ch, &nch, 256, 0))
            cap += (uint32_t)nch;
    }
    dl->by_chan = canh_arena_alloc(&r->arena, (cap + 1) * sizeof *dl->by_chan);
    uint32_t *fill = canh_calloc(cap + 1, sizeof *fill);
    dl->rest = canh_arena_alloc(&r->arena, (n + 1) * sizeof *dl->rest);
    if (!dl->by_chan || !fill || !dl->rest) {
        canh_free(fill);
        return CANH_ENOMEM;
    }
    uint32_t nrest = 0;
    for (uint32_t i = 0; i < n; i++) {
        nch = 0;
        const sg_route_t *rt = SG_AT(r->routes, sg_route_t, routes[i]);
        if (!node_eqset(r, rt->node, CANH_F_WINLOG_CHANNEL, ch, &nch, 256, 0) || nch == 0) {
            dl->rest[nrest++] = routes[i];
            continue;
        }
        for (size_t k = 0; k < nch; k++) {
            char low[256];
            size_t l = strlen(ch[k]);
            if (l >= sizeof low)
                l = sizeof low - 1;
            for (size_t j = 0; j < l; j++)
                low[j] = (char)sg_lower((unsigned char)ch[k][j]);
            uint32_t li = sg_tab_get(&dl->chan, low, l);
            if (li == SG_NONE) {
                char *key = canh_arena_strndup(&r->arena, low, l);
                li = nl++;
                dl->by_chan[li] = canh_arena_alloc(&r->arena, (n + 1) * sizeof **dl->by_chan);
                if (!key || !dl->by_chan[li] || sg_tab_put(&dl->chan, key, l, li) != CANH_OK) {
                    canh_free(fill);
                    return CANH_ENOMEM;
                }
            }
            uint32_t *lst = dl->by_chan[li];
            if (fill[li] == 0 || lst[fill[li] - 1] != routes[i])
                lst[fill[li]++] = routes[i];
        }
    }
    for (uint32_t i = 0; i < nl; i++)
        dl->by_chan[i][fill[i]] = SG_NONE;
    dl->rest[nrest] = SG_NONE;
    dl->indexed = true;
    canh_free(fill);
    return CANH_OK;
}

static int index_datasets(canh_rules_t *r)
{
    const char *ds[512];
    uint32_t *counts = NULL;
    int rc = CANH_OK;
    uint32_t nany = 0;
    r->any_routes = canh_arena_alloc(&r->arena, (r->routes.n + 1) * sizeof *r->any_routes);
    if (!r->any_routes)
        return CANH_ENOMEM;
    /* Two passes: collect dataset -> routes into a table of growable lists. */
    typedef struct dl {
        uint32_t *v;
        uint32_t n, cap;
    } dl_t;
    dl_t *lists = NULL;
    uint32_t nlists = 0, caplists = 0;
    for (uint32_t i = 0; i < r->routes.n; i++) {
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, i);
        size_t n = 0;
        if (rt->nrules == 0)
            continue;
        if (rt->node == SG_NONE || !node_eqset(r, rt->node, CANH_F_EVENT_DATASET, ds, &n, 512, 0) ||
            n == 0) {
            r->any_routes[nany++] = i;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            char low[128];
            size_t l = strlen(ds[k]);
            if (l >= sizeof low) {
                l = sizeof low - 1;
            }
            for (size_t j = 0; j < l; j++)
                low[j] = (char)sg_lower((unsigned char)ds[k][j]);
            uint32_t li = sg_tab_get(&r->ds_tab, low, l);
            if (li == SG_NONE) {
                if (nlists == caplists) {
                    uint32_t cap = caplists ? caplists * 2 : 16;
                    dl_t *nl = canh_reallocarray(lists, cap, sizeof *nl);
                    if (!nl) {
                        rc = CANH_ENOMEM;
                        goto out;
                    }
                    lists = nl;
                    caplists = cap;
                }
                li = nlists++;
                memset(&lists[li], 0, sizeof lists[li]);
                char *key = canh_arena_strndup(&r->arena, low, l);
                if (!key || sg_tab_put(&r->ds_tab, key, l, li) != CANH_OK) {
                    rc = CANH_ENOMEM;
                    goto out;
                }
            }
            if (!lists || li >= nlists) /* cannot happen: the table indexes lists */
                continue;
            dl_t *d = &lists[li];
            if (d->n && d->v[d->n - 1] == i)
                continue;
            if (d->n == d->cap) {
                uint32_t cap = d->cap ? d->cap * 2 : 4;
                uint32_t *nv = canh_reallocarray(d->v, cap, sizeof *nv);
                if (!nv) {
                    rc = CANH_ENOMEM;
                    goto out;
                }
                d->v = nv;
                d->cap = cap;
            }
            d->v[d->n++] = i;
        }
    }
    r->any_routes[nany] = SG_NONE;
    r->nany = nany;
    r->ds_lists = canh_arena_alloc(&r->arena, (nlists ? nlists : 1) * sizeof *r->ds_lists);
    if (!r->ds_lists) {
        rc = CANH_ENOMEM;
        goto out;
    }
    memset(r->ds_lists, 0, (nlists ? nlists : 1) * sizeof *r->ds_lists);
    r->nds_lists = nlists;
    for (uint32_t i = 0; i < nlists; i++) {
        uint32_t *v = canh_arena_alloc(&r->arena, (lists[i].n + 1) * sizeof *v);
        if (!v) {
            rc = CANH_ENOMEM;
            goto out;
        }
        memcpy(v, lists[i].v, lists[i].n * sizeof *v);
        v[lists[i].n] = SG_NONE;
        sg_tab_init(&r->ds_lists[i].chan);
        r->ds_lists[i].routes = v;
        if ((rc = index_channels(r, &r->ds_lists[i], v, lists[i].n)))
            goto out;
    }
out:
    for (uint32_t i = 0; i < nlists; i++)
        canh_free(lists[i].v);
    canh_free(lists);
    canh_free(counts);
    return rc;
}

/* route->adb: the databases where its rules have anchors, each once. */
static int route_dbs(canh_rules_t *r)
{
    uint32_t *cnt = canh_calloc(r->routes.n + 1, sizeof *cnt);
    uint32_t *last = canh_calloc(r->dbs.n + 1, sizeof *last);
    int rc = CANH_OK;
    if (!cnt || !last) {
        rc = CANH_ENOMEM;
        goto out;
    }
    /* Pass 0 counts an upper bound per route (last[db] = route + 1 drops
     * the common repeats), pass 1 fills with exact deduplication. */
    for (int pass = 0; pass < 2; pass++) {
        memset(last, 0, (r->dbs.n + 1) * sizeof *last);
        for (uint32_t i = 0; pass == 1 && i < r->routes.n; i++) {
            sg_route_t *rt = SG_AT(r->routes, sg_route_t, i);
            rt->adb = canh_arena_alloc(&r->arena, (cnt[i] + 1) * sizeof *rt->adb);
            rt->nadb = 0;
            if (!rt->adb) {
                rc = CANH_ENOMEM;
                goto out;
            }
        }
        for (uint32_t i = 0; i < r->matchers.n; i++) {
            const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, i);
            if (!m->anchor || m->db == SG_NONE || m->rule == SG_NONE)
                continue;
            uint32_t route = SG_AT(r->rules, sg_rule_t, m->rule)->route;
            if (last[m->db] == route + 1)
                continue;
            last[m->db] = route + 1;
            if (pass == 0) {
                cnt[route]++;
                continue;
            }
            sg_route_t *rt = SG_AT(r->routes, sg_route_t, route);
            bool dup = false;
            for (uint32_t k = 0; k < rt->nadb && !dup; k++)
                dup = rt->adb[k] == m->db;
            if (!dup)
                rt->adb[rt->nadb++] = m->db;
        }
    }
out:
    canh_free(cnt);
    canh_free(last);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_bucket(const void *a, const void *b)
{
    const bucket_t *x = a, *y = b;
    if (x->routes != y->routes)
        return x->routes < y->routes ? -1 : 1;
    return x->fref < y->fref ? -1 : x->fref > y->fref;
}

int sg_prefilter_build(canh_rules_t *r, canh_errbuf_t *eb)
{
    int rc = CANH_OK;
    bucket_t *bk = NULL;
    uint32_t nbk = 0, capbk = 0;
    sg_tab_t btab, ptab;
    sg_tab_init(&btab);
    sg_tab_init(&ptab);
    r->prefilter = hs_valid_platform() == HS_SUCCESS;
    r->nenabled = 0;

    /* 1. Routes' rule lists. */
    uint32_t *counts = canh_calloc(r->routes.n + 1, sizeof *counts);
    if (!counts) {
        rc = CANH_ENOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < r->rules.n; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (rule_runs(ru))
            counts[ru->route]++;
    }
    for (uint32_t i = 0; i < r->routes.n; i++) {
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, i);
        rt->rules = canh_arena_alloc(&r->arena, (counts[i] + 1) * sizeof *rt->rules);
        rt->always = canh_arena_alloc(&r->arena, (counts[i] + 1) * sizeof *rt->always);
        if (!rt->rules || !rt->always) {
            rc = CANH_ENOMEM;
            goto out;
        }
        rt->nrules = rt->nalways = 0;
        rt->adb = NULL;
        rt->nadb = 0;
    }

    /* 2. Anchors per rule. */
    for (uint32_t i = 0; i < r->rules.n; i++) {
        sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (!rule_runs(ru))
            continue;
        r->nenabled++;
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, ru->route);
        rt->rules[rt->nrules++] = i;
        aset_t s;
        if (anchors(r, ru->root, &s, 0)) {
            aset_free(&s);
            rc = CANH_ENOMEM;
            goto out;
        }
        ru->has_anchor = r->prefilter && !s.none && s.n > 0;
        if (ru->has_anchor)
            for (uint32_t k = 0; k < s.n; k++)
                SG_AT(r->matchers, sg_matcher_t, s.m[k])->anchor = 1;
        aset_free(&s);
    }

    /* 3. Buckets of literal matchers per (route, field). */
    for (uint32_t ai = 0; ai < r->atoms.n && r->prefilter; ai++) {
        const sg_atom_t *a = SG_AT(r->atoms, sg_atom_t, ai);
        for (uint32_t vi = 0; vi < a->nval; vi++) {
            const sg_val_t *v = SG_AT(r->vals, sg_val_t, a->val + vi);
            for (uint32_t k = 0; k < v->nm; k++) {
                uint32_t mi = v->m + k;
                const sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, mi);
                /* Whose database: a route's own tests (event.dataset,
                 * winlog.channel...) share one per field, so trying a
                 * hundred routes costs a few scans; keyword literals share
                 * one per product (a syslog line belongs to several linux
                 * routes that all search the same raw text, while a
                 * Windows record's 4 KB of JSON should meet only the few
                 * Windows keywords); other literals go to a database of
                 * their rule's route and field, so an event meets only the
                 * literals of the routes it belongs to. */
                uint32_t owner;
                if (m->rule == SG_NONE) {
                    if (m->kind > SG_M_CONTAINS || m->len == 0)
                        continue;
                    owner = OWNER_ROUTES;
                } else {
                    const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, m->rule);
                    if (!in_db(m) || !rule_runs(ru))
                        continue;
                    owner = ru->route;
                    if (SG_AT(r->frefs, sg_fref_t, a->fref)->kind == SG_FREF_KEYWORDS) {
                        owner = product_group(&ptab, SG_AT(r->routes, sg_route_t, ru->route)->key);
                        if (owner == SG_NONE) {
                            rc = CANH_ENOMEM;
                            goto out;
                        }
                    }
                }
                uint32_t key[2] = {owner, a->fref};
                uint32_t bi = sg_tab_get(&btab, (const char *)key, sizeof key);
                if (bi == SG_NONE) {
                    if (nbk == capbk) {
                        uint32_t cap = capbk ? capbk * 2 : 64;
                        bucket_t *nb = canh_reallocarray(bk, cap, sizeof *nb);
                        if (!nb) {
                            rc = CANH_ENOMEM;
                            goto out;
                        }
                        bk = nb;
                        capbk = cap;
                    }
                    bi = nbk++;
                    memset(&bk[bi], 0, sizeof bk[bi]);
                    bk[bi].routes = owner;
                    bk[bi].fref = a->fref;
                    char *kc = canh_arena_alloc(&r->arena, sizeof key);
                    if (!kc) {
                        rc = CANH_ENOMEM;
                        goto out;
                    }
                    memcpy(kc, key, sizeof key);
                    if (sg_tab_put(&btab, kc, sizeof key, bi) != CANH_OK) {
                        rc = CANH_ENOMEM;
                        goto out;
                    }
                }
                if (!bk || bi >= nbk) /* cannot happen: the table indexes bk */
                    continue;
                bucket_t *b = &bk[bi];
                if (b->n == b->cap) {
                    uint32_t cap = b->cap ? b->cap * 2 : 16;
                    uint32_t *nm = canh_reallocarray(b->m, cap, sizeof *nm);
                    if (!nm) {
                        rc = CANH_ENOMEM;
                        goto out;
                    }
                    b->m = nm;
                    b->cap = cap;
                }
                b->m[b->n++] = mi;
            }
        }
    }

    /* 4. One database per bucket, grouped by route. The bucket table's
     * indexes die with the sort, so it is freed first. */
    sg_tab_fini(&btab);
    if (nbk > 1)
        qsort(bk, nbk, sizeof *bk, cmp_bucket);
    for (uint32_t i = 0; i < nbk; i++) {
        bucket_t *b = &bk[i];
        uint32_t di = sg_vec_push(&r->dbs);
        if (di == SG_NONE) {
            rc = CANH_ENOMEM;
            goto out;
        }
        sg_db_t *db = SG_AT(r->dbs, sg_db_t, di);
        db->fref = b->fref;
        db->routes = b->routes == OWNER_ROUTES;
        int brc = build_db(r, b, db);
        if (brc == CANH_ENOMEM) {
            rc = brc;
            goto out;
        }
        for (uint32_t k = 0; k < b->n; k++) {
            sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, b->m[k]);
            if (brc == CANH_OK) {
                m->db = di;
            } else if (m->rule != SG_NONE) {
                /* Hyperscan refused the literals: evaluate them directly
                 * and run the rules that relied on them for every event. */
                if (m->anchor)
                    SG_AT(r->rules, sg_rule_t, m->rule)->has_anchor = 0;
                m->anchor = 0;
            }
        }
    }

    /* 5. Per route, the databases holding its rules' anchors. */
    if ((rc = route_dbs(r)))
        goto out;

    /* 6. Rules without anchors run for every event of their route. */
    for (uint32_t i = 0; i < r->routes.n; i++) {
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, i);
        for (uint32_t k = 0; k < rt->nrules; k++)
            if (!SG_AT(r->rules, sg_rule_t, rt->rules[k])->has_anchor)
                rt->always[rt->nalways++] = rt->rules[k];
        if (rt->nalways > 1)
            qsort(rt->always, rt->nalways, sizeof *rt->always, cmp_u32);
    }
    rc = index_datasets(r);
out:
    sg_tab_fini(&btab);
    sg_tab_fini(&ptab);
    for (uint32_t i = 0; i < nbk; i++)
        canh_free(bk[i].m);
    canh_free(bk);
    canh_free(counts);
    if (rc == CANH_ENOMEM)
        canh_errf(eb, rc, "sigma: out of memory while building the prefilter");
    return rc;
}

void sg_prefilter_free(canh_rules_t *r)
{
    for (uint32_t i = 0; i < r->nds_lists; i++)
        sg_tab_fini(&r->ds_lists[i].chan);
    for (uint32_t i = 0; i < r->dbs.n; i++) {
        sg_db_t *db = SG_AT(r->dbs, sg_db_t, i);
        if (db->hs)
            hs_free_database(db->hs);
        db->hs = NULL;
        sg_tab_fini(&db->eq);
        sg_tab_fini(&db->eqc);
    }
}
