/* Unit tests: lookup snapshots against brute-force references.
 *
 * IP prefixes (IPv4 with both root strides, IPv6): random prefixes of every
 * length including /0, nested and overlapping, duplicates from several
 * sources, host bits set in the text, expired and malformed rows mixed in;
 * looked up at random addresses and at addresses inside, at the edges of and
 * just outside listed prefixes, in all-covering order (longest first) and
 * longest-only, with small result buffers. Domains with parents, case and
 * trailing dots; hashes; URLs with host fallback; match_any; expiry;
 * allocation failures; and the atomic swap under concurrent readers. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/intel.h"
#include "canh/mem.h"
#include "intel_int.h"

#define NOW 1700000000

/* ---- helpers ------------------------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static uint32_t below(rng_t *r, uint32_t n)
{
    return n ? (uint32_t)(rnd(r) % n) : 0;
}

/* A growable list of indicators with owned strings. */
typedef struct list {
    canh_indicator_t *v;
    size_t n, cap;
} list_t;

static canh_indicator_t *add(list_t *l, canh_ioc_type_t t, const char *value, const char *source)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    canh_indicator_t *ind = &l->v[l->n++];
    memset(ind, 0, sizeof *ind);
    ind->type = t;
    ind->value = canh_strdup(value);
    ind->source = canh_strdup(source);
    ind->threat = canh_strdup("botnet");
    ind->confidence = -1;
    return ind;
}

static void list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        canh_indicator_fini(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Snapshot index of input row i: input order among the kept rows, or -1. */
static int32_t *kept_index(const list_t *l, const bool *kept)
{
    int32_t *m = malloc((l->n ? l->n : 1) * sizeof *m);
    assert_non_null(m);
    int32_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        m[i] = kept[i] ? k++ : -1;
    return m;
}

typedef struct hit {
    uint32_t rank; /* sort key: larger first */
    uint32_t idx;
} hit_t;

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Checks that a lookup's (total, ids) agree with the sorted reference, with
 * a large buffer and with a small one. */
static void expect(const char *what, const hit_t *ref, size_t nref, size_t got, const uint32_t *ids,
                   size_t max)
{
    if (got != nref)
        fail_msg("%s: %zu matches, reference %zu", what, got, nref);
    for (size_t i = 0; i < nref && i < max; i++)
        if (ids[i] != ref[i].idx)
            fail_msg("%s: match %zu is %u, reference %u", what, i, ids[i], ref[i].idx);
}

/* ---- IP prefixes ---------------------------------------------------------------- */

typedef struct pfx {
    uint8_t a[16];
    uint8_t len;
    bool v6;
} pfx_t;

static bool pfx_covers(const pfx_t *p, const uint8_t *a)
{
    unsigned full = p->len / 8, rest = p->len % 8;
    if (memcmp(p->a, a, full) != 0)
        return false;
    return rest == 0 || ((p->a[full] ^ a[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static void set_host_bits(uint8_t *a, unsigned len, unsigned bytes, rng_t *r, int how)
{
    /* how: 0 zero, 1 ones, 2 random */
    for (unsigned b = len; b < bytes * 8; b++) {
        unsigned bit = how == 2 ? (unsigned)(rnd(r) & 1) : (unsigned)how;
        uint8_t m = (uint8_t)(0x80u >> (b % 8));
        a[b / 8] = bit ? (uint8_t)(a[b / 8] | m) : (uint8_t)(a[b / 8] & ~m);
    }
}

static void pfx_text(const pfx_t *p, rng_t *r, char *out, size_t cap)
{
    unsigned bytes = p->v6 ? 16 : 4, max = 8 * bytes;
    uint8_t a[16];
    memcpy(a, p->a, 16);
    if (below(r, 2))
        set_host_bits(a, p->len, bytes, r, 2); /* the normaliser must clear them */
    char txt[64];
    inet_ntop(p->v6 ? AF_INET6 : AF_INET, a, txt, sizeof txt);
    if (p->v6 && below(r, 2))
        for (char *c = txt; *c; c++)
            if (*c >= 'a' && *c <= 'f')
                *c = (char)(*c - 32);
    if (p->len == max && below(r, 2))
        snprintf(out, cap, "%s", txt);
    else
        snprintf(out, cap, "%s/%u", txt, p->len);
}

/* Random prefixes shaped like real lists and worse: every length, nests,
 * clusters under a few hot prefixes, exact duplicates. */
static pfx_t *gen_prefixes(rng_t *r, size_t n, bool v6)
{
    pfx_t *p = calloc(n, sizeof *p);
    assert_non_null(p);
    unsigned bytes = v6 ? 16 : 4, max = 8 * bytes;
    for (size_t i = 0; i < n; i++) {
        pfx_t *q = &p[i];
        q->v6 = v6;
        unsigned mode = i < 8 ? 9 : below(r, 10);
        if (i == 0) {
            q->len = 0; /* one /0 in every table */
            continue;
        }
        if (mode == 0) {
            *q = p[below(r, (uint32_t)i)]; /* duplicate, another source */
            continue;
        }
        if (mode <= 4) {
            /* nested: inside an earlier one, often one of the first few */
            const pfx_t *outer =
                &p[mode <= 2 ? below(r, (uint32_t)(i < 8 ? i : 8)) : below(r, (uint32_t)i)];
            memcpy(q->a, outer->a, 16);
            unsigned room = max - outer->len;
            q->len = (uint8_t)(outer->len + (room ? below(r, room + 1) : 0));
            if (mode == 1 && below(r, 2))
                q->len = (uint8_t)max; /* many hosts under one prefix */
            set_host_bits(q->a, outer->len, bytes, r, 2);
        } else {
            for (unsigned b = 0; b < bytes; b++)
                q->a[b] = (uint8_t)rnd(r);
            if (v6 && below(r, 2)) {
                q->a[0] = 0x20; /* cluster in 2001:db8::/32 */
                q->a[1] = 0x01;
                q->a[2] = 0x0d;
                q->a[3] = 0xb8;
            }
            q->len = (uint8_t)below(r, max + 1);
        }
        set_host_bits(q->a, q->len, bytes, r, 0);
    }
    return p;
}

typedef struct iptab {
    list_t l;
    pfx_t *p; /* per input row; len 255 = not an IP row */
    bool *kept;
    int32_t *map;
} iptab_t;

static void iptab_make(iptab_t *t, rng_t *r, size_t n4, size_t n6)
{
    memset(t, 0, sizeof *t);
    pfx_t *g4 = gen_prefixes(r, n4, false), *g6 = gen_prefixes(r, n6, true);
    size_t total = 2 * (n4 + n6) + 64; /* rows: prefixes plus ~18% others */
    t->p = calloc(total, sizeof *t->p);
    t->kept = calloc(total, sizeof *t->kept);
    assert_non_null(t->p);
    assert_non_null(t->kept);
    size_t a = 0, b = 0;
    char txt[80], src[16];
    while (a < n4 || b < n6) {
        size_t row = t->l.n;
        assert_true(row < total);
        unsigned what = below(r, 20);
        if (what == 0) {
            /* expired: must never match */
            pfx_t *q = a < n4 ? &g4[below(r, (uint32_t)n4)] : &g6[below(r, (uint32_t)n6)];
            pfx_text(q, r, txt, sizeof txt);
            add(&t->l, CANH_IOC_IP, txt, "old")->expires = NOW - below(r, 2);
            t->p[row].len = 255;
            continue;
        }
        if (what == 1) {
            /* malformed for its type: left out */
            add(&t->l, CANH_IOC_IP, below(r, 2) ? "1.2.3.4/33" : "evil.example", "bad");
            t->p[row].len = 255;
            continue;
        }
        if (what == 2) {
            /* another type in the same snapshot */
            snprintf(txt, sizeof txt, "d%zu.example.com", row);
            add(&t->l, CANH_IOC_DOMAIN, txt, "dom");
            t->p[row].len = 255;
            t->kept[row] = true;
            continue;
        }
        bool six = b < n6 && (a >= n4 || below(r, (uint32_t)(n4 + n6)) < n6);
        pfx_t *q = six ? &g6[b++] : &g4[a++];
        pfx_text(q, r, txt, sizeof txt);
        snprintf(src, sizeof src, "feed%u", below(r, 3));
        canh_indicator_t *ind = add(&t->l, what == 3 ? CANH_IOC_NONE : CANH_IOC_IP, txt, src);
        if (what == 4)
            ind->expires = NOW + 1; /* not yet expired */
        t->p[row] = *q;
        t->kept[row] = true;
    }
    t->map = kept_index(&t->l, t->kept);
    free(g4);
    free(g6);
}

static void iptab_free(iptab_t *t)
{
    list_free(&t->l);
    free(t->p);
    free(t->kept);
    free(t->map);
}

static size_t ref_ip(const iptab_t *t, const uint8_t *addr, bool v6, hit_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->l.n; i++) {
        const pfx_t *p = &t->p[i];
        if (!t->kept[i] || p->len == 255 || p->v6 != v6 || !pfx_covers(p, addr))
            continue;
        out[n].rank = p->len;
        out[n++].idx = (uint32_t)t->map[i];
    }
    if (n > 1)
        qsort(out, n, sizeof *out, cmp_hit);
    return n;
}

/* addr +/- 1 as a big-endian integer (wrapping). */
static void step(uint8_t *a, unsigned bytes, int dir)
{
    for (unsigned i = bytes; i > 0; i--) {
        a[i - 1] = (uint8_t)(a[i - 1] + dir);
        if ((dir > 0 && a[i - 1] != 0) || (dir < 0 && a[i - 1] != 0xff))
            break;
    }
}

static void check_addr(const canh_intel_snap_t *s, const iptab_t *t, const uint8_t *addr, bool v6,
                       hit_t *ref)
{
    uint32_t ids[600];
    char what[128], txt[64];
    inet_ntop(v6 ? AF_INET6 : AF_INET, addr, txt, sizeof txt);
    size_t nref = ref_ip(t, addr, v6, ref);

    snprintf(what, sizeof what, "match_ip %s", txt);
    expect(what, ref, nref, canh_intel_match_ip(s, addr, v6, ids, 600), ids, 600);
    expect(what, ref, nref, canh_intel_match_ip(s, addr, v6, ids, 2), ids, 2);
    expect(what, ref, nref, canh_intel_match_ip(s, addr, v6, NULL, 0), ids, 0);
    expect(what, ref, nref, canh_intel_match_ip_str(s, canh_str_c(txt), ids, 600), ids, 600);

    size_t nl = 0;
    while (nl < nref && ref[nl].rank == ref[0].rank)
        nl++;
    snprintf(what, sizeof what, "match_ip_longest %s", txt);
    expect(what, ref, nl, canh_intel_match_ip_longest(s, addr, v6, ids, 600), ids, 600);
    expect(what, ref, nl, canh_intel_match_ip_longest(s, addr, v6, ids, 1), ids, 1);

    if (!v6) {
        /* The same address as IPv4-mapped IPv6. */
        uint8_t m[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(m + 12, addr, 4);
        snprintf(what, sizeof what, "match_ip ::ffff:%s", txt);
        expect(what, ref, nref, canh_intel_match_ip(s, m, true, ids, 600), ids, 600);
    }
}

static void check_family(const canh_intel_snap_t *s, const iptab_t *t, rng_t *r, bool v6,
                         unsigned lookups)
{
    hit_t *ref = malloc(t->l.n * sizeof *ref + 1);
    assert_non_null(ref);
    unsigned bytes = v6 ? 16 : 4;
    for (unsigned k = 0; k < lookups; k++) {
        uint8_t a[16];
        size_t i = below(r, (uint32_t)t->l.n);
        const pfx_t *p = &t->p[i];
        if (k % 4 == 0 || p->len == 255 || p->v6 != v6) {
            for (unsigned b = 0; b < bytes; b++)
                a[b] = (uint8_t)rnd(r);
            check_addr(s, t, a, v6, ref);
            continue;
        }
        /* Inside, first, last, and one past each end. */
        memcpy(a, p->a, 16);
        set_host_bits(a, p->len, bytes, r, 2);
        check_addr(s, t, a, v6, ref);
        memcpy(a, p->a, 16);
        check_addr(s, t, a, v6, ref);
        step(a, bytes, -1);
        check_addr(s, t, a, v6, ref);
        memcpy(a, p->a, 16);
        set_host_bits(a, p->len, bytes, r, 1);
        check_addr(s, t, a, v6, ref);
        step(a, bytes, 1);
        check_addr(s, t, a, v6, ref);
    }
    free(ref);
}

static void run_ip(uint64_t seed, size_t n4, size_t n6, unsigned stride, unsigned lookups)
{
    rng_t r = {seed};
    iptab_t t;
    iptab_make(&t, &r, n4, n6);
    canh_intel_snap_t *s = NULL;
    canh_errbuf_t eb;
    assert_int_equal(intel_snap_build(t.l.v, t.l.n, NOW, stride, &s, &eb), CANH_OK);
    size_t kept = 0, expired = 0, malformed = 0, e2, m2;
    for (size_t i = 0; i < t.l.n; i++) {
        kept += t.kept[i];
        if (t.p[i].len == 255 && !t.kept[i]) {
            if (t.l.v[i].expires)
                expired++;
            else
                malformed++;
        }
    }
    assert_int_equal(canh_intel_snap_count(s), kept);
    canh_intel_snap_skipped(s, &e2, &m2);
    assert_int_equal(e2, expired);
    assert_int_equal(m2, malformed);
    intel_snap_stats_t st;
    intel_snap_stats(s, &st);
    if (n4)
        assert_int_equal(st.v4_stride, stride ? stride : 16);
    assert_true(canh_intel_snap_memory(s) > 0);
    /* Copies hold normalised values. */
    for (size_t i = 0; i < t.l.n; i++) {
        if (t.map[i] < 0 || t.p[i].len == 255)
            continue;
        const canh_indicator_t *c = canh_intel_snap_get(s, (uint32_t)t.map[i]);
        assert_int_equal(c->type, CANH_IOC_IP);
        assert_string_equal(c->source, t.l.v[i].source);
        char want[80];
        canh_ioc_normalize(canh_str_c(t.l.v[i].value), CANH_IOC_IP, want, sizeof want, NULL);
        assert_string_equal(c->value, want);
    }
    check_family(s, &t, &r, false, lookups);
    check_family(s, &t, &r, true, lookups);
    canh_intel_snap_destroy(s);
    iptab_free(&t);
}

static void test_ip_v4_stride16(void **st)
{
    (void)st;
    run_ip(0x9e3779b97f4a7c15ull, 1500, 300, 16, 1500);
    run_ip(7, 40, 0, 16, 400);
}

static void test_ip_v4_stride24(void **st)
{
    (void)st;
    run_ip(0x1234567ull, 1500, 0, 24, 1500);
}

static void test_ip_v6(void **st)
{
    (void)st;
    run_ip(0xabcdef01ull, 200, 1500, 0, 1500);
    run_ip(99, 0, 60, 0, 400);
}

/* A /24 full of hosts and small prefixes: nodes with many runs. */
static void test_ip_dense(void **st)
{
    (void)st;
    list_t l = {0};
    char txt[64];
    add(&l, CANH_IOC_IP, "10.9.9.0/24", "a");
    for (unsigned h = 0; h < 256; h += 3) {
        snprintf(txt, sizeof txt, "10.9.9.%u", h);
        add(&l, CANH_IOC_IP, txt, "a");
    }
    for (unsigned h = 0; h < 256; h += 16) {
        snprintf(txt, sizeof txt, "10.9.9.%u/28", h);
        add(&l, CANH_IOC_IP, txt, "b");
    }
    for (unsigned h = 0; h < 256; h += 5) {
        snprintf(txt, sizeof txt, "2001:db8::%x/124", h);
        add(&l, CANH_IOC_IP, txt, "c");
    }
    for (unsigned stride = 16; stride <= 24; stride += 8) {
        canh_intel_snap_t *s;
        assert_int_equal(intel_snap_build(l.v, l.n, NOW, stride, &s, NULL), CANH_OK);
        uint32_t ids[8];
        for (unsigned h = 0; h < 256; h++) {
            uint8_t a[4] = {10, 9, 9, (uint8_t)h};
            size_t want = 2 + (h % 3 == 0);
            assert_int_equal(canh_intel_match_ip(s, a, false, ids, 8), want);
            const canh_indicator_t *first = canh_intel_snap_get(s, ids[0]);
            snprintf(txt, sizeof txt, h % 3 == 0 ? "10.9.9.%u" : "10.9.9.%u/28",
                     h % 3 == 0 ? h : h & ~15u);
            assert_string_equal(first->value, txt);
            assert_string_equal(canh_intel_snap_get(s, ids[want - 1])->value, "10.9.9.0/24");
        }
        uint8_t out[4] = {10, 9, 10, 0};
        assert_int_equal(canh_intel_match_ip(s, out, false, ids, 8), 0);
        uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8};
        for (unsigned h = 0; h < 256; h++) {
            a6[15] = (uint8_t)h;
            size_t want = 0; /* listed /124s with this network: duplicates all match */
            for (unsigned g = 0; g < 256; g += 5)
                want += (g & 0xf0) == (h & 0xf0);
            assert_int_equal(canh_intel_match_ip(s, a6, true, ids, 8), want);
        }
        canh_intel_snap_destroy(s);
    }
    list_free(&l);
}

/* ---- domains ----------------------------------------------------------------------- */

static const char *const dlabels[] = {"a", "b", "evil", "x-1", "c_d", "xn--p1ai", "mail"};
static const char *const dtlds[] = {"com", "net", "vn"};

static void rand_name(rng_t *r, unsigned maxlabels, char *out, size_t cap)
{
    unsigned n = 1 + below(r, maxlabels);
    size_t k = 0;
    for (unsigned i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s.", dlabels[below(r, 7)]);
    snprintf(out + k, cap - k, "%s", dtlds[below(r, 3)]);
}

static void mangle_case(rng_t *r, char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z' && below(r, 3) == 0)
            *s = (char)(*s - 32);
}

static size_t ref_domain(const list_t *l, const int32_t *map, const char *name, hit_t *out)
{
    char q[512];
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n; i++)
        q[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    q[n] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (map[i] < 0 || l->v[i].type != CANH_IOC_DOMAIN)
            continue;
        char d[300];
        canh_ioc_normalize(canh_str_c(l->v[i].value), CANH_IOC_DOMAIN, d, sizeof d, NULL);
        size_t dn = strlen(d);
        if (dn > n || memcmp(q + n - dn, d, dn) != 0 || (dn < n && q[n - dn - 1] != '.'))
            continue;
        out[k].rank = (uint32_t)dn;
        out[k++].idx = (uint32_t)map[i];
    }
    if (k > 1)
        qsort(out, k, sizeof *out, cmp_hit);
    return k;
}

static void test_domains(void **st)
{
    (void)st;
    rng_t r = {42};
    list_t l = {0};
    char name[512];
    for (unsigned i = 0; i < 400; i++) {
        rand_name(&r, 3, name, sizeof name);
        mangle_case(&r, name);
        if (below(&r, 4) == 0)
            strcat(name, ".");
        canh_indicator_t *ind = add(&l, CANH_IOC_DOMAIN, name, below(&r, 2) ? "f1" : "f2");
        if (below(&r, 20) == 0)
            ind->expires = NOW - 5;
    }
    add(&l, CANH_IOC_DOMAIN, "bad..name.com", "f1");
    add(&l, CANH_IOC_IP, "1.2.3.4", "f1");
    bool *kept = calloc(l.n, sizeof *kept);
    for (size_t i = 0; i < l.n; i++)
        kept[i] = !l.v[i].expires && strcmp(l.v[i].value, "bad..name.com") != 0;
    int32_t *map = kept_index(&l, kept);
    canh_intel_snap_t *s;
    assert_int_equal(canh_intel_snap_build(l.v, l.n, NOW, &s, NULL), CANH_OK);
    hit_t ref[600];
    uint32_t ids[600];
    for (unsigned k = 0; k < 3000; k++) {
        rand_name(&r, 6, name, sizeof name);
        mangle_case(&r, name);
        if (below(&r, 4) == 0)
            strcat(name, ".");
        size_t n = ref_domain(&l, map, name, ref);
        expect(name, ref, n, canh_intel_match_domain(s, canh_str_c(name), ids, 600), ids, 600);
        expect(name, ref, n, canh_intel_match_domain(s, canh_str_c(name), ids, 1), ids, 1);
        /* match_any and a URL with this host agree */
        expect(name, ref, n, canh_intel_match_any(s, canh_str_c(name), ids, 600), ids, 600);
        char url[600];
        snprintf(url, sizeof url, "https://%s/path?q=1", name);
        expect(url, ref, n, canh_intel_match_url(s, canh_str_c(url), ids, 600), ids, 600);
    }
    /* A name longer than 253 still matches its listed parents. */
    size_t k = 0;
    for (unsigned i = 0; i < 60; i++)
        k += (size_t)snprintf(name + k, sizeof name - k, "abcdefg.");
    snprintf(name + k, sizeof name - k, "evil.com");
    size_t n = ref_domain(&l, map, name, ref);
    assert_true(n > 0);
    expect(name, ref, n, canh_intel_match_domain(s, canh_str_c(name), ids, 600), ids, 600);
    /* Not a label boundary, single labels, empty, junk. */
    assert_int_equal(canh_intel_match_domain(s, CANH_STR_LIT("notevil.com"), ids, 8), 0);
    assert_int_equal(canh_intel_match_domain(s, CANH_STR_LIT("com"), ids, 8), 0);
    assert_int_equal(canh_intel_match_domain(s, CANH_STR_LIT("."), ids, 8), 0);
    assert_int_equal(canh_intel_match_domain(s, CANH_STR_LIT(""), ids, 8), 0);
    assert_int_equal(canh_intel_match_domain(s, CANH_STR_NULL, ids, 8), 0);
    const char junk[] = "evil\0.com";
    assert_int_equal(canh_intel_match_domain(s, canh_str(junk, sizeof junk - 1), ids, 8), 0);
    canh_intel_snap_destroy(s);
    free(kept);
    free(map);
    list_free(&l);
}

/* ---- hashes ------------------------------------------------------------------------- */

static void hexof(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_hashes(void **st)
{
    (void)st;
    rng_t r = {77};
    list_t l = {0};
    enum { N = 600 };
    static uint8_t dig[N][32];
    static unsigned dl[N];
    char txt[80];
    for (unsigned i = 0; i < N; i++) {
        unsigned t = below(&r, 3);
        dl[i] = t == 0 ? 16 : t == 1 ? 20 : 32;
        if (i >= 10 && below(&r, 8) == 0) {
            unsigned j = below(&r, i); /* a duplicate from another feed */
            dl[i] = dl[j];
            memcpy(dig[i], dig[j], 32);
        } else {
            for (unsigned b = 0; b < 32; b++)
                dig[i][b] = (uint8_t)rnd(&r);
            if (i % 5 == 0)
                memset(dig[i], 0xab, 6); /* a crowded home slot */
            if (i % 7 == 0)
                memset(dig[i], 0xcd, 14); /* equal in the 12 bytes a slot keeps */
        }
        hexof(dig[i], dl[i], txt);
        mangle_case(&r, txt);
        canh_ioc_type_t t2 = intel_hash_type(2 * dl[i]);
        add(&l, below(&r, 4) ? t2 : CANH_IOC_NONE, txt, below(&r, 2) ? "f1" : "f2");
    }
    canh_intel_snap_t *s;
    assert_int_equal(canh_intel_snap_build(l.v, l.n, NOW, &s, NULL), CANH_OK);
    assert_int_equal(canh_intel_snap_count(s), N);
    hit_t ref[N];
    uint32_t ids[N];
    for (unsigned k = 0; k < 2 * N; k++) {
        uint8_t q[32];
        unsigned len;
        if (k < N) {
            memcpy(q, dig[k], 32);
            len = dl[k];
        } else {
            for (unsigned b = 0; b < 32; b++)
                q[b] = (uint8_t)rnd(&r);
            if (k % 3 == 0)
                memset(q, 0xab, 6);
            if (k % 7 == 0)
                memset(q, 0xcd, 14);
            len = (unsigned[]){16, 20, 32}[k % 3];
        }
        size_t n = 0;
        for (unsigned i = 0; i < N; i++)
            if (dl[i] == len && memcmp(dig[i], q, len) == 0)
                ref[n++] = (hit_t){0, i};
        hexof(q, len, txt);
        if (k % 2)
            mangle_case(&r, txt);
        expect(txt, ref, n, canh_intel_match_hash(s, canh_str_c(txt), ids, N), ids, N);
        expect(txt, ref, n, canh_intel_match_any(s, canh_str_c(txt), ids, N), ids, N);
        expect(txt, ref, n, canh_intel_match_hash(s, canh_str_c(txt), ids, 1), ids, 1);
    }
    hexof(dig[1], 32, txt);
    txt[63] = 'g';
    assert_int_equal(canh_intel_match_hash(s, canh_str_c(txt), ids, N), 0);
    assert_int_equal(canh_intel_match_hash(s, CANH_STR_LIT("abc"), ids, N), 0);
    assert_int_equal(canh_intel_match_hash(s, CANH_STR_NULL, ids, N), 0);
    canh_intel_snap_destroy(s);
    list_free(&l);
}

/* ---- URLs, match_any, expiry, edge cases ------------------------------------------------- */

static void values_of(const canh_intel_snap_t *s, const uint32_t *ids, size_t n, char *out,
                      size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, cap - k, "%s%s@%s", i ? " " : "",
                              canh_intel_snap_get(s, ids[i])->value,
                              canh_intel_snap_get(s, ids[i])->source);
}

static void lookup_any(const canh_intel_snap_t *s, const char *v, const char *want)
{
    uint32_t ids[32];
    char got[1024];
    size_t n = canh_intel_match_any(s, canh_str_c(v), ids, 32);
    values_of(s, ids, n, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("match_any(%s): \"%s\", want \"%s\"", v, got, want);
}

static void test_urls_and_any(void **st)
{
    (void)st;
    list_t l = {0};
    add(&l, CANH_IOC_URL, "HTTP://Evil.com/Login.php", "u1");
    add(&l, CANH_IOC_URL, "http://evil.com/Login.php", "u2");
    add(&l, CANH_IOC_URL, "hxxp://bad[.]org/x", "u1");
    add(&l, CANH_IOC_DOMAIN, "evil.com", "d1");
    add(&l, CANH_IOC_DOMAIN, "www.evil.com", "d2");
    add(&l, CANH_IOC_IP, "203.0.113.0/24", "i1");
    add(&l, CANH_IOC_IP, "203.0.113.7", "i2");
    add(&l, CANH_IOC_IP, "2001:db8::/32", "i3");
    add(&l, CANH_IOC_IP, "0.0.0.0/0", "all");
    add(&l, CANH_IOC_URL, "http://gone.com/", "u3")->expires = NOW;
    add(&l, CANH_IOC_URL, "http://later.com/", "u3")->expires = NOW + 1;
    add(&l, CANH_IOC_NONE, "1.2.3.4", "guess");
    canh_intel_snap_t *s;
    assert_int_equal(canh_intel_snap_build(l.v, l.n, NOW, &s, NULL), CANH_OK);
    assert_int_equal(canh_intel_snap_count(s), 11);
    assert_int_equal(canh_intel_snap_get(s, 10)->type, CANH_IOC_IP);
    assert_null(canh_intel_snap_get(s, 11));

    lookup_any(s, "http://EVIL.com/Login.php",
               "http://evil.com/Login.php@u1 http://evil.com/Login.php@u2 evil.com@d1");
    lookup_any(s, "http://www.evil.com/login.php", "www.evil.com@d2 evil.com@d1");
    lookup_any(s, "hxxp://bad[.]org/x", "http://bad.org/x@u1");
    lookup_any(s, "http://bad.org/x?y", "");
    lookup_any(s, "http://user@203.0.113.7:8080/",
               "203.0.113.7@i2 203.0.113.0/24@i1 0.0.0.0/0@all");
    lookup_any(s, "http://[2001:DB8::5]/", "2001:db8::/32@i3");
    lookup_any(s, "http://[::ffff:203.0.113.9]/", "203.0.113.0/24@i1 0.0.0.0/0@all");
    lookup_any(s, "203.0.113.7", "203.0.113.7@i2 203.0.113.0/24@i1 0.0.0.0/0@all");
    lookup_any(s, "203.0.113[.]7", "203.0.113.7@i2 203.0.113.0/24@i1 0.0.0.0/0@all");
    /* A CIDR matches what covers all of it. */
    lookup_any(s, "203.0.113.0/25", "203.0.113.0/24@i1 0.0.0.0/0@all");
    lookup_any(s, "203.0.113.0/24", "203.0.113.0/24@i1 0.0.0.0/0@all");
    lookup_any(s, "203.0.0.0/16", "0.0.0.0/0@all");
    lookup_any(s, "2001:db8:1::/48", "2001:db8::/32@i3");
    lookup_any(s, "2001::/16", "");
    lookup_any(s, "http://gone.com/", "");
    lookup_any(s, "http://later.com/", "http://later.com/@u3");
    lookup_any(s, "WWW.Evil.Com.", "www.evil.com@d2 evil.com@d1");
    lookup_any(s, "not a value", "");
    lookup_any(s, "", "");

    uint32_t ids[4];
    /* match_url takes scheme-less text as http, like the normaliser. */
    assert_int_equal(canh_intel_match_url(s, CANH_STR_LIT("evil.com/Login.php"), ids, 4), 3);
    /* Longer than the value limit: no exact match, the host still counts. */
    size_t big = CANH_INTEL_MAX_VALUE + 100;
    char *u = canh_malloc(big + 1);
    assert_non_null(u);
    memcpy(u, "http://www.EVIL.com/", 20);
    memset(u + 20, 'x', big - 20);
    u[big] = '\0';
    assert_int_equal(canh_intel_match_url(s, canh_str(u, big), ids, 4), 2);
    canh_free(u);
    assert_int_equal(canh_intel_match_url(s, CANH_STR_LIT("http://"), ids, 4), 0);
    assert_int_equal(canh_intel_match_url(s, CANH_STR_NULL, ids, 4), 0);
    assert_int_equal(canh_intel_match_ip_str(s, CANH_STR_LIT("203.0.113.0/24"), ids, 4), 0);
    assert_int_equal(canh_intel_match_ip_str(s, CANH_STR_LIT("nope"), ids, 4), 0);
    assert_int_equal(canh_intel_match_ip_str(s, CANH_STR_LIT(" 2001:db8::1%eth0 "), ids, 4), 1);
    assert_int_equal(canh_intel_match_ip(s, NULL, false, ids, 4), 0);

    /* NULL snapshot: every lookup is empty. */
    uint8_t a[16] = {0};
    assert_int_equal(canh_intel_match_ip(NULL, a, false, ids, 4), 0);
    assert_int_equal(canh_intel_match_ip_longest(NULL, a, true, ids, 4), 0);
    assert_int_equal(canh_intel_match_ip_str(NULL, CANH_STR_LIT("1.2.3.4"), ids, 4), 0);
    assert_int_equal(canh_intel_match_domain(NULL, CANH_STR_LIT("evil.com"), ids, 4), 0);
    assert_int_equal(canh_intel_match_url(NULL, CANH_STR_LIT("http://evil.com/"), ids, 4), 0);
    assert_int_equal(canh_intel_match_hash(NULL, CANH_STR_LIT("00"), ids, 4), 0);
    assert_int_equal(canh_intel_match_any(NULL, CANH_STR_LIT("evil.com"), ids, 4), 0);
    assert_int_equal(canh_intel_snap_count(NULL), 0);
    assert_null(canh_intel_snap_get(NULL, 0));
    assert_int_equal(canh_intel_snap_memory(NULL), 0);
    canh_intel_snap_destroy(NULL);
    canh_intel_snap_destroy(s);
    list_free(&l);
}

static void test_empty_and_args(void **st)
{
    (void)st;
    canh_intel_snap_t *s = NULL;
    assert_int_equal(canh_intel_snap_build(NULL, 0, 0, &s, NULL), CANH_OK);
    assert_int_equal(canh_intel_snap_count(s), 0);
    uint32_t ids[4];
    uint8_t a[16] = {1, 2, 3, 4};
    assert_int_equal(canh_intel_match_ip(s, a, false, ids, 4), 0);
    assert_int_equal(canh_intel_match_ip(s, a, true, ids, 4), 0);
    assert_int_equal(canh_intel_match_any(s, CANH_STR_LIT("evil.com"), ids, 4), 0);
    assert_int_equal(canh_intel_match_any(s, CANH_STR_LIT("http://a.b/"), ids, 4), 0);
    assert_int_equal(
        canh_intel_match_any(s, CANH_STR_LIT("d41d8cd98f00b204e9800998ecf8427e"), ids, 4), 0);
    canh_intel_snap_destroy(s);

    canh_errbuf_t eb;
    canh_indicator_t one = {.type = CANH_IOC_IP, .value = "1.2.3.4"};
    assert_int_equal(canh_intel_snap_build(NULL, 1, 0, &s, &eb), CANH_EINVAL);
    assert_int_equal(canh_intel_snap_build(&one, 1, 0, NULL, &eb), CANH_EINVAL);
    assert_int_equal(intel_snap_build(&one, 1, 0, 20, &s, &eb), CANH_EINVAL);
    /* Rows without a value, or with a type the value does not fit. */
    canh_indicator_t rows[3] = {{.type = CANH_IOC_IP},
                                {.type = CANH_IOC_SHA1, .value = "1.2.3.4"},
                                {.type = (canh_ioc_type_t)77, .value = "1.2.3.4"}};
    assert_int_equal(canh_intel_snap_build(rows, 3, 0, &s, &eb), CANH_OK);
    size_t ex, bad;
    canh_intel_snap_skipped(s, &ex, &bad);
    assert_int_equal(ex, 0);
    assert_int_equal(bad, 3);
    assert_int_equal(canh_intel_snap_count(s), 0);
    canh_intel_snap_skipped(s, NULL, NULL);
    canh_intel_snap_destroy(s);
}

/* ---- allocation failures ------------------------------------------------------------- */

typedef struct failing {
    long left; /* allocations allowed before failing; -1 = never fail */
    long live;
} failing_t;

static void *f_malloc(size_t n, void *ud)
{
    failing_t *f = ud;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    void *p = malloc(n);
    if (p)
        f->live++;
    return p;
}

static void *f_realloc(void *p, size_t n, void *ud)
{
    failing_t *f = ud;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    void *q = realloc(p, n);
    if (q && !p)
        f->live++;
    return q;
}

static void f_free(void *p, void *ud)
{
    failing_t *f = ud;
    f->live--;
    free(p);
}

static void test_alloc_failures(void **st)
{
    (void)st;
    list_t l = {0};
    add(&l, CANH_IOC_IP, "10.0.0.0/8", "a");
    add(&l, CANH_IOC_IP, "10.1.2.3", "b")->family = canh_strdup("mirai");
    add(&l, CANH_IOC_IP, "2001:db8::/48", "a")->extra = canh_strdup("{\"k\":1}");
    add(&l, CANH_IOC_DOMAIN, "evil.com", "a");
    add(&l, CANH_IOC_URL, "http://evil.com/x", "a");
    add(&l, CANH_IOC_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "a");
    add(&l, CANH_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e", "a");
    failing_t f = {0, 0};
    canh_allocator_t a = {f_malloc, f_realloc, f_free, &f};
    canh_mem_set_allocator(&a);
    long fails = 0;
    for (long budget = 0;; budget++) {
        f.left = budget;
        f.live = 0;
        canh_intel_snap_t *s = NULL;
        canh_errbuf_t eb;
        int rc = canh_intel_snap_build(l.v, l.n, NOW, &s, &eb);
        if (rc == CANH_OK) {
            uint32_t ids[4];
            assert_int_equal(canh_intel_match_any(s, CANH_STR_LIT("10.1.2.3"), ids, 4), 2);
            canh_intel_snap_destroy(s);
            assert_int_equal(f.live, 0);
            break;
        }
        fails++;
        assert_int_equal(rc, CANH_ENOMEM);
        assert_null(s);
        if (f.live != 0)
            fail_msg("budget %ld: %ld allocations leaked", budget, f.live);
    }
    canh_mem_set_allocator(NULL);
    assert_true(fails > 10);

    canh_intel_t *in;
    f.left = 0;
    canh_mem_set_allocator(&a);
    assert_int_equal(canh_intel_create(&in), CANH_ENOMEM);
    canh_mem_set_allocator(NULL);
    list_free(&l);
}

/* ---- the swap under concurrency -------------------------------------------------------- */

#define SWAPS 1000

typedef struct shared {
    canh_intel_t *in;
    atomic_bool done;
    atomic_long failures;
    atomic_long reads;
} shared_t;

/* Snapshot `gen`: 10.0.0.0/8 and gen.example tagged with the generation,
 * plus gen % 7 host addresses: all parts must agree. */
static canh_intel_snap_t *make_gen(unsigned gen)
{
    list_t l = {0};
    char src[32], txt[32];
    snprintf(src, sizeof src, "gen-%u", gen);
    add(&l, CANH_IOC_IP, "10.0.0.0/8", src);
    add(&l, CANH_IOC_DOMAIN, "gen.example", src);
    for (unsigned k = 0; k < gen % 7; k++) {
        snprintf(txt, sizeof txt, "11.0.0.%u", k);
        add(&l, CANH_IOC_IP, txt, src);
    }
    canh_intel_snap_t *s;
    int rc = canh_intel_snap_build(l.v, l.n, NOW, &s, NULL);
    list_free(&l);
    return rc == CANH_OK ? s : NULL;
}

static void *reader(void *arg)
{
    shared_t *sh = arg;
    unsigned last = 0;
    uint8_t a[4] = {10, 1, 2, 3}, h[4] = {11, 0, 0, 0};
    while (!atomic_load(&sh->done)) {
        const canh_intel_snap_t *s = canh_intel_acquire(sh->in);
        if (!s)
            continue;
        uint32_t ids[4];
        unsigned gen = 0;
        bool ok = canh_intel_match_ip(s, a, false, ids, 4) == 1 &&
                  sscanf(canh_intel_snap_get(s, ids[0])->source, "gen-%u", &gen) == 1;
        ok = ok && gen >= last && canh_intel_snap_count(s) == 2 + gen % 7;
        ok = ok && canh_intel_match_domain(s, CANH_STR_LIT("a.b.GEN.example"), ids, 4) == 1 &&
             strcmp(canh_intel_snap_get(s, ids[0])->source, canh_intel_snap_get(s, 0)->source) == 0;
        for (unsigned k = 0; k < 8 && ok; k++) {
            h[3] = (uint8_t)k;
            ok = canh_intel_match_ip_longest(s, h, false, ids, 4) == (k < gen % 7);
        }
        canh_intel_release(sh->in, s);
        if (!ok)
            atomic_fetch_add(&sh->failures, 1);
        last = gen;
        atomic_fetch_add(&sh->reads, 1);
    }
    return NULL;
}

static void test_swap_concurrent(void **st)
{
    (void)st;
    shared_t sh;
    assert_int_equal(canh_intel_create(&sh.in), CANH_OK);
    atomic_init(&sh.done, false);
    atomic_init(&sh.failures, 0);
    atomic_init(&sh.reads, 0);
    assert_null(canh_intel_acquire(sh.in));
    canh_intel_swap(sh.in, make_gen(1));
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &sh), 0);
    /* One reference held across many swaps must stay whole. */
    const canh_intel_snap_t *held = canh_intel_acquire(sh.in);
    assert_non_null(held);
    for (unsigned gen = 2; gen <= SWAPS; gen++) {
        canh_intel_snap_t *s = make_gen(gen);
        assert_non_null(s);
        canh_intel_swap(sh.in, s);
    }
    atomic_store(&sh.done, true);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&sh.failures), 0);
    assert_true(atomic_load(&sh.reads) > 0);
    assert_string_equal(canh_intel_snap_get(held, 0)->source, "gen-1");
    uint32_t ids[2];
    assert_int_equal(canh_intel_match_domain(held, CANH_STR_LIT("gen.example"), ids, 2), 1);
    canh_intel_release(sh.in, held); /* frees generation 1 */

    const canh_intel_snap_t *cur = canh_intel_acquire(sh.in);
    assert_string_equal(canh_intel_snap_get(cur, 0)->source, "gen-1000");
    canh_intel_release(sh.in, cur);
    canh_intel_swap(sh.in, NULL);
    assert_null(canh_intel_acquire(sh.in));
    canh_intel_swap(sh.in, make_gen(5));
    canh_intel_destroy(sh.in);
    canh_intel_destroy(NULL);
    canh_intel_release(NULL, NULL);
    assert_null(canh_intel_acquire(NULL));
    assert_int_equal(canh_intel_create(NULL), CANH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_v4_stride16), cmocka_unit_test(test_ip_v4_stride24),
        cmocka_unit_test(test_ip_v6),          cmocka_unit_test(test_ip_dense),
        cmocka_unit_test(test_domains),        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_urls_and_any),   cmocka_unit_test(test_empty_and_args),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_swap_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
