/* test_db_util.h - the harness shared by the database and auditd decoder
 * tests: a fixture with an auto-detecting and a forced decoder context,
 * table-driven field checks, and sanity checks on every decoded event.
 * Define DB_TYPE (the decoder name) before including it. */
#ifndef CANH_TEST_DB_UTIL_H
#define CANH_TEST_DB_UTIL_H

#ifndef DB_TYPE
#error "define DB_TYPE before including test_db_util.h"
#endif

#define NOW INT64_C(1705708800) /* 2024-01-20T00:00:00Z */

typedef struct exp {
    const char *k, *v; /* v NULL: the field must be absent */
} exp_t;

typedef struct tcase {
    const char *line;
    exp_t e[24];
} tcase_t;

typedef struct fx {
    canh_decode_t *autod, *forced;
    canh_event_t *ev;
} fx_t;

static canh_decode_t *mk(const char *type, int32_t tz)
{
    canh_decode_opts_t o = {{NOW * CANH_NS_PER_SEC, tz}, type};
    canh_decode_t *d = NULL;
    canh_errbuf_t eb = {{0}};
    int rc = canh_decode_create(&o, &d, &eb);
    if (rc != CANH_OK)
        fail_msg("canh_decode_create(%s): %s", type ? type : "auto", eb.msg);
    return d;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->autod = mk(NULL, 0);
    f->forced = mk(DB_TYPE, 0);
    f->ev = canh_event_create();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    canh_decode_destroy(f->autod);
    canh_decode_destroy(f->forced);
    canh_event_destroy(f->ev);
    free(f);
    return 0;
}

/* Decodes a heap copy of exactly n bytes, so valgrind/ASan see overreads.
 * The copy is kept (the event borrows it) until the next call. */
static char *held;
static void decode_n(const canh_decode_t *d, canh_event_t *ev, const char *line, size_t n)
{
    free(held);
    held = malloc(n ? n : 1);
    assert_non_null(held);
    memcpy(held, line, n);
    canh_decode_record(d, held, n, ev);
}

static void check_fields(const canh_event_t *ev, const tcase_t *tc)
{
    for (const exp_t *e = tc->e; e->k; e++) {
        if (strcmp(e->k, "@timestamp") == 0) {
            char buf[32];
            canh_time_format(ev->ts, buf);
            if (strcmp(buf, e->v) != 0)
                fail_msg("%s\n  @timestamp %s, want %s", tc->line, buf, e->v);
            continue;
        }
        if (strcmp(e->k, "partial") == 0) {
            bool want = strcmp(e->v, "1") == 0, got = (ev->flags & CANH_EVF_PARTIAL) != 0;
            if (want != got)
                fail_msg("%s\n  partial %d, want %d", tc->line, got, want);
            continue;
        }
        canh_str_t v;
        int rc = canh_event_get_name(ev, canh_str_c(e->k), &v, NULL);
        if (!e->v) {
            if (rc == CANH_OK)
                fail_msg("%s\n  %s = \"%.*s\", want absent", tc->line, e->k, (int)v.n, v.p);
            continue;
        }
        if (rc != CANH_OK)
            fail_msg("%s\n  %s absent, want \"%s\"", tc->line, e->k, e->v);
        if (!canh_str_eq_c(v, e->v))
            fail_msg("%s\n  %s = \"%.*s\", want \"%s\"", tc->line, e->k, (int)v.n, v.p, e->v);
    }
}

/* Every set field must be well-formed for its type, and the event must
 * encode. */
static void check_sane(const canh_event_t *ev, const char *what)
{
    for (int id = 0; id < CANH_F__COUNT; id++) {
        if (!canh_event_has(ev, (canh_field_t)id))
            continue;
        canh_str_t v = ev->f[id];
        int64_t i;
        if (!v.p)
            fail_msg("%s: %s set to NULL", what, canh_field_name((canh_field_t)id));
        switch (canh_field_type((canh_field_t)id)) {
        case CANH_FT_IP:
            if (!canh_str_is_ip(v))
                fail_msg("%s: %s = \"%.*s\" is no IP", what, canh_field_name((canh_field_t)id),
                         (int)v.n, v.p);
            break;
        case CANH_FT_LONG:
            if (canh_str_to_i64(v, &i) != CANH_OK)
                fail_msg("%s: %s = \"%.*s\" is no integer", what, canh_field_name((canh_field_t)id),
                         (int)v.n, v.p);
            break;
        default: break;
        }
    }
    for (unsigned k = 0; k < ev->nkv; k++) {
        int64_t i;
        if (ev->kv[k].type == CANH_FT_LONG && canh_str_to_i64(ev->kv[k].val, &i) != CANH_OK)
            fail_msg("%s: %.*s = \"%.*s\" is no integer", what, (int)ev->kv[k].key.n,
                     ev->kv[k].key.p, (int)ev->kv[k].val.n, ev->kv[k].val.p);
    }
    canh_buf_t out;
    canh_buf_init(&out, 1u << 20);
    assert_int_equal(canh_event_to_json(ev, &out), CANH_OK);
    canh_buf_fini(&out);
}

static void run_cases(fx_t *f, const tcase_t *cases, size_t n, int want)
{
    for (size_t i = 0; i < n; i++) {
        const tcase_t *tc = &cases[i];
        const canh_decode_t *ds[2] = {f->autod, f->forced};
        for (int k = 0; k < 2; k++) {
            decode_n(ds[k], f->ev, tc->line, strlen(tc->line));
            if (f->ev->decoder != want)
                fail_msg("%s (%s)\n  decoded as %s", tc->line, k ? "forced" : "auto",
                         canh_decode_name(f->ev->decoder));
            check_fields(f->ev, tc);
            check_sane(f->ev, tc->line);
        }
    }
}

#endif
