/* fuzz_dpkg_status.c - the dpkg status parser (collect_int.h) over hostile
 * bytes. Checked: every slice handed out lies inside the input, and a
 * stanza is only reported with a name and a version. The same bytes also
 * go through the rpm header parser, whose slices are checked the same way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/agent/collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span {
    const char *p;
    size_t n;
} span_t;

static void inside(span_t in, canh_str_t s)
{
    if (!s.p)
        return;
    if (s.p < in.p || s.n > in.n || (size_t)(s.p - in.p) > in.n - s.n) {
        fprintf(stderr, "fuzz_dpkg_status: slice outside the input\n");
        abort();
    }
}

static int on_pkg(void *ud, const canh_dpkg_pkg_t *p)
{
    span_t *in = ud;
    if (!p->name.p || !p->name.n || !p->version.p || !p->version.n) {
        fprintf(stderr, "fuzz_dpkg_status: package without name or version\n");
        abort();
    }
    inside(*in, p->name);
    inside(*in, p->version);
    inside(*in, p->arch);
    inside(*in, p->source);
    inside(*in, p->status);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly size bytes, so ASan sees any read past it. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    span_t in = {copy, size};
    uint64_t bad = 0;
    canh_dpkg_parse(copy, size, on_pkg, &in, &bad);
    canh_rpm_pkg_t r;
    if (canh_rpm_header_parse((const uint8_t *)copy, size, &r) == CANH_OK) {
        inside(in, r.name);
        inside(in, r.version);
        inside(in, r.release);
        inside(in, r.arch);
    }
    free(copy);
    return 0;
}
