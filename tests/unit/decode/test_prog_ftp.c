/* test_prog_ftp.c - FTP servers: ProFTPD, vsftpd, Pure-FTPd and the classic ftpd
 * (decode_prog_ftp.c).
 *
 * Each case lists every field the decoder extracts (see test_prog_util.h);
 * every case is also decoded prefix by prefix. */
#include "test_prog_util.h"

static const prog_case_t ftp_cases[] = {
    {"May 21 20:20:44 slacker proftpd[25526] slacker.lab.ossec.net: ProFTPD 1.2.10 (stable) (built "
     "Tue Aug 2 22:33:07 PDT 2005) standalone mode STARTUP",
     "ftpd",
     {"event.action", "ftp_server_start", "event.outcome", "success", "event.category", "process",
      "event.type", "start", "destination.domain", "slacker.lab.ossec.net", "service.version",
      "1.2.10", NULL}},
    {"May 21 20:21:18 slacker proftpd[25530] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
     "FTP session opened.",
     "ftpd",
     {"event.action", "ftp_session_opened", "event.outcome", "success", "event.category", "session",
      "event.type", "start", "source.ip", "192.168.2.10", "source.address", "192.168.2.10",
      "destination.domain", "slacker.lab.ossec.net", NULL}},
    {"May 21 20:21:21 slacker proftpd[25530] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
     "USER a: no such user found from 192.168.2.10 [192.168.2.10] to 192.168.2.32:21",
     "ftpd",
     {"event.action",
      "ftp_invalid_user",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "no such user",
      "source.ip",
      "192.168.2.10",
      "source.address",
      "192.168.2.10",
      "destination.ip",
      "192.168.2.32",
      "destination.port",
      "21",
      "destination.address",
      "192.168.2.32",
      "destination.domain",
      "slacker.lab.ossec.net",
      "user.name",
      "a",
      NULL}},
    {"May 21 20:22:28 slacker proftpd[25556] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
     "USER dcid: Login successful.",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "source.ip", "192.168.2.10", "source.address", "192.168.2.10",
      "destination.domain", "slacker.lab.ossec.net", "user.name", "dcid", NULL}},
    {"May 21 20:22:44 slacker proftpd[25557] slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): "
     "USER dcid (Login failed): Incorrect password.",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason", "Incorrect password.", "source.ip", "192.168.2.10",
      "source.address", "192.168.2.10", "destination.domain", "slacker.lab.ossec.net", "user.name",
      "dcid", NULL}},
    {"Jun 10 18:00:00 ftp1 proftpd[5001]: ftp1.example.com (scan.example.net[203.0.113.60]) - USER "
     "admin (Login failed): No such user found",
     "ftpd",
     {"event.action",
      "ftp_login",
      "event.outcome",
      "failure",
      "event.category",
      "authentication",
      "event.type",
      "info",
      "event.reason",
      "No such user found",
      "source.ip",
      "203.0.113.60",
      "source.address",
      "203.0.113.60",
      "source.domain",
      "scan.example.net",
      "destination.domain",
      "ftp1.example.com",
      "user.name",
      "admin",
      NULL}},
    {"Jun 10 18:00:01 ftp1 proftpd[5002]: ftp1.example.com "
     "(::ffff:198.51.100.61[::ffff:198.51.100.61]) - ANON anonymous: Login successful.",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "event.reason", "anonymous", "source.ip", "::ffff:198.51.100.61",
      "source.address", "::ffff:198.51.100.61", "destination.domain", "ftp1.example.com",
      "user.name", "anonymous", NULL}},
    {"Jun  1 11:51:24 valhalla proftpd[7301]: valhalla.ahmetozturk.name.tr "
     "(81.215.6.178[81.215.6.178]) - Maximum login attempts (3) exceeded",
     "ftpd",
     {"event.action", "ftp_max_login_attempts", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "maximum login attempts exceeded",
      "source.ip", "81.215.6.178", "source.address", "81.215.6.178", "destination.domain",
      "valhalla.ahmetozturk.name.tr", NULL}},
    {"May 29 18:49:42 valhalla proftpd[16661]: valhalla.ahmetozturk.name.tr "
     "(85.103.107.214[85.103.107.214]) - Refused PORT 192,168,1,33,4,83 (address mismatch)",
     "ftpd",
     {"event.action", "ftp_port_refused", "event.outcome", "failure", "event.category", "network",
      "event.type", "denied", "event.reason", "address mismatch", "source.ip", "85.103.107.214",
      "source.address", "85.103.107.214", "destination.domain", "valhalla.ahmetozturk.name.tr",
      "ftp.port_argument", "192,168,1,33,4,83", NULL}},
    {"May 29 15:13:37 whale proftpd[4555]: whale.ahmetozturk.name.tr "
     "(dsl85-105-3059.ttnet.net.tr[85.105.10.139]) - ProFTPD terminating (signal 11)",
     "ftpd",
     {"event.action", "ftp_server_stop", "event.outcome", "failure", "event.category", "process",
      "event.type", "end", "event.reason", "terminated by signal", "source.ip", "85.105.10.139",
      "source.address", "85.105.10.139", "source.domain", "dsl85-105-3059.ttnet.net.tr",
      "destination.domain", "whale.ahmetozturk.name.tr", NULL}},
    {"May 30 21:04:35 valhalla proftpd[22104]: valhalla.ahmetozturk.name.tr "
     "(85.97.67.160[85.97.67.160]) - FTP no transfer timeout, disconnected",
     "ftpd",
     {"event.action", "ftp_timeout", "event.category", "session", "event.type", "end",
      "event.reason", "no transfer timeout", "source.ip", "85.97.67.160", "source.address",
      "85.97.67.160", "destination.domain", "valhalla.ahmetozturk.name.tr", NULL}},
    {"May 30 17:06:40 queen proftpd[1769554]: connect from 212.146.159.45",
     "ftpd",
     {"event.action", "connection_accepted", "event.outcome", "success", "event.category",
      "network", "event.type", "allowed", "source.ip", "212.146.159.45", "source.address",
      "212.146.159.45", NULL}},
    {"Jun  3 07:48:10 hayaletgemi proftpd[1026]: warning: host name/address mismatch: "
     "216.117.134.168 != nameservices.net",
     "ftpd",
     {"event.action", "hostname_mismatch", "event.category", "network", "event.type", "info",
      "event.reason", "host name/address mismatch", "source.ip", "216.117.134.168",
      "source.address", "216.117.134.168", "source.domain", "nameservices.net", NULL}},
    {"Jun 10 18:00:02 ftp1 proftpd[5003]: ftp1.example.com (10.0.0.8[10.0.0.8]) - SECURITY "
     "VIOLATION: root login attempted.",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "event.reason", "security violation: login attempted", "source.ip",
      "10.0.0.8", "source.address", "10.0.0.8", "destination.domain", "ftp1.example.com",
      "user.name", "root", NULL}},
    {"May 28 19:38:24 valhalla ftpd[24474]: FTPD: IMPORT file local "
     "/mnt/1//ide9/s09099/public_html/tasarim_files/akis.bmp, remote",
     "ftpd",
     {"event.action", "ftp_upload", "event.outcome", "success", "event.category", "file",
      "event.type", "creation", "file.path",
      "/mnt/1//ide9/s09099/public_html/tasarim_files/akis.bmp", NULL}},
    {"May 28 15:14:02 valhalla ftpd[28616]: FTPD: EXPORT file local , remote Analiz.html",
     "ftpd",
     {"event.action", "ftp_download", "event.outcome", "success", "event.category", "file",
      "event.type", "access", "file.name", "Analiz.html", NULL}},
    {"May 28 15:50:36 valhalla ftpd[28370]: connection from dsl.static8596180144.ttnet.net.tr at "
     "Sun May 28 15:50:36 2006 ",
     "ftpd",
     {"event.action", "ftp_connect", "event.category", "network", "event.type", "connection",
      "source.address", "dsl.static8596180144.ttnet.net.tr", "source.domain",
      "dsl.static8596180144.ttnet.net.tr", NULL}},
    {"May 28 15:50:36 valhalla ftpd[28370]: FTP LOGIN FROM dsl.static8596180144.ttnet.net.tr, "
     "user12",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "source.address", "dsl.static8596180144.ttnet.net.tr", "source.domain",
      "dsl.static8596180144.ttnet.net.tr", "user.name", "user12", NULL}},
    {"Jun  2 16:44:05 valhalla ftpd[28662]: repeated login failures from 192.168.4.5",
     "ftpd",
     {"event.action", "ftp_login_failures", "event.outcome", "failure", "event.category",
      "authentication", "event.type", "info", "event.reason", "repeated login failures",
      "source.ip", "192.168.4.5", "source.address", "192.168.4.5", NULL}},
    {"May 28 15:52:51 valhalla ftpd[27654]: User oahmet timed out after 900 seconds at Sun May 28 "
     "15:52:51 2006",
     "ftpd",
     {"event.action", "ftp_timeout", "event.category", "session", "event.type", "end",
      "event.reason", "idle timeout", "user.name", "oahmet", NULL}},
    {"Jun  3 07:46:16 arguvan in.ftpd[18561]: [ID 484914 daemon.notice] gethostbyaddr: "
     "nameservices.net. != 216.117.134.168",
     "ftpd",
     {"event.action", "hostname_mismatch", "event.category", "network", "event.type", "info",
      "event.reason", "host name/address mismatch", "source.ip", "216.117.134.168",
      "source.address", "216.117.134.168", "source.domain", "nameservices.net.", NULL}},
    {"Jun 10 18:00:03 ftp2 ftpd[5004]: ANONYMOUS FTP LOGIN FROM client.example.net "
     "[198.51.100.62], guest@example.net",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "event.reason", "anonymous", "source.ip", "198.51.100.62",
      "source.address", "198.51.100.62", "source.domain", "client.example.net", "user.name",
      "guest@example.net", NULL}},
    {"Jun 10 18:00:04 ftp2 ftpd[5005]: FTP LOGIN FAILED FROM 203.0.113.63, root",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "source.ip", "203.0.113.63", "source.address", "203.0.113.63",
      "user.name", "root", NULL}},
    {"Jun 10 18:00:05 ftp3 vsftpd[5006]: [alice] OK LOGIN: Client \"198.51.100.64\"",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "source.ip", "198.51.100.64", "source.address", "198.51.100.64",
      "user.name", "alice", NULL}},
    {"Jun 10 18:00:06 ftp3 vsftpd[5007]: [pid 5007] [bob] FAIL LOGIN: Client "
     "\"::ffff:203.0.113.65\"",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "source.ip", "::ffff:203.0.113.65", "source.address",
      "::ffff:203.0.113.65", "user.name", "bob", NULL}},
    {"Jun 10 18:00:07 ftp3 vsftpd[5008]: [alice] OK UPLOAD: Client \"198.51.100.64\", "
     "\"/home/alice/report.pdf\", 48213 bytes, 1200.55Kbyte/sec",
     "ftpd",
     {"event.action", "ftp_upload", "event.outcome", "success", "event.category", "file",
      "event.type", "creation", "source.ip", "198.51.100.64", "source.address", "198.51.100.64",
      "user.name", "alice", "file.path", "/home/alice/report.pdf", NULL}},
    {"Jun 10 18:00:08 ftp3 vsftpd[5009]: CONNECT: Client \"203.0.113.66\"",
     "ftpd",
     {"event.action", "ftp_connect", "event.category", "network", "event.type", "connection",
      "source.ip", "203.0.113.66", "source.address", "203.0.113.66", NULL}},
    {"Jun 10 18:00:09 ftp4 pure-ftpd: (?@203.0.113.67) [WARNING] Authentication failed for user "
     "[admin]",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "failure", "event.category", "authentication",
      "event.type", "info", "source.ip", "203.0.113.67", "source.address", "203.0.113.67",
      "user.name", "admin", NULL}},
    {"Jun 10 18:00:10 ftp4 pure-ftpd: (carol@198.51.100.68) [INFO] carol is now logged in",
     "ftpd",
     {"event.action", "ftp_login", "event.outcome", "success", "event.category", "authentication",
      "event.type", "start", "source.ip", "198.51.100.68", "source.address", "198.51.100.68",
      "user.name", "carol", NULL}},
    {"Jun 10 18:00:11 ftp4 pure-ftpd: (carol@198.51.100.68) [NOTICE] /srv/ftp/carol/up.zip "
     "uploaded  (1024 bytes, 512.00KB/sec)",
     "ftpd",
     {"event.action", "ftp_upload", "event.outcome", "success", "event.category", "file",
      "event.type", "creation", "source.ip", "198.51.100.68", "source.address", "198.51.100.68",
      "user.name", "carol", "file.path", "/srv/ftp/carol/up.zip", NULL}},
};

static void test_ftp_messages(void **state)
{
    (void)state;
    check_cases(ftp_cases, sizeof ftp_cases / sizeof ftp_cases[0], "ftpd");
}

static void test_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ftp_cases / sizeof ftp_cases[0]; i++)
        check_prefixes(ftp_cases[i].line);
}

/* Messages of the program that Canh does not classify stay plain syslog,
 * with nothing of the program decoder left behind; lines of other formats
 * are not program events. */
static void test_unclassified(void **state)
{
    (void)state;
    static const prog_case_t cases[] = {
        {"Nov  9 05:00:07 ensim proftpd[21141]: ensim.domain.com",
         "syslog",
         {"event.action", NULL, "destination.domain", NULL, NULL}},
        {"Jun 10 18:10:00 ftp1 proftpd[5020]: ftp1.example.com (1.2.3.4[1.2.3.4]) - something new",
         "syslog",
         {"event.action", NULL, "source.ip", NULL, NULL}},
        {"Jun 10 18:10:01 ftp3 vsftpd[5021]: [bob] OK SOMETHING: Client \"1.2.3.4\"",
         "syslog",
         {"event.action", NULL, "user.name", NULL, NULL}},
    };
    check_cases(cases, sizeof cases / sizeof cases[0], "ftpd");
}

static void test_foreign_lines(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "FTP session opened.",
        "slacker.lab.ossec.net (192.168.2.10[192.168.2.10]): FTP session opened.",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        check_not_program(lines[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ftp_messages),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_unclassified),
        cmocka_unit_test(test_foreign_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
