/* event_fields.c - the ECS slot table: names, types, lookup by name, and the
 * name-sorted order used when encoding. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "canh/event.h"
#include "event_int.h"

#define FT_KEYWORD CANH_FT_KEYWORD
#define FT_LONG CANH_FT_LONG
#define FT_IP CANH_FT_IP
#define FT_BOOL CANH_FT_BOOL
#define FT_DATE CANH_FT_DATE

static const struct {
    const char *name;
    uint8_t len;
    uint8_t type;
} fields[CANH_F__COUNT] = {
#define CANH_X_ROW(id, nm, ty) {nm, sizeof(nm) - 1, FT_##ty},
    CANH_ECS_FIELDS(CANH_X_ROW)
#undef CANH_X_ROW
};

/* Open-addressing hash of names -> id, and the sorted order. Built once;
 * read-only afterwards, so readers on any thread are safe. */
#define HSIZE 1024
static int16_t htab[HSIZE];
static uint16_t sorted[CANH_F__COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static int cmp_ids(const void *a, const void *b)
{
    return strcmp(fields[*(const uint16_t *)a].name, fields[*(const uint16_t *)b].name);
}

static void build(void)
{
    for (size_t i = 0; i < HSIZE; i++)
        htab[i] = -1;
    for (int id = 0; id < CANH_F__COUNT; id++) {
        uint32_t h = hash(fields[id].name, fields[id].len) & (HSIZE - 1);
        while (htab[h] >= 0)
            h = (h + 1) & (HSIZE - 1);
        htab[h] = (int16_t)id;
        sorted[id] = (uint16_t)id;
    }
    qsort(sorted, CANH_F__COUNT, sizeof sorted[0], cmp_ids);
}

const char *canh_field_name(canh_field_t id)
{
    return (unsigned)id < CANH_F__COUNT ? fields[id].name : "";
}

canh_ftype_t canh_field_type(canh_field_t id)
{
    return (unsigned)id < CANH_F__COUNT ? (canh_ftype_t)fields[id].type : CANH_FT_KEYWORD;
}

int canh_field_lookup(const char *name, size_t n)
{
    pthread_once(&once, build);
    uint32_t h = hash(name, n) & (HSIZE - 1);
    while (htab[h] >= 0) {
        int id = htab[h];
        if (fields[id].len == n && memcmp(fields[id].name, name, n) == 0)
            return id;
        h = (h + 1) & (HSIZE - 1);
    }
    return -1;
}

const uint16_t *canh_field_sorted(void)
{
    pthread_once(&once, build);
    return sorted;
}
