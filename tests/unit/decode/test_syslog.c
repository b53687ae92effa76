/* Unit tests: the syslog header decoder (RFC 3164, RFC 5424, bare form) and
 * the generic fallback. Program decoders have their own tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

/* 2024-03-10T12:00:00Z: a fixed "now" so year inference is deterministic. */
#define NOW (INT64_C(1710072000) * CANH_NS_PER_SEC)

static canh_decode_t *d;
static canh_event_t *ev;

static int setup(void **st)
{
    (void)st;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    canh_errbuf_t eb;
    if (canh_decode_create(&o, &d, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(d);
    canh_event_destroy(ev);
    return 0;
}

static const char *decode(const char *line)
{
    canh_decode_record(d, line, strlen(line), ev);
    return canh_decode_name(ev->decoder);
}

static void expect(canh_field_t id, const char *v)
{
    canh_str_t got = canh_event_get(ev, id);
    if (!got.p)
        fail_msg("%s unset, expected \"%s\"", canh_field_name(id), v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", canh_field_name(id), (int)got.n, got.p, v);
}

static void expect_kv(const char *name, const char *v)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) != CANH_OK)
        fail_msg("%s unset", name);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", name, (int)got.n, got.p, v);
}

static void expect_time(const char *iso)
{
    char buf[32];
    canh_time_format(ev->ts, buf);
    assert_string_equal(buf, iso);
    assert_false(ev->flags & CANH_EVF_NO_TIME);
}

static void test_rfc3164(void **st)
{
    (void)st;
    assert_string_equal(decode("Mar  9 10:51:24 web-01 myapp[19537]: something happened"),
                        "syslog");
    expect_time("2024-03-09T10:51:24.000000Z");
    expect(CANH_F_HOST_NAME, "web-01");
    expect(CANH_F_PROCESS_NAME, "myapp");
    expect(CANH_F_PROCESS_PID, "19537");
    expect(CANH_F_MESSAGE, "something happened");
    assert_true(canh_str_eq(ev->original,
                            canh_str_c("Mar  9 10:51:24 web-01 myapp[19537]: something happened")));

    /* December line read in March: last year */
    decode("Dec 31 23:59:59 h myapp: x");
    expect_time("2023-12-31T23:59:59.000000Z");

    /* with PRI: facility and severity */
    decode("<38>Mar  1 00:00:01 gw myapp: hi");
    expect(CANH_F_LOG_SYSLOG_FACILITY_NAME, "auth");
    expect(CANH_F_LOG_SYSLOG_FACILITY_CODE, "4");
    expect(CANH_F_LOG_SYSLOG_SEVERITY_NAME, "informational");
    expect(CANH_F_LOG_SYSLOG_SEVERITY_CODE, "6");

    /* no host: the tag follows the time directly */
    decode("Mar  1 00:00:01 myapp[7]: no host here");
    assert_false(canh_event_has(ev, CANH_F_HOST_NAME));
    expect(CANH_F_PROCESS_NAME, "myapp");

    /* path as program name */
    decode("Nov 12 18:47:01 foo.bar.baz /usr/dt/bin/rpc.ttdbserverd[646]: aborting");
    expect(CANH_F_PROCESS_NAME, "rpc.ttdbserverd");
    expect(CANH_F_PROCESS_EXECUTABLE, "/usr/dt/bin/rpc.ttdbserverd");

    /* Solaris message id stripped */
    decode("Apr 17 22:20:21 hostj myapp[312]: [ID 295310 daemon.notice] security: notice");
    expect(CANH_F_MESSAGE, "security: notice");

    /* high-precision rsyslog timestamp */
    decode("2024-03-09T10:00:00.250+07:00 db-2 myapp[1]: iso");
    expect_time("2024-03-09T03:00:00.250000Z");
    expect(CANH_F_HOST_NAME, "db-2");
}

static void test_rfc5424(void **st)
{
    (void)st;
    const char *l = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 "
                    "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"q\\]\"][b@1 x=\"y\"] "
                    "\xEF\xBB\xBF" "An application event";
    assert_string_equal(decode(l), "syslog");
    expect_time("2003-10-11T22:14:15.003000Z");
    expect(CANH_F_HOST_NAME, "mymachine.example.com");
    expect(CANH_F_PROCESS_NAME, "evntslog");
    expect(CANH_F_PROCESS_PID, "1234");
    expect(CANH_F_LOG_SYSLOG_MSGID, "ID47");
    expect(CANH_F_LOG_SYSLOG_VERSION, "1");
    expect(CANH_F_LOG_SYSLOG_FACILITY_NAME, "local4");
    expect(CANH_F_LOG_SYSLOG_SEVERITY_NAME, "notice");
    expect_kv("log.syslog.structured_data.exampleSDID@32473.iut", "3");
    expect_kv("log.syslog.structured_data.exampleSDID@32473.eventSource", "App\"q]");
    expect_kv("log.syslog.structured_data.b@1.x", "y");
    expect(CANH_F_MESSAGE, "An application event");

    decode("<34>1 2003-10-11T22:14:15Z - - - - - no header values");
    assert_false(canh_event_has(ev, CANH_F_HOST_NAME));
    assert_false(canh_event_has(ev, CANH_F_PROCESS_NAME));
    expect(CANH_F_MESSAGE, "no header values");
}

static void test_bare_and_generic(void **st)
{
    (void)st;
    assert_string_equal(decode("myapp[2921936]: succeeded: ttyq4"), "syslog");
    expect(CANH_F_PROCESS_PID, "2921936");
    assert_true(ev->flags & CANH_EVF_NO_TIME);
    assert_true(ev->ts == NOW);
    /* "word: text" without a pid or known program stays generic */
    assert_string_equal(decode("Error: disk almost full"), "generic");
    assert_true(ev->flags & CANH_EVF_GENERIC);
    expect(CANH_F_MESSAGE, "Error: disk almost full");
    assert_string_equal(decode("just some text"), "generic");
    /* blank-ish and odd inputs */
    assert_string_equal(decode("   "), "generic");
    assert_string_equal(decode("<999>Mar  1 00:00:01 h p: x"), "generic");
    assert_string_equal(decode("\r\n"), "generic");
    /* trailing CR/LF are framing, not content */
    decode("Mar  1 00:00:01 h myapp: x\r\n");
    assert_true(canh_str_eq_c(ev->original, "Mar  1 00:00:01 h myapp: x"));
    expect(CANH_F_EVENT_DATASET, "syslog");
}

static void test_prefixes_never_crash(void **st)
{
    (void)st;
    const char *lines[] = {
        "<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a@1 k=\"v\\\"\"] msg",
        "Mar  9 10:51:24 web-01 myapp[19537]: something happened",
        "<13>Mar  9 10:51:24 web-01 %ASA-4-106023: Deny tcp src outside:1.2.3.4/5 dst",
    };
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        size_t n = strlen(lines[k]);
        for (size_t i = 0; i <= n; i++) {
            /* exact-length copies so ASan catches any read past the end */
            char *copy = malloc(i ? i : 1);
            memcpy(copy, lines[k], i);
            canh_decode_record(d, copy, i, ev);
            canh_buf_t b;
            canh_buf_init(&b, 1 << 20);
            assert_int_equal(canh_event_to_json(ev, &b), CANH_OK);
            canh_buf_fini(&b);
            free(copy);
        }
    }
}

static void test_forced_type(void **st)
{
    (void)st;
    canh_decode_t *dd;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = "syslog"};
    assert_int_equal(canh_decode_create(&o, &dd, &eb), CANH_OK);
    canh_decode_record(dd, "{\"a\":1}", 7, ev);
    assert_string_equal(canh_decode_name(ev->decoder), "generic");
    canh_decode_destroy(dd);
    o.type = "no-such-decoder";
    assert_int_equal(canh_decode_create(&o, &dd, &eb), CANH_ENOENT);
    assert_non_null(strstr(eb.msg, "no-such-decoder"));
    assert_int_equal(canh_decode_lookup("syslog"), CANH_DEC_SYSLOG);
    assert_int_equal(canh_decode_lookup("generic"), 0);
    assert_int_equal(canh_decode_lookup("zzz"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3164),
        cmocka_unit_test(test_rfc5424),
        cmocka_unit_test(test_bare_and_generic),
        cmocka_unit_test(test_prefixes_never_crash),
        cmocka_unit_test(test_forced_type),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
