/* Unit tests: Sigma correlation rules - event_count and value_count
 * thresholds, windows sliding with event time, out-of-order and late
 * events, group separation, state bounds and eviction counting, generate,
 * temporal_ordered over a chained correlation, and malformed documents. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/detect.h"
#include "canh/time.h"
#include "detect_sigma_int.h"

/* 2026-11-21T00:00:00Z */
#define T0 (INT64_C(1795219200) * CANH_NS_PER_SEC)
#define SEC CANH_NS_PER_SEC

static canh_event_t *ev;

static int setup(void **st)
{
    (void)st;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_event_destroy(ev);
    return 0;
}

#define BASE                                                                                       \
    "title: ssh failure\nid: base-fail\nname: ssh_fail\nlogsource:\n  product: linux\n"            \
    "  service: sshd\ndetection:\n  sel:\n    event.action: ssh_login\n"                           \
    "    event.outcome: failure\n  condition: sel\nlevel: informational\n"
#define BASE_OK                                                                                    \
    "---\ntitle: ssh success\nid: base-ok\nname: ssh_ok\nlogsource:\n  product: linux\n"           \
    "  service: sshd\ndetection:\n  sel:\n    event.action: ssh_login\n"                           \
    "    event.outcome: success\n  condition: sel\nlevel: informational\n"

static const char *const BRUTE =
    BASE "---\ntitle: brute\nid: corr-brute\nlevel: high\ncorrelation:\n  type: event_count\n"
         "  rules:\n    - ssh_fail\n  group-by:\n    - source.ip\n  timespan: 5m\n"
         "  condition:\n    gte: 10\n  generate: false\n";

typedef struct reported {
    unsigned n;
    char last[512];
} reported_t;

static void on_report(void *ud, const char *file, unsigned line, const char *id, const char *title,
                      canh_rule_status_t st, const char *reason)
{
    reported_t *r = ud;
    (void)title;
    (void)st;
    r->n++;
    snprintf(r->last, sizeof r->last, "%s:%u: %s: %s", file, line, id ? id : "-", reason);
}

static canh_rules_t *compile_ok(const char *text)
{
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    reported_t rep = {0};
    int rc = sg_rules_compile_mem("c.yml", text, strlen(text), on_report, &rep, &r, &eb);
    if (rc != CANH_OK)
        fail_msg("compile: %s", eb.msg);
    if (rep.n)
        fail_msg("rule not compiled: %s", rep.last);
    return r;
}

static void expect_error(const char *text, const char *want)
{
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    reported_t rep = {0};
    assert_int_equal(sg_rules_compile_mem("c.yml", text, strlen(text), on_report, &rep, &r, &eb),
                     CANH_OK);
    if (!strstr(rep.last, want))
        fail_msg("got \"%s\", expected \"%s\"", rep.last, want);
    canh_rules_destroy(r);
}

typedef struct hits {
    unsigned n, corr, sigma;
    char ip[64], count[16], window[16], events[256], first[40], user[64];
} hits_t;

static void field(const canh_alert_t *a, const char *k, char *out, size_t cap)
{
    for (size_t i = 0; i < a->nfields; i++)
        if (a->fields[i].key.n == strlen(k) &&
            memcmp(a->fields[i].key.p, k, a->fields[i].key.n) == 0)
            snprintf(out, cap, "%.*s", (int)a->fields[i].val.n, a->fields[i].val.p);
}

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *e)
{
    hits_t *h = ud;
    (void)e;
    h->n++;
    if (strcmp(a->rule_source, "correlation") == 0) {
        h->corr++;
        field(a, "source.ip", h->ip, sizeof h->ip);
        field(a, "canh.correlation.count", h->count, sizeof h->count);
        field(a, "canh.correlation.window", h->window, sizeof h->window);
        field(a, "canh.correlation.events", h->events, sizeof h->events);
        field(a, "canh.correlation.first", h->first, sizeof h->first);
    } else {
        h->sigma++;
    }
    return 0;
}

/* One sshd login event at T0 + sec seconds. */
static void feed(canh_detector_t *d, hits_t *h, int64_t sec, const char *ip, const char *user,
                 const char *outcome)
{
    canh_event_reset(ev, CANH_STR_LIT("x"));
    canh_event_set_name(ev, CANH_STR_LIT("event.dataset"), CANH_STR_LIT("sshd"), CANH_FT_KEYWORD,
                        true);
    canh_event_set_name(ev, CANH_STR_LIT("event.action"), CANH_STR_LIT("ssh_login"),
                        CANH_FT_KEYWORD, true);
    canh_event_set_name(ev, CANH_STR_LIT("event.outcome"), canh_str_c(outcome), CANH_FT_KEYWORD,
                        true);
    if (ip)
        canh_event_set_name(ev, CANH_STR_LIT("source.ip"), canh_str_c(ip), CANH_FT_IP, true);
    if (user)
        canh_event_set_name(ev, CANH_STR_LIT("user.name"), canh_str_c(user), CANH_FT_KEYWORD, true);
    canh_event_set_ts(ev, T0 + sec * SEC);
    assert_true(canh_detector_run(d, ev, on_alert, h) >= 0);
}

#define FAIL(d, h, s, ip) feed(d, h, s, ip, "root", "failure")

static void test_event_count_threshold(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    for (int i = 0; i < 9; i++)
        FAIL(d, &h, i, "203.0.113.7");
    assert_int_equal(h.n, 0); /* generate: false silences the base rule */
    FAIL(d, &h, 9, "203.0.113.7");
    assert_int_equal(h.corr, 1);
    assert_int_equal(h.sigma, 0);
    assert_string_equal(h.ip, "203.0.113.7");
    assert_string_equal(h.count, "10");
    assert_string_equal(h.window, "300");
    assert_string_equal(h.events, "[1,2,3,4,5,6,7,8,9,10]");
    assert_string_equal(h.first, "2026-11-21T00:00:00.000000Z");
    /* The 11th failure does not alert again; another full threshold does. */
    FAIL(d, &h, 10, "203.0.113.7");
    assert_int_equal(h.corr, 1);
    for (int i = 11; i < 19; i++)
        FAIL(d, &h, i, "203.0.113.7");
    assert_int_equal(h.corr, 1);
    FAIL(d, &h, 19, "203.0.113.7");
    assert_int_equal(h.corr, 2);
    assert_string_equal(h.events, "[11,12,13,14,15,16,17,18,19,20]");
    /* Successes do not count. */
    for (int i = 0; i < 12; i++)
        feed(d, &h, 30 + i, "198.51.100.1", "root", "success");
    assert_int_equal(h.n, 2);
    canh_detector_stats_t s;
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_alerts, 2);
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_window_slides_with_event_time(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    /* One failure every 40 s: at most 8 in any 5 minutes, never 10. */
    for (int i = 0; i < 40; i++)
        FAIL(d, &h, i * 40, "203.0.113.7");
    assert_int_equal(h.corr, 0);
    /* 9 at once, the 10th just past the window of the first: no alert... */
    for (int i = 0; i < 9; i++)
        FAIL(d, &h, 10000, "203.0.113.8");
    FAIL(d, &h, 10301, "203.0.113.8");
    assert_int_equal(h.corr, 0);
    /* ...exactly at its edge (300 s): alert. */
    for (int i = 0; i < 8; i++)
        FAIL(d, &h, 20000, "203.0.113.9");
    FAIL(d, &h, 20299, "203.0.113.9");
    FAIL(d, &h, 20300, "203.0.113.9");
    assert_int_equal(h.corr, 1);
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_out_of_order_and_late(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    static const int order[] = {50, 10, 40, 0, 30, 20, 90, 60, 80};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        FAIL(d, &h, 1000 + order[i], "203.0.113.7");
    assert_int_equal(h.corr, 0);
    /* Later than the window allows (newest 1090, oldest kept 790): ignored. */
    FAIL(d, &h, 700, "203.0.113.7");
    assert_int_equal(h.corr, 0);
    canh_detector_stats_t s;
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_late, 1);
    FAIL(d, &h, 1070, "203.0.113.7"); /* out of order but inside: the 10th */
    assert_int_equal(h.corr, 1);
    assert_string_equal(h.first, "2026-11-21T00:16:40.000000Z"); /* T0+1000 */
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_groups_are_separate(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    for (int i = 0; i < 9; i++) {
        FAIL(d, &h, i, "203.0.113.7");
        FAIL(d, &h, i, "203.0.113.8");
        FAIL(d, &h, i, NULL); /* no group-by value: not counted */
    }
    assert_int_equal(h.corr, 0);
    FAIL(d, &h, 20, NULL);
    assert_int_equal(h.corr, 0);
    FAIL(d, &h, 20, "203.0.113.8");
    assert_int_equal(h.corr, 1);
    assert_string_equal(h.ip, "203.0.113.8");
    canh_detector_stats_t s;
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_groups, 2);
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_eviction(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    assert_int_equal(canh_detector_set_corr_limits(d, 2, 0), CANH_OK);
    hits_t h = {0};
    for (int i = 0; i < 9; i++)
        FAIL(d, &h, i, "10.0.0.1");
    FAIL(d, &h, 10, "10.0.0.2");
    FAIL(d, &h, 11, "10.0.0.3"); /* evicts 10.0.0.1, the least recently updated */
    canh_detector_stats_t s;
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_evictions, 1);
    assert_int_equal(s.corr_groups, 2);
    FAIL(d, &h, 12, "10.0.0.1"); /* starts over: 1, not 10; evicts 10.0.0.2 */
    assert_int_equal(h.corr, 0);
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_evictions, 2);
    /* The total bound too. */
    assert_int_equal(canh_detector_set_corr_limits(d, 100, 1), CANH_OK);
    FAIL(d, &h, 13, "10.0.0.9");
    canh_detector_stats(d, &s);
    assert_int_equal(s.corr_evictions, 3); /* over the total of 1: evicts the oldest */
    assert_int_equal(s.corr_groups, 2);
    /* Groups whose window passed are dropped (not counted as evictions). */
    FAIL(d, &h, 5000, "10.0.0.10");
    canh_detector_stats(d, &s);
    assert_true(s.corr_expired >= 1);
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_generate_true(void **st)
{
    (void)st;
    const char *text =
        BASE "---\ntitle: brute\nid: corr-brute\ncorrelation:\n  type: event_count\n"
             "  rules:\n    - base-fail\n  group-by:\n    - source.ip\n  timespan: 1h\n"
             "  condition:\n    gt: 2\n  generate: true\n";
    canh_rules_t *r = compile_ok(text);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    for (int i = 0; i < 3; i++)
        FAIL(d, &h, i, "203.0.113.7");
    assert_int_equal(h.sigma, 3);
    assert_int_equal(h.corr, 1); /* gt 2: on the third */
    assert_string_equal(h.window, "3600");
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_value_count(void **st)
{
    (void)st;
    const char *text =
        BASE "---\ntitle: spray\nid: corr-spray\ncorrelation:\n  type: value_count\n"
             "  rules:\n    - ssh failure\n  group-by:\n    - source.ip\n  timespan: 30m\n"
             "  condition:\n    field: user.name\n    gte: 4\n  generate: false\n";
    canh_rules_t *r = compile_ok(text); /* referred to by title */
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    static const char *const users[] = {"root", "root", "admin", "root", "admin", "oracle"};
    for (int i = 0; i < 6; i++)
        feed(d, &h, i, "203.0.113.7", users[i], "failure");
    assert_int_equal(h.n, 0);                       /* 3 distinct users */
    feed(d, &h, 7, "203.0.113.7", NULL, "failure"); /* no value: not counted */
    assert_int_equal(h.n, 0);
    feed(d, &h, 8, "203.0.113.7", "guest", "failure");
    assert_int_equal(h.corr, 1);
    assert_string_equal(h.count, "4");
    assert_string_equal(h.events, "[4,5,6,8]"); /* the newest event of each value */
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

static void test_temporal_ordered_chained(void **st)
{
    (void)st;
    const char *text =
        BASE BASE_OK "---\ntitle: fails\nid: corr-fails\nname: many_fails\ncorrelation:\n"
                     "  type: event_count\n  rules:\n    - ssh_fail\n  group-by:\n"
                     "    - source.ip\n  timespan: 30m\n  condition:\n    gte: 3\n"
                     "  generate: false\n"
                     "---\ntitle: login after fails\nid: corr-after\ncorrelation:\n"
                     "  type: temporal_ordered\n  rules:\n    - many_fails\n    - ssh_ok\n"
                     "  group-by:\n    - source.ip\n  timespan: 30m\n  generate: false\n";
    canh_rules_t *r = compile_ok(text);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    feed(d, &h, 0, "203.0.113.7", "root", "success"); /* success first: no */
    for (int i = 1; i <= 3; i++)
        FAIL(d, &h, i, "203.0.113.7");
    assert_int_equal(h.n, 0); /* the inner correlation is silenced by the outer */
    feed(d, &h, 5, "203.0.113.8", "root", "success"); /* another address */
    assert_int_equal(h.n, 0);
    feed(d, &h, 100, "203.0.113.7", "root", "success");
    assert_int_equal(h.corr, 1);
    assert_string_equal(h.ip, "203.0.113.7");
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

#define CORR(body) BASE "---\ntitle: c\nid: c1\ncorrelation:\n" body
static void test_malformed(void **st)
{
    (void)st;
    expect_error(CORR("  type: event_count\n  rules:\n    - ssh_fail\n  timespan: 5m\n"),
                 "c.yml:16: c1: correlation: event_count needs a condition mapping");
    expect_error(CORR("  type: sum\n"), "c.yml:17: c1: correlation: type must be event_count");
    expect_error(CORR("  type: event_count\n  rules:\n    - nope\n  timespan: 5m\n"
                      "  condition:\n    gte: 2\n"),
                 "c.yml:19: c1: correlation: rule \"nope\" not found");
    expect_error(CORR("  type: event_count\n  rules:\n    - ssh_fail\n  timespan: 5 minutes\n"
                      "  condition:\n    gte: 2\n"),
                 "c.yml:20: c1: correlation: timespan");
    expect_error(CORR("  type: event_count\n  rules:\n    - ssh_fail\n  timespan: 5m\n"
                      "  condition:\n    lte: 2\n"),
                 "c.yml:22: c1: correlation: condition \"lte\" is not supported");
    expect_error(CORR("  type: value_count\n  rules:\n    - ssh_fail\n  timespan: 5m\n"
                      "  condition:\n    gte: 2\n"),
                 "c.yml:22: c1: correlation: value_count needs condition field:");
    expect_error(CORR("  type: event_count\n  rules:\n    - ssh_fail\n  timespan: 5m\n"
                      "  condition:\n    gte: many\n"),
                 "c.yml:22: c1: correlation: condition threshold must be a whole number");
    expect_error(CORR("  type: temporal\n  rules:\n    - ssh_fail\n  timespan: 5m\n"),
                 "c.yml:19: c1: correlation: temporal needs at least two rules");
    expect_error(CORR("  type: event_count\n  rules: []\n"),
                 "c.yml:18: c1: correlation: rules must be a non-empty list");
    expect_error(CORR("  type: event_count\n  aliases: {}\n"),
                 "c.yml:18: c1: correlation: unsupported key \"aliases\"");
    expect_error(CORR("  type: event_count\n  rules:\n    - ssh_fail\n  timespan: 5m\n"
                      "  condition:\n    gte: 2\n  generate: maybe\n"),
                 "c.yml:23: c1: correlation: generate must be true or false");
    expect_error(BASE "---\ntitle: c\nid: c1\ndetection:\n  sel:\n    a: 1\n  condition: sel\n"
                      "correlation:\n  type: event_count\n",
                 "a rule has either detection: or correlation:, not both");
    /* A correlation that fails leaves its base rule loud. */
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    reported_t rep = {0};
    const char *t = CORR("  type: event_count\n  rules:\n    - ssh_fail\n    - nope\n"
                         "  timespan: 5m\n  condition:\n    gte: 2\n");
    assert_int_equal(sg_rules_compile_mem("c.yml", t, strlen(t), on_report, &rep, &r, &eb),
                     CANH_OK);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    hits_t h = {0};
    FAIL(d, &h, 0, "203.0.113.7");
    FAIL(d, &h, 1, "203.0.113.7");
    assert_int_equal(h.sigma, 2);
    assert_int_equal(h.corr, 0);
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

/* Two detectors (two daemon workers) attached to one shared correlation
 * state count one group together: alternating failures reach the threshold
 * once, where two separate detectors would each hold half. */
static void test_shared_state(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_detector_t *a, *b, *c, *d;
    assert_int_equal(canh_detector_create(r, &a), CANH_OK);
    assert_int_equal(canh_detector_create(r, &b), CANH_OK);
    assert_int_equal(canh_detector_create(r, &c), CANH_OK);
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    canh_corr_shared_t *sh = NULL;
    assert_int_equal(canh_corr_shared_create(r, &sh), CANH_OK);
    assert_non_null(sh);
    assert_int_equal(canh_detector_attach_corr(a, sh), CANH_OK);
    assert_int_equal(canh_detector_attach_corr(b, sh), CANH_OK);
    hits_t shared = {0}, split = {0};
    for (int i = 0; i < 10; i++) {
        FAIL(i % 2 ? a : b, &shared, i, "203.0.113.7");
        FAIL(i % 2 ? c : d, &split, i, "203.0.113.7");
    }
    assert_int_equal(shared.corr, 1);
    assert_string_equal(shared.count, "10");
    assert_int_equal(split.corr, 0); /* 5 + 5 in separate windows */
    canh_detector_stats_t sa, sb;
    canh_detector_stats(a, &sa);
    canh_detector_stats(b, &sb);
    assert_int_equal(sa.corr_alerts, 1);
    assert_int_equal(sb.corr_alerts, 1);
    assert_int_equal(sa.corr_groups, sb.corr_groups);
    /* A detector of other rules cannot be attached. */
    canh_rules_t *r2 = compile_ok(BRUTE);
    canh_detector_t *x;
    assert_int_equal(canh_detector_create(r2, &x), CANH_OK);
    assert_int_equal(canh_detector_attach_corr(x, sh), CANH_EINVAL);
    canh_detector_destroy(x);
    canh_rules_destroy(r2);
    /* Rules without correlations need no shared state. */
    canh_rules_t *plain = compile_ok(BASE);
    canh_corr_shared_t *none = (canh_corr_shared_t *)1;
    assert_int_equal(canh_corr_shared_create(plain, &none), CANH_OK);
    assert_null(none);
    canh_rules_destroy(plain);
    canh_detector_destroy(a);
    canh_detector_destroy(b);
    canh_detector_destroy(c);
    canh_detector_destroy(d);
    canh_corr_shared_destroy(sh);
    canh_rules_destroy(r);
}

typedef struct worker_arg {
    canh_detector_t *d;
    int n;
    hits_t h;
} worker_arg_t;

static void *worker(void *p)
{
    worker_arg_t *w = p;
    canh_event_t *e = canh_event_create();
    for (int i = 0; i < w->n; i++) {
        canh_event_reset(e, CANH_STR_LIT("x"));
        canh_event_set_name(e, CANH_STR_LIT("event.dataset"), CANH_STR_LIT("sshd"), CANH_FT_KEYWORD,
                            true);
        canh_event_set_name(e, CANH_STR_LIT("event.action"), CANH_STR_LIT("ssh_login"),
                            CANH_FT_KEYWORD, true);
        canh_event_set_name(e, CANH_STR_LIT("event.outcome"), CANH_STR_LIT("failure"),
                            CANH_FT_KEYWORD, true);
        canh_event_set_name(e, CANH_STR_LIT("source.ip"), CANH_STR_LIT("203.0.113.9"), CANH_FT_IP,
                            true);
        canh_event_set_ts(e, T0 + (int64_t)(i % 200) * SEC);
        if (canh_detector_run(w->d, e, on_alert, &w->h) < 0)
            break;
    }
    canh_event_destroy(e);
    return NULL;
}

/* Two threads on one shared state: every failure is counted once, so the
 * 2 x 1000 failures of one address (all inside one window) raise exactly
 * 200 alerts of 10, however the threads interleave. */
static void test_shared_state_threads(void **st)
{
    (void)st;
    canh_rules_t *r = compile_ok(BRUTE);
    canh_corr_shared_t *sh = NULL;
    assert_int_equal(canh_corr_shared_create(r, &sh), CANH_OK);
    worker_arg_t w[2] = {{.n = 1000}, {.n = 1000}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(canh_detector_create(r, &w[i].d), CANH_OK);
        assert_int_equal(canh_detector_attach_corr(w[i].d, sh), CANH_OK);
    }
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w[0].h.corr + w[1].h.corr, 200);
    for (int i = 0; i < 2; i++)
        canh_detector_destroy(w[i].d);
    canh_corr_shared_destroy(sh);
    canh_rules_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_count_threshold),
        cmocka_unit_test(test_window_slides_with_event_time),
        cmocka_unit_test(test_out_of_order_and_late),
        cmocka_unit_test(test_groups_are_separate),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_generate_true),
        cmocka_unit_test(test_value_count),
        cmocka_unit_test(test_temporal_ordered_chained),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_shared_state),
        cmocka_unit_test(test_shared_state_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
