/* Unit tests: the journald collector. The entry-to-JSON mapping runs
 * always. A journal directory written here by systemd-journal-remote (from
 * journal export text) is read when that program is installed; the local
 * journal is read only where one is readable. Either is skipped with a
 * message saying so otherwise. */
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>

#include "collect_test_util.h"

#include "collect_int.h"
#include "collect_json_util.h"

static void test_entry_json(void **state)
{
    (void)state;
    static const char bin[] = "MESSAGE=bad \xff byte";
    canh_str_t f[] = {
        CANH_STR_LIT("MESSAGE=Accepted publickey for root from 10.0.0.5 port 51234 ssh2"),
        CANH_STR_LIT("_HOSTNAME=web01"),
        CANH_STR_LIT("_PID=4242"),
        CANH_STR_LIT("_COMM=sshd"),
        CANH_STR_LIT("SYSLOG_IDENTIFIER=sshd-session"),
        CANH_STR_LIT("_EXE=/usr/sbin/sshd"),
        CANH_STR_LIT("PRIORITY=6"),
        CANH_STR_LIT("SYSLOG_FACILITY=10"),
        CANH_STR_LIT("_SYSTEMD_UNIT=ssh.service"),
        CANH_STR_LIT("_UID=0"),
        CANH_STR_LIT("_TRANSPORT=syslog"),
        CANH_STR_LIT("NOEQUALS"),
        CANH_STR_LIT("=novalue"),
        CANH_STR_LIT("_PID=notanumber"),
        CANH_STR_LIT("PRIORITY=99"),
    };
    json_t *d = canh_journal_entry_json(f, sizeof f / sizeof f[0], UINT64_C(1714557600123456));
    assert_non_null(d);
    assert_string_equal(jstr(d, "@timestamp"), "2024-05-01T10:00:00.123456Z");
    assert_string_equal(jstr(d, "message"),
                        "Accepted publickey for root from 10.0.0.5 port 51234 ssh2");
    assert_string_equal(jstr(d, "host.name"), "web01");
    assert_int_equal(jint(d, "process.pid"), 4242);
    assert_string_equal(jstr(d, "process.name"), "sshd-session"); /* identifier before _COMM */
    assert_string_equal(jstr(d, "process.executable"), "/usr/sbin/sshd");
    assert_int_equal(jint(d, "log.syslog.priority"), 6);
    assert_string_equal(jstr(d, "log.level"), "info");
    assert_int_equal(jint(d, "log.syslog.facility.code"), 10);
    assert_string_equal(jstr(d, "systemd.unit"), "ssh.service");
    assert_string_equal(jstr(d, "user.id"), "0");
    assert_string_equal(jstr(d, "canh.journal.transport"), "syslog");
    assert_string_equal(jstr(d, "event.module"), "journald");
    json_decref(d);

    canh_str_t g[] = {canh_str(bin, sizeof bin - 1), CANH_STR_LIT("_COMM=cron")};
    d = canh_journal_entry_json(g, 2, 0);
    assert_non_null(d);
    assert_string_equal(jstr(d, "message"), "bad ? byte");
    assert_string_equal(jstr(d, "process.name"), "cron");
    json_decref(d);
}

static bool journal_readable(void)
{
    sd_journal *j;
    if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0)
        return false;
    int r = sd_journal_next(j);
    sd_journal_close(j);
    return r > 0;
}

static void test_read_journal(void **state)
{
    (void)state;
    char dir[64];
    tmpdir_make(dir, sizeof dir, "jr");
    canh_collect_opts_t o;
    canh_collect_opts_default(&o);
    o.state_dir = dir;
    o.journald = true;
    o.inventory_interval_s = 0;
    o.netconn_interval_s = 0;
    canh_collectors_t *c;
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    got_t g;
    got_init(&g);
    if (!journal_readable()) {
        /* Idle, counted, no records, and no error. */
        got_poll(c, &g, 3);
        assert_int_equal(g.n, 0);
        canh_collect_stats_t st;
        canh_collectors_stats(c, &st);
        assert_int_equal(st.journal_unavailable, 1);
        canh_collectors_destroy(c);
        tmpdir_remove(dir);
        print_message("journald: no readable journal on this machine; reading skipped\n");
        skip();
    }
    canh_errbuf_t e2;
    int k = canh_collectors_poll(c, got_emit, &g, 5, &e2);
    assert_true(k > 0);
    for (int i = 0; i < g.n; i++) {
        assert_string_equal(g.origin[i], "journald");
        json_t *d = jparse(g.rec[i]);
        assert_non_null(jstr(d, "@timestamp"));
        json_decref(d);
    }
    /* a restart after a checkpoint goes on after the last one emitted */
    assert_int_equal(canh_collectors_checkpoint(c, &eb), CANH_OK);
    char *last = strdup(g.rec[g.n - 1]);
    canh_collectors_destroy(c);
    got_clear(&g);
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    k = canh_collectors_poll(c, got_emit, &g, 1, &e2);
    if (k == 1)
        assert_string_not_equal(g.rec[0], last);
    free(last);
    got_clear(&g);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"

/* Appends entries (journal export text) to dir/remote.journal. */
static void journal_write(const char *dir, const char *export_text)
{
    char in[128], out[128];
    snprintf(in, sizeof in, "%s/export.txt", dir);
    snprintf(out, sizeof out, "%s/remote.journal", dir);
    write_str(in, "w", export_text);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {JOURNAL_REMOTE, "-o", out, "-", NULL};
    char *envp[] = {NULL};
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, JOURNAL_REMOTE, &fa, NULL, argv, envp), 0);
    posix_spawn_file_actions_destroy(&fa);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(in);
}

static const char *entry(char *buf, size_t size, int i, const char *msg)
{
    snprintf(buf, size,
             "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%d\n"
             "_BOOT_ID=0123456789abcdef0123456789abcdef\nMESSAGE=%s\n_HOSTNAME=web01\n"
             "_PID=%d\nSYSLOG_IDENTIFIER=sshd\nPRIORITY=4\n_SYSTEMD_UNIT=ssh.service\n\n",
             1714557600000000ULL + (unsigned long long)i * 1000000ULL, 1000 + i, msg, 100 + i);
    return buf;
}

static void test_journal_dir(void **state)
{
    (void)state;
    if (access(JOURNAL_REMOTE, X_OK) != 0) {
        print_message("journald: %s not installed (package systemd-journal-remote); "
                      "journal directory test skipped\n",
                      JOURNAL_REMOTE);
        skip();
    }
    char dir[64], jdir[96], st[96], text[4096], e[512];
    tmpdir_make(dir, sizeof dir, "jd");
    snprintf(jdir, sizeof jdir, "%s/journal", dir);
    snprintf(st, sizeof st, "%s/state", dir);
    assert_int_equal(mkdir(jdir, 0750), 0);
    text[0] = '\0';
    for (int i = 0; i < 3; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "message %d", i);
        strcat(text, entry(e, sizeof e, i, msg));
    }
    journal_write(jdir, text);

    canh_collect_opts_t o;
    canh_collect_opts_default(&o);
    o.state_dir = st;
    o.journald = true;
    o.journal_dir = jdir;
    o.inventory_interval_s = 0;
    o.netconn_interval_s = 0;
    canh_collectors_t *c;
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    got_t g;
    got_init(&g);
    /* emit full after one: the second is parked, nothing is lost */
    g.accept = 1;
    assert_int_equal(canh_collectors_poll(c, got_emit, &g, 10, &eb), 1);
    g.accept = -1;
    got_poll(c, &g, 5);
    assert_int_equal(g.n, 3);
    for (int i = 0; i < 3; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "message %d", i);
        assert_string_equal(g.origin[i], "journald");
        json_t *d = jparse(g.rec[i]);
        assert_string_equal(jstr(d, "message"), msg);
        assert_string_equal(jstr(d, "host.name"), "web01");
        assert_int_equal(jint(d, "process.pid"), 100 + i);
        assert_string_equal(jstr(d, "process.name"), "sshd");
        assert_int_equal(jint(d, "log.syslog.priority"), 4);
        assert_string_equal(jstr(d, "systemd.unit"), "ssh.service");
        json_decref(d);
    }
    json_t *d = jparse(g.rec[0]);
    assert_string_equal(jstr(d, "@timestamp"), "2024-05-01T10:00:00.000000Z");
    json_decref(d);
    got_clear(&g);
    canh_collect_stats_t cs;
    canh_collectors_stats(c, &cs);
    assert_int_equal(cs.journal_unavailable, 0);

    /* Live: an entry appended wakes the journal fd and is read. */
    int fds[4];
    size_t nf = canh_collectors_fds(c, fds, 4);
    assert_int_equal(nf, 1);
    journal_write(jdir, entry(e, sizeof e, 3, "message 3"));
    struct pollfd pf = {fds[0], POLLIN, 0};
    assert_int_equal(poll(&pf, 1, 5000), 1);
    got_poll(c, &g, 5);
    assert_int_equal(g.n, 1);
    d = jparse(g.rec[0]);
    assert_string_equal(jstr(d, "message"), "message 3");
    json_decref(d);
    got_clear(&g);

    /* After a checkpoint and a restart: only what came since. */
    assert_int_equal(canh_collectors_checkpoint(c, &eb), CANH_OK);
    canh_collectors_destroy(c);
    journal_write(jdir, entry(e, sizeof e, 4, "message 4"));
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    got_poll(c, &g, 5);
    assert_int_equal(g.n, 1);
    d = jparse(g.rec[0]);
    assert_string_equal(jstr(d, "message"), "message 4");
    json_decref(d);
    got_clear(&g);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_json),
        cmocka_unit_test(test_journal_dir),
        cmocka_unit_test(test_read_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
