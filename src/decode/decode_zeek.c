/* decode_zeek.c - Zeek logs written as JSON (decoder "zeek").
 *
 * The log is told by "_path" (LogAscii::use_json with the path included),
 * or guessed from its members for files of one log type. conn, dns, http
 * and ssl members are mapped to ECS; the connection tuple and uid of every
 * log; anything else is kept under "zeek.<path>.<member>". */
#include <math.h>
#include <string.h>

#include "canh/error.h"
#include "decode_json_int.h"

const canh_decode_mod_t canh_mod_ZEEK = {NULL, NULL};

static void fn_time(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!canh_json_time(c->d, v, c->ev))
        c->ev->flags |= CANH_EVF_BAD_TIME;
}

/* Members already used (the log path names the field prefix). */
static void fn_skip(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
}

static void fn_proto(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p || !json_is_string(v))
        return;
    canh_str_t l = canh_dec_lower(c->ev, text);
    if (l.p)
        canh_event_set(c->ev, CANH_F_NETWORK_TRANSPORT, l);
}

/* "-" and "" mean "not known" in Zeek's service column. */
static void fn_service(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (text.p && text.n && !canh_str_eq_c(text, "-"))
        canh_event_set(c->ev, CANH_F_NETWORK_PROTOCOL, text);
}

/* Seconds (real) -> nanoseconds. */
static void fn_duration(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!json_is_number(v))
        return;
    double s = json_number_value(v);
    if (!(s >= 0) || s > 9.2e9)
        return;
    canh_event_set_i64(c->ev, CANH_F_EVENT_DURATION, (int64_t)llround(s * 1e9));
}

static void fn_host(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    canh_event_set(c->ev, CANH_F_URL_DOMAIN, text);
    canh_event_set(c->ev, CANH_F_DESTINATION_DOMAIN, text);
}

static void fn_uri(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    canh_dec_set_url(c->ev, text);
}

/* "TLSv12" -> "1.2", "TLSv13" -> "1.3", "SSLv3" -> "3.0", "DTLSv12" -> "1.2" */
static void fn_ssl_version(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    const char *proto = NULL;
    canh_str_t num = CANH_STR_NULL;
    if (canh_str_starts(text, "TLSv")) {
        proto = "tls";
        num = canh_str_sub(text, 4, text.n);
    } else if (canh_str_starts(text, "DTLSv")) {
        proto = "dtls";
        num = canh_str_sub(text, 5, text.n);
    } else if (canh_str_starts(text, "SSLv")) {
        proto = "ssl";
        num = canh_str_sub(text, 4, text.n);
    }
    if (proto && num.n >= 1 && num.n <= 2 && num.p[0] >= '0' && num.p[0] <= '9' &&
        (num.n == 1 || (num.p[1] >= '0' && num.p[1] <= '9'))) {
        char buf[4] = {num.p[0], '.', num.n == 2 ? num.p[1] : '0', 0};
        canh_event_set_copy(c->ev, CANH_F_TLS_VERSION, buf, 3);
        canh_event_add(c->ev, CANH_STR_LIT("tls.version_protocol"), canh_str_c(proto),
                       CANH_FT_KEYWORD);
    } else {
        canh_event_add(c->ev, CANH_STR_LIT("zeek.ssl.version"), text, CANH_FT_KEYWORD);
    }
}

#define F(x) CANH_F_##x

static const canh_json_map_t map_id[] = {
    {"orig_h", F(SOURCE_IP), NULL, NULL, NULL, false},
    {"orig_p", F(SOURCE_PORT), NULL, NULL, NULL, false},
    {"resp_h", F(DESTINATION_IP), NULL, NULL, NULL, false},
    {"resp_p", F(DESTINATION_PORT), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

/* Members every Zeek log may carry. */
static const canh_json_map_t map_common[] = {
    {"ts", -1, NULL, fn_time, NULL, false},
    {"uid", -1, "zeek.session_id", NULL, NULL, false},
    {"id.orig_h", F(SOURCE_IP), NULL, NULL, NULL, false},
    {"id.orig_p", F(SOURCE_PORT), NULL, NULL, NULL, false},
    {"id.resp_h", F(DESTINATION_IP), NULL, NULL, NULL, false},
    {"id.resp_p", F(DESTINATION_PORT), NULL, NULL, NULL, false},
    {"id", -1, NULL, NULL, map_id, false},
    {"_path", -1, NULL, fn_skip, NULL, false},
    {"_write_ts", -1, "event.ingested", NULL, NULL, false},
    {"proto", -1, NULL, fn_proto, NULL, false},
    {"community_id", F(NETWORK_COMMUNITY_ID), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t *const map_other = map_common;

static const canh_json_map_t map_conn[] = {
    {"service", -1, NULL, fn_service, NULL, true},
    {"duration", -1, NULL, fn_duration, NULL, true},
    {"orig_bytes", F(SOURCE_BYTES), NULL, NULL, NULL, false},
    {"resp_bytes", F(DESTINATION_BYTES), NULL, NULL, NULL, false},
    {"orig_pkts", F(SOURCE_PACKETS), NULL, NULL, NULL, false},
    {"resp_pkts", F(DESTINATION_PACKETS), NULL, NULL, NULL, false},
    {"conn_state", -1, "zeek.conn.state", NULL, NULL, false},
    {"orig_l2_addr", F(SOURCE_MAC), NULL, NULL, NULL, false},
    {"resp_l2_addr", F(DESTINATION_MAC), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

static const canh_json_map_t map_dns[] = {
    {"query", F(DNS_QUESTION_NAME), NULL, NULL, NULL, false},
    {"qtype_name", F(DNS_QUESTION_TYPE), NULL, NULL, NULL, false},
    {"rcode_name", F(DNS_RESPONSE_CODE), NULL, NULL, NULL, false},
    {"trans_id", F(DNS_ID), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

static const canh_json_map_t map_http[] = {
    {"host", -1, NULL, fn_host, NULL, false},
    {"uri", -1, NULL, fn_uri, NULL, false},
    {"method", F(HTTP_REQUEST_METHOD), NULL, NULL, NULL, false},
    {"status_code", F(HTTP_RESPONSE_STATUS_CODE), NULL, NULL, NULL, false},
    {"user_agent", F(USER_AGENT_ORIGINAL), NULL, NULL, NULL, false},
    {"referrer", F(HTTP_REQUEST_REFERRER), NULL, NULL, NULL, false},
    {"version", F(HTTP_VERSION), NULL, NULL, NULL, false},
    {"request_body_len", -1, "http.request.body.bytes", NULL, NULL, false},
    {"response_body_len", F(HTTP_RESPONSE_BODY_BYTES), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

static const canh_json_map_t map_ssl[] = {
    {"server_name", F(TLS_CLIENT_SERVER_NAME), NULL, NULL, NULL, false},
    {"version", -1, NULL, fn_ssl_version, NULL, false},
    {"subject", F(TLS_SERVER_SUBJECT), NULL, NULL, NULL, false},
    {"issuer", F(TLS_SERVER_ISSUER), NULL, NULL, NULL, false},
    {"ja3", F(TLS_CLIENT_JA3), NULL, NULL, NULL, false},
    {"ja3s", F(TLS_SERVER_JA3S), NULL, NULL, NULL, false},
    {"cipher", -1, "tls.cipher", NULL, NULL, false},
    {"curve", -1, "tls.curve", NULL, NULL, false},
    {"established", -1, "tls.established", NULL, NULL, false},
    {"resumed", -1, "tls.resumed", NULL, NULL, false},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

/* notice.log: Zeek's own detections. */
static const canh_json_map_t map_notice[] = {
    {"note", F(RULE_NAME), NULL, NULL, NULL, true},
    {"msg", F(MESSAGE), NULL, NULL, NULL, true},
    {"src", F(SOURCE_IP), NULL, NULL, NULL, true},
    {"dst", F(DESTINATION_IP), NULL, NULL, NULL, true},
    {"p", F(DESTINATION_PORT), NULL, NULL, NULL, true},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

/* files.log: what was transferred. */
static const canh_json_map_t map_files[] = {
    {"md5", F(FILE_HASH_MD5), NULL, NULL, NULL, false},
    {"sha1", F(FILE_HASH_SHA1), NULL, NULL, NULL, false},
    {"sha256", F(FILE_HASH_SHA256), NULL, NULL, NULL, false},
    {"mime_type", F(FILE_MIME_TYPE), NULL, NULL, NULL, false},
    {"filename", F(FILE_NAME), NULL, NULL, NULL, false},
    {"total_bytes", F(FILE_SIZE), NULL, NULL, NULL, true},
    {NULL, -1, NULL, NULL, map_common, false}, /* then the common members */
};

/* A log path used in field names: [a-z0-9_], 1-32 bytes. */
static bool path_ok(canh_str_t p)
{
    if (p.n == 0 || p.n > 32)
        return false;
    for (size_t i = 0; i < p.n; i++) {
        char ch = p.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return true;
}

static bool has(json_t *root, const char *key)
{
    return json_object_get(root, key) != NULL;
}

/* The connection tuple's source address, flat or nested. */
static bool has_orig_h(json_t *root)
{
    return has(root, "id.orig_h") || json_object_get(json_object_get(root, "id"), "orig_h");
}

/* Without "_path": the members that only one log type has. */
static const char *guess_path(json_t *root)
{
    if (has(root, "method") && has(root, "uri"))
        return "http";
    if (has(root, "query") && (has(root, "qtype") || has(root, "qtype_name") ||
                               has(root, "rcode") || has(root, "trans_id")))
        return "dns";
    if (has(root, "server_name") || has(root, "cipher"))
        return "ssl";
    if (has(root, "conn_state") || (has(root, "proto") && has(root, "history")) ||
        (has(root, "proto") && has(root, "duration")))
        return "conn";
    return NULL;
}

int canh_dec_json_zeek(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    canh_str_t path = canh_json_str(root, "_path");
    json_t *ts = json_object_get(root, "ts");
    if (!path.p && !(ts && has(root, "uid") && has_orig_h(root)) &&
        !(d->forced == CANH_DEC_ZEEK && ts))
        return CANH_ENOMATCH;
    const char *guessed = NULL;
    if (!path.p)
        guessed = guess_path(root);
    if (guessed)
        path = canh_str_c(guessed);
    if (!path_ok(path))
        path = CANH_STR_LIT("unknown");

    ev->decoder = CANH_DEC_ZEEK;
    const canh_json_map_t *map = map_other;
    const char *cat = "network", *type = "info", *kind = "event";
    if (canh_str_eq_c(path, "conn")) {
        map = map_conn;
        type = "connection";
    } else if (canh_str_eq_c(path, "dns")) {
        map = map_dns;
        type = "protocol";
    } else if (canh_str_eq_c(path, "http")) {
        map = map_http;
        type = "protocol";
    } else if (canh_str_eq_c(path, "ssl")) {
        map = map_ssl;
        type = "protocol";
    } else if (canh_str_eq_c(path, "files")) {
        map = map_files;
        cat = "file";
    } else if (canh_str_eq_c(path, "notice")) {
        map = map_notice;
        cat = "intrusion_detection";
        kind = "alert";
    }
    char prefix[48];
    int pn = snprintf(prefix, sizeof prefix, "zeek.%.*s", (int)path.n, path.p);
    if (pn <= 0 || (size_t)pn >= sizeof prefix)
        return CANH_ENOMATCH; /* cannot happen: path_ok bounds it */
    canh_json_ctx_t c = {d, ev, NULL};
    canh_json_map(&c, root, map, prefix);
    canh_event_set_c(ev, CANH_F_EVENT_MODULE, "zeek");
    canh_event_set_c(ev, CANH_F_EVENT_KIND, kind);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, cat);
    canh_event_set_c(ev, CANH_F_EVENT_TYPE, type);
    if (canh_str_eq_c(path, "conn")) {
        int64_t x, y;
        if (canh_str_to_i64(canh_event_get(ev, CANH_F_SOURCE_BYTES), &x) == CANH_OK &&
            canh_str_to_i64(canh_event_get(ev, CANH_F_DESTINATION_BYTES), &y) == CANH_OK &&
            x >= 0 && y >= 0 && x <= INT64_MAX - y)
            canh_event_set_i64(ev, CANH_F_NETWORK_BYTES, x + y);
        if (canh_str_to_i64(canh_event_get(ev, CANH_F_SOURCE_PACKETS), &x) == CANH_OK &&
            canh_str_to_i64(canh_event_get(ev, CANH_F_DESTINATION_PACKETS), &y) == CANH_OK &&
            x >= 0 && y >= 0 && x <= INT64_MAX - y)
            canh_event_set_i64(ev, CANH_F_NETWORK_PACKETS, x + y);
    }
    return CANH_OK;
}
