/* canh/event.h - the normalized event.
 *
 * An event is one input record decoded into Elastic Common Schema fields. The
 * fields listed in canh/ecs_fields.h have fixed slots (O(1) get/set); any
 * other field goes to a bounded key/value list. Values are string slices:
 * where possible they point into the raw record (event.original), otherwise
 * into the event's arena. Both live until the next canh_event_reset().
 *
 * An event is reused record after record: reset it, decode into it, read it,
 * reset again. It is not thread-safe; use one per worker. */
#ifndef CANH_EVENT_H
#define CANH_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/buf.h"
#include "canh/ecs_fields.h"
#include "canh/error.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/str.h"
#include "canh/time.h"

typedef enum canh_field {
#define CANH_X_ENUM(id, name, type) CANH_F_##id,
    CANH_ECS_FIELDS(CANH_X_ENUM)
#undef CANH_X_ENUM
        CANH_F__COUNT
} canh_field_t;

/* How a value is checked and encoded. */
typedef enum canh_ftype {
    CANH_FT_KEYWORD = 0, /* JSON string */
    CANH_FT_LONG,        /* JSON number (the slice holds decimal digits, optional '-') */
    CANH_FT_IP,          /* JSON string holding an IPv4/IPv6 address */
    CANH_FT_BOOL,        /* JSON true/false (slice "true"/"false") */
    CANH_FT_DATE,        /* JSON string */
    CANH_FT_DOUBLE,      /* JSON number (key/value list only) */
    CANH_FT_RAW,         /* already-encoded JSON text (arrays from JSON input) */
} canh_ftype_t;

/* Event flags. */
enum {
    CANH_EVF_GENERIC = 1u << 0,   /* no decoder recognised the record */
    CANH_EVF_TRUNCATED = 1u << 1, /* the record was longer than the limit and cut */
    CANH_EVF_PARTIAL = 1u << 2,   /* framing recognised, message content not */
    CANH_EVF_NO_TIME = 1u << 3,   /* no timestamp in the record; @timestamp is receipt time */
    CANH_EVF_OVERFLOW = 1u << 4,  /* fields were dropped (kv list or arena full) */
    CANH_EVF_BAD_TIME = 1u << 5,  /* a timestamp was present but did not parse */
};

typedef struct canh_kv {
    canh_str_t key;
    canh_str_t val;
    uint8_t type; /* canh_ftype_t */
} canh_kv_t;

typedef struct canh_event {
    canh_time_t ts;       /* @timestamp, ns since epoch UTC */
    canh_str_t original;  /* event.original: the raw record */
    uint16_t decoder;     /* decoder id (canh_decode_name) */
    uint32_t flags;       /* CANH_EVF_* */
    uint32_t dropped;     /* fields refused for lack of room */
    uint64_t set[(CANH_F__COUNT + 63) / 64]; /* which slots are set */
    canh_str_t f[CANH_F__COUNT];
    uint16_t nkv;
    canh_kv_t kv[CANH_MAX_EVENT_KV];
    canh_arena_t arena;
} canh_event_t;

/* ---- the field table --------------------------------------------------- */
const char *canh_field_name(canh_field_t id);
canh_ftype_t canh_field_type(canh_field_t id);
/* Slot id for an ECS name, or -1 if the name has no slot. */
int canh_field_lookup(const char *name, size_t n);

/* ---- lifecycle ----------------------------------------------------------- */
/* Allocates an event (it is large: keep it on the heap). NULL on ENOMEM. */
canh_event_t *canh_event_create(void);
void canh_event_destroy(canh_event_t *ev);
/* Clears every field and the arena, sets event.original = raw (borrowed: the
 * caller keeps raw alive while the event is used). */
void canh_event_reset(canh_event_t *ev, canh_str_t raw);
/* Clears fields, flags and timestamp but keeps event.original and the arena
 * (a decoder that gives up half-way calls this before the next one tries). */
void canh_event_clear(canh_event_t *ev);

/* ---- setting fields -------------------------------------------------------
 * Setters borrow the value slice unless named _copy. A later set of the same
 * field replaces the earlier value. Setters return CANH_OK, or CANH_ELIMIT
 * when the arena or kv list is full (the field is then dropped and counted). */
static inline void canh_event_set(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    ev->f[id] = v;
    ev->set[id >> 6] |= UINT64_C(1) << (id & 63);
}
static inline void canh_event_set_c(canh_event_t *ev, canh_field_t id, const char *lit)
{
    canh_event_set(ev, id, canh_str_c(lit));
}
static inline bool canh_event_has(const canh_event_t *ev, canh_field_t id)
{
    return (ev->set[id >> 6] >> (id & 63)) & 1u;
}
static inline canh_str_t canh_event_get(const canh_event_t *ev, canh_field_t id)
{
    return canh_event_has(ev, id) ? ev->f[id] : CANH_STR_NULL;
}
void canh_event_unset(canh_event_t *ev, canh_field_t id);
int canh_event_set_copy(canh_event_t *ev, canh_field_t id, const char *p, size_t n);
int canh_event_set_i64(canh_event_t *ev, canh_field_t id, int64_t v);
static inline void canh_event_set_ts(canh_event_t *ev, canh_time_t t)
{
    ev->ts = t;
    ev->flags &= ~(uint32_t)CANH_EVF_NO_TIME;
}

/* Adds a non-slot field. key and val are borrowed. */
int canh_event_add(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type);
/* Same, copying key and val into the arena. */
int canh_event_add_copy(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type);
/* Sets a field by name: a slot if the name has one (and the value fits its
 * type), otherwise the kv list. copy: copy key and value into the arena. */
int canh_event_set_name(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type,
                        bool copy);
/* Reads a field by name (slot or kv); CANH_ENOENT if absent. */
int canh_event_get_name(const canh_event_t *ev, canh_str_t key, canh_str_t *out,
                        canh_ftype_t *type);

/* Copies p[0..n) into the event's arena (for values built from pieces). */
char *canh_event_strdup(canh_event_t *ev, const char *p, size_t n);

/* ---- output -------------------------------------------------------------- */
/* Appends the event as one JSON object (nested by ECS dots, keys sorted, no
 * trailing newline) to out: @timestamp, every set field, event.original. */
int canh_event_to_json(const canh_event_t *ev, canh_buf_t *out);
/* Same, with extra fields merged in (an alert's rule.* and threat.*). A name
 * in extra that the event also has replaces the event's value. */
int canh_event_to_json_with(const canh_event_t *ev, const canh_kv_t *extra, size_t nextra,
                            canh_buf_t *out);

/* Appends s as a JSON string literal (with quotes), escaping control bytes
 * and replacing invalid UTF-8 with U+FFFD. */
int canh_json_put_string(canh_buf_t *out, const char *p, size_t n);

#endif
