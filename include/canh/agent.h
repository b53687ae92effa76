/* canh/agent.h - the agent channel: enrollment, per-agent TLS 1.3
 * credentials, the on-disk spool, delivery exactly once, commands.
 *
 *   agent host                                     manager
 *   collectors -> spool (sealed, fsynced batches) -> uplink ==TLS 1.3==> agent server
 *                 ^ deleted once acknowledged        |   -> queue -> workers -> writer
 *                 '--------------- ACK {epoch, seq} <------------------ after commit
 *
 * Sections, one source file each:
 *   manager side ........ agent_manager.c (server), agent_tls.c (PKI)
 *   enrollment, tokens .. agent_enroll.c
 *   protocol ............ agent_proto.c (pure, bounds-checked, fuzzed)
 *   spool ............... agent_spool.c
 *   agent daemon ........ agent_main.c, agent_uplink.c, agent_cmd.c
 * docs/agent.md is the narrative (PKI, protocol, guarantees, commands).
 *
 * Delivery and duplicates. Every batch an agent seals carries (epoch, seq):
 * seq counts up across the life of the spool; epoch is a random 64-bit
 * number the agent draws each time it starts (and again when the manager
 * says its counter went backwards). A restored snapshot or copied data
 * directory therefore never reuses an (epoch, seq) pair for other contents.
 * The manager maps each (agent, epoch) to a small stream number and hands
 * the writer one 64-bit sequence per batch,
 *     canh_inrec_t.seq = stream << CANH_AGENT_SEQ_BITS | seq,
 * which grows with every batch of a stream. The writer records the highest
 * stored one (canh_store_agent_seq_set) in the same transaction as the
 * events; a batch at or below it is a duplicate, acknowledged again and not
 * queued. */
#ifndef CANH_AGENT_H
#define CANH_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/buf.h"
#include "canh/collect.h"
#include "canh/error.h"
#include "canh/log.h"
#include "canh/queue.h"
#include "canh/store.h"
#include "canh/str.h"

/* ---- manager side: the agent server ------------------------------------------------ */

typedef struct canh_agent_server_opts {
    const char *listen;      /* "ADDR:PORT" of the agent channel (TLS 1.3, client certs) */
    const char *data_dir;    /* CA, server key/cert live in DATA/pki (created on first start) */
    const char *server_name; /* DNS name/IP put in the server cert (default: hostname) */
    unsigned max_agents;     /* connections at once, default 10000; more are refused */
    size_t max_batch;        /* largest batch accepted, bytes (default 4 MiB) */
    /* Beyond the issue-6 contract; canh_agent_server_opts_default sets them. */
    const char *const *extra_names; /* more SANs for the server cert (names or IPs) */
    size_t nextra_names;
    unsigned max_inflight; /* batches of one agent in the pipeline at once (default 4) */
    int idle_timeout_s;    /* a connection silent this long is closed (default 180) */
    canh_logger_t *log;    /* operational log (NULL: silent); not owned */
} canh_agent_server_opts_t;

/* Fills the defaults above (listen and data_dir NULL: the caller sets them). */
void canh_agent_server_opts_default(canh_agent_server_opts_t *o);

typedef struct canh_agent_server_stats {
    uint64_t connected;     /* authenticated agent connections now */
    uint64_t batches;       /* batches queued */
    uint64_t records;       /* records queued */
    uint64_t duplicates;    /* batches received again (already stored or in flight) */
    uint64_t rejected_auth; /* bad token, unknown or revoked certificate, failed handshake */
    uint64_t enrollments;   /* successful enrollments and re-keys */
    uint64_t commands_sent;
    uint64_t pauses; /* times a connection stopped being read (queue full) */
    /* beyond the contract */
    uint64_t acks; /* ACKs sent */
    uint64_t protocol_errors;
    uint64_t rewinds; /* agents told their counter went backwards */
} canh_agent_server_stats_t;

typedef struct canh_agent_server canh_agent_server_t;

/* Creates DATA/pki when needed (CA, server certificate), loads the
 * credentials, opens its own store connection on data_dir (registry,
 * tokens, sequences, commands) and binds the listening socket now, so the
 * caller can drop privileges next. Records go to q (which must outlive the
 * server) as canh_inrec_t* with transport CANH_TRANSPORT_AGENT, agent_id,
 * seq (see the top of this header), origin, peer, recv_ns and ack set: one
 * canh_ack_t per batch, one reference per record. CANH_EINVAL (bad
 * address), CANH_EIO ("agent 127.0.0.1:1515: Address already in use",
 * PKI files), CANH_ENOMEM; detail in eb. */
int canh_agent_server_create(const canh_agent_server_opts_t *o, canh_queue_t *q,
                             canh_agent_server_t **out, canh_errbuf_t *eb);
/* Starts the server's thread and event loop. CANH_EINVAL if already started,
 * CANH_EIO if the thread cannot be created. */
int canh_agent_server_start(canh_agent_server_t *s, canh_errbuf_t *eb);
/* The bound TCP port. */
int canh_agent_server_port(const canh_agent_server_t *s);
/* A snapshot of the counters; any thread. */
void canh_agent_server_stats(const canh_agent_server_t *s, canh_agent_server_stats_t *out);
/* The name of an agent (registry cache, filled at connection time), for the
 * pipeline's agent.name. Thread-safe. Copies at most n-1 bytes and a NUL;
 * CANH_ENOENT (and "" in buf) when the agent is not known to this server. */
int canh_agent_server_agent_name(canh_agent_server_t *s, int64_t agent_id, char *buf, size_t n);
/* Stops accepting and reading, closes every connection, joins the thread.
 * Batches not yet queued are dropped (their agents send them again);
 * records already queued stay valid, and their acks may still fire after
 * stop and even after destroy (they then do nothing). */
void canh_agent_server_stop(canh_agent_server_t *s);
/* Frees s (stopping it first when needed); NULL is fine. */
void canh_agent_server_destroy(canh_agent_server_t *s);

/* ---- PKI and enrollment tokens (manager side) --------------------------------------- */

/* Creates DATA/pki (0700) with ca.key/ca.crt (EC P-256, 10 years) and
 * server.key/server.crt (signed by the CA, 2 years, SANs: server_name
 * (default: the host name), 127.0.0.1, ::1 and extra names) when missing;
 * a server certificate within 30 days of expiry is replaced. Keys 0600.
 * CANH_EIO with the path in eb. */
int canh_agent_pki_ensure(const char *data_dir, const char *server_name,
                          const char *const *extra_names, size_t nextra, canh_errbuf_t *eb);
/* Hex SHA-256 of the CA certificate (DER), 64 digits and a NUL. */
int canh_agent_ca_fingerprint(const char *data_dir, char out[65], canh_errbuf_t *eb);

#define CANH_AGENT_PIN_HEX 32   /* hex digits of the CA fingerprint in a token */
#define CANH_AGENT_TOKEN_LEN 76 /* "<32 hex>.<43 base64url>" */

/* Creates an enrollment token: 32 random bytes (base64url), prefixed with
 * the first 32 hex digits of the CA fingerprint so the agent can pin the
 * manager: "<pin>.<secret>". Only a SHA-256 of the secret is stored, with
 * the expiry (now + ttl_s) and the number of uses. out gets the token and
 * a NUL (outlen >= CANH_AGENT_TOKEN_LEN + 1). The PKI is created when
 * missing. The secret is wiped from memory after use. */
int canh_agent_token_create(canh_store_t *st, const char *data_dir, int64_t ttl_s, unsigned uses,
                            const char *label, char *out, size_t outlen, int64_t *token_id,
                            canh_errbuf_t *eb);

/* ---- enrollment (agent side) ----------------------------------------------------------- */

typedef struct canh_enroll_opts {
    const char *manager;  /* "HOST:PORT" of the manager's agent channel */
    const char *token;    /* from `canh agents token create` */
    const char *name;     /* agent name; NULL/"": the host name */
    const char *data_dir; /* the agent's data directory */
    int timeout_s;        /* connect/handshake/reply deadline (default 30 when 0) */
} canh_enroll_opts_t;

/* Generates the agent's key (it never leaves the host) and a CSR, connects
 * with TLS 1.3, checks that the manager's chain ends at a CA whose
 * fingerprint starts with the token's pin (and that the manager's
 * certificate is for serverAuth), sends ENROLL and stores what comes back:
 * DATA/agent/{key,cert,ca}.pem (0600) and DATA/agent/agent.json (id, name,
 * manager, install_id). A previous enrollment in DATA is replaced (the
 * spool is kept and delivered under the new credential). *agent_id gets
 * the id. CANH_EPERM (token refused, pin mismatch), CANH_EIO (network,
 * files), CANH_ETIMEDOUT, CANH_EINVAL (bad token syntax); detail in eb. */
int canh_agent_enroll(const canh_enroll_opts_t *o, int64_t *agent_id, canh_errbuf_t *eb);

/* ---- protocol ----------------------------------------------------------------------- */
/* A frame: u32 big-endian length L (type byte + payload), u8 type, payload.
 * Integers are big-endian; str8/str16/str32 are a length of that width then
 * the bytes (no NUL). Payloads by type:
 *   HELLO    a->m  u16 version, u64 epoch, u64 next_seq, u64 acked,
 *                  u64 oldest_epoch, str16 software
 *   WELCOME  m->a  u16 version, u32 flags (REKEY, REWIND), i64 agent_id,
 *                  u64 stored (highest stored seq of the HELLO's epoch), str16 name
 *   BATCH    a->m  u64 epoch, u64 seq, u32 n, n x {str8 origin, str32 data}
 *   ACK      m->a  u64 epoch, u64 seq
 *   COMMAND  m->a  i64 id, str8 kind, str32 args (JSON)
 *   RESULT   a->m  i64 id, u8 ok, str32 result (JSON)
 *   PING/PONG      u64 nonce
 *   ENROLL   a->m  str16 token, str32 csr (PEM), str16 name, str16 install_id,
 *                  str32 facts (JSON)
 *   ENROLLED m->a  i64 agent_id, str16 name, str32 cert (PEM), str32 ca (PEM)
 *   REKEY    a->m  str32 csr (PEM)
 *   ERROR    m->a  i32 code (a canh_err), str16 message
 * Every field is checked against the bytes present; a payload with bytes
 * left over is malformed. */

enum canh_agent_msg_type {
    CANH_AGENT_HELLO = 1,
    CANH_AGENT_WELCOME,
    CANH_AGENT_BATCH,
    CANH_AGENT_ACK,
    CANH_AGENT_COMMAND,
    CANH_AGENT_RESULT,
    CANH_AGENT_PING,
    CANH_AGENT_PONG,
    CANH_AGENT_ENROLL,
    CANH_AGENT_ENROLLED,
    CANH_AGENT_REKEY,
    CANH_AGENT_ERROR,
    CANH_AGENT__NTYPES
};

#define CANH_AGENT_PROTO_VERSION 1
#define CANH_AGENT_FRAME_HDR 5   /* u32 length + u8 type */
#define CANH_AGENT_MAX_ORIGIN 63 /* bytes of an origin (canh_inrec_t.origin - 1) */
#define CANH_AGENT_BATCH_HDR 20  /* epoch, seq, n */
#define CANH_AGENT_SEQ_BITS 40   /* seq bits in canh_inrec_t.seq; the stream above */
#define CANH_AGENT_SEQ_MAX ((UINT64_C(1) << CANH_AGENT_SEQ_BITS) - 1)
#define CANH_AGENT_WELCOME_REKEY 0x1u     /* replace the credential now (send REKEY) */
#define CANH_AGENT_WELCOME_REWIND 0x2u    /* your counter went backwards: new epoch */
#define CANH_AGENT_MAX_CONTROL (1u << 20) /* largest payload of a non-BATCH frame */

/* "HELLO", "BATCH", ... or "?" */
const char *canh_agent_msg_name(unsigned type);

/* Looks at the start of a stream: CANH_OK when a whole frame is there
 * (*type, *payload_len and *frame_len = header + payload set),
 * CANH_EOF when more bytes are needed, CANH_ELIMIT when the frame is larger
 * than max_payload (or CANH_AGENT_MAX_CONTROL for a control frame),
 * CANH_EINVAL for an unknown type or a zero length. */
int canh_agent_frame_peek(const uint8_t *p, size_t n, size_t max_payload, uint8_t *type,
                          size_t *payload_len, size_t *frame_len);

/* A decoded message. Slices point into the payload given to the parser. */
typedef struct canh_agent_msg {
    uint8_t type;
    union {
        struct {
            uint16_t version;
            uint64_t epoch, next_seq, acked, oldest_epoch;
            canh_str_t software;
        } hello;
        struct {
            uint16_t version;
            uint32_t flags;
            int64_t agent_id;
            uint64_t stored;
            canh_str_t name;
        } welcome;
        struct {
            uint64_t epoch, seq;
            uint32_t n;
            canh_str_t records; /* the n records, checked; walk with canh_agent_batch_next */
        } batch;
        struct {
            uint64_t epoch, seq;
        } ack;
        struct {
            int64_t id;
            canh_str_t kind, args;
        } command;
        struct {
            int64_t id;
            uint8_t ok;
            canh_str_t result;
        } result;
        struct {
            uint64_t nonce;
        } ping;
        struct {
            canh_str_t token, csr, name, install_id, facts;
        } enroll;
        struct {
            int64_t agent_id;
            canh_str_t name, cert, ca;
        } enrolled;
        struct {
            canh_str_t csr;
        } rekey;
        struct {
            int32_t code;
            canh_str_t message;
        } error;
    } u;
} canh_agent_msg_t;

/* Decodes one payload of the given type. CANH_OK, CANH_EINVAL (malformed:
 * short, bytes left over, an origin longer than CANH_AGENT_MAX_ORIGIN, a
 * record count that does not match, an unknown type). Never reads past
 * p[n). */
int canh_agent_msg_parse(uint8_t type, const uint8_t *p, size_t n, canh_agent_msg_t *m);

/* Walks the records of a parsed BATCH: *off starts at 0. Returns true with
 * origin and data set, false at the end. */
bool canh_agent_batch_next(const canh_agent_msg_t *m, size_t *off, canh_str_t *origin,
                           canh_str_t *data);

/* Encoders: each appends one whole frame to b. CANH_ELIMIT when b's maximum
 * would be passed (b unchanged), CANH_EINVAL for a string too long for its
 * field. */
int canh_agent_put_hello(canh_buf_t *b, uint64_t epoch, uint64_t next_seq, uint64_t acked,
                         uint64_t oldest_epoch, const char *software);
int canh_agent_put_welcome(canh_buf_t *b, uint32_t flags, int64_t agent_id, uint64_t stored,
                           const char *name);
int canh_agent_put_ack(canh_buf_t *b, uint64_t epoch, uint64_t seq);
int canh_agent_put_command(canh_buf_t *b, int64_t id, const char *kind, const char *args);
int canh_agent_put_result(canh_buf_t *b, int64_t id, bool ok, const char *json, size_t len);
int canh_agent_put_ping(canh_buf_t *b, uint8_t type, uint64_t nonce); /* PING or PONG */
int canh_agent_put_enroll(canh_buf_t *b, const char *token, const char *csr, const char *name,
                          const char *install_id, const char *facts);
int canh_agent_put_enrolled(canh_buf_t *b, int64_t agent_id, const char *name, const char *cert,
                            const char *ca);
int canh_agent_put_rekey(canh_buf_t *b, const char *csr);
int canh_agent_put_error(canh_buf_t *b, int32_t code, const char *message);
/* A BATCH frame header (CANH_AGENT_FRAME_HDR bytes) for a batch payload of
 * len bytes: the spool stores payloads, the uplink prefixes this. */
void canh_agent_batch_frame_hdr(uint8_t hdr[CANH_AGENT_FRAME_HDR], size_t len);

/* Batch payload builder (agent side): records are appended after a header
 * that canh_agent_batch_finish fills. */
typedef struct canh_agent_batch {
    canh_buf_t buf; /* payload: header, then records */
    uint32_t n;
} canh_agent_batch_t;
void canh_agent_batch_init(canh_agent_batch_t *bt, size_t max);
void canh_agent_batch_fini(canh_agent_batch_t *bt);
void canh_agent_batch_reset(canh_agent_batch_t *bt);
/* CANH_ELIMIT when the record does not fit under max (batch unchanged);
 * an origin longer than CANH_AGENT_MAX_ORIGIN is cut. */
int canh_agent_batch_add(canh_agent_batch_t *bt, const char *origin, const char *p, size_t n);
/* Writes epoch, seq and the count into the header. */
void canh_agent_batch_finish(canh_agent_batch_t *bt, uint64_t epoch, uint64_t seq);

/* ---- spool (agent side) ---------------------------------------------------------------- */
/* DIR holds segment files "<first seq, 16 hex>.seg" of sealed batches,
 *   u32 magic "CNB1", u32 payload length, u32 CRC-32 of the payload, payload
 * (a BATCH payload), and a small file "state" with the acknowledged
 * watermark and the collectors' checkpoint mark. A batch is fsynced when sealed (and the directory
 * when a segment is created). Opening scans every segment: a damaged or partly written entry ends
 * its segment, which is truncated to the last good batch (counted in truncated_bytes). A segment is
 * deleted once every batch in it is acknowledged. The total size is bounded: a seal that would pass
 * max_size fails with CANH_EFULL and unacknowledged data is never deleted.
 * Not thread-safe: one thread owns a spool. */

typedef struct canh_spool canh_spool_t;

typedef struct canh_spool_opts {
    const char *dir;       /* created 0700 when missing */
    uint64_t max_size;     /* bytes of all segments (default 256 MiB) */
    uint64_t segment_size; /* a segment is closed past this size (default 8 MiB) */
    bool fsync;            /* default true; tests may turn it off */
} canh_spool_opts_t;
void canh_spool_opts_default(canh_spool_opts_t *o);

typedef struct canh_spool_stats {
    uint64_t bytes; /* in all segments */
    uint64_t segments;
    uint64_t batches;         /* sealed and not yet acknowledged */
    uint64_t records;         /* in those batches */
    uint64_t sealed, acked;   /* since open */
    uint64_t truncated_bytes; /* cut from damaged segment tails at open */
    uint64_t next_seq;
    uint64_t epoch;
} canh_spool_stats_t;

/* A sealed, unacknowledged batch. */
typedef struct canh_spool_batch {
    uint64_t epoch, seq;
    uint32_t records;
    uint32_t len; /* payload bytes */
} canh_spool_batch_t;

/* Opens (creating) the spool, recovers it, draws a new epoch. */
int canh_spool_open(const canh_spool_opts_t *o, canh_spool_t **out, canh_errbuf_t *eb);
void canh_spool_close(canh_spool_t *sp);
void canh_spool_stats(const canh_spool_t *sp, canh_spool_stats_t *out);
uint64_t canh_spool_epoch(const canh_spool_t *sp);
/* Draws a new epoch for the batches sealed from now on. */
void canh_spool_new_epoch(canh_spool_t *sp);
/* Seals bt as the next batch (epoch, next seq filled in), appends it to the
 * current segment and fsyncs. bt is reset on success. CANH_EFULL when it
 * would pass max_size (bt untouched), CANH_EINVAL for an empty batch,
 * CANH_EIO. */
int canh_spool_seal(canh_spool_t *sp, canh_agent_batch_t *bt, canh_spool_batch_t *out,
                    canh_errbuf_t *eb);
/* The first unacknowledged batch with seq > after_seq: CANH_OK or
 * CANH_ENOENT. */
int canh_spool_next(const canh_spool_t *sp, uint64_t after_seq, canh_spool_batch_t *out);
/* Reads a batch's payload into b (replacing its contents), checking its
 * CRC. CANH_ENOENT (acknowledged meanwhile), CANH_EIO. */
int canh_spool_read(canh_spool_t *sp, uint64_t seq, canh_buf_t *b, canh_errbuf_t *eb);
/* Marks (epoch, seq) acknowledged; deletes segments left with no
 * unacknowledged batch; persists the watermark. Unknown batches are
 * ignored (*known = false). */
int canh_spool_ack(canh_spool_t *sp, uint64_t epoch, uint64_t seq, bool *known, canh_errbuf_t *eb);
/* Acknowledges every batch of epoch with seq <= upto (the manager's stored
 * mark after a rewind, or stored batches whose ACK was lost). */
int canh_spool_ack_upto(canh_spool_t *sp, uint64_t epoch, uint64_t upto, canh_errbuf_t *eb);
/* Unacknowledged batches with seq <= upto (the uplink's window). */
size_t canh_spool_unacked_upto(const canh_spool_t *sp, uint64_t upto);
/* Watermark: every batch with seq <= it is acknowledged. */
uint64_t canh_spool_acked(const canh_spool_t *sp);
/* Epoch of the oldest unacknowledged batch, or the current epoch. */
uint64_t canh_spool_oldest_epoch(const canh_spool_t *sp);
/* The collectors' checkpoint mark: the agent records, after each
 * checkpoint, the seq of the last batch it covers. Batches sealed after it
 * may hold records the collectors produce again after a crash (sealed, not
 * yet checkpointed); the agent filters those replays out. 0 for a new
 * spool; UINT64_MAX when unknown (a state file from an older version). */
uint64_t canh_spool_checkpointed(const canh_spool_t *sp);
int canh_spool_set_checkpointed(canh_spool_t *sp, uint64_t seq, canh_errbuf_t *eb);

/* ---- the agent daemon --------------------------------------------------------------- */

typedef struct canh_agent_opts {
    const char *data_dir;         /* the agent's data directory (enrolled) */
    const char *manager;          /* "HOST:PORT"; NULL/"": the one enrolled with */
    uint64_t spool_max;           /* default 256 MiB */
    size_t batch_bytes;           /* seal a batch at this size (default 1 MiB) */
    unsigned batch_records;       /* ... or this many records (default 5000) */
    unsigned batch_delay_ms;      /* ... or when its first record is this old (default 200) */
    unsigned window;              /* batches sent and not yet acknowledged (default 8) */
    const char *const *scan_yara; /* YARA rule files/dirs for the scan command */
    size_t nscan_yara;
    const char *const *scan_hashes; /* hash-list files for the scan command */
    size_t nscan_hashes;
    const char *const *scan_paths; /* paths of the scheduled scan (none: no schedule) */
    size_t nscan_paths;
    unsigned scan_interval_s;    /* scheduled scan every this many seconds (0: off) */
    canh_collect_opts_t collect; /* state_dir NULL: data_dir */
    canh_logger_t *log;          /* NULL: silent; not owned */
    int control_fd;              /* readable end: 'T' stops, 'H' reloads; -1 none */
} canh_agent_opts_t;

/* Defaults as above, collect via canh_collect_opts_default with
 * read_from_end true. */
void canh_agent_opts_default(canh_agent_opts_t *o);

/* Runs the agent until control_fd says stop ('T', or end of file) or reload
 * ('H': *reload = true). On the way out the open batch is sealed and the
 * collectors checkpointed. While running it writes DATA/agent/status.json
 * (connected, spool counters) every few seconds. CANH_ENOENT when DATA is
 * not enrolled, CANH_EIO/CANH_ENOMEM/... from the spool or collectors;
 * detail in eb. */
int canh_agent_run(const canh_agent_opts_t *o, bool *reload, canh_errbuf_t *eb);

#endif
