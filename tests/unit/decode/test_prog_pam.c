/* test_prog_pam.c - PAM messages from any program (decode_prog_pam.c).
 *
 * Each case lists every field the decoder extracts (see test_prog_util.h);
 * every case is also decoded prefix by prefix. */
#include "test_prog_util.h"

static const prog_case_t pam_cases[] = {
    {"Jun 10 10:00:00 web1 login[812]: pam_unix(login:auth): authentication failure; logname=LOGIN "
     "uid=0 euid=0 tty=tty1 ruser= rhost=  user=root",
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
      "tty1",
      "pam.logname",
      "LOGIN",
      "pam.uid",
      "0",
      "pam.euid",
      "0",
      "pam.module",
      "pam_unix",
      "pam.service",
      "login",
      "pam.type",
      "auth",
      NULL}},
    {"Jun 10 10:00:01 web1 login[812]: pam_securetty(login:auth): access denied: tty 'ttyS0' is "
     "not secure !",
     "login",
     {"event.action", "pam_securetty_denied", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "tty is not secure",
      "process.tty.name", "ttyS0", "pam.module", "pam_securetty", "pam.service", "login",
      "pam.type", "auth", NULL}},
    {"Jun 10 10:00:02 web1 sshd[813]: pam_unix(sshd:auth): check pass; user unknown",
     "sshd",
     {"event.action", "pam_user_unknown", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "user unknown", "pam.module",
      "pam_unix", "pam.service", "sshd", "pam.type", "auth", NULL}},
    {"Jun 10 10:00:03 web1 passwd[814]: pam_unix(passwd:chauthtok): password changed for alice",
     "accounts",
     {"event.action", "password_changed", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "alice", "pam.module", "pam_unix", "pam.service",
      "passwd", "pam.type", "chauthtok", NULL}},
    {"Jun 10 10:00:04 web1 sshd[815]: pam_unix(sshd:account): account olduser has expired (account "
     "expired)",
     "sshd",
     {"event.action", "pam_account_expired", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "account expired", "user.name",
      "olduser", "pam.module", "pam_unix", "pam.service", "sshd", "pam.type", "account", NULL}},
    {"Jun 10 10:00:05 web1 sshd[816]: pam_succeed_if(sshd:auth): requirement \"uid >= 1000\" not "
     "met by user \"root\"",
     "sshd",
     {"event.action",
      "pam_requirement_not_met",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "requirement not met",
      "user.name",
      "root",
      "pam.requirement",
      "uid >= 1000",
      "pam.module",
      "pam_succeed_if",
      "pam.service",
      "sshd",
      "pam.type",
      "auth",
      NULL}},
    {"Jun 10 10:00:06 web1 sshd[817]: pam_tally2(sshd:auth): user bob (1001) tally 4, deny 3",
     "sshd",
     {"event.action",
      "pam_account_locked",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "too many failures (pam_tally)",
      "user.name",
      "bob",
      "user.id",
      "1001",
      "pam.tally",
      "4",
      "pam.deny",
      "3",
      "pam.module",
      "pam_tally2",
      "pam.service",
      "sshd",
      "pam.type",
      "auth",
      NULL}},
    {"Jun 10 10:00:07 web1 sshd[818]: pam_faillock(sshd:auth): Consecutive login failures for user "
     "root account temporarily locked",
     "sshd",
     {"event.action", "pam_account_locked", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "consecutive login failures",
      "user.name", "root", "pam.module", "pam_faillock", "pam.service", "sshd", "pam.type", "auth",
      NULL}},
    {"Jun 10 10:00:08 web1 sudo: pam_unix(sudo:auth): conversation failed",
     "sudo",
     {"event.action", "pam_conversation_failed", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "conversation failed", "pam.module",
      "pam_unix", "pam.service", "sudo", "pam.type", "auth", NULL}},
    {"Jun 10 10:00:09 web1 sudo: pam_unix(sudo:auth): auth could not identify password for [carol]",
     "sudo",
     {"event.action", "pam_auth_failure", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "could not identify password",
      "user.name", "carol", "pam.module", "pam_unix", "pam.service", "sudo", "pam.type", "auth",
      NULL}},
    {"Jun 10 10:00:10 web1 sshd[819]: PAM service(sshd) ignoring max retries; 6 > 3",
     "sshd",
     {"event.action", "pam_max_retries", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "maximum retries exceeded",
      "pam.service", "sshd", NULL}},
    {"Jun 10 10:00:11 web1 CRON[820]: pam_unix(cron:session): session opened for user root by "
     "(uid=0)",
     "cron",
     {"event.action", "pam_session_opened", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "user.name", "root", "pam.module", "pam_unix", "pam.service", "cron",
      "pam.type", "session", NULL}},
    {"Jun 10 10:00:12 web1 CRON[820]: pam_unix(cron:session): session closed for user root",
     "cron",
     {"event.action", "pam_session_closed", "event.outcome", "success", "event.category", "session",
      "event.type", "end", "user.name", "root", "pam.module", "pam_unix", "pam.service", "cron",
      "pam.type", "session", NULL}},
    {"Jun 10 10:00:13 web1 sshd[821]: pam_access(sshd:account): access denied for user `eve' from "
     "`198.51.100.9'",
     "sshd",
     {"event.action",
      "pam_access_denied",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "denied by pam_access",
      "source.ip",
      "198.51.100.9",
      "source.address",
      "198.51.100.9",
      "user.name",
      "eve",
      "pam.module",
      "pam_access",
      "pam.service",
      "sshd",
      "pam.type",
      "account",
      NULL}},
    {"Feb 15 16:08:14 triumph PAM-securetty[741]: Couldn't open /etc/securetty",
     "pam",
     {"event.action", "pam_securetty_error", "event.outcome", "failure", "event.category",
      "configuration", "event.type", "error", "event.reason", "cannot open /etc/securetty",
      "pam.module", "PAM-securetty", NULL}},
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
      NULL}},
    {"Jun 10 10:00:14 web1 sshd[822]: pam_sss(sshd:auth): authentication failure; logname= uid=0 "
     "euid=0 tty=ssh ruser= rhost=2001:db8::99 user=dave@corp.example",
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
      "source.ip",
      "2001:db8::99",
      "source.address",
      "2001:db8::99",
      "user.name",
      "dave@corp.example",
      "process.tty.name",
      "ssh",
      "pam.uid",
      "0",
      "pam.euid",
      "0",
      "pam.module",
      "pam_sss",
      "pam.service",
      "sshd",
      "pam.type",
      "auth",
      NULL}},
};

static void test_pam_messages(void **state)
{
    (void)state;
    check_cases(pam_cases, sizeof pam_cases / sizeof pam_cases[0], "syslog");
}

static void test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pam_cases / sizeof pam_cases[0]; i++)
        check_prefixes(pam_cases[i].line);
}

/* Messages of the program that Canh does not classify stay plain syslog,
 * with nothing of the program decoder left behind; lines of other formats
 * are not program events. */
static void test_unclassified(void **state)
{
    (void)state;
    static const prog_case_t cases[] = {
        {"Jun 10 10:10:00 web1 sshd[830]: pam_systemd(sshd:session): Failed to create session: No "
         "such file",
         "syslog",
         {"event.action", NULL, "pam.module", NULL, NULL}},
        {"Jun 10 10:10:01 web1 login[831]: pam_unix without a service",
         "syslog",
         {"event.action", NULL, "pam.module", NULL, NULL}},
        {"Jun 10 10:10:02 web1 PAM-env[832]: Unable to open config file: "
         "/etc/security/pam_env.conf",
         "syslog",
         {"event.action", NULL, "pam.module", NULL, NULL}},
    };
    check_cases(cases, sizeof cases / sizeof cases[0], "syslog");
}

static void test_foreign_lines(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
        "rhost=1.2.3.4  user=root",
        "authentication failure; logname= uid=0 user=root",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        check_not_program(lines[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pam_messages),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_unclassified),
        cmocka_unit_test(test_foreign_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
