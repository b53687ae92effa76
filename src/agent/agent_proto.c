/* agent_proto.c - the agent channel's frames and messages (canh/agent.h).
 *
 * Pure code: bytes in, message out, no I/O and no allocation in the parser.
 * Every read goes through a cursor that checks the bytes left; a payload is
 * malformed unless its fields use it exactly. */
#include <string.h>

#include "canh/agent.h"

static const char *const names[CANH_AGENT__NTYPES] = {
    [CANH_AGENT_HELLO] = "HELLO",     [CANH_AGENT_WELCOME] = "WELCOME",
    [CANH_AGENT_BATCH] = "BATCH",     [CANH_AGENT_ACK] = "ACK",
    [CANH_AGENT_COMMAND] = "COMMAND", [CANH_AGENT_RESULT] = "RESULT",
    [CANH_AGENT_PING] = "PING",       [CANH_AGENT_PONG] = "PONG",
    [CANH_AGENT_ENROLL] = "ENROLL",   [CANH_AGENT_ENROLLED] = "ENROLLED",
    [CANH_AGENT_REKEY] = "REKEY",     [CANH_AGENT_ERROR] = "ERROR",
};

const char *canh_agent_msg_name(unsigned type)
{
    return type < CANH_AGENT__NTYPES && names[type] ? names[type] : "?";
}

/* ---- reading -------------------------------------------------------------------------- */

typedef struct cur {
    const uint8_t *p;
    size_t n, off;
    bool bad; /* a read ran short: every later read fails too */
} cur_t;

static bool need(cur_t *c, size_t k)
{
    if (c->bad || k > c->n - c->off) {
        c->bad = true;
        return false;
    }
    return true;
}

static uint64_t get_be(cur_t *c, unsigned width)
{
    if (!need(c, width))
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v = v << 8 | c->p[c->off + i];
    c->off += width;
    return v;
}

static uint8_t u8(cur_t *c)
{
    return (uint8_t)get_be(c, 1);
}
static uint16_t u16(cur_t *c)
{
    return (uint16_t)get_be(c, 2);
}
static uint32_t u32(cur_t *c)
{
    return (uint32_t)get_be(c, 4);
}
static uint64_t u64(cur_t *c)
{
    return get_be(c, 8);
}
static int64_t i64(cur_t *c)
{
    return (int64_t)get_be(c, 8);
}

/* A string with a length prefix of width bytes, at most max bytes. */
static canh_str_t str(cur_t *c, unsigned width, size_t max)
{
    size_t len = (size_t)get_be(c, width);
    if (c->bad || len > max || !need(c, len)) {
        c->bad = true;
        return CANH_STR_NULL;
    }
    canh_str_t s = {(const char *)c->p + c->off, len};
    c->off += len;
    return s;
}

int canh_agent_frame_peek(const uint8_t *p, size_t n, size_t max_payload, uint8_t *type,
                          size_t *payload_len, size_t *frame_len)
{
    if (n < CANH_AGENT_FRAME_HDR)
        return CANH_EOF;
    uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    uint8_t t = p[4];
    if (len == 0 || t == 0 || t >= CANH_AGENT__NTYPES)
        return CANH_EINVAL;
    size_t plen = (size_t)len - 1;
    size_t max = t == CANH_AGENT_BATCH ? max_payload : CANH_AGENT_MAX_CONTROL;
    if (plen > max)
        return CANH_ELIMIT;
    if (n - CANH_AGENT_FRAME_HDR < plen)
        return CANH_EOF;
    *type = t;
    *payload_len = plen;
    *frame_len = CANH_AGENT_FRAME_HDR + plen;
    return CANH_OK;
}

/* Checks the records of a batch: exactly n of them fill the rest. */
static bool batch_records_ok(cur_t *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        str(c, 1, CANH_AGENT_MAX_ORIGIN);
        str(c, 4, SIZE_MAX);
        if (c->bad)
            return false;
    }
    return true;
}

int canh_agent_msg_parse(uint8_t type, const uint8_t *p, size_t n, canh_agent_msg_t *m)
{
    cur_t c = {p, n, 0, false};
    canh_agent_msg_t v;
    memset(&v, 0, sizeof v);
    v.type = type;
    switch (type) {
    case CANH_AGENT_HELLO:
        v.u.hello.version = u16(&c);
        v.u.hello.epoch = u64(&c);
        v.u.hello.next_seq = u64(&c);
        v.u.hello.acked = u64(&c);
        v.u.hello.oldest_epoch = u64(&c);
        v.u.hello.software = str(&c, 2, 256);
        break;
    case CANH_AGENT_WELCOME:
        v.u.welcome.version = u16(&c);
        v.u.welcome.flags = u32(&c);
        v.u.welcome.agent_id = i64(&c);
        v.u.welcome.stored = u64(&c);
        v.u.welcome.name = str(&c, 2, 256);
        break;
    case CANH_AGENT_BATCH: {
        v.u.batch.epoch = u64(&c);
        v.u.batch.seq = u64(&c);
        v.u.batch.n = u32(&c);
        size_t start = c.off;
        if (!c.bad && batch_records_ok(&c, v.u.batch.n))
            v.u.batch.records = (canh_str_t){(const char *)p + start, c.off - start};
        break;
    }
    case CANH_AGENT_ACK:
        v.u.ack.epoch = u64(&c);
        v.u.ack.seq = u64(&c);
        break;
    case CANH_AGENT_COMMAND:
        v.u.command.id = i64(&c);
        v.u.command.kind = str(&c, 1, 64);
        v.u.command.args = str(&c, 4, CANH_AGENT_MAX_CONTROL);
        break;
    case CANH_AGENT_RESULT:
        v.u.result.id = i64(&c);
        v.u.result.ok = u8(&c);
        v.u.result.result = str(&c, 4, CANH_AGENT_MAX_CONTROL);
        break;
    case CANH_AGENT_PING:
    case CANH_AGENT_PONG: v.u.ping.nonce = u64(&c); break;
    case CANH_AGENT_ENROLL:
        v.u.enroll.token = str(&c, 2, 256);
        v.u.enroll.csr = str(&c, 4, 64 * 1024);
        v.u.enroll.name = str(&c, 2, 256);
        v.u.enroll.install_id = str(&c, 2, 256);
        v.u.enroll.facts = str(&c, 4, 64 * 1024);
        break;
    case CANH_AGENT_ENROLLED:
        v.u.enrolled.agent_id = i64(&c);
        v.u.enrolled.name = str(&c, 2, 256);
        v.u.enrolled.cert = str(&c, 4, 64 * 1024);
        v.u.enrolled.ca = str(&c, 4, 64 * 1024);
        break;
    case CANH_AGENT_REKEY: v.u.rekey.csr = str(&c, 4, 64 * 1024); break;
    case CANH_AGENT_ERROR:
        v.u.error.code = (int32_t)u32(&c);
        v.u.error.message = str(&c, 2, 1024);
        break;
    default: return CANH_EINVAL;
    }
    if (c.bad || c.off != c.n)
        return CANH_EINVAL;
    *m = v;
    return CANH_OK;
}

bool canh_agent_batch_next(const canh_agent_msg_t *m, size_t *off, canh_str_t *origin,
                           canh_str_t *data)
{
    if (m->type != CANH_AGENT_BATCH)
        return false;
    cur_t c = {(const uint8_t *)m->u.batch.records.p, m->u.batch.records.n, *off, false};
    if (c.off >= c.n)
        return false;
    canh_str_t o = str(&c, 1, CANH_AGENT_MAX_ORIGIN);
    canh_str_t d = str(&c, 4, SIZE_MAX);
    if (c.bad)
        return false;
    *origin = o;
    *data = d;
    *off = c.off;
    return true;
}

/* ---- writing -------------------------------------------------------------------------- */

static void be(uint8_t *d, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        d[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* A frame under construction: fields are gathered in a small description
 * and written in one append, so a failure leaves b unchanged. */
typedef struct field {
    unsigned width; /* 1, 2, 4, 8 for integers; length-prefix width for strings */
    bool is_str;
    uint64_t v;    /* integer value */
    const char *s; /* string bytes */
    size_t len;
} field_t;

#define INT(w, x) ((field_t){(w), false, (uint64_t)(x), NULL, 0})
#define STR(w, p, n) ((field_t){(w), true, 0, (p), (n)})
#define CSTR(w, p) STR((w), (p) ? (p) : "", (p) ? strlen(p) : 0)

static int put(canh_buf_t *b, uint8_t type, const field_t *f, size_t nf)
{
    size_t len = 1;
    for (size_t i = 0; i < nf; i++) {
        if (f[i].is_str) {
            if (f[i].width < 8 && f[i].len >> (8 * f[i].width))
                return CANH_EINVAL;
            len += f[i].width + f[i].len;
        } else {
            len += f[i].width;
        }
    }
    if (len > UINT32_MAX)
        return CANH_EINVAL;
    int rc = canh_buf_reserve(b, 4 + len);
    if (rc)
        return rc;
    uint8_t *d = (uint8_t *)b->data + b->len;
    be(d, len, 4);
    d[4] = type;
    size_t o = 5;
    for (size_t i = 0; i < nf; i++) {
        if (f[i].is_str) {
            be(d + o, f[i].len, f[i].width);
            o += f[i].width;
            if (f[i].len)
                memcpy(d + o, f[i].s, f[i].len);
            o += f[i].len;
        } else {
            be(d + o, f[i].v, f[i].width);
            o += f[i].width;
        }
    }
    b->len += o;
    b->data[b->len] = '\0';
    return CANH_OK;
}

int canh_agent_put_hello(canh_buf_t *b, uint64_t epoch, uint64_t next_seq, uint64_t acked,
                         uint64_t oldest_epoch, const char *software)
{
    field_t f[] = {INT(2, CANH_AGENT_PROTO_VERSION),
                   INT(8, epoch),
                   INT(8, next_seq),
                   INT(8, acked),
                   INT(8, oldest_epoch),
                   CSTR(2, software)};
    return put(b, CANH_AGENT_HELLO, f, sizeof f / sizeof f[0]);
}

int canh_agent_put_welcome(canh_buf_t *b, uint32_t flags, int64_t agent_id, uint64_t stored,
                           const char *name)
{
    field_t f[] = {INT(2, CANH_AGENT_PROTO_VERSION), INT(4, flags), INT(8, agent_id),
                   INT(8, stored), CSTR(2, name)};
    return put(b, CANH_AGENT_WELCOME, f, sizeof f / sizeof f[0]);
}

int canh_agent_put_ack(canh_buf_t *b, uint64_t epoch, uint64_t seq)
{
    field_t f[] = {INT(8, epoch), INT(8, seq)};
    return put(b, CANH_AGENT_ACK, f, 2);
}

int canh_agent_put_command(canh_buf_t *b, int64_t id, const char *kind, const char *args)
{
    field_t f[] = {INT(8, id), CSTR(1, kind), CSTR(4, args)};
    return put(b, CANH_AGENT_COMMAND, f, 3);
}

int canh_agent_put_result(canh_buf_t *b, int64_t id, bool ok, const char *json, size_t len)
{
    field_t f[] = {INT(8, id), INT(1, ok ? 1 : 0), STR(4, json ? json : "", json ? len : 0)};
    return put(b, CANH_AGENT_RESULT, f, 3);
}

int canh_agent_put_ping(canh_buf_t *b, uint8_t type, uint64_t nonce)
{
    if (type != CANH_AGENT_PING && type != CANH_AGENT_PONG)
        return CANH_EINVAL;
    field_t f[] = {INT(8, nonce)};
    return put(b, type, f, 1);
}

int canh_agent_put_enroll(canh_buf_t *b, const char *token, const char *csr, const char *name,
                          const char *install_id, const char *facts)
{
    field_t f[] = {CSTR(2, token), CSTR(4, csr), CSTR(2, name), CSTR(2, install_id),
                   CSTR(4, facts)};
    return put(b, CANH_AGENT_ENROLL, f, 5);
}

int canh_agent_put_enrolled(canh_buf_t *b, int64_t agent_id, const char *name, const char *cert,
                            const char *ca)
{
    field_t f[] = {INT(8, agent_id), CSTR(2, name), CSTR(4, cert), CSTR(4, ca)};
    return put(b, CANH_AGENT_ENROLLED, f, 4);
}

int canh_agent_put_rekey(canh_buf_t *b, const char *csr)
{
    field_t f[] = {CSTR(4, csr)};
    return put(b, CANH_AGENT_REKEY, f, 1);
}

int canh_agent_put_error(canh_buf_t *b, int32_t code, const char *message)
{
    field_t f[] = {INT(4, (uint32_t)code), CSTR(2, message)};
    return put(b, CANH_AGENT_ERROR, f, 2);
}

void canh_agent_batch_frame_hdr(uint8_t hdr[CANH_AGENT_FRAME_HDR], size_t len)
{
    be(hdr, (uint64_t)len + 1, 4);
    hdr[4] = CANH_AGENT_BATCH;
}

/* ---- batch builder --------------------------------------------------------------------- */

void canh_agent_batch_init(canh_agent_batch_t *bt, size_t max)
{
    canh_buf_init(&bt->buf, max);
    bt->n = 0;
}

void canh_agent_batch_fini(canh_agent_batch_t *bt)
{
    canh_buf_fini(&bt->buf);
    bt->n = 0;
}

void canh_agent_batch_reset(canh_agent_batch_t *bt)
{
    canh_buf_reset(&bt->buf);
    bt->n = 0;
}

int canh_agent_batch_add(canh_agent_batch_t *bt, const char *origin, const char *p, size_t n)
{
    size_t olen = origin ? strlen(origin) : 0;
    if (olen > CANH_AGENT_MAX_ORIGIN)
        olen = CANH_AGENT_MAX_ORIGIN;
    if (n > UINT32_MAX || bt->n == UINT32_MAX)
        return CANH_ELIMIT;
    size_t hdr = bt->buf.len == 0 ? CANH_AGENT_BATCH_HDR : 0;
    size_t need = hdr + 1 + olen + 4 + n;
    if (bt->buf.len + need > bt->buf.max)
        return CANH_ELIMIT;
    int rc = canh_buf_reserve(&bt->buf, need);
    if (rc)
        return rc;
    uint8_t *d = (uint8_t *)bt->buf.data + bt->buf.len;
    if (hdr) {
        memset(d, 0, hdr);
        d += hdr;
    }
    d[0] = (uint8_t)olen;
    if (olen)
        memcpy(d + 1, origin, olen);
    be(d + 1 + olen, n, 4);
    if (n)
        memcpy(d + 5 + olen, p, n);
    bt->buf.len += need;
    bt->buf.data[bt->buf.len] = '\0';
    bt->n++;
    return CANH_OK;
}

void canh_agent_batch_finish(canh_agent_batch_t *bt, uint64_t epoch, uint64_t seq)
{
    if (bt->buf.len < CANH_AGENT_BATCH_HDR)
        return;
    uint8_t *d = (uint8_t *)bt->buf.data;
    be(d, epoch, 8);
    be(d + 8, seq, 8);
    be(d + 16, bt->n, 4);
}
