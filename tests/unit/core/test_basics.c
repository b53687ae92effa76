/* Unit tests: error strings, buffer, arena, string slices, bounded reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/mem.h"
#include "canh/reader.h"
#include "canh/str.h"

static void test_strerror(void **st)
{
    (void)st;
    assert_string_equal(canh_strerror(CANH_OK), "success");
    assert_string_equal(canh_strerror(CANH_ELIMIT), "limit reached");
    assert_string_equal(canh_strerror(-999), "unknown error");
    canh_errbuf_t eb;
    assert_int_equal(canh_errf(&eb, CANH_EINVAL, "%s:%d: bad", "f.yml", 3), CANH_EINVAL);
    assert_string_equal(eb.msg, "f.yml:3: bad");
    assert_int_equal(canh_errf(NULL, CANH_EIO, "x"), CANH_EIO);
}

static void test_buf_limit(void **st)
{
    (void)st;
    canh_buf_t b;
    canh_buf_init(&b, 10);
    assert_int_equal(canh_buf_append(&b, "0123456789", 10), CANH_OK);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    /* past the maximum: refused, buffer unchanged */
    assert_int_equal(canh_buf_putc(&b, 'x'), CANH_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    canh_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(canh_buf_printf(&b, "%d-%s", 42, "ab"), CANH_OK);
    assert_string_equal(b.data, "42-ab");
    assert_int_equal(canh_buf_printf(&b, "%s", "toolongvalue"), CANH_ELIMIT);
    assert_string_equal(b.data, "42-ab");
    canh_buf_fini(&b);

    canh_buf_init(&b, 1 << 20);
    char big[1000];
    memset(big, 'a', sizeof big);
    for (int i = 0; i < 100; i++)
        assert_int_equal(canh_buf_append(&b, big, sizeof big), CANH_OK);
    assert_int_equal(b.len, 100000);
    assert_int_equal(canh_buf_printf(&b, "%0500d", 7), CANH_OK); /* > 256-byte fast path */
    assert_int_equal(b.len, 100500);
    assert_int_equal(b.data[b.len], '\0');
    canh_buf_fini(&b);
}

static void test_arena(void **st)
{
    (void)st;
    canh_arena_t a;
    canh_arena_init(&a, 64, 256);
    char *p = canh_arena_strndup(&a, "hello", 5);
    assert_string_equal(p, "hello");
    void *q = canh_arena_alloc(&a, 3);
    assert_non_null(q);
    assert_int_equal((uintptr_t)q % 8, 0);
    /* a large allocation gets its own chunk */
    assert_non_null(canh_arena_alloc(&a, 100));
    /* the hard maximum refuses further chunks */
    assert_null(canh_arena_alloc(&a, 200));
    canh_arena_reset(&a);
    assert_non_null(canh_arena_alloc(&a, 60));
    canh_arena_fini(&a);
}

static void test_str(void **st)
{
    (void)st;
    canh_str_t s = canh_str_c("  Hello World \r\n");
    canh_str_t t = canh_str_trim(s);
    assert_true(canh_str_eq_c(t, "Hello World"));
    assert_true(canh_str_starts(t, "Hello"));
    assert_true(canh_str_ends(t, "World"));
    assert_true(canh_str_ieq_c(t, "hello world"));
    assert_int_equal(canh_str_find_c(t, "World"), 6);
    assert_int_equal(canh_str_find_c(t, "nope"), -1);
    assert_int_equal(canh_str_chr(t, 'W'), 6);
    assert_true(canh_str_eq_c(canh_str_sub(t, 6, 100), "World"));
    assert_true(canh_str_eq_c(canh_str_sub(t, 100, 1), ""));

    uint64_t u;
    int64_t i;
    assert_int_equal(canh_str_to_u64(canh_str_c("18446744073709551615"), UINT64_MAX, &u), CANH_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(canh_str_to_u64(canh_str_c("18446744073709551616"), UINT64_MAX, &u),
                     CANH_ELIMIT);
    assert_int_equal(canh_str_to_u64(canh_str_c("65536"), 65535, &u), CANH_ELIMIT);
    assert_int_equal(canh_str_to_u64(canh_str_c(""), 10, &u), CANH_EINVAL);
    assert_int_equal(canh_str_to_u64(canh_str_c("12a"), 1000, &u), CANH_EINVAL);
    assert_int_equal(canh_str_to_i64(canh_str_c("-9223372036854775808"), &i), CANH_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(canh_str_to_i64(canh_str_c("9223372036854775808"), &i), CANH_ELIMIT);
    assert_int_equal(canh_str_to_i64(canh_str_c("-"), &i), CANH_EINVAL);
}

static void test_ip(void **st)
{
    (void)st;
    const char *good4[] = {"1.2.3.4", "255.255.255.255", "0.0.0.0", "10.0.0.1"};
    const char *bad4[] = {"1.2.3", "256.1.1.1", "1.2.3.4.5", "01.2.3.4", "1..2.3", "a.b.c.d",
                          "1.2.3.4 ", ""};
    for (size_t k = 0; k < sizeof good4 / sizeof *good4; k++)
        assert_true(canh_str_is_ipv4(canh_str_c(good4[k])));
    for (size_t k = 0; k < sizeof bad4 / sizeof *bad4; k++)
        assert_false(canh_str_is_ipv4(canh_str_c(bad4[k])));
    assert_true(canh_str_is_ipv6(canh_str_c("::1")));
    assert_true(canh_str_is_ipv6(canh_str_c("2001:db8::8a2e:370:7334")));
    assert_true(canh_str_is_ipv6(canh_str_c("::ffff:192.168.1.1")));
    assert_true(canh_str_is_ipv6(canh_str_c("fe80::1%eth0")));
    assert_false(canh_str_is_ipv6(canh_str_c("1.2.3.4")));
    assert_false(canh_str_is_ipv6(canh_str_c("2001:db8:::1")));
    assert_false(canh_str_is_ipv6(canh_str_c("host:22")));
    assert_true(canh_str_is_ip(canh_str_c("1.2.3.4")));
}

static void test_reader(void **st)
{
    (void)st;
    const char *text = "key=\"a \\\" b\" n=12345 rest";
    canh_rd_t r = canh_rd(canh_str_c(text));
    canh_str_t k, v;
    assert_true(canh_rd_until(&r, '=', &k));
    assert_true(canh_str_eq_c(k, "key"));
    assert_true(canh_rd_quoted(&r, &v));
    assert_true(canh_str_eq_c(v, "a \\\" b"));
    assert_int_equal(canh_rd_spaces(&r), 1);
    assert_true(canh_rd_lit(&r, "n="));
    uint64_t n;
    assert_true(canh_rd_uint(&r, 10, &n));
    assert_int_equal(n, 12345);
    assert_false(canh_rd_lit(&r, "xx"));
    assert_true(canh_rd_char(&r, ' '));
    canh_str_t w = canh_rd_word(&r);
    assert_true(canh_str_eq_c(w, "rest"));
    assert_true(canh_rd_eof(&r));
    assert_int_equal(canh_rd_peek(&r, 0), -1);
    assert_false(canh_rd_skip(&r, 1));
    /* failures leave the cursor in place */
    canh_rd_t r2 = canh_rd(canh_str_c("\"unterminated"));
    assert_false(canh_rd_quoted(&r2, &v));
    assert_int_equal(r2.off, 0);
    assert_false(canh_rd_until_lit(&r2, "zz", &v));
    assert_int_equal(r2.off, 0);
    assert_false(canh_rd_uint(&r2, 3, &n));
}

/* Allocation failure injection: every allocator failure is reported, not
 * crashed on. */
static int fail_after;
static void *failing_malloc(size_t n, void *ud)
{
    (void)ud;
    return fail_after-- > 0 ? malloc(n) : NULL;
}
static void *failing_realloc(void *p, size_t n, void *ud)
{
    (void)ud;
    return fail_after-- > 0 ? realloc(p, n) : NULL;
}
static void plain_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

static void test_alloc_failure(void **st)
{
    (void)st;
    canh_allocator_t a = {failing_malloc, failing_realloc, plain_free, NULL};
    canh_mem_set_allocator(&a);
    fail_after = 0;
    assert_null(canh_malloc(10));
    assert_null(canh_strdup("x"));
    canh_buf_t b;
    canh_buf_init(&b, 100);
    assert_int_equal(canh_buf_puts(&b, "abc"), CANH_ENOMEM);
    assert_int_equal(b.len, 0);
    canh_arena_t ar;
    canh_arena_init(&ar, 64, 0);
    assert_null(canh_arena_alloc(&ar, 8));
    canh_mem_set_allocator(NULL);
    assert_int_equal(canh_buf_puts(&b, "abc"), CANH_OK);
    canh_buf_fini(&b);
    canh_arena_fini(&ar);
    assert_null(canh_calloc(SIZE_MAX / 2, 4)); /* overflow */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror), cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_arena),    cmocka_unit_test(test_str),
        cmocka_unit_test(test_ip),       cmocka_unit_test(test_reader),
        cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
