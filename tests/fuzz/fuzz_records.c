/* fuzz_records.c - the record framer (canh/ingest.h) over hostile bytes.
 *
 * The input is written to an anonymous memory file (memfd, or a tmpfile when
 * memfd is unavailable) and read back through canh_records_open by its
 * /proc/self/fd path, so plain text, multi-line JSON and gzip streams take
 * the same path as a file on disk. Each input is framed twice: with a tiny
 * record limit (cuts and skips) and with the built-in limit. Checked:
 *   - no record is longer than the limit; a record longer than that is cut
 *     to exactly the limit and flagged;
 *   - line numbers never go backwards;
 *   - the reader always ends with CANH_EOF or CANH_EIO, never loops. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "canh/error.h"
#include "canh/ingest.h"
#include "canh/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned char sink;

static void fail(const char *what, size_t max)
{
    fprintf(stderr, "fuzz_records (max_record %zu): %s\n", max, what);
    abort();
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An unlinked file holding data, or -1. */
static int mem_file(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_records", MFD_CLOEXEC);
    if (fd < 0) {
        FILE *f = tmpfile();
        if (!f)
            return -1;
        fd = dup(fileno(f));
        fclose(f);
        if (fd < 0)
            return -1;
    }
    if (write_all(fd, data, size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void frame(const char *path, size_t max)
{
    canh_errbuf_t eb = {{0}};
    canh_records_t *r;
    if (canh_records_open(path, max, &r, &eb) != CANH_OK)
        fail("canh_records_open failed on a readable file", max);
    canh_str_t rec;
    uint64_t line, last_line = 0;
    bool cut;
    int rc;
    /* A gzip bomb inflates without bound; the framer must keep memory bounded
     * but this loop has to end within the fuzzer's time budget. */
    size_t n = 0, cap = 1u << 20;
    while ((rc = canh_records_next(r, &rec, &line, &cut, &eb)) == CANH_OK && n++ < cap) {
        if (rec.n > max)
            fail("record longer than max_record", max);
        if (cut && rec.n != max)
            fail("truncated record not cut at exactly max_record", max);
        if (line < last_line)
            fail("line numbers went backwards", max);
        last_line = line;
        /* Read every byte of the slice so ASan checks its bounds. */
        unsigned char x = 0;
        for (size_t i = 0; i < rec.n; i++)
            x ^= (unsigned char)rec.p[i];
        sink ^= x;
    }
    if (rc != CANH_OK && rc != CANH_EOF && rc != CANH_EIO)
        fail("canh_records_next returned an unexpected code", max);
    (void)canh_records_pos(r);
    (void)canh_records_size(r);
    canh_records_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = mem_file(data, size);
    if (fd < 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    frame(path, 64);
    frame(path, CANH_MAX_RECORD);
    close(fd);
    return 0;
}
