/* collect_test_util.h - shared by the collector tests: a temporary
 * directory, file writing, and an emit callback that keeps what it gets. */
#ifndef CANH_COLLECT_TEST_UTIL_H
#define CANH_COLLECT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/collect.h"
#include "canh/error.h"

#define GOT_MAX 16384

typedef struct got {
    char *origin[GOT_MAX];
    char *rec[GOT_MAX];
    size_t len[GOT_MAX];
    int n;
    int accept;  /* records accepted before saying full; -1: no limit */
    int refused; /* EFULL answers given */
} got_t;

static inline int got_emit(void *ud, const char *origin, const char *p, size_t n)
{
    got_t *g = ud;
    if (g->accept == 0) {
        g->refused++;
        return CANH_EFULL;
    }
    if (g->n >= GOT_MAX)
        return CANH_EFULL;
    g->origin[g->n] = strdup(origin);
    g->rec[g->n] = malloc(n + 1);
    memcpy(g->rec[g->n], p, n);
    g->rec[g->n][n] = '\0';
    g->len[g->n] = n;
    g->n++;
    if (g->accept > 0)
        g->accept--;
    return CANH_OK;
}

static inline void got_init(got_t *g)
{
    memset(g, 0, sizeof *g);
    g->accept = -1;
}

static inline void got_clear(got_t *g)
{
    for (int i = 0; i < g->n; i++) {
        free(g->origin[i]);
        free(g->rec[i]);
    }
    memset(g, 0, sizeof *g);
    g->accept = -1;
}

/* Polls until nothing more comes (at most `rounds` polls). */
static inline int got_poll(canh_collectors_t *c, got_t *g, int rounds)
{
    canh_errbuf_t eb;
    int total = 0;
    for (int i = 0; i < rounds; i++) {
        int k = canh_collectors_poll(c, got_emit, g, 1000, &eb);
        if (k < 0)
            fail_msg("poll: %s", eb.msg);
        total += k;
        if (k == 0 && canh_collectors_next_ms(c) > 0)
            break;
    }
    return total;
}

/* Index of the first record containing s (from index from), or -1. */
static inline int got_find(const got_t *g, const char *s, int from)
{
    for (int i = from; i < g->n; i++)
        if (strstr(g->rec[i], s))
            return i;
    return -1;
}

static inline void tmpdir_make(char *out, size_t size, const char *tag)
{
    snprintf(out, size, "/tmp/canh-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(out));
}

static inline int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static inline void tmpdir_remove(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void write_str(const char *path, const char *mode, const char *s)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(fclose(f), 0);
}

#endif
