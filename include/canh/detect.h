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

/* Looks up ev's source/destination/host IPs, DNS/URL/TLS/destination
 * domains, URL, and file/process hashes in snap. Calls fn once per distinct
 * matching indicator (the first field it matched on is reported). Returns
 * the number of alerts raised (>= 0), or an error from fn. snap may be NULL
 * (no alerts). */
int canh_detect_intel(const canh_intel_snap_t *snap, const canh_event_t *ev, canh_alert_fn fn,
                      void *ud);

#endif
