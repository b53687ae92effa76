/* detect_sigma_map.c - field mappings, log-source routes and expand
 * placeholders, read from YAML data files (rules/mappings/NAME.yml, built into
 * the library, plus any mapping directory given at compile time). The format
 * is documented in docs/sigma.md:
 *
 *   logsources:                       # how a rule's logsource selects events
 *     - product: windows
 *       category: process_creation
 *       match:                        # any entry (OR); inside one entry: AND
 *         - {winlog.channel: Microsoft-Windows-Sysmon/Operational, event.code: 1}
 *   fields:                           # Sigma field -> event fields, per logsource
 *     - logsource: {product: windows}
 *       default: [winlog.event_data.{field}]
 *       map:
 *         Image: [winlog.event_data.Image, winlog.event_data.NewProcessName]
 *         Data: {any: [winlog.event_data.param1, winlog.event_data.param2]}
 *   placeholders:                     # values of %name% for |expand
 *     admins: [Administrator, root]
 *
 * A later file's entry for the same logsource (or the same field under the
 * same logsource selector) replaces an earlier one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "detect_sigma_int.h"

typedef struct ls_entry {
    const char *p, *c, *s; /* NULL = not given */
    struct fy_node *match; /* NULL = every event */
    const char *file;
    unsigned line;
} ls_entry_t;

typedef struct fmap {
    const char *name;
    const char **cand;
    uint32_t ncand;
    bool any;
} fmap_t;

typedef struct fsec {
    const char *p, *c, *s;
    const char **defaults;
    uint32_t ndef;
    fmap_t *map;
    uint32_t nmap;
    sg_tab_t tab; /* field name -> index into map */
    uint32_t order;
} fsec_t;

typedef struct ph {
    const char *name;
    const char **vals;
    uint32_t n;
} ph_t;

struct sg_maps {
    canh_arena_t arena;
    sg_yaml_t *files;
    size_t nfiles, capfiles;
    sg_vec_t ls;  /* ls_entry_t */
    sg_vec_t fs;  /* fsec_t */
    sg_vec_t phs; /* ph_t */
};

/* Built-in mapping files, generated from rules/mappings/ at build time. */
typedef struct sg_builtin {
    const char *name;
    const char *text;
    size_t len;
} sg_builtin_t;
extern const sg_builtin_t sg_builtin_maps[];
extern const size_t sg_builtin_nmaps;

int sg_maps_create(sg_maps_t **out)
{
    sg_maps_t *m = canh_calloc(1, sizeof *m);
    if (!m)
        return CANH_ENOMEM;
    canh_arena_init(&m->arena, 64u * 1024u, 256u * 1024u * 1024u);
    sg_vec_init(&m->ls, sizeof(ls_entry_t));
    sg_vec_init(&m->fs, sizeof(fsec_t));
    sg_vec_init(&m->phs, sizeof(ph_t));
    *out = m;
    return CANH_OK;
}

void sg_maps_destroy(sg_maps_t *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->fs.n; i++)
        sg_tab_fini(&SG_AT(m->fs, fsec_t, i)->tab);
    for (size_t i = 0; i < m->nfiles; i++)
        sg_yaml_fini(&m->files[i]);
    canh_free(m->files);
    sg_vec_fini(&m->ls);
    sg_vec_fini(&m->fs);
    sg_vec_fini(&m->phs);
    canh_arena_fini(&m->arena);
    canh_free(m);
}

/* ---- loading ------------------------------------------------------------------------ */

typedef struct mload {
    sg_maps_t *m;
    const char *name;
    canh_errbuf_t *eb;
} mload_t;

static int __attribute__((format(printf, 4, 5)))
mfail(mload_t *L, struct fy_node *at, int err, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return canh_errf(L->eb, err, "%s:%u: %s", L->name, sg_line(at, 1), why);
}

static const char *mdup(mload_t *L, struct fy_node *n)
{
    size_t len;
    const char *t = sg_text(n, &len);
    return t ? canh_arena_strndup(&L->m->arena, t, len) : NULL;
}

/* A string, or a list of strings, into an arena array. */
static int str_list(mload_t *L, struct fy_node *v, const char *what, const char ***out, uint32_t *n,
                    size_t max)
{
    size_t cnt = sg_is_seq(v) ? sg_count(v) : 1;
    if (!v || sg_is_map(v) || cnt == 0)
        return mfail(L, v, CANH_EINVAL, "%s: expected a string or a list of strings", what);
    if (cnt > max)
        return mfail(L, v, CANH_ELIMIT, "%s: more than %zu entries", what, max);
    const char **arr = canh_arena_alloc(&L->m->arena, cnt * sizeof *arr);
    if (!arr)
        return CANH_ENOMEM;
    if (sg_is_seq(v)) {
        void *it = NULL;
        struct fy_node *c;
        size_t i = 0;
        while ((c = sg_seq_next(v, &it))) {
            if (!sg_is_scalar(c) || sg_is_null(c))
                return mfail(L, c, CANH_EINVAL, "%s: expected a string", what);
            if (!(arr[i++] = mdup(L, c)))
                return CANH_ENOMEM;
        }
    } else {
        if (sg_is_null(v))
            return mfail(L, v, CANH_EINVAL, "%s: expected a string or a list of strings", what);
        if (!(arr[0] = mdup(L, v)))
            return CANH_ENOMEM;
    }
    *out = arr;
    *n = (uint32_t)cnt;
    return CANH_OK;
}

/* product/category/service keys of a logsource selector. */
static int selector(mload_t *L, struct fy_node *map, const char *what, const char **p,
                    const char **c, const char **s, bool allow_other)
{
    void *it = NULL;
    struct fy_node *k, *v;
    *p = *c = *s = NULL;
    if (!sg_is_map(map))
        return mfail(L, map, CANH_EINVAL, "%s: expected a mapping", what);
    while (sg_map_next(map, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        const char **dst = NULL;
        if (kt && kl == 7 && !memcmp(kt, "product", 7))
            dst = p;
        else if (kt && kl == 8 && !memcmp(kt, "category", 8))
            dst = c;
        else if (kt && kl == 7 && !memcmp(kt, "service", 7))
            dst = s;
        if (!dst) {
            if (allow_other)
                continue;
            return mfail(L, k, CANH_EINVAL, "%s: unknown key \"%.*s\"", what, (int)(kt ? kl : 0),
                         kt ? kt : "");
        }
        if (!sg_is_scalar(v) || sg_is_null(v))
            return mfail(L, v ? v : k, CANH_EINVAL, "%s.%.*s: expected a string", what, (int)kl,
                         kt);
        if (!(*dst = mdup(L, v)))
            return CANH_ENOMEM;
    }
    if (!*p && !*c && !*s)
        return mfail(L, map, CANH_EINVAL, "%s: needs product, category or service", what);
    return CANH_OK;
}

static int load_logsources(mload_t *L, struct fy_node *list)
{
    void *it = NULL;
    struct fy_node *e;
    size_t i = 0;
    if (!sg_is_seq(list))
        return mfail(L, list, CANH_EINVAL, "logsources: expected a list");
    while ((e = sg_seq_next(list, &it))) {
        char what[48];
        snprintf(what, sizeof what, "logsources[%zu]", i++);
        ls_entry_t le = {0};
        int rc = selector(L, e, what, &le.p, &le.c, &le.s, true);
        if (rc)
            return rc;
        void *it2 = NULL;
        struct fy_node *k, *v;
        while (sg_map_next(e, &it2, &k, &v)) {
            size_t kl;
            const char *kt = sg_text(k, &kl);
            if (kt && ((kl == 7 && (!memcmp(kt, "product", 7) || !memcmp(kt, "service", 7))) ||
                       (kl == 8 && !memcmp(kt, "category", 8))))
                continue;
            if (kt && kl == 5 && !memcmp(kt, "match", 5)) {
                if (sg_is_null(v))
                    continue;
                if (!sg_is_seq(v) && !sg_is_map(v))
                    return mfail(L, v, CANH_EINVAL,
                                 "%s.match: expected a mapping or a list of mappings", what);
                le.match = v;
                continue;
            }
            if (kt && kl == 4 && !memcmp(kt, "note", 4))
                continue;
            return mfail(L, k, CANH_EINVAL, "%s: unknown key \"%.*s\"", what, (int)(kt ? kl : 0),
                         kt ? kt : "");
        }
        le.file = canh_arena_strndup(&L->m->arena, L->name, strlen(L->name));
        le.line = sg_line(e, 1);
        if (!le.file)
            return CANH_ENOMEM;
        uint32_t idx = sg_vec_push(&L->m->ls);
        if (idx == SG_NONE)
            return CANH_ENOMEM;
        *SG_AT(L->m->ls, ls_entry_t, idx) = le;
    }
    return CANH_OK;
}

static int load_fmap(mload_t *L, fsec_t *fs, struct fy_node *map, const char *what)
{
    void *it = NULL;
    struct fy_node *k, *v;
    size_t cnt = sg_count(map);
    if (!sg_is_map(map))
        return mfail(L, map, CANH_EINVAL, "%s.map: expected a mapping", what);
    fs->map = canh_arena_alloc(&L->m->arena, (cnt ? cnt : 1) * sizeof *fs->map);
    if (!fs->map)
        return CANH_ENOMEM;
    while (sg_map_next(map, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        char w[SG_MAX_FIELD + 64];
        if (!kt || kl == 0 || kl > SG_MAX_FIELD)
            return mfail(L, k, CANH_EINVAL, "%s.map: expected a field name", what);
        snprintf(w, sizeof w, "%s.map.%.*s", what, (int)kl, kt);
        fmap_t *f = &fs->map[fs->nmap];
        memset(f, 0, sizeof *f);
        if (!(f->name = mdup(L, k)))
            return CANH_ENOMEM;
        struct fy_node *list = v;
        if (sg_is_map(v)) {
            list = sg_get(v, "any");
            if (!list || sg_count(v) != 1)
                return mfail(L, v, CANH_EINVAL, "%s: a mapping must be {any: [fields]}", w);
            f->any = true;
        }
        int rc = str_list(L, list, w, &f->cand, &f->ncand, SG_MAX_CANDIDATES - 1);
        if (rc)
            return rc;
        rc = sg_tab_put(&fs->tab, f->name, kl, fs->nmap);
        if (rc)
            return rc;
        fs->nmap++;
    }
    return CANH_OK;
}

static int load_fields(mload_t *L, struct fy_node *list)
{
    void *it = NULL;
    struct fy_node *e;
    size_t i = 0;
    if (!sg_is_seq(list))
        return mfail(L, list, CANH_EINVAL, "fields: expected a list");
    while ((e = sg_seq_next(list, &it))) {
        char what[48];
        snprintf(what, sizeof what, "fields[%zu]", i++);
        if (!sg_is_map(e))
            return mfail(L, e, CANH_EINVAL, "%s: expected a mapping", what);
        uint32_t idx = sg_vec_push(&L->m->fs);
        if (idx == SG_NONE)
            return CANH_ENOMEM;
        fsec_t *fs = SG_AT(L->m->fs, fsec_t, idx);
        fs->order = idx;
        sg_tab_init(&fs->tab);
        void *it2 = NULL;
        struct fy_node *k, *v;
        bool have_ls = false;
        while (sg_map_next(e, &it2, &k, &v)) {
            size_t kl;
            const char *kt = sg_text(k, &kl);
            int rc;
            char w[64];
            if (kt && kl == 9 && !memcmp(kt, "logsource", 9)) {
                snprintf(w, sizeof w, "%s.logsource", what);
                rc = selector(L, v, w, &fs->p, &fs->c, &fs->s, false);
                have_ls = true;
            } else if (kt && kl == 7 && !memcmp(kt, "default", 7)) {
                snprintf(w, sizeof w, "%s.default", what);
                rc = str_list(L, v, w, &fs->defaults, &fs->ndef, SG_MAX_CANDIDATES - 1);
            } else if (kt && kl == 3 && !memcmp(kt, "map", 3)) {
                rc = load_fmap(L, fs, v, what);
            } else if (kt && kl == 4 && !memcmp(kt, "note", 4)) {
                rc = CANH_OK;
            } else {
                rc = mfail(L, k, CANH_EINVAL, "%s: unknown key \"%.*s\"", what, (int)(kt ? kl : 0),
                           kt ? kt : "");
            }
            if (rc)
                return rc;
        }
        if (!have_ls)
            return mfail(L, e, CANH_EINVAL, "%s: missing logsource", what);
    }
    return CANH_OK;
}

static int load_placeholders(mload_t *L, struct fy_node *map)
{
    void *it = NULL;
    struct fy_node *k, *v;
    if (!sg_is_map(map))
        return mfail(L, map, CANH_EINVAL, "placeholders: expected a mapping");
    while (sg_map_next(map, &it, &k, &v)) {
        size_t kl;
        const char *kt = sg_text(k, &kl);
        char w[SG_MAX_FIELD + 32];
        if (!kt || kl == 0 || kl > SG_MAX_FIELD)
            return mfail(L, k, CANH_EINVAL, "placeholders: expected a name");
        snprintf(w, sizeof w, "placeholders.%.*s", (int)kl, kt);
        uint32_t idx = sg_vec_push(&L->m->phs);
        if (idx == SG_NONE)
            return CANH_ENOMEM;
        ph_t *ph = SG_AT(L->m->phs, ph_t, idx);
        if (!(ph->name = mdup(L, k)))
            return CANH_ENOMEM;
        int rc = str_list(L, v, w, &ph->vals, &ph->n, SG_MAX_PLACEHOLDER);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

int sg_maps_load(sg_maps_t *m, const char *name, const char *text, size_t len, canh_errbuf_t *eb)
{
    mload_t L = {m, name, eb};
    unsigned line;
    char why[400];
    if (m->nfiles == m->capfiles) {
        size_t cap = m->capfiles ? m->capfiles * 2 : 8;
        sg_yaml_t *f = canh_reallocarray(m->files, cap, sizeof *f);
        if (!f)
            return canh_errf(eb, CANH_ENOMEM, "%s: out of memory", name);
        m->files = f;
        m->capfiles = cap;
    }
    sg_yaml_t *y = &m->files[m->nfiles++];
    int rc = sg_yaml_parse(y, text, len, &line, why, sizeof why);
    if (rc)
        return canh_errf(eb, rc, "%s:%u: %s", name, line, why);
    for (size_t d = 0; d < y->ndocs; d++) {
        struct fy_node *root = sg_root(&y->docs[d]);
        void *it = NULL;
        struct fy_node *k, *v;
        if (sg_is_null(root))
            continue;
        if (!sg_is_map(root))
            return mfail(&L, root, CANH_EINVAL,
                         "expected a mapping with logsources, fields or placeholders");
        while (sg_map_next(root, &it, &k, &v)) {
            size_t kl;
            const char *kt = sg_text(k, &kl);
            if (kt && kl == 10 && !memcmp(kt, "logsources", 10))
                rc = load_logsources(&L, v);
            else if (kt && kl == 6 && !memcmp(kt, "fields", 6))
                rc = load_fields(&L, v);
            else if (kt && kl == 12 && !memcmp(kt, "placeholders", 12))
                rc = load_placeholders(&L, v);
            else if (kt && ((kl == 5 && !memcmp(kt, "title", 5)) ||
                            (kl == 11 && !memcmp(kt, "description", 11))))
                rc = CANH_OK;
            else
                rc = mfail(&L, k, CANH_EINVAL,
                           "unknown key \"%.*s\" (expected logsources, fields or placeholders)",
                           (int)(kt ? kl : 0), kt ? kt : "");
            if (rc == CANH_ENOMEM)
                return canh_errf(eb, rc, "%s: out of memory", name);
            if (rc)
                return rc;
        }
    }
    return CANH_OK;
}

int sg_maps_load_builtin(sg_maps_t *m, canh_errbuf_t *eb)
{
    for (size_t i = 0; i < sg_builtin_nmaps; i++) {
        int rc = sg_maps_load(m, sg_builtin_maps[i].name, sg_builtin_maps[i].text,
                              sg_builtin_maps[i].len, eb);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

/* ---- lookups ------------------------------------------------------------------------------ */

static bool attr_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    size_t n = strlen(a);
    return n == strlen(b) && sg_ieq(a, b, n);
}

/* A selector applies to a logsource when each attribute it gives equals
 * the logsource's. Returns the number of attributes it gives, or -1. */
static int applies(const char *p, const char *c, const char *s, const sg_logsrc_t *ls)
{
    int k = 0;
    if (p) {
        if (!attr_eq(p, ls->product))
            return -1;
        k++;
    }
    if (c) {
        if (!attr_eq(c, ls->category))
            return -1;
        k++;
    }
    if (s) {
        if (!attr_eq(s, ls->service))
            return -1;
        k++;
    }
    return k;
}

sg_route_def_t sg_maps_route(const sg_maps_t *m, const sg_logsrc_t *ls)
{
    sg_route_def_t best = {0};
    int want = (ls->product != NULL) + (ls->category != NULL) + (ls->service != NULL);
    int best_k = 0;
    /* The most specific applicable entry; on a tie the later one. */
    for (uint32_t i = 0; i < m->ls.n; i++) {
        const ls_entry_t *e = SG_AT(m->ls, ls_entry_t, i);
        int k = applies(e->p, e->c, e->s, ls);
        if (k <= 0 || k < best_k)
            continue;
        best_k = k;
        best.match = e->match;
        best.name = e->file;
        best.found = k == want;
        best.entry = i;
        best.any = true;
    }
    return best;
}

size_t sg_maps_field(const sg_maps_t *m, const sg_logsrc_t *ls, const char *field, size_t flen,
                     const char **out, char *buf, size_t bufcap, bool *any)
{
    const fsec_t *secs[64];
    int spec[64];
    size_t ns = 0, n = 0, used = 0;
    *any = false;
    for (uint32_t i = 0; i < m->fs.n && ns < 64; i++) {
        const fsec_t *fs = SG_AT(m->fs, fsec_t, i);
        int k = applies(fs->p, fs->c, fs->s, ls);
        if (k < 0)
            continue;
        /* Insert ordered by specificity, later sections first on ties. */
        size_t j = ns++;
        while (j > 0 && spec[j - 1] <= k) {
            secs[j] = secs[j - 1];
            spec[j] = spec[j - 1];
            j--;
        }
        secs[j] = fs;
        spec[j] = k;
    }
    for (size_t i = 0; i < ns; i++) {
        uint32_t idx = sg_tab_get(&secs[i]->tab, field, flen);
        if (idx == SG_NONE)
            continue;
        const fmap_t *f = &secs[i]->map[idx];
        for (uint32_t c = 0; c < f->ncand && n < SG_MAX_CANDIDATES; c++)
            out[n++] = f->cand[c];
        *any = f->any;
        return n;
    }
    /* Templates: "{field}" replaced by the Sigma name. */
    for (size_t i = 0; i < ns; i++) {
        for (uint32_t d = 0; d < secs[i]->ndef && n + 1 < SG_MAX_CANDIDATES; d++) {
            const char *t = secs[i]->defaults[d];
            const char *ph = strstr(t, "{field}");
            size_t tl = strlen(t);
            size_t need = ph ? tl - 7 + flen + 1 : tl + 1;
            if (used + need > bufcap)
                continue;
            char *o = buf + used;
            if (ph) {
                size_t pre = (size_t)(ph - t);
                memcpy(o, t, pre);
                memcpy(o + pre, field, flen);
                memcpy(o + pre + flen, ph + 7, tl - pre - 7);
                o[need - 1] = '\0';
            } else {
                memcpy(o, t, tl + 1);
            }
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup |= strcmp(out[k], o) == 0;
            if (dup)
                continue;
            out[n++] = o;
            used += need;
        }
    }
    /* The name itself, last (an ECS-named Sigma field works as-is). */
    if (used + flen + 1 <= bufcap && n < SG_MAX_CANDIDATES) {
        memcpy(buf + used, field, flen);
        buf[used + flen] = '\0';
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= strcmp(out[k], buf + used) == 0;
        if (!dup)
            out[n++] = buf + used;
    }
    return n;
}

size_t sg_maps_placeholder(const sg_maps_t *m, const char *name, size_t n, const char *const **out)
{
    /* The last definition wins. */
    for (uint32_t i = m->phs.n; i-- > 0;) {
        const ph_t *ph = SG_AT(m->phs, ph_t, i);
        if (strlen(ph->name) == n && memcmp(ph->name, name, n) == 0) {
            *out = ph->vals;
            return ph->n;
        }
    }
    return 0;
}

const char *sg_maps_route_desc(const sg_maps_t *m, uint32_t entry, char *buf, size_t cap)
{
    if (entry >= m->ls.n) {
        snprintf(buf, cap, "?");
        return buf;
    }
    const ls_entry_t *e = SG_AT(m->ls, ls_entry_t, entry);
    size_t o = 0;
    buf[0] = '\0';
    if (e->p)
        o += (size_t)snprintf(buf + o, cap - o, "product=%s", e->p);
    if (e->c && o < cap)
        o += (size_t)snprintf(buf + o, cap - o, "%scategory=%s", o ? " " : "", e->c);
    if (e->s && o < cap)
        snprintf(buf + o, cap - o, "%sservice=%s", o ? " " : "", e->s);
    return buf;
}
