/* bench_hashset.c - hash sets: load+freeze time, memory and lookups/s.
 *
 *   bench_hashset [--n N] [--runs R] [--lookups M] [--no-peers]
 *
 * Generates (seeded, deterministic; once, then reused) N random SHA-256
 * digests (default 1,000,000) into bench/data/ (git-ignored) as a plain
 * list (one hex digest per line) and as a ClamAV .hsb database
 * (HEX:SIZE:NAME, the peer's own format). Then, one line per measure:
 *   - canh load+freeze of each file: median (min-max) wall time of R runs
 *     (default 5), including reading the file;
 *   - memory: canh_hashset_memory and the VmRSS delta over the first load
 *     (from /proc/self/status);
 *   - lookups/s of M digests (default 4,000,000; half listed, half not),
 *     per CPU-second of the measuring thread, median of R rounds;
 *   - peers, measured in the same run: libclamav loading the .hsb file
 *     (cl_load + cl_engine_compile; median of 3, RSS delta of the first),
 *     and the digests in a sorted array searched with libc bsearch (its
 *     sort time and lookups/s), with the ratios. */
#include <clamav.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "canh/malware.h"

#define MAX_RUNS 31

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS from /proc/self/status, in bytes. */
static size_t rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void digest_of(uint64_t seed, uint8_t d[32])
{
    uint64_t s = seed * 0xda942042e4dd58b5ull + 1;
    for (int i = 0; i < 4; i++) {
        s ^= s >> 31;
        s *= 0xbf58476d1ce4e5b9ull;
        s ^= s >> 27;
        memcpy(d + 8 * i, &s, 8);
        s += 0x9e3779b97f4a7c15ull;
    }
}

static int cmpd(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static int cmpdbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmpdbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Writes both list files unless they exist. */
static int generate(const char *plain, const char *hsb, size_t n)
{
    struct stat st;
    if (stat(plain, &st) == 0 && stat(hsb, &st) == 0)
        return 0;
    mkdir(CANH_BENCH_DATA, 0755);
    FILE *a = fopen(plain, "w"), *b = fopen(hsb, "w");
    if (!a || !b) {
        perror("bench_hashset: data file");
        return -1;
    }
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t d[32];
        char h[65];
        digest_of(i, d);
        for (int k = 0; k < 32; k++) {
            h[2 * k] = hx[d[k] >> 4];
            h[2 * k + 1] = hx[d[k] & 15];
        }
        h[64] = '\0';
        fprintf(a, "%s\n", h);
        fprintf(b, "%s:%zu:Bench.Sample-%zu\n", h, 1000 + i % 100000, i);
    }
    fclose(a);
    fclose(b);
    return 0;
}

static double canh_load(const char *path, size_t *mem, size_t *rss_delta, canh_hashset_t **keep,
                        double *cpu)
{
    size_t r0 = rss();
    double t0 = now_s(), c0 = cpu_s();
    canh_hashset_t *hs;
    canh_errbuf_t eb;
    uint64_t taken = 0, rejected = 0;
    if (canh_hashset_create(&hs) ||
        canh_hashset_load_file(hs, path, NULL, NULL, &taken, &rejected, &eb) ||
        canh_hashset_freeze(hs, &eb)) {
        fprintf(stderr, "bench_hashset: %s: %s\n", path, eb.msg);
        exit(1);
    }
    double t = now_s() - t0;
    *cpu = cpu_s() - c0;
    if (rejected) {
        fprintf(stderr, "bench_hashset: %s: %" PRIu64 " rejected\n", path, rejected);
        exit(1);
    }
    if (mem)
        *mem = canh_hashset_memory(hs);
    if (rss_delta)
        *rss_delta = rss() - r0;
    if (keep)
        *keep = hs;
    else
        canh_hashset_destroy(hs);
    return t;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, lookups = 4000000;
    int runs = 5;
    bool peers = true;
    static const struct option opts[] = {{"n", required_argument, NULL, 'n'},
                                         {"runs", required_argument, NULL, 'r'},
                                         {"lookups", required_argument, NULL, 'l'},
                                         {"no-peers", no_argument, NULL, 'p'},
                                         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:r:l:p", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = strtoul(optarg, NULL, 10); break;
        case 'r': runs = atoi(optarg); break;
        case 'l': lookups = strtoul(optarg, NULL, 10); break;
        case 'p': peers = false; break;
        default:
            fprintf(stderr, "usage: bench_hashset [--n N] [--runs R] [--lookups M] [--no-peers]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || n < 2 || lookups < 2) {
        fprintf(stderr, "bench_hashset: bad arguments\n");
        return 2;
    }
    char plain[512], hsb[512];
    snprintf(plain, sizeof plain, "%s/hashset-sha256-%zu.txt", CANH_BENCH_DATA, n);
    snprintf(hsb, sizeof hsb, "%s/hashset-sha256-%zu.hsb", CANH_BENCH_DATA, n);
    if (generate(plain, hsb, n))
        return 1;
    struct stat st;
    stat(plain, &st);
    printf("input: %zu random SHA-256 digests, %s (%.1f MB)\n", n, plain, (double)st.st_size / 1e6);

    /* canh: first run alone for the memory figures. */
    double t[MAX_RUNS], cpu[MAX_RUNS];
    size_t mem = 0, drss = 0;
    canh_hashset_t *hs = NULL;
    t[0] = canh_load(plain, &mem, &drss, &hs, &cpu[0]);
    for (int r = 1; r < runs; r++)
        t[r] = canh_load(plain, NULL, NULL, NULL, &cpu[r]);
    double lo = t[0], hi = t[0];
    for (int r = 0; r < runs; r++) {
        lo = t[r] < lo ? t[r] : lo;
        hi = t[r] > hi ? t[r] : hi;
    }
    double canh_plain = median(t, runs);
    printf("canh load+freeze plain list: median %.3f s wall (min %.3f, max %.3f, %d runs), "
           "%.3f s CPU, %.2f M digests/s\n",
           canh_plain, lo, hi, runs, median(cpu, runs), (double)n / canh_plain / 1e6);
    printf("canh memory: canh_hashset_memory %.1f MB (%.1f bytes/digest), VmRSS delta %.1f MB\n",
           (double)mem / 1e6, (double)mem / (double)n, (double)drss / 1e6);
    for (int r = 0; r < runs; r++)
        t[r] = canh_load(hsb, NULL, NULL, NULL, &cpu[r]);
    double canh_hsb = median(t, runs), canh_hsb_cpu = median(cpu, runs);
    printf("canh load+freeze ClamAV .hsb: median %.3f s wall, %.3f s CPU (%d runs)\n", canh_hsb,
           canh_hsb_cpu, runs);

    /* Probes: even ones listed, odd ones not (seeds past n). */
    uint8_t *probe = malloc(lookups * 32);
    for (size_t i = 0; i < lookups; i++)
        digest_of(i % 2 ? n + rnd() % (1ull << 40) : rnd() % n, probe + i * 32);
    double rate[MAX_RUNS], hit_rate[MAX_RUNS];
    size_t hits = 0;
    for (int r = 0; r < runs; r++) {
        hits = 0;
        double c0 = cpu_s();
        for (size_t i = 0; i < lookups; i++)
            hits += canh_hashset_lookup(hs, CANH_HASH_SHA256, probe + i * 32, NULL);
        rate[r] = (double)lookups / (cpu_s() - c0);
        /* Hits only, with the name and source read. */
        c0 = cpu_s();
        size_t nl = 0;
        for (size_t i = 0; i < lookups; i += 2) {
            canh_hash_hit_t hit;
            if (canh_hashset_lookup(hs, CANH_HASH_SHA256, probe + i * 32, &hit))
                nl += hit.name[0] == '\0';
        }
        hit_rate[r] = (double)(lookups / 2) / (cpu_s() - c0);
        if (nl != lookups / 2)
            fprintf(stderr, "bench_hashset: unexpected hit result\n");
    }
    double canh_rate = median(rate, runs);
    printf("canh lookups (50%% hits): %.2f M/s per CPU-second (%zu of %zu hit); hits only: "
           "%.2f M/s\n",
           canh_rate / 1e6, hits, lookups, median(hit_rate, runs) / 1e6);

    if (peers) {
        /* libc: sort the digests, bsearch them. */
        uint8_t *arr = malloc(n * 32);
        for (size_t i = 0; i < n; i++)
            digest_of(i, arr + i * 32);
        double t0 = now_s();
        qsort(arr, n, 32, cmpd);
        double sort_s = now_s() - t0;
        for (int r = 0; r < runs; r++) {
            size_t h2 = 0;
            double c0 = cpu_s();
            for (size_t i = 0; i < lookups; i++)
                h2 += bsearch(probe + i * 32, arr, n, 32, cmpd) != NULL;
            rate[r] = (double)lookups / (cpu_s() - c0);
            if (h2 != hits)
                fprintf(stderr, "bench_hashset: bsearch disagrees (%zu vs %zu)\n", h2, hits);
        }
        double bs_rate = median(rate, runs);
        printf("peer sorted array + bsearch: qsort %.3f s (digests in memory, no parsing); "
               "lookups %.2f M/s; canh/bsearch lookups %.2fx\n",
               sort_s, bs_rate / 1e6, canh_rate / bs_rate);
        free(arr);

        /* libclamav: the same digests as a .hsb database. */
        if (cl_init(CL_INIT_DEFAULT) != CL_SUCCESS) {
            fprintf(stderr, "bench_hashset: cl_init failed\n");
        } else {
            int cr = runs < 3 ? runs : 3;
            size_t crss = 0;
            unsigned sigs = 0;
            for (int r = 0; r < cr; r++) {
                size_t r0 = rss();
                double c0 = now_s(), cc0 = cpu_s();
                struct cl_engine *e = cl_engine_new();
                sigs = 0;
                cl_error_t ce = cl_load(hsb, e, &sigs, CL_DB_STDOPT);
                if (ce == CL_SUCCESS)
                    ce = cl_engine_compile(e);
                t[r] = now_s() - c0;
                cpu[r] = cpu_s() - cc0;
                if (r == 0)
                    crss = rss() - r0;
                if (ce != CL_SUCCESS)
                    fprintf(stderr, "bench_hashset: clamav: %s\n", cl_strerror(ce));
                cl_engine_free(e);
            }
            double clam = median(t, cr), clam_cpu = median(cpu, cr);
            printf("peer libclamav %s cl_load+compile .hsb: median %.3f s wall, %.3f s CPU "
                   "(%d runs), %u signatures, VmRSS delta %.1f MB; canh .hsb load %.1fx less "
                   "CPU, memory %.1fx less\n",
                   cl_retver(), clam, clam_cpu, cr, sigs, (double)crss / 1e6,
                   clam_cpu / canh_hsb_cpu, (double)crss / (double)(drss ? drss : 1));
        }
    }
    canh_hashset_destroy(hs);
    free(probe);
    return 0;
}
