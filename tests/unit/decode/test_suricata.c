/* Unit tests: Suricata EVE JSON (decode_suricata.c). The records are in
 * tests/fixtures/suricata/eve.json, one per line, in the order tested. */
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

#define JSON_TEST_TYPE "suricata"
#define JSON_TEST_FIXTURE "/suricata/eve.json"
#define JSON_TEST_MIN_LINES 12
#include "test_json_util.h"

static void test_alert_http(void **st)
{
    (void)st;
    decode_line(0);
    expect_time("2024-04-30T12:34:56.789012Z");
    expect("event.dataset", "suricata");
    expect_slot(CANH_F_EVENT_MODULE, "suricata");
    expect_slot(CANH_F_EVENT_KIND, "alert");
    expect_slot(CANH_F_EVENT_CATEGORY, "intrusion_detection");
    expect_slot(CANH_F_EVENT_TYPE, "allowed");
    expect_slot(CANH_F_EVENT_ACTION, "allowed");
    expect_slot(CANH_F_SOURCE_IP, "203.0.113.45");
    expect_slot(CANH_F_SOURCE_PORT, "51234");
    expect_slot(CANH_F_DESTINATION_IP, "10.0.0.5");
    expect_slot(CANH_F_DESTINATION_PORT, "80");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "tcp");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "http");
    expect_slot(CANH_F_NETWORK_COMMUNITY_ID, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    expect_slot(CANH_F_OBSERVER_INGRESS_INTERFACE_NAME, "eth0");
    expect_slot(CANH_F_OBSERVER_NAME, "ids-hn-01");
    expect_slot(CANH_F_HOST_NAME, "ids-hn-01");
    expect("suricata.eve.flow_id", "1805461738637437");
    expect("suricata.eve.event_type", "alert");
    expect("suricata.eve.tx_id", "0");
    /* alert */
    expect_slot(CANH_F_RULE_NAME, "ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT");
    expect_slot(CANH_F_MESSAGE, "ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT");
    expect_slot(CANH_F_RULE_ID, "2024897");
    expect("suricata.eve.alert.signature_id", "2024897");
    expect_slot(CANH_F_RULE_CATEGORY, "Web Application Attack");
    expect_slot(CANH_F_EVENT_SEVERITY, "1");
    expect("suricata.eve.alert.gid", "1");
    expect("suricata.eve.alert.rev", "3");
    expect("suricata.eve.alert.action", "allowed");
    expect("suricata.eve.alert.metadata.attack_target", "[\"Web_Server\"]");
    expect_absent("suricata.eve.alert.signature");
    expect_absent("suricata.eve.src_ip");
    /* http */
    expect_slot(CANH_F_URL_DOMAIN, "shop.example.vn");
    expect_slot(CANH_F_DESTINATION_DOMAIN, "shop.example.vn");
    expect_slot(CANH_F_URL_ORIGINAL,
                "/products.php?id=1%20UNION%20SELECT%20username,password%20FROM%20users");
    expect_slot(CANH_F_URL_PATH, "/products.php");
    expect_slot(CANH_F_URL_QUERY, "id=1%20UNION%20SELECT%20username,password%20FROM%20users");
    expect_slot(CANH_F_USER_AGENT_ORIGINAL, "sqlmap/1.7.2#stable (https://sqlmap.org)");
    expect_slot(CANH_F_HTTP_REQUEST_METHOD, "GET");
    expect_slot(CANH_F_HTTP_VERSION, "1.1");
    expect_slot(CANH_F_HTTP_RESPONSE_STATUS_CODE, "200");
    expect_slot(CANH_F_HTTP_RESPONSE_BODY_BYTES, "5120");
    expect("suricata.eve.http.http_content_type", "text/html");
    /* flow */
    expect_slot(CANH_F_SOURCE_PACKETS, "5");
    expect_slot(CANH_F_DESTINATION_PACKETS, "4");
    expect_slot(CANH_F_SOURCE_BYTES, "811");
    expect_slot(CANH_F_DESTINATION_BYTES, "5832");
    expect_slot(CANH_F_NETWORK_BYTES, "6643");
    expect_slot(CANH_F_NETWORK_PACKETS, "9");
    expect("event.start", "2024-04-30T12:34:56.512345+0000");
    expect("suricata.eve.flow.start", "2024-04-30T12:34:56.512345+0000");
}

static void test_alert_tls(void **st)
{
    (void)st;
    decode_line(1);
    expect_time("2024-04-30T05:35:10.004411Z"); /* +0700 */
    expect_slot(CANH_F_EVENT_KIND, "alert");
    expect_slot(CANH_F_EVENT_TYPE, "denied");
    expect_slot(CANH_F_EVENT_ACTION, "blocked");
    expect_slot(CANH_F_RULE_ID, "2027865");
    expect_slot(CANH_F_RULE_CATEGORY, "A Network Trojan was detected");
    expect_slot(CANH_F_OBSERVER_INGRESS_INTERFACE_NAME, "ens192");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "tls");
    expect_slot(CANH_F_TLS_CLIENT_SERVER_NAME, "update.badcdn.example");
    expect_slot(CANH_F_TLS_VERSION, "1.2");
    expect("tls.version_protocol", "tls");
    expect_slot(CANH_F_TLS_SERVER_SUBJECT, "CN=update.badcdn.example");
    expect_slot(CANH_F_TLS_SERVER_ISSUER, "CN=R3, O=Let's Encrypt, C=US");
    expect_slot(CANH_F_TLS_CLIENT_JA3, "72a589da586844d7f0818ce684948eea");
    expect_slot(CANH_F_TLS_SERVER_JA3S, "f4febc55ea12b31ae17cfb7e614afda8");
    expect("suricata.eve.tls.ja3.string", "771,4865-4866,0-23-65281,29-23-24,0");
    expect("suricata.eve.tls.ja3s.string", "771,49199,65281-0");
    expect("suricata.eve.tls.serial", "04:1A:2B");
    expect("suricata.eve.tls.notafter", "2024-06-30T00:00:00");
    expect_absent("suricata.eve.tls.ja3.hash");
}

static void test_flow(void **st)
{
    (void)st;
    decode_line(2);
    expect_time("2024-04-30T12:40:00.000100Z");
    expect_slot(CANH_F_EVENT_KIND, "event");
    expect_slot(CANH_F_EVENT_CATEGORY, "network");
    expect_slot(CANH_F_EVENT_TYPE, "connection");
    expect_slot(CANH_F_NETWORK_TRANSPORT, "udp");
    expect_slot(CANH_F_NETWORK_PROTOCOL, "dns");
    expect_slot(CANH_F_SOURCE_BYTES, "74");
    expect_slot(CANH_F_DESTINATION_BYTES, "90");
    expect_slot(CANH_F_NETWORK_BYTES, "164");
    expect_slot(CANH_F_NETWORK_PACKETS, "2");
    expect("event.start", "2024-04-30T12:39:30.000000+0000");
    expect("event.end", "2024-04-30T12:39:30.020000+0000");
    expect("suricata.eve.flow.state", "established");
    expect("suricata.eve.flow.reason", "timeout");
    expect("suricata.eve.flow.alerted", "false");
    expect("suricata.eve.flow.age", "0");
    expect_absent("rule.name");
    expect_absent("observer.name");
}

static void test_dns(void **st)
{
    (void)st;
    decode_line(3);
    expect_slot(CANH_F_EVENT_TYPE, "protocol");
    expect_slot(CANH_F_DNS_QUESTION_NAME, "evil-c2.example.net");
    expect_slot(CANH_F_DNS_QUESTION_TYPE, "A");
    expect_slot(CANH_F_DNS_RESPONSE_CODE, "NOERROR");
    expect_slot(CANH_F_DNS_TYPE, "answer");
    expect_slot(CANH_F_DNS_ID, "41785");
    expect("suricata.eve.dns.answers",
           "[{\"rrname\":\"evil-c2.example.net\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":"
           "\"192.0.2.66\"}]");
    expect("suricata.eve.dns.grouped.A", "[\"192.0.2.66\"]");
    expect("suricata.eve.dns.qr", "true");
    expect("suricata.eve.dns.flags", "8180");

    /* DNS v3: the question is in queries[] */
    decode_line(4);
    expect_slot(CANH_F_DNS_QUESTION_NAME, "www.example.org");
    expect_slot(CANH_F_DNS_QUESTION_TYPE, "AAAA");
    expect_slot(CANH_F_DNS_TYPE, "request");
    expect_slot(CANH_F_DNS_ID, "7");
    expect("suricata.eve.dns.queries", "[{\"rrname\":\"www.example.org\",\"rrtype\":\"AAAA\"}]");
    assert_false(ev->flags & CANH_EVF_NO_TIME);
}

static void test_http(void **st)
{
    (void)st;
    decode_line(5);
    expect_slot(CANH_F_EVENT_TYPE, "protocol");
    expect_slot(CANH_F_URL_DOMAIN, "www.example.com");
    expect_slot(CANH_F_URL_ORIGINAL, "/index.html?lang=vi");
    expect_slot(CANH_F_URL_PATH, "/index.html");
    expect_slot(CANH_F_URL_QUERY, "lang=vi");
    expect_slot(CANH_F_HTTP_REQUEST_REFERRER, "http://www.example.com/");
    expect_slot(CANH_F_USER_AGENT_ORIGINAL, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
    expect_slot(CANH_F_HTTP_RESPONSE_STATUS_CODE, "200");
    expect_slot(CANH_F_HTTP_RESPONSE_BODY_BYTES, "1256");
    expect_slot(CANH_F_HTTP_VERSION, "1.1");
}

static void test_tls(void **st)
{
    (void)st;
    decode_line(6);
    expect_slot(CANH_F_TLS_CLIENT_SERVER_NAME, "www.google.com");
    expect_slot(CANH_F_TLS_VERSION, "1.3");
    expect_slot(CANH_F_TLS_SERVER_ISSUER, "C=US, O=Google Trust Services LLC, CN=GTS CA 1C3");
    expect_slot(CANH_F_TLS_CLIENT_JA3, "cd08e31494f9531f560d64c695473da9");
}

static void test_fileinfo(void **st)
{
    (void)st;
    decode_line(7);
    expect_slot(CANH_F_EVENT_TYPE, "info");
    expect_slot(CANH_F_FILE_NAME, "setup.exe");
    expect_slot(CANH_F_FILE_PATH, "/files/setup.exe");
    expect_slot(CANH_F_FILE_HASH_MD5, "44d88612fea8a8f36de82e1278abb02f");
    expect_slot(CANH_F_FILE_HASH_SHA1, "3395856ce81f2b7382dee72602f798b642f14140");
    expect_slot(CANH_F_FILE_HASH_SHA256,
                "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
    expect_slot(CANH_F_FILE_SIZE, "73802");
    expect("suricata.eve.fileinfo.magic", "PE32 executable (GUI) Intel 80386, for MS Windows");
    expect("suricata.eve.fileinfo.state", "CLOSED");
    expect("suricata.eve.fileinfo.stored", "false");
    expect_slot(CANH_F_URL_PATH, "/files/setup.exe");
    expect_slot(CANH_F_URL_DOMAIN, "dl.example.com");
}

static void test_other_types(void **st)
{
    (void)st;
    decode_line(8); /* anomaly */
    expect_slot(CANH_F_EVENT_TYPE, "info");
    expect("suricata.eve.anomaly.type", "decode");
    expect("suricata.eve.anomaly.event", "ipv4.trunc_pkt");
    expect_slot(CANH_F_SOURCE_PORT, "0");

    decode_line(9); /* ssh */
    expect("suricata.eve.ssh.client.software_version", "libssh2_1.10.0");
    expect("suricata.eve.ssh.server.software_version", "OpenSSH_8.9p1");
    expect_slot(CANH_F_DESTINATION_PORT, "22");

    decode_line(10); /* smtp */
    expect("suricata.eve.smtp.helo", "mail.example.vn");
    expect("suricata.eve.smtp.rcpt_to", "[\"<b@example.vn>\"]");

    decode_line(11); /* netflow */
    expect_slot(CANH_F_EVENT_TYPE, "connection");
    expect("suricata.eve.netflow.bytes", "1200");
    expect("suricata.eve.netflow.pkts", "10");
}

static void test_edge_values(void **st)
{
    (void)st;
    /* an address that is not one stays under the vendor name's slot name,
     * a numeric proto is kept, a bad timestamp is flagged */
    const char *l = "{\"timestamp\":\"garbage\",\"event_type\":\"flow\",\"src_ip\":\"nope\","
                    "\"dest_ip\":\"fe80::1%eth0\",\"proto\":17,\"flow_id\":1}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "suricata");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    expect("suricata.eve.src_ip", "nope");
    expect_slot(CANH_F_DESTINATION_IP, "fe80::1%eth0");
    expect("suricata.eve.proto", "17");
    assert_false(canh_event_has(ev, CANH_F_NETWORK_TRANSPORT));

    /* SSLv3 */
    l = "{\"timestamp\":\"2024-04-30T12:43:00Z\",\"event_type\":\"tls\","
        "\"tls\":{\"version\":\"SSLv3\"}}";
    decode_n(d_auto, l, strlen(l));
    expect_slot(CANH_F_TLS_VERSION, "3.0");
    expect("tls.version_protocol", "ssl");
    l = "{\"timestamp\":\"2024-04-30T12:43:00Z\",\"event_type\":\"tls\","
        "\"tls\":{\"version\":\"UNDETERMINED\"}}";
    decode_n(d_auto, l, strlen(l));
    assert_false(canh_event_has(ev, CANH_F_TLS_VERSION));
    expect("suricata.eve.tls.version", "UNDETERMINED");

    /* an absolute URL (proxy request) */
    l = "{\"timestamp\":\"2024-04-30T12:43:00Z\",\"event_type\":\"http\",\"http\":{\"url\":"
        "\"http://user@proxy.example:3128/a/b?c=d#frag\",\"hostname\":\"proxy.example\"}}";
    decode_n(d_auto, l, strlen(l));
    expect_slot(CANH_F_URL_SCHEME, "http");
    expect_slot(CANH_F_URL_DOMAIN, "proxy.example");
    expect_slot(CANH_F_URL_PATH, "/a/b");
    expect_slot(CANH_F_URL_QUERY, "c=d");
}

static void test_not_eve(void **st)
{
    (void)st;
    /* event_type without timestamp/flow_id is not EVE; other JSON is not */
    const char *l = "{\"event_type\":\"alert\",\"x\":1}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"timestamp\":\"2024-04-30T12:43:00Z\",\"event_type\":5}";
    assert_string_equal(decode_n(d_auto, l, strlen(l)), "json");
    l = "{\"ts\":1714000000.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}";
    assert_string_not_equal(decode_n(d_auto, l, strlen(l)), "suricata");
    /* forced suricata on other JSON: the generic JSON decoder takes it */
    assert_string_equal(decode_n(d_forced, l, strlen(l)), "zeek");
    assert_string_equal(decode_n(d_forced, "not json", 8), "generic");
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

/* EVE through syslog (Suricata's syslog output with the JSON as message). */
static void test_in_syslog(void **st)
{
    (void)st;
    char line[20000];
    snprintf(line, sizeof line, "Apr 30 12:35:00 ids-hn-01 suricata[2211]: %s", lines[0]);
    assert_string_equal(decode_n(d_auto, line, strlen(line)), "suricata");
    expect_time("2024-04-30T12:34:56.789012Z");
    expect_slot(CANH_F_RULE_ID, "2024897");
    expect_slot(CANH_F_PROCESS_NAME, "suricata");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_http),  cmocka_unit_test(test_alert_tls),
        cmocka_unit_test(test_flow),        cmocka_unit_test(test_dns),
        cmocka_unit_test(test_http),        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_fileinfo),    cmocka_unit_test(test_other_types),
        cmocka_unit_test(test_edge_values), cmocka_unit_test(test_not_eve),
        cmocka_unit_test(test_prefixes),    cmocka_unit_test(test_in_syslog),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
