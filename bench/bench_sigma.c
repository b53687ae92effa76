/* bench_sigma.c - Sigma detection throughput, one core.
 *
 *   bench_sigma [--runs N] [--wall] [--top K] --rules PATH [--rules PATH]... FILE...
 *
 * Compiles the rules in each --rules PATH (files or directories, as `canh
 * rules check` does) and reports how long that took and how many rules run.
 * For each FILE, every record is read into memory first (framing and I/O
 * are not measured); an untimed pass counts the alerts per rule (the K most
 * frequent are shown, so a fast number with no alerts, or a flood, is seen
 * for what it is); then N timed runs of decode alone and N of decode +
 * canh_detector_run give medians as records/s and ns/record (CPU time of
 * this single-threaded process, i.e. per core; --wall for wall-clock).
 * The peer is decode alone on the same records in the same run: the
 * "detect cost" column is what detection adds per record.
 *
 * The last line sums all files: records/s through decode + detect. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/decode.h"
#include "canh/detect.h"
#include "canh/error.h"
#include "canh/event.h"
#include "canh/ingest.h"
#include "canh/limits.h"
#include "canh/time.h"

#define MAX_RUNS 99
#define MAX_PATHS 64

typedef struct corpus {
    char *data;
    size_t len, cap;
    size_t *off;
    size_t n, ncap;
} corpus_t;

static clockid_t clock_id = CLOCK_PROCESS_CPUTIME_ID;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int corpus_add(corpus_t *c, const char *p, size_t n)
{
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : (size_t)1 << 24;
        while (cap < c->len + n)
            cap *= 2;
        char *d = realloc(c->data, cap);
        if (!d)
            return -1;
        c->data = d;
        c->cap = cap;
    }
    if (c->n + 2 > c->ncap) {
        size_t ncap = c->ncap ? c->ncap * 2 : (size_t)1 << 16;
        size_t *o = realloc(c->off, ncap * sizeof *o);
        if (!o)
            return -1;
        c->off = o;
        c->ncap = ncap;
    }
    memcpy(c->data + c->len, p, n);
    c->off[c->n++] = c->len;
    c->len += n;
    c->off[c->n] = c->len;
    return 0;
}

static int corpus_load(corpus_t *c, const char *path)
{
    canh_errbuf_t eb = {{0}};
    canh_records_t *rs;
    if (canh_records_open(path, CANH_MAX_RECORD, &rs, &eb) != CANH_OK) {
        fprintf(stderr, "bench_sigma: %s\n", eb.msg);
        return -1;
    }
    canh_str_t rec;
    uint64_t line;
    bool cut;
    int rc;
    while ((rc = canh_records_next(rs, &rec, &line, &cut, &eb)) == CANH_OK)
        if (corpus_add(c, rec.p, rec.n) != 0) {
            canh_records_close(rs);
            fprintf(stderr, "bench_sigma: %s: out of memory\n", path);
            return -1;
        }
    canh_records_close(rs);
    if (rc != CANH_EOF) {
        fprintf(stderr, "bench_sigma: %s\n", eb.msg);
        return -1;
    }
    return 0;
}

static void corpus_free(corpus_t *c)
{
    free(c->data);
    free(c->off);
    memset(c, 0, sizeof *c);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Alerts per rule id, for the untimed pass. */
typedef struct rcount {
    const char *id, *name;
    uint64_t n;
} rcount_t;

typedef struct counts {
    rcount_t *v;
    size_t n, cap;
    uint64_t total;
} counts_t;

static int count_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    (void)ev;
    counts_t *c = ud;
    c->total++;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].id == a->rule_id) {
            c->v[i].n++;
            return 0;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        rcount_t *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv)
            return 0;
        c->v = nv;
        c->cap = cap;
    }
    c->v[c->n++] = (rcount_t){a->rule_id, a->rule_name, 1};
    return 0;
}

static int no_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    (void)a;
    (void)ev;
    (*(uint64_t *)ud)++;
    return 0;
}

static int cmp_rcount(const void *a, const void *b)
{
    const rcount_t *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->id, y->id);
}

static double pass(const canh_decode_t *dec, canh_detector_t *det, canh_event_t *ev,
                   const corpus_t *c, uint64_t *alerts)
{
    double t0 = now_s();
    for (size_t i = 0; i < c->n; i++) {
        canh_decode_record(dec, c->data + c->off[i], c->off[i + 1] - c->off[i], ev);
        if (det)
            canh_detector_run(det, ev, no_alert, alerts);
    }
    return now_s() - t0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_sigma [--runs N] [--wall] [--top K] --rules PATH... FILE...\n"
               "  --rules PATH  Sigma rules (file or directory); repeat for more\n"
               "  --runs N      timed runs per file and mode, median reported (default 5)\n"
               "  --top K       show the K rules that fired most per file (default 5)\n"
               "  --wall        time with the wall clock instead of this process's CPU time\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'}, {"rules", required_argument, NULL, 'R'},
        {"top", required_argument, NULL, 'k'},  {"wall", no_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    const char *paths[MAX_PATHS];
    size_t npaths = 0;
    int runs = 5, top = 5, c;
    while ((c = getopt_long(argc, argv, "r:R:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            runs = atoi(optarg);
            if (runs < 1 || runs > MAX_RUNS) {
                fprintf(stderr, "bench_sigma: --runs: 1..%d\n", MAX_RUNS);
                return 2;
            }
            break;
        case 'R':
            if (npaths == MAX_PATHS) {
                fprintf(stderr, "bench_sigma: at most %d --rules\n", MAX_PATHS);
                return 2;
            }
            paths[npaths++] = optarg;
            break;
        case 'k': top = atoi(optarg); break;
        case 'W': clock_id = CLOCK_MONOTONIC; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc || npaths == 0) {
        usage(stderr);
        return 2;
    }

    canh_errbuf_t eb = {{0}};
    canh_rules_t *rules;
    size_t compiled = 0, failed = 0;
    canh_rules_opts_t ro = {NULL, true};
    double t0 = now_s();
    if (canh_rules_compile(paths, npaths, &ro, NULL, NULL, &rules, &compiled, &failed, &eb) !=
        CANH_OK) {
        fprintf(stderr, "bench_sigma: %s\n", eb.msg);
        return 2;
    }
    double tc = now_s() - t0;
    printf("rules: %zu compiled (%zu run), %zu failed, compile %.2f s\n", compiled,
           canh_rules_count(rules), failed, tc);

    canh_decode_opts_t dopts = {
        .tref = {.now = INT64_C(1796058000) * CANH_NS_PER_SEC, .tz_off = 7 * 3600},
        .type = NULL,
    };
    canh_decode_t *dec;
    canh_detector_t *det;
    if (canh_decode_create(&dopts, &dec, &eb) != CANH_OK ||
        canh_detector_create(rules, &det) != CANH_OK) {
        fprintf(stderr, "bench_sigma: cannot create the decoder or detector\n");
        return 2;
    }
    canh_event_t *ev = canh_event_create();
    printf("\n| file | records | alerts | decode rec/s | decode+detect rec/s (ns/rec) | detect "
           "cost ns/rec | decode+detect ÷ decode |\n|---|---:|---:|---:|---:|---:|---:|\n");
    double sum_recs = 0, sum_time = 0;
    int status = 0;
    for (int f = optind; f < argc; f++) {
        corpus_t cp = {0};
        if (corpus_load(&cp, argv[f]) != 0) {
            status = 2;
            corpus_free(&cp);
            continue;
        }
        counts_t cnt = {0};
        for (size_t i = 0; i < cp.n; i++) { /* untimed: warm up, count alerts */
            canh_decode_record(dec, cp.data + cp.off[i], cp.off[i + 1] - cp.off[i], ev);
            canh_detector_run(det, ev, count_alert, &cnt);
        }
        double td[MAX_RUNS], tt[MAX_RUNS];
        uint64_t sink = 0;
        for (int r = 0; r < runs; r++) {
            td[r] = pass(dec, NULL, ev, &cp, &sink);
            tt[r] = pass(dec, det, ev, &cp, &sink);
        }
        double md = median(td, runs), mt = median(tt, runs);
        double n = (double)cp.n;
        printf("| %s | %zu | %" PRIu64 " | %.0f | %.0f (%.0f) | %.0f | %.2f |\n", argv[f], cp.n,
               cnt.total, n / md, n / mt, mt / n * 1e9, (mt - md) / n * 1e9, md / mt);
        qsort(cnt.v, cnt.n, sizeof *cnt.v, cmp_rcount);
        for (size_t i = 0; i < cnt.n && (int)i < top; i++)
            fprintf(stderr, "  %s: %" PRIu64 " x %s (%s)\n", argv[f], cnt.v[i].n, cnt.v[i].id,
                    cnt.v[i].name);
        sum_recs += n;
        sum_time += mt;
        free(cnt.v);
        corpus_free(&cp);
    }
    if (sum_time > 0)
        printf("\nall files: %.0f records/s per core through decode + detect (%.0f ns/record)\n",
               sum_recs / sum_time, sum_time / sum_recs * 1e9);
    canh_event_destroy(ev);
    canh_detector_destroy(det);
    canh_decode_destroy(dec);
    canh_rules_destroy(rules);
    return status;
}
