/* core_reader.c - the out-of-line parts of the bounded reader. */
#include "canh/reader.h"

bool canh_rd_until_lit(canh_rd_t *r, const char *delim, canh_str_t *out)
{
    size_t k = strlen(delim);
    if (k == 0)
        return false;
    const char *q = memmem(r->p + r->off, canh_rd_left(r), delim, k);
    if (!q)
        return false;
    out->p = r->p + r->off;
    out->n = (size_t)(q - out->p);
    r->off += out->n + k;
    return true;
}

bool canh_rd_uint(canh_rd_t *r, unsigned maxdigits, uint64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < maxdigits && i < canh_rd_left(r)) {
        unsigned d = (unsigned)(unsigned char)r->p[r->off + i] - '0';
        if (d > 9)
            break;
        v = v * 10 + d;
        i++;
    }
    if (i == 0)
        return false;
    r->off += i;
    *out = v;
    return true;
}

bool canh_rd_quoted(canh_rd_t *r, canh_str_t *out)
{
    if (canh_rd_peek(r, 0) != '"')
        return false;
    size_t i = r->off + 1;
    while (i < r->n) {
        char c = r->p[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '"') {
            out->p = r->p + r->off + 1;
            out->n = i - r->off - 1;
            r->off = i + 1;
            return true;
        }
        i++;
    }
    return false;
}
