/* intel_import_priv.h - what the feed importers share (not installed).
 *
 * intel_import.c owns the context and the one path every indicator takes to
 * the sink (normalise, apply the options' defaults, call add, or reject with
 * a reason). The format files parse and fill a canh_intel_imp_row_t:
 *   intel_import_text.c  plain, DROP, FireHOL, signature-base
 *   intel_import_csv.c   the CSV reader and the column mapper ("table"),
 *                        which intel_import_xlsx.c feeds with sheet rows
 *   intel_import_json.c  Feodo Tracker JSON, MISP events, STIX 2.x bundles */
#ifndef CANH_INTEL_IMPORT_PRIV_H
#define CANH_INTEL_IMPORT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/intel.h"
#include "canh/intel_import.h"
#include "canh/str.h"

/* Longest normalised indicator value; longer values are rejected. */
#define CANH_INTEL_IMP_VALUE_MAX (16u * 1024u)
/* Longest extra JSON object built for one indicator. */
#define CANH_INTEL_IMP_EXTRA_MAX (256u * 1024u)
/* Most columns a CSV or sheet row may have. */
#define CANH_INTEL_IMP_MAX_COLS 1024u
/* Seconds east of UTC assumed for zone-less times in Vietnamese exports. */
#define CANH_INTEL_IMP_TZ_VN (7 * 3600)

typedef struct canh_intel_imp {
    const char *name; /* file name for whole-file messages */
    const canh_import_opts_t *opts;
    const canh_import_sink_t *sink;
    canh_errbuf_t *eb;
    const char *def_threat; /* the format's default threat */
    char *norm;             /* CANH_INTEL_IMP_VALUE_MAX bytes: the normalised value */
    canh_buf_t scratch;     /* threat/family copies for the indicator */
} canh_intel_imp_t;

/* One indicator candidate as a format parser saw it. Slices are borrowed;
 * absent ones (p == NULL) take the defaults. */
typedef struct canh_intel_imp_row {
    canh_str_t value;
    canh_ioc_type_t hint; /* NONE = guess */
    bool hash_only;       /* must be an MD5/SHA-1/SHA-256 hex digest (type by length) */
    const char *what;     /* prefix for reasons ("column AttackerIP"), or NULL */
    canh_str_t threat;
    canh_str_t family;
    int64_t first_seen, last_seen, expires; /* 0 = unknown */
    int confidence;                         /* -1 = unknown */
    const char *extra;                      /* JSON object text or NULL */
} canh_intel_imp_row_t;

static inline void canh_intel_imp_row_init(canh_intel_imp_row_t *r)
{
    memset(r, 0, sizeof *r);
    r->confidence = -1;
}

/* Normalises row->value and hands the indicator to the sink, or rejects it
 * with a reason. Returns CANH_OK (taken or rejected) or the sink's error. */
int canh_intel_imp_emit(canh_intel_imp_t *im, uint64_t line, const canh_intel_imp_row_t *row);

/* Reports a rejected row; the reason is formatted and cut to a sane length. */
void canh_intel_imp_reject(canh_intel_imp_t *im, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes s for a reason: at most 80 bytes, control bytes and '"' replaced,
 * "..." when cut. out must hold 96 bytes. Returns out. */
const char *canh_intel_imp_quote(canh_str_t s, char out[96]);

/* Parses a feed time into Unix seconds: empty = 0 (unknown); epoch seconds
 * or milliseconds; ISO 8601 and the other canh_time formats; "YYYY-MM-DD";
 * day-first "DD/MM/YYYY[ hh:mm[:ss]]" (Vietnamese usage); with
 * excel_serial, an Excel serial day number ("45413.5"). Zone-less times are
 * read in tz_off. CANH_EINVAL if s is none of these. */
int canh_intel_imp_time(const canh_intel_imp_t *im, canh_str_t s, int32_t tz_off, bool excel_serial,
                        int64_t *out);

/* Makes s valid UTF-8 for JSON (invalid bytes become U+FFFD) into b. */
int canh_intel_imp_utf8(canh_buf_t *b, canh_str_t s);

/* Sets obj[key] to s made valid UTF-8 (as an integer when as_int and s is
 * 1-15 digits). Absent or blank s sets nothing. tmp is scratch. */
int canh_intel_imp_jset(json_t *obj, const char *key, canh_str_t s, bool as_int, canh_buf_t *tmp);
/* Writes obj as compact JSON into out (reset first; NUL-terminated); an
 * empty object leaves out empty. CANH_ELIMIT past CANH_INTEL_IMP_EXTRA_MAX. */
int canh_intel_imp_jdump(const json_t *obj, canh_buf_t *out);

/* Hash type of a hex digest by length, or NONE (not hex, other length). */
canh_ioc_type_t canh_intel_imp_hash_type(canh_str_t s);

/* ---- the formats ------------------------------------------------------- */

/* PLAIN, DROP, FIREHOL, SIGBASE (intel_import_text.c). */
int canh_intel_imp_text(canh_intel_imp_t *im, canh_str_t data, canh_feed_format_t fmt);
/* True when the first lines look like the given text format (detection). */
bool canh_intel_imp_text_sniff(canh_str_t data, canh_feed_format_t fmt);

/* CSV (intel_import_csv.c). */
int canh_intel_imp_csv(canh_intel_imp_t *im, canh_str_t data);
/* True when the first non-comment line is a header naming a known column. */
bool canh_intel_imp_csv_sniff(canh_str_t data);

/* The column mapper CSV and XLSX share. A cell is a slice plus whether the
 * sheet stored it as a number (Excel serial dates). */
typedef struct canh_intel_imp_cell {
    canh_str_t s;
    bool num;
} canh_intel_imp_cell_t;
typedef struct canh_intel_imp_tab canh_intel_imp_tab_t;
int canh_intel_imp_tab_create(canh_intel_imp_t *im, canh_intel_imp_tab_t **out);
void canh_intel_imp_tab_destroy(canh_intel_imp_tab_t *t);
/* Takes the header row. CANH_ENOMATCH (eb untouched) when no column holds
 * indicator values or a mapped column is missing (the row may be a title
 * above the header); CANH_EINVAL with detail in eb for a malformed
 * opts->mapping. */
int canh_intel_imp_tab_header(canh_intel_imp_tab_t *t, const canh_intel_imp_cell_t *cells,
                              size_t n);
/* Columns of the header taken (0 before). */
size_t canh_intel_imp_tab_ncols(const canh_intel_imp_tab_t *t);
/* The message for "no column holds indicator values", or for a mapped
 * column the last header tried lacks (into eb); returns CANH_EINVAL. */
int canh_intel_imp_tab_nocolumn(canh_intel_imp_tab_t *t);
/* Maps one data row; returns CANH_OK or the sink's error. */
int canh_intel_imp_tab_row(canh_intel_imp_tab_t *t, const canh_intel_imp_cell_t *cells, size_t n,
                           uint64_t line);

/* XLSX (intel_import_xlsx.c). */
int canh_intel_imp_xlsx(canh_intel_imp_t *im, canh_str_t data);

/* JSON formats (intel_import_json.c). fmt is FEODO_JSON, MISP, STIX, or
 * AUTO to decide from the document; *used gets the one read. */
int canh_intel_imp_json(canh_intel_imp_t *im, canh_str_t data, canh_feed_format_t fmt,
                        canh_feed_format_t *used);

#endif
