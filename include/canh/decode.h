/* canh/decode.h - decoders: bytes in, event out. Pure: no I/O.
 *
 * A decoder context holds the compiled decoder tables (immutable after
 * create) and the time reference. Use one context per thread, or share one
 * read-only context when the time reference is not updated. */
#ifndef CANH_DECODE_H
#define CANH_DECODE_H

#include <stddef.h>

#include "canh/error.h"
#include "canh/event.h"
#include "canh/time.h"

typedef struct canh_decode canh_decode_t;

typedef struct canh_decode_opts {
    canh_time_ref_t tref; /* for year-less and zone-less timestamps */
    const char *type;     /* force one decoder by name; NULL = detect per record */
} canh_decode_opts_t;

/* Creates a context. CANH_ENOENT (with detail in eb) for an unknown type. */
int canh_decode_create(const canh_decode_opts_t *opts, canh_decode_t **out, canh_errbuf_t *eb);
void canh_decode_destroy(canh_decode_t *d);
/* Updates the reference time (e.g. once a second in a daemon). */
void canh_decode_set_now(canh_decode_t *d, canh_time_t now);

/* Decodes one record into ev (which is reset first; ev->original = rec,
 * borrowed). Always yields an event: a record no decoder recognises becomes a
 * generic event (decoder "generic", flag CANH_EVF_GENERIC) with message set.
 * Returns CANH_OK. */
int canh_decode_record(const canh_decode_t *d, const char *rec, size_t n, canh_event_t *ev);

/* Decoder ids are small integers; 0 is "generic". */
size_t canh_decode_count(void);
const char *canh_decode_name(unsigned id);
/* Id of a decoder name, or -1. */
int canh_decode_lookup(const char *name);

#endif
