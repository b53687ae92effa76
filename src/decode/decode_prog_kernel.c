/* decode_prog_kernel.c - kernel messages: netfilter LOG lines (iptables,
 * nftables, UFW, firewalld) and a few other kernel events worth a name
 * (segfaults, the OOM killer, promiscuous mode, SYN floods, ...).
 *
 * A firewall line is "[uptime] PREFIX IN=eth0 OUT= MAC=... SRC=a DST=b
 * LEN=60 ... PROTO=TCP SPT=1 DPT=2 ... SYN ...": the prefix (trimmed, and
 * without the ':' that conventionally ends it) is rule.name; the key=value
 * list is read by hand. event.action is firewall-drop or firewall-accept
 * when the prefix says so (DROP, BLOCK, REJECT, DENY / ACCEPT, ALLOW, PASS);
 * PROTO= becomes network.transport in lower case (ICMPv6 -> ipv6-icmp), MAC=
 * destination.mac and source.mac in ECS form (AA-BB-...), LEN=
 * network.bytes.
 *
 * Kernel lines that are not firewall lines keep decoder "firewall" (the
 * program table's id for "kernel") but say event.dataset "kernel". */
#include <string.h>

#include "canh/error.h"
#include "decode_prog_int.h"

static const canh_prule_t kernel_rules[] = {
    {"{process.name}[{process.pid}]: segfault at {-}", "process_segfault", "failure", "process",
     "end", "segmentation fault", 0},
    {"Out of memory: Killed process {process.pid} ({process.name})*", "oom_kill", NULL, "process",
     "end", "out of memory", 0},
    {"Out of memory: Kill process {process.pid} ({process.name})*", "oom_kill", NULL, "process",
     "end", "out of memory", 0},
    {"Killed process {process.pid} ({process.name})*", "oom_kill", NULL, "process", "end",
     "out of memory", 0},
    {"{process.name} invoked oom-killer: {-}", "oom_invoked", NULL, "process", "info",
     "out of memory", 0},
    {"{process.name}[{process.pid}] attempt to execute code on stack by uid {user.id}",
     "exec_on_stack", "failure", "process", "denied", "attempt to execute code on stack", 0},
    {"tcp_parse_options: Illegal window scaling value {-}", "tcp_illegal_window_scaling", NULL,
     "network", "protocol", "illegal TCP window scaling value", 0},
    {"svc: unknown program {rpc.program} (me {-})", "rpc_unknown_program", "failure", "network",
     "protocol", "unknown RPC program", 0},
    {"device {kernel.device} entered promiscuous mode", "promiscuous_mode_enabled", NULL, "host",
     "change", NULL, 0},
    {"device {kernel.device} left promiscuous mode", "promiscuous_mode_disabled", NULL, "host",
     "change", NULL, 0},
    {"possible SYN flooding on port {destination.port}. {-}", "syn_flood", NULL, "network",
     "connection", "possible SYN flooding", 0},
    {"TCP: request_sock_TCP: Possible SYN flooding on port {destination.port}. {-}", "syn_flood",
     NULL, "network", "connection", "possible SYN flooding", 0},
    {"nf_conntrack: table full, dropping packet*", "conntrack_table_full", "failure", "network",
     "denied", "connection tracking table full", 0},
    {"nf_conntrack: nf_conntrack: table full, dropping packet*", "conntrack_table_full", "failure",
     "network", "denied", "connection tracking table full", 0},
    {"martian source {destination.ip} from {source.ip}, on dev {kernel.device}", "martian_packet",
     NULL, "network", "denied", "martian source", 0},
    {"usb {kernel.device}: new {-} USB device number {-} using {-}", "usb_device_connected", NULL,
     "host", "info", NULL, 0},
    {"usb {kernel.device}: USB disconnect, device number {-}", "usb_device_disconnected", NULL,
     "host", "info", NULL, 0},
    {"Kernel panic - not syncing: {event.reason}", "kernel_panic", "failure", "host", "error", NULL,
     0},
    {"Linux version {host.os.kernel} ({-}", "kernel_boot", "success", "host", "start", NULL, 0},
};

static const canh_ptable_t kernel_tabs[] = {CANH_PTABLE(kernel_rules)};

static int kernel_init(void **state, canh_errbuf_t *eb)
{
    return canh_pmod_init(kernel_tabs, 1, state, eb);
}

const canh_decode_mod_t canh_mod_FIREWALL = {kernel_init, canh_pmod_fini};

/* "[ 1234.567890] " at the start of a kernel message. */
static canh_str_t strip_uptime(canh_str_t msg)
{
    if (msg.n < 4 || msg.p[0] != '[')
        return msg;
    size_t i = 1;
    while (i < msg.n && msg.p[i] == ' ')
        i++;
    size_t digits = 0;
    while (i < msg.n && ((msg.p[i] >= '0' && msg.p[i] <= '9') || msg.p[i] == '.')) {
        i++;
        digits++;
    }
    if (digits == 0 || i >= msg.n || msg.p[i] != ']')
        return msg;
    return canh_str_trim(canh_str_sub(msg, i + 1, msg.n));
}

static bool has_word_ci(canh_str_t s, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; i + n <= s.n; i++) {
        size_t k = 0;
        while (k < n) {
            char c = s.p[i + k];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            if (c != w[k])
                break;
            k++;
        }
        if (k == n)
            return true;
    }
    return false;
}

/* "aa:bb:cc:dd:ee:ff" -> "AA-BB-CC-DD-EE-FF" in the event arena. */
static void set_mac(canh_event_t *ev, canh_field_t id, const char *p)
{
    char buf[17];
    for (size_t i = 0; i < 17; i++) {
        char c = p[i];
        if (c == ':')
            c = '-';
        else if (c >= 'a' && c <= 'f')
            c = (char)(c - 'a' + 'A');
        buf[i] = c;
    }
    canh_event_set_copy(ev, id, buf, sizeof buf);
}

static bool mac_bytes(canh_str_t v, size_t nbytes)
{
    if (v.n < nbytes * 3 - 1)
        return false;
    for (size_t i = 0; i < nbytes * 3 - 1; i++) {
        char c = v.p[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if ((i % 3 == 2) ? c != ':' : !hex)
            return false;
    }
    return true;
}

/* The netfilter LOG list, from "IN=" on. */
static int firewall(canh_str_t msg, size_t in_at, canh_event_t *ev)
{
    /* "IPTABLES-DROP: " -> "IPTABLES-DROP": log prefixes conventionally end
     * in ": ", which is punctuation, not part of the rule's name. */
    canh_str_t prefix = canh_str_trim(canh_str_sub(msg, 0, in_at));
    if (prefix.n > 1 && prefix.p[prefix.n - 1] == ':')
        prefix = canh_str_trim(canh_str_sub(prefix, 0, prefix.n - 1));
    canh_str_t list = canh_str_sub(msg, in_at, msg.n);
    /* The list must look like netfilter's: IN= then OUT= soon after. */
    if (canh_str_find_c(canh_str_sub(list, 0, 64), " OUT=") < 0)
        return CANH_ENOMATCH;
    canh_str_t flags = CANH_STR_NULL;
    canh_str_t k, v;
    bool have_id = false;
    unsigned guard = 0;
    while (guard++ < 64 && canh_prog_kv_next(&list, ' ', &k, &v)) {
        if (k.n == 0) {
            /* TCP flags are bare words: SYN ACK URGP=0 ... */
            if (v.n == 3 && v.p[0] >= 'A' && v.p[0] <= 'Z') {
                if (flags.p && v.p == flags.p + flags.n + 1)
                    flags.n = (size_t)(v.p + v.n - flags.p);
                else if (!flags.p)
                    flags = v;
            }
            continue;
        }
        switch (k.p[0]) {
        case 'I':
            if (canh_str_eq_c(k, "IN") && v.n)
                canh_event_set(ev, CANH_F_OBSERVER_INGRESS_INTERFACE_NAME, v);
            else if (canh_str_eq_c(k, "ID") && !have_id) {
                /* the IP id; a later ID= is ICMP's echo id */
                canh_event_add(ev, CANH_STR_LIT("iptables.id"), v, CANH_FT_LONG);
                have_id = true;
            }
            break;
        case 'O':
            if (canh_str_eq_c(k, "OUT") && v.n)
                canh_event_set(ev, CANH_F_OBSERVER_EGRESS_INTERFACE_NAME, v);
            break;
        case 'M':
            if (canh_str_eq_c(k, "MAC") && mac_bytes(v, 12)) {
                set_mac(ev, CANH_F_DESTINATION_MAC, v.p);
                set_mac(ev, CANH_F_SOURCE_MAC, v.p + 18);
            }
            break;
        case 'S':
            if (canh_str_eq_c(k, "SRC") && canh_str_is_ip(v))
                canh_event_set(ev, CANH_F_SOURCE_IP, v);
            else if (canh_str_eq_c(k, "SPT"))
                canh_prog_set_num(ev, CANH_F_SOURCE_PORT, v);
            break;
        case 'D':
            if (canh_str_eq_c(k, "DST") && canh_str_is_ip(v))
                canh_event_set(ev, CANH_F_DESTINATION_IP, v);
            else if (canh_str_eq_c(k, "DPT"))
                canh_prog_set_num(ev, CANH_F_DESTINATION_PORT, v);
            break;
        case 'P':
            if (canh_str_eq_c(k, "PROTO") && v.n)
                canh_prog_set_lower(ev, CANH_F_NETWORK_TRANSPORT, v);
            else if (canh_str_eq_c(k, "PHYSIN") && v.n)
                canh_event_add(ev, CANH_STR_LIT("iptables.physin"), v, CANH_FT_KEYWORD);
            else if (canh_str_eq_c(k, "PHYSOUT") && v.n)
                canh_event_add(ev, CANH_STR_LIT("iptables.physout"), v, CANH_FT_KEYWORD);
            break;
        case 'L':
            if (canh_str_eq_c(k, "LEN") && !canh_event_has(ev, CANH_F_NETWORK_BYTES))
                canh_prog_set_num(ev, CANH_F_NETWORK_BYTES, v);
            break;
        case 'T':
            if (canh_str_eq_c(k, "TTL"))
                canh_event_add(ev, CANH_STR_LIT("iptables.ttl"), v, CANH_FT_LONG);
            else if (canh_str_eq_c(k, "TYPE"))
                canh_event_add(ev, CANH_STR_LIT("iptables.icmp.type"), v, CANH_FT_LONG);
            break;
        case 'C':
            if (canh_str_eq_c(k, "CODE"))
                canh_event_add(ev, CANH_STR_LIT("iptables.icmp.code"), v, CANH_FT_LONG);
            break;
        case 'W':
            if (canh_str_eq_c(k, "WINDOW"))
                canh_event_add(ev, CANH_STR_LIT("iptables.tcp.window"), v, CANH_FT_LONG);
            break;
        default: break;
        }
    }
    if (flags.p)
        canh_event_add(ev, CANH_STR_LIT("iptables.tcp.flags"), flags, CANH_FT_KEYWORD);
    if (canh_str_eq_c(canh_event_get(ev, CANH_F_NETWORK_TRANSPORT), "icmpv6"))
        canh_event_set_c(ev, CANH_F_NETWORK_TRANSPORT, "ipv6-icmp");
    canh_str_t src = canh_event_get(ev, CANH_F_SOURCE_IP);
    if (src.p)
        canh_event_add(ev, CANH_STR_LIT("network.type"),
                       canh_str_c(canh_str_chr(src, ':') >= 0 ? "ipv6" : "ipv4"), CANH_FT_KEYWORD);
    canh_prog_fix_fields(ev);
    if (prefix.n)
        canh_event_set(ev, CANH_F_RULE_NAME, prefix);
    canh_event_set_c(ev, CANH_F_EVENT_CATEGORY, "network");
    if (has_word_ci(prefix, "DROP") || has_word_ci(prefix, "BLOCK") ||
        has_word_ci(prefix, "REJECT") || has_word_ci(prefix, "DENY") ||
        has_word_ci(prefix, "DENIED")) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "firewall-drop");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "denied");
    } else if (has_word_ci(prefix, "ACCEPT") || has_word_ci(prefix, "ALLOW") ||
               has_word_ci(prefix, "PASS")) {
        canh_event_set_c(ev, CANH_F_EVENT_ACTION, "firewall-accept");
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "allowed");
    } else {
        canh_event_set_c(ev, CANH_F_EVENT_TYPE, "connection");
    }
    return CANH_OK;
}

int canh_prog_kernel(const canh_decode_t *d, const canh_syslog_hdr_t *h, canh_str_t msg,
                     canh_event_t *ev)
{
    (void)h;
    msg = strip_uptime(msg);
    /* "IN=" at the start or after a space. */
    ptrdiff_t in = canh_str_starts(msg, "IN=") ? 0 : canh_str_find_c(msg, " IN=");
    if (in >= 0 && canh_str_find_c(msg, " SRC=") > in)
        return firewall(msg, in == 0 ? 0 : (size_t)in + 1, ev);
    if (canh_pmod_match(d, CANH_DEC_FIREWALL, 0, msg, ev) < 0)
        return CANH_ENOMATCH;
    canh_event_set_c(ev, CANH_F_EVENT_DATASET, "kernel");
    return CANH_OK;
}
