/* Unit tests: RFC 6587 stream framing (canh_frame_*, canh/ingest.h). Every
 * case is fed whole, byte by byte, and in pieces of every size from 2 to 17:
 * the records must not depend on where the reads were cut. */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/ingest.h"
#include "canh/limits.h"

#define MAXREC 64

typedef struct got {
    char rec[MAXREC][300];
    size_t len[MAXREC];
    unsigned flags[MAXREC];
    int n;
    int refuse_every; /* refuse (return -1) every k-th offer, 0: never */
    int offers;
    int stop_every; /* stop (return 1) after every k-th record, 0: never */
} got_t;

static int collect(void *ud, const char *p, size_t n, unsigned flags)
{
    got_t *g = ud;
    g->offers++;
    if (g->refuse_every && g->offers % g->refuse_every == 0)
        return -1;
    assert_true(n >= 1);
    assert_true(g->n < MAXREC);
    assert_true(n < sizeof g->rec[0]);
    memcpy(g->rec[g->n], p, n);
    g->rec[g->n][n] = '\0';
    g->len[g->n] = n;
    g->flags[g->n] = flags;
    g->n++;
    return g->stop_every && g->n % g->stop_every == 0 ? 1 : 0;
}

/* Feeds p[0..n) in pieces of size step (0: whole), honouring partial
 * consumption, then finishes. */
static void run(canh_frame_t *f, got_t *g, const char *p, size_t n, size_t step)
{
    size_t off = 0;
    int guard = 0;
    while (off < n) {
        size_t piece = step == 0 || n - off < step ? n - off : step;
        size_t k = canh_frame_feed(f, p + off, piece, collect, g);
        assert_true(k <= piece);
        off += k;
        assert_true(guard++ < 100000);
    }
    while (canh_frame_finish(f, collect, g) < 0)
        assert_true(guard++ < 100000);
}

typedef struct want {
    const char *rec;
    unsigned flags;
} want_t;

/* Runs input through every piece size and both callback behaviours. */
static void check_case(const char *in, size_t n, size_t max, const want_t *w, int nw,
                       uint64_t framing_errors)
{
    for (size_t step = 0; step <= 17; step++) {
        for (int mode = 0; mode < 3; mode++) {
            got_t g;
            memset(&g, 0, sizeof g);
            if (mode == 1)
                g.refuse_every = 3;
            if (mode == 2)
                g.stop_every = 1;
            canh_frame_t f;
            canh_frame_init(&f, max);
            run(&f, &g, in, n, step);
            if (g.n != nw)
                fail_msg("step %zu mode %d: %d records, want %d", step, mode, g.n, nw);
            for (int i = 0; i < nw; i++) {
                if (strlen(w[i].rec) != g.len[i] || memcmp(w[i].rec, g.rec[i], g.len[i]) != 0)
                    fail_msg("step %zu mode %d: record %d is \"%s\", want \"%s\"", step, mode, i,
                             g.rec[i], w[i].rec);
                if (w[i].flags != g.flags[i])
                    fail_msg("step %zu mode %d: record %d flags %u, want %u", step, mode, i,
                             g.flags[i], w[i].flags);
            }
            assert_int_equal(f.records, (uint64_t)nw);
            assert_int_equal(f.framing_errors, framing_errors);
            uint64_t cut = 0;
            for (int i = 0; i < nw; i++)
                cut += (w[i].flags & CANH_FRAME_TRUNCATED) != 0;
            assert_int_equal(f.truncated, cut);
            canh_frame_fini(&f);
        }
    }
}

#define CASE(in, max, fe, ...)                                                                     \
    do {                                                                                           \
        const want_t w_[] = {__VA_ARGS__};                                                         \
        check_case(in, sizeof(in) - 1, max, w_, (int)(sizeof w_ / sizeof w_[0]), fe);              \
    } while (0)

static void test_lf(void **state)
{
    CASE("<13>one\n<13>two\n", 100, 0, {"<13>one", 0}, {"<13>two", 0});
    /* CR before LF dropped; only one; empty lines skipped. */
    CASE("a\r\nb\r\r\n\r\n\n\nc\n", 100, 0, {"a", 0}, {"b\r", 0}, {"c", 0});
    /* NUL terminates as LF does (some senders use it); no CR stripping there. */
    CASE("a\0b\r\0c\n", 100, 0, {"a", 0}, {"b\r", 0}, {"c", 0});
    /* The last line without LF is a record at the end of the stream. */
    CASE("<13>first\n<13>last", 100, 0, {"<13>first", 0}, {"<13>last", 0});
    /* A line starting with 0 is not octet counting. */
    CASE("0 zero\n", 100, 0, {"0 zero", 0});
}

static void test_octet(void **state)
{
    /* Octet counting: LFs inside the message are data. */
    CASE("11 <13>one\ntwo5 hello", 100, 0, {"<13>one\ntwo", 0}, {"hello", 0});
    /* A trailing LF (and CR) inside the frame is dropped, once. */
    CASE("7 <13>ab\n8 <13>ab\r\n2 \n\n", 100, 0, {"<13>ab", 0}, {"<13>ab", 0}, {"\n", 0});
    /* A stray LF between frames is an empty record: skipped. */
    CASE("5 hello\n5 world", 100, 0, {"hello", 0}, {"world", 0});
    /* Mixed per record: octet, LF, octet. */
    CASE("5 hello<14>plain line\n3 abc", 100, 0, {"hello", 0}, {"<14>plain line", 0}, {"abc", 0});
    /* A frame cut short by the end of the stream is kept, flagged. */
    CASE("10 abc", 100, 0, {"abc", CANH_FRAME_TRUNCATED});
    /* A length and nothing else: a framing error; the digits are kept. */
    CASE("123", 100, 1, {"123", 0});
}

static void test_octet_truncation(void **state)
{
    /* max 4: a 10-byte frame gives its first 4 bytes, the rest is skipped
     * and framing resumes at the next frame. */
    CASE("10 abcdefghij3 xyz", 4, 0, {"abcd", CANH_FRAME_TRUNCATED}, {"xyz", 0});
    /* Exactly max: not truncated. */
    CASE("4 abcd4 efgh", 4, 0, {"abcd", 0}, {"efgh", 0});
}

static void test_lf_truncation(void **state)
{
    /* max 4: cut + flagged, the rest of the line skipped. */
    CASE("abcdefgh\nxy\n", 4, 0, {"abcd", CANH_FRAME_TRUNCATED}, {"xy", 0});
    /* Exactly max bytes plus CRLF is not truncated. */
    CASE("abcd\r\nwxyz\n", 4, 0, {"abcd", 0}, {"wxyz", 0});
    /* max + 1 bytes: truncated. */
    CASE("abcde\n", 4, 0, {"abcd", CANH_FRAME_TRUNCATED});
    /* A long last line without LF. */
    CASE("ok\nabcdefghijkl", 4, 0, {"ok", 0}, {"abcd", CANH_FRAME_TRUNCATED});
}

static void test_garbage_length(void **state)
{
    /* Digits then not a space: a framing error, the stream falls back to
     * LF framing and the bytes are not lost. */
    CASE("2024-05-01 host msg\n12 later line\n", 100, 1, {"2024-05-01 host msg", 0},
         {"12 later line", 0});
    /* A length above the octet-frame limit is garbage too. */
    CASE("99999999999 x\ny\n", 100, 1, {"99999999999 x", 0}, {"y", 0});
    /* After octet frames, a garbage length switches to LF for good. */
    CASE("3 abc7x\n5 hello\n", 100, 1, {"abc", 0}, {"7x", 0}, {"5 hello", 0});
}

static void test_empty_and_reuse(void **state)
{
    canh_frame_t f;
    got_t g;
    memset(&g, 0, sizeof g);
    canh_frame_init(&f, 0);
    assert_int_equal(f.max, CANH_MAX_RECORD);
    assert_int_equal(canh_frame_feed(&f, "", 0, collect, &g), 0);
    assert_int_equal(canh_frame_finish(&f, collect, &g), CANH_OK);
    assert_int_equal(g.n, 0);
    /* "5 " then end: nothing to return. */
    run(&f, &g, "5 ", 2, 0);
    assert_int_equal(g.n, 0);
    /* After finish the framer starts a new stream (LF fallback forgotten). */
    run(&f, &g, "1x\n", 3, 0);
    assert_int_equal(f.framing_errors, 1);
    run(&f, &g, "3 abc", 5, 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.rec[0], "1x");
    assert_string_equal(g.rec[1], "abc");
    canh_frame_fini(&f);
}

/* A large stream in random pieces: exact records and order. */
typedef struct seq {
    int next;
    int bad;
} seq_t;

static int check_seq(void *ud, const char *p, size_t n, unsigned flags)
{
    seq_t *s = ud;
    char want[64];
    int m = snprintf(want, sizeof want, "<13>May  1 10:00:00 h app: message %d", s->next);
    if ((size_t)m != n || memcmp(want, p, n) != 0 || flags != 0)
        s->bad++;
    s->next++;
    return 0;
}

static void test_random_pieces(void **state)
{
    char *in = malloc(1 << 20);
    assert_non_null(in);
    size_t n = 0;
    for (int i = 0; i < 5000; i++) {
        char msg[64];
        int m = snprintf(msg, sizeof msg, "<13>May  1 10:00:00 h app: message %d", i);
        if (i % 2)
            n += (size_t)sprintf(in + n, "%d %s", m, msg);
        else
            n += (size_t)sprintf(in + n, "%s%s", msg, i % 4 ? "\r\n" : "\n");
    }
    srand(7);
    canh_frame_t f;
    canh_frame_init(&f, 128);
    seq_t s = {0, 0};
    size_t off = 0;
    while (off < n) {
        size_t piece = (size_t)(rand() % 300) + 1;
        if (piece > n - off)
            piece = n - off;
        assert_int_equal(canh_frame_feed(&f, in + off, piece, check_seq, &s), piece);
        off += piece;
    }
    assert_int_equal(canh_frame_finish(&f, check_seq, &s), CANH_OK);
    assert_int_equal(s.next, 5000);
    assert_int_equal(s.bad, 0);
    assert_int_equal(f.framing_errors, 0);
    canh_frame_fini(&f);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lf),
        cmocka_unit_test(test_octet),
        cmocka_unit_test(test_octet_truncation),
        cmocka_unit_test(test_lf_truncation),
        cmocka_unit_test(test_garbage_length),
        cmocka_unit_test(test_empty_and_reuse),
        cmocka_unit_test(test_random_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
