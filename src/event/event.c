/* event.c - event lifecycle and field setters. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"

canh_event_t *canh_event_create(void)
{
    canh_event_t *ev = canh_calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    canh_arena_init(&ev->arena, CANH_EVENT_ARENA_CHUNK, CANH_EVENT_ARENA_MAX);
    return ev;
}

void canh_event_destroy(canh_event_t *ev)
{
    if (!ev)
        return;
    canh_arena_fini(&ev->arena);
    canh_free(ev);
}

void canh_event_clear(canh_event_t *ev)
{
    /* Clearing only the set slots keeps reset cheap for the common event
     * that sets a dozen of the ~140 slots. */
    for (size_t w = 0; w < sizeof ev->set / sizeof ev->set[0]; w++) {
        uint64_t m = ev->set[w];
        while (m) {
            unsigned b = (unsigned)__builtin_ctzll(m);
            ev->f[w * 64 + b] = CANH_STR_NULL;
            m &= m - 1;
        }
        ev->set[w] = 0;
    }
    ev->nkv = 0;
    ev->flags = 0;
    ev->dropped = 0;
    ev->ts = 0;
    ev->decoder = 0;
}

void canh_event_reset(canh_event_t *ev, canh_str_t raw)
{
    canh_event_clear(ev);
    canh_arena_reset(&ev->arena);
    ev->original = raw;
}

void canh_event_unset(canh_event_t *ev, canh_field_t id)
{
    ev->f[id] = CANH_STR_NULL;
    ev->set[id >> 6] &= ~(UINT64_C(1) << (id & 63));
}

char *canh_event_strdup(canh_event_t *ev, const char *p, size_t n)
{
    char *d = canh_arena_strndup(&ev->arena, p, n);
    if (!d) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
    }
    return d;
}

int canh_event_set_copy(canh_event_t *ev, canh_field_t id, const char *p, size_t n)
{
    char *d = canh_event_strdup(ev, p, n);
    if (!d)
        return CANH_ELIMIT;
    canh_event_set(ev, id, canh_str(d, n));
    return CANH_OK;
}

int canh_event_set_i64(canh_event_t *ev, canh_field_t id, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    return canh_event_set_copy(ev, id, tmp, (size_t)n);
}

int canh_event_add(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type)
{
    /* A repeated key replaces the earlier value, as for slots. */
    for (unsigned i = 0; i < ev->nkv; i++) {
        if (canh_str_eq(ev->kv[i].key, key)) {
            ev->kv[i].val = val;
            ev->kv[i].type = (uint8_t)type;
            return CANH_OK;
        }
    }
    if (ev->nkv >= CANH_MAX_EVENT_KV) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return CANH_ELIMIT;
    }
    ev->kv[ev->nkv++] = (canh_kv_t){key, val, (uint8_t)type};
    return CANH_OK;
}

int canh_event_add_copy(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type)
{
    char *k = canh_event_strdup(ev, key.p, key.n);
    char *v = k ? canh_event_strdup(ev, val.p, val.n) : NULL;
    if (!v)
        return CANH_ELIMIT;
    return canh_event_add(ev, canh_str(k, key.n), canh_str(v, val.n), type);
}

/* Does v fit a slot of type t? Values that do not are kept in the kv list
 * under the same name instead of being lost or mis-typed. */
static bool fits(canh_ftype_t t, canh_str_t v)
{
    int64_t i;
    switch (t) {
    case CANH_FT_LONG:
        return canh_str_to_i64(v, &i) == CANH_OK;
    case CANH_FT_IP:
        return canh_str_is_ip(v);
    case CANH_FT_BOOL:
        return canh_str_eq_c(v, "true") || canh_str_eq_c(v, "false");
    default:
        return true;
    }
}

int canh_event_set_name(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_ftype_t type,
                        bool copy)
{
    int id = canh_field_lookup(key.p, key.n);
    if (id >= 0 && type != CANH_FT_RAW && fits(canh_field_type((canh_field_t)id), val)) {
        if (!copy) {
            canh_event_set(ev, (canh_field_t)id, val);
            return CANH_OK;
        }
        return canh_event_set_copy(ev, (canh_field_t)id, val.p, val.n);
    }
    return copy ? canh_event_add_copy(ev, key, val, type) : canh_event_add(ev, key, val, type);
}

int canh_event_get_name(const canh_event_t *ev, canh_str_t key, canh_str_t *out,
                        canh_ftype_t *type)
{
    int id = canh_field_lookup(key.p, key.n);
    if (id >= 0 && canh_event_has(ev, (canh_field_t)id)) {
        *out = ev->f[id];
        if (type)
            *type = canh_field_type((canh_field_t)id);
        return CANH_OK;
    }
    for (unsigned i = 0; i < ev->nkv; i++) {
        if (canh_str_eq(ev->kv[i].key, key)) {
            *out = ev->kv[i].val;
            if (type)
                *type = (canh_ftype_t)ev->kv[i].type;
            return CANH_OK;
        }
    }
    return CANH_ENOENT;
}
