/* decode_prog_int.h - what the syslog program decoders (decode_prog_*.c)
 * share: their entry points, message tables with per-row extras, the
 * compiled-table module state, and small helpers for the message shapes
 * many daemons have in common (TCP wrappers, PAM, key=value lists).
 *
 * A program decoder gets the message part of a syslog line (already
 * trimmed) and returns CANH_OK when it recognised the message, CANH_ENOMATCH
 * otherwise: the caller then keeps the event as plain syslog. */
#ifndef CANH_DECODE_PROG_INT_H
#define CANH_DECODE_PROG_INT_H

#include "decode_int.h"

#define CANH_X_PROG(fn)                                                                            \
    int canh_prog_##fn(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,         \
                       canh_event_t *ev);
CANH_X_PROG(sshd)
CANH_X_PROG(sudo)
CANH_X_PROG(su)
CANH_X_PROG(pam)
CANH_X_PROG(accounts)
CANH_X_PROG(systemd)
CANH_X_PROG(cron)
CANH_X_PROG(kernel)
CANH_X_PROG(postfix)
CANH_X_PROG(dovecot)
CANH_X_PROG(mailsrv)
CANH_X_PROG(ftpd)
CANH_X_PROG(named)
CANH_X_PROG(inetd)
CANH_X_PROG(login)
CANH_X_PROG(smbd)
#undef CANH_X_PROG

/* ---- message tables ---------------------------------------------------------
 * A row is a canh_pat_rule_t (pattern, event.action/outcome/category/type)
 * plus what a pattern cannot say: a constant event.reason and flags. */
enum {
    CANH_PR_PARTIAL = 1u << 0, /* a known message cut short: tag the event partial */
};

typedef struct canh_prule {
    const char *pattern;
    const char *action;
    const char *outcome;
    const char *category;
    const char *type;
    const char *reason; /* event.reason when the pattern does not capture it, or NULL */
    unsigned flags;     /* CANH_PR_* */
} canh_prule_t;

typedef struct canh_ptable {
    const canh_prule_t *rules;
    size_t n;
} canh_ptable_t;

#define CANH_PTABLE(a)                                                                             \
    {                                                                                              \
        (a), sizeof(a) / sizeof((a)[0])                                                            \
    }

/* A module's state: its tables, compiled once in init. canh_pmod_init
 * compiles tabs[0..n) (static arrays that outlive the state) into *state;
 * CANH_ENOMEM, or CANH_EINVAL with detail in eb for a bad pattern.
 * canh_pmod_fini frees it (NULL is fine). */
int canh_pmod_init(const canh_ptable_t *tabs, size_t n, void **state, canh_errbuf_t *eb);
void canh_pmod_fini(void *state);

/* Tries table `tab` of a module's state (d->state[id]) on msg, rows in
 * order. On a match fills ev (captures, action, outcome, category, type,
 * reason, partial flag), tidies address and user fields
 * (canh_prog_fix_fields) and returns the row index; CANH_ENOMATCH if no row
 * matched or the state is missing. */
int canh_pmod_match(const canh_decode_t *d, enum canh_dec_id id, size_t tab, canh_str_t msg,
                    canh_event_t *ev);

/* ---- shared helpers (decode_prog_common.c) --------------------------------- */

/* Completes address fields after captures: source.address that is an IP
 * also becomes source.ip, a host name source.domain; one that is neither
 * (a cut-off or garbled line) and placeholders such as "unknown", "(null)",
 * "UNKNOWN", "?" are dropped; a source.domain that is not a host name is
 * dropped; source.address is filled from source.ip when absent. The same for
 * destination. Placeholder user names ("???", "(unknown)", "UNKNOWN") in
 * user.name, source.user.name and user.effective.name are dropped. */
void canh_prog_fix_fields(canh_event_t *ev);

/* True for a plausible DNS host name (letters, digits, '-', '.', '_';
 * 1..253 bytes, not all digits and dots). */
bool canh_prog_is_hostname(canh_str_t s);

/* The PAM side of any program: msg is a PAM message when it starts with
 * "pam_" or "PAM " or when the program name carries a "(pam_xxx)" suffix
 * (old Linux-PAM: "sshd(pam_unix)[123]: ..."). */
bool canh_prog_is_pam(const canh_syslog_hdr_t *h, canh_str_t msg);

/* TCP wrappers and resolver warnings that many daemons log ("connect
 * from", "refused connect from", "warning: can't verify hostname", host
 * name mismatches). CANH_OK when msg is one of them. */
int canh_prog_tcpwrap(const canh_decode_t *d, canh_str_t msg, canh_event_t *ev);

/* rsyslog's "message repeated N times: [ msg]": returns the inner message
 * (and stores the count in "log.syslog.repeated"), or msg unchanged. */
canh_str_t canh_prog_unrepeat(canh_str_t msg, canh_event_t *ev);

/* Strips a trailing marker (e.g. " [preauth]") from msg; true if present. */
bool canh_prog_strip_suffix(canh_str_t *msg, const char *suffix);

/* Key/value lists. canh_prog_kv_next reads the next "key=value" (or a bare
 * word, with an empty key) from *rest, items separated by sep (' ' for
 * "a=1 b=2", ',' for "a=1, b=2"; spaces after the separator are skipped).
 * A value that starts with '<' runs to the matching '>' even across
 * separators. Returns false at the end. Never reads past rest->n. */
bool canh_prog_kv_next(canh_str_t *rest, char sep, canh_str_t *key, canh_str_t *val);

/* Sets a field from a slice that must be all digits (else ignored). */
void canh_prog_set_num(canh_event_t *ev, canh_field_t id, canh_str_t v);

/* Lower-cases v into the event arena and sets it (network.transport). */
void canh_prog_set_lower(canh_event_t *ev, canh_field_t id, canh_str_t v);

/* The base name of a syslog program: after the last '/', without a
 * "(...)" suffix ("postfix/smtpd" -> "smtpd", "sshd(pam_unix)" -> "sshd"). */
canh_str_t canh_prog_base(canh_str_t program);

#endif
