/* Unit tests: CSV feeds (the RFC 4180 reader and the column mapper):
 * Shadowserver, VNCERT, Vietnamese exports, abuse.ch, generic tables,
 * mapping overrides, and broken rows of every kind. */
#include "import_sink.h"

#include "canh/limits.h"

#define H 3600

static void import_csv(const char *fix, const char *mapping, got_t *g, int want_rc,
                       canh_errbuf_t *eb)
{
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("test");
    o.mapping = mapping;
    int rc = run_file(fix, CANH_FEED_AUTO, &o, g, &det, eb);
    if (rc != want_rc)
        fail_msg("%s: rc %d, want %d (%s)", fix, rc, want_rc, eb->msg);
    if (rc == CANH_OK)
        assert_int_equal(det, CANH_FEED_CSV);
    else
        assert_int_equal(det, 99);
}

static void csv_mem(const char *name, const char *data, const char *mapping, got_t *g, int want_rc,
                    canh_errbuf_t *eb)
{
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("test");
    o.mapping = mapping;
    int rc = run_mem(name, data, strlen(data), CANH_FEED_CSV, &o, g, &det, eb);
    if (rc != want_rc)
        fail_msg("%s: rc %d, want %d (%s)", name, rc, want_rc, eb->msg);
}

static void test_shadowserver(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("shadowserver_drone.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.nrej, 4);
    /* ip -> value, infection -> family, timestamp -> last seen (UTC), the
     * rest (protocol "type" included) -> extra; cc_ip is not the value */
    assert_ind(&g, "203.113.1.10", CANH_IOC_IP, 2, "botnet", "andromeda", NOW + 83, NOW + 83,
               "{\"port\":49152,\"asn\":7552,\"geo\":\"VN\",\"region\":\"HA NOI\",\"city\":"
               "\"HANOI\",\"hostname\":\"static.vnpt.vn\",\"type\":\"tcp\",\"cc_ip\":"
               "\"104.244.14.252\",\"cc_port\":80,\"count\":1,\"family\":\"andromeda\",\"tag\":"
               "\"botnet\"}");
    assert_ind(&g, "14.160.2.20", CANH_IOC_IP, 3, "botnet", "sinkhole-mirai", NOW + 300, NOW + 300,
               "{\"port\":1234,\"asn\":45899,\"geo\":\"VN\",\"region\":\"HO CHI MINH\",\"city\":"
               "\"HO CHI MINH CITY\",\"type\":\"udp\",\"cc_dns\":\"mirai.example.net\",\"count\":3,"
               "\"family\":\"mirai\"}");
    assert_ind(&g, "2402:800:1::5", CANH_IOC_IP, 8, "botnet", "conficker", NOW + 600, NOW + 600,
               "{\"port\":443,\"asn\":7552,\"geo\":\"VN\",\"type\":\"tcp\",\"url\":"
               "\"http://x.example/a\",\"count\":2,\"family\":\"conficker\"}");
    assert_rej(&g, 0, 4, "column ip: \"300.1.2.3\" is not an IP address");
    assert_rej(&g, 1, 5, "column ip: empty value");
    assert_rej(&g, 2, 6, "column timestamp: \"2024-05-01 25:00:00\" is not a date");
    assert_rej(&g, 3, 7, "row has 3 fields, header has 17");
    got_free(&g);
}

static void test_vncert(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    /* ';' with a BOM and CRLF; zone-less times are Vietnam time (+07:00),
     * dates are day-first */
    import_csv(FIX("vncert_botnet.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.nrej, 5);
    int64_t t1 = NOW + 10 * H + 15 * 60 - 7 * H; /* 01/05/2024 10:15:00 +07 */
    assert_ind(&g, "113.190.1.1", CANH_IOC_IP, 2, "botnet", "Mirai", t1, t1,
               "{\"local_ip\":\"192.168.1.10\",\"local_tcp_port\":23,\"ip\":\"113.190.1.1\","
               "\"isp\":\"VNPT\",\"status\":\"Chưa xử lý\"}");
    int64_t t2 = NOW + 86400 + 8 * H - 7 * H; /* 2024-05-02 08:00:00 +07 */
    assert_ind(&g, "27.72.2.2", CANH_IOC_IP, 3, "botnet", "Conficker", t2, t2,
               "{\"local_ip\":\"10.0.0.5\",\"local_tcp_port\":445,\"ip\":\"27.72.2.2\","
               "\"isp\":\"Viettel\",\"status\":\"Đã xử lý\"}");
    int64_t t3 = NOW + 86400 - 7 * H; /* "2/5/2024": 2 May */
    assert_ind(&g, "14.226.3.3", CANH_IOC_IP, 4, "botnet", "Gh0st; RAT", t3, t3,
               "{\"isp\":\"FPT\"}");
    assert_rej(&g, 0, 5, "column AttackerIP: \"256.1.1.1\" is not an IP address");
    assert_rej(&g, 1, 6, "column AttackerIP: \"1.52.4.4/33\": CIDR prefix length 33 out of range");
    assert_rej(&g, 2, 7, "column AttackerIP: empty value");
    assert_rej(&g, 3, 8, "column AttackOn: \"31/02/2024\" is not a date");
    assert_rej(&g, 4, 9, "row has 5 fields, header has 8");
    got_free(&g);
}

static void test_vietnamese_headers(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("botnet_vn.tsv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 1);
    int64_t t1 = NOW + 8 * H - 7 * H;
    /* the quoted cell spans lines 2-3: the next record is line 4 */
    assert_ind(&g, "171.244.10.1", CANH_IOC_IP, 2, "botnet", "Mirai", t1, t1,
               "{\"STT\":\"1\",\"isp\":\"Viettel\",\"port\":23,\"Ghi chú\":\"Thiết bị camera\\n"
               "đã cách ly\"}");
    int64_t t2 = NOW + 9 * H - 7 * H;
    assert_ind(&g, "171.244.10.2", CANH_IOC_IP, 4, "botnet", "Mozi", t2, t2,
               "{\"STT\":\"2\",\"isp\":\"VNPT\",\"Ghi chú\":\"Liên hệ anh Nam\"}");
    assert_rej(&g, 0, 5, "column Địa chỉ IP: \"171.244.10.300\" is not an IP address");
    got_free(&g);

    /* decomposed (NFD) Vietnamese and odd spacing fold to the same name */
    csv_mem("nfd.csv",
            "\xc4\x90i\xcc\xa3"
            "a chi\xcc\x89  IP , T\xc3\xaa"
            "n mi\xe1\xbb\x81n\n"
            "1.2.3.4,x.example\n",
            NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 1);
    assert_ind(&g, "1.2.3.4", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW,
               "{\"ten_mien\":\"x.example\"}");
    got_free(&g);
}

static void test_abuse_ch(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("feodo_ipblocklist.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 2);
    assert_ind(&g, "51.75.64.236", CANH_IOC_IP, 10, "c2", "QakBot", 1610869486, NOW,
               "{\"dst_port\":443,\"c2_status\":\"online\"}");
    assert_ind(&g, "162.243.103.246", CANH_IOC_IP, 11, "c2", "Pikabot", 1701875464, NOW - 86400,
               "{\"dst_port\":8080,\"c2_status\":\"offline\"}");
    assert_rej(&g, 0, 12, "column dst_ip: \"162.243.103\" is not an IP address");
    assert_rej(&g, 1, 13, "column last_online: \"yesterday\" is not a date");
    got_free(&g);

    /* URLhaus puts its header in a comment line */
    import_csv(FIX("urlhaus_recent.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 1);
    assert_ind(&g, "http://42.224.5.17:48375/i", CANH_IOC_URL, 7, "malware_download", NULL,
               NOW + 36307, NOW + 36307,
               "{\"id\":\"2830001\",\"url_status\":\"online\",\"tags\":\"32-bit,elf,mips,Mozi\","
               "\"urlhaus_link\":\"https://urlhaus.abuse.ch/url/2830001/\",\"reporter\":"
               "\"lrz_urlhaus\"}");
    /* no last_online: last seen is not before first seen */
    const got_ind_t *x = find_ind(&g, "http://bad.example/load.exe");
    assert_non_null(x);
    assert_int_equal(x->line, 8);
    assert_int_equal(x->ind.first_seen, NOW + 36240);
    assert_int_equal(x->ind.last_seen, NOW + 36240);
    assert_rej(&g, 0, 9, "column url: \"not a url\": 0x20 in URL");
    got_free(&g);
}

static void test_generic(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("generic.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.nrej, 9);
    assert_ind(&g, "1.2.3.4", CANH_IOC_IP, 2, "scanner", NULL, NOW - 30 * 86400, NOW,
               "{\"note\":\"plain row\"}");
    const got_ind_t *x = find_ind(&g, "1.2.3.4");
    assert_int_equal(x->ind.confidence, 80);
    assert_int_equal(x->ind.expires, NOW + 31 * 86400);
    assert_ind(&g, "evil.example.com", CANH_IOC_DOMAIN, 3, "phishing", NULL, NOW, NOW,
               "{\"note\":\"quoted, with comma\"}");
    assert_ind(&g, "http://evil.example.com/login", CANH_IOC_URL, 4, "phishing", NULL, NOW, NOW,
               "{\"note\":\"two\\nlines\"}");
    assert_ind(&g, "44d88612fea8a8f36de82e1278abb02f", CANH_IOC_MD5, 6, "malware", "EICAR", NOW,
               NOW, "{\"note\":\"say \\\"hi\\\"\"}");
    assert_int_equal(find_ind(&g, "44d88612fea8a8f36de82e1278abb02f")->ind.confidence, 100);
    /* a trailing empty field past the header is tolerated */
    assert_ind(&g, "1.2.3.9", CANH_IOC_IP, 15, "malicious", NULL, NOW, NOW, NULL);
    assert_rej(&g, 0, 7, "column value: \"10.0.0.0/33\": CIDR prefix length 33 out of range");
    assert_rej(&g, 1, 8, "column value: empty value");
    assert_rej(&g, 2, 9,
               "column value: \"0c2674c3a97c53082187d930efb645c\": md5 needs 32 hex digits, got "
               "31 characters");
    assert_rej(&g, 3, 10, "column type: \"email\" is not an indicator type Canh imports");
    assert_rej(&g, 4, 11, "column confidence: \"101\" is not a confidence from 0 to 100");
    assert_rej(&g, 5, 12, "column first_seen: \"2024-13-01\" is not a date");
    assert_rej(&g, 6, 13, "row has 11 fields, header has 9");
    assert_rej(&g, 7, 14, "row has 2 fields, header has 9");
    /* line 16 is delimiters only (skipped); line 17 never closes its quote */
    assert_rej(&g, 8, 17, "unterminated quoted field");
    got_free(&g);
}

static void test_hash_columns(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    /* md5, sha1 and sha256 columns: one indicator per filled cell */
    import_csv(FIX("hashes.csv"), NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.nrej, 1);
    assert_ind(&g, "44d88612fea8a8f36de82e1278abb02f", CANH_IOC_MD5, 2, "malicious", "EICAR", NOW,
               NOW, "{\"file_name\":\"eicar.com\"}");
    assert_ind(&g, "3395856ce81f2b7382dee72602f798b642f14140", CANH_IOC_SHA1, 2, "malicious",
               "EICAR", NOW, NOW, "{\"file_name\":\"eicar.com\"}");
    assert_ind(&g, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
               CANH_IOC_SHA256, 2, "malicious", "EICAR", NOW, NOW, "{\"file_name\":\"eicar.com\"}");
    assert_ind(&g, "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68",
               CANH_IOC_SHA256, 3, "malicious", "Xorist", NOW, NOW,
               "{\"file_name\":\"xorist.exe\"}");
    assert_ind(&g, "0749bae92ca336a02c83d126e04ec628", CANH_IOC_MD5, 4, "malicious", "Xorist", NOW,
               NOW, "{\"file_name\":\"3Z4wnG9603it23y.exe\"}");
    assert_rej(&g, 0, 4,
               "column sha1: \"abc\" is not an MD5, SHA-1 or SHA-256 hash (3 characters)");
    got_free(&g);
}

static void test_mapping(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("mapped.csv"), NULL, &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/mapped.csv: no column holds indicator "
                                              "values (looked for: value, indicator, ioc, ip, "
                                              "ip_address, AttackerIP, dst_ip, domain, url, hash, "
                                              "md5, sha1, sha256, Địa chỉ IP, Tên miền); name one "
                                              "with a mapping such as value=Column");
    import_csv(FIX("mapped.csv"), "ip=source address, family=Botnet Name,last_seen=Seen", &g,
               CANH_OK, &eb);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.nrej, 0);
    assert_ind(&g, "198.51.100.7", CANH_IOC_IP, 2, "malicious", "Emotet", NOW + 12 * H,
               NOW + 12 * H, "{\"Note\":\"mapped\"}");
    got_free(&g);
    import_csv(FIX("mapped.csv"), "value=Source Address,family=Nope", &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/mapped.csv: mapping: no column \"Nope\" in "
                                              "the header");
    import_csv(FIX("mapped.csv"), "colour=Seen", &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/mapped.csv: mapping: unknown field "
                                              "\"colour\" (value, ip, domain, url, hash, type, "
                                              "threat, family, first_seen, last_seen, "
                                              "confidence, expires)");
    import_csv(FIX("mapped.csv"), "Seen", &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/mapped.csv: mapping \"Seen\": expected "
                                              "field=Column");
    /* a mapping overrides a known column: value comes from "cc_ip" here */
    csv_mem("m.csv", "ip,cc_ip\n1.1.1.1,2.2.2.2\n", "value=cc_ip", &g, CANH_OK, &eb);
    assert_int_equal(g.n, 1);
    assert_ind(&g, "2.2.2.2", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW, "{\"ip\":\"1.1.1.1\"}");
    got_free(&g);
    assert_int_equal(g.n + g.nrej, 0);
}

static void test_no_column(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    import_csv(FIX("nocolumn.csv"), NULL, &g, CANH_EINVAL, &eb);
    assert_non_null(strstr(eb.msg, "/intel/nocolumn.csv: no column holds indicator values"));
    csv_mem("e.csv", "", NULL, &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, "e.csv: no header row");
    csv_mem("e.csv", "\"ip,port\n1.2.3.4,80\n", NULL, &g, CANH_EINVAL, &eb);
    assert_string_equal(eb.msg, "e.csv:1: header: unterminated quoted field");
    assert_int_equal(g.n + g.nrej, 0);
    /* a header alone is an empty list, as is a commented header alone */
    csv_mem("e.csv", "ip,port\n", NULL, &g, CANH_OK, &eb);
    csv_mem("e.csv", "# banner\n# ip,port\n", NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n + g.nrej, 0);
}

static void test_reader(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;

    /* Excel's sep= line; the delimiter is not guessed */
    csv_mem("s.csv", "sep=|\nip|note\n1.1.1.1|a,b;c\n", NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 1);
    assert_ind(&g, "1.1.1.1", CANH_IOC_IP, 3, "malicious", NULL, NOW, NOW, "{\"note\":\"a,b;c\"}");
    got_free(&g);

    /* an unterminated quote costs its line; reading resumes on the next
     * (a quote opened and never closed: no quote follows it) */
    csv_mem("u.csv", "ip,note\n1.1.1.1,\"open\n2.2.2.2,ok\n3.3.3.3,fine\n", NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.nrej, 1);
    assert_rej(&g, 0, 2, "unterminated quoted field");
    assert_ind(&g, "2.2.2.2", CANH_IOC_IP, 3, "malicious", NULL, NOW, NOW, "{\"note\":\"ok\"}");
    assert_ind(&g, "3.3.3.3", CANH_IOC_IP, 4, "malicious", NULL, NOW, NOW, "{\"note\":\"fine\"}");
    got_free(&g);

    /* "" inside quotes is one quote */
    csv_mem("e.csv", "ip,note\n3.3.3.3,\"\"\"quoted\"\"\"\n", NULL, &g, CANH_OK, &eb);
    assert_ind(&g, "3.3.3.3", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW,
               "{\"note\":\"\\\"quoted\\\"\"}");
    got_free(&g);

    /* CR LF inside a quoted field is kept; text after a closing quote too */
    csv_mem("q.csv", "ip,note\r\n4.4.4.4,\"a\r\nb\"c\r\n", NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 1);
    assert_ind(&g, "4.4.4.4", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW,
               "{\"note\":\"a\\r\\nbc\"}");
    got_free(&g);

    /* times: epoch seconds and milliseconds, Excel serials, ISO with zone */
    csv_mem("t.csv",
            "ip,first_seen,last_seen\n"
            "5.5.5.1,1714521600,1714521600000\n"
            "5.5.5.2,45413.5,2024-05-01T12:00:00+07:00\n"
            "5.5.5.3,17145216,\n",
            NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 2);
    assert_ind(&g, "5.5.5.1", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW, NULL);
    assert_ind(&g, "5.5.5.2", CANH_IOC_IP, 3, "malicious", NULL, NOW + 12 * H, NOW + 5 * H, NULL);
    assert_rej(&g, 0, 4, "column first_seen: \"17145216\" is not a date");
    got_free(&g);

    /* type column: OTX and MISP spellings; generic hash by length */
    csv_mem("ty.csv",
            "indicator,type\n"
            "1.2.3.4,IPv4\n"
            "evil.example,hostname\n"
            "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f,FileHash-SHA256\n"
            "3395856ce81f2b7382dee72602f798b642f14140,hash\n"
            "1.2.3.5,domain\n",
            NULL, &g, CANH_OK, &eb);
    assert_int_equal(g.n, 4);
    assert_ind(&g, "evil.example", CANH_IOC_DOMAIN, 3, "malicious", NULL, NOW, NOW, NULL);
    assert_ind(&g, "3395856ce81f2b7382dee72602f798b642f14140", CANH_IOC_SHA1, 5, "malicious", NULL,
               NOW, NOW, NULL);
    assert_int_equal(g.nrej, 1);
    assert_rej(&g, 0, 6,
               "column indicator: \"1.2.3.5\": domain name with an all-numeric "
               "top-level label");
    got_free(&g);

    /* invalid UTF-8 in a cell becomes U+FFFD in extra; values keep their
     * own rules */
    csv_mem("b.csv", "ip,note\n6.6.6.6,caf\xe9\n", NULL, &g, CANH_OK, &eb);
    assert_ind(&g, "6.6.6.6", CANH_IOC_IP, 2, "malicious", NULL, NOW, NOW,
               "{\"note\":\"caf\xef\xbf\xbd\"}");
    got_free(&g);
}

static void test_limits(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("test");

    /* a row of 1100 fields, then a good row */
    size_t cap = 8192;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n = (size_t)snprintf(buf, cap, "ip,note\n7.7.7.7");
    for (int i = 0; i < 1100; i++)
        buf[n++] = ',';
    n += (size_t)snprintf(buf + n, cap - n, "\n7.7.7.8,x\n");
    assert_int_equal(run_mem("w.csv", buf, n, CANH_FEED_CSV, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, 1);
    assert_rej(&g, 0, 2, "more than 1024 fields");
    assert_ind(&g, "7.7.7.8", CANH_IOC_IP, 3, "malicious", NULL, NOW, NOW, "{\"note\":\"x\"}");
    got_free(&g);
    free(buf);

    /* a quoted field past CANH_MAX_RECORD: rejected, the next line read */
    size_t big = CANH_MAX_RECORD + 10;
    buf = malloc(big + 64);
    assert_non_null(buf);
    n = (size_t)snprintf(buf, 64, "ip,note\n8.8.8.8,\"");
    memset(buf + n, 'x', big);
    n += big;
    n += (size_t)snprintf(buf + n, 64, "\"\n8.8.8.9,y\n");
    assert_int_equal(run_mem("l.csv", buf, n, CANH_FEED_CSV, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, 1);
    assert_rej(&g, 0, 2, "record longer than 1048576 bytes");
    assert_ind(&g, "8.8.8.9", CANH_IOC_IP, 3, "malicious", NULL, NOW, NOW, "{\"note\":\"y\"}");
    got_free(&g);
    free(buf);

    /* quotes inside unquoted fields are literal; only the last line opens
     * a quoted field, which never closes */
    size_t lines = 20000;
    buf = malloc(16 + lines * 16);
    assert_non_null(buf);
    n = (size_t)snprintf(buf, 16, "ip,note\n");
    for (size_t i = 0; i < lines; i++)
        n += (size_t)sprintf(buf + n, "9.9.9.9,x\"y\n");
    n += (size_t)sprintf(buf + n, "9.9.9.8,\"z\n");
    assert_int_equal(run_mem("q.csv", buf, n, CANH_FEED_CSV, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, lines);
    assert_int_equal(g.nrej, 1);
    assert_rej(&g, 0, lines + 2, "unterminated quoted field");
    got_free(&g);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shadowserver),
        cmocka_unit_test(test_vncert),
        cmocka_unit_test(test_vietnamese_headers),
        cmocka_unit_test(test_abuse_ch),
        cmocka_unit_test(test_generic),
        cmocka_unit_test(test_hash_columns),
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_no_column),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
