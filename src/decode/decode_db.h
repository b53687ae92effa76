/* decode_db.h - entry points of the database-layer decoders that other
 * decode files call (the JSON dispatcher reaches PostgreSQL's jsonlog through
 * here). */
#ifndef CANH_DECODE_DB_H
#define CANH_DECODE_DB_H

#include <jansson.h>

#include "canh/decode.h"
#include "canh/event.h"
#include "decode_int.h"

/* PostgreSQL jsonlog (log_destination = 'jsonlog', PostgreSQL 15+): one
 * object per line with "timestamp", "error_severity" and usually "message",
 * "pid", "user", "dbname", "remote_host", "state_code", ...
 *
 * root is borrowed; every value taken from it is copied into ev's arena, so
 * the caller may free root as soon as this returns. Returns CANH_OK (and sets
 * ev->decoder = CANH_DEC_POSTGRESQL) when root is an object holding string
 * members "timestamp" and "error_severity"; CANH_ENOMATCH otherwise (ev may
 * then hold nothing of ours: nothing is set before the check). */
int canh_dec_json_postgresql(const canh_decode_t *d, json_t *root, canh_event_t *ev);

/* Syslog program decoders (routed from decode_prog_table.c): msg is the
 * message part after "postgres[pid]: " / "mysqld[pid]: ". They claim every
 * message (their program name says what it is): CANH_OK always, with
 * CANH_EVF_PARTIAL when the content was not understood. */
int canh_prog_postgres(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                       canh_event_t *ev);
int canh_prog_mysql(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                    canh_event_t *ev);

#endif
