/* collect_netconn.c - listening sockets and outbound connections with the
 * process that owns them (origin "ports"), so that contact with a botnet or
 * C2 address is seen on hosts without a network sensor.
 *
 * Every netconn_interval_s the kernel's socket tables are read
 * (/proc/net/tcp, tcp6, udp, udp6). Reported: TCP sockets in LISTEN, bound
 * unconnected UDP sockets (as listeners), and established TCP connections
 * and connected UDP sockets whose local port is not a listening port of
 * this host (outbound). The first run and then one run an hour list every
 * such socket; the runs between list only the ones that were not there in
 * the previous run. Owners are found by scanning /proc/<pid>/fd for
 * "socket:[inode]" links, only when something is to be reported, bounded
 * by CANH_COLL_MAX_PIDS processes and CANH_COLL_MAX_FDS fds each. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "canh/mem.h"
#include "canh/reader.h"
#include "collect_int.h"

#define LINE_MAX_BYTES 512
#define FULL_EVERY_S 3600

/* ---- parsing (pure) -------------------------------------------------------- */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly n hex digits of s into *out (n <= 16). */
static bool hex_exact(canh_str_t s, size_t n, uint64_t *out)
{
    if (s.n != n || n == 0 || n > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval((unsigned char)s.p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return true;
}

/* "0100007F:0277" (v4) or 32 hex digits ":" 4 (v6). The kernel prints each
 * 32-bit word of the address as it lies in memory, read as a native u32. */
static bool parse_endpoint(canh_str_t s, bool v6, uint8_t addr[16], uint16_t *port)
{
    ptrdiff_t colon = canh_str_chr(s, ':');
    if (colon < 0)
        return false;
    canh_str_t a = canh_str(s.p, (size_t)colon);
    canh_str_t pt = canh_str(s.p + colon + 1, s.n - (size_t)colon - 1);
    uint64_t p;
    if (!hex_exact(pt, 4, &p))
        return false;
    size_t words = v6 ? 4 : 1;
    if (a.n != words * 8)
        return false;
    memset(addr, 0, 16);
    for (size_t w = 0; w < words; w++) {
        uint64_t v;
        if (!hex_exact(canh_str(a.p + w * 8, 8), 8, &v))
            return false;
        uint32_t u = (uint32_t)v;
        memcpy(addr + w * 4, &u, 4);
    }
    *port = (uint16_t)p;
    return true;
}

static canh_str_t next_word(canh_rd_t *r)
{
    canh_rd_spaces(r);
    return canh_rd_word(r);
}

int canh_procnet_parse_line(canh_str_t line, bool v6, canh_sock_t *out)
{
    canh_rd_t r = canh_rd(line);
    canh_str_t sl = next_word(&r), local = next_word(&r), rem = next_word(&r), st = next_word(&r);
    canh_str_t txrx = next_word(&r), trtm = next_word(&r), retr = next_word(&r),
               uid = next_word(&r), timeout = next_word(&r), inode = next_word(&r);
    (void)txrx, (void)trtm, (void)retr, (void)timeout;
    if (sl.n < 2 || sl.p[sl.n - 1] != ':' || !canh_str_all_digits(canh_str(sl.p, sl.n - 1), 10))
        return CANH_EINVAL;
    canh_sock_t s;
    memset(&s, 0, sizeof s);
    s.family = v6 ? AF_INET6 : AF_INET;
    uint64_t v, u, ino;
    if (!parse_endpoint(local, v6, s.laddr, &s.lport) ||
        !parse_endpoint(rem, v6, s.raddr, &s.rport) || !hex_exact(st, 2, &v) ||
        canh_str_to_u64(uid, UINT32_MAX, &u) != CANH_OK ||
        canh_str_to_u64(inode, UINT64_MAX, &ino) != CANH_OK)
        return CANH_EINVAL;
    s.state = (unsigned)v;
    s.uid = (uint32_t)u;
    s.inode = ino;
    *out = s;
    return CANH_OK;
}

int canh_procnet_socket_inode(canh_str_t link, uint64_t *out)
{
    canh_rd_t r = canh_rd(link);
    uint64_t v;
    if (!canh_rd_lit(&r, "socket:[") || !canh_rd_uint(&r, 20, &v) || !canh_rd_char(&r, ']') ||
        !canh_rd_eof(&r))
        return CANH_EINVAL;
    *out = v;
    return CANH_OK;
}

/* ---- the collector ---------------------------------------------------------- */
enum { K_LISTEN, K_OUT };

typedef struct sock_ent {
    canh_sock_t s;
    bool udp;
    int kind; /* K_LISTEN / K_OUT */
    uint64_t key;
    bool report;
    int32_t pid; /* 0: not found */
} sock_ent_t;

struct canh_coll_net {
    canh_collectors_t *c;
    unsigned interval_s, full_every, runs;
    int64_t next;
    canh_outbox_t ob;
    uint64_t *seen; /* sorted keys of the previous run */
    size_t nseen;
    bool have_seen;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t sock_key(const sock_ent_t *e)
{
    uint64_t h = UINT64_C(14695981039346656037);
    uint8_t tag[3] = {(uint8_t)e->udp, (uint8_t)e->kind, (uint8_t)e->s.family};
    h = fnv(h, tag, sizeof tag);
    h = fnv(h, e->s.laddr, 16);
    h = fnv(h, &e->s.lport, sizeof e->s.lport);
    if (e->kind == K_OUT) {
        h = fnv(h, e->s.raddr, 16);
        h = fnv(h, &e->s.rport, sizeof e->s.rport);
    }
    return h;
}

static int u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct socks {
    sock_ent_t *v;
    size_t n, cap;
} socks_t;

/* Reads one /proc/net table into v (all sockets, classified later). */
static int read_table(canh_coll_net_t *n, const char *path, bool v6, bool udp, socks_t *v)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return CANH_OK; /* no IPv6, or no /proc: nothing to report */
    char line[LINE_MAX_BYTES];
    bool skipping = false, header = true;
    int rc = CANH_OK;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        bool whole = len > 0 && line[len - 1] == '\n';
        if (skipping || !whole) {
            skipping = !whole; /* an over-long line: not a socket line */
            continue;
        }
        if (header) {
            header = false;
            continue;
        }
        canh_sock_t s;
        if (canh_procnet_parse_line(canh_str(line, len - 1), v6, &s) != CANH_OK)
            continue;
        if (v->n >= CANH_COLL_MAX_SOCKETS) {
            n->c->stats.sockets_refused++;
            continue;
        }
        if (v->n == v->cap) {
            size_t nc = v->cap ? v->cap * 2 : 128;
            sock_ent_t *nv = canh_reallocarray(v->v, nc, sizeof *nv);
            if (!nv) {
                rc = CANH_ENOMEM;
                break;
            }
            v->v = nv;
            v->cap = nc;
        }
        v->v[v->n++] = (sock_ent_t){.s = s, .udp = udp, .kind = -1};
    }
    fclose(f);
    return rc;
}

static int portcmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Marks listeners and outbound connections; others stay kind -1. An
 * established socket whose local port is a listening port of the same
 * protocol (on any address) was accepted: inbound, not reported. */
static int classify(socks_t *v)
{
    size_t nl = 0;
    for (size_t i = 0; i < v->n; i++) {
        sock_ent_t *e = &v->v[i];
        if ((!e->udp && e->s.state == 0x0A) ||
            (e->udp && e->s.state == 0x07 && e->s.rport == 0 && e->s.lport != 0)) {
            e->kind = K_LISTEN;
            nl++;
        }
    }
    uint32_t *ports = canh_calloc(nl ? nl : 1, sizeof *ports);
    if (!ports)
        return CANH_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].kind == K_LISTEN)
            ports[k++] = (uint32_t)v->v[i].udp << 16 | v->v[i].s.lport;
    qsort(ports, nl, sizeof *ports, portcmp);
    for (size_t i = 0; i < v->n; i++) {
        sock_ent_t *e = &v->v[i];
        if (e->s.state != 0x01 || e->kind == K_LISTEN)
            continue;
        uint32_t key = (uint32_t)e->udp << 16 | e->s.lport;
        if (!bsearch(&key, ports, nl, sizeof *ports, portcmp))
            e->kind = K_OUT;
    }
    canh_free(ports);
    return CANH_OK;
}

typedef struct ino_ref {
    uint64_t inode;
    size_t idx;
} ino_ref_t;

static int inocmp(const void *a, const void *b)
{
    uint64_t x = ((const ino_ref_t *)a)->inode, y = ((const ino_ref_t *)b)->inode;
    return x < y ? -1 : x > y;
}

/* Finds the owning process of every socket to report. */
static int find_owners(canh_coll_net_t *n, socks_t *v)
{
    size_t want = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].report && v->v[i].s.inode)
            want++;
    if (want == 0)
        return CANH_OK;
    ino_ref_t *refs = canh_calloc(want, sizeof *refs);
    if (!refs)
        return CANH_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].report && v->v[i].s.inode)
            refs[k++] = (ino_ref_t){v->v[i].s.inode, i};
    qsort(refs, want, sizeof *refs, inocmp);
    DIR *proc = opendir("/proc");
    size_t found = 0;
    unsigned pids = 0;
    struct dirent *de;
    while (proc && found < want && (de = readdir(proc)) != NULL) {
        if (!canh_str_all_digits(canh_str_c(de->d_name), 10))
            continue;
        if (++pids > CANH_COLL_MAX_PIDS)
            break;
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/fd", de->d_name);
        DIR *fds = opendir(path);
        if (!fds)
            continue; /* gone, or not ours to see */
        struct dirent *fe;
        unsigned nfd = 0;
        while ((fe = readdir(fds)) != NULL && nfd++ < CANH_COLL_MAX_FDS) {
            char lp[300], target[64];
            if (fe->d_name[0] == '.')
                continue;
            snprintf(lp, sizeof lp, "/proc/%s/fd/%s", de->d_name, fe->d_name);
            ssize_t tl = readlink(lp, target, sizeof target);
            uint64_t ino;
            if (tl <= 0 || (size_t)tl >= sizeof target ||
                canh_procnet_socket_inode(canh_str(target, (size_t)tl), &ino) != CANH_OK)
                continue;
            ino_ref_t key = {ino, 0};
            ino_ref_t *hit = bsearch(&key, refs, want, sizeof *refs, inocmp);
            if (!hit)
                continue;
            /* Sockets shared by several processes (fork): the first wins;
             * equal inodes sit next to each other. */
            while (hit > refs && hit[-1].inode == ino)
                hit--;
            for (; hit < refs + want && hit->inode == ino; hit++)
                if (v->v[hit->idx].pid == 0) {
                    v->v[hit->idx].pid = (int32_t)strtol(de->d_name, NULL, 10);
                    found++;
                }
        }
        closedir(fds);
    }
    if (proc)
        closedir(proc);
    canh_free(refs);
    return CANH_OK;
}

static void format_ip(const canh_sock_t *s, const uint8_t *a, char *out, size_t size)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (s->family == AF_INET6 && memcmp(a, mapped, 12) == 0)
        inet_ntop(AF_INET, a + 12, out, (socklen_t)size); /* ::ffff:a.b.c.d */
    else
        inet_ntop(s->family, a, out, (socklen_t)size);
}

static int proc_info(int32_t pid, json_t *proc)
{
    char path[64], buf[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (f) {
        int bad = fgets(buf, 64, f) && canh_coll_json_setn(proc, "name", buf, strcspn(buf, "\n"));
        fclose(f);
        if (bad)
            return -1;
    }
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t k = readlink(path, buf, sizeof buf - 1);
    if (k > 0 && canh_coll_json_setn(proc, "executable", buf, (size_t)k))
        return -1;
    return json_object_set_new(proc, "pid", json_integer(pid));
}

static json_t *sock_doc(canh_coll_net_t *n, const sock_ent_t *e, bool full)
{
    bool listen = e->kind == K_LISTEN;
    json_t *doc = canh_coll_doc("ports", "state", "network", listen ? "info" : "connection");
    if (!doc)
        return NULL;
    char ip[INET6_ADDRSTRLEN];
    json_t *ev = canh_coll_json_obj(doc, "event"), *net = canh_coll_json_obj(doc, "network");
    json_t *src = canh_coll_json_obj(doc, "source"), *cj = canh_coll_json_obj(doc, "canh");
    json_t *cn = cj ? canh_coll_json_obj(cj, "net") : NULL;
    json_t *user = canh_coll_json_obj(doc, "user");
    char uid[16];
    snprintf(uid, sizeof uid, "%u", e->s.uid);
    format_ip(&e->s, e->s.laddr, ip, sizeof ip);
    bool v4 = strchr(ip, ':') == NULL;
    if (!ev || !net || !src || !cn || !user ||
        json_object_set_new(ev, "action",
                            json_string(listen ? "listening" : "connection-established")) ||
        json_object_set_new(net, "transport", json_string(e->udp ? "udp" : "tcp")) ||
        json_object_set_new(net, "type", json_string(v4 ? "ipv4" : "ipv6")) ||
        json_object_set_new(src, "ip", json_string(ip)) ||
        json_object_set_new(src, "port", json_integer(e->s.lport)) ||
        json_object_set_new(user, "id", json_string(uid)) ||
        json_object_set_new(cn, "state", json_string(listen ? "listen" : "established")) ||
        json_object_set_new(cn, "inode", json_integer((json_int_t)e->s.inode)) ||
        json_object_set_new(cn, "full", json_boolean(full)))
        goto fail;
    if (!listen) {
        json_t *dst = canh_coll_json_obj(doc, "destination");
        format_ip(&e->s, e->s.raddr, ip, sizeof ip);
        if (!dst || json_object_set_new(net, "direction", json_string("outbound")) ||
            json_object_set_new(dst, "ip", json_string(ip)) ||
            json_object_set_new(dst, "port", json_integer(e->s.rport)))
            goto fail;
    }
    if (e->pid > 0) {
        json_t *proc = canh_coll_json_obj(doc, "process");
        if (!proc || proc_info(e->pid, proc))
            goto fail;
    } else {
        n->c->stats.sockets_unowned++;
    }
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

static int run(canh_coll_net_t *n, canh_coll_emit_t *e)
{
    static const struct {
        const char *path;
        bool v6, udp;
    } tables[] = {{"/proc/net/tcp", false, false},
                  {"/proc/net/tcp6", true, false},
                  {"/proc/net/udp", false, true},
                  {"/proc/net/udp6", true, true}};
    socks_t v = {0};
    uint64_t *keys = NULL;
    int rc = CANH_OK;
    for (size_t t = 0; t < 4 && rc == CANH_OK; t++)
        rc = read_table(n, tables[t].path, tables[t].v6, tables[t].udp, &v);
    if (rc)
        goto out;
    if ((rc = classify(&v)) != CANH_OK)
        goto out;
    bool full = !n->have_seen || n->runs % n->full_every == 0;
    n->runs++;
    size_t nk = 0;
    keys = canh_calloc(v.n ? v.n : 1, sizeof *keys);
    if (!keys) {
        rc = CANH_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < v.n; i++) {
        sock_ent_t *s = &v.v[i];
        if (s->kind < 0)
            continue;
        s->key = sock_key(s);
        keys[nk++] = s->key;
        s->report = full || !bsearch(&s->key, n->seen, n->nseen, sizeof *n->seen, u64cmp);
    }
    n->c->stats.sockets = nk;
    if ((rc = find_owners(n, &v)) != CANH_OK)
        goto out;
    for (size_t i = 0; i < v.n && rc == CANH_OK; i++) {
        if (!v.v[i].report || v.v[i].kind < 0)
            continue;
        json_t *doc = sock_doc(n, &v.v[i], full);
        if (!doc) {
            rc = CANH_ENOMEM;
            break;
        }
        rc = canh_coll_offer_json(e, &n->ob, &n->c->stats, CANH_COLLECT_PORTS, "ports", doc, NULL);
        json_decref(doc);
        if (rc == CANH_ELIMIT) {
            n->c->stats.sockets_refused++;
            rc = CANH_OK;
        }
    }
    if (rc)
        goto out;
    qsort(keys, nk, sizeof *keys, u64cmp);
    canh_free(n->seen);
    n->seen = keys;
    n->nseen = nk;
    n->have_seen = true;
    keys = NULL;
out:
    canh_free(keys);
    canh_free(v.v);
    return rc;
}

int canh_coll_net_poll(canh_coll_net_t *n, canh_coll_emit_t *e, int64_t now)
{
    int rc = canh_coll_drain(e, &n->ob, &n->c->stats, CANH_COLLECT_PORTS, "ports");
    if (rc == CANH_EFULL)
        return CANH_OK;
    if (rc)
        return rc;
    if (now < n->next || !canh_coll_can_emit(e))
        return CANH_OK;
    n->next = now + (int64_t)n->interval_s * 1000;
    return run(n, e);
}

int64_t canh_coll_net_due(const canh_coll_net_t *n)
{
    return n->ob.head ? 0 : n->next;
}

void canh_coll_net_destroy(canh_coll_net_t *n)
{
    if (!n)
        return;
    canh_outbox_fini(&n->ob);
    canh_free(n->seen);
    canh_free(n);
}

int canh_coll_net_create(canh_collectors_t *c, const canh_collect_opts_t *o, canh_coll_net_t **out,
                         canh_errbuf_t *eb)
{
    (void)eb;
    *out = NULL;
    if (o->netconn_interval_s == 0)
        return CANH_OK;
    canh_coll_net_t *n = canh_calloc(1, sizeof *n);
    if (!n)
        return CANH_ENOMEM;
    n->c = c;
    n->interval_s = o->netconn_interval_s;
    n->full_every = FULL_EVERY_S / o->netconn_interval_s;
    if (n->full_every == 0)
        n->full_every = 1;
    canh_outbox_init(&n->ob, CANH_COLL_OUTBOX_MAX);
    *out = n;
    return CANH_OK;
}
