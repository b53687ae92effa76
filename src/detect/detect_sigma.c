/* detect_sigma.c - canh_rules_compile and friends: collecting rule files,
 * mapping files and overrides from the given paths, compiling every rule,
 * applying overrides, building the prefilter, and reporting.
 *
 * Files under the paths are classified by place and name:
 *   .../mappings/NAME.yml   field mappings, log-source routes, placeholders
 *   .../overrides.yml       per-rule disable list and exceptions
 *   anything else .yml/.yaml  Sigma rules (one or more YAML documents)
 * Directories are walked recursively in name order (hidden entries are
 * skipped), so the result does not depend on the file system's order. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "canh/error.h"
#include "detect_sigma_int.h"

/* ---- the rule set ---------------------------------------------------------------------- */

static canh_rules_t *rules_new(void)
{
    canh_rules_t *r = canh_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    canh_arena_init(&r->arena, 256u * 1024u, 2048u * 1024u * 1024u);
    sg_vec_init(&r->rules, sizeof(sg_rule_t));
    sg_vec_init(&r->routes, sizeof(sg_route_t));
    sg_vec_init(&r->nodes, sizeof(sg_node_t));
    sg_vec_init(&r->kids, sizeof(uint32_t));
    sg_vec_init(&r->atoms, sizeof(sg_atom_t));
    sg_vec_init(&r->vals, sizeof(sg_val_t));
    sg_vec_init(&r->matchers, sizeof(sg_matcher_t));
    sg_vec_init(&r->frefs, sizeof(sg_fref_t));
    sg_vec_init(&r->cands, sizeof(sg_cand_t));
    sg_vec_init(&r->dbs, sizeof(sg_db_t));
    sg_vec_init(&r->logsrcs, sizeof(sg_logsrc_t));
    sg_vec_init(&r->corrs, sizeof(sg_corr_t));
    sg_tab_init(&r->fref_tab);
    sg_tab_init(&r->id_tab);
    sg_tab_init(&r->route_tab);
    sg_tab_init(&r->ds_tab);
    if (sg_maps_create(&r->maps) != CANH_OK) {
        canh_rules_destroy(r);
        return NULL;
    }
    return r;
}

void canh_rules_destroy(canh_rules_t *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->matchers.n; i++)
        sg_matcher_free(SG_AT(r->matchers, sg_matcher_t, i));
    sg_prefilter_free(r);
    sg_vec_fini(&r->rules);
    sg_vec_fini(&r->routes);
    sg_vec_fini(&r->nodes);
    sg_vec_fini(&r->kids);
    sg_vec_fini(&r->atoms);
    sg_vec_fini(&r->vals);
    sg_vec_fini(&r->matchers);
    sg_vec_fini(&r->frefs);
    sg_vec_fini(&r->cands);
    sg_vec_fini(&r->dbs);
    sg_vec_fini(&r->logsrcs);
    sg_vec_fini(&r->corrs);
    sg_tab_fini(&r->fref_tab);
    sg_tab_fini(&r->id_tab);
    sg_tab_fini(&r->route_tab);
    sg_tab_fini(&r->ds_tab);
    sg_maps_destroy(r->maps);
    canh_arena_fini(&r->arena);
    canh_free(r);
}

size_t canh_rules_count(const canh_rules_t *r)
{
    return r ? r->nenabled : 0;
}

const sg_rule_t *sg_rule(const canh_rules_t *r, uint32_t idx)
{
    return idx < r->rules.n ? SG_AT(r->rules, sg_rule_t, idx) : NULL;
}

size_t sg_rule_total(const canh_rules_t *r)
{
    return r->rules.n;
}

uint32_t sg_rule_find(const canh_rules_t *r, const char *id_or_name)
{
    uint32_t i = sg_tab_get(&r->id_tab, id_or_name, strlen(id_or_name));
    if (i != SG_NONE)
        return i;
    for (i = 0; i < r->rules.n; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (ru->st != CANH_RULE_FAILED && !ru->pseudo && ru->name &&
            strcmp(ru->name, id_or_name) == 0)
            return i;
    }
    for (i = 0; i < r->rules.n; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (ru->st != CANH_RULE_FAILED && !ru->pseudo && ru->title &&
            strcmp(ru->title, id_or_name) == 0)
            return i;
    }
    return SG_NONE;
}

int sg_group_field(canh_rules_t *r, uint32_t idx, const char *name, uint32_t *fref)
{
    const sg_rule_t *ru = sg_rule(r, idx);
    if (!ru || ru->logsrc == SG_NONE)
        return CANH_EINVAL;
    sg_cc_t cc = {.r = r, .rule = idx, .line = ru->line};
    cc.ls = *SG_AT(r->logsrcs, sg_logsrc_t, ru->logsrc);
    return sg_fref_resolve(&cc, NULL, name, strlen(name), fref);
}

/* A file-level message (YAML error, override problem) as a rules entry. */
static int pseudo(canh_rules_t *r, const char *file, unsigned line, const char *id,
                  canh_rule_status_t st, const char *why)
{
    uint32_t i = sg_vec_push(&r->rules);
    if (i == SG_NONE)
        return CANH_ENOMEM;
    sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
    ru->file = file;
    ru->line = ru->reason_line = line;
    ru->st = (uint8_t)st;
    ru->pseudo = 1;
    ru->root = ru->route = ru->logsrc = SG_NONE;
    ru->id = id ? canh_arena_strndup(&r->arena, id, strlen(id)) : NULL;
    ru->reason = canh_arena_strndup(&r->arena, why, strlen(why));
    return ru->reason ? CANH_OK : CANH_ENOMEM;
}

/* ---- files ----------------------------------------------------------------------------------- */

enum fkind { F_RULE, F_MAPPING, F_OVERRIDES };

typedef struct file {
    char *path;
    uint8_t kind;
} file_t;

typedef struct files {
    file_t *v;
    size_t n, cap;
} files_t;

static void files_free(files_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        canh_free(f->v[i].path);
    canh_free(f->v);
    memset(f, 0, sizeof *f);
}

static bool has_ext(const char *p)
{
    size_t n = strlen(p);
    return (n > 4 && strcmp(p + n - 4, ".yml") == 0) || (n > 5 && strcmp(p + n - 5, ".yaml") == 0);
}

static uint8_t classify(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "overrides.yml") == 0 || strcmp(base, "overrides.yaml") == 0)
        return F_OVERRIDES;
    /* The directory holding the file is named "mappings". */
    size_t bl = (size_t)(base - path);
    if (bl >= 9 && memcmp(path + bl - 9, "mappings/", 9) == 0 && (bl == 9 || path[bl - 10] == '/'))
        return F_MAPPING;
    return F_RULE;
}

static int add_file(files_t *f, const char *path)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        file_t *nv = canh_reallocarray(f->v, cap, sizeof *nv);
        if (!nv)
            return CANH_ENOMEM;
        f->v = nv;
        f->cap = cap;
    }
    char *p = canh_strdup(path);
    if (!p)
        return CANH_ENOMEM;
    f->v[f->n].path = p;
    f->v[f->n].kind = classify(path);
    f->n++;
    return CANH_OK;
}

static int no_dot(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int walk(const char *path, int depth, bool top, files_t *f, canh_errbuf_t *eb)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    if (S_ISREG(sb.st_mode))
        return top || has_ext(path) ? add_file(f, path) : CANH_OK;
    if (!S_ISDIR(sb.st_mode))
        return top ? canh_errf(eb, CANH_EINVAL, "%s: not a file or directory", path) : CANH_OK;
    if (depth > SG_MAX_WALK_DEPTH)
        return canh_errf(eb, CANH_ELIMIT, "%s: directories nested deeper than %d", path,
                         SG_MAX_WALK_DEPTH);
    struct dirent **ents = NULL;
    int n = scandir(path, &ents, no_dot, alphasort);
    if (n < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
    int rc = CANH_OK;
    for (int i = 0; i < n; i++) {
        if (rc == CANH_OK) {
            size_t pl = strlen(path), el = strlen(ents[i]->d_name);
            char *child = canh_malloc(pl + el + 2);
            if (!child) {
                rc = CANH_ENOMEM;
            } else {
                memcpy(child, path, pl);
                size_t o = pl;
                if (o == 0 || child[o - 1] != '/')
                    child[o++] = '/';
                memcpy(child + o, ents[i]->d_name, el + 1);
                rc = walk(child, depth + 1, false, f, eb);
                canh_free(child);
            }
        }
        free(ents[i]); /* scandir allocates with malloc */
    }
    free(ents);
    return rc;
}

/* ---- compiling files ---------------------------------------------------------------------------
 */

typedef struct job {
    canh_rules_t *r;
    const canh_rules_opts_t *opts;
    canh_errbuf_t *eb;
    /* overrides, kept until the rules are compiled */
    sg_yaml_t *ov;
    const char **ov_names;
    size_t nov, capov;
} job_t;

static int compile_text(canh_rules_t *r, const char *file, const char *text, size_t len)
{
    sg_yaml_t y;
    unsigned line;
    char why[400];
    int rc = sg_yaml_parse(&y, text, len, &line, why, sizeof why);
    if (rc == CANH_ENOMEM) {
        sg_yaml_fini(&y);
        return rc;
    }
    if (rc) {
        /* Documents before the broken one still compile. */
        for (size_t d = 0; d + 1 < y.ndocs; d++)
            if (sg_root(&y.docs[d]) && sg_compile_doc(r, file, &y.docs[d]) == SG_NONE) {
                sg_yaml_fini(&y);
                return CANH_ENOMEM;
            }
        sg_yaml_fini(&y);
        return pseudo(r, file, line, NULL, CANH_RULE_FAILED, why);
    }
    size_t compiled = 0;
    for (size_t d = 0; d < y.ndocs; d++) {
        if (sg_is_null(sg_root(&y.docs[d])))
            continue;
        compiled++;
        if (sg_compile_doc(r, file, &y.docs[d]) == SG_NONE) {
            sg_yaml_fini(&y);
            return CANH_ENOMEM;
        }
    }
    sg_yaml_fini(&y);
    if (!compiled)
        return pseudo(r, file, 1, NULL, CANH_RULE_FAILED, "empty file: no Sigma rule in it");
    return CANH_OK;
}

static int compile_file(canh_rules_t *r, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    char why[400];
    const char *file = canh_arena_strndup(&r->arena, path, strlen(path));
    if (!file)
        return CANH_ENOMEM;
    int rc = sg_read_file(path, &text, &len, why, sizeof why);
    if (rc == CANH_ENOMEM)
        return rc;
    if (rc)
        return pseudo(r, file, 1, NULL, CANH_RULE_FAILED, why);
    rc = compile_text(r, file, text, len);
    canh_free(text);
    return rc;
}

static int load_mapping_file(canh_rules_t *r, const char *path, canh_errbuf_t *eb)
{
    char *text = NULL;
    size_t len = 0;
    char why[400];
    int rc = sg_read_file(path, &text, &len, why, sizeof why);
    if (rc)
        return canh_errf(eb, rc, "%s: %s", path, why);
    const char *name = canh_arena_strndup(&r->arena, path, strlen(path));
    rc = name ? sg_maps_load(r->maps, name, text, len, eb) : CANH_ENOMEM;
    canh_free(text);
    return rc;
}

static int load_mapping_dir(canh_rules_t *r, const char *dir, canh_errbuf_t *eb)
{
    files_t f = {0};
    int rc = walk(dir, 0, true, &f, eb);
    for (size_t i = 0; i < f.n && rc == CANH_OK; i++)
        if (has_ext(f.v[i].path) || f.n == 1)
            rc = load_mapping_file(r, f.v[i].path, eb);
    files_free(&f);
    return rc;
}

/* ---- overrides
 * ----------------------------------------------------------------------------------- */

static int ov_warn(canh_rules_t *r, const char *file, struct fy_node *at, const char *id,
                   canh_rule_status_t st, const char *why)
{
    return pseudo(r, file, sg_line(at, 1), id, st, why);
}

static uint32_t rule_by_id(canh_rules_t *r, const char *id, size_t n)
{
    return sg_tab_get(&r->id_tab, id, n);
}

/* Exceptions for one rule: a list of selections; the rule matches only
 * when none of them does. */
static int add_exceptions(canh_rules_t *r, const char *file, uint32_t idx, struct fy_node *list)
{
    sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, idx);
    sg_cc_t cc = {.r = r, .file = file, .rule = idx, .line = sg_line(list, 1)};
    cc.ls = *SG_AT(r->logsrcs, sg_logsrc_t, ru->logsrc);
    cc.nodes_at_start = r->nodes.n;
    cc.kids_at_start = r->kids.n;
    cc.matchers_at_start = r->matchers.n;
    cc.bytes_at_start = r->arena.used;
    uint32_t marks[5] = {r->nodes.n, r->kids.n, r->atoms.n, r->vals.n, r->matchers.n};
    uint32_t exc = SG_NONE, neg, both;
    int rc;
    if (!sg_is_seq(list) && !sg_is_map(list))
        rc = sg_fail(&cc, list, "expected a list of selections ({field: value} mappings)");
    else if (sg_is_seq(list) && sg_count(list) == 0)
        rc = sg_fail(&cc, list, "empty list of exceptions");
    else
        rc = sg_compile_selection(&cc, list, &exc);
    if (rc == CANH_OK) {
        ru = SG_AT(r->rules, sg_rule_t, idx);
        uint32_t kids[2] = {ru->root, SG_NONE};
        neg = sg_node_new(&cc, SG_N_NOT, exc, 0);
        kids[1] = neg;
        both = neg == SG_NONE ? SG_NONE : sg_node_list(&cc, SG_N_AND, kids, 2);
        if (both == SG_NONE)
            return CANH_ENOMEM;
        ru->root = both;
        if (cc.partial && ru->st == CANH_RULE_OK) {
            ru->st = CANH_RULE_PARTIAL;
            ru->reason = canh_arena_strndup(&r->arena, cc.pwhy, strlen(cc.pwhy));
            ru->reason_line = ru->line;
        }
        return CANH_OK;
    }
    if (rc == CANH_ENOMEM && !cc.over)
        return rc;
    sg_rollback(r, marks[0], marks[1], marks[2], marks[3], marks[4]);
    char why[480];
    snprintf(why, sizeof why, "exceptions: %s (the rule runs without these exceptions)", cc.why);
    return pseudo(r, file, cc.line, ru->id, CANH_RULE_FAILED, why);
}

static int apply_overrides(job_t *J, const char *file, sg_yaml_doc_t *doc)
{
    canh_rules_t *r = J->r;
    struct fy_node *root = sg_root(doc), *k, *v;
    void *it = NULL;
    int rc = CANH_OK;
    if (sg_is_null(root))
        return CANH_OK;
    if (!sg_is_map(root))
        return pseudo(r, file, sg_line(root, 1), NULL, CANH_RULE_FAILED,
                      "overrides: expected a mapping with disable and exceptions");
    while (rc == CANH_OK && sg_map_next(root, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        if (kt && kl == 7 && !memcmp(kt, "disable", 7)) {
            if (sg_is_null(v))
                continue;
            if (!sg_is_seq(v) && !sg_is_scalar(v)) {
                rc = ov_warn(r, file, v, NULL, CANH_RULE_FAILED,
                             "disable: expected a list of rule ids");
                continue;
            }
            void *it2 = NULL;
            struct fy_node *c = sg_is_seq(v) ? sg_seq_next(v, &it2) : v;
            for (; c && rc == CANH_OK; c = sg_is_seq(v) ? sg_seq_next(v, &it2) : NULL) {
                size_t n;
                const char *id = sg_text(c, &n);
                char idbuf[200];
                if (!id || n == 0 || n >= sizeof idbuf) {
                    rc = ov_warn(r, file, c, NULL, CANH_RULE_FAILED, "disable: expected a rule id");
                    continue;
                }
                memcpy(idbuf, id, n);
                idbuf[n] = '\0';
                uint32_t idx = rule_by_id(r, id, n);
                if (idx == SG_NONE) {
                    rc = ov_warn(r, file, c, idbuf, CANH_RULE_PARTIAL,
                                 "disable: no rule with this id was compiled");
                    continue;
                }
                if (!J->opts || J->opts->skip_disabled)
                    SG_AT(r->rules, sg_rule_t, idx)->disabled = 1;
                if (!sg_is_seq(v))
                    break;
            }
        } else if (kt && kl == 10 && !memcmp(kt, "exceptions", 10)) {
            if (sg_is_null(v))
                continue;
            if (!sg_is_map(v)) {
                rc = ov_warn(r, file, v, NULL, CANH_RULE_FAILED,
                             "exceptions: expected a mapping of rule id to a list of "
                             "selections");
                continue;
            }
            void *it2 = NULL;
            struct fy_node *ik, *iv;
            while (rc == CANH_OK && sg_map_next(v, &it2, &ik, &iv)) {
                size_t n;
                const char *id = sg_text(ik, &n);
                char idbuf[200];
                if (!id || n == 0 || n >= sizeof idbuf) {
                    rc = ov_warn(r, file, ik, NULL, CANH_RULE_FAILED,
                                 "exceptions: expected a rule id");
                    continue;
                }
                memcpy(idbuf, id, n);
                idbuf[n] = '\0';
                uint32_t idx = rule_by_id(r, id, n);
                if (idx == SG_NONE) {
                    rc = ov_warn(r, file, ik, idbuf, CANH_RULE_PARTIAL,
                                 "exceptions: no rule with this id was compiled");
                    continue;
                }
                rc = add_exceptions(r, file, idx, iv);
            }
        } else {
            char w[120];
            snprintf(w, sizeof w,
                     "overrides: unknown key \"%.*s\" (expected disable or exceptions)",
                     (int)(kt ? (kl > 40 ? 40 : kl) : 0), kt ? kt : "");
            rc = pseudo(r, file, sg_line(k, 1), NULL, CANH_RULE_FAILED, w);
        }
    }
    return rc;
}

static int load_overrides(job_t *J, const char *path)
{
    canh_rules_t *r = J->r;
    char *text = NULL;
    size_t len = 0;
    char why[400];
    unsigned line;
    const char *file = canh_arena_strndup(&r->arena, path, strlen(path));
    if (!file)
        return CANH_ENOMEM;
    int rc = sg_read_file(path, &text, &len, why, sizeof why);
    if (rc == CANH_ENOMEM)
        return rc;
    if (rc)
        return pseudo(r, file, 1, NULL, CANH_RULE_FAILED, why);
    if (J->nov == J->capov) {
        size_t cap = J->capov ? J->capov * 2 : 4;
        sg_yaml_t *nv = canh_reallocarray(J->ov, cap, sizeof *nv);
        const char **nn = nv ? canh_reallocarray(J->ov_names, cap, sizeof *nn) : NULL;
        if (nv)
            J->ov = nv;
        if (!nv || !nn) {
            canh_free(text);
            return CANH_ENOMEM;
        }
        J->ov_names = nn;
        J->capov = cap;
    }
    sg_yaml_t *y = &J->ov[J->nov];
    rc = sg_yaml_parse(y, text, len, &line, why, sizeof why);
    canh_free(text);
    J->ov_names[J->nov++] = file;
    if (rc == CANH_ENOMEM)
        return rc;
    if (rc) {
        sg_yaml_fini(y);
        J->nov--;
        return pseudo(r, file, line, NULL, CANH_RULE_FAILED, why);
    }
    return CANH_OK;
}

/* ---- reporting and the entry points
 * ------------------------------------------------------------------ */

static void report_all(const canh_rules_t *r, canh_rule_report_fn report, void *ud,
                       size_t *compiled, size_t *failed)
{
    size_t ok = 0, bad = 0;
    for (uint32_t i = 0; i < r->rules.n; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (ru->st == CANH_RULE_FAILED)
            bad++;
        else if (!ru->pseudo)
            ok++;
        if (report && ru->st != CANH_RULE_OK)
            report(ud, ru->file, ru->reason_line ? ru->reason_line : ru->line, ru->id, ru->title,
                   (canh_rule_status_t)ru->st, ru->reason ? ru->reason : "");
    }
    if (compiled)
        *compiled = ok;
    if (failed)
        *failed = bad;
}

static void job_fini(job_t *J)
{
    for (size_t i = 0; i < J->nov; i++)
        sg_yaml_fini(&J->ov[i]);
    canh_free(J->ov);
    canh_free(J->ov_names);
}

static int finish(job_t *J)
{
    int rc = CANH_OK;
    for (size_t i = 0; i < J->nov && rc == CANH_OK; i++)
        for (size_t d = 0; d < J->ov[i].ndocs && rc == CANH_OK; d++)
            rc = apply_overrides(J, J->ov_names[i], &J->ov[i].docs[d]);
    if (rc == CANH_OK && (rc = sg_corr_link(J->r)) == CANH_ENOMEM)
        canh_errf(J->eb, rc, "sigma: out of memory");
    if (rc == CANH_OK)
        rc = sg_prefilter_build(J->r, J->eb);
    else if (rc == CANH_ENOMEM)
        canh_errf(J->eb, rc, "sigma: out of memory");
    return rc;
}

int canh_rules_compile(const char *const *paths, size_t npaths, const canh_rules_opts_t *opts,
                       canh_rule_report_fn report, void *ud, canh_rules_t **out, size_t *compiled,
                       size_t *failed, canh_errbuf_t *eb)
{
    files_t f = {0};
    job_t J = {0};
    int rc;
    if (!out || (npaths && !paths))
        return canh_errf(eb, CANH_EINVAL, "sigma: invalid arguments");
    canh_rules_t *r = rules_new();
    if (!r)
        return canh_errf(eb, CANH_ENOMEM, "sigma: out of memory");
    J.r = r;
    J.opts = opts;
    J.eb = eb;
    if ((rc = sg_maps_load_builtin(r->maps, eb)))
        goto out;
    if (opts && opts->mappings && (rc = load_mapping_dir(r, opts->mappings, eb)))
        goto out;
    for (size_t i = 0; i < npaths; i++)
        if ((rc = walk(paths[i], 0, true, &f, eb)))
            goto out;
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].kind == F_MAPPING && (rc = load_mapping_file(r, f.v[i].path, eb)))
            goto out;
    for (size_t i = 0; i < f.n; i++) {
        if (f.v[i].kind == F_OVERRIDES)
            rc = load_overrides(&J, f.v[i].path);
        else if (f.v[i].kind == F_RULE)
            rc = compile_file(r, f.v[i].path);
        if (rc) {
            canh_errf(eb, rc, "sigma: out of memory");
            goto out;
        }
    }
    if ((rc = finish(&J)))
        goto out;
    report_all(r, report, ud, compiled, failed);
    *out = r;
    r = NULL;
out:
    job_fini(&J);
    files_free(&f);
    canh_rules_destroy(r);
    return rc;
}

int sg_rules_compile_mem(const char *name, const char *text, size_t len, canh_rule_report_fn report,
                         void *ud, canh_rules_t **out, canh_errbuf_t *eb)
{
    job_t J = {0};
    canh_rules_t *r = rules_new();
    int rc;
    if (!r)
        return canh_errf(eb, CANH_ENOMEM, "sigma: out of memory");
    J.r = r;
    J.eb = eb;
    const char *file = canh_arena_strndup(&r->arena, name, strlen(name));
    if (!file) {
        rc = canh_errf(eb, CANH_ENOMEM, "sigma: out of memory");
        goto out;
    }
    if ((rc = sg_maps_load_builtin(r->maps, eb)))
        goto out;
    if ((rc = compile_text(r, file, text, len))) {
        canh_errf(eb, rc, "sigma: out of memory");
        goto out;
    }
    if ((rc = finish(&J)))
        goto out;
    report_all(r, report, ud, NULL, NULL);
    *out = r;
    r = NULL;
out:
    job_fini(&J);
    canh_rules_destroy(r);
    return rc;
}
