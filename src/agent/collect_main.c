/* collect_main.c - the collector set: creation, the poll loop over the
 * collectors, scheduling, checkpoints; the outbox and the helpers the
 * collectors share (state files, JSON documents, clocks). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "canh/mem.h"
#include "canh/time.h"
#include "collect_int.h"

void canh_collect_opts_default(canh_collect_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->fim_interval_s = 3600;
    o->inventory_interval_s = 3600;
    o->netconn_interval_s = 60;
    o->read_from_end = false;
    o->dpkg_status = "/var/lib/dpkg/status";
    o->rpmdb = "/var/lib/rpm/rpmdb.sqlite";
    o->max_logfiles = 256;
    o->partial_line_ms = 5000;
    o->fim_max_watches = 8192;
    o->fim_max_files = 200000;
    o->fim_max_hash_size = UINT64_C(512) * 1024 * 1024;
}

/* ---- clocks and small helpers ------------------------------------------------ */
int64_t canh_coll_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t canh_coll_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * CANH_NS_PER_SEC + ts.tv_nsec;
}

void canh_coll_iso(int64_t ns, char out[32])
{
    canh_time_format(ns, out);
}

void canh_coll_utf8_fix(char *p, size_t n)
{
    size_t i = canh_utf8_invalid_at(p, n);
    while (i < n) {
        size_t k = canh_utf8_seq_len((const unsigned char *)p + i, n - i);
        if (k == 0)
            p[i++] = '?';
        else
            i += k;
    }
}

int canh_coll_json_setn(json_t *obj, const char *key, const char *s, size_t n)
{
    json_t *v;
    if (canh_utf8_invalid_at(s, n) == n) {
        v = json_stringn(s, n);
    } else {
        char *t = canh_strndup(s, n);
        if (!t)
            return -1;
        canh_coll_utf8_fix(t, n);
        v = json_stringn(t, n);
        canh_free(t);
    }
    if (!v || json_object_set_new(obj, key, v) != 0)
        return -1;
    return 0;
}

int canh_coll_json_set(json_t *obj, const char *key, const char *s)
{
    return canh_coll_json_setn(obj, key, s, strlen(s));
}

json_t *canh_coll_json_obj(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v)
        return json_is_object(v) ? v : NULL;
    v = json_object();
    if (!v || json_object_set_new(obj, key, v) != 0)
        return NULL;
    return v;
}

json_t *canh_coll_doc(const char *module, const char *kind, const char *category, const char *type)
{
    char ts[32];
    canh_coll_iso(canh_coll_real_ns(), ts);
    json_t *doc = json_object();
    if (!doc)
        return NULL;
    json_t *ev = canh_coll_json_obj(doc, "event");
    if (json_object_set_new(doc, "@timestamp", json_string(ts)) != 0 || !ev ||
        json_object_set_new(ev, "module", json_string(module)) != 0 ||
        json_object_set_new(ev, "kind", json_string(kind)) != 0 ||
        json_object_set_new(ev, "category", json_pack("[s]", category)) != 0 ||
        json_object_set_new(ev, "type", json_pack("[s]", type)) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- state files ---------------------------------------------------------------- */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int canh_coll_write_atomic(const char *dir, const char *name, const void *p, size_t n,
                           canh_errbuf_t *eb)
{
    char tmp[4096], dst[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= sizeof tmp ||
        (size_t)snprintf(dst, sizeof dst, "%s/%s", dir, name) >= sizeof dst)
        return canh_errf(eb, CANH_EINVAL, "%s/%s: path too long", dir, name);
    int rc = CANH_OK, dfd = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, p, n) != 0 || fsync(fd) != 0) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, dst) != 0) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", dst, strerror(errno));
        goto out;
    }
    /* The rename is durable once the directory is. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rc = canh_errf(eb, CANH_EIO, "%s: %s", dir, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (rc && fd >= 0)
        unlink(tmp);
    return rc;
}

int canh_coll_read_file(const char *path, size_t max, char **out, size_t *n, canh_errbuf_t *eb)
{
    int rc = CANH_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    for (;;) {
        if (cap - len < 4096 + 1) {
            size_t ncap = cap ? cap * 2 : 8192;
            if (ncap > max + 1)
                ncap = max + 1;
            if (ncap <= len + 1) {
                rc = canh_errf(eb, CANH_ELIMIT, "%s: larger than %zu bytes", path, max);
                goto out;
            }
            char *nb = canh_realloc(buf, ncap);
            if (!nb) {
                rc = CANH_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t k = read(fd, buf + len, cap - len - 1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            rc = canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
out:
    close(fd);
    if (rc) {
        canh_free(buf);
        return rc;
    }
    *out = buf;
    *n = len;
    return CANH_OK;
}

/* ---- outbox ------------------------------------------------------------------- */
void canh_outbox_init(canh_outbox_t *ob, size_t max_bytes)
{
    memset(ob, 0, sizeof *ob);
    ob->max_bytes = max_bytes;
    ob->next_seq = 1;
}

void canh_outbox_fini(canh_outbox_t *ob)
{
    canh_coll_rec_t *r = ob->head;
    while (r) {
        canh_coll_rec_t *next = r->next;
        canh_free(r);
        r = next;
    }
    ob->head = ob->tail = NULL;
    ob->count = ob->bytes = 0;
}

int canh_coll_emit_now(canh_coll_emit_t *e, canh_collect_stats_t *stats, enum canh_collector which,
                       const char *origin, const char *p, size_t n)
{
    if (e->err)
        return e->err;
    if (e->budget == 0 || e->full)
        return CANH_EFULL;
    int rc = e->fn(e->ud, origin, p, n);
    if (rc == CANH_OK) {
        e->budget--;
        e->count++;
        stats->records[which]++;
        return CANH_OK;
    }
    if (rc == CANH_EFULL) {
        e->full = true;
        return CANH_EFULL;
    }
    e->err = rc < 0 ? rc : CANH_EINVAL;
    return e->err;
}

static int push(canh_outbox_t *ob, const char *p, size_t n, uint64_t *seq)
{
    if (ob->bytes + n > ob->max_bytes && ob->count > 0)
        return CANH_ELIMIT;
    canh_coll_rec_t *r = canh_malloc(sizeof *r + n + 1);
    if (!r)
        return CANH_ENOMEM;
    r->next = NULL;
    r->seq = ob->next_seq++;
    r->n = n;
    memcpy(r->p, p, n);
    r->p[n] = '\0';
    if (ob->tail)
        ob->tail->next = r;
    else
        ob->head = r;
    ob->tail = r;
    ob->count++;
    ob->bytes += n;
    if (seq)
        *seq = r->seq;
    return CANH_OK;
}

int canh_coll_offer(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                    enum canh_collector which, const char *origin, const char *p, size_t n,
                    uint64_t *seq)
{
    if (e->err)
        return e->err;
    if (!ob->head) {
        int rc = canh_coll_emit_now(e, stats, which, origin, p, n);
        if (rc == CANH_OK) {
            uint64_t s = ob->next_seq++;
            ob->emitted_seq = s;
            if (seq)
                *seq = s;
            return CANH_OK;
        }
        if (rc != CANH_EFULL)
            return rc;
    }
    return push(ob, p, n, seq);
}

int canh_coll_offer_json(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                         enum canh_collector which, const char *origin, json_t *doc, uint64_t *seq)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    if (!s)
        return CANH_ENOMEM;
    int rc = canh_coll_offer(e, ob, stats, which, origin, s, strlen(s), seq);
    free(s); /* jansson's allocator: libc */
    return rc;
}

int canh_coll_drain(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                    enum canh_collector which, const char *origin)
{
    while (ob->head) {
        canh_coll_rec_t *r = ob->head;
        int rc = canh_coll_emit_now(e, stats, which, origin, r->p, r->n);
        if (rc)
            return rc;
        ob->emitted_seq = r->seq;
        ob->head = r->next;
        if (!ob->head)
            ob->tail = NULL;
        ob->count--;
        ob->bytes -= r->n;
        canh_free(r);
    }
    return CANH_OK;
}

/* ---- the set ------------------------------------------------------------------ */
int canh_collectors_create(const canh_collect_opts_t *o, canh_collectors_t **out, canh_errbuf_t *eb)
{
    if (!o || !o->state_dir || !*o->state_dir)
        return canh_errf(eb, CANH_EINVAL, "collectors: state_dir is required");
    if ((o->nlogfiles && !o->logfiles) || (o->nfim_paths && !o->fim_paths))
        return canh_errf(eb, CANH_EINVAL, "collectors: pattern list is NULL");
    if (mkdir(o->state_dir, 0750) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: cannot create state directory: %s", o->state_dir,
                         strerror(errno));
    canh_collectors_t *c = canh_calloc(1, sizeof *c);
    if (!c)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    c->log = o->log;
    if (!(c->state_dir = canh_strdup(o->state_dir))) {
        rc = CANH_ENOMEM;
        goto out;
    }
    if ((rc = canh_coll_log_create(c, o, &c->logf, eb)) != CANH_OK ||
        (rc = canh_coll_journal_create(c, o, &c->journal, eb)) != CANH_OK ||
        (rc = canh_coll_fim_create(c, o, &c->fim, eb)) != CANH_OK ||
        (rc = canh_coll_pkg_create(c, o, &c->pkg, eb)) != CANH_OK ||
        (rc = canh_coll_net_create(c, o, &c->net, eb)) != CANH_OK ||
        (rc = canh_coll_host_create(c, o, &c->host, eb)) != CANH_OK)
        goto out;
out:
    if (rc) {
        canh_collectors_destroy(c);
        return rc;
    }
    *out = c;
    return CANH_OK;
}

void canh_collectors_destroy(canh_collectors_t *c)
{
    if (!c)
        return;
    canh_coll_log_destroy(c->logf);
    canh_coll_journal_destroy(c->journal);
    canh_coll_fim_destroy(c->fim);
    canh_coll_pkg_destroy(c->pkg);
    canh_coll_net_destroy(c->net);
    canh_coll_host_destroy(c->host);
    canh_free(c->state_dir);
    canh_free(c);
}

enum { N_SLOTS = 6 };

static int poll_one(canh_collectors_t *c, unsigned slot, canh_coll_emit_t *e, int64_t now)
{
    switch (slot) {
    case 0: return c->logf ? canh_coll_log_poll(c->logf, e, now) : CANH_OK;
    case 1: return c->journal ? canh_coll_journal_poll(c->journal, e, now) : CANH_OK;
    case 2: return c->fim ? canh_coll_fim_poll(c->fim, e, now) : CANH_OK;
    case 3: return c->net ? canh_coll_net_poll(c->net, e, now) : CANH_OK;
    case 4: return c->host ? canh_coll_host_poll(c->host, e, now) : CANH_OK;
    default: return c->pkg ? canh_coll_pkg_poll(c->pkg, e, now) : CANH_OK;
    }
}

int canh_collectors_poll(canh_collectors_t *c, canh_collect_emit_fn emit, void *ud, unsigned max,
                         canh_errbuf_t *eb)
{
    if (!c || !emit)
        return canh_errf(eb, CANH_EINVAL, "collectors: poll without collectors or emit");
    canh_coll_emit_t e = {.fn = emit, .ud = ud, .budget = max};
    int64_t now = canh_coll_mono_ms();
    unsigned start = c->rr++ % N_SLOTS;
    int rc = CANH_OK;
    /* Round robin over the collectors, so a busy log file cannot starve
     * the journal or FIM; each gets what is left of the budget. */
    for (unsigned i = 0; i < N_SLOTS && canh_coll_can_emit(&e); i++) {
        rc = poll_one(c, (start + i) % N_SLOTS, &e, now);
        if (rc)
            break;
    }
    c->stalled = e.full;
    c->more = !e.full && e.budget == 0;
    if (e.full)
        c->stats.polls_full++;
    if (rc == CANH_OK && e.err)
        rc = e.err;
    if (rc) {
        if (rc == e.err)
            return canh_errf(eb, rc, "collectors: emit failed: %s", canh_strerror(rc));
        return canh_errf(eb, rc, "collectors: %s", canh_strerror(rc));
    }
    return (int)e.count;
}

size_t canh_collectors_fds(canh_collectors_t *c, int *fds, size_t max)
{
    int all[3] = {c->logf ? canh_coll_log_fd(c->logf) : -1,
                  c->journal ? canh_coll_journal_fd(c->journal) : -1,
                  c->fim ? canh_coll_fim_fd(c->fim) : -1};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        if (all[i] < 0)
            continue;
        if (n < max)
            fds[n] = all[i];
        n++;
    }
    return n;
}

int canh_collectors_next_ms(canh_collectors_t *c)
{
    if (c->more)
        return 0;
    int64_t due = INT64_MAX;
    int64_t d[6] = {c->logf ? canh_coll_log_due(c->logf) : INT64_MAX,
                    c->journal ? canh_coll_journal_due(c->journal) : INT64_MAX,
                    c->fim ? canh_coll_fim_due(c->fim) : INT64_MAX,
                    c->pkg ? canh_coll_pkg_due(c->pkg) : INT64_MAX,
                    c->net ? canh_coll_net_due(c->net) : INT64_MAX,
                    c->host ? canh_coll_host_due(c->host) : INT64_MAX};
    for (int i = 0; i < 6; i++)
        if (d[i] < due)
            due = d[i];
    int64_t now = canh_coll_mono_ms();
    int64_t wait = due == INT64_MAX ? CANH_COLL_MAX_WAIT_MS : due - now;
    if (wait < 0)
        wait = 0;
    if (wait > CANH_COLL_MAX_WAIT_MS)
        wait = CANH_COLL_MAX_WAIT_MS;
    /* After emit said full, a job that is "ready now" is only ready once
     * the uplink has room: retry soon, but do not spin. */
    if (c->stalled && wait < CANH_COLL_FULL_RETRY_MS)
        wait = CANH_COLL_FULL_RETRY_MS;
    return (int)wait;
}

int canh_collectors_checkpoint(canh_collectors_t *c, canh_errbuf_t *eb)
{
    int rc = CANH_OK;
    /* Every collector gets its checkpoint even when an earlier one fails;
     * the first failure is the one reported. */
    for (int i = 0; i < 4; i++) {
        int r = CANH_OK;
        canh_errbuf_t one = {{0}};
        switch (i) {
        case 0: r = c->logf ? canh_coll_log_checkpoint(c->logf, &one) : CANH_OK; break;
        case 1: r = c->journal ? canh_coll_journal_checkpoint(c->journal, &one) : CANH_OK; break;
        case 2: r = c->pkg ? canh_coll_pkg_checkpoint(c->pkg, &one) : CANH_OK; break;
        default: r = c->fim ? canh_coll_fim_checkpoint(c->fim, &one) : CANH_OK; break;
        }
        if (r != CANH_OK && rc == CANH_OK) {
            rc = r;
            if (eb)
                *eb = one;
        }
    }
    if (rc && c->log)
        canh_log(c->log, CANH_LOG_WARN, "collectors: checkpoint: %s", eb ? eb->msg : "failed");
    return rc;
}

void canh_collectors_stats(const canh_collectors_t *c, canh_collect_stats_t *out)
{
    *out = c->stats;
}
