/* cli_config.c - `canh config check FILE`: validate a configuration file
 * exactly as the daemon would load it (defaults first, then the file). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "canh/config.h"
#include "canh/error.h"
#include "cli.h"

static void check_usage(FILE *out)
{
    fprintf(out, "usage: canh config check FILE\n\n"
                 "Loads the defaults, then FILE, and reports the first problem as\n"
                 "FILE:LINE:COLUMN: KEY: reason on stderr (exit status 2), or prints\n"
                 "\"FILE: ok\" (exit status 0). See docs/configuration.md for the keys.\n");
}

int canh_cmd_config_check(int argc, char **argv)
{
    const char *file = NULL;
    canh_settings_t s = {0};
    canh_errbuf_t eb = {{0}};
    bool opts = true;
    int status = 2, rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            check_usage(stdout);
            return 0;
        }
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
            continue;
        }
        if (opts && a[0] == '-' && a[1] != '\0')
            return canh_cli_usage_error("config check", "unknown option \"%s\"", a);
        if (file)
            return canh_cli_usage_error("config check", "expected one FILE, got \"%s\" too", a);
        file = a;
    }
    if (!file)
        return canh_cli_usage_error("config check", "missing FILE (usage: canh config check FILE)");

    rc = canh_config_defaults(canh_settings_keys, canh_settings_nkeys, &s, &eb);
    if (rc == CANH_OK)
        rc = canh_config_load_file(canh_settings_keys, canh_settings_nkeys, &s, file, &eb);
    if (rc != CANH_OK) {
        fprintf(stderr, "%s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
        goto out;
    }
    printf("%s: ok\n", file);
    status = 0;
out:
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &s);
    return status;
}
