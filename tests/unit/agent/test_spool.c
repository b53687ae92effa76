/* Unit tests: the agent's on-disk spool (agent_spool.c): append, seal,
 * restart resume, acknowledgements delete segments, the size bound, and a
 * damaged tail cut back to the last good batch. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/agent.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/canh-spool-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

static canh_spool_t *open_spool(uint64_t max, uint64_t seg)
{
    canh_spool_opts_t o;
    canh_spool_opts_default(&o);
    o.dir = dir;
    o.fsync = false;
    if (max)
        o.max_size = max;
    if (seg)
        o.segment_size = seg;
    canh_spool_t *sp = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_spool_open(&o, &sp, &eb), CANH_OK);
    return sp;
}

/* Seals a batch of k records "tag-i"; returns its seq. */
static uint64_t seal(canh_spool_t *sp, const char *tag, int k)
{
    canh_agent_batch_t bt;
    canh_agent_batch_init(&bt, 1 << 20);
    char rec[64];
    for (int i = 0; i < k; i++) {
        int n = snprintf(rec, sizeof rec, "%s-%d", tag, i);
        assert_int_equal(canh_agent_batch_add(&bt, "file:/x.log", rec, (size_t)n), CANH_OK);
    }
    canh_spool_batch_t out;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_spool_seal(sp, &bt, &out, &eb), CANH_OK);
    assert_int_equal(bt.n, 0); /* reset after sealing */
    assert_int_equal(out.records, (uint32_t)k);
    canh_agent_batch_fini(&bt);
    return out.seq;
}

/* Reads batch seq and checks its first record. */
static void check(canh_spool_t *sp, uint64_t seq, const char *first)
{
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_spool_read(sp, seq, &b, &eb), CANH_OK);
    canh_agent_msg_t m;
    assert_int_equal(canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)b.data, b.len, &m),
                     CANH_OK);
    assert_int_equal(m.u.batch.seq, seq);
    size_t off = 0;
    canh_str_t o, d;
    assert_true(canh_agent_batch_next(&m, &off, &o, &d));
    assert_int_equal(d.n, strlen(first));
    assert_memory_equal(d.p, first, d.n);
    canh_buf_fini(&b);
}

static size_t count_segments(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strstr(de->d_name, ".seg") != NULL;
    closedir(d);
    return n;
}

static void test_append_ack_resume(void **state)
{
    (void)state;
    canh_errbuf_t eb = {{0}};
    canh_spool_t *sp = open_spool(0, 0);
    canh_agent_batch_t empty;
    canh_agent_batch_init(&empty, 1024);
    assert_int_equal(canh_spool_seal(sp, &empty, NULL, &eb), CANH_EINVAL);
    canh_agent_batch_fini(&empty);

    uint64_t e1 = canh_spool_epoch(sp);
    assert_true(e1 != 0);
    uint64_t s1 = seal(sp, "a", 3), s2 = seal(sp, "b", 2), s3 = seal(sp, "c", 1);
    assert_int_equal(s1, 1);
    assert_int_equal(s2, 2);
    assert_int_equal(s3, 3);
    check(sp, 2, "b-0");
    canh_spool_batch_t b;
    assert_int_equal(canh_spool_next(sp, 0, &b), CANH_OK);
    assert_int_equal(b.seq, 1);
    assert_true(b.epoch == e1);
    assert_int_equal(canh_spool_next(sp, 1, &b), CANH_OK);
    assert_int_equal(b.seq, 2);
    assert_int_equal(canh_spool_next(sp, 3, &b), CANH_ENOENT);
    assert_int_equal(canh_spool_unacked_upto(sp, 2), 2);

    /* Out of order: 2 first; the watermark waits for 1. A wrong epoch or
     * an unknown seq is ignored. */
    bool known = true;
    assert_int_equal(canh_spool_ack(sp, e1 + 1, 2, &known, &eb), CANH_OK);
    assert_false(known);
    assert_int_equal(canh_spool_ack(sp, e1, 2, &known, &eb), CANH_OK);
    assert_true(known);
    assert_int_equal(canh_spool_acked(sp), 0);
    assert_int_equal(canh_spool_next(sp, 1, &b), CANH_OK);
    assert_int_equal(b.seq, 3); /* 2 is skipped */
    assert_int_equal(canh_spool_read(sp, 2, &(canh_buf_t){0}, &eb), CANH_ENOENT);
    assert_int_equal(canh_spool_ack(sp, e1, 1, &known, &eb), CANH_OK);
    assert_int_equal(canh_spool_acked(sp), 2);
    canh_spool_stats_t st;
    canh_spool_stats(sp, &st);
    assert_int_equal(st.batches, 1);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.next_seq, 4);
    canh_spool_close(sp);

    /* Restart: only batch 3 is left, seq goes on, the epoch is new. */
    sp = open_spool(0, 0);
    assert_true(canh_spool_epoch(sp) != e1);
    assert_int_equal(canh_spool_next(sp, 0, &b), CANH_OK);
    assert_int_equal(b.seq, 3);
    assert_true(b.epoch == e1);
    assert_true(canh_spool_oldest_epoch(sp) == e1);
    check(sp, 3, "c-0");
    uint64_t s4 = seal(sp, "d", 1);
    assert_int_equal(s4, 4);
    assert_int_equal(canh_spool_ack_upto(sp, e1, 10, &eb), CANH_OK); /* only epoch e1's */
    assert_int_equal(canh_spool_acked(sp), 3);
    assert_true(canh_spool_oldest_epoch(sp) == canh_spool_epoch(sp));
    uint64_t e2 = canh_spool_epoch(sp);
    assert_int_equal(canh_spool_ack(sp, e2, 4, &known, &eb), CANH_OK);
    assert_int_equal(canh_spool_next(sp, 0, &b), CANH_ENOENT);
    /* Everything acknowledged: no segment left. */
    assert_int_equal(count_segments(), 0);
    canh_spool_new_epoch(sp);
    assert_true(canh_spool_epoch(sp) != e2);
    canh_spool_close(sp);

    /* The counter survives even with no segment left. */
    sp = open_spool(0, 0);
    assert_int_equal(seal(sp, "e", 1), 5);
    canh_spool_close(sp);
}

static void test_segments_and_bound(void **state)
{
    (void)state;
    canh_errbuf_t eb = {{0}};
    /* Tiny segments: one batch each (a batch is ~60 bytes). */
    canh_spool_t *sp = open_spool(1000, 50);
    uint64_t e = canh_spool_epoch(sp);
    int sealed = 0;
    for (;;) {
        canh_agent_batch_t bt;
        canh_agent_batch_init(&bt, 4096);
        canh_agent_batch_add(&bt, "o", "0123456789012345678901234567890123456789", 40);
        int rc = canh_spool_seal(sp, &bt, NULL, &eb);
        int n = bt.n;
        canh_agent_batch_fini(&bt);
        if (rc == CANH_EFULL) {
            assert_int_equal(n, 1); /* left untouched */
            break;
        }
        assert_int_equal(rc, CANH_OK);
        sealed++;
    }
    assert_true(sealed >= 5);
    canh_spool_stats_t st;
    canh_spool_stats(sp, &st);
    assert_true(st.bytes <= 1000);
    assert_int_equal(st.segments, (uint64_t)sealed);
    assert_int_equal(count_segments(), (size_t)sealed);
    /* Acknowledging the first batch deletes its segment and makes room. */
    bool known;
    assert_int_equal(canh_spool_ack(sp, e, 1, &known, &eb), CANH_OK);
    assert_int_equal(count_segments(), (size_t)sealed - 1);
    assert_int_equal(seal(sp, "z", 1), (uint64_t)sealed + 1);
    canh_spool_close(sp);
}

static void test_damaged_tail(void **state)
{
    (void)state;
    canh_spool_t *sp = open_spool(0, 0);
    seal(sp, "a", 2);
    seal(sp, "b", 2);
    seal(sp, "c", 2);
    canh_spool_close(sp);
    char seg[512];
    snprintf(seg, sizeof seg, "%s/%016x.seg", dir, 1);
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    off_t full = st.st_size;

    /* A write cut short: the last batch half there. */
    assert_int_equal(truncate(seg, full - 5), 0);
    sp = open_spool(0, 0);
    canh_spool_stats_t ss;
    canh_spool_stats(sp, &ss);
    assert_int_equal(ss.batches, 2);
    assert_true(ss.truncated_bytes > 0);
    assert_int_equal(ss.next_seq, 3);
    check(sp, 1, "a-0");
    check(sp, 2, "b-0");
    assert_int_equal(stat(seg, &st), 0);
    off_t good = st.st_size;
    assert_true(good < full - 5);
    canh_spool_close(sp);

    /* Garbage appended after good batches. */
    int fd = open(seg, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "garbage!garbage!", 16), 16);
    close(fd);
    sp = open_spool(0, 0);
    canh_spool_stats(sp, &ss);
    assert_int_equal(ss.batches, 2);
    assert_int_equal(ss.truncated_bytes, 16);
    assert_int_equal(stat(seg, &st), 0);
    assert_int_equal(st.st_size, good);
    canh_spool_close(sp);

    /* A flipped byte in the second batch: its CRC fails, the segment is
     * cut to the first batch. */
    fd = open(seg, O_RDWR);
    uint8_t byte;
    off_t where = good - 3;
    assert_int_equal(pread(fd, &byte, 1, where), 1);
    byte ^= 0xff;
    assert_int_equal(pwrite(fd, &byte, 1, where), 1);
    close(fd);
    sp = open_spool(0, 0);
    canh_spool_stats(sp, &ss);
    assert_int_equal(ss.batches, 1);
    check(sp, 1, "a-0");
    /* Sealing goes on after the damage, in a new segment. */
    uint64_t s = seal(sp, "d", 1);
    assert_true(s >= 2);
    check(sp, s, "d-0");
    canh_spool_close(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_ack_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_and_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_tail, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
