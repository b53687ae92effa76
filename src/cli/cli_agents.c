/* cli_agents.c - the manager's view of its agents: `canh agents list`,
 * `revoke`, `rekey`, `token create`, `command`, `commands`. They work on
 * the store in the data directory, also while `canh server` runs (it picks
 * revocations, re-keys and commands up within seconds). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/agent.h"
#include "canh/mem.h"
#include "cli.h"

static const char *fmt_time(int64_t t, char *buf, size_t n)
{
    if (t <= 0)
        return "-";
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Common options: --data and --help; returns the index of the first
 * operand, or -1 after printing help, or -2 on a usage error. */
static int common_opts(const char *cmd, int argc, char **argv, const char *usage, const char **data,
                       const char **format, const char **extra_name, const char **extra_val)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: canh %s %s\n", cmd, usage);
            return -1;
        } else if (!strcmp(a, "--data") && i + 1 < argc) {
            *data = argv[++i];
        } else if (format && !strcmp(a, "--format") && i + 1 < argc) {
            *format = argv[++i];
        } else if (extra_name && !strcmp(a, *extra_name) && i + 1 < argc) {
            *extra_val = argv[++i];
        } else if (!strcmp(a, "--")) {
            return i + 1;
        } else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            canh_cli_usage_error(cmd, "unknown or incomplete option \"%s\"", a);
            return -2;
        } else {
            return i;
        }
    }
    return argc;
}

/* Opens the store if it exists (read commands never create it). */
static int open_existing(const char *cmd, const char *dir, canh_store_t **st)
{
    if (!canh_cli_store_exists(dir)) {
        fprintf(stderr, "canh %s: %s: no store (is this the manager's data directory?)\n", cmd,
                dir);
        return 2;
    }
    return canh_cli_open_store(cmd, dir, st);
}

/* An agent by id or by name. */
static int find_agent(const char *cmd, canh_store_t *st, const char *ref, canh_agent_rec_t *a)
{
    canh_errbuf_t eb = {{0}};
    char *end = NULL;
    long long id = strtoll(ref, &end, 10);
    int rc = end && *end == '\0' && id > 0 ? canh_store_agent_get(st, id, a, &eb)
                                           : canh_store_agent_by_name(st, ref, a, &eb);
    if (rc == CANH_ENOENT) {
        fprintf(stderr, "canh %s: no agent \"%s\"\n", cmd, ref);
        return 2;
    }
    if (rc) {
        fprintf(stderr, "canh %s: %s\n", cmd, eb.msg);
        return 2;
    }
    return 0;
}

/* ---- list ------------------------------------------------------------------------------ */

int canh_cmd_agents_list(int argc, char **argv)
{
    const char *data = NULL, *format = "table";
    int i = common_opts("agents list", argc, argv, "[--data DIR] [--format table|json]", &data,
                        &format, NULL, NULL);
    if (i < 0)
        return i == -1 ? 0 : 2;
    if (i < argc)
        return canh_cli_usage_error("agents list", "unexpected argument \"%s\"", argv[i]);
    bool json = !strcmp(format, "json");
    if (!json && strcmp(format, "table"))
        return canh_cli_usage_error("agents list", "--format: expected table or json");
    const char *dir = canh_cli_data_dir(data);
    canh_store_t *st = NULL;
    if (!canh_cli_store_exists(dir)) {
        if (!json)
            printf("no agents\n");
        return 0;
    }
    if (canh_cli_open_store("agents list", dir, &st))
        return 2;
    canh_agent_rec_t *v = NULL;
    size_t n = 0;
    canh_errbuf_t eb = {{0}};
    int status = 0;
    if (canh_store_agents_list(st, &v, &n, &eb) != CANH_OK) {
        fprintf(stderr, "canh agents list: %s\n", eb.msg);
        status = 2;
        goto out;
    }
    if (!json && n == 0)
        printf("no agents\n");
    else if (!json)
        printf("%-6s %-24s %-8s %-20s %-20s %-16s %s\n", "ID", "NAME", "STATUS", "ENROLLED",
               "LAST SEEN", "ADDRESS", "VERSION");
    for (size_t k = 0; k < n; k++) {
        canh_agent_rec_t *a = &v[k];
        char t1[32], t2[32];
        if (json) {
            json_t *j = json_pack(
                "{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:b, s:I}", "id",
                (json_int_t)a->id, "name", a->name ? a->name : "", "status",
                a->status ? a->status : "", "cert_fp", a->cert_fp, "install_id", a->install_id,
                "last_addr", a->last_addr, "version", a->version, "pending_cert", a->prev_fp,
                "enrolled", (json_int_t)a->enrolled, "last_seen", (json_int_t)a->last_seen, "rekey",
                a->rekey, "epochs", (json_int_t)a->epochs);
            char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
            if (s)
                printf("%s\n", s);
            free(s);
            json_decref(j);
        } else {
            printf("%-6lld %-24s %-8s %-20s %-20s %-16s %s%s\n", (long long)a->id, a->name,
                   a->status, fmt_time(a->enrolled, t1, sizeof t1),
                   fmt_time(a->last_seen, t2, sizeof t2), a->last_addr ? a->last_addr : "-",
                   a->version ? a->version : "-", a->rekey ? " (re-key ordered)" : "");
        }
    }
out:
    canh_store_agents_free(v, n);
    canh_store_close(st);
    return status;
}

/* ---- revoke, rekey -------------------------------------------------------------------------- */

static int set_one(const char *cmd, int argc, char **argv, bool revoke)
{
    const char *data = NULL;
    int i = common_opts(cmd, argc, argv, "[--data DIR] ID|NAME", &data, NULL, NULL, NULL);
    if (i < 0)
        return i == -1 ? 0 : 2;
    if (i != argc - 1)
        return canh_cli_usage_error(cmd, "expected one agent ID or NAME");
    canh_store_t *st = NULL;
    if (open_existing(cmd, canh_cli_data_dir(data), &st))
        return 2;
    canh_agent_rec_t a;
    int status = find_agent(cmd, st, argv[i], &a);
    if (status) {
        canh_store_close(st);
        return status;
    }
    canh_errbuf_t eb = {{0}};
    int rc = revoke ? canh_store_agent_set_status(st, a.id, "revoked", &eb)
                    : canh_store_agent_set_rekey(st, a.id, true, &eb);
    if (rc) {
        fprintf(stderr, "canh %s: %s\n", cmd, eb.msg);
        status = 2;
    } else if (revoke) {
        printf("agent %lld (%s) revoked: its credential is refused from now on\n", (long long)a.id,
               a.name);
    } else {
        printf("agent %lld (%s): re-key ordered; it gets a new certificate at its next "
               "connection\n",
               (long long)a.id, a.name);
    }
    canh_agent_rec_fini(&a);
    canh_store_close(st);
    return status;
}

int canh_cmd_agents_revoke(int argc, char **argv)
{
    return set_one("agents revoke", argc, argv, true);
}

int canh_cmd_agents_rekey(int argc, char **argv)
{
    return set_one("agents rekey", argc, argv, false);
}

/* ---- token create --------------------------------------------------------------------------- */

/* "30", "30s", "5m", "12h", "7d" -> seconds. */
static bool parse_ttl(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!end || end == s || v <= 0)
        return false;
    int64_t mul = 1;
    if (!strcmp(end, "") || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "m"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else if (!strcmp(end, "d"))
        mul = 86400;
    else
        return false;
    if (v > INT64_MAX / mul / 2)
        return false;
    *out = v * mul;
    return true;
}

int canh_cmd_agents_token(int argc, char **argv)
{
    static const char usage[] = "create [--data DIR] [--ttl DURATION] [--uses N] [--label TEXT]";
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: canh agents token %s\n\n"
               "Prints a new enrollment token for `canh agent enroll`: the first 32 hex digits\n"
               "of the manager CA's SHA-256 fingerprint (the agent checks the manager\n"
               "against it), a dot, and a random secret of which only a hash is stored.\n"
               "It is good for --uses enrollments (default 1) during --ttl (default 24h).\n",
               usage);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "create") != 0)
        return canh_cli_usage_error("agents token", "expected: canh agents token %s", usage);
    const char *data = NULL, *ttl = "24h", *uses = "1", *label = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--data") && i + 1 < argc)
            data = argv[++i];
        else if (!strcmp(a, "--ttl") && i + 1 < argc)
            ttl = argv[++i];
        else if (!strcmp(a, "--uses") && i + 1 < argc)
            uses = argv[++i];
        else if (!strcmp(a, "--label") && i + 1 < argc)
            label = argv[++i];
        else
            return canh_cli_usage_error("agents token create", "unexpected \"%s\"", a);
    }
    int64_t ttl_s;
    if (!parse_ttl(ttl, &ttl_s))
        return canh_cli_usage_error("agents token create", "--ttl: expected e.g. 30m, 24h, 7d");
    char *end = NULL;
    long nuses = strtol(uses, &end, 10);
    if (!end || *end || nuses < 1 || nuses > 1000000)
        return canh_cli_usage_error("agents token create", "--uses: expected 1 to 1000000");
    const char *dir = canh_cli_data_dir(data);
    canh_store_t *st = NULL;
    if (canh_cli_open_store("agents token create", dir, &st))
        return 2;
    char tok[CANH_AGENT_TOKEN_LEN + 8];
    int64_t id = 0;
    canh_errbuf_t eb = {{0}};
    int status = 0;
    if (canh_agent_token_create(st, dir, ttl_s, (unsigned)nuses, label, tok, sizeof tok, &id,
                                &eb) != CANH_OK) {
        fprintf(stderr, "canh agents token create: %s\n", eb.msg);
        status = 2;
    } else {
        printf("%s\n", tok);
        char t[32];
        fprintf(stderr, "token %lld: %ld use%s, expires %s\n", (long long)id, nuses,
                nuses == 1 ? "" : "s", fmt_time((int64_t)time(NULL) + ttl_s, t, sizeof t));
    }
    canh_memzero(tok, sizeof tok);
    canh_store_close(st);
    return status;
}

/* ---- command ------------------------------------------------------------------------------ */

int canh_cmd_agents_command(int argc, char **argv)
{
    static const char usage[] =
        "[--data DIR] ID|NAME scan [--yara PATH]... [--hashes FILE]... PATH...\n"
        "       canh agents command [--data DIR] ID|NAME quarantine [--rule NAME] PATH\n"
        "       canh agents command [--data DIR] ID|NAME ping";
    const char *data = NULL;
    int i = common_opts("agents command", argc, argv, usage, &data, NULL, NULL, NULL);
    if (i < 0)
        return i == -1 ? 0 : 2;
    if (argc - i < 2)
        return canh_cli_usage_error("agents command", "expected ID|NAME and a command "
                                                      "(scan, quarantine, ping)");
    const char *ref = argv[i], *kind = argv[i + 1];
    json_t *args = json_object(), *paths = json_array(), *yara = json_array(),
           *hashes = json_array();
    const char *rule = NULL;
    int status = 2;
    canh_store_t *st = NULL;
    canh_agent_rec_t a;
    memset(&a, 0, sizeof a);
    for (int k = i + 2; k < argc; k++) {
        if (!strcmp(argv[k], "--yara") && k + 1 < argc)
            json_array_append_new(yara, json_string(argv[++k]));
        else if (!strcmp(argv[k], "--hashes") && k + 1 < argc)
            json_array_append_new(hashes, json_string(argv[++k]));
        else if (!strcmp(argv[k], "--rule") && k + 1 < argc)
            rule = argv[++k];
        else if (argv[k][0] == '/')
            json_array_append_new(paths, json_string(argv[k]));
        else {
            canh_cli_usage_error("agents command", "\"%s\": paths on the agent must be absolute",
                                 argv[k]);
            goto out;
        }
    }
    if (!strcmp(kind, "scan")) {
        if (json_array_size(paths) == 0) {
            canh_cli_usage_error("agents command", "scan: expected PATH...");
            goto out;
        }
        json_object_set(args, "paths", paths);
        if (json_array_size(yara))
            json_object_set(args, "yara", yara);
        if (json_array_size(hashes))
            json_object_set(args, "hashes", hashes);
    } else if (!strcmp(kind, "quarantine")) {
        if (json_array_size(paths) != 1) {
            canh_cli_usage_error("agents command", "quarantine: expected one PATH");
            goto out;
        }
        json_object_set(args, "path", json_array_get(paths, 0));
        if (rule)
            json_object_set_new(args, "rule", json_string(rule));
    } else if (!strcmp(kind, "ping")) {
        if (json_array_size(paths)) {
            canh_cli_usage_error("agents command", "ping takes no arguments");
            goto out;
        }
    } else {
        canh_cli_usage_error("agents command", "unknown command \"%s\" (scan, quarantine, ping)",
                             kind);
        goto out;
    }
    if (open_existing("agents command", canh_cli_data_dir(data), &st) ||
        find_agent("agents command", st, ref, &a))
        goto out;
    char *text = json_dumps(args, JSON_COMPACT);
    canh_errbuf_t eb = {{0}};
    int64_t id = 0;
    int rc = text
                 ? canh_store_agent_command_add(st, a.id, kind, text, (int64_t)time(NULL), &id, &eb)
                 : CANH_ENOMEM;
    free(text);
    if (rc) {
        fprintf(stderr, "canh agents command: %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
        goto out;
    }
    printf("%lld\n", (long long)id);
    fprintf(stderr, "command %lld queued for agent %lld (%s); see `canh agents commands`\n",
            (long long)id, (long long)a.id, a.name);
    status = 0;
out:
    canh_agent_rec_fini(&a);
    canh_store_close(st);
    json_decref(args);
    json_decref(paths);
    json_decref(yara);
    json_decref(hashes);
    return status;
}

int canh_cmd_agents_commands(int argc, char **argv)
{
    const char *data = NULL, *format = "table", *agent_name = "--agent", *agent = NULL;
    int i = common_opts("agents commands", argc, argv,
                        "[--data DIR] [--agent ID|NAME] [--format table|json]", &data, &format,
                        &agent_name, &agent);
    if (i < 0)
        return i == -1 ? 0 : 2;
    if (i < argc)
        return canh_cli_usage_error("agents commands", "unexpected argument \"%s\"", argv[i]);
    bool json = !strcmp(format, "json");
    if (!json && strcmp(format, "table"))
        return canh_cli_usage_error("agents commands", "--format: expected table or json");
    canh_store_t *st = NULL;
    if (open_existing("agents commands", canh_cli_data_dir(data), &st))
        return 2;
    int status = 2;
    int64_t aid = 0;
    canh_agent_cmd_t *v = NULL;
    size_t n = 0;
    canh_errbuf_t eb = {{0}};
    if (agent) {
        canh_agent_rec_t a;
        if (find_agent("agents commands", st, agent, &a))
            goto out;
        aid = a.id;
        canh_agent_rec_fini(&a);
    }
    if (canh_store_agent_commands_list(st, aid, 1000, &v, &n, &eb) != CANH_OK) {
        fprintf(stderr, "canh agents commands: %s\n", eb.msg);
        goto out;
    }
    if (!json)
        printf("%-6s %-6s %-11s %-20s %-8s %s\n", "ID", "AGENT", "KIND", "CREATED", "STATUS",
               "RESULT");
    for (size_t k = 0; k < n; k++) {
        canh_agent_cmd_t *c = &v[k];
        const char *state = c->status ? c->status : c->sent ? "sent" : "queued";
        char t[32];
        if (json) {
            json_error_t je;
            json_t *res = c->result ? json_loads(c->result, 0, &je) : NULL;
            json_t *args = c->args ? json_loads(c->args, 0, &je) : NULL;
            json_t *j = json_pack("{s:I, s:I, s:s, s:o?, s:I, s:I, s:I, s:s, s:o?}", "id",
                                  (json_int_t)c->id, "agent_id", (json_int_t)c->agent_id, "kind",
                                  c->kind, "args", args, "created", (json_int_t)c->created, "sent",
                                  (json_int_t)c->sent, "done", (json_int_t)c->done, "status", state,
                                  "result", res);
            char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
            if (s)
                printf("%s\n", s);
            free(s);
            json_decref(j);
        } else {
            printf("%-6lld %-6lld %-11s %-20s %-8s %s\n", (long long)c->id, (long long)c->agent_id,
                   c->kind, fmt_time(c->created, t, sizeof t), state, c->result ? c->result : "-");
        }
    }
    status = 0;
out:
    canh_store_agent_cmds_free(v, n);
    canh_store_close(st);
    return status;
}
