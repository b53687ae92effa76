/* detect_sigma_rule.c - one Sigma rule document into a compiled rule:
 * metadata (carried into alerts), the log source (a route), the detection
 * section's search identifiers and its condition.
 *
 * A rule that cannot be compiled is still appended, with status FAILED and
 * the reason, so that it can be reported with its file and line; whatever
 * nodes and matchers it had created are rolled back. A rule that compiles
 * but uses something only partly supported (an unknown log source, an
 * expand placeholder without values) is PARTIAL with the first reason. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"
#include "detect_sigma_int.h"

/* ---- messages ------------------------------------------------------------------------- */

int sg_fail(sg_cc_t *cc, struct fy_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cc->why, sizeof cc->why, fmt, ap);
    va_end(ap);
    cc->line = sg_line(at, cc->at_key ? sg_line(cc->at_key, cc->line) : cc->line);
    return CANH_EINVAL;
}

void sg_partial(sg_cc_t *cc, struct fy_node *at, const char *fmt, ...)
{
    if (cc->partial)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cc->pwhy, sizeof cc->pwhy, fmt, ap);
    va_end(ap);
    cc->pline = sg_line(at, cc->line);
    cc->partial = true;
}

/* ---- nodes ------------------------------------------------------------------------------ */

uint32_t sg_node_new(sg_cc_t *cc, uint8_t op, uint32_t a, uint32_t n)
{
    canh_rules_t *r = cc->r;
    /* Nodes and child links both count: evaluation visits each. */
    if ((r->nodes.n - cc->nodes_at_start) + (r->kids.n - cc->kids_at_start) >= SG_MAX_RULE_NODES)
        return SG_NONE;
    uint32_t i = sg_vec_push(&r->nodes);
    if (i == SG_NONE)
        return SG_NONE;
    *SG_AT(r->nodes, sg_node_t, i) = (sg_node_t){op, a, n};
    return i;
}

uint32_t sg_node_list(sg_cc_t *cc, uint8_t op, const uint32_t *kids, uint32_t n)
{
    canh_rules_t *r = cc->r;
    uint32_t first = r->kids.n;
    if ((r->nodes.n - cc->nodes_at_start) + (r->kids.n - cc->kids_at_start) + n >=
        SG_MAX_RULE_NODES)
        return SG_NONE;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = sg_vec_push(&r->kids);
        if (k == SG_NONE)
            return SG_NONE;
        *SG_AT(r->kids, uint32_t, k) = kids[i];
    }
    return sg_node_new(cc, op, first, n);
}

void sg_rollback(canh_rules_t *r, uint32_t nodes, uint32_t kids, uint32_t atoms, uint32_t vals,
                 uint32_t matchers)
{
    for (uint32_t i = matchers; i < r->matchers.n; i++)
        sg_matcher_free(SG_AT(r->matchers, sg_matcher_t, i));
    r->nodes.n = nodes;
    r->kids.n = kids;
    r->atoms.n = atoms;
    r->vals.n = vals;
    r->matchers.n = matchers;
}

/* ---- field references --------------------------------------------------------------------- */

static uint32_t fref_make(canh_rules_t *r, const char *const *names, size_t n, uint8_t kind)
{
    char key[SG_MAX_CANDIDATES * (SG_MAX_FIELD + 80) + 4];
    size_t kl = 0;
    key[kl++] = (char)('0' + kind);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (kl + l + 2 > sizeof key)
            return SG_NONE;
        key[kl++] = '\x1f';
        memcpy(key + kl, names[i], l);
        kl += l;
    }
    uint32_t id = sg_tab_get(&r->fref_tab, key, kl);
    if (id != SG_NONE)
        return id;
    char *k = canh_arena_strndup(&r->arena, key, kl);
    uint32_t first = r->cands.n;
    for (size_t i = 0; i < n && k; i++) {
        uint32_t c = sg_vec_push(&r->cands);
        if (c == SG_NONE)
            return SG_NONE;
        size_t l = strlen(names[i]);
        sg_cand_t *cd = SG_AT(r->cands, sg_cand_t, c);
        cd->name = canh_arena_strndup(&r->arena, names[i], l);
        cd->len = (uint32_t)l;
        cd->slot = canh_field_lookup(names[i], l);
        if (!cd->name)
            return SG_NONE;
    }
    if (!k)
        return SG_NONE;
    id = sg_vec_push(&r->frefs);
    if (id == SG_NONE)
        return SG_NONE;
    sg_fref_t *f = SG_AT(r->frefs, sg_fref_t, id);
    f->cand = first;
    f->ncand = (uint32_t)n;
    f->kind = kind;
    f->key = k;
    if (sg_tab_put(&r->fref_tab, k, kl, id) != CANH_OK)
        return SG_NONE;
    return id;
}

uint32_t sg_fref_keywords(canh_rules_t *r)
{
    return fref_make(r, NULL, 0, SG_FREF_KEYWORDS);
}

uint32_t sg_fref_plain(canh_rules_t *r, const char *name, size_t n)
{
    char buf[SG_MAX_FIELD + 1];
    if (n > SG_MAX_FIELD)
        return SG_NONE;
    memcpy(buf, name, n);
    buf[n] = '\0';
    const char *names[1] = {buf};
    return fref_make(r, names, 1, SG_FREF_FIRST);
}

int sg_fref_resolve(sg_cc_t *cc, struct fy_node *at, const char *field, size_t flen, uint32_t *out)
{
    const char *names[SG_MAX_CANDIDATES];
    char buf[SG_MAX_CANDIDATES * (SG_MAX_FIELD + 80)];
    bool any = false;
    size_t n;
    if (flen == 0 || flen > SG_MAX_FIELD)
        return sg_fail(cc, at, "field name must be 1-%d bytes", SG_MAX_FIELD);
    if (memchr(field, '\0', flen))
        return sg_fail(cc, at, "field name holds a NUL byte");
    if (cc->rule == SG_NONE) { /* routes: event fields as written */
        memcpy(buf, field, flen);
        buf[flen] = '\0';
        names[0] = buf;
        n = 1;
    } else {
        n = sg_maps_field(cc->r->maps, &cc->ls, field, flen, names, buf, sizeof buf, &any);
    }
    uint32_t id = fref_make(cc->r, names, n, any ? SG_FREF_ANY : SG_FREF_FIRST);
    if (id == SG_NONE)
        return CANH_ENOMEM;
    *out = id;
    return CANH_OK;
}

/* ---- routes ---------------------------------------------------------------------------------- */

/* event field == value (case-insensitive), as a node. */
static uint32_t eq_node(sg_cc_t *cc, const char *field, const char *value)
{
    canh_rules_t *r = cc->r;
    uint32_t fr = sg_fref_plain(r, field, strlen(field));
    uint32_t mi = sg_vec_push(&r->matchers);
    uint32_t vi = sg_vec_push(&r->vals);
    uint32_t ai = sg_vec_push(&r->atoms);
    char *lit = canh_arena_strndup(&r->arena, value, strlen(value));
    if (fr == SG_NONE || mi == SG_NONE || vi == SG_NONE || ai == SG_NONE || !lit)
        return SG_NONE;
    sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, mi);
    m->kind = SG_M_EQ;
    m->db = m->rule = SG_NONE;
    m->lit = m->alit = lit;
    m->len = m->alen = (uint32_t)strlen(value);
    *SG_AT(r->vals, sg_val_t, vi) = (sg_val_t){mi, 1};
    *SG_AT(r->atoms, sg_atom_t, ai) = (sg_atom_t){fr, vi, 1, 0};
    return sg_node_new(cc, SG_N_ATOM, ai, 0);
}

/* Finds or builds the route for the rule's logsource; marks cc partial
 * when the log source had no exact entry. */
static int route_for(sg_cc_t *cc, struct fy_node *lsn, uint32_t *out)
{
    canh_rules_t *r = cc->r;
    char key[3 * 130];
    snprintf(key, sizeof key, "%s/%s/%s", cc->ls.product ? cc->ls.product : "",
             cc->ls.category ? cc->ls.category : "", cc->ls.service ? cc->ls.service : "");
    for (char *p = key; *p; p++)
        *p = (char)sg_lower((unsigned char)*p);
    uint32_t id = sg_tab_get(&r->route_tab, key, strlen(key));
    if (id == SG_NONE) {
        sg_route_def_t def = sg_maps_route(r->maps, &cc->ls);
        sg_cc_t rc2 = {.r = r, .file = cc->file, .rule = SG_NONE, .line = cc->line};
        rc2.nodes_at_start = r->nodes.n;
        rc2.kids_at_start = r->kids.n;
        rc2.matchers_at_start = r->matchers.n;
        rc2.bytes_at_start = r->arena.used;
        uint32_t node = SG_NONE;
        char why[400] = "", desc[200];
        if (def.match) {
            int rc = sg_compile_selection(&rc2, def.match, &node);
            if (rc == CANH_ENOMEM)
                return rc;
            if (rc)
                return sg_fail(cc, lsn, "logsource: the entry in %s (line %u) does not compile: %s",
                               def.name, rc2.line, rc2.why);
        } else if (!def.any) {
            /* No entry at all: events whose dataset names the product or
             * the service (a JSON document may carry its own event.dataset). */
            uint32_t kids[2], nk = 0;
            const char *names[2] = {cc->ls.product, cc->ls.service};
            for (int i = 0; i < 2; i++) {
                if (!names[i] ||
                    (i == 1 && names[0] && sg_ieq(names[0], names[1], strlen(names[0]) + 1)))
                    continue;
                kids[nk++] = eq_node(&rc2, "event.dataset", names[i]);
            }
            for (uint32_t i = 0; i < nk; i++)
                if (kids[i] == SG_NONE)
                    return CANH_ENOMEM;
            node = nk == 0 ? SG_NONE : sg_node_list(&rc2, SG_N_OR, kids, nk);
            if (nk && node == SG_NONE)
                return CANH_ENOMEM;
            if (nk == 0) { /* only a category we do not know: nothing to route on */
                node = sg_node_new(&rc2, SG_N_FALSE, 0, 0);
                if (node == SG_NONE)
                    return CANH_ENOMEM;
            }
            snprintf(why, sizeof why,
                     "logsource %s has no entry in the mapping files; the rule runs on events "
                     "whose event.dataset is %s%s%s",
                     key, cc->ls.product ? cc->ls.product : "",
                     cc->ls.product && cc->ls.service && nk > 1 ? " or " : "",
                     cc->ls.service && nk > 1 ? cc->ls.service
                                              : (cc->ls.product ? "" : cc->ls.service));
            if (nk == 0)
                snprintf(why, sizeof why,
                         "logsource %s has no entry in the mapping files; the rule never runs",
                         key);
        }
        if (def.any && !def.found)
            snprintf(why, sizeof why,
                     "logsource %s has no entry of its own in the mapping files; it is routed "
                     "as %s",
                     key, sg_maps_route_desc(r->maps, def.entry, desc, sizeof desc));
        id = sg_vec_push(&r->routes);
        char *k = canh_arena_strndup(&r->arena, key, strlen(key));
        if (id == SG_NONE || !k)
            return CANH_ENOMEM;
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, id);
        rt->key = k;
        rt->node = node;
        if (why[0]) {
            rt->partial = 1;
            rt->reason = canh_arena_strndup(&r->arena, why, strlen(why));
            if (!rt->reason)
                return CANH_ENOMEM;
        }
        if (sg_tab_put(&r->route_tab, k, strlen(k), id) != CANH_OK)
            return CANH_ENOMEM;
    }
    sg_route_t *rt = SG_AT(r->routes, sg_route_t, id);
    if (rt->partial)
        sg_partial(cc, lsn, "%s", rt->reason);
    *out = id;
    return CANH_OK;
}

/* ---- metadata ------------------------------------------------------------------------------- */

static const char *adup(canh_rules_t *r, struct fy_node *n)
{
    size_t len;
    const char *t = sg_text(n, &len);
    return t ? canh_arena_strndup(&r->arena, t, len) : NULL;
}

/* An optional string key; CANH_EINVAL if present but not a string. */
static int meta_str(sg_cc_t *cc, struct fy_node *root, const char *key, const char **out)
{
    struct fy_node *v = sg_get(root, key);
    *out = NULL;
    if (!v || sg_is_null(v))
        return CANH_OK;
    if (!sg_is_scalar(v))
        return sg_fail(cc, v, "%s: expected a string", key);
    *out = adup(cc->r, v);
    return *out ? CANH_OK : CANH_ENOMEM;
}

/* A list of strings (or one string) as a JSON array; techniques from tags. */
static int meta_list(sg_cc_t *cc, struct fy_node *root, const char *key, const char **json,
                     const char **tech)
{
    struct fy_node *v = sg_get(root, key);
    const char *items[256], *techs[256];
    char tbuf[256][24];
    size_t n = 0, nt = 0;
    *json = NULL;
    if (tech)
        *tech = NULL;
    if (!v || sg_is_null(v))
        return CANH_OK;
    if (sg_is_scalar(v)) {
        items[n++] = adup(cc->r, v);
        if (!items[0])
            return CANH_ENOMEM;
    } else if (sg_is_seq(v)) {
        void *it = NULL;
        struct fy_node *c;
        while ((c = sg_seq_next(v, &it)) && n < 256) {
            if (sg_is_null(c))
                continue;
            if (!sg_is_scalar(c))
                return sg_fail(cc, c, "%s: expected a list of strings", key);
            if (!(items[n] = adup(cc->r, c)))
                return CANH_ENOMEM;
            /* attack.t1059.001 -> T1059.001 */
            const char *s = items[n];
            if (tech && nt < 256 && strncmp(s, "attack.t", 8) == 0 && s[8] >= '0' && s[8] <= '9' &&
                strlen(s + 7) < sizeof tbuf[0]) {
                snprintf(tbuf[nt], sizeof tbuf[nt], "T%s", s + 8);
                techs[nt] = tbuf[nt];
                nt++;
            }
            n++;
        }
    } else {
        return sg_fail(cc, v, "%s: expected a list of strings", key);
    }
    if (n) {
        *json = sg_json_array(&cc->r->arena, items, n);
        if (!*json)
            return CANH_ENOMEM;
    }
    if (tech && nt) {
        *tech = sg_json_array(&cc->r->arena, techs, nt);
        if (!*tech)
            return CANH_ENOMEM;
    }
    return CANH_OK;
}

static int logsource(sg_cc_t *cc, struct fy_node *root, struct fy_node **lsn)
{
    struct fy_node *ls = sg_get(root, "logsource");
    static const char *const keys[] = {"product", "category", "service"};
    const char **dst[] = {&cc->ls.product, &cc->ls.category, &cc->ls.service};
    *lsn = ls;
    if (!ls)
        return sg_fail(cc, sg_key(root, "logsource") ? sg_key(root, "logsource") : root,
                       "missing logsource");
    if (!sg_is_map(ls))
        return sg_fail(cc, ls, "logsource: expected a mapping");
    for (int i = 0; i < 3; i++) {
        struct fy_node *v = sg_get(ls, keys[i]);
        if (!v || sg_is_null(v))
            continue;
        size_t n;
        if (!sg_is_scalar(v) || !sg_text(v, &n) || n == 0 || n > 128)
            return sg_fail(cc, v, "logsource.%s: expected a name (1-128 bytes)", keys[i]);
        if (!(*dst[i] = adup(cc->r, v)))
            return CANH_ENOMEM;
    }
    return CANH_OK;
}

static int detection(sg_cc_t *cc, struct fy_node *root, uint32_t *out)
{
    struct fy_node *det = sg_get(root, "detection");
    void *it = NULL;
    struct fy_node *k, *v, *cond = NULL;
    int rc = CANH_OK;
    if (!det)
        return sg_fail(cc, root, "missing detection");
    struct fy_node *detk = sg_key(root, "detection");
    if (!sg_is_map(det))
        return sg_fail(cc, det ? det : sg_key(root, "detection"), "detection: expected a mapping");
    size_t cnt = sg_count(det);
    if (cnt > SG_MAX_SELECTIONS + 2)
        return sg_fail(cc, det, "detection: more than %d search identifiers", SG_MAX_SELECTIONS);
    cc->sel_name = canh_calloc(cnt ? cnt : 1, sizeof *cc->sel_name);
    cc->sel_len = canh_calloc(cnt ? cnt : 1, sizeof *cc->sel_len);
    cc->sel_node = canh_calloc(cnt ? cnt : 1, sizeof *cc->sel_node);
    if (!cc->sel_name || !cc->sel_len || !cc->sel_node)
        return CANH_ENOMEM;
    while (sg_map_next(det, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        if (!kt || kl == 0)
            return sg_fail(cc, k, "detection: expected a search identifier");
        if (kl == 9 && !memcmp(kt, "condition", 9)) {
            cond = v;
            continue;
        }
        if (kl == 9 && !memcmp(kt, "timeframe", 9))
            continue; /* Sigma 1 aggregation window; refused with the aggregation */
        uint32_t node;
        cc->at_key = k;
        rc = sg_compile_selection(cc, v ? v : k, &node);
        cc->at_key = NULL;
        if (rc) {
            /* Prefix the message with the identifier. */
            if (rc == CANH_ENOMEM)
                return rc;
            char tmp[sizeof cc->why + 96];
            snprintf(tmp, sizeof tmp, "detection.%.*s: %s", (int)(kl > 64 ? 64 : kl), kt, cc->why);
            size_t tl = strlen(tmp);
            if (tl >= sizeof cc->why)
                tl = sizeof cc->why - 1;
            memcpy(cc->why, tmp, tl);
            cc->why[tl] = '\0';
            return rc;
        }
        cc->sel_name[cc->nsel] = kt;
        cc->sel_len[cc->nsel] = (uint32_t)kl;
        cc->sel_node[cc->nsel] = node;
        cc->nsel++;
    }
    if (!cond)
        return sg_fail(cc, detk, "detection: missing condition");
    return sg_compile_condition(cc, cond, out);
}

static int level(sg_cc_t *cc, struct fy_node *root, canh_level_t *out)
{
    struct fy_node *v = sg_get(root, "level");
    size_t n;
    *out = CANH_LEVEL_MEDIUM;
    if (!v || sg_is_null(v))
        return CANH_OK;
    const char *t = sg_text(v, &n);
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; t && i < 5; i++)
        if (strlen(names[i]) == n && sg_ieq(t, names[i], n)) {
            *out = (canh_level_t)i;
            return CANH_OK;
        }
    return sg_fail(cc, v,
                   "level: expected one of informational, low, medium, high, critical, "
                   "got \"%.*s\"",
                   (int)(t ? (n > 40 ? 40 : n) : 0), t ? t : "");
}

/* ---- the document ---------------------------------------------------------------------------- */

static int compile_body(sg_cc_t *cc, sg_rule_t *ru, struct fy_node *root, uint32_t *marks)
{
    canh_rules_t *r = cc->r;
    int rc;
    if (!sg_is_map(root))
        return sg_fail(cc, root, "expected a mapping (a Sigma rule)");
    if ((rc = meta_str(cc, root, "id", &ru->id)) || (rc = meta_str(cc, root, "title", &ru->title)))
        return rc;
    if ((rc = meta_str(cc, root, "name", &ru->name)))
        return rc;
    bool is_corr = sg_key(root, "correlation") != NULL;
    if (is_corr && sg_key(root, "detection"))
        return sg_fail(cc, sg_key(root, "correlation"),
                       "a rule has either detection: or correlation:, not both");
    if (sg_key(root, "filter") && !sg_key(root, "detection"))
        return sg_fail(cc, sg_key(root, "filter"), "Sigma filters are not supported yet");
    if (!ru->title) {
        if (!sg_get(root, "detection"))
            return sg_fail(cc, root, "not a Sigma rule (no title and no detection)");
        return sg_fail(cc, root, "missing title");
    }
    if ((rc = meta_str(cc, root, "description", &ru->description)) ||
        (rc = meta_str(cc, root, "status", &ru->status)) ||
        (rc = meta_str(cc, root, "author", &ru->author)) ||
        (rc = meta_list(cc, root, "tags", &ru->tags_json, &ru->tech_json)) ||
        (rc = meta_list(cc, root, "references", &ru->refs_json, NULL)) ||
        (rc = meta_list(cc, root, "falsepositives", &ru->fps_json, NULL)) ||
        (rc = level(cc, root, &ru->level)))
        return rc;
    if (ru->id) {
        uint32_t prev = sg_tab_get(&r->id_tab, ru->id, strlen(ru->id));
        if (prev != SG_NONE) {
            const sg_rule_t *p = SG_AT(r->rules, sg_rule_t, prev);
            return sg_fail(cc, sg_get(root, "id"), "duplicate rule id (also in %s:%u)", p->file,
                           p->line);
        }
    }
    if (is_corr) {
        /* The rule's own entry must be current before sg_corr_compile
         * records its index; it is written back by sg_compile_doc. */
        if ((rc = sg_corr_compile(cc, root)))
            return rc;
        ru->corr1 = r->corrs.n;
        if (ru->id && sg_tab_put(&r->id_tab, ru->id, strlen(ru->id), cc->rule) != CANH_OK)
            return CANH_ENOMEM;
        return CANH_OK;
    }
    struct fy_node *lsn;
    if ((rc = logsource(cc, root, &lsn)))
        return rc;
    /* The route first: its nodes outlive this rule even if the rule fails. */
    if ((rc = route_for(cc, sg_key(root, "logsource"), &ru->route)))
        return rc;
    marks[0] = r->nodes.n;
    marks[1] = r->kids.n;
    marks[2] = r->atoms.n;
    marks[3] = r->vals.n;
    marks[4] = r->matchers.n;
    cc->nodes_at_start = r->nodes.n;
    cc->kids_at_start = r->kids.n;
    cc->matchers_at_start = r->matchers.n;
    cc->bytes_at_start = r->arena.used;
    uint32_t root_node = SG_NONE;
    if ((rc = detection(cc, root, &root_node)))
        return rc;
    ru->root = root_node;
    if (ru->id && sg_tab_put(&r->id_tab, ru->id, strlen(ru->id), cc->rule) != CANH_OK)
        return CANH_ENOMEM;
    return CANH_OK;
}

uint32_t sg_compile_doc(canh_rules_t *r, const char *file, sg_yaml_doc_t *doc)
{
    uint32_t idx = sg_vec_push(&r->rules);
    if (idx == SG_NONE)
        return SG_NONE;
    sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, idx);
    ru->file = file;
    ru->line = doc->line;
    ru->st = CANH_RULE_FAILED;
    ru->root = ru->route = SG_NONE;
    ru->logsrc = SG_NONE;
    sg_cc_t cc = {.r = r, .file = file, .rule = idx, .line = doc->line};
    cc.nodes_at_start = r->nodes.n;
    cc.kids_at_start = r->kids.n;
    cc.matchers_at_start = r->matchers.n;
    cc.bytes_at_start = r->arena.used;
    uint32_t marks[5] = {r->nodes.n, r->kids.n, r->atoms.n, r->vals.n, r->matchers.n};
    /* The rule entry is re-read after each call: the rules array may move. */
    sg_rule_t tmp = *ru;
    int rc = compile_body(&cc, &tmp, sg_root(doc), marks);
    ru = SG_AT(r->rules, sg_rule_t, idx);
    canh_free(cc.sel_name);
    canh_free(cc.sel_len);
    canh_free(cc.sel_node);
    if (rc == CANH_ENOMEM && cc.over)
        rc = CANH_ELIMIT; /* a budget, not the allocator: the rule fails */
    if (rc == CANH_OK) {
        uint32_t li = sg_vec_push(&r->logsrcs);
        if (li == SG_NONE)
            rc = CANH_ENOMEM;
        else
            *SG_AT(r->logsrcs, sg_logsrc_t, li) = cc.ls;
        tmp.logsrc = li;
    }
    if (rc == CANH_ENOMEM) {
        sg_rollback(r, marks[0], marks[1], marks[2], marks[3], marks[4]);
        return SG_NONE;
    }
    if (rc) {
        sg_rollback(r, marks[0], marks[1], marks[2], marks[3], marks[4]);
        tmp.st = CANH_RULE_FAILED;
        tmp.root = SG_NONE;
        tmp.reason = canh_arena_strndup(&r->arena, cc.why, strlen(cc.why));
        tmp.reason_line = cc.line;
    } else {
        tmp.st = cc.partial ? CANH_RULE_PARTIAL : CANH_RULE_OK;
        if (cc.partial) {
            tmp.reason = canh_arena_strndup(&r->arena, cc.pwhy, strlen(cc.pwhy));
            tmp.reason_line = cc.pline;
        }
    }
    *ru = tmp;
    return idx;
}
