/* fuzz_feed.h - shared body of the feed importer fuzz targets: import the
 * input from memory in one format; every indicator handed to the sink must
 * be normalised (normalising it again gives the same text). */
#ifndef CANH_FUZZ_FEED_H
#define CANH_FUZZ_FEED_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canh/intel_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_add_ind(void *ud, const canh_indicator_t *ind, uint64_t line)
{
    (void)ud;
    (void)line;
    char again[8192];
    if (!ind->value || !ind->source)
        abort();
    if (canh_ioc_normalize(canh_str_c(ind->value), ind->type, again, sizeof again, NULL) !=
            ind->type ||
        strcmp(again, ind->value) != 0)
        abort();
    return CANH_OK;
}

static void fuzz_reject(void *ud, uint64_t line, const char *reason)
{
    (void)ud;
    (void)line;
    if (!reason || !*reason)
        abort();
}

static int fuzz_feed(const uint8_t *data, size_t size, canh_feed_format_t fmt)
{
    canh_import_opts_t o = {.source = "fuzz", .now = 1700000000};
    canh_import_sink_t sink = {fuzz_add_ind, fuzz_reject, NULL};
    canh_feed_format_t used;
    canh_errbuf_t eb;
    canh_intel_import_mem("fuzz", data, size, fmt, &o, &sink, &used, &eb);
    return 0;
}

#endif
