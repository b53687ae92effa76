/* bench_intel.c - intel snapshot build time, memory and lookup rates, one
 * core (plus one two-thread line).
 *
 *   bench_intel [--runs N] [--seed S] [--v4 N] [--v6 N] [--domains N]
 *               [--hashes N] [--lookups N] [--quick]
 *
 * Generates (seeded, deterministic) a blocklist-shaped table: --v4 IPv4
 * CIDRs (default 1,000,000: 70% /32, 20% /24, 8.98% /16-/23, 1% /25-/31,
 * 0.02% /8-/15, addresses uniform) and --v6 IPv6 prefixes (default 100,000
 * in 2000::/3: /48 40%, /64 30%, /56 15%, /128 8%, /32 5%, /16-/31 2%),
 * as text indicators from four feeds; builds one snapshot from them with
 * canh_intel_snap_build and reports build time, canh_intel_snap_memory and
 * the RSS delta. Then lookups/s (median of --runs rounds over --lookups
 * pre-generated addresses, default 4M; each round runs every case once, and
 * rates are per CPU-second of the measuring thread, so other load on the
 * machine takes less off them): random IPv4 addresses (about 40% match,
 * mostly through the few large prefixes), IPv4 addresses inside listed
 * prefixes (all hit; mostly /32s, the deepest path), all-covering and
 * longest-only; the same for IPv6 (random addresses in 2000::/3). The IPv4
 * rows are repeated on the same prefixes with the 16-bit root stride (what
 * tables under 65,536 prefixes use), and compared with a peer measured in
 * the same run: the prefixes flattened into sorted disjoint ranges and
 * binary-searched (the textbook alternative).
 * Separate snapshots of --domains names (default 1M; lookups: half are
 * subdomains of listed names, matched through a parent, half unlisted) and
 * --hashes SHA-256 (default 1M; half listed), each against a sorted array +
 * binary search peer. Lookups go through the public API with text input
 * where the API takes text (domains, hashes), as the detector calls it.
 * Output: Markdown tables. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canh/error.h"
#include "canh/intel.h"
#include "canh/mem.h"
#include "intel_int.h"

#define MAX_RUNS 99

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lookup rates are per CPU-second of the measuring thread, so that other
 * load on the machine (which takes the core away) does not count; caches
 * shared with that load still do. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

/* AnonHugePages of the process: whether the 64 MiB root got huge pages. */
static size_t huge_bytes(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_intel: out of memory\n");
        exit(1);
    }
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static const char *const feeds[] = {"feodo", "vncert-botnet", "firehol", "spamhaus-drop"};

static void set_ind(canh_indicator_t *ind, canh_ioc_type_t t, const char *value)
{
    memset(ind, 0, sizeof *ind);
    ind->type = t;
    ind->value = strdup(value);
    ind->source = (char *)feeds[below(4)];
    ind->threat = (char *)"botnet";
    ind->confidence = -1;
}

static void free_inds(canh_indicator_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].value);
    free(v);
}

/* ---- generated tables -------------------------------------------------------- */

typedef struct v4p {
    uint32_t addr;
    uint8_t len;
} v4p_t;

static unsigned v4_len(void)
{
    uint32_t x = below(100000);
    if (x < 70000)
        return 32;
    if (x < 90000)
        return 24;
    if (x < 98980)
        return 16 + below(8);
    if (x < 99980)
        return 25 + below(7);
    return 8 + below(8);
}

static unsigned v6_len(void)
{
    uint32_t x = below(100);
    if (x < 40)
        return 48;
    if (x < 70)
        return 64;
    if (x < 85)
        return 56;
    if (x < 93)
        return 128;
    if (x < 98)
        return 32;
    return 16 + below(16);
}

static void v6_random(uint8_t *a)
{
    for (int i = 0; i < 16; i++)
        a[i] = (uint8_t)rnd();
    a[0] = (uint8_t)(0x20 | (a[0] & 0x1f)); /* 2000::/3 */
}

static void v6_mask(uint8_t *a, unsigned len)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bit = 8 * i;
        if (bit >= len)
            a[i] = 0;
        else if (len - bit < 8)
            a[i] &= (uint8_t)(0xff00u >> (len - bit));
    }
}

/* ---- the peer: sorted disjoint ranges + binary search ------------------------- */

typedef struct ranges {
    uint32_t *start; /* range i covers [start[i], start[i+1]) */
    uint32_t *val;   /* prefix index + 1, 0 = none */
    size_t n;
} ranges_t;

static int cmp_v4p(const void *a, const void *b)
{
    const v4p_t *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->len > y->len) - (x->len < y->len);
}

static void ranges_push(ranges_t *r, uint64_t at, uint32_t v)
{
    if (at > UINT32_MAX)
        return;
    if (r->n && r->start[r->n - 1] == (uint32_t)at) {
        r->val[r->n - 1] = v; /* a later boundary at the same address wins */
        return;
    }
    if (r->n && r->val[r->n - 1] == v)
        return;
    r->start[r->n] = (uint32_t)at;
    r->val[r->n++] = v;
}

/* Flattens the prefixes (sorted by address, then length: a preorder of
 * their nesting) into ranges labelled with the longest covering prefix. */
static void ranges_build(ranges_t *r, v4p_t *p, size_t n)
{
    qsort(p, n, sizeof *p, cmp_v4p);
    r->start = xmalloc((2 * n + 2) * sizeof *r->start);
    r->val = xmalloc((2 * n + 2) * sizeof *r->val);
    r->n = 0;
    ranges_push(r, 0, 0);
    uint64_t end[40];
    uint32_t id[40];
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = p[i].addr, e = s + ((uint64_t)1 << (32 - p[i].len));
        while (sp && end[sp - 1] <= s) {
            sp--;
            ranges_push(r, end[sp], sp ? id[sp - 1] : 0);
        }
        ranges_push(r, s, (uint32_t)i + 1);
        end[sp] = e;
        id[sp++] = (uint32_t)i + 1;
    }
    while (sp) {
        sp--;
        ranges_push(r, end[sp], sp ? id[sp - 1] : 0);
    }
}

static inline uint32_t ranges_find(const ranges_t *r, uint32_t a)
{
    size_t lo = 0, hi = r->n; /* start[lo] <= a < start[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->start[mid] <= a)
            lo = mid;
        else
            hi = mid;
    }
    return r->val[lo];
}

/* ---- timing loops ------------------------------------------------------------------ */

typedef enum mode { ALL, LONGEST, PEER } mode_t_;

typedef struct job {
    const canh_intel_snap_t *s;
    const ranges_t *peer;
    const uint8_t *addr; /* n addresses of 4 or 16 bytes */
    size_t n;
    bool v6;
    mode_t_ mode;
    size_t hits;
    double secs;
} job_t;

static void run_job(job_t *j)
{
    uint32_t ids[16];
    size_t hits = 0, w = j->v6 ? 16 : 4;
    double t0 = cpu_s();
    if (j->mode == PEER) {
        for (size_t i = 0; i < j->n; i++) {
            uint32_t a;
            memcpy(&a, j->addr + i * 4, 4);
            hits += ranges_find(j->peer, __builtin_bswap32(a)) != 0;
        }
    } else if (j->mode == LONGEST) {
        for (size_t i = 0; i < j->n; i++)
            hits += canh_intel_match_ip_longest(j->s, j->addr + i * w, j->v6, ids, 16) != 0;
    } else {
        for (size_t i = 0; i < j->n; i++)
            hits += canh_intel_match_ip(j->s, j->addr + i * w, j->v6, ids, 16) != 0;
    }
    j->secs = cpu_s() - t0;
    j->hits = hits;
}

static void *thread_job(void *arg)
{
    run_job(arg);
    return NULL;
}

/* Two threads each running the job once: the sum of their per-CPU-second
 * rates (what two cores give when each has one to itself). */
static double rate2(job_t j)
{
    job_t a = j, b = j;
    pthread_t ta, tb;
    run_job(&a); /* warm-up */
    pthread_create(&ta, NULL, thread_job, &a);
    pthread_create(&tb, NULL, thread_job, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return (double)a.n / a.secs + (double)b.n / b.secs;
}

static void row(const char *what, double rps, double hit, double peer)
{
    printf("| %s | %.1f M | %.0f | %.0f%% |", what, rps / 1e6, 1e9 / rps, hit);
    if (peer > 0)
        printf(" %.2f |\n", rps / peer);
    else
        printf(" |\n");
}

static double mib(size_t b)
{
    return (double)b / (1024.0 * 1024.0);
}

/* ---- the IP section ---------------------------------------------------------------- */

static void bench_ip(size_t n4, size_t n6, size_t nl, int runs)
{
    canh_indicator_t *ind = xmalloc((n4 + n6) * sizeof *ind);
    v4p_t *p4 = xmalloc(n4 * sizeof *p4);
    uint8_t(*p6)[17] = xmalloc(n6 * sizeof *p6);
    char txt[80];
    for (size_t i = 0; i < n4; i++) {
        unsigned len = v4_len();
        uint32_t a = (uint32_t)rnd();
        a = len ? a & ~(uint32_t)((1ull << (32 - len)) - 1) : 0;
        p4[i].addr = a;
        p4[i].len = (uint8_t)len;
        snprintf(txt, sizeof txt, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                 a & 255, len);
        set_ind(&ind[i], CANH_IOC_IP, txt);
    }
    for (size_t i = 0; i < n6; i++) {
        unsigned len = v6_len();
        v6_random(p6[i]);
        v6_mask(p6[i], len);
        p6[i][16] = (uint8_t)len;
        intel_ip_t ip = {.len = (uint8_t)len, .v6 = true};
        memcpy(ip.addr, p6[i], 16);
        intel_ip_format(&ip, txt);
        set_ind(&ind[n4 + i], CANH_IOC_IP, txt);
    }
    /* Lookup addresses, generated before anything is measured. */
    uint8_t *r4 = xmalloc(nl * 4), *h4 = xmalloc(nl * 4), *r6 = xmalloc(nl * 16),
            *h6 = xmalloc(nl * 16);
    for (size_t i = 0; i < nl; i++) {
        uint32_t a = __builtin_bswap32((uint32_t)rnd());
        memcpy(r4 + 4 * i, &a, 4);
        const v4p_t *q = &p4[below((uint32_t)n4)];
        uint32_t host =
            q->len == 32 ? 0 : (uint32_t)rnd() & (uint32_t)((1ull << (32 - q->len)) - 1);
        uint32_t in = __builtin_bswap32(q->addr | host);
        memcpy(h4 + 4 * i, &in, 4);
        v6_random(r6 + 16 * i);
        if (n6) {
            const uint8_t *q6 = p6[below((uint32_t)n6)];
            uint8_t *d = h6 + 16 * i;
            v6_random(d);
            unsigned len = q6[16];
            for (unsigned b = 0; b < 16; b++) {
                unsigned bit = 8 * b;
                uint8_t m = bit >= len       ? 0
                            : len - bit >= 8 ? 0xff
                                             : (uint8_t)(0xff00u >> (len - bit));
                d[b] = (uint8_t)((q6[b] & m) | (d[b] & ~m));
            }
        }
    }

    size_t rss0 = rss_bytes();
    canh_intel_snap_t *s;
    canh_errbuf_t eb;
    double t0 = now_s();
    if (canh_intel_snap_build(ind, n4 + n6, 0, &s, &eb) != CANH_OK) {
        fprintf(stderr, "bench_intel: build: %s\n", eb.msg);
        exit(1);
    }
    double build = now_s() - t0;
    size_t rss1 = rss_bytes();
    intel_snap_stats_t st;
    intel_snap_stats(s, &st);

    canh_intel_snap_t *s16;
    t0 = now_s();
    if (intel_snap_build(ind, n4 + n6, 0, 16, &s16, &eb) != CANH_OK) {
        fprintf(stderr, "bench_intel: build: %s\n", eb.msg);
        exit(1);
    }
    double build16 = now_s() - t0;
    intel_snap_stats_t st16;
    intel_snap_stats(s16, &st16);

    ranges_t peer;
    t0 = now_s();
    ranges_build(&peer, p4, n4);
    double peer_build = now_s() - t0;

    printf("## IP prefixes: %zu IPv4 + %zu IPv6 indicators\n\n", n4, n6);
    printf("| | value |\n| --- | --- |\n");
    printf("| distinct prefixes | %u IPv4, %u IPv6 |\n", st.v4_prefixes, st.v6_prefixes);
    printf("| build (canh_intel_snap_build, normalising the text) | %.2f s |\n", build);
    printf("| build with the 16-bit IPv4 root | %.2f s |\n", build16);
    printf("| canh_intel_snap_memory | %.1f MiB |\n", mib(canh_intel_snap_memory(s)));
    printf("| RSS delta after build | %.1f MiB |\n", mib(rss1 - rss0));
    printf("| - IPv4 root table (%u-bit) + nodes | %.1f + %.1f MiB |\n", st.v4_stride,
           mib(st.v4_root), mib(st.v4_nodes));
    printf("| - IPv4 with the 16-bit root: table + nodes | %.1f + %.1f MiB |\n", mib(st16.v4_root),
           mib(st16.v4_nodes));
    printf("| - IPv6 root table (16-bit) + nodes | %.1f + %.1f MiB |\n", mib(st.v6_root),
           mib(st.v6_nodes));
    printf("| - prefix nodes (parent, length, members) | %.1f MiB |\n",
           mib(st.prefix_nodes + st.members));
    printf("| - indicator copies + strings | %.1f + %.1f MiB |\n", mib(st.indicators),
           mib(st.strings));
    printf("| peer: sorted ranges (%zu), build | %.2f s, %.1f MiB |\n", peer.n, peer_build,
           mib(peer.n * 8));
    printf("| transparent huge pages backing the process | %.0f MiB |\n\n", mib(huge_bytes()));

    printf("| lookup (%zu addresses, median of %d) | lookups/s | ns/lookup | matched | ÷ peer |\n",
           nl, runs);
    printf("| --- | --- | --- | --- | --- |\n");
    /* Every case runs once per round, rounds repeated: noise from other
     * load on the machine falls on all cases alike. */
    enum { PEER_R = 0, PEER_I = 1 };
    const struct {
        const char *what;
        const canh_intel_snap_t *s;
        const uint8_t *a;
        bool v6;
        mode_t_ mode;
        int peer; /* the peer row to compare with, -1 = none */
    } cases[] = {
        {"peer: IPv4 random, sorted ranges + binary search", s, r4, false, PEER, -1},
        {"peer: IPv4 inside listed, sorted ranges + binary search", s, h4, false, PEER, -1},
        {"IPv4 random, longest (24-bit root)", s, r4, false, LONGEST, PEER_R},
        {"IPv4 random, all covering (24-bit root)", s, r4, false, ALL, PEER_R},
        {"IPv4 inside listed, longest (24-bit root)", s, h4, false, LONGEST, PEER_I},
        {"IPv4 inside listed, all covering (24-bit root)", s, h4, false, ALL, PEER_I},
        {"IPv4 random, longest (16-bit root)", s16, r4, false, LONGEST, PEER_R},
        {"IPv4 random, all covering (16-bit root)", s16, r4, false, ALL, PEER_R},
        {"IPv4 inside listed, longest (16-bit root)", s16, h4, false, LONGEST, PEER_I},
        {"IPv4 inside listed, all covering (16-bit root)", s16, h4, false, ALL, PEER_I},
        {"IPv6 random in 2000::/3, longest", s, r6, true, LONGEST, -1},
        {"IPv6 random in 2000::/3, all covering", s, r6, true, ALL, -1},
        {"IPv6 inside listed, longest", s, h6, true, LONGEST, -1},
        {"IPv6 inside listed, all covering", s, h6, true, ALL, -1},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    size_t nc = n6 ? NC : NC - 4;
    double res[NC][MAX_RUNS] = {{0}}, med[NC] = {0}, hit[NC] = {0};
    for (int r = -1; r < runs; r++) { /* round -1 warms up */
        for (size_t c = 0; c < nc; c++) {
            job_t k = {.s = cases[c].s,
                       .peer = &peer,
                       .addr = cases[c].a,
                       .n = nl,
                       .v6 = cases[c].v6,
                       .mode = cases[c].mode};
            run_job(&k);
            if (r >= 0)
                res[c][r] = (double)k.n / k.secs;
            hit[c] = 100.0 * (double)k.hits / (double)k.n;
        }
    }
    for (size_t c = 0; c < nc; c++)
        med[c] = median(res[c], runs);
    for (size_t c = 2; c < nc; c++)
        row(cases[c].what, med[c], hit[c], cases[c].peer >= 0 ? med[cases[c].peer] : 0);
    row(cases[PEER_R].what, med[PEER_R], hit[PEER_R], 0);
    row(cases[PEER_I].what, med[PEER_I], hit[PEER_I], 0);
    job_t k2 = {.s = s, .addr = r4, .n = nl, .mode = LONGEST};
    double v2 = rate2(k2);
    row("IPv4 random, longest, 2 threads (sum of both)", v2, 0, 0);

    /* The holder: what a worker pays per batch. */
    canh_intel_t *in;
    canh_intel_create(&in);
    canh_intel_swap(in, s);
    size_t pairs = 10000000;
    t0 = cpu_s();
    for (size_t i = 0; i < pairs; i++)
        canh_intel_release(in, canh_intel_acquire(in));
    double acq = (cpu_s() - t0) / (double)pairs;
    printf("\ncanh_intel_acquire + canh_intel_release: %.1f ns per pair (one thread)\n\n",
           acq * 1e9);

    canh_intel_destroy(in);
    canh_intel_snap_destroy(s16);
    free(peer.start);
    free(peer.val);
    free(r4);
    free(h4);
    free(r6);
    free(h6);
    free(p4);
    free(p6);
    free_inds(ind, n4 + n6);
}

/* ---- domains ------------------------------------------------------------------------ */

static const char *const tlds[] = {"com", "net",  "org", "ru",  "cn",
                                   "vn",  "info", "xyz", "top", "io"};

static void rand_label(char *out, unsigned minl, unsigned maxl)
{
    unsigned n = minl + below(maxl - minl + 1);
    for (unsigned i = 0; i < n; i++)
        out[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[below(i ? 36 : 26)];
    out[n] = '\0';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t peer_domain(char **sorted, size_t n, const char *name)
{
    size_t hits = 0;
    for (const char *p = name; p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL)
        hits += bsearch(&p, sorted, n, sizeof *sorted, cmp_str) != NULL;
    return hits;
}

static void bench_domains(size_t n, size_t nl, int runs)
{
    canh_indicator_t *ind = xmalloc(n * sizeof *ind);
    char name[300], l1[16], l2[16];
    for (size_t i = 0; i < n; i++) {
        rand_label(l1, 4, 12);
        if (below(3) == 0) {
            rand_label(l2, 3, 8);
            snprintf(name, sizeof name, "%s.%s.%s", l2, l1, tlds[below(10)]);
        } else {
            snprintf(name, sizeof name, "%s.%s", l1, tlds[below(10)]);
        }
        set_ind(&ind[i], CANH_IOC_DOMAIN, name);
    }
    char **q = xmalloc(nl * sizeof *q);
    for (size_t i = 0; i < nl; i++) {
        rand_label(l1, 3, 8);
        if (i % 2 == 0) {
            snprintf(name, sizeof name, "%s.%s", l1, ind[below((uint32_t)n)].value);
        } else {
            rand_label(l2, 4, 12);
            snprintf(name, sizeof name, "%s.%s.%s", l1, l2, tlds[below(10)]);
        }
        q[i] = strdup(name);
    }
    size_t rss0 = rss_bytes();
    canh_intel_snap_t *s;
    double t0 = now_s();
    if (canh_intel_snap_build(ind, n, 0, &s, NULL) != CANH_OK)
        exit(1);
    double build = now_s() - t0;
    size_t rss1 = rss_bytes();
    intel_snap_stats_t st;
    intel_snap_stats(s, &st);
    char **sorted = xmalloc(n * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = ind[i].value;
    qsort(sorted, n, sizeof *sorted, cmp_str);

    double r[MAX_RUNS] = {0}, rp[MAX_RUNS] = {0};
    size_t hits = 0, phits = 0;
    uint32_t ids[16];
    for (int k = 0; k <= runs; k++) {
        hits = 0;
        t0 = cpu_s();
        for (size_t i = 0; i < nl; i++)
            hits += canh_intel_match_domain(s, canh_str_c(q[i]), ids, 16) != 0;
        if (k)
            r[k - 1] = (double)nl / (cpu_s() - t0);
        phits = 0;
        t0 = cpu_s();
        for (size_t i = 0; i < nl; i++)
            phits += peer_domain(sorted, n, q[i]) != 0;
        if (k)
            rp[k - 1] = (double)nl / (cpu_s() - t0);
    }
    double v = median(r, runs), pv = median(rp, runs);
    printf("## Domains: %zu names\n\n", n);
    printf("build %.2f s; canh_intel_snap_memory %.1f MiB (name table %.1f MiB = %.1f B/name); "
           "RSS delta %.1f MiB\n\n",
           build, mib(canh_intel_snap_memory(s)), mib(st.names), (double)st.names / (double)n,
           mib(rss1 - rss0));
    printf("| lookup (%zu names, median of %d) | lookups/s | ns/lookup | matched | ÷ peer |\n", nl,
           runs);
    printf("| --- | --- | --- | --- | --- |\n");
    row("canh_intel_match_domain (name and parents)", v, 100.0 * (double)hits / (double)nl, pv);
    row("peer: sorted array, bsearch per suffix", pv, 100.0 * (double)phits / (double)nl, 0);
    printf("\n");
    canh_intel_snap_destroy(s);
    for (size_t i = 0; i < nl; i++)
        free(q[i]);
    free(q);
    free(sorted);
    free_inds(ind, n);
}

/* ---- hashes -------------------------------------------------------------------------- */

static int cmp_dig(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static void bench_hashes(size_t n, size_t nl, int runs)
{
    canh_indicator_t *ind = xmalloc(n * sizeof *ind);
    uint8_t *dig = xmalloc(n * 32);
    char hex[65];
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 32; b++)
            dig[32 * i + b] = (uint8_t)rnd();
        for (int b = 0; b < 32; b++)
            snprintf(hex + 2 * b, 3, "%02x", dig[32 * i + b]);
        set_ind(&ind[i], CANH_IOC_SHA256, hex);
    }
    char *q = xmalloc(nl * 65);
    for (size_t i = 0; i < nl; i++) {
        if (i % 2 == 0) {
            memcpy(q + 65 * i, ind[below((uint32_t)n)].value, 65);
        } else {
            for (int b = 0; b < 32; b++)
                snprintf(q + 65 * i + 2 * b, 3, "%02x", (unsigned)(rnd() & 255));
        }
    }
    size_t rss0 = rss_bytes();
    canh_intel_snap_t *s;
    double t0 = now_s();
    if (canh_intel_snap_build(ind, n, 0, &s, NULL) != CANH_OK)
        exit(1);
    double build = now_s() - t0;
    size_t rss1 = rss_bytes();
    intel_snap_stats_t st;
    intel_snap_stats(s, &st);
    qsort(dig, n, 32, cmp_dig);

    double r[MAX_RUNS] = {0}, rp[MAX_RUNS] = {0};
    size_t hits = 0, phits = 0;
    uint32_t ids[16];
    for (int k = 0; k <= runs; k++) {
        hits = 0;
        t0 = cpu_s();
        for (size_t i = 0; i < nl; i++)
            hits += canh_intel_match_hash(s, canh_str(q + 65 * i, 64), ids, 16) != 0;
        if (k)
            r[k - 1] = (double)nl / (cpu_s() - t0);
        phits = 0;
        t0 = cpu_s();
        for (size_t i = 0; i < nl; i++) {
            uint8_t d[32];
            intel_hex_decode(q + 65 * i, 32, d);
            phits += bsearch(d, dig, n, 32, cmp_dig) != NULL;
        }
        if (k)
            rp[k - 1] = (double)nl / (cpu_s() - t0);
    }
    double v = median(r, runs), pv = median(rp, runs);
    printf("## Hashes: %zu SHA-256\n\n", n);
    printf("build %.2f s; hash set %.1f MiB = %.1f B/hash; canh_intel_snap_memory %.1f MiB "
           "(%.0f B/hash with the indicator copies); RSS delta %.1f MiB\n\n",
           build, mib(st.hashes), (double)st.hashes / (double)n, mib(canh_intel_snap_memory(s)),
           (double)canh_intel_snap_memory(s) / (double)n, mib(rss1 - rss0));
    printf(
        "| lookup (%zu hex digests, median of %d) | lookups/s | ns/lookup | matched | ÷ peer |\n",
        nl, runs);
    printf("| --- | --- | --- | --- | --- |\n");
    row("canh_intel_match_hash (hex text)", v, 100.0 * (double)hits / (double)nl, pv);
    row("peer: decode + bsearch in sorted digests", pv, 100.0 * (double)phits / (double)nl, 0);
    printf("\n");
    canh_intel_snap_destroy(s);
    free(q);
    free(dig);
    free_inds(ind, n);
}

int main(int argc, char **argv)
{
    size_t n4 = 1000000, n6 = 100000, nd = 1000000, nh = 1000000, nl = 4u << 20;
    int runs = 5;
    uint64_t seed = 20261121;
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"v4", required_argument, NULL, '4'},
        {"v6", required_argument, NULL, '6'},
        {"domains", required_argument, NULL, 'd'},
        {"hashes", required_argument, NULL, 'h'},
        {"lookups", required_argument, NULL, 'l'},
        {"quick", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': runs = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case '4': n4 = strtoull(optarg, NULL, 10); break;
        case '6': n6 = strtoull(optarg, NULL, 10); break;
        case 'd': nd = strtoull(optarg, NULL, 10); break;
        case 'h': nh = strtoull(optarg, NULL, 10); break;
        case 'l': nl = strtoull(optarg, NULL, 10); break;
        case 'q':
            n4 = 100000, n6 = 10000, nd = nh = 100000, nl = 1u << 20;
            runs = 3;
            break;
        default:
            fprintf(stderr, "usage: bench_intel [--runs N] [--seed S] [--v4 N] [--v6 N] "
                            "[--domains N] [--hashes N] [--lookups N] [--quick]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || n4 == 0 || nl == 0) {
        fprintf(stderr, "bench_intel: --runs 1-%d; --v4 and --lookups at least 1\n", MAX_RUNS);
        return 2;
    }
    rng_state = seed;
    printf("# bench_intel (seed %" PRIu64 ")\n\n", seed);
    bench_ip(n4, n6, nl, runs);
    if (nd)
        bench_domains(nd, nl, runs);
    if (nh)
        bench_hashes(nh, nl, runs);
    return 0;
}
