/* Unit tests: listening sockets and outbound connections. A listener on
 * 127.0.0.1:0 and a connection to it are found with this process's pid;
 * the accepted side (inbound) is not reported; a later run reports only
 * what is new. Plus the /proc/net line parser. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "collect_test_util.h"

#include "collect_int.h"
#include "collect_json_util.h"

static int listener(uint16_t *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return s;
}

static int connect_to(uint16_t port, uint16_t *local)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    *local = ntohs(a.sin_port);
    return s;
}

typedef struct found {
    int listen, out, inbound;
} found_t;

static found_t look(got_t *g, uint16_t lport, uint16_t cport)
{
    found_t f = {0};
    for (int i = 0; i < g->n; i++) {
        assert_string_equal(g->origin[i], "ports");
        json_t *d = jparse(g->rec[i]);
        assert_string_equal(jfirst(d, "event.category"), "network");
        const char *st = jstr(d, "canh.net.state");
        long long sp = jint(d, "source.port"), dp = jint(d, "destination.port");
        bool mine = jint(d, "process.pid") == getpid();
        if (strcmp(st, "listen") == 0 && sp == lport) {
            assert_true(mine);
            assert_string_equal(jstr(d, "source.ip"), "127.0.0.1");
            assert_string_equal(jstr(d, "network.transport"), "tcp");
            assert_string_equal(jfirst(d, "event.type"), "info");
            assert_non_null(jstr(d, "process.name"));
            assert_non_null(jstr(d, "process.executable"));
            f.listen++;
        } else if (strcmp(st, "established") == 0 && dp == lport && sp == cport) {
            assert_true(mine);
            assert_string_equal(jstr(d, "destination.ip"), "127.0.0.1");
            assert_string_equal(jfirst(d, "event.type"), "connection");
            assert_string_equal(jstr(d, "network.direction"), "outbound");
            f.out++;
        } else if (strcmp(st, "established") == 0 && sp == lport) {
            f.inbound++;
        }
        json_decref(d);
    }
    return f;
}

static void test_sockets(void **state)
{
    (void)state;
    uint16_t lport, c1, c2;
    int l = listener(&lport);
    int a = connect_to(lport, &c1);
    int acc = accept(l, NULL, NULL);
    assert_true(acc >= 0);

    char dir[64];
    tmpdir_make(dir, sizeof dir, "net");
    canh_collect_opts_t o;
    canh_collect_opts_default(&o);
    o.state_dir = dir;
    o.inventory_interval_s = 0;
    o.netconn_interval_s = 1;
    canh_collectors_t *c;
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    got_t g;
    got_init(&g);
    got_poll(c, &g, 5);
    found_t f = look(&g, lport, c1);
    assert_int_equal(f.listen, 1);
    assert_int_equal(f.out, 1);
    assert_int_equal(f.inbound, 0);
    canh_collect_stats_t st;
    canh_collectors_stats(c, &st);
    assert_true(st.sockets >= 2);
    got_clear(&g);

    /* The next run: only the new connection. */
    int b = connect_to(lport, &c2);
    int acc2 = accept(l, NULL, NULL);
    usleep(1100 * 1000);
    got_poll(c, &g, 5);
    f = look(&g, lport, c2);
    assert_int_equal(f.listen, 0);
    assert_int_equal(f.out, 1);
    f = look(&g, lport, c1);
    assert_int_equal(f.out, 0);
    got_clear(&g);

    canh_collectors_destroy(c);
    close(acc2);
    close(b);
    close(acc);
    close(a);
    close(l);
    tmpdir_remove(dir);
}

static void test_parse_line(void **state)
{
    (void)state;
    canh_sock_t s;
    const char *v4 = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000   104        0 21867 1 0000000000000000 100 0 0 10 0";
    assert_int_equal(canh_procnet_parse_line(canh_str_c(v4), false, &s), CANH_OK);
    assert_int_equal(s.lport, 8080);
    assert_int_equal(s.state, 0x0A);
    assert_int_equal(s.uid, 104);
    assert_int_equal(s.inode, 21867);
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET, s.laddr, ip, sizeof ip);
    assert_string_equal(ip, "127.0.0.1");

    const char *v6 = "   1: 00000000000000000000000001000000:0016 "
                     "0000000000000000FFFF00000100007F:D431 01 00000000:00000000 02:000A7D2A "
                     "00000000     0        0 998877 2 0000000000000000 20 4 30 10 -1";
    assert_int_equal(canh_procnet_parse_line(canh_str_c(v6), true, &s), CANH_OK);
    inet_ntop(AF_INET6, s.laddr, ip, sizeof ip);
    assert_string_equal(ip, "::1");
    inet_ntop(AF_INET6, s.raddr, ip, sizeof ip);
    assert_string_equal(ip, "::ffff:127.0.0.1");
    assert_int_equal(s.rport, 0xD431);
    assert_int_equal(s.inode, 998877);

    /* the header, v4 text as v6, short or bad fields, every prefix */
    const char *bad[] = {
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode",
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 x 0 1",
        "   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
        "   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
        "",
        "0:",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(canh_procnet_parse_line(canh_str_c(bad[i]), false, &s), CANH_EINVAL);
    assert_int_equal(canh_procnet_parse_line(canh_str_c(v4), true, &s), CANH_EINVAL);
    /* every prefix that stops before the inode field */
    size_t n = (size_t)(strstr(v4, "21867") - v4);
    for (size_t k = 0; k < n; k++) {
        char *cp = malloc(k ? k : 1);
        memcpy(cp, v4, k);
        assert_int_equal(canh_procnet_parse_line(canh_str(cp, k), false, &s), CANH_EINVAL);
        free(cp);
    }

    uint64_t ino;
    assert_int_equal(canh_procnet_socket_inode(canh_str_c("socket:[12345]"), &ino), CANH_OK);
    assert_int_equal(ino, 12345);
    assert_int_equal(canh_procnet_socket_inode(canh_str_c("socket:[12345"), &ino), CANH_EINVAL);
    assert_int_equal(canh_procnet_socket_inode(canh_str_c("pipe:[1]"), &ino), CANH_EINVAL);
    assert_int_equal(canh_procnet_socket_inode(canh_str_c("socket:[]"), &ino), CANH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_line),
        cmocka_unit_test(test_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
