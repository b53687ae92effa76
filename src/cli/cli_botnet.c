/* cli_botnet.c - `canh botnet report`: the organisation's hosts found on
 * botnet lists, ranked for clean-up, and the stored traffic to or from
 * listed addresses. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "canh/buf.h"
#include "canh/event.h"
#include "canh/mem.h"
#include "canh/time.h"
#include "cli.h"

enum fmt { F_TABLE, F_JSON, F_CSV, F_XLSX };

/* One host's findings. */
typedef struct row {
    const canh_asset_t *asset;
    canh_buf_t addrs;    /* the host's addresses that matched */
    canh_buf_t listed;   /* the listed values that matched */
    canh_buf_t families;
    canh_buf_t sources;
    canh_buf_t threats;
    int64_t first_seen, last_seen;
    uint64_t times;      /* distinct days seen, over the matched indicators */
    size_t nind;
} row_t;

typedef struct traffic {
    int64_t ts_ns;
    char src[64], dst[64];
    const canh_indicator_t *ind;
    char host[128], dataset[64];
} traffic_t;

typedef struct report {
    canh_store_t *st;
    canh_asset_t *assets;
    size_t nassets;
    canh_indicator_t *inds; /* all live indicators from the store */
    size_t ninds;
    canh_indicator_t *listed; /* the botnet-list IP indicators (shallow copies) */
    size_t nlisted;
    canh_intel_snap_t *snap;  /* over listed */
    int64_t from, to;         /* month window (Unix s), 0/0 = all */
    row_t *rows;
    size_t nrows;
    traffic_t *traffic;
    size_t ntraffic, captraffic;
} report_t;

/* Column headers: Vietnamese / English. */
static const char *const host_cols[] = {
    "Hạng / Rank",           "Máy / Host",            "Địa chỉ / Address",
    "IP trong danh sách / Listed", "Hệ thống / System", "Cấp độ / Level",
    "Đơn vị / Owner",        "Liên hệ / Contact",     "Họ mã độc / Family",
    "Loại / Threat",         "Nguồn / Source",        "Lần đầu / First seen",
    "Lần cuối / Last seen",  "Số ngày thấy / Days seen"};
#define NHOST_COLS (sizeof host_cols / sizeof host_cols[0])
static const char *const traffic_cols[] = {
    "Thời gian / Time", "Nguồn / Source IP", "Đích / Destination IP", "IP trong danh sách / Listed",
    "Họ mã độc / Family", "Danh sách / List", "Máy / Host", "Loại log / Dataset"};
#define NTRAFFIC_COLS (sizeof traffic_cols / sizeof traffic_cols[0])

static bool parse_addr(const char *text, uint8_t out[16], bool *v6)
{
    char tmp[64];
    size_t n = strcspn(text, "/");
    if (n >= sizeof tmp)
        return false;
    memcpy(tmp, text, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, out) == 1) {
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, out) == 1) {
        *v6 = true;
        return true;
    }
    return false;
}

static bool listed_threat(const char *t, const char *const *want)
{
    if (!t)
        return false;
    for (; *want; want++)
        if (!strcmp(t, *want))
            return true;
    return false;
}

/* Appends s to a comma-separated set if not yet there. */
static void set_add(canh_buf_t *b, const char *s)
{
    if (!s || !*s)
        return;
    size_t n = strlen(s);
    const char *p = b->data;
    while (p && *p) {
        const char *e = strstr(p, ", ");
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && !memcmp(p, s, n))
            return;
        p = e ? e + 2 : NULL;
    }
    if (b->len)
        canh_buf_puts(b, ", ");
    canh_buf_puts(b, s);
}

static row_t *row_for(report_t *r, const canh_asset_t *a)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (r->rows[i].asset == a)
            return &r->rows[i];
    row_t *nr = canh_reallocarray(r->rows, r->nrows + 1, sizeof *nr);
    if (!nr)
        return NULL;
    r->rows = nr;
    row_t *row = &r->rows[r->nrows++];
    memset(row, 0, sizeof *row);
    row->asset = a;
    canh_buf_init(&row->addrs, 1 << 20);
    canh_buf_init(&row->listed, 1 << 20);
    canh_buf_init(&row->families, 1 << 20);
    canh_buf_init(&row->sources, 1 << 20);
    canh_buf_init(&row->threats, 1 << 20);
    return row;
}

static int add_hit(report_t *r, const canh_asset_t *a, const char *addr, const canh_indicator_t *ind)
{
    row_t *row = row_for(r, a);
    if (!row)
        return CANH_ENOMEM;
    /* the same indicator may be found from both directions: count it once */
    const char *p = row->listed.data;
    bool seen_ind = false;
    while (p && *p && !seen_ind) {
        const char *e = strstr(p, ", ");
        size_t k = e ? (size_t)(e - p) : strlen(p);
        seen_ind = k == strlen(ind->value) && !memcmp(p, ind->value, k);
        p = e ? e + 2 : NULL;
    }
    set_add(&row->addrs, addr);
    set_add(&row->families, ind->family);
    set_add(&row->sources, ind->source);
    set_add(&row->threats, ind->threat);
    if (!row->first_seen || (ind->first_seen && ind->first_seen < row->first_seen))
        row->first_seen = ind->first_seen;
    if (ind->last_seen > row->last_seen)
        row->last_seen = ind->last_seen;
    set_add(&row->listed, ind->value);
    if (!seen_ind) {
        uint64_t days = 0;
        canh_errbuf_t eb;
        if (canh_store_intel_sightings(r->st, ind->id, r->from, r->to, &days, &eb) == CANH_OK)
            row->times += days;
        row->nind++;
    }
    return CANH_OK;
}

/* Every (asset, listed indicator) pair whose addresses overlap: an asset
 * address inside a listed prefix, or a listed prefix inside an asset CIDR.
 * CIDRs either nest or are disjoint, so testing each side's network address
 * against the other side's prefixes finds every overlap. */
static int match_assets(report_t *r)
{
    /* asset addresses as a snapshot of pseudo-indicators */
    canh_indicator_t *aind = NULL;
    size_t naind = 0, cap = 0;
    size_t *owner = NULL;
    int rc = CANH_OK;
    char **addr_text = NULL;
    for (size_t i = 0; i < r->nassets; i++) {
        const char *p = r->assets[i].addresses ? r->assets[i].addresses : "";
        while (*p) {
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, " ");
            if (!n)
                break;
            /* NAT pair: the public side is what lists name; keep the pair
             * text for the report. */
            char tok[160];
            snprintf(tok, sizeof tok, "%.*s", (int)n, p);
            char *eq = strchr(tok, '=');
            if (eq)
                *eq = '\0';
            if (naind == cap) {
                cap = cap ? cap * 2 : 64;
                canh_indicator_t *na = canh_reallocarray(aind, cap, sizeof *aind);
                size_t *no = canh_reallocarray(owner, cap, sizeof *owner);
                char **nt = canh_reallocarray(addr_text, cap, sizeof *addr_text);
                if (na)
                    aind = na;
                if (no)
                    owner = no;
                if (nt)
                    addr_text = nt;
                if (!na || !no || !nt) {
                    rc = CANH_ENOMEM;
                    goto out;
                }
            }
            memset(&aind[naind], 0, sizeof aind[naind]);
            aind[naind].type = CANH_IOC_IP;
            aind[naind].value = canh_strdup(tok);
            aind[naind].confidence = -1;
            if (eq)
                *eq = '=';
            addr_text[naind] = canh_strdup(tok);
            owner[naind] = i;
            if (!aind[naind].value || !addr_text[naind]) {
                canh_free(aind[naind].value);
                canh_free(addr_text[naind]);
                rc = CANH_ENOMEM;
                goto out;
            }
            naind++;
            p += n;
        }
    }
    canh_intel_snap_t *asnap = NULL;
    canh_errbuf_t eb;
    if ((rc = canh_intel_snap_build(aind, naind, 0, &asnap, &eb)) != CANH_OK)
        goto out;
    uint32_t ids[512];
    uint8_t addr[16];
    bool v6;
    /* asset address inside a listed prefix */
    for (size_t k = 0; k < naind && rc == CANH_OK; k++) {
        if (!parse_addr(aind[k].value, addr, &v6))
            continue;
        size_t n = canh_intel_match_ip(r->snap, addr, v6, ids, 512);
        for (size_t j = 0; j < n && j < 512 && rc == CANH_OK; j++)
            rc = add_hit(r, &r->assets[owner[k]], addr_text[k],
                         canh_intel_snap_get(r->snap, ids[j]));
    }
    /* listed prefix inside an asset CIDR */
    for (size_t i = 0; i < r->nlisted && rc == CANH_OK; i++) {
        if (!parse_addr(r->listed[i].value, addr, &v6))
            continue;
        size_t n = canh_intel_match_ip(asnap, addr, v6, ids, 512);
        for (size_t j = 0; j < n && j < 512 && rc == CANH_OK; j++)
            rc = add_hit(r, &r->assets[owner[ids[j]]], addr_text[ids[j]], &r->listed[i]);
    }
    canh_intel_snap_destroy(asnap);
out:
    for (size_t k = 0; k < naind; k++) {
        canh_free(aind[k].value);
        canh_free(addr_text[k]);
    }
    canh_free(aind);
    canh_free(owner);
    canh_free(addr_text);
    return rc;
}

static int row_cmp(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->asset->level != y->asset->level)
        return y->asset->level - x->asset->level;
    if (x->last_seen != y->last_seen)
        return x->last_seen > y->last_seen ? -1 : 1;
    if (x->times != y->times)
        return x->times > y->times ? -1 : 1;
    return strcmp(x->asset->hostname, y->asset->hostname);
}

static int on_event(void *ud, int64_t id, int64_t ts_ns, const char *src, const char *dst,
                    const char *json)
{
    (void)id;
    report_t *r = ud;
    if (r->to && (ts_ns < r->from * CANH_NS_PER_SEC || ts_ns >= r->to * CANH_NS_PER_SEC))
        return 0;
    const char *sides[2] = {src, dst};
    for (int s = 0; s < 2; s++) {
        if (!sides[s])
            continue;
        uint32_t ids[4];
        size_t n = canh_intel_match_ip_str(r->snap, canh_str_c(sides[s]), ids, 4);
        if (!n)
            continue;
        if (r->ntraffic == r->captraffic) {
            size_t nc = r->captraffic ? r->captraffic * 2 : 256;
            traffic_t *nt = canh_reallocarray(r->traffic, nc, sizeof *nt);
            if (!nt)
                return 1;
            r->traffic = nt;
            r->captraffic = nc;
        }
        traffic_t *t = &r->traffic[r->ntraffic++];
        memset(t, 0, sizeof *t);
        t->ts_ns = ts_ns;
        snprintf(t->src, sizeof t->src, "%s", src ? src : "");
        snprintf(t->dst, sizeof t->dst, "%s", dst ? dst : "");
        t->ind = canh_intel_snap_get(r->snap, ids[0]);
        /* host and dataset from the stored document */
        const char *h = strstr(json, "\"host\":{");
        const char *hn = h ? strstr(h, "\"name\":\"") : NULL;
        if (hn)
            sscanf(hn + 8, "%127[^\"]", t->host);
        const char *ds = strstr(json, "\"dataset\":\"");
        if (ds)
            sscanf(ds + 11, "%63[^\"]", t->dataset);
        break; /* one row per event */
    }
    return 0;
}

static void fmt_day(int64_t s, char out[32])
{
    if (!s) {
        strcpy(out, "-");
        return;
    }
    canh_time_format(s * CANH_NS_PER_SEC, out);
    out[10] = '\0';
}

static const char *nz(const char *s)
{
    return s && *s ? s : "-";
}

/* The cells of one host row, as text. */
static void host_cells(const row_t *w, size_t rank, char cells[NHOST_COLS][1024])
{
    char a[32], b[32];
    fmt_day(w->first_seen, a);
    fmt_day(w->last_seen, b);
    snprintf(cells[0], 1024, "%zu", rank);
    snprintf(cells[1], 1024, "%s", w->asset->hostname);
    snprintf(cells[2], 1024, "%s", nz(w->addrs.data));
    snprintf(cells[3], 1024, "%s", nz(w->listed.data));
    snprintf(cells[4], 1024, "%s", nz(w->asset->system));
    if (w->asset->level)
        snprintf(cells[5], 1024, "%d", w->asset->level);
    else
        snprintf(cells[5], 1024, "-");
    snprintf(cells[6], 1024, "%s", nz(w->asset->owner));
    snprintf(cells[7], 1024, "%s", nz(w->asset->contact));
    snprintf(cells[8], 1024, "%s", nz(w->families.data));
    snprintf(cells[9], 1024, "%s", nz(w->threats.data));
    snprintf(cells[10], 1024, "%s", nz(w->sources.data));
    snprintf(cells[11], 1024, "%s", a);
    snprintf(cells[12], 1024, "%s", b);
    snprintf(cells[13], 1024, "%" PRIu64, w->times);
}

static void traffic_cells(const traffic_t *t, char cells[NTRAFFIC_COLS][256])
{
    char ts[32];
    canh_time_format(t->ts_ns, ts);
    snprintf(cells[0], 256, "%s", ts);
    snprintf(cells[1], 256, "%s", nz(t->src));
    snprintf(cells[2], 256, "%s", nz(t->dst));
    snprintf(cells[3], 256, "%s", t->ind->value);
    snprintf(cells[4], 256, "%s", nz(t->ind->family));
    snprintf(cells[5], 256, "%s", nz(t->ind->source));
    snprintf(cells[6], 256, "%s", nz(t->host));
    snprintf(cells[7], 256, "%s", nz(t->dataset));
}

static void csv_cell(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', out);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', out);
            fputc(*s, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
}

static void json_field(canh_buf_t *b, const char *k, const char *v, bool first)
{
    if (!first)
        canh_buf_putc(b, ',');
    canh_json_put_string(b, k, strlen(k));
    canh_buf_putc(b, ':');
    canh_json_put_string(b, v, strlen(v));
}

/* Width in terminal columns of UTF-8 text (code points; Vietnamese is
 * single-width). */
static size_t cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void pad(FILE *out, const char *s, size_t w)
{
    fputs(s, out);
    for (size_t k = cols(s); k < w; k++)
        fputc(' ', out);
}

static int write_table(report_t *r, FILE *out)
{
    static char cells[NHOST_COLS][1024];
    /* A compact table: the most useful columns; json/csv/xlsx carry all. */
    static const int show[] = {0, 1, 2, 3, 5, 4, 8, 10, 12, 13, 6, 7};
    size_t nshow = sizeof show / sizeof show[0];
    size_t w[NHOST_COLS] = {0};
    for (size_t c = 0; c < nshow; c++) {
        const char *h = host_cols[show[c]];
        const char *slash = strstr(h, " / ");
        w[c] = cols(slash ? slash + 3 : h);
    }
    for (size_t i = 0; i < r->nrows; i++) {
        host_cells(&r->rows[i], i + 1, cells);
        for (size_t c = 0; c < nshow; c++) {
            size_t k = cols(cells[show[c]]);
            if (k > 40)
                k = 40;
            if (k > w[c])
                w[c] = k;
        }
    }
    fprintf(out, "Máy trong danh sách botnet / Hosts on botnet lists: %zu\n\n", r->nrows);
    for (size_t c = 0; c < nshow; c++) {
        const char *h = host_cols[show[c]];
        const char *slash = strstr(h, " / ");
        pad(out, slash ? slash + 3 : h, w[c] + 2);
    }
    fputc('\n', out);
    for (size_t i = 0; i < r->nrows; i++) {
        host_cells(&r->rows[i], i + 1, cells);
        for (size_t c = 0; c < nshow; c++) {
            char *s = cells[show[c]];
            if (cols(s) > 40) {
                /* cut on a code point boundary */
                size_t k = 0, b = 0;
                while (s[b] && k < 39) {
                    b++;
                    while (((unsigned char)s[b] & 0xC0) == 0x80)
                        b++;
                    k++;
                }
                strcpy(s + b, "~");
            }
            pad(out, s, w[c] + 2);
        }
        fputc('\n', out);
    }
    fprintf(out, "\nLưu lượng tới/từ địa chỉ trong danh sách / Traffic with listed addresses: %zu\n",
            r->ntraffic);
    char tc[NTRAFFIC_COLS][256];
    for (size_t i = 0; i < r->ntraffic; i++) {
        traffic_cells(&r->traffic[i], tc);
        fprintf(out, "  %s  %s -> %s  (%s, %s, %s)\n", tc[0], tc[1], tc[2], tc[3], tc[4], tc[5]);
    }
    return 0;
}

static int write_json(report_t *r, FILE *out)
{
    static char cells[NHOST_COLS][1024];
    static const char *const keys[NHOST_COLS] = {
        "rank", "host", "addresses", "listed", "system", "level", "owner", "contact",
        "family", "threat", "source", "first_seen", "last_seen", "days_seen"};
    canh_buf_t b;
    canh_buf_init(&b, 16u << 20);
    for (size_t i = 0; i < r->nrows; i++) {
        host_cells(&r->rows[i], i + 1, cells);
        canh_buf_reset(&b);
        canh_buf_puts(&b, "{\"record\":\"host\"");
        for (size_t c = 0; c < NHOST_COLS; c++) {
            if (!strcmp(cells[c], "-"))
                continue;
            if (c == 0 || c == 5 || c == 13) {
                canh_buf_printf(&b, ",\"%s\":%s", keys[c], cells[c]);
                continue;
            }
            json_field(&b, keys[c], cells[c], false);
        }
        canh_buf_puts(&b, "}\n");
        fputs(b.data, out);
    }
    static const char *const tkeys[NTRAFFIC_COLS] = {"time",   "source_ip", "destination_ip",
                                                     "listed", "family",    "source",
                                                     "host",   "dataset"};
    char tc[NTRAFFIC_COLS][256];
    for (size_t i = 0; i < r->ntraffic; i++) {
        traffic_cells(&r->traffic[i], tc);
        canh_buf_reset(&b);
        canh_buf_puts(&b, "{\"record\":\"traffic\"");
        for (size_t c = 0; c < NTRAFFIC_COLS; c++)
            if (strcmp(tc[c], "-"))
                json_field(&b, tkeys[c], tc[c], false);
        canh_buf_puts(&b, "}\n");
        fputs(b.data, out);
    }
    canh_buf_fini(&b);
    return 0;
}

static int write_csv(report_t *r, FILE *out)
{
    static char cells[NHOST_COLS][1024];
    fputs("\xEF\xBB\xBF", out); /* BOM: Excel then reads the Vietnamese headers as UTF-8 */
    for (size_t c = 0; c < NHOST_COLS; c++) {
        if (c)
            fputc(',', out);
        csv_cell(out, host_cols[c]);
    }
    fputs("\r\n", out);
    for (size_t i = 0; i < r->nrows; i++) {
        host_cells(&r->rows[i], i + 1, cells);
        for (size_t c = 0; c < NHOST_COLS; c++) {
            if (c)
                fputc(',', out);
            csv_cell(out, strcmp(cells[c], "-") ? cells[c] : "");
        }
        fputs("\r\n", out);
    }
    if (r->ntraffic) {
        fputs("\r\n", out);
        char tc[NTRAFFIC_COLS][256];
        for (size_t c = 0; c < NTRAFFIC_COLS; c++) {
            if (c)
                fputc(',', out);
            csv_cell(out, traffic_cols[c]);
        }
        fputs("\r\n", out);
        for (size_t i = 0; i < r->ntraffic; i++) {
            traffic_cells(&r->traffic[i], tc);
            for (size_t c = 0; c < NTRAFFIC_COLS; c++) {
                if (c)
                    fputc(',', out);
                csv_cell(out, strcmp(tc[c], "-") ? tc[c] : "");
            }
            fputs("\r\n", out);
        }
    }
    return 0;
}

static int write_xlsx(report_t *r, const char *path)
{
    static char cells[NHOST_COLS][1024];
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        fprintf(stderr, "canh botnet report: %s: cannot create workbook\n", path);
        return 2;
    }
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_text_wrap(bold);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Botnet hosts");
    for (size_t c = 0; c < NHOST_COLS; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, host_cols[c], bold);
    for (size_t i = 0; i < r->nrows; i++) {
        host_cells(&r->rows[i], i + 1, cells);
        for (size_t c = 0; c < NHOST_COLS; c++) {
            lxw_row_t row = (lxw_row_t)(i + 1);
            if ((c == 0 || c == 5 || c == 13) && strcmp(cells[c], "-"))
                worksheet_write_number(ws, row, (lxw_col_t)c, strtod(cells[c], NULL), NULL);
            else if (strcmp(cells[c], "-"))
                worksheet_write_string(ws, row, (lxw_col_t)c, cells[c], NULL);
        }
    }
    worksheet_set_column(ws, 0, (lxw_col_t)(NHOST_COLS - 1), 18, NULL);
    worksheet_freeze_panes(ws, 1, 0);
    if (r->nrows)
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)r->nrows, (lxw_col_t)(NHOST_COLS - 1));
    lxw_worksheet *ts = workbook_add_worksheet(wb, "Traffic");
    for (size_t c = 0; c < NTRAFFIC_COLS; c++)
        worksheet_write_string(ts, 0, (lxw_col_t)c, traffic_cols[c], bold);
    char tc[NTRAFFIC_COLS][256];
    for (size_t i = 0; i < r->ntraffic; i++) {
        traffic_cells(&r->traffic[i], tc);
        for (size_t c = 0; c < NTRAFFIC_COLS; c++)
            if (strcmp(tc[c], "-"))
                worksheet_write_string(ts, (lxw_row_t)(i + 1), (lxw_col_t)c, tc[c], NULL);
    }
    worksheet_set_column(ts, 0, (lxw_col_t)(NTRAFFIC_COLS - 1), 20, NULL);
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) {
        fprintf(stderr, "canh botnet report: %s: %s\n", path, lxw_strerror(err));
        return 2;
    }
    return 0;
}

static void help(void)
{
    printf("usage: canh botnet report [--month YYYY-MM] [--format table|json|csv|xlsx]\n"
           "                          [--output FILE] [--threat LIST] [--data DIR]\n"
           "\n"
           "The organisation's hosts (canh assets import) whose addresses are on botnet lists\n"
           "(canh intel import --threat botnet), one row per host, ranked for clean-up: highest\n"
           "security level first, then most recently seen, then most often seen. Then the\n"
           "stored events (canh replay --store) with traffic to or from listed addresses.\n"
           "  --month YYYY-MM   only indicators seen in that month (and events of that month)\n"
           "  --threat LIST     comma-separated threats counted as botnet listings\n"
           "                    (default botnet,c2,malware)\n"
           "  --output FILE     write there instead of standard output (required for xlsx)\n"
           "Headers are in Vietnamese and English.\n");
}

int canh_cmd_botnet_report(int argc, char **argv)
{
    const char *data = NULL, *month = NULL, *output = NULL, *threat_arg = "botnet,c2,malware";
    enum fmt fmt = F_TABLE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        } else if (!strcmp(a, "--data") && v) {
            data = v;
            i++;
        } else if (!strcmp(a, "--month") && v) {
            month = v;
            i++;
        } else if (!strcmp(a, "--output") && v) {
            output = v;
            i++;
        } else if (!strcmp(a, "--threat") && v) {
            threat_arg = v;
            i++;
        } else if (!strcmp(a, "--format") && v) {
            if (!strcmp(v, "table"))
                fmt = F_TABLE;
            else if (!strcmp(v, "json"))
                fmt = F_JSON;
            else if (!strcmp(v, "csv"))
                fmt = F_CSV;
            else if (!strcmp(v, "xlsx"))
                fmt = F_XLSX;
            else
                return canh_cli_usage_error("botnet report",
                                            "--format: expected table, json, csv or xlsx, got \"%s\"",
                                            v);
            i++;
        } else {
            return canh_cli_usage_error("botnet report", "unexpected argument \"%s\"", a);
        }
    }
    if (fmt == F_XLSX && !output)
        return canh_cli_usage_error("botnet report", "--format xlsx needs --output FILE");
    report_t r = {0};
    if (month) {
        int y, m;
        char extra;
        if (sscanf(month, "%4d-%2d%c", &y, &m, &extra) != 2 || m < 1 || m > 12 || y < 1970)
            return canh_cli_usage_error("botnet report", "--month: expected YYYY-MM, got \"%s\"",
                                        month);
        r.from = canh_time_days_from_civil(y, (unsigned)m, 1) * 86400;
        r.to = canh_time_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : (unsigned)m + 1, 1) *
               86400;
    }
    /* the threat list, as a NULL-terminated array */
    char threats_buf[256];
    snprintf(threats_buf, sizeof threats_buf, "%s", threat_arg);
    const char *threats[17];
    size_t nth = 0;
    for (char *save = NULL, *t = strtok_r(threats_buf, ",", &save); t && nth < 16;
         t = strtok_r(NULL, ",", &save))
        threats[nth++] = t;
    threats[nth] = NULL;

    const char *dir = canh_cli_data_dir(data);
    if (!canh_cli_store_exists(dir)) {
        fprintf(stderr,
                "canh botnet report: no store in %s: run canh assets import and canh intel "
                "import first\n",
                dir);
        return 2;
    }
    int status = canh_cli_open_store("botnet report", dir, &r.st);
    if (status)
        return status;
    status = 2;
    canh_errbuf_t eb = {{0}};
    int64_t now = (int64_t)time(NULL);
    if (canh_store_assets_load(r.st, &r.assets, &r.nassets, &eb) != CANH_OK ||
        canh_store_intel_load(r.st, now, false, &r.inds, &r.ninds, &eb) != CANH_OK) {
        fprintf(stderr, "canh botnet report: %s\n", eb.msg);
        goto out;
    }
    r.listed = canh_calloc(r.ninds ? r.ninds : 1, sizeof *r.listed);
    if (!r.listed)
        goto out;
    for (size_t i = 0; i < r.ninds; i++) {
        const canh_indicator_t *ind = &r.inds[i];
        if (ind->type != CANH_IOC_IP || !listed_threat(ind->threat, threats))
            continue;
        if (r.to) {
            uint64_t days = 0;
            canh_store_intel_sightings(r.st, ind->id, r.from, r.to, &days, &eb);
            bool in_month = days > 0 || (ind->last_seen >= r.from && ind->last_seen < r.to);
            if (!in_month)
                continue;
        }
        r.listed[r.nlisted++] = *ind; /* shallow: strings stay owned by r.inds */
    }
    if (canh_intel_snap_build(r.listed, r.nlisted, now, &r.snap, &eb) != CANH_OK) {
        fprintf(stderr, "canh botnet report: %s\n", eb.msg);
        goto out;
    }
    if (match_assets(&r) != CANH_OK) {
        fprintf(stderr, "canh botnet report: out of memory\n");
        goto out;
    }
    qsort(r.rows, r.nrows, sizeof *r.rows, row_cmp);
    if (r.nlisted && canh_store_events_with_ips(r.st, on_event, &r, &eb) != CANH_OK) {
        fprintf(stderr, "canh botnet report: %s\n", eb.msg);
        goto out;
    }
    if (fmt == F_XLSX) {
        status = write_xlsx(&r, output);
    } else {
        FILE *out = output ? fopen(output, "w") : stdout;
        if (!out) {
            fprintf(stderr, "canh botnet report: %s: cannot write\n", output);
            goto out;
        }
        status = fmt == F_JSON ? write_json(&r, out) : fmt == F_CSV ? write_csv(&r, out)
                                                                  : write_table(&r, out);
        if (output && fclose(out) != 0) {
            fprintf(stderr, "canh botnet report: %s: write failed\n", output);
            status = 2;
        }
    }
    if (status == 0 && output)
        fprintf(stderr, "canh botnet report: %zu hosts, %zu traffic records written to %s\n",
                r.nrows, r.ntraffic, output);
out:
    for (size_t i = 0; i < r.nrows; i++) {
        canh_buf_fini(&r.rows[i].addrs);
        canh_buf_fini(&r.rows[i].listed);
        canh_buf_fini(&r.rows[i].families);
        canh_buf_fini(&r.rows[i].sources);
        canh_buf_fini(&r.rows[i].threats);
    }
    canh_free(r.rows);
    canh_free(r.traffic);
    canh_intel_snap_destroy(r.snap);
    canh_free(r.listed);
    canh_store_intel_free(r.inds, r.ninds);
    canh_store_assets_free(r.assets, r.nassets);
    canh_store_close(r.st);
    return status;
}
