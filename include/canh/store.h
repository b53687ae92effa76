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

#endif
