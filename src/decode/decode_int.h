/* decode_int.h - private interfaces between the decode module's files.
 *
 * Top-level decoders take a whole record; syslog program decoders take the
 * message part of a syslog line after the header. Every decoder returns
 * CANH_OK when it recognised the record (and filled ev), CANH_ENOMATCH when
 * the record is not its format (ev may hold fields it set: the caller clears
 * it), and never fails otherwise: malformed parts are skipped and flagged.
 * On CANH_OK a decoder sets ev->decoder to its id (enum canh_dec_id). */
#ifndef CANH_DECODE_INT_H
#define CANH_DECODE_INT_H

#include <jansson.h>

#include "canh/decode.h"
#include "canh/event.h"
#include "canh/str.h"
#include "decode_list.h"

enum canh_dec_id {
#define CANH_X_DEC(id, name) CANH_DEC_##id,
    CANH_DECODERS(CANH_X_DEC)
#undef CANH_X_DEC
        CANH_DEC__COUNT
};

/* ---- compiled message patterns (decode_pat.c) -----------------------------
 * A pattern is literal text with {field} captures:
 *   "Failed {-} for invalid user {user.name} from {source.ip} port {source.port}*"
 * - {ecs.name} stores the capture in that field (slot or kv list); {-}
 *   discards it. A capture runs up to the next occurrence of the literal
 *   that follows it (the shortest match first, longer ones on backtrack), or
 *   to the end of the message when it is last.
 * - Captures into IP fields must be IP addresses, into LONG fields decimal
 *   integers, otherwise the match backtracks or fails.
 * - A trailing '*' lets anything follow; otherwise the whole message must be
 *   consumed (trailing whitespace ignored).
 * - Literal braces cannot be written (no log format needed them yet).
 * Matching is bounded (a step budget), so hostile input cannot make it slow. */
typedef struct canh_pat_rule {
    const char *pattern;
    const char *action;   /* event.action, or NULL */
    const char *outcome;  /* event.outcome: success|failure|unknown, or NULL */
    const char *category; /* event.category, or NULL */
    const char *type;     /* event.type, or NULL */
} canh_pat_rule_t;

typedef struct canh_patset canh_patset_t;

/* Compiles rules[0..n). The rules array and its strings must outlive the set
 * (they are static tables). CANH_EINVAL with detail for a bad pattern. */
int canh_patset_compile(const canh_pat_rule_t *rules, size_t n, canh_patset_t **out,
                        canh_errbuf_t *eb);
void canh_patset_destroy(canh_patset_t *ps);
/* Tries the rules in order on msg; the first that matches fills ev (its
 * captures, and action/outcome/category/type) and returns its index (>= 0).
 * Returns CANH_ENOMATCH if none matched (ev untouched). */
int canh_patset_match(const canh_patset_t *ps, canh_str_t msg, canh_event_t *ev);

/* ---- the decoder context --------------------------------------------------- */
/* A decoder module may keep compiled state (pattern sets) in the context.
 * Each module gets a slot by id; init fills it, fini frees it. */
typedef struct canh_decode_mod {
    int (*init)(void **state, canh_errbuf_t *eb);
    void (*fini)(void *state);
} canh_decode_mod_t;

struct canh_decode {
    canh_time_ref_t tref;
    int forced;                    /* decoder id, or -1 */
    void *state[CANH_DEC__COUNT];  /* per-decoder compiled state */
};

static inline const void *canh_dec_state(const canh_decode_t *d, enum canh_dec_id id)
{
    return d->state[id];
}

/* ---- syslog ---------------------------------------------------------------- */
/* What the syslog header decoder found; passed to program decoders. */
typedef struct canh_syslog_hdr {
    canh_str_t host;    /* may be absent */
    canh_str_t program; /* "sshd", "postfix/smtpd", may be absent */
    canh_str_t pid;     /* may be absent */
} canh_syslog_hdr_t;

typedef int (*canh_prog_fn)(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                            canh_event_t *ev);
/* Finds the program decoder for a program name (exact or prefix rules in
 * decode_prog_table.c); NULL if none. *id receives its decoder id. */
canh_prog_fn canh_prog_lookup(canh_str_t program, int *id);

/* ---- top-level decoders ------------------------------------------------------ */
typedef int (*canh_top_fn)(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);

int canh_dec_syslog(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
/* The syslog decoder without the leading header: "prog[pid]: msg" lines as
 * OSSEC and many collectors store them. */
int canh_dec_syslog_bare(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_json(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_access(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_apache_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_nginx_error(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_modsec(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_iis(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_cef(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_postgresql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_mysql(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);
int canh_dec_auditd(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev);

/* JSON sub-decoders: given the parsed document (decode_json.c dispatches). */
int canh_dec_json_suricata(const canh_decode_t *d, json_t *root, canh_event_t *ev);
int canh_dec_json_zeek(const canh_decode_t *d, json_t *root, canh_event_t *ev);
int canh_dec_json_windows(const canh_decode_t *d, json_t *root, canh_event_t *ev);
/* Copies every leaf of obj into ev under prefix (dotted), as kv or slots.
 * Arrays of scalars become RAW JSON text. Depth-limited. */
int canh_json_flatten(canh_event_t *ev, const char *prefix, json_t *obj);
/* Convenience: a string/number member as a slice copied into the event. */
int canh_json_set(canh_event_t *ev, canh_field_t id, json_t *obj, const char *key);

/* Helper shared by decoders: parse a timestamp slice with any known format
 * against d->tref and set it (flags CANH_EVF_BAD_TIME on failure). */
void canh_dec_set_time(const canh_decode_t *d, canh_str_t s, canh_event_t *ev);

/* Every decoder id has a module record canh_mod_<ID> (defined in its
 * decoder's file; { NULL, NULL } when it keeps no state). The context calls
 * init at create and fini at destroy; init's state lands in d->state[id]. */
#define CANH_X_MOD(id, name) extern const canh_decode_mod_t canh_mod_##id;
CANH_DECODERS(CANH_X_MOD)
#undef CANH_X_MOD

#endif
