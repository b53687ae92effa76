/* intel_match.c - lookups in a snapshot. They read only immutable data,
 * never allocate and never block; scratch lives on the stack (at most
 * CANH_INTEL_MAX_VALUE bytes for a URL). */
#include "intel_int.h"

/* Appends cnt indices to ids[k..max); returns k + cnt (the running total,
 * which may pass max). */
static inline size_t emit(uint32_t *ids, size_t max, size_t k, const uint32_t *m, size_t cnt)
{
    for (size_t i = 0; i < cnt && k + i < max; i++)
        ids[k + i] = m[i];
    return k + cnt;
}

/* Emits a group of cnt indicators: m is the index itself when cnt is 1
 * (no read of members), else where the indices start in members. */
static inline size_t emit_group(const canh_intel_snap_t *s, uint32_t m, uint32_t cnt, uint32_t *ids,
                                size_t max, size_t k)
{
    if (cnt == 1) {
        if (k < max)
            ids[k] = m;
        return k + 1;
    }
    return emit(ids, max, k, s->members + m, cnt);
}

/* Emits the indicators of leaf e; returns its parent link through up. */
static inline size_t emit_leaf(const canh_intel_snap_t *s, uint32_t e, uint32_t *ids, size_t max,
                               size_t k, uint32_t *up)
{
    if (e & INTEL_LEAF_DIRECT) {
        uint32_t i = e & INTEL_LEAF_MASK;
        if (k < max)
            ids[k] = i;
        if (up)
            *up = e & INTEL_LEAF_TOP ? 0 : s->ip_parent[i];
        return k + 1;
    }
    const intel_pnode_t *q = &s->pn[e - 1];
    if (up)
        *up = q->parent;
    return emit_group(s, q->m, q->count, ids, max, k);
}

static inline unsigned leaf_len(const canh_intel_snap_t *s, uint32_t e)
{
    return e & INTEL_LEAF_DIRECT ? s->ip_len[e & INTEL_LEAF_MASK] : s->pn_len[e - 1];
}

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Every prefix on the chain from leaf e up. */
static size_t walk(const canh_intel_snap_t *s, uint32_t e, uint32_t *ids, size_t max, size_t k)
{
    while (e)
        k = emit_leaf(s, e, ids, max, k, &e);
    return k;
}

/* The common outcomes of an IP lookup, no match and a prefix listed once,
 * take one path without a branch on which it was: with a large table a
 * random address is a hit or a miss about as often, and a mispredicted
 * branch on a value just loaded from memory stalls the core for the whole
 * memory latency. ids[0] may be written (0) on a miss. */
static inline bool fast(uint32_t e, uint32_t flags)
{
    /* Arithmetic, so that the compiler emits one branch on the combined
     * test rather than one per case: a miss behaves as if it had flags; a
     * child entry (bit 31) never passes. */
    uint32_t none = (uint32_t)0 - (uint32_t)(e == 0);
    return ((e | (none & flags)) & (flags | INTEL_LPM_CHILD)) == flags;
}
#define FAST_LEAF(e, top) fast(e, INTEL_LEAF_DIRECT | (top))

static inline size_t fast_leaf(uint32_t e, uint32_t *ids, size_t max)
{
    if (max)
        ids[0] = e & INTEL_LEAF_MASK;
    return e != 0;
}

/* Everything but the fast case: e is the root entry for key at byte d. */
static size_t ip_rest(const canh_intel_snap_t *s, const intel_lpm_t *t, const uint8_t *key,
                      uint32_t e, unsigned d, bool all, uint32_t *ids, size_t max)
{
    if (e & INTEL_LPM_CHILD)
        e = intel_lpm_walk(t, key, e, d);
    if (FAST_LEAF(e, all ? INTEL_LEAF_TOP : 0))
        return fast_leaf(e, ids, max);
    return all ? walk(s, e, ids, max, 0) : emit_leaf(s, e, ids, max, 0, NULL);
}

/* The root table read and the fast case inline, the rest in ip_rest (a
 * tail call): the common lookup is a short leaf function, with no frame to
 * set up, so that many can be in flight at once. */
__attribute__((always_inline)) static inline size_t match_ip(const canh_intel_snap_t *s,
                                                             const uint8_t *addr, bool v6, bool all,
                                                             uint32_t *ids, size_t max)
{
    if (!s || !addr)
        return 0;
    if (v6 && memcmp(addr, v4mapped, sizeof v4mapped) == 0) {
        addr += 12;
        v6 = false;
    }
    const intel_lpm_t *t = v6 ? &s->v6 : &s->v4;
    if (!t->root)
        return 0;
    uint32_t e;
    unsigned d;
    if (t->stride == 24) {
        e = t->root[(uint32_t)addr[0] << 16 | (uint32_t)addr[1] << 8 | addr[2]];
        d = 3;
    } else {
        e = t->root[(uint32_t)addr[0] << 8 | addr[1]];
        d = 2;
    }
    if (FAST_LEAF(e, all ? INTEL_LEAF_TOP : 0))
        return fast_leaf(e, ids, max);
    return ip_rest(s, t, addr, e, d, all, ids, max);
}

size_t canh_intel_match_ip(const canh_intel_snap_t *s, const uint8_t *addr, bool v6, uint32_t *ids,
                           size_t max)
{
    return match_ip(s, addr, v6, true, ids, max);
}

size_t canh_intel_match_ip_longest(const canh_intel_snap_t *s, const uint8_t *addr, bool v6,
                                   uint32_t *ids, size_t max)
{
    return match_ip(s, addr, v6, false, ids, max);
}

/* An address, or a CIDR: the prefixes no longer than it that cover it. */
static size_t match_ip_parsed(const canh_intel_snap_t *s, const intel_ip_t *ip, uint32_t *ids,
                              size_t max, size_t k)
{
    uint32_t e = intel_lpm_lookup(ip->v6 ? &s->v6 : &s->v4, ip->addr);
    while (e && leaf_len(s, e) > ip->len)
        emit_leaf(s, e, NULL, 0, 0, &e);
    return walk(s, e, ids, max, k);
}

size_t canh_intel_match_ip_str(const canh_intel_snap_t *s, canh_str_t text, uint32_t *ids,
                               size_t max)
{
    intel_ip_t ip;
    if (!s || intel_ip_parse(canh_str_trim(text), false, &ip, NULL) != CANH_OK)
        return 0;
    return match_ip_parsed(s, &ip, ids, max, 0);
}

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static size_t match_domain(const canh_intel_snap_t *s, canh_str_t name, uint32_t *ids, size_t max,
                           size_t k)
{
    if (!s->dom.slots || !name.p)
        return k;
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    /* No stored name is longer than 253: start at the first label of a
     * longer name whose suffix could still be one. */
    while (name.n > 253) {
        const char *dot = memchr(name.p, '.', name.n);
        if (!dot)
            return k;
        name = canh_str_sub(name, (size_t)(dot - name.p) + 1, name.n);
    }
    if (name.n == 0)
        return k;
    char buf[253];
    uint64_t hash[253];
    uint8_t start[253];
    size_t n = name.n, labels = 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = lower(name.p[i]);
    /* Hashes of every suffix that starts a label, from the right, in one
     * pass; then probed from the longest (the name itself) to the shortest. */
    uint64_t h = INTEL_FNV_OFFSET;
    for (size_t i = n; i > 0; i--) {
        h = intel_hash_step(h, (unsigned char)buf[i - 1]);
        if (i == 1 || buf[i - 2] == '.') {
            intel_strtab_prefetch(&s->dom, h);
            hash[labels] = h;
            start[labels++] = (uint8_t)(i - 1);
        }
    }
    for (size_t l = labels; l > 0; l--) {
        size_t at = start[l - 1]; /* cppcheck-suppress uninitvar ; labels > 0: set above */
        const uint32_t *r = intel_strtab_find(&s->dom, hash[l - 1], buf + at, n - at);
        if (r)
            k = emit_group(s, r[0], r[1], ids, max, k);
    }
    return k;
}

size_t canh_intel_match_domain(const canh_intel_snap_t *s, canh_str_t name, uint32_t *ids,
                               size_t max)
{
    return s ? match_domain(s, name, ids, max, 0) : 0;
}

size_t canh_intel_match_url(const canh_intel_snap_t *s, canh_str_t url, uint32_t *ids, size_t max)
{
    if (!s || !url.p)
        return 0;
    char norm[CANH_INTEL_MAX_VALUE + 1];
    size_t k = 0;
    canh_str_t u = canh_str_trim(url);
    if (canh_ioc_normalize(u, CANH_IOC_URL, norm, sizeof norm, NULL) == CANH_IOC_URL) {
        u = canh_str_c(norm);
        const uint32_t *r = intel_strtab_find(&s->url, intel_hash_str(u.p, u.n), u.p, u.n);
        if (r)
            k = emit_group(s, r[0], r[1], ids, max, k);
    }
    /* The host, as an IP or a domain indicator (from the raw text when the
     * URL would not normalise, e.g. one longer than the limit). */
    canh_str_t host;
    if (!intel_url_host(u, &host))
        return k;
    intel_ip_t ip;
    if (intel_ip_parse(host, false, &ip, NULL) == CANH_OK)
        return match_ip_parsed(s, &ip, ids, max, k);
    return match_domain(s, host, ids, max, k);
}

static size_t match_hash(const canh_intel_snap_t *s, canh_str_t hex, uint32_t *ids, size_t max)
{
    canh_ioc_type_t t = intel_hash_type(hex.n);
    uint8_t d[32];
    if (t == CANH_IOC_NONE || !intel_hex_decode(hex.p, hex.n / 2, d))
        return 0;
    return intel_hashset_match(s, &s->hs[t - CANH_IOC_MD5], d, ids, max, 0);
}

size_t canh_intel_match_hash(const canh_intel_snap_t *s, canh_str_t hex, uint32_t *ids, size_t max)
{
    if (!s || !hex.p)
        return 0;
    return match_hash(s, canh_str_trim(hex), ids, max);
}

size_t canh_intel_match_any(const canh_intel_snap_t *s, canh_str_t value, uint32_t *ids, size_t max)
{
    if (!s || !value.p)
        return 0;
    char norm[CANH_INTEL_MAX_VALUE + 1];
    canh_ioc_type_t t = canh_ioc_normalize(value, CANH_IOC_NONE, norm, sizeof norm, NULL);
    if (t == CANH_IOC_NONE)
        return 0; /* norm is unset */
    canh_str_t v = canh_str_c(norm);
    switch (t) {
    case CANH_IOC_IP: {
        intel_ip_t ip;
        if (intel_ip_parse(v, true, &ip, NULL) != CANH_OK)
            return 0;
        return match_ip_parsed(s, &ip, ids, max, 0);
    }
    case CANH_IOC_DOMAIN: return match_domain(s, v, ids, max, 0);
    case CANH_IOC_URL: return canh_intel_match_url(s, v, ids, max);
    case CANH_IOC_MD5:
    case CANH_IOC_SHA1:
    case CANH_IOC_SHA256: return match_hash(s, v, ids, max);
    default: return 0;
    }
}
