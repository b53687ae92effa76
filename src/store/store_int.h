/* store_int.h - private to the store module. */
#ifndef CANH_STORE_INT_H
#define CANH_STORE_INT_H

#include <sqlite3.h>

#include "canh/store.h"

/* Cached prepared statements, one per hot query. */
enum canh_store_stmt_id {
    CANH_ST_INTEL_FIND,
    CANH_ST_INTEL_INSERT,
    CANH_ST_INTEL_UPDATE,
    CANH_ST_INTEL_SIGHT,
    CANH_ST_EVENT_ADD,
    CANH_ST_ALERT_ADD,
    CANH_ST_AGENT_SEQ_SET, /* agents: the writer's per-batch sequence update */
    CANH_ST_FIM_GET, /* fim: baseline lookups and writes (store_fim.c) */
    CANH_ST_FIM_PUT,
    CANH_ST__COUNT
};

struct canh_store {
    sqlite3 *db;
    int depth; /* open transactions (nesting is flattened) */
    sqlite3_stmt *stmt[CANH_ST__COUNT];
};

/* Returns the cached statement id (prepared from sql on first use), reset
 * and with its bindings cleared. */
int canh_store_cached(canh_store_t *st, enum canh_store_stmt_id id, const char *sql,
                      sqlite3_stmt **out, canh_errbuf_t *eb);

/* Prepares sql or fills eb with "store: <sqlite message>". */
int canh_store_prepare(canh_store_t *st, const char *sql, sqlite3_stmt **out, canh_errbuf_t *eb);
/* Maps a failed sqlite3 result to an error with the database's message. */
int canh_store_fail(canh_store_t *st, canh_errbuf_t *eb, const char *what);
/* Binds a nullable C string. */
int canh_store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Copies a column's text (NULL stays NULL); sets *oom on allocation failure. */
char *canh_store_col_text(sqlite3_stmt *s, int i, int *oom);
int canh_store_exec(canh_store_t *st, const char *sql, canh_errbuf_t *eb);
/* Runs a query that yields one integer (count(*), a PRAGMA) into *v. */
int canh_store_scalar_i64(canh_store_t *st, const char *sql, int64_t *v, canh_errbuf_t *eb);

#endif
