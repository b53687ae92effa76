/* test_ossec_corpus.c - OSSEC's sample log lines (CANH_CORPORA/ossec/etc/
 * rules/log-entries/) through canh_decode_record with auto-detection.
 *
 * The acceptance criterion: for each file of a format Canh supports, at
 * least 90% of its records decode into a specific event: a decoder other
 * than "generic", and, when the record's syslog program is one a program
 * decoder handles, that program decoder rather than only the syslog header.
 *
 * Lines and records. The table printed to stdout counts lines as the issue
 * asks (every line that is neither blank nor a '#' comment) and the
 * per-line ratio. Some files are not one record per line, and the ratio is
 * asserted on records instead:
 *   - wrapped files: records were wrapped over several lines when the
 *     samples were collected; a record starts at a line beginning with a
 *     syslog date, and the lines that follow are joined to it with a space;
 *   - prose and unattributable lines: the exact lines listed per file below
 *     (e-mail text around the samples, OSSEC notification headers, a
 *     message pasted without any syslog header or program name) are not
 *     counted. Each one is listed verbatim, and the test fails if a listed
 *     line is no longer in the file.
 * Files whose remaining records need another engineer's decoder are listed
 * in pending_other_decoders: they are reported, not asserted.
 *
 * Beyond the ratios, at least two records of every listed file (the only
 * record where a file has one) are checked field by field. */
#include <errno.h>

#include "test_prog_util.h"

#define LOG_ENTRIES CANH_CORPORA "/ossec/etc/rules/log-entries/"
#define MAX_RECORDS 4096
#define MAX_LINE 65536

typedef struct corpus_file {
    const char *name;
    bool wrapped;
    const char *const *not_records; /* NULL-terminated, or NULL */
} corpus_file_t;

static const char *const spamd_prose[] = {"A clean mail:", "and a recognized spam:", "Thanks Peter",
                                          NULL};
/* An OSSEC e-mail notification quoting log lines. */
static const char *const mail_errors_prose[] = {
    "OSSEC HIDS Notification.",
    "2006 May 25 03:50:36",
    "2006 May 25 03:32:34",
    "Received From: /var/log/maillog",
    "Rule: 102 fired (level 7) -> \"Unknown problem somewhere in the system.'\"",
    "Portion of the log(s):",
    "  --END OF NOTIFICATION",
    " --END OF NOTIFICATION",
    NULL};
/* A named message pasted without its syslog header: nothing in the line
 * says which program wrote it. */
static const char *const named_1903_headerless[] = {
    "unapproved update from [132.174.25.169].1848 for 174.132.in-addr.arpa", NULL};

/* The files of formats Canh supports (the list). */
static const corpus_file_t files[] = {
    {"sshd", false, NULL},
    {"1101", false, NULL},
    {"1301_1302_1303", false, NULL},
    {"1401", false, NULL},
    {"1402", false, NULL},
    {"access-control", false, NULL},
    {"kernel", false, NULL},
    {"imapd", false, NULL},
    {"vpopmail", false, NULL},
    {"proftpd", false, NULL},
    {"ftpd", false, NULL},
    {"telnetd", false, NULL},
    {"mail-errors", false, mail_errors_prose},
    {"409", false, NULL},
    {"408", false, NULL},
    {"401", false, NULL},
    {"403", true, NULL},
    {"smbd", false, NULL},
    {"spamd", false, spamd_prose},
    {"1901", false, NULL},
    {"1902", true, NULL},
    {"1903", false, named_1903_headerless},
    {"1905", false, NULL},
    {"2501", true, NULL},
    {"unkown", false, NULL},
    {"apache-error.logs", false, NULL},
};

/* Files not yet at 90% because they need a decoder another engineer owns.
 * The lead empties this list as those decoders land.
 *   apache-error.logs: the apache_error decoder.
 *   mail-errors: one of its six records, "scorpion postfix/smtp[9144]:
 *     connect to ...", is "HOST TAG[PID]: MSG" with no timestamp, a syslog
 *     header form decode_syslog.c does not read yet (the postfix decoder
 *     decodes that message once the header is read: see test_prog_mail). */
static const char *const pending_other_decoders[] = {NULL};

/* The other files: decoded and reported for information only (formats of
 * other decoders or not supported). */
static const corpus_file_t other_files[] = {
    {"101", false, NULL},        {"1602", true, NULL},           {"1603", true, NULL},
    {"1607", false, NULL},       {"1609", false, NULL},          {"201", false, NULL},
    {"202", true, NULL},         {"204", false, NULL},           {"2601", false, NULL},
    {"301", false, NULL},        {"cisco-ios-ids", false, NULL}, {"ciscoios", false, NULL},
    {"iis6", false, NULL},       {"mail-alerts", false, NULL},   {"ns1", false, NULL},
    {"symantecws", false, NULL}, {"vpn.log", false, NULL},       {"worms", false, NULL},
    {"xferlog", false, NULL},
};

/* ---- reading a file ----------------------------------------------------------- */

typedef struct records {
    size_t lines; /* non-blank, non-comment lines */
    size_t n;     /* records */
    char *rec[MAX_RECORDS];
    char *line[MAX_RECORDS]; /* the lines themselves, for the per-line count */
    size_t nline;
} records_t;

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

static bool starts_with_date(const char *s)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < 12; i++)
        if (strncmp(s, mon[i], 3) == 0 && s[3] == ' ')
            return true;
    return false;
}

static bool listed_line(const char *const *list, const char *line)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], line) == 0)
            return true;
    return false;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    assert_non_null(p);
    memcpy(p, s, n + 1);
    return p;
}

static char *join(char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = realloc(a, na + nb + 2);
    assert_non_null(p);
    p[na] = ' ';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

static void read_records(const corpus_file_t *cf, records_t *r)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", LOG_ENTRIES, cf->name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    memset(r, 0, sizeof *r);
    static char buf[MAX_LINE];
    size_t found = 0; /* listed non-record lines seen */
    while (fgets(buf, sizeof buf, f)) {
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (blank(buf) || buf[0] == '#')
            continue;
        assert_true(r->nline < MAX_RECORDS);
        r->line[r->nline++] = xstrdup(buf);
        r->lines++;
        if (listed_line(cf->not_records, buf)) {
            found++;
            continue;
        }
        if (cf->wrapped && r->n > 0 && !starts_with_date(buf)) {
            r->rec[r->n - 1] = join(r->rec[r->n - 1], buf);
            continue;
        }
        assert_true(r->n < MAX_RECORDS);
        r->rec[r->n++] = xstrdup(buf);
    }
    fclose(f);
    /* Every listed line must still be there (duplicates count once). */
    for (size_t i = 0; cf->not_records && cf->not_records[i]; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->nline && !seen; k++)
            seen = strcmp(r->line[k], cf->not_records[i]) == 0;
        if (!seen)
            fail_msg("%s: listed non-record line \"%s\" is not in the file", cf->name,
                     cf->not_records[i]);
    }
    (void)found;
}

static void free_records(records_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->rec[i]);
    for (size_t i = 0; i < r->nline; i++)
        free(r->line[i]);
}

/* ---- counting ----------------------------------------------------------------- */

static bool specific(const canh_event_t *ev)
{
    if (ev->decoder == CANH_DEC_GENERIC)
        return false;
    if (ev->decoder != CANH_DEC_SYSLOG)
        return true;
    canh_str_t app = canh_event_get(ev, CANH_F_LOG_SYSLOG_APPNAME);
    int id;
    return !(app.p && canh_prog_lookup(app, &id));
}

static size_t count_specific(canh_decode_t *d, canh_event_t *ev, char *const *recs, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        canh_decode_record(d, recs[i], strlen(recs[i]), ev);
        if (specific(ev))
            k++;
    }
    return k;
}

static bool pending(const char *name)
{
    for (size_t i = 0; pending_other_decoders[i]; i++)
        if (strcmp(pending_other_decoders[i], name) == 0)
            return true;
    return false;
}

/* Prints one table row; returns the record ratio. */
static double report(canh_decode_t *d, canh_event_t *ev, const corpus_file_t *cf,
                     const char *status_if_ok)
{
    records_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    read_records(cf, r);
    size_t sl = count_specific(d, ev, r->line, r->nline);
    size_t sr = count_specific(d, ev, r->rec, r->n);
    double lr = r->lines ? (double)sl / (double)r->lines : 1.0;
    double rr = r->n ? (double)sr / (double)r->n : 1.0;
    const char *status = status_if_ok;
    if (strcmp(status_if_ok, "ok") == 0)
        status = pending(cf->name) ? "PENDING" : rr >= 0.90 ? "ok" : "FAIL";
    printf("%-18s %6zu %8zu %8zu %6.1f%% | %7zu %8zu %6.1f%%  %s\n", cf->name, r->lines, sl,
           r->lines - sl, 100.0 * lr, r->n, sr, 100.0 * rr, status);
    free_records(r);
    free(r);
    return rr;
}

static void test_corpus_ratios(void **state)
{
    (void)state;
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    printf("%-18s %6s %8s %8s %7s | %7s %8s %7s  %s\n", "file", "lines", "specific", "generic",
           "ratio", "records", "specific", "ratio", "status");
    size_t failed = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        double rr = report(d, ev, &files[i], "ok");
        if (!pending(files[i].name) && rr < 0.90)
            failed++;
    }
    printf("-- not in the issue's list (information only) --\n");
    for (size_t i = 0; i < sizeof other_files / sizeof other_files[0]; i++)
        report(d, ev, &other_files[i], "info");
    canh_event_destroy(ev);
    canh_decode_destroy(d);
    assert_int_equal(failed, 0);
}

/* ---- exact fields --------------------------------------------------------------- */

typedef struct corpus_case {
    const char *file;
    prog_case_t c; /* c.line: the record (wrapped records joined with spaces) */
} corpus_case_t;

static const corpus_case_t cases[] = {
    {"apache-error.logs",
     {"[Mon Dec 19 23:02:01 2005] [error] [client 85.105.120.139] user oahmet: authentication "
      "failure for \"/~oahmet/gunce/ss.txt\": Password Mismatch",
      "apache_error",
      {"event.action", "authentication-failure", "event.category", "authentication",
       "event.outcome", "failure", "event.reason", "Password Mismatch", "event.type", "info",
       "event.kind", "event", "log.level", "error", "source.ip", "85.105.120.139", "url.path",
       "/~oahmet/gunce/ss.txt", "user.name", "oahmet", NULL}}},
    {"apache-error.logs",
     {"[Thu Dec 15 23:49:07 2005] [error] [client 85.107.239.37] client denied by server "
      "configuration: /home/myuser/wwwhome/.htm, referer: "
      "http://www.example.com/~user7/laodikeiaproject.htm?pswd=hhh",
      "apache_error",
      {"event.action", "access-denied", "event.category", "web", "event.outcome", "failure",
       "event.type", "denied", "event.kind", "event", "file.path", "/home/myuser/wwwhome/.htm",
       "http.request.referrer", "http://www.example.com/~user7/laodikeiaproject.htm?pswd=hhh",
       "log.level", "error", "source.ip", "85.107.239.37", NULL}}},
    {"sshd",
     {"Jul  7 10:51:24 eva sshd[19537]: Invalid user admin from 83.15.231.75",
      "sshd",
      {"event.action", "ssh_invalid_user", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "invalid user", "source.ip",
       "83.15.231.75", "source.address", "83.15.231.75", "user.name", "admin", NULL}}},
    {"sshd",
     {"Aug  7 15:15:34 eva sshd[27893]: Invalid user service from 200.94.18.3",
      "sshd",
      {"event.action", "ssh_invalid_user", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "invalid user", "source.ip",
       "200.94.18.3", "source.address", "200.94.18.3", "user.name", "service", NULL}}},
    {"1101",
     {"su[2921936]: succeeded: ttyq4 changing from root to ldap",
      "su",
      {"event.action", "su", "event.outcome", "success", "event.category", "authentication",
       "event.type", "start", "user.name", "root", "user.effective.name", "ldap",
       "process.tty.name", "ttyq4", NULL}}},
    {"1101",
     {"su[234]: BAD SU ger to fwmaster on /dev/ttyp0",
      "su",
      {"event.action", "su", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "user.name", "ger", "user.effective.name", "fwmaster",
       "process.tty.name", "/dev/ttyp0", NULL}}},
    {"1101",
     {"Feb 14 17:20:27 niban su(pam_unix)[23164]: authentication failure; logname= uid=1342 euid=0 "
      "tty= ruser=dcid rhost=  user=osaudit",
      "su",
      {"event.action",
       "pam_auth_failure",
       "event.outcome",
       "failure",
       "event.category",
       "authentication",
       "event.type",
       "info",
       "event.reason",
       "authentication failure",
       "source.user.name",
       "dcid",
       "user.name",
       "osaudit",
       "pam.uid",
       "1342",
       "pam.euid",
       "0",
       "pam.module",
       "pam_unix",
       NULL}}},
    {"1101",
     {"Jun  8 09:01:01 niban su(pam_unix)[1313]: session opened for user root by (uid=1342)",
      "su",
      {"event.action", "pam_session_opened", "event.outcome", "success", "event.category",
       "session", "event.type", "start", "user.name", "root", "pam.module", "pam_unix", NULL}}},
    {"1101",
     {"Jul  5 00:30:21 lili su[2190]: + pts/4 dcid-root",
      "su",
      {"event.action", "su", "event.outcome", "success", "event.category", "authentication",
       "event.type", "start", "user.name", "dcid", "user.effective.name", "root",
       "process.tty.name", "pts/4", NULL}}},
    {"1301_1302_1303",
     {"May 21 10:24:54 niban useradd[6070]: new group: name=test, gid=5006 ",
      "accounts",
      {"event.action", "group_created", "event.outcome", "success", "event.category", "iam",
       "event.type", "creation", "group.name", "test", "group.id", "5006", NULL}}},
    {"1301_1302_1303",
     {"May 28 10:48:29 niban useradd[32421]: new user: name=logr, uid=12000, gid=12000, "
      "home=/home/logr, shell=/bin/bash ",
      "accounts",
      {"event.action", "user_created", "event.outcome", "success", "event.category", "iam",
       "event.type", "creation", "user.name", "logr", "user.id", "12000", "group.id", "12000",
       "system.auth.useradd.home", "/home/logr", "system.auth.useradd.shell", "/bin/bash", NULL}}},
    {"1301_1302_1303",
     {"May 28 10:48:07 niban userdel[32416]: delete user `logr' ",
      "accounts",
      {"event.action", "user_deleted", "event.outcome", "success", "event.category", "iam",
       "event.type", "deletion", "user.name", "logr", NULL}}},
    {"1301_1302_1303",
     {"May 28 10:48:13 niban groupdel[32417]: remove group `logr' ",
      "accounts",
      {"event.action", "group_deleted", "event.outcome", "success", "event.category", "iam",
       "event.type", "deletion", "group.name", "logr", NULL}}},
    {"1401",
     {"Feb  1 14:39:16 nogan sudo:    test2 : 3 incorrect password attempts ; TTY=pts/4 ; "
      "PWD=/home/test2 ; USER=root ; COMMAND=/bin/ls",
      "sudo",
      {"event.action",
       "sudo_auth_failure",
       "event.outcome",
       "failure",
       "event.category",
       "authentication",
       "event.type",
       "info",
       "event.reason",
       "3 incorrect password attempts",
       "user.name",
       "test2",
       "user.effective.name",
       "root",
       "process.command_line",
       "/bin/ls",
       "process.working_directory",
       "/home/test2",
       "process.tty.name",
       "pts/4",
       "sudo.failed_attempts",
       "3",
       NULL}}},
    {"1401",
     {"Jan 28 20:36:33 enigma sudo:     dcid : 3 incorrect password attempts ; TTY=ttyp0 ; "
      "PWD=/home/dcid ; USER=root ; COMMAND=/bin/ls",
      "sudo",
      {"event.action",
       "sudo_auth_failure",
       "event.outcome",
       "failure",
       "event.category",
       "authentication",
       "event.type",
       "info",
       "event.reason",
       "3 incorrect password attempts",
       "user.name",
       "dcid",
       "user.effective.name",
       "root",
       "process.command_line",
       "/bin/ls",
       "process.working_directory",
       "/home/dcid",
       "process.tty.name",
       "ttyp0",
       "sudo.failed_attempts",
       "3",
       NULL}}},
    {"1402",
     {"Feb  4 10:44:00 niban sudo:     dcid : TTY=pts/4 ; PWD=/home/dcid ; USER=root ; "
      "COMMAND=/bin/chmod 777 /home/dcid/test1",
      "sudo",
      {"event.action", "sudo_command", "event.outcome", "success", "event.category", "process",
       "event.type", "start", "user.name", "dcid", "user.effective.name", "root",
       "process.command_line", "/bin/chmod 777 /home/dcid/test1", "process.working_directory",
       "/home/dcid", "process.tty.name", "pts/4", NULL}}},
    {"1402",
     {"May 26 20:16:17 lili sudo:     dcid : TTY=pts/1 ; PWD=/home/dcid ; USER=root ; "
      "COMMAND=/usr/bin/vi /etc/sudoers",
      "sudo",
      {"event.action", "sudo_command", "event.outcome", "success", "event.category", "process",
       "event.type", "start", "user.name", "dcid", "user.effective.name", "root",
       "process.command_line", "/usr/bin/vi /etc/sudoers", "process.working_directory",
       "/home/dcid", "process.tty.name", "pts/1", NULL}}},
    {"access-control",
     {"Apr 27 17:27:19 niban login(pam_unix)[1059]: authentication failure; logname=LOGIN uid=0 "
      "euid=0 tty=tty2 ruser= rhost=  user=root",
      "login",
      {"event.action",
       "pam_auth_failure",
       "event.outcome",
       "failure",
       "event.category",
       "authentication",
       "event.type",
       "info",
       "event.reason",
       "authentication failure",
       "user.name",
       "root",
       "process.tty.name",
       "tty2",
       "pam.logname",
       "LOGIN",
       "pam.uid",
       "0",
       "pam.euid",
       "0",
       "pam.module",
       "pam_unix",
       NULL}}},
    {"access-control",
     {"Apr 27 17:27:21 niban login[1059]: FAILED LOGIN 1 FROM (null) FOR root, Authentication "
      "failure",
      "login",
      {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "Authentication failure", "user.name", "root",
       "login.failures", "1", NULL}}},
    {"access-control",
     {"Apr 27 17:34:04 niban sshd(pam_unix)[9420]: 1 more authentication failure; logname= uid=0 "
      "euid=0 tty=NODEVssh ruser= rhost=niban.sfeng.sourcefire.com  user=dcid",
      "sshd",
      {"event.action",
       "pam_auth_failure",
       "event.outcome",
       "failure",
       "event.category",
       "authentication",
       "event.type",
       "info",
       "event.reason",
       "authentication failure",
       "source.address",
       "niban.sfeng.sourcefire.com",
       "source.domain",
       "niban.sfeng.sourcefire.com",
       "user.name",
       "dcid",
       "process.tty.name",
       "NODEVssh",
       "pam.more_failures",
       "1",
       "pam.uid",
       "0",
       "pam.euid",
       "0",
       "pam.module",
       "pam_unix",
       NULL}}},
    {"access-control",
     {"Apr 27 17:34:04 niban sshd[9420]: Failed password for dcid from 10.4.12.26 port 40137 ssh2",
      "sshd",
      {"event.action", "ssh_login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "source.ip", "10.4.12.26", "source.port", "40137", "source.address",
       "10.4.12.26", "user.name", "dcid", "sshd.auth_method", "password", NULL}}},
    {"kernel",
     {"kernel: tcp_parse_options: Illegal window scaling value 200 >14 received.",
      "firewall",
      {"event.action", "tcp_illegal_window_scaling", "event.category", "network", "event.type",
       "protocol", "event.reason", "illegal TCP window scaling value", NULL}}},
    {"imapd",
     {"May  7 13:40:14 gaucha imapd[26772]: imap service init from 200.255.5.8",
      "mailserver",
      {"event.action", "mail_connect", "event.category", "network", "event.type", "connection",
       "source.ip", "200.255.5.8", "source.address", "200.255.5.8", NULL}}},
    {"imapd",
     {"May  7 13:40:14 gaucha imapd[26772]: Authenticated user=joao host=bahiana.resenet.com.br "
      "[200.255.5.8]",
      "mailserver",
      {"event.action", "mail_login", "event.outcome", "success", "event.category", "authentication",
       "event.type", "start", "source.ip", "200.255.5.8", "source.address", "200.255.5.8",
       "source.domain", "bahiana.resenet.com.br", "user.name", "joao", NULL}}},
    {"imapd",
     {"May  7 13:40:14 gaucha imapd[26772]: Logout user=joao host=bahiana.resenet.com.br "
      "[200.255.5.8]",
      "mailserver",
      {"event.action", "mail_logout", "event.outcome", "success", "event.category",
       "authentication", "event.type", "end", "source.ip", "200.255.5.8", "source.address",
       "200.255.5.8", "source.domain", "bahiana.resenet.com.br", "user.name", "joao", NULL}}},
    {"imapd",
     {"May  7 13:51:56 gaucha imapd[27832]: AUTHENTICATE LOGIN failure host=bahiana.resenet.com.br "
      "[200.255.5.8]",
      "mailserver",
      {"event.action", "mail_login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "authentication failure", "source.ip", "200.255.5.8",
       "source.address", "200.255.5.8", "source.domain", "bahiana.resenet.com.br",
       "mailserver.auth_method", "LOGIN", NULL}}},
    {"imapd",
     {"May  9 07:47:09 gaucha imapd[17491]: Command stream end of file, while reading line "
      "user=carolduarte host=bahiana.resenet.com.br [200.255.5.8]",
      "mailserver",
      {"event.action", "mail_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "Command stream end of file", "source.ip", "200.255.5.8", "source.address",
       "200.255.5.8", "source.domain", "bahiana.resenet.com.br", "user.name", "carolduarte",
       NULL}}},
    {"vpopmail",
     {"Sep 14 07:21:42 iron vpopmail[939]: vchkpw-pop3: password fail "
      "keith1@xxxx.com:219.136.100.198",
      "mailserver",
      {"event.action", "mail_login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "password fail", "source.ip", "219.136.100.198",
       "source.address", "219.136.100.198", "user.name", "keith1@xxxx.com", "mailserver.service",
       "pop3", NULL}}},
    {"vpopmail",
     {"Sep 14 07:21:42 iron vpopmail[937]: vchkpw-pop3: password fail "
      "keith2@xxxx.com:219.136.100.198",
      "mailserver",
      {"event.action", "mail_login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "password fail", "source.ip", "219.136.100.198",
       "source.address", "219.136.100.198", "user.name", "keith2@xxxx.com", "mailserver.service",
       "pop3", NULL}}},
    {"proftpd",
     {"May 21 20:21:18 slacker proftpd[25530] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
      "FTP session opened.",
      "ftpd",
      {"event.action", "ftp_session_opened", "event.outcome", "success", "event.category",
       "session", "event.type", "start", "source.ip", "192.168.2.10", "source.address",
       "192.168.2.10", "destination.domain", "slacker.lab.ossec.net", NULL}}},
    {"proftpd",
     {"May 21 20:21:21 slacker proftpd[25530] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
      "no such user 'a'",
      "ftpd",
      {"event.action", "ftp_invalid_user", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "no such user", "source.ip",
       "192.168.2.10", "source.address", "192.168.2.10", "destination.domain",
       "slacker.lab.ossec.net", "user.name", "a", NULL}}},
    {"proftpd",
     {"May 21 20:22:28 slacker proftpd[25556] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
      "USER dcid: Login successful.",
      "ftpd",
      {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
       "event.type", "start", "source.ip", "192.168.2.10", "source.address", "192.168.2.10",
       "destination.domain", "slacker.lab.ossec.net", "user.name", "dcid", NULL}}},
    {"proftpd",
     {"May 21 20:22:44 slacker proftpd[25557] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
      "USER dcid (Login failed): Incorrect password.",
      "ftpd",
      {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "Incorrect password.", "source.ip", "192.168.2.10",
       "source.address", "192.168.2.10", "destination.domain", "slacker.lab.ossec.net", "user.name",
       "dcid", NULL}}},
    {"proftpd",
     {"May 30 15:39:27 valhalla proftpd[13464]: valhalla.ahmetozturk.name.tr "
      "(212.156.175.130[212.156.175.130]) - unable to find open port in PassivePorts range "
      "65532-65533: defaulting to INPORT_ANY",
      "ftpd",
      {"event.action", "ftp_passive_ports_exhausted", "event.category", "network", "event.type",
       "info", "event.reason", "no open port in PassivePorts range", "source.ip", "212.156.175.130",
       "source.address", "212.156.175.130", "destination.domain", "valhalla.ahmetozturk.name.tr",
       NULL}}},
    {"proftpd",
     {"Jun  3 15:35:28 hayaletgemi proftpd[696376]: warning: can't verify hostname: "
      "gethostbyname(dsl.dynamic859612386.ttnet.net.tr) failed",
      "ftpd",
      {"event.action", "hostname_verification_failed", "event.category", "network", "event.type",
       "info", "event.reason", "cannot verify host name", "source.domain",
       "dsl.dynamic859612386.ttnet.net.tr", NULL}}},
    {"proftpd",
     {"May 30 22:53:09 valhalla proftpd[24395]: valhalla.ahmetozturk.name.tr "
      "(88.240.52.97[88.240.52.97]) - FTP no transfer timeout, disconnected",
      "ftpd",
      {"event.action", "ftp_timeout", "event.category", "session", "event.type", "end",
       "event.reason", "no transfer timeout", "source.ip", "88.240.52.97", "source.address",
       "88.240.52.97", "destination.domain", "valhalla.ahmetozturk.name.tr", NULL}}},
    {"proftpd",
     {"May 31 15:13:38 valhalla proftpd[14273]: valhalla.ahmetozturk.name.tr "
      "(85.104.215.80[85.104.215.80]) - FTP login timed out, disconnected",
      "ftpd",
      {"event.action", "ftp_timeout", "event.category", "session", "event.type", "end",
       "event.reason", "login timed out", "source.ip", "85.104.215.80", "source.address",
       "85.104.215.80", "destination.domain", "valhalla.ahmetozturk.name.tr", NULL}}},
    {"proftpd",
     {"May 29 15:13:53 whale proftpd[4592]: whale.ahmetozturk.name.tr "
      "(dsl85-105-3059.ttnet.net.tr[85.105.10.139]) - ProFTPD terminating (signal 11)",
      "ftpd",
      {"event.action", "ftp_server_stop", "event.outcome", "failure", "event.category", "process",
       "event.type", "end", "event.reason", "terminated by signal", "source.ip", "85.105.10.139",
       "source.address", "85.105.10.139", "source.domain", "dsl85-105-3059.ttnet.net.tr",
       "destination.domain", "whale.ahmetozturk.name.tr", NULL}}},
    {"proftpd",
     {"May 30 17:21:53 whale proftpd[2056246]: whale.ahmetozturk.name.tr "
      "(193.140.92.250[193.140.92.250]) - Reallocating sreaddir buffer from 80 entries to 160 "
      "entries",
      "ftpd",
      {"event.action", "ftp_buffer_realloc", "event.category", "process", "event.type", "info",
       "source.ip", "193.140.92.250", "source.address", "193.140.92.250", "destination.domain",
       "whale.ahmetozturk.name.tr", NULL}}},
    {"ftpd",
     {"May 28 19:38:24 valhalla ftpd[24474]: FTPD: IMPORT file local "
      "/mnt/1//ide9/s09099/public_html/tasarim_files/akis.bmp, remote",
      "ftpd",
      {"event.action", "ftp_upload", "event.outcome", "success", "event.category", "file",
       "event.type", "creation", "file.path",
       "/mnt/1//ide9/s09099/public_html/tasarim_files/akis.bmp", NULL}}},
    {"ftpd",
     {"May 28 15:14:02 valhalla ftpd[28616]: FTPD: EXPORT file local , remote Analiz.html",
      "ftpd",
      {"event.action", "ftp_download", "event.outcome", "success", "event.category", "file",
       "event.type", "access", "file.name", "Analiz.html", NULL}}},
    {"ftpd",
     {"May 28 15:50:36 valhalla ftpd[28370]: connection from dsl.static8596180144.ttnet.net.tr at "
      "Sun May 28 15:50:36 2006 ",
      "ftpd",
      {"event.action", "ftp_connect", "event.category", "network", "event.type", "connection",
       "source.address", "dsl.static8596180144.ttnet.net.tr", "source.domain",
       "dsl.static8596180144.ttnet.net.tr", NULL}}},
    {"ftpd",
     {"Jun  3 02:32:37 queen ftpd[418042]: refused connect from y-oper.labs.mu.edu",
      "ftpd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.address", "y-oper.labs.mu.edu", "source.domain",
       "y-oper.labs.mu.edu", NULL}}},
    {"ftpd",
     {"Jun  3 07:46:16 arguvan in.ftpd[18561]: [ID 484914 daemon.notice] gethostbyaddr: "
      "nameservices.net. != 216.117.134.168",
      "ftpd",
      {"event.action", "hostname_mismatch", "event.category", "network", "event.type", "info",
       "event.reason", "host name/address mismatch", "source.ip", "216.117.134.168",
       "source.address", "216.117.134.168", "source.domain", "nameservices.net.", NULL}}},
    {"ftpd",
     {"Jun  1 16:16:26 valhalla ftpd[39056]: repeated login failures from "
      "dsl.dynamic859622181.ttnet.net.tr",
      "ftpd",
      {"event.action", "ftp_login_failures", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "repeated login failures",
       "source.address", "dsl.dynamic859622181.ttnet.net.tr", "source.domain",
       "dsl.dynamic859622181.ttnet.net.tr", NULL}}},
    {"ftpd",
     {"May 28 15:52:51 valhalla ftpd[27654]: User oahmet timed out after 900 seconds at Sun May 28 "
      "15:52:51 2006",
      "ftpd",
      {"event.action", "ftp_timeout", "event.category", "session", "event.type", "end",
       "event.reason", "idle timeout", "user.name", "oahmet", NULL}}},
    {"telnetd",
     {"May 27 15:52:37 valhalla telnetd[4882]: refused connect from "
      "mstr195175-16075.dial-in.ttnet.net.tr",
      "inetd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.address", "mstr195175-16075.dial-in.ttnet.net.tr",
       "source.domain", "mstr195175-16075.dial-in.ttnet.net.tr", NULL}}},
    {"telnetd",
     {"Jun  2 09:50:28 queen in.telnetd[19636]: [ID 947420 local2.warning] refused connect from "
      "220-129-149-114.dynamic.hinet.net",
      "inetd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.address", "220-129-149-114.dynamic.hinet.net",
       "source.domain", "220-129-149-114.dynamic.hinet.net", NULL}}},
    {"telnetd",
     {"May 12 14:45:17 hayaletgemi telnetd[4821]: [ID 682499 daemon.info] ttloop:  read: Not a "
      "data message",
      "inetd",
      {"event.action", "telnet_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "Not a data message", NULL}}},
    {"telnetd",
     {"May 28 17:14:53 queen telnetd[76014]: ttloop:  read: A connection with a remote socket was "
      "reset by that socket.",
      "inetd",
      {"event.action", "telnet_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "A connection with a remote socket was reset by that socket.", NULL}}},
    {"mail-errors",
     {"pop3d: authentication error: Input/output error",
      "mailserver",
      {"event.action", "mail_auth_error", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "Input/output error", NULL}}},
    {"mail-errors",
     {"postfix/postfix-script: fatal: the Postfix mail system is not running",
      "postfix",
      {"event.action", "service_not_running", "event.outcome", "failure", "event.category",
       "process", "event.type", "info", "event.reason", "the Postfix mail system is not running",
       "log.level", "fatal", NULL}}},
    {"409",
     {"Feb 15 14:32:20 freebsd-1 sshd[1374]: Illegal user dcid from 192.168.1.2",
      "sshd",
      {"event.action", "ssh_invalid_user", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "invalid user", "source.ip",
       "192.168.1.2", "source.address", "192.168.1.2", "user.name", "dcid", NULL}}},
    {"409",
     {"Aug  1 15:44:10 enigma sshd[13752]: Failed password for invalid user ss7 from 65.202.215.2 "
      "port 18546 ssh2",
      "sshd",
      {"event.action",     "ssh_login",      "event.outcome",
       "failure",          "event.category", "authentication",
       "event.type",       "info",           "event.reason",
       "invalid user",     "source.ip",      "65.202.215.2",
       "source.port",      "18546",          "source.address",
       "65.202.215.2",     "user.name",      "ss7",
       "sshd.auth_method", "password",       NULL}}},
    {"408",
     {"Feb  4 16:54:28 niban login[1074]: FAILED LOGIN 1 FROM (null) FOR dcid, Authentication "
      "failure",
      "login",
      {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "Authentication failure", "user.name", "dcid",
       "login.failures", "1", NULL}}},
    {"401",
     {"login: 1 LOGIN FAILURE ON ttyv0",
      "login",
      {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "login failure", "process.tty.name", "ttyv0",
       "login.failures", "1", NULL}}},
    {"401",
     {"login: 1 LOGIN FAILURE ON ttyv0, root",
      "login",
      {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "login failure", "user.name", "root",
       "process.tty.name", "ttyv0", "login.failures", "1", NULL}}},
    {"401",
     {"saslauthd[113]: do_auth         : auth failure: [user=SERVERWEB\\Administrador] "
      "[service=smtp] [realm=] [mech=shadow] [reason=Unknown]",
      "mailserver",
      {"event.action", "sasl_auth", "event.outcome", "failure", "event.category", "authentication",
       "event.type", "info", "event.reason", "Unknown", "user.name", "SERVERWEB\\Administrador",
       "saslauthd.service", "smtp", "saslauthd.mech", "shadow", NULL}}},
    {"401",
     {"sshd[7386]: error: Bad prime description in line 73",
      "sshd",
      {"event.action", "ssh_config_error", "event.outcome", "failure", "event.category",
       "configuration", "event.type", "error", "event.reason",
       "bad prime description in moduli file", "log.level", "error", NULL}}},
    {"403",
     {"Dec  7 13:52:12 casal in.telnetd[27798]: refused connect from unknown",
      "inetd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", NULL}}},
    {"403",
     {"Jan 22 10:37:41 frontend-0 ypserv[832]: refused connect from 127.0.0.1:868",
      "inetd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.ip", "127.0.0.1", "source.port", "868",
       "source.address", "127.0.0.1", NULL}}},
    {"403",
     {"Feb 21 15:14:29 my_ftp_host in.ftpd[32374]: refused connect from XX.XX.XX.67",
      "ftpd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.address", "XX.XX.XX.67", "source.domain",
       "XX.XX.XX.67", NULL}}},
    {"403",
     {"Jan 12 20:48:29 elrond sshd[19734]: refused connect from accsys.elink.net.au "
      "(203.31.101.11)",
      "sshd",
      {"event.action", "connection_refused", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.ip", "203.31.101.11", "source.address",
       "203.31.101.11", "source.domain", "accsys.elink.net.au", NULL}}},
    {"smbd",
     {"smbd[12252]:   getpeername failed. Error was Transport endpoint is not connected",
      "smbd",
      {"event.action", "smb_connection_error", "event.outcome", "failure", "event.category",
       "network", "event.type", "error", "event.reason", "Transport endpoint is not connected",
       NULL}}},
    {"smbd",
     {"smbd[12252]:   Denied connection from  (0.0.0.0)",
      "smbd",
      {"event.action", "smb_connection_denied", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.ip", "0.0.0.0", "source.address", "0.0.0.0",
       NULL}}},
    {"smbd",
     {"smbd[12252]:   Connection denied from 0.0.0.0",
      "smbd",
      {"event.action", "smb_connection_denied", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "source.ip", "0.0.0.0", "source.address", "0.0.0.0",
       NULL}}},
    {"smbd",
     {"smbd[12252]:   write_socket_data: write failure. Error = Connection reset by peer",
      "smbd",
      {"event.action", "smb_connection_error", "event.outcome", "failure", "event.category",
       "network", "event.type", "error", "event.reason", "Connection reset by peer", NULL}}},
    {"smbd",
     {"May 31 15:54:18 homesmbsrv smbd[124]:  Permission denied-- user not allowed to delete, "
      "pause, or resume print job. User name: oahmet. Printer name: prnq1.",
      "smbd",
      {"event.action", "smb_print_job_denied", "event.outcome", "failure", "event.category", "host",
       "event.type", "denied", "event.reason", "permission denied", "user.name", "oahmet",
       "smbd.printer", "prnq1", NULL}}},
    {"spamd",
     {"Mar 19 08:21:13 h780152 spamd[11565]: connection from localhost [127.0.0.1] at port 49144",
      "mailserver",
      {"event.action", "spam_scan_connection", "event.category", "network", "event.type",
       "connection", "source.ip", "127.0.0.1", "source.port", "49144", "source.address",
       "127.0.0.1", "source.domain", "localhost", NULL}}},
    {"spamd",
     {"Mar 19 08:21:13 h780152 spamd[11565]: checking message "
      "<20060318231614.f9991a2d.johnxj@comcast.net> for root:98.",
      "mailserver",
      {"event.action", "spam_check", "event.category", "email", "event.type", "info", "user.name",
       "root", "user.id", "98", "email.message_id", "20060318231614.f9991a2d.johnxj@comcast.net",
       NULL}}},
    {"spamd",
     {"Mar 19 08:21:14 h780152 spamd[11565]: clean message (0.0/6.0) for root:98 in 1.6 seconds, "
      "3347 bytes.",
      "mailserver",
      {"event.action",
       "spam_clean",
       "event.outcome",
       "success",
       "event.category",
       "email",
       "event.type",
       "info",
       "user.name",
       "root",
       "user.id",
       "98",
       "spamd.score",
       "0.0",
       "spamd.threshold",
       "6.0",
       "spamd.scan_time",
       "1.6",
       "spamd.size",
       "3347",
       NULL}}},
    {"spamd",
     {"Mar 19 08:21:14 h780152 qmail-scanner[25042]: Clear:RC:0(217.72.192.234):SA:0(0.0/6.0): "
      "1.681359 3302 sylpheed-admin@good-day.net peter@ifup.de "
      "[sylpheed:27685]_Sync_two_copies_of_Sylpheed <20060318231614.f9991a2d.johnxj@comcast.net> "
      "1142752873.25044-0.ifup.de:898",
      "mailserver",
      {"event.action",
       "mail_scanned",
       "event.outcome",
       "success",
       "event.category",
       "email",
       "event.type",
       "info",
       "event.reason",
       "clean",
       "source.ip",
       "217.72.192.234",
       "source.address",
       "217.72.192.234",
       "email.from.address",
       "sylpheed-admin@good-day.net",
       "email.to.address",
       "peter@ifup.de",
       "spamd.score",
       "0.0",
       "spamd.threshold",
       "6.0",
       NULL}}},
    {"spamd",
     {"Mar 19 08:36:33 h780152 spamd[18424]: connection from localhost [127.0.0.1] at port 49145",
      "mailserver",
      {"event.action", "spam_scan_connection", "event.category", "network", "event.type",
       "connection", "source.ip", "127.0.0.1", "source.port", "49145", "source.address",
       "127.0.0.1", "source.domain", "localhost", NULL}}},
    {"spamd",
     {"Mar 19 08:36:37 h780152 spamd[18424]: identified spam (8.1/6.0) for root:98 in 4.2 seconds, "
      "1432 bytes.",
      "mailserver",
      {"event.action",
       "spam_detected",
       "event.category",
       "email",
       "event.type",
       "info",
       "event.reason",
       "spam",
       "user.name",
       "root",
       "user.id",
       "98",
       "spamd.score",
       "8.1",
       "spamd.threshold",
       "6.0",
       "spamd.scan_time",
       "4.2",
       "spamd.size",
       "1432",
       NULL}}},
    {"1901",
     {"Apr 17 22:20:21 hostj named[312]: [ID 295310 daemon.notice] security: notice: dropping "
      "source port zero packet from [64.211.251.254].0",
      "named",
      {"event.action", "dns_source_port_zero", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "event.reason", "source port zero", "log.level", "notice",
       "source.ip", "64.211.251.254", "source.port", "0", "source.address", "64.211.251.254",
       NULL}}},
    {"1901",
     {"named[3430]: dropping source port zero packet from [209.191.188.93].0",
      "named",
      {"event.action", "dns_source_port_zero", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "event.reason", "source port zero", "source.ip",
       "209.191.188.93", "source.port", "0", "source.address", "209.191.188.93", NULL}}},
    {"1902",
     {"Apr 20 09:14:45 hostname named[98]: denied AXFR from [1.2.3.4].1329 for \"xxxxx.com\" (not "
      "master/slave)",
      "named",
      {"event.action", "dns_zone_transfer_denied", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "event.reason", "not master/slave", "source.ip",
       "1.2.3.4", "source.port", "1329", "source.address", "1.2.3.4", "dns.question.name",
       "xxxxx.com", NULL}}},
    {"1902",
     {"Mar 1 13:52:03 arcane named[15025]: denied AXFR from [205.166.226.38].1421 for "
      "\"atfantasy.com\" (acl)",
      "named",
      {"event.action", "dns_zone_transfer_denied", "event.outcome", "failure", "event.category",
       "network", "event.type", "denied", "event.reason", "acl", "source.ip", "205.166.226.38",
       "source.port", "1421", "source.address", "205.166.226.38", "dns.question.name",
       "atfantasy.com", NULL}}},
    {"1903",
     {"Jan  6 13:40:28 drew named[128838]: denied update from [24.64.63.195].41151 for "
      "in-addr.arpa",
      "named",
      {"event.action", "dns_update_denied", "event.outcome", "failure", "event.category", "network",
       "event.type", "denied", "source.ip", "24.64.63.195", "source.port", "41151",
       "source.address", "24.64.63.195", "dns.question.name", "in-addr.arpa", NULL}}},
    {"1903",
     {"Dec 31 00:01:31 valhalla named[7885]: client 192.168.1.231#1142: update "
      "'hayaletgemi.edu/IN' denied",
      "named",
      {"event.action", "dns_update_denied", "event.outcome", "failure", "event.category", "network",
       "event.type", "denied", "source.ip", "192.168.1.231", "source.port", "1142",
       "source.address", "192.168.1.231", "dns.question.name", "hayaletgemi.edu", NULL}}},
    {"1905",
     {"named[8020]: unexpected RCODE (REFUSED) resolving 'inteligentes.cjb.net/AAAA/IN': "
      "200.206.159.96#53",
      "named",
      {"event.action",
       "dns_unexpected_rcode",
       "event.outcome",
       "failure",
       "event.category",
       "network",
       "event.type",
       "protocol",
       "destination.ip",
       "200.206.159.96",
       "destination.port",
       "53",
       "destination.address",
       "200.206.159.96",
       "dns.question.name",
       "inteligentes.cjb.net",
       "dns.question.type",
       "AAAA",
       "dns.response_code",
       "REFUSED",
       NULL}}},
    {"1905",
     {"named[8020]: unexpected RCODE (REFUSED) resolving 'inteligentes.cjb.net/A/IN': "
      "200.206.159.96#53",
      "named",
      {"event.action",
       "dns_unexpected_rcode",
       "event.outcome",
       "failure",
       "event.category",
       "network",
       "event.type",
       "protocol",
       "destination.ip",
       "200.206.159.96",
       "destination.port",
       "53",
       "destination.address",
       "200.206.159.96",
       "dns.question.name",
       "inteligentes.cjb.net",
       "dns.question.type",
       "A",
       "dns.response_code",
       "REFUSED",
       NULL}}},
    {"2501",
     {"Nov 9 05:00:07 ensim proftpd[21141]: ensim.domain.com (p50832E46.dip.t-dialin.net[80.131 "
      ".46.70]) - FTP session opened.",
      "ftpd",
      {"event.action", "ftp_session_opened", "event.outcome", "success", "event.category",
       "session", "event.type", "start", "source.domain", "p50832E46.dip.t-dialin.net",
       "destination.domain", "ensim.domain.com", NULL}}},
    {"2501",
     {"Nov 9 05:00:09 ensim proftpd[21141]: ensim.domain.com (p50832E46.dip.t-dialin.net[80.131 "
      ".46.70]) - no such user 'anonymous'",
      "ftpd",
      {"event.action", "ftp_invalid_user", "event.outcome", "failure", "event.category",
       "authentication", "event.type", "info", "event.reason", "no such user", "source.domain",
       "p50832E46.dip.t-dialin.net", "destination.domain", "ensim.domain.com", "user.name",
       "anonymous", NULL}}},
    {"unkown",
     {" Apr 14 19:18:56 mozart in.telnetd[11634]: connect from 192.168.11.200",
      "inetd",
      {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
       "network", "event.type", "allowed", "source.ip", "192.168.11.200", "source.address",
       "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 19:18:56 mozart imapd[11635]: connect from 192.168.11.200",
      "mailserver",
      {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
       "network", "event.type", "allowed", "source.ip", "192.168.11.200", "source.address",
       "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 19:18:56 mozart in.fingerd[11637]: connect from 192.168.11.200",
      "inetd",
      {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
       "network", "event.type", "allowed", "source.ip", "192.168.11.200", "source.address",
       "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 19:18:56 mozart ipop3d[11638]: connect from 192.168.11.200",
      "mailserver",
      {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
       "network", "event.type", "allowed", "source.ip", "192.168.11.200", "source.address",
       "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 21:01:58 mozart imapd[11667]: command stream end of file, while reading line "
      "user=??? host=[192.168.11.200]",
      "mailserver",
      {"event.action", "mail_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "command stream end of file", "source.ip", "192.168.11.200",
       "source.address", "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 21:01:58 mozart ipop3d[11668]: No such file or directory while reading line "
      "user=??? host=[192.168.11.200]",
      "mailserver",
      {"event.action", "mail_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "No such file or directory", "source.ip", "192.168.11.200", "source.address",
       "192.168.11.200", NULL}}},
    {"unkown",
     {" Apr 14 21:02:05 mozart sendmail[11675]: NOQUEUE: [192.168.11.200]: expn root",
      "mailserver",
      {"event.action", "smtp_expn", "event.category", "email", "event.type", "access", "source.ip",
       "192.168.11.200", "source.address", "192.168.11.200", "user.name", "root", NULL}}},
    {"unkown",
     {" Apr 14 21:03:09 mozart telnetd[11682]: ttloop: peer died: Invalid or incomplete multibyte "
      "or wide character",
      "inetd",
      {"event.action", "telnet_disconnect", "event.category", "network", "event.type", "end",
       "event.reason", "Invalid or incomplete multibyte or wide character", NULL}}},
    {"unkown",
     {" Apr 14 21:03:12 mozart ftpd[11688]: FTP session closed ",
      "ftpd",
      {"event.action", "ftp_session_closed", "event.outcome", "success", "event.category",
       "session", "event.type", "end", NULL}}},
};

/* The record must be in the file (as read, wrapped lines joined). */
static void assert_in_file(const corpus_case_t *cc)
{
    const corpus_file_t *cf = NULL;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(files[i].name, cc->file) == 0)
            cf = &files[i];
    assert_non_null(cf);
    records_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    read_records(cf, r);
    bool seen = false;
    for (size_t i = 0; i < r->n && !seen; i++)
        seen = strcmp(r->rec[i], cc->c.line) == 0;
    free_records(r);
    free(r);
    if (!seen)
        fail_msg("%s: \"%s\" is not a record of the file", cc->file, cc->c.line);
}

static void test_corpus_fields(void **state)
{
    (void)state;
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_in_file(&cases[i]);
        check_case_on(d, ev, &cases[i].c);
    }
    /* Every asserted file has at least two checked records, or all it has. */
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (pending(files[i].name) && strcmp(files[i].name, "mail-errors") != 0)
            continue;
        size_t k = 0;
        for (size_t j = 0; j < sizeof cases / sizeof cases[0]; j++)
            k += strcmp(cases[j].file, files[i].name) == 0;
        records_t *r = calloc(1, sizeof *r);
        assert_non_null(r);
        read_records(&files[i], r);
        size_t want = r->n < 2 ? r->n : 2;
        free_records(r);
        free(r);
        if (k < want)
            fail_msg("%s: %zu records checked field by field, want %zu", files[i].name, k, want);
    }
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

/* Lines of other decoders' formats are not taken by program decoders. */
static void test_apache_error_not_claimed(void **state)
{
    (void)state;
    corpus_file_t cf = {"apache-error.logs", false, NULL};
    records_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    read_records(&cf, r);
    for (size_t i = 0; i < r->n; i++)
        check_not_program(r->rec[i]);
    free_records(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_ratios),
        cmocka_unit_test(test_corpus_fields),
        cmocka_unit_test(test_apache_error_not_claimed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
