/* decode_list.h - every decoder's id and name (X(ID, "name")). The name is
 * what `--type` takes, what replay counts by, and event.dataset's default.
 * Order is the id order; "generic" must stay first (id 0). */
#define CANH_DECODERS(X) \
    X(GENERIC, "generic") \
    X(SYSLOG, "syslog") \
    X(JSON, "json") \
    /* syslog programs (src/decode/decode_prog_*.c) */ \
    X(SSHD, "sshd") \
    X(SUDO, "sudo") \
    X(SU, "su") \
    X(PAM, "pam") \
    X(ACCOUNTS, "accounts") \
    X(SYSTEMD, "systemd") \
    X(CRON, "cron") \
    X(FIREWALL, "firewall") \
    X(POSTFIX, "postfix") \
    X(DOVECOT, "dovecot") \
    X(MAILSRV, "mailserver") \
    X(FTPD, "ftpd") \
    X(NAMED, "named") \
    X(INETD, "inetd") \
    X(LOGIN, "login") \
    X(SMBD, "smbd") \
    /* application layer */ \
    X(ACCESS, "http_access") \
    X(APACHE_ERROR, "apache_error") \
    X(NGINX_ERROR, "nginx_error") \
    X(MODSEC, "modsecurity") \
    X(IIS, "iis") \
    /* network layer */ \
    X(SURICATA, "suricata") \
    X(ZEEK, "zeek") \
    X(CEF, "cef") \
    /* database layer */ \
    X(POSTGRESQL, "postgresql") \
    X(MYSQL, "mysql") \
    /* endpoint layer */ \
    X(WINDOWS, "windows") \
    X(AUDITD, "auditd")
