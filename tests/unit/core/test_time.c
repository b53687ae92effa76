/* test_time.c - timestamp parsing and formatting (canh/time.h).
 *
 * Expected values come from timegm(), used here only as a reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "canh/error.h"
#include "canh/time.h"

#define NS CANH_NS_PER_SEC
#define HOUR 3600
#define DAY (24 * HOUR)

/* The reference: y-mo-d h:mi:s in a zone off seconds east of UTC. */
static canh_time_t ref_time(int y, int mo, int d, int h, int mi, int s, int64_t frac_ns, int off)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    return ((canh_time_t)t - off) * NS + frac_ns;
}

static canh_time_ref_t mkref(canh_time_t now, int32_t tz_off)
{
    canh_time_ref_t r = {now, tz_off};
    return r;
}

/* Copies s into a heap block of exactly its length, so that ASan and
 * valgrind catch any read past s.n. Caller frees .p. */
static canh_str_t exact_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, s, n);
    return canh_str(p, n);
}

/* Asserts rc == want, naming the input when it is not. */
static void __attribute__((noinline)) check_rc(int rc, int want, const char *in)
{
    if (rc != want)
        fail_msg("\"%s\": rc %d, want %d", in ? in : "(null)", rc, want);
}

/* ---- days_from_civil ------------------------------------------------------ */

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(canh_time_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(canh_time_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(canh_time_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(canh_time_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(canh_time_days_from_civil(1600, 1, 1), -135140);
    /* every first, 15th and last-of-month from 1201 to 2800 against timegm */
    for (int y = 1201; y <= 2800; y++) {
        for (int m = 1; m <= 12; m++) {
            static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int last = dim[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
            int days[] = {1, 15, last};
            for (int i = 0; i < 3; i++) {
                struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = days[i]};
                int64_t want = (int64_t)timegm(&tm) / DAY; /* exact: midnight */
                assert_int_equal(canh_time_days_from_civil(y, (unsigned)m, (unsigned)days[i]),
                                 want);
            }
        }
    }
}

/* ---- ISO 8601 ------------------------------------------------------------ */

typedef struct iso_case {
    const char *in;
    size_t used;
    canh_time_t want;
} iso_case_t;

static void test_iso8601(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(0, 7 * HOUR); /* zone-less times read at +07:00 */
    const iso_case_t cases[] = {
        {"2024-05-01T10:00:00Z", 20, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01t10:00:00z", 20, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01 10:00:00.123+07:00", 29, ref_time(2024, 5, 1, 10, 0, 0, 123000000, 7 * HOUR)},
        {"2024-05-01T10:00:00,5", 21, ref_time(2024, 5, 1, 10, 0, 0, 500000000, 7 * HOUR)},
        {"2024-05-01T10:00:00.123456789Z", 30, ref_time(2024, 5, 1, 10, 0, 0, 123456789, 0)},
        {"2024-05-01T10:00:00.1234567891234Z", 34, ref_time(2024, 5, 1, 10, 0, 0, 123456789, 0)},
        {"2024-05-01T10:00:00-0530", 24, ref_time(2024, 5, 1, 10, 0, 0, 0, -(5 * HOUR + 1800))},
        {"2024-05-01T10:00:00+05", 22, ref_time(2024, 5, 1, 10, 0, 0, 0, 5 * HOUR)},
        {"2024-05-01T10:00:00-00:00", 25, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01 10:00:00 UTC", 23, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01 10:00:00 GMT", 23, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01 10:00:00UTC", 22, ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"2024-05-01 10:00:00 +0200", 25, ref_time(2024, 5, 1, 10, 0, 0, 0, 2 * HOUR)},
        {"2024-05-01 10:00:00 -02:30", 26, ref_time(2024, 5, 1, 10, 0, 0, 0, -(2 * HOUR + 1800))},
        /* zone-less: ref->tz_off; what follows is not consumed */
        {"2024-05-01T10:00:00", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        {"2024-05-01 10:00:00 +12 files", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        {"2024-05-01 10:00:00 UTCX", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        {"2024-05-01 10:00:00 - msg", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        {"2024-05-01T10:00:00+25:00", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        {"2024-05-01T10:00:00. x", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        /* nginx error log */
        {"2024/05/01 10:00:00 [error] 1#1: x", 19, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR)},
        /* leap day, leap second, edges */
        {"2024-02-29T23:59:59Z", 20, ref_time(2024, 2, 29, 23, 59, 59, 0, 0)},
        {"2016-12-31T23:59:60Z", 20, ref_time(2017, 1, 1, 0, 0, 0, 0, 0)},
        {"2000-02-29T00:00:00Z", 20, ref_time(2000, 2, 29, 0, 0, 0, 0, 0)},
        {"1969-12-31T23:59:59.5Z", 22, ref_time(1969, 12, 31, 23, 59, 59, 500000000, 0)},
        {"1700-01-01T00:00:00Z", 20, ref_time(1700, 1, 1, 0, 0, 0, 0, 0)},
        {"2262-01-01T00:00:00Z", 20, ref_time(2262, 1, 1, 0, 0, 0, 0, 0)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        canh_time_t t = -42;
        size_t used = 0;
        int rc = canh_time_parse_iso8601(canh_str_c(cases[i].in), &ref, &t, &used);
        if (rc != CANH_OK || t != cases[i].want || used != cases[i].used)
            print_error("case %zu: %s rc=%d used=%zu t=%lld want=%lld\n", i, cases[i].in, rc, used,
                        (long long)t, (long long)cases[i].want);
        assert_int_equal(rc, CANH_OK);
        assert_int_equal(t, cases[i].want);
        assert_int_equal(used, cases[i].used);
    }
}

static void test_iso8601_invalid(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(0, 0);
    const char *bad[] = {
        "",
        "2024",
        "2024-13-01T10:00:00Z",
        "2024-00-01T10:00:00Z",
        "2024-05-32T10:00:00Z",
        "2024-05-00T10:00:00Z",
        "2023-02-29T10:00:00Z",
        "1900-02-29T10:00:00Z",
        "2024-04-31T10:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10:60:00Z",
        "2024-05-01T10:00:61Z",
        "2024-05-01T10:00Z",
        "2024-05-01",
        "2024-05-01X10:00:00Z",
        "2024/05-01 10:00:00",
        "2024-5-1T10:00:00Z",
        "24-05-01T10:00:00Z",
        "2024-05-01T1:00:00Z",
        "9999-12-31T23:59:59Z", /* does not fit int64 ns */
        "1677-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "x2024-05-01T10:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        canh_time_t t = 77;
        size_t used = 99;
        int rc = canh_time_parse_iso8601(canh_str_c(bad[i]), &ref, &t, &used);
        check_rc(rc, CANH_ENOMATCH, bad[i]);
        assert_int_equal(t, 77); /* out params untouched on failure */
        assert_int_equal(used, 99);
    }
    canh_time_t t;
    size_t used;
    assert_int_equal(canh_time_parse_iso8601(canh_str_c("2024-05-01T10:00:00Z"), NULL, &t, &used),
                     CANH_EINVAL);
}

/* ---- RFC 3164 ----------------------------------------------------------- */

static void test_rfc3164(void **state)
{
    (void)state;
    canh_time_t now = ref_time(2024, 5, 10, 12, 0, 0, 0, 0);
    canh_time_ref_t ref = mkref(now, 0);
    canh_time_t t;
    size_t used;

    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Feb  1 10:00:00 host x"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 2, 1, 10, 0, 0, 0, 0));
    assert_int_equal(used, 15);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Jul 2 01:02:03"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2023, 7, 2, 1, 2, 3, 0, 0)); /* July 2024 is ahead */
    assert_int_equal(used, 14);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("May 01 10:00:00"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 5, 1, 10, 0, 0, 0, 0));
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("may 10 10:00:00"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 5, 10, 10, 0, 0, 0, 0));
    /* fraction */
    assert_int_equal(
        canh_time_parse_rfc3164(canh_str_c("Oct 11 22:14:15.123456 mymachine"), &ref, &t, &used),
        CANH_OK);
    assert_int_equal(t, ref_time(2023, 10, 11, 22, 14, 15, 123456000, 0));
    assert_int_equal(used, 22);
    /* explicit year, no inference */
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Dec 25 2030 08:00:00"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2030, 12, 25, 8, 0, 0, 0, 0));
    assert_int_equal(used, 20);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Mar  1 2024 08:00:00.5"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 3, 1, 8, 0, 0, 500000000, 0));
    /* the zone comes from ref */
    canh_time_ref_t ref7 = mkref(now, 7 * HOUR);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("May  1 10:00:00"), &ref7, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 5, 1, 10, 0, 0, 0, 7 * HOUR));
}

static void test_rfc3164_year_inference(void **state)
{
    (void)state;
    canh_time_t t;
    size_t used;

    /* A December line read on January 3 belongs to the previous year. */
    canh_time_ref_t jan3 = mkref(ref_time(2025, 1, 3, 9, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Dec 31 23:59:59"), &jan3, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 12, 31, 23, 59, 59, 0, 0));
    /* ... a January line is this year, even a little in the future ... */
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Jan 20 00:00:00"), &jan3, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2025, 1, 20, 0, 0, 0, 0, 0));
    /* ... up to 31 days ahead; further is last year. */
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Feb  3 09:00:00"), &jan3, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2025, 2, 3, 9, 0, 0, 0, 0));
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Feb  3 09:00:01"), &jan3, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 2, 3, 9, 0, 1, 0, 0));

    /* A January line read on December 31 is next year (within a month). */
    canh_time_ref_t dec31 = mkref(ref_time(2024, 12, 31, 23, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Jan  1 00:00:05"), &dec31, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2025, 1, 1, 0, 0, 5, 0, 0));
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Dec 30 10:00:00"), &dec31, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 12, 30, 10, 0, 0, 0, 0));

    /* Inference happens in the reference zone: at 2025-01-01T01:00+07:00
     * (still 2024 in UTC) a "Dec 31 23:00" line is 2024 local time. */
    canh_time_ref_t plus7 = mkref(ref_time(2024, 12, 31, 18, 0, 0, 0, 0), 7 * HOUR);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Dec 31 23:00:00"), &plus7, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 12, 31, 23, 0, 0, 0, 7 * HOUR));
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Jan  1 00:30:00"), &plus7, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2025, 1, 1, 0, 30, 0, 0, 7 * HOUR));
}

static void test_rfc3164_feb29(void **state)
{
    (void)state;
    canh_time_t t;
    size_t used;
    canh_str_t feb29 = canh_str_c("Feb 29 12:00:00");

    canh_time_ref_t r1 = mkref(ref_time(2025, 3, 10, 0, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(feb29, &r1, &t, &used), CANH_OK);
    assert_int_equal(t, ref_time(2024, 2, 29, 12, 0, 0, 0, 0));
    /* 2024 is more than a month ahead; 2023-2021 have no Feb 29 */
    canh_time_ref_t r2 = mkref(ref_time(2023, 1, 5, 0, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(feb29, &r2, &t, &used), CANH_OK);
    assert_int_equal(t, ref_time(2020, 2, 29, 12, 0, 0, 0, 0));
    /* nine days ahead is fine */
    canh_time_ref_t r3 = mkref(ref_time(2024, 2, 20, 0, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(feb29, &r3, &t, &used), CANH_OK);
    assert_int_equal(t, ref_time(2024, 2, 29, 12, 0, 0, 0, 0));
    /* 2100 is not a leap year: eight years back to 2096 */
    canh_time_ref_t r4 = mkref(ref_time(2101, 1, 1, 0, 0, 0, 0, 0), 0);
    assert_int_equal(canh_time_parse_rfc3164(feb29, &r4, &t, &used), CANH_OK);
    assert_int_equal(t, ref_time(2096, 2, 29, 12, 0, 0, 0, 0));
    /* with an explicit non-leap year it is invalid */
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Feb 29 2023 12:00:00"), &r1, &t, &used),
                     CANH_ENOMATCH);
    assert_int_equal(canh_time_parse_rfc3164(canh_str_c("Feb 30 12:00:00"), &r1, &t, &used),
                     CANH_ENOMATCH);
}

static void test_rfc3164_invalid(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(ref_time(2024, 5, 10, 12, 0, 0, 0, 0), 0);
    const char *bad[] = {
        "",
        "Foo  1 10:00:00",
        "Feb 32 10:00:00",
        "Feb  0 10:00:00",
        "Apr 31 10:00:00",
        "Feb  1 24:00:00",
        "Feb  1 10:60:00",
        "Feb  1 10:00:61",
        "Feb   1 10:00:00",
        "Feb  1 10:00",
        "Feb  1 1:00:00",
        "Feb  110:00:00",
        "Feb 1  10:00:00",
        "Feb123 10:00:00",
        "Feb  1 999 10:00:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        canh_time_t t = 5;
        size_t used = 6;
        int rc = canh_time_parse_rfc3164(canh_str_c(bad[i]), &ref, &t, &used);
        check_rc(rc, CANH_ENOMATCH, bad[i]);
        assert_int_equal(t, 5);
        assert_int_equal(used, 6);
    }
}

/* ---- CLF, ctime, epoch ---------------------------------------------------- */

static void test_clf(void **state)
{
    (void)state;
    canh_time_t t;
    size_t used;

    assert_int_equal(
        canh_time_parse_clf(canh_str_c("10/Oct/2000:13:55:36 -0700] \"GET /\""), &t, &used),
        CANH_OK);
    assert_int_equal(t, ref_time(2000, 10, 10, 13, 55, 36, 0, -7 * HOUR));
    assert_int_equal(used, 26);
    assert_int_equal(canh_time_parse_clf(canh_str_c("01/jan/2024:00:00:00 +0000"), &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 1, 1, 0, 0, 0, 0, 0));
    assert_int_equal(canh_time_parse_clf(canh_str_c("29/Feb/2024:23:59:59.250 +0530"), &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 2, 29, 23, 59, 59, 250000000, 5 * HOUR + 1800));
    assert_int_equal(used, 30);

    const char *bad[] = {
        "10/Oct/2000:13:55:36",       "10/Oct/2000:13:55:36 -07:00", "10/Oct/2000:13:55:36 -07",
        "1/Oct/2000:13:55:36 -0700",  "32/Oct/2000:13:55:36 -0700",  "29/Feb/2023:13:55:36 -0700",
        "10/Okt/2000:13:55:36 -0700", "10/Oct/2000 13:55:36 -0700",  "10/Oct/2000:13:55:36 -2400",
        "10/Oct/2000:13:55:36 -0760",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 1;
        check_rc(canh_time_parse_clf(canh_str_c(bad[i]), &t, &used), CANH_ENOMATCH, bad[i]);
        assert_int_equal(t, 1);
    }
}

static void test_ctime(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(0, -5 * HOUR);
    canh_time_t t;
    size_t used;

    assert_int_equal(canh_time_parse_ctime(canh_str_c("Thu Dec 15 23:49:07 2005"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2005, 12, 15, 23, 49, 7, 0, -5 * HOUR));
    assert_int_equal(used, 24);
    assert_int_equal(canh_time_parse_ctime(canh_str_c("Wed Oct 11 14:32:52.123456 2000] [core]"),
                                           &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2000, 10, 11, 14, 32, 52, 123456000, -5 * HOUR));
    assert_int_equal(used, 31);
    assert_int_equal(canh_time_parse_ctime(canh_str_c("Mon Jan  1 00:00:00 2024"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(t, ref_time(2024, 1, 1, 0, 0, 0, 0, -5 * HOUR));
    assert_int_equal(canh_time_parse_ctime(canh_str_c("Mon Jan 1 00:00:00 2024"), &ref, &t, &used),
                     CANH_OK);
    assert_int_equal(used, 23);

    const char *bad[] = {
        "Thu Dec 15 23:49:07",      "Xyz Dec 15 23:49:07 2005",  "Thu Dec 32 23:49:07 2005",
        "Thu Dec 15 23:49:07 05",   "Thu Dec 15 23:49:07 20051", "ThuDec 15 23:49:07 2005",
        "Thu Feb 29 23:49:07 2005",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        check_rc(canh_time_parse_ctime(canh_str_c(bad[i]), &ref, &t, &used), CANH_ENOMATCH, bad[i]);
    }
}

static void test_epoch(void **state)
{
    (void)state;
    canh_time_t t;
    size_t used;

    assert_int_equal(canh_time_parse_epoch(canh_str_c("1700000000"), &t, &used), CANH_OK);
    assert_int_equal(t, INT64_C(1700000000) * NS);
    assert_int_equal(used, 10);
    assert_int_equal(canh_time_parse_epoch(canh_str_c("1700000000.123456 x"), &t, &used), CANH_OK);
    assert_int_equal(t, INT64_C(1700000000) * NS + 123456000);
    assert_int_equal(used, 17);
    assert_int_equal(canh_time_parse_epoch(canh_str_c("999999999"), &t, &used), CANH_OK);
    assert_int_equal(t, INT64_C(999999999) * NS);
    assert_int_equal(canh_time_parse_epoch(canh_str_c("1700000000123"), &t, &used), CANH_OK);
    assert_int_equal(t, INT64_C(1700000000123) * 1000000);
    assert_int_equal(canh_time_parse_epoch(canh_str_c("1700000000123.456"), &t, &used), CANH_OK);
    assert_int_equal(t, INT64_C(1700000000123) * 1000000 + 456000);
    assert_int_equal(used, 17);
    assert_int_equal(canh_time_parse_epoch(canh_str_c("1700000000."), &t, &used), CANH_OK);
    assert_int_equal(used, 10);

    const char *bad[] = {"",
                         "17000000",
                         "17000000000",
                         "170000000012",
                         "-1700000000",
                         "+1700000000",
                         "9999999999",
                         "9999999999999",
                         "17000000001234",
                         "170000000012345678901234",
                         "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 3;
        check_rc(canh_time_parse_epoch(canh_str_c(bad[i]), &t, &used), CANH_ENOMATCH, bad[i]);
        assert_int_equal(t, 3);
    }
}

static void test_parse_tz(void **state)
{
    (void)state;
    int32_t off = 1;
    struct {
        const char *in;
        int32_t want;
    } good[] = {
        {"Z", 0},           {"z", 0},          {"UTC", 0},        {"utc", 0},
        {"GMT", 0},         {"+07:00", 25200}, {"-0500", -18000}, {"+0530", 19800},
        {"-03:30", -12600}, {"+07", 25200},    {"-00:00", 0},     {"+23:59", 86340},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(canh_time_parse_tz(canh_str_c(good[i].in), &off), CANH_OK);
        assert_int_equal(off, good[i].want);
    }
    const char *bad[] = {"",        "+7",      "+24:00", "+07:60", "07:00", "+07:0",
                         "+07:00 ", " +07:00", "UTC+7",  "EST",    "+070",  "+07:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        off = 99;
        check_rc(canh_time_parse_tz(canh_str_c(bad[i]), &off), CANH_ENOMATCH, bad[i]);
        assert_int_equal(off, 99);
    }
}

static void test_parse_any(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(ref_time(2024, 5, 10, 12, 0, 0, 0, 0), 2 * HOUR);
    canh_time_t t;
    struct {
        const char *in;
        canh_time_t want;
    } good[] = {
        {"2024-05-01T10:00:00Z", ref_time(2024, 5, 1, 10, 0, 0, 0, 0)},
        {"  2024-05-01 10:00:00\n", ref_time(2024, 5, 1, 10, 0, 0, 0, 2 * HOUR)},
        {"2024/05/01 10:00:00", ref_time(2024, 5, 1, 10, 0, 0, 0, 2 * HOUR)},
        {"May  1 10:00:00", ref_time(2024, 5, 1, 10, 0, 0, 0, 2 * HOUR)},
        {"10/Oct/2000:13:55:36 -0700", ref_time(2000, 10, 10, 13, 55, 36, 0, -7 * HOUR)},
        {"Thu Dec 15 23:49:07 2005", ref_time(2005, 12, 15, 23, 49, 7, 0, 2 * HOUR)},
        {"1700000000.5", INT64_C(1700000000) * NS + 500000000},
        {"1700000000500", INT64_C(1700000000500) * 1000000},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        t = 0;
        assert_int_equal(canh_time_parse_any(canh_str_c(good[i].in), &ref, &t), CANH_OK);
        assert_int_equal(t, good[i].want);
    }
    const char *bad[] = {
        "",           "   ",  "2024-05-01T10:00:00Z trailing", "May  1 10:00:00 host", "yesterday",
        "2024-05-01", "12345"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = 8;
        assert_int_equal(canh_time_parse_any(canh_str_c(bad[i]), &ref, &t), CANH_ENOMATCH);
        assert_int_equal(t, 8);
    }
    assert_int_equal(canh_time_parse_any(canh_str_c("1700000000"), NULL, &t), CANH_EINVAL);
}

/* Every prefix of every valid string, in a heap block of exactly that size:
 * no parser may read past s.n; a prefix either fails with ENOMATCH or parses
 * consistently (the consumed part reparses to the same time). */
static void test_truncation(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(ref_time(2024, 5, 10, 12, 0, 0, 0, 0), 3600);
    const char *valid[] = {
        "2024-05-01T10:00:00.123456789+07:00",
        "2024-05-01 10:00:00,5 UTC",
        "2024-05-01 10:00:00 -0230",
        "2024/05/01 10:00:00Z",
        "Feb  1 10:00:00.123456",
        "Feb 29 2024 10:00:00.5",
        "Jul 2 10:00:00",
        "10/Oct/2000:13:55:36.5 -0700",
        "Thu Dec 15 23:49:07.123456 2005",
        "Thu Dec  5 23:49:07 2005",
        "1700000000.123456",
        "1700000000123.456",
        "+07:00",
        "-0530",
        "UTC",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t len = strlen(valid[i]);
        for (size_t k = 0; k <= len; k++) {
            canh_str_t s = exact_copy(valid[i], k);
            canh_time_t t, t2;
            size_t used, used2;
            int32_t off;
            int rc;

            rc = canh_time_parse_iso8601(s, &ref, &t, &used);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (rc == CANH_OK) {
                assert_true(used <= k);
                assert_int_equal(canh_time_parse_iso8601(canh_str(s.p, used), &ref, &t2, &used2),
                                 CANH_OK);
                assert_int_equal(t2, t);
                assert_int_equal(used2, used);
            }
            rc = canh_time_parse_rfc3164(s, &ref, &t, &used);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (rc == CANH_OK) {
                assert_true(used <= k);
                assert_int_equal(canh_time_parse_rfc3164(canh_str(s.p, used), &ref, &t2, &used2),
                                 CANH_OK);
                assert_int_equal(t2, t);
            }
            rc = canh_time_parse_clf(s, &t, &used);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (rc == CANH_OK) {
                assert_true(used <= k);
                assert_int_equal(canh_time_parse_clf(canh_str(s.p, used), &t2, &used2), CANH_OK);
                assert_int_equal(t2, t);
            }
            rc = canh_time_parse_ctime(s, &ref, &t, &used);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (rc == CANH_OK) {
                assert_true(used <= k);
                assert_int_equal(canh_time_parse_ctime(canh_str(s.p, used), &ref, &t2, &used2),
                                 CANH_OK);
                assert_int_equal(t2, t);
            }
            rc = canh_time_parse_epoch(s, &t, &used);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (rc == CANH_OK) {
                assert_true(used <= k);
                assert_int_equal(canh_time_parse_epoch(canh_str(s.p, used), &t2, &used2), CANH_OK);
                assert_int_equal(t2, t);
            }
            rc = canh_time_parse_tz(s, &off);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            rc = canh_time_parse_any(s, &ref, &t);
            assert_true(rc == CANH_OK || rc == CANH_ENOMATCH);
            if (k == len)
                assert_int_equal(rc, (i >= 12) ? CANH_ENOMATCH : CANH_OK);
            free((void *)s.p);
        }
    }
}

/* ---- formatting ----------------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    char out[32];
    struct {
        canh_time_t t;
        const char *want;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {1, "1970-01-01T00:00:00.000000Z"},
        {-1, "1969-12-31T23:59:59.999999Z"},
        {-1000, "1969-12-31T23:59:59.999999Z"},
        {-1001, "1969-12-31T23:59:59.999998Z"},
        {-NS, "1969-12-31T23:59:59.000000Z"},
        {ref_time(2024, 5, 1, 10, 0, 0, 123456789, 0), "2024-05-01T10:00:00.123456Z"},
        {ref_time(2024, 2, 29, 23, 59, 59, 999999999, 0), "2024-02-29T23:59:59.999999Z"},
        {ref_time(1900, 3, 1, 0, 0, 0, 1000, 0), "1900-03-01T00:00:00.000001Z"},
        {INT64_MAX, "2262-04-11T23:47:16.854775Z"},
        {INT64_MIN, "1677-09-21T00:12:43.145224Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 'x', sizeof out);
        assert_int_equal(canh_time_format(cases[i].t, out), 27);
        assert_string_equal(out, cases[i].want);
    }
}

/* Random times: format agrees with gmtime_r, and parsing the output gives
 * the time back (to the microsecond). */
static void test_format_roundtrip(void **state)
{
    (void)state;
    canh_time_ref_t ref = mkref(0, 12345);
    uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64*: reproducible */
    for (int i = 0; i < 200000; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        canh_time_t t = (canh_time_t)(x * 2685821657736338717u);
        if (i % 2)
            t %= INT64_C(4000000000) * NS; /* more weight on 1843..2096 */
        char out[32], want[96];
        canh_time_format(t, out);

        canh_time_t secs = t / NS - (t % NS < 0);
        canh_time_t us = (t - secs * NS) / 1000;
        time_t tt = (time_t)secs;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)us);
        assert_string_equal(out, want);

        canh_time_t back;
        size_t used;
        assert_int_equal(canh_time_parse_iso8601(canh_str_c(out), &ref, &back, &used), CANH_OK);
        assert_int_equal(used, 27);
        assert_int_equal(back, secs * NS + us * 1000);
    }
}

/* ---- clock ---------------------------------------------------------------- */

static void test_clock(void **state)
{
    (void)state;
    time_t before = time(NULL);
    canh_time_ref_t r = canh_time_ref_now(-3600);
    time_t after = time(NULL);
    assert_int_equal(r.tz_off, -3600);
    assert_true(r.now / NS >= before && r.now / NS <= after);

    struct tm tm;
    time_t now = time(NULL);
    assert_non_null(localtime_r(&now, &tm));
    assert_int_equal(canh_time_local_offset(), (int32_t)tm.tm_gmtoff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_iso8601_invalid),
        cmocka_unit_test(test_rfc3164),
        cmocka_unit_test(test_rfc3164_year_inference),
        cmocka_unit_test(test_rfc3164_feb29),
        cmocka_unit_test(test_rfc3164_invalid),
        cmocka_unit_test(test_clf),
        cmocka_unit_test(test_ctime),
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_parse_tz),
        cmocka_unit_test(test_parse_any),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
