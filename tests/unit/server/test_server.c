/* Unit tests: the server in-process. A TCP listener on a loopback port the
 * system picks, records through the workers into the store; agent-style
 * records with acks pushed into the input queue, checking that every ack
 * fires after its rows are committed and that the highest complete
 * sequence is recorded; reload while records flow; clean shutdown drains.
 * No timing assertions: waits are bounded polls of the counters. */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "canh/server.h"

#define PACK CANH_FIXTURES "/../../rules/canh"

static char dir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/canh-srv-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void load(canh_settings_t *s, const char *yaml)
{
    canh_errbuf_t eb = {{0}};
    memset(s, 0, sizeof *s);
    assert_int_equal(canh_config_defaults(canh_settings_keys, canh_settings_nkeys, s, &eb),
                     CANH_OK);
    if (canh_config_load_mem(canh_settings_keys, canh_settings_nkeys, s, "t.yml", yaml,
                             strlen(yaml), &eb) != CANH_OK)
        fail_msg("%s", eb.msg);
}

static canh_server_t *start(const canh_settings_t *set, FILE *log)
{
    canh_server_opts_t o = {.settings = set, .data_dir = dir, .log = log, .version = "test"};
    canh_errbuf_t eb = {{0}};
    canh_server_t *s = NULL;
    if (canh_server_create(&o, &s, &eb) != CANH_OK || canh_server_start(s, &eb) != CANH_OK)
        fail_msg("%s", eb.msg);
    return s;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint64_t wait_stored(canh_server_t *s, uint64_t want)
{
    canh_server_counts_t c = {0};
    for (int i = 0; i < 600; i++) {
        canh_server_counts(s, &c);
        if (c.stored >= want)
            break;
        nap_ms(50);
    }
    return c.stored;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

static uint64_t db_count(const char *what)
{
    canh_store_t *st;
    canh_errbuf_t eb;
    uint64_t n = 0;
    assert_int_equal(canh_store_open(dir, &st, &eb), CANH_OK);
    if (!strcmp(what, "events"))
        assert_int_equal(canh_store_events_count(st, &n, &eb), CANH_OK);
    else
        assert_int_equal(canh_store_alerts_count(st, &n, &eb), CANH_OK);
    canh_store_close(st);
    return n;
}

/* TCP in both framings, detection, metrics text, status JSON. */
static void test_tcp_to_store(void **state)
{
    (void)state;
    make_dir();
    canh_settings_t set;
    load(&set, "server: {syslog: {tcp: \"127.0.0.1:0\"}, metrics: \"127.0.0.1:0\", workers: 2,"
               " user: \"\"}\n"
               "detect: {rules: [\"" PACK "\"]}\n"
               "time.zone: UTC\n");
    FILE *log = tmpfile();
    canh_server_t *s = start(&set, log);
    int port = canh_server_port(s, "tcp");
    assert_true(port > 0);
    assert_true(canh_server_port(s, "metrics") > 0);
    assert_int_equal(canh_server_port(s, "udp"), 0);
    int fd = tcp_connect(port);
    char line[256];
    for (int i = 0; i < 500; i++) {
        int n = snprintf(line, sizeof line,
                         "<38>Nov 21 02:00:%02d bastion sshd[%d]: Invalid user u%d from "
                         "45.135.232.%d port 40922\n",
                         i % 60, 1000 + i, i, i % 250 + 1);
        send_all(fd, line, (size_t)n);
    }
    /* octet counting (RFC 6587 3.4.1) */
    for (int i = 0; i < 500; i++) {
        char msg[200];
        int m = snprintf(msg, sizeof msg, "<14>Nov 21 03:00:00 app1 myapp: message %d", i);
        int n = snprintf(line, sizeof line, "%d %s", m, msg);
        send_all(fd, line, (size_t)n);
    }
    close(fd);
    assert_int_equal(wait_stored(s, 1000), 1000);
    canh_server_counts_t c;
    canh_server_counts(s, &c);
    assert_int_equal(c.received, 1000);
    assert_int_equal(c.decoded, 1000);
    assert_int_equal(c.alerts, 500); /* one "invalid user" alert per sshd line */

    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    assert_int_equal(canh_server_metrics_text(s, &b), CANH_OK);
    assert_non_null(strstr(b.data, "canh_received_total{transport=\"tcp\"} 1000\n"));
    assert_non_null(strstr(b.data, "canh_stored_total 1000\n"));
    assert_non_null(strstr(b.data, "canh_alerts_total{level=\"low\"} 500\n"));
    assert_non_null(strstr(b.data, "canh_dropped_total{cause=\"udp_queue_full\"} 0\n"));
    assert_non_null(strstr(b.data, "canh_store_batch_seconds_count "));
    canh_buf_reset(&b);
    assert_int_equal(canh_server_status_json(s, &b), CANH_OK);
    assert_non_null(strstr(b.data, "\"decoded\":1000"));
    canh_buf_fini(&b);

    /* server.json while running, gone after stop */
    char path[128];
    snprintf(path, sizeof path, "%s/server.json", dir);
    assert_int_equal(access(path, F_OK), 0);
    canh_server_destroy(s);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(db_count("events"), 1000);
    /* alerts are stored once the writer has committed them (all of them at
     * the latest by the clean stop) */
    assert_int_equal(db_count("alerts"), 500);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    fclose(log);
    remove_dir();
}

/* ---- acks ---------------------------------------------------------------------------------- */

typedef struct acks {
    pthread_mutex_t mu;
    int fired;
    uint64_t seqs[16];
    uint64_t stored_at_fire[16]; /* events committed when the ack fired */
    int wrong_agent;
    canh_server_t *srv;
} acks_t;

static void on_ack(void *ud, int64_t agent, uint64_t seq)
{
    acks_t *a = ud;
    canh_server_counts_t c;
    canh_server_counts(a->srv, &c);
    pthread_mutex_lock(&a->mu);
    if (a->fired < 16) {
        a->seqs[a->fired] = seq;
        a->stored_at_fire[a->fired] = c.stored;
    }
    a->fired++;
    if (agent != 7)
        a->wrong_agent++;
    pthread_mutex_unlock(&a->mu);
}

static void test_agent_acks(void **state)
{
    (void)state;
    make_dir();
    canh_settings_t set;
    load(&set, "server: {metrics: \"\", workers: 3, batch_rows: 100, user: \"\"}\n");
    FILE *log = tmpfile();
    canh_server_t *s = start(&set, log);
    acks_t a = {.srv = s};
    pthread_mutex_init(&a.mu, NULL);
    canh_queue_t *q = canh_server_input(s);
    const uint64_t stream = UINT64_C(3) << 40;
    /* five batches of 150 records, interleaved with syslog-like records */
    for (uint64_t b = 1; b <= 5; b++) {
        canh_ack_t *ack = canh_ack_create(150, 7, stream | b, on_ack, &a);
        assert_non_null(ack);
        for (int i = 0; i < 150; i++) {
            char line[128];
            int n =
                snprintf(line, sizeof line, "Nov 21 02:00:01 web7 app: batch %d rec %d", (int)b, i);
            canh_inrec_t *r = canh_inrec_create(line, (size_t)n);
            r->transport = CANH_TRANSPORT_AGENT;
            r->agent_id = 7;
            r->seq = stream | b;
            r->ack = ack;
            snprintf(r->origin, sizeof r->origin, "file:/var/log/app.log");
            assert_int_equal(canh_queue_push(q, r, -1), CANH_OK);
            if (i % 10 == 0) {
                canh_inrec_t *u = canh_inrec_create("plain", 5);
                u->transport = CANH_TRANSPORT_UDP;
                assert_int_equal(canh_queue_push(q, u, -1), CANH_OK);
            }
        }
    }
    assert_int_equal(wait_stored(s, 5 * 165), 5 * 165);
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&a.mu);
        int f = a.fired;
        pthread_mutex_unlock(&a.mu);
        if (f == 5)
            break;
        nap_ms(50);
    }
    pthread_mutex_lock(&a.mu);
    assert_int_equal(a.fired, 5);
    assert_int_equal(a.wrong_agent, 0);
    /* in order, and each only once its records were committed */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(a.seqs[i], stream | (uint64_t)(i + 1));
        assert_true(a.stored_at_fire[i] >= (uint64_t)(i + 1) * 150);
    }
    pthread_mutex_unlock(&a.mu);
    canh_server_destroy(s);

    canh_store_t *st;
    canh_errbuf_t eb;
    uint64_t seq = 0;
    assert_int_equal(canh_store_open(dir, &st, &eb), CANH_OK);
    assert_int_equal(canh_store_agent_seq_get(st, 7, 3, &seq, &eb), CANH_OK);
    assert_int_equal(seq, stream | 5);
    uint64_t n = 0;
    assert_int_equal(canh_store_events_count(st, &n, &eb), CANH_OK);
    assert_int_equal(n, 5 * 165);
    canh_store_close(st);
    pthread_mutex_destroy(&a.mu);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    fclose(log);
    remove_dir();
}

/* ---- reload while records flow; stop drains --------------------------------------------- */

typedef struct feeder {
    canh_queue_t *q;
    int n;
} feeder_t;

static void *feed(void *arg)
{
    feeder_t *f = arg;
    for (int i = 0; i < f->n; i++) {
        char line[128];
        int n = snprintf(line, sizeof line,
                         "Nov 21 02:00:01 h sshd[1]: Invalid user x%d from 10.0.%d.%d port 1", i,
                         i / 250 % 250, i % 250);
        canh_inrec_t *r = canh_inrec_create(line, (size_t)n);
        r->transport = CANH_TRANSPORT_TCP;
        if (canh_queue_push(f->q, r, -1) != CANH_OK) {
            canh_inrec_free(r);
            break;
        }
    }
    return NULL;
}

static void test_reload_and_drain(void **state)
{
    (void)state;
    make_dir();
    canh_settings_t set;
    load(&set, "server: {metrics: \"\", queue: 256, user: \"\"}\n"
               "detect: {rules: [\"" PACK "/linux\"]}\n");
    FILE *log = tmpfile();
    canh_server_t *s = start(&set, log);
    feeder_t f = {canh_server_input(s), 20000};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
    canh_errbuf_t eb = {{0}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(canh_server_reload(s, &eb), CANH_OK);
    pthread_join(t, NULL);
    canh_server_counts_t c;
    canh_server_counts(s, &c);
    assert_int_equal(c.reloads, 3);
    /* stop right away: everything queued is still stored */
    canh_server_stop(s);
    canh_server_counts(s, &c);
    assert_int_equal(c.stored, 20000);
    assert_int_equal(c.alerts, 20000);
    canh_server_destroy(s);
    assert_int_equal(db_count("events"), 20000);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    fclose(log);
    remove_dir();
}

/* ---- configuration refused ------------------------------------------------------------------- */

static void bad_config(const char *yaml, const char *want)
{
    canh_settings_t set;
    load(&set, yaml);
    canh_server_opts_t o = {.settings = &set, .data_dir = dir, .log = NULL, .version = "t"};
    canh_errbuf_t eb = {{0}};
    canh_server_t *s = NULL;
    FILE *log = tmpfile();
    o.log = log;
    int rc = canh_server_create(&o, &s, &eb);
    if (rc == CANH_OK) {
        canh_server_destroy(s);
        fail_msg("accepted: %s", yaml);
    }
    if (!strstr(eb.msg, want))
        fail_msg("got \"%s\", want \"%s\"", eb.msg, want);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    fclose(log);
}

static void test_config_refused(void **state)
{
    (void)state;
    make_dir();
    bad_config("retention.max_age_days: 7\n", "under the 30 days the level rules require");
    bad_config("retention.by_dataset: [\"sshd=10\"]\n", "sshd=10: 10 days is under");
    bad_config("retention.by_dataset: [\"sshd\"]\n", "expected \"DATASET=DAYS\"");
    bad_config("server.syslog.tls: \"127.0.0.1:0\"\n", "needs server.tls.cert");
    bad_config("detect.rules: [/nonexistent/canh-rules]\n", "/nonexistent/canh-rules");
    /* forced short retention is accepted */
    canh_settings_t set;
    load(&set, "retention: {max_age_days: 7, force: true, by_dataset: [\"sshd=3\"]}\n"
               "server: {metrics: \"\", user: \"\"}\n");
    FILE *log = tmpfile();
    canh_server_t *s = start(&set, log);
    canh_server_destroy(s);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    fclose(log);
    remove_dir();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_to_store),
        cmocka_unit_test(test_agent_acks),
        cmocka_unit_test(test_reload_and_drain),
        cmocka_unit_test(test_config_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
