/* cli_version.c - `canh version`. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <archive.h>
#include <clamav.h>
#include <hs/hs.h>
#include <jansson.h>
#include <libfyaml.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>
#include <yara.h>
#include <zlib.h>

#include "cli.h"

int canh_cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: canh version\n\nPrints the version and the enabled engines.\n");
        return 0;
    }
    char pcre[64] = "";
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);
    printf("canh %s\n", CANH_VERSION);
    printf("engines: decode, intel, sigma (hyperscan %s, pcre2 %s), store (sqlite %s)\n",
           hs_version(), pcre, sqlite3_libversion());
    printf("malware engines: hashes, yara %s, clamav %s (optional), %s, log4j\n", YR_VERSION,
           cl_retver(), archive_version_string());
    printf("libraries: jansson %s, libfyaml %s, zlib %s, libxlsxwriter %s\n", JANSSON_VERSION,
           fy_library_version(), zlibVersion(), LXW_VERSION);
    return 0;
}
