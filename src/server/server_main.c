/* server_main.c - the manager's life cycle: configuration checks, binding,
 * privilege drop, threads, reload, clean shutdown, DATA/server.json. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "canh/mem.h"
#include "server_int.h"

/* Level rules (domain/vn-regulation.md): logs of monitored systems are kept
 * at least this long; shorter needs retention.force. */
#define SRV_MIN_RETENTION_DAYS 30

int64_t srv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * CANH_NS_PER_SEC + ts.tv_nsec;
}

int64_t srv_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * CANH_NS_PER_SEC + ts.tv_nsec;
}

void srv_log(srv_t *s, enum canh_log_level lvl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&s->log_lock);
    canh_log(&s->log, lvl, "%s", msg);
    fflush(s->log.out);
    pthread_mutex_unlock(&s->log_lock);
}

/* ---- configuration checks ----------------------------------------------------------------- */

/* retention.* into s->retention; "DATASET=DAYS" entries checked. */
static int parse_retention(srv_t *s, canh_errbuf_t *eb)
{
    const canh_settings_t *c = s->settings;
    bool force = c->ret_force;
    if (c->ret_max_age_days < SRV_MIN_RETENTION_DAYS && !force)
        return canh_errf(eb, CANH_EINVAL,
                         "retention.max_age_days: %" PRId64 " is under the %d days the level "
                         "rules require for monitored systems (set retention.force: true to "
                         "allow it)",
                         c->ret_max_age_days, SRV_MIN_RETENTION_DAYS);
    size_t n = c->ret_by_dataset.n;
    if (n) {
        s->ret_datasets = canh_calloc(n, sizeof *s->ret_datasets);
        s->ret_names = canh_calloc(n, sizeof *s->ret_names);
        if (!s->ret_datasets || !s->ret_names)
            return CANH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = c->ret_by_dataset.v[i];
        const char *eq = strrchr(e, '=');
        canh_str_t days = eq ? canh_str_c(eq + 1) : CANH_STR_NULL;
        uint64_t d = 0;
        bool name_ok = eq && eq > e && (size_t)(eq - e) < 64;
        for (const char *p = e; name_ok && p < eq; p++)
            name_ok = *p > ' ' && *p < 0x7f;
        if (!name_ok || canh_str_to_u64(days, 36500, &d) != CANH_OK || d == 0)
            return canh_errf(eb, CANH_EINVAL,
                             "retention.by_dataset: expected \"DATASET=DAYS\" (days 1-36500), "
                             "got \"%s\"",
                             e);
        if (d < SRV_MIN_RETENTION_DAYS && !force)
            return canh_errf(eb, CANH_EINVAL,
                             "retention.by_dataset: %s: %" PRIu64 " days is under the %d days "
                             "the level rules require (set retention.force: true to allow it)",
                             e, d, SRV_MIN_RETENTION_DAYS);
        if (!(s->ret_names[i] = canh_strndup(e, (size_t)(eq - e))))
            return CANH_ENOMEM;
        s->ret_datasets[i] = (canh_retention_dataset_t){s->ret_names[i], (int64_t)d};
    }
    s->retention = (canh_retention_t){
        .max_age_days = c->ret_max_age_days,
        .datasets = s->ret_datasets,
        .ndatasets = n,
        .max_size = c->ret_max_size,
    };
    return CANH_OK;
}

static int parse_tz(const char *tz, int32_t *off)
{
    if (!tz || !*tz || strcmp(tz, "local") == 0) {
        *off = canh_time_local_offset();
        return CANH_OK;
    }
    return canh_time_parse_tz(canh_str_c(tz), off);
}

/* ---- privileges ------------------------------------------------------------------------------ */

/* Gives dirfd's tree to uid:gid without following symbolic links, at most
 * 16 levels deep; counts what could not be changed. Takes over dirfd. */
static void chown_tree(int dirfd, uid_t uid, gid_t gid, int depth, int *failures)
{
    if (fchown(dirfd, uid, gid) != 0)
        (*failures)++;
    DIR *d = depth < 16 ? fdopendir(dirfd) : NULL;
    if (!d) {
        close(dirfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            (*failures)++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0)
                chown_tree(fd, uid, gid, depth + 1, failures);
            else
                (*failures)++;
        } else if (fchownat(dirfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
            (*failures)++;
        }
    }
    closedir(d);
}

/* Started as root: hands the data directory to server.user and becomes that
 * user (groups, then gid, then uid; then checks that root cannot be
 * regained). Not root: nothing to do. */
static int drop_privileges(srv_t *s, canh_errbuf_t *eb)
{
    const char *user = s->settings->server_user;
    s->run_uid = geteuid();
    s->run_gid = getegid();
    if (geteuid() != 0) {
        struct passwd *pw = getpwuid(geteuid());
        snprintf(s->run_user, sizeof s->run_user, "%s", pw ? pw->pw_name : "?");
        srv_log(s, CANH_LOG_INFO,
                "not started as root: running as %s (uid %u); server.user "
                "not used",
                s->run_user, (unsigned)geteuid());
        return CANH_OK;
    }
    snprintf(s->run_user, sizeof s->run_user, "root");
    if (!user || !*user) {
        srv_log(s, CANH_LOG_WARN, "running as root: server.user is empty");
        return CANH_OK;
    }
    struct passwd pwd, *pw = NULL;
    char buf[4096];
    if (getpwnam_r(user, &pwd, buf, sizeof buf, &pw) != 0 || !pw) {
        srv_log(s, CANH_LOG_WARN, "running as root: server.user \"%s\" does not exist", user);
        return CANH_OK;
    }
    int failures = 0;
    int dfd = open(s->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", s->data_dir, strerror(errno));
    chown_tree(dfd, pw->pw_uid, pw->pw_gid, 0, &failures);
    if (failures)
        srv_log(s, CANH_LOG_WARN, "%s: %d files could not be given to %s", s->data_dir, failures,
                user);
    if (s->logf && s->logf != stderr)
        (void)fchown(fileno(s->logf), pw->pw_uid, pw->pw_gid);
    if (initgroups(user, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        return canh_errf(eb, CANH_EPERM, "server.user: cannot switch to %s: %s", user,
                         strerror(errno));
    if (setuid(0) == 0)
        return canh_errf(eb, CANH_EPERM, "server.user: %s could regain root", user);
    s->run_uid = pw->pw_uid;
    s->run_gid = pw->pw_gid;
    snprintf(s->run_user, sizeof s->run_user, "%s", user);
    s->dropped_privileges = true;
    srv_log(s, CANH_LOG_INFO, "switched to user %s (uid %u)", user, (unsigned)pw->pw_uid);
    return CANH_OK;
}

/* ---- server.json --------------------------------------------------------------------------------
 */

static int json_path(const srv_t *s, char *out, size_t cap, const char *suffix)
{
    if ((size_t)snprintf(out, cap, "%s/server.json%s", s->data_dir, suffix) >= cap)
        return CANH_EINVAL;
    return CANH_OK;
}

canh_queue_t *canh_server_input(canh_server_t *s)
{
    return s->inq;
}

int canh_server_port(const canh_server_t *s, const char *which)
{
    if (!strcmp(which, "metrics"))
        return s->metrics_port;
    if (!strcmp(which, "agent"))
        return s->agents ? canh_agent_server_port(s->agents) : 0;
    if (!s->listener)
        return 0;
    if (!strcmp(which, "udp"))
        return canh_listener_port(s->listener, CANH_TRANSPORT_UDP);
    if (!strcmp(which, "tcp"))
        return canh_listener_port(s->listener, CANH_TRANSPORT_TCP);
    if (!strcmp(which, "tls"))
        return canh_listener_port(s->listener, CANH_TRANSPORT_TLS);
    return 0;
}

/* The host part of an "ADDR:PORT" setting, made connectable: a wildcard
 * becomes loopback. */
static void connect_host(const char *addr, char *out, size_t cap)
{
    const char *colon = strrchr(addr, ':');
    size_t n = colon ? (size_t)(colon - addr) : 0;
    if (n >= 2 && addr[0] == '[') {
        addr++;
        n -= 2;
    }
    snprintf(out, cap, "%.*s", (int)n, addr);
    if (!*out || !strcmp(out, "0.0.0.0"))
        snprintf(out, cap, "127.0.0.1");
    else if (!strcmp(out, "::"))
        snprintf(out, cap, "::1");
}

static int write_server_json(srv_t *s, canh_errbuf_t *eb)
{
    char path[4200], tmp[4200], stamp[32], host[256];
    if (json_path(s, path, sizeof path, "") || json_path(s, tmp, sizeof tmp, ".tmp"))
        return canh_errf(eb, CANH_EINVAL, "%s: path too long", s->data_dir);
    canh_time_format(s->started_ns, stamp);
    connect_host(s->settings->metrics, host, sizeof host);
    json_t *ports =
        json_pack("{s:i,s:i,s:i,s:i,s:i}", "udp", canh_server_port(s, "udp"), "tcp",
                  canh_server_port(s, "tcp"), "tls", canh_server_port(s, "tls"), "agent",
                  canh_server_port(s, "agent"), "metrics", canh_server_port(s, "metrics"));
    json_t *doc = json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:i}", "pid", (json_int_t)getpid(), "started",
                            stamp, "data_dir", s->data_dir, "user", s->run_user, "ports", ports,
                            "metrics_host", host, "workers", (int)s->nworkers);
    if (!doc)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    if (json_dump_file(doc, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0)
        rc = canh_errf(eb, CANH_EIO, "%s: cannot write: %s", path, strerror(errno));
    json_decref(doc);
    return rc;
}

/* ---- create / start
 * ------------------------------------------------------------------------------ */

static void rule_report(void *ud, const char *file, unsigned line, const char *id,
                        const char *title, canh_rule_status_t st, const char *reason)
{
    (void)title;
    if (st == CANH_RULE_OK)
        return;
    srv_log(ud, st == CANH_RULE_FAILED ? CANH_LOG_WARN : CANH_LOG_DEBUG, "%s:%u: %s: %s: %s", file,
            line, id && *id ? id : "-", st == CANH_RULE_FAILED ? "failed" : "partial",
            reason ? reason : "");
}

static int load_engine(srv_t *s, const canh_strlist_t *rules, canh_store_t *st, canh_engine_t **out,
                       canh_errbuf_t *eb)
{
    size_t failed = 0;
    int rc = canh_engine_load((const char *const *)rules->v, rules->n, st, rule_report, s, out,
                              &failed, eb);
    if (rc == CANH_OK)
        srv_log(s, CANH_LOG_INFO, "engine: %zu rules (%zu failed), %zu indicators",
                canh_engine_nrules(*out), failed, canh_engine_nindicators(*out));
    return rc;
}

static int create_queues(srv_t *s)
{
    size_t cap = (size_t)s->settings->queue;
    size_t chunks = cap / SRV_CHUNK_ROWS;
    if (chunks < 4)
        chunks = 4;
    if (chunks > 64)
        chunks = 64;
    int rc;
    if ((rc = canh_queue_create(cap, &s->inq)) != CANH_OK ||
        (rc = canh_queue_create(chunks, &s->outq)) != CANH_OK ||
        (rc = canh_queue_create(2 * s->nworkers + 4, &s->freeq)) != CANH_OK)
        return rc;
    return CANH_OK;
}

static int bind_listeners(srv_t *s, canh_errbuf_t *eb)
{
    const canh_settings_t *c = s->settings;
    if (*c->syslog_tls && (!*c->tls_cert || !*c->tls_key))
        return canh_errf(eb, CANH_EINVAL,
                         "server.syslog.tls: needs server.tls.cert and server.tls.key");
    if (*c->syslog_udp || *c->syslog_tcp || *c->syslog_tls) {
        canh_listen_opts_t lo;
        canh_listen_opts_default(&lo);
        lo.udp = *c->syslog_udp ? c->syslog_udp : NULL;
        lo.tcp = *c->syslog_tcp ? c->syslog_tcp : NULL;
        lo.tls = *c->syslog_tls ? c->syslog_tls : NULL;
        lo.tls_cert = *c->tls_cert ? c->tls_cert : NULL;
        lo.tls_key = *c->tls_key ? c->tls_key : NULL;
        lo.tls_ca = *c->tls_ca ? c->tls_ca : NULL;
        lo.max_record = (size_t)c->max_record;
        lo.max_conns = (unsigned)c->max_conns;
        lo.idle_timeout_s = (int)c->idle_timeout;
        lo.udp_rcvbuf = (int)c->udp_rcvbuf;
        int rc = canh_listener_create(&lo, s->inq, &s->listener, eb);
        if (rc)
            return rc;
    }
    if (*c->agent_listen) {
        canh_agent_server_opts_t ao;
        canh_agent_server_opts_default(&ao);
        ao.listen = c->agent_listen;
        ao.data_dir = s->data_dir;
        ao.server_name = *c->agent_name ? c->agent_name : NULL;
        ao.log = &s->agent_log;
        int rc = canh_agent_server_create(&ao, s->inq, &s->agents, eb);
        if (rc)
            return rc;
    }
    return srv_metrics_bind(s, eb);
}

int canh_server_create(const canh_server_opts_t *o, canh_server_t **out, canh_errbuf_t *eb)
{
    srv_t *s = canh_calloc(1, sizeof *s);
    if (!s)
        return CANH_ENOMEM;
    s->metrics_fd = -1;
    s->settings = o->settings;
    s->logf = o->log ? o->log : stderr;
    pthread_mutex_init(&s->log_lock, NULL);
    pthread_mutex_init(&s->reload_lock, NULL);
    pthread_mutex_init(&s->pop_lock, NULL);
    pthread_mutex_init(&s->gate_lock, NULL);
    pthread_cond_init(&s->gate_cond, NULL);
    enum canh_log_level lvl = (enum canh_log_level)o->settings->log_level;
    canh_log_init(&s->log, s->logf, lvl);
    canh_log_init(&s->agent_log, s->logf, lvl);
    s->started_ns = srv_now_ns();
    s->started_mono = srv_mono_ns();
    canh_engine_t *engine = NULL;
    int rc = CANH_ENOMEM;
    const char *dir = o->data_dir && *o->data_dir ? o->data_dir : o->settings->data_dir;
    if (!(s->data_dir = canh_strdup(dir)) ||
        !(s->version = canh_strdup(o->version ? o->version : "")) ||
        (o->config_path && !(s->config_path = canh_strdup(o->config_path))))
        goto out;
    if (parse_tz(o->settings->timezone, &s->tz_off) != CANH_OK) {
        rc = canh_errf(eb, CANH_EINVAL, "time.zone: cannot read \"%s\"", o->settings->timezone);
        goto out;
    }
    if ((rc = parse_retention(s, eb)) != CANH_OK)
        goto out;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    s->nworkers =
        o->settings->workers > 0 ? (unsigned)o->settings->workers : (unsigned)(ncpu > 0 ? ncpu : 1);
    if (s->nworkers > SRV_MAX_WORKERS)
        s->nworkers = SRV_MAX_WORKERS;
    if (!(s->workers = canh_calloc(s->nworkers, sizeof *s->workers))) {
        rc = CANH_ENOMEM;
        goto out;
    }
    if ((rc = canh_store_open(s->data_dir, &s->store, eb)) != CANH_OK)
        goto out;
    if ((rc = canh_engine_slot_create(&s->slot)) != CANH_OK)
        goto out;
    if (o->settings->rules.n == 0)
        srv_log(s, CANH_LOG_WARN, "no Sigma rules configured (detect.rules): intel matches only");
    if ((rc = load_engine(s, &o->settings->rules, s->store, &engine, eb)) != CANH_OK)
        goto out;
    canh_engine_slot_swap(s->slot, engine);
    if ((rc = create_queues(s)) != CANH_OK || (rc = bind_listeners(s, eb)) != CANH_OK ||
        (rc = drop_privileges(s, eb)) != CANH_OK)
        goto out;
out:
    if (rc) {
        canh_server_destroy(s);
        return rc;
    }
    *out = s;
    return CANH_OK;
}

int canh_server_start(canh_server_t *s, canh_errbuf_t *eb)
{
    int rc;
    s->running = true;
    if ((rc = srv_writer_start(s, eb)) != CANH_OK || (rc = srv_workers_start(s, eb)) != CANH_OK ||
        (s->listener && (rc = canh_listener_start(s->listener, eb)) != CANH_OK) ||
        (s->agents && (rc = canh_agent_server_start(s->agents, eb)) != CANH_OK) ||
        (rc = srv_metrics_start(s, eb)) != CANH_OK || (rc = write_server_json(s, eb)) != CANH_OK) {
        canh_server_stop(s);
        return rc;
    }
    srv_log(s, CANH_LOG_INFO,
            "started: %u workers; udp %d, tcp %d, tls %d, agent %d, metrics %d; data %s",
            s->nworkers, canh_server_port(s, "udp"), canh_server_port(s, "tcp"),
            canh_server_port(s, "tls"), canh_server_port(s, "agent"),
            canh_server_port(s, "metrics"), s->data_dir);
    return CANH_OK;
}

/* ---- reload -------------------------------------------------------------------------------------
 */

int canh_server_reload(canh_server_t *s, canh_errbuf_t *eb)
{
    canh_settings_t fresh = {0};
    canh_store_t *st = NULL;
    canh_engine_t *engine = NULL;
    const canh_strlist_t *rules = &s->settings->rules;
    int64_t t0 = srv_mono_ns();
    pthread_mutex_lock(&s->reload_lock);
    int rc = CANH_OK;
    /* detect.rules may have changed in the file; nothing else is applied
     * without a restart. */
    if (s->config_path) {
        if ((rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &fresh, eb)) !=
                CANH_OK ||
            (rc = canh_config_load_file(canh_settings_keys, canh_settings_nkeys, &fresh,
                                        s->config_path, eb)) != CANH_OK)
            goto out;
        rules = &fresh.rules;
    }
    /* The writer's connection belongs to its thread: indicators are read
     * through a connection of our own. */
    if ((rc = canh_store_open(s->data_dir, &st, eb)) != CANH_OK ||
        (rc = load_engine(s, rules, st, &engine, eb)) != CANH_OK)
        goto out;
    canh_engine_slot_swap(s->slot, engine);
    atomic_fetch_add(&s->reloads, 1);
    srv_log(s, CANH_LOG_INFO, "reloaded in %.0f ms", (double)(srv_mono_ns() - t0) / 1e6);
out:
    if (rc) {
        atomic_fetch_add(&s->reload_failures, 1);
        srv_log(s, CANH_LOG_ERROR, "reload failed, the previous rules stay: %s", eb->msg);
    }
    canh_store_close(st);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &fresh);
    pthread_mutex_unlock(&s->reload_lock);
    return rc;
}

/* ---- stop / destroy
 * -------------------------------------------------------------------------------- */

void canh_server_stop(canh_server_t *s)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    int64_t t0 = srv_mono_ns();
    /* Inputs first: the listeners frame and queue what they already read,
     * while the workers still run. */
    if (s->listener)
        canh_listener_stop(s->listener);
    if (s->agents)
        canh_agent_server_stop(s->agents);
    /* Then drain: workers empty the input queue, the writer the store
     * queue, committing everything and releasing the acks. */
    if (s->inq)
        canh_queue_close(s->inq);
    srv_workers_join(s);
    atomic_store(&s->writer_stop, true);
    if (s->outq)
        canh_queue_close(s->outq);
    srv_writer_join(s);
    srv_metrics_stop(s);
    if (s->running) {
        char path[4200];
        if (json_path(s, path, sizeof path, "") == CANH_OK)
            unlink(path);
        srv_log(s, CANH_LOG_INFO,
                "stopped in %.0f ms: %" PRIu64 " events and %" PRIu64 " alerts stored",
                (double)(srv_mono_ns() - t0) / 1e6, (uint64_t)atomic_load(&s->wstats.stored_events),
                (uint64_t)atomic_load(&s->wstats.stored_alerts));
    }
    s->running = false;
}

static void drain_free(canh_queue_t *q, bool records)
{
    void *items[64];
    size_t n;
    if (!q)
        return;
    while ((n = canh_queue_pop_many(q, items, 64, 0)) > 0)
        for (size_t i = 0; i < n; i++) {
            if (records)
                canh_inrec_free(items[i]);
            else
                srv_chunk_free(items[i]);
        }
}

void canh_server_destroy(canh_server_t *s)
{
    if (!s)
        return;
    canh_server_stop(s);
    canh_listener_destroy(s->listener);
    canh_agent_server_destroy(s->agents);
    if (s->metrics_fd >= 0)
        close(s->metrics_fd);
    drain_free(s->inq, true);
    drain_free(s->outq, false);
    drain_free(s->freeq, false);
    canh_queue_destroy(s->inq);
    canh_queue_destroy(s->outq);
    canh_queue_destroy(s->freeq);
    canh_engine_slot_destroy(s->slot);
    canh_store_close(s->store);
    for (size_t i = 0; s->ret_names && i < s->settings->ret_by_dataset.n; i++)
        canh_free(s->ret_names[i]);
    canh_free(s->ret_names);
    canh_free(s->ret_datasets);
    canh_free(s->workers);
    canh_free(s->data_dir);
    canh_free(s->version);
    canh_free(s->config_path);
    pthread_cond_destroy(&s->gate_cond);
    pthread_mutex_destroy(&s->gate_lock);
    pthread_mutex_destroy(&s->pop_lock);
    pthread_mutex_destroy(&s->reload_lock);
    pthread_mutex_destroy(&s->log_lock);
    canh_free(s);
}
