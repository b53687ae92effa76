/* canh/config.h - YAML configuration driven by one declarative key table
 * (Redis config.c / nginx ngx_command_t). The same table parses, validates,
 * supplies defaults, and generates docs/configuration.md.
 *
 * Keys are dotted paths into the YAML mappings ("server.syslog.udp_port").
 * In the file a key may be nested (log: {level: info}), dotted
 * (log.level: info), or a mix; a mapping key whose value is empty/null
 * ("server:" with every child commented out) sets nothing. Unknown keys
 * (with a "did you mean" for a known key within edit distance 2), wrong
 * types, out-of-range values, a non-mapping where a mapping is expected,
 * a key set twice (in either form), aliases, nesting deeper than
 * CANH_MAX_CONFIG_DEPTH and YAML syntax errors are errors quoting
 * "file:line:column: key: reason", e.g.
 *   canh.yml:7:14: log.level: expected one of error, warn, info, debug, got "loud"
 *   canh.yml:3:1: lgo: unknown key (did you mean "log"?)
 *   canh.yml:2:1: yaml: flow sequence without a closing bracket
 * Line and column are 1-based; for a list or mapping value they point at its
 * first scalar. libfyaml never prints anything itself. The text must be
 * UTF-8 (checked before libfyaml sees it). Only the first YAML document of a
 * stream is read. */
#ifndef CANH_CONFIG_H
#define CANH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/buf.h"
#include "canh/error.h"

typedef enum canh_cfg_type {
    CANH_CFG_STR,      /* char* (owned, canh_free'd by canh_config_free) */
    CANH_CFG_INT,      /* int64_t within [min, max] */
    CANH_CFG_BOOL,     /* bool: true/false/yes/no/on/off */
    CANH_CFG_SIZE,     /* uint64_t bytes; accepts 10, 10K, 64MiB, 1G ... */
    CANH_CFG_DURATION, /* int64_t seconds; accepts 30, 30s, 5m, 12h, 30d */
    CANH_CFG_ENUM,     /* int index into enums[] */
    CANH_CFG_STRLIST,  /* canh_strlist_t: a YAML sequence of strings */
    CANH_CFG_ADDR,     /* char* "host:port" / "[v6]:port", validated */
} canh_cfg_type_t;

typedef struct canh_strlist {
    char **v;
    size_t n;
} canh_strlist_t;

/* One row of a configuration table.
 * def: the default as YAML scalar text ("1MiB", "info"); for STRLIST a flow
 *   sequence ("[a, b]"). NULL means "" for STR/ADDR (never a NULL pointer),
 *   0 for numbers, false, index 0 for ENUM, and an empty list.
 * min, max: bounds for INT/SIZE/DURATION; min always applies, max 0 means
 *   no upper bound. For STR they bound the length in bytes (min 1: must not
 *   be empty); for ADDR min > 0 means the address is required (otherwise
 *   empty disables it), and max > 0 admits port 0 (a listener on a port the
 *   system picks, read back at run time).
 * enums: for ENUM the NULL-terminated names (matched case-insensitively,
 *   stored as the index). For STR, if non-NULL, the accepted values (stored
 *   in the table's spelling); the entry "+hh:mm" there admits any UTC offset
 *   that canh_time_parse_tz accepts with an explicit sign ("+07:00", "-0500"),
 *   stored as written. */
typedef struct canh_cfg_key {
    const char *path; /* dotted key path */
    canh_cfg_type_t type;
    size_t offset;            /* offsetof the value in the target struct */
    const char *def;          /* default, as YAML scalar text; NULL = none/empty */
    int64_t min, max;         /* bounds for INT/SIZE/DURATION (max 0 = none) */
    const char *const *enums; /* NULL-terminated names for ENUM */
    const char *doc;          /* one-line description for --help and docs */
} canh_cfg_key_t;

/* Applies every default in tab to dst (zeroed by the caller first; STR/ADDR
 * and STRLIST values already in dst are freed and replaced). Returns CANH_OK,
 * CANH_ENOMEM, or CANH_EINVAL/CANH_ELIMIT for a default that fails its own
 * row's validation ("defaults: key: reason" in eb: a bug in the table). */
int canh_config_defaults(const canh_cfg_key_t *tab, size_t n, void *dst, canh_errbuf_t *eb);
/* Reads and applies a YAML file over dst (defaults applied first by the
 * caller). Keys absent from the file keep their value; a STRLIST in the file
 * replaces the whole list. On failure dst may be partly updated; free it with
 * canh_config_free. Stops at the first error and returns:
 *   CANH_ENOENT  the file does not exist ("FILE: cannot open: <strerror>"),
 *                or an unknown key
 *   CANH_EIO     the file cannot be opened or read
 *   CANH_ELIMIT  file larger than CANH_MAX_CONFIG_FILE, nesting deeper than
 *                CANH_MAX_CONFIG_DEPTH, a value out of range or too large
 *   CANH_EINVAL  YAML syntax error, invalid UTF-8, wrong type or malformed
 *                value
 *   CANH_EEXIST  a key set twice
 *   CANH_ENOTSUP an alias (*name) used as a value
 *   CANH_ENOMEM  out of memory
 * with the one-line message in eb. */
int canh_config_load_file(const canh_cfg_key_t *tab, size_t n, void *dst, const char *path,
                          canh_errbuf_t *eb);
/* Same, from memory (text need not be NUL-terminated); name is used in
 * error messages. An empty or comment-only text sets nothing. */
int canh_config_load_mem(const canh_cfg_key_t *tab, size_t n, void *dst, const char *name,
                         const char *text, size_t len, canh_errbuf_t *eb);
/* Frees the STR/ADDR/STRLIST values in dst and sets them to NULL/empty, so
 * calling it twice is harmless. */
void canh_config_free(const canh_cfg_key_t *tab, size_t n, void *dst);
/* Appends a Markdown reference table of tab to out: a header row, then one
 * row per key, "| `key` | type | default | range/values | description |".
 * Returns CANH_OK or the canh_buf error (CANH_ENOMEM, CANH_ELIMIT). */
int canh_config_doc(const canh_cfg_key_t *tab, size_t n, canh_buf_t *out);

/* ---- Canh's own settings ------------------------------------------------ */
typedef struct canh_settings {
    char *data_dir;         /* data.dir */
    char *timezone;         /* time.zone: "local", "UTC", "+07:00" */
    int log_level;          /* log.level: index into error/warn/info/debug */
    uint64_t max_record;    /* input.max_record */
    int64_t retention_days; /* store.retention_days (future store) */
    /* server listeners (used by `canh server`; validated now) */
    char *syslog_udp; /* server.syslog.udp  host:port or empty */
    char *syslog_tcp; /* server.syslog.tcp */
    /* `canh server` (H6, issue 6): listeners, pipeline, store writer, retention */
    char *syslog_tls;         /* server.syslog.tls */
    char *tls_cert;           /* server.tls.cert: PEM certificate (chain) of the TLS listener */
    char *tls_key;            /* server.tls.key: its PEM private key */
    char *tls_ca;             /* server.tls.ca: CA that client certificates must chain to */
    char *agent_listen;       /* server.agent.listen: the agent channel */
    char *agent_name;         /* server.agent.name: name in the manager's certificate */
    char *metrics;            /* server.metrics: HTTP /metrics and /status */
    char *server_user;        /* server.user: account to run as after binding */
    int64_t workers;          /* server.workers: 0 = one per core */
    int64_t queue;            /* server.queue: input queue capacity, records */
    int64_t batch_rows;       /* server.batch_rows: rows per store transaction */
    int64_t batch_ms;         /* server.batch_ms: longest wait before a commit */
    int64_t max_conns;        /* server.max_conns */
    int64_t idle_timeout;     /* server.idle_timeout: seconds */
    uint64_t udp_rcvbuf;      /* server.udp_rcvbuf: bytes */
    int64_t ret_max_age_days; /* retention.max_age_days */
    bool ret_force;           /* retention.force: allow under 30 days */
    uint64_t ret_max_size;    /* retention.max_size: bytes, 0 = no limit */
    canh_strlist_t ret_by_dataset; /* retention.by_dataset: "DATASET=DAYS" */
    int64_t ret_interval;          /* retention.interval: seconds between runs */
    int64_t corr_groups;           /* server.corr_groups: correlation groups per worker */
    canh_strlist_t rules;          /* detect.rules: paths of rule files/dirs */
    /* `canh agent` (H7, issue 6): the manager, spool, batches, collectors */
    char *ag_manager;              /* agent.manager: HOST:PORT (default: as enrolled) */
    uint64_t ag_spool_max;         /* agent.spool.max_size */
    uint64_t ag_batch_bytes;       /* agent.batch.max_bytes */
    int64_t ag_batch_records;      /* agent.batch.max_records */
    int64_t ag_batch_delay_ms;     /* agent.batch.delay_ms */
    int64_t ag_window;             /* agent.window */
    canh_strlist_t ag_scan_yara;   /* agent.scan.yara */
    canh_strlist_t ag_scan_hashes; /* agent.scan.hashes */
    canh_strlist_t ag_scan_paths;  /* agent.scan.paths */
    int64_t ag_scan_interval;      /* agent.scan.interval: seconds, 0 = off */
    canh_strlist_t ag_logfiles;    /* agent.collect.logfiles */
    bool ag_journald;              /* agent.collect.journald */
    canh_strlist_t ag_fim_paths;   /* agent.collect.fim_paths */
    int64_t ag_fim_interval;       /* agent.collect.fim_interval: seconds */
    int64_t ag_inventory_interval; /* agent.collect.inventory_interval: seconds */
    int64_t ag_netconn_interval;   /* agent.collect.netconn_interval: seconds */
    bool ag_read_from_end;         /* agent.collect.read_from_end */
    char *ag_dpkg_status;          /* agent.collect.dpkg_status */
    char *ag_rpmdb;                /* agent.collect.rpmdb */
} canh_settings_t;

/* The table for canh_settings_t (src/core/core_settings.c); use as
 *   canh_settings_t s = {0};
 *   rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &s, &eb);
 *   rc = canh_config_load_file(canh_settings_keys, canh_settings_nkeys, &s, path, &eb);
 *   ...
 *   canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
 * After defaults, every string member is non-NULL ("" when unset). */
extern const canh_cfg_key_t canh_settings_keys[];
extern const size_t canh_settings_nkeys;

#endif
