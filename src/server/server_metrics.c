/* server_metrics.c - counters out: GET /metrics (Prometheus text format)
 * and GET /status (one JSON object) over libmicrohttpd on server.metrics.
 *
 * The socket is bound by srv_metrics_bind before privileges are dropped
 * and handed to libmicrohttpd (its own thread) at start. Each request reads
 * the counters afresh: listener and agent-server snapshots, the workers'
 * and the writer's atomics, the queues' depths. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "canh/mem.h"
#include "server_int.h"

static const char *const transports[5] = {"file", "udp", "tcp", "tls", "agent"};

/* ---- the numbers --------------------------------------------------------------------------- */

typedef struct snap {
    canh_listen_stats_t ls;
    canh_agent_server_stats_t as;
    uint64_t records, generic, truncated, bad_time, alerts, too_large;
    uint64_t alerts_by_level[5], from_transport[5];
    uint64_t corr_groups, corr_evictions, corr_expired, corr_late;
    uint64_t stored_events, stored_alerts, commits, store_errors, lost;
    uint64_t batch_ns_sum, batch_count, batch_hist[8];
    uint64_t retention_events, retention_alerts, retention_runs, used_bytes;
    uint64_t acks_released, agent_seq_set;
    uint64_t reloads, reload_failures;
    size_t in_depth, in_cap, in_peak, out_depth, out_cap, out_peak;
    size_t nrules, nindicators;
    double uptime;
} snap_t;

#define LD(x) ((uint64_t)atomic_load_explicit(&(x), memory_order_relaxed))

static void take_snap(srv_t *s, snap_t *n)
{
    memset(n, 0, sizeof *n);
    if (s->listener)
        canh_listener_stats(s->listener, &n->ls);
    if (s->agents)
        canh_agent_server_stats(s->agents, &n->as);
#define MAXOF(a, b)                                                                                \
    do {                                                                                           \
        uint64_t v_ = (b);                                                                         \
        if (v_ > (a))                                                                              \
            (a) = v_;                                                                              \
    } while (0)
    for (unsigned i = 0; i < s->nworkers; i++) {
        srv_worker_stats_t *w = &s->workers[i].stats;
        n->records += LD(w->records);
        n->generic += LD(w->decoded_generic);
        n->truncated += LD(w->truncated);
        n->bad_time += LD(w->bad_time);
        n->alerts += LD(w->alerts);
        n->too_large += LD(w->too_large);
        /* The workers share one correlation state: each reports all of it. */
        MAXOF(n->corr_groups, LD(w->corr_groups));
        MAXOF(n->corr_evictions, LD(w->corr_evictions));
        MAXOF(n->corr_expired, LD(w->corr_expired));
        MAXOF(n->corr_late, LD(w->corr_late));
        for (int l = 0; l < 5; l++) {
            n->alerts_by_level[l] += LD(w->alerts_by_level[l]);
            n->from_transport[l] += LD(w->from_transport[l]);
        }
    }
    srv_writer_stats_t *ws = &s->wstats;
    n->stored_events = LD(ws->stored_events);
    n->stored_alerts = LD(ws->stored_alerts);
    n->commits = LD(ws->commits);
    n->store_errors = LD(ws->store_errors);
    n->lost = LD(ws->lost);
    n->batch_ns_sum = LD(ws->batch_ns_sum);
    n->batch_count = LD(ws->batch_count);
    for (int b = 0; b < 8; b++)
        n->batch_hist[b] = LD(ws->batch_hist[b]);
    n->retention_events = LD(ws->retention_events);
    n->retention_alerts = LD(ws->retention_alerts);
    n->retention_runs = LD(ws->retention_runs);
    n->used_bytes = LD(ws->used_bytes);
    n->acks_released = LD(ws->acks_released);
    n->agent_seq_set = LD(ws->agent_seq_set);
    n->reloads = LD(s->reloads);
    n->reload_failures = LD(s->reload_failures);
    if (s->inq) {
        n->in_depth = canh_queue_depth(s->inq);
        n->in_cap = canh_queue_capacity(s->inq);
        n->in_peak = canh_queue_peak(s->inq);
    }
    if (s->outq) {
        /* In rows: each chunk holds up to SRV_CHUNK_ROWS. */
        n->out_depth = canh_queue_depth(s->outq);
        n->out_cap = canh_queue_capacity(s->outq);
        n->out_peak = canh_queue_peak(s->outq);
    }
    canh_engine_t *e = s->slot ? canh_engine_slot_get(s->slot) : NULL;
    n->nrules = canh_engine_nrules(e);
    n->nindicators = canh_engine_nindicators(e);
    canh_engine_release(e);
    n->uptime = (double)(srv_mono_ns() - s->started_mono) / 1e9;
}

void canh_server_counts(canh_server_t *s, canh_server_counts_t *out)
{
    snap_t n;
    take_snap(s, &n);
    uint64_t received = n.as.records;
    for (int t = 0; t < 5; t++)
        received += n.ls.received[t];
    *out = (canh_server_counts_t){
        .received = received,
        .decoded = n.records,
        .alerts = n.alerts,
        .stored = n.stored_events,
        .store_errors = n.store_errors,
        .reloads = n.reloads,
        .reload_failures = n.reload_failures,
        .dropped_udp_full = n.ls.udp_dropped_full,
    };
}

/* ---- Prometheus text ----------------------------------------------------------------------------
 */

static void metric(canh_buf_t *b, const char *name, const char *type, const char *help)
{
    canh_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int canh_server_metrics_text(canh_server_t *s, canh_buf_t *b)
{
    snap_t n;
    take_snap(s, &n);
    static const double bounds[] = SRV_BATCH_BUCKETS;
    metric(b, "canh_received_total", "counter", "Records received, by transport.");
    for (int t = 1; t < 5; t++)
        canh_buf_printf(b, "canh_received_total{transport=\"%s\"} %" PRIu64 "\n", transports[t],
                        t == CANH_TRANSPORT_AGENT ? n.as.records + n.ls.received[t]
                                                  : n.ls.received[t]);
    metric(b, "canh_received_bytes_total", "counter", "Syslog bytes received.");
    canh_buf_printf(b, "canh_received_bytes_total %" PRIu64 "\n", n.ls.bytes);
    metric(b, "canh_decoded_total", "counter", "Records through decode, enrich and detect.");
    canh_buf_printf(b, "canh_decoded_total %" PRIu64 "\n", n.records);
    metric(b, "canh_decoded_generic_total", "counter",
           "Records no decoder recognised (kept as generic events).");
    canh_buf_printf(b, "canh_decoded_generic_total %" PRIu64 "\n", n.generic);
    metric(b, "canh_truncated_total", "counter", "Records cut at the record limit.");
    canh_buf_printf(b, "canh_truncated_total %" PRIu64 "\n", n.truncated + n.ls.truncated);
    metric(b, "canh_alerts_total", "counter", "Alerts raised, by level.");
    for (int l = 0; l < 5; l++)
        canh_buf_printf(b, "canh_alerts_total{level=\"%s\"} %" PRIu64 "\n",
                        canh_level_name((canh_level_t)l), n.alerts_by_level[l]);
    metric(b, "canh_queue_depth", "gauge",
           "Items waiting: records (input), chunks of up to 256 rows (store).");
    canh_buf_printf(b, "canh_queue_depth{queue=\"input\"} %zu\n", n.in_depth);
    canh_buf_printf(b, "canh_queue_depth{queue=\"store\"} %zu\n", n.out_depth);
    metric(b, "canh_queue_capacity", "gauge", "Queue capacities.");
    canh_buf_printf(b, "canh_queue_capacity{queue=\"input\"} %zu\n", n.in_cap);
    canh_buf_printf(b, "canh_queue_capacity{queue=\"store\"} %zu\n", n.out_cap);
    metric(b, "canh_queue_peak", "gauge", "Highest depth since start.");
    canh_buf_printf(b, "canh_queue_peak{queue=\"input\"} %zu\n", n.in_peak);
    canh_buf_printf(b, "canh_queue_peak{queue=\"store\"} %zu\n", n.out_peak);
    metric(b, "canh_dropped_total", "counter", "Records lost, by cause (never silent).");
    canh_buf_printf(b, "canh_dropped_total{cause=\"udp_queue_full\"} %" PRIu64 "\n",
                    n.ls.udp_dropped_full);
    canh_buf_printf(b, "canh_dropped_total{cause=\"udp_kernel\"} %" PRIu64 "\n",
                    n.ls.udp_dropped_kernel);
    canh_buf_printf(b, "canh_dropped_total{cause=\"listener_lost\"} %" PRIu64 "\n", n.ls.lost);
    canh_buf_printf(b, "canh_dropped_total{cause=\"too_large\"} %" PRIu64 "\n", n.too_large);
    canh_buf_printf(b, "canh_dropped_total{cause=\"store_failed\"} %" PRIu64 "\n", n.lost);
    metric(b, "canh_framing_errors_total", "counter", "Malformed syslog frames.");
    canh_buf_printf(b, "canh_framing_errors_total %" PRIu64 "\n", n.ls.framing_errors);
    metric(b, "canh_backpressure_pauses_total", "counter",
           "Times a TCP/TLS or agent connection stopped being read because the queue was full.");
    canh_buf_printf(b, "canh_backpressure_pauses_total{input=\"syslog\"} %" PRIu64 "\n",
                    n.ls.pauses);
    canh_buf_printf(b, "canh_backpressure_pauses_total{input=\"agent\"} %" PRIu64 "\n",
                    n.as.pauses);
    metric(b, "canh_connections_open", "gauge", "Open syslog TCP/TLS connections.");
    canh_buf_printf(b, "canh_connections_open %" PRIu64 "\n", n.ls.conns_open);
    metric(b, "canh_connections_refused_total", "counter",
           "Connections refused (server.max_conns) or failing the TLS handshake.");
    canh_buf_printf(b, "canh_connections_refused_total{cause=\"limit\"} %" PRIu64 "\n",
                    n.ls.conns_refused);
    canh_buf_printf(b, "canh_connections_refused_total{cause=\"tls_handshake\"} %" PRIu64 "\n",
                    n.ls.tls_handshake_failed);
    metric(b, "canh_stored_total", "counter", "Events committed to the store.");
    canh_buf_printf(b, "canh_stored_total %" PRIu64 "\n", n.stored_events);
    metric(b, "canh_stored_alerts_total", "counter", "Alerts committed to the store.");
    canh_buf_printf(b, "canh_stored_alerts_total %" PRIu64 "\n", n.stored_alerts);
    metric(b, "canh_store_errors_total", "counter", "Failed store commits and rows.");
    canh_buf_printf(b, "canh_store_errors_total %" PRIu64 "\n", n.store_errors);
    metric(b, "canh_store_batch_seconds", "histogram",
           "Time spent inserting and committing one batch (waits excluded).");
    uint64_t cum = 0;
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        cum += n.batch_hist[i];
        canh_buf_printf(b, "canh_store_batch_seconds_bucket{le=\"%g\"} %" PRIu64 "\n", bounds[i],
                        cum);
    }
    cum += n.batch_hist[sizeof bounds / sizeof bounds[0]];
    canh_buf_printf(b, "canh_store_batch_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    canh_buf_printf(b, "canh_store_batch_seconds_sum %.6f\n", (double)n.batch_ns_sum / 1e9);
    canh_buf_printf(b, "canh_store_batch_seconds_count %" PRIu64 "\n", n.batch_count);
    metric(b, "canh_store_used_bytes", "gauge", "Bytes in the store's used pages.");
    canh_buf_printf(b, "canh_store_used_bytes %" PRIu64 "\n", n.used_bytes);
    metric(b, "canh_retention_deleted_total", "counter", "Rows removed by retention.");
    canh_buf_printf(b, "canh_retention_deleted_total{kind=\"event\"} %" PRIu64 "\n",
                    n.retention_events);
    canh_buf_printf(b, "canh_retention_deleted_total{kind=\"alert\"} %" PRIu64 "\n",
                    n.retention_alerts);
    metric(b, "canh_agents_connected", "gauge", "Authenticated agent connections.");
    canh_buf_printf(b, "canh_agents_connected %" PRIu64 "\n", n.as.connected);
    metric(b, "canh_agent_batches_total", "counter", "Agent batches queued.");
    canh_buf_printf(b, "canh_agent_batches_total %" PRIu64 "\n", n.as.batches);
    metric(b, "canh_agent_duplicates_total", "counter", "Agent batches received again.");
    canh_buf_printf(b, "canh_agent_duplicates_total %" PRIu64 "\n", n.as.duplicates);
    metric(b, "canh_agent_acks_total", "counter", "Agent batch acknowledgements sent.");
    canh_buf_printf(b, "canh_agent_acks_total %" PRIu64 "\n", n.as.acks);
    metric(b, "canh_agent_rejected_total", "counter", "Agent connections refused (credentials).");
    canh_buf_printf(b, "canh_agent_rejected_total %" PRIu64 "\n", n.as.rejected_auth);
    metric(b, "canh_correlation_groups", "gauge",
           "Correlation groups held, all workers (bounded by server.corr_groups each).");
    canh_buf_printf(b, "canh_correlation_groups %" PRIu64 "\n", n.corr_groups);
    metric(b, "canh_correlation_dropped_total", "counter",
           "Correlation groups evicted at the bound, expired, and late events ignored.");
    canh_buf_printf(b, "canh_correlation_dropped_total{cause=\"evicted\"} %" PRIu64 "\n",
                    n.corr_evictions);
    canh_buf_printf(b, "canh_correlation_dropped_total{cause=\"expired\"} %" PRIu64 "\n",
                    n.corr_expired);
    canh_buf_printf(b, "canh_correlation_dropped_total{cause=\"late_event\"} %" PRIu64 "\n",
                    n.corr_late);
    metric(b, "canh_reloads_total", "counter", "Successful rule and intel reloads.");
    canh_buf_printf(b, "canh_reloads_total %" PRIu64 "\n", n.reloads);
    metric(b, "canh_reload_failures_total", "counter", "Failed reloads (old rules kept).");
    canh_buf_printf(b, "canh_reload_failures_total %" PRIu64 "\n", n.reload_failures);
    metric(b, "canh_rules_loaded", "gauge", "Sigma rules in the current engine.");
    canh_buf_printf(b, "canh_rules_loaded %zu\n", n.nrules);
    metric(b, "canh_indicators_loaded", "gauge", "Indicators in the current engine.");
    canh_buf_printf(b, "canh_indicators_loaded %zu\n", n.nindicators);
    metric(b, "canh_uptime_seconds", "gauge", "Seconds since the server started.");
    return canh_buf_printf(b, "canh_uptime_seconds %.0f\n", n.uptime);
}

/* ---- /status JSON -----------------------------------------------------------------------------
 */

int canh_server_status_json(canh_server_t *s, canh_buf_t *b)
{
    snap_t n;
    take_snap(s, &n);
    char started[32];
    canh_time_format(s->started_ns, started);
    canh_buf_printf(b, "{\"pid\":%d,\"version\":", (int)getpid());
    canh_json_put_string(b, s->version, strlen(s->version));
    canh_buf_printf(b, ",\"started\":\"%s\",\"uptime_s\":%.0f,\"user\":", started, n.uptime);
    canh_json_put_string(b, s->run_user, strlen(s->run_user));
    canh_buf_printf(b, ",\"data_dir\":");
    canh_json_put_string(b, s->data_dir, strlen(s->data_dir));
    canh_buf_printf(b,
                    ",\"workers\":%u,\"ports\":{\"udp\":%d,\"tcp\":%d,\"tls\":%d,\"agent\":%d,"
                    "\"metrics\":%d}",
                    s->nworkers, canh_server_port(s, "udp"), canh_server_port(s, "tcp"),
                    canh_server_port(s, "tls"), canh_server_port(s, "agent"), s->metrics_port);
    canh_buf_printf(b, ",\"received\":{");
    for (int t = 1; t < 5; t++)
        canh_buf_printf(b, "%s\"%s\":%" PRIu64, t > 1 ? "," : "", transports[t],
                        t == CANH_TRANSPORT_AGENT ? n.as.records + n.ls.received[t]
                                                  : n.ls.received[t]);
    canh_buf_printf(b,
                    "},\"decoded\":%" PRIu64 ",\"generic\":%" PRIu64 ",\"truncated\":%" PRIu64
                    ",\"alerts\":{\"total\":%" PRIu64,
                    n.records, n.generic, n.truncated + n.ls.truncated, n.alerts);
    for (int l = 0; l < 5; l++)
        canh_buf_printf(b, ",\"%s\":%" PRIu64, canh_level_name((canh_level_t)l),
                        n.alerts_by_level[l]);
    canh_buf_printf(b,
                    "},\"stored\":{\"events\":%" PRIu64 ",\"alerts\":%" PRIu64
                    ",\"commits\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"used_bytes\":%" PRIu64
                    ",\"batch_avg_ms\":%.3f}",
                    n.stored_events, n.stored_alerts, n.commits, n.store_errors, n.used_bytes,
                    n.batch_count ? (double)n.batch_ns_sum / 1e6 / (double)n.batch_count : 0.0);
    canh_buf_printf(b,
                    ",\"queues\":{\"input\":{\"depth\":%zu,\"capacity\":%zu,\"peak\":%zu},"
                    "\"store\":{\"depth\":%zu,\"capacity\":%zu,\"peak\":%zu}}",
                    n.in_depth, n.in_cap, n.in_peak, n.out_depth, n.out_cap, n.out_peak);
    canh_buf_printf(b,
                    ",\"dropped\":{\"udp_queue_full\":%" PRIu64 ",\"udp_kernel\":%" PRIu64
                    ",\"listener_lost\":%" PRIu64 ",\"too_large\":%" PRIu64
                    ",\"store_failed\":%" PRIu64 "}",
                    n.ls.udp_dropped_full, n.ls.udp_dropped_kernel, n.ls.lost, n.too_large, n.lost);
    canh_buf_printf(b,
                    ",\"connections\":{\"open\":%" PRIu64 ",\"total\":%" PRIu64
                    ",\"refused\":%" PRIu64 ",\"tls_failed\":%" PRIu64 ",\"pauses\":%" PRIu64 "}",
                    n.ls.conns_open, n.ls.conns_total, n.ls.conns_refused,
                    n.ls.tls_handshake_failed, n.ls.pauses);
    canh_buf_printf(b,
                    ",\"agents\":{\"connected\":%" PRIu64 ",\"batches\":%" PRIu64
                    ",\"records\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"acks\":%" PRIu64
                    ",\"rejected\":%" PRIu64 ",\"enrollments\":%" PRIu64 "}",
                    n.as.connected, n.as.batches, n.as.records, n.as.duplicates, n.as.acks,
                    n.as.rejected_auth, n.as.enrollments);
    canh_buf_printf(b,
                    ",\"engine\":{\"rules\":%zu,\"indicators\":%zu,\"reloads\":%" PRIu64
                    ",\"reload_failures\":%" PRIu64 ",\"corr_groups\":%" PRIu64
                    ",\"corr_evicted\":%" PRIu64 "}",
                    n.nrules, n.nindicators, n.reloads, n.reload_failures, n.corr_groups,
                    n.corr_evictions);
    return canh_buf_printf(b,
                           ",\"retention\":{\"max_age_days\":%" PRId64 ",\"max_size\":%" PRIu64
                           ",\"runs\":%" PRIu64 ",\"deleted_events\":%" PRIu64
                           ",\"deleted_alerts\":%" PRIu64 "}}",
                           s->retention.max_age_days, s->retention.max_size, n.retention_runs,
                           n.retention_events, n.retention_alerts);
}

/* ---- HTTP -------------------------------------------------------------------------------------
 */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    srv_t *s = cls;
    /* Only GET, no body: anything else is refused before reading it. */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (*upload_data_size)
        return MHD_NO;
    (void)con_cls;
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    enum MHD_Result ret;
    if (!strcmp(url, "/metrics")) {
        canh_server_metrics_text(s, &b);
        ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b.data ? b.data : "", b.len);
    } else if (!strcmp(url, "/status")) {
        canh_server_status_json(s, &b);
        canh_buf_putc(&b, '\n');
        ret = reply(c, MHD_HTTP_OK, "application/json", b.data ? b.data : "", b.len);
    } else {
        ret =
            reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics or /status\n", 35);
    }
    canh_buf_fini(&b);
    return ret;
}

/* "host:port" / "[v6]:port" -> a listening TCP socket. */
int srv_metrics_bind(srv_t *s, canh_errbuf_t *eb)
{
    const char *addr = s->settings->metrics;
    if (!addr || !*addr)
        return CANH_OK;
    const char *colon = strrchr(addr, ':');
    if (!colon)
        return canh_errf(eb, CANH_EINVAL, "server.metrics: expected host:port, got \"%s\"", addr);
    char host[256];
    size_t hn = (size_t)(colon - addr);
    const char *h = addr;
    if (hn >= 2 && addr[0] == '[') {
        h++;
        hn -= 2;
    }
    if (hn >= sizeof host)
        return canh_errf(eb, CANH_EINVAL, "server.metrics: host too long");
    memcpy(host, h, hn);
    host[hn] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(hn ? host : NULL, colon + 1, &hints, &ai);
    if (gai != 0)
        return canh_errf(eb, CANH_EINVAL, "metrics %s: %s", addr, gai_strerror(gai));
    int fd = -1, err = 0;
    for (struct addrinfo *p = ai; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 64) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return canh_errf(eb, CANH_EIO, "metrics %s: %s", addr, strerror(err));
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            s->metrics_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            s->metrics_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    s->metrics_fd = fd;
    return CANH_OK;
}

int srv_metrics_start(srv_t *s, canh_errbuf_t *eb)
{
    if (s->metrics_fd < 0)
        return CANH_OK;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET,
        s->metrics_fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)10, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    if (!d)
        return canh_errf(eb, CANH_EIO, "metrics: cannot start the HTTP server");
    s->mhd = d;
    s->metrics_fd = -1; /* libmicrohttpd owns and closes it now */
    return CANH_OK;
}

void srv_metrics_stop(srv_t *s)
{
    if (s->mhd) {
        MHD_stop_daemon(s->mhd);
        s->mhd = NULL;
    }
}
