/* Unit tests: the bounded MPMC queue, records and acknowledgements (canh/queue.h). */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "canh/error.h"
#include "canh/queue.h"

/* Items are small integers cast to pointers; 0 is never used. */
#define ITEM(i) ((void *)(uintptr_t)(i))
#define VAL(p) ((uintptr_t)(p))

static void test_order_and_capacity(void **state)
{
    canh_queue_t *q;
    assert_int_equal(canh_queue_create(0, &q), CANH_EINVAL);
    assert_int_equal(canh_queue_create(4, &q), CANH_OK);
    assert_int_equal(canh_queue_capacity(q), 4);
    for (uintptr_t i = 1; i <= 4; i++)
        assert_int_equal(canh_queue_try_push(q, ITEM(i)), CANH_OK);
    assert_int_equal(canh_queue_try_push(q, ITEM(5)), CANH_EFULL);
    assert_int_equal(canh_queue_depth(q), 4);
    assert_int_equal(canh_queue_peak(q), 4);

    void *out[8];
    assert_int_equal(canh_queue_pop_many(q, out, 3, 0), 3);
    assert_int_equal(VAL(out[0]), 1);
    assert_int_equal(VAL(out[1]), 2);
    assert_int_equal(VAL(out[2]), 3);
    /* Wrap around the ring: 4 is left, 5..7 go in behind it. */
    void *more[] = {ITEM(5), ITEM(6), ITEM(7), ITEM(8)};
    assert_int_equal(canh_queue_try_push_many(q, more, 4), 3);
    assert_int_equal(canh_queue_depth(q), 4);
    assert_int_equal(canh_queue_pop_many(q, out, 8, 0), 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(VAL(out[i]), (uintptr_t)i + 4);
    /* Empty: a zero timeout returns at once, a short one after waiting. */
    assert_int_equal(canh_queue_pop_many(q, out, 8, 0), 0);
    assert_int_equal(canh_queue_pop_many(q, out, 8, 20), 0);
    assert_int_equal(canh_queue_depth(q), 0);
    assert_int_equal(canh_queue_peak(q), 4);
    canh_queue_destroy(q);
}

static void test_push_timeout_and_close(void **state)
{
    canh_queue_t *q;
    assert_int_equal(canh_queue_create(1, &q), CANH_OK);
    assert_int_equal(canh_queue_push(q, ITEM(1), 0), CANH_OK);
    assert_int_equal(canh_queue_push(q, ITEM(2), 30), CANH_ETIMEDOUT);
    assert_false(canh_queue_closed(q));
    canh_queue_close(q);
    assert_true(canh_queue_closed(q));
    assert_int_equal(canh_queue_try_push(q, ITEM(3)), CANH_ECANCELED);
    assert_int_equal(canh_queue_push(q, ITEM(3), -1), CANH_ECANCELED);
    void *one = ITEM(4);
    assert_int_equal(canh_queue_try_push_many(q, &one, 1), 0);
    /* Pops still drain what is left, then return 0 without waiting. */
    void *out[4];
    assert_int_equal(canh_queue_pop_many(q, out, 4, -1), 1);
    assert_int_equal(VAL(out[0]), 1);
    assert_int_equal(canh_queue_pop_many(q, out, 4, -1), 0);
    canh_queue_destroy(q);
}

/* A pusher blocked on a full queue: woken by a pop, or by close. */
typedef struct blocked {
    canh_queue_t *q;
    uintptr_t item;
    int rc;
} blocked_t;

static void *blocked_push(void *arg)
{
    blocked_t *b = arg;
    b->rc = canh_queue_push(b->q, ITEM(b->item), -1);
    return NULL;
}

static void *blocked_pop(void *arg)
{
    blocked_t *b = arg;
    void *out;
    b->rc = (int)canh_queue_pop_many(b->q, &out, 1, -1);
    b->item = b->rc ? VAL(out) : 0;
    return NULL;
}

static void test_blocking_wakeups(void **state)
{
    canh_queue_t *q;
    assert_int_equal(canh_queue_create(1, &q), CANH_OK);
    assert_int_equal(canh_queue_try_push(q, ITEM(1)), CANH_OK);
    blocked_t b = {q, 2, 99};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_push, &b), 0);
    void *out[2];
    /* Whatever the interleaving, the pops see 1 then 2. */
    assert_int_equal(canh_queue_pop_many(q, out, 1, -1), 1);
    assert_int_equal(VAL(out[0]), 1);
    assert_int_equal(canh_queue_pop_many(q, out, 1, 5000), 1);
    assert_int_equal(VAL(out[0]), 2);
    pthread_join(t, NULL);
    assert_int_equal(b.rc, CANH_OK);

    /* A popper blocked on an empty queue wakes on a push. */
    blocked_t p = {q, 0, 99};
    assert_int_equal(pthread_create(&t, NULL, blocked_pop, &p), 0);
    assert_int_equal(canh_queue_push(q, ITEM(7), -1), CANH_OK);
    pthread_join(t, NULL);
    assert_int_equal(p.rc, 1);
    assert_int_equal(p.item, 7);

    /* Blocked pusher and popper both wake on close. */
    assert_int_equal(canh_queue_try_push(q, ITEM(1)), CANH_OK);
    blocked_t b2 = {q, 3, 99};
    assert_int_equal(pthread_create(&t, NULL, blocked_push, &b2), 0);
    canh_queue_close(q);
    pthread_join(t, NULL);
    assert_int_equal(b2.rc, CANH_ECANCELED);
    assert_int_equal(canh_queue_pop_many(q, out, 2, -1), 1);
    blocked_t p2 = {q, 0, 99};
    assert_int_equal(pthread_create(&t, NULL, blocked_pop, &p2), 0);
    pthread_join(t, NULL);
    assert_int_equal(p2.rc, 0);
    canh_queue_destroy(q);
}

static void test_pop_many_batches(void **state)
{
    canh_queue_t *q;
    assert_int_equal(canh_queue_create(1000, &q), CANH_OK);
    void *in[1000];
    for (uintptr_t i = 0; i < 1000; i++)
        in[i] = ITEM(i + 1);
    assert_int_equal(canh_queue_try_push_many(q, in, 1000), 1000);
    assert_int_equal(canh_queue_try_push_many(q, in, 1), 0);
    void *out[300];
    uintptr_t next = 1;
    size_t k, calls = 0;
    while ((k = canh_queue_pop_many(q, out, 300, 0)) > 0) {
        calls++;
        for (size_t i = 0; i < k; i++)
            assert_int_equal(VAL(out[i]), next++);
    }
    assert_int_equal(next, 1001);
    assert_int_equal(calls, 4); /* 300 + 300 + 300 + 100 */
    canh_queue_destroy(q);
}

/* 4 producers x 2 consumers: every item arrives exactly once, and each
 * producer's items arrive in the order it pushed them (per consumer). */
#define PRODUCERS 4
#define PER_PRODUCER 200000u

typedef struct mpmc {
    canh_queue_t *q;
    unsigned id;
    unsigned char *seen; /* PRODUCERS * PER_PRODUCER flags */
    uint64_t got;
    bool ordered;
} mpmc_t;

static void *producer(void *arg)
{
    mpmc_t *m = arg;
    void *batch[16];
    uintptr_t i = 0;
    while (i < PER_PRODUCER) {
        /* Mix single blocking pushes and non-blocking batches. */
        if (i % 3 == 0) {
            /* No cmocka assertions off the main thread: record and check later. */
            if (canh_queue_push(m->q, ITEM(((uintptr_t)m->id << 32) | (i + 1)), -1) != CANH_OK)
                m->ordered = false;
            i++;
            continue;
        }
        size_t n = 0;
        while (n < 16 && i + n < PER_PRODUCER) {
            batch[n] = ITEM(((uintptr_t)m->id << 32) | (i + n + 1));
            n++;
        }
        size_t k = canh_queue_try_push_many(m->q, batch, n);
        i += k;
        if (k == 0)
            sched_yield();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    mpmc_t *m = arg;
    void *out[64];
    uint64_t last[PRODUCERS] = {0};
    size_t k;
    while ((k = canh_queue_pop_many(m->q, out, 64, -1)) > 0) {
        for (size_t i = 0; i < k; i++) {
            uintptr_t v = VAL(out[i]);
            unsigned p = (unsigned)(v >> 32);
            uint64_t s = v & 0xffffffffu;
            if (p >= PRODUCERS || s == 0 || s > PER_PRODUCER) {
                m->ordered = false;
                continue;
            }
            if (s <= last[p])
                m->ordered = false;
            last[p] = s;
            /* Distinct bytes per item: no two threads write the same byte. */
            m->seen[p * PER_PRODUCER + s - 1]++;
            m->got++;
        }
    }
    return NULL;
}

static void test_mpmc_exact(void **state)
{
    canh_queue_t *q;
    assert_int_equal(canh_queue_create(64, &q), CANH_OK);
    unsigned char *seen = calloc(PRODUCERS * PER_PRODUCER, 1);
    assert_non_null(seen);
    mpmc_t prod[PRODUCERS], cons[2];
    pthread_t pt[PRODUCERS], ct[2];
    for (unsigned i = 0; i < 2; i++) {
        cons[i] = (mpmc_t){q, i, seen, 0, true};
        assert_int_equal(pthread_create(&ct[i], NULL, consumer, &cons[i]), 0);
    }
    for (unsigned i = 0; i < PRODUCERS; i++) {
        prod[i] = (mpmc_t){q, i, seen, 0, true};
        assert_int_equal(pthread_create(&pt[i], NULL, producer, &prod[i]), 0);
    }
    for (unsigned i = 0; i < PRODUCERS; i++)
        pthread_join(pt[i], NULL);
    canh_queue_close(q);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(ct[i], NULL);
    for (unsigned i = 0; i < PRODUCERS; i++)
        assert_true(prod[i].ordered);
    assert_true(cons[0].ordered);
    assert_true(cons[1].ordered);
    assert_int_equal(cons[0].got + cons[1].got, (uint64_t)PRODUCERS * PER_PRODUCER);
    for (size_t i = 0; i < (size_t)PRODUCERS * PER_PRODUCER; i++)
        if (seen[i] != 1)
            fail_msg("item %zu seen %u times", i, seen[i]);
    assert_true(canh_queue_peak(q) <= 64);
    free(seen);
    canh_queue_destroy(q);
}

/* ---- acknowledgements and records ---------------------------------------------------- */

typedef struct ackrec {
    int calls;
    int64_t agent;
    uint64_t seq;
} ackrec_t;

static void on_ack(void *ud, int64_t agent_id, uint64_t seq)
{
    ackrec_t *a = ud;
    a->calls++;
    a->agent = agent_id;
    a->seq = seq;
}

static void test_ack_once(void **state)
{
    ackrec_t got = {0};
    assert_null(canh_ack_create(0, 1, 1, on_ack, &got));
    canh_ack_t *a = canh_ack_create(3, 42, 7, on_ack, &got);
    assert_non_null(a);
    canh_ack_retain(a); /* 4 references */
    canh_ack_release(a);
    canh_ack_release(a);
    canh_ack_release(a);
    assert_int_equal(got.calls, 0);
    canh_ack_release(a);
    assert_int_equal(got.calls, 1);
    assert_int_equal(got.agent, 42);
    assert_int_equal(got.seq, 7);

    /* Records holding a reference each release it when freed. */
    ackrec_t got2 = {0};
    a = canh_ack_create(2, 5, 9, on_ack, &got2);
    canh_inrec_t *r1 = canh_inrec_create("one", 3);
    canh_inrec_t *r2 = canh_inrec_create("", 0);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_int_equal(r1->len, 3);
    assert_string_equal(r1->data, "one");
    assert_int_equal(r2->len, 0);
    assert_string_equal(r2->data, "");
    assert_int_equal(r1->flags, 0);
    assert_string_equal(r1->peer, "");
    assert_null(r1->ack);
    r1->ack = a;
    r2->ack = a;
    canh_inrec_free(r1);
    assert_int_equal(got2.calls, 0);
    canh_inrec_free(r2);
    assert_int_equal(got2.calls, 1);
    canh_inrec_free(NULL);
    assert_string_equal(canh_transport_name(CANH_TRANSPORT_TLS), "tls");
    assert_string_equal(canh_transport_name(CANH_TRANSPORT_AGENT), "agent");
}

/* The last of many concurrent releases fires the callback exactly once. */
typedef struct releaser {
    canh_ack_t *a;
    unsigned n;
} releaser_t;

static void *release_many(void *arg)
{
    releaser_t *r = arg;
    for (unsigned i = 0; i < r->n; i++)
        canh_ack_release(r->a);
    return NULL;
}

static void test_ack_concurrent(void **state)
{
    ackrec_t got = {0};
    canh_ack_t *a = canh_ack_create(4 * 50000, 1, 2, on_ack, &got);
    releaser_t r = {a, 50000};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, release_many, &r), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(got.calls, 1);
}

/* ---- room callbacks ------------------------------------------------------------------ */

static void on_room(void *ud)
{
    (*(int *)ud)++;
}

static void test_room_callback(void **state)
{
    canh_queue_t *q;
    int calls = 0, other = 0;
    assert_int_equal(canh_queue_create(8, &q), CANH_OK);
    assert_int_equal(canh_queue_on_room(q, on_room, &calls), CANH_OK);
    assert_int_equal(canh_queue_on_room(q, on_room, &other), CANH_OK);
    void *in[8] = {ITEM(1), ITEM(2), ITEM(3), ITEM(4), ITEM(5), ITEM(6), ITEM(7), ITEM(8)};
    void *out[8];

    /* Filling to the brim without a refused push: no callback owed. */
    assert_int_equal(canh_queue_try_push_many(q, in, 8), 8);
    assert_int_equal(canh_queue_pop_many(q, out, 8, 0), 8);
    assert_int_equal(calls, 0);

    /* Refused push, then pops: fires once depth is below half (4). */
    assert_int_equal(canh_queue_try_push_many(q, in, 8), 8);
    assert_int_equal(canh_queue_try_push(q, ITEM(9)), CANH_EFULL);
    assert_int_equal(canh_queue_pop_many(q, out, 2, 0), 2); /* 6 left */
    assert_int_equal(calls, 0);
    assert_int_equal(canh_queue_pop_many(q, out, 2, 0), 2); /* 4 left */
    assert_int_equal(calls, 0);
    assert_int_equal(canh_queue_pop_many(q, out, 1, 0), 1); /* 3 left */
    assert_int_equal(calls, 1);
    assert_int_equal(other, 1);
    assert_int_equal(canh_queue_pop_many(q, out, 3, 0), 3);
    assert_int_equal(calls, 1); /* once per episode */

    /* A partial try_push_many counts as refused too. */
    assert_int_equal(canh_queue_try_push_many(q, in, 6), 6);
    assert_int_equal(canh_queue_try_push_many(q, in, 6), 2);
    assert_int_equal(canh_queue_pop_many(q, out, 8, 0), 8);
    assert_int_equal(calls, 2);

    /* Unregistered: no more calls; close wakes the ones left. */
    assert_int_equal(canh_queue_off_room(q, on_room, &calls), CANH_OK);
    assert_int_equal(canh_queue_off_room(q, on_room, &calls), CANH_ENOENT);
    canh_queue_close(q);
    assert_int_equal(calls, 2);
    assert_int_equal(other, 3);
    canh_queue_destroy(q);

    /* Registration limit. */
    assert_int_equal(canh_queue_create(1, &q), CANH_OK);
    int rc = CANH_OK, n = 0;
    while ((rc = canh_queue_on_room(q, on_room, &calls)) == CANH_OK)
        n++;
    assert_int_equal(rc, CANH_ELIMIT);
    assert_true(n >= 1);
    canh_queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_capacity), cmocka_unit_test(test_push_timeout_and_close),
        cmocka_unit_test(test_blocking_wakeups),   cmocka_unit_test(test_pop_many_batches),
        cmocka_unit_test(test_mpmc_exact),         cmocka_unit_test(test_ack_once),
        cmocka_unit_test(test_ack_concurrent),     cmocka_unit_test(test_room_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
