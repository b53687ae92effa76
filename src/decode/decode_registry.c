/* decode_registry.c - the decoder context, format detection, and the
 * decoder name table. */
#include <string.h>

#include "canh/error.h"
#include "canh/mem.h"
#include "decode_int.h"

static const char *const names[CANH_DEC__COUNT] = {
#define CANH_X_NAME(id, name) name,
    CANH_DECODERS(CANH_X_NAME)
#undef CANH_X_NAME
};

static const canh_decode_mod_t *const mods[CANH_DEC__COUNT] = {
#define CANH_X_MODP(id, name) &canh_mod_##id,
    CANH_DECODERS(CANH_X_MODP)
#undef CANH_X_MODP
};

size_t canh_decode_count(void)
{
    return CANH_DEC__COUNT;
}

const char *canh_decode_name(unsigned id)
{
    return id < CANH_DEC__COUNT ? names[id] : "unknown";
}

int canh_decode_lookup(const char *name)
{
    for (int i = 0; i < CANH_DEC__COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* Decoders that can be named with --type, and the function that takes a
 * whole record for each. Program decoders are reached through syslog. */
static canh_top_fn top_fn(int id)
{
    switch (id) {
    case CANH_DEC_SYSLOG: return canh_dec_syslog;
    case CANH_DEC_JSON:
    case CANH_DEC_SURICATA:
    case CANH_DEC_ZEEK:
    case CANH_DEC_WINDOWS: return canh_dec_json;
    case CANH_DEC_ACCESS: return canh_dec_access;
    case CANH_DEC_APACHE_ERROR: return canh_dec_apache_error;
    case CANH_DEC_NGINX_ERROR: return canh_dec_nginx_error;
    case CANH_DEC_MODSEC: return canh_dec_modsec;
    case CANH_DEC_IIS: return canh_dec_iis;
    case CANH_DEC_CEF: return canh_dec_cef;
    case CANH_DEC_POSTGRESQL: return canh_dec_postgresql;
    case CANH_DEC_MYSQL: return canh_dec_mysql;
    case CANH_DEC_AUDITD: return canh_dec_auditd;
    default: return NULL;
    }
}

int canh_decode_create(const canh_decode_opts_t *opts, canh_decode_t **out, canh_errbuf_t *eb)
{
    canh_decode_t *d = canh_calloc(1, sizeof *d);
    if (!d)
        return CANH_ENOMEM;
    d->tref = opts ? opts->tref : canh_time_ref_now(0);
    d->forced = -1;
    int rc = CANH_OK;
    if (opts && opts->type && *opts->type) {
        int id = canh_decode_lookup(opts->type);
        if (id > 0 && !top_fn(id)) {
            /* A program decoder: records are syslog lines routed to it. */
            id = CANH_DEC_SYSLOG;
        }
        if (id <= 0) {
            rc = canh_errf(eb, CANH_ENOENT, "unknown decoder type \"%s\"", opts->type);
            goto out;
        }
        d->forced = id;
    }
    for (int i = 0; i < CANH_DEC__COUNT; i++) {
        if (mods[i]->init && (rc = mods[i]->init(&d->state[i], eb)) != CANH_OK)
            goto out;
    }
out:
    if (rc) {
        canh_decode_destroy(d);
        return rc;
    }
    *out = d;
    return CANH_OK;
}

void canh_decode_destroy(canh_decode_t *d)
{
    if (!d)
        return;
    for (int i = 0; i < CANH_DEC__COUNT; i++)
        if (mods[i]->fini && d->state[i])
            mods[i]->fini(d->state[i]);
    canh_free(d);
}

void canh_decode_set_now(canh_decode_t *d, canh_time_t now)
{
    d->tref.now = now;
}

void canh_dec_set_time(const canh_decode_t *d, canh_str_t s, canh_event_t *ev)
{
    canh_time_t t;
    if (canh_time_parse_any(s, &d->tref, &t) == CANH_OK)
        canh_event_set_ts(ev, t);
    else
        ev->flags |= CANH_EVF_BAD_TIME;
}

/* Candidate decoders by the record's first byte, most specific first. The
 * first that says CANH_OK wins; each one rejects foreign input in a few
 * byte comparisons. */
static const canh_top_fn by_brace[] = {canh_dec_json, NULL};
static const canh_top_fn by_angle[] = {canh_dec_syslog, NULL};
static const canh_top_fn by_bracket[] = {canh_dec_apache_error, canh_dec_modsec,
                                         canh_dec_postgresql, canh_dec_json, NULL};
static const canh_top_fn by_digit[] = {canh_dec_access,     canh_dec_nginx_error, canh_dec_postgresql,
                                       canh_dec_mysql,      canh_dec_iis,         canh_dec_syslog,
                                       canh_dec_modsec,     canh_dec_syslog_bare, NULL};
static const canh_top_fn by_alpha[] = {canh_dec_syslog,      canh_dec_cef,        canh_dec_auditd,
                                       canh_dec_modsec,      canh_dec_access,     canh_dec_syslog_bare,
                                       canh_dec_postgresql,  canh_dec_mysql,      NULL};
static const canh_top_fn by_hash[] = {canh_dec_mysql, NULL};
static const canh_top_fn by_other[] = {canh_dec_syslog, canh_dec_syslog_bare, NULL};

static const canh_top_fn *candidates(unsigned char c)
{
    if (c == '{')
        return by_brace;
    if (c == '<')
        return by_angle;
    if (c == '[')
        return by_bracket;
    if (c == '#')
        return by_hash; /* MySQL slow-log headers; W3C "#Fields" stays generic */
    if (c >= '0' && c <= '9')
        return by_digit;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return by_alpha;
    return by_other;
}

static void generic(canh_event_t *ev, canh_str_t rec)
{
    canh_event_clear(ev);
    ev->decoder = CANH_DEC_GENERIC;
    ev->flags |= CANH_EVF_GENERIC | CANH_EVF_NO_TIME;
    canh_event_set(ev, CANH_F_MESSAGE, rec);
}

int canh_decode_record(const canh_decode_t *d, const char *p, size_t n, canh_event_t *ev)
{
    canh_event_reset(ev, canh_str(p, n));
    /* Trailing CR/LF belong to the framing, not the record. */
    canh_str_t rec = canh_str(p, n);
    while (rec.n && (rec.p[rec.n - 1] == '\n' || rec.p[rec.n - 1] == '\r'))
        rec.n--;
    ev->original = rec;
    /* Leading whitespace is common in hand-collected logs. */
    canh_str_t body = rec;
    while (body.n && (body.p[0] == ' ' || body.p[0] == '\t')) {
        body.p++;
        body.n--;
    }
    bool ok = false;
    if (body.n > 0) {
        if (d->forced > 0) {
            canh_event_clear(ev);
            ev->flags = CANH_EVF_NO_TIME;
            ok = top_fn(d->forced)(d, body, ev) == CANH_OK;
        } else {
            for (const canh_top_fn *f = candidates((unsigned char)body.p[0]); *f && !ok; f++) {
                canh_event_clear(ev);
                ev->flags = CANH_EVF_NO_TIME;
                ok = (*f)(d, body, ev) == CANH_OK;
            }
        }
    }
    if (!ok)
        generic(ev, body);
    if (ev->flags & CANH_EVF_NO_TIME)
        ev->ts = d->tref.now;
    if (!canh_event_has(ev, CANH_F_EVENT_DATASET))
        canh_event_set_c(ev, CANH_F_EVENT_DATASET, names[ev->decoder]);
    return CANH_OK;
}
