/* Unit tests: the ModSecurity decoder (modsecurity): single-line messages
 * with and without a client prefix, serial audit log lines (section A
 * header, section H "Message:"), the JSON audit log (v3 and v2, forced and
 * through the JSON dispatcher); truncation and foreign lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "decode_modsec.h"

/* 2024-03-10T12:00:00Z */
#define NOW (INT64_C(1710072000) * CANH_NS_PER_SEC)

static canh_decode_t *dauto, *dforced;
static canh_event_t *ev;
static char *keep; /* the record copy the event borrows from */

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &dauto, &eb) != CANH_OK)
        return -1;
    o.type = "modsecurity";
    if (canh_decode_create(&o, &dforced, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(dauto);
    canh_decode_destroy(dforced);
    canh_event_destroy(ev);
    free(keep);
    keep = NULL;
    return 0;
}

#include "test_web_util.h"

typedef struct tcase {
    bool auto_detected; /* the registry routes this form to modsecurity */
    const char *line;
    bool partial;
    kv_t f[48];
} tcase_t;

static void check_case(const tcase_t *tc, const char *want_dec)
{
    check_fields(tc->line, tc->partial, tc->f, want_dec);
}


#define ALERT "event.kind", "alert"
#define IDS "event.category", "intrusion_detection"
#define PROVIDER "event.provider", "modsecurity"

static const tcase_t cases[] = {
    /* a v3 message on its own (as libmodsecurity's log callback writes it) */
    {false,
     "ModSecurity: Warning. Matched \"Operator `Rx' with parameter `^[\\d.:]+$' against "
     "variable `REQUEST_HEADERS:Host' (Value: `10.0.0.1' ) [file "
     "\"/etc/modsec/crs/rules/REQUEST-920-PROTOCOL-ENFORCEMENT.conf\"] [line \"736\"] [id "
     "\"920350\"] [rev \"\"] [msg \"Host header is a numeric IP address\"] [data \"10.0.0.1\"] "
     "[severity \"4\"] [ver \"OWASP_CRS/3.3.5\"] [maturity \"0\"] [accuracy \"0\"] [tag "
     "\"application-multi\"] [tag \"attack-protocol\"] [tag \"PCI/6.5.10\"] [hostname "
     "\"10.0.0.1\"] [uri \"/\"] [unique_id \"170531280055.123456\"] [ref \"o0,8v21,8\"]",
     false,
     {{"message", "Warning. Matched \"Operator `Rx' with parameter `^[\\d.:]+$' against variable "
                  "`REQUEST_HEADERS:Host' (Value: `10.0.0.1' )"},
      {ALERT},
      {IDS},
      {PROVIDER},
      {"event.type", "info"},
      {"event.action", "warning"},
      {"modsecurity.rule.file", "/etc/modsec/crs/rules/REQUEST-920-PROTOCOL-ENFORCEMENT.conf"},
      {"modsecurity.rule.line", "736"},
      {"rule.id", "920350"},
      {"rule.version", NULL},
      {"rule.name", "Host header is a numeric IP address"},
      {"modsecurity.data", "10.0.0.1"},
      {"event.severity", "4"},
      {"log.level", "warning"},
      {"rule.ruleset", "OWASP_CRS/3.3.5"},
      {"modsecurity.maturity", "0"},
      {"modsecurity.accuracy", "0"},
      {"modsecurity.tags", "[\"application-multi\",\"attack-protocol\",\"PCI/6.5.10\"]"},
      {"rule.category", "attack-protocol"},
      {"destination.ip", "10.0.0.1"},
      {"url.path", "/"},
      {"transaction.id", "170531280055.123456"},
      {"modsecurity.ref", "o0,8v21,8"},
      {NULL, NULL}}},
    /* a v2 message with Apache's client prefix but no header; escaped
     * quotes in the values */
    {true,
     "[client 203.0.113.66] ModSecurity: Access denied with code 406 (phase 1). Match of \"rx "
     "^OPTIONS$\" against \"REQUEST_METHOD\" required. [file \"/etc/modsecurity/base.conf\"] "
     "[line \"31\"] [id \"960032\"] [rev \"2\"] [msg \"Method is not allowed by policy\"] "
     "[data \"TRACE \\\"x\\\"\"] [severity \"CRITICAL\"] [tag \"POLICY/METHOD_NOT_ALLOWED\"] "
     "[hostname \"www.example.com\"] [uri \"/index.php?x=1\"] [unique_id \"ZaUXcH8AAQEAAC1h\"]",
     false,
     {{"source.ip", "203.0.113.66"},
      {"message", "Access denied with code 406 (phase 1). Match of \"rx ^OPTIONS$\" against "
                  "\"REQUEST_METHOD\" required."},
      {ALERT},
      {IDS},
      {PROVIDER},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"http.response.status_code", "406"},
      {"modsecurity.phase", "1"},
      {"modsecurity.rule.file", "/etc/modsecurity/base.conf"},
      {"modsecurity.rule.line", "31"},
      {"rule.id", "960032"},
      {"rule.version", "2"},
      {"rule.name", "Method is not allowed by policy"},
      {"modsecurity.data", "TRACE \"x\""},
      {"event.severity", "2"},
      {"log.level", "critical"},
      {"modsecurity.tags", "[\"POLICY/METHOD_NOT_ALLOWED\"]"},
      {"destination.domain", "www.example.com"},
      {"url.original", "/index.php?x=1"},
      {"url.path", "/index.php"},
      {"url.query", "x=1"},
      {"transaction.id", "ZaUXcH8AAQEAAC1h"},
      {NULL, NULL}}},
    /* serial audit log, section A header */
    {true,
     "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1 443",
     true,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"transaction.id", "XYZunique"},
      {"source.ip", "1.2.3.4"},
      {"source.port", "51234"},
      {"destination.ip", "10.0.0.1"},
      {"destination.port", "443"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.action", "audit-transaction"},
      {PROVIDER},
      {NULL, NULL}}},
    {true,
     "[15/Jan/2024:17:00:00.123456 +0700] ZaUXcH8AAQEAAC1hcYsAAAAA 2001:db8::66 40000 "
     "2001:db8::1 80",
     true,
     {{"@timestamp", "2024-01-15T10:00:00.123456Z"},
      {"transaction.id", "ZaUXcH8AAQEAAC1hcYsAAAAA"},
      {"source.ip", "2001:db8::66"},
      {"source.port", "40000"},
      {"destination.ip", "2001:db8::1"},
      {"destination.port", "80"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.action", "audit-transaction"},
      {PROVIDER},
      {NULL, NULL}}},
    /* serial audit log, section H */
    {false,
     "Message: Access denied with connection close (phase 2). Pattern match \"union.*select\" "
     "at ARGS:q. [file \"/etc/modsecurity/sqli.conf\"] [line \"9\"] [id \"1000\"] [msg \"SQLi\"] "
     "[severity \"ALERT\"]",
     false,
     {{"message", "Access denied with connection close (phase 2). Pattern match \"union.*select\" "
                  "at ARGS:q."},
      {ALERT},
      {IDS},
      {PROVIDER},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"modsecurity.phase", "2"},
      {"modsecurity.rule.file", "/etc/modsecurity/sqli.conf"},
      {"modsecurity.rule.line", "9"},
      {"rule.id", "1000"},
      {"rule.name", "SQLi"},
      {"event.severity", "1"},
      {"log.level", "alert"},
      {NULL, NULL}}},
    /* JSON audit log, ModSecurity v3 */
    {true,
     "{\"transaction\":{\"client_ip\":\"192.0.2.66\",\"time_stamp\":\"Mon Jan 15 10:00:00 "
     "2024\",\"server_id\":\"d2c4b2f2e0f1a1b9\",\"client_port\":51234,\"host_ip\":\"10.0.0.10\","
     "\"host_port\":443,\"unique_id\":\"170531280012.345678\",\"request\":{\"method\":\"GET\","
     "\"http_version\":1.1,\"uri\":\"/index.php?id=1%27%20or%201=1\",\"headers\":{\"Host\":"
     "\"portal.example.gov.vn\",\"user-agent\":\"sqlmap/1.7\",\"Referer\":"
     "\"https://portal.example.gov.vn/\"}},\"response\":{\"http_code\":403,\"headers\":{"
     "\"Server\":\"nginx\"}},\"producer\":{\"modsecurity\":\"ModSecurity v3.0.12 (Linux)\","
     "\"connector\":\"ModSecurity-nginx v1.0.3\",\"secrules_engine\":\"Enabled\","
     "\"components\":[\"OWASP_CRS/3.3.5\\\"\"]},\"messages\":[{\"message\":\"SQL Injection "
     "Attack Detected via libinjection\",\"details\":{\"match\":\"detected SQLi using "
     "libinjection.\",\"reference\":\"v29,13\",\"ruleId\":\"942100\",\"file\":"
     "\"/etc/nginx/modsec/coreruleset/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf\","
     "\"lineNumber\":\"46\",\"data\":\"Matched Data: s&sos found within ARGS:id: 1' or "
     "1=1\",\"severity\":\"2\",\"ver\":\"OWASP_CRS/3.3.5\",\"rev\":\"\",\"tags\":["
     "\"application-multi\",\"attack-sqli\",\"paranoia-level/1\",\"capec/1000/152/248/66\"],"
     "\"maturity\":\"0\",\"accuracy\":\"0\"}},{\"message\":\"Inbound Anomaly Score Exceeded "
     "(Total Score: 5)\",\"details\":{\"match\":\"Matched \\\"Operator `Ge' with parameter `5' "
     "against variable `TX:ANOMALY_SCORE' (Value: `5' )\",\"reference\":\"\",\"ruleId\":"
     "\"949110\",\"file\":\"/etc/x.conf\",\"lineNumber\":\"80\",\"data\":\"\",\"severity\":"
     "\"2\",\"ver\":\"OWASP_CRS/3.3.5\",\"rev\":\"\",\"tags\":[\"attack-generic\"],"
     "\"maturity\":\"0\",\"accuracy\":\"0\"}}]}}",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "192.0.2.66"},
      {"source.port", "51234"},
      {"destination.ip", "10.0.0.10"},
      {"destination.port", "443"},
      {"transaction.id", "170531280012.345678"},
      {"modsecurity.server_id", "d2c4b2f2e0f1a1b9"},
      {"http.request.method", "GET"},
      {"url.original", "/index.php?id=1%27%20or%201=1"},
      {"url.path", "/index.php"},
      {"url.query", "id=1%27%20or%201=1"},
      {"http.version", "1.1"},
      {"url.domain", "portal.example.gov.vn"},
      {"destination.domain", "portal.example.gov.vn"},
      {"user_agent.original", "sqlmap/1.7"},
      {"http.request.referrer", "https://portal.example.gov.vn/"},
      {"http.response.status_code", "403"},
      {"modsecurity.producer", "ModSecurity v3.0.12 (Linux)"},
      {"modsecurity.connector", "ModSecurity-nginx v1.0.3"},
      {"modsecurity.engine_mode", "Enabled"},
      {"rule.id", "942100"},
      {"rule.name", "SQL Injection Attack Detected via libinjection"},
      {"message", "SQL Injection Attack Detected via libinjection"},
      {"event.severity", "2"},
      {"log.level", "critical"},
      {"modsecurity.match", "detected SQLi using libinjection."},
      {"modsecurity.data", "Matched Data: s&sos found within ARGS:id: 1' or 1=1"},
      {"modsecurity.rule.file",
       "/etc/nginx/modsec/coreruleset/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"},
      {"modsecurity.rule.line", "46"},
      {"rule.ruleset", "OWASP_CRS/3.3.5"},
      {"rule.version", NULL},
      {"modsecurity.ref", "v29,13"},
      {"modsecurity.tags",
       "[\"application-multi\",\"attack-sqli\",\"paranoia-level/1\",\"capec/1000/152/248/66\"]"},
      {"rule.category", "attack-sqli"},
      {"modsecurity.rule_ids", "[\"942100\",\"949110\"]"},
      {"modsecurity.message_count", "2"},
      {ALERT},
      {IDS},
      {PROVIDER},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {NULL, NULL}}},
    /* v3 with SecAuditEngine On: a transaction without messages */
    {true,
     "{\"transaction\":{\"client_ip\":\"192.0.2.1\",\"time_stamp\":\"Mon Jan 15 10:00:05 2024\","
     "\"server_id\":\"s1\",\"client_port\":40000,\"host_ip\":\"10.0.0.10\",\"host_port\":80,"
     "\"unique_id\":\"1705\",\"request\":{\"method\":\"GET\",\"http_version\":2.0,\"uri\":\"/\","
     "\"headers\":{}},\"response\":{\"http_code\":200,\"headers\":{}},\"producer\":{},"
     "\"messages\":[]}}",
     false,
     {{"@timestamp", "2024-01-15T10:00:05.000000Z"},
      {"source.ip", "192.0.2.1"},
      {"source.port", "40000"},
      {"destination.ip", "10.0.0.10"},
      {"destination.port", "80"},
      {"transaction.id", "1705"},
      {"modsecurity.server_id", "s1"},
      {"http.request.method", "GET"},
      {"url.original", "/"},
      {"url.path", "/"},
      {"http.version", "2.0"},
      {"http.response.status_code", "200"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "access"},
      {"event.action", "http_request"},
      {PROVIDER},
      {NULL, NULL}}},
    /* JSON audit log, ModSecurity 2.9 */
    {true,
     "{\"transaction\":{\"time\":\"15/Jan/2024:17:00:00 +0700\",\"transaction_id\":"
     "\"ZaUXcH8AAQEAAC1hcYsAAAAA\",\"remote_address\":\"203.0.113.66\",\"remote_port\":44120,"
     "\"local_address\":\"10.0.0.1\",\"local_port\":80},\"request\":{\"request_line\":\"GET "
     "/download.php?file=/etc/passwd HTTP/1.1\",\"headers\":{\"Host\":\"portal.example.gov.vn\","
     "\"User-Agent\":\"curl/8.5.0\",\"Accept\":\"*/*\"}},\"response\":{\"protocol\":"
     "\"HTTP/1.1\",\"status\":403,\"headers\":{}},\"audit_data\":{\"messages\":[\"Access denied "
     "with code 403 (phase 2). Matched phrase \\\"/etc/passwd\\\" at ARGS:file. [file "
     "\\\"/usr/share/modsecurity-crs/rules/REQUEST-930-APPLICATION-ATTACK-LFI.conf\\\"] [line "
     "\\\"113\\\"] [id \\\"930120\\\"] [msg \\\"OS File Access Attempt\\\"] [data \\\"Matched "
     "Data: etc/passwd found within ARGS:file: /etc/passwd\\\"] [severity \\\"CRITICAL\\\"] "
     "[ver \\\"OWASP_CRS/3.3.4\\\"] [tag \\\"attack-lfi\\\"]\",\"Warning. Operator GE matched 5 "
     "at TX:anomaly_score. [file \\\"/usr/share/modsecurity-crs/rules/"
     "REQUEST-949-BLOCKING-EVALUATION.conf\\\"] [line \\\"80\\\"] [id \\\"949110\\\"] [msg "
     "\\\"Inbound Anomaly Score Exceeded (Total Score: 5)\\\"] [severity \\\"CRITICAL\\\"] [tag "
     "\\\"attack-generic\\\"]\"],\"error_messages\":[],\"action\":{\"intercepted\":true,"
     "\"phase\":2,\"message\":\"Matched phrase\"},\"handler\":\"proxy-server\",\"producer\":["
     "\"ModSecurity for Apache/2.9.7 (http://www.modsecurity.org/)\",\"OWASP_CRS/3.3.4\"],"
     "\"server\":\"Apache\",\"engine_mode\":\"ENABLED\"}}",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"transaction.id", "ZaUXcH8AAQEAAC1hcYsAAAAA"},
      {"source.ip", "203.0.113.66"},
      {"source.port", "44120"},
      {"destination.ip", "10.0.0.1"},
      {"destination.port", "80"},
      {"http.request.method", "GET"},
      {"url.original", "/download.php?file=/etc/passwd"},
      {"url.path", "/download.php"},
      {"url.query", "file=/etc/passwd"},
      {"http.version", "1.1"},
      {"url.domain", "portal.example.gov.vn"},
      {"destination.domain", "portal.example.gov.vn"},
      {"user_agent.original", "curl/8.5.0"},
      {"http.response.status_code", "403"},
      {"modsecurity.server", "Apache"},
      {"modsecurity.producer", "ModSecurity for Apache/2.9.7 (http://www.modsecurity.org/)"},
      {"message", "Access denied with code 403 (phase 2). Matched phrase \"/etc/passwd\" at "
                  "ARGS:file."},
      {ALERT},
      {IDS},
      {PROVIDER},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"modsecurity.phase", "2"},
      {"modsecurity.rule.file",
       "/usr/share/modsecurity-crs/rules/REQUEST-930-APPLICATION-ATTACK-LFI.conf"},
      {"modsecurity.rule.line", "113"},
      {"rule.id", "930120"},
      {"rule.name", "OS File Access Attempt"},
      {"modsecurity.data", "Matched Data: etc/passwd found within ARGS:file: /etc/passwd"},
      {"event.severity", "2"},
      {"log.level", "critical"},
      {"rule.ruleset", "OWASP_CRS/3.3.4"},
      {"modsecurity.tags", "[\"attack-lfi\"]"},
      {"rule.category", "attack-lfi"},
      {"modsecurity.rule_ids", "[\"930120\",\"949110\"]"},
      {"modsecurity.message_count", "2"},
      {NULL, NULL}}},
};

static void test_cases(void **st)
{
    (void)st;
    /* The JSON dispatcher reaches the v3/v2 decoder through this symbol. */
    assert_non_null(&canh_dec_json_modsec);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *l = cases[i].line;
        decode_n(dforced, l, strlen(l), ev);
        check_case(&cases[i], "modsecurity");
        assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_EVENT_DATASET), "modsecurity"));
        if (cases[i].auto_detected) {
            decode_n(dauto, l, strlen(l), ev);
            check_case(&cases[i], "modsecurity");
        }
    }
}

/* The parser shared with the error log decoders, called directly. */
static void test_msg_api(void **st)
{
    (void)st;
    canh_event_reset(ev, CANH_STR_NULL);
    canh_str_t tail;
    const char *m = "ModSecurity: Warning. x [id \"1\"] [tag \"a\\\"b\"] [tag \"\x01\xff\"], "
                    "client: 1.2.3.4";
    assert_true(canh_modsec_msg(ev, canh_str_c(m), &tail));
    assert_true(canh_str_eq_c(tail, ", client: 1.2.3.4"));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_RULE_ID), "1"));
    canh_str_t tags;
    assert_int_equal(canh_event_get_name(ev, canh_str_c("modsecurity.tags"), &tags, NULL), CANH_OK);
    /* valid JSON: quote escaped, control byte as \u0001, invalid UTF-8 as U+FFFD */
    assert_true(canh_str_eq_c(tags, "[\"a\\\"b\",\"\\u0001\\ufffd\"]"));

    /* Not ModSecurity: untouched. */
    canh_event_reset(ev, CANH_STR_NULL);
    assert_false(canh_modsec_msg(ev, canh_str_c("File does not exist: /x"), &tail));
    assert_false(canh_modsec_msg(ev, canh_str_c("text [id 5]"), &tail));
    assert_false(canh_event_has(ev, CANH_F_EVENT_KIND));
    assert_int_equal(ev->nkv, 0);

    /* An unterminated field stops the field loop; the rest is the tail. */
    canh_event_reset(ev, CANH_STR_NULL);
    assert_true(
        canh_modsec_msg(ev, canh_str_c("ModSecurity: Warning. [id \"7\"] [msg \"cut"), &tail));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_RULE_ID), "7"));
    assert_false(canh_event_has(ev, CANH_F_RULE_NAME));
    assert_true(canh_str_eq_c(tail, "[msg \"cut"));
}

/* ---- truncation, damage, foreign lines ------------------------------------------------ */

static bool prefix_rel(canh_str_t a, canh_str_t b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    return n == 0 || memcmp(a.p, b.p, n) == 0;
}

static void test_prefixes(void **st)
{
    (void)st;
    canh_event_t *full = canh_event_create();
    assert_non_null(full);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *line = cases[c].line;
        size_t n = strlen(line);
        canh_decode_record(dforced, line, n, full);
        for (size_t k = 0; k < n; k++) {
            for (int pass = 0; pass < 2; pass++) {
                decode_n(pass ? dforced : dauto, line, k, ev);
                if (ev->decoder != CANH_DEC_MODSEC)
                    continue;
                /* A cut JSON document does not parse. */
                assert_true(line[0] != '{');
                for (int i = 0; i < CANH_F__COUNT; i++) {
                    if (i == CANH_F_EVENT_DATASET || !canh_event_has(ev, (canh_field_t)i))
                        continue;
                    canh_str_t a = ev->f[i], b = canh_event_get(full, (canh_field_t)i);
                    /* What the cut hid may classify differently. */
                    if (i == CANH_F_EVENT_TYPE || i == CANH_F_EVENT_ACTION)
                        continue;
                    if (!b.p || !prefix_rel(a, b))
                        fail_msg("prefix %zu of \"%s\": %s = \"%.*s\" (whole: \"%.*s\")", k, line,
                                 canh_field_name((canh_field_t)i), (int)a.n, a.p, (int)b.n,
                                 b.p ? b.p : "");
                }
            }
        }
    }
    canh_event_destroy(full);
}

static void test_foreign(void **st)
{
    (void)st;
    static const char *const lines[] = {
        "Jul  7 10:51:24 host httpd[1]: ModSecurity: Warning. [id \"1\"]",
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
        "[Thu Dec 15 23:49:07 2005] [error] [client 85.107.239.37] File does not exist: /x",
        "[client 1.2.3.4] File does not exist: /x",
        "[client 1.2.3.4 ModSecurity: Warning. [id \"1\"]",
        "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1",
        "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1 443 extra",
        "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 70000 10.0.0.1 443",
        "[15/Jan/2024:10:00:00 +0000] XYZunique host 51234 10.0.0.1 443",
        "--abcd1234-A--",
        "--abcd1234-H--",
        "Message: nothing to see here",
        "ModSecurity",
        "ModSecurit: x",
        "{\"transaction\":{\"foo\":1}}",
        "{\"transaction\":[1,2]}",
        "{\"a\":1}",
        "{\"transaction\":{\"client_ip\":\"1.2.3.4\"",
        "{not json}",
        "2024/01/15 10:00:00 [error] 1#1: *1 ModSecurity: Warning. [id \"1\"]",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        decode_n(dforced, lines[i], strlen(lines[i]), ev);
        if (ev->decoder != CANH_DEC_GENERIC)
            fail_msg("\"%s\" claimed by forced modsecurity", lines[i]);
        decode_n(dauto, lines[i], strlen(lines[i]), ev);
        if (ev->decoder == CANH_DEC_MODSEC)
            fail_msg("\"%s\" claimed by modsecurity", lines[i]);
    }
}

/* Sample file: one record per line, all ours when forced. */
static void test_fixture(void **st)
{
    (void)st;
    FILE *f = fopen(CANH_FIXTURES "/web/modsecurity.log", "r");
    assert_non_null(f);
    char line[16384];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len <= 1)
            continue;
        decode_n(dforced, line, len, ev);
        if (ev->decoder != CANH_DEC_MODSEC)
            fail_msg("not decoded: %s", line);
        assert_true(canh_event_has(ev, CANH_F_EVENT_KIND));
        n++;
    }
    fclose(f);
    assert_true(n >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),    cmocka_unit_test(test_msg_api),
        cmocka_unit_test(test_prefixes), cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_fixture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
