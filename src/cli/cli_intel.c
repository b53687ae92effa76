/* cli_intel.c - `canh intel import|lookup|sources|remove`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/buf.h"
#include "canh/event.h"
#include "canh/intel_import.h"
#include "canh/time.h"
#include "cli.h"

static bool want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* ---- import ----------------------------------------------------------------- */
typedef struct import_ctx {
    canh_store_t *st;
    const char *file;
    int64_t gen;
    uint64_t taken, updated, rejected;
    unsigned shown; /* rejects printed (the rest are counted) */
    canh_errbuf_t eb;
    int failed;
} import_ctx_t;

static int sink_add(void *ud, const canh_indicator_t *ind, uint64_t line)
{
    import_ctx_t *c = ud;
    bool created = false;
    int rc = canh_store_intel_upsert(c->st, ind, c->gen, &created, &c->eb);
    if (rc) {
        fprintf(stderr, "canh intel import: %s:%" PRIu64 ": %s\n", c->file, line, c->eb.msg);
        c->failed = 1;
        return rc;
    }
    if (created)
        c->taken++;
    else
        c->updated++;
    return CANH_OK;
}

static void sink_reject(void *ud, uint64_t line, const char *reason)
{
    import_ctx_t *c = ud;
    c->rejected++;
    /* Every rejected row is reported; a feed with a broken column would
     * otherwise flood the terminal, so past 1000 only the count grows and
     * the summary says how many were not shown. */
    if (c->shown++ < 1000) {
        if (line)
            fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", c->file, line, reason);
        else
            fprintf(stderr, "%s: rejected: %s\n", c->file, reason);
    }
}

static void import_help(void)
{
    printf("usage: canh intel import --source NAME [--kind KIND] [--format FORMAT]\n"
           "                         [--threat THREAT] [--expires DAYS] [--mapping MAP]\n"
           "                         [--replace] [--data DIR] FILE\n"
           "\n"
           "Loads indicators from a feed file into the store. Re-importing a feed updates\n"
           "last_seen instead of duplicating; --replace also removes the source's indicators\n"
           "that are no longer in the file. Every rejected row is reported with its line.\n"
           "  --source NAME     feed name stored with each indicator (required)\n"
           "  --kind KIND       take only ip|domain|url|md5|sha1|sha256 indicators\n"
           "  --format FORMAT   auto (default), plain, drop, firehol, csv, xlsx, feodo, misp,\n"
           "                    stix, sigbase\n"
           "  --threat THREAT   kind of threat for rows that do not say (botnet, c2, malware,\n"
           "                    phishing, scanner, spam...)\n"
           "  --expires DAYS    indicators stop matching DAYS days after this import\n"
           "  --mapping MAP     CSV columns: \"value=AttackerIP,family=NetworkName,...\"\n");
}

int canh_cmd_intel_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"source", required_argument, NULL, 's'},  {"kind", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},  {"threat", required_argument, NULL, 't'},
        {"expires", required_argument, NULL, 'e'}, {"mapping", required_argument, NULL, 'm'},
        {"replace", no_argument, NULL, 'r'},       {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *source = NULL, *data = NULL;
    canh_import_opts_t io = {0};
    int fmt = CANH_FEED_AUTO;
    bool replace = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:k:f:t:e:m:rd:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': source = optarg; break;
        case 'k':
            io.kind = canh_ioc_type_parse(optarg);
            if (io.kind == CANH_IOC_NONE)
                return canh_cli_usage_error(
                    "intel import", "--kind: expected ip, domain, url, md5, sha1 or sha256, got \"%s\"",
                    optarg);
            break;
        case 'f':
            fmt = canh_feed_format_parse(optarg);
            if (fmt < 0)
                return canh_cli_usage_error("intel import", "--format: unknown format \"%s\"",
                                            optarg);
            break;
        case 't': io.threat = optarg; break;
        case 'e': {
            char *end;
            long days = strtol(optarg, &end, 10);
            if (*end || days <= 0 || days > 36500)
                return canh_cli_usage_error("intel import",
                                            "--expires: expected a number of days, got \"%s\"",
                                            optarg);
            io.expires = (int64_t)time(NULL) + days * 86400;
            break;
        }
        case 'm': io.mapping = optarg; break;
        case 'r': replace = true; break;
        case 'd': data = optarg; break;
        case 'h': import_help(); return 0;
        default: return 2;
        }
    }
    if (!source || !*source)
        return canh_cli_usage_error("intel import", "--source NAME is required");
    if (optind != argc - 1)
        return canh_cli_usage_error("intel import", "expected exactly one FILE");
    const char *file = argv[optind];
    io.source = source;
    io.now = (int64_t)time(NULL);

    import_ctx_t ctx = {.file = file};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ctx.gen = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    int status = canh_cli_open_store("intel import", canh_cli_data_dir(data), &ctx.st);
    if (status)
        return status;
    canh_errbuf_t eb = {{0}};
    canh_import_sink_t sink = {sink_add, sink_reject, &ctx};
    canh_feed_format_t used = CANH_FEED_AUTO;
    int rc = canh_store_begin(ctx.st, &eb);
    if (rc == CANH_OK)
        rc = canh_intel_import_file(file, (canh_feed_format_t)fmt, &io, &sink, &used, &eb);
    uint64_t removed = 0;
    if (rc == CANH_OK && replace)
        rc = canh_store_intel_prune(ctx.st, source, ctx.gen, &removed, &eb);
    if (rc == CANH_OK)
        rc = canh_store_intel_log_import(ctx.st, source, file, canh_feed_format_name(used),
                                         ctx.taken, ctx.updated, ctx.rejected, io.now, &eb);
    if (rc == CANH_OK)
        rc = canh_store_commit(ctx.st, &eb);
    if (rc) {
        canh_store_rollback(ctx.st);
        if (!ctx.failed)
            fprintf(stderr, "canh intel import: %s\n", eb.msg);
        fprintf(stderr, "canh intel import: nothing was stored\n");
        canh_store_close(ctx.st);
        return 2;
    }
    if (ctx.shown > 1000)
        fprintf(stderr, "%s: %u more rejected rows not shown\n", file, ctx.shown - 1000);
    printf("%s: %" PRIu64 " taken, %" PRIu64 " updated, %" PRIu64 " rejected", file, ctx.taken,
           ctx.updated, ctx.rejected);
    if (replace)
        printf(", %" PRIu64 " removed", removed);
    printf(" (format %s, source %s)\n", canh_feed_format_name(used), source);
    canh_store_close(ctx.st);
    /* A file whose every row was rejected is an input error. */
    return ctx.taken + ctx.updated == 0 && ctx.rejected > 0 ? 2 : 0;
}

/* ---- lookup ----------------------------------------------------------------- */
static void put_indicator(canh_buf_t *b, const canh_indicator_t *ind)
{
    char t[32];
    canh_buf_puts(b, "{\"type\":");
    canh_json_put_string(b, canh_ioc_type_name(ind->type), strlen(canh_ioc_type_name(ind->type)));
    canh_buf_puts(b, ",\"value\":");
    canh_json_put_string(b, ind->value, strlen(ind->value));
    const char *keys[] = {"source", "threat", "family"};
    const char *vals[] = {ind->source, ind->threat, ind->family};
    for (int i = 0; i < 3; i++) {
        if (!vals[i])
            continue;
        canh_buf_printf(b, ",\"%s\":", keys[i]);
        canh_json_put_string(b, vals[i], strlen(vals[i]));
    }
    if (ind->first_seen) {
        size_t n = canh_time_format(ind->first_seen * CANH_NS_PER_SEC, t);
        canh_buf_puts(b, ",\"first_seen\":");
        canh_json_put_string(b, t, n);
    }
    if (ind->last_seen) {
        size_t n = canh_time_format(ind->last_seen * CANH_NS_PER_SEC, t);
        canh_buf_puts(b, ",\"last_seen\":");
        canh_json_put_string(b, t, n);
    }
    if (ind->expires) {
        size_t n = canh_time_format(ind->expires * CANH_NS_PER_SEC, t);
        canh_buf_puts(b, ",\"expires\":");
        canh_json_put_string(b, t, n);
    }
    if (ind->confidence >= 0)
        canh_buf_printf(b, ",\"confidence\":%d", ind->confidence);
    if (ind->extra && ind->extra[0] == '{') {
        canh_buf_puts(b, ",\"extra\":");
        canh_buf_puts(b, ind->extra);
    }
    canh_buf_putc(b, '}');
}

int canh_cmd_intel_lookup(int argc, char **argv)
{
    const char *data = NULL;
    int first = 1;
    if (want_help(argc, argv)) {
        printf("usage: canh intel lookup [--data DIR] VALUE...\n\n"
               "Looks each value (IP, domain, URL or hash) up in the live indicators and prints\n"
               "one JSON line per value with every matching indicator (IP matches include every\n"
               "covering CIDR, longest first; domains match their parents).\n"
               "Exit status: 1 if any value matched, 0 if none, 2 on error.\n");
        return 0;
    }
    if (argc > 2 && !strcmp(argv[1], "--data")) {
        data = argv[2];
        first = 3;
    }
    if (first >= argc)
        return canh_cli_usage_error("intel lookup", "expected at least one VALUE");
    const char *dir = canh_cli_data_dir(data);
    canh_intel_snap_t *snap = NULL;
    if (canh_cli_store_exists(dir)) {
        canh_store_t *st;
        int status = canh_cli_open_store("intel lookup", dir, &st);
        if (status)
            return status;
        status = canh_cli_load_intel("intel lookup", st, &snap);
        canh_store_close(st);
        if (status)
            return status;
    } else {
        if (canh_intel_snap_build(NULL, 0, 0, &snap, NULL) != CANH_OK)
            return 2;
    }
    canh_buf_t b;
    canh_buf_init(&b, 64u << 20);
    int any = 0;
    for (int i = first; i < argc; i++) {
        uint32_t ids[256];
        canh_str_t v = canh_str_c(argv[i]);
        size_t n = canh_intel_match_any(snap, v, ids, 256);
        char norm[2048];
        canh_ioc_type_t t = canh_ioc_normalize(v, CANH_IOC_NONE, norm, sizeof norm, NULL);
        canh_buf_reset(&b);
        canh_buf_puts(&b, "{\"value\":");
        canh_json_put_string(&b, v.p, v.n);
        canh_buf_puts(&b, ",\"type\":");
        const char *tn = t == CANH_IOC_NONE ? "unknown" : canh_ioc_type_name(t);
        canh_json_put_string(&b, tn, strlen(tn));
        canh_buf_printf(&b, ",\"matched\":%s,\"count\":%zu,\"indicators\":[",
                        n ? "true" : "false", n);
        for (size_t k = 0; k < n && k < 256; k++) {
            if (k)
                canh_buf_putc(&b, ',');
            put_indicator(&b, canh_intel_snap_get(snap, ids[k]));
        }
        canh_buf_puts(&b, "]}\n");
        fwrite(b.data, 1, b.len, stdout);
        if (n)
            any = 1;
    }
    canh_buf_fini(&b);
    canh_intel_snap_destroy(snap);
    return any;
}

/* ---- sources / remove --------------------------------------------------------- */
int canh_cmd_intel_sources(int argc, char **argv)
{
    const char *data = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: canh intel sources [--format table|json] [--data DIR]\n\n"
                   "Lists the feeds in the store with their indicator counts.\n");
            return 0;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data = argv[++i];
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "json"))
                json = true;
            else if (strcmp(f, "table"))
                return canh_cli_usage_error("intel sources",
                                            "--format: expected table or json, got \"%s\"", f);
        } else {
            return canh_cli_usage_error("intel sources", "unexpected argument \"%s\"", argv[i]);
        }
    }
    const char *dir = canh_cli_data_dir(data);
    if (!canh_cli_store_exists(dir)) {
        if (!json)
            printf("no indicators (no store in %s)\n", dir);
        return 0;
    }
    canh_store_t *st;
    int status = canh_cli_open_store("intel sources", dir, &st);
    if (status)
        return status;
    canh_source_info_t *v;
    size_t n;
    canh_errbuf_t eb = {{0}};
    if (canh_store_intel_sources(st, (int64_t)time(NULL), &v, &n, &eb) != CANH_OK) {
        fprintf(stderr, "canh intel sources: %s\n", eb.msg);
        canh_store_close(st);
        return 2;
    }
    if (!json)
        printf("%-32s %12s %12s  %s\n", "SOURCE", "INDICATORS", "LIVE", "LAST IMPORT");
    for (size_t i = 0; i < n; i++) {
        char t[32] = "-";
        if (v[i].last_import)
            canh_time_format(v[i].last_import * CANH_NS_PER_SEC, t);
        if (json) {
            canh_buf_t b;
            canh_buf_init(&b, 1 << 16);
            canh_buf_puts(&b, "{\"source\":");
            canh_json_put_string(&b, v[i].name, strlen(v[i].name));
            canh_buf_printf(&b, ",\"indicators\":%" PRIu64 ",\"live\":%" PRIu64
                                ",\"last_import\":\"%s\"}\n",
                            v[i].count, v[i].live, t);
            fputs(b.data, stdout);
            canh_buf_fini(&b);
        } else {
            printf("%-32s %12" PRIu64 " %12" PRIu64 "  %s\n", v[i].name, v[i].count, v[i].live,
                   t);
        }
    }
    canh_store_sources_free(v, n);
    canh_store_close(st);
    return 0;
}

int canh_cmd_intel_remove(int argc, char **argv)
{
    const char *data = NULL, *source = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: canh intel remove --source NAME [--data DIR]\n\n"
                   "Removes every indicator of one feed.\n");
            return 0;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data = argv[++i];
        } else if (!strcmp(argv[i], "--source") && i + 1 < argc) {
            source = argv[++i];
        } else {
            return canh_cli_usage_error("intel remove", "unexpected argument \"%s\"", argv[i]);
        }
    }
    if (!source)
        return canh_cli_usage_error("intel remove", "--source NAME is required");
    canh_store_t *st;
    int status = canh_cli_open_store("intel remove", canh_cli_data_dir(data), &st);
    if (status)
        return status;
    uint64_t removed = 0;
    canh_errbuf_t eb = {{0}};
    if (canh_store_intel_remove_source(st, source, &removed, &eb) != CANH_OK) {
        fprintf(stderr, "canh intel remove: %s\n", eb.msg);
        canh_store_close(st);
        return 2;
    }
    canh_store_close(st);
    if (!removed) {
        fprintf(stderr, "canh intel remove: no indicators from source \"%s\"\n", source);
        return 2;
    }
    printf("%s: %" PRIu64 " indicators removed\n", source, removed);
    return 0;
}
