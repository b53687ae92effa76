/* canh/queue.h - the daemon's bounded queues and the record that travels
 * through them.
 *
 *   listeners (syslog UDP/TCP/TLS, agent channel)
 *       -> canh_queue_t of canh_inrec_t  -> decode/enrich/detect workers
 *       -> store writer (one thread, batched transactions)
 *
 * Every queue has a fixed capacity. A producer that finds it full either
 * waits (TCP, TLS and agent inputs: their senders are slowed down because
 * the listener stops reading) or, for UDP, counts the record as dropped.
 * Nothing is dropped silently.
 *
 * Acknowledgement: a record from an agent carries a canh_ack_t shared by all
 * records of its batch. The store writer calls canh_ack_release() for each
 * such record after the transaction holding it has committed (and, in the
 * same transaction, has recorded the agent's highest stored sequence
 * number); when the last record of the batch is released, the ack's
 * callback runs (on the writer thread) and the agent channel sends the
 * acknowledgement. Implementation: src/core/core_queue.c. */
#ifndef CANH_QUEUE_H
#define CANH_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- acknowledgements ------------------------------------------------------------- */

typedef struct canh_ack canh_ack_t;
/* Runs once, on the thread that released the last reference. */
typedef void (*canh_ack_fn)(void *ud, int64_t agent_id, uint64_t seq);

struct canh_ack {
    atomic_uint refs;
    int64_t agent_id;
    uint64_t seq; /* the agent's batch sequence number */
    canh_ack_fn fn;
    void *ud;
};

/* Heap ack with refs references; NULL on allocation failure. */
canh_ack_t *canh_ack_create(unsigned refs, int64_t agent_id, uint64_t seq, canh_ack_fn fn,
                            void *ud);
void canh_ack_retain(canh_ack_t *a);
/* Drops one reference; the last one calls fn and frees the ack. */
void canh_ack_release(canh_ack_t *a);

/* ---- records ---------------------------------------------------------------------- */

typedef enum canh_transport {
    CANH_TRANSPORT_FILE = 0,
    CANH_TRANSPORT_UDP,
    CANH_TRANSPORT_TCP,
    CANH_TRANSPORT_TLS,
    CANH_TRANSPORT_AGENT,
} canh_transport_t;

const char *canh_transport_name(canh_transport_t t); /* "file", "udp", "tcp", "tls", "agent" */

#define CANH_INREC_TRUNCATED 0x1u /* cut at the record limit */

/* One received record: a single heap block (header + bytes + NUL). */
typedef struct canh_inrec {
    int64_t recv_ns;       /* CLOCK_REALTIME at receipt */
    uint32_t len;          /* bytes in data, not counting the NUL */
    uint8_t transport;     /* canh_transport_t */
    uint8_t flags;         /* CANH_INREC_* */
    char peer[46];         /* sender address (text), "" when local */
    int64_t agent_id;      /* 0 unless transport is AGENT */
    uint64_t seq;          /* agent batch sequence number (0 otherwise) */
    canh_ack_t *ack;       /* one reference held by this record, or NULL */
    char origin[64];       /* agent: collector and source ("file:/var/log/auth.log",
                              "journald", "fim", "packages"...); "" otherwise */
    char data[];           /* len bytes, then NUL */
} canh_inrec_t;

/* Allocates a record holding a copy of p[0..n). NULL on allocation failure. */
canh_inrec_t *canh_inrec_create(const char *p, size_t n);
/* Frees it; releases its ack reference when it still holds one. */
void canh_inrec_free(canh_inrec_t *r);

/* ---- bounded MPMC queue of pointers ---------------------------------------------------- */

typedef struct canh_queue canh_queue_t;

/* A queue of at most cap pointers. CANH_ENOMEM / CANH_EINVAL (cap 0). */
int canh_queue_create(size_t cap, canh_queue_t **out);
/* Frees the queue (not the items still in it: drain first). */
void canh_queue_destroy(canh_queue_t *q);

/* Non-blocking: CANH_OK, or CANH_EFULL (nothing taken), CANH_ECANCELED
 * after close. */
int canh_queue_try_push(canh_queue_t *q, void *item);
/* Pushes up to n items without blocking; returns how many were taken. */
size_t canh_queue_try_push_many(canh_queue_t *q, void *const *items, size_t n);
/* Blocks while full, up to timeout_ms (< 0: no limit). CANH_OK,
 * CANH_ETIMEDOUT, or CANH_ECANCELED after close. */
int canh_queue_push(canh_queue_t *q, void *item, int timeout_ms);

/* Takes up to max items, waiting up to timeout_ms (< 0: no limit) for the
 * first one. Returns the count; 0 on timeout, or when the queue is closed
 * and empty (check canh_queue_closed). */
size_t canh_queue_pop_many(canh_queue_t *q, void **items, size_t max, int timeout_ms);

/* Refuses further pushes and wakes every waiter; pops still drain what is
 * left. */
void canh_queue_close(canh_queue_t *q);
bool canh_queue_closed(const canh_queue_t *q);

size_t canh_queue_depth(const canh_queue_t *q);
size_t canh_queue_capacity(const canh_queue_t *q);
/* Depth high-water mark since creation. */
size_t canh_queue_peak(const canh_queue_t *q);

/* Called by a consumer after pop_many made room: producers waiting on
 * their own event loops (which cannot block in canh_queue_push) register a
 * wake-up here and are called, from the consumer's thread, when depth falls
 * below cap/2 after having been full. One registration per producer. */
typedef void (*canh_queue_room_fn)(void *ud);
/* "Full" means a non-blocking push could not place every item; the
 * callbacks then run once, on the thread whose pop left the queue below
 * half its capacity, and once more from canh_queue_close. A callback must
 * be quick and must not call canh_queue_on_room/off_room. At most
 * CANH_QUEUE_MAX_ROOM_CBS registrations: CANH_ELIMIT past that. */
int canh_queue_on_room(canh_queue_t *q, canh_queue_room_fn fn, void *ud);
/* Removes the registration (fn, ud); when it returns, that callback is not
 * running and will not run again, so ud may be freed. CANH_ENOENT if it was
 * not registered. */
int canh_queue_off_room(canh_queue_t *q, canh_queue_room_fn fn, void *ud);

#endif
