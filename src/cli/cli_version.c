/* cli_version.c - `canh version`. */
#include <jansson.h>
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"

int canh_cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: canh version\n\nPrints the version and the enabled engines.\n");
        return 0;
    }
    printf("canh %s\n", CANH_VERSION);
    printf("engines: decode\n");
    printf("libraries: jansson %s, libfyaml %s, zlib %s\n", JANSSON_VERSION,
           fy_library_version(), zlibVersion());
    return 0;
}
