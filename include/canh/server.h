/* canh/server.h - the processing pipeline and the manager daemon.
 *
 * Two layers live here.
 *
 * 1. The pipeline: decode -> enrich -> detect for one record at a time, the
 *    same code for `canh replay` and for the daemon's workers (what is
 *    tested offline is what runs live). What it detects with is an engine:
 *    the compiled Sigma rules and the intel snapshot, immutable and shared
 *    read-only by every thread. A reload builds a new engine beside the old
 *    one and swaps it into an engine holder; a worker moves to the new engine
 *    between two chunks of records, and the old one is freed when its last
 *    user lets go. Nobody waits for a reload.
 *
 * 2. The server (`canh server`): listeners (syslog UDP/TCP/TLS, the agent
 *    channel) -> a bounded input queue -> N workers running pipelines -> a
 *    bounded store queue -> one store writer (batched SQLite transactions,
 *    agent acknowledgements after commit, retention) -> the store; metrics
 *    and status over HTTP. The library never touches signals or exits: the
 *    CLI turns SIGTERM into canh_server_stop and SIGHUP into
 *    canh_server_reload.
 *
 * Order and acknowledgement. Workers take records from the input queue in
 * chunks, each with a ticket, and hand their results to the writer in
 * ticket order, so the writer stores records in the order they were queued.
 * An agent's batches therefore complete in sequence order, and the writer
 * can record "everything up to seq S of agent A is stored" in the same
 * transaction as the rows, then release the acks after the commit (see
 * canh/queue.h). */
#ifndef CANH_SERVER_H
#define CANH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "canh/alert.h"
#include "canh/buf.h"
#include "canh/config.h"
#include "canh/detect.h"
#include "canh/error.h"
#include "canh/event.h"
#include "canh/intel.h"
#include "canh/queue.h"
#include "canh/store.h"
#include "canh/time.h"

/* ---- engine: what the pipeline detects with ---------------------------------------- */

typedef struct canh_engine canh_engine_t;

/* Bundles rules and an intel snapshot (either may be NULL: no Sigma rules,
 * no indicators). Takes ownership of both, also on failure. The engine
 * starts with one reference, the caller's. CANH_ENOMEM. */
int canh_engine_create(canh_rules_t *rules, canh_intel_snap_t *intel, canh_engine_t **out);
void canh_engine_retain(canh_engine_t *e);
/* Drops a reference; the last one frees the rules and the snapshot. NULL is
 * a no-op. */
void canh_engine_release(canh_engine_t *e);
const canh_rules_t *canh_engine_rules(const canh_engine_t *e);
const canh_intel_snap_t *canh_engine_intel(const canh_engine_t *e);
/* Number of rules and indicators (0 when absent). */
size_t canh_engine_nrules(const canh_engine_t *e);
size_t canh_engine_nindicators(const canh_engine_t *e);

/* A slot holding the current engine, shared by workers. */
typedef struct canh_engine_slot canh_engine_slot_t;

int canh_engine_slot_create(canh_engine_slot_t **out);
/* Releases the current engine too. NULL is a no-op. */
void canh_engine_slot_destroy(canh_engine_slot_t *s);
/* Installs e (the slot takes over the caller's reference) and bumps the
 * generation; the previous engine is released (freed when no worker holds
 * it). Never blocks a reader for longer than a pointer copy. */
void canh_engine_slot_swap(canh_engine_slot_t *s, canh_engine_t *e);
/* A new reference to the current engine (NULL if none); release it with
 * canh_engine_release. */
canh_engine_t *canh_engine_slot_get(canh_engine_slot_t *s);
/* Changes with every swap: a cheap check before canh_engine_slot_get. */
uint64_t canh_engine_slot_generation(const canh_engine_slot_t *s);

/* Compiles the Sigma rules under paths (rule_report as in
 * canh_rules_compile; NULL: silent) and, when st is non-NULL, builds the
 * snapshot of the live indicators in st. npaths == 0 means no rules.
 * *nfailed receives the rules that failed. CANH_EINVAL when rules were
 * given and none compiled, or the errors of the steps, detail in eb. */
int canh_engine_load(const char *const *paths, size_t npaths, canh_store_t *st,
                     canh_rule_report_fn rule_report, void *ud, canh_engine_t **out,
                     size_t *nfailed, canh_errbuf_t *eb);

/* ---- pipeline: one thread's decode -> enrich -> detect ------------------------------- */

typedef struct canh_pipeline canh_pipeline_t;

typedef struct canh_pipeline_opts {
    int32_t tz_off;   /* seconds east of UTC for timestamps without a zone */
    const char *type; /* force one decoder by name; NULL = detect per record */
    /* Correlation groups the detector keeps at most (0: the detector's
     * default); past it the least recently updated group is evicted and
     * counted. This bounds a worker's memory under a flood of distinct
     * group keys (e.g. source addresses). */
    size_t corr_max_groups;
} canh_pipeline_opts_t;

/* Where a record came from; the pipeline adds what it knows to the event:
 * log.source.address (network peer), agent.id and agent.name (and
 * host.name when the record had none) for agent records, log.file.path for
 * an agent's "file:<path>" origin. An agent record whose origin is one of
 * the structured collectors ("fim", "packages", "ports", "host", "scan")
 * is decoded as one ECS JSON document. */
typedef struct canh_recinfo {
    bool truncated;         /* the record was cut at the record limit */
    uint8_t transport;      /* canh_transport_t */
    const char *peer;       /* sender address, or NULL/"" */
    int64_t agent_id;       /* 0 unless from an agent */
    const char *agent_name; /* NULL when unknown */
    const char *origin;     /* agent collector/source, or NULL/"" */
} canh_recinfo_t;

/* Counters of one pipeline (not thread-safe: read them on its thread, or
 * copy them out as the server does). */
typedef struct canh_pipeline_stats {
    uint64_t records, truncated, bad_time, generic;
    uint64_t alerts, alerts_by_level[5];
    uint64_t per_decoder[64]; /* by decoder id (canh_decode_name); ids >= 64 not counted */
} canh_pipeline_stats_t;

/* A pipeline for one thread, detecting with e (retained; NULL: no
 * detection). CANH_ENOENT for an unknown forced type (detail in eb),
 * CANH_ENOMEM. */
int canh_pipeline_create(const canh_pipeline_opts_t *o, canh_engine_t *e, canh_pipeline_t **out,
                         canh_errbuf_t *eb);
void canh_pipeline_destroy(canh_pipeline_t *p);
/* Moves to another engine (retained; the previous one is released).
 * Correlation state does not carry over: a new rule set starts with empty
 * windows. CANH_ENOMEM leaves the pipeline on its old engine. */
int canh_pipeline_set_engine(canh_pipeline_t *p, canh_engine_t *e);
canh_engine_t *canh_pipeline_engine(const canh_pipeline_t *p);
/* Refreshes the time reference for year-less timestamps (call about once a
 * second in a long-running process). */
void canh_pipeline_set_now(canh_pipeline_t *p, canh_time_t now);

/* Decodes rec[0..n) (borrowed until the next call), enriches it with ri
 * (may be NULL), runs the Sigma rules then the intel lookups, and calls fn
 * for each alert. The event stays readable with canh_pipeline_event until
 * the next call. Returns the number of alerts (>= 0) or an error returned
 * by fn. */
int canh_pipeline_run(canh_pipeline_t *p, const char *rec, size_t n, const canh_recinfo_t *ri,
                      canh_alert_fn fn, void *ud);
const canh_event_t *canh_pipeline_event(const canh_pipeline_t *p);
const canh_pipeline_stats_t *canh_pipeline_stats(const canh_pipeline_t *p);
/* The detector's correlation counters (all zero without rules). */
void canh_pipeline_corr_stats(const canh_pipeline_t *p, canh_detector_stats_t *out);

/* The columns the store indexes an event by, copied out of ev into fixed
 * buffers (cut to fit; an absent field gives NULL). */
typedef struct canh_event_cols {
    char dataset[64], source_ip[64], destination_ip[64], host_name[256];
    const char *ds, *src, *dst, *host; /* point into the buffers above, or NULL */
} canh_event_cols_t;
void canh_event_cols(const canh_event_t *ev, canh_event_cols_t *c);

/* Stores ev (encoded with canh_event_to_json into scratch) into st.
 * CANH_ELIMIT when the event is too large to encode, or the store's errors. */
int canh_pipeline_store_event(canh_store_t *st, const canh_event_t *ev, canh_buf_t *scratch,
                              canh_errbuf_t *eb);

/* ---- the server ---------------------------------------------------------------------- */

typedef struct canh_server canh_server_t;

typedef struct canh_server_opts {
    const canh_settings_t *settings; /* borrowed for the server's lifetime */
    const char *config_path;         /* re-read for detect.rules on reload; NULL: none */
    const char *data_dir;            /* overrides settings->data_dir when non-NULL */
    FILE *log;                       /* operational log (stderr when NULL) */
    const char *version;             /* shown by /status and /metrics */
} canh_server_opts_t;

/* Opens the store, compiles the rules and builds the intel snapshot, binds
 * every configured socket (syslog listeners, agent channel, metrics) and,
 * when running as root with server.user set, hands the data directory to
 * that user and switches to it. No thread runs yet. Errors name the file
 * or the address ("tcp 127.0.0.1:514: Address in use"). */
int canh_server_create(const canh_server_opts_t *o, canh_server_t **out, canh_errbuf_t *eb);
/* Starts the workers, the store writer, the listeners, the agent channel and
 * the metrics endpoint, then writes DATA/server.json (pid, bound ports,
 * start time). */
int canh_server_start(canh_server_t *s, canh_errbuf_t *eb);
/* Rebuilds the engine (rules from detect.rules, re-read from the
 * configuration file; indicators from the store) and swaps it in while
 * records keep flowing. On failure the old engine stays and the error is
 * returned (and counted in canh_reload_failures_total). */
int canh_server_reload(canh_server_t *s, canh_errbuf_t *eb);
/* Clean shutdown: stops the listeners and the agent channel, lets the
 * workers drain the input queue and the writer commit everything (acks
 * sent), stops the metrics endpoint and removes server.json. Idempotent. */
void canh_server_stop(canh_server_t *s);
/* Stops if still running, then frees. NULL is a no-op. */
void canh_server_destroy(canh_server_t *s);

/* The /status document (one JSON object, no newline) into out. */
int canh_server_status_json(canh_server_t *s, canh_buf_t *out);
/* The /metrics text (Prometheus exposition format) into out. */
int canh_server_metrics_text(canh_server_t *s, canh_buf_t *out);

/* Bound port of a listener ("udp", "tcp", "tls", "agent", "metrics"), 0
 * when off. */
int canh_server_port(const canh_server_t *s, const char *which);

/* The input queue (canh_inrec_t*) that the listeners and the agent channel
 * feed; another in-process producer may push records to it too (the queue
 * then owns them). Valid from create to destroy; closed by stop. */
canh_queue_t *canh_server_input(canh_server_t *s);

/* Counters for tests and status. */
typedef struct canh_server_counts {
    uint64_t received, decoded, alerts, stored, store_errors, reloads, reload_failures;
    uint64_t dropped_udp_full;
} canh_server_counts_t;
void canh_server_counts(canh_server_t *s, canh_server_counts_t *out);

#endif
