/* agent_main.c - the agent daemon: collectors -> open batch -> spool ->
 * uplink, on one libevent loop (canh_agent_run in canh/agent.h).
 *
 * Durability order: a collector's records go into the open batch in
 * memory; the batch is sealed (fsynced into the spool) when it is full or
 * old enough, and only then are the collectors checkpointed. A poll never
 * continues past a seal: when the batch fills up, emit says "full", the
 * poll stops, the batch is sealed and checkpointed, and the next poll
 * starts a new batch. A crash loses at most the open batch, whose records
 * the collectors produce again from their last checkpoint.
 *
 * Sealing and checkpointing are two writes to two places, so a crash
 * between them leaves a sealed batch whose records the collectors will
 * produce again. The spool keeps the seq of the last batch a checkpoint
 * covered; at start the batches after it are loaded into a replay filter,
 * and while a collector re-emits exactly those records (same origin, same
 * bytes, in order) they are dropped as already spooled. The first record
 * of an origin that differs ends the filtering for that origin. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "canh/limits.h"
#include "canh/mem.h"

#define MAX_COLLECT_FDS 16
#define STATUS_MS 2000
#define RETRY_SEAL_MS 1000
#define POLL_ROUNDS 64 /* batches one wake-up may fill before yielding to the network */

/* The records of batches sealed but not checkpointed before a crash. */
typedef struct replay_rec {
    uint32_t origin; /* index into origins */
    uint32_t len;
    const char *data; /* into the loaded payloads */
} replay_rec_t;

typedef struct replay_origin {
    char name[CANH_AGENT_MAX_ORIGIN + 1];
    size_t next; /* index of its next expected record, SIZE_MAX when done */
} replay_origin_t;

typedef struct replay {
    canh_buf_t *payloads;
    size_t npayloads;
    replay_rec_t *recs;
    size_t nrecs;
    replay_origin_t *origins;
    size_t norigins, active;
    uint64_t dropped;
} replay_t;

#define REPLAY_MAX_BATCHES 64
#define REPLAY_MAX_BYTES (16u << 20)

typedef struct agent {
    canh_agent_opts_t o;
    canh_agent_identity_t id;
    struct event_base *base;
    canh_spool_t *sp;
    canh_agent_batch_t open;
    canh_collectors_t *coll;
    canh_agent_cmdctx_t *cmd;
    canh_uplink_t *up;
    struct event *coll_ev[MAX_COLLECT_FDS];
    size_t ncoll_ev;
    struct event *coll_timer, *seal_timer, *ctl_ev, *status_timer, *cmd_ev, *scan_timer;
    bool spool_full; /* the spool cannot take the open batch: collectors wait */
    bool batch_full; /* emit refused: seal before polling again */
    bool reload;
    replay_t *replay;
    uint64_t records_in;
    char status_path[4200];
    char last_status[1024];
} agent_t;

#define LOG(a, lvl, ...)                                                                           \
    do {                                                                                           \
        if ((a)->o.log)                                                                            \
            canh_log((a)->o.log, (lvl), __VA_ARGS__);                                              \
    } while (0)

void canh_agent_opts_default(canh_agent_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->spool_max = 256ull << 20;
    o->batch_bytes = 1u << 20;
    o->batch_records = 5000;
    o->batch_delay_ms = 200;
    o->window = 8;
    o->control_fd = -1;
    canh_collect_opts_default(&o->collect);
    o->collect.read_from_end = true;
}

static void arm(struct event *ev, unsigned ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(ev, &tv);
}

static void replay_free(replay_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npayloads; i++)
        canh_buf_fini(&r->payloads[i]);
    canh_free(r->payloads);
    canh_free(r->recs);
    canh_free(r->origins);
    canh_free(r);
}

static size_t next_of(const replay_t *r, uint32_t origin, size_t from)
{
    for (size_t i = from; i < r->nrecs; i++)
        if (r->recs[i].origin == origin)
            return i;
    return SIZE_MAX;
}

/* Loads the sealed batches after the checkpoint mark. NULL when there are
 * none (or too many to hold: they are then delivered twice at worst). */
static replay_t *replay_load(agent_t *a)
{
    uint64_t mark = canh_spool_checkpointed(a->sp);
    canh_spool_batch_t b;
    if (mark == UINT64_MAX || canh_spool_next(a->sp, mark, &b) != CANH_OK)
        return NULL;
    replay_t *r = canh_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->payloads = canh_calloc(REPLAY_MAX_BATCHES, sizeof *r->payloads);
    if (!r->payloads)
        goto fail;
    uint64_t after = mark;
    size_t total = 0, bytes = 0;
    while (canh_spool_next(a->sp, after, &b) == CANH_OK) {
        if (r->npayloads == REPLAY_MAX_BATCHES)
            goto fail;
        canh_buf_t *pb = &r->payloads[r->npayloads];
        canh_buf_init(pb, 64u << 20);
        r->npayloads++;
        if (canh_spool_read(a->sp, b.seq, pb, NULL) != CANH_OK)
            goto fail;
        bytes += pb->len;
        if (bytes > REPLAY_MAX_BYTES)
            goto fail;
        total += b.records;
        after = b.seq;
    }
    r->recs = canh_calloc(total ? total : 1, sizeof *r->recs);
    r->origins = canh_calloc(total ? total : 1, sizeof *r->origins);
    if (!r->recs || !r->origins)
        goto fail;
    for (size_t i = 0; i < r->npayloads; i++) {
        canh_agent_msg_t m;
        if (canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)r->payloads[i].data,
                                 r->payloads[i].len, &m) != CANH_OK)
            goto fail;
        size_t off = 0;
        canh_str_t o, d;
        while (r->nrecs < total && canh_agent_batch_next(&m, &off, &o, &d)) {
            size_t k = 0;
            while (k < r->norigins &&
                   !(strlen(r->origins[k].name) == o.n && !memcmp(r->origins[k].name, o.p, o.n)))
                k++;
            if (k == r->norigins) {
                memcpy(r->origins[k].name, o.p, o.n);
                r->origins[k].name[o.n] = '\0';
                r->origins[k].next = r->nrecs;
                r->norigins++;
            }
            r->recs[r->nrecs++] = (replay_rec_t){(uint32_t)k, (uint32_t)d.n, d.p};
        }
    }
    r->active = r->norigins;
    LOG(a, CANH_LOG_INFO,
        "%zu batch%s sealed after the last checkpoint: %zu records the "
        "collectors may produce again are filtered out",
        r->npayloads, r->npayloads == 1 ? "" : "es", r->nrecs);
    return r;
fail:
    replay_free(r);
    return NULL;
}

/* True when (origin, p, n) is the next record the filter expects of that
 * origin: a replay of something already spooled. */
static bool replay_drop(agent_t *a, const char *origin, const char *p, size_t n)
{
    replay_t *r = a->replay;
    size_t k = 0;
    while (k < r->norigins && strncmp(r->origins[k].name, origin, CANH_AGENT_MAX_ORIGIN) != 0)
        k++;
    if (k == r->norigins || r->origins[k].next == SIZE_MAX)
        return false;
    replay_origin_t *ro = &r->origins[k];
    const replay_rec_t *want = &r->recs[ro->next];
    bool same = want->len == n && memcmp(want->data, p, n) == 0;
    ro->next = same ? next_of(r, (uint32_t)k, ro->next + 1) : SIZE_MAX;
    if (ro->next == SIZE_MAX && --r->active == 0) {
        LOG(a, CANH_LOG_INFO, "replay filter done: %" PRIu64 " records were already spooled",
            r->dropped + same);
        replay_free(r);
        a->replay = NULL;
    } else if (same) {
        r->dropped++;
    }
    return same;
}

/* Seals the open batch and checkpoints the collectors. */
static void seal(agent_t *a)
{
    if (a->open.n == 0) {
        a->batch_full = false;
        return;
    }
    canh_errbuf_t eb = {{0}};
    canh_spool_batch_t sealed;
    int rc = canh_spool_seal(a->sp, &a->open, &sealed, &eb);
    if (rc == CANH_EFULL) {
        if (!a->spool_full)
            LOG(a, CANH_LOG_WARN,
                "spool full (%" PRIu64 " bytes): collectors wait for the "
                "manager",
                a->o.spool_max);
        a->spool_full = true;
        return;
    }
    if (rc != CANH_OK) {
        /* A disk error: keep the batch, stop collecting, try again soon. */
        LOG(a, CANH_LOG_ERROR, "spool: %s", eb.msg);
        a->spool_full = true;
        arm(a->seal_timer, RETRY_SEAL_MS);
        return;
    }
    a->spool_full = false;
    a->batch_full = false;
    evtimer_del(a->seal_timer);
    if (canh_collectors_checkpoint(a->coll, &eb) != CANH_OK)
        LOG(a, CANH_LOG_WARN, "checkpoint: %s", eb.msg);
    else if (canh_spool_set_checkpointed(a->sp, sealed.seq, &eb) != CANH_OK)
        LOG(a, CANH_LOG_WARN, "spool: %s", eb.msg);
    canh_uplink_kick(a->up);
}

static int emit(void *ud, const char *origin, const char *p, size_t n)
{
    agent_t *a = ud;
    if (a->open.n >= a->o.batch_records || a->open.buf.len >= a->o.batch_bytes) {
        a->batch_full = true;
        return CANH_EFULL;
    }
    if (a->replay && replay_drop(a, origin, p, n))
        return CANH_OK;
    int rc = canh_agent_batch_add(&a->open, origin, p, n);
    if (rc == CANH_ELIMIT) {
        a->batch_full = true;
        return CANH_EFULL;
    }
    if (rc)
        return rc;
    if (a->open.n == 1)
        arm(a->seal_timer, a->o.batch_delay_ms);
    a->records_in++;
    return CANH_OK;
}

static void collect(agent_t *a)
{
    canh_errbuf_t eb = {{0}};
    for (int round = 0; round < POLL_ROUNDS && !a->spool_full; round++) {
        if (a->batch_full)
            seal(a);
        if (a->spool_full)
            break;
        unsigned room = a->o.batch_records - a->open.n;
        int n = canh_collectors_poll(a->coll, emit, a, room, &eb);
        if (n < 0 && n != CANH_EFULL) {
            LOG(a, CANH_LOG_WARN, "collectors: %s", eb.msg[0] ? eb.msg : canh_strerror(n));
            break;
        }
        if (!a->batch_full && (unsigned)(n < 0 ? 0 : n) < room)
            break; /* nothing more ready now */
    }
    if (a->batch_full && !a->spool_full)
        seal(a);
    int ms = a->spool_full ? -1 : canh_collectors_next_ms(a->coll);
    if (ms >= 0)
        arm(a->coll_timer, (unsigned)ms);
}

static void collect_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    collect(ud);
}

static void seal_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    agent_t *a = ud;
    bool was_full = a->spool_full;
    seal(a);
    if (was_full && !a->spool_full)
        collect(a);
}

/* The manager acknowledged batches: room in the spool again. */
static void on_acked(void *ud)
{
    agent_t *a = ud;
    if (!a->spool_full)
        return;
    seal(a);
    if (!a->spool_full) {
        LOG(a, CANH_LOG_INFO, "spool has room again: collecting");
        arm(a->coll_timer, 0);
        event_active(a->cmd_ev, EV_READ, 0);
    }
}

/* The scheduled scan: the same "scan" command the manager can order, with
 * id 0 (its result is logged, not sent: no manager command waits for it).
 * The next one is armed when this one is started; a scan still running
 * makes the new one wait in the command queue. */
static void scan_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    agent_t *a = ud;
    json_t *paths = json_array();
    for (size_t i = 0; paths && i < a->o.nscan_paths; i++)
        json_array_append_new(paths, json_string(a->o.scan_paths[i]));
    json_t *args = paths ? json_pack("{s:o}", "paths", paths) : NULL;
    char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
    json_decref(args);
    if (text) {
        LOG(a, CANH_LOG_INFO, "scheduled scan of %zu path(s)", a->o.nscan_paths);
        canh_agent_cmd_start(a->cmd, 0, "scan", 4, text, strlen(text));
        free(text);
    }
    arm(a->scan_timer, a->o.scan_interval_s * 1000u);
}

static void on_command(void *ud, int64_t id, const char *kind, size_t kn, const char *args,
                       size_t an)
{
    agent_t *a = ud;
    LOG(a, CANH_LOG_INFO, "command %lld: %.*s", (long long)id, (int)kn, kind);
    canh_agent_cmd_start(a->cmd, id, kind, kn, args, an);
}

/* A command finished: its records are in the open batch; seal them before
 * the result goes out. */
static void on_cmd_done(void *ud, int64_t id, bool ok, const char *json)
{
    agent_t *a = ud;
    seal(a);
    if (id == 0) {
        LOG(a, ok ? CANH_LOG_INFO : CANH_LOG_WARN, "scheduled scan: %s", json ? json : "");
        return;
    }
    canh_uplink_result(a->up, id, ok, json);
}

static int cmd_emit(void *ud, const char *origin, const char *p, size_t n)
{
    agent_t *a = ud;
    if (a->spool_full)
        return CANH_EFULL;
    int rc = emit(a, origin, p, n);
    if (rc == CANH_EFULL) {
        seal(a);
        if (a->spool_full)
            return CANH_EFULL;
        rc = emit(a, origin, p, n);
    }
    return rc;
}

static void cmd_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    agent_t *a = ud;
    canh_agent_cmd_drain(a->cmd, cmd_emit, on_cmd_done, a);
}

static void write_status(agent_t *a)
{
    canh_spool_stats_t ss;
    canh_uplink_stats_t us;
    canh_collect_stats_t cs;
    canh_spool_stats(a->sp, &ss);
    canh_uplink_stats(a->up, &us);
    canh_collectors_stats(a->coll, &cs);
    json_t *j = json_pack(
        "{s:I, s:s, s:b, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:b, s:I},"
        " s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I}",
        "agent_id", (json_int_t)a->id.id, "name", a->id.name, "connected", us.connected, "epoch",
        (json_int_t)ss.epoch, "spool", "batches", (json_int_t)ss.batches, "records",
        (json_int_t)ss.records, "bytes", (json_int_t)ss.bytes, "next_seq", (json_int_t)ss.next_seq,
        "acked_seq", (json_int_t)canh_spool_acked(a->sp), "full", a->spool_full, "truncated_bytes",
        (json_int_t)ss.truncated_bytes, "uplink", "connects", (json_int_t)us.connects, "sent",
        (json_int_t)us.sent, "acked", (json_int_t)us.acked, "rekeys", (json_int_t)us.rekeys,
        "rewinds", (json_int_t)us.rewinds, "refused", (json_int_t)us.refused, "records",
        (json_int_t)a->records_in, "open_records", (json_int_t)a->open.n, "log_files",
        (json_int_t)cs.log_files_open);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return;
    size_t n = strlen(text);
    if (n < sizeof a->last_status && strcmp(text, a->last_status) != 0) {
        /* Informational: written without fsync. */
        char tmp[4300];
        snprintf(tmp, sizeof tmp, "%s.tmp", a->status_path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd >= 0) {
            bool ok = write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
            close(fd);
            if (ok && rename(tmp, a->status_path) == 0)
                memcpy(a->last_status, text, n + 1);
        }
    }
    free(text);
}

static void status_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    agent_t *a = ud;
    write_status(a);
    arm(a->status_timer, STATUS_MS);
}

static void ctl_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)what;
    agent_t *a = ud;
    char buf[16];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    for (ssize_t i = 0; i < r; i++)
        if (buf[i] == 'H')
            a->reload = true;
    event_base_loopbreak(a->base);
}

int canh_agent_run(const canh_agent_opts_t *opts, bool *reload, canh_errbuf_t *eb)
{
    agent_t A, *a = &A;
    memset(a, 0, sizeof *a);
    a->o = *opts;
    if (!a->o.batch_bytes)
        a->o.batch_bytes = 1u << 20;
    if (!a->o.batch_records)
        a->o.batch_records = 5000;
    if (!a->o.batch_delay_ms)
        a->o.batch_delay_ms = 200;
    if (!a->o.collect.state_dir)
        a->o.collect.state_dir = a->o.data_dir;
    canh_agent_batch_init(&a->open, a->o.batch_bytes + CANH_MAX_RECORD + 1024);
    char spooldir[4200];
    int rc = canh_agent_identity_load(a->o.data_dir, &a->id, eb);
    if (rc)
        goto out;
    if ((rc = canh_agent_cred_recover(a->o.data_dir, eb)) != CANH_OK)
        goto out;
    const char *manager = a->o.manager && *a->o.manager ? a->o.manager : a->id.manager;
    snprintf(spooldir, sizeof spooldir, "%s/agent/spool", a->o.data_dir);
    snprintf(a->status_path, sizeof a->status_path, "%s/agent/status.json", a->o.data_dir);
    canh_spool_opts_t so;
    canh_spool_opts_default(&so);
    so.dir = spooldir;
    so.max_size = a->o.spool_max;
    if ((rc = canh_spool_open(&so, &a->sp, eb)) != CANH_OK)
        goto out;
    a->replay = replay_load(a);
    if ((rc = canh_collectors_create(&a->o.collect, &a->coll, eb)) != CANH_OK)
        goto out;
    if ((rc = canh_agent_cmd_create(&a->o, &a->cmd, eb)) != CANH_OK)
        goto out;
    rc = CANH_ENOMEM;
    if (!(a->base = event_base_new()))
        goto out;
    int fds[MAX_COLLECT_FDS];
    size_t nfds = canh_collectors_fds(a->coll, fds, MAX_COLLECT_FDS);
    if (nfds > MAX_COLLECT_FDS)
        nfds = MAX_COLLECT_FDS;
    for (size_t i = 0; i < nfds; i++) {
        if (!(a->coll_ev[i] = event_new(a->base, fds[i], EV_READ | EV_PERSIST, collect_cb, a)))
            goto out;
        event_add(a->coll_ev[i], NULL);
        a->ncoll_ev++;
    }
    if (!(a->coll_timer = evtimer_new(a->base, collect_cb, a)) ||
        !(a->seal_timer = evtimer_new(a->base, seal_cb, a)) ||
        !(a->status_timer = evtimer_new(a->base, status_cb, a)) ||
        !(a->cmd_ev =
              event_new(a->base, canh_agent_cmd_fd(a->cmd), EV_READ | EV_PERSIST, cmd_cb, a)))
        goto out;
    event_add(a->cmd_ev, NULL);
    if (a->o.scan_interval_s && a->o.nscan_paths) {
        if (!(a->scan_timer = evtimer_new(a->base, scan_cb, a)))
            goto out;
        /* The first scan a minute after start, not in the start-up rush. */
        arm(a->scan_timer, 60u * 1000u < a->o.scan_interval_s * 1000u
                               ? 60u * 1000u
                               : a->o.scan_interval_s * 1000u);
    }
    if (a->o.control_fd >= 0) {
        if (!(a->ctl_ev = event_new(a->base, a->o.control_fd, EV_READ | EV_PERSIST, ctl_cb, a)))
            goto out;
        event_add(a->ctl_ev, NULL);
    }
    canh_uplink_cb_t ucb = {on_command, on_acked, a};
    if ((rc = canh_uplink_create(a->base, a->o.data_dir, manager, a->o.window, a->sp, &ucb,
                                 a->o.log, &a->up, eb)) != CANH_OK)
        goto out;
    LOG(a, CANH_LOG_INFO, "agent %lld \"%s\" started, manager %s", (long long)a->id.id, a->id.name,
        manager);
    arm(a->coll_timer, 0);
    arm(a->status_timer, 0);
    event_base_dispatch(a->base);

    /* Clean stop: what was collected goes into the spool, positions are
     * saved; a command still running finishes and is sealed too. */
    canh_agent_cmd_destroy(a->cmd);
    a->cmd = NULL;
    seal(a);
    write_status(a);
    LOG(a, CANH_LOG_INFO, "agent stopped%s",
        a->spool_full ? " (spool full: the open batch will "
                        "be read again at start)"
                      : "");
    if (reload)
        *reload = a->reload;
    rc = CANH_OK;
out:
    canh_uplink_destroy(a->up);
    for (size_t i = 0; i < a->ncoll_ev; i++)
        event_free(a->coll_ev[i]);
    if (a->coll_timer)
        event_free(a->coll_timer);
    if (a->seal_timer)
        event_free(a->seal_timer);
    if (a->status_timer)
        event_free(a->status_timer);
    if (a->cmd_ev)
        event_free(a->cmd_ev);
    if (a->scan_timer)
        event_free(a->scan_timer);
    if (a->ctl_ev)
        event_free(a->ctl_ev);
    canh_agent_cmd_destroy(a->cmd);
    if (a->base)
        event_base_free(a->base);
    canh_collectors_destroy(a->coll);
    replay_free(a->replay);
    canh_spool_close(a->sp);
    canh_agent_batch_fini(&a->open);
    return rc;
}
