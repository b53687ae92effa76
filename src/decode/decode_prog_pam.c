/* decode_prog_pam.c - Linux-PAM messages, whichever program logs them.
 *
 * Forms:
 *   pam_unix(sshd:auth): authentication failure; logname= uid=0 ... user=root
 *   PAM 2 more authentication failures; logname= uid=0 ... user=root
 *   sshd(pam_unix)[9420]: authentication failure; logname= ...   (old Linux-PAM:
 *     the module is in the program name, the message has no prefix)
 *   PAM-securetty[741]: Couldn't open /etc/securetty
 * The "module(service:type): " prefix goes to pam.module, pam.service and
 * pam.type; "authentication failure; k=v ..." lists are read by hand (their
 * values may be empty), everything else through the table below.
 *
 * Fields of the failure list: user= -> user.name (the account being
 * authenticated), ruser= -> source.user.name (who asked), rhost= ->
 * source.address/ip/domain, tty= -> process.tty.name; logname, uid and euid
 * -> pam.logname, pam.uid, pam.euid. */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define AUTHN "authentication"

static const canh_prule_t pam_rules[] = {
    {"session opened for user {user.name}(uid={user.id}) by {source.user.name}(uid={-})",
     "pam_session_opened", "success", "session", "start", NULL, 0},
    {"session opened for user {user.name} by {source.user.name}(uid={-})", "pam_session_opened",
     "success", "session", "start", NULL, 0},
    {"session opened for user {user.name} by {source.user.name}", "pam_session_opened", "success",
     "session", "start", NULL, 0},
    {"session opened for user {user.name}*", "pam_session_opened", "success", "session", "start",
     NULL, 0},
    {"session closed for user {user.name}*", "pam_session_closed", "success", "session", "end",
     NULL, 0},
    {"check pass; user unknown", "pam_user_unknown", "failure", AUTHN, "info", "user unknown", 0},
    {"password changed for {user.name}*", "password_changed", "success", "iam", "change", NULL, 0},
    {"account {user.name} has expired (account expired)", "pam_account_expired", "failure", AUTHN,
     "info", "account expired", 0},
    {"expired password for user {user.name} (password aged)", "pam_password_expired", "failure",
     AUTHN, "info", "password expired", 0},
    {"access denied: tty '{process.tty.name}' is not secure*", "pam_securetty_denied", "failure",
     AUTHN, "info", "tty is not secure", 0},
    {"requirement \"{pam.requirement}\" not met by user \"{user.name}\"", "pam_requirement_not_met",
     "failure", AUTHN, "info", "requirement not met", 0},
    {"user {user.name} ({user.id}) tally {pam.tally}, deny {pam.deny}", "pam_account_locked",
     "failure", AUTHN, "info", "too many failures (pam_tally)", 0},
    {"Consecutive login failures for user {user.name} account temporarily locked",
     "pam_account_locked", "failure", AUTHN, "info", "consecutive login failures", 0},
    {"auth could not identify password for [{user.name}]", "pam_auth_failure", "failure", AUTHN,
     "info", "could not identify password", 0},
    {"bad username [{user.name}]", "pam_user_unknown", "failure", AUTHN, "info", "bad username", 0},
    {"conversation failed", "pam_conversation_failed", "failure", AUTHN, "info",
     "conversation failed", 0},
    {"unexpected response from failed conversation function", "pam_conversation_failed", "failure",
     AUTHN, "info", "conversation failed", 0},
    {"Refused user {user.name} for service {pam.service}", "pam_access_denied", "failure", AUTHN,
     "info", "refused by pam_listfile", 0},
    {"access denied for user `{user.name}' from `{source.address}'", "pam_access_denied", "failure",
     AUTHN, "info", "denied by pam_access", 0},
    {"service({pam.service}) ignoring max retries; {-}", "pam_max_retries", "failure", AUTHN,
     "info", "maximum retries exceeded", 0},
    {"Couldn't open /etc/securetty", "pam_securetty_error", "failure", "configuration", "error",
     "cannot open /etc/securetty", 0},
    {"authentication failure", "pam_auth_failure", "failure", AUTHN, "info", NULL, 0},
};

static const canh_ptable_t pam_tabs[] = {CANH_PTABLE(pam_rules)};

static int pam_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(pam_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_PAM = {pam_init, canh_pmod_fini};

typedef struct pam_prefix {
    canh_str_t module, service, type;
} pam_prefix_t;

/* "pam_unix(sshd:auth): body" -> module, service, type and the body. */
static bool split_prefix(canh_str_t msg, pam_prefix_t *pp, canh_str_t *body)
{
    ptrdiff_t open = canh_str_chr(msg, '(');
    if (open < 5 || open > 64)
        return false;
    for (size_t i = 0; i < (size_t)open; i++)
        if (msg.p[i] == ' ' || msg.p[i] == ':')
            return false;
    canh_str_t rest = canh_str_sub(msg, (size_t)open + 1, msg.n);
    ptrdiff_t close = canh_str_find_c(rest, "): ");
    if (close < 0 || close > 64)
        return false;
    canh_str_t inner = canh_str_sub(rest, 0, (size_t)close);
    pp->module = canh_str(msg.p, (size_t)open);
    ptrdiff_t colon = canh_str_chr(inner, ':');
    if (colon > 0) {
        pp->service = canh_str_sub(inner, 0, (size_t)colon);
        pp->type = canh_str_sub(inner, (size_t)colon + 1, inner.n);
    } else if (inner.n) {
        pp->service = inner;
    }
    *body = canh_str_sub(rest, (size_t)close + 3, rest.n);
    return true;
}

static void set_prefix(const pam_prefix_t *pp, canh_event_t *ev)
{
    if (pp->module.n)
        canh_event_add(ev, CANH_STR_LIT("pam.module"), pp->module, CANH_FT_KEYWORD);
    if (pp->service.n)
        canh_event_add(ev, CANH_STR_LIT("pam.service"), pp->service, CANH_FT_KEYWORD);
    if (pp->type.n)
        canh_event_add(ev, CANH_STR_LIT("pam.type"), pp->type, CANH_FT_KEYWORD);
}

/* "[N more ]authentication failure[s]; logname= uid=0 ..." */
static bool auth_failure(canh_str_t body, canh_event_t *ev)
{
    canh_str_t count = CANH_STR_NULL;
    if (body.n && body.p[0] >= '0' && body.p[0] <= '9') {
        ptrdiff_t sp = canh_str_chr(body, ' ');
        if (sp <= 0 || sp > 10)
            return false;
        count = canh_str_sub(body, 0, (size_t)sp);
        body = canh_str_sub(body, (size_t)sp + 1, body.n);
        if (!canh_str_starts(body, "more "))
            return false;
        body = canh_str_sub(body, 5, body.n);
    }
    if (!canh_str_starts(body, "authentication failure"))
        return false;
    ptrdiff_t semi = canh_str_find_c(body, "; ");
    canh_str_t kvs = semi > 0 ? canh_str_sub(body, (size_t)semi + 2, body.n) : CANH_STR_NULL;
    if (semi < 0 && !canh_str_eq_c(canh_str_trim(body), "authentication failure") &&
        !canh_str_eq_c(canh_str_trim(body), "authentication failures"))
        return false;
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "pam_auth_failure");
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, AUTHN);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    canh_event_set_c(ev, CANH_F_EVENT_REASON, "authentication failure");
    if (count.p)
        canh_event_add(ev, CANH_STR_LIT("pam.more_failures"), count, CANH_FT_LONG);
    canh_str_t k, v;
    unsigned guard = 0;
    while (kvs.n && guard++ < 32 && canh_prog_kv_next(&kvs, ' ', &k, &v)) {
        if (v.n == 0 || k.n == 0)
            continue;
        if (canh_str_eq_c(k, "user"))
            canh_event_set(ev, CANH_F_USER_NAME, v);
        else if (canh_str_eq_c(k, "ruser"))
            canh_event_set(ev, CANH_F_SOURCE_USER_NAME, v);
        else if (canh_str_eq_c(k, "rhost"))
            canh_event_set(ev, CANH_F_SOURCE_ADDRESS, v);
        else if (canh_str_eq_c(k, "tty"))
            canh_event_set(ev, CANH_F_PROCESS_TTY_NAME, v);
        else if (canh_str_eq_c(k, "logname"))
            canh_event_add(ev, CANH_STR_LIT("pam.logname"), v, CANH_FT_KEYWORD);
        else if (canh_str_eq_c(k, "uid"))
            canh_event_add(ev, CANH_STR_LIT("pam.uid"), v, CANH_FT_KEYWORD);
        else if (canh_str_eq_c(k, "euid"))
            canh_event_add(ev, CANH_STR_LIT("pam.euid"), v, CANH_FT_KEYWORD);
    }
    canh_prog_fix_fields(ev);
    return true;
}

int canh_prog_pam(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                  canh_event_t *ev)
{
    canh_str_t body = msg;
    pam_prefix_t pp = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL};
    if (msg.n > 4 && memcmp(msg.p, "pam_", 4) == 0) {
        if (!split_prefix(msg, &pp, &body))
            return CANH_ENOMATCH;
    } else if (msg.n > 4 && memcmp(msg.p, "PAM ", 4) == 0) {
        body = canh_str_sub(msg, 4, msg.n);
    } else if (h && h->program.n) {
        /* "sshd(pam_unix)" or "PAM-securetty": the module is in the name. */
        canh_str_t p = h->program;
        ptrdiff_t o = canh_str_chr(p, '(');
        if (o > 0 && p.p[p.n - 1] == ')')
            pp.module = canh_str_sub(p, (size_t)o + 1, p.n - (size_t)o - 2);
        else if (canh_str_starts(p, "PAM"))
            pp.module = p;
    }
    if (auth_failure(body, ev) || canh_pmod_match(d, CANH_DEC_PAM, 0, body, ev) >= 0) {
        set_prefix(&pp, ev);
        return CANH_OK;
    }
    return CANH_ENOMATCH;
}
