/* core_str.c - string slice helpers. */
#include <arpa/inet.h>
#include <string.h>

#include "canh/error.h"
#include "canh/str.h"

static inline int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

bool canh_str_ieq_c(canh_str_t a, const char *s)
{
    size_t n = strlen(s);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)s[i]))
            return false;
    return true;
}

ptrdiff_t canh_str_find(canh_str_t hay, canh_str_t needle)
{
    if (needle.n == 0)
        return 0;
    if (!hay.p || hay.n < needle.n)
        return -1;
    const char *q = memmem(hay.p, hay.n, needle.p, needle.n);
    return q ? q - hay.p : -1;
}

ptrdiff_t canh_str_find_c(canh_str_t hay, const char *needle)
{
    return canh_str_find(hay, canh_str_c(needle));
}

ptrdiff_t canh_str_chr(canh_str_t hay, char c)
{
    if (!hay.p)
        return -1;
    const char *q = memchr(hay.p, c, hay.n);
    return q ? q - hay.p : -1;
}

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

canh_str_t canh_str_trim(canh_str_t s)
{
    while (s.n && is_ws(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_ws(s.p[s.n - 1]))
        s.n--;
    return s;
}

canh_str_t canh_str_sub(canh_str_t s, size_t from, size_t n)
{
    if (from > s.n)
        from = s.n;
    if (n > s.n - from)
        n = s.n - from;
    return (canh_str_t){s.p + from, n};
}

int canh_str_to_u64(canh_str_t s, uint64_t max, uint64_t *out)
{
    if (s.n == 0 || s.n > 20)
        return CANH_EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
        if (d > 9)
            return CANH_EINVAL;
        if (v > (UINT64_MAX - d) / 10)
            return CANH_ELIMIT;
        v = v * 10 + d;
    }
    if (v > max)
        return CANH_ELIMIT;
    *out = v;
    return CANH_OK;
}

int canh_str_to_i64(canh_str_t s, int64_t *out)
{
    bool neg = s.n && s.p[0] == '-';
    uint64_t v;
    canh_str_t digits = neg ? canh_str_sub(s, 1, s.n) : s;
    int rc = canh_str_to_u64(digits, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v);
    if (rc)
        return rc;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return CANH_OK;
}

bool canh_str_is_ipv4(canh_str_t s)
{
    if (s.n < 7 || s.n > 15)
        return false;
    unsigned parts = 0, val = 0, digits = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c >= '0' && c <= '9') {
            if (digits && val == 0)
                return false; /* leading zero: ambiguous (octal) */
            val = val * 10 + (unsigned)(c - '0');
            if (++digits > 3 || val > 255)
                return false;
        } else if (c == '.') {
            if (!digits || ++parts > 3)
                return false;
            val = digits = 0;
        } else {
            return false;
        }
    }
    return parts == 3 && digits > 0;
}

bool canh_str_is_ipv6(canh_str_t s)
{
    if (s.n < 2 || s.n > 63)
        return false;
    char tmp[64];
    size_t n = s.n;
    const char *pct = memchr(s.p, '%', s.n);
    if (pct)
        n = (size_t)(pct - s.p); /* scope id: "fe80::1%eth0" */
    bool colon = false;
    for (size_t i = 0; i < n; i++) {
        char c = s.p[i];
        if (c == ':')
            colon = true;
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                   c == '.'))
            return false;
    }
    if (!colon)
        return false;
    memcpy(tmp, s.p, n);
    tmp[n] = '\0';
    unsigned char addr[16];
    return inet_pton(AF_INET6, tmp, addr) == 1;
}

size_t canh_utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && p[1] < 0xA0)
        return 0; /* overlong */
    if (c == 0xED && p[1] > 0x9F)
        return 0; /* surrogates */
    if (c == 0xF0 && p[1] < 0x90)
        return 0; /* overlong */
    if (c == 0xF4 && p[1] > 0x8F)
        return 0; /* past U+10FFFF */
    return len;
}

size_t canh_utf8_invalid_at(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = canh_utf8_seq_len(p + i, n - i);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

int canh_str_to_scaled(canh_str_t s, int64_t unit, unsigned int_digits, int64_t *out)
{
    int64_t v = 0, frac = 0, scale = unit;
    size_t i = 0;
    while (i < s.n && canh_is_digit((unsigned char)s.p[i]) && i < int_digits)
        v = v * 10 + (s.p[i++] - '0');
    if (i == 0)
        return CANH_EINVAL;
    if (i < s.n && s.p[i] == '.') {
        i++;
        while (i < s.n && canh_is_digit((unsigned char)s.p[i])) {
            if (scale > 1) {
                scale /= 10;
                frac += (s.p[i] - '0') * scale;
            }
            i++;
        }
    }
    if (i != s.n)
        return CANH_EINVAL;
    *out = v * unit + frac;
    return CANH_OK;
}

char *canh_hex_encode(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}
