/* intel_import_xlsx.c - the first worksheet of an Excel workbook, read as a
 * table and mapped exactly as CSV.
 *
 * An .xlsx file is a zip of XML parts. libzip opens it from the mapped
 * bytes; the first <sheet> of xl/workbook.xml is resolved to its part
 * through xl/_rels/workbook.xml.rels (xl/worksheets/sheet1.xml when that
 * fails); xl/sharedStrings.xml holds the text cells refer to by index.
 * libxml2's streaming reader walks each part straight out of the
 * decompressor, so a sheet is never held whole; every part is capped at
 * CANH_MAX_FEED_XLSX_PART decompressed bytes (zip bombs) and documents with
 * a DTD are refused (entity expansion).
 *
 * A row is numbered by its sheet row number. The header is the first row
 * naming a known column among the first ten rows with text: agencies put a
 * title row ("DANH SÁCH IP BOTNET THÁNG 5/2024") above it. Numeric cells
 * keep Excel's text of the number; in date columns the mapper reads them as
 * Excel serial dates. */
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "canh/buf.h"
#include "canh/error.h"
#include "canh/intel_import.h"
#include "canh/limits.h"
#include "canh/mem.h"
#include "canh/str.h"
#include "intel_import_priv.h"

/* Most shared strings kept, and rows tried as the header. */
#define XLSX_MAX_STRINGS (16u * 1024u * 1024u)
#define XLSX_HEADER_TRIES 10
/* Excel's last column is XFD (16384). */
#define XLSX_MAX_COLUMN 16384u

typedef struct zin {
    zip_file_t *f;
    uint64_t total;
    bool over; /* past CANH_MAX_FEED_XLSX_PART */
} zin_t;

static int zin_read(void *ctx, char *buf, int len)
{
    zin_t *z = ctx;
    if (len <= 0)
        return 0;
    zip_int64_t k = zip_fread(z->f, buf, (zip_uint64_t)len);
    if (k < 0)
        return -1;
    z->total += (uint64_t)k;
    if (z->total > CANH_MAX_FEED_XLSX_PART) {
        z->over = true;
        return -1;
    }
    return (int)k;
}

static int zin_close(void *ctx)
{
    (void)ctx;
    return 0;
}

typedef struct xerr {
    char msg[160];
    int line;
} xerr_t;

static void xml_error(void *ud, xmlErrorPtr e)
{
    xerr_t *x = ud;
    if (x->msg[0] || !e || !e->message)
        return;
    snprintf(x->msg, sizeof x->msg, "%s", e->message);
    size_t n = strlen(x->msg);
    while (n && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
        x->msg[--n] = '\0';
    x->line = e->line;
}

/* One part being read. */
typedef struct part {
    zin_t in;
    xmlTextReaderPtr r;
    xerr_t err;
    const char *path;
} part_t;

/* Opens path in the archive for streaming; CANH_ENOENT if absent. */
static int part_open(zip_t *z, const char *path, part_t *p)
{
    memset(p, 0, sizeof *p);
    p->path = path;
    zip_int64_t idx = zip_name_locate(z, path, 0);
    if (idx < 0)
        return CANH_ENOENT;
    p->in.f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (!p->in.f)
        return CANH_EINVAL;
    p->r = xmlReaderForIO(zin_read, zin_close, &p->in, NULL, NULL, XML_PARSE_NONET);
    if (!p->r) {
        zip_fclose(p->in.f);
        p->in.f = NULL;
        return CANH_ENOMEM;
    }
    xmlTextReaderSetStructuredErrorHandler(p->r, xml_error, &p->err);
    return CANH_OK;
}

static void part_close(part_t *p)
{
    if (p->r)
        xmlFreeTextReader(p->r);
    if (p->in.f)
        zip_fclose(p->in.f);
    p->r = NULL;
    p->in.f = NULL;
}

/* Advances to the next node: 1, 0 at the end, or an error (in eb). */
static int part_next(canh_intel_imp_t *im, part_t *p)
{
    int k = xmlTextReaderRead(p->r);
    if (k == 1 && xmlTextReaderNodeType(p->r) == XML_READER_TYPE_DOCUMENT_TYPE)
        return canh_errf(im->eb, CANH_EINVAL, "%s: %s: DTDs are not allowed in a workbook",
                         im->name, p->path);
    if (k >= 0)
        return k;
    if (p->in.over)
        return canh_errf(im->eb, CANH_ELIMIT, "%s: %s: larger than %u bytes decompressed", im->name,
                         p->path, CANH_MAX_FEED_XLSX_PART);
    return canh_errf(im->eb, CANH_EINVAL, "%s: %s:%d: %s", im->name, p->path, p->err.line,
                     p->err.msg[0] ? p->err.msg : "malformed XML");
}

static bool is_elem(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && strcmp((const char *)n, local) == 0;
}

/* Appends the node's text (text, CDATA and significant white space). */
static int append_text(xmlTextReaderPtr r, canh_buf_t *b)
{
    int t = xmlTextReaderNodeType(r);
    if (t != XML_READER_TYPE_TEXT && t != XML_READER_TYPE_CDATA &&
        t != XML_READER_TYPE_SIGNIFICANT_WHITESPACE && t != XML_READER_TYPE_WHITESPACE)
        return CANH_OK;
    const xmlChar *v = xmlTextReaderConstValue(r);
    return v ? canh_buf_puts(b, (const char *)v) : CANH_OK;
}

/* ---- which part is the first sheet -------------------------------------------- */

/* Copies the value of the attribute named local (any namespace) into out. */
static bool attr_local(xmlTextReaderPtr r, const char *local, bool need_ns, char *out, size_t cap)
{
    bool found = false;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1)
        return false;
    do {
        const xmlChar *n = xmlTextReaderConstLocalName(r);
        const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
        if (n && strcmp((const char *)n, local) == 0 && (!need_ns || ns)) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            snprintf(out, cap, "%s", v ? (const char *)v : "");
            found = true;
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return found;
}

/* The part of the workbook's first sheet, into out ("xl/worksheets/x.xml").
 * Any failure on the way leaves the conventional name. */
static void first_sheet(canh_intel_imp_t *im, zip_t *z, char *out, size_t cap)
{
    char rid[128] = "", target[512] = "";
    part_t p;
    snprintf(out, cap, "xl/worksheets/sheet1.xml");
    if (part_open(z, "xl/workbook.xml", &p) != CANH_OK)
        return;
    while (part_next(im, &p) == 1) {
        if (xmlTextReaderNodeType(p.r) == XML_READER_TYPE_ELEMENT && is_elem(p.r, "sheet")) {
            attr_local(p.r, "id", true, rid, sizeof rid);
            break;
        }
    }
    part_close(&p);
    if (!rid[0] || part_open(z, "xl/_rels/workbook.xml.rels", &p) != CANH_OK)
        return;
    while (part_next(im, &p) == 1) {
        char id[128];
        if (xmlTextReaderNodeType(p.r) == XML_READER_TYPE_ELEMENT && is_elem(p.r, "Relationship") &&
            attr_local(p.r, "Id", false, id, sizeof id) && strcmp(id, rid) == 0) {
            attr_local(p.r, "Target", false, target, sizeof target);
            break;
        }
    }
    part_close(&p);
    if (!target[0] || strstr(target, ".."))
        return;
    char path[600];
    if (target[0] == '/')
        snprintf(path, sizeof path, "%s", target + 1);
    else
        snprintf(path, sizeof path, "xl/%s", target);
    if (strlen(path) < cap && zip_name_locate(z, path, 0) >= 0)
        snprintf(out, cap, "%s", path);
}

/* ---- shared strings ------------------------------------------------------------- */

typedef struct sst {
    canh_buf_t text; /* all strings, back to back */
    size_t *off;     /* n + 1 offsets */
    size_t n, cap;
} sst_t;

static int sst_push(sst_t *s)
{
    if (s->n + 1 >= s->cap) {
        if (s->cap >= XLSX_MAX_STRINGS)
            return CANH_ELIMIT;
        size_t cap = s->cap ? s->cap * 2 : 1024;
        size_t *o = canh_reallocarray(s->off, cap, sizeof *o);
        if (!o)
            return CANH_ENOMEM;
        s->off = o;
        s->cap = cap;
        if (s->n == 0)
            s->off[0] = 0;
    }
    s->off[++s->n] = s->text.len;
    return CANH_OK;
}

/* <sst><si><t>text</t></si><si><r><t>rich</t></r><r><t> text</t></r>
 * <rPh><t>phonetic (skipped)</t></rPh></si>... */
static int sst_read(canh_intel_imp_t *im, zip_t *z, sst_t *s)
{
    part_t p;
    int rc = part_open(z, "xl/sharedStrings.xml", &p), k;
    bool in_si = false, in_t = false;
    int rph = 0;
    if (rc == CANH_ENOENT)
        return CANH_OK; /* a sheet of numbers only */
    if (rc)
        return canh_errf(im->eb, rc, "%s: cannot open xl/sharedStrings.xml", im->name);
    while ((k = part_next(im, &p)) == 1) {
        int t = xmlTextReaderNodeType(p.r);
        if (t == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(p.r);
            if (is_elem(p.r, "si")) {
                in_si = true;
                if (empty) {
                    in_si = false;
                    if ((rc = sst_push(s)))
                        break;
                }
            } else if (is_elem(p.r, "rPh") && !empty) {
                rph++;
            } else if (is_elem(p.r, "t") && !empty) {
                in_t = true;
            }
        } else if (t == XML_READER_TYPE_END_ELEMENT) {
            if (is_elem(p.r, "si") && in_si) {
                in_si = false;
                if ((rc = sst_push(s)))
                    break;
            } else if (is_elem(p.r, "rPh")) {
                rph--;
            } else if (is_elem(p.r, "t")) {
                in_t = false;
            }
        } else if (in_si && in_t && rph == 0) {
            if ((rc = append_text(p.r, &s->text)))
                break;
        }
    }
    part_close(&p);
    if (k < 0)
        return k;
    if (rc == CANH_ELIMIT)
        return canh_errf(im->eb, rc, "%s: xl/sharedStrings.xml: too many or too long strings",
                         im->name);
    if (rc)
        return canh_errf(im->eb, rc, "%s: out of memory", im->name);
    return CANH_OK;
}

/* ---- the sheet -------------------------------------------------------------------- */

typedef struct sheet_row {
    canh_buf_t text;
    size_t *off, *len;
    bool *num;
    canh_intel_imp_cell_t *cells;
    size_t n, cap;
    bool wide, too_long;
} sheet_row_t;

static void row_reset(sheet_row_t *r)
{
    canh_buf_reset(&r->text);
    r->n = 0;
    r->wide = r->too_long = false;
}

/* Makes room for column col (0-based), filling skipped columns empty. */
static int row_grow(sheet_row_t *r, size_t col)
{
    if (col >= CANH_INTEL_IMP_MAX_COLS) {
        r->wide = true;
        return CANH_OK;
    }
    if (col >= r->cap) {
        size_t cap = r->cap ? r->cap : 16;
        while (cap <= col)
            cap *= 2;
        size_t *o = canh_reallocarray(r->off, cap, sizeof *o);
        if (!o)
            return CANH_ENOMEM;
        r->off = o;
        size_t *l = canh_reallocarray(r->len, cap, sizeof *l);
        if (!l)
            return CANH_ENOMEM;
        r->len = l;
        bool *nm = canh_reallocarray(r->num, cap, sizeof *nm);
        if (!nm)
            return CANH_ENOMEM;
        r->num = nm;
        canh_intel_imp_cell_t *c = canh_reallocarray(r->cells, cap, sizeof *c);
        if (!c)
            return CANH_ENOMEM;
        r->cells = c;
        r->cap = cap;
    }
    while (r->n <= col) {
        r->off[r->n] = r->text.len;
        r->len[r->n] = 0;
        r->num[r->n] = false;
        r->n++;
    }
    return CANH_OK;
}

/* "BC12" -> column 54 (0-based) and row 12; false when malformed. */
static bool cell_ref(const char *ref, size_t *col, uint64_t *row)
{
    size_t c = 0, i = 0;
    uint64_t rw = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z'; i++) {
        c = c * 26 + (size_t)(ref[i] - 'A' + 1);
        if (c > XLSX_MAX_COLUMN)
            return false;
    }
    if (i == 0)
        return false;
    for (; ref[i] >= '0' && ref[i] <= '9'; i++) {
        rw = rw * 10 + (uint64_t)(ref[i] - '0');
        if (rw > 100000000)
            return false;
    }
    if (ref[i])
        return false;
    *col = c - 1;
    *row = rw;
    return true;
}

typedef struct sheet {
    canh_intel_imp_t *im;
    canh_intel_imp_tab_t *tab;
    const sst_t *sst;
    sheet_row_t row;
    canh_buf_t val; /* the current cell's <v> or inline text */
    bool have_header;
    int tries;
} sheet_t;

/* Stores the finished cell at column col. */
static int cell_done(sheet_t *sh, size_t col, const char *type)
{
    sheet_row_t *r = &sh->row;
    canh_str_t v = canh_str(sh->val.data ? sh->val.data : "", sh->val.len);
    bool num = false;
    int rc;
    if ((rc = row_grow(r, col)) || r->wide)
        return rc;
    if (strcmp(type, "s") == 0) {
        uint64_t idx;
        if (canh_str_to_u64(canh_str_trim(v), UINT32_MAX, &idx) != CANH_OK || idx >= sh->sst->n)
            v = CANH_STR_LIT("#REF!"); /* a dangling index reads as Excel's error */
        else
            v = canh_str(sh->sst->text.data + sh->sst->off[idx],
                         sh->sst->off[idx + 1] - sh->sst->off[idx]);
    } else if (strcmp(type, "b") == 0) {
        v = canh_str_eq_c(canh_str_trim(v), "1") ? CANH_STR_LIT("TRUE") : CANH_STR_LIT("FALSE");
    } else if (type[0] == '\0' || strcmp(type, "n") == 0) {
        num = true;
    }
    /* a cell written twice (malformed) keeps the last text */
    r->off[col] = r->text.len;
    if ((rc = canh_buf_append(&r->text, v.p, v.n)) == CANH_ELIMIT) {
        r->too_long = true;
        return CANH_OK;
    }
    if (rc)
        return rc;
    r->len[col] = v.n;
    r->num[col] = num;
    return CANH_OK;
}

static int row_done(sheet_t *sh, uint64_t line)
{
    sheet_row_t *r = &sh->row;
    canh_intel_imp_t *im = sh->im;
    bool blank = true;
    int rc;
    for (size_t i = 0; i < r->n; i++) {
        r->cells[i].s = canh_str(r->text.data ? r->text.data + r->off[i] : "", r->len[i]);
        r->cells[i].num = r->num[i];
        blank = blank && canh_str_trim(r->cells[i].s).n == 0;
    }
    if (!sh->have_header) {
        if (blank && !r->wide)
            return CANH_OK;
        if (r->wide || r->too_long)
            return canh_errf(im->eb, CANH_EINVAL, "%s: row %llu: header too wide or too long",
                             im->name, (unsigned long long)line);
        rc = canh_intel_imp_tab_header(sh->tab, r->cells, r->n);
        if (rc == CANH_OK) {
            sh->have_header = true;
            return CANH_OK;
        }
        if (rc != CANH_ENOMATCH)
            return rc;
        if (++sh->tries >= XLSX_HEADER_TRIES)
            return canh_intel_imp_tab_nocolumn(sh->tab);
        return CANH_OK;
    }
    if (r->wide) {
        canh_intel_imp_reject(im, line, "more than %u columns", CANH_INTEL_IMP_MAX_COLS);
        return CANH_OK;
    }
    if (r->too_long) {
        canh_intel_imp_reject(im, line, "row longer than %u bytes", CANH_MAX_RECORD);
        return CANH_OK;
    }
    if (blank)
        return CANH_OK;
    /* a sheet leaves trailing empty cells out: pad to the header */
    size_t want = canh_intel_imp_tab_ncols(sh->tab);
    if (r->n < want) {
        size_t had = r->n;
        if ((rc = row_grow(r, want - 1)))
            return rc;
        for (size_t i = had; i < r->n; i++) {
            r->cells[i].s = canh_str("", 0);
            r->cells[i].num = false;
        }
    }
    return canh_intel_imp_tab_row(sh->tab, r->cells, r->n, line);
}

/* <sheetData><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>45413.5</v>
 * </c><c r="C2" t="inlineStr"><is><t>text</t></is></c></row>... */
static int sheet_read(sheet_t *sh, zip_t *z, const char *path)
{
    canh_intel_imp_t *im = sh->im;
    part_t p;
    int rc = part_open(z, path, &p), k;
    uint64_t rowno = 0, line = 0;
    size_t col = 0;
    char type[16] = "";
    bool in_row = false, in_c = false, in_text = false;
    int rph = 0;
    if (rc == CANH_ENOENT)
        return canh_errf(im->eb, CANH_EINVAL, "%s: not an .xlsx workbook (no %s)", im->name, path);
    if (rc)
        return canh_errf(im->eb, rc, "%s: cannot open %s", im->name, path);
    while ((k = part_next(im, &p)) == 1) {
        int t = xmlTextReaderNodeType(p.r);
        if (t == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(p.r);
            char ref[32];
            if (is_elem(p.r, "row")) {
                uint64_t rn = 0;
                char rs[24];
                line = rowno + 1;
                if (attr_local(p.r, "r", false, rs, sizeof rs) &&
                    canh_str_to_u64(canh_str_c(rs), 100000000, &rn) == CANH_OK && rn > rowno)
                    line = rn;
                rowno = line;
                row_reset(&sh->row);
                col = 0;
                in_row = !empty;
                if (empty && (rc = row_done(sh, line)))
                    break;
            } else if (in_row && is_elem(p.r, "c")) {
                uint64_t rr;
                size_t cc;
                if (attr_local(p.r, "r", false, ref, sizeof ref) && cell_ref(ref, &cc, &rr))
                    col = cc;
                if (!attr_local(p.r, "t", false, type, sizeof type))
                    type[0] = '\0';
                canh_buf_reset(&sh->val);
                in_c = !empty;
                if (empty) {
                    if ((rc = cell_done(sh, col, "str")))
                        break;
                    col++;
                }
            } else if (in_c && (is_elem(p.r, "v") || is_elem(p.r, "t")) && !empty) {
                in_text = true;
            } else if (in_c && is_elem(p.r, "rPh") && !empty) {
                rph++;
            }
        } else if (t == XML_READER_TYPE_END_ELEMENT) {
            if (is_elem(p.r, "row") && in_row) {
                in_row = false;
                if ((rc = row_done(sh, line)))
                    break;
            } else if (is_elem(p.r, "c") && in_c) {
                in_c = false;
                if ((rc = cell_done(sh, col, type)))
                    break;
                col++;
            } else if (is_elem(p.r, "v") || is_elem(p.r, "t")) {
                in_text = false;
            } else if (is_elem(p.r, "rPh")) {
                rph--;
            }
        } else if (in_c && in_text && rph == 0) {
            if ((rc = append_text(p.r, &sh->val)) == CANH_ELIMIT) {
                sh->row.too_long = true;
                rc = CANH_OK;
            } else if (rc) {
                break;
            }
        }
    }
    part_close(&p);
    if (k < 0)
        return k;
    if (rc == CANH_ENOMEM)
        return canh_errf(im->eb, rc, "%s: out of memory", im->name);
    if (rc)
        return rc; /* eb set by the header check, or the sink's error */
    if (!sh->have_header)
        return canh_intel_imp_tab_nocolumn(sh->tab);
    return CANH_OK;
}

int canh_intel_imp_xlsx(canh_intel_imp_t *im, canh_str_t data)
{
    zip_error_t zerr;
    zip_source_t *src = NULL;
    zip_t *z = NULL;
    sst_t sst = {0};
    sheet_t sh = {0};
    char path[512];
    int rc;

    zip_error_init(&zerr);
    canh_buf_init(&sst.text, CANH_MAX_FEED_XLSX_PART);
    canh_buf_init(&sh.row.text, CANH_MAX_RECORD);
    canh_buf_init(&sh.val, CANH_MAX_RECORD);
    if (data.n < 4 || memcmp(data.p, "PK\x03\x04", 4) != 0) {
        rc = canh_errf(im->eb, CANH_EINVAL, "%s: not an .xlsx workbook (not a zip archive)",
                       im->name);
        goto out;
    }
    src = zip_source_buffer_create(data.p, data.n, 0, &zerr);
    if (!src) {
        rc = canh_errf(im->eb, CANH_ENOMEM, "%s: %s", im->name, zip_error_strerror(&zerr));
        goto out;
    }
    z = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (!z) {
        rc = canh_errf(im->eb, CANH_EINVAL, "%s: not an .xlsx workbook (%s)", im->name,
                       zip_error_strerror(&zerr));
        zip_source_free(src);
        goto out;
    }
    if ((rc = canh_intel_imp_tab_create(im, &sh.tab))) {
        rc = canh_errf(im->eb, rc, "%s: out of memory", im->name);
        goto out;
    }
    first_sheet(im, z, path, sizeof path);
    if ((rc = sst_read(im, z, &sst)))
        goto out;
    sh.im = im;
    sh.sst = &sst;
    rc = sheet_read(&sh, z, path);
out:
    zip_error_fini(&zerr);
    if (z)
        zip_discard(z); /* read-only: discard frees the source too */
    canh_intel_imp_tab_destroy(sh.tab);
    canh_buf_fini(&sh.row.text);
    canh_buf_fini(&sh.val);
    canh_free(sh.row.off);
    canh_free(sh.row.len);
    canh_free(sh.row.num);
    canh_free(sh.row.cells);
    canh_buf_fini(&sst.text);
    canh_free(sst.off);
    return rc;
}
