/* canh/mem.h - the allocation front and the per-event arena.
 *
 * All heap allocation in Canh goes through canh_malloc/canh_calloc/
 * canh_realloc/canh_free so that a test can count or fail allocations. Sizes
 * are overflow-checked; a failed allocation returns NULL (never aborts). */
#ifndef CANH_MEM_H
#define CANH_MEM_H

#include <stddef.h>
#include <stdint.h>

void *canh_malloc(size_t n);
void *canh_calloc(size_t count, size_t size); /* NULL on count*size overflow */
void *canh_realloc(void *p, size_t n);
/* Grows an array: returns p resized to count*size, NULL on overflow/failure
 * (p is then still valid and owned by the caller). */
void *canh_reallocarray(void *p, size_t count, size_t size);
void canh_free(void *p);
/* Copies n bytes of s plus a NUL. Caller frees with canh_free. */
char *canh_strndup(const char *s, size_t n);
char *canh_strdup(const char *s);
/* Zeroes n bytes in a way the compiler may not elide (for secrets). */
void canh_memzero(void *p, size_t n);

/* Allocator hooks, for tests that inject failures. NULL restores libc.
 * Process-wide by nature (like sqlite3_config); set it before any threads. */
typedef struct canh_allocator {
    void *(*malloc_fn)(size_t n, void *ud);
    void *(*realloc_fn)(void *p, size_t n, void *ud);
    void (*free_fn)(void *p, void *ud);
    void *ud;
} canh_allocator_t;
void canh_mem_set_allocator(const canh_allocator_t *a);

/* ---- arena ----------------------------------------------------------------
 * A bump allocator for scratch memory that lives as long as one record.
 * Embedded by value; fields are private. Reset keeps the first chunk. */
typedef struct canh_arena_chunk canh_arena_chunk_t;
typedef struct canh_arena {
    canh_arena_chunk_t *head; /* current chunk (newest) */
    size_t chunk_size;        /* default size of new chunks */
    size_t max;               /* hard cap over all chunks */
    size_t used;              /* bytes in all chunks held */
} canh_arena_t;

/* chunk_size: size of each chunk; max: total limit (allocations past it fail). */
void canh_arena_init(canh_arena_t *a, size_t chunk_size, size_t max);
/* Frees all chunks. The arena may be re-initialised afterwards. */
void canh_arena_fini(canh_arena_t *a);
/* Returns n bytes aligned to 8, or NULL when the limit or malloc fails.
 * Memory stays valid until the next reset or fini. */
void *canh_arena_alloc(canh_arena_t *a, size_t n);
/* Copies s[0..n) plus a NUL into the arena. */
char *canh_arena_strndup(canh_arena_t *a, const char *s, size_t n);
/* Forgets all allocations; keeps one chunk for reuse. */
void canh_arena_reset(canh_arena_t *a);

#endif
