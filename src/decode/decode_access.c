/* decode_access.c - web server access logs (NCSA common/combined as Apache
 * and nginx write them, the vhost variants, extra trailing fields) and the
 * HTTP helpers the other web decoders share (decode_modsec.h).
 *
 * This is a hot path: a line is split with memchr over the record, every
 * value is a slice of the record, and only fields holding escapes (\" \\
 * \xHH) are copied, unescaped, into the event's arena. */
#include <string.h>

#include "canh/error.h"
#include "decode_modsec.h"

const canh_decode_mod_t canh_mod_ACCESS = {NULL, NULL};

/* The part before "[time]" is short; a '[' further in is not ours. */
#define ACCESS_MAX_PREFIX 600
#define METHOD_MAX 32
/* Bounded tries at re-synchronising on `" NNN ` after a request that holds
 * an unescaped quote. */
#define RESYNC_TRIES 16

static const canh_str_t k_extra = CANH_STR_LIT("http.access.extra");
static const canh_str_t k_request = CANH_STR_LIT("http.access.request");
static const canh_str_t k_url_port = CANH_STR_LIT("url.port");
static const canh_str_t k_url_fragment = CANH_STR_LIT("url.fragment");

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


canh_str_t canh_web_unescape(canh_event_t *ev, canh_str_t s)
{
    if (!s.n || !memchr(s.p, '\\', s.n))
        return s;
    char *out = canh_event_strdup(ev, s.p, s.n);
    if (!out)
        return s;
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '\\' && i + 1 < s.n) {
            char e = s.p[i + 1];
            if (e == '"' || e == '\\') {
                out[o++] = e;
                i++;
                continue;
            }
            if (e == 'x' && i + 3 < s.n && hexval(s.p[i + 2]) >= 0 && hexval(s.p[i + 3]) >= 0) {
                out[o++] = (char)(hexval(s.p[i + 2]) * 16 + hexval(s.p[i + 3]));
                i += 3;
                continue;
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return canh_str(out, o);
}

/* "user:pw@host:port", "[v6]:port", "host": url.domain and url.port. */
static void set_authority(canh_event_t *ev, canh_str_t a)
{
    const char *at = a.n ? memrchr(a.p, '@', a.n) : NULL;
    if (at)
        a = canh_str(at + 1, a.n - (size_t)(at + 1 - a.p));
    canh_str_t host = a, port = CANH_STR_NULL;
    if (a.n && a.p[0] == '[') {
        const char *close = memchr(a.p, ']', a.n);
        if (!close)
            return;
        host = canh_str(a.p + 1, (size_t)(close - a.p) - 1);
        size_t after = (size_t)(close - a.p) + 1;
        if (after < a.n && a.p[after] == ':')
            port = canh_str(a.p + after + 1, a.n - after - 1);
    } else {
        const char *colon = a.n ? memchr(a.p, ':', a.n) : NULL;
        if (colon && !memchr(colon + 1, ':', a.n - (size_t)(colon + 1 - a.p))) {
            host = canh_str(a.p, (size_t)(colon - a.p));
            port = canh_str(colon + 1, a.n - (size_t)(colon + 1 - a.p));
        }
    }
    if (host.n)
        canh_event_set(ev, CANH_F_URL_DOMAIN, host);
    uint64_t pv;
    if (port.n && canh_str_to_u64(port, 65535, &pv) == CANH_OK)
        canh_event_add(ev, k_url_port, port, CANH_FT_LONG);
}

static bool scheme_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && (canh_is_digit(c) || c == '+' || c == '-' || c == '.');
}

void canh_web_set_target(canh_event_t *ev, canh_str_t t)
{
    if (!t.n)
        return;
    canh_event_set(ev, CANH_F_URL_ORIGINAL, t);
    canh_str_t rest = t;
    if (t.p[0] != '/') {
        size_t i = 0;
        while (i < t.n && i < 16 && scheme_char(t.p[i], i == 0))
            i++;
        if (i > 0 && i + 3 <= t.n && memcmp(t.p + i, "://", 3) == 0) {
            canh_event_set(ev, CANH_F_URL_SCHEME, canh_str(t.p, i));
            size_t as = i + 3, ae = as;
            while (ae < t.n && t.p[ae] != '/' && t.p[ae] != '?' && t.p[ae] != '#')
                ae++;
            set_authority(ev, canh_str(t.p + as, ae - as));
            rest = canh_str(t.p + ae, t.n - ae);
        } else {
            /* CONNECT's "host:443"; "*" and relative junk keep url.original only. */
            if (!memchr(t.p, '/', t.n) && memchr(t.p, ':', t.n) && t.p[0] != '*')
                set_authority(ev, t);
            return;
        }
    }
    if (!rest.n)
        return;
    const char *hash = memchr(rest.p, '#', rest.n);
    size_t lim = hash ? (size_t)(hash - rest.p) : rest.n;
    const char *q = memchr(rest.p, '?', lim);
    size_t pe = q ? (size_t)(q - rest.p) : lim;
    if (pe)
        canh_event_set(ev, CANH_F_URL_PATH, canh_str(rest.p, pe));
    if (q && lim > pe + 1)
        canh_event_set(ev, CANH_F_URL_QUERY, canh_str(q + 1, lim - pe - 1));
    if (hash && rest.n > lim + 1)
        canh_event_add(ev, k_url_fragment, canh_str(hash + 1, rest.n - lim - 1), CANH_FT_KEYWORD);
}

/* HTTP methods are case-sensitive tokens; real ones are upper case
 * ("GET", "PROPFIND", "VERSION-CONTROL", "M-SEARCH"). */
static bool method_ok(canh_str_t m)
{
    if (!m.n || m.n > METHOD_MAX || m.p[0] < 'A' || m.p[0] > 'Z')
        return false;
    for (size_t i = 1; i < m.n; i++) {
        char c = m.p[i];
        if (!((c >= 'A' && c <= 'Z') || canh_is_digit(c) || c == '-' || c == '_'))
            return false;
    }
    return true;
}

bool canh_web_set_request(canh_event_t *ev, canh_str_t line)
{
    const char *sp = line.n ? memchr(line.p, ' ', line.n) : NULL;
    if (!sp)
        return false;
    canh_str_t m = canh_str(line.p, (size_t)(sp - line.p));
    if (!method_ok(m))
        return false;
    canh_str_t rest = canh_str(sp + 1, line.n - m.n - 1);
    canh_str_t target = rest, ver = CANH_STR_NULL;
    const char *lsp = rest.n ? memrchr(rest.p, ' ', rest.n) : NULL;
    if (lsp) {
        size_t vo = (size_t)(lsp - rest.p) + 1;
        canh_str_t v = canh_str(rest.p + vo, rest.n - vo);
        if (v.n > 5 && v.n <= 13 && memcmp(v.p, "HTTP/", 5) == 0) {
            ver = canh_str(v.p + 5, v.n - 5);
            target = canh_str(rest.p, vo - 1);
        }
    }
    if (!target.n || target.p[0] == ' ')
        return false;
    canh_event_set(ev, CANH_F_HTTP_REQUEST_METHOD, m);
    canh_web_set_target(ev, target);
    if (ver.p)
        canh_event_set(ev, CANH_F_HTTP_VERSION, ver);
    return true;
}

void canh_web_set_client(canh_event_t *ev, canh_str_t host)
{
    if (!host.n || canh_str_eq_c(host, "-"))
        return;
    if (canh_str_is_ip(host)) {
        canh_event_set(ev, CANH_F_SOURCE_IP, host);
        return;
    }
    canh_event_set(ev, CANH_F_SOURCE_ADDRESS, host);
    if (!canh_str_starts(host, "unix:"))
        canh_event_set(ev, CANH_F_SOURCE_DOMAIN, host);
}

void canh_web_set_client_port(canh_event_t *ev, canh_str_t s, bool port_expected)
{
    uint64_t pv;
    if (s.n > 2 && s.p[0] == '[') {
        const char *close = memchr(s.p, ']', s.n);
        if (close) {
            canh_str_t ip = canh_str(s.p + 1, (size_t)(close - s.p) - 1);
            size_t after = (size_t)(close - s.p) + 1;
            canh_web_set_client(ev, ip);
            canh_str_t port = canh_str(s.p + after + 1, s.n > after ? s.n - after - 1 : 0);
            if (after < s.n && s.p[after] == ':' && canh_str_to_u64(port, 65535, &pv) == CANH_OK)
                canh_event_set(ev, CANH_F_SOURCE_PORT, port);
            return;
        }
    }
    const char *colon = s.n ? memrchr(s.p, ':', s.n) : NULL;
    if (colon && (port_expected || !canh_str_is_ip(s))) {
        canh_str_t ip = canh_str(s.p, (size_t)(colon - s.p));
        canh_str_t port = canh_str(colon + 1, s.n - ip.n - 1);
        if (canh_str_is_ip(ip) && canh_str_to_u64(port, 65535, &pv) == CANH_OK) {
            canh_event_set(ev, CANH_F_SOURCE_IP, ip);
            canh_event_set(ev, CANH_F_SOURCE_PORT, port);
            return;
        }
    }
    canh_web_set_client(ev, s);
}

void canh_web_set_host(canh_event_t *ev, canh_str_t h)
{
    const char *colon = h.n ? memrchr(h.p, ':', h.n) : NULL;
    if (h.n && h.p[0] == '[') {
        const char *close = memchr(h.p, ']', h.n);
        h = close ? canh_str(h.p + 1, (size_t)(close - h.p) - 1) : CANH_STR_NULL;
    } else if (colon && !memchr(h.p, ':', (size_t)(colon - h.p))) {
        h.n = (size_t)(colon - h.p);
    }
    if (!h.n)
        return;
    if (canh_str_is_ip(h))
        canh_event_set(ev, CANH_F_DESTINATION_IP, h);
    else
        canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, h);
    if (!canh_event_has(ev, CANH_F_URL_DOMAIN))
        canh_event_set(ev, CANH_F_URL_DOMAIN, h);
}

/* ---- the access log line ------------------------------------------------------ */

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || canh_is_digit(c) || c == '.' ||
           c == ':' || c == '-' || c == '_' || c == '%';
}

static bool host_ok(canh_str_t s)
{
    if (!s.n || s.n > 255 || canh_str_eq_c(s, "-"))
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!host_char(s.p[i]))
            return false;
    return true;
}

/* Index of the quote closing a field opened before `from`: the first '"'
 * not escaped by an odd run of backslashes. */
static bool quote_end(const char *p, size_t n, size_t from, size_t *end)
{
    size_t i = from;
    while (i < n) {
        const char *q = memchr(p + i, '"', n - i);
        if (!q)
            return false;
        size_t k = (size_t)(q - p), bs = 0;
        while (k - bs > from && p[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0) {
            *end = k;
            return true;
        }
        i = k + 1;
    }
    return false;
}

/* Does p[i..] read " NNN" (3 digits or "-") followed by a space or the end? */
static bool status_at(const char *p, size_t n, size_t i)
{
    if (i >= n || p[i] != ' ')
        return false;
    if (i + 1 < n && p[i + 1] == '-')
        return i + 2 == n || p[i + 2] == ' ';
    return i + 3 < n && canh_is_digit(p[i + 1]) && canh_is_digit(p[i + 2]) && canh_is_digit(p[i + 3]) &&
           (i + 4 == n || p[i + 4] == ' ');
}

/* "www.example.com:80" (Apache %v:%p) -> destination.* and url.domain. */
static void set_vhost(canh_event_t *ev, canh_str_t v)
{
    canh_str_t host = v;
    const char *colon = memrchr(v.p, ':', v.n);
    if (colon && !memchr(v.p, ':', (size_t)(colon - v.p))) {
        canh_str_t port = canh_str(colon + 1, v.n - (size_t)(colon + 1 - v.p));
        uint64_t pv;
        host = canh_str(v.p, (size_t)(colon - v.p));
        if (canh_str_to_u64(port, 65535, &pv) == CANH_OK)
            canh_event_set(ev, CANH_F_DESTINATION_PORT, port);
    }
    if (!host.n)
        return;
    if (canh_str_is_ip(host)) {
        canh_event_set(ev, CANH_F_DESTINATION_IP, host);
    } else {
        canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, host);
        canh_event_set(ev, CANH_F_URL_DOMAIN, host);
    }
}

int canh_dec_access(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    (void)d;
    const char *p = rec.p;
    size_t n = rec.n;

    /* "[vhost] client ident authuser [": three or four single-space
     * separated words, then the bracketed time. */
    size_t lim = n < ACCESS_MAX_PREFIX ? n : ACCESS_MAX_PREFIX;
    canh_str_t tok[4];
    size_t nt = 0, i = 0;
    for (;;) {
        if (i >= lim)
            return CANH_ENOMATCH;
        if (p[i] == '[')
            break;
        if (nt == 4)
            return CANH_ENOMATCH;
        const char *sp = memchr(p + i, ' ', lim - i);
        if (!sp || sp == p + i)
            return CANH_ENOMATCH;
        tok[nt++] = canh_str(p + i, (size_t)(sp - (p + i)));
        i = (size_t)(sp - p) + 1;
    }
    if (nt < 3)
        return CANH_ENOMATCH;
    size_t c0 = nt - 3;
    if (!host_ok(tok[c0]) || (c0 && !host_ok(tok[0])))
        return CANH_ENOMATCH;

    canh_time_t t;
    size_t used;
    if (canh_time_parse_clf(canh_str(p + i + 1, n - i - 1), &t, &used) != CANH_OK)
        return CANH_ENOMATCH;
    i += 1 + used;
    if (i >= n || p[i] != ']')
        return CANH_ENOMATCH;
    i++;

    /* From here on the record is ours; what does not parse is flagged. */
    ev->decoder = CANH_DEC_ACCESS;
    canh_event_set_ts(ev, t);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "access");
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "http_request");
    canh_web_set_client(ev, tok[c0]);
    if (c0)
        set_vhost(ev, tok[0]);
    if (!canh_str_eq_c(tok[c0 + 2], "-"))
        canh_event_set(ev, CANH_F_USER_NAME, tok[c0 + 2]);

    if (i + 1 >= n || p[i] != ' ' || p[i + 1] != '"')
        goto partial;
    i += 2;
    size_t rs = i, re;
    if (!quote_end(p, n, rs, &re))
        goto partial;
    if (!status_at(p, n, re + 1)) {
        /* A request with a raw quote in it: find the `" NNN ` that follows. */
        size_t k = re + 1;
        bool found = false;
        for (int tries = 0; tries < RESYNC_TRIES && k < n; tries++) {
            const char *q = memchr(p + k, '"', n - k);
            if (!q)
                break;
            k = (size_t)(q - p);
            if (status_at(p, n, k + 1)) {
                found = true;
                break;
            }
            k++;
        }
        if (!found)
            goto partial;
        re = k;
    }
    canh_str_t req = canh_str(p + rs, re - rs);
    bool req_ok = canh_web_set_request(ev, canh_web_unescape(ev, req));
    if (!req_ok && !canh_str_eq_c(req, "-") && req.n)
        canh_event_add(ev, k_request, req, CANH_FT_KEYWORD);

    i = re + 2;
    if (p[i] != '-') {
        canh_event_set(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE, canh_str(p + i, 3));
        if (p[i] <= '3')
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "success");
        else
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
        i += 3;
    } else {
        i += 1;
    }

    /* Body bytes: digits or "-". */
    if (i < n && p[i] == ' ') {
        size_t bs = i + 1, be = bs;
        while (be < n && be - bs < 20 && canh_is_digit(p[be]))
            be++;
        if (be > bs && (be == n || p[be] == ' ')) {
            canh_event_set(ev, CANH_F_HTTP_RESPONSE_BODY_BYTES, canh_str(p + bs, be - bs));
            i = be;
        } else if (bs < n && p[bs] == '-' && (bs + 1 == n || p[bs + 1] == ' ')) {
            i = bs + 1;
        }
    }

    /* Combined: "referer" "user-agent". */
    size_t qe;
    if (i + 1 < n && p[i] == ' ' && p[i + 1] == '"' && quote_end(p, n, i + 2, &qe)) {
        canh_str_t ref = canh_str(p + i + 2, qe - i - 2);
        if (ref.n && !canh_str_eq_c(ref, "-"))
            canh_event_set(ev, CANH_F_HTTP_REQUEST_REFERRER, canh_web_unescape(ev, ref));
        i = qe + 1;
        if (i + 1 < n && p[i] == ' ' && p[i + 1] == '"' && quote_end(p, n, i + 2, &qe)) {
            canh_str_t ua = canh_str(p + i + 2, qe - i - 2);
            if (ua.n && !canh_str_eq_c(ua, "-"))
                canh_event_set(ev, CANH_F_USER_AGENT_ORIGINAL, canh_web_unescape(ev, ua));
            i = qe + 1;
        }
    }
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i < n)
        canh_event_add(ev, k_extra, canh_str(p + i, n - i), CANH_FT_KEYWORD);
    if (!req_ok)
        ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;

partial:
    ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}
