/* core_config.c - the table-driven YAML configuration engine.
 *
 * One canh_cfg_key_t row per setting drives parsing, validation, defaults
 * and the reference documentation. YAML is read with libfyaml's document
 * API; libfyaml's own diagnostics are collected (never printed) and turned
 * into the same "file:line:col: key: reason" form as every other error.
 *
 * Keys may be written nested (log: {level: info}) or dotted (log.level:
 * info), or any mix; setting one key twice in either form is an error. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "canh/config.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/str.h"
#include "canh/time.h"

#define CFG_PATH_MAX 256   /* longest dotted key path considered */
#define CFG_SHOW_MAX 40    /* bytes of an offending value quoted in a message */
#define CFG_WHY_MAX 320    /* a reason, before file:line:col and key */
#define CFG_SUGGEST_MAX 64 /* keys longer than this get no "did you mean" */
#define CFG_PORT_MAX 65535
#define CFG_HOST_MAX 253

/* The pattern entry that admits a UTC offset in a STR key's enums. */
#define CFG_OFFSET_PATTERN "+hh:mm"

typedef struct pos {
    int line, col; /* 1-based */
} pos_t;

/* State of one load (or of applying defaults, when name is NULL). */
typedef struct cfg_load {
    const canh_cfg_key_t *tab;
    size_t n;
    void *dst;
    const char *name; /* file name for messages; NULL while applying defaults */
    canh_errbuf_t *eb;
    int *seen_line; /* per key: line where this load set it, 0 = not yet */
    char path[CFG_PATH_MAX];
} cfg_load_t;

/* ---- messages -------------------------------------------------------------- */

/* Formats "name:line:col: key: reason" (or "defaults: key: reason") into
 * L->eb and returns err. */
static int __attribute__((format(printf, 5, 6)))
cfg_fail(const cfg_load_t *L, int err, pos_t at, const char *key, const char *fmt, ...)
{
    char why[CFG_WHY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (!L->name)
        return canh_errf(L->eb, err, "defaults: %s: %s", key, why);
    return canh_errf(L->eb, err, "%s:%d:%d: %s: %s", L->name, at.line, at.col, key, why);
}

/* Writes s as a double-quoted, printable excerpt for a message: '"' and '\'
 * escaped, other non-printable bytes as \xNN, cut after CFG_SHOW_MAX bytes
 * with "...". buf must hold CFG_SHOW_MAX * 4 + 8 bytes. */
static const char *show(char *buf, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < n && i < CFG_SHOW_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    if (n > CFG_SHOW_MAX) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}
#define SHOW_BUF (CFG_SHOW_MAX * 4 + 8)

/* "1MiB", "64KiB", "512" */
static void fmt_size(char *buf, size_t cap, uint64_t v)
{
    static const char *const unit[] = {"TiB", "GiB", "MiB", "KiB"};
    for (int i = 0; i < 4; i++) {
        uint64_t m = UINT64_C(1) << (10 * (4 - i));
        if (v != 0 && v % m == 0) {
            snprintf(buf, cap, "%" PRIu64 "%s", v / m, unit[i]);
            return;
        }
    }
    snprintf(buf, cap, "%" PRIu64, v);
}

/* "30d", "12h", "5m", "45s" */
static void fmt_duration(char *buf, size_t cap, int64_t v)
{
    if (v != 0 && v % 86400 == 0)
        snprintf(buf, cap, "%" PRId64 "d", v / 86400);
    else if (v != 0 && v % 3600 == 0)
        snprintf(buf, cap, "%" PRId64 "h", v / 3600);
    else if (v != 0 && v % 60 == 0)
        snprintf(buf, cap, "%" PRId64 "m", v / 60);
    else
        snprintf(buf, cap, "%" PRId64 "s", v);
}

static void fmt_number(char *buf, size_t cap, canh_cfg_type_t type, int64_t v)
{
    if (type == CANH_CFG_SIZE)
        fmt_size(buf, cap, v < 0 ? 0 : (uint64_t)v);
    else if (type == CANH_CFG_DURATION)
        fmt_duration(buf, cap, v);
    else
        snprintf(buf, cap, "%" PRId64, v);
}

static const char *type_name(canh_cfg_type_t t)
{
    switch (t) {
    case CANH_CFG_STR: return "string";
    case CANH_CFG_INT: return "integer";
    case CANH_CFG_BOOL: return "boolean";
    case CANH_CFG_SIZE: return "size";
    case CANH_CFG_DURATION: return "duration";
    case CANH_CFG_ENUM: return "enum";
    case CANH_CFG_STRLIST: return "list of strings";
    case CANH_CFG_ADDR: return "address";
    }
    return "?";
}

static const char *type_article(canh_cfg_type_t t)
{
    return t == CANH_CFG_INT || t == CANH_CFG_ADDR ? "an " : "a ";
}

static const char *node_kind(struct fy_node *n)
{
    if (n && fy_node_is_alias(n))
        return "an alias";
    switch (n ? fy_node_get_type(n) : FYNT_SCALAR) {
    case FYNT_MAPPING: return "a mapping";
    case FYNT_SEQUENCE: return "a list";
    default: return "a scalar";
    }
}

/* ---- positions and node helpers ------------------------------------------ */

/* Where a node starts. libfyaml 0.7 has no start mark for collections, so a
 * collection is located by its first scalar (exact for block style; one
 * column after the bracket for flow style). Falls back to `dflt`. */
static pos_t where(struct fy_node *n, pos_t dflt)
{
    for (int guard = 0; n && guard <= CANH_MAX_CONFIG_DEPTH + 1; guard++) {
        void *it = NULL;
        switch (fy_node_get_type(n)) {
        case FYNT_SCALAR: {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            if (!m)
                return dflt;
            /* The token of a quoted scalar or an alias starts after the
             * quote or '*'; point at that character. */
            enum fy_node_style st = fy_node_get_style(n);
            int quote =
                (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED || st == FYNS_ALIAS) &&
                m->column > 0;
            return (pos_t){m->line + 1, m->column + 1 - quote};
        }
        case FYNT_MAPPING: {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
            break;
        }
        case FYNT_SEQUENCE: n = fy_node_sequence_iterate(n, &it); break;
        default: return dflt;
        }
    }
    return dflt;
}

/* A plain empty, "~" or "null" scalar (or no node at all). */
static bool node_is_null(struct fy_node *n)
{
    size_t len = 0;
    const char *s;
    if (!n)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    s = fy_node_get_scalar(n, &len);
    if (!s || len == 0)
        return true;
    return (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* The text of a non-alias scalar, or NULL. */
static const char *scalar_text(struct fy_node *n, size_t *len)
{
    if (!n || fy_node_get_type(n) != FYNT_SCALAR || fy_node_is_alias(n))
        return NULL;
    const char *s = fy_node_get_scalar(n, len);
    if (!s) {
        *len = 0;
        return "";
    }
    return s;
}

/* ---- scalar parsing -------------------------------------------------------- */

static bool ieq(const char *a, size_t an, const char *b)
{
    return canh_str_ieq_c(canh_str(a, an), b);
}

/* Reads one or more decimal digits at t[*i]. CANH_ELIMIT on overflow past
 * UINT64_MAX (the digits are still consumed), CANH_EINVAL without digits. */
static int read_u64(const char *t, size_t n, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = *i;
    bool over = false;
    for (; *i < n && t[*i] >= '0' && t[*i] <= '9'; (*i)++) {
        unsigned d = (unsigned)(t[*i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (*i == start)
        return CANH_EINVAL;
    if (over)
        return CANH_ELIMIT;
    *out = v;
    return CANH_OK;
}

static int parse_int(const char *t, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t u;
    if (n && (t[0] == '-' || t[0] == '+')) {
        neg = t[0] == '-';
        i = 1;
    }
    int rc = read_u64(t, n, &i, &u);
    if (rc == CANH_OK && i != n)
        return CANH_EINVAL;
    if (rc)
        return rc;
    if (u > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return CANH_ELIMIT;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return CANH_OK;
}

/* "10", "10K", "10KB", "10KiB", "64 M", "1G": binary multiples, any case. */
static int parse_size(const char *t, size_t n, uint64_t *out)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {
        {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40},
    };
    size_t i = 0;
    uint64_t v = 0;
    int rc = read_u64(t, n, &i, &v);
    if (rc == CANH_EINVAL)
        return rc;
    if (i < n && t[i] == ' ' && i + 1 < n)
        i++;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        if (!ieq(t + i, n - i, units[u].suffix))
            continue;
        if (rc)
            return rc;
        if (v > (UINT64_MAX >> units[u].shift))
            return CANH_ELIMIT;
        *out = v << units[u].shift;
        return CANH_OK;
    }
    return CANH_EINVAL;
}

/* "30", "30s", "5m", "12h", "30d" -> seconds. */
static int parse_duration(const char *t, size_t n, int64_t *out)
{
    size_t i = 0;
    uint64_t v = 0, mult = 1;
    int rc = read_u64(t, n, &i, &v);
    if (rc == CANH_EINVAL)
        return rc;
    if (i + 1 == n) {
        switch (t[i]) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default: return CANH_EINVAL;
        }
    } else if (i != n) {
        return CANH_EINVAL;
    }
    if (rc)
        return rc;
    if (v > (uint64_t)INT64_MAX / mult)
        return CANH_ELIMIT;
    *out = (int64_t)(v * mult);
    return CANH_OK;
}

static bool is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* A DNS name (labels of letters, digits and '-', not starting or ending with
 * '-', at most 63 bytes each) or, when it looks numeric, a dotted quad. */
static bool valid_host(canh_str_t h)
{
    size_t label = 0;
    bool numeric = true;
    if (h.n == 0 || h.n > CFG_HOST_MAX)
        return false;
    for (size_t i = 0; i < h.n; i++) {
        char c = h.p[i];
        if (c == '.') {
            if (label == 0 || h.p[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!is_host_char(c) || (label == 0 && c == '-') || ++label > 63)
            return false;
        if (c < '0' || c > '9')
            numeric = false;
    }
    if (label == 0 || h.p[h.n - 1] == '-')
        return false;
    return numeric ? canh_str_is_ipv4(h) : true;
}

/* "host:port" or "[v6]:port", port 1-65535 (0-65535 with allow0: a
 * listener bound to a port the system picks). */
static bool valid_addr(const char *t, size_t n, bool allow0, char *why, size_t cap)
{
    canh_str_t s = canh_str(t, n), host;
    bool bracket = n > 0 && t[0] == '[';
    ptrdiff_t colon = -1;
    char q[SHOW_BUF];
    uint64_t port;

    /* The port follows "]:" for a bracketed host, else the last ':'. */
    if (bracket) {
        ptrdiff_t close = canh_str_chr(s, ']');
        if (close > 0 && (size_t)close + 1 < n && t[close + 1] == ':')
            colon = close + 1;
    } else {
        for (size_t i = 0; i < n; i++)
            if (t[i] == ':')
                colon = (ptrdiff_t)i;
    }
    if (colon < 0) {
        snprintf(why, cap, "expected host:port or [v6]:port, got %s", show(q, t, n));
        return false;
    }
    if (bracket) {
        host = canh_str_sub(s, 1, (size_t)colon - 2);
        if (!canh_str_is_ipv6(host)) {
            snprintf(why, cap, "%s is not an IPv6 address", show(q, host.p, host.n));
            return false;
        }
    } else {
        host = canh_str(t, (size_t)colon);
        if (canh_str_chr(host, ':') >= 0) {
            snprintf(why, cap, "an IPv6 address needs brackets, [addr]:port, got %s",
                     show(q, t, n));
            return false;
        }
        if (!valid_host(host)) {
            snprintf(why, cap, "%s is not a valid host name or IPv4 address",
                     show(q, host.p, host.n));
            return false;
        }
    }
    size_t i = (size_t)colon + 1;
    if (read_u64(t, n, &i, &port) != CANH_OK || i != n || port < (allow0 ? 0u : 1u) ||
        port > CFG_PORT_MAX) {
        canh_str_t p = canh_str_sub(s, (size_t)colon + 1, n);
        snprintf(why, cap, "port must be %s-65535, got %s", allow0 ? "0" : "1", show(q, p.p, p.n));
        return false;
    }
    return true;
}

/* "error, warn, info, debug" */
static void list_enums(char *buf, size_t cap, const char *const *enums)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; enums && enums[i] && o < cap; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", enums[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* Index of text in k->enums (case-insensitive), or -1. For STR keys the
 * CFG_OFFSET_PATTERN entry matches any "+hh:mm"/"-hhmm" UTC offset. */
static int find_enum(const canh_cfg_key_t *k, const char *t, size_t n)
{
    for (int i = 0; k->enums && k->enums[i]; i++) {
        int32_t off;
        if (k->type == CANH_CFG_STR && strcmp(k->enums[i], CFG_OFFSET_PATTERN) == 0) {
            if (n > 0 && (t[0] == '+' || t[0] == '-') &&
                canh_time_parse_tz(canh_str(t, n), &off) == CANH_OK)
                return i;
        } else if (ieq(t, n, k->enums[i])) {
            return i;
        }
    }
    return -1;
}

static void *slot(const cfg_load_t *L, const canh_cfg_key_t *k)
{
    return (char *)L->dst + k->offset;
}

/* Replaces a STR/ADDR value. */
static int store_str(const cfg_load_t *L, const canh_cfg_key_t *k, const char *t, size_t n)
{
    char **p = slot(L, k);
    char *v = canh_strndup(t, n);
    if (!v)
        return CANH_ENOMEM;
    canh_free(*p);
    *p = v;
    return CANH_OK;
}

static void free_strlist(canh_strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        canh_free(l->v[i]);
    canh_free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Bounds check for INT/SIZE/DURATION; max 0 means no upper bound. */
static bool in_range(const canh_cfg_key_t *k, int64_t v, uint64_t u, char *why, size_t cap)
{
    bool low, high;
    char lo[32], hi[32], got[32];
    if (k->type == CANH_CFG_SIZE) {
        low = k->min > 0 && u < (uint64_t)k->min;
        high = k->max > 0 && u > (uint64_t)k->max;
        fmt_size(got, sizeof got, u);
    } else {
        low = v < k->min;
        high = k->max != 0 && v > k->max;
        fmt_number(got, sizeof got, k->type, v);
    }
    if (!low && !high)
        return true;
    fmt_number(lo, sizeof lo, k->type, k->min);
    fmt_number(hi, sizeof hi, k->type, k->max);
    if (k->max != 0)
        snprintf(why, cap, "must be between %s and %s, got %s", lo, hi, got);
    else
        snprintf(why, cap, "must be at least %s, got %s", lo, got);
    return false;
}

/* Parses, validates and stores one scalar value of key k. is_null: the YAML
 * value was null/empty. On failure writes the reason to why and returns
 * CANH_EINVAL/CANH_ELIMIT (or CANH_ENOMEM). */
static int set_scalar(const cfg_load_t *L, const canh_cfg_key_t *k, const char *t, size_t n,
                      bool is_null, char *why, size_t cap)
{
    char q[SHOW_BUF], list[256];
    int64_t v = 0;
    uint64_t u = 0;
    int rc;

    if (is_null) {
        t = "";
        n = 0;
    }
    if ((k->type == CANH_CFG_STR || k->type == CANH_CFG_ADDR) && memchr(t, '\0', n)) {
        snprintf(why, cap, "must not contain a NUL byte");
        return CANH_EINVAL;
    }
    switch (k->type) {
    case CANH_CFG_STR:
        if (k->enums) {
            int idx = find_enum(k, t, n);
            if (idx < 0) {
                list_enums(list, sizeof list, k->enums);
                snprintf(why, cap, "expected one of %s, got %s", list, show(q, t, n));
                return CANH_EINVAL;
            }
            /* a word is stored in the table's spelling ("utc" -> "UTC") */
            if (strcmp(k->enums[idx], CFG_OFFSET_PATTERN) != 0) {
                t = k->enums[idx];
                n = strlen(t);
            }
        }
        if (k->min > 0 && n < (uint64_t)k->min) {
            if (n == 0)
                snprintf(why, cap, "must not be empty");
            else
                snprintf(why, cap, "must be at least %" PRId64 " bytes long", k->min);
            return CANH_EINVAL;
        }
        if (k->max > 0 && n > (uint64_t)k->max) {
            snprintf(why, cap, "must be at most %" PRId64 " bytes long", k->max);
            return CANH_ELIMIT;
        }
        rc = store_str(L, k, t, n);
        break;
    case CANH_CFG_ADDR:
        if (n == 0 && k->min > 0) {
            snprintf(why, cap, "must not be empty");
            return CANH_EINVAL;
        }
        if (n > 0 && !valid_addr(t, n, k->max > 0, why, cap))
            return CANH_EINVAL;
        rc = store_str(L, k, t, n);
        break;
    case CANH_CFG_INT:
    case CANH_CFG_DURATION:
        rc = is_null                   ? CANH_EINVAL
             : k->type == CANH_CFG_INT ? parse_int(t, n, &v)
                                       : parse_duration(t, n, &v);
        if (rc == CANH_ELIMIT) {
            snprintf(why, cap, "%s is too large", show(q, t, n));
            return rc;
        }
        if (rc) {
            snprintf(why, cap, "expected %s, got %s",
                     k->type == CANH_CFG_INT ? "an integer"
                                             : "a duration like 30, 30s, 5m, 12h or 30d",
                     is_null ? "null" : show(q, t, n));
            return rc;
        }
        if (!in_range(k, v, 0, why, cap))
            return CANH_ELIMIT;
        memcpy(slot(L, k), &v, sizeof v);
        break;
    case CANH_CFG_SIZE:
        rc = is_null ? CANH_EINVAL : parse_size(t, n, &u);
        if (rc == CANH_ELIMIT) {
            snprintf(why, cap, "%s is too large", show(q, t, n));
            return rc;
        }
        if (rc) {
            snprintf(why, cap, "expected a size like 512, 64K, 10MiB or 1G, got %s",
                     is_null ? "null" : show(q, t, n));
            return rc;
        }
        if (!in_range(k, 0, u, why, cap))
            return CANH_ELIMIT;
        memcpy(slot(L, k), &u, sizeof u);
        break;
    case CANH_CFG_BOOL: {
        bool b;
        if (!is_null && (ieq(t, n, "true") || ieq(t, n, "yes") || ieq(t, n, "on"))) {
            b = true;
        } else if (!is_null && (ieq(t, n, "false") || ieq(t, n, "no") || ieq(t, n, "off"))) {
            b = false;
        } else {
            snprintf(why, cap, "expected true/false, yes/no or on/off, got %s",
                     is_null ? "null" : show(q, t, n));
            return CANH_EINVAL;
        }
        memcpy(slot(L, k), &b, sizeof b);
        rc = CANH_OK;
        break;
    }
    case CANH_CFG_ENUM: {
        int e = is_null ? -1 : find_enum(k, t, n);
        if (e < 0) {
            list_enums(list, sizeof list, k->enums);
            snprintf(why, cap, "expected one of %s, got %s", list,
                     is_null ? "null" : show(q, t, n));
            return CANH_EINVAL;
        }
        memcpy(slot(L, k), &e, sizeof e);
        rc = CANH_OK;
        break;
    }
    default: snprintf(why, cap, "is not a scalar setting"); return CANH_EINVAL;
    }
    if (rc == CANH_ENOMEM)
        snprintf(why, cap, "out of memory");
    return rc;
}

/* Replaces STRLIST k with the sequence vn (null: the empty list). The old
 * list is kept when anything fails. */
static int apply_list(const cfg_load_t *L, const canh_cfg_key_t *k, struct fy_node *vn, pos_t vpos)
{
    canh_strlist_t nl = {NULL, 0};
    canh_strlist_t *dst = slot(L, k);
    struct fy_node *item;
    void *it = NULL;
    int rc = CANH_OK;

    if (node_is_null(vn))
        goto out;
    if (!fy_node_is_sequence(vn)) {
        rc = cfg_fail(L, CANH_EINVAL, vpos, k->path, "expected a list of strings, got %s",
                      node_kind(vn));
        goto out;
    }
    nl.v = canh_calloc((size_t)fy_node_sequence_item_count(vn) + 1, sizeof *nl.v);
    if (!nl.v) {
        rc = cfg_fail(L, CANH_ENOMEM, vpos, k->path, "out of memory");
        goto out;
    }
    while ((item = fy_node_sequence_iterate(vn, &it))) {
        size_t len = 0;
        const char *s = node_is_null(item) ? NULL : scalar_text(item, &len);
        pos_t ipos = where(item, vpos);
        if (!s) {
            rc = cfg_fail(L, CANH_EINVAL, ipos, k->path, "item %zu: expected a string, got %s",
                          nl.n + 1, node_is_null(item) ? "null" : node_kind(item));
            goto out;
        }
        if (len == 0 || memchr(s, '\0', len)) {
            rc = cfg_fail(L, CANH_EINVAL, ipos, k->path, "item %zu: %s", nl.n + 1,
                          len ? "must not contain a NUL byte" : "must not be empty");
            goto out;
        }
        if (!(nl.v[nl.n] = canh_strndup(s, len))) {
            rc = cfg_fail(L, CANH_ENOMEM, ipos, k->path, "out of memory");
            goto out;
        }
        nl.n++;
    }
out:
    if (rc == CANH_OK) {
        free_strlist(dst);
        *dst = nl;
    } else {
        free_strlist(&nl);
    }
    return rc;
}

/* Applies a YAML value node to key k; kpos locates the key for values that
 * carry no position of their own (an empty value). */
static int apply_value(const cfg_load_t *L, const canh_cfg_key_t *k, struct fy_node *vn, pos_t kpos)
{
    char why[CFG_WHY_MAX], list[256];
    pos_t vpos = where(vn, kpos);
    bool is_null = node_is_null(vn);
    const char *s = NULL;
    size_t len = 0;
    int rc;

    if (vn && fy_node_is_alias(vn))
        return cfg_fail(L, CANH_ENOTSUP, vpos, k->path, "aliases (*name) are not supported");
    if (k->type == CANH_CFG_STRLIST)
        return apply_list(L, k, vn, vpos);
    if (!is_null && !(s = scalar_text(vn, &len))) {
        list_enums(list, sizeof list, k->enums);
        return cfg_fail(L, CANH_EINVAL, vpos, k->path, "expected %s%s, got %s",
                        k->type == CANH_CFG_ENUM ? "one of " : type_article(k->type),
                        k->type == CANH_CFG_ENUM ? list : type_name(k->type), node_kind(vn));
    }
    rc = set_scalar(L, k, s, len, is_null, why, sizeof why);
    if (rc)
        return cfg_fail(L, rc, vpos, k->path, "%s", why);
    return CANH_OK;
}

/* ---- key lookup and suggestions ------------------------------------------ */

static ptrdiff_t find_key(const cfg_load_t *L, const char *path, size_t n)
{
    for (size_t i = 0; i < L->n; i++)
        if (strlen(L->tab[i].path) == n && memcmp(L->tab[i].path, path, n) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* True if some key lies below path ("log" for "log.level"). */
static bool is_prefix(const cfg_load_t *L, const char *path, size_t n)
{
    for (size_t i = 0; i < L->n; i++)
        if (strncmp(L->tab[i].path, path, n) == 0 && L->tab[i].path[n] == '.')
            return true;
    return false;
}

/* Optimal string alignment distance (Levenshtein plus adjacent swaps);
 * both lengths at most CFG_SUGGEST_MAX. */
static size_t osa_distance(const char *a, size_t an, const char *b, size_t bn)
{
    size_t rows[3][CFG_SUGGEST_MAX + 1];
    size_t *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= bn; j++)
        p[j] = j;
    for (size_t i = 1; i <= an; i++) {
        c[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = p[j] + 1;
            if (c[j - 1] + 1 < d)
                d = c[j - 1] + 1;
            if (p[j - 1] + cost < d)
                d = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            c[j] = d;
        }
        size_t *tmp = pp;
        pp = p;
        p = c;
        c = tmp;
    }
    return p[bn];
}

/* The known key or key prefix closest to path, if within distance 2. Writes
 * it (NUL-terminated) into out; returns false if none. */
static bool suggest(const cfg_load_t *L, const char *path, size_t n, char *out, size_t cap)
{
    size_t best = 3;
    if (n > CFG_SUGGEST_MAX)
        return false;
    for (size_t i = 0; i < L->n; i++) {
        const char *kp = L->tab[i].path;
        size_t kn = strlen(kp);
        for (size_t e = 1; e <= kn; e++) {
            if (e < kn && kp[e] != '.')
                continue;
            if (e > CFG_SUGGEST_MAX || (e > n ? e - n : n - e) >= best)
                continue;
            size_t d = osa_distance(path, n, kp, e);
            if (d < best && e < cap) {
                best = d;
                memcpy(out, kp, e);
                out[e] = '\0';
            }
        }
    }
    return best <= 2;
}

/* ---- the walk ------------------------------------------------------------- */

/* Rejects collections nested deeper than CANH_MAX_CONFIG_DEPTH anywhere in
 * the document (the walk below descends only into known key prefixes). */
static int check_depth(const cfg_load_t *L, struct fy_node *n, int depth)
{
    void *it = NULL;
    int rc = CANH_OK;
    if (!n || fy_node_get_type(n) == FYNT_SCALAR)
        return CANH_OK;
    if (depth > CANH_MAX_CONFIG_DEPTH)
        return cfg_fail(L, CANH_ELIMIT, where(n, (pos_t){1, 1}), "yaml",
                        "nested deeper than %d levels", CANH_MAX_CONFIG_DEPTH);
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *p;
        while (!rc && (p = fy_node_mapping_iterate(n, &it))) {
            rc = check_depth(L, fy_node_pair_key(p), depth + 1);
            if (!rc)
                rc = check_depth(L, fy_node_pair_value(p), depth + 1);
        }
    } else {
        struct fy_node *c;
        while (!rc && (c = fy_node_sequence_iterate(n, &it)))
            rc = check_depth(L, c, depth + 1);
    }
    return rc;
}

/* Applies every pair of map, whose keys continue L->path[0..plen). */
static int apply_mapping(cfg_load_t *L, struct fy_node *map, size_t plen, pos_t mpos)
{
    const char *parent = plen ? L->path : "(top level)";
    void *it = NULL;
    struct fy_node_pair *p;
    char q[SHOW_BUF], hint[CFG_SUGGEST_MAX + 1];
    int rc = CANH_OK;

    while ((p = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
        pos_t kpos = where(kn, mpos);
        size_t klen = 0;
        const char *key = node_is_null(kn) ? NULL : scalar_text(kn, &klen);

        L->path[plen] = '\0';
        if (!key || klen == 0 || memchr(key, '\0', klen))
            return cfg_fail(L, CANH_EINVAL, kpos, parent, "keys must be non-empty strings, got %s",
                            key ? show(q, key, klen) : node_kind(kn));
        /* The same key earlier in this mapping? Earlier keys were all valid
         * and distinct, so this scan is bounded by the table's size. */
        void *it2 = NULL;
        struct fy_node_pair *prev;
        while ((prev = fy_node_mapping_iterate(map, &it2)) && prev != p) {
            size_t plen2 = 0;
            const char *pk = scalar_text(fy_node_pair_key(prev), &plen2);
            if (pk && plen2 == klen && memcmp(pk, key, klen) == 0) {
                /* snprintf cuts an over-long key to the path buffer */
                snprintf(L->path + plen, sizeof L->path - plen, "%s%.*s", plen ? "." : "",
                         (int)(klen < CFG_PATH_MAX ? klen : CFG_PATH_MAX), key);
                return cfg_fail(L, CANH_EEXIST, kpos, L->path, "duplicate key (first at line %d)",
                                where(fy_node_pair_key(prev), mpos).line);
            }
        }

        size_t full = plen + (plen ? 1 : 0) + klen;
        if (full >= sizeof L->path) {
            L->path[plen] = '\0';
            return cfg_fail(L, CANH_ENOENT, kpos, parent, "unknown key %s", show(q, key, klen));
        }
        if (plen)
            L->path[plen] = '.';
        memcpy(L->path + full - klen, key, klen);
        L->path[full] = '\0';

        ptrdiff_t idx = find_key(L, L->path, full);
        if (idx >= 0) {
            if (L->seen_line[idx])
                return cfg_fail(L, CANH_EEXIST, kpos, L->path, "duplicate key (first at line %d)",
                                L->seen_line[idx]);
            rc = apply_value(L, &L->tab[idx], vn, kpos);
            if (rc)
                return rc;
            L->seen_line[idx] = kpos.line > 0 ? kpos.line : 1;
        } else if (is_prefix(L, L->path, full)) {
            if (node_is_null(vn))
                continue; /* "server:" with every child commented out */
            if (!fy_node_is_mapping(vn))
                return cfg_fail(L, CANH_EINVAL, where(vn, kpos), L->path,
                                "expected a mapping of %s.* keys, got %s", L->path, node_kind(vn));
            rc = apply_mapping(L, vn, full, kpos);
            if (rc)
                return rc;
        } else if (suggest(L, L->path, full, hint, sizeof hint)) {
            return cfg_fail(L, CANH_ENOENT, kpos, L->path, "unknown key (did you mean \"%s\"?)",
                            hint);
        } else {
            return cfg_fail(L, CANH_ENOENT, kpos, L->path, "unknown key");
        }
    }
    return CANH_OK;
}

/* True if text holds no YAML content: blank lines, comments, "---", "...". */
static bool yaml_is_blank(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'))
            i++;
        if (i < n && t[i] == '#') {
            while (i < n && t[i] != '\n')
                i++;
        } else if (i + 3 <= n && (!memcmp(t + i, "---", 3) || !memcmp(t + i, "...", 3)) &&
                   (i + 3 == n || t[i + 3] == '\n' || t[i + 3] == '\r' || t[i + 3] == ' ')) {
            i += 3;
            continue;
        } else if (i < n && t[i] != '\n') {
            return false;
        }
        if (i < n)
            i++; /* the newline */
    }
    return true;
}


/* 1-based line and byte column of offset off in text. */
static pos_t pos_of(const char *t, size_t off)
{
    pos_t p = {1, 1};
    for (size_t i = 0; i < off; i++) {
        if (t[i] == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
    }
    return p;
}

/* libfyaml reports through here only what it does not collect; it is
 * discarded so that library code never writes to stderr. */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Builds a document from text with a silent diag that collects errors.
 * *diagp is set on success (and must be destroyed); *docp may be NULL when
 * the text does not parse. */
static int yaml_build(const char *text, size_t len, struct fy_diag **diagp,
                      struct fy_document **docp)
{
    struct fy_diag_cfg dc;
    struct fy_diag *diag;

    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.colorize = false;
    diag = fy_diag_create(&dc);
    if (!diag)
        return CANH_ENOMEM;
    fy_diag_set_collect_errors(diag, true);
    /* Duplicate keys are let through so that the walk can report them
     * with the key's full path. */
    struct fy_parse_cfg pc = {
        .flags = FYPCF_QUIET | FYPCF_ALLOW_DUPLICATE_KEYS | FYPCF_JSON_NONE,
        .diag = diag,
    };
    *docp = fy_document_build_from_string(&pc, text, len);
    *diagp = diag;
    return CANH_OK;
}

/* Parses text and applies it; L is set up by the caller. */
static int load_doc(cfg_load_t *L, const char *text, size_t len)
{
    struct fy_diag *diag = NULL;
    struct fy_document *doc = NULL;
    struct fy_diag_error *err;
    void *it = NULL;
    int rc;

    /* YAML must be Unicode, and libfyaml 0.7 can loop forever on some
     * invalid bytes (e.g. inside a "%" directive): they never reach it. */
    size_t bad = canh_utf8_invalid_at(text, len);
    if (bad < len) {
        rc = cfg_fail(L, CANH_EINVAL, pos_of(text, bad), "yaml", "invalid UTF-8 (byte 0x%02x)",
                      (unsigned char)text[bad]);
        goto out;
    }
    rc = yaml_build(text, len, &diag, &doc);
    if (rc) {
        rc = cfg_fail(L, rc, (pos_t){1, 1}, "yaml", "out of memory");
        goto out;
    }
    while ((err = fy_diag_errors_iterate(diag, &it))) {
        if (err->type < FYET_ERROR)
            continue;
        rc = cfg_fail(L, CANH_EINVAL,
                      (pos_t){err->line > 0 ? err->line : 1, err->column > 0 ? err->column : 1},
                      "yaml", "%s", err->msg ? err->msg : "syntax error");
        goto out;
    }
    if (!doc) {
        if (!yaml_is_blank(text, len))
            rc = cfg_fail(L, CANH_EINVAL, (pos_t){1, 1}, "yaml", "cannot parse the document");
        goto out;
    }
    struct fy_node *root = fy_document_root(doc);
    if (node_is_null(root))
        goto out;
    rc = check_depth(L, root, 1);
    if (rc)
        goto out;
    if (!fy_node_is_mapping(root)) {
        rc = cfg_fail(L, CANH_EINVAL, where(root, (pos_t){1, 1}), "(top level)",
                      "expected a mapping of settings, got %s", node_kind(root));
        goto out;
    }
    rc = apply_mapping(L, root, 0, (pos_t){1, 1});
out:
    if (doc)
        fy_document_destroy(doc);
    if (diag)
        fy_diag_destroy(diag);
    return rc;
}

/* A STRLIST default is a YAML flow sequence, "[a, b]". */
static int default_list(const cfg_load_t *L, const canh_cfg_key_t *k)
{
    struct fy_diag *diag = NULL;
    struct fy_document *doc = NULL;
    int rc = yaml_build(k->def, strlen(k->def), &diag, &doc);
    if (rc) {
        rc = canh_errf(L->eb, rc, "defaults: %s: out of memory", k->path);
        goto out;
    }
    if (!doc || fy_diag_got_error(diag)) {
        rc = canh_errf(L->eb, CANH_EINVAL, "defaults: %s: not a YAML list: %s", k->path, k->def);
        goto out;
    }
    rc = apply_value(L, k, fy_document_root(doc), (pos_t){1, 1});
out:
    if (doc)
        fy_document_destroy(doc);
    if (diag)
        fy_diag_destroy(diag);
    return rc;
}

/* ---- public API ------------------------------------------------------------ */

int canh_config_defaults(const canh_cfg_key_t *tab, size_t n, void *dst, canh_errbuf_t *eb)
{
    cfg_load_t L = {.tab = tab, .n = n, .dst = dst, .name = NULL, .eb = eb};
    char why[CFG_WHY_MAX];
    int rc = CANH_OK;

    for (size_t i = 0; i < n && !rc; i++) {
        const canh_cfg_key_t *k = &tab[i];
        if (k->type == CANH_CFG_STRLIST) {
            free_strlist(slot(&L, k));
            if (k->def)
                rc = default_list(&L, k);
            continue;
        }
        if (!k->def) {
            switch (k->type) {
            case CANH_CFG_STR:
            case CANH_CFG_ADDR: rc = store_str(&L, k, "", 0); break;
            case CANH_CFG_INT:
            case CANH_CFG_DURATION: memset(slot(&L, k), 0, sizeof(int64_t)); break;
            case CANH_CFG_SIZE: memset(slot(&L, k), 0, sizeof(uint64_t)); break;
            case CANH_CFG_BOOL: memset(slot(&L, k), 0, sizeof(bool)); break;
            case CANH_CFG_ENUM: memset(slot(&L, k), 0, sizeof(int)); break;
            default: break;
            }
            if (rc)
                rc = canh_errf(eb, rc, "defaults: %s: out of memory", k->path);
            continue;
        }
        rc = set_scalar(&L, k, k->def, strlen(k->def), false, why, sizeof why);
        if (rc)
            rc = canh_errf(eb, rc, "defaults: %s: %s", k->path, why);
    }
    return rc;
}

int canh_config_load_mem(const canh_cfg_key_t *tab, size_t n, void *dst, const char *name,
                         const char *text, size_t len, canh_errbuf_t *eb)
{
    cfg_load_t L = {.tab = tab, .n = n, .dst = dst, .name = name ? name : "(config)", .eb = eb};
    int rc;

    if (!text && len)
        return canh_errf(eb, CANH_EINVAL, "%s: no text", L.name);
    if (len > CANH_MAX_CONFIG_FILE) {
        rc = canh_errf(eb, CANH_ELIMIT, "%s: file too large (%zu bytes, limit %u)", L.name, len,
                       CANH_MAX_CONFIG_FILE);
        goto out;
    }
    L.seen_line = canh_calloc(n ? n : 1, sizeof *L.seen_line);
    if (!L.seen_line) {
        rc = canh_errf(eb, CANH_ENOMEM, "%s: out of memory", L.name);
        goto out;
    }
    rc = load_doc(&L, text ? text : "", len);
out:
    canh_free(L.seen_line);
    return rc;
}

int canh_config_load_file(const canh_cfg_key_t *tab, size_t n, void *dst, const char *path,
                          canh_errbuf_t *eb)
{
    canh_buf_t b;
    char chunk[8192], ebuf[128];
    int fd = -1, rc = CANH_OK;

    canh_buf_init(&b, CANH_MAX_CONFIG_FILE);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: cannot open: %s", path,
                       strerror_r(errno, ebuf, sizeof ebuf));
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = canh_errf(eb, CANH_EIO, "%s: cannot read: %s", path,
                           strerror_r(errno, ebuf, sizeof ebuf));
            goto out;
        }
        if (r == 0)
            break;
        rc = canh_buf_append(&b, chunk, (size_t)r);
        if (rc == CANH_ELIMIT) {
            rc = canh_errf(eb, rc, "%s: file too large (limit %u bytes)", path,
                           CANH_MAX_CONFIG_FILE);
            goto out;
        }
        if (rc) {
            rc = canh_errf(eb, rc, "%s: out of memory", path);
            goto out;
        }
    }
    rc = canh_config_load_mem(tab, n, dst, path, b.data ? b.data : "", b.len, eb);
out:
    if (fd >= 0)
        close(fd);
    canh_buf_fini(&b);
    return rc;
}

void canh_config_free(const canh_cfg_key_t *tab, size_t n, void *dst)
{
    for (size_t i = 0; i < n; i++) {
        void *p = (char *)dst + tab[i].offset;
        if (tab[i].type == CANH_CFG_STR || tab[i].type == CANH_CFG_ADDR) {
            char **s = p;
            canh_free(*s);
            *s = NULL;
        } else if (tab[i].type == CANH_CFG_STRLIST) {
            free_strlist(p);
        }
    }
}

/* Appends s to a Markdown table cell, escaping '|'. */
static int md_cell(canh_buf_t *out, const char *s)
{
    int rc = CANH_OK;
    for (; *s && !rc; s++)
        rc = *s == '|' ? canh_buf_puts(out, "\\|") : canh_buf_putc(out, *s);
    return rc;
}

/* The range/values column of key k. */
static void doc_range(const canh_cfg_key_t *k, char *buf, size_t cap)
{
    char lo[32], hi[32];
    size_t o = 0;
    buf[0] = '\0';
    switch (k->type) {
    case CANH_CFG_INT:
    case CANH_CFG_SIZE:
    case CANH_CFG_DURATION:
        fmt_number(lo, sizeof lo, k->type, k->min);
        fmt_number(hi, sizeof hi, k->type, k->max);
        if (k->max != 0)
            snprintf(buf, cap, "%s to %s", lo, hi);
        else
            snprintf(buf, cap, "at least %s", lo);
        break;
    case CANH_CFG_ENUM:
    case CANH_CFG_STR:
        for (size_t i = 0; k->enums && k->enums[i] && o < cap; i++) {
            int w = snprintf(buf + o, cap - o, "%s`%s`", i ? ", " : "", k->enums[i]);
            o += w > 0 ? (size_t)w : 0;
        }
        if (!k->enums && k->type == CANH_CFG_STR)
            snprintf(buf, cap, "%s", k->min > 0 ? "non-empty" : "any");
        break;
    case CANH_CFG_BOOL: snprintf(buf, cap, "`true`, `false`"); break;
    case CANH_CFG_ADDR:
        snprintf(buf, cap, "`host:port`, `[v6]:port`%s%s",
                 k->max > 0 ? " (port 0: any free port)" : "", k->min > 0 ? "" : ", or empty");
        break;
    case CANH_CFG_STRLIST: snprintf(buf, cap, "any"); break;
    }
}

int canh_config_doc(const canh_cfg_key_t *tab, size_t n, canh_buf_t *out)
{
    char range[512];
    int rc = canh_buf_puts(out, "| key | type | default | range/values | description |\n"
                                "| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n && !rc; i++) {
        const canh_cfg_key_t *k = &tab[i];
        doc_range(k, range, sizeof range);
        rc = canh_buf_printf(out, "| `%s` | %s | ", k->path, type_name(k->type));
        if (!rc && k->def && *k->def) {
            rc = canh_buf_putc(out, '`');
            if (!rc)
                rc = md_cell(out, k->def);
            if (!rc)
                rc = canh_buf_putc(out, '`');
        } else if (!rc) {
            rc = canh_buf_puts(out, "(empty)");
        }
        if (!rc)
            rc = canh_buf_puts(out, " | ");
        if (!rc)
            rc = md_cell(out, range);
        if (!rc)
            rc = canh_buf_puts(out, " | ");
        if (!rc)
            rc = md_cell(out, k->doc ? k->doc : "");
        if (!rc)
            rc = canh_buf_puts(out, " |\n");
    }
    return rc;
}
