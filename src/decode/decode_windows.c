/* decode_windows.c - Windows event log records as JSON (decoder "windows").
 *
 * Three shapes are read:
 *  (a) the evtx_dump / EVTX-to-JSON shape: {"Event":{"System":{...},
 *      "EventData":{...} | "UserData":{...}}}, with XML attributes under
 *      "#attributes" and element text under "#text" (EventData may also be
 *      {"Data":[{"#attributes":{"Name":..},"#text":..}, ...]});
 *  (b) Winlogbeat's ECS documents: {"@timestamp":..,"winlog":{"event_id":..,
 *      "channel":..,"event_data":{..}},..};
 *  (c) flat NXLog / Logstash / Sysmon-JSON documents: {"EventID":4625,
 *      "Channel":"Security","Hostname":..,"TargetUserName":..,..}.
 *
 * Every EventData field is kept under "winlog.event_data.<Name>" with its
 * original name and value (UserData fields under "winlog.user_data.<Name>"):
 * Sigma rules match on those names. The common Sysmon and Security fields
 * are mapped to ECS on top, and event.action/category/type/outcome are set
 * from the event id. */
#include <string.h>

#include "canh/error.h"
#include "decode_json_int.h"

const canh_decode_mod_t canh_mod_WINDOWS = {NULL, NULL};

/* Where an event comes from, for the id -> action table. */
typedef enum win_src {
    SRC_OTHER,
    SRC_SYSMON,
    SRC_SECURITY,
    SRC_SYSTEM,
    SRC_DEFENDER,
    SRC_POWERSHELL,
} win_src_t;

/* EventData names the ECS mapping reads. */
#define WIN_FIELDS(X)                                                                              \
    X(Image, "Image")                                                                              \
    X(CommandLine, "CommandLine")                                                                  \
    X(ParentImage, "ParentImage")                                                                  \
    X(ParentCommandLine, "ParentCommandLine")                                                      \
    X(ProcessId, "ProcessId")                                                                      \
    X(ParentProcessId, "ParentProcessId")                                                          \
    X(ProcessGuid, "ProcessGuid")                                                                  \
    X(ParentProcessGuid, "ParentProcessGuid")                                                      \
    X(CurrentDirectory, "CurrentDirectory")                                                        \
    X(User, "User")                                                                                \
    X(Hashes, "Hashes")                                                                            \
    X(Hash, "Hash")                                                                                \
    X(SourceImage, "SourceImage")                                                                  \
    X(SourceProcessId, "SourceProcessId")                                                          \
    X(SourceProcessGuid, "SourceProcessGuid")                                                      \
    X(SourceProcessGUID, "SourceProcessGUID")                                                      \
    X(SourceIp, "SourceIp")                                                                        \
    X(SourcePort, "SourcePort")                                                                    \
    X(SourceHostname, "SourceHostname")                                                            \
    X(DestinationIp, "DestinationIp")                                                              \
    X(DestinationPort, "DestinationPort")                                                          \
    X(DestinationHostname, "DestinationHostname")                                                  \
    X(Protocol, "Protocol")                                                                        \
    X(Initiated, "Initiated")                                                                      \
    X(ImageLoaded, "ImageLoaded")                                                                  \
    X(TargetFilename, "TargetFilename")                                                            \
    X(TargetObject, "TargetObject")                                                                \
    X(Details, "Details")                                                                          \
    X(QueryName, "QueryName")                                                                      \
    X(SubjectUserName, "SubjectUserName")                                                          \
    X(SubjectDomainName, "SubjectDomainName")                                                      \
    X(SubjectUserSid, "SubjectUserSid")                                                            \
    X(TargetUserName, "TargetUserName")                                                            \
    X(TargetDomainName, "TargetDomainName")                                                        \
    X(TargetUserSid, "TargetUserSid")                                                              \
    X(TargetSid, "TargetSid")                                                                      \
    X(MemberName, "MemberName")                                                                    \
    X(MemberSid, "MemberSid")                                                                      \
    X(IpAddress, "IpAddress")                                                                      \
    X(IpPort, "IpPort")                                                                            \
    X(LogonType, "LogonType")                                                                      \
    X(WorkstationName, "WorkstationName")                                                          \
    X(Workstation, "Workstation")                                                                  \
    X(NewProcessName, "NewProcessName")                                                            \
    X(NewProcessId, "NewProcessId")                                                                \
    X(ParentProcessName, "ParentProcessName")                                                      \
    X(ProcessName, "ProcessName")                                                                  \
    X(Status, "Status")                                                                            \
    X(SubStatus, "SubStatus")                                                                      \
    X(ServiceName, "ServiceName")                                                                  \
    X(AccountName, "AccountName")                                                                  \
    X(ScriptBlockText, "ScriptBlockText")                                                          \
    X(ThreatName, "Threat Name")                                                                   \
    X(DetectionUser, "Detection User")                                                             \
    X(ThreatPath, "Path")                                                                          \
    X(DefProcessName, "Process Name")

enum win_field {
#define X_ENUM(id, name) WF_##id,
    WIN_FIELDS(X_ENUM)
#undef X_ENUM
        WF__COUNT
};

static const char *const wf_names[WF__COUNT] = {
#define X_NAME(id, name) name,
    WIN_FIELDS(X_NAME)
#undef X_NAME
};

typedef struct win {
    const canh_decode_t *d;
    canh_event_t *ev;
    canh_str_t id;       /* event id text (arena) */
    int64_t code;        /* numeric event id, or -1 */
    canh_str_t channel;  /* arena */
    canh_str_t provider; /* arena */
    canh_str_t keywords; /* arena */
    win_src_t src;
    canh_str_t f[WF__COUNT]; /* captured EventData values (arena), p == NULL if absent */
} win_t;

static int field_index(const char *name)
{
    for (int i = 0; i < WF__COUNT; i++)
        if (wf_names[i][0] == name[0] && strcmp(wf_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- EventData / UserData --------------------------------------------------------- */
/* One data item: kept under prefix.name, captured for the mapping. */
static void data_item(win_t *w, const char *prefix, const char *name, size_t nlen, json_t *v)
{
    canh_event_t *ev = w->ev;
    if (nlen == 0 || json_is_null(v) || (nlen == 11 && memcmp(name, "#attributes", 11) == 0))
        return;
    /* <Data Name="x" attr=".."><text></Data> can come out as {"#text":..}. */
    if (json_is_object(v) && json_object_get(v, "#text"))
        v = json_object_get(v, "#text");
    char key[CANH_MAX_FIELD_NAME + 1];
    size_t pl = strlen(prefix);
    if (pl + 1 + nlen > CANH_MAX_FIELD_NAME) {
        ev->dropped++;
        ev->flags |= CANH_EVF_OVERFLOW;
        return;
    }
    memcpy(key, prefix, pl);
    key[pl] = '.';
    memcpy(key + pl + 1, name, nlen);
    key[pl + 1 + nlen] = '\0';
    canh_str_t text;
    canh_ftype_t type;
    if (canh_json_text(ev, v, &text, &type) != CANH_OK) {
        canh_json_put(ev, key, pl + 1 + nlen, v, 2); /* objects, arrays */
        return;
    }
    char *k = canh_event_strdup(ev, key, pl + 1 + nlen);
    if (!k)
        return;
    /* Integers stay numbers; strings stay strings (Windows writes "0x1" and
     * "-" where numbers are absent). */
    canh_event_add(ev, canh_str(k, pl + 1 + nlen), text, type);
    if (strlen(name) == nlen) {
        int i = field_index(name);
        if (i >= 0)
            w->f[i] = text;
    }
}

/* One <Data> element: {"#attributes":{"Name":"x"},"#text":"y"}, or an
 * unnamed value, named param<index> as Winlogbeat does. */
static void data_entry(win_t *w, const char *prefix, json_t *e, size_t index)
{
    canh_str_t name = CANH_STR_NULL;
    json_t *val = e;
    if (json_is_object(e)) {
        json_t *attrs = json_object_get(e, "#attributes");
        name = canh_json_str(attrs ? attrs : e, "Name");
        val = json_object_get(e, "#text");
        if (!val && !attrs)
            val = json_object_get(e, "Value");
    }
    if (!val)
        return; /* <Data Name="x"/>: no value, like a null */
    if (name.p && name.n && strlen(name.p) == name.n) {
        data_item(w, prefix, name.p, name.n, val);
    } else {
        char pn[32];
        int k = snprintf(pn, sizeof pn, "param%zu", index);
        data_item(w, prefix, pn, (size_t)k, val);
    }
}

/* "Data": [entry, ...] or a single entry. */
static void data_list(win_t *w, const char *prefix, json_t *data)
{
    size_t i;
    json_t *e;
    if (!json_is_array(data)) {
        data_entry(w, prefix, data, 1);
        return;
    }
    json_array_foreach(data, i, e)
    {
        data_entry(w, prefix, e, i + 1);
    }
}

static void event_data(win_t *w, json_t *ed)
{
    const char *k;
    json_t *v;
    if (json_is_string(ed)) { /* <EventData>text</EventData> */
        data_item(w, "winlog.event_data", "param1", 6, ed);
        return;
    }
    if (json_is_array(ed)) {
        data_list(w, "winlog.event_data", ed);
        return;
    }
    json_object_foreach(ed, k, v)
    {
        if (strcmp(k, "Data") == 0 && (json_is_array(v) || json_is_object(v))) {
            data_list(w, "winlog.event_data", v);
            continue;
        }
        data_item(w, "winlog.event_data", k, strlen(k), v);
    }
}

/* UserData holds one element named by the provider; its children are the
 * fields (Winlogbeat's winlog.user_data). */
static void user_data(win_t *w, json_t *ud)
{
    const char *k, *k2;
    json_t *v, *v2;
    json_object_foreach(ud, k, v)
    {
        if (strcmp(k, "#attributes") == 0)
            continue;
        if (json_is_object(v) && !json_object_get(v, "#text")) {
            json_object_foreach(v, k2, v2)
            {
                data_item(w, "winlog.user_data", k2, strlen(k2), v2);
            }
        } else {
            data_item(w, "winlog.user_data", k, strlen(k), v);
        }
    }
}

/* ---- helpers ---------------------------------------------------------------------- */
static bool present(canh_str_t s)
{
    return s.p && s.n && !canh_str_eq_c(s, "-");
}

/* "C:\Windows\System32\cmd.exe" -> executable + name "cmd.exe" */
static void set_exe(canh_event_t *ev, canh_field_t exe, canh_field_t name, canh_str_t path)
{
    if (!present(path))
        return;
    canh_event_set(ev, exe, path);
    size_t base = 0;
    for (size_t i = 0; i < path.n; i++)
        if (path.p[i] == '\\' || path.p[i] == '/')
            base = i + 1;
    if (base < path.n)
        canh_event_set(ev, name, canh_str_sub(path, base, path.n));
}

static void set_file(canh_event_t *ev, canh_str_t path)
{
    set_exe(ev, CANH_F_FILE_PATH, CANH_F_FILE_NAME, path);
}

/* "DOMAIN\user" -> user.domain + user.name */
static void set_user(canh_event_t *ev, canh_field_t name, canh_field_t domain, canh_str_t s)
{
    if (!present(s))
        return;
    ptrdiff_t bs = canh_str_chr(s, '\\');
    if (bs > 0 && (size_t)bs + 1 < s.n) {
        canh_event_set(ev, domain, canh_str(s.p, (size_t)bs));
        canh_event_set(ev, name, canh_str_sub(s, (size_t)bs + 1, s.n));
    } else {
        canh_event_set(ev, name, s);
    }
}

static void set_int(canh_event_t *ev, canh_field_t id, canh_str_t s)
{
    int64_t v;
    if (present(s) && canh_dec_parse_int(s, &v) && v >= 0)
        canh_event_set_i64(ev, id, v);
}

/* Windows writes 0x0 where there is no process. */
static void set_pid(canh_event_t *ev, canh_field_t id, canh_str_t s)
{
    int64_t v;
    if (present(s) && canh_dec_parse_int(s, &v) && v > 0)
        canh_event_set_i64(ev, id, v);
}

static void set_str(canh_event_t *ev, canh_field_t id, canh_str_t s)
{
    if (present(s))
        canh_event_set(ev, id, s);
}

static void set_ip(canh_event_t *ev, canh_field_t id, canh_str_t s)
{
    if (!present(s))
        return;
    if (canh_str_starts(s, "::ffff:") && canh_str_is_ipv4(canh_str_sub(s, 7, s.n)))
        s = canh_str_sub(s, 7, s.n);
    canh_dec_set_fit(ev, id, s);
}

static void add_kv(canh_event_t *ev, const char *name, canh_str_t v)
{
    if (present(v))
        canh_event_add(ev, canh_str_c(name), v, CANH_FT_KEYWORD);
}

/* "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." -> hashes, lowercased. */
static void set_hashes(canh_event_t *ev, canh_str_t s, bool process)
{
    while (s.n) {
        ptrdiff_t comma = canh_str_chr(s, ',');
        canh_str_t part = comma >= 0 ? canh_str(s.p, (size_t)comma) : s;
        s = comma >= 0 ? canh_str_sub(s, (size_t)comma + 1, s.n) : CANH_STR_NULL;
        ptrdiff_t eq = canh_str_chr(part, '=');
        if (eq <= 0)
            continue;
        canh_str_t algo = canh_str(part.p, (size_t)eq);
        canh_str_t hex = canh_dec_lower(ev, canh_str_sub(part, (size_t)eq + 1, part.n));
        if (!hex.n)
            continue;
        if (canh_str_ieq_c(algo, "SHA256")) {
            if (process)
                canh_event_set(ev, CANH_F_PROCESS_HASH_SHA256, hex);
            else
                canh_event_set(ev, CANH_F_FILE_HASH_SHA256, hex);
        } else if (canh_str_ieq_c(algo, "MD5")) {
            if (process)
                canh_event_add(ev, CANH_STR_LIT("process.hash.md5"), hex, CANH_FT_KEYWORD);
            else
                canh_event_set(ev, CANH_F_FILE_HASH_MD5, hex);
        } else if (canh_str_ieq_c(algo, "SHA1")) {
            if (process)
                canh_event_add(ev, CANH_STR_LIT("process.hash.sha1"), hex, CANH_FT_KEYWORD);
            else
                canh_event_set(ev, CANH_F_FILE_HASH_SHA1, hex);
        } else if (canh_str_ieq_c(algo, "IMPHASH")) {
            canh_event_add(
                ev, process ? CANH_STR_LIT("process.pe.imphash") : CANH_STR_LIT("file.pe.imphash"),
                hex, CANH_FT_KEYWORD);
        }
    }
}

static const char *const logon_types[] = {NULL,
                                          NULL,
                                          "Interactive",
                                          "Network",
                                          "Batch",
                                          "Service",
                                          NULL,
                                          "Unlock",
                                          "NetworkCleartext",
                                          "NewCredentials",
                                          "RemoteInteractive",
                                          "CachedInteractive",
                                          "CachedRemoteInteractive",
                                          "CachedUnlock"};

static void set_logon_type(canh_event_t *ev, canh_str_t s)
{
    int64_t t;
    if (!present(s))
        return;
    if (canh_dec_parse_int(s, &t) && t >= 0 &&
        t < (int64_t)(sizeof logon_types / sizeof logon_types[0]) && logon_types[t])
        canh_event_set_c(ev, CANH_F_WINLOG_LOGON_TYPE, logon_types[t]);
    else
        canh_event_set(ev, CANH_F_WINLOG_LOGON_TYPE, s);
}

/* Sets a classification slot unless the document already carried the
 * field (Winlogbeat's own event.* values win, and an array kept in the kv
 * list must not be shadowed by a slot of the same name). */
static void set_class_s(canh_event_t *ev, canh_field_t id, canh_str_t v)
{
    canh_str_t cur;
    if (!v.p || canh_event_get_name(ev, canh_str_c(canh_field_name(id)), &cur, NULL) == CANH_OK)
        return;
    canh_event_set(ev, id, v);
}

static void set_class(canh_event_t *ev, canh_field_t id, const char *v)
{
    if (v)
        set_class_s(ev, id, canh_str_c(v));
}

/* ---- classification ---------------------------------------------------------------- */
typedef struct win_act {
    uint8_t src;
    uint16_t id;
    const char *action, *category, *type, *outcome;
} win_act_t;

static const win_act_t actions[] = {
    {SRC_SYSMON, 1, "process-created", "process", "start", NULL},
    {SRC_SYSMON, 2, "file-creation-time-changed", "file", "change", NULL},
    {SRC_SYSMON, 3, "network-connection-detected", "network", "connection", NULL},
    {SRC_SYSMON, 4, "sysmon-state-changed", "configuration", "change", NULL},
    {SRC_SYSMON, 5, "process-terminated", "process", "end", NULL},
    {SRC_SYSMON, 6, "driver-loaded", "driver", "start", NULL},
    {SRC_SYSMON, 7, "image-loaded", "process", "change", NULL},
    {SRC_SYSMON, 8, "created-remote-thread", "process", "change", NULL},
    {SRC_SYSMON, 9, "raw-access-read", "file", "access", NULL},
    {SRC_SYSMON, 10, "process-accessed", "process", "access", NULL},
    {SRC_SYSMON, 11, "file-created", "file", "creation", NULL},
    {SRC_SYSMON, 12, "registry-key-created-or-deleted", "configuration", "change", NULL},
    {SRC_SYSMON, 13, "registry-value-set", "configuration", "change", NULL},
    {SRC_SYSMON, 14, "registry-renamed", "configuration", "change", NULL},
    {SRC_SYSMON, 15, "file-stream-created", "file", "creation", NULL},
    {SRC_SYSMON, 16, "sysmon-config-changed", "configuration", "change", NULL},
    {SRC_SYSMON, 17, "pipe-created", "file", "creation", NULL},
    {SRC_SYSMON, 18, "pipe-connected", "file", "access", NULL},
    {SRC_SYSMON, 19, "wmi-filter-registered", "configuration", "change", NULL},
    {SRC_SYSMON, 20, "wmi-consumer-registered", "configuration", "change", NULL},
    {SRC_SYSMON, 21, "wmi-consumer-bound", "configuration", "change", NULL},
    {SRC_SYSMON, 22, "dns-query", "network", "protocol", NULL},
    {SRC_SYSMON, 23, "file-deleted", "file", "deletion", NULL},
    {SRC_SYSMON, 24, "clipboard-changed", "host", "change", NULL},
    {SRC_SYSMON, 25, "process-tampered", "process", "change", NULL},
    {SRC_SYSMON, 26, "file-deleted-detected", "file", "deletion", NULL},
    {SRC_SYSMON, 27, "file-executable-blocked", "file", "denied", NULL},
    {SRC_SYSMON, 28, "file-shredding-blocked", "file", "denied", NULL},
    {SRC_SYSMON, 29, "file-executable-detected", "file", "creation", NULL},
    {SRC_SYSMON, 255, "sysmon-error", "host", "error", NULL},
    {SRC_SECURITY, 1102, "audit-log-cleared", "host", "change", "success"},
    {SRC_SECURITY, 4624, "logged-in", "authentication", "start", "success"},
    {SRC_SECURITY, 4625, "logon-failed", "authentication", "start", "failure"},
    {SRC_SECURITY, 4634, "logged-out", "authentication", "end", "success"},
    {SRC_SECURITY, 4647, "logged-out", "authentication", "end", "success"},
    {SRC_SECURITY, 4648, "logged-in-explicit", "authentication", "start", "success"},
    {SRC_SECURITY, 4672, "logged-in-special", "iam", "admin", "success"},
    {SRC_SECURITY, 4688, "created-process", "process", "start", "success"},
    {SRC_SECURITY, 4689, "exited-process", "process", "end", "success"},
    {SRC_SECURITY, 4697, "service-installed", "configuration", "creation", "success"},
    {SRC_SECURITY, 4698, "scheduled-task-created", "configuration", "creation", "success"},
    {SRC_SECURITY, 4699, "scheduled-task-deleted", "configuration", "deletion", "success"},
    {SRC_SECURITY, 4700, "scheduled-task-enabled", "configuration", "change", "success"},
    {SRC_SECURITY, 4701, "scheduled-task-disabled", "configuration", "change", "success"},
    {SRC_SECURITY, 4702, "scheduled-task-updated", "configuration", "change", "success"},
    {SRC_SECURITY, 4719, "audit-policy-changed", "configuration", "change", "success"},
    {SRC_SECURITY, 4720, "user-created", "iam", "creation", "success"},
    {SRC_SECURITY, 4722, "user-enabled", "iam", "change", "success"},
    {SRC_SECURITY, 4723, "password-change-attempted", "iam", "change", NULL},
    {SRC_SECURITY, 4724, "password-reset-attempted", "iam", "change", NULL},
    {SRC_SECURITY, 4725, "user-disabled", "iam", "change", "success"},
    {SRC_SECURITY, 4726, "user-deleted", "iam", "deletion", "success"},
    {SRC_SECURITY, 4727, "group-created", "iam", "creation", "success"},
    {SRC_SECURITY, 4728, "added-member-to-group", "iam", "change", "success"},
    {SRC_SECURITY, 4729, "removed-member-from-group", "iam", "change", "success"},
    {SRC_SECURITY, 4730, "group-deleted", "iam", "deletion", "success"},
    {SRC_SECURITY, 4731, "group-created", "iam", "creation", "success"},
    {SRC_SECURITY, 4732, "added-member-to-group", "iam", "change", "success"},
    {SRC_SECURITY, 4733, "removed-member-from-group", "iam", "change", "success"},
    {SRC_SECURITY, 4734, "group-deleted", "iam", "deletion", "success"},
    {SRC_SECURITY, 4738, "user-changed", "iam", "change", "success"},
    {SRC_SECURITY, 4740, "user-locked-out", "iam", "change", "success"},
    {SRC_SECURITY, 4754, "group-created", "iam", "creation", "success"},
    {SRC_SECURITY, 4756, "added-member-to-group", "iam", "change", "success"},
    {SRC_SECURITY, 4757, "removed-member-from-group", "iam", "change", "success"},
    {SRC_SECURITY, 4767, "user-unlocked", "iam", "change", "success"},
    {SRC_SECURITY, 4768, "kerberos-tgt-requested", "authentication", "start", NULL},
    {SRC_SECURITY, 4769, "kerberos-service-ticket-requested", "authentication", "start", NULL},
    {SRC_SECURITY, 4771, "kerberos-preauth-failed", "authentication", "start", "failure"},
    {SRC_SECURITY, 4776, "credential-validated", "authentication", "start", NULL},
    {SRC_SECURITY, 4778, "session-reconnected", "authentication", "start", "success"},
    {SRC_SECURITY, 4779, "session-disconnected", "authentication", "end", "success"},
    {SRC_SECURITY, 5140, "network-share-accessed", "file", "access", NULL},
    {SRC_SECURITY, 5145, "network-share-access-checked", "file", "access", NULL},
    {SRC_SYSTEM, 104, "audit-log-cleared", "host", "change", "success"},
    {SRC_SYSTEM, 7045, "service-installed", "configuration", "creation", "success"},
    {SRC_SYSTEM, 7040, "service-start-type-changed", "configuration", "change", "success"},
    {SRC_DEFENDER, 1116, "malware-detected", "malware", "info", NULL},
    {SRC_DEFENDER, 1117, "malware-action-taken", "malware", "info", "success"},
    {SRC_DEFENDER, 1118, "malware-action-failed", "malware", "error", "failure"},
    {SRC_DEFENDER, 1119, "malware-action-failed", "malware", "error", "failure"},
    {SRC_DEFENDER, 5001, "realtime-protection-disabled", "configuration", "change", NULL},
    {SRC_DEFENDER, 5007, "configuration-changed", "configuration", "change", NULL},
    {SRC_POWERSHELL, 4103, "powershell-pipeline-executed", "process", "info", NULL},
    {SRC_POWERSHELL, 4104, "powershell-script-block", "process", "info", NULL},
};

static bool ieq(canh_str_t a, const char *b)
{
    return a.p && canh_str_ieq_c(a, b);
}

static win_src_t source_of(const win_t *w)
{
    if (ieq(w->channel, "Microsoft-Windows-Sysmon/Operational") ||
        ieq(w->provider, "Microsoft-Windows-Sysmon"))
        return SRC_SYSMON;
    if (ieq(w->channel, "Security") || ieq(w->provider, "Microsoft-Windows-Security-Auditing"))
        return SRC_SECURITY;
    if (ieq(w->channel, "Microsoft-Windows-Windows Defender/Operational") ||
        ieq(w->provider, "Microsoft-Windows-Windows Defender"))
        return SRC_DEFENDER;
    if (ieq(w->channel, "Microsoft-Windows-PowerShell/Operational") ||
        ieq(w->provider, "Microsoft-Windows-PowerShell"))
        return SRC_POWERSHELL;
    if (ieq(w->channel, "System"))
        return SRC_SYSTEM;
    return SRC_OTHER;
}

static bool in(int64_t v, const int *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == v)
            return true;
    return false;
}
#define IN(v, ...)                                                                                 \
    in((v), (const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* Status "0x0" is success for the Kerberos and NTLM validation events. */
static const char *status_outcome(canh_str_t status)
{
    int64_t v;
    if (!present(status) || !canh_dec_parse_int(status, &v))
        return NULL;
    return v == 0 ? "success" : "failure";
}

/* Keywords carry "Audit Success" (0x0020...) / "Audit Failure" (0x0010...). */
/* Case-insensitive "contains" for the textual forms ("Audit Failure" in
 * Winlogbeat's keywords, "AUDIT_FAILURE" in NXLog's EventType). */
static bool icontains(canh_str_t s, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= s.n; i++)
        if (canh_str_ieq_c(canh_str(s.p + i, k), needle))
            return true;
    return false;
}

static const char *keyword_outcome(canh_str_t kw)
{
    int64_t v;
    uint64_t u;
    if (!kw.p || kw.n < 3)
        return NULL;
    if (icontains(kw, "audit failure") || icontains(kw, "audit_failure"))
        return "failure";
    if (icontains(kw, "audit success") || icontains(kw, "audit_success"))
        return "success";
    if (kw.n == 18 && kw.p[0] == '0' && (kw.p[1] == 'x' || kw.p[1] == 'X')) {
        /* 64-bit values do not fit int64: read the top 8 digits. */
        if (!canh_dec_parse_int(canh_str(kw.p, 10), &v))
            return NULL;
        u = (uint64_t)v << 32;
    } else if (canh_dec_parse_int(kw, &v)) {
        u = (uint64_t)v;
    } else {
        return NULL;
    }
    if (u & UINT64_C(0x0010000000000000))
        return "failure";
    if (u & UINT64_C(0x0020000000000000))
        return "success";
    return NULL;
}

static void classify(win_t *w)
{
    canh_event_t *ev = w->ev;
    const win_act_t *a = NULL;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0] && w->code >= 0; i++)
        if (actions[i].src == w->src && actions[i].id == w->code) {
            a = &actions[i];
            break;
        }
    const char *outcome = a ? a->outcome : NULL;
    if (w->src == SRC_SECURITY && IN(w->code, 4768, 4769, 4776))
        outcome = status_outcome(w->f[WF_Status]);
    if (!outcome && w->src == SRC_SECURITY)
        outcome = keyword_outcome(w->keywords);
    if (a) {
        set_class(ev, CANH_F_EVENT_ACTION, a->action);
        set_class(ev, CANH_F_EVENT_CATEGORY, a->category);
        set_class(ev, CANH_F_EVENT_TYPE, a->type);
    }
    set_class(ev, CANH_F_EVENT_OUTCOME, outcome);
    set_class(ev, CANH_F_EVENT_KIND,
              w->src == SRC_DEFENDER && IN(w->code, 1116, 1117, 1118, 1119) ? "alert" : "event");
    static const char *const modules[] = {"windows", "sysmon",  "security",
                                          "windows", "windows", "powershell"};
    set_class(ev, CANH_F_EVENT_MODULE, modules[w->src]);
    set_class_s(ev, CANH_F_EVENT_PROVIDER, w->provider);
    set_class_s(ev, CANH_F_EVENT_CODE, w->id);
}

/* ---- ECS mapping of the data fields --------------------------------------------------- */
static void map_fields(win_t *w)
{
    canh_event_t *ev = w->ev;
    const canh_str_t *f = w->f;
    int64_t code = w->code;

    /* Process fields, named as Sysmon names them (other providers too). */
    set_exe(ev, CANH_F_PROCESS_EXECUTABLE, CANH_F_PROCESS_NAME, f[WF_Image]);
    set_str(ev, CANH_F_PROCESS_COMMAND_LINE, f[WF_CommandLine]);
    set_exe(ev, CANH_F_PROCESS_PARENT_EXECUTABLE, CANH_F_PROCESS_PARENT_NAME, f[WF_ParentImage]);
    set_str(ev, CANH_F_PROCESS_PARENT_COMMAND_LINE, f[WF_ParentCommandLine]);
    set_pid(ev, CANH_F_PROCESS_PARENT_PID, f[WF_ParentProcessId]);
    set_str(ev, CANH_F_PROCESS_ENTITY_ID, f[WF_ProcessGuid]);
    add_kv(ev, "process.parent.entity_id", f[WF_ParentProcessGuid]);
    set_str(ev, CANH_F_PROCESS_WORKING_DIRECTORY, f[WF_CurrentDirectory]);
    set_user(ev, CANH_F_USER_NAME, CANH_F_USER_DOMAIN, f[WF_User]);
    if (!present(f[WF_Image])) { /* Sysmon 8, 10: the acting process is the source */
        set_exe(ev, CANH_F_PROCESS_EXECUTABLE, CANH_F_PROCESS_NAME, f[WF_SourceImage]);
        set_pid(ev, CANH_F_PROCESS_PID, f[WF_SourceProcessId]);
        set_str(ev, CANH_F_PROCESS_ENTITY_ID, f[WF_SourceProcessGuid]);
        set_str(ev, CANH_F_PROCESS_ENTITY_ID, f[WF_SourceProcessGUID]);
    }
    bool process_hash = w->src == SRC_SYSMON && code == 1;
    if (present(f[WF_Hashes]))
        set_hashes(ev, f[WF_Hashes], process_hash);
    else if (present(f[WF_Hash]))
        set_hashes(ev, f[WF_Hash], process_hash);

    /* Network (Sysmon 3). */
    set_ip(ev, CANH_F_SOURCE_IP, f[WF_SourceIp]);
    set_int(ev, CANH_F_SOURCE_PORT, f[WF_SourcePort]);
    set_str(ev, CANH_F_SOURCE_DOMAIN, f[WF_SourceHostname]);
    set_ip(ev, CANH_F_DESTINATION_IP, f[WF_DestinationIp]);
    set_int(ev, CANH_F_DESTINATION_PORT, f[WF_DestinationPort]);
    set_str(ev, CANH_F_DESTINATION_DOMAIN, f[WF_DestinationHostname]);
    if (present(f[WF_Protocol])) {
        canh_str_t l = canh_dec_lower(ev, f[WF_Protocol]);
        if (l.p)
            canh_event_set(ev, CANH_F_NETWORK_TRANSPORT, l);
    }
    if (w->src == SRC_SYSMON && code == 3 && present(f[WF_Initiated]))
        canh_event_set_c(ev, CANH_F_NETWORK_DIRECTION,
                         canh_str_ieq_c(f[WF_Initiated], "true") ? "egress" : "ingress");

    /* Files, registry, DNS (Sysmon 6, 7, 11, 12-14, 15, 22, 23, 26). */
    if (present(f[WF_ImageLoaded]))
        set_file(ev, f[WF_ImageLoaded]);
    if (present(f[WF_TargetFilename]))
        set_file(ev, f[WF_TargetFilename]);
    if (present(f[WF_TargetObject])) {
        canh_event_set(ev, CANH_F_REGISTRY_PATH, f[WF_TargetObject]);
        if (w->src == SRC_SYSMON && code == 13) {
            canh_str_t p = f[WF_TargetObject];
            size_t base = 0;
            for (size_t i = 0; i < p.n; i++)
                if (p.p[i] == '\\')
                    base = i + 1;
            if (base < p.n)
                canh_event_set(ev, CANH_F_REGISTRY_VALUE, canh_str_sub(p, base, p.n));
        }
    }
    set_str(ev, CANH_F_REGISTRY_DATA_STRINGS, f[WF_Details]);
    set_str(ev, CANH_F_DNS_QUESTION_NAME, f[WF_QueryName]);

    /* Security log: who did it, to whom, from where. */
    set_str(ev, CANH_F_USER_NAME, f[WF_SubjectUserName]);
    set_str(ev, CANH_F_USER_DOMAIN, f[WF_SubjectDomainName]);
    set_str(ev, CANH_F_USER_ID, f[WF_SubjectUserSid]);
    if (w->src == SRC_SECURITY || !present(f[WF_SubjectUserName])) {
        if (IN(code, 4648)) {
            set_str(ev, CANH_F_USER_TARGET_NAME, f[WF_TargetUserName]);
            set_str(ev, CANH_F_USER_TARGET_DOMAIN, f[WF_TargetDomainName]);
        } else if (IN(code, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4781)) {
            set_str(ev, CANH_F_USER_TARGET_NAME, f[WF_TargetUserName]);
            set_str(ev, CANH_F_USER_TARGET_DOMAIN, f[WF_TargetDomainName]);
            set_str(ev, CANH_F_USER_TARGET_ID, f[WF_TargetSid]);
        } else if (IN(code, 4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4754, 4755,
                      4756, 4757, 4758)) {
            set_str(ev, CANH_F_GROUP_NAME, f[WF_TargetUserName]);
            set_str(ev, CANH_F_GROUP_ID, f[WF_TargetSid]);
            add_kv(ev, "group.domain", f[WF_TargetDomainName]);
            set_str(ev, CANH_F_USER_TARGET_NAME, f[WF_MemberName]);
            set_str(ev, CANH_F_USER_TARGET_ID, f[WF_MemberSid]);
        } else if (present(f[WF_TargetUserName]) && code != 4688) {
            /* Logon events (4624, 4625, 4634, 4768, 4771, 4776, ...): the
             * target account is the user. */
            canh_event_set(ev, CANH_F_USER_NAME, f[WF_TargetUserName]);
            if (present(f[WF_TargetDomainName]))
                canh_event_set(ev, CANH_F_USER_DOMAIN, f[WF_TargetDomainName]);
            else
                canh_event_unset(ev, CANH_F_USER_DOMAIN);
            if (present(f[WF_TargetUserSid]))
                canh_event_set(ev, CANH_F_USER_ID, f[WF_TargetUserSid]);
            else
                canh_event_unset(ev, CANH_F_USER_ID);
        }
    }
    set_ip(ev, CANH_F_SOURCE_IP, f[WF_IpAddress]);
    if (!canh_str_eq_c(f[WF_IpPort], "0"))
        set_int(ev, CANH_F_SOURCE_PORT, f[WF_IpPort]);
    set_logon_type(ev, f[WF_LogonType]);
    set_str(ev, CANH_F_SOURCE_DOMAIN, f[WF_WorkstationName]);
    set_str(ev, CANH_F_SOURCE_DOMAIN, f[WF_Workstation]);
    set_exe(ev, CANH_F_PROCESS_EXECUTABLE, CANH_F_PROCESS_NAME, f[WF_NewProcessName]);
    set_exe(ev, CANH_F_PROCESS_PARENT_EXECUTABLE, CANH_F_PROCESS_PARENT_NAME,
            f[WF_ParentProcessName]);
    if (!present(f[WF_Image]) && !present(f[WF_NewProcessName]))
        set_exe(ev, CANH_F_PROCESS_EXECUTABLE, CANH_F_PROCESS_NAME, f[WF_ProcessName]);
    if (w->src == SRC_SECURITY && code == 4688) {
        /* ProcessId is the creator's. */
        set_pid(ev, CANH_F_PROCESS_PID, f[WF_NewProcessId]);
        set_pid(ev, CANH_F_PROCESS_PARENT_PID, f[WF_ProcessId]);
    } else {
        set_pid(ev, CANH_F_PROCESS_PID, f[WF_ProcessId]);
    }
    if (w->src == SRC_SECURITY && IN(code, 4625, 4771, 4776, 4768, 4769)) {
        int64_t sub;
        canh_str_t err = f[WF_SubStatus];
        if (!present(err) || (canh_dec_parse_int(err, &sub) && sub == 0))
            err = f[WF_Status];
        int64_t v;
        if (present(err) && !(canh_dec_parse_int(err, &v) && v == 0))
            canh_event_set(ev, CANH_F_ERROR_CODE, err);
    }

    /* Services (System 7045, Security 4697), PowerShell, Defender. */
    set_str(ev, CANH_F_SERVICE_NAME, f[WF_ServiceName]);
    if (w->src == SRC_SYSTEM && code == 7045 && !canh_event_has(ev, CANH_F_USER_NAME))
        set_str(ev, CANH_F_USER_NAME, f[WF_AccountName]);
    add_kv(ev, "powershell.file.script_block_text", f[WF_ScriptBlockText]);
    if (w->src == SRC_DEFENDER) {
        add_kv(ev, "threat.software.name", f[WF_ThreatName]);
        set_user(ev, CANH_F_USER_NAME, CANH_F_USER_DOMAIN, f[WF_DetectionUser]);
        canh_str_t p = f[WF_ThreatPath];
        if (canh_str_starts(p, "file:_"))
            set_file(ev, canh_str_sub(p, 6, p.n));
        set_exe(ev, CANH_F_PROCESS_EXECUTABLE, CANH_F_PROCESS_NAME, f[WF_DefProcessName]);
    }
}

/* ---- the System block and the three shapes ---------------------------------------------- */
/* The text of v, or of v["#text"], or of v["#attributes"][attr]. */
static json_t *xml_value(json_t *v, const char *attr)
{
    if (json_is_object(v)) {
        if (attr) {
            json_t *a = json_object_get(json_object_get(v, "#attributes"), attr);
            if (a)
                return a;
            return json_object_get(v, attr);
        }
        return json_object_get(v, "#text");
    }
    return v;
}

/* Copies a scalar into slot id (and returns its arena text). */
static canh_str_t put_slot(canh_event_t *ev, canh_field_t id, json_t *v)
{
    canh_str_t t;
    canh_ftype_t ty;
    if (canh_json_text(ev, v, &t, &ty) != CANH_OK)
        return CANH_STR_NULL;
    canh_event_set(ev, id, t);
    return t;
}

static void put_kv(canh_event_t *ev, const char *name, json_t *v)
{
    canh_str_t t;
    canh_ftype_t ty;
    if (canh_json_text(ev, v, &t, &ty) == CANH_OK)
        canh_event_set_name(ev, canh_str_c(name), t, ty, false);
}

static const char *const level_names[] = {"information", "critical",    "error",
                                          "warning",     "information", "verbose"};

static void set_level(canh_event_t *ev, json_t *v)
{
    int64_t lv = -1;
    if (json_is_integer(v))
        lv = json_integer_value(v);
    else if (json_is_string(v))
        canh_dec_parse_int(canh_str_c(json_string_value(v)), &lv);
    if (lv >= 0 && lv < 6)
        canh_event_set_c(ev, CANH_F_LOG_LEVEL, level_names[lv]);
}

static void set_id(win_t *w, json_t *v)
{
    w->id = put_slot(w->ev, CANH_F_WINLOG_EVENT_ID, v);
    int64_t c;
    w->code = w->id.p && canh_str_to_i64(w->id, &c) == CANH_OK && c >= 0 && c <= 65535 ? c : -1;
}

/* (a) {"Event":{"System":{..},"EventData":{..}}} */
static void shape_evtx(win_t *w, json_t *event)
{
    canh_event_t *ev = w->ev;
    json_t *sys = json_object_get(event, "System");
    const char *k;
    json_t *v;
    json_object_foreach(sys, k, v)
    {
        if (strcmp(k, "Provider") == 0) {
            json_t *name = json_is_object(v) ? xml_value(v, "Name") : v;
            w->provider = put_slot(ev, CANH_F_WINLOG_PROVIDER_NAME, name);
            if (json_is_object(v)) {
                put_kv(ev, "winlog.provider_guid", xml_value(v, "Guid"));
                put_kv(ev, "winlog.event_source_name", xml_value(v, "EventSourceName"));
            }
        } else if (strcmp(k, "EventID") == 0) {
            set_id(w, xml_value(v, NULL));
            if (json_is_object(v))
                put_kv(ev, "winlog.qualifiers", xml_value(v, "Qualifiers"));
        } else if (strcmp(k, "Channel") == 0) {
            w->channel = put_slot(ev, CANH_F_WINLOG_CHANNEL, xml_value(v, NULL));
        } else if (strcmp(k, "Computer") == 0) {
            canh_str_t c = put_slot(ev, CANH_F_WINLOG_COMPUTER_NAME, xml_value(v, NULL));
            if (c.p)
                canh_event_set(ev, CANH_F_HOST_NAME, c);
        } else if (strcmp(k, "EventRecordID") == 0) {
            put_slot(ev, CANH_F_WINLOG_RECORD_ID, xml_value(v, NULL));
        } else if (strcmp(k, "TimeCreated") == 0) {
            json_t *t = xml_value(v, "SystemTime");
            if (t && !canh_json_time(w->d, t, ev))
                ev->flags |= CANH_EVF_BAD_TIME;
        } else if (strcmp(k, "Level") == 0) {
            set_level(ev, xml_value(v, NULL));
            put_kv(ev, "winlog.level", xml_value(v, NULL));
        } else if (strcmp(k, "Keywords") == 0) {
            canh_ftype_t ty;
            if (canh_json_text(ev, xml_value(v, NULL), &w->keywords, &ty) == CANH_OK)
                canh_event_add(ev, CANH_STR_LIT("winlog.keywords"), w->keywords, ty);
        } else if (strcmp(k, "Execution") == 0) {
            put_kv(ev, "winlog.process.pid", xml_value(v, "ProcessID"));
            put_kv(ev, "winlog.process.thread.id", xml_value(v, "ThreadID"));
        } else if (strcmp(k, "Security") == 0) {
            put_kv(ev, "winlog.user.identifier", xml_value(v, "UserID"));
        } else if (strcmp(k, "Correlation") == 0) {
            put_kv(ev, "winlog.activity_id", xml_value(v, "ActivityID"));
            put_kv(ev, "winlog.related_activity_id", xml_value(v, "RelatedActivityID"));
        } else if (strcmp(k, "Version") == 0) {
            put_kv(ev, "winlog.version", xml_value(v, NULL));
        } else if (strcmp(k, "Task") == 0) {
            put_kv(ev, "winlog.task", xml_value(v, NULL));
        } else if (strcmp(k, "Opcode") == 0) {
            put_kv(ev, "winlog.opcode", xml_value(v, NULL));
        } else if (strcmp(k, "#attributes") != 0 && !json_is_null(v)) {
            char name[CANH_MAX_FIELD_NAME + 1];
            int n = snprintf(name, sizeof name, "winlog.system.%s", k);
            if (n > 0 && (size_t)n < sizeof name)
                canh_json_put(ev, name, (size_t)n, v, 2);
        }
    }
    json_t *ed = json_object_get(event, "EventData");
    if (ed && !json_is_null(ed))
        event_data(w, ed);
    json_t *ud = json_object_get(event, "UserData");
    if (json_is_object(ud))
        user_data(w, ud);
    json_t *ri = json_object_get(event, "RenderingInfo");
    if (json_is_object(ri))
        canh_json_set(ev, CANH_F_MESSAGE, ri, "Message");
}

/* (b) Winlogbeat: {"winlog":{..}, ECS fields..} */
static void shape_winlogbeat(win_t *w, json_t *root, json_t *winlog)
{
    canh_event_t *ev = w->ev;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "winlog") != 0)
            canh_json_put(ev, k, strlen(k), v, 0);
    }
    json_object_foreach(winlog, k, v)
    {
        if (strcmp(k, "event_data") == 0) {
            event_data(w, v);
        } else if (strcmp(k, "user_data") == 0) {
            if (json_is_object(v))
                user_data(w, v);
        } else {
            char name[CANH_MAX_FIELD_NAME + 1];
            int n = snprintf(name, sizeof name, "winlog.%s", k);
            if (n > 0 && (size_t)n < sizeof name)
                canh_json_put(ev, name, (size_t)n, v, 1);
        }
    }
    json_t *ts = json_object_get(root, "@timestamp");
    if (ts && !canh_json_time(w->d, ts, ev))
        ev->flags |= CANH_EVF_BAD_TIME;
    w->id = canh_event_get(ev, CANH_F_WINLOG_EVENT_ID);
    int64_t c;
    w->code = w->id.p && canh_str_to_i64(w->id, &c) == CANH_OK && c >= 0 && c <= 65535 ? c : -1;
    w->channel = canh_event_get(ev, CANH_F_WINLOG_CHANNEL);
    w->provider = canh_event_get(ev, CANH_F_WINLOG_PROVIDER_NAME);
    canh_str_t kw;
    if (canh_event_get_name(ev, CANH_STR_LIT("winlog.keywords"), &kw, NULL) == CANH_OK)
        w->keywords = kw;
    if (!canh_event_has(ev, CANH_F_HOST_NAME) && canh_event_has(ev, CANH_F_WINLOG_COMPUTER_NAME))
        canh_event_set(ev, CANH_F_HOST_NAME, canh_event_get(ev, CANH_F_WINLOG_COMPUTER_NAME));
}

/* (c) flat documents: the members that are not event data. */
enum meta_role {
    M_ID = 1,
    M_CHANNEL,
    M_PROVIDER,
    M_COMPUTER,
    M_RECORD,
    M_TIME,
    M_MESSAGE,
    M_LEVEL,
    M_KEYWORDS,
    M_KV,
    M_DATA,
    M_USERDATA,
};

typedef struct meta {
    const char *key;
    uint8_t role;
    const char *name; /* M_KV: the field name */
} meta_t;

static const meta_t metas[] = {
    {"EventID", M_ID, NULL},
    {"EventId", M_ID, NULL},
    {"event_id", M_ID, NULL},
    {"EventCode", M_ID, NULL},
    {"Channel", M_CHANNEL, NULL},
    {"channel", M_CHANNEL, NULL},
    {"LogName", M_CHANNEL, NULL},
    {"log_name", M_CHANNEL, NULL},
    {"SourceName", M_PROVIDER, NULL},
    {"ProviderName", M_PROVIDER, NULL},
    {"Provider_Name", M_PROVIDER, NULL},
    {"provider_name", M_PROVIDER, NULL},
    {"source_name", M_PROVIDER, NULL},
    {"Provider", M_PROVIDER, NULL},
    {"Hostname", M_COMPUTER, NULL},
    {"Computer", M_COMPUTER, NULL},
    {"ComputerName", M_COMPUTER, NULL},
    {"computer_name", M_COMPUTER, NULL},
    {"RecordNumber", M_RECORD, NULL},
    {"EventRecordID", M_RECORD, NULL},
    {"record_number", M_RECORD, NULL},
    {"record_id", M_RECORD, NULL},
    {"TimeCreated", M_TIME, NULL},
    {"SystemTime", M_TIME, NULL},
    {"EventTime", M_TIME, NULL},
    {"TimeGenerated", M_TIME, NULL},
    {"time_created", M_TIME, NULL},
    {"@timestamp", M_TIME, NULL},
    {"Message", M_MESSAGE, NULL},
    {"message", M_MESSAGE, NULL},
    {"Level", M_LEVEL, NULL},
    {"Keywords", M_KEYWORDS, NULL},
    {"keywords", M_KEYWORDS, NULL},
    {"EventData", M_DATA, NULL},
    {"event_data", M_DATA, NULL},
    {"UserData", M_USERDATA, NULL},
    {"user_data", M_USERDATA, NULL},
    {"Severity", M_KV, "winlog.severity"},
    {"SeverityValue", M_KV, "winlog.severity_value"},
    {"EventType", M_KV, "winlog.event_type"},
    {"ProviderGuid", M_KV, "winlog.provider_guid"},
    {"Version", M_KV, "winlog.version"},
    {"Task", M_KV, "winlog.task"},
    {"Opcode", M_KV, "winlog.opcode"},
    {"OpcodeValue", M_KV, "winlog.opcode_value"},
    {"Category", M_KV, "winlog.category"},
    {"ActivityID", M_KV, "winlog.activity_id"},
    {"ActivityId", M_KV, "winlog.activity_id"},
    {"RelatedActivityID", M_KV, "winlog.related_activity_id"},
    {"ExecutionProcessID", M_KV, "winlog.process.pid"},
    {"ExecutionThreadID", M_KV, "winlog.process.thread.id"},
    {"ProcessID", M_KV, "winlog.process.pid"},
    {"ThreadID", M_KV, "winlog.process.thread.id"},
    {"Domain", M_KV, "winlog.user.domain"},
    {"AccountName", M_KV, "winlog.user.name"},
    {"UserID", M_KV, "winlog.user.identifier"},
    {"AccountType", M_KV, "winlog.user.type"},
    {"EventReceivedTime", M_KV, "event.created"},
    {"SourceModuleName", M_KV, "winlog.source_module_name"},
    {"SourceModuleType", M_KV, "winlog.source_module_type"},
    {"@version", M_KV, "winlog.logstash.version"},
    {"host", M_KV, "winlog.logstash.host"},
    {"port", M_KV, "winlog.logstash.port"},
    {"type", M_KV, "winlog.logstash.type"},
    {"tags", M_KV, "tags"},
};

static const meta_t *meta_of(const char *key)
{
    for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++)
        if (metas[i].key[0] == key[0] && strcmp(metas[i].key, key) == 0)
            return &metas[i];
    return NULL;
}

/* Time members, preferred first: the event's own time before a
 * collector's receipt time. */
static const char *const time_order[] = {"TimeCreated",   "SystemTime",   "EventTime",
                                         "TimeGenerated", "time_created", "@timestamp"};
#define NTIME (sizeof time_order / sizeof time_order[0])

static void shape_flat(win_t *w, json_t *root)
{
    canh_event_t *ev = w->ev;
    const char *k;
    json_t *v;
    json_t *times[NTIME] = {NULL};
    json_object_foreach(root, k, v)
    {
        const meta_t *m = meta_of(k);
        if (!m) {
            /* Data fields also reach here (AccountName is data in 7045 but
             * NXLog's own field elsewhere: its meta role wins). */
            data_item(w, "winlog.event_data", k, strlen(k), v);
            continue;
        }
        switch (m->role) {
        case M_ID:
            if (!w->id.p)
                set_id(w, xml_value(v, NULL));
            break;
        case M_CHANNEL: w->channel = put_slot(ev, CANH_F_WINLOG_CHANNEL, v); break;
        case M_PROVIDER:
            w->provider = put_slot(ev, CANH_F_WINLOG_PROVIDER_NAME,
                                   json_is_object(v) ? xml_value(v, "Name") : v);
            break;
        case M_COMPUTER: {
            canh_str_t c = put_slot(ev, CANH_F_WINLOG_COMPUTER_NAME, v);
            if (c.p)
                canh_event_set(ev, CANH_F_HOST_NAME, c);
            break;
        }
        case M_RECORD: put_slot(ev, CANH_F_WINLOG_RECORD_ID, v); break;
        case M_TIME:
            for (size_t i = 0; i < NTIME; i++)
                if (strcmp(time_order[i], k) == 0)
                    times[i] = xml_value(v, "SystemTime");
            break;
        case M_MESSAGE: put_slot(ev, CANH_F_MESSAGE, v); break;
        case M_LEVEL:
            set_level(ev, v);
            put_kv(ev, "winlog.level", v);
            break;
        case M_KEYWORDS: {
            canh_str_t kw;
            canh_ftype_t ty;
            if (canh_json_text(ev, v, &kw, &ty) == CANH_OK) {
                if (!w->keywords.p)
                    w->keywords = kw;
                canh_event_add(ev, CANH_STR_LIT("winlog.keywords"), kw, ty);
            } else {
                canh_json_put(ev, "winlog.keywords", 15, v, 1);
            }
            break;
        }
        case M_DATA: event_data(w, v); break;
        case M_USERDATA:
            if (json_is_object(v))
                user_data(w, v);
            break;
        default:
            canh_json_put(ev, m->name, strlen(m->name), v, 1);
            /* NXLog's EventType says AUDIT_SUCCESS / AUDIT_FAILURE. */
            if (strcmp(k, "EventType") == 0 && json_is_string(v) &&
                canh_str_starts(canh_json_str(root, k), "AUDIT_"))
                canh_event_get_name(ev, CANH_STR_LIT("winlog.event_type"), &w->keywords, NULL);
            break;
        }
    }
    bool seen = false;
    for (size_t i = 0; i < NTIME; i++) {
        if (!times[i])
            continue;
        seen = true;
        if (canh_json_time(w->d, times[i], ev)) {
            seen = false;
            break;
        }
    }
    if (seen)
        ev->flags |= CANH_EVF_BAD_TIME;
}

/* A Windows event log name: the classic logs, or "Provider/Operational"
 * style channels. ("channel" alone is too common a JSON key to trust.) */
static bool win_channel(canh_str_t c)
{
    static const char *const classic[] = {"Security",          "System",
                                          "Application",       "Setup",
                                          "ForwardedEvents",   "Windows PowerShell",
                                          "HardwareEvents",    "Key Management Service",
                                          "Directory Service", "DNS Server",
                                          "DFS Replication"};
    if (!c.p || c.n == 0)
        return false;
    for (size_t i = 0; i < sizeof classic / sizeof classic[0]; i++)
        if (canh_str_ieq_c(c, classic[i]))
            return true;
    return canh_str_starts(c, "Microsoft-") || canh_str_chr(c, '/') > 0;
}

static bool is_id(json_t *v)
{
    v = xml_value(v, NULL);
    return json_is_integer(v) || json_is_string(v);
}

int canh_dec_json_windows(const canh_decode_t *d, json_t *root, canh_event_t *ev)
{
    win_t w;
    memset(&w, 0, sizeof w);
    w.d = d;
    w.ev = ev;
    w.code = -1;
    json_t *event = json_object_get(root, "Event");
    json_t *winlog = json_object_get(root, "winlog");
    if (json_is_object(event) && json_is_object(json_object_get(event, "System"))) {
        ev->decoder = CANH_DEC_WINDOWS;
        shape_evtx(&w, event);
    } else if (json_is_object(winlog) &&
               (json_object_get(winlog, "event_id") || json_object_get(winlog, "channel") ||
                json_object_get(winlog, "provider_name"))) {
        ev->decoder = CANH_DEC_WINDOWS;
        shape_winlogbeat(&w, root, winlog);
    } else {
        bool id = is_id(json_object_get(root, "EventID")) ||
                  is_id(json_object_get(root, "EventId")) ||
                  is_id(json_object_get(root, "event_id"));
        bool src = win_channel(canh_json_str(root, "Channel")) ||
                   win_channel(canh_json_str(root, "channel")) ||
                   win_channel(canh_json_str(root, "LogName")) ||
                   win_channel(canh_json_str(root, "log_name")) ||
                   json_is_string(json_object_get(root, "SourceName")) ||
                   json_is_string(json_object_get(root, "ProviderName")) ||
                   json_is_string(json_object_get(root, "Provider_Name")) ||
                   json_is_string(json_object_get(root, "provider_name")) ||
                   json_is_string(json_object_get(root, "source_name"));
        if (!id || !src)
            return CANH_ENOMATCH;
        ev->decoder = CANH_DEC_WINDOWS;
        shape_flat(&w, root);
    }
    w.src = source_of(&w);
    map_fields(&w);
    classify(&w);
    return CANH_OK;
}
