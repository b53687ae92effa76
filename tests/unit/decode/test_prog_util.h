/* test_prog_util.h - helpers shared by the syslog program decoder tests
 * (test_prog_*.c, test_ossec_corpus.c). Header-only: each test is its own
 * executable.
 *
 * A case is a record, the decoder name it must get, and every field the
 * decoder extracts as name/value pairs. check_case() decodes the record
 * (from an exact-size heap copy, so valgrind and ASan catch reads past its
 * end), compares each listed field and then walks every field the event
 * holds: a field that is neither listed nor one the syslog header sets
 * fails the test, so a case pins down all that its decoder extracted. A
 * listed value of NULL asserts the field is absent. */
#ifndef TEST_PROG_UTIL_H
#define TEST_PROG_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canh/decode.h"
#include "canh/event.h"
#include "decode_int.h"

#define MAX_KV 64

typedef struct prog_case {
    const char *line;
    const char *decoder;
    const char *kv[MAX_KV]; /* name, value, name, value, ..., NULL */
} prog_case_t;

/* 2024-06-15T12:00:00Z: year-less syslog dates resolve to 2024 (or 2023
 * for dates after mid-July). */
#define TEST_NOW (INT64_C(1718452800) * 1000000000)

static inline canh_decode_t *mkdec(const char *type)
{
    canh_decode_opts_t o = {{TEST_NOW, 0}, type};
    canh_decode_t *d = NULL;
    canh_errbuf_t eb;
    int rc = canh_decode_create(&o, &d, &eb);
    if (rc != CANH_OK)
        fail_msg("canh_decode_create(%s): %s", type ? type : "auto", eb.msg);
    return d;
}

/* Fields the syslog header decoder sets (not the program decoder's). */
static inline bool header_field(const char *name)
{
    static const char *const names[] = {"message",
                                        "host.name",
                                        "host.hostname",
                                        "process.name",
                                        "process.pid",
                                        "process.executable",
                                        "event.dataset",
                                        "log.syslog.appname",
                                        "log.syslog.procid",
                                        "log.syslog.hostname",
                                        "log.syslog.msgid",
                                        "log.syslog.version",
                                        "log.syslog.facility.code",
                                        "log.syslog.facility.name",
                                        "log.syslog.severity.code",
                                        "log.syslog.severity.name",
                                        NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static inline bool listed(const prog_case_t *c, const char *name)
{
    for (size_t i = 0; i + 1 < MAX_KV && c->kv[i]; i += 2)
        if (strcmp(c->kv[i], name) == 0)
            return true;
    return false;
}

/* Decodes line into ev from an exact-size copy; the caller frees *copy
 * after it is done with ev. */
static inline void decode_exact(canh_decode_t *d, canh_event_t *ev, const char *line, size_t n,
                                char **copy)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, line, n);
    canh_decode_record(d, p, n, ev);
    *copy = p;
}

static inline void check_case_on(canh_decode_t *d, canh_event_t *ev, const prog_case_t *c)
{
    char *copy;
    decode_exact(d, ev, c->line, strlen(c->line), &copy);
    const char *got = canh_decode_name(ev->decoder);
    if (strcmp(got, c->decoder) != 0)
        fail_msg("\"%s\": decoder %s, want %s", c->line, got, c->decoder);
    for (size_t i = 0; i + 1 < MAX_KV && c->kv[i]; i += 2) {
        canh_str_t v;
        int rc = canh_event_get_name(ev, canh_str_c(c->kv[i]), &v, NULL);
        if (c->kv[i + 1] == NULL) {
            if (rc == CANH_OK)
                fail_msg("\"%s\": %s = \"%.*s\", want absent", c->line, c->kv[i], (int)v.n, v.p);
            continue;
        }
        if (rc != CANH_OK)
            fail_msg("\"%s\": %s absent, want \"%s\"", c->line, c->kv[i], c->kv[i + 1]);
        if (!canh_str_eq_c(v, c->kv[i + 1]))
            fail_msg("\"%s\": %s = \"%.*s\", want \"%s\"", c->line, c->kv[i], (int)v.n, v.p,
                     c->kv[i + 1]);
    }
    /* Every field the event holds must be listed or come from the header. */
    for (int id = 0; id < CANH_F__COUNT; id++) {
        if (!canh_event_has(ev, (canh_field_t)id))
            continue;
        const char *name = canh_field_name((canh_field_t)id);
        if (!listed(c, name) && !header_field(name)) {
            canh_str_t v = canh_event_get(ev, (canh_field_t)id);
            fail_msg("\"%s\": unexpected %s = \"%.*s\"", c->line, name, (int)v.n, v.p);
        }
    }
    for (unsigned i = 0; i < ev->nkv; i++) {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)ev->kv[i].key.n, ev->kv[i].key.p);
        if (!listed(c, name) && !header_field(name))
            fail_msg("\"%s\": unexpected %s = \"%.*s\"", c->line, name, (int)ev->kv[i].val.n,
                     ev->kv[i].val.p);
    }
    free(copy);
}

/* "prog[pid]: msg" with no syslog header: a forced type routes records
 * through the syslog header decoder, which needs a header, so such lines
 * are only checked with auto-detection (which tries the bare form). */
static inline bool bare_line(const char *line)
{
    size_t i = 0;
    while (line[i] && line[i] != ' ' && line[i] != ':' && line[i] != '[')
        i++;
    if (line[i] == '[') {
        while (line[i] && line[i] != ']' && line[i] != ' ')
            i++;
        if (line[i] == ']')
            i++;
    }
    return i > 0 && line[i] == ':' && line[i + 1] == ' ';
}

/* Runs cases through an auto-detecting context and through one forced to
 * `type` (a program decoder name routes through the syslog decoder). */
static inline void check_cases(const prog_case_t *cases, size_t n, const char *type)
{
    canh_decode_t *da = mkdec(NULL), *dt = mkdec(type);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    for (size_t i = 0; i < n; i++) {
        check_case_on(da, ev, &cases[i]);
        if (!bare_line(cases[i].line))
            check_case_on(dt, ev, &cases[i]);
    }
    canh_event_destroy(ev);
    canh_decode_destroy(da);
    canh_decode_destroy(dt);
}

static inline bool all_digits(canh_str_t s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* The event's fields must be sane whatever the input: typed slots hold
 * their type, slices lie inside the record or the arena, user names and
 * ports hold no spaces. */
static inline void check_sane(const canh_event_t *ev, const char *rec, size_t n)
{
    static const canh_field_t ips[] = {CANH_F_SOURCE_IP, CANH_F_DESTINATION_IP};
    static const canh_field_t nums[] = {CANH_F_SOURCE_PORT, CANH_F_DESTINATION_PORT,
                                        CANH_F_PROCESS_PID};
    static const canh_field_t words[] = {CANH_F_USER_NAME, CANH_F_SOURCE_DOMAIN,
                                         CANH_F_DESTINATION_DOMAIN, CANH_F_SOURCE_ADDRESS};
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
        canh_str_t v = canh_event_get(ev, ips[i]);
        if (v.p && !canh_str_is_ip(v))
            fail_msg("\"%.*s\": %s = \"%.*s\" is not an IP", (int)n, rec, canh_field_name(ips[i]),
                     (int)v.n, v.p);
    }
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        canh_str_t v = canh_event_get(ev, nums[i]);
        if (v.p && !all_digits(v))
            fail_msg("\"%.*s\": %s = \"%.*s\" is not a number", (int)n, rec,
                     canh_field_name(nums[i]), (int)v.n, v.p);
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        canh_str_t v = canh_event_get(ev, words[i]);
        if (v.p && (v.n == 0 || memchr(v.p, ' ', v.n)))
            fail_msg("\"%.*s\": %s = \"%.*s\" is empty or has spaces", (int)n, rec,
                     canh_field_name(words[i]), (int)v.n, v.p);
    }
    for (int id = 0; id < CANH_F__COUNT; id++) {
        canh_str_t v = canh_event_get(ev, (canh_field_t)id);
        if (!v.p)
            continue;
        bool in_rec = v.p >= rec && v.p + v.n <= rec + n;
        bool in_static_or_arena = !(v.p >= rec && v.p < rec + n);
        if (!in_rec && !in_static_or_arena)
            fail_msg("\"%.*s\": %s runs past the record", (int)n, rec,
                     canh_field_name((canh_field_t)id));
    }
}

/* Every prefix of line: no crash, no read past the prefix (exact-size
 * copies), sane fields, and a prefix a program decoder takes is classified
 * (event.category set), never a half-filled event. */
static inline void check_prefixes(const char *line)
{
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    size_t n = strlen(line);
    for (size_t k = 0; k <= n; k++) {
        char *copy;
        decode_exact(d, ev, line, k, &copy);
        check_sane(ev, copy, k);
        if (ev->decoder >= CANH_DEC_SSHD && ev->decoder <= CANH_DEC_SMBD &&
            !canh_event_has(ev, CANH_F_EVENT_CATEGORY))
            fail_msg("\"%.*s\": taken by %s without a category", (int)k, copy,
                     canh_decode_name(ev->decoder));
        free(copy);
    }
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

/* Lines of other formats must not be taken by a program decoder. */
static inline void check_not_program(const char *line)
{
    canh_decode_t *d = mkdec(NULL);
    canh_event_t *ev = canh_event_create();
    assert_non_null(ev);
    char *copy;
    decode_exact(d, ev, line, strlen(line), &copy);
    int id = ev->decoder;
    bool prog = id >= CANH_DEC_SSHD && id <= CANH_DEC_SMBD;
    if (prog)
        fail_msg("\"%s\" taken by program decoder %s", line, canh_decode_name((unsigned)id));
    free(copy);
    canh_event_destroy(ev);
    canh_decode_destroy(d);
}

#endif
