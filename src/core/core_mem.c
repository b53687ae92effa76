/* core_mem.c - the allocation front and the arena. */
#include <stdlib.h>
#include <string.h>

#include "canh/mem.h"

/* The allocator hooks are process-wide by design (like sqlite3_config): they
 * exist so tests can inject allocation failures, and are set before threads
 * start. */
static canh_allocator_t g_alloc;
static int g_alloc_set;

void canh_mem_set_allocator(const canh_allocator_t *a)
{
    if (a) {
        g_alloc = *a;
        g_alloc_set = 1;
    } else {
        memset(&g_alloc, 0, sizeof g_alloc);
        g_alloc_set = 0;
    }
}

void *canh_malloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (g_alloc_set)
        return g_alloc.malloc_fn(n, g_alloc.ud);
    return malloc(n);
}

void *canh_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *p = canh_malloc(n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *canh_realloc(void *p, size_t n)
{
    if (n == 0)
        n = 1;
    if (g_alloc_set)
        return g_alloc.realloc_fn(p, n, g_alloc.ud);
    return realloc(p, n);
}

void *canh_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return canh_realloc(p, count * size);
}

void canh_free(void *p)
{
    if (!p)
        return;
    if (g_alloc_set)
        g_alloc.free_fn(p, g_alloc.ud);
    else
        free(p);
}

char *canh_strndup(const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = canh_malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *canh_strdup(const char *s)
{
    return canh_strndup(s, strlen(s));
}

void canh_memzero(void *p, size_t n)
{
    explicit_bzero(p, n);
}

/* ---- arena ---------------------------------------------------------------- */
struct canh_arena_chunk {
    canh_arena_chunk_t *next; /* older chunk */
    size_t size;              /* usable bytes in data */
    size_t off;               /* bytes used */
    _Alignas(8) unsigned char data[];
};

void canh_arena_init(canh_arena_t *a, size_t chunk_size, size_t max)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 4096;
    a->max = max;
    a->used = 0;
}

void canh_arena_fini(canh_arena_t *a)
{
    canh_arena_chunk_t *c = a->head;
    while (c) {
        canh_arena_chunk_t *next = c->next;
        canh_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *canh_arena_alloc(canh_arena_t *a, size_t n)
{
    size_t need = (n + 7u) & ~(size_t)7u;
    if (need < n)
        return NULL;
    canh_arena_chunk_t *c = a->head;
    if (c && c->size - c->off >= need) {
        void *p = c->data + c->off;
        c->off += need;
        return p;
    }
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    if (a->max && (a->used + size > a->max || a->used + size < a->used))
        return NULL;
    c = canh_malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->off = need;
    c->next = a->head;
    a->head = c;
    /* used counts whole chunks: the slack left in the old one is lost until
     * reset, and counts against the limit. */
    a->used += size;
    return c->data;
}

char *canh_arena_strndup(canh_arena_t *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = canh_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void canh_arena_reset(canh_arena_t *a)
{
    canh_arena_chunk_t *c = a->head;
    if (!c)
        return;
    /* Keep the oldest chunk only if it is the standard size; free the rest. */
    while (c->next) {
        canh_arena_chunk_t *next = c->next;
        canh_free(c);
        c = next;
    }
    if (c->size != a->chunk_size) {
        canh_free(c);
        a->head = NULL;
        a->used = 0;
        return;
    }
    c->off = 0;
    a->head = c;
    a->used = c->size;
}
