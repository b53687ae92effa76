/* Unit tests: the pipeline (engine, slot, decode -> enrich -> detect), the
 * store's retention and read-side queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canh/server.h"

#define PACK CANH_FIXTURES "/../../rules/canh"
#define DAY (86400 * INT64_C(1000000000))

static canh_engine_t *pack_engine(void)
{
    const char *paths[] = {PACK};
    canh_engine_t *e = NULL;
    size_t failed = 99;
    canh_errbuf_t eb = {{0}};
    int rc = canh_engine_load(paths, 1, NULL, NULL, NULL, &e, &failed, &eb);
    if (rc != CANH_OK)
        fail_msg("%s", eb.msg);
    assert_int_equal(failed, 0);
    assert_true(canh_engine_nrules(e) > 20);
    assert_int_equal(canh_engine_nindicators(e), 0);
    return e;
}

typedef struct seen {
    int n;
    char ids[8][64];
    char sources[8][16];
} seen_t;

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    (void)ev;
    seen_t *s = ud;
    if (s->n < 8) {
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", a->rule_id);
        snprintf(s->sources[s->n], sizeof s->sources[0], "%s", a->rule_source);
    }
    s->n++;
    return 0;
}

static bool has_kv(const canh_event_t *ev, const char *key, const char *val)
{
    canh_str_t v;
    if (canh_event_get_name(ev, canh_str_c(key), &v, NULL) != CANH_OK)
        return false;
    return canh_str_eq_c(v, val);
}

static void test_pipeline_detects(void **state)
{
    (void)state;
    canh_engine_t *e = pack_engine();
    canh_pipeline_t *p;
    canh_errbuf_t eb = {{0}};
    canh_pipeline_opts_t o = {.tz_off = 0};
    assert_int_equal(canh_pipeline_create(&o, e, &p, &eb), CANH_OK);
    canh_engine_release(e); /* the pipeline holds its own reference */
    static const char line[] =
        "Nov 21 02:00:01 bastion sshd[40211]: Invalid user oracle from 45.135.232.19 port 40922";
    seen_t s = {0};
    assert_int_equal(canh_pipeline_run(p, line, strlen(line), NULL, on_alert, &s), 1);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "57e28005-7fe6-409c-b97a-92be7899b8e2");
    assert_string_equal(s.sources[0], "sigma");
    const canh_event_t *ev = canh_pipeline_event(p);
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_SOURCE_IP), "45.135.232.19"));
    const canh_pipeline_stats_t *st = canh_pipeline_stats(p);
    assert_int_equal(st->records, 1);
    assert_int_equal(st->alerts, 1);
    assert_int_equal(st->alerts_by_level[CANH_LEVEL_LOW], 1);

    /* a record that matches nothing: a generic event, no alert */
    s.n = 0;
    assert_int_equal(canh_pipeline_run(p, "hello", 5, NULL, on_alert, &s), 0);
    assert_int_equal(st->generic, 1);
    canh_pipeline_destroy(p);
}

static void test_pipeline_enrich(void **state)
{
    (void)state;
    canh_pipeline_t *p;
    canh_errbuf_t eb = {{0}};
    canh_pipeline_opts_t o = {.tz_off = 0};
    assert_int_equal(canh_pipeline_create(&o, NULL, &p, &eb), CANH_OK);

    /* network syslog: the peer is kept */
    static const char sys[] = "<34>Nov 21 02:00:01 gw1 sshd[1]: Accepted password for a from "
                              "10.0.0.9 port 22 ssh2";
    canh_recinfo_t ri = {.transport = CANH_TRANSPORT_TCP, .peer = "192.0.2.7"};
    assert_int_equal(canh_pipeline_run(p, sys, strlen(sys), &ri, NULL, NULL), 0);
    assert_true(has_kv(canh_pipeline_event(p), "log.source.address", "192.0.2.7"));

    /* an agent's log line: agent identity, host name, file path; the
     * agent's own claim to another agent.id is replaced */
    static const char line[] = "Nov 21 02:00:01 sshd[5]: Invalid user x from 10.1.1.1 port 1";
    canh_recinfo_t ar = {.transport = CANH_TRANSPORT_AGENT,
                         .agent_id = 42,
                         .agent_name = "web01",
                         .origin = "file:/var/log/auth.log",
                         .peer = "10.9.9.9"};
    assert_int_equal(canh_pipeline_run(p, line, strlen(line), &ar, NULL, NULL), 0);
    const canh_event_t *ev = canh_pipeline_event(p);
    assert_true(has_kv(ev, "agent.id", "42"));
    assert_true(has_kv(ev, "agent.name", "web01"));
    assert_true(has_kv(ev, "log.file.path", "/var/log/auth.log"));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_HOST_NAME), "web01"));
    assert_false(has_kv(ev, "log.source.address", "10.9.9.9"));

    /* a structured collector's ECS document goes to the JSON decoder */
    static const char doc[] = "{\"@timestamp\":\"2026-11-21T02:00:00Z\",\"event\":{\"dataset\":"
                              "\"fim\",\"action\":\"modified\"},\"agent\":{\"id\":\"666\"},"
                              "\"host\":{\"name\":\"db7\"},\"file\":{\"path\":\"/etc/passwd\"}}";
    ar.origin = "fim";
    assert_int_equal(canh_pipeline_run(p, doc, strlen(doc), &ar, NULL, NULL), 0);
    ev = canh_pipeline_event(p);
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_EVENT_DATASET), "fim"));
    assert_true(has_kv(ev, "agent.id", "42"));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_HOST_NAME), "db7"));
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    assert_int_equal(canh_event_to_json(ev, &b), CANH_OK);
    /* one agent object, holding the authenticated id (the raw record, in
     * event.original, still says what the agent sent) */
    assert_non_null(strstr(b.data, "\"agent\":{\"id\":\"42\""));
    assert_null(strstr(strstr(b.data, "\"agent\":") + 8, "\"agent\":"));
    canh_buf_fini(&b);

    /* truncated flag */
    canh_recinfo_t tr = {.truncated = true, .transport = CANH_TRANSPORT_UDP};
    canh_pipeline_run(p, "x", 1, &tr, NULL, NULL);
    assert_true(canh_pipeline_event(p)->flags & CANH_EVF_TRUNCATED);
    assert_int_equal(canh_pipeline_stats(p)->truncated, 1);
    canh_pipeline_destroy(p);
}

static void test_slot_swap(void **state)
{
    (void)state;
    canh_engine_slot_t *slot;
    assert_int_equal(canh_engine_slot_create(&slot), CANH_OK);
    assert_null(canh_engine_slot_get(slot));
    uint64_t g0 = canh_engine_slot_generation(slot);
    canh_engine_t *a = pack_engine();
    canh_engine_slot_swap(slot, a);
    assert_true(canh_engine_slot_generation(slot) > g0);
    canh_engine_t *held = canh_engine_slot_get(slot);
    assert_ptr_equal(held, a);

    /* a pipeline on the old engine keeps working after the swap */
    canh_pipeline_t *p;
    canh_errbuf_t eb = {{0}};
    canh_pipeline_opts_t o = {0};
    assert_int_equal(canh_pipeline_create(&o, held, &p, &eb), CANH_OK);
    canh_engine_t *b;
    assert_int_equal(canh_engine_create(NULL, NULL, &b), CANH_OK);
    canh_engine_slot_swap(slot, b);
    static const char line[] = "Nov 21 02:00:01 h sshd[1]: Invalid user o from 1.2.3.4 port 1";
    seen_t s = {0};
    assert_int_equal(canh_pipeline_run(p, line, strlen(line), NULL, on_alert, &s), 1);
    /* moving to the new (empty) engine: no more alerts */
    canh_engine_t *cur = canh_engine_slot_get(slot);
    assert_ptr_equal(cur, b);
    assert_int_equal(canh_pipeline_set_engine(p, cur), CANH_OK);
    canh_engine_release(cur);
    canh_engine_release(held); /* the last reference to a goes with the pipeline's */
    assert_int_equal(canh_pipeline_run(p, line, strlen(line), NULL, on_alert, &s), 0);
    canh_pipeline_destroy(p);
    canh_engine_slot_destroy(slot);
}

static void test_engine_load_errors(void **state)
{
    (void)state;
    const char *bad[] = {"/nonexistent/rules"};
    canh_engine_t *e = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_not_equal(canh_engine_load(bad, 1, NULL, NULL, NULL, &e, NULL, &eb), CANH_OK);
    assert_null(e);
    assert_true(strlen(eb.msg) > 0);
    /* no rules, no store: an empty engine */
    assert_int_equal(canh_engine_load(NULL, 0, NULL, NULL, NULL, &e, NULL, &eb), CANH_OK);
    assert_int_equal(canh_engine_nrules(e), 0);
    canh_engine_release(e);
}

/* ---- store: retention and queries ------------------------------------------------------ */

static char dir[64];

static canh_store_t *fresh_store(void)
{
    snprintf(dir, sizeof dir, "/tmp/canh-srvtest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    canh_store_t *st;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_store_open(dir, &st, &eb), CANH_OK);
    return st;
}

static void drop_store(canh_store_t *st)
{
    canh_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void add_event(canh_store_t *st, int64_t ts, const char *ds)
{
    canh_errbuf_t eb;
    static const char doc[] = "{\"event\":{}}";
    assert_int_equal(
        canh_store_event_add(st, ts, ds, "1.2.3.4", NULL, "h", doc, sizeof doc - 1, &eb), CANH_OK);
}

static uint64_t count(canh_store_t *st, const char *ds)
{
    uint64_t n = 0;
    canh_errbuf_t eb;
    assert_int_equal(canh_store_events_count_where(st, ds, 0, &n, &eb), CANH_OK);
    return n;
}

static void mark(canh_store_t *st, int64_t at_ns)
{
    canh_errbuf_t eb;
    assert_int_equal(canh_store_mark_ingest(st, at_ns / 1000000000, 400 * 86400, &eb), CANH_OK);
}

/* Three datasets stored in batches over 100 days (the marks say when);
 * ages count from storage, never from the events' own timestamps. */
static void test_retention_age(void **state)
{
    (void)state;
    canh_store_t *st = fresh_store();
    int64_t now = 1000 * DAY;
    canh_errbuf_t eb;
    static const int64_t stored_days_ago[] = {100, 40, 20, 10};
    for (int b = 0; b < 4; b++) {
        assert_int_equal(canh_store_begin(st, &eb), CANH_OK);
        for (int i = 0; i < 10; i++) {
            /* event clocks are all over the place: they do not matter */
            add_event(st, b == 3 ? 0 : now + 7 * DAY, "sshd");
            add_event(st, now - 500 * DAY, "suricata");
            add_event(st, now, "nginx");
        }
        assert_int_equal(canh_store_alert_add(st, now, "r", "sigma", "high", "{}", 2, &eb),
                         CANH_OK);
        assert_int_equal(canh_store_commit(st, &eb), CANH_OK);
        mark(st, now - stored_days_ago[b] * DAY);
    }
    /* and a batch stored just now, after the last mark */
    for (int i = 0; i < 10; i++)
        add_event(st, 0, "sshd");
    canh_retention_dataset_t ds[] = {{"suricata", 90}, {"nginx", 14}};
    canh_retention_t pol = {.max_age_days = 30, .datasets = ds, .ndatasets = 2};
    canh_retention_result_t r;
    /* steps of 7 rows: the first one stops early and says so */
    assert_int_equal(canh_store_retention_step(st, &pol, now, 7, &r, &eb), CANH_OK);
    assert_int_equal(r.events_aged, 7);
    assert_true(r.more);
    int steps = 1;
    uint64_t total = r.events_aged, alerts = r.alerts_aged;
    while (r.more && steps < 20) {
        assert_int_equal(canh_store_retention_step(st, &pol, now, 7, &r, &eb), CANH_OK);
        total += r.events_aged;
        alerts += r.alerts_aged;
        steps++;
    }
    /* sshd (30 days): the batches stored 100 and 40 days ago; suricata (90):
     * the one of 100 days; nginx (14): those of 100, 40 and 20 days */
    assert_int_equal(total, 20 + 10 + 30);
    assert_int_equal(count(st, "sshd"), 20 + 10);
    assert_int_equal(count(st, "suricata"), 30);
    assert_int_equal(count(st, "nginx"), 10);
    /* alerts live as long as the longest age (90 days): the first batch's */
    assert_int_equal(alerts, 1);
    uint64_t na;
    assert_int_equal(canh_store_alerts_count(st, &na, &eb), CANH_OK);
    assert_int_equal(na, 3);
    /* nothing left to do */
    assert_int_equal(canh_store_retention_step(st, &pol, now, 0, &r, &eb), CANH_OK);
    assert_int_equal(r.events_aged + r.alerts_aged, 0);
    assert_false(r.more);
    /* a young store (no mark old enough) loses nothing */
    canh_retention_t all = {.max_age_days = 1};
    assert_int_equal(canh_store_retention_step(st, &all, now - 95 * DAY, 0, &r, &eb), CANH_OK);
    assert_int_equal(r.events_aged, 0);
    /* bad policy */
    canh_retention_t bad = {.max_age_days = 0};
    assert_int_equal(canh_store_retention_step(st, &bad, now, 0, &r, &eb), CANH_EINVAL);
    drop_store(st);
}

/* Ids never go back: even when every row is old, the newest stays. */
static void test_retention_keeps_newest(void **state)
{
    (void)state;
    canh_store_t *st = fresh_store();
    int64_t now = 1000 * DAY;
    canh_errbuf_t eb;
    for (int i = 0; i < 5; i++)
        add_event(st, now, "sshd");
    mark(st, now - 50 * DAY);
    canh_retention_t pol = {.max_age_days = 30};
    canh_retention_result_t r;
    assert_int_equal(canh_store_retention_step(st, &pol, now, 0, &r, &eb), CANH_OK);
    assert_int_equal(r.events_aged, 4);
    assert_int_equal(count(st, NULL), 1);
    add_event(st, now, "sshd");
    /* the new row got a new id, which the old mark does not cover: it
     * stays, and the old one, no longer the newest, goes */
    assert_int_equal(canh_store_retention_step(st, &pol, now, 0, &r, &eb), CANH_OK);
    assert_int_equal(r.events_aged, 1);
    assert_int_equal(count(st, NULL), 1);
    drop_store(st);
}

static void test_retention_size(void **state)
{
    (void)state;
    canh_store_t *st = fresh_store();
    canh_errbuf_t eb;
    char doc[1100];
    memset(doc, 'x', sizeof doc);
    doc[0] = '"';
    doc[sizeof doc - 1] = '"';
    int64_t now = 1000 * DAY;
    assert_int_equal(canh_store_begin(st, &eb), CANH_OK);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(
            canh_store_event_add(st, now - 2000 + i, "d", NULL, NULL, NULL, doc, sizeof doc, &eb),
            CANH_OK);
    assert_int_equal(canh_store_commit(st, &eb), CANH_OK);
    uint64_t used;
    assert_int_equal(canh_store_used_bytes(st, &used, &eb), CANH_OK);
    assert_true(used > 2000 * 1000);
    canh_retention_t pol = {.max_age_days = 30, .max_size = used / 2};
    canh_retention_result_t r = {0};
    int steps = 0;
    do {
        assert_int_equal(canh_store_retention_step(st, &pol, now, 100, &r, &eb), CANH_OK);
        steps++;
    } while (r.more && steps < 100);
    assert_int_equal(canh_store_used_bytes(st, &used, &eb), CANH_OK);
    assert_true(used <= pol.max_size);
    uint64_t left = count(st, NULL);
    assert_true(left > 700 && left < 1100);
    /* the oldest went first: the newest row is still there */
    assert_int_equal(canh_store_events_count_where(st, NULL, now - 1, &left, &eb), CANH_OK);
    assert_int_equal(left, 1);
    drop_store(st);
}

typedef struct rows {
    int n;
    int64_t ts[8];
} rows_t;

static int collect(void *ud, int64_t id, int64_t ts, const char *json)
{
    (void)id;
    (void)json;
    rows_t *r = ud;
    if (r->n < 8)
        r->ts[r->n] = ts;
    r->n++;
    return 0;
}

static int per_ds(void *ud, const char *ds, uint64_t n)
{
    char *out = ud;
    char line[64];
    snprintf(line, sizeof line, "%s=%llu;", ds, (unsigned long long)n);
    strcat(out, line);
    return 0;
}

static void test_queries(void **state)
{
    (void)state;
    canh_store_t *st = fresh_store();
    canh_errbuf_t eb;
    for (int i = 0; i < 5; i++)
        add_event(st, 100 + i, i < 3 ? "sshd" : "nginx");
    add_event(st, 200, NULL);
    for (int i = 0; i < 6; i++)
        assert_int_equal(
            canh_store_alert_add(st, 10 * i, "r", i % 2 ? "intel" : "sigma", "low", "{}", 2, &eb),
            CANH_OK);
    uint64_t n;
    assert_int_equal(canh_store_events_count_where(st, "sshd", 0, &n, &eb), CANH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(canh_store_events_count_where(st, NULL, 102, &n, &eb), CANH_OK);
    assert_int_equal(n, 4);
    char out[256] = "";
    assert_int_equal(canh_store_events_by_dataset(st, 0, per_ds, out, &eb), CANH_OK);
    assert_string_equal(out, "sshd=3;nginx=2;=1;");
    /* the newest two sigma alerts, oldest first */
    rows_t r = {0};
    assert_int_equal(canh_store_alerts_recent(st, "sigma", 0, 2, collect, &r, &eb), CANH_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ts[0], 20);
    assert_int_equal(r.ts[1], 40);
    r.n = 0;
    assert_int_equal(canh_store_alerts_recent(st, NULL, 25, 0, collect, &r, &eb), CANH_OK);
    assert_int_equal(r.n, 3);
    drop_store(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_detects), cmocka_unit_test(test_pipeline_enrich),
        cmocka_unit_test(test_slot_swap),        cmocka_unit_test(test_engine_load_errors),
        cmocka_unit_test(test_retention_age),    cmocka_unit_test(test_retention_keeps_newest),
        cmocka_unit_test(test_retention_size),   cmocka_unit_test(test_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
