/* collect_packages.c - installed-package inventory from the dpkg status
 * file and the rpm database (origin "packages").
 *
 * Each inventory is compared with the last one emitted (kept in memory and,
 * from checkpoint(), in STATE/packages.json): the first inventory ever emits
 * one record per package (event.type info), later ones only the changes
 * (installation, deletion, change for a new version), and every inventory
 * ends with a summary record. A package is known by (type, name,
 * architecture). An inventory is adopted as "emitted" once emit accepted
 * all of its records; a restart before that compares against the previous
 * one again, so a change is reported at least once. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/mem.h"
#include "canh/reader.h"
#include "canh/store.h"
#include "collect_int.h"

#define STATE_FILE "packages.json"
#define MAX_STATUS_FILE (256u * 1024u * 1024u)
#define MAX_FIELD 1024 /* longest name/version/arch/source kept */

/* ---- dpkg status (pure) ---------------------------------------------------- */
typedef struct stanza {
    canh_dpkg_pkg_t pkg;
    bool any, bad;
} stanza_t;

static bool installed(canh_str_t status)
{
    /* "want flag status": installed and not half-done; held packages are
     * installed too. */
    return canh_str_eq_c(status, "install ok installed") ||
           canh_str_eq_c(status, "hold ok installed");
}

static int stanza_end(stanza_t *s, int (*fn)(void *ud, const canh_dpkg_pkg_t *pkg), void *ud,
                      uint64_t *malformed)
{
    int rc = 0;
    if (s->any && installed(s->pkg.status)) {
        if (s->bad || !s->pkg.name.p || !s->pkg.name.n || !s->pkg.version.p || !s->pkg.version.n) {
            if (malformed)
                (*malformed)++;
        } else {
            rc = fn(ud, &s->pkg);
        }
    }
    memset(s, 0, sizeof *s);
    return rc;
}

int canh_dpkg_parse(const char *p, size_t n, int (*fn)(void *ud, const canh_dpkg_pkg_t *pkg),
                    void *ud, uint64_t *malformed)
{
    canh_rd_t r = canh_rd(canh_str(p, n));
    stanza_t s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    while (!canh_rd_eof(&r) && rc == 0) {
        canh_str_t line;
        if (!canh_rd_until(&r, '\n', &line)) {
            line = canh_rd_rest(&r);
            r.off = r.n;
        }
        if (line.n > 0 && line.p[line.n - 1] == '\r')
            line.n--;
        if (canh_str_trim(line).n == 0) {
            rc = stanza_end(&s, fn, ud, malformed);
            continue;
        }
        if (line.p[0] == ' ' || line.p[0] == '\t') {
            if (!s.any)
                s.bad = true; /* a continuation with nothing to continue */
            continue;
        }
        s.any = true;
        ptrdiff_t colon = canh_str_chr(line, ':');
        if (colon <= 0) {
            s.bad = true;
            continue;
        }
        canh_str_t key = canh_str(line.p, (size_t)colon);
        canh_str_t val = canh_str_trim(canh_str_sub(line, (size_t)colon + 1, line.n));
        if (val.n > MAX_FIELD && !canh_str_eq_c(key, "Description")) {
            if (canh_str_eq_c(key, "Package") || canh_str_eq_c(key, "Version") ||
                canh_str_eq_c(key, "Architecture") || canh_str_eq_c(key, "Source"))
                s.bad = true;
            continue;
        }
        if (canh_str_eq_c(key, "Package"))
            s.pkg.name = val;
        else if (canh_str_eq_c(key, "Status"))
            s.pkg.status = val;
        else if (canh_str_eq_c(key, "Version"))
            s.pkg.version = val;
        else if (canh_str_eq_c(key, "Architecture"))
            s.pkg.arch = val;
        else if (canh_str_eq_c(key, "Source")) {
            /* "Source: name (version)" when the version differs. */
            ptrdiff_t sp = canh_str_chr(val, ' ');
            s.pkg.source = sp >= 0 ? canh_str(val.p, (size_t)sp) : val;
        }
    }
    if (rc == 0)
        rc = stanza_end(&s, fn, ud, malformed);
    return rc;
}

/* ---- rpm header (pure) ------------------------------------------------------- */
enum {
    RPMTAG_NAME = 1000,
    RPMTAG_VERSION = 1001,
    RPMTAG_RELEASE = 1002,
    RPMTAG_EPOCH = 1003,
    RPMTAG_ARCH = 1022
};
enum {
    RPM_INT32_TYPE = 4,
    RPM_STRING_TYPE = 6,
    RPM_STRING_ARRAY_TYPE = 8,
    RPM_I18NSTRING_TYPE = 9
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int canh_rpm_header_parse(const uint8_t *p, size_t n, canh_rpm_pkg_t *out)
{
    if (!p || n < 8)
        return CANH_EINVAL;
    uint32_t il = be32(p), dl = be32(p + 4);
    if (il == 0 || il > CANH_RPM_MAX_INDEX || dl > CANH_RPM_MAX_DATA)
        return CANH_EINVAL;
    size_t need = 8 + (size_t)il * 16 + dl;
    if (need > n)
        return CANH_EINVAL;
    const uint8_t *ix = p + 8, *data = p + 8 + (size_t)il * 16;
    canh_rpm_pkg_t r = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL, -1};
    for (uint32_t i = 0; i < il; i++) {
        const uint8_t *e = ix + (size_t)i * 16;
        uint32_t tag = be32(e), type = be32(e + 4), off = be32(e + 8), count = be32(e + 12);
        canh_str_t *dst = NULL;
        switch (tag) {
        case RPMTAG_NAME: dst = &r.name; break;
        case RPMTAG_VERSION: dst = &r.version; break;
        case RPMTAG_RELEASE: dst = &r.release; break;
        case RPMTAG_ARCH: dst = &r.arch; break;
        case RPMTAG_EPOCH:
            if (type != RPM_INT32_TYPE || count < 1 || off > dl || dl - off < 4)
                return CANH_EINVAL;
            r.epoch = be32(data + off);
            continue;
        default: continue;
        }
        if (type != RPM_STRING_TYPE && type != RPM_I18NSTRING_TYPE && type != RPM_STRING_ARRAY_TYPE)
            return CANH_EINVAL;
        if (count < 1 || off >= dl)
            return CANH_EINVAL;
        const uint8_t *s = data + off;
        const uint8_t *nul = memchr(s, '\0', dl - off);
        if (!nul)
            return CANH_EINVAL;
        *dst = canh_str((const char *)s, (size_t)(nul - s));
    }
    if (!r.name.p || !r.name.n || !r.version.p || !r.version.n)
        return CANH_EINVAL;
    *out = r;
    return CANH_OK;
}

/* ---- inventories -------------------------------------------------------------- */
typedef struct pkg {
    char *type, *name, *arch, *version, *source; /* one allocation at type */
} pkg_t;

typedef struct pkglist {
    pkg_t *v;
    size_t n, cap;
} pkglist_t;

static void list_free(pkglist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        canh_free(l->v[i].type);
    canh_free(l->v);
    memset(l, 0, sizeof *l);
}

/* Adds a package; the strings are copied (cut to MAX_FIELD). */
static int list_add(pkglist_t *l, const char *type, canh_str_t name, canh_str_t version,
                    canh_str_t arch, canh_str_t source)
{
    if (l->n >= CANH_COLL_MAX_PACKAGES)
        return CANH_ELIMIT;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        pkg_t *nv = canh_reallocarray(l->v, nc, sizeof *nv);
        if (!nv)
            return CANH_ENOMEM;
        l->v = nv;
        l->cap = nc;
    }
    canh_str_t parts[5] = {canh_str_c(type), name, arch, version, source};
    size_t total = 0;
    for (int i = 0; i < 5; i++) {
        if (parts[i].n > MAX_FIELD)
            parts[i].n = MAX_FIELD;
        total += parts[i].n + 1;
    }
    char *m = canh_malloc(total), *w = m;
    if (!m)
        return CANH_ENOMEM;
    char *ptr[5];
    for (int i = 0; i < 5; i++) {
        ptr[i] = w;
        if (parts[i].n)
            memcpy(w, parts[i].p, parts[i].n);
        w[parts[i].n] = '\0';
        canh_coll_utf8_fix(w, parts[i].n);
        w += parts[i].n + 1;
    }
    l->v[l->n++] = (pkg_t){ptr[0], ptr[1], ptr[2], ptr[3], ptr[4]};
    return CANH_OK;
}

static int pkg_key_cmp(const pkg_t *a, const pkg_t *b)
{
    int c = strcmp(a->type, b->type);
    if (!c)
        c = strcmp(a->name, b->name);
    if (!c)
        c = strcmp(a->arch, b->arch);
    return c;
}

static int pkg_qcmp(const void *a, const void *b)
{
    return pkg_key_cmp(a, b);
}

/* Sorts and drops duplicate keys (the same package twice in a database). */
static void list_sort(pkglist_t *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, pkg_qcmp);
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (w > 0 && pkg_key_cmp(&l->v[w - 1], &l->v[i]) == 0) {
            canh_free(l->v[i].type);
            continue;
        }
        l->v[w++] = l->v[i];
    }
    l->n = w;
}

struct canh_coll_pkg {
    canh_collectors_t *c;
    char *dpkg, *rpmdb;
    unsigned interval_s;
    int64_t next;
    canh_outbox_t ob;
    pkglist_t emitted; /* the last inventory whose records were all emitted */
    bool have_emitted; /* false until a first inventory is known */
    pkglist_t pending; /* the inventory whose records are in flight */
    bool have_pending;
    uint64_t pending_last; /* seq of its last record */
    bool dirty;            /* emitted changed since the state file was written */
    uint64_t malformed;
};

typedef struct read_ctx {
    pkglist_t *l;
    int err;
    uint64_t *malformed;
} read_ctx_t;

static int on_dpkg(void *ud, const canh_dpkg_pkg_t *p)
{
    read_ctx_t *x = ud;
    int rc = list_add(x->l, "deb", p->name, p->version, p->arch, p->source);
    if (rc) {
        x->err = rc;
        return 1;
    }
    return 0;
}

static int on_rpm(void *ud, const void *blob, size_t n)
{
    read_ctx_t *x = ud;
    canh_rpm_pkg_t r;
    if (canh_rpm_header_parse(blob, n, &r) != CANH_OK) {
        (*x->malformed)++;
        return 0;
    }
    /* The version as rpm prints it: [epoch:]version-release. */
    char ver[3 * MAX_FIELD];
    int k;
    int vn = (int)(r.version.n > MAX_FIELD ? MAX_FIELD : r.version.n);
    int rn = (int)(r.release.n > MAX_FIELD ? MAX_FIELD : r.release.n);
    if (r.epoch > 0)
        k = snprintf(ver, sizeof ver, "%" PRId64 ":%.*s%s%.*s", r.epoch, vn, r.version.p,
                     rn ? "-" : "", rn, r.release.p ? r.release.p : "");
    else
        k = snprintf(ver, sizeof ver, "%.*s%s%.*s", vn, r.version.p, rn ? "-" : "", rn,
                     r.release.p ? r.release.p : "");
    if (k < 0 || (size_t)k >= sizeof ver)
        k = (int)sizeof ver - 1;
    int rc = list_add(x->l, "rpm", r.name, canh_str(ver, (size_t)k),
                      r.arch.p ? r.arch : CANH_STR_LIT(""), CANH_STR_LIT(""));
    if (rc) {
        x->err = rc;
        return 1;
    }
    return 0;
}

/* Reads this machine's packages into l. Sources that do not exist are
 * skipped; unreadable ones are logged (rate-limited) and skipped. */
static int inventory(canh_coll_pkg_t *p, pkglist_t *l, uint64_t *malformed)
{
    read_ctx_t x = {l, CANH_OK, malformed};
    canh_errbuf_t eb;
    if (p->dpkg) {
        char *text = NULL;
        size_t n = 0;
        int rc = canh_coll_read_file(p->dpkg, MAX_STATUS_FILE, &text, &n, &eb);
        if (rc == CANH_ENOMEM)
            return rc;
        if (rc == CANH_OK) {
            canh_dpkg_parse(text, n, on_dpkg, &x, malformed);
            canh_free(text);
        } else if (rc != CANH_ENOENT && p->c->log) {
            canh_log(p->c->log, CANH_LOG_WARN, "packages: %s", eb.msg);
        }
        if (x.err && x.err != CANH_ELIMIT)
            return x.err;
    }
    if (p->rpmdb && x.err == CANH_OK) {
        int rc = canh_store_rpmdb_each(p->rpmdb, on_rpm, &x, &eb);
        if (x.err && x.err != CANH_ELIMIT)
            return x.err;
        if (rc && rc != 1 && rc != CANH_ENOENT && p->c->log)
            canh_log(p->c->log, CANH_LOG_WARN, "packages: %s", eb.msg);
    }
    list_sort(l);
    return CANH_OK;
}

/* One record: a package as it is (info/installation/deletion) or changed. */
static json_t *pkg_doc(const pkg_t *k, const char *type, const char *action, const char *prev)
{
    json_t *doc =
        canh_coll_doc("packages", strcmp(type, "info") == 0 ? "state" : "event", "package", type);
    json_t *ev = doc ? canh_coll_json_obj(doc, "event") : NULL;
    json_t *pk = doc ? canh_coll_json_obj(doc, "package") : NULL;
    if (!ev || !pk || json_object_set_new(ev, "action", json_string(action)) != 0 ||
        canh_coll_json_set(pk, "name", k->name) || canh_coll_json_set(pk, "version", k->version) ||
        canh_coll_json_set(pk, "type", k->type) ||
        (*k->arch && canh_coll_json_set(pk, "architecture", k->arch)))
        goto fail;
    if (*k->source || prev) {
        json_t *cj = canh_coll_json_obj(doc, "canh");
        json_t *cp = cj ? canh_coll_json_obj(cj, "package") : NULL;
        if (!cp || (*k->source && canh_coll_json_set(cp, "source", k->source)) ||
            (prev && canh_coll_json_set(cp, "previous_version", prev)))
            goto fail;
    }
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

static int offer(canh_coll_pkg_t *p, canh_coll_emit_t *e, json_t *doc, bool *lost)
{
    if (!doc)
        return CANH_ENOMEM;
    int rc = canh_coll_offer_json(e, &p->ob, &p->c->stats, CANH_COLLECT_PACKAGES, "packages", doc,
                                  &p->pending_last);
    json_decref(doc);
    if (rc == CANH_ELIMIT) {
        *lost = true;
        return CANH_OK;
    }
    return rc;
}

/* Runs one inventory and queues its records. */
static int run(canh_coll_pkg_t *p, canh_coll_emit_t *e)
{
    pkglist_t cur = {0};
    uint64_t malformed = 0;
    int rc = inventory(p, &cur, &malformed);
    if (rc) {
        list_free(&cur);
        return rc;
    }
    p->c->stats.packages = cur.n;
    p->c->stats.packages_malformed += malformed;
    bool first = !p->have_emitted, lost = false;
    uint64_t added = 0, removed = 0, changed = 0;
    size_t i = 0, j = 0;
    const pkglist_t *old = &p->emitted;
    while ((i < old->n || j < cur.n) && rc == CANH_OK && !lost) {
        int c = i >= old->n ? 1 : j >= cur.n ? -1 : pkg_key_cmp(&old->v[i], &cur.v[j]);
        if (first) {
            rc = offer(p, e, pkg_doc(&cur.v[j], "info", "package-present", NULL), &lost);
            j++;
        } else if (c < 0) {
            removed++;
            rc = offer(p, e, pkg_doc(&old->v[i], "deletion", "package-removed", NULL), &lost);
            i++;
        } else if (c > 0) {
            added++;
            rc = offer(p, e, pkg_doc(&cur.v[j], "installation", "package-installed", NULL), &lost);
            j++;
        } else {
            if (strcmp(old->v[i].version, cur.v[j].version) != 0) {
                changed++;
                rc =
                    offer(p, e, pkg_doc(&cur.v[j], "change", "package-upgraded", old->v[i].version),
                          &lost);
            }
            i++;
            j++;
        }
    }
    if (rc == CANH_OK && !lost) {
        uint64_t deb = 0, rpm = 0;
        for (size_t k = 0; k < cur.n; k++)
            *(cur.v[k].type[0] == 'd' ? &deb : &rpm) += 1;
        json_t *doc = canh_coll_doc("packages", "state", "package", "info");
        json_t *ev = doc ? canh_coll_json_obj(doc, "event") : NULL;
        json_t *cj = doc ? canh_coll_json_obj(doc, "canh") : NULL;
        json_t *sum =
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "total", (json_int_t)cur.n, "deb",
                      (json_int_t)deb, "rpm", (json_int_t)rpm, "installed", (json_int_t)added,
                      "removed", (json_int_t)removed, "upgraded", (json_int_t)changed, "malformed",
                      (json_int_t)malformed, "first", first);
        if (!ev || !cj) {
            json_decref(sum);
            json_decref(doc);
            doc = NULL;
        } else if (json_object_set_new(cj, "packages", sum) != 0 ||
                   json_object_set_new(ev, "action", json_string("package-inventory")) != 0) {
            json_decref(doc);
            doc = NULL;
        }
        rc = offer(p, e, doc, &lost);
    }
    if (rc || lost) {
        /* The next inventory compares against the old one again. */
        if (lost && p->c->log)
            canh_log(p->c->log, CANH_LOG_WARN, "packages: more changes than the outbox holds");
        list_free(&cur);
        return rc;
    }
    list_free(&p->pending);
    p->pending = cur;
    p->have_pending = true;
    return CANH_OK;
}

static void adopt_if_done(canh_coll_pkg_t *p)
{
    if (!p->have_pending || p->ob.emitted_seq < p->pending_last)
        return;
    list_free(&p->emitted);
    p->emitted = p->pending;
    memset(&p->pending, 0, sizeof p->pending);
    p->have_pending = false;
    p->have_emitted = true;
    p->dirty = true;
}

int canh_coll_pkg_poll(canh_coll_pkg_t *p, canh_coll_emit_t *e, int64_t now)
{
    int rc = canh_coll_drain(e, &p->ob, &p->c->stats, CANH_COLLECT_PACKAGES, "packages");
    if (rc == CANH_EFULL)
        return CANH_OK;
    if (rc)
        return rc;
    adopt_if_done(p);
    if (now < p->next || !canh_coll_can_emit(e))
        return CANH_OK;
    p->next = now + (int64_t)p->interval_s * 1000;
    if ((rc = run(p, e)) != CANH_OK)
        return rc;
    adopt_if_done(p);
    return CANH_OK;
}

int64_t canh_coll_pkg_due(const canh_coll_pkg_t *p)
{
    return p->ob.head ? 0 : p->next;
}

/* ---- state -------------------------------------------------------------------- */
int canh_coll_pkg_checkpoint(canh_coll_pkg_t *p, canh_errbuf_t *eb)
{
    if (!p->dirty)
        return CANH_OK;
    json_t *arr = json_array();
    json_t *doc = json_pack("{s:i, s:o}", "version", 1, "packages", arr);
    if (!doc)
        return CANH_ENOMEM;
    for (size_t i = 0; i < p->emitted.n; i++) {
        const pkg_t *k = &p->emitted.v[i];
        json_t *row =
            json_pack("[s, s, s, s, s]", k->type, k->name, k->arch, k->version, k->source);
        if (!row || json_array_append_new(arr, row) != 0) {
            json_decref(doc);
            return CANH_ENOMEM;
        }
    }
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s)
        return CANH_ENOMEM;
    int rc = canh_coll_write_atomic(p->c->state_dir, STATE_FILE, s, strlen(s), eb);
    free(s);
    if (rc == CANH_OK)
        p->dirty = false;
    return rc;
}

static int load_state(canh_coll_pkg_t *p)
{
    char path[PATH_MAX], *text = NULL;
    size_t n;
    canh_errbuf_t eb;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", p->c->state_dir, STATE_FILE) >= sizeof path)
        return CANH_OK;
    int rc = canh_coll_read_file(path, CANH_COLL_STATE_MAX * 4, &text, &n, &eb);
    if (rc == CANH_ENOMEM)
        return rc;
    if (rc)
        return CANH_OK;
    json_t *doc = json_loadb(text, n, 0, NULL);
    canh_free(text);
    json_t *arr = json_object_get(doc, "packages");
    if (!json_is_array(arr)) {
        if (p->c->log)
            canh_log(p->c->log, CANH_LOG_WARN, "%s: unreadable, taking a full inventory", path);
        json_decref(doc);
        return CANH_OK;
    }
    for (size_t i = 0; i < json_array_size(arr) && rc == CANH_OK; i++) {
        json_t *row = json_array_get(arr, i);
        canh_str_t f[5];
        bool ok = json_is_array(row) && json_array_size(row) == 5;
        for (size_t c = 0; ok && c < 5; c++) {
            json_t *v = json_array_get(row, c);
            ok = json_is_string(v);
            if (ok)
                f[c] = canh_str(json_string_value(v), json_string_length(v));
        }
        if (!ok)
            continue;
        char type[8];
        snprintf(type, sizeof type, "%.*s", (int)(f[0].n < 7 ? f[0].n : 7), f[0].p);
        rc = list_add(&p->emitted, type, f[1], f[3], f[2], f[4]);
        if (rc == CANH_ELIMIT)
            rc = CANH_OK;
    }
    json_decref(doc);
    if (rc)
        return rc;
    list_sort(&p->emitted);
    p->have_emitted = true;
    return CANH_OK;
}

void canh_coll_pkg_destroy(canh_coll_pkg_t *p)
{
    if (!p)
        return;
    canh_outbox_fini(&p->ob);
    list_free(&p->emitted);
    list_free(&p->pending);
    canh_free(p->dpkg);
    canh_free(p->rpmdb);
    canh_free(p);
}

int canh_coll_pkg_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_pkg_t **out,
                         canh_errbuf_t *eb)
{
    (void)eb;
    *out = NULL;
    bool dpkg = o->dpkg_status && *o->dpkg_status, rpm = o->rpmdb && *o->rpmdb;
    if (o->inventory_interval_s == 0 || (!dpkg && !rpm))
        return CANH_OK;
    canh_coll_pkg_t *p = canh_calloc(1, sizeof *p);
    if (!p)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    p->c = c;
    p->interval_s = o->inventory_interval_s;
    canh_outbox_init(&p->ob, CANH_COLL_OUTBOX_MAX);
    if ((dpkg && !(p->dpkg = canh_strdup(o->dpkg_status))) ||
        (rpm && !(p->rpmdb = canh_strdup(o->rpmdb)))) {
        rc = CANH_ENOMEM;
        goto out;
    }
    rc = load_state(p);
out:
    if (rc) {
        canh_coll_pkg_destroy(p);
        return rc;
    }
    *out = p;
    return CANH_OK;
}
