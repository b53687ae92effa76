/* fuzz_feed_json.c - the json feed importers over hostile input (and format
 * detection). */
#include "fuzz_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const canh_feed_format_t fmts[] = {CANH_FEED_AUTO, CANH_FEED_MISP, CANH_FEED_STIX, CANH_FEED_FEODO_JSON};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
        fuzz_feed(data, size, fmts[i]);
    return 0;
}
