/* Unit tests: Zeek JSON logs (decode_zeek.c). The records are in
 * tests/fixtures/zeek/zeek.json, one per line, in the order tested. */
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

#define JSON_TEST_TYPE "zeek"
#define JSON_TEST_FIXTURE "/zeek/zeek.json"
#define JSON_TEST_MIN_LINES 12
#include "test_json_util.h"

static void test_conn(void **st)
{
    (void)st;
    decode_line(0);
    expect_time("2024-04-30T12:34:56.123456Z");
    expect("event.dataset", "zeek");
    expect_slot(CANH_F_EVENT_MODULE, "zeek");
    expect_slot(CANH_F_EVENT_KIND, "event");
    expect_slot(CANH_F_EVENT_CATEGORY, "network");
    expect_slot(CANH_F_EVENT_TYPE, "connection");
    expect("zeek.session_id", "CHhAvVGS1DHFjwGM9");
    expect_slot(CANH_F_SOURCE_IP, "192.168.1.10");
    expect_slot(CANH_F_SOURCE_PORT, "51832");
    expect_slot(CANH_F_DESTINATION_IP, "93.184.216.34");
    expect_slot(CANH_F_DESTINATION_PORT, "443");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "ssl");
    expect_slot(CANH_F_EVENT_DURATION, "12345678000");
    expect("zeek.conn.duration", "12.345678");
    expect_slot(CANH_F_SOURCE_BYTES, "1024");
    expect_slot(CANH_F_DESTINATION_BYTES, "40960");
    expect_slot(CANH_F_SOURCE_PACKETS, "20");
    expect_slot(CANH_F_DESTINATION_PACKETS, "35");
    expect_slot(CANH_F_NETWORK_BYTES, "41984");
    expect_slot(CANH_F_NETWORK_PACKETS, "55");
    expect("zeek.conn.state", "SF");
    expect("zeek.conn.history", "ShADadfF");
    expect("zeek.conn.local_orig", "true");
    expect("zeek.conn.missed_bytes", "0");
    expect("zeek.conn.orig_ip_bytes", "2064");
    expect("zeek.conn.tunnel_parents", "[]");
    expect_slot(CANH_F_NETWORK_COMMUNITY_ID, "1:Yhoxc1WV9mhC1yxzJJtgDcgvuQo=");
    expect_slot(CANH_F_SOURCE_MAC, "00:0c:29:aa:bb:cc");
    expect_slot(CANH_F_DESTINATION_MAC, "00:50:56:11:22:33");
    expect("event.ingested", "2024-04-30T12:35:10.000000Z");
    expect_absent("zeek.conn.uid");
    expect_absent("zeek.conn.id.orig_h");
    expect_absent("zeek.conn._path");
    expect_absent("zeek.conn.conn_state");

    /* nested "id" object, IPv6, ICMP */
    decode_line(5);
    expect_slot(CANH_F_SOURCE_IP, "fe80::1");
    expect_slot(CANH_F_SOURCE_PORT, "135");
    expect_slot(CANH_F_DESTINATION_IP, "fe80::2");
    expect_slot(CANH_F_DESTINATION_PORT, "136");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "icmp");
    expect_slot(CANH_F_EVENT_DURATION, "1000");
    expect("zeek.conn.state", "OTH");
    expect_slot(CANH_F_NETWORK_PACKETS, "1");
}

static void test_dns(void **st)
{
    (void)st;
    decode_line(1);
    expect_time("2024-04-30T12:35:00.123456Z"); /* ISO ts */
    expect_slot(CANH_F_EVENT_TYPE, "protocol");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "udp");
    expect_slot(CANH_F_DNS_QUESTION_NAME, "evil.example.net");
    expect_slot(CANH_F_DNS_QUESTION_TYPE, "A");
    expect_slot(CANH_F_DNS_RESPONSE_CODE, "NOERROR");
    expect_slot(CANH_F_DNS_ID, "12345");
    expect("zeek.dns.answers", "[\"192.0.2.66\"]");
    expect("zeek.dns.TTLs", "[300.0]");
    expect("zeek.dns.rtt", "0.012");
    expect("zeek.dns.RD", "true");
    expect("zeek.dns.qclass_name", "C_INTERNET");
    expect("zeek.dns.rcode", "0");
}

static void test_http(void **st)
{
    (void)st;
    decode_line(2);
    expect_time("2024-04-30T12:36:40.500000Z");
    expect_slot(CANH_F_HTTP_REQUEST_METHOD, "POST");
    expect_slot(CANH_F_URL_DOMAIN, "shop.example.vn");
    expect_slot(CANH_F_DESTINATION_DOMAIN, "shop.example.vn");
    expect_slot(CANH_F_URL_ORIGINAL, "/login.php?user=admin");
    expect_slot(CANH_F_URL_PATH, "/login.php");
    expect_slot(CANH_F_URL_QUERY, "user=admin");
    expect_slot(CANH_F_HTTP_REQUEST_REFERRER, "http://shop.example.vn/");
    expect_slot(CANH_F_HTTP_VERSION, "1.1");
    expect_slot(CANH_F_USER_AGENT_ORIGINAL, "python-requests/2.31.0");
    expect_slot(CANH_F_HTTP_RESPONSE_STATUS_CODE, "302");
    expect_slot(CANH_F_HTTP_RESPONSE_BODY_BYTES, "1250");
    expect("http.request.body.bytes", "48");
    expect("zeek.http.status_msg", "Found");
    expect("zeek.http.trans_depth", "1");
    expect("zeek.http.resp_mime_types", "[\"text/html\"]");
    expect("zeek.http.origin", "-");
}

static void test_ssl(void **st)
{
    (void)st;
    decode_line(3);
    expect_time("2024-04-30T12:38:20.250000Z");
    expect_slot(CANH_F_TLS_VERSION, "1.2");
    expect("tls.version_protocol", "tls");
    expect_slot(CANH_F_TLS_CLIENT_SERVER_NAME, "update.badcdn.example");
    expect_slot(CANH_F_TLS_SERVER_SUBJECT, "CN=update.badcdn.example");
    expect_slot(CANH_F_TLS_SERVER_ISSUER, "CN=R3,O=Let's Encrypt,C=US");
    expect_slot(CANH_F_TLS_CLIENT_JA3, "72a589da586844d7f0818ce684948eea");
    expect_slot(CANH_F_TLS_SERVER_JA3S, "f4febc55ea12b31ae17cfb7e614afda8");
    expect("tls.cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    expect("tls.curve", "secp256r1");
    expect("tls.established", "true");
    expect("tls.resumed", "false");
    expect("zeek.ssl.validation_status", "ok");
    expect("zeek.ssl.cert_chain_fuids", "[\"FgN3AE3of2TRIqaeQe\"]");
}

static void test_other_logs(void **st)
{
    (void)st;
    decode_line(4); /* notice */
    expect_slot(CANH_F_EVENT_KIND, "alert");
    expect_slot(CANH_F_EVENT_CATEGORY, "intrusion_detection");
    expect_slot(CANH_F_RULE_NAME, "Scan::Port_Scan");
    expect_slot(CANH_F_MESSAGE,
                "192.168.1.50 scanned at least 15 unique ports of host 192.168.1.1 in 0m2s");
    expect("zeek.notice.note", "Scan::Port_Scan");
    expect("zeek.notice.actions", "[\"Notice::ACTION_LOG\"]");
    expect("zeek.notice.suppress_for", "3600");
    expect_slot(CANH_F_DESTINATION_PORT, "22");

    decode_line(10); /* files */
    expect_slot(CANH_F_EVENT_CATEGORY, "file");
    expect_slot(CANH_F_FILE_HASH_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    expect_slot(CANH_F_FILE_HASH_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect_slot(CANH_F_FILE_MIME_TYPE, "text/html");
    expect_slot(CANH_F_FILE_SIZE, "1250");
    expect("zeek.files.fuid", "FhJ2aQ3mG5n1xWQ0a");
    expect("zeek.files.analyzers", "[\"MD5\",\"SHA1\"]");

    decode_line(11); /* weird: no mapping beyond the tuple */
    expect("zeek.weird.name", "bad_TCP_checksum");
    expect("zeek.weird.notice", "false");
    expect_slot(CANH_F_SOURCE_IP, "10.0.0.9");
}

/* Without _path, the log type is told from its members. */
static void test_guess_path(void **st)
{
    (void)st;
    decode_line(6);
    expect("zeek.conn.state", "S0");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "smb");
    expect_slot(CANH_F_EVENT_TYPE, "connection");
    expect_time("2024-04-30T12:43:20.750000Z");

    decode_line(7);
    expect_slot(CANH_F_DNS_QUESTION_NAME, "www.example.com");
    expect_slot(CANH_F_DNS_RESPONSE_CODE, "NXDOMAIN");

    decode_line(8);
    expect_slot(CANH_F_HTTP_REQUEST_METHOD, "GET");
    expect_slot(CANH_F_URL_PATH, "/");
    expect_slot(CANH_F_URL_DOMAIN, "intranet");

    decode_line(9);
    expect_slot(CANH_F_TLS_VERSION, "1.3");
    expect_slot(CANH_F_TLS_CLIENT_SERVER_NAME, "mail.example.vn");
    /* "10.0.0.443" is no address: kept, out of the slot */
    assert_false(canh_event_has(ev, CANH_F_DESTINATION_IP));
    expect("zeek.ssl.id.resp_h", "10.0.0.443");

    /* nothing to tell it by: "unknown" */
    const char *l = "{\"ts\":1714481000.0,\"uid\":\"Cx\",\"id.orig_h\":\"10.0.0.1\","
                    "\"foo\":\"bar\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "zeek");
    expect("zeek.unknown.foo", "bar");
    /* a hostile _path does not make hostile field names */
    l = "{\"_path\":\"../x y\",\"ts\":1714481000.0,\"a\":1}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "zeek");
    expect("zeek.unknown.a", "1");
    /* forced zeek takes a record with ts only */
    l = "{\"ts\":1714481000.0,\"query\":\"a.example\",\"qtype_name\":\"A\"}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    assert_string_equal(decode_n(d_forced, l, strlen(l)), "zeek");
    expect_slot(CANH_F_DNS_QUESTION_NAME, "a.example");
}

static void test_odd_values(void **st)
{
    (void)st;
    /* negative duration and string bytes: kept, not mapped */
    const char *l = "{\"_path\":\"conn\",\"ts\":\"bad\",\"duration\":-1.0,\"orig_bytes\":\"x\","
                    "\"service\":\"-\",\"proto\":6}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "zeek");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
    assert_false(canh_event_has(ev, CANH_F_EVENT_DURATION));
    expect("zeek.conn.duration", "-1");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_BYTES));
    expect("zeek.conn.orig_bytes", "x");
    assert_false(canh_event_has(ev, CANH_F_NETWORK_PROTOCOL));
    expect("zeek.conn.service", "-");
    assert_false(canh_event_has(ev, CANH_F_NETWORK_TRANSPORT));
    /* TLS versions */
    l = "{\"_path\":\"ssl\",\"ts\":1.0e9,\"version\":\"SSLv3\"}";
    decode_n(d_auto, l, strlen(l));
    expect_slot(CANH_F_TLS_VERSION, "3.0");
    expect("tls.version_protocol", "ssl");
    l = "{\"_path\":\"ssl\",\"ts\":1.0e9,\"version\":\"DTLSv10\"}";
    decode_n(d_auto, l, strlen(l));
    expect_slot(CANH_F_TLS_VERSION, "1.0");
    expect("tls.version_protocol", "dtls");
    l = "{\"_path\":\"ssl\",\"ts\":1.0e9,\"version\":\"unknown-7\"}";
    decode_n(d_auto, l, strlen(l));
    assert_false(canh_event_has(ev, CANH_F_TLS_VERSION));
    expect("zeek.ssl.version", "unknown-7");
}

static void test_not_zeek(void **st)
{
    (void)st;
    const char *l = "{\"ts\":1714481000.0,\"uid\":\"C1\"}"; /* no tuple */
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}"; /* no ts */
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"_path\":5,\"ts\":1}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    assert_string_equal(decode_n(d_forced, "Mar  1 00:00:01 gw myapp: hi", 28), "generic");
}

static void test_prefixes(void **st)
{
    (void)st;
    for (size_t k = 0; k < nlines; k++) {
        size_t n = strlen(lines[k]);
        for (size_t i = 0; i < n; i++) {
            const char *name = decode_n(d_forced, lines[k], i);
            if (strcmp(name, "generic") != 0)
                fail_msg("prefix %zu of line %zu decoded as %s", i, k, name);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn),       cmocka_unit_test(test_dns),
        cmocka_unit_test(test_http),       cmocka_unit_test(test_ssl),
        cmocka_unit_test(test_other_logs), cmocka_unit_test(test_guess_path),
        cmocka_unit_test(test_odd_values), cmocka_unit_test(test_not_zeek),
        cmocka_unit_test(test_prefixes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
