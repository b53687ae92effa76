/* decode_mysql.c - MySQL and MariaDB server logs.
 *
 * - The error log: MySQL 8.0 "2024-01-15T10:00:00.123456Z 8 [Note]
 *   [MY-010926] [Server] msg", 5.7 (no code or subsystem), MariaDB 10.x
 *   "2024-01-15 10:00:00 0 [Note] msg" (hour may be space-padded), and the
 *   old 5.5 "240115 10:00:00 [Warning] msg".
 * - The general query log: "TIME<TAB>   ID Command<TAB>argument", and its
 *   lines without a time ("ID Command<TAB>argument") in the 5.x form.
 * - The slow query log's header lines ("# Time:", "# User@Host:",
 *   "# Query_time:", "# Thread_id:", "SET timestamp=N;"). Each is decoded
 *   on its own as a partial event; the statement lines that follow are not
 *   reassembled with them.
 * - The message part of syslog lines from mysqld/mariadbd.
 *
 * Detection: after a timestamp an error-log line must carry an optional
 * thread id and a bracketed known severity, and a general-log line a TAB, a
 * thread id and a known command, so ISO-stamped syslog lines are not
 * claimed. */
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_db.h"
#include "decode_int.h"

static const canh_pat_rule_t my_rules[] = {
    {"Access denied for user '{user.name}'@'{source.ip}' to database '{db.name}'*",
     "db_access_denied", "failure", "database", "denied"},
    {"Access denied for user '{user.name}'@'{source.address}' to database '{db.name}'*",
     "db_access_denied", "failure", "database", "denied"},
    {"Access denied for user '{user.name}'@'{source.ip}' (using password: "
     "{mysql.auth.using_password})*",
     "db_login_failed", "failure", "authentication", "start"},
    {"Access denied for user '{user.name}'@'{source.address}' (using password: "
     "{mysql.auth.using_password})*",
     "db_login_failed", "failure", "authentication", "start"},
    {"Access denied for user '{user.name}'@'{source.ip}'*", "db_login_failed", "failure",
     "authentication", "start"},
    {"Access denied for user '{user.name}'@'{source.address}'*", "db_login_failed", "failure",
     "authentication", "start"},
    {"Aborted connection {mysql.connection_id} to db: '{db.name}' user: '{user.name}' host: "
     "'{source.ip}' ({error.message})*",
     "db_connection_aborted", "failure", "database", "connection"},
    {"Aborted connection {mysql.connection_id} to db: '{db.name}' user: '{user.name}' host: "
     "'{source.address}' ({error.message})*",
     "db_connection_aborted", "failure", "database", "connection"},
    {"Host '{source.ip}' is blocked because of many connection errors*", "db_host_blocked",
     "failure", "network", "denied"},
    {"Host '{source.address}' is blocked because of many connection errors*", "db_host_blocked",
     "failure", "network", "denied"},
    {"Host '{source.ip}' is not allowed to connect to this * server*", "db_login_failed", "failure",
     "authentication", "start"},
    {"Host '{source.address}' is not allowed to connect to this * server*", "db_login_failed",
     "failure", "authentication", "start"},
    {"{-}: ready for connections*", "db_started", NULL, "database", "start"},
    {"{-}: Shutdown complete*", "db_stopped", NULL, "database", "end"},
};

typedef struct my_state {
    canh_patset_t *msgs;
} my_state_t;

static void my_fini(void *state)
{
    my_state_t *st = state;
    if (!st)
        return;
    canh_patset_destroy(st->msgs);
    canh_free(st);
}

static int my_init(void **state, canh_errbuf_t *eb)
{
    my_state_t *st = canh_calloc(1, sizeof *st);
    if (!st)
        return CANH_ENOMEM;
    int rc = canh_patset_compile(my_rules, sizeof my_rules / sizeof my_rules[0], &st->msgs, eb);
    if (rc != CANH_OK) {
        canh_free(st);
        return rc;
    }
    *state = st;
    return CANH_OK;
}

const canh_decode_mod_t canh_mod_MYSQL = {my_init, my_fini};

/* ---- helpers ------------------------------------------------------------------ */



/* "2.000123" seconds into nanoseconds. */
static bool sec_to_ns(canh_str_t s, int64_t *out)
{
    return canh_str_to_scaled(s, CANH_NS_PER_SEC, 9, out) == CANH_OK;
}

static bool is_decimal(canh_str_t s)
{
    int64_t ns;
    return sec_to_ns(s, &ns);
}

static void set_host(canh_event_t *ev, canh_str_t host)
{
    if (host.n == 0)
        return;
    if (canh_str_is_ip(host))
        canh_event_set(ev, CANH_F_SOURCE_IP, host);
    else
        canh_event_set(ev, CANH_F_SOURCE_ADDRESS, host);
}

static void common(canh_event_t *ev)
{
    ev->decoder = CANH_DEC_MYSQL;
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "database");
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
}

/* Reads a timestamp at r: "YYYY-MM-DD[T ]HH:MM:SS[.f][zone]" (the hour may be
 * space-padded, as MariaDB writes it) or the old "YYMMDD HH:MM:SS" / "YYMMDD
 * H:MM:SS". Sets @timestamp; false with r unmoved otherwise. */
static bool my_time(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev)
{
    canh_str_t s = canh_rd_rest(r);
    char buf[48];
    size_t n;
    canh_time_t t;
    size_t used;
    if (s.n >= 19 && s.p[4] == '-' && s.p[7] == '-') {
        n = s.n < sizeof buf ? s.n : sizeof buf;
        memcpy(buf, s.p, n);
        if ((buf[10] == ' ' || buf[10] == 'T') && buf[11] == ' ' && canh_is_digit(buf[12]) &&
            buf[13] == ':')
            buf[11] = '0';
    } else if (s.n >= 14 && s.p[6] == ' ') {
        /* "240115 10:00:00", "240115  9:05:03": rebuilt as ISO text. */
        for (size_t i = 0; i < 6; i++)
            if (!canh_is_digit((unsigned char)s.p[i]))
                return false;
        size_t h = s.p[7] == ' ' ? 8 : 7;
        size_t tl = h < s.n && s.p[h + 1] == ':' ? 7 : 8;
        if (s.n < h + tl || !canh_is_digit((unsigned char)s.p[h]))
            return false;
        int k = snprintf(buf, sizeof buf, "20%.2s-%.2s-%.2s %s%.*s", s.p, s.p + 2, s.p + 4,
                         tl == 7 ? "0" : "", (int)tl, s.p + h);
        if (k != 19 || canh_time_parse_iso8601(canh_str(buf, 19), &d->tref, &t, &used) != CANH_OK ||
            used != 19)
            return false;
        canh_rd_skip(r, h + tl);
        canh_event_set_ts(ev, t);
        return true;
    } else {
        return false;
    }
    if (canh_time_parse_iso8601(canh_str(buf, n), &d->tref, &t, &used) != CANH_OK)
        return false;
    canh_rd_skip(r, used);
    canh_event_set_ts(ev, t);
    return true;
}

/* ---- error log -------------------------------------------------------------------- */

static const char *const my_levels[] = {"Note",   "Warning", "ERROR", "Error",
                                        "System", "Info",    "Debug", "Warn"};

static bool my_level(canh_str_t s)
{
    for (size_t i = 0; i < sizeof my_levels / sizeof my_levels[0]; i++)
        if (canh_str_eq_c(s, my_levels[i]))
            return true;
    return false;
}

/* Classifies an error-log message (or a general-log Connect argument). */
static bool my_message(const canh_decode_t *d, canh_event_t *ev, canh_str_t msg)
{
    const my_state_t *st = canh_dec_state(d, CANH_DEC_MYSQL);
    if (!st || canh_patset_match(st->msgs, msg, ev) < 0)
        return false;
    /* Placeholders MySQL writes for a connection that never logged in. */
    if (canh_str_eq_c(canh_event_get(ev, CANH_F_DB_NAME), "unconnected"))
        canh_event_unset(ev, CANH_F_DB_NAME);
    if (canh_str_eq_c(canh_event_get(ev, CANH_F_USER_NAME), "unauthenticated"))
        canh_event_unset(ev, CANH_F_USER_NAME);
    if (canh_event_has(ev, CANH_F_USER_NAME))
        canh_event_set(ev, CANH_F_DB_USER, canh_event_get(ev, CANH_F_USER_NAME));
    return true;
}

/* After the timestamp: "[ID ][Level] [MY-code] [Subsystem] message".
 * need_level: the severity must be there (every form but the old 5.5 one,
 * which may have none: "240115 10:00:00  InnoDB: ..."). need_thread: the
 * thread id must be there (year-first stamps: 5.6+ and MariaDB 10 always
 * write it, and requiring it keeps "DATE TIME [Level] text" logs of other
 * programs out). */
static int my_error(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev, bool need_level,
                    bool need_thread)
{
    canh_rd_spaces(r);
    canh_rd_t save = *r;
    uint64_t tid;
    size_t s = r->off;
    canh_str_t thread = CANH_STR_NULL;
    if (canh_rd_uint(r, 20, &tid) && canh_rd_char(r, ' ')) {
        thread = canh_str(r->p + s, r->off - s - 1);
    } else {
        *r = save;
    }
    canh_str_t level = CANH_STR_NULL;
    if (canh_rd_peek(r, 0) == '[') {
        canh_rd_t lr = *r;
        canh_str_t w;
        canh_rd_skip(&lr, 1);
        if (canh_rd_until(&lr, ']', &w) && my_level(w)) {
            level = w;
            *r = lr;
        }
    }
    if ((!level.p && need_level) || (!thread.p && need_thread))
        return CANH_ENOMATCH;
    if (!level.p && thread.p)
        return CANH_ENOMATCH;
    common(ev);
    if (thread.p)
        canh_event_add(ev, canh_str_c("mysql.thread_id"), thread, CANH_FT_LONG);
    if (level.p)
        canh_event_set(ev, CANH_F_LOG_LEVEL, level);
    canh_rd_spaces(r);
    /* MySQL 8.0: "[MY-010926] [Server] " */
    if (canh_rd_peek(r, 0) == '[' && canh_rd_peek(r, 1) == 'M' && canh_rd_peek(r, 2) == 'Y' &&
        canh_rd_peek(r, 3) == '-') {
        canh_rd_t cr = *r;
        canh_str_t code, sub;
        canh_rd_skip(&cr, 1);
        if (canh_rd_until(&cr, ']', &code) && code.n < 16) {
            canh_event_set(ev, CANH_F_ERROR_CODE, code);
            *r = cr;
            canh_rd_spaces(r);
            cr = *r;
            if (canh_rd_char(&cr, '[') && canh_rd_until(&cr, ']', &sub) && sub.n < 32) {
                canh_event_add(ev, canh_str_c("mysql.error.subsystem"), sub, CANH_FT_KEYWORD);
                *r = cr;
                canh_rd_spaces(r);
            }
        }
    }
    canh_str_t msg = canh_str_trim(canh_rd_rest(r));
    if (msg.n)
        canh_event_set(ev, CANH_F_MESSAGE, msg);
    if (!my_message(d, ev, msg)) {
        if (level.p && (canh_str_eq_c(level, "ERROR") || canh_str_eq_c(level, "Error")))
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, "error");
        else
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    }
    return CANH_OK;
}

/* ---- general query log ------------------------------------------------------------ */

static const char *const my_commands[] = {
    "Query",
    "Connect",
    "Quit",
    "Init DB",
    "Execute",
    "Prepare",
    "Close stmt",
    "Field List",
    "Statistics",
    "Ping",
    "Shutdown",
    "Change user",
    "Binlog Dump",
    "Binlog Dump GTID",
    "Processlist",
    "Kill",
    "Refresh",
    "Create DB",
    "Drop DB",
    "Debug",
    "Time",
    "Delayed insert",
    "Table Dump",
    "Connect Out",
    "Register Slave",
    "Long Data",
    "Reset stmt",
    "Set option",
    "Fetch",
    "Daemon",
    "Reset Connection",
    "Sleep",
    "Error",
};

static bool my_command(canh_str_t s)
{
    for (size_t i = 0; i < sizeof my_commands / sizeof my_commands[0]; i++)
        if (canh_str_eq_c(s, my_commands[i]))
            return true;
    return false;
}

/* "root@localhost on mydb using Socket", "root@10.0.0.5 as anonymous on " */
static void my_connect(const canh_decode_t *d, canh_event_t *ev, canh_str_t arg)
{
    if (canh_str_starts(arg, "Access denied")) {
        if (!my_message(d, ev, arg))
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
        return;
    }
    canh_rd_t r = canh_rd(arg);
    canh_str_t who = canh_rd_word(&r);
    ptrdiff_t at = -1;
    for (size_t i = 0; i < who.n; i++)
        if (who.p[i] == '@')
            at = (ptrdiff_t)i;
    if (at < 0)
        return;
    canh_str_t user = canh_str(who.p, (size_t)at);
    if (user.n) {
        canh_event_set(ev, CANH_F_USER_NAME, user);
        canh_event_set(ev, CANH_F_DB_USER, user);
    }
    set_host(ev, canh_str_sub(who, (size_t)at + 1, who.n));
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_login");
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "success");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "authentication");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "start");
    canh_str_t rest = canh_rd_rest(&r);
    ptrdiff_t on = canh_str_find_c(rest, " on ");
    if (on < 0)
        return;
    rest = canh_str_sub(rest, (size_t)on + 4, rest.n);
    ptrdiff_t using = canh_str_find_c(rest, " using ");
    canh_str_t db = using >= 0 ? canh_str(rest.p, (size_t) using) : rest;
    db = canh_str_trim(db);
    if (db.n && canh_str_chr(db, ' ') < 0)
        canh_event_set(ev, CANH_F_DB_NAME, db);
    if (using >= 0) {
        canh_str_t how = canh_str_trim(canh_str_sub(rest, (size_t) using + 7, rest.n));
        if (how.n)
            canh_event_add(ev, canh_str_c("mysql.connection_type"), how, CANH_FT_KEYWORD);
    }
}

/* "   12 Query<TAB>SELECT 1" (r at the thread id, spaces allowed before). */
static int my_general(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev)
{
    canh_rd_spaces(r);
    size_t s = r->off;
    uint64_t tid;
    if (!canh_rd_uint(r, 20, &tid))
        return CANH_ENOMATCH;
    canh_str_t thread = canh_str(r->p + s, r->off - s);
    if (!canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    canh_str_t cmd, arg = CANH_STR_NULL;
    if (!canh_rd_until(r, '\t', &cmd)) {
        cmd = canh_rd_rest(r);
        r->off = r->n;
    } else {
        arg = canh_rd_rest(r);
    }
    if (!my_command(cmd))
        return CANH_ENOMATCH;
    common(ev);
    canh_event_add(ev, canh_str_c("mysql.thread_id"), thread, CANH_FT_LONG);
    canh_event_add(ev, canh_str_c("mysql.command"), cmd, CANH_FT_KEYWORD);
    arg = canh_str_trim(arg);
    if (arg.n)
        canh_event_set(ev, CANH_F_MESSAGE, arg);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    if (canh_str_eq_c(cmd, "Query") || canh_str_eq_c(cmd, "Execute") ||
        canh_str_eq_c(cmd, "Prepare")) {
        if (arg.n)
            canh_event_set(ev, CANH_F_DB_STATEMENT, arg);
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_query");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "access");
    } else if (canh_str_eq_c(cmd, "Connect")) {
        my_connect(d, ev, arg);
    } else if (canh_str_eq_c(cmd, "Init DB")) {
        if (arg.n)
            canh_event_set(ev, CANH_F_DB_NAME, arg);
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_change_database");
    } else if (canh_str_eq_c(cmd, "Quit")) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_logout");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "authentication");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "end");
    }
    return CANH_OK;
}

/* ---- slow query log --------------------------------------------------------------- */

/* "# User@Host: root[root] @ localhost [127.0.0.1]  Id: 12" */
static void my_userhost(canh_event_t *ev, canh_str_t s)
{
    canh_rd_t r = canh_rd(s);
    canh_str_t user, cur, host, ip;
    if (!canh_rd_until(&r, '[', &user))
        return;
    user = canh_str_trim(user);
    if (user.n) {
        canh_event_set(ev, CANH_F_USER_NAME, user);
        canh_event_set(ev, CANH_F_DB_USER, user);
    }
    if (!canh_rd_until(&r, ']', &cur))
        return;
    if (cur.n)
        canh_event_add(ev, canh_str_c("mysql.slowlog.current_user"), cur, CANH_FT_KEYWORD);
    canh_rd_spaces(&r);
    if (!canh_rd_char(&r, '@'))
        return;
    canh_rd_spaces(&r);
    size_t hs = r.off;
    while (r.off < r.n && r.p[r.off] != ' ' && r.p[r.off] != '[')
        r.off++;
    host = canh_str(r.p + hs, r.off - hs);
    if (host.n) {
        if (canh_str_is_ip(host))
            canh_event_set(ev, CANH_F_SOURCE_IP, host);
        else
            canh_event_set(ev, CANH_F_SOURCE_DOMAIN, host);
    }
    canh_rd_spaces(&r);
    if (canh_rd_char(&r, '[') && canh_rd_until(&r, ']', &ip) && canh_str_is_ip(ip))
        canh_event_set(ev, CANH_F_SOURCE_IP, ip);
    canh_str_t rest = canh_rd_rest(&r);
    ptrdiff_t id = canh_str_find_c(rest, "Id:");
    if (id >= 0) {
        canh_rd_t ir = canh_rd(canh_str_sub(rest, (size_t)id + 3, rest.n));
        canh_rd_spaces(&ir);
        canh_str_t v = canh_rd_word(&ir);
        if (canh_str_is_uint(v))
            canh_event_add(ev, canh_str_c("mysql.thread_id"), v, CANH_FT_LONG);
    }
}

/* "Key: value  Key: value ..." pairs of the "# Query_time:" and MariaDB's
 * "# Thread_id:" lines. */
static void my_pairs(canh_event_t *ev, canh_str_t s)
{
    canh_rd_t r = canh_rd(s);
    for (int guard = 0; guard < 32 && !canh_rd_eof(&r); guard++) {
        canh_rd_spaces(&r);
        canh_str_t key = canh_rd_word(&r);
        if (key.n < 2 || key.p[key.n - 1] != ':')
            continue;
        key.n--;
        canh_rd_spaces(&r);
        canh_str_t val = canh_rd_word(&r);
        if (val.n == 0 || key.n > 40)
            continue;
        if (canh_str_eq_c(key, "Query_time")) {
            int64_t ns;
            if (sec_to_ns(val, &ns))
                canh_event_set_i64(ev, CANH_F_EVENT_DURATION, ns);
            continue;
        }
        if (canh_str_eq_c(key, "Thread_id") || canh_str_eq_c(key, "Id")) {
            if (canh_str_is_uint(val))
                canh_event_add(ev, canh_str_c("mysql.thread_id"), val, CANH_FT_LONG);
            continue;
        }
        if (canh_str_eq_c(key, "Schema")) {
            canh_event_set(ev, CANH_F_DB_NAME, val);
            continue;
        }
        char name[64];
        int nn = snprintf(name, sizeof name, "mysql.slowlog.%.*s", (int)key.n, key.p);
        if (nn <= 0 || (size_t)nn >= sizeof name)
            continue;
        for (int i = 14; i < nn; i++)
            if (name[i] >= 'A' && name[i] <= 'Z')
                name[i] = (char)(name[i] - 'A' + 'a');
        canh_ftype_t t = canh_str_is_uint(val)   ? CANH_FT_LONG
                         : is_decimal(val) ? CANH_FT_DOUBLE
                                           : CANH_FT_KEYWORD;
        char *k = canh_event_strdup(ev, name, (size_t)nn);
        if (k)
            canh_event_add(ev, canh_str(k, (size_t)nn), val, t);
    }
}

static int my_slow(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    canh_rd_t r = canh_rd(rec);
    if (canh_rd_lit(&r, "# Time: ")) {
        canh_rd_spaces(&r);
        if (!my_time(d, &r, ev))
            return CANH_ENOMATCH;
    } else if (canh_rd_lit(&r, "# User@Host: ")) {
        my_userhost(ev, canh_rd_rest(&r));
        if (!canh_event_has(ev, CANH_F_USER_NAME) && !canh_event_has(ev, CANH_F_SOURCE_IP))
            return CANH_ENOMATCH;
    } else if (canh_rd_lit(&r, "# Query_time: ") || canh_rd_lit(&r, "# Thread_id: ")) {
        my_pairs(ev, canh_str_sub(rec, 2, rec.n));
        if (canh_str_starts(rec, "# Query_time"))
            canh_event_set_c(ev, CANH_F_EVENT_ACTION, "db_slow_query");
    } else {
        return CANH_ENOMATCH;
    }
    common(ev);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}

/* "SET timestamp=1705312800;" of the slow log. */
static int my_set_ts(canh_str_t rec, canh_event_t *ev)
{
    canh_rd_t r = canh_rd(rec);
    canh_time_t t;
    size_t used;
    if (!canh_rd_lit(&r, "SET timestamp=") ||
        canh_time_parse_epoch(canh_rd_rest(&r), &t, &used) != CANH_OK)
        return CANH_ENOMATCH;
    canh_rd_skip(&r, used);
    if (!canh_rd_char(&r, ';') || !canh_rd_eof(&r))
        return CANH_ENOMATCH;
    canh_event_set_ts(ev, t);
    common(ev);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}

/* ---- entry points ------------------------------------------------------------------ */

int canh_dec_mysql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    if (rec.n < 8)
        return CANH_ENOMATCH;
    unsigned char c = (unsigned char)rec.p[0];
    if (c == '#')
        return my_slow(d, rec, ev);
    if (c == 'S')
        return my_set_ts(rec, ev);
    if (!canh_is_digit(c))
        return CANH_ENOMATCH;
    canh_rd_t r = canh_rd(rec);
    if (!my_time(d, &r, ev)) {
        /* A general-log line without its time: "12 Query<TAB>SELECT 1". */
        return my_general(d, &r, ev);
    }
    bool old = rec.p[4] != '-';
    int nx = canh_rd_peek(&r, 0);
    if (nx == '\t')
        return my_general(d, &r, ev);
    if (nx != ' ')
        return CANH_ENOMATCH;
    return my_error(d, &r, ev, !old, !old);
}

int canh_prog_mysql(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev)
{
    (void)h;
    canh_rd_t r = canh_rd(msg);
    if (msg.n && canh_is_digit((unsigned char)msg.p[0]))
        my_time(d, &r, ev);
    canh_rd_t save = r;
    if (my_error(d, &r, ev, true, false) == CANH_OK)
        return CANH_OK;
    r = save;
    if (my_error(d, &r, ev, false, false) != CANH_OK) {
        common(ev);
        canh_str_t m = canh_str_trim(canh_rd_rest(&save));
        if (m.n)
            canh_event_set(ev, CANH_F_MESSAGE, m);
    }
    if (!canh_event_has(ev, CANH_F_EVENT_ACTION))
        ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}
