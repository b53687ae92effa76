/* agent_manager.c - the manager's side of the agent channel (canh/agent.h).
 *
 * One thread runs a libevent loop with every agent connection (TLS 1.3,
 * OpenSSL bufferevents). Other threads talk to it through one pipe (the
 * "hub"): the store writer's acknowledgement callbacks, the queue's room
 * callback and stop. The hub is reference counted so an acknowledgement
 * that fires after the server is gone finds it closed and does nothing.
 *
 * Per agent the loop keeps, for each epoch (stream), the highest stored
 * seq (from the store) and the highest queued one. A batch at or below the
 * stored mark is acknowledged again at once; one at or below the queued
 * mark is already on its way (from an earlier connection) and its ACK goes
 * to whatever connection the agent has when the store has it; a new one is
 * split into records sharing one canh_ack_t. At most max_inflight batches of
 * one agent, all of one stream, are in the pipeline at once, and a batch is
 * pushed whole before the next is looked at: the writer sees an agent's
 * batches complete and in order. When the store writer's callback reports a
 * batch, the loop reads the agent's stored mark back from the store before
 * sending the ACK: an ACK never goes out for something not stored. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "canh/mem.h"
#include "canh/str.h"

#define NBUCKETS 1024
#define MAX_STREAMS 16 /* streams cached per agent (older ones are looked up again) */
#define COMMAND_POLL_S 1
#define MAX_NAME 128

/* ---- the hub: cross-thread notifications ---------------------------------------------- */

typedef struct done {
    int64_t agent_id;
    uint64_t seq;
} done_t;

typedef struct hub {
    pthread_mutex_t mu;
    atomic_uint refs;
    int rfd, wfd;  /* pipe; wfd -1 once the server is gone */
    bool signaled; /* a byte is in the pipe */
    bool room, stop;
    done_t *v;
    size_t n, cap;
} hub_t;

static void hub_release(hub_t *h)
{
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (h->rfd >= 0)
        close(h->rfd);
    if (h->wfd >= 0)
        close(h->wfd);
    pthread_mutex_destroy(&h->mu);
    canh_free(h->v);
    canh_free(h);
}

/* Under h->mu. */
static void hub_kick(hub_t *h)
{
    if (!h->signaled && h->wfd >= 0) {
        ssize_t w;
        do
            w = write(h->wfd, "x", 1);
        while (w < 0 && errno == EINTR);
        h->signaled = true;
    }
}

/* The store writer's thread: a batch was released by the writer. */
static void on_ack(void *ud, int64_t agent_id, uint64_t seq)
{
    hub_t *h = ud;
    pthread_mutex_lock(&h->mu);
    if (h->wfd >= 0) {
        if (h->n == h->cap) {
            size_t nc = h->cap ? h->cap * 2 : 64;
            done_t *nv = canh_reallocarray(h->v, nc, sizeof *nv);
            if (nv) {
                h->v = nv;
                h->cap = nc;
            }
        }
        /* Out of memory: the ACK is not sent; the agent's connection times
         * out or reconnects and it sends the batch again (a duplicate the
         * stored mark catches). */
        if (h->n < h->cap)
            h->v[h->n++] = (done_t){agent_id, seq};
        hub_kick(h);
    }
    pthread_mutex_unlock(&h->mu);
    hub_release(h);
}

static void on_room(void *ud)
{
    hub_t *h = ud;
    pthread_mutex_lock(&h->mu);
    h->room = true;
    hub_kick(h);
    pthread_mutex_unlock(&h->mu);
}

/* ---- state ------------------------------------------------------------------------- */

typedef struct stream_st {
    uint64_t epoch;
    uint32_t stream;
    uint64_t stored, queued; /* seq (low bits) */
} stream_st_t;

typedef struct conn conn_t;

typedef struct agent_st {
    struct agent_st *next; /* hash chain */
    int64_t id;
    char name[MAX_NAME];
    conn_t *conn; /* the authenticated connection, or NULL */
    stream_st_t streams[MAX_STREAMS];
    size_t nstreams;
    unsigned inflight; /* batches in the pipeline */
    uint32_t inflight_stream;
    canh_inrec_t **pend; /* records of a batch not yet all pushed */
    size_t npend, pushed;
} agent_st_t;

enum cstate { C_HANDSHAKE, C_ENROLL, C_AUTH, C_READY, C_CLOSING };

struct conn {
    conn_t *next, *prev;
    canh_agent_server_t *s;
    struct bufferevent *bev;
    struct event *reap; /* frees a closing connection from the loop, never mid-callback */
    char peer[46];
    enum cstate state;
    agent_st_t *agent;
    int64_t agent_id; /* from the registry, before HELLO */
    char fp[65];      /* the certificate it authenticated with */
    bool prev_cred;   /* authenticated with the certificate a re-key replaced */
    bool cert_expiring;
    bool paused; /* reading stopped: a batch waits (held) */
    bool held;   /* the first frame in the input buffer waits for room */
};

struct canh_agent_server {
    canh_agent_server_opts_t o;
    char *listen, *data_dir, *server_name;
    char **extra;
    canh_queue_t *q;
    canh_store_t *st;
    canh_agent_pki_t pki;
    SSL_CTX *ctx;
    struct event_base *base;
    struct evconnlistener *lev;
    struct event *hub_ev, *tick;
    hub_t *hub;
    bool room_registered;
    int port;
    pthread_t thr;
    bool started, stopped;
    conn_t *conns;
    unsigned nconns;
    agent_st_t *buckets[NBUCKETS];
    pthread_mutex_t names_mu; /* agents table inserts and name reads from other threads */
    canh_buf_t out;           /* scratch for frames */
    unsigned ticks;
    struct {
        atomic_uint_fast64_t connected, batches, records, duplicates, rejected_auth, enrollments,
            commands_sent, pauses, acks, protocol_errors, rewinds;
    } stats;
};

#define LOG(s, lvl, ...)                                                                           \
    do {                                                                                           \
        if ((s)->o.log)                                                                            \
            canh_log((s)->o.log, (lvl), __VA_ARGS__);                                              \
    } while (0)
#define BUMP(s, f) atomic_fetch_add_explicit(&(s)->stats.f, 1, memory_order_relaxed)

void canh_agent_server_opts_default(canh_agent_server_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_agents = 10000;
    o->max_batch = 4u << 20;
    o->max_inflight = 4;
    o->idle_timeout_s = 180;
}

static agent_st_t *agent_find(canh_agent_server_t *s, int64_t id)
{
    for (agent_st_t *a = s->buckets[(uint64_t)id % NBUCKETS]; a; a = a->next)
        if (a->id == id)
            return a;
    return NULL;
}

static agent_st_t *agent_get(canh_agent_server_t *s, int64_t id, const char *name)
{
    agent_st_t *a = agent_find(s, id);
    pthread_mutex_lock(&s->names_mu);
    if (!a && (a = canh_calloc(1, sizeof *a)) != NULL) {
        a->id = id;
        a->next = s->buckets[(uint64_t)id % NBUCKETS];
        s->buckets[(uint64_t)id % NBUCKETS] = a;
    }
    if (a && name)
        snprintf(a->name, sizeof a->name, "%s", name);
    pthread_mutex_unlock(&s->names_mu);
    return a;
}

int canh_agent_server_agent_name(canh_agent_server_t *s, int64_t agent_id, char *buf, size_t n)
{
    if (n == 0)
        return CANH_EINVAL;
    pthread_mutex_lock(&s->names_mu);
    agent_st_t *a = agent_find(s, agent_id);
    snprintf(buf, n, "%s", a ? a->name : "");
    pthread_mutex_unlock(&s->names_mu);
    return a ? CANH_OK : CANH_ENOENT;
}

/* The agent's stream state for epoch, loaded or created in the store. */
static stream_st_t *stream_for_epoch(canh_agent_server_t *s, agent_st_t *a, uint64_t epoch)
{
    for (size_t i = 0; i < a->nstreams; i++)
        if (a->streams[i].epoch == epoch)
            return &a->streams[i];
    uint32_t stream;
    uint64_t stored;
    canh_errbuf_t eb = {{0}};
    if (canh_store_agent_stream(s->st, a->id, epoch, (int64_t)time(NULL), &stream, &stored, &eb)) {
        LOG(s, CANH_LOG_ERROR, "agent %lld: %s", (long long)a->id, eb.msg);
        return NULL;
    }
    if (a->nstreams == MAX_STREAMS) {
        /* Forget the oldest cached stream that has nothing in flight. */
        size_t victim = 0;
        while (victim + 1 < MAX_STREAMS && a->inflight &&
               a->streams[victim].stream == a->inflight_stream)
            victim++;
        memmove(&a->streams[victim], &a->streams[victim + 1],
                (MAX_STREAMS - victim - 1) * sizeof a->streams[0]);
        a->nstreams--;
    }
    stream_st_t *t = &a->streams[a->nstreams++];
    *t = (stream_st_t){epoch, stream, stored, stored};
    return t;
}

static stream_st_t *stream_by_number(agent_st_t *a, uint32_t stream)
{
    for (size_t i = 0; i < a->nstreams; i++)
        if (a->streams[i].stream == stream)
            return &a->streams[i];
    return NULL;
}

/* ---- connections -------------------------------------------------------------------- */

static void conn_free(conn_t *c)
{
    canh_agent_server_t *s = c->s;
    if (c->agent && c->agent->conn == c) {
        c->agent->conn = NULL;
        atomic_fetch_sub_explicit(&s->stats.connected, 1, memory_order_relaxed);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->reap)
        event_free(c->reap);
    canh_free(c);
}

static void conn_close_cb(struct bufferevent *bev, void *ud)
{
    conn_t *c = ud;
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_free(c);
}

static void conn_close_event_cb(struct bufferevent *bev, short what, void *ud)
{
    (void)bev;
    (void)what;
    conn_free(ud);
}

static void reap_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    conn_free(ud);
}

/* Sends what was queued, then closes. */
static void conn_close_after_flush(conn_t *c)
{
    if (c->agent && c->agent->conn == c) {
        c->agent->conn = NULL;
        atomic_fetch_sub_explicit(&c->s->stats.connected, 1, memory_order_relaxed);
    }
    c->agent = NULL;
    if (c->state == C_CLOSING)
        return;
    c->state = C_CLOSING;
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setcb(c->bev, NULL, conn_close_cb, conn_close_event_cb, c);
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        struct timeval zero = {0, 0};
        evtimer_add(c->reap, &zero);
    }
}

/* Appends the frame in s->out to c's output. */
static void conn_send(conn_t *c)
{
    canh_agent_server_t *s = c->s;
    if (s->out.len && c->state != C_CLOSING)
        bufferevent_write(c->bev, s->out.data, s->out.len);
    canh_buf_reset(&s->out);
}

static void conn_error(conn_t *c, int code, const char *msg)
{
    canh_buf_reset(&c->s->out);
    if (canh_agent_put_error(&c->s->out, code, msg) == CANH_OK)
        conn_send(c);
    conn_close_after_flush(c);
}

static void protocol_error(conn_t *c, const char *what)
{
    BUMP(c->s, protocol_errors);
    LOG(c->s, CANH_LOG_WARN, "agent connection from %s: %s", c->peer, what);
    conn_error(c, CANH_EINVAL, what);
}

static void send_ack(canh_agent_server_t *s, agent_st_t *a, uint64_t epoch, uint64_t seq)
{
    if (!a->conn || a->conn->state != C_READY)
        return;
    canh_buf_reset(&s->out);
    if (canh_agent_put_ack(&s->out, epoch, seq) == CANH_OK) {
        conn_send(a->conn);
        BUMP(s, acks);
    }
}

/* ---- batches ----------------------------------------------------------------------- */

/* Pushes the agent's pending records; true when none is left. */
static bool push_pending(canh_agent_server_t *s, agent_st_t *a)
{
    while (a->pushed < a->npend) {
        size_t k = canh_queue_try_push_many(s->q, (void *const *)(a->pend + a->pushed),
                                            a->npend - a->pushed);
        if (k == 0) {
            if (canh_queue_closed(s->q)) {
                /* Shutting down: the records cannot be stored; freeing them
                 * releases the ack, which then finds nothing stored. */
                for (size_t i = a->pushed; i < a->npend; i++)
                    canh_inrec_free(a->pend[i]);
                a->pushed = a->npend;
                break;
            }
            return false;
        }
        a->pushed += k;
    }
    canh_free(a->pend);
    a->pend = NULL;
    a->npend = a->pushed = 0;
    return true;
}

/* Splits a BATCH into records and queues them. */
static int enqueue_batch(conn_t *c, agent_st_t *a, stream_st_t *t, const canh_agent_msg_t *m)
{
    canh_agent_server_t *s = c->s;
    uint64_t packed = (uint64_t)t->stream << CANH_AGENT_SEQ_BITS | m->u.batch.seq;
    canh_inrec_t **v = canh_calloc(m->u.batch.n, sizeof *v);
    canh_ack_t *ack = NULL;
    if (!v)
        return CANH_ENOMEM;
    /* Counted now: whatever happens below, the ack fires once and on_done
     * takes it back. */
    atomic_fetch_add_explicit(&s->hub->refs, 1, memory_order_relaxed);
    ack = canh_ack_create(m->u.batch.n, a->id, packed, on_ack, s->hub);
    if (!ack) {
        hub_release(s->hub);
        canh_free(v);
        return CANH_ENOMEM;
    }
    a->inflight++;
    a->inflight_stream = t->stream;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    size_t off = 0, i = 0;
    canh_str_t origin, data;
    while (canh_agent_batch_next(m, &off, &origin, &data)) {
        canh_inrec_t *r = canh_inrec_create(data.p, data.n);
        if (!r) {
            /* Drop the references of the records never made, then of the
             * ones made: the ack fires with nothing stored (no ACK). */
            for (size_t k = i; k < m->u.batch.n; k++)
                canh_ack_release(ack);
            for (size_t k = 0; k < i; k++)
                canh_inrec_free(v[k]);
            canh_free(v);
            return CANH_ENOMEM;
        }
        r->recv_ns = now;
        r->transport = CANH_TRANSPORT_AGENT;
        snprintf(r->peer, sizeof r->peer, "%s", c->peer);
        r->agent_id = a->id;
        r->seq = packed;
        r->ack = ack;
        memcpy(r->origin, origin.p, origin.n); /* origin.n <= 63 (parser) */
        r->origin[origin.n] = '\0';
        v[i++] = r;
    }
    a->pend = v;
    a->npend = i;
    a->pushed = 0;
    t->queued = m->u.batch.seq;
    BUMP(s, batches);
    atomic_fetch_add_explicit(&s->stats.records, i, memory_order_relaxed);
    push_pending(s, a);
    return CANH_OK;
}

/* Handles a BATCH; false when it must wait (the frame stays in the input
 * buffer and reading pauses). */
static bool on_batch(conn_t *c, const canh_agent_msg_t *m)
{
    canh_agent_server_t *s = c->s;
    agent_st_t *a = c->agent;
    if (m->u.batch.seq == 0 || m->u.batch.seq > CANH_AGENT_SEQ_MAX || m->u.batch.n == 0) {
        protocol_error(c, "BATCH: bad sequence number or no records");
        return true;
    }
    stream_st_t *t = stream_for_epoch(s, a, m->u.batch.epoch);
    if (!t) {
        conn_error(c, CANH_EIO, "manager store error");
        return true;
    }
    if (m->u.batch.seq <= t->stored) {
        BUMP(s, duplicates);
        send_ack(s, a, t->epoch, m->u.batch.seq);
        return true;
    }
    if (m->u.batch.seq <= t->queued) {
        BUMP(s, duplicates); /* on its way: the ACK follows the store */
        return true;
    }
    if (a->npend || a->inflight >= s->o.max_inflight ||
        (a->inflight && a->inflight_stream != t->stream))
        return false;
    if (enqueue_batch(c, a, t, m) != CANH_OK) {
        conn_error(c, CANH_ENOMEM, "manager out of memory");
        return true;
    }
    return true;
}

/* ---- handshake, enrollment, hello --------------------------------------------------------- */

static void on_authenticated(conn_t *c)
{
    canh_agent_server_t *s = c->s;
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (!peer) {
        c->state = C_ENROLL;
        return;
    }
    char *fp = c->fp;
    canh_agent_cert_fp(peer, fp);
    c->cert_expiring = canh_agent_cert_left(peer) < 30 * 86400;
    X509_free(peer);
    canh_agent_rec_t rec;
    canh_errbuf_t eb = {{0}};
    int rc = SSL_get_verify_result(ssl) == X509_V_OK ? canh_store_agent_by_fp(s->st, fp, &rec, &eb)
                                                     : CANH_EPERM;
    if (rc == CANH_OK && strcmp(rec.status, "active") != 0) {
        canh_agent_rec_fini(&rec);
        rc = CANH_EPERM;
    }
    if (rc) {
        BUMP(s, rejected_auth);
        LOG(s, CANH_LOG_WARN, "agent connection from %s refused: %s", c->peer,
            rc == CANH_ENOENT || rc == CANH_EPERM ? "unknown or revoked credential" : eb.msg);
        conn_error(c, CANH_EPERM, "credential unknown or revoked");
        return;
    }
    c->agent_id = rec.id;
    c->prev_cred = rec.prev_fp && strcmp(rec.prev_fp, fp) == 0 && strcmp(rec.cert_fp, fp) != 0;
    c->state = C_AUTH;
    /* Proof of the new credential: the replaced one is no longer needed. */
    if (!c->prev_cred && rec.prev_fp)
        canh_store_agent_clear_prev(s->st, rec.id, NULL);
    canh_agent_rec_fini(&rec);
}

static bool token_ok_syntax(canh_str_t tok, canh_str_t *pin, canh_str_t *secret)
{
    ptrdiff_t dot = canh_str_chr(tok, '.');
    if (dot < 16 || (size_t)dot + 1 >= tok.n)
        return false;
    *pin = canh_str_sub(tok, 0, (size_t)dot);
    *secret = canh_str_sub(tok, (size_t)dot + 1, tok.n);
    for (size_t i = 0; i < pin->n; i++)
        if (!strchr("0123456789abcdefABCDEF", pin->p[i]))
            return false;
    return true;
}

/* Printable UTF-8 without control characters, 1..MAX_NAME-1 bytes. */
static bool name_ok(canh_str_t n)
{
    if (n.n == 0 || n.n >= MAX_NAME || canh_utf8_invalid_at(n.p, n.n) != n.n)
        return false;
    for (size_t i = 0; i < n.n; i++)
        if ((unsigned char)n.p[i] < 0x20 || n.p[i] == 0x7f)
            return false;
    return true;
}

static void on_enroll(conn_t *c, const canh_agent_msg_t *m)
{
    canh_agent_server_t *s = c->s;
    canh_str_t pin, secret;
    canh_errbuf_t eb = {{0}};
    char *name = NULL, *install = NULL, *facts = NULL;
    canh_buf_t cert;
    canh_buf_init(&cert, 64 * 1024);
    int rc = CANH_EPERM;
    bool txn = false;
    if (!token_ok_syntax(m->u.enroll.token, &pin, &secret) ||
        strncasecmp(pin.p, s->pki.ca_fp, pin.n) != 0) {
        canh_errf(&eb, CANH_EPERM, "enrollment token not from this manager");
        goto out;
    }
    if (!name_ok(m->u.enroll.name) || m->u.enroll.install_id.n > 64 ||
        canh_utf8_invalid_at(m->u.enroll.facts.p, m->u.enroll.facts.n) != m->u.enroll.facts.n ||
        memchr(m->u.enroll.facts.p, '\0', m->u.enroll.facts.n) ||
        memchr(m->u.enroll.install_id.p, '\0', m->u.enroll.install_id.n)) {
        rc = canh_errf(&eb, CANH_EINVAL, "enrollment: bad name, install id or facts");
        goto out;
    }
    uint8_t hash[32];
    unsigned hl = 0;
    if (EVP_Digest(secret.p, secret.n, hash, &hl, EVP_sha256(), NULL) != 1 || hl != 32) {
        rc = canh_errf(&eb, CANH_EIO, "hashing the token");
        goto out;
    }
    name = canh_strndup(m->u.enroll.name.p, m->u.enroll.name.n);
    install = canh_strndup(m->u.enroll.install_id.p, m->u.enroll.install_id.n);
    facts = m->u.enroll.facts.n ? canh_strndup(m->u.enroll.facts.p, m->u.enroll.facts.n) : NULL;
    if (!name || !install || (m->u.enroll.facts.n && !facts)) {
        rc = CANH_ENOMEM;
        goto out;
    }
    int64_t now = (int64_t)time(NULL), id = 0;
    char fp[65];
    if ((rc = canh_store_begin(s->st, &eb)) != CANH_OK)
        goto out;
    txn = true;
    if ((rc = canh_store_agent_token_use(s->st, hash, now, &eb)) != CANH_OK ||
        (rc = canh_store_agent_enroll(s->st, name, NULL, install, facts, now, &id, &eb)) !=
            CANH_OK ||
        (rc = canh_agent_issue_client(&s->pki, m->u.enroll.csr.p, m->u.enroll.csr.n, id, &cert, fp,
                                      &eb)) != CANH_OK ||
        (rc = canh_store_agent_rekeyed(s->st, id, fp, &eb)) != CANH_OK ||
        (rc = canh_store_agent_clear_prev(s->st, id, &eb)) != CANH_OK ||
        (rc = canh_store_commit(s->st, &eb)) != CANH_OK)
        goto out;
    txn = false;
    canh_buf_t ca;
    canh_buf_init(&ca, 64 * 1024);
    canh_buf_reset(&s->out);
    if ((rc = canh_agent_pem_cert(s->pki.ca, &ca)) == CANH_OK &&
        (rc = canh_agent_put_enrolled(&s->out, id, name, cert.data, ca.data)) == CANH_OK)
        conn_send(c);
    canh_buf_fini(&ca);
    if (rc == CANH_OK) {
        BUMP(s, enrollments);
        LOG(s, CANH_LOG_INFO, "agent %lld \"%s\" enrolled from %s", (long long)id, name, c->peer);
        agent_get(s, id, name);
    }
out:
    if (txn)
        canh_store_rollback(s->st);
    if (rc) {
        if (rc == CANH_EPERM)
            BUMP(s, rejected_auth);
        LOG(s, CANH_LOG_WARN, "enrollment from %s refused: %s", c->peer,
            eb.msg[0] ? eb.msg : canh_strerror(rc));
        conn_error(c, rc, eb.msg[0] ? eb.msg : canh_strerror(rc));
    } else {
        conn_close_after_flush(c);
    }
    canh_free(name);
    canh_free(install);
    canh_free(facts);
    canh_buf_fini(&cert);
}

static void on_rekey(conn_t *c, const canh_agent_msg_t *m)
{
    canh_agent_server_t *s = c->s;
    agent_st_t *a = c->agent;
    canh_errbuf_t eb = {{0}};
    canh_buf_t cert, ca;
    canh_buf_init(&cert, 64 * 1024);
    canh_buf_init(&ca, 64 * 1024);
    char fp[65];
    int rc;
    if ((rc = canh_agent_issue_client(&s->pki, m->u.rekey.csr.p, m->u.rekey.csr.n, a->id, &cert, fp,
                                      &eb)) == CANH_OK &&
        (rc = canh_store_agent_rekeyed(s->st, a->id, fp, &eb)) == CANH_OK &&
        (rc = canh_agent_pem_cert(s->pki.ca, &ca)) == CANH_OK) {
        canh_buf_reset(&s->out);
        if ((rc = canh_agent_put_enrolled(&s->out, a->id, a->name, cert.data, ca.data)) == CANH_OK)
            conn_send(c);
    }
    if (rc == CANH_OK) {
        BUMP(s, enrollments);
        LOG(s, CANH_LOG_INFO, "agent %lld re-keyed", (long long)a->id);
    } else {
        LOG(s, CANH_LOG_WARN, "agent %lld: re-key failed: %s", (long long)a->id, eb.msg);
        conn_error(c, rc, eb.msg[0] ? eb.msg : canh_strerror(rc));
    }
    canh_buf_fini(&cert);
    canh_buf_fini(&ca);
}

static void on_hello(conn_t *c, const canh_agent_msg_t *m)
{
    canh_agent_server_t *s = c->s;
    canh_agent_rec_t rec;
    canh_errbuf_t eb = {{0}};
    if (m->u.hello.version < 1) {
        protocol_error(c, "HELLO: unsupported protocol version");
        return;
    }
    if (canh_store_agent_get(s->st, c->agent_id, &rec, &eb) != CANH_OK) {
        conn_error(c, CANH_EPERM, "credential unknown or revoked");
        return;
    }
    agent_st_t *a = agent_get(s, rec.id, rec.name);
    bool rekey = rec.rekey || c->prev_cred || c->cert_expiring;
    canh_agent_rec_fini(&rec);
    if (!a) {
        conn_error(c, CANH_ENOMEM, "manager out of memory");
        return;
    }
    if (a->conn && a->conn != c) {
        /* The newer connection wins (a reconnect whose old socket has not
         * timed out yet). */
        conn_close_after_flush(a->conn);
    }
    c->agent = a;
    a->conn = c;
    atomic_fetch_add_explicit(&s->stats.connected, 1, memory_order_relaxed);
    /* The oldest epoch the agent still holds first, so it gets the lower
     * stream number; the streams below it are not needed any more. */
    stream_st_t *old = stream_for_epoch(s, a, m->u.hello.oldest_epoch);
    uint32_t old_stream = old ? old->stream : 0;
    stream_st_t *t = stream_for_epoch(s, a, m->u.hello.epoch);
    if (!t) {
        conn_error(c, CANH_EIO, "manager store error");
        return;
    }
    uint32_t flags = rekey ? CANH_AGENT_WELCOME_REKEY : 0;
    if (t->stored && t->stored >= m->u.hello.next_seq) {
        /* The agent's counter went backwards (a restored memory snapshot):
         * what it seals next must not be taken for what we already have. */
        flags |= CANH_AGENT_WELCOME_REWIND;
        BUMP(s, rewinds);
        LOG(s, CANH_LOG_WARN,
            "agent %lld: sequence went backwards (%llu stored, next %llu): "
            "new epoch",
            (long long)a->id, (unsigned long long)t->stored,
            (unsigned long long)m->u.hello.next_seq);
    }
    if (old_stream > 1 && !a->inflight)
        canh_store_agent_streams_prune(s->st, a->id, old_stream, NULL);
    char sw[64];
    snprintf(sw, sizeof sw, "%.*s", (int)(m->u.hello.software.n < 63 ? m->u.hello.software.n : 63),
             m->u.hello.software.p ? m->u.hello.software.p : "");
    for (char *p = sw; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    canh_store_agent_seen(s->st, a->id, (int64_t)time(NULL), c->peer, sw, NULL);
    canh_store_agent_commands_reset(s->st, a->id, NULL);
    canh_buf_reset(&s->out);
    if (canh_agent_put_welcome(&s->out, flags, a->id, t->stored, a->name) == CANH_OK)
        conn_send(c);
    c->state = C_READY;
    LOG(s, CANH_LOG_DEBUG, "agent %lld connected from %s", (long long)a->id, c->peer);
}

/* ---- frames ------------------------------------------------------------------------ */

/* Handles one whole frame; false when it must wait (left in the buffer). */
static bool on_frame(conn_t *c, uint8_t type, const uint8_t *p, size_t n)
{
    canh_agent_server_t *s = c->s;
    canh_agent_msg_t m;
    if (canh_agent_msg_parse(type, p, n, &m) != CANH_OK) {
        protocol_error(c, "malformed frame");
        return true;
    }
    switch (c->state) {
    case C_ENROLL:
        if (type == CANH_AGENT_ENROLL)
            on_enroll(c, &m);
        else
            conn_error(c, CANH_EPERM, "a client certificate is required");
        return true;
    case C_AUTH:
        if (type == CANH_AGENT_HELLO)
            on_hello(c, &m);
        else
            protocol_error(c, "expected HELLO");
        return true;
    case C_READY:
        if (!c->agent) /* READY always has its agent; keep it so */
            return true;
        break;
    default: return true;
    }
    switch (type) {
    case CANH_AGENT_BATCH: return on_batch(c, &m);
    case CANH_AGENT_PING:
        canh_buf_reset(&s->out);
        if (canh_agent_put_ping(&s->out, CANH_AGENT_PONG, m.u.ping.nonce) == CANH_OK)
            conn_send(c);
        return true;
    case CANH_AGENT_PONG: return true;
    case CANH_AGENT_RESULT: {
        char *json =
            canh_strndup(m.u.result.result.p ? m.u.result.result.p : "", m.u.result.result.n);
        canh_errbuf_t eb = {{0}};
        if (json && canh_utf8_invalid_at(json, m.u.result.result.n) == m.u.result.result.n &&
            !memchr(json, '\0', m.u.result.result.n))
            canh_store_agent_command_done(s->st, m.u.result.id, c->agent->id, m.u.result.ok != 0,
                                          json, (int64_t)time(NULL), &eb);
        canh_free(json);
        return true;
    }
    case CANH_AGENT_REKEY: on_rekey(c, &m); return true;
    default: protocol_error(c, "unexpected frame"); return true;
    }
}

static void conn_read(conn_t *c)
{
    canh_agent_server_t *s = c->s;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (c->state != C_CLOSING && c->state != C_HANDSHAKE) {
        uint8_t hdr[CANH_AGENT_FRAME_HDR];
        size_t have = evbuffer_get_length(in);
        if (have < sizeof hdr)
            break;
        evbuffer_copyout(in, hdr, sizeof hdr);
        /* The header alone tells the frame's size: validate it with the
         * length it announces (frame_peek reads only the header). */
        uint8_t type;
        size_t plen, flen;
        size_t claim = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
        int rc = canh_agent_frame_peek(hdr, sizeof hdr + (claim ? claim - 1 : 0), s->o.max_batch,
                                       &type, &plen, &flen);
        if (rc != CANH_OK) {
            protocol_error(c, rc == CANH_ELIMIT ? "frame too large" : "bad frame header");
            return;
        }
        if (have < flen)
            break;
        const uint8_t *p = evbuffer_pullup(in, (ssize_t)flen);
        if (!p) {
            conn_error(c, CANH_ENOMEM, "manager out of memory");
            return;
        }
        if (!on_frame(c, hdr[4], p + CANH_AGENT_FRAME_HDR, flen - CANH_AGENT_FRAME_HDR)) {
            /* Waits for the pipeline; the frame stays where it is. */
            if (!c->paused) {
                c->paused = true;
                bufferevent_disable(c->bev, EV_READ);
                BUMP(s, pauses);
            }
            return;
        }
        if (c->state == C_CLOSING)
            return;
        evbuffer_drain(in, flen);
    }
}

static void conn_read_cb(struct bufferevent *bev, void *ud)
{
    (void)bev;
    conn_read(ud);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *ud)
{
    conn_t *c = ud;
    canh_agent_server_t *s = c->s;
    if (what & BEV_EVENT_CONNECTED) {
        on_authenticated(c);
        if (c->state != C_CLOSING)
            conn_read(c);
        return;
    }
    if (c->state == C_HANDSHAKE && (what & BEV_EVENT_ERROR)) {
        BUMP(s, rejected_auth);
        unsigned long e = bufferevent_get_openssl_error(bev);
        char buf[160] = "";
        if (e)
            ERR_error_string_n(e, buf, sizeof buf);
        LOG(s, CANH_LOG_DEBUG, "agent handshake from %s failed: %s", c->peer, buf);
    }
    ERR_clear_error();
    conn_free(c);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *ud)
{
    (void)l;
    (void)salen;
    canh_agent_server_t *s = ud;
    if (s->nconns >= s->o.max_agents) {
        BUMP(s, rejected_auth);
        close(fd);
        return;
    }
    conn_t *c = canh_calloc(1, sizeof *c);
    SSL *ssl = c ? SSL_new(s->ctx) : NULL;
    if (!ssl) {
        canh_free(c);
        close(fd);
        return;
    }
    c->s = s;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, c->peer, sizeof c->peer);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, c->peer, sizeof c->peer);
    c->bev = bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        SSL_free(ssl);
        canh_free(c);
        close(fd);
        return;
    }
    if (!(c->reap = evtimer_new(s->base, reap_cb, c))) {
        bufferevent_free(c->bev);
        canh_free(c);
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    struct timeval tv = {s->o.idle_timeout_s > 0 ? s->o.idle_timeout_s : 180, 0};
    bufferevent_set_timeouts(c->bev, &tv, NULL);
    /* Reading stops while a whole largest frame is buffered. */
    bufferevent_setwatermark(c->bev, EV_READ, 0, s->o.max_batch + 2 * CANH_AGENT_FRAME_HDR + 64);
    bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- the loop's own events ------------------------------------------------------------- */

/* Resumes connections whose held frame may go now. */
static void resume_paused(canh_agent_server_t *s)
{
    for (conn_t *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (!c->paused || c->state != C_READY)
            continue;
        agent_st_t *a = c->agent;
        if (a && (a->npend || a->inflight >= s->o.max_inflight))
            continue;
        c->paused = false;
        bufferevent_enable(c->bev, EV_READ);
        conn_read(c);
    }
}

static void on_done(canh_agent_server_t *s, int64_t agent_id, uint64_t packed)
{
    agent_st_t *a = agent_find(s, agent_id);
    if (!a)
        return;
    if (a->inflight)
        a->inflight--;
    uint32_t stream = (uint32_t)(packed >> CANH_AGENT_SEQ_BITS);
    uint64_t seq = packed & CANH_AGENT_SEQ_MAX, stored = 0;
    canh_errbuf_t eb = {{0}};
    stream_st_t *t = stream_by_number(a, stream);
    if (canh_store_agent_seq_get(s->st, agent_id, stream, &stored, &eb) != CANH_OK ||
        stored < packed) {
        /* Released without being stored (shutdown, a writer error): no ACK;
         * let the agent send it again. */
        LOG(s, CANH_LOG_WARN, "agent %lld: batch %llu was not stored; asking for it again",
            (long long)agent_id, (unsigned long long)seq);
        if (t)
            t->queued = t->stored;
        if (a->conn)
            conn_close_after_flush(a->conn);
        return;
    }
    if (!t)
        return;
    if (seq > t->stored)
        t->stored = seq;
    send_ack(s, a, t->epoch, seq);
}

static void hub_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)what;
    canh_agent_server_t *s = ud;
    hub_t *h = s->hub;
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    pthread_mutex_lock(&h->mu);
    h->signaled = false;
    done_t *v = h->v;
    size_t n = h->n;
    bool room = h->room, stop = h->stop;
    h->v = NULL;
    h->n = h->cap = 0;
    h->room = false;
    pthread_mutex_unlock(&h->mu);
    for (size_t i = 0; i < n; i++)
        on_done(s, v[i].agent_id, v[i].seq);
    canh_free(v);
    if (room || n) {
        for (size_t b = 0; b < NBUCKETS; b++)
            for (agent_st_t *a = s->buckets[b]; a; a = a->next)
                if (a->npend)
                    push_pending(s, a);
        resume_paused(s);
    }
    if (stop)
        event_base_loopbreak(s->base);
}

/* Revocations, re-keys and re-enrollments made while an agent is
 * connected: a revoked or replaced credential is dropped, a re-key is
 * offered by making the agent connect again (its WELCOME says REKEY). */
static void check_registry(canh_agent_server_t *s)
{
    for (conn_t *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (c->state != C_READY || !c->agent)
            continue;
        canh_agent_rec_t rec;
        int rc = canh_store_agent_get(s->st, c->agent->id, &rec, NULL);
        if (rc == CANH_ENOMEM || rc == CANH_EIO)
            continue;
        bool valid = rc == CANH_OK && strcmp(rec.status, "active") == 0 &&
                     ((rec.cert_fp && !strcmp(rec.cert_fp, c->fp)) ||
                      (rec.prev_fp && !strcmp(rec.prev_fp, c->fp)));
        bool rekey = rc == CANH_OK && rec.rekey;
        if (rc == CANH_OK)
            canh_agent_rec_fini(&rec);
        if (!valid) {
            BUMP(s, rejected_auth);
            LOG(s, CANH_LOG_INFO, "agent %lld: credential revoked or replaced: disconnected",
                (long long)c->agent->id);
            conn_error(c, CANH_EPERM, "credential unknown or revoked");
        } else if (rekey) {
            conn_close_after_flush(c);
        }
    }
}

static void tick_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    canh_agent_server_t *s = ud;
    if (atomic_load(&s->stats.connected) == 0)
        return;
    if (++s->ticks % 5 == 0)
        check_registry(s);
    canh_agent_cmd_t *v = NULL;
    size_t n = 0;
    canh_errbuf_t eb = {{0}};
    if (canh_store_agent_commands_pending(s->st, 0, 256, &v, &n, &eb) != CANH_OK) {
        LOG(s, CANH_LOG_WARN, "agent commands: %s", eb.msg);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        agent_st_t *a = agent_find(s, v[i].agent_id);
        if (!a || !a->conn || a->conn->state != C_READY)
            continue;
        canh_buf_reset(&s->out);
        if (canh_agent_put_command(&s->out, v[i].id, v[i].kind, v[i].args) != CANH_OK)
            continue;
        conn_send(a->conn);
        canh_store_agent_command_sent(s->st, v[i].id, now, NULL);
        BUMP(s, commands_sent);
    }
    canh_store_agent_cmds_free(v, n);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

static int bind_listener(canh_agent_server_t *s, canh_errbuf_t *eb)
{
    char host[256];
    unsigned port;
    if (canh_agent_split_addr(s->listen, host, sizeof host, &port) != CANH_OK)
        return canh_errf(eb, CANH_EINVAL, "agent listen address \"%s\": expected ADDR:PORT",
                         s->listen);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    int g = getaddrinfo(host[0] ? host : NULL, ps, &hints, &ai);
    if (g != 0 || !ai)
        return canh_errf(eb, CANH_EINVAL, "agent %s: %s", s->listen, gai_strerror(g));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    int rc = CANH_OK;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        rc = canh_errf(eb, CANH_EIO, "agent %s: %s", s->listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return rc;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    s->lev = evconnlistener_new(s->base, accept_cb, s,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
    if (!s->lev) {
        close(fd);
        return canh_errf(eb, CANH_ENOMEM, "agent %s: cannot listen", s->listen);
    }
    return CANH_OK;
}

int canh_agent_server_create(const canh_agent_server_opts_t *o, canh_queue_t *q,
                             canh_agent_server_t **out, canh_errbuf_t *eb)
{
    if (!o || !o->listen || !*o->listen || !o->data_dir || !q)
        return canh_errf(eb, CANH_EINVAL, "agent server: listen address and data dir needed");
    canh_agent_server_t *s = canh_calloc(1, sizeof *s);
    if (!s)
        return CANH_ENOMEM;
    s->o = *o;
    if (!s->o.max_agents)
        s->o.max_agents = 10000;
    if (!s->o.max_batch)
        s->o.max_batch = 4u << 20;
    if (!s->o.max_inflight)
        s->o.max_inflight = 4;
    if (s->o.idle_timeout_s <= 0)
        s->o.idle_timeout_s = 180;
    s->q = q;
    pthread_mutex_init(&s->names_mu, NULL);
    canh_buf_init(&s->out, CANH_AGENT_MAX_CONTROL + 4096);
    int rc = CANH_ENOMEM;
    int pfd[2] = {-1, -1};
    if (!(s->listen = canh_strdup(o->listen)) || !(s->data_dir = canh_strdup(o->data_dir)) ||
        (o->server_name && !(s->server_name = canh_strdup(o->server_name))))
        goto out;
    if (o->nextra_names) {
        if (!(s->extra = canh_calloc(o->nextra_names, sizeof *s->extra)))
            goto out;
        for (size_t i = 0; i < o->nextra_names; i++)
            if (!(s->extra[i] = canh_strdup(o->extra_names[i])))
                goto out;
    }
    s->o.listen = s->listen;
    s->o.data_dir = s->data_dir;
    s->o.server_name = s->server_name;
    s->o.extra_names = (const char *const *)s->extra;
    if ((rc = canh_agent_pki_load(s->data_dir, s->server_name, s->o.extra_names, s->o.nextra_names,
                                  &s->pki, eb)) != CANH_OK)
        goto out;
    if (!(s->ctx = canh_agent_server_ctx(&s->pki, eb))) {
        rc = CANH_EIO;
        goto out;
    }
    if ((rc = canh_store_open(s->data_dir, &s->st, eb)) != CANH_OK)
        goto out;
    rc = CANH_ENOMEM;
    if (!(s->hub = canh_calloc(1, sizeof *s->hub)))
        goto out;
    pthread_mutex_init(&s->hub->mu, NULL);
    atomic_init(&s->hub->refs, 1);
    s->hub->rfd = s->hub->wfd = -1;
    if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC) != 0) {
        rc = canh_errf(eb, CANH_EIO, "agent server: pipe: %s", strerror(errno));
        goto out;
    }
    s->hub->rfd = pfd[0];
    s->hub->wfd = pfd[1];
    if (!(s->base = event_base_new()))
        goto out;
    if (!(s->hub_ev = event_new(s->base, s->hub->rfd, EV_READ | EV_PERSIST, hub_cb, s)) ||
        !(s->tick = event_new(s->base, -1, EV_PERSIST, tick_cb, s)))
        goto out;
    struct timeval tv = {COMMAND_POLL_S, 0};
    event_add(s->hub_ev, NULL);
    event_add(s->tick, &tv);
    if ((rc = bind_listener(s, eb)) != CANH_OK)
        goto out;
    rc = CANH_OK;
out:
    if (rc) {
        canh_agent_server_destroy(s);
        return rc;
    }
    *out = s;
    return CANH_OK;
}

static void *loop_main(void *ud)
{
    canh_agent_server_t *s = ud;
    event_base_dispatch(s->base);
    return NULL;
}

int canh_agent_server_start(canh_agent_server_t *s, canh_errbuf_t *eb)
{
    if (s->started)
        return canh_errf(eb, CANH_EINVAL, "agent server already started");
    if (canh_queue_on_room(s->q, on_room, s->hub) == CANH_OK)
        s->room_registered = true;
    if (pthread_create(&s->thr, NULL, loop_main, s) != 0) {
        if (s->room_registered)
            canh_queue_off_room(s->q, on_room, s->hub);
        s->room_registered = false;
        return canh_errf(eb, CANH_EIO, "agent server: cannot start its thread");
    }
    s->started = true;
    return CANH_OK;
}

int canh_agent_server_port(const canh_agent_server_t *s)
{
    return s->port;
}

void canh_agent_server_stats(const canh_agent_server_t *s, canh_agent_server_stats_t *out)
{
    out->connected = atomic_load(&s->stats.connected);
    out->batches = atomic_load(&s->stats.batches);
    out->records = atomic_load(&s->stats.records);
    out->duplicates = atomic_load(&s->stats.duplicates);
    out->rejected_auth = atomic_load(&s->stats.rejected_auth);
    out->enrollments = atomic_load(&s->stats.enrollments);
    out->commands_sent = atomic_load(&s->stats.commands_sent);
    out->pauses = atomic_load(&s->stats.pauses);
    out->acks = atomic_load(&s->stats.acks);
    out->protocol_errors = atomic_load(&s->stats.protocol_errors);
    out->rewinds = atomic_load(&s->stats.rewinds);
}

void canh_agent_server_stop(canh_agent_server_t *s)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    if (s->started) {
        pthread_mutex_lock(&s->hub->mu);
        s->hub->stop = true;
        hub_kick(s->hub);
        pthread_mutex_unlock(&s->hub->mu);
        pthread_join(s->thr, NULL);
    }
    if (s->room_registered) {
        canh_queue_off_room(s->q, on_room, s->hub);
        s->room_registered = false;
    }
    if (s->lev) {
        evconnlistener_free(s->lev);
        s->lev = NULL;
    }
    while (s->conns)
        conn_free(s->conns);
    /* A batch half pushed is finished (the workers still run: the caller
     * stops the agent server before closing the queue), so the writer never
     * sees part of a batch stored and the rest lost. */
    for (size_t b = 0; b < NBUCKETS; b++)
        for (agent_st_t *a = s->buckets[b]; a; a = a->next) {
            for (; a->pushed < a->npend; a->pushed++)
                if (canh_queue_push(s->q, a->pend[a->pushed], 5000) != CANH_OK)
                    canh_inrec_free(a->pend[a->pushed]);
            canh_free(a->pend);
            a->pend = NULL;
            a->npend = a->pushed = 0;
        }
}

void canh_agent_server_destroy(canh_agent_server_t *s)
{
    if (!s)
        return;
    canh_agent_server_stop(s);
    if (s->hub) {
        /* Acks still in flight find the hub closed. */
        pthread_mutex_lock(&s->hub->mu);
        if (s->hub->wfd >= 0)
            close(s->hub->wfd);
        s->hub->wfd = -1;
        pthread_mutex_unlock(&s->hub->mu);
        hub_release(s->hub);
    }
    if (s->hub_ev)
        event_free(s->hub_ev);
    if (s->tick)
        event_free(s->tick);
    if (s->base)
        event_base_free(s->base);
    for (size_t b = 0; b < NBUCKETS; b++)
        for (agent_st_t *a = s->buckets[b], *next; a; a = next) {
            next = a->next;
            canh_free(a);
        }
    if (s->ctx)
        SSL_CTX_free(s->ctx);
    canh_agent_pki_fini(&s->pki);
    canh_store_close(s->st);
    for (size_t i = 0; s->extra && i < s->o.nextra_names; i++)
        canh_free(s->extra[i]);
    canh_free(s->extra);
    canh_free(s->listen);
    canh_free(s->data_dir);
    canh_free(s->server_name);
    canh_buf_fini(&s->out);
    pthread_mutex_destroy(&s->names_mu);
    canh_free(s);
}
