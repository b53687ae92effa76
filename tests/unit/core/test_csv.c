/* Unit tests: the CSV reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canh/csv.h"
#include "canh/mem.h"

static void expect_row(canh_csv_t *c, uint64_t want_line, int nf, ...)
{
    const canh_str_t *f;
    size_t n;
    uint64_t line;
    assert_int_equal(canh_csv_next(c, &f, &n, &line), CANH_OK);
    assert_int_equal(line, want_line);
    assert_int_equal(n, (size_t)nf);
    va_list ap;
    va_start(ap, nf);
    for (int i = 0; i < nf; i++) {
        const char *want = va_arg(ap, const char *);
        if (!canh_str_eq_c(f[i], want))
            fail_msg("field %d: \"%.*s\" != \"%s\"", i, (int)f[i].n, f[i].p, want);
    }
    va_end(ap);
}

static void test_rfc4180(void **st)
{
    (void)st;
    const char *d = "\xEF\xBB\xBFhost,ip,note\r\n"
                    "a,1.2.3.4,\"x, y\"\r\n"
                    "\n"
                    ",,,\n"
                    "# a comment\n"
                    "b,,\"multi\nline \"\"quoted\"\"\"\n"
                    "c,5.6.7.8,\"q\"tail\n"
                    "d,9.9.9.9,last";
    canh_csv_t *c;
    assert_int_equal(canh_csv_open(d, strlen(d), 0, 1, &c), CANH_OK);
    assert_int_equal(canh_csv_delim(c), ',');
    expect_row(c, 1, 3, "host", "ip", "note");
    expect_row(c, 2, 3, "a", "1.2.3.4", "x, y");
    expect_row(c, 6, 3, "b", "", "multi\nline \"quoted\"");
    expect_row(c, 8, 3, "c", "5.6.7.8", "qtail");
    expect_row(c, 9, 3, "d", "9.9.9.9", "last");
    const canh_str_t *f;
    size_t n;
    uint64_t line;
    assert_int_equal(canh_csv_next(c, &f, &n, &line), CANH_EOF);
    canh_csv_close(c);
}

static void test_kinds_and_seek(void **st)
{
    (void)st;
    const char *d = "# header comment\n\n,,\nx,y\n";
    canh_csv_t *c;
    assert_int_equal(canh_csv_open(d, strlen(d), 0, 1, &c), CANH_OK);
    const canh_str_t *f;
    size_t n;
    uint64_t line, l0;
    int err;
    size_t off = canh_csv_tell(c, &l0);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_COMMENT);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_BLANK);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_BLANK);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_ROW);
    assert_int_equal(line, 4);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_EOF);
    canh_csv_seek(c, off, l0);
    assert_int_equal(canh_csv_read(c, &f, &n, &line, &err), CANH_CSV_COMMENT);
    assert_int_equal(line, 1);
    canh_csv_close(c);
}

static void test_delimiters_and_errors(void **st)
{
    (void)st;
    const char *semi = "Tên máy;Địa chỉ IP\nsrv1;10.0.0.1\n";
    canh_csv_t *c;
    assert_int_equal(canh_csv_open(semi, strlen(semi), 0, 1, &c), CANH_OK);
    assert_int_equal(canh_csv_delim(c), ';');
    expect_row(c, 1, 2, "Tên máy", "Địa chỉ IP");
    expect_row(c, 2, 2, "srv1", "10.0.0.1");
    canh_csv_close(c);

    const char *sep = "sep=|\na|b\n";
    assert_int_equal(canh_csv_open(sep, strlen(sep), 0, 1, &c), CANH_OK);
    assert_int_equal(canh_csv_delim(c), '|');
    expect_row(c, 2, 2, "a", "b");
    canh_csv_close(c);

    const char *tab = "a\tb\n1\t2\n";
    assert_int_equal(canh_csv_open(tab, strlen(tab), 0, 1, &c), CANH_OK);
    assert_int_equal(canh_csv_delim(c), '\t');
    canh_csv_close(c);

    /* an unterminated quote costs one line, not the rest of the file */
    const char *bad = "a,b\n1,\"unterminated\n2,3\n4,ok\n";
    assert_int_equal(canh_csv_open(bad, strlen(bad), 0, 1, &c), CANH_OK);
    expect_row(c, 1, 2, "a", "b");
    const canh_str_t *f;
    size_t n;
    uint64_t line;
    assert_int_equal(canh_csv_next(c, &f, &n, &line), CANH_EINVAL);
    assert_int_equal(line, 2);
    assert_string_equal(canh_csv_bad(c), "unterminated quoted field");
    expect_row(c, 3, 2, "2", "3");
    expect_row(c, 4, 2, "4", "ok");
    assert_int_equal(canh_csv_next(c, &f, &n, &line), CANH_EOF);
    canh_csv_close(c);

    /* too many fields: that row is refused, the next one read */
    size_t cap = CANH_CSV_MAX_FIELDS + 64;
    char *wide = malloc(cap);
    size_t k = 0;
    for (size_t i = 0; i < CANH_CSV_MAX_FIELDS + 5; i++)
        wide[k++] = ',';
    memcpy(wide + k, "\nx,y\n", 6);
    assert_int_equal(canh_csv_open(wide, strlen(wide), ',', 1, &c), CANH_OK);
    assert_int_equal(canh_csv_next(c, &f, &n, &line), CANH_EINVAL);
    expect_row(c, 2, 2, "x", "y");
    canh_csv_close(c);
    free(wide);
}

static void test_file_read(void **st)
{
    (void)st;
    char path[] = "/tmp/canh-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello", 5), 5);
    close(fd);
    char *buf;
    size_t n;
    canh_errbuf_t eb;
    assert_int_equal(canh_file_read(path, 100, &buf, &n, &eb), CANH_OK);
    assert_int_equal(n, 5);
    assert_string_equal(buf, "hello");
    canh_free(buf);
    assert_int_equal(canh_file_read(path, 3, &buf, &n, &eb), CANH_ELIMIT);
    assert_non_null(strstr(eb.msg, path));
    unlink(path);
    assert_int_equal(canh_file_read("/nonexistent", 3, &buf, &n, &eb), CANH_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4180),
        cmocka_unit_test(test_kinds_and_seek),
        cmocka_unit_test(test_delimiters_and_errors),
        cmocka_unit_test(test_file_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
