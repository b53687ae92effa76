/* intel_import_csv.c - CSV feeds: an RFC 4180 reader and the column mapper
 * that CSV and .xlsx share.
 *
 * The reader takes quoted fields with "" escapes and embedded newlines, a
 * UTF-8 byte order mark, an Excel "sep=;" line, '#' comment lines (abuse.ch
 * puts its banner there, sometimes the header too), and a delimiter (',',
 * ';' or tab) chosen by counting them in the header line. A record is
 * numbered by the line it starts on.
 *
 * A quoted field that never closes would swallow the rest of the file: the
 * record is rejected at its first line and reading resumes on the next
 * line, and from then on a quoted field must close on the line it opened
 * (so a broken file costs one pass, never one pass per line).
 *
 * The mapper gives each header a role by its folded name (ASCII lower case,
 * Vietnamese letters without their marks, only letters and digits kept:
 * "Địa chỉ IP" -> "diachiip", "first_seen_utc" -> "firstseenutc"). Known
 * header sets: Shadowserver drone reports, the VNCERT botnet list, abuse.ch
 * Feodo Tracker, and generic indicator tables; every other column goes to the
 * indicator's extra JSON. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/csv.h"
#include "canh/error.h"
#include "canh/intel.h"
#include "canh/intel_import.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/str.h"
#include "intel_import_priv.h"

/* ---- header names ------------------------------------------------------------ */

/* Base letters of U+00C0..U+01B0 and U+1EA0..U+1EF9 (Latin-1, Latin
 * Extended-A, and the Vietnamese letters); '_' = no base letter. Made with
 * Python's unicodedata (NFD, first character; Đ/đ -> d). */
static const char fold_lat[] =
    "aaaaaa_ceeeeiiii_nooooo__uuuuy__aaaaaa_ceeeeiiii_nooooo__uuuuy_yaaaaaaccccccccddddeeeeeeeeee"
    "gggggggghh__iiiiiiiii___jjkk_llllll____nnnnnn___oooooo__rrrrrrsssssssstttt__uuuuuuuuuuuuwwyy"
    "yzzzzzz_________________________________oo_____________uu";
static const char fold_vn[] = "aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooo"
                              "uuuuuuuuuuuuuuyyyyyyyy";

/* Folds a header for comparison into out (cap bytes, NUL-terminated):
 * ASCII letters lower-cased, digits kept, Vietnamese and Latin letters
 * reduced to their base letter, combining marks (NFD text) dropped, other
 * ASCII dropped, other characters kept as they are. */
static void fold(canh_str_t s, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < s.n && o + 4 < cap) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z')
                out[o++] = (char)(c + 32);
            else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                out[o++] = (char)c;
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (len > s.n - i)
            len = s.n - i;
        uint32_t cp = 0;
        if (len == 2)
            cp = (uint32_t)(c & 0x1F) << 6 | ((unsigned char)s.p[i + 1] & 0x3F);
        else if (len == 3)
            cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)((unsigned char)s.p[i + 1] & 0x3F) << 6 |
                 ((unsigned char)s.p[i + 2] & 0x3F);
        char b = '_';
        if (cp >= 0xC0 && cp < 0xC0 + sizeof fold_lat - 1)
            b = fold_lat[cp - 0xC0];
        else if (cp >= 0x1EA0 && cp < 0x1EA0 + sizeof fold_vn - 1)
            b = fold_vn[cp - 0x1EA0];
        if (cp >= 0x300 && cp <= 0x36F) {
            /* combining mark: dropped */
        } else if (b != '_') {
            out[o++] = b;
        } else {
            memcpy(out + o, s.p + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
}

enum role {
    R_EXTRA = 0,
    R_VALUE, /* any indicator, type guessed (or from the type column) */
    R_IP,
    R_DOMAIN,
    R_URL,
    R_HASH, /* md5, sha1 or sha256 by length */
    R_MD5,
    R_SHA1,
    R_SHA256,
    R_TYPE,
    R_THREAT,
    R_FAMILY,
    R_FIRST,
    R_LAST,
    R_CONF,
    R_EXPIRES,
    R_NROLES,
};

static bool is_value_role(int r)
{
    return r >= R_VALUE && r <= R_SHA256;
}
static bool is_hash_column(int r)
{
    return r >= R_MD5 && r <= R_SHA256;
}

#define F_NUM 1u /* extra value written as a number */
#define F_VN 2u  /* a Vietnamese header: zone-less times are +07:00 */

typedef struct alias {
    const char *folded;
    unsigned char role;
    unsigned char rank; /* among value columns: lower wins */
    unsigned char flags;
    const char *key; /* extra key when the column goes to extra */
} alias_t;

static const alias_t aliases[] = {
    /* value columns; the VNCERT list also has IP and LocalIP, Shadowserver
     * cc_ip: the infected or listed address outranks them */
    {"attackerip", R_IP, 1, 0, "attacker_ip"},
    {"iptancong", R_IP, 1, F_VN, "ip_tan_cong"}, /* IP tấn công */
    {"ipnhiem", R_IP, 1, F_VN, "ip_nhiem"},      /* IP nhiễm */
    {"ipbinhiem", R_IP, 1, F_VN, "ip_bi_nhiem"}, /* IP bị nhiễm */
    {"value", R_VALUE, 2, 0, "value"},
    {"indicator", R_VALUE, 2, 0, "indicator"},
    {"indicatorvalue", R_VALUE, 2, 0, "indicator_value"},
    {"ioc", R_VALUE, 2, 0, "ioc"},
    {"giatri", R_VALUE, 2, F_VN, "gia_tri"}, /* Giá trị */
    {"observable", R_VALUE, 3, 0, "observable"},
    {"dstip", R_IP, 2, 0, "dst_ip"},
    {"ipaddress", R_IP, 3, 0, "ip_address"},
    {"diachiip", R_IP, 3, F_VN, "dia_chi_ip"}, /* Địa chỉ IP */
    {"ip", R_IP, 4, 0, "ip"},
    {"ipv4", R_IP, 4, 0, "ipv4"},
    {"ipv6", R_IP, 4, 0, "ipv6"},
    {"cidr", R_IP, 5, 0, "cidr"},
    {"domain", R_DOMAIN, 5, 0, "domain"},
    {"domainname", R_DOMAIN, 5, 0, "domain_name"},
    {"fqdn", R_DOMAIN, 5, 0, "fqdn"},
    {"tenmien", R_DOMAIN, 5, F_VN, "ten_mien"}, /* Tên miền */
    {"url", R_URL, 5, 0, "url"},
    {"duongdan", R_URL, 6, F_VN, "duong_dan"}, /* Đường dẫn */
    {"hash", R_HASH, 6, 0, "hash"},
    {"filehash", R_HASH, 6, 0, "file_hash"},
    {"mabam", R_HASH, 6, F_VN, "ma_bam"}, /* Mã băm */
    {"md5", R_MD5, 7, 0, "md5"},
    {"md5hash", R_MD5, 7, 0, "md5_hash"},
    {"sha1", R_SHA1, 7, 0, "sha1"},
    {"sha1hash", R_SHA1, 7, 0, "sha1_hash"},
    {"sha256", R_SHA256, 7, 0, "sha256"},
    {"sha256hash", R_SHA256, 7, 0, "sha256_hash"},
    /* the other fields */
    {"type", R_TYPE, 0, 0, "type"},
    {"ioctype", R_TYPE, 0, 0, "ioc_type"},
    {"indicatortype", R_TYPE, 0, 0, "indicator_type"},
    {"loai", R_TYPE, 0, F_VN, "loai"}, /* Loại */
    {"threat", R_THREAT, 0, 0, "threat"},
    {"threattype", R_THREAT, 0, 0, "threat_type"},
    {"loaimoidedoa", R_THREAT, 0, F_VN, "loai_moi_de_doa"}, /* Loại mối đe dọa */
    {"loaitancong", R_THREAT, 0, F_VN, "loai_tan_cong"},    /* Loại tấn công */
    {"family", R_FAMILY, 0, 0, "family"},
    {"malware", R_FAMILY, 0, 0, "malware"},
    {"malwarefamily", R_FAMILY, 0, 0, "malware_family"},
    {"infection", R_FAMILY, 0, 0, "infection"},
    {"networkname", R_FAMILY, 0, 0, "network_name"},
    {"signature", R_FAMILY, 0, 0, "signature"}, /* MalwareBazaar */
    {"botnet", R_FAMILY, 0, 0, "botnet"},
    {"tenbotnet", R_FAMILY, 0, F_VN, "ten_botnet"},          /* Tên botnet */
    {"tenmangbotnet", R_FAMILY, 0, F_VN, "ten_mang_botnet"}, /* Tên mạng botnet */
    {"madoc", R_FAMILY, 0, F_VN, "ma_doc"},                  /* Mã độc */
    {"homadoc", R_FAMILY, 0, F_VN, "ho_ma_doc"},             /* Họ mã độc */
    {"firstseen", R_FIRST, 0, 0, "first_seen"},
    {"firstseenutc", R_FIRST, 0, 0, "first_seen_utc"},
    {"dateadded", R_FIRST, 0, 0, "date_added"},
    {"validfrom", R_FIRST, 0, 0, "valid_from"},
    {"ngayphathien", R_FIRST, 0, F_VN, "ngay_phat_hien"},          /* Ngày phát hiện */
    {"thoigianphathien", R_FIRST, 0, F_VN, "thoi_gian_phat_hien"}, /* Thời gian phát hiện */
    {"lastseen", R_LAST, 0, 0, "last_seen"},
    {"lastseenutc", R_LAST, 0, 0, "last_seen_utc"},
    {"lastonline", R_LAST, 0, 0, "last_online"},
    {"attackon", R_LAST, 0, 0, "attack_on"},
    {"timestamp", R_LAST, 0, 0, "timestamp"},
    {"thoigian", R_LAST, 0, F_VN, "thoi_gian"}, /* Thời gian */
    {"lancuoi", R_LAST, 0, F_VN, "lan_cuoi"},   /* Lần cuối */
    {"confidence", R_CONF, 0, 0, "confidence"},
    {"dotincay", R_CONF, 0, F_VN, "do_tin_cay"}, /* Độ tin cậy */
    {"expires", R_EXPIRES, 0, 0, "expires"},
    {"expiration", R_EXPIRES, 0, 0, "expiration"},
    {"validuntil", R_EXPIRES, 0, 0, "valid_until"},
    {"hethan", R_EXPIRES, 0, F_VN, "het_han"}, /* Hết hạn */
    /* extra columns with a canonical key */
    {"asn", R_EXTRA, 0, F_NUM, "asn"},
    {"asnumber", R_EXTRA, 0, F_NUM, "as_number"},
    {"asname", R_EXTRA, 0, 0, "as_name"},
    {"port", R_EXTRA, 0, F_NUM, "port"},
    {"srcport", R_EXTRA, 0, F_NUM, "src_port"},
    {"dstport", R_EXTRA, 0, F_NUM, "dst_port"},
    {"ccip", R_EXTRA, 0, 0, "cc_ip"},
    {"ccport", R_EXTRA, 0, F_NUM, "cc_port"},
    {"ccdns", R_EXTRA, 0, 0, "cc_dns"},
    {"hostname", R_EXTRA, 0, 0, "hostname"},
    {"geo", R_EXTRA, 0, 0, "geo"},
    {"country", R_EXTRA, 0, 0, "country"},
    {"region", R_EXTRA, 0, 0, "region"},
    {"city", R_EXTRA, 0, 0, "city"},
    {"localip", R_EXTRA, 0, 0, "local_ip"},
    {"localtcpport", R_EXTRA, 0, F_NUM, "local_tcp_port"},
    {"isp", R_EXTRA, 0, 0, "isp"},
    {"nhamang", R_EXTRA, 0, F_VN, "isp"}, /* Nhà mạng */
    {"status", R_EXTRA, 0, 0, "status"},
    {"trangthai", R_EXTRA, 0, F_VN, "status"}, /* Trạng thái */
    {"c2status", R_EXTRA, 0, 0, "c2_status"},
    {"cong", R_EXTRA, 0, F_NUM | F_VN, "port"}, /* Cổng */
    {"resolve", R_EXTRA, 0, 0, "resolve"},
    {"emailno", R_EXTRA, 0, F_NUM, "email_no"},
    {"count", R_EXTRA, 0, F_NUM, "count"},
};

static const alias_t *find_alias(const char *folded)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].folded, folded) == 0)
            return &aliases[i];
    return NULL;
}

/* Fields opts->mapping may name, and the role each gives its column. */
static const struct {
    const char *field;
    int role;
} map_fields[] = {
    {"value", R_VALUE},      {"ip", R_IP},          {"domain", R_DOMAIN},   {"url", R_URL},
    {"hash", R_HASH},        {"type", R_TYPE},      {"threat", R_THREAT},   {"family", R_FAMILY},
    {"first_seen", R_FIRST}, {"last_seen", R_LAST}, {"confidence", R_CONF}, {"expires", R_EXPIRES},
};

/* ---- the mapper ---------------------------------------------------------------- */

#define LABEL_MAX 96

typedef struct col {
    int role;
    unsigned flags;
    char key[LABEL_MAX];   /* extra key */
    char label[LABEL_MAX]; /* the header as written, for reasons */
    char folded[LABEL_MAX];
} col_t;

struct canh_intel_imp_tab {
    canh_intel_imp_t *im;
    col_t *cols;
    size_t ncols;
    size_t val[3]; /* value columns: one, or up to three hash columns */
    size_t nval;
    long by_role[R_NROLES]; /* column of each non-value role, -1 = none */
    int32_t tz;
    json_t *extra;
    canh_buf_t tmp, dump;
    char what[LABEL_MAX + 16];
    char maperr[256]; /* a mapped column missing from the last header tried */
};

int canh_intel_imp_tab_create(canh_intel_imp_t *im, canh_intel_imp_tab_t **out)
{
    canh_intel_imp_tab_t *t = canh_calloc(1, sizeof *t);
    if (!t)
        return CANH_ENOMEM;
    t->im = im;
    canh_buf_init(&t->tmp, 4 * CANH_MAX_RECORD);
    canh_buf_init(&t->dump, CANH_INTEL_IMP_EXTRA_MAX + 1);
    t->extra = json_object();
    if (!t->extra) {
        canh_intel_imp_tab_destroy(t);
        return CANH_ENOMEM;
    }
    *out = t;
    return CANH_OK;
}

void canh_intel_imp_tab_destroy(canh_intel_imp_tab_t *t)
{
    if (!t)
        return;
    json_decref(t->extra);
    canh_buf_fini(&t->tmp);
    canh_buf_fini(&t->dump);
    canh_free(t->cols);
    canh_free(t);
}

size_t canh_intel_imp_tab_ncols(const canh_intel_imp_tab_t *t)
{
    return t->ncols;
}

int canh_intel_imp_tab_nocolumn(canh_intel_imp_tab_t *t)
{
    canh_intel_imp_t *im = t->im;
    if (t->maperr[0])
        return canh_errf(im->eb, CANH_EINVAL, "%s: %s", im->name, t->maperr);
    return canh_errf(im->eb, CANH_EINVAL,
                     "%s: no column holds indicator values (looked for: value, indicator, ioc, "
                     "ip, ip_address, AttackerIP, dst_ip, domain, url, hash, md5, sha1, sha256, "
                     "Địa chỉ IP, Tên miền); name one with a mapping such as value=Column",
                     im->name);
}

/* Applies "field=Column,field=Column". */
static int apply_mapping(canh_intel_imp_tab_t *t, const char *mapping)
{
    canh_str_t rest = canh_str_c(mapping);
    while (rest.n) {
        ptrdiff_t comma = canh_str_chr(rest, ',');
        canh_str_t item = comma >= 0 ? canh_str_sub(rest, 0, (size_t)comma) : rest;
        rest = comma >= 0 ? canh_str_sub(rest, (size_t)comma + 1, rest.n) : CANH_STR_NULL;
        item = canh_str_trim(item);
        if (!item.n)
            continue;
        ptrdiff_t eq = canh_str_chr(item, '=');
        char q[96], fcol[LABEL_MAX];
        if (eq <= 0)
            return canh_errf(t->im->eb, CANH_EINVAL, "%s: mapping \"%s\": expected field=Column",
                             t->im->name, canh_intel_imp_quote(item, q));
        canh_str_t field = canh_str_trim(canh_str_sub(item, 0, (size_t)eq));
        canh_str_t column = canh_str_trim(canh_str_sub(item, (size_t)eq + 1, item.n));
        int role = -1;
        for (size_t i = 0; i < sizeof map_fields / sizeof map_fields[0]; i++)
            if (canh_str_ieq_c(field, map_fields[i].field))
                role = map_fields[i].role;
        if (role < 0)
            return canh_errf(t->im->eb, CANH_EINVAL,
                             "%s: mapping: unknown field \"%s\" (value, ip, domain, url, hash, "
                             "type, threat, family, first_seen, last_seen, confidence, expires)",
                             t->im->name, canh_intel_imp_quote(field, q));
        fold(column, fcol, sizeof fcol);
        long c = -1;
        for (size_t i = 0; i < t->ncols && c < 0; i++)
            if (strcmp(t->cols[i].folded, fcol) == 0)
                c = (long)i;
        if (c < 0 || !fcol[0]) {
            /* maybe not the header row (a title above it): said at the end */
            snprintf(t->maperr, sizeof t->maperr, "mapping: no column \"%s\" in the header",
                     canh_intel_imp_quote(column, q));
            return CANH_ENOMATCH;
        }
        if (is_value_role(role)) {
            /* the named column is the one value column */
            for (size_t i = 0; i < t->ncols; i++)
                if (is_value_role(t->cols[i].role))
                    t->cols[i].role = R_EXTRA;
        } else {
            for (size_t i = 0; i < t->ncols; i++)
                if (t->cols[i].role == role)
                    t->cols[i].role = R_EXTRA;
        }
        t->cols[c].role = role;
    }
    return CANH_OK;
}

int canh_intel_imp_tab_header(canh_intel_imp_tab_t *t, const canh_intel_imp_cell_t *cells, size_t n)
{
    canh_intel_imp_t *im = t->im;
    bool vn = false, vncert = false, shadow = false, feodo = false, has_ip = false;
    bool botnet = false;
    int rc;

    t->maperr[0] = '\0';
    if (n == 0)
        return CANH_ENOMATCH;
    if (n > CANH_INTEL_IMP_MAX_COLS)
        return canh_errf(im->eb, CANH_EINVAL, "%s: header has %zu columns (at most %u)", im->name,
                         n, CANH_INTEL_IMP_MAX_COLS);
    canh_free(t->cols);
    t->cols = canh_calloc(n, sizeof *t->cols);
    if (!t->cols)
        return CANH_ENOMEM;
    t->ncols = n;
    for (size_t i = 0; i < n; i++) {
        col_t *c = &t->cols[i];
        canh_str_t h = canh_str_trim(cells[i].s);
        canh_buf_reset(&t->tmp);
        if ((rc = canh_intel_imp_utf8(&t->tmp, canh_str_sub(h, 0, LABEL_MAX - 4))))
            return rc;
        snprintf(c->label, sizeof c->label, "%.*s", (int)t->tmp.len,
                 t->tmp.data ? t->tmp.data : "");
        fold(h, c->folded, sizeof c->folded);
        const alias_t *a = find_alias(c->folded);
        if (a) {
            c->role = a->role;
            c->flags = a->flags;
            snprintf(c->key, sizeof c->key, "%s", a->key);
            vn |= (a->flags & F_VN) != 0;
            vncert |= strcmp(a->folded, "attackerip") == 0 || strcmp(a->folded, "networkname") == 0;
            botnet |= strcmp(a->folded, "botnet") == 0 || strcmp(a->folded, "tenbotnet") == 0 ||
                      strcmp(a->folded, "tenmangbotnet") == 0;
            shadow |= strcmp(a->folded, "infection") == 0;
            has_ip |= strcmp(a->folded, "ip") == 0;
            feodo |= strcmp(a->folded, "c2status") == 0;
        } else if (c->label[0]) {
            snprintf(c->key, sizeof c->key, "%s", c->label);
        } else {
            snprintf(c->key, sizeof c->key, "column_%zu", i + 1);
        }
    }

    /* The value column: the best-ranked one, or every hash column when
     * hashes are all the table has (md5, sha1, sha256 of one file). */
    int best = 256;
    for (size_t i = 0; i < n; i++) {
        const alias_t *a = find_alias(t->cols[i].folded);
        if (a && is_value_role(a->role) && a->rank < best)
            best = a->rank;
    }
    bool picked = false;
    for (size_t i = 0; i < n; i++) {
        col_t *c = &t->cols[i];
        const alias_t *a = find_alias(c->folded);
        if (!is_value_role(c->role))
            continue;
        bool take = a && a->rank == best && (!picked || is_hash_column(c->role));
        if (take && is_hash_column(c->role)) {
            /* one column per hash type */
            for (size_t j = 0; j < i; j++)
                if (t->cols[j].role == c->role)
                    take = false;
        }
        if (take)
            picked = true;
        else
            c->role = R_EXTRA;
    }
    if (im->opts->mapping && (rc = apply_mapping(t, im->opts->mapping)))
        return rc;

    /* A type column describes a generic value column only: Shadowserver's
     * "type" is the protocol (tcp, udp) and stays in extra. */
    bool generic = false;
    for (size_t i = 0; i < n; i++)
        generic |= t->cols[i].role == R_VALUE;
    for (size_t i = 0; i < n && !generic; i++)
        if (t->cols[i].role == R_TYPE)
            t->cols[i].role = R_EXTRA;

    t->nval = 0;
    for (size_t r = 0; r < R_NROLES; r++)
        t->by_role[r] = -1;
    for (size_t i = 0; i < n; i++) {
        int r = t->cols[i].role;
        if (is_value_role(r) && t->nval < 3)
            t->val[t->nval++] = i;
        else if (is_value_role(r))
            t->cols[i].role = R_EXTRA;
        else if (r != R_EXTRA && t->by_role[r] < 0)
            t->by_role[r] = (long)i;
        else if (r != R_EXTRA)
            t->cols[i].role = R_EXTRA; /* a second column for the same field */
    }
    if (t->nval == 0)
        return CANH_ENOMATCH;

    t->tz = (vn || vncert) ? CANH_INTEL_IMP_TZ_VN : 0;
    if (vncert || botnet || (shadow && has_ip))
        im->def_threat = "botnet";
    else if (feodo)
        im->def_threat = "c2";
    else
        im->def_threat = "malicious";
    return CANH_OK;
}

/* The indicator type a type column names; NONE = guess; false if the type
 * is not one Canh imports. */
static bool type_hint(canh_str_t s, canh_ioc_type_t *hint, bool *hash_only)
{
    static const struct {
        const char *folded;
        canh_ioc_type_t t;
    } types[] = {
        {"ip", CANH_IOC_IP},           {"ipv4", CANH_IOC_IP},
        {"ipv6", CANH_IOC_IP},         {"ipsrc", CANH_IOC_IP},
        {"ipdst", CANH_IOC_IP},        {"ipaddress", CANH_IOC_IP},
        {"ipv4addr", CANH_IOC_IP},     {"ipv6addr", CANH_IOC_IP},
        {"cidr", CANH_IOC_IP},         {"netblock", CANH_IOC_IP},
        {"diachiip", CANH_IOC_IP},     {"domain", CANH_IOC_DOMAIN},
        {"hostname", CANH_IOC_DOMAIN}, {"domainname", CANH_IOC_DOMAIN},
        {"fqdn", CANH_IOC_DOMAIN},     {"tenmien", CANH_IOC_DOMAIN},
        {"url", CANH_IOC_URL},         {"uri", CANH_IOC_URL},
        {"md5", CANH_IOC_MD5},         {"filehashmd5", CANH_IOC_MD5},
        {"sha1", CANH_IOC_SHA1},       {"filehashsha1", CANH_IOC_SHA1},
        {"sha256", CANH_IOC_SHA256},   {"filehashsha256", CANH_IOC_SHA256},
    };
    char f[LABEL_MAX];
    fold(s, f, sizeof f);
    *hash_only = false;
    *hint = CANH_IOC_NONE;
    if (!f[0])
        return s.n == 0 || canh_str_trim(s).n == 0;
    if (strcmp(f, "hash") == 0 || strcmp(f, "filehash") == 0 || strcmp(f, "mabam") == 0) {
        *hash_only = true;
        return true;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(types[i].folded, f) == 0) {
            *hint = types[i].t;
            return true;
        }
    }
    return false;
}

static canh_str_t cell_at(const canh_intel_imp_cell_t *cells, size_t n, long c)
{
    return (c >= 0 && (size_t)c < n) ? canh_str_trim(cells[c].s) : CANH_STR_NULL;
}

/* Reads the time in column c; false (rejected) when it is not one. */
static bool row_time(canh_intel_imp_tab_t *t, const canh_intel_imp_cell_t *cells, size_t n, long c,
                     uint64_t line, int64_t *out)
{
    char q[96];
    *out = 0;
    if (c < 0 || (size_t)c >= n)
        return true;
    if (canh_intel_imp_time(t->im, cells[c].s, t->tz, true, out) == CANH_OK)
        return true;
    canh_intel_imp_reject(t->im, line, "column %s: \"%s\" is not a date", t->cols[c].label,
                          canh_intel_imp_quote(canh_str_trim(cells[c].s), q));
    return false;
}

int canh_intel_imp_tab_row(canh_intel_imp_tab_t *t, const canh_intel_imp_cell_t *cells, size_t n,
                           uint64_t line)
{
    canh_intel_imp_t *im = t->im;
    canh_intel_imp_row_t row;
    char q[96];
    int rc = CANH_OK;

    if (n != t->ncols) {
        bool blank_tail = n > t->ncols;
        for (size_t i = t->ncols; blank_tail && i < n; i++)
            blank_tail = canh_str_trim(cells[i].s).n == 0;
        if (!blank_tail) {
            canh_intel_imp_reject(im, line, "row has %zu fields, header has %zu", n, t->ncols);
            return CANH_OK;
        }
        n = t->ncols;
    }

    canh_intel_imp_row_init(&row);
    if (!row_time(t, cells, n, t->by_role[R_FIRST], line, &row.first_seen) ||
        !row_time(t, cells, n, t->by_role[R_LAST], line, &row.last_seen) ||
        !row_time(t, cells, n, t->by_role[R_EXPIRES], line, &row.expires))
        return CANH_OK;
    long cc = t->by_role[R_CONF];
    canh_str_t conf = cell_at(cells, n, cc);
    if (conf.n) {
        uint64_t v;
        if (canh_str_to_u64(conf, 100, &v) != CANH_OK) {
            canh_intel_imp_reject(im, line, "column %s: \"%s\" is not a confidence from 0 to 100",
                                  t->cols[cc].label, canh_intel_imp_quote(conf, q));
            return CANH_OK;
        }
        row.confidence = (int)v;
    }
    canh_ioc_type_t hint = CANH_IOC_NONE;
    bool type_hash = false;
    long ct = t->by_role[R_TYPE];
    canh_str_t type = cell_at(cells, n, ct);
    if (ct >= 0 && !type_hint(type, &hint, &type_hash)) {
        canh_intel_imp_reject(im, line, "column %s: \"%s\" is not an indicator type Canh imports",
                              t->cols[ct].label, canh_intel_imp_quote(type, q));
        return CANH_OK;
    }
    row.threat = cell_at(cells, n, t->by_role[R_THREAT]);
    row.family = cell_at(cells, n, t->by_role[R_FAMILY]);

    /* every other column, and value columns other than the one taken */
    json_object_clear(t->extra);
    for (size_t i = 0; i < n; i++) {
        if (t->cols[i].role != R_EXTRA || json_object_get(t->extra, t->cols[i].key))
            continue;
        if ((rc = canh_intel_imp_jset(t->extra, t->cols[i].key, cells[i].s,
                                      (t->cols[i].flags & F_NUM) != 0, &t->tmp)))
            return rc;
    }
    rc = canh_intel_imp_jdump(t->extra, &t->dump);
    if (rc == CANH_ELIMIT) {
        canh_intel_imp_reject(im, line, "other columns hold more than %u bytes",
                              CANH_INTEL_IMP_EXTRA_MAX);
        return CANH_OK;
    }
    if (rc)
        return rc;
    row.extra = t->dump.len ? t->dump.data : NULL;

    size_t taken = 0;
    for (size_t k = 0; k < t->nval; k++) {
        const col_t *c = &t->cols[t->val[k]];
        canh_str_t v = canh_str_trim(cells[t->val[k]].s);
        if (t->nval > 1 && v.n == 0)
            continue; /* a file with only some of its hashes */
        taken++;
        snprintf(t->what, sizeof t->what, "column %s", c->label);
        row.what = t->what;
        row.value = v;
        row.hash_only =
            c->role == R_HASH || is_hash_column(c->role) || (c->role == R_VALUE && type_hash);
        row.hint = c->role == R_IP       ? CANH_IOC_IP
                   : c->role == R_DOMAIN ? CANH_IOC_DOMAIN
                   : c->role == R_URL    ? CANH_IOC_URL
                   : c->role == R_VALUE  ? hint
                                         : CANH_IOC_NONE;
        if ((rc = canh_intel_imp_emit(im, line, &row)))
            return rc;
    }
    if (taken == 0) {
        snprintf(t->what, sizeof t->what, "column %s", t->cols[t->val[0]].label);
        canh_intel_imp_reject(im, line, "%s: empty value", t->what);
    }
    return CANH_OK;
}

/* ---- CSV through the core reader ------------------------------------------------ */

/* The first line that is neither blank nor a '#' comment, from pos. */
static canh_str_t first_data_line(canh_str_t d, size_t pos, canh_str_t *last_comment)
{
    *last_comment = CANH_STR_NULL;
    while (pos < d.n) {
        const char *nl = memchr(d.p + pos, '\n', d.n - pos);
        size_t next = nl ? (size_t)(nl - d.p) + 1 : d.n;
        canh_str_t l = canh_str_trim(canh_str(d.p + pos, next - pos));
        if (l.n && l.p[0] == '#')
            *last_comment = l;
        else if (l.n)
            return canh_str(d.p + pos, next - pos);
        pos = next;
    }
    return CANH_STR_NULL;
}

/* The reader's fields as the column mapper's cells (text, never numbers). */
typedef struct cells {
    canh_intel_imp_cell_t *v;
    size_t cap;
} cells_t;

static int to_cells(cells_t *cs, const canh_str_t *f, size_t n)
{
    if (n > cs->cap) {
        canh_intel_imp_cell_t *v = canh_reallocarray(cs->v, n, sizeof *v);
        if (!v)
            return CANH_ENOMEM;
        cs->v = v;
        cs->cap = n;
    }
    for (size_t i = 0; i < n; i++)
        cs->v[i] = (canh_intel_imp_cell_t){f[i], false};
    return CANH_OK;
}

/* A header in a comment line ("# id,dateadded,url,..."): the text after the
 * '#' marks, read as one CSV record. */
static int comment_header(canh_intel_imp_tab_t *t, canh_str_t comment, char *delim, cells_t *cs)
{
    size_t i = 0;
    while (i < comment.n && (comment.p[i] == '#' || comment.p[i] == ' ' || comment.p[i] == '\t'))
        i++;
    canh_str_t text = canh_str_sub(comment, i, comment.n);
    canh_csv_t *h;
    int err, rc = CANH_ENOMATCH;
    if (canh_csv_open(text.p, text.n, canh_csv_detect_delim(text), 0, &h) != CANH_OK)
        return CANH_ENOMEM;
    const canh_str_t *f;
    size_t nf;
    uint64_t st;
    if (canh_csv_read(h, &f, &nf, &st, &err) == CANH_CSV_ROW && nf > 1) {
        rc = to_cells(cs, f, nf);
        if (rc == CANH_OK)
            rc = canh_intel_imp_tab_header(t, cs->v, nf);
        if (rc == CANH_OK)
            *delim = canh_csv_delim(h);
    } else if (err) {
        rc = err;
    }
    canh_csv_close(h);
    return rc;
}

int canh_intel_imp_csv(canh_intel_imp_t *im, canh_str_t data)
{
    canh_intel_imp_tab_t *tab = NULL;
    canh_csv_t *c = NULL;
    cells_t cs = {NULL, 0};
    const canh_str_t *f;
    size_t nf;
    uint64_t start = 0;
    int err = CANH_OK, rc;
    canh_csv_kind_t k;
    bool have_header = false;
    canh_str_t comment;

    if ((rc = canh_intel_imp_tab_create(im, &tab)) != CANH_OK ||
        (rc = canh_csv_open(data.p, data.n, 0, 1, &c)) != CANH_OK) {
        rc = canh_errf(im->eb, rc, "%s: out of memory", im->name);
        goto out;
    }
    {
        canh_str_t first = first_data_line(data, 0, &comment);
        if (!first.p && !comment.p) {
            rc = canh_errf(im->eb, CANH_EINVAL, "%s: no header row", im->name);
            goto out;
        }
    }

    /* the header: the first record, or a commented one just before it */
    for (;;) {
        uint64_t rec_line;
        size_t rec_off = canh_csv_tell(c, &rec_line);
        k = canh_csv_read(c, &f, &nf, &start, &err);
        if (err) {
            rc = canh_errf(im->eb, err, "%s: out of memory", im->name);
            goto out;
        }
        if (k == CANH_CSV_BLANK || k == CANH_CSV_COMMENT)
            continue;
        if (k == CANH_CSV_BAD) {
            rc = canh_errf(im->eb, CANH_EINVAL, "%s:%llu: header: %s", im->name,
                           (unsigned long long)start, canh_csv_bad(c));
            goto out;
        }
        if (k == CANH_CSV_EOF) {
            /* only comments: the last may be the header of an empty list */
            first_data_line(data, 0, &comment);
            char delim = ',';
            if (comment.p && (rc = comment_header(tab, comment, &delim, &cs)) == CANH_OK)
                goto out;
            rc = comment.p && rc != CANH_ENOMATCH ? rc : canh_intel_imp_tab_nocolumn(tab);
            goto out;
        }
        if ((rc = to_cells(&cs, f, nf)) != CANH_OK)
            goto out;
        rc = canh_intel_imp_tab_header(tab, cs.v, nf);
        if (rc == CANH_OK) {
            have_header = true;
            break;
        }
        if (rc != CANH_ENOMATCH)
            goto out;
        /* not a header: try the comment line above it, and read this
         * record again as data with that header's delimiter */
        canh_str_t before = canh_str_sub(data, 0, rec_off);
        first_data_line(before, 0, &comment);
        char delim = canh_csv_delim(c);
        if (comment.p && (rc = comment_header(tab, comment, &delim, &cs)) == CANH_OK) {
            canh_csv_seek(c, rec_off, rec_line);
            canh_csv_set_delim(c, delim);
            have_header = true;
            break;
        }
        rc = comment.p && rc != CANH_ENOMATCH ? rc : canh_intel_imp_tab_nocolumn(tab);
        goto out;
    }

    rc = CANH_OK;
    while (have_header) {
        k = canh_csv_read(c, &f, &nf, &start, &err);
        if (err) {
            rc = canh_errf(im->eb, err, "%s: out of memory", im->name);
            break;
        }
        if (k == CANH_CSV_EOF)
            break;
        if (k == CANH_CSV_BLANK || k == CANH_CSV_COMMENT)
            continue;
        if (k == CANH_CSV_BAD) {
            canh_intel_imp_reject(im, start, "%s", canh_csv_bad(c));
            continue;
        }
        if ((rc = to_cells(&cs, f, nf)) != CANH_OK ||
            (rc = canh_intel_imp_tab_row(tab, cs.v, nf, start)) != CANH_OK)
            break;
    }
out:
    canh_intel_imp_tab_destroy(tab);
    canh_csv_close(c);
    canh_free(cs.v);
    return rc;
}

bool canh_intel_imp_csv_sniff(canh_str_t data)
{
    canh_str_t comment;
    canh_str_t d = canh_str_sub(data, 0, 8192);
    if (d.n >= 3 && memcmp(d.p, "\xEF\xBB\xBF", 3) == 0)
        d = canh_str_sub(d, 3, d.n);
    canh_str_t first = first_data_line(d, 0, &comment);
    canh_str_t cand[2] = {first, comment};
    for (int k = 0; k < 2; k++) {
        canh_str_t l = canh_str_trim(cand[k]);
        while (l.n && l.p[0] == '#')
            l = canh_str_trim(canh_str_sub(l, 1, l.n));
        if (!l.n)
            continue;
        char delim = canh_csv_detect_delim(l);
        if (canh_str_chr(l, delim) < 0)
            continue;
        /* a header names a known value column */
        while (l.n) {
            ptrdiff_t e = canh_str_chr(l, delim);
            canh_str_t f = e >= 0 ? canh_str_sub(l, 0, (size_t)e) : l;
            l = e >= 0 ? canh_str_sub(l, (size_t)e + 1, l.n) : CANH_STR_NULL;
            char folded[LABEL_MAX];
            fold(f, folded, sizeof folded);
            const alias_t *a = find_alias(folded);
            if (a && is_value_role(a->role))
                return true;
        }
    }
    return false;
}
