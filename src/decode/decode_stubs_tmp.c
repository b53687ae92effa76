/* TEMPORARY weak stubs so the tree links while decoders are written in parallel.
 * Removed before the foundation lands. */
#include "decode_int.h"
#define W __attribute__((weak))
W int canh_dec_access(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_apache_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_nginx_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_modsec(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_iis(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_cef(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_postgresql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_mysql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_auditd(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_json(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev) { (void)d; (void)rec; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_sshd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_sshd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_sudo(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_sudo(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_su(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_su(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_pam(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_pam(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_accounts(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_accounts(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_systemd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_systemd(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_cron(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_cron(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_kernel(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_kernel(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_postfix(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_postfix(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_dovecot(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_dovecot(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_postgres(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_postgres(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_prog_mysql(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev);
W int canh_prog_mysql(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg, canh_event_t *ev) { (void)d; (void)h; (void)msg; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_json_suricata(const canh_decode_t *d, json_t *root, canh_event_t *ev) { (void)d; (void)root; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_json_zeek(const canh_decode_t *d, json_t *root, canh_event_t *ev) { (void)d; (void)root; (void)ev; return CANH_ENOMATCH; }
W int canh_dec_json_windows(const canh_decode_t *d, json_t *root, canh_event_t *ev) { (void)d; (void)root; (void)ev; return CANH_ENOMATCH; }
W int canh_json_flatten(canh_event_t *ev, const char *prefix, json_t *obj) { (void)ev; (void)prefix; (void)obj; return CANH_ENOMATCH; }
W int canh_json_set(canh_event_t *ev, canh_field_t id, json_t *obj, const char *key) { (void)ev; (void)id; (void)obj; (void)key; return CANH_ENOMATCH; }
W const canh_decode_mod_t canh_mod_JSON = {NULL, NULL};
W const canh_decode_mod_t canh_mod_SSHD = {NULL, NULL};
W const canh_decode_mod_t canh_mod_SUDO = {NULL, NULL};
W const canh_decode_mod_t canh_mod_SU = {NULL, NULL};
W const canh_decode_mod_t canh_mod_PAM = {NULL, NULL};
W const canh_decode_mod_t canh_mod_ACCOUNTS = {NULL, NULL};
W const canh_decode_mod_t canh_mod_SYSTEMD = {NULL, NULL};
W const canh_decode_mod_t canh_mod_CRON = {NULL, NULL};
W const canh_decode_mod_t canh_mod_FIREWALL = {NULL, NULL};
W const canh_decode_mod_t canh_mod_POSTFIX = {NULL, NULL};
W const canh_decode_mod_t canh_mod_DOVECOT = {NULL, NULL};
W const canh_decode_mod_t canh_mod_MAILSRV = {NULL, NULL};
W const canh_decode_mod_t canh_mod_FTPD = {NULL, NULL};
W const canh_decode_mod_t canh_mod_NAMED = {NULL, NULL};
W const canh_decode_mod_t canh_mod_INETD = {NULL, NULL};
W const canh_decode_mod_t canh_mod_LOGIN = {NULL, NULL};
W const canh_decode_mod_t canh_mod_ACCESS = {NULL, NULL};
W const canh_decode_mod_t canh_mod_APACHE_ERROR = {NULL, NULL};
W const canh_decode_mod_t canh_mod_NGINX_ERROR = {NULL, NULL};
W const canh_decode_mod_t canh_mod_MODSEC = {NULL, NULL};
W const canh_decode_mod_t canh_mod_IIS = {NULL, NULL};
W const canh_decode_mod_t canh_mod_SURICATA = {NULL, NULL};
W const canh_decode_mod_t canh_mod_ZEEK = {NULL, NULL};
W const canh_decode_mod_t canh_mod_CEF = {NULL, NULL};
W const canh_decode_mod_t canh_mod_POSTGRESQL = {NULL, NULL};
W const canh_decode_mod_t canh_mod_MYSQL = {NULL, NULL};
W const canh_decode_mod_t canh_mod_WINDOWS = {NULL, NULL};
W const canh_decode_mod_t canh_mod_AUDITD = {NULL, NULL};
