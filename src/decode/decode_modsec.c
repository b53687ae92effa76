/* decode_modsec.c - ModSecurity: the message with its [key "value"] fields
 * (shared with the Apache and nginx error log decoders), the serial audit
 * log's section A header line, and the JSON audit log (v2 and v3).
 *
 * The serial audit log is multi-part (--abcd1234-A-- ... --abcd1234-Z--);
 * records arrive one line at a time, so only the lines that stand on their
 * own are decoded here: the section A header and section H "Message:"
 * lines. Reassembling a whole transaction is left to the ingest side. */
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_modsec.h"

const canh_decode_mod_t canh_mod_MODSEC = {NULL, NULL};

#define MODSEC_MAX_TAGS 32
#define MODSEC_MAX_IDS 64
#define MODSEC_KEY_MAX 24
/* The disposition ("(phase 2)", "code 403") sits near the message start. */
#define MODSEC_DISPOSITION_SCAN 160

static const canh_str_t k_tags = CANH_STR_LIT("modsecurity.tags");
static const canh_str_t k_rule_ids = CANH_STR_LIT("modsecurity.rule_ids");
static const canh_str_t k_phase = CANH_STR_LIT("modsecurity.phase");
static const canh_str_t k_data = CANH_STR_LIT("modsecurity.data");
static const canh_str_t k_match = CANH_STR_LIT("modsecurity.match");
static const canh_str_t k_file = CANH_STR_LIT("modsecurity.rule.file");
static const canh_str_t k_line = CANH_STR_LIT("modsecurity.rule.line");
static const canh_str_t k_ref = CANH_STR_LIT("modsecurity.ref");
static const canh_str_t k_maturity = CANH_STR_LIT("modsecurity.maturity");
static const canh_str_t k_accuracy = CANH_STR_LIT("modsecurity.accuracy");
static const canh_str_t k_producer = CANH_STR_LIT("modsecurity.producer");
static const canh_str_t k_connector = CANH_STR_LIT("modsecurity.connector");
static const canh_str_t k_engine = CANH_STR_LIT("modsecurity.engine_mode");
static const canh_str_t k_server_id = CANH_STR_LIT("modsecurity.server_id");
static const canh_str_t k_server = CANH_STR_LIT("modsecurity.server");
static const canh_str_t k_msg_count = CANH_STR_LIT("modsecurity.message_count");
static const canh_str_t k_rule_version = CANH_STR_LIT("rule.version");
static const canh_str_t k_ruleset = CANH_STR_LIT("rule.ruleset");
static const canh_str_t k_txid = CANH_STR_LIT("transaction.id");

/* ModSecurity severities (v2 names, v3 digits) as ECS event.severity and
 * log.level. */
static const struct {
    const char *name;
    const char *num;
    const char *level;
} sevs[8] = {
    {"EMERGENCY", "0", "emergency"}, {"ALERT", "1", "alert"},     {"CRITICAL", "2", "critical"},
    {"ERROR", "3", "error"},         {"WARNING", "4", "warning"}, {"NOTICE", "5", "notice"},
    {"INFO", "6", "info"},           {"DEBUG", "7", "debug"},
};

static void set_severity(canh_event_t *ev, canh_str_t v)
{
    int idx = -1;
    if (v.n == 1 && v.p[0] >= '0' && v.p[0] <= '7') {
        idx = v.p[0] - '0';
    } else {
        for (int i = 0; i < 8; i++)
            if (canh_str_ieq_c(v, sevs[i].name))
                idx = i;
    }
    if (idx < 0)
        return;
    canh_event_set_c(ev, CANH_F_EVENT_SEVERITY, sevs[idx].num);
    if (!canh_event_has(ev, CANH_F_LOG_LEVEL))
        canh_event_set_c(ev, CANH_F_LOG_LEVEL, sevs[idx].level);
}

static void set_host(canh_event_t *ev, canh_str_t h)
{
    if (!h.n)
        return;
    if (canh_str_is_ip(h))
        canh_event_set(ev, CANH_F_DESTINATION_IP, h);
    else
        canh_event_set(ev, CANH_F_DESTINATION_DOMAIN, h);
}


/* ---- a JSON array of strings, built in the event arena -------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

/* ["a","b"] with JSON escapes; invalid UTF-8 becomes U+FFFD. */
static canh_str_t str_array(canh_event_t *ev, const canh_str_t *items, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = 2;
    for (size_t i = 0; i < n; i++)
        need += 3 + 6 * items[i].n;
    char *out = canh_arena_alloc(&ev->arena, need);
    if (!out) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return CANH_STR_NULL;
    }
    size_t o = 0;
    out[o++] = '[';
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)items[i].p;
        size_t sn = items[i].n;
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (size_t j = 0; j < sn;) {
            unsigned char c = s[j];
            if (c == '"' || c == '\\') {
                out[o++] = '\\';
                out[o++] = (char)c;
                j++;
            } else if (c < 0x20 || c == 0x7f) {
                memcpy(out + o, "\\u00", 4);
                out[o + 4] = hex[c >> 4];
                out[o + 5] = hex[c & 15];
                o += 6;
                j++;
            } else {
                size_t l = utf8_seq(s + j, sn - j);
                if (l == 0) {
                    memcpy(out + o, "\\ufffd", 6);
                    o += 6;
                    j++;
                } else {
                    memcpy(out + o, s + j, l);
                    o += l;
                    j += l;
                }
            }
        }
        out[o++] = '"';
    }
    out[o++] = ']';
    return canh_str(out, o);
}

/* ---- the message and its bracket fields ------------------------------------------ */

static const char *const known_keys[] = {
    "file",     "line", "id",       "rev", "msg",       "data", "severity", "ver",   "maturity",
    "accuracy", "tag",  "hostname", "uri", "unique_id", "ref",  "client",   "level", "tx",
};

/* Is p[i..] "[key \"" for a known key? */
static bool field_start(const char *p, size_t n, size_t i)
{
    if (i >= n || p[i] != '[')
        return false;
    for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++) {
        size_t kl = strlen(known_keys[k]);
        if (i + 1 + kl + 2 <= n && memcmp(p + i + 1, known_keys[k], kl) == 0 &&
            p[i + 1 + kl] == ' ' && p[i + 2 + kl] == '"')
            return true;
    }
    return false;
}

/* Offset of the first bracket field (preceded by a space or at 0), or n. */
static size_t find_fields(canh_str_t m)
{
    size_t i = 0;
    while (i < m.n) {
        const char *b = memchr(m.p + i, '[', m.n - i);
        if (!b)
            break;
        size_t k = (size_t)(b - m.p);
        if ((k == 0 || m.p[k - 1] == ' ') && field_start(m.p, m.n, k))
            return k;
        i = k + 1;
    }
    return m.n;
}

/* Reads `[key "value"]` at *pos. The value ends at the first unescaped
 * quote followed by ']' (values may hold raw quotes in v3). */
static bool read_field(canh_str_t m, size_t *pos, canh_str_t *key, canh_str_t *val)
{
    size_t i = *pos;
    if (i >= m.n || m.p[i] != '[')
        return false;
    size_t ks = i + 1, ke = ks;
    while (ke < m.n && ke - ks <= MODSEC_KEY_MAX &&
           ((m.p[ke] >= 'a' && m.p[ke] <= 'z') || m.p[ke] == '_'))
        ke++;
    if (ke == ks || ke - ks > MODSEC_KEY_MAX || ke + 1 >= m.n || m.p[ke] != ' ' ||
        m.p[ke + 1] != '"')
        return false;
    size_t vs = ke + 2, j = vs;
    while (j < m.n) {
        const char *q = memchr(m.p + j, '"', m.n - j);
        if (!q)
            return false;
        size_t k = (size_t)(q - m.p), bs = 0;
        while (k - bs > vs && m.p[k - bs - 1] == '\\')
            bs++;
        if (bs % 2 == 0 && k + 1 < m.n && m.p[k + 1] == ']') {
            *key = canh_str(m.p + ks, ke - ks);
            *val = canh_str(m.p + vs, k - vs);
            *pos = k + 2;
            return true;
        }
        j = k + 1;
    }
    return false;
}

/* The three digits after lit in head ("with code 403"), or absent. */
static canh_str_t code_after(canh_str_t head, const char *lit)
{
    ptrdiff_t c = canh_str_find_c(head, lit);
    if (c < 0)
        return CANH_STR_NULL;
    size_t s = (size_t)c + strlen(lit);
    if (s + 3 > head.n)
        return CANH_STR_NULL;
    for (size_t i = s; i < s + 3; i++)
        if (head.p[i] < '0' || head.p[i] > '9')
            return CANH_STR_NULL;
    if (s + 3 < head.n && head.p[s + 3] >= '0' && head.p[s + 3] <= '9')
        return CANH_STR_NULL;
    return canh_str(head.p + s, 3);
}

/* Disposition from the text before the fields. */
static void set_disposition(canh_event_t *ev, canh_str_t desc)
{
    canh_str_t head =
        canh_str(desc.p, desc.n < MODSEC_DISPOSITION_SCAN ? desc.n : MODSEC_DISPOSITION_SCAN);
    if (canh_str_starts(desc, "Access denied")) {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "access-denied");
        canh_str_t code = code_after(head, "with code ");
        if (!code.p)
            code = code_after(head, "using status ");
        if (code.p)
            canh_event_set(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE, code);
    } else if (canh_str_starts(desc, "Access allowed")) {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "allowed");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "access-allowed");
    } else if (canh_str_starts(desc, "Warning")) {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "warning");
    } else {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "modsecurity-message");
    }
    ptrdiff_t ph = canh_str_find_c(head, "(phase ");
    if (ph >= 0) {
        size_t s = (size_t)ph + 7;
        if (s + 1 < head.n && head.p[s] >= '1' && head.p[s] <= '5' && head.p[s + 1] == ')')
            canh_event_add(ev, k_phase, canh_str(head.p + s, 1), CANH_FT_LONG);
    }
}

static void set_field(canh_event_t *ev, canh_str_t key, canh_str_t val, canh_str_t *tags,
                      size_t *ntags)
{
    canh_str_t v = canh_web_unescape(ev, val);
    if (canh_str_eq_c(key, "id")) {
        if (v.n)
            canh_event_set(ev, CANH_F_RULE_ID, v);
    } else if (canh_str_eq_c(key, "msg")) {
        if (v.n)
            canh_event_set(ev, CANH_F_RULE_NAME, v);
    } else if (canh_str_eq_c(key, "severity")) {
        set_severity(ev, v);
    } else if (canh_str_eq_c(key, "tag")) {
        if (*ntags < MODSEC_MAX_TAGS)
            tags[(*ntags)++] = v;
    } else if (canh_str_eq_c(key, "hostname")) {
        set_host(ev, v);
    } else if (canh_str_eq_c(key, "uri")) {
        if (v.n && memchr(v.p, '?', v.n))
            canh_web_set_target(ev, v);
        else if (v.n)
            canh_event_set(ev, CANH_F_URL_PATH, v);
    } else if (canh_str_eq_c(key, "unique_id")) {
        if (v.n)
            canh_event_add(ev, k_txid, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "file")) {
        canh_event_add(ev, k_file, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "line")) {
        canh_event_add(ev, k_line, v, canh_str_is_uint(v) ? CANH_FT_LONG : CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "data")) {
        if (v.n)
            canh_event_add(ev, k_data, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "rev")) {
        if (v.n)
            canh_event_add(ev, k_rule_version, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "ver")) {
        if (v.n)
            canh_event_add(ev, k_ruleset, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "ref")) {
        if (v.n)
            canh_event_add(ev, k_ref, v, CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "maturity")) {
        canh_event_add(ev, k_maturity, v, canh_str_is_uint(v) ? CANH_FT_LONG : CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "accuracy")) {
        canh_event_add(ev, k_accuracy, v, canh_str_is_uint(v) ? CANH_FT_LONG : CANH_FT_KEYWORD);
    } else if (canh_str_eq_c(key, "client")) {
        if (!canh_event_has(ev, CANH_F_SOURCE_IP))
            canh_web_set_client_port(ev, v, false);
    } else {
        char name[64];
        int nn = snprintf(name, sizeof name, "modsecurity.%.*s", (int)key.n, key.p);
        if (nn > 0 && (size_t)nn < sizeof name)
            canh_event_add_copy(ev, canh_str(name, (size_t)nn), v, CANH_FT_KEYWORD);
    }
}

bool canh_modsec_msg(canh_event_t *ev, canh_str_t msg, canh_str_t *tail)
{
    bool prefix = canh_str_starts(msg, "ModSecurity: ");
    if (prefix)
        msg = canh_str_sub(msg, 13, msg.n);
    size_t fs = find_fields(msg);
    if (!prefix && fs == msg.n)
        return false;

    canh_str_t desc = canh_str_trim(canh_str(msg.p, fs));
    if (desc.n)
        canh_event_set(ev, CANH_F_MESSAGE, desc);
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "alert");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "intrusion_detection");
    canh_event_set_c(ev, CANH_F_EVENT_PROVIDER, "modsecurity");
    set_disposition(ev, desc);

    canh_str_t tags[MODSEC_MAX_TAGS];
    size_t ntags = 0, pos = fs;
    canh_str_t key, val;
    while (read_field(msg, &pos, &key, &val)) {
        set_field(ev, key, val, tags, &ntags);
        while (pos < msg.n && msg.p[pos] == ' ')
            pos++;
    }
    if (ntags) {
        canh_str_t arr = str_array(ev, tags, ntags);
        if (arr.p)
            canh_event_add(ev, k_tags, arr, CANH_FT_RAW);
        for (size_t i = 0; i < ntags; i++) {
            if (canh_str_starts(tags[i], "attack-")) {
                canh_event_set(ev, CANH_F_RULE_CATEGORY, tags[i]);
                break;
            }
        }
    }
    if (tail)
        *tail = canh_str(msg.p + pos, msg.n - pos);
    return true;
}

/* ---- section A of the serial audit log ------------------------------------------- */

/* "[15/Jan/2024:10:00:00 +0000] XYZunique 1.2.3.4 51234 10.0.0.1 443" */
static int section_a(canh_str_t rec, canh_event_t *ev)
{
    canh_time_t t;
    size_t used;
    if (rec.n < 2 || canh_time_parse_clf(canh_str_sub(rec, 1, rec.n), &t, &used) != CANH_OK)
        return CANH_ENOMATCH;
    canh_rd_t r = canh_rd(rec);
    canh_rd_skip(&r, 1 + used);
    if (!canh_rd_lit(&r, "] "))
        return CANH_ENOMATCH;
    canh_str_t w[5];
    for (int i = 0; i < 5; i++) {
        w[i] = canh_rd_word(&r);
        if (!w[i].n || (i < 4 && !canh_rd_char(&r, ' ')))
            return CANH_ENOMATCH;
    }
    uint64_t sp, dp;
    if (!canh_rd_eof(&r) || !canh_str_is_ip(w[1]) || !canh_str_is_ip(w[3]) ||
        canh_str_to_u64(w[2], 65535, &sp) != CANH_OK ||
        canh_str_to_u64(w[4], 65535, &dp) != CANH_OK)
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_MODSEC;
    canh_event_set_ts(ev, t);
    canh_event_add(ev, k_txid, w[0], CANH_FT_KEYWORD);
    canh_event_set(ev, CANH_F_SOURCE_IP, w[1]);
    canh_event_set(ev, CANH_F_SOURCE_PORT, w[2]);
    canh_event_set(ev, CANH_F_DESTINATION_IP, w[3]);
    canh_event_set(ev, CANH_F_DESTINATION_PORT, w[4]);
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_PROVIDER, "modsecurity");
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "audit-transaction");
    /* The rest of the transaction is in the following sections. */
    ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}

/* ---- the JSON audit log ----------------------------------------------------------- */

static json_t *jget(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* A scalar member as text copied into the arena; absent for other types. */
static canh_str_t jcopy(canh_event_t *ev, json_t *v)
{
    char tmp[40];
    int n;
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        char *c = canh_event_strdup(ev, json_string_value(v), len);
        return c ? canh_str(c, len) : CANH_STR_NULL;
    }
    if (json_is_integer(v))
        n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        n = snprintf(tmp, sizeof tmp, "%.1f", json_real_value(v));
    else if (json_is_true(v))
        n = snprintf(tmp, sizeof tmp, "true");
    else if (json_is_false(v))
        n = snprintf(tmp, sizeof tmp, "false");
    else
        return CANH_STR_NULL;
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return CANH_STR_NULL;
    char *c = canh_event_strdup(ev, tmp, (size_t)n);
    return c ? canh_str(c, (size_t)n) : CANH_STR_NULL;
}

static void jset(canh_event_t *ev, canh_field_t id, json_t *v)
{
    canh_str_t s = jcopy(ev, v);
    if (s.n)
        canh_event_set_name(ev, canh_str_c(canh_field_name(id)), s, CANH_FT_KEYWORD, false);
}

static void jadd(canh_event_t *ev, canh_str_t key, json_t *v, canh_ftype_t type)
{
    canh_str_t s = jcopy(ev, v);
    if (s.n)
        canh_event_add(ev, key, s, type);
}

/* A request header by case-insensitive name. */
static json_t *jheader(json_t *headers, const char *name)
{
    const char *k;
    json_t *v;
    if (!json_is_object(headers))
        return NULL;
    json_object_foreach(headers, k, v)
    {
        if (canh_str_ieq_c(canh_str_c(k), name))
            return v;
    }
    return NULL;
}

static void set_headers(canh_event_t *ev, json_t *headers)
{
    canh_str_t host = jcopy(ev, jheader(headers, "host"));
    if (host.n)
        canh_web_set_host(ev, host);
    jset(ev, CANH_F_USER_AGENT_ORIGINAL, jheader(headers, "user-agent"));
    jset(ev, CANH_F_HTTP_REQUEST_REFERRER, jheader(headers, "referer"));
}

static void set_status(canh_event_t *ev, json_t *code)
{
    canh_str_t s = jcopy(ev, code);
    uint64_t v;
    if (canh_str_to_u64(s, 999, &v) != CANH_OK || v < 100)
        return;
    canh_event_set(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE, s);
}

static void add_ids(canh_event_t *ev, const canh_str_t *ids, size_t nids, size_t nmsg)
{
    char tmp[24];
    if (nids) {
        canh_str_t arr = str_array(ev, ids, nids);
        if (arr.p)
            canh_event_add(ev, k_rule_ids, arr, CANH_FT_RAW);
    }
    int n = snprintf(tmp, sizeof tmp, "%zu", nmsg);
    char *c = canh_event_strdup(ev, tmp, (size_t)n);
    if (c)
        canh_event_add(ev, k_msg_count, canh_str(c, (size_t)n), CANH_FT_LONG);
}

/* ModSecurity v3: everything under "transaction". */
static void json_v3(const canh_decode_t *d, json_t *tx, canh_event_t *ev)
{
    canh_str_t ts = jcopy(ev, jget(tx, "time_stamp"));
    canh_time_t t;
    size_t used;
    if (ts.n && canh_time_parse_ctime(ts, &d->tref, &t, &used) == CANH_OK && used == ts.n)
        canh_event_set_ts(ev, t);
    else if (ts.n)
        canh_dec_set_time(d, ts, ev);
    jset(ev, CANH_F_SOURCE_IP, jget(tx, "client_ip"));
    jset(ev, CANH_F_SOURCE_PORT, jget(tx, "client_port"));
    jset(ev, CANH_F_DESTINATION_IP, jget(tx, "host_ip"));
    jset(ev, CANH_F_DESTINATION_PORT, jget(tx, "host_port"));
    jadd(ev, k_txid, jget(tx, "unique_id"), CANH_FT_KEYWORD);
    jadd(ev, k_server_id, jget(tx, "server_id"), CANH_FT_KEYWORD);

    json_t *req = jget(tx, "request");
    jset(ev, CANH_F_HTTP_REQUEST_METHOD, jget(req, "method"));
    canh_str_t uri = jcopy(ev, jget(req, "uri"));
    if (uri.n)
        canh_web_set_target(ev, uri);
    jset(ev, CANH_F_HTTP_VERSION, jget(req, "http_version"));
    set_headers(ev, jget(req, "headers"));
    json_t *resp = jget(tx, "response");
    set_status(ev, jget(resp, "http_code"));

    json_t *prod = jget(tx, "producer");
    jadd(ev, k_producer, jget(prod, "modsecurity"), CANH_FT_KEYWORD);
    jadd(ev, k_connector, jget(prod, "connector"), CANH_FT_KEYWORD);
    jadd(ev, k_engine, jget(prod, "secrules_engine"), CANH_FT_KEYWORD);

    json_t *msgs = jget(tx, "messages");
    size_t nmsg = json_is_array(msgs) ? json_array_size(msgs) : 0;
    canh_str_t ids[MODSEC_MAX_IDS];
    size_t nids = 0;
    bool first = true;
    for (size_t i = 0; i < nmsg; i++) {
        json_t *m = json_array_get(msgs, i);
        json_t *det = jget(m, "details");
        canh_str_t id = jcopy(ev, jget(det, "ruleId"));
        if (id.n && nids < MODSEC_MAX_IDS)
            ids[nids++] = id;
        if (!first || !json_is_object(m))
            continue;
        /* The first message is the detection; later ones are usually the
         * anomaly-score evaluation that blocked it. */
        first = false;
        if (id.n)
            canh_event_set(ev, CANH_F_RULE_ID, id);
        jset(ev, CANH_F_RULE_NAME, jget(m, "message"));
        jset(ev, CANH_F_MESSAGE, jget(m, "message"));
        canh_str_t sev = jcopy(ev, jget(det, "severity"));
        set_severity(ev, sev);
        jadd(ev, k_match, jget(det, "match"), CANH_FT_KEYWORD);
        jadd(ev, k_data, jget(det, "data"), CANH_FT_KEYWORD);
        jadd(ev, k_file, jget(det, "file"), CANH_FT_KEYWORD);
        jadd(ev, k_line, jget(det, "lineNumber"), CANH_FT_KEYWORD);
        jadd(ev, k_ruleset, jget(det, "ver"), CANH_FT_KEYWORD);
        jadd(ev, k_rule_version, jget(det, "rev"), CANH_FT_KEYWORD);
        jadd(ev, k_ref, jget(det, "reference"), CANH_FT_KEYWORD);
        json_t *jt = jget(det, "tags");
        canh_str_t tags[MODSEC_MAX_TAGS];
        size_t ntags = 0;
        for (size_t k = 0; json_is_array(jt) && k < json_array_size(jt) && ntags < MODSEC_MAX_TAGS;
             k++) {
            json_t *tv = json_array_get(jt, k);
            if (json_is_string(tv))
                tags[ntags++] = canh_str(json_string_value(tv), json_string_length(tv));
        }
        if (ntags) {
            canh_str_t arr = str_array(ev, tags, ntags);
            if (arr.p)
                canh_event_add(ev, k_tags, arr, CANH_FT_RAW);
            for (size_t k = 0; k < ntags; k++) {
                if (canh_str_starts(tags[k], "attack-")) {
                    canh_event_set_copy(ev, CANH_F_RULE_CATEGORY, tags[k].p, tags[k].n);
                    break;
                }
            }
        }
    }
    if (nmsg) {
        canh_event_set_c(ev, CANH_F_EVENT_KIND, "alert");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "intrusion_detection");
        bool denied = canh_str_eq_c(canh_event_get(ev, CANH_F_HTTP_RESPONSE_STATUS_CODE), "403");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, denied ? "denied" : "info");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, denied ? "access-denied" : "warning");
        add_ids(ev, ids, nids, nmsg);
    }
}

/* The [id "..."] value of a v2 message string, or absent. */
static canh_str_t message_id(canh_str_t m)
{
    size_t pos = find_fields(m);
    canh_str_t key, val;
    while (read_field(m, &pos, &key, &val)) {
        if (canh_str_eq_c(key, "id"))
            return val;
        while (pos < m.n && m.p[pos] == ' ')
            pos++;
    }
    return CANH_STR_NULL;
}

/* ModSecurity v2 (SecAuditLogFormat JSON): sections as top-level members. */
static void json_v2(const canh_decode_t *d, json_t *root, json_t *tx, canh_event_t *ev)
{
    canh_str_t ts = jcopy(ev, jget(tx, "time"));
    canh_time_t t;
    size_t used;
    if (ts.n && canh_time_parse_clf(ts, &t, &used) == CANH_OK)
        canh_event_set_ts(ev, t);
    else if (ts.n)
        canh_dec_set_time(d, ts, ev);
    jset(ev, CANH_F_SOURCE_IP, jget(tx, "remote_address"));
    jset(ev, CANH_F_SOURCE_PORT, jget(tx, "remote_port"));
    jset(ev, CANH_F_DESTINATION_IP, jget(tx, "local_address"));
    jset(ev, CANH_F_DESTINATION_PORT, jget(tx, "local_port"));
    jadd(ev, k_txid, jget(tx, "transaction_id"), CANH_FT_KEYWORD);

    json_t *req = jget(root, "request");
    canh_str_t line = jcopy(ev, jget(req, "request_line"));
    if (line.n)
        canh_web_set_request(ev, line);
    set_headers(ev, jget(req, "headers"));
    json_t *resp = jget(root, "response");
    set_status(ev, jget(resp, "status"));

    json_t *ad = jget(root, "audit_data");
    jadd(ev, k_server, jget(ad, "server"), CANH_FT_KEYWORD);
    json_t *prod = jget(ad, "producer");
    if (json_is_array(prod))
        prod = json_array_get(prod, 0);
    jadd(ev, k_producer, prod, CANH_FT_KEYWORD);

    json_t *msgs = jget(ad, "messages");
    size_t nmsg = json_is_array(msgs) ? json_array_size(msgs) : 0;
    canh_str_t ids[MODSEC_MAX_IDS];
    size_t nids = 0;
    bool first = true;
    for (size_t i = 0; i < nmsg; i++) {
        canh_str_t m = jcopy(ev, json_array_get(msgs, i));
        if (!m.n)
            continue;
        if (first && canh_modsec_msg(ev, m, NULL))
            first = false;
        canh_str_t id = message_id(m);
        if (id.n && nids < MODSEC_MAX_IDS)
            ids[nids++] = id;
    }
    json_t *act = jget(ad, "action");
    if (json_is_true(jget(act, "intercepted"))) {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "access-denied");
    }
    if (nmsg)
        add_ids(ev, ids, nids, nmsg);
}

int canh_dec_json_modsec(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    json_t *tx = jget(root, "transaction");
    if (!json_is_object(tx))
        return CANH_ENOMATCH;
    bool v3 = jget(tx, "messages") || jget(tx, "request") || jget(tx, "client_ip");
    bool v2 = !v3 && (jget(root, "audit_data") || jget(root, "request")) &&
              (jget(tx, "remote_address") || jget(tx, "transaction_id"));
    if (!v3 && !v2)
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_MODSEC;
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "web");
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, "access");
    canh_event_set_c(ev, CANH_F_EVENT_ACTION, "http_request");
    canh_event_set_c(ev, CANH_F_EVENT_PROVIDER, "modsecurity");
    if (v3)
        json_v3(d, tx, ev);
    else
        json_v2(d, root, tx, ev);
    return CANH_OK;
}

/* ---- the decoder ------------------------------------------------------------------- */

int canh_dec_modsec(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    if (rec.n < 8)
        return CANH_ENOMATCH;
    if (rec.p[0] == '{') {
        /* Named with --type: the JSON audit log without the JSON dispatcher. */
        json_error_t err;
        json_t *root = json_loadb(rec.p, rec.n, JSON_ALLOW_NUL, &err);
        if (!root)
            return CANH_ENOMATCH;
        int rc = canh_dec_json_modsec(d, root, ev);
        json_decref(root);
        return rc;
    }
    canh_str_t msg = rec;
    canh_str_t client = CANH_STR_NULL;
    if (rec.p[0] == '[') {
        if (!canh_str_starts(rec, "[client "))
            return section_a(rec, ev);
        ptrdiff_t e = canh_str_chr(rec, ']');
        if (e < 9 || e > 80)
            return CANH_ENOMATCH;
        client = canh_str(rec.p + 8, (size_t)e - 8);
        msg = canh_str_sub(rec, (size_t)e + 1, rec.n);
        while (msg.n && msg.p[0] == ' ')
            msg = canh_str_sub(msg, 1, msg.n);
        if (!canh_str_starts(msg, "ModSecurity: "))
            return CANH_ENOMATCH;
    }
    if (canh_str_starts(msg, "Message: "))
        msg = canh_str_sub(msg, 9, msg.n);
    else if (!canh_str_starts(msg, "ModSecurity: "))
        return CANH_ENOMATCH;
    if (!canh_modsec_msg(ev, msg, NULL))
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_MODSEC;
    if (client.n)
        canh_web_set_client_port(ev, client, false);
    return CANH_OK;
}
