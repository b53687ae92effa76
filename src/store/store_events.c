/* store_events.c - stored events and alerts. */
#include "store_int.h"

int canh_store_event_add(canh_store_t *st, int64_t ts_ns, const char *dataset,
                         const char *source_ip, const char *destination_ip,
                         const char *host_name, const char *json, size_t json_len,
                         canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_cached(st, CANH_ST_EVENT_ADD,
                               "INSERT INTO event (ts, dataset, source_ip, destination_ip,"
                               " host_name, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, ts_ns);
    canh_store_bind_text(s, 2, dataset);
    canh_store_bind_text(s, 3, source_ip);
    canh_store_bind_text(s, 4, destination_ip);
    canh_store_bind_text(s, 5, host_name);
    sqlite3_bind_text(s, 6, json, (int)json_len, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "storing event");
    sqlite3_reset(s);
    return rc;
}

static int count(canh_store_t *st, const char *sql, uint64_t *n, canh_errbuf_t *eb)
{
    int64_t v = 0;
    int rc = canh_store_scalar_i64(st, sql, &v, eb);
    if (rc == CANH_OK)
        *n = (uint64_t)v;
    return rc;
}

int canh_store_events_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb)
{
    return count(st, "SELECT count(*) FROM event", n, eb);
}

int canh_store_alerts_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb)
{
    return count(st, "SELECT count(*) FROM alert", n, eb);
}

int canh_store_events_with_ips(canh_store_t *st,
                               int (*fn)(void *ud, int64_t id, int64_t ts_ns, const char *src,
                                         const char *dst, const char *json),
                               void *ud, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT id, ts, source_ip, destination_ip, doc FROM event"
                                " WHERE source_ip IS NOT NULL OR destination_ip IS NOT NULL"
                                " ORDER BY ts",
                                &s, eb);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (fn(ud, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
               (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
               (const char *)sqlite3_column_text(s, 4)))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "reading events");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_alert_add(canh_store_t *st, int64_t ts_ns, const char *rule_id,
                         const char *rule_source, const char *level, const char *json,
                         size_t json_len, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_cached(st, CANH_ST_ALERT_ADD,
                               "INSERT INTO alert (ts, rule_id, rule_source, level, doc)"
                               " VALUES (?1, ?2, ?3, ?4, ?5)",
                               &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, ts_ns);
    canh_store_bind_text(s, 2, rule_id);
    canh_store_bind_text(s, 3, rule_source);
    canh_store_bind_text(s, 4, level);
    sqlite3_bind_text(s, 5, json, (int)json_len, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "storing alert");
    sqlite3_reset(s);
    return rc;
}

int canh_store_alerts_each(canh_store_t *st, uint64_t limit,
                           int (*fn)(void *ud, int64_t id, const char *json), void *ud,
                           canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "SELECT id, doc FROM alert ORDER BY ts, id LIMIT ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : INT64_MAX);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(ud, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1)))
            break;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "reading alerts");
    sqlite3_finalize(s);
    return rc;
}
