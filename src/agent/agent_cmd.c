/* agent_cmd.c - commands the manager sends an agent: "ping", "scan" (the
 * malware engine over paths, detections as ECS JSON records with origin
 * "scan") and "quarantine" (a file moved into DATA/quarantine).
 *
 * Commands run one at a time on a worker thread so the agent's loop keeps
 * collecting and delivering. Output (records, then the result) goes into
 * one FIFO, handed to the loop in order: a command's result is sent only
 * after its records are in the spool, so a crash before that makes the
 * manager send the command again rather than lose detections. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_int.h"
#include "canh/limits.h"
#include "canh/malware.h"
#include "canh/mem.h"

#define MAX_JOBS 64
#define MAX_OUT 20000 /* records waiting for the loop; a scan past it is cut (counted) */

typedef struct item {
    struct item *next;
    bool is_result;
    int64_t id;
    bool ok;
    char *text; /* record JSON or result JSON */
} item_t;

typedef struct job {
    struct job *next;
    int64_t id;
    char *kind, *args;
} job_t;

struct canh_agent_cmdctx {
    char *data_dir;
    char **yara, **hashes;
    size_t nyara, nhashes;
    pthread_t thr;
    bool started, stop, running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *jobs, **jobs_tail;
    size_t njobs;
    item_t *out, **out_tail;
    size_t nout;
    int pfd[2];
};

static char **dup_list(const char *const *v, size_t n)
{
    char **d = canh_calloc(n ? n : 1, sizeof *d);
    for (size_t i = 0; d && i < n; i++)
        if (!(d[i] = canh_strdup(v[i]))) {
            while (i--)
                canh_free(d[i]);
            canh_free(d);
            return NULL;
        }
    return d;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        canh_free(v[i]);
    canh_free(v);
}

/* Appends an output item (takes text); records past MAX_OUT are refused. */
static bool push_out(canh_agent_cmdctx_t *c, bool is_result, int64_t id, bool ok, char *text)
{
    item_t *it = canh_calloc(1, sizeof *it);
    pthread_mutex_lock(&c->mu);
    bool take = it && text && (is_result || c->nout < MAX_OUT);
    if (take) {
        *it = (item_t){NULL, is_result, id, ok, text};
        *c->out_tail = it;
        c->out_tail = &it->next;
        c->nout++;
        ssize_t w;
        do
            w = write(c->pfd[1], "x", 1);
        while (w < 0 && errno == EINTR);
    }
    pthread_mutex_unlock(&c->mu);
    if (!take) {
        canh_free(it);
        free(text);
    }
    return take;
}

static void iso_now(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* One detection as the alert document `canh scan` prints (malware_alert.c),
 * plus the id of the command that found it. Detections are rare: the event
 * and buffer are made per call. */
static char *detection_json(const canh_detection_t *d, int64_t cmd_id, const char *action)
{
    char host[256], ip[64], idbuf[24];
    canh_host_identity(host, sizeof host, ip, sizeof ip);
    int idn = snprintf(idbuf, sizeof idbuf, "%lld", (long long)cmd_id);
    canh_kv_t extra[] = {
        {.key = CANH_STR_LIT("canh.command_id"),
         .val = canh_str(idbuf, (size_t)idn),
         .type = CANH_FT_LONG},
    };
    canh_detection_ctx_t c = {
        .host_name = host, .host_ip = ip, .action = action, .extra = extra, .nextra = 1};
    canh_event_t *ev = canh_event_create();
    canh_buf_t out;
    canh_buf_init(&out, CANH_MAX_JSON_OUT);
    char *s = NULL;
    if (ev && canh_detection_to_json(d, &c, ev, &out, NULL) == CANH_OK)
        s = strndup(out.data, out.len);
    canh_buf_fini(&out);
    canh_event_destroy(ev);
    return s;
}

static char *result_json(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s ? s : strdup("{}");
}

/* ---- scan ------------------------------------------------------------------------- */

typedef struct scan_ctx {
    canh_agent_cmdctx_t *c;
    int64_t id;
    uint64_t emitted, cut, errors;
} scan_ctx_t;

static int on_detection(void *ud, const canh_detection_t *d)
{
    scan_ctx_t *sc = ud;
    if (push_out(sc->c, false, sc->id, true, detection_json(d, sc->id, "malware-detected")))
        sc->emitted++;
    else
        sc->cut++;
    return 0;
}

static void on_walk_error(void *ud, const char *path, const char *reason)
{
    (void)path;
    (void)reason;
    ((scan_ctx_t *)ud)->errors++;
}

/* Strings of a JSON array member (or none); pointers live as long as j. */
static size_t str_array(json_t *j, const char *key, const char **v, size_t max)
{
    json_t *a = json_object_get(j, key);
    size_t n = 0, i;
    json_t *x;
    if (!json_is_array(a))
        return 0;
    json_array_foreach(a, i, x)
    {
        if (n < max && json_is_string(x))
            v[n++] = json_string_value(x);
    }
    return n;
}

static void run_scan(canh_agent_cmdctx_t *c, int64_t id, json_t *args)
{
    const char *paths[64], *yara[64], *hashes[64];
    size_t np = str_array(args, "paths", paths, 64);
    size_t ny = str_array(args, "yara", yara, 64);
    size_t nh = str_array(args, "hashes", hashes, 64);
    canh_errbuf_t eb = {{0}};
    canh_scan_opts_t so;
    canh_scan_engine_t *e = NULL;
    if (np == 0) {
        push_out(c, true, id, false, result_json("{s:s}", "error", "scan: no paths"));
        return;
    }
    /* The configured lists and rules first, then the command's own. */
    const char **hl = canh_calloc(c->nhashes + nh + 1, sizeof *hl);
    const char **yl = canh_calloc(c->nyara + ny + 1, sizeof *yl);
    int rc = hl && yl ? CANH_OK : CANH_ENOMEM;
    if (rc == CANH_OK) {
        for (size_t i = 0; i < c->nhashes + nh; i++)
            hl[i] = i < c->nhashes ? c->hashes[i] : hashes[i - c->nhashes];
        for (size_t i = 0; i < c->nyara + ny; i++)
            yl[i] = i < c->nyara ? c->yara[i] : yara[i - c->nyara];
        canh_scan_sources_t src = {
            .hashes = hl, .nhashes = c->nhashes + nh, .yara = yl, .nyara = c->nyara + ny};
        canh_scan_opts_default(&so);
        rc = canh_scan_engine_build(&so, &src, &e, &eb);
    }
    canh_free(hl);
    canh_free(yl);
    if (rc != CANH_OK) {
        push_out(c, true, id, false,
                 result_json("{s:s}", "error", eb.msg[0] ? eb.msg : canh_strerror(rc)));
        return;
    }
    scan_ctx_t sc = {c, id, 0, 0, 0};
    canh_walk_opts_t wo;
    memset(&wo, 0, sizeof wo);
    wo.jobs = 1; /* the agent stays light: one worker */
    canh_walk_cb_t cb = {on_detection, NULL, on_walk_error, &sc};
    canh_walk_stats_t ws;
    memset(&ws, 0, sizeof ws);
    rc = canh_scan_paths(e, &wo, paths, np, &cb, &ws, &eb);
    canh_scan_engine_destroy(e);
    if (rc != CANH_OK) {
        push_out(c, true, id, false,
                 result_json("{s:s}", "error", eb.msg[0] ? eb.msg : canh_strerror(rc)));
        return;
    }
    push_out(c, true, id, true,
             result_json("{s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)ws.files, "bytes",
                         (json_int_t)ws.bytes, "detections", (json_int_t)ws.detections, "sent",
                         (json_int_t)sc.emitted, "not_sent", (json_int_t)sc.cut, "errors",
                         (json_int_t)(ws.errors + sc.errors)));
}

/* ---- quarantine --------------------------------------------------------------------- */

static void run_quarantine(canh_agent_cmdctx_t *c, int64_t id, json_t *args)
{
    const char *path = json_string_value(json_object_get(args, "path"));
    const char *rule = json_string_value(json_object_get(args, "rule"));
    const char *family = json_string_value(json_object_get(args, "family"));
    if (!path || path[0] != '/') {
        push_out(c, true, id, false,
                 result_json("{s:s}", "error", "quarantine: an absolute \"path\" is needed"));
        return;
    }
    canh_errbuf_t eb = {{0}};
    canh_quarantine_t *q = NULL;
    canh_detection_t d;
    memset(&d, 0, sizeof d);
    d.path = path;
    d.engine = "manager";
    d.rule = rule ? rule : "manager-order";
    d.family = family ? family : "";
    d.list = "";
    d.detail = "quarantine ordered by the manager";
    d.verdict = CANH_VERDICT_MALICIOUS;
    char qid[33] = "";
    int rc = canh_quarantine_open(c->data_dir, &q, &eb);
    if (rc == CANH_OK)
        rc = canh_quarantine_add(q, path, &d, qid, &eb);
    canh_quarantine_close(q);
    if (rc != CANH_OK) {
        push_out(c, true, id, false,
                 result_json("{s:s, s:s}", "error", eb.msg[0] ? eb.msg : canh_strerror(rc), "path",
                             path));
        return;
    }
    push_out(c, false, id, true, detection_json(&d, id, "quarantine"));
    push_out(c, true, id, true, result_json("{s:s, s:s}", "quarantine_id", qid, "path", path));
}

/* ---- the worker --------------------------------------------------------------------- */

static void *worker(void *ud)
{
    canh_agent_cmdctx_t *c = ud;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->jobs && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        job_t *j = c->jobs;
        c->jobs = j->next;
        if (!c->jobs)
            c->jobs_tail = &c->jobs;
        c->njobs--;
        c->running = true;
        pthread_mutex_unlock(&c->mu);
        json_error_t je;
        json_t *args = json_loads(j->args, 0, &je);
        if (!json_is_object(args))
            push_out(c, true, j->id, false,
                     result_json("{s:s}", "error", "args: not a JSON object"));
        else if (strcmp(j->kind, "scan") == 0)
            run_scan(c, j->id, args);
        else
            run_quarantine(c, j->id, args);
        json_decref(args);
        canh_free(j->kind);
        canh_free(j->args);
        canh_free(j);
        pthread_mutex_lock(&c->mu);
        c->running = false;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int canh_agent_cmd_create(const canh_agent_opts_t *o, canh_agent_cmdctx_t **out, canh_errbuf_t *eb)
{
    canh_agent_cmdctx_t *c = canh_calloc(1, sizeof *c);
    if (!c)
        return CANH_ENOMEM;
    c->pfd[0] = c->pfd[1] = -1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->jobs_tail = &c->jobs;
    c->out_tail = &c->out;
    c->nyara = o->nscan_yara;
    c->nhashes = o->nscan_hashes;
    if (!(c->data_dir = canh_strdup(o->data_dir)) ||
        !(c->yara = dup_list(o->scan_yara, o->nscan_yara)) ||
        !(c->hashes = dup_list(o->scan_hashes, o->nscan_hashes))) {
        canh_agent_cmd_destroy(c);
        return CANH_ENOMEM;
    }
    if (pipe2(c->pfd, O_NONBLOCK | O_CLOEXEC) != 0) {
        canh_agent_cmd_destroy(c);
        return canh_errf(eb, CANH_EIO, "commands: pipe: %s", strerror(errno));
    }
    *out = c;
    return CANH_OK;
}

void canh_agent_cmd_destroy(canh_agent_cmdctx_t *c)
{
    if (!c)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->mu);
        c->stop = true;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        /* A scan in progress finishes first (commands are bounded by the
         * paths they name). */
        pthread_join(c->thr, NULL);
    }
    for (job_t *j = c->jobs, *n; j; j = n) {
        n = j->next;
        canh_free(j->kind);
        canh_free(j->args);
        canh_free(j);
    }
    for (item_t *it = c->out, *n; it; it = n) {
        n = it->next;
        free(it->text);
        canh_free(it);
    }
    if (c->pfd[0] >= 0)
        close(c->pfd[0]);
    if (c->pfd[1] >= 0)
        close(c->pfd[1]);
    free_list(c->yara, c->nyara);
    free_list(c->hashes, c->nhashes);
    canh_free(c->data_dir);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    canh_free(c);
}

void canh_agent_cmd_start(canh_agent_cmdctx_t *c, int64_t id, const char *kind, size_t kn,
                          const char *args, size_t an)
{
    char k[32];
    snprintf(k, sizeof k, "%.*s", (int)(kn < sizeof k - 1 ? kn : sizeof k - 1), kind ? kind : "");
    if (strcmp(k, "ping") == 0) {
        char ts[40];
        iso_now(ts, sizeof ts);
        push_out(c, true, id, true, result_json("{s:b, s:s}", "pong", 1, "time", ts));
        return;
    }
    if (strcmp(k, "scan") != 0 && strcmp(k, "quarantine") != 0) {
        push_out(c, true, id, false,
                 result_json("{s:s, s:s}", "error", "unknown command", "kind", k));
        return;
    }
    job_t *j = canh_calloc(1, sizeof *j);
    if (j) {
        j->id = id;
        j->kind = canh_strdup(k);
        j->args = canh_strndup(args ? args : "", args ? an : 0);
    }
    pthread_mutex_lock(&c->mu);
    bool ok = j && j->kind && j->args && c->njobs < MAX_JOBS;
    if (ok && !c->started) {
        if (pthread_create(&c->thr, NULL, worker, c) == 0)
            c->started = true;
        else
            ok = false;
    }
    if (ok) {
        *c->jobs_tail = j;
        c->jobs_tail = &j->next;
        c->njobs++;
        pthread_cond_signal(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    if (!ok) {
        if (j) {
            canh_free(j->kind);
            canh_free(j->args);
            canh_free(j);
        }
        push_out(c, true, id, false, result_json("{s:s}", "error", "agent busy or out of memory"));
    }
}

int canh_agent_cmd_fd(const canh_agent_cmdctx_t *c)
{
    return c->pfd[0];
}

void canh_agent_cmd_drain(canh_agent_cmdctx_t *c, canh_agent_cmd_emit_fn emit,
                          canh_agent_cmd_done_fn done, void *ud)
{
    char buf[64];
    while (read(c->pfd[0], buf, sizeof buf) > 0) {
    }
    for (;;) {
        pthread_mutex_lock(&c->mu);
        item_t *it = c->out;
        pthread_mutex_unlock(&c->mu);
        if (!it)
            return;
        if (!it->is_result && emit(ud, "scan", it->text, strlen(it->text)) != CANH_OK)
            return; /* spool full: stays first in line */
        if (it->is_result)
            done(ud, it->id, it->ok, it->text);
        pthread_mutex_lock(&c->mu);
        c->out = it->next;
        if (!c->out)
            c->out_tail = &c->out;
        c->nout--;
        pthread_mutex_unlock(&c->mu);
        free(it->text);
        canh_free(it);
    }
}

bool canh_agent_cmd_busy(const canh_agent_cmdctx_t *c)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&c->mu;
    pthread_mutex_lock(mu);
    bool b = c->running || c->jobs || c->out;
    pthread_mutex_unlock(mu);
    return b;
}
