/* Unit tests: file integrity monitoring on a real tree. The baseline is
 * built silently (one summary record); then creation, modification, chmod
 * and deletion are found by inotify, and, while the agent was stopped or
 * without watches, by a rescan; changes not checkpointed are reported
 * again after a restart; emit saying full loses nothing. */
#include <openssl/sha.h>

#include "collect_test_util.h"

#include "collect_json_util.h"

typedef struct fx {
    char dir[64];
    char root[96];
    char state[96];
    const char *roots[1];
    canh_collect_opts_t o;
    canh_collectors_t *c;
    got_t g;
} fx_t;

static void pathof(const fx_t *x, const char *rel, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", x->root, rel);
}

static void put(const fx_t *x, const char *rel, const char *content)
{
    char p[256];
    pathof(x, rel, p, sizeof p);
    write_str(p, "w", content);
}

static int setup(void **state)
{
    fx_t *x = calloc(1, sizeof *x);
    tmpdir_make(x->dir, sizeof x->dir, "fim");
    snprintf(x->root, sizeof x->root, "%s/etc", x->dir);
    snprintf(x->state, sizeof x->state, "%s/state", x->dir);
    assert_int_equal(mkdir(x->root, 0755), 0);
    char sub[256];
    pathof(x, "sub", sub, sizeof sub);
    assert_int_equal(mkdir(sub, 0755), 0);
    put(x, "passwd", "root:x:0:0\n");
    put(x, "hosts", "127.0.0.1 localhost\n");
    put(x, "sub/conf", "a=1\n");
    x->roots[0] = x->root;
    canh_collect_opts_default(&x->o);
    x->o.state_dir = x->state;
    x->o.fim_paths = x->roots;
    x->o.nfim_paths = 1;
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
    if (canh_collectors_create(&x->o, &x->c, &eb) != CANH_OK)
        fail_msg("create: %s", eb.msg);
}

static void stop(fx_t *x, bool checkpoint)
{
    canh_errbuf_t eb;
    if (checkpoint)
        assert_int_equal(canh_collectors_checkpoint(x->c, &eb), CANH_OK);
    canh_collectors_destroy(x->c);
    x->c = NULL;
}

/* The record about rel (its file.path), parsed; NULL when none. */
static json_t *about(fx_t *x, const char *rel)
{
    char p[256];
    pathof(x, rel, p, sizeof p);
    for (int i = 0; i < x->g.n; i++) {
        json_t *d = jparse(x->g.rec[i]);
        const char *fp = jstr(d, "file.path");
        if (fp && strcmp(fp, p) == 0)
            return d;
        json_decref(d);
    }
    return NULL;
}

static void expect(fx_t *x, const char *rel, const char *type, const char *trigger,
                   const char *changed)
{
    json_t *d = about(x, rel);
    if (!d) {
        for (int i = 0; i < x->g.n; i++)
            print_message("got[%d] = %s\n", i, x->g.rec[i]);
        fail_msg("no record about %s", rel);
    }
    assert_string_equal(jfirst(d, "event.category"), "file");
    assert_string_equal(jfirst(d, "event.type"), type);
    assert_string_equal(jstr(d, "canh.fim.trigger"), trigger);
    if (changed) {
        json_t *arr = jpath(d, "canh.fim.changed");
        char all[128] = "";
        for (size_t i = 0; i < json_array_size(arr); i++) {
            if (i)
                strcat(all, ",");
            strcat(all, json_string_value(json_array_get(arr, i)));
        }
        assert_string_equal(all, changed);
    }
    json_decref(d);
}

static void sha_hex(const char *s, char out[65])
{
    unsigned char md[32];
    SHA256((const unsigned char *)s, strlen(s), md);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

static void baseline(fx_t *x)
{
    start(x);
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 1);
    assert_string_equal(x->g.origin[0], "fim");
    json_t *d = jparse(x->g.rec[0]);
    assert_string_equal(jstr(d, "event.action"), "baseline-built");
    assert_int_equal(jint(d, "canh.fim.entries"), 5); /* etc, passwd, hosts, sub, sub/conf */
    json_decref(d);
    got_clear(&x->g);
}

static void test_inotify(void **state)
{
    fx_t *x = *state;
    baseline(x);
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.fim_watches, 2);
    assert_int_equal(st.fim_scans, 1);

    put(x, "new", "fresh\n");
    put(x, "passwd", "root:x:0:0\nbob:x:1000:1000\n");
    char p[256];
    pathof(x, "hosts", p, sizeof p);
    assert_int_equal(chmod(p, 0600), 0);
    pathof(x, "sub/conf", p, sizeof p);
    assert_int_equal(unlink(p), 0);
    got_poll(x->c, &x->g, 20);
    expect(x, "new", "creation", "inotify", NULL);
    expect(x, "passwd", "change", "inotify", "hash,size,mtime");
    expect(x, "hosts", "change", "inotify", "mode");
    expect(x, "sub/conf", "deletion", "inotify", NULL);
    assert_int_equal(x->g.n, 4);
    json_t *d = about(x, "new");
    char hex[65];
    sha_hex("fresh\n", hex);
    assert_string_equal(jstr(d, "file.hash.sha256"), hex);
    assert_int_equal(jint(d, "file.size"), 6);
    assert_string_equal(jstr(d, "file.type"), "file");
    json_decref(d);
    d = about(x, "hosts");
    assert_string_equal(jstr(d, "file.mode"), "0600");
    assert_string_equal(jstr(d, "canh.fim.previous.mode"), "0644");
    assert_string_equal(jstr(d, "event.action"), "attributes-modified");
    json_decref(d);
    got_clear(&x->g);

    /* A new directory: watched at once, its content recorded. */
    pathof(x, "newdir", p, sizeof p);
    assert_int_equal(mkdir(p, 0700), 0);
    put(x, "newdir/inner", "x\n");
    got_poll(x->c, &x->g, 20);
    expect(x, "newdir", "creation", "inotify", NULL);
    json_t *in = about(x, "newdir/inner");
    assert_non_null(in);
    assert_string_equal(jfirst(in, "event.type"), "creation");
    json_decref(in);
    got_clear(&x->g);
    put(x, "newdir/inner", "y\n");
    got_poll(x->c, &x->g, 20);
    expect(x, "newdir/inner", "change", "inotify", "hash,mtime");
    got_clear(&x->g);

    /* Nothing more without changes. */
    got_poll(x->c, &x->g, 5);
    assert_int_equal(x->g.n, 0);
}

static void test_rescan_after_restart(void **state)
{
    fx_t *x = *state;
    baseline(x);
    stop(x, true);
    /* While the agent is stopped nobody watches: the start scan finds it. */
    put(x, "passwd", "changed\n");
    char p[256];
    pathof(x, "hosts", p, sizeof p);
    assert_int_equal(unlink(p), 0);
    put(x, "sub/added", "1\n");
    start(x);
    got_poll(x->c, &x->g, 20);
    expect(x, "passwd", "change", "scan", NULL);
    expect(x, "hosts", "deletion", "scan", NULL);
    expect(x, "sub/added", "creation", "scan", NULL);
    assert_int_equal(x->g.n, 3); /* not sub and etc, whose mtimes moved */
    got_clear(&x->g);

    /* Emitted but not checkpointed: reported again after a restart. */
    stop(x, false);
    start(x);
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 3);
    got_clear(&x->g);
    stop(x, true);
    start(x);
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 0);
}

static void test_rescan_without_watches(void **state)
{
    fx_t *x = *state;
    x->o.fim_max_watches = 0;
    x->o.fim_interval_s = 1;
    baseline(x);
    int fds[4];
    assert_int_equal(canh_collectors_fds(x->c, fds, 4), 0);
    int wait = canh_collectors_next_ms(x->c);
    assert_true(wait > 0 && wait <= 1000);
    put(x, "sub/conf", "a=2\n");
    got_poll(x->c, &x->g, 5);
    assert_int_equal(x->g.n, 0); /* not before the next scan */
    usleep(1100 * 1000);
    got_poll(x->c, &x->g, 20);
    expect(x, "sub/conf", "change", "scan", "hash,mtime");
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.fim_scans, 2);
}

static void test_emit_full(void **state)
{
    fx_t *x = *state;
    baseline(x);
    for (int i = 0; i < 20; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "f%02d", i);
        put(x, rel, rel);
    }
    canh_errbuf_t eb;
    x->g.accept = 3;
    int total = 0;
    for (int i = 0; i < 10; i++) {
        int k = canh_collectors_poll(x->c, got_emit, &x->g, 100, &eb);
        assert_true(k >= 0);
        total += k;
        x->g.accept = 3;
    }
    x->g.accept = -1;
    total += got_poll(x->c, &x->g, 20);
    assert_int_equal(total, 20);
    assert_int_equal(x->g.n, 20);
    for (int i = 0; i < 20; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "f%02d", i);
        json_t *d = about(x, rel);
        assert_non_null(d);
        json_decref(d);
    }
}

/* More changes than the overlay (4096) and the inotify path queue hold:
 * FIM pauses until a checkpoint, a rescan covers the queue's overflow,
 * and every file is reported exactly once. */
static void test_bounded(void **state)
{
    fx_t *x = *state;
    baseline(x);
    enum { N = 5000 };
    for (int i = 0; i < N; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "sub/m%04d", i);
        put(x, rel, rel);
    }
    got_poll(x->c, &x->g, 100);
    assert_int_equal(x->g.n, 4096);
    int wait = canh_collectors_next_ms(x->c);
    assert_true(wait > 0 && wait <= 250);
    canh_errbuf_t eb;
    for (int round = 0; round < 5; round++) {
        assert_int_equal(canh_collectors_checkpoint(x->c, &eb), CANH_OK);
        got_poll(x->c, &x->g, 100);
    }
    assert_int_equal(x->g.n, N);
    canh_collect_stats_t st;
    canh_collectors_stats(x->c, &st);
    assert_int_equal(st.fim_scans, 2); /* the queue overflowed: a rescan ran */
    char *seen = calloc(N, 1);
    for (int i = 0; i < x->g.n; i++) {
        json_t *d = jparse(x->g.rec[i]);
        const char *p = jstr(d, "file.path");
        const char *m = strrchr(p, 'm');
        assert_non_null(m);
        int k = atoi(m + 1);
        assert_true(k >= 0 && k < N);
        assert_int_equal(seen[k], 0);
        seen[k] = 1;
        assert_string_equal(jfirst(d, "event.type"), "creation");
        json_decref(d);
    }
    free(seen);
}

static void test_file_root(void **state)
{
    fx_t *x = *state;
    char file[256];
    pathof(x, "passwd", file, sizeof file);
    x->roots[0] = file;
    start(x);
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 1); /* the summary */
    got_clear(&x->g);
    put(x, "hosts", "other file in the same directory\n");
    put(x, "passwd", "root:x:0:0\nmallory:x:0:0\n");
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 1);
    expect(x, "passwd", "change", "inotify", NULL);
    got_clear(&x->g);
    /* replaced by rename, as editors do */
    char tmp[256];
    pathof(x, "passwd.tmp", tmp, sizeof tmp);
    write_str(tmp, "w", "replaced\n");
    assert_int_equal(rename(tmp, file), 0);
    got_poll(x->c, &x->g, 20);
    assert_int_equal(x->g.n, 1);
    expect(x, "passwd", "change", "inotify", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inotify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescan_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescan_without_watches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emit_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_root, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
