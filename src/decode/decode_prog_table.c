/* decode_prog_table.c - which program decoder handles which syslog program
 * name. Matching is on the program's base name (after the last '/' of an
 * absolute path, without a "(...)" suffix such as "login(pam_unix)"); a row
 * with prefix=true also matches names that continue it after '/', '-', '[',
 * '.' or '_' ("postfix/smtpd", "systemd-logind", "sshd-session"), and a
 * prefix row whose name itself ends in '.' matches any continuation
 * ("rpc." covers "rpc.statd"). */
#include <string.h>

#include "decode_prog_int.h"

int canh_prog_postgres(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                       canh_event_t *ev);
int canh_prog_mysql(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev);

typedef struct prog_row {
    const char *name;
    bool prefix;
    int id;
    canh_prog_fn fn;
} prog_row_t;

/* Most frequent programs first: the scan stops at the first match. */
static const prog_row_t rows[] = {
    {"sshd", true, CANH_DEC_SSHD, canh_prog_sshd},
    {"sudo", false, CANH_DEC_SUDO, canh_prog_sudo},
    {"su", false, CANH_DEC_SU, canh_prog_su},
    {"kernel", false, CANH_DEC_FIREWALL, canh_prog_kernel},
    {"CRON", false, CANH_DEC_CRON, canh_prog_cron},
    {"cron", false, CANH_DEC_CRON, canh_prog_cron},
    {"crond", false, CANH_DEC_CRON, canh_prog_cron},
    {"CROND", false, CANH_DEC_CRON, canh_prog_cron},
    {"crontab", false, CANH_DEC_CRON, canh_prog_cron},
    {"anacron", false, CANH_DEC_CRON, canh_prog_cron},
    {"systemd", true, CANH_DEC_SYSTEMD, canh_prog_systemd},
    {"postfix", true, CANH_DEC_POSTFIX, canh_prog_postfix},
    {"dovecot", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"imap-login", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"pop3-login", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"submission-login", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"managesieve-login", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"login", false, CANH_DEC_LOGIN, canh_prog_login},
    {"useradd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"usermod", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"userdel", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupadd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupmod", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupdel", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"passwd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"chpasswd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"adduser", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"deluser", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"addgroup", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"delgroup", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"gpasswd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"chage", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"chsh", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"chfn", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"newusers", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"PAM", true, CANH_DEC_PAM, canh_prog_pam},
    {"unix", false, CANH_DEC_FIREWALL, canh_prog_kernel},
    /* mail servers other than postfix and dovecot */
    {"imapd", true, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"imaps", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"ipop3d", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"ipop2d", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"pop3d", true, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"pop3s", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"courierpop3login", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"courier", true, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"cyrus", true, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"vpopmail", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"vchkpw", true, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"spamd", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"qmail-scanner", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"sendmail", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"sm-mta", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"sm-msp-queue", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    {"saslauthd", false, CANH_DEC_MAILSRV, canh_prog_mailsrv},
    /* FTP servers */
    {"proftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"pure-ftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"vsftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"ftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"in.ftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"wu-ftpd", false, CANH_DEC_FTPD, canh_prog_ftpd},
    {"named", false, CANH_DEC_NAMED, canh_prog_named},
    /* inetd and the small services it starts, TCP wrappers, RPC */
    {"xinetd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"inetd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"telnetd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.telnetd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.fingerd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"fingerd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.rshd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"rshd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.rlogind", false, CANH_DEC_INETD, canh_prog_inetd},
    {"rlogind", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.rexecd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"in.tftpd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"tftpd", false, CANH_DEC_INETD, canh_prog_inetd},
    {"ypserv", false, CANH_DEC_INETD, canh_prog_inetd},
    {"portmap", false, CANH_DEC_INETD, canh_prog_inetd},
    {"rpcbind", false, CANH_DEC_INETD, canh_prog_inetd},
    {"rpc.", true, CANH_DEC_INETD, canh_prog_inetd},
    {"smbd", false, CANH_DEC_SMBD, canh_prog_smbd},
    /* database servers (decode_postgresql.c, decode_mysql.c) */
    {"postgres", false, CANH_DEC_POSTGRESQL, canh_prog_postgres},
    {"postgresql", false, CANH_DEC_POSTGRESQL, canh_prog_postgres},
    {"mysqld", false, CANH_DEC_MYSQL, canh_prog_mysql},
    {"mariadbd", false, CANH_DEC_MYSQL, canh_prog_mysql},
};

static bool prefix_sep(char c)
{
    return c == '/' || c == '-' || c == '[' || c == '.' || c == '_';
}

canh_prog_fn canh_prog_lookup(canh_str_t program, int *id)
{
    if (!program.p || program.n == 0)
        return NULL;
    /* "/usr/sbin/sshd" -> "sshd"; "postfix/smtpd" keeps its family name. */
    if (program.p[0] == '/') {
        for (size_t i = program.n; i > 0; i--) {
            if (program.p[i - 1] == '/') {
                program = canh_str_sub(program, i, program.n);
                break;
            }
        }
    }
    /* "login(pam_unix)" -> "login". */
    if (program.n > 2 && program.p[program.n - 1] == ')') {
        ptrdiff_t o = canh_str_chr(program, '(');
        if (o > 0)
            program.n = (size_t)o;
    }
    if (program.n == 0)
        return NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const prog_row_t *r = &rows[i];
        if (program.p[0] != r->name[0])
            continue;
        size_t n = strlen(r->name);
        if (program.n < n || memcmp(program.p, r->name, n) != 0)
            continue;
        if (program.n == n ||
            (r->prefix && (prefix_sep(r->name[n - 1]) || prefix_sep(program.p[n])))) {
            *id = r->id;
            return r->fn;
        }
    }
    return NULL;
}
