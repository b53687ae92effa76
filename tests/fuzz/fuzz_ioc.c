/* fuzz_ioc.c - canh_ioc_normalize and the snapshot lookups over hostile values.
 * Checked: the output is NUL-terminated and idempotent under its own type and
 * under guessing; a snapshot built from the value matches it (match_any). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "canh/intel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    canh_str_t in = canh_str((const char *)data, size);
    char out[8192], again[8192];
    canh_errbuf_t eb;
    for (int hint = CANH_IOC_NONE; hint <= CANH_IOC_SHA256; hint++) {
        canh_ioc_type_t t = canh_ioc_normalize(in, (canh_ioc_type_t)hint, out, sizeof out, &eb);
        if (t == CANH_IOC_NONE)
            continue;
        if (hint != CANH_IOC_NONE && t != (canh_ioc_type_t)hint)
            abort();
        if (canh_ioc_normalize(canh_str_c(out), t, again, sizeof again, &eb) != t || strcmp(out, again))
            abort();
        canh_indicator_t ind = {.type = t, .value = out, .source = "fuzz"};
        canh_intel_snap_t *s;
        if (canh_intel_snap_build(&ind, 1, 0, &s, &eb) != CANH_OK)
            abort();
        uint32_t ids[4];
        if (canh_intel_snap_count(s) != 1 || canh_intel_match_any(s, canh_str_c(out), ids, 4) < 1)
            abort();
        canh_intel_match_url(s, in, ids, 4);
        canh_intel_match_domain(s, in, ids, 4);
        canh_intel_match_ip_str(s, in, ids, 4);
        canh_intel_match_hash(s, in, ids, 4);
        canh_intel_snap_destroy(s);
    }
    return 0;
}
