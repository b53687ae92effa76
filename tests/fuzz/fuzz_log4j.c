/* fuzz_log4j.c - the Log4j version, pom.properties and MANIFEST.MF readers
 * over hostile text.
 *
 * The input is read as a version, as a pom.properties and as a manifest;
 * and, split at its first newline, as an entry name and its bytes given to
 * the per-archive check. Checked: parsed versions compare equal to
 * themselves and to their re-parse; CVE lists fit their buffer and are
 * terminated; versions read are printable ASCII, terminated, within
 * MALWARE_LOG4J_VMAX; a finding carries a version and a CVE list. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/malware/malware_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *v)
{
    size_t n = strnlen(v, MALWARE_LOG4J_VMAX);
    if (n == 0 || n >= MALWARE_LOG4J_VMAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            abort();
}

static void check_version(canh_str_t s)
{
    malware_version_t v, w;
    if (malware_version_parse(s, &v) != CANH_OK)
        return;
    if (malware_version_cmp(&v, &v) != 0)
        abort();
    char out[128], small[16];
    unsigned n = malware_log4j_cves(&v, out, sizeof out);
    if (n > 4 || strnlen(out, sizeof out) >= sizeof out || (n == 0) != (out[0] == '\0'))
        abort();
    if (malware_log4j_cves(&v, small, sizeof small) != n ||
        strnlen(small, sizeof small) >= sizeof small)
        abort();
    /* The numbers printed back parse to the same numbers. */
    char again[64];
    snprintf(again, sizeof again, "%u.%u.%u", v.major, v.minor, v.patch);
    if (malware_version_parse(canh_str_c(again), &w) != CANH_OK || w.major != v.major ||
        w.minor != v.minor || w.patch != v.patch)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    canh_str_t in = canh_str((const char *)data, size);
    check_version(in);

    char out[MALWARE_LOG4J_VMAX];
    if (malware_log4j_pom_version(in, out)) {
        check_text(out);
        check_version(canh_str_c(out));
    }
    if (malware_log4j_manifest_version(in, out)) {
        check_text(out);
        check_version(canh_str_c(out));
    }

    malware_log4j_t l;
    memset(&l, 0, sizeof l);
    ptrdiff_t nl = canh_str_chr(in, '\n');
    canh_str_t name = nl >= 0 ? canh_str_sub(in, 0, (size_t)nl) : in;
    canh_str_t body = nl >= 0 ? canh_str_sub(in, (size_t)nl + 1, size) : CANH_STR_LIT("");
    malware_log4j_entry(&l, name, (const uint8_t *)body.p, body.n);
    malware_log4j_entry(&l, CANH_STR_LIT("META-INF/MANIFEST.MF"), data, size);
    malware_log4j_entry(&l, CANH_STR_LIT("org/apache/logging/log4j/core/lookup/JndiLookup.class"),
                        NULL, 0);
    malware_log4j_text_t t;
    canh_detection_t d;
    memset(&d, 0, sizeof d);
    if (malware_log4j_finding(&l, &d, &t)) {
        if (!d.version || !d.cve || !d.detail || !d.cve[0] || strcmp(d.engine, "log4j") != 0)
            abort();
        check_text(d.version);
    }
    return 0;
}
