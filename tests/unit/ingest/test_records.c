/* Unit tests: record framing (lines, multi-line JSON, gzip, truncation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "canh/ingest.h"

static char path[64];

static void write_file(const void *data, size_t n)
{
    snprintf(path, sizeof path, "/tmp/canh-rec-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void write_gz(const char *data, size_t n, int members)
{
    snprintf(path, sizeof path, "/tmp/canh-rec-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* several gzip members back to back, as `cat a.gz b.gz` makes */
    FILE *f = fopen(path, "wb");
    for (int m = 0; m < members; m++) {
        char tmp[96];
        snprintf(tmp, sizeof tmp, "%s.m", path);
        gzFile g = gzopen(tmp, "wb");
        gzwrite(g, data, (unsigned)n);
        gzclose(g);
        FILE *in = fopen(tmp, "rb");
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, k, f);
        fclose(in);
        unlink(tmp);
    }
    fclose(f);
}

typedef struct got {
    char rec[16][256];
    uint64_t line[16];
    bool cut[16];
    int n;
} got_t;

static void read_all(got_t *g, size_t max)
{
    canh_records_t *r;
    canh_errbuf_t eb;
    assert_int_equal(canh_records_open(path, max, &r, &eb), CANH_OK);
    canh_str_t rec;
    uint64_t line;
    bool cut;
    int rc;
    memset(g, 0, sizeof *g);
    while ((rc = canh_records_next(r, &rec, &line, &cut, &eb)) == CANH_OK && g->n < 16) {
        snprintf(g->rec[g->n], sizeof g->rec[0], "%.*s", (int)rec.n, rec.p);
        g->line[g->n] = line;
        g->cut[g->n] = cut;
        g->n++;
    }
    assert_int_equal(rc, CANH_EOF);
    canh_records_close(r);
    unlink(path);
}

static void test_lines(void **st)
{
    (void)st;
    const char *text = "one\r\n\ntwo\n   \nthree";
    write_file(text, strlen(text));
    got_t g;
    read_all(&g, 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.rec[0], "one");
    assert_string_equal(g.rec[1], "two");
    assert_string_equal(g.rec[2], "three");
    assert_int_equal(g.line[0], 1);
    assert_int_equal(g.line[1], 3);
    assert_int_equal(g.line[2], 5);
}

static void test_multiline_json(void **st)
{
    (void)st;
    const char *text = "{\n  \"a\": \"}{\\\"\",\n  \"b\": {\"c\": [1, 2]}\n}\n{\"single\":1}\nplain\n";
    write_file(text, strlen(text));
    got_t g;
    read_all(&g, 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.rec[0], "{\n  \"a\": \"}{\\\"\",\n  \"b\": {\"c\": [1, 2]}\n}");
    assert_string_equal(g.rec[1], "{\"single\":1}");
    assert_string_equal(g.rec[2], "plain");
    assert_int_equal(g.line[1], 5);
    /* an unterminated document ends at EOF, not in a hang */
    const char *bad = "{\n\"a\": 1\n";
    write_file(bad, strlen(bad));
    read_all(&g, 0);
    assert_int_equal(g.n, 1);
}

static void test_truncation(void **st)
{
    (void)st;
    char text[4000];
    memset(text, 'x', 3000);
    memcpy(text + 3000, "\nshort\n", 8);
    write_file(text, strlen(text));
    got_t g;
    read_all(&g, 1024);
    assert_int_equal(g.n, 2);
    assert_true(g.cut[0]);
    assert_int_equal(strlen(g.rec[0]), 255); /* our copy is capped at 255 */
    assert_false(g.cut[1]);
    assert_string_equal(g.rec[1], "short");
    assert_int_equal(g.line[1], 2);
}

static void test_gzip(void **st)
{
    (void)st;
    const char *text = "alpha\nbeta\n";
    write_gz(text, strlen(text), 2);
    got_t g;
    read_all(&g, 0);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.rec[0], "alpha");
    assert_string_equal(g.rec[3], "beta");
    /* corrupt gzip: an error, not a crash or silent end */
    unsigned char junk[64] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff};
    write_file(junk, sizeof junk);
    canh_records_t *r;
    canh_errbuf_t eb;
    assert_int_equal(canh_records_open(path, 0, &r, &eb), CANH_OK);
    canh_str_t rec;
    uint64_t line;
    bool cut;
    int rc;
    while ((rc = canh_records_next(r, &rec, &line, &cut, &eb)) == CANH_OK)
        ;
    assert_int_equal(rc, CANH_EIO);
    assert_non_null(strstr(eb.msg, "gzip"));
    canh_records_close(r);
    unlink(path);
}

static void test_open_errors(void **st)
{
    (void)st;
    canh_records_t *r;
    canh_errbuf_t eb;
    assert_int_equal(canh_records_open("/nonexistent/x.log", 0, &r, &eb), CANH_ENOENT);
    assert_non_null(strstr(eb.msg, "/nonexistent/x.log"));
    assert_int_equal(canh_records_open("/tmp", 0, &r, &eb), CANH_EIO);
    assert_non_null(strstr(eb.msg, "directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),      cmocka_unit_test(test_multiline_json),
        cmocka_unit_test(test_truncation), cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
