/* agent_enroll.c - enrollment tokens (manager side), enrollment (agent
 * side), and the agent's identity and credential files. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "canh/mem.h"
#include "canh/str.h"

#define SECRET_BYTES 32
#define SECRET_CHARS 43 /* base64url of 32 bytes, no padding */

/* ---- tokens ------------------------------------------------------------------------- */

static void b64url(const uint8_t *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = a[(v >> 18) & 63];
        out[o++] = a[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = a[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = a[v & 63];
    }
    out[o] = '\0';
}

int canh_agent_token_create(canh_store_t *st, const char *data_dir, int64_t ttl_s, unsigned uses,
                            const char *label, char *out, size_t outlen, int64_t *token_id,
                            canh_errbuf_t *eb)
{
    if (outlen < CANH_AGENT_TOKEN_LEN + 1 || ttl_s <= 0 || uses == 0)
        return canh_errf(eb, CANH_EINVAL, "token: bad ttl, uses or output size");
    int rc = canh_agent_pki_ensure(data_dir, NULL, NULL, 0, eb);
    char fp[65];
    if (rc || (rc = canh_agent_ca_fingerprint(data_dir, fp, eb)) != CANH_OK)
        return rc;
    uint8_t raw[SECRET_BYTES], hash[32];
    char secret[SECRET_CHARS + 4];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return canh_errf(eb, CANH_EIO, "token: no randomness");
    b64url(raw, sizeof raw, secret);
    unsigned hl = 0;
    if (EVP_Digest(secret, strlen(secret), hash, &hl, EVP_sha256(), NULL) != 1) {
        rc = canh_errf(eb, CANH_EIO, "token: hashing failed");
        goto out;
    }
    int64_t now = (int64_t)time(NULL);
    if ((rc = canh_store_agent_token_add(st, hash, label, now, now + ttl_s, uses, token_id, eb)) !=
        CANH_OK)
        goto out;
    snprintf(out, outlen, "%.*s.%s", CANH_AGENT_PIN_HEX, fp, secret);
out:
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* ---- identity and credentials ----------------------------------------------------------- */

void canh_agent_cred_paths(const char *data_dir, char *key, char *cert, char *ca, size_t n)
{
    if (key)
        snprintf(key, n, "%s/agent/key.pem", data_dir);
    if (cert)
        snprintf(cert, n, "%s/agent/cert.pem", data_dir);
    if (ca)
        snprintf(ca, n, "%s/agent/ca.pem", data_dir);
}

int canh_agent_identity_load(const char *data_dir, canh_agent_identity_t *out, canh_errbuf_t *eb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/agent/agent.json", data_dir);
    char *text = NULL;
    size_t len = 0;
    int rc = canh_agent_read_file(path, 64 * 1024, &text, &len, eb);
    if (rc == CANH_ENOENT)
        return canh_errf(eb, CANH_ENOENT, "%s: not enrolled (run canh agent enroll)", data_dir);
    if (rc)
        return rc;
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    canh_free(text);
    json_int_t id = 0;
    const char *name = NULL, *manager = NULL, *install = NULL;
    if (!j ||
        json_unpack(j, "{s:I, s:s, s:s, s?s}", "id", &id, "name", &name, "manager", &manager,
                    "install_id", &install) != 0 ||
        id <= 0) {
        json_decref(j);
        return canh_errf(eb, CANH_EINVAL, "%s: malformed (expected id, name, manager)", path);
    }
    memset(out, 0, sizeof *out);
    out->id = id;
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->manager, sizeof out->manager, "%s", manager);
    snprintf(out->install_id, sizeof out->install_id, "%s", install ? install : "");
    json_decref(j);
    return CANH_OK;
}

static bool pair_matches(const char *key, const char *cert)
{
    FILE *f = fopen(key, "re");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    f = fopen(cert, "re");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    bool ok = k && x && X509_check_private_key(x, k) == 1;
    EVP_PKEY_free(k);
    X509_free(x);
    ERR_clear_error();
    return ok;
}

int canh_agent_cred_recover(const char *data_dir, canh_errbuf_t *eb)
{
    char key[4200], cert[4200], knew[4300], cnew[4300];
    canh_agent_cred_paths(data_dir, key, cert, NULL, sizeof key);
    snprintf(knew, sizeof knew, "%s.new", key);
    snprintf(cnew, sizeof cnew, "%s.new", cert);
    if (pair_matches(key, cert)) {
        unlink(knew);
        unlink(cnew);
        return CANH_OK;
    }
    /* Interrupted between the two renames (cert first): finish it. */
    if (access(cnew, F_OK) == 0 && pair_matches(knew, cnew)) {
        if (rename(cnew, cert) != 0 || rename(knew, key) != 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", cert, strerror(errno));
        return CANH_OK;
    }
    if (pair_matches(knew, cert)) {
        if (rename(knew, key) != 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", key, strerror(errno));
        return CANH_OK;
    }
    return canh_errf(eb, CANH_EIO, "%s and %s are missing or do not match (enroll again)", key,
                     cert);
}

int canh_agent_cred_save(const char *data_dir, const char *key_pem, size_t key_len,
                         const char *cert_pem, size_t cert_len, const char *ca_pem, size_t ca_len,
                         canh_errbuf_t *eb)
{
    char dir[4200], key[4200], cert[4200], ca[4200], knew[4300], cnew[4300];
    snprintf(dir, sizeof dir, "%s/agent", data_dir);
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: %s", data_dir, strerror(errno));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: %s", dir, strerror(errno));
    canh_agent_cred_paths(data_dir, key, cert, ca, sizeof key);
    snprintf(knew, sizeof knew, "%s.new", key);
    snprintf(cnew, sizeof cnew, "%s.new", cert);
    int rc;
    if ((rc = canh_agent_write_file(ca, ca_pem, ca_len, 0600, eb)) != CANH_OK ||
        (rc = canh_agent_write_file(knew, key_pem, key_len, 0600, eb)) != CANH_OK ||
        (rc = canh_agent_write_file(cnew, cert_pem, cert_len, 0600, eb)) != CANH_OK)
        return rc;
    if (rename(cnew, cert) != 0 || rename(knew, key) != 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", dir, strerror(errno));
    return CANH_OK;
}

/* ---- blocking TLS client ------------------------------------------------------------------ */

int canh_agent_tls_connect(SSL_CTX *ctx, const char *manager, int timeout_s, SSL **out, int *fd_out,
                           canh_errbuf_t *eb)
{
    char host[256];
    unsigned port;
    if (canh_agent_split_addr(manager, host, sizeof host, &port) != CANH_OK || !host[0] ||
        port == 0)
        return canh_errf(eb, CANH_EINVAL, "manager \"%s\": expected HOST:PORT", manager);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    int g = getaddrinfo(host, ps, &hints, &ai);
    if (g != 0 || !ai)
        return canh_errf(eb, CANH_EIO, "manager %s: %s", manager, gai_strerror(g));
    int fd = -1, rc = CANH_EIO, err = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            socklen_t sl = sizeof err;
            if (poll(&p, 1, timeout_s * 1000) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0)
                break;
            if (err == 0)
                err = ETIMEDOUT;
        } else {
            err = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return canh_errf(eb, err == ETIMEDOUT ? CANH_ETIMEDOUT : CANH_EIO, "manager %s: %s",
                         manager, strerror(err ? err : ECONNREFUSED));
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {timeout_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        rc = CANH_ENOMEM;
        goto fail;
    }
    if (!canh_str_is_ip(canh_str_c(host)))
        SSL_set_tlsext_host_name(ssl, host);
    if (SSL_connect(ssl) != 1) {
        char e[256];
        unsigned long le = ERR_get_error();
        ERR_error_string_n(le, e, sizeof e);
        ERR_clear_error();
        rc = canh_errf(eb, CANH_EIO, "manager %s: TLS handshake failed: %s", manager,
                       le ? e : "connection closed");
        goto fail;
    }
    *out = ssl;
    *fd_out = fd;
    return CANH_OK;
fail:
    SSL_free(ssl);
    close(fd);
    return rc;
}

int canh_agent_tls_write(SSL *ssl, const void *p, size_t n, canh_errbuf_t *eb)
{
    const char *d = p;
    while (n) {
        int k = n > INT32_MAX ? INT32_MAX : (int)n;
        int w = SSL_write(ssl, d, k);
        if (w <= 0) {
            ERR_clear_error();
            return canh_errf(eb, CANH_EIO, "manager: write failed");
        }
        d += w;
        n -= (size_t)w;
    }
    return CANH_OK;
}

static int read_exact(SSL *ssl, void *p, size_t n, canh_errbuf_t *eb)
{
    char *d = p;
    while (n) {
        int r = SSL_read(ssl, d, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r <= 0) {
            int e = SSL_get_error(ssl, r);
            char buf[256] = "";
            unsigned long le = ERR_get_error();
            if (le)
                ERR_error_string_n(le, buf, sizeof buf);
            ERR_clear_error();
            return canh_errf(eb,
                             e == SSL_ERROR_SYSCALL && errno == EAGAIN ? CANH_ETIMEDOUT : CANH_EIO,
                             "manager: connection closed%s%s", buf[0] ? ": " : "", buf);
        }
        d += r;
        n -= (size_t)r;
    }
    return CANH_OK;
}

int canh_agent_tls_read_frame(SSL *ssl, canh_buf_t *b, uint8_t *type, canh_errbuf_t *eb)
{
    uint8_t hdr[CANH_AGENT_FRAME_HDR];
    int rc = read_exact(ssl, hdr, sizeof hdr, eb);
    if (rc)
        return rc;
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    uint8_t t;
    size_t plen, flen;
    if (canh_agent_frame_peek(hdr, sizeof hdr + (len ? len - 1 : 0), CANH_AGENT_MAX_CONTROL, &t,
                              &plen, &flen) != CANH_OK)
        return canh_errf(eb, CANH_EINVAL, "manager: bad frame");
    canh_buf_reset(b);
    if ((rc = canh_buf_reserve(b, plen)) != CANH_OK)
        return rc;
    if ((rc = read_exact(ssl, b->data, plen, eb)) != CANH_OK)
        return rc;
    b->len = plen;
    b->data[plen] = '\0';
    *type = t;
    return CANH_OK;
}

/* ---- enrollment ---------------------------------------------------------------------------- */

/* Host facts sent at enrollment: name, OS, kernel, architecture. */
static char *host_facts(const char *name)
{
    json_t *j = json_object();
    char host[256];
    canh_agent_hostname(host, sizeof host);
    json_object_set_new(j, "host.name", json_string(host));
    struct utsname u;
    if (uname(&u) == 0) {
        json_object_set_new(j, "host.architecture", json_string(u.machine));
        json_object_set_new(j, "host.os.kernel", json_string(u.release));
    }
    FILE *f = fopen("/etc/os-release", "re");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
                char *v = line + 12;
                v[strcspn(v, "\r\n")] = '\0';
                size_t n = strlen(v);
                if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
                    v[n - 1] = '\0';
                    v++;
                }
                if (canh_utf8_invalid_at(v, strlen(v)) == strlen(v))
                    json_object_set_new(j, "host.os.full", json_string(v));
            }
        }
        fclose(f);
    }
    json_object_set_new(j, "agent.name", json_string(name));
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static bool token_syntax(const char *tok, char *pin, size_t pinlen)
{
    const char *dot = strchr(tok, '.');
    size_t pl = dot ? (size_t)(dot - tok) : 0;
    if (!dot || pl != CANH_AGENT_PIN_HEX || pl >= pinlen || strlen(dot + 1) != SECRET_CHARS)
        return false;
    for (size_t i = 0; i < pl; i++)
        if (!strchr("0123456789abcdefABCDEF", tok[i]))
            return false;
    for (const char *p = dot + 1; *p; p++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p))
            return false;
    memcpy(pin, tok, pl);
    pin[pl] = '\0';
    return true;
}

int canh_agent_enroll(const canh_enroll_opts_t *o, int64_t *agent_id, canh_errbuf_t *eb)
{
    char pin[80], name[128], install[33];
    if (!o->manager || !o->token || !o->data_dir)
        return canh_errf(eb, CANH_EINVAL, "enroll: manager, token and data dir are needed");
    if (!token_syntax(o->token, pin, sizeof pin))
        return canh_errf(eb, CANH_EINVAL,
                         "token: expected <32 hex digits>.<43 base64url characters>");
    if (o->name && *o->name)
        snprintf(name, sizeof name, "%s", o->name);
    else
        canh_agent_hostname(name, sizeof name);
    int timeout = o->timeout_s > 0 ? o->timeout_s : 30;
    canh_agent_random_hex(install);

    EVP_PKEY *key = canh_agent_key_new();
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    X509 *ca = NULL, *cert = NULL;
    int fd = -1, rc = CANH_ENOMEM;
    char *facts = host_facts(name);
    canh_buf_t csr, frame, keypem, capem;
    canh_buf_init(&csr, 64 * 1024);
    canh_buf_init(&frame, CANH_AGENT_MAX_CONTROL + 64);
    canh_buf_init(&keypem, 64 * 1024);
    canh_buf_init(&capem, 64 * 1024);
    if (!key || !facts)
        goto out;
    if ((rc = canh_agent_csr_pem(key, name, &csr, eb)) != CANH_OK)
        goto out;
    if (!(ctx = canh_agent_client_ctx(NULL, NULL, NULL, eb))) {
        rc = CANH_ENOMEM;
        goto out;
    }
    if ((rc = canh_agent_tls_connect(ctx, o->manager, timeout, &ssl, &fd, eb)) != CANH_OK)
        goto out;
    /* The token goes out only to the manager it names. */
    if ((rc = canh_agent_pin_check(ssl, pin, &ca, eb)) != CANH_OK)
        goto out;
    if ((rc = canh_agent_put_enroll(&frame, o->token, csr.data, name, install, facts)) != CANH_OK ||
        (rc = canh_agent_tls_write(ssl, frame.data, frame.len, eb)) != CANH_OK)
        goto out;
    uint8_t type;
    if ((rc = canh_agent_tls_read_frame(ssl, &frame, &type, eb)) != CANH_OK)
        goto out;
    canh_agent_msg_t m;
    if (canh_agent_msg_parse(type, (const uint8_t *)frame.data, frame.len, &m) != CANH_OK) {
        rc = canh_errf(eb, CANH_EINVAL, "manager: malformed reply");
        goto out;
    }
    if (type == CANH_AGENT_ERROR) {
        rc = canh_errf(eb, m.u.error.code == CANH_EPERM ? CANH_EPERM : CANH_EIO,
                       "manager refused the enrollment: %.*s", (int)m.u.error.message.n,
                       m.u.error.message.p ? m.u.error.message.p : "");
        goto out;
    }
    if (type != CANH_AGENT_ENROLLED) {
        rc = canh_errf(eb, CANH_EINVAL, "manager: unexpected %s", canh_agent_msg_name(type));
        goto out;
    }
    /* What comes back must be ours: our key, signed by the pinned CA. */
    X509 *ca2 = canh_agent_cert_parse(m.u.enrolled.ca.p, m.u.enrolled.ca.n);
    cert = canh_agent_cert_parse(m.u.enrolled.cert.p, m.u.enrolled.cert.n);
    bool ok = ca2 && cert && X509_cmp(ca, ca2) == 0 && X509_check_private_key(cert, key) == 1 &&
              X509_verify(cert, X509_get0_pubkey(ca)) == 1;
    X509_free(ca2);
    ERR_clear_error();
    if (!ok || m.u.enrolled.agent_id <= 0) {
        rc = canh_errf(eb, CANH_EPERM, "manager: the certificate returned is not for this key");
        goto out;
    }
    if ((rc = canh_agent_pem_key(key, &keypem)) != CANH_OK ||
        (rc = canh_agent_pem_cert(ca, &capem)) != CANH_OK ||
        (rc = canh_agent_cred_save(o->data_dir, keypem.data, keypem.len, m.u.enrolled.cert.p,
                                   m.u.enrolled.cert.n, capem.data, capem.len, eb)) != CANH_OK)
        goto out;
    json_t *j =
        json_pack("{s:I, s:s%, s:s, s:s, s:I}", "id", (json_int_t)m.u.enrolled.agent_id, "name",
                  m.u.enrolled.name.p ? m.u.enrolled.name.p : "", m.u.enrolled.name.n, "manager",
                  o->manager, "install_id", install, "enrolled", (json_int_t)time(NULL));
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text) {
        rc = CANH_ENOMEM;
        goto out;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/agent/agent.json", o->data_dir);
    rc = canh_agent_write_file(path, text, strlen(text), 0600, eb);
    free(text);
    if (rc == CANH_OK)
        *agent_id = m.u.enrolled.agent_id;
out:
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(key);
    free(facts);
    if (keypem.data)
        OPENSSL_cleanse(keypem.data, keypem.len);
    canh_buf_fini(&keypem);
    canh_buf_fini(&capem);
    canh_buf_fini(&csr);
    if (frame.data)
        OPENSSL_cleanse(frame.data, frame.cap);
    canh_buf_fini(&frame);
    ERR_clear_error();
    return rc;
}
