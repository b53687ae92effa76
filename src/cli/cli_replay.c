/* cli_replay.c - `canh replay`: files through decode -> enrich -> detect
 * with the daemon's own pipeline (canh/server.h). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "canh/alert.h"
#include "canh/buf.h"
#include "canh/decode.h"
#include "canh/detect.h"
#include "canh/event.h"
#include "canh/ingest.h"
#include "canh/limits.h"
#include "canh/server.h"
#include "canh/time.h"
#include "cli.h"

enum { FMT_ALERTS, FMT_EVENTS };

typedef struct replay {
    canh_pipeline_t *pipe;
    canh_intel_snap_t *intel; /* indicators from the store, or NULL (until the engine owns it) */
    canh_rules_t *rules;      /* --rules: compiled Sigma rules, or NULL (idem) */
    bool have_intel, have_rules;
    uint64_t rules_failed;
    canh_store_t *store; /* --store: events and alerts are written here */
    uint64_t stored, store_errors, batch;
    canh_buf_t alert_out;
    canh_buf_t out;
    int format;
    bool progress;
    uint64_t bytes_done; /* bytes of files already finished */
    uint64_t bytes_total;
    double t0, last_progress;
} replay_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(replay_t *rp, const canh_records_t *rs, bool final)
{
    double t = now_s();
    if (!final && t - rp->last_progress < 0.5)
        return;
    rp->last_progress = t;
    double el = t - rp->t0;
    uint64_t done = rp->bytes_done + (rs ? canh_records_pos(rs) : 0);
    uint64_t records = canh_pipeline_stats(rp->pipe)->records;
    fprintf(stderr, "\r\033[K%" PRIu64 " records, %.1f MB", records, (double)done / 1e6);
    if (rp->bytes_total)
        fprintf(stderr, " of %.1f MB (%.0f%%)", (double)rp->bytes_total / 1e6,
                100.0 * (double)done / (double)rp->bytes_total);
    if (el > 0)
        fprintf(stderr, ", %.0f records/s", (double)records / el);
    if (final)
        fprintf(stderr, "\r\033[K");
}

/* Stores in batches: one transaction per STORE_BATCH records keeps SQLite
 * fast without holding a transaction open for a whole large file. */
#define STORE_BATCH 20000

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    replay_t *rp = ud;
    canh_buf_reset(&rp->alert_out);
    if (canh_alert_to_json(a, ev, &rp->alert_out) != CANH_OK)
        return 0;
    if (rp->format == FMT_ALERTS) {
        canh_buf_putc(&rp->alert_out, '\n');
        fwrite(rp->alert_out.data, 1, rp->alert_out.len, stdout);
        rp->alert_out.len--;
    }
    if (rp->store) {
        canh_errbuf_t eb;
        if (canh_store_alert_add(rp->store, ev->ts, a->rule_id, a->rule_source,
                                 canh_level_name(a->level), rp->alert_out.data, rp->alert_out.len,
                                 &eb) != CANH_OK &&
            rp->store_errors++ == 0)
            fprintf(stderr, "canh replay: %s\n", eb.msg);
    }
    return 0;
}

static void store_event(replay_t *rp, const canh_event_t *ev)
{
    canh_errbuf_t eb;
    if (rp->batch == STORE_BATCH) {
        if (canh_store_commit(rp->store, &eb) != CANH_OK && rp->store_errors++ == 0)
            fprintf(stderr, "canh replay: %s\n", eb.msg);
        rp->batch = 0;
    }
    if (rp->batch++ == 0 && canh_store_begin(rp->store, &eb) != CANH_OK && rp->store_errors++ == 0)
        fprintf(stderr, "canh replay: %s\n", eb.msg);
    int rc = canh_pipeline_store_event(rp->store, ev, &rp->out, &eb);
    if (rc == CANH_ELIMIT)
        return; /* too large to encode: as when printing, the record is reported, not stored */
    if (rc != CANH_OK) {
        if (rp->store_errors++ == 0)
            fprintf(stderr, "canh replay: %s\n", eb.msg);
        return;
    }
    rp->stored++;
}

/* Rules that fail or are partly supported are reported once, as
 * `canh rules check` does; the replay goes on with the others. */
static void rule_report(void *ud, const char *file, unsigned line, const char *id,
                        const char *title, canh_rule_status_t st, const char *reason)
{
    (void)ud;
    (void)title;
    if (st == CANH_RULE_OK)
        return;
    fprintf(stderr, "%s:%u: %s: %s: %s\n", file, line, id && *id ? id : "-",
            st == CANH_RULE_FAILED ? "failed" : "partial", reason ? reason : "");
}

static int replay_file(replay_t *rp, const char *path)
{
    canh_errbuf_t eb = {{0}};
    canh_records_t *rs;
    int rc = canh_records_open(path, CANH_MAX_RECORD, &rs, &eb);
    if (rc) {
        fprintf(stderr, "canh replay: %s\n", eb.msg);
        return 2;
    }
    canh_str_t rec;
    uint64_t line;
    bool cut;
    int status = 0;
    while ((rc = canh_records_next(rs, &rec, &line, &cut, &eb)) == CANH_OK) {
        canh_recinfo_t ri = {.truncated = cut, .transport = CANH_TRANSPORT_FILE};
        canh_pipeline_run(rp->pipe, rec.p, rec.n, &ri, on_alert, rp);
        const canh_event_t *ev = canh_pipeline_event(rp->pipe);
        if (rp->store)
            store_event(rp, ev);
        if (rp->format == FMT_EVENTS) {
            canh_buf_reset(&rp->out);
            if (canh_event_to_json(ev, &rp->out) == CANH_OK) {
                canh_buf_putc(&rp->out, '\n');
                fwrite(rp->out.data, 1, rp->out.len, stdout);
            } else {
                fprintf(stderr, "canh replay: %s:%" PRIu64 ": event too large to encode\n", path,
                        line);
            }
        }
        if (rp->progress && (canh_pipeline_stats(rp->pipe)->records & 0x3fff) == 0)
            show_progress(rp, rs, false);
    }
    if (rc != CANH_EOF) {
        fprintf(stderr, "canh replay: %s\n", eb.msg);
        status = 2;
    }
    rp->bytes_done += canh_records_pos(rs);
    canh_records_close(rs);
    return status;
}

static void help(void)
{
    printf("usage: canh replay [--format alerts|events] [--type NAME] [--timezone TZ] FILE...|-\n"
           "\n"
           "Runs log files through the same decode stage as the daemon.\n"
           "  --format events   print one normalized ECS event per input record (JSON lines)\n"
           "  --format alerts   print alerts (default): Sigma rules given with --rules, and\n"
           "                    matches against the threat indicators in the data directory\n"
           "                    (see canh intel import)\n"
           "  --rules PATH      Sigma rule file or directory (repeatable); event times, not\n"
           "                    the wall clock, drive correlation windows\n"
           "  --store           also write the events and alerts into the data directory's store\n"
           "  --data DIR        data directory (default ./canh-data, or $CANH_DATA)\n"
           "  --type NAME       force one decoder instead of detecting the format per record\n"
           "  --timezone TZ     zone for timestamps without one: local (default), UTC, +07:00\n"
           "  --no-progress     never print the progress line (it shows on a terminal only)\n"
           "  --list-types      list the decoder names\n"
           "Input may be plain or gzip-compressed; '-' reads standard input.\n"
           "A summary of records per decoder goes to standard error.\n");
}

int canh_cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},   {"type", required_argument, NULL, 't'},
        {"timezone", required_argument, NULL, 'z'}, {"rules", required_argument, NULL, 'r'},
        {"store", no_argument, NULL, 's'},          {"data", required_argument, NULL, 'd'},
        {"no-progress", no_argument, NULL, 'P'},    {"list-types", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    replay_t rp = {.format = FMT_ALERTS};
    const char *type = NULL, *tz = "local", *data = NULL;
    const char *rule_paths[64];
    size_t nrule_paths = 0;
    bool no_progress = false, want_store = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:z:r:sd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "events") == 0)
                rp.format = FMT_EVENTS;
            else if (strcmp(optarg, "alerts") == 0)
                rp.format = FMT_ALERTS;
            else
                return canh_cli_usage_error(
                    "replay", "--format: expected alerts or events, got \"%s\"", optarg);
            break;
        case 't': type = optarg; break;
        case 'z': tz = optarg; break;
        case 'r':
            if (nrule_paths == sizeof rule_paths / sizeof rule_paths[0])
                return canh_cli_usage_error("replay", "--rules: at most %zu paths",
                                            sizeof rule_paths / sizeof rule_paths[0]);
            rule_paths[nrule_paths++] = optarg;
            break;
        case 's': want_store = true; break;
        case 'd': data = optarg; break;
        case 'P': no_progress = true; break;
        case 'L':
            for (size_t i = 1; i < canh_decode_count(); i++)
                printf("%s\n", canh_decode_name((unsigned)i));
            return 0;
        case 'h': help(); return 0;
        default: return 2;
        }
    }
    if (optind >= argc)
        return canh_cli_usage_error("replay", "no input files (use - for standard input)");

    int32_t off = 0;
    if (strcmp(tz, "local") == 0)
        off = canh_time_local_offset();
    else if (canh_time_parse_tz(canh_str_c(tz), &off) != CANH_OK)
        return canh_cli_usage_error(
            "replay", "--timezone: cannot read \"%s\" (use local, UTC or +07:00)", tz);
    canh_pipeline_opts_t popts = {.tz_off = off, .type = type};
    canh_errbuf_t eb = {{0}};
    int prc = canh_pipeline_create(&popts, NULL, &rp.pipe, &eb);
    if (prc == CANH_ENOENT)
        return canh_cli_usage_error("replay", "%s (see --list-types)", eb.msg);
    if (prc != CANH_OK)
        return canh_cli_usage_error("replay", "%s", canh_strerror(prc));
    canh_buf_init(&rp.out, CANH_MAX_JSON_OUT);
    canh_buf_init(&rp.alert_out, CANH_MAX_JSON_OUT);
    const char *dir = canh_cli_data_dir(data);
    int status = 0;
    if (nrule_paths) {
        size_t compiled = 0, failed = 0;
        if (canh_rules_compile(rule_paths, nrule_paths, NULL, rule_report, &rp, &rp.rules,
                               &compiled, &failed, &eb) != CANH_OK) {
            fprintf(stderr, "canh replay: --rules: %s\n", eb.msg);
            status = 2;
            goto out;
        }
        if (compiled == 0) {
            fprintf(stderr, "canh replay: --rules: no rule compiled (%zu failed)\n", failed);
            status = 2;
            goto out;
        }
        rp.rules_failed = failed;
        fprintf(stderr, "canh replay: %zu rules compiled, %zu failed\n", compiled, failed);
    }
    if (want_store || canh_cli_store_exists(dir)) {
        if ((status = canh_cli_open_store("replay", dir, &rp.store)) != 0 ||
            (status = canh_cli_load_intel("replay", rp.store, &rp.intel)) != 0)
            goto out;
        if (canh_intel_snap_count(rp.intel) == 0) {
            canh_intel_snap_destroy(rp.intel);
            rp.intel = NULL;
        }
        if (!want_store) {
            canh_store_close(rp.store);
            rp.store = NULL;
        }
    }
    rp.have_rules = rp.rules != NULL;
    rp.have_intel = rp.intel != NULL;
    if (rp.rules || rp.intel) {
        canh_engine_t *engine;
        int erc = canh_engine_create(rp.rules, rp.intel, &engine);
        rp.rules = NULL; /* the engine owns them now, also on failure */
        rp.intel = NULL;
        if (erc == CANH_OK) {
            erc = canh_pipeline_set_engine(rp.pipe, engine);
            canh_engine_release(engine);
        }
        if (erc != CANH_OK) {
            fprintf(stderr, "canh replay: out of memory\n");
            status = 2;
            goto out;
        }
    }
    rp.progress = !no_progress && isatty(STDERR_FILENO);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    for (int i = optind; i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "rb") : NULL;
        if (f) {
            fseek(f, 0, SEEK_END);
            long sz = ftell(f);
            rp.bytes_total += sz > 0 ? (uint64_t)sz : 0;
            fclose(f);
        }
    }
    rp.t0 = now_s();
    for (int i = optind; i < argc; i++) {
        int st = replay_file(&rp, argv[i]);
        if (st)
            status = st;
    }
    if (rp.store) {
        if (canh_store_commit(rp.store, &eb) != CANH_OK) {
            fprintf(stderr, "canh replay: %s\n", eb.msg);
            status = 2;
        }
    }
    fflush(stdout);
    if (rp.progress)
        show_progress(&rp, NULL, true);
    double el = now_s() - rp.t0;
    const canh_pipeline_stats_t *ps = canh_pipeline_stats(rp.pipe);
    fprintf(stderr, "canh replay: %" PRIu64 " records in %.2fs", ps->records, el);
    if (el > 0)
        fprintf(stderr, " (%.0f records/s)", (double)ps->records / el);
    fprintf(stderr, "\n");
    for (size_t i = 1; i < canh_decode_count() && i < 64; i++)
        if (ps->per_decoder[i])
            fprintf(stderr, "  %-14s %" PRIu64 "\n", canh_decode_name((unsigned)i),
                    ps->per_decoder[i]);
    fprintf(stderr, "  %-14s %" PRIu64 " (unrecognised records, kept as generic events)\n",
            "generic", ps->per_decoder[0]);
    if (ps->truncated)
        fprintf(stderr, "  %-14s %" PRIu64 " (records cut at %u bytes)\n", "truncated",
                ps->truncated, CANH_MAX_RECORD);
    if (ps->bad_time)
        fprintf(stderr, "  %-14s %" PRIu64 " (timestamps that did not parse)\n", "bad_time",
                ps->bad_time);
    fprintf(stderr, "  %-14s %" PRIu64, "alerts", ps->alerts);
    if (ps->alerts) {
        const char *sep = " (";
        for (int l = 4; l >= 0; l--)
            if (ps->alerts_by_level[l]) {
                fprintf(stderr, "%s%" PRIu64 " %s", sep, ps->alerts_by_level[l],
                        canh_level_name((canh_level_t)l));
                sep = ", ";
            }
        fputc(')', stderr);
    }
    if (!rp.have_intel && !rp.have_rules)
        fprintf(stderr, " (no indicators loaded, no --rules given)");
    fputc('\n', stderr);
    if (rp.store)
        fprintf(stderr, "  %-14s %" PRIu64 " events stored in %s%s\n", "stored", rp.stored, dir,
                rp.store_errors ? " (with errors)" : "");
    if (rp.store_errors)
        status = 2;
out:
    canh_pipeline_destroy(rp.pipe);
    canh_rules_destroy(rp.rules);
    canh_store_close(rp.store);
    canh_intel_snap_destroy(rp.intel);
    canh_buf_fini(&rp.alert_out);
    canh_buf_fini(&rp.out);
    return status;
}
