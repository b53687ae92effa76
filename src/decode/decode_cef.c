/* decode_cef.c - ArcSight Common Event Format (decoder "cef").
 *
 *   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
 *
 * Header fields escape '|' and '\' with a backslash; the extension is
 * "key=value" pairs separated by spaces, where a value runs up to the next
 * " key=" and escapes '=', '\', newline (\n) and carriage return (\r).
 * Standalone, or as the message of a syslog line (decode_syslog.c hands the
 * message over; the syslog header fields it set are kept).
 *
 * Every extension is kept under "cef.extensions.<name>", with the short
 * keys spelled out to their full CEF names (src -> sourceAddress), so both
 * spellings land in one place; the common ones are mapped to ECS too. */
#include <string.h>

#include "canh/error.h"
#include "decode_json_int.h"

const canh_decode_mod_t canh_mod_CEF = {NULL, NULL};

/* How an extension's value reaches ECS. */
enum cef_kind {
    K_NONE = 0, /* cef.extensions only */
    K_SLOT,     /* the slot, when the value fits it */
    K_LOWER,    /* the slot, lowercased (protocols) */
    K_TIME,     /* @timestamp */
    K_URL,      /* url.* */
    K_OUTCOME,  /* event.outcome, normalised */
    K_HASH,     /* file.hash.<by length> */
    K_DIR,      /* network.direction from 0/1 */
    K_KV,       /* an ECS name without a slot */
};

typedef struct cef_key {
    const char *key;  /* as written in the record (short or full) */
    const char *name; /* "cef.extensions.<full name>" */
    int field;        /* K_SLOT/K_LOWER: the slot */
    uint8_t kind;
    const char *ecs; /* K_KV: the ECS name */
} cef_key_t;

#define E(full) "cef.extensions." full
#define S(x) CANH_F_##x

/* Short keys and full names both listed, so either spelling maps. */
static const cef_key_t keys[] = {
    {"act", E("deviceAction"), S(EVENT_ACTION), K_SLOT, NULL},
    {"deviceAction", E("deviceAction"), S(EVENT_ACTION), K_SLOT, NULL},
    {"app", E("applicationProtocol"), S(NETWORK_PROTOCOL), K_LOWER, NULL},
    {"applicationProtocol", E("applicationProtocol"), S(NETWORK_PROTOCOL), K_LOWER, NULL},
    {"cat", E("deviceEventCategory"), -1, K_NONE, NULL},
    {"cnt", E("baseEventCount"), -1, K_NONE, NULL},
    {"dhost", E("destinationHostName"), S(DESTINATION_DOMAIN), K_SLOT, NULL},
    {"destinationHostName", E("destinationHostName"), S(DESTINATION_DOMAIN), K_SLOT, NULL},
    {"dmac", E("destinationMacAddress"), S(DESTINATION_MAC), K_SLOT, NULL},
    {"destinationMacAddress", E("destinationMacAddress"), S(DESTINATION_MAC), K_SLOT, NULL},
    {"dntdom", E("destinationNtDomain"), -1, K_NONE, NULL},
    {"dpid", E("destinationProcessId"), -1, K_NONE, NULL},
    {"dpriv", E("destinationUserPrivileges"), -1, K_NONE, NULL},
    {"dproc", E("destinationProcessName"), -1, K_NONE, NULL},
    {"dpt", E("destinationPort"), S(DESTINATION_PORT), K_SLOT, NULL},
    {"destinationPort", E("destinationPort"), S(DESTINATION_PORT), K_SLOT, NULL},
    {"dst", E("destinationAddress"), S(DESTINATION_IP), K_SLOT, NULL},
    {"destinationAddress", E("destinationAddress"), S(DESTINATION_IP), K_SLOT, NULL},
    {"dtz", E("deviceTimeZone"), -1, K_NONE, NULL},
    {"duid", E("destinationUserId"), -1, K_KV, "destination.user.id"},
    {"duser", E("destinationUserName"), S(DESTINATION_USER_NAME), K_SLOT, NULL},
    {"destinationUserName", E("destinationUserName"), S(DESTINATION_USER_NAME), K_SLOT, NULL},
    {"dvc", E("deviceAddress"), -1, K_KV, "observer.ip"},
    {"dvchost", E("deviceHostName"), S(OBSERVER_NAME), K_SLOT, NULL},
    {"deviceHostName", E("deviceHostName"), S(OBSERVER_NAME), K_SLOT, NULL},
    {"dvcmac", E("deviceMacAddress"), -1, K_KV, "observer.mac"},
    {"dvcpid", E("deviceProcessId"), -1, K_NONE, NULL},
    {"end", E("endTime"), -1, K_NONE, NULL},
    {"fname", E("fileName"), S(FILE_NAME), K_SLOT, NULL},
    {"fileName", E("fileName"), S(FILE_NAME), K_SLOT, NULL},
    {"filePath", E("filePath"), S(FILE_PATH), K_SLOT, NULL},
    {"fileHash", E("fileHash"), -1, K_HASH, NULL},
    {"fsize", E("fileSize"), S(FILE_SIZE), K_SLOT, NULL},
    {"fileSize", E("fileSize"), S(FILE_SIZE), K_SLOT, NULL},
    {"in", E("bytesIn"), S(SOURCE_BYTES), K_SLOT, NULL},
    {"bytesIn", E("bytesIn"), S(SOURCE_BYTES), K_SLOT, NULL},
    {"msg", E("message"), S(MESSAGE), K_SLOT, NULL},
    {"out", E("bytesOut"), S(DESTINATION_BYTES), K_SLOT, NULL},
    {"bytesOut", E("bytesOut"), S(DESTINATION_BYTES), K_SLOT, NULL},
    {"outcome", E("eventOutcome"), -1, K_OUTCOME, NULL},
    {"eventOutcome", E("eventOutcome"), -1, K_OUTCOME, NULL},
    {"proto", E("transportProtocol"), S(NETWORK_TRANSPORT), K_LOWER, NULL},
    {"transportProtocol", E("transportProtocol"), S(NETWORK_TRANSPORT), K_LOWER, NULL},
    {"reason", E("reason"), S(EVENT_REASON), K_SLOT, NULL},
    {"request", E("requestUrl"), -1, K_URL, NULL},
    {"requestUrl", E("requestUrl"), -1, K_URL, NULL},
    {"requestClientApplication", E("requestClientApplication"), S(USER_AGENT_ORIGINAL), K_SLOT,
     NULL},
    {"requestContext", E("requestContext"), S(HTTP_REQUEST_REFERRER), K_SLOT, NULL},
    {"requestMethod", E("requestMethod"), S(HTTP_REQUEST_METHOD), K_SLOT, NULL},
    {"rt", E("deviceReceiptTime"), -1, K_TIME, NULL},
    {"deviceReceiptTime", E("deviceReceiptTime"), -1, K_TIME, NULL},
    {"shost", E("sourceHostName"), S(SOURCE_DOMAIN), K_SLOT, NULL},
    {"sourceHostName", E("sourceHostName"), S(SOURCE_DOMAIN), K_SLOT, NULL},
    {"smac", E("sourceMacAddress"), S(SOURCE_MAC), K_SLOT, NULL},
    {"sourceMacAddress", E("sourceMacAddress"), S(SOURCE_MAC), K_SLOT, NULL},
    {"sntdom", E("sourceNtDomain"), -1, K_NONE, NULL},
    {"spid", E("sourceProcessId"), -1, K_NONE, NULL},
    {"spriv", E("sourceUserPrivileges"), -1, K_NONE, NULL},
    {"sproc", E("sourceProcessName"), -1, K_NONE, NULL},
    {"spt", E("sourcePort"), S(SOURCE_PORT), K_SLOT, NULL},
    {"sourcePort", E("sourcePort"), S(SOURCE_PORT), K_SLOT, NULL},
    {"src", E("sourceAddress"), S(SOURCE_IP), K_SLOT, NULL},
    {"sourceAddress", E("sourceAddress"), S(SOURCE_IP), K_SLOT, NULL},
    {"start", E("startTime"), -1, K_NONE, NULL},
    {"suid", E("sourceUserId"), -1, K_KV, "source.user.id"},
    {"suser", E("sourceUserName"), S(SOURCE_USER_NAME), K_SLOT, NULL},
    {"sourceUserName", E("sourceUserName"), S(SOURCE_USER_NAME), K_SLOT, NULL},
    {"deviceDirection", E("deviceDirection"), -1, K_DIR, NULL},
    {"deviceInboundInterface", E("deviceInboundInterface"), S(OBSERVER_INGRESS_INTERFACE_NAME),
     K_SLOT, NULL},
    {"deviceOutboundInterface", E("deviceOutboundInterface"), S(OBSERVER_EGRESS_INTERFACE_NAME),
     K_SLOT, NULL},
    {"cs1", E("deviceCustomString1"), -1, K_NONE, NULL},
    {"cs2", E("deviceCustomString2"), -1, K_NONE, NULL},
    {"cs3", E("deviceCustomString3"), -1, K_NONE, NULL},
    {"cs4", E("deviceCustomString4"), -1, K_NONE, NULL},
    {"cs5", E("deviceCustomString5"), -1, K_NONE, NULL},
    {"cs6", E("deviceCustomString6"), -1, K_NONE, NULL},
    {"cs1Label", E("deviceCustomString1Label"), -1, K_NONE, NULL},
    {"cs2Label", E("deviceCustomString2Label"), -1, K_NONE, NULL},
    {"cs3Label", E("deviceCustomString3Label"), -1, K_NONE, NULL},
    {"cs4Label", E("deviceCustomString4Label"), -1, K_NONE, NULL},
    {"cs5Label", E("deviceCustomString5Label"), -1, K_NONE, NULL},
    {"cs6Label", E("deviceCustomString6Label"), -1, K_NONE, NULL},
    {"cn1", E("deviceCustomNumber1"), -1, K_NONE, NULL},
    {"cn2", E("deviceCustomNumber2"), -1, K_NONE, NULL},
    {"cn3", E("deviceCustomNumber3"), -1, K_NONE, NULL},
    {"cn1Label", E("deviceCustomNumber1Label"), -1, K_NONE, NULL},
    {"cn2Label", E("deviceCustomNumber2Label"), -1, K_NONE, NULL},
    {"cn3Label", E("deviceCustomNumber3Label"), -1, K_NONE, NULL},
    {"cfp1", E("deviceCustomFloatingPoint1"), -1, K_NONE, NULL},
    {"cfp2", E("deviceCustomFloatingPoint2"), -1, K_NONE, NULL},
    {"cfp3", E("deviceCustomFloatingPoint3"), -1, K_NONE, NULL},
    {"cfp4", E("deviceCustomFloatingPoint4"), -1, K_NONE, NULL},
    {"c6a1", E("deviceCustomIPv6Address1"), -1, K_NONE, NULL},
    {"c6a2", E("deviceCustomIPv6Address2"), -1, K_NONE, NULL},
    {"c6a3", E("deviceCustomIPv6Address3"), -1, K_NONE, NULL},
    {"c6a4", E("deviceCustomIPv6Address4"), -1, K_NONE, NULL},
};

/* ---- unescaping ------------------------------------------------------------------ */
/* Header fields: "\|" and "\\" only. Extension values: also "\=", "\n",
 * "\r". A backslash before anything else stays. Copies into the arena only
 * when there is something to unescape. */
static canh_str_t unescape(canh_event_t *ev, canh_str_t s, bool ext)
{
    if (!memchr(s.p, '\\', s.n))
        return s;
    char *out = canh_arena_alloc(&ev->arena, s.n + 1);
    if (!out) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return s;
    }
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == '\\' && i + 1 < s.n) {
            char nx = s.p[i + 1];
            if (nx == '|' || nx == '\\' || (ext && nx == '=')) {
                out[o++] = nx;
                i++;
                continue;
            }
            if (ext && (nx == 'n' || nx == 'r')) {
                out[o++] = nx == 'n' ? '\n' : '\r';
                i++;
                continue;
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return canh_str(out, o);
}

/* ---- values ---------------------------------------------------------------------------- */
/* rt: epoch milliseconds (or seconds), ISO 8601, "MMM dd yyyy HH:mm:ss[.SSS]"
 * with an optional zone after a space, and "MMM dd HH:mm:ss". */
static void set_time(const canh_decode_t *d, canh_str_t s, canh_event_t *ev)
{
    canh_time_t t;
    size_t used;
    s = canh_str_trim(s);
    if (canh_time_parse_any(s, &d->tref, &t) == CANH_OK) {
        canh_event_set_ts(ev, t);
        return;
    }
    if (canh_time_parse_rfc3164(s, &d->tref, &t, &used) == CANH_OK) {
        canh_str_t zone = canh_str_trim(canh_str_sub(s, used, s.n));
        int32_t off;
        if (canh_time_parse_tz(zone, &off) == CANH_OK) {
            canh_time_ref_t ref = d->tref;
            ref.tz_off = off;
            if (canh_time_parse_rfc3164(s, &ref, &t, &used) == CANH_OK) {
                canh_event_set_ts(ev, t);
                return;
            }
        }
    }
    ev->flags |= CANH_EVF_BAD_TIME;
}

static void set_outcome(canh_event_t *ev, canh_str_t v)
{
    static const char *const ok[] = {"success", "succeeded", "successful", "ok"};
    static const char *const bad[] = {"failure", "failed", "fail", "error"};
    for (size_t i = 0; i < 4; i++) {
        if (canh_str_ieq_c(v, ok[i])) {
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "success");
            return;
        }
        if (canh_str_ieq_c(v, bad[i])) {
            canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "failure");
            return;
        }
    }
    canh_event_set_c(ev, CANH_F_EVENT_OUTCOME, "unknown");
}

static void set_hash(canh_event_t *ev, canh_str_t v)
{
    canh_field_t id;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return;
    }
    if (v.n == 32)
        id = CANH_F_FILE_HASH_MD5;
    else if (v.n == 40)
        id = CANH_F_FILE_HASH_SHA1;
    else if (v.n == 64)
        id = CANH_F_FILE_HASH_SHA256;
    else
        return;
    canh_str_t l = canh_dec_lower(ev, v);
    if (l.p)
        canh_event_set(ev, id, l);
}

static const cef_key_t *find_key(canh_str_t k)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].key[0] == k.p[0] && canh_str_eq_c(k, keys[i].key))
            return &keys[i];
    return NULL;
}

static void extension(const canh_decode_t *d, canh_str_t key, canh_str_t raw, canh_event_t *ev)
{
    canh_str_t v = unescape(ev, raw, true);
    const cef_key_t *k = find_key(key);
    if (k) {
        canh_event_add(ev, canh_str_c(k->name), v, CANH_FT_KEYWORD);
    } else {
        char name[CANH_MAX_FIELD_NAME + 1];
        int n = snprintf(name, sizeof name, "cef.extensions.%.*s", (int)key.n, key.p);
        if (n <= 0 || (size_t)n >= sizeof name) {
            ev->dropped++;
            ev->flags |= CANH_EVF_OVERFLOW;
            return;
        }
        canh_event_add_copy(ev, canh_str(name, (size_t)n), v, CANH_FT_KEYWORD);
        return;
    }
    if (v.n == 0)
        return;
    switch (k->kind) {
    case K_SLOT: canh_dec_set_fit(ev, (canh_field_t)k->field, v); break;
    case K_LOWER: {
        /* Firewalls write the IANA number: proto=6. */
        if (canh_str_eq_c(v, "6"))
            v = CANH_STR_LIT("tcp");
        else if (canh_str_eq_c(v, "17"))
            v = CANH_STR_LIT("udp");
        else if (canh_str_eq_c(v, "1"))
            v = CANH_STR_LIT("icmp");
        else if (canh_str_eq_c(v, "58"))
            v = CANH_STR_LIT("ipv6-icmp");
        canh_str_t l = canh_dec_lower(ev, v);
        if (l.p)
            canh_event_set(ev, (canh_field_t)k->field, l);
        break;
    }
    case K_TIME: set_time(d, v, ev); break;
    case K_URL: canh_dec_set_url(ev, v); break;
    case K_OUTCOME: set_outcome(ev, v); break;
    case K_HASH: set_hash(ev, v); break;
    case K_DIR:
        if (canh_str_eq_c(v, "0"))
            canh_event_set_c(ev, CANH_F_NETWORK_DIRECTION, "ingress");
        else if (canh_str_eq_c(v, "1"))
            canh_event_set_c(ev, CANH_F_NETWORK_DIRECTION, "egress");
        break;
    case K_KV: canh_event_add(ev, canh_str_c(k->ecs), v, CANH_FT_KEYWORD); break;
    default: break;
    }
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '[' || c == ']';
}

/* Length of "key" if s[i..] is "key=", else 0. */
static size_t key_at(canh_str_t s, size_t i)
{
    size_t k = i;
    while (k < s.n && k - i < 64 && key_char(s.p[k]))
        k++;
    return k > i && k < s.n && s.p[k] == '=' ? k - i : 0;
}

/* "k1=v1 k2=v two k3=v\=3": a value ends where " key=" begins. Returns
 * false if text that is not a key=value pair was skipped. */
static bool extensions(const canh_decode_t *d, canh_str_t s, canh_event_t *ev)
{
    bool clean = true;
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && s.p[i] == ' ')
            i++;
        if (i >= s.n)
            break;
        size_t kl = key_at(s, i);
        if (!kl) {
            /* Not a key: skip this word. */
            clean = false;
            while (i < s.n && s.p[i] != ' ')
                i++;
            continue;
        }
        canh_str_t key = canh_str(s.p + i, kl);
        size_t vs = i + kl + 1, j = vs;
        while (j < s.n) {
            if (s.p[j] == '\\') {
                j += 2;
                continue;
            }
            if (s.p[j] == ' ' && key_at(s, j + 1))
                break;
            j++;
        }
        if (j > s.n)
            j = s.n;
        size_t ve = j;
        while (ve > vs && (s.p[ve - 1] == ' ' || s.p[ve - 1] == '\t'))
            ve--;
        extension(d, key, canh_str(s.p + vs, ve - vs), ev);
        i = j;
    }
    return clean;
}

/* Severity: 0-10, or Low / Medium / High / Very-High (the top of ArcSight's
 * bands 0-3, 4-6, 7-8, 9-10). */
static void set_severity(canh_event_t *ev, canh_str_t s)
{
    uint64_t v;
    s = canh_str_trim(s);
    if (canh_str_to_u64(s, 10, &v) == CANH_OK) {
        canh_event_set(ev, CANH_F_EVENT_SEVERITY, s);
        return;
    }
    if (canh_str_ieq_c(s, "Low"))
        canh_event_set_c(ev, CANH_F_EVENT_SEVERITY, "3");
    else if (canh_str_ieq_c(s, "Medium"))
        canh_event_set_c(ev, CANH_F_EVENT_SEVERITY, "6");
    else if (canh_str_ieq_c(s, "High"))
        canh_event_set_c(ev, CANH_F_EVENT_SEVERITY, "8");
    else if (canh_str_ieq_c(s, "Very-High") || canh_str_ieq_c(s, "Very High"))
        canh_event_set_c(ev, CANH_F_EVENT_SEVERITY, "10");
}

int canh_dec_cef(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    if (rec.n < 6 || memcmp(rec.p, "CEF:", 4) != 0)
        return CANH_ENOMATCH;
    /* Split the header at unescaped pipes. */
    canh_str_t hdr[7];
    unsigned nh = 0;
    size_t start = 4, i = 4;
    while (i < rec.n && nh < 7) {
        char c = rec.p[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '|') {
            hdr[nh++] = canh_str(rec.p + start, i - start);
            start = i + 1;
        }
        i++;
    }
    /* The version: one to three digits, then the first pipe. */
    uint64_t ver;
    if (nh == 0 || hdr[0].n > 3 || canh_str_to_u64(hdr[0], 999, &ver) != CANH_OK)
        return CANH_ENOMATCH;

    ev->decoder = CANH_DEC_CEF;
    canh_event_add(ev, CANH_STR_LIT("cef.version"), hdr[0], CANH_FT_KEYWORD);
    static const canh_field_t slots[7] = {CANH_F__COUNT,
                                          CANH_F_OBSERVER_VENDOR,
                                          CANH_F_OBSERVER_PRODUCT,
                                          CANH_F_OBSERVER_VERSION,
                                          CANH_F_EVENT_CODE,
                                          CANH_F_RULE_NAME,
                                          CANH_F__COUNT};
    static const char *const kv[7] = {NULL,
                                      "cef.device.vendor",
                                      "cef.device.product",
                                      "cef.device.version",
                                      "cef.device.event_class_id",
                                      "cef.name",
                                      "cef.severity"};
    for (unsigned h = 1; h < nh; h++) {
        canh_str_t v = unescape(ev, hdr[h], false);
        canh_event_add(ev, canh_str_c(kv[h]), v, CANH_FT_KEYWORD);
        if (slots[h] != CANH_F__COUNT && v.n)
            canh_event_set(ev, slots[h], v);
        if (h == 5 && v.n)
            canh_event_set(ev, CANH_F_MESSAGE, v);
        if (h == 6)
            set_severity(ev, v);
    }
    if (!canh_event_has(ev, CANH_F_EVENT_MODULE))
        canh_event_set_c(ev, CANH_F_EVENT_MODULE, "cef");
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    if (nh < 7) {
        /* Cut inside the header: keep what was whole, say it was partial. */
        ev->flags |= CANH_EVF_PARTIAL;
        return CANH_OK;
    }
    canh_str_t ext = canh_str_sub(rec, start, rec.n);
    if (!extensions(d, ext, ev))
        ev->flags |= CANH_EVF_PARTIAL;
    return CANH_OK;
}
