/* canh/config.h - YAML configuration driven by one declarative key table
 * (Redis config.c / nginx ngx_command_t). The same table parses, validates,
 * supplies defaults, and generates docs/configuration.md.
 *
 * Keys are dotted paths into the YAML mappings ("server.syslog.udp_port").
 * Unknown keys, wrong types and out-of-range values are errors quoting
 * "file:line:column: key: reason". */
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

typedef struct canh_cfg_key {
    const char *path;          /* dotted key path */
    canh_cfg_type_t type;
    size_t offset;             /* offsetof the value in the target struct */
    const char *def;           /* default, as YAML scalar text; NULL = none/empty */
    int64_t min, max;          /* bounds for INT/SIZE/DURATION (max 0 = none) */
    const char *const *enums;  /* NULL-terminated names for ENUM */
    const char *doc;           /* one-line description for --help and docs */
} canh_cfg_key_t;

/* Applies every default in tab to dst (zeroed by the caller first). */
int canh_config_defaults(const canh_cfg_key_t *tab, size_t n, void *dst, canh_errbuf_t *eb);
/* Reads and applies a YAML file over dst (defaults applied first by the
 * caller). On failure dst may be partly updated; free it with
 * canh_config_free. */
int canh_config_load_file(const canh_cfg_key_t *tab, size_t n, void *dst, const char *path,
                          canh_errbuf_t *eb);
/* Same, from memory; name is used in error messages. */
int canh_config_load_mem(const canh_cfg_key_t *tab, size_t n, void *dst, const char *name,
                         const char *text, size_t len, canh_errbuf_t *eb);
/* Frees the STR/ADDR/STRLIST values in dst. */
void canh_config_free(const canh_cfg_key_t *tab, size_t n, void *dst);
/* Appends a Markdown reference table of tab to out. */
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

extern const canh_cfg_key_t canh_settings_keys[];
extern const size_t canh_settings_nkeys;

#endif
