/* decode_modsec.h - pieces shared by the application-layer (web) decoders.
 *
 * ModSecurity messages reach Canh in several framings: on their own, inside
 * an Apache error log line, inside an nginx error log line, in a serial
 * audit log's section H, and as the JSON audit log. The bracket-field parser
 * (decode_modsec.c) serves all of them. The HTTP helpers (decode_access.c)
 * split request lines and URLs the same way for every web decoder.
 *
 * All functions here only set fields of ev; values are slices of their
 * input unless the text had to be unescaped (then copied into ev's arena). */
#ifndef CANH_DECODE_MODSEC_H
#define CANH_DECODE_MODSEC_H

#include <stdbool.h>

#include "decode_int.h"

/* ---- ModSecurity (decode_modsec.c) ------------------------------------------ */

/* Parses a ModSecurity message: "ModSecurity: Access denied with code 403
 * (phase 2). Pattern match ... [file "..."] [line "86"] [id "942100"]
 * [msg "..."] [data "..."] [severity "CRITICAL"] [tag "..."]...
 * [hostname "..."] [uri "/x"] [unique_id "..."]". The "ModSecurity: " prefix
 * is optional (the serial audit log and the JSON v2 log omit it), but
 * without it at least one bracket field must be present. Sets message (the
 * text before the fields), event.kind alert, event.category
 * intrusion_detection, event.type/action from the disposition,
 * http.response.status_code from "code NNN", rule.id, rule.name (msg),
 * rule.category (first "attack-*" tag), event.severity, log.level (unless
 * already set), url.path (uri), destination.ip/domain (hostname),
 * transaction.id (unique_id), "modsecurity.tags" (RAW JSON array) and
 * "modsecurity.*" for the rest. *tail (may be NULL) receives what follows
 * the last bracket field, e.g. nginx's ", client: ..." context.
 * Returns false, leaving ev untouched, when msg is not a ModSecurity
 * message. */
bool canh_modsec_msg(canh_event_t *ev, canh_str_t msg, canh_str_t *tail);

/* The JSON audit log: ModSecurity v3 ({"transaction":{"client_ip":...,
 * "request":{...},"response":{...},"messages":[...]}}) and v2
 * ({"transaction":{"remote_address":...},"request":{...},
 * "audit_data":{"messages":[...]}}). root stays owned by the caller; every
 * value is copied into ev's arena. Returns CANH_OK (ev->decoder set to
 * CANH_DEC_MODSEC) or CANH_ENOMATCH when root does not have that shape.
 * The JSON dispatcher should call this when root has an object member
 * "transaction" (and let a CANH_ENOMATCH fall through). */
int canh_dec_json_modsec(const canh_decode_t *d, json_t *root, canh_event_t *ev);

/* ---- HTTP helpers shared by the web decoders (decode_access.c) --------------- */

/* Resolves the escapes web servers write into log fields: \" \\ and \xHH.
 * Returns s itself (borrowed) when it holds no backslash, otherwise an
 * unescaped copy in ev's arena (s unchanged if the arena is full). */
canh_str_t canh_web_unescape(canh_event_t *ev, canh_str_t s);

/* Sets url.original = target, and url.path, url.query (without '?'),
 * url.scheme, url.domain (and "url.port", "url.fragment") from an
 * origin-form ("/a?b"), absolute ("http://h:8080/a?b") or authority-form
 * ("host:443", CONNECT) request target. */
void canh_web_set_target(canh_event_t *ev, canh_str_t target);

/* Splits a request line "GET /a?b HTTP/1.1" (also "GET /a" without a
 * version) into http.request.method, the url.* fields and http.version
 * ("1.1"). Returns false, setting nothing, when line is not a request line
 * ("-", TLS bytes, empty). */
bool canh_web_set_request(canh_event_t *ev, canh_str_t line);

/* Sets source.ip when host is an IP address, else source.address and
 * source.domain. */
void canh_web_set_client(canh_event_t *ev, canh_str_t host);

/* Sets destination.ip or destination.domain, and url.domain unless the
 * request target set it, from a Host header value ("example.com:8080",
 * "[2001:db8::1]:443"; the port is dropped). */
void canh_web_set_host(canh_event_t *ev, canh_str_t host);

/* Sets source.ip and source.port from "1.2.3.4:5678", "[2001:db8::1]:5678"
 * or, when port_expected (Apache 2.4 writes IPv6 clients unbracketed,
 * "2001:db8::1:5678"), from the last colon; a bare address goes to
 * canh_web_set_client. */
void canh_web_set_client_port(canh_event_t *ev, canh_str_t s, bool port_expected);

#endif
