/* decode_iis.c - IIS W3C extended log lines.
 *
 * The "#Fields:" header names the columns, but a decoder sees one record at
 * a time and keeps no state, so the layout is inferred from the number of
 * fields, and each candidate layout is checked (method, addresses, status)
 * before it is used. Header lines ("#Software", "#Fields", ...) are not
 * records: they are left to the generic decoder. W3C logs are in UTC. */
#include <string.h>

#include "canh/error.h"
#include "decode_modsec.h"

const canh_decode_mod_t canh_mod_IIS = {NULL, NULL};

#define IIS_MAX_FIELDS 32

enum iis_col {
    C_DATE,
    C_TIME,
    C_SITE,
    C_COMPUTER,
    C_SIP,
    C_METHOD,
    C_STEM,
    C_QUERY,
    C_SPORT,
    C_USER,
    C_CIP,
    C_VERSION,
    C_UA,
    C_COOKIE,
    C_REFERER,
    C_HOST,
    C_STATUS,
    C_SUBSTATUS,
    C_WIN32,
    C_SCBYTES,
    C_CSBYTES,
    C_TAKEN,
    C_XFF,
    C__COUNT
};

typedef struct layout {
    unsigned char n;
    unsigned char col[IIS_MAX_FIELDS];
} layout_t;

/* Known default field sets, by field count. */
static const layout_t layouts[] = {
    /* every W3C field, as IIS 6 writes with all boxes ticked */
    {22, {C_DATE,   C_TIME,      C_SITE,  C_COMPUTER, C_SIP,     C_METHOD, C_STEM,    C_QUERY,
          C_SPORT,  C_USER,      C_CIP,   C_VERSION,  C_UA,      C_COOKIE, C_REFERER, C_HOST,
          C_STATUS, C_SUBSTATUS, C_WIN32, C_SCBYTES,  C_CSBYTES, C_TAKEN}},
    /* the same without sc-bytes, cs-bytes, time-taken */
    {19,
     {C_DATE, C_TIME, C_SITE, C_COMPUTER, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER, C_CIP,
      C_VERSION, C_UA, C_COOKIE, C_REFERER, C_HOST, C_STATUS, C_SUBSTATUS, C_WIN32}},
    /* IIS 7+ default */
    {15,
     {C_DATE, C_TIME, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER, C_CIP, C_UA, C_REFERER,
      C_STATUS, C_SUBSTATUS, C_WIN32, C_TAKEN}},
    /* IIS 8.5+ default with the X-Forwarded-For custom field */
    {16,
     {C_DATE, C_TIME, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER, C_CIP, C_UA, C_REFERER,
      C_STATUS, C_SUBSTATUS, C_WIN32, C_TAKEN, C_XFF}},
    /* IIS 6 default */
    {14,
     {C_DATE, C_TIME, C_SITE, C_SIP, C_METHOD, C_STEM, C_QUERY, C_SPORT, C_USER, C_CIP, C_UA,
      C_STATUS, C_SUBSTATUS, C_WIN32}},
    /* IIS 5 default */
    {11,
     {C_DATE, C_TIME, C_CIP, C_USER, C_SIP, C_SPORT, C_METHOD, C_STEM, C_QUERY, C_STATUS, C_UA}},
};

static const canh_str_t k_site = CANH_STR_LIT("iis.access.site_name");
static const canh_str_t k_server = CANH_STR_LIT("iis.access.server_name");
static const canh_str_t k_cookie = CANH_STR_LIT("iis.access.cookie");
static const canh_str_t k_sub = CANH_STR_LIT("iis.access.sub_status");
static const canh_str_t k_win32 = CANH_STR_LIT("iis.access.win32_status");
static const canh_str_t k_xff = CANH_STR_LIT("iis.access.x_forwarded_for");


static bool dash(canh_str_t s)
{
    return s.n == 1 && s.p[0] == '-';
}

static bool method_ok(canh_str_t m)
{
    if (!m.n || m.n > 32)
        return false;
    for (size_t i = 0; i < m.n; i++) {
        char c = m.p[i];
        if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* Does this layout fit the tokens? Checks every column with a shape. */
static bool fits(const layout_t *l, const canh_str_t *tok)
{
    for (unsigned i = 0; i < l->n; i++) {
        canh_str_t v = tok[i];
        switch (l->col[i]) {
        case C_SIP:
        case C_CIP:
            if (!canh_str_is_ip(v))
                return false;
            break;
        case C_METHOD:
            if (!method_ok(v))
                return false;
            break;
        case C_STATUS:
            if (v.n != 3 || !canh_str_is_uint(v))
                return false;
            break;
        case C_SPORT:
        case C_SUBSTATUS:
        case C_WIN32:
        case C_SCBYTES:
        case C_CSBYTES:
        case C_TAKEN:
            if (!canh_str_is_uint(v) && !dash(v))
                return false;
            break;
        case C_VERSION:
            if (!dash(v) && !canh_str_starts(v, "HTTP/"))
                return false;
            break;
        case C_STEM:
            if (v.p[0] != '/' && !dash(v))
                return false;
            break;
        default: break;
        }
    }
    return true;
}

static void set_col(canh_event_t *ev, int col, canh_str_t v)
{
    switch (col) {
    case C_SITE: canh_event_add(ev, k_site, v, CANH_FT_KEYWORD); break;
    case C_COMPUTER:
        canh_event_add(ev, k_server, v, CANH_FT_KEYWORD);
        canh_event_set(ev, CANH_F_HOST_NAME, v);
        break;
    case C_SIP: canh_event_set(ev, CANH_F_DESTINATION_IP, v); break;
    case C_SPORT: canh_event_set(ev, CANH_F_DESTINATION_PORT, v); break;
    case C_METHOD: canh_event_set(ev, CANH_F_HTTP_REQUEST_METHOD, v); break;
    case C_STEM: canh_event_set(ev, CANH_F_URL_PATH, v); break;
    case C_QUERY: canh_event_set(ev, CANH_F_URL_QUERY, v); break;
    case C_USER: canh_event_set(ev, CANH_F_USER_NAME, v); break;
    case C_CIP: canh_event_set(ev, CANH_F_SOURCE_IP, v); break;
    case C_VERSION:
        if (v.n > 5)
            canh_event_set(ev, CANH_F_HTTP_VERSION, canh_str_sub(v, 5, v.n));
        break;
    case C_UA: canh_event_set(ev, CANH_F_USER_AGENT_ORIGINAL, v); break;
    case C_COOKIE: canh_event_add(ev, k_cookie, v, CANH_FT_KEYWORD); break;
    case C_REFERER: canh_event_set(ev, CANH_F_HTTP_REQUEST_REFERRER, v); break;
    case C_HOST:
        canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, v);
        canh_event_set(ev, CANH_F_URL_DOMAIN, v);
        break;
    case C_STATUS:
        canh_event_set(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE, v);
        canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, v.p[0] <= '3' ? "success" : "failure");
        break;
    case C_SUBSTATUS: canh_event_add(ev, k_sub, v, CANH_FT_LONG); break;
    case C_WIN32: canh_event_add(ev, k_win32, v, CANH_FT_LONG); break;
    case C_SCBYTES: canh_event_set(ev, CANH_F_HTTP_RESPONSE_BYTES, v); break;
    case C_CSBYTES: canh_event_set(ev, CANH_F_HTTP_REQUEST_BYTES, v); break;
    case C_TAKEN: {
        uint64_t ms;
        if (canh_str_to_u64(v, UINT64_C(9000000000), &ms) == CANH_OK)
            canh_event_set_i64(ev, CANH_F_EVENT_DURATION, (int64_t)ms * 1000000);
        break;
    }
    case C_XFF: canh_event_add(ev, k_xff, v, CANH_FT_KEYWORD); break;
    default: break;
    }
}

int canh_dec_iis(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    const char *p = rec.p;
    if (rec.n < 40 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':' ||
        p[19] != ' ')
        return CANH_ENOMATCH;
    canh_str_t tok[IIS_MAX_FIELDS];
    size_t nt = 0, i = 0;
    while (i < rec.n) {
        if (nt == IIS_MAX_FIELDS)
            return CANH_ENOMATCH;
        const char *sp = memchr(p + i, ' ', rec.n - i);
        size_t e = sp ? (size_t)(sp - p) : rec.n;
        if (e == i)
            return CANH_ENOMATCH; /* W3C fields are never empty: "-" stands in */
        tok[nt++] = canh_str(p + i, e - i);
        i = e + 1;
        if (sp && i == rec.n)
            return CANH_ENOMATCH;
    }
    const layout_t *l = NULL;
    for (size_t k = 0; k < sizeof layouts / sizeof layouts[0] && !l; k++)
        if (layouts[k].n == nt && fits(&layouts[k], tok))
            l = &layouts[k];
    if (!l)
        return CANH_ENOMATCH;
    canh_time_ref_t utc = {d->tref.now, 0};
    canh_time_t t;
    size_t used;
    if (canh_time_parse_iso8601(canh_str(p, 19), &utc, &t, &used) != CANH_OK || used != 19)
        return CANH_ENOMATCH;

    ev->decoder = CANH_DEC_IIS;
    canh_event_set_ts(ev, t);
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "access");
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "http_request");
    canh_str_t stem = CANH_STR_NULL, query = CANH_STR_NULL;
    for (unsigned k = 2; k < l->n; k++) {
        if (dash(tok[k]))
            continue;
        set_col(ev, l->col[k], tok[k]);
        if (l->col[k] == C_STEM)
            stem = tok[k];
        else if (l->col[k] == C_QUERY)
            query = tok[k];
    }
    /* url.original: the stem, or stem?query rebuilt in the arena. */
    if (stem.n && query.n) {
        char *u = canh_arena_alloc(&ev->arena, stem.n + 1 + query.n + 1);
        if (u) {
            memcpy(u, stem.p, stem.n);
            u[stem.n] = '?';
            memcpy(u + stem.n + 1, query.p, query.n);
            u[stem.n + 1 + query.n] = '\0';
            canh_event_set(ev, CANH_F_URL_ORIGINAL, canh_str(u, stem.n + 1 + query.n));
        } else {
            ev->dropped++;
            ev->flags |= CANH_EVF_OVERFLOW;
        }
    } else if (stem.n) {
        canh_event_set(ev, CANH_F_URL_ORIGINAL, stem);
    }
    return CANH_OK;
}
