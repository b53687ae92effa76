/* intel_hashes.c - the hash sets (MD5, SHA-1, SHA-256) of a snapshot:
 * building and probing. The layout is described in intel_int.h. */
#include <stdlib.h>

#include "canh/mem.h"
#include "intel_int.h"

#define HS_EMPTY UINT32_MAX

void intel_hashset_fini(intel_hashset_t *hs)
{
    canh_free(hs->slot);
    memset(hs, 0, sizeof *hs);
}

size_t intel_hashset_memory(const intel_hashset_t *hs)
{
    return hs->len * sizeof(intel_hslot_t);
}

static inline uint64_t be64(const uint8_t *d)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | d[i];
    return v;
}

static inline uint32_t be32(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static inline size_t home(const uint8_t *d, uint32_t home_n)
{
    return (size_t)(((uint64_t)be32(d) * home_n) >> 32);
}

struct sort_ctx {
    const uint8_t *dig;
    size_t dlen;
};

/* Digest order, then input order (which is indicator order). */
static int cmp_ord(const void *a, const void *b, void *ctx)
{
    const struct sort_ctx *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int r = memcmp(c->dig + x * c->dlen, c->dig + y * c->dlen, c->dlen);
    return r ? r : (x > y) - (x < y);
}

int intel_hashset_build(intel_hashset_t *hs, const canh_intel_snap_t *s, canh_ioc_type_t type)
{
    memset(hs, 0, sizeof *hs);
    size_t dlen = intel_digest_len(type), m = 0;
    for (size_t i = 0; i < s->count; i++)
        m += s->ind[i].type == type;
    hs->dlen = (unsigned)dlen;
    if (m == 0)
        return CANH_OK;
    size_t home_n = m + m / 4 + 1;
    if (home_n > UINT32_MAX)
        return CANH_ELIMIT;
    /* Sorting: a counting pass on the home slot (digests are uniform, so
     * most homes hold one), then each home's few in order. A crafted feed
     * crowding one home only makes that group larger, sorted in n log n. */
    int rc = CANH_ENOMEM;
    uint8_t *tdig = canh_malloc(m * dlen); /* in input order */
    uint32_t *tidx = canh_malloc(m * sizeof *tidx);
    uint32_t *ord = canh_malloc(m * sizeof *ord);
    uint32_t *start = canh_calloc(home_n + 1, sizeof *start);
    if (!tdig || !tidx || !ord || !start)
        goto out;
    size_t j = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (s->ind[i].type != type)
            continue;
        /* Values are normalised: exactly 2*dlen hex digits. */
        if (!intel_hex_decode(s->ind[i].value, dlen, tdig + j * dlen)) {
            rc = CANH_EINVAL;
            goto out;
        }
        tidx[j] = (uint32_t)i;
        start[home(tdig + j * dlen, (uint32_t)home_n) + 1]++;
        j++;
    }
    for (size_t b = 0; b < home_n; b++)
        start[b + 1] += start[b];
    for (uint32_t k = 0; k < (uint32_t)m; k++)
        ord[start[home(tdig + (size_t)k * dlen, (uint32_t)home_n)]++] = k;
    /* start[b] is now the end of group b; group b begins at start[b - 1]. */
    struct sort_ctx ctx = {tdig, dlen};
    for (size_t b = 0; b < home_n; b++) {
        uint32_t lo = b ? start[b - 1] : 0, hi = start[b];
        if (hi - lo < 2)
            continue;
        if (hi - lo > 16) {
            qsort_r(ord + lo, hi - lo, sizeof *ord, cmp_ord, &ctx);
            continue;
        }
        for (uint32_t x = lo + 1; x < hi; x++) {
            uint32_t v = ord[x], y = x;
            while (y > lo && cmp_ord(&ord[y - 1], &v, &ctx) > 0) {
                ord[y] = ord[y - 1];
                y--;
            }
            ord[y] = v;
        }
    }
    /* Place: each at its home or just after the previous one. */
    size_t len = 0;
    for (size_t k = 0; k < m; k++) {
        size_t h = home(tdig + (size_t)ord[k] * dlen, (uint32_t)home_n);
        len = (h > len ? h : len) + 1;
    }
    hs->slot = intel_table_alloc(len, sizeof *hs->slot);
    if (!hs->slot)
        goto out;
    for (size_t k = 0; k < len; k++)
        hs->slot[k] = (intel_hslot_t){0, 0, HS_EMPTY};
    size_t at = 0;
    for (size_t k = 0; k < m; k++) {
        const uint8_t *d = tdig + (size_t)ord[k] * dlen;
        size_t h = home(d, (uint32_t)home_n);
        at = h > at ? h : at;
        hs->slot[at++] = (intel_hslot_t){be64(d), be32(d + 8), tidx[ord[k]]};
    }
    hs->len = len;
    hs->home_n = (uint32_t)home_n;
    hs->n = (uint32_t)m;
    rc = CANH_OK;
out:
    canh_free(tdig);
    canh_free(tidx);
    canh_free(ord);
    canh_free(start);
    if (rc)
        intel_hashset_fini(hs);
    return rc;
}

size_t intel_hashset_match(const canh_intel_snap_t *s, const intel_hashset_t *hs, const uint8_t *d,
                           uint32_t *ids, size_t max, size_t k)
{
    if (!hs->home_n)
        return k;
    uint64_t hi = be64(d);
    uint32_t lo = be32(d + 8);
    for (size_t at = home(d, hs->home_n); at < hs->len; at++) {
        const intel_hslot_t *sl = &hs->slot[at];
        if (sl->idx == HS_EMPTY || sl->hi > hi || (sl->hi == hi && sl->lo > lo))
            break;
        if (sl->hi != hi || sl->lo != lo)
            continue;
        /* The first 12 bytes agree: confirm the rest with the value. */
        uint8_t full[32];
        if (intel_hex_decode(s->ind[sl->idx].value + 24, hs->dlen - 12, full) &&
            memcmp(full, d + 12, hs->dlen - 12) == 0) {
            if (ids && k < max)
                ids[k] = sl->idx;
            k++;
        }
    }
    return k;
}
