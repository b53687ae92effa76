"""End to end: canh intel grep - the lines of logs holding a listed IP address.

Exact lines on hand-made inputs (where an address starts and ends, CIDR
edges, IPv6, -v, -c, stdin, gzip, several files, list formats, lists from the
store, exit statuses); then, on generated text dense in near-addresses, canh
against an executable model of its rules (addresses() below), and, when
grepcidr is installed, the model without Canh's one departure against
grepcidr, and canh against grepcidr on a log like the benchmark's."""
import gzip
import ipaddress
import os
import random
import shutil
import socket
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "bench", "gen_grep.py")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def lines(out):
    return out.splitlines()


LIST = """# addresses and networks
1.2.3.4
10.0.0.0/8
192.168.1.0/24
203.0.113.7/32
2001:db8::/32
fe80::1
"""

LOG = """from 1.2.3.4 port 22
1.2.3.4
1.2.3.4 at the start
at the end 1.2.3.4
x1.2.3.4
x1.2.3.4y
1.2.3.4a
1.2.3.4.
1.2.3.4:22
(1.2.3.4)
"1.2.3.4",
[1.2.3.4]
SRC=1.2.3.4,DST=5.6.7.8
1.2.3.40
11.2.3.4
01.2.3.4
1.2.3.04
1.2.3.256
256.1.2.3.4
1.2.3
12a1.2.3.4
9.255.255.255
10.0.0.0
10.255.255.255
11.0.0.0
192.168.0.255
192.168.1.0 and 192.168.2.0
192.168.1.255
203.0.113.6 203.0.113.8
203.0.113.7
2001:db8::1
[2001:db8::1]:443
2001:DB8::A
2001:db8:ffff:ffff:ffff:ffff:ffff:ffff
2001:db7:ffff:ffff:ffff:ffff:ffff:ffff
2001:db9::1
fe80::1%eth0
fe80::2
10:00:00 no address
00:16:3e:12:34:56
src:1.2.3.4
Deny tcp src outside:192.168.1.9/443 dst inside:10.0.0.5/80
nothing here
"""

# The lines of LOG that hold a listed address.
HITS = [
    "from 1.2.3.4 port 22",
    "1.2.3.4",
    "1.2.3.4 at the start",
    "at the end 1.2.3.4",
    "x1.2.3.4",
    "1.2.3.4:22",
    "(1.2.3.4)",
    '"1.2.3.4",',
    "[1.2.3.4]",
    "SRC=1.2.3.4,DST=5.6.7.8",
    "10.0.0.0",
    "10.255.255.255",
    "192.168.1.0 and 192.168.2.0",
    "192.168.1.255",
    "203.0.113.7",
    "2001:db8::1",
    "[2001:db8::1]:443",
    "2001:DB8::A",
    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::1%eth0",
    "src:1.2.3.4",  # grepcidr, with IPv6 listed, takes "c:1.2.3.4" for IPv6
    "Deny tcp src outside:192.168.1.9/443 dst inside:10.0.0.5/80",
]


@pytest.fixture
def files(canh):
    return write(canh.tmp / "list.txt", LIST), write(canh.tmp / "log.txt", LOG)


def test_where_addresses_start_and_end(canh, files):
    lst, log = files
    r = canh("intel", "grep", "--list", lst, log)
    assert r.rc == 1, r.err
    assert lines(r.out) == HITS
    assert r.err == ""


def test_invert_and_count(canh, files):
    lst, log = files
    v = canh("intel", "grep", "-v", "--list", lst, log)
    assert v.rc == 1
    assert lines(v.out) == [l for l in lines(LOG) if l not in HITS]
    assert "nothing here" in lines(v.out)  # lines without any address too
    c = canh("intel", "grep", "-c", "--list", lst, log)
    assert c.rc == 1 and c.out == "%d\n" % len(HITS)
    cv = canh("intel", "grep", "-c", "-v", "--list", lst, log)
    assert cv.out == "%d\n" % (len(lines(LOG)) - len(HITS))


def test_exit_status_follows_the_canh_contract(canh, files):
    lst, log = files
    none = write(canh.tmp / "clean.log", "8.8.8.8\nnothing\n")
    assert canh("intel", "grep", "--list", lst, log).rc == 1  # found: 1
    r = canh("intel", "grep", "--list", lst, none)
    assert (r.rc, r.out) == (0, "")  # nothing: 0
    r = canh("intel", "grep", "-c", "--list", lst, none)
    assert (r.rc, r.out) == (0, "0\n")
    r = canh("intel", "grep", "--list", lst, str(canh.tmp / "missing.log"))
    assert r.rc == 2 and "missing.log" in r.err
    # an unreadable file among others: the rest is searched, the status is 2
    r = canh("intel", "grep", "--list", lst, str(canh.tmp / "missing.log"), log)
    assert r.rc == 2 and len(lines(r.out)) == len(HITS)
    r = canh("intel", "grep", "--list", str(canh.tmp / "nolist.txt"), log)
    assert r.rc == 2 and "nolist.txt" in r.err
    r = canh("intel", "grep", "--bogus", "--list", lst, log)
    assert r.rc == 2
    r = canh("intel", "grep", "--list", lst, "--source", "x", log)
    assert r.rc == 2 and "--source" in r.err
    h = canh("intel", "grep", "--help")
    assert h.rc == 0 and "Exit status" in h.out and "1 if a line was" in h.out


def test_stdin_gzip_and_last_line_without_newline(canh, files):
    lst, log = files
    r = canh("intel", "grep", "--list", lst, stdin="a 10.1.1.1\nb 8.8.8.8\nc 1.2.3.4")
    assert r.rc == 1
    assert r.out == "a 10.1.1.1\nc 1.2.3.4\n"
    r = canh("intel", "grep", "--list", lst, "-", stdin="10.9.9.9\n")
    assert r.out == "10.9.9.9\n"
    gz = canh.tmp / "log.txt.gz"
    with gzip.open(gz, "wb") as f:
        f.write(LOG.encode())
    # two members, as `gzip -c a >> f; gzip -c b >> f` writes
    with open(gz, "ab") as f:
        f.write(gzip.compress(b"late 10.2.2.2\n"))
    r = canh("intel", "grep", "--list", lst, str(gz))
    assert r.rc == 1
    assert lines(r.out) == HITS + ["late 10.2.2.2"]
    bad = canh.tmp / "bad.gz"
    bad.write_bytes(gzip.compress(LOG.encode())[:200])
    r = canh("intel", "grep", "--list", lst, str(bad))
    assert r.rc == 2 and "bad.gz" in r.err


def test_crlf_and_long_lines(canh, files):
    lst, _ = files
    crlf = canh.tmp / "crlf.log"
    crlf.write_bytes(b"a 1.2.3.4\r\nb 8.8.8.8\r\n")
    p = subprocess.run([os.environ.get("CANH_BIN", "canh"), "intel", "grep", "--list", lst,
                        str(crlf)], capture_output=True)
    assert p.returncode == 1 and p.stdout == b"a 1.2.3.4\r\n"
    # longer than the first read buffer (4 MiB): the buffer grows
    long = "x" * (9 << 20)
    log = write(canh.tmp / "long.log", "short 8.8.8.8\n%s 10.3.3.3\nafter 1.2.3.4\n" % long)
    r = canh("intel", "grep", "-c", "--list", lst, log)
    assert r.out == "2\n"


def test_several_files_are_named(canh, files):
    lst, log = files
    other = write(canh.tmp / "other.log", "8.8.8.8\n10.7.7.7 x\n")
    r = canh("intel", "grep", "--list", lst, log, other)
    assert r.rc == 1
    out = lines(r.out)
    assert out[:2] == [log + ":" + HITS[0], log + ":" + HITS[1]]
    assert out[-1] == other + ":10.7.7.7 x"
    r = canh("intel", "grep", "--no-filename", "--list", lst, log, other)
    assert lines(r.out) == HITS + ["10.7.7.7 x"]
    r = canh("intel", "grep", "-c", "--list", lst, log, other)
    assert r.out == "%d\n" % (len(HITS) + 1)  # one total, as grepcidr


def test_list_formats_drop_and_csv(canh):
    drop = write(canh.tmp / "drop.txt",
                 "; Spamhaus DROP List 2026/11/21 - (c) 2026 The Spamhaus Project\n"
                 "; Last-Modified: Sat, 21 Nov 2026 00:00:00 GMT\n"
                 "1.10.16.0/20 ; SBL256894\n"
                 "2.56.192.0/22 ; SBL459831\n")
    csvl = write(canh.tmp / "botnet.csv",
                 "AttackerIP,NetworkName,AttackOn\n"
                 "203.0.113.10,Mirai,2026-11-01 10:00:00\n"
                 "2001:db8:abcd::5,Mozi,2026-11-02 00:00:00\n"
                 "300.1.2.3,Bad,2026-11-02\n")
    mixed = write(canh.tmp / "iocs.csv",
                  "indicator,threat\n"
                  "evil.example.com,phishing\n"
                  "8.8.8.8,c2\n")
    log = write(canh.tmp / "fw.log",
                "SRC=1.10.31.255 DST=10.0.0.1\n"
                "SRC=1.10.32.0 DST=10.0.0.1\n"
                "SRC=2.56.195.1 DST=10.0.0.1\n"
                "SRC=203.0.113.10 DST=10.0.0.1\n"
                "SRC=2001:db8:abcd::5 DST=2001:db8::1\n"
                "GET http://evil.example.com/ from 8.8.8.8\n")
    r = canh("intel", "grep", "--list", drop, log)
    assert r.rc == 1, r.err
    assert lines(r.out) == ["SRC=1.10.31.255 DST=10.0.0.1", "SRC=2.56.195.1 DST=10.0.0.1"]
    r = canh("intel", "grep", "--list", csvl, log)
    assert r.rc == 1
    assert lines(r.out) == ["SRC=203.0.113.10 DST=10.0.0.1",
                            "SRC=2001:db8:abcd::5 DST=2001:db8::1"]
    assert "botnet.csv:4: rejected:" in r.err  # 300.1.2.3
    r = canh("intel", "grep", "--list", mixed, log)
    assert r.rc == 1
    assert lines(r.out) == ["GET http://evil.example.com/ from 8.8.8.8"]
    assert "iocs.csv: ignored 1 non-IP indicator(s)" in r.err  # the domain
    r = canh("intel", "grep", "--list", drop, "-f", csvl, log)
    assert len(lines(r.out)) == 4
    empty = write(canh.tmp / "names.txt", "evil.example.com\n")
    r = canh("intel", "grep", "--list", empty, log)
    assert r.rc == 2 and "no IP addresses or CIDRs" in r.err


def test_lists_from_the_store(canh, files):
    _, log = files
    r = canh("intel", "grep", log)
    assert r.rc == 2 and "no store" in r.err
    a = write(canh.tmp / "a.txt", "1.2.3.4\nevil.example.com\n")
    b = write(canh.tmp / "b.txt", "10.0.0.0/8\n")
    assert canh("intel", "import", "--source", "feed-a", a).rc == 0
    assert canh("intel", "import", "--source", "feed-b", b).rc == 0
    r = canh("intel", "grep", log)
    assert r.rc == 1, r.err
    both = [l for l in HITS if "1.2.3.4" in l or "10.0." in l or "10.255." in l]
    assert lines(r.out) == both
    ten = ["10.0.0.0", "10.255.255.255",
           "Deny tcp src outside:192.168.1.9/443 dst inside:10.0.0.5/80"]
    r = canh("intel", "grep", "--source", "feed-b", log)
    assert lines(r.out) == ten
    r = canh("intel", "grep", "--source", "feed-b", "--source", "feed-a", "-c", log)
    assert r.out == "%d\n" % len(both)
    r = canh("intel", "grep", "--source", "nope", log)
    assert r.rc == 2 and 'source "nope"' in r.err
    # --data names the directory explicitly
    r = canh("intel", "grep", "--data", str(canh.data), "--source", "feed-b", log, data_dir=False)
    assert r.rc == 1 and lines(r.out) == ten


# ---- the same lines as grepcidr --------------------------------------------------

GREPCIDR = shutil.which("grepcidr")
needs_grepcidr = pytest.mark.skipif(not GREPCIDR, reason="grepcidr is not installed")


def compare(canh, lst, log, modes=(("", ""), ("-c", "-c"), ("-v", "-i"))):
    for cflag, gflag in modes:
        args = ["intel", "grep"] + ([cflag] if cflag else []) + ["--list", lst, log]
        c = subprocess.run([os.environ.get("CANH_BIN", "canh")] + args, capture_output=True)
        g = subprocess.run([GREPCIDR] + ([gflag] if gflag else []) + ["-f", lst, log],
                           capture_output=True)
        assert c.returncode in (0, 1), c.stderr
        assert c.stdout == g.stdout, (cflag, log)
        # found: canh 1, grepcidr 0
        assert (c.returncode == 1) == (g.returncode == 0)


@needs_grepcidr
def test_same_lines_as_grepcidr_on_a_generated_log(canh):
    out = canh.tmp / "gen"
    subprocess.run([sys.executable, GEN, "--entries", "3000", "--lines", "30000", "--match",
                    "0.05", "--seed", "7", str(out)], check=True)
    compare(canh, str(out / "list.txt"), str(out / "log.txt"))


# ---- the rules as a model ----------------------------------------------------------

V4F = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
V6F = V4F | {ord(":")}
DIG = frozenset(b"0123456789")
XDIG = frozenset(b"0123456789abcdefABCDEF")
DOT, COLON = ord("."), ord(":")


def addresses(line, v4, v6, give_back):
    """The addresses in line (bytes) as grepcidr 2.0's walk finds them
    (give_back False) or as canh's does (True: an IPv6 field that is not an
    address gives back what follows its last colon before its first dot).
    inet_pton is libc's, as both programs use it."""
    n, p, found = len(line), 0, []

    def at(i):
        return line[i] if i < n else 0

    def span(i, cls):
        while i < n and line[i] in cls:
            i += 1
        return i

    while p < n:
        c = line[p]
        if v4 and c in DIG and DOT in (at(p + 1), at(p + 2), at(p + 3)):
            q = span(p, V4F)
            if q - p <= 15:
                try:
                    found.append(socket.inet_pton(socket.AF_INET, line[p:q].decode()))
                except OSError:
                    pass
            p = q
            continue
        if v6:
            k = 0
            while k < 4 and at(p + k) in XDIG:
                k += 1
            if (c == COLON and at(p + 1) == COLON and at(p + 2) in XDIG) or \
                    (0 < k <= 4 and at(p + k) == COLON):
                q = span(p, V6F)
                field = line[p:q]
                try:
                    if q - p > 45:
                        raise OSError
                    found.append(socket.inet_pton(socket.AF_INET6, field.decode()))
                except OSError:
                    if give_back and b"." in field:
                        q = p + field.rindex(b":", 0, field.index(b".")) + 1
                p = q
                continue
        p += 1
    return found


def selected(lines, entries, give_back):
    nets = [ipaddress.ip_network(e, strict=False) for e in entries]
    v4 = any(net.version == 4 for net in nets)
    v6 = any(net.version == 6 for net in nets)
    out = []
    for line in lines:
        for a in addresses(line.encode(), v4, v6, give_back):
            ip = ipaddress.ip_address(a)
            if any(ip.version == net.version and ip in net for net in nets):
                out.append(line)
                break
    return out


def tricky(rng):
    """Lines dense in near-addresses: bad octets, leading zeros, hex runs,
    colons, dots, letters glued on either side, long fields."""
    def v4():
        return ".".join(str(rng.choice([rng.randint(0, 3), rng.randint(0, 255),
                                        rng.randint(250, 300), "01", "00"]))
                        for _ in range(rng.choice([3, 4, 4, 4, 5])))

    def v6():
        g = ["%x" % rng.choice([rng.randint(0, 3), rng.randint(0, 0xffff)]) for _ in range(8)]
        if rng.random() < 0.6:
            i = rng.randint(0, 6)
            g = g[:i] + [""] + g[rng.randint(i + 1, 8):]
            s = ":".join(g)
            s = (":" + s) if s.startswith(":") else s
            return (s + ":") if s.endswith(":") else s
        return ":".join(g)

    alpha = "0123456789.:abcdefxyzABCF /-=[](),;%\t"
    out = []
    for _ in range(rng.randint(0, 8)):
        r = rng.random()
        if r < 0.3:
            out.append(v4())
        elif r < 0.45:
            out.append(v6())
        elif r < 0.47:  # fields longer than the scanner's 64-byte chunks
            out.append("".join(rng.choice("0123456789abcdef.:x")
                               for _ in range(rng.randint(60, 300))))
        else:
            out.append("".join(rng.choice(alpha) for _ in range(rng.randint(1, 8))))
    # no IPv4-mapped addresses: canh looks them up as IPv4 (a documented
    # difference)
    return "".join(out).replace("ffff", "fffe")


def tricky_case(canh, seed):
    rng = random.Random(seed)
    entries = []
    families = seed % 3  # 0: both, 1: IPv4 only, 2: IPv6 only (the hints differ)
    for _ in range(rng.randint(5, 40)):
        r = rng.random()
        if families == 2 or (families == 0 and r < 0.25):
            entries.append(rng.choice(["0:0:0:%x::/%d" % (rng.randint(0, 3),
                                                          rng.choice([48, 64, 128])),
                                       "%x::/%d" % (rng.randint(0, 3), rng.choice([16, 64]))]))
        elif r < 0.6:
            entries.append("%d.%d.%d.%d" % tuple(rng.randint(0, 3) for _ in range(4)))
        else:
            entries.append("%d.%d.0.0/%d" % (rng.randint(0, 3), rng.randint(0, 3),
                                             rng.choice([8, 16, 24, 30])))
    text = [tricky(rng) for _ in range(3000)]
    lst = write(canh.tmp / "l.txt", "\n".join(entries) + "\n")
    log = write(canh.tmp / "t.log", "\n".join(text) + "\n")
    return entries, text, lst, log


@pytest.mark.parametrize("seed", range(9))
def test_tricky_text_follows_the_rules(canh, seed):
    entries, text, lst, log = tricky_case(canh, seed)
    want = selected(text, entries, give_back=True)
    r = canh("intel", "grep", "--list", lst, log)
    assert r.rc == (1 if want else 0), r.err
    assert lines(r.out) == want
    r = canh("intel", "grep", "-v", "--list", lst, log)
    assert lines(r.out) == [l for l in text if l not in set(want)]
    assert canh("intel", "grep", "-c", "--list", lst, log).out == "%d\n" % len(want)


@needs_grepcidr
@pytest.mark.parametrize("seed", range(9))
def test_the_rules_are_grepcidrs_but_one(canh, seed):
    """The model without the give-back is grepcidr, line for line."""
    entries, text, lst, log = tricky_case(canh, seed)
    g = subprocess.run([GREPCIDR, "-f", lst, log], capture_output=True, text=True)
    assert lines(g.stdout) == selected(text, entries, give_back=False)
