/* cli_main.c - `canh`: the command table and dispatch. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const canh_cli_cmd_t commands[] = {
    {"version", canh_cmd_version, "", "print the version and the enabled engines"},
    {"replay", canh_cmd_replay,
     "[--format alerts|events] [--type NAME] [--timezone TZ] FILE...|-",
     "run files through decode (and detect) as the daemon would"},
    {"config check", canh_cmd_config_check, "FILE", "validate a configuration file"},
    {"rules check", canh_cmd_rules_check, "PATH...",
     "compile Sigma rules and report the ones that fail"},
    {"intel import", canh_cmd_intel_import,
     "--source NAME [--kind KIND] [--format FORMAT] [--threat T] [--expires DAYS] FILE",
     "load threat indicators from a feed file"},
    {"intel lookup", canh_cmd_intel_lookup, "VALUE...", "look values up in the indicators"},
    {"intel sources", canh_cmd_intel_sources, "[--format table|json]", "list the feeds"},
    {"intel remove", canh_cmd_intel_remove, "--source NAME", "remove one feed's indicators"},
    {"intel grep", canh_cmd_intel_grep, "[--list FILE]... [-v] [-c] FILE...",
     "print the lines that contain a listed IP address"},
    {"assets import", canh_cmd_assets_import, "FILE", "load the organisation's assets (CSV)"},
    {"botnet report", canh_cmd_botnet_report,
     "[--month YYYY-MM] [--format table|json|csv|xlsx] [--output FILE]",
     "the organisation's hosts on botnet lists, ranked for clean-up"},
    /* "server reload" before "server": dispatch takes the first row that matches. */
    {"server reload", canh_cmd_server_reload, "[--data DIR]",
     "reload the running server's rules and indicators"},
    {"server", canh_cmd_server, "[--config FILE] [--data DIR] [--foreground]",
     "the manager daemon: syslog and agent listeners, detection, store"},
    {"status", canh_cmd_status, "[--data DIR] [--format table|json]",
     "the running server's counters"},
    {"events count", canh_cmd_events_count, "[--dataset NAME] [--since WHEN] [--by-dataset]",
     "count stored events"},
    {"alerts list", canh_cmd_alerts_list,
     "[--format table|json] [--limit N] [--source S] [--since WHEN]", "list stored alerts"},
    {"scan", canh_cmd_scan,
     "[--hashes FILE]... [--yara PATH]... [--clamav DIR] [--jobs N] [--exclude GLOB]... "
     "[--quarantine] PATH...",
     "scan files for malware (hash lists, YARA, ClamAV)"},
    {"quarantine list", canh_cmd_quarantine_list, "[--format table|json]",
     "list the quarantined files"},
    {"quarantine restore", canh_cmd_quarantine_restore, "ID [--to PATH] [--force]",
     "put a quarantined file back, checked, with its owner, mode and times"},
    {"quarantine delete", canh_cmd_quarantine_delete, "ID...",
     "delete quarantined files for good"},
    {"malware report", canh_cmd_malware_report,
     "[--month YYYY-MM] [--format table|json|edxml] [--org FILE] [--sign-key PEM --sign-cert PEM]",
     "the detections as the edXML AVReport for the national centre (CV 2290)"},
    /* "agent enroll" before "agent": dispatch takes the first row that matches. */
    {"agent enroll", canh_cmd_agent_enroll,
     "--manager HOST:PORT --token TOKEN [--name NAME] [--data DIR]",
     "enroll this host as an agent of a manager"},
    {"agent", canh_cmd_agent, "[--config FILE] [--data DIR]",
     "the endpoint agent: collect, spool, deliver to the manager"},
    {"agents list", canh_cmd_agents_list, "[--format table|json]", "the manager's agents"},
    {"agents revoke", canh_cmd_agents_revoke, "ID|NAME", "refuse an agent's credential"},
    {"agents rekey", canh_cmd_agents_rekey, "ID|NAME",
     "replace an agent's certificate at its next connection"},
    {"agents token", canh_cmd_agents_token, "create [--ttl DURATION] [--uses N] [--label TEXT]",
     "make an enrollment token"},
    {"agents command", canh_cmd_agents_command, "ID|NAME scan PATH...|quarantine PATH|ping",
     "queue a command for an agent"},
    {"agents commands", canh_cmd_agents_commands, "[--agent ID|NAME] [--format table|json]",
     "commands sent to agents and their results"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *canh_cli_data_dir(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("CANH_DATA");
    return env && *env ? env : "./canh-data";
}

int canh_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "canh %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static void usage(FILE *out)
{
    fprintf(out, "Canh - security monitoring and response\n\n"
                 "usage: canh <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\nRun 'canh <command> --help' for a command's options.\n"
                 "Common option: --data DIR (default ./canh-data, or $CANH_DATA).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return canh_cmd_version(1, argv + 1);
    /* Two-word commands first ("config check"), then one-word ones. */
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *name = commands[i].name;
        const char *sp = strchr(name, ' ');
        if (sp) {
            size_t gl = (size_t)(sp - name);
            if (strlen(argv[1]) == gl && strncmp(argv[1], name, gl) == 0 && argc >= 3 &&
                strcmp(argv[2], sp + 1) == 0)
                return commands[i].run(argc - 2, argv + 2);
        } else if (strcmp(argv[1], name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    /* A known group without a valid verb: list its verbs. */
    bool group = false;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *sp = strchr(commands[i].name, ' ');
        if (sp && strlen(argv[1]) == (size_t)(sp - commands[i].name) &&
            strncmp(argv[1], commands[i].name, (size_t)(sp - commands[i].name)) == 0) {
            if (!group)
                fprintf(stderr, "canh %s: expected one of:\n", argv[1]);
            group = true;
            fprintf(stderr, "  canh %s %s\n", commands[i].name, commands[i].usage);
        }
    }
    if (group)
        return 2;
    fprintf(stderr, "canh: unknown command \"%s\" (run 'canh --help')\n", argv[1]);
    return 2;
}
