/* cli_server.c - `canh server` (the manager daemon), `canh server reload`
 * and `canh status`.
 *
 * The daemon's signals are handled here, never in the library: every thread
 * starts with SIGTERM, SIGINT and SIGHUP blocked, and the main thread takes
 * them with sigtimedwait: TERM/INT stop the server cleanly (queues drained,
 * everything committed), HUP reloads rules and indicators. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "canh/config.h"
#include "canh/mem.h"
#include "canh/server.h"
#include "cli.h"

#ifndef CANH_VERSION
#define CANH_VERSION "dev"
#endif

#define DEFAULT_CONFIG "/etc/canh/canh.yml"

/* ---- canh server -------------------------------------------------------------------------- */

static void server_help(void)
{
    printf("usage: canh server [--config FILE] [--data DIR] [--foreground]\n"
           "       canh server reload [--data DIR]\n"
           "\n"
           "Runs the manager: syslog listeners (UDP, TCP, TLS), the agent channel, the\n"
           "decode/detect workers and the store writer, as configured in FILE (default\n"
           "$CANH_CONFIG, else " DEFAULT_CONFIG " when it exists, else the built-in defaults).\n"
           "  --config FILE   configuration file (see canh config check and docs/server.md)\n"
           "  --data DIR      data directory (default: $CANH_DATA, else data.dir of the file)\n"
           "  --foreground    stay attached and log to standard error (for systemd and tests);\n"
           "                  without it the server detaches once it is listening and logs to\n"
           "                  DIR/server.log\n"
           "Signals: TERM or INT stop cleanly (queues drained, everything stored), HUP reloads\n"
           "the rules (detect.rules, re-read from FILE) and the indicators.\n"
           "DIR/server.json holds the pid and the bound ports while it runs.\n");
}

static int load_settings(const char *path, canh_settings_t *s)
{
    canh_errbuf_t eb = {{0}};
    memset(s, 0, sizeof *s);
    if (canh_config_defaults(canh_settings_keys, canh_settings_nkeys, s, &eb) != CANH_OK ||
        (path &&
         canh_config_load_file(canh_settings_keys, canh_settings_nkeys, s, path, &eb) != CANH_OK)) {
        fprintf(stderr, "canh server: %s\n", eb.msg);
        return 2;
    }
    return 0;
}

/* Detached: the parent waits on a pipe for "ok" or the error line, so that
 * `canh server` reports a failure to start and returns once listening. */
static int detach(int *notify_fd)
{
    int p[2];
    if (pipe(p) != 0)
        return canh_cli_usage_error("server", "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        return canh_cli_usage_error("server", "fork: %s", strerror(errno));
    if (pid > 0) {
        close(p[1]);
        char buf[600];
        ssize_t n, got = 0;
        while (got < (ssize_t)sizeof buf - 1 &&
               (n = read(p[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
            got += n;
        close(p[0]);
        buf[got > 0 ? got : 0] = '\0';
        if (strncmp(buf, "ok", 2) == 0) {
            printf("canh server: started, pid %d\n", (int)pid);
            return 0;
        }
        fprintf(stderr, "canh server: %s\n", got > 0 ? buf : "exited during start");
        return 2;
    }
    close(p[0]);
    setsid();
    *notify_fd = p[1];
    return -1; /* the child goes on */
}

static void notify(int *fd, const char *msg)
{
    if (*fd < 0)
        return;
    ssize_t w = write(*fd, msg, strlen(msg));
    (void)w;
    close(*fd);
    *fd = -1;
}

static int run_server(const char *config, const char *data, bool foreground)
{
    canh_settings_t set;
    if (load_settings(config, &set) != 0)
        return 2;
    const char *dir = data && *data ? data : getenv("CANH_DATA");
    if (!dir || !*dir)
        dir = set.data_dir;
    int notify_fd = -1, status = 0;
    FILE *logf = NULL;
    if (!foreground) {
        int d = detach(&notify_fd);
        if (d >= 0) {
            canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
            return d;
        }
        char path[4200];
        mkdir(dir, 0750);
        snprintf(path, sizeof path, "%s/server.log", dir);
        logf = fopen(path, "ae");
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, STDIN_FILENO);
            dup2(nul, STDOUT_FILENO);
            if (logf)
                dup2(nul, STDERR_FILENO);
            close(nul);
        }
    }
    /* Before any thread exists: every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    canh_server_opts_t o = {
        .settings = &set,
        .config_path = config,
        .data_dir = dir,
        .log = logf ? logf : stderr,
        .version = CANH_VERSION,
    };
    canh_errbuf_t eb = {{0}};
    canh_server_t *srv = NULL;
    if (canh_server_create(&o, &srv, &eb) != CANH_OK || canh_server_start(srv, &eb) != CANH_OK) {
        if (notify_fd >= 0)
            notify(&notify_fd, eb.msg);
        else
            fprintf(stderr, "canh server: %s\n", eb.msg);
        status = 2;
        goto out;
    }
    notify(&notify_fd, "ok");
    for (;;) {
        siginfo_t si;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&sigs, &si, &ts);
        if (sig == SIGHUP) {
            canh_errbuf_t reb = {{0}};
            canh_server_reload(srv, &reb); /* logged by the server */
        } else if (sig == SIGTERM || sig == SIGINT) {
            break;
        }
    }
out:
    canh_server_destroy(srv);
    canh_config_free(canh_settings_keys, canh_settings_nkeys, &set);
    if (logf)
        fclose(logf);
    return status;
}

int canh_cmd_server(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"foreground", no_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *data = NULL;
    bool foreground = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:d:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'd': data = optarg; break;
        case 'f': foreground = true; break;
        case 'h': server_help(); return 0;
        default: return 2;
        }
    }
    if (optind < argc)
        return canh_cli_usage_error("server", "unexpected argument \"%s\" (see --help)",
                                    argv[optind]);
    if (!config) {
        const char *env = getenv("CANH_CONFIG");
        struct stat st;
        if (env && *env)
            config = env;
        else if (stat(DEFAULT_CONFIG, &st) == 0)
            config = DEFAULT_CONFIG;
    }
    return run_server(config, data, foreground);
}

/* ---- server.json and a small HTTP client ------------------------------------------------------
 */

typedef struct running {
    long pid;
    char host[256];
    int metrics_port;
    json_t *doc;
} running_t;

/* Reads DIR/server.json. 1: no server (message printed), 0: found. */
static int find_server(const char *cmd, const char *dir, running_t *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/server.json", dir);
    json_error_t je;
    struct stat st;
    memset(r, 0, sizeof *r);
    if (stat(path, &st) != 0) {
        fprintf(stderr, "canh %s: no server running for %s (no %s)\n", cmd, dir, path);
        return 1;
    }
    r->doc = json_load_file(path, 0, &je);
    if (!r->doc) {
        fprintf(stderr, "canh %s: %s:%d: %s\n", cmd, path, je.line, je.text);
        return 1;
    }
    r->pid = (long)json_integer_value(json_object_get(r->doc, "pid"));
    const char *h = json_string_value(json_object_get(r->doc, "metrics_host"));
    snprintf(r->host, sizeof r->host, "%s", h ? h : "127.0.0.1");
    r->metrics_port =
        (int)json_integer_value(json_object_get(json_object_get(r->doc, "ports"), "metrics"));
    if (r->pid <= 0 || (kill((pid_t)r->pid, 0) != 0 && errno == ESRCH)) {
        fprintf(stderr, "canh %s: no server running for %s (stale %s, pid %ld)\n", cmd, dir, path,
                r->pid);
        json_decref(r->doc);
        r->doc = NULL;
        return 1;
    }
    return 0;
}

/* The process is a canh: its executable's name starts with "canh". */
static bool is_canh(long pid)
{
    char path[64], exe[4096];
    snprintf(path, sizeof path, "/proc/%ld/exe", pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    if (n <= 0) {
        /* Not readable (another user's process): fall back to comm. */
        snprintf(path, sizeof path, "/proc/%ld/comm", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            return false;
        n = (ssize_t)fread(exe, 1, sizeof exe - 1, f);
        fclose(f);
        if (n <= 0)
            return false;
        exe[n] = '\0';
        return strncmp(exe, "canh", 4) == 0;
    }
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return strncmp(base, "canh", 4) == 0;
}

/* GET path over HTTP/1.0; the body (NUL-terminated, caller frees) in *body.
 * 5 s for the whole exchange, 1 MiB at most. */
static int http_get(const char *host, int port, const char *path, char **body, char *err,
                    size_t errlen)
{
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, ports, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, p->ai_addr, p->ai_addrlen) != 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd pf = {fd, POLLOUT, 0};
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (poll(&pf, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
            soerr != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s:%d", host, port);
        return -1;
    }
    char req[512];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    size_t cap = 1 << 20, len = 0;
    char *buf = canh_malloc(cap + 1);
    int result = -1;
    if (!buf || send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
        snprintf(err, errlen, "cannot send the request");
        goto out;
    }
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 5000) != 1) {
            snprintf(err, errlen, "no answer from %s:%d", host, port);
            goto out;
        }
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            snprintf(err, errlen, "answer too large");
            goto out;
        }
    }
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) != 0 || len < 12 || strncmp(buf + 9, "200", 3) != 0 || !sep) {
        snprintf(err, errlen, "unexpected answer from %s:%d", host, port);
        goto out;
    }
    memmove(buf, sep + 4, len - (size_t)(sep + 4 - buf) + 1);
    *body = buf;
    buf = NULL;
    result = 0;
out:
    canh_free(buf);
    close(fd);
    return result;
}

static json_t *get_status(const char *cmd, const running_t *r)
{
    char *body = NULL, err[600];
    if (r->metrics_port <= 0) {
        fprintf(stderr, "canh %s: the server's status endpoint is off (server.metrics)\n", cmd);
        return NULL;
    }
    if (http_get(r->host, r->metrics_port, "/status", &body, err, sizeof err) != 0) {
        fprintf(stderr, "canh %s: %s\n", cmd, err);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loads(body, 0, &je);
    canh_free(body);
    if (!doc)
        fprintf(stderr, "canh %s: bad status document: %s\n", cmd, je.text);
    return doc;
}

/* ---- canh server reload -----------------------------------------------------------------------
 */

static uint64_t jget(json_t *doc, const char *a, const char *b)
{
    json_t *o = json_object_get(doc, a);
    if (b)
        o = json_object_get(o, b);
    return json_is_integer(o) ? (uint64_t)json_integer_value(o) : 0;
}

int canh_cmd_server_reload(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'h':
            printf("usage: canh server reload [--data DIR]\n\n"
                   "Asks the running server (DIR/server.json) to reload its rules and indicators\n"
                   "(SIGHUP) and waits for the outcome. Records keep flowing meanwhile.\n");
            return 0;
        default: return 2;
        }
    }
    const char *dir = canh_cli_data_dir(data);
    running_t r;
    if (find_server("server reload", dir, &r) != 0)
        return 2;
    int status = 2;
    if (!is_canh(r.pid)) {
        fprintf(stderr, "canh server reload: pid %ld in %s/server.json is not a canh process\n",
                r.pid, dir);
        goto out;
    }
    json_t *before = r.metrics_port > 0 ? get_status("server reload", &r) : NULL;
    uint64_t ok0 = jget(before, "engine", "reloads"),
             bad0 = jget(before, "engine", "reload_failures");
    json_decref(before);
    if (kill((pid_t)r.pid, SIGHUP) != 0) {
        fprintf(stderr, "canh server reload: pid %ld: %s\n", r.pid, strerror(errno));
        goto out;
    }
    if (r.metrics_port <= 0) {
        printf("canh server reload: signalled pid %ld\n", r.pid);
        status = 0;
        goto out;
    }
    for (int i = 0; i < 600; i++) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        json_t *now = get_status("server reload", &r);
        if (!now)
            goto out;
        uint64_t ok = jget(now, "engine", "reloads"), bad = jget(now, "engine", "reload_failures");
        if (ok > ok0) {
            printf("canh server reload: reloaded: %" PRIu64 " rules, %" PRIu64 " indicators\n",
                   jget(now, "engine", "rules"), jget(now, "engine", "indicators"));
            status = 0;
        } else if (bad > bad0) {
            fprintf(stderr, "canh server reload: failed, the previous rules stay (see the "
                            "server's log)\n");
        }
        json_decref(now);
        if (ok > ok0 || bad > bad0)
            goto out;
    }
    fprintf(stderr, "canh server reload: no outcome after 60 s\n");
out:
    json_decref(r.doc);
    return status;
}

/* ---- canh status --------------------------------------------------------------------------------
 */

static void print_table(json_t *d)
{
    uint64_t up = jget(d, "uptime_s", NULL);
    printf("canh server  pid %" PRIu64 ", version %s, up %" PRIu64 "d %" PRIu64 "h %" PRIu64
           "m, user %s, %" PRIu64 " workers\n",
           jget(d, "pid", NULL), json_string_value(json_object_get(d, "version")), up / 86400,
           up / 3600 % 24, up / 60 % 60, json_string_value(json_object_get(d, "user")),
           jget(d, "workers", NULL));
    printf("data         %s\n", json_string_value(json_object_get(d, "data_dir")));
    static const char *const ports[] = {"udp", "tcp", "tls", "agent", "metrics"};
    printf("listening   ");
    for (int i = 0; i < 5; i++) {
        uint64_t p = jget(d, "ports", ports[i]);
        if (p)
            printf(" %s %" PRIu64 "%s", ports[i], p, i < 4 ? "," : "");
        else
            printf(" %s off%s", ports[i], i < 4 ? "," : "");
    }
    printf("\nreceived     udp %" PRIu64 ", tcp %" PRIu64 ", tls %" PRIu64 ", agent %" PRIu64 "\n",
           jget(d, "received", "udp"), jget(d, "received", "tcp"), jget(d, "received", "tls"),
           jget(d, "received", "agent"));
    printf("decoded      %" PRIu64 " (generic %" PRIu64 ", truncated %" PRIu64 ")\n",
           jget(d, "decoded", NULL), jget(d, "generic", NULL), jget(d, "truncated", NULL));
    printf("alerts       %" PRIu64 " (critical %" PRIu64 ", high %" PRIu64 ", medium %" PRIu64
           ", low %" PRIu64 ", informational %" PRIu64 ")\n",
           jget(d, "alerts", "total"), jget(d, "alerts", "critical"), jget(d, "alerts", "high"),
           jget(d, "alerts", "medium"), jget(d, "alerts", "low"),
           jget(d, "alerts", "informational"));
    json_t *st = json_object_get(d, "stored");
    printf("stored       %" PRIu64 " events, %" PRIu64 " alerts, %" PRIu64
           " commits (%.2f ms each), %" PRIu64 " errors, %.1f MB used\n",
           jget(d, "stored", "events"), jget(d, "stored", "alerts"), jget(d, "stored", "commits"),
           json_number_value(json_object_get(st, "batch_avg_ms")), jget(d, "stored", "errors"),
           (double)jget(d, "stored", "used_bytes") / 1e6);
    json_t *q = json_object_get(d, "queues");
    printf("queues       input %" PRIu64 "/%" PRIu64 " (peak %" PRIu64 "), store %" PRIu64
           "/%" PRIu64 " chunks (peak %" PRIu64 ")\n",
           jget(q, "input", "depth"), jget(q, "input", "capacity"), jget(q, "input", "peak"),
           jget(q, "store", "depth"), jget(q, "store", "capacity"), jget(q, "store", "peak"));
    printf("dropped      udp_queue_full %" PRIu64 ", udp_kernel %" PRIu64 ", listener_lost %" PRIu64
           ", too_large %" PRIu64 ", store_failed %" PRIu64 "\n",
           jget(d, "dropped", "udp_queue_full"), jget(d, "dropped", "udp_kernel"),
           jget(d, "dropped", "listener_lost"), jget(d, "dropped", "too_large"),
           jget(d, "dropped", "store_failed"));
    printf("connections  open %" PRIu64 ", total %" PRIu64 ", refused %" PRIu64
           ", tls failed %" PRIu64 ", back-pressure pauses %" PRIu64 "\n",
           jget(d, "connections", "open"), jget(d, "connections", "total"),
           jget(d, "connections", "refused"), jget(d, "connections", "tls_failed"),
           jget(d, "connections", "pauses"));
    printf("agents       connected %" PRIu64 ", batches %" PRIu64 ", duplicates %" PRIu64
           ", acks %" PRIu64 ", rejected %" PRIu64 "\n",
           jget(d, "agents", "connected"), jget(d, "agents", "batches"),
           jget(d, "agents", "duplicates"), jget(d, "agents", "acks"),
           jget(d, "agents", "rejected"));
    printf("engine       %" PRIu64 " rules, %" PRIu64 " indicators, %" PRIu64 " reloads, %" PRIu64
           " failed; %" PRIu64 " correlation groups (%" PRIu64 " evicted)\n",
           jget(d, "engine", "rules"), jget(d, "engine", "indicators"),
           jget(d, "engine", "reloads"), jget(d, "engine", "reload_failures"),
           jget(d, "engine", "corr_groups"), jget(d, "engine", "corr_evicted"));
    uint64_t maxsz = jget(d, "retention", "max_size");
    printf("retention    %" PRIu64 " days, ", jget(d, "retention", "max_age_days"));
    if (maxsz)
        printf("at most %.1f MB", (double)maxsz / 1e6);
    else
        printf("no size limit");
    printf(", %" PRIu64 " runs, %" PRIu64 " events and %" PRIu64 " alerts removed\n",
           jget(d, "retention", "runs"), jget(d, "retention", "deleted_events"),
           jget(d, "retention", "deleted_alerts"));
}

int canh_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'f':
            if (!strcmp(optarg, "json"))
                json = true;
            else if (strcmp(optarg, "table") != 0)
                return canh_cli_usage_error("status",
                                            "--format: expected table or json, got "
                                            "\"%s\"",
                                            optarg);
            break;
        case 'h':
            printf("usage: canh status [--data DIR] [--format table|json]\n\n"
                   "Shows the running server's counters (from its /status endpoint): records\n"
                   "received, decoded, alerts, stored, queue depths, drops by cause, agents,\n"
                   "rules. Exit status 1 when no server runs for DIR.\n");
            return 0;
        default: return 2;
        }
    }
    const char *dir = canh_cli_data_dir(data);
    running_t r;
    if (find_server("status", dir, &r) != 0)
        return 1;
    json_t *d = get_status("status", &r);
    json_decref(r.doc);
    if (!d)
        return 2;
    if (json) {
        char *s = json_dumps(d, JSON_COMPACT);
        if (s)
            printf("%s\n", s);
        free(s);
    } else {
        print_table(d);
    }
    json_decref(d);
    return 0;
}
