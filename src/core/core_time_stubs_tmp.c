/* TEMPORARY weak stubs until core_time.c lands (removed before commit). */
#include <string.h>
#include <time.h>
#include "canh/error.h"
#include "canh/time.h"
#define W __attribute__((weak))
W canh_time_ref_t canh_time_ref_now(int32_t tz) { canh_time_ref_t r = {(canh_time_t)time(NULL) * CANH_NS_PER_SEC, tz}; return r; }
W int canh_time_parse_rfc3164(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out, size_t *used) { (void)s; (void)ref; (void)out; (void)used; return CANH_ENOMATCH; }
W int canh_time_parse_iso8601(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out, size_t *used) { (void)s; (void)ref; (void)out; (void)used; return CANH_ENOMATCH; }
W int canh_time_parse_any(canh_str_t s, const canh_time_ref_t *ref, canh_time_t *out) { (void)s; (void)ref; (void)out; return CANH_ENOMATCH; }
W size_t canh_time_format(canh_time_t t, char out[32]) { (void)t; memcpy(out, "1970-01-01T00:00:00.000000Z", 28); return 27; }
W int32_t canh_time_local_offset(void) { return 0; }
W int canh_time_parse_tz(canh_str_t s, int32_t *out) { (void)s; (void)out; return CANH_ENOMATCH; }
