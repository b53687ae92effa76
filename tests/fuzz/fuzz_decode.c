/* fuzz_decode.c - one record through a decoder, then the event to JSON.
 *
 * Compiled once per decoder: -DCANH_FUZZ_TYPE="<name>" forces that decoder
 * (opts.type); without it the context detects the format per record, as
 * `canh replay` does. Beyond the sanitizers, it checks the contracts the
 * rest of Canh relies on.
 *
 * Syslog program decoders (sshd, sudo, postfix, ...) are reached through the
 * syslog header, so a forced target also decodes the input framed as the
 * message of a syslog line from that decoder's program: mutations then land
 * in the program decoder instead of being spent on header parsing.
 *
 * Checks:
 *   - canh_decode_record returns CANH_OK and names a known decoder;
 *   - event.original is the input, byte for byte, less any trailing CR/LF
 *     (those belong to the framing);
 *   - canh_event_to_json writes one syntactically valid JSON object in
 *     valid UTF-8 (a bad byte in a log line must not break a JSON sink). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/decode.h"
#include "canh/error.h"
#include "canh/event.h"
#include "canh/limits.h"
#include "canh/time.h"

#ifdef CANH_FUZZ_TYPE
#define FUZZ_TYPE CANH_FUZZ_TYPE
#else
#define FUZZ_TYPE NULL
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static canh_decode_t *dec;
static canh_event_t *ev;
static canh_buf_t out;
static char hdr[96]; /* "Nov 21 03:14:07 fuzzhost PROG[4242]: " or empty */
static size_t hdr_len;

/* The syslog program name that routes to a decoder, where it is not the
 * decoder's own name (src/decode/decode_prog_table.c has the full table). */
static const char *prog_for(const char *type)
{
    static const char *const map[][2] = {
        {"firewall", "kernel"},     {"accounts", "useradd"}, {"mailserver", "sendmail"},
        {"ftpd", "vsftpd"},         {"inetd", "xinetd"},     {"pam", "PAM_unix"},
        {"postgresql", "postgres"}, {"mysql", "mysqld"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], type) == 0)
            return map[i][1];
    return type;
}

static void fail(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "fuzz_decode(%s): %s\n", FUZZ_TYPE ? FUZZ_TYPE : "auto", what);
    if (p) {
        fprintf(stderr, "output: ");
        fwrite(p, 1, n > 4096 ? 4096 : n, stderr);
        fputc('\n', stderr);
    }
    abort();
}

/* ---- a strict JSON syntax check (RFC 8259) over the encoder's output ---- */
typedef struct jcur {
    const uint8_t *p, *end;
    int depth;
} jcur_t;

static int j_value(jcur_t *c);

static void j_ws(jcur_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* One UTF-8 sequence (shortest form, no surrogates, <= U+10FFFF). */
static int j_utf8(jcur_t *c)
{
    uint8_t b = *c->p;
    size_t need;
    uint32_t cp;
    if (b < 0x80)
        return c->p++, 0;
    if (b >= 0xc2 && b <= 0xdf)
        need = 1, cp = b & 0x1f;
    else if (b >= 0xe0 && b <= 0xef)
        need = 2, cp = b & 0x0f;
    else if (b >= 0xf0 && b <= 0xf4)
        need = 3, cp = b & 0x07;
    else
        return -1;
    if ((size_t)(c->end - c->p) <= need)
        return -1;
    for (size_t i = 1; i <= need; i++) {
        if ((c->p[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (c->p[i] & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    c->p += need + 1;
    return 0;
}

static int j_string(jcur_t *c)
{
    if (c->p >= c->end || *c->p != '"')
        return -1;
    c->p++;
    while (c->p < c->end) {
        uint8_t b = *c->p;
        if (b == '"')
            return c->p++, 0;
        if (b < 0x20)
            return -1;
        if (b == '\\') {
            if (c->end - c->p < 2)
                return -1;
            uint8_t e = c->p[1];
            if (e == 'u') {
                if (c->end - c->p < 6)
                    return -1;
                for (int i = 2; i < 6; i++) {
                    uint8_t h = c->p[i];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                          (h >= 'A' && h <= 'F')))
                        return -1;
                }
                c->p += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                c->p += 2;
            } else {
                return -1;
            }
            continue;
        }
        if (j_utf8(c))
            return -1;
    }
    return -1;
}

static int j_digits(jcur_t *c)
{
    const uint8_t *s = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > s ? 0 : -1;
}

static int j_number(jcur_t *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (j_digits(c))
        return -1;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (j_digits(c))
            return -1;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (j_digits(c))
            return -1;
    }
    return 0;
}

static int j_lit(jcur_t *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int j_container(jcur_t *c, uint8_t open)
{
    uint8_t close = open == '{' ? '}' : ']';
    if (++c->depth > 4096)
        return -1;
    c->p++;
    j_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        c->depth--;
        return 0;
    }
    for (;;) {
        if (open == '{') {
            if (j_string(c))
                return -1;
            j_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return -1;
            c->p++;
            j_ws(c);
        }
        if (j_value(c))
            return -1;
        j_ws(c);
        if (c->p >= c->end)
            return -1;
        if (*c->p == ',') {
            c->p++;
            j_ws(c);
            continue;
        }
        if (*c->p != close)
            return -1;
        c->p++;
        c->depth--;
        return 0;
    }
}

static int j_value(jcur_t *c)
{
    if (c->p >= c->end)
        return -1;
    switch (*c->p) {
    case '{':
    case '[': return j_container(c, *c->p);
    case '"': return j_string(c);
    case 't': return j_lit(c, "true");
    case 'f': return j_lit(c, "false");
    case 'n': return j_lit(c, "null");
    default: return j_number(c);
    }
}

/* 0 when p[0..n) is exactly one JSON object. */
static int json_object_ok(const uint8_t *p, size_t n)
{
    jcur_t c = {p, p + n, 0};
    if (n == 0 || *p != '{' || j_value(&c))
        return -1;
    j_ws(&c);
    return c.p == c.end ? 0 : -1;
}

/* ---- the target ----------------------------------------------------------- */
static void cleanup(void)
{
    canh_buf_fini(&out);
    canh_event_destroy(ev);
    canh_decode_destroy(dec);
}

static void setup(void)
{
    /* A fixed reference time keeps runs reproducible (year-less syslog
     * timestamps are read against it): 2026-11-21T00:00:00Z, zone +07:00. */
    canh_decode_opts_t opts = {
        .tref = {.now = INT64_C(1795219200) * CANH_NS_PER_SEC, .tz_off = 7 * 3600},
        .type = FUZZ_TYPE,
    };
    canh_errbuf_t eb = {{0}};
    if (canh_decode_create(&opts, &dec, &eb) != CANH_OK) {
        fprintf(stderr, "fuzz_decode: canh_decode_create: %s\n", eb.msg);
        abort();
    }
    ev = canh_event_create();
    if (!ev)
        abort();
    if (FUZZ_TYPE) {
        int n =
            snprintf(hdr, sizeof hdr, "Nov 21 03:14:07 fuzzhost %s[4242]: ", prog_for(FUZZ_TYPE));
        hdr_len = n > 0 && (size_t)n < sizeof hdr ? (size_t)n : 0;
    }
    canh_buf_init(&out, CANH_MAX_JSON_OUT);
    atexit(cleanup);
}

/* Decodes rec[0..size) and checks the result. */
static void check_one(const char *rec, size_t size)
{
    if (canh_decode_record(dec, rec, size, ev) != CANH_OK)
        fail("canh_decode_record did not return CANH_OK", NULL, 0);
    if (ev->decoder >= canh_decode_count())
        fail("event names an unknown decoder id", NULL, 0);
    size_t keep = size;
    while (keep && (rec[keep - 1] == '\n' || rec[keep - 1] == '\r'))
        keep--;
    if (ev->original.n != keep || (keep && memcmp(ev->original.p, rec, keep) != 0))
        fail("event.original is not the input record", NULL, 0);

    canh_buf_reset(&out);
    int rc = canh_event_to_json(ev, &out);
    if (rc == CANH_OK) {
        if (json_object_ok((const uint8_t *)out.data, out.len))
            fail("canh_event_to_json wrote invalid JSON or UTF-8", (const uint8_t *)out.data,
                 out.len);
    } else if (rc != CANH_ELIMIT) {
        fail("canh_event_to_json failed other than CANH_ELIMIT", NULL, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dec)
        setup();
    if (size > CANH_MAX_RECORD - sizeof hdr)
        return -1; /* the record framer never hands over more */
    check_one((const char *)data, size);
    if (hdr_len) {
        /* An exact-size heap copy, so ASan still sees reads past the end. */
        char *line = malloc(hdr_len + size);
        if (!line)
            return 0;
        memcpy(line, hdr, hdr_len);
        memcpy(line + hdr_len, data, size);
        check_one(line, hdr_len + size);
        free(line);
    }
    return 0;
}
