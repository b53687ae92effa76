/* Unit tests: the JSON decoder (decode_json.c): parsing, dispatch to the
 * sub-decoders, and the generic "json" decoder that flattens any other
 * document into dotted field names. */
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

/* 2024-05-01T10:00:00Z */
#define NOW (INT64_C(1714557600) * CANH_NS_PER_SEC)

static canh_decode_t *d_auto, *d_json;
static canh_event_t *ev;
static char *rec; /* the record the event borrows, exactly sized */

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &d_auto, &eb) != CANH_OK)
        return -1;
    o.type = "json";
    if (canh_decode_create(&o, &d_json, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(d_auto);
    canh_decode_destroy(d_json);
    canh_event_destroy(ev);
    free(rec);
    rec = NULL;
    return 0;
}

/* The event must encode to one valid JSON object without duplicate keys. */
static void check_output(void)
{
    canh_buf_t out;
    canh_buf_init(&out, CANH_MAX_JSON_OUT);
    assert_int_equal(canh_event_to_json(ev, &out), CANH_OK);
    json_error_t err;
    json_t *j = json_loadb(out.data, out.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("bad output JSON (%s): %.*s", err.text, (int)out.len, out.data);
    json_decref(j);
    canh_buf_fini(&out);
}

static const char *decode_n(canh_decode_t *d, const char *line, size_t n)
{
    free(rec);
    rec = malloc(n ? n : 1);
    assert_non_null(rec);
    memcpy(rec, line, n);
    assert_int_equal(canh_decode_record(d, rec, n, ev), CANH_OK);
    check_output();
    return canh_decode_name(ev->decoder);
}

static const char *decode(const char *line)
{
    return decode_n(d_auto, line, strlen(line));
}

static void expect(const char *name, const char *v)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) != CANH_OK)
        fail_msg("%s unset, expected \"%s\"", name, v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", name, (int)got.n, got.p, v);
}

static void expect_type(const char *name, canh_ftype_t t)
{
    canh_str_t got;
    canh_ftype_t gt;
    if (canh_event_get_name(ev, canh_str_c(name), &got, &gt) != CANH_OK)
        fail_msg("%s unset", name);
    if (gt != t)
        fail_msg("%s has type %d, expected %d", name, (int)gt, (int)t);
}

static void expect_absent(const char *name)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) == CANH_OK)
        fail_msg("%s = \"%.*s\", expected unset", name, (int)got.n, got.p);
}

static void expect_time(const char *iso)
{
    char buf[32];
    canh_time_format(ev->ts, buf);
    assert_string_equal(buf, iso);
    assert_false(ev->flags & CANH_EVF_NO_TIME);
}

/* ---- the generic decoder ------------------------------------------------------ */
static void test_flatten(void **st)
{
    (void)st;
    assert_string_equal(decode("{\"app\":\"billing\",\"level\":\"warn\",\"n\":42,\"ratio\":0.25,"
                               "\"ok\":true,\"bad\":false,\"nothing\":null,"
                               "\"req\":{\"id\":\"r-1\",\"hdr\":{\"ua\":\"curl/8.0\"}},"
                               "\"tags\":[\"a\",\"b\"],\"ports\":[80,443],\"empty\":{},"
                               "\"message\":\"payment declined\"}"),
                        "json");
    assert_false(ev->flags & CANH_EVF_GENERIC);
    expect("app", "billing");
    expect("level", "warn");
    expect("n", "42");
    expect_type("n", CANH_FT_LONG);
    expect("ratio", "0.25");
    expect_type("ratio", CANH_FT_DOUBLE);
    expect("ok", "true");
    expect_type("ok", CANH_FT_BOOL);
    expect("bad", "false");
    expect_absent("nothing");
    expect("req.id", "r-1");
    expect("req.hdr.ua", "curl/8.0");
    expect("tags", "[\"a\",\"b\"]");
    expect_type("tags", CANH_FT_RAW);
    expect("ports", "[80,443]");
    expect_absent("empty");
    expect("message", "payment declined");
    assert_true(canh_event_has(ev, CANH_F_MESSAGE));
    assert_true(ev->flags & CANH_EVF_NO_TIME); /* no time member */
    expect("event.dataset", "json");

    /* Arrays of objects are kept whole. */
    decode("{\"items\":[{\"a\":1},{\"b\":[true,null]}]}");
    expect("items", "[{\"a\":1},{\"b\":[true,null]}]");

    /* Reals print in their shortest exact form. */
    decode("{\"a\":0.1,\"b\":1e300,\"c\":-2.5,\"d\":3.0}");
    expect("a", "0.1");
    expect("b", "1e+300");
    expect("c", "-2.5");
    expect("d", "3");

    /* Escapes and \u0000 are values like any other. */
    decode("{\"s\":\"tab\\there \\\"q\\\" \\u00e9 nul\\u0000x\"}");
    canh_str_t v;
    assert_int_equal(canh_event_get_name(ev, canh_str_c("s"), &v, NULL), CANH_OK);
    assert_int_equal(v.n, strlen("tab\there \"q\" \xc3\xa9 nul") + 2);
    assert_memory_equal(v.p, "tab\there \"q\" \xc3\xa9 nul\0x", v.n);
}

static void test_ecs_document(void **st)
{
    (void)st;
    /* A document already in ECS lands its fields in their slots, nested or
     * dotted. */
    decode("{\"@timestamp\":\"2024-04-30T08:15:00.5Z\",\"source\":{\"ip\":\"10.1.2.3\","
           "\"port\":51000},\"destination.ip\":\"2001:db8::1\",\"destination.port\":\"443\","
           "\"event\":{\"action\":\"connection-accepted\",\"category\":[\"network\"],"
           "\"type\":[\"connection\",\"start\"],\"original\":\"spoofed\"},"
           "\"user\":{\"name\":\"alice\"},\"url\":{\"original\":\"/login?next=/\"},"
           "\"canh\":{\"flags\":[\"generic\"]}}");
    expect_time("2024-04-30T08:15:00.500000Z");
    assert_true(canh_event_has(ev, CANH_F_SOURCE_IP));
    expect("source.ip", "10.1.2.3");
    assert_true(canh_event_has(ev, CANH_F_SOURCE_PORT));
    expect("source.port", "51000");
    assert_true(canh_event_has(ev, CANH_F_DESTINATION_IP));
    expect("destination.ip", "2001:db8::1");
    expect("destination.port", "443");
    assert_true(canh_event_has(ev, CANH_F_DESTINATION_PORT));
    assert_true(canh_event_has(ev, CANH_F_EVENT_ACTION));
    expect("event.action", "connection-accepted");
    /* a one-element array fills the slot; a longer one stays an array */
    assert_true(canh_event_has(ev, CANH_F_EVENT_CATEGORY));
    expect("event.category", "network");
    assert_false(canh_event_has(ev, CANH_F_EVENT_TYPE));
    expect("event.type", "[\"connection\",\"start\"]");
    assert_true(canh_event_has(ev, CANH_F_USER_NAME));
    expect("user.name", "alice");
    expect("url.original", "/login?next=/");
    /* reserved names are not taken from input */
    assert_ptr_equal(ev->original.p, rec);
    expect_absent("@timestamp");
    expect_absent("canh.flags");

    /* A value that does not fit its slot's type stays, in the kv list. */
    decode("{\"source\":{\"ip\":\"not-an-ip\",\"port\":\"http\"}}");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    expect("source.ip", "not-an-ip");
    expect("source.port", "http");
}

static void test_time(void **st)
{
    (void)st;
    decode("{\"timestamp\":\"2024-04-30T23:59:59+07:00\",\"x\":1}");
    expect_time("2024-04-30T16:59:59.000000Z");
    expect("timestamp", "2024-04-30T23:59:59+07:00"); /* kept too */

    decode("{\"ts\":1714000000.123456,\"x\":1}");
    expect_time("2024-04-24T23:06:40.123456Z");

    decode("{\"time\":1714000000123}");
    expect_time("2024-04-24T23:06:40.123000Z");

    decode("{\"time\":1714000000}");
    expect_time("2024-04-24T23:06:40.000000Z");

    decode("{\"date\":\"Apr 24 2024 23:06:40\"}");
    expect_time("2024-04-24T23:06:40.000000Z");

    /* @timestamp wins over the others */
    decode("{\"time\":1714000000,\"@timestamp\":\"2024-01-01T00:00:00Z\"}");
    expect_time("2024-01-01T00:00:00.000000Z");

    /* a bad time is flagged, the event keeps receipt time */
    decode("{\"timestamp\":\"yesterday\",\"a\":1}");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
    assert_true(ev->flags & CANH_EVF_NO_TIME);
    assert_true(ev->ts == NOW);
    decode("{\"ts\":-5}");
    assert_true(ev->flags & CANH_EVF_BAD_TIME);
}

static void test_message(void **st)
{
    (void)st;
    decode("{\"msg\":\"disk almost full\",\"pct\":97}");
    assert_true(canh_event_has(ev, CANH_F_MESSAGE));
    expect("message", "disk almost full");
    expect("msg", "disk almost full");

    decode("{\"message\":\"m1\",\"msg\":\"m2\"}");
    expect("message", "m1");
}

static void test_limits(void **st)
{
    (void)st;
    /* nesting deeper than CANH_MAX_JSON_DEPTH is cut and flagged */
    char deep[4096];
    size_t n = 0;
    for (int i = 0; i < CANH_MAX_JSON_DEPTH + 8; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"k\":");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "1");
    for (int i = 0; i < CANH_MAX_JSON_DEPTH + 8; i++)
        deep[n++] = '}';
    deep[n] = '\0';
    assert_string_equal(decode(deep), "json");
    assert_true(ev->flags & CANH_EVF_OVERFLOW);
    assert_int_equal(ev->nkv, 0);

    /* at the limit it is kept */
    n = 0;
    for (int i = 0; i < CANH_MAX_JSON_DEPTH - 1; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"k\":");
    n += (size_t)snprintf(deep + n, sizeof deep - n, "1");
    for (int i = 0; i < CANH_MAX_JSON_DEPTH - 1; i++)
        deep[n++] = '}';
    deep[n] = '\0';
    decode(deep);
    assert_false(ev->flags & CANH_EVF_OVERFLOW);
    assert_int_equal(ev->nkv, 1);

    /* deep arrays too */
    n = (size_t)snprintf(deep, sizeof deep, "{\"a\":");
    for (int i = 0; i < CANH_MAX_JSON_DEPTH + 2; i++)
        deep[n++] = '[';
    for (int i = 0; i < CANH_MAX_JSON_DEPTH + 2; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof deep - n, ",\"b\":2}");
    decode(deep);
    assert_true(ev->flags & CANH_EVF_OVERFLOW);
    expect("b", "2");
    expect_absent("a");

    /* field names longer than CANH_MAX_FIELD_NAME are skipped and counted */
    char doc[2048];
    char key[CANH_MAX_FIELD_NAME + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(doc, sizeof doc, "{\"%s\":1,\"short\":2}", key);
    decode(doc);
    assert_true(ev->flags & CANH_EVF_OVERFLOW);
    assert_int_equal(ev->dropped, 1);
    expect("short", "2");
    key[CANH_MAX_FIELD_NAME] = '\0'; /* exactly the limit: kept */
    snprintf(doc, sizeof doc, "{\"%s\":1}", key);
    decode(doc);
    assert_false(ev->flags & CANH_EVF_OVERFLOW);
    expect(key, "1");

    /* more members than the kv list holds: the rest are counted */
    canh_buf_t big;
    canh_buf_init(&big, 1 << 20);
    canh_buf_putc(&big, '{');
    for (int i = 0; i < CANH_MAX_EVENT_KV + 10; i++)
        canh_buf_printf(&big, "%s\"f%d\":%d", i ? "," : "", i, i);
    canh_buf_putc(&big, '}');
    decode_n(d_auto, big.data, big.len);
    assert_int_equal(ev->nkv, CANH_MAX_EVENT_KV);
    assert_int_equal(ev->dropped, 10);
    assert_true(ev->flags & CANH_EVF_OVERFLOW);
    canh_buf_fini(&big);

    /* an integer past int64 does not lose the record */
    decode("{\"counter\":18446744073709551615,\"name\":\"x\"}");
    assert_string_equal(canh_decode_name(ev->decoder), "json");
    expect("name", "x");
    expect("counter", "1.8446744073709552e+19");
}

static void test_not_json(void **st)
{
    (void)st;
    /* arrays are not events; broken JSON is not JSON */
    assert_string_equal(decode("[1,2,3]"), "generic");
    assert_string_equal(decode("{\"a\":1"), "generic");
    assert_string_equal(decode("{\"a\":1} trailing"), "generic");
    assert_string_equal(decode("{not json}"), "generic");
    assert_string_equal(decode("{\"a\":\"\xff\xfe\"}"), "generic"); /* invalid UTF-8 */
    assert_string_equal(decode("{}"), "json");
    assert_string_equal(decode("  {\"lead\":\"space\"}\r\n"), "json");
    expect("lead", "space");
    /* forced json on a non-JSON line: generic, not a crash */
    assert_string_equal(decode_n(d_json, "hello world", 11), "generic");
    assert_string_equal(decode_n(d_json, "{\"a\":\"b\"}", 9), "json");
    expect("a", "b");
    /* other formats are not claimed */
    assert_string_not_equal(decode("Mar  1 00:00:01 gw sshd[1]: Accepted password for a from "
                                   "1.2.3.4 port 22 ssh2"),
                            "json");
    assert_string_not_equal(decode("CEF:0|a|b|1|2|n|3|src=1.2.3.4"), "json");
}

/* Every prefix of a valid document: no crash, and never a half-read event. */
static void test_prefixes(void **st)
{
    (void)st;
    const char *docs[] = {
        "{\"a\":{\"b\":[1,{\"c\":\"d\"}],\"e\":\"f\\\"g\"},\"h\":1.5e3,\"i\":null,\"j\":true}",
        "{\"@timestamp\":\"2024-04-30T08:15:00Z\",\"source\":{\"ip\":\"10.0.0.1\"}}",
    };
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        size_t n = strlen(docs[k]);
        for (size_t i = 0; i < n; i++) {
            const char *name = decode_n(d_auto, docs[k], i);
            if (strcmp(name, "generic") != 0)
                fail_msg("prefix %zu of doc %zu decoded as %s", i, k, name);
        }
        assert_string_equal(decode_n(d_auto, docs[k], n), "json");
    }
}

/* JSON as the message of a syslog line keeps the header. */
static void test_in_syslog(void **st)
{
    (void)st;
    const char *l = "Apr 30 10:00:00 app-1 billing[42]: {\"level\":\"error\",\"msg\":\"timeout\","
                    "\"source.ip\":\"192.0.2.7\"}";
    assert_string_equal(decode(l), "json");
    expect("host.name", "app-1");
    expect("process.name", "billing");
    expect("source.ip", "192.0.2.7");
    expect("level", "error");
    expect("message", "timeout");
    expect_time("2024-04-30T10:00:00.000000Z");

    /* a time in the document wins over the header's */
    l = "Apr 30 10:00:00 app-1 billing[42]: {\"ts\":1714000000,\"msg\":\"x\"}";
    decode(l);
    expect_time("2024-04-24T23:06:40.000000Z");
}

/* The public helper: flatten under a prefix. */
static void test_flatten_api(void **st)
{
    (void)st;
    json_error_t err;
    json_t *j = json_loads("{\"a\":{\"b\":1},\"c\":[1],\"d\":\"x\"}", 0, &err);
    assert_non_null(j);
    canh_event_reset(ev, CANH_STR_LIT("x"));
    assert_int_equal(canh_json_flatten(ev, "vendor.", j), CANH_OK);
    expect("vendor.a.b", "1");
    expect("vendor.c", "[1]");
    expect("vendor.d", "x");
    canh_event_reset(ev, CANH_STR_LIT("x"));
    assert_int_equal(canh_json_set(ev, CANH_F_SOURCE_PORT, j, "d"), CANH_OK);
    assert_false(canh_event_has(ev, CANH_F_SOURCE_PORT));
    expect("source.port", "x");
    assert_int_equal(canh_json_set(ev, CANH_F_USER_NAME, j, "missing"), CANH_ENOENT);
    json_decref(j);
    /* values outlive the document */
    expect("source.port", "x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten),     cmocka_unit_test(test_ecs_document),
        cmocka_unit_test(test_time),        cmocka_unit_test(test_message),
        cmocka_unit_test(test_limits),      cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_prefixes),    cmocka_unit_test(test_in_syslog),
        cmocka_unit_test(test_flatten_api),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
