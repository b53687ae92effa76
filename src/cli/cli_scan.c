/* cli_scan.c - `canh scan`: files and trees against hash lists, YARA rules
 * and (optionally) ClamAV databases; one JSON alert line per detection.
 *
 * The engine is built once from every source given (--hashes files, the
 * hash indicators of the store in --data, --yara, --clamav) and shared by
 * the walk's workers (canh_scan_paths). The walk delivers a file's
 * detections together, followed by its file callback; this command holds
 * them until that callback so that, with --quarantine, the file is moved
 * away first and each of its lines carries malware.quarantine_id. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "canh/alert.h"
#include "canh/buf.h"
#include "canh/event.h"
#include "canh/limits.h"
#include "canh/malware.h"
#include "canh/mem.h"
#include "canh/time.h"
#include "cli.h"

#define CMD "scan"
#define MAX_LIST 256     /* --hashes, --yara, --exclude given at most */
#define MAX_SHOWN 1000   /* rejected lines and errors printed; the rest counted */
#define PENDING_MAX 4096 /* detections held for one file before printing early */
#define PENDING_ARENA (16u * 1024u * 1024u)

enum { FMT_JSON, FMT_TABLE };

typedef struct scan {
    int format;
    bool quiet, progress;
    canh_quarantine_t *q;
    canh_store_t *store;
    char host[256];
    char ip[INET6_ADDRSTRLEN];
    canh_event_t *ev;
    canh_buf_t out;

    /* detections of the file being delivered */
    canh_detection_t *pend;
    size_t npend;
    canh_arena_t arena;

    /* counts */
    uint64_t found, by_engine[5], malicious, quarantined, quarantine_failed;
    uint64_t store_errors, errors_shown, rejects_shown;
    uint64_t hash_rejected, hash_taken, yara_failed;
    uint64_t files, bytes;
    double t0, last_progress;
    bool progress_shown;
} scan_t;

static const char *const engines[] = {"hash", "yara", "clamav", "log4j", "other"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void clear_progress(scan_t *s)
{
    if (s->progress_shown) {
        fputs("\r\033[K", stderr);
        s->progress_shown = false;
    }
}

static void show_progress(scan_t *s, bool force)
{
    double t = now_s();
    if (!s->progress || (!force && t - s->last_progress < 0.25))
        return;
    s->last_progress = t;
    double el = t - s->t0;
    double mb = (double)s->bytes / 1e6;
    fprintf(stderr, "\r\033[K %" PRIu64 " files, %.1f MB, %.1f MB/s, %" PRIu64 " detections",
            s->files, mb, el > 0 ? mb / el : 0.0, s->found);
    s->progress_shown = true;
}

/* ---- output ---------------------------------------------------------------------- */

static int engine_index(const char *e)
{
    for (int i = 0; i < 4; i++)
        if (e && !strcmp(e, engines[i]))
            return i;
    return 4;
}

/* Builds the alert for d (quarantine id qid or NULL) and prints / stores it. */
static void emit(scan_t *s, const canh_detection_t *d, const char *qid)
{
    canh_detection_ctx_t c = {
        .host_name = s->host,
        .host_ip = s->ip,
        .quarantine_id = qid,
    };
    canh_detection_alert_t info;
    int rc = canh_detection_to_json(d, &c, s->ev, &s->out, &info);
    clear_progress(s);
    if (rc != CANH_OK) {
        fprintf(stderr, "canh scan: %s: cannot encode a detection: %s\n", d->path,
                canh_strerror(rc));
    } else if (s->format == FMT_JSON) {
        fwrite(s->out.data, 1, s->out.len, stdout);
        fputc('\n', stdout);
    } else {
        printf("%-10s %-6s %-40s %s%s%s%s%s\n", canh_verdict_name(d->verdict), d->engine,
               d->rule ? d->rule : "", d->path, d->inner ? " ! " : "", d->inner ? d->inner : "",
               qid ? "  quarantined " : "", qid ? qid : "");
    }
    fflush(stdout);
    if (rc == CANH_OK && s->store) {
        canh_errbuf_t eb = {{0}};
        if (canh_store_alert_add(s->store, info.ts_ns, info.rule_id, info.rule_source,
                                 canh_level_name(info.level), s->out.data, s->out.len,
                                 &eb) != CANH_OK &&
            s->store_errors++ == 0)
            fprintf(stderr, "canh scan: storing an alert: %s\n", eb.msg);
    }
}

/* ---- walk callbacks (serialised by the walk) ------------------------------------------ */

static const char *keep(scan_t *s, const char *p)
{
    return p ? canh_arena_strndup(&s->arena, p, strlen(p)) : NULL;
}

/* Prints the held detections (quarantine id qid or NULL) and forgets them. */
static void flush_pending(scan_t *s, const char *qid)
{
    for (size_t i = 0; i < s->npend; i++)
        emit(s, &s->pend[i], qid);
    s->npend = 0;
    canh_arena_reset(&s->arena);
}

static int on_detection(void *ud, const canh_detection_t *d)
{
    scan_t *s = ud;
    s->found++;
    s->by_engine[engine_index(d->engine)]++;
    if (d->verdict == CANH_VERDICT_MALICIOUS)
        s->malicious++;
    /* Another file's detections: the previous file's were delivered without
     * a file callback (it failed): print them now. */
    if (s->npend && strcmp(s->pend[0].path, d->path) != 0)
        flush_pending(s, NULL);
    if (s->npend == PENDING_MAX)
        flush_pending(s, NULL);
    canh_detection_t c = *d;
    c.path = keep(s, d->path);
    c.inner = keep(s, d->inner);
    c.engine = keep(s, d->engine);
    c.rule = keep(s, d->rule);
    c.family = keep(s, d->family);
    c.list = keep(s, d->list);
    c.detail = keep(s, d->detail);
    c.cve = keep(s, d->cve);
    c.version = keep(s, d->version);
    if (!c.path || !c.engine || (d->inner && !c.inner) || (d->rule && !c.rule) ||
        (d->family && !c.family) || (d->list && !c.list) || (d->detail && !c.detail) ||
        (d->cve && !c.cve) || (d->version && !c.version)) {
        /* No room to hold it: print it as it is. */
        flush_pending(s, NULL);
        emit(s, d, NULL);
        return 0;
    }
    s->pend[s->npend++] = c;
    return 0;
}

static void on_file(void *ud, const char *path, const canh_scan_result_t *res)
{
    scan_t *s = ud;
    s->files++;
    s->bytes += res->size;
    char qid[33] = "";
    if (s->npend && strcmp(s->pend[0].path, path) != 0)
        flush_pending(s, NULL);
    if (s->npend && s->q) {
        const canh_detection_t *mal = NULL;
        for (size_t i = 0; i < s->npend && !mal; i++)
            if (s->pend[i].verdict == CANH_VERDICT_MALICIOUS)
                mal = &s->pend[i];
        if (mal) {
            canh_errbuf_t eb = {{0}};
            if (canh_quarantine_add(s->q, path, mal, qid, &eb) == CANH_OK) {
                s->quarantined++;
            } else {
                qid[0] = '\0';
                s->quarantine_failed++;
                clear_progress(s);
                fprintf(stderr, "canh scan: %s: not quarantined: %s\n", path, eb.msg);
            }
        }
    }
    flush_pending(s, qid[0] ? qid : NULL);
    show_progress(s, false);
}

static void on_error(void *ud, const char *path, const char *reason)
{
    scan_t *s = ud;
    if (s->npend && !strcmp(s->pend[0].path, path))
        flush_pending(s, NULL);
    if (s->errors_shown++ < MAX_SHOWN) {
        clear_progress(s);
        fprintf(stderr, "canh scan: %s: %s\n", path, reason);
    }
}

static void on_reject(void *ud, const char *file, uint64_t line, const char *reason)
{
    scan_t *s = ud;
    s->hash_rejected++;
    if (s->rejects_shown++ < MAX_SHOWN)
        fprintf(stderr, "%s:%" PRIu64 ": %s\n", file, line, reason);
}

static void on_rule_report(void *ud, const char *file, unsigned line, const char *reason)
{
    scan_t *s = ud;
    s->yara_failed++;
    if (line)
        fprintf(stderr, "%s:%u: %s\n", file, line, reason);
    else
        fprintf(stderr, "%s: %s\n", file, reason);
}

/* ---- options --------------------------------------------------------------------- */

/* "64M", "1.5G" is not taken: integer with an optional K/M/G/T suffix
 * (powers of 1024, optional "B" or "iB"). */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return CANH_EINVAL;
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    case 't':
    case 'T':
        shift = 40;
        end++;
        break;
    default: break;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
        end += strlen(end);
    if (!shift && (!strcmp(end, "B")))
        end++;
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return CANH_EINVAL;
    *out = (uint64_t)v << shift;
    return CANH_OK;
}

static void scan_help(void)
{
    printf("usage: canh scan [--hashes FILE]... [--yara PATH]... [--clamav DIR] [--jobs N]\n"
           "                 [--exclude GLOB]... [--quarantine] [--store] [--max-size SIZE]\n"
           "                 [--no-archives] [--follow-symlinks] [--cross-devices]\n"
           "                 [--format json|table] [--quiet] [--data DIR] PATH...\n"
           "\n"
           "Scans files and directory trees with hash lists, YARA rules and ClamAV databases,\n"
           "and reports vulnerable Log4j jars. One JSON alert line per detection on stdout; a\n"
           "progress line (on a terminal) and a summary on stderr. The md5/sha1/sha256\n"
           "indicators of the store in --data are used too when it exists.\n"
           "  --hashes FILE      hash list (plain, sha256sum, ClamAV .hdb/.hsb, CSV, hash-iocs)\n"
           "  --yara PATH        YARA rule file, directory of them, or compiled rules\n"
           "  --clamav DIR       ClamAV database directory (libclamav)\n"
           "  --jobs N           scanning threads (default: number of cores)\n"
           "  --exclude GLOB     skip paths whose full path or name matches (fnmatch)\n"
           "  --quarantine       move files with a malicious detection to the quarantine\n"
           "  --store            also store each detection as an alert in --data\n"
           "  --max-size SIZE    hash only files larger than SIZE (K, M, G suffixes; default 64M)\n"
           "  --no-archives      do not look inside archives\n"
           "  --follow-symlinks  follow symbolic links (loops are detected)\n"
           "  --cross-devices    descend into other file systems\n"
           "  --format FMT       json (default) or table\n"
           "  --quiet            no progress line and no summary\n"
           "Special files (FIFOs, devices, sockets) are never read.\n"
           "Exit status: 1 if anything was found, 0 if nothing, 2 on a usage or input error.\n");
}

static void summary(scan_t *s, const canh_walk_stats_t *st, const canh_scan_engine_info_t *inf,
                    double el)
{
    double mb = (double)st->bytes / 1e6;
    fprintf(stderr,
            "canh scan: %" PRIu64 " files, %.1f MB in %.2f s (%.1f MB/s, %.0f files/s); "
            "%" PRIu64 " objects, %" PRIu64 " hashed only\n",
            st->files, mb, el, el > 0 ? mb / el : 0.0, el > 0 ? (double)st->files / el : 0.0,
            st->objects, st->hashed_only);
    fprintf(stderr, "canh scan: %" PRIu64 " detections (", s->found);
    for (int i = 0; i < 5; i++)
        if (i < 4 || s->by_engine[i])
            fprintf(stderr, "%s%s %" PRIu64, i ? ", " : "", engines[i], s->by_engine[i]);
    fprintf(stderr, ")");
    if (s->q)
        fprintf(stderr, ", %" PRIu64 " quarantined, %" PRIu64 " not", s->quarantined,
                s->quarantine_failed);
    fprintf(stderr,
            "\ncanh scan: skipped: %" PRIu64 " excluded, %" PRIu64 " special, %" PRIu64
            " on other devices, %" PRIu64 " loops; %" PRIu64 " errors\n",
            st->skipped_excluded, st->skipped_special, st->skipped_device, st->skipped_loop,
            st->errors);
    fprintf(stderr,
            "canh scan: engine: %zu md5, %zu sha1, %zu sha256 hashes (%" PRIu64
            " lines rejected); %zu YARA rules (%zu files failed); %zu ClamAV signatures\n",
            inf->hashes[CANH_HASH_MD5], inf->hashes[CANH_HASH_SHA1], inf->hashes[CANH_HASH_SHA256],
            s->hash_rejected, inf->yara_rules, inf->yara_files_failed, inf->clamav_signatures);
}

/* s as an fnmatch pattern that matches s alone (metacharacters escaped). */
static void glob_escape(char *out, size_t n, const char *s)
{
    size_t k = 0;
    for (; *s && k + 2 < n; s++) {
        if (strchr("*?[]\\", *s))
            out[k++] = '\\';
        out[k++] = *s;
    }
    out[k] = '\0';
}

/* The hash indicators of the intel store in dir, when it has one. Returns
 * 0 or the exit status. */
static int load_indicators(const char *dir, canh_indicator_t **v, size_t *nv)
{
    if (!canh_cli_store_exists(dir))
        return 0;
    canh_store_t *st;
    if (canh_cli_open_store(CMD, dir, &st))
        return 2;
    canh_errbuf_t eb = {{0}};
    int rc = canh_store_intel_load(st, (int64_t)time(NULL), false, v, nv, &eb);
    canh_store_close(st);
    if (rc != CANH_OK) {
        fprintf(stderr, "canh scan: loading indicators from %s: %s\n", dir,
                eb.msg[0] ? eb.msg : canh_strerror(rc));
        return 2;
    }
    return 0;
}

int canh_cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"hashes", required_argument, NULL, 'H'},  {"yara", required_argument, NULL, 'y'},
        {"clamav", required_argument, NULL, 'c'},  {"jobs", required_argument, NULL, 'j'},
        {"exclude", required_argument, NULL, 'x'}, {"quarantine", no_argument, NULL, 'Q'},
        {"store", no_argument, NULL, 'S'},         {"max-size", required_argument, NULL, 'm'},
        {"no-archives", no_argument, NULL, 'A'},   {"follow-symlinks", no_argument, NULL, 'L'},
        {"cross-devices", no_argument, NULL, 'X'}, {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},         {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *hashes[MAX_LIST], *yara[MAX_LIST], *excl[MAX_LIST + 2];
    size_t nhashes = 0, nyara = 0, nexcl = 0;
    const char *clamav = NULL, *data = NULL;
    bool quarantine = false, want_store = false;
    canh_scan_opts_t so;
    canh_scan_opts_default(&so);
    canh_walk_opts_t wo = {0};
    scan_t s = {.format = FMT_JSON};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "H:y:c:j:x:QSm:ALXf:qd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
        case 'y':
        case 'x': {
            size_t *np = c == 'H' ? &nhashes : c == 'y' ? &nyara : &nexcl;
            const char **v = c == 'H' ? hashes : c == 'y' ? yara : excl;
            if (*np == MAX_LIST)
                return canh_cli_usage_error(CMD, "at most %d --%s options", MAX_LIST,
                                            c == 'H'   ? "hashes"
                                            : c == 'y' ? "yara"
                                                       : "exclude");
            v[(*np)++] = optarg;
            break;
        }
        case 'c': clamav = optarg; break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || end == optarg || j < 1 || j > 256)
                return canh_cli_usage_error(CMD, "--jobs: expected 1 to 256, got \"%s\"", optarg);
            wo.jobs = (unsigned)j;
            break;
        }
        case 'Q': quarantine = true; break;
        case 'S': want_store = true; break;
        case 'm':
            if (parse_size(optarg, &so.max_scan_size) != CANH_OK || so.max_scan_size == 0)
                return canh_cli_usage_error(
                    CMD, "--max-size: expected a size such as 64M or 1G, got \"%s\"", optarg);
            break;
        case 'A': so.max_archive_depth = 0; break;
        case 'L': wo.follow_symlinks = true; break;
        case 'X': wo.cross_devices = true; break;
        case 'f':
            if (!strcmp(optarg, "json"))
                s.format = FMT_JSON;
            else if (!strcmp(optarg, "table"))
                s.format = FMT_TABLE;
            else
                return canh_cli_usage_error(CMD, "--format: expected json or table, got \"%s\"",
                                            optarg);
            break;
        case 'q': s.quiet = true; break;
        case 'd': data = optarg; break;
        case 'h': scan_help(); return 0;
        default: return 2;
        }
    }
    if (optind >= argc)
        return canh_cli_usage_error(CMD, "expected at least one PATH (see canh scan --help)");
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (lstat(argv[i], &sb) != 0)
            return canh_cli_usage_error(CMD, "%s: %s", argv[i], strerror(errno));
    }
    for (size_t i = 0; i < nyara; i++) {
        struct stat sb;
        if (stat(yara[i], &sb) != 0)
            return canh_cli_usage_error(CMD, "--yara %s: %s", yara[i], strerror(errno));
    }
    const char *dir = canh_cli_data_dir(data);

    int status = 2;
    canh_errbuf_t eb = {{0}};
    canh_indicator_t *ind = NULL;
    size_t nind = 0;
    canh_scan_engine_t *e = NULL;
    canh_arena_init(&s.arena, 64 * 1024, PENDING_ARENA);
    canh_buf_init(&s.out, CANH_MAX_JSON_OUT);
    s.ev = canh_event_create();
    s.pend = canh_calloc(PENDING_MAX, sizeof *s.pend);
    if (!s.ev || !s.pend) {
        fprintf(stderr, "canh scan: out of memory\n");
        goto out;
    }
    if (load_indicators(dir, &ind, &nind))
        goto out;
    canh_scan_sources_t src = {
        .hashes = hashes,
        .nhashes = nhashes,
        .ind = ind,
        .nind = nind,
        .yara = yara,
        .nyara = nyara,
        .clamav = clamav,
        .reject = on_reject,
        .rule_report = on_rule_report,
        .ud = &s,
    };
    int brc = canh_scan_engine_build(&so, &src, &e, &eb);
    canh_store_intel_free(ind, nind); /* the hash set holds copies */
    ind = NULL;
    nind = 0;
    if (brc != CANH_OK) {
        fprintf(stderr, "canh scan: %s\n", eb.msg);
        goto out;
    }
    s.hash_taken = src.hashes_taken;
    canh_scan_engine_info_t inf;
    canh_scan_engine_info(e, &inf);
    size_t nh =
        inf.hashes[CANH_HASH_MD5] + inf.hashes[CANH_HASH_SHA1] + inf.hashes[CANH_HASH_SHA256];
    if (nh == 0 && inf.yara_rules == 0 && inf.clamav_signatures == 0) {
        fprintf(stderr,
                "canh scan: nothing to scan with: no hashes (--hashes, or hash "
                "indicators in %s), no YARA rules (--yara), no ClamAV signatures "
                "(--clamav)\n",
                dir);
        goto out;
    }
    if (s.hash_rejected > MAX_SHOWN)
        fprintf(stderr, "canh scan: %" PRIu64 " more rejected hash lines not shown\n",
                s.hash_rejected - MAX_SHOWN);
    if (quarantine && canh_quarantine_open(dir, &s.q, &eb) != CANH_OK) {
        fprintf(stderr, "canh scan: quarantine: %s\n", eb.msg);
        goto out;
    }
    if (want_store && canh_cli_open_store(CMD, dir, &s.store))
        goto out;

    /* Never scan the quarantine itself: its files are the ones found. The
     * patterns match the path as given and the real path, whichever way
     * the walk reaches it. */
    char qpath[PATH_MAX + 16], qdir[2 * PATH_MAX + 32], qreal[2 * PATH_MAX + 32];
    snprintf(qpath, sizeof qpath, "%s/quarantine", dir);
    glob_escape(qdir, sizeof qdir, qpath);
    excl[nexcl++] = qdir;
    char *real = realpath(dir, NULL);
    if (real) {
        snprintf(qpath, sizeof qpath, "%s/quarantine", real);
        glob_escape(qreal, sizeof qreal, qpath);
        free(real);
        excl[nexcl++] = qreal;
    }
    wo.exclude = excl;
    wo.nexclude = nexcl;
    canh_host_identity(s.host, sizeof s.host, s.ip, sizeof s.ip);
    s.progress = !s.quiet && isatty(STDERR_FILENO);
    s.t0 = now_s();
    canh_walk_cb_t cb = {on_detection, on_file, on_error, &s};
    canh_walk_stats_t st = {0};
    int rc = canh_scan_paths(e, &wo, (const char *const *)argv + optind, (size_t)(argc - optind),
                             &cb, &st, &eb);
    flush_pending(&s, NULL);
    double el = now_s() - s.t0;
    clear_progress(&s);
    if (rc != CANH_OK) {
        fprintf(stderr, "canh scan: %s\n", eb.msg);
        goto out;
    }
    if (s.errors_shown > MAX_SHOWN)
        fprintf(stderr, "canh scan: %" PRIu64 " more unreadable paths not shown\n",
                s.errors_shown - MAX_SHOWN);
    if (!s.quiet)
        summary(&s, &st, &inf, el);
    status = s.found ? 1 : 0;
out:
    if (s.store)
        canh_store_close(s.store);
    if (s.q)
        canh_quarantine_close(s.q);
    canh_scan_engine_destroy(e);
    canh_store_intel_free(ind, nind);
    canh_event_destroy(s.ev);
    canh_free(s.pend);
    canh_buf_fini(&s.out);
    canh_arena_fini(&s.arena);
    return status;
}
