/* decode_prog_misc.c - the smaller daemons: BIND named, inetd/xinetd and the
 * services they start (telnetd, fingerd, rshd, ...), RPC daemons, console
 * login, Samba smbd, and the TCP wrappers lines all of them share.
 *
 * The TCP wrappers table lives in the INETD module's state (table 0) and is
 * reached from other decoders through canh_prog_tcpwrap(). */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define AUTHN "authentication"
#define NET "network"

/* ==== TCP wrappers and inetd ================================================= */

static const canh_prule_t tcpwrap_rules[] = {
    {"connect from {source.user.name}@{source.domain} ({source.ip})", "connection_accepted",
     "success", NET, "allowed", NULL, 0},
    {"connect from {source.domain} ({source.ip})", "connection_accepted", "success", NET, "allowed",
     NULL, 0},
    {"connect from {source.address}", "connection_accepted", "success", NET, "allowed", NULL, 0},
    {"refused connect from {source.user.name}@{source.domain} ({source.ip})", "connection_refused",
     "failure", NET, "denied", NULL, 0},
    {"refused connect from {source.domain} ({source.ip})", "connection_refused", "failure", NET,
     "denied", NULL, 0},
    {"refused connect from {source.ip}:{source.port}", "connection_refused", "failure", NET,
     "denied", NULL, 0},
    {"refused connect from {source.address}", "connection_refused", "failure", NET, "denied", NULL,
     0},
    {"refused connect from", "connection_refused", "failure", NET, "denied", NULL, CANH_PR_PARTIAL},
    {"warning: can't verify hostname: gethostbyname({source.domain}) failed",
     "hostname_verification_failed", NULL, NET, "info", "cannot verify host name", 0},
    {"warning: can't verify hostname: gethostbyname({source.domain}",
     "hostname_verification_failed", NULL, NET, "info", "cannot verify host name", CANH_PR_PARTIAL},
    {"warning: host name/name mismatch: {source.domain} != {-}", "hostname_mismatch", NULL, NET,
     "info", "host name/name mismatch", 0},
    {"warning: host name/address mismatch: {source.ip} != {source.domain}", "hostname_mismatch",
     NULL, NET, "info", "host name/address mismatch", 0},
};

static const canh_prule_t inetd_rules[] = {
    /* telnetd */
    {"ttloop:{-}: {event.reason}", "telnet_disconnect", NULL, NET, "end", NULL, 0},
    /* xinetd */
    {"START: {service.name} pid={-} from={source.address}", "connection_accepted", "success", NET,
     "allowed", NULL, 0},
    {"START: {service.name} from={source.address}", "connection_accepted", "success", NET,
     "allowed", NULL, 0},
    {"EXIT: {service.name} {-}", "connection_closed", NULL, NET, "end", NULL, 0},
    {"FAIL: {service.name} {event.reason} from={source.address}", "connection_refused", "failure",
     NET, "denied", NULL, 0},
    {"Deactivating service {service.name} due to excessive incoming connections.*",
     "service_deactivated", "failure", NET, "denied", "excessive incoming connections", 0},
    {"xinetd Version {service.version} started with {-}", "service_started", "success", "process",
     "start", NULL, 0},
    {"Started working: {-} available services", "service_started", "success", "process", "start",
     NULL, 0},
    {"Exiting...", "service_stopped", "success", "process", "end", NULL, 0},
    /* inetd: a child died */
    {"{process.executable}: Segmentation Fault - core dumped", "process_crash", "failure",
     "process", "end", "segmentation fault", 0},
    {"{process.executable}: Bus Error - core dumped", "process_crash", "failure", "process", "end",
     "bus error", 0},
    {"{process.executable}: {event.reason} - core dumped", "process_crash", "failure", "process",
     "end", NULL, 0},
    {"{process.executable}: Hangup", "process_signaled", NULL, "process", "end", "hangup", 0},
    {"{service.name}/{network.transport}: bind: {event.reason}", "service_bind_failed", "failure",
     NET, "error", NULL, 0},
    /* RPC daemons */
    {"gethostbyname error for {-}", "rpc_gethostbyname_error", "failure", NET, "error",
     "gethostbyname error", 0},
    {"gethostbyname error for", "rpc_gethostbyname_error", "failure", NET, "error",
     "gethostbyname error", CANH_PR_PARTIAL},
    {"refused mount request from {source.address} for {file.path} ({-}): {event.reason}",
     "nfs_mount_refused", "failure", NET, "denied", NULL, 0},
    {"authenticated mount request from {source.address}:{source.port} for {file.path} ({-})",
     "nfs_mount", "success", NET, "allowed", NULL, 0},
    {"authenticated unmount request from {source.address}:{source.port} for {file.path} ({-})",
     "nfs_unmount", "success", NET, "allowed", NULL, 0},
    {"_Tt_file_system::findBestMountPoint -- max_match_entry is null, aborting...",
     "rpc_ttdbserverd_abort", "failure", "process", "error", "max_match_entry is null", 0},
};

enum { T_TCPWRAP = 0, T_INETD };

static const canh_ptable_t inetd_tabs[] = {CANH_PTABLE(tcpwrap_rules), CANH_PTABLE(inetd_rules)};

static int inetd_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(inetd_tabs, 2, state, eb);
}

const canh_decode_mod_t canh_mod_INETD = {inetd_init, canh_pmod_fini};

int canh_prog_tcpwrap(const canh_decode_t *d, canh_str_t msg, canh_event_t *ev)
{
    /* Every row starts with "connect", "refused" or "warning". */
    if (msg.n < 12 || (msg.p[0] != 'c' && msg.p[0] != 'r' && msg.p[0] != 'w'))
        return CANH_ENOMATCH;
    return canh_pmod_match(d, CANH_DEC_INETD, T_TCPWRAP, msg, ev) >= 0 ? CANH_OK : CANH_ENOMATCH;
}

int canh_prog_inetd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    if (canh_prog_tcpwrap(d, msg, ev) == CANH_OK)
        return CANH_OK;
    canh_str_t name = canh_event_get(ev, CANH_F_PROCESS_NAME);
    canh_str_t pid = canh_event_get(ev, CANH_F_PROCESS_PID);
    if (canh_pmod_match(d, CANH_DEC_INETD, T_INETD, msg, ev) < 0)
        return CANH_ENOMATCH;
    /* "inetd[600]: /usr/sbin/in.fooed: Segmentation Fault": the child is
     * the subject, inetd its parent. */
    canh_str_t exe = canh_event_get(ev, CANH_F_PROCESS_EXECUTABLE);
    if (exe.p && exe.n && exe.p[0] == '/' && exe.p >= msg.p && exe.p < msg.p + msg.n && name.p) {
        canh_event_set(ev, CANH_F_PROCESS_PARENT_NAME, name);
        if (pid.p)
            canh_event_set(ev, CANH_F_PROCESS_PARENT_PID, pid);
        canh_event_unset(ev, CANH_F_PROCESS_PID);
        canh_event_set(ev, CANH_F_PROCESS_NAME, canh_prog_base(exe));
    }
    return CANH_OK;
}

/* ==== named ================================================================== */

static const canh_prule_t named_rules[] = {
    {"dropping source port zero packet from [{source.ip}].{source.port}", "dns_source_port_zero",
     "failure", NET, "denied", "source port zero", 0},
    {"denied AXFR from [{source.ip}].{source.port} for \"{dns.question.name}\" ({event.reason})",
     "dns_zone_transfer_denied", "failure", NET, "denied", NULL, 0},
    {"denied AXFR from [{source.ip}].{source.port} for \"{dns.question.name}\"*",
     "dns_zone_transfer_denied", "failure", NET, "denied", NULL, 0},
    {"denied AXFR from [{source.ip}].{source.port} for", "dns_zone_transfer_denied", "failure", NET,
     "denied", NULL, CANH_PR_PARTIAL},
    {"denied update from [{source.ip}].{source.port} for \"{dns.question.name}\"*",
     "dns_update_denied", "failure", NET, "denied", NULL, 0},
    {"denied update from [{source.ip}].{source.port} for {dns.question.name}", "dns_update_denied",
     "failure", NET, "denied", NULL, 0},
    {"unapproved update from [{source.ip}].{source.port} for {dns.question.name}",
     "dns_update_denied", "failure", NET, "denied", "unapproved update", 0},
    {"unexpected RCODE ({dns.response_code}) resolving "
     "'{dns.question.name}/{dns.question.type}/{-}': {destination.ip}#{destination.port}",
     "dns_unexpected_rcode", "failure", NET, "protocol", NULL, 0},
    {"lame server resolving '{dns.question.name}' (in '{-}'?): "
     "{destination.ip}#{destination.port}",
     "dns_lame_server", "failure", NET, "protocol", "lame server", 0},
    {"network unreachable resolving '{dns.question.name}/{dns.question.type}/{-}': "
     "{destination.ip}#{destination.port}",
     "dns_resolution_failed", "failure", NET, "protocol", "network unreachable", 0},
    {"transfer of '{dns.question.name}/{-}' from {destination.ip}#{destination.port}: "
     "{event.reason}",
     "dns_zone_transfer", NULL, NET, "protocol", NULL, 0},
    {"zone {dns.question.name}/{-}: loaded serial {-}", "dns_zone_loaded", "success",
     "configuration", "change", NULL, 0},
    {"starting BIND {service.version}*", "service_started", "success", "process", "start", NULL, 0},
    {"running", "service_started", "success", "process", "start", NULL, 0},
    {"exiting", "service_stopped", "success", "process", "end", NULL, 0},
};

/* Lines that start "client [@0x... ]ip#port": matched without that word. */
static const canh_prule_t named_client_rules[] = {
    {"{source.ip}#{source.port}: update '{dns.question.name}/{-}' denied", "dns_update_denied",
     "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port} ({-}): update '{dns.question.name}/{-}' denied",
     "dns_update_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port} ({-}): zone transfer '{dns.question.name}/{-}/{-}' denied",
     "dns_zone_transfer_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port}: zone transfer '{dns.question.name}/{-}/{-}' denied",
     "dns_zone_transfer_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port} ({-}): query (cache) "
     "'{dns.question.name}/{dns.question.type}/{-}' denied",
     "dns_query_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port}: query (cache) '{dns.question.name}/{dns.question.type}/{-}' "
     "denied",
     "dns_query_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port} ({-}): query '{dns.question.name}/{dns.question.type}/{-}' "
     "denied",
     "dns_query_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port}: query '{dns.question.name}/{dns.question.type}/{-}' denied",
     "dns_query_denied", "failure", NET, "denied", NULL, 0},
    {"{source.ip}#{source.port} ({-}): query: {dns.question.name} {-} {dns.question.type} "
     "{-}",
     "dns_query", NULL, NET, "protocol", NULL, 0},
    {"{source.ip}#{source.port}: query: {dns.question.name} {-} {dns.question.type} {-}",
     "dns_query", NULL, NET, "protocol", NULL, 0},
    {"{source.ip}#{source.port} ({-}): message parsing failed: {event.reason}",
     "dns_malformed_query", "failure", NET, "protocol", NULL, 0},
    {"{source.ip}#{source.port}: message parsing failed: {event.reason}", "dns_malformed_query",
     "failure", NET, "protocol", NULL, 0},
};

static const canh_ptable_t named_tabs[] = {CANH_PTABLE(named_rules),
                                           CANH_PTABLE(named_client_rules)};

static int named_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(named_tabs, 2, state, eb);
}

const canh_decode_mod_t canh_mod_NAMED = {named_init, canh_pmod_fini};

/* BIND's "category: severity: " prefix ("security: notice: "). */
static canh_str_t named_strip_category(canh_str_t msg, canh_str_t *level)
{
    static const char *const sev[] = {"notice", "info", "warning", "error", "critical", "debug"};
    ptrdiff_t c1 = canh_str_find_c(msg, ": ");
    if (c1 <= 0 || c1 > 32 || canh_str_chr(canh_str_sub(msg, 0, (size_t)c1), ' ') >= 0)
        return msg;
    canh_str_t rest = canh_str_sub(msg, (size_t)c1 + 2, msg.n);
    for (size_t i = 0; i < sizeof sev / sizeof sev[0]; i++) {
        size_t n = strlen(sev[i]);
        if (rest.n > n + 2 && memcmp(rest.p, sev[i], n) == 0 && rest.p[n] == ':' &&
            rest.p[n + 1] == ' ') {
            *level = canh_str(rest.p, n);
            return canh_str_sub(rest, n + 2, rest.n);
        }
    }
    return msg;
}

int canh_prog_named(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev)
{
    (void)h;
    canh_str_t level = CANH_STR_NULL;
    msg = named_strip_category(msg, &level);
    size_t tab = 0;
    if (canh_str_starts(msg, "client ")) {
        /* BIND 9.11+ puts a handle before the address: "client @0x7f.. 1.2.3.4#53". */
        msg = canh_str_sub(msg, 7, msg.n);
        if (canh_str_starts(msg, "@0x")) {
            ptrdiff_t sp = canh_str_chr(msg, ' ');
            if (sp <= 0)
                return CANH_ENOMATCH;
            msg = canh_str_sub(msg, (size_t)sp + 1, msg.n);
        }
        tab = 1;
    }
    if (canh_pmod_match(d, CANH_DEC_NAMED, tab, msg, ev) < 0)
        return CANH_ENOMATCH;
    if (level.p)
        canh_event_set(ev, CANH_F_LOG_LEVEL, level);
    return CANH_OK;
}

/* ==== login ================================================================== */

static const canh_prule_t login_rules[] = {
    {"FAILED LOGIN {login.failures} FROM {source.address} FOR {user.name}, {event.reason}", "login",
     "failure", AUTHN, "info", NULL, 0},
    {"FAILED LOGIN SESSION FROM {source.address} FOR {user.name}, {event.reason}", "login",
     "failure", AUTHN, "info", NULL, 0},
    {"FAILED LOGIN ({login.failures}) on '{process.tty.name}' FROM '{source.address}' FOR "
     "'{user.name}', {event.reason}",
     "login", "failure", AUTHN, "info", NULL, 0},
    {"FAILED LOGIN ({login.failures}) on '{process.tty.name}' FOR '{user.name}', {event.reason}",
     "login", "failure", AUTHN, "info", NULL, 0},
    {"TOO MANY LOGIN TRIES ({login.failures}) on '{process.tty.name}' FROM '{source.address}' FOR "
     "'{user.name}', {event.reason}",
     "login", "failure", AUTHN, "info", NULL, 0},
    {"TOO MANY LOGIN TRIES ({login.failures}) on '{process.tty.name}' FOR '{user.name}', "
     "{event.reason}",
     "login", "failure", AUTHN, "info", NULL, 0},
    {"{login.failures} LOGIN FAILURE FROM {source.address} ON {process.tty.name}, {user.name}*",
     "login", "failure", AUTHN, "info", "login failure", 0},
    {"{login.failures} LOGIN FAILURES FROM {source.address} ON {process.tty.name}, {user.name}*",
     "login", "failure", AUTHN, "info", "login failure", 0},
    {"{login.failures} LOGIN FAILURE ON {process.tty.name}, {user.name}*", "login", "failure",
     AUTHN, "info", "login failure", 0},
    {"{login.failures} LOGIN FAILURES ON {process.tty.name}, {user.name}*", "login", "failure",
     AUTHN, "info", "login failure", 0},
    {"{login.failures} LOGIN FAILURE ON {process.tty.name}", "login", "failure", AUTHN, "info",
     "login failure", 0},
    {"{login.failures} LOGIN FAILURES ON {process.tty.name}", "login", "failure", AUTHN, "info",
     "login failure", 0},
    {"ROOT LOGIN ON {process.tty.name} FROM {source.address}", "login", "success", AUTHN, "start",
     NULL, 0},
    {"ROOT LOGIN ON {process.tty.name}", "login", "success", AUTHN, "start", NULL, 0},
    {"ROOT LOGIN  ON {process.tty.name}", "login", "success", AUTHN, "start", NULL, 0},
    {"ROOT LOGIN REFUSED ON {process.tty.name} FROM {source.address}", "login", "failure", AUTHN,
     "info", "root login refused", 0},
    {"ROOT LOGIN REFUSED ON {process.tty.name}", "login", "failure", AUTHN, "info",
     "root login refused", 0},
    {"root login refused on this terminal.", "login", "failure", AUTHN, "info",
     "root login refused", 0},
    {"LOGIN ON {process.tty.name} BY {user.name} FROM {source.address}", "login", "success", AUTHN,
     "start", NULL, 0},
    {"LOGIN ON {process.tty.name} BY {user.name}*", "login", "success", AUTHN, "start", NULL, 0},
    {"DIALUP AT {process.tty.name} BY {user.name}*", "login", "success", AUTHN, "start", NULL, 0},
    {"invalid password for '{user.name}' on '{process.tty.name}' from '{source.address}'", "login",
     "failure", AUTHN, "info", "invalid password", 0},
    {"invalid password for '{user.name}' on '{process.tty.name}'", "login", "failure", AUTHN,
     "info", "invalid password", 0},
};

static const canh_ptable_t login_tabs[] = {CANH_PTABLE(login_rules)};

static int login_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(login_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_LOGIN = {login_init, canh_pmod_fini};

int canh_prog_login(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    if (canh_pmod_match(d, CANH_DEC_LOGIN, 0, msg, ev) < 0)
        return CANH_ENOMATCH;
    if (!canh_event_has(ev, CANH_F_USER_NAME) &&
        (canh_str_starts(msg, "ROOT LOGIN") || canh_str_starts(msg, "root login")))
        canh_event_set_c(ev, CANH_F_USER_NAME, "root");
    /* "FROM tty1" names a terminal, not a host. */
    canh_str_t a = canh_event_get(ev, CANH_F_SOURCE_ADDRESS);
    if (a.p &&
        (canh_str_starts(a, "tty") || canh_str_starts(a, "pts/") || canh_str_starts(a, "/dev/"))) {
        if (!canh_event_has(ev, CANH_F_PROCESS_TTY_NAME))
            canh_event_set(ev, CANH_F_PROCESS_TTY_NAME, a);
        canh_event_unset(ev, CANH_F_SOURCE_ADDRESS);
        canh_event_unset(ev, CANH_F_SOURCE_DOMAIN);
    }
    return CANH_OK;
}

/* ==== smbd =================================================================== */

static const canh_prule_t smbd_rules[] = {
    {"getpeername failed. Error was {event.reason}", "smb_connection_error", "failure", NET,
     "error", NULL, 0},
    {"Denied connection from {source.domain} ({source.ip})", "smb_connection_denied", "failure",
     NET, "denied", NULL, 0},
    {"Denied connection from {source.address}", "smb_connection_denied", "failure", NET, "denied",
     NULL, 0},
    {"Connection denied from {source.address}", "smb_connection_denied", "failure", NET, "denied",
     NULL, 0},
    {"write_socket_data: write failure. Error = {event.reason}", "smb_connection_error", "failure",
     NET, "error", NULL, 0},
    {"write_socket: Error writing {-} bytes to socket {-}: ERRNO = {event.reason}",
     "smb_connection_error", "failure", NET, "error", NULL, 0},
    {"Error writing {-} bytes to client. {-}. ({event.reason})", "smb_connection_error", "failure",
     NET, "error", NULL, 0},
    {"{-}: client {source.ip} read error = {event.reason}.", "smb_connection_error", "failure", NET,
     "error", NULL, 0},
    {"Permission denied-- user not allowed to delete, pause, or resume print job. User name: "
     "{user.name}. Printer name: {smbd.printer}.",
     "smb_print_job_denied", "failure", "host", "denied", "permission denied", 0},
    {"check_ntlm_password:  Authentication for user [{user.name}] -> [{-}] FAILED with error "
     "{event.reason}",
     "smb_login", "failure", AUTHN, "info", NULL, 0},
    {"check_ntlm_password:  authentication for user [{user.name}] -> [{-}] -> [{-}] succeeded",
     "smb_login", "success", AUTHN, "start", NULL, 0},
    {"{-} (ipv4:{source.ip}:{source.port}) connect to service {smbd.share} initially as user "
     "{user.name} ({-}*",
     "smb_share_connect", "success", NET, "connection", NULL, 0},
    {"{-} ({source.ip}) connect to service {smbd.share} initially as user {user.name} ({-}*",
     "smb_share_connect", "success", NET, "connection", NULL, 0},
    {"{-} (ipv4:{source.ip}:{source.port}) closed connection to service {smbd.share}",
     "smb_share_disconnect", NULL, NET, "end", NULL, 0},
    {"{-} ({source.ip}) closed connection to service {smbd.share}", "smb_share_disconnect", NULL,
     NET, "end", NULL, 0},
};

static const canh_ptable_t smbd_tabs[] = {CANH_PTABLE(smbd_rules)};

static int smbd_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(smbd_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_SMBD = {smbd_init, canh_pmod_fini};

int canh_prog_smbd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    if (canh_pmod_match(d, CANH_DEC_SMBD, 0, msg, ev) >= 0)
        return CANH_OK;
    return canh_prog_tcpwrap(d, msg, ev);
}
