/* collect_logfile.c - tailing log files found by glob patterns.
 *
 * A followed file is known by its identity (st_dev, st_ino), not by its
 * name: when a path starts to name another file (rotation by rename), the
 * old file is read to its end, kept open a grace period for late writers,
 * then closed, while the new file is read from its start. A file that
 * shrinks below the position read (copytruncate, truncation) is read again
 * from 0 and counted.
 *
 * Wake-ups come from inotify watches on the directories (the patterns'
 * directories and the followed files'); events for names nothing follows or
 * matches are ignored. A stat pass every CANH_COLL_STAT_MS and a glob
 * re-expansion every CANH_COLL_GLOB_MS cover what inotify cannot see
 * (network file systems, watch limits, directories created later).
 *
 * Lines: one record per LF-terminated line, the LF and one CR before it
 * dropped, empty lines skipped. A line longer than CANH_MAX_RECORD is cut:
 * its first CANH_MAX_RECORD bytes are one record, the rest up to the LF is
 * skipped, and the cut is counted (log_lines_cut). A last line without LF
 * is held until its LF arrives, or emitted as it is after partial_line_ms.
 *
 * Positions: `off` is the offset up to which every line was emitted; it is
 * what checkpoint() saves in STATE/offsets.json, with the file's identity
 * and the path it was found under. After a restart a file is resumed at its
 * saved offset when its identity matches; a path that names another file
 * now (rotated while stopped) is read from 0, and the old file is looked up
 * by its identity (the glob, then its former directory, e.g. auth.log.1) and
 * finished from its saved offset before the new one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/limits.h"
#include "canh/mem.h"
#include "collect_int.h"

#define STATE_FILE "offsets.json"
#define WATCH_MASK                                                                                 \
    (IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |            \
     IN_DELETE_SELF | IN_MOVE_SELF)
#define MAX_DIR_SEARCH 100000 /* directory entries looked at for a rotated file */

typedef struct lfile {
    char *path;   /* where the file was last seen */
    char *origin; /* "file:<path first found>" */
    int fd;
    uint64_t dev, ino;
    uint64_t pos;       /* next byte to read */
    uint64_t off;       /* every line before off was emitted */
    canh_buf_t part;    /* bytes of the current line not emitted yet */
    bool ready;         /* part is a whole line emit refused */
    bool skipping;      /* discarding the rest of an over-long line */
    bool rotated;       /* its path names another file (or none) now */
    bool resumed;       /* resumed from a saved position at start (read first) */
    int64_t part_since; /* when part got its first byte */
    int64_t idle_since; /* rotated: since when nothing new was read */
} lfile_t;

typedef struct resume {
    char *path, *origin;
    uint64_t dev, ino, off;
    bool used;
} resume_t;

typedef struct watch {
    int wd;
    char *dir;
} watch_t;

struct canh_coll_log {
    canh_collectors_t *c;
    char **pat;
    size_t npat;
    lfile_t **files;
    size_t nfiles, max_files;
    resume_t *resume; /* saved positions, until the first expansion is done */
    size_t nresume;
    bool started; /* the first expansion is done */
    bool from_end;
    unsigned partial_ms;
    int ifd;
    watch_t *watches;
    size_t nwatches;
    bool need_glob, need_read;
    int64_t next_glob, next_stat;
    char *chunk;
    char *saved; /* what the last checkpoint wrote */
};

/* ---- files ------------------------------------------------------------------ */
static void file_free(lfile_t *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    canh_buf_fini(&f->part);
    canh_free(f->path);
    canh_free(f->origin);
    canh_free(f);
}

static bool compressed_name(const char *path)
{
    static const char *const ext[] = {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4", ".Z"};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcmp(path + n - k, ext[i]) == 0)
            return true;
    }
    return false;
}

static lfile_t *find_by_id(canh_coll_log_t *l, uint64_t dev, uint64_t ino)
{
    for (size_t i = 0; i < l->nfiles; i++)
        if (l->files[i]->dev == dev && l->files[i]->ino == ino)
            return l->files[i];
    return NULL;
}

/* Opens path as a followed file starting at pos; inserted at index at. */
static int add_file(canh_coll_log_t *l, const char *path, const char *origin_path,
                    const struct stat *want, uint64_t pos, bool rotated, bool resumed, size_t at)
{
    if (l->nfiles >= l->max_files) {
        l->c->stats.log_files_refused++;
        return CANH_ELIMIT;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        l->c->stats.log_read_errors++;
        return CANH_EIO;
    }
    struct stat st;
    /* The file must still be the one stat() found (and a regular file). */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != want->st_dev ||
        st.st_ino != want->st_ino) {
        close(fd);
        return CANH_ENOENT;
    }
    lfile_t *f = canh_calloc(1, sizeof *f);
    size_t olen = strlen(origin_path);
    if (!f) {
        close(fd);
        return CANH_ENOMEM;
    }
    f->fd = fd;
    canh_buf_init(&f->part, CANH_MAX_RECORD);
    f->path = canh_strdup(path);
    f->origin = canh_malloc(olen + 6);
    if (!f->path || !f->origin) {
        file_free(f);
        return CANH_ENOMEM;
    }
    memcpy(f->origin, "file:", 5);
    memcpy(f->origin + 5, origin_path, olen + 1);
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    if (pos > (uint64_t)st.st_size) {
        l->c->stats.log_truncations++;
        pos = 0;
    }
    f->pos = f->off = pos;
    f->rotated = rotated;
    f->resumed = resumed;
    if (at > l->nfiles)
        at = l->nfiles;
    memmove(&l->files[at + 1], &l->files[at], (l->nfiles - at) * sizeof *l->files);
    l->files[at] = f;
    l->nfiles++;
    l->c->stats.log_files_open = l->nfiles;
    return CANH_OK;
}

static void remove_file(canh_coll_log_t *l, size_t i)
{
    file_free(l->files[i]);
    memmove(&l->files[i], &l->files[i + 1], (l->nfiles - i - 1) * sizeof *l->files);
    l->nfiles--;
    l->c->stats.log_files_open = l->nfiles;
}

/* ---- inotify --------------------------------------------------------------- */
static void watch_dir(canh_coll_log_t *l, const char *dir)
{
    if (l->ifd < 0)
        return;
    for (size_t i = 0; i < l->nwatches; i++)
        if (strcmp(l->watches[i].dir, dir) == 0)
            return;
    if (l->nwatches >= l->max_files + l->npat)
        return; /* the stat pass and glob timer cover the rest */
    int wd = inotify_add_watch(l->ifd, dir, WATCH_MASK | IN_ONLYDIR);
    if (wd < 0)
        return;
    for (size_t i = 0; i < l->nwatches; i++)
        if (l->watches[i].wd == wd)
            return; /* the same directory under another name */
    watch_t *nw = canh_reallocarray(l->watches, l->nwatches + 1, sizeof *nw);
    char *d = canh_strdup(dir);
    if (!nw || !d) {
        if (nw)
            l->watches = nw;
        canh_free(d);
        inotify_rm_watch(l->ifd, wd);
        return;
    }
    l->watches = nw;
    l->watches[l->nwatches++] = (watch_t){wd, d};
}

static void watch_parent(canh_coll_log_t *l, const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (!slash) {
        watch_dir(l, ".");
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= sizeof dir)
        return;
    memcpy(dir, path, n);
    dir[n] = '\0';
    watch_dir(l, dir);
}

/* Does an event on dir/name concern us? */
static void note_event(canh_coll_log_t *l, const char *dir, const char *name, uint32_t mask)
{
    char full[PATH_MAX];
    if ((size_t)snprintf(full, sizeof full, "%s/%s", strcmp(dir, "/") ? dir : "", name) >=
        sizeof full)
        return;
    for (size_t i = 0; i < l->nfiles; i++)
        if (strcmp(l->files[i]->path, full) == 0) {
            l->need_read = true;
            if (mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
                l->need_glob = true;
            return;
        }
    for (size_t i = 0; i < l->npat; i++)
        if (fnmatch(l->pat[i], full, FNM_PATHNAME) == 0) {
            l->need_read = true;
            l->need_glob = true;
            return;
        }
}

static void read_events(canh_coll_log_t *l)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t k = read(l->ifd, buf, sizeof buf);
        if (k <= 0)
            return; /* EAGAIN: drained */
        size_t off = 0;
        while (off + sizeof(struct inotify_event) <= (size_t)k) {
            struct inotify_event ev;
            memcpy(&ev, buf + off, sizeof ev);
            size_t total = sizeof ev + ev.len;
            if (total > (size_t)k - off)
                break;
            if (ev.mask & IN_Q_OVERFLOW) {
                l->need_glob = l->need_read = true;
            } else if (ev.mask & IN_IGNORED) {
                for (size_t i = 0; i < l->nwatches; i++)
                    if (l->watches[i].wd == ev.wd) {
                        canh_free(l->watches[i].dir);
                        l->watches[i] = l->watches[--l->nwatches];
                        break;
                    }
                l->need_glob = true;
            } else if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                l->need_glob = l->need_read = true;
            } else if (ev.len > 0) {
                const char *name = buf + off + sizeof ev;
                if (memchr(name, '\0', ev.len)) {
                    for (size_t i = 0; i < l->nwatches; i++)
                        if (l->watches[i].wd == ev.wd) {
                            note_event(l, l->watches[i].dir, name, ev.mask);
                            break;
                        }
                }
            }
            off += total;
        }
    }
}

/* ---- discovery -------------------------------------------------------------- */
static resume_t *resume_by_id(canh_coll_log_t *l, uint64_t dev, uint64_t ino)
{
    for (size_t i = 0; i < l->nresume; i++)
        if (!l->resume[i].used && l->resume[i].dev == dev && l->resume[i].ino == ino)
            return &l->resume[i];
    return NULL;
}

static bool resume_has_path(canh_coll_log_t *l, const char *path)
{
    for (size_t i = 0; i < l->nresume; i++)
        if (strcmp(l->resume[i].path, path) == 0)
            return true;
    return false;
}

/* Index where a resumed (older) file goes: after the other resumed files,
 * before files that start fresh, so old content is read first. */
static size_t resumed_slot(canh_coll_log_t *l)
{
    size_t i = 0;
    while (i < l->nfiles && l->files[i]->resumed)
        i++;
    return i;
}

static int consider(canh_coll_log_t *l, const char *path)
{
    struct stat st;
    if (compressed_name(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return CANH_OK;
    lfile_t *f = find_by_id(l, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    if (f) {
        if (strcmp(f->path, path) != 0) {
            /* Renamed to a name the patterns still match (auth.log ->
             * auth.log.1 with "auth.log*"): keep following it there. */
            char *np = canh_strdup(path);
            if (!np)
                return CANH_ENOMEM;
            canh_free(f->path);
            f->path = np;
        }
        f->rotated = false;
        f->idle_since = 0;
        return CANH_OK;
    }
    if (!l->started) {
        resume_t *r = resume_by_id(l, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
        if (r) {
            r->used = true;
            int rc = add_file(l, path, r->origin, &st, r->off, false, true, resumed_slot(l));
            return rc == CANH_ENOMEM ? rc : CANH_OK;
        }
        /* A path that named another file when we stopped holds new content
         * (rotated while down): all of it. Otherwise, as configured. */
        uint64_t pos = 0;
        if (l->from_end && !resume_has_path(l, path))
            pos = (uint64_t)st.st_size;
        int rc = add_file(l, path, path, &st, pos, false, false, l->nfiles);
        return rc == CANH_ENOMEM ? rc : CANH_OK;
    }
    int rc = add_file(l, path, path, &st, 0, false, false, l->nfiles);
    if (rc == CANH_OK)
        watch_parent(l, path);
    return rc == CANH_ENOMEM ? rc : CANH_OK;
}

/* A saved file that no pattern matches any more: look for its identity in
 * the directory it was in (rotated to auth.log.1 while we were stopped). */
static int find_rotated(canh_coll_log_t *l, resume_t *r)
{
    char dir[PATH_MAX], full[PATH_MAX];
    const char *slash = strrchr(r->path, '/');
    if (!slash)
        return CANH_OK;
    size_t n = slash == r->path ? 1 : (size_t)(slash - r->path);
    if (n >= sizeof dir)
        return CANH_OK;
    memcpy(dir, r->path, n);
    dir[n] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return CANH_OK;
    int rc = CANH_OK;
    struct dirent *de;
    unsigned looked = 0;
    while ((de = readdir(d)) != NULL && looked++ < MAX_DIR_SEARCH) {
        if ((uint64_t)de->d_ino != r->ino || de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", n == 1 && dir[0] == '/' ? "" : dir,
                             de->d_name) >= sizeof full)
            continue;
        struct stat st;
        if (stat(full, &st) != 0 || (uint64_t)st.st_dev != r->dev ||
            (uint64_t)st.st_ino != r->ino || !S_ISREG(st.st_mode))
            continue;
        r->used = true;
        rc = add_file(l, full, r->origin, &st, r->off, true, true, resumed_slot(l));
        if (rc != CANH_ENOMEM)
            rc = CANH_OK;
        break;
    }
    closedir(d);
    return rc;
}

static int expand(canh_coll_log_t *l)
{
    int rc = CANH_OK;
    for (size_t p = 0; p < l->npat && rc == CANH_OK; p++) {
        glob_t g;
        memset(&g, 0, sizeof g);
        int gr = glob(l->pat[p], 0, NULL, &g);
        if (gr == 0) {
            for (size_t k = 0; k < g.gl_pathc && rc == CANH_OK; k++)
                rc = consider(l, g.gl_pathv[k]);
        }
        globfree(&g);
    }
    if (rc)
        return rc;
    if (!l->started) {
        l->started = true;
        for (size_t i = 0; i < l->nresume && rc == CANH_OK; i++)
            if (!l->resume[i].used)
                rc = find_rotated(l, &l->resume[i]);
        for (size_t i = 0; i < l->nresume; i++) {
            canh_free(l->resume[i].path);
            canh_free(l->resume[i].origin);
        }
        canh_free(l->resume);
        l->resume = NULL;
        l->nresume = 0;
        for (size_t i = 0; i < l->nfiles; i++)
            watch_parent(l, l->files[i]->path);
    }
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */
static void part_reset(lfile_t *f)
{
    /* An over-long line leaves a big buffer behind: give it back. */
    if (f->part.cap > 2 * CANH_COLL_READ_CHUNK)
        canh_buf_fini(&f->part);
    else
        canh_buf_reset(&f->part);
}

static int emit_line(canh_coll_log_t *l, lfile_t *f, canh_coll_emit_t *e, const char *p, size_t n)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n == 0)
        return CANH_OK;
    return canh_coll_emit_now(e, &l->c->stats, CANH_COLLECT_LOGFILE, f->origin, p, n);
}

/* Emits part (a whole line, a cut head or a flushed partial line). */
static int emit_part(canh_coll_log_t *l, lfile_t *f, canh_coll_emit_t *e)
{
    int rc = emit_line(l, f, e, f->part.data, f->part.len);
    if (rc) {
        f->ready = true;
        return rc;
    }
    f->ready = false;
    part_reset(f);
    f->off = f->pos;
    return CANH_OK;
}

/* Reads f from pos to its end (or until emit refuses). CANH_OK at the end
 * of the file, CANH_EFULL or emit's error otherwise. *got: bytes read. */
static int read_file(canh_coll_log_t *l, lfile_t *f, canh_coll_emit_t *e, int64_t now,
                     uint64_t *got)
{
    const size_t max = CANH_MAX_RECORD;
    int rc;
    *got = 0;
    if (f->ready && (rc = emit_part(l, f, e)) != CANH_OK)
        return rc;
    struct stat st;
    if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size < f->pos) {
        /* Shrunk under us (copytruncate, "> file"): the new content starts
         * at 0. A partial line held from before is stale. */
        l->c->stats.log_truncations++;
        f->pos = f->off = 0;
        f->skipping = false;
        part_reset(f);
    }
    for (;;) {
        if (!canh_coll_can_emit(e))
            return CANH_EFULL;
        ssize_t k = pread(f->fd, l->chunk, CANH_COLL_READ_CHUNK, (off_t)f->pos);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            l->c->stats.log_read_errors++;
            return CANH_OK;
        }
        if (k == 0)
            break;
        *got += (uint64_t)k;
        size_t i = 0, n = (size_t)k;
        while (i < n) {
            const char *lf = memchr(l->chunk + i, '\n', n - i);
            size_t end = lf ? (size_t)(lf - l->chunk) : n;
            size_t seg = end - i;
            const char *sp = l->chunk + i;
            if (f->skipping) {
                f->pos += seg + (lf ? 1 : 0);
                if (lf) {
                    f->skipping = false;
                    f->off = f->pos;
                }
            } else if (lf && f->part.len == 0 && seg <= max) {
                /* The common case: a whole line inside the chunk. */
                if ((rc = emit_line(l, f, e, sp, seg)) != CANH_OK)
                    return rc; /* pos unchanged: read again next time */
                f->pos += seg + 1;
                f->off = f->pos;
            } else if (lf) {
                size_t room = max - f->part.len, take = seg < room ? seg : room;
                if (take < seg)
                    l->c->stats.log_lines_cut++;
                if (canh_buf_append(&f->part, sp, take) != CANH_OK)
                    return CANH_ENOMEM;
                f->pos += seg + 1;
                if ((rc = emit_part(l, f, e)) != CANH_OK)
                    return rc;
            } else {
                size_t room = max - f->part.len;
                if (f->part.len == 0)
                    f->part_since = now;
                if (seg <= room) {
                    if (seg && canh_buf_append(&f->part, sp, seg) != CANH_OK)
                        return CANH_ENOMEM;
                    f->pos += seg;
                } else {
                    /* Over-long: emit the head now, skip up to the LF. */
                    if (canh_buf_append(&f->part, sp, room) != CANH_OK)
                        return CANH_ENOMEM;
                    l->c->stats.log_lines_cut++;
                    f->pos += seg;
                    f->skipping = true;
                    if ((rc = emit_part(l, f, e)) != CANH_OK)
                        return rc;
                }
            }
            i = end + (lf ? 1 : 0);
        }
    }
    /* At the end: a held partial line goes out once it is old enough. */
    if (f->part.len > 0 && now - f->part_since >= (int64_t)l->partial_ms) {
        l->c->stats.log_partial_flushes++;
        if ((rc = emit_part(l, f, e)) != CANH_OK)
            return rc;
    }
    return CANH_OK;
}

/* Marks files whose path names another file now. */
static void check_paths(canh_coll_log_t *l)
{
    for (size_t i = 0; i < l->nfiles; i++) {
        lfile_t *f = l->files[i];
        struct stat st;
        bool same = stat(f->path, &st) == 0 && (uint64_t)st.st_dev == f->dev &&
                    (uint64_t)st.st_ino == f->ino;
        if (!same && !f->rotated) {
            f->rotated = true;
            f->idle_since = 0;
            l->c->stats.log_rotations++;
        } else if (same && f->rotated) {
            f->rotated = false; /* renamed back */
        }
    }
}

int canh_coll_log_poll(canh_coll_log_t *l, canh_coll_emit_t *e, int64_t now)
{
    int rc = CANH_OK;
    if (l->ifd >= 0)
        read_events(l);
    if (l->need_glob || now >= l->next_glob) {
        if ((rc = expand(l)) != CANH_OK)
            return rc;
        l->need_glob = false;
        l->need_read = true;
        l->next_glob = now + CANH_COLL_GLOB_MS;
    }
    if (now >= l->next_stat) {
        l->need_read = true;
        l->next_stat = now + CANH_COLL_STAT_MS;
    }
    bool pending = false;
    for (size_t i = 0; i < l->nfiles; i++)
        if (l->files[i]->part.len > 0 || l->files[i]->rotated)
            pending = true;
    if (!l->need_read && !pending)
        return CANH_OK;
    check_paths(l);
    size_t i = 0;
    while (i < l->nfiles) {
        lfile_t *f = l->files[i];
        uint64_t got;
        rc = read_file(l, f, e, now, &got);
        if (rc == CANH_EFULL)
            return CANH_OK; /* need_read stays set: go on next poll */
        if (rc)
            return rc;
        if (f->rotated) {
            if (got > 0 || f->idle_since == 0)
                f->idle_since = now;
            if (now - f->idle_since >= CANH_COLL_ROTATE_GRACE_MS) {
                /* Finished: nobody wrote to it for the grace period. */
                if (f->part.len > 0) {
                    l->c->stats.log_partial_flushes++;
                    if ((rc = emit_part(l, f, e)) != CANH_OK)
                        return rc == CANH_EFULL ? CANH_OK : rc;
                }
                remove_file(l, i);
                continue;
            }
        }
        i++;
    }
    l->need_read = false;
    return CANH_OK;
}

int canh_coll_log_fd(const canh_coll_log_t *l)
{
    return l->ifd;
}

int64_t canh_coll_log_due(const canh_coll_log_t *l)
{
    if (l->need_glob || l->need_read)
        return 0;
    int64_t due = l->next_glob < l->next_stat ? l->next_glob : l->next_stat;
    for (size_t i = 0; i < l->nfiles; i++) {
        const lfile_t *f = l->files[i];
        if (f->ready)
            return 0;
        if (f->part.len > 0 && f->part_since + (int64_t)l->partial_ms < due)
            due = f->part_since + (int64_t)l->partial_ms;
        if (f->rotated && f->idle_since + CANH_COLL_ROTATE_GRACE_MS < due)
            due = f->idle_since + CANH_COLL_ROTATE_GRACE_MS;
    }
    return due;
}

/* ---- state ------------------------------------------------------------------- */
static json_t *state_json(canh_coll_log_t *l)
{
    json_t *files = json_array();
    json_t *doc = json_pack("{s:i, s:o}", "version", 1, "files", files);
    if (!doc)
        return NULL;
    for (size_t i = 0; i < l->nfiles; i++) {
        const lfile_t *f = l->files[i];
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I, s:I}", "path", f->path, "origin", f->origin + 5, "dev",
                      (json_int_t)f->dev, "ino", (json_int_t)f->ino, "offset", (json_int_t)f->off);
        if (!o || json_array_append_new(files, o) != 0) {
            json_decref(doc);
            return NULL;
        }
    }
    /* Saved positions not looked at yet (checkpoint before the first poll)
     * are kept as they were. */
    for (size_t i = 0; i < l->nresume; i++) {
        const resume_t *r = &l->resume[i];
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I, s:I}", "path", r->path, "origin", r->origin, "dev",
                      (json_int_t)r->dev, "ino", (json_int_t)r->ino, "offset", (json_int_t)r->off);
        if (!o || json_array_append_new(files, o) != 0) {
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}

int canh_coll_log_checkpoint(canh_coll_log_t *l, canh_errbuf_t *eb)
{
    json_t *doc = state_json(l);
    if (!doc)
        return CANH_ENOMEM;
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    if (!l->saved || strcmp(l->saved, s) != 0) {
        size_t n = strlen(s);
        rc = canh_coll_write_atomic(l->c->state_dir, STATE_FILE, s, n, eb);
        if (rc == CANH_OK) {
            canh_free(l->saved);
            l->saved = canh_strndup(s, n); /* NULL only means: write next time too */
        }
    }
    free(s);
    return rc;
}

static int load_state(canh_coll_log_t *l, canh_errbuf_t *eb)
{
    char path[PATH_MAX], *text = NULL;
    size_t n;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", l->c->state_dir, STATE_FILE) >= sizeof path)
        return canh_errf(eb, CANH_EINVAL, "%s: path too long", l->c->state_dir);
    int rc = canh_coll_read_file(path, CANH_COLL_STATE_MAX, &text, &n, eb);
    if (rc == CANH_ENOENT)
        return CANH_OK;
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *doc = json_loadb(text, n, 0, &jerr);
    canh_free(text);
    json_t *files = json_object_get(doc, "files");
    if (!json_is_array(files)) {
        /* A damaged state file costs positions, not the agent: start over
         * (files are then read as if new) and say so once. */
        if (l->c->log)
            canh_log(l->c->log, CANH_LOG_WARN, "%s:%d: unreadable log positions, ignored", path,
                     jerr.line);
        json_decref(doc);
        return CANH_OK;
    }
    size_t cnt = json_array_size(files);
    if (cnt > l->max_files * 4u)
        cnt = l->max_files * 4u;
    l->resume = canh_calloc(cnt ? cnt : 1, sizeof *l->resume);
    if (!l->resume) {
        json_decref(doc);
        return CANH_ENOMEM;
    }
    for (size_t i = 0; i < cnt; i++) {
        json_t *o = json_array_get(files, i);
        json_t *p = json_object_get(o, "path"), *org = json_object_get(o, "origin");
        json_t *dev = json_object_get(o, "dev"), *ino = json_object_get(o, "ino");
        json_t *off = json_object_get(o, "offset");
        if (!json_is_string(p) || !json_is_integer(dev) || !json_is_integer(ino) ||
            !json_is_integer(off) || json_integer_value(off) < 0)
            continue;
        resume_t *r = &l->resume[l->nresume];
        r->path = canh_strdup(json_string_value(p));
        r->origin =
            canh_strdup(json_is_string(org) ? json_string_value(org) : json_string_value(p));
        if (!r->path || !r->origin) {
            canh_free(r->path);
            canh_free(r->origin);
            json_decref(doc);
            return CANH_ENOMEM;
        }
        r->dev = (uint64_t)json_integer_value(dev);
        r->ino = (uint64_t)json_integer_value(ino);
        r->off = (uint64_t)json_integer_value(off);
        l->nresume++;
    }
    json_decref(doc);
    return CANH_OK;
}

/* ---- lifetime ------------------------------------------------------------ */
void canh_coll_log_destroy(canh_coll_log_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nfiles; i++)
        file_free(l->files[i]);
    canh_free(l->files);
    for (size_t i = 0; i < l->npat; i++)
        canh_free(l->pat[i]);
    canh_free(l->pat);
    for (size_t i = 0; i < l->nresume; i++) {
        canh_free(l->resume[i].path);
        canh_free(l->resume[i].origin);
    }
    canh_free(l->resume);
    for (size_t i = 0; i < l->nwatches; i++)
        canh_free(l->watches[i].dir);
    canh_free(l->watches);
    if (l->ifd >= 0)
        close(l->ifd);
    canh_free(l->chunk);
    canh_free(l->saved);
    canh_free(l);
}

int canh_coll_log_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_log_t **out,
                         canh_errbuf_t *eb)
{
    *out = NULL;
    if (o->nlogfiles == 0)
        return CANH_OK;
    canh_coll_log_t *l = canh_calloc(1, sizeof *l);
    if (!l)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    l->c = c;
    l->ifd = -1;
    l->from_end = o->read_from_end;
    l->partial_ms = o->partial_line_ms;
    l->max_files = o->max_logfiles ? o->max_logfiles : 256;
    l->pat = canh_calloc(o->nlogfiles, sizeof *l->pat);
    l->files = canh_calloc(l->max_files + 1, sizeof *l->files);
    l->chunk = canh_malloc(CANH_COLL_READ_CHUNK);
    if (!l->pat || !l->files || !l->chunk) {
        rc = CANH_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < o->nlogfiles; i++) {
        if (!o->logfiles[i] || !*o->logfiles[i]) {
            rc = canh_errf(eb, CANH_EINVAL, "collectors: log file pattern %zu is empty", i + 1);
            goto out;
        }
        if (!(l->pat[i] = canh_strdup(o->logfiles[i]))) {
            rc = CANH_ENOMEM;
            goto out;
        }
        l->npat++;
    }
    if ((rc = load_state(l, eb)) != CANH_OK)
        goto out;
    l->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    /* Without inotify (limit reached) the stat pass still finds everything. */
    for (size_t i = 0; i < l->npat; i++) {
        const char *p = l->pat[i];
        const char *slash = strrchr(p, '/');
        char dir[PATH_MAX];
        size_t n = slash ? (slash == p ? 1 : (size_t)(slash - p)) : 0;
        if (!slash || n >= sizeof dir)
            continue;
        memcpy(dir, p, n);
        dir[n] = '\0';
        if (!strpbrk(dir, "*?["))
            watch_dir(l, dir);
    }
    l->need_glob = true;
out:
    if (rc) {
        canh_coll_log_destroy(l);
        return rc;
    }
    *out = l;
    return CANH_OK;
}
