/* intel_snap.c - building a lookup snapshot from indicators: the copies and
 * their strings, the prefix nodes and tries, the name tables, the hash
 * sets. Lookups are in intel_match.c, the atomic swap in intel_swap.c. */
#include <stdlib.h>

#include "canh/mem.h"
#include "intel_int.h"

/* At and above this many distinct IPv4 prefixes the root table resolves 24
 * bits (64 MiB, one read per lookup for nearly every address); below it, 16
 * bits (256 KiB). See docs/benchmarks-intel.md for the measurements. */
#define V4_STRIDE24_MIN 65536u

#define NO_STR UINT32_MAX

/* ---- the string block ------------------------------------------------------- */

typedef struct strings {
    char *p;
    size_t len, cap;
    uint32_t *intern; /* offset + 1 of interned strings; 0 = empty slot */
    size_t imask, iused;
} strings_t;

static int str_add(strings_t *b, const char *s, size_t n, uint32_t *off)
{
    if (n + 1 > CANH_INTEL_MAX_STRINGS - b->len)
        return CANH_ELIMIT;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = canh_realloc(b->p, cap);
        if (!p)
            return CANH_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->p[b->len + n] = '\0';
    *off = (uint32_t)b->len;
    b->len += n + 1;
    return CANH_OK;
}

/* Sources, threats and families repeat on every row of a feed: each
 * distinct text is stored once. */
static int str_intern(strings_t *b, const char *s, uint32_t *off)
{
    if (!s) {
        *off = NO_STR;
        return CANH_OK;
    }
    if (2 * (b->iused + 1) > b->imask + 1) {
        size_t cap = b->imask ? 2 * (b->imask + 1) : 64;
        uint32_t *t = canh_calloc(cap, sizeof *t);
        if (!t)
            return CANH_ENOMEM;
        for (size_t i = 0; b->imask && i <= b->imask; i++) {
            if (!b->intern[i])
                continue;
            const char *v = b->p + b->intern[i] - 1;
            size_t k = (size_t)intel_hash_final(intel_hash_str(v, strlen(v))) & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = b->intern[i];
        }
        canh_free(b->intern);
        b->intern = t;
        b->imask = cap - 1;
    }
    size_t n = strlen(s);
    size_t k = (size_t)intel_hash_final(intel_hash_str(s, n)) & b->imask;
    for (; b->intern[k]; k = (k + 1) & b->imask)
        if (strcmp(b->p + b->intern[k] - 1, s) == 0) {
            *off = b->intern[k] - 1;
            return CANH_OK;
        }
    int rc = str_add(b, s, n, off);
    if (rc)
        return rc;
    b->intern[k] = *off + 1; /* offsets stay below CANH_INTEL_MAX_STRINGS */
    b->iused++;
    return CANH_OK;
}

/* ---- copying the indicators -------------------------------------------------- */

typedef struct offs {
    uint32_t value, source, threat, family, extra;
} offs_t;

static int copy_indicators(canh_intel_snap_t *s, const canh_indicator_t *ind, size_t n, int64_t now,
                           canh_errbuf_t *eb)
{
    int rc = CANH_ENOMEM;
    strings_t b = {0};
    offs_t *o = canh_malloc((n ? n : 1) * sizeof *o);
    s->ind = intel_table_alloc(n ? n : 1, sizeof *s->ind);
    char norm[CANH_INTEL_MAX_VALUE + 1];
    if (!o || !s->ind)
        goto out;
    for (size_t i = 0; i < n; i++) {
        const canh_indicator_t *src = &ind[i];
        if (src->expires && src->expires <= now) {
            s->expired++;
            continue;
        }
        canh_ioc_type_t t = CANH_IOC_NONE;
        if (src->value)
            t = canh_ioc_normalize(canh_str_c(src->value), src->type, norm, sizeof norm, NULL);
        if (t == CANH_IOC_NONE) {
            s->malformed++;
            continue;
        }
        size_t k = s->count;
        offs_t *ok = &o[k];
        rc = str_add(&b, norm, strlen(norm), &ok->value);
        if (!rc)
            rc = str_intern(&b, src->source, &ok->source);
        if (!rc)
            rc = str_intern(&b, src->threat, &ok->threat);
        if (!rc)
            rc = str_intern(&b, src->family, &ok->family);
        ok->extra = NO_STR;
        if (!rc && src->extra)
            rc = str_add(&b, src->extra, strlen(src->extra), &ok->extra);
        if (rc) {
            if (rc == CANH_ELIMIT)
                canh_errf(eb, rc, "intel snapshot: indicator strings exceed %u bytes",
                          CANH_INTEL_MAX_STRINGS);
            goto out;
        }
        canh_indicator_t *d = &s->ind[k];
        *d = *src;
        d->type = t;
        s->count++;
    }
    /* The block is complete: now its address is final. */
    if (b.cap > b.len + 1) {
        char *p = canh_realloc(b.p, b.len ? b.len : 1);
        if (p) {
            b.p = p;
            b.cap = b.len ? b.len : 1;
        }
    }
    s->strings = b.p;
    s->strings_size = b.cap;
    b.p = NULL;
#define PTR(x) ((x) == NO_STR ? NULL : s->strings + (x))
    for (size_t k = 0; k < s->count; k++) {
        canh_indicator_t *d = &s->ind[k];
        d->value = PTR(o[k].value);
        d->source = PTR(o[k].source);
        d->threat = PTR(o[k].threat);
        d->family = PTR(o[k].family);
        d->extra = PTR(o[k].extra);
    }
#undef PTR
    if (s->count < n) {
        canh_indicator_t *p = canh_reallocarray(s->ind, s->count ? s->count : 1, sizeof *p);
        if (p)
            s->ind = p;
    }
    rc = CANH_OK;
out:
    if (rc == CANH_ENOMEM)
        canh_errf(eb, rc, "intel snapshot: out of memory copying %zu indicators", n);
    canh_free(b.p);
    canh_free(b.intern);
    canh_free(o);
    return rc;
}

/* ---- IP prefixes -------------------------------------------------------------- */

typedef struct v6rec {
    uint8_t key[16];
    uint8_t len;
    uint32_t idx;
} v6rec_t;

static int cmp_v6(const void *a, const void *b)
{
    const v6rec_t *x = a, *y = b;
    int r = memcmp(x->key, y->key, 16);
    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Stable LSD radix sort of (key, val) pairs on the low `bytes` bytes of key. */
static int radix_sort(uint64_t *key, uint32_t *val, size_t n, unsigned bytes)
{
    uint64_t *k2 = canh_malloc((n ? n : 1) * sizeof *k2);
    uint32_t *v2 = canh_malloc((n ? n : 1) * sizeof *v2);
    if (!k2 || !v2) {
        canh_free(k2);
        canh_free(v2);
        return CANH_ENOMEM;
    }
    for (unsigned byte = 0; byte < bytes; byte++) {
        size_t cnt[257] = {0};
        unsigned sh = 8 * byte;
        for (size_t i = 0; i < n; i++)
            cnt[((key[i] >> sh) & 0xff) + 1]++;
        bool one = false;
        for (unsigned c = 1; c <= 256; c++)
            if (cnt[c] == n)
                one = true;
        if (one)
            continue; /* every key has the same byte here */
        for (unsigned c = 0; c < 256; c++)
            cnt[c + 1] += cnt[c];
        for (size_t i = 0; i < n; i++) {
            size_t at = cnt[(key[i] >> sh) & 0xff]++;
            k2[at] = key[i];
            v2[at] = val[i];
        }
        memcpy(key, k2, n * sizeof *key);
        memcpy(val, v2, n * sizeof *val);
    }
    canh_free(k2);
    canh_free(v2);
    return CANH_OK;
}

static bool covers(const intel_prefix_t *a, const intel_prefix_t *b)
{
    if (a->len > b->len)
        return false;
    unsigned full = a->len / 8, rest = a->len % 8;
    if (memcmp(a->key, b->key, full) != 0)
        return false;
    return !rest || ((a->key[full] ^ b->key[full]) & (0xff00u >> rest)) == 0;
}

/* Turns the sorted (prefix, indicator) list of one family into prefix
 * nodes (ids from *nid on) and compacts p to the distinct prefixes, each
 * with its leaf value. Parents come from a stack walk over the sorted order
 * (a preorder of the containment forest). A prefix listed once becomes a
 * direct leaf; the indices of a shared prefix go to members from *pos on. */
static void make_nodes(canh_intel_snap_t *s, intel_prefix_t *p, size_t *np, const uint32_t *idx,
                       size_t n, uint32_t *nid, size_t *pos)
{
    uint32_t stack[130], first = *nid;
    size_t sp = 0, out = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || p[i].len != p[out - 1].len || memcmp(p[i].key, p[out - 1].key, 16) != 0) {
            intel_prefix_t cur = p[i];
            uint32_t id = (*nid)++;
            cur.leaf = id; /* for now: the node id */
            while (sp && !covers(&p[stack[sp - 1]], &cur))
                sp--;
            s->pn[id].parent = sp ? p[stack[sp - 1]].leaf + 1 : 0;
            s->pn[id].m = (uint32_t)i; /* position in idx, for now */
            s->pn[id].count = 0;
            s->pn_len[id] = cur.len;
            p[out] = cur;
            stack[sp++] = (uint32_t)out;
            out++;
        }
        s->pn[*nid - 1].count++;
    }
    /* Parents have smaller ids than their children, so a parent's leaf
     * value is final when its children are converted. */
    for (uint32_t id = first; id < *nid; id++) {
        intel_pnode_t *q = &s->pn[id];
        if (q->parent) {
            const intel_pnode_t *up = &s->pn[q->parent - 1];
            q->parent = up->count == 1
                            ? INTEL_LEAF_DIRECT | (up->parent ? 0 : INTEL_LEAF_TOP) | up->m
                            : q->parent;
        }
        if (q->count == 1) {
            q->m = idx[q->m];
            s->ip_parent[q->m] = q->parent;
            s->ip_len[q->m] = s->pn_len[id];
        } else {
            memcpy(s->members + *pos, idx + q->m, q->count * sizeof *idx);
            q->m = (uint32_t)*pos;
            *pos += q->count;
        }
    }
    for (size_t k = 0; k < out; k++) {
        const intel_pnode_t *q = &s->pn[p[k].leaf];
        p[k].leaf = q->count == 1 ? INTEL_LEAF_DIRECT | (q->parent ? 0 : INTEL_LEAF_TOP) | q->m
                                  : p[k].leaf + 1;
    }
    *np = out;
}

static int build_ips(canh_intel_snap_t *s, unsigned v4_stride, canh_errbuf_t *eb, size_t *pos)
{
    int rc = CANH_ENOMEM;
    size_t n4 = 0, n6 = 0;
    for (size_t i = 0; i < s->count; i++)
        if (s->ind[i].type == CANH_IOC_IP) {
            if (strchr(s->ind[i].value, ':'))
                n6++;
            else
                n4++;
        }
    uint64_t *k4 = canh_malloc((n4 ? n4 : 1) * sizeof *k4);
    uint32_t *i4 = canh_malloc((n4 ? n4 : 1) * sizeof *i4);
    v6rec_t *r6 = canh_malloc((n6 ? n6 : 1) * sizeof *r6);
    intel_prefix_t *p = canh_malloc((n4 > n6 ? n4 : n6 ? n6 : 1) * sizeof *p);
    uint32_t *i6 = canh_malloc((n6 ? n6 : 1) * sizeof *i6);
    size_t total = n4 + n6;
    s->pn = intel_table_alloc(total ? total : 1, sizeof *s->pn);
    s->pn_len = canh_malloc(total ? total : 1);
    s->ip_parent = intel_table_alloc(total ? s->count : 1, sizeof *s->ip_parent);
    s->ip_len = canh_calloc(total ? s->count : 1, 1);
    if (!k4 || !i4 || !r6 || !p || !i6 || !s->pn || !s->pn_len || !s->ip_parent || !s->ip_len)
        goto out;
    size_t a = 0, c = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (s->ind[i].type != CANH_IOC_IP)
            continue;
        intel_ip_t ip;
        rc = intel_ip_parse(canh_str_c(s->ind[i].value), true, &ip, eb);
        if (rc)
            goto out; /* cannot happen: the value was normalised */
        if (ip.v6) {
            memcpy(r6[c].key, ip.addr, 16);
            r6[c].len = ip.len;
            r6[c++].idx = (uint32_t)i;
        } else {
            uint32_t v = (uint32_t)ip.addr[0] << 24 | (uint32_t)ip.addr[1] << 16 |
                         (uint32_t)ip.addr[2] << 8 | ip.addr[3];
            k4[a] = (uint64_t)v << 8 | ip.len;
            i4[a++] = (uint32_t)i;
        }
    }
    rc = radix_sort(k4, i4, n4, 5);
    if (rc)
        goto out;
    uint32_t nid = 0;
    size_t np;

    for (size_t i = 0; i < n4; i++) {
        uint32_t v = (uint32_t)(k4[i] >> 8);
        memset(&p[i], 0, sizeof p[i]);
        p[i].key[0] = (uint8_t)(v >> 24);
        p[i].key[1] = (uint8_t)(v >> 16);
        p[i].key[2] = (uint8_t)(v >> 8);
        p[i].key[3] = (uint8_t)v;
        p[i].len = (uint8_t)(k4[i] & 0xff);
    }
    make_nodes(s, p, &np, i4, n4, &nid, pos);
    s->n4 = nid;
    if (v4_stride == 0)
        v4_stride = np >= V4_STRIDE24_MIN ? 24 : 16;
    rc = intel_lpm_build(&s->v4, p, np, 4, v4_stride);
    if (rc)
        goto out;

    qsort(r6, n6, sizeof *r6, cmp_v6);
    for (size_t i = 0; i < n6; i++) {
        memset(&p[i], 0, sizeof p[i]);
        memcpy(p[i].key, r6[i].key, 16);
        p[i].len = r6[i].len;
        i6[i] = r6[i].idx;
    }
    make_nodes(s, p, &np, i6, n6, &nid, pos);
    rc = intel_lpm_build(&s->v6, p, np, 16, 16);
    if (rc)
        goto out;
    s->npn = nid;
out:
    if (rc == CANH_ENOMEM)
        canh_errf(eb, rc, "intel snapshot: out of memory building IP tables");
    else if (rc == CANH_ELIMIT)
        canh_errf(eb, rc, "intel snapshot: IP tables too large");
    canh_free(k4);
    canh_free(i4);
    canh_free(r6);
    canh_free(p);
    canh_free(i6);
    return rc;
}

/* ---- the snapshot --------------------------------------------------------------- */

int intel_snap_build(const canh_indicator_t *ind, size_t n, int64_t now, unsigned v4_stride,
                     canh_intel_snap_t **out, canh_errbuf_t *eb)
{
    if (!out || (n && !ind) || (v4_stride && v4_stride != 16 && v4_stride != 24))
        return canh_errf(eb, CANH_EINVAL, "intel snapshot: invalid arguments");
    if (n > CANH_INTEL_MAX_INDICATORS)
        return canh_errf(eb, CANH_ELIMIT, "intel snapshot: %zu indicators, at most %u", n,
                         CANH_INTEL_MAX_INDICATORS);
    canh_intel_snap_t *s = canh_calloc(1, sizeof *s);
    if (!s)
        return canh_errf(eb, CANH_ENOMEM, "intel snapshot: out of memory");
    atomic_init(&s->refs, 0);
    size_t pos = 0;
    int rc = copy_indicators(s, ind, n, now, eb);
    if (rc)
        goto out;
    rc = CANH_ENOMEM;
    s->members = canh_malloc((s->count ? s->count : 1) * sizeof *s->members);
    if (!s->members)
        goto out;
    rc = build_ips(s, v4_stride, eb, &pos);
    if (rc)
        goto out;
    rc = intel_strtab_build(s, &s->dom, CANH_IOC_DOMAIN, &pos);
    if (!rc)
        rc = intel_strtab_build(s, &s->url, CANH_IOC_URL, &pos);
    for (unsigned h = 0; h < 3 && !rc; h++)
        rc = intel_hashset_build(&s->hs[h], s, (canh_ioc_type_t)(CANH_IOC_MD5 + h));
    if (rc) {
        canh_errf(eb, rc, "intel snapshot: out of memory building name and hash tables");
        goto out;
    }
    /* Only names and prefixes shared by several indicators use members. */
    s->nmembers = pos;
    uint32_t *m = canh_reallocarray(s->members, pos ? pos : 1, sizeof *m);
    if (m)
        s->members = m;
out:
    if (rc) {
        canh_intel_snap_destroy(s);
        return rc;
    }
    *out = s;
    return CANH_OK;
}

int canh_intel_snap_build(const canh_indicator_t *ind, size_t n, int64_t now,
                          canh_intel_snap_t **out, canh_errbuf_t *eb)
{
    return intel_snap_build(ind, n, now, 0, out, eb);
}

void canh_intel_snap_destroy(canh_intel_snap_t *s)
{
    if (!s)
        return;
    canh_free(s->ind);
    canh_free(s->strings);
    canh_free(s->members);
    canh_free(s->pn);
    canh_free(s->pn_len);
    canh_free(s->ip_parent);
    canh_free(s->ip_len);
    intel_lpm_fini(&s->v4);
    intel_lpm_fini(&s->v6);
    intel_strtab_fini(&s->dom);
    intel_strtab_fini(&s->url);
    for (unsigned h = 0; h < 3; h++)
        intel_hashset_fini(&s->hs[h]);
    canh_free(s);
}

size_t canh_intel_snap_count(const canh_intel_snap_t *s)
{
    return s ? s->count : 0;
}

const canh_indicator_t *canh_intel_snap_get(const canh_intel_snap_t *s, uint32_t i)
{
    return s && i < s->count ? &s->ind[i] : NULL;
}

void canh_intel_snap_skipped(const canh_intel_snap_t *s, size_t *expired, size_t *malformed)
{
    if (expired)
        *expired = s ? s->expired : 0;
    if (malformed)
        *malformed = s ? s->malformed : 0;
}

void intel_snap_stats(const canh_intel_snap_t *s, intel_snap_stats_t *st)
{
    memset(st, 0, sizeof *st);
    st->indicators = s->count * sizeof *s->ind;
    st->strings = s->strings_size;
    st->v4_root = s->v4.root_size;
    st->v4_nodes = s->v4.pool_cap * sizeof(uint32_t);
    st->v6_root = s->v6.root_size;
    st->v6_nodes = s->v6.pool_cap * sizeof(uint32_t);
    st->prefix_nodes =
        (size_t)s->npn * (sizeof *s->pn + 1) + (s->npn ? s->count * (sizeof *s->ip_parent + 1) : 0);
    st->members = s->nmembers * sizeof(uint32_t);
    st->names = intel_strtab_memory(&s->dom) + intel_strtab_memory(&s->url);
    for (unsigned h = 0; h < 3; h++)
        st->hashes += intel_hashset_memory(&s->hs[h]);
    st->v4_prefixes = s->n4;
    st->v6_prefixes = s->npn - s->n4;
    st->v4_stride = s->v4.stride;
}

size_t canh_intel_snap_memory(const canh_intel_snap_t *s)
{
    if (!s)
        return 0;
    intel_snap_stats_t st;
    intel_snap_stats(s, &st);
    return sizeof *s + st.indicators + st.strings + st.v4_root + st.v4_nodes + st.v6_root +
           st.v6_nodes + st.prefix_nodes + st.members + st.names + st.hashes;
}
