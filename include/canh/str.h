/* canh/str.h - string slices and small helpers.
 *
 * A canh_str_t is a borrowed view (pointer + length), not NUL-terminated. The
 * owner of the bytes is whoever produced them (the raw record, an arena). A
 * slice with p == NULL is "absent"; a slice with n == 0 and p != NULL is the
 * empty string. */
#ifndef CANH_STR_H
#define CANH_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct canh_str {
    const char *p;
    size_t n;
} canh_str_t;

#define CANH_STR_NULL ((canh_str_t){NULL, 0})
#define CANH_STR_LIT(s) ((canh_str_t){(s), sizeof(s) - 1})

static inline canh_str_t canh_str(const char *p, size_t n)
{
    return (canh_str_t){p, n};
}
static inline canh_str_t canh_str_c(const char *s)
{
    return (canh_str_t){s, s ? strlen(s) : 0};
}
static inline bool canh_str_eq(canh_str_t a, canh_str_t b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}
static inline bool canh_str_eq_c(canh_str_t a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && memcmp(a.p, s, n) == 0;
}
static inline bool canh_str_starts(canh_str_t a, const char *s)
{
    size_t n = strlen(s);
    return a.n >= n && memcmp(a.p, s, n) == 0;
}
static inline bool canh_str_ends(canh_str_t a, const char *s)
{
    size_t n = strlen(s);
    return a.n >= n && memcmp(a.p + a.n - n, s, n) == 0;
}

static inline bool canh_is_digit(int c)
{
    return c >= '0' && c <= '9';
}
/* True if s is 1..max decimal digits and nothing else. */
static inline bool canh_str_all_digits(canh_str_t s, size_t max)
{
    if (s.n == 0 || s.n > max)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!canh_is_digit((unsigned char)s.p[i]))
            return false;
    return true;
}
/* 1..19 digits: a value that always fits an int64. */
static inline bool canh_str_is_uint(canh_str_t s)
{
    return canh_str_all_digits(s, 19);
}

/* Parses a decimal number with an optional fraction ("2.000123") that
 * fills s wholly, scaled by unit ("1.5" with unit 1000 gives 1500); digits
 * of the fraction finer than the unit are dropped. At most int_digits
 * digits before the point (keep int_digits small enough that the result
 * fits an int64). CANH_EINVAL when s is not such a number. */
int canh_str_to_scaled(canh_str_t s, int64_t unit, unsigned int_digits, int64_t *out);

/* Case-insensitive ASCII comparison. */
bool canh_str_ieq_c(canh_str_t a, const char *s);
/* First occurrence of needle in hay, or -1. */
ptrdiff_t canh_str_find(canh_str_t hay, canh_str_t needle);
ptrdiff_t canh_str_find_c(canh_str_t hay, const char *needle);
ptrdiff_t canh_str_chr(canh_str_t hay, char c);
/* Trim ASCII whitespace (space, tab, CR, LF) on both ends. */
canh_str_t canh_str_trim(canh_str_t s);
/* s[from..from+n) clamped to s. */
canh_str_t canh_str_sub(canh_str_t s, size_t from, size_t n);
/* Parses a decimal unsigned integer that fills s wholly (no sign, no spaces);
 * fails on overflow past max. */
int canh_str_to_u64(canh_str_t s, uint64_t max, uint64_t *out);
int canh_str_to_i64(canh_str_t s, int64_t *out);

/* Offset of the first byte of p[0..n) that is not valid UTF-8 (overlong
 * forms, surrogates and code points past U+10FFFF are invalid), or n. */
size_t canh_utf8_invalid_at(const char *p, size_t n);
/* Length of the valid UTF-8 sequence starting at p (n bytes available), or
 * 0 if p does not start one. ASCII bytes are sequences of length 1. */
size_t canh_utf8_seq_len(const unsigned char *p, size_t n);

/* True if s is a textual IPv4 address (dotted quad, each part 0-255). */
bool canh_str_is_ipv4(canh_str_t s);
/* True if s is a textual IPv6 address (inet_pton rules, optional %zone). */
bool canh_str_is_ipv6(canh_str_t s);
static inline bool canh_str_is_ip(canh_str_t s)
{
    return canh_str_is_ipv4(s) || canh_str_is_ipv6(s);
}

/* Writes p[0..n) as lower-case hex into out (2n + 1 bytes, NUL-terminated);
 * returns out. */
char *canh_hex_encode(char *out, const uint8_t *p, size_t n);

#endif
