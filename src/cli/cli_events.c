/* cli_events.c - reading the store: `canh events count` and
 * `canh alerts list`. Both only read: a data directory without a store
 * counts nothing and lists nothing (it is not created). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "canh/time.h"
#include "cli.h"

/* --since: "2024-05-01", "2024-05-01T10:00:00Z" (any ISO 8601 the time
 * parser takes, zone-less read as UTC), or a span back from now: "90s",
 * "30m", "24h", "7d". */
static int parse_since(const char *cmd, const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end != v && errno == 0 && end[0] && !end[1] && v[0] != '-') {
        int64_t unit = end[0] == 's'   ? 1
                       : end[0] == 'm' ? 60
                       : end[0] == 'h' ? 3600
                       : end[0] == 'd' ? 86400
                                       : 0;
        if (unit && n <= 365ull * 100 * 86400 / (uint64_t)unit) {
            *out = (int64_t)time(NULL) * CANH_NS_PER_SEC - (int64_t)n * unit * CANH_NS_PER_SEC;
            return 0;
        }
    }
    canh_time_ref_t ref = canh_time_ref_now(0);
    char buf[64];
    if (strlen(v) == 10 && snprintf(buf, sizeof buf, "%sT00:00:00Z", v) > 0)
        v = buf;
    canh_time_t t;
    size_t used;
    if (canh_time_parse_iso8601(canh_str_c(v), &ref, &t, &used) == CANH_OK && used == strlen(v)) {
        *out = t;
        return 0;
    }
    return canh_cli_usage_error(cmd,
                                "--since: expected a date (2024-05-01), a time "
                                "(2024-05-01T10:00:00Z) or a span (24h, 7d), got \"%s\"",
                                v);
}

/* ---- canh events count ------------------------------------------------------------------- */

static int print_dataset(void *ud, const char *ds, uint64_t n)
{
    (void)ud;
    printf("%-24s %" PRIu64 "\n", *ds ? ds : "(none)", n);
    return 0;
}

int canh_cmd_events_count(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dataset", required_argument, NULL, 'D'}, {"since", required_argument, NULL, 's'},
        {"by-dataset", no_argument, NULL, 'b'},    {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *data = NULL, *dataset = NULL;
    int64_t since = 0;
    bool by = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "D:s:bd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'D': dataset = optarg; break;
        case 's':
            if (parse_since("events count", optarg, &since) != 0)
                return 2;
            break;
        case 'b': by = true; break;
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh events count [--dataset NAME] [--since WHEN] [--by-dataset]\n\n"
                   "Prints the number of stored events (the server's, or canh replay --store's).\n"
                   "  --dataset NAME   only events with this event.dataset (sshd, suricata, ...)\n"
                   "  --since WHEN     only events at or after WHEN: 2024-05-01,\n"
                   "                   2024-05-01T10:00:00Z, or a span back from now (90m, 24h, "
                   "7d)\n"
                   "  --by-dataset     one line per dataset: name and count, largest first\n"
                   "  --data DIR       data directory (default ./canh-data, or $CANH_DATA)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc)
        return canh_cli_usage_error("events count", "unexpected argument \"%s\"", argv[optind]);
    const char *dir = canh_cli_data_dir(data);
    if (!canh_cli_store_exists(dir)) {
        if (!by)
            printf("0\n");
        return 0;
    }
    canh_store_t *st;
    int status = canh_cli_open_store("events count", dir, &st);
    if (status)
        return status;
    canh_errbuf_t eb = {{0}};
    uint64_t n = 0;
    int rc = by ? canh_store_events_by_dataset(st, since, print_dataset, NULL, &eb)
                : canh_store_events_count_where(st, dataset, since, &n, &eb);
    if (rc != CANH_OK) {
        fprintf(stderr, "canh events count: %s\n", eb.msg);
        status = 2;
    } else if (!by) {
        printf("%" PRIu64 "\n", n);
    }
    canh_store_close(st);
    return status;
}

/* ---- canh alerts list -------------------------------------------------------------------- */

/* A dotted field of an alert document (nested by ECS dots), or "". */
static const char *field(json_t *doc, const char *path)
{
    char part[64];
    json_t *o = doc;
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part)
            return "";
        memcpy(part, path, n);
        part[n] = '\0';
        o = json_object_get(o, part);
        path += n + (dot ? 1 : 0);
    }
    return json_is_string(o) ? json_string_value(o) : "";
}

typedef struct lister {
    bool json;
    uint64_t rows;
} lister_t;

static int print_alert(void *ud, int64_t id, int64_t ts, const char *doc)
{
    lister_t *l = ud;
    (void)id;
    l->rows++;
    if (l->json) {
        printf("%s\n", doc);
        return 0;
    }
    json_error_t je;
    json_t *d = json_loads(doc, 0, &je);
    char when[32];
    canh_time_format(ts, when);
    when[19] = '\0'; /* seconds are enough in a table */
    const char *who = field(d, "source.ip");
    if (!*who)
        who = field(d, "host.name");
    printf("%-19s  %-13s %-11s %-40.40s %-50.50s %s\n", when, field(d, "rule.level"),
           field(d, "rule.source"), field(d, "rule.id"), field(d, "rule.name"), who);
    json_decref(d);
    return 0;
}

int canh_cmd_alerts_list(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"source", required_argument, NULL, 'S'},
                                         {"since", required_argument, NULL, 's'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL, *source = NULL;
    int64_t since = 0;
    uint64_t limit = 0;
    lister_t l = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:l:S:s:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "json"))
                l.json = true;
            else if (strcmp(optarg, "table") != 0)
                return canh_cli_usage_error("alerts list",
                                            "--format: expected table or json, got \"%s\"", optarg);
            break;
        case 'l':
            if (canh_str_to_u64(canh_str_c(optarg), UINT64_MAX / 2, &limit) != CANH_OK)
                return canh_cli_usage_error("alerts list",
                                            "--limit: expected a number, got "
                                            "\"%s\"",
                                            optarg);
            break;
        case 'S': source = optarg; break;
        case 's':
            if (parse_since("alerts list", optarg, &since) != 0)
                return 2;
            break;
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh alerts list [--format table|json] [--limit N] [--source S] "
                   "[--since WHEN]\n\n"
                   "Lists stored alerts, oldest first.\n"
                   "  --format table  time, level, source, rule id, rule name, source IP or host "
                   "(default)\n"
                   "  --format json   one alert document per line, as stored\n"
                   "  --limit N       only the newest N (default: all)\n"
                   "  --source S      only rule.source S: sigma, correlation, intel, malware, "
                   "vuln\n"
                   "  --since WHEN    only alerts at or after WHEN (2024-05-01, 24h, 7d, ...)\n"
                   "  --data DIR      data directory (default ./canh-data, or $CANH_DATA)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc)
        return canh_cli_usage_error("alerts list", "unexpected argument \"%s\"", argv[optind]);
    const char *dir = canh_cli_data_dir(data);
    if (!canh_cli_store_exists(dir))
        return 0;
    canh_store_t *st;
    int status = canh_cli_open_store("alerts list", dir, &st);
    if (status)
        return status;
    canh_errbuf_t eb = {{0}};
    if (!l.json)
        printf("%-19s  %-13s %-11s %-40s %-50s %s\n", "time (UTC)", "level", "source", "rule",
               "name", "source.ip/host");
    if (canh_store_alerts_recent(st, source, since, limit, print_alert, &l, &eb) != CANH_OK) {
        fprintf(stderr, "canh alerts list: %s\n", eb.msg);
        status = 2;
    }
    canh_store_close(st);
    return status;
}
