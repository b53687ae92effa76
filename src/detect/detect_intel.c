/* detect_intel.c - the intel detector: event fields looked up in the
 * indicator snapshot, one alert per matching indicator. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "canh/detect.h"
#include "canh/time.h"

/* Fields looked up, and how. Order matters only for which field an
 * indicator is reported against when several hold it. */
typedef enum how { BY_IP, BY_DOMAIN, BY_URL, BY_HASH } how_t;
static const struct {
    canh_field_t field;
    how_t how;
} checks[] = {
    {CANH_F_SOURCE_IP, BY_IP},
    {CANH_F_DESTINATION_IP, BY_IP},
    {CANH_F_HOST_IP, BY_IP},
    {CANH_F_DNS_QUESTION_NAME, BY_DOMAIN},
    {CANH_F_DESTINATION_DOMAIN, BY_DOMAIN},
    {CANH_F_URL_DOMAIN, BY_DOMAIN},
    {CANH_F_TLS_CLIENT_SERVER_NAME, BY_DOMAIN},
    {CANH_F_SOURCE_DOMAIN, BY_DOMAIN},
    {CANH_F_URL_ORIGINAL, BY_URL},
    {CANH_F_FILE_HASH_SHA256, BY_HASH},
    {CANH_F_FILE_HASH_SHA1, BY_HASH},
    {CANH_F_FILE_HASH_MD5, BY_HASH},
    {CANH_F_PROCESS_HASH_SHA256, BY_HASH},
};

#define MAX_HITS 32

static canh_level_t level_for(const char *threat)
{
    if (!threat)
        return CANH_LEVEL_MEDIUM;
    if (!strcmp(threat, "c2") || !strcmp(threat, "botnet") || !strcmp(threat, "malware") ||
        !strcmp(threat, "ransomware"))
        return CANH_LEVEL_HIGH;
    if (!strcmp(threat, "scanner") || !strcmp(threat, "spam") || !strcmp(threat, "tor"))
        return CANH_LEVEL_LOW;
    return CANH_LEVEL_MEDIUM;
}

static const char *ecs_type(const canh_indicator_t *ind)
{
    switch (ind->type) {
    case CANH_IOC_IP: return strchr(ind->value, ':') ? "ipv6-addr" : "ipv4-addr";
    case CANH_IOC_DOMAIN: return "domain-name";
    case CANH_IOC_URL: return "url";
    case CANH_IOC_MD5:
    case CANH_IOC_SHA1:
    case CANH_IOC_SHA256: return "file";
    default: return "unknown";
    }
}

static int raise(const canh_indicator_t *ind, canh_field_t field, canh_str_t atomic,
                 const canh_event_t *ev, canh_alert_fn fn, void *ud)
{
    canh_alert_t a = {0};
    char id[64], name[256], first[32], last[32], conf[16];
    const char *threat = ind->threat ? ind->threat : "threat";
    snprintf(id, sizeof id, "canh.intel.%s", threat);
    snprintf(name, sizeof name, "%s %s on threat list %s (%s%s%s)",
             field == CANH_F_SOURCE_IP || field == CANH_F_DESTINATION_IP ? "Traffic with"
                                                                         : "Event with",
             canh_ioc_type_name(ind->type), ind->source ? ind->source : "?", threat,
             ind->family ? ": " : "", ind->family ? ind->family : "");
    a.rule_id = id;
    a.rule_name = name;
    a.rule_source = "intel";
    a.level = level_for(ind->threat);
    canh_alert_add(&a, CANH_STR_LIT("threat.indicator.type"), canh_str_c(ecs_type(ind)),
                   CANH_FT_KEYWORD);
    canh_alert_add(&a, CANH_STR_LIT("threat.indicator.value"), canh_str_c(ind->value),
                   CANH_FT_KEYWORD);
    if (ind->source) {
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.source"), canh_str_c(ind->source),
                       CANH_FT_KEYWORD);
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.provider"), canh_str_c(ind->source),
                       CANH_FT_KEYWORD);
    }
    if (ind->threat)
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.threat"), canh_str_c(ind->threat),
                       CANH_FT_KEYWORD);
    if (ind->family)
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.family"), canh_str_c(ind->family),
                       CANH_FT_KEYWORD);
    if (ind->first_seen) {
        size_t n = canh_time_format(ind->first_seen * CANH_NS_PER_SEC, first);
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.first_seen"), canh_str(first, n),
                       CANH_FT_DATE);
    }
    if (ind->last_seen) {
        size_t n = canh_time_format(ind->last_seen * CANH_NS_PER_SEC, last);
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.last_seen"), canh_str(last, n),
                       CANH_FT_DATE);
    }
    if (ind->confidence >= 0) {
        int n = snprintf(conf, sizeof conf, "%d", ind->confidence);
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.confidence"), canh_str(conf, (size_t)n),
                       CANH_FT_LONG);
    }
    if (ind->extra && ind->extra[0] == '{')
        canh_alert_add(&a, CANH_STR_LIT("threat.indicator.extra"), canh_str_c(ind->extra),
                       CANH_FT_RAW);
    canh_alert_add(&a, CANH_STR_LIT("threat.indicator.matched.field"),
                   canh_str_c(canh_field_name(field)), CANH_FT_KEYWORD);
    canh_alert_add(&a, CANH_STR_LIT("threat.indicator.matched.atomic"), atomic, CANH_FT_KEYWORD);
    return fn(ud, &a, ev);
}

int canh_detect_intel(const canh_intel_snap_t *snap, const canh_event_t *ev, canh_alert_fn fn,
                      void *ud)
{
    if (!snap)
        return 0;
    uint32_t seen[MAX_HITS];
    size_t nseen = 0;
    int alerts = 0;
    for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
        canh_str_t v = canh_event_get(ev, checks[c].field);
        if (!v.p || v.n == 0)
            continue;
        uint32_t ids[MAX_HITS];
        size_t n;
        switch (checks[c].how) {
        case BY_IP: n = canh_intel_match_ip_str(snap, v, ids, MAX_HITS); break;
        case BY_DOMAIN: n = canh_intel_match_domain(snap, v, ids, MAX_HITS); break;
        case BY_URL: n = canh_intel_match_url(snap, v, ids, MAX_HITS); break;
        default: n = canh_intel_match_hash(snap, v, ids, MAX_HITS); break;
        }
        if (n > MAX_HITS)
            n = MAX_HITS;
        for (size_t i = 0; i < n; i++) {
            bool dup = false;
            for (size_t k = 0; k < nseen && !dup; k++)
                dup = seen[k] == ids[i];
            if (dup)
                continue;
            if (nseen < MAX_HITS)
                seen[nseen++] = ids[i];
            int rc = raise(canh_intel_snap_get(snap, ids[i]), checks[c].field, v, ev, fn, ud);
            if (rc)
                return rc < 0 ? rc : alerts;
            alerts++;
        }
    }
    return alerts;
}
