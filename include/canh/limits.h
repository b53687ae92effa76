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

/* edXML AVReport (src/share/share_avreport.c): alerts taken into one report
 * (further ones are counted, not used), bytes kept of any one text field
 * (cut on a character boundary), memory for the report's strings, and the
 * largest edXML document written, signed or verified. */
#define CANH_AVREPORT_MAX_ALERTS 2000000u
#define CANH_AVREPORT_MAX_FIELD 1024u
#define CANH_AVREPORT_MAX_MEMORY (512u * 1024u * 1024u)
#define CANH_EDXML_MAX_DOC (256u * 1024u * 1024u)

/* Bounded queues (canh/queue.h): largest capacity, room-callback registrations. */
#define CANH_QUEUE_MAX_CAP (16u * 1024u * 1024u)
#define CANH_QUEUE_MAX_ROOM_CBS 16

/* Syslog listeners (canh/listen.h). Defaults of canh_listen_opts_t, the
 * largest octet count accepted in RFC 6587 framing (a larger one is a
 * framing error, not a record to skip), records and bytes one connection
 * frames before pushing them to the queue, the most one read takes, how
 * long canh_listener_stop waits for queue room for what was already read,
 * and UDP datagrams taken per recvmmsg call. */
#define CANH_LISTEN_MAX_CONNS 1024u
#define CANH_LISTEN_IDLE_TIMEOUT_S 300
#define CANH_LISTEN_UDP_RCVBUF (8 * 1024 * 1024)
#define CANH_LISTEN_MAX_OCTET_FRAME (64u * 1024u * 1024u)
#define CANH_LISTEN_BATCH 256u
#define CANH_LISTEN_BATCH_BYTES (512u * 1024u)
#define CANH_LISTEN_READ_MAX (256u * 1024u)
#define CANH_LISTEN_STOP_TIMEOUT_MS 10000
#define CANH_LISTEN_UDP_BATCH 32u

/* Hash sets (malware_hashset.c): digests per type in one set, bytes of
 * interned names and sources, longest name kept (longer ones are cut at a
 * UTF-8 boundary), longest hash-list line (longer ones are rejected). */
#define CANH_HASHSET_MAX_DIGESTS (64u * 1024u * 1024u)
#define CANH_HASHSET_MAX_POOL (512u * 1024u * 1024u)
#define CANH_HASHSET_MAX_NAME 1024u
#define CANH_HASHSET_MAX_LINE (64u * 1024u)

/* Quarantine (malware_quarantine.c): largest metadata file read back, and
 * items listed at once. */
#define CANH_QUARANTINE_MAX_META (1024u * 1024u)
#define CANH_QUARANTINE_MAX_ITEMS 1000000u

/* File scanning walk (canh_scan_paths): files queued between the walker and
 * the workers; directory nesting followed (deeper ones are reported as
 * errors); directories held open by queued files beyond the walker's own
 * (the walker waits when more are); longest path built; directories
 * remembered for loop detection when following symlinks; detections held
 * per file before delivery, and the bytes kept of each detection string. */
#define CANH_WALK_QUEUE 1024
#define CANH_WALK_MAX_DEPTH 256
#define CANH_WALK_MAX_PENDING_DIRS 128
#define CANH_WALK_MAX_PATH 16384
#define CANH_WALK_MAX_VISITED (4u * 1024u * 1024u)
#define CANH_WALK_MAX_FILE_DETECTIONS 1024
#define CANH_WALK_MAX_DETECTION_STR (64u * 1024u)

/* Scan engine (malware_engine.c and friends): deepest archive nesting
 * (canh_scan_opts_t.max_archive_depth is clamped to it), longest inner-path
 * label of a detection and longest entry name in it, YARA rule files taken
 * from one directory walk and the walk's depth, and the largest worker
 * buffer kept between files (larger ones are freed after the file). */
#define CANH_MALWARE_MAX_DEPTH 32u
#define CANH_MALWARE_MAX_LABEL 4096u
#define CANH_MALWARE_MAX_NAME 1024u
#define CANH_MALWARE_YARA_MAX_FILES 100000u
#define CANH_MALWARE_YARA_MAX_DIR_DEPTH 32u
#define CANH_MALWARE_KEEP_BUF (8u * 1024u * 1024u)

#endif
