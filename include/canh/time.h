/* canh/time.h - timestamp parsing for the formats logs use.
 *
 * Times are int64 nanoseconds since the Unix epoch, UTC (canh_time_t). Every
 * parser reads from the start of s, returns CANH_OK and writes *out and
 * *used (bytes consumed) on success, CANH_ENOMATCH when s does not start with
 * that format (nothing written). Parsers never read past s.n.
 *
 * Common rules: fields are range-checked (month 1-12, the day must exist in
 * that month and year, hour < 24, minute < 60, second <= 60 for a leap
 * second); an impossible date, or a time outside what int64 nanoseconds can
 * hold (1677-09-21 to 2262-04-11), is CANH_ENOMATCH too. Month and weekday
 * names are matched case-insensitively. A fraction keeps its first nine
 * digits; more digits are consumed and ignored. Functions taking a ref
 * return CANH_EINVAL when ref is NULL. The parsers and the formatter are pure
 * arithmetic: they never allocate, lock, or consult the locale or TZ. */
#ifndef CANH_TIME_H
#define CANH_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "canh/str.h"

typedef int64_t canh_time_t;
#define CANH_NS_PER_SEC INT64_C(1000000000)

/* What zone-less and year-less timestamps are read against. */
typedef struct canh_time_ref {
    canh_time_t now;  /* reference "now" (wall clock, or a fixed time in tests) */
    int32_t tz_off;   /* seconds east of UTC for timestamps without a zone */
} canh_time_ref_t;

/* A reference at the current wall-clock time and the given zone offset. */
canh_time_ref_t canh_time_ref_now(int32_t tz_off);
/* The host's current local UTC offset in seconds (from localtime_r). */
int32_t canh_time_local_offset(void);
/* Parses "+07:00", "-0500", "+07", "Z", "UTC" or "GMT" (case-insensitive)
 * into seconds east of UTC. The whole of s must be the zone (hours < 24,
 * minutes < 60); otherwise CANH_ENOMATCH. */
int canh_time_parse_tz(canh_str_t s, int32_t *out);

/* RFC 3164 "Mmm dd hh:mm:ss" (day may be space-padded or single digit:
 * "Feb  1", "Feb 1", "Feb 01"; an optional ".ffffff" fraction after the
 * seconds, and an optional 4-digit year between day and time,
 * "Mmm dd yyyy hh:mm:ss", are accepted). The time is read in ref->tz_off.
 * The missing year is the latest one that puts the time no more than one
 * month (31 days) ahead of ref->now (a December line read in January belongs
 * to last year, a January line read on December 31 to next year); for
 * "Feb 29" non-leap years are skipped going back. */
int canh_time_parse_rfc3164(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out,
                            size_t *used);
/* ISO 8601 / RFC 3339: "2024-05-01T10:00:00Z", "2024-05-01 10:00:00.123+07:00",
 * "2024-05-01T10:00:00,5", date-time separator 'T' or ' ', optional fraction
 * (up to 9 digits), optional zone (Z, +hh:mm, +hhmm, +hh, " UTC"/" GMT" and
 * other 3-4 letter abbreviations of fixed offset are not guessed: only UTC/GMT).
 * The date may also use slashes, "2024/05/01 10:00:00" (nginx error log).
 * Seconds are required. A zone after a space must be UTC/GMT or carry
 * minutes (" +0700", " +07:00"), so "... 10:00:00 +12 files" keeps no zone.
 * Without a zone, ref->tz_off applies. */
int canh_time_parse_iso8601(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out,
                            size_t *used);
/* Apache/nginx access log "10/Oct/2000:13:55:36 -0700" (brackets not included;
 * two-digit day, the zone "+hhmm" is required, an optional ".fff" fraction
 * after the seconds is accepted). */
int canh_time_parse_clf(canh_str_t s, canh_time_t *out, size_t *used);
/* ctime-style "Thu Dec 15 23:49:07 2005" and Apache 2.4 error-log
 * "Wed Oct 11 14:32:52.123456 2000"; zone from ref->tz_off. */
int canh_time_parse_ctime(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out,
                          size_t *used);
/* Epoch seconds with optional fraction: "1700000000", "1700000000.123456".
 * Accepts 9-10 digit seconds; 13-digit values are milliseconds (a fraction
 * after them is a fraction of a millisecond). Other digit counts, a sign, or
 * a value past 2262 are CANH_ENOMATCH. */
int canh_time_parse_epoch(canh_str_t s, canh_time_t *out, size_t *used);
/* Tries ISO 8601, RFC 3164, CLF, ctime and epoch in turn; the whole of s
 * (after trimming) must be consumed. CANH_ENOMATCH if none does. */
int canh_time_parse_any(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out);

/* Writes "2024-05-01T10:00:00.123456Z" (microsecond precision, always UTC)
 * plus NUL into out; returns the length (27). out must hold 32 bytes. Any
 * canh_time_t is valid; sub-microsecond digits are truncated toward the
 * past (floor), also before 1970. */
size_t canh_time_format(canh_time_t t, char out[32]);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard
 * Hinnant's algorithm); negative before 1970. m must be 1-12 and d 1-31
 * (not checked); |y| below 2^40. Exposed for tests. */
int64_t canh_time_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
