/* cli_assets.c - `canh assets import FILE`: the organisation's hosts. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/csv.h"
#include "canh/mem.h"
#include "cli.h"

#define MAX_ASSET_FILE (256u << 20)

enum col { C_HOST, C_ADDR, C_NAT, C_SYSTEM, C_LEVEL, C_OWNER, C_CONTACT, C__COUNT };

/* Header names per column, compared case-insensitively after trimming;
 * Vietnamese headers as agencies' spreadsheets write them. */
static const char *const names[C__COUNT][8] = {
    [C_HOST] = {"hostname", "host", "name", "tên máy", "máy chủ", "tên", NULL},
    [C_ADDR] = {"ip", "ips", "addresses", "address", "ip address", "địa chỉ ip", "cidr", NULL},
    [C_NAT] = {"nat", "public ip", "nat pairs", "ip công khai", "ip public", NULL},
    [C_SYSTEM] = {"system", "information system", "hệ thống", "hệ thống thông tin", NULL},
    [C_LEVEL] = {"level", "security level", "cấp độ", "cap do", NULL},
    [C_OWNER] = {"owner", "owner unit", "unit", "đơn vị", "đơn vị quản lý", NULL},
    [C_CONTACT] = {"contact", "email", "liên hệ", "đầu mối", NULL},
};

/* Header comparison folds ASCII case and the one non-ASCII capital that
 * starts Vietnamese header words ("Địa chỉ", "Đơn vị": U+0110 -> U+0111);
 * other accented letters appear lower-case in practice. */
static bool header_is(canh_str_t h, const char *want)
{
    h = canh_str_trim(h);
    size_t wn = strlen(want), i = 0, j = 0;
    while (i < h.n && j < wn) {
        unsigned char a = (unsigned char)h.p[i], b = (unsigned char)want[j];
        if (a == 0xC4 && i + 1 < h.n && j + 1 < wn && (unsigned char)want[j] == 0xC4 &&
            ((unsigned char)h.p[i + 1] | 1) == ((unsigned char)want[j + 1] | 1) &&
            ((unsigned char)h.p[i + 1] & 0xFE) == 0x90) {
            i += 2;
            j += 2;
            continue;
        }
        if (tolower(a) != tolower(b))
            return false;
        i++;
        j++;
    }
    return i == h.n && j == wn;
}

static int find_col(const canh_str_t *hdr, size_t n, enum col c)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; names[c][k]; k++)
            if (header_is(hdr[i], names[c][k]))
                return (int)i;
    return -1;
}

/* Splits a cell of addresses on spaces, commas and semicolons; normalises
 * each into out (space-separated). A NAT cell holds "public=private" pairs.
 * Returns false with reason set on the first bad address. */
static bool add_addresses(canh_str_t cell, bool nat, canh_buf_t *out, char *reason, size_t rlen)
{
    size_t i = 0;
    while (i < cell.n) {
        while (i < cell.n && (cell.p[i] == ' ' || cell.p[i] == ',' || cell.p[i] == ';' ||
                              cell.p[i] == '\n' || cell.p[i] == '\r' || cell.p[i] == '\t'))
            i++;
        size_t s = i;
        while (i < cell.n && cell.p[i] != ' ' && cell.p[i] != ',' && cell.p[i] != ';' &&
               cell.p[i] != '\n' && cell.p[i] != '\r' && cell.p[i] != '\t')
            i++;
        if (i == s)
            continue;
        canh_str_t tok = canh_str(cell.p + s, i - s);
        canh_str_t parts[2] = {tok, CANH_STR_NULL};
        if (nat) {
            ptrdiff_t eq = canh_str_chr(tok, '=');
            if (eq < 0) {
                snprintf(reason, rlen, "NAT entry \"%.*s\" is not public=private", (int)tok.n,
                         tok.p);
                return false;
            }
            parts[0] = canh_str_sub(tok, 0, (size_t)eq);
            parts[1] = canh_str_sub(tok, (size_t)eq + 1, tok.n);
        }
        char norm[2][128];
        for (int k = 0; k < (nat ? 2 : 1); k++) {
            canh_errbuf_t eb = {{0}};
            if (canh_ioc_normalize(parts[k], CANH_IOC_IP, norm[k], sizeof norm[k], &eb) !=
                CANH_IOC_IP) {
                snprintf(reason, rlen, "\"%.*s\" is not an IP address or CIDR", (int)parts[k].n,
                         parts[k].p);
                return false;
            }
        }
        if (out->len)
            canh_buf_putc(out, ' ');
        canh_buf_puts(out, norm[0]);
        if (nat) {
            canh_buf_putc(out, '=');
            canh_buf_puts(out, norm[1]);
        }
    }
    return true;
}

static char *cell_dup(const canh_str_t *f, size_t nf, int col)
{
    if (col < 0 || (size_t)col >= nf)
        return NULL;
    canh_str_t v = canh_str_trim(f[col]);
    return v.n ? canh_strndup(v.p, v.n) : NULL;
}

int canh_cmd_assets_import(int argc, char **argv)
{
    const char *data = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: canh assets import [--data DIR] FILE\n\n"
                   "Loads the organisation's assets from a CSV file with a header row:\n"
                   "  hostname (Tên máy)      required; the key: importing again replaces the row\n"
                   "  ip (Địa chỉ IP)         IPs and CIDRs, separated by spaces, commas or ';'\n"
                   "  nat (IP công khai)      NAT pairs public=private\n"
                   "  system (Hệ thống)       information system name\n"
                   "  level (Cấp độ)          security level 1-5\n"
                   "  owner (Đơn vị)          owner unit\n"
                   "  contact (Liên hệ)       contact person, e-mail or phone\n"
                   "Every rejected row is reported with its line and reason.\n");
            return 0;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return canh_cli_usage_error("assets import", "unknown option \"%s\"", argv[i]);
        } else if (!file) {
            file = argv[i];
        } else {
            return canh_cli_usage_error("assets import", "expected exactly one FILE");
        }
    }
    if (!file)
        return canh_cli_usage_error("assets import", "expected a CSV FILE");
    char *text = NULL;
    size_t len = 0;
    canh_errbuf_t eb = {{0}};
    if (canh_file_read(file, MAX_ASSET_FILE, &text, &len, &eb) != CANH_OK) {
        fprintf(stderr, "canh assets import: %s\n", eb.msg);
        return 2;
    }
    canh_csv_t *csv = NULL;
    canh_store_t *st = NULL;
    int status = 2;
    uint64_t taken = 0, updated = 0, rejected = 0;
    const canh_str_t *f = NULL;
    size_t nf;
    uint64_t line;
    if (canh_csv_open(text, len, 0, 1, &csv) != CANH_OK)
        goto out;
    if (canh_csv_next(csv, &f, &nf, &line) != CANH_OK) {
        fprintf(stderr, "canh assets import: %s: no header row\n", file);
        goto out;
    }
    int col[C__COUNT];
    for (int c = 0; c < C__COUNT; c++)
        col[c] = find_col(f, nf, (enum col)c);
    if (col[C_HOST] < 0 || (col[C_ADDR] < 0 && col[C_NAT] < 0)) {
        fprintf(stderr,
                "canh assets import: %s:1: the header needs a hostname column and an ip or nat "
                "column (found: %s%s)\n",
                file, col[C_HOST] < 0 ? "no hostname" : "hostname", col[C_ADDR] < 0 ? ", no ip" : "");
        goto out;
    }
    if ((status = canh_cli_open_store("assets import", canh_cli_data_dir(data), &st)) != 0)
        goto out;
    status = 2;
    if (canh_store_begin(st, &eb) != CANH_OK) {
        fprintf(stderr, "canh assets import: %s\n", eb.msg);
        goto out;
    }
    int rc;
    while ((rc = canh_csv_next(csv, &f, &nf, &line)) != CANH_EOF) {
        if (rc == CANH_EINVAL) {
            fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", file, line, canh_csv_bad(csv));
            rejected++;
            continue;
        }
        if (rc) {
            fprintf(stderr, "canh assets import: %s\n", canh_strerror(rc));
            goto out;
        }
        canh_asset_t a = {0};
        canh_buf_t addrs;
        canh_buf_init(&addrs, 1 << 20);
        char reason[256] = "";
        a.hostname = cell_dup(f, nf, col[C_HOST]);
        a.system = cell_dup(f, nf, col[C_SYSTEM]);
        a.owner = cell_dup(f, nf, col[C_OWNER]);
        a.contact = cell_dup(f, nf, col[C_CONTACT]);
        if (!a.hostname)
            snprintf(reason, sizeof reason, "column %s: empty hostname", "hostname");
        /* add_addresses fills reason on failure */
        if (!reason[0] && col[C_ADDR] >= 0 && (size_t)col[C_ADDR] < nf)
            add_addresses(f[col[C_ADDR]], false, &addrs, reason, sizeof reason);
        if (!reason[0] && col[C_NAT] >= 0 && (size_t)col[C_NAT] < nf)
            add_addresses(f[col[C_NAT]], true, &addrs, reason, sizeof reason);
        if (!reason[0] && addrs.len == 0)
            snprintf(reason, sizeof reason, "no IP address for host \"%s\"", a.hostname);
        if (!reason[0] && col[C_LEVEL] >= 0 && (size_t)col[C_LEVEL] < nf) {
            canh_str_t lv = canh_str_trim(f[col[C_LEVEL]]);
            uint64_t level = 0;
            if (lv.n && (canh_str_to_u64(lv, 5, &level) != CANH_OK || level < 1))
                snprintf(reason, sizeof reason, "column level: \"%.*s\" is not a level 1-5",
                         (int)lv.n, lv.p);
            a.level = (int)level;
        }
        if (reason[0]) {
            fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", file, line, reason);
            rejected++;
        } else {
            a.addresses = addrs.data;
            bool created = false;
            if (canh_store_asset_upsert(st, &a, &created, &eb) != CANH_OK) {
                fprintf(stderr, "canh assets import: %s:%" PRIu64 ": %s\n", file, line, eb.msg);
                a.addresses = NULL;
                canh_buf_fini(&addrs);
                canh_asset_fini(&a);
                goto out;
            }
            a.addresses = NULL;
            created ? taken++ : updated++;
        }
        canh_buf_fini(&addrs);
        canh_asset_fini(&a);
    }
    if (canh_store_commit(st, &eb) != CANH_OK) {
        fprintf(stderr, "canh assets import: %s\n", eb.msg);
        goto out;
    }
    printf("%s: %" PRIu64 " taken, %" PRIu64 " updated, %" PRIu64 " rejected\n", file, taken,
           updated, rejected);
    status = taken + updated == 0 && rejected > 0 ? 2 : 0;
out:
    if (st && status == 2)
        canh_store_rollback(st);
    canh_store_close(st);
    canh_csv_close(csv);
    canh_free(text);
    return status;
}
