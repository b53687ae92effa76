/* canh/ingest.h - reading records from files and streams.
 *
 * A record reader splits a byte stream into records: one per line, except
 * that a JSON document spanning several lines (a line opening '{' whose
 * braces do not balance) is gathered into one record. gzip input is detected
 * and decompressed transparently. Memory is bounded by max_record: a longer
 * record is cut at max_record, returned with *truncated set, and the rest of
 * it is skipped (never dropped silently: the flag travels with the event). */
#ifndef CANH_INGEST_H
#define CANH_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/str.h"

typedef struct canh_records canh_records_t;

/* Opens path ("-" for standard input). CANH_EIO / CANH_ENOENT with detail in
 * eb ("path: No such file or directory"). */
int canh_records_open(const char *path, size_t max_record, canh_records_t **out,
                      canh_errbuf_t *eb);
/* Next record: *rec is valid until the next call (no line terminator).
 * *line is the 1-based line number where the record starts.
 * Returns CANH_OK, CANH_EOF at the end, CANH_EIO on a read error (detail in
 * eb). */
int canh_records_next(canh_records_t *r, canh_str_t *rec, uint64_t *line, bool *truncated,
                      canh_errbuf_t *eb);
/* Bytes read from the underlying file so far (compressed bytes for gzip)
 * and the file's size (0 when unknown, e.g. a pipe): for progress. */
uint64_t canh_records_pos(const canh_records_t *r);
uint64_t canh_records_size(const canh_records_t *r);
void canh_records_close(canh_records_t *r);

/* ---- stream framing: syslog over TCP and TLS (RFC 6587, RFC 5425) -----------------
 * An incremental framer: bytes go in as they arrive, in pieces of any size,
 * and complete records come out through a callback; the records do not
 * depend on where the pieces were cut. Implementation: ingest_frame.c.
 *
 * At each record boundary the first byte picks the framing (per record, as
 * rsyslog does, so octet-counted and LF-terminated records may follow each
 * other):
 *   - '1'-'9' starts octet counting, "LEN SP MSG" (RFC 6587 3.4.1, RFC 5425):
 *     exactly LEN bytes of MSG follow, LFs included; one trailing LF (and a
 *     CR before it) inside MSG is dropped. A garbage length (a byte other
 *     than a digit or the space, or a length above
 *     max(CANH_LISTEN_MAX_OCTET_FRAME, max_record)) is a framing error: it
 *     is counted, the bytes read so far start an LF-terminated record, and
 *     the stream stays on LF framing from then on.
 *   - anything else starts non-transparent framing (RFC 6587 3.4.2): the
 *     record ends at LF or NUL; one CR before the LF is dropped.
 * Empty records are skipped. A record longer than max_record is cut to its
 * first max_record bytes and flagged CANH_FRAME_TRUNCATED; the rest of it is
 * skipped (never returned as a record of its own). Memory: at most
 * max_record + 1 bytes gathered for a record that spans pieces; a record
 * inside one piece is passed straight from the caller's bytes. */

#define CANH_FRAME_TRUNCATED 0x1u /* cut at max_record, or its stream ended mid-frame */

/* Receives one record p[0..n) (n >= 1, valid only during the call; no
 * terminator, no NUL) with CANH_FRAME_* flags. Returns 0 to go on, > 0 to
 * stop after this record, < 0 to stop and NOT take it: the framer offers
 * the same record again on the next feed of the bytes not consumed. */
typedef int (*canh_frame_fn)(void *ud, const char *p, size_t n, unsigned flags);

/* Embedded by value; the first group is private state, the counters may be
 * read at any time. */
typedef struct canh_frame {
    size_t max;          /* max_record */
    uint64_t max_frame;  /* largest octet count accepted */
    canh_buf_t buf;      /* a record gathered across pieces (or the length digits) */
    uint64_t len;        /* octet counting: the declared length */
    uint64_t remaining;  /* octet counting: body bytes still to come */
    unsigned char state; /* where in a record the stream is */
    bool lf_only;        /* a framing error switched the stream to LF framing */
    bool over;           /* bytes beyond the limit were dropped from buf's record */

    uint64_t records;        /* records returned (taken by the callback) */
    uint64_t truncated;      /* of which flagged CANH_FRAME_TRUNCATED */
    uint64_t framing_errors; /* garbage octet counts */
} canh_frame_t;

/* max_record >= 1 (0 means CANH_MAX_RECORD). Never fails: memory is taken
 * when a record first spans two pieces. */
void canh_frame_init(canh_frame_t *f, size_t max_record);
void canh_frame_fini(canh_frame_t *f);
/* Frames p[0..n). Returns how many bytes were consumed: n, or fewer when fn
 * asked to stop (the caller feeds the rest later, starting at the returned
 * offset). If gathering a record that spans pieces fails for lack of
 * memory, the record is returned cut where memory ran out, and flagged. */
size_t canh_frame_feed(canh_frame_t *f, const char *p, size_t n, canh_frame_fn fn, void *ud);
/* End of the stream: a record still open (a last line without LF, an
 * octet-counted frame cut short, flagged truncated; a lone length, counted
 * as a framing error) is returned. Then the framer is back at its initial
 * state (counters kept) and may frame a new stream. CANH_OK, or fn's
 * negative return (the record stays; call again). */
int canh_frame_finish(canh_frame_t *f, canh_frame_fn fn, void *ud);

#endif
