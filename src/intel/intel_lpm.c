/* intel_lpm.c - building the compressed multibit trie for IP prefixes (the
 * layout and the lookup are in intel_int.h).
 *
 * The input is the distinct prefixes sorted by (address, length): a
 * preorder of the containment forest, so every prefix comes after all the
 * prefixes covering it. Filling table ranges in that order therefore leaves
 * each entry holding its longest covering prefix without comparing lengths.
 * Prefixes longer than the root stride are grouped by root slot, then by
 * each further byte, and each group becomes a node whose default is the
 * entry its slot held. */
#include <sys/mman.h>

#include "canh/mem.h"
#include "intel_int.h"

#define HUGE_PAGE (2u << 20)

static inline uint32_t node_get(const uint32_t *node, unsigned b)
{
    uint32_t h = node[0];
    if (h & 1u) {                           /* SMALL */
        unsigned starts = (h >> 8) & 0xffu; /* runs - 1 */
        const uint8_t *st = (const uint8_t *)(node + 1);
        unsigned i = 0;
        for (unsigned j = 0; j < starts; j++)
            i += st[j] <= b;
        return node[1 + (starts + 3) / 4 + i];
    }
    /* BITMAP: the rank of b among the run starts. */
    unsigned w = b >> 6;
    uint64_t bits;
    memcpy(&bits, node + 1 + 2 * w, sizeof bits);
    unsigned before = (h >> (8 * w)) & 0xffu; /* byte 0 is 0 for BITMAP nodes */
    unsigned rank = before + (unsigned)__builtin_popcountll(bits & ((2ull << (b & 63)) - 1)) - 1;
    return node[9 + rank];
}

uint32_t intel_lpm_walk(const intel_lpm_t *t, const uint8_t *key, uint32_t e, unsigned d)
{
    while (e & INTEL_LPM_CHILD) {
        const uint32_t *node = t->pool + (e & ~INTEL_LPM_CHILD);
        if ((node[0] & 0xffu) == INTEL_LPM_SKIP) {
            unsigned n = (node[0] >> 8) & 0xffu, w = (n + 3) / 4;
            const uint8_t *b = (const uint8_t *)(node + 1);
            unsigned diff = 0;
            for (unsigned i = 0; i < n; i++)
                diff |= b[i] ^ key[d + i];
            e = node[1 + w + (diff != 0)];
            d += n;
        } else {
            e = node_get(node, key[d++]);
        }
    }
    return e;
}

/* Huge pages for the 2 MiB-aligned part of [p, p + n), advice only: the
 * large tables are read at random, and with 4 KiB pages nearly every read
 * of them would also miss the TLB. Must come before the pages are touched. */
static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *intel_table_alloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = canh_malloc(n);
    if (p) {
        if (n >= 2 * HUGE_PAGE)
            advise_huge(p, n);
        memset(p, 0, n);
    }
    return p;
}

void intel_lpm_fini(intel_lpm_t *t)
{
    canh_free(t->root_mem);
    canh_free(t->pool);
    memset(t, 0, sizeof *t);
}

size_t intel_lpm_memory(const intel_lpm_t *t)
{
    return t->root_size + t->pool_cap * sizeof(uint32_t);
}

/* The first 8*nbytes bits of key as an integer. */
static inline uint32_t key_bits(const uint8_t *key, unsigned nbytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < nbytes; i++)
        v = v << 8 | key[i];
    return v;
}

static int pool_reserve(intel_lpm_t *t, size_t words)
{
    if (t->pool_len + words <= t->pool_cap)
        return CANH_OK;
    size_t cap = t->pool_cap ? t->pool_cap : 4096;
    while (cap < t->pool_len + words)
        cap *= 2;
    if (cap > INTEL_LPM_CHILD) {
        cap = INTEL_LPM_CHILD; /* child offsets have 31 bits */
        if (t->pool_len + words > cap)
            return CANH_ELIMIT;
    }
    uint32_t *p = canh_reallocarray(t->pool, cap, sizeof *p);
    if (!p)
        return CANH_ENOMEM;
    t->pool = p;
    t->pool_cap = cap;
    return CANH_OK;
}

/* Stores the 256 entries in vals as a node; *entry receives the child
 * pointer, or the single value when all 256 are equal. */
static int emit_node(intel_lpm_t *t, const uint32_t *vals, uint32_t *entry)
{
    unsigned runs = 1;
    for (unsigned b = 1; b < 256; b++)
        runs += vals[b] != vals[b - 1];
    if (runs == 1) {
        *entry = vals[0];
        return CANH_OK;
    }
    size_t words = runs <= INTEL_LPM_SMALL ? 1 + (runs - 1 + 3) / 4 + runs : 1 + 8 + runs;
    int rc = pool_reserve(t, words);
    if (rc)
        return rc;
    uint32_t *node = t->pool + t->pool_len;
    memset(node, 0, words * sizeof *node);
    if (runs <= INTEL_LPM_SMALL) {
        node[0] = 1u | (runs - 1) << 8;
        uint8_t *st = (uint8_t *)(node + 1);
        uint32_t *val = node + 1 + (runs - 1 + 3) / 4;
        unsigned r = 0;
        val[r++] = vals[0];
        for (unsigned b = 1; b < 256; b++)
            if (vals[b] != vals[b - 1]) {
                st[r - 1] = (uint8_t)b;
                val[r++] = vals[b];
            }
    } else {
        uint64_t bits[4] = {1, 0, 0, 0};
        uint32_t *val = node + 9;
        unsigned r = 0;
        val[r++] = vals[0];
        for (unsigned b = 1; b < 256; b++)
            if (vals[b] != vals[b - 1]) {
                bits[b >> 6] |= 1ull << (b & 63);
                val[r++] = vals[b];
            }
        unsigned c1 = (unsigned)__builtin_popcountll(bits[0]);
        unsigned c2 = c1 + (unsigned)__builtin_popcountll(bits[1]);
        unsigned c3 = c2 + (unsigned)__builtin_popcountll(bits[2]);
        node[0] = c1 << 8 | c2 << 16 | c3 << 24;
        memcpy(node + 1, bits, sizeof bits);
    }
    *entry = INTEL_LPM_CHILD | (uint32_t)t->pool_len;
    t->pool_len += words;
    return CANH_OK;
}

static int build_node(intel_lpm_t *t, const intel_prefix_t *p, size_t lo, size_t hi, unsigned d,
                      uint32_t dflt, uint32_t *entry);

/* How many bytes from d on all of p[lo, hi) share with none of them ending
 * before the end of those bytes: the bytes a SKIP node can match at once. */
static unsigned shared_bytes(const intel_prefix_t *p, size_t lo, size_t hi, unsigned d)
{
    unsigned minlen = 255;
    for (size_t i = lo; i < hi; i++)
        if (p[i].len < minlen)
            minlen = p[i].len;
    unsigned k = 0;
    /* Sorted, so the first and last agree on a byte only if all do. */
    while (8 * (d + k + 1) <= minlen && p[lo].key[d + k] == p[hi - 1].key[d + k])
        k++;
    return k;
}

/* A SKIP node for the k bytes from d, then what follows them. */
static int build_skip(intel_lpm_t *t, const intel_prefix_t *p, size_t lo, size_t hi, unsigned d,
                      unsigned k, uint32_t dflt, uint32_t *entry)
{
    unsigned at = d + k;
    uint32_t next = dflt;
    /* A prefix ending exactly after the shared bytes (sorted first) covers
     * everything below: it is the default from here on. */
    while (lo < hi && p[lo].len == 8 * at)
        next = p[lo++].leaf;
    if (lo < hi) {
        int rc = build_node(t, p, lo, hi, at, next, &next);
        if (rc)
            return rc;
    }
    unsigned w = (k + 3) / 4;
    int rc = pool_reserve(t, 1 + w + 2);
    if (rc)
        return rc;
    uint32_t *node = t->pool + t->pool_len;
    memset(node, 0, (1 + w + 2) * sizeof *node);
    node[0] = INTEL_LPM_SKIP | k << 8;
    memcpy(node + 1, p[hi - 1].key + d, k);
    node[1 + w] = next;
    node[2 + w] = dflt;
    *entry = INTEL_LPM_CHILD | (uint32_t)t->pool_len;
    t->pool_len += 1 + w + 2;
    return CANH_OK;
}

/* p[lo, hi) share their first d bytes and are all longer than 8*d bits.
 * Builds the node resolving byte d over the default dflt. */
static int build_node(intel_lpm_t *t, const intel_prefix_t *p, size_t lo, size_t hi, unsigned d,
                      uint32_t dflt, uint32_t *entry)
{
    unsigned skip = shared_bytes(p, lo, hi, d);
    if (skip > 0)
        return build_skip(t, p, lo, hi, d, skip, dflt, entry);
    uint32_t vals[256];
    unsigned end = 8 * (d + 1); /* prefixes up to this length end in this node */
    for (unsigned b = 0; b < 256; b++)
        vals[b] = dflt;
    for (size_t i = lo; i < hi; i++)
        if (p[i].len <= end) {
            unsigned from = p[i].key[d], span = 1u << (end - p[i].len);
            for (unsigned b = from; b < from + span; b++)
                vals[b] = p[i].leaf;
        }
    /* The longer ones, grouped by byte d. Within a group the ones ending
     * here have byte d followed by zeros, so they sort first: the rest is
     * contiguous. */
    for (size_t i = lo; i < hi;) {
        unsigned b = p[i].key[d];
        size_t j = i;
        while (j < hi && p[j].key[d] == b)
            j++;
        size_t k = i;
        while (k < j && p[k].len <= end)
            k++;
        if (k < j) {
            int rc = build_node(t, p, k, j, d + 1, vals[b], &vals[b]);
            if (rc)
                return rc;
        }
        i = j;
    }
    return emit_node(t, vals, entry);
}

int intel_lpm_build(intel_lpm_t *t, const intel_prefix_t *p, size_t n, unsigned width,
                    unsigned stride)
{
    memset(t, 0, sizeof *t);
    t->width = width;
    t->stride = stride;
    if (n == 0)
        return CANH_OK;
    if ((stride != 16 && stride != 24) || stride >= 8 * width)
        return CANH_EINVAL;
    size_t entries = (size_t)1 << stride, bytes = entries * sizeof(uint32_t);
    /* A large root is read at random: back it with huge pages where the
     * kernel offers them (advice only, so failure does not matter). */
    size_t extra = bytes >= HUGE_PAGE ? HUGE_PAGE : 0;
    t->root_mem = canh_malloc(bytes + extra);
    if (!t->root_mem)
        return CANH_ENOMEM;
    t->root_size = bytes + extra;
    uintptr_t a = (uintptr_t)t->root_mem;
    if (extra) {
        a = (a + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        advise_huge((void *)a, bytes);
    }
    t->root = (uint32_t *)a;
    memset(t->root, 0, bytes);

    unsigned sb = stride / 8;
    for (size_t i = 0; i < n; i++)
        if (p[i].len <= stride) {
            uint32_t from = key_bits(p[i].key, sb), span = 1u << (stride - p[i].len);
            uint32_t v = p[i].leaf;
            for (uint32_t e = from; e < from + span; e++)
                t->root[e] = v;
        }
    int rc = CANH_OK;
    for (size_t i = 0; i < n;) {
        uint32_t slot = key_bits(p[i].key, sb);
        size_t j = i;
        while (j < n && key_bits(p[j].key, sb) == slot)
            j++;
        size_t k = i;
        while (k < j && p[k].len <= stride)
            k++;
        if (k < j) {
            rc = build_node(t, p, k, j, sb, t->root[slot], &t->root[slot]);
            if (rc)
                goto out;
        }
        i = j;
    }
    if (t->pool_len < t->pool_cap) {
        /* Give back the doubling slack; keep the pool if realloc fails. */
        uint32_t *q = canh_reallocarray(t->pool, t->pool_len ? t->pool_len : 1, sizeof *q);
        if (q) {
            t->pool = q;
            t->pool_cap = t->pool_len ? t->pool_len : 1;
        }
    }
out:
    if (rc)
        intel_lpm_fini(t);
    return rc;
}
