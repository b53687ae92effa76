/* store_fim.c - the agent's file integrity baseline (tables fim_file and
 * fim_root). */
#include <string.h>

#include "canh/mem.h"
#include "store_int.h"

void canh_fim_entry_fini(canh_fim_entry_t *e)
{
    canh_free(e->path);
    memset(e, 0, sizeof *e);
}

void canh_store_fim_free(canh_fim_entry_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        canh_fim_entry_fini(&v[i]);
    canh_free(v);
}

#define FIM_COLS "path, size, mode, uid, gid, mtime, ctime, inode, sha256"

/* Fills e from a row of FIM_COLS; CANH_ENOMEM when the path copy fails. */
static int row_entry(sqlite3_stmt *s, canh_fim_entry_t *e)
{
    int oom = 0;
    memset(e, 0, sizeof *e);
    e->path = canh_store_col_text(s, 0, &oom);
    if (oom || !e->path)
        return CANH_ENOMEM;
    e->size = sqlite3_column_int64(s, 1);
    e->mode = (uint32_t)sqlite3_column_int64(s, 2);
    e->uid = (uint32_t)sqlite3_column_int64(s, 3);
    e->gid = (uint32_t)sqlite3_column_int64(s, 4);
    e->mtime_ns = sqlite3_column_int64(s, 5);
    e->ctime_ns = sqlite3_column_int64(s, 6);
    e->inode = (uint64_t)sqlite3_column_int64(s, 7);
    const void *h = sqlite3_column_blob(s, 8);
    if (h && sqlite3_column_bytes(s, 8) == (int)sizeof e->sha256) {
        memcpy(e->sha256, h, sizeof e->sha256);
        e->has_hash = true;
    }
    return CANH_OK;
}

int canh_store_fim_get(canh_store_t *st, const char *path, canh_fim_entry_t *out, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_cached(st, CANH_ST_FIM_GET,
                               "SELECT " FIM_COLS " FROM fim_file WHERE path = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        canh_fim_entry_t e;
        rc = row_entry(s, &e);
        if (rc == CANH_OK)
            *out = e;
        else
            canh_fim_entry_fini(&e);
    } else if (step == SQLITE_DONE) {
        rc = CANH_ENOENT;
    } else {
        rc = canh_store_fail(st, eb, "reading FIM baseline");
    }
    sqlite3_reset(s);
    return rc;
}

int canh_store_fim_put(canh_store_t *st, const canh_fim_entry_t *e, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_cached(st, CANH_ST_FIM_PUT,
                               "INSERT OR REPLACE INTO fim_file (" FIM_COLS
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                               &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, e->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, e->size);
    sqlite3_bind_int64(s, 3, e->mode);
    sqlite3_bind_int64(s, 4, e->uid);
    sqlite3_bind_int64(s, 5, e->gid);
    sqlite3_bind_int64(s, 6, e->mtime_ns);
    sqlite3_bind_int64(s, 7, e->ctime_ns);
    sqlite3_bind_int64(s, 8, (sqlite3_int64)e->inode);
    if (e->has_hash)
        sqlite3_bind_blob(s, 9, e->sha256, (int)sizeof e->sha256, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 9);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "writing FIM baseline");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

int canh_store_fim_delete(canh_store_t *st, const char *path, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "DELETE FROM fim_file WHERE path = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "deleting from FIM baseline");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_fim_page(canh_store_t *st, const char *after, size_t max, canh_fim_entry_t **out,
                        size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT " FIM_COLS " FROM fim_file WHERE ?1 IS NULL OR path > ?1"
                                " ORDER BY path LIMIT ?2",
                                &s, eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, after);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)(max > INT32_MAX ? INT32_MAX : max));
    canh_fim_entry_t *v = max ? canh_calloc(max, sizeof *v) : NULL;
    size_t cnt = 0;
    int step;
    if (max && !v) {
        sqlite3_finalize(s);
        return CANH_ENOMEM;
    }
    while (cnt < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if ((rc = row_entry(s, &v[cnt])) != CANH_OK) {
            canh_fim_entry_fini(&v[cnt]);
            break;
        }
        cnt++;
    }
    if (rc == CANH_OK && cnt < max && step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "reading FIM baseline");
    sqlite3_finalize(s);
    if (rc) {
        canh_store_fim_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}

int canh_store_fim_count(canh_store_t *st, uint64_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "SELECT count(*) FROM fim_file", &s, eb);
    if (rc)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, "counting FIM baseline");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_fim_root_get(canh_store_t *st, const char *root, int64_t *built_at,
                            canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "SELECT built_at FROM fim_root WHERE path = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, root, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        *built_at = sqlite3_column_int64(s, 0);
    else if (step == SQLITE_DONE)
        rc = CANH_ENOENT;
    else
        rc = canh_store_fail(st, eb, "reading FIM roots");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_fim_root_set(canh_store_t *st, const char *root, int64_t built_at, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st, "INSERT OR REPLACE INTO fim_root (path, built_at) VALUES (?1, ?2)", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, root, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, built_at);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "writing FIM roots");
    sqlite3_finalize(s);
    return rc;
}
