/* server_worker.c - the decode/enrich/detect workers.
 *
 * Each worker owns a pipeline (decoder, event, detector) and loops: take up
 * to SRV_CHUNK_ROWS records from the input queue with a ticket, run each
 * through the pipeline, encode the event and its alerts into a chunk, wait
 * for its ticket's turn and hand the chunks to the writer. The turn keeps
 * the writer's order equal to the input queue's order (see canh/server.h:
 * an agent's batches must complete in sequence). A worker blocks on a full
 * store queue, which stops it taking records, which fills the input queue,
 * which makes the listeners stop reading: back-pressure end to end. */
#include <string.h>

#include "canh/mem.h"
#include "server_int.h"

static inline void inc(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

srv_chunk_t *srv_chunk_get(srv_t *s)
{
    void *p;
    if (canh_queue_pop_many(s->freeq, &p, 1, 0) == 1) {
        srv_chunk_t *c = p;
        c->nrows = c->nalerts = 0;
        canh_buf_reset(&c->data);
        return c;
    }
    srv_chunk_t *c = canh_malloc(sizeof *c);
    if (!c)
        return NULL;
    c->nrows = c->nalerts = 0;
    canh_buf_init(&c->data, SRV_CHUNK_MAX);
    return c;
}

void srv_chunk_free(srv_chunk_t *c)
{
    if (!c)
        return;
    canh_buf_fini(&c->data);
    canh_free(c);
}

/* Keeps a chunk for reuse unless it grew large (one huge record should not
 * pin its memory) or enough are kept already. */
void srv_chunk_put(srv_t *s, srv_chunk_t *c)
{
    if (c->data.cap > 4 * SRV_CHUNK_SOFT || canh_queue_try_push(s->freeq, c) != CANH_OK)
        srv_chunk_free(c);
}

/* ---- encoding one record into a chunk --------------------------------------------------- */

typedef struct wctx {
    srv_t *s;
    srv_worker_t *w;
    canh_pipeline_t *pipe;
    srv_chunk_t *cur;
    /* Full chunks of this ticket, in order: a record starts at most two. */
    srv_chunk_t *done[2 * SRV_CHUNK_ROWS + 2];
    size_t ndone;
    bool alerts_failed;            /* an alert of the current record did not fit */
    size_t alerts_mark, data_mark; /* to undo a record that does not fit */
    int64_t last_agent;
    char agent_name[128];
    uint64_t gen; /* engine generation at start */
} wctx_t;

static uint32_t put_str(canh_buf_t *b, const char *str)
{
    if (!str)
        return SRV_NO_STR;
    uint32_t off = (uint32_t)b->len;
    if (canh_buf_append(b, str, strlen(str) + 1) != CANH_OK)
        return SRV_NO_STR;
    return off;
}

static int on_alert(void *ud, const canh_alert_t *a, const canh_event_t *ev)
{
    wctx_t *x = ud;
    srv_chunk_t *c = x->cur;
    if (c->nalerts == SRV_CHUNK_ALERTS) {
        x->alerts_failed = true;
        return 0;
    }
    srv_alert_row_t *ar = &c->alerts[c->nalerts];
    canh_buf_t *b = &c->data;
    ar->ts = ev->ts;
    ar->level = (uint8_t)a->level;
    ar->rule_id_off = put_str(b, a->rule_id);
    ar->source_off = put_str(b, a->rule_source);
    ar->json_off = (uint32_t)b->len;
    if (canh_alert_to_json(a, ev, b) != CANH_OK || canh_buf_putc(b, '\0') != CANH_OK) {
        x->alerts_failed = true;
        return 0;
    }
    ar->json_len = (uint32_t)(b->len - ar->json_off - 1);
    c->nalerts++;
    return 0;
}

static const char *agent_name(wctx_t *x, int64_t id)
{
    if (!x->s->agents)
        return NULL;
    if (id != x->last_agent) {
        if (canh_agent_server_agent_name(x->s->agents, id, x->agent_name, sizeof x->agent_name) !=
            CANH_OK)
            x->agent_name[0] = '\0';
        x->last_agent = id;
    }
    return x->agent_name[0] ? x->agent_name : NULL;
}

/* Moves to a fresh chunk when the current one is full. false: no memory. */
static bool next_chunk(wctx_t *x)
{
    x->done[x->ndone++] = x->cur;
    x->cur = srv_chunk_get(x->s);
    return x->cur != NULL;
}

/* Decodes, detects and encodes one record into the current chunk. The ack
 * moves from the record to the row. Returns false when out of memory. */
static bool encode_record(wctx_t *x, canh_inrec_t *r)
{
    srv_chunk_t *c = x->cur;
    /* Room for this record's row and a fair number of alerts, so that the
     * undo-and-retry below stays a rare path. */
    if (c->nrows == SRV_CHUNK_ROWS || c->data.len > SRV_CHUNK_SOFT ||
        c->nalerts > SRV_CHUNK_ALERTS - 64) {
        if (!next_chunk(x))
            return false;
        c = x->cur;
    }
    canh_recinfo_t ri = {
        .truncated = (r->flags & CANH_INREC_TRUNCATED) != 0,
        .transport = r->transport,
        .peer = r->peer,
        .agent_id = r->agent_id,
        .origin = r->origin,
    };
    if (r->transport == CANH_TRANSPORT_AGENT)
        ri.agent_name = agent_name(x, r->agent_id);
    for (int attempt = 0; attempt < 2; attempt++) {
        x->alerts_failed = false;
        size_t mark_alerts = c->nalerts, mark_data = c->data.len;
        canh_pipeline_run(x->pipe, r->data, r->len, &ri, on_alert, x);
        const canh_event_t *ev = canh_pipeline_event(x->pipe);
        canh_event_cols_t cols;
        canh_event_cols(ev, &cols);
        srv_row_t *row = &c->rows[c->nrows];
        canh_buf_t *b = &c->data;
        row->ts = ev->ts;
        row->ds_off = put_str(b, cols.ds ? cols.ds : "");
        row->src_off = put_str(b, cols.src);
        row->dst_off = put_str(b, cols.dst);
        row->host_off = put_str(b, cols.host);
        row->json_off = (uint32_t)b->len;
        bool ok = !x->alerts_failed && row->ds_off != SRV_NO_STR &&
                  canh_event_to_json(ev, b) == CANH_OK && canh_buf_putc(b, '\0') == CANH_OK;
        if (ok) {
            row->json_len = (uint32_t)(b->len - row->json_off - 1);
            row->agent_id = r->agent_id;
            row->seq = r->seq;
            row->ack = r->ack;
            r->ack = NULL;
            c->nrows++;
            return true;
        }
        /* Undo, and try once more in an empty chunk; a record that does
         * not fit an empty chunk is counted (never silently lost). The
         * pipeline runs again, so its counters and correlation windows see
         * the record twice, only in this rare case (more than 64 alerts
         * from one record, or a chunk near its 256 MiB limit). */
        c->nalerts = mark_alerts;
        c->data.len = mark_data;
        if (attempt == 0 && (c->nrows > 0 || mark_data > 0)) {
            if (!next_chunk(x))
                return false;
            c = x->cur;
            continue;
        }
        break;
    }
    inc(&x->w->stats.too_large, 1);
    /* The record is gone: its ack reference must not vouch for it. The
     * batch then never completes, so the agent sends it again. */
    if (r->ack)
        r->ack->fn = NULL;
    return true;
}

/* ---- the worker thread ---------------------------------------------------------------------- */

static void gate_wait(srv_t *s, uint64_t ticket)
{
    pthread_mutex_lock(&s->gate_lock);
    while (s->gate_next != ticket)
        pthread_cond_wait(&s->gate_cond, &s->gate_lock);
    pthread_mutex_unlock(&s->gate_lock);
}

static void gate_pass(srv_t *s)
{
    pthread_mutex_lock(&s->gate_lock);
    s->gate_next++;
    pthread_cond_broadcast(&s->gate_cond);
    pthread_mutex_unlock(&s->gate_lock);
}

static void hand_over(srv_t *s, srv_worker_t *w, srv_chunk_t *c)
{
    if (c->nrows == 0) {
        srv_chunk_put(s, c);
        return;
    }
    /* The store queue is closed only after every worker has exited, so
     * this waits for room and does not fail; if it ever did, the rows are
     * counted as lost and their batches are not acknowledged. */
    if (canh_queue_push(s->outq, c, -1) == CANH_OK)
        return;
    inc(&w->stats.too_large, c->nrows);
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].ack) {
            c->rows[i].ack->fn = NULL;
            canh_ack_release(c->rows[i].ack);
        }
    srv_chunk_free(c);
}

static void *worker_main(void *arg)
{
    wctx_t *x = arg;
    srv_worker_t *w = x->w;
    srv_t *s = x->s;
    canh_inrec_t *recs[SRV_CHUNK_ROWS];
    uint64_t gen = x->gen;
    int64_t last_now = 0;
    for (;;) {
        /* A reload: move to the new engine between two chunks. */
        uint64_t g = canh_engine_slot_generation(s->slot);
        if (g != gen) {
            canh_engine_t *ne = canh_engine_slot_get(s->slot);
            if (canh_pipeline_set_engine(x->pipe, ne) == CANH_OK)
                gen = g;
            canh_engine_release(ne);
        }
        pthread_mutex_lock(&s->pop_lock);
        size_t n = canh_queue_pop_many(s->inq, (void **)recs, SRV_CHUNK_ROWS, 200);
        uint64_t ticket = n ? s->next_ticket++ : 0;
        pthread_mutex_unlock(&s->pop_lock);
        if (n == 0) {
            if (canh_queue_closed(s->inq) && canh_queue_depth(s->inq) == 0)
                break;
            continue;
        }
        int64_t now = srv_now_ns();
        if (now - last_now > CANH_NS_PER_SEC) {
            canh_pipeline_set_now(x->pipe, now);
            last_now = now;
        }
        x->ndone = 0;
        x->cur = srv_chunk_get(s);
        size_t i = 0;
        for (; i < n && x->cur; i++) {
            if (!encode_record(x, recs[i]))
                break;
            inc(&w->stats.from_transport[recs[i]->transport % 5], 1);
        }
        if (x->cur)
            x->done[x->ndone++] = x->cur;
        x->cur = NULL;
        /* Out of memory part-way: what was not encoded is lost, counted. */
        if (i < n) {
            inc(&w->stats.too_large, n - i);
            for (size_t j = i; j < n; j++)
                if (recs[j]->ack)
                    recs[j]->ack->fn = NULL;
        }
        const canh_pipeline_stats_t *ps = canh_pipeline_stats(x->pipe);
        atomic_store_explicit(&w->stats.records, ps->records, memory_order_relaxed);
        atomic_store_explicit(&w->stats.decoded_generic, ps->generic, memory_order_relaxed);
        atomic_store_explicit(&w->stats.truncated, ps->truncated, memory_order_relaxed);
        atomic_store_explicit(&w->stats.bad_time, ps->bad_time, memory_order_relaxed);
        atomic_store_explicit(&w->stats.alerts, ps->alerts, memory_order_relaxed);
        for (int l = 0; l < 5; l++)
            atomic_store_explicit(&w->stats.alerts_by_level[l], ps->alerts_by_level[l],
                                  memory_order_relaxed);
        canh_detector_stats_t ds;
        canh_pipeline_corr_stats(x->pipe, &ds);
        atomic_store_explicit(&w->stats.corr_groups, ds.corr_groups, memory_order_relaxed);
        atomic_store_explicit(&w->stats.corr_evictions, ds.corr_evictions, memory_order_relaxed);
        atomic_store_explicit(&w->stats.corr_expired, ds.corr_expired, memory_order_relaxed);
        atomic_store_explicit(&w->stats.corr_late, ds.corr_late, memory_order_relaxed);
        gate_wait(s, ticket);
        for (size_t k = 0; k < x->ndone; k++)
            hand_over(s, w, x->done[k]);
        gate_pass(s);
        for (size_t k = 0; k < n; k++)
            canh_inrec_free(recs[k]);
    }
    canh_pipeline_destroy(x->pipe);
    canh_free(x);
    return NULL;
}

/* The pipeline is built here, on the caller's thread, so that a failure is
 * reported before anything runs. */
int srv_workers_start(srv_t *s, canh_errbuf_t *eb)
{
    for (unsigned i = 0; i < s->nworkers; i++) {
        srv_worker_t *w = &s->workers[i];
        w->srv = s;
        w->index = i;
        wctx_t *x = canh_calloc(1, sizeof *x);
        if (!x)
            return CANH_ENOMEM;
        x->s = s;
        x->w = w;
        x->last_agent = -1;
        canh_pipeline_opts_t po = {.tz_off = s->tz_off,
                                   .corr_max_groups = (size_t)s->settings->corr_groups};
        x->gen = canh_engine_slot_generation(s->slot);
        canh_engine_t *e = canh_engine_slot_get(s->slot);
        int rc = canh_pipeline_create(&po, e, &x->pipe, eb);
        canh_engine_release(e);
        if (rc == CANH_OK && pthread_create(&w->thread, NULL, worker_main, x) != 0)
            rc = canh_errf(eb, CANH_EIO, "server: cannot start worker %u", i);
        if (rc) {
            canh_pipeline_destroy(x->pipe);
            canh_free(x);
            return rc;
        }
        w->started = true;
    }
    return CANH_OK;
}

void srv_workers_join(srv_t *s)
{
    for (unsigned i = 0; i < s->nworkers; i++)
        if (s->workers[i].started) {
            pthread_join(s->workers[i].thread, NULL);
            s->workers[i].started = false;
        }
}
