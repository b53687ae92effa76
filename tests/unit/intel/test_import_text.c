/* Unit tests: line-based feed importers (plain, DROP, FireHOL,
 * signature-base), format detection, options and whole-file errors. */
#include "import_sink.h"

#include "canh/limits.h"

#define SB_IOCS CANH_CORPORA "/signature-base/iocs/"

static void test_format_names(void **state)
{
    (void)state;
    assert_string_equal(canh_feed_format_name(CANH_FEED_AUTO), "auto");
    assert_string_equal(canh_feed_format_name(CANH_FEED_FEODO_JSON), "feodo");
    assert_string_equal(canh_feed_format_name(CANH_FEED_SIGBASE), "sigbase");
    assert_string_equal(canh_feed_format_name((canh_feed_format_t)99), "unknown");
    assert_int_equal(canh_feed_format_parse("stix"), CANH_FEED_STIX);
    assert_int_equal(canh_feed_format_parse("XLSX"), CANH_FEED_XLSX);
    assert_int_equal(canh_feed_format_parse("firehol"), CANH_FEED_FIREHOL);
    assert_int_equal(canh_feed_format_parse("yaml"), -1);
    assert_int_equal(canh_feed_format_parse(NULL), -1);
}

static void test_plain(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det = CANH_FEED_AUTO;
    canh_import_opts_t o = opts_default("partner");
    assert_int_equal(run_file(FIX("plain.txt"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_PLAIN);
    assert_int_equal(g.n, 8);
    assert_int_equal(g.nrej, 4);
    assert_ind(&g, "1.2.3.4", CANH_IOC_IP, 4, "malicious", NULL, NOW, NOW, NULL);
    assert_ind(&g, "10.0.0.0/8", CANH_IOC_IP, 5, "malicious", NULL, NOW, NOW,
               "{\"comment\":\"host bits set\"}");
    assert_ind(&g, "evil.example.com", CANH_IOC_DOMAIN, 6, "malicious", NULL, NOW, NOW, NULL);
    assert_ind(&g, "http://bad.example/path?q=1", CANH_IOC_URL, 7, "malicious", NULL, NOW, NOW,
               NULL);
    /* hosts-file line: the name, not the sink address */
    assert_ind(&g, "ads.example.net", CANH_IOC_DOMAIN, 8, "malicious", NULL, NOW, NOW, NULL);
    assert_null(find_ind(&g, "0.0.0.0"));
    assert_ind(&g, "44d88612fea8a8f36de82e1278abb02f", CANH_IOC_MD5, 9, "malicious", NULL, NOW, NOW,
               NULL);
    assert_ind(&g, "5.6.7.8", CANH_IOC_IP, 13, "malicious", NULL, NOW, NOW,
               "{\"comment\":\"listed by partner\"}");
    assert_ind(&g, "2001:db8::1", CANH_IOC_IP, 16, "malicious", NULL, NOW, NOW, NULL);
    assert_rej(&g, 0, 10, "\"300.1.2.3\": domain name with an all-numeric top-level label");
    assert_rej(&g, 1, 11, "\"10.0.0.0/33\": CIDR prefix length 33 out of range");
    assert_rej(&g, 2, 14, "\"-not-a-domain-\" is not an IP, domain, URL or hash");
    assert_rej(&g, 3, 15, "\"abcdef0123456789\" is not an IP, domain, URL or hash");
    /* every indicator carries the source, confidence unknown, no expiry */
    for (size_t i = 0; i < g.n; i++) {
        assert_string_equal(g.ind[i].ind.source, "partner");
        assert_int_equal(g.ind[i].ind.confidence, -1);
        assert_int_equal(g.ind[i].ind.expires, 0);
        assert_int_equal(g.ind[i].ind.id, 0);
    }
    got_free(&g);
}

static void test_plain_options(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("partner");
    o.kind = CANH_IOC_IP;
    o.threat = "scanner";
    o.expires = NOW + 86400;
    assert_int_equal(run_file(FIX("plain.txt"), CANH_FEED_PLAIN, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, 4); /* 1.2.3.4, 10.0.0.0/8, 5.6.7.8, 2001:db8::1 */
    assert_int_equal(g.nrej, 8);
    assert_ind(&g, "1.2.3.4", CANH_IOC_IP, 4, "scanner", NULL, NOW, NOW, NULL);
    assert_int_equal(find_ind(&g, "2001:db8::1")->ind.expires, NOW + 86400);
    assert_rej(&g, 0, 6, "\"Evil.Example.COM.\" is domain, not ip (--kind)");
    assert_rej(&g, 1, 7, "\"hxxp://bad[.]example/path?q=1\" is url, not ip (--kind)");
    assert_rej(&g, 3, 9, "\"44D88612FEA8A8F36DE82E1278ABB02F\" is md5, not ip (--kind)");
    got_free(&g);

    /* no import time: times stay unknown */
    o = opts_default("partner");
    o.now = 0;
    const char txt[] = "1.2.3.4\n";
    assert_int_equal(run_mem("list.txt", txt, sizeof txt - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ind[0].ind.first_seen, 0);
    assert_int_equal(g.ind[0].ind.last_seen, 0);
    got_free(&g);
}

static void test_drop(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("spamhaus-drop");
    assert_int_equal(run_file(FIX("drop.txt"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_DROP);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.nrej, 2);
    assert_ind(&g, "1.10.16.0/20", CANH_IOC_IP, 5, "hijacked", NULL, NOW, NOW,
               "{\"sbl\":\"SBL256894\"}");
    assert_ind(&g, "103.77.192.0/22", CANH_IOC_IP, 11, "hijacked", NULL, NOW, NOW,
               "{\"sbl\":\"SBL622020\"}");
    assert_rej(&g, 0, 8, "\"999.1.1.0/24\" is not an IP address");
    assert_rej(&g, 1, 9, "\"5.42.92.0/33\": CIDR prefix length 33 out of range");
    got_free(&g);

    assert_int_equal(run_file(FIX("drop_v4.json"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_DROP);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 3);
    assert_ind(&g, "1.19.0.0/16", CANH_IOC_IP, 2, "hijacked", NULL, NOW, NOW,
               "{\"sbl\":\"SBL434604\",\"rir\":\"apnic\"}");
    assert_rej(&g, 0, 3, "cidr: \"bogus\" is not an IP address");
    assert_rej(&g, 1, 4, "not a JSON object: string or '}' expected near 'not'");
    assert_rej(&g, 2, 5, "no \"cidr\" string");
    got_free(&g);
}

static void test_firehol(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("firehol");
    assert_int_equal(run_file(FIX("firehol_level1.netset"), CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_FIREHOL);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.nrej, 3);
    /* the Category header is the threat, the set's name goes to extra */
    assert_ind(&g, "0.0.0.0/8", CANH_IOC_IP, 34, "attacks", NULL, NOW, NOW,
               "{\"list\":\"firehol_level1\"}");
    assert_ind(&g, "5.188.10.179", CANH_IOC_IP, 36, "attacks", NULL, NOW, NOW,
               "{\"list\":\"firehol_level1\"}");
    assert_rej(&g, 0, 38, "\"10.0.0.1 extra text\": text after the address");
    assert_rej(&g, 1, 39, "\"evil.example.com\" is not an IP address");
    assert_rej(&g, 2, 40, "\"192.168.0.0/40\": CIDR prefix length 40 out of range");
    got_free(&g);
}

static void test_sigbase_fixtures(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("signature-base");
    assert_int_equal(run_file(FIX("sigbase/hash-iocs.txt"), CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_SIGBASE);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.nrej, 3);
    assert_ind(&g, "0c2674c3a97c53082187d930efb645c2", CANH_IOC_MD5, 10, "malware", NULL, NOW, NOW,
               "{\"comment\":\"DEEP PANDA Sakula Malware - http://goo.gl/R3e6eG\","
               "\"section\":\"Operation Test\"}");
    assert_ind(&g, "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", CANH_IOC_SHA1, 11, "malware", NULL,
               NOW, NOW, "{\"comment\":\"Xorist dropper\",\"section\":\"Operation Test\"}");
    /* a blank line ends the block: no section, no comment */
    assert_ind(&g, "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68",
               CANH_IOC_SHA256, 17, "malware", NULL, NOW, NOW, NULL);
    assert_rej(&g, 0, 13,
               "\"0c2674c3a97c53082187d930efb645c\" is not an MD5, SHA-1 or SHA-256 hash "
               "(31 characters)");
    assert_rej(&g, 1, 14,
               "\"zz2674c3a97c53082187d930efb645c2\" is not an MD5, SHA-1 or SHA-256 hash "
               "(32 characters)");
    assert_rej(&g, 2, 15, "empty value");
    got_free(&g);

    assert_int_equal(run_file(FIX("sigbase/c2-iocs.txt"), CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_SIGBASE);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.nrej, 2);
    assert_ind(&g, "suroot.com", CANH_IOC_DOMAIN, 12, "c2", NULL, NOW, NOW,
               "{\"section\":\"FireEye Operation Snowman https://goo.gl/x1v7mT\"}");
    assert_ind(&g, "176.123.5.126", CANH_IOC_IP, 16, "c2", NULL, NOW, NOW,
               "{\"score\":65,\"section\":\"Scored block\"}");
    assert_ind(&g, "cc.example.net", CANH_IOC_DOMAIN, 19, "c2", NULL, NOW, NOW,
               "{\"score\":80,\"section\":\"Scored block\"}");
    assert_rej(&g, 0, 17, "\"evil..example.org\": empty label in domain name");
    assert_rej(&g, 1, 18, "\"300.300.300.300\": domain name with an all-numeric top-level label");
    got_free(&g);
}

/* The real signature-base files: every hash and C2 entry is taken. */
static void test_sigbase_corpus(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("signature-base");
    assert_int_equal(run_file(SB_IOCS "hash-iocs.txt", CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_SIGBASE);
    assert_int_equal(g.nrej, 0);
    assert_int_equal(g.n, 3224);
    size_t md5 = 0, sha1 = 0, sha256 = 0;
    for (size_t i = 0; i < g.n; i++) {
        md5 += g.ind[i].ind.type == CANH_IOC_MD5;
        sha1 += g.ind[i].ind.type == CANH_IOC_SHA1;
        sha256 += g.ind[i].ind.type == CANH_IOC_SHA256;
        assert_string_equal(g.ind[i].ind.threat, "malware");
    }
    assert_int_equal(md5, 1039);
    assert_int_equal(sha1, 926);
    assert_int_equal(sha256, 1259);
    assert_ind(&g, "ce583821191345274cd954b2db7da9742c239fe413fc17dcb97ffdd7b51cb072",
               CANH_IOC_SHA256, 20, "malware", NULL, NOW, NOW,
               "{\"comment\":\"Dark Caracal - MS Windows HtmlHelp Data\"}");
    got_free(&g);

    assert_int_equal(run_file(SB_IOCS "c2-iocs.txt", CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_SIGBASE);
    assert_int_equal(g.nrej, 0);
    assert_int_equal(g.n, 1844);
    assert_ind(&g, "suroot.com", CANH_IOC_DOMAIN, 13, "c2", NULL, NOW, NOW,
               "{\"section\":\"FireEye Operation Snowman https://goo.gl/x1v7mT\"}");
    assert_ind(&g, "58.64.143.244", CANH_IOC_IP, 14, "c2", NULL, NOW, NOW,
               "{\"section\":\"FireEye Operation Snowman https://goo.gl/x1v7mT\"}");
    const got_ind_t *scored = find_ind(&g, "176.123.5.126");
    assert_non_null(scored);
    assert_non_null(strstr(scored->ind.extra, "\"score\":65"));
    got_free(&g);

    /* filename IOCs are regular expressions: refused as a whole */
    assert_int_equal(run_file(SB_IOCS "filename-iocs.txt", CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_ENOTSUP);
    assert_non_null(strstr(eb.msg, "filename-iocs.txt: signature-base filename IOCs"));
    assert_int_equal(g.n + g.nrej, 0);
}

static void test_detect(void **state)
{
    (void)state;
    static const struct {
        const char *name, *data;
        canh_feed_format_t want;
    } cases[] = {
        {"list.txt", "1.2.3.4\n", CANH_FEED_PLAIN},
        {NULL, "evil.example.com\n", CANH_FEED_PLAIN},
        {"drop.txt", "1.10.16.0/20 ; SBL256894\n", CANH_FEED_DROP},
        {"x.txt", "; Spamhaus EDROP List\n1.10.16.0/20 ; SBL256894\n", CANH_FEED_DROP},
        {"x.txt", "1.10.16.0/20 ; SBL256894\n", CANH_FEED_DROP},
        {"x", "{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL1\",\"rir\":\"apnic\"}\n", CANH_FEED_DROP},
        {"x.txt", "#\n# firehol_level2\n#\n1.2.3.4\n", CANH_FEED_FIREHOL},
        {"blocklist_de.ipset", "1.2.3.4\n", CANH_FEED_FIREHOL},
        {"my-iocs.txt", "1.2.3.4;90\n", CANH_FEED_SIGBASE},
        {"x.txt", "# LOKI C2 IOCs\nevil.example.com\n", CANH_FEED_SIGBASE},
        {"feed.csv", "ip\n1.2.3.4\n", CANH_FEED_CSV},
        {"feed.txt", "ip,port\n1.2.3.4,80\n", CANH_FEED_CSV},
        {"feed.txt", "# banner\n# id,url,threat\n1,http://a.example/,x\n", CANH_FEED_CSV},
        {"x.json", "[]", CANH_FEED_FEODO_JSON},
        {"x", "  {\"Event\":{\"Attribute\":[]}}", CANH_FEED_MISP},
        {"x", "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[]}", CANH_FEED_STIX},
        {"x", "", CANH_FEED_PLAIN},
    };
    canh_import_opts_t o = opts_default("t");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got_t g = {0};
        canh_errbuf_t eb;
        canh_feed_format_t det = (canh_feed_format_t)99;
        int rc = run_mem(cases[i].name, cases[i].data, strlen(cases[i].data), CANH_FEED_AUTO, &o,
                         &g, &det, &eb);
        if (rc != CANH_OK || det != cases[i].want)
            fail_msg("case %zu: rc %d det %s (%s)", i, rc, canh_feed_format_name(det), eb.msg);
        got_free(&g);
    }
}

static void test_whole_file_errors(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("t");

    assert_int_equal(run_file("/nonexistent/feed.txt", CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_EIO);
    assert_string_equal(eb.msg, "/nonexistent/feed.txt: No such file or directory");
    assert_int_equal(run_file(CANH_FIXTURES "/intel", CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EIO);
    assert_non_null(strstr(eb.msg, "not a regular file"));
    assert_int_equal(det, 99); /* written on success only */

    const char utf16[] = "\xff\xfe"
                         "1\0.\0"
                         "2\0";
    assert_int_equal(
        run_mem("list.txt", utf16, sizeof utf16 - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
        CANH_ENOTSUP);
    assert_string_equal(eb.msg, "list.txt: UTF-16 text is not supported; save the file as UTF-8");
    const char gz[] = "\x1f\x8b\x08\x00";
    assert_int_equal(run_mem("list.txt", gz, 4, CANH_FEED_PLAIN, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "list.txt: gzip-compressed; decompress it first");
    const char bin[] = "1.2.3.4\n\0\0\0";
    assert_int_equal(run_mem(NULL, bin, sizeof bin - 1, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_string_equal(eb.msg, "<memory>: binary data (NUL bytes), not a text feed");

    /* arguments */
    o.source = NULL;
    assert_int_equal(run_mem("x", "1.2.3.4", 7, CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "x: import needs a source name");
    o = opts_default("t");
    assert_int_equal(run_mem("x", "1.2.3.4", 7, (canh_feed_format_t)42, &o, &g, &det, &eb),
                     CANH_EINVAL);
    canh_import_sink_t nosink = {NULL, NULL, NULL};
    assert_int_equal(canh_intel_import_mem("x", "1", 1, CANH_FEED_AUTO, &o, &nosink, NULL, &eb),
                     CANH_EINVAL);
    assert_int_equal(g.n + g.nrej, 0);
}

/* A sink error stops the import and is returned as is. */
static void test_sink_stops(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("t");
    g.stop_after = 2;
    assert_int_equal(run_file(FIX("plain.txt"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EFULL);
    assert_int_equal(g.n, 2);
    assert_int_equal(det, 99);
    got_free(&g);
}

/* Lines past CANH_MAX_RECORD are rejected; the next line is read. */
static void test_long_line(void **state)
{
    (void)state;
    size_t n = CANH_MAX_RECORD + 100;
    char *buf = malloc(n + 32);
    assert_non_null(buf);
    memset(buf, 'a', n);
    memcpy(buf + n, "\n1.2.3.4\n", 9);
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("t");
    assert_int_equal(run_mem("big.txt", buf, n + 9, CANH_FEED_PLAIN, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ind[0].line, 2);
    assert_int_equal(g.nrej, 1);
    assert_rej(&g, 0, 1, "line longer than 1048576 bytes");
    got_free(&g);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),      cmocka_unit_test(test_plain),
        cmocka_unit_test(test_plain_options),     cmocka_unit_test(test_drop),
        cmocka_unit_test(test_firehol),           cmocka_unit_test(test_sigbase_fixtures),
        cmocka_unit_test(test_sigbase_corpus),    cmocka_unit_test(test_detect),
        cmocka_unit_test(test_whole_file_errors), cmocka_unit_test(test_sink_stops),
        cmocka_unit_test(test_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
