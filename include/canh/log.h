/* canh/log.h - operational logging with rate limiting.
 *
 * A logger is an explicit context (no globals). Each message passes a token
 * bucket: at most `burst` messages, refilled at `per_sec` per second; the
 * messages refused are counted and reported by the next message that passes
 * ("N messages suppressed"). Library code logs operational events only; bad
 * input is counted, not logged per record. */
#ifndef CANH_LOG_H
#define CANH_LOG_H

#include <stdint.h>
#include <stdio.h>

enum canh_log_level { CANH_LOG_ERROR = 0, CANH_LOG_WARN, CANH_LOG_INFO, CANH_LOG_DEBUG };

typedef struct canh_logger {
    FILE *out;              /* where lines go (stderr by default) */
    enum canh_log_level level; /* messages above this are skipped */
    double per_sec;         /* refill rate */
    double burst;           /* bucket size */
    double tokens;
    int64_t last_ns;        /* monotonic time of last refill */
    uint64_t suppressed;    /* messages refused since the last one printed */
} canh_logger_t;

void canh_log_init(canh_logger_t *lg, FILE *out, enum canh_log_level level);
void canh_log(canh_logger_t *lg, enum canh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses "error|warn|info|debug". */
int canh_log_level_parse(const char *s, enum canh_log_level *out);

#endif
