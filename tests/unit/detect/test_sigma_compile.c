/* Unit tests: compiling Sigma rules - malformed rules get exact messages
 * with line numbers; limits hold against hostile input; partial rules say
 * why; rule files, mapping directories and overrides are found on disk;
 * `|expand` placeholders come from mapping files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/decode.h"
#include "canh/detect.h"
#include "detect_sigma_int.h"

typedef struct rep {
    unsigned n, failed, partial;
    char first[700];
    char all[4096];
} rep_t;

static void on_report(void *ud, const char *file, unsigned line, const char *id, const char *title,
                      canh_rule_status_t st, const char *reason)
{
    rep_t *r = ud;
    (void)title;
    char one[700];
    snprintf(one, sizeof one, "%s:%u: %s: %s: %s", file, line, id ? id : "-",
             st == CANH_RULE_PARTIAL ? "partial" : "failed", reason);
    if (!r->n)
        snprintf(r->first, sizeof r->first, "%s", one);
    size_t l = strlen(r->all);
    snprintf(r->all + l, sizeof r->all - l, "%s\n", one);
    r->n++;
    if (st == CANH_RULE_PARTIAL)
        r->partial++;
    else
        r->failed++;
}

/* Compiles text from memory; returns the first report line ("" if none). */
static rep_t compile(const char *text, size_t len)
{
    rep_t rep = {0};
    canh_rules_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    int rc = sg_rules_compile_mem("r.yml", text, len, on_report, &rep, &r, &eb);
    if (rc != CANH_OK)
        fail_msg("compile: %s", eb.msg);
    canh_rules_destroy(r);
    return rep;
}

static void expect(const char *text, const char *want)
{
    rep_t rep = compile(text, strlen(text));
    if (strcmp(rep.first, want) != 0)
        fail_msg("got      \"%s\"\nexpected \"%s\"", rep.first, want);
}

#define HEAD "title: t\nid: r1\nlogsource:\n  product: linux\ndetection:\n"

static void test_yaml_errors(void **st)
{
    (void)st;
    expect("title: t\nid: r1\nlogsource:\n  product: linux\ndetection:\n  sel:\n    a: [1, 2\n"
           "  condition: sel\n",
           "r.yml:7: -: failed: yaml: flow sequence without a closing bracket (column 8)");
    expect("title: t\ntitle: u\n", "r.yml:2: -: failed: yaml: duplicate key (column 1)");
    expect(HEAD "  sel: &a\n    a: 1\n  s2: *a\n  condition: sel\n",
           "r.yml:8: -: failed: yaml: aliases (*name) are not supported in rules");
    expect("title: t\n\xff\n", "r.yml:2: -: failed: yaml: invalid UTF-8 (byte 0xff)");
    static const char nul[] = "title: t\nid: \0x\n";
    rep_t rep = compile(nul, sizeof nul - 1);
    assert_string_equal(rep.first, "r.yml:2: -: failed: yaml: NUL byte in text (byte 0x00)");
    expect("", "r.yml:1: -: failed: empty file: no Sigma rule in it");
    expect("# only a comment\n", "r.yml:1: -: failed: empty file: no Sigma rule in it");
    expect("- a\n- b\n", "r.yml:1: -: failed: expected a mapping (a Sigma rule)");
    /* Nesting past the limit. */
    char deep[512] = "a:\n";
    size_t o = strlen(deep);
    for (int i = 1; i < 30; i++)
        o += (size_t)snprintf(deep + o, sizeof deep - o, "%*sb:\n", i, "");
    rep = compile(deep, strlen(deep));
    assert_non_null(strstr(rep.first, "failed: yaml: nesting deeper than 24 levels"));
}

static void test_structure_errors(void **st)
{
    (void)st;
    expect("logsource:\n  product: linux\ndetection:\n  sel:\n    a: 1\n  condition: sel\n",
           "r.yml:1: -: failed: missing title");
    expect("title: t\nid: r1\ndetection:\n  sel:\n    a: 1\n  condition: sel\n",
           "r.yml:1: r1: failed: missing logsource");
    expect("title: t\nid: r1\nlogsource:\n  product: linux\n",
           "r.yml:1: r1: failed: missing detection");
    expect(HEAD "  sel:\n    a: 1\n", "r.yml:5: r1: failed: detection: missing condition");
    expect("title: t\nid: r1\nlevel: severe\nlogsource:\n  product: linux\ndetection:\n"
           "  sel:\n    a: 1\n  condition: sel\n",
           "r.yml:3: r1: failed: level: expected one of informational, low, medium, high, "
           "critical, got \"severe\"");
    expect("title: t\nid: r1\nlogsource: linux\ndetection:\n  sel:\n    a: 1\n  condition: sel\n",
           "r.yml:3: r1: failed: logsource: expected a mapping");
    expect("title: t\nid: r1\ncorrelation:\n  type: event_count\n",
           "r.yml:3: r1: failed: correlation: rules must be a non-empty list of strings");
    expect(HEAD "  sel:\n    a:\n      b: 1\n  condition: sel\n",
           "r.yml:8: r1: failed: detection.sel: a: expected a value or a list of values, got a "
           "mapping");
    expect(HEAD "  sel: {}\n  condition: sel\n",
           "r.yml:6: r1: failed: detection.sel: empty selection");
    expect(HEAD "  sel:\n    a: []\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a: empty list of values");
    expect(HEAD "  sel:\n    - a: 1\n    - x\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a selection list mixes mappings and plain values");
    /* Two rules with one id. */
    expect(HEAD "  sel:\n    a: 1\n  condition: sel\n---\n" HEAD "  sel:\n    a: 1\n"
                "  condition: sel\n",
           "r.yml:11: r1: failed: duplicate rule id (also in r.yml:1)");
}

static void test_modifier_errors(void **st)
{
    (void)st;
    expect(HEAD "  sel:\n    a|foo: 1\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|foo: unknown modifier \"foo\"");
    expect(HEAD "  sel:\n    a|contains|endswith: 1\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|contains|endswith: only one of contains, "
           "startswith, endswith");
    expect(HEAD "  sel:\n    a|i: x\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|i: \"i\" is a regular expression flag and needs "
           "re before it");
    expect(HEAD "  sel:\n    a|re: '(ab'\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|re: invalid regular expression at offset 3: "
           "missing closing parenthesis");
    expect(HEAD "  sel:\n    a|re|cased: 'ab'\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|re|cased: re takes no encoding or cased modifier "
           "(use |i for case-insensitive matching)");
    expect(HEAD "  sel:\n    a|cidr: 10.0.0.0/33\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|cidr: \"10.0.0.0/33\" is not an IPv4 or IPv6 "
           "network");
    expect(HEAD "  sel:\n    a|cidr|re: x\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|cidr|re: \"re\" cannot be combined with the "
           "other value-type modifier");
    expect(HEAD "  sel:\n    a|exists: maybe\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|exists: exists takes true or false");
    expect(HEAD "  sel:\n    a|gt: ten\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|gt: expected a number, got \"ten\"");
    expect(HEAD "  sel:\n    a|base64: 'x*'\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|base64: base64 encoding of values with "
           "wildcards is not allowed (escape them with \\)");
    expect(HEAD "  sel:\n    a|fieldref: 'b*'\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|fieldref: fieldref takes a field name");
    expect(HEAD "  sel:\n    a|gt|contains: 1\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|gt|contains: contains/startswith/endswith apply "
           "to strings, regular expressions and field references");
    expect(HEAD "  sel:\n    '|exists': true\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: |exists: this modifier needs a field");
    expect(HEAD "  sel:\n    a|contains: null\n  condition: sel\n", "");
    /* windash variants are bounded: 5^k for k dashes. */
    expect(HEAD "  sel:\n    a|windash: ' -a -b -c -d -e -f'\n  condition: sel\n",
           "r.yml:7: r1: failed: detection.sel: a|windash: value grows past 65536 bytes or 4096 "
           "variants");
}

static void test_condition_errors(void **st)
{
    (void)st;
#define COND(c) HEAD "  sel:\n    a: 1\n  filter_x:\n    b: 2\n  condition: " c "\n"
    expect(COND("selx"), "r.yml:10: r1: failed: condition: unknown search identifier \"selx\" at "
                         "column 1");
    expect(COND("sel and (filter_x or sel"),
           "r.yml:10: r1: failed: condition: expected \")\", got at the end");
    expect(COND("sel and) filter_x"),
           "r.yml:10: r1: failed: condition: unexpected \")\" at column 8");
    expect(COND("sel filter_x"),
           "r.yml:10: r1: failed: condition: unexpected \"filter_x\" at column 5");
    expect(COND("sel and not"), "r.yml:10: r1: failed: condition: unexpected at the end");
    expect(
        COND("1 of nomatch*"),
        "r.yml:10: r1: failed: condition: no search identifier matches \"nomatch*\" at column 6");
    expect(COND("2 of filter_*"),
           "r.yml:10: r1: failed: condition: only \"1 of\" and \"all of\" are supported, got "
           "\"2\" at column 1");
    expect(COND("all filter_*"),
           "r.yml:10: r1: failed: condition: expected \"of\" after \"all\", got \"filter_*\" at "
           "column 5");
    expect(COND("filter_*"), "r.yml:10: r1: failed: condition: a wildcard needs \"1 of\" or \"all "
                             "of\": \"filter_*\" at column 1");
    expect(COND("sel | count() by x > 5"),
           "r.yml:10: r1: failed: condition: aggregations (\"| count() ...\", column 5) are Sigma "
           "1 syntax; write a correlation rule instead");
    expect(COND("''"), "r.yml:10: r1: failed: condition: empty");
    /* Nesting is bounded. */
    char c[1024];
    size_t o = (size_t)snprintf(c, sizeof c, HEAD "  sel:\n    a: 1\n  condition: ");
    for (int i = 0; i < 100; i++)
        c[o++] = '(';
    memcpy(c + o, "sel", 3);
    o += 3;
    for (int i = 0; i < 100; i++)
        c[o++] = ')';
    c[o++] = '\n';
    c[o] = '\0';
    expect(c, "r.yml:8: r1: failed: condition: nesting deeper than 64");
    /* Deep but legal. */
    o = (size_t)snprintf(c, sizeof c, HEAD "  sel:\n    a: 1\n  condition: ");
    for (int i = 0; i < 20; i++)
        c[o++] = '(';
    memcpy(c + o, "not sel", 7);
    o += 7;
    for (int i = 0; i < 20; i++)
        c[o++] = ')';
    c[o++] = '\n';
    c[o] = '\0';
    expect(c, "");
}

static void test_partial(void **st)
{
    (void)st;
    expect("title: t\nid: r1\nlogsource:\n  product: macos\n  category: process_creation\n"
           "detection:\n  sel:\n    Image: /bin/sh\n  condition: sel\n",
           "r.yml:3: r1: partial: logsource macos/process_creation/ has no entry in the mapping "
           "files; the rule runs on events whose event.dataset is macos");
    expect("title: t\nid: r1\nlogsource:\n  product: windows\n  category: nosuch\n"
           "detection:\n  sel:\n    Image: x\n  condition: sel\n",
           "r.yml:3: r1: partial: logsource windows/nosuch/ has no entry of its own in the mapping "
           "files; it is routed as product=windows");
    expect(HEAD "  sel:\n    a|contains|expand: '%unknown_list%'\n  condition: sel\n",
           "r.yml:7: r1: partial: expand: placeholder %unknown_list% has no values (define it "
           "under placeholders: in a mapping file); it matches anything");
}

static void test_limits(void **st)
{
    (void)st;
    /* A value over the limit, a file over the limit. */
    size_t big = SG_MAX_VALUE + 100;
    char *t = malloc(big + 256);
    int o = snprintf(t, 256, HEAD "  sel:\n    a: '");
    memset(t + o, 'x', big);
    snprintf(t + o + big, 256, "'\n  condition: sel\n");
    rep_t rep = compile(t, strlen(t));
    assert_non_null(strstr(rep.first, "r.yml:7: r1: failed: detection.sel: a: value longer than "
                                      "65536 bytes"));
    free(t);
    t = calloc(1, SG_MAX_FILE + 2);
    memset(t, '#', SG_MAX_FILE + 1);
    rep = compile(t, SG_MAX_FILE + 1);
    assert_string_equal(rep.first, "r.yml:1: -: failed: file larger than 1048576 bytes");
    free(t);
    /* Many selections expanding many times stay bounded by the node limit. */
    canh_buf_t b;
    canh_buf_init(&b, 1u << 24);
    canh_buf_puts(&b, HEAD);
    for (int i = 0; i < 600; i++)
        canh_buf_printf(&b, "  s%d:\n    a: %d\n", i, i);
    canh_buf_puts(&b, "  condition: 1 of s* and all of s* and (1 of them or all of them)\n");
    rep = compile(b.data, b.len);
    assert_string_equal(rep.first, "");
    /* ...but not past the per-rule budget: a condition repeating "1 of them"
     * over 600 identifiers... */
    canh_buf_reset(&b);
    canh_buf_puts(&b, HEAD);
    for (int i = 0; i < 600; i++)
        canh_buf_printf(&b, "  s%d:\n    a: %d\n", i, i);
    canh_buf_puts(&b, "  condition: 1 of them");
    for (int i = 0; i < 300; i++)
        canh_buf_puts(&b, " and 1 of them");
    canh_buf_puts(&b, "\n");
    rep = compile(b.data, b.len);
    assert_string_equal(rep.first, "r.yml:1206: r1: failed: rule too large");
    /* ...or values multiplied by variants. */
    canh_buf_reset(&b);
    canh_buf_puts(&b, HEAD "  sel:\n    a|windash|contains:\n");
    for (int i = 0; i < 5000; i++)
        canh_buf_printf(&b, "      - ' -a%d -b'\n", i);
    canh_buf_puts(&b, "  condition: sel\n");
    rep = compile(b.data, b.len);
    assert_string_equal(rep.first, "r.yml:6: r1: failed: rule too large: more than 100000 value "
                                   "tests or 16 MiB of values");
    canh_buf_fini(&b);
}

/* ---- files on disk ------------------------------------------------------------------------ */

static char tmp[256];

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmp, rel);
    for (char *q = p + strlen(tmp) + 1; (q = strchr(q, '/')); q++) {
        *q = '\0';
        mkdir(p, 0700);
        *q = '/';
    }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static const char *NGINX =
    "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /wp-login.php HTTP/1.1\" 404 512 \"-\" "
    "\"Mozilla/5.0 zgrab/0.x\"";

typedef struct ids {
    char s[512];
} ids_t;

static int collect(void *ud, const canh_alert_t *a, const canh_event_t *e)
{
    ids_t *x = ud;
    (void)e;
    size_t l = strlen(x->s);
    snprintf(x->s + l, sizeof x->s - l, "%s%s", l ? "," : "", a->rule_id);
    return 0;
}

static void alerts_on(canh_rules_t *r, const char *line, ids_t *out)
{
    canh_decode_t *dec;
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {0, 0}, .type = NULL};
    assert_int_equal(canh_decode_create(&o, &dec, &eb), CANH_OK);
    canh_event_t *ev = canh_event_create();
    canh_detector_t *d;
    assert_int_equal(canh_detector_create(r, &d), CANH_OK);
    canh_decode_record(dec, line, strlen(line), ev);
    memset(out, 0, sizeof *out);
    assert_true(canh_detector_run(d, ev, collect, out) >= 0);
    canh_detector_destroy(d);
    canh_event_destroy(ev);
    canh_decode_destroy(dec);
}

#define WEB(id, det)                                                                               \
    "title: " id "\nid: " id "\nlogsource:\n  category: webserver\ndetection:\n" det

static void test_files_overrides_mappings(void **st)
{
    (void)st;
    snprintf(tmp, sizeof tmp, "/tmp/canh-sigma-test-%d", (int)getpid());
    rm_rf(tmp);
    assert_int_equal(mkdir(tmp, 0700), 0);
    put("rules/web/a.yml",
        WEB("ra", "  sel:\n    cs-uri-query|endswith: .php\n  condition: sel\n"));
    put("rules/web/b.yaml",
        WEB("rb", "  sel:\n    cs-user-agent|contains: zgrab\n  condition: sel\n"));
    put("rules/web/c.yml", WEB("rc", "  sel:\n    sc-status: 404\n  condition: sel\n"));
    put("rules/web/d.yml", WEB("rd", "  sel:\n    cs-uri-query|contains|expand: '%probe%'\n"
                                     "  condition: sel\n"));
    put("rules/web/notes.txt", "not a rule");
    put("rules/.hidden/x.yml", "this: [is not read");
    put("rules/mappings/site.yml", "placeholders:\n  probe: [wp-login, xmlrpc]\n"
                                   "fields:\n  - logsource: {category: webserver}\n    map:\n      "
                                   "Agent: user_agent.original\n");
    put("rules/web/e.yml", WEB("re", "  sel:\n    Agent|startswith: 'mozilla/5.0 zg'\n"
                                     "  condition: sel\n"));
    put("rules/local/overrides.yml",
        "disable:\n  - rc\n  - nosuch\nexceptions:\n  rb:\n    - cs-uri-query|contains: wp-login\n"
        "  ra:\n    - c-ip|cidr: 192.0.2.0/24\n  re:\n    - bad|re: '('\n");
    char rules_dir[300];
    snprintf(rules_dir, sizeof rules_dir, "%s/rules", tmp);
    const char *paths[] = {rules_dir};
    canh_rules_t *r;
    canh_errbuf_t eb = {{0}};
    rep_t rep = {0};
    size_t ok = 0, bad = 0;
    canh_rules_opts_t opts = {.mappings = NULL, .skip_disabled = true};
    assert_int_equal(canh_rules_compile(paths, 1, &opts, on_report, &rep, &r, &ok, &bad, &eb),
                     CANH_OK);
    assert_int_equal(ok, 5);
    assert_int_equal(bad, 1); /* the broken exception */
    char want[1024];
    snprintf(want, sizeof want,
             "%s/rules/local/overrides.yml:3: nosuch: partial: disable: no rule with this id was "
             "compiled\n"
             "%s/rules/local/overrides.yml:10: re: failed: exceptions: bad|re: invalid regular "
             "expression at offset 1: missing closing parenthesis (the rule runs without these "
             "exceptions)\n",
             tmp, tmp);
    if (strcmp(rep.all, want) != 0)
        fail_msg("reports:\n%s", rep.all);
    assert_int_equal(canh_rules_count(r), 4); /* rc disabled */
    ids_t got;
    /* ra: .php (no exception: 203.0.113.7 is not in 192.0.2.0/24); rb: zgrab but
     * wp-login is excepted; rc disabled; rd: expanded to wp-login or xmlrpc;
     * re: the site mapping's Agent field. */
    alerts_on(r, NGINX, &got);
    assert_string_equal(got.s, "ra,rd,re");
    canh_rules_destroy(r);

    /* Without honouring disable lists, rc runs too. */
    opts.skip_disabled = false;
    memset(&rep, 0, sizeof rep);
    assert_int_equal(canh_rules_compile(paths, 1, &opts, on_report, &rep, &r, &ok, &bad, &eb),
                     CANH_OK);
    alerts_on(r, NGINX, &got);
    assert_string_equal(got.s, "ra,rc,rd,re");
    canh_rules_destroy(r);

    /* A mapping directory given in the options; a broken mapping file is an
     * error for the whole compile, with file and line. */
    put("maps2/m.yml", "fields:\n  - logsource: {category: webserver}\n    mapp: {}\n");
    char maps[300];
    snprintf(maps, sizeof maps, "%s/maps2", tmp);
    opts.mappings = maps;
    assert_int_equal(canh_rules_compile(paths, 1, &opts, on_report, &rep, &r, &ok, &bad, &eb),
                     CANH_EINVAL);
    snprintf(want, sizeof want, "%s/maps2/m.yml:3: fields[0]: unknown key \"mapp\"", tmp);
    assert_string_equal(eb.msg, want);
    /* A path that does not exist. */
    opts.mappings = NULL;
    const char *missing[] = {"/nonexistent/canh-rules"};
    assert_int_equal(canh_rules_compile(missing, 1, &opts, on_report, &rep, &r, &ok, &bad, &eb),
                     CANH_ENOENT);
    assert_string_equal(eb.msg, "/nonexistent/canh-rules: No such file or directory");
    rm_rf(tmp);
}

static void test_builtin_mappings_load(void **st)
{
    (void)st;
    /* Every shipped mapping file loads, and the routes compile. */
    sg_maps_t *m;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(sg_maps_create(&m), CANH_OK);
    if (sg_maps_load_builtin(m, &eb) != CANH_OK)
        fail_msg("%s", eb.msg);
    sg_maps_destroy(m);
    /* Mapping-file errors quote file and line. */
    assert_int_equal(sg_maps_create(&m), CANH_OK);
    static const char bad[] = "logsources:\n  - product: x\n    match: 5\n";
    assert_int_equal(sg_maps_load(m, "m.yml", bad, sizeof bad - 1, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "m.yml:3: logsources[0].match: expected a mapping or a list of "
                                "mappings");
    static const char bad2[] = "fields:\n  - logsource: {product: x}\n    map:\n      A: {b: c}\n";
    assert_int_equal(sg_maps_load(m, "m.yml", bad2, sizeof bad2 - 1, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "m.yml:4: fields[0].map.A: a mapping must be {any: [fields]}");
    static const char bad3[] = "colours: 1\n";
    assert_int_equal(sg_maps_load(m, "m.yml", bad3, sizeof bad3 - 1, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "m.yml:1: unknown key \"colours\" (expected logsources, fields or "
                                "placeholders)");
    sg_maps_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_modifier_errors),
        cmocka_unit_test(test_condition_errors),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_files_overrides_mappings),
        cmocka_unit_test(test_builtin_mappings_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
