/* Unit tests: the web access log decoder (http_access): NCSA common and
 * combined as Apache and nginx write them, vhost variants, extra trailing
 * fields, escapes, malformed request lines; truncation and foreign lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

/* 2024-03-10T12:00:00Z */
#define NOW (INT64_C(1710072000) * CANH_NS_PER_SEC)

static canh_decode_t *dauto, *dforced;
static canh_event_t *ev;
static char *keep; /* the record copy the event borrows from */

#include "test_web_util.h"

typedef struct tcase {
    const char *line;
    bool partial;
    kv_t f[32];
} tcase_t;

static void check_case(const tcase_t *tc, const char *want_dec)
{
    check_fields(tc->line, tc->partial, tc->f, want_dec);
}

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &dauto, &eb) != CANH_OK)
        return -1;
    o.type = "http_access";
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


#define WEB "event.category", "web"
#define ACCESS "event.type", "access"
#define ACTION "event.action", "http_request"

static const tcase_t cases[] = {
    /* NCSA common (the Apache documentation's own example) */
    {"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
     false,
     {{"@timestamp", "2000-10-10T20:55:36.000000Z"},
      {"source.ip", "127.0.0.1"},
      {"user.name", "frank"},
      {"http.request.method", "GET"},
      {"url.original", "/apache_pb.gif"},
      {"url.path", "/apache_pb.gif"},
      {"url.query", NULL},
      {"http.version", "1.0"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "2326"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* combined */
    {"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
     "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
     false,
     {{"@timestamp", "2000-10-10T20:55:36.000000Z"},
      {"source.ip", "127.0.0.1"},
      {"user.name", "frank"},
      {"http.request.method", "GET"},
      {"url.original", "/apache_pb.gif"},
      {"url.path", "/apache_pb.gif"},
      {"http.version", "1.0"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "2326"},
      {"http.request.referrer", "http://www.example.com/start.html"},
      {"user_agent.original", "Mozilla/4.08 [en] (Win98; I ;Nav)"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* nginx default combined, query string, "-" user and referrer */
    {"203.0.113.9 - - [15/Jan/2024:10:00:00 +0000] \"GET /search?q=canh&page=2 HTTP/1.1\" 404 "
     "153 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "203.0.113.9"},
      {"user.name", NULL},
      {"http.request.method", "GET"},
      {"url.original", "/search?q=canh&page=2"},
      {"url.path", "/search"},
      {"url.query", "q=canh&page=2"},
      {"http.version", "1.1"},
      {"http.response.status_code", "404"},
      {"http.response.body.bytes", "153"},
      {"http.request.referrer", NULL},
      {"user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
                              "Gecko) Chrome/120.0 Safari/537.36"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* nginx "main": X-Forwarded-For appended; a POST answered 500 */
    {"10.1.2.3 - - [15/Jan/2024:10:00:01 +0700] \"POST /api/login HTTP/1.1\" 500 0 "
     "\"https://app.example.vn/\" \"curl/8.5.0\" \"198.51.100.7, 10.0.0.2\"",
     false,
     {{"@timestamp", "2024-01-15T03:00:01.000000Z"},
      {"source.ip", "10.1.2.3"},
      {"http.request.method", "POST"},
      {"url.original", "/api/login"},
      {"url.path", "/api/login"},
      {"http.version", "1.1"},
      {"http.response.status_code", "500"},
      {"http.response.body.bytes", "0"},
      {"http.request.referrer", "https://app.example.vn/"},
      {"user_agent.original", "curl/8.5.0"},
      {"http.access.extra", "\"198.51.100.7, 10.0.0.2\""},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* trailing host and request_time fields */
    {"192.0.2.44 - alice [01/Feb/2024:23:59:59 -0500] \"HEAD / HTTP/2.0\" 301 - \"-\" \"-\" "
     "\"www.example.org\" 0.004",
     false,
     {{"@timestamp", "2024-02-02T04:59:59.000000Z"},
      {"source.ip", "192.0.2.44"},
      {"user.name", "alice"},
      {"http.request.method", "HEAD"},
      {"url.original", "/"},
      {"url.path", "/"},
      {"http.version", "2.0"},
      {"http.response.status_code", "301"},
      {"http.response.body.bytes", NULL},
      {"http.access.extra", "\"www.example.org\" 0.004"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* Apache vhost_combined */
    {"www.example.com:443 198.51.100.23 - - [05/Mar/2024:08:15:02 +0100] \"GET "
     "/wp-login.php HTTP/1.1\" 403 199 \"-\" \"python-requests/2.31.0\"",
     false,
     {{"@timestamp", "2024-03-05T07:15:02.000000Z"},
      {"destination.domain", "www.example.com"},
      {"destination.port", "443"},
      {"url.domain", "www.example.com"},
      {"source.ip", "198.51.100.23"},
      {"http.request.method", "GET"},
      {"url.original", "/wp-login.php"},
      {"url.path", "/wp-login.php"},
      {"http.version", "1.1"},
      {"http.response.status_code", "403"},
      {"http.response.body.bytes", "199"},
      {"user_agent.original", "python-requests/2.31.0"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* IPv6 client */
    {"2001:db8::5:1 - - [15/Jan/2024:10:00:00 +0000] \"GET /index.html HTTP/1.1\" 200 612 "
     "\"-\" \"Wget/1.21\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "2001:db8::5:1"},
      {"http.request.method", "GET"},
      {"url.original", "/index.html"},
      {"url.path", "/index.html"},
      {"http.version", "1.1"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "612"},
      {"user_agent.original", "Wget/1.21"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* a host name instead of an address (HostnameLookups On) */
    {"crawl-66-249-66-1.googlebot.com - - [15/Jan/2024:10:00:00 +0000] \"GET /robots.txt "
     "HTTP/1.1\" 200 68",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.address", "crawl-66-249-66-1.googlebot.com"},
      {"source.domain", "crawl-66-249-66-1.googlebot.com"},
      {"source.ip", NULL},
      {"http.request.method", "GET"},
      {"url.original", "/robots.txt"},
      {"url.path", "/robots.txt"},
      {"http.version", "1.1"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "68"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* TLS bytes on a plain port (nginx escapes them): partial, status kept */
    {"45.155.205.233 - - [15/Jan/2024:10:00:00 +0000] "
     "\"\\x16\\x03\\x01\\x00\\xEE\\x01\\x00\\x00\\xEA\\x03\\x03\" 400 157 \"-\" \"-\"",
     true,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "45.155.205.233"},
      {"http.access.request", "\\x16\\x03\\x01\\x00\\xEE\\x01\\x00\\x00\\xEA\\x03\\x03"},
      {"http.request.method", NULL},
      {"url.original", NULL},
      {"http.response.status_code", "400"},
      {"http.response.body.bytes", "157"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* an empty request ("-": Apache on a 408) */
    {"198.51.100.1 - - [15/Jan/2024:10:00:00 +0000] \"-\" 408 -",
     true,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "198.51.100.1"},
      {"http.response.status_code", "408"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* escaped quotes in the request and the user agent (Apache) */
    {"192.0.2.7 - - [15/Jan/2024:10:00:00 +0000] \"GET /q?x=\\\"><script> HTTP/1.1\" 200 5 "
     "\"-\" \"Mozilla/5.0 \\\"sqlmap\\\" \\\\o/\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "192.0.2.7"},
      {"http.request.method", "GET"},
      {"url.original", "/q?x=\"><script>"},
      {"url.path", "/q"},
      {"url.query", "x=\"><script>"},
      {"http.version", "1.1"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "5"},
      {"user_agent.original", "Mozilla/5.0 \"sqlmap\" \\o/"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* nginx \xHH escapes in the target */
    {"192.0.2.8 - - [15/Jan/2024:10:00:00 +0000] \"GET /a\\x22b HTTP/1.1\" 404 0 \"-\" \"-\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "192.0.2.8"},
      {"http.request.method", "GET"},
      {"url.original", "/a\"b"},
      {"url.path", "/a\"b"},
      {"http.version", "1.1"},
      {"http.response.status_code", "404"},
      {"http.response.body.bytes", "0"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* absolute-form target (a proxy probe) */
    {"185.220.101.4 - - [15/Jan/2024:10:00:00 +0000] \"GET "
     "http://user@check.example.net:8080/proxy/judge.php?x=1 HTTP/1.1\" 404 134 \"-\" \"-\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "185.220.101.4"},
      {"http.request.method", "GET"},
      {"url.original", "http://user@check.example.net:8080/proxy/judge.php?x=1"},
      {"url.scheme", "http"},
      {"url.domain", "check.example.net"},
      {"url.port", "8080"},
      {"url.path", "/proxy/judge.php"},
      {"url.query", "x=1"},
      {"http.version", "1.1"},
      {"http.response.status_code", "404"},
      {"http.response.body.bytes", "134"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* CONNECT (authority form) */
    {"185.220.101.5 - - [15/Jan/2024:10:00:00 +0000] \"CONNECT mail.example.com:25 HTTP/1.0\" "
     "405 157",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "185.220.101.5"},
      {"http.request.method", "CONNECT"},
      {"url.original", "mail.example.com:25"},
      {"url.domain", "mail.example.com"},
      {"url.port", "25"},
      {"http.version", "1.0"},
      {"http.response.status_code", "405"},
      {"http.response.body.bytes", "157"},
      {"event.outcome", "failure"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* a raw quote inside the request (a custom format without escaping) */
    {"192.0.2.9 - - [15/Jan/2024:10:00:00 +0000] \"GET /x\" OR 1=1 HTTP/1.1\" 200 12",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"source.ip", "192.0.2.9"},
      {"http.request.method", "GET"},
      {"url.original", "/x\" OR 1=1"},
      {"url.path", "/x\" OR 1=1"},
      {"http.version", "1.1"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "12"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
    /* HTTP/0.9 style request without a version, millisecond timestamp */
    {"192.0.2.10 - - [15/Jan/2024:10:00:00.250 +0000] \"GET /\" 200 10",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.250000Z"},
      {"source.ip", "192.0.2.10"},
      {"http.request.method", "GET"},
      {"url.original", "/"},
      {"url.path", "/"},
      {"http.response.status_code", "200"},
      {"http.response.body.bytes", "10"},
      {"event.outcome", "success"},
      {WEB},
      {ACCESS},
      {ACTION},
      {NULL, NULL}}},
};

static void test_cases(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decode_n(dauto, cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], "http_access");
        decode_n(dforced, cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], "http_access");
        assert_string_equal(canh_decode_name(ev->decoder), "http_access");
        canh_str_t ds = canh_event_get(ev, CANH_F_EVENT_DATASET);
        assert_true(canh_str_eq_c(ds, "http_access"));
    }
}

/* A CR/LF-terminated record decodes the same; leading blanks are skipped. */
static void test_framing(void **st)
{
    (void)st;
    const char *l = "  127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\r\n";
    decode_n(dauto, l, strlen(l), ev);
    assert_string_equal(canh_decode_name(ev->decoder), "http_access");
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_HTTP_RESPONSE_BODY_BYTES), "1"));
}

/* ---- truncation ---------------------------------------------------------------- */

/* Fields a cut record may set that the whole one does not. */
static bool extra_ok(canh_str_t k)
{
    return canh_str_eq_c(k, "http.access.extra") || canh_str_eq_c(k, "http.access.request");
}

/* One of a, b is a prefix of the other. */
static bool prefix_rel(canh_str_t a, canh_str_t b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    return n == 0 || memcmp(a.p, b.p, n) == 0;
}

/* Every prefix of a valid line: no crash, and what is decoded agrees with
 * the whole line's decoding (values equal, or cut where the line is cut). */
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
                if (ev->decoder != full->decoder)
                    continue;
                if (!(ev->flags & CANH_EVF_NO_TIME))
                    assert_true(ev->ts == full->ts);
                for (int i = 0; i < CANH_F__COUNT; i++) {
                    if (i == CANH_F_EVENT_DATASET || !canh_event_has(ev, (canh_field_t)i))
                        continue;
                    canh_str_t a = ev->f[i], b = canh_event_get(full, (canh_field_t)i);
                    if (!b.p || !prefix_rel(a, b))
                        fail_msg("prefix %zu of \"%s\": %s = \"%.*s\" (whole: \"%.*s\")", k, line,
                                 canh_field_name((canh_field_t)i), (int)a.n, a.p, (int)b.n,
                                 b.p ? b.p : "");
                }
                for (unsigned i = 0; i < ev->nkv; i++) {
                    canh_str_t b;
                    if (extra_ok(ev->kv[i].key))
                        continue;
                    if (canh_event_get_name(full, ev->kv[i].key, &b, NULL) != CANH_OK ||
                        !prefix_rel(ev->kv[i].val, b))
                        fail_msg("prefix %zu of \"%s\": %.*s", k, line, (int)ev->kv[i].key.n,
                                 ev->kv[i].key.p);
                }
            }
        }
    }
    canh_event_destroy(full);
}

/* Damaged lines still decode to something sensible or not at all. */
static void test_malformed(void **st)
{
    (void)st;
    static const char *const claimed[] = {
        /* cut inside the request */
        "1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] \"GET /index.ht",
        /* no request at all */
        "1.2.3.4 - - [15/Jan/2024:10:00:00 +0000]",
        /* status is not a number */
        "1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" abc 12",
    };
    for (size_t i = 0; i < sizeof claimed / sizeof claimed[0]; i++) {
        decode_n(dauto, claimed[i], strlen(claimed[i]), ev);
        assert_string_equal(canh_decode_name(ev->decoder), "http_access");
        assert_true(ev->flags & CANH_EVF_PARTIAL);
        assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_SOURCE_IP), "1.2.3.4"));
        assert_false(canh_event_has(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE));
    }
    static const char *const refused[] = {
        "1.2.3.4 - - [15/Jan/2024:10:00:00] \"GET / HTTP/1.1\" 200 1",        /* no zone */
        "1.2.3.4 - - [32/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",  /* bad day */
        "1.2.3.4 - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",    /* 2 words */
        "1.2.3.4  - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1", /* 2 spaces */
        "a b c d e [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",    /* 5 words */
        "1.2.3.4 - - [15/Jan/2024:10:00:00 +0000 \"GET / HTTP/1.1\" 200 1",   /* no ']' */
        "1.2.3.4/8 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        "[15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        "- - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
        "",
        "1",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        decode_n(dforced, refused[i], strlen(refused[i]), ev);
        if (ev->decoder != CANH_DEC_GENERIC)
            fail_msg("\"%s\" claimed by %s", refused[i], canh_decode_name(ev->decoder));
        decode_n(dauto, refused[i], strlen(refused[i]), ev);
        if (ev->decoder == CANH_DEC_ACCESS)
            fail_msg("\"%s\" claimed by http_access", refused[i]);
    }
}

/* Lines of other formats are not taken. */
static void test_foreign(void **st)
{
    (void)st;
    static const char *const lines[] = {
        "Jul  7 10:51:24 host prog[1]: GET /x HTTP/1.1 [15/Jan/2024:10:00:00 +0000]",
        "Jul 7 10:51:24 host prog[1]: 1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\"",
        "Mar  9 10:51:24 web-01 sshd[19537]: Failed password for root from 1.2.3.4 port 22 ssh2",
        "<34>1 2024-01-15T10:00:00Z host app 1 - - [x] msg",
        "2024/01/15 10:00:00 [error] 1234#5678: *9 open() \"/x\" failed (2: No such file or "
        "directory), client: 1.2.3.4, server: example.com, request: \"GET /x HTTP/1.1\"",
        "[Thu Dec 15 23:49:07 2005] [error] [client 85.107.239.37] File does not exist: /x",
        "2007-01-22 05:00:11 W3SVC1 HOSTNAME 1.1.1.1 POST /SimpleAuthWebService/SimpleAuth.asmx - "
        "80 - 2.2.2.2 HTTP/1.1 Windows-Update-Agent - - hostname 200 0 0 1467 841 31",
        "86 200.255.5.155 TCP_MISS/404 1495 GET http://pawlacz.com/nul.php - "
        "DIRECT/193.84.182.19 text/html",
        "1705312800.123    120 192.168.1.10 TCP_MISS/200 1024 GET http://example.com/ - "
        "HIER_DIRECT/93.184.216.34 text/html",
        "{\"remote_addr\":\"1.2.3.4\",\"request\":\"GET / HTTP/1.1\",\"status\":200}",
        "CEF:0|Vendor|Product|1.0|100|Blocked [x]|5|src=1.2.3.4",
        "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1 443",
        "2024-01-15 10:00:00.123 UTC [1234] LOG:  connection received: host=[local]",
        "type=USER_LOGIN msg=audit(1705312800.123:42): pid=1 uid=0 res=failed [x]",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        decode_n(dauto, lines[i], strlen(lines[i]), ev);
        if (ev->decoder == CANH_DEC_ACCESS)
            fail_msg("\"%s\" claimed by http_access", lines[i]);
        decode_n(dforced, lines[i], strlen(lines[i]), ev);
        if (ev->decoder != CANH_DEC_GENERIC)
            fail_msg("\"%s\" claimed by forced http_access", lines[i]);
    }
}

/* Sample files under tests/fixtures/web: every line of access.log decodes. */
static void test_fixture(void **st)
{
    (void)st;
    FILE *f = fopen(CANH_FIXTURES "/web/access.log", "r");
    assert_non_null(f);
    char line[4096];
    size_t n = 0, partial = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len <= 1)
            continue;
        decode_n(dauto, line, len, ev);
        if (ev->decoder != CANH_DEC_ACCESS)
            fail_msg("fixture line not decoded: %s", line);
        assert_true(canh_event_has(ev, CANH_F_SOURCE_IP) ||
                    canh_event_has(ev, CANH_F_SOURCE_ADDRESS));
        if (ev->flags & CANH_EVF_PARTIAL)
            partial++;
        else
            assert_true(canh_event_has(ev, CANH_F_HTTP_REQUEST_METHOD));
        assert_true(canh_event_has(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE));
        n++;
    }
    fclose(f);
    assert_true(n >= 20);
    assert_true(partial <= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),    cmocka_unit_test(test_framing),
        cmocka_unit_test(test_prefixes), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_foreign),  cmocka_unit_test(test_fixture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
