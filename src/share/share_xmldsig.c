/* share_xmldsig.c - the enveloped XML signature of an edXML document
 * (XML-DSig 1.0 with exclusive C14N, SHA-256 and RSA-SHA256), and its
 * verification.
 *
 * Both directions canonicalise through one visibility callback over the
 * parsed tree: the reference covers the whole document minus the Signature
 * element (what the enveloped-signature transform leaves), the signature
 * covers the SignedInfo subtree. Computing the digest with the Signature
 * already in place, but invisible, is exactly what a verifier does, so any
 * whitespace placed around it is covered the same way on both sides. */
#include <errno.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/share.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define X(s) ((const xmlChar *)(s))

/* ---- shared helpers --------------------------------------------------------------- */

/* Parses a document without network access, DTD loading or entity
 * substitution; a document carrying a DTD at all is refused (nothing in
 * edXML needs one, and it is where entity expansion attacks live). */
static int parse(const char *xml, size_t len, xmlDocPtr *out, canh_errbuf_t *eb)
{
    if (len > CANH_EDXML_MAX_DOC)
        return canh_errf(eb, CANH_ELIMIT, "xmldsig: document of %zu bytes is past the limit", len);
    xmlInitParser();
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "edxml.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        return canh_errf(eb, CANH_EINVAL, "xmldsig: line %d: not well-formed XML: %s",
                         e ? e->line : 0, e && e->message ? e->message : "parse error\n");
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return canh_errf(eb, CANH_EINVAL, "xmldsig: documents with a DTD are not accepted");
    }
    if (!xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        return canh_errf(eb, CANH_EINVAL, "xmldsig: empty document");
    }
    *out = doc;
    return CANH_OK;
}

static bool is_elem(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
           (ns ? n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns) : !n->ns);
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
    return n ? first_elem(n->next) : NULL;
}

/* Every Signature element in the XML-DSig namespace under n (counted; the
 * first one returned in *first). */
static size_t find_signatures(xmlNodePtr n, xmlNodePtr *first)
{
    size_t count = 0;
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_elem(n, DSIG_NS, "Signature")) {
            if (!count)
                *first = n;
            count++;
        }
        xmlNodePtr sub = NULL;
        size_t k = find_signatures(n->children, &sub);
        if (k && !count)
            *first = sub;
        count += k;
    }
    return count;
}

typedef struct vis {
    xmlNodePtr include; /* only this subtree (NULL: the whole document) */
    xmlNodePtr exclude; /* minus this subtree (NULL: nothing) */
} vis_t;

static bool under(const xmlNode *n, const xmlNode *anc)
{
    for (; n; n = n->parent)
        if (n == anc)
            return true;
    return false;
}

/* libxml2 calls this for elements and text (parent = node->parent) and for
 * attributes and namespace nodes (parent = their element; node is then an
 * xmlAttr or xmlNs and must not be dereferenced as an xmlNode). A node is
 * inside a subtree when it is its root or its parent lies inside it. */
/* cppcheck-suppress constParameter ; the type is libxml2's callback */
static int visible(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    const vis_t *v = ud;
    if (v->exclude && (node == v->exclude || under(parent, v->exclude)))
        return 0;
    if (v->include && !(node == v->include || under(parent, v->include)))
        return 0;
    return 1;
}

/* Exclusive C14N (without comments) of the visible part of doc, hashed with
 * SHA-256 into md (digest mode) or returned whole in *data (canh_malloc'd). */
static int c14n(xmlDocPtr doc, vis_t *v, unsigned char md[32], unsigned char **data, size_t *len,
                canh_errbuf_t *eb)
{
    xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
    if (!ob)
        return canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
    int rc = CANH_OK;
    if (xmlC14NExecute(doc, visible, v, XML_C14N_EXCLUSIVE_1_0, NULL, 0, ob) < 0) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: canonicalisation failed");
        goto out;
    }
    const unsigned char *c = xmlOutputBufferGetContent(ob);
    size_t n = xmlOutputBufferGetSize(ob);
    if (md) {
        unsigned int mdlen = 0;
        if (!EVP_Digest(c ? c : (const unsigned char *)"", n, md, &mdlen, EVP_sha256(), NULL))
            rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: SHA-256 failed");
    } else {
        *data = canh_malloc(n ? n : 1);
        if (!*data) {
            rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
            goto out;
        }
        if (n)
            memcpy(*data, c, n);
        *len = n;
    }
out:
    xmlOutputBufferClose(ob);
    return rc;
}

/* Base64 without line breaks, NUL-terminated; canh_free it. */
static char *b64(const unsigned char *p, size_t n)
{
    if (n > (size_t)INT32_MAX / 2)
        return NULL;
    char *o = canh_malloc(4 * ((n + 2) / 3) + 1);
    if (o)
        EVP_EncodeBlock((unsigned char *)o, p, (int)n);
    return o;
}

/* Decodes base64 text that may hold whitespace (xmlsec wraps lines) into a
 * canh_malloc'd buffer. false on malformed input or allocation failure. */
static bool unb64(const char *s, unsigned char **out, size_t *n)
{
    size_t len = strlen(s), k = 0;
    if (len > (size_t)INT32_MAX / 2)
        return false;
    char *t = canh_malloc(len + 1);
    unsigned char *o = canh_malloc(len / 4 * 3 + 3);
    if (!t || !o)
        goto bad;
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            t[k++] = s[i];
    if (!k || k % 4)
        goto bad;
    int dn = EVP_DecodeBlock(o, (unsigned char *)t, (int)k);
    if (dn < 0)
        goto bad;
    size_t pad = (t[k - 1] == '=') + (k > 1 && t[k - 2] == '=');
    canh_free(t);
    *out = o;
    *n = (size_t)dn - pad;
    return true;
bad:
    canh_free(t);
    canh_free(o);
    return false;
}

static int ossl_err(canh_errbuf_t *eb, int code, const char *what)
{
    char msg[256];
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "unknown error");
    ERR_clear_error();
    return canh_errf(eb, code, "xmldsig: %s: %s", what, msg);
}

static int open_pem(const char *path, BIO **out, canh_errbuf_t *eb)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b) {
        int e = errno;
        ERR_clear_error();
        return canh_errf(eb, e == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: cannot open: %s", path,
                         strerror(e ? e : EIO));
    }
    *out = b;
    return CANH_OK;
}

static int load_cert(const char *path, X509 **out, canh_errbuf_t *eb)
{
    BIO *b = NULL;
    int rc = open_pem(path, &b, eb);
    if (rc)
        return rc;
    X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!c) {
        ERR_clear_error();
        return canh_errf(eb, CANH_EINVAL, "%s: no PEM certificate", path);
    }
    *out = c;
    return CANH_OK;
}

/* A passphrase callback that supplies none: an encrypted key fails to load
 * instead of OpenSSL prompting on the terminal. */
static int no_pass(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* ---- signing ------------------------------------------------------------------------- */

/* Appends "\n" + indent and a new element in ns; NULL on allocation failure. */
static xmlNodePtr add(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *indent)
{
    xmlNodePtr ws = xmlNewDocText(parent->doc, X(indent));
    if (!ws || !xmlAddChild(parent, ws)) {
        xmlFreeNode(ws);
        return NULL;
    }
    return xmlNewChild(parent, ns, X(name), NULL);
}

static bool close_indent(xmlNodePtr parent, const char *indent)
{
    xmlNodePtr ws = xmlNewDocText(parent->doc, X(indent));
    if (!ws || !xmlAddChild(parent, ws)) {
        xmlFreeNode(ws);
        return false;
    }
    return true;
}

static xmlNodePtr add_alg(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *alg,
                          const char *indent)
{
    xmlNodePtr n = add(parent, ns, name, indent);
    if (n && !xmlNewProp(n, X("Algorithm"), X(alg)))
        return NULL;
    return n;
}

/* Builds the Signature skeleton (values empty) with indentation matching
 * its depth; base is the whitespace before it ("\n    "). */
typedef struct sig_nodes {
    xmlNodePtr sig, signed_info, digest, value, subject, cert;
} sig_nodes_t;

static bool build_skeleton(xmlDocPtr doc, const char *base, sig_nodes_t *s)
{
    char i1[64], i2[64], i3[64], i4[64];
    snprintf(i1, sizeof i1, "%s  ", base);
    snprintf(i2, sizeof i2, "%s    ", base);
    snprintf(i3, sizeof i3, "%s      ", base);
    snprintf(i4, sizeof i4, "%s        ", base);
    s->sig = xmlNewDocNode(doc, NULL, X("Signature"), NULL);
    if (!s->sig)
        return false;
    xmlNsPtr ns = xmlNewNs(s->sig, X(DSIG_NS), NULL);
    if (!ns)
        return false;
    xmlSetNs(s->sig, ns);
    xmlNodePtr si, ref, tr, ki, xd;
    if (!(si = add(s->sig, ns, "SignedInfo", i1)) ||
        !add_alg(si, ns, "CanonicalizationMethod", ALG_EXC_C14N, i2) ||
        !add_alg(si, ns, "SignatureMethod", ALG_RSA_SHA256, i2) ||
        !(ref = add(si, ns, "Reference", i2)) || !xmlNewProp(ref, X("URI"), X("")) ||
        !(tr = add(ref, ns, "Transforms", i3)) ||
        !add_alg(tr, ns, "Transform", ALG_ENVELOPED, i4) ||
        !add_alg(tr, ns, "Transform", ALG_EXC_C14N, i4) || !close_indent(tr, i3) ||
        !add_alg(ref, ns, "DigestMethod", ALG_SHA256, i3) ||
        !(s->digest = add(ref, ns, "DigestValue", i3)) || !close_indent(ref, i2) ||
        !close_indent(si, i1) || !(s->value = add(s->sig, ns, "SignatureValue", i1)) ||
        !(ki = add(s->sig, ns, "KeyInfo", i1)) || !(xd = add(ki, ns, "X509Data", i2)) ||
        !(s->subject = add(xd, ns, "X509SubjectName", i3)) ||
        !(s->cert = add(xd, ns, "X509Certificate", i3)) || !close_indent(xd, i2) ||
        !close_indent(ki, i1) || !close_indent(s->sig, base))
        return false;
    s->signed_info = si;
    return true;
}

/* Inserts the Signature as the last element of header: after the last
 * element child, with the indentation the header's children use. */
static bool place(xmlNodePtr header, const sig_nodes_t *s, const char *base)
{
    xmlNodePtr last = header->last;
    if (last && last->type == XML_TEXT_NODE && xmlIsBlankNode(last)) {
        /* Signature first, then the indentation before it: libxml2 merges a
         * text node added next to another text node. */
        if (!xmlAddPrevSibling(last, s->sig))
            return false;
        xmlNodePtr ws = xmlNewDocText(header->doc, X(base));
        if (!ws || !xmlAddPrevSibling(s->sig, ws)) {
            xmlFreeNode(ws);
            xmlUnlinkNode(s->sig);
            return false;
        }
        return true;
    }
    return xmlAddChild(header, s->sig) != NULL;
}

/* The whitespace that precedes header's first element child ("\n    "), or
 * "" when the document is not indented; at most 32 characters kept. */
static void base_indent(xmlNodePtr header, char out[40])
{
    out[0] = '\0';
    xmlNodePtr f = header->children;
    if (f && f->type == XML_TEXT_NODE && xmlIsBlankNode(f) && f->content) {
        size_t n = strlen((const char *)f->content);
        const char *c = (const char *)f->content;
        if (n > 32) {
            c += n - 32;
            n = 32;
        }
        memcpy(out, c, n);
        out[n] = '\0';
        /* keep only the last line break and what follows it */
        char *nl = strrchr(out, '\n');
        if (nl && nl != out)
            memmove(out, nl, strlen(nl) + 1);
    }
}

static int set_text(xmlNodePtr n, const char *text, canh_errbuf_t *eb)
{
    xmlNodePtr t = xmlNewDocText(n->doc, X(text));
    if (!t || !xmlAddChild(n, t)) {
        xmlFreeNode(t);
        return canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
    }
    return CANH_OK;
}

int canh_xmldsig_sign(const char *xml, size_t len, const char *key_pem, const char *cert_pem,
                      canh_buf_t *out, canh_errbuf_t *eb)
{
    xmlDocPtr doc = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    BIO *b = NULL, *mem = NULL;
    EVP_MD_CTX *mctx = NULL;
    unsigned char *der = NULL, *si = NULL, *sigval = NULL;
    char *t64 = NULL;
    xmlBufferPtr dump = NULL;
    size_t silen = 0;
    sig_nodes_t s = {0};
    bool placed = false;
    int rc;

    if ((rc = load_cert(cert_pem, &cert, eb)) != CANH_OK)
        goto out;
    if ((rc = open_pem(key_pem, &b, eb)) != CANH_OK)
        goto out;
    key = PEM_read_bio_PrivateKey(b, NULL, no_pass, NULL);
    if (!key) {
        ERR_clear_error();
        rc = canh_errf(eb, CANH_EINVAL, "%s: no unencrypted PEM private key", key_pem);
        goto out;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        rc = canh_errf(eb, CANH_EINVAL, "%s: not an RSA key (the edXML signature is RSA-SHA256)",
                       key_pem);
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        rc = canh_errf(eb, CANH_EINVAL, "%s: the key does not match the certificate %s", key_pem,
                       cert_pem);
        goto out;
    }
    if ((rc = parse(xml, len, &doc, eb)) != CANH_OK)
        goto out;
    xmlNodePtr root = xmlDocGetRootElement(doc), header = NULL;
    for (xmlNodePtr c = first_elem(root->children); c; c = next_elem(c))
        if (is_elem(c, CANH_EDXML_NS, "edXMLHeader"))
            header = c;
    if (!header) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: no edXMLHeader in the edXML namespace");
        goto out;
    }
    xmlNodePtr existing = NULL;
    if (find_signatures(root, &existing)) {
        rc = canh_errf(eb, CANH_EEXIST, "xmldsig: the document is already signed");
        goto out;
    }
    char base[40];
    base_indent(header, base);
    if (!build_skeleton(doc, base, &s) || !(placed = place(header, &s, base))) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }

    /* The reference: the whole document as the enveloped transform leaves it. */
    unsigned char md[32];
    vis_t v = {NULL, s.sig};
    if ((rc = c14n(doc, &v, md, NULL, NULL, eb)) != CANH_OK)
        goto out;
    if (!(t64 = b64(md, sizeof md))) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }
    if ((rc = set_text(s.digest, t64, eb)) != CANH_OK)
        goto out;
    canh_free(t64);
    t64 = NULL;

    /* KeyInfo: the subject (RFC 2253, ASCII: other bytes are escaped) and
     * the certificate. It lies outside SignedInfo, so order does not matter. */
    mem = BIO_new(BIO_s_mem());
    if (!mem || X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0 ||
        BIO_write(mem, "", 1) != 1) {
        rc = ossl_err(eb, CANH_ENOMEM, "certificate subject");
        goto out;
    }
    char *subj = NULL;
    BIO_get_mem_data(mem, &subj);
    if ((rc = set_text(s.subject, subj, eb)) != CANH_OK)
        goto out;
    int dlen = i2d_X509(cert, &der);
    if (dlen <= 0) {
        rc = ossl_err(eb, CANH_EINVAL, "certificate encoding");
        goto out;
    }
    if (!(t64 = b64(der, (size_t)dlen))) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }
    if ((rc = set_text(s.cert, t64, eb)) != CANH_OK)
        goto out;
    canh_free(t64);
    t64 = NULL;

    /* The signature over the canonical SignedInfo. */
    vis_t vs = {s.signed_info, NULL};
    if ((rc = c14n(doc, &vs, NULL, &si, &silen, eb)) != CANH_OK)
        goto out;
    size_t slen = 0;
    mctx = EVP_MD_CTX_new();
    if (!mctx || EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(mctx, NULL, &slen, si, silen) != 1) {
        rc = ossl_err(eb, CANH_EINVAL, "RSA-SHA256 signing");
        goto out;
    }
    if (!(sigval = canh_malloc(slen))) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }
    if (EVP_DigestSign(mctx, sigval, &slen, si, silen) != 1) {
        rc = ossl_err(eb, CANH_EINVAL, "RSA-SHA256 signing");
        goto out;
    }
    if (!(t64 = b64(sigval, slen))) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }
    if ((rc = set_text(s.value, t64, eb)) != CANH_OK)
        goto out;

    /* Serialised as parsed (no reformatting: the digest covers the
     * whitespace), empty elements as <x></x> like the unsigned document. */
    dump = xmlBufferCreate();
    xmlSaveCtxtPtr sc = dump ? xmlSaveToBuffer(dump, "UTF-8", XML_SAVE_NO_EMPTY) : NULL;
    if (!sc) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: out of memory");
        goto out;
    }
    long saved = xmlSaveDoc(sc, doc);
    if (xmlSaveClose(sc) < 0 || saved < 0) {
        rc = canh_errf(eb, CANH_ENOMEM, "xmldsig: serialising failed");
        goto out;
    }
    size_t dumplen = (size_t)xmlBufferLength(dump);
    if (dumplen > CANH_EDXML_MAX_DOC) {
        rc = canh_errf(eb, CANH_ELIMIT, "xmldsig: signed document past the limit");
        goto out;
    }
    if ((rc = canh_buf_append(out, xmlBufferContent(dump), dumplen)) != CANH_OK)
        canh_errf(eb, rc, "xmldsig: %s", canh_strerror(rc));
out:
    if (!placed && s.sig)
        xmlFreeNode(s.sig);
    if (dump)
        xmlBufferFree(dump);
    canh_free(t64);
    canh_free(sigval);
    canh_free(si);
    OPENSSL_free(der);
    EVP_MD_CTX_free(mctx);
    BIO_free(mem);
    BIO_free(b);
    EVP_PKEY_free(key);
    X509_free(cert);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- verifying ----------------------------------------------------------------------- */

/* The Algorithm attribute of n equals alg. */
static bool alg_is(xmlNodePtr n, const char *alg)
{
    xmlChar *a = xmlGetNoNsProp(n, X("Algorithm"));
    bool ok = a && !strcmp((const char *)a, alg);
    xmlFree(a);
    return ok;
}

/* The element's text (canh_malloc'd copy), or NULL. */
static char *text_of(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *d = c ? canh_strdup((const char *)c) : NULL;
    xmlFree(c);
    return d;
}

int canh_xmldsig_verify(const char *xml, size_t len, const char *cert_pem, canh_errbuf_t *eb)
{
    xmlDocPtr doc = NULL;
    X509 *cert = NULL;
    EVP_MD_CTX *mctx = NULL;
    unsigned char *want = NULL, *sigval = NULL, *si = NULL, *der = NULL;
    char *txt = NULL;
    size_t nwant = 0, nsig = 0, silen = 0, nder = 0;
    int rc;

    if ((rc = parse(xml, len, &doc, eb)) != CANH_OK)
        goto out;
    xmlNodePtr sig = NULL;
    size_t nsigs = find_signatures(xmlDocGetRootElement(doc), &sig);
    if (nsigs != 1) {
        rc = canh_errf(eb, nsigs ? CANH_ENOTSUP : CANH_EINVAL,
                       "xmldsig: %zu Signature elements (expected one)", nsigs);
        goto out;
    }
    /* SignedInfo: exactly the algorithms canh_xmldsig_sign writes. */
    xmlNodePtr si_node = first_elem(sig->children);
    xmlNodePtr cm = si_node ? first_elem(si_node->children) : NULL;
    xmlNodePtr sm = next_elem(cm), ref = next_elem(sm);
    if (!is_elem(si_node, DSIG_NS, "SignedInfo") ||
        !is_elem(cm, DSIG_NS, "CanonicalizationMethod") ||
        !is_elem(sm, DSIG_NS, "SignatureMethod") || !is_elem(ref, DSIG_NS, "Reference")) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: malformed SignedInfo");
        goto out;
    }
    if (next_elem(ref)) {
        rc = canh_errf(eb, CANH_ENOTSUP, "xmldsig: more than one Reference");
        goto out;
    }
    if (!alg_is(cm, ALG_EXC_C14N) || !alg_is(sm, ALG_RSA_SHA256)) {
        rc = canh_errf(eb, CANH_ENOTSUP,
                       "xmldsig: only exclusive C14N with RSA-SHA256 is supported");
        goto out;
    }
    xmlChar *uri = xmlGetNoNsProp(ref, X("URI"));
    bool whole = uri && !*uri;
    xmlFree(uri);
    if (!whole) {
        rc = canh_errf(eb, CANH_ENOTSUP, "xmldsig: only Reference URI=\"\" is supported");
        goto out;
    }
    xmlNodePtr trs = first_elem(ref->children);
    xmlNodePtr t1 = is_elem(trs, DSIG_NS, "Transforms") ? first_elem(trs->children) : NULL;
    xmlNodePtr t2 = next_elem(t1);
    xmlNodePtr dm = next_elem(trs), dv = next_elem(dm);
    if (!is_elem(t1, DSIG_NS, "Transform") || !alg_is(t1, ALG_ENVELOPED) ||
        !is_elem(t2, DSIG_NS, "Transform") || !alg_is(t2, ALG_EXC_C14N) || next_elem(t2)) {
        rc = canh_errf(eb, CANH_ENOTSUP,
                       "xmldsig: transforms must be enveloped-signature then exclusive C14N");
        goto out;
    }
    if (!is_elem(dm, DSIG_NS, "DigestMethod") || !alg_is(dm, ALG_SHA256) ||
        !is_elem(dv, DSIG_NS, "DigestValue")) {
        rc = canh_errf(eb, CANH_ENOTSUP, "xmldsig: the digest must be SHA-256");
        goto out;
    }
    xmlNodePtr sv = next_elem(si_node);
    if (!is_elem(sv, DSIG_NS, "SignatureValue")) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: no SignatureValue");
        goto out;
    }
    if (!(txt = text_of(dv)) || !unb64(txt, &want, &nwant) || nwant != 32) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: malformed DigestValue");
        goto out;
    }
    canh_free(txt);
    if (!(txt = text_of(sv)) || !unb64(txt, &sigval, &nsig)) {
        rc = canh_errf(eb, CANH_EINVAL, "xmldsig: malformed SignatureValue");
        goto out;
    }
    canh_free(txt);
    txt = NULL;

    /* The key: the given certificate, else the one in KeyInfo. */
    if (cert_pem) {
        if ((rc = load_cert(cert_pem, &cert, eb)) != CANH_OK)
            goto out;
    } else {
        xmlNodePtr ki = next_elem(sv);
        xmlNodePtr xd = is_elem(ki, DSIG_NS, "KeyInfo") ? first_elem(ki->children) : NULL;
        xmlNodePtr xc = is_elem(xd, DSIG_NS, "X509Data") ? first_elem(xd->children) : NULL;
        while (xc && !is_elem(xc, DSIG_NS, "X509Certificate"))
            xc = next_elem(xc);
        if (!xc || !(txt = text_of(xc)) || !unb64(txt, &der, &nder)) {
            rc = canh_errf(eb, CANH_EINVAL, "xmldsig: no X509Certificate in KeyInfo");
            goto out;
        }
        const unsigned char *p = der;
        cert = d2i_X509(NULL, &p, (long)nder);
        if (!cert) {
            ERR_clear_error();
            rc = canh_errf(eb, CANH_EINVAL, "xmldsig: KeyInfo certificate does not decode");
            goto out;
        }
    }

    unsigned char md[32];
    vis_t v = {NULL, sig};
    if ((rc = c14n(doc, &v, md, NULL, NULL, eb)) != CANH_OK)
        goto out;
    if (CRYPTO_memcmp(md, want, 32) != 0) {
        rc = canh_errf(eb, CANH_EPERM,
                       "xmldsig: digest mismatch: the document was changed after signing");
        goto out;
    }
    vis_t vs = {si_node, NULL};
    if ((rc = c14n(doc, &vs, NULL, &si, &silen, eb)) != CANH_OK)
        goto out;
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    if (!pub || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA) {
        rc = canh_errf(eb, CANH_ENOTSUP, "xmldsig: the certificate key is not RSA");
        goto out;
    }
    mctx = EVP_MD_CTX_new();
    if (!mctx || EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, pub) != 1) {
        rc = ossl_err(eb, CANH_ENOMEM, "verifier");
        goto out;
    }
    if (EVP_DigestVerify(mctx, sigval, nsig, si, silen) != 1) {
        ERR_clear_error();
        rc = canh_errf(eb, CANH_EPERM, "xmldsig: the SignatureValue does not verify");
        goto out;
    }
    rc = CANH_OK;
out:
    canh_free(txt);
    canh_free(want);
    canh_free(sigval);
    canh_free(si);
    canh_free(der);
    EVP_MD_CTX_free(mctx);
    X509_free(cert);
    xmlFreeDoc(doc);
    return rc;
}
