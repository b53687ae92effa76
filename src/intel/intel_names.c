/* intel_names.c - the name tables (domains, URLs) of a snapshot: building
 * and probing. The layout is described in intel_int.h. */
#include "canh/mem.h"
#include "intel_int.h"

uint64_t intel_hash_str(const char *s, size_t n)
{
    uint64_t h = INTEL_FNV_OFFSET;
    for (size_t i = n; i > 0; i--)
        h = intel_hash_step(h, (unsigned char)s[i - 1]);
    return h;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

/* True if the NUL-terminated v is exactly key[0..n). key may hold any
 * bytes, NUL included, so v's length is checked before comparing. */
static inline bool same(const char *v, const char *key, size_t n)
{
    return strnlen(v, n + 1) == n && memcmp(v, key, n) == 0;
}

void intel_strtab_fini(intel_strtab_t *t)
{
    canh_free(t->slots);
    canh_free(t->rec);
    memset(t, 0, sizeof *t);
}

size_t intel_strtab_memory(const intel_strtab_t *t)
{
    if (!t->slots)
        return 0;
    return ((size_t)t->mask + 1) * sizeof(uint64_t) + t->rec_len * sizeof(uint32_t);
}

const uint32_t *intel_strtab_find(const intel_strtab_t *t, uint64_t h, const char *key, size_t n)
{
    if (!t->slots)
        return NULL;
    h = intel_hash_final(h);
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t e = t->slots[i];
        if (!e)
            return NULL;
        if ((uint32_t)(e >> 32) == tag) {
            const uint32_t *r = t->rec + (uint32_t)e - 1;
            if (r[2] == n && memcmp(r + 3, key, n) == 0)
                return r;
        }
    }
}

int intel_strtab_build(canh_intel_snap_t *s, intel_strtab_t *t, canh_ioc_type_t type, size_t *pos)
{
    memset(t, 0, sizeof *t);
    size_t m = 0;
    for (size_t i = 0; i < s->count; i++)
        m += s->ind[i].type == type;
    if (m == 0)
        return CANH_OK;
    int rc = CANH_ENOMEM;
    size_t cap = pow2_at_least(2 * m);
    uint32_t *gkey = canh_malloc(m * sizeof *gkey);    /* first indicator of each group */
    uint32_t *gcount = canh_calloc(m, sizeof *gcount); /* indicators per group */
    uint32_t *gid = canh_malloc(m * sizeof *gid);      /* group of the j-th name */
    size_t *goff = canh_malloc(m * sizeof *goff);      /* record offset of each group */
    t->slots = intel_table_alloc(cap, sizeof *t->slots);
    if (!gkey || !gcount || !gid || !goff || !t->slots)
        goto out;
    t->mask = (uint32_t)(cap - 1);
    uint32_t ng = 0;
    size_t j = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (s->ind[i].type != type)
            continue;
        const char *v = s->ind[i].value;
        size_t n = strlen(v);
        uint64_t h = intel_hash_final(intel_hash_str(v, n));
        uint32_t tag = (uint32_t)(h >> 32), g = UINT32_MAX;
        size_t k = (size_t)h & t->mask;
        for (;; k = (k + 1) & t->mask) {
            uint64_t e = t->slots[k];
            if (!e)
                break;
            if ((uint32_t)(e >> 32) == tag && same(s->ind[gkey[(uint32_t)e - 1]].value, v, n)) {
                g = (uint32_t)e - 1;
                break;
            }
        }
        if (g == UINT32_MAX) {
            g = ng++;
            gkey[g] = (uint32_t)i;
            t->slots[k] = (uint64_t)tag << 32 | (g + 1);
        }
        gid[j++] = g;
        gcount[g]++;
    }
    t->ngroups = ng;
    /* Lay out the records, and the member lists of shared names. */
    size_t words = 0, at = *pos;
    for (uint32_t g = 0; g < ng; g++) {
        goff[g] = words;
        words += 3 + (strlen(s->ind[gkey[g]].value) + 3) / 4;
    }
    if (words >= UINT32_MAX) {
        rc = CANH_ELIMIT;
        goto out;
    }
    t->rec = intel_table_alloc(words, sizeof *t->rec);
    if (!t->rec)
        goto out;
    t->rec_len = words;
    for (uint32_t g = 0; g < ng; g++) {
        uint32_t *r = t->rec + goff[g];
        const char *v = s->ind[gkey[g]].value;
        size_t n = strlen(v);
        r[1] = gcount[g];
        r[2] = (uint32_t)n;
        memcpy(r + 3, v, n);
        if (gcount[g] == 1) {
            r[0] = gkey[g];
        } else {
            r[0] = (uint32_t)at;
            at += gcount[g];
        }
        gcount[g] = 0; /* now the fill cursor */
    }
    j = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (s->ind[i].type != type)
            continue;
        uint32_t g = gid[j++];
        const uint32_t *r = t->rec + goff[g];
        if (r[1] > 1)
            s->members[r[0] + gcount[g]++] = (uint32_t)i;
    }
    for (size_t k = 0; k < cap; k++)
        if (t->slots[k])
            t->slots[k] =
                (t->slots[k] & ~(uint64_t)UINT32_MAX) | (goff[(uint32_t)t->slots[k] - 1] + 1);
    *pos = at;
    rc = CANH_OK;
out:
    canh_free(gkey);
    canh_free(gcount);
    canh_free(gid);
    canh_free(goff);
    if (rc)
        intel_strtab_fini(t);
    return rc;
}
