/* collect_journald.c - the local systemd journal, one ECS JSON document per
 * entry (origin "journald").
 *
 * The cursor of the last entry emit accepted is what checkpoint() saves in
 * STATE/journal.cursor; after a restart reading resumes after it. Without a
 * saved cursor reading starts at the journal's end when read_from_end is
 * set, else at its start. When no journal can be opened, or it holds no
 * file this process may read, that is said once through the logger and
 * counted (journal_unavailable), and the collector stays idle (entries that
 * appear later are still read). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "canh/mem.h"
#include "collect_int.h"

#define CURSOR_FILE "journal.cursor"
#define MAX_FIELDS 256
#define DATA_THRESHOLD (64u * 1024u) /* longest field value read */

struct canh_coll_journal {
    canh_collectors_t *c;
    sd_journal *j;
    int fd;
    bool more;          /* entries may be waiting */
    char *start_cursor; /* saved cursor: the entry at it was emitted already */
    bool check_start;
    char *pending; /* cursor of the parked record */
    char *emitted; /* cursor of the last record emit accepted */
    char *saved;   /* what the last checkpoint wrote */
    canh_outbox_t ob;
    canh_str_t *fields;
};

/* ---- entry -> JSON (pure) ----------------------------------------------------- */
static const char *const level_names[8] = {"emergency", "alert",  "critical", "error",
                                           "warning",   "notice", "info",     "debug"};

static bool field_is(canh_str_t key, const char *name)
{
    return canh_str_eq_c(key, name);
}

static bool small_uint(canh_str_t v, uint64_t max, uint64_t *out)
{
    return canh_str_to_u64(v, max, out) == CANH_OK;
}

json_t *canh_journal_entry_json(const canh_str_t *fields, size_t n, uint64_t realtime_us)
{
    char ts[32];
    canh_coll_iso((int64_t)(realtime_us > (uint64_t)INT64_MAX / 1000 ? 0 : realtime_us * 1000), ts);
    json_t *doc = json_object();
    if (!doc)
        return NULL;
    json_t *ev = canh_coll_json_obj(doc, "event");
    if (!ev || json_object_set_new(doc, "@timestamp", json_string(ts)) != 0 ||
        json_object_set_new(ev, "module", json_string("journald")) != 0 ||
        json_object_set_new(ev, "kind", json_string("event")) != 0)
        goto fail;
    canh_str_t ident = CANH_STR_NULL, comm = CANH_STR_NULL;
    for (size_t i = 0; i < n; i++) {
        canh_str_t f = fields[i];
        ptrdiff_t eq = f.p ? canh_str_chr(f, '=') : -1;
        if (eq <= 0)
            continue;
        canh_str_t key = canh_str(f.p, (size_t)eq);
        canh_str_t val = canh_str(f.p + eq + 1, f.n - (size_t)eq - 1);
        uint64_t u;
        json_t *o;
        int bad = 0;
        if (field_is(key, "MESSAGE")) {
            bad = canh_coll_json_setn(doc, "message", val.p, val.n);
        } else if (field_is(key, "_HOSTNAME")) {
            bad = !(o = canh_coll_json_obj(doc, "host")) ||
                  canh_coll_json_setn(o, "name", val.p, val.n);
        } else if (field_is(key, "_PID") && small_uint(val, INT32_MAX, &u)) {
            bad = !(o = canh_coll_json_obj(doc, "process")) ||
                  json_object_set_new(o, "pid", json_integer((json_int_t)u));
        } else if (field_is(key, "SYSLOG_IDENTIFIER")) {
            ident = val;
        } else if (field_is(key, "_COMM")) {
            comm = val;
        } else if (field_is(key, "_EXE")) {
            bad = !(o = canh_coll_json_obj(doc, "process")) ||
                  canh_coll_json_setn(o, "executable", val.p, val.n);
        } else if (field_is(key, "PRIORITY") && small_uint(val, 7, &u)) {
            json_t *lg = canh_coll_json_obj(doc, "log");
            json_t *sys = lg ? canh_coll_json_obj(lg, "syslog") : NULL;
            bad = !sys || json_object_set_new(sys, "priority", json_integer((json_int_t)u)) ||
                  json_object_set_new(lg, "level", json_string(level_names[u]));
        } else if (field_is(key, "SYSLOG_FACILITY") && small_uint(val, 23, &u)) {
            json_t *lg = canh_coll_json_obj(doc, "log");
            json_t *sys = lg ? canh_coll_json_obj(lg, "syslog") : NULL;
            json_t *fac = sys ? canh_coll_json_obj(sys, "facility") : NULL;
            bad = !fac || json_object_set_new(fac, "code", json_integer((json_int_t)u));
        } else if (field_is(key, "_SYSTEMD_UNIT")) {
            bad = !(o = canh_coll_json_obj(doc, "systemd")) ||
                  canh_coll_json_setn(o, "unit", val.p, val.n);
        } else if (field_is(key, "_UID") && small_uint(val, UINT32_MAX, &u)) {
            bad = !(o = canh_coll_json_obj(doc, "user")) ||
                  canh_coll_json_setn(o, "id", val.p, val.n);
        } else if (field_is(key, "_TRANSPORT")) {
            json_t *cj = canh_coll_json_obj(doc, "canh");
            json_t *jr = cj ? canh_coll_json_obj(cj, "journal") : NULL;
            bad = !jr || canh_coll_json_setn(jr, "transport", val.p, val.n);
        }
        if (bad)
            goto fail;
    }
    canh_str_t name = ident.p ? ident : comm;
    if (name.p) {
        json_t *o = canh_coll_json_obj(doc, "process");
        if (!o || canh_coll_json_setn(o, "name", name.p, name.n))
            goto fail;
    }
    return doc;
fail:
    json_decref(doc);
    return NULL;
}

/* ---- the collector ------------------------------------------------------------ */
static int set_str(char **dst, const char *s)
{
    char *d = s ? canh_strdup(s) : NULL;
    if (s && !d)
        return CANH_ENOMEM;
    canh_free(*dst);
    *dst = d;
    return CANH_OK;
}

static void unavailable(canh_coll_journal_t *j, const char *why)
{
    if (!j->c->stats.journal_unavailable && j->c->log)
        canh_log(j->c->log, CANH_LOG_WARN, "journald: %s; the journal collector stays idle", why);
    j->c->stats.journal_unavailable = 1;
}

static int read_entry(canh_coll_journal_t *j, canh_coll_emit_t *e)
{
    size_t n = 0;
    const void *d;
    size_t len;
    uint64_t rt = 0;
    sd_journal_restart_data(j->j);
    while (n < MAX_FIELDS && sd_journal_enumerate_data(j->j, &d, &len) > 0)
        j->fields[n++] = canh_str(d, len);
    if (sd_journal_get_realtime_usec(j->j, &rt) < 0)
        rt = 0;
    char *cur = NULL;
    if (sd_journal_get_cursor(j->j, &cur) < 0) {
        j->c->stats.journal_errors++;
        return CANH_OK;
    }
    int rc = CANH_OK;
    json_t *doc = canh_journal_entry_json(j->fields, n, rt);
    if (!doc) {
        rc = CANH_ENOMEM;
        goto out;
    }
    bool was_empty = j->ob.head == NULL;
    uint64_t before = j->ob.emitted_seq;
    rc =
        canh_coll_offer_json(e, &j->ob, &j->c->stats, CANH_COLLECT_JOURNALD, "journald", doc, NULL);
    if (rc == CANH_ELIMIT) {
        /* Cannot happen with one parked record at a time; treat as full. */
        rc = CANH_OK;
        goto out;
    }
    if (rc)
        goto out;
    if (was_empty && j->ob.emitted_seq != before)
        rc = set_str(&j->emitted, cur);
    else
        rc = set_str(&j->pending, cur);
out:
    json_decref(doc);
    free(cur); /* sd_journal's allocation */
    return rc;
}

int canh_coll_journal_poll(canh_coll_journal_t *j, canh_coll_emit_t *e, int64_t now)
{
    (void)now;
    if (!j->j)
        return CANH_OK;
    if (j->fd >= 0) {
        int r = sd_journal_process(j->j);
        if (r == SD_JOURNAL_APPEND || r == SD_JOURNAL_INVALIDATE)
            j->more = true;
    }
    int rc = canh_coll_drain(e, &j->ob, &j->c->stats, CANH_COLLECT_JOURNALD, "journald");
    if (rc == CANH_EFULL)
        return CANH_OK;
    if (rc)
        return rc;
    if (j->pending) {
        canh_free(j->emitted);
        j->emitted = j->pending;
        j->pending = NULL;
    }
    while (j->more && canh_coll_can_emit(e) && !j->ob.head) {
        int r = sd_journal_next(j->j);
        if (r < 0) {
            j->c->stats.journal_errors++;
            j->more = false;
            break;
        }
        if (r == 0) {
            j->more = false;
            break;
        }
        if (j->check_start) {
            j->check_start = false;
            if (j->start_cursor && sd_journal_test_cursor(j->j, j->start_cursor) > 0)
                continue; /* emitted before the restart */
        }
        j->c->stats.journal_unavailable = 0;
        if ((rc = read_entry(j, e)) != CANH_OK)
            return rc;
    }
    return CANH_OK;
}

int canh_coll_journal_fd(const canh_coll_journal_t *j)
{
    return j->fd;
}

int64_t canh_coll_journal_due(const canh_coll_journal_t *j)
{
    return j->j && (j->more || j->ob.head) ? 0 : INT64_MAX;
}

int canh_coll_journal_checkpoint(canh_coll_journal_t *j, canh_errbuf_t *eb)
{
    if (!j->emitted || (j->saved && strcmp(j->saved, j->emitted) == 0))
        return CANH_OK;
    int rc =
        canh_coll_write_atomic(j->c->state_dir, CURSOR_FILE, j->emitted, strlen(j->emitted), eb);
    if (rc == CANH_OK)
        (void)set_str(&j->saved, j->emitted); /* on ENOMEM: written again next time */
    return rc;
}

void canh_coll_journal_destroy(canh_coll_journal_t *j)
{
    if (!j)
        return;
    if (j->j)
        sd_journal_close(j->j);
    canh_outbox_fini(&j->ob);
    canh_free(j->start_cursor);
    canh_free(j->pending);
    canh_free(j->emitted);
    canh_free(j->saved);
    canh_free(j->fields);
    canh_free(j);
}

int canh_coll_journal_create(canh_collectors_t *c, const canh_collect_opts_t *o,
                             canh_coll_journal_t **out, canh_errbuf_t *eb)
{
    *out = NULL;
    if (!o->journald)
        return CANH_OK;
    canh_coll_journal_t *j = canh_calloc(1, sizeof *j);
    if (!j)
        return CANH_ENOMEM;
    int rc = CANH_OK;
    j->c = c;
    j->fd = -1;
    canh_outbox_init(&j->ob, CANH_COLL_OUTBOX_MAX);
    if (!(j->fields = canh_calloc(MAX_FIELDS, sizeof *j->fields))) {
        rc = CANH_ENOMEM;
        goto out;
    }
    int r = o->journal_dir ? sd_journal_open_directory(&j->j, o->journal_dir, 0)
                           : sd_journal_open(&j->j, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0) {
        char why[PATH_MAX + 64];
        snprintf(why, sizeof why, "cannot open the journal%s%s: %s", o->journal_dir ? " " : "",
                 o->journal_dir ? o->journal_dir : "", strerror(-r));
        j->j = NULL;
        unavailable(j, why);
        goto out;
    }
    sd_journal_set_data_threshold(j->j, DATA_THRESHOLD);
    uint64_t usage = 0;
    if (sd_journal_get_usage(j->j, &usage) < 0 || usage == 0)
        unavailable(j, "no journal file is readable here");
    j->fd = sd_journal_get_fd(j->j);
    if (j->fd < 0)
        j->fd = -1;

    char path[PATH_MAX], *cur = NULL;
    size_t n = 0;
    canh_errbuf_t leb;
    snprintf(path, sizeof path, "%s/%s", c->state_dir, CURSOR_FILE);
    r = canh_coll_read_file(path, 4096, &cur, &n, &leb);
    if (r == CANH_OK && n > 0 && sd_journal_seek_cursor(j->j, cur) >= 0) {
        j->start_cursor = cur;
        j->check_start = true;
        if (!(j->saved = canh_strdup(cur))) {
            rc = CANH_ENOMEM;
            goto out;
        }
    } else {
        canh_free(cur);
        if (r == CANH_ENOMEM) {
            rc = r;
            goto out;
        }
        if (o->read_from_end) {
            sd_journal_seek_tail(j->j);
            sd_journal_previous(j->j); /* next() then returns what comes after */
        } else {
            sd_journal_seek_head(j->j);
        }
    }
    j->more = true;
out:
    if (rc) {
        canh_coll_journal_destroy(j);
        return rc;
    }
    (void)eb;
    *out = j;
    return CANH_OK;
}
