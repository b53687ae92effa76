/* store.c - opening the database, migrations, transactions, helpers. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "canh/mem.h"
#include "store_int.h"

/* Numbered migrations: migration i brings the schema from version i to i+1.
 * Never edit a released one; append. */
static const char *const migrations[] = {
    /* 0 -> 1: indicators, sightings, imports, assets, events, alerts */
    "CREATE TABLE indicator ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  threat TEXT, family TEXT,"
    "  first_seen INTEGER NOT NULL DEFAULT 0,"
    "  last_seen INTEGER NOT NULL DEFAULT 0,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  confidence INTEGER NOT NULL DEFAULT -1,"
    "  extra TEXT,"
    "  import_gen INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (source, type, value));"
    "CREATE INDEX indicator_value ON indicator(value);"
    "CREATE TABLE sighting ("
    "  indicator_id INTEGER NOT NULL REFERENCES indicator(id) ON DELETE CASCADE,"
    "  day INTEGER NOT NULL,"
    "  PRIMARY KEY (indicator_id, day)) WITHOUT ROWID;"
    "CREATE TABLE intel_import ("
    "  id INTEGER PRIMARY KEY, source TEXT NOT NULL, file TEXT, format TEXT,"
    "  taken INTEGER, updated INTEGER, rejected INTEGER, at INTEGER NOT NULL);"
    "CREATE TABLE asset ("
    "  id INTEGER PRIMARY KEY,"
    "  hostname TEXT NOT NULL UNIQUE,"
    "  addresses TEXT NOT NULL DEFAULT '',"
    "  system TEXT, level INTEGER NOT NULL DEFAULT 0, owner TEXT, contact TEXT);"
    "CREATE TABLE event ("
    "  id INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL, dataset TEXT, source_ip TEXT, destination_ip TEXT,"
    "  host_name TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX event_ts ON event(ts);"
    "CREATE TABLE alert ("
    "  id INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL, rule_id TEXT, rule_source TEXT, level TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX alert_ts ON alert(ts);",
    /* agents: registry, enrollment tokens, delivered sequence, commands */
    "CREATE TABLE agent ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  status TEXT NOT NULL DEFAULT 'active',"
    "  cert_fp TEXT, prev_fp TEXT, install_id TEXT, facts TEXT, last_addr TEXT, version TEXT,"
    "  enrolled INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0,"
    "  rekey INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX agent_cert_fp ON agent(cert_fp);"
    "CREATE INDEX agent_prev_fp ON agent(prev_fp);"
    "CREATE TABLE agent_token ("
    "  id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, label TEXT,"
    "  created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    "  uses_left INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE agent_seq ("
    "  agent_id INTEGER NOT NULL, stream INTEGER NOT NULL, epoch INTEGER,"
    "  seq INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (agent_id, stream)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX agent_seq_epoch ON agent_seq(agent_id, epoch);"
    "CREATE TABLE agent_command ("
    "  id INTEGER PRIMARY KEY, agent_id INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  args TEXT NOT NULL, created INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0,"
    "  done INTEGER NOT NULL DEFAULT 0, status TEXT, result TEXT);"
    "CREATE INDEX agent_command_agent ON agent_command(agent_id, done);",
    /* fim: the agent's file integrity baseline (src/store/store_fim.c) */
    "CREATE TABLE fim_file ("
    "  path TEXT PRIMARY KEY, size INTEGER NOT NULL, mode INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL, gid INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    "  ctime INTEGER NOT NULL, inode INTEGER NOT NULL, sha256 BLOB) WITHOUT ROWID;"
    "CREATE TABLE fim_root (path TEXT PRIMARY KEY, built_at INTEGER NOT NULL) WITHOUT ROWID;",
    /* server: when rows were stored, for retention by arrival rather than
     * by the events' own clocks (src/store/store_retention.c) */
    "CREATE TABLE ingest_mark ("
    "  at INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, alert_id INTEGER NOT NULL);",
};
#define NMIGRATIONS (int)(sizeof migrations / sizeof migrations[0])

int canh_store_fail(canh_store_t *st, canh_errbuf_t *eb, const char *what)
{
    return canh_errf(eb, CANH_EIO, "store: %s: %s", what, sqlite3_errmsg(st->db));
}

int canh_store_exec(canh_store_t *st, const char *sql, canh_errbuf_t *eb)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = canh_errf(eb, CANH_EIO, "store: %s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return rc;
    }
    return CANH_OK;
}

int canh_store_scalar_i64(canh_store_t *st, const char *sql, int64_t *v, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, sql, &s, eb);
    if (rc)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW)
        *v = sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, sql);
    sqlite3_finalize(s);
    return rc;
}

int canh_store_prepare(canh_store_t *st, const char *sql, sqlite3_stmt **out, canh_errbuf_t *eb)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK)
        return canh_store_fail(st, eb, "prepare");
    return CANH_OK;
}

int canh_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

char *canh_store_col_text(sqlite3_stmt *s, int i, int *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return NULL;
    char *d = canh_strndup((const char *)t, (size_t)sqlite3_column_bytes(s, i));
    if (!d)
        *oom = 1;
    return d;
}

int canh_store_schema_version(canh_store_t *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    return v;
}

static int migrate(canh_store_t *st, canh_errbuf_t *eb)
{
    int v = canh_store_schema_version(st);
    if (v < 0)
        return canh_store_fail(st, eb, "reading schema version");
    if (v > NMIGRATIONS)
        return canh_errf(eb, CANH_ENOTSUP,
                         "store: database schema version %d is newer than this canh (%d)", v,
                         NMIGRATIONS);
    for (; v < NMIGRATIONS; v++) {
        char sql[64];
        int rc = canh_store_exec(st, "BEGIN IMMEDIATE", eb);
        if (rc)
            return rc;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = canh_store_exec(st, migrations[v], eb)) != CANH_OK ||
            (rc = canh_store_exec(st, sql, eb)) != CANH_OK) {
            canh_store_exec(st, "ROLLBACK", NULL);
            return rc;
        }
        if ((rc = canh_store_exec(st, "COMMIT", eb)) != CANH_OK)
            return rc;
    }
    return CANH_OK;
}

/* Process-wide SQLite settings, before the library initialises: no
 * memory-usage statistics (they take a global mutex on every allocation,
 * ~5% of the manager's store writer). */
static void sqlite_setup(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int canh_store_open(const char *data_dir, canh_store_t **out, canh_errbuf_t *eb)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: cannot create data directory: %s", data_dir,
                         strerror(errno));
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/canh.db", data_dir) >= sizeof path)
        return canh_errf(eb, CANH_EINVAL, "%s: path too long", data_dir);
    canh_store_t *st = canh_calloc(1, sizeof *st);
    if (!st)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                           SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", path,
                       st->db ? sqlite3_errmsg(st->db) : "cannot open database");
        goto out;
    }
    sqlite3_busy_timeout(st->db, 5000);
    /* 16 KiB pages for a new database (no effect on an existing one): the
     * server's writer appends ~1 KB event rows, and bigger pages cut its
     * CPU per row by about a third (fewer pages through WAL, checkpoint and
     * the page cache; bench/bench_flood.sh). Must precede journal_mode. */
    if ((rc = canh_store_exec(st, "PRAGMA page_size=16384;", eb)) != CANH_OK)
        goto out;
    /* WAL: readers never block the writer; NORMAL sync is durable across
     * application crashes (a power loss may lose the last transaction). */
    /* A 32 MiB page cache per connection (SQLite's default is 2 MB, 125
     * of these pages): the writer's B-tree and index pages then stay in
     * memory between commits instead of being read back from the WAL. */
    if ((rc = canh_store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                  "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;",
                              eb)) != CANH_OK)
        goto out;
    rc = migrate(st, eb);
out:
    if (rc) {
        canh_store_close(st);
        return rc;
    }
    *out = st;
    return CANH_OK;
}

int canh_store_cached(canh_store_t *st, enum canh_store_stmt_id id, const char *sql,
                      sqlite3_stmt **out, canh_errbuf_t *eb)
{
    if (!st->stmt[id]) {
        int rc = canh_store_prepare(st, sql, &st->stmt[id], eb);
        if (rc)
            return rc;
    } else {
        sqlite3_reset(st->stmt[id]);
        sqlite3_clear_bindings(st->stmt[id]);
    }
    *out = st->stmt[id];
    return CANH_OK;
}

void canh_store_close(canh_store_t *st)
{
    if (!st)
        return;
    for (int i = 0; i < CANH_ST__COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    if (st->db)
        sqlite3_close_v2(st->db);
    canh_free(st);
}

int canh_store_begin(canh_store_t *st, canh_errbuf_t *eb)
{
    if (st->depth++ > 0)
        return CANH_OK;
    int rc = canh_store_exec(st, "BEGIN IMMEDIATE", eb);
    if (rc)
        st->depth--;
    return rc;
}

int canh_store_commit(canh_store_t *st, canh_errbuf_t *eb)
{
    if (st->depth == 0 || --st->depth > 0)
        return CANH_OK;
    return canh_store_exec(st, "COMMIT", eb);
}

void canh_store_rollback(canh_store_t *st)
{
    if (st->depth == 0)
        return;
    st->depth = 0;
    canh_store_exec(st, "ROLLBACK", NULL);
}
