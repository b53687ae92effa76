/* agent_spool.c - the agent's on-disk spool of sealed batches (canh/agent.h).
 *
 * Segment entry: u32 magic "CNB1", u32 payload length, u32 CRC-32 of the
 * payload, payload (a BATCH payload: epoch, seq, n, records). All
 * big-endian. Batches are appended in seq order; seq never goes down within
 * a spool. The in-memory index holds every sealed batch not yet popped: the
 * front is popped once acknowledged, so acknowledgements arriving out of
 * order only leave holes until the front catches up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "canh/agent.h"
#include "canh/mem.h"

#define MAGIC 0x434e4231u /* "CNB1" */
#define ENTRY_HDR 12
#define MAX_ENTRY (64u << 20) /* larger lengths are damage, not batches */
#define MAX_SEGMENTS 65536

typedef struct seg {
    uint64_t first_seq;
    uint64_t size;
    uint32_t unacked;
} seg_t;

typedef struct ent {
    uint64_t epoch, seq;
    uint64_t seg_first; /* the segment holding it (by first seq) */
    uint64_t off;       /* of the entry header in the segment */
    uint32_t len;       /* payload bytes */
    uint32_t records;
    bool acked;
} ent_t;

struct canh_spool {
    char *dir;
    canh_spool_opts_t o;
    seg_t *segs;
    size_t nsegs, capsegs;
    ent_t *ents;
    size_t head, nents, capents; /* live entries are ents[head .. nents) */
    int wfd;                     /* current write segment, or -1 */
    uint64_t wfirst;             /* its first seq */
    int rfd;                     /* cached read segment, or -1 */
    uint64_t rfirst;
    uint64_t bytes, next_seq, acked_mark, epoch;
    uint64_t ckpt; /* collectors checkpointed after every batch up to this seq */
    uint64_t sealed, acked, truncated, records;
};

void canh_spool_opts_default(canh_spool_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_size = 256ull << 20;
    o->segment_size = 8ull << 20;
    o->fsync = true;
}

static void be32(uint8_t *d, uint32_t v)
{
    d[0] = (uint8_t)(v >> 24);
    d[1] = (uint8_t)(v >> 16);
    d[2] = (uint8_t)(v >> 8);
    d[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static uint64_t rd64(const uint8_t *d)
{
    return (uint64_t)rd32(d) << 32 | rd32(d + 4);
}

static uint32_t crc(const void *p, size_t n)
{
    uLong c = crc32(0L, Z_NULL, 0);
    const Bytef *b = p;
    while (n) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, b, k);
        b += k;
        n -= k;
    }
    return (uint32_t)c;
}

static uint64_t random_epoch(void)
{
    uint64_t e = 0;
    while (e == 0) {
        if (getrandom(&e, sizeof e, 0) != (ssize_t)sizeof e) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            e = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                (uint64_t)getpid() << 32;
        }
        e &= INT64_MAX; /* kept as a SQLite integer on the manager: stay positive */
    }
    return e;
}

static void seg_path(const canh_spool_t *sp, uint64_t first, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%016" PRIx64 ".seg", sp->dir, first);
}

static int sync_dir(const canh_spool_t *sp)
{
    if (!sp->o.fsync)
        return 0;
    int fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static seg_t *find_seg(canh_spool_t *sp, uint64_t first)
{
    size_t lo = 0, hi = sp->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->segs[mid].first_seq < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sp->nsegs && sp->segs[lo].first_seq == first ? &sp->segs[lo] : NULL;
}

/* Index of the first live entry with seq >= seq. */
static size_t lower_bound(const canh_spool_t *sp, uint64_t seq)
{
    size_t lo = sp->head, hi = sp->nents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->ents[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int push_seg(canh_spool_t *sp, uint64_t first, uint64_t size)
{
    if (sp->nsegs == sp->capsegs) {
        size_t nc = sp->capsegs ? sp->capsegs * 2 : 16;
        if (nc > MAX_SEGMENTS)
            return CANH_ELIMIT;
        seg_t *v = canh_reallocarray(sp->segs, nc, sizeof *v);
        if (!v)
            return CANH_ENOMEM;
        sp->segs = v;
        sp->capsegs = nc;
    }
    sp->segs[sp->nsegs++] = (seg_t){first, size, 0};
    return CANH_OK;
}

static int push_ent(canh_spool_t *sp, const ent_t *e)
{
    if (sp->nents == sp->capents) {
        if (sp->head > 0 && sp->head >= sp->nents / 2) {
            memmove(sp->ents, sp->ents + sp->head, (sp->nents - sp->head) * sizeof *sp->ents);
            sp->nents -= sp->head;
            sp->head = 0;
        } else {
            size_t nc = sp->capents ? sp->capents * 2 : 64;
            ent_t *v = canh_reallocarray(sp->ents, nc, sizeof *v);
            if (!v)
                return CANH_ENOMEM;
            sp->ents = v;
            sp->capents = nc;
        }
    }
    sp->ents[sp->nents++] = *e;
    return CANH_OK;
}

/* Closes and deletes a segment file and forgets it. */
static void drop_seg(canh_spool_t *sp, seg_t *g)
{
    char path[4200];
    seg_path(sp, g->first_seq, path, sizeof path);
    if (sp->wfd >= 0 && sp->wfirst == g->first_seq) {
        close(sp->wfd);
        sp->wfd = -1;
    }
    if (sp->rfd >= 0 && sp->rfirst == g->first_seq) {
        close(sp->rfd);
        sp->rfd = -1;
    }
    unlink(path);
    sp->bytes -= g->size;
    size_t i = (size_t)(g - sp->segs);
    memmove(sp->segs + i, sp->segs + i + 1, (sp->nsegs - i - 1) * sizeof *sp->segs);
    sp->nsegs--;
}

/* The watermark file: "acked N\nnext N\nckpt N\n", replaced atomically.
 * Not fsynced: losing it only means acknowledged batches are sent again,
 * which the manager recognises, or sealed batches are taken for not yet
 * checkpointed, which the agent's replay filter handles. */
static int save_state(canh_spool_t *sp, canh_errbuf_t *eb)
{
    char path[4200], tmp[4200], text[128];
    snprintf(path, sizeof path, "%s/state", sp->dir);
    snprintf(tmp, sizeof tmp, "%s/state.tmp", sp->dir);
    int n = snprintf(text, sizeof text, "acked %" PRIu64 "\nnext %" PRIu64 "\nckpt %" PRIu64 "\n",
                     sp->acked_mark, sp->next_seq, sp->ckpt);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", tmp, strerror(errno));
    bool ok = write(fd, text, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(e));
    }
    return CANH_OK;
}

static void load_state(canh_spool_t *sp)
{
    char path[4200], text[128];
    snprintf(path, sizeof path, "%s/state", sp->dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return;
    text[n] = '\0';
    unsigned long long a = 0, nx = 0, ck = 0;
    int k = sscanf(text, "acked %llu\nnext %llu\nckpt %llu", &a, &nx, &ck);
    if (k >= 2 && a <= CANH_AGENT_SEQ_MAX && nx <= CANH_AGENT_SEQ_MAX + 1) {
        sp->acked_mark = a;
        sp->next_seq = nx;
        sp->ckpt = k == 3 ? ck : UINT64_MAX;
    }
}

static bool full_read(int fd, void *p, size_t n, uint64_t off)
{
    uint8_t *d = p;
    while (n) {
        ssize_t r = pread(fd, d, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        d += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return true;
}

static bool full_write(int fd, const void *p, size_t n, uint64_t off)
{
    const uint8_t *d = p;
    while (n) {
        ssize_t r = pwrite(fd, d, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        d += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return true;
}

/* Reads the entries of one segment into the index; a damaged entry ends
 * the segment, which is cut there. */
static int scan_segment(canh_spool_t *sp, uint64_t first, uint64_t *last_seq, canh_errbuf_t *eb)
{
    char path[4200];
    seg_path(sp, first, path, sizeof path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
    }
    uint64_t size = (uint64_t)st.st_size, off = 0;
    int rc = push_seg(sp, first, 0);
    if (rc) {
        close(fd);
        return rc;
    }
    seg_t *g = &sp->segs[sp->nsegs - 1];
    uint8_t *buf = NULL;
    size_t cap = 0;
    while (off < size) {
        uint8_t h[ENTRY_HDR];
        if (size - off < ENTRY_HDR || !full_read(fd, h, ENTRY_HDR, off))
            break;
        uint32_t len = rd32(h + 4);
        if (rd32(h) != MAGIC || len < CANH_AGENT_BATCH_HDR || len > MAX_ENTRY ||
            size - off - ENTRY_HDR < len)
            break;
        if (len > cap) {
            uint8_t *nb = canh_realloc(buf, len);
            if (!nb) {
                rc = CANH_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = len;
        }
        if (!full_read(fd, buf, len, off + ENTRY_HDR) || crc(buf, len) != rd32(h + 8))
            break;
        canh_agent_msg_t m;
        if (canh_agent_msg_parse(CANH_AGENT_BATCH, buf, len, &m) != CANH_OK ||
            m.u.batch.seq <= *last_seq || m.u.batch.seq > CANH_AGENT_SEQ_MAX)
            break;
        *last_seq = m.u.batch.seq;
        if (m.u.batch.seq > sp->acked_mark) {
            ent_t e = {m.u.batch.epoch, m.u.batch.seq, first, off, len, m.u.batch.n, false};
            if ((rc = push_ent(sp, &e)) != CANH_OK)
                goto out;
            g = &sp->segs[sp->nsegs - 1];
            g->unacked++;
            sp->records += m.u.batch.n;
        }
        off += ENTRY_HDR + len;
    }
    if (off < size) {
        /* The tail is damaged (a crash during a write, or worse): keep what
         * is good and cut the rest. */
        if (ftruncate(fd, (off_t)off) != 0 || (sp->o.fsync && fsync(fd) != 0)) {
            rc = canh_errf(eb, CANH_EIO, "%s: cannot truncate damaged tail: %s", path,
                           strerror(errno));
            goto out;
        }
        sp->truncated += size - off;
    }
    g->size = off;
    sp->bytes += off;
out:
    canh_free(buf);
    close(fd);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment names, sorted by first seq. */
static int list_segments(canh_spool_t *sp, uint64_t **out, size_t *n, canh_errbuf_t *eb)
{
    DIR *d = opendir(sp->dir);
    if (!d)
        return canh_errf(eb, CANH_EIO, "%s: %s", sp->dir, strerror(errno));
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = CANH_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (strlen(nm) != 20 || strcmp(nm + 16, ".seg") != 0 ||
            strspn(nm, "0123456789abcdef") != 16)
            continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            if (nc > MAX_SEGMENTS) {
                rc = canh_errf(eb, CANH_ELIMIT, "%s: too many segment files", sp->dir);
                break;
            }
            uint64_t *nv = canh_reallocarray(v, nc, sizeof *v);
            if (!nv) {
                rc = CANH_ENOMEM;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[cnt++] = strtoull(nm, NULL, 16);
    }
    closedir(d);
    if (rc) {
        canh_free(v);
        return rc;
    }
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_u64);
    *out = v;
    *n = cnt;
    return CANH_OK;
}

int canh_spool_open(const canh_spool_opts_t *o, canh_spool_t **out, canh_errbuf_t *eb)
{
    if (!o || !o->dir || !*o->dir)
        return canh_errf(eb, CANH_EINVAL, "spool: no directory");
    if (mkdir(o->dir, 0700) != 0 && errno != EEXIST)
        return canh_errf(eb, CANH_EIO, "%s: cannot create spool directory: %s", o->dir,
                         strerror(errno));
    canh_spool_t *sp = canh_calloc(1, sizeof *sp);
    if (!sp)
        return CANH_ENOMEM;
    sp->o = *o;
    if (!sp->o.max_size)
        sp->o.max_size = 256ull << 20;
    if (!sp->o.segment_size)
        sp->o.segment_size = 8ull << 20;
    sp->wfd = sp->rfd = -1;
    uint64_t *names = NULL;
    size_t nnames = 0;
    int rc = CANH_ENOMEM;
    if (!(sp->dir = canh_strdup(o->dir)))
        goto out;
    sp->o.dir = sp->dir;
    load_state(sp);
    if ((rc = list_segments(sp, &names, &nnames, eb)) != CANH_OK)
        goto out;
    uint64_t last_seq = 0;
    for (size_t i = 0; i < nnames; i++)
        if ((rc = scan_segment(sp, names[i], &last_seq, eb)) != CANH_OK)
            goto out;
    /* Segments with nothing left to deliver go now. */
    for (size_t i = sp->nsegs; i-- > 0;)
        if (sp->segs[i].unacked == 0)
            drop_seg(sp, &sp->segs[i]);
    if (sp->next_seq <= last_seq)
        sp->next_seq = last_seq + 1;
    if (sp->next_seq <= sp->acked_mark)
        sp->next_seq = sp->acked_mark + 1;
    if (sp->next_seq == 0)
        sp->next_seq = 1;
    sp->epoch = random_epoch();
    rc = CANH_OK;
out:
    canh_free(names);
    if (rc) {
        canh_spool_close(sp);
        return rc;
    }
    *out = sp;
    return CANH_OK;
}

void canh_spool_close(canh_spool_t *sp)
{
    if (!sp)
        return;
    if (sp->wfd >= 0)
        close(sp->wfd);
    if (sp->rfd >= 0)
        close(sp->rfd);
    canh_free(sp->segs);
    canh_free(sp->ents);
    canh_free(sp->dir);
    canh_free(sp);
}

void canh_spool_stats(const canh_spool_t *sp, canh_spool_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->bytes = sp->bytes;
    out->segments = sp->nsegs;
    for (size_t i = sp->head; i < sp->nents; i++)
        out->batches += !sp->ents[i].acked;
    out->records = sp->records;
    out->sealed = sp->sealed;
    out->acked = sp->acked;
    out->truncated_bytes = sp->truncated;
    out->next_seq = sp->next_seq;
    out->epoch = sp->epoch;
}

uint64_t canh_spool_epoch(const canh_spool_t *sp)
{
    return sp->epoch;
}

void canh_spool_new_epoch(canh_spool_t *sp)
{
    uint64_t e;
    do
        e = random_epoch();
    while (e == sp->epoch);
    sp->epoch = e;
}

static int open_write_segment(canh_spool_t *sp, canh_errbuf_t *eb)
{
    char path[4200];
    seg_path(sp, sp->next_seq, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
    int rc = push_seg(sp, sp->next_seq, 0);
    if (rc) {
        close(fd);
        unlink(path);
        return rc;
    }
    if (sync_dir(sp) != 0) {
        close(fd);
        unlink(path);
        sp->nsegs--;
        return canh_errf(eb, CANH_EIO, "%s: fsync: %s", sp->dir, strerror(errno));
    }
    sp->wfd = fd;
    sp->wfirst = sp->next_seq;
    return CANH_OK;
}

int canh_spool_seal(canh_spool_t *sp, canh_agent_batch_t *bt, canh_spool_batch_t *out,
                    canh_errbuf_t *eb)
{
    if (bt->n == 0 || bt->buf.len < CANH_AGENT_BATCH_HDR)
        return CANH_EINVAL;
    size_t len = bt->buf.len;
    if (len > MAX_ENTRY)
        return canh_errf(eb, CANH_ELIMIT, "spool: batch of %zu bytes is too large", len);
    if (sp->next_seq > CANH_AGENT_SEQ_MAX)
        return canh_errf(eb, CANH_ELIMIT, "spool: sequence numbers exhausted");
    if (sp->bytes + ENTRY_HDR + len > sp->o.max_size)
        return CANH_EFULL;
    seg_t *g = sp->wfd >= 0 ? find_seg(sp, sp->wfirst) : NULL;
    if (g && g->size >= sp->o.segment_size) {
        close(sp->wfd);
        sp->wfd = -1;
        g = NULL;
    }
    int rc;
    if (!g) {
        if ((rc = open_write_segment(sp, eb)) != CANH_OK)
            return rc;
        g = &sp->segs[sp->nsegs - 1];
    }
    canh_agent_batch_finish(bt, sp->epoch, sp->next_seq);
    uint8_t h[ENTRY_HDR];
    be32(h, MAGIC);
    be32(h + 4, (uint32_t)len);
    be32(h + 8, crc(bt->buf.data, len));
    uint64_t off = g->size;
    if (!full_write(sp->wfd, h, ENTRY_HDR, off) ||
        !full_write(sp->wfd, bt->buf.data, len, off + ENTRY_HDR) ||
        (sp->o.fsync && fdatasync(sp->wfd) != 0)) {
        int e = errno;
        /* Leave no half entry behind: the next seal writes at off again. */
        if (ftruncate(sp->wfd, (off_t)off) != 0) {
            close(sp->wfd);
            sp->wfd = -1;
        }
        return canh_errf(eb, CANH_EIO, "%s/%016" PRIx64 ".seg: %s", sp->dir, g->first_seq,
                         strerror(e));
    }
    ent_t e = {sp->epoch, sp->next_seq, g->first_seq, off, (uint32_t)len, bt->n, false};
    if ((rc = push_ent(sp, &e)) != CANH_OK) {
        if (ftruncate(sp->wfd, (off_t)off) != 0) {
            close(sp->wfd);
            sp->wfd = -1;
        }
        return rc;
    }
    g->size += ENTRY_HDR + len;
    g->unacked++;
    sp->bytes += ENTRY_HDR + len;
    sp->records += bt->n;
    sp->sealed++;
    if (out)
        *out = (canh_spool_batch_t){e.epoch, e.seq, e.records, e.len};
    sp->next_seq++;
    canh_agent_batch_reset(bt);
    return CANH_OK;
}

int canh_spool_next(const canh_spool_t *sp, uint64_t after_seq, canh_spool_batch_t *out)
{
    size_t i = lower_bound(sp, after_seq == UINT64_MAX ? after_seq : after_seq + 1);
    for (; i < sp->nents; i++) {
        const ent_t *e = &sp->ents[i];
        if (!e->acked) {
            *out = (canh_spool_batch_t){e->epoch, e->seq, e->records, e->len};
            return CANH_OK;
        }
    }
    return CANH_ENOENT;
}

int canh_spool_read(canh_spool_t *sp, uint64_t seq, canh_buf_t *b, canh_errbuf_t *eb)
{
    size_t i = lower_bound(sp, seq);
    if (i >= sp->nents || sp->ents[i].seq != seq || sp->ents[i].acked)
        return CANH_ENOENT;
    const ent_t *e = &sp->ents[i];
    char path[4200];
    seg_path(sp, e->seg_first, path, sizeof path);
    if (sp->rfd < 0 || sp->rfirst != e->seg_first) {
        if (sp->rfd >= 0)
            close(sp->rfd);
        sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (sp->rfd < 0)
            return canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
        sp->rfirst = e->seg_first;
    }
    uint8_t h[ENTRY_HDR];
    canh_buf_reset(b);
    int rc = canh_buf_reserve(b, e->len);
    if (rc)
        return rc;
    if (!full_read(sp->rfd, h, ENTRY_HDR, e->off) ||
        !full_read(sp->rfd, b->data, e->len, e->off + ENTRY_HDR))
        return canh_errf(eb, CANH_EIO, "%s: short read at %" PRIu64, path, e->off);
    if (rd32(h) != MAGIC || rd32(h + 4) != e->len || crc(b->data, e->len) != rd32(h + 8) ||
        rd64((const uint8_t *)b->data + 8) != seq)
        return canh_errf(eb, CANH_EIO, "%s: batch %" PRIu64 " is damaged", path, seq);
    b->len = e->len;
    b->data[b->len] = '\0';
    return CANH_OK;
}

/* Marks entry i acknowledged, pops the acknowledged front, deletes empty
 * segments. Returns whether the watermark moved. */
static bool ack_one(canh_spool_t *sp, size_t i)
{
    ent_t *e = &sp->ents[i];
    e->acked = true;
    sp->acked++;
    sp->records -= e->records;
    seg_t *g = find_seg(sp, e->seg_first);
    if (g && g->unacked > 0 && --g->unacked == 0)
        drop_seg(sp, g);
    bool moved = false;
    while (sp->head < sp->nents && sp->ents[sp->head].acked) {
        sp->acked_mark = sp->ents[sp->head].seq;
        sp->head++;
        moved = true;
    }
    if (sp->head == sp->nents)
        sp->head = sp->nents = 0;
    return moved;
}

int canh_spool_ack(canh_spool_t *sp, uint64_t epoch, uint64_t seq, bool *known, canh_errbuf_t *eb)
{
    size_t i = lower_bound(sp, seq);
    bool ok =
        i < sp->nents && sp->ents[i].seq == seq && sp->ents[i].epoch == epoch && !sp->ents[i].acked;
    if (known)
        *known = ok;
    if (!ok)
        return CANH_OK;
    return ack_one(sp, i) ? save_state(sp, eb) : CANH_OK;
}

int canh_spool_ack_upto(canh_spool_t *sp, uint64_t epoch, uint64_t upto, canh_errbuf_t *eb)
{
    bool moved = false;
    for (size_t i = sp->head; i < sp->nents && sp->ents[i].seq <= upto; i++) {
        if (!sp->ents[i].acked && sp->ents[i].epoch == epoch) {
            size_t before = sp->head;
            moved |= ack_one(sp, i);
            /* ack_one may have moved head or emptied the index */
            if (sp->nents == 0)
                break;
            if (sp->head != before && i < sp->head)
                i = sp->head - 1;
        }
    }
    return moved ? save_state(sp, eb) : CANH_OK;
}

size_t canh_spool_unacked_upto(const canh_spool_t *sp, uint64_t upto)
{
    size_t n = 0;
    for (size_t i = sp->head; i < sp->nents && sp->ents[i].seq <= upto; i++)
        n += !sp->ents[i].acked;
    return n;
}

uint64_t canh_spool_acked(const canh_spool_t *sp)
{
    return sp->acked_mark;
}

uint64_t canh_spool_checkpointed(const canh_spool_t *sp)
{
    return sp->ckpt;
}

int canh_spool_set_checkpointed(canh_spool_t *sp, uint64_t seq, canh_errbuf_t *eb)
{
    sp->ckpt = seq;
    return save_state(sp, eb);
}

uint64_t canh_spool_oldest_epoch(const canh_spool_t *sp)
{
    for (size_t i = sp->head; i < sp->nents; i++)
        if (!sp->ents[i].acked)
            return sp->ents[i].epoch;
    return sp->epoch;
}
