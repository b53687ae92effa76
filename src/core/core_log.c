/* core_log.c - rate-limited operational logging. */
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "canh/error.h"
#include "canh/log.h"

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void canh_log_init(canh_logger_t *lg, FILE *out, enum canh_log_level level)
{
    lg->out = out ? out : stderr;
    lg->level = level;
    lg->per_sec = 10;
    lg->burst = 50;
    lg->tokens = lg->burst;
    lg->last_ns = mono_ns();
    lg->suppressed = 0;
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void canh_log(canh_logger_t *lg, enum canh_log_level level, const char *fmt, ...)
{
    if (level > lg->level)
        return;
    int64_t now = mono_ns();
    lg->tokens += (double)(now - lg->last_ns) / 1e9 * lg->per_sec;
    if (lg->tokens > lg->burst)
        lg->tokens = lg->burst;
    lg->last_ns = now;
    if (lg->tokens < 1.0) {
        lg->suppressed++;
        return;
    }
    lg->tokens -= 1.0;

    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (lg->suppressed) {
        fprintf(lg->out, "%s canh[warn]: %llu log messages suppressed (rate limit)\n", stamp,
                (unsigned long long)lg->suppressed);
        lg->suppressed = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(lg->out, "%s canh[%s]: ", stamp, level_names[level]);
    vfprintf(lg->out, fmt, ap);
    fputc('\n', lg->out);
    va_end(ap);
}

int canh_log_level_parse(const char *s, enum canh_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum canh_log_level)i;
            return CANH_OK;
        }
    return CANH_EINVAL;
}
