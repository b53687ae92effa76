/* Unit tests: host facts (one record, compared with what this machine says
 * through other means) and the os-release parser. */
#include <sys/utsname.h>

#include "collect_test_util.h"

#include "collect_int.h"
#include "collect_json_util.h"

static void test_host_record(void **state)
{
    (void)state;
    char dir[64];
    tmpdir_make(dir, sizeof dir, "host");
    canh_collect_opts_t o;
    canh_collect_opts_default(&o);
    o.state_dir = dir;
    o.netconn_interval_s = 0;
    o.dpkg_status = NULL;
    o.rpmdb = NULL;
    canh_collectors_t *c;
    canh_errbuf_t eb;
    assert_int_equal(canh_collectors_create(&o, &c, &eb), CANH_OK);
    got_t g;
    got_init(&g);
    got_poll(c, &g, 5);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.origin[0], "host");
    json_t *d = jparse(g.rec[0]);
    assert_string_equal(jfirst(d, "event.category"), "host");
    assert_string_equal(jstr(d, "event.kind"), "state");

    char name[256];
    assert_int_equal(gethostname(name, sizeof name), 0);
    assert_string_equal(jstr(d, "host.name"), name);
    name[strcspn(name, ".")] = '\0';
    assert_string_equal(jstr(d, "host.hostname"), name);
    struct utsname u;
    assert_int_equal(uname(&u), 0);
    assert_string_equal(jstr(d, "host.os.kernel"), u.release);
    assert_string_equal(jstr(d, "host.architecture"), u.machine);
    assert_string_equal(jstr(d, "host.os.type"), "linux");
    assert_int_equal(jint(d, "canh.host.cpu_count"), sysconf(_SC_NPROCESSORS_ONLN));
    assert_true(jint(d, "canh.host.memory_bytes") > 0);
    assert_true(jint(d, "host.uptime") >= 0);

    FILE *f = fopen("/etc/machine-id", "r");
    if (f) {
        char id[128] = "";
        if (fgets(id, sizeof id, f)) {
            id[strcspn(id, "\n")] = '\0';
            if (id[0])
                assert_string_equal(jstr(d, "host.id"), id);
        }
        fclose(f);
    }
    f = fopen("/etc/os-release", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "ID=", 3) == 0) {
                char *v = line + 3;
                v[strcspn(v, "\n")] = '\0';
                if (*v == '"') {
                    v++;
                    v[strcspn(v, "\"")] = '\0';
                }
                assert_string_equal(jstr(d, "host.os.platform"), v);
            }
        }
        fclose(f);
    }
    json_decref(d);
    got_clear(&g);
    /* one record per inventory interval, not per poll */
    got_poll(c, &g, 3);
    assert_int_equal(g.n, 0);
    canh_collectors_destroy(c);
    tmpdir_remove(dir);
}

static void test_osrelease(void **state)
{
    (void)state;
    const char *t = "NAME=\"Debian GNU/Linux\"\nVERSION_ID='12'\nID=debian\n"
                    "PRETTY_NAME=\"Say \\\"hi\\\"\"\n  HOME_URL=x\nEMPTY=\nUNTERMINATED=\"abc";
    char v[64];
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "NAME", v, sizeof v), CANH_OK);
    assert_string_equal(v, "Debian GNU/Linux");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "VERSION_ID", v, sizeof v), CANH_OK);
    assert_string_equal(v, "12");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "ID", v, sizeof v), CANH_OK);
    assert_string_equal(v, "debian");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "PRETTY_NAME", v, sizeof v), CANH_OK);
    assert_string_equal(v, "Say \"hi\"");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "HOME_URL", v, sizeof v), CANH_OK);
    assert_string_equal(v, "x");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "EMPTY", v, sizeof v), CANH_OK);
    assert_string_equal(v, "");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "UNTERMINATED", v, sizeof v), CANH_OK);
    assert_string_equal(v, "abc");
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "NAM", v, sizeof v), CANH_ENOENT);
    assert_int_equal(canh_osrelease_get(canh_str_c(t), "NAME", v, 4), CANH_ELIMIT);
    assert_int_equal(canh_osrelease_get(canh_str_c("X=\"a\\"), "X", v, sizeof v), CANH_OK);
    assert_string_equal(v, "a\\");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_osrelease),
        cmocka_unit_test(test_host_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
