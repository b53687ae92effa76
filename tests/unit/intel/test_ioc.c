/* Unit tests: indicator types, canh_indicator_fini, canh_ioc_normalize
 * (IPs and CIDRs, defanging, hashes, URLs, domains, limits) and the
 * internal URL-host helper. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/intel.h"
#include "canh/mem.h"
#include "intel_int.h"

/* Normalises in with hint and checks the type and text (or, for NONE, that
 * the reason contains why). */
static void check(const char *in, canh_ioc_type_t hint, canh_ioc_type_t want, const char *text)
{
    char out[CANH_INTEL_MAX_VALUE + 8];
    canh_errbuf_t eb = {{0}};
    canh_ioc_type_t t = canh_ioc_normalize(canh_str_c(in), hint, out, sizeof out, &eb);
    if (t != want)
        fail_msg("%s (hint %s): got %s, want %s (%s)", in, canh_ioc_type_name(hint),
                 canh_ioc_type_name(t), canh_ioc_type_name(want), eb.msg);
    if (want == CANH_IOC_NONE) {
        if (text && !strstr(eb.msg, text))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", in, eb.msg, text);
        return;
    }
    if (strcmp(out, text) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", in, out, text);
    /* Normalising is idempotent, with or without the hint. */
    char again[CANH_INTEL_MAX_VALUE + 8];
    assert_int_equal(canh_ioc_normalize(canh_str_c(out), want, again, sizeof again, NULL), want);
    assert_string_equal(again, out);
    assert_int_equal(canh_ioc_normalize(canh_str_c(out), CANH_IOC_NONE, again, sizeof again, NULL),
                     want);
    assert_string_equal(again, out);
}

#define N CANH_IOC_NONE

static void test_type_names(void **st)
{
    (void)st;
    const char *names[] = {"ip", "domain", "url", "md5", "sha1", "sha256"};
    for (unsigned t = CANH_IOC_IP; t <= CANH_IOC_SHA256; t++) {
        assert_string_equal(canh_ioc_type_name((canh_ioc_type_t)t), names[t - 1]);
        assert_int_equal(canh_ioc_type_parse(names[t - 1]), t);
    }
    assert_int_equal(canh_ioc_type_parse("SHA256"), CANH_IOC_SHA256);
    assert_int_equal(canh_ioc_type_parse("Domain"), CANH_IOC_DOMAIN);
    assert_int_equal(canh_ioc_type_parse("sha512"), N);
    assert_int_equal(canh_ioc_type_parse(""), N);
    assert_int_equal(canh_ioc_type_parse(NULL), N);
    assert_int_equal(canh_ioc_type_parse("none"), N);
    assert_string_equal(canh_ioc_type_name(N), "none");
    assert_string_equal(canh_ioc_type_name((canh_ioc_type_t)99), "none");
}

static void test_fini(void **st)
{
    (void)st;
    canh_indicator_t ind = {0};
    ind.type = CANH_IOC_DOMAIN;
    ind.value = canh_strdup("evil.com");
    ind.source = canh_strdup("feed");
    ind.threat = canh_strdup("c2");
    ind.extra = canh_strdup("{}");
    ind.confidence = 80;
    canh_indicator_fini(&ind);
    assert_null(ind.value);
    assert_null(ind.source);
    assert_null(ind.threat);
    assert_null(ind.family);
    assert_null(ind.extra);
    assert_int_equal(ind.confidence, 80);
    canh_indicator_fini(&ind); /* twice is harmless */
    canh_indicator_fini(NULL);
}

static void test_ipv4(void **st)
{
    (void)st;
    check("1.2.3.4", N, CANH_IOC_IP, "1.2.3.4");
    check("  1.2.3.4 \r\n", N, CANH_IOC_IP, "1.2.3.4");
    check("10.1.2.3/8", N, CANH_IOC_IP, "10.0.0.0/8");
    check("10.1.2.3/8", CANH_IOC_IP, CANH_IOC_IP, "10.0.0.0/8");
    check("192.168.1.255/25", N, CANH_IOC_IP, "192.168.1.128/25");
    check("1.2.3.4/32", N, CANH_IOC_IP, "1.2.3.4");
    check("1.2.3.4/31", N, CANH_IOC_IP, "1.2.3.4/31");
    check("1.2.3.5/31", N, CANH_IOC_IP, "1.2.3.4/31");
    check("255.255.255.255/0", N, CANH_IOC_IP, "0.0.0.0/0");
    check("0.0.0.0", N, CANH_IOC_IP, "0.0.0.0");
    check("1.2.3.4/33", N, N, "CIDR prefix length 33 out of range");
    check("1.2.3.4/33", CANH_IOC_IP, N, "CIDR prefix length 33 out of range");
    check("1.2.3.4/", N, N, "CIDR prefix length missing");
    check("1.2.3.4/x", N, N, "not a number");
    check("1.2.3.4/-1", N, N, "not a number");
    check("1.2.3.4/99999999999999999999999", N, N, "out of range");
    check("01.2.3.4", N, N, NULL); /* octal-looking: refused */
    check("1.2.3.256", N, N, NULL);
    check("1.2.3", N, N, NULL);
    check("1.2.3.4.5", N, N, NULL);
    check("1..2.3", N, N, NULL);
    check("evil.com", CANH_IOC_IP, N, "not an IP address");
    check("1.2.3.4 5", N, N, NULL);
}

static void test_ipv6(void **st)
{
    (void)st;
    check("2001:DB8::1", N, CANH_IOC_IP, "2001:db8::1");
    check("2001:0db8:0000:0000:0000:0000:0000:0001", N, CANH_IOC_IP, "2001:db8::1");
    check("2001:db8::/32", N, CANH_IOC_IP, "2001:db8::/32");
    check("2001:db8:1:2::/32", N, CANH_IOC_IP, "2001:db8::/32");
    check("2001:db8:ffff::/33", N, CANH_IOC_IP, "2001:db8:8000::/33");
    check("::1/128", N, CANH_IOC_IP, "::1");
    check("::/0", N, CANH_IOC_IP, "::/0");
    check("fe80::1%eth0", N, CANH_IOC_IP, "fe80::1");
    check("fe80::1%eth0/64", N, CANH_IOC_IP, "fe80::/64");
    check("::ffff:1.2.3.4", N, CANH_IOC_IP, "1.2.3.4");
    check("::FFFF:102:304", N, CANH_IOC_IP, "1.2.3.4");
    check("::ffff:1.2.3.99/120", N, CANH_IOC_IP, "1.2.3.0/24");
    check("::ffff:0:0/96", N, CANH_IOC_IP, "0.0.0.0/0");
    check("::ffff:0:0/95", N, CANH_IOC_IP, "::fffe:0:0/95");
    check("2001:db8::/129", N, N, "CIDR prefix length 129 out of range");
    check("2001:db8:::1", N, N, NULL);
    check("2001:db8::g", N, N, NULL);
    check("1:2:3:4:5:6:7:8:9", N, N, NULL);
}

static void test_defang(void **st)
{
    (void)st;
    check("1.2.3[.]4", N, CANH_IOC_IP, "1.2.3.4");
    check("1[.]2[.]3[.]0/24", N, CANH_IOC_IP, "1.2.3.0/24");
    check("evil[.]com", N, CANH_IOC_DOMAIN, "evil.com");
    check("evil(.)com", N, CANH_IOC_DOMAIN, "evil.com");
    check("a[.]b(.)Evil[.]COM", N, CANH_IOC_DOMAIN, "a.b.evil.com");
    check("hxxp://evil[.]com/a", N, CANH_IOC_URL, "http://evil.com/a");
    check("hXXps://evil[.]com/A", N, CANH_IOC_URL, "https://evil.com/A");
    check("hxxps[://]evil[.]com", N, CANH_IOC_URL, "https://evil.com");
    check("hxxp[://]1.2.3[.]4:8080/x", N, CANH_IOC_URL, "http://1.2.3.4:8080/x");
    check("http[:]//evil.com/", N, CANH_IOC_URL, "http://evil.com/");
    check("2001[:]db8::1", N, CANH_IOC_IP, "2001:db8::1");
    /* Not defanging: brackets of an IPv6 literal, hxxp not at the start. */
    check("http://[::1]/", N, CANH_IOC_URL, "http://[::1]/");
    check("http://evil.com/hxxp://x", N, CANH_IOC_URL, "http://evil.com/hxxp://x");
    check("hxxp", N, N, NULL);
    check("[.]", N, N, NULL);
    /* Nested forms come out whole, so normalising again changes nothing
     * (found by fuzzing: "5[[:]]" once gave "5[:]", then "5:"). */
    check("evil[[.]]com", N, CANH_IOC_DOMAIN, "evil.com");
    check("evil[(.)]com", N, CANH_IOC_DOMAIN, "evil.com");
    check("5[[:]][:]5[:]", CANH_IOC_URL, CANH_IOC_URL, "http://5::5:");
    check("hxxp[[://]]x[.]com", N, CANH_IOC_URL, "http://x.com");
}

static void test_hashes(void **st)
{
    (void)st;
    const char *md5 = "D41D8CD98F00B204E9800998ECF8427E";
    const char *sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const char *sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    check(md5, N, CANH_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    check(md5, CANH_IOC_MD5, CANH_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    check(sha1, N, CANH_IOC_SHA1, sha1);
    check(sha256, N, CANH_IOC_SHA256,
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check(sha256, CANH_IOC_MD5, N, "md5 needs 32 hex digits, got 64");
    check(md5, CANH_IOC_SHA256, N, "sha256 needs 64 hex digits");
    check("d41d8cd98f00b204e9800998ecf8427g", CANH_IOC_MD5, N, "not a hex digit");
    check("d41d8cd98f00b204e9800998ecf8427", N, N, "not an IP, domain, URL or hash");
    check("d41d8cd98f00b204e9800998ecf8427ee", N, N, NULL);
    /* 32 characters that are not all hex: not a hash, and not a domain. */
    check("d41d8cd98f00b204e9800998ecf8427z", N, N, NULL);
}

static void test_urls(void **st)
{
    (void)st;
    check("HTTP://Evil.COM/Path?Q=A#F", N, CANH_IOC_URL, "http://evil.com/Path?Q=A#F");
    check("http://user:PW@Evil.com:8080/x", N, CANH_IOC_URL, "http://user:PW@evil.com:8080/x");
    check("http://Evil.com?x=A@B", N, CANH_IOC_URL, "http://evil.com?x=A@B");
    check("http://[2001:DB8::1]:80/A", N, CANH_IOC_URL, "http://[2001:db8::1]:80/A");
    check("http://[::ffff:1.2.3.4]/", N, CANH_IOC_URL, "http://1.2.3.4/");
    check("ftp://files.example.org", N, CANH_IOC_URL, "ftp://files.example.org");
    check("svn+ssh://Host.Example/repo", N, CANH_IOC_URL, "svn+ssh://host.example/repo");
    check("http://localhost/x", N, CANH_IOC_URL, "http://localhost/x");
    check("evil.com/login.php", CANH_IOC_URL, CANH_IOC_URL, "http://evil.com/login.php");
    check("Evil.com", CANH_IOC_URL, CANH_IOC_URL, "http://evil.com");
    check("evil.com/login.php", N, N, "not an IP, domain, URL or hash");
    check("http://evil.com/a b", N, N, "in URL");
    check("http://evil.com/a\tb", N, N, "0x09 in URL");
    check("://evil.com", N, N, "bad URL scheme");
    check("1http://evil.com", N, N, "bad URL scheme");
    check("ht_tp://evil.com", N, N, "bad URL scheme");
    check("http:///path", N, N, "URL without a host");
    check("http://user@:80/", N, N, "URL without a host");
    check("http://[zz::1]/", N, N, "bad IPv6 literal");
    check("http://[::1/", N, N, "bad IPv6 literal");
    check("http://[1.2.3.4]/", N, N, "bad IPv6 literal");
    /* found by fuzzing: text after the literal became part of a host */
    check("http://[::ffff:1.2.3.4];x:80/", N, N, "bad IPv6 literal");
    check("http://[::1]x/", N, N, "bad IPv6 literal");
    check("evil.com", CANH_IOC_DOMAIN, CANH_IOC_DOMAIN, "evil.com");
    check("http://evil.com", CANH_IOC_DOMAIN, N, NULL);

    canh_str_t h;
    assert_true(intel_url_host(CANH_STR_LIT("http://u:p@Evil.com:80/x?y#z"), &h));
    assert_true(canh_str_eq_c(h, "Evil.com"));
    assert_true(intel_url_host(CANH_STR_LIT("http://[2001:db8::1]:8080"), &h));
    assert_true(canh_str_eq_c(h, "2001:db8::1"));
    assert_true(intel_url_host(CANH_STR_LIT("http://1.2.3.4?q"), &h));
    assert_true(canh_str_eq_c(h, "1.2.3.4"));
    assert_false(intel_url_host(CANH_STR_LIT("http:///x"), &h));
    assert_false(intel_url_host(CANH_STR_LIT("evil.com/x"), &h));
    assert_false(intel_url_host(CANH_STR_LIT("http://[]/"), &h));
}

static void test_domains(void **st)
{
    (void)st;
    check("Evil.COM.", N, CANH_IOC_DOMAIN, "evil.com");
    check("*.evil.com", N, CANH_IOC_DOMAIN, "evil.com");
    check("xn--80ak6aa92e.com", N, CANH_IOC_DOMAIN, "xn--80ak6aa92e.com");
    check("_dmarc.under_score.evil.com", N, CANH_IOC_DOMAIN, "_dmarc.under_score.evil.com");
    check("a-b.c-d.co.uk", N, CANH_IOC_DOMAIN, "a-b.c-d.co.uk");
    check("evil.xn--p1ai", N, CANH_IOC_DOMAIN, "evil.xn--p1ai");
    check("123.example.com", N, CANH_IOC_DOMAIN, "123.example.com");
    check("a..b.com", N, N, "empty label");
    check(".evil.com", N, N, "empty label");
    check("evil.com..", N, N, "empty label");
    check("localhost", N, N, "not an IP, domain, URL or hash");
    check("localhost", CANH_IOC_DOMAIN, N, NULL);
    check("evil.123", N, N, "all-numeric top-level label");
    check("ev il.com", N, N, NULL);
    check("ev il.com", CANH_IOC_DOMAIN, N, "0x20 is not allowed");
    check("\xc3\xa9vil.com", N, N, "xn--");
    check("evil.com:8080", N, N, "':'");
    check("*", N, N, NULL);
    check(".", N, N, NULL);

    char label[80], name[300];
    memset(label, 'a', 63);
    label[63] = '\0';
    snprintf(name, sizeof name, "%s.com", label);
    check(name, N, CANH_IOC_DOMAIN, name);
    memset(label, 'a', 64);
    label[64] = '\0';
    snprintf(name, sizeof name, "%s.com", label);
    check(name, N, N, "longer than 63");
    /* 253 characters: 63.63.63.61 */
    memset(name, 'b', 253);
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    check(name, N, CANH_IOC_DOMAIN, name);
    name[253] = 'b';
    name[254] = '\0';
    check(name, N, N, "longer than 253");
    name[253] = '.'; /* a trailing dot does not count */
    char want[300];
    memcpy(want, name, 253);
    want[253] = '\0';
    check(name, CANH_IOC_DOMAIN, CANH_IOC_DOMAIN, want);
}

static void test_limits(void **st)
{
    (void)st;
    char out[8];
    canh_errbuf_t eb;
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("1.2.3.4"), N, out, sizeof out, &eb),
                     CANH_IOC_IP);
    assert_string_equal(out, "1.2.3.4");
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("10.2.3.4/8"), N, out, sizeof out, &eb), N);
    assert_non_null(strstr(eb.msg, "needs 11 bytes"));
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("evil.example"), N, out, sizeof out, &eb), N);
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("http://e.com/"), N, out, sizeof out, &eb), N);
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("d41d8cd98f00b204e9800998ecf8427e"), N, out,
                                        sizeof out, &eb),
                     N);
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT("1.2.3.4"), N, NULL, 0, NULL), N);
    assert_int_equal(canh_ioc_normalize(CANH_STR_NULL, N, out, sizeof out, &eb), N);
    assert_string_equal(eb.msg, "empty value");
    assert_int_equal(canh_ioc_normalize(CANH_STR_LIT(" \t "), N, out, sizeof out, &eb), N);
    assert_int_equal(
        canh_ioc_normalize(CANH_STR_LIT("evil.com"), (canh_ioc_type_t)42, out, sizeof out, &eb), N);
    assert_non_null(strstr(eb.msg, "unknown indicator type"));

    /* The longest accepted value, and one byte more. */
    size_t n = CANH_INTEL_MAX_VALUE;
    char *url = canh_malloc(n + 2);
    char *big = canh_malloc(n + 8);
    assert_non_null(url);
    assert_non_null(big);
    memcpy(url, "http://evil.com/", 16);
    memset(url + 16, 'x', n - 16);
    url[n] = '\0';
    assert_int_equal(canh_ioc_normalize(canh_str(url, n), N, big, n + 8, &eb), CANH_IOC_URL);
    assert_int_equal(strlen(big), n);
    url[n] = 'x';
    url[n + 1] = '\0';
    assert_int_equal(canh_ioc_normalize(canh_str(url, n + 1), N, big, n + 8, &eb), N);
    assert_non_null(strstr(eb.msg, "longer than 4096"));
    canh_free(url);
    canh_free(big);

    /* Bytes that are not text at all. */
    const char bin[] = {'1', '.', '2', '\0', '.', '3', '.', '4'};
    assert_int_equal(canh_ioc_normalize(canh_str(bin, sizeof bin), N, out, sizeof out, &eb), N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names), cmocka_unit_test(test_fini),
        cmocka_unit_test(test_ipv4),       cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_defang),     cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_urls),       cmocka_unit_test(test_domains),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
