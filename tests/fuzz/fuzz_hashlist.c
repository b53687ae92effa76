/* fuzz_hashlist.c - the hash-list parser (canh_hashset_load_mem) over hostile
 * bytes. Checked: every line is taken, rejected or skipped (never more
 * outcomes than lines); the set freezes with no more distinct digests than
 * lines taken; loading the same bytes twice gives the same counts; lookups
 * of digests cut from the input and of the input's own lines run on the
 * frozen set without fault. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canh/malware.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_reject(void *ud, const char *file, uint64_t line, const char *reason)
{
    (void)file;
    if (!line || !reason || !*reason)
        abort();
    ++*(uint64_t *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    uint64_t taken[2] = {0}, rejected[2] = {0}, seen = 0;
    size_t count[2][CANH_HASH_NTYPES];
    for (int round = 0; round < 2; round++) {
        canh_hashset_t *hs;
        if (canh_hashset_create(&hs) != CANH_OK)
            return 0;
        int rc =
            canh_hashset_load_mem(hs, "fuzz", (const char *)data, size, round ? NULL : count_reject,
                                  &seen, &taken[round], &rejected[round]);
        if (rc != CANH_OK && rc != CANH_ENOMEM && rc != CANH_ELIMIT)
            abort();
        if (taken[round] + rejected[round] > lines)
            abort();
        if (canh_hashset_freeze(hs, NULL) != CANH_OK)
            abort();
        size_t total = 0;
        for (int t = 0; t < CANH_HASH_NTYPES; t++) {
            count[round][t] = canh_hashset_count(hs, (canh_hash_type_t)t);
            total += count[round][t];
            uint8_t d[32] = {0};
            memcpy(d, data, size < 32 ? size : 32);
            canh_hash_hit_t hit;
            if (canh_hashset_lookup(hs, (canh_hash_type_t)t, d, &hit) &&
                (!hit.name || !hit.source || strcmp(hit.source, "fuzz")))
                abort();
        }
        if (total > taken[round])
            abort();
        canh_hashset_destroy(hs);
    }
    if (seen != rejected[0] || taken[0] != taken[1] || rejected[0] != rejected[1] ||
        memcmp(count[0], count[1], sizeof count[0]))
        abort();
    return 0;
}
