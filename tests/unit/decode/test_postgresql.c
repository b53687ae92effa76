/* test_postgresql.c - the PostgreSQL decoder (decode_postgresql.c): stderr
 * lines behind the usual log_line_prefix forms, csvlog, jsonlog, syslog, and
 * what it must not claim. */
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

#define DB_TYPE "postgresql"
#include "test_db_util.h"

/* ---- stderr lines ---------------------------------------------------------- */

static const tcase_t stderr_cases[] = {
    {"2024-01-15 10:00:00.123 UTC [12345] LOG:  statement: SELECT 1",
     {{"@timestamp", "2024-01-15T10:00:00.123000Z"},
      {"process.pid", "12345"},
      {"log.level", "LOG"},
      {"db.statement", "SELECT 1"},
      {"message", "statement: SELECT 1"},
      {"event.action", "db_query"},
      {"event.category", "database"},
      {"event.type", "access"},
      {"user.name", NULL},
      {"partial", "0"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:00 +07 [123] bob@shop FATAL:  password authentication failed for user "
     "\"bob\"",
     {{"@timestamp", "2024-01-15T03:00:00.000000Z"},
      {"process.pid", "123"},
      {"user.name", "bob"},
      {"db.user", "bob"},
      {"db.name", "shop"},
      {"log.level", "FATAL"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {"event.category", "authentication"},
      {"event.type", "start"},
      {"postgresql.log.auth_method", "password"},
      {"postgresql.log.timezone", NULL},
      {NULL, NULL}}},
    {"2024-01-15 10:00:00.123 UTC [1234] postgres@mydb LOG:  duration: 1.234 ms  statement: "
     "SELECT * FROM users WHERE id = 1",
     {{"@timestamp", "2024-01-15T10:00:00.123000Z"},
      {"process.pid", "1234"},
      {"user.name", "postgres"},
      {"db.name", "mydb"},
      {"event.duration", "1234000"},
      {"db.statement", "SELECT * FROM users WHERE id = 1"},
      {"event.action", "db_query"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:00.500 UTC [1234] postgres@mydb LOG:  duration: 0.042 ms  execute "
     "<unnamed>: SELECT name FROM items WHERE id = $1",
     {{"event.duration", "42000"},
      {"db.statement", "SELECT name FROM items WHERE id = $1"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:01.456 UTC [2201] [unknown]@[unknown] LOG:  connection received: "
     "host=203.0.113.7 port=52814",
     {{"process.pid", "2201"},
      {"user.name", NULL},
      {"db.name", NULL},
      {"source.ip", "203.0.113.7"},
      {"source.port", "52814"},
      {"event.action", "db_connection_received"},
      {"event.category", "network"},
      {"event.type", "connection"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:01.457 UTC [2202] [unknown]@[unknown] LOG:  connection received: "
     "host=[local]",
     {{"source.address", NULL},
      {"source.ip", NULL},
      {"event.action", "db_connection_received"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:01.460 UTC [2201] app@shop LOG:  connection authorized: user=app "
     "database=shop application_name=psql",
     {{"user.name", "app"},
      {"db.name", "shop"},
      {"event.action", "db_login"},
      {"event.outcome", "success"},
      {"event.category", "authentication"},
      {"event.type", "start"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:02.001 UTC [2202] bob@shop FATAL:  no pg_hba.conf entry for host "
     "\"198.51.100.23\", user \"bob\", database \"shop\", no encryption",
     {{"source.ip", "198.51.100.23"},
      {"user.name", "bob"},
      {"db.name", "shop"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:02.001 UTC [2202] bob@shop DETAIL:  Connection matched pg_hba.conf line "
     "95: \"host all all 0.0.0.0/0 md5\"",
     {{"log.level", "DETAIL"},
      {"message", "Connection matched pg_hba.conf line 95: \"host all all 0.0.0.0/0 md5\""},
      {"event.action", NULL},
      {"process.pid", "2202"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:03 CET [2203] FATAL:  role \"mallory\" does not exist",
     {{"@timestamp", "2024-01-15T10:00:03.000000Z"},
      {"postgresql.log.timezone", "CET"},
      {"user.name", "mallory"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:04.010 UTC [2204-1] app@shop ERROR:  syntax error at or near \"SELEC\" "
     "at character 1",
     {{"process.pid", "2204"},
      {"postgresql.log.session_line_number", "1"},
      {"log.level", "ERROR"},
      {"event.type", "error"},
      {"event.action", "db_syntax_error"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:04.010 UTC [2204-2] app@shop STATEMENT:  SELEC * FROM orders",
     {{"log.level", "STATEMENT"},
      {"db.statement", "SELEC * FROM orders"},
      {"postgresql.log.session_line_number", "2"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:05 UTC [2205]: [3-1] user=app,db=shop,app=psql,client=203.0.113.7 LOG:  "
     "disconnection: session time: 0:00:01.234 user=app database=shop host=203.0.113.7 "
     "port=52814",
     {{"process.pid", "2205"},
      {"postgresql.log.session_line_number", "3"},
      {"postgresql.log.application_name", "psql"},
      {"user.name", "app"},
      {"db.name", "shop"},
      {"source.ip", "203.0.113.7"},
      {"source.port", "52814"},
      {"postgresql.log.session_time", "0:00:01.234"},
      {"event.action", "db_logout"},
      {"event.type", "end"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:06.000 UTC [2206] postgres@postgres ERROR:  permission denied for table "
     "salaries",
     {{"event.action", "db_permission_denied"},
      {"event.type", "denied"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:06.500 UTC [2206] postgres@postgres ERROR:  relation \"nope\" does not "
     "exist at character 15",
     {{"event.type", "error"}, {"event.action", NULL}, {NULL, NULL}}},
    {"2024-01-15 10:00:07.000 -05 [77] LOG:  database system is ready to accept connections",
     {{"@timestamp", "2024-01-15T15:00:07.000000Z"},
      {"event.action", "db_started"},
      {"event.type", "start"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:07 UTC LOG:  checkpoint starting: time",
     {{"@timestamp", "2024-01-15T10:00:07.000000Z"},
      {"process.pid", NULL},
      {"message", "checkpoint starting: time"},
      {NULL, NULL}}},
    {"1705312800.123 [4242] LOG:  autovacuum launcher started",
     {{"@timestamp", "2024-01-15T10:00:00.123000Z"}, {"process.pid", "4242"}, {NULL, NULL}}},
    {"2024-01-15 10:00:11.000 UTC [1234] postgres@mydb LOG: could not receive data from client: "
     "Connection reset by peer",
     {{"message", "could not receive data from client: Connection reset by peer"},
      {"event.type", "info"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:12.000 UTC [1300] 10.1.2.3(50211) app@shop psql LOG:  statement: BEGIN",
     {{"source.ip", "10.1.2.3"},
      {"source.port", "50211"},
      {"db.statement", "BEGIN"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:13.000 UTC [1301] bob@shop FATAL:  Ident authentication failed for user "
     "\"bob\"",
     {{"postgresql.log.auth_method", "Ident"}, {"event.action", "db_login_failed"}, {NULL, NULL}}},
    {"2024-01-15 10:00:14.000 UTC [1302] ERROR:  role \"mallory\" does not exist",
     {{"event.action", NULL}, {"event.type", "error"}, {NULL, NULL}}},
    /* Amazon RDS: '%t:%r:%u@%d:[%p]:' */
    {"2024-01-15 10:00:15 UTC:10.0.0.1(52814):bob@shop:[1234]:FATAL:  password authentication "
     "failed for user \"bob\"",
     {{"@timestamp", "2024-01-15T10:00:15.000000Z"},
      {"source.ip", "10.0.0.1"},
      {"source.port", "52814"},
      {"user.name", "bob"},
      {"db.name", "shop"},
      {"process.pid", "1234"},
      {"event.action", "db_login_failed"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:16 UTC::@:[567]:LOG:  checkpoint starting: time",
     {{"process.pid", "567"},
      {"user.name", NULL},
      {"db.name", NULL},
      {"source.ip", NULL},
      {"message", "checkpoint starting: time"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:17 UTC:[local]:app@shop:[568]:LOG:  statement: SELECT 1",
     {{"db.statement", "SELECT 1"}, {"user.name", "app"}, {"source.address", NULL}, {NULL, NULL}}},
    {"2024-01-15 10:00:18 UTC:2001:db8::7(40000):app@shop:[569]:LOG:  connection authorized: "
     "user=app database=shop",
     {{"source.ip", "2001:db8::7"},
      {"source.port", "40000"},
      {"event.action", "db_login"},
      {NULL, NULL}}},
    {"LOG:  checkpoint complete: wrote 3 buffers (0.0%)",
     {{"log.level", "LOG"},
      {"message", "checkpoint complete: wrote 3 buffers (0.0%)"},
      {NULL, NULL}}},
};

static void test_stderr(void **state)
{
    run_cases(*state, stderr_cases, sizeof stderr_cases / sizeof stderr_cases[0],
              CANH_DEC_POSTGRESQL);
}

/* A zone-less timestamp follows the reference zone. */
static void test_ref_zone(void **state)
{
    (void)state;
    canh_decode_t *d = mk(NULL, 7 * 3600);
    canh_event_t *ev = canh_event_create();
    const char *l = "2024-01-15 10:00:00 [99] LOG:  statement: SELECT 1";
    decode_n(d, ev, l, strlen(l));
    tcase_t tc = {l, {{"@timestamp", "2024-01-15T03:00:00.000000Z"}, {NULL, NULL}}};
    assert_int_equal(ev->decoder, CANH_DEC_POSTGRESQL);
    check_fields(ev, &tc);
    /* A named zone: read in the reference zone, the name kept. */
    l = "2024-01-15 10:00:00 ICT [99] LOG:  statement: SELECT 1";
    decode_n(d, ev, l, strlen(l));
    tcase_t tc2 = {l,
                   {{"@timestamp", "2024-01-15T03:00:00.000000Z"},
                    {"postgresql.log.timezone", "ICT"},
                    {NULL, NULL}}};
    check_fields(ev, &tc2);
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

/* ---- csvlog ------------------------------------------------------------------ */

static const tcase_t csv_cases[] = {
    {"2024-01-15 10:00:08.123 UTC,\"bob\",\"shop\",2207,\"198.51.100.23:40022\",65a4f0e0.89f,1,"
     "\"authentication\",2024-01-15 10:00:08 UTC,3/12,0,FATAL,28P01,\"password authentication "
     "failed for user \"\"bob\"\"\",\"Connection matched pg_hba.conf line 95: \"\"host all all "
     "0.0.0.0/0 md5\"\"\",,,,,,,,\"\",\"client backend\",,0",
     {{"@timestamp", "2024-01-15T10:00:08.123000Z"},
      {"user.name", "bob"},
      {"db.name", "shop"},
      {"process.pid", "2207"},
      {"source.ip", "198.51.100.23"},
      {"source.port", "40022"},
      {"log.level", "FATAL"},
      {"postgresql.log.sql_state_code", "28P01"},
      {"error.code", "28P01"},
      {"message", "password authentication failed for user \"bob\""},
      {"postgresql.log.detail", "Connection matched pg_hba.conf line 95: \"host all all "
                                "0.0.0.0/0 md5\""},
      {"postgresql.log.session_id", "65a4f0e0.89f"},
      {"postgresql.log.session_line_number", "1"},
      {"postgresql.log.command_tag", "authentication"},
      {"postgresql.log.virtual_transaction_id", "3/12"},
      {"postgresql.log.transaction_id", NULL},
      {"postgresql.log.backend_type", "client backend"},
      {"event.action", "db_login_failed"},
      {"event.outcome", "failure"},
      {"partial", "0"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:09.500 UTC,\"app\",\"shop\",2208,\"[local]\",65a4f0e1.8a0,2,\"SELECT\","
     "2024-01-15 10:00:05 UTC,4/7,0,ERROR,42601,\"syntax error at or near \"\"FORM\"\"\",,,,,,"
     "\"SELECT * FORM orders\",15,,\"psql\",\"client backend\",,0",
     {{"db.statement", "SELECT * FORM orders"},
      {"postgresql.log.query", "SELECT * FORM orders"},
      {"postgresql.log.application_name", "psql"},
      {"source.ip", NULL},
      {"source.address", NULL},
      {"event.action", "db_syntax_error"},
      {"event.type", "error"},
      {NULL, NULL}}},
    {"2024-01-15 10:00:10.000 UTC,\"app\",\"shop\",2209,\"10.0.0.8:51000\",65a4f0e2.8a1,3,"
     "\"idle\",2024-01-15 10:00:00 UTC,5/1,0,LOG,00000,\"statement: UPDATE accounts SET balance "
     "= balance - 100 WHERE id = 7\",,,,,,,,,\"psql\",\"client backend\",,0",
     {{"db.statement", "UPDATE accounts SET balance = balance - 100 WHERE id = 7"},
      {"error.code", NULL},
      {"source.ip", "10.0.0.8"},
      {"event.action", "db_query"},
      {NULL, NULL}}},
    /* PostgreSQL 12: 23 columns. */
    {"2024-01-15 10:00:11.000 +07,\"app\",\"shop\",2210,\"::1:51001\",65a4f0e3.8a2,1,\"idle\","
     "2024-01-15 10:00:00 +07,6/1,0,LOG,00000,\"connection authorized: user=app database=shop\","
     ",,,,,,,,\"\"",
     {{"@timestamp", "2024-01-15T03:00:11.000000Z"},
      {"source.ip", "::1"},
      {"source.port", "51001"},
      {"event.action", "db_login"},
      {NULL, NULL}}},
    /* A message spanning lines: the first line is a partial record. */
    {"2024-01-15 10:00:12.000 UTC,\"app\",\"shop\",2211,\"10.0.0.8:51002\",65a4f0e4.8a3,1,"
     "\"SELECT\",2024-01-15 10:00:00 UTC,7/1,0,LOG,00000,\"statement: SELECT *",
     {{"partial", "1"}, {"db.statement", "SELECT *"}, {NULL, NULL}}},
};

static void test_csv(void **state)
{
    run_cases(*state, csv_cases, sizeof csv_cases / sizeof csv_cases[0], CANH_DEC_POSTGRESQL);
}

/* ---- jsonlog ------------------------------------------------------------------- */

static void test_json(void **state)
{
    fx_t *f = *state;
    const char *doc =
        "{\"timestamp\":\"2024-01-15 10:00:12.345 UTC\",\"user\":\"bob\",\"dbname\":\"shop\","
        "\"pid\":2210,\"remote_host\":\"198.51.100.23\",\"remote_port\":40100,\"session_id\":"
        "\"65a4f0e3.8a2\",\"line_num\":1,\"ps\":\"authentication\",\"session_start\":\"2024-01-15 "
        "10:00:12 UTC\",\"vxid\":\"6/3\",\"txid\":0,\"error_severity\":\"FATAL\",\"state_code\":"
        "\"28P01\",\"message\":\"password authentication failed for user \\\"bob\\\"\","
        "\"detail\":\"Connection matched file \\\"/etc/postgresql/16/main/pg_hba.conf\\\" line "
        "95\",\"backend_type\":\"client backend\",\"query_id\":0}";
    json_error_t je;
    json_t *root = json_loads(doc, 0, &je);
    assert_non_null(root);
    canh_event_reset(f->ev, canh_str_c(doc));
    f->ev->flags = CANH_EVF_NO_TIME;
    assert_int_equal(canh_dec_json_postgresql(f->autod, root, f->ev), CANH_OK);
    json_decref(root); /* every value must have been copied */
    tcase_t tc = {doc,
                  {{"@timestamp", "2024-01-15T10:00:12.345000Z"},
                   {"user.name", "bob"},
                   {"db.name", "shop"},
                   {"process.pid", "2210"},
                   {"source.ip", "198.51.100.23"},
                   {"source.port", "40100"},
                   {"log.level", "FATAL"},
                   {"postgresql.log.sql_state_code", "28P01"},
                   {"postgresql.log.session_line_number", "1"},
                   {"postgresql.log.command_tag", "authentication"},
                   {"postgresql.log.backend_type", "client backend"},
                   {"event.action", "db_login_failed"},
                   {"event.outcome", "failure"},
                   {"message", "password authentication failed for user \"bob\""},
                   {NULL, NULL}}};
    assert_int_equal(f->ev->decoder, CANH_DEC_POSTGRESQL);
    check_fields(f->ev, &tc);
    check_sane(f->ev, doc);

    const char *doc2 = "{\"timestamp\":\"2024-01-15 10:00:13.000 UTC\",\"user\":\"app\","
                       "\"dbname\":\"shop\",\"pid\":2211,\"error_severity\":\"ERROR\","
                       "\"state_code\":\"42601\",\"message\":\"syntax error at or near "
                       "\\\"FORM\\\"\",\"statement\":\"SELECT * FORM t\"}";
    root = json_loads(doc2, 0, &je);
    assert_non_null(root);
    canh_event_reset(f->ev, canh_str_c(doc2));
    assert_int_equal(canh_dec_json_postgresql(f->autod, root, f->ev), CANH_OK);
    json_decref(root);
    tcase_t tc2 = {doc2,
                   {{"db.statement", "SELECT * FORM t"},
                    {"error.code", "42601"},
                    {"event.type", "error"},
                    {NULL, NULL}}};
    check_fields(f->ev, &tc2);

    /* With the type forced, a jsonlog line goes through the record path. */
    decode_n(f->forced, f->ev, doc, strlen(doc));
    assert_int_equal(f->ev->decoder, CANH_DEC_POSTGRESQL);
    check_fields(f->ev, &tc);

    /* Not jsonlog. */
    const char *others[] = {
        "{\"timestamp\":\"2024-01-15T10:00:00Z\",\"event_type\":\"alert\"}",
        "{\"error_severity\":\"LOG\"}",
        "[1,2]",
        "{\"timestamp\":1,\"error_severity\":\"LOG\"}",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        root = json_loads(others[i], 0, &je);
        assert_non_null(root);
        canh_event_reset(f->ev, canh_str_c(others[i]));
        assert_int_equal(canh_dec_json_postgresql(f->autod, root, f->ev), CANH_ENOMATCH);
        json_decref(root);
    }
}

/* ---- syslog --------------------------------------------------------------------- */

static const tcase_t syslog_cases[] = {
    {"Jan 15 10:00:00 db1 postgres[2211]: [3-1] user=app,db=shop LOG:  statement: SELECT 2",
     {{"process.pid", "2211"},
      {"host.name", "db1"},
      {"user.name", "app"},
      {"db.name", "shop"},
      {"db.statement", "SELECT 2"},
      {"log.level", "LOG"},
      {NULL, NULL}}},
    {"Jan 15 10:00:01 db1 postgres[2212]: [5-1] FATAL:  password authentication failed for "
     "user \"root\"",
     {{"user.name", "root"}, {"event.action", "db_login_failed"}, {NULL, NULL}}},
    {"Jan 15 10:00:01 db1 postgres[2211]: [3-2] #011FROM orders",
     {{"message", "#011FROM orders"}, {"partial", "1"}, {NULL, NULL}}},
    {"<134>Jan 15 10:00:02 db1 postgresql[2213]: 2024-01-15 10:00:02.500 UTC [2213] "
     "bob@shop LOG:  connection authorized: user=bob database=shop",
     {{"@timestamp", "2024-01-15T10:00:02.500000Z"},
      {"event.action", "db_login"},
      {"user.name", "bob"},
      {NULL, NULL}}},
};

static void test_syslog(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof syslog_cases / sizeof syslog_cases[0]; i++) {
        const tcase_t *tc = &syslog_cases[i];
        decode_n(f->autod, f->ev, tc->line, strlen(tc->line));
        if (f->ev->decoder != CANH_DEC_POSTGRESQL)
            fail_msg("%s\n  decoded as %s", tc->line, canh_decode_name(f->ev->decoder));
        check_fields(f->ev, tc);
        check_sane(f->ev, tc->line);
    }
    /* The program decoder on its own. */
    canh_syslog_hdr_t h = {canh_str_c("db1"), canh_str_c("postgres"), canh_str_c("1")};
    const char *m = "[7-1] LOG:  connection received: host=10.0.0.1 port=5000";
    canh_event_reset(f->ev, canh_str_c(m));
    assert_int_equal(canh_prog_postgres(f->autod, &h, canh_str_c(m), f->ev), CANH_OK);
    assert_int_equal(f->ev->decoder, CANH_DEC_POSTGRESQL);
    tcase_t tc = {m, {{"source.ip", "10.0.0.1"}, {"process.pid", NULL}, {NULL, NULL}}};
    check_fields(f->ev, &tc);
}

/* Continuation lines: only with the type forced. */
static void test_continuation(void **state)
{
    fx_t *f = *state;
    const char *l = "\tFROM orders WHERE id = 3";
    decode_n(f->forced, f->ev, l, strlen(l));
    assert_int_equal(f->ev->decoder, CANH_DEC_POSTGRESQL);
    assert_true(f->ev->flags & CANH_EVF_PARTIAL);
    tcase_t tc = {l, {{"message", "FROM orders WHERE id = 3"}, {NULL, NULL}}};
    check_fields(f->ev, &tc);
    decode_n(f->autod, f->ev, l, strlen(l));
    assert_int_not_equal(f->ev->decoder, CANH_DEC_POSTGRESQL);
}

/* ---- robustness ------------------------------------------------------------------- */

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
    for (size_t i = 0; i < sizeof stderr_cases / sizeof stderr_cases[0]; i++)
        all_prefixes(f, stderr_cases[i].line);
    for (size_t i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++)
        all_prefixes(f, csv_cases[i].line);
    for (size_t i = 0; i < sizeof syslog_cases / sizeof syslog_cases[0]; i++)
        all_prefixes(f, syslog_cases[i].line);
}

/* Prefixes that stop inside the severity or the timestamp are not claimed. */
static void test_truncated(void **state)
{
    fx_t *f = *state;
    const char *cut[] = {
        "2024-01-15 10:00:00.123 UTC [12345] LO",
        "2024-01-15 10:00:00.123 UTC [12345] LOG",
        "2024-01-15 10:00:00.123 UTC [12345]",
        "2024-01-15 10:00:00.123 UTC",
        "2024-01-15 10:0",
        "2024-01-15 10:00:00.123 UTC,\"bob\",\"shop\",2207",
        "LOG: x",
        "LOG:",
    };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        canh_event_reset(f->ev, canh_str_c(cut[i]));
        if (canh_dec_postgresql(f->autod, canh_str_c(cut[i]), f->ev) == CANH_OK)
            fail_msg("claimed truncated \"%s\"", cut[i]);
    }
}

static const char *const foreign[] = {
    "2024-01-15T10:00:00+07:00 web1 sshd[1234]: Failed password for root from 203.0.113.7 "
    "port 22 ssh2",
    "2024-01-15T10:00:00+07:00 db1 postgres[123]: [1-1] LOG:  statement: SELECT 1",
    "2024-01-15 10:00:00 db1 postgres[123]: [1-1] LOG:  statement: SELECT 1",
    "2024/01/15 10:00:00 [error] 1234#1234: *1 open() \"/var/www/x\" failed (2: No such file or "
    "directory), client: 1.2.3.4, server: x, request: \"GET /x HTTP/1.1\", host: \"x\"",
    "203.0.113.7 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" \"curl/8.0\"",
    "2024-01-15 10:00:00 W3SVC1 10.0.0.1 GET /default.htm - 80 - 203.0.113.7 Mozilla/5.0 200 0 "
    "0 15",
    "2024-01-15 10:00:00 10.0.0.1 GET /index.html - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 31",
    "Jan 15 10:00:00 web1 sshd[1234]: Accepted password for bob from 1.2.3.4 port 22 ssh2",
    "<34>1 2024-01-15T10:00:00Z host app 123 ID47 - message",
    "2024-01-15T10:00:00.123456Z 8 [Note] [MY-010926] [Server] Access denied for user "
    "'root'@'10.0.0.5' (using password: YES)",
    "2024-01-15 10:00:00 0 [Note] InnoDB: Buffer pool(s) load completed",
    "2024-01-15T10:00:00.123456Z\t   12 Query\tSELECT 1",
    "type=SYSCALL msg=audit(1705312800.123:4567): arch=c000003e syscall=59 success=yes",
    "2024-01-15 10:00:00 ERROR: disk full",
    "2024-01-15 10:00:00,123 ERROR something failed",
    "1705312800.123456\tCx1\t1.2.3.4\t1234\t5.6.7.8\t80\ttcp",
    "01/15/2024-10:00:00.123456  [**] [1:2000001:1] ET SCAN x [**] [Priority: 2] {TCP} "
    "1.2.3.4:1 -> 5.6.7.8:80",
    "ERROR: something",
    "CEF:0|Vendor|Product|1.0|100|Name|5|src=1.2.3.4",
};

static void test_foreign(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        canh_str_t s = canh_str_c(foreign[i]);
        canh_event_reset(f->ev, s);
        if (canh_dec_postgresql(f->autod, s, f->ev) == CANH_OK)
            fail_msg("claimed foreign \"%s\"", foreign[i]);
        decode_n(f->autod, f->ev, foreign[i], s.n);
        if (f->ev->decoder == CANH_DEC_POSTGRESQL && i != 1 && i != 2)
            fail_msg("auto-detected as postgresql: \"%s\"", foreign[i]);
    }
}

/* Hostile bytes: random and mutated records never crash and stay sane. */
static void test_garbage(void **state)
{
    fx_t *f = *state;
    uint32_t seed = 12345;
    char buf[256];
    for (int round = 0; round < 3000; round++) {
        const char *base =
            stderr_cases[(size_t)round % (sizeof stderr_cases / sizeof stderr_cases[0])].line;
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

/* Every line of the fixture file is a PostgreSQL record. */
static void test_fixture(void **state)
{
    fx_t *f = *state;
    FILE *fp = fopen(CANH_FIXTURES "/postgresql/postgresql.log", "r");
    assert_non_null(fp);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        decode_n(f->autod, f->ev, line, len);
        if (f->ev->decoder != CANH_DEC_POSTGRESQL)
            fail_msg("fixture line \"%s\" decoded as %s", line, canh_decode_name(f->ev->decoder));
        if (f->ev->flags & (CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME))
            fail_msg("fixture line \"%s\": no time", line);
        check_sane(f->ev, line);
        n++;
    }
    fclose(fp);
    assert_true(n >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stderr),   cmocka_unit_test(test_ref_zone),
        cmocka_unit_test(test_csv),      cmocka_unit_test(test_json),
        cmocka_unit_test(test_syslog),   cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_prefixes), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_foreign),  cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_fixture),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    free(held);
    return rc;
}
