/* agent_uplink.c - the agent's side of the channel: connect, HELLO, send
 * the spool's unacknowledged batches in order with a window, take ACKs,
 * COMMANDs and re-keys, reconnect with backoff.
 *
 * Every connection starts again from the oldest unacknowledged batch: what
 * the manager already has it acknowledges at once (the stored mark), what
 * is still in its pipeline it acknowledges when stored. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "agent_int.h"
#include "canh/mem.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define PING_S 30
#define READ_TIMEOUT_S 95
#define MAX_RESULTS 64

enum ustate { U_IDLE, U_CONNECTING, U_HELLO, U_READY, U_REKEY };

typedef struct result {
    int64_t id;
    bool ok;
    char *json;
} result_t;

struct canh_uplink {
    struct event_base *base;
    char *data_dir, *manager;
    unsigned window;
    canh_spool_t *sp;
    canh_uplink_cb_t cb;
    canh_logger_t *log;
    struct bufferevent *bev;
    SSL_CTX *ctx;
    struct event *retry, *ping;
    enum ustate state;
    unsigned backoff_ms;
    uint64_t last_sent; /* highest seq sent on this connection */
    uint64_t hello_epoch;
    EVP_PKEY *rekey_key; /* the key of a re-key in progress */
    result_t results[MAX_RESULTS];
    size_t nresults;
    canh_buf_t frame, payload;
    canh_uplink_stats_t st;
    bool refused_logged;
};

#define LOG(u, lvl, ...)                                                                           \
    do {                                                                                           \
        if ((u)->log)                                                                              \
            canh_log((u)->log, (lvl), __VA_ARGS__);                                                \
    } while (0)

static void schedule_retry(canh_uplink_t *u, unsigned ms);

static void drop_connection(canh_uplink_t *u, unsigned retry_ms)
{
    if (u->bev) {
        bufferevent_free(u->bev);
        u->bev = NULL;
    }
    if (u->ctx) {
        SSL_CTX_free(u->ctx);
        u->ctx = NULL;
    }
    EVP_PKEY_free(u->rekey_key);
    u->rekey_key = NULL;
    evtimer_del(u->ping);
    u->st.connected = false;
    u->state = U_IDLE;
    schedule_retry(u, retry_ms);
}

/* Backoff with jitter; the delay doubles up to the maximum. */
static void failed(canh_uplink_t *u)
{
    unsigned base = u->backoff_ms ? u->backoff_ms : BACKOFF_MIN_MS;
    unsigned jitter = 0;
    RAND_bytes((unsigned char *)&jitter, sizeof jitter);
    unsigned ms = base + jitter % (base / 4 + 1);
    u->backoff_ms = base * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : base * 2;
    drop_connection(u, ms);
}

static void send_frame(canh_uplink_t *u)
{
    if (u->bev && u->frame.len)
        bufferevent_write(u->bev, u->frame.data, u->frame.len);
    canh_buf_reset(&u->frame);
}

/* Sends batches while the window has room. */
static void pump(canh_uplink_t *u)
{
    if (u->state != U_READY || !u->bev)
        return;
    while (canh_spool_unacked_upto(u->sp, u->last_sent) < u->window) {
        canh_spool_batch_t b;
        if (canh_spool_next(u->sp, u->last_sent, &b) != CANH_OK)
            return;
        canh_errbuf_t eb = {{0}};
        int rc = canh_spool_read(u->sp, b.seq, &u->payload, &eb);
        if (rc) {
            LOG(u, CANH_LOG_ERROR, "spool: %s", eb.msg);
            return;
        }
        uint8_t hdr[CANH_AGENT_FRAME_HDR];
        canh_agent_batch_frame_hdr(hdr, u->payload.len);
        bufferevent_write(u->bev, hdr, sizeof hdr);
        bufferevent_write(u->bev, u->payload.data, u->payload.len);
        u->last_sent = b.seq;
        u->st.sent++;
    }
}

static void send_results(canh_uplink_t *u)
{
    for (size_t i = 0; i < u->nresults; i++) {
        result_t *r = &u->results[i];
        if (canh_agent_put_result(&u->frame, r->id, r->ok, r->json, strlen(r->json)) == CANH_OK)
            send_frame(u);
        canh_free(r->json);
    }
    u->nresults = 0;
}

static void start_rekey(canh_uplink_t *u)
{
    canh_errbuf_t eb = {{0}};
    canh_buf_t csr;
    canh_buf_init(&csr, 64 * 1024);
    u->rekey_key = canh_agent_key_new();
    if (!u->rekey_key || canh_agent_csr_pem(u->rekey_key, "canh-agent", &csr, &eb) != CANH_OK ||
        canh_agent_put_rekey(&u->frame, csr.data) != CANH_OK) {
        LOG(u, CANH_LOG_ERROR, "re-key: %s", eb.msg[0] ? eb.msg : "cannot make a key");
        canh_buf_fini(&csr);
        EVP_PKEY_free(u->rekey_key);
        u->rekey_key = NULL;
        u->state = U_READY;
        return;
    }
    canh_buf_fini(&csr);
    send_frame(u);
    u->state = U_REKEY;
}

static void on_rekeyed(canh_uplink_t *u, const canh_agent_msg_t *m)
{
    canh_errbuf_t eb = {{0}};
    char cafile[4200];
    canh_agent_cred_paths(u->data_dir, NULL, NULL, cafile, sizeof cafile);
    X509 *cert = canh_agent_cert_parse(m->u.enrolled.cert.p, m->u.enrolled.cert.n);
    X509 *ca = canh_agent_cert_parse(m->u.enrolled.ca.p, m->u.enrolled.ca.n);
    canh_buf_t key;
    canh_buf_init(&key, 64 * 1024);
    bool ok = cert && ca && X509_check_private_key(cert, u->rekey_key) == 1 &&
              X509_verify(cert, X509_get0_pubkey(ca)) == 1 &&
              canh_agent_pem_key(u->rekey_key, &key) == CANH_OK &&
              canh_agent_cred_save(u->data_dir, key.data, key.len, m->u.enrolled.cert.p,
                                   m->u.enrolled.cert.n, m->u.enrolled.ca.p, m->u.enrolled.ca.n,
                                   &eb) == CANH_OK;
    ERR_clear_error();
    X509_free(cert);
    X509_free(ca);
    if (key.data)
        OPENSSL_cleanse(key.data, key.len);
    canh_buf_fini(&key);
    if (!ok) {
        LOG(u, CANH_LOG_ERROR, "re-key: the new credential cannot be used: %s",
            eb.msg[0] ? eb.msg : "does not match");
        failed(u);
        return;
    }
    u->st.rekeys++;
    LOG(u, CANH_LOG_INFO, "credential re-keyed");
    /* Reconnect at once with the new credential. */
    u->backoff_ms = 0;
    drop_connection(u, 0);
}

static void on_welcome(canh_uplink_t *u, const canh_agent_msg_t *m)
{
    canh_errbuf_t eb = {{0}};
    /* Batches of the HELLO's epoch up to the stored mark are in the store
     * already (their ACK was lost). */
    if (m->u.welcome.stored)
        canh_spool_ack_upto(u->sp, u->hello_epoch, m->u.welcome.stored, &eb);
    if (m->u.welcome.flags & CANH_AGENT_WELCOME_REWIND) {
        canh_spool_new_epoch(u->sp);
        u->st.rewinds++;
        LOG(u, CANH_LOG_WARN,
            "the manager has more of this agent than its spool remembers "
            "(restored snapshot?): new epoch");
    }
    u->state = U_READY;
    u->backoff_ms = 0;
    u->refused_logged = false;
    u->st.connected = true;
    u->st.connects++;
    struct timeval tv = {PING_S, 0};
    evtimer_add(u->ping, &tv);
    if (u->cb.acked)
        u->cb.acked(u->cb.ud);
    send_results(u);
    if (m->u.welcome.flags & CANH_AGENT_WELCOME_REKEY)
        start_rekey(u);
    else
        pump(u);
}

/* One frame; false when the connection was dropped. */
static bool on_frame(canh_uplink_t *u, uint8_t type, const uint8_t *p, size_t n)
{
    canh_agent_msg_t m;
    if (canh_agent_msg_parse(type, p, n, &m) != CANH_OK) {
        LOG(u, CANH_LOG_WARN, "manager sent a malformed %s", canh_agent_msg_name(type));
        failed(u);
        return false;
    }
    canh_errbuf_t eb = {{0}};
    switch (type) {
    case CANH_AGENT_WELCOME:
        if (u->state != U_HELLO)
            break;
        on_welcome(u, &m);
        return u->bev != NULL;
    case CANH_AGENT_ACK: {
        bool known = false;
        if (canh_spool_ack(u->sp, m.u.ack.epoch, m.u.ack.seq, &known, &eb) != CANH_OK)
            LOG(u, CANH_LOG_ERROR, "spool: %s", eb.msg);
        if (known) {
            u->st.acked++;
            u->st.last_ack = (int64_t)time(NULL);
            if (u->cb.acked)
                u->cb.acked(u->cb.ud);
        }
        pump(u);
        return true;
    }
    case CANH_AGENT_COMMAND:
        if (u->cb.command)
            u->cb.command(u->cb.ud, m.u.command.id, m.u.command.kind.p, m.u.command.kind.n,
                          m.u.command.args.p, m.u.command.args.n);
        return true;
    case CANH_AGENT_PING:
        if (canh_agent_put_ping(&u->frame, CANH_AGENT_PONG, m.u.ping.nonce) == CANH_OK)
            send_frame(u);
        return true;
    case CANH_AGENT_PONG: return true;
    case CANH_AGENT_ENROLLED:
        if (u->state != U_REKEY)
            break;
        on_rekeyed(u, &m);
        return false;
    case CANH_AGENT_ERROR:
        u->st.refused++;
        if (!u->refused_logged)
            LOG(u, CANH_LOG_ERROR, "manager %s refused us: %.*s", u->manager,
                (int)m.u.error.message.n, m.u.error.message.p ? m.u.error.message.p : "");
        u->refused_logged = true;
        failed(u);
        return false;
    default: break;
    }
    LOG(u, CANH_LOG_WARN, "manager sent an unexpected %s", canh_agent_msg_name(type));
    failed(u);
    return false;
}

static void read_cb(struct bufferevent *bev, void *ud)
{
    canh_uplink_t *u = ud;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t hdr[CANH_AGENT_FRAME_HDR];
        size_t have = evbuffer_get_length(in);
        if (have < sizeof hdr)
            return;
        evbuffer_copyout(in, hdr, sizeof hdr);
        size_t claim = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
        uint8_t type;
        size_t plen, flen;
        if (canh_agent_frame_peek(hdr, sizeof hdr + (claim ? claim - 1 : 0), CANH_AGENT_MAX_CONTROL,
                                  &type, &plen, &flen) != CANH_OK) {
            LOG(u, CANH_LOG_WARN, "manager sent a bad frame");
            failed(u);
            return;
        }
        if (have < flen)
            return;
        const uint8_t *p = evbuffer_pullup(in, (ssize_t)flen);
        if (!p) {
            failed(u);
            return;
        }
        /* Copy out: handlers may free the connection. */
        canh_buf_t tmp;
        canh_buf_init(&tmp, flen + 1);
        if (canh_buf_append(&tmp, p + CANH_AGENT_FRAME_HDR, plen) != CANH_OK) {
            canh_buf_fini(&tmp);
            failed(u);
            return;
        }
        evbuffer_drain(in, flen);
        bool alive = on_frame(u, type, (const uint8_t *)tmp.data, plen);
        canh_buf_fini(&tmp);
        if (!alive || !u->bev)
            return;
    }
}

static void event_cb(struct bufferevent *bev, short what, void *ud)
{
    (void)bev;
    canh_uplink_t *u = ud;
    if (what & BEV_EVENT_CONNECTED) {
        canh_spool_stats_t ss;
        canh_spool_stats(u->sp, &ss);
        u->hello_epoch = canh_spool_epoch(u->sp);
        u->last_sent = 0;
        if (canh_agent_put_hello(&u->frame, u->hello_epoch, ss.next_seq, canh_spool_acked(u->sp),
                                 canh_spool_oldest_epoch(u->sp), AGENT_SOFTWARE) == CANH_OK)
            send_frame(u);
        u->state = U_HELLO;
        return;
    }
    unsigned long e = bufferevent_get_openssl_error(u->bev);
    char buf[200] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    if (u->state == U_READY || u->state == U_REKEY)
        LOG(u, CANH_LOG_WARN, "manager %s: connection lost%s%s", u->manager, buf[0] ? ": " : "",
            buf);
    else
        LOG(u, CANH_LOG_DEBUG, "manager %s: cannot connect%s%s", u->manager, buf[0] ? ": " : "",
            buf);
    failed(u);
}

static void connect_now(canh_uplink_t *u)
{
    char key[4200], cert[4200], ca[4200], host[256];
    unsigned port;
    canh_errbuf_t eb = {{0}};
    canh_agent_cred_paths(u->data_dir, key, cert, ca, sizeof key);
    canh_agent_cred_recover(u->data_dir, NULL);
    if (canh_agent_split_addr(u->manager, host, sizeof host, &port) != CANH_OK) {
        LOG(u, CANH_LOG_ERROR, "manager \"%s\": expected HOST:PORT", u->manager);
        failed(u);
        return;
    }
    if (!(u->ctx = canh_agent_client_ctx(key, cert, ca, &eb))) {
        LOG(u, CANH_LOG_ERROR, "%s", eb.msg);
        failed(u);
        return;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai) {
        LOG(u, CANH_LOG_DEBUG, "manager %s: cannot resolve", u->manager);
        failed(u);
        return;
    }
    SSL *ssl = SSL_new(u->ctx);
    if (ssl && !canh_str_is_ip(canh_str_c(host)))
        SSL_set_tlsext_host_name(ssl, host);
    u->bev = ssl ? bufferevent_openssl_socket_new(u->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                  BEV_OPT_CLOSE_ON_FREE)
                 : NULL;
    if (!u->bev) {
        SSL_free(ssl);
        freeaddrinfo(ai);
        failed(u);
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(u->bev, 1);
    bufferevent_setcb(u->bev, read_cb, NULL, event_cb, u);
    struct timeval tv = {READ_TIMEOUT_S, 0};
    bufferevent_set_timeouts(u->bev, &tv, &tv);
    bufferevent_enable(u->bev, EV_READ | EV_WRITE);
    u->state = U_CONNECTING;
    int rc = bufferevent_socket_connect(u->bev, ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (rc != 0)
        failed(u);
}

static void retry_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    canh_uplink_t *u = ud;
    if (u->state == U_IDLE)
        connect_now(u);
}

static void ping_cb(evutil_socket_t fd, short what, void *ud)
{
    (void)fd;
    (void)what;
    canh_uplink_t *u = ud;
    if (u->state != U_READY && u->state != U_REKEY)
        return;
    if (canh_agent_put_ping(&u->frame, CANH_AGENT_PING, (uint64_t)time(NULL)) == CANH_OK)
        send_frame(u);
    struct timeval tv = {PING_S, 0};
    evtimer_add(u->ping, &tv);
}

static void schedule_retry(canh_uplink_t *u, unsigned ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(u->retry, &tv);
}

int canh_uplink_create(struct event_base *base, const char *data_dir, const char *manager,
                       unsigned window, canh_spool_t *sp, const canh_uplink_cb_t *cb,
                       canh_logger_t *log, canh_uplink_t **out, canh_errbuf_t *eb)
{
    canh_uplink_t *u = canh_calloc(1, sizeof *u);
    if (!u)
        return CANH_ENOMEM;
    u->base = base;
    u->window = window ? window : 8;
    u->sp = sp;
    if (cb)
        u->cb = *cb;
    u->log = log;
    canh_buf_init(&u->frame, CANH_AGENT_MAX_CONTROL + 64);
    canh_buf_init(&u->payload, 64u << 20);
    if (!(u->data_dir = canh_strdup(data_dir)) || !(u->manager = canh_strdup(manager)) ||
        !(u->retry = evtimer_new(base, retry_cb, u)) ||
        !(u->ping = evtimer_new(base, ping_cb, u))) {
        canh_uplink_destroy(u);
        return canh_errf(eb, CANH_ENOMEM, "uplink: out of memory");
    }
    schedule_retry(u, 0);
    *out = u;
    return CANH_OK;
}

void canh_uplink_destroy(canh_uplink_t *u)
{
    if (!u)
        return;
    if (u->bev)
        bufferevent_free(u->bev);
    if (u->ctx)
        SSL_CTX_free(u->ctx);
    EVP_PKEY_free(u->rekey_key);
    if (u->retry)
        event_free(u->retry);
    if (u->ping)
        event_free(u->ping);
    for (size_t i = 0; i < u->nresults; i++)
        canh_free(u->results[i].json);
    canh_buf_fini(&u->frame);
    canh_buf_fini(&u->payload);
    canh_free(u->data_dir);
    canh_free(u->manager);
    canh_free(u);
}

void canh_uplink_kick(canh_uplink_t *u)
{
    pump(u);
}

void canh_uplink_result(canh_uplink_t *u, int64_t id, bool ok, const char *json)
{
    if (u->state == U_READY && u->bev) {
        if (canh_agent_put_result(&u->frame, id, ok, json, strlen(json)) == CANH_OK)
            send_frame(u);
        return;
    }
    /* Kept for the next connection; past the limit the manager sends the
     * command again after a reconnect. */
    if (u->nresults < MAX_RESULTS) {
        char *j = canh_strdup(json);
        if (j)
            u->results[u->nresults++] = (result_t){id, ok, j};
    }
}

void canh_uplink_stats(const canh_uplink_t *u, canh_uplink_stats_t *out)
{
    *out = u->st;
}
