/* server_int.h - private to the server module: the server object shared by
 * server_main.c (life cycle, privileges, reload, server.json),
 * server_worker.c (decode/detect workers), server_writer.c (the store
 * writer) and server_metrics.c (HTTP /metrics and /status). */
#ifndef CANH_SERVER_INT_H
#define CANH_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "canh/agent.h"
#include "canh/listen.h"
#include "canh/log.h"
#include "canh/server.h"

/* Records one worker takes from the input queue at a time, and rows of a
 * chunk handed to the writer. */
#define SRV_CHUNK_ROWS 256
/* A chunk's bytes (event and alert JSON) past which the worker hands it over
 * early, and the hard maximum of one chunk (a record whose encoding does not
 * fit is counted in dropped{cause="too_large"}). */
#define SRV_CHUNK_SOFT (1u << 20)
#define SRV_CHUNK_MAX (256u << 20)
#define SRV_CHUNK_ALERTS 1024 /* alert rows of one chunk */
#define SRV_MAX_WORKERS 256
#define SRV_NO_STR UINT32_MAX

/* One stored event: offsets into the chunk's data buffer. */
typedef struct srv_row {
    int64_t ts;
    uint32_t json_off, json_len;
    uint32_t ds_off, src_off, dst_off, host_off; /* SRV_NO_STR: NULL */
    int64_t agent_id;
    uint64_t seq;
    canh_ack_t *ack; /* one reference, released by the writer after commit */
} srv_row_t;

typedef struct srv_alert_row {
    int64_t ts;
    uint32_t json_off, json_len, rule_id_off, source_off;
    uint8_t level;
} srv_alert_row_t;

/* What a worker hands the writer: up to SRV_CHUNK_ROWS events and their
 * alerts. Chunks are recycled through the server's free queue. */
typedef struct srv_chunk {
    size_t nrows, nalerts;
    srv_row_t rows[SRV_CHUNK_ROWS];
    srv_alert_row_t alerts[SRV_CHUNK_ALERTS];
    canh_buf_t data;
} srv_chunk_t;

/* Counters of one worker, written by it, read by the metrics thread. */
typedef struct srv_worker_stats {
    atomic_uint_fast64_t records, decoded_generic, truncated, bad_time, alerts;
    atomic_uint_fast64_t alerts_by_level[5];
    atomic_uint_fast64_t too_large;
    atomic_uint_fast64_t from_transport[5];
    atomic_uint_fast64_t corr_groups, corr_evictions, corr_expired, corr_late;
} srv_worker_stats_t;

typedef struct srv_worker {
    struct canh_server *srv;
    unsigned index;
    pthread_t thread;
    bool started;
    srv_worker_stats_t stats;
} srv_worker_t;

typedef struct srv_writer_stats {
    atomic_uint_fast64_t stored_events, stored_alerts, commits, store_errors, lost;
    atomic_uint_fast64_t batch_ns_sum, batch_count; /* inserting + committing one batch */
    atomic_uint_fast64_t batch_hist[8];             /* commits by duration bucket */
    atomic_uint_fast64_t retention_events, retention_alerts, retention_runs;
    atomic_uint_fast64_t acks_released, agent_seq_set;
    atomic_uint_fast64_t used_bytes;
} srv_writer_stats_t;

/* Upper bounds (seconds) of the canh_store_batch_seconds histogram buckets;
 * the last bucket is +Inf. */
#define SRV_BATCH_BUCKETS                                                                          \
    {                                                                                              \
        0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0                                                    \
    }

struct canh_server {
    const canh_settings_t *settings;
    char *config_path;
    char *data_dir;
    char *version;
    FILE *logf;
    pthread_mutex_t log_lock;
    canh_logger_t log;
    canh_logger_t agent_log; /* the agent server's own (a logger is single-threaded) */
    int32_t tz_off;

    canh_store_t *store;      /* the writer's connection */
    canh_engine_slot_t *slot; /* the current engine */
    atomic_uint_fast64_t reloads, reload_failures;
    pthread_mutex_t reload_lock;

    canh_queue_t *inq;   /* canh_inrec_t*: listeners, agent server -> workers */
    canh_queue_t *outq;  /* srv_chunk_t*: workers -> writer */
    canh_queue_t *freeq; /* srv_chunk_t*: writer -> workers (recycling) */

    canh_listener_t *listener;
    canh_agent_server_t *agents;
    int metrics_fd; /* bound socket, handed to libmicrohttpd at start */
    int metrics_port;
    void *mhd; /* struct MHD_Daemon */

    unsigned nworkers;
    srv_worker_t *workers;
    /* Tickets: chunks of records are popped in ticket order (pop_lock) and
     * handed to the writer in the same order (gate). */
    pthread_mutex_t pop_lock;
    uint64_t next_ticket;
    pthread_mutex_t gate_lock;
    pthread_cond_t gate_cond;
    uint64_t gate_next;

    pthread_t writer;
    bool writer_started;
    srv_writer_stats_t wstats;
    atomic_bool writer_stop; /* ask the writer to give up retrying a failing commit */

    /* retention policy, parsed from the settings */
    canh_retention_t retention;
    canh_retention_dataset_t *ret_datasets;
    char **ret_names;

    int64_t started_ns; /* CLOCK_REALTIME */
    int64_t started_mono;
    bool running, stopped;
    uid_t run_uid;
    gid_t run_gid;
    char run_user[64];
    bool dropped_privileges;
};

typedef struct canh_server srv_t;

/* server_main.c */
void srv_log(srv_t *s, enum canh_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t srv_now_ns(void);
int64_t srv_mono_ns(void);

/* server_worker.c */
int srv_workers_start(srv_t *s, canh_errbuf_t *eb);
void srv_workers_join(srv_t *s);
srv_chunk_t *srv_chunk_get(srv_t *s);
void srv_chunk_put(srv_t *s, srv_chunk_t *c);
void srv_chunk_free(srv_chunk_t *c);

/* server_writer.c */
int srv_writer_start(srv_t *s, canh_errbuf_t *eb);
void srv_writer_join(srv_t *s);

/* server_metrics.c */
int srv_metrics_bind(srv_t *s, canh_errbuf_t *eb);
int srv_metrics_start(srv_t *s, canh_errbuf_t *eb);
void srv_metrics_stop(srv_t *s);

#endif
