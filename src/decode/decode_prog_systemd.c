/* decode_prog_systemd.c - systemd (PID 1, systemd-logind, user managers)
 * and cron (Vixie cron, cronie, crontab, anacron).
 *
 * systemd unit lines come in two shapes: "Started Foo Daemon." (older: the
 * unit's description only) and "Started foo.service - Foo Daemon."
 * (systemd 248+: name and description). Both are rows; the unit name goes
 * to systemd.unit, the description to systemd.description. Sessions of
 * logind and of "Started Session N of user X." carry user.name and
 * systemd.session_id.
 *
 * cron lines are "(USER) VERB (ARGUMENT)": CMD gives process.command_line. */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define SESS "session"
#define PROC "process"

/* Table 0: sessions, description-only unit lines, the host. */
static const canh_prule_t systemd_rules[] = {
    {"Started Session {systemd.session_id} of user {user.name}.", "session_started", "success",
     SESS, "start", NULL, 0},
    {"Started Session {systemd.session_id} of User {user.name}.", "session_started", "success",
     SESS, "start", NULL, 0},
    {"New session {systemd.session_id} of user {user.name}.", "session_started", "success", SESS,
     "start", NULL, 0},
    {"Removed session {systemd.session_id}.", "session_ended", "success", SESS, "end", NULL, 0},
    {"Session {systemd.session_id} logged out. Waiting for processes to exit.", "session_ended",
     "success", SESS, "end", NULL, 0},
    {"New seat {-}.", "seat_added", NULL, "host", "info", NULL, 0},
    {"Failed to start session scope session-{systemd.session_id}.scope: {event.reason}",
     "session_started", "failure", SESS, "start", NULL, 0},
    {"Started {systemd.description}.", "service_started", "success", PROC, "start", NULL, 0},
    {"Starting {systemd.description}...", "service_starting", NULL, PROC, "info", NULL, 0},
    {"Stopped {systemd.description}.", "service_stopped", "success", PROC, "end", NULL, 0},
    {"Stopping {systemd.description}...", "service_stopping", NULL, PROC, "info", NULL, 0},
    {"Failed to start {systemd.description}.", "service_failed", "failure", PROC, "start", NULL, 0},
    {"Reloaded {systemd.description}.", "service_reloaded", "success", PROC, "change", NULL, 0},
    {"Created slice {systemd.description}.", "slice_created", "success", PROC, "creation", NULL, 0},
    {"Removed slice {systemd.description}.", "slice_removed", "success", PROC, "deletion", NULL, 0},
    {"Reached target {systemd.description}.", "target_reached", NULL, PROC, "info", NULL, 0},
    {"System is rebooting.", "system_reboot", NULL, "host", "end", NULL, 0},
    {"System is powering down.", "system_shutdown", NULL, "host", "end", NULL, 0},
    {"Power key pressed.", "power_key_pressed", NULL, "host", "info", NULL, 0},
    {"Startup finished in {-}", "system_boot", "success", "host", "start", NULL, 0},
    {"Reloading.", "daemon_reload", NULL, "configuration", "change", NULL, 0},
};

/* Table 1: "Verb unit.type - Description." (systemd 248+). */
static const canh_prule_t systemd_named_rules[] = {
    {"Started session-{-}.scope - Session {systemd.session_id} of User {user.name}.",
     "session_started", "success", SESS, "start", NULL, 0},
    {"Started {systemd.unit} - {systemd.description}.", "service_started", "success", PROC, "start",
     NULL, 0},
    {"Starting {systemd.unit} - {systemd.description}...", "service_starting", NULL, PROC, "info",
     NULL, 0},
    {"Stopped {systemd.unit} - {systemd.description}.", "service_stopped", "success", PROC, "end",
     NULL, 0},
    {"Stopping {systemd.unit} - {systemd.description}...", "service_stopping", NULL, PROC, "info",
     NULL, 0},
    {"Failed to start {systemd.unit} - {systemd.description}.", "service_failed", "failure", PROC,
     "start", NULL, 0},
    {"Reloaded {systemd.unit} - {systemd.description}.", "service_reloaded", "success", PROC,
     "change", NULL, 0},
    {"Created slice {systemd.unit} - {systemd.description}.", "slice_created", "success", PROC,
     "creation", NULL, 0},
    {"Removed slice {systemd.unit} - {systemd.description}.", "slice_removed", "success", PROC,
     "deletion", NULL, 0},
    {"Reached target {systemd.unit} - {systemd.description}.", "target_reached", NULL, PROC, "info",
     NULL, 0},
};

/* Table 2: "unit.type: what happened". */
static const canh_prule_t systemd_unit_rules[] = {
    {"session-{systemd.session_id}.scope: Deactivated successfully.", "session_ended", "success",
     SESS, "end", NULL, 0},
    {"{systemd.unit}: Failed with result '{event.reason}'.", "service_failed", "failure", PROC,
     "end", NULL, 0},
    {"{systemd.unit}: Main process exited, code={-}, status={process.exit_code}/{event.reason}",
     "service_exited", NULL, PROC, "end", NULL, 0},
    {"{systemd.unit}: Main process exited, code={-}, status={event.reason}", "service_exited", NULL,
     PROC, "end", NULL, 0},
    {"{systemd.unit}: Deactivated successfully.", "service_stopped", "success", PROC, "end", NULL,
     0},
    {"{systemd.unit}: Succeeded.", "service_stopped", "success", PROC, "end", NULL, 0},
    {"{systemd.unit}: Scheduled restart job, restart counter is at {-}.", "service_restarting",
     NULL, PROC, "info", NULL, 0},
};

static const canh_ptable_t systemd_tabs[] = {
    CANH_PTABLE(systemd_rules), CANH_PTABLE(systemd_named_rules), CANH_PTABLE(systemd_unit_rules)};

static int systemd_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(systemd_tabs, 3, state, eb);
}

const canh_decode_mod_t canh_mod_SYSTEMD = {systemd_init, canh_pmod_fini};

/* A unit name is one word with a type suffix ("nginx.service"). */
static bool unit_name(canh_str_t s)
{
    if (s.n < 3 || s.n > 256)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == ':')
            return false;
    ptrdiff_t dot = canh_str_chr(s, '.');
    return dot > 0 && (size_t)dot + 1 < s.n;
}

/* "Verb[ words] unit.type - ...": the word before the first " - " is a unit
 * name and something precedes it. */
static bool named_unit_form(canh_str_t msg)
{
    ptrdiff_t dash = canh_str_find_c(msg, " - ");
    if (dash <= 0)
        return false;
    size_t q = (size_t)dash;
    while (q > 0 && msg.p[q - 1] != ' ')
        q--;
    return q > 0 && unit_name(canh_str_sub(msg, q, (size_t)dash - q));
}

int canh_prog_systemd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    ptrdiff_t colon = canh_str_find_c(msg, ": ");
    bool ok = (colon > 0 && unit_name(canh_str_sub(msg, 0, (size_t)colon)) &&
               canh_pmod_match(d, CANH_DEC_SYSTEMD, 2, msg, ev) >= 0) ||
              (named_unit_form(msg) && canh_pmod_match(d, CANH_DEC_SYSTEMD, 1, msg, ev) >= 0) ||
              canh_pmod_match(d, CANH_DEC_SYSTEMD, 0, msg, ev) >= 0;
    if (!ok)
        return CANH_ENOMATCH;
    canh_str_t unit;
    if (canh_event_get_name(ev, CANH_STR_LIT("systemd.unit"), &unit, NULL) == CANH_OK)
        canh_event_set(ev, CANH_F_SERVICE_NAME, unit);
    return CANH_OK;
}

/* ---- cron -------------------------------------------------------------------- */

static const canh_prule_t cron_rules[] = {
    {"({user.name}) CMD ({process.command_line})", "cron_command", "success", PROC, "start", NULL,
     0},
    {"({user.name}) CMDOUT ({-})", "cron_command_output", NULL, PROC, "info", NULL, 0},
    {"({user.name}) CMDEND ({process.command_line})", "cron_command_end", NULL, PROC, "end", NULL,
     0},
    {"({user.name}) RELOAD ({file.path})", "cron_reload", "success", "configuration", "change",
     NULL, 0},
    {"({user.name}) BEGIN EDIT ({-})", "crontab_edit", NULL, "configuration", "access", NULL, 0},
    {"({user.name}) END EDIT ({-})", "crontab_edit", NULL, "configuration", "access", NULL, 0},
    {"({user.name}) REPLACE ({user.target.name})", "crontab_replaced", "success", "configuration",
     "change", NULL, 0},
    {"({user.name}) DELETE ({user.target.name})", "crontab_deleted", "success", "configuration",
     "deletion", NULL, 0},
    {"({user.name}) LIST ({user.target.name})", "crontab_list", "success", "configuration",
     "access", NULL, 0},
    {"({user.name}) FAILED to authorize user with PAM ({event.reason})", "cron_auth_failure",
     "failure", "authentication", "info", NULL, 0},
    {"({user.name}) ORPHAN ({event.reason})", "cron_orphan", "failure", PROC, "info", NULL, 0},
    {"({user.name}) AUTH ({event.reason})", "cron_auth_failure", "failure", "authentication",
     "info", NULL, 0},
    {"(CRON) {log.level} ({event.reason})", "cron_info", NULL, PROC, "info", NULL, 0},
    {"Job `{-}' started", "cron_job_started", NULL, PROC, "start", NULL, 0},
    {"Job `{-}' terminated*", "cron_job_ended", NULL, PROC, "end", NULL, 0},
    {"Anacron {-} started on {-}", "cron_started", "success", PROC, "start", NULL, 0},
};

static const canh_ptable_t cron_tabs[] = {CANH_PTABLE(cron_rules)};

static int cron_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(cron_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_CRON = {cron_init, canh_pmod_fini};

int canh_prog_cron(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    if (canh_pmod_match(d, CANH_DEC_CRON, 0, msg, ev) < 0)
        return CANH_ENOMATCH;
    canh_str_t u = canh_event_get(ev, CANH_F_USER_NAME);
    if (u.p && (canh_str_eq_c(u, "*system*") || canh_str_eq_c(u, "CRON")))
        canh_event_unset(ev, CANH_F_USER_NAME);
    return CANH_OK;
}
