/* ingest_listen_tls.c - the TLS side of the syslog listener (RFC 5425):
 * the server SSL_CTX and the per-connection OpenSSL bufferevent. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>

#include "ingest_listen_int.h"

/* The oldest queued OpenSSL error as text, and the queue cleared. */
static const char *ssl_reason(char *buf, size_t cap)
{
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, buf, cap);
    else
        snprintf(buf, cap, "unknown error");
    ERR_clear_error();
    return buf;
}

int canh_listen_tls_ctx(const canh_listen_opts_t *o, SSL_CTX **out, canh_errbuf_t *eb)
{
    char why[256];
    int rc = CANH_OK;
    SSL_CTX *ctx = NULL;

    if (!o->tls_cert || !*o->tls_cert || !o->tls_key || !*o->tls_key)
        return canh_errf(eb, CANH_EINVAL, "tls %s: tls_cert and tls_key are required",
                         o->tls ? o->tls : "");
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        rc = canh_errf(eb, CANH_ENOMEM, "tls: SSL_CTX_new: %s", ssl_reason(why, sizeof why));
        goto out;
    }
    /* RFC 5425 asks for TLS 1.2 at least; 1.3 is negotiated when the
     * client offers it. No compression (CRIME), no renegotiation. */
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL")) {
        rc = canh_errf(eb, CANH_EIO, "tls: %s", ssl_reason(why, sizeof why));
        goto out;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1) {
        rc = canh_errf(eb, CANH_EIO, "tls_cert %s: %s", o->tls_cert, ssl_reason(why, sizeof why));
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1) {
        rc = canh_errf(eb, CANH_EIO, "tls_key %s: %s", o->tls_key, ssl_reason(why, sizeof why));
        goto out;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        rc = canh_errf(eb, CANH_EIO, "tls_key %s: does not match tls_cert %s", o->tls_key,
                       o->tls_cert);
        ERR_clear_error();
        goto out;
    }
    if (o->tls_ca && *o->tls_ca) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->tls_ca);
        if (!names || SSL_CTX_load_verify_locations(ctx, o->tls_ca, NULL) != 1) {
            if (names)
                sk_X509_NAME_pop_free(names, X509_NAME_free);
            rc = canh_errf(eb, CANH_EIO, "tls_ca %s: %s", o->tls_ca, ssl_reason(why, sizeof why));
            goto out;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        /* Sessions resumed under client verification need an id context. */
        static const unsigned char sid[] = "canh-syslog";
        SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1);
    }
out:
    if (rc != CANH_OK) {
        SSL_CTX_free(ctx);
        return rc;
    }
    *out = ctx;
    return CANH_OK;
}

struct bufferevent *canh_listen_tls_bev(struct event_base *base, SSL_CTX *ctx, int fd)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        /* libevent 2.1 leaves the SSL to the caller when this fails. */
        SSL_free(ssl);
        return NULL;
    }
    /* Syslog senders often just close the TCP connection: that is the end
     * of the stream, not an error. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

size_t canh_listen_tls_read_now(struct bufferevent *bev, char *buf, size_t cap)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    size_t got = 0;
    while (ssl && got < cap) {
        size_t want = cap - got < 16384 ? cap - got : 16384;
        int n = SSL_read(ssl, buf + got, (int)want);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    ERR_clear_error();
    return got;
}
