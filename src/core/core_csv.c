/* core_csv.c - RFC 4180 CSV reader and whole-file reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/buf.h"
#include "canh/csv.h"
#include "canh/limits.h"
#include "canh/mem.h"

struct canh_csv {
    canh_str_t d;
    size_t off;
    uint64_t line;        /* line of d[off] */
    char delim;
    bool one_line_quotes; /* after an unterminated quote */
    canh_buf_t rec;       /* unescaped bytes of the record's fields */
    size_t *fo, *fl;      /* field offsets and lengths in rec */
    canh_str_t *fields;
    size_t nf, capf;
    bool too_many;
    char bad[64];
};

/* Position just past the end of the line holding d[pos]. */
static size_t after_line(canh_str_t d, size_t pos)
{
    const char *nl = pos < d.n ? memchr(d.p + pos, '\n', d.n - pos) : NULL;
    return nl ? (size_t)(nl - d.p) + 1 : d.n;
}

char canh_csv_detect_delim(canh_str_t line)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool inq = false;
    for (size_t i = 0; i < line.n && line.p[i] != '\n'; i++) {
        char ch = line.p[i];
        if (ch == '"')
            inq = !inq;
        else if (!inq)
            comma += ch == ',', semi += ch == ';', tab += ch == '\t';
    }
    if (comma >= semi && comma >= tab)
        return ',';
    return semi >= tab ? ';' : '\t';
}

int canh_csv_open(const char *data, size_t n, char delim, uint64_t first_line, canh_csv_t **out)
{
    canh_csv_t *c = canh_calloc(1, sizeof *c);
    if (!c)
        return CANH_ENOMEM;
    c->d = canh_str(data, n);
    c->line = first_line;
    canh_buf_init(&c->rec, CANH_MAX_RECORD);
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->off = 3;
    c->delim = delim;
    if (!delim) {
        canh_str_t rest = canh_str_sub(c->d, c->off, n);
        if (canh_str_starts(rest, "sep=") && rest.n >= 5 && rest.p[4] != '\n' &&
            rest.p[4] != '\r') {
            c->delim = rest.p[4];
            c->off = after_line(c->d, c->off);
            c->line++;
        } else {
            c->delim = ',';
            for (size_t pos = c->off; pos < n;) {
                size_t next = after_line(c->d, pos);
                canh_str_t l = canh_str_trim(canh_str(data + pos, next - pos));
                if (l.n && l.p[0] != '#') {
                    c->delim = canh_csv_detect_delim(l);
                    break;
                }
                pos = next;
            }
        }
    }
    *out = c;
    return CANH_OK;
}

void canh_csv_close(canh_csv_t *c)
{
    if (!c)
        return;
    canh_buf_fini(&c->rec);
    canh_free(c->fo);
    canh_free(c->fl);
    canh_free(c->fields);
    canh_free(c);
}

char canh_csv_delim(const canh_csv_t *c)
{
    return c->delim;
}

void canh_csv_set_delim(canh_csv_t *c, char delim)
{
    c->delim = delim;
}

const char *canh_csv_bad(const canh_csv_t *c)
{
    return c->bad;
}

size_t canh_csv_tell(const canh_csv_t *c, uint64_t *line)
{
    if (line)
        *line = c->line;
    return c->off;
}

void canh_csv_seek(canh_csv_t *c, size_t off, uint64_t line)
{
    c->off = off < c->d.n ? off : c->d.n;
    c->line = line;
}

static int push_field(canh_csv_t *c, size_t start)
{
    if (c->nf >= CANH_CSV_MAX_FIELDS) {
        c->too_many = true;
        return CANH_OK;
    }
    if (c->nf == c->capf) {
        size_t cap = c->capf ? c->capf * 2 : 16;
        size_t *fo = canh_reallocarray(c->fo, cap, sizeof *fo);
        if (!fo)
            return CANH_ENOMEM;
        c->fo = fo;
        size_t *fl = canh_reallocarray(c->fl, cap, sizeof *fl);
        if (!fl)
            return CANH_ENOMEM;
        c->fl = fl;
        canh_str_t *fields = canh_reallocarray(c->fields, cap, sizeof *fields);
        if (!fields)
            return CANH_ENOMEM;
        c->fields = fields;
        c->capf = cap;
    }
    c->fo[c->nf] = start;
    c->fl[c->nf] = c->rec.len - start;
    c->nf++;
    return CANH_OK;
}

canh_csv_kind_t canh_csv_read(canh_csv_t *c, const canh_str_t **fields, size_t *n,
                              uint64_t *start, int *err)
{
    canh_str_t d = c->d;
    size_t rec_off = c->off;
    int rc;

    *err = CANH_OK;
    *n = 0;
    c->nf = 0;
    c->too_many = false;
    c->bad[0] = '\0';
    canh_buf_reset(&c->rec);
    if (c->off >= d.n)
        return CANH_CSV_EOF;
    *start = c->line;
    if (d.p[c->off] == '#') {
        c->off = after_line(d, c->off);
        c->line++;
        return CANH_CSV_COMMENT;
    }
    for (;;) {
        size_t fstart = c->rec.len;
        if (c->off < d.n && d.p[c->off] == '"') {
            c->off++;
            for (;;) {
                const char *q = memchr(d.p + c->off, '"', d.n - c->off);
                size_t end = q ? (size_t)(q - d.p) : d.n;
                const char *nl = memchr(d.p + c->off, '\n', end - c->off);
                if (nl && c->one_line_quotes) {
                    q = NULL;
                    end = (size_t)(nl - d.p);
                }
                if ((rc = canh_buf_append(&c->rec, d.p + c->off, end - c->off)) != CANH_OK)
                    goto too_long;
                for (const char *p = d.p + c->off; p && p < d.p + end;) {
                    p = memchr(p, '\n', (size_t)(d.p + end - p));
                    if (p) {
                        c->line++;
                        p++;
                    }
                }
                if (!q) {
                    snprintf(c->bad, sizeof c->bad, "unterminated quoted field");
                    c->off = after_line(d, rec_off);
                    c->line = *start + 1;
                    c->one_line_quotes = true;
                    return CANH_CSV_BAD;
                }
                c->off = end + 1;
                if (c->off < d.n && d.p[c->off] == '"') {
                    if ((rc = canh_buf_putc(&c->rec, '"')) != CANH_OK)
                        goto too_long;
                    c->off++;
                    continue;
                }
                break;
            }
        }
        /* unquoted text, or text after a closing quote (kept, as Excel does) */
        size_t s = c->off;
        while (c->off < d.n && d.p[c->off] != c->delim && d.p[c->off] != '\n')
            c->off++;
        size_t e = c->off;
        if (e > s && d.p[e - 1] == '\r' && (e == d.n || d.p[e] == '\n'))
            e--;
        if ((rc = canh_buf_append(&c->rec, d.p + s, e - s)) != CANH_OK)
            goto too_long;
        if ((rc = push_field(c, fstart)) != CANH_OK) {
            *err = rc;
            return CANH_CSV_EOF;
        }
        if (c->off >= d.n)
            break;
        if (d.p[c->off] == c->delim) {
            c->off++;
            continue;
        }
        c->off++; /* '\n' */
        c->line++;
        break;
    }
    if (c->too_many) {
        snprintf(c->bad, sizeof c->bad, "more than %u fields", CANH_CSV_MAX_FIELDS - 1);
        return CANH_CSV_BAD;
    }
    bool blank = true;
    for (size_t i = 0; i < c->nf; i++) {
        c->fields[i] = canh_str(c->rec.data ? c->rec.data + c->fo[i] : "", c->fl[i]);
        blank = blank && canh_str_trim(c->fields[i]).n == 0;
    }
    *fields = c->fields;
    *n = c->nf;
    /* an empty line, or one of delimiters only (",,,," from a spreadsheet) */
    return blank ? CANH_CSV_BLANK : CANH_CSV_ROW;

too_long:
    /* resume on the line after the one where the record grew too long */
    if (rc == CANH_ENOMEM) {
        *err = rc;
        return CANH_CSV_EOF;
    }
    snprintf(c->bad, sizeof c->bad, "record longer than %u bytes", CANH_MAX_RECORD);
    {
        size_t next = after_line(d, c->off);
        for (const char *p = d.p + c->off; p < d.p + next;) {
            p = memchr(p, '\n', (size_t)(d.p + next - p));
            if (!p)
                break;
            c->line++;
            p++;
        }
        c->off = next;
    }
    c->one_line_quotes = true;
    return CANH_CSV_BAD;
}

int canh_csv_next(canh_csv_t *c, const canh_str_t **fields, size_t *n, uint64_t *line)
{
    for (;;) {
        int err;
        switch (canh_csv_read(c, fields, n, line, &err)) {
        case CANH_CSV_ROW: return CANH_OK;
        case CANH_CSV_BAD: return CANH_EINVAL;
        case CANH_CSV_EOF: return err ? err : CANH_EOF;
        default: continue; /* blank, comment */
        }
    }
}

int canh_file_read(const char *path, size_t max, char **out, size_t *n, canh_errbuf_t *eb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return canh_errf(eb, errno == ENOENT ? CANH_ENOENT : CANH_EIO, "%s: %s", path,
                         strerror(errno));
    struct stat st;
    int rc = CANH_OK;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = canh_errf(eb, CANH_EIO, "%s: is a directory", path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                rc = canh_errf(eb, CANH_ELIMIT, "%s: larger than %zu bytes", path, max);
                goto out;
            }
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > max)
                ncap = max;
            char *nb = canh_realloc(buf, ncap + 1);
            if (!nb) {
                rc = CANH_ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = canh_errf(eb, CANH_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
out:
    close(fd);
    if (rc) {
        canh_free(buf);
        return rc;
    }
    if (!buf && !(buf = canh_malloc(1)))
        return CANH_ENOMEM;
    buf[len] = '\0';
    *out = buf;
    *n = len;
    return CANH_OK;
}
