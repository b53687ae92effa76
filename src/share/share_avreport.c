/* share_avreport.c - the edXML AVReport of Công văn 2290/BTTTT-CATTT, built
 * from the detections in the store.
 *
 * Two stages. Adding: each alert document (hostile JSON) is reduced to one
 * small record (kind, host, key, a few fields, time) whose strings are
 * cleaned once (valid UTF-8, XML characters only, cut to a bounded length)
 * into an arena. Finishing: the records are sorted and grouped, so every
 * count and every order comes from the data, never from the order alerts
 * arrived in. Writing walks the groups with libxml2's xmlTextWriter, which
 * escapes markup; the cleaning before it guarantees the characters. */
#include <fnmatch.h>
#include <inttypes.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/share.h"
#include "canh/str.h"
#include "canh/time.h"

#define ARENA_CHUNK (256u * 1024u)
#define DAY 86400

/* One alert reduced to what the report needs. */
typedef struct rec {
    canh_avreport_kind_t kind;
    const char *host, *ip, *os, *devhint;
    const char *key;          /* MALWARE: name; VULN: name; CONNECTION: program */
    const char *f1, *f2, *f3; /* MALWARE: type, behavior, file key;
                               * CONNECTION: md5, sha2, target */
    int64_t ts;
} rec_t;

/* One inventory entry (canh_avreport_add_host). */
typedef struct inv {
    const char *name, *ip, *device, *os;
    int64_t last_update;
    int auto_protect, firewall;
    size_t seq; /* order added: the latest entry for a name wins */
} inv_t;

typedef struct machine {
    const char *name, *ip, *device, *os;
    const inv_t *inv;
} machine_t;

struct canh_avreport {
    canh_avreport_opts_t o; /* vendor/subject copied into the arena */
    canh_arena_t arena;
    rec_t *recs;
    size_t nrecs, caprecs;
    inv_t *invs;
    size_t ninvs, capinvs;
    canh_avreport_stats_t st;
    uint64_t anon; /* counter for detections without any file identity */
    bool finished;
    machine_t *machines;
    size_t nmachines;
    canh_avreport_item_t *items[CANH_AVR_NKINDS];
    size_t nitems[CANH_AVR_NKINDS];
};

/* ---- cleaning hostile text -------------------------------------------------------- */

/* Copies p[0..n) into the arena as a one-line XML-safe string: invalid
 * UTF-8 and the non-characters U+FFFE/U+FFFF become U+FFFD, control bytes
 * become spaces, surrounding spaces are trimmed, and the result is cut at
 * CANH_AVREPORT_MAX_FIELD bytes on a character boundary. Returns "" for
 * nothing left, NULL when the arena is exhausted. */
static const char *clean(canh_avreport_t *r, const char *p, size_t n)
{
    static const char repl[] = "\xEF\xBF\xBD";
    char tmp[CANH_AVREPORT_MAX_FIELD + 4];
    size_t o = 0, i = 0;
    bool cut = false;
    while (i < n) {
        const unsigned char *u = (const unsigned char *)p + i;
        const char *piece;
        size_t k, step;
        char sp = ' ';
        if (*u < 0x20) {
            piece = &sp;
            k = step = 1;
        } else if (*u < 0x80) {
            piece = (const char *)u;
            k = step = 1;
        } else if ((step = canh_utf8_seq_len(u, n - i)) == 0) {
            piece = repl;
            k = 3;
            step = 1;
        } else if (step == 3 && u[0] == 0xEF && u[1] == 0xBF && u[2] >= 0xBE) {
            piece = repl;
            k = 3;
        } else {
            piece = (const char *)u;
            k = step;
        }
        if (o + k > CANH_AVREPORT_MAX_FIELD) {
            cut = true;
            break;
        }
        memcpy(tmp + o, piece, k);
        o += k;
        i += step;
    }
    if (cut)
        r->st.truncated++;
    size_t s = 0;
    while (s < o && tmp[s] == ' ')
        s++;
    while (o > s && tmp[o - 1] == ' ')
        o--;
    if (o == s)
        return "";
    return canh_arena_strndup(&r->arena, tmp + s, o - s);
}

static const char *clean_c(canh_avreport_t *r, const char *s)
{
    return s ? clean(r, s, strlen(s)) : "";
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_hex(const char *s, size_t want)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (lower(s[n]) >= 'a' && lower(s[n]) <= 'f')))
            return false;
    return n == want;
}

/* A hash in lower case when s is exactly want hex digits, else "". */
static const char *hex_or_empty(canh_avreport_t *r, const char *s, size_t want)
{
    if (!s || !is_hex(s, want))
        return "";
    char tmp[65];
    for (size_t i = 0; i < want; i++)
        tmp[i] = lower(s[i]);
    return canh_arena_strndup(&r->arena, tmp, want);
}

/* A textual IP address without a zone, or NULL. */
static bool valid_ip(const char *s)
{
    return s && *s && !strchr(s, '%') && canh_str_is_ip(canh_str_c(s));
}

/* ---- reading the alert document ---------------------------------------------------- */

/* The value at a dotted ECS path, whether the document nests it
 * ({"host":{"name":..}}), flattens it ({"host.name":..}) or mixes both. */
static json_t *jget(json_t *o, const char *path, int depth)
{
    if (!json_is_object(o) || depth > 8)
        return NULL;
    json_t *v = json_object_get(o, path);
    if (v)
        return v;
    for (const char *d = strchr(path, '.'); d; d = strchr(d + 1, '.')) {
        char key[64];
        size_t n = (size_t)(d - path);
        if (n >= sizeof key)
            break;
        memcpy(key, path, n);
        key[n] = '\0';
        json_t *c = json_object_get(o, key);
        if (json_is_object(c) && (v = jget(c, d + 1, depth + 1)) != NULL)
            return v;
    }
    return NULL;
}

/* Text of a scalar (a string, or a number formatted into num), or of the
 * first scalar of an array; NULL when there is none. *len gets its length
 * (strings may hold NUL bytes). */
static const char *jtext_v(json_t *v, char num[32], size_t *len)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (json_is_string(e) || json_is_number(e)) {
                v = e;
                break;
            }
        }
    }
    if (json_is_string(v)) {
        *len = json_string_length(v);
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        *len = (size_t)snprintf(num, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return num;
    }
    if (json_is_real(v)) {
        *len = (size_t)snprintf(num, 32, "%.17g", json_real_value(v));
        return num;
    }
    return NULL;
}

/* The cleaned text at path, "" when absent, NULL when out of memory. */
static const char *field(canh_avreport_t *r, json_t *doc, const char *path)
{
    char num[32];
    size_t n = 0;
    const char *t = jtext_v(jget(doc, path, 0), num, &n);
    return t ? clean(r, t, n) : "";
}

/* The first valid IP address of a string-or-array field, or "". */
static const char *ip_field(canh_avreport_t *r, json_t *doc, const char *path)
{
    json_t *v = jget(doc, path, 0);
    size_t i = 0, n = json_is_array(v) ? json_array_size(v) : 1;
    for (; i < n && i < 64; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e) || json_string_length(e) > 64)
            continue;
        const char *s = json_string_value(e);
        if (strlen(s) == json_string_length(e) && valid_ip(s))
            return clean_c(r, s);
    }
    return "";
}

/* Appends the raw text of a string-or-array field to b, elements joined by
 * ", " (CVE lists come either way). */
static void join_field(json_t *doc, const char *path, canh_buf_t *b)
{
    json_t *v = jget(doc, path, 0);
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n && i < 256; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        char num[32];
        size_t len = 0;
        const char *t = json_is_array(e) ? NULL : jtext_v(e, num, &len);
        if (!t || !len)
            continue;
        if (b->len)
            canh_buf_puts(b, ", ");
        canh_buf_append(b, t, len);
    }
}

/* ---- malware types ----------------------------------------------------------------- */

/* Keywords over the words of a malware name, most specific first. A word
 * matches an entry when it equals it, or starts with it for prefix rows
 * ("ransom" covers "Ransom", "RansomWare", "Ransomware"). */
static const struct {
    const char *word;
    bool prefix;
    const char *type;
} type_words[] = {
    {"eicar", true, "TestFile"},    {"ransom", true, "Ransomware"},
    {"webshell", true, "Webshell"}, {"rootkit", true, "Rootkit"},
    {"backdoor", true, "Backdoor"}, {"rat", false, "Backdoor"},
    {"worm", true, "Worm"},         {"coinminer", true, "Coinminer"},
    {"miner", true, "Coinminer"},   {"xmrig", true, "Coinminer"},
    {"spyware", true, "Spyware"},   {"stealer", true, "Spyware"},
    {"keylog", true, "Spyware"},    {"spy", false, "Spyware"},
    {"botnet", true, "Botnet"},     {"bot", false, "Botnet"},
    {"mirai", true, "Botnet"},      {"adware", true, "Adware"},
    {"exploit", true, "Exploit"},   {"trojan", true, "Trojan"},
    {"downloader", true, "Trojan"}, {"dropper", true, "Trojan"},
    {"virus", true, "Virus"},       {"infector", true, "Virus"},
    {"pua", false, "PUA"},          {"pup", false, "PUA"},
    {"riskware", true, "PUA"},      {"hacktool", true, "PUA"},
};
#define NTYPE_WORDS (sizeof type_words / sizeof type_words[0])

/* Index of the first type_words row any word of s matches, or NTYPE_WORDS. */
static size_t type_row(const char *s)
{
    size_t best = NTYPE_WORDS;
    if (!s)
        return best;
    char w[64];
    while (*s) {
        size_t n = 0;
        while (*s && !((*s >= '0' && *s <= '9') || (lower(*s) >= 'a' && lower(*s) <= 'z')))
            s++;
        while ((*s >= '0' && *s <= '9') || (lower(*s) >= 'a' && lower(*s) <= 'z')) {
            if (n < sizeof w - 1)
                w[n++] = lower(*s);
            s++;
        }
        w[n] = '\0';
        if (!n)
            continue;
        for (size_t k = 0; k < best; k++) {
            size_t kl = strlen(type_words[k].word);
            if (type_words[k].prefix ? !strncmp(w, type_words[k].word, kl)
                                     : !strcmp(w, type_words[k].word)) {
                best = k;
                break;
            }
        }
    }
    return best;
}

const char *canh_avreport_malware_type(const char *name, const char *engine, const char *verdict)
{
    size_t k = type_row(name);
    if (k < NTYPE_WORDS)
        return type_words[k].type;
    (void)engine; /* the engine does not tell the kind of malware; kept for later rules */
    if (verdict && !strcmp(verdict, "suspicious"))
        return "Suspicious";
    return "Malware";
}

/* Rank of a type string for picking one per group: table order, then
 * Suspicious, then Malware. */
static size_t type_rank(const char *t)
{
    for (size_t k = 0; k < NTYPE_WORDS; k++)
        if (!strcmp(t, type_words[k].type))
            return k;
    return !strcmp(t, "Suspicious") ? NTYPE_WORDS : NTYPE_WORDS + 1;
}

/* ---- adding -------------------------------------------------------------------------- */

int canh_avreport_create(const canh_avreport_opts_t *o, canh_avreport_t **out, canh_errbuf_t *eb)
{
    canh_avreport_t *r = canh_calloc(1, sizeof *r);
    if (!r)
        return canh_errf(eb, CANH_ENOMEM, "avreport: out of memory");
    canh_arena_init(&r->arena, ARENA_CHUNK, CANH_AVREPORT_MAX_MEMORY);
    if (o)
        r->o = *o;
    if (!r->o.max_alerts || r->o.max_alerts > CANH_AVREPORT_MAX_ALERTS)
        r->o.max_alerts = CANH_AVREPORT_MAX_ALERTS;
    if (!r->o.datetime)
        r->o.datetime = (int64_t)time(NULL);
    r->o.vendor = o && o->vendor && *o->vendor ? clean_c(r, o->vendor) : "Canh";
    r->o.subject = o && o->subject ? clean_c(r, o->subject) : NULL;
    if (!r->o.vendor || (o && o->subject && !r->o.subject)) {
        canh_avreport_destroy(r);
        return canh_errf(eb, CANH_ENOMEM, "avreport: out of memory");
    }
    if (!*r->o.vendor)
        r->o.vendor = "Canh";
    xmlInitParser();
    *out = r;
    return CANH_OK;
}

void canh_avreport_destroy(canh_avreport_t *r)
{
    if (!r)
        return;
    for (int k = 0; k < CANH_AVR_NKINDS; k++)
        canh_free(r->items[k]);
    canh_free(r->machines);
    canh_free(r->recs);
    canh_free(r->invs);
    canh_arena_fini(&r->arena);
    canh_free(r);
}

static const char *device_word(const char *t)
{
    if (!t)
        return NULL;
    char w[32];
    size_t n = 0;
    for (; n < sizeof w - 1 && t[n]; n++)
        w[n] = lower(t[n]);
    w[n] = '\0';
    if (strstr(w, "server"))
        return "server";
    if (strstr(w, "workstation") || strstr(w, "desktop") || strstr(w, "laptop"))
        return "workstation";
    return NULL;
}

/* Fills the fields every kind shares. false when out of arena memory. */
static bool rec_host(canh_avreport_t *r, json_t *doc, rec_t *c)
{
    c->ip = ip_field(r, doc, "host.ip");
    c->host = field(r, doc, "host.name");
    if (c->host && !*c->host)
        c->host = field(r, doc, "agent.name");
    if (c->host && !*c->host)
        c->host = field(r, doc, "host.hostname");
    if (c->host && !*c->host)
        c->host = *c->ip ? c->ip : "unknown";
    c->os = field(r, doc, "host.os.name");
    if (c->os && !*c->os)
        c->os = field(r, doc, "host.os.full");
    const char *ht = field(r, doc, "host.type");
    c->devhint = device_word(ht);
    return c->ip && c->host && c->os && ht;
}

/* MalwareName, MalwareType, MalwareBehavior and the file identity. */
static bool rec_malware(canh_avreport_t *r, json_t *doc, rec_t *c)
{
    const char *family = field(r, doc, "malware.family");
    const char *sig = field(r, doc, "malware.signature");
    const char *rule = field(r, doc, "rule.name");
    const char *engine = field(r, doc, "malware.engine");
    const char *verdict = field(r, doc, "malware.verdict");
    if (!family || !sig || !rule || !engine || !verdict)
        return false;
    c->key = *family ? family : *sig ? sig : *rule ? rule : "unknown";
    /* The family says most; a signature or rule name may still carry the
     * kind ("Win.Ransomware.Foo") when the family is a bare name. */
    const char *t = canh_avreport_malware_type(family, engine, verdict);
    if (type_rank(t) >= NTYPE_WORDS)
        t = canh_avreport_malware_type(sig, engine, verdict);
    if (type_rank(t) >= NTYPE_WORDS)
        t = canh_avreport_malware_type(rule, engine, verdict);
    c->f1 = t;
    char beh[CANH_AVREPORT_MAX_FIELD + 64];
    int n =
        snprintf(beh, sizeof beh, "%s%s%s%s", *engine ? engine : "", *engine && *sig ? ": " : "",
                 sig, !strcmp(verdict, "suspicious") ? " (suspicious)" : "");
    c->f2 = clean(r, beh, n > 0 ? strnlen(beh, sizeof beh) : 0);
    /* A file is its path (the same sample in two places is two infected
     * files); without a path its content hash; without either the alert
     * itself. */
    const char *fk = field(r, doc, "file.path");
    if (fk && !*fk)
        fk = hex_or_empty(r, field(r, doc, "file.hash.sha256"), 64);
    if (fk && !*fk)
        fk = hex_or_empty(r, field(r, doc, "file.hash.md5"), 32);
    if (fk && !*fk)
        fk = field(r, doc, "file.name");
    if (fk && !*fk) {
        char anon[32];
        snprintf(anon, sizeof anon, "#%" PRIu64, ++r->anon);
        fk = canh_arena_strndup(&r->arena, anon, strlen(anon));
    }
    c->f3 = fk;
    return c->f2 && c->f3;
}

/* VulnerabilityInfo/Name: "CVE-a, CVE-b (component version)". */
static bool rec_vuln(canh_avreport_t *r, json_t *doc, rec_t *c)
{
    canh_buf_t b;
    canh_buf_init(&b, 4 * CANH_AVREPORT_MAX_FIELD);
    join_field(doc, "vulnerability.id", &b);
    canh_buf_t pkg, ver;
    canh_buf_init(&pkg, 2 * CANH_AVREPORT_MAX_FIELD);
    canh_buf_init(&ver, CANH_AVREPORT_MAX_FIELD);
    join_field(doc, "package.name", &pkg);
    join_field(doc, "package.version", &ver);
    if (pkg.len && ver.len)
        canh_buf_putc(&pkg, ' ');
    canh_buf_append(&pkg, ver.data, ver.len);
    canh_buf_fini(&ver);
    if (!b.len) {
        /* no identifiers: the rule says what was found */
        join_field(doc, "rule.name", &b);
        if (!b.len)
            join_field(doc, "rule.id", &b);
    }
    if (pkg.len) {
        if (b.len)
            canh_buf_puts(&b, " (");
        canh_buf_append(&b, pkg.data, pkg.len);
        if (b.len > pkg.len)
            canh_buf_putc(&b, ')');
    }
    c->key = b.len ? clean(r, b.data, b.len) : "";
    if (c->key && !*c->key)
        c->key = "unknown";
    canh_buf_fini(&b);
    canh_buf_fini(&pkg);
    return c->key != NULL;
}

/* ConnectionInfo from an intel alert on an IP indicator: the machine is the
 * endpoint that ran the program (host.*) when the event carries process
 * details, else the source of traffic towards the listed address. Traffic
 * from a listed address (an inbound scan) is not a malware connection and
 * is skipped (returns true with c->kind left unset). */
static bool rec_conn(canh_avreport_t *r, json_t *doc, rec_t *c, bool *use)
{
    *use = false;
    const char *itype = field(r, doc, "threat.indicator.type");
    const char *target = field(r, doc, "threat.indicator.matched.atomic");
    if (target && !valid_ip(target))
        target = field(r, doc, "threat.indicator.value");
    const char *mfield = field(r, doc, "threat.indicator.matched.field");
    const char *program = field(r, doc, "process.executable");
    if (program && !*program)
        program = field(r, doc, "process.name");
    const char *pid = field(r, doc, "process.pid");
    if (!itype || !target || !mfield || !program || !pid)
        return false;
    if ((strcmp(itype, "ipv4-addr") && strcmp(itype, "ipv6-addr") && strcmp(itype, "ip")) ||
        !valid_ip(target))
        return true;
    if (!*program && !*pid) {
        if (strcmp(mfield, "destination.ip"))
            return true;
        const char *src = ip_field(r, doc, "source.ip");
        if (!src)
            return false;
        if (!*src)
            return true;
        /* a network sensor's log: host.* names the sensor, not the machine */
        if (strcmp(c->ip, src))
            c->host = src;
        c->ip = src;
    }
    if (!strcmp(c->ip, target))
        return true;
    c->key = program;
    c->f1 = hex_or_empty(r, field(r, doc, "process.hash.md5"), 32);
    c->f2 = hex_or_empty(r, field(r, doc, "process.hash.sha256"), 64);
    c->f3 = target;
    *use = true;
    return c->f1 && c->f2;
}

/* A copy of json with invalid UTF-8 replaced (jansson rejects it whole). */
static char *utf8_fixed(const char *json, size_t len, size_t *out_len)
{
    if (len > SIZE_MAX / 3)
        return NULL;
    char *d = canh_malloc(len * 3 + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = canh_utf8_seq_len((const unsigned char *)json + i, len - i);
        if (k) {
            memcpy(d + o, json + i, k);
            o += k;
            i += k;
        } else {
            memcpy(d + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    d[o] = '\0';
    *out_len = o;
    return d;
}

static int push_rec(canh_avreport_t *r, const rec_t *c)
{
    if (r->nrecs == r->caprecs) {
        size_t nc = r->caprecs ? r->caprecs * 2 : 1024;
        rec_t *nr = canh_reallocarray(r->recs, nc, sizeof *nr);
        if (!nr)
            return CANH_ENOMEM;
        r->recs = nr;
        r->caprecs = nc;
    }
    r->recs[r->nrecs++] = *c;
    return CANH_OK;
}

int canh_avreport_add_alert(canh_avreport_t *r, int64_t ts_ns, const char *rule_source,
                            const char *json, size_t len)
{
    if (r->finished)
        return CANH_EINVAL;
    r->st.alerts++;
    if (r->o.from && ts_ns < r->o.from * CANH_NS_PER_SEC) {
        r->st.skipped++;
        return CANH_OK;
    }
    if (r->o.to && ts_ns >= r->o.to * CANH_NS_PER_SEC) {
        r->st.skipped++;
        return CANH_OK;
    }
    if (!json || len > CANH_MAX_JSON_OUT) {
        r->st.malformed++;
        return CANH_OK;
    }
    char *fixed = NULL;
    if (canh_utf8_invalid_at(json, len) < len) {
        fixed = utf8_fixed(json, len, &len);
        if (!fixed)
            return CANH_ENOMEM;
        json = fixed;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
    int rc = CANH_OK;
    if (!json_is_object(doc)) {
        r->st.malformed++;
        goto out;
    }
    char num[32];
    size_t sn = 0;
    const char *src = jtext_v(jget(doc, "rule.source", 0), num, &sn);
    if (!src || !sn) {
        src = rule_source ? rule_source : "";
        sn = strlen(src);
    }
    rec_t c = {0};
    c.ts = ts_ns;
    if (sn == 7 && !memcmp(src, "malware", 7))
        c.kind = CANH_AVR_MALWARE;
    else if (sn == 4 && !memcmp(src, "vuln", 4))
        c.kind = CANH_AVR_VULN;
    else if (sn == 5 && !memcmp(src, "intel", 5))
        c.kind = CANH_AVR_CONNECTION;
    else {
        r->st.skipped++;
        goto out;
    }
    if (r->nrecs >= r->o.max_alerts) {
        r->st.dropped++;
        goto out;
    }
    bool ok = rec_host(r, doc, &c), use = true;
    if (ok && c.kind == CANH_AVR_MALWARE)
        ok = rec_malware(r, doc, &c);
    else if (ok && c.kind == CANH_AVR_VULN)
        ok = rec_vuln(r, doc, &c);
    else if (ok)
        ok = rec_conn(r, doc, &c, &use);
    if (!ok) {
        /* the arena is at its limit (or malloc failed inside it) */
        r->st.dropped++;
        goto out;
    }
    if (!use) {
        r->st.skipped++;
        goto out;
    }
    if ((rc = push_rec(r, &c)) == CANH_OK)
        r->st.used++;
out:
    json_decref(doc);
    canh_free(fixed);
    return rc;
}

int canh_avreport_add_host(canh_avreport_t *r, const canh_avreport_host_t *h)
{
    if (r->finished || !h || ((!h->name || !*h->name) && !valid_ip(h->ip)))
        return CANH_EINVAL;
    if (r->ninvs == r->capinvs) {
        size_t nc = r->capinvs ? r->capinvs * 2 : 64;
        inv_t *ni = canh_reallocarray(r->invs, nc, sizeof *ni);
        if (!ni)
            return CANH_ENOMEM;
        r->invs = ni;
        r->capinvs = nc;
    }
    inv_t v = {0};
    v.ip = valid_ip(h->ip) ? clean_c(r, h->ip) : "";
    v.name = h->name && *h->name ? clean_c(r, h->name) : v.ip;
    v.device = device_word(h->device);
    v.os = clean_c(r, h->os_name);
    v.last_update = h->last_update;
    v.auto_protect = h->auto_protect;
    v.firewall = h->firewall;
    v.seq = r->ninvs;
    if (!v.ip || !v.name || !v.os)
        return CANH_ENOMEM;
    if (!*v.name)
        return CANH_EINVAL;
    r->invs[r->ninvs++] = v;
    return CANH_OK;
}

static int on_stored(void *ud, int64_t id, int64_t ts_ns, const char *src, const char *json,
                     size_t len)
{
    (void)id;
    return canh_avreport_add_alert(ud, ts_ns, src, json, len);
}

int canh_avreport_load(canh_avreport_t *r, canh_store_t *st, canh_errbuf_t *eb)
{
    static const char *const sources[] = {"malware", "vuln", "intel"};
    canh_alert_filter_t f = {0};
    f.from_ns = r->o.from > 0 ? r->o.from * CANH_NS_PER_SEC : 0;
    f.to_ns = r->o.to > 0 ? r->o.to * CANH_NS_PER_SEC : 0;
    f.sources = sources;
    f.nsources = 3;
    int rc = canh_store_alerts_query(st, &f, on_stored, r, eb);
    if (rc == CANH_ENOMEM)
        return canh_errf(eb, rc, "avreport: out of memory reading alerts");
    return rc;
}

/* ---- finishing ------------------------------------------------------------------------ */

static int rec_cmp(const void *a, const void *b)
{
    const rec_t *x = a, *y = b;
    int c = strcmp(x->host, y->host);
    if (c)
        return c;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if ((c = strcmp(x->key, y->key)) != 0)
        return c;
    if (x->kind == CANH_AVR_CONNECTION) {
        if ((c = strcmp(x->f3, y->f3)) != 0 || (c = strcmp(x->f1, y->f1)) != 0 ||
            (c = strcmp(x->f2, y->f2)) != 0)
            return c;
    } else if (x->kind == CANH_AVR_MALWARE) {
        if ((c = strcmp(x->f3, y->f3)) != 0)
            return c;
    }
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int inv_cmp(const void *a, const void *b)
{
    const inv_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool pattern_hit(const char *const *pats, size_t n, const char *name, const char *ip)
{
    for (size_t i = 0; i < n; i++) {
        if (!pats[i])
            continue;
        if (fnmatch(pats[i], name, FNM_CASEFOLD) == 0 || (*ip && fnmatch(pats[i], ip, 0) == 0))
            return true;
    }
    return false;
}

/* The inventory entry for name (the latest added), or NULL. */
static const inv_t *inv_find(const canh_avreport_t *r, const char *name)
{
    size_t lo = 0, hi = r->ninvs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(r->invs[mid].name, name) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && !strcmp(r->invs[lo - 1].name, name) ? &r->invs[lo - 1] : NULL;
}

static machine_t *machine_find(const canh_avreport_t *r, const char *name)
{
    size_t lo = 0, hi = r->nmachines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->machines[mid].name, name);
        if (!c)
            return &r->machines[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The machines: every distinct host of the records and the inventory, with
 * one IP (the inventory's, else the smallest valid one its alerts carry),
 * one OS (the inventory's, else that of its latest alert naming one) and a
 * device type. */
static int build_machines(canh_avreport_t *r)
{
    size_t cap = r->nrecs + r->ninvs;
    const char **names = canh_calloc(cap ? cap : 1, sizeof *names);
    if (!names)
        return CANH_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        if (!i || strcmp(r->recs[i].host, r->recs[i - 1].host))
            names[n++] = r->recs[i].host;
    for (size_t i = 0; i < r->ninvs; i++)
        names[n++] = r->invs[i].name;
    qsort(names, n, sizeof *names, str_cmp);
    r->machines = canh_calloc(n ? n : 1, sizeof *r->machines);
    if (!r->machines) {
        canh_free(names);
        return CANH_ENOMEM;
    }
    size_t ri = 0; /* records are sorted by host: walk them alongside */
    for (size_t i = 0; i < n; i++) {
        if (r->nmachines && !strcmp(r->machines[r->nmachines - 1].name, names[i]))
            continue;
        machine_t *m = &r->machines[r->nmachines++];
        m->name = names[i];
        m->ip = "";
        m->os = "";
        m->inv = inv_find(r, m->name);
        const char *hint = NULL;
        int64_t os_ts = INT64_MIN;
        while (ri < r->nrecs && strcmp(r->recs[ri].host, m->name) < 0)
            ri++;
        for (; ri < r->nrecs && !strcmp(r->recs[ri].host, m->name); ri++) {
            const rec_t *c = &r->recs[ri];
            if (*c->ip && (!*m->ip || strcmp(c->ip, m->ip) < 0))
                m->ip = c->ip;
            if (*c->os && (c->ts > os_ts || (c->ts == os_ts && strcmp(c->os, m->os) > 0))) {
                m->os = c->os;
                os_ts = c->ts;
            }
            if (c->devhint && (!hint || strcmp(c->devhint, hint) < 0))
                hint = c->devhint;
        }
        if (m->inv && *m->inv->ip)
            m->ip = m->inv->ip;
        if (m->inv && *m->inv->os)
            m->os = m->inv->os;
        if (m->inv && m->inv->device)
            m->device = m->inv->device;
        else if (pattern_hit(r->o.servers, r->o.nservers, m->name, m->ip))
            m->device = "server";
        else if (pattern_hit(r->o.workstations, r->o.nworkstations, m->name, m->ip))
            m->device = "workstation";
        else
            m->device = hint ? hint : "unknown";
    }
    canh_free(names);
    return CANH_OK;
}

/* MalwareBehavior of a group: its distinct behaviours, sorted, "; "-joined,
 * cut at the field limit with a count of what was left out. */
static const char *join_behaviors(canh_avreport_t *r, const rec_t *g, size_t n)
{
    const char **v = canh_calloc(n, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = g[i].f2;
    qsort(v, n, sizeof *v, str_cmp);
    char out[CANH_AVREPORT_MAX_FIELD + 1];
    size_t o = 0, left = 0;
    for (size_t i = 0; i < n; i++) {
        if (!*v[i] || (i && !strcmp(v[i], v[i - 1])))
            continue;
        size_t k = strlen(v[i]);
        if (o + (o ? 2 : 0) + k + 16 > CANH_AVREPORT_MAX_FIELD) {
            left++;
            continue;
        }
        if (o) {
            memcpy(out + o, "; ", 2);
            o += 2;
        }
        memcpy(out + o, v[i], k);
        o += k;
    }
    if (left)
        o += (size_t)snprintf(out + o, sizeof out - o, "; +%zu more", left);
    canh_free(v);
    return o ? canh_arena_strndup(&r->arena, out, o) : "";
}

static bool same_group(const rec_t *a, const rec_t *b)
{
    if (a->kind != b->kind || strcmp(a->host, b->host) || strcmp(a->key, b->key))
        return false;
    if (a->kind == CANH_AVR_CONNECTION)
        return !strcmp(a->f3, b->f3) && !strcmp(a->f1, b->f1) && !strcmp(a->f2, b->f2);
    return true;
}

static int build_items(canh_avreport_t *r)
{
    for (int k = 0; k < CANH_AVR_NKINDS; k++) {
        r->items[k] = canh_calloc(r->nrecs ? r->nrecs : 1, sizeof *r->items[k]);
        if (!r->items[k])
            return CANH_ENOMEM;
    }
    for (size_t i = 0; i < r->nrecs;) {
        size_t j = i + 1;
        while (j < r->nrecs && same_group(&r->recs[i], &r->recs[j]))
            j++;
        const rec_t *g = &r->recs[i];
        const machine_t *m = machine_find(r, g->host);
        canh_avreport_item_t *it = &r->items[g->kind][r->nitems[g->kind]++];
        it->kind = g->kind;
        it->host = g->host;
        it->ip = m ? m->ip : "";
        it->device = m ? m->device : "unknown";
        it->os = m ? m->os : "";
        it->name = it->type = it->behavior = "";
        it->program = it->md5 = it->sha2 = it->target = "";
        it->count = j - i;
        it->first_ns = INT64_MAX;
        it->last_ns = INT64_MIN;
        for (size_t x = i; x < j; x++) {
            if (r->recs[x].ts < it->first_ns)
                it->first_ns = r->recs[x].ts;
            if (r->recs[x].ts > it->last_ns)
                it->last_ns = r->recs[x].ts;
        }
        if (g->kind == CANH_AVR_MALWARE) {
            it->name = g->key;
            it->type = g->f1;
            for (size_t x = i; x < j; x++) {
                if (type_rank(r->recs[x].f1) < type_rank(it->type))
                    it->type = r->recs[x].f1;
                /* the group is sorted by file key: count the changes */
                if (x == i || strcmp(r->recs[x].f3, r->recs[x - 1].f3))
                    it->files++;
            }
            if (!(it->behavior = join_behaviors(r, g, j - i)))
                return CANH_ENOMEM;
        } else if (g->kind == CANH_AVR_VULN) {
            it->name = g->key;
        } else {
            it->program = g->key;
            it->md5 = g->f1;
            it->sha2 = g->f2;
            it->target = g->f3;
        }
        i = j;
    }
    return CANH_OK;
}

typedef struct ip_name {
    const char *ip, *name;
} ip_name_t;

static int ip_name_cmp(const void *a, const void *b)
{
    const ip_name_t *x = a, *y = b;
    int c = strcmp(x->ip, y->ip);
    return c ? c : strcmp(x->name, y->name);
}

/* A connection seen only in a network log names its machine by address.
 * When another alert or the inventory names the machine holding that
 * address, the connection goes under that name (the smallest one, should
 * several claim the address). */
static int resolve_ip_names(canh_avreport_t *r)
{
    ip_name_t *v = canh_calloc(r->nrecs + r->ninvs + 1, sizeof *v);
    if (!v)
        return CANH_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        if (*r->recs[i].ip && strcmp(r->recs[i].host, r->recs[i].ip))
            v[n++] = (ip_name_t){r->recs[i].ip, r->recs[i].host};
    for (size_t i = 0; i < r->ninvs; i++)
        if (*r->invs[i].ip && strcmp(r->invs[i].name, r->invs[i].ip))
            v[n++] = (ip_name_t){r->invs[i].ip, r->invs[i].name};
    if (n) {
        qsort(v, n, sizeof *v, ip_name_cmp);
        for (size_t i = 0; i < r->nrecs; i++) {
            rec_t *c = &r->recs[i];
            if (!*c->ip || strcmp(c->host, c->ip))
                continue;
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(v[mid].ip, c->ip) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < n && !strcmp(v[lo].ip, c->ip))
                c->host = v[lo].name;
        }
    }
    canh_free(v);
    return CANH_OK;
}

int canh_avreport_finish(canh_avreport_t *r, canh_errbuf_t *eb)
{
    if (r->finished)
        return CANH_OK;
    if (resolve_ip_names(r) != CANH_OK)
        return canh_errf(eb, CANH_ENOMEM, "avreport: out of memory grouping %zu alerts", r->nrecs);
    if (r->nrecs)
        qsort(r->recs, r->nrecs, sizeof *r->recs, rec_cmp);
    if (r->ninvs)
        qsort(r->invs, r->ninvs, sizeof *r->invs, inv_cmp);
    int rc = build_machines(r);
    if (rc == CANH_OK)
        rc = build_items(r);
    if (rc)
        return canh_errf(eb, rc, "avreport: out of memory grouping %zu alerts", r->nrecs);
    r->st.hosts = r->nmachines;
    r->finished = true;
    return CANH_OK;
}

void canh_avreport_get_stats(const canh_avreport_t *r, canh_avreport_stats_t *out)
{
    *out = r->st;
}

size_t canh_avreport_count(const canh_avreport_t *r, canh_avreport_kind_t kind)
{
    return r->finished && kind < CANH_AVR_NKINDS ? r->nitems[kind] : 0;
}

const canh_avreport_item_t *canh_avreport_item(const canh_avreport_t *r, canh_avreport_kind_t kind,
                                               size_t i)
{
    if (!r->finished || kind >= CANH_AVR_NKINDS || i >= r->nitems[kind])
        return NULL;
    return &r->items[kind][i];
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Every xmlTextWriter call returns < 0 on failure (only allocation can
 * fail on a memory buffer); W() turns that into the one error path. */
#define W(call)                                                                                    \
    do {                                                                                           \
        if ((call) < 0)                                                                            \
            goto fail;                                                                             \
    } while (0)
#define X(s) ((const xmlChar *)(s))

/* <name>text</name>; an empty value is written as <name></name>, the form
 * the deployed connector sends, rather than <name/>. */
static int text_elem(xmlTextWriterPtr w, const char *name, const char *text)
{
    if (xmlTextWriterStartElement(w, X(name)) < 0)
        return -1;
    if (text && *text && xmlTextWriterWriteString(w, X(text)) < 0)
        return -1;
    return xmlTextWriterFullEndElement(w);
}

static int machine_open(xmlTextWriterPtr w, const char *name, const char *ip)
{
    if (xmlTextWriterStartElement(w, X("Machine")) < 0)
        return -1;
    if (*ip && xmlTextWriterWriteAttribute(w, X("ip"), X(ip)) < 0)
        return -1;
    return xmlTextWriterWriteAttribute(w, X("name"), X(name));
}

static int info_body(xmlTextWriterPtr w, const canh_avreport_item_t *it)
{
    char num[24];
    switch (it->kind) {
    case CANH_AVR_MALWARE:
        snprintf(num, sizeof num, "%" PRIu64, it->files);
        if (xmlTextWriterStartElement(w, X("MalwareInfo")) < 0 ||
            text_elem(w, "MalwareName", it->name) < 0 ||
            text_elem(w, "MalwareType", it->type) < 0 ||
            text_elem(w, "MalwareBehavior", it->behavior) < 0 ||
            text_elem(w, "TypeOfDevice", it->device) < 0 || text_elem(w, "NumberFile", num) < 0)
            return -1;
        break;
    case CANH_AVR_CONNECTION:
        if (xmlTextWriterStartElement(w, X("ConnectionInfo")) < 0 ||
            text_elem(w, "Program", it->program) < 0 || text_elem(w, "md5", it->md5) < 0 ||
            text_elem(w, "Sha2", it->sha2) < 0 || text_elem(w, "TargetIP", it->target) < 0)
            return -1;
        break;
    default:
        if (xmlTextWriterStartElement(w, X("VulnerabilityInfo")) < 0 ||
            text_elem(w, "Name", it->name) < 0 || text_elem(w, "OSName", it->os) < 0)
            return -1;
        break;
    }
    return xmlTextWriterEndElement(w);
}

/* One section of per-machine infos: a Machine per host holding its infos,
 * or (flat) a Machine per info. */
static int write_infos(const canh_avreport_t *r, xmlTextWriterPtr w, canh_avreport_kind_t kind,
                       const char *section, bool flat)
{
    if (xmlTextWriterStartElement(w, X(section)) < 0)
        return -1;
    const canh_avreport_item_t *v = r->items[kind];
    size_t n = r->nitems[kind];
    for (size_t i = 0; i < n; i++) {
        bool first = i == 0 || flat || strcmp(v[i].host, v[i - 1].host);
        bool last = i + 1 == n || flat || strcmp(v[i].host, v[i + 1].host);
        if (first && machine_open(w, v[i].host, v[i].ip) < 0)
            return -1;
        if (info_body(w, &v[i]) < 0)
            return -1;
        if (last && xmlTextWriterEndElement(w) < 0)
            return -1;
    }
    return xmlTextWriterFullEndElement(w);
}

static void fmt_time(int64_t s, char out[32])
{
    canh_time_format(s * CANH_NS_PER_SEC, out);
    out[19] = 'Z';
    out[20] = '\0';
}

static int write_body(const canh_avreport_t *r, xmlTextWriterPtr w)
{
    char num[32];
    W(xmlTextWriterStartElement(w, X("AVReport")));
    W(xmlTextWriterWriteAttribute(w, X("name"), X(r->o.vendor)));
    snprintf(num, sizeof num, "%" PRId64, r->o.datetime);
    W(text_elem(w, "Datetime", num));
    W(write_infos(r, w, CANH_AVR_MALWARE, "Malware", r->o.machine_per_malware));
    W(write_infos(r, w, CANH_AVR_CONNECTION, "Connection", false));
    W(write_infos(r, w, CANH_AVR_VULN, "Vulnerability", false));

    W(xmlTextWriterStartElement(w, X("OS")));
    for (size_t i = 0; i < r->nmachines; i++) {
        const machine_t *m = &r->machines[i];
        bool upd = m->inv && m->inv->last_update > 0;
        if (!*m->os && !upd)
            continue;
        W(machine_open(w, m->name, m->ip));
        W(text_elem(w, "OSName", m->os));
        if (upd)
            fmt_time(m->inv->last_update, num);
        W(text_elem(w, "LastUpdate", upd ? num : ""));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterFullEndElement(w)); /* OS */

    /* Machines whose signatures are older than 15 days at Datetime: only
     * countable when an inventory told some update times. */
    uint64_t stale = 0;
    bool known = false;
    for (size_t i = 0; i < r->nmachines; i++) {
        const inv_t *v = r->machines[i].inv;
        if (v && v->last_update > 0) {
            known = true;
            if (r->o.datetime - v->last_update > 15 * DAY)
                stale++;
        }
    }
    snprintf(num, sizeof num, "%" PRIu64, stale);
    W(xmlTextWriterStartElement(w, X("Update")));
    W(text_elem(w, "NumberMachineNotUpdateOn15Day", known ? num : ""));
    W(xmlTextWriterEndElement(w));

    W(xmlTextWriterStartElement(w, X("QualityFeature")));
    for (size_t i = 0; i < r->nmachines; i++) {
        const machine_t *m = &r->machines[i];
        if (!m->inv || (m->inv->auto_protect < 0 && m->inv->firewall < 0))
            continue;
        W(machine_open(w, m->name, m->ip));
        int ap = m->inv->auto_protect, fw = m->inv->firewall;
        W(text_elem(w, "AutoProtect", ap > 0 ? "On" : ap == 0 ? "Off" : ""));
        W(text_elem(w, "EnableFirewall", fw > 0 ? "On" : fw == 0 ? "Off" : ""));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterFullEndElement(w)); /* QualityFeature */
    W(xmlTextWriterEndElement(w));     /* AVReport */
    return 0;
fail:
    return -1;
}

static void default_subject(const canh_avreport_t *r, char *out, size_t n)
{
    char a[32] = "", b[32] = "";
    if (r->o.from)
        fmt_time(r->o.from, a);
    fmt_time(r->o.to ? r->o.to - 1 : r->o.datetime, b);
    a[10] = b[10] = '\0';
    snprintf(out, n,
             "Báo cáo chia sẻ thông tin mã độc (CV 2290/BTTTT-CATTT) / Malware report: %s%s%s", a,
             *a ? " - " : "", b);
}

int canh_avreport_write_edxml(const canh_avreport_t *r, const canh_edxml_org_t *org,
                              canh_buf_t *out, canh_errbuf_t *eb)
{
    if (!r->finished)
        return canh_errf(eb, CANH_EINVAL, "avreport: write before finish");
    if (!org || !org->organ_id || !*org->organ_id)
        return canh_errf(eb, CANH_EINVAL,
                         "avreport: OrganId (the QCVN 102 agency code) is required");
    /* The organisation's strings come from a file the operator wrote: clean
     * them like alert text so the document stays well-formed. The report is
     * read-only here, so they go to a scratch arena. */
    canh_avreport_t scratch = {0};
    xmlBufferPtr xb = NULL;
    xmlTextWriterPtr w = NULL;
    canh_arena_init(&scratch.arena, 4096, 64u * 1024u);
    const char *from[7] = {org->organ_id,  org->organ_name, org->address, org->email,
                           org->telephone, org->fax,        org->website};
    static const char *const tags[7] = {"edXML:OrganId", "edXML:OrganName", "edXML:OrganAdd",
                                        "edXML:Email",   "edXML:Telephone", "edXML:Fax",
                                        "edXML:Website"};
    const char *org_clean[7];
    int rc = CANH_OK;
    for (int i = 0; i < 7; i++)
        if (!(org_clean[i] = clean_c(&scratch, from[i]))) {
            rc = canh_errf(eb, CANH_ENOMEM, "avreport: out of memory");
            goto done;
        }
    if (!*org_clean[0]) {
        rc = canh_errf(eb, CANH_EINVAL, "avreport: OrganId is empty");
        goto done;
    }
    char subject[512];
    if (r->o.subject)
        snprintf(subject, sizeof subject, "%s", r->o.subject);
    else
        default_subject(r, subject, sizeof subject);

    xb = xmlBufferCreate();
    w = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
    if (!w) {
        rc = canh_errf(eb, CANH_ENOMEM, "avreport: out of memory");
        goto done;
    }
    W(xmlTextWriterSetIndent(w, 1));
    W(xmlTextWriterSetIndentString(w, X("  ")));
    W(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
    /* Namespace use as in the deployed connector: the envelope element
     * itself unprefixed, the header and body containers and the sender
     * fields in the edXML namespace, Subject and the AVReport tree
     * unqualified (docs/edxml.md). */
    W(xmlTextWriterStartElement(w, X("edXMLEnvelope")));
    W(xmlTextWriterWriteAttribute(w, X("xmlns:edXML"), X(CANH_EDXML_NS)));
    W(xmlTextWriterStartElement(w, X("edXML:edXMLHeader")));
    W(xmlTextWriterStartElement(w, X("edXML:MessageHeader")));
    W(xmlTextWriterStartElement(w, X("edXML:From")));
    for (int i = 0; i < 7; i++)
        W(text_elem(w, tags[i], org_clean[i]));
    W(xmlTextWriterEndElement(w));
    W(text_elem(w, "Subject", subject));
    W(xmlTextWriterEndElement(w)); /* MessageHeader */
    W(xmlTextWriterEndElement(w)); /* edXMLHeader */
    W(xmlTextWriterStartElement(w, X("edXML:edXMLBody")));
    W(write_body(r, w));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndElement(w));
    W(xmlTextWriterEndDocument(w));
    xmlFreeTextWriter(w); /* flushes into xb */
    w = NULL;
    size_t len = (size_t)xmlBufferLength(xb);
    if (len > CANH_EDXML_MAX_DOC) {
        rc = canh_errf(eb, CANH_ELIMIT, "avreport: document of %zu bytes is past the limit", len);
        goto done;
    }
    if ((rc = canh_buf_append(out, xmlBufferContent(xb), len)) != CANH_OK)
        canh_errf(eb, rc, "avreport: %s", canh_strerror(rc));
    goto done;
fail:
    rc = canh_errf(eb, CANH_ENOMEM, "avreport: XML writer failed (out of memory)");
done:
    if (w)
        xmlFreeTextWriter(w);
    if (xb)
        xmlBufferFree(xb);
    canh_arena_fini(&scratch.arena);
    return rc;
}
