/* test_json_util.h - the harness shared by the JSON decoder tests (Suricata,
 * Zeek, Windows): an auto-detecting and a forced decoder context, the
 * decoder's fixture file loaded line by line, and field expectations.
 * Define JSON_TEST_TYPE (decoder name), JSON_TEST_FIXTURE (path under
 * CANH_FIXTURES) and JSON_TEST_MIN_LINES before including it. */
#ifndef CANH_TEST_JSON_UTIL_H
#define CANH_TEST_JSON_UTIL_H

/* 2024-05-01T10:00:00Z */
#define NOW (INT64_C(1714557600) * CANH_NS_PER_SEC)
#define MAX_LINES 64

static canh_decode_t *d_auto, *d_forced;
static canh_event_t *ev;
static char *rec;
static char *lines[MAX_LINES];
static size_t nlines;

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &d_auto, &eb) != CANH_OK)
        return -1;
    o.type = JSON_TEST_TYPE;
    if (canh_decode_create(&o, &d_forced, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    FILE *f = fopen(CANH_FIXTURES JSON_TEST_FIXTURE, "r");
    if (!f || !ev)
        return -1;
    static char buf[65536];
    while (nlines < MAX_LINES && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        lines[nlines++] = strdup(buf);
    }
    fclose(f);
    return nlines >= JSON_TEST_MIN_LINES ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(d_auto);
    canh_decode_destroy(d_forced);
    canh_event_destroy(ev);
    free(rec);
    for (size_t i = 0; i < nlines; i++)
        free(lines[i]);
    return 0;
}

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

/* Decodes fixture line i (auto-detected) and checks the forced decoder
 * agrees. */
static void decode_line(size_t i)
{
    assert_true(i < nlines);
    assert_string_equal(decode_n(d_forced, lines[i], strlen(lines[i])), JSON_TEST_TYPE);
    assert_string_equal(decode_n(d_auto, lines[i], strlen(lines[i])), JSON_TEST_TYPE);
}

static void expect(const char *name, const char *v)
{
    canh_str_t got;
    if (canh_event_get_name(ev, canh_str_c(name), &got, NULL) != CANH_OK)
        fail_msg("%s unset, expected \"%s\"", name, v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", name, (int)got.n, got.p, v);
}

/* The field must be in its slot, not only in the kv list. */
static void expect_slot(canh_field_t id, const char *v)
{
    canh_str_t got = canh_event_get(ev, id);
    if (!got.p)
        fail_msg("slot %s unset, expected \"%s\"", canh_field_name(id), v);
    if (!canh_str_eq_c(got, v))
        fail_msg("%s = \"%.*s\", expected \"%s\"", canh_field_name(id), (int)got.n, got.p, v);
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

#endif
