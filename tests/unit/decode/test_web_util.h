/* test_web_util.h - helpers shared by the web decoder tests (access, IIS,
 * ModSecurity, Apache/nginx error): decoding from an exact-size copy and
 * checking an event field by field with nothing extra allowed.
 * The including file declares `static canh_event_t *ev;` and
 * `static char *keep;` (the record copy the event borrows) first. */
#ifndef CANH_TEST_WEB_UTIL_H
#define CANH_TEST_WEB_UTIL_H

typedef struct kv {
    const char *k, *v; /* v NULL: must be absent */
} kv_t;

/* Decodes from an exact-size heap copy so that reads past the end are
 * caught by ASan and valgrind. */
static void decode_n(canh_decode_t *d, const char *line, size_t n, canh_event_t *e)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, line, n);
    canh_decode_record(d, p, n, e);
    /* The event borrows the record: keep it until the next call. */
    free(keep);
    keep = p;
}

static size_t count_fields(const canh_event_t *e)
{
    size_t c = e->nkv;
    for (int i = 0; i < CANH_F__COUNT; i++)
        if (i != CANH_F_EVENT_DATASET && canh_event_has(e, (canh_field_t)i))
            c++;
    return c;
}

/* Checks every expected field of the record `line`, and that no other
 * field is set. */
static void check_fields(const char *line, bool partial, const kv_t *fields, const char *want_dec)
{
    if (strcmp(canh_decode_name(ev->decoder), want_dec) != 0)
        fail_msg("\"%s\": decoder %s, want %s", line, canh_decode_name(ev->decoder), want_dec);
    assert_int_equal(!!(ev->flags & CANH_EVF_PARTIAL), partial);
    size_t want = 0;
    for (const kv_t *f = fields; f->k; f++) {
        if (strcmp(f->k, "@timestamp") == 0) {
            char buf[32];
            canh_time_format(ev->ts, buf);
            if (strcmp(buf, f->v) != 0)
                fail_msg("\"%s\": @timestamp %s, want %s", line, buf, f->v);
            assert_false(ev->flags & CANH_EVF_NO_TIME);
            continue;
        }
        canh_str_t got;
        int rc = canh_event_get_name(ev, canh_str_c(f->k), &got, NULL);
        if (!f->v) {
            if (rc == CANH_OK)
                fail_msg("\"%s\": %s = \"%.*s\", want absent", line, f->k, (int)got.n, got.p);
            continue;
        }
        want++;
        if (rc != CANH_OK)
            fail_msg("\"%s\": %s unset, want \"%s\"", line, f->k, f->v);
        if (!canh_str_eq_c(got, f->v))
            fail_msg("\"%s\": %s = \"%.*s\", want \"%s\"", line, f->k, (int)got.n, got.p, f->v);
    }
    if (count_fields(ev) != want) {
        for (int i = 0; i < CANH_F__COUNT; i++)
            if (canh_event_has(ev, (canh_field_t)i))
                print_message("  %s = %.*s\n", canh_field_name((canh_field_t)i), (int)ev->f[i].n,
                              ev->f[i].p);
        for (unsigned i = 0; i < ev->nkv; i++)
            print_message("  %.*s = %.*s\n", (int)ev->kv[i].key.n, ev->kv[i].key.p,
                          (int)ev->kv[i].val.n, ev->kv[i].val.p);
        fail_msg("\"%s\": %zu fields set, want %zu", line, count_fields(ev), want);
    }
}

#endif
