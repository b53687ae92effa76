/* Unit tests: the syslog listeners (canh/listen.h) on real sockets bound to
 * 127.0.0.1 port 0. Waits poll the listener's counters with a generous
 * deadline; nothing asserts on timing. */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "canh/error.h"
#include "canh/listen.h"
#include "canh/queue.h"

#define WAIT_MS 20000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- fixtures ------------------------------------------------------------------------ */

typedef struct env {
    canh_queue_t *q;
    canh_listener_t *l;
} env_t;

static void env_start(env_t *e, size_t cap, canh_listen_opts_t *o)
{
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_queue_create(cap, &e->q), CANH_OK);
    int rc = canh_listener_create(o, e->q, &e->l, &eb);
    if (rc)
        fail_msg("create: %s", eb.msg);
    assert_int_equal(canh_listener_start(e->l, &eb), CANH_OK);
}

static void drain_free(canh_queue_t *q)
{
    void *out[64];
    size_t k;
    while ((k = canh_queue_pop_many(q, out, 64, 0)) > 0)
        for (size_t i = 0; i < k; i++)
            canh_inrec_free(out[i]);
}

static void env_end(env_t *e)
{
    canh_listener_destroy(e->l);
    drain_free(e->q);
    canh_queue_destroy(e->q);
}

static canh_listen_stats_t stats(env_t *e)
{
    canh_listen_stats_t s;
    canh_listener_stats(e->l, &s);
    return s;
}

/* Counters are bumped just after the push, so a popped record can be
 * seen before it is counted: wait for the count. */
static void wait_received(env_t *e, canh_transport_t t, uint64_t n)
{
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(e).received[t] < n && now_ms() < dl)
        nap();
    assert_int_equal(stats(e).received[t], n);
}

/* Pops exactly n records (waiting up to WAIT_MS in all) into out. */
static void pop_n(canh_queue_t *q, canh_inrec_t **out, size_t n)
{
    size_t got = 0;
    int64_t dl = now_ms() + WAIT_MS;
    while (got < n) {
        int64_t left = dl - now_ms();
        if (left <= 0)
            fail_msg("only %zu of %zu records arrived", got, n);
        got += canh_queue_pop_many(q, (void **)out + got, n - got, (int)left);
    }
}

static void free_recs(canh_inrec_t **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        canh_inrec_free(r[i]);
}

static int connect_to(int port, int type)
{
    int fd = socket(AF_INET, type, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        assert_true(w > 0);
        c += w;
        n -= (size_t)w;
    }
}

static canh_listen_opts_t opts(void)
{
    canh_listen_opts_t o;
    canh_listen_opts_default(&o);
    return o;
}

/* ---- UDP ----------------------------------------------------------------------------- */

static void test_udp(void **state)
{
    canh_listen_opts_t o = opts();
    o.udp = "127.0.0.1:0";
    env_t e;
    env_start(&e, 1024, &o);
    int port = canh_listener_port(e.l, CANH_TRANSPORT_UDP);
    assert_true(port > 0);
    assert_int_equal(canh_listener_port(e.l, CANH_TRANSPORT_TCP), 0);
    int fd = connect_to(port, SOCK_DGRAM);
    char msg[64];
    for (int i = 0; i < 10; i++) {
        int m = snprintf(msg, sizeof msg, "<13>udp message %d%s", i, i % 2 ? "\n" : "");
        send_all(fd, msg, (size_t)m);
    }
    canh_inrec_t *r[10];
    pop_n(e.q, r, 10);
    for (int i = 0; i < 10; i++) {
        snprintf(msg, sizeof msg, "<13>udp message %d", i);
        assert_string_equal(r[i]->data, msg);
        assert_int_equal(r[i]->len, strlen(msg));
        assert_int_equal(r[i]->transport, CANH_TRANSPORT_UDP);
        assert_string_equal(r[i]->peer, "127.0.0.1");
        assert_true(r[i]->recv_ns > 1600000000LL * 1000000000LL);
        assert_int_equal(r[i]->flags, 0);
    }
    free_recs(r, 10);
    wait_received(&e, CANH_TRANSPORT_UDP, 10);
    canh_listen_stats_t s = stats(&e);
    assert_int_equal(s.udp_dropped_full, 0);
    close(fd);
    env_end(&e);
}

/* A full queue: datagrams are counted as dropped, never silently lost. */
static void test_udp_overflow(void **state)
{
    canh_listen_opts_t o = opts();
    o.udp = "127.0.0.1:0";
    env_t e;
    env_start(&e, 8, &o);
    int fd = connect_to(canh_listener_port(e.l, CANH_TRANSPORT_UDP), SOCK_DGRAM);
    const uint64_t sent = 200;
    for (uint64_t i = 0; i < sent; i++) {
        char msg[32];
        int m = snprintf(msg, sizeof msg, "<13>dgram %llu", (unsigned long long)i);
        send_all(fd, msg, (size_t)m);
    }
    int64_t dl = now_ms() + WAIT_MS;
    canh_listen_stats_t s;
    for (;;) {
        s = stats(&e);
        uint64_t seen = s.received[CANH_TRANSPORT_UDP] + s.udp_dropped_full + s.udp_dropped_kernel;
        if (seen >= sent)
            break;
        if (now_ms() > dl)
            fail_msg("accounted for %llu of %llu datagrams", (unsigned long long)seen,
                     (unsigned long long)sent);
        nap();
    }
    assert_int_equal(s.received[CANH_TRANSPORT_UDP], 8);
    assert_int_equal(s.received[CANH_TRANSPORT_UDP] + s.udp_dropped_full + s.udp_dropped_kernel,
                     sent);
    if (s.udp_dropped_kernel == 0)
        assert_int_equal(s.udp_dropped_full, sent - 8);
    assert_int_equal(canh_queue_depth(e.q), 8);
    /* The 8 queued ones are the first 8 sent. */
    canh_inrec_t *r[8];
    pop_n(e.q, r, 8);
    assert_string_equal(r[0]->data, "<13>dgram 0");
    assert_string_equal(r[7]->data, "<13>dgram 7");
    free_recs(r, 8);
    close(fd);
    env_end(&e);
}

/* ---- TCP ----------------------------------------------------------------------------- */

static void test_tcp_framings(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    env_t e;
    env_start(&e, 1024, &o);
    int port = canh_listener_port(e.l, CANH_TRANSPORT_TCP);
    assert_true(port > 0);

    /* LF framing with CRLF, then octet counting with an embedded LF. */
    int a = connect_to(port, SOCK_STREAM);
    const char lf[] = "<13>lf one\r\n<13>lf two\n";
    send_all(a, lf, sizeof lf - 1);
    canh_inrec_t *r[8];
    pop_n(e.q, r, 2);
    assert_string_equal(r[0]->data, "<13>lf one");
    assert_string_equal(r[1]->data, "<13>lf two");
    assert_int_equal(r[0]->transport, CANH_TRANSPORT_TCP);
    assert_string_equal(r[0]->peer, "127.0.0.1");
    free_recs(r, 2);

    int b = connect_to(port, SOCK_STREAM);
    const char oc[] = "15 <13>oc one\nmore11 <13>oc two\n";
    /* Split inside the length and inside the body. */
    send_all(b, oc, 1);
    send_all(b, oc + 1, 6);
    send_all(b, oc + 7, sizeof oc - 8);
    pop_n(e.q, r, 2);
    assert_string_equal(r[0]->data, "<13>oc one\nmore");
    assert_string_equal(r[1]->data, "<13>oc two");
    free_recs(r, 2);

    /* Garbage length falls back to LF; too long a line is cut. */
    const char bad[] = "2024-05-01T10:00:00Z host app: x\n";
    send_all(b, bad, sizeof bad - 1);
    pop_n(e.q, r, 1);
    assert_string_equal(r[0]->data, "2024-05-01T10:00:00Z host app: x");
    free_recs(r, 1);
    wait_received(&e, CANH_TRANSPORT_TCP, 5);
    canh_listen_stats_t s = stats(&e);
    assert_int_equal(s.framing_errors, 1);
    assert_int_equal(s.conns_open, 2);
    assert_int_equal(s.conns_total, 2);
    close(a);
    close(b);
    /* Closed connections are counted down. */
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(&e).conns_open != 0 && now_ms() < dl)
        nap();
    assert_int_equal(stats(&e).conns_open, 0);
    env_end(&e);
}

static void test_truncation(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    o.udp = "127.0.0.1:0";
    o.max_record = 16;
    env_t e;
    env_start(&e, 64, &o);
    int t = connect_to(canh_listener_port(e.l, CANH_TRANSPORT_TCP), SOCK_STREAM);
    const char lines[] = "0123456789abcdefXYZ\nshort\n";
    send_all(t, lines, sizeof lines - 1);
    canh_inrec_t *r[4];
    pop_n(e.q, r, 2);
    assert_string_equal(r[0]->data, "0123456789abcdef");
    assert_int_equal(r[0]->flags, CANH_INREC_TRUNCATED);
    assert_string_equal(r[1]->data, "short");
    assert_int_equal(r[1]->flags, 0);
    free_recs(r, 2);
    int u = connect_to(canh_listener_port(e.l, CANH_TRANSPORT_UDP), SOCK_DGRAM);
    send_all(u, "0123456789abcdefXYZ", 19);
    pop_n(e.q, r, 1);
    assert_string_equal(r[0]->data, "0123456789abcdef");
    assert_int_equal(r[0]->flags, CANH_INREC_TRUNCATED);
    free_recs(r, 1);
    wait_received(&e, CANH_TRANSPORT_UDP, 1);
    assert_int_equal(stats(&e).truncated, 2);
    close(t);
    close(u);
    env_end(&e);
}

/* Back-pressure: a queue of 8 and no consumer. Two senders' writes stall
 * (EAGAIN on their non-blocking sockets); once a consumer drains, every one
 * of each sender's 100,000 lines arrives, in that sender's order. */
#define BP_LINES 100000
#define BP_SENDERS 2

typedef struct sender {
    int port, id;
    atomic_bool saw_eagain;
    atomic_bool done;
    int error;
} sender_t;

static void *bp_sender(void *arg)
{
    sender_t *s = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int sb = 64 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char *buf = malloc(BP_LINES * 100 + 1);
    if (!buf || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        s->error = buf ? errno : ENOMEM;
        free(buf);
        close(fd);
        atomic_store(&s->done, true);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    size_t n = 0;
    for (int i = 0; i < BP_LINES; i++) {
        int m = snprintf(buf + n, 101, "<13>May  1 10:00:00 host app[%d]: line %06d %54s\n", s->id,
                         i, "x");
        n += (size_t)m;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            atomic_store(&s->saw_eagain, true);
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, WAIT_MS) <= 0) {
                s->error = ETIMEDOUT;
                break;
            }
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        s->error = errno;
        break;
    }
    free(buf);
    close(fd);
    atomic_store(&s->done, true);
    return NULL;
}

static void test_backpressure(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    env_t e;
    env_start(&e, 8, &o);
    sender_t s[BP_SENDERS];
    pthread_t t[BP_SENDERS];
    for (int i = 0; i < BP_SENDERS; i++) {
        s[i] = (sender_t){.port = canh_listener_port(e.l, CANH_TRANSPORT_TCP), .id = i + 1};
        atomic_init(&s[i].saw_eagain, false);
        atomic_init(&s[i].done, false);
        assert_int_equal(pthread_create(&t[i], NULL, bp_sender, &s[i]), 0);
    }
    int64_t dl = now_ms() + WAIT_MS;
    for (int i = 0; i < BP_SENDERS; i++) {
        while (!atomic_load(&s[i].saw_eagain) && !atomic_load(&s[i].done) && now_ms() < dl)
            nap();
        assert_true(atomic_load(&s[i].saw_eagain)); /* the sender was slowed down */
        assert_false(atomic_load(&s[i].done));
    }
    assert_int_equal(canh_queue_depth(e.q), 8);
    assert_true(stats(&e).pauses >= 1);

    /* Drain: exact count, each sender's lines in order. */
    void *out[64];
    int next[BP_SENDERS] = {0}, total = 0, bad = 0;
    dl = now_ms() + 4 * WAIT_MS;
    while (total < BP_SENDERS * BP_LINES && now_ms() < dl) {
        size_t k = canh_queue_pop_many(e.q, out, 64, 1000);
        for (size_t i = 0; i < k; i++) {
            canh_inrec_t *r = out[i];
            int id = 0, seq = -1;
            if (r->len != 99 ||
                sscanf(r->data, "<13>May  1 10:00:00 host app[%d]: line %d", &id, &seq) != 2 ||
                id < 1 || id > BP_SENDERS || seq != next[id - 1])
                bad++;
            else
                next[id - 1]++;
            total++;
            canh_inrec_free(r);
        }
    }
    for (int i = 0; i < BP_SENDERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].error, 0);
        assert_int_equal(next[i], BP_LINES);
    }
    assert_int_equal(bad, 0);
    assert_int_equal(total, BP_SENDERS * BP_LINES);
    assert_int_equal(canh_queue_pop_many(e.q, out, 64, 100), 0); /* nothing extra */
    wait_received(&e, CANH_TRANSPORT_TCP, BP_SENDERS * BP_LINES);
    assert_int_equal(stats(&e).lost, 0);
    env_end(&e);
}

static void test_conn_limit(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    o.max_conns = 2;
    env_t e;
    env_start(&e, 64, &o);
    int port = canh_listener_port(e.l, CANH_TRANSPORT_TCP);
    int a = connect_to(port, SOCK_STREAM), b = connect_to(port, SOCK_STREAM);
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(&e).conns_open < 2 && now_ms() < dl)
        nap();
    int c = connect_to(port, SOCK_STREAM);
    while (stats(&e).conns_refused < 1 && now_ms() < dl)
        nap();
    canh_listen_stats_t s = stats(&e);
    assert_int_equal(s.conns_refused, 1);
    assert_int_equal(s.conns_open, 2);
    assert_int_equal(s.conns_total, 2);
    /* The refused connection is closed by the listener. */
    char ch;
    struct pollfd p = {c, POLLIN, 0};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_true(recv(c, &ch, 1, 0) <= 0);
    close(a);
    close(b);
    close(c);
    env_end(&e);
}

/* Idle timeout closes the connection and its last line still arrives. */
static void test_idle_timeout(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    o.idle_timeout_s = 1;
    env_t e;
    env_start(&e, 64, &o);
    int a = connect_to(canh_listener_port(e.l, CANH_TRANSPORT_TCP), SOCK_STREAM);
    send_all(a, "<13>no newline", 14);
    canh_inrec_t *r[1];
    pop_n(e.q, r, 1);
    assert_string_equal(r[0]->data, "<13>no newline");
    free_recs(r, 1);
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(&e).conns_open != 0 && now_ms() < dl)
        nap();
    assert_int_equal(stats(&e).conns_open, 0);
    close(a);
    env_end(&e);
}

/* stop() frames what was read, the partial last line included, and waits
 * for room for it. */
typedef struct drainer {
    canh_queue_t *q;
    int n, bad;
    char last[64];
} drainer_t;

static void *drain_thread(void *arg)
{
    drainer_t *d = arg;
    void *out[16];
    size_t k;
    while ((k = canh_queue_pop_many(d->q, out, 16, -1)) > 0) {
        for (size_t i = 0; i < k; i++) {
            canh_inrec_t *r = out[i];
            char want[32];
            snprintf(want, sizeof want, "l%04d", d->n);
            if (d->n < 1000 && strcmp(r->data, want) != 0) {
                if (!d->bad)
                    fprintf(stderr, "record %d is \"%s\"\n", d->n, r->data);
                d->bad++;
            }
            snprintf(d->last, sizeof d->last, "%s", r->data);
            d->n++;
            canh_inrec_free(r);
        }
    }
    return NULL;
}

static void test_stop_flushes(void **state)
{
    canh_listen_opts_t o = opts();
    o.tcp = "127.0.0.1:0";
    env_t e;
    env_start(&e, 2, &o);
    int a = connect_to(canh_listener_port(e.l, CANH_TRANSPORT_TCP), SOCK_STREAM);
    char buf[8000];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)sprintf(buf + n, "l%04d\n", i);
    n += (size_t)sprintf(buf + n, "tail");
    send_all(a, buf, n);
    /* The queue (2) fills and the connection pauses; once the sender's
     * queue is empty, every byte sent was acknowledged by the listener's
     * kernel, so it is the listener's to deliver. */
    int64_t dl = now_ms() + WAIT_MS;
    int outq = 1;
    while ((stats(&e).pauses < 1 || outq > 0) && now_ms() < dl) {
        assert_int_equal(ioctl(a, SIOCOUTQ, &outq), 0);
        nap();
    }
    assert_true(stats(&e).pauses >= 1);
    assert_int_equal(outq, 0);
    drainer_t d = {.q = e.q};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drain_thread, &d), 0);
    canh_listener_stop(e.l);
    canh_queue_close(e.q);
    pthread_join(t, NULL);
    assert_int_equal(d.bad, 0);
    assert_int_equal(d.n, 1001);
    assert_string_equal(d.last, "tail");
    canh_listen_stats_t s = stats(&e);
    assert_int_equal(s.received[CANH_TRANSPORT_TCP], 1001);
    assert_int_equal(s.lost, 0);
    assert_int_equal(s.conns_open, 0);
    canh_listener_stop(e.l); /* idempotent */
    close(a);
    env_end(&e);
}

static void test_bind_errors(void **state)
{
    canh_errbuf_t eb = {{0}};
    canh_queue_t *q;
    canh_listener_t *l, *l2;
    assert_int_equal(canh_queue_create(8, &q), CANH_OK);
    canh_listen_opts_t o = opts();
    assert_int_equal(canh_listener_create(&o, q, &l, &eb), CANH_EINVAL);
    o.tcp = "no-port";
    assert_int_equal(canh_listener_create(&o, q, &l, &eb), CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "tcp no-port"));
    o.tcp = "::1:514";
    assert_int_equal(canh_listener_create(&o, q, &l, &eb), CANH_EINVAL);
    o.tcp = "127.0.0.1:0";
    assert_int_equal(canh_listener_create(&o, q, &l, &eb), CANH_OK);
    char spec[64];
    snprintf(spec, sizeof spec, "127.0.0.1:%d", canh_listener_port(l, CANH_TRANSPORT_TCP));
    o.tcp = spec;
    assert_int_equal(canh_listener_create(&o, q, &l2, &eb), CANH_EIO);
    char want[96];
    snprintf(want, sizeof want, "tcp %s: Address already in use", spec);
    assert_string_equal(eb.msg, want);
    /* TLS without a certificate. */
    o.tcp = NULL;
    o.tls = "127.0.0.1:0";
    assert_int_equal(canh_listener_create(&o, q, &l2, &eb), CANH_EINVAL);
    o.tls_cert = "/nonexistent/cert.pem";
    o.tls_key = "/nonexistent/key.pem";
    assert_int_equal(canh_listener_create(&o, q, &l2, &eb), CANH_EIO);
    assert_non_null(strstr(eb.msg, "tls_cert /nonexistent/cert.pem"));
    /* Never started: destroy alone is enough. */
    canh_listener_destroy(l);
    canh_queue_destroy(q);
}

/* ---- TLS ----------------------------------------------------------------------------- */

static char tmpdir[64], cert_path[128], key_path[128];

/* A self-signed certificate for CN=localhost, IP 127.0.0.1. */
static void make_cert(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/canh-listen-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", tmpdir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", tmpdir);
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    assert_non_null(pk);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pk);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    FILE *f = fopen(cert_path, "w");
    assert_non_null(f);
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key_path, "w");
    assert_non_null(f);
    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pk);
}

static void rm_cert(void)
{
    unlink(cert_path);
    unlink(key_path);
    rmdir(tmpdir);
}

/* Connects, optionally with our certificate, and sends data over TLS.
 * Returns 0 when the session was up and the data written. */
static int tls_send(int port, bool with_cert, const char *data, size_t n)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert_path, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (with_cert) {
        assert_int_equal(SSL_CTX_use_certificate_file(ctx, cert_path, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM), 1);
    }
    int fd = connect_to(port, SOCK_STREAM);
    struct timeval tv = {1, 0}; /* the read below ends by this timeout when all is well */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    int rc = -1;
    if (SSL_connect(ssl) == 1 && SSL_write(ssl, data, (int)n) == (int)n) {
        rc = 0;
        /* TLS 1.3: a refused client certificate shows up on the next read. */
        char c;
        if (SSL_read(ssl, &c, 1) <= 0 && SSL_get_error(ssl, -1) == SSL_ERROR_SSL)
            rc = -1;
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return rc;
}

static void test_tls(void **state)
{
    make_cert();
    canh_listen_opts_t o = opts();
    o.tls = "127.0.0.1:0";
    o.tls_cert = cert_path;
    o.tls_key = key_path;
    env_t e;
    env_start(&e, 64, &o);
    int port = canh_listener_port(e.l, CANH_TRANSPORT_TLS);
    assert_true(port > 0);
    /* The client closes after a shutdown-less exit: the records still count. */
    const char data[] = "<13>tls one\n11 <13>tls\ntwo<13>tls last";
    int fd = connect_to(port, SOCK_STREAM);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, cert_path, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    assert_int_equal(SSL_connect(ssl), 1);
    assert_int_equal(SSL_write(ssl, data, sizeof data - 1), (int)sizeof data - 1);
    canh_inrec_t *r[3];
    pop_n(e.q, r, 2);
    assert_string_equal(r[0]->data, "<13>tls one");
    assert_string_equal(r[1]->data, "<13>tls\ntwo");
    assert_int_equal(r[0]->transport, CANH_TRANSPORT_TLS);
    assert_string_equal(r[0]->peer, "127.0.0.1");
    free_recs(r, 2);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    pop_n(e.q, r, 1); /* the last line arrives when the connection ends */
    assert_string_equal(r[0]->data, "<13>tls last");
    free_recs(r, 1);
    wait_received(&e, CANH_TRANSPORT_TLS, 3);
    canh_listen_stats_t s = stats(&e);
    assert_int_equal(s.tls_handshake_failed, 0);

    /* Plain TCP to the TLS port: a failed handshake, counted. */
    fd = connect_to(port, SOCK_STREAM);
    send_all(fd, "<13>plain\n", 10);
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(&e).tls_handshake_failed < 1 && now_ms() < dl)
        nap();
    assert_int_equal(stats(&e).tls_handshake_failed, 1);
    close(fd);
    env_end(&e);
    rm_cert();
}

static void test_tls_client_cert(void **state)
{
    make_cert();
    canh_listen_opts_t o = opts();
    o.tls = "127.0.0.1:0";
    o.tls_cert = cert_path;
    o.tls_key = key_path;
    o.tls_ca = cert_path;
    env_t e;
    env_start(&e, 64, &o);
    int port = canh_listener_port(e.l, CANH_TRANSPORT_TLS);
    assert_int_equal(tls_send(port, true, "<13>with cert\n", 14), 0);
    canh_inrec_t *r[1];
    pop_n(e.q, r, 1);
    assert_string_equal(r[0]->data, "<13>with cert");
    free_recs(r, 1);
    assert_int_equal(tls_send(port, false, "<13>without\n", 12), -1);
    int64_t dl = now_ms() + WAIT_MS;
    while (stats(&e).tls_handshake_failed < 1 && now_ms() < dl)
        nap();
    wait_received(&e, CANH_TRANSPORT_TLS, 1);
    assert_int_equal(stats(&e).tls_handshake_failed, 1);
    env_end(&e);
    rm_cert();
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_udp_overflow),
        cmocka_unit_test(test_tcp_framings),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_conn_limit),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_stop_flushes),
        cmocka_unit_test(test_bind_errors),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_tls_client_cert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
