/* agent_tls.c - the agent channel's PKI: the manager's CA and server
 * certificate, agent keys and CSRs, client certificates, TLS 1.3 contexts,
 * pinning during enrollment; small file helpers. OpenSSL 3. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_int.h"
#include "canh/mem.h"
#include "canh/str.h"

#define CA_DAYS 3650
#define SERVER_DAYS 730
#define CLIENT_DAYS 730
#define RENEW_BEFORE_S (30 * 86400)

/* The first queued OpenSSL error as text (or "unknown error"), queue cleared. */
static const char *ssl_err(char *buf, size_t n)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, n);
    else
        snprintf(buf, n, "unknown error");
    ERR_clear_error();
    return buf;
}

/* ---- files --------------------------------------------------------------------------- */

int canh_agent_write_file(const char *path, const void *data, size_t len, unsigned mode,
                          canh_errbuf_t *eb)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return canh_errf(eb, CANH_EINVAL, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
    if (fd < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(errno));
    (void)fchmod(fd, (mode_t)mode);
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(e));
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return CANH_OK;
}

int canh_agent_read_file(const char *path, size_t max, char **out, size_t *len, canh_errbuf_t *eb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        return canh_errf(eb, CANH_EIO, "%s: not a regular file of at most %zu bytes", path, max);
    }
    size_t n = (size_t)st.st_size;
    char *buf = canh_malloc(n + 1);
    if (!buf) {
        close(fd);
        return CANH_ENOMEM;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return CANH_OK;
}

/* ---- small helpers ------------------------------------------------------------------- */

int canh_agent_split_addr(const char *addr, char *host, size_t hostlen, unsigned *port)
{
    if (!addr)
        return CANH_EINVAL;
    const char *colon, *h = addr;
    size_t hl;
    if (addr[0] == '[') {
        const char *rb = strchr(addr, ']');
        if (!rb || rb[1] != ':')
            return CANH_EINVAL;
        h = addr + 1;
        hl = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
            return CANH_EINVAL;
        hl = (size_t)(colon - addr);
    }
    uint64_t p;
    if (hl >= hostlen || canh_str_to_u64(canh_str_c(colon + 1), 65535, &p) != CANH_OK)
        return CANH_EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return CANH_OK;
}

void canh_agent_hostname(char *buf, size_t n)
{
    if (gethostname(buf, n) != 0 || !buf[0])
        snprintf(buf, n, "localhost");
    buf[n - 1] = '\0';
}

void canh_agent_random_hex(char out[33])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) {
        /* RAND_bytes does not fail on Linux with getrandom(2); keep going. */
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(rand() & 0xff);
    }
    canh_hex_encode(out, r, sizeof r);
}

/* ---- keys and certificates ------------------------------------------------------------ */

EVP_PKEY *canh_agent_key_new(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int bio_to_buf(BIO *bio, canh_buf_t *b)
{
    char *p;
    long n = BIO_get_mem_data(bio, &p);
    int rc = n >= 0 ? canh_buf_append(b, p, (size_t)n) : CANH_ENOMEM;
    if (n > 0)
        OPENSSL_cleanse(p, (size_t)n);
    return rc;
}

int canh_agent_pem_key(EVP_PKEY *k, canh_buf_t *b)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return CANH_ENOMEM;
    int rc = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1 ? bio_to_buf(bio, b)
                                                                              : CANH_ENOMEM;
    BIO_free(bio);
    return rc;
}

int canh_agent_pem_cert(X509 *x, canh_buf_t *b)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return CANH_ENOMEM;
    int rc = PEM_write_bio_X509(bio, x) == 1 ? bio_to_buf(bio, b) : CANH_ENOMEM;
    BIO_free(bio);
    return rc;
}

X509 *canh_agent_cert_parse(const char *pem, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return NULL;
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return x;
}

void canh_agent_cert_fp(X509 *x, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    out[0] = '\0';
    if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
        return;
    canh_hex_encode(out, md, n);
}

int64_t canh_agent_cert_left(X509 *x)
{
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) != 1)
        return -1;
    return (int64_t)days * 86400 + secs;
}

int canh_agent_csr_pem(EVP_PKEY *k, const char *cn, canh_buf_t *b, canh_errbuf_t *eb)
{
    char e[256];
    X509_REQ *req = X509_REQ_new();
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = CANH_ENOMEM;
    if (!req || !bio)
        goto out;
    X509_NAME *nm = X509_REQ_get_subject_name(req);
    if (X509_REQ_set_version(req, 0) != 1 || X509_REQ_set_pubkey(req, k) != 1 ||
        X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) !=
            1 ||
        X509_REQ_sign(req, k, EVP_sha256()) <= 0 || PEM_write_bio_X509_REQ(bio, req) != 1) {
        rc = canh_errf(eb, CANH_EINVAL, "making the certificate request: %s", ssl_err(e, sizeof e));
        goto out;
    }
    rc = bio_to_buf(bio, b);
out:
    BIO_free(bio);
    X509_REQ_free(req);
    return rc;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!ex)
        return false;
    int ok = X509_add_ext(x, ex, -1);
    X509_EXTENSION_free(ex);
    return ok == 1;
}

/* A certificate for pub signed by issuer (NULL: self-signed with ikey). */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, const char *org, X509 *issuer, EVP_PKEY *ikey,
                       long days, const char *bc, const char *ku, const char *eku, const char *san)
{
    X509 *x = X509_new();
    BIGNUM *bn = BN_new();
    bool ok = x && bn;
    ok = ok && X509_set_version(x, 2) == 1;
    ok = ok && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
         X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L);
    ok = ok && X509_set_pubkey(x, pub) == 1;
    X509_NAME *nm = ok ? X509_get_subject_name(x) : NULL;
    ok = ok &&
         X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1,
                                    0) == 1 &&
         X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) == 1;
    ok = ok && X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm) == 1;
    if (ok) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
        ok = add_ext(x, &ctx, NID_basic_constraints, bc) && add_ext(x, &ctx, NID_key_usage, ku) &&
             (!eku || add_ext(x, &ctx, NID_ext_key_usage, eku)) &&
             (!san || add_ext(x, &ctx, NID_subject_alt_name, san)) &&
             add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
             add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    }
    ok = ok && X509_sign(x, ikey, EVP_sha256()) > 0;
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Appends one SAN entry ("DNS:x" or "IP:x") unless the name could break
 * the list syntax. */
static void san_add(canh_buf_t *b, const char *name)
{
    if (!name || !*name || strlen(name) > 253 || strpbrk(name, ", \t\r\n=") != NULL)
        return;
    bool ip = canh_str_is_ip(canh_str_c(name));
    if (b->len)
        canh_buf_putc(b, ',');
    canh_buf_printf(b, "%s:%s", ip ? "IP" : "DNS", name);
}

static int save_key_cert(const char *dir, const char *base, EVP_PKEY *k, X509 *x, canh_errbuf_t *eb)
{
    char path[4400];
    canh_buf_t b;
    canh_buf_init(&b, 1 << 20);
    int rc = canh_agent_pem_key(k, &b);
    if (rc == CANH_OK) {
        snprintf(path, sizeof path, "%s/%s.key", dir, base);
        rc = canh_agent_write_file(path, b.data, b.len, 0600, eb);
    }
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    canh_buf_reset(&b);
    if (rc == CANH_OK && (rc = canh_agent_pem_cert(x, &b)) == CANH_OK) {
        snprintf(path, sizeof path, "%s/%s.crt", dir, base);
        rc = canh_agent_write_file(path, b.data, b.len, 0644, eb);
    }
    canh_buf_fini(&b);
    return rc;
}

static int load_key_cert(const char *dir, const char *base, EVP_PKEY **k, X509 **x,
                         canh_errbuf_t *eb)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s.key", dir, base);
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? CANH_ENOENT
                               : canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
    *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/%s.crt", dir, base);
    f = fopen(path, "re");
    *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    ERR_clear_error();
    if (!*k || !*x || X509_check_private_key(*x, *k) != 1) {
        EVP_PKEY_free(*k);
        X509_free(*x);
        *k = NULL;
        *x = NULL;
        ERR_clear_error();
        return canh_errf(eb, CANH_EIO, "%s/%s.{key,crt}: unreadable or not a pair", dir, base);
    }
    return CANH_OK;
}

void canh_agent_pki_fini(canh_agent_pki_t *pki)
{
    EVP_PKEY_free(pki->ca_key);
    X509_free(pki->ca);
    EVP_PKEY_free(pki->key);
    X509_free(pki->cert);
    memset(pki, 0, sizeof *pki);
}

int canh_agent_pki_load(const char *data_dir, const char *server_name, const char *const *extra,
                        size_t nextra, canh_agent_pki_t *pki, canh_errbuf_t *eb)
{
    char dir[4200], e[256];
    memset(pki, 0, sizeof *pki);
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: %s", data_dir, strerror(errno));
    if ((size_t)snprintf(dir, sizeof dir, "%s/pki", data_dir) >= sizeof dir - 32)
        return canh_errf(eb, CANH_EINVAL, "%s: path too long", data_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: %s", dir, strerror(errno));
    int rc = load_key_cert(dir, "ca", &pki->ca_key, &pki->ca, eb);
    if (rc == CANH_ENOENT) {
        char cn[128], host[64];
        canh_agent_hostname(host, sizeof host);
        snprintf(cn, sizeof cn, "Canh agent CA %s", host);
        pki->ca_key = canh_agent_key_new();
        pki->ca = pki->ca_key ? make_cert(pki->ca_key, cn, "Canh", NULL, pki->ca_key, CA_DAYS,
                                          "critical,CA:TRUE,pathlen:0",
                                          "critical,keyCertSign,cRLSign", NULL, NULL)
                              : NULL;
        if (!pki->ca) {
            rc = canh_errf(eb, CANH_EIO, "creating the agent CA: %s", ssl_err(e, sizeof e));
            goto out;
        }
        /* A server certificate from an older CA cannot stand. */
        char old[4300];
        snprintf(old, sizeof old, "%s/server.crt", dir);
        unlink(old);
        rc = save_key_cert(dir, "ca", pki->ca_key, pki->ca, eb);
    }
    if (rc)
        goto out;
    canh_agent_cert_fp(pki->ca, pki->ca_fp);

    /* A server certificate that is missing, unreadable, from another CA or
     * about to expire is simply made again. */
    rc = load_key_cert(dir, "server", &pki->key, &pki->cert, eb);
    if (rc == CANH_EIO)
        rc = CANH_ENOENT;
    if (rc == CANH_OK) {
        EVP_PKEY *capub = X509_get0_pubkey(pki->ca);
        if (X509_verify(pki->cert, capub) != 1 ||
            canh_agent_cert_left(pki->cert) < RENEW_BEFORE_S) {
            EVP_PKEY_free(pki->key);
            X509_free(pki->cert);
            pki->key = NULL;
            pki->cert = NULL;
            rc = CANH_ENOENT;
        }
        ERR_clear_error();
    }
    if (rc == CANH_ENOENT) {
        char host[256];
        if (server_name && *server_name)
            snprintf(host, sizeof host, "%s", server_name);
        else
            canh_agent_hostname(host, sizeof host);
        canh_buf_t san;
        canh_buf_init(&san, 64 * 1024);
        san_add(&san, host);
        san_add(&san, "127.0.0.1");
        san_add(&san, "::1");
        san_add(&san, "localhost");
        for (size_t i = 0; i < nextra; i++)
            san_add(&san, extra[i]);
        pki->key = canh_agent_key_new();
        pki->cert = pki->key ? make_cert(pki->key, host, "Canh", pki->ca, pki->ca_key, SERVER_DAYS,
                                         "critical,CA:FALSE", "critical,digitalSignature",
                                         "serverAuth", san.data)
                             : NULL;
        canh_buf_fini(&san);
        if (!pki->cert) {
            rc = canh_errf(eb, CANH_EIO, "creating the server certificate: %s",
                           ssl_err(e, sizeof e));
            goto out;
        }
        rc = save_key_cert(dir, "server", pki->key, pki->cert, eb);
    }
out:
    if (rc)
        canh_agent_pki_fini(pki);
    return rc;
}

int canh_agent_pki_ensure(const char *data_dir, const char *server_name,
                          const char *const *extra_names, size_t nextra, canh_errbuf_t *eb)
{
    canh_agent_pki_t pki;
    int rc = canh_agent_pki_load(data_dir, server_name, extra_names, nextra, &pki, eb);
    if (rc == CANH_OK)
        canh_agent_pki_fini(&pki);
    return rc;
}

int canh_agent_ca_fingerprint(const char *data_dir, char out[65], canh_errbuf_t *eb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pki/ca.crt", data_dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    if (!x)
        return canh_errf(eb, CANH_EIO, "%s: not a PEM certificate", path);
    canh_agent_cert_fp(x, out);
    X509_free(x);
    return CANH_OK;
}

int canh_agent_issue_client(const canh_agent_pki_t *pki, const char *csr_pem, size_t csr_len,
                            int64_t agent_id, canh_buf_t *b, char fp[65], canh_errbuf_t *eb)
{
    if (csr_len > 64 * 1024)
        return canh_errf(eb, CANH_EINVAL, "certificate request too large");
    BIO *bio = BIO_new_mem_buf(csr_pem, (int)csr_len);
    X509_REQ *req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (!req)
        return canh_errf(eb, CANH_EINVAL, "certificate request is not a PEM CSR");
    int rc = CANH_OK;
    X509 *x = NULL;
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    int id = pub ? EVP_PKEY_get_base_id(pub) : 0;
    bool strong = (id == EVP_PKEY_EC && EVP_PKEY_get_bits(pub) >= 256) || id == EVP_PKEY_ED25519 ||
                  (id == EVP_PKEY_RSA && EVP_PKEY_get_bits(pub) >= 2048);
    if (!pub || !strong || X509_REQ_verify(req, pub) != 1) {
        ERR_clear_error();
        rc = canh_errf(eb, CANH_EINVAL,
                       "certificate request: bad signature or weak key (EC >= 256 bits, "
                       "Ed25519 or RSA >= 2048)");
        goto out;
    }
    char cn[32];
    snprintf(cn, sizeof cn, "%lld", (long long)agent_id);
    x = make_cert(pub, cn, "Canh agent", pki->ca, pki->ca_key, CLIENT_DAYS, "critical,CA:FALSE",
                  "critical,digitalSignature", "clientAuth", NULL);
    if (!x) {
        char e[256];
        rc = canh_errf(eb, CANH_EIO, "issuing the agent certificate: %s", ssl_err(e, sizeof e));
        goto out;
    }
    canh_agent_cert_fp(x, fp);
    rc = canh_agent_pem_cert(x, b);
out:
    X509_free(x);
    X509_REQ_free(req);
    return rc;
}

/* ---- TLS contexts ---------------------------------------------------------------------- */

static SSL_CTX *ctx_new(const SSL_METHOD *m)
{
    SSL_CTX *ctx = SSL_CTX_new(m);
    if (!ctx)
        return NULL;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* No resumption: every connection shows its certificate again. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return ctx;
}

SSL_CTX *canh_agent_server_ctx(const canh_agent_pki_t *pki, canh_errbuf_t *eb)
{
    char e[256];
    SSL_CTX *ctx = ctx_new(TLS_server_method());
    if (!ctx) {
        canh_errf(eb, CANH_ENOMEM, "TLS context: %s", ssl_err(e, sizeof e));
        return NULL;
    }
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (SSL_CTX_use_certificate(ctx, pki->cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, pki->key) != 1 || SSL_CTX_check_private_key(ctx) != 1 ||
        SSL_CTX_add1_chain_cert(ctx, pki->ca) != 1 || X509_STORE_add_cert(store, pki->ca) != 1 ||
        SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
        canh_errf(eb, CANH_EIO, "TLS context: %s", ssl_err(e, sizeof e));
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_num_tickets(ctx, 0);
    /* Ask for a certificate, verify it when given; an enrolling agent has
     * none yet and may only send ENROLL. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

SSL_CTX *canh_agent_client_ctx(const char *key, const char *cert, const char *ca, canh_errbuf_t *eb)
{
    char e[256];
    SSL_CTX *ctx = ctx_new(TLS_client_method());
    if (!ctx) {
        canh_errf(eb, CANH_ENOMEM, "TLS context: %s", ssl_err(e, sizeof e));
        return NULL;
    }
    if (!key) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return ctx;
    }
    if (SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
        SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) != 1) {
        canh_errf(eb, CANH_EIO, "agent credentials (%s, %s, %s): %s", key, cert, ca,
                  ssl_err(e, sizeof e));
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

int canh_agent_pin_check(SSL *ssl, const char *pin, X509 **ca_out, canh_errbuf_t *eb)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    size_t plen = strlen(pin);
    if (!chain || !leaf || plen < 16 || plen > 64)
        return canh_errf(eb, CANH_EPERM, "the manager sent no certificate chain");
    X509 *ca = NULL;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        char fp[65];
        canh_agent_cert_fp(x, fp);
        if (X509_check_issued(x, x) == X509_V_OK && strncasecmp(fp, pin, plen) == 0) {
            ca = x;
            break;
        }
    }
    if (!ca)
        return canh_errf(eb, CANH_EPERM,
                         "the manager's CA does not match the token (wrong manager, or a "
                         "man in the middle)");
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *vc = X509_STORE_CTX_new();
    int rc = CANH_ENOMEM;
    if (!store || !vc || X509_STORE_add_cert(store, ca) != 1 ||
        X509_STORE_CTX_init(vc, store, leaf, chain) != 1)
        goto out;
    X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_SERVER);
    if (X509_verify_cert(vc) != 1) {
        rc = canh_errf(eb, CANH_EPERM, "the manager's certificate does not verify: %s",
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc)));
        goto out;
    }
    if (ca_out) {
        X509_up_ref(ca);
        *ca_out = ca;
    }
    rc = CANH_OK;
out:
    X509_STORE_CTX_free(vc);
    X509_STORE_free(store);
    ERR_clear_error();
    return rc;
}
