/* server_pipeline.c - the engine (rules + intel, shared read-only), the
 * slot that swaps engines on reload, and the per-thread pipeline: decode ->
 * enrich -> detect. `canh replay` and the daemon's workers both run this. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "canh/decode.h"
#include "canh/mem.h"
#include "canh/server.h"

/* ---- engine ------------------------------------------------------------------------- */

struct canh_engine {
    atomic_uint refs;
    canh_rules_t *rules;
    canh_intel_snap_t *intel;
    /* One correlation state for every pipeline on these rules: the daemon's
     * workers take records in any order, and a source's events must meet in
     * the same windows (NULL without correlation rules). */
    canh_corr_shared_t *corr;
};

int canh_engine_create(canh_rules_t *rules, canh_intel_snap_t *intel, canh_engine_t **out)
{
    canh_engine_t *e = canh_calloc(1, sizeof *e);
    if (!e) {
        canh_rules_destroy(rules);
        canh_intel_snap_destroy(intel);
        return CANH_ENOMEM;
    }
    atomic_init(&e->refs, 1);
    e->rules = rules;
    e->intel = intel;
    if (rules && canh_corr_shared_create(rules, &e->corr) != CANH_OK) {
        canh_engine_release(e);
        return CANH_ENOMEM;
    }
    *out = e;
    return CANH_OK;
}

void canh_engine_retain(canh_engine_t *e)
{
    if (e)
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

void canh_engine_release(canh_engine_t *e)
{
    if (!e || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
        return;
    canh_corr_shared_destroy(e->corr);
    canh_rules_destroy(e->rules);
    canh_intel_snap_destroy(e->intel);
    canh_free(e);
}

const canh_rules_t *canh_engine_rules(const canh_engine_t *e)
{
    return e ? e->rules : NULL;
}

const canh_intel_snap_t *canh_engine_intel(const canh_engine_t *e)
{
    return e ? e->intel : NULL;
}

size_t canh_engine_nrules(const canh_engine_t *e)
{
    return e && e->rules ? canh_rules_count(e->rules) : 0;
}

size_t canh_engine_nindicators(const canh_engine_t *e)
{
    return e && e->intel ? canh_intel_snap_count(e->intel) : 0;
}

int canh_engine_load(const char *const *paths, size_t npaths, canh_store_t *st,
                     canh_rule_report_fn rule_report, void *ud, canh_engine_t **out,
                     size_t *nfailed, canh_errbuf_t *eb)
{
    canh_rules_t *rules = NULL;
    canh_intel_snap_t *snap = NULL;
    canh_indicator_t *v = NULL;
    size_t nv = 0, compiled = 0, failed = 0;
    int rc = CANH_OK;
    if (npaths) {
        rc = canh_rules_compile(paths, npaths, NULL, rule_report, ud, &rules, &compiled, &failed,
                                eb);
        if (rc)
            goto out;
        if (compiled == 0) {
            rc = canh_errf(eb, CANH_EINVAL, "%s: no rule compiled (%zu failed)", paths[0], failed);
            goto out;
        }
    }
    if (st) {
        int64_t now = (int64_t)time(NULL);
        if ((rc = canh_store_intel_load(st, now, false, &v, &nv, eb)) != CANH_OK ||
            (rc = canh_intel_snap_build(v, nv, now, &snap, eb)) != CANH_OK)
            goto out;
        if (canh_intel_snap_count(snap) == 0) {
            canh_intel_snap_destroy(snap);
            snap = NULL;
        }
    }
    canh_engine_t *e;
    rc = canh_engine_create(rules, snap, &e);
    rules = NULL;
    snap = NULL;
    if (rc)
        goto out;
    *out = e;
    if (nfailed)
        *nfailed = failed;
out:
    canh_store_intel_free(v, nv);
    canh_rules_destroy(rules);
    canh_intel_snap_destroy(snap);
    return rc;
}

/* ---- engine slot ---------------------------------------------------------------------- */

/* A mutex around one pointer: workers look at the generation (one atomic
 * load per chunk of records) and take the lock only when it changed, so a
 * reload costs them a pointer copy once. */
struct canh_engine_slot {
    pthread_mutex_t lock;
    canh_engine_t *cur;
    atomic_uint_fast64_t gen;
};

int canh_engine_slot_create(canh_engine_slot_t **out)
{
    canh_engine_slot_t *s = canh_calloc(1, sizeof *s);
    if (!s)
        return CANH_ENOMEM;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        canh_free(s);
        return CANH_ENOMEM;
    }
    atomic_init(&s->gen, 0);
    *out = s;
    return CANH_OK;
}

void canh_engine_slot_destroy(canh_engine_slot_t *s)
{
    if (!s)
        return;
    canh_engine_release(s->cur);
    pthread_mutex_destroy(&s->lock);
    canh_free(s);
}

void canh_engine_slot_swap(canh_engine_slot_t *s, canh_engine_t *e)
{
    pthread_mutex_lock(&s->lock);
    canh_engine_t *old = s->cur;
    s->cur = e;
    atomic_fetch_add_explicit(&s->gen, 1, memory_order_release);
    pthread_mutex_unlock(&s->lock);
    canh_engine_release(old);
}

canh_engine_t *canh_engine_slot_get(canh_engine_slot_t *s)
{
    pthread_mutex_lock(&s->lock);
    canh_engine_t *e = s->cur;
    canh_engine_retain(e);
    pthread_mutex_unlock(&s->lock);
    return e;
}

uint64_t canh_engine_slot_generation(const canh_engine_slot_t *s)
{
    return atomic_load_explicit(&s->gen, memory_order_acquire);
}

/* ---- pipeline --------------------------------------------------------------------------- */

struct canh_pipeline {
    canh_decode_t *dec;  /* auto-detect (or the forced type) */
    canh_decode_t *json; /* the generic JSON decoder, for structured agent records */
    canh_event_t *ev;
    canh_engine_t *engine;
    canh_detector_t *detector; /* for engine->rules, or NULL */
    canh_pipeline_stats_t stats;
    size_t corr_max_groups;
    canh_alert_fn fn; /* the caller's, during a run */
    void *ud;
};

int canh_pipeline_create(const canh_pipeline_opts_t *o, canh_engine_t *e, canh_pipeline_t **out,
                         canh_errbuf_t *eb)
{
    canh_pipeline_t *p = canh_calloc(1, sizeof *p);
    if (!p)
        return CANH_ENOMEM;
    p->corr_max_groups = o->corr_max_groups;
    canh_decode_opts_t dopts = {.tref = canh_time_ref_now(o->tz_off), .type = o->type};
    int rc = canh_decode_create(&dopts, &p->dec, eb);
    if (rc)
        goto out;
    dopts.type = "json";
    if ((rc = canh_decode_create(&dopts, &p->json, eb)) != CANH_OK)
        goto out;
    if (!(p->ev = canh_event_create())) {
        rc = CANH_ENOMEM;
        goto out;
    }
    rc = canh_pipeline_set_engine(p, e);
out:
    if (rc) {
        canh_pipeline_destroy(p);
        return rc;
    }
    *out = p;
    return CANH_OK;
}

void canh_pipeline_destroy(canh_pipeline_t *p)
{
    if (!p)
        return;
    canh_detector_destroy(p->detector);
    canh_engine_release(p->engine);
    canh_event_destroy(p->ev);
    canh_decode_destroy(p->json);
    canh_decode_destroy(p->dec);
    canh_free(p);
}

int canh_pipeline_set_engine(canh_pipeline_t *p, canh_engine_t *e)
{
    if (e == p->engine)
        return CANH_OK;
    canh_detector_t *d = NULL;
    if (e && e->rules && canh_detector_create(e->rules, &d) != CANH_OK)
        return CANH_ENOMEM;
    if (d && e->corr && canh_detector_attach_corr(d, e->corr) != CANH_OK) {
        canh_detector_destroy(d);
        return CANH_EINVAL;
    }
    if (d && p->corr_max_groups)
        canh_detector_set_corr_limits(d, 0, p->corr_max_groups);
    canh_detector_destroy(p->detector);
    canh_engine_release(p->engine);
    canh_engine_retain(e);
    p->engine = e;
    p->detector = d;
    return CANH_OK;
}

canh_engine_t *canh_pipeline_engine(const canh_pipeline_t *p)
{
    return p->engine;
}

void canh_pipeline_set_now(canh_pipeline_t *p, canh_time_t now)
{
    canh_decode_set_now(p->dec, now);
    canh_decode_set_now(p->json, now);
}

const canh_event_t *canh_pipeline_event(const canh_pipeline_t *p)
{
    return p->ev;
}

const canh_pipeline_stats_t *canh_pipeline_stats(const canh_pipeline_t *p)
{
    return &p->stats;
}

void canh_pipeline_corr_stats(const canh_pipeline_t *p, canh_detector_stats_t *out)
{
    if (p->detector)
        canh_detector_stats(p->detector, out);
    else
        memset(out, 0, sizeof *out);
}

static int count_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    canh_pipeline_t *p = ud;
    p->stats.alerts++;
    if ((unsigned)a->level < 5)
        p->stats.alerts_by_level[a->level]++;
    return p->fn ? p->fn(p->ud, a, ev) : 0;
}

/* Sets a non-slot field, replacing a value the record itself carried (an
 * agent's identity is what it authenticated as, not what its JSON says). */
static void set_kv(canh_event_t *ev, const char *key, const char *val)
{
    canh_str_t k = canh_str_c(key);
    for (size_t i = 0; i < ev->nkv; i++)
        if (canh_str_eq(ev->kv[i].key, k)) {
            char *v = canh_event_strdup(ev, val, strlen(val));
            if (v) {
                ev->kv[i].val = canh_str(v, strlen(val));
                ev->kv[i].type = CANH_FT_KEYWORD;
            }
            return;
        }
    canh_event_add_copy(ev, k, canh_str_c(val), CANH_FT_KEYWORD);
}

/* Structured collectors send one ECS JSON document per record. */
static bool structured_origin(const char *o)
{
    static const char *const names[] = {"fim", "packages", "ports", "host", "scan"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(o, names[i]) == 0)
            return true;
    return false;
}

static void enrich(canh_event_t *ev, const canh_recinfo_t *ri)
{
    if (ri->peer && *ri->peer && ri->transport != CANH_TRANSPORT_AGENT)
        set_kv(ev, "log.source.address", ri->peer);
    if (ri->transport != CANH_TRANSPORT_AGENT)
        return;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, ri->agent_id);
    set_kv(ev, "agent.id", id);
    if (ri->agent_name && *ri->agent_name) {
        set_kv(ev, "agent.name", ri->agent_name);
        if (!canh_event_has(ev, CANH_F_HOST_NAME))
            canh_event_set_copy(ev, CANH_F_HOST_NAME, ri->agent_name, strlen(ri->agent_name));
    }
    if (ri->origin && strncmp(ri->origin, "file:", 5) == 0 && ri->origin[5])
        set_kv(ev, "log.file.path", ri->origin + 5);
}

/* An agent's scan sends each detection as the alert document `canh scan`
 * prints (canh_detection_to_json): it is raised here as an alert of its
 * own, with the agent's identity added, so it is stored in the alert table
 * like any other (rule.source malware or vuln). */
static int agent_detection(canh_pipeline_t *p, const canh_event_t *ev)
{
    canh_str_t src, lvl;
    if (canh_event_get_name(ev, CANH_STR_LIT("rule.source"), &src, NULL) != CANH_OK ||
        !(canh_str_eq(src, CANH_STR_LIT("malware")) || canh_str_eq(src, CANH_STR_LIT("vuln"))))
        return 0;
    canh_alert_t a;
    memset(&a, 0, sizeof a);
    char id[256], name[256], level[16];
    canh_str_t v = canh_event_get(ev, CANH_F_RULE_ID);
    snprintf(id, sizeof id, "%.*s", (int)v.n, v.p ? v.p : "");
    v = canh_event_get(ev, CANH_F_RULE_NAME);
    snprintf(name, sizeof name, "%.*s", (int)v.n, v.p ? v.p : "");
    a.rule_id = id;
    a.rule_name = name;
    a.rule_source = canh_str_eq(src, CANH_STR_LIT("vuln")) ? "vuln" : "malware";
    a.level = CANH_LEVEL_HIGH;
    if (canh_event_get_name(ev, CANH_STR_LIT("rule.level"), &lvl, NULL) == CANH_OK) {
        snprintf(level, sizeof level, "%.*s", (int)lvl.n, lvl.p);
        canh_level_t l;
        if (canh_level_parse(level, &l) == CANH_OK)
            a.level = l;
    }
    int rc = count_alert(p, &a, ev);
    return rc < 0 ? rc : 1;
}

int canh_pipeline_run(canh_pipeline_t *p, const char *rec, size_t n, const canh_recinfo_t *ri,
                      canh_alert_fn fn, void *ud)
{
    canh_event_t *ev = p->ev;
    const canh_decode_t *dec = p->dec;
    if (ri && ri->transport == CANH_TRANSPORT_AGENT && ri->origin && structured_origin(ri->origin))
        dec = p->json;
    canh_decode_record(dec, rec, n, ev);
    if (ri && ri->truncated) {
        ev->flags |= CANH_EVF_TRUNCATED;
        p->stats.truncated++;
    }
    if (ri && ri->transport != CANH_TRANSPORT_FILE)
        enrich(ev, ri);
    p->stats.records++;
    if (ev->decoder < 64)
        p->stats.per_decoder[ev->decoder]++;
    if (ev->flags & CANH_EVF_BAD_TIME)
        p->stats.bad_time++;
    if (ev->flags & CANH_EVF_GENERIC)
        p->stats.generic++;
    p->fn = fn;
    p->ud = ud;
    int total = 0, rc;
    if (ri && ri->transport == CANH_TRANSPORT_AGENT && ri->origin && !strcmp(ri->origin, "scan")) {
        if ((rc = agent_detection(p, ev)) < 0)
            return rc;
        total += rc;
    }
    if (p->detector) {
        if ((rc = canh_detector_run(p->detector, ev, count_alert, p)) < 0)
            return rc;
        total += rc;
    }
    if (p->engine && p->engine->intel) {
        if ((rc = canh_detect_intel(p->engine->intel, ev, count_alert, p)) < 0)
            return rc;
        total += rc;
    }
    return total;
}

/* ---- storing ------------------------------------------------------------------------------ */

static const char *col(const canh_event_t *ev, canh_field_t id, char *buf, size_t cap)
{
    canh_str_t s = canh_event_get(ev, id);
    if (!s.p)
        return NULL;
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    memcpy(buf, s.p, n);
    buf[n] = '\0';
    return buf;
}

void canh_event_cols(const canh_event_t *ev, canh_event_cols_t *c)
{
    c->ds = col(ev, CANH_F_EVENT_DATASET, c->dataset, sizeof c->dataset);
    c->src = col(ev, CANH_F_SOURCE_IP, c->source_ip, sizeof c->source_ip);
    c->dst = col(ev, CANH_F_DESTINATION_IP, c->destination_ip, sizeof c->destination_ip);
    c->host = col(ev, CANH_F_HOST_NAME, c->host_name, sizeof c->host_name);
}

int canh_pipeline_store_event(canh_store_t *st, const canh_event_t *ev, canh_buf_t *scratch,
                              canh_errbuf_t *eb)
{
    canh_buf_reset(scratch);
    if (canh_event_to_json(ev, scratch) != CANH_OK)
        return canh_errf(eb, CANH_ELIMIT, "event too large to encode");
    canh_event_cols_t c;
    canh_event_cols(ev, &c);
    /* The dataset column was always written, "" when absent. */
    return canh_store_event_add(st, ev->ts, c.ds ? c.ds : "", c.src, c.dst, c.host, scratch->data,
                                scratch->len, eb);
}
