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
static inline size_t emit_group(const canh_intel_snap_t *s, uint32_t m, uint32_t cnt,
                                uint32_t *ids, size_t max, size_t k)
{
    if (cnt == 1) {
        if (k < max)
            ids[k] = m;
        return k + 1;
    }
    return emit(ids, max, k, s->members + m, cnt);
}

static inline size_t emit_node(const canh_intel_snap_t *s, uint32_t nid, uint32_t *ids,
                               size_t max, size_t k)
{
    return emit_group(s, s->pn[nid].m, s->pn[nid].count, ids, max, k);
}

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* The longest covering prefix node id + 1, or 0. An IPv4-mapped IPv6
 * address is looked up as the IPv4 address it carries. */
static inline uint32_t longest(const canh_intel_snap_t *s, const uint8_t *addr, bool v6)
{
    if (v6 && memcmp(addr, v4mapped, sizeof v4mapped) == 0)
        return intel_lpm_lookup(&s->v4, addr + 12);
    return intel_lpm_lookup(v6 ? &s->v6 : &s->v4, addr);
}

/* Every prefix on the chain from leaf e (node id + 1) up. */
static size_t walk(const canh_intel_snap_t *s, uint32_t e, uint32_t *ids, size_t max, size_t k)
{
    for (; e; e = s->pn[e - 1].parent)
        k = emit_node(s, e - 1, ids, max, k);
    return k;
}

size_t canh_intel_match_ip(const canh_intel_snap_t *s, const uint8_t *addr, bool v6,
                           uint32_t *ids, size_t max)
{
    if (!s || !addr)
        return 0;
    return walk(s, longest(s, addr, v6), ids, max, 0);
}

size_t canh_intel_match_ip_longest(const canh_intel_snap_t *s, const uint8_t *addr, bool v6,
                                   uint32_t *ids, size_t max)
{
    if (!s || !addr)
        return 0;
    uint32_t e = longest(s, addr, v6);
    return e ? emit_node(s, e - 1, ids, max, 0) : 0;
}

/* An address, or a CIDR: the prefixes no longer than it that cover it. */
static size_t match_ip_parsed(const canh_intel_snap_t *s, const intel_ip_t *ip, uint32_t *ids,
                              size_t max, size_t k)
{
    uint32_t e = intel_lpm_lookup(ip->v6 ? &s->v6 : &s->v4, ip->addr);
    while (e && s->pn_len[e - 1] > ip->len)
        e = s->pn[e - 1].parent;
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

static size_t match_domain(const canh_intel_snap_t *s, canh_str_t name, uint32_t *ids,
                           size_t max, size_t k)
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
            hash[labels] = h;
            start[labels++] = (uint8_t)(i - 1);
        }
    }
    for (size_t l = labels; l > 0; l--) {
        size_t at = start[l - 1];
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

size_t canh_intel_match_url(const canh_intel_snap_t *s, canh_str_t url, uint32_t *ids,
                            size_t max)
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
    return intel_hashset_match(&s->hs[t - CANH_IOC_MD5], d, ids, max, 0);
}

size_t canh_intel_match_hash(const canh_intel_snap_t *s, canh_str_t hex, uint32_t *ids,
                             size_t max)
{
    if (!s || !hex.p)
        return 0;
    return match_hash(s, canh_str_trim(hex), ids, max);
}

size_t canh_intel_match_any(const canh_intel_snap_t *s, canh_str_t value, uint32_t *ids,
                            size_t max)
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
