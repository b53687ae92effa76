/* canh/csv.h - an RFC 4180 CSV reader over a memory buffer, tolerant of what
 * spreadsheets and feed exports really write.
 *
 * Quoted fields may hold the delimiter, "" escapes and line breaks; text
 * after a closing quote is kept (as Excel does). A record is cut off and
 * reported bad when it grows past CANH_MAX_RECORD bytes or
 * CANH_CSV_MAX_FIELDS fields. After an unterminated quote the reader
 * resumes on the next line and from then on lets a quoted field end at its
 * line's end, so one broken quote cannot swallow the rest of the file.
 * Lines starting with '#' are returned as comments; empty lines and lines of
 * delimiters only (",,,") as blanks. Field slices are valid until the next
 * read. */
#ifndef CANH_CSV_H
#define CANH_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "canh/error.h"
#include "canh/str.h"

#define CANH_CSV_MAX_FIELDS 1025u

typedef enum canh_csv_kind {
    CANH_CSV_EOF = 0,
    CANH_CSV_ROW,
    CANH_CSV_BLANK,
    CANH_CSV_COMMENT,
    CANH_CSV_BAD, /* canh_csv_bad() says why */
} canh_csv_kind_t;

typedef struct canh_csv canh_csv_t;

/* A reader over data[0..n) (kept, not copied). A UTF-8 BOM is skipped.
 * delim 0: an Excel "sep=X" first line names it, else it is detected from
 * the first line that is not blank or a comment (the most frequent of ',',
 * ';' and TAB outside quotes). first_line: the line number of data[0]. */
int canh_csv_open(const char *data, size_t n, char delim, uint64_t first_line, canh_csv_t **out);
void canh_csv_close(canh_csv_t *c);
char canh_csv_delim(const canh_csv_t *c);
void canh_csv_set_delim(canh_csv_t *c, char delim);
/* The delimiter a header line uses (see canh_csv_open). */
char canh_csv_detect_delim(canh_str_t line);

/* Reads the next record. On CANH_CSV_ROW and CANH_CSV_BLANK, *fields and *n
 * give its fields; *line is the line it starts on. *err is CANH_ENOMEM when
 * memory ran out (the kind is then CANH_CSV_EOF). */
canh_csv_kind_t canh_csv_read(canh_csv_t *c, const canh_str_t **fields, size_t *n,
                              uint64_t *line, int *err);
/* Why the last CANH_CSV_BAD record was bad. */
const char *canh_csv_bad(const canh_csv_t *c);
/* The reader's position (byte offset and line), to re-read a record. */
size_t canh_csv_tell(const canh_csv_t *c, uint64_t *line);
void canh_csv_seek(canh_csv_t *c, size_t off, uint64_t line);

/* Convenience for tables: the next row, skipping blanks and comments.
 * CANH_OK, CANH_EOF, CANH_EINVAL for a bad record (skipped; reading may go
 * on; reason in canh_csv_bad), CANH_ENOMEM. */
int canh_csv_next(canh_csv_t *c, const canh_str_t **fields, size_t *n, uint64_t *line);

/* Reads a whole file into memory (at most max bytes) plus a NUL; free with
 * canh_free. Errors name the file. */
int canh_file_read(const char *path, size_t max, char **out, size_t *n, canh_errbuf_t *eb);

#endif
