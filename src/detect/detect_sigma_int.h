/* detect_sigma_int.h - the Sigma engine's compiled representation, private
 * to src/detect/ (and to tests, fuzz targets and benchmarks that include it).
 *
 * Compilation turns each Sigma rule into a tree of nodes over "atoms"; an
 * atom is one field (a field reference: candidate event fields tried in
 * order) with its values, and each value is one or more matchers (the
 * variants that modifiers like windash or base64offset produce). Everything
 * lives in flat arrays indexed by uint32 ids, so the compiled set is one
 * immutable block after canh_rules_compile returns, shared by all threads.
 *
 * Rules are grouped by log source ("routes", from rules/mappings/logsources.yml).
 * At run time an event first meets the routes (indexed by event.dataset),
 * then, per route, a Hyperscan literal database per field scans the field
 * once for every literal of every rule of the route; a rule whose anchor
 * literals did not occur is skipped without being looked at.
 *
 * What a correlation layer needs is at the bottom ("hooks for correlation"):
 * rule ids and names, evaluating a base rule by index on an event, and
 * resolving and reading group-by fields. */
#ifndef CANH_DETECT_SIGMA_INT_H
#define CANH_DETECT_SIGMA_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canh/detect.h"
#include "canh/mem.h"

/* ---- limits (every byte of a rule file is hostile input) ------------------ */
#define SG_MAX_FILE (1024u * 1024u) /* one rule/mapping/overrides file */
#define SG_MAX_DOCS 256             /* YAML documents in one file */
#define SG_MAX_YAML_DEPTH 24        /* mapping/list nesting in one document */
#define SG_MAX_VALUE (64u * 1024u)  /* one value, before and after modifiers */
#define SG_MAX_VALUES 8192          /* values of one field in one selection */
#define SG_MAX_VARIANTS 4096        /* expansions of one value (windash, expand) */
#define SG_MAX_MODIFIERS 12         /* modifiers on one field */
#define SG_MAX_FIELD 256            /* a Sigma field name */
#define SG_MAX_SELECTIONS 1024      /* search identifiers in one rule */
#define SG_MAX_COND (16u * 1024u)   /* condition text */
#define SG_MAX_COND_DEPTH 64        /* parentheses and `not` nesting */
#define SG_MAX_RULE_NODES 100000    /* nodes + child links of one rule after expansion */
#define SG_MAX_RULE_MATCHERS 100000 /* value tests of one rule (values x variants) */
#define SG_MAX_RULE_BYTES (16u * 1024u * 1024u) /* compiled literals of one rule */
#define SG_MAX_WALK_DEPTH 32                    /* directory nesting when collecting files */
#define SG_MAX_CANDIDATES 16                    /* event fields one Sigma field may map to */
#define SG_MAX_PLACEHOLDER 1024                 /* values of one expand placeholder */
#define SG_RE_MATCH_LIMIT 200000                /* PCRE2 match limit per regex match */
#define SG_RE_DEPTH_LIMIT 20000                 /* PCRE2 backtracking depth */
#define SG_JIT_STACK (512u * 1024u)             /* PCRE2 JIT stack per detector */
#define SG_MAX_ARRAY_ELEMS 256                  /* elements read from one JSON-array field */

#define SG_NONE UINT32_MAX

/* Growable array of fixed-size items (compile time only). */
typedef struct sg_vec {
    void *v;
    uint32_t n, cap;
    uint32_t size;
} sg_vec_t;

/* Open-addressing string -> uint32 table (compile time and dataset index). */
typedef struct sg_tab {
    const char **k;
    uint32_t *klen;
    uint32_t *v;
    uint32_t cap, n;
} sg_tab_t;

/* ---- compiled pieces ------------------------------------------------------ */

/* One event field a Sigma field may map to. */
typedef struct sg_cand {
    int32_t slot;     /* ECS slot id, or -1 (look the name up in the kv list) */
    uint32_t len;     /* strlen(name) */
    const char *name; /* event field name (arena) */
} sg_cand_t;

enum sg_fref_kind {
    SG_FREF_FIRST = 0, /* the first present candidate is the field's value */
    SG_FREF_ANY,       /* every present candidate is one of its values */
    SG_FREF_KEYWORDS,  /* field-less search: event.original and message */
};

/* A field reference: what one Sigma field name means for one log source.
 * Deduplicated: equal candidate lists share an id. */
typedef struct sg_fref {
    uint32_t cand, ncand; /* into rules->cands */
    uint8_t kind;         /* enum sg_fref_kind */
    const char *key;      /* canonical candidate list (arena), for dedup and messages */
} sg_fref_t;

enum sg_mkind {
    SG_M_EQ = 0,   /* literal equals the value */
    SG_M_PREFIX,   /* value starts with the literal */
    SG_M_SUFFIX,   /* value ends with the literal */
    SG_M_CONTAINS, /* literal occurs in the value */
    SG_M_ANY,      /* '*': any value (the field must be present) */
    SG_M_GLOB,     /* pattern with * and ? wildcards */
    SG_M_RE,       /* PCRE2 regular expression */
    SG_M_CIDR,     /* IP address inside a network */
    SG_M_NUM,      /* numeric comparison (op) */
    SG_M_NULL,     /* field absent or empty */
    SG_M_EXISTS,   /* field present (op = 1) or absent (op = 0) */
    SG_M_FIELDREF, /* value equal to (op: starts/ends with, contains) another field's */
    SG_M_TIME,     /* a part (op) of the value read as a timestamp equals num.v */
};

enum sg_timepart { SG_TP_MINUTE = 0, SG_TP_HOUR, SG_TP_DAY, SG_TP_WEEK, SG_TP_MONTH, SG_TP_YEAR };

enum sg_numop { SG_OP_GT = 0, SG_OP_GTE, SG_OP_LT, SG_OP_LTE };

/* Glob program bytes: a wildcard is an escape byte followed by its kind. */
#define SG_GLOB_ESC 0x00
#define SG_GLOB_STAR 0x01
#define SG_GLOB_QMARK 0x02
#define SG_GLOB_LIT 0x03 /* a literal 0x00 byte */

typedef struct sg_matcher {
    uint8_t kind;    /* enum sg_mkind */
    uint8_t cased;   /* compare case-sensitively (|cased, and regexes without |i) */
    uint8_t op;      /* SG_M_NUM: enum sg_numop; SG_M_FIELDREF: an SG_M_EQ..CONTAINS kind;
                      * SG_M_EXISTS: 1 present, 0 absent */
    uint8_t anchor;  /* a hit of this matcher's literal makes its rule a candidate */
    uint32_t db;     /* prefilter database that decides it (SG_M_EQ..CONTAINS) or
                      * holds its anchor (SG_M_GLOB), else SG_NONE */
    uint32_t rule;   /* owning rule, or SG_NONE (routes) */
    uint32_t len;    /* bytes in lit */
    const char *lit; /* EQ..CONTAINS: the literal; GLOB: the glob program */
    uint32_t alen;   /* anchor literal: the literal, or a GLOB's longest literal run */
    const char *alit;
    union {
        void *re; /* pcre2_code * */
        struct {
            uint8_t fam; /* 4 or 6 */
            uint8_t bits;
            uint8_t addr[16];
        } cidr;
        struct {
            double v;
        } num;
        uint32_t fref; /* SG_M_FIELDREF */
    } u;
} sg_matcher_t;

/* One value of an atom: its variants, OR'd. */
typedef struct sg_val {
    uint32_t m, nm; /* into rules->matchers */
} sg_val_t;

/* A field with its values: true when any value matches (all values with |all). */
typedef struct sg_atom {
    uint32_t fref;
    uint32_t val, nval; /* into rules->vals */
    uint8_t all;
} sg_atom_t;

enum sg_nop { SG_N_ATOM = 0, SG_N_AND, SG_N_OR, SG_N_NOT, SG_N_TRUE, SG_N_FALSE };

typedef struct sg_node {
    uint8_t op; /* enum sg_nop */
    uint32_t a; /* ATOM: atom id; NOT: child node; AND/OR: first index in rules->kids */
    uint32_t n; /* AND/OR: number of children */
} sg_node_t;

/* A compiled rule. Strings live in the rules' arena. */
typedef struct sg_rule {
    const char *id, *title, *description, *author, *status, *file;
    const char *tags_json, *refs_json, *fps_json, *tech_json; /* JSON arrays, or NULL */
    unsigned line;                                            /* line of the rule's first key */
    canh_level_t level;
    uint32_t root;        /* detection condition (with exceptions folded in) */
    uint32_t route;       /* log source group */
    uint32_t logsrc;      /* index into rules->logsrcs: the rule's logsource (for field mapping) */
    const char *reason;   /* why FAILED or PARTIAL (NULL when OK) */
    unsigned reason_line; /* where (the rule's line when unknown) */
    uint8_t st;           /* canh_rule_status_t */
    uint8_t disabled;     /* listed under disable: in an overrides file */
    uint8_t has_anchor;   /* some literal must occur for the rule to match */
    uint8_t pseudo;       /* not a rule: a file-level message (YAML error, override) */
    uint8_t nogen;        /* a base rule of a correlation without generate: true: its
                           * matches feed the correlation but raise no alert */
    const char *name;     /* the rule's `name:` (Sigma 2.x), or NULL */
    uint32_t corr1;       /* a correlation rule: 1 + index into rules->corrs; 0 = none */
} sg_rule_t;

/* A prefilter database: the literals of one route's rules on one field (or
 * the keyword literals of one product's routes, or the routes' own tests;
 * see detect_sigma_prefilter.c). */
typedef struct sg_db {
    uint32_t fref;
    uint8_t routes;  /* holds the routes' own tests, not rules' literals */
    uint8_t anchors; /* holds at least one anchor literal */
    void *hs;        /* hs_database_t * (NULL when every literal is an equality) */
    /* Equality tests are a hash lookup of the whole value rather than a
     * scan: lowercased literal (eq) or exact literal (eqc, cased) -> index
     * into eq_ids of a SG_NONE-terminated run of matcher ids. */
    sg_tab_t eq, eqc;
    uint32_t *eq_ids;
} sg_db_t;

#define SG_EQ_MAX 255 /* longer equality literals go to Hyperscan */

/* A log-source group: the routing condition and the rules that share it. */
typedef struct sg_route {
    const char *key; /* "product/category/service" */
    uint32_t node;   /* condition over the event; SG_NONE = every event */
    uint32_t *rules; /* rule ids, ascending */
    uint32_t nrules;
    uint32_t *always; /* rules without anchors: evaluated for every routed event */
    uint32_t nalways;
    uint32_t *adb; /* prefilter databases holding its rules' anchors */
    uint32_t nadb;
    uint8_t partial;    /* the log source had no entry in logsources.yml */
    const char *reason; /* why partial */
} sg_route_t;

/* One rule's logsource, kept for field resolution after compile. */
typedef struct sg_logsrc {
    const char *product, *category, *service; /* NULL when absent */
} sg_logsrc_t;

typedef struct sg_maps sg_maps_t; /* field mappings, logsources, placeholders */

/* The routes bound to one event.dataset value. When many of them test
 * winlog.channel (the Windows routes), they are also indexed by channel so
 * that an event tries only its channel's routes and the rest. */
typedef struct sg_dslist {
    uint32_t *routes;   /* all, SG_NONE-terminated */
    sg_tab_t chan;      /* lowercased winlog.channel -> index into by_chan */
    uint32_t **by_chan; /* SG_NONE-terminated lists */
    uint32_t *rest;     /* routes without a channel test, SG_NONE-terminated */
    bool indexed;       /* by_chan/rest are used instead of routes */
} sg_dslist_t;

struct canh_rules {
    canh_arena_t arena; /* strings and small arrays, freed at destroy */
    sg_vec_t rules, routes, nodes, kids, atoms, vals, matchers, frefs, cands, dbs, logsrcs;
    sg_vec_t corrs;        /* sg_corr_t: correlation rules (detect_sigma_corr.c) */
    sg_tab_t fref_tab;     /* fref key -> id */
    sg_tab_t id_tab;       /* rule id -> rule index */
    sg_tab_t route_tab;    /* logsource key -> route */
    sg_tab_t ds_tab;       /* lowercased event.dataset -> index into ds_lists */
    sg_dslist_t *ds_lists; /* per dataset: its routes */
    uint32_t nds_lists;
    uint32_t *any_routes; /* routes not bound to a dataset */
    uint32_t nany;
    sg_maps_t *maps;
    bool prefilter;  /* Hyperscan databases were built */
    size_t nenabled; /* rules that run */
};

/* ---- vectors and tables (detect_sigma_util.c) ------------------------------ */
void sg_vec_init(sg_vec_t *v, uint32_t size);
void sg_vec_fini(sg_vec_t *v);
/* Appends one zeroed item; returns its index or SG_NONE (ENOMEM/limit). */
uint32_t sg_vec_push(sg_vec_t *v);
#define SG_AT(vec, type, i) (&((type *)(vec).v)[(i)])

void sg_tab_init(sg_tab_t *t);
void sg_tab_fini(sg_tab_t *t);
/* Value for key, or SG_NONE. */
uint32_t sg_tab_get(const sg_tab_t *t, const char *k, size_t n);
/* Inserts or replaces; key must outlive the table (arena). CANH_OK/ENOMEM. */
int sg_tab_put(sg_tab_t *t, const char *k, size_t n, uint32_t v);

/* ASCII helpers. */
static inline unsigned char sg_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
bool sg_ieq(const char *a, const char *b, size_t n);
/* Case-(in)sensitive search of needle in hay; -1 if absent. */
ptrdiff_t sg_find(const char *hay, size_t hn, const char *needle, size_t nn, bool cased);
/* Glob program match (SG_GLOB_* encoding). */
bool sg_glob(const char *pat, size_t pn, const char *s, size_t sn, bool cased);
/* Parses an IPv4/IPv6 address; fam 4 or 6, addr in network order. */
bool sg_parse_ip(const char *s, size_t n, uint8_t *fam, uint8_t addr[16]);
/* "[a, b]" JSON array text of strings, appended to the arena. NULL on ENOMEM. */
const char *sg_json_array(canh_arena_t *a, const char *const *items, size_t n);

/* ---- YAML (detect_sigma_yaml.c) ------------------------------------------------ */
struct fy_node;
struct fy_document;

typedef struct sg_yaml_doc {
    struct fy_document *doc;
    unsigned line; /* line of the document's first node */
} sg_yaml_doc_t;

typedef struct sg_yaml {
    char *text;   /* a copy of the text: libfyaml's nodes point into it */
    void *diag;   /* struct fy_diag * */
    void *parser; /* struct fy_parser * */
    sg_yaml_doc_t docs[SG_MAX_DOCS];
    size_t ndocs;
} sg_yaml_t;

/* Parses every document of text. On a syntax error, invalid UTF-8, an alias,
 * nesting past SG_MAX_YAML_DEPTH or more than SG_MAX_DOCS documents, returns
 * CANH_EINVAL/CANH_ELIMIT/CANH_ENOTSUP with *line and "yaml: ..." in why;
 * documents parsed before the error are kept (and freed by sg_yaml_fini). */
int sg_yaml_parse(sg_yaml_t *y, const char *text, size_t len, unsigned *line, char *why,
                  size_t cap);
void sg_yaml_fini(sg_yaml_t *y);
/* Reads a whole file (at most SG_MAX_FILE bytes) into *text (canh_free). */
int sg_read_file(const char *path, char **text, size_t *len, char *why, size_t cap);

/* 1-based line of a node (a collection: of its first scalar), or dflt. */
unsigned sg_line(struct fy_node *n, unsigned dflt);
bool sg_is_map(struct fy_node *n);
bool sg_is_seq(struct fy_node *n);
bool sg_is_scalar(struct fy_node *n);
/* Plain empty, ~ or null scalar (or no node). */
bool sg_is_null(struct fy_node *n);
/* Scalar text (not NUL-terminated; *len set), or NULL for a collection. */
const char *sg_text(struct fy_node *n, size_t *len);
/* Whether the scalar was quoted (a quoted "true" is a string). */
bool sg_quoted(struct fy_node *n);
/* Value of key in a mapping, or NULL. */
struct fy_node *sg_get(struct fy_node *map, const char *key);
/* The key node itself (for its line), or NULL. */
struct fy_node *sg_key(struct fy_node *map, const char *key);
/* Iteration helpers over a mapping (key, value) and a sequence. */
bool sg_map_next(struct fy_node *map, void **it, struct fy_node **k, struct fy_node **v);
struct fy_node *sg_seq_next(struct fy_node *seq, void **it);
size_t sg_count(struct fy_node *n);
struct fy_node *sg_root(sg_yaml_doc_t *d);

/* ---- mappings (detect_sigma_map.c) ----------------------------------------------- */
/* Reports a problem in a mapping/overrides file through the rules report callback. */
typedef struct sg_report {
    canh_rule_report_fn fn;
    void *ud;
    size_t *failed; /* counted here */
    size_t *partial;
} sg_report_t;

int sg_maps_create(sg_maps_t **out);
void sg_maps_destroy(sg_maps_t *m);
/* Loads the built-in mapping files (compiled into the library). */
int sg_maps_load_builtin(sg_maps_t *m, canh_errbuf_t *eb);
/* Loads one mapping file from memory; name is used in messages. Problems are
 * returned as "name:line: reason" in eb (CANH_EINVAL, CANH_ELIMIT, ...). */
int sg_maps_load(sg_maps_t *m, const char *name, const char *text, size_t len, canh_errbuf_t *eb);

/* The route text for a logsource: the match alternatives, as YAML nodes of
 * the mapping document, and whether an exact entry exists. */
typedef struct sg_route_def {
    struct fy_node *match; /* sequence of mappings (OR of ANDs) or NULL = every event */
    const char *name;      /* file that defined it */
    uint32_t entry;        /* the entry used (for messages) */
    bool found;            /* an entry names exactly the rule's product/category/service */
    bool any;              /* some entry applied (found, or one naming fewer attributes) */
} sg_route_def_t;
/* Resolves a rule's logsource to the most specific entry of the logsources
 * lists whose every attribute equals the rule's (the later one on a tie). */
sg_route_def_t sg_maps_route(const sg_maps_t *m, const sg_logsrc_t *ls);
/* "product=windows category=process_creation" for entry. */
const char *sg_maps_route_desc(const sg_maps_t *m, uint32_t entry, char *buf, size_t cap);

/* Candidate event fields for a Sigma field under a logsource: writes up to
 * SG_MAX_CANDIDATES names into out (pointers into the mapping set or into
 * buf, which holds expanded templates), sets *any for `any:` entries.
 * Returns the count (at least 1: the name itself is the last resort). */
size_t sg_maps_field(const sg_maps_t *m, const sg_logsrc_t *ls, const char *field, size_t flen,
                     const char **out, char *buf, size_t bufcap, bool *any);
/* Values of an expand placeholder (without the % signs), or 0 if unknown. */
size_t sg_maps_placeholder(const sg_maps_t *m, const char *name, size_t n, const char *const **out);

/* ---- compilation (detect_sigma_rule.c, _value.c, _cond.c) --------------------------- */
/* State of compiling one rule document. */
typedef struct sg_cc {
    canh_rules_t *r;
    const char *file;
    uint32_t rule; /* index being built */
    sg_logsrc_t ls;
    unsigned line;          /* line to report */
    struct fy_node *at_key; /* the search identifier being compiled (its line is the fallback) */
    char why[400];          /* reason for failure */
    char pwhy[400];         /* first reason for partial support */
    unsigned pline;
    bool partial;
    uint32_t nodes_at_start; /* r->nodes.n and r->kids.n when the rule began: */
    uint32_t kids_at_start;  /* together they may grow by SG_MAX_RULE_NODES */
    uint32_t matchers_at_start;
    size_t bytes_at_start; /* arena use */
    bool over;             /* a per-rule budget ran out (reported as a failure, not ENOMEM) */
    /* Selections of the detection section: name -> node. */
    const char **sel_name;
    uint32_t *sel_len;
    uint32_t *sel_node;
    uint32_t nsel;
} sg_cc_t;

/* Failure/partial helpers: set cc->line/why and return CANH_EINVAL. */
int sg_fail(sg_cc_t *cc, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sg_partial(sg_cc_t *cc, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* New node/atom ids; SG_NONE on ENOMEM or past SG_MAX_RULE_NODES. */
uint32_t sg_node_new(sg_cc_t *cc, uint8_t op, uint32_t a, uint32_t n);
/* AND/OR node over kids[0..n) (copied). */
uint32_t sg_node_list(sg_cc_t *cc, uint8_t op, const uint32_t *kids, uint32_t n);

/* Resolves a Sigma field name for the rule's logsource to a field reference. */
int sg_fref_resolve(sg_cc_t *cc, struct fy_node *at, const char *field, size_t flen, uint32_t *out);
uint32_t sg_fref_keywords(canh_rules_t *r);
/* A field reference for an event field name used as-is (routes, group-by). */
uint32_t sg_fref_plain(canh_rules_t *r, const char *name, size_t n);

/* Compiles one detection item `key: value` (key "Field|mod|mod", or "" /
 * "|mod" for keywords) into an atom node; *node receives it. */
int sg_compile_item(sg_cc_t *cc, struct fy_node *keyn, const char *key, size_t klen,
                    struct fy_node *val, bool keywords, uint32_t *node);
/* A search identifier's value (mapping, list of mappings, keyword list). */
int sg_compile_selection(sg_cc_t *cc, struct fy_node *v, uint32_t *node);
/* The condition (string or list of strings) over the selections in cc. */
int sg_compile_condition(sg_cc_t *cc, struct fy_node *cond, uint32_t *node);

/* Compiles one rule document into r (appending a rule, even a failed one,
 * so it can be reported); returns its index or SG_NONE on ENOMEM. */
uint32_t sg_compile_doc(canh_rules_t *r, const char *file, sg_yaml_doc_t *doc);
/* Frees what a failed rule left behind (regexes) and truncates the arrays
 * back to the marks taken at the start of the rule. */
void sg_rollback(canh_rules_t *r, uint32_t nodes, uint32_t kids, uint32_t atoms, uint32_t vals,
                 uint32_t matchers);

/* ---- prefilter and matching (detect_sigma_prefilter.c, _match.c) ------------------------ */
/* Builds routes' rule lists, anchors and Hyperscan databases. */
int sg_prefilter_build(canh_rules_t *r, canh_errbuf_t *eb);
void sg_prefilter_free(canh_rules_t *r);
/* Releases a compiled matcher's resources (regex code). */
void sg_matcher_free(sg_matcher_t *m);

/* ---- hooks for correlation ------------------------------------------------------------ */
/* Rules are numbered 0..canh_rules_count()-1 in load order (failed ones are
 * kept as disabled entries so indexes are stable for reporting). */
const sg_rule_t *sg_rule(const canh_rules_t *r, uint32_t idx);
size_t sg_rule_total(const canh_rules_t *r);
/* Index of the rule with this id (or title, as Sigma correlations allow), or SG_NONE. */
uint32_t sg_rule_find(const canh_rules_t *r, const char *id_or_name);
/* Starts a new event on d: forgets what was memoised about the previous one.
 * canh_detector_run calls it; call it yourself before sg_rule_eval and
 * sg_field_value on an event that has not been through canh_detector_run
 * (events are reused, so a pointer does not tell them apart). */
void sg_begin(canh_detector_t *d, const canh_event_t *ev);
/* Whether base rule idx matches the current event (see sg_begin): its log
 * source and its condition, as canh_detector_run decides (disabled rules
 * included, failed rules never). */
bool sg_rule_eval(canh_detector_t *d, uint32_t idx, const canh_event_t *ev);
/* Resolves a group-by field name in the context of rule idx's logsource
 * (its field mapping) to a field reference. Compile time only: adds to r. */
int sg_group_field(canh_rules_t *r, uint32_t idx, const char *name, uint32_t *fref);
/* The first value of field reference fref in the current event (see
 * sg_begin; CANH_STR_NULL if absent). */
canh_str_t sg_field_value(canh_detector_t *d, uint32_t fref, const canh_event_t *ev);

/* ---- correlation (detect_sigma_corr.c) ------------------------------------------------------ */
enum sg_ctype { SG_C_EVENT_COUNT = 0, SG_C_VALUE_COUNT, SG_C_TEMPORAL, SG_C_TEMPORAL_ORDERED };

#define SG_CORR_MAX_REFS 32 /* rules: of one correlation */
#define SG_CORR_MAX_GROUP 8 /* group-by fields of one correlation */
#define SG_CORR_MAX_THRESHOLD 100000
#define SG_CORR_MAX_EVENTS 32    /* event ids listed in an alert */
#define SG_CORR_MAX_ORDERED 1024 /* entries kept per group for temporal_ordered */
#define SG_CORR_MAX_KEY 4096     /* bytes of one group key */
#define SG_CORR_DEFAULT_GROUPS_PER_RULE 100000u
#define SG_CORR_DEFAULT_GROUPS_TOTAL 1000000u

/* A compiled correlation rule. Names and frefs live in the rules' arena. */
typedef struct sg_corr {
    uint32_t rule;     /* the correlation's own rule index */
    uint8_t type;      /* enum sg_ctype */
    uint8_t generate;  /* base rules keep raising their own alerts */
    uint64_t thr;      /* counts reaching thr raise the alert (gt N: N+1) */
    int64_t span;      /* timespan, ns */
    const char **refs; /* rules: as written */
    unsigned *ref_line;
    uint32_t *base;  /* resolved rule indexes (after sg_corr_link) */
    uint32_t *bcorr; /* per ref: the correlation it names (chaining), or SG_NONE */
    uint8_t chained; /* some ref is a correlation */
    uint32_t nref;
    const char **group; /* group-by fields as written */
    const char **gname; /* names emitted in alerts (the mapped ECS name) */
    uint32_t ngroup;
    uint32_t *gfref;   /* nref x ngroup field references */
    const char *field; /* value_count: the counted field */
    uint32_t *vfref;   /* value_count: per base rule */
    unsigned line;     /* line of the correlation: key */
} sg_corr_t;

/* Compiles the `correlation:` section of a rule document (cc's rule). */
int sg_corr_compile(sg_cc_t *cc, struct fy_node *root);
/* After every document is compiled: resolves base rules and group-by
 * fields; a correlation that cannot be resolved fails (with its reason).
 * Marks base rules that must not raise alerts. CANH_OK or CANH_ENOMEM. */
int sg_corr_link(canh_rules_t *r);
/* Per-detector correlation state. */
typedef struct sg_corr_state sg_corr_state_t;
int sg_corr_state_create(const canh_rules_t *r, sg_corr_state_t **out);
void sg_corr_state_destroy(sg_corr_state_t *s);
sg_corr_state_t *sg_detector_corr(canh_detector_t *d);
/* The lock of a shared correlation state the detector is attached to, or
 * NULL (its own state). */
pthread_mutex_t *sg_detector_corr_lock(canh_detector_t *d);
/* A per-detector array of at least n words (correlation scratch), or NULL. */
uint32_t *sg_detector_corr_scratch(canh_detector_t *d, uint32_t n);
/* Replaces the detector's own correlation state by a shared one. */
void sg_detector_set_corr(canh_detector_t *d, sg_corr_state_t *s, pthread_mutex_t *mu);
const canh_rules_t *sg_detector_rules(const canh_detector_t *d);
/* Feeds the current event (after sg_begin and the single-event rules) to
 * every correlation; raises their alerts. Returns alerts raised, or a
 * non-zero return of fn / a negative error. */
int sg_corr_run(canh_detector_t *d, const canh_event_t *ev, canh_alert_fn fn, void *ud,
                int *alerts);

/* ---- from memory (fuzz targets, tests) -------------------------------------------------- */
/* Compiles the rule documents in text (built-in mappings only) and builds
 * the prefilter. Per-rule problems go to report; returns CANH_OK unless
 * memory ran out (or the mappings failed to load). */
int sg_rules_compile_mem(const char *name, const char *text, size_t len, canh_rule_report_fn report,
                         void *ud, canh_rules_t **out, canh_errbuf_t *eb);

#endif
