/* canh/error.h - error codes shared by every module.
 *
 * Functions return CANH_OK (0) on success and a negative enum canh_err on
 * failure. Out parameters are written only on success. Human-readable detail
 * (file, line, field) goes to a caller-supplied canh_errbuf_t, never to
 * stdout or stderr from library code. */
#ifndef CANH_ERROR_H
#define CANH_ERROR_H

#include <stddef.h>

enum canh_err {
    CANH_OK = 0,
    CANH_ENOMEM = -1,     /* allocation failed */
    CANH_EINVAL = -2,     /* invalid argument or malformed input */
    CANH_ELIMIT = -3,     /* a configured or built-in limit was reached */
    CANH_EIO = -4,        /* read/write failure; errno-level detail in errbuf */
    CANH_ENOENT = -5,     /* no such file, key or item */
    CANH_ENOMATCH = -6,   /* input did not match (a decoder's "not mine") */
    CANH_EFULL = -7,      /* queue or buffer full; retry later */
    CANH_ENOTSUP = -8,    /* recognised but not supported */
    CANH_EEXIST = -9,     /* already exists */
    CANH_EOF = -10,       /* end of input */
    CANH_ECANCELED = -11, /* stopped by a callback or a shutdown request */
    CANH_ETIMEDOUT = -12, /* a deadline passed */
    CANH_EPERM = -13,     /* refused: credentials, permissions or revocation */
};

/* Returns a static English description of err; never NULL. */
const char *canh_strerror(int err);

#define CANH_ERRBUF_SIZE 512

/* Detail for the last failure: "file:line: field: what is wrong". */
typedef struct canh_errbuf {
    char msg[CANH_ERRBUF_SIZE];
} canh_errbuf_t;

/* Formats into eb (if eb is non-NULL) and returns err, so a failing path can
 * `return canh_errf(eb, CANH_EINVAL, "%s:%u: ...", ...)`. */
int canh_errf(canh_errbuf_t *eb, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
