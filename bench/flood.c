/* flood.c - a syslog-over-TCP load generator for the listener benchmarks.
 *
 *   flood --tcp HOST:PORT [--senders N] [--count M] [--octet] [--file LINES]
 *         [--seed S]
 *
 * N senders (threads, one connection each) send M lines each, as fast as
 * the receiver accepts them, shut down their sending side and wait until
 * the receiver, having read everything, closes the connection (not with
 * --no-wait). Lines come from --file (cycled) or
 * are generated RFC 3164 sshd and nginx lines with varying addresses, users,
 * ports and paths. Each sender renders its lines once, framed (LF, or RFC
 * 6587 octet counting with --octet), into one large block and writes that
 * block again and again with big send() calls, so the generator costs
 * almost nothing per line and is not the bottleneck.
 *
 * Prints one JSON line: senders, lines and bytes sent, seconds from the
 * start (all connected) until the receiver closed the last connection,
 * lines/s and MB/s. Exit 0, or 2 on a
 * usage or connection error (message on stderr). */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_LINES 16384              /* generated lines per sender block */
#define MAX_FILE (256u * 1024 * 1024) /* --file size limit */
#define MAX_SENDERS 256
#define WAIT_S 600             /* longest wait for the receiver to close after the last line */
#define MAX_LINE 8192          /* longer --file lines are cut */
#define FILE_BLOCK_LINES 65536 /* lines of a long --file one sender cycles through */

typedef struct cfg {
    const char *host, *port;
    unsigned senders;
    uint64_t count;
    bool octet;
    bool no_wait;
    const char *file;
    uint32_t seed;
    char *fdata; /* --file contents */
    size_t *foff, *flen, nfile;
} cfg_t;

typedef struct sender {
    const cfg_t *cfg;
    unsigned id;
    char *block;  /* framed lines */
    size_t *ends; /* ends[i]: bytes of the first i+1 lines in block */
    size_t nlines;
    uint64_t sent_lines, sent_bytes;
    int error;
    pthread_t thr;
} sender_t;

static pthread_barrier_t start_line;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static const char *const users[] = {"root",  "admin",    "oracle", "test", "ubuntu",
                                    "guest", "postgres", "deploy", "git",  "user1"};
static const char *const paths[] = {"/",
                                    "/index.html",
                                    "/login",
                                    "/api/v1/items?id=42",
                                    "/wp-login.php",
                                    "/static/app.js",
                                    "/.env",
                                    "/cgi-bin/luci",
                                    "/search?q=canh",
                                    "/favicon.ico"};
static const int statuses[] = {200, 200, 200, 304, 404, 403, 500, 301};

/* One generated line (no terminator) into out; returns its length. */
static int gen_line(char *out, size_t cap, uint32_t *rng, const char *ts3164, const char *tsclf)
{
    uint32_t r = xorshift(rng);
    unsigned a = 1 + r % 223, b = (r >> 8) % 256, c = (r >> 16) % 256, d = 1 + (r >> 24) % 254;
    uint32_t r2 = xorshift(rng);
    switch (r2 % 4) {
    case 0:
    case 1:
        return snprintf(out, cap,
                        "<38>%s srv%02u sshd[%u]: Failed password for invalid user %s from "
                        "%u.%u.%u.%u port %u ssh2",
                        ts3164, r2 % 50, 1000 + r2 % 60000, users[(r2 >> 8) % 10], a, b, c, d,
                        1024 + (r2 >> 12) % 64000);
    case 2:
        return snprintf(out, cap,
                        "<38>%s srv%02u sshd[%u]: Accepted publickey for %s from %u.%u.%u.%u "
                        "port %u ssh2: ED25519 SHA256:%08x",
                        ts3164, r2 % 50, 1000 + r2 % 60000, users[(r2 >> 8) % 10], a, b, c, d,
                        1024 + (r2 >> 12) % 64000, r);
    default:
        return snprintf(out, cap,
                        "<190>%s web%02u nginx: %u.%u.%u.%u - - [%s] \"GET %s HTTP/1.1\" %d %u "
                        "\"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
                        ts3164, r2 % 8, a, b, c, d, tsclf, paths[(r2 >> 8) % 10],
                        statuses[(r2 >> 16) % 8], 100 + (r2 >> 4) % 50000);
    }
}

/* Appends one framed line to s->block (capacity managed by the caller). */
static size_t frame_line(char *dst, const char *p, size_t n, bool octet)
{
    size_t k = 0;
    if (octet)
        k = (size_t)sprintf(dst, "%zu ", n);
    memcpy(dst + k, p, n);
    k += n;
    if (!octet)
        dst[k++] = '\n';
    return k;
}

static int build_block(sender_t *s)
{
    const cfg_t *c = s->cfg;
    /* A block of POOL_LINES lines at least (a short file is repeated), so
     * each send() is large; at most FILE_BLOCK_LINES lines of a long file. */
    size_t n = POOL_LINES;
    if (c->file && c->nfile > n)
        n = c->nfile < FILE_BLOCK_LINES ? c->nfile : FILE_BLOCK_LINES;
    /* Generated lines are < 400 bytes; file lines are cut at MAX_LINE. */
    size_t cap = 0;
    if (c->file) {
        for (size_t i = 0; i < n; i++) {
            size_t j = (i + (size_t)s->id * 7919) % c->nfile;
            cap += (c->flen[j] < MAX_LINE ? c->flen[j] : MAX_LINE) + 24;
        }
    } else {
        cap = n * 512;
    }
    s->block = malloc(cap);
    s->ends = malloc(n * sizeof *s->ends);
    if (!s->block || !s->ends)
        return -1;
    char ts3164[32], tsclf[40], line[512];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(ts3164, sizeof ts3164, "%b %e %H:%M:%S", &tm);
    strftime(tsclf, sizeof tsclf, "%d/%b/%Y:%H:%M:%S %z", &tm);
    uint32_t rng = c->seed * 2654435761u + s->id * 40503u + 1;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (c->file) {
            /* Each sender starts at its own place in the file. */
            size_t j = (i + (size_t)s->id * 7919) % c->nfile;
            size_t len = c->flen[j] < MAX_LINE ? c->flen[j] : MAX_LINE;
            off += frame_line(s->block + off, c->fdata + c->foff[j], len, c->octet);
        } else {
            int len = gen_line(line, sizeof line, &rng, ts3164, tsclf);
            if (len < 0 || (size_t)len >= sizeof line)
                len = (int)sizeof line - 1;
            off += frame_line(s->block + off, line, (size_t)len, c->octet);
        }
        s->ends[i] = off;
    }
    s->nlines = n;
    return 0;
}

static int connect_to(const cfg_t *c)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai, *p;
    if (getaddrinfo(c->host, c->port, &hints, &ai) != 0)
        return -1;
    int fd = -1;
    for (p = ai; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        int sb = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *sender_main(void *arg)
{
    sender_t *s = arg;
    int fd = connect_to(s->cfg);
    if (fd < 0)
        s->error = errno ? errno : ECONNREFUSED;
    pthread_barrier_wait(&start_line);
    if (fd < 0)
        return NULL;
    uint64_t left = s->cfg->count;
    while (left > 0) {
        size_t k = left < s->nlines ? (size_t)left : s->nlines;
        size_t bytes = s->ends[k - 1];
        if (send_all(fd, s->block, bytes) != 0) {
            s->error = errno;
            break;
        }
        s->sent_lines += k;
        s->sent_bytes += bytes;
        left -= k;
    }
    /* Done writing; the lines count as received when the receiver has read
     * them all and closes its side (Canh's listener and rsyslogd both close
     * on EOF). Anything it sends back is ignored. */
    if (!s->error && !s->cfg->no_wait && shutdown(fd, SHUT_WR) == 0) {
        struct timeval tv = {WAIT_S, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char sink[4096];
        ssize_t r;
        while ((r = recv(fd, sink, sizeof sink, 0)) > 0 || (r < 0 && errno == EINTR))
            ;
        if (r < 0 && errno != ECONNRESET)
            s->error = errno;
    }
    close(fd);
    return NULL;
}

static int load_file(cfg_t *c)
{
    FILE *f = fopen(c->file, "rb");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size > MAX_FILE) {
        fclose(f);
        errno = st.st_size <= 0 ? EINVAL : EFBIG;
        return -1;
    }
    size_t n = (size_t)st.st_size;
    c->fdata = malloc(n);
    if (!c->fdata || fread(c->fdata, 1, n, f) != n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += c->fdata[i] == '\n';
    lines++;
    c->foff = malloc(lines * sizeof *c->foff);
    c->flen = malloc(lines * sizeof *c->flen);
    if (!c->foff || !c->flen)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || c->fdata[i] == '\n') {
            size_t len = i - start;
            if (len && c->fdata[start + len - 1] == '\r')
                len--;
            if (len) {
                c->foff[c->nfile] = start;
                c->flen[c->nfile++] = len;
            }
            start = i + 1;
        }
    }
    if (c->nfile == 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: flood --tcp HOST:PORT [--senders N] [--count M] [--octet] "
                 "[--file LINES] [--seed S] [--no-wait]\n"
                 "  --tcp HOST:PORT   receiver (\"127.0.0.1:5140\", \"[::1]:5140\")\n"
                 "  --senders N       parallel connections (default 1, at most 256)\n"
                 "  --count M         lines per sender (default 1000000)\n"
                 "  --octet           RFC 6587 octet counting instead of LF framing\n"
                 "  --file LINES      send these lines (cycled) instead of generated ones\n"
                 "  --seed S          seed for the generated lines (default 1)\n"
                 "  --no-wait         stop the clock when the last line is written, not\n"
                 "                    when the receiver has read everything and closed\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tcp", required_argument, NULL, 't'},
        {"senders", required_argument, NULL, 'n'},
        {"count", required_argument, NULL, 'c'},
        {"octet", no_argument, NULL, 'o'},
        {"file", required_argument, NULL, 'f'},
        {"seed", required_argument, NULL, 's'},
        {"no-wait", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cfg_t c = {.senders = 1, .count = 1000000, .seed = 1};
    static char hostbuf[256], portbuf[16];
    const char *tcp = NULL;
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': tcp = optarg; break;
        case 'n':
            c.senders = (unsigned)strtoul(optarg, &end, 10);
            if (*end || c.senders == 0 || c.senders > MAX_SENDERS) {
                fprintf(stderr, "flood: --senders must be 1-%d\n", MAX_SENDERS);
                return 2;
            }
            break;
        case 'c':
            c.count = strtoull(optarg, &end, 10);
            if (*end || c.count == 0) {
                fprintf(stderr, "flood: --count must be a positive integer\n");
                return 2;
            }
            break;
        case 'o': c.octet = true; break;
        case 'w': c.no_wait = true; break;
        case 'f': c.file = optarg; break;
        case 's': c.seed = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!tcp || optind != argc) {
        usage(stderr);
        return 2;
    }
    /* HOST:PORT or [V6]:PORT */
    const char *colon = tcp[0] == '[' ? strstr(tcp, "]:") : strrchr(tcp, ':');
    if (!colon) {
        fprintf(stderr, "flood: --tcp %s: expected HOST:PORT\n", tcp);
        return 2;
    }
    const char *h = tcp[0] == '[' ? tcp + 1 : tcp;
    size_t hn = (size_t)(colon - h);
    const char *port = colon + (tcp[0] == '[' ? 2 : 1);
    if (hn == 0 || hn >= sizeof hostbuf || strlen(port) >= sizeof portbuf || !*port) {
        fprintf(stderr, "flood: --tcp %s: expected HOST:PORT\n", tcp);
        return 2;
    }
    memcpy(hostbuf, h, hn);
    hostbuf[hn] = '\0';
    strcpy(portbuf, port);
    c.host = hostbuf;
    c.port = portbuf;
    if (c.file && load_file(&c) != 0) {
        fprintf(stderr, "flood: %s: %s\n", c.file, strerror(errno));
        return 2;
    }

    sender_t *s = calloc(c.senders, sizeof *s);
    if (!s) {
        fprintf(stderr, "flood: out of memory\n");
        return 2;
    }
    for (unsigned i = 0; i < c.senders; i++) {
        s[i].cfg = &c;
        s[i].id = i;
        if (build_block(&s[i]) != 0) {
            fprintf(stderr, "flood: out of memory\n");
            return 2;
        }
    }
    pthread_barrier_init(&start_line, NULL, c.senders + 1);
    for (unsigned i = 0; i < c.senders; i++) {
        if (pthread_create(&s[i].thr, NULL, sender_main, &s[i]) != 0) {
            fprintf(stderr, "flood: cannot start sender threads\n");
            return 2;
        }
    }
    pthread_barrier_wait(&start_line);
    double t0 = now_s();
    uint64_t lines = 0, bytes = 0;
    int err = 0;
    for (unsigned i = 0; i < c.senders; i++) {
        pthread_join(s[i].thr, NULL);
        lines += s[i].sent_lines;
        bytes += s[i].sent_bytes;
        if (s[i].error && !err)
            err = s[i].error;
    }
    double secs = now_s() - t0;
    if (secs <= 0)
        secs = 1e-9;
    printf("{\"tool\":\"flood\",\"target\":\"tcp://%s\",\"framing\":\"%s\",\"senders\":%u,"
           "\"lines\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"lines_per_s\":%.0f,"
           "\"mb_per_s\":%.1f,\"waited\":%s%s%s%s}\n",
           tcp, c.octet ? "octet" : "lf", c.senders, (unsigned long long)lines,
           (unsigned long long)bytes, secs, (double)lines / secs, (double)bytes / secs / 1e6,
           c.no_wait ? "false" : "true", err ? ",\"error\":\"" : "", err ? strerror(err) : "",
           err ? "\"" : "");
    for (unsigned i = 0; i < c.senders; i++) {
        free(s[i].block);
        free(s[i].ends);
    }
    free(s);
    free(c.fdata);
    free(c.foff);
    free(c.flen);
    pthread_barrier_destroy(&start_line);
    if (err) {
        fprintf(stderr, "flood: %s: %s\n", tcp, strerror(err));
        return 2;
    }
    return 0;
}
