/* test_prog_accounts.c - account management: useradd, usermod, userdel, groupadd, passwd, ...
 * (decode_prog_accounts.c).
 *
 * Each case lists every field the decoder extracts (see test_prog_util.h);
 * every case is also decoded prefix by prefix. */
#include "test_prog_util.h"

static const prog_case_t acct_cases[] = {
    {"Jun 10 11:00:00 web1 useradd[901]: new group: name=deploy, GID=1001",
     "accounts",
     {"event.action", "group_created", "event.outcome", "success", "event.category", "iam",
      "event.type", "creation", "group.name", "deploy", "group.id", "1001", NULL}},
    {"Jun 10 11:00:01 web1 useradd[901]: new user: name=deploy, UID=1001, GID=1001, "
     "home=/home/deploy, shell=/bin/bash, from=/dev/pts/0",
     "accounts",
     {"event.action",
      "user_created",
      "event.outcome",
      "success",
      "event.category",
      "iam",
      "event.type",
      "creation",
      "user.name",
      "deploy",
      "user.id",
      "1001",
      "group.id",
      "1001",
      "process.tty.name",
      "/dev/pts/0",
      "system.auth.useradd.home",
      "/home/deploy",
      "system.auth.useradd.shell",
      "/bin/bash",
      NULL}},
    {"May 28 10:48:29 niban useradd[32421]: new user: name=logr, uid=12000, gid=12000, "
     "home=/home/logr, shell=/bin/bash ",
     "accounts",
     {"event.action", "user_created", "event.outcome", "success", "event.category", "iam",
      "event.type", "creation", "user.name", "logr", "user.id", "12000", "group.id", "12000",
      "system.auth.useradd.home", "/home/logr", "system.auth.useradd.shell", "/bin/bash", NULL}},
    {"May 21 10:24:54 niban useradd[6070]: new group: name=test, gid=5006 ",
     "accounts",
     {"event.action", "group_created", "event.outcome", "success", "event.category", "iam",
      "event.type", "creation", "group.name", "test", "group.id", "5006", NULL}},
    {"Jun 10 11:00:02 web1 groupadd[902]: group added to /etc/group: name=ops, GID=1002",
     "accounts",
     {"event.action", "group_created", "event.outcome", "success", "event.category", "iam",
      "event.type", "creation", "group.name", "ops", "group.id", "1002", NULL}},
    {"Jun 10 11:00:03 web1 usermod[903]: add 'deploy' to group 'sudo'",
     "accounts",
     {"event.action", "group_member_added", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", "group.name", "sudo", NULL}},
    {"Jun 10 11:00:04 web1 usermod[903]: add 'deploy' to shadow group 'sudo'",
     "accounts",
     {"event.action", "group_member_added", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", "group.name", "sudo", NULL}},
    {"Jun 10 11:00:05 web1 gpasswd[904]: delete 'deploy' from group 'docker'",
     "accounts",
     {"event.action", "group_member_removed", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", "group.name", "docker", NULL}},
    {"Jun 10 11:00:06 web1 userdel[905]: delete user 'olduser'",
     "accounts",
     {"event.action", "user_deleted", "event.outcome", "success", "event.category", "iam",
      "event.type", "deletion", "user.name", "olduser", NULL}},
    {"May 28 10:48:07 niban userdel[32416]: delete user `logr' ",
     "accounts",
     {"event.action", "user_deleted", "event.outcome", "success", "event.category", "iam",
      "event.type", "deletion", "user.name", "logr", NULL}},
    {"Jun 10 11:00:07 web1 userdel[905]: removed group 'olduser' owned by 'olduser'",
     "accounts",
     {"event.action", "group_deleted", "event.outcome", "success", "event.category", "iam",
      "event.type", "deletion", "user.name", "olduser", "group.name", "olduser", NULL}},
    {"May 28 10:48:13 niban groupdel[32417]: remove group `logr' ",
     "accounts",
     {"event.action", "group_deleted", "event.outcome", "success", "event.category", "iam",
      "event.type", "deletion", "group.name", "logr", NULL}},
    {"Jun 10 11:00:08 web1 usermod[906]: change user 'deploy' shell from '/bin/sh' to '/bin/bash'",
     "accounts",
     {"event.action", "user_modified", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", "system.auth.usermod.field", "shell",
      "system.auth.usermod.old", "/bin/sh", "system.auth.usermod.new", "/bin/bash", NULL}},
    {"Jun 10 11:00:09 web1 usermod[907]: change user 'deploy' name to 'deployer'",
     "accounts",
     {"event.action", "user_modified", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "event.reason", "name changed", "user.name", "deploy",
      "user.changes.name", "deployer", NULL}},
    {"Jun 10 11:00:10 web1 usermod[908]: change user 'deploy' password",
     "accounts",
     {"event.action", "password_changed", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", NULL}},
    {"Jun 10 11:00:11 web1 usermod[909]: lock user 'deploy' password",
     "accounts",
     {"event.action", "user_locked", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", NULL}},
    {"Jun 10 11:00:12 web1 passwd[910]: password for 'deploy' changed by 'root'",
     "accounts",
     {"event.action", "password_changed", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "source.user.name", "root", "user.name", "deploy", NULL}},
    {"Jun 10 11:00:13 web1 chpasswd[911]: pam_unix(chpasswd:chauthtok): password changed for "
     "deploy",
     "accounts",
     {"event.action", "password_changed", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "user.name", "deploy", "pam.module", "pam_unix", "pam.service",
      "chpasswd", "pam.type", "chauthtok", NULL}},
    {"Jun 10 11:00:14 web1 useradd[912]: failed adding user 'bad', data deleted",
     "accounts",
     {"event.action", "user_created", "event.outcome", "failure", "event.category", "iam",
      "event.type", "creation", "user.name", "bad", NULL}},
    {"Jun 10 11:00:15 web1 gpasswd[913]: user mallory added by root to group wheel",
     "accounts",
     {"event.action", "group_member_added", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "source.user.name", "root", "user.name", "mallory", "group.name",
      "wheel", NULL}},
    {"Jun 10 11:00:16 web1 groupmod[914]: group changed in /etc/group (group ops/1002, new name: "
     "sre)",
     "accounts",
     {"event.action", "group_modified", "event.outcome", "success", "event.category", "iam",
      "event.type", "change", "group.name", "ops", "group.id", "1002", "group.changes.name", "sre",
      NULL}},
    {"Feb  4 14:21:45 niban adduser[26287]: new user: name=test123, uid=12003, gid=12003, "
     "home=/home/test123, shell=/bin/bash ",
     "accounts",
     {"event.action", "user_created", "event.outcome", "success", "event.category", "iam",
      "event.type", "creation", "user.name", "test123", "user.id", "12003", "group.id", "12003",
      "system.auth.useradd.home", "/home/test123", "system.auth.useradd.shell", "/bin/bash", NULL}},
};

static void test_accounts_messages(void **state)
{
    (void)state;
    check_cases(acct_cases, sizeof acct_cases / sizeof acct_cases[0], "accounts");
}

static void test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof acct_cases / sizeof acct_cases[0]; i++)
        check_prefixes(acct_cases[i].line);
}

/* Messages of the program that Canh does not classify stay plain syslog,
 * with nothing of the program decoder left behind; lines of other formats
 * are not program events. */
static void test_unclassified(void **state)
{
    (void)state;
    static const prog_case_t cases[] = {
        {"Jun 10 11:10:00 web1 useradd[920]: useradd: user 'x' already exists",
         "syslog",
         {"event.action", NULL, "user.name", NULL, NULL}},
        {"Jun 10 11:10:01 web1 passwd[921]: gkr-pam: couldn't update the login keyring password",
         "syslog",
         {"event.action", NULL, NULL}},
    };
    check_cases(cases, sizeof cases / sizeof cases[0], "accounts");
}

static void test_foreign_lines(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "new user: name=x, UID=1, GID=1, home=/h, shell=/bin/sh",
        "delete user 'x'",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        check_not_program(lines[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_messages),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_unclassified),
        cmocka_unit_test(test_foreign_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
