/* cli_common.c - helpers shared by several commands. */
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "canh/mem.h"
#include "cli.h"

bool canh_cli_store_exists(const char *data_dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/canh.db", data_dir);
    return stat(path, &st) == 0;
}

int canh_cli_open_store(const char *cmd, const char *data_dir, canh_store_t **out)
{
    canh_errbuf_t eb = {{0}};
    if (canh_store_open(data_dir, out, &eb) != CANH_OK) {
        fprintf(stderr, "canh %s: %s\n", cmd, eb.msg);
        return 2;
    }
    return 0;
}

int canh_cli_load_intel(const char *cmd, canh_store_t *st, canh_intel_snap_t **out)
{
    canh_errbuf_t eb = {{0}};
    canh_indicator_t *v = NULL;
    size_t n = 0;
    int64_t now = (int64_t)time(NULL);
    if (canh_store_intel_load(st, now, false, &v, &n, &eb) != CANH_OK ||
        canh_intel_snap_build(v, n, now, out, &eb) != CANH_OK) {
        canh_store_intel_free(v, n);
        fprintf(stderr, "canh %s: loading indicators: %s\n", cmd, eb.msg);
        return 2;
    }
    canh_store_intel_free(v, n);
    return 0;
}
