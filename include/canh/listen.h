/* canh/listen.h - syslog listeners: UDP, TCP and TLS (RFC 5426, 6587, 5425).
 *
 * One listener owns up to three sockets and one thread running a libevent
 * loop. Every record it reads becomes a canh_inrec_t (transport, peer and
 * recv_ns set; CANH_INREC_TRUNCATED when cut at max_record) pushed to the
 * caller's queue, which then owns it.
 *
 *   - UDP: one record per datagram (a trailing LF, CRLF or NUL is dropped),
 *     read in batches with recvmmsg. When the queue is full the datagram is
 *     counted in udp_dropped_full and freed: UDP cannot push back, but no
 *     drop is silent. Drops in the kernel's socket buffer are reported by
 *     SO_RXQ_OVFL in udp_dropped_kernel.
 *   - TCP and TLS: RFC 6587 framing, octet counting or LF/NUL terminated,
 *     chosen per record (see canh_frame_t in canh/ingest.h). When the queue
 *     is full the connection stops reading (counted in pauses), so the
 *     kernel's receive window fills and the sender slows down; reading
 *     resumes when the queue's room callback reports space. Nothing read
 *     from a TCP or TLS connection is dropped: a last line without LF is a
 *     record when the connection closes, ends by idle timeout, or the
 *     listener stops.
 *   - TLS: TLS 1.2 minimum (RFC 5425), 1.3 preferred; certificate and key
 *     from PEM files; with tls_ca, clients must present a certificate
 *     signed by that CA.
 *
 * Threads: create, start, stop and destroy are called from one controlling
 * thread; canh_listener_stats and canh_listener_port from any thread.
 * Implementation: src/ingest/ingest_listen.c, ingest_listen_tls.c. */
#ifndef CANH_LISTEN_H
#define CANH_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/queue.h"

typedef struct canh_listen_opts {
    /* "ADDR:PORT" ("127.0.0.1:0", "[::1]:6514", "0.0.0.0:514", "localhost:514";
     * an empty ADDR is every IPv4 address) or NULL = off. Port 0 binds an
     * ephemeral port: read it back with canh_listener_port. */
    const char *udp, *tcp, *tls;
    const char *tls_cert, *tls_key; /* PEM files for the TLS listener */
    const char *tls_ca;             /* optional: require client certs signed by this CA */
    size_t max_record;              /* default CANH_MAX_RECORD (limits.h) */
    unsigned max_conns;             /* default 1024; further connections are refused + counted */
    int idle_timeout_s;             /* default 300; <= 0: none */
    int udp_rcvbuf;                 /* SO_RCVBUF bytes, default 8 MiB (best effort) */
} canh_listen_opts_t;

/* Fills o with the defaults above (every listener off). */
void canh_listen_opts_default(canh_listen_opts_t *o);

typedef struct canh_listen_stats {
    uint64_t received[5]; /* records queued, by canh_transport_t */
    uint64_t bytes, truncated, framing_errors;
    uint64_t udp_dropped_full;   /* queue full: counted, never silent */
    uint64_t udp_dropped_kernel; /* from SO_RXQ_OVFL when available */
    uint64_t conns_open, conns_total, conns_refused, tls_handshake_failed;
    uint64_t pauses; /* times reading stopped because the queue was full */
    uint64_t lost;   /* records read but never queued: the queue was closed,
                        stop's wait for room timed out, or (UDP) no memory */
} canh_listen_stats_t;

typedef struct canh_listener canh_listener_t;

/* Binds every configured socket now (so the caller can drop privileges
 * next); records will go to q as canh_inrec_t*. q must outlive the
 * listener. CANH_EINVAL for a malformed address or no listener configured,
 * CANH_EIO when a socket cannot be bound ("tcp 127.0.0.1:514: Address
 * already in use") or the TLS certificate or key cannot be loaded,
 * CANH_ENOMEM. */
int canh_listener_create(const canh_listen_opts_t *o, canh_queue_t *q, canh_listener_t **out,
                         canh_errbuf_t *eb);
/* Starts the listener's thread and event loop. CANH_EINVAL if already
 * started, CANH_EIO if the thread cannot be created. */
int canh_listener_start(canh_listener_t *l, canh_errbuf_t *eb);
/* The bound port of that transport (UDP, TCP or TLS), 0 if off. */
int canh_listener_port(const canh_listener_t *l, canh_transport_t t);
/* A consistent-enough snapshot of the counters (each read atomically). */
void canh_listener_stats(const canh_listener_t *l, canh_listen_stats_t *out);
/* Stops accepting and reading; frames what was already read plus what the
 * kernel holds for each connection at that moment (bytes TCP acknowledged
 * to the sender), partial last lines included, and pushes it to the queue,
 * waiting for room up to
 * CANH_LISTEN_STOP_TIMEOUT_MS in all (what still does not fit is counted in
 * lost), closes every socket and joins the thread. Idempotent. */
void canh_listener_stop(canh_listener_t *l);
/* Stops it if needed and frees it. NULL is a no-op. */
void canh_listener_destroy(canh_listener_t *l);

#endif
