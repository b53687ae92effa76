/* canh/limits.h - every built-in limit in one place (YARA's limits.h idea).
 * Configurable limits take these as their defaults and upper bounds. */
#ifndef CANH_LIMITS_H
#define CANH_LIMITS_H

/* Largest single input record (a log line or a JSON document). Longer records
 * are cut at this size and tagged truncated; they are never dropped. */
#define CANH_MAX_RECORD (1024u * 1024u)

/* Extra (non-slot) fields one event may carry; further ones are counted in
 * the event's dropped_fields and the event is tagged. */
#define CANH_MAX_EVENT_KV 256

/* Per-event scratch arena: chunk size and hard maximum. */
#define CANH_EVENT_ARENA_CHUNK (16u * 1024u)
#define CANH_EVENT_ARENA_MAX (4u * 1024u * 1024u)

/* Nesting depth accepted when flattening JSON input into event fields. */
#define CANH_MAX_JSON_DEPTH 32

/* Longest field name (dotted ECS path) kept from input. */
#define CANH_MAX_FIELD_NAME 256

/* Largest encoded JSON output line for one event. */
#define CANH_MAX_JSON_OUT (8u * 1024u * 1024u)

/* Configuration file size and YAML nesting. */
#define CANH_MAX_CONFIG_FILE (4u * 1024u * 1024u)
#define CANH_MAX_CONFIG_DEPTH 16

#endif
