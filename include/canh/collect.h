/* canh/collect.h - the agent's collectors: log files, journald, file
 * integrity monitoring, package inventory, network sockets and host facts.
 *
 * A collector set is driven by one thread (the agent's main loop), never
 * shared between threads. It never blocks for long and never sleeps: the
 * loop waits on canh_collectors_fds() (inotify, journal) with the timeout
 * canh_collectors_next_ms() gives, then calls canh_collectors_poll().
 *
 * Records go to the caller's emit function, each with an origin:
 *   "file:<path>"  one raw log line (no line terminator, one trailing CR
 *                  dropped), path as the file was first found by its glob;
 *   "journald"     one ECS JSON document per journal entry;
 *   "fim"          one ECS JSON document per file change (and one summary
 *                  when a baseline is built);
 *   "packages"     one ECS JSON document per package (first inventory) or
 *                  change (later), plus a summary document per inventory;
 *   "ports"        one ECS JSON document per listening socket or outbound
 *                  connection;
 *   "host"         one ECS JSON document of host facts.
 * docs/agent-collectors.md lists every field.
 *
 * Delivery contract: emit returns CANH_OK (the record is consumed) or
 * CANH_EFULL (not consumed: poll stops, and the same record is offered first
 * on the next poll). Nothing a collector read is lost or skipped because
 * emit said full. Positions (log offsets, the journal cursor, the FIM
 * baseline, the package inventory) are persisted only by
 * canh_collectors_checkpoint(), which the caller calls once what was emitted
 * is durable; after a crash the records emitted since the last checkpoint
 * are produced again (at least once, never lost).
 *
 * State under opts.state_dir (created 0750 if missing):
 *   offsets.json    log file positions (dev, inode, offset) by path
 *   journal.cursor  the journald cursor
 *   packages.json   the last package inventory that was emitted
 *   canh.db         the FIM baseline (the store module's fim tables) */
#ifndef CANH_COLLECT_H
#define CANH_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/log.h"

typedef struct canh_collect_opts {
    const char *state_dir;       /* offsets, FIM baseline db (agent data dir); required */
    const char *const *logfiles; /* glob(3) patterns of log files to tail */
    size_t nlogfiles;
    bool journald;                /* read the local systemd journal */
    const char *const *fim_paths; /* files and directories (recursive) to watch */
    size_t nfim_paths;
    unsigned fim_interval_s;       /* full rescan, default 3600; 0 = at start only */
    unsigned inventory_interval_s; /* packages + host facts, default 3600; 0 = off */
    unsigned netconn_interval_s;   /* listening ports + connections, default 60; 0 = off */
    bool read_from_end; /* log files with no saved position found at start: begin at their
                           end (default false; the agent's config default is true). Files
                           that appear later are always read from their start. */

    /* Beyond the issue-6 contract; canh_collect_opts_default() sets them all. */
    const char *dpkg_status;    /* default "/var/lib/dpkg/status"; NULL or "" = off */
    const char *rpmdb;          /* default "/var/lib/rpm/rpmdb.sqlite"; NULL or "" = off */
    const char *journal_dir;    /* NULL: the local journal; else that journal directory */
    unsigned max_logfiles;      /* log files followed at once, default 256 (further ones are
                                   counted in log_files_refused) */
    unsigned partial_line_ms;   /* a last line without LF is held this long, then emitted
                                   as it is (default 5000) */
    unsigned fim_max_watches;   /* inotify watches for FIM, default 8192 (0: no inotify, scans
                                   only); directories past it are covered by scans (counted) */
    unsigned fim_max_files;     /* entries one scan visits, default 200000 (counted past it) */
    uint64_t fim_max_hash_size; /* files larger than this are not hashed, default 512 MiB */
    canh_logger_t *log;         /* operational notes (journal unavailable, limits reached,
                                   state file errors); NULL = silent. Not owned. */
} canh_collect_opts_t;

/* Fills o with the defaults above (no log files, no journal, no FIM paths). */
void canh_collect_opts_default(canh_collect_opts_t *o);

/* emit returns CANH_OK, or CANH_EFULL to stop this poll (the record is NOT
 * consumed and is offered again on the next poll). p[0..n) is valid only
 * during the call (copy it); origin is NUL-terminated. Any other negative
 * return stops the poll and is returned by canh_collectors_poll. */
typedef int (*canh_collect_emit_fn)(void *ud, const char *origin, const char *p, size_t n);

typedef struct canh_collectors canh_collectors_t;

/* Creates the collectors in o (strings are copied; o may go away). Opens
 * the state directory, loads saved positions, opens the FIM baseline and
 * inotify instances, and schedules every periodic job (first run: at once).
 * Nothing is read yet. CANH_EINVAL (no state_dir, bad option), CANH_EIO
 * (state directory or database), CANH_ENOMEM; detail in eb. A journal that
 * cannot be opened is not an error: it is reported once through o->log,
 * counted (journal_unavailable) and the journal collector stays idle. */
int canh_collectors_create(const canh_collect_opts_t *o, canh_collectors_t **out,
                           canh_errbuf_t *eb);

/* Non-blocking: gathers what is ready (new log lines, journal entries,
 * inotify events, due periodic scans), up to max records; returns the count
 * emitted (>= 0; fewer than max when emit said CANH_EFULL or nothing more is
 * ready) or a negative error (CANH_ENOMEM, or what emit returned). A due
 * periodic job is done in slices (a FIM scan hashes a bounded amount per
 * poll), so one call stays short. Read errors on single files are counted,
 * not returned. */
int canh_collectors_poll(canh_collectors_t *c, canh_collect_emit_fn emit, void *ud, unsigned max,
                         canh_errbuf_t *eb);

/* File descriptors to wait on for readability (inotify, journal): writes up
 * to max of them into fds and returns how many there are in all. They stay
 * valid until canh_collectors_destroy. */
size_t canh_collectors_fds(canh_collectors_t *c, int *fds, size_t max);

/* Milliseconds until the next periodic job is due (0: work is ready now,
 * e.g. the last poll stopped at max or a scan is in progress). After a poll
 * that stopped on CANH_EFULL it is at most 250, so a loop that waits for the
 * uplink to make room retries soon without spinning. Never negative; at most
 * 60000. */
int canh_collectors_next_ms(canh_collectors_t *c);

/* Persists the positions of everything emitted so far; call only after the
 * emitted records are durable (fsynced into the spool). Files are written
 * atomically (temporary file, fsync, rename, fsync of the directory) and
 * only when they changed. CANH_EIO with the path in eb; the previous state
 * is then still intact and the next checkpoint tries again. */
int canh_collectors_checkpoint(canh_collectors_t *c, canh_errbuf_t *eb);

/* Closes files and watches and frees c (NULL is fine). Does not
 * checkpoint. */
void canh_collectors_destroy(canh_collectors_t *c);

/* Counters since create, for `canh status` and tests. */
enum canh_collector {
    CANH_COLLECT_LOGFILE,
    CANH_COLLECT_JOURNALD,
    CANH_COLLECT_FIM,
    CANH_COLLECT_PACKAGES,
    CANH_COLLECT_PORTS,
    CANH_COLLECT_HOST,
    CANH_COLLECT__COUNT
};
typedef struct canh_collect_stats {
    uint64_t records[CANH_COLLECT__COUNT]; /* records emitted, by collector */
    uint64_t polls_full;                   /* polls stopped because emit said full */
    /* log files */
    uint64_t log_files_open;      /* currently followed */
    uint64_t log_files_refused;   /* past max_logfiles */
    uint64_t log_lines_cut;       /* lines longer than CANH_MAX_RECORD, cut and emitted */
    uint64_t log_truncations;     /* a file shrank below its offset: read again from 0 */
    uint64_t log_rotations;       /* a path now names another file (rename rotation) */
    uint64_t log_partial_flushes; /* LF-less last lines emitted after partial_line_ms */
    uint64_t log_read_errors;
    /* journald */
    uint64_t journal_unavailable; /* 1 when no journal could be read */
    uint64_t journal_errors;
    /* file integrity */
    uint64_t fim_watches;         /* inotify watches held */
    uint64_t fim_watches_refused; /* directories past fim_max_watches */
    uint64_t fim_scans;           /* full scans finished (baseline included) */
    uint64_t fim_entries;         /* entries visited by the last full scan */
    uint64_t fim_entries_refused; /* entries past fim_max_files in one scan */
    uint64_t fim_overflows;       /* inotify queue overflows (a rescan follows) */
    uint64_t fim_errors;          /* unreadable files, baseline write failures */
    /* packages */
    uint64_t packages;           /* in the last inventory */
    uint64_t packages_malformed; /* dpkg stanzas / rpm headers that did not parse */
    /* sockets */
    uint64_t sockets;         /* sockets seen in the last run */
    uint64_t sockets_unowned; /* ... whose process was not found */
    uint64_t sockets_refused; /* past the per-run limit */
} canh_collect_stats_t;

/* Copies the counters into out. */
void canh_collectors_stats(const canh_collectors_t *c, canh_collect_stats_t *out);

#endif
