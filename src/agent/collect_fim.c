/* collect_fim.c - file integrity monitoring (origin "fim").
 *
 * Roots are files or directories (walked recursively, symlinks not
 * followed, at most CANH_COLL_FIM_DEPTH deep). Each entry's baseline (size,
 * mode, owner, mtime, ctime, inode, SHA-256 of a regular file's content or
 * of a symlink's target) lives in the agent's canh.db (store_fim.c).
 *
 * Two ways to see a change: inotify watches on every directory (up to
 * fim_max_watches; IN_CLOSE_WRITE, IN_ATTRIB, creations, deletions and
 * moves; a file still open for writing is seen at its close or by the next
 * scan), and a full scan at start and every fim_interval_s. A scan rehashes
 * only entries whose size, mtime, ctime or inode changed (content cannot
 * change without changing ctime). Scans and checks are done in slices
 * (CANH_COLL_FIM_SLICE entries, CANH_COLL_FIM_SLICE_BYTES hashed per poll).
 *
 * The first scan of a root builds its baseline silently and ends with one
 * summary record; afterwards every difference is a record: event.type
 * creation, change or deletion, with canh.fim.changed naming what changed.
 * A change's new baseline is kept in memory (the overlay) until
 * checkpoint() writes it: after a crash the change is reported again
 * rather than lost. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/mem.h"
#include "canh/store.h"
#include "collect_int.h"

#define DIR_MASK                                                                                   \
    (IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |            \
     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define HASH_CHUNK (64u * 1024u)
#define DEL_PAGE 256
#define OVERLAY_SLOTS (2 * CANH_COLL_FIM_OVERLAY_MAX)

typedef struct root {
    char *path;
    size_t len;
    bool built; /* its baseline exists */
} root_t;

typedef struct fwatch {
    int wd;
    char *dir;
} fwatch_t;

typedef struct dirent_q {
    char *path;
    int depth;
} dirq_ent_t;

typedef struct ovl {
    char *path; /* NULL: free slot */
    bool exists;
    canh_fim_entry_t e;
    uint64_t seq;
} ovl_t;

struct canh_coll_fim {
    canh_collectors_t *c;
    canh_store_t *st;
    root_t *roots;
    size_t nroots;
    unsigned interval_s, max_watches, max_files;
    uint64_t max_hash;
    int64_t next_scan;
    int ifd;
    fwatch_t *watches; /* sorted by wd */
    size_t nwatches;
    /* the walk */
    bool scanning, full; /* full: a deletion pass follows the walk */
    dirq_ent_t *q;
    size_t qhead, qn, qcap;
    DIR *cur;
    char *cur_path;
    int cur_depth;
    uint64_t entries;
    bool del_pass;
    char *del_after;
    bool del_db_done;
    size_t del_ovl; /* next overlay slot the deletion pass looks at */
    bool want_rescan;
    bool newly_built; /* this scan built some root's baseline */
    /* paths inotify named */
    char **pend;
    size_t phead, pn;
    /* changes emitted, not checkpointed */
    ovl_t *ovl;
    size_t novl;
    canh_outbox_t ob;
    uint8_t *hbuf;
    uint64_t hashed; /* bytes hashed in this poll */
    bool in_txn;
};

/* ---- small helpers -------------------------------------------------------------- */
static uint64_t str_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int root_of(const canh_coll_fim_t *f, const char *path)
{
    for (size_t i = 0; i < f->nroots; i++) {
        const root_t *r = &f->roots[i];
        if (strncmp(path, r->path, r->len) == 0 &&
            (path[r->len] == '\0' || path[r->len] == '/' || (r->len == 1 && r->path[0] == '/')))
            return (int)i;
    }
    return -1;
}

static bool join(char *out, size_t size, const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    return (size_t)snprintf(out, size, "%s%s%s", dir, slash ? "" : "/", name) < size;
}

static void fim_error(canh_coll_fim_t *f, const char *what, const char *path, int err)
{
    f->c->stats.fim_errors++;
    if (f->c->log)
        canh_log(f->c->log, CANH_LOG_WARN, "fim: %s %s: %s", what, path, strerror(err));
}

/* ---- overlay ---------------------------------------------------------------------- */
static ovl_t *ovl_find(canh_coll_fim_t *f, const char *path)
{
    size_t i = str_hash(path) % OVERLAY_SLOTS;
    for (size_t k = 0; k < OVERLAY_SLOTS; k++, i = (i + 1) % OVERLAY_SLOTS) {
        if (!f->ovl[i].path)
            return NULL;
        if (strcmp(f->ovl[i].path, path) == 0)
            return &f->ovl[i];
    }
    return NULL;
}

static int ovl_put(canh_coll_fim_t *f, const char *path, bool exists, const canh_fim_entry_t *e,
                   uint64_t seq)
{
    ovl_t *o = ovl_find(f, path);
    if (!o) {
        size_t i = str_hash(path) % OVERLAY_SLOTS;
        while (f->ovl[i].path)
            i = (i + 1) % OVERLAY_SLOTS;
        o = &f->ovl[i];
        if (!(o->path = canh_strdup(path)))
            return CANH_ENOMEM;
        f->novl++;
    }
    o->exists = exists;
    if (e) {
        o->e = *e;
        o->e.path = NULL;
    }
    o->seq = seq;
    return CANH_OK;
}

/* The baseline of path: overlay first, then the store. CANH_ENOENT when
 * there is none (or the overlay says it was deleted). out->path unset. */
static int lookup(canh_coll_fim_t *f, const char *path, canh_fim_entry_t *out)
{
    ovl_t *o = ovl_find(f, path);
    if (o) {
        if (!o->exists)
            return CANH_ENOENT;
        *out = o->e;
        return CANH_OK;
    }
    canh_errbuf_t eb;
    canh_fim_entry_t e;
    int rc = canh_store_fim_get(f->st, path, &e, &eb);
    if (rc == CANH_OK) {
        canh_free(e.path);
        e.path = NULL;
        *out = e;
    } else if (rc != CANH_ENOENT && rc != CANH_ENOMEM) {
        f->c->stats.fim_errors++;
        rc = CANH_ENOENT;
    }
    return rc;
}

/* ---- watches ------------------------------------------------------------------------ */
static size_t watch_pos(const canh_coll_fim_t *f, int wd)
{
    size_t lo = 0, hi = f->nwatches;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->watches[mid].wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static fwatch_t *watch_find(canh_coll_fim_t *f, int wd)
{
    size_t i = watch_pos(f, wd);
    return i < f->nwatches && f->watches[i].wd == wd ? &f->watches[i] : NULL;
}

static void watch_remove(canh_coll_fim_t *f, int wd)
{
    size_t i = watch_pos(f, wd);
    if (i >= f->nwatches || f->watches[i].wd != wd)
        return;
    canh_free(f->watches[i].dir);
    memmove(&f->watches[i], &f->watches[i + 1], (f->nwatches - i - 1) * sizeof *f->watches);
    f->nwatches--;
    f->c->stats.fim_watches = f->nwatches;
}

static int watch_add(canh_coll_fim_t *f, const char *dir)
{
    if (f->ifd < 0)
        return CANH_OK;
    if (f->nwatches >= f->max_watches) {
        f->c->stats.fim_watches_refused++;
        return CANH_OK;
    }
    int wd = inotify_add_watch(f->ifd, dir, DIR_MASK);
    if (wd < 0) {
        if (errno == ENOSPC)
            f->c->stats.fim_watches_refused++;
        return CANH_OK;
    }
    fwatch_t *w = watch_find(f, wd);
    if (w) {
        /* Already watched, perhaps under a name it had before a move. */
        if (strcmp(w->dir, dir) != 0) {
            char *d = canh_strdup(dir);
            if (!d)
                return CANH_ENOMEM;
            canh_free(w->dir);
            w->dir = d;
        }
        return CANH_OK;
    }
    fwatch_t *nw = canh_reallocarray(f->watches, f->nwatches + 1, sizeof *nw);
    if (!nw)
        return CANH_ENOMEM;
    f->watches = nw;
    char *d = canh_strdup(dir);
    if (!d)
        return CANH_ENOMEM;
    size_t i = watch_pos(f, wd);
    memmove(&f->watches[i + 1], &f->watches[i], (f->nwatches - i) * sizeof *f->watches);
    f->watches[i] = (fwatch_t){wd, d};
    f->nwatches++;
    f->c->stats.fim_watches = f->nwatches;
    return CANH_OK;
}

/* ---- queues ---------------------------------------------------------------------- */
static int dirq_push(canh_coll_fim_t *f, const char *path, int depth)
{
    if (f->qn >= CANH_COLL_FIM_DIRQ_MAX) {
        f->c->stats.fim_entries_refused++;
        return CANH_OK;
    }
    if (f->qn == f->qcap) {
        size_t nc = f->qcap ? f->qcap * 2 : 64;
        dirq_ent_t *nq = canh_calloc(nc, sizeof *nq);
        if (!nq)
            return CANH_ENOMEM;
        for (size_t i = 0; i < f->qn; i++)
            nq[i] = f->q[(f->qhead + i) % f->qcap];
        canh_free(f->q);
        f->q = nq;
        f->qcap = nc;
        f->qhead = 0;
    }
    char *p = canh_strdup(path);
    if (!p)
        return CANH_ENOMEM;
    f->q[(f->qhead + f->qn) % f->qcap] = (dirq_ent_t){p, depth};
    f->qn++;
    return CANH_OK;
}

static void dirq_clear(canh_coll_fim_t *f)
{
    for (size_t i = 0; i < f->qn; i++)
        canh_free(f->q[(f->qhead + i) % f->qcap].path);
    f->qn = f->qhead = 0;
}

/* Queues a path inotify named; consecutive repeats collapse. */
static int pend_push(canh_coll_fim_t *f, const char *path)
{
    if (f->pn > 0) {
        const char *last = f->pend[(f->phead + f->pn - 1) % CANH_COLL_FIM_PENDING_MAX];
        if (strcmp(last, path) == 0)
            return CANH_OK;
    }
    if (f->pn >= CANH_COLL_FIM_PENDING_MAX) {
        f->want_rescan = true; /* the scan sees what the queue could not hold */
        return CANH_OK;
    }
    char *p = canh_strdup(path);
    if (!p)
        return CANH_ENOMEM;
    f->pend[(f->phead + f->pn) % CANH_COLL_FIM_PENDING_MAX] = p;
    f->pn++;
    return CANH_OK;
}

/* ---- entries ----------------------------------------------------------------------- */
static const char *ftype(uint32_t mode)
{
    if (S_ISREG(mode))
        return "file";
    if (S_ISDIR(mode))
        return "dir";
    if (S_ISLNK(mode))
        return "symlink";
    return "other";
}

static void entry_from_stat(canh_fim_entry_t *e, const struct stat *st)
{
    memset(e, 0, sizeof *e);
    e->size = (int64_t)st->st_size;
    e->mode = (uint32_t)st->st_mode;
    e->uid = (uint32_t)st->st_uid;
    e->gid = (uint32_t)st->st_gid;
    e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    e->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    e->inode = (uint64_t)st->st_ino;
}

/* SHA-256 of a regular file's content or a symlink's target. */
static bool hash_entry(canh_coll_fim_t *f, const char *path, canh_fim_entry_t *e)
{
    unsigned int len = 0;
    bool ok = false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    if (S_ISLNK(e->mode)) {
        char target[PATH_MAX];
        ssize_t k = readlink(path, target, sizeof target);
        if (k < 0 || (size_t)k >= sizeof target)
            goto out;
        ok = EVP_DigestUpdate(ctx, target, (size_t)k) == 1;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            fim_error(f, "cannot open", path, errno);
            goto out;
        }
        ok = true;
        for (;;) {
            ssize_t k = read(fd, f->hbuf, HASH_CHUNK);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                fim_error(f, "cannot read", path, errno);
                ok = false;
                break;
            }
            if (k == 0)
                break;
            f->hashed += (uint64_t)k;
            if (EVP_DigestUpdate(ctx, f->hbuf, (size_t)k) != 1) {
                ok = false;
                break;
            }
        }
        close(fd);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, e->sha256, &len) == 1 && len == 32;
out:
    EVP_MD_CTX_free(ctx);
    e->has_hash = ok;
    return ok;
}

static json_t *file_json(const char *path, const canh_fim_entry_t *e, bool full)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    char mode[8], num[24], ts[32], hex[65];
    snprintf(mode, sizeof mode, "%04o", e->mode & 07777);
    const char *slash = strrchr(path, '/');
    int bad = 0;
    if (full) {
        bad |= canh_coll_json_set(o, "path", path);
        bad |= canh_coll_json_set(o, "name", slash ? slash + 1 : path);
        if (slash)
            bad |= canh_coll_json_setn(o, "directory", path,
                                       slash == path ? 1 : (size_t)(slash - path));
        bad |= json_object_set_new(o, "type", json_string(ftype(e->mode)));
        snprintf(num, sizeof num, "%" PRIu64, e->inode);
        bad |= json_object_set_new(o, "inode", json_string(num));
    }
    bad |= json_object_set_new(o, "size", json_integer(e->size));
    bad |= json_object_set_new(o, "mode", json_string(mode));
    snprintf(num, sizeof num, "%u", e->uid);
    bad |= json_object_set_new(o, "uid", json_string(num));
    snprintf(num, sizeof num, "%u", e->gid);
    bad |= json_object_set_new(o, "gid", json_string(num));
    canh_coll_iso(e->mtime_ns, ts);
    bad |= json_object_set_new(o, "mtime", json_string(ts));
    if (e->has_hash) {
        canh_hex_encode(hex, e->sha256, 32);
        bad |= json_object_set_new(o, "hash", json_pack("{s:s}", "sha256", hex));
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *str_array(const char *const *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, json_string(v[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

/* Emits one change record and keeps the new state in the overlay. */
static int report(canh_coll_fim_t *f, canh_coll_emit_t *e, const char *path, const char *type,
                  const char *action, const canh_fim_entry_t *now, const canh_fim_entry_t *old,
                  const char *const *changed, size_t nchanged, const char *trigger)
{
    json_t *doc = canh_coll_doc("fim", "event", "file", type);
    json_t *ev = doc ? canh_coll_json_obj(doc, "event") : NULL;
    json_t *cj = doc ? canh_coll_json_obj(doc, "canh") : NULL;
    json_t *cf = cj ? canh_coll_json_obj(cj, "fim") : NULL;
    int rc = CANH_ENOMEM;
    /* The time of the change: the entry's ctime, or for a deletion when
     * the name left its directory. Deterministic, so a record produced
     * again after a crash is the same bytes. */
    int64_t when = now ? now->ctime_ns : 0;
    if (!now) {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
        struct stat ds;
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            if (lstat(dir, &ds) == 0)
                when = (int64_t)ds.st_mtim.tv_sec * 1000000000 + ds.st_mtim.tv_nsec;
        }
    }
    if (when > 0 && doc) {
        char ts[32];
        canh_coll_iso(when, ts);
        if (json_object_set_new(doc, "@timestamp", json_string(ts)))
            goto out;
    }
    /* json_object_set_new takes its value even when it fails (or is NULL). */
    if (!ev || !cf || json_object_set_new(doc, "file", file_json(path, now ? now : old, true)) ||
        json_object_set_new(ev, "action", json_string(action)) ||
        json_object_set_new(cf, "trigger", json_string(trigger)))
        goto out;
    if (nchanged && json_object_set_new(cf, "changed", str_array(changed, nchanged)))
        goto out;
    if (nchanged && now && old && json_object_set_new(cf, "previous", file_json(path, old, false)))
        goto out;
    uint64_t seq = 0;
    rc = canh_coll_offer_json(e, &f->ob, &f->c->stats, CANH_COLLECT_FIM, "fim", doc, &seq);
    if (rc == CANH_ELIMIT)
        rc = CANH_OK; /* cannot happen: one record is parked at a time */
    else if (rc == CANH_OK)
        rc = ovl_put(f, path, now != NULL, now, seq);
out:
    json_decref(doc);
    return rc;
}

/* Compares path (st: its lstat, NULL when it is gone) with its baseline,
 * records the difference (silently while the root's baseline is being
 * built). */
static int check(canh_coll_fim_t *f, canh_coll_emit_t *e, const char *path, const struct stat *st,
                 const char *trigger)
{
    int r = root_of(f, path);
    if (r < 0)
        return CANH_OK;
    bool silent = !f->roots[r].built;
    canh_fim_entry_t old;
    int lr = lookup(f, path, &old);
    if (lr == CANH_ENOMEM)
        return lr;
    bool had = lr == CANH_OK;
    canh_errbuf_t eb;
    if (!st) {
        if (!had)
            return CANH_OK;
        if (S_ISDIR(old.mode))
            f->want_rescan = true; /* its subtree went with it */
        if (silent) {
            if (canh_store_fim_delete(f->st, path, &eb) != CANH_OK)
                f->c->stats.fim_errors++;
            return CANH_OK;
        }
        return report(f, e, path, "deletion", "deleted", NULL, &old, NULL, 0, trigger);
    }
    canh_fim_entry_t now;
    entry_from_stat(&now, st);
    bool hashable = S_ISREG(now.mode) || S_ISLNK(now.mode);
    if (hashable) {
        bool same_meta = had && old.size == now.size && old.mtime_ns == now.mtime_ns &&
                         old.ctime_ns == now.ctime_ns && old.inode == now.inode &&
                         (old.mode & S_IFMT) == (now.mode & S_IFMT);
        if (same_meta && old.has_hash) {
            memcpy(now.sha256, old.sha256, 32);
            now.has_hash = true;
        } else if ((uint64_t)now.size <= f->max_hash || S_ISLNK(now.mode)) {
            hash_entry(f, path, &now);
        }
    }
    if (silent) {
        now.path = (char *)path;
        if (canh_store_fim_put(f->st, &now, &eb) != CANH_OK)
            f->c->stats.fim_errors++;
        return CANH_OK;
    }
    if (!had)
        return report(f, e, path, "creation", "created", &now, NULL, NULL, 0, trigger);
    const char *changed[8];
    size_t nc = 0;
    bool content = false;
    if (old.has_hash != now.has_hash || (now.has_hash && memcmp(old.sha256, now.sha256, 32) != 0)) {
        changed[nc++] = "hash";
        content = true;
    }
    /* A directory's size and mtime move with every name added or removed
     * in it, which the entries' own records already say. */
    bool dirs = S_ISDIR(old.mode) && S_ISDIR(now.mode);
    if (old.size != now.size && !dirs) {
        changed[nc++] = "size";
        content = true;
    }
    if ((old.mode & S_IFMT) != (now.mode & S_IFMT)) {
        changed[nc++] = "type";
        content = true;
    }
    if ((old.mode & 07777) != (now.mode & 07777))
        changed[nc++] = "mode";
    if (old.uid != now.uid)
        changed[nc++] = "uid";
    if (old.gid != now.gid)
        changed[nc++] = "gid";
    if (old.mtime_ns != now.mtime_ns && !dirs)
        changed[nc++] = "mtime";
    if (old.inode != now.inode)
        changed[nc++] = "inode";
    if (nc == 0) {
        /* Only ctime moved (a link count), or a directory's mtime: keep the
         * baseline current without a record. */
        if (old.ctime_ns != now.ctime_ns || old.mtime_ns != now.mtime_ns || old.size != now.size)
            return ovl_put(f, path, true, &now, f->ob.next_seq - 1);
        return CANH_OK;
    }
    return report(f, e, path, "change", content ? "modified" : "attributes-modified", &now, &old,
                  changed, nc, trigger);
}

/* Room to produce another record: nothing parked, overlay not full, budget. */
static bool can_produce(const canh_coll_fim_t *f, const canh_coll_emit_t *e)
{
    return !f->ob.head && f->novl < CANH_COLL_FIM_OVERLAY_MAX && canh_coll_can_emit(e) &&
           f->hashed < CANH_COLL_FIM_SLICE_BYTES;
}

/* ---- inotify ------------------------------------------------------------------------ */
static int read_events(canh_coll_fim_t *f)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int rc = CANH_OK;
    for (;;) {
        ssize_t k = read(f->ifd, buf, sizeof buf);
        if (k <= 0)
            return rc;
        size_t off = 0;
        while (off + sizeof(struct inotify_event) <= (size_t)k && rc == CANH_OK) {
            struct inotify_event ev;
            memcpy(&ev, buf + off, sizeof ev);
            size_t total = sizeof ev + ev.len;
            if (total > (size_t)k - off)
                break;
            const char *name = buf + off + sizeof ev;
            off += total;
            if (ev.mask & IN_Q_OVERFLOW) {
                f->c->stats.fim_overflows++;
                f->want_rescan = true;
                continue;
            }
            if (ev.mask & IN_IGNORED) {
                watch_remove(f, ev.wd);
                continue;
            }
            fwatch_t *w = watch_find(f, ev.wd);
            if (!w)
                continue;
            if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                rc = pend_push(f, w->dir);
                if (ev.mask & IN_MOVE_SELF) {
                    /* Its path is stale now; the new place is scanned. */
                    inotify_rm_watch(f->ifd, ev.wd);
                }
                continue;
            }
            if (ev.len == 0) {
                /* The watched directory itself (chmod, chown). */
                if ((ev.mask & IN_ATTRIB) && root_of(f, w->dir) >= 0)
                    rc = pend_push(f, w->dir);
                continue;
            }
            if (!memchr(name, '\0', ev.len))
                continue;
            char path[PATH_MAX];
            if (!join(path, sizeof path, w->dir, name) || root_of(f, path) < 0)
                continue;
            rc = pend_push(f, path);
            if (rc == CANH_OK && (ev.mask & IN_ISDIR) && (ev.mask & (IN_CREATE | IN_MOVED_TO))) {
                /* A new directory: watch it and look at what it holds. */
                if (!f->scanning) {
                    f->scanning = true;
                    f->full = false;
                }
                rc = dirq_push(f, path, 1);
            }
        }
    }
}

static int process_pending(canh_coll_fim_t *f, canh_coll_emit_t *e)
{
    int rc = CANH_OK;
    while (f->pn > 0 && can_produce(f, e) && rc == CANH_OK) {
        char *p = f->pend[f->phead];
        struct stat st;
        bool exists = lstat(p, &st) == 0;
        rc = check(f, e, p, exists ? &st : NULL, "inotify");
        if (rc == CANH_EFULL)
            rc = CANH_OK;
        if (rc)
            break;
        canh_free(p);
        f->phead = (f->phead + 1) % CANH_COLL_FIM_PENDING_MAX;
        f->pn--;
    }
    return rc;
}

/* ---- scanning ------------------------------------------------------------------------ */
static int start_scan(canh_coll_fim_t *f, canh_coll_emit_t *e)
{
    int rc = CANH_OK;
    dirq_clear(f);
    if (f->cur) {
        closedir(f->cur);
        f->cur = NULL;
    }
    f->scanning = f->full = true;
    f->del_pass = f->del_db_done = false;
    f->del_ovl = 0;
    canh_free(f->del_after);
    f->del_after = NULL;
    f->entries = 0;
    f->want_rescan = false;
    f->newly_built = false;
    for (size_t i = 0; i < f->nroots && rc == CANH_OK; i++) {
        struct stat st;
        const char *p = f->roots[i].path;
        bool exists = lstat(p, &st) == 0;
        if (!f->roots[i].built)
            f->newly_built = true;
        rc = check(f, e, p, exists ? &st : NULL, "scan");
        if (rc == CANH_OK && exists && S_ISDIR(st.st_mode)) {
            rc = dirq_push(f, p, 0);
        } else if (rc == CANH_OK) {
            /* A file root: its directory is watched (events for the other
             * names in it are dropped), which also sees it replaced by a
             * rename or created later. */
            char dir[PATH_MAX];
            const char *slash = strrchr(p, '/');
            size_t n = slash == p ? 1 : (size_t)(slash - p);
            if (n < sizeof dir) {
                memcpy(dir, p, n);
                dir[n] = '\0';
                rc = watch_add(f, dir);
            }
        }
    }
    return rc;
}

/* One directory entry of the walk. */
static int walk_entry(canh_coll_fim_t *f, canh_coll_emit_t *e, const char *name)
{
    char path[PATH_MAX];
    if (!join(path, sizeof path, f->cur_path, name))
        return CANH_OK;
    if (++f->entries > f->max_files) {
        f->c->stats.fim_entries_refused++;
        return CANH_OK;
    }
    struct stat st;
    if (lstat(path, &st) != 0)
        return CANH_OK; /* gone meanwhile: the deletion pass or inotify says so */
    int rc = check(f, e, path, &st, "scan");
    if (rc == CANH_OK && S_ISDIR(st.st_mode) && f->cur_depth + 1 <= CANH_COLL_FIM_DEPTH)
        rc = dirq_push(f, path, f->cur_depth + 1);
    return rc;
}

static int walk(canh_coll_fim_t *f, canh_coll_emit_t *e, unsigned *slice)
{
    int rc = CANH_OK;
    while (rc == CANH_OK && *slice > 0 && can_produce(f, e)) {
        if (!f->cur) {
            if (f->qn == 0)
                return CANH_OK;
            dirq_ent_t d = f->q[f->qhead];
            f->qhead = (f->qhead + 1) % f->qcap;
            f->qn--;
            canh_free(f->cur_path);
            f->cur_path = d.path;
            f->cur_depth = d.depth;
            f->cur = opendir(d.path);
            if (!f->cur) {
                if (errno != ENOENT)
                    fim_error(f, "cannot list", d.path, errno);
                continue;
            }
            if ((rc = watch_add(f, d.path)) != CANH_OK)
                return rc;
        }
        errno = 0;
        struct dirent *de = readdir(f->cur);
        if (!de) {
            closedir(f->cur);
            f->cur = NULL;
            continue;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        (*slice)--;
        rc = walk_entry(f, e, de->d_name);
    }
    return rc;
}

/* The deletion pass: baseline entries whose path is gone. */
static int del_pass(canh_coll_fim_t *f, canh_coll_emit_t *e, unsigned *slice)
{
    canh_errbuf_t eb;
    int rc = CANH_OK;
    while (!f->del_db_done && rc == CANH_OK && *slice > 0 && can_produce(f, e)) {
        canh_fim_entry_t *v = NULL;
        size_t n = 0;
        if ((rc = canh_store_fim_page(f->st, f->del_after, DEL_PAGE, &v, &n, &eb)) != CANH_OK) {
            f->c->stats.fim_errors++;
            f->del_db_done = true;
            return rc == CANH_ENOMEM ? rc : CANH_OK;
        }
        if (n == 0)
            f->del_db_done = true;
        size_t i = 0;
        for (; i < n && rc == CANH_OK && *slice > 0 && can_produce(f, e); i++) {
            const char *p = v[i].path;
            (*slice)--;
            if (root_of(f, p) < 0) {
                /* No longer under a configured root: forget it quietly. */
                if (canh_store_fim_delete(f->st, p, &eb) != CANH_OK)
                    f->c->stats.fim_errors++;
            } else if (!ovl_find(f, p)) {
                struct stat st;
                if (lstat(p, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
                    rc = check(f, e, p, NULL, "scan");
            }
            if (rc == CANH_OK) {
                char *a = canh_strdup(p);
                if (!a) {
                    rc = CANH_ENOMEM;
                    break;
                }
                canh_free(f->del_after);
                f->del_after = a;
            }
        }
        canh_store_fim_free(v, n);
    }
    /* Entries created since the last checkpoint live only in the overlay. */
    while (f->del_db_done && f->del_ovl < OVERLAY_SLOTS && rc == CANH_OK && can_produce(f, e)) {
        ovl_t *o = &f->ovl[f->del_ovl];
        struct stat st;
        if (o->path && o->exists && lstat(o->path, &st) != 0 &&
            (errno == ENOENT || errno == ENOTDIR)) {
            char *p = canh_strdup(o->path);
            if (!p)
                return CANH_ENOMEM;
            rc = check(f, e, p, NULL, "scan");
            canh_free(p);
            if (rc)
                break;
        }
        f->del_ovl++;
    }
    return rc;
}

static int finish_scan(canh_coll_fim_t *f, canh_coll_emit_t *e, int64_t now)
{
    canh_errbuf_t eb;
    int rc = CANH_OK;
    bool full = f->full;
    f->scanning = false;
    if (!full)
        return CANH_OK;
    f->c->stats.fim_scans++;
    f->c->stats.fim_entries = f->entries;
    f->next_scan = f->interval_s ? now + (int64_t)f->interval_s * 1000 : INT64_MAX;
    if (!f->newly_built)
        return CANH_OK;
    json_t *roots = json_array();
    for (size_t i = 0; i < f->nroots && roots; i++) {
        if (f->roots[i].built)
            continue;
        if (canh_store_fim_root_set(f->st, f->roots[i].path, canh_coll_real_ns(), &eb) != CANH_OK)
            f->c->stats.fim_errors++;
        f->roots[i].built = true;
        if (json_array_append_new(roots, json_string(f->roots[i].path)))
            break;
    }
    uint64_t count = 0;
    if (canh_store_fim_count(f->st, &count, &eb) != CANH_OK)
        count = f->entries;
    json_t *doc = canh_coll_doc("fim", "state", "file", "info");
    json_t *ev = doc ? canh_coll_json_obj(doc, "event") : NULL;
    json_t *cj = doc ? canh_coll_json_obj(doc, "canh") : NULL;
    json_t *cf = cj ? canh_coll_json_obj(cj, "fim") : NULL;
    if (!cf) {
        json_decref(roots);
        json_decref(doc);
        return CANH_ENOMEM;
    }
    if (json_object_set_new(cf, "roots", roots) ||
        json_object_set_new(ev, "action", json_string("baseline-built")) ||
        json_object_set_new(cf, "entries", json_integer((json_int_t)count))) {
        json_decref(doc);
        return CANH_ENOMEM;
    }
    rc = canh_coll_offer_json(e, &f->ob, &f->c->stats, CANH_COLLECT_FIM, "fim", doc, NULL);
    json_decref(doc);
    return rc == CANH_ELIMIT ? CANH_OK : rc;
}

static void txn_end(canh_coll_fim_t *f)
{
    if (!f->in_txn)
        return;
    canh_errbuf_t eb;
    if (canh_store_commit(f->st, &eb) != CANH_OK) {
        f->c->stats.fim_errors++;
        canh_store_rollback(f->st);
    }
    f->in_txn = false;
}

int canh_coll_fim_poll(canh_coll_fim_t *f, canh_coll_emit_t *e, int64_t now)
{
    int rc = canh_coll_drain(e, &f->ob, &f->c->stats, CANH_COLLECT_FIM, "fim");
    if (rc == CANH_EFULL)
        return CANH_OK;
    if (rc)
        return rc;
    f->hashed = 0;
    if (f->ifd >= 0 && (rc = read_events(f)) != CANH_OK)
        return rc;
    canh_errbuf_t eb;
    bool work = f->pn > 0 || f->scanning || now >= f->next_scan || f->want_rescan;
    if (!work)
        return CANH_OK;
    /* Baseline writes of a slice go in one transaction. */
    if (canh_store_begin(f->st, &eb) == CANH_OK)
        f->in_txn = true;
    if ((rc = process_pending(f, e)) != CANH_OK)
        goto out;
    if ((!f->scanning || !f->full) && (now >= f->next_scan || f->want_rescan) &&
        can_produce(f, e)) {
        /* A full scan replaces a running subtree walk (it covers it). */
        if ((rc = start_scan(f, e)) != CANH_OK)
            goto out;
    }
    unsigned slice = CANH_COLL_FIM_SLICE;
    if (f->scanning && (rc = walk(f, e, &slice)) != CANH_OK)
        goto out;
    if (f->scanning && !f->cur && f->qn == 0 && can_produce(f, e)) {
        if (f->full && !f->del_pass) {
            f->del_pass = true;
        }
        if (f->del_pass && (rc = del_pass(f, e, &slice)) != CANH_OK)
            goto out;
        if ((!f->full || (f->del_db_done && f->del_ovl >= OVERLAY_SLOTS)) && can_produce(f, e))
            rc = finish_scan(f, e, now);
    }
out:
    txn_end(f);
    return rc;
}

int canh_coll_fim_fd(const canh_coll_fim_t *f)
{
    return f->ifd;
}

int64_t canh_coll_fim_due(const canh_coll_fim_t *f)
{
    if (f->ob.head || f->scanning || f->pn > 0 || f->want_rescan) {
        /* Changes held for the next checkpoint fill the overlay: wait for
         * it (the agent checkpoints once its batch is sealed). */
        if (f->novl >= CANH_COLL_FIM_OVERLAY_MAX && !f->ob.head)
            return canh_coll_mono_ms() + CANH_COLL_FULL_RETRY_MS;
        return 0;
    }
    return f->next_scan;
}

/* ---- checkpoint ------------------------------------------------------------------- */
int canh_coll_fim_checkpoint(canh_coll_fim_t *f, canh_errbuf_t *eb)
{
    if (f->novl == 0)
        return CANH_OK;
    uint64_t done = f->ob.emitted_seq;
    int rc = canh_store_begin(f->st, eb);
    if (rc)
        return rc;
    for (size_t i = 0; i < OVERLAY_SLOTS && rc == CANH_OK; i++) {
        ovl_t *o = &f->ovl[i];
        if (!o->path || o->seq > done)
            continue;
        if (o->exists) {
            o->e.path = o->path;
            rc = canh_store_fim_put(f->st, &o->e, eb);
            o->e.path = NULL;
        } else {
            rc = canh_store_fim_delete(f->st, o->path, eb);
        }
    }
    if (rc == CANH_OK)
        rc = canh_store_commit(f->st, eb);
    if (rc) {
        canh_store_rollback(f->st);
        return rc;
    }
    /* Keep what is still in flight: rebuild the table without the rest. */
    ovl_t *old = f->ovl;
    ovl_t *nt = canh_calloc(OVERLAY_SLOTS, sizeof *nt);
    if (!nt)
        return CANH_OK; /* written; the entries stay until the next checkpoint */
    f->ovl = nt;
    f->novl = 0;
    for (size_t i = 0; i < OVERLAY_SLOTS; i++) {
        ovl_t *o = &old[i];
        if (!o->path)
            continue;
        if (o->seq > done) {
            size_t k = str_hash(o->path) % OVERLAY_SLOTS;
            while (nt[k].path)
                k = (k + 1) % OVERLAY_SLOTS;
            nt[k] = *o;
            f->novl++;
        } else {
            canh_free(o->path);
        }
    }
    canh_free(old);
    /* A deletion pass walking the overlay restarts on the new table. */
    f->del_ovl = 0;
    return CANH_OK;
}

/* ---- lifetime ------------------------------------------------------------------------ */
void canh_coll_fim_destroy(canh_coll_fim_t *f)
{
    if (!f)
        return;
    if (f->cur)
        closedir(f->cur);
    canh_free(f->cur_path);
    dirq_clear(f);
    canh_free(f->q);
    for (size_t i = 0; i < f->pn; i++)
        canh_free(f->pend[(f->phead + i) % CANH_COLL_FIM_PENDING_MAX]);
    canh_free(f->pend);
    if (f->ovl)
        for (size_t i = 0; i < OVERLAY_SLOTS; i++)
            canh_free(f->ovl[i].path);
    canh_free(f->ovl);
    for (size_t i = 0; i < f->nwatches; i++)
        canh_free(f->watches[i].dir);
    canh_free(f->watches);
    if (f->ifd >= 0)
        close(f->ifd);
    for (size_t i = 0; i < f->nroots; i++)
        canh_free(f->roots[i].path);
    canh_free(f->roots);
    canh_free(f->del_after);
    canh_free(f->hbuf);
    canh_outbox_fini(&f->ob);
    canh_store_close(f->st);
    canh_free(f);
}

/* Normalises a root: absolute, no trailing slash (except "/"). */
static char *root_path(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    return canh_strndup(p, n);
}

int canh_coll_fim_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_fim_t **out,
                         canh_errbuf_t *eb)
{
    *out = NULL;
    if (o->nfim_paths == 0)
        return CANH_OK;
    canh_coll_fim_t *f = canh_calloc(1, sizeof *f);
    if (!f)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    f->c = c;
    f->ifd = -1;
    f->interval_s = o->fim_interval_s;
    f->max_watches = o->fim_max_watches;
    f->max_files = o->fim_max_files ? o->fim_max_files : 200000;
    f->max_hash = o->fim_max_hash_size;
    canh_outbox_init(&f->ob, CANH_COLL_OUTBOX_MAX);
    f->roots = canh_calloc(o->nfim_paths, sizeof *f->roots);
    f->pend = canh_calloc(CANH_COLL_FIM_PENDING_MAX, sizeof *f->pend);
    f->ovl = canh_calloc(OVERLAY_SLOTS, sizeof *f->ovl);
    f->hbuf = canh_malloc(HASH_CHUNK);
    if (!f->roots || !f->pend || !f->ovl || !f->hbuf) {
        rc = CANH_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < o->nfim_paths; i++) {
        const char *p = o->fim_paths[i];
        if (!p || p[0] != '/') {
            rc = canh_errf(eb, CANH_EINVAL, "collectors: FIM path %zu must be absolute: %s", i + 1,
                           p ? p : "(null)");
            goto out;
        }
        char *rp = root_path(p);
        if (!rp) {
            rc = CANH_ENOMEM;
            goto out;
        }
        /* A root inside another one is covered by it. */
        if (root_of(f, rp) >= 0) {
            canh_free(rp);
            continue;
        }
        f->roots[f->nroots++] = (root_t){rp, strlen(rp), false};
    }
    /* ... and one given before the root that holds it goes too. */
    for (size_t i = 0; i < f->nroots; i++)
        for (size_t k = 0; k < f->nroots; k++) {
            const root_t *a = &f->roots[i], *b = &f->roots[k];
            if (i != k && b->len < a->len && strncmp(a->path, b->path, b->len) == 0 &&
                (a->path[b->len] == '/' || b->len == 1)) {
                canh_free(f->roots[i].path);
                f->roots[i] = f->roots[--f->nroots];
                i--;
                break;
            }
        }
    if ((rc = canh_store_open(c->state_dir, &f->st, eb)) != CANH_OK)
        goto out;
    for (size_t i = 0; i < f->nroots; i++) {
        int64_t at;
        int r = canh_store_fim_root_get(f->st, f->roots[i].path, &at, eb);
        if (r == CANH_OK)
            f->roots[i].built = true;
        else if (r != CANH_ENOENT) {
            rc = r;
            goto out;
        }
    }
    if (f->max_watches > 0)
        f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (f->max_watches > 0 && f->ifd < 0 && c->log)
        canh_log(c->log, CANH_LOG_WARN, "fim: no inotify (%s): periodic scans only",
                 strerror(errno));
out:
    if (rc) {
        canh_coll_fim_destroy(f);
        return rc;
    }
    *out = f;
    return CANH_OK;
}
