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
     "Days of stored events to keep (for the event store)."},
    {"server.syslog.udp", CANH_CFG_ADDR, OFF(syslog_udp), NULL, 0, 0, NULL,
     "UDP syslog listener for `canh server`; empty disables it."},
    {"server.syslog.tcp", CANH_CFG_ADDR, OFF(syslog_tcp), NULL, 0, 0, NULL,
     "TCP syslog listener for `canh server`; empty disables it."},
    {"detect.rules", CANH_CFG_STRLIST, OFF(rules), NULL, 0, 0, NULL,
     "Rule files or directories to load."},
};

const size_t canh_settings_nkeys = sizeof canh_settings_keys / sizeof canh_settings_keys[0];
