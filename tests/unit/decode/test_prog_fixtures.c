/* test_prog_fixtures.c - the sample logs in tests/fixtures/syslog/ (auth,
 * daemon, kernel, mail and service logs written for the program decoder
 * tests): every line is a syslog line of a program Canh has a decoder for,
 * and must come out of auto-detection as that decoder's event, classified
 * (event.category set) and with a timestamp from the line. */
#include <errno.h>

#include "test_prog_util.h"

static void check_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/syslog/%s", CANH_FIXTURES, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    static char buf[65536];
    size_t n = 0;
    while (fgets(buf, sizeof buf, f)) {
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0)
            continue;
        n++;
        canh_decode_record(d, buf, len, ev);
        canh_str_t app = canh_event_get(ev, CANH_F_LOG_SYSLOG_APPNAME);
        int id = -1;
        if (!app.p || !canh_prog_lookup(app, &id))
            fail_msg("%s: \"%s\": no program decoder for the line's program", name, buf);
        if (ev->decoder != id)
            fail_msg("%s: \"%s\": decoder %s, want %s", name, buf, canh_decode_name(ev->decoder),
                     canh_decode_name((unsigned)id));
        if (!canh_event_has(ev, CANH_F_EVENT_CATEGORY))
            fail_msg("%s: \"%s\": no event.category", name, buf);
        if (ev->flags & (CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME | CANH_EVF_GENERIC))
            fail_msg("%s: \"%s\": flags 0x%x", name, buf, (unsigned)ev->flags);
    }
    fclose(f);
    assert_true(n >= 10);
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

static void test_auth_log(void **state)
{
    (void)state;
    check_file("auth.log");
}

static void test_daemon_log(void **state)
{
    (void)state;
    check_file("daemon.log");
}

static void test_kern_log(void **state)
{
    (void)state;
    check_file("kern.log");
}

static void test_mail_log(void **state)
{
    (void)state;
    check_file("mail.log");
}

static void test_services_log(void **state)
{
    (void)state;
    check_file("services.log");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_log),     cmocka_unit_test(test_daemon_log),
        cmocka_unit_test(test_kern_log),     cmocka_unit_test(test_mail_log),
        cmocka_unit_test(test_services_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
