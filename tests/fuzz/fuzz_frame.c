/* fuzz_frame.c - the RFC 6587 stream framer (canh_frame_*, canh/ingest.h)
 * over hostile bytes.
 *
 * The first input byte picks max_record (1-64, or the built-in limit), the
 * second seeds how the rest is cut into pieces. The rest is framed twice:
 * fed whole with a callback that takes everything, and fed in pseudo-random
 * pieces with a callback that refuses some offers and stops after others.
 * Checked:
 *   - every record is 1..max_record bytes;
 *   - both runs give the same records, flags and counters (framing does
 *     not depend on read boundaries, and a refused record comes back);
 *   - a feed never consumes more than it was given, and every run ends. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/ingest.h"
#include "canh/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run {
    size_t max;
    canh_buf_t out; /* records as "flags len bytes" */
    uint32_t rng;
    int offers;
    bool picky; /* refuse / stop now and then */
} run_t;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_frame: %s\n", what);
    abort();
}

static uint32_t next_rand(run_t *r)
{
    r->rng = r->rng * 1103515245u + 12345u;
    return r->rng >> 16;
}

static int take(void *ud, const char *p, size_t n, unsigned flags)
{
    run_t *r = ud;
    if (n == 0 || n > r->max)
        fail("record length outside 1..max_record");
    if (r->picky) {
        uint32_t x = next_rand(r) % 8;
        if (x == 0)
            return -1;
    }
    char hdr[32];
    int h = snprintf(hdr, sizeof hdr, "%u %zu ", flags, n);
    if (canh_buf_append(&r->out, hdr, (size_t)h) != CANH_OK ||
        canh_buf_append(&r->out, p, n) != CANH_OK)
        fail("out of memory in the harness");
    if (r->picky && next_rand(r) % 8 == 1)
        return 1;
    return 0;
}

static void frame(run_t *r, canh_frame_t *f, const char *p, size_t n)
{
    size_t off = 0, guard = 0;
    while (off < n) {
        size_t piece = n - off;
        if (r->picky)
            piece = 1 + next_rand(r) % (piece < 97 ? piece : 97);
        size_t k = canh_frame_feed(f, p + off, piece, take, r);
        if (k > piece)
            fail("feed consumed more than it was given");
        off += k;
        if (++guard > 16 * n + 1024)
            fail("feeding does not progress");
    }
    while (canh_frame_finish(f, take, r) < 0)
        if (++guard > 16 * n + 2048)
            fail("finish does not progress");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max = data[0] < 192 ? (size_t)(data[0] % 64) + 1 : CANH_MAX_RECORD;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;

    run_t a = {.max = max, .picky = false};
    run_t b = {.max = max, .picky = true, .rng = data[1]};
    canh_buf_init(&a.out, SIZE_MAX / 2);
    canh_buf_init(&b.out, SIZE_MAX / 2);
    canh_frame_t fa, fb;
    canh_frame_init(&fa, max);
    canh_frame_init(&fb, max);
    frame(&a, &fa, p, n);
    frame(&b, &fb, p, n);
    if (a.out.len != b.out.len || (a.out.len && memcmp(a.out.data, b.out.data, a.out.len) != 0))
        fail("records depend on where the input was cut");
    if (fa.records != fb.records || fa.truncated != fb.truncated ||
        fa.framing_errors != fb.framing_errors)
        fail("counters depend on where the input was cut");
    canh_frame_fini(&fa);
    canh_frame_fini(&fb);
    canh_buf_fini(&a.out);
    canh_buf_fini(&b.out);
    return 0;
}
