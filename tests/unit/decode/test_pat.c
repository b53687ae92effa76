/* Unit tests: the message pattern engine behind the program decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"

static const canh_pat_rule_t rules[] = {
    {"Failed {sshd.auth_method} for invalid user {user.name} from {source.ip} port "
     "{source.port}*",
     "ssh_login", "failure", "authentication", NULL},
    {"Failed {sshd.auth_method} for {user.name} from {source.ip} port {source.port}*",
     "ssh_login", "failure", "authentication", NULL},
    {"Accepted {-} for {user.name} from {source.ip} port {source.port}*", "ssh_login", "success",
     "authentication", "start"},
    {"last {message}", "rest", NULL, NULL, NULL},
    {"word {process.name}*", "oneword", NULL, NULL, NULL},
};

static canh_patset_t *ps;
static canh_event_t *ev;

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    if (canh_patset_compile(rules, sizeof rules / sizeof rules[0], &ps, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_patset_destroy(ps);
    canh_event_destroy(ev);
    return 0;
}

static int match(const char *msg)
{
    canh_event_reset(ev, canh_str_c(msg));
    return canh_patset_match(ps, canh_str_c(msg), ev);
}

static void expect(canh_field_t id, const char *v)
{
    canh_str_t got = canh_event_get(ev, id);
    if (!got.p)
        fail_msg("%s unset, expected \"%s\"", canh_field_name(id), v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", canh_field_name(id), (int)got.n, got.p, v);
}

static void test_basic(void **st)
{
    (void)st;
    assert_int_equal(match("Failed password for root from 10.1.2.3 port 5022 ssh2"), 1);
    expect(CANH_F_USER_NAME, "root");
    expect(CANH_F_SOURCE_IP, "10.1.2.3");
    expect(CANH_F_SOURCE_PORT, "5022");
    expect(CANH_F_EVENT_ACTION, "ssh_login");
    expect(CANH_F_EVENT_OUTCOME, "failure");
    expect(CANH_F_EVENT_CATEGORY, "authentication");
    canh_str_t m;
    assert_int_equal(canh_event_get_name(ev, CANH_STR_LIT("sshd.auth_method"), &m, NULL), CANH_OK);
    assert_true(canh_str_eq_c(m, "password"));

    assert_int_equal(match("Failed publickey for invalid user admin from ::1 port 22 ssh2"), 0);
    expect(CANH_F_USER_NAME, "admin");
    expect(CANH_F_SOURCE_IP, "::1");

    assert_int_equal(match("Accepted publickey for bob from 192.168.0.9 port 41000 ssh2: RSA x"), 2);
    expect(CANH_F_EVENT_TYPE, "start");
}

static void test_backtracking_on_types(void **st)
{
    (void)st;
    /* A user name containing " from " must not break the IP capture: the
     * engine retries the later occurrence of the literal. */
    assert_int_equal(match("Failed password for x from y from 1.2.3.4 port 22 ssh2"), 1);
    expect(CANH_F_USER_NAME, "x from y");
    expect(CANH_F_SOURCE_IP, "1.2.3.4");
    /* not an IP, not a port: no match */
    assert_int_equal(match("Failed password for root from host.example port 22"), CANH_ENOMATCH);
    assert_int_equal(match("Failed password for root from 1.2.3.4 port abc"), CANH_ENOMATCH);
}

static void test_anchoring(void **st)
{
    (void)st;
    /* without '*' the whole message must be consumed */
    assert_int_equal(match("last rest of the line  "), 3);
    expect(CANH_F_MESSAGE, "rest of the line");
    /* '*' with a final capture takes one word */
    assert_int_equal(match("word bash and more"), 4);
    expect(CANH_F_PROCESS_NAME, "bash");
    assert_int_equal(match("nothing matches this"), CANH_ENOMATCH);
    assert_int_equal(match(""), CANH_ENOMATCH);
}

static void test_budget(void **st)
{
    (void)st;
    /* Many occurrences of the literal: the step budget bounds the work. */
    static char big[200000];
    size_t n = 0;
    n += (size_t)snprintf(big, sizeof big, "Failed password for ");
    while (n + 16 < sizeof big)
        n += (size_t)snprintf(big + n, sizeof big - n, " from  port ");
    big[n] = '\0';
    assert_int_equal(match(big), CANH_ENOMATCH);
}

static void test_compile_errors(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_patset_t *bad;
    canh_pat_rule_t r1[] = {{"x {unclosed", NULL, NULL, NULL, NULL}};
    assert_int_equal(canh_patset_compile(r1, 1, &bad, &eb), CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "unclosed"));
    canh_pat_rule_t r2[] = {{"{a}{b}", NULL, NULL, NULL, NULL}};
    assert_int_equal(canh_patset_compile(r2, 1, &bad, &eb), CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "adjacent"));
    canh_pat_rule_t r3[] = {{"x {}", NULL, NULL, NULL, NULL}};
    assert_int_equal(canh_patset_compile(r3, 1, &bad, &eb), CANH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),         cmocka_unit_test(test_backtracking_on_types),
        cmocka_unit_test(test_anchoring),     cmocka_unit_test(test_budget),
        cmocka_unit_test(test_compile_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
