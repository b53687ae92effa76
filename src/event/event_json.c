/* event_json.c - encoding an event as one nested JSON object.
 *
 * Field names are ECS dotted paths; the encoder nests them ("source.ip" ->
 * {"source":{"ip":..}}) by emitting the fields in name order, so each
 * object's members are contiguous. Output only: JSON input is parsed with
 * jansson elsewhere. */
#include <string.h>

#include "canh/error.h"
#include "canh/event.h"
#include "event_int.h"

/* ---- strings -------------------------------------------------------------- */
static const char hex[] = "0123456789abcdef";


int canh_json_put_string(canh_buf_t *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Worst case 6 bytes per input byte plus quotes; reserve the common case
     * and fall back to appends. */
    int rc = canh_buf_putc(out, '"');
    size_t run = 0; /* start of the pending run of safe bytes */
    for (size_t i = 0; i < n && rc == CANH_OK;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = canh_utf8_seq_len(p + i, n - i);
            if (k) {
                i += k;
                continue;
            }
        }
        rc = canh_buf_append(out, p + run, i - run);
        if (rc)
            break;
        char esc[8];
        size_t en = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            if (c < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                en = 6;
            } else {
                memcpy(esc, "\\ufffd", 6); /* invalid UTF-8 byte */
                en = 6;
            }
        }
        rc = canh_buf_append(out, esc, en);
        i++;
        run = i;
    }
    if (rc == CANH_OK)
        rc = canh_buf_append(out, p + run, n - run);
    if (rc == CANH_OK)
        rc = canh_buf_putc(out, '"');
    return rc;
}

/* ---- values ----------------------------------------------------------------- */
static bool is_json_number(canh_str_t v)
{
    size_t i = 0;
    if (i < v.n && v.p[i] == '-')
        i++;
    if (i >= v.n)
        return false;
    if (v.p[i] == '0')
        i++;
    else if (v.p[i] >= '1' && v.p[i] <= '9')
        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
            i++;
    else
        return false;
    if (i < v.n && v.p[i] == '.') {
        size_t s = ++i;
        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    if (i < v.n && (v.p[i] == 'e' || v.p[i] == 'E')) {
        i++;
        if (i < v.n && (v.p[i] == '+' || v.p[i] == '-'))
            i++;
        size_t s = i;
        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    return i == v.n && v.n <= 32;
}

static int put_value(canh_buf_t *out, canh_str_t v, canh_ftype_t t)
{
    switch (t) {
    case CANH_FT_LONG:
    case CANH_FT_DOUBLE:
        if (is_json_number(v))
            return canh_buf_append(out, v.p, v.n);
        break;
    case CANH_FT_BOOL:
        if (canh_str_eq_c(v, "true") || canh_str_eq_c(v, "false"))
            return canh_buf_append(out, v.p, v.n);
        break;
    case CANH_FT_RAW:
        if (v.n)
            return canh_buf_append(out, v.p, v.n);
        return canh_buf_append(out, "null", 4);
    default:
        break;
    }
    return canh_json_put_string(out, v.p ? v.p : "", v.n);
}

/* ---- nesting ---------------------------------------------------------------- */
typedef struct entry {
    canh_str_t key;
    canh_str_t val;
    uint8_t type;
} entry_t;

#define MAX_DEPTH 16

typedef struct nest {
    canh_buf_t *out;
    unsigned depth;               /* open objects */
    canh_str_t open[MAX_DEPTH];   /* names of the open objects */
    bool first[MAX_DEPTH + 1];    /* no member emitted yet at this depth */
    canh_str_t last_leaf[MAX_DEPTH + 1]; /* last leaf name per depth */
} nest_t;

static int emit(nest_t *ns, const entry_t *e)
{
    canh_buf_t *out = ns->out;
    /* Split the key into segments. */
    canh_str_t seg[MAX_DEPTH + 1];
    unsigned nseg = 0;
    size_t start = 0;
    bool flat = false;
    for (size_t i = 0; i <= e->key.n; i++) {
        if (i == e->key.n || e->key.p[i] == '.') {
            if (i == start || nseg == MAX_DEPTH) {
                flat = true; /* empty segment or too deep: keep the name as is */
                break;
            }
            seg[nseg++] = canh_str(e->key.p + start, i - start);
            start = i + 1;
        }
    }
    if (flat || nseg == 0) {
        seg[0] = e->key;
        nseg = 1;
        /* A flat key still closes every open object it does not share. */
    }
    /* Common prefix with the open objects (leaf excluded). */
    unsigned common = 0;
    while (common < ns->depth && common < nseg - 1 && canh_str_eq(ns->open[common], seg[common]))
        common++;
    int rc = CANH_OK;
    while (ns->depth > common && rc == CANH_OK) {
        rc = canh_buf_putc(out, '}');
        ns->depth--;
    }
    /* Open the missing objects. If a leaf of the same name was just emitted
     * at that depth ("a" then "a.b"), nesting would duplicate the key: keep
     * the rest of the path as one flat key instead. */
    unsigned leaf = nseg - 1;
    bool conflict = false;
    while (ns->depth < leaf && rc == CANH_OK) {
        unsigned d = ns->depth;
        if (ns->last_leaf[d].p && canh_str_eq(ns->last_leaf[d], seg[d])) {
            seg[d] = canh_str(seg[d].p, (size_t)(e->key.p + e->key.n - seg[d].p));
            leaf = d;
            conflict = true;
            break;
        }
        if (!ns->first[d])
            rc = canh_buf_putc(out, ',');
        ns->first[d] = false;
        if (rc == CANH_OK)
            rc = canh_json_put_string(out, seg[d].p, seg[d].n);
        if (rc == CANH_OK)
            rc = canh_buf_append(out, ":{", 2);
        ns->open[d] = seg[d];
        ns->depth++;
        ns->first[ns->depth] = true;
        ns->last_leaf[ns->depth] = CANH_STR_NULL;
    }
    if (rc)
        return rc;
    unsigned d = ns->depth;
    if (!ns->first[d])
        rc = canh_buf_putc(out, ',');
    ns->first[d] = false;
    /* A flattened leaf keeps the blocking name as the last leaf, so later
     * paths under it ("a.b.c" after "a", "a.b") flatten too. */
    if (!conflict)
        ns->last_leaf[d] = seg[leaf];
    if (rc == CANH_OK)
        rc = canh_json_put_string(out, seg[leaf].p, seg[leaf].n);
    if (rc == CANH_OK)
        rc = canh_buf_putc(out, ':');
    if (rc == CANH_OK)
        rc = put_value(out, e->val, (canh_ftype_t)e->type);
    return rc;
}

static int key_cmp(canh_str_t a, canh_str_t b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = memcmp(a.p, b.p, n);
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

int canh_event_to_json(const canh_event_t *ev, canh_buf_t *out)
{
    return canh_event_to_json_with(ev, NULL, 0, out);
}

static bool overridden(const canh_kv_t *extra, size_t n, canh_str_t key)
{
    for (size_t i = 0; i < n; i++)
        if (canh_str_eq(extra[i].key, key))
            return true;
    return false;
}

int canh_event_to_json_with(const canh_event_t *ev, const canh_kv_t *more, size_t nmore,
                            canh_buf_t *out)
{
    if (nmore > 64)
        return CANH_ELIMIT;
    /* Extras: the kv list plus the synthetic fields, sorted by insertion
     * (a few entries); slots come pre-sorted from the field table. */
    entry_t extra[CANH_MAX_EVENT_KV + 4 + 64];
    size_t nx = 0;
    char ts[32];
    size_t tn = canh_time_format(ev->ts, ts);
    extra[nx++] = (entry_t){CANH_STR_LIT("@timestamp"), canh_str(ts, tn), CANH_FT_DATE};
    if (ev->original.p)
        extra[nx++] = (entry_t){CANH_STR_LIT("event.original"), ev->original, CANH_FT_KEYWORD};
    char flags[96];
    size_t fl = 0;
    if (ev->flags) {
        static const char *const names[] = {"generic", "truncated", "partial",
                                            "no_time", "overflow",  "bad_time"};
        fl = 1;
        flags[0] = '[';
        for (unsigned b = 0; b < 6; b++) {
            if (!(ev->flags & (1u << b)))
                continue;
            size_t k = strlen(names[b]);
            if (fl > 1)
                flags[fl++] = ',';
            flags[fl++] = '"';
            memcpy(flags + fl, names[b], k);
            fl += k;
            flags[fl++] = '"';
        }
        flags[fl++] = ']';
        extra[nx++] = (entry_t){CANH_STR_LIT("canh.flags"), canh_str(flags, fl), CANH_FT_RAW};
    }
    for (unsigned i = 0; i < ev->nkv; i++)
        if (!overridden(more, nmore, ev->kv[i].key))
            extra[nx++] = (entry_t){ev->kv[i].key, ev->kv[i].val, ev->kv[i].type};
    for (size_t i = 0; i < nmore; i++)
        extra[nx++] = (entry_t){more[i].key, more[i].val, more[i].type};
    for (size_t i = 1; i < nx; i++) {
        entry_t t = extra[i];
        size_t j = i;
        while (j > 0 && key_cmp(extra[j - 1].key, t.key) > 0) {
            extra[j] = extra[j - 1];
            j--;
        }
        extra[j] = t;
    }

    nest_t ns = {.out = out};
    ns.first[0] = true;
    int rc = canh_buf_putc(out, '{');
    const uint16_t *order = canh_field_sorted();
    size_t si = 0, xi = 0;
    while (rc == CANH_OK) {
        while (si < CANH_F__COUNT &&
               (!canh_event_has(ev, (canh_field_t)order[si]) ||
                (nmore && overridden(more, nmore,
                                     canh_str_c(canh_field_name((canh_field_t)order[si]))))))
            si++;
        entry_t slot;
        bool have_slot = si < CANH_F__COUNT;
        if (have_slot) {
            canh_field_t id = (canh_field_t)order[si];
            slot = (entry_t){canh_str_c(canh_field_name(id)), ev->f[id],
                             (uint8_t)canh_field_type(id)};
        }
        if (!have_slot && xi == nx)
            break;
        if (have_slot && (xi == nx || key_cmp(slot.key, extra[xi].key) <= 0)) {
            rc = emit(&ns, &slot);
            si++;
        } else {
            rc = emit(&ns, &extra[xi++]);
        }
    }
    while (rc == CANH_OK && ns.depth > 0) {
        rc = canh_buf_putc(out, '}');
        ns.depth--;
    }
    if (rc == CANH_OK)
        rc = canh_buf_putc(out, '}');
    return rc;
}
