/* core_error.c - error strings and the error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "canh/error.h"

const char *canh_strerror(int err)
{
    switch (err) {
    case CANH_OK:
        return "success";
    case CANH_ENOMEM:
        return "out of memory";
    case CANH_EINVAL:
        return "invalid argument or input";
    case CANH_ELIMIT:
        return "limit reached";
    case CANH_EIO:
        return "input/output error";
    case CANH_ENOENT:
        return "not found";
    case CANH_ENOMATCH:
        return "no match";
    case CANH_EFULL:
        return "full, try again later";
    case CANH_ENOTSUP:
        return "not supported";
    case CANH_EEXIST:
        return "already exists";
    case CANH_EOF:
        return "end of input";
    case CANH_ECANCELED:
        return "cancelled";
    case CANH_ETIMEDOUT:
        return "timed out";
    case CANH_EPERM:
        return "not permitted";
    default:
        return "unknown error";
    }
}

int canh_errf(canh_errbuf_t *eb, int err, const char *fmt, ...)
{
    if (eb) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
        va_end(ap);
    }
    return err;
}
