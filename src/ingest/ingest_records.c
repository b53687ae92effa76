/* ingest_records.c - record framing over files, pipes and gzip streams. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "canh/ingest.h"
#include "canh/limits.h"
#include "canh/mem.h"

#define READ_CHUNK (256u * 1024u)

struct canh_records {
    int fd;
    bool own_fd;
    bool eof;          /* no more input from the source */
    bool gz;           /* input is gzip */
    z_stream zs;
    unsigned char *zin; /* compressed input buffer */
    uint64_t raw_pos;  /* bytes read from fd */
    uint64_t size;
    char *buf;         /* decompressed bytes */
    size_t cap, start, end; /* unread data is buf[start..end) */
    size_t max;
    uint64_t line;     /* lines consumed so far */
    char *rec;         /* record assembly for multi-line JSON */
    char *cutbuf;      /* holds a cut line while the rest of it is skipped */
    size_t rec_len;
    char path[256];
};

int canh_records_open(const char *path, size_t max_record, canh_records_t **out,
                      canh_errbuf_t *eb)
{
    canh_records_t *r = canh_calloc(1, sizeof *r);
    if (!r)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    snprintf(r->path, sizeof r->path, "%s", path);
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            rc = canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                           strerror(errno));
            goto out;
        }
        r->own_fd = true;
        struct stat st;
        if (fstat(r->fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                rc = canh_errf(eb, CANH_EIO, "%s: is a directory", path);
                goto out;
            }
            if (S_ISREG(st.st_mode))
                r->size = (uint64_t)st.st_size;
        }
    }
    if (max_record == 0 || max_record > CANH_MAX_RECORD)
        max_record = CANH_MAX_RECORD;
    r->max = max_record;
    r->cap = READ_CHUNK + max_record + 1;
    r->buf = canh_malloc(r->cap);
    r->rec = canh_malloc(max_record + 1);
    r->cutbuf = canh_malloc(max_record + 1);
    if (!r->buf || !r->rec || !r->cutbuf) {
        rc = CANH_ENOMEM;
        goto out;
    }
out:
    if (rc) {
        canh_records_close(r);
        return rc;
    }
    *out = r;
    return CANH_OK;
}

void canh_records_close(canh_records_t *r)
{
    if (!r)
        return;
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    if (r->gz)
        inflateEnd(&r->zs);
    canh_free(r->zin);
    canh_free(r->buf);
    canh_free(r->rec);
    canh_free(r->cutbuf);
    canh_free(r);
}

uint64_t canh_records_pos(const canh_records_t *r)
{
    return r->raw_pos;
}

uint64_t canh_records_size(const canh_records_t *r)
{
    return r->size;
}

static ssize_t read_raw(canh_records_t *r, void *dst, size_t n)
{
    ssize_t k;
    do
        k = read(r->fd, dst, n);
    while (k < 0 && errno == EINTR);
    if (k > 0)
        r->raw_pos += (uint64_t)k;
    return k;
}

/* Appends more bytes to buf[end..cap). Returns bytes added, 0 at EOF, -1 on
 * error. The first read decides whether the stream is gzip. */
static ssize_t fill(canh_records_t *r, canh_errbuf_t *eb)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    size_t room = r->cap - 1 - r->end;
    if (room == 0 || r->eof)
        return 0;
    if (r->raw_pos == 0 && !r->gz) {
        ssize_t k = read_raw(r, r->buf + r->end, room);
        if (k < 0)
            goto ioerr;
        if (k == 0) {
            r->eof = true;
            return 0;
        }
        if (k >= 2 && (unsigned char)r->buf[r->end] == 0x1f &&
            (unsigned char)r->buf[r->end + 1] == 0x8b) {
            /* gzip: move what we read into the inflater's input. */
            r->gz = true;
            r->zin = canh_malloc(READ_CHUNK);
            if (!r->zin || inflateInit2(&r->zs, 15 + 32) != Z_OK)
                return canh_errf(eb, CANH_ENOMEM, "%s: cannot start gzip decoder", r->path), -1;
            memcpy(r->zin, r->buf + r->end, (size_t)k);
            r->zs.next_in = r->zin;
            r->zs.avail_in = (uInt)k;
        } else {
            r->end += (size_t)k;
            return k;
        }
    }
    if (!r->gz) {
        ssize_t k = read_raw(r, r->buf + r->end, room);
        if (k < 0)
            goto ioerr;
        if (k == 0)
            r->eof = true;
        r->end += (size_t)k;
        return k;
    }
    size_t before = r->end;
    while (r->end == before) {
        if (r->zs.avail_in == 0) {
            ssize_t k = read_raw(r, r->zin, READ_CHUNK);
            if (k < 0)
                goto ioerr;
            if (k == 0) {
                r->eof = true;
                return 0;
            }
            r->zs.next_in = r->zin;
            r->zs.avail_in = (uInt)k;
        }
        r->zs.next_out = (unsigned char *)r->buf + r->end;
        r->zs.avail_out = (uInt)room;
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        r->end = r->cap - 1 - r->zs.avail_out;
        if (zr == Z_STREAM_END) {
            /* Concatenated gzip members (as logrotate and cat produce). */
            if (inflateReset(&r->zs) != Z_OK)
                r->eof = true;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            canh_errf(eb, CANH_EIO, "%s: corrupt gzip data (%s)", r->path,
                      r->zs.msg ? r->zs.msg : "inflate failed");
            return -1;
        } else if (zr == Z_BUF_ERROR && r->zs.avail_in != 0) {
            break;
        }
    }
    return (ssize_t)(r->end - before);
ioerr:
    canh_errf(eb, CANH_EIO, "%s: %s", r->path, strerror(errno));
    return -1;
}

/* Next physical line into *out (without LF/CR). Lines longer than max are
 * cut; the rest is consumed and *cut set. */
static int next_line(canh_records_t *r, canh_str_t *out, bool *cut, canh_errbuf_t *eb)
{
    *cut = false;
    for (;;) {
        char *s = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(s, '\n', avail < r->max + 1 ? avail : r->max + 1);
        if (nl) {
            size_t n = (size_t)(nl - s);
            r->start += n + 1;
            r->line++;
            if (n && s[n - 1] == '\r')
                n--;
            *out = canh_str(s, n);
            return CANH_OK;
        }
        if (avail > r->max) {
            /* Too long: hand out max bytes, then skip to the next newline. */
            *out = canh_str(s, r->max);
            *cut = true;
            r->start += r->max;
            for (;;) {
                char *q = memchr(r->buf + r->start, '\n', r->end - r->start);
                if (q) {
                    r->start = (size_t)(q - r->buf) + 1;
                    break;
                }
                /* Keep the returned record intact: copy it out first. */
                if (out->p != r->cutbuf) {
                    memcpy(r->cutbuf, out->p, out->n);
                    out->p = r->cutbuf;
                }
                r->start = r->end;
                ssize_t k = fill(r, eb);
                if (k < 0)
                    return CANH_EIO;
                if (k == 0)
                    break;
            }
            r->line++;
            return CANH_OK;
        }
        if (r->eof) {
            if (avail == 0)
                return CANH_EOF;
            r->start = r->end;
            r->line++;
            if (s[avail - 1] == '\r')
                avail--;
            *out = canh_str(s, avail);
            return CANH_OK;
        }
        ssize_t k = fill(r, eb);
        if (k < 0)
            return CANH_EIO;
    }
}

/* Brace depth change of a JSON fragment, string- and escape-aware. *in_str
 * carries string state across lines. */
static long brace_delta(canh_str_t s, bool *in_str)
{
    long d = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (*in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                *in_str = false;
        } else if (c == '"') {
            *in_str = true;
        } else if (c == '{' || c == '[') {
            d++;
        } else if (c == '}' || c == ']') {
            d--;
        }
    }
    return d;
}

int canh_records_next(canh_records_t *r, canh_str_t *rec, uint64_t *line, bool *truncated,
                      canh_errbuf_t *eb)
{
    canh_str_t l;
    bool cut;
    int rc;
    do {
        rc = next_line(r, &l, &cut, eb);
        if (rc)
            return rc;
        /* Blank lines separate records; they are not records. */
    } while (canh_str_trim(l).n == 0 && !cut);
    uint64_t first = r->line;
    canh_str_t t = canh_str_trim(l);
    if (cut || t.p[0] != '{') {
        *rec = l;
        *line = first;
        *truncated = cut;
        return CANH_OK;
    }
    bool in_str = false;
    long depth = brace_delta(l, &in_str);
    if (depth <= 0) {
        *rec = l;
        *line = first;
        *truncated = false;
        return CANH_OK;
    }
    /* A multi-line JSON document: gather lines until the braces balance. */
    memcpy(r->rec, l.p, l.n);
    size_t n = l.n;
    bool over = false;
    while (depth > 0) {
        rc = next_line(r, &l, &cut, eb);
        if (rc == CANH_EOF)
            break;
        if (rc)
            return rc;
        depth += brace_delta(l, &in_str);
        if (n + 1 + l.n > r->max) {
            over = true;
            size_t k = r->max > n ? r->max - n : 0;
            if (k) {
                r->rec[n++] = '\n';
                k--;
                memcpy(r->rec + n, l.p, k < l.n ? k : l.n);
                n += k < l.n ? k : l.n;
            }
            continue;
        }
        r->rec[n++] = '\n';
        memcpy(r->rec + n, l.p, l.n);
        n += l.n;
        over |= cut;
    }
    *rec = canh_str(r->rec, n);
    *line = first;
    *truncated = over;
    return CANH_OK;
}
