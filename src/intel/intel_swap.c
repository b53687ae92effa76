/* intel_swap.c - the holder of the live snapshot: atomic swap and
 * reference-counted readers.
 *
 * A reader's canh_intel_acquire is wait-free: five atomic operations and no
 * loop. canh_intel_swap never makes a reader wait; the writer itself may
 * wait (yielding) for readers that are inside those five operations.
 *
 * Why a reader can never take a reference on a freed snapshot. Let X be the
 * writer's exchange of `cur` (old -> new). A reader R does
 *     L_e: p = epoch & 1      I: inflight[p]++      L_c: s = cur
 *     s->refs++               D: inflight[p]--
 * and the writer, after X,
 *     C1: wait until inflight[q ^ 1] == 0   (q = epoch & 1 read after X)
 *     F:  epoch++
 *     C2: wait until inflight[q] == 0
 *     then drops the holder's reference to old (freeing it at zero).
 * All of these are seq_cst, so they fall in one total order S consistent
 * with each thread's program order. If R's L_c returned old, L_c precedes X
 * in S, hence so does I; C1 and C2 follow X, so whichever counter R raised,
 * the check on it sees R's increment and waits until R's D. D is a release
 * and the check that reads its result an acquire, so R's refs++ happens
 * before the writer's decrement: the count cannot reach zero under R. A
 * reader whose I comes after the check on its counter loads cur after X and
 * gets new (or something newer), never old.
 * The writer cannot starve: before F readers enter inflight[q], so C1 only
 * waits for stragglers that read the epoch earlier; after F they enter
 * inflight[q ^ 1], so C2 only waits for readers already in flight.
 * Reference counts follow the usual pattern: increments are relaxed (the
 * reader already holds a reference, or the writer's check orders them),
 * decrements acq_rel, and whoever brings the count to zero frees. The
 * holder owns one reference to the installed snapshot. Building a snapshot
 * happens before the release-exchange that installs it, and a reader's
 * seq_cst load of cur acquires it: readers see it whole. */
#include <pthread.h>
#include <sched.h>

#include "canh/mem.h"
#include "intel_int.h"

struct canh_intel {
    _Atomic(canh_intel_snap_t *) cur;
    _Atomic unsigned epoch;
    /* Readers between reading the epoch and taking their reference, by the
     * parity of the epoch they read. */
    _Atomic size_t inflight[2];
    pthread_mutex_t wlock; /* one writer at a time */
};

int canh_intel_create(canh_intel_t **out)
{
    if (!out)
        return CANH_EINVAL;
    canh_intel_t *in = canh_calloc(1, sizeof *in);
    if (!in)
        return CANH_ENOMEM;
    atomic_init(&in->cur, NULL);
    atomic_init(&in->epoch, 0);
    atomic_init(&in->inflight[0], 0);
    atomic_init(&in->inflight[1], 0);
    if (pthread_mutex_init(&in->wlock, NULL) != 0) {
        canh_free(in);
        return CANH_ENOMEM;
    }
    *out = in;
    return CANH_OK;
}

static void put(canh_intel_snap_t *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        canh_intel_snap_destroy(s);
}

void canh_intel_destroy(canh_intel_t *in)
{
    if (!in)
        return;
    put(atomic_load(&in->cur));
    pthread_mutex_destroy(&in->wlock);
    canh_free(in);
}

static void drain(canh_intel_t *in, unsigned parity)
{
    while (atomic_load(&in->inflight[parity]) != 0)
        sched_yield();
}

void canh_intel_swap(canh_intel_t *in, canh_intel_snap_t *snap)
{
    if (!in) {
        canh_intel_snap_destroy(snap);
        return;
    }
    if (snap)
        atomic_store_explicit(&snap->refs, 1, memory_order_relaxed); /* the holder's */
    pthread_mutex_lock(&in->wlock);
    canh_intel_snap_t *old = atomic_exchange(&in->cur, snap);
    unsigned q = atomic_load(&in->epoch) & 1u;
    drain(in, q ^ 1u);
    atomic_fetch_add(&in->epoch, 1);
    drain(in, q);
    pthread_mutex_unlock(&in->wlock);
    put(old);
}

const canh_intel_snap_t *canh_intel_acquire(canh_intel_t *in)
{
    if (!in)
        return NULL;
    unsigned p = atomic_load(&in->epoch) & 1u;
    atomic_fetch_add(&in->inflight[p], 1);
    canh_intel_snap_t *s = atomic_load(&in->cur);
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    atomic_fetch_sub(&in->inflight[p], 1);
    return s;
}

void canh_intel_release(canh_intel_t *in, const canh_intel_snap_t *snap)
{
    (void)in;
    /* The snapshot is immutable to readers; only its reference count
     * changes, and the last owner frees it. */
    put((canh_intel_snap_t *)snap);
}
