/* bench_decode.c - decode throughput, one core.
 *
 *   bench_decode [--runs N] [--type NAME] [--tsv] FILE...
 *
 * For each file: every record is read into memory first (through the same
 * record framer as `canh replay`, so framing and I/O are not measured), then
 * canh_decode_record runs over all of them N times (default 5) on one
 * thread; the median run gives records/s and ns/record (CPU time of the
 * process, i.e. per core; --wall for wall-clock time). A second set of runs
 * times decode + canh_event_to_json (what an event sink costs on top). One
 * untimed pass first warms caches and counts which decoder took each record,
 * so a fast number over records that all fell through to "generic" is seen
 * for what it is.
 *
 * Output: a table, or with --tsv one line per file:
 *   file records bytes decode_rps decode_ns json_rps json_ns recognised_pct decoders
 * where decoders is "name:count,name:count,..." (most frequent first). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/buf.h"
#include "canh/decode.h"
#include "canh/error.h"
#include "canh/event.h"
#include "canh/ingest.h"
#include "canh/limits.h"
#include "canh/time.h"

#define MAX_RUNS 99
#define MAX_DECODERS 256

typedef struct corpus {
    char *data; /* all records back to back */
    size_t len, cap;
    size_t *off; /* record i is data[off[i] .. off[i + 1]) */
    size_t n, ncap;
} corpus_t;

/* Timing is CPU time of this (single-threaded) process by default: on a
 * shared machine it measures the work on one core, not the queueing behind
 * other processes. --wall switches to the monotonic clock. */
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
        fprintf(stderr, "bench_decode: %s\n", eb.msg);
        return -1;
    }
    canh_str_t rec;
    uint64_t line;
    bool cut;
    int rc;
    while ((rc = canh_records_next(rs, &rec, &line, &cut, &eb)) == CANH_OK) {
        if (corpus_add(c, rec.p, rec.n) != 0) {
            fprintf(stderr, "bench_decode: %s: out of memory\n", path);
            canh_records_close(rs);
            return -1;
        }
    }
    canh_records_close(rs);
    if (rc != CANH_EOF) {
        fprintf(stderr, "bench_decode: %s\n", eb.msg);
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

/* One timed pass; returns seconds. json: also encode each event. */
static double pass(const canh_decode_t *dec, canh_event_t *ev, canh_buf_t *out, const corpus_t *c,
                   bool json)
{
    double t0 = now_s();
    for (size_t i = 0; i < c->n; i++) {
        canh_decode_record(dec, c->data + c->off[i], c->off[i + 1] - c->off[i], ev);
        if (json) {
            canh_buf_reset(out);
            canh_event_to_json(ev, out);
        }
    }
    return now_s() - t0;
}

typedef struct dcount {
    unsigned id;
    uint64_t n;
} dcount_t;

static int cmp_dcount(const void *a, const void *b)
{
    const dcount_t *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : (x->id > y->id) - (x->id < y->id);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_decode [--runs N] [--type NAME] [--tsv] [--wall] FILE...\n"
               "  --runs N     timed runs per file and mode, median reported (default 5)\n"
               "  --wall       time with the wall clock instead of this process's CPU time\n"
               "  --type NAME  force one decoder (default: detect per record, as replay does)\n"
               "  --tsv        one tab-separated line per file instead of the table\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'}, {"type", required_argument, NULL, 't'},
        {"tsv", no_argument, NULL, 'T'},        {"wall", no_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    int runs = 5, c;
    const char *type = NULL;
    bool tsv = false;
    while ((c = getopt_long(argc, argv, "r:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            runs = atoi(optarg);
            if (runs < 1 || runs > MAX_RUNS) {
                fprintf(stderr, "bench_decode: --runs: 1..%d\n", MAX_RUNS);
                return 2;
            }
            break;
        case 't': type = optarg; break;
        case 'T': tsv = true; break;
        case 'W': clock_id = CLOCK_MONOTONIC; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }

    /* A fixed reference time (2026-12-01T00:00:00+07:00) so year-less
     * timestamps resolve the same way on every run. */
    canh_decode_opts_t dopts = {
        .tref = {.now = INT64_C(1796058000) * CANH_NS_PER_SEC, .tz_off = 7 * 3600},
        .type = type,
    };
    canh_errbuf_t eb = {{0}};
    canh_decode_t *dec;
    if (canh_decode_create(&dopts, &dec, &eb) != CANH_OK) {
        fprintf(stderr, "bench_decode: %s\n", eb.msg);
        return 2;
    }
    canh_event_t *ev = canh_event_create();
    canh_buf_t out;
    canh_buf_init(&out, CANH_MAX_JSON_OUT);
    if (!ev) {
        fprintf(stderr, "bench_decode: out of memory\n");
        return 2;
    }

    if (!tsv)
        printf("%-22s %9s %8s %12s %8s %12s %8s %7s  %s\n", "input", "records", "MB",
               "decode rec/s", "ns/rec", "+json rec/s", "ns/rec", "recog%", "decoders");
    int status = 0;
    for (int fi = optind; fi < argc; fi++) {
        const char *path = argv[fi];
        corpus_t cp = {0};
        if (corpus_load(&cp, path) != 0 || cp.n == 0) {
            if (cp.n == 0)
                fprintf(stderr, "bench_decode: %s: no records\n", path);
            corpus_free(&cp);
            status = 1;
            continue;
        }

        /* Warm-up pass: decoder census. */
        uint64_t per[MAX_DECODERS] = {0};
        for (size_t i = 0; i < cp.n; i++) {
            canh_decode_record(dec, cp.data + cp.off[i], cp.off[i + 1] - cp.off[i], ev);
            per[ev->decoder < MAX_DECODERS ? ev->decoder : 0]++;
        }
        size_t ndec = canh_decode_count() < MAX_DECODERS ? canh_decode_count() : MAX_DECODERS;
        dcount_t dc[MAX_DECODERS];
        size_t nd = 0;
        for (size_t i = 0; i < ndec; i++)
            if (per[i])
                dc[nd++] = (dcount_t){(unsigned)i, per[i]};
        qsort(dc, nd, sizeof *dc, cmp_dcount);
        char census[512];
        size_t cl = 0;
        census[0] = '\0';
        for (size_t i = 0; i < nd && cl < sizeof census - 64; i++)
            cl += (size_t)snprintf(census + cl, sizeof census - cl, "%s%s:%" PRIu64, i ? "," : "",
                                   canh_decode_name(dc[i].id), dc[i].n);
        double recog = 100.0 * (double)(cp.n - per[0]) / (double)cp.n;

        double t_dec[MAX_RUNS], t_json[MAX_RUNS];
        for (int r = 0; r < runs; r++)
            t_dec[r] = pass(dec, ev, &out, &cp, false);
        for (int r = 0; r < runs; r++)
            t_json[r] = pass(dec, ev, &out, &cp, true);
        double md = median(t_dec, runs), mj = median(t_json, runs);
        double n = (double)cp.n;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (tsv)
            printf("%s\t%zu\t%zu\t%.0f\t%.1f\t%.0f\t%.1f\t%.1f\t%s\n", base, cp.n, cp.len, n / md,
                   md * 1e9 / n, n / mj, mj * 1e9 / n, recog, census);
        else
            printf("%-22s %9zu %8.1f %12.0f %8.1f %12.0f %8.1f %7.1f  %s\n", base, cp.n,
                   (double)cp.len / 1e6, n / md, md * 1e9 / n, n / mj, mj * 1e9 / n, recog, census);
        fflush(stdout);
        corpus_free(&cp);
    }
    canh_buf_fini(&out);
    canh_event_destroy(ev);
    canh_decode_destroy(dec);
    return status;
}
