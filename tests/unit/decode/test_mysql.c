/* test_mysql.c - the MySQL/MariaDB decoder (decode_mysql.c): error logs of
 * MySQL 8.0/5.7/5.5 and MariaDB, the general query log, the slow query log's
 * header lines, syslog, and what it must not claim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canh/decode.h"
#include "canh/event.h"
#include "decode_db.h"
#include "decode_int.h"

#define DB_TYPE "mysql"
#include "test_db_util.h"

/* ---- error log --------------------------------------------------------------- */

static const tcase_t error_cases[] = {
    {"2024-01-15T10:00:00.123456Z 8 [Note] [MY-010926] [Server] Access denied for user "
     "'root'@'10.0.0.5' (using password: YES)",
     {{"@timestamp", "2024-01-15T10:00:00.123456Z"},
      {"mysql.thread_id", "8"},
      {"log.level", "Note"},
      {"error.code", "MY-010926"},
      {"mysql.error.subsystem", "Server"},
      {"user.name", "root"},
      {"db.user", "root"},
      {"source.ip", "10.0.0.5"},
      {"source.address", NULL},
      {"mysql.auth.using_password", "YES"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {"event.category", "authentication"},
      {"event.type", "start"},
      {"message", "Access denied for user 'root'@'10.0.0.5' (using password: YES)"},
      {"partial", "0"},
      {NULL, NULL}}},
    {"240115 10:00:00 [Warning] Access denied for user 'root'@'localhost' (using password: YES)",
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "Warning"},
      {"mysql.thread_id", NULL},
      {"user.name", "root"},
      {"source.address", "localhost"},
      {"source.ip", NULL},
      {"event.action", "db_login_failed"},
      {NULL, NULL}}},
    {"240115  9:05:03 [Note] /usr/sbin/mysqld: ready for connections.",
     {{"@timestamp", "2024-01-15T09:05:03.000000Z"}, {"event.action", "db_started"}, {NULL, NULL}}},
    {"240115 10:00:01  InnoDB: Initializing buffer pool, size = 128.0M",
     {{"@timestamp", "2024-01-15T10:00:01.000000Z"},
      {"log.level", NULL},
      {"message", "InnoDB: Initializing buffer pool, size = 128.0M"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:00 0 [Note] InnoDB: Buffer pool(s) load completed at 240115 10:00:00",
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"mysql.thread_id", "0"},
      {"log.level", "Note"},
      {"event.type", "info"},
      {"message", "InnoDB: Buffer pool(s) load completed at 240115 10:00:00"},
      {NULL, NULL}}},
    {"2024-01-15  9:05:03 140234 [Warning] Aborted connection 140234 to db: 'shop' user: 'app' "
     "host: '10.0.0.9' (Got an error reading communication packets)",
     {{"@timestamp", "2024-01-15T09:05:03.000000Z"},
      {"mysql.thread_id", "140234"},
      {"mysql.connection_id", "140234"},
      {"db.name", "shop"},
      {"user.name", "app"},
      {"source.ip", "10.0.0.9"},
      {"error.message", "Got an error reading communication packets"},
      {"event.action", "db_connection_aborted"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:05 31 [Warning] Aborted connection 31 to db: 'unconnected' user: "
     "'unauthenticated' host: 'web1.example.com' (This connection closed normally without "
     "authentication)",
     {{"db.name", NULL},
      {"user.name", NULL},
      {"source.address", "web1.example.com"},
      {"event.action", "db_connection_aborted"},
      {NULL, NULL}}},
    {"2024-01-15T10:00:01.000001Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
     "connections. Version: '8.0.35'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL "
     "Community Server - GPL.",
     {{"log.level", "System"},
      {"error.code", "MY-010931"},
      {"event.action", "db_started"},
      {NULL, NULL}}},
    {"2024-01-15T10:00:02.000000Z 12 [ERROR] [MY-000061] [Server] Host '203.0.113.50' is "
     "blocked because of many connection errors; unblock with 'mysqladmin flush-hosts'",
     {{"source.ip", "203.0.113.50"},
      {"event.action", "db_host_blocked"},
      {"event.type", "denied"},
      {"log.level", "ERROR"},
      {NULL, NULL}}},
    {"2024-01-15T17:00:03.000000+07:00 15 [ERROR] [MY-012592] [InnoDB] Operating system error "
     "number 2 in a file operation.",
     {{"@timestamp", "2024-01-15T10:00:03.000000Z"},
      {"mysql.error.subsystem", "InnoDB"},
      {"event.type", "error"},
      {"event.action", NULL},
      {NULL, NULL}}},
    {"2024-01-15T10:00:04.000000Z 16 [Note] Access denied for user 'bob'@'10.0.0.6' to "
     "database 'payroll'",
     {{"user.name", "bob"},
      {"db.name", "payroll"},
      {"source.ip", "10.0.0.6"},
      {"event.action", "db_access_denied"},
      {"event.type", "denied"},
      {NULL, NULL}}},
};

static void test_error_log(void **state)
{
    run_cases(*state, error_cases, sizeof error_cases / sizeof error_cases[0], CANH_DEC_MYSQL);
}

/* ---- general query log ------------------------------------------------------------ */

static const tcase_t general_cases[] = {
    {"2024-01-15T10:00:00.123456Z\t   12 Connect\troot@localhost on mydb using Socket",
     {{"@timestamp", "2024-01-15T10:00:00.123456Z"},
      {"mysql.thread_id", "12"},
      {"mysql.command", "Connect"},
      {"user.name", "root"},
      {"source.address", "localhost"},
      {"db.name", "mydb"},
      {"mysql.connection_type", "Socket"},
      {"event.action", "db_login"},
      {"event.outcome", "success"},
      {"event.category", "authentication"},
      {NULL, NULL}}},
    {"2024-01-15T10:00:00.133456Z\t   14 Connect\tapp@10.0.0.7 on  using TCP/IP",
     {{"user.name", "app"},
      {"source.ip", "10.0.0.7"},
      {"db.name", NULL},
      {"mysql.connection_type", "TCP/IP"},
      {NULL, NULL}}},
    {"2024-01-15T10:00:00.223456Z\t   12 Query\tSELECT * FROM users WHERE name = 'x' OR 1=1",
     {{"db.statement", "SELECT * FROM users WHERE name = 'x' OR 1=1"},
      {"mysql.command", "Query"},
      {"event.action", "db_query"},
      {"event.category", "database"},
      {"event.type", "access"},
      {NULL, NULL}}},
    {"2024-01-15T10:00:00.323456Z\t   13 Connect\tAccess denied for user 'root'@'10.0.0.5' "
     "(using password: YES)",
     {{"user.name", "root"},
      {"source.ip", "10.0.0.5"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {"240115 10:00:00\t     14 Init DB\tshop",
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"db.name", "shop"},
      {"mysql.command", "Init DB"},
      {"event.action", "db_change_database"},
      {NULL, NULL}}},
    {"\t\t     14 Quit\t",
     {{"mysql.thread_id", "14"},
      {"event.action", "db_logout"},
      {"event.type", "end"},
      {NULL, NULL}}},
    {"\t\t     15 Query\tUPDATE t SET a = 1",
     {{"db.statement", "UPDATE t SET a = 1"}, {NULL, NULL}}},
    {"2024-01-15 10:00:09\t    16 Connect\troot@localhost as anonymous on shop",
     {{"user.name", "root"}, {"db.name", "shop"}, {NULL, NULL}}},
};

static void test_general_log(void **state)
{
    run_cases(*state, general_cases, sizeof general_cases / sizeof general_cases[0],
              CANH_DEC_MYSQL);
}

/* ---- slow query log ----------------------------------------------------------------- */

/* "# ..." lines start with '#', which detection sends only to syslog (see
 * decode_registry.c): they are decoded with the type forced. */
static const tcase_t slow_cases[] = {
    {"# Time: 2024-01-15T10:00:03.000123Z",
     {{"@timestamp", "2024-01-15T10:00:03.000123Z"}, {"partial", "1"}, {NULL, NULL}}},
    {"# Time: 240115 10:00:03",
     {{"@timestamp", "2024-01-15T10:00:03.000000Z"}, {"partial", "1"}, {NULL, NULL}}},
    {"# User@Host: app[app] @ web1.example.com [10.0.0.7]  Id:    15",
     {{"user.name", "app"},
      {"mysql.slowlog.current_user", "app"},
      {"source.domain", "web1.example.com"},
      {"source.ip", "10.0.0.7"},
      {"mysql.thread_id", "15"},
      {"partial", "1"},
      {NULL, NULL}}},
    {"# User@Host: root[root] @ localhost []",
     {{"user.name", "root"}, {"source.domain", "localhost"}, {"source.ip", NULL}, {NULL, NULL}}},
    {"# User@Host: report[report] @  [192.0.2.10]",
     {{"user.name", "report"}, {"source.ip", "192.0.2.10"}, {"source.domain", NULL}, {NULL, NULL}}},
    {"# Query_time: 2.500000  Lock_time: 0.000120 Rows_sent: 1  Rows_examined: 1000000",
     {{"event.duration", "2500000000"},
      {"mysql.slowlog.lock_time", "0.000120"},
      {"mysql.slowlog.rows_sent", "1"},
      {"mysql.slowlog.rows_examined", "1000000"},
      {"event.action", "db_slow_query"},
      {"partial", "1"},
      {NULL, NULL}}},
    {"# Thread_id: 15  Schema: shop  QC_hit: No",
     {{"mysql.thread_id", "15"},
      {"db.name", "shop"},
      {"mysql.slowlog.qc_hit", "No"},
      {NULL, NULL}}},
    {"SET timestamp=1705312803;",
     {{"@timestamp", "2024-01-15T10:00:03.000000Z"}, {"partial", "1"}, {NULL, NULL}}},
};

static void test_slow_log(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof slow_cases / sizeof slow_cases[0]; i++) {
        const tcase_t *tc = &slow_cases[i];
        decode_n(f->forced, f->ev, tc->line, strlen(tc->line));
        if (f->ev->decoder != CANH_DEC_MYSQL)
            fail_msg("%s\n  decoded as %s", tc->line, canh_decode_name(f->ev->decoder));
        check_fields(f->ev, tc);
        check_sane(f->ev, tc->line);
    }
    /* "SET timestamp=" starts with a letter: detection reaches it. */
    const char *l = "SET timestamp=1705312803;";
    decode_n(f->autod, f->ev, l, strlen(l));
    assert_int_equal(f->ev->decoder, CANH_DEC_MYSQL);
    /* Not slow-log lines. */
    const char *no[] = {"# Time flies", "# User@Host: ", "SET timestamp=17;", "SET x=1;",
                        "# Comment: yes"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        canh_event_reset(f->ev, canh_str_c(no[i]));
        if (canh_dec_mysql(f->autod, canh_str_c(no[i]), f->ev) == CANH_OK)
            fail_msg("claimed \"%s\"", no[i]);
    }
}

/* ---- syslog --------------------------------------------------------------------------- */

static const tcase_t syslog_cases[] = {
    {"Jan 15 10:00:00 db2 mysqld[900]: 2024-01-15 10:00:00 17 [Warning] Access denied for user "
     "'bob'@'203.0.113.9' (using password: YES)",
     {{"host.name", "db2"},
      {"process.pid", "900"},
      {"mysql.thread_id", "17"},
      {"user.name", "bob"},
      {"source.ip", "203.0.113.9"},
      {"event.action", "db_login_failed"},
      {NULL, NULL}}},
    {"Jan 15 10:00:01 db2 mariadbd[901]: 0 [Note] InnoDB: Starting shutdown...",
     {{"log.level", "Note"}, {"message", "InnoDB: Starting shutdown..."}, {NULL, NULL}}},
    {"Jan 15 10:00:02 db2 mysqld[902]: [Note] [MY-010926] [Server] Access denied for user "
     "'x'@'localhost' (using password: NO)",
     {{"error.code", "MY-010926"}, {"source.address", "localhost"}, {NULL, NULL}}},
    {"Jan 15 10:00:03 db2 mysqld[903]: InnoDB: page cleaner took 4000ms",
     {{"partial", "1"}, {"message", "InnoDB: page cleaner took 4000ms"}, {NULL, NULL}}},
};

static void test_syslog(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof syslog_cases / sizeof syslog_cases[0]; i++) {
        const tcase_t *tc = &syslog_cases[i];
        decode_n(f->autod, f->ev, tc->line, strlen(tc->line));
        if (f->ev->decoder != CANH_DEC_MYSQL)
            fail_msg("%s\n  decoded as %s", tc->line, canh_decode_name(f->ev->decoder));
        check_fields(f->ev, tc);
        check_sane(f->ev, tc->line);
    }
}

/* ---- robustness ------------------------------------------------------------------------ */

static void all_prefixes(fx_t *f, const char *line)
{
    size_t n = strlen(line);
    for (size_t k = 0; k <= n; k++) {
        char what[64];
        snprintf(what, sizeof what, "prefix %zu of %.30s", k, line);
        decode_n(f->autod, f->ev, line, k);
        check_sane(f->ev, what);
        decode_n(f->forced, f->ev, line, k);
        check_sane(f->ev, what);
    }
}

static void test_prefixes(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++)
        all_prefixes(f, error_cases[i].line);
    for (size_t i = 0; i < sizeof general_cases / sizeof general_cases[0]; i++)
        all_prefixes(f, general_cases[i].line);
    for (size_t i = 0; i < sizeof slow_cases / sizeof slow_cases[0]; i++)
        all_prefixes(f, slow_cases[i].line);
    for (size_t i = 0; i < sizeof syslog_cases / sizeof syslog_cases[0]; i++)
        all_prefixes(f, syslog_cases[i].line);
}

static void test_truncated(void **state)
{
    fx_t *f = *state;
    const char *cut[] = {
        "2024-01-15T10:00:00.123456Z 8 [No",
        "2024-01-15T10:00:00.123456Z 8",
        "2024-01-15T10:00:00.123456Z",
        "2024-01-15T10:00:00.123456Z\t   12 Que",
        "2024-01-15T10:00:00.123456Z\t   12",
        "240115 10:00",
        "2024-01-15 10:00:00 0 [",
        "12 Quer",
    };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        canh_event_reset(f->ev, canh_str_c(cut[i]));
        if (canh_dec_mysql(f->autod, canh_str_c(cut[i]), f->ev) == CANH_OK)
            fail_msg("claimed truncated \"%s\"", cut[i]);
    }
}

static const char *const foreign[] = {
    "2024-01-15T10:00:00+07:00 web1 sshd[1234]: Failed password for root from 203.0.113.7 "
    "port 22 ssh2",
    "2024-01-15T10:00:00.123Z db2 mysqld[900]: 2024-01-15 10:00:00 17 [Warning] Access denied",
    "2024-01-15T10:00:00Z 12 sshd[1]: hello",
    "2024/01/15 10:00:00 [error] 1234#1234: *1 open() \"/var/www/x\" failed",
    "203.0.113.7 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8.0\"",
    "2024-01-15 10:00:00 W3SVC1 10.0.0.1 GET /default.htm - 80 - 203.0.113.7 Mozilla/5.0 200 0 "
    "0 15",
    "2024-01-15 10:00:00 10.0.0.1 GET /index.html - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 31",
    "Jan 15 10:00:00 web1 sshd[1234]: Accepted password for bob from 1.2.3.4 port 22 ssh2",
    "<34>1 2024-01-15T10:00:00Z host app 123 ID47 - message",
    "2024-01-15 10:00:00.123 UTC [12345] LOG:  statement: SELECT 1",
    "2024-01-15 10:00:00 +07 [123] bob@shop FATAL:  password authentication failed",
    "2024-01-15 10:00:08.123 UTC,\"bob\",\"shop\",2207,\"198.51.100.23:40022\",x,1,\"a\",",
    "type=SYSCALL msg=audit(1705312800.123:4567): arch=c000003e syscall=59 success=yes",
    "1705312800.123456\tCx1\t1.2.3.4\t1234\t5.6.7.8\t80\ttcp",
    "12 Queries\tSELECT 1",
    "12 apples and 3 pears",
    "2024-01-15 10:00:00 [Note] but year-first form needs nothing else",
    "# this is a comment",
    "CEF:0|Vendor|Product|1.0|100|Name|5|src=1.2.3.4",
};

static void test_foreign(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        canh_str_t s = canh_str_c(foreign[i]);
        canh_event_reset(f->ev, s);
        if (canh_dec_mysql(f->autod, s, f->ev) == CANH_OK)
            fail_msg("claimed foreign \"%s\"", foreign[i]);
        decode_n(f->autod, f->ev, foreign[i], s.n);
        /* [1] is a syslog line from mysqld: syslog routes it to mysql. */
        if (f->ev->decoder == CANH_DEC_MYSQL && i != 1)
            fail_msg("auto-detected as mysql: \"%s\"", foreign[i]);
    }
}

static void test_garbage(void **state)
{
    fx_t *f = *state;
    uint32_t seed = 4242;
    char buf[256];
    const tcase_t *sets[] = {error_cases, general_cases, slow_cases};
    size_t counts[] = {sizeof error_cases / sizeof error_cases[0],
                       sizeof general_cases / sizeof general_cases[0],
                       sizeof slow_cases / sizeof slow_cases[0]};
    for (int round = 0; round < 3000; round++) {
        int s = round % 3;
        const char *base = sets[s][(size_t)round / 3 % counts[s]].line;
        size_t n = strlen(base);
        if (n > sizeof buf)
            n = sizeof buf;
        memcpy(buf, base, n);
        for (int m = 0; m < 4; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            buf[at] = (char)(seed >> 16);
        }
        decode_n(f->autod, f->ev, buf, n);
        check_sane(f->ev, "mutated");
        decode_n(f->forced, f->ev, buf, n);
        check_sane(f->ev, "mutated");
    }
}

/* Every line of the fixture files is a MySQL record (slow log: forced). */
static void fixture(fx_t *f, const char *path, const canh_decode_t *d, bool need_time)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        decode_n(d, f->ev, line, len);
        if (f->ev->decoder != CANH_DEC_MYSQL)
            fail_msg("%s: \"%s\" decoded as %s", path, line, canh_decode_name(f->ev->decoder));
        if (need_time && (f->ev->flags & (CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME)))
            fail_msg("%s: \"%s\": no time", path, line);
        check_sane(f->ev, line);
        n++;
    }
    fclose(fp);
    assert_true(n >= 5);
}

static void test_fixtures(void **state)
{
    fx_t *f = *state;
    fixture(f, CANH_FIXTURES "/mysql/error.log", f->autod, true);
    fixture(f, CANH_FIXTURES "/mysql/mariadb-error.log", f->autod, true);
    fixture(f, CANH_FIXTURES "/mysql/general.log", f->autod, false);
}

/* The slow log's other lines (statements, "use db;") are not mysql's to
 * claim on their own; with the type forced the header lines decode. */
static void test_slow_fixture(void **state)
{
    fx_t *f = *state;
    FILE *fp = fopen(CANH_FIXTURES "/mysql/slow.log", "r");
    assert_non_null(fp);
    char line[4096];
    int headers = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        decode_n(f->forced, f->ev, line, len);
        check_sane(f->ev, line);
        bool header = strncmp(line, "# Time:", 7) == 0 || strncmp(line, "# User@Host:", 12) == 0 ||
                      strncmp(line, "# Query_time:", 13) == 0 ||
                      strncmp(line, "SET timestamp=", 14) == 0;
        if (header) {
            headers++;
            if (f->ev->decoder != CANH_DEC_MYSQL)
                fail_msg("slow.log header \"%s\" not decoded", line);
        }
    }
    fclose(fp);
    assert_true(headers >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_log), cmocka_unit_test(test_general_log),
        cmocka_unit_test(test_slow_log),  cmocka_unit_test(test_syslog),
        cmocka_unit_test(test_prefixes),  cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_foreign),   cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_fixtures),  cmocka_unit_test(test_slow_fixture),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    free(held);
    return rc;
}
