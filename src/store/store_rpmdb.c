/* store_rpmdb.c - reading the header blobs of an rpm database in SQLite
 * form (rpm >= 4.16: /var/lib/rpm/rpmdb.sqlite), for the agent's package
 * inventory. The blobs are hostile bytes to the caller: it parses them with
 * bounds checks (canh_rpm_header_parse in the agent). The older Berkeley DB
 * form (/var/lib/rpm/Packages) is not read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"

int canh_store_rpmdb_each(const char *path, int (*fn)(void *ud, const void *blob, size_t n),
                          void *ud, canh_errbuf_t *eb)
{
    struct stat stt;
    if (stat(path, &stt) != 0)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int rc = CANH_OK;
    /* Read-only; rpm may be writing it (WAL): a busy database is retried
     * for a while like any reader. */
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = canh_errf(eb, CANH_EIO, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &s, NULL) != SQLITE_OK) {
        rc = canh_errf(eb, CANH_EIO, "%s: not an rpm database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        if (!b || n <= 0)
            continue;
        if ((rc = fn(ud, b, (size_t)n)) != 0)
            goto out;
    }
    if (step != SQLITE_DONE)
        rc = canh_errf(eb, CANH_EIO, "%s: %s", path, sqlite3_errmsg(db));
out:
    sqlite3_finalize(s);
    if (db)
        sqlite3_close_v2(db);
    return rc;
}
