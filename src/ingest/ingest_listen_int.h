/* ingest_listen_int.h - what ingest_listen.c and ingest_listen_tls.c share.
 * Internal to the ingest module. */
#ifndef CANH_INGEST_LISTEN_INT_H
#define CANH_INGEST_LISTEN_INT_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "canh/error.h"
#include "canh/listen.h"

/* The server context for the TLS listener: certificate chain and key from
 * o->tls_cert / o->tls_key, TLS 1.2 minimum, client certificates required
 * and verified against o->tls_ca when it is set. CANH_EINVAL when cert or
 * key is missing, CANH_EIO with OpenSSL's reason ("tls_cert /x.pem: ...")
 * when a file cannot be loaded, CANH_ENOMEM. */
int canh_listen_tls_ctx(const canh_listen_opts_t *o, SSL_CTX **out, canh_errbuf_t *eb);
/* A bufferevent that accepts a TLS session on fd (owning fd and the SSL:
 * both go with bufferevent_free). NULL on failure, fd then still open. */
struct bufferevent *canh_listen_tls_bev(struct event_base *base, SSL_CTX *ctx, int fd);
/* Stop only: decrypts what the socket holds right now into buf (at most
 * cap bytes), without waiting. Returns the count; 0 when nothing more is
 * there (or the session ended or failed). */
size_t canh_listen_tls_read_now(struct bufferevent *bev, char *buf, size_t cap);

#endif
