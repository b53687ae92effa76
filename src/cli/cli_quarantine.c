/* cli_quarantine.c - `canh quarantine list|restore|delete`: the files that
 * scans moved into DATA_DIR/quarantine. Nothing here creates the data or
 * quarantine directory: with no quarantine there is nothing to list,
 * restore or delete. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "canh/buf.h"
#include "canh/event.h"
#include "canh/malware.h"
#include "canh/str.h"
#include "canh/time.h"
#include "cli.h"

/* True if DIR/quarantine exists (as anything: open reports what is wrong). */
static bool quarantine_exists(const char *data_dir)
{
    char p[4096];
    struct stat st;
    int n = snprintf(p, sizeof p, "%s/quarantine", data_dir);
    return n > 0 && (size_t)n < sizeof p && lstat(p, &st) == 0;
}

static int open_q(const char *cmd, const char *data_dir, canh_quarantine_t **q)
{
    canh_errbuf_t eb = {{0}};
    if (canh_quarantine_open(data_dir, q, &eb) != CANH_OK)
        return canh_cli_usage_error(cmd, "%s", eb.msg);
    return 0;
}

/* Prints s for a terminal: control bytes, DEL and bytes that are not UTF-8
 * as \xNN, so a hostile file name cannot drive the terminal. */
static void put_safe(const char *s, int width)
{
    size_t n = strlen(s), i = 0;
    int col = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c >= 0x80 ? canh_utf8_seq_len((const unsigned char *)s + i, n - i) : 1;
        if (c < 0x20 || c == 0x7f || k == 0 || c == '\\') {
            col += c == '\\' ? printf("\\\\") : printf("\\x%02x", c);
            i++;
            continue;
        }
        fwrite(s + i, 1, k, stdout);
        col++;
        i += k;
    }
    for (; col < width; col++)
        putchar(' ');
}

static void put_json_item(canh_buf_t *b, const canh_qitem_t *it)
{
    char t[32], m[32], h[65];
    canh_buf_reset(b);
    canh_buf_printf(b, "{\"id\":\"%s\"", it->id);
    canh_time_format(it->quarantined_ns, t);
    canh_buf_printf(b, ",\"time\":\"%s\"", t);
    canh_buf_puts(b, ",\"original_path\":");
    canh_json_put_string(b, it->orig_path, strlen(it->orig_path));
    snprintf(m, sizeof m, "%04o", (unsigned)it->mode);
    canh_buf_printf(b, ",\"size\":%" PRIu64 ",\"uid\":%u,\"gid\":%u,\"mode\":\"%s\"", it->size,
                    (unsigned)it->uid, (unsigned)it->gid, m);
    canh_time_format(it->mtime_ns, t);
    canh_buf_printf(b, ",\"mtime\":\"%s\"", t);
    canh_hex_encode(h, it->sha256, 32);
    canh_buf_printf(b, ",\"sha256\":\"%s\"", h);
    canh_hex_encode(h, it->sha1, 20);
    canh_buf_printf(b, ",\"sha1\":\"%s\"", h);
    canh_hex_encode(h, it->md5, 16);
    canh_buf_printf(b, ",\"md5\":\"%s\"", h);
    const char *keys[] = {"engine", "rule", "family", "verdict"};
    const char *vals[] = {it->engine, it->rule, it->family, it->verdict};
    for (int i = 0; i < 4; i++) {
        canh_buf_printf(b, ",\"%s\":", keys[i]);
        canh_json_put_string(b, vals[i], strlen(vals[i]));
    }
    canh_buf_puts(b, "}\n");
}

int canh_cmd_quarantine_list(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (strcmp(optarg, "table") != 0)
                return canh_cli_usage_error("quarantine list",
                                            "--format: expected table or json, got \"%s\"", optarg);
            break;
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh quarantine list [--format table|json] [--data DIR]\n\n"
                   "Lists the quarantined files, oldest first: id, time, size, verdict, rule\n"
                   "and original path (JSON: one object per line with owner, mode, mtime,\n"
                   "hashes and the detection as well). Metadata files that cannot be read are\n"
                   "skipped and counted on stderr.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc)
        return canh_cli_usage_error("quarantine list", "unexpected argument \"%s\"", argv[optind]);
    const char *dir = canh_cli_data_dir(data);
    canh_qitem_t *v = NULL;
    size_t n = 0, skipped = 0;
    if (quarantine_exists(dir)) {
        canh_quarantine_t *q;
        int status = open_q("quarantine list", dir, &q);
        if (status)
            return status;
        canh_errbuf_t eb = {{0}};
        int rc = canh_quarantine_list(q, &v, &n, &skipped, &eb);
        canh_quarantine_close(q);
        if (rc != CANH_OK)
            return canh_cli_usage_error("quarantine list", "%s", eb.msg);
    }
    if (!json)
        printf("%-32s  %-20s  %10s  %-10s  %-32s  %s\n", "ID", "TIME", "SIZE", "VERDICT", "RULE",
               "ORIGINAL PATH");
    canh_buf_t b;
    canh_buf_init(&b, 1u << 20);
    for (size_t i = 0; i < n; i++) {
        const canh_qitem_t *it = &v[i];
        if (json) {
            put_json_item(&b, it);
            fwrite(b.data, 1, b.len, stdout);
            continue;
        }
        char t[32];
        canh_time_format(it->quarantined_ns, t);
        t[19] = 'Z'; /* to the second: "2024-05-01T10:00:00Z" */
        t[20] = '\0';
        printf("%-32s  %-20s  %10" PRIu64 "  ", it->id, t, it->size);
        put_safe(*it->verdict ? it->verdict : "-", 10);
        printf("  ");
        put_safe(*it->rule ? it->rule : "-", 32);
        printf("  ");
        put_safe(it->orig_path, 0);
        putchar('\n');
    }
    canh_buf_fini(&b);
    canh_quarantine_items_free(v, n);
    if (skipped)
        fprintf(stderr, "canh quarantine list: %zu unreadable item(s) skipped in %s/quarantine\n",
                skipped, dir);
    return 0;
}

int canh_cmd_quarantine_restore(int argc, char **argv)
{
    static const struct option opts[] = {{"to", required_argument, NULL, 't'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL, *to = NULL;
    bool force = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:fd:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'f': force = true; break;
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh quarantine restore ID [--to PATH] [--force] [--data DIR]\n\n"
                   "Puts a quarantined file back at its original path (or PATH; a directory\n"
                   "PATH gets the original file name) with its owner, mode and times, after\n"
                   "checking its SHA-256. An existing file is never replaced without --force.\n"
                   "The item leaves the quarantine.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1)
        return canh_cli_usage_error("quarantine restore", "expected exactly one ID");
    const char *id = argv[optind];
    const char *dir = canh_cli_data_dir(data);
    if (!quarantine_exists(dir))
        return canh_cli_usage_error("quarantine restore",
                                    "%s: no such quarantined item (no %s/quarantine)", id, dir);
    canh_quarantine_t *q;
    int status = open_q("quarantine restore", dir, &q);
    if (status)
        return status;
    canh_errbuf_t eb = {{0}};
    int rc = canh_quarantine_restore(q, id, to, force, &eb);
    canh_quarantine_close(q);
    if (rc == CANH_EEXIST)
        return canh_cli_usage_error("quarantine restore", "%s (use --force to replace it)", eb.msg);
    if (rc != CANH_OK)
        return canh_cli_usage_error("quarantine restore", "%s", eb.msg);
    if (eb.msg[0])
        fprintf(stderr, "canh quarantine restore: warning: %s\n", eb.msg);
    printf("%s: restored\n", id);
    return 0;
}

int canh_cmd_quarantine_delete(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh quarantine delete ID... [--data DIR]\n\n"
                   "Deletes quarantined files for good. Each ID is reported; an unknown ID\n"
                   "makes the exit status 2 after the others are deleted.\n");
            return 0;
        default: return 2;
        }
    }
    if (optind >= argc)
        return canh_cli_usage_error("quarantine delete", "expected at least one ID");
    const char *dir = canh_cli_data_dir(data);
    if (!quarantine_exists(dir)) {
        for (int i = optind; i < argc; i++)
            canh_cli_usage_error("quarantine delete", "%s: no such quarantined item", argv[i]);
        return 2;
    }
    canh_quarantine_t *q;
    int status = open_q("quarantine delete", dir, &q);
    if (status)
        return status;
    for (int i = optind; i < argc; i++) {
        canh_errbuf_t eb = {{0}};
        if (canh_quarantine_delete(q, argv[i], &eb) != CANH_OK) {
            status = canh_cli_usage_error("quarantine delete", "%s", eb.msg);
            continue;
        }
        printf("%s: deleted\n", argv[i]);
    }
    canh_quarantine_close(q);
    return status;
}
