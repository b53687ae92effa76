/* intel_ioc.c - indicator types and value normalisation: defanging, IP and
 * CIDR parsing, hashes, URLs and domain names. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "canh/mem.h"
#include "intel_int.h"

static const char *const type_names[] = {
    [CANH_IOC_NONE] = "none",     [CANH_IOC_IP] = "ip",   [CANH_IOC_DOMAIN] = "domain",
    [CANH_IOC_URL] = "url",       [CANH_IOC_MD5] = "md5", [CANH_IOC_SHA1] = "sha1",
    [CANH_IOC_SHA256] = "sha256",
};

const char *canh_ioc_type_name(canh_ioc_type_t t)
{
    if ((unsigned)t >= sizeof type_names / sizeof type_names[0])
        return "none";
    return type_names[t];
}

canh_ioc_type_t canh_ioc_type_parse(const char *s)
{
    if (!s)
        return CANH_IOC_NONE;
    canh_str_t v = canh_str_c(s);
    for (unsigned t = CANH_IOC_IP; t <= CANH_IOC_SHA256; t++)
        if (canh_str_ieq_c(v, type_names[t]))
            return (canh_ioc_type_t)t;
    return CANH_IOC_NONE;
}

void canh_indicator_fini(canh_indicator_t *ind)
{
    if (!ind)
        return;
    canh_free(ind->value);
    canh_free(ind->source);
    canh_free(ind->threat);
    canh_free(ind->family);
    canh_free(ind->extra);
    ind->value = ind->source = ind->threat = ind->family = ind->extra = NULL;
}

/* ---- small helpers --------------------------------------------------------- */

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static inline int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Hex digit value + 1, 0 for anything else: decoding is a table read per
 * character and one test per digest instead of a branch per character. */
#define H(c) [c] = (c) - '0' + 1
#define L(c) [c] = (c) - 'a' + 11, [(c)-32] = (c) - 'a' + 11
static const uint8_t hex_tab[256] = {
    H('0'), H('1'), H('2'), H('3'), H('4'), H('5'), H('6'), H('7'),
    H('8'), H('9'), L('a'), L('b'), L('c'), L('d'), L('e'), L('f'),
};
#undef H
#undef L

bool intel_hex_decode(const char *s, size_t n, uint8_t *out)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = hex_tab[(unsigned char)s[2 * i]], lo = hex_tab[(unsigned char)s[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
    }
    return bad == 0;
}

canh_ioc_type_t intel_hash_type(size_t n)
{
    switch (n) {
    case 32: return CANH_IOC_MD5;
    case 40: return CANH_IOC_SHA1;
    case 64: return CANH_IOC_SHA256;
    default: return CANH_IOC_NONE;
    }
}

size_t intel_digest_len(canh_ioc_type_t t)
{
    switch (t) {
    case CANH_IOC_MD5: return 16;
    case CANH_IOC_SHA1: return 20;
    case CANH_IOC_SHA256: return 32;
    default: return 0;
    }
}

/* A printable rendering of byte c for an error message. */
static const char *show(unsigned char c, char buf[8])
{
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "0x%02x", c);
    return buf;
}

/* ---- IP addresses and prefixes --------------------------------------------- */

/* Strict dotted quad: four decimal parts 0-255, no leading zeros (which
 * some parsers read as octal). */
static bool parse_v4(const char *p, size_t n, uint8_t out[4])
{
    unsigned part = 0, val = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            if (digits && val == 0)
                return false;
            val = val * 10 + (unsigned)(c - '0');
            if (++digits > 3 || val > 255)
                return false;
        } else if (c == '.') {
            if (!digits || part == 3)
                return false;
            out[part++] = (uint8_t)val;
            val = digits = 0;
        } else {
            return false;
        }
    }
    if (part != 3 || !digits)
        return false;
    out[3] = (uint8_t)val;
    return true;
}

static void mask_bits(uint8_t *a, unsigned len, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bit = i * 8;
        if (bit >= len)
            a[i] = 0;
        else if (len - bit < 8)
            a[i] &= (uint8_t)(0xff00u >> (len - bit));
    }
}

/* Fails with the reason in eb (the error is returned here, not taken from
 * canh_errf, so the analysers see every failing path return nonzero). */
#define BAD(...)                                                                                   \
    do {                                                                                           \
        canh_errf(eb, CANH_EINVAL, __VA_ARGS__);                                                   \
        return CANH_EINVAL;                                                                        \
    } while (0)

int intel_ip_parse(canh_str_t s, bool allow_cidr, intel_ip_t *out, canh_errbuf_t *eb)
{
    if (!s.p || s.n == 0)
        BAD("empty address");
    intel_ip_t ip;
    memset(&ip, 0, sizeof ip);
    const char *slash = memchr(s.p, '/', s.n);
    size_t an = slash ? (size_t)(slash - s.p) : s.n;
    if (memchr(s.p, ':', an)) {
        /* IPv6: a "%zone" scope id means nothing in an indicator. */
        const char *pct = memchr(s.p, '%', an);
        size_t n = pct ? (size_t)(pct - s.p) : an;
        char tmp[48];
        if (n == 0 || n >= sizeof tmp)
            BAD("not an IP address");
        memcpy(tmp, s.p, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, ip.addr) != 1)
            BAD("not an IP address");
        ip.v6 = true;
    } else if (!parse_v4(s.p, an, ip.addr)) {
        BAD("not an IP address");
    }
    unsigned max = ip.v6 ? 128 : 32;
    ip.len = (uint8_t)max;
    if (slash) {
        if (!allow_cidr)
            BAD("a CIDR prefix where an address is expected");
        canh_str_t l = canh_str(slash + 1, s.n - an - 1);
        if (l.n == 0)
            BAD("CIDR prefix length missing");
        unsigned v = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (l.p[i] < '0' || l.p[i] > '9')
                BAD("CIDR prefix length is not a number");
            if (v <= max)
                v = v * 10 + (unsigned)(l.p[i] - '0');
        }
        if (v > max)
            BAD("CIDR prefix length %.*s out of range", (int)(l.n > 20 ? 20 : l.n), l.p);
        ip.len = (uint8_t)v;
    }
    mask_bits(ip.addr, ip.len, ip.v6 ? 16 : 4);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (ip.v6 && ip.len >= 96 && memcmp(ip.addr, mapped, 12) == 0) {
        /* ::ffff:a.b.c.d is how a dual-stack socket shows an IPv4 peer. */
        memmove(ip.addr, ip.addr + 12, 4);
        memset(ip.addr + 4, 0, 12);
        ip.len = (uint8_t)(ip.len - 96);
        ip.v6 = false;
    }
    *out = ip;
    return CANH_OK;
}

#undef BAD

/* Decimal digits of v (0-255) at out; returns how many. */
static size_t put_dec(char *out, unsigned v)
{
    size_t n = 0;
    if (v >= 100)
        out[n++] = (char)('0' + v / 100);
    if (v >= 10)
        out[n++] = (char)('0' + v / 10 % 10);
    out[n++] = (char)('0' + v % 10);
    return n;
}

size_t intel_ip_format(const intel_ip_t *ip, char *out)
{
    size_t n = 0;
    unsigned max;
    if (ip->v6) {
        if (!inet_ntop(AF_INET6, ip->addr, out, INTEL_IP_TEXT))
            out[0] = '\0';
        n = strlen(out);
        max = 128;
    } else {
        /* By hand: snprintf was a tenth of building a million-prefix table. */
        for (int i = 0; i < 4; i++) {
            if (i)
                out[n++] = '.';
            n += put_dec(out + n, ip->addr[i]);
        }
        max = 32;
    }
    if (ip->len < max) {
        out[n++] = '/';
        n += put_dec(out + n, ip->len);
    }
    out[n] = '\0';
    return n;
}

/* ---- defanging ------------------------------------------------------------- */

/* Copies in into buf (room for in.n + 1) undoing the usual defanging:
 * "[.]" and "(.)" -> ".", "[:]" -> ":", "[://]" -> "://", and a leading
 * "hxxp" / "hxxps" scheme (any case) -> "http" / "https". Each closing
 * bracket is checked against the text written so far, so nested forms
 * ("[[.]]") come out whole and the result holds no defanged form: undoing
 * it again changes nothing. */
static size_t defang(canh_str_t in, char *buf)
{
    size_t n = 0;
    for (size_t i = 0; i < in.n; i++) {
        char c = in.p[i];
        buf[n++] = c;
        if (c != ']' && c != ')')
            continue;
        if (c == ']' && n >= 5 && memcmp(buf + n - 5, "[://]", 5) == 0) {
            memcpy(buf + n - 5, "://", 3);
            n -= 2;
        } else if (n >= 3 && (buf[n - 3] == (c == ']' ? '[' : '(')) &&
                   (buf[n - 2] == '.' || (buf[n - 2] == ':' && c == ']'))) {
            buf[n - 3] = buf[n - 2];
            n -= 2;
        }
    }
    buf[n] = '\0';
    if (n >= 7 && lower(buf[0]) == 'h' && lower(buf[1]) == 'x' && lower(buf[2]) == 'x' &&
        lower(buf[3]) == 'p') {
        size_t k = lower(buf[4]) == 's' ? 5 : 4;
        if (n >= k + 3 && memcmp(buf + k, "://", 3) == 0) {
            buf[1] = 't';
            buf[2] = 't';
        }
    }
    return n;
}

/* ---- the types ------------------------------------------------------------- */

static canh_ioc_type_t put(const char *s, size_t n, canh_ioc_type_t t, char *out, size_t cap,
                           canh_errbuf_t *eb)
{
    if (!out || n >= cap) {
        canh_errf(eb, CANH_ELIMIT, "normalised value needs %zu bytes, output has %zu", n + 1, cap);
        return CANH_IOC_NONE;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return t;
}

static canh_ioc_type_t norm_ip(canh_str_t v, char *out, size_t cap, canh_errbuf_t *eb)
{
    intel_ip_t ip;
    if (intel_ip_parse(v, true, &ip, eb) != CANH_OK)
        return CANH_IOC_NONE;
    char txt[INTEL_IP_TEXT];
    size_t n = intel_ip_format(&ip, txt);
    return put(txt, n, CANH_IOC_IP, out, cap, eb);
}

static canh_ioc_type_t norm_hash(canh_str_t v, canh_ioc_type_t want, char *out, size_t cap,
                                 canh_errbuf_t *eb)
{
    canh_ioc_type_t t = intel_hash_type(v.n);
    if (want != CANH_IOC_NONE && t != want) {
        canh_errf(eb, CANH_EINVAL, "%s needs %zu hex digits, got %zu characters",
                  canh_ioc_type_name(want), 2 * intel_digest_len(want), v.n);
        return CANH_IOC_NONE;
    }
    if (t == CANH_IOC_NONE) {
        canh_errf(eb, CANH_EINVAL, "not an IP, domain, URL or hash");
        return CANH_IOC_NONE;
    }
    if (!out || v.n >= cap)
        return put(v.p, v.n, t, out, cap, eb); /* reports the size */
    for (size_t i = 0; i < v.n; i++) {
        char c = lower(v.p[i]);
        if (hexval((unsigned char)c) < 0) {
            char b[8];
            canh_errf(eb, CANH_EINVAL, "%s: %s is not a hex digit", canh_ioc_type_name(t),
                      show((unsigned char)c, b));
            return CANH_IOC_NONE;
        }
        out[i] = c;
    }
    out[v.n] = '\0';
    return t;
}

/* Validates and lower-cases a DNS name into out (room for 254 bytes): one
 * leading "*." and one trailing dot are dropped; labels of 1-63 characters
 * from [a-z0-9-_], at most 253 in all, at least two labels, a top-level
 * label that is not all digits. Punycode (xn--) is plain ASCII and passes;
 * raw non-ASCII does not. Returns the length, or 0 with the reason in eb. */
static size_t norm_domain_text(canh_str_t v, char *out, canh_errbuf_t *eb)
{
    if (v.n >= 2 && v.p[0] == '*' && v.p[1] == '.')
        v = canh_str_sub(v, 2, v.n);
    if (v.n && v.p[v.n - 1] == '.')
        v.n--;
    if (v.n == 0) {
        canh_errf(eb, CANH_EINVAL, "empty domain name");
        return 0;
    }
    if (v.n > 253) {
        canh_errf(eb, CANH_EINVAL, "domain name longer than 253 characters");
        return 0;
    }
    size_t label = 0, labels = 1;
    bool numeric = true; /* the current label is all digits so far */
    for (size_t i = 0; i < v.n; i++) {
        char c = lower(v.p[i]);
        if (c == '.') {
            if (label == 0) {
                canh_errf(eb, CANH_EINVAL, "empty label in domain name");
                return 0;
            }
            label = 0;
            labels++;
            numeric = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            if (++label > 63) {
                canh_errf(eb, CANH_EINVAL, "domain label longer than 63 characters");
                return 0;
            }
            if (c < '0' || c > '9')
                numeric = false;
        } else {
            char b[8];
            canh_errf(eb, CANH_EINVAL, "%s is not allowed in a domain name%s",
                      show((unsigned char)c, b),
                      (unsigned char)c >= 0x80 ? " (write IDNs in xn-- form)" : "");
            return 0;
        }
        out[i] = c;
    }
    if (label == 0) {
        canh_errf(eb, CANH_EINVAL, "empty label in domain name");
        return 0;
    }
    if (labels < 2) {
        canh_errf(eb, CANH_EINVAL, "not an IP, domain, URL or hash");
        return 0;
    }
    if (numeric) {
        canh_errf(eb, CANH_EINVAL, "domain name with an all-numeric top-level label");
        return 0;
    }
    out[v.n] = '\0';
    return v.n;
}

static canh_ioc_type_t norm_domain(canh_str_t v, char *out, size_t cap, canh_errbuf_t *eb)
{
    char tmp[256];
    size_t n = norm_domain_text(v, tmp, eb);
    if (n == 0)
        return CANH_IOC_NONE;
    return put(tmp, n, CANH_IOC_DOMAIN, out, cap, eb);
}

static bool scheme_char(char c, bool first)
{
    c = lower(c);
    if (c >= 'a' && c <= 'z')
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

bool intel_url_host(canh_str_t url, canh_str_t *host)
{
    ptrdiff_t sep = canh_str_find_c(url, "://");
    if (sep <= 0)
        return false;
    size_t a = (size_t)sep + 3, e = a;
    while (e < url.n && url.p[e] != '/' && url.p[e] != '?' && url.p[e] != '#')
        e++;
    for (size_t i = e; i > a; i--)
        if (url.p[i - 1] == '@') {
            a = i;
            break;
        }
    canh_str_t h = canh_str(url.p + a, e - a);
    if (h.n && h.p[0] == '[') {
        ptrdiff_t close = canh_str_chr(h, ']');
        if (close < 2)
            return false;
        h = canh_str(h.p + 1, (size_t)close - 1);
    } else {
        ptrdiff_t colon = canh_str_chr(h, ':');
        if (colon >= 0)
            h.n = (size_t)colon;
    }
    if (h.n == 0)
        return false;
    *host = h;
    return true;
}

/* URLs: the scheme and host are lower-cased (an IPv6 literal host is
 * written in canonical form); the rest is kept byte for byte. Spaces and
 * control characters are refused. With scheme_optional (hint URL) a value
 * without "scheme://" is taken as http. */
static canh_ioc_type_t norm_url(canh_str_t v, bool scheme_optional, char *out, size_t cap,
                                canh_errbuf_t *eb)
{
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c <= 0x20 || c == 0x7f) {
            char b[8];
            canh_errf(eb, CANH_EINVAL, "%s in URL", show(c, b));
            return CANH_IOC_NONE;
        }
    }
    ptrdiff_t sep = canh_str_find_c(v, "://");
    const char *prefix = "";
    size_t skip = 0; /* bytes of v already written as the scheme */
    if (sep < 0) {
        if (!scheme_optional) {
            canh_errf(eb, CANH_EINVAL, "URL without a scheme");
            return CANH_IOC_NONE;
        }
        prefix = "http://";
    } else {
        for (ptrdiff_t i = 0; i < sep; i++)
            if (!scheme_char(v.p[i], i == 0)) {
                canh_errf(eb, CANH_EINVAL, "bad URL scheme");
                return CANH_IOC_NONE;
            }
        if (sep == 0) {
            canh_errf(eb, CANH_EINVAL, "bad URL scheme");
            return CANH_IOC_NONE;
        }
        skip = (size_t)sep + 3;
    }
    size_t plen = strlen(prefix);
    /* Authority: [userinfo@]host[:port], up to the path, query or fragment. */
    size_t a = skip, e = skip;
    while (e < v.n && v.p[e] != '/' && v.p[e] != '?' && v.p[e] != '#')
        e++;
    size_t h = a;
    for (size_t i = e; i > a; i--)
        if (v.p[i - 1] == '@') {
            h = i;
            break;
        }
    size_t he; /* end of the host */
    char v6txt[INTEL_IP_TEXT];
    size_t v6n = 0;
    bool bracket = false;
    if (h < e && v.p[h] == '[') {
        const char *close = memchr(v.p + h, ']', e - h);
        canh_str_t lit =
            close ? canh_str(v.p + h + 1, (size_t)(close - v.p) - h - 1) : CANH_STR_NULL;
        intel_ip_t ip;
        /* An IPv6 address, then the port or the end of the authority. */
        if (!close || canh_str_chr(lit, ':') < 0 ||
            intel_ip_parse(lit, false, &ip, NULL) != CANH_OK ||
            ((size_t)(close - v.p) + 1 < e && close[1] != ':')) {
            canh_errf(eb, CANH_EINVAL, "bad IPv6 literal in URL");
            return CANH_IOC_NONE;
        }
        /* An IPv4-mapped literal comes out as the bare IPv4 address. */
        v6n = intel_ip_format(&ip, v6txt);
        bracket = ip.v6;
        he = (size_t)(close - v.p) + 1;
    } else {
        he = h;
        while (he < e && v.p[he] != ':')
            he++;
    }
    if (he == h) {
        canh_errf(eb, CANH_EINVAL, "URL without a host");
        return CANH_IOC_NONE;
    }
    size_t need = plen + v.n + (v6n ? v6n + 2 : 0);
    if (!out || need >= cap) {
        canh_errf(eb, CANH_ELIMIT, "normalised value needs %zu bytes, output has %zu", need + 1,
                  cap);
        return CANH_IOC_NONE;
    }
    size_t n = 0;
    memcpy(out, prefix, plen);
    n += plen;
    for (size_t i = 0; i < h; i++) /* scheme lower-cased, "://" and userinfo kept */
        out[n++] = i < skip ? lower(v.p[i]) : v.p[i];
    if (v6n) {
        if (bracket)
            out[n++] = '[';
        memcpy(out + n, v6txt, v6n);
        n += v6n;
        if (bracket)
            out[n++] = ']';
    } else {
        for (size_t i = h; i < he; i++)
            out[n++] = lower(v.p[i]);
    }
    memcpy(out + n, v.p + he, v.n - he);
    n += v.n - he;
    out[n] = '\0';
    return CANH_IOC_URL;
}

static bool all_hex(canh_str_t v)
{
    for (size_t i = 0; i < v.n; i++)
        if (hexval((unsigned char)v.p[i]) < 0)
            return false;
    return true;
}

canh_ioc_type_t canh_ioc_normalize(canh_str_t in, canh_ioc_type_t hint, char *out, size_t cap,
                                   canh_errbuf_t *eb)
{
    in = canh_str_trim(in);
    if (!in.p || in.n == 0) {
        canh_errf(eb, CANH_EINVAL, "empty value");
        return CANH_IOC_NONE;
    }
    if (in.n > CANH_INTEL_MAX_VALUE) {
        canh_errf(eb, CANH_ELIMIT, "value longer than %u bytes", CANH_INTEL_MAX_VALUE);
        return CANH_IOC_NONE;
    }
    char buf[CANH_INTEL_MAX_VALUE + 1];
    canh_str_t v = canh_str(buf, defang(in, buf));

    switch (hint) {
    case CANH_IOC_IP: return norm_ip(v, out, cap, eb);
    case CANH_IOC_DOMAIN: return norm_domain(v, out, cap, eb);
    case CANH_IOC_URL: return norm_url(v, true, out, cap, eb);
    case CANH_IOC_MD5:
    case CANH_IOC_SHA1:
    case CANH_IOC_SHA256: return norm_hash(v, hint, out, cap, eb);
    case CANH_IOC_NONE: break;
    default:
        canh_errf(eb, CANH_EINVAL, "unknown indicator type %d", (int)hint);
        return CANH_IOC_NONE;
    }

    /* Guessing: a scheme makes a URL; then IP or CIDR; then a hash by its
     * length; anything else must be a valid domain name. */
    if (canh_str_find_c(v, "://") >= 0)
        return norm_url(v, false, out, cap, eb);
    const char *slash = memchr(v.p, '/', v.n);
    canh_str_t addr = slash ? canh_str(v.p, (size_t)(slash - v.p)) : v;
    intel_ip_t ip;
    if (intel_ip_parse(addr, false, &ip, NULL) == CANH_OK)
        return norm_ip(v, out, cap, eb); /* reports a bad "/len" */
    if (intel_hash_type(v.n) != CANH_IOC_NONE && all_hex(v))
        return norm_hash(v, CANH_IOC_NONE, out, cap, eb);
    canh_errbuf_t why;
    canh_ioc_type_t t = norm_domain(v, out, cap, &why);
    if (t == CANH_IOC_NONE) {
        /* Say why when it looked like a name (it has a dot); otherwise
         * the generic reason is the useful one. */
        if (memchr(v.p, '.', v.n) && !slash)
            canh_errf(eb, CANH_EINVAL, "%s", why.msg);
        else
            canh_errf(eb, CANH_EINVAL, "not an IP, domain, URL or hash");
    }
    return t;
}
