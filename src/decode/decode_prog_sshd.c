/* decode_prog_sshd.c - OpenSSH sshd messages (sshd, sshd-session).
 *
 * One table, ordered by how often the messages occur on an exposed host:
 * failed logins and invalid users first, then accepted logins and
 * disconnects, then the rest. Each row fails on its first literal in one
 * memcmp, so a line costs a few dozen byte comparisons before its row.
 * Messages that start with "pam_" or "PAM " go to the PAM table; TCP
 * wrappers lines ("refused connect from") to the shared wrapper table.
 * Before matching, a trailing "[preauth]" and a leading "error: " /
 * "fatal: " are taken off (the level goes to log.level). */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define AUTHN "authentication"
#define NET "network"
#define SESS "session"

static const canh_prule_t sshd_rules[] = {
    /* Failed and accepted logins. "for invalid user x" is not a row of its
     * own: the user capture then starts "invalid user " and sshd_fixup
     * strips it, which saves two failing substring searches per line. */
    {"Failed {sshd.auth_method} for {user.name} from {source.address} port {source.port}*",
     "ssh_login", "failure", AUTHN, "info", NULL, 0},
    {"Failed {sshd.auth_method} for {user.name} from {source.address}", "ssh_login", "failure",
     AUTHN, "info", NULL, 0},
    {"Invalid user {user.name} from {source.address} port {source.port}", "ssh_invalid_user",
     "failure", AUTHN, "info", "invalid user", 0},
    {"Invalid user {user.name} from {source.address}", "ssh_invalid_user", "failure", AUTHN, "info",
     "invalid user", 0},
    {"Accepted {sshd.auth_method} for {user.name} from {source.address} port {source.port}*",
     "ssh_login", "success", AUTHN, "start", NULL, 0},
    {"Accepted {sshd.auth_method} for {user.name} from {source.address}", "ssh_login", "success",
     AUTHN, "start", NULL, 0},
    /* disconnects */
    {"Received disconnect from {source.address} port {source.port}:{sshd.disconnect_code}: "
     "{event.reason}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Received disconnect from {source.address} port {source.port}:{sshd.disconnect_code}:",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Received disconnect from {source.address}: {sshd.disconnect_code}: {event.reason}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Disconnected from user {user.name} {source.address} port {source.port}", "ssh_disconnect",
     NULL, AUTHN, "end", NULL, 0},
    {"Disconnected from invalid user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", "invalid user", 0},
    {"Disconnected from authenticating user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Disconnected from {source.address} port {source.port}", "ssh_disconnect", NULL, AUTHN, "end",
     NULL, 0},
    {"Connection closed by authenticating user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Connection closed by invalid user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", "invalid user", 0},
    {"Connection closed by {source.address} port {source.port}", "ssh_disconnect", NULL, AUTHN,
     "end", NULL, 0},
    {"Connection closed by {source.ip}", "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Connection reset by authenticating user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", "connection reset", 0},
    {"Connection reset by invalid user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", "connection reset", 0},
    {"Connection reset by {source.address} port {source.port}", "ssh_disconnect", NULL, AUTHN,
     "end", "connection reset", 0},
    {"Connection reset by {source.ip}", "ssh_disconnect", NULL, AUTHN, "end", "connection reset",
     0},
    /* too many attempts */
    {"maximum authentication attempts exceeded for {user.name} from {source.address} port "
     "{source.port}*",
     "ssh_max_auth_attempts", "failure", AUTHN, "info", "maximum authentication attempts exceeded",
     0},
    {"Disconnecting: Too many authentication failures for {user.name}*", "ssh_max_auth_attempts",
     "failure", AUTHN, "info", "too many authentication failures", 0},
    {"Disconnecting: Too many authentication failures", "ssh_max_auth_attempts", "failure", AUTHN,
     "info", "too many authentication failures", 0},
    {"Disconnecting authenticating user {user.name} {source.address} port {source.port}: Too many "
     "authentication failures",
     "ssh_max_auth_attempts", "failure", AUTHN, "info", "too many authentication failures", 0},
    {"Disconnecting invalid user {user.name} {source.address} port {source.port}: Too many "
     "authentication failures",
     "ssh_max_auth_attempts", "failure", AUTHN, "info", "too many authentication failures", 0},
    {"Disconnecting authenticating user {user.name} {source.address} port {source.port}: "
     "{event.reason}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Disconnecting invalid user {user.name} {source.address} port {source.port}: {event.reason}",
     "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Disconnecting {source.address} port {source.port}: {event.reason}", "ssh_disconnect", NULL,
     AUTHN, "end", NULL, 0},
    {"Disconnecting: {event.reason}", "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    /* scanners and protocol errors */
    {"Did not receive identification string from {source.address} port {source.port}",
     "ssh_no_identification", "failure", NET, "connection", NULL, 0},
    {"Did not receive identification string from {source.address}", "ssh_no_identification",
     "failure", NET, "connection", NULL, 0},
    {"reverse mapping checking getaddrinfo for {source.domain} [{source.ip}] failed*",
     "ssh_reverse_mapping_failed", "failure", NET, "info", "reverse mapping check failed", 0},
    {"reverse mapping checking getaddrinfo for {source.domain} failed*",
     "ssh_reverse_mapping_failed", "failure", NET, "info", "reverse mapping check failed", 0},
    {"Address {source.ip} maps to {source.domain}, but this does not map back to the address*",
     "ssh_reverse_mapping_failed", "failure", NET, "info", "address does not map back", 0},
    {"Nasty PTR record \"{source.domain}\" is set up for {source.ip}, ignoring",
     "ssh_reverse_mapping_failed", "failure", NET, "info", "nasty PTR record", 0},
    {"PAM: Authentication failure for {user.name} from {source.address}", "ssh_login", "failure",
     AUTHN, "info", "authentication failure", 0},
    {"PAM: User not known to the underlying authentication module for illegal user {user.name} "
     "from {source.address}",
     "ssh_invalid_user", "failure", AUTHN, "info", "invalid user", 0},
    {"PAM: User not known to the underlying authentication module for invalid user {user.name} "
     "from {source.address}",
     "ssh_invalid_user", "failure", AUTHN, "info", "invalid user", 0},
    {"PAM: {event.reason} for {user.name} from {source.address}", "ssh_login", "failure", AUTHN,
     "info", NULL, 0},
    {"Bad protocol version identification '{sshd.client_version}' from {source.address} port "
     "{source.port}",
     "ssh_bad_protocol", "failure", NET, "protocol", "bad protocol version identification", 0},
    {"Bad protocol version identification '{sshd.client_version}' from {source.address}",
     "ssh_bad_protocol", "failure", NET, "protocol", "bad protocol version identification", 0},
    {"User {user.name} from {source.address} not allowed because {event.reason}",
     "ssh_user_not_allowed", "failure", AUTHN, "info", NULL, 0},
    {"User {user.name} not allowed because {event.reason}", "ssh_user_not_allowed", "failure",
     AUTHN, "info", NULL, 0},
    {"Timeout before authentication for {source.address} port {source.port}", "ssh_auth_timeout",
     "failure", AUTHN, "info", "timeout before authentication", 0},
    {"Timeout before authentication for {source.address}", "ssh_auth_timeout", "failure", AUTHN,
     "info", "timeout before authentication", 0},
    {"Connection from {source.address} port {source.port} on {destination.address} port "
     "{destination.port}*",
     "ssh_connection", NULL, NET, "connection", NULL, 0},
    {"Connection from {source.address} port {source.port}", "ssh_connection", NULL, NET,
     "connection", NULL, 0},
    {"Illegal user {user.name} from {source.address} port {source.port}", "ssh_invalid_user",
     "failure", AUTHN, "info", "invalid user", 0},
    {"Illegal user {user.name} from {source.address}", "ssh_invalid_user", "failure", AUTHN, "info",
     "invalid user", 0},
    {"input_userauth_request: invalid user {user.name}*", "ssh_invalid_user", "failure", AUTHN,
     "info", "invalid user", 0},
    {"input_userauth_request: illegal user {user.name}*", "ssh_invalid_user", "failure", AUTHN,
     "info", "invalid user", 0},
    {"Postponed {sshd.auth_method} for {user.name} from {source.address} port {source.port}*",
     "ssh_auth_postponed", NULL, AUTHN, "info", NULL, 0},
    {"Starting session: {sshd.session_type} on {process.tty.name} for {user.name} from "
     "{source.address} port {source.port}*",
     "ssh_session_start", "success", SESS, "start", NULL, 0},
    {"Starting session: {sshd.session_type} for {user.name} from {source.address} port "
     "{source.port}*",
     "ssh_session_start", "success", SESS, "start", NULL, 0},
    {"Close session: user {user.name} from {source.address} port {source.port}*", "ssh_session_end",
     NULL, SESS, "end", NULL, 0},
    {"subsystem request for {sshd.subsystem} by user {user.name}*", "ssh_subsystem_request", NULL,
     SESS, "info", NULL, 0},
    {"subsystem request for {sshd.subsystem}", "ssh_subsystem_request", NULL, SESS, "info", NULL,
     0},
    {"Unable to negotiate with {source.address} port {source.port}: {event.reason}",
     "ssh_negotiation_failed", "failure", NET, "protocol", NULL, 0},
    {"Unable to negotiate with {source.address}: {event.reason}", "ssh_negotiation_failed",
     "failure", NET, "protocol", NULL, 0},
    {"kex_exchange_identification: {event.reason}", "ssh_kex_failed", "failure", NET, "protocol",
     NULL, 0},
    {"banner exchange: Connection from {source.address} port {source.port}: {event.reason}",
     "ssh_bad_protocol", "failure", NET, "protocol", NULL, 0},
    {"ssh_dispatch_run_fatal: Connection from {source.address} port {source.port}: "
     "{event.reason}",
     "ssh_protocol_error", "failure", NET, "protocol", NULL, 0},
    {"Protocol major versions differ for {source.address}: {event.reason}", "ssh_bad_protocol",
     "failure", NET, "protocol", NULL, 0},
    {"Timeout, client not responding from user {user.name} {source.address} port {source.port}",
     "ssh_disconnect", NULL, AUTHN, "end", "client not responding", 0},
    {"Timeout, client not responding*", "ssh_disconnect", NULL, AUTHN, "end",
     "client not responding", 0},
    {"Read from socket failed: {event.reason}", "ssh_disconnect", NULL, AUTHN, "end", NULL, 0},
    {"Corrupted MAC on input.*", "ssh_protocol_error", "failure", NET, "protocol",
     "corrupted MAC on input", 0},
    {"Bad packet length {-}.*", "ssh_protocol_error", "failure", NET, "protocol",
     "bad packet length", 0},
    {"Access denied for user {user.name} by PAM account configuration*", "ssh_login", "failure",
     AUTHN, "info", "denied by PAM account configuration", 0},
    {"Authentication refused: {event.reason}", "ssh_login", "failure", AUTHN, "info", NULL, 0},
    {"Bad prime description in line {-}", "ssh_config_error", "failure", "configuration", "error",
     "bad prime description in moduli file", 0},
    {"Could not load host key: {file.path}", "ssh_config_error", "failure", "configuration",
     "error", "could not load host key", 0},
    {"Server listening on {-} port {-}.", "ssh_server_start", "success", "process", "start", NULL,
     0},
    {"Received signal {-}; terminating.", "ssh_server_stop", "success", "process", "end", NULL, 0},
};

static const canh_ptable_t sshd_tabs[] = {CANH_PTABLE(sshd_rules)};

static int sshd_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(sshd_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_SSHD = {sshd_init, canh_pmod_fini};

/* "error: x" -> "x" with log.level "error". */
static canh_str_t strip_level(canh_str_t msg, canh_event_t *ev)
{
    static const char *const levels[] = {"error", "fatal", "warning"};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        size_t n = strlen(levels[i]);
        if (msg.n > n + 2 && memcmp(msg.p, levels[i], n) == 0 && msg.p[n] == ':' &&
            msg.p[n + 1] == ' ') {
            canh_event_set(ev, CANH_F_LOG_LEVEL, canh_str(msg.p, n));
            return canh_str_sub(msg, n + 2, msg.n);
        }
    }
    return msg;
}

/* After a row matched: "invalid user x" -> user.name x, event.reason; the
 * key of a publickey login ("ssh2: RSA SHA256:...") -> sshd.key_type
 * and sshd.key_fingerprint. */
static void sshd_fixup(canh_str_t msg, canh_event_t *ev)
{
    canh_str_t u = canh_event_get(ev, CANH_F_USER_NAME);
    if (u.n > 13 &&
        (memcmp(u.p, "invalid user ", 13) == 0 || memcmp(u.p, "illegal user ", 13) == 0)) {
        canh_event_set(ev, CANH_F_USER_NAME, canh_str_sub(u, 13, u.n));
        if (!canh_event_has(ev, CANH_F_EVENT_REASON))
            canh_event_set_c(ev, CANH_F_EVENT_REASON, "invalid user");
    }
    canh_str_t port = canh_event_get(ev, CANH_F_SOURCE_PORT);
    if (port.p && msg.n > 9 && (msg.p[0] == 'A' || msg.p[0] == 'F')) {
        canh_str_t rest = canh_str_sub(msg, (size_t)(port.p + port.n - msg.p), msg.n);
        if (canh_str_starts(rest, " ssh2: ")) {
            rest = canh_str_sub(rest, 7, rest.n);
            ptrdiff_t sp = canh_str_chr(rest, ' ');
            if (sp > 0) {
                canh_str_t fp = canh_str_sub(rest, (size_t)sp + 1, rest.n);
                ptrdiff_t sp2 = canh_str_chr(fp, ' ');
                if (sp2 >= 0)
                    fp.n = (size_t)sp2;
                canh_event_add(ev, CANH_STR_LIT("sshd.key_type"), canh_str_sub(rest, 0, (size_t)sp),
                               CANH_FT_KEYWORD);
                if (fp.n)
                    canh_event_add(ev, CANH_STR_LIT("sshd.key_fingerprint"), fp, CANH_FT_KEYWORD);
            }
        }
    }
}

int canh_prog_sshd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev)
{
    msg = canh_prog_unrepeat(msg, ev);
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    canh_prog_strip_suffix(&msg, "[preauth]");
    msg = strip_level(msg, ev);
    if (canh_pmod_match(d, CANH_DEC_SSHD, 0, msg, ev) >= 0) {
        sshd_fixup(msg, ev);
        return CANH_OK;
    }
    if (canh_prog_tcpwrap(d, msg, ev) == CANH_OK)
        return CANH_OK;
    canh_event_unset(ev, CANH_F_LOG_LEVEL);
    return CANH_ENOMATCH;
}
