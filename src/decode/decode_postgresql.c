/* decode_postgresql.c - PostgreSQL server logs.
 *
 * Four framings carry the same content (a severity, a message, and the
 * session's user, database, pid and client):
 * - stderr lines behind a log_line_prefix, "2024-01-15 10:00:00.123 UTC [123]
 *   user@db LOG:  statement: SELECT 1"; the prefix is read token by token, so
 *   the stock forms (%m [%p], Debian's %m [%p] %q%u@%d, [%p-%l], pgBadger's
 *   %t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h) all work;
 * - csvlog records (the timestamp, then about 25 CSV columns);
 * - jsonlog documents (PostgreSQL 15+), handed over by the JSON decoder;
 * - the message part of syslog lines from "postgres" ("[3-1] LOG:  ...").
 * The message is then classified: statements and durations, connections,
 * authentication failures, errors.
 *
 * Detection must not claim other digit-led formats (ISO-stamped syslog,
 * MySQL, IIS): after the timestamp only prefix-like tokens may appear
 * (brackets, user@db, key=value lists, addresses; other words only after a
 * [pid]) and a PostgreSQL severity followed by ':' must end the prefix. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_db.h"
#include "decode_int.h"

#define PG_MAX_TOKENS 16
#define PG_CSV_COLS 26

/* ---- message patterns ------------------------------------------------------ */

/* LOG-level connection life cycle. */
static const canh_pat_rule_t pg_log_rules[] = {
    {"connection received: host={source.ip} port={source.port}*", "db_connection_received", NULL,
     "network", "connection"},
    {"connection received: host={source.address} port={source.port}*", "db_connection_received",
     NULL, "network", "connection"},
    {"connection received: host={source.address}", "db_connection_received", NULL, "network",
     "connection"},
    {"connection authorized: user={user.name} database={db.name}*", "db_login", "success",
     "authentication", "start"},
    {"replication connection authorized: user={user.name}*", "db_login", "success",
     "authentication", "start"},
    {"connection authorized: user={user.name}*", "db_login", "success", "authentication", "start"},
    {"connection authenticated: identity=\"{user.name}\" method={postgresql.log.auth_method}*",
     "db_authenticated", "success", "authentication", "info"},
    {"disconnection: session time: {postgresql.log.session_time} user={user.name} "
     "database={db.name} host={source.ip} port={source.port}*",
     "db_logout", NULL, "authentication", "end"},
    {"disconnection: session time: {postgresql.log.session_time} user={user.name} "
     "database={db.name} host={source.address}*",
     "db_logout", NULL, "authentication", "end"},
    {"database system is ready to accept connections*", "db_started", NULL, "database", "start"},
    {"database system is shut down*", "db_stopped", NULL, "database", "end"},
    {"received {-} shutdown request*", "db_stopping", NULL, "database", "end"},
};

/* FATAL-level refusals of a connection. */
static const canh_pat_rule_t pg_fatal_rules[] = {
    {"{postgresql.log.auth_method} authentication failed for user \"{user.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"no pg_hba.conf entry for host \"{source.ip}\", user \"{user.name}\", database "
     "\"{db.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"no pg_hba.conf entry for host \"{source.address}\", user \"{user.name}\", database "
     "\"{db.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"no pg_hba.conf entry for replication connection from host \"{source.ip}\", user "
     "\"{user.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"no pg_hba.conf entry for replication connection from host \"{source.address}\", user "
     "\"{user.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"pg_hba.conf rejects connection for host \"{source.ip}\", user \"{user.name}\", database "
     "\"{db.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"pg_hba.conf rejects connection for host \"{source.address}\", user \"{user.name}\", "
     "database \"{db.name}\"*",
     "db_login_failed", "failure", "authentication", "start"},
    {"role \"{user.name}\" does not exist*", "db_login_failed", "failure", "authentication",
     "start"},
    {"database \"{db.name}\" does not exist*", "db_login_failed", "failure", "authentication",
     "start"},
    {"role \"{user.name}\" is not permitted to log in*", "db_login_failed", "failure",
     "authentication", "start"},
    {"too many connections for role \"{user.name}\"*", "db_login_failed", "failure",
     "authentication", "start"},
    {"sorry, too many clients already*", "db_connection_refused", "failure", "database",
     "connection"},
    {"terminating connection due to administrator command*", "db_connection_terminated", NULL,
     "database", "end"},
};

/* ERROR-level statement failures. */
static const canh_pat_rule_t pg_error_rules[] = {
    {"syntax error at or near \"{-}\"*", "db_syntax_error", "failure", "database", "error"},
    {"syntax error at end of input*", "db_syntax_error", "failure", "database", "error"},
    {"permission denied for *", "db_permission_denied", "failure", "database", "denied"},
    {"permission denied to *", "db_permission_denied", "failure", "database", "denied"},
    {"must be superuser*", "db_permission_denied", "failure", "database", "denied"},
    {"must be owner of *", "db_permission_denied", "failure", "database", "denied"},
};

typedef struct pg_state {
    canh_patset_t *log, *fatal, *error;
} pg_state_t;

static void pg_fini(void *state)
{
    pg_state_t *st = state;
    if (!st)
        return;
    canh_patset_destroy(st->log);
    canh_patset_destroy(st->fatal);
    canh_patset_destroy(st->error);
    canh_free(st);
}

static int pg_init(void **state, canh_errbuf_t *eb)
{
    pg_state_t *st = canh_calloc(1, sizeof *st);
    if (!st)
        return CANH_ENOMEM;
    int rc = canh_patset_compile(pg_log_rules, sizeof pg_log_rules / sizeof pg_log_rules[0],
                                 &st->log, eb);
    if (rc == CANH_OK)
        rc = canh_patset_compile(pg_fatal_rules, sizeof pg_fatal_rules / sizeof pg_fatal_rules[0],
                                 &st->fatal, eb);
    if (rc == CANH_OK)
        rc = canh_patset_compile(pg_error_rules, sizeof pg_error_rules / sizeof pg_error_rules[0],
                                 &st->error, eb);
    if (rc != CANH_OK) {
        pg_fini(st);
        return rc;
    }
    *state = st;
    return CANH_OK;
}

const canh_decode_mod_t canh_mod_POSTGRESQL = {pg_init, pg_fini};

/* ---- small helpers ----------------------------------------------------------- */



static void set_long(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    if (canh_str_is_uint(v))
        canh_event_set(ev, id, v);
}

static void add_kv(canh_event_t *ev, const char *key, canh_str_t v, canh_ftype_t t)
{
    if (!v.p || v.n == 0 || canh_str_eq_c(v, "[unknown]"))
        return;
    if (t == CANH_FT_LONG && !canh_str_is_uint(v))
        t = CANH_FT_KEYWORD;
    canh_event_add(ev, canh_str_c(key), v, t);
}

static const char *const pg_levels[] = {
    "LOG",    "ERROR",     "FATAL",   "PANIC",  "WARNING",  "NOTICE", "INFO",
    "DEBUG1", "DEBUG2",    "DEBUG3",  "DEBUG4", "DEBUG5",   "DEBUG",  "DETAIL",
    "HINT",   "STATEMENT", "CONTEXT", "QUERY",  "LOCATION",
};

static bool pg_is_level(canh_str_t s)
{
    for (size_t i = 0; i < sizeof pg_levels / sizeof pg_levels[0]; i++)
        if (canh_str_eq_c(s, pg_levels[i]))
            return true;
    return false;
}

/* Length of the severity word that starts s when a ':' follows it; 0 if s
 * does not start with one. */
static size_t pg_level_at(canh_str_t s)
{
    if (s.n < 4 || s.p[0] < 'A' || s.p[0] > 'Z')
        return 0;
    const char *colon = memchr(s.p, ':', s.n < 10 ? s.n : 10);
    if (!colon)
        return 0;
    canh_str_t w = canh_str(s.p, (size_t)(colon - s.p));
    return pg_is_level(w) ? w.n : 0;
}

/* Records the client address: "1.2.3.4", "1.2.3.4(5432)", "host.example",
 * "[local]" (a Unix socket: nothing to record). */
static void pg_client(canh_event_t *ev, canh_str_t v)
{
    if (v.n == 0 || v.p[0] == '[')
        return;
    if (v.p[v.n - 1] == ')') {
        ptrdiff_t open = canh_str_chr(v, '(');
        if (open > 0) {
            canh_str_t port = canh_str(v.p + open + 1, v.n - (size_t)open - 2);
            set_long(ev, CANH_F_SOURCE_PORT, port);
            v.n = (size_t)open;
        }
    }
    if (canh_str_is_ip(v))
        canh_event_set(ev, CANH_F_SOURCE_IP, v);
    else if (v.n)
        canh_event_set(ev, CANH_F_SOURCE_ADDRESS, v);
}

static void pg_user(canh_event_t *ev, canh_str_t v)
{
    if (v.n == 0 || canh_str_eq_c(v, "[unknown]"))
        return;
    canh_event_set(ev, CANH_F_USER_NAME, v);
    canh_event_set(ev, CANH_F_DB_USER, v);
}

static void pg_db(canh_event_t *ev, canh_str_t v)
{
    if (v.n == 0 || canh_str_eq_c(v, "[unknown]"))
        return;
    canh_event_set(ev, CANH_F_DB_NAME, v);
}

/* ---- timestamps ------------------------------------------------------------ */

static bool is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

/* Reads "YYYY-MM-DD HH:MM:SS[.fff]" and its zone ("UTC", "+07", "-05:30",
 * or a name such as "CET" that cannot be resolved here: the time is then
 * read in the reference zone and the name kept as postgresql.log.timezone),
 * or %n's epoch "1705312800.123". Sets @timestamp; false (r unmoved) when r
 * is not at a timestamp. copy: the zone name must be copied (JSON input). */
static bool pg_time(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev, bool copy)
{
    canh_str_t s = canh_rd_rest(r);
    canh_time_t t;
    size_t used;
    if (s.n >= 19 && s.p[4] == '-' && s.p[7] == '-') {
        if (canh_time_parse_iso8601(s, &d->tref, &t, &used) != CANH_OK)
            return false;
    } else if (s.n >= 10 && canh_is_digit((unsigned char)s.p[9])) {
        if (canh_time_parse_epoch(s, &t, &used) != CANH_OK)
            return false;
        canh_rd_skip(r, used);
        canh_event_set_ts(ev, t);
        return true;
    } else {
        return false;
    }
    canh_rd_skip(r, used);
    if (canh_rd_peek(r, 0) == ' ') {
        size_t k = 1;
        while (k < 12 && canh_rd_peek(r, k) > ' ' && canh_rd_peek(r, k) != ',')
            k++;
        canh_str_t z = canh_str(r->p + r->off + 1, k - 1);
        int32_t off;
        bool letters = z.n >= 2 && z.n <= 6;
        for (size_t i = 0; letters && i < z.n; i++)
            letters = is_upper((unsigned char)z.p[i]);
        if (z.n >= 2 && (z.p[0] == '+' || z.p[0] == '-') && canh_is_digit((unsigned char)z.p[1]) &&
            canh_time_parse_tz(z, &off) == CANH_OK) {
            t += ((canh_time_t)d->tref.tz_off - off) * CANH_NS_PER_SEC;
            canh_rd_skip(r, k);
        } else if (letters) {
            if (copy)
                z.p = canh_event_strdup(ev, z.p, z.n);
            if (z.p)
                canh_event_add(ev, canh_str_c("postgresql.log.timezone"), z, CANH_FT_KEYWORD);
            canh_rd_skip(r, k);
        }
    }
    canh_event_set_ts(ev, t);
    return true;
}

/* ---- the message ------------------------------------------------------------- */

/* "1.234" (milliseconds) into nanoseconds; false if not a number. */
static bool ms_to_ns(canh_str_t s, int64_t *out)
{
    return canh_str_to_scaled(s, 1000000, 12, out) == CANH_OK;
}

/* "statement: S", "execute <name>: S", "parse S_1: S", "bind S_1: S". */
static bool pg_statement(canh_event_t *ev, canh_str_t m)
{
    canh_str_t stmt = CANH_STR_NULL;
    if (canh_str_starts(m, "statement: ")) {
        stmt = canh_str_sub(m, 11, m.n);
    } else if (canh_str_starts(m, "execute ") || canh_str_starts(m, "parse ") ||
               canh_str_starts(m, "bind ")) {
        ptrdiff_t colon = canh_str_find_c(m, ": ");
        if (colon < 0 || colon > 80)
            return false;
        stmt = canh_str_sub(m, (size_t)colon + 2, m.n);
    } else {
        return false;
    }
    if (stmt.n)
        canh_event_set(ev, CANH_F_DB_STATEMENT, stmt);
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_query");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "access");
    return true;
}

/* Sets log.level and message and classifies the message. level and msg are
 * slices the event may keep. */
static void pg_message(const canh_decode_t *d, canh_event_t *ev, canh_str_t level, canh_str_t msg)
{
    const pg_state_t *st = canh_dec_state(d, CANH_DEC_POSTGRESQL);
    msg = canh_str_trim(msg);
    canh_event_set(ev, CANH_F_LOG_LEVEL, level);
    if (msg.n)
        canh_event_set(ev, CANH_F_MESSAGE, msg);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "database");
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");

    if (canh_str_eq_c(level, "STATEMENT") || canh_str_eq_c(level, "QUERY")) {
        if (msg.n)
            canh_event_set(ev, CANH_F_DB_STATEMENT, msg);
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
        return;
    }
    bool is_log = canh_str_eq_c(level, "LOG");
    if (is_log && canh_str_starts(msg, "duration: ")) {
        canh_str_t rest = canh_str_sub(msg, 10, msg.n);
        ptrdiff_t sp = canh_str_chr(rest, ' ');
        int64_t ns;
        if (sp > 0 && ms_to_ns(canh_str(rest.p, (size_t)sp), &ns) &&
            canh_str_starts(canh_str_sub(rest, (size_t)sp, rest.n), " ms")) {
            canh_event_set_i64(ev, CANH_F_EVENT_DURATION, ns);
            rest = canh_str_trim(canh_str_sub(rest, (size_t)sp + 3, rest.n));
            if (!pg_statement(ev, rest)) {
                canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_query");
                canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
            }
            return;
        }
    }
    if (is_log && pg_statement(ev, msg))
        return;
    if (!st)
        return;
    const canh_patset_t *ps = NULL;
    bool err = false;
    if (is_log)
        ps = st->log;
    else if (canh_str_eq_c(level, "FATAL") || canh_str_eq_c(level, "PANIC"))
        ps = st->fatal, err = true;
    else if (canh_str_eq_c(level, "ERROR"))
        ps = st->error, err = true;
    if (ps && canh_patset_match(ps, msg, ev) >= 0) {
        /* "host=[local]": a Unix socket, no address. */
        if (canh_str_eq_c(canh_event_get(ev, CANH_F_SOURCE_ADDRESS), "[local]"))
            canh_event_unset(ev, CANH_F_SOURCE_ADDRESS);
        if (canh_event_has(ev, CANH_F_USER_NAME) && !canh_event_has(ev, CANH_F_DB_USER))
            canh_event_set(ev, CANH_F_DB_USER, canh_event_get(ev, CANH_F_USER_NAME));
        return;
    }
    if (err)
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "error");
    else
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
}

/* ---- the stderr/syslog prefix ---------------------------------------------- */

typedef struct pg_ctx {
    bool ts;      /* a timestamp was read */
    bool pid;     /* a [pid] was read */
    bool lenient; /* syslog: the program name already says postgres */
    unsigned ntok;
} pg_ctx_t;

/* "[123]", "[123-4]", "[123]:" -> true with the numbers. */
static bool pg_bracket_num(canh_str_t tok, canh_str_t *a, canh_str_t *b)
{
    canh_rd_t r = canh_rd(tok);
    uint64_t v;
    if (!canh_rd_char(&r, '['))
        return false;
    size_t s = r.off;
    if (!canh_rd_uint(&r, 10, &v))
        return false;
    *a = canh_str(tok.p + s, r.off - s);
    *b = CANH_STR_NULL;
    if (canh_rd_char(&r, '-')) {
        s = r.off;
        if (!canh_rd_uint(&r, 10, &v))
            return false;
        *b = canh_str(tok.p + s, r.off - s);
    }
    if (!canh_rd_char(&r, ']'))
        return false;
    canh_rd_char(&r, ':');
    return canh_rd_eof(&r);
}

/* "user=bob,db=mydb,app=psql,client=1.2.3.4" */
static void pg_keyvals(canh_event_t *ev, canh_str_t tok)
{
    canh_rd_t r = canh_rd(tok);
    while (!canh_rd_eof(&r)) {
        canh_str_t kv;
        if (!canh_rd_until(&r, ',', &kv)) {
            kv = canh_rd_rest(&r);
            r.off = r.n;
        }
        ptrdiff_t eq = canh_str_chr(kv, '=');
        if (eq <= 0)
            continue;
        canh_str_t k = canh_str(kv.p, (size_t)eq), v = canh_str_sub(kv, (size_t)eq + 1, kv.n);
        if (canh_str_eq_c(k, "user") || canh_str_eq_c(k, "usr") || canh_str_eq_c(k, "u"))
            pg_user(ev, v);
        else if (canh_str_eq_c(k, "db") || canh_str_eq_c(k, "database") || canh_str_eq_c(k, "d"))
            pg_db(ev, v);
        else if (canh_str_eq_c(k, "app") || canh_str_eq_c(k, "application") ||
                 canh_str_eq_c(k, "application_name") || canh_str_eq_c(k, "a"))
            add_kv(ev, "postgresql.log.application_name", v, CANH_FT_KEYWORD);
        else if (canh_str_eq_c(k, "client") || canh_str_eq_c(k, "host") ||
                 canh_str_eq_c(k, "remote") || canh_str_eq_c(k, "h") || canh_str_eq_c(k, "r"))
            pg_client(ev, v);
        else if (canh_str_eq_c(k, "pid") || canh_str_eq_c(k, "p"))
            set_long(ev, CANH_F_PROCESS_PID, v);
    }
}

/* One prefix token (no spaces). false: not a PostgreSQL prefix. */
static bool pg_token(pg_ctx_t *c, canh_str_t tok, canh_event_t *ev)
{
    canh_str_t a, b;
    if (pg_bracket_num(tok, &a, &b)) {
        if (c->lenient && b.p) {
            /* "[3-1]": the syslog sequence number and chunk, not a pid. */
        } else if (!c->pid) {
            canh_event_set(ev, CANH_F_PROCESS_PID, a);
            if (b.p)
                add_kv(ev, "postgresql.log.session_line_number", b, CANH_FT_LONG);
            c->pid = true;
        } else if (b.p) {
            add_kv(ev, "postgresql.log.session_line_number", a, CANH_FT_LONG);
        }
        return true;
    }
    ptrdiff_t at = -1;
    for (size_t i = 0; i < tok.n; i++)
        if (tok.p[i] == '@')
            at = (ptrdiff_t)i;
    if (at >= 0) {
        pg_user(ev, canh_str(tok.p, (size_t)at));
        pg_db(ev, canh_str_sub(tok, (size_t)at + 1, tok.n));
        return true;
    }
    if (canh_str_chr(tok, '=') > 0) {
        pg_keyvals(ev, tok);
        return true;
    }
    if (tok.p[0] == '[')
        return tok.p[tok.n - 1] == ']' || canh_str_ends(tok, "]:");
    canh_str_t host = tok;
    ptrdiff_t open = canh_str_chr(host, '(');
    if (open > 0 && host.p[host.n - 1] == ')')
        host.n = (size_t)open;
    if (canh_str_is_ip(host)) {
        pg_client(ev, tok);
        return true;
    }
    /* Other words (session ids, application names) only inside a prefix
     * already known to be PostgreSQL's; "host prog[pid]:" of a syslog line
     * is refused here. */
    return c->pid || c->lenient;
}

/* Reads prefix tokens up to "SEVERITY:" and hands the message on. r is past
 * the timestamp (if any). */
static int pg_line(const canh_decode_t *d, canh_rd_t *r, pg_ctx_t *c, canh_event_t *ev)
{
    for (;;) {
        canh_rd_spaces(r);
        if (canh_rd_eof(r))
            return CANH_ENOMATCH;
        canh_str_t rest = canh_rd_rest(r);
        size_t ll = pg_level_at(rest);
        if (ll) {
            canh_str_t level = canh_str(rest.p, ll);
            canh_rd_skip(r, ll + 1);
            int nx = canh_rd_peek(r, 0);
            if (nx != -1 && nx != ' ' && nx != '\t')
                return CANH_ENOMATCH;
            /* With no prefix tokens ("LOG:  msg", or "%t LOG:  msg"), only
             * PostgreSQL's two spaces after the severity tell the line from
             * other "time LEVEL: text" logs. */
            if (!c->lenient && c->ntok == 0 &&
                (canh_rd_peek(r, 0) != ' ' || canh_rd_peek(r, 1) != ' '))
                return CANH_ENOMATCH;
            ev->decoder = CANH_DEC_POSTGRESQL;
            pg_message(d, ev, level, canh_rd_rest(r));
            return CANH_OK;
        }
        if (++c->ntok > PG_MAX_TOKENS)
            return CANH_ENOMATCH;
        if (c->lenient && !c->ts && rest.n >= 19 && canh_is_digit((unsigned char)rest.p[0]) &&
            rest.p[4] == '-' && pg_time(d, r, ev, false)) {
            c->ts = true;
            continue;
        }
        canh_str_t tok = canh_rd_word(r);
        if (!pg_token(c, tok, ev))
            return CANH_ENOMATCH;
    }
}

/* Amazon RDS / Aurora's fixed prefix '%t:%r:%u@%d:[%p]:', r at the ':'
 * after the time: ":10.0.0.1(52814):bob@shop:[1234]:LOG:  msg". The client
 * may be empty, "[local]" or an IPv6 address (with colons), so the fields
 * are found from the ":[pid]:" that precedes the severity. */
static int pg_rds(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev)
{
    canh_str_t rest = canh_str_sub(canh_rd_rest(r), 1, SIZE_MAX);
    size_t lim = rest.n;
    if (lim > 512)
        lim = 512;
    for (size_t i = 0; i + 2 < lim; i++) {
        if (rest.p[i] != ':' || rest.p[i + 1] != '[')
            continue;
        size_t k = i + 2;
        while (k < rest.n && canh_is_digit((unsigned char)rest.p[k]) && k - i < 14)
            k++;
        if (k == i + 2 || k + 1 >= rest.n || rest.p[k] != ']' || rest.p[k + 1] != ':')
            continue;
        canh_str_t after = canh_str_sub(rest, k + 2, SIZE_MAX);
        size_t ll = pg_level_at(after);
        if (!ll || (after.n > ll + 1 && after.p[ll + 1] != ' '))
            continue;
        canh_str_t pre = canh_str(rest.p, i);
        ptrdiff_t colon = -1;
        for (size_t j = 0; j < pre.n; j++)
            if (pre.p[j] == ':')
                colon = (ptrdiff_t)j;
        if (colon < 0)
            return CANH_ENOMATCH;
        canh_str_t who = canh_str_sub(pre, (size_t)colon + 1, SIZE_MAX);
        ptrdiff_t at = -1;
        for (size_t j = 0; j < who.n; j++)
            if (who.p[j] == '@')
                at = (ptrdiff_t)j;
        if (at < 0)
            return CANH_ENOMATCH;
        ev->decoder = CANH_DEC_POSTGRESQL;
        pg_client(ev, canh_str(pre.p, (size_t)colon));
        pg_user(ev, canh_str(who.p, (size_t)at));
        pg_db(ev, canh_str_sub(who, (size_t)at + 1, SIZE_MAX));
        canh_event_set(ev, CANH_F_PROCESS_PID, canh_str(rest.p + i + 2, k - i - 2));
        pg_message(d, ev, canh_str(after.p, ll), canh_str_sub(after, ll + 1, SIZE_MAX));
        return CANH_OK;
    }
    return CANH_ENOMATCH;
}

/* ---- csvlog -------------------------------------------------------------------- */

/* Splits a CSV record into at most max fields. quoted[i] says the field had
 * doubled quotes to undo. *whole is false when a quoted field runs off the
 * end (the record was cut, or a message spans lines) or junk follows a
 * closing quote. */
static size_t csv_split(canh_str_t rec, canh_str_t *f, bool *esc, size_t max, bool *whole)
{
    size_t n = 0, i = 0;
    *whole = true;
    while (n < max) {
        esc[n] = false;
        if (i < rec.n && rec.p[i] == '"') {
            size_t s = ++i;
            bool closed = false;
            while (i < rec.n) {
                if (rec.p[i] == '"') {
                    if (i + 1 < rec.n && rec.p[i + 1] == '"') {
                        esc[n] = true;
                        i += 2;
                        continue;
                    }
                    closed = true;
                    break;
                }
                i++;
            }
            f[n++] = canh_str(rec.p + s, i - s);
            if (!closed) {
                *whole = false;
                return n;
            }
            i++;
        } else {
            size_t s = i;
            const char *q = i < rec.n ? memchr(rec.p + i, ',', rec.n - i) : NULL;
            i = q ? (size_t)(q - rec.p) : rec.n;
            f[n++] = canh_str(rec.p + s, i - s);
        }
        if (i >= rec.n)
            return n;
        if (rec.p[i] != ',') {
            *whole = false;
            return n;
        }
        i++;
    }
    return n;
}

/* A CSV field's value: doubled quotes undone into the arena when present. */
static canh_str_t csv_val(canh_event_t *ev, canh_str_t v, bool esc)
{
    if (!esc)
        return v;
    char *p = canh_arena_alloc(&ev->arena, v.n);
    if (!p) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return v;
    }
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        p[k++] = v.p[i];
        if (v.p[i] == '"' && i + 1 < v.n && v.p[i + 1] == '"')
            i++;
    }
    return canh_str(p, k);
}

/* "host:port" (last ':' splits, so IPv6 hosts work) or "[local]". */
static void pg_conn_from(canh_event_t *ev, canh_str_t v)
{
    if (v.n == 0 || v.p[0] == '[')
        return;
    ptrdiff_t colon = -1;
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] == ':')
            colon = (ptrdiff_t)i;
    if (colon > 0 && canh_str_is_uint(canh_str_sub(v, (size_t)colon + 1, v.n))) {
        set_long(ev, CANH_F_SOURCE_PORT, canh_str_sub(v, (size_t)colon + 1, v.n));
        v.n = (size_t)colon;
    }
    pg_client(ev, v);
}

static int pg_csv(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    canh_str_t f[PG_CSV_COLS];
    bool esc[PG_CSV_COLS], whole;
    size_t n = csv_split(rec, f, esc, PG_CSV_COLS, &whole);
    if (n < 12 || esc[0] || esc[3] || esc[11] || !pg_is_level(f[11]) ||
        (f[3].n && !canh_str_is_uint(f[3])))
        return CANH_ENOMATCH;
    canh_rd_t tr = canh_rd(f[0]);
    if (!pg_time(d, &tr, ev, false) || !canh_rd_eof(&tr))
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_POSTGRESQL;
    pg_user(ev, csv_val(ev, f[1], esc[1]));
    pg_db(ev, csv_val(ev, f[2], esc[2]));
    set_long(ev, CANH_F_PROCESS_PID, f[3]);
    pg_conn_from(ev, csv_val(ev, f[4], esc[4]));
    add_kv(ev, "postgresql.log.session_id", f[5], CANH_FT_KEYWORD);
    add_kv(ev, "postgresql.log.session_line_number", f[6], CANH_FT_LONG);
    add_kv(ev, "postgresql.log.command_tag", csv_val(ev, f[7], esc[7]), CANH_FT_KEYWORD);
    add_kv(ev, "postgresql.log.session_start_time", f[8], CANH_FT_KEYWORD);
    add_kv(ev, "postgresql.log.virtual_transaction_id", f[9], CANH_FT_KEYWORD);
    if (!canh_str_eq_c(f[10], "0"))
        add_kv(ev, "postgresql.log.transaction_id", f[10], CANH_FT_LONG);
    canh_str_t msg = n > 13 ? csv_val(ev, f[13], esc[13]) : CANH_STR_NULL;
    if (n > 12)
        add_kv(ev, "postgresql.log.sql_state_code", f[12], CANH_FT_KEYWORD);
    pg_message(d, ev, f[11], msg.p ? msg : canh_str("", 0));
    static const struct {
        size_t col;
        const char *key;
        canh_ftype_t type;
    } extra[] = {
        {14, "postgresql.log.detail", CANH_FT_KEYWORD},
        {15, "postgresql.log.hint", CANH_FT_KEYWORD},
        {16, "postgresql.log.internal_query", CANH_FT_KEYWORD},
        {18, "postgresql.log.context", CANH_FT_KEYWORD},
        {19, "postgresql.log.query", CANH_FT_KEYWORD},
        {21, "postgresql.log.location", CANH_FT_KEYWORD},
        {22, "postgresql.log.application_name", CANH_FT_KEYWORD},
        {23, "postgresql.log.backend_type", CANH_FT_KEYWORD},
        {24, "postgresql.log.leader_pid", CANH_FT_LONG},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (extra[i].col < n)
            add_kv(ev, extra[i].key, csv_val(ev, f[extra[i].col], esc[extra[i].col]),
                   extra[i].type);
    /* query_id is 0 unless compute_query_id is on. */
    if (n > 25 && f[25].n && !canh_str_eq_c(f[25], "0"))
        add_kv(ev, "postgresql.log.query_id", f[25], CANH_FT_KEYWORD);
    if (n > 19 && f[19].n && !canh_event_has(ev, CANH_F_DB_STATEMENT))
        canh_event_set(ev, CANH_F_DB_STATEMENT, csv_val(ev, f[19], esc[19]));
    if (n > 12 && f[12].n && !canh_str_eq_c(f[12], "00000"))
        canh_event_set(ev, CANH_F_ERROR_CODE, f[12]);
    if (!whole || n < 14)
        ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}

/* ---- entry points ------------------------------------------------------------ */

int canh_dec_postgresql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    pg_ctx_t c = {0};
    canh_rd_t r = canh_rd(rec);
    uint32_t flags = ev->flags;
    int rc = CANH_ENOMATCH;
    if (rec.n < 5)
        goto cont;
    unsigned char ch = (unsigned char)rec.p[0];
    if (canh_is_digit(ch)) {
        if (!pg_time(d, &r, ev, false))
            goto cont;
        c.ts = true;
        if (canh_rd_peek(&r, 0) == ',')
            rc = pg_csv(d, rec, ev);
        else if (canh_rd_peek(&r, 0) == ' ')
            rc = pg_line(d, &r, &c, ev);
        else if (canh_rd_peek(&r, 0) == ':')
            rc = pg_rds(d, &r, ev);
    } else if (ch == '[' || is_upper(ch)) {
        rc = pg_line(d, &r, &c, ev);
    } else if (ch == '{') {
        /* jsonlog with the type forced (detection sends '{' to the JSON
         * decoder, which dispatches here itself). */
        json_error_t err;
        json_t *root = json_loadb(rec.p, rec.n, 0, &err);
        if (root) {
            rc = canh_dec_json_postgresql(d, root, ev);
            json_decref(root);
        }
    }
cont:
    if (rc == CANH_OK)
        return CANH_OK;
    /* A continuation line of a multi-line statement starts with a tab and
     * has no prefix. It is only told apart when the input is known to be
     * PostgreSQL's (the type was forced). */
    if (d->forced == CANH_DEC_POSTGRESQL && rec.n && ev->original.n &&
        (ev->original.p[0] == '\t' || ev->original.p[0] == ' ')) {
        canh_event_clear(ev);
        ev->flags = flags | CANH_EVF_PARTIAL;
        ev->decoder = CANH_DEC_POSTGRESQL;
        canh_event_set(ev, CANH_F_MESSAGE, rec);
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "database");
        return CANH_OK;
    }
    return CANH_ENOMATCH;
}

int canh_prog_postgres(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                       canh_event_t *ev)
{
    (void)h;
    pg_ctx_t c = {.lenient = true};
    canh_rd_t r = canh_rd(msg);
    if (pg_line(d, &r, &c, ev) == CANH_OK)
        return CANH_OK;
    /* No severity: a continuation chunk, "[3-2] #011FROM t". */
    canh_rd_t r2 = canh_rd(msg);
    canh_str_t tok = canh_rd_word(&r2), a, b;
    if (pg_bracket_num(tok, &a, &b)) {
        canh_rd_spaces(&r2);
        msg = canh_rd_rest(&r2);
    }
    ev->decoder = CANH_DEC_POSTGRESQL;
    ev->flags |= CANH_EVF_PARTIAL;
    if (msg.n)
        canh_event_set(ev, CANH_F_MESSAGE, msg);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "database");
    return CANH_OK;
}

/* ---- jsonlog ------------------------------------------------------------------- */

/* A string or integer member, copied into the arena; absent otherwise. */
static canh_str_t jstr(canh_event_t *ev, json_t *root, const char *key)
{
    json_t *v = json_object_get(root, key);
    char tmp[24];
    const char *p;
    size_t n;
    if (json_is_string(v)) {
        p = json_string_value(v);
        n = json_string_length(v);
    } else if (json_is_integer(v)) {
        int k = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (k <= 0 || (size_t)k >= sizeof tmp)
            return CANH_STR_NULL;
        p = tmp;
        n = (size_t)k;
    } else {
        return CANH_STR_NULL;
    }
    char *c = canh_event_strdup(ev, p, n);
    return c ? canh_str(c, n) : CANH_STR_NULL;
}

int canh_dec_json_postgresql(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    if (!json_is_object(root))
        return CANH_ENOMATCH;
    json_t *jts = json_object_get(root, "timestamp");
    json_t *jsev = json_object_get(root, "error_severity");
    if (!json_is_string(jts) || !json_is_string(jsev))
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_POSTGRESQL;
    canh_rd_t tr = canh_rd(canh_str(json_string_value(jts), json_string_length(jts)));
    if (!pg_time(d, &tr, ev, true) || !canh_rd_eof(&tr))
        ev->flags |= CANH_EVF_BAD_TIME;
    pg_user(ev, jstr(ev, root, "user"));
    pg_db(ev, jstr(ev, root, "dbname"));
    set_long(ev, CANH_F_PROCESS_PID, jstr(ev, root, "pid"));
    canh_str_t host = jstr(ev, root, "remote_host");
    if (host.p)
        pg_client(ev, host);
    set_long(ev, CANH_F_SOURCE_PORT, jstr(ev, root, "remote_port"));
    canh_str_t state = jstr(ev, root, "state_code");
    add_kv(ev, "postgresql.log.sql_state_code", state, CANH_FT_KEYWORD);
    static const struct {
        const char *json;
        const char *key;
        canh_ftype_t type;
    } extra[] = {
        {"session_id", "postgresql.log.session_id", CANH_FT_KEYWORD},
        {"line_num", "postgresql.log.session_line_number", CANH_FT_LONG},
        {"ps", "postgresql.log.command_tag", CANH_FT_KEYWORD},
        {"session_start", "postgresql.log.session_start_time", CANH_FT_KEYWORD},
        {"vxid", "postgresql.log.virtual_transaction_id", CANH_FT_KEYWORD},
        {"txid", "postgresql.log.transaction_id", CANH_FT_LONG},
        {"detail", "postgresql.log.detail", CANH_FT_KEYWORD},
        {"hint", "postgresql.log.hint", CANH_FT_KEYWORD},
        {"internal_query", "postgresql.log.internal_query", CANH_FT_KEYWORD},
        {"context", "postgresql.log.context", CANH_FT_KEYWORD},
        {"application_name", "postgresql.log.application_name", CANH_FT_KEYWORD},
        {"backend_type", "postgresql.log.backend_type", CANH_FT_KEYWORD},
        {"leader_pid", "postgresql.log.leader_pid", CANH_FT_LONG},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        add_kv(ev, extra[i].key, jstr(ev, root, extra[i].json), extra[i].type);
    canh_str_t qid = jstr(ev, root, "query_id");
    if (qid.n && !canh_str_eq_c(qid, "0"))
        add_kv(ev, "postgresql.log.query_id", qid, CANH_FT_KEYWORD);
    canh_str_t level = jstr(ev, root, "error_severity");
    canh_str_t msg = jstr(ev, root, "message");
    pg_message(d, ev, level, msg.p ? msg : canh_str("", 0));
    canh_str_t stmt = jstr(ev, root, "statement");
    add_kv(ev, "postgresql.log.query", stmt, CANH_FT_KEYWORD);
    if (stmt.n && !canh_event_has(ev, CANH_F_DB_STATEMENT))
        canh_event_set(ev, CANH_F_DB_STATEMENT, stmt);
    if (state.n && !canh_str_eq_c(state, "00000"))
        canh_event_set(ev, CANH_F_ERROR_CODE, state);
    return CANH_OK;
}
