/* Unit tests: ArcSight CEF (decode_cef.c), standalone and inside syslog. The
 * records are in tests/fixtures/cef/cef.log, one per line, in the order
 * tested. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/buf.h"
#include "decode_int.h"

/* 2024-05-01T10:00:00Z */
#define NOW (INT64_C(1714557600) * CANH_NS_PER_SEC)
#define MAX_LINES 64

static canh_decode_t *d_auto, *d_forced;
static canh_event_t *ev;
static char *rec;
static char *lines[MAX_LINES];
static size_t nlines;

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &d_auto, &eb) != CANH_OK)
        return -1;
    o.type = "cef";
    if (canh_decode_create(&o, &d_forced, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    FILE *f = fopen(CANH_FIXTURES "/cef/cef.log", "r");
    if (!f || !ev)
        return -1;
    char buf[16384];
    while (nlines < MAX_LINES && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        lines[nlines++] = strdup(buf);
    }
    fclose(f);
    return nlines >= 9 ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(d_auto);
    canh_decode_destroy(d_forced);
    canh_event_destroy(ev);
    free(rec);
    for (size_t i = 0; i < nlines; i++)
        free(lines[i]);
    return 0;
}

static void check_output(void)
{
    canh_buf_t out;
    canh_buf_init(&out, CANH_MAX_JSON_OUT);
    assert_int_equal(canh_event_to_json(ev, &out), CANH_OK);
    json_error_t err;
    json_t *j = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("bad output JSON (%s): %.*s", err.text, (int)out.len, out.data);
    json_decref(j);
    canh_buf_fini(&out);
}

static const char *decode_n(canh_decode_t *d, const char *line, size_t n)
{
    free(rec);
    rec = malloc(n ? n : 1);
    assert_non_null(rec);
    memcpy(rec, line, n);
    assert_int_equal(canh_decode_record(d, rec, n, ev), CANH_OK);
    check_output();
    return canh_decode_name(ev->decoder);
}

static const char *decode(const char *line)
{
    return decode_n(d_auto, line, strlen(line));
}

/* Standalone lines: forced and detected agree. */
static void decode_line(size_t i)
{
    assert_true(i < nlines);
    assert_string_equal(decode_n(d_forced, lines[i], strlen(lines[i])), "cef");
    assert_string_equal(decode_n(d_auto, lines[i], strlen(lines[i])), "cef");
    assert_false(ev->flags & CANH_EVF_PARTIAL);
}

static void expect(const char *name, const char *v)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) != CANH_OK)
        fail_msg("%s unset, expected \"%s\"", name, v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", name, (int)got.n, got.p, v);
}

static void expect_slot(canh_field_t id, const char *v)
{
    canh_str_t got = canh_event_get(ev, id);
    if (!got.p)
        fail_msg("slot %s unset, expected \"%s\"", canh_field_name(id), v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", canh_field_name(id), (int)got.n, got.p, v);
}

static void expect_absent(const char *name)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) == CANH_OK)
        fail_msg("%s = \"%.*s\", expected unset", name, (int)got.n, got.p);
}

static void expect_time(const char *iso)
{
    char buf[32];
    canh_time_format(ev->ts, buf);
    assert_string_equal(buf, iso);
    assert_false(ev->flags & CANH_EVF_NO_TIME);
}

static void test_spec_example(void **st)
{
    (void)st;
    decode_line(0);
    expect("event.dataset", "cef");
    expect_slot(CANH_F_EVENT_MODULE, "cef");
    expect("cef.version", "0");
    expect_slot(CANH_F_OBSERVER_VENDOR, "Security");
    expect_slot(CANH_F_OBSERVER_PRODUCT, "threatmanager");
    expect_slot(CANH_F_OBSERVER_VERSION, "1.0");
    expect_slot(CANH_F_EVENT_CODE, "100");
    expect_slot(CANH_F_RULE_NAME, "worm successfully stopped");
    expect_slot(CANH_F_MESSAGE, "worm successfully stopped");
    expect_slot(CANH_F_EVENT_SEVERITY, "10");
    expect("cef.device.vendor", "Security");
    expect("cef.device.event_class_id", "100");
    expect("cef.name", "worm successfully stopped");
    expect("cef.severity", "10");
    expect_slot(CANH_F_SOURCE_IP, "10.0.0.1");
    expect_slot(CANH_F_DESTINATION_IP, "2.1.2.2");
    expect_slot(CANH_F_SOURCE_PORT, "1232");
    expect("cef.extensions.sourceAddress", "10.0.0.1");
    expect("cef.extensions.destinationAddress", "2.1.2.2");
    expect("cef.extensions.sourcePort", "1232");
    expect_absent("cef.extensions.src"); /* short keys are spelled out */
    assert_true(ev->flags & CANH_EVF_NO_TIME);
}

static void test_escapes(void **st)
{
    (void)st;
    decode_line(1);
    expect_slot(CANH_F_RULE_NAME, "detected a | in message \\ here");
    expect_slot(CANH_F_EVENT_ACTION, "blocked a =");
    expect_slot(CANH_F_DESTINATION_IP, "1.1.1.1");
    expect_slot(CANH_F_MESSAGE, "line one\nline two\r end \\ back");
    expect("cef.extensions.message", "line one\nline two\r end \\ back");
    expect("cef.name", "detected a | in message \\ here");
}

static void test_paloalto(void **st)
{
    (void)st;
    decode_line(2);
    expect_time("2024-04-30T12:34:56.000000Z");
    expect_slot(CANH_F_OBSERVER_VENDOR, "Palo Alto Networks");
    expect_slot(CANH_F_OBSERVER_PRODUCT, "PAN-OS");
    expect_slot(CANH_F_EVENT_CODE, "end");
    expect_slot(CANH_F_EVENT_SEVERITY, "1");
    expect_slot(CANH_F_SOURCE_IP, "10.0.0.10");
    expect_slot(CANH_F_DESTINATION_IP, "203.0.113.5");
    expect_slot(CANH_F_SOURCE_PORT, "51234");
    expect_slot(CANH_F_DESTINATION_PORT, "443");
    expect_slot(CANH_F_SOURCE_USER_NAME, "corp\\nguyen.van.a");
    assert_false(canh_event_has(ev, CANH_F_DESTINATION_USER_NAME)); /* empty */
    expect("cef.extensions.destinationUserName", "");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "ssl");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp");
    expect_slot(CANH_F_EVENT_ACTION, "allow");
    expect_slot(CANH_F_SOURCE_BYTES, "2345");
    expect_slot(CANH_F_DESTINATION_BYTES, "10000");
    expect_slot(CANH_F_OBSERVER_INGRESS_INTERFACE_NAME, "ethernet1/2");
    expect_slot(CANH_F_OBSERVER_EGRESS_INTERFACE_NAME, "ethernet1/1");
    expect("cef.extensions.deviceCustomString1", "allow-web");
    expect("cef.extensions.deviceCustomString1Label", "Rule");
    expect("cef.extensions.deviceCustomString3Label", "Virtual System");
    expect("cef.extensions.deviceCustomNumber1", "123456");
    expect("cef.extensions.baseEventCount", "1");
    expect("cef.extensions.sourceTranslatedAddress", "198.51.100.1");
    expect("cef.extensions.flexString1", "0x400053");
    expect("cef.extensions.startTime", "Apr 30 2024 12:30:00 GMT");
    expect("cef.extensions.deviceReceiptTime", "Apr 30 2024 12:34:56 GMT");
}

static void test_fortigate(void **st)
{
    (void)st;
    decode_line(3);
    expect_slot(CANH_F_OBSERVER_VENDOR, "Fortinet");
    expect_slot(CANH_F_EVENT_CODE, "00013");
    expect_slot(CANH_F_RULE_NAME, "traffic:forward deny");
    expect_slot(CANH_F_EVENT_SEVERITY, "3");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp"); /* proto=6 */
    expect_slot(CANH_F_NETWORK_PROTOCOL, "rdp");
    expect_slot(CANH_F_SOURCE_DOMAIN, "WS-20");
    expect_slot(CANH_F_SOURCE_MAC, "00:11:22:33:44:55");
    expect_slot(CANH_F_DESTINATION_PORT, "3389");
    expect_slot(CANH_F_EVENT_ACTION, "deny");
    expect_slot(CANH_F_NETWORK_DIRECTION, "egress");
    expect("cef.extensions.deviceEventCategory", "traffic:forward");
    expect("cef.extensions.FTNTFGTlogid", "0000000013");
    expect("cef.extensions.FTNTFGTtz", "+0700");
    expect("cef.extensions.externalId", "123");
    expect("cef.extensions.transportProtocol", "6");
}

static void test_trendmicro(void **st)
{
    (void)st;
    decode_line(4);
    expect_slot(CANH_F_EVENT_SEVERITY, "6");
    expect_slot(CANH_F_OBSERVER_NAME, "ws-31.corp.example.vn");
    expect("cef.extensions.deviceCustomString6",
           "ContainerImageName | ContainerName | ContainerID");
    expect_slot(CANH_F_FILE_PATH, "C:\\Users\\trend\\Desktop\\eicar.exe");
    expect_slot(CANH_F_FILE_NAME, "eicar.exe");
    expect_slot(CANH_F_FILE_HASH_MD5, "44d88612fea8a8f36de82e1278abb02f");
    expect("cef.extensions.fileHash", "44D88612FEA8A8F36DE82E1278ABB02F");
    expect_slot(CANH_F_EVENT_ACTION, "Delete");
    expect("cef.extensions.result", "Delete");
    expect_slot(CANH_F_MESSAGE, "Realtime");
    expect("cef.extensions.TrendMicroDsRelevantDetectionNames",
           "Ransom_CERBER.BZC;Ransom_CERBER.C");
}

static void test_imperva(void **st)
{
    (void)st;
    decode_line(5);
    expect_time("2024-04-30T12:34:56.000000Z"); /* epoch ms */
    expect_slot(CANH_F_EVENT_SEVERITY, "8");    /* High */
    expect("cef.severity", "High");
    expect_slot(CANH_F_HTTP_REQUEST_METHOD, "TRACE");
    expect_slot(CANH_F_URL_ORIGINAL, "https://shop.example.vn/admin/login.php?x=1&y=2");
    expect_slot(CANH_F_URL_SCHEME, "https");
    expect_slot(CANH_F_URL_DOMAIN, "shop.example.vn");
    expect_slot(CANH_F_URL_PATH, "/admin/login.php");
    expect_slot(CANH_F_URL_QUERY, "x=1&y=2");
    expect_slot(CANH_F_USER_AGENT_ORIGINAL, "Mozilla/5.0 (X11; Linux x86_64)");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp");
    expect_slot(CANH_F_DESTINATION_USER_NAME, "n/a");
    expect("cef.extensions.deviceCustomString1", "Default Web Policy");
}

static void test_in_syslog(void **st)
{
    (void)st;
    /* RFC 3164 header, no tag */
    assert_string_equal(decode(lines[6]), "cef");
    expect_slot(CANH_F_HOST_NAME, "fw01");
    expect_slot(CANH_F_LOG_SYSLOG_FACILITY_NAME, "local0");
    expect_slot(CANH_F_OBSERVER_VENDOR, "Check Point");
    expect_slot(CANH_F_OBSERVER_PRODUCT, "VPN-1 & FireWall-1");
    expect_slot(CANH_F_RULE_NAME, "https");
    assert_false(canh_event_has(ev, CANH_F_EVENT_SEVERITY)); /* Unknown */
    expect("cef.severity", "Unknown");
    expect_slot(CANH_F_NETWORK_DIRECTION, "ingress");
    expect_slot(CANH_F_EVENT_ACTION, "Accept");
    expect_time("2024-04-30T12:34:56.000000Z");
    expect_slot(CANH_F_SOURCE_BYTES, "512");

    /* RFC 5424 header, CEF version 1, IPv6 */
    assert_string_equal(decode(lines[7]), "cef");
    expect_slot(CANH_F_HOST_NAME, "sensor-2");
    expect_slot(CANH_F_PROCESS_NAME, "ids");
    expect_time("2024-04-30T12:34:56.000000Z"); /* from the header */
    expect("cef.version", "1");
    expect_slot(CANH_F_EVENT_SEVERITY, "10"); /* Very-High */
    expect_slot(CANH_F_SOURCE_IP, "2001:db8::5");
    expect_slot(CANH_F_DESTINATION_IP, "2001:db8::1");
    expect_slot(CANH_F_SOURCE_USER_NAME, "root");
    expect_slot(CANH_F_DESTINATION_USER_NAME, "admin");
    expect_slot(CANH_F_EVENT_OUTCOME, "success");
    expect_slot(CANH_F_SOURCE_DOMAIN, "attacker.example");
    expect_slot(CANH_F_DESTINATION_DOMAIN, "target.example");
    expect_slot(CANH_F_DESTINATION_MAC, "AA:BB:CC:DD:EE:FF");

    /* a syslog program line whose message is CEF */
    char l[4096];
    snprintf(l, sizeof l, "Apr 30 12:00:00 collector cefd[77]: %s", lines[0]);
    assert_string_equal(decode(l), "cef");
    expect_slot(CANH_F_PROCESS_NAME, "cefd");
    expect_slot(CANH_F_HOST_NAME, "collector");
    expect_slot(CANH_F_RULE_NAME, "worm successfully stopped");
    expect_time("2024-04-30T12:00:00.000000Z");
}

static void test_values(void **st)
{
    (void)st;
    decode_line(8);
    expect_time("2024-04-30T12:34:56.000000Z"); /* +0700 */
    expect_slot(CANH_F_EVENT_SEVERITY, "6");    /* Medium */
    expect_slot(CANH_F_MESSAGE, "User login failed for admin from 1.2.3.4");
    expect_slot(CANH_F_SOURCE_USER_NAME, "admin");
    expect_slot(CANH_F_SOURCE_IP, "1.2.3.4");
    expect_slot(CANH_F_EVENT_OUTCOME, "failure");
    expect_slot(CANH_F_EVENT_REASON, "bad password");
    expect_slot(CANH_F_HTTP_REQUEST_REFERRER, "https://portal.example.vn/");
    expect_slot(CANH_F_FILE_SIZE, "1024");

    /* values that do not fit their slots stay in cef.extensions */
    assert_string_equal(decode("CEF:0|V|P|1|x|n|5|src=not-an-ip spt=http rt=someday "
                               "outcome=maybe fileHash=xyz"),
                        "cef");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    assert_false(canh_event_has(ev, CANH_F_SOURCE_PORT));
    expect("cef.extensions.sourceAddress", "not-an-ip");
    expect("cef.extensions.sourcePort", "http");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
    expect_slot(CANH_F_EVENT_OUTCOME, "unknown");
    assert_false(canh_event_has(ev, CANH_F_FILE_HASH_MD5));

    /* an extension that is not key=value is skipped and flagged */
    assert_string_equal(decode("CEF:0|V|P|1|x|n|5|garbage here src=10.0.0.1"), "cef");
    assert_true(ev->flags & CANH_EVF_PARTIAL);
    expect_slot(CANH_F_SOURCE_IP, "10.0.0.1");
    /* empty extension, odd severity, trailing spaces */
    assert_string_equal(decode("CEF:0|V|P|1|x|n|11|"), "cef");
    assert_false(ev->flags & CANH_EVF_PARTIAL);
    assert_false(canh_event_has(ev, CANH_F_EVENT_SEVERITY));
    assert_string_equal(decode("CEF:0|V|P|1|x|n|3|src=10.0.0.1   dst=10.0.0.2   "), "cef");
    expect_slot(CANH_F_SOURCE_IP, "10.0.0.1");
    expect_slot(CANH_F_DESTINATION_IP, "10.0.0.2");
    /* a value ending in a backslash, a lone '=' */
    assert_string_equal(decode("CEF:0|V|P|1|x|n|3|cs1=a\\ =b cs2=c\\"), "cef");
    expect("cef.extensions.deviceCustomString1", "a\\ =b");
    expect("cef.extensions.deviceCustomString2", "c\\");
}

static void test_truncated(void **st)
{
    (void)st;
    /* Every prefix: no crash; a cut header is flagged partial and keeps only
     * the fields that were whole. */
    for (size_t k = 0; k < nlines; k++) {
        const char *l = lines[k];
        size_t n = strlen(l);
        for (size_t i = 0; i < n; i++) {
            const char *name = decode_n(d_forced, l, i);
            if (strcmp(name, "cef") != 0)
                continue;
            /* the header's pipes in the prefix, counting escapes */
            const char *c = strstr(l, "CEF:");
            assert_non_null(c);
            unsigned pipes = 0;
            for (const char *p = c; p < l + i; p++) {
                if (*p == '\\') {
                    p++;
                    continue;
                }
                if (*p == '|')
                    pipes++;
            }
            if (pipes < 7 && !(ev->flags & CANH_EVF_PARTIAL))
                fail_msg("prefix %zu of line %zu: cut header not flagged", i, k);
            if (pipes < 6)
                assert_false(canh_event_has(ev, CANH_F_RULE_NAME));
        }
    }
    assert_string_equal(decode("CEF:"), "generic");
    assert_string_equal(decode("CEF:0"), "generic");
    assert_string_equal(decode("CEF:x|a|b"), "generic");
    assert_string_equal(decode("CEF:0|Vendor"), "cef");
    assert_true(ev->flags & CANH_EVF_PARTIAL);
    expect("cef.version", "0");
    assert_false(canh_event_has(ev, CANH_F_OBSERVER_VENDOR));
}

static void test_not_cef(void **st)
{
    (void)st;
    assert_string_equal(decode_n(d_forced, "LEEF:1.0|Microsoft|MSExchange|4.0|15345|src=1", 45),
                        "generic");
    assert_string_not_equal(decode("Mar  1 00:00:01 gw myapp: CEF is a format"), "cef");
    assert_string_not_equal(decode("{\"CEF\":\"0|a|b\"}"), "cef");
    assert_string_not_equal(decode("CEFX:0|a|b|c|d|e|f|g"), "cef");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example), cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_paloalto),     cmocka_unit_test(test_fortigate),
        cmocka_unit_test(test_trendmicro),   cmocka_unit_test(test_imperva),
        cmocka_unit_test(test_in_syslog),    cmocka_unit_test(test_values),
        cmocka_unit_test(test_truncated),    cmocka_unit_test(test_not_cef),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
