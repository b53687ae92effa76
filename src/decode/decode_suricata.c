/* decode_suricata.c - Suricata EVE JSON (decoder "suricata").
 *
 * The common members (addresses, ports, protocol, flow and community ids,
 * sensor) and the alert, flow, dns, http, tls, fileinfo and ether blocks are
 * mapped to ECS; every other member is kept under "suricata.eve.<path>",
 * so event types without a mapping (anomaly, ssh, smtp, netflow, stats...)
 * still carry everything. */
#include <string.h>

#include "canh/error.h"
#include "decode_json_int.h"

const canh_decode_mod_t canh_mod_SURICATA = {NULL, NULL};

static void fn_time(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!canh_json_time(c->d, v, c->ev))
        c->ev->flags |= CANH_EVF_BAD_TIME;
}

static void fn_proto(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!json_is_string(v)) {
        if (text.p) /* a protocol number */
            canh_event_add(c->ev, CANH_STR_LIT("suricata.eve.proto"), text, CANH_FT_LONG);
        return;
    }
    canh_str_t l = canh_dec_lower(c->ev, text);
    if (l.p)
        canh_event_set(c->ev, CANH_F_NETWORK_TRANSPORT, l);
}

static void fn_host(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    canh_event_set(c->ev, CANH_F_OBSERVER_NAME, text);
    canh_event_set(c->ev, CANH_F_HOST_NAME, text);
}

static void fn_signature(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (text.p)
        canh_event_set(c->ev, CANH_F_MESSAGE, text);
}

/* "allowed" / "blocked": the event type says what happened to the packet. */
static void fn_action(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    canh_event_set(c->ev, CANH_F_EVENT_ACTION, text);
    if (canh_str_eq_c(text, "allowed"))
        canh_event_set_c(c->ev, CANH_F_EVENT_TYPE, "allowed");
    else if (canh_str_eq_c(text, "blocked"))
        canh_event_set_c(c->ev, CANH_F_EVENT_TYPE, "denied");
}

static void fn_flow_time(canh_json_ctx_t *c, json_t *v, canh_str_t text, const char *name)
{
    if (text.p)
        canh_event_add(c->ev, canh_str_c(name), text, CANH_FT_DATE);
}
static void fn_flow_start(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    fn_flow_time(c, v, text, "event.start");
}
static void fn_flow_end(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    fn_flow_time(c, v, text, "event.end");
}

/* DNS v3 (Suricata 8) puts the question in queries[0]. */
static void fn_queries(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    json_t *q = json_array_get(v, 0);
    if (!json_is_object(q))
        return;
    if (!canh_event_has(c->ev, CANH_F_DNS_QUESTION_NAME))
        canh_json_set(c->ev, CANH_F_DNS_QUESTION_NAME, q, "rrname");
    if (!canh_event_has(c->ev, CANH_F_DNS_QUESTION_TYPE))
        canh_json_set(c->ev, CANH_F_DNS_QUESTION_TYPE, q, "rrtype");
}

static void fn_hostname(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (text.p)
        canh_event_set(c->ev, CANH_F_DESTINATION_DOMAIN, text);
}

static void fn_url(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    canh_dec_set_url(c->ev, text);
}

/* "HTTP/1.1" -> "1.1" */
static void fn_http_version(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    if (canh_str_starts(text, "HTTP/"))
        text = canh_str_sub(text, 5, text.n);
    canh_event_set(c->ev, CANH_F_HTTP_VERSION, text);
}

/* "TLS 1.2" / "TLSv1.3" / "SSLv3" -> tls.version "1.2" + version_protocol. */
static void fn_tls_version(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    const char *proto = NULL;
    canh_str_t num = text;
    if (canh_str_starts(text, "TLS")) {
        proto = "tls";
        num = canh_str_sub(text, 3, text.n);
    } else if (canh_str_starts(text, "SSL")) {
        proto = "ssl";
        num = canh_str_sub(text, 3, text.n);
    }
    if (num.n && (num.p[0] == ' ' || num.p[0] == 'v'))
        num = canh_str_sub(num, 1, num.n);
    if (proto && num.n && num.p[0] >= '0' && num.p[0] <= '9') {
        if (canh_str_eq_c(num, "2")) /* "SSLv2" -> "2.0" */
            num = CANH_STR_LIT("2.0");
        else if (canh_str_eq_c(num, "3"))
            num = CANH_STR_LIT("3.0");
        canh_event_set(c->ev, CANH_F_TLS_VERSION, num);
        canh_event_add(c->ev, CANH_STR_LIT("tls.version_protocol"), canh_str_c(proto),
                       CANH_FT_KEYWORD);
    } else {
        canh_event_add(c->ev, CANH_STR_LIT("suricata.eve.tls.version"), text, CANH_FT_KEYWORD);
    }
}

/* fileinfo.filename is the path the file was sent under. */
static void fn_filename(canh_json_ctx_t *c, json_t *v, canh_str_t text)
{
    if (!text.p)
        return;
    size_t base = 0;
    for (size_t i = 0; i < text.n; i++)
        if (text.p[i] == '/' || text.p[i] == '\\')
            base = i + 1;
    if (base > 0 && base < text.n) {
        canh_event_set(c->ev, CANH_F_FILE_PATH, text);
        canh_event_set(c->ev, CANH_F_FILE_NAME, canh_str_sub(text, base, text.n));
    } else {
        canh_event_set(c->ev, CANH_F_FILE_NAME, text);
    }
}

#define F(x) CANH_F_##x

static const canh_json_map_t map_alert[] = {
    {"signature", F(RULE_NAME), NULL, fn_signature, NULL, false},
    {"signature_id", F(RULE_ID), NULL, NULL, NULL, true},
    {"category", F(RULE_CATEGORY), NULL, NULL, NULL, false},
    {"severity", F(EVENT_SEVERITY), NULL, NULL, NULL, false},
    {"action", -1, NULL, fn_action, NULL, true},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_flow[] = {
    {"pkts_toserver", F(SOURCE_PACKETS), NULL, NULL, NULL, false},
    {"pkts_toclient", F(DESTINATION_PACKETS), NULL, NULL, NULL, false},
    {"bytes_toserver", F(SOURCE_BYTES), NULL, NULL, NULL, false},
    {"bytes_toclient", F(DESTINATION_BYTES), NULL, NULL, NULL, false},
    {"start", -1, NULL, fn_flow_start, NULL, true},
    {"end", -1, NULL, fn_flow_end, NULL, true},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_dns[] = {
    {"rrname", F(DNS_QUESTION_NAME), NULL, NULL, NULL, false},
    {"rrtype", F(DNS_QUESTION_TYPE), NULL, NULL, NULL, false},
    {"rcode", F(DNS_RESPONSE_CODE), NULL, NULL, NULL, false},
    {"type", F(DNS_TYPE), NULL, NULL, NULL, false},
    {"id", F(DNS_ID), NULL, NULL, NULL, false},
    {"queries", -1, NULL, fn_queries, NULL, true},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_http[] = {
    {"hostname", F(URL_DOMAIN), NULL, fn_hostname, NULL, false},
    {"url", -1, NULL, fn_url, NULL, false},
    {"http_method", F(HTTP_REQUEST_METHOD), NULL, NULL, NULL, false},
    {"status", F(HTTP_RESPONSE_STATUS_CODE), NULL, NULL, NULL, false},
    {"http_user_agent", F(USER_AGENT_ORIGINAL), NULL, NULL, NULL, false},
    {"http_refer", F(HTTP_REQUEST_REFERRER), NULL, NULL, NULL, false},
    {"length", F(HTTP_RESPONSE_BODY_BYTES), NULL, NULL, NULL, false},
    {"protocol", -1, NULL, fn_http_version, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_ja3[] = {
    {"hash", F(TLS_CLIENT_JA3), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};
static const canh_json_map_t map_ja3s[] = {
    {"hash", F(TLS_SERVER_JA3S), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_tls[] = {
    {"sni", F(TLS_CLIENT_SERVER_NAME), NULL, NULL, NULL, false},
    {"version", -1, NULL, fn_tls_version, NULL, false},
    {"subject", F(TLS_SERVER_SUBJECT), NULL, NULL, NULL, false},
    {"issuerdn", F(TLS_SERVER_ISSUER), NULL, NULL, NULL, false},
    {"ja3", -1, NULL, NULL, map_ja3, false},
    {"ja3s", -1, NULL, NULL, map_ja3s, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_fileinfo[] = {
    {"filename", -1, NULL, fn_filename, NULL, false},
    {"md5", F(FILE_HASH_MD5), NULL, NULL, NULL, false},
    {"sha1", F(FILE_HASH_SHA1), NULL, NULL, NULL, false},
    {"sha256", F(FILE_HASH_SHA256), NULL, NULL, NULL, false},
    {"size", F(FILE_SIZE), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_ether[] = {
    {"src_mac", F(SOURCE_MAC), NULL, NULL, NULL, false},
    {"dest_mac", F(DESTINATION_MAC), NULL, NULL, NULL, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

static const canh_json_map_t map_top[] = {
    {"timestamp", -1, NULL, fn_time, NULL, false},
    {"src_ip", F(SOURCE_IP), NULL, NULL, NULL, false},
    {"src_port", F(SOURCE_PORT), NULL, NULL, NULL, false},
    {"dest_ip", F(DESTINATION_IP), NULL, NULL, NULL, false},
    {"dest_port", F(DESTINATION_PORT), NULL, NULL, NULL, false},
    {"proto", -1, NULL, fn_proto, NULL, false},
    {"app_proto", F(NETWORK_PROTOCOL), NULL, NULL, NULL, false},
    {"community_id", F(NETWORK_COMMUNITY_ID), NULL, NULL, NULL, false},
    {"in_iface", F(OBSERVER_INGRESS_INTERFACE_NAME), NULL, NULL, NULL, false},
    {"host", -1, NULL, fn_host, NULL, false},
    {"alert", -1, NULL, NULL, map_alert, false},
    {"flow", -1, NULL, NULL, map_flow, false},
    {"dns", -1, NULL, NULL, map_dns, false},
    {"http", -1, NULL, NULL, map_http, false},
    {"tls", -1, NULL, NULL, map_tls, false},
    {"fileinfo", -1, NULL, NULL, map_fileinfo, false},
    {"ether", -1, NULL, NULL, map_ether, false},
    {NULL, -1, NULL, NULL, NULL, false},
};

/* network.bytes / network.packets as the sum of both directions. */
static void sum_slots(canh_event_t *ev, canh_field_t a, canh_field_t b, canh_field_t sum)
{
    int64_t x, y;
    if (canh_event_has(ev, a) && canh_event_has(ev, b) &&
        canh_str_to_i64(canh_event_get(ev, a), &x) == CANH_OK &&
        canh_str_to_i64(canh_event_get(ev, b), &y) == CANH_OK && x >= 0 && y >= 0 &&
        x <= INT64_MAX - y)
        canh_event_set_i64(ev, sum, x + y);
}

int canh_dec_json_suricata(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    canh_str_t type = canh_json_str(root, "event_type");
    if (!type.p || (!json_object_get(root, "timestamp") && !json_object_get(root, "flow_id")))
        return CANH_ENOMATCH;
    ev->decoder = CANH_DEC_SURICATA;
    canh_json_ctx_t c = {d, ev, NULL};
    canh_json_map(&c, root, map_top, "suricata.eve");
    canh_event_set_c(ev, CANH_F_EVENT_MODULE, "suricata");

    if (canh_str_eq_c(type, "alert")) {
        canh_event_set_c(ev, CANH_F_EVENT_KIND, "alert");
        /* One slot: the more specific category wins over "network". */
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "intrusion_detection");
        if (!canh_event_has(ev, CANH_F_EVENT_TYPE))
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, "info");
    } else {
        canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
        canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "network");
        const char *et = "protocol";
        if (canh_str_eq_c(type, "flow") || canh_str_eq_c(type, "netflow"))
            et = "connection";
        else if (canh_str_eq_c(type, "fileinfo") || canh_str_eq_c(type, "anomaly") ||
                 canh_str_eq_c(type, "stats"))
            et = "info";
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, et);
    }
    sum_slots(ev, CANH_F_SOURCE_BYTES, CANH_F_DESTINATION_BYTES, CANH_F_NETWORK_BYTES);
    sum_slots(ev, CANH_F_SOURCE_PACKETS, CANH_F_DESTINATION_PACKETS, CANH_F_NETWORK_PACKETS);
    return CANH_OK;
}
