/* test_config.c - the table-driven YAML configuration engine (canh/config.h)
 * and Canh's own settings table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "canh/buf.h"
#include "canh/config.h"
#include "canh/error.h"
#include "canh/limits.h"
#include "canh/mem.h"

#define DOC_PATH CANH_FIXTURES "/../../docs/configuration.md"
#define EXAMPLE_PATH CANH_FIXTURES "/../../etc/canh.yml"

/* ---- a table with every type ------------------------------------------------ */

typedef struct tcfg {
    char *name;
    int64_t count;
    bool flag;
    uint64_t size;
    int64_t timeout;
    int mode;
    canh_strlist_t list;
    char *listen;
    char *tz;
    char *note;
    int64_t deep;
} tcfg_t;

static const char *const modes[] = {"fast", "slow", "auto", NULL};
static const char *const zones[] = {"local", "UTC", "+hh:mm", NULL};

static const canh_cfg_key_t tkeys[] = {
    {"app.name", CANH_CFG_STR, offsetof(tcfg_t, name), "canh", 1, 16, NULL, "name | pipe"},
    {"app.count", CANH_CFG_INT, offsetof(tcfg_t, count), "5", -10, 100, NULL, "a count"},
    {"app.flag", CANH_CFG_BOOL, offsetof(tcfg_t, flag), "false", 0, 0, NULL, "a flag"},
    {"limits.size", CANH_CFG_SIZE, offsetof(tcfg_t, size), "64KiB", 1024, 1 << 30, NULL, "a size"},
    {"limits.timeout", CANH_CFG_DURATION, offsetof(tcfg_t, timeout), "30s", 1, 30 * 86400, NULL,
     "a duration"},
    {"app.mode", CANH_CFG_ENUM, offsetof(tcfg_t, mode), "fast", 0, 0, modes, "a mode"},
    {"app.list", CANH_CFG_STRLIST, offsetof(tcfg_t, list), "[a, b]", 0, 0, NULL, "a list"},
    {"net.listen", CANH_CFG_ADDR, offsetof(tcfg_t, listen), NULL, 0, 0, NULL, "an address"},
    {"app.tz", CANH_CFG_STR, offsetof(tcfg_t, tz), "local", 0, 0, zones, "a zone"},
    {"app.note", CANH_CFG_STR, offsetof(tcfg_t, note), NULL, 0, 0, NULL, "free text"},
    {"deep.a.b.c", CANH_CFG_INT, offsetof(tcfg_t, deep), NULL, 0, 0, NULL, "nested"},
};
#define NT (sizeof tkeys / sizeof tkeys[0])

static void tdefaults(tcfg_t *c)
{
    canh_errbuf_t eb = {{0}};
    memset(c, 0, sizeof *c);
    assert_int_equal(canh_config_defaults(tkeys, NT, c, &eb), CANH_OK);
}

static int tload(tcfg_t *c, const char *yaml, canh_errbuf_t *eb)
{
    return canh_config_load_mem(tkeys, NT, c, "t.yml", yaml, strlen(yaml), eb);
}

/* Loads yaml over the defaults; it must succeed. Caller frees c. */
static void load_ok(tcfg_t *c, const char *yaml)
{
    canh_errbuf_t eb = {{0}};
    tdefaults(c);
    int rc = tload(c, yaml, &eb);
    if (rc != CANH_OK)
        fail_msg("rejected:\n%s\n-> %d %s", yaml, rc, eb.msg);
}

/* Loading yaml must fail with rc and exactly msg. */
static void load_bad(const char *yaml, int rc_want, const char *msg_want)
{
    tcfg_t c;
    canh_errbuf_t eb = {{0}};
    tdefaults(&c);
    int rc = tload(&c, yaml, &eb);
    canh_config_free(tkeys, NT, &c);
    if (rc != rc_want || strcmp(eb.msg, msg_want) != 0)
        fail_msg("yaml:\n%s\ngot  %d \"%s\"\nwant %d \"%s\"", yaml, rc, eb.msg, rc_want, msg_want);
}

/* ---- defaults and good files ---------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    tcfg_t c;
    tdefaults(&c);
    assert_string_equal(c.name, "canh");
    assert_int_equal(c.count, 5);
    assert_false(c.flag);
    assert_int_equal(c.size, 64 * 1024);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(c.mode, 0);
    assert_int_equal(c.list.n, 2);
    assert_string_equal(c.list.v[0], "a");
    assert_string_equal(c.list.v[1], "b");
    assert_non_null(c.listen);
    assert_string_equal(c.listen, "");
    assert_string_equal(c.tz, "local");
    assert_string_equal(c.note, "");
    assert_int_equal(c.deep, 0);
    /* applying defaults again replaces (and frees) the strings */
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_config_defaults(tkeys, NT, &c, &eb), CANH_OK);
    canh_config_free(tkeys, NT, &c);
    assert_null(c.name);
    assert_null(c.list.v);
    assert_int_equal(c.list.n, 0);
    canh_config_free(tkeys, NT, &c); /* twice is harmless */
}

static void test_bad_default(void **state)
{
    (void)state;
    static const canh_cfg_key_t bad[] = {
        {"x.n", CANH_CFG_INT, 0, "500", 0, 10, NULL, "out of its own range"},
    };
    static const canh_cfg_key_t bad_list[] = {
        {"x.l", CANH_CFG_STRLIST, 0, "{a: 1}", 0, 0, NULL, "not a list"},
    };
    int64_t v = 0;
    canh_strlist_t l = {NULL, 0};
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_config_defaults(bad, 1, &v, &eb), CANH_ELIMIT);
    assert_string_equal(eb.msg, "defaults: x.n: must be between 0 and 10, got 500");
    assert_int_equal(canh_config_defaults(bad_list, 1, &l, &eb), CANH_EINVAL);
    assert_string_equal(eb.msg, "defaults: x.l: expected a list of strings, got a mapping");
    canh_config_free(bad_list, 1, &l);
}

static void test_good_nested_and_dotted(void **state)
{
    (void)state;
    tcfg_t c;
    load_ok(&c, "# comment\n"
                "app:\n"
                "  name: sensor-1   # trailing comment\n"
                "  count: -10\n"
                "  flag: yes\n"
                "  mode: SLOW\n"
                "  list:\n"
                "    - /etc/canh/rules\n"
                "    - \"quoted: value\"\n"
                "limits.size: 10MiB\n"
                "limits: {timeout: 12h}\n"
                "net:\n"
                "  listen: '[::1]:514'\n"
                "deep:\n"
                "  a.b:\n"
                "    c: 7\n"
                "app.note: \"multi word note\"\n");
    assert_string_equal(c.name, "sensor-1");
    assert_int_equal(c.count, -10);
    assert_true(c.flag);
    assert_int_equal(c.mode, 1);
    assert_int_equal(c.list.n, 2);
    assert_string_equal(c.list.v[0], "/etc/canh/rules");
    assert_string_equal(c.list.v[1], "quoted: value");
    assert_int_equal(c.size, 10 * 1024 * 1024);
    assert_int_equal(c.timeout, 12 * 3600);
    assert_string_equal(c.listen, "[::1]:514");
    assert_int_equal(c.deep, 7);
    assert_string_equal(c.note, "multi word note");
    canh_config_free(tkeys, NT, &c);
}

static void test_good_empty(void **state)
{
    (void)state;
    const char *empties[] = {
        "",
        "\n\n",
        "# nothing here\n  # indented comment\n",
        "---\n",
        "---\n...\n",
        "~\n",
        "app:\n  # name: x\n",
        "app: ~\nlimits:\n",
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        tcfg_t c;
        load_ok(&c, empties[i]);
        assert_string_equal(c.name, "canh"); /* nothing changed */
        assert_int_equal(c.list.n, 2);
        canh_config_free(tkeys, NT, &c);
    }
    /* NULL text with length 0 is an empty document too */
    tcfg_t c;
    canh_errbuf_t eb = {{0}};
    tdefaults(&c);
    assert_int_equal(canh_config_load_mem(tkeys, NT, &c, "t.yml", NULL, 0, &eb), CANH_OK);
    canh_config_free(tkeys, NT, &c);
}

/* ---- every type ------------------------------------------------------------- */

static void test_sizes(void **state)
{
    (void)state;
    struct {
        const char *in;
        uint64_t want;
    } good[] = {
        {"1024", 1024},        {"10K", 10240},   {"10k", 10240},     {"10KB", 10240},
        {"10KiB", 10240},      {"10kib", 10240}, {"64M", 64u << 20}, {"64MB", 64u << 20},
        {"64 MiB", 64u << 20}, {"1G", 1u << 30}, {"1GiB", 1u << 30}, {"2048B", 2048},
        {"\"4K\"", 4096},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char yaml[64];
        tcfg_t c;
        snprintf(yaml, sizeof yaml, "limits.size: %s\n", good[i].in);
        load_ok(&c, yaml);
        assert_int_equal(c.size, good[i].want);
        canh_config_free(tkeys, NT, &c);
    }
    load_bad("limits.size: 10X\n", CANH_EINVAL,
             "t.yml:1:14: limits.size: expected a size like 512, 64K, 10MiB or 1G, got \"10X\"");
    load_bad("limits.size: K\n", CANH_EINVAL,
             "t.yml:1:14: limits.size: expected a size like 512, 64K, 10MiB or 1G, got \"K\"");
    load_bad("limits.size: -1K\n", CANH_EINVAL,
             "t.yml:1:14: limits.size: expected a size like 512, 64K, 10MiB or 1G, got \"-1K\"");
    load_bad("limits.size: 1.5M\n", CANH_EINVAL,
             "t.yml:1:14: limits.size: expected a size like 512, 64K, 10MiB or 1G, got \"1.5M\"");
    load_bad("limits.size:\n", CANH_EINVAL,
             "t.yml:1:1: limits.size: expected a size like 512, 64K, 10MiB or 1G, got null");
    load_bad("limits.size: 512\n", CANH_ELIMIT,
             "t.yml:1:14: limits.size: must be between 1KiB and 1GiB, got 512");
    load_bad("limits.size: 2G\n", CANH_ELIMIT,
             "t.yml:1:14: limits.size: must be between 1KiB and 1GiB, got 2GiB");
    /* overflow: past 2^64 in the digits, and in the multiplication */
    load_bad("limits.size: 99999999999999999999999\n", CANH_ELIMIT,
             "t.yml:1:14: limits.size: \"99999999999999999999999\" is too large");
    load_bad("limits.size: 17179869184G\n", CANH_ELIMIT,
             "t.yml:1:14: limits.size: \"17179869184G\" is too large");
}

static void test_durations(void **state)
{
    (void)state;
    struct {
        const char *in;
        int64_t want;
    } good[] = {
        {"30", 30}, {"30s", 30}, {"5m", 300}, {"12h", 43200}, {"30d", 2592000}, {"1", 1},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char yaml[64];
        tcfg_t c;
        snprintf(yaml, sizeof yaml, "limits:\n  timeout: %s\n", good[i].in);
        load_ok(&c, yaml);
        assert_int_equal(c.timeout, good[i].want);
        canh_config_free(tkeys, NT, &c);
    }
    load_bad("limits:\n  timeout: 5x\n", CANH_EINVAL,
             "t.yml:2:12: limits.timeout: expected a duration like 30, 30s, 5m, 12h or 30d, got "
             "\"5x\"");
    load_bad("limits:\n  timeout: 5 m\n", CANH_EINVAL,
             "t.yml:2:12: limits.timeout: expected a duration like 30, 30s, 5m, 12h or 30d, got "
             "\"5 m\"");
    load_bad("limits:\n  timeout: 0\n", CANH_ELIMIT,
             "t.yml:2:12: limits.timeout: must be between 1s and 30d, got 0s");
    load_bad("limits:\n  timeout: 31d\n", CANH_ELIMIT,
             "t.yml:2:12: limits.timeout: must be between 1s and 30d, got 31d");
    load_bad("limits:\n  timeout: 9223372036854775807d\n", CANH_ELIMIT,
             "t.yml:2:12: limits.timeout: \"9223372036854775807d\" is too large");
}

static void test_ints_bools_enums(void **state)
{
    (void)state;
    tcfg_t c;
    load_ok(&c, "app: {count: +100, flag: On, mode: auto}\n");
    assert_int_equal(c.count, 100);
    assert_true(c.flag);
    assert_int_equal(c.mode, 2);
    canh_config_free(tkeys, NT, &c);
    const char *trues[] = {"true", "True", "yes", "on", "ON"};
    const char *falses[] = {"false", "FALSE", "no", "off"};
    for (size_t i = 0; i < 5; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "app.flag: %s\n", trues[i]);
        load_ok(&c, yaml);
        assert_true(c.flag);
        canh_config_free(tkeys, NT, &c);
        if (i < 4) {
            snprintf(yaml, sizeof yaml, "app.flag: %s\n", falses[i]);
            load_ok(&c, yaml);
            assert_false(c.flag);
            canh_config_free(tkeys, NT, &c);
        }
    }
    load_bad("app.count: 101\n", CANH_ELIMIT,
             "t.yml:1:12: app.count: must be between -10 and 100, got 101");
    load_bad("app.count: -11\n", CANH_ELIMIT,
             "t.yml:1:12: app.count: must be between -10 and 100, got -11");
    load_bad("app.count: 1e3\n", CANH_EINVAL,
             "t.yml:1:12: app.count: expected an integer, got \"1e3\"");
    load_bad("app.count: 0x10\n", CANH_EINVAL,
             "t.yml:1:12: app.count: expected an integer, got \"0x10\"");
    load_bad("app.count: ''\n", CANH_EINVAL,
             "t.yml:1:12: app.count: expected an integer, got \"\"");
    load_bad("app.count: 9223372036854775808\n", CANH_ELIMIT,
             "t.yml:1:12: app.count: \"9223372036854775808\" is too large");
    load_bad("app.flag: maybe\n", CANH_EINVAL,
             "t.yml:1:11: app.flag: expected true/false, yes/no or on/off, got \"maybe\"");
    load_bad("app.flag: ~\n", CANH_EINVAL,
             "t.yml:1:11: app.flag: expected true/false, yes/no or on/off, got null");
    load_bad("app.mode: turbo\n", CANH_EINVAL,
             "t.yml:1:11: app.mode: expected one of fast, slow, auto, got \"turbo\"");
    /* a hostile value is quoted escaped and cut */
    load_bad("app.mode: \"a\\\"b\\\\c\\x01\\u00e9 0123456789012345678901234567890123456789\"\n",
             CANH_EINVAL,
             "t.yml:1:11: app.mode: expected one of fast, slow, auto, got "
             "\"a\\\"b\\\\c\\x01\\xc3\\xa9 0123456789012345678901234567890\"...");
}

static void test_strings(void **state)
{
    (void)state;
    tcfg_t c;
    load_ok(&c, "app:\n  tz: utc\n  note:\n");
    assert_string_equal(c.tz, "UTC"); /* stored in the table's spelling */
    assert_string_equal(c.note, "");  /* null is the empty string */
    canh_config_free(tkeys, NT, &c);
    const char *offsets[] = {"+07:00", "-0500", "+05", "-00:00"};
    for (size_t i = 0; i < 4; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "app.tz: \"%s\"\n", offsets[i]);
        load_ok(&c, yaml);
        assert_string_equal(c.tz, offsets[i]);
        canh_config_free(tkeys, NT, &c);
    }
    load_bad("app.tz: Mars\n", CANH_EINVAL,
             "t.yml:1:9: app.tz: expected one of local, UTC, +hh:mm, got \"Mars\"");
    load_bad("app.tz: \"+25:00\"\n", CANH_EINVAL,
             "t.yml:1:9: app.tz: expected one of local, UTC, +hh:mm, got \"+25:00\"");
    load_bad("app.tz: Z\n", CANH_EINVAL,
             "t.yml:1:9: app.tz: expected one of local, UTC, +hh:mm, got \"Z\"");
    load_bad("app.name: ''\n", CANH_EINVAL, "t.yml:1:11: app.name: must not be empty");
    load_bad("app.name:\n", CANH_EINVAL, "t.yml:1:1: app.name: must not be empty");
    load_bad("app.name: 12345678901234567\n", CANH_ELIMIT,
             "t.yml:1:11: app.name: must be at most 16 bytes long");
    load_bad("app.name: \"a\\0b\"\n", CANH_EINVAL,
             "t.yml:1:11: app.name: must not contain a NUL byte");
    load_bad("app.name: {x: 1}\n", CANH_EINVAL,
             "t.yml:1:12: app.name: expected a string, got a mapping");
    load_bad("app.name: [x]\n", CANH_EINVAL, "t.yml:1:12: app.name: expected a string, got a list");
}

static void test_lists(void **state)
{
    (void)state;
    tcfg_t c;
    load_ok(&c, "app:\n  list: [x, \"y z\", 3]\n");
    assert_int_equal(c.list.n, 3);
    assert_string_equal(c.list.v[0], "x");
    assert_string_equal(c.list.v[1], "y z");
    assert_string_equal(c.list.v[2], "3");
    canh_config_free(tkeys, NT, &c);
    load_ok(&c, "app.list: []\n");
    assert_int_equal(c.list.n, 0);
    canh_config_free(tkeys, NT, &c);
    load_ok(&c, "app.list:\n");
    assert_int_equal(c.list.n, 0);
    canh_config_free(tkeys, NT, &c);

    load_bad("app.list: one\n", CANH_EINVAL,
             "t.yml:1:11: app.list: expected a list of strings, got a scalar");
    load_bad("app.list:\n  - a\n  - [b]\n", CANH_EINVAL,
             "t.yml:3:6: app.list: item 2: expected a string, got a list");
    load_bad("app.list:\n  - a\n  -\n", CANH_EINVAL,
             "t.yml:2:5: app.list: item 2: expected a string, got null");
    load_bad("app.list: [a, '']\n", CANH_EINVAL, "t.yml:1:15: app.list: item 2: must not be empty");
    load_bad("app.list: {a: b}\n", CANH_EINVAL,
             "t.yml:1:12: app.list: expected a list of strings, got a mapping");
}

static void test_addresses(void **state)
{
    (void)state;
    const char *good[] = {
        "127.0.0.1:514", "0.0.0.0:1", "localhost:65535",    "syslog.example.com:6514",
        "[::1]:514",     "[::]:514",  "[fe80::1%eth0]:514", "[2001:db8::1]:10514",
        "host-1:514",    "''",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char yaml[80];
        tcfg_t c;
        snprintf(yaml, sizeof yaml, "net.listen: %s%s%s\n", good[i][0] == '[' ? "'" : "", good[i],
                 good[i][0] == '[' ? "'" : "");
        load_ok(&c, yaml);
        canh_config_free(tkeys, NT, &c);
    }
    load_bad("net.listen: localhost\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: expected host:port or [v6]:port, got \"localhost\"");
    load_bad("net.listen: localhost:0\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: port must be 1-65535, got \"0\"");
    load_bad("net.listen: localhost:65536\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: port must be 1-65535, got \"65536\"");
    load_bad("net.listen: 'localhost:'\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: port must be 1-65535, got \"\"");
    load_bad("net.listen: localhost:syslog\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: port must be 1-65535, got \"syslog\"");
    load_bad(
        "net.listen: ::1:514\n", CANH_EINVAL,
        "t.yml:1:13: net.listen: an IPv6 address needs brackets, [addr]:port, got \"::1:514\"");
    load_bad("net.listen: '[zz::1]:514'\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"zz::1\" is not an IPv6 address");
    load_bad("net.listen: '[::1]514'\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: expected host:port or [v6]:port, got \"[::1]514\"");
    load_bad("net.listen: 256.1.1.1:514\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"256.1.1.1\" is not a valid host name or IPv4 address");
    load_bad("net.listen: bad_host:514\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"bad_host\" is not a valid host name or IPv4 address");
    load_bad("net.listen: -host:514\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"-host\" is not a valid host name or IPv4 address");
    load_bad("net.listen: ':514'\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"\" is not a valid host name or IPv4 address");
    load_bad("net.listen: a..b:514\n", CANH_EINVAL,
             "t.yml:1:13: net.listen: \"a..b\" is not a valid host name or IPv4 address");
}

/* ---- structural errors -------------------------------------------------------- */

static void test_unknown_keys(void **state)
{
    (void)state;
    load_bad("app:\n  nmae: x\n", CANH_ENOENT,
             "t.yml:2:3: app.nmae: unknown key (did you mean \"app.name\"?)");
    load_bad("app.cuont: 1\n", CANH_ENOENT,
             "t.yml:1:1: app.cuont: unknown key (did you mean \"app.count\"?)");
    load_bad("lmits:\n  size: 1K\n", CANH_ENOENT,
             "t.yml:1:1: lmits: unknown key (did you mean \"limits\"?)");
    load_bad("# top\nbogus: 1\n", CANH_ENOENT, "t.yml:2:1: bogus: unknown key");
    load_bad("app:\n  name: x\n  colour: red\n", CANH_ENOENT, "t.yml:3:3: app.colour: unknown key");
    load_bad("deep:\n  a:\n    b:\n      d: 1\n", CANH_ENOENT,
             "t.yml:4:7: deep.a.b.d: unknown key (did you mean \"deep.a.b.c\"?)");
}

static void test_duplicates(void **state)
{
    (void)state;
    load_bad("app:\n  name: a\n  name: b\n", CANH_EEXIST,
             "t.yml:3:3: app.name: duplicate key (first at line 2)");
    load_bad("app.name: a\napp:\n  name: b\n", CANH_EEXIST,
             "t.yml:3:3: app.name: duplicate key (first at line 1)");
    load_bad("app:\n  count: 1\nlimits.size: 2K\napp:\n  flag: on\n", CANH_EEXIST,
             "t.yml:4:1: app: duplicate key (first at line 1)");
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    load_bad("- a\n- b\n", CANH_EINVAL,
             "t.yml:1:3: (top level): expected a mapping of settings, got a list");
    load_bad("just a string\n", CANH_EINVAL,
             "t.yml:1:1: (top level): expected a mapping of settings, got a scalar");
    load_bad("app: 5\n", CANH_EINVAL,
             "t.yml:1:6: app: expected a mapping of app.* keys, got a scalar");
    load_bad("limits:\n  - size\n", CANH_EINVAL,
             "t.yml:2:5: limits: expected a mapping of limits.* keys, got a list");
    load_bad("app.count: [1]\n", CANH_EINVAL,
             "t.yml:1:13: app.count: expected an integer, got a list");
    load_bad("? [a, b]\n: c\n", CANH_EINVAL,
             "t.yml:1:4: (top level): keys must be non-empty strings, got a list");
    load_bad("app:\n  '': x\n", CANH_EINVAL,
             "t.yml:2:3: app: keys must be non-empty strings, got \"\"");
    load_bad("app.name: &n x\napp.note: *n\n", CANH_ENOTSUP,
             "t.yml:2:11: app.note: aliases (*name) are not supported");
}

static void test_yaml_syntax(void **state)
{
    (void)state;
    struct {
        const char *yaml;
        const char *prefix;
    } cases[] = {
        {"app: [b\n", "t.yml:2:1: yaml: "},         {"app:\n\tname: x\n", "t.yml:2:1: yaml: "},
        {"app.name: \"unterminated\n", "t.yml:1:"}, {"a: b\n  c: d\n", "t.yml:1:"},
        {"app: {name: x\n", "t.yml:2:1: yaml: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcfg_t c;
        canh_errbuf_t eb = {{0}};
        tdefaults(&c);
        assert_int_equal(tload(&c, cases[i].yaml, &eb), CANH_EINVAL);
        canh_config_free(tkeys, NT, &c);
        if (strncmp(eb.msg, cases[i].prefix, strlen(cases[i].prefix)) != 0 ||
            !strstr(eb.msg, ": yaml: ") || strchr(eb.msg, '\n'))
            fail_msg("yaml %zu: got \"%s\", want prefix \"%s\"", i, eb.msg, cases[i].prefix);
        /* the reason is libfyaml's text, not empty */
        assert_true(strlen(strstr(eb.msg, ": yaml: ")) > strlen(": yaml: "));
    }
    load_bad("app: [b\n", CANH_EINVAL, "t.yml:2:1: yaml: flow sequence without a closing bracket");
}

/* Invalid UTF-8 never reaches libfyaml (0.7.12 loops forever on some, e.g.
 * in a directive); valid UTF-8, a BOM included, is fine. */
static void test_utf8(void **state)
{
    (void)state;
    tcfg_t c;
    load_ok(&c, "\xef\xbb\xbf"
                "app.note: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n");
    assert_string_equal(c.note, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    canh_config_free(tkeys, NT, &c);
    load_bad("%\xf4\n", CANH_EINVAL, "t.yml:1:2: yaml: invalid UTF-8 (byte 0xf4)");
    load_bad("%! m\xf4p {a: 1}\n", CANH_EINVAL, "t.yml:1:5: yaml: invalid UTF-8 (byte 0xf4)");
    load_bad("app:\n  note: \xc0\x80\n", CANH_EINVAL, "t.yml:2:9: yaml: invalid UTF-8 (byte 0xc0)");
    load_bad("app.note: \xed\xa0\x80\n", CANH_EINVAL,
             "t.yml:1:11: yaml: invalid UTF-8 (byte 0xed)");
    load_bad("app.note: \xf4\x90\x80\x80\n", CANH_EINVAL,
             "t.yml:1:11: yaml: invalid UTF-8 (byte 0xf4)");
    load_bad("app.note: \xe0\x9f\xbf\n", CANH_EINVAL,
             "t.yml:1:11: yaml: invalid UTF-8 (byte 0xe0)");
    load_bad("app.note: x\xe2\x82", CANH_EINVAL, "t.yml:1:12: yaml: invalid UTF-8 (byte 0xe2)");
    load_bad("app.note: \x80\n", CANH_EINVAL, "t.yml:1:11: yaml: invalid UTF-8 (byte 0x80)");
}

static void test_limits(void **state)
{
    (void)state;
    /* nesting: 17 levels of collections anywhere in the document */
    char yaml[256];
    size_t o = (size_t)snprintf(yaml, sizeof yaml, "app.note: x\nzz: ");
    for (int i = 0; i < 16; i++)
        yaml[o++] = '[';
    yaml[o++] = '1';
    for (int i = 0; i < 16; i++)
        yaml[o++] = ']';
    yaml[o++] = '\n';
    yaml[o] = '\0';
    load_bad(yaml, CANH_ELIMIT, "t.yml:2:21: yaml: nested deeper than 16 levels");
    /* 16 levels are fine for depth (the key is then unknown) */
    memmove(yaml + 16, yaml + 17, strlen(yaml + 17) + 1);
    memmove(yaml + 35, yaml + 36, strlen(yaml + 36) + 1);
    load_bad(yaml, CANH_ENOENT, "t.yml:2:1: zz: unknown key");

    /* size: CANH_MAX_CONFIG_FILE bytes of comment pass, one more does not */
    size_t n = CANH_MAX_CONFIG_FILE + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '#';
    big[n - 2] = '\n';
    tcfg_t c;
    canh_errbuf_t eb = {{0}};
    tdefaults(&c);
    assert_int_equal(canh_config_load_mem(tkeys, NT, &c, "big.yml", big, n - 1, &eb), CANH_OK);
    assert_int_equal(canh_config_load_mem(tkeys, NT, &c, "big.yml", big, n, &eb), CANH_ELIMIT);
    assert_string_equal(eb.msg, "big.yml: file too large (4194305 bytes, limit 4194304)");

    char path[] = "/tmp/canh-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, big, n), (ssize_t)n);
    close(fd);
    assert_int_equal(canh_config_load_file(tkeys, NT, &c, path, &eb), CANH_ELIMIT);
    char want[128];
    snprintf(want, sizeof want, "%s: file too large (limit 4194304 bytes)", path);
    assert_string_equal(eb.msg, want);
    unlink(path);
    free(big);
    canh_config_free(tkeys, NT, &c);
}

static void test_files(void **state)
{
    (void)state;
    tcfg_t c;
    canh_errbuf_t eb = {{0}};
    tdefaults(&c);
    assert_int_equal(canh_config_load_file(tkeys, NT, &c, "/nonexistent/canh.yml", &eb),
                     CANH_ENOENT);
    assert_string_equal(eb.msg, "/nonexistent/canh.yml: cannot open: No such file or directory");
    assert_int_equal(canh_config_load_file(tkeys, NT, &c, "/", &eb), CANH_EIO);
    assert_string_equal(eb.msg, "/: cannot read: Is a directory");

    char path[] = "/tmp/canh-test-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *yaml = "app:\n  name: from-file\n  mode: loud\n";
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    assert_int_equal(canh_config_load_file(tkeys, NT, &c, path, &eb), CANH_EINVAL);
    char want[160];
    snprintf(want, sizeof want, "%s:3:9: app.mode: expected one of fast, slow, auto, got \"loud\"",
             path);
    assert_string_equal(eb.msg, want);
    /* dst was partly updated before the error; free takes care of it */
    assert_string_equal(c.name, "from-file");
    unlink(path);
    canh_config_free(tkeys, NT, &c);
}

/* ---- allocation failures ------------------------------------------------------ */

typedef struct failing {
    long left; /* allocations that still succeed; -1 = all */
    long calls;
} failing_t;

static void *f_malloc(size_t n, void *ud)
{
    failing_t *f = ud;
    f->calls++;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    return malloc(n);
}

static void *f_realloc(void *p, size_t n, void *ud)
{
    failing_t *f = ud;
    f->calls++;
    if (f->left == 0)
        return NULL;
    if (f->left > 0)
        f->left--;
    return realloc(p, n);
}

static void f_free(void *p, void *ud)
{
    (void)ud;
    free(p);
}

/* Fails the 1st, 2nd, ... allocation of defaults + load in turn: every
 * run ends in CANH_OK or CANH_ENOMEM with a message, never a leak or crash
 * (ASan/valgrind check the leaks). */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *yaml = "app:\n  name: n\n  list: [a, b, c]\n  note: hello\nnet.listen: "
                       "localhost:514\n";
    failing_t f;
    canh_allocator_t a = {f_malloc, f_realloc, f_free, &f};
    bool succeeded = false;
    for (long fail_at = 0; fail_at < 200 && !succeeded; fail_at++) {
        tcfg_t c;
        canh_errbuf_t eb = {{0}};
        memset(&c, 0, sizeof c);
        f.left = fail_at;
        f.calls = 0;
        canh_mem_set_allocator(&a);
        int rc = canh_config_defaults(tkeys, NT, &c, &eb);
        if (rc == CANH_OK)
            rc = tload(&c, yaml, &eb);
        canh_config_free(tkeys, NT, &c);
        canh_mem_set_allocator(NULL);
        if (rc == CANH_OK) {
            succeeded = true;
        } else {
            assert_int_equal(rc, CANH_ENOMEM);
            assert_non_null(strstr(eb.msg, "out of memory"));
        }
    }
    assert_true(succeeded);
}

/* ---- Canh's settings ---------------------------------------------------------- */

static void test_settings_defaults(void **state)
{
    (void)state;
    canh_settings_t s = {0};
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &s, &eb),
                     CANH_OK);
    assert_string_equal(s.data_dir, "./canh-data");
    assert_string_equal(s.timezone, "local");
    assert_int_equal(s.log_level, 2); /* info */
    assert_int_equal(s.max_record, 1024 * 1024);
    assert_int_equal(s.retention_days, 30);
    assert_string_equal(s.syslog_udp, "");
    assert_string_equal(s.syslog_tcp, "");
    assert_int_equal(s.rules.n, 0);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
}

static int settings_load(const char *yaml, canh_settings_t *s, canh_errbuf_t *eb)
{
    memset(s, 0, sizeof *s);
    int rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, s, eb);
    if (rc == CANH_OK)
        rc = canh_config_load_mem(canh_settings_keys, canh_settings_nkeys, s, "canh.yml", yaml,
                                  strlen(yaml), eb);
    return rc;
}

static void settings_bad(const char *yaml, const char *want)
{
    canh_settings_t s;
    canh_errbuf_t eb = {{0}};
    int rc = settings_load(yaml, &s, &eb);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
    if (rc == CANH_OK || strcmp(eb.msg, want) != 0)
        fail_msg("yaml:\n%s\ngot  %d \"%s\"\nwant \"%s\"", yaml, rc, eb.msg, want);
}

static void test_settings(void **state)
{
    (void)state;
    canh_settings_t s;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(settings_load("data:\n  dir: /var/lib/canh\n"
                                   "time.zone: \"+07:00\"\n"
                                   "log: {level: debug}\n"
                                   "input:\n  max_record: 64KiB\n"
                                   "store:\n  retention_days: 90\n"
                                   "server:\n  syslog:\n    udp: 0.0.0.0:514\n"
                                   "    tcp: \"[::]:6514\"\n"
                                   "detect:\n  rules:\n    - rules/\n    - /etc/canh/local.yml\n",
                                   &s, &eb),
                     CANH_OK);
    assert_string_equal(s.data_dir, "/var/lib/canh");
    assert_string_equal(s.timezone, "+07:00");
    assert_int_equal(s.log_level, 3);
    assert_int_equal(s.max_record, 64 * 1024);
    assert_int_equal(s.retention_days, 90);
    assert_string_equal(s.syslog_udp, "0.0.0.0:514");
    assert_string_equal(s.syslog_tcp, "[::]:6514");
    assert_int_equal(s.rules.n, 2);
    assert_string_equal(s.rules.v[1], "/etc/canh/local.yml");
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);

    /* the example from config.h, at line 7 column 14 */
    settings_bad(
        "# Canh\n#\n#\n#\n#\n#\nlog.level:   loud\n",
        "canh.yml:7:14: log.level: expected one of error, warn, info, debug, got \"loud\"");
    settings_bad(
        "time:\n  zone: Mars/Olympus\n",
        "canh.yml:2:9: time.zone: expected one of local, UTC, +hh:mm, got \"Mars/Olympus\"");
    settings_bad("input.max_record: 512\n",
                 "canh.yml:1:19: input.max_record: must be between 1KiB and 1MiB, got 512");
    settings_bad("input.max_record: 2M\n",
                 "canh.yml:1:19: input.max_record: must be between 1KiB and 1MiB, got 2MiB");
    settings_bad("store.retention_days: 0\n",
                 "canh.yml:1:23: store.retention_days: must be between 1 and 3650, got 0");
    settings_bad("store.retention_days: 3651\n",
                 "canh.yml:1:23: store.retention_days: must be between 1 and 3650, got 3651");
    settings_bad("data.dir: \"\"\n", "canh.yml:1:11: data.dir: must not be empty");
    settings_bad("server:\n  syslog:\n    udp: 514\n",
                 "canh.yml:3:10: server.syslog.udp: expected host:port or [v6]:port, got \"514\"");
    settings_bad("server:\n  syslog:\n    upd: 0.0.0.0:514\n",
                 "canh.yml:3:5: server.syslog.upd: unknown key (did you mean "
                 "\"server.syslog.udp\"?)");
    settings_bad("detect:\n  rules: rules/\n",
                 "canh.yml:2:10: detect.rules: expected a list of strings, got a scalar");
}

/* The shipped example must pass. */
static void test_example_file(void **state)
{
    (void)state;
    canh_settings_t s = {0};
    canh_errbuf_t eb = {{0}};
    int rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &s, &eb);
    if (rc == CANH_OK)
        rc = canh_config_load_file(canh_settings_keys, canh_settings_nkeys, &s, EXAMPLE_PATH, &eb);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
    if (rc != CANH_OK)
        fail_msg("%s", eb.msg);
}

/* ---- docs ---------------------------------------------------------------------- */

static void test_doc_table(void **state)
{
    (void)state;
    canh_buf_t b;
    canh_buf_init(&b, 1 << 16);
    assert_int_equal(canh_config_doc(tkeys, 3, &b), CANH_OK);
    assert_string_equal(b.data, "| key | type | default | range/values | description |\n"
                                "| --- | --- | --- | --- | --- |\n"
                                "| `app.name` | string | `canh` | non-empty | name \\| pipe |\n"
                                "| `app.count` | integer | `5` | -10 to 100 | a count |\n"
                                "| `app.flag` | boolean | `false` | `true`, `false` | a flag |\n");
    canh_buf_reset(&b);
    assert_int_equal(canh_config_doc(tkeys + 3, NT - 3, &b), CANH_OK);
    assert_non_null(strstr(b.data, "| `limits.size` | size | `64KiB` | 1KiB to 1GiB | a size |\n"));
    assert_non_null(
        strstr(b.data, "| `limits.timeout` | duration | `30s` | 1s to 30d | a duration |\n"));
    assert_non_null(
        strstr(b.data, "| `app.mode` | enum | `fast` | `fast`, `slow`, `auto` | a mode |\n"));
    assert_non_null(strstr(b.data, "| `app.list` | list of strings | `[a, b]` | any | a list |\n"));
    assert_non_null(strstr(b.data, "| `net.listen` | address | (empty) | `host:port`, `[v6]:port`, "
                                   "or empty | an address |\n"));
    /* a full buffer is reported */
    canh_buf_fini(&b);
    canh_buf_init(&b, 64);
    assert_int_equal(canh_config_doc(tkeys, NT, &b), CANH_ELIMIT);
    canh_buf_fini(&b);
}

/* docs/configuration.md holds the generated table between the markers; if
 * this fails, paste the "generated" text below into the document. */
static void test_doc_up_to_date(void **state)
{
    (void)state;
    static const char begin[] = "<!-- BEGIN KEYS -->\n", end[] = "<!-- END KEYS -->";
    canh_buf_t gen, file;
    canh_buf_init(&gen, 1 << 20);
    canh_buf_init(&file, 1 << 20);
    assert_int_equal(canh_config_doc(canh_settings_keys, canh_settings_nkeys, &gen), CANH_OK);

    FILE *fp = fopen(DOC_PATH, "r");
    if (!fp) {
        fail_msg("cannot open %s", DOC_PATH);
        return;
    }
    char chunk[4096];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, fp)) > 0)
        assert_int_equal(canh_buf_append(&file, chunk, r), CANH_OK);
    fclose(fp);
    assert_true(file.len > 0);

    const char *b = strstr(file.data, begin);
    const char *e = b ? strstr(b, end) : NULL;
    if (!b || !e) {
        fail_msg("%s: markers %s / %s not found", DOC_PATH, begin, end);
        return;
    }
    b += strlen(begin);
    if ((size_t)(e - b) != gen.len || memcmp(b, gen.data, gen.len) != 0)
        fail_msg("%s is out of date; generated:\n%s", DOC_PATH, gen.data);
    canh_buf_fini(&gen);
    canh_buf_fini(&file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_bad_default),
        cmocka_unit_test(test_good_nested_and_dotted),
        cmocka_unit_test(test_good_empty),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_ints_bools_enums),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_wrong_shapes),
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_settings_defaults),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_doc_table),
        cmocka_unit_test(test_doc_up_to_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
