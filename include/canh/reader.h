/* canh/reader.h - a bounds-checked cursor over hostile bytes (after OpenSSH's
 * sshbuf). Every read checks the remaining length; a failed read leaves the
 * cursor where it was and returns false/CANH_ENOMATCH. Decoders parse
 * through this or through canh_str_t helpers, never by raw pointer walks. */
#ifndef CANH_READER_H
#define CANH_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "canh/str.h"

typedef struct canh_rd {
    const char *p;
    size_t n;   /* total length */
    size_t off; /* current position, always <= n */
} canh_rd_t;

static inline canh_rd_t canh_rd(canh_str_t s)
{
    return (canh_rd_t){s.p, s.n, 0};
}
static inline size_t canh_rd_left(const canh_rd_t *r)
{
    return r->n - r->off;
}
static inline bool canh_rd_eof(const canh_rd_t *r)
{
    return r->off >= r->n;
}
/* The byte at off+i, or -1 past the end. */
static inline int canh_rd_peek(const canh_rd_t *r, size_t i)
{
    return i < canh_rd_left(r) ? (unsigned char)r->p[r->off + i] : -1;
}
static inline canh_str_t canh_rd_rest(const canh_rd_t *r)
{
    return (canh_str_t){r->p + r->off, canh_rd_left(r)};
}
static inline bool canh_rd_skip(canh_rd_t *r, size_t k)
{
    if (k > canh_rd_left(r))
        return false;
    r->off += k;
    return true;
}
/* Consumes the literal s if it is next. */
static inline bool canh_rd_lit(canh_rd_t *r, const char *s)
{
    size_t k = strlen(s);
    if (k > canh_rd_left(r) || memcmp(r->p + r->off, s, k) != 0)
        return false;
    r->off += k;
    return true;
}
static inline bool canh_rd_char(canh_rd_t *r, char c)
{
    if (r->off < r->n && r->p[r->off] == c) {
        r->off++;
        return true;
    }
    return false;
}
/* Skips spaces and tabs; returns how many. */
static inline size_t canh_rd_spaces(canh_rd_t *r)
{
    size_t s = r->off;
    while (r->off < r->n && (r->p[r->off] == ' ' || r->p[r->off] == '\t'))
        r->off++;
    return r->off - s;
}
/* Reads up to (not including) the first c; consumes c too. Fails if c is
 * absent. */
static inline bool canh_rd_until(canh_rd_t *r, char c, canh_str_t *out)
{
    const char *q = memchr(r->p + r->off, c, canh_rd_left(r));
    if (!q)
        return false;
    out->p = r->p + r->off;
    out->n = (size_t)(q - out->p);
    r->off += out->n + 1;
    return true;
}
/* Reads a run of non-space bytes (may be empty). */
static inline canh_str_t canh_rd_word(canh_rd_t *r)
{
    size_t s = r->off;
    while (r->off < r->n && r->p[r->off] != ' ' && r->p[r->off] != '\t')
        r->off++;
    return (canh_str_t){r->p + s, r->off - s};
}
/* Reads up to the literal `delim` (consuming it). Fails if absent. */
bool canh_rd_until_lit(canh_rd_t *r, const char *delim, canh_str_t *out);
/* Reads 1..maxdigits decimal digits into *out. */
bool canh_rd_uint(canh_rd_t *r, unsigned maxdigits, uint64_t *out);
/* Reads a double-quoted string with backslash escapes left in place; the
 * slice excludes the quotes. */
bool canh_rd_quoted(canh_rd_t *r, canh_str_t *out);

#endif
