/* Unit tests: the agent channel's frames and messages (agent_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "canh/agent.h"

/* Splits the one frame in b and parses it. */
static canh_agent_msg_t one(const canh_buf_t *b, uint8_t want)
{
    uint8_t type = 0;
    size_t plen = 0, flen = 0;
    assert_int_equal(
        canh_agent_frame_peek((const uint8_t *)b->data, b->len, 1 << 20, &type, &plen, &flen),
        CANH_OK);
    assert_int_equal(type, want);
    assert_int_equal(flen, b->len);
    canh_agent_msg_t m;
    assert_int_equal(
        canh_agent_msg_parse(type, (const uint8_t *)b->data + CANH_AGENT_FRAME_HDR, plen, &m),
        CANH_OK);
    assert_int_equal(m.type, want);
    return m;
}

static bool eq(canh_str_t s, const char *c)
{
    return s.n == strlen(c) && (s.n == 0 || memcmp(s.p, c, s.n) == 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    canh_agent_msg_t m;

    assert_int_equal(canh_agent_put_hello(&b, 0x1122334455667788ull, 42, 40, 7, "canh/1"), 0);
    m = one(&b, CANH_AGENT_HELLO);
    assert_int_equal(m.u.hello.version, CANH_AGENT_PROTO_VERSION);
    assert_true(m.u.hello.epoch == 0x1122334455667788ull);
    assert_int_equal(m.u.hello.next_seq, 42);
    assert_int_equal(m.u.hello.acked, 40);
    assert_int_equal(m.u.hello.oldest_epoch, 7);
    assert_true(eq(m.u.hello.software, "canh/1"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_welcome(&b, CANH_AGENT_WELCOME_REKEY, 17, 99, "web-01"), 0);
    m = one(&b, CANH_AGENT_WELCOME);
    assert_int_equal(m.u.welcome.flags, CANH_AGENT_WELCOME_REKEY);
    assert_int_equal(m.u.welcome.agent_id, 17);
    assert_int_equal(m.u.welcome.stored, 99);
    assert_true(eq(m.u.welcome.name, "web-01"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_ack(&b, 5, 6), 0);
    m = one(&b, CANH_AGENT_ACK);
    assert_int_equal(m.u.ack.epoch, 5);
    assert_int_equal(m.u.ack.seq, 6);

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_command(&b, 3, "scan", "{\"paths\":[\"/tmp\"]}"), 0);
    m = one(&b, CANH_AGENT_COMMAND);
    assert_int_equal(m.u.command.id, 3);
    assert_true(eq(m.u.command.kind, "scan"));
    assert_true(eq(m.u.command.args, "{\"paths\":[\"/tmp\"]}"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_result(&b, -4, true, "{}", 2), 0);
    m = one(&b, CANH_AGENT_RESULT);
    assert_int_equal(m.u.result.id, -4);
    assert_int_equal(m.u.result.ok, 1);
    assert_true(eq(m.u.result.result, "{}"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_ping(&b, CANH_AGENT_PONG, 77), 0);
    m = one(&b, CANH_AGENT_PONG);
    assert_int_equal(m.u.ping.nonce, 77);
    assert_int_equal(canh_agent_put_ping(&b, CANH_AGENT_ACK, 1), CANH_EINVAL);

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_enroll(&b, "tok", "csr", "name", "iid", "{}"), 0);
    m = one(&b, CANH_AGENT_ENROLL);
    assert_true(eq(m.u.enroll.token, "tok"));
    assert_true(eq(m.u.enroll.csr, "csr"));
    assert_true(eq(m.u.enroll.name, "name"));
    assert_true(eq(m.u.enroll.install_id, "iid"));
    assert_true(eq(m.u.enroll.facts, "{}"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_enrolled(&b, 9, "n", "CERT", "CA"), 0);
    m = one(&b, CANH_AGENT_ENROLLED);
    assert_int_equal(m.u.enrolled.agent_id, 9);
    assert_true(eq(m.u.enrolled.cert, "CERT"));
    assert_true(eq(m.u.enrolled.ca, "CA"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_rekey(&b, "CSR"), 0);
    m = one(&b, CANH_AGENT_REKEY);
    assert_true(eq(m.u.rekey.csr, "CSR"));

    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_error(&b, CANH_EPERM, "revoked"), 0);
    m = one(&b, CANH_AGENT_ERROR);
    assert_int_equal(m.u.error.code, CANH_EPERM);
    assert_true(eq(m.u.error.message, "revoked"));
    assert_string_equal(canh_agent_msg_name(CANH_AGENT_BATCH), "BATCH");
    assert_string_equal(canh_agent_msg_name(200), "?");
    canh_buf_fini(&b);
}

static void test_batch(void **state)
{
    (void)state;
    canh_agent_batch_t bt;
    canh_agent_batch_init(&bt, 4096);
    char longorigin[100];
    memset(longorigin, 'o', sizeof longorigin - 1);
    longorigin[sizeof longorigin - 1] = '\0';
    assert_int_equal(canh_agent_batch_add(&bt, "file:/var/log/auth.log", "line one", 8), 0);
    assert_int_equal(canh_agent_batch_add(&bt, "fim", "", 0), 0);
    assert_int_equal(canh_agent_batch_add(&bt, longorigin, "x", 1), 0); /* origin cut */
    char big[5000];
    memset(big, 'b', sizeof big);
    size_t before = bt.buf.len;
    assert_int_equal(canh_agent_batch_add(&bt, "o", big, sizeof big), CANH_ELIMIT);
    assert_int_equal(bt.buf.len, before);
    canh_agent_batch_finish(&bt, 0xabcdef, 12);

    canh_agent_msg_t m;
    assert_int_equal(
        canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)bt.buf.data, bt.buf.len, &m), 0);
    assert_true(m.u.batch.epoch == 0xabcdef);
    assert_int_equal(m.u.batch.seq, 12);
    assert_int_equal(m.u.batch.n, 3);
    size_t off = 0;
    canh_str_t o, d;
    assert_true(canh_agent_batch_next(&m, &off, &o, &d));
    assert_true(eq(o, "file:/var/log/auth.log"));
    assert_true(eq(d, "line one"));
    assert_true(canh_agent_batch_next(&m, &off, &o, &d));
    assert_true(eq(o, "fim"));
    assert_int_equal(d.n, 0);
    assert_true(canh_agent_batch_next(&m, &off, &o, &d));
    assert_int_equal(o.n, CANH_AGENT_MAX_ORIGIN);
    assert_false(canh_agent_batch_next(&m, &off, &o, &d));

    /* A BATCH frame = header + payload. */
    uint8_t hdr[CANH_AGENT_FRAME_HDR];
    canh_agent_batch_frame_hdr(hdr, bt.buf.len);
    canh_buf_t f;
    canh_buf_init(&f, 1 << 20);
    canh_buf_append(&f, hdr, sizeof hdr);
    canh_buf_append(&f, bt.buf.data, bt.buf.len);
    m = one(&f, CANH_AGENT_BATCH);
    assert_int_equal(m.u.batch.n, 3);

    /* Every truncation of the payload is malformed, never a crash. */
    for (size_t n = 0; n < bt.buf.len; n++)
        assert_int_equal(
            canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)bt.buf.data, n, &m),
            CANH_EINVAL);
    /* Bytes left over. */
    canh_buf_t x;
    canh_buf_init(&x, 1 << 20);
    canh_buf_append(&x, bt.buf.data, bt.buf.len);
    canh_buf_putc(&x, 0);
    assert_int_equal(canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)x.data, x.len, &m),
                     CANH_EINVAL);
    /* A count that does not match the records. */
    x.data[19] = 4;
    x.len--;
    assert_int_equal(canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)x.data, x.len, &m),
                     CANH_EINVAL);
    x.data[19] = 2;
    assert_int_equal(canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)x.data, x.len, &m),
                     CANH_EINVAL);
    /* An origin longer than the limit. */
    canh_buf_reset(&x);
    uint8_t raw[CANH_AGENT_BATCH_HDR + 1 + 64 + 4] = {0};
    raw[19] = 1;
    raw[20] = 64;
    canh_buf_append(&x, raw, sizeof raw);
    assert_int_equal(canh_agent_msg_parse(CANH_AGENT_BATCH, (const uint8_t *)x.data, x.len, &m),
                     CANH_EINVAL);
    canh_buf_fini(&x);
    canh_buf_fini(&f);
    canh_agent_batch_fini(&bt);
}

static void test_frames(void **state)
{
    (void)state;
    uint8_t t;
    size_t pl, fl;
    uint8_t h[16] = {0, 0, 0, 9, CANH_AGENT_PING, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(canh_agent_frame_peek(h, 4, 100, &t, &pl, &fl), CANH_EOF);
    assert_int_equal(canh_agent_frame_peek(h, 12, 100, &t, &pl, &fl), CANH_EOF);
    assert_int_equal(canh_agent_frame_peek(h, 13, 100, &t, &pl, &fl), CANH_OK);
    assert_int_equal(pl, 8);
    assert_int_equal(fl, 13);
    assert_int_equal(canh_agent_frame_peek(h, 16, 100, &t, &pl, &fl), CANH_OK);
    h[3] = 0;
    assert_int_equal(canh_agent_frame_peek(h, 16, 100, &t, &pl, &fl), CANH_EINVAL);
    h[3] = 9;
    h[4] = 0;
    assert_int_equal(canh_agent_frame_peek(h, 16, 100, &t, &pl, &fl), CANH_EINVAL);
    h[4] = CANH_AGENT__NTYPES;
    assert_int_equal(canh_agent_frame_peek(h, 16, 100, &t, &pl, &fl), CANH_EINVAL);
    /* Size limits: BATCH by max_payload, others by CANH_AGENT_MAX_CONTROL. */
    uint8_t big[5] = {0, 0x20, 0, 0, CANH_AGENT_BATCH}; /* 2 MiB */
    assert_int_equal(canh_agent_frame_peek(big, 5, 1 << 20, &t, &pl, &fl), CANH_ELIMIT);
    assert_int_equal(canh_agent_frame_peek(big, 5, 4 << 20, &t, &pl, &fl), CANH_EOF);
    big[4] = CANH_AGENT_COMMAND;
    assert_int_equal(canh_agent_frame_peek(big, 5, 4 << 20, &t, &pl, &fl), CANH_ELIMIT);

    /* Every message type rejects short payloads and extra bytes. */
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    canh_agent_put_hello(&b, 1, 2, 3, 4, "sw");
    canh_agent_put_welcome(&b, 1, 2, 3, "n");
    canh_agent_put_ack(&b, 1, 2);
    canh_agent_put_command(&b, 1, "k", "{}");
    canh_agent_put_result(&b, 1, false, "{}", 2);
    canh_agent_put_ping(&b, CANH_AGENT_PING, 1);
    canh_agent_put_enroll(&b, "t", "c", "n", "i", "f");
    canh_agent_put_enrolled(&b, 1, "n", "c", "a");
    canh_agent_put_rekey(&b, "c");
    canh_agent_put_error(&b, -1, "m");
    size_t off = 0, frames = 0;
    while (off < b.len) {
        assert_int_equal(
            canh_agent_frame_peek((const uint8_t *)b.data + off, b.len - off, 100, &t, &pl, &fl),
            CANH_OK);
        const uint8_t *p = (const uint8_t *)b.data + off + CANH_AGENT_FRAME_HDR;
        canh_agent_msg_t m;
        assert_int_equal(canh_agent_msg_parse(t, p, pl, &m), CANH_OK);
        for (size_t k = 0; k < pl; k++)
            assert_int_equal(canh_agent_msg_parse(t, p, k, &m), CANH_EINVAL);
        assert_int_equal(canh_agent_msg_parse(t, p, pl + 1, &m), CANH_EINVAL);
        off += fl;
        frames++;
    }
    assert_int_equal(frames, 10);
    canh_agent_msg_t m;
    assert_int_equal(canh_agent_msg_parse(0, (const uint8_t *)"", 0, &m), CANH_EINVAL);

    /* Encoders: a string too long for its field, and a full buffer. */
    char s300[300];
    memset(s300, 'a', sizeof s300 - 1);
    s300[299] = '\0';
    canh_buf_reset(&b);
    assert_int_equal(canh_agent_put_command(&b, 1, s300, "{}"), CANH_EINVAL);
    assert_int_equal(b.len, 0);
    canh_buf_t small;
    canh_buf_init(&small, 10);
    assert_int_equal(canh_agent_put_hello(&small, 1, 2, 3, 4, "x"), CANH_ELIMIT);
    assert_int_equal(small.len, 0);
    canh_buf_fini(&small);
    canh_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
