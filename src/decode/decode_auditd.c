/* decode_auditd.c - Linux audit records.
 *
 * "[node=N ]type=T msg=audit(EPOCH.MS:SERIAL): key=value ..." as auditd
 * writes audit.log (and audisp forwards it), and the kernel's own form
 * "type=1400 audit(EPOCH.MS:SERIAL): ..." with a numeric type. Values are
 * "quoted", bare, or hex-encoded (auditd hex-encodes strings holding
 * spaces, quotes or control bytes, and always proctitle). User-space
 * records (USER_LOGIN, USER_AUTH, ...) nest a second list in
 * msg='op=... acct="bob" res=failed'. With log_format = ENRICHED, a GS byte
 * (0x1d) separates the raw fields from resolved names (UID="root" ...).
 *
 * Every field is kept as auditd.data.<key> (hex decoded), except the few
 * that map one to one onto ECS slots (pid, ppid, exe, comm, cwd, uid, tty,
 * success/res, addr); resolved names go to auditd.enriched.<KEY>. The
 * record type picks event.action (auditbeat's vocabulary: logged-in,
 * authenticated, ran-command, added-user-account, ...), category and type.
 * Records of one event (SYSCALL, EXECVE, PATH, ...) share the serial in
 * auditd.sequence; they are not joined here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "canh/error.h"
#include "canh/reader.h"
#include "decode_int.h"

const canh_decode_mod_t canh_mod_AUDITD = {NULL, NULL};

#define AU_MAX_KEY 64

/* Slice equals a string literal (length known at compile time). */
#define KEQ(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)
#define AU_MAX_FIELDS 512

/* How the type's acct= field is read. */
enum au_class {
    AU_OTHER = 0,
    AU_AUTH,      /* acct is the user logging in / authenticating: user.name */
    AU_IAM_USER,  /* acct is the account changed: user.target.name */
    AU_IAM_GROUP, /* acct is the group changed: group.name */
    AU_LOGIN,     /* LOGIN: the new audit uid is the user */
};

typedef struct au_type {
    const char *name;
    unsigned num;
    const char *action, *category, *type;
    enum au_class cls;
} au_type_t;

static const au_type_t au_types[] = {
    {"LOGIN", 1006, "changed-login-id-to", "authentication", "start", AU_LOGIN},
    {"USER_AUTH", 1100, "authenticated", "authentication", "info", AU_AUTH},
    {"USER_ACCT", 1101, "was-authorized", "authentication", "info", AU_AUTH},
    {"USER_MGMT", 1102, "modified-user-account", "iam", "change", AU_IAM_USER},
    {"CRED_ACQ", 1103, "acquired-credentials", "authentication", "info", AU_AUTH},
    {"CRED_DISP", 1104, "disposed-credentials", "authentication", "info", AU_AUTH},
    {"USER_START", 1105, "started-session", "session", "start", AU_AUTH},
    {"USER_END", 1106, "ended-session", "session", "end", AU_AUTH},
    {"USER_AVC", 1107, "access-permission", NULL, "info", AU_OTHER},
    {"USER_CHAUTHTOK", 1108, "changed-password", "iam", "change", AU_IAM_USER},
    {"USER_ERR", 1109, "error", "authentication", "error", AU_AUTH},
    {"CRED_REFR", 1110, "refreshed-credentials", "authentication", "info", AU_AUTH},
    {"USYS_CONFIG", 1111, "changed-configuration", "configuration", "change", AU_OTHER},
    {"USER_LOGIN", 1112, "logged-in", "authentication", "start", AU_AUTH},
    {"USER_LOGOUT", 1113, "logged-out", "authentication", "end", AU_AUTH},
    {"ADD_USER", 1114, "added-user-account", "iam", "creation", AU_IAM_USER},
    {"DEL_USER", 1115, "deleted-user-account", "iam", "deletion", AU_IAM_USER},
    {"ADD_GROUP", 1116, "added-group-account", "iam", "creation", AU_IAM_GROUP},
    {"DEL_GROUP", 1117, "deleted-group-account", "iam", "deletion", AU_IAM_GROUP},
    {"USER_CMD", 1123, "ran-command", "process", "start", AU_OTHER},
    {"USER_TTY", 1124, "typed", "process", "info", AU_OTHER},
    {"CHUSER_ID", 1125, "changed-user-id", "iam", "change", AU_IAM_USER},
    {"GRP_AUTH", 1126, "authenticated-to-group", "authentication", "info", AU_AUTH},
    {"SYSTEM_BOOT", 1127, "booted-system", "host", "start", AU_OTHER},
    {"SYSTEM_SHUTDOWN", 1128, "shutdown-system", "host", "end", AU_OTHER},
    {"SYSTEM_RUNLEVEL", 1129, "changed-to-runlevel", "host", "change", AU_OTHER},
    {"SERVICE_START", 1130, "started-service", "process", "start", AU_OTHER},
    {"SERVICE_STOP", 1131, "stopped-service", "process", "end", AU_OTHER},
    {"GRP_MGMT", 1132, "modified-group-account", "iam", "change", AU_IAM_GROUP},
    {"DAEMON_START", 1200, "started-audit", "process", "start", AU_OTHER},
    {"DAEMON_END", 1201, "stopped-audit", "process", "end", AU_OTHER},
    {"DAEMON_ABORT", 1202, "aborted-auditd-startup", "process", "end", AU_OTHER},
    {"DAEMON_CONFIG", 1203, "configured-audit", "configuration", "change", AU_OTHER},
    {"SYSCALL", 1300, NULL, NULL, NULL, AU_OTHER},
    {"PATH", 1302, NULL, NULL, NULL, AU_OTHER},
    {"CONFIG_CHANGE", 1305, "changed-audit-configuration", "configuration", "change", AU_OTHER},
    {"SOCKADDR", 1306, NULL, NULL, NULL, AU_OTHER},
    {"CWD", 1307, NULL, NULL, NULL, AU_OTHER},
    {"EXECVE", 1309, "executed", "process", "start", AU_OTHER},
    {"TTY", 1319, "typed", "process", "info", AU_OTHER},
    {"EOE", 1320, NULL, NULL, NULL, AU_OTHER},
    {"BPRM_FCAPS", 1321, NULL, NULL, NULL, AU_OTHER},
    {"NETFILTER_CFG", 1325, "loaded-firewall-rule-to", "configuration", "change", AU_OTHER},
    {"SECCOMP", 1326, "violated-seccomp-policy", "process", "info", AU_OTHER},
    {"PROCTITLE", 1327, NULL, NULL, NULL, AU_OTHER},
    {"KERN_MODULE", 1330, "loaded-kernel-module", "host", "change", AU_OTHER},
    {"AVC", 1400, "violated-selinux-policy", NULL, NULL, AU_OTHER},
    {"SELINUX_ERR", 1401, "caused-mac-policy-error", NULL, "error", AU_OTHER},
    {"MAC_STATUS", 1404, "changed-selinux-enforcement", "configuration", "change", AU_OTHER},
    {"ANOM_PROMISCUOUS", 1700, "changed-promiscuous-mode-on-device", "network", "change", AU_OTHER},
    {"ANOM_ABEND", 1701, "crashed-program", "process", "end", AU_OTHER},
    {"ANOM_LINK", 1702, "used-suspicious-link", "file", "info", AU_OTHER},
    {"ANOM_LOGIN_FAILURES", 2100, "failed-log-in-too-many-times-to", "authentication", "info",
     AU_AUTH},
    {"ANOM_LOGIN_TIME", 2101, "attempted-log-in-during-unusual-hour-to", "authentication", "info",
     AU_AUTH},
    {"ANOM_LOGIN_SESSIONS", 2102, "opened-too-many-sessions-to", "authentication", "info", AU_AUTH},
    {"ANOM_LOGIN_ACCT", 2103, "tried-to-log-in-to-unusual-account", "authentication", "info",
     AU_AUTH},
    {"ANOM_LOGIN_LOCATION", 2104, "attempted-log-in-from-unusual-place-to", "authentication",
     "info", AU_AUTH},
    {"USER_ROLE_CHANGE", 2300, "changed-role-to", "iam", "change", AU_OTHER},
};

static const au_type_t au_anom = {"ANOM", 0, "anomaly", "intrusion_detection", "info", AU_OTHER};

/* Syscalls worth an action: x86_64, aarch64 and i386 numbers (-1: none). */
typedef struct au_sc {
    const char *name;
    int x86_64, aarch64, i386;
    const char *action, *category, *type;
} au_sc_t;

static const au_sc_t au_syscalls[] = {
    {"execve", 59, 221, 11, "executed", "process", "start"},
    {"execveat", 322, 281, 358, "executed", "process", "start"},
    {"open", 2, -1, 5, "opened-file", "file", "access"},
    {"openat", 257, 56, 295, "opened-file", "file", "access"},
    {"openat2", 437, 437, 437, "opened-file", "file", "access"},
    {"unlink", 87, -1, 10, "deleted", "file", "deletion"},
    {"unlinkat", 263, 35, 301, "deleted", "file", "deletion"},
    {"rename", 82, -1, 38, "renamed", "file", "change"},
    {"renameat", 264, 38, 302, "renamed", "file", "change"},
    {"renameat2", 316, 276, 353, "renamed", "file", "change"},
    {"chmod", 90, -1, 15, "changed-file-permissions-of", "file", "change"},
    {"fchmod", 91, 52, 94, "changed-file-permissions-of", "file", "change"},
    {"fchmodat", 268, 53, 306, "changed-file-permissions-of", "file", "change"},
    {"chown", 92, -1, 182, "changed-file-ownership-of", "file", "change"},
    {"fchown", 93, 55, 95, "changed-file-ownership-of", "file", "change"},
    {"lchown", 94, -1, 16, "changed-file-ownership-of", "file", "change"},
    {"fchownat", 260, 54, 298, "changed-file-ownership-of", "file", "change"},
    {"connect", 42, 203, 362, "connected-to", "network", "connection"},
    {"bind", 49, 200, 361, "bound-socket", "network", "start"},
    {"accept", 43, 202, -1, "accepted-connection-from", "network", "connection"},
    {"accept4", 288, 242, 364, "accepted-connection-from", "network", "connection"},
    {"ptrace", 101, 117, 26, "traced-process", "process", "access"},
    {"init_module", 175, 105, 128, "loaded-kernel-module", "host", "change"},
    {"finit_module", 313, 273, 350, "loaded-kernel-module", "host", "change"},
    {"delete_module", 176, 106, 129, "unloaded-kernel-module", "host", "change"},
    {"setuid", 105, 146, 213, "changed-identity-of", "process", "change"},
    {"kill", 62, 129, 37, "killed-pid", "process", "end"},
    {"mount", 165, 40, 21, "mounted", "file", "change"},
};

typedef struct au_ctx {
    const au_type_t *t;
    bool execve, path;
    canh_str_t acct, grp, id, id_name, uid_name, auid_name, syscall, syscall_name, arch, result,
        proctitle, hostname;
    char *argv; /* EXECVE command line being built (arena) */
    size_t argn, argcap;
    unsigned nfields;
} au_ctx_t;

/* ---- helpers -------------------------------------------------------------------- */



static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_hex(canh_str_t v)
{
    if (v.n < 2 || v.n % 2)
        return false;
    for (size_t i = 0; i < v.n; i++)
        if (hexval((unsigned char)v.p[i]) < 0)
            return false;
    return true;
}

/* Decodes hex v into the arena. nul_space: NUL bytes become spaces and
 * trailing ones are dropped (proctitle's argv separators). */
static canh_str_t hex_decode(canh_event_t *ev, canh_str_t v, bool nul_space)
{
    size_t n = v.n / 2;
    char *p = canh_arena_alloc(&ev->arena, n ? n : 1);
    if (!p) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return v;
    }
    for (size_t i = 0; i < n; i++) {
        char c =
            (char)(hexval((unsigned char)v.p[2 * i]) << 4 | hexval((unsigned char)v.p[2 * i + 1]));
        if (c == '\0' && nul_space)
            c = ' ';
        p[i] = c;
    }
    while (nul_space && n && p[n - 1] == ' ')
        n--;
    return canh_str(p, n);
}

/* Placeholders auditd writes for "no value". */
static bool meaningful(canh_str_t v)
{
    return v.n && !KEQ(v, "?") && !KEQ(v, "(null)") && !KEQ(v, "(none)") && !KEQ(v, "unset") &&
           !KEQ(v, "(unknown)") && !KEQ(v, "(invalid user)");
}

static void set_long(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    if (canh_str_is_uint(v))
        canh_event_set(ev, id, v);
}

/* Adds "<prefix><key>" = v to the kv list (the key built in the arena). */
static void add_prefixed(canh_event_t *ev, canh_str_t prefix, canh_str_t key, canh_str_t v)
{
    size_t pn = prefix.n;
    if (key.n > AU_MAX_KEY)
        return;
    char *k = canh_arena_alloc(&ev->arena, pn + key.n);
    if (!k) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return;
    }
    memcpy(k, prefix.p, pn);
    memcpy(k + pn, key.p, key.n);
    canh_event_add(ev, canh_str(k, pn + key.n), v, CANH_FT_KEYWORD);
}

static const au_type_t *au_lookup_type(canh_str_t name, unsigned num)
{
    for (size_t i = 0; i < sizeof au_types / sizeof au_types[0]; i++) {
        if (num ? au_types[i].num == num
                : name.p[0] == au_types[i].name[0] && canh_str_eq_c(name, au_types[i].name))
            return &au_types[i];
    }
    if (!num && canh_str_starts(name, "ANOM_"))
        return &au_anom;
    return NULL;
}

/* Fields whose bare values are hex-encoded strings. */
static bool au_hex_field(canh_str_t k)
{
    return KEQ(k, "comm") || KEQ(k, "exe") || KEQ(k, "cwd") || KEQ(k, "name") || KEQ(k, "cmd") ||
           KEQ(k, "proctitle") || KEQ(k, "acct") || KEQ(k, "key") || KEQ(k, "path") ||
           KEQ(k, "grp");
}

/* EXECVE argument keys: "a0", "a12", and "a1[0]" (chunks of a long arg).
 * *chunk: the chunk index (0 when not chunked). */
static bool au_arg_key(canh_str_t k, unsigned *chunk)
{
    size_t i = 1;
    *chunk = 0;
    if (k.n < 2 || k.p[0] != 'a' || !canh_is_digit((unsigned char)k.p[1]))
        return false;
    while (i < k.n && canh_is_digit((unsigned char)k.p[i]))
        i++;
    if (i == k.n)
        return true;
    if (k.p[i] != '[' || k.p[k.n - 1] != ']')
        return false;
    unsigned v = 0;
    for (i++; i < k.n - 1; i++) {
        if (!canh_is_digit((unsigned char)k.p[i]) || v > 100000)
            return false;
        v = v * 10 + (unsigned)(k.p[i] - '0');
    }
    *chunk = v;
    return true;
}

static void au_argv_append(au_ctx_t *c, canh_event_t *ev, canh_str_t v, bool sep)
{
    if (!c->argv) {
        c->argcap = ev->original.n + 1;
        c->argv = canh_arena_alloc(&ev->arena, c->argcap);
        if (!c->argv) {
            ev->dropped++;
            ev->flags |= CANH_EVF_OVERFLOW;
            c->argcap = 0;
            return;
        }
    }
    if (sep && c->argn && c->argn < c->argcap)
        c->argv[c->argn++] = ' ';
    size_t k = v.n < c->argcap - c->argn ? v.n : c->argcap - c->argn;
    memcpy(c->argv + c->argn, v.p, k);
    c->argn += k;
}

/* SOCKADDR's saddr: a struct sockaddr in hex. */
static void au_sockaddr(canh_event_t *ev, canh_str_t hex)
{
    unsigned char b[28];
    size_t n = hex.n / 2;
    if (n > sizeof(b))
        n = sizeof(b);
    if (!is_hex(hex) || n < 2)
        return;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(hexval((unsigned char)hex.p[2 * i]) << 4 |
                               hexval((unsigned char)hex.p[2 * i + 1]));
    unsigned family = b[0] | (unsigned)b[1] << 8;
    char addr[INET6_ADDRSTRLEN];
    const char *fam = NULL;
    if (family == 2 && n >= 8) {
        fam = "ipv4";
        if (!inet_ntop(AF_INET, b + 4, addr, sizeof addr))
            return;
    } else if (family == 10 && n >= 24) {
        fam = "ipv6";
        if (!inet_ntop(AF_INET6, b + 8, addr, sizeof addr))
            return;
    } else if (family == 1) {
        size_t k = 2;
        while (k < n && b[k])
            k++;
        canh_event_add_copy(ev, canh_str_c("auditd.data.socket.path"),
                            canh_str((const char *)b + 2, k - 2), CANH_FT_KEYWORD);
        canh_event_add(ev, canh_str_c("auditd.data.socket.family"), canh_str_c("unix"),
                       CANH_FT_KEYWORD);
        return;
    } else {
        return;
    }
    char port[8];
    int pn = snprintf(port, sizeof port, "%u", (unsigned)b[2] << 8 | b[3]);
    char *a = canh_event_strdup(ev, addr, strlen(addr));
    char *p = canh_event_strdup(ev, port, (size_t)pn);
    if (!a || !p)
        return;
    canh_event_add(ev, canh_str_c("auditd.data.socket.family"), canh_str_c(fam), CANH_FT_KEYWORD);
    canh_event_add(ev, canh_str_c("auditd.data.socket.addr"), canh_str_c(a), CANH_FT_IP);
    canh_event_add(ev, canh_str_c("auditd.data.socket.port"), canh_str(p, (size_t)pn),
                   CANH_FT_LONG);
    canh_event_set(ev, CANH_F_DESTINATION_IP, canh_str_c(a));
    canh_event_set(ev, CANH_F_DESTINATION_PORT, canh_str(p, (size_t)pn));
}

static void au_result(au_ctx_t *c, canh_str_t v)
{
    if (KEQ(v, "yes") || KEQ(v, "success") || KEQ(v, "1"))
        c->result = canh_str_c("success");
    else if (KEQ(v, "no") || KEQ(v, "failed") || KEQ(v, "0") || KEQ(v, "fail") || KEQ(v, "failure"))
        c->result = canh_str_c("fail");
}

/* ---- fields ------------------------------------------------------------------------ */

static void au_field(au_ctx_t *c, canh_event_t *ev, canh_str_t k, canh_str_t v, bool quoted)
{
    unsigned chunk;
    bool arg = c->execve && au_arg_key(k, &chunk);
    bool pt = KEQ(k, "proctitle");
    if (!quoted && (arg || au_hex_field(k)) && is_hex(v))
        v = hex_decode(ev, v, pt);
    if (arg)
        au_argv_append(c, ev, v, chunk == 0);

    if (KEQ(k, "pid")) {
        set_long(ev, CANH_F_PROCESS_PID, v);
        return;
    }
    if (KEQ(k, "ppid")) {
        set_long(ev, CANH_F_PROCESS_PARENT_PID, v);
        return;
    }
    if (KEQ(k, "uid")) {
        canh_event_set(ev, CANH_F_USER_ID, v);
        return;
    }
    if (KEQ(k, "success") || KEQ(k, "res")) {
        au_result(c, v);
        return;
    }
    if (KEQ(k, "exe") && meaningful(v)) {
        canh_event_set(ev, CANH_F_PROCESS_EXECUTABLE, v);
        return;
    }
    if (KEQ(k, "comm") && meaningful(v)) {
        canh_event_set(ev, CANH_F_PROCESS_NAME, v);
        return;
    }
    if (KEQ(k, "cwd") && meaningful(v)) {
        canh_event_set(ev, CANH_F_PROCESS_WORKING_DIRECTORY, v);
        return;
    }
    if (KEQ(k, "tty") && meaningful(v)) {
        canh_event_set(ev, CANH_F_PROCESS_TTY_NAME, v);
        return;
    }
    if (KEQ(k, "addr") && canh_str_is_ip(v)) {
        canh_event_set(ev, CANH_F_SOURCE_IP, v);
        return;
    }
    if (KEQ(k, "acct"))
        c->acct = v;
    else if (KEQ(k, "id"))
        c->id = v;
    else if (KEQ(k, "cmd") && meaningful(v))
        canh_event_set(ev, CANH_F_PROCESS_COMMAND_LINE, v);
    else if (pt)
        c->proctitle = v;
    else if (KEQ(k, "grp"))
        c->grp = v;
    else if (KEQ(k, "hostname"))
        c->hostname = v;
    else if (KEQ(k, "name") && c->path && meaningful(v))
        canh_event_set(ev, CANH_F_FILE_PATH, v);
    else if (KEQ(k, "saddr") && !quoted)
        au_sockaddr(ev, v);
    else if (KEQ(k, "syscall"))
        c->syscall = v;
    else if (KEQ(k, "arch"))
        c->arch = v;
    add_prefixed(ev, CANH_STR_LIT("auditd.data."), k, v);
}

/* Resolved names after the GS byte. */
static void au_enriched(au_ctx_t *c, canh_event_t *ev, canh_str_t k, canh_str_t v)
{
    if (KEQ(k, "UID"))
        c->uid_name = v;
    else if (KEQ(k, "AUID"))
        c->auid_name = v;
    else if (KEQ(k, "ID"))
        c->id_name = v;
    else if (KEQ(k, "EUID") && meaningful(v))
        canh_event_set(ev, CANH_F_USER_EFFECTIVE_NAME, v);
    else if (KEQ(k, "SYSCALL"))
        c->syscall_name = v;
    add_prefixed(ev, CANH_STR_LIT("auditd.enriched."), k, v);
}

static bool key_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || canh_is_digit(c) || c == '_' ||
           c == '-' || c == '[' || c == ']' || c == '.';
}

/* Scans "k=v k="v" k='...'" lists. depth 0: the record body; 1: inside
 * msg='...'. enriched: the part after GS. */
static void au_scan(au_ctx_t *c, canh_event_t *ev, canh_str_t s, int depth, bool enriched)
{
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        if (i >= s.n)
            break;
        if (++c->nfields > AU_MAX_FIELDS) {
            ev->flags |= CANH_EVF_PARTIAL;
            return;
        }
        size_t ks = i;
        while (i < s.n && key_char((unsigned char)s.p[i]) && i - ks <= AU_MAX_KEY)
            i++;
        if (i == ks || i >= s.n || s.p[i] != '=' || i - ks > AU_MAX_KEY) {
            /* Not a key=value: a word of an AVC message ("avc:  denied
             * { read } for ..."), or junk. */
            size_t ws = i = ks;
            while (i < s.n && s.p[i] != ' ')
                i++;
            canh_str_t w = canh_str(s.p + ws, i - ws);
            if (!enriched && KEQ(w, "avc:")) {
                while (i < s.n && s.p[i] == ' ')
                    i++;
                ws = i;
                while (i < s.n && s.p[i] != ' ')
                    i++;
                canh_str_t res = canh_str(s.p + ws, i - ws);
                if (res.n) {
                    canh_event_add(ev, canh_str_c("auditd.data.seresult"), res, CANH_FT_KEYWORD);
                    if (KEQ(res, "denied"))
                        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
                    else if (KEQ(res, "granted"))
                        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "allowed");
                }
                while (i < s.n && s.p[i] == ' ')
                    i++;
                if (i < s.n && s.p[i] == '{') {
                    const char *e = memchr(s.p + i, '}', s.n - i);
                    if (e) {
                        canh_str_t perms =
                            canh_str_trim(canh_str(s.p + i + 1, (size_t)(e - s.p) - i - 1));
                        if (perms.n)
                            canh_event_add(ev, canh_str_c("auditd.data.seperms"), perms,
                                           CANH_FT_KEYWORD);
                        i = (size_t)(e - s.p) + 1;
                    }
                }
            }
            continue;
        }
        canh_str_t k = canh_str(s.p + ks, i - ks);
        i++; /* '=' */
        canh_str_t v;
        bool quoted = false;
        if (i < s.n && s.p[i] == '"') {
            const char *e = memchr(s.p + i + 1, '"', s.n - i - 1);
            size_t end = e ? (size_t)(e - s.p) : s.n;
            v = canh_str(s.p + i + 1, end - i - 1);
            quoted = true;
            i = e ? end + 1 : s.n;
            if (!e)
                ev->flags |= CANH_EVF_PARTIAL;
        } else if (i < s.n && s.p[i] == '\'' && depth == 0 && !enriched) {
            /* msg='...': the closing quote is the last one in the body. */
            size_t end = s.n;
            while (end > i + 1 && s.p[end - 1] != '\'')
                end--;
            if (end <= i + 1) {
                end = s.n + 1; /* unclosed: take the rest */
                ev->flags |= CANH_EVF_PARTIAL;
            }
            canh_str_t inner = canh_str(s.p + i + 1, end - 1 - i - 1);
            if (KEQ(k, "msg")) {
                au_scan(c, ev, inner, depth + 1, false);
            } else {
                add_prefixed(ev, CANH_STR_LIT("auditd.data."), k, inner);
            }
            i = end < s.n ? end : s.n;
            continue;
        } else if (i < s.n && s.p[i] == '{' && enriched) {
            /* SADDR={ saddr_fam=inet laddr=10.0.0.1 lport=80 } */
            const char *e = memchr(s.p + i, '}', s.n - i);
            size_t end = e ? (size_t)(e - s.p) : s.n;
            v = canh_str_trim(canh_str(s.p + i + 1, end - i - 1));
            i = e ? end + 1 : s.n;
        } else {
            size_t vs = i;
            while (i < s.n && s.p[i] != ' ')
                i++;
            v = canh_str(s.p + vs, i - vs);
        }
        if (enriched)
            au_enriched(c, ev, k, v);
        else
            au_field(c, ev, k, v, quoted);
    }
}

/* ---- the record ---------------------------------------------------------------------- */

static const au_sc_t *au_syscall(const au_ctx_t *c)
{
    if (c->syscall_name.n) {
        for (size_t i = 0; i < sizeof au_syscalls / sizeof au_syscalls[0]; i++)
            if (canh_str_eq_c(c->syscall_name, au_syscalls[i].name))
                return &au_syscalls[i];
    }
    uint64_t nr;
    if (canh_str_to_u64(c->syscall, 100000, &nr) != CANH_OK)
        return NULL;
    int col = KEQ(c->arch, "c000003e")   ? 0
              : KEQ(c->arch, "c00000b7") ? 1
              : KEQ(c->arch, "40000003") ? 2
                                         : -1;
    if (col < 0)
        return NULL;
    for (size_t i = 0; i < sizeof au_syscalls / sizeof au_syscalls[0]; i++) {
        const au_sc_t *s = &au_syscalls[i];
        int v = col == 0 ? s->x86_64 : col == 1 ? s->aarch64 : s->i386;
        if (v >= 0 && (uint64_t)v == nr)
            return s;
    }
    return NULL;
}

/* Sets the fields that depend on the whole record. */
static void au_finish(au_ctx_t *c, canh_event_t *ev)
{
    const au_type_t *t = c->t;
    enum au_class cls = t ? t->cls : AU_OTHER;
    if (t && t->action) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, t->action);
        if (t->category)
            canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, t->category);
        if (t->type && !canh_event_has(ev, CANH_F_EVENT_TYPE))
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, t->type);
    }
    if (t && t->num == 1300) {
        const au_sc_t *s = au_syscall(c);
        if (s) {
            canh_event_set_c(ev, CANH_F_EVENT_ACTION, s->action);
            canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, s->category);
            canh_event_set_c(ev, CANH_F_EVENT_TYPE, s->type);
        }
    }
    /* Who: the account a login or authentication is for; the actor (the
     * audit uid's name) for account management, whose acct is the target. */
    canh_str_t actor = meaningful(c->auid_name) ? c->auid_name : c->uid_name;
    switch (cls) {
    case AU_AUTH:
        /* hostname is the remote end here; elsewhere it is the local host. */
        if (meaningful(c->hostname) && !canh_str_is_ip(c->hostname))
            canh_event_set(ev, CANH_F_SOURCE_DOMAIN, c->hostname);
        if (meaningful(c->acct))
            canh_event_set(ev, CANH_F_USER_NAME, c->acct);
        else if (meaningful(c->id_name))
            canh_event_set(ev, CANH_F_USER_NAME, c->id_name);
        else if (meaningful(c->uid_name))
            canh_event_set(ev, CANH_F_USER_NAME, c->uid_name);
        break;
    case AU_IAM_USER:
    case AU_IAM_GROUP:
        if (meaningful(actor))
            canh_event_set(ev, CANH_F_USER_NAME, actor);
        if (cls == AU_IAM_USER) {
            if (meaningful(c->acct))
                canh_event_set(ev, CANH_F_USER_TARGET_NAME, c->acct);
            else if (meaningful(c->id_name))
                canh_event_set(ev, CANH_F_USER_TARGET_NAME, c->id_name);
            if (canh_str_is_uint(c->id))
                canh_event_set(ev, CANH_F_USER_TARGET_ID, c->id);
        } else {
            if (meaningful(c->grp))
                canh_event_set(ev, CANH_F_GROUP_NAME, c->grp);
            else if (meaningful(c->acct))
                canh_event_set(ev, CANH_F_GROUP_NAME, c->acct);
            else if (meaningful(c->id_name))
                canh_event_set(ev, CANH_F_GROUP_NAME, c->id_name);
            if (canh_str_is_uint(c->id))
                canh_event_set(ev, CANH_F_GROUP_ID, c->id);
        }
        break;
    case AU_LOGIN:
        if (meaningful(c->auid_name))
            canh_event_set(ev, CANH_F_USER_NAME, c->auid_name);
        break;
    default:
        if (meaningful(c->uid_name))
            canh_event_set(ev, CANH_F_USER_NAME, c->uid_name);
        else if (meaningful(c->acct))
            canh_event_set(ev, CANH_F_USER_NAME, c->acct);
        break;
    }
    if (c->argv && c->argn)
        canh_event_set(ev, CANH_F_PROCESS_COMMAND_LINE, canh_str(c->argv, c->argn));
    else if (c->proctitle.n && !canh_event_has(ev, CANH_F_PROCESS_COMMAND_LINE))
        canh_event_set(ev, CANH_F_PROCESS_COMMAND_LINE, c->proctitle);
    if (c->result.p) {
        canh_event_set(ev, CANH_F_AUDITD_RESULT, c->result);
        canh_event_set_c(ev, CANH_F_EVENT_OUTCOME,
                         KEQ(c->result, "success") ? "success" : "failure");
    }
}

int canh_dec_auditd(const canh_decode_t *d, canh_str_t rec, canh_event_t *ev)
{
    (void)d;
    canh_rd_t r = canh_rd(rec);
    canh_str_t node = CANH_STR_NULL, type;
    if (rec.n < 12 || (rec.p[0] != 't' && rec.p[0] != 'n'))
        return CANH_ENOMATCH;
    if (canh_rd_lit(&r, "node=")) {
        node = canh_rd_word(&r);
        if (node.n == 0 || canh_rd_spaces(&r) == 0)
            return CANH_ENOMATCH;
    }
    if (!canh_rd_lit(&r, "type="))
        return CANH_ENOMATCH;
    type = canh_rd_word(&r);
    if (type.n == 0 || type.n > 40 || canh_rd_spaces(&r) == 0)
        return CANH_ENOMATCH;
    canh_rd_lit(&r, "msg=");
    if (!canh_rd_lit(&r, "audit("))
        return CANH_ENOMATCH;

    ev->decoder = CANH_DEC_AUDITD;
    au_ctx_t c = {0};
    uint64_t num = 0;
    if (canh_str_is_uint(type) && canh_str_to_u64(type, 100000, &num) == CANH_OK && num > 0) {
        /* The kernel's numeric form: report the name auditd would print. */
        c.t = au_lookup_type(type, (unsigned)num);
        if (c.t && c.t != &au_anom)
            canh_event_set_c(ev, CANH_F_AUDITD_MESSAGE_TYPE, c.t->name);
        else
            canh_event_set(ev, CANH_F_AUDITD_MESSAGE_TYPE, type);
    } else {
        c.t = au_lookup_type(type, 0);
        canh_event_set(ev, CANH_F_AUDITD_MESSAGE_TYPE, type);
    }
    c.execve = c.t && c.t->num == 1309;
    c.path = c.t && c.t->num == 1302;
    canh_event_set_c(ev, CANH_F_EVENT_KIND, "event");
    if (node.n) {
        canh_event_set(ev, CANH_F_HOST_NAME, node);
        canh_event_set(ev, CANH_F_HOST_HOSTNAME, node);
    }

    /* "EPOCH.MS:SERIAL): " */
    canh_str_t hdr;
    canh_time_t t;
    size_t used;
    if (!canh_rd_until(&r, ')', &hdr) || !canh_rd_char(&r, ':')) {
        ev->flags |= CANH_EVF_PARTIAL;
        return CANH_OK;
    }
    ptrdiff_t colon = canh_str_chr(hdr, ':');
    if (colon > 0) {
        canh_str_t serial = canh_str_sub(hdr, (size_t)colon + 1, hdr.n);
        set_long(ev, CANH_F_AUDITD_SEQUENCE, serial);
        canh_str_t when = canh_str(hdr.p, (size_t)colon);
        if (canh_time_parse_epoch(when, &t, &used) == CANH_OK && used == when.n)
            canh_event_set_ts(ev, t);
        else
            ev->flags |= CANH_EVF_BAD_TIME;
    } else {
        ev->flags |= CANH_EVF_PARTIAL;
    }
    canh_str_t body = canh_rd_rest(&r), enriched = CANH_STR_NULL;
    const char *gs = memchr(body.p, 0x1d, body.n);
    if (gs) {
        enriched = canh_str(gs + 1, body.n - (size_t)(gs - body.p) - 1);
        body.n = (size_t)(gs - body.p);
    }
    au_scan(&c, ev, body, 0, false);
    if (enriched.p)
        au_scan(&c, ev, enriched, 0, true);
    au_finish(&c, ev);
    return CANH_OK;
}
