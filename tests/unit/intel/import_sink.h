/* import_sink.h - a recording sink for the feed importer tests: keeps a
 * copy of every indicator and reject, and helpers to run an import from a
 * fixture file or from memory and to look results up. Included by the
 * tests/unit/intel/test_import_*.c files only. */
#ifndef CANH_TEST_IMPORT_SINK_H
#define CANH_TEST_IMPORT_SINK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canh/intel.h"
#include "canh/intel_import.h"

#define FIX(name) CANH_FIXTURES "/intel/" name

typedef struct got_ind {
    canh_indicator_t ind; /* strings owned (strdup) */
    uint64_t line;
} got_ind_t;

typedef struct got_rej {
    uint64_t line;
    char *reason;
} got_rej_t;

typedef struct got {
    got_ind_t *ind;
    size_t n, cap;
    got_rej_t *rej;
    size_t nrej, caprej;
    int stop_after; /* >0: add returns CANH_EFULL after this many */
} got_t;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int got_add(void *ud, const canh_indicator_t *ind, uint64_t line)
{
    got_t *g = ud;
    if (g->stop_after > 0 && g->n >= (size_t)g->stop_after)
        return CANH_EFULL;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->ind = realloc(g->ind, g->cap * sizeof *g->ind);
        assert_non_null(g->ind);
    }
    got_ind_t *o = &g->ind[g->n++];
    o->line = line;
    o->ind = *ind;
    o->ind.value = dup_or_null(ind->value);
    o->ind.source = dup_or_null(ind->source);
    o->ind.threat = dup_or_null(ind->threat);
    o->ind.family = dup_or_null(ind->family);
    o->ind.extra = dup_or_null(ind->extra);
    return CANH_OK;
}

static void got_reject(void *ud, uint64_t line, const char *reason)
{
    got_t *g = ud;
    if (g->nrej == g->caprej) {
        g->caprej = g->caprej ? g->caprej * 2 : 16;
        g->rej = realloc(g->rej, g->caprej * sizeof *g->rej);
        assert_non_null(g->rej);
    }
    g->rej[g->nrej].line = line;
    g->rej[g->nrej].reason = strdup(reason);
    g->nrej++;
}

static void got_free(got_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->ind[i].ind.value);
        free(g->ind[i].ind.source);
        free(g->ind[i].ind.threat);
        free(g->ind[i].ind.family);
        free(g->ind[i].ind.extra);
    }
    for (size_t i = 0; i < g->nrej; i++)
        free(g->rej[i].reason);
    free(g->ind);
    free(g->rej);
    memset(g, 0, sizeof *g);
}

/* 2024-05-01T00:00:00Z: the tests' import time. */
#define NOW INT64_C(1714521600)

static canh_import_opts_t opts_default(const char *source)
{
    canh_import_opts_t o = {.source = source,
                            .threat = NULL,
                            .kind = CANH_IOC_NONE,
                            .now = NOW,
                            .expires = 0,
                            .mapping = NULL};
    return o;
}

static int run_file(const char *path, canh_feed_format_t fmt, const canh_import_opts_t *o, got_t *g,
                    canh_feed_format_t *det, canh_errbuf_t *eb)
{
    canh_import_sink_t sink = {got_add, got_reject, g};
    eb->msg[0] = '\0';
    return canh_intel_import_file(path, fmt, o, &sink, det, eb);
}

static int run_mem(const char *name, const char *data, size_t n, canh_feed_format_t fmt,
                   const canh_import_opts_t *o, got_t *g, canh_feed_format_t *det,
                   canh_errbuf_t *eb)
{
    canh_import_sink_t sink = {got_add, got_reject, g};
    eb->msg[0] = '\0';
    return canh_intel_import_mem(name, data, n, fmt, o, &sink, det, eb);
}

/* The indicator with this value (NULL if none). */
static const got_ind_t *find_ind(const got_t *g, const char *value)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->ind[i].ind.value, value) == 0)
            return &g->ind[i];
    return NULL;
}

/* Asserts reject i has this line and reason. */
static void assert_rej(const got_t *g, size_t i, uint64_t line, const char *reason)
{
    if (i >= g->nrej)
        fail_msg("reject %zu missing (have %zu)", i, g->nrej);
    if (g->rej[i].line != line || strcmp(g->rej[i].reason, reason) != 0)
        fail_msg("reject %zu: got line %llu \"%s\", want line %llu \"%s\"", i,
                 (unsigned long long)g->rej[i].line, g->rej[i].reason, (unsigned long long)line,
                 reason);
}

/* Asserts the indicator with value v exists with these fields (family and
 * extra NULL = must be absent). */
static void assert_ind(const got_t *g, const char *v, canh_ioc_type_t type, uint64_t line,
                       const char *threat, const char *family, int64_t first, int64_t last,
                       const char *extra)
{
    const got_ind_t *x = find_ind(g, v);
    if (!x)
        fail_msg("no indicator \"%s\"", v);
    if (x->ind.type != type)
        fail_msg("%s: type %d, want %d", v, (int)x->ind.type, (int)type);
    if (x->line != line)
        fail_msg("%s: line %llu, want %llu", v, (unsigned long long)x->line,
                 (unsigned long long)line);
    if (!x->ind.threat || strcmp(x->ind.threat, threat) != 0)
        fail_msg("%s: threat \"%s\", want \"%s\"", v, x->ind.threat ? x->ind.threat : "(null)",
                 threat);
    if ((family == NULL) != (x->ind.family == NULL) ||
        (family && strcmp(family, x->ind.family) != 0))
        fail_msg("%s: family \"%s\", want \"%s\"", v, x->ind.family ? x->ind.family : "(null)",
                 family ? family : "(null)");
    if (x->ind.first_seen != first || x->ind.last_seen != last)
        fail_msg("%s: seen %lld..%lld, want %lld..%lld", v, (long long)x->ind.first_seen,
                 (long long)x->ind.last_seen, (long long)first, (long long)last);
    if ((extra == NULL) != (x->ind.extra == NULL) || (extra && strcmp(extra, x->ind.extra) != 0))
        fail_msg("%s: extra %s, want %s", v, x->ind.extra ? x->ind.extra : "(null)",
                 extra ? extra : "(null)");
}

/* Prints what an import produced (for writing a test). */
static inline void got_dump(const got_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        const canh_indicator_t *d = &g->ind[i].ind;
        printf(
            "IND line=%llu %s %s threat=%s family=%s fs=%lld ls=%lld exp=%lld conf=%d extra=%s\n",
            (unsigned long long)g->ind[i].line, canh_ioc_type_name(d->type), d->value, d->threat,
            d->family ? d->family : "-", (long long)d->first_seen, (long long)d->last_seen,
            (long long)d->expires, d->confidence, d->extra ? d->extra : "-");
    }
    for (size_t i = 0; i < g->nrej; i++)
        printf("REJ line=%llu %s\n", (unsigned long long)g->rej[i].line, g->rej[i].reason);
}

#endif
