/* fuzz_archive.c - canh_scan_mem over arbitrary bytes with small limits:
 * archive kinds, libarchive from memory (zip, tar, gzip/bzip2/xz), nested
 * archives, entry labels, the Log4j check, YARA with externals, hash
 * lookups.
 *
 * One engine (a hash set, a YARA rule file written to a temporary file and
 * removed once compiled, small limits) and one worker serve every input; they
 * are destroyed at exit. Checked: every detection is complete (engine,
 * rule, family, list, detail set; inner labels valid UTF-8 without control
 * characters and within CANH_MALWARE_MAX_LABEL); results agree with the
 * detections delivered; the top-level digests are those of the input. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canh/limits.h"
#include "canh/malware.h"
#include "canh/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static canh_scan_engine_t *engine;
static canh_scan_worker_t *worker;

static void teardown(void)
{
    canh_scan_worker_destroy(worker);
    canh_scan_engine_destroy(engine);
}

static const char rules[] =
    "rule Fuzz_Text { strings: $a = \"canh-fuzz\" condition: $a }\n"
    "rule Fuzz_Name { condition: filename == \"x.txt\" or extension == \".jar\" }\n"
    "rule Fuzz_Type { condition: filetype == \"ELF\" and filesize < 100 }\n";

static void setup(void)
{
    canh_errbuf_t eb = {{0}};
    canh_scan_opts_t o;
    canh_scan_opts_default(&o);
    o.max_scan_size = 4u << 20;
    o.max_archive_depth = 3;
    o.max_archive_bytes = 1u << 20;
    o.max_archive_entry = 256u << 10;
    o.max_archive_entries = 64;
    o.yara_timeout_s = 5;
    canh_hashset_t *hs = NULL;
    if (canh_hashset_create(&hs) != CANH_OK)
        abort();
    uint8_t d[32];
    unsigned len = 0;
    if (EVP_Digest("canh-fuzz\n", 10, d, &len, EVP_sha256(), NULL) != 1 ||
        canh_hashset_add(hs, CANH_HASH_SHA256, d, "Fuzz.Hash", "fuzz") != CANH_OK ||
        canh_hashset_freeze(hs, &eb) != CANH_OK)
        abort();
    char path[] = "/tmp/canh-fuzz-archive-XXXXXX.yar";
    int fd = mkstemps(path, 4);
    if (fd < 0 || write(fd, rules, sizeof rules - 1) != (ssize_t)(sizeof rules - 1))
        abort();
    close(fd);
    int rc = canh_scan_engine_create(&o, &engine, &eb);
    if (!rc)
        rc = canh_scan_engine_set_hashes(engine, hs);
    if (!rc)
        rc = canh_scan_engine_add_yara(engine, path, NULL, NULL, &eb);
    if (!rc)
        rc = canh_scan_engine_finish(engine, &eb);
    unlink(path);
    if (!rc)
        rc = canh_scan_worker_create(engine, &worker, &eb);
    if (rc) {
        fprintf(stderr, "fuzz_archive: setup: %s\n", eb.msg);
        abort();
    }
    atexit(teardown);
}

typedef struct seen {
    uint32_t n;
} seen_t;

static int on_detection(void *ud, const canh_detection_t *d)
{
    seen_t *s = ud;
    if (!d->path || !d->engine || !d->rule || !d->family || !d->list || !d->detail)
        abort();
    if (d->inner) {
        size_t n = strlen(d->inner);
        if (n > CANH_MALWARE_MAX_LABEL || canh_utf8_invalid_at(d->inner, n) != n)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)d->inner[i] < 0x20 || d->inner[i] == 0x7f)
                abort();
    }
    if (strcmp(d->engine, "log4j") == 0 && (!d->cve || !d->version))
        abort();
    s->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine)
        setup();
    canh_errbuf_t eb = {{0}};
    canh_scan_result_t res;
    seen_t s = {0};
    if (canh_scan_mem(worker, data, size, "/fuzz/input.jar", on_detection, &s, &res, &eb) !=
        CANH_OK)
        abort();
    if (res.detections != s.n || res.size != size || res.objects < 1)
        abort();
    uint8_t d[32];
    unsigned len = 0;
    if (EVP_Digest(data, size, d, &len, EVP_sha256(), NULL) != 1 || memcmp(d, res.sha256, 32) != 0)
        abort();
    return 0;
}
