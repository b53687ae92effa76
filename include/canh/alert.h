/* canh/alert.h - alerts: what detection produces from an event.
 *
 * An alert is the triggering event plus rule.* fields (and, per source,
 * threat.indicator.* and others). Every detector (Sigma, intel, malware,
 * vuln, correlation) produces alerts through this one type, so they are
 * printed, stored and forwarded the same way. */
#ifndef CANH_ALERT_H
#define CANH_ALERT_H

#include <stddef.h>

#include "canh/buf.h"
#include "canh/event.h"

typedef enum canh_level {
    CANH_LEVEL_INFORMATIONAL = 0,
    CANH_LEVEL_LOW,
    CANH_LEVEL_MEDIUM,
    CANH_LEVEL_HIGH,
    CANH_LEVEL_CRITICAL,
} canh_level_t;

/* "informational", "low", "medium", "high", "critical". */
const char *canh_level_name(canh_level_t l);
int canh_level_parse(const char *s, canh_level_t *out);

#define CANH_ALERT_MAX_FIELDS 48

typedef struct canh_alert {
    const char *rule_id;
    const char *rule_name;
    const char *rule_source;  /* sigma|intel|malware|vuln|correlation */
    canh_level_t level;
    /* Further fields (threat.indicator.*, rule.description, tags...). The
     * slices must stay valid until the alert is encoded. */
    canh_kv_t fields[CANH_ALERT_MAX_FIELDS];
    size_t nfields;
} canh_alert_t;

/* Adds a field; CANH_ELIMIT when full. */
int canh_alert_add(canh_alert_t *a, canh_str_t key, canh_str_t val, canh_ftype_t type);

/* Appends the alert as one JSON object: the event's fields, then rule.id,
 * rule.name, rule.level, rule.source and the alert's fields (which win over
 * event fields of the same name). */
int canh_alert_to_json(const canh_alert_t *a, const canh_event_t *ev, canh_buf_t *out);

/* A detector hands each alert to a callback; a non-zero return stops it. */
typedef int (*canh_alert_fn)(void *ud, const canh_alert_t *a, const canh_event_t *ev);

#endif
