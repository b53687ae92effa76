/* ingest_listen.c - the syslog listeners (canh/listen.h): UDP, TCP and TLS
 * sockets served by one thread running a libevent loop.
 *
 * Back-pressure. A connection frames what it reads into a small batch of
 * records (at most CANH_LISTEN_BATCH records or CANH_LISTEN_BATCH_BYTES)
 * and pushes the batch with canh_queue_try_push_many. What the queue does
 * not take stays in the batch, the connection stops reading (EV_READ off:
 * the kernel's receive window fills and the sender's writes stall) and is
 * marked paused. The queue's room callback runs on a consumer thread; it
 * only sets a flag and writes to an eventfd, and the loop thread then
 * pushes the batches it holds and turns reading back on. Unframed bytes
 * wait in the bufferevent's input buffer meanwhile, so per connection the
 * memory is one read (CANH_LISTEN_READ_MAX), one record being gathered
 * (max_record + 1) and one batch.
 *
 * Nothing read from a stream is lost: a closing connection (EOF, error,
 * idle timeout) frames what is left, including a last line without LF, and
 * stays until that reached the queue; canh_listener_stop does the same for
 * every connection, after taking what the kernel already holds for it
 * (acknowledged to the sender, so as good as read; up to STOP_DRAIN_MAX),
 * with blocking pushes bounded by CANH_LISTEN_STOP_TIMEOUT_MS. UDP cannot
 * wait: a datagram that finds the queue full is counted and freed.
 *
 * The stop request reaches the loop through the same eventfd, so libevent
 * needs no thread support of its own: only the loop thread touches the
 * event base, the room callback and stop only write to the eventfd. The
 * loop thread blocks every asynchronous signal, SIGPIPE included, so a
 * peer that resets during a TLS handshake makes write() fail with EPIPE
 * instead of killing the process, and the daemon's signals go elsewhere. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "canh/ingest.h"
#include "canh/limits.h"
#include "canh/listen.h"
#include "canh/mem.h"
#include "ingest_listen_int.h"

#define UDP_SLOT_MAX 65536u /* a UDP payload is at most 65,535 bytes */
#define RETRY_MS 100        /* after an allocation failure or accept error */
#define STOP_DRAIN_MAX (64u * CANH_LISTEN_READ_MAX) /* per connection, at stop */

void canh_listen_opts_default(canh_listen_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_record = CANH_MAX_RECORD;
    o->max_conns = CANH_LISTEN_MAX_CONNS;
    o->idle_timeout_s = CANH_LISTEN_IDLE_TIMEOUT_S;
    o->udp_rcvbuf = CANH_LISTEN_UDP_RCVBUF;
}

/* Counters: written by the loop thread, read by anyone. */
typedef struct stats_a {
    _Atomic uint64_t received[5];
    _Atomic uint64_t bytes, truncated, framing_errors, udp_dropped_full, udp_dropped_kernel;
    _Atomic uint64_t conns_open, conns_total, conns_refused, tls_handshake_failed, pauses, lost;
} stats_a_t;

#define ST_ADD(l, f, n) atomic_fetch_add_explicit(&(l)->st.f, (uint64_t)(n), memory_order_relaxed)

typedef struct conn conn_t;

/* A stream endpoint (TCP or TLS) and its transport, the accept callback's argument. */
typedef struct endpoint {
    canh_listener_t *l;
    canh_transport_t t;
    struct evconnlistener *lis;
} endpoint_t;

struct conn {
    canh_listener_t *l;
    struct bufferevent *bev;
    canh_transport_t t;
    char peer[46];
    canh_frame_t fr;
    uint64_t fe_seen;                          /* fr.framing_errors already added to the stats */
    canh_inrec_t *pend[CANH_LISTEN_BATCH + 1]; /* + 1: the record finish may add */
    size_t npend, pend_bytes;
    bool paused;   /* reading is off until the queue has room */
    bool closing;  /* the stream ended: drain what is left, then free */
    bool finished; /* canh_frame_finish done */
    bool nomem;    /* a record could not be allocated: retry on a timer */
    bool handshaken;
    conn_t *prev, *next;
};

struct canh_listener {
    canh_queue_t *q;
    size_t max_record;
    unsigned max_conns;
    int idle_timeout_s;
    int port[5];

    struct event_base *base;
    int wake_fd;
    struct event *wake_ev, *retry_ev;
    bool room_registered;
    atomic_bool stop_req, room;

    int udp_fd;
    struct event *udp_ev;
    size_t udp_slot;
    char *udp_buf;
    struct mmsghdr *msgs;
    struct iovec *iov;
    struct sockaddr_storage *names;
    char *ctrl;
    size_t ctrl_len;
    canh_inrec_t **ubatch;

    endpoint_t ep[2]; /* [0] TCP, [1] TLS */
    SSL_CTX *ssl;

    conn_t *conns;
    unsigned nconns;
    int64_t now_ns; /* receive time of the read being handled */

    pthread_t thr;
    bool started, stopped;
    stats_a_t st;
};

/* ---- small helpers ---------------------------------------------------------------- */

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sender's address as text; an IPv4-mapped IPv6 address as IPv4. */
static void peer_text(const struct sockaddr *sa, char out[46])
{
    out[0] = '\0';
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 46);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            inet_ntop(AF_INET, a->s6_addr + 12, out, 46);
        else
            inet_ntop(AF_INET6, a, out, 46);
    }
}

/* Splits "host:port" / "[v6]:port" (host may be empty: every IPv4 address). */
static int split_addr(const char *spec, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon;
    size_t hn;
    const char *h = spec;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            return CANH_EINVAL;
        h = spec + 1;
        hn = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            return CANH_EINVAL;
        hn = (size_t)(colon - spec);
        if (memchr(spec, ':', hn))
            return CANH_EINVAL; /* IPv6 needs brackets */
    }
    const char *p = colon + 1;
    size_t pn = strlen(p);
    if (pn == 0 || pn > 5 || strspn(p, "0123456789") != pn || atoi(p) > 65535)
        return CANH_EINVAL;
    if (hn == 0) {
        h = "0.0.0.0";
        hn = 7;
    }
    if (hn >= hcap || pn >= pcap)
        return CANH_EINVAL;
    memcpy(host, h, hn);
    host[hn] = '\0';
    memcpy(port, p, pn + 1);
    return CANH_OK;
}

/* A socket of type bound to spec (listening for SOCK_STREAM); *port gets
 * the bound port. */
static int bind_socket(const char *what, const char *spec, int type, int *fd_out, int *port,
                       canh_errbuf_t *eb)
{
    char host[256], serv[8];
    struct addrinfo hints, *ai = NULL;
    int fd = -1, rc = CANH_OK, one = 1;

    if (split_addr(spec, host, sizeof host, serv, sizeof serv) != CANH_OK)
        return canh_errf(eb, CANH_EINVAL, "%s %s: expected ADDR:PORT or [V6ADDR]:PORT", what, spec);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int g = getaddrinfo(host, serv, &hints, &ai);
    if (g != 0) {
        rc = canh_errf(eb, CANH_EINVAL, "%s %s: %s", what, spec, gai_strerror(g));
        goto out;
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        rc = canh_errf(eb, CANH_EIO, "%s %s: socket: %s", what, spec, strerror(errno));
        goto out;
    }
    if (type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        (type == SOCK_STREAM && listen(fd, 511) != 0)) {
        rc = canh_errf(eb, CANH_EIO, "%s %s: %s", what, spec, strerror(errno));
        goto out;
    }
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        rc = canh_errf(eb, CANH_EIO, "%s %s: getsockname: %s", what, spec, strerror(errno));
        goto out;
    }
    *port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
out:
    if (ai)
        freeaddrinfo(ai);
    if (rc != CANH_OK) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    *fd_out = fd;
    return CANH_OK;
}

/* ---- connections ------------------------------------------------------------------ */

static bool batch_full(const conn_t *c)
{
    return c->npend >= CANH_LISTEN_BATCH || c->pend_bytes >= CANH_LISTEN_BATCH_BYTES;
}

/* Framer callback: one record into the connection's batch. */
static int on_record(void *ud, const char *p, size_t n, unsigned flags)
{
    conn_t *c = ud;
    canh_inrec_t *r = canh_inrec_create(p, n);
    if (!r) {
        c->nomem = true;
        return -1; /* not taken: offered again after the retry */
    }
    r->recv_ns = c->l->now_ns;
    r->transport = (uint8_t)c->t;
    if (flags & CANH_FRAME_TRUNCATED) {
        r->flags |= CANH_INREC_TRUNCATED;
        ST_ADD(c->l, truncated, 1);
    }
    memcpy(r->peer, c->peer, sizeof r->peer);
    c->pend[c->npend++] = r;
    c->pend_bytes += n;
    return batch_full(c);
}

static void drop_pending(conn_t *c, size_t from)
{
    for (size_t i = from; i < c->npend; i++)
        canh_inrec_free(c->pend[i]);
    ST_ADD(c->l, lost, c->npend - from);
    c->npend = from;
}

/* Keeps pend[k..npend) at the front; pend_bytes recounted from what is still ours. */
static void keep_rest(conn_t *c, size_t k)
{
    memmove(c->pend, c->pend + k, (c->npend - k) * sizeof c->pend[0]);
    c->npend -= k;
    c->pend_bytes = 0;
    for (size_t i = 0; i < c->npend; i++)
        c->pend_bytes += c->pend[i]->len;
}

/* Pushes the batch without blocking. true when it is empty afterwards. */
static bool conn_flush(conn_t *c)
{
    if (c->npend == 0)
        return true;
    canh_listener_t *l = c->l;
    size_t k = canh_queue_try_push_many(l->q, (void *const *)c->pend, c->npend);
    ST_ADD(l, received[c->t], k);
    if (k == c->npend) {
        c->npend = 0;
        c->pend_bytes = 0;
        return true;
    }
    if (canh_queue_closed(l->q)) {
        drop_pending(c, k);
        c->pend_bytes = 0;
        return true;
    }
    keep_rest(c, k);
    return false;
}

/* Pushes the batch, waiting for room until deadline (stop only). */
static void conn_flush_wait(conn_t *c, int64_t deadline)
{
    canh_listener_t *l = c->l;
    size_t i = 0;
    for (; i < c->npend; i++) {
        int64_t left = deadline - mono_ms();
        int rc = canh_queue_push(l->q, c->pend[i], left > 0 ? (int)left : 0);
        if (rc != CANH_OK)
            break;
        ST_ADD(l, received[c->t], 1);
    }
    drop_pending(c, i);
    c->npend = 0;
    c->pend_bytes = 0;
}

static void conn_pause(conn_t *c)
{
    if (c->paused)
        return;
    c->paused = true;
    ST_ADD(c->l, pauses, 1);
    if (!c->closing)
        bufferevent_disable(c->bev, EV_READ);
}

static void conn_free(conn_t *c)
{
    canh_listener_t *l = c->l;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    atomic_fetch_sub_explicit(&l->st.conns_open, 1, memory_order_relaxed);
    drop_pending(c, 0);
    canh_frame_fini(&c->fr);
    bufferevent_free(c->bev);
    canh_free(c);
}

static void count_framing(conn_t *c)
{
    if (c->fr.framing_errors != c->fe_seen) {
        ST_ADD(c->l, framing_errors, c->fr.framing_errors - c->fe_seen);
        c->fe_seen = c->fr.framing_errors;
    }
}

/* Frames the input buffer into batches, pushing each as it fills.
 * Returns 1 when the input is empty, 0 when a batch is full (the caller
 * flushes and calls again), -1 when a record could not be allocated. */
static int conn_frame_input(conn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_iovec v[8];
    c->l->now_ns = realtime_ns();
    while (evbuffer_get_length(in) > 0) {
        int nv = evbuffer_peek(in, -1, NULL, v, 8);
        if (nv > 8)
            nv = 8;
        size_t used = 0;
        bool stopped = false;
        /* A full batch or a refused record ends a feed early; the bytes
         * not consumed stay in the input buffer. */
        for (int j = 0; j < nv && !stopped; j++) {
            size_t k = canh_frame_feed(&c->fr, v[j].iov_base, v[j].iov_len, on_record, c);
            used += k;
            stopped = k < v[j].iov_len || batch_full(c);
        }
        ST_ADD(c->l, bytes, used);
        evbuffer_drain(in, used);
        count_framing(c);
        if (c->nomem)
            return -1;
        if (stopped)
            return 0;
    }
    return 1;
}

/* Frames, pushes, and for a closing connection finishes and frees it.
 * Pauses the connection when the queue is full or memory ran out. */
static void conn_run(conn_t *c)
{
    canh_listener_t *l = c->l;
    for (;;) {
        if (!conn_flush(c))
            goto pause;
        int r = conn_frame_input(c);
        if (r < 0)
            goto retry;
        if (r == 1)
            break;
    }
    if (!conn_flush(c))
        goto pause;
    if (!c->closing)
        return;
    if (!c->finished) {
        if (canh_frame_finish(&c->fr, on_record, c) < 0)
            goto retry;
        count_framing(c);
        c->finished = true;
        if (!conn_flush(c))
            goto pause;
    }
    conn_free(c);
    return;
retry:
    conn_pause(c);
    {
        struct timeval tv = {0, RETRY_MS * 1000};
        evtimer_add(l->retry_ev, &tv);
    }
    return;
pause:
    conn_pause(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    conn_t *c = arg;
    if (!c->paused)
        conn_run(c);
}

static void conn_close(conn_t *c)
{
    c->closing = true;
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    if (!c->paused)
        conn_run(c);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    conn_t *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        c->handshaken = true;
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        if (c->t == CANH_TRANSPORT_TLS && !c->handshaken)
            ST_ADD(c->l, tls_handshake_failed, 1);
        conn_close(c);
    }
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    endpoint_t *ep = arg;
    canh_listener_t *l = ep->l;
    conn_t *c = NULL;
    struct bufferevent *bev = NULL;

    if (l->nconns >= l->max_conns)
        goto refuse;
    c = canh_calloc(1, sizeof *c);
    if (!c)
        goto refuse;
    bev = ep->t == CANH_TRANSPORT_TLS ? canh_listen_tls_bev(l->base, l->ssl, fd)
                                      : bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        goto refuse;
    c->l = l;
    c->bev = bev;
    c->t = ep->t;
    peer_text(sa, c->peer);
    canh_frame_init(&c->fr, l->max_record);
    bufferevent_setcb(bev, conn_read_cb, NULL, conn_event_cb, c);
    bufferevent_set_max_single_read(bev, CANH_LISTEN_READ_MAX);
    if (l->idle_timeout_s > 0) {
        struct timeval tv = {l->idle_timeout_s, 0};
        bufferevent_set_timeouts(bev, &tv, NULL);
    }
    bufferevent_enable(bev, EV_READ);
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    l->nconns++;
    ST_ADD(l, conns_open, 1);
    ST_ADD(l, conns_total, 1);
    return;
refuse:
    canh_free(c);
    evutil_closesocket(fd);
    ST_ADD(l, conns_refused, 1);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...): pause accepting briefly
 * rather than spin on a listening socket that stays readable. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    endpoint_t *ep = arg;
    evconnlistener_disable(lis);
    struct timeval tv = {0, RETRY_MS * 1000};
    evtimer_add(ep->l->retry_ev, &tv);
}

/* Room in the queue, or the retry timer: pushes held batches and turns
 * reading back on. */
static void resume_all(canh_listener_t *l)
{
    for (int i = 0; i < 2; i++)
        if (l->ep[i].lis)
            evconnlistener_enable(l->ep[i].lis);
    conn_t *next;
    for (conn_t *c = l->conns; c; c = next) {
        next = c->next;
        if (!c->paused)
            continue;
        if (c->npend && !conn_flush(c))
            continue; /* still full: the failed push asked for another callback */
        c->paused = false;
        c->nomem = false;
        if (!c->closing)
            bufferevent_enable(c->bev, EV_READ);
        conn_run(c);
    }
}

/* ---- UDP -------------------------------------------------------------------------- */

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
    canh_listener_t *l = arg;
    const unsigned nslots = CANH_LISTEN_UDP_BATCH;

    /* A bounded number of batches per wake-up keeps streams served too. */
    for (int round = 0; round < 8; round++) {
        for (unsigned i = 0; i < nslots; i++) {
            l->msgs[i].msg_hdr.msg_namelen = sizeof l->names[i];
            l->msgs[i].msg_hdr.msg_controllen = l->ctrl_len;
            l->msgs[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(fd, l->msgs, nslots, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        int64_t now = realtime_ns();
        size_t k = 0;
        for (int i = 0; i < n; i++) {
            struct msghdr *mh = &l->msgs[i].msg_hdr;
            const char *p = l->udp_buf + (size_t)i * l->udp_slot;
            size_t len = l->msgs[i].msg_len;
            ST_ADD(l, bytes, len);
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t drops;
                    memcpy(&drops, CMSG_DATA(cm), sizeof drops);
                    atomic_store_explicit(&l->st.udp_dropped_kernel, drops, memory_order_relaxed);
                }
            }
            bool cut = (mh->msg_flags & MSG_TRUNC) != 0;
            if (!cut) {
                while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\0'))
                    len--;
            }
            if (len > l->max_record) {
                len = l->max_record;
                cut = true;
            }
            if (len == 0)
                continue;
            canh_inrec_t *r = canh_inrec_create(p, len);
            if (!r) {
                ST_ADD(l, lost, 1);
                continue;
            }
            r->recv_ns = now;
            r->transport = CANH_TRANSPORT_UDP;
            if (cut) {
                r->flags |= CANH_INREC_TRUNCATED;
                ST_ADD(l, truncated, 1);
            }
            peer_text((const struct sockaddr *)&l->names[i], r->peer);
            l->ubatch[k++] = r;
        }
        size_t pushed = canh_queue_try_push_many(l->q, (void *const *)l->ubatch, k);
        ST_ADD(l, received[CANH_TRANSPORT_UDP], pushed);
        if (pushed < k) {
            bool closed = canh_queue_closed(l->q);
            for (size_t j = pushed; j < k; j++)
                canh_inrec_free(l->ubatch[j]);
            if (closed)
                ST_ADD(l, lost, k - pushed);
            else
                ST_ADD(l, udp_dropped_full, k - pushed);
        }
        if ((unsigned)n < nslots)
            return;
    }
}

static int udp_setup(canh_listener_t *l, const canh_listen_opts_t *o, canh_errbuf_t *eb)
{
    int rc = bind_socket("udp", o->udp, SOCK_DGRAM, &l->udp_fd, &l->port[CANH_TRANSPORT_UDP], eb);
    if (rc)
        return rc;
    int one = 1, rcv = o->udp_rcvbuf;
    /* Kernel drop counts ride along with each datagram when supported. */
    setsockopt(l->udp_fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    /* Best effort: FORCE needs CAP_NET_ADMIN, plain SO_RCVBUF is capped by
     * net.core.rmem_max. */
    if (rcv > 0 && setsockopt(l->udp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
        setsockopt(l->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);

    const unsigned nslots = CANH_LISTEN_UDP_BATCH;
    l->udp_slot = l->max_record < UDP_SLOT_MAX - 1 ? l->max_record + 1 : UDP_SLOT_MAX;
    l->ctrl_len = CMSG_SPACE(sizeof(uint32_t));
    l->udp_buf = canh_malloc(nslots * l->udp_slot);
    l->msgs = canh_calloc(nslots, sizeof *l->msgs);
    l->iov = canh_calloc(nslots, sizeof *l->iov);
    l->names = canh_calloc(nslots, sizeof *l->names);
    l->ctrl = canh_calloc(nslots, l->ctrl_len);
    l->ubatch = canh_calloc(nslots, sizeof *l->ubatch);
    if (!l->udp_buf || !l->msgs || !l->iov || !l->names || !l->ctrl || !l->ubatch)
        return canh_errf(eb, CANH_ENOMEM, "udp %s: out of memory", o->udp);
    for (unsigned i = 0; i < nslots; i++) {
        l->iov[i].iov_base = l->udp_buf + (size_t)i * l->udp_slot;
        l->iov[i].iov_len = l->udp_slot;
        l->msgs[i].msg_hdr.msg_iov = &l->iov[i];
        l->msgs[i].msg_hdr.msg_iovlen = 1;
        l->msgs[i].msg_hdr.msg_name = &l->names[i];
        l->msgs[i].msg_hdr.msg_control = l->ctrl + (size_t)i * l->ctrl_len;
    }
    l->udp_ev = event_new(l->base, l->udp_fd, EV_READ | EV_PERSIST, udp_read, l);
    if (!l->udp_ev || event_add(l->udp_ev, NULL) != 0)
        return canh_errf(eb, CANH_ENOMEM, "udp %s: cannot watch the socket", o->udp);
    return CANH_OK;
}

/* ---- stop and wake-ups ------------------------------------------------------------ */

/* Stop only: reads up to cap bytes the socket holds now into buf, without
 * waiting (the bufferevent's input buffer takes no bytes from outside).
 * Returns the count, 0 when nothing is there. */
static size_t read_now(conn_t *c, char *buf, size_t cap)
{
    if (c->t == CANH_TRANSPORT_TLS)
        return canh_listen_tls_read_now(c->bev, buf, cap);
    ssize_t n = recv(bufferevent_getfd(c->bev), buf, cap, MSG_DONTWAIT);
    return n > 0 ? (size_t)n : 0;
}

/* Stop only: frames p[0..n) and pushes the records, waiting for room. */
static void stop_feed(conn_t *c, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        size_t k = canh_frame_feed(&c->fr, p, n, on_record, c);
        ST_ADD(c->l, bytes, k);
        count_framing(c);
        conn_flush_wait(c, deadline);
        if (c->nomem && k == 0) {
            ST_ADD(c->l, lost, 1); /* no memory even now: the rest cannot be kept */
            return;
        }
        c->nomem = false;
        p += k;
        n -= k;
    }
}

/* Runs on the loop thread (or the caller's when the loop never ran). */
static void do_stop(canh_listener_t *l)
{
    if (l->stopped)
        return;
    l->stopped = true;
    for (int i = 0; i < 2; i++) {
        if (l->ep[i].lis) {
            evconnlistener_free(l->ep[i].lis);
            l->ep[i].lis = NULL;
        }
    }
    if (l->udp_ev)
        event_del(l->udp_ev);
    if (l->udp_fd >= 0) {
        close(l->udp_fd);
        l->udp_fd = -1;
    }
    int64_t deadline = mono_ms() + CANH_LISTEN_STOP_TIMEOUT_MS;
    char *rbuf = l->conns ? canh_malloc(CANH_LISTEN_READ_MAX) : NULL;
    while (l->conns) {
        conn_t *c = l->conns;
        c->closing = true;
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
        for (;;) {
            conn_flush_wait(c, deadline);
            c->nomem = false;
            int r = conn_frame_input(c);
            if (r == 1)
                break;
            if (r < 0) {
                /* No memory even now: what is left cannot be kept. */
                conn_flush_wait(c, deadline);
                ST_ADD(l, lost, 1);
                evbuffer_drain(bufferevent_get_input(c->bev), (size_t)-1);
                break;
            }
        }
        /* What the kernel already acknowledged to the sender is as good as
         * read: take it too, within bounds, without waiting for more. */
        size_t drained = 0, k;
        while (rbuf && drained < STOP_DRAIN_MAX && mono_ms() < deadline &&
               (k = read_now(c, rbuf, CANH_LISTEN_READ_MAX)) > 0) {
            stop_feed(c, rbuf, k, deadline);
            drained += k;
        }
        if (!c->finished && canh_frame_finish(&c->fr, on_record, c) < 0)
            ST_ADD(l, lost, 1);
        count_framing(c);
        conn_flush_wait(c, deadline);
        conn_free(c);
    }
    canh_free(rbuf);
    event_del(l->retry_ev);
    event_base_loopbreak(l->base);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    canh_listener_t *l = arg;
    uint64_t v;
    while (read(fd, &v, sizeof v) > 0)
        ;
    if (atomic_load(&l->stop_req)) {
        do_stop(l);
        return;
    }
    if (atomic_exchange(&l->room, false))
        resume_all(l);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    resume_all(arg);
}

static void wake(canh_listener_t *l)
{
    uint64_t one = 1;
    /* An eventfd counter only fails to take a write at 2^64 - 2. */
    if (write(l->wake_fd, &one, sizeof one) < 0)
        return;
}

/* The queue's room callback: runs on a consumer thread. */
static void on_room(void *ud)
{
    canh_listener_t *l = ud;
    atomic_store(&l->room, true);
    wake(l);
}

/* ---- lifecycle -------------------------------------------------------------------- */

static int stream_setup(canh_listener_t *l, int i, canh_transport_t t, const char *spec,
                        canh_errbuf_t *eb)
{
    const char *what = t == CANH_TRANSPORT_TLS ? "tls" : "tcp";
    int fd = -1;
    int rc = bind_socket(what, spec, SOCK_STREAM, &fd, &l->port[t], eb);
    if (rc)
        return rc;
    l->ep[i].l = l;
    l->ep[i].t = t;
    l->ep[i].lis = evconnlistener_new(l->base, on_accept, &l->ep[i],
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
    if (!l->ep[i].lis) {
        close(fd);
        return canh_errf(eb, CANH_ENOMEM, "%s %s: cannot watch the socket", what, spec);
    }
    evconnlistener_set_error_cb(l->ep[i].lis, on_accept_error);
    return CANH_OK;
}

static bool set(const char *s)
{
    return s && *s;
}

int canh_listener_create(const canh_listen_opts_t *o, canh_queue_t *q, canh_listener_t **out,
                         canh_errbuf_t *eb)
{
    if (!o || !q || !out)
        return canh_errf(eb, CANH_EINVAL, "listener: missing options or queue");
    if (!set(o->udp) && !set(o->tcp) && !set(o->tls))
        return canh_errf(eb, CANH_EINVAL, "listener: no udp, tcp or tls address configured");
    canh_listener_t *l = canh_calloc(1, sizeof *l);
    if (!l)
        return canh_errf(eb, CANH_ENOMEM, "listener: out of memory");
    int rc = CANH_OK;
    l->q = q;
    l->udp_fd = -1;
    l->wake_fd = -1;
    l->max_record = o->max_record ? o->max_record : CANH_MAX_RECORD;
    if (l->max_record > CANH_MAX_RECORD)
        l->max_record = CANH_MAX_RECORD;
    l->max_conns = o->max_conns ? o->max_conns : CANH_LISTEN_MAX_CONNS;
    l->idle_timeout_s = o->idle_timeout_s;
    atomic_init(&l->stop_req, false);
    atomic_init(&l->room, false);

    l->base = event_base_new();
    if (!l->base) {
        rc = canh_errf(eb, CANH_ENOMEM, "listener: event_base_new failed");
        goto out;
    }
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_fd < 0) {
        rc = canh_errf(eb, CANH_EIO, "listener: eventfd: %s", strerror(errno));
        goto out;
    }
    l->wake_ev = event_new(l->base, l->wake_fd, EV_READ | EV_PERSIST, wake_cb, l);
    l->retry_ev = evtimer_new(l->base, retry_cb, l);
    if (!l->wake_ev || !l->retry_ev || event_add(l->wake_ev, NULL) != 0) {
        rc = canh_errf(eb, CANH_ENOMEM, "listener: out of memory");
        goto out;
    }
    if (set(o->tls) && (rc = canh_listen_tls_ctx(o, &l->ssl, eb)) != CANH_OK)
        goto out;
    if (set(o->udp) && (rc = udp_setup(l, o, eb)) != CANH_OK)
        goto out;
    if (set(o->tcp) && (rc = stream_setup(l, 0, CANH_TRANSPORT_TCP, o->tcp, eb)) != CANH_OK)
        goto out;
    if (set(o->tls) && (rc = stream_setup(l, 1, CANH_TRANSPORT_TLS, o->tls, eb)) != CANH_OK)
        goto out;
    rc = canh_queue_on_room(q, on_room, l);
    if (rc != CANH_OK) {
        rc = canh_errf(eb, rc, "listener: cannot watch the queue: %s", canh_strerror(rc));
        goto out;
    }
    l->room_registered = true;
out:
    if (rc != CANH_OK) {
        l->stopped = true; /* nothing was read: nothing to flush */
        canh_listener_destroy(l);
        return rc;
    }
    *out = l;
    return CANH_OK;
}

static void *loop_main(void *arg)
{
    canh_listener_t *l = arg;
    event_base_dispatch(l->base);
    return NULL;
}

int canh_listener_start(canh_listener_t *l, canh_errbuf_t *eb)
{
    if (l->started || l->stopped)
        return canh_errf(eb, CANH_EINVAL, "listener: already started or stopped");
    /* The thread starts with asynchronous signals blocked (see the top of
     * this file); synchronous fault signals stay deliverable. */
    sigset_t all, old;
    sigfillset(&all);
    int sync_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    for (size_t i = 0; i < sizeof sync_sigs / sizeof sync_sigs[0]; i++)
        sigdelset(&all, sync_sigs[i]);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&l->thr, NULL, loop_main, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0)
        return canh_errf(eb, CANH_EIO, "listener: pthread_create: %s", strerror(e));
    l->started = true;
    return CANH_OK;
}

int canh_listener_port(const canh_listener_t *l, canh_transport_t t)
{
    if (!l || (unsigned)t >= 5)
        return 0;
    return l->port[t];
}

void canh_listener_stats(const canh_listener_t *l, canh_listen_stats_t *out)
{
    stats_a_t *s = (stats_a_t *)&l->st;
    memset(out, 0, sizeof *out);
#define LD(f) atomic_load_explicit(&s->f, memory_order_relaxed)
    for (int i = 0; i < 5; i++)
        out->received[i] = LD(received[i]);
    out->bytes = LD(bytes);
    out->truncated = LD(truncated);
    out->framing_errors = LD(framing_errors);
    out->udp_dropped_full = LD(udp_dropped_full);
    out->udp_dropped_kernel = LD(udp_dropped_kernel);
    out->conns_open = LD(conns_open);
    out->conns_total = LD(conns_total);
    out->conns_refused = LD(conns_refused);
    out->tls_handshake_failed = LD(tls_handshake_failed);
    out->pauses = LD(pauses);
    out->lost = LD(lost);
#undef LD
}

void canh_listener_stop(canh_listener_t *l)
{
    if (!l)
        return;
    if (l->started) {
        atomic_store(&l->stop_req, true);
        wake(l);
        pthread_join(l->thr, NULL);
        l->started = false;
    }
    /* The loop may have ended without running do_stop (or never ran). */
    do_stop(l);
    if (l->room_registered) {
        canh_queue_off_room(l->q, on_room, l);
        l->room_registered = false;
    }
}

void canh_listener_destroy(canh_listener_t *l)
{
    if (!l)
        return;
    canh_listener_stop(l);
    if (l->udp_ev)
        event_free(l->udp_ev);
    if (l->wake_ev)
        event_free(l->wake_ev);
    if (l->retry_ev)
        event_free(l->retry_ev);
    for (int i = 0; i < 2; i++)
        if (l->ep[i].lis)
            evconnlistener_free(l->ep[i].lis);
    if (l->udp_fd >= 0)
        close(l->udp_fd);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    if (l->base)
        event_base_free(l->base);
    SSL_CTX_free(l->ssl);
    canh_free(l->udp_buf);
    canh_free(l->msgs);
    canh_free(l->iov);
    canh_free(l->names);
    canh_free(l->ctrl);
    canh_free(l->ubatch);
    canh_free(l);
}
