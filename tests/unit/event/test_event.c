/* Unit tests: the event model and its JSON encoding. Output is parsed back
 * with jansson to prove it is valid JSON with the intended structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "canh/event.h"

static json_t *encode(const canh_event_t *ev)
{
    canh_buf_t b;
    canh_buf_init(&b, CANH_MAX_JSON_OUT);
    assert_int_equal(canh_event_to_json(ev, &b), CANH_OK);
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &err);
    if (!j)
        fail_msg("invalid JSON (%s): %s", err.text, b.data);
    canh_buf_fini(&b);
    return j;
}

static const char *jstr(json_t *root, const char *path)
{
    /* dotted path through nested objects */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    return cur && json_is_string(cur) ? json_string_value(cur) : NULL;
}

static json_int_t jint(json_t *root, const char *a, const char *b)
{
    json_t *o = json_object_get(json_object_get(root, a), b);
    assert_true(json_is_integer(o));
    return json_integer_value(o);
}

static void test_field_table(void **st)
{
    (void)st;
    assert_string_equal(canh_field_name(CANH_F_SOURCE_IP), "source.ip");
    assert_int_equal(canh_field_type(CANH_F_SOURCE_PORT), CANH_FT_LONG);
    assert_int_equal(canh_field_lookup("source.ip", 9), CANH_F_SOURCE_IP);
    assert_int_equal(canh_field_lookup("user.name", 9), CANH_F_USER_NAME);
    assert_int_equal(canh_field_lookup("source.ipx", 10), -1);
    assert_int_equal(canh_field_lookup("", 0), -1);
    /* every slot name is found again by lookup */
    for (int id = 0; id < CANH_F__COUNT; id++) {
        const char *n = canh_field_name((canh_field_t)id);
        assert_int_equal(canh_field_lookup(n, strlen(n)), id);
    }
}

static void test_nested_json(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    const char *raw = "raw \"line\"";
    canh_event_reset(ev, canh_str_c(raw));
    ev->ts = INT64_C(1700000000123456000);
    canh_event_set_c(ev, CANH_F_SOURCE_IP, "10.0.0.1");
    canh_event_set_c(ev, CANH_F_SOURCE_PORT, "22");
    canh_event_set_c(ev, CANH_F_USER_NAME, "root");
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "ssh_login");
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
    canh_event_add(ev, CANH_STR_LIT("sshd.auth_method"), CANH_STR_LIT("password"),
                   CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT("winlog.event_data.Count"), CANH_STR_LIT("3"),
                   CANH_FT_LONG);
    canh_event_add(ev, CANH_STR_LIT("x.list"), CANH_STR_LIT("[1,\"a\"]"), CANH_FT_RAW);
    json_t *j = encode(ev);
    assert_string_equal(jstr(j, "@timestamp"), "2023-11-14T22:13:20.123456Z");
    assert_string_equal(jstr(j, "source.ip"), "10.0.0.1");
    assert_int_equal(jint(j, "source", "port"), 22);
    assert_string_equal(jstr(j, "user.name"), "root");
    assert_string_equal(jstr(j, "event.action"), "ssh_login");
    assert_string_equal(jstr(j, "event.original"), raw);
    assert_string_equal(jstr(j, "sshd.auth_method"), "password");
    json_t *ed = json_object_get(json_object_get(j, "winlog"), "event_data");
    assert_true(json_is_integer(json_object_get(ed, "Count")));
    assert_true(json_is_array(json_object_get(json_object_get(j, "x"), "list")));
    json_decref(j);
    canh_event_destroy(ev);
}

static void test_types_fall_back_to_strings(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    canh_event_reset(ev, canh_str_c("x"));
    /* a LONG slot holding a non-number is still valid JSON (a string) */
    canh_event_set_c(ev, CANH_F_SOURCE_PORT, "22abc");
    canh_event_add(ev, CANH_STR_LIT("a.flag"), CANH_STR_LIT("maybe"), CANH_FT_BOOL);
    canh_event_add(ev, CANH_STR_LIT("a.ok"), CANH_STR_LIT("true"), CANH_FT_BOOL);
    canh_event_add(ev, CANH_STR_LIT("a.num"), CANH_STR_LIT("1.5e3"), CANH_FT_DOUBLE);
    canh_event_add(ev, CANH_STR_LIT("a.bad"), CANH_STR_LIT("1.5e"), CANH_FT_DOUBLE);
    json_t *j = encode(ev);
    assert_string_equal(jstr(j, "source.port"), "22abc");
    assert_string_equal(jstr(j, "a.flag"), "maybe");
    json_t *a = json_object_get(j, "a");
    assert_true(json_is_true(json_object_get(a, "ok")));
    assert_true(json_is_real(json_object_get(a, "num")));
    assert_string_equal(jstr(j, "a.bad"), "1.5e");
    json_decref(j);
    canh_event_destroy(ev);
}

static void test_escaping_and_utf8(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    /* control bytes, quotes, backslashes, valid UTF-8, invalid bytes, NUL */
    static const char raw[] = "a\"b\\c\n\t\x01 Vi\xe1\xbb\x87t \xff\xfe end\0z";
    canh_event_reset(ev, canh_str(raw, sizeof raw - 1));
    canh_event_set(ev, CANH_F_MESSAGE, canh_str(raw, sizeof raw - 1));
    json_t *j = encode(ev);
    const char *m = jstr(j, "message");
    assert_non_null(m);
    assert_non_null(strstr(m, "a\"b\\c\n\t\x01 Vi\xe1\xbb\x87t "));
    assert_non_null(strstr(m, "\xef\xbf\xbd\xef\xbf\xbd end")); /* U+FFFD twice */
    json_decref(j);
    /* overlong and surrogate encodings are invalid too */
    static const char bad[] = "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80";
    canh_event_reset(ev, canh_str(bad, sizeof bad - 1));
    j = encode(ev);
    assert_non_null(jstr(j, "event.original"));
    json_decref(j);
    canh_event_destroy(ev);
}

static void test_name_conflicts(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    canh_event_reset(ev, canh_str_c("x"));
    /* "a" as a value and "a.b" as a path must not produce duplicate keys */
    canh_event_add(ev, CANH_STR_LIT("a"), CANH_STR_LIT("1"), CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT("a.b"), CANH_STR_LIT("2"), CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT("a.b.c"), CANH_STR_LIT("3"), CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT("odd..name"), CANH_STR_LIT("4"), CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT(".lead"), CANH_STR_LIT("5"), CANH_FT_KEYWORD);
    canh_buf_t b;
    canh_buf_init(&b, 1 << 16);
    assert_int_equal(canh_event_to_json(ev, &b), CANH_OK);
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        fail_msg("%s: %s", err.text, b.data);
    assert_string_equal(json_string_value(json_object_get(j, "a")), "1");
    assert_string_equal(json_string_value(json_object_get(j, "a.b")), "2");
    assert_string_equal(json_string_value(json_object_get(j, "a.b.c")), "3");
    assert_string_equal(json_string_value(json_object_get(j, "odd..name")), "4");
    assert_string_equal(json_string_value(json_object_get(j, ".lead")), "5");
    json_decref(j);
    canh_buf_fini(&b);
    canh_event_destroy(ev);
}

static void test_set_name_and_limits(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    canh_event_reset(ev, canh_str_c("x"));
    assert_int_equal(canh_event_set_name(ev, CANH_STR_LIT("source.ip"), CANH_STR_LIT("1.2.3.4"),
                                         CANH_FT_KEYWORD, true),
                     CANH_OK);
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_SOURCE_IP), "1.2.3.4"));
    /* a value that does not fit the slot's type goes to the kv list */
    assert_int_equal(canh_event_set_name(ev, CANH_STR_LIT("destination.ip"),
                                         CANH_STR_LIT("not-an-ip"), CANH_FT_KEYWORD, true),
                     CANH_OK);
    assert_false(canh_event_has(ev, CANH_F_DESTINATION_IP));
    canh_str_t v;
    assert_int_equal(canh_event_get_name(ev, CANH_STR_LIT("destination.ip"), &v, NULL), CANH_OK);
    assert_true(canh_str_eq_c(v, "not-an-ip"));
    assert_int_equal(canh_event_get_name(ev, CANH_STR_LIT("nope"), &v, NULL), CANH_ENOENT);
    /* repeated key replaces */
    canh_event_add(ev, CANH_STR_LIT("k"), CANH_STR_LIT("1"), CANH_FT_KEYWORD);
    canh_event_add(ev, CANH_STR_LIT("k"), CANH_STR_LIT("2"), CANH_FT_KEYWORD);
    assert_int_equal(canh_event_get_name(ev, CANH_STR_LIT("k"), &v, NULL), CANH_OK);
    assert_true(canh_str_eq_c(v, "2"));
    /* the kv list is bounded; overflow is counted and flagged */
    char name[32];
    int refused = 0;
    for (int i = 0; i < CANH_MAX_EVENT_KV + 10; i++) {
        int n = snprintf(name, sizeof name, "f.n%d", i);
        if (canh_event_add_copy(ev, canh_str(name, (size_t)n), CANH_STR_LIT("v"),
                                CANH_FT_KEYWORD) == CANH_ELIMIT)
            refused++;
    }
    assert_true(refused > 0);
    assert_true(ev->flags & CANH_EVF_OVERFLOW);
    assert_int_equal(ev->dropped, (uint32_t)refused);
    json_t *j = encode(ev);
    json_decref(j);
    /* reset clears everything */
    canh_event_reset(ev, canh_str_c("y"));
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    assert_int_equal(ev->nkv, 0);
    assert_int_equal(ev->flags, 0);
    assert_int_equal(canh_event_set_i64(ev, CANH_F_PROCESS_PID, -42), CANH_OK);
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_PROCESS_PID), "-42"));
    canh_event_unset(ev, CANH_F_PROCESS_PID);
    assert_false(canh_event_has(ev, CANH_F_PROCESS_PID));
    canh_event_destroy(ev);
}

static void test_extra_fields(void **st)
{
    (void)st;
    canh_event_t *ev = canh_event_create();
    canh_event_reset(ev, canh_str_c("x"));
    canh_event_set_c(ev, CANH_F_SOURCE_IP, "1.2.3.4");
    canh_event_set_c(ev, CANH_F_RULE_NAME, "from-decoder");
    canh_kv_t more[] = {
        {CANH_STR_LIT("rule.name"), CANH_STR_LIT("alert rule"), CANH_FT_KEYWORD},
        {CANH_STR_LIT("rule.source"), CANH_STR_LIT("intel"), CANH_FT_KEYWORD},
        {CANH_STR_LIT("threat.indicator.ip"), CANH_STR_LIT("1.2.3.0/24"), CANH_FT_KEYWORD},
    };
    canh_buf_t b;
    canh_buf_init(&b, 1 << 16);
    assert_int_equal(canh_event_to_json_with(ev, more, 3, &b), CANH_OK);
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        fail_msg("%s: %s", err.text, b.data);
    assert_string_equal(jstr(j, "rule.name"), "alert rule");
    assert_string_equal(jstr(j, "rule.source"), "intel");
    assert_string_equal(jstr(j, "threat.indicator.ip"), "1.2.3.0/24");
    assert_string_equal(jstr(j, "source.ip"), "1.2.3.4");
    json_decref(j);
    canh_buf_fini(&b);
    canh_event_destroy(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table),
        cmocka_unit_test(test_nested_json),
        cmocka_unit_test(test_types_fall_back_to_strings),
        cmocka_unit_test(test_escaping_and_utf8),
        cmocka_unit_test(test_name_conflicts),
        cmocka_unit_test(test_set_name_and_limits),
        cmocka_unit_test(test_extra_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
