/* ingest_frame.c - incremental RFC 6587 framing for syslog streams (canh/ingest.h).
 *
 * The framer is a small state machine driven one piece of input at a time.
 * A record that lies wholly inside the piece being fed goes to the callback
 * straight from the caller's bytes; only a record that spans pieces is
 * gathered in buf, which never holds more than max_record + 1 bytes (the
 * extra byte lets a CR that precedes the LF of an exactly max_record long
 * line be recognised and dropped). When the callback refuses a record
 * (returns < 0) every field it changed is put back, so the next feed of the
 * unconsumed bytes reaches the same record again. */
#include <string.h>

#include "canh/ingest.h"
#include "canh/limits.h"

enum {
    ST_START = 0, /* at a record boundary */
    ST_LF,        /* inside an LF/NUL-terminated record */
    ST_OCT_LEN,   /* reading the digits of an octet count */
    ST_OCT_BODY,  /* reading the LEN bytes of an octet-counted record */
};

void canh_frame_init(canh_frame_t *f, size_t max_record)
{
    memset(f, 0, sizeof *f);
    f->max = max_record ? max_record : CANH_MAX_RECORD;
    f->max_frame = f->max > CANH_LISTEN_MAX_OCTET_FRAME ? f->max : CANH_LISTEN_MAX_OCTET_FRAME;
    canh_buf_init(&f->buf, f->max + 1);
    f->state = ST_START;
}

void canh_frame_fini(canh_frame_t *f)
{
    canh_buf_fini(&f->buf);
}

/* Appends up to limit - buf.len bytes of p[0..n); what does not fit (or
 * cannot be allocated) is dropped and remembered in f->over. */
static void gather(canh_frame_t *f, const char *p, size_t n, size_t limit)
{
    size_t room = f->buf.len < limit ? limit - f->buf.len : 0;
    size_t take = n < room ? n : room;
    if (take && canh_buf_append(&f->buf, p, take) != CANH_OK)
        take = 0;
    if (take < n)
        f->over = true;
}

/* Hands p[0..n) to fn, cut to max; empty records are skipped. */
static int emit(canh_frame_t *f, const char *p, size_t n, bool cut, canh_frame_fn fn, void *ud)
{
    if (n > f->max) {
        n = f->max;
        cut = true;
    }
    if (n == 0)
        return 0;
    int r = fn(ud, p, n, cut ? CANH_FRAME_TRUNCATED : 0);
    if (r >= 0) {
        f->records++;
        if (cut)
            f->truncated++;
    }
    return r;
}

/* An octet-counted body: one trailing LF (and a CR before it) is dropped
 * when the whole body is there. */
static int emit_body(canh_frame_t *f, const char *p, size_t n, bool cut, canh_frame_fn fn, void *ud)
{
    if (!cut && n <= f->max && n > 0 && p[n - 1] == '\n') {
        n--;
        if (n > 0 && p[n - 1] == '\r')
            n--;
    }
    return emit(f, p, n, cut, fn, ud);
}

/* The first LF or NUL in p[0..n), or NULL. */
static const char *find_delim(const char *p, size_t n)
{
    const char *lf = memchr(p, '\n', n);
    const char *nul = memchr(p, '\0', lf ? (size_t)(lf - p) : n);
    return nul ? nul : lf;
}

static void reset_record(canh_frame_t *f)
{
    canh_buf_reset(&f->buf);
    f->over = false;
    f->len = f->remaining = 0;
    f->state = ST_START;
}

size_t canh_frame_feed(canh_frame_t *f, const char *p, size_t n, canh_frame_fn fn, void *ud)
{
    size_t i = 0;
    int r = 0;

    while (i < n) {
        switch (f->state) {
        case ST_START:
            if (!f->lf_only && p[i] >= '1' && p[i] <= '9') {
                f->state = ST_OCT_LEN;
                f->len = 0;
            } else {
                f->state = ST_LF;
            }
            break;

        case ST_OCT_LEN: {
            char c = p[i];
            if (c >= '0' && c <= '9') {
                uint64_t v = f->len * 10 + (uint64_t)(c - '0');
                if (v <= f->max_frame) {
                    f->len = v;
                    gather(f, &c, 1, f->max + 1);
                    i++;
                    break;
                }
            } else if (c == ' ') {
                i++;
                canh_buf_reset(&f->buf);
                f->remaining = f->len;
                f->over = false;
                f->state = ST_OCT_BODY;
                break;
            }
            /* Garbage length: the digits gathered so far begin an LF
             * record and c is read again as part of it. */
            f->framing_errors++;
            f->lf_only = true;
            f->state = ST_LF;
            break;
        }

        case ST_OCT_BODY: {
            size_t avail = n - i;
            size_t take = f->remaining < avail ? (size_t)f->remaining : avail;
            if (f->buf.len == 0 && !f->over && take == f->remaining) {
                r = emit_body(f, p + i, take, false, fn, ud);
                if (r < 0)
                    return i;
                i += take;
                reset_record(f);
                if (r > 0)
                    return i;
                break;
            }
            size_t old_len = f->buf.len;
            bool old_over = f->over;
            gather(f, p + i, take, f->max);
            if (f->remaining - take > 0) {
                f->remaining -= take;
                i += take;
                break;
            }
            r = emit_body(f, f->buf.data, f->buf.len, f->over, fn, ud);
            if (r < 0) {
                f->buf.len = old_len;
                f->over = old_over;
                return i;
            }
            i += take;
            reset_record(f);
            if (r > 0)
                return i;
            break;
        }

        case ST_LF: {
            const char *s = p + i;
            size_t avail = n - i;
            const char *d = find_delim(s, avail);
            if (!d) {
                gather(f, s, avail, f->max + 1);
                i = n;
                break;
            }
            size_t seg = (size_t)(d - s);
            bool lf = *d == '\n';
            if (f->buf.len == 0 && !f->over) {
                size_t m = seg;
                if (lf && m > 0 && s[m - 1] == '\r')
                    m--;
                r = emit(f, s, m, false, fn, ud);
                if (r < 0)
                    return i;
            } else {
                size_t old_len = f->buf.len;
                bool old_over = f->over;
                gather(f, s, seg, f->max + 1);
                size_t m = f->buf.len;
                if (!f->over && lf && m > 0 && f->buf.data[m - 1] == '\r')
                    m--;
                r = emit(f, f->buf.data, m, f->over, fn, ud);
                if (r < 0) {
                    f->buf.len = old_len;
                    f->over = old_over;
                    return i;
                }
            }
            i += seg + 1;
            reset_record(f);
            if (r > 0)
                return i;
            break;
        }
        }
    }
    return i;
}

int canh_frame_finish(canh_frame_t *f, canh_frame_fn fn, void *ud)
{
    int r = 0;
    switch (f->state) {
    case ST_START: break;
    case ST_OCT_LEN:
        /* A length and then the end: counted, and the digits kept. */
        f->framing_errors++;
        f->lf_only = true;
        f->state = ST_LF;
        r = emit(f, f->buf.data, f->buf.len, f->over, fn, ud);
        break;
    case ST_LF: r = emit(f, f->buf.data, f->buf.len, f->over, fn, ud); break;
    case ST_OCT_BODY: r = emit(f, f->buf.data, f->buf.len, true, fn, ud); break;
    }
    if (r < 0)
        return r;
    reset_record(f);
    f->lf_only = false;
    return CANH_OK;
}
