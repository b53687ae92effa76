/* Unit tests: the agent registry, tokens, delivery sequences and commands
 * in the store (src/store/store_agents.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canh/store.h"

static char dir[256];

static canh_store_t *open_store(void)
{
    snprintf(dir, sizeof dir, "/tmp/canh-store-agents-XXXXXX");
    assert_non_null(mkdtemp(dir));
    canh_store_t *st = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_store_open(dir, &st, &eb), CANH_OK);
    return st;
}

static void close_store(canh_store_t *st)
{
    char p[300];
    canh_store_close(st);
    const char *files[] = {"canh.db", "canh.db-wal", "canh.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void test_registry_and_tokens(void **state)
{
    (void)state;
    canh_store_t *st = open_store();
    canh_errbuf_t eb = {{0}};
    uint8_t h1[32], h2[32];
    memset(h1, 1, sizeof h1);
    memset(h2, 2, sizeof h2);
    assert_int_equal(canh_store_agent_token_add(st, h1, "one", 100, 200, 2, NULL, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_token_add(st, h2, NULL, 100, 150, 1, NULL, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_token_use(st, h1, 120, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_token_use(st, h1, 120, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_token_use(st, h1, 120, &eb), CANH_EPERM);
    assert_non_null(strstr(eb.msg, "used up"));
    assert_int_equal(canh_store_agent_token_use(st, h2, 150, &eb), CANH_EPERM);
    assert_non_null(strstr(eb.msg, "expired"));
    uint8_t h3[32] = {3};
    assert_int_equal(canh_store_agent_token_use(st, h3, 120, &eb), CANH_EPERM);
    assert_non_null(strstr(eb.msg, "unknown"));

    int64_t id1 = 0, id2 = 0, again = 0;
    assert_int_equal(canh_store_agent_enroll(st, "web-01", "fp1", "i1", "{}", 10, &id1, &eb), 0);
    assert_int_equal(canh_store_agent_enroll(st, "db-01", "fp2", "i2", NULL, 11, &id2, &eb), 0);
    assert_true(id1 > 0 && id2 > id1);
    canh_agent_rec_t a;
    assert_int_equal(canh_store_agent_by_fp(st, "fp1", &a, &eb), CANH_OK);
    assert_int_equal(a.id, id1);
    assert_string_equal(a.status, "active");
    canh_agent_rec_fini(&a);
    /* Re-enrollment under the same name: the same row, a new credential. */
    assert_int_equal(canh_store_agent_set_status(st, id1, "revoked", &eb), CANH_OK);
    assert_int_equal(canh_store_agent_enroll(st, "web-01", "fp3", "i3", NULL, 12, &again, &eb), 0);
    assert_int_equal(again, id1);
    assert_int_equal(canh_store_agent_by_fp(st, "fp1", &a, &eb), CANH_ENOENT);
    assert_int_equal(canh_store_agent_get(st, id1, &a, &eb), CANH_OK);
    assert_string_equal(a.status, "active");
    assert_string_equal(a.cert_fp, "fp3");
    assert_string_equal(a.install_id, "i3");
    canh_agent_rec_fini(&a);
    /* Re-key: the old fingerprint stays valid until cleared. */
    assert_int_equal(canh_store_agent_set_rekey(st, id1, true, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_rekeyed(st, id1, "fp4", &eb), CANH_OK);
    assert_int_equal(canh_store_agent_by_fp(st, "fp3", &a, &eb), CANH_OK);
    assert_string_equal(a.cert_fp, "fp4");
    assert_string_equal(a.prev_fp, "fp3");
    assert_false(a.rekey);
    canh_agent_rec_fini(&a);
    assert_int_equal(canh_store_agent_clear_prev(st, id1, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_by_fp(st, "fp3", &a, &eb), CANH_ENOENT);
    assert_int_equal(canh_store_agent_seen(st, id1, 99, "10.0.0.5", "canh-agent/0.1", &eb), 0);
    assert_int_equal(canh_store_agent_set_status(st, 999, "revoked", &eb), CANH_ENOENT);

    canh_agent_rec_t *v = NULL;
    size_t n = 0;
    assert_int_equal(canh_store_agents_list(st, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "web-01");
    assert_string_equal(v[0].last_addr, "10.0.0.5");
    assert_int_equal(v[0].last_seen, 99);
    assert_string_equal(v[1].name, "db-01");
    canh_store_agents_free(v, n);
    assert_int_equal(canh_store_agent_by_name(st, "db-01", &a, &eb), CANH_OK);
    assert_int_equal(a.id, id2);
    canh_agent_rec_fini(&a);
    close_store(st);
}

static void test_streams(void **state)
{
    (void)state;
    canh_store_t *st = open_store();
    canh_errbuf_t eb = {{0}};
    uint32_t s1, s2, s3;
    uint64_t stored;
    assert_int_equal(canh_store_agent_stream(st, 7, 111, 1, &s1, &stored, &eb), CANH_OK);
    assert_int_equal(s1, 1);
    assert_int_equal(stored, 0);
    assert_int_equal(canh_store_agent_stream(st, 7, 222, 1, &s2, &stored, &eb), CANH_OK);
    assert_int_equal(s2, 2);
    assert_int_equal(canh_store_agent_stream(st, 8, 111, 1, &s3, &stored, &eb), CANH_OK);
    assert_int_equal(s3, 1); /* per agent */
    /* The writer's mark: highest wins, in the caller's transaction. */
    uint64_t p5 = (uint64_t)s1 << 40 | 5, p3 = (uint64_t)s1 << 40 | 3;
    assert_int_equal(canh_store_begin(st, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_set(st, 7, p5, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_set(st, 7, p3, &eb), CANH_OK);
    assert_int_equal(canh_store_commit(st, &eb), CANH_OK);
    uint64_t got;
    assert_int_equal(canh_store_agent_seq_get(st, 7, s1, &got, &eb), CANH_OK);
    assert_true(got == p5);
    assert_int_equal(canh_store_agent_stream(st, 7, 111, 1, &s1, &stored, &eb), CANH_OK);
    assert_int_equal(stored, 5);
    /* A rolled back transaction leaves no mark. */
    assert_int_equal(canh_store_begin(st, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_set(st, 7, (uint64_t)s2 << 40 | 9, &eb), CANH_OK);
    canh_store_rollback(st);
    assert_int_equal(canh_store_agent_seq_get(st, 7, s2, &got, &eb), CANH_OK);
    assert_int_equal(got, 0);
    /* A stream the writer marks before the manager saw it is created. */
    assert_int_equal(canh_store_agent_seq_set(st, 7, (uint64_t)9 << 40 | 2, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_get(st, 7, 9, &got, &eb), CANH_OK);
    assert_true(got == ((uint64_t)9 << 40 | 2));
    /* Pruning older streams. */
    assert_int_equal(canh_store_agent_streams_prune(st, 7, 2, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_get(st, 7, s1, &got, &eb), CANH_OK);
    assert_int_equal(got, 0);
    uint32_t s4;
    assert_int_equal(canh_store_agent_stream(st, 7, 333, 1, &s4, &stored, &eb), CANH_OK);
    assert_int_equal(s4, 10); /* numbers never go back */
    close_store(st);
}

static void test_commands(void **state)
{
    (void)state;
    canh_store_t *st = open_store();
    canh_errbuf_t eb = {{0}};
    int64_t c1, c2, c3;
    assert_int_equal(canh_store_agent_command_add(st, 1, "ping", "{}", 10, &c1, &eb), 0);
    assert_int_equal(
        canh_store_agent_command_add(st, 2, "scan", "{\"paths\":[\"/\"]}", 11, &c2, &eb), 0);
    assert_int_equal(canh_store_agent_command_add(st, 1, "scan", "{}", 12, &c3, &eb), 0);
    canh_agent_cmd_t *v = NULL;
    size_t n = 0;
    assert_int_equal(canh_store_agent_commands_pending(st, 0, 0, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].id, c1);
    canh_store_agent_cmds_free(v, n);
    assert_int_equal(canh_store_agent_commands_pending(st, 1, 1, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 1);
    canh_store_agent_cmds_free(v, n);
    assert_int_equal(canh_store_agent_command_sent(st, c1, 20, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_command_sent(st, c3, 20, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_commands_pending(st, 1, 0, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 0);
    canh_store_agent_cmds_free(v, n);
    /* Another agent cannot finish it; the right one can, once. */
    assert_int_equal(canh_store_agent_command_done(st, c1, 2, true, "{}", 30, &eb), CANH_ENOENT);
    assert_int_equal(canh_store_agent_command_done(st, c1, 1, true, "{\"pong\":true}", 30, &eb),
                     CANH_OK);
    assert_int_equal(canh_store_agent_command_done(st, c1, 1, false, "{}", 31, &eb), CANH_ENOENT);
    /* A reconnect sends the unfinished one again. */
    assert_int_equal(canh_store_agent_commands_reset(st, 1, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_commands_pending(st, 1, 0, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, c3);
    canh_store_agent_cmds_free(v, n);
    assert_int_equal(canh_store_agent_commands_list(st, 1, 0, &v, &n, &eb), CANH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, c3); /* newest first */
    assert_string_equal(v[1].status, "ok");
    assert_string_equal(v[1].result, "{\"pong\":true}");
    canh_store_agent_cmds_free(v, n);
    close_store(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_and_tokens),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
