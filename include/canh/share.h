/* canh/share.h - outbound sharing with the national monitoring centre and
 * other receivers.
 *
 * Sections of this header belong to one source file each:
 *   edXML AVReport ....... share_avreport.c
 *   XML-DSig ............. share_xmldsig.c
 *
 * docs/edxml.md describes the exported document field by field. */
#ifndef CANH_SHARE_H
#define CANH_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/store.h"

/* ---- edXML AVReport ------------------------------------------------------------
 * The malware report of Công văn 2290/BTTTT-CATTT (2018): an edXML envelope
 * (QCVN 102:2016) whose body is an AVReport built from the detections in the
 * store. The official annex with the field definitions was not found; the
 * element names, nesting and namespace use follow the one public deployed
 * connector (docs/edxml.md):
 *
 *   <edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 *     <edXML:edXMLHeader>
 *       <edXML:MessageHeader>
 *         <edXML:From> OrganId OrganName OrganAdd Email Telephone Fax Website
 *         <Subject>
 *       [<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">]
 *     <edXML:edXMLBody>
 *       <AVReport name="Canh">
 *         <Datetime>            unix seconds
 *         <Malware>        <Machine ip name> <MalwareInfo> MalwareName MalwareType
 *                                  MalwareBehavior TypeOfDevice NumberFile
 *         <Connection>     <Machine ip name> <ConnectionInfo> Program md5 Sha2 TargetIP
 *         <Vulnerability>  <Machine ip name> <VulnerabilityInfo> Name OSName
 *         <OS>             <Machine ip name> OSName LastUpdate
 *         <Update>         <NumberMachineNotUpdateOn15Day>
 *         <QualityFeature> <Machine ip name> AutoProtect EnableFirewall
 *
 * Every element listed is always written; a value Canh does not know is an
 * empty element. Machines are sorted by name then IP, infos by their first
 * field, so the same alerts give the same document byte for byte. */

#define CANH_EDXML_NS "http://www.mic.gov.vn/TBT/QCVN_102_2016"

/* The sending organisation (edXMLHeader/MessageHeader/From). organ_id, the
 * QCVN 102 agency code ("000.00.00.H00"), is required; the others may be
 * NULL (written empty). Strings are borrowed for the call. */
typedef struct canh_edxml_org {
    const char *organ_id;
    const char *organ_name;
    const char *address; /* OrganAdd */
    const char *email;
    const char *telephone;
    const char *fax;
    const char *website;
} canh_edxml_org_t;

typedef struct canh_avreport_opts {
    const char *vendor;  /* AVReport/@name; NULL: "Canh" */
    const char *subject; /* MessageHeader/Subject; NULL: built from the window */
    int64_t datetime;    /* AVReport/Datetime, unix seconds; 0: the time of creation */
    int64_t from, to;    /* window over alert times, unix seconds, [from, to); 0: open */
    /* fnmatch(3) patterns (case-insensitive) on a machine's name or IP that
     * make its TypeOfDevice "server" or "workstation"; checked after a
     * device given by canh_avreport_add_host and before the alert's own
     * host.type. NULL/0 for none. Borrowed until canh_avreport_finish. */
    const char *const *servers;
    size_t nservers;
    const char *const *workstations;
    size_t nworkstations;
    /* false: one Machine per host with one MalwareInfo per malware name on
     * it. true: one Machine per (host, malware name), each with a single
     * MalwareInfo, the layout of the deployed Bitdefender connector, for a
     * receiver that reads only the first MalwareInfo of a Machine. */
    bool machine_per_malware;
    uint64_t max_alerts; /* 0: CANH_AVREPORT_MAX_ALERTS */
} canh_avreport_opts_t;

/* What is known about a machine beyond its alerts (agent inventory, later).
 * Strings are copied. */
typedef struct canh_avreport_host {
    const char *name;    /* host name (required unless ip) */
    const char *ip;      /* its address, or NULL */
    const char *device;  /* "server", "workstation" or NULL */
    const char *os_name; /* or NULL */
    int64_t last_update; /* unix seconds of the last signature update; 0: unknown */
    int auto_protect;    /* real-time protection: 1 on, 0 off, -1 unknown */
    int firewall;        /* host firewall: 1 on, 0 off, -1 unknown */
} canh_avreport_host_t;

typedef struct canh_avreport canh_avreport_t;

/* Creates an empty report. o may be NULL (all defaults). The strings in o
 * are copied except the pattern arrays (see above). */
int canh_avreport_create(const canh_avreport_opts_t *o, canh_avreport_t **out, canh_errbuf_t *eb);
void canh_avreport_destroy(canh_avreport_t *r);

/* Takes one stored alert document (hostile bytes: any JSON, any size, any
 * encoding). Alerts with rule.source "malware" feed Malware, "vuln" feed
 * Vulnerability, "intel" alerts on an IP indicator feed Connection; others
 * and alerts outside the window are counted as skipped. A document that is
 * not a JSON object is counted as malformed; invalid UTF-8 is replaced with
 * U+FFFD and text is cut at CANH_AVREPORT_MAX_FIELD bytes. rule_source
 * (may be NULL) is used when the document has no rule.source. Returns
 * CANH_OK (also for skipped and malformed alerts), CANH_ENOMEM, or
 * CANH_EINVAL after canh_avreport_finish. Past max_alerts or
 * CANH_AVREPORT_MAX_MEMORY alerts are counted as dropped. */
int canh_avreport_add_alert(canh_avreport_t *r, int64_t ts_ns, const char *rule_source,
                            const char *json, size_t len);
/* Adds what an inventory knows about a machine (OS, QualityFeature, Update).
 * CANH_EINVAL without name and ip, or after finish. */
int canh_avreport_add_host(canh_avreport_t *r, const canh_avreport_host_t *h);
/* Reads the window's malware, vuln and intel alerts from the store through
 * canh_store_alerts_query and adds them. */
int canh_avreport_load(canh_avreport_t *r, canh_store_t *st, canh_errbuf_t *eb);
/* Groups what was added into the report's machines and infos. After this
 * the report is read-only. Calling it twice is harmless. */
int canh_avreport_finish(canh_avreport_t *r, canh_errbuf_t *eb);

typedef struct canh_avreport_stats {
    uint64_t alerts;    /* documents handed to add_alert */
    uint64_t used;      /* that fed a section */
    uint64_t skipped;   /* other sources, outside the window, intel on non-IPs */
    uint64_t malformed; /* not a JSON object */
    uint64_t dropped;   /* past max_alerts or the memory limit */
    uint64_t truncated; /* text fields cut to CANH_AVREPORT_MAX_FIELD */
    size_t hosts;       /* distinct machines after finish */
} canh_avreport_stats_t;
void canh_avreport_get_stats(const canh_avreport_t *r, canh_avreport_stats_t *out);

typedef enum canh_avreport_kind {
    CANH_AVR_MALWARE = 0,
    CANH_AVR_CONNECTION,
    CANH_AVR_VULN,
    CANH_AVR_NKINDS
} canh_avreport_kind_t;

/* One info line of the report, after finish. Strings are valid UTF-8 with
 * XML-legal characters only and live as long as the report; "" when unknown.
 *   MALWARE:    name = MalwareName, type, behavior, files = NumberFile
 *   CONNECTION: program, md5, sha2, target
 *   VULN:       name = "CVE-... (component version)", os */
typedef struct canh_avreport_item {
    canh_avreport_kind_t kind;
    const char *host;   /* Machine/@name */
    const char *ip;     /* Machine/@ip ("" when no valid address is known) */
    const char *device; /* "server", "workstation" or "unknown" */
    const char *name;
    const char *type;
    const char *behavior;
    const char *program, *md5, *sha2, *target;
    const char *os;
    uint64_t files; /* distinct files (MALWARE) */
    uint64_t count; /* alerts behind the line */
    int64_t first_ns, last_ns;
} canh_avreport_item_t;

/* Number of items of a kind, and item i (sorted by host, ip, then name or
 * program/target); NULL past the end or before finish. */
size_t canh_avreport_count(const canh_avreport_t *r, canh_avreport_kind_t kind);
const canh_avreport_item_t *canh_avreport_item(const canh_avreport_t *r, canh_avreport_kind_t kind,
                                               size_t i);

/* The MalwareType Canh assigns to a malware name (family or signature),
 * engine and verdict: a keyword table over the name's words (Ransomware,
 * TestFile, Webshell, Rootkit, Backdoor, Worm, Coinminer, Spyware, Botnet,
 * Adware, Exploit, Trojan, Virus, PUA), else "Suspicious" for a suspicious
 * verdict, else "Malware". Any argument may be NULL. Static string. */
const char *canh_avreport_malware_type(const char *name, const char *engine, const char *verdict);

/* Appends the edXML document (UTF-8, with an XML declaration, indented) to
 * out. CANH_EINVAL before finish or without org->organ_id (detail in eb),
 * CANH_ELIMIT past out's maximum or CANH_EDXML_MAX_DOC, CANH_ENOMEM. */
int canh_avreport_write_edxml(const canh_avreport_t *r, const canh_edxml_org_t *org,
                              canh_buf_t *out, canh_errbuf_t *eb);

/* ---- XML-DSig ------------------------------------------------------------------
 * An enveloped XML signature over a whole edXML document, as the 2290
 * connector carries it: Reference URI="" with the enveloped-signature and
 * exclusive C14N transforms, SHA-256 digest, RSA-SHA256 SignatureValue,
 * KeyInfo/X509Data with X509SubjectName and X509Certificate. Verifiable
 * with `xmlsec1 --verify --trusted-pem CERT`. */

/* Signs xml[0..len) (an edXML document with an edXMLHeader in CANH_EDXML_NS)
 * with the RSA private key in key_pem (an unencrypted PEM file) and the
 * matching certificate in cert_pem, placing the Signature as the last child
 * of edXMLHeader, and appends the signed document to out. Returns
 * CANH_ENOENT / CANH_EIO when a PEM file cannot be read, CANH_EINVAL for a
 * malformed document, no edXMLHeader, a key that is not RSA or that does not
 * match the certificate, CANH_EEXIST when a Signature is already there,
 * CANH_ELIMIT past CANH_EDXML_MAX_DOC or out's maximum, CANH_ENOMEM; detail
 * in eb. The key material stays in OpenSSL's memory and is freed (wiped)
 * there. */
int canh_xmldsig_sign(const char *xml, size_t len, const char *key_pem, const char *cert_pem,
                      canh_buf_t *out, canh_errbuf_t *eb);

/* Verifies the enveloped signature made as above: the algorithms must be
 * exactly those canh_xmldsig_sign writes, the reference digest must match
 * the document without its Signature, and the SignatureValue must verify
 * under the public key of cert_pem, or, when cert_pem is NULL, of the
 * certificate in KeyInfo (which then proves integrity, not who signed).
 * CANH_OK when it verifies, CANH_EPERM when it does not (detail in eb),
 * CANH_EINVAL for a malformed document or signature, CANH_ENOTSUP for other
 * algorithms, CANH_ENOENT / CANH_EIO for an unreadable cert_pem. */
int canh_xmldsig_verify(const char *xml, size_t len, const char *cert_pem, canh_errbuf_t *eb);

#endif
