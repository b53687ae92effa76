/* decode_prog_table.c - which program decoder handles which syslog program
 * name. Matching is on the program's base name (after the last '/'); a row
 * with prefix=true also matches names that start with it ("postfix/smtpd"). */
#include <string.h>

#include "decode_int.h"

int canh_prog_sshd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev);
int canh_prog_sudo(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev);
int canh_prog_su(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                 canh_event_t *ev);
int canh_prog_pam(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                  canh_event_t *ev);
int canh_prog_accounts(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                       canh_event_t *ev);
int canh_prog_systemd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev);
int canh_prog_cron(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                   canh_event_t *ev);
int canh_prog_kernel(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                     canh_event_t *ev);
int canh_prog_postfix(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev);
int canh_prog_dovecot(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                      canh_event_t *ev);
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

static const prog_row_t rows[] = {
    {"sshd", false, CANH_DEC_SSHD, canh_prog_sshd},
    {"sudo", false, CANH_DEC_SUDO, canh_prog_sudo},
    {"su", false, CANH_DEC_SU, canh_prog_su},
    {"useradd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"usermod", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"userdel", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupadd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupmod", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"groupdel", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"passwd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"chpasswd", false, CANH_DEC_ACCOUNTS, canh_prog_accounts},
    {"systemd", true, CANH_DEC_SYSTEMD, canh_prog_systemd},
    {"cron", false, CANH_DEC_CRON, canh_prog_cron},
    {"CRON", false, CANH_DEC_CRON, canh_prog_cron},
    {"crond", false, CANH_DEC_CRON, canh_prog_cron},
    {"kernel", false, CANH_DEC_FIREWALL, canh_prog_kernel},
    {"postfix", true, CANH_DEC_POSTFIX, canh_prog_postfix},
    {"dovecot", false, CANH_DEC_DOVECOT, canh_prog_dovecot},
    {"postgres", false, CANH_DEC_POSTGRESQL, canh_prog_postgres},
    {"postgresql", false, CANH_DEC_POSTGRESQL, canh_prog_postgres},
    {"mysqld", false, CANH_DEC_MYSQL, canh_prog_mysql},
    {"mariadbd", false, CANH_DEC_MYSQL, canh_prog_mysql},
};

canh_prog_fn canh_prog_lookup(canh_str_t program, int *id)
{
    if (!program.p || program.n == 0)
        return NULL;
    for (size_t i = program.n; i > 0; i--) {
        if (program.p[i - 1] == '/' && i < program.n && program.p[0] == '/') {
            program = canh_str_sub(program, i, program.n);
            break;
        }
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const prog_row_t *r = &rows[i];
        size_t n = strlen(r->name);
        if (program.n < n || program.p[0] != r->name[0] || memcmp(program.p, r->name, n) != 0)
            continue;
        if (program.n == n || (r->prefix && (program.p[n] == '/' || program.p[n] == '-' ||
                                             program.p[n] == '['))) {
            *id = r->id;
            return r->fn;
        }
    }
    return NULL;
}
