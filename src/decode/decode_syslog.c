/* decode_syslog.c - the syslog header (RFC 3164, RFC 5424, and the
 * header-less "prog[pid]: msg" form) and dispatch to program decoders. */
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_int.h"

const canh_decode_mod_t canh_mod_GENERIC = {NULL, NULL};
const canh_decode_mod_t canh_mod_SYSLOG = {NULL, NULL};

static const char *const facility_names[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
static const char *const severity_names[8] = {"emergency", "alert",   "critical", "error",
                                              "warning",   "notice",  "informational",
                                              "debug"};

static const char *const digit_str[] = {"0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",
                                        "8",  "9",  "10", "11", "12", "13", "14", "15",
                                        "16", "17", "18", "19", "20", "21", "22", "23"};

/* "<PRI>": 1-3 digits, value <= 191. */
static bool read_pri(canh_rd_t *r, canh_event_t *ev)
{
    canh_rd_t save = *r;
    uint64_t pri;
    if (!canh_rd_char(r, '<') || !canh_rd_uint(r, 3, &pri) || !canh_rd_char(r, '>') || pri > 191) {
        *r = save;
        return false;
    }
    unsigned fac = (unsigned)pri >> 3, sev = (unsigned)pri & 7;
    canh_event_set_c(ev, CANH_F_LOG_SYSLOG_FACILITY_CODE, digit_str[fac]);
    canh_event_set_c(ev, CANH_F_LOG_SYSLOG_FACILITY_NAME, facility_names[fac]);
    canh_event_set_c(ev, CANH_F_LOG_SYSLOG_SEVERITY_CODE, digit_str[sev]);
    canh_event_set_c(ev, CANH_F_LOG_SYSLOG_SEVERITY_NAME, severity_names[sev]);
    return true;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == ':' || c == '@';
}

static bool tag_char(char c)
{
    return c != ' ' && c != '\t' && c != '[' && c != ':' && c != '\0';
}

/* Reads "TAG[PID]:" / "TAG:" / "TAG[PID]" at r. require_colon: the bare form
 * needs the colon to tell a tag from ordinary text. */
static bool read_tag(canh_rd_t *r, canh_syslog_hdr_t *h, bool require_colon)
{
    canh_rd_t save = *r;
    size_t s = r->off;
    while (r->off < r->n && tag_char(r->p[r->off]) && r->off - s < 64)
        r->off++;
    canh_str_t tag = canh_str(r->p + s, r->off - s);
    canh_str_t pid = CANH_STR_NULL;
    if (tag.n == 0)
        goto fail;
    if (canh_rd_char(r, '[')) {
        if (!canh_rd_until(r, ']', &pid) || pid.n == 0 || pid.n > 20)
            goto fail;
    }
    bool colon = canh_rd_char(r, ':');
    if (!colon && (require_colon || !pid.p)) {
        /* "proftpd[25530] host.example (...)": a pid without a colon is still a tag. */
        goto fail;
    }
    if (colon && r->off < r->n && r->p[r->off] != ' ' && r->p[r->off] != '\t')
        goto fail; /* "a:b" is not a tag */
    canh_rd_spaces(r);
    h->program = tag;
    h->pid = pid;
    return true;
fail:
    *r = save;
    return false;
}

static void set_header(const canh_syslog_hdr_t *h, canh_event_t *ev)
{
    if (h->host.p) {
        canh_event_set(ev, CANH_F_HOST_HOSTNAME, h->host);
        canh_event_set(ev, CANH_F_HOST_NAME, h->host);
    }
    if (h->program.p) {
        canh_str_t name = h->program;
        /* "/usr/sbin/cron" -> process.executable + process.name "cron" */
        ptrdiff_t slash = -1;
        for (size_t i = 0; i < name.n; i++)
            if (name.p[i] == '/')
                slash = (ptrdiff_t)i;
        if (slash >= 0 && name.p[0] == '/') {
            canh_event_set(ev, CANH_F_PROCESS_EXECUTABLE, name);
            name = canh_str_sub(name, (size_t)slash + 1, name.n);
        }
        canh_event_set(ev, CANH_F_PROCESS_NAME, name);
        canh_event_set(ev, CANH_F_LOG_SYSLOG_APPNAME, h->program);
    }
    if (h->pid.p) {
        uint64_t pid;
        if (canh_str_to_u64(h->pid, UINT32_MAX, &pid) == CANH_OK)
            canh_event_set(ev, CANH_F_PROCESS_PID, h->pid);
        canh_event_set(ev, CANH_F_LOG_SYSLOG_PROCID, h->pid);
    }
}

/* Solaris adds "[ID 295310 daemon.notice] " before the message. */
static canh_str_t strip_solaris_id(canh_str_t msg)
{
    if (msg.n > 4 && memcmp(msg.p, "[ID ", 4) == 0) {
        ptrdiff_t e = canh_str_chr(msg, ']');
        if (e > 0 && e < 64) {
            msg = canh_str_sub(msg, (size_t)e + 1, msg.n);
            while (msg.n && msg.p[0] == ' ') {
                msg.p++;
                msg.n--;
            }
        }
    }
    return msg;
}

/* The message part: hand it to a program decoder or an embedded format. */
static void dispatch(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                     canh_event_t *ev)
{
    msg = strip_solaris_id(msg);
    canh_str_t tmsg = canh_str_trim(msg);
    canh_event_set(ev, CANH_F_MESSAGE, tmsg);
    ev->decoder = CANH_DEC_SYSLOG;
    if (tmsg.n >= 4 && memcmp(tmsg.p, "CEF:", 4) == 0) {
        canh_time_t ts = ev->ts;
        uint32_t flags = ev->flags;
        if (canh_dec_cef(d, tmsg, ev) == CANH_OK) {
            if (!(flags & CANH_EVF_NO_TIME) && (ev->flags & CANH_EVF_NO_TIME)) {
                ev->ts = ts;
                ev->flags &= ~(uint32_t)CANH_EVF_NO_TIME;
            }
            return;
        }
        ev->decoder = CANH_DEC_SYSLOG;
    }
    if (tmsg.n >= 2 && tmsg.p[0] == '{') {
        canh_time_t ts = ev->ts;
        uint32_t flags = ev->flags;
        ev->flags |= CANH_EVF_NO_TIME;
        if (canh_dec_json(d, tmsg, ev) == CANH_OK) {
            if ((ev->flags & CANH_EVF_NO_TIME) && !(flags & CANH_EVF_NO_TIME)) {
                ev->ts = ts;
                ev->flags &= ~(uint32_t)CANH_EVF_NO_TIME;
            }
            return;
        }
        ev->flags = flags;
        ev->decoder = CANH_DEC_SYSLOG;
    }
    int id;
    canh_prog_fn fn = canh_prog_lookup(h->program, &id);
    if (fn && fn(d, h, tmsg, ev) == CANH_OK)
        ev->decoder = (uint16_t)id;
}

/* RFC 5424: "1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG". */
static int decode_5424(const canh_decode_t *d, canh_rd_t *r, canh_event_t *ev)
{
    canh_str_t ver = canh_rd_word(r), ts, host, app, procid, msgid;
    if (!canh_str_eq_c(ver, "1") || !canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    ts = canh_rd_word(r);
    if (!canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    host = canh_rd_word(r);
    if (!canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    app = canh_rd_word(r);
    if (!canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    procid = canh_rd_word(r);
    if (!canh_rd_char(r, ' '))
        return CANH_ENOMATCH;
    msgid = canh_rd_word(r);
    if (!ts.n || !host.n || !app.n || !procid.n || !msgid.n)
        return CANH_ENOMATCH;
    canh_event_set_c(ev, CANH_F_LOG_SYSLOG_VERSION, "1");
    if (!canh_str_eq_c(ts, "-"))
        canh_dec_set_time(d, ts, ev);
    canh_syslog_hdr_t h = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL};
    if (!canh_str_eq_c(host, "-"))
        h.host = host;
    if (!canh_str_eq_c(app, "-"))
        h.program = app;
    if (!canh_str_eq_c(procid, "-"))
        h.pid = procid;
    if (!canh_str_eq_c(msgid, "-"))
        canh_event_set(ev, CANH_F_LOG_SYSLOG_MSGID, msgid);
    set_header(&h, ev);
    /* Structured data: "-" or one or more [id k="v" ...]. Each parameter
     * becomes log.syslog.structured_data.<id>.<k> (value copied, escapes
     * \" \\ \] resolved). */
    canh_rd_char(r, ' ');
    if (canh_rd_char(r, '-')) {
        /* no structured data */
    } else {
        while (canh_rd_peek(r, 0) == '[') {
            canh_rd_skip(r, 1);
            size_t s = r->off;
            while (r->off < r->n && r->p[r->off] != ' ' && r->p[r->off] != ']')
                r->off++;
            canh_str_t sdid = canh_str(r->p + s, r->off - s);
            while (canh_rd_char(r, ' ')) {
                canh_str_t key;
                if (!canh_rd_until(r, '=', &key) || canh_rd_peek(r, 0) != '"')
                    return CANH_ENOMATCH;
                canh_rd_skip(r, 1);
                char *val = canh_arena_alloc(&ev->arena, canh_rd_left(r) + 1);
                size_t vn = 0;
                bool closed = false;
                while (r->off < r->n) {
                    char c = r->p[r->off++];
                    if (c == '\\' && r->off < r->n &&
                        (r->p[r->off] == '"' || r->p[r->off] == '\\' || r->p[r->off] == ']')) {
                        c = r->p[r->off++];
                    } else if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (val)
                        val[vn++] = c;
                }
                if (!closed)
                    return CANH_ENOMATCH;
                char name[CANH_MAX_FIELD_NAME];
                int nn = snprintf(name, sizeof name, "log.syslog.structured_data.%.*s.%.*s",
                                  (int)sdid.n, sdid.p, (int)key.n, key.p);
                if (val && nn > 0 && (size_t)nn < sizeof name)
                    canh_event_add_copy(ev, canh_str(name, (size_t)nn), canh_str(val, vn),
                                        CANH_FT_KEYWORD);
            }
            if (!canh_rd_char(r, ']'))
                return CANH_ENOMATCH;
        }
    }
    canh_rd_char(r, ' ');
    canh_str_t msg = canh_rd_rest(r);
    /* A UTF-8 BOM may start the message. */
    if (msg.n >= 3 && memcmp(msg.p, "\xEF\xBB\xBF", 3) == 0)
        msg = canh_str_sub(msg, 3, msg.n);
    dispatch(d, &h, msg, ev);
    return CANH_OK;
}

int canh_dec_syslog(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    canh_rd_t r = canh_rd(rec);
    bool pri = read_pri(&r, ev);
    if (pri && canh_rd_peek(&r, 0) == '1' && canh_rd_peek(&r, 1) == ' ')
        return decode_5424(d, &r, ev);

    canh_time_t t;
    size_t used = 0;
    canh_str_t rest = canh_rd_rest(&r);
    bool have_ts = canh_time_parse_rfc3164(rest, &d->tref, &t, &used) == CANH_OK ||
                   canh_time_parse_iso8601(rest, &d->tref, &t, &used) == CANH_OK;
    if (have_ts) {
        canh_rd_skip(&r, used);
        if (canh_rd_spaces(&r) == 0 && !canh_rd_eof(&r))
            return CANH_ENOMATCH;
        canh_event_set_ts(ev, t);
    } else if (!pri) {
        return CANH_ENOMATCH;
    }

    canh_syslog_hdr_t h = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL};
    /* HOST TAG: or TAG: (no host) or HOST message-without-tag. */
    if (!read_tag(&r, &h, false)) {
        size_t s = r.off;
        while (r.off < r.n && host_char(r.p[r.off]))
            r.off++;
        if (r.off > s && (r.off == r.n || r.p[r.off] == ' ')) {
            h.host = canh_str(r.p + s, r.off - s);
            canh_rd_spaces(&r);
            read_tag(&r, &h, false);
        } else {
            r.off = s;
        }
    }
    if (!have_ts && !h.program.p)
        return CANH_ENOMATCH;
    set_header(&h, ev);
    dispatch(d, &h, canh_rd_rest(&r), ev);
    return CANH_OK;
}

int canh_dec_syslog_bare(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    canh_rd_t r = canh_rd(rec);
    canh_syslog_hdr_t h = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL};
    if (!read_tag(&r, &h, true)) {
        /* "host prog[pid]: msg": a header that lost its timestamp. Only
         * with a pid, which free text does not have. */
        size_t s = r.off;
        while (r.off < r.n && host_char(r.p[r.off]))
            r.off++;
        if (r.off == s || !canh_rd_char(&r, ' ') || !read_tag(&r, &h, true) || !h.pid.p)
            return CANH_ENOMATCH;
        h.host = canh_str(r.p + s, (size_t)(canh_str_chr(canh_str(r.p + s, r.n - s), ' ')));
    }
    /* Without a header, "word: text" is too common in free text to call it
     * syslog: require a pid or a program Canh knows. */
    int id;
    if (!h.pid.p && !canh_prog_lookup(h.program, &id))
        return CANH_ENOMATCH;
    set_header(&h, ev);
    dispatch(d, &h, canh_rd_rest(&r), ev);
    return CANH_OK;
}
