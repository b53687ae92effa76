/* canh/store.h - the persistent store (SQLite, WAL) in the data directory.
 *
 * The store module is the only code that talks SQL. Each function runs its
 * statements inside the caller's transaction when one is open
 * (canh_store_begin/commit), else in its own. Errors carry SQLite's message
 * in eb. Strings handed out are owned by the caller (free with the matching
 * _fini or canh_free). */
#ifndef CANH_STORE_H
#define CANH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/intel.h"

typedef struct canh_store canh_store_t;

/* Opens (creating if needed) DIR/canh.db and brings its schema up to date
 * with the numbered migrations. The directory is created with mode 0750. */
int canh_store_open(const char *data_dir, canh_store_t **out, canh_errbuf_t *eb);
void canh_store_close(canh_store_t *st);
int canh_store_schema_version(canh_store_t *st);

int canh_store_begin(canh_store_t *st, canh_errbuf_t *eb);
int canh_store_commit(canh_store_t *st, canh_errbuf_t *eb);
void canh_store_rollback(canh_store_t *st);

/* ---- indicators ------------------------------------------------------------ */
/* Inserts ind, or when (source, type, value) exists updates last_seen (the
 * later of the two), first_seen (the earlier), threat/family/confidence/
 * expires/extra when given, and records a sighting for the day of
 * ind->last_seen. *created = true for a new row. import_gen tags the row as
 * touched by the current import (see canh_store_intel_prune). */
int canh_store_intel_upsert(canh_store_t *st, const canh_indicator_t *ind, int64_t import_gen,
                            bool *created, canh_errbuf_t *eb);
/* Deletes source's rows whose import_gen differs from gen (a feed replaced
 * whole); *removed receives the count. */
int canh_store_intel_prune(canh_store_t *st, const char *source, int64_t gen, uint64_t *removed,
                           canh_errbuf_t *eb);
int canh_store_intel_remove_source(canh_store_t *st, const char *source, uint64_t *removed,
                                   canh_errbuf_t *eb);
/* Loads every indicator (expired ones too when include_expired) into a new
 * array; free with canh_store_intel_free. */
int canh_store_intel_load(canh_store_t *st, int64_t now, bool include_expired,
                          canh_indicator_t **out, size_t *n, canh_errbuf_t *eb);
void canh_store_intel_free(canh_indicator_t *v, size_t n);
/* Sightings: how many distinct days an indicator was seen, and in a month
 * window [from, to) how many. */
int canh_store_intel_sightings(canh_store_t *st, int64_t indicator_id, int64_t from, int64_t to,
                               uint64_t *days, canh_errbuf_t *eb);

typedef struct canh_source_info {
    char *name;
    uint64_t count;     /* indicators */
    uint64_t live;      /* not expired */
    int64_t last_import;
} canh_source_info_t;
int canh_store_intel_sources(canh_store_t *st, int64_t now, canh_source_info_t **out, size_t *n,
                             canh_errbuf_t *eb);
void canh_store_sources_free(canh_source_info_t *v, size_t n);
/* Records an import run (for `intel sources` and audit). */
int canh_store_intel_log_import(canh_store_t *st, const char *source, const char *file,
                                const char *format, uint64_t taken, uint64_t updated,
                                uint64_t rejected, int64_t at, canh_errbuf_t *eb);

/* ---- assets ------------------------------------------------------------------ */
typedef struct canh_asset {
    int64_t id;
    char *hostname;
    char *addresses;   /* space-separated IPs/CIDRs; NAT pairs "public=private" */
    char *system;      /* information system name */
    int level;         /* security level 1-5, 0 unknown */
    char *owner;       /* owner unit */
    char *contact;
} canh_asset_t;
void canh_asset_fini(canh_asset_t *a);
/* Inserts or (same hostname) replaces an asset. */
int canh_store_asset_upsert(canh_store_t *st, const canh_asset_t *a, bool *created,
                            canh_errbuf_t *eb);
int canh_store_assets_load(canh_store_t *st, canh_asset_t **out, size_t *n, canh_errbuf_t *eb);
void canh_store_assets_free(canh_asset_t *v, size_t n);

/* ---- events ------------------------------------------------------------------- */
/* Stores one event: its time, dataset, addresses and its JSON encoding. */
int canh_store_event_add(canh_store_t *st, int64_t ts_ns, const char *dataset,
                         const char *source_ip, const char *destination_ip,
                         const char *host_name, const char *json, size_t json_len,
                         canh_errbuf_t *eb);
int canh_store_events_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb);
/* Calls fn for each stored event that has a source or destination IP, with
 * those addresses and the event JSON; fn returns non-zero to stop. */
int canh_store_events_with_ips(canh_store_t *st,
                               int (*fn)(void *ud, int64_t id, int64_t ts_ns, const char *src,
                                         const char *dst, const char *json),
                               void *ud, canh_errbuf_t *eb);

/* ---- alerts ------------------------------------------------------------------- */
int canh_store_alert_add(canh_store_t *st, int64_t ts_ns, const char *rule_id,
                         const char *rule_source, const char *level, const char *json,
                         size_t json_len, canh_errbuf_t *eb);
int canh_store_alerts_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb);
int canh_store_alerts_each(canh_store_t *st, uint64_t limit,
                           int (*fn)(void *ud, int64_t id, const char *json), void *ud,
                           canh_errbuf_t *eb);

/* Which alerts canh_store_alerts_query reads (src/store/store_alert_query.c). */
#define CANH_ALERT_FILTER_MAX_SOURCES 8
typedef struct canh_alert_filter {
    int64_t from_ns;             /* alert ts >= from_ns (0: no lower bound) */
    int64_t to_ns;               /* alert ts < to_ns (0: no upper bound) */
    const char *const *sources;  /* rule_source values to take ("malware", "vuln", ...) */
    size_t nsources;             /* 0: any source; at most CANH_ALERT_FILTER_MAX_SOURCES */
    uint64_t limit;              /* most rows handed out (0: no limit) */
} canh_alert_filter_t;
/* Calls fn for each alert matching f (NULL: all), oldest first (ts, then
 * id), with its time, rule_source (NULL when unset) and JSON document
 * (len bytes, NUL-terminated); the pointers are valid during the call only.
 * fn returns 0 to go on; a non-zero return stops the query and is returned
 * as is (so a callback can pass a canh error up). CANH_EINVAL for more than
 * CANH_ALERT_FILTER_MAX_SOURCES sources or to_ns <= from_ns when both set;
 * CANH_EIO for a database error (detail in eb). */
int canh_store_alerts_query(canh_store_t *st, const canh_alert_filter_t *f,
                            int (*fn)(void *ud, int64_t id, int64_t ts_ns,
                                      const char *rule_source, const char *json, size_t len),
                            void *ud, canh_errbuf_t *eb);

/* ---- retention and read-side queries (src/store/store_retention.c) ----------- */
typedef struct canh_retention_dataset {
    const char *dataset;  /* event.dataset value */
    int64_t max_age_days; /* > 0 */
} canh_retention_dataset_t;
typedef struct canh_retention {
    int64_t max_age_days; /* > 0: events (of datasets without an override) and alerts stored
                             longer ago go */
    const canh_retention_dataset_t *datasets; /* per-dataset ages, may be longer or shorter */
    size_t ndatasets;
    uint64_t max_size;    /* bytes of used pages; 0 = no limit */
} canh_retention_t;
typedef struct canh_retention_result {
    uint64_t events_aged, alerts_aged;   /* removed for age */
    uint64_t events_sized, alerts_sized; /* removed because the store was over max_size */
    uint64_t used_bytes;                 /* before the size step (0 when max_size is 0) */
    bool over_size;
    bool more; /* the step hit max_rows: call again */
} canh_retention_result_t;
/* Records which rows have arrived by now_s (Unix seconds): the highest
 * event and alert ids. Ages are counted from these marks, not from the
 * events' own timestamps, so a row stays at least its age after it was
 * stored whatever its clock said. Marks older than keep_s (the longest
 * age) are pruned, except the newest of them. Call it regularly (the
 * server: every 10 minutes); rows stored before the first mark count as
 * arrived at that mark. */
int canh_store_mark_ingest(canh_store_t *st, int64_t now_s, int64_t keep_s, canh_errbuf_t *eb);
/* One bounded step of retention, in its own transaction: deletes at most
 * max_rows (0: 10000) events and alerts that arrived more than their age
 * ago (by the marks; alerts are kept as long as the longest age), then,
 * when used pages exceed max_size, at most max_rows of the first stored
 * events (alerts once only the newest event is left). The newest row of
 * each table is never deleted (ids keep growing). Freed pages are reused
 * by later inserts; the file does not shrink. CANH_EINVAL for a
 * non-positive age, store errors (rolled back). */
int canh_store_retention_step(canh_store_t *st, const canh_retention_t *p, int64_t now_ns,
                              uint64_t max_rows, canh_retention_result_t *res, canh_errbuf_t *eb);
/* Bytes in used pages (page_count - freelist_count) * page_size. */
int canh_store_used_bytes(canh_store_t *st, uint64_t *out, canh_errbuf_t *eb);
/* Events with ts >= since_ns (0: any) and, when dataset is non-NULL, that
 * dataset. */
int canh_store_events_count_where(canh_store_t *st, const char *dataset, int64_t since_ns,
                                  uint64_t *n, canh_errbuf_t *eb);
/* Counts per dataset ("" for none), largest first; fn returns non-zero to
 * stop (returned as is). */
int canh_store_events_by_dataset(canh_store_t *st, int64_t since_ns,
                                 int (*fn)(void *ud, const char *dataset, uint64_t n), void *ud,
                                 canh_errbuf_t *eb);
/* The newest limit alerts (0: all) with ts >= since_ns (0: any) and, when
 * source is non-NULL, that rule.source, handed to fn oldest first; fn
 * returns non-zero to stop (returned as is). */
int canh_store_alerts_recent(canh_store_t *st, const char *source, int64_t since_ns,
                             uint64_t limit,
                             int (*fn)(void *ud, int64_t id, int64_t ts_ns, const char *json),
                             void *ud, canh_errbuf_t *eb);

/* ---- agents (src/store/store_agents.c) ------------------------------------------------
 * The manager's registry of agents, enrollment tokens, delivery sequences
 * and commands (see canh/agent.h). Times are Unix seconds. */
typedef struct canh_agent_rec {
    int64_t id;
    char *name;
    char *status;     /* "active" or "revoked" */
    char *cert_fp;    /* hex SHA-256 of the current certificate (DER) */
    char *prev_fp;    /* the certificate being replaced by a re-key, or NULL */
    char *install_id; /* the agent's install id at its last enrollment */
    char *facts;      /* host facts (JSON) given at enrollment, or NULL */
    char *last_addr;  /* peer address of the last connection, or NULL */
    char *version;    /* agent software version, or NULL */
    int64_t enrolled, last_seen;
    int64_t epochs;   /* delivery streams (agent runs) seen */
    bool rekey;       /* a re-key was ordered */
} canh_agent_rec_t;
void canh_agent_rec_fini(canh_agent_rec_t *a);
void canh_store_agents_free(canh_agent_rec_t *v, size_t n);

/* CANH_ENOENT when there is no such agent. by_fp matches cert_fp or prev_fp. */
int canh_store_agent_get(canh_store_t *st, int64_t id, canh_agent_rec_t *out, canh_errbuf_t *eb);
int canh_store_agent_by_fp(canh_store_t *st, const char *fp, canh_agent_rec_t *out,
                           canh_errbuf_t *eb);
int canh_store_agent_by_name(canh_store_t *st, const char *name, canh_agent_rec_t *out,
                             canh_errbuf_t *eb);
/* Every agent, by id. */
int canh_store_agents_list(canh_store_t *st, canh_agent_rec_t **out, size_t *n,
                           canh_errbuf_t *eb);
/* Records an enrollment: a new row, or for a name already registered the
 * same row with the new credential (the old one is no longer accepted),
 * status active, no re-key pending. *id gets the row id. */
int canh_store_agent_enroll(canh_store_t *st, const char *name, const char *fp,
                            const char *install_id, const char *facts, int64_t now,
                            int64_t *id, canh_errbuf_t *eb);
/* Re-key done: new_fp becomes the credential, the old one is kept as
 * prev_fp until canh_store_agent_clear_prev (the agent proved it has the
 * new one). */
int canh_store_agent_rekeyed(canh_store_t *st, int64_t id, const char *new_fp,
                             canh_errbuf_t *eb);
int canh_store_agent_clear_prev(canh_store_t *st, int64_t id, canh_errbuf_t *eb);
/* status "active"/"revoked"; rekey true orders a re-key at next connection.
 * CANH_ENOENT for an unknown id. */
int canh_store_agent_set_status(canh_store_t *st, int64_t id, const char *status,
                                canh_errbuf_t *eb);
int canh_store_agent_set_rekey(canh_store_t *st, int64_t id, bool rekey, canh_errbuf_t *eb);
int canh_store_agent_seen(canh_store_t *st, int64_t id, int64_t now, const char *addr,
                          const char *version, canh_errbuf_t *eb);

/* Tokens: only a hash of the secret is kept. */
int canh_store_agent_token_add(canh_store_t *st, const uint8_t hash[32], const char *label,
                               int64_t created, int64_t expires, unsigned uses, int64_t *id,
                               canh_errbuf_t *eb);
/* Spends one use of the token with this hash: CANH_OK, or CANH_EPERM when
 * it is unknown, expired or used up (detail in eb). */
int canh_store_agent_token_use(canh_store_t *st, const uint8_t hash[32], int64_t now,
                               canh_errbuf_t *eb);

/* Delivery sequences, keyed by (agent, stream); a stream is one epoch of an
 * agent (canh/agent.h). Finds or creates the stream of epoch; *stored gets
 * the highest stored seq in it (0: none). */
int canh_store_agent_stream(canh_store_t *st, int64_t agent_id, uint64_t epoch, int64_t now,
                            uint32_t *stream, uint64_t *stored, canh_errbuf_t *eb);
/* For the store writer, in the transaction that stores the events: records
 * that the batch with this sequence (canh_inrec_t.seq: stream << 40 | seq)
 * is stored, keeping the highest per stream. Call it for each batch whose
 * LAST record is in this transaction, after the records it holds (a batch
 * whose records span two transactions is recorded in the second only), or
 * equivalently once per (agent, stream) with the highest such batch. */
int canh_store_agent_seq_set(canh_store_t *st, int64_t agent_id, uint64_t seq,
                             canh_errbuf_t *eb);
/* The highest stored packed sequence of (agent, stream), 0 when none. */
int canh_store_agent_seq_get(canh_store_t *st, int64_t agent_id, uint32_t stream,
                             uint64_t *seq, canh_errbuf_t *eb);
/* Forgets the agent's streams numbered below stream (epochs it no longer
 * holds batches of). */
int canh_store_agent_streams_prune(canh_store_t *st, int64_t agent_id, uint32_t stream,
                                   canh_errbuf_t *eb);

/* Commands for agents ("scan", "quarantine", "ping") and their results. */
typedef struct canh_agent_cmd {
    int64_t id, agent_id;
    char *kind, *args;   /* args: JSON */
    int64_t created, sent, done;
    char *status;        /* NULL until done: "ok" or "failed" */
    char *result;        /* JSON, or NULL */
} canh_agent_cmd_t;
void canh_store_agent_cmds_free(canh_agent_cmd_t *v, size_t n);
int canh_store_agent_command_add(canh_store_t *st, int64_t agent_id, const char *kind,
                                 const char *args, int64_t now, int64_t *id, canh_errbuf_t *eb);
/* Not yet sent and not done, oldest first, at most limit (agent_id 0: any). */
int canh_store_agent_commands_pending(canh_store_t *st, int64_t agent_id, size_t limit,
                                      canh_agent_cmd_t **out, size_t *n, canh_errbuf_t *eb);
int canh_store_agent_command_sent(canh_store_t *st, int64_t id, int64_t now, canh_errbuf_t *eb);
/* Marks the agent's unfinished commands unsent (a new connection resends them). */
int canh_store_agent_commands_reset(canh_store_t *st, int64_t agent_id, canh_errbuf_t *eb);
/* CANH_ENOENT when the command is not the agent's or already done. */
int canh_store_agent_command_done(canh_store_t *st, int64_t id, int64_t agent_id, bool ok,
                                  const char *result, int64_t now, canh_errbuf_t *eb);
/* The agent's commands (agent_id 0: every agent), newest first. */
int canh_store_agent_commands_list(canh_store_t *st, int64_t agent_id, size_t limit,
                                   canh_agent_cmd_t **out, size_t *n, canh_errbuf_t *eb);

/* ---- file integrity baseline, agent side (src/store/store_fim.c) ------------
 * One row per path under the agent's FIM roots (canh/collect.h), in the
 * agent's own canh.db. */
typedef struct canh_fim_entry {
    char *path;
    int64_t size;
    uint32_t mode;   /* st_mode: file type and permission bits */
    uint32_t uid, gid;
    int64_t mtime_ns, ctime_ns;
    uint64_t inode;
    bool has_hash;   /* regular files and symlinks (the target) that were hashed */
    uint8_t sha256[32];
} canh_fim_entry_t;
void canh_fim_entry_fini(canh_fim_entry_t *e);
void canh_store_fim_free(canh_fim_entry_t *v, size_t n);
/* CANH_ENOENT when path has no row; out->path is a copy (fini frees it). */
int canh_store_fim_get(canh_store_t *st, const char *path, canh_fim_entry_t *out,
                       canh_errbuf_t *eb);
/* Inserts or replaces the row of e->path. */
int canh_store_fim_put(canh_store_t *st, const canh_fim_entry_t *e, canh_errbuf_t *eb);
int canh_store_fim_delete(canh_store_t *st, const char *path, canh_errbuf_t *eb);
/* Up to max rows with path > after (NULL: from the first), in path (byte)
 * order, into a new array; free with canh_store_fim_free. *n = 0 at the end. */
int canh_store_fim_page(canh_store_t *st, const char *after, size_t max, canh_fim_entry_t **out,
                        size_t *n, canh_errbuf_t *eb);
int canh_store_fim_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb);
/* A root whose first scan (the silent baseline) is complete, and when.
 * CANH_ENOENT when it has none yet. */
int canh_store_fim_root_get(canh_store_t *st, const char *root, int64_t *built_at,
                            canh_errbuf_t *eb);
int canh_store_fim_root_set(canh_store_t *st, const char *root, int64_t built_at,
                            canh_errbuf_t *eb);

/* ---- the rpm database (src/store/store_rpmdb.c) ---------------------------------
 * Calls fn with each header blob of an rpm database in SQLite form
 * (rpmdb.sqlite: table Packages(hnum, blob)), opened read-only; fn returns
 * non-zero to stop (returned as is). CANH_ENOENT when path does not exist,
 * CANH_EIO when it is not such a database (detail in eb). */
int canh_store_rpmdb_each(const char *path, int (*fn)(void *ud, const void *blob, size_t n),
                          void *ud, canh_errbuf_t *eb);

#endif
