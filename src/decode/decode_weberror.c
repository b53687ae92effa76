/* decode_weberror.c - Apache httpd (2.2 and 2.4) and nginx error logs.
 *
 * Both decoders read the line header with the bounded reader, then classify
 * the message with a compiled pattern table (kept in the decoder context);
 * ModSecurity messages written into either log go to the shared ModSecurity
 * parser (decode_modsec.h). */
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_modsec.h"

/* Bounds on header parts: anything longer is not one of these logs. */
#define LEVEL_MAX 48
#define CLIENT_MAX 80
#define HEADER_GROUPS 6
#define ERRNO_TEXT_MAX 120
/* Tries at finding nginx's ", client: " context (the message before it may
 * quote attacker text holding the same words). */
#define CTX_TRIES 8
#define CTX_MAX_PAIRS 12

static const canh_str_t k_tid = CANH_STR_LIT("process.thread.id");
static const canh_str_t k_remote = CANH_STR_LIT("apache.error.remote_address");
static const canh_str_t k_errno = CANH_STR_LIT("apache.error.errno");
static const canh_str_t k_origin_file = CANH_STR_LIT("log.origin.file.name");
static const canh_str_t k_origin_line = CANH_STR_LIT("log.origin.file.line");
static const canh_str_t k_ngx_tid = CANH_STR_LIT("nginx.error.tid");
static const canh_str_t k_ngx_cid = CANH_STR_LIT("nginx.error.connection_id");
static const canh_str_t k_ngx_server = CANH_STR_LIT("nginx.error.server_name");
static const canh_str_t k_ngx_upstream = CANH_STR_LIT("nginx.error.upstream");
static const canh_str_t k_ngx_request = CANH_STR_LIT("nginx.error.request");
static const canh_str_t k_ngx_subrequest = CANH_STR_LIT("nginx.error.subrequest");

/* ---- message tables ---------------------------------------------------------------- */

static const canh_pat_rule_t apache_rules[] = {
    {"client denied by server configuration: {file.path}", "access-denied", "failure", "web",
     "denied"},
    {"File does not exist: {file.path}", "file-not-found", "failure", "web", "error"},
    {"script not found or unable to stat: {file.path}", "script-not-found", "failure", "web",
     "error"},
    {"script '{file.path}' not found or unable to stat", "script-not-found", "failure", "web",
     "error"},
    {"Directory index forbidden by rule: {file.path}", "directory-index-forbidden", "failure",
     "web", "denied"},
    {"Cannot serve directory {file.path}: No matching DirectoryIndex*", "directory-index-forbidden",
     "failure", "web", "denied"},
    {"user {user.name}: authentication failure for \"{url.path}\": {event.reason}",
     "authentication-failure", "failure", "authentication", "info"},
    {"user {user.name} not found: {url.path}", "user-not-found", "failure", "authentication",
     "info"},
    {"[{-}] auth_ldap authenticate: user {user.name} authentication failed; URI {url.path} "
     "[{event.reason}]*",
     "authentication-failure", "failure", "authentication", "info"},
    {"auth_ldap authenticate: user {user.name} authentication failed; URI {url.path} "
     "[{event.reason}]*",
     "authentication-failure", "failure", "authentication", "info"},
    {"Digest: user `{user.name}' in realm `{-}' not found: {url.path}", "user-not-found", "failure",
     "authentication", "info"},
    {"Digest: user {user.name}: password mismatch: {url.path}", "authentication-failure", "failure",
     "authentication", "info"},
    {"client used wrong authentication scheme: {url.path}", "authentication-failure", "failure",
     "authentication", "info"},
    {"Invalid URI in request {http.request.method} {url.original} HTTP/{http.version}",
     "invalid-uri", "failure", "web", "error"},
    {"Invalid URI in request {-}", "invalid-uri", "failure", "web", "error"},
    {"Invalid method in request {-}", "invalid-method", "failure", "web", "error"},
    {"request failed: URI too long (longer than {-})", "uri-too-long", "failure", "web", "error"},
    {"request failed: error reading the headers", "bad-request", "failure", "web", "error"},
    {"request failed: malformed request line", "bad-request", "failure", "web", "error"},
    {"Client sent malformed Host header", "malformed-host-header", "failure", "web", "error"},
    {"client sent HTTP/1.1 request without hostname (see RFC2616 section 14.23): {url.path}",
     "missing-host-header", "failure", "web", "error"},
    {"access to {url.path} denied (filesystem path '{file.path}')*", "access-denied", "failure",
     "web", "denied"},
    {"access to {url.path} denied*", "access-denied", "failure", "web", "denied"},
    {"access to {url.path} failed*", "access-failed", "failure", "web", "error"},
    {"Symbolic link not allowed or link target not accessible: {file.path}", "access-denied",
     "failure", "web", "denied"},
    {"Options FollowSymLinks and SymLinksIfOwnerMatch are both off, so the RewriteRule directive "
     "is also forbidden due to its similar ability to circumvent directory restrictions : "
     "{file.path}",
     "access-denied", "failure", "web", "denied"},
    {"Premature end of script headers: {file.name}", "script-error", "failure", "web", "error"},
    {"End of script output before headers: {file.name}", "script-error", "failure", "web", "error"},
    {"attempt to invoke directory as script: {file.path}", "script-error", "failure", "web",
     "error"},
    {"Timeout waiting for output from CGI script {file.path}", "script-error", "failure", "web",
     "error"},
    {"PHP {-}:  {error.message} in {file.path} on line {-}", "php-error", NULL, "web", "error"},
    {"Negotiation: discovered file(s) matching request: {file.path} (None could be "
     "negotiated).",
     "negotiation-failed", "failure", "web", "error"},
    {"Request exceeded the limit of {-} internal redirects due to probable configuration "
     "error.*",
     "redirect-limit", "failure", "web", "error"},
    {"server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting",
     "max-workers-reached", NULL, "web", "error"},
    {"server reached MaxClients setting, consider raising the MaxClients setting",
     "max-workers-reached", NULL, "web", "error"},
    {"SSL Library Error: {-}", "tls-error", "failure", "web", "error"},
    {"{-} configured -- resuming normal operations", "service-started", NULL, "process", "start"},
    {"caught SIGTERM, shutting down", "service-stopped", NULL, "process", "end"},
    {"caught SIGWINCH, shutting down gracefully", "service-stopped", NULL, "process", "end"},
    {"SIGHUP received.  Attempting to restart", "service-restarted", NULL, "process", "change"},
    {"Graceful restart requested, doing restart", "service-restarted", NULL, "process", "change"},
};

static const canh_pat_rule_t nginx_rules[] = {
    {"open() \"{file.path}\" failed (2: No such file or directory)*", "file-not-found", "failure",
     "web", "error"},
    {"open() \"{file.path}\" failed (13: Permission denied)*", "access-denied", "failure", "web",
     "denied"},
    {"open() \"{file.path}\" failed ({-})*", "file-open-failed", "failure", "web", "error"},
    {"\"{file.path}\" is not found (2: No such file or directory)*", "file-not-found", "failure",
     "web", "error"},
    {"directory index of \"{file.path}\" is forbidden*", "directory-index-forbidden", "failure",
     "web", "denied"},
    {"access forbidden by rule*", "access-denied", "failure", "web", "denied"},
    {"user \"{user.name}\" was not found in \"{-}\"*", "user-not-found", "failure",
     "authentication", "info"},
    {"user \"{user.name}\": password mismatch*", "authentication-failure", "failure",
     "authentication", "info"},
    {"no user/password was provided for basic authentication*", "authentication-required", NULL,
     "authentication", "info"},
    {"limiting requests, excess: {-} by zone \"{-}\"*", "rate-limited", "failure", "web", "denied"},
    {"delaying request, excess: {-} by zone \"{-}\"*", "rate-limited", NULL, "web", "info"},
    {"limiting connections by zone \"{-}\"*", "rate-limited", "failure", "web", "denied"},
    {"client intended to send too large body: {http.request.bytes} bytes*", "request-too-large",
     "failure", "web", "denied"},
    {"upstream timed out ({-}) while {-}", "upstream-timeout", "failure", "web", "error"},
    {"connect() failed ({-}) while connecting to upstream*", "upstream-connect-failed", "failure",
     "web", "error"},
    {"no live upstreams while connecting to upstream*", "upstream-unavailable", "failure", "web",
     "error"},
    {"upstream prematurely closed connection while {-}", "upstream-closed", "failure", "web",
     "error"},
    {"upstream sent too big header while {-}", "upstream-error", "failure", "web", "error"},
    {"SSL_do_handshake() failed {-}", "tls-handshake-failed", "failure", "web", "error"},
    {"client sent invalid method while {-}", "invalid-method", "failure", "web", "error"},
    {"client sent invalid request while {-}", "invalid-request", "failure", "web", "error"},
    {"client sent invalid host header while {-}", "malformed-host-header", "failure", "web",
     "error"},
    {"client sent too long URI while {-}", "uri-too-long", "failure", "web", "error"},
    {"client sent plain HTTP request to HTTPS port while {-}", "invalid-request", "failure", "web",
     "error"},
    {"FastCGI sent in stderr: {-}", "fastcgi-error", NULL, "web", "error"},
    {"bind() to {-} failed ({-})*", "bind-failed", "failure", "process", "error"},
    {"signal process started", "signal-sent", NULL, "process", "info"},
    {"start worker process {-}", "worker-started", NULL, "process", "start"},
    {"gracefully shutting down", "service-stopped", NULL, "process", "end"},
};

static int compile_into(const canh_pat_rule_t *rules, size_t n, void **state, canh_errbuf_t *eb)
{
    canh_patset_t *ps;
    int rc = canh_patset_compile(rules, n, &ps, eb);
    if (rc == CANH_OK)
        *state = ps;
    return rc;
}

static int apache_init(void **state, canh_errbuf_t *eb)
{
    return compile_into(apache_rules, sizeof apache_rules / sizeof apache_rules[0], state, eb);
}

static int nginx_init(void **state, canh_errbuf_t *eb)
{
    return compile_into(nginx_rules, sizeof nginx_rules / sizeof nginx_rules[0], state, eb);
}

static void pat_fini(void *state)
{
    canh_patset_destroy(state);
}

const canh_decode_mod_t canh_mod_APACHE_ERROR = {apache_init, pat_fini};
const canh_decode_mod_t canh_mod_NGINX_ERROR = {nginx_init, pat_fini};

/* ---- helpers ----------------------------------------------------------------------- */



/* Lower-case letters and digits: "error", "warn", "trace3". */
static bool level_ok(canh_str_t s)
{
    if (!s.n || s.n > 8)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!((s.p[i] >= 'a' && s.p[i] <= 'z') || canh_is_digit(s.p[i])))
            return false;
    return true;
}

/* event.type before classification: "error" for error levels and worse. */
static const char *level_type(canh_str_t level)
{
    static const char *const errs[] = {"emerg", "alert", "crit", "error"};
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        if (canh_str_eq_c(level, errs[i]))
            return "error";
    return "info";
}

static canh_str_t trim_end(canh_str_t s)
{
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* Runs the table on msg unless it is a ModSecurity message. */
static void classify(const void *ps, canh_str_t msg, canh_event_t *ev)
{
    if (canh_str_starts(msg, "ModSecurity: ") && canh_modsec_msg(ev, msg, NULL))
        return;
    if (ps)
        canh_patset_match(ps, msg, ev);
}

/* ---- Apache ------------------------------------------------------------------------ */

/* "(13)Permission denied: " - APR's error status before the message. */
static bool apache_errno(canh_rd_t *r, canh_event_t *ev)
{
    canh_rd_t save = *r;
    uint64_t v;
    size_t ds = r->off;
    if (!canh_rd_char(r, '(') || !canh_rd_uint(r, 9, &v) || !canh_rd_char(r, ')'))
        goto fail;
    canh_str_t num = canh_str(r->p + ds + 1, r->off - ds - 2);
    canh_str_t rest = canh_rd_rest(r);
    canh_str_t head = canh_str(rest.p, rest.n < ERRNO_TEXT_MAX ? rest.n : ERRNO_TEXT_MAX);
    ptrdiff_t colon = canh_str_find_c(head, ": ");
    if (colon <= 0)
        goto fail;
    canh_event_add(ev, k_errno, num, CANH_FT_LONG);
    canh_event_set(ev, CANH_F_ERROR_MESSAGE, canh_str(rest.p, (size_t)colon));
    canh_rd_skip(r, (size_t)colon + 2);
    return true;
fail:
    *r = save;
    return false;
}

/* Is msg an APR status cut before its ": " ("(", "(36", "(36)File na")? */
static bool cut_errno(canh_str_t msg)
{
    size_t i = 1;
    if (!msg.n || msg.p[0] != '(' || msg.n > ERRNO_TEXT_MAX)
        return false;
    while (i < msg.n && canh_is_digit(msg.p[i]))
        i++;
    if (i == msg.n)
        return true;
    return i > 1 && msg.p[i] == ')' && canh_str_find_c(msg, ": ") < 0;
}

/* Is msg an "AH01234: " code cut short ("A", "AH01", "AH01234:")? */
static bool cut_ah(canh_str_t msg)
{
    static const char shape[] = "AH#####: ";
    if (msg.n >= sizeof shape - 1)
        return false;
    for (size_t i = 0; i < msg.n; i++)
        if (shape[i] == '#' ? !canh_is_digit(msg.p[i]) : msg.p[i] != shape[i])
            return false;
    return true;
}

/* "mod_foo.c(123): " - the source location Apache 2.4 logs at debug levels. */
static bool apache_origin(canh_rd_t *r, canh_event_t *ev)
{
    canh_str_t rest = canh_rd_rest(r);
    size_t i = 0;
    while (i < rest.n && i < 64 && rest.p[i] != '(' && rest.p[i] != ' ')
        i++;
    if (i < 3 || i >= rest.n || rest.p[i] != '(' || memcmp(rest.p + i - 2, ".c", 2) != 0)
        return false;
    size_t ls = i + 1, le = ls;
    while (le < rest.n && le - ls < 6 && canh_is_digit(rest.p[le]))
        le++;
    if (le == ls || le + 2 >= rest.n || rest.p[le] != ')' || rest.p[le + 1] != ':' ||
        rest.p[le + 2] != ' ')
        return false;
    canh_event_add(ev, k_origin_file, canh_str(rest.p, i), CANH_FT_KEYWORD);
    canh_event_add(ev, k_origin_line, canh_str(rest.p + ls, le - ls), CANH_FT_LONG);
    canh_rd_skip(r, le + 3);
    return true;
}

/* "[pid 35708:tid 4328636416]" (the "[pid " is consumed already). */
static void apache_pid(canh_str_t v, canh_event_t *ev)
{
    const char *colon = memchr(v.p, ':', v.n);
    canh_str_t pid = colon ? canh_str(v.p, (size_t)(colon - v.p)) : v;
    if (canh_str_is_uint(pid))
        canh_event_set(ev, CANH_F_PROCESS_PID, pid);
    if (colon) {
        canh_str_t rest = canh_str(colon + 1, v.n - pid.n - 1);
        if (canh_str_starts(rest, "tid ")) {
            canh_str_t tid = canh_str_sub(rest, 4, rest.n);
            if (canh_str_is_uint(tid))
                canh_event_add(ev, k_tid, tid, CANH_FT_LONG);
        }
    }
}

int canh_dec_apache_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    canh_rd_t r = canh_rd(rec);
    canh_time_t t;
    size_t used;
    if (!canh_rd_char(&r, '[') ||
        canh_time_parse_ctime(canh_rd_rest(&r), &d->tref, &t, &used) != CANH_OK)
        return CANH_ENOMATCH;
    canh_rd_skip(&r, used);
    canh_str_t lvl;
    if (!canh_rd_lit(&r, "] [") || !canh_rd_until(&r, ']', &lvl) || lvl.n > LEVEL_MAX)
        return CANH_ENOMATCH;
    /* 2.4: "[module:level]" (module may be empty: "[:error]"). */
    canh_str_t module = CANH_STR_NULL, level = lvl;
    const char *colon = memchr(lvl.p, ':', lvl.n);
    bool v24 = colon != NULL;
    if (colon) {
        module = canh_str(lvl.p, (size_t)(colon - lvl.p));
        level = canh_str(colon + 1, lvl.n - module.n - 1);
        if (memchr(module.p, ' ', module.n))
            return CANH_ENOMATCH;
    }
    if (!level_ok(level))
        return CANH_ENOMATCH;

    ev->decoder = CANH_DEC_APACHE_ERROR;
    canh_event_set_ts(ev, t);
    canh_event_set(ev, CANH_F_LOG_LEVEL, level);
    if (module.n)
        canh_event_set(ev, CANH_F_LOG_LOGGER, module);
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, level_type(level));

    /* Bracketed groups and prefixes, in whichever order this version and
     * ErrorLogFormat put them. */
    for (int g = 0; g < HEADER_GROUPS; g++) {
        canh_rd_spaces(&r);
        canh_str_t v;
        canh_rd_t save = r;
        if (canh_rd_lit(&r, "[pid ")) {
            if (!canh_rd_until(&r, ']', &v) || v.n > CLIENT_MAX) {
                r = save;
                break;
            }
            apache_pid(v, ev);
            v24 = true;
        } else if (canh_rd_lit(&r, "[client ")) {
            if (!canh_rd_until(&r, ']', &v) || v.n > CLIENT_MAX) {
                r = save;
                break;
            }
            canh_web_set_client_port(ev, v, v24);
        } else if (canh_rd_lit(&r, "[remote ")) {
            if (!canh_rd_until(&r, ']', &v) || v.n > CLIENT_MAX) {
                r = save;
                break;
            }
            canh_event_add(ev, k_remote, v, CANH_FT_KEYWORD);
        } else if (!(canh_rd_peek(&r, 0) == '(' && apache_errno(&r, ev)) &&
                   !(v24 && apache_origin(&r, ev))) {
            break;
        }
    }
    canh_rd_spaces(&r);
    canh_str_t msg = canh_rd_rest(&r);
    if (msg.n && ((msg.p[0] == '[' && !memchr(msg.p, ']', msg.n)) || cut_errno(msg) ||
                  (v24 && cut_ah(msg)))) {
        /* The line was cut inside a header group ("[client 1.2.", "(13)Permiss"). */
        ev->flags |= CANH_EVF_PARTIAL;
        return CANH_OK;
    }

    /* "AH00126: " */
    if (msg.n >= 9 && msg.p[0] == 'A' && msg.p[1] == 'H' && canh_str_is_uint(canh_str(msg.p + 2, 5)) &&
        msg.p[7] == ':' && msg.p[8] == ' ') {
        canh_event_set(ev, CANH_F_ERROR_CODE, canh_str(msg.p, 7));
        msg = canh_str_sub(msg, 9, msg.n);
    }
    /* ", referer: http://..." closes the line when the request had one. */
    const char *ref = NULL;
    for (size_t from = 0; from < msg.n;) {
        const char *q = memmem(msg.p + from, msg.n - from, ", referer: ", 11);
        if (!q)
            break;
        ref = q;
        from = (size_t)(q - msg.p) + 1;
    }
    if (ref) {
        canh_str_t rv = canh_str(ref + 11, msg.n - (size_t)(ref + 11 - msg.p));
        rv = canh_str_trim(rv);
        if (rv.n)
            canh_event_set(ev, CANH_F_HTTP_REQUEST_REFERRER, rv);
        msg.n = (size_t)(ref - msg.p);
    }
    msg = trim_end(msg);
    if (msg.n)
        canh_event_set(ev, CANH_F_MESSAGE, msg);
    classify(canh_dec_state(d, CANH_DEC_APACHE_ERROR), msg, ev);
    return CANH_OK;
}

/* ---- nginx ------------------------------------------------------------------------- */

enum ctx_key {
    CK_CLIENT,
    CK_SERVER,
    CK_LOGIN,
    CK_UPSTREAM,
    CK_REQUEST,
    CK_SUBREQUEST,
    CK_HOST,
    CK_REFERRER,
    CK__COUNT
};
static const char *const ctx_names[CK__COUNT] = {
    "client", "server", "login", "upstream", "request", "subrequest", "host", "referrer",
};

/* Is s[i..] ", key: " for a context key? Returns the key or -1; *len gets
 * the length of the separator. */
static int ctx_sep(canh_str_t s, size_t i, size_t *len)
{
    if (i + 2 > s.n || s.p[i] != ',' || s.p[i + 1] != ' ')
        return -1;
    for (int k = 0; k < CK__COUNT; k++) {
        size_t kl = strlen(ctx_names[k]);
        if (i + 2 + kl + 2 <= s.n && memcmp(s.p + i + 2, ctx_names[k], kl) == 0 &&
            s.p[i + 2 + kl] == ':' && s.p[i + 3 + kl] == ' ') {
            *len = kl + 4;
            return k;
        }
    }
    return -1;
}

/* Offset of the next context separator at or after from, or s.n. */
static size_t next_sep(canh_str_t s, size_t from)
{
    size_t len;
    while (from < s.n) {
        const char *c = memchr(s.p + from, ',', s.n - from);
        if (!c)
            break;
        size_t k = (size_t)(c - s.p);
        if (ctx_sep(s, k, &len) >= 0)
            return k;
        from = k + 1;
    }
    return s.n;
}

typedef struct ctx_pair {
    int key;
    canh_str_t val;
} ctx_pair_t;

/* Parses s (which starts with ", client: ") to its end as context pairs.
 * Values are quoted (the request line is written raw, so a quote inside it
 * ends the value only where a separator or the end follows) or bare. */
static size_t parse_ctx(canh_str_t s, ctx_pair_t *out, size_t max)
{
    size_t pos = 0, n = 0, len;
    while (pos < s.n) {
        int k = ctx_sep(s, pos, &len);
        if (k < 0 || n == max)
            return 0;
        pos += len;
        canh_str_t v;
        if (pos < s.n && s.p[pos] == '"') {
            size_t j = pos + 1;
            bool ok = false;
            while (j < s.n) {
                const char *q = memchr(s.p + j, '"', s.n - j);
                if (!q)
                    break;
                size_t e = (size_t)(q - s.p);
                if (e + 1 == s.n || ctx_sep(s, e + 1, &len) >= 0) {
                    v = canh_str(s.p + pos + 1, e - pos - 1);
                    pos = e + 1;
                    ok = true;
                    break;
                }
                j = e + 1;
            }
            if (!ok)
                return 0;
        } else {
            size_t e = next_sep(s, pos);
            v = canh_str(s.p + pos, e - pos);
            pos = e;
        }
        out[n++] = (ctx_pair_t){k, v};
    }
    return n;
}

static void apply_ctx(canh_event_t *ev, const ctx_pair_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        canh_str_t v = c[i].val;
        switch (c[i].key) {
        case CK_CLIENT: canh_web_set_client(ev, v); break;
        case CK_SERVER:
            if (v.n)
                canh_event_add(ev, k_ngx_server, v, CANH_FT_KEYWORD);
            break;
        case CK_LOGIN:
            if (v.n)
                canh_event_set(ev, CANH_F_USER_NAME, v);
            break;
        case CK_UPSTREAM:
            if (v.n)
                canh_event_add(ev, k_ngx_upstream, v, CANH_FT_KEYWORD);
            break;
        case CK_REQUEST:
            if (!canh_web_set_request(ev, v) && v.n)
                canh_event_add(ev, k_ngx_request, v, CANH_FT_KEYWORD);
            break;
        case CK_SUBREQUEST:
            if (v.n)
                canh_event_add(ev, k_ngx_subrequest, v, CANH_FT_KEYWORD);
            break;
        case CK_HOST: canh_web_set_host(ev, v); break;
        case CK_REFERRER:
            if (v.n && !canh_str_eq_c(v, "-"))
                canh_event_set(ev, CANH_F_HTTP_REQUEST_REFERRER, v);
            break;
        default: break;
        }
    }
}

/* " (2: No such file or directory)" -> error.code, error.message. */
static void nginx_errno(canh_event_t *ev, canh_str_t msg)
{
    size_t from = 0;
    for (int tries = 0; tries < 4 && from < msg.n; tries++) {
        const char *o = memchr(msg.p + from, '(', msg.n - from);
        if (!o)
            return;
        size_t ds = (size_t)(o - msg.p) + 1, de = ds;
        while (de < msg.n && de - ds < 6 && canh_is_digit(msg.p[de]))
            de++;
        if (de > ds && de + 2 < msg.n && msg.p[de] == ':' && msg.p[de + 1] == ' ') {
            size_t ts = de + 2;
            canh_str_t rest = canh_str(msg.p + ts, msg.n - ts);
            ptrdiff_t c = canh_str_chr(rest, ')');
            if (c > 0 && c <= ERRNO_TEXT_MAX) {
                canh_event_set(ev, CANH_F_ERROR_CODE, canh_str(msg.p + ds, de - ds));
                canh_event_set(ev, CANH_F_ERROR_MESSAGE, canh_str(rest.p, (size_t)c));
                return;
            }
        }
        from = ds;
    }
}

int canh_dec_nginx_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    if (rec.n < 24 || rec.p[4] != '/' || rec.p[7] != '/' || rec.p[10] != ' ')
        return CANH_ENOMATCH;
    canh_time_t t;
    size_t used;
    if (canh_time_parse_iso8601(rec, &d->tref, &t, &used) != CANH_OK)
        return CANH_ENOMATCH;
    canh_rd_t r = canh_rd(rec);
    canh_rd_skip(&r, used);
    canh_str_t lvl;
    if (!canh_rd_lit(&r, " [") || !canh_rd_until(&r, ']', &lvl) || !level_ok(lvl) ||
        !canh_rd_char(&r, ' '))
        return CANH_ENOMATCH;
    /* "1234#5678: " */
    uint64_t v;
    size_t ps = r.off;
    if (!canh_rd_uint(&r, 10, &v))
        return CANH_ENOMATCH;
    canh_str_t pid = canh_str(rec.p + ps, r.off - ps);
    if (!canh_rd_char(&r, '#'))
        return CANH_ENOMATCH;
    size_t ts = r.off;
    if (!canh_rd_uint(&r, 20, &v))
        return CANH_ENOMATCH;
    canh_str_t tid = canh_str(rec.p + ts, r.off - ts);
    if (!canh_rd_char(&r, ':'))
        return CANH_ENOMATCH;
    canh_rd_spaces(&r);

    ev->decoder = CANH_DEC_NGINX_ERROR;
    canh_event_set_ts(ev, t);
    canh_event_set(ev, CANH_F_LOG_LEVEL, lvl);
    canh_event_set(ev, CANH_F_PROCESS_PID, pid);
    canh_event_add(ev, k_ngx_tid, tid, CANH_FT_LONG);
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, level_type(lvl));

    /* "*9 " - the connection number. */
    if (canh_rd_peek(&r, 0) == '*') {
        canh_rd_t save = r;
        size_t cs = r.off + 1;
        canh_rd_skip(&r, 1);
        if (canh_rd_uint(&r, 20, &v) && canh_rd_char(&r, ' '))
            canh_event_add(ev, k_ngx_cid, canh_str(rec.p + cs, r.off - cs - 1), CANH_FT_LONG);
        else
            r = save;
    }
    canh_str_t msg = canh_rd_rest(&r);
    if (msg.n && msg.p[0] == '*') {
        size_t i = 1;
        while (i < msg.n && canh_is_digit(msg.p[i]))
            i++;
        if (i == msg.n) {
            /* Cut inside the connection number. */
            ev->flags |= CANH_EVF_PARTIAL;
            return CANH_OK;
        }
    }

    /* The request context nginx appends: ", client: ..., server: ...". */
    ctx_pair_t pairs[CTX_MAX_PAIRS];
    size_t from = 0;
    for (int tries = 0; tries < CTX_TRIES && from < msg.n; tries++) {
        const char *c = memmem(msg.p + from, msg.n - from, ", client: ", 10);
        if (!c)
            break;
        size_t at = (size_t)(c - msg.p);
        size_t np = parse_ctx(canh_str(c, msg.n - at), pairs, CTX_MAX_PAIRS);
        if (np) {
            apply_ctx(ev, pairs, np);
            msg.n = at;
            break;
        }
        from = at + 1;
    }
    msg = trim_end(msg);
    if (msg.n)
        canh_event_set(ev, CANH_F_MESSAGE, msg);

    /* ModSecurity-nginx writes "[client 1.2.3.4] ModSecurity: ...". */
    canh_str_t body = msg;
    if (canh_str_starts(body, "[client ")) {
        ptrdiff_t e = canh_str_chr(body, ']');
        if (e > 8 && e < CLIENT_MAX) {
            if (!canh_event_has(ev, CANH_F_SOURCE_IP))
                canh_web_set_client(ev, canh_str(body.p + 8, (size_t)e - 8));
            body = canh_str_sub(body, (size_t)e + 1, body.n);
            while (body.n && body.p[0] == ' ')
                body = canh_str_sub(body, 1, body.n);
        }
    }
    if (canh_str_starts(body, "ModSecurity: ")) {
        canh_modsec_msg(ev, body, NULL);
        return CANH_OK;
    }
    nginx_errno(ev, msg);
    classify(canh_dec_state(d, CANH_DEC_NGINX_ERROR), msg, ev);
    return CANH_OK;
}
