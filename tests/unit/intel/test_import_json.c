/* Unit tests: JSON feeds - Feodo Tracker, MISP events (the PyMISP sample
 * events and a fixture), STIX 2.x bundles (the OASIS pattern examples and a
 * fixture) - and the STIX pattern parser's limits. */
#include <jansson.h>

#include "import_sink.h"

#define H 3600
#define MISP_DIR CANH_CORPORA "/misp/"
#define EV                                                                                         \
    "\"event_info\":\"Chiến dịch botnet Mirai nhắm vào camera IP (test event)\","           \
    "\"event_uuid\":\"5f3c2a10-1111-4a4a-9b9b-0c0c0c0c0c0c\","

static void json_file(const char *path, canh_feed_format_t fmt, canh_feed_format_t want_det,
                      got_t *g)
{
    canh_errbuf_t eb;
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("test");
    int rc = run_file(path, fmt, &o, g, &det, &eb);
    if (rc != CANH_OK)
        fail_msg("%s: rc %d (%s)", path, rc, eb.msg);
    assert_int_equal(det, want_det);
}

static void test_feodo(void **state)
{
    (void)state;
    got_t g = {0};
    json_file(FIX("feodo_ipblocklist.json"), CANH_FEED_AUTO, CANH_FEED_FEODO_JSON, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 4);
    assert_ind(&g, "51.75.64.236", CANH_IOC_IP, 0, "c2", "QakBot", 1610869486, NOW,
               "{\"port\":443,\"status\":\"online\",\"hostname\":\"ip236.ip-51-75-64.eu\","
               "\"as_number\":16276,\"as_name\":\"OVH\",\"country\":\"FR\"}");
    assert_ind(&g, "162.243.103.246", CANH_IOC_IP, 0, "c2", "Pikabot", 1701875464, NOW - 86400,
               "{\"port\":8080,\"status\":\"offline\",\"as_number\":14061,\"as_name\":"
               "\"DIGITALOCEAN-ASN\",\"country\":\"US\"}");
    assert_rej(&g, 0, 0, "[2] ip_address: \"162.243.103.300\" is not an IP address");
    assert_rej(&g, 1, 0, "[3]: not an object");
    assert_rej(&g, 2, 0, "[4] ip_address: empty value");
    assert_rej(&g, 3, 0, "[5] first_seen: \"sometime\" is not a date");
    got_free(&g);
}

static void test_misp_fixture(void **state)
{
    (void)state;
    got_t g = {0};
    json_file(FIX("misp_event.json"), CANH_FEED_AUTO, CANH_FEED_MISP, &g);
    assert_int_equal(g.n, 6);
    assert_int_equal(g.nrej, 7);
    /* event tags: malpedia galaxy -> family, "botnet" -> threat; event date
     * -> first seen, attribute timestamp -> last seen */
    int64_t date = NOW - 3 * 86400, ts = NOW + H;
    assert_ind(&g, "45.95.147.10", CANH_IOC_IP, 0, "botnet", "Mirai", date, ts,
               "{" EV "\"attribute_uuid\":\"a0000001-0000-4000-8000-000000000001\","
               "\"misp_type\":\"ip-dst\",\"category\":\"Network activity\",\"comment\":"
               "\"C2 server\"}");
    assert_ind(&g, "2001:db8::66", CANH_IOC_IP, 0, "botnet", "Mirai", date, ts,
               "{\"port\":23," EV "\"attribute_uuid\":\"a0000001-0000-4000-8000-000000000002\","
               "\"misp_type\":\"ip-src|port\",\"category\":\"Network activity\"}");
    /* domain|ip: both; the attribute's own first_seen/last_seen */
    assert_ind(&g, "cnc.mirai-test.example", CANH_IOC_DOMAIN, 0, "botnet", "Mirai",
               NOW - 11 * 86400, NOW - 12 * H,
               "{\"resolves_to\":\"45.95.147.11\"," EV
               "\"attribute_uuid\":\"a0000001-0000-4000-8000-000000000003\",\"misp_type\":"
               "\"domain|ip\",\"category\":\"Network activity\"}");
    assert_ind(&g, "45.95.147.11", CANH_IOC_IP, 0, "botnet", "Mirai", NOW - 11 * 86400,
               NOW - 12 * H,
               "{" EV "\"attribute_uuid\":\"a0000001-0000-4000-8000-000000000003\",\"misp_type\":"
               "\"domain|ip\",\"category\":\"Network activity\",\"domain\":"
               "\"cnc.mirai-test.example\"}");
    /* attribute tags win over the event's */
    assert_ind(&g, "2e0b1b0b0d3e2bd36e0b5e7b1f1d6e5c2a3f4b5c6d7e8f90a1b2c3d4e5f60718",
               CANH_IOC_SHA256, 0, "c2", "Mirai (ARM build)", date, ts,
               "{\"filename\":\"mirai.arm7\"," EV
               "\"attribute_uuid\":\"a0000001-0000-4000-8000-000000000004\",\"misp_type\":"
               "\"filename|sha256\",\"category\":\"Payload delivery\"}");
    /* from an object */
    assert_ind(&g, "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", CANH_IOC_SHA1, 0, "botnet", "Mirai",
               date, ts,
               "{" EV "\"attribute_uuid\":\"a0000001-0000-4000-8000-00000000000b\","
               "\"misp_type\":\"sha1\",\"category\":\"Payload delivery\",\"object\":\"file\"}");
    assert_rej(&g, 0, 0,
               "attribute a0000001-0000-4000-8000-000000000005: type \"email-src\" is not "
               "supported");
    assert_rej(&g, 1, 0,
               "attribute a0000001-0000-4000-8000-000000000006: \"45.95.147.300\" is not an IP "
               "address");
    assert_rej(&g, 2, 0, "attribute a0000001-0000-4000-8000-000000000007: deleted");
    assert_rej(&g, 3, 0,
               "attribute a0000001-0000-4000-8000-000000000008: to_ids is false (not meant for "
               "detection)");
    assert_rej(&g, 4, 0,
               "attribute a0000001-0000-4000-8000-000000000009: \"0749bae92ca336a02c83d126e04ec62\""
               ": md5 needs 32 hex digits, got 31 characters");
    assert_rej(&g, 5, 0,
               "attribute a0000001-0000-4000-8000-00000000000a: ip-dst|port value "
               "\"45.95.147.12\" has no '|'");
    assert_rej(&g, 6, 0,
               "attribute a0000001-0000-4000-8000-00000000000c: type \"filename\" is not "
               "supported");
    got_free(&g);
}

/* The PyMISP sample events. */
static void test_misp_corpus(void **state)
{
    (void)state;
    got_t g = {0};
    json_file(MISP_DIR "57c4445b-c548-4654-af0b-4be3950d210f.json", CANH_FEED_AUTO, CANH_FEED_MISP,
              &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.nrej, 6);
    /* circl:incident-classification="malware" -> threat; event date 2016-08-29 */
    assert_ind(&g, "0749bae92ca336a02c83d126e04ec628", CANH_IOC_MD5, 0, "malware", NULL, 1472428800,
               1472480395,
               "{\"event_info\":\"Ransomware - Xorist\",\"event_uuid\":"
               "\"57c4445b-c548-4654-af0b-4be3950d210f\",\"attribute_uuid\":"
               "\"57c4448b-454c-4d17-90d1-4d2f950d210f\",\"misp_type\":\"md5\",\"category\":"
               "\"Payload delivery\",\"comment\":\"Imported via the Freetext Import Tool\"}");
    assert_non_null(find_ind(&g, "77b0c41b7d340b8a3d903f21347bbf06aa766b5b"));
    assert_non_null(
        find_ind(&g, "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68"));
    assert_rej(&g, 0, 0,
               "attribute 57c5300c-0560-4146-bfaa-40e802de0b81: type \"link\" is not "
               "supported");
    assert_rej(&g, 2, 0,
               "attribute 57c444c0-8004-48fa-9c33-8aca950d210f: type \"comment\" is "
               "not supported");
    assert_rej(&g, 5, 0,
               "attribute 57c54b0f-27a4-458b-8e63-4455950d210f: type \"regkey|value\" "
               "is not supported");
    got_free(&g);

    /* a bare event (no "Event" wrapper) */
    json_file(MISP_DIR "misp_event.json", CANH_FEED_AUTO, CANH_FEED_MISP, &g);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.nrej, 2);
    assert_rej(&g, 0, 0,
               "attribute 575c8598-f1f0-4c16-a94a-0612c0a83866: to_ids is false (not "
               "meant for detection)");
    assert_rej(&g, 1, 0,
               "attribute 575c8549-9010-4555-8b37-057ac0a83866: type \"text\" is not "
               "supported");
    got_free(&g);

    /* MISP's STIX 2.0 export carries observed data, not indicators */
    json_file(MISP_DIR "stix2.json", CANH_FEED_AUTO, CANH_FEED_STIX, &g);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.nrej, 1);
    assert_rej(&g, 0, 0,
               "observed-data--0853d51f-0fe7-4d35-b3cb-b96bdbc1f0ee: object type "
               "observed-data is not imported (only indicators)");
    got_free(&g);
}

static void test_stix_fixture(void **state)
{
    (void)state;
    got_t g = {0};
    json_file(FIX("stix_bundle.json"), CANH_FEED_AUTO, CANH_FEED_STIX, &g);
    assert_int_equal(g.n, 8);
    assert_int_equal(g.nrej, 9);
    int64_t vf = NOW - 30 * 86400;
    /* valid_from -> first seen, valid_until -> expires, confidence; the
     * family from the "indicates" relationship; "c2" in indicator_types */
    assert_ind(&g, "198.51.100.1", CANH_IOC_IP, 0, "c2", "Emotet", vf, NOW,
               "{\"stix_id\":\"indicator--00000000-0000-4000-8000-000000000001\",\"name\":"
               "\"Emotet C2\",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\"}");
    const got_ind_t *x = find_ind(&g, "198.51.100.1");
    assert_int_equal(x->ind.expires, NOW + 61 * 86400);
    assert_int_equal(x->ind.confidence, 85);
    /* OR across observations: both; ISSUBSET: the CIDR */
    assert_ind(&g, "203.0.113.0/24", CANH_IOC_IP, 0, "malicious", NULL, vf, NOW,
               "{\"stix_id\":\"indicator--00000000-0000-4000-8000-000000000002\",\"pattern\":"
               "\"[ipv4-addr:value ISSUBSET '203.0.113.0/24'] OR [ipv6-addr:value = "
               "'2001:DB8::1']\"}");
    assert_non_null(find_ind(&g, "2001:db8::1"));
    assert_ind(&g, "cnc.example.org", CANH_IOC_DOMAIN, 0, "botnet", NULL, vf, NOW,
               "{\"stix_id\":\"indicator--00000000-0000-4000-8000-000000000003\",\"pattern\":"
               "\"[domain-name:value = 'cnc.example.org' OR url:value = "
               "'http://cnc.example.org/gate.php']\"}");
    assert_non_null(find_ind(&g, "http://cnc.example.org/gate.php"));
    /* AND inside one observation: the hash; the mime type only narrows it */
    x = find_ind(&g, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f");
    assert_non_null(x);
    assert_int_equal(x->ind.type, CANH_IOC_SHA256);
    assert_non_null(find_ind(&g, "cead3f77f6cda6ec00f57d76c9a6879f"));
    assert_non_null(find_ind(&g, "3395856ce81f2b7382dee72602f798b642f14140"));
    assert_rej(&g, 0, 0,
               "indicator--00000000-0000-4000-8000-000000000005: part of the pattern is "
               "not imported: \"file:name =\"");
    assert_rej(&g, 1, 0,
               "indicator--00000000-0000-4000-8000-000000000006: unsupported pattern: "
               "AND across observables: [ipv4-addr:value = '198.51.100.2'] AND "
               "[domain-name:value = 'b.example.org']");
    assert_rej(&g, 2, 0,
               "indicator--00000000-0000-4000-8000-000000000007: bad pattern: expected "
               "']' at offset 33: [ipv4-addr:value = '198.51.100.3'");
    assert_rej(&g, 3, 0,
               "indicator--00000000-0000-4000-8000-000000000008: pattern_type \"snort\" "
               "is not supported");
    assert_rej(&g, 4, 0, "indicator--00000000-0000-4000-8000-000000000009: revoked");
    assert_rej(&g, 5, 0,
               "indicator--00000000-0000-4000-8000-00000000000a: \"198.51.100.0/33\": "
               "CIDR prefix length 33 out of range");
    assert_rej(&g, 6, 0,
               "indicator--00000000-0000-4000-8000-00000000000b: unsupported pattern: "
               "nothing to match in \"email-addr:value =\": [email-addr:value = "
               "'phish@example.com']");
    assert_rej(&g, 7, 0,
               "observed-data--40000000-0000-4000-8000-000000000000: object type "
               "observed-data is not imported (only indicators)");
    assert_rej(&g, 8, 0,
               "ipv4-addr--50000000-0000-4000-8000-000000000000: object type ipv4-addr "
               "is not imported (only indicators)");
    got_free(&g);
}

/* Imports a bundle of one indicator per pattern; returns its JSON text. */
static char *bundle_of(const char *const *patterns, size_t n)
{
    json_t *objs = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof id, "indicator--%08zu-0000-4000-8000-000000000000", i + 1);
        json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
                                              "spec_version", "2.1", "id", id, "pattern",
                                              patterns[i], "pattern_type", "stix", "valid_from",
                                              "2024-01-01T00:00:00Z"));
    }
    json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", "bundle--t", "objects", objs);
    char *text = json_dumps(b, 0);
    json_decref(b);
    return text;
}

/* The OASIS pattern examples (cti-pattern-validator), one indicator each. */
static void test_stix_corpus(void **state)
{
    (void)state;
    FILE *f = fopen(CANH_CORPORA "/stix/spec_examples_v21.txt", "r");
    assert_non_null(f);
    char *lines[64];
    size_t n = 0;
    char buf[4096];
    while (n < 64 && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0])
            lines[n++] = strdup(buf);
    }
    fclose(f);
    assert_int_equal(n, 23);
    char *text = bundle_of((const char *const *)lines, n);
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("oasis");
    assert_int_equal(
        run_mem("examples.json", text, strlen(text), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_STIX);
    /* taken: the SHA-256 alone and with a mime type (examples 1, 3), a
     * network-traffic destination address and name (11, 12), a domain with a
     * resolves_to constraint (13), two URLs (14), an IPv6 ISSUBSET (21), an
     * MD5 (23) */
    assert_int_equal(g.n, 9);
    assert_int_equal(g.nrej, 15);
    assert_non_null(find_ind(&g, "203.0.113.33"));
    assert_non_null(find_ind(&g, "example.com"));
    assert_non_null(find_ind(&g, "www.5z8.info"));
    assert_non_null(find_ind(&g, "http://example.com/foo"));
    assert_non_null(find_ind(&g, "http://example.com/bar"));
    assert_non_null(find_ind(&g, "2001:db8:dead:beef::/64"));
    assert_non_null(find_ind(&g, "cead3f77f6cda6ec00f57d76c9a69faa"));
    /* every reject names its indicator; the refusals say why */
    static const char *const why[15] = {
        "indicator--00000002-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"email-message:from_ref.value MATCHES\"",
        "indicator--00000004-0000-4000-8000-000000000000: unsupported pattern: AND across "
        "observables",
        "indicator--00000005-0000-4000-8000-000000000000: unsupported pattern: FOLLOWEDBY across "
        "observables",
        "indicator--00000006-0000-4000-8000-000000000000: unsupported pattern: AND across "
        "observables",
        "indicator--00000007-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"artifact:mime_type =\"",
        "indicator--00000008-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"file:name =\"",
        "indicator--00000009-0000-4000-8000-000000000000: unsupported pattern: nothing to match "
        "in \"file:extensions.windows-pebinary-ext.sections[*].entropy >\"",
        "indicator--00000010-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"file:mime_type =\"",
        "indicator--00000015-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"x509-certificate:issuer =\"",
        "indicator--00000016-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"windows-registry-key:key =\"",
        "indicator--00000017-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"file:name =\"",
        "indicator--00000018-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"email-message:sender_ref.value =\"",
        "indicator--00000019-0000-4000-8000-000000000000: unsupported pattern: nothing to "
        "match in \"x-usb-device:usbdrive.serial_number =\"",
        "indicator--00000020-0000-4000-8000-000000000000: unsupported pattern: FOLLOWEDBY "
        "across observables",
        "indicator--00000022-0000-4000-8000-000000000000: unsupported pattern: AND across "
        "observables",
    };
    for (size_t i = 0; i < 15; i++) {
        assert_int_equal(g.rej[i].line, 0);
        if (strncmp(g.rej[i].reason, why[i], strlen(why[i])) != 0)
            fail_msg("reject %zu: %s\nwant prefix: %s", i, g.rej[i].reason, why[i]);
    }
    got_free(&g);
    free(text);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

static void test_stix_patterns(void **state)
{
    (void)state;
    char deep[200];
    size_t k = 0;
    for (int i = 0; i < 40; i++)
        deep[k++] = '(';
    k += (size_t)snprintf(deep + k, sizeof deep - k, "[ipv4-addr:value = '1.1.1.1']");
    for (int i = 0; i < 40 && k + 1 < sizeof deep; i++)
        deep[k++] = ')';
    deep[k] = '\0';
    char *huge = malloc(CANH_MAX_STIX_PATTERN + 64);
    assert_non_null(huge);
    memset(huge, ' ', CANH_MAX_STIX_PATTERN + 10);
    memcpy(huge, "[ipv4-addr:value = '1.1.1.2']", 29);
    huge[CANH_MAX_STIX_PATTERN + 10] = '\0';
    const char *const pats[] = {
        "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]",
        "[ipv4-addr:value NOT = '10.0.0.3']",
        "[url:value = 'http://x.example/it\\'s']",
        "([domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']) WITHIN 60 "
        "SECONDS",
        "[file:hashes.'SHA-1' = '3395856ce81f2b7382dee72602f798b642f14140'] START "
        "t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
        deep,
        huge,
        "[ipv4-addr:value = '1.1.1.3'] garbage",
        "[ipv4-addr:value = 1]",
        "",
    };
    size_t np = sizeof pats / sizeof pats[0];
    char *text = bundle_of(pats, np);
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("t");
    assert_int_equal(run_mem("p.json", text, strlen(text), CANH_FEED_STIX, &o, &g, &det, &eb),
                     CANH_OK);
    assert_non_null(find_ind(&g, "10.0.0.1"));
    assert_non_null(find_ind(&g, "10.0.0.2"));
    assert_null(find_ind(&g, "10.0.0.3"));
    assert_non_null(find_ind(&g, "http://x.example/it's"));
    assert_non_null(find_ind(&g, "a.example"));
    assert_non_null(find_ind(&g, "b.example"));
    assert_non_null(find_ind(&g, "3395856ce81f2b7382dee72602f798b642f14140"));
    assert_int_equal(g.n, 6);
    assert_int_equal(g.nrej, 6);
    assert_rej(&g, 0, 0,
               "indicator--00000002-0000-4000-8000-000000000000: unsupported pattern: "
               "nothing to match in \"ipv4-addr:value NOT =\": [ipv4-addr:value NOT = "
               "'10.0.0.3']");
    if (strncmp(g.rej[1].reason,
                "indicator--00000006-0000-4000-8000-000000000000: bad pattern: nested deeper "
                "than 32: ",
                80) != 0)
        fail_msg("%s", g.rej[1].reason);
    assert_rej(&g, 2, 0,
               "indicator--00000007-0000-4000-8000-000000000000: pattern longer than "
               "65536 bytes");
    assert_rej(&g, 3, 0,
               "indicator--00000008-0000-4000-8000-000000000000: bad pattern: "
               "unexpected text at offset 30: [ipv4-addr:value = '1.1.1.3'] garbage");
    assert_rej(&g, 4, 0,
               "indicator--00000009-0000-4000-8000-000000000000: unsupported pattern: "
               "nothing to match in \"ipv4-addr:value =\": [ipv4-addr:value = 1]");
    assert_rej(&g, 5, 0,
               "indicator--00000010-0000-4000-8000-000000000000: bad pattern: expected "
               "'[' at offset 0: ");
    got_free(&g);
    free(text);
    free(huge);

    /* a lone indicator object is a bundle of one */
    const char one[] = "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":"
                       "\"[domain-name:value = 'one.example']\",\"labels\":[\"botnet\"]}";
    assert_int_equal(run_mem(NULL, one, sizeof one - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_STIX);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.ind[0].ind.threat, "botnet");
    got_free(&g);
}

static void test_json_errors(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("t");
    const char bad[] = "{\"Event\": {\"Attribute\": [}";
    assert_int_equal(run_mem("e.json", bad, sizeof bad - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_string_equal(eb.msg, "e.json:1:26: not JSON: unexpected token near '}'");
    const char other[] = "{\"hello\": 1}";
    assert_int_equal(run_mem("o.json", other, sizeof other - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_string_equal(eb.msg,
                        "o.json: JSON, but not a Feodo Tracker list, MISP event or STIX bundle");
    assert_int_equal(run_mem("o.json", other, sizeof other - 1, CANH_FEED_STIX, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_string_equal(eb.msg, "o.json: not a STIX bundle (no \"objects\" array)");
    assert_int_equal(run_mem("o.json", other, sizeof other - 1, CANH_FEED_MISP, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_string_equal(eb.msg, "o.json: not a MISP event (no \"Event\")");
    assert_int_equal(
        run_mem("o.json", other, sizeof other - 1, CANH_FEED_FEODO_JSON, &o, &g, &det, &eb),
        CANH_EINVAL);
    assert_string_equal(eb.msg, "o.json: not a Feodo Tracker list (no array)");
    assert_int_equal(det, 99);
    assert_int_equal(g.n + g.nrej, 0);

    /* MISP response lists and event arrays */
    const char resp[] = "{\"response\":[{\"Event\":{\"Attribute\":[{\"type\":\"ip-dst\","
                        "\"value\":\"1.2.3.4\",\"to_ids\":true}]}}, 5]}";
    assert_int_equal(run_mem("r.json", resp, sizeof resp - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_MISP);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.ind[0].ind.threat, "malicious");
    assert_int_equal(g.ind[0].ind.first_seen, NOW);
    assert_rej(&g, 0, 0, "response[1]: not a MISP event");
    got_free(&g);
    const char arr[] = "[{\"Event\":{\"Attribute\":[{\"type\":\"domain\",\"value\":\"a.example\","
                       "\"to_ids\":\"1\",\"timestamp\":\"bad\"}]}}]";
    assert_int_equal(run_mem("a.json", arr, sizeof arr - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_MISP);
    assert_int_equal(g.n, 0);
    assert_rej(&g, 0, 0, "attribute [0]: first_seen/last_seen/timestamp is not a date");
    got_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feodo),       cmocka_unit_test(test_misp_fixture),
        cmocka_unit_test(test_misp_corpus), cmocka_unit_test(test_stix_fixture),
        cmocka_unit_test(test_stix_corpus), cmocka_unit_test(test_stix_patterns),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
