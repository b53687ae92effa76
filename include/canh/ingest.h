/* canh/ingest.h - reading records from files and streams.
 *
 * A record reader splits a byte stream into records: one per line, except
 * that a JSON document spanning several lines (a line opening '{' whose
 * braces do not balance) is gathered into one record. gzip input is detected
 * and decompressed transparently. Memory is bounded by max_record: a longer
 * record is cut at max_record, returned with *truncated set, and the rest of
 * it is skipped (never dropped silently: the flag travels with the event). */
#ifndef CANH_INGEST_H
#define CANH_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/str.h"

typedef struct canh_records canh_records_t;

/* Opens path ("-" for standard input). CANH_EIO / CANH_ENOENT with detail in
 * eb ("path: No such file or directory"). */
int canh_records_open(const char *path, size_t max_record, canh_records_t **out,
                      canh_errbuf_t *eb);
/* Next record: *rec is valid until the next call (no line terminator).
 * *line is the 1-based line number where the record starts.
 * Returns CANH_OK, CANH_EOF at the end, CANH_EIO on a read error (detail in
 * eb). */
int canh_records_next(canh_records_t *r, canh_str_t *rec, uint64_t *line, bool *truncated,
                      canh_errbuf_t *eb);
/* Bytes read from the underlying file so far (compressed bytes for gzip)
 * and the file's size (0 when unknown, e.g. a pipe): for progress. */
uint64_t canh_records_pos(const canh_records_t *r);
uint64_t canh_records_size(const canh_records_t *r);
void canh_records_close(canh_records_t *r);

#endif
