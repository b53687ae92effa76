/* Unit tests: the IIS W3C extended log decoder (iis): the default field
 * sets told apart by field count, the OSSEC sample file, header lines,
 * truncation and foreign lines. */
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

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    /* A zone offset that must not apply: W3C logs are UTC. */
    canh_decode_opts_t o = {.tref = {NOW, 7 * 3600}, .type = NULL};
    if (canh_decode_create(&o, &dauto, &eb) != CANH_OK)
        return -1;
    o.type = "iis";
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
    const char *line;
    bool partial;
    kv_t f[32];
} tcase_t;

static void check_case(const tcase_t *tc, const char *want_dec)
{
    check_fields(tc->line, tc->partial, tc->f, want_dec);
}


#define BASE                                                                                       \
    {"event.kind", "event"}, {"event.category", "web"}, {"event.type", "access"},                  \
    {                                                                                              \
        "event.action", "http_request"                                                             \
    }

static const tcase_t cases[] = {
    /* every field (the OSSEC iis6 sample) */
    {"2007-01-22 05:00:11 W3SVC1 HOSTNAME 1.1.1.1 POST /SimpleAuthWebService/SimpleAuth.asmx - "
     "80 - 2.2.2.2 HTTP/1.1 Windows-Update-Agent - - hostname 200 0 0 1467 841 31",
     false,
     {{"@timestamp", "2007-01-22T05:00:11.000000Z"},
      {"iis.access.site_name", "W3SVC1"},
      {"iis.access.server_name", "HOSTNAME"},
      {"host.name", "HOSTNAME"},
      {"destination.ip", "1.1.1.1"},
      {"http.request.method", "POST"},
      {"url.path", "/SimpleAuthWebService/SimpleAuth.asmx"},
      {"url.original", "/SimpleAuthWebService/SimpleAuth.asmx"},
      {"url.query", NULL},
      {"destination.port", "80"},
      {"user.name", NULL},
      {"source.ip", "2.2.2.2"},
      {"http.version", "1.1"},
      {"user_agent.original", "Windows-Update-Agent"},
      {"destination.domain", "hostname"},
      {"url.domain", "hostname"},
      {"http.response.status_code", "200"},
      {"event.outcome", "success"},
      {"iis.access.sub_status", "0"},
      {"iis.access.win32_status", "0"},
      {"http.response.bytes", "1467"},
      {"http.request.bytes", "841"},
      {"event.duration", "31000000"},
      BASE,
      {NULL, NULL}}},
    /* the same set without the byte counts and time-taken */
    {"2005-05-21 05:39:27 W3SVC1 hostname123 192.168.0.101 GET /VirtualServerError/VSWebApp.exe "
     "view=1 1024 WEBBROWSER\\User 192.168.0.101 HTTP/1.0 Mozilla/4.0+(User-Agent) - - "
     "xx.nada.com 200 0 0",
     false,
     {{"@timestamp", "2005-05-21T05:39:27.000000Z"},
      {"iis.access.site_name", "W3SVC1"},
      {"iis.access.server_name", "hostname123"},
      {"host.name", "hostname123"},
      {"destination.ip", "192.168.0.101"},
      {"http.request.method", "GET"},
      {"url.path", "/VirtualServerError/VSWebApp.exe"},
      {"url.query", "view=1"},
      {"url.original", "/VirtualServerError/VSWebApp.exe?view=1"},
      {"destination.port", "1024"},
      {"user.name", "WEBBROWSER\\User"},
      {"source.ip", "192.168.0.101"},
      {"http.version", "1.0"},
      {"user_agent.original", "Mozilla/4.0+(User-Agent)"},
      {"destination.domain", "xx.nada.com"},
      {"url.domain", "xx.nada.com"},
      {"http.response.status_code", "200"},
      {"event.outcome", "success"},
      {"iis.access.sub_status", "0"},
      {"iis.access.win32_status", "0"},
      BASE,
      {NULL, NULL}}},
    /* IIS 7+ default */
    {"2024-01-15 03:00:00 10.0.0.20 GET /owa/auth/logon.aspx "
     "replaceCurrent=1&url=https%3a%2f%2fmail.example.gov.vn%2fowa%2f 443 - 203.0.113.5 "
     "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://mail.example.gov.vn/owa/ 200 0 0 15",
     false,
     {{"@timestamp", "2024-01-15T03:00:00.000000Z"},
      {"destination.ip", "10.0.0.20"},
      {"http.request.method", "GET"},
      {"url.path", "/owa/auth/logon.aspx"},
      {"url.query", "replaceCurrent=1&url=https%3a%2f%2fmail.example.gov.vn%2fowa%2f"},
      {"url.original",
       "/owa/auth/logon.aspx?replaceCurrent=1&url=https%3a%2f%2fmail.example.gov.vn%2fowa%2f"},
      {"destination.port", "443"},
      {"source.ip", "203.0.113.5"},
      {"user_agent.original", "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)"},
      {"http.request.referrer", "https://mail.example.gov.vn/owa/"},
      {"http.response.status_code", "200"},
      {"event.outcome", "success"},
      {"iis.access.sub_status", "0"},
      {"iis.access.win32_status", "0"},
      {"event.duration", "15000000"},
      BASE,
      {NULL, NULL}}},
    /* IIS 8.5+ with the X-Forwarded-For custom field; IPv6 server */
    {"2024-01-15 03:00:01 fe80::1 POST /ecp/DDI/DDIService.svc/GetList - 443 "
     "EXAMPLE\\svc_backup 2001:db8::5 python-requests/2.31.0 - 500 0 0 1203 198.51.100.10",
     false,
     {{"@timestamp", "2024-01-15T03:00:01.000000Z"},
      {"destination.ip", "fe80::1"},
      {"http.request.method", "POST"},
      {"url.path", "/ecp/DDI/DDIService.svc/GetList"},
      {"url.original", "/ecp/DDI/DDIService.svc/GetList"},
      {"destination.port", "443"},
      {"user.name", "EXAMPLE\\svc_backup"},
      {"source.ip", "2001:db8::5"},
      {"user_agent.original", "python-requests/2.31.0"},
      {"http.response.status_code", "500"},
      {"event.outcome", "failure"},
      {"iis.access.sub_status", "0"},
      {"iis.access.win32_status", "0"},
      {"event.duration", "1203000000"},
      {"iis.access.x_forwarded_for", "198.51.100.10"},
      BASE,
      {NULL, NULL}}},
    /* IIS 6 default */
    {"2024-01-15 03:00:02 W3SVC1 10.0.0.20 POST /autodiscover/autodiscover.xml - 443 "
     "EXAMPLE\\nguyenvana 203.0.113.5 Microsoft+Office/16.0 401 1 2148074254",
     false,
     {{"@timestamp", "2024-01-15T03:00:02.000000Z"},
      {"iis.access.site_name", "W3SVC1"},
      {"destination.ip", "10.0.0.20"},
      {"http.request.method", "POST"},
      {"url.path", "/autodiscover/autodiscover.xml"},
      {"url.original", "/autodiscover/autodiscover.xml"},
      {"destination.port", "443"},
      {"user.name", "EXAMPLE\\nguyenvana"},
      {"source.ip", "203.0.113.5"},
      {"user_agent.original", "Microsoft+Office/16.0"},
      {"http.response.status_code", "401"},
      {"event.outcome", "failure"},
      {"iis.access.sub_status", "1"},
      {"iis.access.win32_status", "2148074254"},
      BASE,
      {NULL, NULL}}},
    /* IIS 5 default (the Nimda/Code Red years) */
    {"2001-09-18 14:20:05 203.0.113.5 - 10.0.0.20 80 GET "
     "/scripts/..%c1%1c../winnt/system32/cmd.exe "
     "/c+dir 404 -",
     false,
     {{"@timestamp", "2001-09-18T14:20:05.000000Z"},
      {"source.ip", "203.0.113.5"},
      {"destination.ip", "10.0.0.20"},
      {"destination.port", "80"},
      {"http.request.method", "GET"},
      {"url.path", "/scripts/..%c1%1c../winnt/system32/cmd.exe"},
      {"url.query", "/c+dir"},
      {"url.original", "/scripts/..%c1%1c../winnt/system32/cmd.exe?/c+dir"},
      {"http.response.status_code", "404"},
      {"event.outcome", "failure"},
      BASE,
      {NULL, NULL}}},
};

static void test_cases(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decode_n(dauto, cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], "iis");
        decode_n(dforced, cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], "iis");
        assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_EVENT_DATASET), "iis"));
    }
}

/* Every line of the OSSEC sample decodes as IIS. */
static void test_ossec_corpus(void **st)
{
    (void)st;
    FILE *f = fopen(CANH_CORPORA "/ossec/etc/rules/log-entries/iis6", "r");
    if (!f) {
        print_message("corpus not found, skipped\n");
        skip();
    }
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!len)
            continue;
        decode_n(dauto, line, len, ev);
        if (ev->decoder != CANH_DEC_IIS)
            fail_msg("not decoded: %s", line);
        assert_true(canh_event_has(ev, CANH_F_SOURCE_IP));
        assert_true(canh_event_has(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE));
        n++;
    }
    fclose(f);
    assert_int_equal(n, 4);
}

/* A cut line has fewer fields: it is either refused or read with a shorter
 * layout whose checks it passes; never a crash. */
static void test_prefixes(void **st)
{
    (void)st;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *line = cases[c].line;
        size_t n = strlen(line);
        for (size_t k = 0; k < n; k++) {
            decode_n(dforced, line, k, ev);
            if (ev->decoder != CANH_DEC_IIS)
                continue;
            /* Still a well-formed event: method, client and status set. */
            assert_true(canh_event_has(ev, CANH_F_HTTP_REQUEST_METHOD));
            assert_true(canh_event_has(ev, CANH_F_SOURCE_IP));
            assert_true(canh_event_has(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE));
            decode_n(dauto, line, k, ev);
        }
    }
}

static void test_foreign(void **st)
{
    (void)st;
    static const char *const lines[] = {
        /* header lines are not records */
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2024-01-15 00:00:00",
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
        "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
        /* a field count no default layout has */
        "2024-01-15 03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA - 200 0 0",
        /* shapes that do not fit */
        "2024-01-15 03:00:00 10.0.0.20 get / - 443 - 203.0.113.5 UA - 200 0 0 15",
        "2024-01-15 03:00:00 10.0.0.20 GET / - 443 - host.example UA - 200 0 0 15",
        "2024-01-15 03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA - 2000 0 0 15",
        "2024-01-15 03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA -  200 0 0 15",
        "2024-01-15 03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA - 200 0 0 15 ",
        "2024-13-15 03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA - 200 0 0 15",
        "2024-01-15T03:00:00 10.0.0.20 GET / - 443 - 203.0.113.5 UA - 200 0 0 15",
        /* other formats */
        "2024-01-15 10:00:00.123 UTC [1234] LOG:  connection received: host=10.0.0.1 port=5432",
        "2024-01-15 10:00:00 UTC [1234] user@db FATAL:  password authentication failed for user "
        "\"postgres\"",
        "2024-01-15T10:00:00.123456Z 8 [Warning] [MY-010055] [Server] IP address '10.0.0.1' could "
        "not be resolved",
        "2024/01/15 10:00:00 [error] 1234#5678: *9 open() \"/x\" failed (2: No such file)",
        "2024-01-15 03:00:00 web01 sshd[42]: Failed password for root from 1.2.3.4 port 22 ssh2",
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
        "2024-01-15 03:00:00,123 INFO [main] org.example.App - started in 3 s",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        decode_n(dforced, lines[i], strlen(lines[i]), ev);
        if (ev->decoder != CANH_DEC_GENERIC)
            fail_msg("\"%s\" claimed by forced iis", lines[i]);
        decode_n(dauto, lines[i], strlen(lines[i]), ev);
        if (ev->decoder == CANH_DEC_IIS)
            fail_msg("\"%s\" claimed by iis", lines[i]);
    }
}

static void test_fixture(void **st)
{
    (void)st;
    FILE *f = fopen(CANH_FIXTURES "/web/iis.log", "r");
    assert_non_null(f);
    char line[4096];
    size_t n = 0, hdr = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len <= 1)
            continue;
        decode_n(dauto, line, len, ev);
        if (line[0] == '#') {
            assert_int_equal(ev->decoder, CANH_DEC_GENERIC);
            hdr++;
            continue;
        }
        if (ev->decoder != CANH_DEC_IIS)
            fail_msg("not decoded: %s", line);
        n++;
    }
    fclose(f);
    assert_true(n >= 10);
    assert_true(hdr >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),    cmocka_unit_test(test_ossec_corpus),
        cmocka_unit_test(test_prefixes), cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_fixture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
