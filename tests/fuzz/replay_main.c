/* replay_main.c - main() for fuzz targets in builds without libFuzzer.
 *
 * Runs LLVMFuzzerTestOneInput once over every regular file named on the
 * command line or found (non-recursively, in name order) in a directory named
 * on it, so ctest replays each corpus under gcc and the sanitizers. Arguments
 * starting with '-' are libFuzzer flags and are ignored, so one command line
 * serves both kinds of build. Each input is copied into a buffer of exactly
 * its size, as libFuzzer does, so a read past the end is caught by ASan.
 * Exit status: 0 when every input ran; 1 when nothing was found or a path
 * could not be read (a crash aborts on its own). */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "replay: %s: read failed\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy: no slack after the input for a parser to overrun. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file in dir; returns the count, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    long count = 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (path) {
            snprintf(path, len, "%s/%s", dir, names[i]);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(path) == 0)
                    count++;
                else
                    bad = 1;
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return bad ? -1 : count;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long total = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-')
            continue;
        struct stat st;
        if (stat(a, &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", a, strerror(errno));
            status = 1;
            continue;
        }
        long n;
        if (S_ISDIR(st.st_mode)) {
            n = run_dir(a);
        } else {
            n = run_file(a) == 0 ? 1 : -1;
        }
        if (n < 0) {
            status = 1;
            continue;
        }
        printf("replay: %ld inputs from %s\n", n, a);
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs (usage: %s [-flag]... DIR|FILE...)\n", argv[0]);
        return 1;
    }
    printf("replay: %ld inputs ran\n", total);
    return status;
}
