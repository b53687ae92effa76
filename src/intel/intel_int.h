/* intel_int.h - internals of the intel module, shared by its files, its unit
 * tests and bench/bench_intel.c. Not a public interface: nothing outside
 * src/intel, tests/unit/intel and bench/ includes it.
 *
 * The snapshot (struct canh_intel_snap) holds copies of the indicators and
 * three kinds of lookup structure over them:
 *   - IP prefixes: one compressed multibit trie per family (intel_lpm_t)
 *     whose leaves name the longest covering prefix, each prefix linked to
 *     its next-shorter covering prefix (parent), so that all covering
 *     prefixes are a walk up the links;
 *   - domains and URLs: open-addressing tables of normalised names
 *     (intel_strtab_t); a domain lookup probes the name and each parent;
 *   - hashes: ordered open-addressing tables of binary digest prefixes
 *     (intel_hashset_t). */
#ifndef CANH_INTEL_INT_H
#define CANH_INTEL_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "canh/error.h"
#include "canh/intel.h"
#include "canh/str.h"

/* Limits (kept here until they move to include/canh/limits.h). */
/* Longest indicator value canh_ioc_normalize accepts (a long URL). */
#define CANH_INTEL_MAX_VALUE 4096u
/* Most indicators one snapshot holds: a trie leaf carries an indicator
 * index or prefix node id in 29 bits. */
#define CANH_INTEL_MAX_INDICATORS (1u << 29)
/* Most bytes of indicator strings (values, sources, extra JSON) one
 * snapshot holds: string offsets are uint32 while it is built. */
#define CANH_INTEL_MAX_STRINGS (UINT32_MAX - 1u)

/* ---- values --------------------------------------------------------------- */

/* A parsed IP address or prefix; host bits are zero. IPv4 uses addr[0..4). */
typedef struct intel_ip {
    uint8_t addr[16];
    uint8_t len; /* prefix length: 0-32 or 0-128 */
    bool v6;
} intel_ip_t;

/* Parses "addr" or "addr/len" (no spaces, no defanging). IPv4 is a strict
 * dotted quad (no leading zeros); IPv6 goes through inet_pton, a "%zone"
 * suffix is dropped. Host bits are cleared. An IPv4-mapped IPv6 address or
 * prefix (::ffff:a.b.c.d, length >= 96) becomes the IPv4 one. allow_cidr
 * false refuses a "/len". Returns CANH_OK, or CANH_EINVAL with the reason
 * in eb (which may be NULL). */
int intel_ip_parse(canh_str_t s, bool allow_cidr, intel_ip_t *out, canh_errbuf_t *eb);
/* Writes the canonical text of ip (the bare address for a full-length
 * prefix) plus a NUL into out (at least INTEL_IP_TEXT bytes); returns the
 * length. */
#define INTEL_IP_TEXT 64
size_t intel_ip_format(const intel_ip_t *ip, char *out);

/* Decodes 2*n hex digits (either case) from s into out[0..n). */
bool intel_hex_decode(const char *s, size_t n, uint8_t *out);
/* The hash type of a hex digest of length n (32/40/64), else NONE. */
canh_ioc_type_t intel_hash_type(size_t n);
/* Digest bytes for a hash type (16/20/32), 0 for other types. */
size_t intel_digest_len(canh_ioc_type_t t);

/* The host of an already split URL: writes into *host the slice of url
 * between "scheme://" (and any userinfo@) and the port, path, query or
 * fragment; IPv6 literals lose their brackets. false if there is none. */
bool intel_url_host(canh_str_t url, canh_str_t *host);

/* count * size zeroed bytes from canh_malloc (free with canh_free), backed
 * by huge pages where the kernel offers them when large: for the tables
 * that lookups read at random. NULL on overflow or failure. */
void *intel_table_alloc(size_t count, size_t size);

/* ---- IP prefixes: the compressed multibit trie ----------------------------
 *
 * The first `stride` bits (16 or 24) of an address index a direct table;
 * each further byte is resolved by a node covering 256 values, stored
 * compressed as runs of equal entries. An entry is 0 (no prefix covers the
 * address), a leaf (bit 31 clear: the longest covering prefix, see
 * INTEL_LEAF_DIRECT), or INTEL_LPM_CHILD | the word offset of a child node
 * in the pool. A node is one of
 *   SMALL  (<= INTEL_LPM_SMALL runs): header (byte 0 = 1, byte 1 = runs-1),
 *          the start byte of runs 1.. packed four to a word, one entry per run;
 *   BITMAP (more runs): header (byte 0 = 0, bytes 1-3 = runs starting in the
 *          64-value blocks before blocks 1, 2 and 3), a 256-bit map of run
 *          starts (four 64-bit words), one entry per run;
 *   SKIP   (path compression, where all prefixes below share the next bytes
 *          and none ends among them): header (byte 0 = 2, byte 1 = n), n
 *          address bytes packed four to a word, the entry if the address has
 *          those bytes, the entry if not (the covering prefix).
 * A lookup is one table read, then one node per further byte, or per run of
 * shared bytes, until a leaf: at most one node for IPv4 with a 24-bit
 * stride; for sparse IPv6 prefixes a few nodes, not one per byte. */

#define INTEL_LPM_CHILD 0x80000000u
#define INTEL_LPM_SMALL 16u
/* A leaf is INTEL_LEAF_DIRECT | the indicator index when the prefix has one
 * indicator (most do: no further read to report it), plus INTEL_LEAF_TOP
 * when no other prefix covers it (no read to learn that there is no
 * parent); else the prefix node id + 1. Parent links use the same
 * encoding. */
#define INTEL_LEAF_DIRECT 0x40000000u
#define INTEL_LEAF_TOP 0x20000000u
#define INTEL_LEAF_MASK 0x1fffffffu

typedef struct intel_lpm {
    uint32_t *root;   /* 2^stride entries; NULL when the family has no prefix */
    void *root_mem;   /* allocation holding root (root is aligned inside it) */
    size_t root_size; /* bytes of root_mem */
    uint32_t *pool;   /* nodes */
    size_t pool_len;  /* words used */
    size_t pool_cap;  /* words allocated */
    unsigned stride;  /* bits resolved by the root table: 16 or 24 */
    unsigned width;   /* address bytes: 4 or 16 */
} intel_lpm_t;

/* One distinct prefix for intel_lpm_build. */
typedef struct intel_prefix {
    uint8_t key[16]; /* masked address */
    uint8_t len;
    uint32_t leaf; /* the entry for addresses it is the longest match of */
} intel_prefix_t;

/* Builds t from p[0..n), which must be distinct, masked and sorted by (key,
 * len) ascending (a covering prefix before those it covers). width 4 or 16,
 * stride 16 or 24 (< 8 * width). On failure t is left empty. */
int intel_lpm_build(intel_lpm_t *t, const intel_prefix_t *p, size_t n, unsigned width,
                    unsigned stride);
void intel_lpm_fini(intel_lpm_t *t);
size_t intel_lpm_memory(const intel_lpm_t *t);

#define INTEL_LPM_SKIP 2u

/* Follows child entry e from byte d of key down to a leaf (intel_lpm.c;
 * out of line, so that the common one-read lookup stays small). */
uint32_t intel_lpm_walk(const intel_lpm_t *t, const uint8_t *key, uint32_t e, unsigned d);

/* Longest match: the leaf of the longest prefix covering key (width
 * bytes), or 0. */
__attribute__((always_inline)) static inline uint32_t intel_lpm_lookup(const intel_lpm_t *t,
                                                                       const uint8_t *key)
{
    if (!t->root)
        return 0;
    uint32_t e;
    unsigned d;
    if (t->stride == 24) {
        e = t->root[(uint32_t)key[0] << 16 | (uint32_t)key[1] << 8 | key[2]];
        d = 3;
    } else {
        e = t->root[(uint32_t)key[0] << 8 | key[1]];
        d = 2;
    }
    if (e & INTEL_LPM_CHILD)
        e = intel_lpm_walk(t, key, e, d);
    return e;
}

/* ---- names: domains and URLs ----------------------------------------------
 *
 * An open-addressing table (linear probing, load <= 1/2) of distinct
 * normalised names. A slot holds (32-bit tag << 32) | (record offset + 1).
 * A record (uint32 words) is self-contained, so a probe that hits reads the
 * slot and one record: word 0 is the indicator index when there is one
 * indicator with this name, else the offset of their indices in the
 * snapshot's members; word 1 the number of indicators; word 2 the name's
 * length; then the name's bytes. */
typedef struct intel_strtab {
    uint64_t *slots;
    uint32_t mask; /* slots - 1 */
    uint32_t ngroups;
    uint32_t *rec;
    size_t rec_len; /* words */
} intel_strtab_t;

/* Names hash with FNV-1a taken from the last byte to the first, so that
 * one pass over a name yields the hash of every suffix; intel_hash_final
 * mixes it before it picks a slot. */
#define INTEL_FNV_OFFSET 0xcbf29ce484222325ull
#define INTEL_FNV_PRIME 0x100000001b3ull
static inline uint64_t intel_hash_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * INTEL_FNV_PRIME;
}
static inline uint64_t intel_hash_final(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}
/* The (unmixed) hash of s[0..n). */
uint64_t intel_hash_str(const char *s, size_t n);

/* Builds t over the snapshot's indicators of the given type (URL or
 * DOMAIN), writing their indices to s->members from *pos on; *pos advances. */
int intel_strtab_build(canh_intel_snap_t *s, intel_strtab_t *t, canh_ioc_type_t type, size_t *pos);
void intel_strtab_fini(intel_strtab_t *t);
size_t intel_strtab_memory(const intel_strtab_t *t);
/* Starts loading the slot a probe with hash h reads first: a name's
 * suffixes are probed one after another, and their misses can overlap. */
static inline void intel_strtab_prefetch(const intel_strtab_t *t, uint64_t h)
{
    if (t->slots)
        __builtin_prefetch(&t->slots[intel_hash_final(h) & t->mask]);
}
/* The record whose name is key[0..n) (h = intel_hash_str(key, n)), or NULL. */
const uint32_t *intel_strtab_find(const intel_strtab_t *t, uint64_t h, const char *key, size_t n);

/* ---- hashes ----------------------------------------------------------------
 *
 * An ordered open-addressing table: digests sorted (ties by indicator
 * index), each placed at its home slot, home(d) = (first 32 bits of d *
 * home_n) >> 32 with home_n = 5/4 of the digests, or right after the
 * previous digest when that slot is taken. A probe reads from the home slot
 * on, usually within one cache line, and stops at an empty slot or a larger
 * digest. A slot keeps the first 12 bytes of the digest and the indicator
 * index: 16 bytes, 20 per digest; a match on those 12 bytes is confirmed
 * against the indicator's value. */
typedef struct intel_hslot {
    uint64_t hi;  /* digest bytes 0-7, big-endian: integer order is digest order */
    uint32_t lo;  /* digest bytes 8-11, big-endian */
    uint32_t idx; /* indicator index; UINT32_MAX = empty */
} intel_hslot_t;

typedef struct intel_hashset {
    intel_hslot_t *slot;
    size_t len;      /* slots: home_n plus the overflow past the last home */
    uint32_t home_n; /* 0 = empty set */
    uint32_t n;      /* digests */
    unsigned dlen;   /* 16, 20 or 32 */
} intel_hashset_t;

int intel_hashset_build(intel_hashset_t *hs, const canh_intel_snap_t *s, canh_ioc_type_t type);
void intel_hashset_fini(intel_hashset_t *hs);
size_t intel_hashset_memory(const intel_hashset_t *hs);
/* Writes the indices of digest d's indicators to ids[k..max) and returns k
 * plus their number. */
size_t intel_hashset_match(const canh_intel_snap_t *s, const intel_hashset_t *hs, const uint8_t *d,
                           uint32_t *ids, size_t max, size_t k);

/* ---- the snapshot ---------------------------------------------------------- */

/* A distinct prefix: its indicators (m is the indicator index when count is
 * 1, else an offset into members) and the next-shorter prefix covering it. */
typedef struct intel_pnode {
    uint32_t m;
    uint32_t count;
    uint32_t parent; /* the parent's leaf value, 0 = none */
} intel_pnode_t;

struct canh_intel_snap {
    /* References held by canh_intel_t and its readers (intel_swap.c). */
    _Atomic size_t refs;

    canh_indicator_t *ind;
    size_t count;
    char *strings; /* every string of ind, in one allocation */
    size_t strings_size;
    uint32_t *members; /* indices of the indicators sharing a prefix or name */
    size_t nmembers;

    /* Prefix nodes: IPv4 ids [0, n4), IPv6 ids [n4, npn). */
    uint32_t npn, n4;
    intel_pnode_t *pn;
    uint8_t *pn_len; /* prefix length of each node */
    /* By indicator index, for IP indicators alone on their prefix (direct
     * leaves): the parent link and the prefix length. */
    uint32_t *ip_parent;
    uint8_t *ip_len;
    intel_lpm_t v4, v6;

    intel_strtab_t dom, url;
    intel_hashset_t hs[3]; /* md5, sha1, sha256 */

    size_t expired, malformed;
};

/* canh_intel_snap_build with the IPv4 root stride chosen by the caller (16
 * or 24; 0 = by table size). Used by the benchmark and tests to compare. */
int intel_snap_build(const canh_indicator_t *ind, size_t n, int64_t now, unsigned v4_stride,
                     canh_intel_snap_t **out, canh_errbuf_t *eb);

/* Bytes by part, for the benchmark. */
typedef struct intel_snap_stats {
    size_t indicators; /* the indicator array */
    size_t strings;    /* their strings */
    size_t v4_root, v4_nodes, v6_root, v6_nodes;
    size_t prefix_nodes; /* parent/len/member offsets of prefix nodes */
    size_t members;
    size_t names;  /* domain + URL tables */
    size_t hashes; /* the hash sets */
    uint32_t v4_prefixes, v6_prefixes;
    unsigned v4_stride;
} intel_snap_stats_t;
void intel_snap_stats(const canh_intel_snap_t *s, intel_snap_stats_t *st);

#endif
