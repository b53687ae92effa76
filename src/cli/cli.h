/* cli.h - the `canh` subcommands. Each lives in its own file cli_<name>.c
 * and is one row of the command table in cli_main.c. A command returns the
 * process exit status: 0 success, 1 "found something" for search commands,
 * 2 usage or input error (with a one-line message on stderr naming the file
 * and line). argv[0] is the subcommand name. */
#ifndef CANH_CLI_H
#define CANH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "canh/intel.h"
#include "canh/store.h"

typedef struct canh_cli_cmd {
    const char *name;  /* "replay", "config check" (two words = group + verb) */
    int (*run)(int argc, char **argv);
    const char *usage; /* one line: arguments */
    const char *help;  /* one line: what it does */
} canh_cli_cmd_t;

int canh_cmd_version(int argc, char **argv);
int canh_cmd_replay(int argc, char **argv);
int canh_cmd_config_check(int argc, char **argv);
int canh_cmd_rules_check(int argc, char **argv);
int canh_cmd_intel_import(int argc, char **argv);
int canh_cmd_intel_lookup(int argc, char **argv);
int canh_cmd_intel_sources(int argc, char **argv);
int canh_cmd_intel_remove(int argc, char **argv);
int canh_cmd_intel_grep(int argc, char **argv);
int canh_cmd_assets_import(int argc, char **argv);
int canh_cmd_botnet_report(int argc, char **argv);
/* the manager (cli_server.c) and the store readers (cli_events.c) */
int canh_cmd_server(int argc, char **argv);
int canh_cmd_server_reload(int argc, char **argv);
int canh_cmd_status(int argc, char **argv);
int canh_cmd_events_count(int argc, char **argv);
int canh_cmd_alerts_list(int argc, char **argv);
int canh_cmd_scan(int argc, char **argv);
int canh_cmd_quarantine_list(int argc, char **argv);
int canh_cmd_quarantine_restore(int argc, char **argv);
int canh_cmd_quarantine_delete(int argc, char **argv);
int canh_cmd_malware_report(int argc, char **argv);
/* the agent and the manager's agent registry (cli_agent.c, cli_agents.c) */
int canh_cmd_agent(int argc, char **argv);
int canh_cmd_agent_enroll(int argc, char **argv);
int canh_cmd_agents_list(int argc, char **argv);
int canh_cmd_agents_revoke(int argc, char **argv);
int canh_cmd_agents_rekey(int argc, char **argv);
int canh_cmd_agents_token(int argc, char **argv);
int canh_cmd_agents_command(int argc, char **argv);
int canh_cmd_agents_commands(int argc, char **argv);

/* True if DIR/canh.db exists (commands that only read must not create it). */
bool canh_cli_store_exists(const char *data_dir);
/* Opens the store or prints "canh CMD: reason" and returns 2. */
int canh_cli_open_store(const char *cmd, const char *data_dir, canh_store_t **out);
/* Builds a snapshot of the live indicators, or prints the error, returns 2. */
int canh_cli_load_intel(const char *cmd, canh_store_t *st, canh_intel_snap_t **out);

/* The data directory: --data, else $CANH_DATA, else ./canh-data. */
const char *canh_cli_data_dir(const char *flag);

/* Prints "canh <cmd>: msg" to stderr and returns 2. */
int canh_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
