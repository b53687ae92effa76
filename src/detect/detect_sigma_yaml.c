/* detect_sigma_yaml.c - reading Sigma YAML with libfyaml 0.7.
 *
 * A rule file may hold several YAML documents (a correlation rule and the
 * rules it uses). The text is checked before libfyaml sees it: at most
 * SG_MAX_FILE bytes, valid UTF-8 without NUL bytes (libfyaml 0.7 can loop
 * on some invalid bytes). libfyaml's diagnostics are collected, never
 * printed, and turned into "yaml: what (column N)" at a line. Aliases are
 * refused (a rule has no use for them, and they are how a small file
 * becomes a huge tree), as is nesting deeper than SG_MAX_YAML_DEPTH.
 *
 * Positions: libfyaml 0.7 has no start mark for collections, so a node's
 * line is that of its scalar token, and a collection's is that of its
 * first scalar (the technique of src/core/core_config.c). */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canh/error.h"
#include "detect_sigma_int.h"

/* ---- node helpers ------------------------------------------------------------------ */

unsigned sg_line(struct fy_node *n, unsigned dflt)
{
    for (int guard = 0; n && guard <= SG_MAX_YAML_DEPTH + 1; guard++) {
        void *it = NULL;
        switch (fy_node_get_type(n)) {
        case FYNT_SCALAR: {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            return m ? (unsigned)m->line + 1 : dflt;
        }
        case FYNT_MAPPING: {
            struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
            n = p ? fy_node_pair_key(p) : NULL;
            break;
        }
        case FYNT_SEQUENCE: n = fy_node_sequence_iterate(n, &it); break;
        default: return dflt;
        }
    }
    return dflt;
}

bool sg_is_map(struct fy_node *n)
{
    return n && fy_node_get_type(n) == FYNT_MAPPING;
}

bool sg_is_seq(struct fy_node *n)
{
    return n && fy_node_get_type(n) == FYNT_SEQUENCE;
}

bool sg_is_scalar(struct fy_node *n)
{
    return n && fy_node_get_type(n) == FYNT_SCALAR && !fy_node_is_alias(n);
}

bool sg_is_null(struct fy_node *n)
{
    size_t len = 0;
    if (!n)
        return true;
    if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar(n, &len);
    if (!s || len == 0)
        return true;
    return (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

const char *sg_text(struct fy_node *n, size_t *len)
{
    *len = 0;
    if (!sg_is_scalar(n))
        return NULL;
    const char *s = fy_node_get_scalar(n, len);
    if (!s) {
        *len = 0;
        return "";
    }
    return s;
}

bool sg_quoted(struct fy_node *n)
{
    if (!n)
        return false;
    enum fy_node_style st = fy_node_get_style(n);
    return st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED || st == FYNS_LITERAL ||
           st == FYNS_FOLDED;
}

struct fy_node *sg_get(struct fy_node *map, const char *key)
{
    void *it = NULL;
    struct fy_node_pair *p;
    size_t kl = strlen(key);
    if (!sg_is_map(map))
        return NULL;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        size_t n;
        const char *k = sg_text(fy_node_pair_key(p), &n);
        if (k && n == kl && memcmp(k, key, n) == 0)
            return fy_node_pair_value(p);
    }
    return NULL;
}

struct fy_node *sg_key(struct fy_node *map, const char *key)
{
    void *it = NULL;
    struct fy_node_pair *p;
    size_t kl = strlen(key);
    if (!sg_is_map(map))
        return NULL;
    while ((p = fy_node_mapping_iterate(map, &it))) {
        size_t n;
        const char *k = sg_text(fy_node_pair_key(p), &n);
        if (k && n == kl && memcmp(k, key, n) == 0)
            return fy_node_pair_key(p);
    }
    return NULL;
}

bool sg_map_next(struct fy_node *map, void **it, struct fy_node **k, struct fy_node **v)
{
    struct fy_node_pair *p = fy_node_mapping_iterate(map, it);
    if (!p)
        return false;
    *k = fy_node_pair_key(p);
    *v = fy_node_pair_value(p);
    return true;
}

struct fy_node *sg_seq_next(struct fy_node *seq, void **it)
{
    return fy_node_sequence_iterate(seq, it);
}

size_t sg_count(struct fy_node *n)
{
    if (sg_is_map(n))
        return (size_t)fy_node_mapping_item_count(n);
    if (sg_is_seq(n))
        return (size_t)fy_node_sequence_item_count(n);
    return 0;
}

struct fy_node *sg_root(sg_yaml_doc_t *d)
{
    return d->doc ? fy_document_root(d->doc) : NULL;
}

/* ---- text checks --------------------------------------------------------------------- */


static unsigned line_of(const char *t, size_t off)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i++)
        if (t[i] == '\n')
            line++;
    return line;
}

/* Aliases and depth, over one document. */
static int check_tree(struct fy_node *n, int depth, unsigned *line, char *why, size_t cap)
{
    void *it = NULL;
    if (!n)
        return CANH_OK;
    if (fy_node_is_alias(n)) {
        *line = sg_line(n, *line);
        snprintf(why, cap, "yaml: aliases (*name) are not supported in rules");
        return CANH_ENOTSUP;
    }
    if (depth > SG_MAX_YAML_DEPTH) {
        *line = sg_line(n, *line);
        snprintf(why, cap, "yaml: nesting deeper than %d levels", SG_MAX_YAML_DEPTH);
        return CANH_ELIMIT;
    }
    if (sg_is_map(n)) {
        struct fy_node *k, *v;
        while (sg_map_next(n, &it, &k, &v)) {
            int rc = check_tree(k, depth + 1, line, why, cap);
            if (!rc)
                rc = check_tree(v, depth + 1, line, why, cap);
            if (rc)
                return rc;
        }
    } else if (sg_is_seq(n)) {
        struct fy_node *c;
        while ((c = sg_seq_next(n, &it))) {
            int rc = check_tree(c, depth + 1, line, why, cap);
            if (rc)
                return rc;
        }
    }
    return CANH_OK;
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Line and column of the outermost flow bracket ('[' or '{') left open,
 * or 0: libfyaml reports an unclosed bracket where the text ends, which is
 * not where the mistake is. Quotes and comments are skipped; a bracket
 * counts only where a flow collection can start (after ':', '-', ',', an
 * opening bracket, or at the start of a line). */
static unsigned unclosed_bracket(const char *t, size_t n, int *col)
{
    unsigned line = 1, open_line = 0;
    int depth = 0, c0 = 1, open_col = 0;
    char prev = '\n';
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '\n') {
            line++;
            c0 = (int)i + 1;
            prev = '\n';
            continue;
        }
        if (c == '#' && (prev == ' ' || prev == '\t' || prev == '\n')) {
            while (i + 1 < n && t[i + 1] != '\n')
                i++;
            continue;
        }
        if ((c == '\'' || c == '"') && (prev == ' ' || prev == ':' || prev == ',' || prev == '[' ||
                                        prev == '{' || prev == '\n' || prev == '-')) {
            for (i++; i < n && t[i] != c; i++) {
                if (t[i] == '\\' && c == '"' && i + 1 < n)
                    i++;
                if (t[i] == '\n') {
                    line++;
                    c0 = (int)i + 1;
                }
            }
            prev = c;
            continue;
        }
        if ((c == '[' || c == '{') && (depth > 0 || prev == ':' || prev == '-' || prev == '\n' ||
                                       prev == ' ' || prev == '\t')) {
            if (depth++ == 0) {
                open_line = line;
                open_col = (int)i - c0 + 1;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
        if (c != ' ' && c != '\t')
            prev = c;
        else if (prev != '\n')
            prev = ' ';
    }
    *col = open_col;
    return depth > 0 ? open_line : 0;
}

/* First collected error, as "yaml: msg (column C)" at its line. */
static bool diag_error(struct fy_diag *diag, const char *text, size_t len, unsigned *line,
                       char *why, size_t cap)
{
    void *it = NULL;
    struct fy_diag_error *err;
    while ((err = fy_diag_errors_iterate(diag, &it))) {
        if (err->type < FYET_ERROR)
            continue;
        *line = err->line > 0 ? (unsigned)err->line : 1;
        int col = 0;
        unsigned open = err->msg && strstr(err->msg, "without a closing")
                            ? unclosed_bracket(text, len, &col)
                            : 0;
        if (open && open < *line) {
            *line = open;
            snprintf(why, cap, "yaml: %s (column %d)", err->msg, col);
            return true;
        }
        snprintf(why, cap, "yaml: %s (column %d)", err->msg ? err->msg : "syntax error",
                 err->column > 0 ? err->column : 1);
        return true;
    }
    return false;
}

int sg_yaml_parse(sg_yaml_t *y, const char *text, size_t len, unsigned *line, char *why, size_t cap)
{
    struct fy_diag_cfg dc;
    memset(y, 0, sizeof *y);
    *line = 1;
    if (len > SG_MAX_FILE) {
        snprintf(why, cap, "file larger than %u bytes", SG_MAX_FILE);
        return CANH_ELIMIT;
    }
    /* Not valid UTF-8, or a NUL: the first offending byte. */
    size_t bad = canh_utf8_invalid_at(text, len);
    const char *nul = memchr(text, 0, bad);
    if (nul)
        bad = (size_t)(nul - text);
    if (bad < len) {
        *line = line_of(text, bad);
        snprintf(why, cap, "yaml: %s (byte 0x%02x)",
                 text[bad] ? "invalid UTF-8" : "NUL byte in text", (unsigned char)text[bad]);
        return CANH_EINVAL;
    }
    /* libfyaml does not copy the text; the documents outlive the caller's
     * buffer (mapping and override files are kept until the rules are
     * compiled), so they get their own copy. */
    y->text = canh_malloc(len + 1);
    if (!y->text) {
        snprintf(why, cap, "out of memory");
        return CANH_ENOMEM;
    }
    if (len)
        memcpy(y->text, text, len);
    y->text[len] = '\0';
    text = y->text;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag) {
        snprintf(why, cap, "out of memory");
        return CANH_ENOMEM;
    }
    fy_diag_set_collect_errors(diag, true);
    y->diag = diag;
    struct fy_parse_cfg pc = {
        .flags = FYPCF_QUIET | FYPCF_JSON_NONE,
        .diag = diag,
    };
    struct fy_parser *fyp = fy_parser_create(&pc);
    if (!fyp) {
        snprintf(why, cap, "out of memory");
        return CANH_ENOMEM;
    }
    y->parser = fyp;
    if (fy_parser_set_string(fyp, text, len) != 0) {
        snprintf(why, cap, "yaml: cannot read the text");
        return CANH_EINVAL;
    }
    for (;;) {
        struct fy_document *doc = fy_parse_load_document(fyp);
        if (diag_error(diag, text, len, line, why, cap)) {
            if (doc)
                fy_parse_document_destroy(fyp, doc);
            return CANH_EINVAL;
        }
        if (!doc) {
            if (fy_parser_get_stream_error(fyp)) {
                snprintf(why, cap, "yaml: cannot parse the document");
                return CANH_EINVAL;
            }
            break;
        }
        if (y->ndocs == SG_MAX_DOCS) {
            fy_parse_document_destroy(fyp, doc);
            snprintf(why, cap, "more than %d YAML documents in one file", SG_MAX_DOCS);
            return CANH_ELIMIT;
        }
        sg_yaml_doc_t *d = &y->docs[y->ndocs++];
        d->doc = doc;
        d->line = sg_line(fy_document_root(doc), *line);
        *line = d->line;
        int rc = check_tree(fy_document_root(doc), 1, line, why, cap);
        if (rc)
            return rc;
    }
    return CANH_OK;
}

void sg_yaml_fini(sg_yaml_t *y)
{
    for (size_t i = 0; i < y->ndocs; i++)
        if (y->docs[i].doc)
            fy_parse_document_destroy(y->parser, y->docs[i].doc);
    y->ndocs = 0;
    if (y->parser)
        fy_parser_destroy(y->parser);
    if (y->diag)
        fy_diag_destroy(y->diag);
    canh_free(y->text);
    y->text = NULL;
    y->parser = NULL;
    y->diag = NULL;
}

int sg_read_file(const char *path, char **text, size_t *len, char *why, size_t cap)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "cannot open: %s", strerror(errno));
        return errno == ENOENT ? CANH_ENOENT : CANH_EIO;
    }
    int rc = CANH_OK;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, cap, "not a regular file");
        rc = CANH_EIO;
        goto out;
    }
    if ((uint64_t)sb.st_size > SG_MAX_FILE) {
        snprintf(why, cap, "file larger than %u bytes", SG_MAX_FILE);
        rc = CANH_ELIMIT;
        goto out;
    }
    buf = canh_malloc((size_t)sb.st_size + 1);
    if (!buf) {
        snprintf(why, cap, "out of memory");
        rc = CANH_ENOMEM;
        goto out;
    }
    while (n <= SG_MAX_FILE) {
        ssize_t k = read(fd, buf + n, (size_t)sb.st_size + 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(why, cap, "cannot read: %s", strerror(errno));
            rc = CANH_EIO;
            goto out;
        }
        if (k == 0)
            break;
        n += (size_t)k;
        if (n == (size_t)sb.st_size + 1) { /* grew while reading */
            snprintf(why, cap, "file changed while being read");
            rc = CANH_EIO;
            goto out;
        }
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
out:
    canh_free(buf);
    close(fd);
    return rc;
}
