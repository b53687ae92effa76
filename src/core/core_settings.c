/* core_settings.c - Canh's own settings: one row per key of canh.yml.
 *
 * This table is the single source of truth for parsing, validation,
 * defaults and docs/configuration.md (a unit test keeps the document in
 * step with it). Keep rows grouped by their first path component. */
#include <stddef.h>

#include "canh/config.h"
#include "canh/limits.h"

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};

/* "+hh:mm" stands for any UTC offset (see canh_cfg_key_t.enums). */
static const char *const time_zones[] = {"local", "UTC", "+hh:mm", NULL};

#define OFF(field) offsetof(canh_settings_t, field)

/* path, type, offset, default, min, max, enums, doc */
const canh_cfg_key_t canh_settings_keys[] = {
    {"data.dir", CANH_CFG_STR, OFF(data_dir), "./canh-data", 1, 0, NULL,
     "Directory for Canh's state and stored events."},
    {"time.zone", CANH_CFG_STR, OFF(timezone), "local", 0, 0, time_zones,
     "Zone for timestamps that carry none: the host's zone, UTC, or a fixed offset."},
    {"log.level", CANH_CFG_ENUM, OFF(log_level), "info", 0, 0, log_levels,
     "Verbosity of Canh's own operational log."},
    {"input.max_record", CANH_CFG_SIZE, OFF(max_record), "1MiB", 1024, CANH_MAX_RECORD, NULL,
     "Largest input record; longer records are cut at this size and tagged truncated."},
    {"store.retention_days", CANH_CFG_INT, OFF(retention_days), "30", 1, 3650, NULL,
     "Superseded by retention.max_age_days (accepted, not used)."},
    {"server.syslog.udp", CANH_CFG_ADDR, OFF(syslog_udp), NULL, 0, 1, NULL,
     "UDP syslog listener for `canh server`; empty disables it."},
    {"server.syslog.tcp", CANH_CFG_ADDR, OFF(syslog_tcp), NULL, 0, 1, NULL,
     "TCP syslog listener for `canh server`; empty disables it."},
    {"server.syslog.tls", CANH_CFG_ADDR, OFF(syslog_tls), NULL, 0, 1, NULL,
     "TLS syslog listener (RFC 5425) for `canh server`; needs server.tls.cert and .key."},
    {"server.tls.cert", CANH_CFG_STR, OFF(tls_cert), NULL, 0, 4096, NULL,
     "PEM certificate (chain) of the TLS syslog listener."},
    {"server.tls.key", CANH_CFG_STR, OFF(tls_key), NULL, 0, 4096, NULL,
     "PEM private key of the TLS syslog listener."},
    {"server.tls.ca", CANH_CFG_STR, OFF(tls_ca), NULL, 0, 4096, NULL,
     "When set, TLS syslog clients must present a certificate signed by this CA (PEM)."},
    {"server.agent.listen", CANH_CFG_ADDR, OFF(agent_listen), NULL, 0, 1, NULL,
     "Agent channel (TLS 1.3, per-agent certificates); empty disables it."},
    {"server.agent.name", CANH_CFG_STR, OFF(agent_name), NULL, 0, 253, NULL,
     "DNS name or IP address agents use for the manager (in its certificate); default: "
     "the host name."},
    {"server.metrics", CANH_CFG_ADDR, OFF(metrics), "127.0.0.1:9580", 0, 1, NULL,
     "HTTP endpoint for GET /metrics (Prometheus) and GET /status; empty disables it."},
    {"server.user", CANH_CFG_STR, OFF(server_user), "canh", 0, 64, NULL,
     "Account the server switches to after binding when started as root; empty: stay."},
    {"server.workers", CANH_CFG_INT, OFF(workers), "0", 0, 256, NULL,
     "Decode/detect worker threads; 0 = one per core."},
    {"server.queue", CANH_CFG_INT, OFF(queue), "65536", 256, 16777216, NULL,
     "Capacity of the input queue, in records; when full, TCP/TLS/agent senders are slowed "
     "and UDP datagrams are dropped and counted."},
    {"server.batch_rows", CANH_CFG_INT, OFF(batch_rows), "20000", 1, 1000000, NULL,
     "Store writer: rows per transaction at most."},
    {"server.batch_ms", CANH_CFG_INT, OFF(batch_ms), "200", 1, 60000, NULL,
     "Store writer: longest time, in milliseconds, a stored row waits for its commit."},
    {"server.max_conns", CANH_CFG_INT, OFF(max_conns), "1024", 1, 1000000, NULL,
     "Concurrent TCP/TLS syslog connections; further ones are refused and counted."},
    {"server.idle_timeout", CANH_CFG_DURATION, OFF(idle_timeout), "5m", 0, 0, NULL,
     "Close a syslog connection idle this long; 0 = never."},
    {"server.udp_rcvbuf", CANH_CFG_SIZE, OFF(udp_rcvbuf), "8MiB", 0, 1073741824, NULL,
     "Receive buffer asked for the UDP socket (best effort)."},
    {"server.corr_groups", CANH_CFG_INT, OFF(corr_groups), "200000", 1000, 10000000, NULL,
     "Correlation groups (one per source address of a brute-force rule, ...) the server "
     "keeps, shared by its workers; past it the least recently updated is evicted and "
     "counted."},
    {"retention.max_age_days", CANH_CFG_INT, OFF(ret_max_age_days), "30", 1, 36500, NULL,
     "Days stored events and alerts are kept; under 30 needs retention.force (level rules)."},
    {"retention.force", CANH_CFG_BOOL, OFF(ret_force), "false", 0, 0, NULL,
     "Allow retention under 30 days (not for monitored systems under the level rules)."},
    {"retention.max_size", CANH_CFG_SIZE, OFF(ret_max_size), "0", 0, 0, NULL,
     "Largest store size; the oldest events go first when it is exceeded. 0 = no limit."},
    {"retention.by_dataset", CANH_CFG_STRLIST, OFF(ret_by_dataset), NULL, 0, 0, NULL,
     "Per-dataset ages, \"DATASET=DAYS\" (e.g. \"suricata=180\"), overriding max_age_days."},
    {"retention.interval", CANH_CFG_DURATION, OFF(ret_interval), "1h", 1, 0, NULL,
     "How often the retention job runs."},
    {"detect.rules", CANH_CFG_STRLIST, OFF(rules), NULL, 0, 0, NULL,
     "Rule files or directories to load."},
    /* agent.*: `canh agent` (docs/agent.md) */
    {"agent.manager", CANH_CFG_ADDR, OFF(ag_manager), NULL, 0, 0, NULL,
     "Manager's agent channel, HOST:PORT; empty: the one the agent enrolled with."},
    {"agent.spool.max_size", CANH_CFG_SIZE, OFF(ag_spool_max), "256MiB", 1048576, 0, NULL,
     "Largest on-disk spool of unacknowledged batches; when full, collection waits."},
    {"agent.batch.max_bytes", CANH_CFG_SIZE, OFF(ag_batch_bytes), "1MiB", 4096, 3145728, NULL,
     "A batch is sealed (fsynced into the spool) at this size..."},
    {"agent.batch.max_records", CANH_CFG_INT, OFF(ag_batch_records), "5000", 1, 1000000, NULL,
     "... or at this many records..."},
    {"agent.batch.delay_ms", CANH_CFG_INT, OFF(ag_batch_delay_ms), "200", 1, 60000, NULL,
     "... or when its first record is this many milliseconds old."},
    {"agent.window", CANH_CFG_INT, OFF(ag_window), "8", 1, 256, NULL,
     "Batches sent to the manager and not yet acknowledged, at most."},
    {"agent.scan.yara", CANH_CFG_STRLIST, OFF(ag_scan_yara), NULL, 0, 0, NULL,
     "YARA rule files or directories the scan command uses."},
    {"agent.scan.hashes", CANH_CFG_STRLIST, OFF(ag_scan_hashes), NULL, 0, 0, NULL,
     "Hash-list files the scan command uses."},
    {"agent.scan.paths", CANH_CFG_STRLIST, OFF(ag_scan_paths), NULL, 0, 0, NULL,
     "Files and directories the agent scans on its schedule (with agent.scan.hashes and "
     "agent.scan.yara); empty: only scans the manager orders."},
    {"agent.scan.interval", CANH_CFG_DURATION, OFF(ag_scan_interval), "24h", 0, 0, NULL,
     "Time between scheduled scans of agent.scan.paths (the first one a minute after start); "
     "0 turns the schedule off."},
    {"agent.collect.logfiles", CANH_CFG_STRLIST, OFF(ag_logfiles), NULL, 0, 0, NULL,
     "Glob patterns of log files to follow."},
    {"agent.collect.journald", CANH_CFG_BOOL, OFF(ag_journald), "false", 0, 0, NULL,
     "Read the local systemd journal."},
    {"agent.collect.fim_paths", CANH_CFG_STRLIST, OFF(ag_fim_paths), NULL, 0, 0, NULL,
     "Files and directories (recursive) under file integrity monitoring."},
    {"agent.collect.fim_interval", CANH_CFG_DURATION, OFF(ag_fim_interval), "1h", 0, 0, NULL,
     "Full rescan of the FIM paths besides inotify; 0 = inotify only."},
    {"agent.collect.inventory_interval", CANH_CFG_DURATION, OFF(ag_inventory_interval), "1h", 0, 0,
     NULL, "Package inventory and host facts; 0 = off."},
    {"agent.collect.netconn_interval", CANH_CFG_DURATION, OFF(ag_netconn_interval), "60s", 0, 0,
     NULL, "Listening ports and outbound connections with their processes; 0 = off."},
    {"agent.collect.read_from_end", CANH_CFG_BOOL, OFF(ag_read_from_end), "true", 0, 0, NULL,
     "Log files found at the first start are read from their end (later ones from the start)."},
    {"agent.collect.dpkg_status", CANH_CFG_STR, OFF(ag_dpkg_status), "/var/lib/dpkg/status", 0,
     4096, NULL, "dpkg database for the package inventory; empty: none."},
    {"agent.collect.rpmdb", CANH_CFG_STR, OFF(ag_rpmdb), "/var/lib/rpm/rpmdb.sqlite", 0, 4096, NULL,
     "rpm database (SQLite) for the package inventory; empty: none."},
};

const size_t canh_settings_nkeys = sizeof canh_settings_keys / sizeof canh_settings_keys[0];
