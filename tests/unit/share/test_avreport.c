/* Unit tests: the edXML AVReport (Công văn 2290) and its XML signature.
 *
 * A store in a temporary directory gets alerts as `canh scan --store` and
 * `canh replay --store` write them (malware on two hosts, a Log4j finding,
 * intel alerts from an endpoint and from a firewall log, alerts the report
 * must leave out); the export is validated against
 * tests/fixtures/edxml/avreport.xsd with xmlSchemaValidateDoc and its content
 * read back with XPath. Also: the store query by source and window, the
 * MalwareType table, the flat layout, order independence, the inventory
 * sections, an empty store, hostile alert documents, and the enveloped
 * signature (keys made at run time) checked by canh_xmldsig_verify and by
 * xmlsec1 when installed, with tampering detected. */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "canh/buf.h"
#include "canh/limits.h"
#include "canh/share.h"
#include "canh/store.h"

#define SEC INT64_C(1000000000)
#define T0 INT64_C(1714521600) /* 2024-05-01T00:00:00Z */
#define MB (64u << 20)

/* ---- fixtures --------------------------------------------------------------------- */

typedef struct fx {
    char dir[64];
    canh_store_t *st;
    xmlSchemaPtr schema;
    xmlSchemaParserCtxtPtr pctx;
} fx_t;

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_rf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/canh-avreport-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    canh_errbuf_t eb = {{0}};
    char data[128];
    snprintf(data, sizeof data, "%s/data", f->dir);
    assert_int_equal(canh_store_open(data, &f->st, &eb), CANH_OK);
    f->pctx = xmlSchemaNewParserCtxt(CANH_FIXTURES "/edxml/avreport.xsd");
    assert_non_null(f->pctx);
    f->schema = xmlSchemaParse(f->pctx);
    assert_non_null(f->schema);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    canh_store_close(f->st);
    xmlSchemaFree(f->schema);
    xmlSchemaFreeParserCtxt(f->pctx);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static void add(fx_t *f, int64_t ts, const char *source, const char *json)
{
    canh_errbuf_t eb = {{0}};
    assert_int_equal(
        canh_store_alert_add(f->st, ts * SEC, "r", source, "high", json, strlen(json), &eb),
        CANH_OK);
}

/* The alerts of the main scenario. */
static void seed(fx_t *f)
{
    /* web01: EICAR twice in two places (one file seen by two engines), a
     * Mirai sample found by YARA. */
    add(f, T0 + 100, "malware",
        "{\"@timestamp\":\"2024-05-01T00:01:40Z\",\"host\":{\"name\":\"web01\",\"ip\":[\"10.0.0."
        "5\"],"
        "\"os\":{\"name\":\"Ubuntu "
        "22.04\"},\"type\":\"server\"},\"file\":{\"path\":\"/var/www/a.com\","
        "\"name\":\"a.com\",\"size\":68,\"hash\":{\"sha256\":"
        "\"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\"}},"
        "\"malware\":{\"engine\":\"clamav\",\"verdict\":\"malicious\",\"family\":\"EICAR-Test-"
        "File\","
        "\"signature\":\"Win.Test.EICAR_HDB-1\"},\"rule\":{\"id\":\"canh.malware.clamav\","
        "\"name\":\"Malware: EICAR\",\"source\":\"malware\",\"level\":\"high\"}}");
    add(f, T0 + 101, "malware",
        "{\"host\":{\"name\":\"web01\",\"ip\":\"10.0.0.5\"},\"file\":{\"path\":\"/var/www/a.com\"},"
        "\"malware\":{\"engine\":\"hash\",\"verdict\":\"malicious\",\"family\":\"EICAR-Test-File\","
        "\"signature\":\"eicar.sha256\"},\"rule\":{\"source\":\"malware\"}}");
    add(f, T0 + 102, "malware",
        "{\"host\":{\"name\":\"web01\",\"ip\":\"10.0.0.5\"},\"file\":{\"path\":\"/tmp/b.com\"},"
        "\"malware\":{\"engine\":\"clamav\",\"verdict\":\"malicious\",\"family\":\"EICAR-Test-"
        "File\","
        "\"signature\":\"Win.Test.EICAR_HDB-1\"},\"rule\":{\"source\":\"malware\"}}");
    add(f, T0 + 103, "malware",
        "{\"host\":{\"name\":\"web01\",\"ip\":\"10.0.0.5\"},\"file\":{\"path\":\"/tmp/m.elf\"},"
        "\"malware\":{\"engine\":\"yara\",\"verdict\":\"malicious\",\"family\":\"Mirai\","
        "\"signature\":\"Linux_Mirai_1\"},\"rule\":{\"source\":\"malware\"}}");
    /* pc-17: flat ECS keys, a ransomware named only by its signature */
    add(f, T0 + 200, "malware",
        "{\"host.name\":\"pc-17\",\"host.ip\":\"10.0.1.17\",\"host.os.name\":\"Windows 10\","
        "\"file.path\":\"C:\\\\Users\\\\a\\\\w.exe\",\"malware.engine\":\"clamav\","
        "\"malware.verdict\":\"malicious\",\"malware.signature\":\"Win.Ransomware.WannaCry-1\","
        "\"rule.source\":\"malware\"}");
    /* db01: the Log4j finding */
    add(f, T0 + 300, "vuln",
        "{\"host\":{\"name\":\"db01\",\"ip\":\"10.0.0.9\",\"os\":{\"name\":\"CentOS 7\"}},"
        "\"file\":{\"path\":\"/opt/app/lib/log4j-core-2.14.1.jar\"},"
        "\"vulnerability\":{\"id\":[\"CVE-2021-44228\",\"CVE-2021-45046\"]},"
        "\"package\":{\"name\":\"log4j-core\",\"version\":\"2.14.1\"},"
        "\"malware\":{\"engine\":\"log4j\"},\"rule\":{\"name\":\"Vulnerable Log4j\","
        "\"source\":\"vuln\"}}");
    /* intel: pc-17's program calling a C2 (endpoint event with process) */
    add(f, T0 + 400, "intel",
        "{\"host\":{\"name\":\"pc-17\",\"ip\":\"10.0.1.17\"},\"process\":{\"executable\":"
        "\"C:\\\\Users\\\\a\\\\evil.exe\",\"pid\":4242,\"hash\":{\"md5\":"
        "\"44D88612FEA8A8F36DE82E1278ABB02F\",\"sha256\":"
        "\"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\"}},"
        "\"source\":{\"ip\":\"10.0.1.17\"},\"destination\":{\"ip\":\"45.9.9.9\"},"
        "\"threat\":{\"indicator\":{\"type\":\"ipv4-addr\",\"value\":\"45.9.9.9\","
        "\"matched\":{\"field\":\"destination.ip\",\"atomic\":\"45.9.9.9\"}}},"
        "\"rule\":{\"source\":\"intel\"}}");
    /* intel: a firewall log of 10.0.1.17 talking to a botnet address: the
     * machine is the source, known by name from its other alerts */
    add(f, T0 + 401, "intel",
        "{\"host\":{\"name\":\"fw01\"},\"source\":{\"ip\":\"10.0.1.17\"},"
        "\"destination\":{\"ip\":\"185.1.2.3\"},\"threat\":{\"indicator\":{\"type\":"
        "\"ipv4-addr\",\"value\":\"185.1.2.0/24\",\"matched\":{\"field\":\"destination.ip\","
        "\"atomic\":\"185.1.2.3\"}}},\"rule\":{\"source\":\"intel\"}}");
    /* left out: an inbound scan from a listed address, a domain indicator,
     * a Sigma alert, and a malware alert outside the window */
    add(f, T0 + 402, "intel",
        "{\"host\":{\"name\":\"fw01\"},\"source\":{\"ip\":\"45.1.1.1\"},"
        "\"destination\":{\"ip\":\"10.0.0.5\"},\"threat\":{\"indicator\":{\"type\":"
        "\"ipv4-addr\",\"matched\":{\"field\":\"source.ip\",\"atomic\":\"45.1.1.1\"}}},"
        "\"rule\":{\"source\":\"intel\"}}");
    add(f, T0 + 403, "intel",
        "{\"host\":{\"name\":\"dns01\"},\"threat\":{\"indicator\":{\"type\":\"domain-name\","
        "\"matched\":{\"field\":\"dns.question.name\",\"atomic\":\"evil.example\"}}},"
        "\"rule\":{\"source\":\"intel\"}}");
    add(f, T0 + 500, "sigma", "{\"host\":{\"name\":\"clean01\"},\"rule\":{\"source\":\"sigma\"}}");
    add(f, T0 + 40 * 86400, "malware",
        "{\"host\":{\"name\":\"late01\"},\"malware\":{\"family\":\"Emotet\"},"
        "\"rule\":{\"source\":\"malware\"}}");
}

static void opts_may(canh_avreport_opts_t *o)
{
    static const char *const ws[] = {"pc-*"};
    memset(o, 0, sizeof *o);
    o->datetime = T0 + 31 * 86400;
    o->from = T0;
    o->to = T0 + 31 * 86400;
    o->workstations = ws;
    o->nworkstations = 1;
}

static const canh_edxml_org_t org = {"000.00.00.H99",         "Sở Khoa học & Công nghệ <thử>",
                                     "Số 1, đường A",         "attt@example.gov.vn",
                                     "02513810269",           NULL,
                                     "https://example.gov.vn"};

/* Builds the report from the store and writes it into out. */
static canh_avreport_t *report(fx_t *f, const canh_avreport_opts_t *o, canh_buf_t *out)
{
    canh_avreport_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_avreport_create(o, &r, &eb), CANH_OK);
    assert_int_equal(canh_avreport_load(r, f->st, &eb), CANH_OK);
    assert_int_equal(canh_avreport_finish(r, &eb), CANH_OK);
    canh_buf_init(out, MB);
    int rc = canh_avreport_write_edxml(r, &org, out, &eb);
    if (rc)
        fprintf(stderr, "%s\n", eb.msg);
    assert_int_equal(rc, CANH_OK);
    return r;
}

/* Parses and validates against the XSD; the caller frees the document. */
static xmlDocPtr valid_doc(fx_t *f, const char *xml, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "report.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(f->schema);
    assert_non_null(v);
    int rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    if (rc != 0)
        fprintf(stderr, "invalid document:\n%.*s\n", (int)(len > 8000 ? 8000 : len), xml);
    assert_int_equal(rc, 0);
    return doc;
}

static xmlXPathObjectPtr xp(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr c = xmlXPathNewContext(doc);
    assert_non_null(c);
    xmlXPathRegisterNs(c, BAD_CAST "e", BAD_CAST CANH_EDXML_NS);
    xmlXPathRegisterNs(c, BAD_CAST "ds", BAD_CAST "http://www.w3.org/2000/09/xmldsig#");
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, c);
    xmlXPathFreeContext(c);
    assert_non_null(o);
    return o;
}

static int count(xmlDocPtr doc, const char *expr)
{
    xmlXPathObjectPtr o = xp(doc, expr);
    int n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

/* string(expr) compared with want. */
static void text_is(xmlDocPtr doc, const char *expr, const char *want)
{
    char e[512];
    snprintf(e, sizeof e, "string(%s)", expr);
    xmlXPathObjectPtr o = xp(doc, e);
    if (strcmp((const char *)o->stringval, want))
        fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", expr, o->stringval, want);
    assert_string_equal((const char *)o->stringval, want);
    xmlXPathFreeObject(o);
}

#define BODY "/edXMLEnvelope/e:edXMLBody/AVReport"

/* ---- the store query ---------------------------------------------------------------- */

typedef struct qrec {
    int n;
    int64_t last;
    int stop_at;
} qrec_t;

static int on_row(void *ud, int64_t id, int64_t ts, const char *src, const char *json, size_t len)
{
    qrec_t *q = ud;
    (void)id;
    assert_non_null(src);
    assert_int_equal(strlen(json), len);
    assert_true(ts >= q->last);
    q->last = ts;
    if (++q->n == q->stop_at)
        return -77;
    return 0;
}

static void test_store_query(void **state)
{
    fx_t *f = *state;
    seed(f);
    canh_errbuf_t eb = {{0}};
    static const char *const mv[] = {"malware", "vuln"};
    canh_alert_filter_t flt = {.sources = mv, .nsources = 2};
    qrec_t q = {0};
    assert_int_equal(canh_store_alerts_query(f->st, &flt, on_row, &q, &eb), CANH_OK);
    assert_int_equal(q.n, 7); /* 5 + late01 malware, 1 vuln */
    flt.from_ns = T0 * SEC;
    flt.to_ns = (T0 + 31 * 86400) * SEC;
    q = (qrec_t){0};
    assert_int_equal(canh_store_alerts_query(f->st, &flt, on_row, &q, &eb), CANH_OK);
    assert_int_equal(q.n, 6);
    flt.to_ns = (T0 + 200) * SEC; /* [from, to): the 200 s alert is out */
    q = (qrec_t){0};
    assert_int_equal(canh_store_alerts_query(f->st, &flt, on_row, &q, &eb), CANH_OK);
    assert_int_equal(q.n, 4);
    flt.limit = 2;
    q = (qrec_t){0};
    assert_int_equal(canh_store_alerts_query(f->st, &flt, on_row, &q, &eb), CANH_OK);
    assert_int_equal(q.n, 2);
    /* all sources, stopped by the callback: its value comes back */
    q = (qrec_t){.stop_at = 3};
    assert_int_equal(canh_store_alerts_query(f->st, NULL, on_row, &q, &eb), -77);
    assert_int_equal(q.n, 3);
    q = (qrec_t){0};
    assert_int_equal(canh_store_alerts_query(f->st, NULL, on_row, &q, &eb), CANH_OK);
    assert_int_equal(q.n, 12);
    static const char *const many[9] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    canh_alert_filter_t bad = {.sources = many, .nsources = 9};
    assert_int_equal(canh_store_alerts_query(f->st, &bad, on_row, &q, &eb), CANH_EINVAL);
    canh_alert_filter_t empty = {.from_ns = 10, .to_ns = 10};
    assert_int_equal(canh_store_alerts_query(f->st, &empty, on_row, &q, &eb), CANH_EINVAL);
}

/* ---- the report ------------------------------------------------------------------------ */

static void test_report(void **state)
{
    fx_t *f = *state;
    seed(f);
    canh_avreport_opts_t o;
    opts_may(&o);
    canh_buf_t out;
    canh_avreport_t *r = report(f, &o, &out);
    xmlDocPtr doc = valid_doc(f, out.data, out.len);

    /* header */
    text_is(doc, "/edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:From/e:OrganId", "000.00.00.H99");
    text_is(doc, "/edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:From/e:OrganName",
            "Sở Khoa học & Công nghệ <thử>");
    text_is(doc, "/edXMLEnvelope/e:edXMLHeader/e:MessageHeader/e:From/e:Fax", "");
    assert_int_equal(count(doc, "/edXMLEnvelope/e:edXMLHeader/e:MessageHeader/Subject"), 1);
    assert_non_null(strstr(out.data, "xmlns:edXML=\"" CANH_EDXML_NS "\""));
    text_is(doc, BODY "/@name", "Canh");
    text_is(doc, BODY "/Datetime", "1717200000");

    /* Malware: pc-17 and web01, web01 with two malware names */
    assert_int_equal(count(doc, BODY "/Malware/Machine"), 2);
    text_is(doc, BODY "/Malware/Machine[1]/@name", "pc-17");
    text_is(doc, BODY "/Malware/Machine[1]/@ip", "10.0.1.17");
    text_is(doc, BODY "/Malware/Machine[1]/MalwareInfo/MalwareName", "Win.Ransomware.WannaCry-1");
    text_is(doc, BODY "/Malware/Machine[1]/MalwareInfo/MalwareType", "Ransomware");
    text_is(doc, BODY "/Malware/Machine[1]/MalwareInfo/TypeOfDevice", "workstation");
    text_is(doc, BODY "/Malware/Machine[1]/MalwareInfo/NumberFile", "1");
    text_is(doc, BODY "/Malware/Machine[2]/@name", "web01");
    assert_int_equal(count(doc, BODY "/Malware/Machine[2]/MalwareInfo"), 2);
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[1]/MalwareName", "EICAR-Test-File");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[1]/MalwareType", "TestFile");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[1]/NumberFile", "2");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[1]/MalwareBehavior",
            "clamav: Win.Test.EICAR_HDB-1; hash: eicar.sha256");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[1]/TypeOfDevice", "server");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[2]/MalwareName", "Mirai");
    text_is(doc, BODY "/Malware/Machine[2]/MalwareInfo[2]/MalwareType", "Botnet");
    assert_int_equal(count(doc, "//Machine[@name='late01' or @name='clean01' or @name='fw01']"), 0);

    /* Connection: both under pc-17 (the firewall's line resolved by address) */
    assert_int_equal(count(doc, BODY "/Connection/Machine"), 1);
    text_is(doc, BODY "/Connection/Machine/@name", "pc-17");
    assert_int_equal(count(doc, BODY "/Connection/Machine/ConnectionInfo"), 2);
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[1]/Program", "");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[1]/TargetIP", "185.1.2.3");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[1]/md5", "");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[2]/Program", "C:\\Users\\a\\evil.exe");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[2]/md5",
            "44d88612fea8a8f36de82e1278abb02f");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[2]/Sha2",
            "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
    text_is(doc, BODY "/Connection/Machine/ConnectionInfo[2]/TargetIP", "45.9.9.9");

    /* Vulnerability: the Log4j finding */
    assert_int_equal(count(doc, BODY "/Vulnerability/Machine"), 1);
    text_is(doc, BODY "/Vulnerability/Machine/@name", "db01");
    text_is(doc, BODY "/Vulnerability/Machine/@ip", "10.0.0.9");
    text_is(doc, BODY "/Vulnerability/Machine/VulnerabilityInfo/Name",
            "CVE-2021-44228, CVE-2021-45046 (log4j-core 2.14.1)");
    text_is(doc, BODY "/Vulnerability/Machine/VulnerabilityInfo/OSName", "CentOS 7");

    /* OS: the machines whose OS is known; nothing else is known */
    assert_int_equal(count(doc, BODY "/OS/Machine"), 3);
    text_is(doc, BODY "/OS/Machine[3]/@name", "web01");
    text_is(doc, BODY "/OS/Machine[3]/OSName", "Ubuntu 22.04");
    text_is(doc, BODY "/OS/Machine[3]/LastUpdate", "");
    text_is(doc, BODY "/Update/NumberMachineNotUpdateOn15Day", "");
    assert_int_equal(count(doc, BODY "/QualityFeature/Machine"), 0);

    /* the API view and the counters */
    assert_int_equal(canh_avreport_count(r, CANH_AVR_MALWARE), 3);
    assert_int_equal(canh_avreport_count(r, CANH_AVR_CONNECTION), 2);
    assert_int_equal(canh_avreport_count(r, CANH_AVR_VULN), 1);
    const canh_avreport_item_t *it = canh_avreport_item(r, CANH_AVR_MALWARE, 1);
    assert_string_equal(it->host, "web01");
    assert_int_equal(it->count, 3);
    assert_int_equal(it->files, 2);
    assert_int_equal(it->first_ns, (T0 + 100) * SEC);
    assert_int_equal(it->last_ns, (T0 + 102) * SEC);
    assert_null(canh_avreport_item(r, CANH_AVR_MALWARE, 3));
    canh_avreport_stats_t s;
    canh_avreport_get_stats(r, &s);
    assert_int_equal(s.alerts, 10); /* the store query already left out sigma and late01 */
    assert_int_equal(s.used, 8);
    assert_int_equal(s.skipped, 2);
    assert_int_equal(s.malformed, 0);
    assert_int_equal(s.hosts, 3);

    xmlFreeDoc(doc);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);

    /* The connector's layout: a Machine per malware name. */
    o.machine_per_malware = true;
    r = report(f, &o, &out);
    doc = valid_doc(f, out.data, out.len);
    assert_int_equal(count(doc, BODY "/Malware/Machine"), 3);
    assert_int_equal(count(doc, BODY "/Malware/Machine[@name='web01']"), 2);
    assert_int_equal(count(doc, BODY "/Malware/Machine/MalwareInfo"), 3);
    xmlFreeDoc(doc);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);
}

/* The same alerts in any order give the same bytes. */
typedef struct docs {
    char *v[32];
    int64_t ts[32];
    char *src[32];
    size_t n;
} docs_t;

static int grab(void *ud, int64_t id, int64_t ts, const char *src, const char *json, size_t len)
{
    docs_t *d = ud;
    (void)id;
    (void)len;
    d->ts[d->n] = ts;
    d->src[d->n] = strdup(src);
    d->v[d->n++] = strdup(json);
    return 0;
}

static void build_from(const docs_t *d, const size_t *order, canh_buf_t *out)
{
    canh_avreport_opts_t o;
    opts_may(&o);
    canh_avreport_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_avreport_create(&o, &r, &eb), CANH_OK);
    for (size_t i = 0; i < d->n; i++) {
        size_t k = order[i];
        assert_int_equal(canh_avreport_add_alert(r, d->ts[k], d->src[k], d->v[k], strlen(d->v[k])),
                         CANH_OK);
    }
    assert_int_equal(canh_avreport_finish(r, &eb), CANH_OK);
    canh_buf_init(out, MB);
    assert_int_equal(canh_avreport_write_edxml(r, &org, out, &eb), CANH_OK);
    canh_avreport_destroy(r);
}

static void test_order_independent(void **state)
{
    fx_t *f = *state;
    seed(f);
    docs_t d = {0};
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_store_alerts_query(f->st, NULL, grab, &d, &eb), CANH_OK);
    size_t fwd[32], rev[32], mix[32];
    for (size_t i = 0; i < d.n; i++) {
        fwd[i] = i;
        rev[i] = d.n - 1 - i;
        mix[i] = (i * 7) % d.n;
    }
    assert_int_equal(d.n % 7 ? 1 : 0, 1); /* 7 and n coprime: mix is a permutation */
    canh_buf_t a, b, c;
    build_from(&d, fwd, &a);
    build_from(&d, rev, &b);
    build_from(&d, mix, &c);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(a.len, c.len);
    assert_memory_equal(a.data, c.data, a.len);
    canh_buf_fini(&a);
    canh_buf_fini(&b);
    canh_buf_fini(&c);
    for (size_t i = 0; i < d.n; i++) {
        free(d.v[i]);
        free(d.src[i]);
    }
}

/* The inventory: OS with LastUpdate, the 15-day count, QualityFeature,
 * and the device type it gives. */
static void test_inventory(void **state)
{
    fx_t *f = *state;
    seed(f);
    canh_avreport_opts_t o;
    opts_may(&o);
    canh_avreport_t *r = NULL;
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_avreport_create(&o, &r, &eb), CANH_OK);
    assert_int_equal(canh_avreport_load(r, f->st, &eb), CANH_OK);
    canh_avreport_host_t h = {.name = "web01",
                              .ip = "10.0.0.5",
                              .device = "workstation",
                              .os_name = "Ubuntu 24.04",
                              .last_update = o.datetime - 86400,
                              .auto_protect = 1,
                              .firewall = 0};
    assert_int_equal(canh_avreport_add_host(r, &h), CANH_OK);
    h = (canh_avreport_host_t){.name = "kiosk",
                               .ip = "10.0.3.3",
                               .last_update = o.datetime - 20 * 86400,
                               .auto_protect = -1,
                               .firewall = -1};
    assert_int_equal(canh_avreport_add_host(r, &h), CANH_OK);
    h = (canh_avreport_host_t){.ip = "10.0.3.4", .auto_protect = 0, .firewall = -1};
    assert_int_equal(canh_avreport_add_host(r, &h), CANH_OK);
    h = (canh_avreport_host_t){.name = "", .ip = "not-an-ip"};
    assert_int_equal(canh_avreport_add_host(r, &h), CANH_EINVAL);
    assert_int_equal(canh_avreport_finish(r, &eb), CANH_OK);
    assert_int_equal(canh_avreport_add_host(r, &h), CANH_EINVAL);
    canh_buf_t out;
    canh_buf_init(&out, MB);
    assert_int_equal(canh_avreport_write_edxml(r, &org, &out, &eb), CANH_OK);
    xmlDocPtr doc = valid_doc(f, out.data, out.len);
    text_is(doc, BODY "/Malware/Machine[@name='web01']/MalwareInfo[1]/TypeOfDevice", "workstation");
    text_is(doc, BODY "/OS/Machine[@name='web01']/OSName", "Ubuntu 24.04");
    text_is(doc, BODY "/OS/Machine[@name='web01']/LastUpdate", "2024-05-31T00:00:00Z");
    text_is(doc, BODY "/OS/Machine[@name='kiosk']/OSName", "");
    text_is(doc, BODY "/Update/NumberMachineNotUpdateOn15Day", "1");
    assert_int_equal(count(doc, BODY "/QualityFeature/Machine"), 2);
    text_is(doc, BODY "/QualityFeature/Machine[1]/@name", "10.0.3.4");
    text_is(doc, BODY "/QualityFeature/Machine[1]/AutoProtect", "Off");
    text_is(doc, BODY "/QualityFeature/Machine[1]/EnableFirewall", "");
    text_is(doc, BODY "/QualityFeature/Machine[2]/@name", "web01");
    text_is(doc, BODY "/QualityFeature/Machine[2]/AutoProtect", "On");
    text_is(doc, BODY "/QualityFeature/Machine[2]/EnableFirewall", "Off");
    xmlFreeDoc(doc);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);
}

static void test_empty(void **state)
{
    fx_t *f = *state;
    canh_buf_t out;
    canh_avreport_t *r = report(f, NULL, &out);
    xmlDocPtr doc = valid_doc(f, out.data, out.len);
    assert_int_equal(count(doc, "//Machine"), 0);
    assert_int_equal(count(doc, BODY "/Malware"), 1);
    assert_int_equal(count(doc, BODY "/QualityFeature"), 1);
    text_is(doc, BODY "/Update/NumberMachineNotUpdateOn15Day", "");
    xmlFreeDoc(doc);
    /* OrganId is required */
    canh_errbuf_t eb = {{0}};
    canh_edxml_org_t none = {0};
    canh_buf_reset(&out);
    assert_int_equal(canh_avreport_write_edxml(r, &none, &out, &eb), CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "OrganId"));
    none.organ_id = " \x01 ";
    assert_int_equal(canh_avreport_write_edxml(r, &none, &out, &eb), CANH_EINVAL);
    /* the output buffer's own limit */
    canh_buf_t tiny;
    canh_buf_init(&tiny, 100);
    assert_int_equal(canh_avreport_write_edxml(r, &org, &tiny, &eb), CANH_ELIMIT);
    assert_int_equal(tiny.len, 0);
    canh_buf_fini(&tiny);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);

    /* writing before finish, adding after it */
    assert_int_equal(canh_avreport_create(NULL, &r, &eb), CANH_OK);
    canh_buf_init(&out, MB);
    assert_int_equal(canh_avreport_write_edxml(r, &org, &out, &eb), CANH_EINVAL);
    assert_int_equal(canh_avreport_finish(r, &eb), CANH_OK);
    assert_int_equal(canh_avreport_finish(r, &eb), CANH_OK);
    assert_int_equal(canh_avreport_add_alert(r, 0, "malware", "{}", 2), CANH_EINVAL);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);
}

/* ---- hostile documents ------------------------------------------------------------------- */

static void test_hostile(void **state)
{
    fx_t *f = *state;
    size_t big = 200000;
    char *huge = malloc(big + 256);
    assert_non_null(huge);
    int n = snprintf(huge, 256,
                     "{\"rule\":{\"source\":\"malware\"},\"host\":{\"name\":\"h\"},"
                     "\"malware\":{\"family\":\"");
    memset(huge + n, 'A', big);
    /* a multi-byte character straddling the cut */
    memcpy(huge + n + CANH_AVREPORT_MAX_FIELD - 1, "\xC3\xA9", 2);
    strcpy(huge + n + big, "\"}}");
    static const char *const docs[] = {
        "{\"rule\":{\"source\":\"malware\"}}", /* nothing else */
        "{\"rule\":{\"source\":\"vuln\"}}",
        "{\"rule\":{\"source\":\"intel\"}}",
        "[1,2,3]",                           /* not an object */
        "{\"rule\":{\"source\":\"malware\"", /* cut short */
        "",
        /* invalid UTF-8 in names, markup, control characters and NUL escapes */
        "{\"rule\":{\"source\":\"malware\"},\"host\":{\"name\":\"ho\xff\xfest\",\"ip\":\"999.1.1."
        "1\"},"
        "\"malware\":{\"family\":\"<script>&amp;\\\"]]>'\\u0001\\u0000x\\uffff\",\"engine\":"
        "\"e\\u001f\\n\"},\"file\":{\"path\":\"\\u0000\"}}",
        /* wrong types everywhere */
        "{\"rule\":{\"source\":[\"malware\"]},\"host\":{\"name\":{\"x\":1},\"ip\":[1,\"::1\","
        "\"10.0.0.1\"]},\"malware\":{\"family\":12345,\"signature\":[[\"x\"]]}}",
        /* numbers and nesting; a v6 address with a zone is not an address */
        "{\"rule.source\":\"malware\",\"host\":{\"name\":\"n\",\"ip\":\"fe80::1%eth0\"},"
        "\"malware.family\":1.5e300}",
        /* a vuln with a huge CVE list and no package */
        "{\"rule\":{\"source\":\"vuln\"},\"host\":{\"name\":\"v\"},\"vulnerability\":{\"id\":"
        "[\"CVE-1\",2,null,{},\"CVE-3\"]}}",
        /* intel with a bad target, and one with a v6 target */
        "{\"rule\":{\"source\":\"intel\"},\"host\":{\"name\":\"p\"},\"process\":{\"name\":\"x\"},"
        "\"threat\":{\"indicator\":{\"type\":\"ipv4-addr\",\"matched\":{\"atomic\":\"1.2.3\"}}}}",
        "{\"rule\":{\"source\":\"intel\"},\"host\":{\"name\":\"p\",\"ip\":\"2001:db8::5\"},"
        "\"process\":{\"name\":\"x<y>\",\"hash\":{\"md5\":\"zz\"}},\"threat\":{\"indicator\":"
        "{\"type\":\"ipv6-addr\",\"matched\":{\"atomic\":\"2001:db8::1\"}}}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        add(f, T0 + (int64_t)i, "malware", docs[i]); /* the document's rule.source wins */
    add(f, T0 + 99, "malware", huge);
    /* invalid UTF-8 in every position */
    add(f, T0 + 98, "malware",
        "{\"rule\":{\"source\":\"malware\"},\"host\":{\"name\":\"\xc0\xaf\xed\xa0\x80\"},"
        "\"malware\":{\"family\":\"\xf4\x90\x80\x80z\"}}");

    canh_buf_t out;
    canh_avreport_t *r = report(f, NULL, &out);
    xmlDocPtr doc = valid_doc(f, out.data, out.len);
    canh_avreport_stats_t s;
    canh_avreport_get_stats(r, &s);
    assert_int_equal(s.alerts, 14);
    assert_int_equal(s.malformed, 3);
    assert_int_equal(s.truncated, 1);
    /* the huge name was cut at the limit on a character boundary */
    const canh_avreport_item_t *hit = NULL;
    for (size_t i = 0; i < canh_avreport_count(r, CANH_AVR_MALWARE); i++) {
        const canh_avreport_item_t *it = canh_avreport_item(r, CANH_AVR_MALWARE, i);
        if (!strcmp(it->host, "h"))
            hit = it;
    }
    assert_non_null(hit);
    assert_int_equal(strlen(hit->name), CANH_AVREPORT_MAX_FIELD - 1);
    /* markup came through as text */
    assert_int_equal(count(doc, "//script"), 0);
    assert_int_equal(count(doc, BODY "/Malware/Machine/MalwareInfo/MalwareName"
                                     "[starts-with(., '<script>&amp;\"]]>')]"),
                     1);
    assert_int_equal(count(doc, BODY "/Malware/Machine[@name='ho\xef\xbf\xbd\xef\xbf\xbdst']"), 1);
    assert_int_equal(count(doc, BODY "/Malware/Machine[@name='ho\xef\xbf\xbd\xef\xbf\xbdst']/@ip"),
                     0);
    assert_int_equal(count(doc, BODY "/Malware/Machine[@name='unknown']"), 1);
    assert_int_equal(count(doc, BODY "/Malware/Machine[@name='n']/@ip"), 0);
    text_is(doc, BODY "/Malware/Machine[@name='n']/MalwareInfo/MalwareName",
            "1.5000000000000001e+300");
    text_is(doc, BODY "/Vulnerability/Machine[@name='v']/VulnerabilityInfo/Name",
            "CVE-1, 2, CVE-3");
    text_is(doc, BODY "/Connection/Machine[@name='p']/@ip", "2001:db8::5");
    text_is(doc, BODY "/Connection/Machine[@name='p']/ConnectionInfo/Program", "x<y>");
    text_is(doc, BODY "/Connection/Machine[@name='p']/ConnectionInfo/md5", "");
    xmlFreeDoc(doc);
    canh_buf_fini(&out);
    canh_avreport_destroy(r);
    free(huge);

    /* max_alerts: the rest is counted, not used */
    canh_avreport_opts_t o = {.max_alerts = 2};
    canh_errbuf_t eb = {{0}};
    assert_int_equal(canh_avreport_create(&o, &r, &eb), CANH_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(canh_avreport_add_alert(r, 0, "malware", "{}", 2), CANH_OK);
    canh_avreport_get_stats(r, &s);
    assert_int_equal(s.used, 2);
    assert_int_equal(s.dropped, 3);
    canh_avreport_destroy(r);
}

static void test_malware_type(void **state)
{
    (void)state;
    static const char *const cases[][4] = {
        {"Win.Test.EICAR_HDB-1", "clamav", "malicious", "TestFile"},
        {"Ransom:Win32/WannaCrypt", "clamav", "malicious", "Ransomware"},
        {"WebShell_PHP_Generic", "yara", "malicious", "Webshell"},
        {"Linux.Trojan.Mirai-1", "clamav", "malicious", "Botnet"},
        {"Unix.Trojan.Agent", "clamav", "malicious", "Trojan"},
        {"MAL_RAT_Remcos", "yara", "malicious", "Backdoor"},
        {"Strategy", "yara", "malicious", "Malware"},
        {"XMRig", "hash", "malicious", "Coinminer"},
        {"AgentTesla-Stealer", "hash", "malicious", "Spyware"},
        {"HackTool.Mimikatz", "clamav", "malicious", "PUA"},
        {"SUSP_Obfuscated_JS", "yara", "suspicious", "Suspicious"},
        {"", "hash", "malicious", "Malware"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(canh_avreport_malware_type(cases[i][0], cases[i][1], cases[i][2]),
                            cases[i][3]);
    assert_string_equal(canh_avreport_malware_type(NULL, NULL, NULL), "Malware");
}

/* ---- signing ----------------------------------------------------------------------------- */

/* A fresh RSA key and self-signed certificate as PEM files in dir. */
static void make_pki(const char *dir, const char *tag, char key[256], char cert[256])
{
    EVP_PKEY *pk = EVP_RSA_gen(2048);
    assert_non_null(pk);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"VN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
                               (const unsigned char *)"Sở Khoa học và Công nghệ", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)tag, -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, pk);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    snprintf(key, 256, "%s/%s.key", dir, tag);
    snprintf(cert, 256, "%s/%s.pem", dir, tag);
    FILE *fk = fopen(key, "w"), *fc = fopen(cert, "w");
    assert_non_null(fk);
    assert_non_null(fc);
    assert_true(PEM_write_PrivateKey(fk, pk, NULL, NULL, 0, NULL, NULL));
    assert_true(PEM_write_X509(fc, x));
    fclose(fk);
    fclose(fc);
    X509_free(x);
    EVP_PKEY_free(pk);
}

static void write_file(const char *path, const char *p, size_t n)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* Runs xmlsec1 --verify; -1 when xmlsec1 is not installed. */
static int xmlsec1_verify(const char *cert, const char *file)
{
    if (access("/usr/bin/xmlsec1", X_OK) != 0)
        return -1;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl("/usr/bin/xmlsec1", "xmlsec1", "--verify", "--trusted-pem", cert, file, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_signed(void **state)
{
    fx_t *f = *state;
    seed(f);
    char key[256], cert[256], key2[256], cert2[256];
    make_pki(f->dir, "canh-test", key, cert);
    make_pki(f->dir, "other", key2, cert2);
    canh_avreport_opts_t o;
    opts_may(&o);
    canh_buf_t out, sig;
    canh_avreport_t *r = report(f, &o, &out);
    canh_avreport_destroy(r);
    canh_errbuf_t eb = {{0}};
    canh_buf_init(&sig, MB);
    int rc = canh_xmldsig_sign(out.data, out.len, key, cert, &sig, &eb);
    if (rc)
        fprintf(stderr, "%s\n", eb.msg);
    assert_int_equal(rc, CANH_OK);

    /* still valid against the schema; the Signature sits in edXMLHeader */
    xmlDocPtr doc = valid_doc(f, sig.data, sig.len);
    assert_int_equal(count(doc, "/edXMLEnvelope/e:edXMLHeader/ds:Signature"), 1);
    assert_int_equal(count(doc, "//ds:Reference[@URI='']/ds:Transforms/ds:Transform"), 2);
    assert_int_equal(count(doc, "//ds:X509Certificate"), 1);
    text_is(doc, "//ds:X509SubjectName",
            "CN=canh-test,O=S\\E1\\BB\\9F Khoa h\\E1\\BB\\8Dc v\\C3\\A0 C\\C3\\B4ng "
            "ngh\\E1\\BB\\87,C=VN");
    xmlFreeDoc(doc);

    /* verifies, with the given certificate and with the embedded one */
    assert_int_equal(canh_xmldsig_verify(sig.data, sig.len, cert, &eb), CANH_OK);
    assert_int_equal(canh_xmldsig_verify(sig.data, sig.len, NULL, &eb), CANH_OK);
    /* not under another key */
    assert_int_equal(canh_xmldsig_verify(sig.data, sig.len, cert2, &eb), CANH_EPERM);
    /* unsigned document */
    assert_int_equal(canh_xmldsig_verify(out.data, out.len, cert, &eb), CANH_EINVAL);

    char signed_path[256], tampered_path[256];
    snprintf(signed_path, sizeof signed_path, "%s/signed.xml", f->dir);
    snprintf(tampered_path, sizeof tampered_path, "%s/tampered.xml", f->dir);
    write_file(signed_path, sig.data, sig.len);
    int x = xmlsec1_verify(cert, signed_path);
    if (x < 0)
        fprintf(stderr, "xmlsec1 not installed: its check skipped\n");
    else
        assert_int_equal(x, 0);

    /* a changed count in the body */
    char *t = strdup(sig.data);
    char *p = strstr(t, "<NumberFile>2</NumberFile>");
    assert_non_null(p);
    p[12] = '3';
    assert_int_equal(canh_xmldsig_verify(t, sig.len, cert, &eb), CANH_EPERM);
    assert_non_null(strstr(eb.msg, "digest"));
    write_file(tampered_path, t, sig.len);
    if (x >= 0)
        assert_int_not_equal(xmlsec1_verify(cert, tampered_path), 0);
    free(t);
    /* a changed SignatureValue */
    t = strdup(sig.data);
    p = strstr(t, "<SignatureValue>");
    assert_non_null(p);
    p += 16;
    *p = *p == 'A' ? 'B' : 'A';
    assert_int_equal(canh_xmldsig_verify(t, sig.len, cert, &eb), CANH_EPERM);
    free(t);
    /* a changed algorithm is refused, not trusted */
    t = strdup(sig.data);
    p = strstr(t, "xmldsig-more#rsa-sha256");
    assert_non_null(p);
    memcpy(p + 18, "384", 3);
    assert_int_equal(canh_xmldsig_verify(t, sig.len, cert, &eb), CANH_ENOTSUP);
    free(t);

    /* signing errors */
    canh_buf_t again;
    canh_buf_init(&again, MB);
    assert_int_equal(canh_xmldsig_sign(sig.data, sig.len, key, cert, &again, &eb), CANH_EEXIST);
    assert_int_equal(canh_xmldsig_sign(out.data, out.len, key2, cert, &again, &eb), CANH_EINVAL);
    assert_non_null(strstr(eb.msg, "does not match"));
    assert_int_equal(canh_xmldsig_sign(out.data, out.len, "/nonexistent/k.pem", cert, &again, &eb),
                     CANH_ENOENT);
    assert_int_equal(canh_xmldsig_sign(out.data, out.len, cert, cert, &again, &eb), CANH_EINVAL);
    static const char dtd[] = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]>"
                              "<a>&x;</a>";
    assert_int_equal(canh_xmldsig_sign(dtd, sizeof dtd - 1, key, cert, &again, &eb), CANH_EINVAL);
    static const char nohdr[] = "<edXMLEnvelope/>";
    assert_int_equal(canh_xmldsig_sign(nohdr, sizeof nohdr - 1, key, cert, &again, &eb),
                     CANH_EINVAL);
    static const char broken[] = "<edXMLEnvelope><x></edXMLEnvelope>";
    assert_int_equal(canh_xmldsig_sign(broken, sizeof broken - 1, key, cert, &again, &eb),
                     CANH_EINVAL);
    assert_int_equal(again.len, 0);
    canh_buf_fini(&again);

    /* an empty report signs and verifies too (no indentation assumptions) */
    canh_buf_fini(&sig);
    canh_buf_init(&sig, MB);
    static const char flat[] =
        "<edXMLEnvelope xmlns:edXML=\"" CANH_EDXML_NS "\"><edXML:edXMLHeader><edXML:MessageHeader>"
        "</edXML:MessageHeader></edXML:edXMLHeader><edXML:edXMLBody/></edXMLEnvelope>";
    assert_int_equal(canh_xmldsig_sign(flat, sizeof flat - 1, key, cert, &sig, &eb), CANH_OK);
    assert_int_equal(canh_xmldsig_verify(sig.data, sig.len, cert, &eb), CANH_OK);
    write_file(signed_path, sig.data, sig.len);
    if (x >= 0)
        assert_int_equal(xmlsec1_verify(cert, signed_path), 0);

    canh_buf_fini(&sig);
    canh_buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test(test_malware_type),
        cmocka_unit_test_setup_teardown(test_signed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
