/* test_auditd.c - the Linux audit decoder (decode_auditd.c): audit.log
 * records of every common type, the enriched format, the kernel's numeric
 * form, hex-encoded values, nested msg='...' lists, and robustness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canh/decode.h"
#include "canh/event.h"
#include "decode_int.h"

#define DB_TYPE "auditd"
#include "test_db_util.h"

#define GS "\x1d"

static const tcase_t cases[] = {
    {"type=SYSCALL msg=audit(1705312800.123:4567): arch=c000003e syscall=59 success=yes exit=0 "
     "a0=55d4b1e2a0 a1=55d4b1e2c0 a2=55d4b1e2e0 a3=0 items=2 ppid=1000 pid=1234 auid=1000 uid=0 "
     "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"bash\" "
     "exe=\"/usr/bin/bash\" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 "
     "key=\"exec\"",
     {{"@timestamp", "2024-01-15T10:00:00.123000Z"},
      {"auditd.sequence", "4567"},
      {"auditd.message_type", "SYSCALL"},
      {"auditd.result", "success"},
      {"event.outcome", "success"},
      {"event.action", "executed"},
      {"event.category", "process"},
      {"event.type", "start"},
      {"process.pid", "1234"},
      {"process.parent.pid", "1000"},
      {"process.executable", "/usr/bin/bash"},
      {"process.name", "bash"},
      {"process.tty.name", "pts0"},
      {"user.id", "0"},
      {"user.name", NULL},
      {"auditd.data.auid", "1000"},
      {"auditd.data.ses", "3"},
      {"auditd.data.key", "exec"},
      {"auditd.data.syscall", "59"},
      {"auditd.data.a0", "55d4b1e2a0"},
      {"auditd.data.pid", NULL},
      {"process.command_line", NULL},
      {"partial", "0"},
      {NULL, NULL}}},
    {"node=web1 type=SYSCALL msg=audit(1705312801.000:4568): arch=c000003e syscall=257 "
     "success=no exit=-13 a0=ffffff9c a1=7ffc1234 a2=0 a3=0 items=1 ppid=999 pid=1500 auid=1001 "
     "uid=1001 gid=1001 euid=1001 suid=1001 fsuid=1001 egid=1001 sgid=1001 fsgid=1001 tty=pts1 "
     "ses=5 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"shadow\"" GS "ARCH=x86_64 SYSCALL=openat "
     "AUID=\"alice\" UID=\"alice\" GID=\"alice\" EUID=\"root\" SUID=\"alice\" FSUID=\"alice\" "
     "EGID=\"alice\" SGID=\"alice\" FSGID=\"alice\"",
     {{"host.name", "web1"},
      {"auditd.result", "fail"},
      {"event.outcome", "failure"},
      {"event.action", "opened-file"},
      {"event.category", "file"},
      {"user.id", "1001"},
      {"user.name", "alice"},
      {"user.effective.name", "root"},
      {"auditd.enriched.SYSCALL", "openat"},
      {"auditd.enriched.AUID", "alice"},
      {"auditd.data.exit", "-13"},
      {NULL, NULL}}},
    {"type=EXECVE msg=audit(1705312800.123:4567): argc=3 a0=\"ls\" a1=\"-la\" "
     "a2=2F746D702F6D7920646972",
     {{"auditd.message_type", "EXECVE"},
      {"process.command_line", "ls -la /tmp/my dir"},
      {"auditd.data.a2", "/tmp/my dir"},
      {"auditd.data.argc", "3"},
      {"event.action", "executed"},
      {NULL, NULL}}},
    {"type=EXECVE msg=audit(1705312800.200:4570): argc=2 a0=\"echo\" a1_len=8 a1[0]=41424344 "
     "a1[1]=45464748",
     {{"process.command_line", "echo ABCDEFGH"}, {NULL, NULL}}},
    {"type=PROCTITLE msg=audit(1705312800.123:4567): proctitle=62617368002D63006964",
     {{"process.command_line", "bash -c id"},
      {"auditd.data.proctitle", "bash -c id"},
      {"event.action", NULL},
      {NULL, NULL}}},
    {"type=CWD msg=audit(1705312800.123:4567): cwd=\"/home/bob\"",
     {{"process.working_directory", "/home/bob"}, {NULL, NULL}}},
    {"type=PATH msg=audit(1705312800.123:4567): item=0 name=\"/usr/bin/ls\" inode=1234 dev=fd:00 "
     "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
     "cap_fver=0",
     {{"file.path", "/usr/bin/ls"},
      {"auditd.data.nametype", "NORMAL"},
      {"auditd.data.inode", "1234"},
      {"user.id", NULL},
      {NULL, NULL}}},
    {"type=USER_AUTH msg=audit(1705312805.500:4600): pid=2000 uid=0 auid=4294967295 "
     "ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=PAM:authentication "
     "grantors=? acct=\"bob\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.7 addr=203.0.113.7 "
     "terminal=ssh res=failed'",
     {{"@timestamp", "2024-01-15T10:00:05.500000Z"},
      {"auditd.message_type", "USER_AUTH"},
      {"event.action", "authenticated"},
      {"event.category", "authentication"},
      {"event.outcome", "failure"},
      {"auditd.result", "fail"},
      {"user.name", "bob"},
      {"source.ip", "203.0.113.7"},
      {"source.domain", NULL},
      {"process.executable", "/usr/sbin/sshd"},
      {"process.pid", "2000"},
      {"auditd.data.op", "PAM:authentication"},
      {"auditd.data.grantors", "?"},
      {"auditd.data.acct", "bob"},
      {"auditd.data.terminal", "ssh"},
      {"auditd.data.auid", "4294967295"},
      {NULL, NULL}}},
    {"type=USER_LOGIN msg=audit(1705312806.000:4601): pid=2001 uid=0 auid=1000 ses=6 "
     "msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=198.51.100.4 "
     "terminal=/dev/pts/2 res=success'" GS "UID=\"root\" AUID=\"bob\" ID=\"bob\"",
     {{"event.action", "logged-in"},
      {"event.outcome", "success"},
      {"event.type", "start"},
      {"user.name", "bob"},
      {"user.id", "0"},
      {"source.ip", "198.51.100.4"},
      {"auditd.data.id", "1000"},
      {"auditd.data.hostname", "?"},
      {NULL, NULL}}},
    {"type=USER_LOGIN msg=audit(1705312806.500:4602): pid=2002 uid=0 auid=4294967295 "
     "ses=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" "
     "hostname=attacker.example.net addr=203.0.113.66 terminal=sshd res=failed'",
     {{"user.name", "root"},
      {"event.outcome", "failure"},
      {"source.ip", "203.0.113.66"},
      {"source.domain", "attacker.example.net"},
      {NULL, NULL}}},
    {"type=USER_CMD msg=audit(1705312807.000:4603): pid=2100 uid=1000 auid=1000 ses=6 "
     "msg='cwd=\"/home/bob\" cmd=636174202F6574632F736861646F77 exe=\"/usr/bin/sudo\" "
     "terminal=pts/2 res=success'" GS "UID=\"bob\" AUID=\"bob\"",
     {{"event.action", "ran-command"},
      {"event.category", "process"},
      {"process.command_line", "cat /etc/shadow"},
      {"process.working_directory", "/home/bob"},
      {"process.executable", "/usr/bin/sudo"},
      {"user.name", "bob"},
      {"user.id", "1000"},
      {"auditd.data.cmd", "cat /etc/shadow"},
      {NULL, NULL}}},
    {"type=ADD_USER msg=audit(1705312808.000:4604): pid=2200 uid=0 auid=1000 ses=6 "
     "msg='op=add-user acct=\"eve\" exe=\"/usr/sbin/useradd\" hostname=web1 addr=? "
     "terminal=pts/2 res=success'" GS "UID=\"root\" AUID=\"bob\"",
     {{"event.action", "added-user-account"},
      {"event.category", "iam"},
      {"event.type", "creation"},
      {"user.name", "bob"},
      {"user.target.name", "eve"},
      {"source.domain", NULL},
      {"source.ip", NULL},
      {NULL, NULL}}},
    {"type=ADD_USER msg=audit(1705312808.100:4605): pid=2201 uid=0 auid=1000 ses=6 "
     "msg='op=adding user id=1002 exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=pts/2 "
     "res=success'",
     {{"user.target.id", "1002"}, {"event.outcome", "success"}, {NULL, NULL}}},
    {"type=DEL_GROUP msg=audit(1705312809.000:4606): pid=2300 uid=0 auid=1000 ses=6 "
     "msg='op=delete-group acct=\"devs\" exe=\"/usr/sbin/groupdel\" hostname=web1 addr=? "
     "terminal=pts/2 res=success'" GS "UID=\"root\" AUID=\"bob\"",
     {{"event.action", "deleted-group-account"},
      {"event.type", "deletion"},
      {"group.name", "devs"},
      {"user.name", "bob"},
      {"user.target.name", NULL},
      {NULL, NULL}}},
    {"type=AVC msg=audit(1705312810.000:4607): avc:  denied  { read write } for  pid=2400 "
     "comm=\"httpd\" name=\"shadow\" dev=\"dm-0\" ino=1234 "
     "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:shadow_t:s0 tclass=file "
     "permissive=0",
     {{"event.action", "violated-selinux-policy"},
      {"event.type", "denied"},
      {"auditd.data.seresult", "denied"},
      {"auditd.data.seperms", "read write"},
      {"auditd.data.name", "shadow"},
      {"auditd.data.tclass", "file"},
      {"process.name", "httpd"},
      {"file.path", NULL},
      {NULL, NULL}}},
    {"type=1400 audit(1705312811.111:4608): apparmor=\"DENIED\" operation=\"open\" "
     "profile=\"/usr/sbin/tcpdump\" name=\"/etc/shadow\" pid=2500 comm=\"tcpdump\" "
     "requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
     {{"auditd.message_type", "AVC"},
      {"@timestamp", "2024-01-15T10:00:11.111000Z"},
      {"auditd.data.apparmor", "DENIED"},
      {"auditd.data.operation", "open"},
      {"process.name", "tcpdump"},
      {NULL, NULL}}},
    {"type=ANOM_ABEND msg=audit(1705312812.000:4609): auid=1000 uid=1000 gid=1000 ses=6 "
     "subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 pid=2600 comm=\"a.out\" "
     "exe=\"/home/bob/a.out\" sig=11 res=1",
     {{"event.action", "crashed-program"}, {"auditd.data.sig", "11"}, {NULL, NULL}}},
    {"type=ANOM_LOGIN_FAILURES msg=audit(1705312812.500:4610): pid=2601 uid=0 auid=4294967295 "
     "ses=4294967295 msg='pam_faillock uid=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=? "
     "terminal=ssh res=success'",
     {{"event.action", "failed-log-in-too-many-times-to"}, {NULL, NULL}}},
    {"type=ANOM_SOMETHING_NEW msg=audit(1705312812.600:4611): pid=1 res=success",
     {{"event.action", "anomaly"}, {"auditd.message_type", "ANOM_SOMETHING_NEW"}, {NULL, NULL}}},
    {"type=SOCKADDR msg=audit(1705312813.000:4612): saddr=020000357F0000350000000000000000",
     {{"destination.ip", "127.0.0.53"},
      {"destination.port", "53"},
      {"auditd.data.socket.family", "ipv4"},
      {"auditd.data.saddr", "020000357F0000350000000000000000"},
      {NULL, NULL}}},
    {"type=SOCKADDR msg=audit(1705312813.100:4613): "
     "saddr=0A0001BB000000002001067C2E8022000000000000000001000000000000",
     {{"destination.ip", "2001:67c:2e80:2200::1"}, {"destination.port", "443"}, {NULL, NULL}}},
    {"type=USER_AUTH msg=audit(1705312814.000:4614): pid=2700 uid=0 auid=4294967295 "
     "ses=4294967295 msg='op=PAM:authentication grantors=? acct=626F6220736D697468 "
     "exe=\"/usr/sbin/sshd\" hostname=203.0.113.8 addr=203.0.113.8 terminal=ssh res=failed'",
     {{"user.name", "bob smith"}, {NULL, NULL}}},
    {"type=DAEMON_START msg=audit(1705312700.000:1): op=start ver=3.0.9 format=enriched "
     "kernel=6.1.0-17-amd64 auid=4294967295 pid=600 uid=0 ses=4294967295 subj=unconfined "
     "res=success" GS "AUID=\"unset\" UID=\"root\"",
     {{"event.action", "started-audit"},
      {"auditd.data.ver", "3.0.9"},
      {"user.name", "root"},
      {"auditd.enriched.AUID", "unset"},
      {NULL, NULL}}},
    {"type=LOGIN msg=audit(1705312810.030:4613): pid=2050 uid=0 subj=unconfined "
     "old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=7 res=1" GS
     "UID=\"root\" OLD-AUID=\"unset\" AUID=\"bob\"",
     {{"event.action", "changed-login-id-to"},
      {"user.name", "bob"},
      {"user.id", "0"},
      {"auditd.data.old-auid", "4294967295"},
      {"auditd.data.tty", "(none)"},
      {"process.tty.name", NULL},
      {"auditd.enriched.OLD-AUID", "unset"},
      {NULL, NULL}}},
    {"type=SOCKADDR msg=audit(1705312840.000:4640): saddr=02001F90C633640A0000000000000000" GS
     "SADDR={ saddr_fam=inet laddr=198.51.100.10 lport=8080 }",
     {{"destination.ip", "198.51.100.10"},
      {"destination.port", "8080"},
      {"auditd.enriched.SADDR", "saddr_fam=inet laddr=198.51.100.10 lport=8080"},
      {NULL, NULL}}},
    {"type=CONFIG_CHANGE msg=audit(1705312701.000:2): auid=1000 ses=6 op=add_rule "
     "key=\"exec\" list=4 res=1",
     {{"event.action", "changed-audit-configuration"}, {"event.outcome", "success"}, {NULL, NULL}}},
    {"type=SERVICE_START msg=audit(1705312702.000:3): pid=1 uid=0 auid=4294967295 "
     "ses=4294967295 msg='unit=nginx comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" "
     "hostname=? addr=? terminal=? res=success'",
     {{"event.action", "started-service"},
      {"auditd.data.unit", "nginx"},
      {"process.name", "systemd"},
      {NULL, NULL}}},
};

static void test_records(void **state)
{
    run_cases(*state, cases, sizeof cases / sizeof cases[0], CANH_DEC_AUDITD);
}

/* A record whose header or quotes are cut is kept, flagged partial. */
static void test_partial(void **state)
{
    fx_t *f = *state;
    const tcase_t pc[] = {
        {"type=SYSCALL msg=audit(1705312800.123:45",
         {{"partial", "1"},
          {"auditd.message_type", "SYSCALL"},
          {"auditd.sequence", NULL},
          {NULL, NULL}}},
        {"type=SYSCALL msg=audit(1705312800.123:4567): comm=\"bas",
         {{"partial", "1"}, {"process.name", "bas"}, {NULL, NULL}}},
        {"type=USER_AUTH msg=audit(1705312805.500:4600): pid=2000 msg='op=PAM:auth acct=\"bob\"",
         {{"partial", "1"}, {"user.name", "bob"}, {NULL, NULL}}},
        {"type=SYSCALL msg=audit(17053128:4567): pid=1",
         {{"auditd.sequence", "4567"}, {"process.pid", "1"}, {NULL, NULL}}},
    };
    for (size_t i = 0; i < sizeof pc / sizeof pc[0]; i++) {
        decode_n(f->autod, f->ev, pc[i].line, strlen(pc[i].line));
        assert_int_equal(f->ev->decoder, CANH_DEC_AUDITD);
        check_fields(f->ev, &pc[i]);
        check_sane(f->ev, pc[i].line);
    }
    /* A bad time is flagged. */
    decode_n(f->autod, f->ev, pc[3].line, strlen(pc[3].line));
    assert_true(f->ev->flags & CANH_EVF_BAD_TIME);
}

/* The record handed over by the syslog path starts at "type=" or "node=". */
static void test_direct(void **state)
{
    fx_t *f = *state;
    const char *l = "node=db1 type=USER_LOGIN msg=audit(1705312806.000:4601): pid=2001 uid=0 "
                    "auid=1000 ses=6 msg='op=login acct=\"bob\" exe=\"/usr/sbin/sshd\" "
                    "hostname=? addr=198.51.100.4 terminal=/dev/pts/2 res=success'";
    canh_event_reset(f->ev, canh_str_c(l));
    assert_int_equal(canh_dec_auditd(f->autod, canh_str_c(l), f->ev), CANH_OK);
    assert_int_equal(f->ev->decoder, CANH_DEC_AUDITD);
    tcase_t tc = {l,
                  {{"host.name", "db1"},
                   {"user.name", "bob"},
                   {"source.ip", "198.51.100.4"},
                   {"event.action", "logged-in"},
                   {NULL, NULL}}};
    check_fields(f->ev, &tc);
}

static void all_prefixes(fx_t *f, const char *line)
{
    size_t n = strlen(line);
    for (size_t k = 0; k <= n; k++) {
        char what[64];
        snprintf(what, sizeof what, "prefix %zu of %.30s", k, line);
        decode_n(f->autod, f->ev, line, k);
        check_sane(f->ev, what);
        decode_n(f->forced, f->ev, line, k);
        check_sane(f->ev, what);
    }
}

static void test_prefixes(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        all_prefixes(f, cases[i].line);
}

static void test_truncated(void **state)
{
    fx_t *f = *state;
    const char *cut[] = {
        "type=SYSCALL msg=audit", "type=SYSCALL msg=", "type=SYSCALL",        "type=",
        "node=web1 type=SYSCALL", "node=web1",         "type=SYSCALL msg=aud"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        canh_event_reset(f->ev, canh_str_c(cut[i]));
        if (canh_dec_auditd(f->autod, canh_str_c(cut[i]), f->ev) == CANH_OK)
            fail_msg("claimed truncated \"%s\"", cut[i]);
    }
}

static const char *const foreign[] = {
    "Jan 15 10:00:00 web1 sshd[1234]: Accepted password for bob from 1.2.3.4 port 22 ssh2",
    "type: SYSCALL msg: audit(1705312800.123:4567)",
    "types=SYSCALL msg=audit(1705312800.123:4567): pid=1",
    "type=SYSCALL message=hello world",
    "node=web1 hello=world",
    "2024-01-15 10:00:00.123 UTC [12345] LOG:  statement: SELECT 1",
    "CEF:0|Vendor|Product|1.0|100|Name|5|src=1.2.3.4",
    "{\"type\":\"SYSCALL\"}",
    "time=\"2024-01-15T10:00:00Z\" level=info msg=\"started\"",
};

static void test_foreign(void **state)
{
    fx_t *f = *state;
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        canh_str_t s = canh_str_c(foreign[i]);
        canh_event_reset(f->ev, s);
        if (canh_dec_auditd(f->autod, s, f->ev) == CANH_OK)
            fail_msg("claimed foreign \"%s\"", foreign[i]);
        decode_n(f->autod, f->ev, foreign[i], s.n);
        if (f->ev->decoder == CANH_DEC_AUDITD)
            fail_msg("auto-detected as auditd: \"%s\"", foreign[i]);
    }
}

static void test_garbage(void **state)
{
    fx_t *f = *state;
    uint32_t seed = 777;
    char buf[512];
    for (int round = 0; round < 4000; round++) {
        const char *base = cases[(size_t)round % (sizeof cases / sizeof cases[0])].line;
        size_t n = strlen(base);
        if (n > sizeof buf)
            n = sizeof buf;
        memcpy(buf, base, n);
        for (int m = 0; m < 5; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            /* Mostly the bytes that matter to the scanner. */
            static const char special[] = "=\"' \x1d{}()[]:.0A";
            char c =
                (seed >> 20) & 1 ? special[(seed >> 8) % (sizeof special - 1)] : (char)(seed >> 16);
            buf[at] = c;
        }
        decode_n(f->autod, f->ev, buf, n);
        check_sane(f->ev, "mutated");
        decode_n(f->forced, f->ev, buf, n);
        check_sane(f->ev, "mutated");
    }
}

/* A record with more fields than the kv list holds: kept, flagged. */
static void test_many_fields(void **state)
{
    fx_t *f = *state;
    static char big[64 * 1024];
    size_t n = (size_t)snprintf(big, sizeof big, "type=SYSCALL msg=audit(1705312800.123:1):");
    for (int i = 0; i < 1000 && n + 32 < sizeof big; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, " k%d=v%d", i, i);
    decode_n(f->autod, f->ev, big, n);
    assert_int_equal(f->ev->decoder, CANH_DEC_AUDITD);
    assert_true(f->ev->flags & (CANH_EVF_OVERFLOW | CANH_EVF_PARTIAL));
    check_sane(f->ev, "many fields");
}

static void test_fixture(void **state)
{
    fx_t *f = *state;
    FILE *fp = fopen(CANH_FIXTURES "/auditd/audit.log", "r");
    assert_non_null(fp);
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        decode_n(f->autod, f->ev, line, len);
        if (f->ev->decoder != CANH_DEC_AUDITD)
            fail_msg("fixture line \"%s\" decoded as %s", line, canh_decode_name(f->ev->decoder));
        if (f->ev->flags & (CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME | CANH_EVF_PARTIAL))
            fail_msg("fixture line \"%s\": flags %u", line, f->ev->flags);
        check_sane(f->ev, line);
        n++;
    }
    fclose(fp);
    assert_true(n >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),   cmocka_unit_test(test_partial),
        cmocka_unit_test(test_direct),    cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_truncated), cmocka_unit_test(test_foreign),
        cmocka_unit_test(test_garbage),   cmocka_unit_test(test_many_fields),
        cmocka_unit_test(test_fixture),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    free(held);
    return rc;
}
