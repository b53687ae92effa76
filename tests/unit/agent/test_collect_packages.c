/* Unit tests: the package inventory. This machine's dpkg status (the count
 * must equal the installed stanzas counted here independently), fixture
 * diffs for install/remove/upgrade across a restart, an rpm database built
 * here with header blobs made here, and the parsers on hostile input. */
#include <sqlite3.h>

#include "canh/mem.h"

#include "collect_test_util.h"

#include "collect_int.h"
#include "collect_json_util.h"

#define DPKG_STATUS "/var/lib/dpkg/status"

/* Installed stanzas, counted without the collector's parser: a stanza
 * whose Status line says "install ok installed" (or "hold ok installed"). */
static long count_installed(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[8192];
    long n = 0;
    while (fgets(line, sizeof line, f))
        if (strcmp(line, "Status: install ok installed\n") == 0 ||
            strcmp(line, "Status: hold ok installed\n") == 0)
            n++;
    fclose(f);
    return n;
}

static canh_collectors_t *make(const char *state, const char *dpkg, const char *rpmdb)
{
    canh_collect_opts_t o;
    canh_collect_opts_default(&o);
    o.state_dir = state;
    o.netconn_interval_s = 0;
    o.dpkg_status = dpkg;
    o.rpmdb = rpmdb;
    canh_collectors_t *c = NULL;
    canh_errbuf_t eb;
    if (canh_collectors_create(&o, &c, &eb) != CANH_OK)
        fail_msg("create: %s", eb.msg);
    return c;
}

typedef struct tally {
    int info, installed, removed, changed, summaries, host;
    json_t *summary;
} tally_t;

static void tally(got_t *g, tally_t *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < g->n; i++) {
        if (strcmp(g->origin[i], "host") == 0) {
            t->host++;
            continue;
        }
        assert_string_equal(g->origin[i], "packages");
        json_t *d = jparse(g->rec[i]);
        assert_string_equal(jfirst(d, "event.category"), "package");
        const char *type = jfirst(d, "event.type");
        const char *action = jstr(d, "event.action");
        if (strcmp(action, "package-inventory") == 0) {
            t->summaries++;
            json_decref(t->summary);
            t->summary = d;
            continue;
        }
        assert_non_null(jstr(d, "package.name"));
        assert_non_null(jstr(d, "package.version"));
        if (strcmp(type, "info") == 0)
            t->info++;
        else if (strcmp(type, "installation") == 0)
            t->installed++;
        else if (strcmp(type, "deletion") == 0)
            t->removed++;
        else if (strcmp(type, "change") == 0)
            t->changed++;
        json_decref(d);
    }
}

static void test_this_machine(void **state)
{
    (void)state;
    long want = count_installed(DPKG_STATUS);
    if (want < 0)
        skip();
    char dir[64];
    tmpdir_make(dir, sizeof dir, "pkg");
    canh_collectors_t *c = make(dir, DPKG_STATUS, "");
    got_t g;
    got_init(&g);
    got_poll(c, &g, 50);
    tally_t t;
    tally(&g, &t);
    assert_int_equal(t.info, want);
    assert_int_equal(t.summaries, 1);
    assert_int_equal(t.host, 1);
    assert_int_equal(jint(t.summary, "canh.packages.total"), want);
    assert_int_equal(jint(t.summary, "canh.packages.deb"), want);
    assert_true(json_is_true(jpath(t.summary, "canh.packages.first")));
    /* every record names a deb with an architecture */
    for (int i = 0; i < g.n; i++) {
        json_t *d = jparse(g.rec[i]);
        if (jstr(d, "package.name")) {
            assert_string_equal(jstr(d, "package.type"), "deb");
            assert_non_null(jstr(d, "package.architecture"));
        }
        json_decref(d);
    }
    canh_collect_stats_t st;
    canh_collectors_stats(c, &st);
    assert_int_equal(st.packages, (uint64_t)want);
    json_decref(t.summary);
    got_clear(&g);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

static void copy_file(const char *from, const char *to)
{
    char *text = NULL;
    size_t n = 0;
    canh_errbuf_t eb;
    assert_int_equal(canh_coll_read_file(from, 1 << 20, &text, &n, &eb), CANH_OK);
    FILE *f = fopen(to, "w");
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
    canh_free(text);
}

static json_t *find_pkg(got_t *g, const char *name, const char *arch)
{
    for (int i = 0; i < g->n; i++) {
        json_t *d = jparse(g->rec[i]);
        const char *nm = jstr(d, "package.name"), *ar = jstr(d, "package.architecture");
        if (nm && strcmp(nm, name) == 0 && (!arch || (ar && strcmp(ar, arch) == 0)))
            return d;
        json_decref(d);
    }
    return NULL;
}

static void test_fixture_diffs(void **state)
{
    (void)state;
    char dir[64], status[128];
    tmpdir_make(dir, sizeof dir, "pkg");
    snprintf(status, sizeof status, "%s/status", dir);
    copy_file(CANH_FIXTURES "/agent/dpkg-status-before", status);
    canh_collectors_t *c = make(dir, status, "");
    got_t g;
    got_init(&g);
    got_poll(c, &g, 10);
    tally_t t;
    tally(&g, &t);
    assert_int_equal(t.info, 5); /* deinstall'ed one not counted, the held one is */
    assert_int_equal(jint(t.summary, "canh.packages.total"), 5);
    json_t *d = find_pkg(&g, "vim-tiny", NULL);
    assert_non_null(d);
    assert_string_equal(jstr(d, "package.version"), "2:9.0.1378-2");
    assert_string_equal(jstr(d, "canh.package.source"), "vim");
    json_decref(d);
    json_decref(t.summary);
    got_clear(&g);

    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_checkpoint(c, &eb), CANH_OK);
    canh_collectors_destroy(c);
    copy_file(CANH_FIXTURES "/agent/dpkg-status-after", status);
    c = make(dir, status, "");
    got_poll(c, &g, 10);
    tally(&g, &t);
    assert_int_equal(t.info, 0);
    assert_int_equal(t.installed, 1);
    assert_int_equal(t.removed, 1);
    assert_int_equal(t.changed, 1);
    assert_int_equal(t.summaries, 1);
    assert_false(json_is_true(jpath(t.summary, "canh.packages.first")));
    assert_int_equal(jint(t.summary, "canh.packages.upgraded"), 1);
    d = find_pkg(&g, "libssl3", "amd64");
    assert_non_null(d);
    assert_string_equal(jstr(d, "package.version"), "3.0.15-1~deb12u1");
    assert_string_equal(jstr(d, "canh.package.previous_version"), "3.0.11-1~deb12u2");
    assert_string_equal(jstr(d, "event.action"), "package-upgraded");
    json_decref(d);
    d = find_pkg(&g, "oldtool", NULL);
    assert_non_null(d);
    assert_string_equal(jfirst(d, "event.type"), "deletion");
    json_decref(d);
    d = find_pkg(&g, "newtool", NULL);
    assert_non_null(d);
    assert_string_equal(jfirst(d, "event.type"), "installation");
    json_decref(d);
    json_decref(t.summary);
    got_clear(&g);

    /* Not checkpointed: the same changes are reported again after a
     * restart (at least once). */
    canh_collectors_destroy(c);
    c = make(dir, status, "");
    got_poll(c, &g, 10);
    tally(&g, &t);
    assert_int_equal(t.installed + t.removed + t.changed, 3);
    json_decref(t.summary);
    got_clear(&g);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

/* ---- rpm ------------------------------------------------------------------ */
typedef struct hdr {
    uint8_t buf[1024];
    size_t n;
} hdr_t;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A header with NAME, VERSION, RELEASE, ARCH (strings) and EPOCH when
 * epoch >= 0, laid out as rpm stores it (index, then data). */
static void make_header(hdr_t *h, const char *name, const char *ver, const char *rel,
                        const char *arch, int epoch)
{
    struct {
        uint32_t tag, type;
        const char *s;
    } e[5] = {{1000, 6, name}, {1001, 6, ver}, {1002, 6, rel}, {1022, 6, arch}, {1003, 4, NULL}};
    uint32_t il = epoch >= 0 ? 5 : 4;
    uint8_t data[512];
    uint32_t dl = 0;
    memset(h, 0, sizeof *h);
    for (uint32_t i = 0; i < il; i++) {
        uint8_t *ix = h->buf + 8 + i * 16;
        if (e[i].type == 4) {
            while (dl % 4)
                data[dl++] = 0;
            put32(ix, e[i].tag);
            put32(ix + 4, 4);
            put32(ix + 8, dl);
            put32(ix + 12, 1);
            put32(data + dl, (uint32_t)epoch);
            dl += 4;
            continue;
        }
        size_t k = strlen(e[i].s) + 1;
        put32(ix, e[i].tag);
        put32(ix + 4, e[i].type);
        put32(ix + 8, dl);
        put32(ix + 12, 1);
        memcpy(data + dl, e[i].s, k);
        dl += (uint32_t)k;
    }
    put32(h->buf, il);
    put32(h->buf + 4, dl);
    memcpy(h->buf + 8 + il * 16, data, dl);
    h->n = 8 + il * 16 + dl;
}

static void test_rpm_header(void **state)
{
    (void)state;
    hdr_t h;
    make_header(&h, "bash", "5.1.8", "6.el9", "x86_64", 2);
    canh_rpm_pkg_t p;
    assert_int_equal(canh_rpm_header_parse(h.buf, h.n, &p), CANH_OK);
    assert_true(canh_str_eq_c(p.name, "bash"));
    assert_true(canh_str_eq_c(p.version, "5.1.8"));
    assert_true(canh_str_eq_c(p.release, "6.el9"));
    assert_true(canh_str_eq_c(p.arch, "x86_64"));
    assert_int_equal(p.epoch, 2);
    /* every truncation fails cleanly */
    for (size_t n = 0; n < h.n; n++)
        assert_int_equal(canh_rpm_header_parse(h.buf, n, &p), CANH_EINVAL);
    /* an offset past the data, a string without its NUL, absurd counts */
    hdr_t b = h;
    put32(b.buf + 8 + 8, 100000);
    assert_int_equal(canh_rpm_header_parse(b.buf, b.n, &p), CANH_EINVAL);
    make_header(&b, "a", "1", "1", "noarch", -1);
    b.buf[b.n - 1] = 'x'; /* "noarch" loses its NUL */
    assert_int_equal(canh_rpm_header_parse(b.buf, b.n, &p), CANH_EINVAL);
    b = h;
    put32(b.buf, 0x7fffffff);
    assert_int_equal(canh_rpm_header_parse(b.buf, b.n, &p), CANH_EINVAL);
    b = h;
    put32(b.buf + 4, 0xffffffff);
    assert_int_equal(canh_rpm_header_parse(b.buf, b.n, &p), CANH_EINVAL);
    make_header(&b, "", "1", "1", "noarch", -1);
    assert_int_equal(canh_rpm_header_parse(b.buf, b.n, &p), CANH_EINVAL);
}

static void test_rpmdb(void **state)
{
    (void)state;
    char dir[64], db[128];
    tmpdir_make(dir, sizeof dir, "rpm");
    snprintf(db, sizeof db, "%s/rpmdb.sqlite", dir);
    sqlite3 *s;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s,
                                  "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT,"
                                  " blob BLOB NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *ins;
    assert_int_equal(
        sqlite3_prepare_v2(s, "INSERT INTO Packages (blob) VALUES (?1)", -1, &ins, NULL),
        SQLITE_OK);
    hdr_t h[3];
    make_header(&h[0], "bash", "5.1.8", "6.el9", "x86_64", -1);
    make_header(&h[1], "openssl-libs", "3.0.7", "27.el9", "x86_64", 1);
    make_header(&h[2], "broken", "1", "1", "noarch", -1);
    h[2].n -= 3; /* malformed */
    for (int i = 0; i < 3; i++) {
        sqlite3_bind_blob(ins, 1, h[i].buf, (int)h[i].n, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_close(s);

    char state_dir[128];
    snprintf(state_dir, sizeof state_dir, "%s/state", dir);
    canh_collectors_t *c = make(state_dir, "", db);
    got_t g;
    got_init(&g);
    got_poll(c, &g, 10);
    tally_t t;
    tally(&g, &t);
    assert_int_equal(t.info, 2);
    assert_int_equal(jint(t.summary, "canh.packages.rpm"), 2);
    assert_int_equal(jint(t.summary, "canh.packages.malformed"), 1);
    json_t *d = find_pkg(&g, "openssl-libs", "x86_64");
    assert_non_null(d);
    assert_string_equal(jstr(d, "package.type"), "rpm");
    assert_string_equal(jstr(d, "package.version"), "1:3.0.7-27.el9");
    json_decref(d);
    d = find_pkg(&g, "bash", NULL);
    assert_string_equal(jstr(d, "package.version"), "5.1.8-6.el9");
    json_decref(d);
    json_decref(t.summary);
    got_clear(&g);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

/* ---- dpkg parser -------------------------------------------------------------- */
typedef struct seen {
    char names[16][64];
    int n;
} seen_t;

static int on_pkg(void *ud, const canh_dpkg_pkg_t *p)
{
    seen_t *s = ud;
    if (s->n < 16)
        snprintf(s->names[s->n++], 64, "%.*s=%.*s/%.*s", (int)p->name.n, p->name.p,
                 (int)p->version.n, p->version.p, (int)p->arch.n, p->arch.p);
    return 0;
}

static void test_dpkg_parser(void **state)
{
    (void)state;
    const char *text = "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n"
                       "Architecture: amd64\r\n\r\n"
                       "Package: nover\nStatus: install ok installed\n\n"
                       "Package: bad\nStatus: install ok installed\nVersion: 2\nno colon here\n\n"
                       " orphan continuation\n\n"
                       "Package: gone\nStatus: purge ok not-installed\nVersion: 3\n\n"
                       "Package: last\nStatus: install ok installed\nVersion: 4\n"
                       "Description: x\n more\n .\n"
                       "Architecture: all"; /* no final newline */
    seen_t s = {0};
    uint64_t bad = 0;
    assert_int_equal(canh_dpkg_parse(text, strlen(text), on_pkg, &s, &bad), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.names[0], "a=1/amd64");
    assert_string_equal(s.names[1], "last=4/all");
    assert_int_equal(bad, 2);
    /* every prefix parses without reading past it */
    for (size_t n = 0; n <= strlen(text); n++) {
        char *cp = malloc(n ? n : 1);
        memcpy(cp, text, n);
        seen_t s2 = {0};
        canh_dpkg_parse(cp, n, on_pkg, &s2, NULL);
        free(cp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dpkg_parser),   cmocka_unit_test(test_this_machine),
        cmocka_unit_test(test_fixture_diffs), cmocka_unit_test(test_rpm_header),
        cmocka_unit_test(test_rpmdb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
