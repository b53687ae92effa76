/* core_buf.c - growable buffer with a hard maximum. */
#include <stdio.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/mem.h"

void canh_buf_init(canh_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void canh_buf_fini(canh_buf_t *b)
{
    canh_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void canh_buf_reset(canh_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int canh_buf_reserve(canh_buf_t *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return CANH_ELIMIT;
    size_t want = b->len + n + 1; /* room for the NUL */
    if (want <= b->cap)
        return CANH_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = canh_realloc(b->data, cap);
    if (!p)
        return CANH_ENOMEM;
    b->data = p;
    b->cap = cap;
    return CANH_OK;
}

int canh_buf_append(canh_buf_t *b, const void *p, size_t n)
{
    int rc = canh_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CANH_OK;
}

int canh_buf_putc(canh_buf_t *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return CANH_OK;
    }
    return canh_buf_append(b, &c, 1);
}

int canh_buf_puts(canh_buf_t *b, const char *s)
{
    return canh_buf_append(b, s, strlen(s));
}

int canh_buf_vprintf(canh_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return CANH_EINVAL;
    if ((size_t)n < sizeof tmp)
        return canh_buf_append(b, tmp, (size_t)n);
    int rc = canh_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CANH_OK;
}

int canh_buf_printf(canh_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = canh_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}
