/* server_writer.c - the store writer: one thread, its own store connection,
 * batched transactions, agent acknowledgements, retention.
 *
 * Chunks arrive in input order (the workers' ticket gate). Their rows are
 * inserted into the open transaction at once; the transaction commits when
 * it holds server.batch_rows rows, when its first row is server.batch_ms
 * old, or when no chunk came for that long. Before the commit, for every
 * agent with a batch that is complete in this transaction (every record of
 * the batch is stored by now: the ack's remaining references are exactly
 * the rows held here), the highest such sequence is recorded with
 * canh_store_agent_seq_set in the same transaction. After the commit each
 * row's ack reference is released; the last release sends the ACK.
 *
 * A failed commit is rolled back and retried with the same rows (kept until
 * they commit), with a growing pause; meanwhile the store queue fills and
 * back-pressure reaches the senders. Only at shutdown, after a few more
 * attempts, are rows given up: counted in lost, their batches not
 * acknowledged (agents send them again). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canh/mem.h"
#include "server_int.h"

static inline void inc(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

typedef struct ack_ent {
    canh_ack_t *ack;
    uint32_t count;
} ack_ent_t;

typedef struct writer {
    srv_t *s;
    srv_chunk_t **held; /* chunks of the open transaction */
    size_t nheld, capheld;
    size_t ninserted; /* held[0..ninserted) are inserted in the open transaction */
    ack_ent_t *acks;  /* one entry per run of rows with the same ack */
    size_t nacks, capacks;
    uint64_t rows, alerts, row_errors;
    bool in_txn;
    int64_t txn_start; /* monotonic ns of the first row */
    int64_t work_ns;   /* time spent inserting and committing this transaction */
    int64_t next_retention, next_size_check, next_mark;
    canh_errbuf_t eb;
    uint64_t failures; /* consecutive failed commits */
} writer_t;

static const char *str_at(const srv_chunk_t *c, uint32_t off)
{
    return off == SRV_NO_STR ? NULL : c->data.data + off;
}

static bool grow(void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *nv = canh_reallocarray(*v, ncap, size);
    if (!nv)
        return false;
    *v = nv;
    *cap = ncap;
    return true;
}

/* Inserts a chunk's rows and alerts into the open transaction. */
static void insert_chunk(writer_t *wr, const srv_chunk_t *c)
{
    srv_t *s = wr->s;
    for (size_t i = 0; i < c->nrows; i++) {
        const srv_row_t *r = &c->rows[i];
        if (canh_store_event_add(s->store, r->ts, str_at(c, r->ds_off), str_at(c, r->src_off),
                                 str_at(c, r->dst_off), str_at(c, r->host_off),
                                 c->data.data + r->json_off, r->json_len, &wr->eb) != CANH_OK)
            wr->row_errors++;
    }
    for (size_t i = 0; i < c->nalerts; i++) {
        const srv_alert_row_t *a = &c->alerts[i];
        if (canh_store_alert_add(s->store, a->ts, str_at(c, a->rule_id_off),
                                 str_at(c, a->source_off), canh_level_name(a->level),
                                 c->data.data + a->json_off, a->json_len, &wr->eb) != CANH_OK)
            wr->row_errors++;
    }
}

static int begin(writer_t *wr)
{
    if (wr->in_txn)
        return CANH_OK;
    int rc = canh_store_begin(wr->s->store, &wr->eb);
    if (rc == CANH_OK) {
        wr->in_txn = true;
        wr->txn_start = srv_mono_ns();
    }
    return rc;
}

/* Takes a chunk into the open transaction. false: no memory to hold it
 * (the caller commits first and tries again). */
static bool take(writer_t *wr, srv_chunk_t *c)
{
    if (!grow((void **)&wr->held, &wr->capheld, wr->nheld + 1, sizeof(srv_chunk_t *)) ||
        !grow((void **)&wr->acks, &wr->capacks, wr->nacks + c->nrows, sizeof *wr->acks))
        return false;
    wr->held[wr->nheld++] = c;
    for (size_t i = 0; i < c->nrows; i++) {
        canh_ack_t *a = c->rows[i].ack;
        if (!a)
            continue;
        if (wr->nacks && wr->acks[wr->nacks - 1].ack == a)
            wr->acks[wr->nacks - 1].count++;
        else
            wr->acks[wr->nacks++] = (ack_ent_t){a, 1};
    }
    wr->rows += c->nrows;
    wr->alerts += c->nalerts;
    if (wr->ninserted + 1 == wr->nheld && begin(wr) == CANH_OK) {
        int64_t t0 = srv_mono_ns();
        insert_chunk(wr, c);
        wr->work_ns += srv_mono_ns() - t0;
        wr->ninserted++;
    }
    return true;
}

static int cmp_ack(const void *a, const void *b)
{
    const ack_ent_t *x = a, *y = b;
    return x->ack < y->ack ? -1 : x->ack > y->ack;
}

typedef struct agent_seq {
    int64_t agent;
    uint64_t seq;
} agent_seq_t;

static int cmp_agent(const void *a, const void *b)
{
    const agent_seq_t *x = a, *y = b;
    if (x->agent != y->agent)
        return x->agent < y->agent ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Records, for each agent stream with a batch complete in this
 * transaction, its highest complete sequence. Entries are merged per ack first (a batch's
 * rows may be interleaved with other agents'). */
static int record_agent_seqs(writer_t *wr)
{
    if (wr->nacks == 0)
        return CANH_OK;
    qsort(wr->acks, wr->nacks, sizeof *wr->acks, cmp_ack);
    size_t m = 0;
    for (size_t i = 0; i < wr->nacks; i++) {
        if (m && wr->acks[m - 1].ack == wr->acks[i].ack)
            wr->acks[m - 1].count += wr->acks[i].count;
        else
            wr->acks[m++] = wr->acks[i];
    }
    wr->nacks = m;
    agent_seq_t *v = canh_calloc(m, sizeof *v);
    if (!v)
        return CANH_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m; i++) {
        canh_ack_t *a = wr->acks[i].ack;
        /* Complete: nobody but these rows holds a reference. */
        if (atomic_load_explicit(&a->refs, memory_order_acquire) == wr->acks[i].count)
            v[n++] = (agent_seq_t){a->agent_id, a->seq};
    }
    qsort(v, n, sizeof *v, cmp_agent);
    int rc = CANH_OK;
    for (size_t i = 0; i < n && rc == CANH_OK; i++) {
        /* Sorted by (agent, seq): the last of each (agent, stream) is its
         * highest (canh/agent.h: seq = stream << CANH_AGENT_SEQ_BITS | n). */
        if (i + 1 < n && v[i + 1].agent == v[i].agent &&
            v[i + 1].seq >> CANH_AGENT_SEQ_BITS == v[i].seq >> CANH_AGENT_SEQ_BITS)
            continue;
        rc = canh_store_agent_seq_set(wr->s->store, v[i].agent, v[i].seq, &wr->eb);
        if (rc == CANH_OK)
            inc(&wr->s->wstats.agent_seq_set, 1);
    }
    canh_free(v);
    return rc;
}

static void observe_batch(srv_t *s, int64_t ns)
{
    static const double bounds[] = SRV_BATCH_BUCKETS;
    double sec = (double)ns / 1e9;
    size_t b = 0;
    while (b < sizeof bounds / sizeof bounds[0] && sec > bounds[b])
        b++;
    inc(&s->wstats.batch_hist[b], 1);
    inc(&s->wstats.batch_ns_sum, (uint64_t)ns);
    inc(&s->wstats.batch_count, 1);
}

/* Lets the held chunks go: acks released (or cancelled when the rows were
 * not stored), chunks recycled. */
static void finish_held(writer_t *wr, bool stored)
{
    srv_t *s = wr->s;
    uint64_t released = 0;
    for (size_t i = 0; i < wr->nheld; i++) {
        srv_chunk_t *c = wr->held[i];
        for (size_t j = 0; j < c->nrows; j++) {
            canh_ack_t *a = c->rows[j].ack;
            if (!a)
                continue;
            if (!stored)
                a->fn = NULL;
            canh_ack_release(a);
            released++;
        }
        srv_chunk_put(s, c);
    }
    inc(&s->wstats.acks_released, released);
    wr->nheld = wr->nacks = wr->ninserted = 0;
    wr->rows = wr->alerts = wr->row_errors = 0;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Commits the open transaction, retrying as described at the top. */
static void commit(writer_t *wr)
{
    srv_t *s = wr->s;
    if (wr->nheld == 0 && !wr->in_txn)
        return;
    for (unsigned attempt = 0;; attempt++) {
        /* Whatever is not in the open transaction yet (all of it after a
         * rollback) goes in now. */
        int64_t t0 = srv_mono_ns();
        int rc = begin(wr);
        for (; rc == CANH_OK && wr->ninserted < wr->nheld; wr->ninserted++)
            insert_chunk(wr, wr->held[wr->ninserted]);
        if (rc == CANH_OK)
            rc = record_agent_seqs(wr);
        if (rc == CANH_OK)
            rc = canh_store_commit(s->store, &wr->eb);
        if (rc == CANH_OK) {
            wr->in_txn = false;
            observe_batch(s, wr->work_ns + (srv_mono_ns() - t0));
            wr->work_ns = 0;
            inc(&s->wstats.commits, 1);
            inc(&s->wstats.stored_events, wr->rows);
            inc(&s->wstats.stored_alerts, wr->alerts);
            if (wr->row_errors) {
                inc(&s->wstats.store_errors, wr->row_errors);
                srv_log(s, CANH_LOG_ERROR, "store: %" PRIu64 " rows not stored: %s", wr->row_errors,
                        wr->eb.msg);
            }
            if (wr->failures)
                srv_log(s, CANH_LOG_INFO, "store: commits work again");
            wr->failures = 0;
            finish_held(wr, true);
            return;
        }
        canh_store_rollback(s->store);
        wr->in_txn = false;
        wr->ninserted = 0;
        wr->work_ns = 0;
        wr->row_errors = 0;
        inc(&s->wstats.store_errors, 1);
        if (wr->failures++ == 0 || attempt % 30 == 0)
            srv_log(s, CANH_LOG_ERROR, "store: commit of %" PRIu64 " rows failed, retrying: %s",
                    wr->rows, wr->eb.msg);
        if (atomic_load(&s->writer_stop) && attempt >= 3) {
            srv_log(s, CANH_LOG_ERROR, "store: giving up %" PRIu64 " rows at shutdown", wr->rows);
            inc(&s->wstats.lost, wr->rows);
            finish_held(wr, false);
            return;
        }
        pause_ms(attempt < 10 ? 100 * (int)(attempt + 1) : 1000);
    }
}

/* ---- retention ----------------------------------------------------------------------------- */

static void retention(writer_t *wr, int64_t now_mono)
{
    srv_t *s = wr->s;
    if (now_mono >= wr->next_size_check) {
        uint64_t used;
        if (canh_store_used_bytes(s->store, &used, &wr->eb) == CANH_OK)
            atomic_store(&s->wstats.used_bytes, used);
        wr->next_size_check = now_mono + 10 * CANH_NS_PER_SEC;
    }
    if (now_mono >= wr->next_mark) {
        /* Arrival marks: ages count from when rows were stored. */
        int64_t longest = s->retention.max_age_days;
        for (size_t i = 0; i < s->retention.ndatasets; i++)
            if (s->retention.datasets[i].max_age_days > longest)
                longest = s->retention.datasets[i].max_age_days;
        if (canh_store_mark_ingest(s->store, srv_now_ns() / CANH_NS_PER_SEC, (longest + 1) * 86400,
                                   &wr->eb) != CANH_OK)
            srv_log(s, CANH_LOG_ERROR, "retention: %s", wr->eb.msg);
        wr->next_mark = now_mono + 600 * CANH_NS_PER_SEC;
    }
    if (now_mono < wr->next_retention)
        return;
    canh_retention_result_t res;
    int64_t t0 = srv_mono_ns();
    if (canh_store_retention_step(s->store, &s->retention, srv_now_ns(), 10000, &res, &wr->eb) !=
        CANH_OK) {
        srv_log(s, CANH_LOG_ERROR, "retention: %s", wr->eb.msg);
        wr->next_retention = now_mono + 60 * CANH_NS_PER_SEC;
        return;
    }
    inc(&s->wstats.retention_runs, 1);
    inc(&s->wstats.retention_events, res.events_aged + res.events_sized);
    inc(&s->wstats.retention_alerts, res.alerts_aged + res.alerts_sized);
    if (res.events_aged + res.events_sized + res.alerts_aged + res.alerts_sized)
        srv_log(s, CANH_LOG_DEBUG,
                "retention: removed %" PRIu64 " events, %" PRIu64 " alerts in %.1f ms",
                res.events_aged + res.events_sized, res.alerts_aged + res.alerts_sized,
                (double)(srv_mono_ns() - t0) / 1e6);
    /* More to do: come back soon, letting a few batches of new rows in
     * between; else at the next interval. */
    int64_t iv = s->settings->ret_interval > 0 ? s->settings->ret_interval : 3600;
    wr->next_retention = now_mono + (res.more ? CANH_NS_PER_SEC / 10 : iv * CANH_NS_PER_SEC);
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void *writer_main(void *arg)
{
    srv_t *s = arg;
    writer_t wr = {.s = s};
    void *items[16];
    const int64_t batch_ns = s->settings->batch_ms * 1000000;
    const uint64_t batch_rows = (uint64_t)s->settings->batch_rows;
    wr.next_retention = srv_mono_ns();
    for (;;) {
        int64_t now = srv_mono_ns();
        int timeout = 500;
        if (wr.nheld) {
            int64_t left = wr.txn_start + batch_ns - now;
            timeout = left > 0 ? (int)(left / 1000000) + 1 : 0;
        }
        size_t n = canh_queue_pop_many(s->outq, items, 16, timeout);
        for (size_t i = 0; i < n; i++) {
            if (!take(&wr, items[i])) {
                commit(&wr);
                if (!take(&wr, items[i])) {
                    /* Not even one chunk can be held: counted, not acked. */
                    srv_chunk_t *c = items[i];
                    srv_log(s, CANH_LOG_ERROR, "store: out of memory holding %zu rows", c->nrows);
                    inc(&s->wstats.lost, c->nrows);
                    for (size_t j = 0; j < c->nrows; j++)
                        if (c->rows[j].ack) {
                            c->rows[j].ack->fn = NULL;
                            canh_ack_release(c->rows[j].ack);
                        }
                    srv_chunk_put(s, c);
                }
            }
        }
        now = srv_mono_ns();
        if (wr.nheld && (wr.rows >= batch_rows || now - wr.txn_start >= batch_ns || n == 0))
            commit(&wr);
        if (!wr.nheld)
            retention(&wr, now);
        if (n == 0 && canh_queue_closed(s->outq) && canh_queue_depth(s->outq) == 0)
            break;
    }
    commit(&wr);
    canh_free(wr.held);
    canh_free(wr.acks);
    return NULL;
}

int srv_writer_start(srv_t *s, canh_errbuf_t *eb)
{
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0)
        return canh_errf(eb, CANH_EIO, "server: cannot start the store writer");
    s->writer_started = true;
    return CANH_OK;
}

void srv_writer_join(srv_t *s)
{
    if (s->writer_started) {
        pthread_join(s->writer, NULL);
        s->writer_started = false;
    }
}
