"""End to end: `canh server` on loopback ports the system picks.

Each test writes a configuration (every listener on 127.0.0.1:0), starts the
real daemon in the foreground with a temporary data directory, reads the bound
ports back from DATA/server.json, sends syslog over UDP, TCP (LF and
octet-counted framing) and TLS, and checks what the store, `canh events
count`, `canh alerts list`, `canh status` and /metrics say. Counts are exact:
nothing the server accepted over TCP may be lost, not across a reload, not at
a SIGTERM. Waits are bounded polls; no timing is asserted.
"""
import json
import os
import pathlib
import pwd
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest

from conftest import CANH

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "canh"
SAMPLES = ROOT / "tests" / "fixtures" / "rulepack"
SQLI_RULE = "7740e657-5bf8-4405-8bb6-2d2c9dc2b8a2"
SSH_INVALID_USER_RULE = "57e28005-7fe6-409c-b97a-92be7899b8e2"


def sshd_line(i):
    return ("Nov 21 02:%02d:%02d bastion sshd[%d]: Invalid user u%d from 45.135.%d.%d port 40922"
            % (i // 60 % 60, i % 60, 1000 + i % 50000, i, i // 250 % 250, i % 250 + 1))


def app_line(i):
    return "Nov 21 03:00:00 app1 myapp[7]: message number %d" % i


class Server:
    """A running `canh server --foreground`; stop() sends SIGTERM and waits."""

    def __init__(self, tmp, config_text, data=None, name="canh.yml"):
        self.tmp = pathlib.Path(tmp)
        self.data = pathlib.Path(data) if data else self.tmp / "data"
        self.config = self.tmp / name
        self.config.write_text(config_text)
        self.log = open(self.tmp / "server.log", "wb")
        env = dict(os.environ, CANH_DATA="")
        self.proc = subprocess.Popen([CANH, "server", "--config", str(self.config), "--data",
                                      str(self.data), "--foreground"], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        self.info = None
        deadline = time.time() + 30
        path = self.data / "server.json"
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited %d: %s" % (self.proc.returncode,
                                                               self.log_text()))
            if path.exists():
                try:
                    self.info = json.loads(path.read_text())
                    break
                except ValueError:
                    pass  # being renamed into place
            time.sleep(0.05)
        assert self.info, "no server.json after 30 s: " + self.log_text()
        self.ports = self.info["ports"]

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        return (self.tmp / "server.log").read_text(errors="replace")

    def run(self, *args):
        env = dict(os.environ, CANH_DATA=str(self.data))
        return subprocess.run([CANH] + list(args), capture_output=True, text=True, env=env,
                              timeout=120)

    def events(self, *extra):
        r = self.run("events", "count", *extra)
        assert r.returncode == 0, r.stderr
        return int(r.stdout.strip())

    def wait_events(self, want, timeout=40):
        deadline = time.time() + timeout
        n = -1
        while time.time() < deadline:
            n = self.metric("canh_stored_total")
            if n >= want:
                break
            time.sleep(0.1)
        return n

    def metrics(self):
        url = "http://127.0.0.1:%d/metrics" % self.ports["metrics"]
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def metric(self, name):
        for line in self.metrics().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
        raise AssertionError("no metric " + name)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=60)
        self.log.close()
        return rc


def config(extra="", rules=(PACK,), tcp=True, udp=True):
    lines = ["server:", "  user: \"\"", "  metrics: \"127.0.0.1:0\"", "  syslog:"]
    if udp:
        lines.append("    udp: \"127.0.0.1:0\"")
    if tcp:
        lines.append("    tcp: \"127.0.0.1:0\"")
    lines += ["time:", "  zone: UTC", "detect:", "  rules:"]
    lines += ["    - \"%s\"" % r for r in rules]
    return "\n".join(lines) + "\n" + extra


@pytest.fixture
def server(tmp_path):
    started = []

    def start(text=None, **kw):
        s = Server(tmp_path, text if text is not None else config(), **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.stop(signal.SIGKILL)


def tcp_send(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(payload)


def octet(msg):
    b = msg.encode()
    return b"%d %s" % (len(b), b)


def test_udp_tcp_framings_alerts_metrics(server):
    s = server()
    # TCP, LF framing: sshd lines that raise the built-in "invalid user" rule
    tcp_send(s.ports["tcp"], "".join(sshd_line(i) + "\n" for i in range(300)).encode())
    # TCP, octet counting (RFC 6587 3.4.1), with syslog headers
    tcp_send(s.ports["tcp"], b"".join(octet("<14>" + app_line(i)) for i in range(200)))
    # web attack lines through TCP too
    sqli = [ln for ln in (SAMPLES / "web_sql_injection.pos.log").read_text().splitlines() if ln]
    tcp_send(s.ports["tcp"], ("\n".join(sqli) + "\n").encode())
    # UDP, one record per datagram; a few hundred on loopback fit the socket buffer
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(100):
        u.sendto(("<13>" + app_line(1000 + i)).encode(), ("127.0.0.1", s.ports["udp"]))
    u.close()
    total = 300 + 200 + len(sqli) + 100
    assert s.wait_events(total) == total, s.log_text()
    assert s.events() == total
    assert s.events("--dataset", "sshd") == 300
    assert s.events("--since", "2000-01-01") == total

    m = s.metrics()
    assert 'canh_received_total{transport="tcp"} %d\n' % (500 + len(sqli)) in m
    assert 'canh_received_total{transport="udp"} 100\n' in m
    assert "canh_decoded_total %d\n" % total in m
    assert 'canh_dropped_total{cause="udp_queue_full"} 0\n' in m
    assert "canh_store_batch_seconds_count" in m

    # alerts: every sshd line once, and the SQL injection rule
    r = s.run("alerts", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    alerts = [json.loads(x) for x in r.stdout.splitlines()]
    ids = [a["rule"]["id"] for a in alerts]
    assert ids.count(SSH_INVALID_USER_RULE) == 300
    assert ids.count(SQLI_RULE) == len(sqli)
    first = next(a for a in alerts if a["rule"]["id"] == SSH_INVALID_USER_RULE)
    assert first["source"]["ip"].startswith("45.135.")
    assert first["log"]["source"]["address"] == "127.0.0.1"
    r = s.run("alerts", "list", "--source", "sigma", "--limit", "3")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 4  # header + 3

    # status, as a table and as JSON
    r = s.run("status", "--format", "json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["decoded"] == total and st["stored"]["events"] == total
    assert st["ports"]["tcp"] == s.ports["tcp"]
    assert st["engine"]["rules"] > 20
    r = s.run("status")
    assert r.returncode == 0 and "stored" in r.stdout and "dropped" in r.stdout

    assert s.stop() == 0
    assert not (s.data / "server.json").exists()
    r = s.run("status")
    assert r.returncode == 1 and "no server running" in r.stderr


def make_cert(tmp):
    key, crt = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(crt), "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return key, crt


def test_tls(server, tmp_path):
    key, crt = make_cert(tmp_path)
    extra = ("server.syslog.tls: \"127.0.0.1:0\"\nserver.tls.cert: \"%s\"\n"
             "server.tls.key: \"%s\"\n" % (crt, key))
    s = server(config(extra, udp=False, tcp=False))
    assert s.ports["tls"] > 0 and s.ports["tcp"] == 0
    ctx = ssl.create_default_context(cafile=str(crt))
    with socket.create_connection(("127.0.0.1", s.ports["tls"]), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as t:
            # RFC 5425: octet-counted frames; a few LF-framed lines too
            t.sendall(b"".join(octet("<38>" + sshd_line(i)) for i in range(150)))
            t.sendall("".join(app_line(i) + "\n" for i in range(50)).encode())
    assert s.wait_events(200) == 200, s.log_text()
    assert 'canh_received_total{transport="tls"} 200\n' in s.metrics()
    assert s.stop() == 0
    assert s.events("--dataset", "sshd") == 150


class Sender(threading.Thread):
    """Keeps sending numbered lines over one TCP connection, in small bursts."""

    def __init__(self, port, total, burst=500):
        super().__init__(daemon=True)
        self.port, self.total, self.burst = port, total, burst
        self.sent = 0
        self.error = None

    def run(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
                while self.sent < self.total:
                    n = min(self.burst, self.total - self.sent)
                    s.sendall("".join(app_line(self.sent + i) + "\n"
                                      for i in range(n)).encode())
                    self.sent += n
                    time.sleep(0.01)
        except OSError as e:
            self.error = e


def test_reload_new_rules_while_sending(server, tmp_path):
    # start with the Linux rules only; a web attack raises nothing yet
    s = server(config(rules=(PACK / "linux",), udp=False))
    sqli = [ln for ln in (SAMPLES / "web_sql_injection.pos.log").read_text().splitlines() if ln]
    tcp_send(s.ports["tcp"], (sqli[0] + "\n").encode())
    assert s.wait_events(1) == 1
    sender = Sender(s.ports["tcp"], 40000)
    sender.start()
    # point detect.rules at a new directory (a copy of the whole pack) and reload
    newdir = tmp_path / "rules-v2"
    shutil.copytree(PACK, newdir)
    s.config.write_text(config(rules=(newdir,), udp=False))
    for _ in range(2):
        r = s.run("server", "reload")
        assert r.returncode == 0, r.stderr + s.log_text()
        assert "reloaded" in r.stdout
    # a broken rules path: the reload fails, the old rules stay
    s.config.write_text(config(rules=(tmp_path / "missing",), udp=False))
    r = s.run("server", "reload")
    assert r.returncode == 2 and "failed" in r.stderr
    sender.join(timeout=120)
    assert sender.error is None and sender.sent == 40000
    tcp_send(s.ports["tcp"], (sqli[0] + "\n").encode())
    total = 1 + 40000 + 1
    assert s.wait_events(total) == total, s.log_text()
    assert s.metric("canh_reloads_total") == 2
    assert s.metric("canh_reload_failures_total") == 1
    assert s.stop() == 0
    assert s.events() == total
    r = s.run("alerts", "list", "--format", "json")
    ids = [json.loads(x)["rule"]["id"] for x in r.stdout.splitlines()]
    assert ids.count(SQLI_RULE) == 1  # only the line sent after the reload


def received(s):
    for line in s.metrics().splitlines():
        if line.startswith('canh_received_total{transport="tcp"}'):
            return int(line.split()[1])
    return 0


def test_sigterm_drains(server):
    s = server(config(udp=False))
    n = 60000
    payload = "".join(sshd_line(i) + "\n" for i in range(n)).encode()
    tcp_send(s.ports["tcp"], payload)
    # Stop as soon as the listener has queued every record: most of them
    # are still in the input queue, the workers or the open transaction.
    # (Bytes a sender wrote that the server never read from its socket are
    # not "received"; syslog over TCP has no acknowledgement.)
    deadline = time.time() + 30
    while received(s) < n and time.time() < deadline:
        time.sleep(0.005)
    assert s.stop() == 0, s.log_text()
    assert "stopped" in s.log_text()
    assert s.run("events", "count").stdout.strip() == str(n)
    r = s.run("alerts", "list", "--format", "json")
    assert len(r.stdout.splitlines()) == n


def test_backpressure_small_queue(server):
    # a queue far smaller than the burst: TCP senders are slowed, nothing is lost
    s = server(config(udp=False) + "server.queue: 256\nserver.batch_rows: 500\n")
    senders = [Sender(s.ports["tcp"], 15000, burst=3000) for _ in range(3)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=120)
        assert t.error is None
    assert s.wait_events(45000) == 45000, s.log_text()
    m = s.metrics()
    assert 'canh_queue_capacity{queue="input"} 256\n' in m
    assert s.stop() == 0


def test_privileges(server):
    if os.geteuid() != 0:
        # not root: server.user is not used, the server runs as us
        s = server(config(udp=False).replace('user: ""', 'user: "canh"'))
        assert s.info["user"] == pwd.getpwuid(os.geteuid()).pw_name
        assert "not started as root" in s.log_text()
        assert s.stop() == 0
        return
    # root: switch to an unprivileged account that exists everywhere; the
    # data directory (outside the 0700 pytest tree) is handed to it
    nobody = pwd.getpwnam("nobody")
    data = pathlib.Path(tempfile.mkdtemp(prefix="canh-priv-"))
    data.chmod(0o755)  # like /var/lib: the account must reach its directory
    try:
        s = server(config(udp=False).replace('user: ""', 'user: "nobody"'), data=data / "d")
        assert s.info["user"] == "nobody"
        status = pathlib.Path("/proc/%d/status" % s.proc.pid).read_text()
        uid_line = next(ln for ln in status.splitlines() if ln.startswith("Uid:"))
        assert uid_line.split()[1:] == [str(nobody.pw_uid)] * 4
        assert (data / "d" / "canh.db").stat().st_uid == nobody.pw_uid
        tcp_send(s.ports["tcp"], "".join(sshd_line(i) + "\n" for i in range(100)).encode())
        assert s.wait_events(100) == 100, s.log_text()
        assert s.stop() == 0
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_config_errors(canh, tmp_path):
    cfg = tmp_path / "short.yml"
    cfg.write_text("retention:\n  max_age_days: 7\nserver:\n  metrics: \"127.0.0.1:0\"\n")
    r = canh("server", "--config", str(cfg), "--foreground")
    assert r.rc == 2
    assert "retention.max_age_days: 7 is under the 30 days" in r.err
    # the shipped default configuration passes the checker
    r = canh("config", "check", str(ROOT / "etc" / "canh.yml"))
    assert r.rc == 0, r.err
    r = canh("config", "check", str(ROOT / "etc" / "agent.yml"))
    assert r.rc == 0, r.err
    # no server for this data directory
    r = canh("server", "reload")
    assert r.rc == 2 and "no server running" in r.err
    r = canh("status")
    assert r.rc == 1
    # the readers do not create a store
    r = canh("events", "count")
    assert r.rc == 0 and r.out.strip() == "0"
    assert not (canh.data / "canh.db").exists()


def test_retention_by_size(server):
    # a store capped at 2 MiB: the first stored events go, the newest stay
    s = server(config(udp=False) + "retention:\n  max_size: 2MiB\n  interval: 1s\n")
    n = 10000
    tcp_send(s.ports["tcp"], "".join(app_line(i) + "\n" for i in range(n)).encode())
    assert s.wait_events(n) == n
    deadline = time.time() + 40
    deleted = 0
    while time.time() < deadline:
        deleted = [int(ln.split()[1]) for ln in s.metrics().splitlines()
                   if ln.startswith('canh_retention_deleted_total{kind="event"}')][0]
        if deleted > 0 and s.events() + deleted == n:
            break
        time.sleep(0.2)
    assert 0 < deleted < n
    assert s.stop() == 0
    left = s.events()
    assert left + deleted == n
    # the last line sent is among the survivors
    con = sqlite3.connect(str(s.data / "canh.db"))
    (doc,) = con.execute("SELECT doc FROM event ORDER BY id DESC LIMIT 1").fetchone()
    con.close()
    assert "message number %d" % (n - 1) in doc
