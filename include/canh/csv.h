/* canh/csv.h - an RFC 4180 CSV reader over a memory buffer.
 *
 * Quoted fields may hold the delimiter, "" escapes and line breaks. The
 * delimiter is ',' ';' or TAB, detected from the first line when not given.
 * A UTF-8 BOM is skipped. Fields are slices valid until the next call. */
#ifndef CANH_CSV_H
#define CANH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/str.h"

#define CANH_CSV_MAX_FIELDS 256

typedef struct canh_csv canh_csv_t;

/* data must stay valid while the reader is used. delim 0 = detect. */
int canh_csv_open(const char *data, size_t n, char delim, canh_csv_t **out);
void canh_csv_close(canh_csv_t *c);
char canh_csv_delim(const canh_csv_t *c);
/* Reads the next non-empty row. *line is the 1-based line where it starts.
 * Returns CANH_OK, CANH_EOF, or CANH_EINVAL for an unterminated quote (the
 * reader then stops) or a row with more than CANH_CSV_MAX_FIELDS fields
 * (the row is skipped; reading may go on). */
int canh_csv_next(canh_csv_t *c, canh_str_t *fields, size_t *nfields, uint64_t *line);

/* Reads a whole file into memory (at most max bytes); free with canh_free.
 * Errors name the file. */
int canh_file_read(const char *path, size_t max, char **out, size_t *n, canh_errbuf_t *eb);

#endif
