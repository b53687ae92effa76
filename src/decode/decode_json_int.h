/* decode_json_int.h - helpers shared by the JSON family of decoders
 * (decode_json.c, decode_suricata.c, decode_zeek.c, decode_windows.c) and
 * the URL splitter CEF uses too.
 *
 * The parsed document is freed when canh_dec_json returns, so every value
 * these helpers put into an event is copied into the event's arena; slices
 * returned by canh_json_str borrow the document and must not be stored. */
#ifndef CANH_DECODE_JSON_INT_H
#define CANH_DECODE_JSON_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "decode_int.h"

/* A member's string value, borrowed from the document (valid while the
 * document lives); CANH_STR_NULL when missing or not a string. */
canh_str_t canh_json_str(json_t *obj, const char *key);

/* The text of a scalar: strings as they are, integers in decimal, reals in
 * the shortest form that reads back equal ("%.17g" at most), booleans as
 * true/false. The text is written to buf (size >= 32) for numbers and
 * booleans, borrowed from the document for strings. *type receives the
 * value's ftype. CANH_ENOENT for null, objects, arrays and NULL. */
int canh_json_scalar(json_t *v, char *buf, size_t size, canh_str_t *out, canh_ftype_t *type);

/* Like canh_json_scalar, but the text is copied into ev's arena.
 * CANH_ELIMIT when the arena is full (the event is flagged). */
int canh_json_text(canh_event_t *ev, json_t *v, canh_str_t *out, canh_ftype_t *type);

/* Stores value v under the dotted name: scalars by canh_event_set_name (a
 * slot when the name has one and the value fits it), objects flattened below
 * name, arrays as RAW JSON text (an array of one scalar into a slot name
 * sets the slot). Names longer than CANH_MAX_FIELD_NAME and nesting deeper
 * than CANH_MAX_JSON_DEPTH are skipped and counted (CANH_EVF_OVERFLOW). The
 * reserved names @timestamp, event.original and canh.flags are skipped. */
void canh_json_put(canh_event_t *ev, const char *name, size_t n, json_t *v, unsigned depth);

/* True if v (a slice) can go into slot id: LONG slots take decimal integers,
 * IP slots IP addresses, BOOL slots true/false. */
bool canh_json_fits(canh_field_t id, canh_str_t v);

/* Sets slot id from an arena (or static) slice when it fits; returns
 * whether it did. */
bool canh_dec_set_fit(canh_event_t *ev, canh_field_t id, canh_str_t v);

/* Sets @timestamp from v: a string in any format canh_time_parse_any knows,
 * or an epoch number (integers in s/ms/us/ns by magnitude, reals in seconds
 * with a fraction, rounded to the microsecond). Returns true on success;
 * false leaves ev untouched (the caller decides about CANH_EVF_BAD_TIME). */
bool canh_json_time(const canh_decode_t *d, json_t *v, canh_event_t *ev);

/* Parses an integer (decimal, or hex with 0x as Windows writes pids) from
 * a slice. */
bool canh_dec_parse_int(canh_str_t s, int64_t *out);

/* url.original = url (borrowed: pass an arena or record slice), and from
 * it url.scheme, url.domain, url.path, url.query when they can be told. */
void canh_dec_set_url(canh_event_t *ev, canh_str_t url);

/* Copies s lowercased (ASCII) into the arena; CANH_STR_NULL on a full
 * arena. */
canh_str_t canh_dec_lower(canh_event_t *ev, canh_str_t s);

/* ---- table-driven mapping of an object's members ---------------------------
 * Each member of the object is looked up by key in a table; a row maps it
 * to a slot (the value copied, kept in the kv list under prefix.key when it
 * does not fit the slot), to another kv name, to a handler, or to a
 * sub-table (for object members). Members without a row are flattened
 * under prefix.key, so nothing is lost. */
typedef struct canh_json_ctx {
    const canh_decode_t *d;
    canh_event_t *ev;
    void *user; /* the decoder's own scratch */
} canh_json_ctx_t;

/* v: the member's value; text: its scalar text copied into the arena
 * (CANH_STR_NULL for objects, arrays and null). */
typedef void (*canh_json_fn)(canh_json_ctx_t *c, json_t *v, canh_str_t text);

typedef struct canh_json_map {
    const char *key;
    int field;                       /* slot (canh_field_t), or -1 */
    const char *name;                /* kv name for the value, or NULL */
    canh_json_fn fn;                 /* handler, or NULL */
    const struct canh_json_map *sub; /* for object members, or NULL */
    bool keep;                       /* also keep the value under prefix.key */
} canh_json_map_t;

/* Maps obj's members with table t (ended by a row with key NULL, whose sub,
 * when set, chains to a table of rows shared with other tables); prefix is
 * the dotted name (without the trailing dot) unmapped members go under. */
void canh_json_map(canh_json_ctx_t *c, json_t *obj, const canh_json_map_t *t, const char *prefix);

#endif
