/* store_retention.c - retention of stored events and alerts (by age, per
 * dataset, then by size), and the read-side queries of `canh events count`
 * and `canh alerts list`.
 *
 * Retention deletes in bounded steps (max_rows per call) so that the store
 * writer, which runs it, goes back to storing new rows between steps: a
 * month of events to expire never stalls ingest for more than one step. */
#include <stdio.h>
#include <string.h>

#include "canh/mem.h"
#include "store_int.h"

/* The overrides as a JSON array of dataset names, for json_each(). Names
 * are escaped; anything but printable ASCII is refused by the policy
 * parser already, but quotes and backslashes are handled here too. */
static int datasets_json(const canh_retention_t *p, char **out)
{
    size_t cap = 3;
    for (size_t i = 0; i < p->ndatasets; i++)
        cap += 2 * strlen(p->datasets[i].dataset) + 3;
    char *j = canh_malloc(cap);
    if (!j)
        return CANH_ENOMEM;
    size_t o = 0;
    j[o++] = '[';
    for (size_t i = 0; i < p->ndatasets; i++) {
        if (i)
            j[o++] = ',';
        j[o++] = '"';
        for (const char *c = p->datasets[i].dataset; *c; c++) {
            if (*c == '"' || *c == '\\')
                j[o++] = '\\';
            j[o++] = *c;
        }
        j[o++] = '"';
    }
    j[o++] = ']';
    j[o] = '\0';
    *out = j;
    return CANH_OK;
}

/* Runs a DELETE whose parameters are ?1 an id bound, ?2 text, ?3 limit (a
 * statement may leave ?1 or ?2 out); adds the rows it removed to *n. */
static int del(canh_store_t *st, const char *sql, int64_t id, const char *text, int64_t limit,
               uint64_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, sql, &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    canh_store_bind_text(s, 2, text);
    sqlite3_bind_int64(s, 3, limit);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "retention");
    else
        *n += (uint64_t)sqlite3_changes(st->db);
    sqlite3_finalize(s);
    return rc;
}

int canh_store_used_bytes(canh_store_t *st, uint64_t *out, canh_errbuf_t *eb)
{
    int64_t pages = 0, free_pages = 0, page_size = 0;
    int rc;
    if ((rc = canh_store_scalar_i64(st, "PRAGMA page_count", &pages, eb)) != CANH_OK ||
        (rc = canh_store_scalar_i64(st, "PRAGMA freelist_count", &free_pages, eb)) != CANH_OK ||
        (rc = canh_store_scalar_i64(st, "PRAGMA page_size", &page_size, eb)) != CANH_OK)
        return rc;
    *out = (uint64_t)(pages - free_pages) * (uint64_t)page_size;
    return CANH_OK;
}

/* Arrival marks. Row ids grow with every insert (retention never deletes
 * the newest row of a table, so SQLite never hands out a smaller id), and a
 * mark (at, highest event id, highest alert id) taken now and then tells
 * which rows had arrived by a given time. Retention by age then removes
 * the rows that arrived before the newest mark older than the age: a row
 * is kept at least that long after it was stored, whatever its own
 * timestamp says (a device with a wrong clock, old logs replayed). */
int canh_store_mark_ingest(canh_store_t *st, int64_t now_s, int64_t keep_s, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "INSERT OR REPLACE INTO ingest_mark (at, event_id, alert_id)"
                                " VALUES (?1, (SELECT coalesce(max(id), 0) FROM event),"
                                " (SELECT coalesce(max(id), 0) FROM alert))",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, now_s);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "marking arrivals");
    sqlite3_finalize(s);
    if (rc)
        return rc;
    /* Marks older than the longest age are never needed again, but the
     * newest of them still is (it bounds the rows to delete next). */
    if ((rc = canh_store_prepare(st,
                                 "DELETE FROM ingest_mark WHERE at < (SELECT max(at) FROM"
                                 " ingest_mark WHERE at < ?1)",
                                 &s, eb)) != CANH_OK)
        return rc;
    sqlite3_bind_int64(s, 1, now_s - keep_s);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "pruning arrival marks");
    sqlite3_finalize(s);
    return rc;
}

/* The highest event and alert ids stored by (now - age); 0 when no mark
 * is that old (nothing is old enough to go). */
static int mark_before(canh_store_t *st, int64_t at_s, int64_t *event_id, int64_t *alert_id,
                       canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT event_id, alert_id FROM ingest_mark WHERE at <= ?1"
                                " ORDER BY at DESC LIMIT 1",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, at_s);
    *event_id = *alert_id = 0;
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *event_id = sqlite3_column_int64(s, 0);
        *alert_id = sqlite3_column_int64(s, 1);
    } else if (step != SQLITE_DONE) {
        rc = canh_store_fail(st, eb, "reading arrival marks");
    }
    sqlite3_finalize(s);
    return rc;
}

int canh_store_retention_step(canh_store_t *st, const canh_retention_t *p, int64_t now_ns,
                              uint64_t max_rows, canh_retention_result_t *res, canh_errbuf_t *eb)
{
    canh_retention_result_t r = {0};
    char *names = NULL;
    int64_t lim = max_rows ? (int64_t)max_rows : 10000;
    int64_t now_s = now_ns / 1000000000;
    int64_t ev, al;
    int rc = CANH_OK;
    if (p->max_age_days <= 0)
        return canh_errf(eb, CANH_EINVAL, "retention: max_age_days must be positive");
    for (size_t i = 0; i < p->ndatasets; i++)
        if (p->datasets[i].max_age_days <= 0)
            return canh_errf(eb, CANH_EINVAL, "retention: %s: days must be positive",
                             p->datasets[i].dataset);
    if ((rc = datasets_json(p, &names)) != CANH_OK)
        return rc;
    if ((rc = canh_store_begin(st, eb)) != CANH_OK)
        goto out;

    /* 1. Age, per dataset with its own age, then every other dataset. The
     * newest row of each table always stays (see the marks above). */
    int64_t longest = p->max_age_days;
    for (size_t i = 0; i < p->ndatasets && r.events_aged < (uint64_t)lim; i++) {
        const canh_retention_dataset_t *d = &p->datasets[i];
        if (d->max_age_days > longest)
            longest = d->max_age_days;
        if ((rc = mark_before(st, now_s - d->max_age_days * 86400, &ev, &al, eb)) != CANH_OK)
            goto fail;
        if (ev > 0 &&
            (rc = del(st,
                      "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE id <= ?1"
                      " AND id < (SELECT max(id) FROM event) AND dataset = ?2 LIMIT ?3)",
                      ev, d->dataset, lim - (int64_t)r.events_aged, &r.events_aged, eb)) != CANH_OK)
            goto fail;
    }
    if ((rc = mark_before(st, now_s - p->max_age_days * 86400, &ev, &al, eb)) != CANH_OK)
        goto fail;
    if (ev > 0 && r.events_aged < (uint64_t)lim &&
        (rc = del(st,
                  "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE id <= ?1"
                  " AND id < (SELECT max(id) FROM event) AND (dataset IS NULL OR dataset NOT IN"
                  " (SELECT value FROM json_each(?2))) LIMIT ?3)",
                  ev, names, lim - (int64_t)r.events_aged, &r.events_aged, eb)) != CANH_OK)
        goto fail;
    /* Alerts carry no dataset: they are kept as long as the longest age. */
    if ((rc = mark_before(st, now_s - longest * 86400, &ev, &al, eb)) != CANH_OK)
        goto fail;
    if (al > 0 && (rc = del(st,
                            "DELETE FROM alert WHERE id IN (SELECT id FROM alert WHERE id <= ?1"
                            " AND id < (SELECT max(id) FROM alert) LIMIT ?3)",
                            al, NULL, lim, &r.alerts_aged, eb)) != CANH_OK)
        goto fail;

    /* 2. Size: the first stored events first (alerts only when no event is
     * left but the newest), one step's worth at most. */
    if (p->max_size) {
        if ((rc = canh_store_used_bytes(st, &r.used_bytes, eb)) != CANH_OK)
            goto fail;
        if (r.used_bytes > p->max_size) {
            uint64_t before = r.events_sized;
            rc = del(st,
                     "DELETE FROM event WHERE id IN (SELECT id FROM event"
                     " WHERE id < (SELECT max(id) FROM event) ORDER BY id LIMIT ?3)",
                     0, NULL, lim, &r.events_sized, eb);
            if (rc == CANH_OK && r.events_sized == before)
                rc = del(st,
                         "DELETE FROM alert WHERE id IN (SELECT id FROM alert"
                         " WHERE id < (SELECT max(id) FROM alert) ORDER BY id LIMIT ?3)",
                         0, NULL, lim, &r.alerts_sized, eb);
            if (rc)
                goto fail;
            r.over_size = true;
        }
    }
    if ((rc = canh_store_commit(st, eb)) != CANH_OK)
        goto fail;
    r.more = r.events_aged + r.alerts_aged >= (uint64_t)lim ||
             (r.over_size && r.events_sized + r.alerts_sized > 0);
    *res = r;
    goto out;
fail:
    canh_store_rollback(st);
out:
    canh_free(names);
    return rc;
}

/* ---- queries -------------------------------------------------------------------------- */

int canh_store_events_count_where(canh_store_t *st, const char *dataset, int64_t since_ns,
                                  uint64_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT count(*) FROM event WHERE ts >= ?1"
                                " AND (?2 IS NULL OR dataset = ?2)",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, since_ns ? since_ns : INT64_MIN);
    canh_store_bind_text(s, 2, dataset);
    if (sqlite3_step(s) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, "counting events");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_events_by_dataset(canh_store_t *st, int64_t since_ns,
                                 int (*fn)(void *ud, const char *dataset, uint64_t n), void *ud,
                                 canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT coalesce(dataset, ''), count(*) FROM event WHERE ts >= ?1"
                                " GROUP BY 1 ORDER BY 2 DESC, 1",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, since_ns ? since_ns : INT64_MIN);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int r =
            fn(ud, (const char *)sqlite3_column_text(s, 0), (uint64_t)sqlite3_column_int64(s, 1));
        if (r) {
            rc = r;
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "counting events");
out:
    sqlite3_finalize(s);
    return rc;
}

int canh_store_alerts_recent(canh_store_t *st, const char *source, int64_t since_ns, uint64_t limit,
                             int (*fn)(void *ud, int64_t id, int64_t ts_ns, const char *json),
                             void *ud, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT id, ts, doc FROM (SELECT id, ts, doc FROM alert"
                                " WHERE ts >= ?1 AND (?2 IS NULL OR rule_source = ?2)"
                                " ORDER BY ts DESC, id DESC LIMIT ?3) ORDER BY ts, id",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, since_ns ? since_ns : INT64_MIN);
    canh_store_bind_text(s, 2, source);
    sqlite3_bind_int64(s, 3, limit && limit < (uint64_t)INT64_MAX ? (int64_t)limit : INT64_MAX);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(s, 2);
        int r = fn(ud, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), doc ? doc : "");
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
