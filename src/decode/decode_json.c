/* decode_json.c - JSON records: parsing, dispatch by shape to the Suricata,
 * Zeek, Windows and ModSecurity sub-decoders, and the generic "json"
 * decoder that flattens any other document into dotted field names.
 *
 * The document is parsed with jansson (its allocations are the only ones a
 * JSON record costs) and freed before canh_dec_json returns: every value
 * that lands in the event is copied into the event's arena. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "decode_db.h"
#include "decode_json_int.h"
#include "decode_modsec.h"

const canh_decode_mod_t canh_mod_JSON = {NULL, NULL};

/* ---- scalars ---------------------------------------------------------------- */
canh_str_t canh_json_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return CANH_STR_NULL;
    return canh_str(json_string_value(v), json_string_length(v));
}

/* Shortest "%.Ng" text of x that reads back as x. */
static size_t fmt_real(double x, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%.15g", x);
    if (n > 0 && strtod(buf, NULL) != x)
        n = snprintf(buf, size, "%.17g", x);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

int canh_json_scalar(json_t *v, char *buf, size_t size, canh_str_t *out, canh_ftype_t *type)
{
    int n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        *out = canh_str(json_string_value(v), json_string_length(v));
        *type = CANH_FT_KEYWORD;
        return CANH_OK;
    case JSON_INTEGER:
        n = snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (n <= 0 || (size_t)n >= size)
            return CANH_ENOENT;
        *out = canh_str(buf, (size_t)n);
        *type = CANH_FT_LONG;
        return CANH_OK;
    case JSON_REAL: {
        double x = json_real_value(v);
        size_t k = isfinite(x) ? fmt_real(x, buf, size) : 0;
        if (!k)
            return CANH_ENOENT;
        *out = canh_str(buf, k);
        *type = CANH_FT_DOUBLE;
        return CANH_OK;
    }
    case JSON_TRUE:
        *out = CANH_STR_LIT("true");
        *type = CANH_FT_BOOL;
        return CANH_OK;
    case JSON_FALSE:
        *out = CANH_STR_LIT("false");
        *type = CANH_FT_BOOL;
        return CANH_OK;
    default: return CANH_ENOENT;
    }
}

int canh_json_text(canh_event_t *ev, json_t *v, canh_str_t *out, canh_ftype_t *type)
{
    char buf[40];
    canh_str_t s;
    canh_ftype_t t;
    if (!v || canh_json_scalar(v, buf, sizeof buf, &s, &t) != CANH_OK)
        return CANH_ENOENT;
    char *p = canh_event_strdup(ev, s.p, s.n);
    if (!p)
        return CANH_ELIMIT;
    *out = canh_str(p, s.n);
    *type = t;
    return CANH_OK;
}

bool canh_json_fits(canh_field_t id, canh_str_t v)
{
    int64_t i;
    switch (canh_field_type(id)) {
    case CANH_FT_LONG: return canh_str_to_i64(v, &i) == CANH_OK;
    case CANH_FT_IP: return canh_str_is_ip(v);
    case CANH_FT_BOOL: return canh_str_eq_c(v, "true") || canh_str_eq_c(v, "false");
    default: return v.p != NULL;
    }
}

bool canh_dec_set_fit(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    if (!v.p || !canh_json_fits(id, v))
        return false;
    canh_event_set(ev, id, v);
    return true;
}

int canh_json_set(canh_event_t *ev, canh_field_t id, json_t *obj, const char *key)
{
    canh_str_t s;
    canh_ftype_t t;
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    int rc = canh_json_text(ev, v, &s, &t);
    if (rc != CANH_OK)
        return rc;
    if (canh_json_fits(id, s)) {
        canh_event_set(ev, id, s);
        return CANH_OK;
    }
    /* Keep a value that does not fit the slot under the slot's name. */
    return canh_event_add(ev, canh_str_c(canh_field_name(id)), s, t);
}

/* ---- flattening ------------------------------------------------------------------ */
static void drop(canh_event_t *ev)
{
    ev->dropped++;
    ev->flags |= CANH_EVF_OVERFLOW;
}

/* Names the event encoder writes itself; input may not set them. */
static bool reserved(const char *name, size_t n)
{
    switch (n) {
    case 10: return memcmp(name, "@timestamp", 10) == 0 || memcmp(name, "canh.flags", 10) == 0;
    case 14: return memcmp(name, "event.original", 14) == 0;
    default: return false;
    }
}

/* True if v nests no deeper than left more levels of arrays/objects. */
static bool depth_ok(json_t *v, unsigned left)
{
    size_t i;
    json_t *e;
    const char *k;
    if (json_is_array(v)) {
        if (!left)
            return false;
        json_array_foreach(v, i, e)
        {
            if (!depth_ok(e, left - 1))
                return false;
        }
    } else if (json_is_object(v)) {
        if (!left)
            return false;
        json_object_foreach(v, k, e)
        {
            if (!depth_ok(e, left - 1))
                return false;
        }
    }
    return true;
}

/* name[0..n) is NUL-terminated and lives in a buffer of CANH_MAX_FIELD_NAME
 * + 1 bytes that put_object extends in place. */
static void put_value(canh_event_t *ev, char *name, size_t n, json_t *v, unsigned depth);

static void put_leaf(canh_event_t *ev, const char *name, size_t n, json_t *v)
{
    char buf[40];
    canh_str_t s;
    canh_ftype_t t;
    if (n == 0 || reserved(name, n) || canh_json_scalar(v, buf, sizeof buf, &s, &t) != CANH_OK)
        return;
    canh_event_set_name(ev, canh_str(name, n), s, t, true);
}

static void put_object(canh_event_t *ev, char *name, size_t n, json_t *obj, unsigned depth)
{
    const char *k;
    json_t *m;
    if (depth >= CANH_MAX_JSON_DEPTH) {
        if (json_object_size(obj))
            drop(ev);
        return;
    }
    json_object_foreach(obj, k, m)
    {
        size_t kl = strlen(k);
        size_t at = n ? n + 1 : 0;
        if (at + kl > CANH_MAX_FIELD_NAME) {
            drop(ev);
            continue;
        }
        if (n)
            name[n] = '.';
        memcpy(name + at, k, kl);
        name[at + kl] = '\0';
        put_value(ev, name, at + kl, m, depth + 1);
    }
    name[n] = '\0';
}

static void put_value(canh_event_t *ev, char *name, size_t n, json_t *v, unsigned depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: put_object(ev, name, n, v, depth); return;
    case JSON_NULL: return;
    case JSON_ARRAY: break;
    default: put_leaf(ev, name, n, v); return;
    }
    if (n == 0 || reserved(name, n))
        return;
    json_t *e0 = json_array_get(v, 0);
    if (json_array_size(v) == 1 && !json_is_object(e0) && !json_is_array(e0) &&
        canh_field_lookup(name, n) >= 0) {
        put_leaf(ev, name, n, e0); /* ["authentication"] into event.category */
        return;
    }
    if (!depth_ok(v, CANH_MAX_JSON_DEPTH > depth ? CANH_MAX_JSON_DEPTH - depth : 0)) {
        drop(ev);
        return;
    }
    char *txt = json_dumps(v, JSON_COMPACT);
    if (!txt) {
        drop(ev);
        return;
    }
    canh_event_add_copy(ev, canh_str(name, n), canh_str_c(txt), CANH_FT_RAW);
    free(txt);
}

void canh_json_put(canh_event_t *ev, const char *name, size_t n, json_t *v, unsigned depth)
{
    char buf[CANH_MAX_FIELD_NAME + 1];
    if (n > CANH_MAX_FIELD_NAME) {
        drop(ev);
        return;
    }
    memcpy(buf, name, n);
    buf[n] = '\0';
    put_value(ev, buf, n, v, depth);
}

int canh_json_flatten(canh_event_t *ev, const char *prefix, json_t *obj)
{
    size_t n = prefix ? strlen(prefix) : 0;
    while (n && prefix[n - 1] == '.')
        n--;
    canh_json_put(ev, prefix ? prefix : "", n, obj, 0);
    return CANH_OK;
}

/* ---- table-driven mapping ----------------------------------------------------- */
static const canh_json_map_t *find_row(const canh_json_map_t *t, const char *key)
{
    /* A table's last row may chain to another (rows shared by tables). The
     * chain is static and acyclic; the bound only guards against mistakes. */
    for (int hop = 0; t && hop < 8; hop++) {
        for (; t->key; t++)
            if (t->key[0] == key[0] && strcmp(t->key, key) == 0)
                return t;
        t = t->sub;
    }
    return NULL;
}

/* Stores an arena value under name (key copied). */
static void put_text(canh_event_t *ev, const char *name, size_t n, canh_str_t text,
                     canh_ftype_t type)
{
    if (n == 0 || reserved(name, n))
        return;
    char *k = canh_event_strdup(ev, name, n);
    if (k)
        canh_event_set_name(ev, canh_str(k, n), text, type, false);
}

static void map_object(canh_json_ctx_t *c, json_t *obj, const canh_json_map_t *t, char *name,
                       size_t n, unsigned depth)
{
    const char *k;
    json_t *v;
    if (depth >= CANH_MAX_JSON_DEPTH) {
        drop(c->ev);
        return;
    }
    json_object_foreach(obj, k, v)
    {
        size_t kl = strlen(k);
        size_t at = n ? n + 1 : 0;
        if (at + kl > CANH_MAX_FIELD_NAME) {
            drop(c->ev);
            continue;
        }
        if (n)
            name[n] = '.';
        memcpy(name + at, k, kl);
        name[at + kl] = '\0';
        size_t nn = at + kl;
        const canh_json_map_t *row = find_row(t, k);
        if (!row) {
            put_value(c->ev, name, nn, v, depth + 1);
            continue;
        }
        if (row->sub && json_is_object(v)) {
            map_object(c, v, row->sub, name, nn, depth + 1);
            continue;
        }
        canh_str_t text = CANH_STR_NULL;
        canh_ftype_t type = CANH_FT_KEYWORD;
        canh_json_text(c->ev, v, &text, &type);
        bool placed = false;
        if (row->field >= 0 && text.p) {
            placed = canh_dec_set_fit(c->ev, (canh_field_t)row->field, text);
        }
        if (row->name) {
            if (text.p)
                canh_event_set_name(c->ev, canh_str_c(row->name), text, type, false);
            else
                canh_json_put(c->ev, row->name, strlen(row->name), v, depth + 1);
            placed = true;
        }
        if (row->fn)
            row->fn(c, v, text);
        if (row->keep || (!placed && !row->fn)) {
            if (text.p)
                put_text(c->ev, name, nn, text, type);
            else
                put_value(c->ev, name, nn, v, depth + 1);
        }
    }
    name[n] = '\0';
}

void canh_json_map(canh_json_ctx_t *c, json_t *obj, const canh_json_map_t *t, const char *prefix)
{
    char name[CANH_MAX_FIELD_NAME + 1];
    size_t n = strlen(prefix);
    if (n > CANH_MAX_FIELD_NAME || !json_is_object(obj))
        return;
    memcpy(name, prefix, n + 1);
    map_object(c, obj, t, name, n, 0);
}

/* ---- small shared helpers ---------------------------------------------------------- */
bool canh_json_time(const canh_decode_t *d, json_t *v, canh_event_t *ev)
{
    canh_time_t t;
    const int64_t max_s = INT64_MAX / CANH_NS_PER_SEC;
    if (json_is_string(v)) {
        canh_str_t s = canh_str(json_string_value(v), json_string_length(v));
        if (canh_time_parse_any(s, &d->tref, &t) != CANH_OK)
            return false;
    } else if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return false;
        if (i < INT64_C(100000000000)) { /* seconds */
            if (i > max_s)
                return false;
            t = (canh_time_t)i * CANH_NS_PER_SEC;
        } else if (i < INT64_C(100000000000000)) { /* milliseconds */
            if (i > INT64_MAX / 1000000)
                return false;
            t = (canh_time_t)i * 1000000;
        } else if (i < INT64_C(100000000000000000)) { /* microseconds */
            if (i > INT64_MAX / 1000)
                return false;
            t = (canh_time_t)i * 1000;
        } else {
            t = (canh_time_t)i; /* nanoseconds */
        }
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!(x >= 0) || !isfinite(x))
            return false;
        if (x >= 1e11)
            x /= 1000.0; /* milliseconds with a fraction */
        if (x >= (double)max_s)
            return false;
        int64_t sec = (int64_t)x;
        int64_t us = llround((x - (double)sec) * 1e6);
        t = sec * CANH_NS_PER_SEC + us * 1000;
    } else {
        return false;
    }
    canh_event_set_ts(ev, t);
    return true;
}

bool canh_dec_parse_int(canh_str_t s, int64_t *out)
{
    if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
        uint64_t v = 0;
        if (s.n > 18)
            return false;
        for (size_t i = 2; i < s.n; i++) {
            char ch = s.p[i];
            unsigned dg;
            if (ch >= '0' && ch <= '9')
                dg = (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                dg = (unsigned)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F')
                dg = (unsigned)(ch - 'A' + 10);
            else
                return false;
            v = v * 16 + dg;
        }
        if (v > INT64_MAX)
            return false;
        *out = (int64_t)v;
        return true;
    }
    return canh_str_to_i64(s, out) == CANH_OK;
}

canh_str_t canh_dec_lower(canh_event_t *ev, canh_str_t s)
{
    char *p = canh_event_strdup(ev, s.p, s.n);
    if (!p)
        return CANH_STR_NULL;
    for (size_t i = 0; i < s.n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            p[i] = (char)(p[i] + 32);
    return canh_str(p, s.n);
}

void canh_dec_set_url(canh_event_t *ev, canh_str_t url)
{
    if (!url.p || url.n == 0)
        return;
    canh_event_set(ev, CANH_F_URL_ORIGINAL, url);
    canh_str_t rest = url;
    ptrdiff_t sch = canh_str_find_c(url, "://");
    if (sch > 0 && sch < 16) {
        canh_event_set(ev, CANH_F_URL_SCHEME, canh_str(url.p, (size_t)sch));
        rest = canh_str_sub(url, (size_t)sch + 3, url.n);
        size_t h = 0;
        while (h < rest.n && rest.p[h] != '/' && rest.p[h] != '?' && rest.p[h] != '#')
            h++;
        canh_str_t host = canh_str(rest.p, h);
        ptrdiff_t at = canh_str_chr(host, '@'); /* user:pass@host */
        if (at >= 0)
            host = canh_str_sub(host, (size_t)at + 1, host.n);
        if (host.n && host.p[0] == '[') {
            ptrdiff_t e = canh_str_chr(host, ']');
            host = e > 0 ? canh_str(host.p + 1, (size_t)e - 1) : CANH_STR_NULL;
        } else {
            ptrdiff_t colon = canh_str_chr(host, ':');
            if (colon >= 0)
                host.n = (size_t)colon;
        }
        if (host.n)
            canh_event_set(ev, CANH_F_URL_DOMAIN, host);
        rest = canh_str_sub(rest, h, rest.n);
    } else if (url.p[0] != '/') {
        return; /* "host:443" (CONNECT) or something else: original only */
    }
    ptrdiff_t hash = canh_str_chr(rest, '#');
    if (hash >= 0)
        rest.n = (size_t)hash;
    ptrdiff_t q = canh_str_chr(rest, '?');
    canh_str_t path = q >= 0 ? canh_str(rest.p, (size_t)q) : rest;
    if (path.n)
        canh_event_set(ev, CANH_F_URL_PATH, path);
    if (q >= 0 && (size_t)q + 1 < rest.n)
        canh_event_set(ev, CANH_F_URL_QUERY, canh_str_sub(rest, (size_t)q + 1, rest.n));
}

/* ---- the generic decoder ------------------------------------------------------------ */
static const char *const time_keys[] = {"@timestamp", "timestamp", "time", "ts", "date"};

static int dec_generic(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    ev->decoder = CANH_DEC_JSON;
    canh_json_put(ev, "", 0, root, 0);
    bool seen = false, ok = false;
    for (size_t i = 0; i < sizeof time_keys / sizeof time_keys[0] && !ok; i++) {
        json_t *v = json_object_get(root, time_keys[i]);
        if (!v || json_is_null(v))
            continue;
        seen = true;
        ok = canh_json_time(d, v, ev);
    }
    if (seen && !ok)
        ev->flags |= CANH_EVF_BAD_TIME;
    /* "message" landed in its slot with the rest; "msg" is the other
     * common spelling (and replaces a syslog header's whole-line message). */
    if (!json_is_string(json_object_get(root, "message")))
        canh_json_set(ev, CANH_F_MESSAGE, root, "msg");
    return CANH_OK;
}

/* ---- dispatch --------------------------------------------------------------------------- */
static int dispatch(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    /* A forced sub-decoder gets the first try (its own shape check is the
     * same; forcing only changes the order). */
    int first = d->forced;
    if (first == CANH_DEC_SURICATA && canh_dec_json_suricata(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (first == CANH_DEC_ZEEK && canh_dec_json_zeek(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (first == CANH_DEC_WINDOWS && canh_dec_json_windows(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (first != CANH_DEC_SURICATA && canh_dec_json_suricata(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (first != CANH_DEC_ZEEK && canh_dec_json_zeek(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (first != CANH_DEC_WINDOWS && canh_dec_json_windows(d, root, ev) == CANH_OK)
        return CANH_OK;
    if (json_is_object(json_object_get(root, "transaction")) &&
        canh_dec_json_modsec(d, root, ev) == CANH_OK)
        return CANH_OK;
    /* PostgreSQL jsonlog: string "timestamp" and "error_severity". */
    if (canh_dec_json_postgresql(d, root, ev) == CANH_OK)
        return CANH_OK;
    return dec_generic(d, root, ev);
}

int canh_dec_json(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    if (rec.n < 2 || rec.p[0] != '{')
        return CANH_ENOMATCH;
    /* A cut record cannot parse: say so before paying for the parse. */
    size_t e = rec.n;
    while (e > 1 && (rec.p[e - 1] == ' ' || rec.p[e - 1] == '\t' || rec.p[e - 1] == '\r' ||
                     rec.p[e - 1] == '\n'))
        e--;
    if (rec.p[e - 1] != '}')
        return CANH_ENOMATCH;
    json_error_t err;
    json_t *root = json_loadb(rec.p, rec.n, JSON_ALLOW_NUL, &err);
    if (!root && json_error_code(&err) == json_error_numeric_overflow) {
        /* An integer past int64 (an unsigned counter): read numbers as reals
         * rather than lose the record. */
        root = json_loadb(rec.p, rec.n, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
    }
    if (!root)
        return CANH_ENOMATCH;
    int rc = CANH_ENOMATCH;
    if (json_is_object(root))
        rc = dispatch(d, root, ev);
    json_decref(root);
    return rc;
}
