/* store_agents.c - the agent registry, enrollment tokens, delivery
 * sequences and commands (see canh/agent.h for what they mean). */
#include <string.h>

#include "canh/mem.h"
#include "store_int.h"

#define AGENT_SEQ_BITS 40 /* CANH_AGENT_SEQ_BITS in canh/agent.h */
#define AGENT_SEQ_MASK ((UINT64_C(1) << AGENT_SEQ_BITS) - 1)

void canh_agent_rec_fini(canh_agent_rec_t *a)
{
    if (!a)
        return;
    canh_free(a->name);
    canh_free(a->status);
    canh_free(a->cert_fp);
    canh_free(a->prev_fp);
    canh_free(a->install_id);
    canh_free(a->facts);
    canh_free(a->last_addr);
    canh_free(a->version);
    memset(a, 0, sizeof *a);
}

void canh_store_agents_free(canh_agent_rec_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        canh_agent_rec_fini(&v[i]);
    canh_free(v);
}

#define AGENT_COLS                                                                                 \
    "SELECT id, name, status, cert_fp, prev_fp, install_id, facts, last_addr, version,"            \
    " enrolled, last_seen, rekey,"                                                                 \
    " (SELECT count(*) FROM agent_seq s WHERE s.agent_id = agent.id) FROM agent"

static int read_agent(sqlite3_stmt *s, canh_agent_rec_t *a)
{
    int oom = 0;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->name = canh_store_col_text(s, 1, &oom);
    a->status = canh_store_col_text(s, 2, &oom);
    a->cert_fp = canh_store_col_text(s, 3, &oom);
    a->prev_fp = canh_store_col_text(s, 4, &oom);
    a->install_id = canh_store_col_text(s, 5, &oom);
    a->facts = canh_store_col_text(s, 6, &oom);
    a->last_addr = canh_store_col_text(s, 7, &oom);
    a->version = canh_store_col_text(s, 8, &oom);
    a->enrolled = sqlite3_column_int64(s, 9);
    a->last_seen = sqlite3_column_int64(s, 10);
    a->rekey = sqlite3_column_int(s, 11) != 0;
    a->epochs = sqlite3_column_int64(s, 12);
    if (oom) {
        canh_agent_rec_fini(a);
        return CANH_ENOMEM;
    }
    return CANH_OK;
}

/* Runs a query expected to return at most one agent row. */
static int one_agent(canh_store_t *st, sqlite3_stmt *s, canh_agent_rec_t *out, canh_errbuf_t *eb)
{
    int rc, step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        rc = read_agent(s, out);
    else if (step == SQLITE_DONE)
        rc = canh_errf(eb, CANH_ENOENT, "store: no such agent");
    else
        rc = canh_store_fail(st, eb, "reading agent");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_agent_get(canh_store_t *st, int64_t id, canh_agent_rec_t *out, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, AGENT_COLS " WHERE id = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return one_agent(st, s, out, eb);
}

int canh_store_agent_by_fp(canh_store_t *st, const char *fp, canh_agent_rec_t *out,
                           canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st, AGENT_COLS " WHERE cert_fp = ?1 OR prev_fp = ?1 ORDER BY cert_fp = ?1 DESC LIMIT 1", &s,
        eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, fp);
    return one_agent(st, s, out, eb);
}

int canh_store_agent_by_name(canh_store_t *st, const char *name, canh_agent_rec_t *out,
                             canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, AGENT_COLS " WHERE name = ?1", &s, eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, name);
    return one_agent(st, s, out, eb);
}

int canh_store_agents_list(canh_store_t *st, canh_agent_rec_t **out, size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, AGENT_COLS " ORDER BY id", &s, eb);
    if (rc)
        return rc;
    canh_agent_rec_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            canh_agent_rec_t *nv = canh_reallocarray(v, nc, sizeof *v);
            if (!nv) {
                rc = CANH_ENOMEM;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        if ((rc = read_agent(s, &v[cnt])) != CANH_OK)
            goto out;
        cnt++;
    }
    if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "listing agents");
out:
    sqlite3_finalize(s);
    if (rc) {
        canh_store_agents_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}

/* Runs a one-shot statement to completion; CANH_ENOENT when want_change
 * and no row changed. */
static int run(canh_store_t *st, sqlite3_stmt *s, bool want_change, const char *what,
               canh_errbuf_t *eb)
{
    int rc = CANH_OK;
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, what);
    else if (want_change && sqlite3_changes(st->db) == 0)
        rc = canh_errf(eb, CANH_ENOENT, "store: %s: no such row", what);
    sqlite3_finalize(s);
    return rc;
}

int canh_store_agent_enroll(canh_store_t *st, const char *name, const char *fp,
                            const char *install_id, const char *facts, int64_t now, int64_t *id,
                            canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st,
        "INSERT INTO agent (name, status, cert_fp, prev_fp, install_id, facts, enrolled, rekey)"
        " VALUES (?1, 'active', ?2, NULL, ?3, ?4, ?5, 0)"
        " ON CONFLICT (name) DO UPDATE SET status = 'active', cert_fp = excluded.cert_fp,"
        " prev_fp = NULL, install_id = excluded.install_id, facts = excluded.facts,"
        " enrolled = excluded.enrolled, rekey = 0 RETURNING id",
        &s, eb);
    if (rc)
        return rc;
    canh_store_bind_text(s, 1, name);
    canh_store_bind_text(s, 2, fp);
    canh_store_bind_text(s, 3, install_id);
    canh_store_bind_text(s, 4, facts);
    sqlite3_bind_int64(s, 5, now);
    if (sqlite3_step(s) == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, "recording enrollment");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_agent_rekeyed(canh_store_t *st, int64_t id, const char *new_fp, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "UPDATE agent SET prev_fp = cert_fp, cert_fp = ?2, rekey = 0"
                                " WHERE id = ?1",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    canh_store_bind_text(s, 2, new_fp);
    return run(st, s, true, "re-keying agent", eb);
}

int canh_store_agent_clear_prev(canh_store_t *st, int64_t id, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "UPDATE agent SET prev_fp = NULL WHERE id = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    return run(st, s, false, "updating agent", eb);
}

int canh_store_agent_set_status(canh_store_t *st, int64_t id, const char *status, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "UPDATE agent SET status = ?2 WHERE id = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    canh_store_bind_text(s, 2, status);
    return run(st, s, true, "updating agent", eb);
}

int canh_store_agent_set_rekey(canh_store_t *st, int64_t id, bool rekey, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "UPDATE agent SET rekey = ?2 WHERE id = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, rekey ? 1 : 0);
    return run(st, s, true, "updating agent", eb);
}

int canh_store_agent_seen(canh_store_t *st, int64_t id, int64_t now, const char *addr,
                          const char *version, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "UPDATE agent SET last_seen = ?2, last_addr = ?3,"
                                " version = coalesce(?4, version) WHERE id = ?1",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now);
    canh_store_bind_text(s, 3, addr);
    canh_store_bind_text(s, 4, version);
    return run(st, s, false, "updating agent", eb);
}

/* ---- tokens ------------------------------------------------------------------------ */

int canh_store_agent_token_add(canh_store_t *st, const uint8_t hash[32], const char *label,
                               int64_t created, int64_t expires, unsigned uses, int64_t *id,
                               canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "INSERT INTO agent_token (hash, label, created, expires,"
                                " uses_left) VALUES (?1, ?2, ?3, ?4, ?5)",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    canh_store_bind_text(s, 2, label);
    sqlite3_bind_int64(s, 3, created);
    sqlite3_bind_int64(s, 4, expires);
    sqlite3_bind_int64(s, 5, uses);
    rc = run(st, s, false, "adding token", eb);
    if (rc == CANH_OK && id)
        *id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int canh_store_agent_token_use(canh_store_t *st, const uint8_t hash[32], int64_t now,
                               canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st, "SELECT id, expires, uses_left FROM agent_token WHERE hash = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    int step = sqlite3_step(s);
    int64_t id = 0, expires = 0, left = 0;
    if (step == SQLITE_ROW) {
        id = sqlite3_column_int64(s, 0);
        expires = sqlite3_column_int64(s, 1);
        left = sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    if (step == SQLITE_DONE)
        return canh_errf(eb, CANH_EPERM, "unknown enrollment token");
    if (step != SQLITE_ROW)
        return canh_store_fail(st, eb, "reading token");
    if (expires <= now)
        return canh_errf(eb, CANH_EPERM, "enrollment token expired");
    if (left <= 0)
        return canh_errf(eb, CANH_EPERM, "enrollment token used up");
    if ((rc = canh_store_prepare(st,
                                 "UPDATE agent_token SET uses_left = uses_left - 1,"
                                 " used = used + 1 WHERE id = ?1 AND uses_left > 0",
                                 &s, eb)) != CANH_OK)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = run(st, s, true, "spending token", eb);
    return rc == CANH_ENOENT ? canh_errf(eb, CANH_EPERM, "enrollment token used up") : rc;
}

/* ---- delivery sequences -------------------------------------------------------------- */

int canh_store_agent_stream(canh_store_t *st, int64_t agent_id, uint64_t epoch, int64_t now,
                            uint32_t *stream, uint64_t *stored, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "SELECT stream, seq FROM agent_seq WHERE agent_id = ?1 AND"
                                " epoch = ?2",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, (int64_t)epoch);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *stream = (uint32_t)sqlite3_column_int64(s, 0);
        *stored = (uint64_t)sqlite3_column_int64(s, 1) & AGENT_SEQ_MASK;
        sqlite3_finalize(s);
        return CANH_OK;
    }
    sqlite3_finalize(s);
    if (step != SQLITE_DONE)
        return canh_store_fail(st, eb, "reading agent stream");
    /* A new epoch: the next stream number. Streams stay below 2^24 so that
     * stream << 40 | seq fits 64 bits. */
    if ((rc = canh_store_prepare(st,
                                 "INSERT INTO agent_seq (agent_id, stream, epoch, seq, created)"
                                 " SELECT ?1, coalesce(max(stream), 0) + 1, ?2, 0, ?3"
                                 " FROM agent_seq WHERE agent_id = ?1 RETURNING stream",
                                 &s, eb)) != CANH_OK)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, (int64_t)epoch);
    sqlite3_bind_int64(s, 3, now);
    int64_t v = -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else
        rc = canh_store_fail(st, eb, "adding agent stream");
    sqlite3_finalize(s);
    if (rc)
        return rc;
    if (v <= 0 || v >= (INT64_C(1) << 24))
        return canh_errf(eb, CANH_ELIMIT, "store: agent %lld has too many delivery streams",
                         (long long)agent_id);
    *stream = (uint32_t)v;
    *stored = 0;
    return CANH_OK;
}

int canh_store_agent_seq_set(canh_store_t *st, int64_t agent_id, uint64_t seq, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_cached(st, CANH_ST_AGENT_SEQ_SET,
                               "INSERT INTO agent_seq (agent_id, stream, seq) VALUES (?1, ?2, ?3)"
                               " ON CONFLICT (agent_id, stream) DO UPDATE SET"
                               " seq = max(seq, excluded.seq)",
                               &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, (int64_t)(seq >> AGENT_SEQ_BITS));
    sqlite3_bind_int64(s, 3, (int64_t)seq);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "recording agent sequence");
    sqlite3_reset(s);
    return rc;
}

int canh_store_agent_seq_get(canh_store_t *st, int64_t agent_id, uint32_t stream, uint64_t *seq,
                             canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "SELECT seq FROM agent_seq WHERE agent_id = ?1 AND stream = ?2",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, stream);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        *seq = (uint64_t)sqlite3_column_int64(s, 0);
    else if (step == SQLITE_DONE)
        *seq = 0;
    else
        rc = canh_store_fail(st, eb, "reading agent sequence");
    sqlite3_finalize(s);
    return rc;
}

int canh_store_agent_streams_prune(canh_store_t *st, int64_t agent_id, uint32_t stream,
                                   canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc =
        canh_store_prepare(st, "DELETE FROM agent_seq WHERE agent_id = ?1 AND stream < ?2", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, stream);
    return run(st, s, false, "pruning agent streams", eb);
}

/* ---- commands ----------------------------------------------------------------------- */

void canh_store_agent_cmds_free(canh_agent_cmd_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        canh_free(v[i].kind);
        canh_free(v[i].args);
        canh_free(v[i].status);
        canh_free(v[i].result);
    }
    canh_free(v);
}

int canh_store_agent_command_add(canh_store_t *st, int64_t agent_id, const char *kind,
                                 const char *args, int64_t now, int64_t *id, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "INSERT INTO agent_command (agent_id, kind, args, created)"
                                " VALUES (?1, ?2, ?3, ?4)",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    canh_store_bind_text(s, 2, kind);
    canh_store_bind_text(s, 3, args);
    sqlite3_bind_int64(s, 4, now);
    rc = run(st, s, false, "adding command", eb);
    if (rc == CANH_OK && id)
        *id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

static int read_cmds(canh_store_t *st, sqlite3_stmt *s, canh_agent_cmd_t **out, size_t *n,
                     canh_errbuf_t *eb)
{
    canh_agent_cmd_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = CANH_OK, step, oom = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            canh_agent_cmd_t *nv = canh_reallocarray(v, nc, sizeof *v);
            if (!nv) {
                rc = CANH_ENOMEM;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        canh_agent_cmd_t *c = &v[cnt++];
        memset(c, 0, sizeof *c);
        c->id = sqlite3_column_int64(s, 0);
        c->agent_id = sqlite3_column_int64(s, 1);
        c->kind = canh_store_col_text(s, 2, &oom);
        c->args = canh_store_col_text(s, 3, &oom);
        c->created = sqlite3_column_int64(s, 4);
        c->sent = sqlite3_column_int64(s, 5);
        c->done = sqlite3_column_int64(s, 6);
        c->status = canh_store_col_text(s, 7, &oom);
        c->result = canh_store_col_text(s, 8, &oom);
        if (oom) {
            rc = CANH_ENOMEM;
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        rc = canh_store_fail(st, eb, "reading commands");
out:
    sqlite3_finalize(s);
    if (rc) {
        canh_store_agent_cmds_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return CANH_OK;
}

#define CMD_COLS                                                                                   \
    "SELECT id, agent_id, kind, args, created, sent, done, status, result FROM agent_command"

int canh_store_agent_commands_pending(canh_store_t *st, int64_t agent_id, size_t limit,
                                      canh_agent_cmd_t **out, size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                CMD_COLS " WHERE sent = 0 AND done = 0 AND"
                                         " (?1 = 0 OR agent_id = ?1) ORDER BY id LIMIT ?2",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, limit ? (int64_t)limit : INT64_MAX);
    return read_cmds(st, s, out, n, eb);
}

int canh_store_agent_commands_list(canh_store_t *st, int64_t agent_id, size_t limit,
                                   canh_agent_cmd_t **out, size_t *n, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st, CMD_COLS " WHERE ?1 = 0 OR agent_id = ?1 ORDER BY id DESC LIMIT ?2", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    sqlite3_bind_int64(s, 2, limit ? (int64_t)limit : INT64_MAX);
    return read_cmds(st, s, out, n, eb);
}

int canh_store_agent_command_sent(canh_store_t *st, int64_t id, int64_t now, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st, "UPDATE agent_command SET sent = ?2 WHERE id = ?1", &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now > 0 ? now : 1);
    return run(st, s, false, "updating command", eb);
}

int canh_store_agent_commands_reset(canh_store_t *st, int64_t agent_id, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(
        st, "UPDATE agent_command SET sent = 0 WHERE agent_id = ?1 AND done = 0 AND sent != 0", &s,
        eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, agent_id);
    return run(st, s, false, "updating commands", eb);
}

int canh_store_agent_command_done(canh_store_t *st, int64_t id, int64_t agent_id, bool ok,
                                  const char *result, int64_t now, canh_errbuf_t *eb)
{
    sqlite3_stmt *s;
    int rc = canh_store_prepare(st,
                                "UPDATE agent_command SET done = ?3, status = ?4, result = ?5"
                                " WHERE id = ?1 AND agent_id = ?2 AND done = 0",
                                &s, eb);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, agent_id);
    sqlite3_bind_int64(s, 3, now > 0 ? now : 1);
    canh_store_bind_text(s, 4, ok ? "ok" : "failed");
    canh_store_bind_text(s, 5, result);
    return run(st, s, true, "finishing command", eb);
}
