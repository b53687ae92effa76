/* core_csv.c - RFC 4180 CSV reader and whole-file reading. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/csv.h"
#include "canh/mem.h"

struct canh_csv {
    const char *p;
    size_t n, off;
    char delim;
    uint64_t line; /* line number at off */
    char *scratch; /* unescaped quoted fields of the current row */
    size_t scap;
    bool broken;
};

static char detect_delim(const char *p, size_t n)
{
    size_t counts[3] = {0, 0, 0};
    bool q = false;
    for (size_t i = 0; i < n && p[i] != '\n'; i++) {
        if (p[i] == '"')
            q = !q;
        else if (!q && p[i] == ',')
            counts[0]++;
        else if (!q && p[i] == ';')
            counts[1]++;
        else if (!q && p[i] == '\t')
            counts[2]++;
    }
    if (counts[2] > counts[0] && counts[2] >= counts[1])
        return '\t';
    if (counts[1] > counts[0])
        return ';';
    return ',';
}

int canh_csv_open(const char *data, size_t n, char delim, canh_csv_t **out)
{
    canh_csv_t *c = canh_calloc(1, sizeof *c);
    if (!c)
        return CANH_ENOMEM;
    c->p = data;
    c->n = n;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->off = 3;
    c->delim = delim ? delim : detect_delim(data + c->off, n - c->off);
    c->line = 1;
    *out = c;
    return CANH_OK;
}

void canh_csv_close(canh_csv_t *c)
{
    if (!c)
        return;
    canh_free(c->scratch);
    canh_free(c);
}

char canh_csv_delim(const canh_csv_t *c)
{
    return c->delim;
}

int canh_csv_next(canh_csv_t *c, canh_str_t *fields, size_t *nfields, uint64_t *line)
{
    for (;;) {
        if (c->broken || c->off >= c->n)
            return CANH_EOF;
        /* The scratch buffer must hold every unescaped field of a row: at
         * most the rest of the input. Grow it once to that size. */
        size_t rest = c->n - c->off;
        if (c->scap < rest + 1) {
            char *s = canh_realloc(c->scratch, rest + 1);
            if (!s)
                return CANH_ENOMEM;
            c->scratch = s;
            c->scap = rest + 1;
        }
        size_t sn = 0, nf = 0;
        uint64_t start_line = c->line;
        bool too_many = false, row_done = false;
        while (!row_done) {
            canh_str_t f;
            if (c->off < c->n && c->p[c->off] == '"') {
                /* quoted field */
                size_t i = c->off + 1, s0 = sn;
                bool closed = false;
                while (i < c->n) {
                    char ch = c->p[i];
                    if (ch == '"') {
                        if (i + 1 < c->n && c->p[i + 1] == '"') {
                            c->scratch[sn++] = '"';
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i++;
                        break;
                    }
                    if (ch == '\n')
                        c->line++;
                    c->scratch[sn++] = ch;
                    i++;
                }
                if (!closed) {
                    c->broken = true;
                    *line = start_line;
                    return CANH_EINVAL;
                }
                f = canh_str(c->scratch + s0, sn - s0);
                /* Anything between the closing quote and the delimiter is
                 * kept (lenient, like most spreadsheet exports). */
                while (i < c->n && c->p[i] != c->delim && c->p[i] != '\n' && c->p[i] != '\r')
                    i++;
                c->off = i;
            } else {
                size_t i = c->off;
                while (i < c->n && c->p[i] != c->delim && c->p[i] != '\n')
                    i++;
                f = canh_str(c->p + c->off, i - c->off);
                if (f.n && f.p[f.n - 1] == '\r' && (i >= c->n || c->p[i] == '\n'))
                    f.n--;
                c->off = i;
            }
            if (nf < CANH_CSV_MAX_FIELDS)
                fields[nf++] = f;
            else
                too_many = true;
            if (c->off < c->n && c->p[c->off] == c->delim) {
                c->off++;
                continue;
            }
            if (c->off < c->n && c->p[c->off] == '\r')
                c->off++;
            if (c->off < c->n && c->p[c->off] == '\n') {
                c->off++;
                c->line++;
            }
            row_done = true;
        }
        if (nf == 1 && fields[0].n == 0)
            continue; /* blank line */
        *line = start_line;
        if (too_many)
            return CANH_EINVAL;
        *nfields = nf;
        return CANH_OK;
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
