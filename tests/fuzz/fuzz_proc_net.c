/* fuzz_proc_net.c - the /proc/net/{tcp,udp}[6] line parser, the
 * "socket:[inode]" link parser and the os-release reader (collect_int.h)
 * over hostile bytes. Each input is split into lines and every line is
 * parsed as IPv4 and as IPv6; a line that parses must have carried an
 * inode field, so it cannot be empty. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/agent/collect_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && copy[i] != '\n')
            continue;
        /* each line in its own allocation, for exact bounds */
        size_t n = i - start;
        char *line = malloc(n ? n : 1);
        if (line) {
            memcpy(line, copy + start, n);
            canh_sock_t s;
            for (int v6 = 0; v6 < 2; v6++)
                if (canh_procnet_parse_line(canh_str(line, n), v6, &s) == CANH_OK && n < 20) {
                    fprintf(stderr, "fuzz_proc_net: a %zu-byte line parsed\n", n);
                    abort();
                }
            uint64_t ino;
            canh_procnet_socket_inode(canh_str(line, n), &ino);
            free(line);
        }
        start = i + 1;
    }
    char v[64];
    canh_osrelease_get(canh_str(copy, size), "ID", v, sizeof v);
    canh_osrelease_get(canh_str(copy, size), "PRETTY_NAME", v, sizeof v);
    free(copy);
    return 0;
}
