/* store_assets.c - the organisation's assets. */
#include <string.h>

#include "canh/mem.h"
#include "store_int.h"

void canh_asset_fini(canh_asset_t *a)
{
    canh_free(a->hostname);
    canh_free(a->addresses);
    canh_free(a->system);
    canh_free(a->owner);
    canh_free(a->contact);
    memset(a, 0, sizeof *a);
}

int canh_store_asset_upsert(canh_store_t *st, const canh_asset_t *a, bool *created,
                            canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "SELECT id FROM asset WHERE hostname = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, a->hostname, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    sqlite3_finalize(s);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return canh_store_fail(st, eb, "finding asset");
    rc = canh_store_prepare(st,
                            "INSERT INTO asset (hostname, addresses, system, level, owner,"
                            " contact) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                            " ON CONFLICT(hostname) DO UPDATE SET addresses = excluded.addresses,"
                            " system = excluded.system, level = excluded.level,"
                            " owner = excluded.owner, contact = excluded.contact",
                            &s, eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, a->hostname);
    canh_store_bind_text(s, 2, a->addresses ? a->addresses : "");
    canh_store_bind_text(s, 3, a->system);
    sqlite3_bind_int(s, 4, a->level);
    canh_store_bind_text(s, 5, a->owner);
    canh_store_bind_text(s, 6, a->contact);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "storing asset");
    sqlite3_finalize(s);
    if (rc == CANH_OK && created)
        *created = step == SQLITE_DONE;
    return rc;
}

void canh_store_assets_free(canh_asset_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        canh_asset_fini(&v[i]);
    canh_free(v);
}

int canh_store_assets_load(canh_store_t *st, canh_asset_t **out, size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT id, hostname, addresses, system, level, owner, contact"
                                " FROM asset ORDER BY hostname",
                                &s, eb);
    if (rc)
        return rc;
    canh_asset_t *v = NULL;
    size_t cnt = 0;
    int oom = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        canh_asset_t *nv = canh_reallocarray(v, cnt + 1, sizeof *v);
        if (!nv) {
            oom = 1;
            break;
        }
        v = nv;
        canh_asset_t *a = &v[cnt++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(s, 0);
        a->hostname = canh_store_col_text(s, 1, &oom);
        a->addresses = canh_store_col_text(s, 2, &oom);
        a->system = canh_store_col_text(s, 3, &oom);
        a->level = sqlite3_column_int(s, 4);
        a->owner = canh_store_col_text(s, 5, &oom);
        a->contact = canh_store_col_text(s, 6, &oom);
    }
    if (oom)
        rc = CANH_ENOMEM;
    else if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "loading assets");
    sqlite3_finalize(s);
    if (rc) {
        canh_store_assets_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}
