/* cli_intel_grep.c - `canh intel grep`: the lines of logs that contain a
 * listed IP address, like grepcidr(1).
 *
 * The lists (--list files in any format `canh intel import` reads, or the
 * live IP indicators of the store) are compiled into an intel snapshot. The
 * input is read in blocks of whole lines (gzip inflated on the way) and
 * handled a batch of lines at a time: find the address candidates (bit
 * masks over 64-byte chunks, below), look them all up in the snapshot, copy
 * the selected lines to a large output buffer.
 *
 * Which substrings are addresses follows grepcidr 2.0 exactly, so that both
 * tools select the same lines (bench/bench_grep.sh and the end-to-end tests
 * compare them). grepcidr walks a line byte by byte and at each position p
 * looks for a "hint":
 *   IPv4 (when an IPv4 entry is listed): p[0] a digit and a '.' at p[1],
 *     p[2] or p[3]. The field is then the longest run of [0-9A-Za-z.] from
 *     p; it is an address when it is exactly a dotted quad as inet_pton
 *     reads it (four decimal octets <= 255 without leading zeros, nothing
 *     else: "1.2.3.4." and "1.2.3.4a" are not addresses).
 *   IPv6 (when an IPv6 entry is listed): "::" and a hex digit at p, or 1-4
 *     hex digits at p followed by ':'. The field is the longest run of
 *     [0-9A-Za-z.:]; it is an address when inet_pton(AF_INET6) takes all
 *     of it.
 * Where the IPv4 hint holds, the IPv6 hints are not tested. A hint consumes
 * its whole field whether or not it was an address, and the walk goes on
 * after it; without a hint the walk moves one byte. So a field ends only at
 * a byte outside its set, but may start anywhere ("x1.2.3.4" holds 1.2.3.4;
 * "12a1.2.3.4" holds nothing because the hint at '2' takes "2a1.2.3.4").
 * One departure, on purpose: an IPv6 field that is not an address but holds
 * a dotted part gives that part back (field_v6). The other differences from
 * grepcidr are listed in docs/intel.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "canh/intel_import.h"
#include "canh/mem.h"
#include "cli.h"

#define CMD "intel grep"

/* The first size of the input buffer (each read fills what is free of it),
 * the longest line searched (a longer one is reported and skipped), the
 * output buffer, the compressed-input buffer. */
#define GREP_BUF_INIT (4u << 20)
#define GREP_MAX_LINE (64u << 20)
#define GREP_OUT (1u << 20)
#define GREP_ZBUF (256u << 10)
/* Readable zero bytes kept after the data: the scanner reads the 64-byte
 * chunk after the one it is in. */
#define GREP_PAD 192
/* Most list entries taken (the snapshot's own limit is 2^29). */
#define GREP_MAX_ENTRIES (1u << 26)
/* Lines scanned before their addresses are looked up, and most addresses
 * held for one round of lookups. */
#define GREP_BATCH_LINES 256
#define GREP_BATCH_CANDS 1024
/* Rejected list rows printed per list; the rest are counted. */
#define GREP_SHOW_REJECTS 10

/* Byte classes (grepcidr's character sets). */
enum {
    C_DIG = 1,   /* 0-9 */
    C_XDIG = 2,  /* 0-9 a-f A-F */
    C_COLON = 4, /* ':' */
    C_V4F = 8,   /* [0-9A-Za-z.]: an IPv4 field */
    C_V6F = 16,  /* [0-9A-Za-z.:]: an IPv6 field */
    C_NL = 32,   /* '\n': ends the walk of a line */
};

typedef struct masks {
    uint64_t nl, dot, dig, colon, xdig;
} masks_t;

typedef struct grep_ctx grep_ctx_t;
typedef void (*masks_fn)(const grep_ctx_t *g, const uint8_t *c, masks_t *m);

struct grep_ctx {
    const canh_intel_snap_t *snap;
    bool v4, v6;             /* which families are listed (which hints run) */
    bool invert, count_only; /* -v, -c */
    bool names;              /* prefix lines with the file name */
    uint8_t cls[256];
    /* The batch: the lines scanned (their '\n'), whether each holds a listed
     * address, and the addresses found in them with the line of each. */
    const uint8_t *line_end[GREP_BATCH_LINES];
    uint8_t hit[GREP_BATCH_LINES];
    uint8_t c4[GREP_BATCH_CANDS][4], c6[GREP_BATCH_CANDS][16];
    uint16_t c4_line[GREP_BATCH_CANDS], c6_line[GREP_BATCH_CANDS];
    size_t n4, n6;
    uint64_t selected; /* lines printed or counted */
    uint64_t lines;    /* lines of the current input walked so far */
    bool failed;       /* an input or output error: exit 2 */
    bool out_broken;   /* stdout failed: stop */
    char *out;
    size_t out_len;
    masks_fn masks;
};

/* ---- lists ---------------------------------------------------------------------- */
typedef struct list_sink {
    canh_indicator_t *v;
    size_t n, cap;
    const char *file;
    uint64_t taken, rejected, other; /* of the current list */
    bool failed;                     /* list_add printed why it stopped the import */
} list_sink_t;

static int list_push(list_sink_t *ls, const char *value, const char *source)
{
    if (ls->n == ls->cap) {
        if (ls->cap >= GREP_MAX_ENTRIES)
            return CANH_ELIMIT;
        size_t cap = ls->cap ? ls->cap * 2 : 1024;
        canh_indicator_t *v = canh_reallocarray(ls->v, cap, sizeof *v);
        if (!v)
            return CANH_ENOMEM;
        ls->v = v;
        ls->cap = cap;
    }
    char *copy = canh_strdup(value);
    if (!copy)
        return CANH_ENOMEM;
    ls->v[ls->n++] = (canh_indicator_t){
        .type = CANH_IOC_IP, .value = copy, .source = (char *)source, .confidence = -1};
    return CANH_OK;
}

static int list_add(void *ud, const canh_indicator_t *ind, uint64_t line)
{
    list_sink_t *ls = ud;
    if (ind->type != CANH_IOC_IP) {
        ls->other++;
        return CANH_OK;
    }
    int rc = list_push(ls, ind->value, ls->file);
    ls->taken += rc == CANH_OK;
    ls->failed = rc != CANH_OK;
    if (rc)
        fprintf(stderr, "canh " CMD ": %s:%" PRIu64 ": %s\n", ls->file, line,
                rc == CANH_ELIMIT ? "more than 2^26 list entries" : canh_strerror(rc));
    return rc;
}

static void list_reject(void *ud, uint64_t line, const char *reason)
{
    list_sink_t *ls = ud;
    if (ls->rejected++ >= GREP_SHOW_REJECTS)
        return;
    if (line)
        fprintf(stderr, "%s:%" PRIu64 ": rejected: %s\n", ls->file, line, reason);
    else
        fprintf(stderr, "%s: rejected: %s\n", ls->file, reason);
}

static void list_free(list_sink_t *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        canh_free(ls->v[i].value);
    canh_free(ls->v);
    memset(ls, 0, sizeof *ls);
}

/* Reads every --list file into ls; 0 or 2 (message printed). */
static int load_lists(char **lists, size_t nlists, list_sink_t *ls)
{
    canh_import_opts_t io = {.now = (int64_t)time(NULL)};
    canh_import_sink_t sink = {list_add, list_reject, ls};
    for (size_t i = 0; i < nlists; i++) {
        canh_errbuf_t eb = {{0}};
        ls->file = lists[i];
        ls->taken = ls->rejected = ls->other = 0;
        io.source = lists[i];
        int rc = canh_intel_import_file(lists[i], CANH_FEED_AUTO, &io, &sink, NULL, &eb);
        if (rc) {
            if (!ls->failed)
                fprintf(stderr, "canh " CMD ": %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
            return 2;
        }
        if (ls->rejected > GREP_SHOW_REJECTS)
            fprintf(stderr, "%s: %" PRIu64 " more rejected rows not shown\n", lists[i],
                    ls->rejected - GREP_SHOW_REJECTS);
        if (ls->other)
            fprintf(stderr, "%s: ignored %" PRIu64 " non-IP indicator(s)\n", lists[i], ls->other);
        /* cppcheck-suppress knownConditionTrueFalse ; list_add counts, through sink */
        if (!ls->taken)
            fprintf(stderr, "%s: no IP addresses or CIDRs\n", lists[i]);
    }
    return 0;
}

/* The live IP indicators of the store, of the named sources if any. */
static int load_store(const char *dir, char **sources, size_t nsources, list_sink_t *ls)
{
    if (!canh_cli_store_exists(dir)) {
        fprintf(stderr,
                "canh " CMD ": no indicators: no store in %s (import a feed with "
                "'canh intel import', or give --list FILE)\n",
                dir);
        return 2;
    }
    canh_store_t *st;
    int status = canh_cli_open_store(CMD, dir, &st);
    if (status)
        return status;
    canh_errbuf_t eb = {{0}};
    canh_indicator_t *v = NULL;
    size_t n = 0;
    int rc = canh_store_intel_load(st, (int64_t)time(NULL), false, &v, &n, &eb);
    canh_store_close(st);
    if (rc) {
        fprintf(stderr, "canh " CMD ": loading indicators: %s\n", eb.msg);
        return 2;
    }
    bool *seen = nsources ? canh_calloc(nsources, sizeof *seen) : NULL;
    if (nsources && !seen)
        rc = CANH_ENOMEM;
    for (size_t i = 0; i < n && rc == CANH_OK; i++) {
        if (v[i].type != CANH_IOC_IP)
            continue;
        bool want = nsources == 0;
        for (size_t k = 0; k < nsources; k++) {
            if (v[i].source && !strcmp(v[i].source, sources[k])) {
                seen[k] = true;
                want = true;
            }
        }
        /* The snapshot copies the strings; the source name is not needed. */
        if (want)
            rc = list_push(ls, v[i].value, NULL);
    }
    canh_store_intel_free(v, n);
    if (rc) {
        canh_free(seen);
        fprintf(stderr, "canh " CMD ": loading indicators: %s\n", canh_strerror(rc));
        return 2;
    }
    status = 0;
    for (size_t k = 0; k < nsources; k++) {
        if (!seen[k]) {
            fprintf(stderr, "canh " CMD ": no live IP indicators from source \"%s\"\n", sources[k]);
            status = 2;
        }
    }
    canh_free(seen);
    return status;
}

/* ---- the scanner --------------------------------------------------------------- */
static void ctx_classes(grep_ctx_t *g)
{
    memset(g->cls, 0, sizeof g->cls);
    for (int c = '0'; c <= '9'; c++)
        g->cls[c] = C_DIG | C_XDIG | C_V4F | C_V6F;
    for (int c = 'a'; c <= 'z'; c++) {
        g->cls[c] = C_V4F | C_V6F | (c <= 'f' ? C_XDIG : 0);
        g->cls[c - 'a' + 'A'] = g->cls[c];
    }
    g->cls['.'] = C_V4F | C_V6F;
    g->cls[':'] = C_COLON | C_V6F;
    g->cls['\n'] = C_NL;
}

/* The IPv4 field at p (p[0] is a digit): returns its end, the first byte
 * outside [0-9A-Za-z.], and whether it is an address as inet_pton(AF_INET)
 * reads one: exactly four decimal octets, each <= 255 and without a leading
 * zero, joined by single dots. The octets are read on the way; only a field
 * that is not an address is walked to its end separately. */
static const uint8_t *field_v4(const uint8_t *cls, const uint8_t *p, uint8_t out[4], bool *ok)
{
    const uint8_t *r = p;
    for (unsigned o = 0; o < 4; o++) {
        unsigned v = (unsigned)r[0] - '0', d;
        if (v > 9)
            goto bad;
        r++;
        if ((d = (unsigned)r[0] - '0') <= 9) {
            if (v == 0) /* a leading zero */
                goto bad;
            v = v * 10 + d;
            r++;
            if ((d = (unsigned)r[0] - '0') <= 9) {
                v = v * 10 + d;
                r++;
                if (v > 255)
                    goto bad;
            }
        }
        out[o] = (uint8_t)v;
        if (o < 3) {
            if (*r != '.')
                goto bad;
            r++;
        }
    }
    /* Anything of the field after four octets (a fourth digit, a dot, a
     * letter) makes it something else. */
    if (!(cls[*r] & C_V4F)) {
        *ok = true;
        return r;
    }
bad:
    while (cls[*r] & C_V4F)
        r++;
    *ok = false;
    return r;
}

/* The IPv6 field at p (a hint holds at p): whether it is an address as
 * inet_pton(AF_INET6) reads one, and where the walk goes on: after the
 * field, except that a field which is not an address but holds a dot gives
 * back what follows the last colon before that dot, so that "src:1.2.3.4"
 * and "outside:203.0.113.5/443" (Cisco ASA) still hold their IPv4 address.
 * Here Canh departs from grepcidr, which consumes the whole field. Fields
 * that cannot be an address (times like "10:00:00", MAC addresses) are
 * turned away before inet_pton: without "::" an address has eight groups
 * (seven colons), or six and a dotted quad. */
static const uint8_t *field_v6(const uint8_t *cls, const uint8_t *p, uint8_t out[16], bool *ok)
{
    const uint8_t *r = p, *dot = NULL, *colon = NULL; /* colon: the last before the dot */
    unsigned colons = 0;
    bool dbl = false;
    for (; cls[*r] & C_V6F; r++) {
        if (*r == ':') {
            colons++;
            dbl |= r > p && r[-1] == ':';
            if (!dot)
                colon = r;
        } else if (*r == '.' && !dot) {
            dot = r;
        }
    }
    size_t n = (size_t)(r - p);
    *ok = false;
    if (n <= 45 && (dbl || colons == 7 || (colons == 6 && dot))) {
        char tmp[46];
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        *ok = inet_pton(AF_INET6, tmp, out) == 1;
    }
    return *ok || !dot || !colon ? r : colon + 1;
}

/* Looks the batch's candidates up and marks the lines that hold a listed
 * one. The lookups are independent of each other, so the core overlaps
 * their cache misses (the table is larger than the caches), which it could
 * not do with one lookup between two stretches of scanning. */
static void resolve(grep_ctx_t *g)
{
    uint32_t id;
    for (size_t i = 0; i < g->n4; i++)
        g->hit[g->c4_line[i]] |= canh_intel_match_ip(g->snap, g->c4[i], false, &id, 1) != 0;
    for (size_t i = 0; i < g->n6; i++)
        g->hit[g->c6_line[i]] |= canh_intel_match_ip(g->snap, g->c6[i], true, &id, 1) != 0;
    g->n4 = g->n6 = 0;
}

/* ---- finding the hints, 64 bytes at a time ----------------------------------------
 *
 * Walking byte by byte and testing each position costs a few cycles a byte.
 * Instead, for each 64-byte chunk, bit masks say where the newlines, dots,
 * colons, digits and hex digits are, and shifts and ANDs of them say at
 * which positions a hint holds, bit for bit the tests grepcidr makes. The
 * walk then goes from hint to hint: a position without one only moves the
 * walk a byte, so skipping to the next hint is the same walk. A hint whose
 * look-ahead reaches into the next line (grepcidr sees stale buffer bytes
 * there) can only take a field of at most two bytes before the newline,
 * which holds no address either way. */

typedef struct chunk {
    const uint8_t *base; /* the chunk is base[0..64) */
    masks_t cur, next;   /* of this chunk and of the one after it */
    uint64_t ev, h4, nl; /* events (newline or hint), IPv4 hints, newlines */
} chunk_t;

/* Classes of the 64 bytes at c: one function per instruction set, chosen
 * at start (grep_ctx_t.masks). The colon and hex-digit masks are only
 * needed, and only filled, when IPv6 is listed. */
#if !defined(__SSE2__)
static void masks_scalar(const grep_ctx_t *g, const uint8_t *c, masks_t *m)
{
    memset(m, 0, sizeof *m);
    for (unsigned i = 0; i < 64; i++) {
        uint8_t k = g->cls[c[i]];
        uint64_t bit = 1ull << i;
        m->nl |= k & C_NL ? bit : 0;
        m->dot |= c[i] == '.' ? bit : 0;
        m->dig |= k & C_DIG ? bit : 0;
        m->colon |= k & C_COLON ? bit : 0;
        m->xdig |= k & C_XDIG ? bit : 0;
    }
}
#endif

#if defined(__SSE2__)
static void masks_sse2(const grep_ctx_t *g, const uint8_t *c, masks_t *m)
{
    const __m128i nl = _mm_set1_epi8('\n'), dot = _mm_set1_epi8('.'), col = _mm_set1_epi8(':');
    const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1);
    const __m128i fold = _mm_set1_epi8(0x20), xa = _mm_set1_epi8('a' - 1),
                  xf = _mm_set1_epi8('f' + 1);
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(c + 16 * i));
        /* Signed compares: bytes >= 0x80 are negative, below '0' and 'a'. */
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(x, d0), _mm_cmplt_epi8(x, d9));
        unsigned sh = 16 * (unsigned)i;
        m->nl |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)) << sh;
        m->dot |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, dot)) << sh;
        m->dig |= (uint64_t)(uint16_t)_mm_movemask_epi8(dig) << sh;
        if (g->v6) {
            __m128i lx = _mm_or_si128(x, fold); /* 'A'-'F' -> 'a'-'f' */
            __m128i af = _mm_and_si128(_mm_cmpgt_epi8(lx, xa), _mm_cmplt_epi8(lx, xf));
            m->colon |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, col)) << sh;
            m->xdig |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(af, dig)) << sh;
        }
    }
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void masks_avx2(const grep_ctx_t *g, const uint8_t *c,
                                                       masks_t *m)
{
    const __m256i nl = _mm256_set1_epi8('\n'), dot = _mm256_set1_epi8('.'),
                  col = _mm256_set1_epi8(':');
    const __m256i d0 = _mm256_set1_epi8('0' - 1), d9 = _mm256_set1_epi8('9' + 1);
    const __m256i fold = _mm256_set1_epi8(0x20), xa = _mm256_set1_epi8('a' - 1),
                  xf = _mm256_set1_epi8('f' + 1);
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < 2; i++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(c + 32 * i));
        __m256i dig = _mm256_and_si256(_mm256_cmpgt_epi8(x, d0), _mm256_cmpgt_epi8(d9, x));
        unsigned sh = 32 * (unsigned)i;
        m->nl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, nl)) << sh;
        m->dot |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, dot)) << sh;
        m->dig |= (uint64_t)(uint32_t)_mm256_movemask_epi8(dig) << sh;
        if (g->v6) {
            __m256i lx = _mm256_or_si256(x, fold);
            __m256i af = _mm256_and_si256(_mm256_cmpgt_epi8(lx, xa), _mm256_cmpgt_epi8(xf, lx));
            m->colon |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, col)) << sh;
            m->xdig |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(af, dig)) << sh;
        }
    }
}

__attribute__((target("avx512bw"))) static void masks_avx512(const grep_ctx_t *g, const uint8_t *c,
                                                             masks_t *m)
{
    __m512i x = _mm512_loadu_si512((const void *)c);
    __mmask64 dig =
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    m->nl = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\n'));
    m->dot = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('.'));
    m->dig = dig;
    if (g->v6) {
        __m512i lx = _mm512_or_si512(x, _mm512_set1_epi8(0x20));
        m->colon = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(':'));
        m->xdig = dig | _mm512_cmplt_epu8_mask(_mm512_sub_epi8(lx, _mm512_set1_epi8('a')),
                                               _mm512_set1_epi8(6));
    } else {
        m->colon = m->xdig = 0;
    }
}
#endif

static masks_fn pick_masks(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw"))
        return masks_avx512;
    if (__builtin_cpu_supports("avx2"))
        return masks_avx2;
#endif
#if defined(__SSE2__)
    return masks_sse2;
#else
    return masks_scalar;
#endif
}

/* Bit i of the result is bit i + k of the 128-bit mask (next:cur). */
static inline uint64_t ahead(uint64_t cur, uint64_t next, unsigned k)
{
    return cur >> k | next << (64 - k);
}

/* The hints of the chunk from its masks and the next chunk's. */
static void chunk_hints(const grep_ctx_t *g, chunk_t *ch)
{
    const masks_t *c = &ch->cur, *n = &ch->next;
    uint64_t h4 = 0, h6 = 0;
    if (g->v4) /* a digit, and a dot one, two or three bytes on */
        h4 = c->dig &
             (ahead(c->dot, n->dot, 1) | ahead(c->dot, n->dot, 2) | ahead(c->dot, n->dot, 3));
    if (g->v6) {
        /* "::" and a hex digit; or 1-4 hex digits and ':' */
        uint64_t x1 = ahead(c->xdig, n->xdig, 1), x2 = ahead(c->xdig, n->xdig, 2);
        uint64_t x3 = ahead(c->xdig, n->xdig, 3);
        uint64_t c1 = ahead(c->colon, n->colon, 1), c2 = ahead(c->colon, n->colon, 2);
        uint64_t c3 = ahead(c->colon, n->colon, 3), c4 = ahead(c->colon, n->colon, 4);
        uint64_t x = c->xdig;
        h6 = (c->colon & c1 & x2) | (x & c1) | (x & x1 & c2) | (x & x1 & x2 & c3) |
             (x & x1 & x2 & x3 & c4);
    }
    ch->h4 = h4;
    ch->nl = c->nl;
    ch->ev = c->nl | h4 | h6;
}

static void chunk_load(const grep_ctx_t *g, chunk_t *ch, const uint8_t *base)
{
    ch->base = base;
    g->masks(g, base, &ch->cur);
    g->masks(g, base + 64, &ch->next);
    chunk_hints(g, ch);
}

static void chunk_next(const grep_ctx_t *g, chunk_t *ch)
{
    ch->base += 64;
    ch->cur = ch->next;
    g->masks(g, ch->base + 64, &ch->next);
    chunk_hints(g, ch);
}

/* Walks lines from p (inside ch, or past it) up to end (just after a
 * '\n'; GREP_PAD readable bytes follow), at most GREP_BATCH_LINES of them:
 * records each line's end, adds each address to the candidates. Returns
 * where it stopped and the number of lines in *nlines. */
static const uint8_t *scan_batch(grep_ctx_t *g, chunk_t *ch, const uint8_t *p, const uint8_t *end,
                                 uint16_t *nlines)
{
    const uint8_t *cls = g->cls;
    uint16_t k = 0;
    g->hit[0] = 0;
    for (;;) {
        size_t off = (size_t)(p - ch->base);
        if (off >= 64) {
            /* A field took the walk past the chunk. */
            if (off < 128)
                chunk_next(g, ch);
            else
                chunk_load(g, ch, p);
            continue;
        }
        uint64_t ev = ch->ev & (~0ull << off);
        if (!ev) {
            p = ch->base + 64;
            chunk_next(g, ch);
            continue;
        }
        unsigned i = (unsigned)__builtin_ctzll(ev);
        uint64_t bit = 1ull << i;
        const uint8_t *q = ch->base + i, *r = q + 1;
        if (ch->nl & bit) {
            g->line_end[k++] = q;
            p = r;
            if (p == end || k == GREP_BATCH_LINES)
                break;
            g->hit[k] = 0;
            continue;
        }
        if (ch->h4 & bit) {
            bool ok;
            r = field_v4(cls, q, g->c4[g->n4], &ok);
            if (ok) {
                g->c4_line[g->n4++] = k;
                if (g->n4 == GREP_BATCH_CANDS)
                    resolve(g);
            }
        } else {
            bool ok;
            r = field_v6(cls, q, g->c6[g->n6], &ok);
            if (ok) {
                g->c6_line[g->n6++] = k;
                if (g->n6 == GREP_BATCH_CANDS)
                    resolve(g);
            }
        }
        p = r;
    }
    *nlines = k;
    return p;
}

/* ---- output ----------------------------------------------------------------------- */
static void write_all(grep_ctx_t *g, const void *p, size_t n)
{
    const char *c = p;
    while (n && !g->out_broken) {
        ssize_t w = write(STDOUT_FILENO, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "canh " CMD ": writing the output: %s\n",
                    w < 0 ? strerror(errno) : "short write");
            g->out_broken = g->failed = true;
            break;
        }
        c += w;
        n -= (size_t)w;
    }
}

static void out_flush(grep_ctx_t *g)
{
    write_all(g, g->out, g->out_len);
    g->out_len = 0;
}

static void out_put(grep_ctx_t *g, const void *p, size_t n)
{
    if (g->out_len + n > GREP_OUT) {
        out_flush(g);
        if (n > GREP_OUT) { /* a long run of lines goes out directly */
            write_all(g, p, n);
            return;
        }
    }
    memcpy(g->out + g->out_len, p, n);
    g->out_len += n;
}

/* Selects among the whole lines of b[0..n) (b[n-1] is '\n'), a batch of
 * lines at a time: scan, look up, print. Selected lines that follow each
 * other are copied as one run. */
static void grep_block(grep_ctx_t *g, const uint8_t *b, size_t n, const char *name)
{
    const uint8_t *p = b, *end = b + n;
    bool print = !g->count_only;
    size_t name_len = name ? strlen(name) : 0;
    chunk_t ch;
    chunk_load(g, &ch, b);
    while (p < end) {
        const uint8_t *first = p;
        uint16_t k;
        p = scan_batch(g, &ch, p, end, &k);
        resolve(g);
        g->lines += k;
        const uint8_t *run = NULL, *run_end = NULL, *ls = first;
        for (uint16_t j = 0; j < k; ls = g->line_end[j++] + 1) {
            if (g->hit[j] == g->invert)
                continue;
            g->selected++;
            const uint8_t *le = g->line_end[j] + 1;
            if (print && name) {
                out_put(g, name, name_len);
                out_put(g, ":", 1);
                out_put(g, ls, (size_t)(le - ls));
            } else if (print) {
                if (run && run_end == ls) {
                    run_end = le;
                } else {
                    if (run)
                        out_put(g, run, (size_t)(run_end - run));
                    run = ls;
                    run_end = le;
                }
            }
        }
        if (run)
            out_put(g, run, (size_t)(run_end - run));
    }
}

/* ---- input ------------------------------------------------------------------------ */
typedef struct grep_in {
    const char *path; /* as given; "-" is standard input */
    int fd;
    bool gz, raw_eof, member; /* member: inside a gzip member */
    z_stream zs;
    bool zinit;
    uint8_t *zbuf;
    size_t pend_off, pend_len; /* raw bytes read while detecting gzip */
} grep_in_t;

static ssize_t read_some(int fd, void *dst, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, dst, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static int in_open(grep_in_t *in, const char *path, canh_errbuf_t *eb)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->fd = -1;
    if (!strcmp(path, "-")) {
        in->fd = STDIN_FILENO;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode))
            return canh_errf(eb, CANH_EIO, "%s: is a directory", path);
        (void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    in->zbuf = canh_malloc(GREP_ZBUF);
    if (!in->zbuf)
        return CANH_ENOMEM;
    /* The first two bytes tell gzip (1f 8b) from text. */
    while (in->pend_len < 2 && !in->raw_eof) {
        ssize_t r = read_some(in->fd, in->zbuf + in->pend_len, GREP_ZBUF - in->pend_len);
        if (r < 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
        if (r == 0)
            in->raw_eof = true;
        in->pend_len += (size_t)r;
    }
    if (in->pend_len >= 2 && in->zbuf[0] == 0x1f && in->zbuf[1] == 0x8b) {
        if (inflateInit2(&in->zs, 15 + 16) != Z_OK)
            return CANH_ENOMEM;
        in->zinit = in->gz = true;
        in->zs.next_in = in->zbuf;
        in->zs.avail_in = (uInt)in->pend_len;
        in->pend_len = 0;
    }
    return CANH_OK;
}

static void in_close(grep_in_t *in)
{
    if (in->zinit)
        inflateEnd(&in->zs);
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    canh_free(in->zbuf);
    memset(in, 0, sizeof *in);
    in->fd = -1;
}

/* Up to cap bytes of text into dst; *got = 0 at the end of the input. */
static int in_read(grep_in_t *in, uint8_t *dst, size_t cap, size_t *got, canh_errbuf_t *eb)
{
    if (in->pend_len) {
        size_t n = in->pend_len < cap ? in->pend_len : cap;
        memcpy(dst, in->zbuf + in->pend_off, n);
        in->pend_off += n;
        in->pend_len -= n;
        *got = n;
        return CANH_OK;
    }
    if (!in->gz) {
        if (in->raw_eof) {
            *got = 0;
            return CANH_OK;
        }
        ssize_t r = read_some(in->fd, dst, cap);
        if (r < 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", in->path, strerror(errno));
        *got = (size_t)r;
        return CANH_OK;
    }
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    in->zs.next_out = dst;
    in->zs.avail_out = (uInt)cap;
    while (in->zs.avail_out == cap) {
        if (in->zs.avail_in == 0 && !in->raw_eof) {
            ssize_t r = read_some(in->fd, in->zbuf, GREP_ZBUF);
            if (r < 0)
                return canh_errf(eb, CANH_EIO, "%s: %s", in->path, strerror(errno));
            in->raw_eof = r == 0;
            in->zs.next_in = in->zbuf;
            in->zs.avail_in = (uInt)r;
        }
        if (in->zs.avail_in == 0) {
            if (in->member)
                return canh_errf(eb, CANH_EIO, "%s: gzip: unexpected end of file", in->path);
            break;
        }
        in->member = true;
        int zr = inflate(&in->zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            /* Concatenated members (gzip a >> f; gzip b >> f) go on. */
            in->member = false;
            if (inflateReset(&in->zs) != Z_OK)
                return canh_errf(eb, CANH_EIO, "%s: gzip: reset failed", in->path);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return canh_errf(eb, CANH_EIO, "%s: gzip: %s", in->path,
                             in->zs.msg ? in->zs.msg : "corrupt data");
        }
    }
    *got = cap - in->zs.avail_out;
    return CANH_OK;
}

typedef struct grep_buf {
    uint8_t *p;
    size_t cap; /* bytes of data it can hold; GREP_PAD + 1 more are allocated */
} grep_buf_t;

static int buf_grow(grep_buf_t *b)
{
    size_t cap = b->cap * 2 > GREP_MAX_LINE ? GREP_MAX_LINE : b->cap * 2;
    uint8_t *p = canh_realloc(b->p, cap + GREP_PAD + 1);
    if (!p)
        return CANH_ENOMEM;
    memset(p + b->cap, 0, cap - b->cap + GREP_PAD + 1);
    b->p = p;
    b->cap = cap;
    return CANH_OK;
}

/* Greps one input; errors are printed and recorded in g->failed. The buffer
 * holds len bytes: whole lines are searched as soon as they are in, the
 * partial last one moves to the front and waits for the next read. */
static void grep_file(grep_ctx_t *g, grep_buf_t *b, const char *path)
{
    canh_errbuf_t eb = {{0}};
    grep_in_t in;
    const char *name = g->names ? (strcmp(path, "-") ? path : "(standard input)") : NULL;
    int rc = in_open(&in, path, &eb);
    size_t len = 0;
    bool skipping = false; /* inside a line longer than GREP_MAX_LINE */
    g->lines = 0;
    while (rc == CANH_OK && !g->out_broken) {
        if (len == b->cap) {
            /* No newline in a full buffer: a long line. */
            if (b->cap < GREP_MAX_LINE) {
                rc = buf_grow(b);
                continue;
            }
            if (!skipping)
                fprintf(stderr,
                        "canh " CMD ": %s:%" PRIu64 ": line longer than %u MiB not searched\n",
                        path, g->lines + 1, GREP_MAX_LINE >> 20);
            skipping = g->failed = true;
            len = 0;
        }
        size_t got = 0;
        rc = in_read(&in, b->p + len, b->cap - len, &got, &eb);
        if (rc)
            break;
        bool eof = got == 0;
        len += got;
        if (eof && len && b->p[len - 1] != '\n')
            b->p[len++] = '\n'; /* a last line without its newline (room: cap + 1) */
        memset(b->p + len, 0, GREP_PAD);
        const uint8_t *nl = len ? memrchr(b->p, '\n', len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl + 1 - b->p), from = 0;
            if (skipping) {
                from = (size_t)((const uint8_t *)memchr(b->p, '\n', n) + 1 - b->p);
                skipping = false;
                g->lines++;
            }
            if (from < n)
                grep_block(g, b->p + from, n - from, name);
            memmove(b->p, b->p + n, len - n);
            len -= n;
        }
        if (eof)
            break;
    }
    if (rc) {
        fprintf(stderr, "canh " CMD ": %s\n", eb.msg[0] ? eb.msg : canh_strerror(rc));
        g->failed = true;
    }
    in_close(&in);
}

/* ---- the command ------------------------------------------------------------------ */
static void grep_help(void)
{
    printf("usage: canh intel grep [--list FILE]... [--source NAME]... [-v] [-c]\n"
           "                       [--no-filename] [--data DIR] [FILE...|-]\n"
           "\n"
           "Prints every line of the input that contains an IPv4 or IPv6 address covered by\n"
           "a listed address or CIDR, like grepcidr. The input is the FILEs (gzip is read\n"
           "as such) or standard input; with several FILEs each line starts with \"FILE:\".\n"
           "Lines are printed whole, ending in a newline.\n"
           "  --list FILE, -f FILE  a list of addresses and CIDRs in any format\n"
           "                        'canh intel import' reads (plain, DROP, FireHOL, CSV,\n"
           "                        ...); repeatable. Without --list: the live IP\n"
           "                        indicators in the store (--data DIR)\n"
           "  --source NAME         with the store: only this feed's indicators; repeatable\n"
           "  -v, --invert          print the lines that do not contain a listed address\n"
           "                        (all of them, also lines without any address)\n"
           "  -c, --count           print only the number of selected lines (all FILEs)\n"
           "  --no-filename         never start lines with \"FILE:\"\n"
           "\n"
           "An address is found where grepcidr finds one: a dotted quad (octets <= 255, no\n"
           "leading zeros) or an IPv6 address, followed by a byte that is not a letter, a\n"
           "digit or '.' (for IPv6 not ':' either): \"1.2.3.4:80\", \"(1.2.3.4)\" and\n"
           "\"x1.2.3.4\" hold 1.2.3.4; \"1.2.3.4.\" and \"1.2.3.4a\" hold nothing. The\n"
           "differences from grepcidr are listed in docs/intel.md.\n"
           "\n"
           "Exit status (as for every canh command that searches): 1 if a line was\n"
           "selected (printed or counted), 0 if none, 2 on a usage or input error (then\n"
           "even if lines were selected). This is the reverse of grep and grepcidr.\n");
}

int canh_cmd_intel_grep(int argc, char **argv)
{
    static const struct option opts[] = {
        {"list", required_argument, NULL, 'f'},  {"source", required_argument, NULL, 's'},
        {"invert", no_argument, NULL, 'v'},      {"count", no_argument, NULL, 'c'},
        {"no-filename", no_argument, NULL, 'n'}, {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    grep_ctx_t *g = canh_calloc(1, sizeof *g);
    list_sink_t ls = {0};
    canh_intel_snap_t *snap = NULL;
    grep_buf_t b = {0};
    char **lists = canh_calloc((size_t)argc, sizeof *lists);
    char **sources = canh_calloc((size_t)argc, sizeof *sources);
    size_t nlists = 0, nsources = 0;
    const char *data = NULL;
    bool no_names = false;
    int status = 2, c;
    if (!g || !lists || !sources) {
        fprintf(stderr, "canh " CMD ": %s\n", canh_strerror(CANH_ENOMEM));
        goto out;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:s:vcd:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': lists[nlists++] = optarg; break;
        case 's': sources[nsources++] = optarg; break;
        case 'v': g->invert = true; break;
        case 'c': g->count_only = true; break;
        case 'n': no_names = true; break;
        case 'd': data = optarg; break;
        case 'h':
            grep_help();
            status = 0;
            goto out;
        default: goto out;
        }
    }
    if (nlists && nsources) {
        status = canh_cli_usage_error(CMD, "--source selects feeds of the store; it does not "
                                           "go with --list");
        goto out;
    }
    status = nlists ? load_lists(lists, nlists, &ls)
                    : load_store(canh_cli_data_dir(data), sources, nsources, &ls);
    if (status)
        goto out;
    status = 2;
    canh_errbuf_t eb = {{0}};
    int64_t now = (int64_t)time(NULL);
    if (canh_intel_snap_build(ls.v, ls.n, now, &snap, &eb) != CANH_OK) {
        fprintf(stderr, "canh " CMD ": %s\n", eb.msg);
        goto out;
    }
    list_free(&ls);
    size_t count = canh_intel_snap_count(snap);
    for (size_t i = 0; i < count && !(g->v4 && g->v6); i++) {
        const char *v = canh_intel_snap_get(snap, (uint32_t)i)->value;
        if (strchr(v, ':'))
            g->v6 = true;
        else
            g->v4 = true;
    }
    if (!count) {
        fprintf(stderr, "canh " CMD ": no IP addresses or CIDRs to look for%s\n",
                nlists ? " in the lists" : "");
        goto out;
    }
    g->snap = snap;
    g->names = argc - optind > 1 && !no_names;
    ctx_classes(g);
    g->masks = pick_masks();
    g->out = canh_malloc(GREP_OUT);
    b.cap = GREP_BUF_INIT;
    b.p = canh_calloc(1, b.cap + GREP_PAD + 1);
    if (!g->out || !b.p) {
        fprintf(stderr, "canh " CMD ": %s\n", canh_strerror(CANH_ENOMEM));
        goto out;
    }
    if (optind == argc)
        grep_file(g, &b, "-");
    for (int i = optind; i < argc && !g->out_broken; i++)
        grep_file(g, &b, argv[i]);
    if (g->count_only && !g->out_broken) {
        char n[32];
        int k = snprintf(n, sizeof n, "%" PRIu64 "\n", g->selected);
        out_put(g, n, (size_t)k);
    }
    out_flush(g);
    status = g->failed ? 2 : g->selected ? 1 : 0;
out:
    canh_free(b.p);
    if (g)
        canh_free(g->out);
    canh_free(g);
    canh_intel_snap_destroy(snap);
    list_free(&ls);
    canh_free(lists);
    canh_free(sources);
    return status;
}
