/* Unit tests: the Apache (2.2, 2.4) and nginx error log decoders
 * (apache_error, nginx_error): header fields, message classification,
 * ModSecurity messages inside them, the OSSEC sample file, truncation and
 * foreign lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

/* 2024-03-10T12:00:00Z */
#define NOW (INT64_C(1710072000) * CANH_NS_PER_SEC)

static canh_decode_t *dauto, *dapache, *dnginx;
static canh_event_t *ev;
static char *keep; /* the record copy the event borrows from */

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &dauto, &eb) != CANH_OK)
        return -1;
    o.type = "apache_error";
    if (canh_decode_create(&o, &dapache, &eb) != CANH_OK)
        return -1;
    o.type = "nginx_error";
    if (canh_decode_create(&o, &dnginx, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_decode_destroy(dauto);
    canh_decode_destroy(dapache);
    canh_decode_destroy(dnginx);
    canh_event_destroy(ev);
    free(keep);
    keep = NULL;
    return 0;
}

static canh_decode_t *forced_for(const char *dec)
{
    return strcmp(dec, "apache_error") == 0 ? dapache : dnginx;
}

#include "test_web_util.h"

typedef struct tcase {
    const char *dec; /* expected decoder name */
    const char *line;
    bool partial;
    kv_t f[40];
} tcase_t;

static void check_case(const tcase_t *tc, const char *want_dec)
{
    check_fields(tc->line, tc->partial, tc->f, want_dec);
}


#define AP "apache_error"
#define NG "nginx_error"

static const tcase_t cases[] = {
    /* ---- Apache 2.2 ---- */
    {AP,
     "[Thu Dec 15 23:49:07 2005] [error] [client 85.107.239.37] client denied by server "
     "configuration: /home/myuser/wwwhome/.htm, referer: "
     "http://www.example.com/~user7/laodikeiaproject.htm?pswd=hhh",
     false,
     {{"@timestamp", "2005-12-15T23:49:07.000000Z"},
      {"log.level", "error"},
      {"source.ip", "85.107.239.37"},
      {"message", "client denied by server configuration: /home/myuser/wwwhome/.htm"},
      {"file.path", "/home/myuser/wwwhome/.htm"},
      {"http.request.referrer", "http://www.example.com/~user7/laodikeiaproject.htm?pswd=hhh"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Sun Aug 5 16:26:02 2001] [error] [client 66.31.68.147] File does not exist: "
     "/var/www/html/default.ida",
     false,
     {{"@timestamp", "2001-08-05T16:26:02.000000Z"},
      {"log.level", "error"},
      {"source.ip", "66.31.68.147"},
      {"message", "File does not exist: /var/www/html/default.ida"},
      {"file.path", "/var/www/html/default.ida"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "file-not-found"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Dec 19 23:02:01 2005] [error] [client 85.105.120.139] user oahmet: "
     "authentication failure for \"/~oahmet/gunce/ss.txt\": Password Mismatch",
     false,
     {{"@timestamp", "2005-12-19T23:02:01.000000Z"},
      {"log.level", "error"},
      {"source.ip", "85.105.120.139"},
      {"message", "user oahmet: authentication failure for \"/~oahmet/gunce/ss.txt\": Password "
                  "Mismatch"},
      {"user.name", "oahmet"},
      {"url.path", "/~oahmet/gunce/ss.txt"},
      {"event.reason", "Password Mismatch"},
      {"event.kind", "event"},
      {"event.category", "authentication"},
      {"event.type", "info"},
      {"event.action", "authentication-failure"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Dec 19 23:01:11 2005] [error] [client 85.105.120.139] user qwerty not found: "
     "/~oahmet/gunce/ss.txt",
     false,
     {{"@timestamp", "2005-12-19T23:01:11.000000Z"},
      {"log.level", "error"},
      {"source.ip", "85.105.120.139"},
      {"message", "user qwerty not found: /~oahmet/gunce/ss.txt"},
      {"user.name", "qwerty"},
      {"url.path", "/~oahmet/gunce/ss.txt"},
      {"event.kind", "event"},
      {"event.category", "authentication"},
      {"event.type", "info"},
      {"event.action", "user-not-found"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Dec 19 19:29:17 2005] [warn] [client 85.98.37.115] [315546] auth_ldap "
     "authenticate: user administrator authentication failed; URI /exam/inter/Announce.htm "
     "[User not found][No such object], referer: http://www.akademi.edu.tr/",
     false,
     {{"@timestamp", "2005-12-19T19:29:17.000000Z"},
      {"log.level", "warn"},
      {"source.ip", "85.98.37.115"},
      {"message", "[315546] auth_ldap authenticate: user administrator authentication failed; "
                  "URI /exam/inter/Announce.htm [User not found][No such object]"},
      {"user.name", "administrator"},
      {"url.path", "/exam/inter/Announce.htm"},
      {"event.reason", "User not found"},
      {"http.request.referrer", "http://www.akademi.edu.tr/"},
      {"event.kind", "event"},
      {"event.category", "authentication"},
      {"event.type", "info"},
      {"event.action", "authentication-failure"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Sep 11 16:55:08 2006] [error] [client 127.0.0.1] (36)File name too long: "
     "access to /aaaaaaaaaaaaaaaaaaaa failed",
     false,
     {{"@timestamp", "2006-09-11T16:55:08.000000Z"},
      {"log.level", "error"},
      {"source.ip", "127.0.0.1"},
      {"apache.error.errno", "36"},
      {"error.message", "File name too long"},
      {"message", "access to /aaaaaaaaaaaaaaaaaaaa failed"},
      {"url.path", "/aaaaaaaaaaaaaaaaaaaa"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "access-failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Fri Dec 16 02:25:55 2005] [error] [client 64.94.163.159] Client sent malformed Host "
     "header",
     false,
     {{"@timestamp", "2005-12-16T02:25:55.000000Z"},
      {"log.level", "error"},
      {"source.ip", "64.94.163.159"},
      {"message", "Client sent malformed Host header"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "malformed-host-header"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Tue Jan 16 09:12:44 2024] [error] [client 192.0.2.4] PHP Warning:  "
     "include(/var/www/inc/x.php): failed to open stream: No such file or directory in "
     "/var/www/html/index.php on line 12, referer: http://example.com/",
     false,
     {{"@timestamp", "2024-01-16T09:12:44.000000Z"},
      {"log.level", "error"},
      {"source.ip", "192.0.2.4"},
      {"message", "PHP Warning:  include(/var/www/inc/x.php): failed to open stream: No such file "
                  "or directory in /var/www/html/index.php on line 12"},
      {"error.message", "include(/var/www/inc/x.php): failed to open stream: No such file or "
                        "directory"},
      {"file.path", "/var/www/html/index.php"},
      {"http.request.referrer", "http://example.com/"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "php-error"},
      {NULL, NULL}}},
    /* ModSecurity 2 on Apache 2.2 */
    {AP,
     "[Mon Jan 15 10:00:00 2024] [error] [client 203.0.113.66] ModSecurity: Access denied "
     "with code 403 (phase 2). detected SQLi using libinjection with fingerprint 's&sos' "
     "[file \"/usr/share/modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf\"] "
     "[line \"65\"] [id \"942100\"] [msg \"SQL Injection Attack Detected via libinjection\"] "
     "[data \"Matched Data: s&sos found within ARGS:id: 1' or '1'='1\"] [severity "
     "\"CRITICAL\"] [ver \"OWASP_CRS/3.3.4\"] [tag \"application-multi\"] [tag "
     "\"language-multi\"] [tag \"attack-sqli\"] [tag \"paranoia-level/1\"] [hostname "
     "\"www.example.com\"] [uri \"/index.php\"] [unique_id \"ZaUXcH8AAQEAAC1hcYsAAAAA\"]",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "error"},
      {"source.ip", "203.0.113.66"},
      {"message", "Access denied with code 403 (phase 2). detected SQLi using libinjection with "
                  "fingerprint 's&sos'"},
      {"event.kind", "alert"},
      {"event.category", "intrusion_detection"},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"event.provider", "modsecurity"},
      {"event.severity", "2"},
      {"http.response.status_code", "403"},
      {"modsecurity.phase", "2"},
      {"modsecurity.rule.file",
       "/usr/share/modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"},
      {"modsecurity.rule.line", "65"},
      {"rule.id", "942100"},
      {"rule.name", "SQL Injection Attack Detected via libinjection"},
      {"rule.category", "attack-sqli"},
      {"rule.ruleset", "OWASP_CRS/3.3.4"},
      {"modsecurity.data", "Matched Data: s&sos found within ARGS:id: 1' or '1'='1"},
      {"modsecurity.tags",
       "[\"application-multi\",\"language-multi\",\"attack-sqli\",\"paranoia-level/1\"]"},
      {"destination.domain", "www.example.com"},
      {"url.path", "/index.php"},
      {"transaction.id", "ZaUXcH8AAQEAAC1hcYsAAAAA"},
      {NULL, NULL}}},
    /* ---- Apache 2.4 ---- */
    {AP,
     "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client "
     "72.15.99.187:50104] AH00126: Invalid URI in request GET .. HTTP/1.1",
     false,
     {{"@timestamp", "2000-10-11T14:32:52.123456Z"},
      {"log.level", "error"},
      {"log.logger", "core"},
      {"process.pid", "35708"},
      {"process.thread.id", "4328636416"},
      {"source.ip", "72.15.99.187"},
      {"source.port", "50104"},
      {"error.code", "AH00126"},
      {"message", "Invalid URI in request GET .. HTTP/1.1"},
      {"http.request.method", "GET"},
      {"url.original", ".."},
      {"http.version", "1.1"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "invalid-uri"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Jan 15 10:00:00.500000 2024] [authz_core:error] [pid 3:tid 4] [client "
     "2001:db8::1:51000] AH01630: client denied by server configuration: /var/www/private/",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.500000Z"},
      {"log.level", "error"},
      {"log.logger", "authz_core"},
      {"process.pid", "3"},
      {"process.thread.id", "4"},
      {"source.ip", "2001:db8::1"},
      {"source.port", "51000"},
      {"error.code", "AH01630"},
      {"message", "client denied by server configuration: /var/www/private/"},
      {"file.path", "/var/www/private/"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {AP,
     "[Mon Jan 15 10:00:00.123456 2024] [cgi:error] [pid 1234:tid 140000] [client "
     "192.0.2.1:51234] AH01264: script not found or unable to stat: "
     "/usr/lib/cgi-bin/test.cgi",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.123456Z"},
      {"log.level", "error"},
      {"log.logger", "cgi"},
      {"process.pid", "1234"},
      {"process.thread.id", "140000"},
      {"source.ip", "192.0.2.1"},
      {"source.port", "51234"},
      {"error.code", "AH01264"},
      {"message", "script not found or unable to stat: /usr/lib/cgi-bin/test.cgi"},
      {"file.path", "/usr/lib/cgi-bin/test.cgi"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "script-not-found"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    /* the APR status comes before the client in 2.4 */
    {AP,
     "[Tue Jan 16 08:00:00.000001 2024] [core:crit] [pid 999:tid 12345] (13)Permission "
     "denied: [client 192.0.2.5:40000] AH00529: /var/www/html/.htaccess pcfg_openfile: "
     "unable to check htaccess file, ensure it is readable and that '/var/www/html/' is "
     "executable",
     false,
     {{"@timestamp", "2024-01-16T08:00:00.000001Z"},
      {"log.level", "crit"},
      {"log.logger", "core"},
      {"process.pid", "999"},
      {"process.thread.id", "12345"},
      {"apache.error.errno", "13"},
      {"error.message", "Permission denied"},
      {"source.ip", "192.0.2.5"},
      {"source.port", "40000"},
      {"error.code", "AH00529"},
      {"message", "/var/www/html/.htaccess pcfg_openfile: unable to check htaccess file, ensure "
                  "it is readable and that '/var/www/html/' is executable"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", NULL},
      {NULL, NULL}}},
    /* no client: the server's own notices */
    {AP,
     "[Mon Jan 15 06:25:04.123456 2024] [mpm_event:notice] [pid 1001:tid 140245] AH00489: "
     "Apache/2.4.58 (Debian) configured -- resuming normal operations",
     false,
     {{"@timestamp", "2024-01-15T06:25:04.123456Z"},
      {"log.level", "notice"},
      {"log.logger", "mpm_event"},
      {"process.pid", "1001"},
      {"process.thread.id", "140245"},
      {"error.code", "AH00489"},
      {"message", "Apache/2.4.58 (Debian) configured -- resuming normal operations"},
      {"event.kind", "event"},
      {"event.category", "process"},
      {"event.type", "start"},
      {"event.action", "service-started"},
      {NULL, NULL}}},
    /* ModSecurity 2 on Apache 2.4: "[:error]", two client groups, referer */
    {AP,
     "[Mon Jan 15 10:00:01.654321 2024] [:error] [pid 4242] [client 198.51.100.9:33412] "
     "[client 198.51.100.9] ModSecurity: Warning. Pattern match \"(?i)<script[^>]*>\" at "
     "ARGS:q. [file \"/etc/modsecurity/rules/xss.conf\"] [line \"12\"] [id \"941100\"] [msg "
     "\"XSS Attack Detected via libinjection\"] [severity \"WARNING\"] [tag "
     "\"attack-xss\"] [hostname \"10.0.0.1\"] [uri \"/search\"] [unique_id "
     "\"ZaUXcX8AAQEAAC1hcYwAAAAB\"], referer: https://example.com/",
     false,
     {{"@timestamp", "2024-01-15T10:00:01.654321Z"},
      {"log.level", "error"},
      {"process.pid", "4242"},
      {"source.ip", "198.51.100.9"},
      {"source.port", "33412"},
      {"message", "Warning. Pattern match \"(?i)<script[^>]*>\" at ARGS:q."},
      {"http.request.referrer", "https://example.com/"},
      {"event.kind", "alert"},
      {"event.category", "intrusion_detection"},
      {"event.type", "info"},
      {"event.action", "warning"},
      {"event.provider", "modsecurity"},
      {"event.severity", "4"},
      {"modsecurity.rule.file", "/etc/modsecurity/rules/xss.conf"},
      {"modsecurity.rule.line", "12"},
      {"rule.id", "941100"},
      {"rule.name", "XSS Attack Detected via libinjection"},
      {"rule.category", "attack-xss"},
      {"modsecurity.tags", "[\"attack-xss\"]"},
      {"destination.ip", "10.0.0.1"},
      {"url.path", "/search"},
      {"transaction.id", "ZaUXcX8AAQEAAC1hcYwAAAAB"},
      {NULL, NULL}}},
    /* an unclassified warning: no action, event.type info */
    {AP,
     "[Mon Jan 15 07:20:00.000002 2024] [ssl:warn] [pid 1001:tid 140245] AH01909: "
     "portal.example.gov.vn:443:0 server certificate does NOT include an ID which matches the "
     "server name",
     false,
     {{"@timestamp", "2024-01-15T07:20:00.000002Z"},
      {"log.level", "warn"},
      {"log.logger", "ssl"},
      {"process.pid", "1001"},
      {"process.thread.id", "140245"},
      {"error.code", "AH01909"},
      {"message", "portal.example.gov.vn:443:0 server certificate does NOT include an ID which "
                  "matches the server name"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "info"},
      {NULL, NULL}}},
    /* ---- nginx ---- */
    {NG,
     "2024/01/15 06:25:04 [notice] 1#1: using the \"epoll\" event method",
     false,
     {{"@timestamp", "2024-01-15T06:25:04.000000Z"},
      {"log.level", "notice"},
      {"process.pid", "1"},
      {"nginx.error.tid", "1"},
      {"message", "using the \"epoll\" event method"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "info"},
      {NULL, NULL}}},
    {NG,
     "2024/01/15 10:00:00 [error] 1234#5678: *9 open() \"/usr/share/nginx/html/x\" failed "
     "(2: No such file or directory), client: 1.2.3.4, server: example.com, request: \"GET "
     "/x?y=1 HTTP/1.1\", host: \"example.com\", referrer: \"https://example.com/a\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "error"},
      {"process.pid", "1234"},
      {"nginx.error.tid", "5678"},
      {"nginx.error.connection_id", "9"},
      {"message", "open() \"/usr/share/nginx/html/x\" failed (2: No such file or directory)"},
      {"file.path", "/usr/share/nginx/html/x"},
      {"error.code", "2"},
      {"error.message", "No such file or directory"},
      {"source.ip", "1.2.3.4"},
      {"nginx.error.server_name", "example.com"},
      {"http.request.method", "GET"},
      {"url.original", "/x?y=1"},
      {"url.path", "/x"},
      {"url.query", "y=1"},
      {"http.version", "1.1"},
      {"destination.domain", "example.com"},
      {"url.domain", "example.com"},
      {"http.request.referrer", "https://example.com/a"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "file-not-found"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/01/15 10:00:00 [notice] 1234#1234: signal process started",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "notice"},
      {"process.pid", "1234"},
      {"nginx.error.tid", "1234"},
      {"message", "signal process started"},
      {"event.kind", "event"},
      {"event.category", "process"},
      {"event.type", "info"},
      {"event.action", "signal-sent"},
      {NULL, NULL}}},
    {NG,
     "2024/01/15 10:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in "
     "use)",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "emerg"},
      {"process.pid", "1"},
      {"nginx.error.tid", "1"},
      {"message", "bind() to 0.0.0.0:80 failed (98: Address already in use)"},
      {"error.code", "98"},
      {"error.message", "Address already in use"},
      {"event.kind", "event"},
      {"event.category", "process"},
      {"event.type", "error"},
      {"event.action", "bind-failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/02/01 08:30:12 [error] 2345#2345: *31 user \"admin\" was not found in "
     "\"/etc/nginx/.htpasswd\", client: 198.51.100.3, server: admin.example.com, request: "
     "\"GET /admin/ HTTP/1.1\", host: \"admin.example.com\"",
     false,
     {{"@timestamp", "2024-02-01T08:30:12.000000Z"},
      {"log.level", "error"},
      {"process.pid", "2345"},
      {"nginx.error.tid", "2345"},
      {"nginx.error.connection_id", "31"},
      {"message", "user \"admin\" was not found in \"/etc/nginx/.htpasswd\""},
      {"user.name", "admin"},
      {"source.ip", "198.51.100.3"},
      {"nginx.error.server_name", "admin.example.com"},
      {"http.request.method", "GET"},
      {"url.original", "/admin/"},
      {"url.path", "/admin/"},
      {"http.version", "1.1"},
      {"destination.domain", "admin.example.com"},
      {"url.domain", "admin.example.com"},
      {"event.kind", "event"},
      {"event.category", "authentication"},
      {"event.type", "info"},
      {"event.action", "user-not-found"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/02/01 08:30:15 [error] 2345#2345: *32 user \"root\": password mismatch, client: "
     "198.51.100.3, server: admin.example.com, request: \"GET /admin/ HTTP/1.1\", host: "
     "\"admin.example.com\"",
     false,
     {{"@timestamp", "2024-02-01T08:30:15.000000Z"},
      {"log.level", "error"},
      {"process.pid", "2345"},
      {"nginx.error.tid", "2345"},
      {"nginx.error.connection_id", "32"},
      {"message", "user \"root\": password mismatch"},
      {"user.name", "root"},
      {"source.ip", "198.51.100.3"},
      {"nginx.error.server_name", "admin.example.com"},
      {"http.request.method", "GET"},
      {"url.original", "/admin/"},
      {"url.path", "/admin/"},
      {"http.version", "1.1"},
      {"destination.domain", "admin.example.com"},
      {"url.domain", "admin.example.com"},
      {"event.kind", "event"},
      {"event.category", "authentication"},
      {"event.type", "info"},
      {"event.action", "authentication-failure"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/02/01 08:31:00 [error] 2345#2345: *99 limiting requests, excess: 10.520 by zone "
     "\"login\", client: 198.51.100.3, server: example.com, request: \"POST /login "
     "HTTP/1.1\", host: \"example.com\"",
     false,
     {{"@timestamp", "2024-02-01T08:31:00.000000Z"},
      {"log.level", "error"},
      {"process.pid", "2345"},
      {"nginx.error.tid", "2345"},
      {"nginx.error.connection_id", "99"},
      {"message", "limiting requests, excess: 10.520 by zone \"login\""},
      {"source.ip", "198.51.100.3"},
      {"nginx.error.server_name", "example.com"},
      {"http.request.method", "POST"},
      {"url.original", "/login"},
      {"url.path", "/login"},
      {"http.version", "1.1"},
      {"destination.domain", "example.com"},
      {"url.domain", "example.com"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "denied"},
      {"event.action", "rate-limited"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/02/01 09:00:00 [error] 77#77: *7 upstream timed out (110: Connection timed out) "
     "while reading response header from upstream, client: 10.0.0.5, server: "
     "api.example.com, request: \"GET /v1/items?id=3 HTTP/1.1\", upstream: "
     "\"http://127.0.0.1:8080/v1/items?id=3\", host: \"api.example.com:8443\"",
     false,
     {{"@timestamp", "2024-02-01T09:00:00.000000Z"},
      {"log.level", "error"},
      {"process.pid", "77"},
      {"nginx.error.tid", "77"},
      {"nginx.error.connection_id", "7"},
      {"message", "upstream timed out (110: Connection timed out) while reading response header "
                  "from upstream"},
      {"error.code", "110"},
      {"error.message", "Connection timed out"},
      {"source.ip", "10.0.0.5"},
      {"nginx.error.server_name", "api.example.com"},
      {"http.request.method", "GET"},
      {"url.original", "/v1/items?id=3"},
      {"url.path", "/v1/items"},
      {"url.query", "id=3"},
      {"http.version", "1.1"},
      {"nginx.error.upstream", "http://127.0.0.1:8080/v1/items?id=3"},
      {"destination.domain", "api.example.com"},
      {"url.domain", "api.example.com"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "upstream-timeout"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    /* a raw quote in the request line (nginx does not escape it here) */
    {NG,
     "2024/02/01 09:05:00 [error] 77#77: *8 access forbidden by rule, client: "
     "2001:db8::7, server: _, request: \"GET /a\"b HTTP/1.1\", host: \"10.0.0.1\"",
     false,
     {{"@timestamp", "2024-02-01T09:05:00.000000Z"},
      {"log.level", "error"},
      {"process.pid", "77"},
      {"nginx.error.tid", "77"},
      {"nginx.error.connection_id", "8"},
      {"message", "access forbidden by rule"},
      {"source.ip", "2001:db8::7"},
      {"nginx.error.server_name", "_"},
      {"http.request.method", "GET"},
      {"url.original", "/a\"b"},
      {"url.path", "/a\"b"},
      {"http.version", "1.1"},
      {"destination.ip", "10.0.0.1"},
      {"url.domain", "10.0.0.1"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    {NG,
     "2024/02/01 09:06:00 [crit] 77#77: *1234 SSL_do_handshake() failed (SSL: "
     "error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: "
     "203.0.113.5, server: 0.0.0.0:443",
     false,
     {{"@timestamp", "2024-02-01T09:06:00.000000Z"},
      {"log.level", "crit"},
      {"process.pid", "77"},
      {"nginx.error.tid", "77"},
      {"nginx.error.connection_id", "1234"},
      {"message", "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) "
                  "while SSL handshaking"},
      {"source.ip", "203.0.113.5"},
      {"nginx.error.server_name", "0.0.0.0:443"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "error"},
      {"event.action", "tls-handshake-failed"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    /* a bracketed IPv6 Host header with a port */
    {NG,
     "2024/02/01 09:07:00 [error] 77#77: *9 directory index of \"/srv/www/files/\" is "
     "forbidden, client: 2001:db8::7, server: files, request: \"GET /files/ HTTP/2.0\", host: "
     "\"[2001:db8::1]:8443\"",
     false,
     {{"@timestamp", "2024-02-01T09:07:00.000000Z"},
      {"log.level", "error"},
      {"process.pid", "77"},
      {"nginx.error.tid", "77"},
      {"nginx.error.connection_id", "9"},
      {"message", "directory index of \"/srv/www/files/\" is forbidden"},
      {"file.path", "/srv/www/files/"},
      {"source.ip", "2001:db8::7"},
      {"nginx.error.server_name", "files"},
      {"http.request.method", "GET"},
      {"url.original", "/files/"},
      {"url.path", "/files/"},
      {"http.version", "2.0"},
      {"destination.ip", "2001:db8::1"},
      {"url.domain", "2001:db8::1"},
      {"event.kind", "event"},
      {"event.category", "web"},
      {"event.type", "denied"},
      {"event.action", "directory-index-forbidden"},
      {"event.outcome", "failure"},
      {NULL, NULL}}},
    /* ModSecurity v3 through the nginx connector */
    {NG,
     "2024/01/15 10:00:00 [warn] 2345#2345: *5 [client 192.0.2.66] ModSecurity: Access "
     "denied with code 403 (phase 2). Matched \"Operator `Ge' with parameter `5' against "
     "variable `TX:ANOMALY_SCORE' (Value: `5' ) [file "
     "\"/etc/nginx/modsec/coreruleset/rules/REQUEST-949-BLOCKING-EVALUATION.conf\"] [line "
     "\"80\"] [id \"949110\"] [rev \"\"] [msg \"Inbound Anomaly Score Exceeded (Total "
     "Score: 5)\"] [data \"\"] [severity \"2\"] [ver \"OWASP_CRS/3.3.5\"] [maturity \"0\"] "
     "[accuracy \"0\"] [tag \"application-multi\"] [tag \"attack-generic\"] [hostname "
     "\"10.0.0.10\"] [uri \"/\"] [unique_id \"170531280012.345678\"] [ref \"\"], client: "
     "192.0.2.66, server: example.com, request: \"GET /?q=%3Cscript%3E HTTP/1.1\", host: "
     "\"example.com\"",
     false,
     {{"@timestamp", "2024-01-15T10:00:00.000000Z"},
      {"log.level", "warn"},
      {"process.pid", "2345"},
      {"nginx.error.tid", "2345"},
      {"nginx.error.connection_id", "5"},
      {"message", "Access denied with code 403 (phase 2). Matched \"Operator `Ge' with parameter "
                  "`5' against variable `TX:ANOMALY_SCORE' (Value: `5' )"},
      {"source.ip", "192.0.2.66"},
      {"nginx.error.server_name", "example.com"},
      {"http.request.method", "GET"},
      {"url.original", "/?q=%3Cscript%3E"},
      {"url.path", "/"},
      {"url.query", "q=%3Cscript%3E"},
      {"http.version", "1.1"},
      {"destination.domain", "example.com"},
      {"destination.ip", "10.0.0.10"},
      {"url.domain", "example.com"},
      {"event.kind", "alert"},
      {"event.category", "intrusion_detection"},
      {"event.type", "denied"},
      {"event.action", "access-denied"},
      {"event.provider", "modsecurity"},
      {"event.severity", "2"},
      {"http.response.status_code", "403"},
      {"modsecurity.phase", "2"},
      {"modsecurity.rule.file",
       "/etc/nginx/modsec/coreruleset/rules/REQUEST-949-BLOCKING-EVALUATION.conf"},
      {"modsecurity.rule.line", "80"},
      {"rule.id", "949110"},
      {"rule.name", "Inbound Anomaly Score Exceeded (Total Score: 5)"},
      {"rule.category", "attack-generic"},
      {"rule.ruleset", "OWASP_CRS/3.3.5"},
      {"modsecurity.maturity", "0"},
      {"modsecurity.accuracy", "0"},
      {"modsecurity.tags", "[\"application-multi\",\"attack-generic\"]"},
      {"transaction.id", "170531280012.345678"},
      {NULL, NULL}}},
};

static void test_cases(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        decode_n(dauto, cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], cases[i].dec);
        decode_n(forced_for(cases[i].dec), cases[i].line, strlen(cases[i].line), ev);
        check_case(&cases[i], cases[i].dec);
        assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_EVENT_DATASET), cases[i].dec));
    }
}

/* ---- truncation ---------------------------------------------------------------- */

static bool prefix_rel(canh_str_t a, canh_str_t b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    return n == 0 || memcmp(a.p, b.p, n) == 0;
}

/* A message cut before the ModSecurity parser could strip its prefix
 * ("[client 1.2.3.4] ModSecur") still agrees with the whole message. */
static bool modsec_cut(canh_str_t a, canh_str_t b)
{
    if (prefix_rel(a, canh_str_c("[client ")))
        return true;
    if (canh_str_starts(a, "[client ")) {
        const char *e = memchr(a.p, ']', a.n);
        if (!e)
            return true;
        a = canh_str_sub(a, (size_t)(e - a.p) + 1, a.n);
        while (a.n && a.p[0] == ' ')
            a = canh_str_sub(a, 1, a.n);
    }
    if (prefix_rel(a, canh_str_c("ModSecurity: ")))
        return true;
    return canh_str_starts(a, "ModSecurity: ") && prefix_rel(canh_str_sub(a, 13, a.n), b);
}

/* Every prefix of every case: no crash; a cut line decoded by the same
 * decoder agrees with the whole line where both have a value (a cut value
 * is a prefix of the whole one, or the whole one of the cut one when the
 * cut hid a separator such as ", referer: "). Classification may differ. */
static void test_prefixes(void **st)
{
    (void)st;
    canh_event_t *full = canh_event_create();
    assert_non_null(full);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *line = cases[c].line;
        size_t n = strlen(line);
        canh_decode_record(forced_for(cases[c].dec), line, n, full);
        for (size_t k = 0; k < n; k++) {
            for (int pass = 0; pass < 2; pass++) {
                decode_n(pass ? forced_for(cases[c].dec) : dauto, line, k, ev);
                if (ev->decoder != full->decoder)
                    continue;
                if (!(ev->flags & CANH_EVF_NO_TIME))
                    assert_true(ev->ts == full->ts);
                static const canh_field_t same[] = {
                    CANH_F_SOURCE_IP,    CANH_F_PROCESS_PID, CANH_F_LOG_LEVEL, CANH_F_LOG_LOGGER,
                    CANH_F_ERROR_CODE,   CANH_F_RULE_ID,     CANH_F_USER_NAME, CANH_F_FILE_PATH,
                    CANH_F_URL_ORIGINAL, CANH_F_MESSAGE};
                for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
                    canh_str_t a = canh_event_get(ev, same[i]);
                    canh_str_t b = canh_event_get(full, same[i]);
                    if (a.p && b.p && !prefix_rel(a, b) &&
                        !(same[i] == CANH_F_MESSAGE && modsec_cut(a, b)))
                        fail_msg("prefix %zu of \"%s\": %s = \"%.*s\" (whole: \"%.*s\")", k, line,
                                 canh_field_name(same[i]), (int)a.n, a.p, (int)b.n, b.p);
                }
            }
        }
    }
    canh_event_destroy(full);
}

/* ---- the OSSEC sample file ---------------------------------------------------------- */

static void test_ossec_corpus(void **st)
{
    (void)st;
    FILE *f = fopen(CANH_CORPORA "/ossec/etc/rules/log-entries/apache-error.logs", "r");
    if (!f) {
        print_message("corpus not found, skipped\n");
        skip();
    }
    char line[8192];
    size_t total = 0, specific = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!len)
            continue;
        total++;
        decode_n(dauto, line, len, ev);
        if (ev->decoder == CANH_DEC_APACHE_ERROR && canh_event_has(ev, CANH_F_EVENT_ACTION) &&
            canh_event_has(ev, CANH_F_SOURCE_IP) && !(ev->flags & CANH_EVF_PARTIAL))
            specific++;
        else
            print_message("not specific: %.*s\n", (int)(len > 100 ? 100 : len), line);
    }
    fclose(f);
    print_message("apache-error.logs: %zu of %zu lines specific\n", specific, total);
    assert_true(total > 0);
    assert_true(specific * 100 >= total * 90);
}

/* ---- malformed and foreign --------------------------------------------------------- */

static void test_malformed(void **st)
{
    (void)st;
    static const char *const refused[] = {
        "[Thu Dec 15 23:49:07 2005] error [client 1.2.3.4] x",   /* level not bracketed */
        "[Thu Dec 15 23:49:07 2005][error] [client 1.2.3.4] x",  /* no space */
        "[Thu Dec 32 23:49:07 2005] [error] [client 1.2.3.4] x", /* bad day */
        "[Thu Dec 15 23:49:07] [error] [client 1.2.3.4] x",      /* no year */
        "[Thu Dec 15 23:49:07 2005] [ERROR LEVEL] x",            /* not a level */
        "[Thu Dec 15 23:49:07 2005] [error",                     /* cut */
        "2024/01/15 10:00:00 [error] abc#5678: x",               /* pid */
        "2024/01/15 10:00:00 [error] 1234 x",                    /* no tid */
        "2024/01/15 10:00:00 error 1234#1: x",                   /* level */
        "2024/13/15 10:00:00 [error] 1234#1: x",                 /* month */
        "2024-01-15 10:00:00 [error] 1234#1: x",                 /* dashes */
        "[",
        "2",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *l = refused[i];
        for (int pass = 0; pass < 3; pass++) {
            canh_decode_t *d = pass == 0 ? dauto : pass == 1 ? dapache : dnginx;
            decode_n(d, l, strlen(l), ev);
            if (ev->decoder == CANH_DEC_APACHE_ERROR || ev->decoder == CANH_DEC_NGINX_ERROR)
                fail_msg("\"%s\" claimed by %s", l, canh_decode_name(ev->decoder));
        }
    }
    /* A cut context is not trusted: it stays in the message. */
    const char *cut = "2024/01/15 10:00:00 [error] 1#1: *1 access forbidden by rule, client: "
                      "1.2.3.4, server: x, request: \"GET /";
    decode_n(dauto, cut, strlen(cut), ev);
    assert_string_equal(canh_decode_name(ev->decoder), "nginx_error");
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_MESSAGE),
                              "access forbidden by rule, client: 1.2.3.4, server: x, request: "
                              "\"GET /"));
    assert_true(canh_str_eq_c(canh_event_get(ev, CANH_F_EVENT_ACTION), "access-denied"));
    /* A line cut inside a header group is ours, flagged partial. */
    const char *cut2 = "[Thu Dec 15 23:49:07 2005] [error] [client 85.107";
    decode_n(dauto, cut2, strlen(cut2), ev);
    assert_string_equal(canh_decode_name(ev->decoder), "apache_error");
    assert_true(ev->flags & CANH_EVF_PARTIAL);
    assert_false(canh_event_has(ev, CANH_F_MESSAGE));
    assert_false(canh_event_has(ev, CANH_F_SOURCE_IP));
}

static void test_foreign(void **st)
{
    (void)st;
    static const char *const lines[] = {
        "Jul  7 10:51:24 host prog[1]: [error] something",
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
        "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1 443",
        "[client 1.2.3.4] ModSecurity: Warning. [id \"1\"]",
        "[2024-01-15 10:00:00] production.ERROR: Something failed",
        "[Mon Jan 15 10:00:00 2024] something without a level",
        "2024-01-15 10:00:00.123 UTC [1234] LOG:  connection received",
        "2024-01-15T10:00:00.123456Z 8 [Warning] [MY-010055] [Server] IP address could not be "
        "resolved",
        "2007-01-22 05:00:11 W3SVC1 HOSTNAME 1.1.1.1 GET / - 80 - 2.2.2.2 HTTP/1.1 UA - - h 200 0 "
        "0 1 2 3",
        "{\"level\":\"error\",\"msg\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        for (int pass = 0; pass < 3; pass++) {
            canh_decode_t *d = pass == 0 ? dauto : pass == 1 ? dapache : dnginx;
            decode_n(d, lines[i], strlen(lines[i]), ev);
            if (ev->decoder == CANH_DEC_APACHE_ERROR || ev->decoder == CANH_DEC_NGINX_ERROR)
                fail_msg("\"%s\" claimed by %s", lines[i], canh_decode_name(ev->decoder));
        }
    }
}

/* Sample files: every line decodes with the right decoder. */
static void fixture(const char *path, enum canh_dec_id want, size_t min_lines)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[8192];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len <= 1)
            continue;
        decode_n(dauto, line, len, ev);
        if (ev->decoder != want)
            fail_msg("%s: not decoded: %s", path, line);
        assert_false(ev->flags & (CANH_EVF_PARTIAL | CANH_EVF_NO_TIME | CANH_EVF_BAD_TIME));
        assert_true(canh_event_has(ev, CANH_F_LOG_LEVEL));
        n++;
    }
    fclose(f);
    assert_true(n >= min_lines);
}

static void test_fixtures(void **st)
{
    (void)st;
    fixture(CANH_FIXTURES "/web/apache_error.log", CANH_DEC_APACHE_ERROR, 10);
    fixture(CANH_FIXTURES "/web/nginx_error.log", CANH_DEC_NGINX_ERROR, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_ossec_corpus), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_foreign),      cmocka_unit_test(test_fixtures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
