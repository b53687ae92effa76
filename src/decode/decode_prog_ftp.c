/* decode_prog_ftp.c - FTP servers: ProFTPD, vsftpd, Pure-FTPd, and the BSD,
 * Solaris, AIX and wu-ftpd ftpd.
 *
 * ProFTPD prefixes most lines with the server's name and the client:
 *   "srv.example.com (client.example.net[1.2.3.4]) - USER bob: Login successful."
 *   "srv.example.com (1.2.3.4[1.2.3.4]): FTP session opened."   (1.2: no " - ")
 * The prefix is read by hand (client -> source.domain/ip, server ->
 * destination.domain), the rest through the ProFTPD table, then the
 * generic ftpd table, then the TCP wrappers table. vsftpd's "[pid N] "
 * and Pure-FTPd's "(user@host) [LEVEL] " prefixes are matched by rows. */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

#define AUTHN "authentication"
#define NET "network"
#define SESS "session"

static const canh_prule_t proftpd_rules[] = {
    {"FTP session opened.", "ftp_session_opened", "success", SESS, "start", NULL, 0},
    {"FTP session closed.", "ftp_session_closed", "success", SESS, "end", NULL, 0},
    {"USER {user.name}: Login successful.", "ftp_login", "success", AUTHN, "start", NULL, 0},
    {"ANON {user.name}: Login successful.", "ftp_login", "success", AUTHN, "start", "anonymous", 0},
    {"USER {user.name} (Login failed): {event.reason}", "ftp_login", "failure", AUTHN, "info", NULL,
     0},
    {"USER {user.name}: no such user found from {-} [{-}] to {destination.ip}:{destination.port}",
     "ftp_invalid_user", "failure", AUTHN, "info", "no such user", 0},
    {"USER {user.name}: no such user found*", "ftp_invalid_user", "failure", AUTHN, "info",
     "no such user", 0},
    {"no such user '{user.name}'", "ftp_invalid_user", "failure", AUTHN, "info", "no such user", 0},
    {"no such user", "ftp_invalid_user", "failure", AUTHN, "info", "no such user", CANH_PR_PARTIAL},
    {"Maximum login attempts ({-}) exceeded*", "ftp_max_login_attempts", "failure", AUTHN, "info",
     "maximum login attempts exceeded", 0},
    {"SECURITY VIOLATION: {user.name} login attempted*", "ftp_login", "failure", AUTHN, "info",
     "security violation: login attempted", 0},
    {"Refused PORT {ftp.port_argument} ({event.reason})", "ftp_port_refused", "failure", NET,
     "denied", NULL, 0},
    {"FTP no transfer timeout, disconnected", "ftp_timeout", NULL, SESS, "end",
     "no transfer timeout", 0},
    {"FTP login timed out, disconnected", "ftp_timeout", NULL, SESS, "end", "login timed out", 0},
    {"FTP session idle timeout, disconnected*", "ftp_timeout", NULL, SESS, "end", "idle timeout",
     0},
    {"Data transfer stall timeout: {-} seconds", "ftp_timeout", NULL, SESS, "end",
     "data transfer stall timeout", 0},
    {"ProFTPD terminating (signal {-})", "ftp_server_stop", "failure", "process", "end",
     "terminated by signal", 0},
    {"ProFTPD killed (signal {-})", "ftp_server_stop", "success", "process", "end", NULL, 0},
    {"ProFTPD {service.version} {-}standalone mode STARTUP", "ftp_server_start", "success",
     "process", "start", NULL, 0},
    {"ProFTPD {service.version} standalone mode SHUTDOWN", "ftp_server_stop", "success", "process",
     "end", NULL, 0},
    {"unable to find open port in PassivePorts range {-}*", "ftp_passive_ports_exhausted", NULL,
     NET, "info", "no open port in PassivePorts range", 0},
    {"Reallocating sreaddir buffer from {-} entries to {-} entries", "ftp_buffer_realloc", NULL,
     "process", "info", NULL, 0},
    {"listen() failed in inet_listen(): {event.reason}", "ftp_listen_failed", "failure", NET,
     "error", NULL, 0},
    {"Preparing to chroot to directory '{file.path}'", "ftp_chroot", NULL, SESS, "info", NULL, 0},
};

static const canh_prule_t ftpd_rules[] = {
    {"FTPD: IMPORT file local {file.path}, remote {ftp.remote_file}", "ftp_upload", "success",
     "file", "creation", NULL, 0},
    {"FTPD: IMPORT file local {file.path}, remote", "ftp_upload", "success", "file", "creation",
     NULL, 0},
    {"FTPD: EXPORT file local , remote {file.name}", "ftp_download", "success", "file", "access",
     NULL, 0},
    {"FTPD: EXPORT file local {file.path}, remote {ftp.remote_file}", "ftp_download", "success",
     "file", "access", NULL, 0},
    {"FTPD: EXPORT file local {file.path}, remote", "ftp_download", "success", "file", "access",
     NULL, 0},
    {"connection from {source.domain} [{source.ip}] at {-}", "ftp_connect", NULL, NET, "connection",
     NULL, 0},
    {"connection from {source.address} at {-}", "ftp_connect", NULL, NET, "connection", NULL, 0},
    {"FTP LOGIN FROM {source.domain} [{source.ip}], {user.name}*", "ftp_login", "success", AUTHN,
     "start", NULL, 0},
    {"FTP LOGIN FROM {source.address}, {user.name}*", "ftp_login", "success", AUTHN, "start", NULL,
     0},
    {"ANONYMOUS FTP LOGIN FROM {source.domain} [{source.ip}], {user.name}*", "ftp_login", "success",
     AUTHN, "start", "anonymous", 0},
    {"ANONYMOUS FTP LOGIN FROM {source.address}, {user.name}*", "ftp_login", "success", AUTHN,
     "start", "anonymous", 0},
    {"ANONYMOUS FTP LOGIN FROM {source.address}", "ftp_login", "success", AUTHN, "start",
     "anonymous", CANH_PR_PARTIAL},
    {"FTP LOGIN FAILED FROM {source.domain} [{source.ip}], {user.name}*", "ftp_login", "failure",
     AUTHN, "info", NULL, 0},
    {"FTP LOGIN FAILED FROM {source.address}, {user.name}*", "ftp_login", "failure", AUTHN, "info",
     NULL, 0},
    {"FTP LOGIN REFUSED ({event.reason}) FROM {source.domain} [{source.ip}], {user.name}*",
     "ftp_login", "failure", AUTHN, "info", NULL, 0},
    {"FTP LOGIN REFUSED ({event.reason}) FROM {source.address}, {user.name}*", "ftp_login",
     "failure", AUTHN, "info", NULL, 0},
    {"failed login from {source.domain} [{source.ip}]*", "ftp_login", "failure", AUTHN, "info",
     NULL, 0},
    {"repeated login failures from {source.domain} [{source.ip}]", "ftp_login_failures", "failure",
     AUTHN, "info", "repeated login failures", 0},
    {"repeated login failures from {source.address}", "ftp_login_failures", "failure", AUTHN,
     "info", "repeated login failures", 0},
    {"User {user.name} timed out after {-} seconds at {-}", "ftp_timeout", NULL, SESS, "end",
     "idle timeout", 0},
    {"gethostbyaddr: {source.domain} != {source.ip}", "hostname_mismatch", NULL, NET, "info",
     "host name/address mismatch", 0},
    {"FTP session closed", "ftp_session_closed", "success", SESS, "end", NULL, 0},
    {"lost connection to {source.domain} [{source.ip}]", "ftp_disconnect", "failure", SESS, "end",
     "lost connection", 0},
};

static const canh_prule_t vsftpd_rules[] = {
    {"[{user.name}] OK LOGIN: Client \"{source.address}\"*", "ftp_login", "success", AUTHN, "start",
     NULL, 0},
    {"[{user.name}] FAIL LOGIN: Client \"{source.address}\"*", "ftp_login", "failure", AUTHN,
     "info", NULL, 0},
    {"CONNECT: Client \"{source.address}\"*", "ftp_connect", NULL, NET, "connection", NULL, 0},
    {"[{user.name}] OK UPLOAD: Client \"{source.address}\", \"{file.path}\"*", "ftp_upload",
     "success", "file", "creation", NULL, 0},
    {"[{user.name}] FAIL UPLOAD: Client \"{source.address}\", \"{file.path}\"*", "ftp_upload",
     "failure", "file", "creation", NULL, 0},
    {"[{user.name}] OK DOWNLOAD: Client \"{source.address}\", \"{file.path}\"*", "ftp_download",
     "success", "file", "access", NULL, 0},
    {"[{user.name}] FAIL DOWNLOAD: Client \"{source.address}\", \"{file.path}\"*", "ftp_download",
     "failure", "file", "access", NULL, 0},
    {"[{user.name}] OK MKDIR: Client \"{source.address}\", \"{file.path}\"*", "ftp_mkdir",
     "success", "file", "creation", NULL, 0},
    {"[{user.name}] OK RMDIR: Client \"{source.address}\", \"{file.path}\"*", "ftp_rmdir",
     "success", "file", "deletion", NULL, 0},
    {"[{user.name}] OK DELETE: Client \"{source.address}\", \"{file.path}\"*", "ftp_delete",
     "success", "file", "deletion", NULL, 0},
    {"[{user.name}] OK RENAME: Client \"{source.address}\", \"{file.path}\"*", "ftp_rename",
     "success", "file", "change", NULL, 0},
};

static const canh_prule_t pureftpd_rules[] = {
    {"({user.name}@{source.address}) [INFO] New connection from {-}", "ftp_connect", NULL, NET,
     "connection", NULL, 0},
    {"({user.name}@{source.address}) [WARNING] Authentication failed for user [{user.name}]",
     "ftp_login", "failure", AUTHN, "info", NULL, 0},
    {"({user.name}@{source.address}) [INFO] {-} is now logged in", "ftp_login", "success", AUTHN,
     "start", NULL, 0},
    {"({user.name}@{source.address}) [INFO] Logout.", "ftp_logout", "success", SESS, "end", NULL,
     0},
    {"({user.name}@{source.address}) [NOTICE] {file.path} uploaded {-}", "ftp_upload", "success",
     "file", "creation", NULL, 0},
    {"({user.name}@{source.address}) [NOTICE] {file.path} downloaded {-}", "ftp_download",
     "success", "file", "access", NULL, 0},
    {"({user.name}@{source.address}) [INFO] Timeout {-}", "ftp_timeout", NULL, SESS, "end",
     "timeout", 0},
};

enum { T_PROFTPD = 0, T_FTPD, T_VSFTPD, T_PUREFTPD };

static const canh_ptable_t ftp_tabs[] = {CANH_PTABLE(proftpd_rules), CANH_PTABLE(ftpd_rules),
                                         CANH_PTABLE(vsftpd_rules), CANH_PTABLE(pureftpd_rules)};

static int ftp_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(ftp_tabs, sizeof ftp_tabs / sizeof ftp_tabs[0], state, eb);
}

const canh_decode_mod_t canh_mod_FTPD = {ftp_init, canh_pmod_fini};

typedef struct proftpd_prefix {
    canh_str_t server, client, ip;
} proftpd_prefix_t;

/* "server (client[ip]) - body", "server (client[ip]): body", "server: body".
 * Returns the body, or msg itself when there is no such prefix. */
static canh_str_t proftpd_prefix(canh_str_t msg, proftpd_prefix_t *pp)
{
    ptrdiff_t sp = canh_str_chr(msg, ' ');
    ptrdiff_t co = canh_str_find_c(msg, ": ");
    if (co > 0 && (sp < 0 || co < sp)) {
        /* "slacker.lab.ossec.net: ProFTPD 1.2.10 ..." (but not "warning: ...") */
        canh_str_t name = canh_str_sub(msg, 0, (size_t)co);
        if (canh_str_chr(name, '.') > 0 && canh_prog_is_hostname(name)) {
            pp->server = name;
            return canh_str_sub(msg, (size_t)co + 2, msg.n);
        }
        return msg;
    }
    if (sp <= 0 || (size_t)sp + 1 >= msg.n || msg.p[sp + 1] != '(')
        return msg;
    canh_str_t server = canh_str_sub(msg, 0, (size_t)sp);
    canh_str_t rest = canh_str_sub(msg, (size_t)sp + 2, msg.n);
    ptrdiff_t close = canh_str_find_c(rest, "])");
    ptrdiff_t open = canh_str_chr(rest, '[');
    if (close < 0 || open < 0 || open > close || close > 300)
        return msg;
    canh_str_t after = canh_str_sub(rest, (size_t)close + 2, rest.n);
    if (canh_str_starts(after, " - "))
        after = canh_str_sub(after, 3, after.n);
    else if (canh_str_starts(after, ": "))
        after = canh_str_sub(after, 2, after.n);
    else if (after.n)
        return msg;
    pp->server = server;
    pp->client = canh_str_sub(rest, 0, (size_t)open);
    pp->ip = canh_str_sub(rest, (size_t)open + 1, (size_t)(close - open - 1));
    return after;
}

int canh_prog_ftpd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev)
{
    if (canh_prog_is_pam(h, msg))
        return canh_prog_pam(d, h, msg, ev);
    canh_str_t base = canh_prog_base(h ? h->program : CANH_STR_NULL);
    if (canh_str_eq_c(base, "vsftpd")) {
        /* "[pid 1234] [user] OK LOGIN: ..." as vsftpd writes its own log */
        if (canh_str_starts(msg, "[pid ")) {
            ptrdiff_t e = canh_str_find_c(msg, "] ");
            if (e > 0)
                msg = canh_str_sub(msg, (size_t)e + 2, msg.n);
        }
        if (canh_pmod_match(d, CANH_DEC_FTPD, T_VSFTPD, msg, ev) >= 0)
            return CANH_OK;
    } else if (canh_str_eq_c(base, "pure-ftpd")) {
        if (canh_pmod_match(d, CANH_DEC_FTPD, T_PUREFTPD, msg, ev) >= 0)
            return CANH_OK;
    } else if (canh_str_eq_c(base, "proftpd")) {
        proftpd_prefix_t pp = {CANH_STR_NULL, CANH_STR_NULL, CANH_STR_NULL};
        canh_str_t body = proftpd_prefix(msg, &pp);
        if (canh_pmod_match(d, CANH_DEC_FTPD, T_PROFTPD, body, ev) >= 0 ||
            canh_pmod_match(d, CANH_DEC_FTPD, T_FTPD, body, ev) >= 0) {
            if (pp.server.n && canh_prog_is_hostname(pp.server))
                canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, pp.server);
            if (canh_str_is_ip(pp.ip))
                canh_event_set(ev, CANH_F_SOURCE_IP, pp.ip);
            if (pp.client.n && !canh_str_eq(pp.client, pp.ip))
                canh_event_set(ev, CANH_F_SOURCE_DOMAIN, pp.client);
            canh_prog_fix_fields(ev);
            return CANH_OK;
        }
    }
    if (canh_pmod_match(d, CANH_DEC_FTPD, T_FTPD, msg, ev) >= 0)
        return CANH_OK;
    return canh_prog_tcpwrap(d, msg, ev);
}
