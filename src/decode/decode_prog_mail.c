/* decode_prog_mail.c - mail servers: postfix (every postfix/<daemon>),
 * dovecot, and the "mailserver" family (UW and Courier imapd/ipop3d,
 * Cyrus, vpopmail's vchkpw, SpamAssassin spamd, qmail-scanner, sendmail,
 * saslauthd).
 *
 * Field conventions: the SMTP/IMAP client is source.* (source.domain from
 * "host[ip]" when the name is not "unknown"), the server the client talked
 * to, or the relay postfix delivered to, destination.*; the mailbox user
 * user.name; envelope addresses email.from.address / email.to.address;
 * the SMTP reply code error.code; the server's own words event.reason.
 * postfix delivery lines ("QUEUEID: to=<..>, relay=.., status=sent (..)")
 * and dovecot's "key=value, ..." lists are read by hand, the rest by
 * tables. */
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define AUTHN "authentication"
#define NET "network"
#define MAIL "email"

/* "warning: x" -> "x", log.level "warning". */
static canh_str_t strip_level(canh_str_t msg, canh_str_t *level)
{
    static const char *const levels[] = {"warning", "error", "fatal", "panic"};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        size_t n = strlen(levels[i]);
        if (msg.n > n + 2 && memcmp(msg.p, levels[i], n) == 0 && msg.p[n] == ':' &&
            msg.p[n + 1] == ' ') {
            *level = canh_str(msg.p, n);
            return canh_str_sub(msg, n + 2, msg.n);
        }
    }
    *level = CANH_STR_NULL;
    return msg;
}

/* ==== postfix ================================================================ */

#define REJECT_HEAD                                                                                \
    "{postfix.queue_id}: reject: {postfix.smtp_command} from {source.domain}[{source.ip}]: "

static const canh_prule_t postfix_rules[] = {
    /* smtpd connections */
    {"connect from {source.domain}[{source.ip}]*", "smtp_connect", NULL, NET, "connection", NULL,
     0},
    {"disconnect from {source.domain}[{source.ip}]*", "smtp_disconnect", NULL, NET, "end", NULL, 0},
    {"lost connection after {postfix.smtp_command} from {source.domain}[{source.ip}]*",
     "smtp_lost_connection", "failure", NET, "end", "lost connection", 0},
    {"timeout after {postfix.smtp_command} from {source.domain}[{source.ip}]*", "smtp_timeout",
     "failure", NET, "end", "timeout", 0},
    {"too many errors after {postfix.smtp_command} from {source.domain}[{source.ip}]*",
     "smtp_too_many_errors", "failure", NET, "protocol", "too many errors", 0},
    {"improper command pipelining after {postfix.smtp_command} from "
     "{source.domain}[{source.ip}]*",
     "smtp_pipelining", "failure", NET, "protocol", "improper command pipelining", 0},
    /* SASL */
    {"{source.domain}[{source.ip}]: SASL {postfix.sasl_method} authentication failed: "
     "{event.reason}",
     "smtp_auth", "failure", AUTHN, "info", NULL, 0},
    {"{source.domain}[{source.ip}]: SASL {postfix.sasl_method} authentication failed*", "smtp_auth",
     "failure", AUTHN, "info", "authentication failed", 0},
    {"{postfix.queue_id}: client={source.domain}[{source.ip}], sasl_method={postfix.sasl_method}, "
     "sasl_username={user.name}, {-}",
     "smtp_auth", "success", AUTHN, "start", NULL, 0},
    {"{postfix.queue_id}: client={source.domain}[{source.ip}], sasl_method={postfix.sasl_method}, "
     "sasl_username={user.name}",
     "smtp_auth", "success", AUTHN, "start", NULL, 0},
    /* rejects */
    {REJECT_HEAD "{error.code} {postfix.dsn} {event.reason}; from=<{email.from.address}> "
                 "to=<{email.to.address}>*",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {REJECT_HEAD "{error.code} {postfix.dsn} {event.reason}; from=<{email.from.address}>*",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {REJECT_HEAD "{error.code} {postfix.dsn} {event.reason}; proto=*", "smtp_reject", "failure",
     MAIL, "denied", NULL, 0},
    {REJECT_HEAD "{event.reason}", "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {"{postfix.queue_id}: reject_warning: {postfix.smtp_command} from "
     "{source.domain}[{source.ip}]: {error.code} {postfix.dsn} {event.reason}; *",
     "smtp_reject_warning", NULL, MAIL, "info", NULL, 0},
    {"{postfix.queue_id}: reject: {postfix.smtp_command} from [{source.ip}]:{source.port}: "
     "{error.code} {postfix.dsn} {event.reason}; from=<{email.from.address}>, "
     "to=<{email.to.address}>*",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    /* queue */
    {"{postfix.queue_id}: client={source.domain}[{source.ip}]*", "mail_received", NULL, MAIL,
     "info", NULL, 0},
    {"{postfix.queue_id}: message-id=<{email.message_id}>*", "mail_cleanup", NULL, MAIL, "info",
     NULL, 0},
    {"{postfix.queue_id}: message-id={email.message_id}", "mail_cleanup", NULL, MAIL, "info", NULL,
     0},
    {"{postfix.queue_id}: removed", "mail_removed", "success", MAIL, "deletion", NULL, 0},
    {"{postfix.queue_id}: from=<{email.from.address}>, size={postfix.size}, nrcpt={-} (queue "
     "active)",
     "mail_queued", NULL, MAIL, "info", NULL, 0},
    {"{postfix.queue_id}: from=<{email.from.address}>, status=expired, returned to sender",
     "mail_expired", "failure", MAIL, "info", "expired, returned to sender", 0},
    {"{postfix.queue_id}: sender non-delivery notification: {-}", "mail_bounce_notification", NULL,
     MAIL, "info", NULL, 0},
    /* outbound connections */
    {"connect to {destination.domain}[{destination.ip}]:{destination.port}: {event.reason}",
     "smtp_connect_failed", "failure", NET, "connection", NULL, 0},
    {"connect to {destination.domain}[{destination.ip}]: {event.reason} (port "
     "{destination.port})",
     "smtp_connect_failed", "failure", NET, "connection", NULL, 0},
    /* TLS */
    {"{-} TLS connection established from {source.domain}[{source.ip}]: {tls.version} with cipher "
     "{tls.cipher}*",
     "smtp_tls", "success", NET, "protocol", NULL, 0},
    {"SSL_accept error from {source.domain}[{source.ip}]: {event.reason}", "smtp_tls", "failure",
     NET, "protocol", NULL, 0},
    {"hostname {source.domain} does not resolve to address {source.ip}: {event.reason}",
     "smtp_dns_mismatch", NULL, NET, "info", NULL, 0},
    {"hostname {source.domain} does not resolve to address {source.ip}*", "smtp_dns_mismatch", NULL,
     NET, "info", "hostname does not resolve to address", 0},
    /* postscreen */
    {"CONNECT from [{source.ip}]:{source.port} to [{destination.ip}]:{destination.port}",
     "smtp_connect", NULL, NET, "connection", NULL, 0},
    {"PASS NEW [{source.ip}]:{source.port}", "postscreen_pass", "success", NET, "allowed", NULL, 0},
    {"PASS OLD [{source.ip}]:{source.port}", "postscreen_pass", "success", NET, "allowed", NULL, 0},
    {"DNSBL rank {postfix.dnsbl_rank} for [{source.ip}]:{source.port}", "postscreen_dnsbl", NULL,
     NET, "denied", "listed in DNSBL", 0},
    {"PREGREET {-} after {-} from [{source.ip}]:{source.port}: {-}", "postscreen_pregreet",
     "failure", NET, "protocol", "pregreet", 0},
    {"HANGUP after {-} from [{source.ip}]:{source.port} in {-}", "postscreen_hangup", NULL, NET,
     "end", NULL, 0},
    {"DISCONNECT [{source.ip}]:{source.port}", "smtp_disconnect", NULL, NET, "end", NULL, 0},
    /* the mail system */
    {"the Postfix mail system is not running", "service_not_running", "failure", "process", "info",
     "the Postfix mail system is not running", 0},
    {"the Postfix mail system is already running", "service_started", "failure", "process", "start",
     "already running", 0},
    {"starting the Postfix mail system", "service_started", "success", "process", "start", NULL, 0},
    {"stopping the Postfix mail system", "service_stopped", "success", "process", "end", NULL, 0},
    {"refreshing the Postfix mail system", "service_reloaded", "success", "process", "change", NULL,
     0},
    {"daemon started -- version {service.version}, configuration {-}", "service_started", "success",
     "process", "start", NULL, 0},
    {"reload -- version {service.version}, configuration {-}", "service_reloaded", "success",
     "process", "change", NULL, 0},
    {"terminating on signal {-}", "service_stopped", "success", "process", "end", NULL, 0},
};

static bool queue_id(canh_str_t s)
{
    if (s.n < 5 || s.n > 24)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    }
    return true;
}

static canh_str_t unbracket(canh_str_t v)
{
    if (v.n >= 2 && v.p[0] == '<' && v.p[v.n - 1] == '>')
        return canh_str_sub(v, 1, v.n - 2);
    return v;
}

/* "relay=host[1.2.3.4]:25" -> destination.*; "relay=local" stays a name. */
static void set_relay(canh_str_t v, canh_event_t *ev)
{
    canh_event_add(ev, CANH_STR_LIT("postfix.relay"), v, CANH_FT_KEYWORD);
    ptrdiff_t ob = canh_str_chr(v, '[');
    ptrdiff_t cb = canh_str_chr(v, ']');
    if (ob < 0 || cb <= ob)
        return;
    canh_str_t host = canh_str_sub(v, 0, (size_t)ob);
    canh_str_t ip = canh_str_sub(v, (size_t)ob + 1, (size_t)(cb - ob - 1));
    if (canh_str_is_ip(ip))
        canh_event_set(ev, CANH_F_DESTINATION_IP, ip);
    if (host.n)
        canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, host);
    if ((size_t)cb + 1 < v.n && v.p[cb + 1] == ':')
        canh_prog_set_num(ev, CANH_F_DESTINATION_PORT, canh_str_sub(v, (size_t)cb + 2, v.n));
}

/* "QUEUEID: to=<x@y>, relay=.., delay=.., dsn=2.0.0, status=sent (250 ok)" */
static int postfix_delivery(canh_str_t msg, canh_event_t *ev)
{
    ptrdiff_t c = canh_str_find_c(msg, ": to=");
    if (c <= 0 || !queue_id(canh_str_sub(msg, 0, (size_t)c)))
        return CANH_ENOMATCH;
    canh_str_t qid = canh_str_sub(msg, 0, (size_t)c);
    canh_str_t rest = canh_str_sub(msg, (size_t)c + 2, msg.n);
    canh_str_t status = CANH_STR_NULL, k, v;
    unsigned guard = 0;
    while (guard++ < 32 && canh_prog_kv_next(&rest, ',', &k, &v)) {
        if (canh_str_eq_c(k, "status")) {
            /* The status runs to the end: its reason may hold commas. */
            status = canh_str_trim(canh_str(v.p, (size_t)(rest.p + rest.n - v.p)));
            break;
        }
        if (canh_str_eq_c(k, "to"))
            canh_event_set(ev, CANH_F_EMAIL_TO_ADDRESS, unbracket(v));
        else if (canh_str_eq_c(k, "orig_to"))
            canh_event_add(ev, CANH_STR_LIT("postfix.orig_to"), unbracket(v), CANH_FT_KEYWORD);
        else if (canh_str_eq_c(k, "relay"))
            set_relay(v, ev);
        else if (canh_str_eq_c(k, "delay"))
            canh_event_add(ev, CANH_STR_LIT("postfix.delay"), v, CANH_FT_DOUBLE);
        else if (canh_str_eq_c(k, "dsn"))
            canh_event_add(ev, CANH_STR_LIT("postfix.dsn"), v, CANH_FT_KEYWORD);
    }
    canh_event_add(ev, CANH_STR_LIT("postfix.queue_id"), qid, CANH_FT_KEYWORD);
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "mail_delivery");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, MAIL);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    if (!status.p) {
        ev->flags |= CANH_EVF_PARTIAL;
    } else {
        ptrdiff_t sp = canh_str_chr(status, ' ');
        canh_str_t word = sp > 0 ? canh_str_sub(status, 0, (size_t)sp) : status;
        canh_event_add(ev, CANH_STR_LIT("postfix.status"), word, CANH_FT_KEYWORD);
        canh_event_set_c(ev, CANH_F_EVENT_OUTCOME,
                         canh_str_eq_c(word, "sent") || canh_str_eq_c(word, "delivered")
                             ? "success"
                             : "failure");
        if (sp > 0) {
            canh_str_t why = canh_str_trim(canh_str_sub(status, (size_t)sp + 1, status.n));
            if (why.n >= 2 && why.p[0] == '(' && why.p[why.n - 1] == ')')
                why = canh_str_sub(why, 1, why.n - 2);
            if (why.n)
                canh_event_set(ev, CANH_F_EVENT_REASON, why);
        }
    }
    canh_prog_fix_fields(ev);
    return CANH_OK;
}

int canh_prog_postfix(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    canh_str_t level;
    msg = strip_level(msg, &level);
    bool ok = canh_pmod_match(d, CANH_DEC_POSTFIX, 0, msg, ev) >= 0 ||
              postfix_delivery(msg, ev) == CANH_OK;
    if (!ok && level.p) {
        /* Any other warning/fatal/panic is still a named condition. */
        char act[24];
        int n = snprintf(act, sizeof act, "postfix_%.*s", (int)level.n, level.p);
        if (n > 0 && (size_t)n < sizeof act)
            canh_event_set_copy(ev, CANH_F_EVENT_ACTION, act, (size_t)n);
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, MAIL);
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, canh_str_eq_c(level, "warning") ? "info" : "error");
        ok = true;
    }
    if (!ok)
        return CANH_ENOMATCH;
    if (level.p)
        canh_event_set(ev, CANH_F_LOG_LEVEL, level);
    return CANH_OK;
}

/* ==== dovecot ================================================================ */

const canh_decode_mod_t canh_mod_DOVECOT = {NULL, NULL};

/* "user=<x>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8, mpid=1, TLS, session=<s>" */
static void dovecot_kvs(canh_str_t list, canh_event_t *ev)
{
    canh_str_t k, v;
    unsigned guard = 0;
    while (guard++ < 32 && canh_prog_kv_next(&list, ',', &k, &v)) {
        if (k.n == 0) {
            if (canh_str_eq_c(v, "TLS") || canh_str_starts(v, "TLS"))
                canh_event_add(ev, CANH_STR_LIT("tls.established"), CANH_STR_LIT("true"),
                               CANH_FT_BOOL);
            continue;
        }
        canh_str_t u = unbracket(v);
        if (canh_str_eq_c(k, "user"))
            canh_event_set(ev, CANH_F_USER_NAME, u);
        else if (canh_str_eq_c(k, "rip") && canh_str_is_ip(v))
            canh_event_set(ev, CANH_F_SOURCE_IP, v);
        else if (canh_str_eq_c(k, "lip") && canh_str_is_ip(v))
            canh_event_set(ev, CANH_F_DESTINATION_IP, v);
        else if (canh_str_eq_c(k, "rport"))
            canh_prog_set_num(ev, CANH_F_SOURCE_PORT, v);
        else if (canh_str_eq_c(k, "lport"))
            canh_prog_set_num(ev, CANH_F_DESTINATION_PORT, v);
        else if (canh_str_eq_c(k, "method"))
            canh_event_add(ev, CANH_STR_LIT("dovecot.auth_method"), v, CANH_FT_KEYWORD);
        else if (canh_str_eq_c(k, "session"))
            canh_event_add(ev, CANH_STR_LIT("dovecot.session_id"), u, CANH_FT_KEYWORD);
    }
}

static void set4(canh_event_t *ev, const char *action, const char *outcome, const char *cat,
                 const char *type)
{
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, action);
    if (outcome)
        canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, outcome);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, cat);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, type);
}

/* "<service>-login: Login: ..." and friends. */
static int dovecot_login(canh_str_t body, canh_event_t *ev)
{
    canh_str_t list = CANH_STR_NULL, why = CANH_STR_NULL;
    if (canh_str_starts(body, "Login: ")) {
        list = canh_str_sub(body, 7, body.n);
        set4(ev, "mail_login", "success", AUTHN, "start");
    } else {
        /* "Aborted login (why): list", "Disconnected (why): list",
         * "Disconnected: Inactivity (why): list", "Maximum number of ... (why): list" */
        ptrdiff_t op = canh_str_chr(body, '(');
        ptrdiff_t cl = canh_str_find_c(body, "): ");
        if (op < 0 || cl <= op)
            return CANH_ENOMATCH;
        why = canh_str_sub(body, (size_t)op + 1, (size_t)(cl - op - 1));
        list = canh_str_sub(body, (size_t)cl + 3, body.n);
        canh_str_t head = canh_str_sub(body, 0, (size_t)op);
        if (canh_str_find_c(why, "auth failed") >= 0 || canh_str_starts(head, "Maximum number"))
            set4(ev, "mail_login", "failure", AUTHN, "info");
        else if (canh_str_starts(head, "Aborted login") || canh_str_starts(head, "Disconnected"))
            set4(ev, "mail_disconnect", NULL, NET, "end");
        else
            return CANH_ENOMATCH;
        canh_event_set(ev, CANH_F_EVENT_REASON,
                       canh_str_starts(head, "Maximum number") ? canh_str_trim(head) : why);
    }
    dovecot_kvs(list, ev);
    canh_prog_fix_fields(ev);
    return CANH_OK;
}

/* "auth-worker(123): pam(user,1.2.3.4,<sess>): pam_authenticate() failed: ..." */
static int dovecot_auth(canh_str_t body, canh_event_t *ev)
{
    ptrdiff_t op = canh_str_chr(body, '(');
    ptrdiff_t cl = canh_str_find_c(body, "): ");
    if (op <= 0 || cl <= op || op > 32)
        return CANH_ENOMATCH;
    canh_str_t db = canh_str_sub(body, 0, (size_t)op);
    canh_str_t inner = canh_str_sub(body, (size_t)op + 1, (size_t)(cl - op - 1));
    canh_str_t why = canh_str_sub(body, (size_t)cl + 3, body.n);
    ptrdiff_t c1 = canh_str_chr(inner, ',');
    if (c1 <= 0)
        return CANH_ENOMATCH;
    canh_str_t user = canh_str_sub(inner, 0, (size_t)c1);
    canh_str_t rest = canh_str_sub(inner, (size_t)c1 + 1, inner.n);
    ptrdiff_t c2 = canh_str_chr(rest, ',');
    canh_str_t ip = c2 >= 0 ? canh_str_sub(rest, 0, (size_t)c2) : rest;
    bool fail = canh_str_find_c(why, "mismatch") >= 0 ||
                canh_str_find_c(why, "unknown user") >= 0 || canh_str_find_c(why, "failed") >= 0 ||
                canh_str_find_c(why, "failure") >= 0;
    set4(ev, "mail_auth", fail ? "failure" : NULL, AUTHN, "info");
    canh_event_set(ev, CANH_F_USER_NAME, user);
    if (canh_str_is_ip(ip))
        canh_event_set(ev, CANH_F_SOURCE_IP, ip);
    canh_event_add(ev, CANH_STR_LIT("dovecot.passdb"), db, CANH_FT_KEYWORD);
    if (why.n)
        canh_event_set(ev, CANH_F_EVENT_REASON, why);
    canh_prog_fix_fields(ev);
    return CANH_OK;
}

int canh_prog_dovecot(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev)
{
    canh_str_t service, body;
    canh_str_t base = canh_prog_base(h ? h->program : CANH_STR_NULL);
    if (!canh_str_eq_c(base, "dovecot")) {
        service = base; /* "imap-login: Login: ..." logged under its own name */
        body = msg;
    } else {
        ptrdiff_t c = canh_str_find_c(msg, ": ");
        if (c <= 0 || c > 128)
            return CANH_ENOMATCH;
        service = canh_str_sub(msg, 0, (size_t)c);
        body = canh_str_sub(msg, (size_t)c + 2, msg.n);
    }
    /* "imap(user)<pid><session>" -> name "imap", user */
    canh_str_t name = service, user = CANH_STR_NULL;
    ptrdiff_t op = canh_str_chr(service, '(');
    if (op > 0) {
        name = canh_str_sub(service, 0, (size_t)op);
        canh_str_t in = canh_str_sub(service, (size_t)op + 1, service.n);
        ptrdiff_t cl = canh_str_chr(in, ')');
        if (cl > 0)
            user = canh_str_sub(in, 0, (size_t)cl);
    }
    for (size_t i = 0; i < name.n; i++)
        if (name.p[i] == ' ')
            return CANH_ENOMATCH;
    int rc = CANH_ENOMATCH;
    if (canh_str_starts(name, "auth")) {
        if (canh_prog_is_pam(NULL, body))
            rc = canh_prog_pam(d, NULL, body, ev);
        else
            rc = dovecot_auth(body, ev);
    } else if (canh_str_ends(name, "-login")) {
        rc = dovecot_login(body, ev);
    } else if (canh_str_eq_c(name, "master")) {
        if (canh_str_starts(body, "Dovecot v") && canh_str_find_c(body, " starting up") > 0) {
            set4(ev, "service_started", "success", "process", "start");
            rc = CANH_OK;
        } else if (canh_str_starts(body, "Warning: Killed with signal")) {
            set4(ev, "service_stopped", "success", "process", "end");
            rc = CANH_OK;
        }
    } else if (user.n) {
        /* imap(user), pop3(user), lmtp(user), ... */
        if (canh_str_starts(body, "Disconnected: Logged out") ||
            canh_str_starts(body, "Logged out")) {
            set4(ev, "mail_logout", "success", AUTHN, "end");
            rc = CANH_OK;
        } else if (canh_str_starts(body, "Disconnected") ||
                   canh_str_starts(body, "Connection closed")) {
            set4(ev, "mail_disconnect", NULL, NET, "end");
            ptrdiff_t c = canh_str_find_c(body, ": ");
            if (c > 0)
                canh_event_set(ev, CANH_F_EVENT_REASON, canh_str_sub(body, (size_t)c + 2, body.n));
            rc = CANH_OK;
        } else if (canh_str_find_c(body, ": saved mail to ") > 0 ||
                   canh_str_starts(body, "saved mail to ")) {
            set4(ev, "mail_delivered", "success", MAIL, "info");
            rc = CANH_OK;
        }
        if (rc == CANH_OK)
            canh_event_set(ev, CANH_F_USER_NAME, user);
    }
    if (rc == CANH_OK)
        canh_event_add(ev, CANH_STR_LIT("dovecot.service"), name, CANH_FT_KEYWORD);
    return rc;
}

/* ==== other mail servers ===================================================== */

/* UW imapd/ipop3d, Courier, Cyrus. */
static const canh_prule_t imap_rules[] = {
    {"imap service init from {source.ip}", "mail_connect", NULL, NET, "connection", NULL, 0},
    {"pop3 service init from {source.ip}", "mail_connect", NULL, NET, "connection", NULL, 0},
    {"Authenticated user={user.name} host={source.domain} [{source.ip}]*", "mail_login", "success",
     AUTHN, "start", NULL, 0},
    {"Authenticated user={user.name} host=[{source.ip}]*", "mail_login", "success", AUTHN, "start",
     NULL, 0},
    {"Logout user={user.name} host={source.domain} [{source.ip}]*", "mail_logout", "success", AUTHN,
     "end", NULL, 0},
    {"Logout user={user.name} host=[{source.ip}]*", "mail_logout", "success", AUTHN, "end", NULL,
     0},
    {"AUTHENTICATE {mailserver.auth_method} failure host={source.domain} [{source.ip}]*",
     "mail_login", "failure", AUTHN, "info", "authentication failure", 0},
    {"AUTHENTICATE {mailserver.auth_method} failure host=[{source.ip}]*", "mail_login", "failure",
     AUTHN, "info", "authentication failure", 0},
    {"Login user={user.name} host={source.domain} [{source.ip}]*", "mail_login", "success", AUTHN,
     "start", NULL, 0},
    {"Login user={user.name} host=[{source.ip}]*", "mail_login", "success", AUTHN, "start", NULL,
     0},
    {"Auth user={user.name} host={source.domain} [{source.ip}]*", "mail_login", "success", AUTHN,
     "start", NULL, 0},
    {"Auth user={user.name} host=[{source.ip}]*", "mail_login", "success", AUTHN, "start", NULL, 0},
    {"Login failed user={user.name} auth={-} host={source.domain} [{source.ip}]*", "mail_login",
     "failure", AUTHN, "info", "login failed", 0},
    {"Login failed user={user.name} auth={-} host=[{source.ip}]*", "mail_login", "failure", AUTHN,
     "info", "login failed", 0},
    {"Login failure user={user.name} host={source.domain} [{source.ip}]*", "mail_login", "failure",
     AUTHN, "info", "login failed", 0},
    {"Login failure user={user.name} host=[{source.ip}]*", "mail_login", "failure", AUTHN, "info",
     "login failed", 0},
    {"Autologout user={user.name} host={source.domain} [{source.ip}]*", "mail_logout", NULL, AUTHN,
     "end", "autologout", 0},
    {"Autologout user={user.name} host=[{source.ip}]*", "mail_logout", NULL, AUTHN, "end",
     "autologout", 0},
    {"Killed ({event.reason}) user={user.name} host={source.domain} [{source.ip}]*", "mail_logout",
     NULL, AUTHN, "end", NULL, 0},
    {"Killed ({event.reason}) user={user.name} host=[{source.ip}]*", "mail_logout", NULL, AUTHN,
     "end", NULL, 0},
    {"{event.reason}, while reading line user={user.name} host={source.domain} [{source.ip}]",
     "mail_disconnect", NULL, NET, "end", NULL, 0},
    {"{event.reason}, while reading line user={user.name} host=[{source.ip}]", "mail_disconnect",
     NULL, NET, "end", NULL, 0},
    {"{event.reason} while reading line user={user.name} host={source.domain} [{source.ip}]",
     "mail_disconnect", NULL, NET, "end", NULL, 0},
    {"{event.reason} while reading line user={user.name} host=[{source.ip}]", "mail_disconnect",
     NULL, NET, "end", NULL, 0},
    {"authentication error: {event.reason}", "mail_auth_error", "failure", AUTHN, "info", NULL, 0},
    /* the same without the bracketed address (cut lines, or no reverse DNS) */
    {"Authenticated user={user.name} host={source.address}", "mail_login", "success", AUTHN,
     "start", NULL, 0},
    {"Login user={user.name} host={source.address}", "mail_login", "success", AUTHN, "start", NULL,
     0},
    {"Logout user={user.name} host={source.address}", "mail_logout", "success", AUTHN, "end", NULL,
     0},
    /* Courier */
    {"LOGIN, user={user.name}, ip=[{source.ip}]*", "mail_login", "success", AUTHN, "start", NULL,
     0},
    {"LOGIN FAILED, user={user.name}, ip=[{source.ip}]*", "mail_login", "failure", AUTHN, "info",
     "login failed", 0},
    {"LOGIN FAILED, method={mailserver.auth_method}, user={user.name}, ip=[{source.ip}]*",
     "mail_login", "failure", AUTHN, "info", "login failed", 0},
    {"LOGOUT, user={user.name}, ip=[{source.ip}]*", "mail_logout", "success", AUTHN, "end", NULL,
     0},
    {"TIMEOUT, user={user.name}, ip=[{source.ip}]*", "mail_disconnect", NULL, NET, "end", "timeout",
     0},
    {"Connection, ip=[{source.ip}]*", "mail_connect", NULL, NET, "connection", NULL, 0},
    {"Disconnected, ip=[{source.ip}]*", "mail_disconnect", NULL, NET, "end", NULL, 0},
    /* Cyrus */
    {"badlogin: {source.domain} [{source.ip}] {mailserver.auth_method} {user.name} "
     "[{event.reason}]",
     "mail_login", "failure", AUTHN, "info", NULL, 0},
    {"badlogin: {source.domain} [{source.ip}] {mailserver.auth_method} [{event.reason}]",
     "mail_login", "failure", AUTHN, "info", NULL, 0},
    {"badlogin: {source.domain} [{source.ip}] {mailserver.auth_method} {user.name} {event.reason}",
     "mail_login", "failure", AUTHN, "info", NULL, 0},
    {"login: {source.domain} [{source.ip}] {user.name} {mailserver.auth_method} User logged in*",
     "mail_login", "success", AUTHN, "start", NULL, 0},
};

/* vpopmail's vchkpw. */
static const canh_prule_t vpop_rules[] = {
    {"vchkpw-{mailserver.service}: password fail (pass: '{-}') {user.name}:{source.ip}",
     "mail_login", "failure", AUTHN, "info", "password fail", 0},
    {"vchkpw-{mailserver.service}: password fail {user.name}:{source.ip}", "mail_login", "failure",
     AUTHN, "info", "password fail", 0},
    {"vchkpw-{mailserver.service}: vpopmail user not found {user.name}:{source.ip}", "mail_login",
     "failure", AUTHN, "info", "user not found", 0},
    {"vchkpw-{mailserver.service}: null password given {user.name}:{source.ip}", "mail_login",
     "failure", AUTHN, "info", "null password given", 0},
    {"vchkpw-{mailserver.service}: user has no password {user.name}:{source.ip}", "mail_login",
     "failure", AUTHN, "info", "user has no password", 0},
    {"vchkpw-{mailserver.service}: login success {user.name}:{source.ip}", "mail_login", "success",
     AUTHN, "start", NULL, 0},
};

/* SpamAssassin spamd. */
static const canh_prule_t spamd_rules[] = {
    {"connection from {source.domain} [{source.ip}] at port {source.port}", "spam_scan_connection",
     NULL, NET, "connection", NULL, 0},
    {"connection from {source.domain} [{source.ip}]:{source.port} to port {-}, fd {-}",
     "spam_scan_connection", NULL, NET, "connection", NULL, 0},
    {"checking message <{email.message_id}> for {user.name}:{user.id}.", "spam_check", NULL, MAIL,
     "info", NULL, 0},
    {"processing message <{email.message_id}> for {user.name}:{user.id}.", "spam_check", NULL, MAIL,
     "info", NULL, 0},
    {"clean message ({spamd.score}/{spamd.threshold}) for {user.name}:{user.id} in "
     "{spamd.scan_time} seconds, {spamd.size} bytes.",
     "spam_clean", "success", MAIL, "info", NULL, 0},
    {"identified spam ({spamd.score}/{spamd.threshold}) for {user.name}:{user.id} in "
     "{spamd.scan_time} seconds, {spamd.size} bytes.",
     "spam_detected", NULL, MAIL, "info", "spam", 0},
    {"result: {spamd.result}  {spamd.score} - {spamd.tests} scantime={-},size={-},"
     "mid=<{email.message_id}>,autolearn={spamd.autolearn}*",
     "spam_result", NULL, MAIL, "info", NULL, 0},
    {"result: {spamd.result} {spamd.score} - {spamd.tests} scantime={-},size={-},"
     "mid=<{email.message_id}>,autolearn={spamd.autolearn}*",
     "spam_result", NULL, MAIL, "info", NULL, 0},
    {"server started on {-}", "service_started", "success", "process", "start", NULL, 0},
    {"server killed by {-}, shutting down", "service_stopped", "success", "process", "end", NULL,
     0},
};

/* qmail-scanner: "Clear:RC:0(ip):SA:1(8.1/6.0): secs size from to subject <mid> file" */
static const canh_prule_t qscan_rules[] = {
    {"Clear:RC:{-}({source.ip}):SA:0({spamd.score}/{spamd.threshold}): {-} {-} "
     "{email.from.address} {email.to.address} {-}",
     "mail_scanned", "success", MAIL, "info", "clean", 0},
    {"Clear:RC:{-}({source.ip}):SA:1({spamd.score}/{spamd.threshold}): {-} {-} "
     "{email.from.address} {email.to.address} {-}",
     "spam_detected", NULL, MAIL, "info", "spam", 0},
    {"Clear:RC:{-}({source.ip}): {-} {-} {email.from.address} {email.to.address} {-}",
     "mail_scanned", "success", MAIL, "info", "clean", 0},
};

/* sendmail */
static const canh_prule_t sendmail_rules[] = {
    {"{-}: {source.domain} [{source.ip}]: expn {user.name}*", "smtp_expn", NULL, MAIL, "access",
     NULL, 0},
    {"{-}: [{source.ip}]: expn {user.name}*", "smtp_expn", NULL, MAIL, "access", NULL, 0},
    {"{-}: {source.domain} [{source.ip}]: vrfy {user.name}*", "smtp_vrfy", NULL, MAIL, "access",
     NULL, 0},
    {"{-}: [{source.ip}]: vrfy {user.name}*", "smtp_vrfy", NULL, MAIL, "access", NULL, 0},
    {"{-}ruleset={sendmail.ruleset}, arg1={sendmail.arg1}, arg2={sendmail.arg2}, "
     "relay={source.domain} [{source.ip}]{-}, reject={error.code} {sendmail.dsn} {event.reason}",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {"{-}ruleset={sendmail.ruleset}, arg1={sendmail.arg1}, relay={source.domain} "
     "[{source.ip}]{-}, reject={error.code} {sendmail.dsn} {event.reason}",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {"{-}ruleset={sendmail.ruleset}, arg1={sendmail.arg1}, relay=[{source.ip}]{-}, "
     "reject={error.code} {sendmail.dsn} {event.reason}",
     "smtp_reject", "failure", MAIL, "denied", NULL, 0},
    {"{-}: AUTH failure ({sendmail.auth_method}): {event.reason}, user={user.name}, "
     "relay={source.domain} [{source.ip}]*",
     "smtp_auth", "failure", AUTHN, "info", NULL, 0},
    {"{-}: AUTH failure ({sendmail.auth_method}): {event.reason}, relay={source.domain} "
     "[{source.ip}]*",
     "smtp_auth", "failure", AUTHN, "info", NULL, 0},
    {"{-}: {source.domain} [{source.ip}] did not issue MAIL/EXPN/VRFY/ETRN during connection to "
     "{-}",
     "smtp_no_command", NULL, NET, "connection", "no command issued", 0},
    {"{-}: [{source.ip}] did not issue MAIL/EXPN/VRFY/ETRN during connection to {-}",
     "smtp_no_command", NULL, NET, "connection", "no command issued", 0},
    {"{-}: lost input channel from {source.domain} [{source.ip}] to {-}", "smtp_lost_connection",
     "failure", NET, "end", "lost input channel", 0},
    {"{-}: lost input channel from [{source.ip}] to {-}", "smtp_lost_connection", "failure", NET,
     "end", "lost input channel", 0},
    {"{-}: rejecting commands from {source.domain} [{source.ip}] due to pre-greeting traffic*",
     "smtp_pregreet", "failure", NET, "protocol", "pre-greeting traffic", 0},
    {"{-}: rejecting commands from [{source.ip}] due to pre-greeting traffic*", "smtp_pregreet",
     "failure", NET, "protocol", "pre-greeting traffic", 0},
    {"{-}: to=<{email.to.address}>, {-}stat=Sent*", "mail_delivery", "success", MAIL, "info", NULL,
     0},
    {"{-}: to={email.to.address}, {-}stat=Sent*", "mail_delivery", "success", MAIL, "info", NULL,
     0},
    {"{-}: to=<{email.to.address}>, {-}stat={event.reason}", "mail_delivery", "failure", MAIL,
     "info", NULL, 0},
    {"{-}: to={email.to.address}, {-}stat={event.reason}", "mail_delivery", "failure", MAIL, "info",
     NULL, 0},
    {"{-}: from=<{email.from.address}>, size={-}, class={-}, nrcpts={-}, "
     "msgid=<{email.message_id}>,*",
     "mail_received", NULL, MAIL, "info", NULL, 0},
    {"{-}: from=<{email.from.address}>,*", "mail_received", NULL, MAIL, "info", NULL, 0},
};

/* Cyrus SASL saslauthd. */
static const canh_prule_t sasl_rules[] = {
    {"do_auth{-}: auth failure: [user={user.name}] [service={saslauthd.service}] "
     "[realm={user.domain}] [mech={saslauthd.mech}] [reason={event.reason}]",
     "sasl_auth", "failure", AUTHN, "info", NULL, 0},
    {"do_auth{-}: auth failure: [user={user.name}] [service={saslauthd.service}] "
     "[realm={user.domain}] [mech={saslauthd.mech}]*",
     "sasl_auth", "failure", AUTHN, "info", NULL, 0},
    {"do_auth{-}: auth success: [user={user.name}] [service={saslauthd.service}] "
     "[realm={user.domain}] [mech={saslauthd.mech}]*",
     "sasl_auth", "success", AUTHN, "start", NULL, 0},
};

enum { T_IMAP = 0, T_VPOP, T_SPAMD, T_QSCAN, T_SENDMAIL, T_SASL };

static const canh_ptable_t postfix_tabs[] = {CANH_PTABLE(postfix_rules)};
static const canh_ptable_t mailsrv_tabs[] = {CANH_PTABLE(imap_rules),     CANH_PTABLE(vpop_rules),
                                             CANH_PTABLE(spamd_rules),    CANH_PTABLE(qscan_rules),
                                             CANH_PTABLE(sendmail_rules), CANH_PTABLE(sasl_rules)};

static int postfix_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(postfix_tabs, 1, state, eb);
}

static int mailsrv_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(mailsrv_tabs, sizeof mailsrv_tabs / sizeof mailsrv_tabs[0], state, eb);
}

const canh_decode_mod_t canh_mod_POSTFIX = {postfix_init, canh_pmod_fini};
const canh_decode_mod_t canh_mod_MAILSRV = {mailsrv_init, canh_pmod_fini};

/* Which table a mail program's lines use. */
static int mailsrv_table(canh_str_t base)
{
    if (canh_str_eq_c(base, "vpopmail") || canh_str_starts(base, "vchkpw"))
        return T_VPOP;
    if (canh_str_eq_c(base, "spamd"))
        return T_SPAMD;
    if (canh_str_eq_c(base, "qmail-scanner"))
        return T_QSCAN;
    if (canh_str_eq_c(base, "sendmail") || canh_str_starts(base, "sm-m"))
        return T_SENDMAIL;
    if (canh_str_eq_c(base, "saslauthd"))
        return T_SASL;
    return T_IMAP;
}

int canh_prog_mailsrv(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    int t = mailsrv_table(canh_prog_base(h ? h->program : CANH_STR_NULL));
    if (canh_pmod_match(d, CANH_DEC_MAILSRV, (size_t)t, msg, ev) >= 0)
        return CANH_OK;
    return canh_prog_tcpwrap(d, msg, ev);
}
