/* canh/detect.h - detectors that turn events into alerts.
 *
 * This header grows with the detection engine (Sigma, correlation). For now
 * it holds the intel detector: every event's addresses, names, URLs and
 * hashes are looked up in an intel snapshot, and each matching indicator
 * raises an alert with rule.source = "intel" and threat.indicator.*. */
#ifndef CANH_DETECT_H
#define CANH_DETECT_H

#include "canh/alert.h"
#include "canh/event.h"
#include "canh/intel.h"

/* ---- Sigma rules ------------------------------------------------------------
 * A rule set is compiled once from Sigma YAML files (and field-mapping data
 * files) and is immutable afterwards: share it between threads. A detector
 * holds the mutable state of one thread (correlation windows, scratch). */
typedef struct canh_rules canh_rules_t;
typedef struct canh_detector canh_detector_t;

/* How one rule fared at compile time. */
typedef enum canh_rule_status {
    CANH_RULE_OK = 0,      /* compiled fully */
    CANH_RULE_PARTIAL,     /* compiled, but a part is unsupported (reason says which) */
    CANH_RULE_FAILED,      /* not compiled (reason says why, with file:line) */
} canh_rule_status_t;

typedef struct canh_rules_opts {
    const char *mappings;  /* directory of field-mapping files; NULL = built-in rules/mappings */
    bool skip_disabled;    /* honour per-rule enable/disable lists */
} canh_rules_opts_t;

/* Called once per rule file entry that is not CANH_RULE_OK (and, when
 * verbose, for every rule): file, line, rule id/title, status, reason. */
typedef void (*canh_rule_report_fn)(void *ud, const char *file, unsigned line, const char *id,
                                    const char *title, canh_rule_status_t st, const char *reason);

/* Compiles every .yml/.yaml file under the given paths (files or
 * directories, recursively). Returns CANH_OK even when some rules failed
 * (they are reported and counted); *compiled and *failed receive the counts. */
int canh_rules_compile(const char *const *paths, size_t npaths, const canh_rules_opts_t *opts,
                       canh_rule_report_fn report, void *ud, canh_rules_t **out,
                       size_t *compiled, size_t *failed, canh_errbuf_t *eb);
void canh_rules_destroy(canh_rules_t *r);
size_t canh_rules_count(const canh_rules_t *r);

int canh_detector_create(const canh_rules_t *r, canh_detector_t **out);
void canh_detector_destroy(canh_detector_t *d);
/* Runs every rule that applies to ev (by log source and fields); calls fn
 * for each alert (rule.source "sigma" or "correlation"). Event time, not the
 * wall clock, drives correlation windows. Returns the number of alerts. */
int canh_detector_run(canh_detector_t *d, const canh_event_t *ev, canh_alert_fn fn, void *ud);

/* Correlation state bounds and counters (per detector). Each correlation
 * rule keeps one window per group-by key; when a rule has max_groups_per_rule
 * groups, or the detector max_groups_total, a new group first evicts the
 * least recently updated one (of that rule, or of all) and counts it. */
typedef struct canh_detector_stats {
    uint64_t corr_groups;    /* groups held now */
    uint64_t corr_evictions; /* groups evicted because a bound was reached */
    uint64_t corr_expired;   /* groups dropped because their window had passed */
    uint64_t corr_late;      /* events older than their group's window, ignored */
    uint64_t corr_alerts;    /* correlation alerts raised */
} canh_detector_stats_t;

void canh_detector_stats(const canh_detector_t *d, canh_detector_stats_t *out);
/* 0 keeps the current bound (defaults 100000 per rule, 1000000 in all). */
int canh_detector_set_corr_limits(canh_detector_t *d, size_t max_groups_per_rule,
                                  size_t max_groups_total);

/* Correlation state shared between the detectors of several threads (the
 * daemon's workers take records in any order, so one source's events would
 * otherwise be split between their windows). A detector attached to it
 * runs its single-event rules on its own and the correlation step under the
 * shared state's lock; stats and limits then read and set the shared state.
 * create gives *out = NULL (and CANH_OK) when r has no correlation rules.
 * The shared state must outlive every detector attached to it; attach
 * CANH_EINVAL when d was made from other rules. */
typedef struct canh_corr_shared canh_corr_shared_t;
int canh_corr_shared_create(const canh_rules_t *r, canh_corr_shared_t **out);
void canh_corr_shared_destroy(canh_corr_shared_t *c);
int canh_detector_attach_corr(canh_detector_t *d, canh_corr_shared_t *c);

/* Looks up ev's source/destination/host IPs, DNS/URL/TLS/destination
 * domains, URL, and file/process hashes in snap. Calls fn once per distinct
 * matching indicator (the first field it matched on is reported). Returns
 * the number of alerts raised (>= 0), or an error from fn. snap may be NULL
 * (no alerts). */
int canh_detect_intel(const canh_intel_snap_t *snap, const canh_event_t *ev, canh_alert_fn fn,
                      void *ud);

#endif
