/* canh/buf.h - a growable byte buffer with a hard maximum (curl's dynbuf).
 *
 * The buffer is embedded by value. data is NUL-terminated whenever len > 0 or
 * after any successful append. Appends past max fail with CANH_ELIMIT and
 * leave the buffer unchanged. */
#ifndef CANH_BUF_H
#define CANH_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct canh_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} canh_buf_t;

void canh_buf_init(canh_buf_t *b, size_t max);
void canh_buf_fini(canh_buf_t *b);   /* frees data; b may be re-initialised */
void canh_buf_reset(canh_buf_t *b);  /* len = 0, keeps memory */
int canh_buf_append(canh_buf_t *b, const void *p, size_t n);
int canh_buf_putc(canh_buf_t *b, char c);
int canh_buf_puts(canh_buf_t *b, const char *s);
int canh_buf_printf(canh_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int canh_buf_vprintf(canh_buf_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Ensures room for n more bytes (plus NUL) without changing len. */
int canh_buf_reserve(canh_buf_t *b, size_t n);

#endif
