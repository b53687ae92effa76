/* store_alert_query.c - reading stored alerts by time window and source. */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

int canh_store_alerts_query(canh_store_t *st, const canh_alert_filter_t *f,
                            int (*fn)(void *ud, int64_t id, int64_t ts_ns, const char *rule_source,
                                      const char *json, size_t len),
                            void *ud, canh_errbuf_t *eb)
{
    static const canh_alert_filter_t all = {0};
    if (!f)
        f = &all;
    if (f->nsources > CANH_ALERT_FILTER_MAX_SOURCES || (f->nsources && !f->sources))
        return canh_errf(eb, CANH_EINVAL, "store: alert query: at most %d sources",
                         CANH_ALERT_FILTER_MAX_SOURCES);
    if (f->from_ns && f->to_ns && f->to_ns <= f->from_ns)
        return canh_errf(eb, CANH_EINVAL, "store: alert query: empty time window");

    /* The statement is built from fixed pieces only; every value is bound. */
    char sql[512];
    size_t n = (size_t)snprintf(sql, sizeof sql,
                                "SELECT id, ts, rule_source, doc FROM alert"
                                " WHERE ts >= ?1 AND ts < ?2");
    if (f->nsources) {
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND rule_source IN (");
        for (size_t i = 0; i < f->nsources; i++)
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?%zu", i ? "," : "", i + 4);
        n += (size_t)snprintf(sql + n, sizeof sql - n, ")");
    }
    snprintf(sql + n, sizeof sql - n, " ORDER BY ts, id LIMIT ?3");

    sqlite3_stmt *s = NULL;
    int rc = canh_store_prepare(st, sql, &s, eb);
    if (rc)
        return rc;
    /* ts < INT64_MAX leaves out a row stamped exactly INT64_MAX when there is
     * no upper bound; no real clock produces it, and the bound stays one
     * simple comparison. */
    sqlite3_bind_int64(s, 1, f->from_ns ? f->from_ns : INT64_MIN);
    sqlite3_bind_int64(s, 2, f->to_ns ? f->to_ns : INT64_MAX);
    sqlite3_bind_int64(s, 3,
                       f->limit && f->limit < (uint64_t)INT64_MAX ? (int64_t)f->limit : INT64_MAX);
    for (size_t i = 0; i < f->nsources; i++)
        canh_store_bind_text(s, (int)i + 4, f->sources[i] ? f->sources[i] : "");
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(s, 3);
        size_t len = (size_t)sqlite3_column_bytes(s, 3);
        int r = fn(ud, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                   (const char *)sqlite3_column_text(s, 2), doc ? doc : "", doc ? len : 0);
        if (r) {
            rc = r;
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "reading alerts");
out:
    sqlite3_finalize(s);
    return rc;
}
