/* detect_sigma_util.c - small pieces the Sigma engine is built from: growable
 * arrays, a string table, case-insensitive search, the glob matcher, IP
 * parsing and JSON array text for alert fields. */
#include <arpa/inet.h>
#include <string.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/event.h"
#include "detect_sigma_int.h"

/* ---- vectors ----------------------------------------------------------------- */

void sg_vec_init(sg_vec_t *v, uint32_t size)
{
    v->v = NULL;
    v->n = v->cap = 0;
    v->size = size;
}

void sg_vec_fini(sg_vec_t *v)
{
    canh_free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

uint32_t sg_vec_push(sg_vec_t *v)
{
    if (v->n == v->cap) {
        if (v->cap >= (UINT32_MAX >> 2))
            return SG_NONE;
        uint32_t cap = v->cap ? v->cap * 2 : 16;
        void *p = canh_reallocarray(v->v, cap, v->size);
        if (!p)
            return SG_NONE;
        v->v = p;
        v->cap = cap;
    }
    memset((char *)v->v + (size_t)v->n * v->size, 0, v->size);
    return v->n++;
}

/* ---- string table ---------------------------------------------------------------- */

static uint32_t hash(const char *k, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

void sg_tab_init(sg_tab_t *t)
{
    memset(t, 0, sizeof *t);
}

void sg_tab_fini(sg_tab_t *t)
{
    canh_free(t->k);
    canh_free(t->klen);
    canh_free(t->v);
    memset(t, 0, sizeof *t);
}

uint32_t sg_tab_get(const sg_tab_t *t, const char *k, size_t n)
{
    if (!t->cap)
        return SG_NONE;
    uint32_t mask = t->cap - 1;
    for (uint32_t i = hash(k, n) & mask;; i = (i + 1) & mask) {
        if (!t->k[i])
            return SG_NONE;
        if (t->klen[i] == n && memcmp(t->k[i], k, n) == 0)
            return t->v[i];
    }
}

static int tab_grow(sg_tab_t *t)
{
    uint32_t cap = t->cap ? t->cap * 2 : 64;
    const char **k = canh_calloc(cap, sizeof *k);
    uint32_t *kl = canh_calloc(cap, sizeof *kl);
    uint32_t *v = canh_calloc(cap, sizeof *v);
    if (!k || !kl || !v) {
        canh_free(k);
        canh_free(kl);
        canh_free(v);
        return CANH_ENOMEM;
    }
    for (uint32_t i = 0; i < t->cap; i++) {
        if (!t->k[i])
            continue;
        uint32_t j = hash(t->k[i], t->klen[i]) & (cap - 1);
        while (k[j])
            j = (j + 1) & (cap - 1);
        k[j] = t->k[i];
        kl[j] = t->klen[i];
        v[j] = t->v[i];
    }
    canh_free(t->k);
    canh_free(t->klen);
    canh_free(t->v);
    t->k = k;
    t->klen = kl;
    t->v = v;
    t->cap = cap;
    return CANH_OK;
}

int sg_tab_put(sg_tab_t *t, const char *k, size_t n, uint32_t v)
{
    if (n > UINT32_MAX)
        return CANH_ELIMIT;
    if ((t->n + 1) * 2 > t->cap && tab_grow(t) != CANH_OK)
        return CANH_ENOMEM;
    uint32_t mask = t->cap - 1;
    for (uint32_t i = hash(k, n) & mask;; i = (i + 1) & mask) {
        if (!t->k[i]) {
            t->k[i] = k;
            t->klen[i] = (uint32_t)n;
            t->v[i] = v;
            t->n++;
            return CANH_OK;
        }
        if (t->klen[i] == n && memcmp(t->k[i], k, n) == 0) {
            t->v[i] = v;
            return CANH_OK;
        }
    }
}

/* ---- comparisons ------------------------------------------------------------------ */

bool sg_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sg_lower((unsigned char)a[i]) != sg_lower((unsigned char)b[i]))
            return false;
    return true;
}

static inline bool ceq(unsigned char a, unsigned char b, bool cased)
{
    return cased ? a == b : sg_lower(a) == sg_lower(b);
}

ptrdiff_t sg_find(const char *hay, size_t hn, const char *needle, size_t nn, bool cased)
{
    if (nn == 0)
        return 0;
    if (nn > hn)
        return -1;
    if (cased) {
        const char *p = memmem(hay, hn, needle, nn);
        return p ? p - hay : -1;
    }
    unsigned char f = sg_lower((unsigned char)needle[0]);
    for (size_t i = 0; i + nn <= hn; i++)
        if (sg_lower((unsigned char)hay[i]) == f && sg_ieq(hay + i + 1, needle + 1, nn - 1))
            return (ptrdiff_t)i;
    return -1;
}

/* ---- glob ---------------------------------------------------------------------------- */
/* A glob program is literal bytes with SG_GLOB_ESC escapes: ESC STAR, ESC
 * QMARK, ESC LIT (a literal NUL byte). Matching splits it at stars: the
 * first segment is anchored at the start, the last at the end, and each
 * middle segment is placed at its leftmost occurrence, which is optimal for
 * star-separated segments; so a match costs O(value * pattern) at worst and
 * never backtracks exponentially. '?' matches one UTF-8 character. */

/* Length of the UTF-8 character at s[0..n), at least 1. */
static size_t u8len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (k > n)
        k = 1;
    for (size_t i = 1; i < k; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            return 1;
    return k;
}

/* Matches segment pat[0..pn) (no stars) at s[0..sn); returns bytes consumed or -1. */
static ptrdiff_t seg_at(const char *pat, size_t pn, const char *s, size_t sn, bool cased)
{
    size_t p = 0, i = 0;
    while (p < pn) {
        unsigned char c = (unsigned char)pat[p];
        if (c == SG_GLOB_ESC && p + 1 < pn) {
            unsigned char k = (unsigned char)pat[p + 1];
            p += 2;
            if (i >= sn)
                return -1;
            if (k == SG_GLOB_QMARK) {
                i += u8len(s + i, sn - i);
                continue;
            }
            if (s[i] != '\0')
                return -1;
            i++;
            continue;
        }
        if (i >= sn || !ceq(c, (unsigned char)s[i], cased))
            return -1;
        p++;
        i++;
    }
    return (ptrdiff_t)i;
}

/* Minimum bytes a segment needs (each char/qmark at least one byte). */
static size_t seg_min(const char *pat, size_t pn)
{
    size_t k = 0;
    for (size_t p = 0; p < pn; p++, k++)
        if ((unsigned char)pat[p] == SG_GLOB_ESC && p + 1 < pn)
            p++;
    return k;
}

static bool seg_has_qmark(const char *pat, size_t pn)
{
    for (size_t p = 0; p + 1 < pn; p++)
        if ((unsigned char)pat[p] == SG_GLOB_ESC) {
            if ((unsigned char)pat[p + 1] == SG_GLOB_QMARK)
                return true;
            p++;
        }
    return false;
}

/* Next star at or after p, or pn. */
static size_t next_star(const char *pat, size_t pn, size_t p)
{
    for (; p < pn; p++)
        if ((unsigned char)pat[p] == SG_GLOB_ESC && p + 1 < pn) {
            if ((unsigned char)pat[p + 1] == SG_GLOB_STAR)
                return p;
            p++;
        }
    return pn;
}

bool sg_glob(const char *pat, size_t pn, const char *s, size_t sn, bool cased)
{
    size_t p = 0, i = 0;
    size_t st = next_star(pat, pn, 0);
    if (st == pn) { /* no star: the whole value */
        ptrdiff_t k = seg_at(pat, pn, s, sn, cased);
        return k >= 0 && (size_t)k == sn;
    }
    /* Leading segment, anchored. */
    if (st > 0) {
        ptrdiff_t k = seg_at(pat, st, s, sn, cased);
        if (k < 0)
            return false;
        i = (size_t)k;
    }
    p = st + 2;
    for (;;) {
        size_t e = next_star(pat, pn, p);
        const char *seg = pat + p;
        size_t sl = e - p;
        if (e == pn) {
            /* Trailing segment, anchored at the end. Without '?' its byte
             * length is fixed; with '?' try every start from the left. */
            if (sl == 0)
                return true;
            if (!seg_has_qmark(seg, sl)) {
                size_t need = seg_min(seg, sl);
                if (sn - i < need)
                    return false;
                ptrdiff_t k = seg_at(seg, sl, s + sn - need, need, cased);
                return k >= 0 && (size_t)k == need;
            }
            for (size_t j = i; j < sn; j++) {
                ptrdiff_t k = seg_at(seg, sl, s + j, sn - j, cased);
                if (k >= 0 && j + (size_t)k == sn)
                    return true;
            }
            return false;
        }
        if (sl > 0) {
            size_t need = seg_min(seg, sl);
            bool found = false;
            for (size_t j = i; j + need <= sn; j++) {
                ptrdiff_t k = seg_at(seg, sl, s + j, sn - j, cased);
                if (k >= 0) {
                    i = j + (size_t)k;
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        p = e + 2;
    }
}

/* ---- IP addresses ------------------------------------------------------------------- */

bool sg_parse_ip(const char *s, size_t n, uint8_t *fam, uint8_t addr[16])
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *pct = strchr(buf, '%'); /* fe80::1%eth0 */
    if (pct)
        *pct = '\0';
    if (buf[0] == '[') { /* [v6] */
        size_t l = strlen(buf);
        if (l < 3 || buf[l - 1] != ']')
            return false;
        buf[l - 1] = '\0';
        memmove(buf, buf + 1, l - 1);
    }
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *fam = 4;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            memset(addr + 4, 0, 12);
            *fam = 4;
        } else {
            *fam = 6;
        }
        return true;
    }
    return false;
}

/* ---- JSON arrays ---------------------------------------------------------------------- */

const char *sg_json_array(canh_arena_t *a, const char *const *items, size_t n)
{
    canh_buf_t b;
    const char *out = NULL;
    canh_buf_init(&b, 1u << 20);
    if (canh_buf_putc(&b, '[') != CANH_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (i && canh_buf_putc(&b, ',') != CANH_OK)
            goto out;
        if (canh_json_put_string(&b, items[i], strlen(items[i])) != CANH_OK)
            goto out;
    }
    if (canh_buf_putc(&b, ']') != CANH_OK)
        goto out;
    out = canh_arena_strndup(a, b.data, b.len);
out:
    canh_buf_fini(&b);
    return out;
}
