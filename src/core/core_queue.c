/* core_queue.c - acknowledgements, received records, and the bounded MPMC
 * queue between the daemon's stages (canh/queue.h).
 *
 * The queue is a ring of pointers behind one mutex and two condition
 * variables. Batching is what keeps the lock cheap: listeners push with
 * canh_queue_try_push_many and workers take with canh_queue_pop_many, so one
 * lock round trip moves many records. Condition variables are signalled
 * only when someone waits on them, and wait on CLOCK_MONOTONIC so a wall
 * clock step never stretches a timeout.
 *
 * Producers that run an event loop cannot block in canh_queue_push; they
 * register a room callback. A non-blocking push that could not place every
 * item raises want_room (under the lock, so it cannot race with a pop); the
 * next pop that leaves the queue below half its capacity clears the flag
 * and runs the callbacks on the popping thread, outside the queue lock but
 * under cb_mu, which canh_queue_off_room also takes: once off_room returns,
 * that callback is not running and never runs again. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "canh/error.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/queue.h"

/* ---- acknowledgements ------------------------------------------------------------- */

canh_ack_t *canh_ack_create(unsigned refs, int64_t agent_id, uint64_t seq, canh_ack_fn fn, void *ud)
{
    if (refs == 0)
        return NULL;
    canh_ack_t *a = canh_malloc(sizeof *a);
    if (!a)
        return NULL;
    atomic_init(&a->refs, refs);
    a->agent_id = agent_id;
    a->seq = seq;
    a->fn = fn;
    a->ud = ud;
    return a;
}

void canh_ack_retain(canh_ack_t *a)
{
    if (a)
        atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
}

void canh_ack_release(canh_ack_t *a)
{
    if (!a)
        return;
    /* acq_rel: the thread that drops the last reference sees every write
     * the other holders made before releasing theirs. */
    if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (a->fn)
        a->fn(a->ud, a->agent_id, a->seq);
    canh_free(a);
}

/* ---- records ---------------------------------------------------------------------- */

const char *canh_transport_name(canh_transport_t t)
{
    switch (t) {
    case CANH_TRANSPORT_FILE: return "file";
    case CANH_TRANSPORT_UDP: return "udp";
    case CANH_TRANSPORT_TCP: return "tcp";
    case CANH_TRANSPORT_TLS: return "tls";
    case CANH_TRANSPORT_AGENT: return "agent";
    }
    return "unknown";
}

canh_inrec_t *canh_inrec_create(const char *p, size_t n)
{
    if (n > UINT32_MAX || n > SIZE_MAX - sizeof(canh_inrec_t) - 1)
        return NULL;
    canh_inrec_t *r = canh_malloc(sizeof *r + n + 1);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->len = (uint32_t)n;
    if (n)
        memcpy(r->data, p, n);
    r->data[n] = '\0';
    return r;
}

void canh_inrec_free(canh_inrec_t *r)
{
    if (!r)
        return;
    if (r->ack)
        canh_ack_release(r->ack);
    canh_free(r);
}

/* ---- the queue -------------------------------------------------------------------- */

typedef struct room_cb {
    canh_queue_room_fn fn;
    void *ud;
} room_cb_t;

struct canh_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty; /* poppers wait here */
    pthread_cond_t not_full;  /* blocking pushers wait here */
    void **ring;
    size_t cap, head, count;
    unsigned pop_waiters, push_waiters;
    bool want_room; /* a non-blocking push found no room since the last callback */
    atomic_bool closed;
    atomic_size_t depth, peak; /* mirrors of count and its maximum, read without the lock */

    pthread_mutex_t cb_mu; /* guards room[] and serialises callback runs */
    room_cb_t room[CANH_QUEUE_MAX_ROOM_CBS];
    size_t nroom;
};

int canh_queue_create(size_t cap, canh_queue_t **out)
{
    if (cap == 0 || cap > CANH_QUEUE_MAX_CAP)
        return CANH_EINVAL;
    canh_queue_t *q = canh_calloc(1, sizeof *q);
    if (!q)
        return CANH_ENOMEM;
    int rc = CANH_ENOMEM;
    bool mu = false, ne = false, nf = false, cb = false;
    pthread_condattr_t ca;
    bool ca_ok = false;

    q->ring = canh_calloc(cap, sizeof *q->ring);
    if (!q->ring)
        goto out;
    q->cap = cap;
    atomic_init(&q->closed, false);
    atomic_init(&q->depth, 0);
    atomic_init(&q->peak, 0);
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        goto out;
    mu = true;
    if (pthread_mutex_init(&q->cb_mu, NULL) != 0)
        goto out;
    cb = true;
    if (pthread_condattr_init(&ca) != 0)
        goto out;
    ca_ok = true;
    if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0)
        goto out;
    if (pthread_cond_init(&q->not_empty, &ca) != 0)
        goto out;
    ne = true;
    if (pthread_cond_init(&q->not_full, &ca) != 0)
        goto out;
    nf = true;
    rc = CANH_OK;
out:
    if (ca_ok)
        pthread_condattr_destroy(&ca);
    if (rc != CANH_OK) {
        if (nf)
            pthread_cond_destroy(&q->not_full);
        if (ne)
            pthread_cond_destroy(&q->not_empty);
        if (cb)
            pthread_mutex_destroy(&q->cb_mu);
        if (mu)
            pthread_mutex_destroy(&q->mu);
        canh_free(q->ring);
        canh_free(q);
        return rc;
    }
    *out = q;
    return CANH_OK;
}

void canh_queue_destroy(canh_queue_t *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->cb_mu);
    pthread_mutex_destroy(&q->mu);
    canh_free(q->ring);
    canh_free(q);
}

/* Absolute CLOCK_MONOTONIC deadline timeout_ms from now. */
static struct timespec deadline_in(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Copies n items in at the tail; the caller holds mu and checked room. */
static void put_locked(canh_queue_t *q, void *const *items, size_t n)
{
    size_t tail = (q->head + q->count) % q->cap;
    size_t first = q->cap - tail < n ? q->cap - tail : n;
    memcpy(q->ring + tail, items, first * sizeof *items);
    if (n > first)
        memcpy(q->ring, items + first, (n - first) * sizeof *items);
    q->count += n;
    atomic_store_explicit(&q->depth, q->count, memory_order_relaxed);
    if (q->count > atomic_load_explicit(&q->peak, memory_order_relaxed))
        atomic_store_explicit(&q->peak, q->count, memory_order_relaxed);
    if (q->pop_waiters) {
        if (n > 1 && q->pop_waiters > 1)
            pthread_cond_broadcast(&q->not_empty);
        else
            pthread_cond_signal(&q->not_empty);
    }
}

size_t canh_queue_try_push_many(canh_queue_t *q, void *const *items, size_t n)
{
    if (n == 0)
        return 0;
    pthread_mutex_lock(&q->mu);
    size_t k = 0;
    if (!atomic_load_explicit(&q->closed, memory_order_relaxed)) {
        k = q->cap - q->count < n ? q->cap - q->count : n;
        if (k)
            put_locked(q, items, k);
        if (k < n)
            q->want_room = true;
    }
    pthread_mutex_unlock(&q->mu);
    return k;
}

int canh_queue_try_push(canh_queue_t *q, void *item)
{
    int rc = CANH_OK;
    pthread_mutex_lock(&q->mu);
    if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
        rc = CANH_ECANCELED;
    } else if (q->count == q->cap) {
        q->want_room = true;
        rc = CANH_EFULL;
    } else {
        put_locked(q, &item, 1);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int canh_queue_push(canh_queue_t *q, void *item, int timeout_ms)
{
    struct timespec dl;
    if (timeout_ms >= 0)
        dl = deadline_in(timeout_ms);
    int rc = CANH_OK;
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap && !atomic_load_explicit(&q->closed, memory_order_relaxed)) {
        q->push_waiters++;
        int w = timeout_ms < 0 ? pthread_cond_wait(&q->not_full, &q->mu)
                               : pthread_cond_timedwait(&q->not_full, &q->mu, &dl);
        q->push_waiters--;
        if (w == ETIMEDOUT && q->count == q->cap) {
            rc = CANH_ETIMEDOUT;
            goto out;
        }
    }
    if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
        rc = CANH_ECANCELED;
        goto out;
    }
    put_locked(q, &item, 1);
out:
    pthread_mutex_unlock(&q->mu);
    return rc;
}

/* Runs the room callbacks (on the calling thread, outside mu). */
static void fire_room(canh_queue_t *q)
{
    pthread_mutex_lock(&q->cb_mu);
    for (size_t i = 0; i < q->nroom; i++)
        q->room[i].fn(q->room[i].ud);
    pthread_mutex_unlock(&q->cb_mu);
}

size_t canh_queue_pop_many(canh_queue_t *q, void **items, size_t max, int timeout_ms)
{
    if (max == 0)
        return 0;
    struct timespec dl;
    if (timeout_ms >= 0)
        dl = deadline_in(timeout_ms);
    size_t k = 0;
    bool fire = false;
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !atomic_load_explicit(&q->closed, memory_order_relaxed)) {
        if (timeout_ms == 0)
            goto out;
        q->pop_waiters++;
        int w = timeout_ms < 0 ? pthread_cond_wait(&q->not_empty, &q->mu)
                               : pthread_cond_timedwait(&q->not_empty, &q->mu, &dl);
        q->pop_waiters--;
        if (w == ETIMEDOUT && q->count == 0)
            goto out;
    }
    k = q->count < max ? q->count : max;
    if (k == 0)
        goto out;
    size_t first = q->cap - q->head < k ? q->cap - q->head : k;
    memcpy(items, q->ring + q->head, first * sizeof *items);
    if (k > first)
        memcpy(items + first, q->ring, (k - first) * sizeof *items);
    q->head = (q->head + k) % q->cap;
    q->count -= k;
    atomic_store_explicit(&q->depth, q->count, memory_order_relaxed);
    if (q->push_waiters) {
        if (k > 1 && q->push_waiters > 1)
            pthread_cond_broadcast(&q->not_full);
        else
            pthread_cond_signal(&q->not_full);
    }
    /* "Below half": (cap + 1) / 2 so that a queue of one still wakes. */
    if (q->want_room && q->count < (q->cap + 1) / 2) {
        q->want_room = false;
        fire = true;
    }
out:
    pthread_mutex_unlock(&q->mu);
    if (fire)
        fire_room(q);
    return k;
}

void canh_queue_close(canh_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    bool was = atomic_exchange(&q->closed, true);
    q->want_room = false;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    /* Producers parked on their event loops learn of the close too. */
    if (!was)
        fire_room(q);
}

bool canh_queue_closed(const canh_queue_t *q)
{
    return atomic_load(&q->closed);
}

size_t canh_queue_depth(const canh_queue_t *q)
{
    return atomic_load_explicit(&q->depth, memory_order_relaxed);
}

size_t canh_queue_capacity(const canh_queue_t *q)
{
    return q->cap;
}

size_t canh_queue_peak(const canh_queue_t *q)
{
    return atomic_load_explicit(&q->peak, memory_order_relaxed);
}

int canh_queue_on_room(canh_queue_t *q, canh_queue_room_fn fn, void *ud)
{
    if (!fn)
        return CANH_EINVAL;
    int rc = CANH_OK;
    pthread_mutex_lock(&q->cb_mu);
    if (q->nroom == CANH_QUEUE_MAX_ROOM_CBS) {
        rc = CANH_ELIMIT;
        goto out;
    }
    q->room[q->nroom].fn = fn;
    q->room[q->nroom].ud = ud;
    q->nroom++;
out:
    pthread_mutex_unlock(&q->cb_mu);
    return rc;
}

int canh_queue_off_room(canh_queue_t *q, canh_queue_room_fn fn, void *ud)
{
    int rc = CANH_ENOENT;
    pthread_mutex_lock(&q->cb_mu);
    for (size_t i = 0; i < q->nroom; i++) {
        if (q->room[i].fn == fn && q->room[i].ud == ud) {
            memmove(q->room + i, q->room + i + 1, (q->nroom - i - 1) * sizeof q->room[0]);
            q->nroom--;
            rc = CANH_OK;
            break;
        }
    }
    pthread_mutex_unlock(&q->cb_mu);
    return rc;
}
