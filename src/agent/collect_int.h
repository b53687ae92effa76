/* collect_int.h - private to the collectors (src/agent/collect_*.c): the
 * shared context, the outbox that parks records emit refused, the helpers
 * for state files, and the pure parsers (exposed for unit tests and fuzz
 * targets). */
#ifndef CANH_COLLECT_INT_H
#define CANH_COLLECT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "canh/buf.h"
#include "canh/collect.h"
#include "canh/str.h"

/* ---- limits ------------------------------------------------------------------ */
#define CANH_COLL_STATE_MAX (16u * 1024u * 1024u) /* a state file we read back */
#define CANH_COLL_OUTBOX_MAX (8u * 1024u * 1024u) /* parked records of one collector */
#define CANH_COLL_READ_CHUNK (64u * 1024u)        /* one read from a log file */
#define CANH_COLL_GLOB_MS 5000                    /* glob patterns re-expanded */
#define CANH_COLL_STAT_MS 1000                    /* stat fallback when inotify is quiet */
#define CANH_COLL_ROTATE_GRACE_MS 5000            /* a rotated file is kept open this long */
#define CANH_COLL_FULL_RETRY_MS 250               /* next_ms after emit said full */
#define CANH_COLL_MAX_WAIT_MS 60000
#define CANH_COLL_MAX_PACKAGES 200000                   /* packages in one inventory */
#define CANH_COLL_MAX_SOCKETS 65536                     /* sockets in one netconn run */
#define CANH_COLL_MAX_PIDS 65536                        /* processes scanned for socket owners */
#define CANH_COLL_MAX_FDS 65536                         /* fds of one process scanned */
#define CANH_COLL_FIM_OVERLAY_MAX 4096                  /* FIM changes emitted, not checkpointed */
#define CANH_COLL_FIM_PENDING_MAX 4096                  /* paths queued by inotify */
#define CANH_COLL_FIM_DIRQ_MAX 65536                    /* directories queued by a scan */
#define CANH_COLL_FIM_DEPTH 64                          /* deepest directory a scan enters */
#define CANH_COLL_FIM_SLICE 512                         /* entries one poll visits */
#define CANH_COLL_FIM_SLICE_BYTES (32u * 1024u * 1024u) /* bytes one poll hashes */

/* ---- records refused by emit ------------------------------------------------- */
/* A FIFO of records waiting for emit to accept them, in production order.
 * Each record carries a sequence number; emitted_seq is the last one emit
 * accepted, so a collector can tell which of its state changes are covered
 * by emitted records. */
typedef struct canh_coll_rec {
    struct canh_coll_rec *next;
    uint64_t seq;
    size_t n;
    char p[];
} canh_coll_rec_t;

typedef struct canh_outbox {
    canh_coll_rec_t *head, *tail;
    size_t count, bytes, max_bytes;
    uint64_t next_seq;    /* seq of the next record pushed (starts at 1) */
    uint64_t emitted_seq; /* last seq emit accepted (0: none) */
} canh_outbox_t;

void canh_outbox_init(canh_outbox_t *ob, size_t max_bytes);
void canh_outbox_fini(canh_outbox_t *ob);

/* One poll's view of the caller's emit function and its budget. */
typedef struct canh_coll_emit {
    canh_collect_emit_fn fn;
    void *ud;
    unsigned budget; /* records still allowed in this poll */
    unsigned count;  /* records emitted in this poll */
    bool full;       /* emit said CANH_EFULL */
    int err;         /* another negative code emit returned (stops everything) */
} canh_coll_emit_t;

/* True while records may still be emitted in this poll. */
static inline bool canh_coll_can_emit(const canh_coll_emit_t *e)
{
    return e->budget > 0 && !e->full && e->err == CANH_OK;
}

/* Emits p[0..n) now. CANH_OK: consumed (counted in stats->records[which]);
 * CANH_EFULL: not consumed (budget spent or emit said full; e->full set in
 * the latter case); another negative code: emit failed (e->err set). */
int canh_coll_emit_now(canh_coll_emit_t *e, canh_collect_stats_t *stats, enum canh_collector which,
                       const char *origin, const char *p, size_t n);

/* Offers a record: emitted at once when ob is empty and emit takes it, else
 * parked at the tail of ob. *seq (optional) receives its sequence number.
 * CANH_OK (emitted or parked), CANH_ELIMIT (ob is at max_bytes: not parked,
 * the caller counts the loss and stops producing), CANH_ENOMEM, or emit's
 * error. */
int canh_coll_offer(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                    enum canh_collector which, const char *origin, const char *p, size_t n,
                    uint64_t *seq);
/* Same with a JSON document (dumped compactly; the reference is kept). */
int canh_coll_offer_json(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                         enum canh_collector which, const char *origin, json_t *doc, uint64_t *seq);
/* Emits parked records in order while emit takes them. CANH_OK when ob is
 * empty afterwards, CANH_EFULL when records remain, or emit's error. */
int canh_coll_drain(canh_coll_emit_t *e, canh_outbox_t *ob, canh_collect_stats_t *stats,
                    enum canh_collector which, const char *origin);

/* ---- helpers --------------------------------------------------------------- */
int64_t canh_coll_mono_ms(void);
int64_t canh_coll_real_ns(void);
/* "2024-05-01T10:00:00.123456Z" of ns into out[32]. */
void canh_coll_iso(int64_t ns, char out[32]);
/* Writes dir/name atomically: dir/.name.tmp, fsync, rename, fsync(dir). */
int canh_coll_write_atomic(const char *dir, const char *name, const void *p, size_t n,
                           canh_errbuf_t *eb);
/* Reads a whole file of at most max bytes into a NUL-terminated heap copy
 * (caller frees). CANH_ENOENT when missing, CANH_ELIMIT past max, CANH_EIO. */
int canh_coll_read_file(const char *path, size_t max, char **out, size_t *n, canh_errbuf_t *eb);
/* Replaces, in place, every byte of p[0..n) that does not belong to a
 * valid UTF-8 sequence by '?'. */
void canh_coll_utf8_fix(char *p, size_t n);
/* Sets obj[key] = string s[0..n), replacing bytes that are not UTF-8 by '?'
 * (jansson accepts only valid UTF-8). Returns 0 or -1 (out of memory). */
int canh_coll_json_setn(json_t *obj, const char *key, const char *s, size_t n);
int canh_coll_json_set(json_t *obj, const char *key, const char *s);
/* obj[key] as an object, created when missing (NULL when out of memory or
 * when key holds something else). */
json_t *canh_coll_json_obj(json_t *obj, const char *key);
/* A JSON document with @timestamp (now), event.module, event.kind,
 * event.category [category] and event.type [type]; NULL on ENOMEM. */
json_t *canh_coll_doc(const char *module, const char *kind, const char *category, const char *type);

/* ---- the collector set --------------------------------------------------------- */
typedef struct canh_coll_log canh_coll_log_t;
typedef struct canh_coll_journal canh_coll_journal_t;
typedef struct canh_coll_fim canh_coll_fim_t;
typedef struct canh_coll_pkg canh_coll_pkg_t;
typedef struct canh_coll_net canh_coll_net_t;
typedef struct canh_coll_host canh_coll_host_t;

struct canh_collectors {
    char *state_dir;
    canh_logger_t *log;
    canh_collect_stats_t stats;
    canh_coll_log_t *logf;
    canh_coll_journal_t *journal;
    canh_coll_fim_t *fim;
    canh_coll_pkg_t *pkg;
    canh_coll_net_t *net;
    canh_coll_host_t *host;
    unsigned rr;  /* round-robin start of the next poll */
    bool more;    /* the last poll stopped at its budget */
    bool stalled; /* the last poll stopped because emit said full */
};

/* Each collector: create (CANH_OK with *out NULL when it has nothing to do),
 * poll (emits through e; returns CANH_OK or a fatal error), fd (-1 if none),
 * due (absolute monotonic ms of its next job, INT64_MAX for none, <= now
 * when it has work now), checkpoint, destroy. */
int canh_coll_log_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_log_t **out,
                         canh_errbuf_t *eb);
int canh_coll_log_poll(canh_coll_log_t *l, canh_coll_emit_t *e, int64_t now);
int canh_coll_log_fd(const canh_coll_log_t *l);
int64_t canh_coll_log_due(const canh_coll_log_t *l);
int canh_coll_log_checkpoint(canh_coll_log_t *l, canh_errbuf_t *eb);
void canh_coll_log_destroy(canh_coll_log_t *l);

int canh_coll_journal_create(canh_collectors_t *c, const canh_collect_opts_t *o,
                             canh_coll_journal_t **out, canh_errbuf_t *eb);
int canh_coll_journal_poll(canh_coll_journal_t *j, canh_coll_emit_t *e, int64_t now);
int canh_coll_journal_fd(const canh_coll_journal_t *j);
int64_t canh_coll_journal_due(const canh_coll_journal_t *j);
int canh_coll_journal_checkpoint(canh_coll_journal_t *j, canh_errbuf_t *eb);
void canh_coll_journal_destroy(canh_coll_journal_t *j);

int canh_coll_fim_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_fim_t **out,
                         canh_errbuf_t *eb);
int canh_coll_fim_poll(canh_coll_fim_t *f, canh_coll_emit_t *e, int64_t now);
int canh_coll_fim_fd(const canh_coll_fim_t *f);
int64_t canh_coll_fim_due(const canh_coll_fim_t *f);
int canh_coll_fim_checkpoint(canh_coll_fim_t *f, canh_errbuf_t *eb);
void canh_coll_fim_destroy(canh_coll_fim_t *f);

int canh_coll_pkg_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_pkg_t **out,
                         canh_errbuf_t *eb);
int canh_coll_pkg_poll(canh_coll_pkg_t *p, canh_coll_emit_t *e, int64_t now);
int64_t canh_coll_pkg_due(const canh_coll_pkg_t *p);
int canh_coll_pkg_checkpoint(canh_coll_pkg_t *p, canh_errbuf_t *eb);
void canh_coll_pkg_destroy(canh_coll_pkg_t *p);

int canh_coll_net_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_net_t **out,
                         canh_errbuf_t *eb);
int canh_coll_net_poll(canh_coll_net_t *n, canh_coll_emit_t *e, int64_t now);
int64_t canh_coll_net_due(const canh_coll_net_t *n);
void canh_coll_net_destroy(canh_coll_net_t *n);

int canh_coll_host_create(canh_collectors_t *c, const canh_collect_opts_t *o,
                          canh_coll_host_t **out, canh_errbuf_t *eb);
int canh_coll_host_poll(canh_coll_host_t *h, canh_coll_emit_t *e, int64_t now);
int64_t canh_coll_host_due(const canh_coll_host_t *h);
void canh_coll_host_destroy(canh_coll_host_t *h);

/* ---- pure parsers (no I/O; every byte bounds-checked) ----------------------- */

/* dpkg status (RFC 822-like stanzas separated by blank lines). fn is called
 * for each stanza whose Status is "install ok installed" (slices point into
 * p; source is absent when the Source field is). A stanza without Package
 * or Version, or with a malformed line, is counted in *malformed (optional)
 * and skipped. fn returns non-zero to stop; that value is returned. */
typedef struct canh_dpkg_pkg {
    canh_str_t name, version, arch, source, status;
} canh_dpkg_pkg_t;
int canh_dpkg_parse(const char *p, size_t n, int (*fn)(void *ud, const canh_dpkg_pkg_t *pkg),
                    void *ud, uint64_t *malformed);

/* An rpm header as stored in rpmdb.sqlite's Packages.blob: int32 il, int32
 * dl (big-endian), il index entries of 16 bytes (tag, type, offset, count),
 * then dl bytes of data. NAME, VERSION, RELEASE, ARCH (strings) and EPOCH
 * (int32, -1 when absent) are taken; slices point into p. CANH_EINVAL when
 * the header is malformed (counts past the limits, an entry or string
 * outside the data, a string without NUL) or NAME/VERSION is missing. */
typedef struct canh_rpm_pkg {
    canh_str_t name, version, release, arch;
    int64_t epoch;
} canh_rpm_pkg_t;
#define CANH_RPM_MAX_INDEX 65536u
#define CANH_RPM_MAX_DATA (256u * 1024u * 1024u)
int canh_rpm_header_parse(const uint8_t *p, size_t n, canh_rpm_pkg_t *out);

/* One line of /proc/net/{tcp,tcp6,udp,udp6} (the header line is not one). */
typedef struct canh_sock {
    int family; /* AF_INET or AF_INET6 */
    uint8_t laddr[16], raddr[16];
    uint16_t lport, rport;
    unsigned state; /* kernel TCP state (0x0A listen, 0x01 established; UDP: 0x07 unbound) */
    uint32_t uid;
    uint64_t inode;
} canh_sock_t;
/* CANH_OK, or CANH_EINVAL for a line that is not a socket line. */
int canh_procnet_parse_line(canh_str_t line, bool v6, canh_sock_t *out);
/* "socket:[12345]" -> 12345; CANH_EINVAL otherwise. */
int canh_procnet_socket_inode(canh_str_t link, uint64_t *out);

/* Value of KEY in os-release text (KEY=value, KEY="value" or KEY='value',
 * backslash escapes in double quotes), copied NUL-terminated into out.
 * CANH_ENOENT when absent, CANH_ELIMIT when it does not fit. */
int canh_osrelease_get(canh_str_t text, const char *key, char *out, size_t outsz);

/* One journal entry as JSON: fields are the entry's "KEY=value" data blobs
 * (values may be binary; non-UTF-8 bytes become '?'), realtime_us the entry
 * time. MESSAGE becomes message, _HOSTNAME host.name, _PID process.pid,
 * SYSLOG_IDENTIFIER (else _COMM) process.name, _EXE process.executable,
 * PRIORITY log.syslog.priority (+ log.level), SYSLOG_FACILITY
 * log.syslog.facility.code, _SYSTEMD_UNIT systemd.unit, _UID user.id,
 * _TRANSPORT canh.journal.transport. Returns a new document or NULL (ENOMEM). */
json_t *canh_journal_entry_json(const canh_str_t *fields, size_t n, uint64_t realtime_us);

#endif
