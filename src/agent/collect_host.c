/* collect_host.c - host facts as one ECS JSON document (origin "host"), at
 * start and every inventory interval: names, operating system, kernel,
 * addresses, hardware, boot time and machine id. Nothing here queries DNS:
 * the FQDN comes from the host name itself or from /etc/hosts. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "canh/mem.h"
#include "canh/reader.h"
#include "collect_int.h"

#define SMALL_FILE (64u * 1024u)
#define MAX_ADDRS 256

struct canh_coll_host {
    canh_collectors_t *c;
    unsigned interval_s;
    int64_t next;
    canh_outbox_t ob;
};

/* ---- os-release (pure) ------------------------------------------------------- */
int canh_osrelease_get(canh_str_t text, const char *key, char *out, size_t outsz)
{
    canh_rd_t r = canh_rd(text);
    size_t klen = strlen(key);
    while (!canh_rd_eof(&r)) {
        canh_str_t line;
        if (!canh_rd_until(&r, '\n', &line)) {
            line = canh_rd_rest(&r);
            r.off = r.n;
        }
        line = canh_str_trim(line);
        if (line.n <= klen || memcmp(line.p, key, klen) != 0 || line.p[klen] != '=')
            continue;
        canh_str_t v = canh_str(line.p + klen + 1, line.n - klen - 1);
        size_t w = 0;
        char q = v.n > 0 && (v.p[0] == '"' || v.p[0] == '\'') ? v.p[0] : 0;
        size_t i = q ? 1 : 0;
        for (; i < v.n; i++) {
            char ch = v.p[i];
            if (q && ch == q)
                break;
            if (q == '"' && ch == '\\' && i + 1 < v.n) {
                ch = v.p[++i];
            }
            if (w + 1 >= outsz)
                return CANH_ELIMIT;
            out[w++] = ch;
        }
        if (outsz == 0)
            return CANH_ELIMIT;
        out[w] = '\0';
        return CANH_OK;
    }
    return CANH_ENOENT;
}

/* ---- gathering ---------------------------------------------------------------- */
static int read_small(const char *path, char **out, size_t *n)
{
    canh_errbuf_t eb;
    return canh_coll_read_file(path, SMALL_FILE, out, n, &eb);
}

/* First line of a small file, trimmed, into out. */
static bool first_line(const char *path, char *out, size_t size)
{
    char *t = NULL;
    size_t n;
    if (read_small(path, &t, &n) != CANH_OK)
        return false;
    canh_str_t s = canh_str(t, n);
    ptrdiff_t nl = canh_str_chr(s, '\n');
    if (nl >= 0)
        s.n = (size_t)nl;
    s = canh_str_trim(s);
    bool ok = s.n > 0 && s.n < size;
    if (ok) {
        memcpy(out, s.p, s.n);
        out[s.n] = '\0';
    }
    canh_free(t);
    return ok;
}

/* A name with a dot that /etc/hosts gives for host (first such name on a
 * line that names host). */
static bool fqdn_from_hosts(const char *host, char *out, size_t size)
{
    char *t = NULL;
    size_t n;
    if (read_small("/etc/hosts", &t, &n) != CANH_OK)
        return false;
    bool found = false;
    size_t hl = strlen(host);
    canh_rd_t r = canh_rd(canh_str(t, n));
    while (!found && !canh_rd_eof(&r)) {
        canh_str_t line;
        if (!canh_rd_until(&r, '\n', &line)) {
            line = canh_rd_rest(&r);
            r.off = r.n;
        }
        ptrdiff_t hash = canh_str_chr(line, '#');
        if (hash >= 0)
            line.n = (size_t)hash;
        canh_rd_t lr = canh_rd(line);
        canh_rd_spaces(&lr);
        canh_rd_word(&lr); /* the address */
        bool names_host = false;
        canh_str_t dotted = CANH_STR_NULL;
        for (;;) {
            canh_rd_spaces(&lr);
            canh_str_t w = canh_rd_word(&lr);
            if (w.n == 0)
                break;
            if (w.n == hl && memcmp(w.p, host, hl) == 0)
                names_host = true;
            if (!dotted.p && w.n > hl + 1 && memcmp(w.p, host, hl) == 0 && w.p[hl] == '.')
                dotted = w;
        }
        if (names_host && dotted.p && dotted.n < size) {
            memcpy(out, dotted.p, dotted.n);
            out[dotted.n] = '\0';
            found = true;
        }
    }
    canh_free(t);
    return found;
}

static int set_os(json_t *host, const struct utsname *u)
{
    char *t = NULL;
    size_t n = 0;
    json_t *os = canh_coll_json_obj(host, "os");
    if (!os || canh_coll_json_set(os, "type", "linux") ||
        canh_coll_json_set(os, "kernel", u->release))
        return -1;
    if (read_small("/etc/os-release", &t, &n) != CANH_OK &&
        read_small("/usr/lib/os-release", &t, &n) != CANH_OK)
        return 0;
    static const struct {
        const char *key, *field;
    } map[] = {{"NAME", "name"},
               {"VERSION_ID", "version"},
               {"PRETTY_NAME", "full"},
               {"ID", "platform"},
               {"VERSION_CODENAME", "codename"}};
    char v[256];
    int rc = 0;
    canh_str_t text = canh_str(t, n);
    for (size_t i = 0; i < sizeof map / sizeof map[0] && rc == 0; i++)
        if (canh_osrelease_get(text, map[i].key, v, sizeof v) == CANH_OK)
            rc = canh_coll_json_set(os, map[i].field, v);
    /* family: the first ID_LIKE, else ID ("debian", "rhel", ...) */
    if (rc == 0 && (canh_osrelease_get(text, "ID_LIKE", v, sizeof v) == CANH_OK ||
                    canh_osrelease_get(text, "ID", v, sizeof v) == CANH_OK)) {
        v[strcspn(v, " ")] = '\0';
        rc = canh_coll_json_set(os, "family", v);
    }
    canh_free(t);
    return rc;
}

static int set_addrs(json_t *host)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return 0;
    json_t *ips = json_array(), *macs = json_array();
    int rc = 0;
    if (!ips || !macs) {
        rc = -1;
        goto out;
    }
    for (struct ifaddrs *i = ifa; i && rc == 0; i = i->ifa_next) {
        if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        char buf[INET6_ADDRSTRLEN + 1];
        int fam = i->ifa_addr->sa_family;
        if ((fam == AF_INET || fam == AF_INET6) && json_array_size(ips) < MAX_ADDRS) {
            const void *a =
                fam == AF_INET
                    ? (const void *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr
                    : (const void *)&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
            if (inet_ntop(fam, a, buf, sizeof buf))
                rc = json_array_append_new(ips, json_string(buf));
        } else if (fam == AF_PACKET && json_array_size(macs) < MAX_ADDRS) {
            const struct sockaddr_ll *ll = (const struct sockaddr_ll *)(void *)i->ifa_addr;
            if (ll->sll_halen != 6)
                continue;
            char mac[18];
            snprintf(mac, sizeof mac, "%02X-%02X-%02X-%02X-%02X-%02X", ll->sll_addr[0],
                     ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
                     ll->sll_addr[5]);
            bool dup = false;
            for (size_t k = 0; k < json_array_size(macs) && !dup; k++)
                dup = strcmp(json_string_value(json_array_get(macs, k)), mac) == 0;
            if (!dup)
                rc = json_array_append_new(macs, json_string(mac));
        }
    }
    if (rc == 0 && json_array_size(ips) > 0) {
        rc = json_object_set_new(host, "ip", ips);
        ips = NULL;
    }
    if (rc == 0 && json_array_size(macs) > 0) {
        rc = json_object_set_new(host, "mac", macs);
        macs = NULL;
    }
out:
    json_decref(ips);
    json_decref(macs);
    freeifaddrs(ifa);
    return rc ? -1 : 0;
}

/* The host facts document (NULL on ENOMEM). */
static json_t *host_doc(void)
{
    json_t *doc = canh_coll_doc("host", "state", "host", "info");
    json_t *host = doc ? canh_coll_json_obj(doc, "host") : NULL;
    json_t *cj = doc ? canh_coll_json_obj(doc, "canh") : NULL;
    json_t *ch = cj ? canh_coll_json_obj(cj, "host") : NULL;
    if (!ch)
        goto fail;
    char name[HOST_NAME_MAX + 1] = "", fqdn[256], buf[256];
    if (gethostname(name, sizeof name) == 0 && name[0]) {
        name[sizeof name - 1] = '\0';
        char shortname[HOST_NAME_MAX + 1];
        snprintf(shortname, sizeof shortname, "%s", name);
        shortname[strcspn(shortname, ".")] = '\0';
        if (canh_coll_json_set(host, "name", name) ||
            canh_coll_json_set(host, "hostname", shortname))
            goto fail;
        const char *dot = strchr(name, '.');
        bool have = dot != NULL;
        if (have)
            snprintf(fqdn, sizeof fqdn, "%s", name);
        else
            have = fqdn_from_hosts(name, fqdn, sizeof fqdn);
        if (have) {
            const char *d = strchr(fqdn, '.');
            if (canh_coll_json_set(ch, "fqdn", fqdn) ||
                (d && d[1] && canh_coll_json_set(host, "domain", d + 1)))
                goto fail;
        }
    }
    struct utsname u;
    if (uname(&u) == 0) {
        if (canh_coll_json_set(host, "architecture", u.machine) || set_os(host, &u))
            goto fail;
    }
    if (set_addrs(host))
        goto fail;
    if (first_line("/etc/machine-id", buf, sizeof buf) && canh_coll_json_set(host, "id", buf))
        goto fail;
    if (first_line("/proc/sys/kernel/random/boot_id", buf, sizeof buf)) {
        json_t *boot = canh_coll_json_obj(host, "boot");
        if (!boot || canh_coll_json_set(boot, "id", buf))
            goto fail;
    }
    struct sysinfo si;
    if (sysinfo(&si) == 0) {
        char ts[32];
        int64_t boot_ns = canh_coll_real_ns() - (int64_t)si.uptime * 1000000000;
        canh_coll_iso(boot_ns, ts);
        if (json_object_set_new(host, "uptime", json_integer(si.uptime)) ||
            json_object_set_new(ch, "memory_bytes",
                                json_integer((json_int_t)((uint64_t)si.totalram * si.mem_unit))) ||
            canh_coll_json_set(ch, "boot_time", ts))
            goto fail;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && json_object_set_new(ch, "cpu_count", json_integer(cpus)))
        goto fail;
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

int canh_coll_host_poll(canh_coll_host_t *h, canh_coll_emit_t *e, int64_t now)
{
    int rc = canh_coll_drain(e, &h->ob, &h->c->stats, CANH_COLLECT_HOST, "host");
    if (rc == CANH_EFULL)
        return CANH_OK;
    if (rc)
        return rc;
    if (now < h->next || !canh_coll_can_emit(e))
        return CANH_OK;
    h->next = now + (int64_t)h->interval_s * 1000;
    json_t *doc = host_doc();
    if (!doc)
        return CANH_ENOMEM;
    rc = canh_coll_offer_json(e, &h->ob, &h->c->stats, CANH_COLLECT_HOST, "host", doc, NULL);
    json_decref(doc);
    return rc == CANH_ELIMIT ? CANH_OK : rc;
}

int64_t canh_coll_host_due(const canh_coll_host_t *h)
{
    return h->ob.head ? 0 : h->next;
}

void canh_coll_host_destroy(canh_coll_host_t *h)
{
    if (!h)
        return;
    canh_outbox_fini(&h->ob);
    canh_free(h);
}

int canh_coll_host_create(canh_collectors_t *c, const canh_collect_opts_t *o,
                          canh_coll_host_t **out, canh_errbuf_t *eb)
{
    (void)eb;
    *out = NULL;
    if (o->inventory_interval_s == 0)
        return CANH_OK;
    canh_coll_host_t *h = canh_calloc(1, sizeof *h);
    if (!h)
        return CANH_ENOMEM;
    h->c = c;
    h->interval_s = o->inventory_interval_s;
    canh_outbox_init(&h->ob, CANH_COLL_OUTBOX_MAX);
    *out = h;
    return CANH_OK;
}
