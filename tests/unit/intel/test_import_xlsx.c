/* Unit tests: .xlsx feeds (first sheet through the workbook relationships,
 * shared and inline strings, Excel serial dates) and broken workbooks. The
 * fixtures are made by tests/fixtures/intel/make_xlsx.py. */
#include "import_sink.h"

#define H 3600

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static void check_botnet(const got_t *g)
{
    assert_int_equal(g->n, 3);
    assert_int_equal(g->nrej, 3);
    /* row 1 is a title, row 3 the header; lines are sheet row numbers;
     * E4 is the serial 45413.4375 = 2024-05-01 10:30 (+07:00) */
    int64_t t4 = NOW + 10 * H + 30 * 60 - 7 * H;
    assert_ind(g, "113.190.1.1", CANH_IOC_IP, 4, "botnet", "Mirai", t4, t4,
               "{\"local_ip\":\"192.168.1.10\",\"local_tcp_port\":23,\"ip\":\"113.190.1.1\","
               "\"isp\":\"VNPT\",\"status\":\"Chưa xử lý\"}");
    /* missing cells C5 and F5; a date as text; a boolean */
    int64_t t5 = NOW + 86400 + 8 * H - 7 * H;
    assert_ind(g, "27.72.2.2", CANH_IOC_IP, 5, "botnet", "Conficker", t5, t5,
               "{\"local_tcp_port\":445,\"isp\":\"Viettel\",\"status\":\"TRUE\"}");
    /* a formula's cached text; serial 45414 = 2024-05-02 (+07:00) */
    int64_t t11 = NOW + 86400 - 7 * H;
    assert_ind(g, "42.112.5.5", CANH_IOC_IP, 11, "botnet", "Zeus", t11, t11, NULL);
    assert_rej(g, 0, 6, "column AttackerIP: \"256.1.1.1\" is not an IP address");
    assert_rej(g, 1, 9, "column AttackOn: \"not a date\" is not a date");
    assert_rej(g, 2, 10, "column AttackerIP: \"#REF!\" is not an IP address");
    /* the second sheet (sheet1.xml, "Ghi chú") is not read */
    assert_null(find_ind(g, "9.9.9.9"));
}

static void test_workbook(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det = (canh_feed_format_t)99;
    canh_import_opts_t o = opts_default("vncert-botnet");
    assert_int_equal(run_file(FIX("vncert_botnet.xlsx"), CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_OK);
    assert_int_equal(det, CANH_FEED_XLSX);
    check_botnet(&g);
    got_free(&g);

    /* from memory, under a name without the extension: found by magic */
    size_t n;
    char *buf = slurp(FIX("vncert_botnet.xlsx"), &n);
    assert_int_equal(run_mem("upload.bin", buf, n, CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(det, CANH_FEED_XLSX);
    check_botnet(&g);
    got_free(&g);

    /* a mapping applies to sheets as to CSV */
    o.mapping = "value=IP,family=ISP";
    assert_int_equal(run_mem("b.xlsx", buf, n, CANH_FEED_XLSX, &o, &g, &det, &eb), CANH_OK);
    assert_int_equal(g.n, 1);
    assert_ind(&g, "113.190.1.1", CANH_IOC_IP, 4, "botnet", "VNPT", NOW + 10 * H + 30 * 60 - 7 * H,
               NOW + 10 * H + 30 * 60 - 7 * H,
               "{\"attacker_ip\":\"113.190.1.1\",\"network_name\":\"Mirai\",\"local_ip\":"
               "\"192.168.1.10\",\"local_tcp_port\":23,\"status\":\"Chưa xử lý\"}");
    /* rows without an IP cell: empty value */
    assert_int_equal(g.nrej, 5);
    assert_rej(&g, 0, 5, "column IP: empty value");
    got_free(&g);

    /* a truncated archive */
    assert_int_equal(run_mem("cut.xlsx", buf, n / 2, CANH_FEED_AUTO, &o, &g, &det, &eb),
                     CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "cut.xlsx: not an .xlsx workbook ("));
    free(buf);
    assert_int_equal(g.n + g.nrej, 0);
}

static void test_broken(void **state)
{
    (void)state;
    got_t g = {0};
    canh_errbuf_t eb;
    canh_feed_format_t det;
    canh_import_opts_t o = opts_default("t");
    assert_int_equal(run_file(FIX("dtd.xlsx"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/dtd.xlsx: xl/worksheets/sheet1.xml: DTDs "
                                              "are not allowed in a workbook");
    assert_int_equal(run_file(FIX("nosheet.xlsx"), CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/nosheet.xlsx: not an .xlsx workbook (no "
                                              "xl/worksheets/sheet1.xml)");
    /* named xlsx but not a zip */
    assert_int_equal(run_file(FIX("generic.csv"), CANH_FEED_XLSX, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, CANH_FIXTURES "/intel/generic.csv: not an .xlsx workbook (not a "
                                              "zip archive)");
    assert_int_equal(run_mem("x.xlsx", "", 0, CANH_FEED_AUTO, &o, &g, &det, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "x.xlsx: not an .xlsx workbook (not a zip archive)");
    assert_int_equal(g.n + g.nrej, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workbook),
        cmocka_unit_test(test_broken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
