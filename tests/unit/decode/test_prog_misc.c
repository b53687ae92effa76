/* test_prog_misc.c - named, inetd/xinetd and their services, TCP wrappers, RPC daemons,
 * login and smbd (decode_prog_misc.c).
 *
 * Each case lists every field the decoder extracts (see test_prog_util.h);
 * every case is also decoded prefix by prefix. */
#include "test_prog_util.h"

static const prog_case_t misc_cases[] = {
    {"Apr 17 22:20:21 hostj named[312]: [ID 295310 daemon.notice] security: notice: dropping "
     "source port zero packet from [64.211.251.254].0",
     "named",
     {"event.action", "dns_source_port_zero", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "event.reason", "source port zero", "log.level", "notice",
      "source.ip", "64.211.251.254", "source.port", "0", "source.address", "64.211.251.254", NULL}},
    {"Mar 1 13:52:03 arcane named[15025]: denied AXFR from [205.166.226.38].1421 for "
     "\"atfantasy.com\" (acl)",
     "named",
     {"event.action", "dns_zone_transfer_denied", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "event.reason", "acl", "source.ip", "205.166.226.38",
      "source.port", "1421", "source.address", "205.166.226.38", "dns.question.name",
      "atfantasy.com", NULL}},
    {"Apr 20 09:14:45 hostname named[98]: denied AXFR from [1.2.3.4].1329 for",
     "named",
     {"event.action", "dns_zone_transfer_denied", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "source.ip", "1.2.3.4", "source.port", "1329",
      "source.address", "1.2.3.4", NULL}},
    {"Jan  6 13:40:28 drew named[128838]: denied update from [24.64.63.195].41151 for in-addr.arpa",
     "named",
     {"event.action", "dns_update_denied", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "source.ip", "24.64.63.195", "source.port", "41151", "source.address",
      "24.64.63.195", "dns.question.name", "in-addr.arpa", NULL}},
    {"Dec 31 00:01:31 valhalla named[7885]: client 192.168.1.231#1142: update 'hayaletgemi.edu/IN' "
     "denied",
     "named",
     {"event.action", "dns_update_denied", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "source.ip", "192.168.1.231", "source.port", "1142", "source.address",
      "192.168.1.231", "dns.question.name", "hayaletgemi.edu", NULL}},
    {"named[8020]: unexpected RCODE (REFUSED) resolving 'inteligentes.cjb.net/AAAA/IN': "
     "200.206.159.96#53",
     "named",
     {"event.action",
      "dns_unexpected_rcode",
      "event.outcome",
      "failure",
      "event.category",
      "network",
      "event.type",
      "protocol",
      "destination.ip",
      "200.206.159.96",
      "destination.port",
      "53",
      "destination.address",
      "200.206.159.96",
      "dns.question.name",
      "inteligentes.cjb.net",
      "dns.question.type",
      "AAAA",
      "dns.response_code",
      "REFUSED",
      NULL}},
    {"Jun 10 19:00:00 ns1 named[700]: client @0x7f3a2c0a1168 203.0.113.70#41234 (example.com): "
     "zone transfer 'example.com/AXFR/IN' denied",
     "named",
     {"event.action", "dns_zone_transfer_denied", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "source.ip", "203.0.113.70", "source.port", "41234",
      "source.address", "203.0.113.70", "dns.question.name", "example.com", NULL}},
    {"Jun 10 19:00:01 ns1 named[700]: client @0x7f3a2c0a1170 203.0.113.71#5353 (www.example.com): "
     "query (cache) 'www.example.com/A/IN' denied",
     "named",
     {"event.action", "dns_query_denied", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "source.ip", "203.0.113.71", "source.port", "5353", "source.address",
      "203.0.113.71", "dns.question.name", "www.example.com", "dns.question.type", "A", NULL}},
    {"Jun 10 19:00:02 ns1 named[700]: client @0x7f3a2c0a1178 198.51.100.72#60000 "
     "(mail.example.com): query: mail.example.com IN MX +E(0)K (192.0.2.53)",
     "named",
     {"event.action", "dns_query", "event.category", "network", "event.type", "protocol",
      "source.ip", "198.51.100.72", "source.port", "60000", "source.address", "198.51.100.72",
      "dns.question.name", "mail.example.com", "dns.question.type", "MX", NULL}},
    {"Jun 10 19:00:03 ns1 named[700]: lame server resolving 'bad.example' (in 'bad.example'?): "
     "192.0.2.99#53",
     "named",
     {"event.action", "dns_lame_server", "event.outcome", "failure", "event.category", "network",
      "event.type", "protocol", "event.reason", "lame server", "destination.ip", "192.0.2.99",
      "destination.port", "53", "destination.address", "192.0.2.99", "dns.question.name",
      "bad.example", NULL}},
    {"Jun 10 19:00:04 ns1 named[700]: zone example.com/IN: loaded serial 2024061001",
     "named",
     {"event.action", "dns_zone_loaded", "event.outcome", "success", "event.category",
      "configuration", "event.type", "change", "dns.question.name", "example.com", NULL}},
    {"May 27 15:52:37 valhalla telnetd[4882]: refused connect from "
     "mstr195175-16075.dial-in.ttnet.net.tr",
     "inetd",
     {"event.action", "connection_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "source.address", "mstr195175-16075.dial-in.ttnet.net.tr",
      "source.domain", "mstr195175-16075.dial-in.ttnet.net.tr", NULL}},
    {"May 11 10:28:07 queen in.telnetd[19847]: [ID 927837 local2.info] connect from "
     "dsl85-105-30859.ttnet.net.tr",
     "inetd",
     {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
      "network", "event.type", "allowed", "source.address", "dsl85-105-30859.ttnet.net.tr",
      "source.domain", "dsl85-105-30859.ttnet.net.tr", NULL}},
    {"Jun  2 09:59:28 valhalla-eth telnetd[19826]: [ID 485252 daemon.info] ttloop:  peer died: "
     "Error 0",
     "inetd",
     {"event.action", "telnet_disconnect", "event.category", "network", "event.type", "end",
      "event.reason", "Error 0", NULL}},
    {"May 30 00:19:11 valhalla-eth telnetd[987186]: warning: can't verify hostname: "
     "gethostbyname(131.1.satis-tl.ru) failed",
     "inetd",
     {"event.action", "hostname_verification_failed", "event.category", "network", "event.type",
      "info", "event.reason", "cannot verify host name", "source.domain", "131.1.satis-tl.ru",
      NULL}},
    {"May 29 11:27:28 hayaletgemi proftpd[4874]: warning: host name/name mismatch: "
     "www.ahmetozturk.name.tr != nil.alannim.com",
     "ftpd",
     {"event.action", "hostname_mismatch", "event.category", "network", "event.type", "info",
      "event.reason", "host name/name mismatch", "source.domain", "www.ahmetozturk.name.tr", NULL}},
    {"Jan 18 21:46:26 elrond sshd[9370]: refused connect from root@cops2.inf.ethz.ch "
     "(129.132.134.179)",
     "sshd",
     {"event.action", "connection_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "source.ip", "129.132.134.179", "source.address", "129.132.134.179",
      "source.domain", "cops2.inf.ethz.ch", "source.user.name", "root", NULL}},
    {"Jan 22 10:37:41 frontend-0 ypserv[832]: refused connect from",
     "inetd",
     {"event.action", "connection_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", NULL}},
    {"Jan 25 21:05:40 horus xinetd[4479]: Deactivating service ftp due to excessive incoming "
     "connections.  Restarting in 30 seconds.",
     "inetd",
     {"event.action", "service_deactivated", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "event.reason", "excessive incoming connections",
      "service.name", "ftp", NULL}},
    {"Jun 10 19:00:05 gw xinetd[800]: START: telnet pid=4242 from=::ffff:203.0.113.73",
     "inetd",
     {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
      "network", "event.type", "allowed", "source.ip", "::ffff:203.0.113.73", "source.address",
      "::ffff:203.0.113.73", "service.name", "telnet", NULL}},
    {"Jun 10 19:00:06 gw xinetd[800]: FAIL: ftp libwrap from=203.0.113.74",
     "inetd",
     {"event.action", "connection_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "event.reason", "libwrap", "source.ip", "203.0.113.74",
      "source.address", "203.0.113.74", "service.name", "ftp", NULL}},
    {"Jun 10 19:00:07 gw xinetd[800]: EXIT: telnet status=0 pid=4242 duration=12(sec)",
     "inetd",
     {"event.action", "connection_closed", "event.category", "network", "event.type", "end",
      "service.name", "telnet", NULL}},
    {"May 16 22:46:08 victim-host inetd[600]: /usr/lib/fs/cachefs/cachefsd: Segmentation Fault - "
     "core dumped",
     "inetd",
     {"event.action",
      "process_crash",
      "event.outcome",
      "failure",
      "event.category",
      "process",
      "event.type",
      "end",
      "event.reason",
      "segmentation fault",
      "process.parent.pid",
      "600",
      "process.parent.name",
      "inetd",
      "process.name",
      "cachefsd",
      "process.executable",
      "/usr/lib/fs/cachefs/cachefsd",
      "process.pid",
      NULL,
      NULL}},
    {"rpc.mountd: refused mount request from 10.0.0.12 for /home2/files (/): no export entry",
     "inetd",
     {"event.action", "nfs_mount_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "event.reason", "no export entry", "source.ip", "10.0.0.12",
      "source.address", "10.0.0.12", "file.path", "/home2/files", NULL}},
    {"May 16 19:38:33 server rpc.statd[353]: gethostbyname error for ^Y...^Y...^[??[",
     "inetd",
     {"event.action", "rpc_gethostbyname_error", "event.outcome", "failure", "event.category",
      "network", "event.type", "error", "event.reason", "gethostbyname error", NULL}},
    {"Apr 27 17:27:21 niban login[1059]: FAILED LOGIN 1 FROM (null) FOR root, Authentication "
     "failure",
     "login",
     {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason", "Authentication failure", "user.name", "root",
      "login.failures", "1", NULL}},
    {"login: 1 LOGIN FAILURE ON ttyv0, root",
     "login",
     {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason", "login failure", "user.name", "root",
      "process.tty.name", "ttyv0", "login.failures", "1", NULL}},
    {"Jun 10 19:00:08 con1 login[900]: ROOT LOGIN ON tty1",
     "login",
     {"event.action", "login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "user.name", "root", "process.tty.name", "tty1", NULL}},
    {"Jun 10 19:00:09 con1 login[901]: LOGIN ON pts/3 BY alice FROM ws.example.net",
     "login",
     {"event.action", "login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "source.address", "ws.example.net", "source.domain", "ws.example.net",
      "user.name", "alice", "process.tty.name", "pts/3", NULL}},
    {"Jun 10 19:00:10 con1 login[902]: FAILED LOGIN 2 FROM tty2 FOR (unknown), User not known to "
     "the underlying authentication module",
     "login",
     {"event.action", "login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason",
      "User not known to the underlying authentication module", "process.tty.name", "tty2",
      "login.failures", "2", NULL}},
    {"Jun 10 19:00:11 con1 login[903]: TOO MANY LOGIN TRIES (5) on '/dev/tty3' FROM "
     "'host.example.net' FOR 'root', Authentication failure",
     "login",
     {"event.action",
      "login",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "Authentication failure",
      "source.address",
      "host.example.net",
      "source.domain",
      "host.example.net",
      "user.name",
      "root",
      "process.tty.name",
      "/dev/tty3",
      "login.failures",
      "5",
      NULL}},
    {"smbd[12252]:   getpeername failed. Error was Transport endpoint is not connected",
     "smbd",
     {"event.action", "smb_connection_error", "event.outcome", "failure", "event.category",
      "network", "event.type", "error", "event.reason", "Transport endpoint is not connected",
      NULL}},
    {"smbd[12252]:   Denied connection from  (0.0.0.0)",
     "smbd",
     {"event.action", "smb_connection_denied", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "source.ip", "0.0.0.0", "source.address", "0.0.0.0",
      NULL}},
    {"smbd[12252]:   Connection denied from 0.0.0.0",
     "smbd",
     {"event.action", "smb_connection_denied", "event.outcome", "failure", "event.category",
      "network", "event.type", "denied", "source.ip", "0.0.0.0", "source.address", "0.0.0.0",
      NULL}},
    {"smbd[12252]:   write_socket: Error writing 5 bytes to socket 5: ERRNO = Connection reset by "
     "peer",
     "smbd",
     {"event.action", "smb_connection_error", "event.outcome", "failure", "event.category",
      "network", "event.type", "error", "event.reason", "Connection reset by peer", NULL}},
    {"May 31 15:54:18 homesmbsrv smbd[124]:  Permission denied-- user not allowed to delete, "
     "pause, or resume print job. User name: oahmet. Printer name: prnq1.",
     "smbd",
     {"event.action", "smb_print_job_denied", "event.outcome", "failure", "event.category", "host",
      "event.type", "denied", "event.reason", "permission denied", "user.name", "oahmet",
      "smbd.printer", "prnq1", NULL}},
    {"Jun 10 19:00:12 fs1 smbd[905]:   check_ntlm_password:  Authentication for user [bob] -> "
     "[bob] FAILED with error NT_STATUS_WRONG_PASSWORD",
     "smbd",
     {"event.action", "smb_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason", "NT_STATUS_WRONG_PASSWORD", "user.name", "bob", NULL}},
    {"Jun 10 19:00:13 fs1 smbd[906]:   ws12 (ipv4:10.0.0.12:50123) connect to service share "
     "initially as user alice (uid=1000, gid=1000) (pid 906)",
     "smbd",
     {"event.action", "smb_share_connect", "event.outcome", "success", "event.category", "network",
      "event.type", "connection", "source.ip", "10.0.0.12", "source.port", "50123",
      "source.address", "10.0.0.12", "user.name", "alice", "smbd.share", "share", NULL}},
};

static void test_misc_messages(void **state)
{
    (void)state;
    check_cases(misc_cases, sizeof misc_cases / sizeof misc_cases[0], "syslog");
}

static void test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof misc_cases / sizeof misc_cases[0]; i++)
        check_prefixes(misc_cases[i].line);
}

/* Messages of the program that Canh does not classify stay plain syslog,
 * with nothing of the program decoder left behind; lines of other formats
 * are not program events. */
static void test_unclassified(void **state)
{
    (void)state;
    static const prog_case_t cases[] = {
        {"Jun 10 19:10:00 ns1 named[710]: managed-keys-zone: Key 20326 for zone . is now trusted",
         "syslog",
         {"event.action", NULL, NULL}},
        {"Jun 10 19:10:01 ns1 named[710]: client @0x7f3a",
         "syslog",
         {"event.action", NULL, "source.ip", NULL, NULL}},
        {"Jun 10 19:10:02 gw xinetd[810]: Reading included configuration file: /etc/xinetd.d/echo",
         "syslog",
         {"event.action", NULL, NULL}},
        {"Jun 10 19:10:03 con1 login[910]: LOGIN something odd",
         "syslog",
         {"event.action", NULL, "user.name", NULL, NULL}},
        {"Jun 10 19:10:04 fs1 smbd[911]: [2024/06/10 19:10:04.123456,  0] "
         "../../source3/smbd/server.c:1741(main)",
         "syslog",
         {"event.action", NULL, NULL}},
    };
    check_cases(cases, sizeof cases / sizeof cases[0], "syslog");
}

static void test_foreign_lines(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "refused connect from 1.2.3.4",
        "denied AXFR from [1.2.3.4].53 for \"x\"",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        check_not_program(lines[i]);
}

/* Records cut short inside a known message are decoded with what is there
 * and tagged partial; complete ones are not. */
static void test_partial_flags(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        bool partial;
    } rows[] = {
        {"Apr 20 09:14:45 hostname named[98]: denied AXFR from [1.2.3.4].1329 for", true},
        {"Jan 22 10:37:41 frontend-0 ypserv[832]: refused connect from", true},
        {"Jun 10 15:10:01 mx1 postfix/smtp[2121]: 4BDB61A0F9: to=<x@example.com>, relay=none",
         true},
        {"Nov  9 05:00:09 ensim proftpd[21141]: ensim.domain.com (h.example[192.0.2.1]) - no such "
         "user",
         true},
        {"May 29 20:59:00 valhalla-eth telnetd[2507000]: warning: can't verify hostname: "
         "gethostbyname(dsl.example.net",
         true},
        {"Mar  1 13:52:03 arcane named[15025]: denied AXFR from [205.166.226.38].1421 for "
         "\"atfantasy.com\" (acl)",
         false},
        {"Jun 10 08:15:01 bastion sshd[4012]: Failed password for root from 203.0.113.45 port "
         "51822 "
         "ssh2",
         false},
    };
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        canh_decode_record(d, rows[i].line, strlen(rows[i].line), ev);
        if (ev->decoder < CANH_DEC_SSHD || ev->decoder > CANH_DEC_SMBD)
            fail_msg("\"%s\": decoder %s", rows[i].line, canh_decode_name(ev->decoder));
        if (!!(ev->flags & CANH_EVF_PARTIAL) != rows[i].partial)
            fail_msg("\"%s\": partial %d, want %d", rows[i].line, !!(ev->flags & CANH_EVF_PARTIAL),
                     rows[i].partial);
    }
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misc_messages), cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_unclassified),  cmocka_unit_test(test_foreign_lines),
        cmocka_unit_test(test_partial_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
