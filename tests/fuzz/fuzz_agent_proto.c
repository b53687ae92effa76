/* fuzz_agent_proto.c - the agent channel's frame splitter and message parser
 * (canh/agent.h, src/agent/agent_proto.c) over hostile bytes.
 *
 * The input is a stream of frames as a peer would send them. Each whole
 * frame is parsed; a BATCH's records are walked. Checked:
 *   - a frame is never longer than the input left, nor its payload than the
 *     limits;
 *   - a parsed message re-encodes (control messages) to the same payload;
 *   - the records of a BATCH number exactly n and stay inside the payload;
 *   - every origin is at most CANH_AGENT_MAX_ORIGIN bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/agent.h"
#include "canh/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_agent_proto: %s\n", what);
    abort();
}

static char *dup_str(canh_str_t s)
{
    char *p = malloc(s.n + 1);
    if (!p)
        abort();
    if (s.n)
        memcpy(p, s.p, s.n);
    p[s.n] = '\0';
    return p;
}

/* Re-encodes control messages whose strings hold no NUL and compares. */
static void reencode(const canh_agent_msg_t *m, const uint8_t *p, size_t n)
{
    canh_buf_t b;
    canh_buf_init(&b, 4u << 20);
    int rc = CANH_EINVAL;
    char *s1 = NULL;
    switch (m->type) {
    case CANH_AGENT_ACK: rc = canh_agent_put_ack(&b, m->u.ack.epoch, m->u.ack.seq); break;
    case CANH_AGENT_PING:
    case CANH_AGENT_PONG: rc = canh_agent_put_ping(&b, m->type, m->u.ping.nonce); break;
    case CANH_AGENT_REKEY:
        if (!memchr(m->u.rekey.csr.p, 0, m->u.rekey.csr.n)) {
            s1 = dup_str(m->u.rekey.csr);
            rc = canh_agent_put_rekey(&b, s1);
        }
        break;
    default: break;
    }
    if (rc == CANH_OK) {
        if (b.len != CANH_AGENT_FRAME_HDR + n || memcmp(b.data + CANH_AGENT_FRAME_HDR, p, n) != 0)
            fail("re-encoding differs");
    }
    free(s1);
    canh_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    const size_t max_batch = 64 * 1024;
    while (off < size) {
        uint8_t type;
        size_t plen, flen;
        int rc = canh_agent_frame_peek(data + off, size - off, max_batch, &type, &plen, &flen);
        if (rc != CANH_OK)
            break; /* EOF (incomplete), ELIMIT or EINVAL: the connection ends */
        if (flen > size - off || flen != CANH_AGENT_FRAME_HDR + plen)
            fail("frame longer than the input");
        if (plen > (type == CANH_AGENT_BATCH ? max_batch : CANH_AGENT_MAX_CONTROL))
            fail("payload over its limit");
        const uint8_t *p = data + off + CANH_AGENT_FRAME_HDR;
        canh_agent_msg_t m;
        if (canh_agent_msg_parse(type, p, plen, &m) == CANH_OK) {
            if (m.type != type)
                fail("type changed");
            if (type == CANH_AGENT_BATCH) {
                size_t roff = 0, count = 0;
                canh_str_t o, d;
                while (canh_agent_batch_next(&m, &roff, &o, &d)) {
                    if (o.n > CANH_AGENT_MAX_ORIGIN)
                        fail("origin too long");
                    if ((const uint8_t *)d.p < p || (const uint8_t *)d.p + d.n > p + plen)
                        fail("record outside the payload");
                    count++;
                }
                if (count != m.u.batch.n)
                    fail("record count differs from n");
            }
            reencode(&m, p, plen);
        }
        off += flen;
    }
    return 0;
}
