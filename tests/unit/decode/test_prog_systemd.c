/* test_prog_systemd.c - systemd, systemd-logind and cron (decode_prog_systemd.c).
 *
 * Each case lists every field the decoder extracts (see test_prog_util.h);
 * every case is also decoded prefix by prefix. */
#include "test_prog_util.h"

static const prog_case_t systemd_cases[] = {
    {"Jun 10 12:00:00 web1 systemd[1]: Started Session 1 of user root.",
     "systemd",
     {"event.action", "session_started", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "user.name", "root", "systemd.session_id", "1", NULL}},
    {"Jun 10 12:00:01 web1 systemd[1]: Started session-7.scope - Session 7 of User alice.",
     "systemd",
     {"event.action", "session_started", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "user.name", "alice", "systemd.session_id", "7", NULL}},
    {"Jun 10 12:00:02 web1 systemd-logind[600]: New session 3 of user root.",
     "systemd",
     {"event.action", "session_started", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "user.name", "root", "systemd.session_id", "3", NULL}},
    {"Jun 10 12:00:03 web1 systemd-logind[600]: Removed session 3.",
     "systemd",
     {"event.action", "session_ended", "event.outcome", "success", "event.category", "session",
      "event.type", "end", "systemd.session_id", "3", NULL}},
    {"Jun 10 12:00:04 web1 systemd-logind[600]: Session 4 logged out. Waiting for processes to "
     "exit.",
     "systemd",
     {"event.action", "session_ended", "event.outcome", "success", "event.category", "session",
      "event.type", "end", "systemd.session_id", "4", NULL}},
    {"Jun 10 12:00:05 web1 systemd[1]: Started nginx.service - A high performance web server and a "
     "reverse proxy server.",
     "systemd",
     {"event.action", "service_started", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "service.name", "nginx.service", "systemd.unit", "nginx.service",
      "systemd.description", "A high performance web server and a reverse proxy server", NULL}},
    {"Jun 10 12:00:06 web1 systemd[1]: Started The Apache HTTP Server.",
     "systemd",
     {"event.action", "service_started", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "systemd.description", "The Apache HTTP Server", NULL}},
    {"Jun 10 12:00:07 web1 systemd[1]: Stopped OpenBSD Secure Shell server.",
     "systemd",
     {"event.action", "service_stopped", "event.outcome", "success", "event.category", "process",
      "event.type", "end", "systemd.description", "OpenBSD Secure Shell server", NULL}},
    {"Jun 10 12:00:08 web1 systemd[1]: Stopping ssh.service - OpenBSD Secure Shell server...",
     "systemd",
     {"event.action", "service_stopping", "event.category", "process", "event.type", "info",
      "service.name", "ssh.service", "systemd.unit", "ssh.service", "systemd.description",
      "OpenBSD Secure Shell server", NULL}},
    {"Jun 10 12:00:09 web1 systemd[1]: Failed to start MySQL Community Server.",
     "systemd",
     {"event.action", "service_failed", "event.outcome", "failure", "event.category", "process",
      "event.type", "start", "systemd.description", "MySQL Community Server", NULL}},
    {"Jun 10 12:00:10 web1 systemd[1]: mysql.service: Failed with result 'exit-code'.",
     "systemd",
     {"event.action", "service_failed", "event.outcome", "failure", "event.category", "process",
      "event.type", "end", "event.reason", "exit-code", "service.name", "mysql.service",
      "systemd.unit", "mysql.service", NULL}},
    {"Jun 10 12:00:11 web1 systemd[1]: mysql.service: Main process exited, code=exited, "
     "status=1/FAILURE",
     "systemd",
     {"event.action", "service_exited", "event.category", "process", "event.type", "end",
      "event.reason", "FAILURE", "service.name", "mysql.service", "systemd.unit", "mysql.service",
      "process.exit_code", "1", NULL}},
    {"Jun 10 12:00:12 web1 systemd[1]: cron.service: Deactivated successfully.",
     "systemd",
     {"event.action", "service_stopped", "event.outcome", "success", "event.category", "process",
      "event.type", "end", "service.name", "cron.service", "systemd.unit", "cron.service", NULL}},
    {"Jun 10 12:00:13 web1 systemd[1]: session-3.scope: Deactivated successfully.",
     "systemd",
     {"event.action", "session_ended", "event.outcome", "success", "event.category", "session",
      "event.type", "end", "systemd.session_id", "3", NULL}},
    {"Jun 10 12:00:14 web1 systemd[1]: Started LSB: Apache - web server.",
     "systemd",
     {"event.action", "service_started", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "systemd.description", "LSB: Apache - web server", NULL}},
    {"Jun 10 12:00:15 web1 systemd-logind[600]: System is powering down.",
     "systemd",
     {"event.action", "system_shutdown", "event.category", "host", "event.type", "end", NULL}},
    {"Jun 10 12:00:16 web1 systemd[1]: Starting Daily apt upgrade and clean activities...",
     "systemd",
     {"event.action", "service_starting", "event.category", "process", "event.type", "info",
      "systemd.description", "Daily apt upgrade and clean activities", NULL}},
    {"Jun 10 12:00:17 web1 systemd[1]: Created slice user-1000.slice - User Slice of UID 1000.",
     "systemd",
     {"event.action", "slice_created", "event.outcome", "success", "event.category", "process",
      "event.type", "creation", "service.name", "user-1000.slice", "systemd.unit",
      "user-1000.slice", "systemd.description", "User Slice of UID 1000", NULL}},
    {"Jun 10 12:00:18 web1 systemd[1]: Reloading.",
     "systemd",
     {"event.action", "daemon_reload", "event.category", "configuration", "event.type", "change",
      NULL}},
};

static const prog_case_t cron_cases[] = {
    {"Jun 10 13:00:01 web1 CRON[1201]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 "
     "1 1)",
     "cron",
     {"event.action", "cron_command", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "user.name", "root", "process.command_line",
      "command -v debian-sa1 > /dev/null && debian-sa1 1 1", NULL}},
    {"Jun 10 13:00:02 web1 crond[1202]: (www-data) CMD (/usr/bin/php /var/www/cron.php >/dev/null "
     "2>&1)",
     "cron",
     {"event.action", "cron_command", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "user.name", "www-data", "process.command_line",
      "/usr/bin/php /var/www/cron.php >/dev/null 2>&1", NULL}},
    {"Jun 10 13:00:03 web1 CRON[1203]: pam_unix(cron:session): session opened for user root(uid=0) "
     "by (uid=0)",
     "cron",
     {"event.action", "pam_session_opened", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "user.name", "root", "user.id", "0", "pam.module", "pam_unix",
      "pam.service", "cron", "pam.type", "session", NULL}},
    {"Jun 10 13:00:04 web1 cron[1204]: (*system*) RELOAD (/etc/crontab)",
     "cron",
     {"event.action", "cron_reload", "event.outcome", "success", "event.category", "configuration",
      "event.type", "change", "file.path", "/etc/crontab", NULL}},
    {"Jun 10 13:00:05 web1 crontab[1205]: (alice) BEGIN EDIT (alice)",
     "cron",
     {"event.action", "crontab_edit", "event.category", "configuration", "event.type", "access",
      "user.name", "alice", NULL}},
    {"Jun 10 13:00:06 web1 crontab[1205]: (alice) REPLACE (alice)",
     "cron",
     {"event.action", "crontab_replaced", "event.outcome", "success", "event.category",
      "configuration", "event.type", "change", "user.name", "alice", "user.target.name", "alice",
      NULL}},
    {"Jun 10 13:00:07 web1 crontab[1206]: (root) LIST (bob)",
     "cron",
     {"event.action", "crontab_list", "event.outcome", "success", "event.category", "configuration",
      "event.type", "access", "user.name", "root", "user.target.name", "bob", NULL}},
    {"Jun 10 13:00:08 web1 CRON[1207]: (CRON) info (No MTA installed, discarding output)",
     "cron",
     {"event.action", "cron_info", "event.category", "process", "event.type", "info",
      "event.reason", "No MTA installed, discarding output", "log.level", "info", NULL}},
    {"Jun 10 13:00:09 web1 crond[1208]: (mallory) FAILED to authorize user with PAM "
     "(Authentication failure)",
     "cron",
     {"event.action", "cron_auth_failure", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "Authentication failure", "user.name",
      "mallory", NULL}},
    {"Jun 10 13:00:10 web1 CROND[1209]: (root) CMDEND (run-parts /etc/cron.hourly)",
     "cron",
     {"event.action", "cron_command_end", "event.category", "process", "event.type", "end",
      "user.name", "root", "process.command_line", "run-parts /etc/cron.hourly", NULL}},
    {"Jun 10 13:00:11 web1 anacron[1210]: Job `cron.daily' started",
     "cron",
     {"event.action", "cron_job_started", "event.category", "process", "event.type", "start",
      NULL}},
};

static void test_systemd_messages(void **state)
{
    (void)state;
    check_cases(systemd_cases, sizeof systemd_cases / sizeof systemd_cases[0], "systemd");
}

static void test_cron_messages(void **state)
{
    (void)state;
    check_cases(cron_cases, sizeof cron_cases / sizeof cron_cases[0], "cron");
}

static void test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof systemd_cases / sizeof systemd_cases[0]; i++)
        check_prefixes(systemd_cases[i].line);
    for (size_t i = 0; i < sizeof cron_cases / sizeof cron_cases[0]; i++)
        check_prefixes(cron_cases[i].line);
}

/* Messages of the program that Canh does not classify stay plain syslog,
 * with nothing of the program decoder left behind; lines of other formats
 * are not program events. */
static void test_unclassified(void **state)
{
    (void)state;
    static const prog_case_t cases[] = {
        {"Jun 10 12:10:00 web1 systemd[1]: Listening on D-Bus System Message Bus Socket.",
         "syslog",
         {"event.action", NULL, "systemd.unit", NULL, NULL}},
        {"Jun 10 12:10:01 web1 systemd[1]: some words here: Succeeded.",
         "syslog",
         {"event.action", NULL, "systemd.unit", NULL, "service.name", NULL, NULL}},
        {"Jun 10 12:10:02 web1 CRON[1220]: (root) UNKNOWNVERB (x)",
         "syslog",
         {"event.action", NULL, "user.name", NULL, NULL}},
    };
    check_cases(cases, sizeof cases / sizeof cases[0], "systemd");
}

static void test_foreign_lines(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "Started Session 1 of user root.",
        "(root) CMD (rm -rf /tmp/x)",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        check_not_program(lines[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_systemd_messages), cmocka_unit_test(test_cron_messages),
        cmocka_unit_test(test_prefixes),         cmocka_unit_test(test_unclassified),
        cmocka_unit_test(test_foreign_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
