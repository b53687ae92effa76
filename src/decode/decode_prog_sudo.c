/* decode_prog_sudo.c - sudo and su.
 *
 * sudo:  "USER : [REASON ; ]TTY=pts/0 ; PWD=/home/u ; USER=root ; COMMAND=/bin/ls -l"
 *   The list is read by hand: its keys vary (GROUP=, TSID=, ENV=) and
 *   COMMAND= runs to the end of the line even when it holds " ; ".
 *   user.name is who ran sudo, user.effective.name the USER= target,
 *   process.working_directory PWD=, process.tty.name TTY=,
 *   process.command_line COMMAND=.
 * su:    the many forms of util-linux, shadow, BSD, IRIX, Solaris and
 *   Slackware su, as a table; user.name is who ran su, user.effective.name
 *   the account switched to.
 * PAM messages of either go to the PAM table. */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

/* ---- sudo ------------------------------------------------------------------- */

const canh_decode_mod_t canh_mod_SUDO = {NULL, NULL};

static bool sudo_user_ok(canh_str_t u)
{
    if (u.n == 0 || u.n > 64)
        return false;
    for (size_t i = 0; i < u.n; i++)
        if (u.p[i] == ' ' || u.p[i] == ';' || u.p[i] == '=')
            return false;
    return true;
}

/* Classifies the reason text sudo puts before TTY=. */
static void sudo_reason(canh_str_t r, canh_event_t *ev)
{
    canh_event_set(ev, CANH_F_EVENT_REASON, r);
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
    if (canh_str_find_c(r, "incorrect password attempt") > 0) {
        ptrdiff_t sp = canh_str_chr(r, ' ');
        uint64_t n;
        if (sp > 0 && canh_str_to_u64(canh_str_sub(r, 0, (size_t)sp), 100000, &n) == CANH_OK)
            canh_event_add(ev, CANH_STR_LIT("sudo.failed_attempts"), canh_str_sub(r, 0, (size_t)sp),
                           CANH_FT_LONG);
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_auth_failure");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "authentication");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    } else if (canh_str_eq_c(r, "user NOT in sudoers") ||
               canh_str_find_c(r, "NOT in sudoers") >= 0) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_not_in_sudoers");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "process");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
    } else if (canh_str_find_c(r, "command not allowed") >= 0) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_command_not_allowed");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "process");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
    } else if (canh_str_find_c(r, "password is required") >= 0 ||
               canh_str_find_c(r, "authentication") >= 0) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_auth_failure");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "authentication");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    } else {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_denied");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "process");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
    }
}

int canh_prog_sudo(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    ptrdiff_t sep = canh_str_find_c(msg, " : ");
    if (sep <= 0)
        return CANH_ENOMATCH;
    canh_str_t user = canh_str_trim(canh_str_sub(msg, 0, (size_t)sep));
    canh_str_t rest = canh_str_sub(msg, (size_t)sep + 3, msg.n);
    if (!sudo_user_ok(user) || rest.n == 0)
        return CANH_ENOMATCH;
    /* Items are separated by " ; "; the first may be a reason. */
    bool any = false, reason = false;
    unsigned guard = 0;
    while (rest.n && guard++ < 32) {
        canh_str_t item;
        ptrdiff_t semi = canh_str_find_c(rest, " ; ");
        bool command = canh_str_starts(rest, "COMMAND=");
        if (semi < 0 || command) {
            item = rest;
            rest = canh_str(rest.p + rest.n, 0);
        } else {
            item = canh_str_sub(rest, 0, (size_t)semi);
            rest = canh_str_sub(rest, (size_t)semi + 3, rest.n);
        }
        item = canh_str_trim(item);
        if (!command && item.n && item.p[item.n - 1] == ';')
            item = canh_str_trim(canh_str_sub(item, 0, item.n - 1));
        ptrdiff_t eq = canh_str_chr(item, '=');
        canh_str_t k = eq > 0 ? canh_str_sub(item, 0, (size_t)eq) : CANH_STR_NULL;
        canh_str_t v = eq > 0 ? canh_str_sub(item, (size_t)eq + 1, item.n) : CANH_STR_NULL;
        if (canh_str_eq_c(k, "TTY")) {
            canh_event_set(ev, CANH_F_PROCESS_TTY_NAME, v);
        } else if (canh_str_eq_c(k, "PWD")) {
            canh_event_set(ev, CANH_F_PROCESS_WORKING_DIRECTORY, v);
        } else if (canh_str_eq_c(k, "USER")) {
            canh_event_set(ev, CANH_F_USER_EFFECTIVE_NAME, v);
        } else if (canh_str_eq_c(k, "GROUP")) {
            canh_event_add(ev, CANH_STR_LIT("user.effective.group.name"), v, CANH_FT_KEYWORD);
        } else if (canh_str_eq_c(k, "COMMAND")) {
            canh_event_set(ev, CANH_F_PROCESS_COMMAND_LINE, v);
        } else if (canh_str_eq_c(k, "TSID")) {
            canh_event_add(ev, CANH_STR_LIT("sudo.tsid"), v, CANH_FT_KEYWORD);
        } else if (canh_str_eq_c(k, "ENV")) {
            canh_event_add(ev, CANH_STR_LIT("sudo.env"), v, CANH_FT_KEYWORD);
        } else if (eq < 0 && !any && !reason && item.n) {
            sudo_reason(item, ev);
            reason = true;
            continue;
        } else {
            continue;
        }
        any = true;
    }
    if (!any && !reason)
        return CANH_ENOMATCH;
    canh_event_set(ev, CANH_F_USER_NAME, user);
    if (!reason) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "sudo_command");
        canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "success");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "process");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "start");
    }
    return CANH_OK;
}

/* ---- su ---------------------------------------------------------------------- */

#define AUTHN "authentication"

static const canh_prule_t su_rules[] = {
    /* util-linux */
    {"(to {user.effective.name}) {user.name} on {process.tty.name}", "su", "success", AUTHN,
     "start", NULL, 0},
    {"FAILED SU (to {user.effective.name}) {user.name} on {process.tty.name}", "su", "failure",
     AUTHN, "info", NULL, 0},
    /* shadow */
    {"Successful su for {user.effective.name} by {user.name}*", "su", "success", AUTHN, "start",
     NULL, 0},
    {"FAILED su for {user.effective.name} by {user.name}*", "su", "failure", AUTHN, "info", NULL,
     0},
    {"+ {process.tty.name} {user.name}:{user.effective.name}*", "su", "success", AUTHN, "start",
     NULL, 0},
    {"- {process.tty.name} {user.name}:{user.effective.name}*", "su", "failure", AUTHN, "info",
     NULL, 0},
    /* Slackware: "+ pts/4 dcid-root" */
    {"+ {process.tty.name} {user.name}-{user.effective.name}*", "su", "success", AUTHN, "start",
     NULL, 0},
    {"- {process.tty.name} {user.name}-{user.effective.name}*", "su", "failure", AUTHN, "info",
     NULL, 0},
    {"Authentication failed for {user.effective.name}*", "su", "failure", AUTHN, "info",
     "authentication failed", 0},
    /* BSD */
    {"BAD SU {user.name} to {user.effective.name} on {process.tty.name}", "su", "failure", AUTHN,
     "info", NULL, 0},
    {"BAD su {user.name} on {process.tty.name}", "su", "failure", AUTHN, "info", NULL, 0},
    /* IRIX */
    {"succeeded: {process.tty.name} changing from {user.name} to {user.effective.name}*", "su",
     "success", AUTHN, "start", NULL, 0},
    {"failed: {process.tty.name} changing from {user.name} to {user.effective.name}*", "su",
     "failure", AUTHN, "info", NULL, 0},
    /* Solaris */
    {"'su {user.effective.name}' succeeded for {user.name} on {process.tty.name}", "su", "success",
     AUTHN, "start", NULL, 0},
    {"'su {user.effective.name}' failed for {user.name} on {process.tty.name}", "su", "failure",
     AUTHN, "info", NULL, 0},
    {"pam_authenticate: {event.reason}", "su", "failure", AUTHN, "info", NULL, 0},
};

static const canh_ptable_t su_tabs[] = {CANH_PTABLE(su_rules)};

static int su_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(su_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_SU = {su_init, canh_pmod_fini};

/* BSD "ericx to root on /dev/ttyu0": exactly five words. */
static bool su_bsd(canh_str_t msg, canh_event_t *ev)
{
    canh_str_t w[6];
    size_t nw = 0;
    canh_str_t rest = msg;
    while (rest.n && nw < 6) {
        ptrdiff_t sp = canh_str_chr(rest, ' ');
        size_t len = sp < 0 ? rest.n : (size_t)sp;
        w[nw++] = canh_str_sub(rest, 0, len);
        rest = canh_str_sub(rest, len, rest.n);
        while (rest.n && rest.p[0] == ' ')
            rest = canh_str_sub(rest, 1, rest.n);
    }
    if (nw != 5 || rest.n || !canh_str_eq_c(w[1], "to") || !canh_str_eq_c(w[3], "on"))
        return false;
    canh_event_set(ev, CANH_F_USER_NAME, w[0]);
    canh_event_set(ev, CANH_F_USER_EFFECTIVE_NAME, w[2]);
    canh_event_set(ev, CANH_F_PROCESS_TTY_NAME, w[4]);
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "su");
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "success");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, AUTHN);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "start");
    return true;
}

int canh_prog_su(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                 canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    if (canh_pmod_match(d, CANH_DEC_SU, 0, msg, ev) >= 0 || su_bsd(msg, ev))
        return CANH_OK;
    return CANH_ENOMATCH;
}
