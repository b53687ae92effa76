/* core_time.c - timestamp parsers and the UTC formatter.
 *
 * Everything here is pure arithmetic over a bounds-checked cursor: no
 * strptime/mktime/timegm (slow, and they consult the process-wide TZ), no
 * locale, no allocation. Civil dates are converted with Howard Hinnant's
 * days_from_civil / civil_from_days algorithms. */
#include <time.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "canh/time.h"

#define SECS_PER_DAY INT64_C(86400)
/* A year-less timestamp may lie at most this far ahead of ref->now. */
#define YEAR_AHEAD_NS (INT64_C(31) * SECS_PER_DAY * CANH_NS_PER_SEC)

static const int64_t pow10_tab[10] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

static const char month_names[12][3] = {
    {'j', 'a', 'n'}, {'f', 'e', 'b'}, {'m', 'a', 'r'}, {'a', 'p', 'r'},
    {'m', 'a', 'y'}, {'j', 'u', 'n'}, {'j', 'u', 'l'}, {'a', 'u', 'g'},
    {'s', 'e', 'p'}, {'o', 'c', 't'}, {'n', 'o', 'v'}, {'d', 'e', 'c'},
};

static const char day_names[7][3] = {
    {'s', 'u', 'n'}, {'m', 'o', 'n'}, {'t', 'u', 'e'}, {'w', 'e', 'd'},
    {'t', 'h', 'u'}, {'f', 'r', 'i'}, {'s', 'a', 't'},
};

/* The fields of a civil time as read, before validation. */
typedef struct civil {
    int64_t year;
    unsigned mon, day, hour, min, sec;
    int64_t frac_ns;
} civil_t;

static inline bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int to_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static inline bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && is_leap(y))
        return 29;
    return dim[m - 1];
}

/* Floor division for a positive divisor. */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* ---- cursor helpers ------------------------------------------------------
 * Each helper either consumes what it matched and returns true, or leaves
 * the cursor unchanged and returns false. */

/* Reads exactly k (<= 9) decimal digits. */
static bool rd_digits(canh_rd_t *r, unsigned k, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < k; i++) {
        int c = canh_rd_peek(r, i);
        if (!is_digit(c))
            return false;
        v = v * 10 + (unsigned)(c - '0');
    }
    r->off += k;
    *out = v;
    return true;
}

/* Reads one or two digits ("1", "01", "31"). */
static bool rd_digits12(canh_rd_t *r, unsigned *out)
{
    int c0 = canh_rd_peek(r, 0);
    if (!is_digit(c0))
        return false;
    int c1 = canh_rd_peek(r, 1);
    if (is_digit(c1)) {
        *out = (unsigned)(c0 - '0') * 10 + (unsigned)(c1 - '0');
        r->off += 2;
    } else {
        *out = (unsigned)(c0 - '0');
        r->off += 1;
    }
    return true;
}

/* An optional fraction: a separator ('.', or ',' if comma_ok) and at least
 * one digit. The first nine digits are kept; further ones are consumed and
 * dropped. Without a fraction nothing is consumed and *ns is 0. */
static void rd_frac(canh_rd_t *r, bool comma_ok, int64_t *ns)
{
    int c = canh_rd_peek(r, 0);
    *ns = 0;
    if (!(c == '.' || (comma_ok && c == ',')) || !is_digit(canh_rd_peek(r, 1)))
        return;
    size_t i = 1;
    unsigned nd = 0;
    int64_t v = 0;
    while (is_digit(c = canh_rd_peek(r, i))) {
        if (nd < 9) {
            v = v * 10 + (c - '0');
            nd++;
        }
        i++;
    }
    r->off += i;
    *ns = v * pow10_tab[9 - nd];
}

/* Matches a three-letter name (case-insensitive) against tab; returns its
 * index or -1 and consumes it on success. */
static int rd_name3(canh_rd_t *r, const char (*tab)[3], int ntab)
{
    int a = to_lower(canh_rd_peek(r, 0));
    int b = to_lower(canh_rd_peek(r, 1));
    int c = to_lower(canh_rd_peek(r, 2));
    for (int i = 0; i < ntab; i++) {
        if (tab[i][0] == a && tab[i][1] == b && tab[i][2] == c) {
            r->off += 3;
            return i;
        }
    }
    return -1;
}

static bool rd_month(canh_rd_t *r, unsigned *mon)
{
    int i = rd_name3(r, month_names, 12);
    if (i < 0)
        return false;
    *mon = (unsigned)i + 1;
    return true;
}

/* "hh:mm:ss" with two digits each. */
static bool rd_hms(canh_rd_t *r, civil_t *f)
{
    size_t start = r->off;
    if (rd_digits(r, 2, &f->hour) && canh_rd_char(r, ':') && rd_digits(r, 2, &f->min) &&
        canh_rd_char(r, ':') && rd_digits(r, 2, &f->sec))
        return true;
    r->off = start;
    return false;
}

/* A day of month as syslog and ctime write it: "01", "1", or " 1" (the
 * caller has consumed the single separator space before it). */
static bool rd_padded_day(canh_rd_t *r, unsigned *day)
{
    size_t start = r->off;
    if (canh_rd_peek(r, 0) == ' ' && is_digit(canh_rd_peek(r, 1)))
        r->off++;
    if (rd_digits12(r, day))
        return true;
    r->off = start;
    return false;
}

/* Offset forms accepted after a numeric sign. */
enum { TZ_HH = 1, TZ_HHMM = 2, TZ_HH_MM = 4, TZ_ALL = 7 };

/* "+hh", "+hhmm" or "+hh:mm" (or '-'), restricted to the forms in `forms`. */
static bool rd_numeric_offset(canh_rd_t *r, unsigned forms, int32_t *off)
{
    size_t start = r->off;
    int sign = canh_rd_peek(r, 0);
    unsigned hh, mm = 0;
    if (sign != '+' && sign != '-')
        return false;
    r->off++;
    if (!rd_digits(r, 2, &hh))
        goto fail;
    if ((forms & TZ_HH_MM) && canh_rd_peek(r, 0) == ':' && is_digit(canh_rd_peek(r, 1))) {
        r->off++;
        if (!rd_digits(r, 2, &mm))
            goto fail;
    } else if ((forms & TZ_HHMM) && rd_digits(r, 2, &mm)) {
        /* compact "+hhmm" */
    } else if (!(forms & TZ_HH)) {
        goto fail;
    }
    if (hh > 23 || mm > 59)
        goto fail;
    int32_t v = (int32_t)(hh * 3600 + mm * 60);
    *off = sign == '-' ? -v : v;
    return true;
fail:
    r->off = start;
    return false;
}

/* "UTC" or "GMT" followed by a non-alphanumeric byte or the end. */
static bool rd_utc_word(canh_rd_t *r)
{
    if ((canh_rd_lit(r, "UTC") || canh_rd_lit(r, "GMT"))) {
        if (!is_alnum(canh_rd_peek(r, 0)))
            return true;
        r->off -= 3;
    }
    return false;
}

/* ---- civil time to canh_time_t ------------------------------------------ */

/* secs + frac_ns (0 <= frac_ns < 1e9) as a canh_time_t, if it fits. Negative
 * seconds are combined as (secs + 1) s + (frac_ns - 1e9) ns so that the
 * earliest representable instant (1677-09-21T00:12:43.145224192Z) works. */
static bool secs_to_time(int64_t secs, int64_t frac_ns, canh_time_t *out)
{
    int64_t t;
    if (secs < 0) {
        secs += 1;
        frac_ns -= CANH_NS_PER_SEC;
    }
    if (__builtin_mul_overflow(secs, CANH_NS_PER_SEC, &t) || __builtin_add_overflow(t, frac_ns, &t))
        return false;
    *out = t;
    return true;
}

/* Range checks that hold whatever the year: month, day up to 31 (29 for
 * February), hour, minute, second (60 allows a leap second). */
static bool fields_plausible(const civil_t *f)
{
    static const unsigned char maxd[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return f->mon >= 1 && f->mon <= 12 && f->day >= 1 && f->day <= maxd[f->mon - 1] &&
           f->hour < 24 && f->min < 60 && f->sec <= 60;
}

/* Converts f, read in a zone `off` seconds east of UTC; false when the day
 * does not exist in f->year or the result does not fit canh_time_t. */
static bool civil_to_time(const civil_t *f, int32_t off, canh_time_t *out)
{
    if (!fields_plausible(f) || f->day > days_in_month(f->year, f->mon))
        return false;
    /* Years outside this window cannot fit in int64 nanoseconds anyway, and
     * keeping them out keeps the arithmetic below far from overflow. */
    if (f->year < 1000 || f->year > 9999)
        return false;
    int64_t days = canh_time_days_from_civil(f->year, f->mon, f->day);
    int64_t secs = days * SECS_PER_DAY + (int64_t)f->hour * 3600 + (int64_t)f->min * 60 +
                   (int64_t)f->sec - off;
    return secs_to_time(secs, f->frac_ns, out);
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t canh_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Picks the year for a year-less timestamp: the latest year that puts the
 * time no more than YEAR_AHEAD_NS after ref->now. A February 29 skips
 * non-leap years; eight consecutive years always hold a leap year, so the
 * search is short. */
static bool infer_year(civil_t *f, const canh_time_ref_t *ref, canh_time_t *out)
{
    int64_t now_local = floor_div(ref->now, CANH_NS_PER_SEC) + ref->tz_off;
    int64_t y;
    unsigned m, d;
    civil_from_days(floor_div(now_local, SECS_PER_DAY), &y, &m, &d);
    canh_time_t limit = ref->now > INT64_MAX - YEAR_AHEAD_NS ? INT64_MAX : ref->now + YEAR_AHEAD_NS;
    for (int64_t cand = y + 1; cand >= y - 9; cand--) {
        canh_time_t t;
        f->year = cand;
        if (civil_to_time(f, ref->tz_off, &t) && t <= limit) {
            *out = t;
            return true;
        }
    }
    return false;
}

/* ---- parsers ------------------------------------------------------------ */

int canh_time_parse_rfc3164(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out,
                            size_t *used)
{
    canh_rd_t r = canh_rd(s);
    civil_t f = {0};
    bool have_year = false;
    canh_time_t t;
    unsigned year;

    if (!ref)
        return CANH_EINVAL;
    if (!rd_month(&r, &f.mon) || !canh_rd_char(&r, ' ') || !rd_padded_day(&r, &f.day) ||
        !canh_rd_char(&r, ' '))
        return CANH_ENOMATCH;
    /* "Mmm dd yyyy hh:mm:ss": four digits and a space cannot start a time. */
    if (canh_rd_peek(&r, 4) == ' ' && rd_digits(&r, 4, &year)) {
        r.off++;
        f.year = year;
        have_year = true;
    }
    if (!rd_hms(&r, &f))
        return CANH_ENOMATCH;
    rd_frac(&r, false, &f.frac_ns);
    if (!fields_plausible(&f))
        return CANH_ENOMATCH;
    if (have_year ? !civil_to_time(&f, ref->tz_off, &t) : !infer_year(&f, ref, &t))
        return CANH_ENOMATCH;
    *out = t;
    *used = r.off;
    return CANH_OK;
}

int canh_time_parse_iso8601(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out,
                            size_t *used)
{
    canh_rd_t r = canh_rd(s);
    civil_t f = {0};
    unsigned year;
    int32_t off;
    canh_time_t t;

    if (!ref)
        return CANH_EINVAL;
    if (!rd_digits(&r, 4, &year))
        return CANH_ENOMATCH;
    int sep = canh_rd_peek(&r, 0);
    if (sep != '-' && sep != '/')
        return CANH_ENOMATCH;
    r.off++;
    if (!rd_digits(&r, 2, &f.mon) || !canh_rd_char(&r, (char)sep) || !rd_digits(&r, 2, &f.day))
        return CANH_ENOMATCH;
    int t_sep = canh_rd_peek(&r, 0);
    if (t_sep != 'T' && t_sep != 't' && t_sep != ' ')
        return CANH_ENOMATCH;
    r.off++;
    if (!rd_hms(&r, &f))
        return CANH_ENOMATCH;
    rd_frac(&r, true, &f.frac_ns);
    f.year = year;

    /* The zone. A space-separated numeric offset must have minutes, so that
     * "... 10:00:00 +12 files" does not read "+12" as a zone. */
    off = ref->tz_off;
    int c = canh_rd_peek(&r, 0);
    if (c == 'Z' || c == 'z') {
        r.off++;
        off = 0;
    } else if (c == '+' || c == '-') {
        /* An invalid offset is left unconsumed; ref->tz_off stays. */
        (void)rd_numeric_offset(&r, TZ_ALL, &off);
    } else if (rd_utc_word(&r)) {
        off = 0;
    } else if (c == ' ') {
        r.off++;
        if (rd_utc_word(&r))
            off = 0;
        else if (!rd_numeric_offset(&r, TZ_HHMM | TZ_HH_MM, &off))
            r.off--;
    }
    if (!civil_to_time(&f, off, &t))
        return CANH_ENOMATCH;
    *out = t;
    *used = r.off;
    return CANH_OK;
}

int canh_time_parse_clf(canh_str_t s, canh_time_t *out, size_t *used)
{
    canh_rd_t r = canh_rd(s);
    civil_t f = {0};
    unsigned year;
    int32_t off;
    canh_time_t t;

    if (!rd_digits(&r, 2, &f.day) || !canh_rd_char(&r, '/') || !rd_month(&r, &f.mon) ||
        !canh_rd_char(&r, '/') || !rd_digits(&r, 4, &year) || !canh_rd_char(&r, ':') ||
        !rd_hms(&r, &f))
        return CANH_ENOMATCH;
    rd_frac(&r, false, &f.frac_ns);
    if (!canh_rd_char(&r, ' ') || !rd_numeric_offset(&r, TZ_HHMM, &off))
        return CANH_ENOMATCH;
    f.year = year;
    if (!civil_to_time(&f, off, &t))
        return CANH_ENOMATCH;
    *out = t;
    *used = r.off;
    return CANH_OK;
}

int canh_time_parse_ctime(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out, size_t *used)
{
    canh_rd_t r = canh_rd(s);
    civil_t f = {0};
    unsigned year;
    canh_time_t t;

    if (!ref)
        return CANH_EINVAL;
    if (rd_name3(&r, day_names, 7) < 0 || !canh_rd_char(&r, ' ') || !rd_month(&r, &f.mon) ||
        !canh_rd_char(&r, ' ') || !rd_padded_day(&r, &f.day) || !canh_rd_char(&r, ' ') ||
        !rd_hms(&r, &f))
        return CANH_ENOMATCH;
    rd_frac(&r, false, &f.frac_ns);
    if (!canh_rd_char(&r, ' ') || !rd_digits(&r, 4, &year) || is_digit(canh_rd_peek(&r, 0)))
        return CANH_ENOMATCH;
    f.year = year;
    if (!civil_to_time(&f, ref->tz_off, &t))
        return CANH_ENOMATCH;
    *out = t;
    *used = r.off;
    return CANH_OK;
}

int canh_time_parse_epoch(canh_str_t s, canh_time_t *out, size_t *used)
{
    canh_rd_t r = canh_rd(s);
    int64_t v = 0, frac;
    size_t nd = 0;
    canh_time_t t;
    int c;

    /* At most 14 digits are accumulated, so v cannot overflow. */
    while (is_digit(c = canh_rd_peek(&r, nd)) && nd < 14) {
        v = v * 10 + (c - '0');
        nd++;
    }
    if (is_digit(c) || (nd != 9 && nd != 10 && nd != 13))
        return CANH_ENOMATCH;
    r.off += nd;
    rd_frac(&r, false, &frac);
    /* 13 digits are milliseconds; the fraction is then one of a millisecond */
    if (nd == 13 ? !secs_to_time(v / 1000, v % 1000 * 1000000 + frac / 1000, &t)
                 : !secs_to_time(v, frac, &t))
        return CANH_ENOMATCH;
    *out = t;
    *used = r.off;
    return CANH_OK;
}

int canh_time_parse_tz(canh_str_t s, int32_t *out)
{
    canh_rd_t r = canh_rd(s);
    int32_t off = 0;

    if (s.n == 1 && (s.p[0] == 'Z' || s.p[0] == 'z')) {
        *out = 0;
        return CANH_OK;
    }
    if (canh_str_ieq_c(s, "UTC") || canh_str_ieq_c(s, "GMT")) {
        *out = 0;
        return CANH_OK;
    }
    if (!rd_numeric_offset(&r, TZ_ALL, &off) || !canh_rd_eof(&r))
        return CANH_ENOMATCH;
    *out = off;
    return CANH_OK;
}

int canh_time_parse_any(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out)
{
    canh_time_t t;
    size_t used;

    if (!ref)
        return CANH_EINVAL;
    s = canh_str_trim(s);
    if (s.n == 0)
        return CANH_ENOMATCH;
    if ((canh_time_parse_iso8601(s, ref, &t, &used) == CANH_OK && used == s.n) ||
        (canh_time_parse_rfc3164(s, ref, &t, &used) == CANH_OK && used == s.n) ||
        (canh_time_parse_clf(s, &t, &used) == CANH_OK && used == s.n) ||
        (canh_time_parse_ctime(s, ref, &t, &used) == CANH_OK && used == s.n) ||
        (canh_time_parse_epoch(s, &t, &used) == CANH_OK && used == s.n)) {
        *out = t;
        return CANH_OK;
    }
    return CANH_ENOMATCH;
}

/* ---- formatting and the clock ------------------------------------------- */

static inline void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t canh_time_format(canh_time_t t, char out[32])
{
    int64_t secs = floor_div(t, CANH_NS_PER_SEC);
    int64_t ns = t % CANH_NS_PER_SEC; /* made 0 .. 999999999 below */
    int64_t days = floor_div(secs, SECS_PER_DAY);
    unsigned sod = (unsigned)(secs - days * SECS_PER_DAY);
    unsigned us;
    int64_t y;
    unsigned m, d;

    if (ns < 0)
        ns += CANH_NS_PER_SEC;
    us = (unsigned)(ns / 1000);

    /* int64 nanoseconds span 1677..2262: the year always has four digits. */
    civil_from_days(days, &y, &m, &d);
    put2(out, (unsigned)(y / 100));
    put2(out + 2, (unsigned)(y % 100));
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, sod / 3600);
    out[13] = ':';
    put2(out + 14, sod / 60 % 60);
    out[16] = ':';
    put2(out + 17, sod % 60);
    out[19] = '.';
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + us % 10);
        us /= 10;
    }
    out[26] = 'Z';
    out[27] = '\0';
    return 27;
}

canh_time_ref_t canh_time_ref_now(int32_t tz_off)
{
    struct timespec ts;
    canh_time_ref_t ref = {0, tz_off};
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
        ref.now = (canh_time_t)ts.tv_sec * CANH_NS_PER_SEC + ts.tv_nsec;
    return ref;
}

int32_t canh_time_local_offset(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return (int32_t)tm.tm_gmtoff;
}
