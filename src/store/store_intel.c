/* store_intel.c - indicators, sightings and import runs. */
#include <string.h>

#include "canh/mem.h"
#include "store_int.h"

static int64_t min_known(int64_t a, int64_t b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return a < b ? a : b;
}

int canh_store_intel_upsert(canh_store_t *st, const canh_indicator_t *ind, int64_t import_gen,
                            bool *created, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    const char *type = canh_ioc_type_name(ind->type);
    int rc = canh_store_cached(st, CANH_ST_INTEL_FIND,
                               "SELECT id, first_seen, last_seen FROM indicator"
                               " WHERE source = ?1 AND type = ?2 AND value = ?3",
                               &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, ind->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, ind->value, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    int64_t id = 0, first = 0, last = 0;
    if (step == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        first = sqlite3_column_int64(s, 1);
        last = sqlite3_column_int64(s, 2);
    } else if (step != SQLITE_DONE) {
        return canh_store_fail(st, eb, "finding indicator");
    }
    sqlite3_reset(s);
    if (id) {
        rc = canh_store_cached(st, CANH_ST_INTEL_UPDATE,
                               "UPDATE indicator SET first_seen = ?2, last_seen = ?3,"
                               " threat = coalesce(?4, threat), family = coalesce(?5, family),"
                               " expires = ?6, confidence = CASE WHEN ?7 >= 0 THEN ?7"
                               " ELSE confidence END, extra = coalesce(?8, extra),"
                               " import_gen = ?9 WHERE id = ?1",
                               &s, eb);
        if (rc)
            return rc;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, min_known(first, ind->first_seen));
        sqlite3_bind_int64(s, 3, ind->last_seen > last ? ind->last_seen : last);
    } else {
        rc = canh_store_cached(st, CANH_ST_INTEL_INSERT,
                               "INSERT INTO indicator (source, type, value, first_seen,"
                               " last_seen, threat, family, expires, confidence, extra,"
                               " import_gen) VALUES (?10, ?11, ?12, ?2, ?3, ?4, ?5, ?6,"
                               " ?7, ?8, ?9)",
                               &s, eb);
        if (rc)
            return rc;
        sqlite3_bind_text(s, 10, ind->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 11, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, ind->value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, ind->first_seen ? ind->first_seen : ind->last_seen);
        sqlite3_bind_int64(s, 3, ind->last_seen ? ind->last_seen : ind->first_seen);
    }
    canh_store_bind_text(s, 4, ind->threat);
    canh_store_bind_text(s, 5, ind->family);
    sqlite3_bind_int64(s, 6, ind->expires);
    sqlite3_bind_int(s, 7, ind->confidence);
    canh_store_bind_text(s, 8, ind->extra);
    sqlite3_bind_int64(s, 9, import_gen);
    if (sqlite3_step(s) != SQLITE_DONE)
        return canh_store_fail(st, eb, "storing indicator");
    if (!id)
        id = sqlite3_last_insert_rowid(st->db);
    sqlite3_reset(s);
    int64_t seen = ind->last_seen ? ind->last_seen : ind->first_seen;
    if (seen > 0) {
        rc = canh_store_cached(st, CANH_ST_INTEL_SIGHT,
                               "INSERT OR IGNORE INTO sighting (indicator_id, day)"
                               " VALUES (?1, ?2)",
                               &s, eb);
        if (rc)
            return rc;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, seen / 86400);
        if (sqlite3_step(s) != SQLITE_DONE)
            return canh_store_fail(st, eb, "storing sighting");
        sqlite3_reset(s);
    }
    if (created)
        *created = step == SQLITE_DONE;
    return CANH_OK;
}

static int delete_where(canh_store_t *st, const char *sql, const char *source, int64_t gen,
                        bool bind_gen, uint64_t *removed, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, sql, &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    if (bind_gen)
        sqlite3_bind_int64(s, 2, gen);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "deleting indicators");
    else if (removed)
        *removed = (uint64_t)sqlite3_changes(st->db);
    sqlite3_finalize(s);
    return rc;
}

int canh_store_intel_prune(canh_store_t *st, const char *source, int64_t gen, uint64_t *removed,
                           canh_errbuf_t *eb)
{
    return delete_where(st, "DELETE FROM indicator WHERE source = ?1 AND import_gen != ?2",
                        source, gen, true, removed, eb);
}

int canh_store_intel_remove_source(canh_store_t *st, const char *source, uint64_t *removed,
                                   canh_errbuf_t *eb)
{
    return delete_where(st, "DELETE FROM indicator WHERE source = ?1", source, 0, false, removed,
                        eb);
}

void canh_store_intel_free(canh_indicator_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        canh_indicator_fini(&v[i]);
    canh_free(v);
}

int canh_store_intel_load(canh_store_t *st, int64_t now, bool include_expired,
                          canh_indicator_t **out, size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT id, type, value, source, threat, family, first_seen,"
                                " last_seen, expires, confidence, extra FROM indicator"
                                " WHERE ?1 OR expires = 0 OR expires > ?2 ORDER BY id",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int(s, 1, include_expired);
    sqlite3_bind_int64(s, 2, now);
    canh_indicator_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int oom = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            canh_indicator_t *nv = canh_reallocarray(v, ncap, sizeof *v);
            if (!nv) {
                oom = 1;
                break;
            }
            v = nv;
            cap = ncap;
        }
        canh_indicator_t *ind = &v[cnt++];
        memset(ind, 0, sizeof *ind);
        ind->id = sqlite3_column_int64(s, 0);
        ind->type = canh_ioc_type_parse((const char *)sqlite3_column_text(s, 1));
        ind->value = canh_store_col_text(s, 2, &oom);
        ind->source = canh_store_col_text(s, 3, &oom);
        ind->threat = canh_store_col_text(s, 4, &oom);
        ind->family = canh_store_col_text(s, 5, &oom);
        ind->first_seen = sqlite3_column_int64(s, 6);
        ind->last_seen = sqlite3_column_int64(s, 7);
        ind->expires = sqlite3_column_int64(s, 8);
        ind->confidence = sqlite3_column_int(s, 9);
        ind->extra = canh_store_col_text(s, 10, &oom);
        if (oom)
            break;
    }
    if (oom)
        rc = CANH_ENOMEM;
    else if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "loading indicators");
    sqlite3_finalize(s);
    if (rc) {
        canh_store_intel_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}

int canh_store_intel_sightings(canh_store_t *st, int64_t indicator_id, int64_t from, int64_t to,
                               uint64_t *days, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT count(*) FROM sighting WHERE indicator_id = ?1"
                                " AND day >= ?2 AND day < ?3",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, indicator_id);
    sqlite3_bind_int64(s, 2, from / 86400);
    sqlite3_bind_int64(s, 3, to > 0 ? (to + 86399) / 86400 : INT64_MAX);
    if (sqlite3_step(s) == SQLITE_ROW)
        *days = (uint64_t)sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, "counting sightings");
    sqlite3_finalize(s);
    return rc;
}

void canh_store_sources_free(canh_source_info_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        canh_free(v[i].name);
    canh_free(v);
}

int canh_store_intel_sources(canh_store_t *st, int64_t now, canh_source_info_t **out, size_t *n,
                             canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st,
        "SELECT source, count(*), sum(expires = 0 OR expires > ?1),"
        " (SELECT max(at) FROM intel_import m WHERE m.source = i.source)"
        " FROM indicator i GROUP BY source ORDER BY source",
        &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    canh_source_info_t *v = NULL;
    size_t cnt = 0;
    int oom = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        canh_source_info_t *nv = canh_reallocarray(v, cnt + 1, sizeof *v);
        if (!nv) {
            oom = 1;
            break;
        }
        v = nv;
        canh_source_info_t *si = &v[cnt++];
        si->name = canh_store_col_text(s, 0, &oom);
        si->count = (uint64_t)sqlite3_column_int64(s, 1);
        si->live = (uint64_t)sqlite3_column_int64(s, 2);
        si->last_import = sqlite3_column_int64(s, 3);
    }
    if (oom)
        rc = CANH_ENOMEM;
    else if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "listing sources");
    sqlite3_finalize(s);
    if (rc) {
        canh_store_sources_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}

int canh_store_intel_log_import(canh_store_t *st, const char *source, const char *file,
                                const char *format, uint64_t taken, uint64_t updated,
                                uint64_t rejected, int64_t at, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "INSERT INTO intel_import (source, file, format, taken, updated,"
                                " rejected, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                &s, eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, source);
    canh_store_bind_text(s, 2, file);
    canh_store_bind_text(s, 3, format);
    sqlite3_bind_int64(s, 4, (int64_t)taken);
    sqlite3_bind_int64(s, 5, (int64_t)updated);
    sqlite3_bind_int64(s, 6, (int64_t)rejected);
    sqlite3_bind_int64(s, 7, at);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "logging import");
    sqlite3_finalize(s);
    return rc;
}
