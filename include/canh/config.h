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
 *   empty disables it).
 * enums: for ENUM the NULL-terminated names (matched case-insensitively,
 *   stored as the index). For STR, if non-NULL, the accepted values (stored
 *   in the table's spelling); the entry "+hh:mm" there admits any UTC offset
 *   that canh_time_parse_tz accepts with an explicit sign ("+07:00", "-0500"),
 *   stored as written. */
typedef struct canh_cfg_key {
    const char *path;          /* dotted key path */
    canh_cfg_type_t type;
    size_t offset;             /* offsetof the value in the target struct */
    const char *def;           /* default, as YAML scalar text; NULL = none/empty */
    int64_t min, max;          /* bounds for INT/SIZE/DURATION (max 0 = none) */
    const char *const *enums;  /* NULL-terminated names for ENUM */
    const char *doc;           /* one-line description for --help and docs */
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
    char *data_dir;          /* data.dir */
    char *timezone;          /* time.zone: "local", "UTC", "+07:00" */
    int log_level;           /* log.level: index into error/warn/info/debug */
    uint64_t max_record;     /* input.max_record */
    int64_t retention_days;  /* store.retention_days (future store) */
    /* server listeners (used by `canh server`; validated now) */
    char *syslog_udp;        /* server.syslog.udp  host:port or empty */
    char *syslog_tcp;        /* server.syslog.tcp */
    canh_strlist_t rules;    /* detect.rules: paths of rule files/dirs */
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
