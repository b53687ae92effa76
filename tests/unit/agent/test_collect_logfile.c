/* Unit tests: the log file collector on real files (append, rotation by
 * rename, copytruncate, truncation, restart from a checkpoint, rotation
 * while stopped, new files found by the glob, partial and over-long lines,
 * emit saying full, inotify wake-ups). */
#include <poll.h>

#include "canh/limits.h"
#include "collect_test_util.h"

typedef struct fx {
    char dir[64];
    char pat[96];
    char log[96];
    char state[96];
    const char *pats[1];
    canh_collect_opts_t o;
    canh_collectors_t *c;
    got_t g;
} fx_t;

static int setup(void **state)
{
    fx_t *x = calloc(1, sizeof *x);
    tmpdir_make(x->dir, sizeof x->dir, "lf");
    snprintf(x->pat, sizeof x->pat, "%s/*.log", x->dir);
    snprintf(x->log, sizeof x->log, "%s/app.log", x->dir);
    snprintf(x->state, sizeof x->state, "%s/state", x->dir);
    x->pats[0] = x->pat;
    canh_collect_opts_default(&x->o);
    x->o.state_dir = x->state;
    x->o.logfiles = x->pats;
    x->o.nlogfiles = 1;
    x->o.inventory_interval_s = 0;
    x->o.netconn_interval_s = 0;
    got_init(&x->g);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx_t *x = *state;
    canh_collectors_destroy(x->c);
    got_clear(&x->g);
    tmpdir_remove(x->dir);
    free(x);
    return 0;
}

static void start(fx_t *x)
{
    canh_errbuf_t eb;
    int rc = canh_collectors_create(&x->o, &x->c, &eb);
    if (rc)
        fail_msg("create: %s", eb.msg);
}

static void restart(fx_t *x)
{
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_checkpoint(x->c, &eb), CANH_OK);
    canh_collectors_destroy(x->c);
    x->c = NULL;
    start(x);
}

static void expect(fx_t *x, const char *const *lines, int n)
{
    got_poll(x->c, &x->g, 8);
    if (x->g.n != n) {
        for (int i = 0; i < x->g.n; i++)
            print_message("got[%d] = %s\n", i, x->g.rec[i]);
        fail_msg("expected %d records, got %d", n, x->g.n);
    }
    for (int i = 0; i < n; i++)
        assert_string_equal(x->g.rec[i], lines[i]);
    got_clear(&x->g);
}

static void test_append(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "one\ntwo\r\n\nthree\n");
    start(x);
    expect(x, (const char *[]){"one", "two", "three"}, 3);
    write_str(x->log, "a", "four\n");
    got_poll(x->c, &x->g, 4);
    assert_int_equal(x->g.n, 1);
    assert_string_equal(x->g.rec[0], "four");
    char origin[256];
    snprintf(origin, sizeof origin, "file:%s", x->log);
    assert_string_equal(x->g.origin[0], origin);
    got_clear(&x->g);
    expect(x, NULL, 0);
}

static void test_rotate_rename(void **state)
{
    fx_t *x = *state;
    char old[128];
    snprintf(old, sizeof old, "%s.1", x->log);
    write_str(x->log, "w", "a1\n");
    start(x);
    expect(x, (const char *[]){"a1"}, 1);
    /* logrotate: rename, the daemon still writes the old file, then the
     * new one. */
    assert_int_equal(rename(x->log, old), 0);
    write_str(old, "a", "a2\n");
    write_str(x->log, "w", "b1\n");
    write_str(old, "a", "a3\n");
    write_str(x->log, "a", "b2\n");
    expect(x, (const char *[]){"a2", "a3", "b1", "b2"}, 4);
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.log_rotations, 1);
    assert_int_equal(st.log_truncations, 0);
    assert_int_equal(st.log_files_open, 2); /* the old one within its grace period */
}

static void test_copytruncate(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "c1\nc2\n");
    start(x);
    expect(x, (const char *[]){"c1", "c2"}, 2);
    /* logrotate copytruncate: copy away (a name the glob does not match),
     * truncate in place, the daemon goes on writing. */
    char copy[128];
    snprintf(copy, sizeof copy, "%s.1", x->log);
    write_str(copy, "w", "c1\nc2\n");
    assert_int_equal(truncate(x->log, 0), 0);
    write_str(x->log, "a", "c3\n");
    expect(x, (const char *[]){"c3"}, 1);
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.log_truncations, 1);
    assert_int_equal(st.log_rotations, 0);
}

static void test_truncate_open_fd(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "0123456789 a long first line\nsecond\n");
    start(x);
    expect(x, (const char *[]){"0123456789 a long first line", "second"}, 2);
    int fd = open(x->log, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(pwrite(fd, "t1\n", 3, 0), 3);
    close(fd);
    expect(x, (const char *[]){"t1"}, 1);
}

static void test_restart(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "r1\nr2\n");
    start(x);
    expect(x, (const char *[]){"r1", "r2"}, 2);
    restart(x);
    write_str(x->log, "a", "r3\n");
    expect(x, (const char *[]){"r3"}, 1);
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_checkpoint(x->c, &eb), CANH_OK);

    /* Emitted but not checkpointed: emitted again after a restart (at
     * least once), never lost. */
    write_str(x->log, "a", "r4\n");
    expect(x, (const char *[]){"r4"}, 1);
    canh_collectors_destroy(x->c);
    x->c = NULL;
    start(x);
    expect(x, (const char *[]){"r4"}, 1);

    /* Rotated while stopped: the old file (found by its identity under
     * its new name) is finished first, the new one read from its start,
     * both under the original origin. */
    assert_int_equal(canh_collectors_checkpoint(x->c, &eb), CANH_OK);
    canh_collectors_destroy(x->c);
    x->c = NULL;
    char old[128];
    snprintf(old, sizeof old, "%s.1", x->log);
    assert_int_equal(rename(x->log, old), 0);
    write_str(old, "a", "r5\n");
    write_str(x->log, "w", "n1\n");
    x->o.read_from_end = true; /* the new file is known to be new: still read whole */
    start(x);
    got_poll(x->c, &x->g, 8);
    assert_int_equal(x->g.n, 2);
    assert_string_equal(x->g.rec[0], "r5");
    assert_string_equal(x->g.rec[1], "n1");
    char origin[256];
    snprintf(origin, sizeof origin, "file:%s", x->log);
    assert_string_equal(x->g.origin[0], origin);
    assert_string_equal(x->g.origin[1], origin);
}

static void test_read_from_end(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "old1\nold2\n");
    x->o.read_from_end = true;
    start(x);
    expect(x, NULL, 0);
    write_str(x->log, "a", "new1\n");
    expect(x, (const char *[]){"new1"}, 1);
}

static void test_glob_new_file(void **state)
{
    fx_t *x = *state;
    start(x);
    expect(x, NULL, 0);
    char other[128], ignored[128];
    snprintf(other, sizeof other, "%s/other.log", x->dir);
    snprintf(ignored, sizeof ignored, "%s/other.txt", x->dir);
    write_str(other, "w", "hello\n");
    write_str(ignored, "w", "not me\n");
    got_poll(x->c, &x->g, 4);
    assert_int_equal(x->g.n, 1);
    assert_string_equal(x->g.rec[0], "hello");
    char origin[256];
    snprintf(origin, sizeof origin, "file:%s", other);
    assert_string_equal(x->g.origin[0], origin);
}

static void test_partial_line(void **state)
{
    fx_t *x = *state;
    x->o.partial_line_ms = 200;
    write_str(x->log, "w", "abc");
    start(x);
    expect(x, NULL, 0);
    write_str(x->log, "a", "def\nghi");
    expect(x, (const char *[]){"abcdef"}, 1);
    /* Nobody finishes "ghi": it goes out as it is after partial_line_ms. */
    usleep(300 * 1000);
    expect(x, (const char *[]){"ghi"}, 1);
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.log_partial_flushes, 1);
}

static void test_long_line(void **state)
{
    fx_t *x = *state;
    size_t big = CANH_MAX_RECORD + 5000;
    char *s = malloc(big + 32);
    memset(s, 'x', big);
    memcpy(s + big, "\nafter\n", 8);
    write_str(x->log, "w", s);
    free(s);
    start(x);
    got_poll(x->c, &x->g, 8);
    assert_int_equal(x->g.n, 2);
    assert_int_equal(x->g.len[0], CANH_MAX_RECORD);
    assert_string_equal(x->g.rec[1], "after");
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.log_lines_cut, 1);
}

static void test_emit_full(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "f1\nf2\nf3\n");
    start(x);
    canh_errbuf_t eb;
    x->g.accept = 1;
    assert_int_equal(canh_collectors_poll(x->c, got_emit, &x->g, 100, &eb), 1);
    assert_true(x->g.refused >= 1);
    int wait = canh_collectors_next_ms(x->c);
    assert_true(wait > 0 && wait <= 250); /* retry soon, without spinning */
    x->g.accept = 0;
    assert_int_equal(canh_collectors_poll(x->c, got_emit, &x->g, 100, &eb), 0);
    x->g.accept = -1;
    got_poll(x->c, &x->g, 4);
    assert_int_equal(x->g.n, 3);
    assert_string_equal(x->g.rec[0], "f1");
    assert_string_equal(x->g.rec[1], "f2");
    assert_string_equal(x->g.rec[2], "f3");
    /* max limits a poll too */
    got_clear(&x->g);
    write_str(x->log, "a", "m1\nm2\nm3\n");
    assert_int_equal(canh_collectors_poll(x->c, got_emit, &x->g, 2, &eb), 2);
    assert_int_equal(canh_collectors_next_ms(x->c), 0);
    assert_int_equal(canh_collectors_poll(x->c, got_emit, &x->g, 2, &eb), 1);
    assert_string_equal(x->g.rec[2], "m3");
}

static void test_inotify_wakeup(void **state)
{
    fx_t *x = *state;
    write_str(x->log, "w", "w1\n");
    start(x);
    expect(x, (const char *[]){"w1"}, 1);
    int fds[4];
    size_t n = canh_collectors_fds(x->c, fds, 4);
    assert_true(n >= 1);
    struct pollfd pf[4];
    for (size_t i = 0; i < n; i++)
        pf[i] = (struct pollfd){fds[i], POLLIN, 0};
    assert_int_equal(poll(pf, n, 0), 0); /* drained: nothing to wait for */
    assert_true(canh_collectors_next_ms(x->c) > 0);
    write_str(x->log, "a", "w2\n");
    assert_true(poll(pf, n, 5000) >= 1);
    expect(x, (const char *[]){"w2"}, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copytruncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate_open_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_from_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_glob_new_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inotify_wakeup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
