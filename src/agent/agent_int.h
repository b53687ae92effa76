/* agent_int.h - private to the agent channel files (agent_*.c). */
#ifndef CANH_AGENT_INT_H
#define CANH_AGENT_INT_H

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/agent.h"
#include "canh/buf.h"
#include "canh/error.h"

#define AGENT_SOFTWARE "canh-agent/" CANH_AGENT_SOFTWARE_VERSION
#ifndef CANH_AGENT_SOFTWARE_VERSION
#define CANH_AGENT_SOFTWARE_VERSION "0.1"
#endif

/* ---- agent_tls.c: keys, certificates, TLS contexts ---- */

/* A new EC P-256 key. */
EVP_PKEY *canh_agent_key_new(void);
/* PEM text of a key/cert/CSR into b (appended). */
int canh_agent_pem_key(EVP_PKEY *k, canh_buf_t *b);
int canh_agent_pem_cert(X509 *x, canh_buf_t *b);
/* A CSR for k with subject CN=cn, as PEM appended to b. */
int canh_agent_csr_pem(EVP_PKEY *k, const char *cn, canh_buf_t *b, canh_errbuf_t *eb);
/* Parses PEM text. NULL on failure. */
X509 *canh_agent_cert_parse(const char *pem, size_t len);
/* Hex SHA-256 of the DER certificate. */
void canh_agent_cert_fp(X509 *x, char out[65]);
/* Seconds until the certificate expires (negative: expired). */
int64_t canh_agent_cert_left(X509 *x);

/* The manager's credentials (DATA/pki), loaded once. */
typedef struct canh_agent_pki {
    EVP_PKEY *ca_key;
    X509 *ca;
    EVP_PKEY *key;
    X509 *cert;
    char ca_fp[65];
} canh_agent_pki_t;
int canh_agent_pki_load(const char *data_dir, const char *server_name, const char *const *extra,
                        size_t nextra, canh_agent_pki_t *pki, canh_errbuf_t *eb);
void canh_agent_pki_fini(canh_agent_pki_t *pki);
/* Verifies a CSR's signature and issues a client certificate for its key:
 * CN = the agent id, random serial, 2 years, clientAuth. PEM into b;
 * *fp gets its fingerprint. CANH_EINVAL for a bad CSR. */
int canh_agent_issue_client(const canh_agent_pki_t *pki, const char *csr_pem, size_t csr_len,
                            int64_t agent_id, canh_buf_t *b, char fp[65], canh_errbuf_t *eb);
/* TLS 1.3 server context: the server certificate with the CA in the chain,
 * client certificates optional but verified against the CA when given. */
SSL_CTX *canh_agent_server_ctx(const canh_agent_pki_t *pki, canh_errbuf_t *eb);
/* TLS 1.3 client context. With key/cert/ca files: mutual authentication and
 * the manager's chain checked against ca. Without (enrollment): no
 * verification in the handshake; canh_agent_pin_check after it. */
SSL_CTX *canh_agent_client_ctx(const char *key, const char *cert, const char *ca,
                               canh_errbuf_t *eb);
/* After an enrollment handshake: the peer's chain must end at a
 * self-signed CA whose fingerprint starts with pin (hex), which signed a
 * serverAuth leaf. *ca_out (may be NULL) gets a reference to that CA. */
int canh_agent_pin_check(SSL *ssl, const char *pin, X509 **ca_out, canh_errbuf_t *eb);

/* Writes data to path atomically (temp file, fsync, rename) with mode. */
int canh_agent_write_file(const char *path, const void *data, size_t len, unsigned mode,
                          canh_errbuf_t *eb);
/* Reads a small file (at most max bytes) into a new NUL-terminated buffer. */
int canh_agent_read_file(const char *path, size_t max, char **out, size_t *len, canh_errbuf_t *eb);

/* Splits "host:port" / "[v6]:port" into host (NUL-terminated) and port. */
int canh_agent_split_addr(const char *addr, char *host, size_t hostlen, unsigned *port);
/* The local host name (never fails: "localhost" at worst). */
void canh_agent_hostname(char *buf, size_t n);
/* 16 random bytes as 32 hex digits. */
void canh_agent_random_hex(char out[33]);

/* ---- agent_enroll.c: the agent's identity and credentials ---- */

/* DATA/agent/agent.json. */
typedef struct canh_agent_identity {
    int64_t id;
    char name[128];
    char manager[300];
    char install_id[40];
} canh_agent_identity_t;
/* CANH_ENOENT when DATA is not enrolled. */
int canh_agent_identity_load(const char *data_dir, canh_agent_identity_t *out, canh_errbuf_t *eb);
/* Paths of DATA/agent/{key,cert,ca}.pem. */
void canh_agent_cred_paths(const char *data_dir, char *key, char *cert, char *ca, size_t n);
/* Installs a new credential (after enrollment or a re-key): key and cert
 * written as *.new, then renamed into place (cert first); the CA replaced.
 * canh_agent_cred_recover finishes an installation a crash interrupted. */
int canh_agent_cred_save(const char *data_dir, const char *key_pem, size_t key_len,
                         const char *cert_pem, size_t cert_len, const char *ca_pem, size_t ca_len,
                         canh_errbuf_t *eb);
int canh_agent_cred_recover(const char *data_dir, canh_errbuf_t *eb);
/* Connects a blocking TLS 1.3 client socket to "HOST:PORT" within
 * timeout_s. ctx decides the verification. */
int canh_agent_tls_connect(SSL_CTX *ctx, const char *manager, int timeout_s, SSL **out, int *fd_out,
                           canh_errbuf_t *eb);
/* Blocking frame I/O on such a connection. */
int canh_agent_tls_write(SSL *ssl, const void *p, size_t n, canh_errbuf_t *eb);
int canh_agent_tls_read_frame(SSL *ssl, canh_buf_t *b, uint8_t *type, canh_errbuf_t *eb);

/* ---- agent_uplink.c: the agent's connection to the manager ---- */

struct event_base;
typedef struct canh_uplink canh_uplink_t;

typedef struct canh_uplink_cb {
    /* A COMMAND arrived (strings not NUL-terminated, valid during the call). */
    void (*command)(void *ud, int64_t id, const char *kind, size_t kn, const char *args, size_t an);
    /* Batches were acknowledged: the spool has room again. */
    void (*acked)(void *ud);
    void *ud;
} canh_uplink_cb_t;

typedef struct canh_uplink_stats {
    bool connected;
    uint64_t connects, sent, acked, rekeys, rewinds, refused;
    int64_t last_ack; /* Unix seconds */
} canh_uplink_stats_t;

/* Connects (and reconnects with backoff: 1 s doubling to 60 s, plus up to
 * 25% jitter) to manager with the credentials in data_dir, sending the
 * spool's unacknowledged batches with at most window in flight. */
int canh_uplink_create(struct event_base *base, const char *data_dir, const char *manager,
                       unsigned window, canh_spool_t *sp, const canh_uplink_cb_t *cb,
                       canh_logger_t *log, canh_uplink_t **out, canh_errbuf_t *eb);
void canh_uplink_destroy(canh_uplink_t *u);
/* New sealed batches: send what the window allows. */
void canh_uplink_kick(canh_uplink_t *u);
/* Sends a command's RESULT (kept until a connection takes it). */
void canh_uplink_result(canh_uplink_t *u, int64_t id, bool ok, const char *json);
void canh_uplink_stats(const canh_uplink_t *u, canh_uplink_stats_t *out);

/* ---- agent_cmd.c: commands on the agent ---- */

typedef struct canh_agent_cmdctx canh_agent_cmdctx_t;
/* Emits a record (origin "scan") into the agent's spool, from the loop thread. */
typedef int (*canh_agent_cmd_emit_fn)(void *ud, const char *origin, const char *p, size_t n);
/* Result of a finished command, on the loop thread. */
typedef void (*canh_agent_cmd_done_fn)(void *ud, int64_t id, bool ok, const char *json);

int canh_agent_cmd_create(const canh_agent_opts_t *o, canh_agent_cmdctx_t **out, canh_errbuf_t *eb);
void canh_agent_cmd_destroy(canh_agent_cmdctx_t *c);
/* Starts a command (kind, args JSON). Long ones run on a worker thread;
 * their records and result are handed back through canh_agent_cmd_drain. */
void canh_agent_cmd_start(canh_agent_cmdctx_t *c, int64_t id, const char *kind, size_t kn,
                          const char *args, size_t an);
/* A descriptor readable when results are waiting. */
int canh_agent_cmd_fd(const canh_agent_cmdctx_t *c);
/* Hands waiting records to emit (stops early when it returns CANH_EFULL)
 * and results to done. */
void canh_agent_cmd_drain(canh_agent_cmdctx_t *c, canh_agent_cmd_emit_fn emit,
                          canh_agent_cmd_done_fn done, void *ud);
/* True while a command runs or has undelivered output. */
bool canh_agent_cmd_busy(const canh_agent_cmdctx_t *c);

#endif
