/* decode_prog_common.c - what the syslog program decoders share: compiled
 * message tables with per-row extras, address and user tidying, key=value
 * list reading, PAM detection. */
#include <string.h>

#include "canh/error.h"
#include "canh/mem.h"
#include "decode_prog_int.h"

/* ---- compiled tables -------------------------------------------------------- */

typedef struct pmod_tab {
    const canh_prule_t *rules;
    canh_pat_rule_t *pr; /* the engine's view of rules (must outlive ps) */
    canh_patset_t *ps;
} pmod_tab_t;

typedef struct pmod {
    size_t n;
    pmod_tab_t tabs[];
} pmod_t;

void canh_pmod_fini(void *state)
{
    pmod_t *m = state;
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        canh_patset_destroy(m->tabs[i].ps);
        canh_free(m->tabs[i].pr);
    }
    canh_free(m);
}

int canh_pmod_init(const canh_ptable_t *tabs, size_t n, void **state, canh_errbuf_t *eb)
{
    int rc = CANH_OK;
    pmod_t *m = canh_calloc(1, sizeof *m + n * sizeof(pmod_tab_t));
    if (!m)
        return CANH_ENOMEM;
    m->n = n;
    for (size_t i = 0; i < n; i++) {
        pmod_tab_t *t = &m->tabs[i];
        t->rules = tabs[i].rules;
        t->pr = canh_calloc(tabs[i].n ? tabs[i].n : 1, sizeof *t->pr);
        if (!t->pr) {
            rc = CANH_ENOMEM;
            goto out;
        }
        for (size_t k = 0; k < tabs[i].n; k++) {
            const canh_prule_t *r = &tabs[i].rules[k];
            t->pr[k] = (canh_pat_rule_t){r->pattern, r->action, r->outcome, r->category, r->type};
        }
        if ((rc = canh_patset_compile(t->pr, tabs[i].n, &t->ps, eb)) != CANH_OK)
            goto out;
    }
out:
    if (rc) {
        canh_pmod_fini(m);
        return rc;
    }
    *state = m;
    return CANH_OK;
}

int canh_pmod_match(const canh_decode_t *d, enum canh_dec_id id, size_t tab, canh_str_t msg,
                    canh_event_t *ev)
{
    const pmod_t *m = canh_dec_state(d, id);
    if (!m || tab >= m->n || !msg.p)
        return CANH_ENOMATCH;
    const pmod_tab_t *t = &m->tabs[tab];
    int k = canh_patset_match(t->ps, msg, ev);
    if (k < 0)
        return CANH_ENOMATCH;
    const canh_prule_t *r = &t->rules[k];
    if (r->reason)
        canh_event_set_c(ev, CANH_F_EVENT_REASON, r->reason);
    if (r->flags & CANH_PR_PARTIAL)
        ev->flags |= CANH_EVF_PARTIAL;
    canh_prog_fix_fields(ev);
    return k;
}

/* ---- address and user tidying -------------------------------------------- */

static bool placeholder(canh_str_t s)
{
    static const char *const words[] = {"unknown", "UNKNOWN",   "(null)",    "?",
                                        "???",     "(unknown)", "<unknown>", "-"};
    if (s.n == 0)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (canh_str_eq_c(s, words[i]))
            return true;
    return false;
}

bool canh_prog_is_hostname(canh_str_t s)
{
    if (s.n == 0 || s.n > 253)
        return false;
    bool letter = false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')
            letter = true;
        else if (!((c >= '0' && c <= '9') || c == '.'))
            return false;
    }
    return letter && s.p[0] != '.' && s.p[0] != '-';
}

static void fix_endpoint(canh_event_t *ev, canh_field_t f_addr, canh_field_t f_ip,
                         canh_field_t f_dom)
{
    canh_str_t a = canh_event_get(ev, f_addr);
    if (a.p) {
        if (placeholder(a)) {
            canh_event_unset(ev, f_addr);
        } else if (canh_str_is_ip(a)) {
            if (!canh_event_has(ev, f_ip))
                canh_event_set(ev, f_ip, a);
        } else if (canh_prog_is_hostname(a)) {
            if (!canh_event_has(ev, f_dom))
                canh_event_set(ev, f_dom, a);
        } else {
            /* Neither an address nor a host name: a cut-off or garbled line. */
            canh_event_unset(ev, f_addr);
        }
    }
    canh_str_t dom = canh_event_get(ev, f_dom);
    if (dom.p && (placeholder(dom) || canh_str_is_ip(dom) || !canh_prog_is_hostname(dom)))
        canh_event_unset(ev, f_dom);
    canh_str_t ip = canh_event_get(ev, f_ip);
    if (ip.p && !canh_event_has(ev, f_addr))
        canh_event_set(ev, f_addr, ip);
}

void canh_prog_fix_fields(canh_event_t *ev)
{
    fix_endpoint(ev, CANH_F_SOURCE_ADDRESS, CANH_F_SOURCE_IP, CANH_F_SOURCE_DOMAIN);
    fix_endpoint(ev, CANH_F_DESTINATION_ADDRESS, CANH_F_DESTINATION_IP, CANH_F_DESTINATION_DOMAIN);
    static const canh_field_t users[] = {CANH_F_USER_NAME, CANH_F_SOURCE_USER_NAME,
                                         CANH_F_USER_EFFECTIVE_NAME};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        canh_str_t u = canh_event_get(ev, users[i]);
        if (u.p && (placeholder(u) || canh_str_eq_c(u, "<user>")))
            canh_event_unset(ev, users[i]);
    }
}

/* ---- PAM, repeats, suffixes ------------------------------------------------ */

bool canh_prog_is_pam(const canh_syslog_hdr_t *h, canh_str_t msg)
{
    if (msg.n >= 4 && (memcmp(msg.p, "pam_", 4) == 0 || memcmp(msg.p, "PAM ", 4) == 0))
        return true;
    canh_str_t p = h ? h->program : CANH_STR_NULL;
    if (p.n > 6 && p.p[p.n - 1] == ')') {
        ptrdiff_t o = canh_str_find_c(p, "(pam");
        return o > 0;
    }
    return false;
}

canh_str_t canh_prog_unrepeat(canh_str_t msg, canh_event_t *ev)
{
    static const char head[] = "message repeated ";
    if (msg.n < sizeof head + 10 || memcmp(msg.p, head, sizeof head - 1) != 0)
        return msg;
    canh_str_t rest = canh_str_sub(msg, sizeof head - 1, msg.n);
    ptrdiff_t sp = canh_str_chr(rest, ' ');
    if (sp <= 0 || sp > 10)
        return msg;
    canh_str_t count = canh_str_sub(rest, 0, (size_t)sp);
    rest = canh_str_sub(rest, (size_t)sp, rest.n);
    if (!canh_str_starts(rest, " times: [") || rest.p[rest.n - 1] != ']')
        return msg;
    uint64_t n;
    if (canh_str_to_u64(count, 1000000000, &n) != CANH_OK)
        return msg;
    canh_event_add(ev, CANH_STR_LIT("log.syslog.repeated"), count, CANH_FT_LONG);
    rest = canh_str_sub(rest, 9, rest.n - 10);
    return canh_str_trim(rest);
}

bool canh_prog_strip_suffix(canh_str_t *msg, const char *suffix)
{
    if (!canh_str_ends(*msg, suffix))
        return false;
    msg->n -= strlen(suffix);
    *msg = canh_str_trim(*msg);
    return true;
}

/* ---- key=value lists ------------------------------------------------------- */

bool canh_prog_kv_next(canh_str_t *rest, char sep, canh_str_t *key, canh_str_t *val)
{
    size_t i = 0, n = rest->n;
    const char *p = rest->p;
    while (i < n && (p[i] == ' ' || p[i] == sep))
        i++;
    if (i >= n) {
        *rest = canh_str(p + n, 0);
        return false;
    }
    size_t ks = i;
    while (i < n && p[i] != '=' && p[i] != sep)
        i++;
    if (i < n && p[i] == '=') {
        *key = canh_str(p + ks, i - ks);
        i++;
        size_t vs = i;
        if (i < n && p[i] == '<') {
            /* "<a, b>": to the '>' that ends the value. */
            size_t j = i + 1;
            while (j < n && !(p[j] == '>' && (j + 1 == n || p[j + 1] == sep)))
                j++;
            i = j < n ? j + 1 : n;
        } else {
            while (i < n && p[i] != sep)
                i++;
        }
        *val = canh_str(p + vs, i - vs);
    } else {
        *key = canh_str(p + ks, 0);
        *val = canh_str(p + ks, i - ks);
    }
    /* Trailing spaces of a ',' list item belong to the separator. */
    while (val->n && val->p[val->n - 1] == ' ')
        val->n--;
    *rest = canh_str(p + i, n - i);
    return true;
}

void canh_prog_set_num(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    uint64_t u;
    if (canh_str_to_u64(v, UINT64_MAX, &u) == CANH_OK)
        canh_event_set(ev, id, v);
}

void canh_prog_set_lower(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    bool upper = false;
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] >= 'A' && v.p[i] <= 'Z')
            upper = true;
    if (!upper) {
        canh_event_set(ev, id, v);
        return;
    }
    char *c = canh_event_strdup(ev, v.p, v.n);
    if (!c)
        return;
    for (size_t i = 0; i < v.n; i++)
        if (c[i] >= 'A' && c[i] <= 'Z')
            c[i] = (char)(c[i] - 'A' + 'a');
    canh_event_set(ev, id, canh_str(c, v.n));
}

canh_str_t canh_prog_base(canh_str_t program)
{
    if (program.n && program.p[program.n - 1] == ')') {
        ptrdiff_t o = canh_str_chr(program, '(');
        if (o > 0)
            program.n = (size_t)o;
    }
    for (size_t i = program.n; i > 0; i--) {
        if (program.p[i - 1] == '/')
            return canh_str_sub(program, i, program.n);
    }
    return program;
}
