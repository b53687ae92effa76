/* detect_alert.c - the alert type and its JSON encoding. */
#include <string.h>

#include "canh/alert.h"
#include "canh/error.h"

static const char *const level_names[] = {"informational", "low", "medium", "high", "critical"};

const char *canh_level_name(canh_level_t l)
{
    return (unsigned)l <= CANH_LEVEL_CRITICAL ? level_names[l] : "informational";
}

int canh_level_parse(const char *s, canh_level_t *out)
{
    for (int i = 0; i <= CANH_LEVEL_CRITICAL; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (canh_level_t)i;
            return CANH_OK;
        }
    return CANH_EINVAL;
}

int canh_alert_add(canh_alert_t *a, canh_str_t key, canh_str_t val, canh_ftype_t type)
{
    if (a->nfields >= CANH_ALERT_MAX_FIELDS)
        return CANH_ELIMIT;
    a->fields[a->nfields++] = (canh_kv_t){key, val, (uint8_t)type};
    return CANH_OK;
}

int canh_alert_to_json(const canh_alert_t *a, const canh_event_t *ev, canh_buf_t *out)
{
    canh_kv_t all[CANH_ALERT_MAX_FIELDS + 5];
    size_t n = 0;
    all[n++] = (canh_kv_t){CANH_STR_LIT("rule.id"), canh_str_c(a->rule_id), CANH_FT_KEYWORD};
    all[n++] = (canh_kv_t){CANH_STR_LIT("rule.name"), canh_str_c(a->rule_name), CANH_FT_KEYWORD};
    all[n++] = (canh_kv_t){CANH_STR_LIT("rule.level"), canh_str_c(canh_level_name(a->level)),
                           CANH_FT_KEYWORD};
    all[n++] = (canh_kv_t){CANH_STR_LIT("rule.source"), canh_str_c(a->rule_source),
                           CANH_FT_KEYWORD};
    all[n++] = (canh_kv_t){CANH_STR_LIT("event.kind"), CANH_STR_LIT("alert"), CANH_FT_KEYWORD};
    for (size_t i = 0; i < a->nfields; i++)
        all[n++] = a->fields[i];
    return canh_event_to_json_with(ev, all, n, out);
}
