"""End to end: `canh server` and `canh agent` on loopback, exactly once.

A manager (agent channel on a port picked at run time) and an agent enrolled
with a token; the agent follows a log file the test appends numbered lines
to. The manager and the agent are killed with SIGKILL and restarted while
lines keep coming; in the end every line is in the manager's store exactly
once (the stored documents are read with sqlite3 and compared line by line).
Then: a revoked agent is refused, a wiped and re-enrolled one delivers again,
and a restored copy of an agent's data directory is not stuck. Waits are
bounded polls; no timing is asserted.
"""
import json
import os
import pathlib
import shutil
import signal
import socket
import sqlite3
import subprocess
import time

import pytest

from conftest import CANH


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, data=None, check=True):
    env = dict(os.environ, CANH_DATA=str(data) if data else "")
    r = subprocess.run([CANH] + [str(a) for a in args], capture_output=True, text=True, env=env,
                       timeout=60)
    if check:
        assert r.returncode == 0, "canh %s: %s%s" % (" ".join(map(str, args)), r.stdout, r.stderr)
    return r


def wait_for(pred, timeout=40, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


class Manager:
    def __init__(self, tmp, port):
        self.tmp = pathlib.Path(tmp)
        self.data = self.tmp / "mgr"
        self.port = port
        self.config = self.tmp / "mgr.yml"
        self.config.write_text("server:\n  user: \"\"\n  metrics: \"\"\n  batch_ms: 50\n"
                               "  agent:\n    listen: \"127.0.0.1:%d\"\n" % port)
        self.proc = None
        self.runs = 0

    def start(self):
        old = None
        info = self.data / "server.json"
        if info.exists():
            old = info.read_text()
        self.runs += 1
        self.log = open(self.tmp / ("mgr%d.log" % self.runs), "wb")
        self.proc = subprocess.Popen([CANH, "server", "--config", str(self.config), "--data",
                                      str(self.data), "--foreground"], stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, CANH_DATA=""))

        def up():
            assert self.proc.poll() is None, "manager exited: " + self.log_text()
            return info.exists() and info.read_text() != old and \
                json.loads(info.read_text())["pid"] == self.proc.pid
        wait_for(up, what="server.json")
        assert json.loads(info.read_text())["ports"]["agent"] == self.port

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        return (self.tmp / ("mgr%d.log" % self.runs)).read_text(errors="replace")

    def kill(self, sig=signal.SIGKILL):
        rc = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            rc = self.proc.wait(timeout=60)
        self.log.close()
        return rc

    def token(self, uses=1):
        return run("agents", "token", "create", "--uses", uses, data=self.data).stdout.strip()

    def lines(self):
        """The event.original of every stored event (a list, duplicates kept)."""
        db = sqlite3.connect(str(self.data / "canh.db"), timeout=30)
        try:
            return [json.loads(d)["event"]["original"]
                    for (d,) in db.execute("SELECT doc FROM event ORDER BY id")]
        finally:
            db.close()

    def count(self):
        return int(run("events", "count", data=self.data).stdout.strip())


class Agent:
    def __init__(self, tmp, name, logfile):
        self.tmp = pathlib.Path(tmp)
        self.name = name
        self.data = self.tmp / name
        self.config = self.tmp / (name + ".yml")
        self.config.write_text(
            "agent:\n  batch:\n    delay_ms: 20\n    max_records: 200\n"
            "  collect:\n    logfiles: [\"%s\"]\n    read_from_end: false\n"
            "    inventory_interval: 0\n    netconn_interval: 0\n    fim_interval: 0\n"
            "    dpkg_status: \"\"\n    rpmdb: \"\"\n" % logfile)
        self.proc = None
        self.runs = 0

    def enroll(self, mgr):
        r = run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token",
                mgr.token(), "--name", self.name, "--data", self.data)
        return r.stdout

    def start(self):
        self.runs += 1
        self.log = open(self.tmp / ("%s%d.log" % (self.name, self.runs)), "wb")
        self.proc = subprocess.Popen([CANH, "agent", "--config", str(self.config), "--data",
                                      str(self.data)], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, CANH_DATA=""))

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            rc = self.proc.wait(timeout=60)
        else:
            rc = self.proc.returncode if self.proc else None
        self.log.close()
        return rc

    def status(self):
        try:
            return json.loads((self.data / "agent" / "status.json").read_text())
        except (OSError, ValueError):
            return None

    def drained(self):
        s = self.status()
        return s is not None and s["connected"] and s["spool"]["batches"] == 0 and \
            s["open_records"] == 0


class Feeder:
    """Appends numbered lines to the log file the agent follows."""

    def __init__(self, path, prefix):
        self.path = path
        self.prefix = prefix
        self.n = 0

    def write(self, k):
        with open(self.path, "a") as f:
            for _ in range(k):
                self.n += 1
                f.write("Nov 21 08:00:00 host app[1]: %s %06d\n" % (self.prefix, self.n))

    def expected(self):
        return ["Nov 21 08:00:00 host app[1]: %s %06d" % (self.prefix, i)
                for i in range(1, self.n + 1)]


@pytest.fixture
def env(tmp_path):
    port = free_port()
    mgr = Manager(tmp_path, port)
    started = []

    def agent(name, logname="app.log"):
        a = Agent(tmp_path, name, tmp_path / logname)
        started.append(a)
        return a
    mgr.start()
    yield mgr, agent, tmp_path
    for a in started:
        a.kill(signal.SIGTERM)
    # A clean stop exits 0 (under the sanitizers: no leak, no error).
    assert mgr.kill(signal.SIGTERM) == 0, mgr.log_text()


def test_exactly_once_across_kills(env):
    mgr, new_agent, tmp = env
    feed = Feeder(tmp / "app.log", "exactly-once")
    feed.write(500)
    agent = new_agent("e2e-agent")
    assert "enrolled as agent" in agent.enroll(mgr)
    agent.start()
    wait_for(lambda: mgr.count() >= 500, what="first 500 lines")

    # (a) the manager dies hard and comes back while lines keep coming
    for _ in range(2):
        feed.write(700)
        time.sleep(0.2)
        mgr.kill()
        feed.write(600)
        time.sleep(0.5)
        mgr.start()
        feed.write(300)

    # (b) the agent dies hard and comes back
    for _ in range(2):
        feed.write(700)
        time.sleep(0.15)
        agent.kill()
        feed.write(500)
        agent.start()
        feed.write(300)

    want = feed.expected()
    wait_for(lambda: mgr.count() >= len(want) and agent.drained(), timeout=50,
             what="all %d lines stored" % len(want))
    got = mgr.lines()
    assert len(got) == len(want), "stored %d, sent %d" % (len(got), len(want))
    assert sorted(got) == want

    # The agent's registry entry and delivery streams are there.
    rows = [json.loads(x) for x in run("agents", "list", "--format", "json",
                                       data=mgr.data).stdout.splitlines()]
    assert [r["name"] for r in rows] == ["e2e-agent"]
    assert rows[0]["status"] == "active" and rows[0]["last_addr"] == "127.0.0.1"
    # A clean stop leaves nothing behind in the spool.
    assert agent.kill(signal.SIGTERM) == 0
    assert agent.status()["spool"]["batches"] == 0


def test_revoke_reenroll_restore(env):
    mgr, new_agent, tmp = env
    feed = Feeder(tmp / "app.log", "flow")
    agent = new_agent("host-a")
    agent.enroll(mgr)
    agent.start()
    feed.write(100)
    wait_for(lambda: mgr.count() == 100 and agent.drained(), what="100 lines")

    # Revoked: the connection is dropped and refused; new lines wait.
    run("agents", "revoke", "host-a", data=mgr.data)
    wait_for(lambda: (agent.status() or {}).get("uplink", {}).get("refused", 0) > 0,
             what="the agent refused")
    feed.write(50)
    time.sleep(1.5)
    assert mgr.count() == 100
    assert agent.kill(signal.SIGTERM) == 0
    assert agent.status()["spool"]["records"] + agent.status()["open_records"] == 50

    # Reinstalled: data directory wiped, enrolled again under the same name
    # (same registry row, new credential): everything in the file flows.
    shutil.rmtree(agent.data)
    agent.enroll(mgr)
    agent.start()
    wait_for(lambda: mgr.count() == 250 and agent.drained(), what="re-enrolled agent delivers")
    rows = [json.loads(x) for x in run("agents", "list", "--format", "json",
                                       data=mgr.data).stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["status"] == "active"

    # A restored snapshot: copy the data directory, let the agent go on,
    # then put the old copy back. Its counters went backwards; it must not
    # be taken for duplicates of what the manager already has.
    assert agent.kill(signal.SIGTERM) == 0
    backup = tmp / "host-a.bak"
    shutil.copytree(agent.data, backup)
    agent.start()
    feed.write(40)
    wait_for(lambda: mgr.count() == 290 and agent.drained(), what="40 more")
    assert agent.kill(signal.SIGTERM) == 0
    shutil.rmtree(agent.data)
    shutil.copytree(backup, agent.data)
    agent.start()
    feed.write(30)
    # The 40 lines are read again (the snapshot's offsets), the 30 new ones
    # arrive: nothing is swallowed as a duplicate.
    wait_for(lambda: mgr.count() >= 290 + 40 + 30 and agent.drained(),
             what="the restored agent delivers")
    got = mgr.lines()
    for line in feed.expected():
        assert line in got
    assert mgr.count() == 360


def test_commands(env):
    mgr, new_agent, tmp = env
    agent = new_agent("cmd-host")
    agent.enroll(mgr)
    agent.start()
    wait_for(agent.drained, what="agent connected")
    target = tmp / "suspect"
    target.mkdir()
    bad = target / "dropper.bin"
    bad.write_bytes(b"not really malware, but listed\n" * 10)
    import hashlib
    lst = tmp / "hashes.txt"
    lst.write_text(hashlib.sha256(bad.read_bytes()).hexdigest() + "  demo-dropper\n")

    ping = run("agents", "command", "cmd-host", "ping", data=mgr.data).stdout.strip()
    scan = run("agents", "command", "cmd-host", "scan", "--hashes", lst, target,
               data=mgr.data).stdout.strip()

    def done():
        rows = [json.loads(x) for x in run("agents", "commands", "--format", "json",
                                           data=mgr.data).stdout.splitlines()]
        by_id = {str(r["id"]): r for r in rows}
        if all(by_id.get(i, {}).get("status") in ("ok", "failed") for i in (ping, scan)):
            return by_id
        return None
    by_id = wait_for(done, what="command results")
    assert by_id[ping]["status"] == "ok" and by_id[ping]["result"]["pong"] is True
    assert by_id[scan]["status"] == "ok", by_id[scan]
    assert by_id[scan]["result"]["detections"] == 1
    # The detection arrived as the alert `canh scan` prints and is stored in
    # the alert table (rule.source malware) with the agent's identity, so
    # `canh alerts list` and `canh malware report` see it.
    def scan_alert():
        for d in alert_docs(mgr):
            a = json.loads(d)
            if a.get("rule", {}).get("source") == "malware" and \
                    a.get("file", {}).get("path") == str(bad):
                return a
        return None
    a = wait_for(scan_alert, what="the detection stored as an alert")
    assert a["agent"]["name"] == "cmd-host" and a["agent"]["id"]
    assert a["malware"]["engine"] == "hash" and a["malware"]["verdict"] == "malicious"
    assert a["file"]["hash"]["sha256"] == hashlib.sha256(bad.read_bytes()).hexdigest()
    assert a["rule"]["level"] == "critical"
    listed = run("alerts", "list", "--format", "json", "--source", "malware",
                 data=mgr.data).stdout
    assert "dropper.bin" in listed

    quar = run("agents", "command", "cmd-host", "quarantine", bad, data=mgr.data).stdout.strip()
    by_id = wait_for(lambda: (done() or {}).get(quar, {}).get("status") in ("ok", "failed")
                     and done(), what="quarantine result")
    assert by_id[quar]["status"] == "ok", by_id[quar]
    assert not bad.exists()
    assert len(by_id[quar]["result"]["quarantine_id"]) == 32


def test_scheduled_scan(env):
    """agent.scan.paths + agent.scan.interval: the agent scans on its own and
    the detections reach the manager's alert table."""
    mgr, new_agent, tmp = env
    import hashlib
    target = tmp / "www"
    target.mkdir()
    bad = target / "shell.php"
    bad.write_bytes(b"<?php /* listed web shell */ ?>\n")
    (target / "clean.txt").write_text("nothing to see\n")
    lst = tmp / "sched-hashes.txt"
    lst.write_text(hashlib.sha256(bad.read_bytes()).hexdigest() + "  demo-webshell\n")
    agent = new_agent("sched-host")
    with open(agent.config, "a") as f:
        f.write("  scan:\n    paths: [\"%s\"]\n    hashes: [\"%s\"]\n    interval: 2s\n"
                % (target, lst))
    agent.enroll(mgr)
    agent.start()

    def found():
        for d in alert_docs(mgr):
            a = json.loads(d)
            if a.get("file", {}).get("path") == str(bad):
                return a
        return None
    a = wait_for(found, what="a scheduled scan's detection")
    assert a["agent"]["name"] == "sched-host"
    assert a["malware"]["family"] == "demo-webshell"
    assert not any("clean.txt" in d for d in alert_docs(mgr))


def alert_docs(mgr):
    db = sqlite3.connect(str(mgr.data / "canh.db"), timeout=30)
    try:
        return [d for (d,) in db.execute("SELECT doc FROM alert WHERE rule_source = 'malware'")]
    finally:
        db.close()


def docs(mgr):
    db = sqlite3.connect(str(mgr.data / "canh.db"), timeout=30)
    try:
        return [d for (d,) in db.execute("SELECT doc FROM event")]
    finally:
        db.close()


def test_enroll_refused(env):
    mgr, new_agent, tmp = env
    tok = mgr.token()
    # A token for another manager (pin mismatch) is never sent.
    other = "0" * 32 + tok[32:]
    r = run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token", other,
            "--data", tmp / "x", check=False)
    assert r.returncode == 2 and "does not match the token" in r.stderr
    # A wrong secret is refused by the manager; a used token too.
    bad = tok[:33] + ("A" if tok[33] != "A" else "B") + tok[34:]
    r = run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token", bad,
            "--data", tmp / "x", check=False)
    assert r.returncode == 2 and "refused" in r.stderr
    run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token", tok, "--data",
        tmp / "y")
    r = run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token", tok,
            "--data", tmp / "z", check=False)
    assert r.returncode == 2 and "used up" in r.stderr
    r = run("agent", "enroll", "--manager", "127.0.0.1:%d" % mgr.port, "--token", "nonsense",
            "--data", tmp / "z", check=False)
    assert r.returncode == 2 and "token" in r.stderr
    # Keys are private.
    for f in ("key.pem", "cert.pem", "ca.pem", "agent.json"):
        assert (tmp / "y" / "agent" / f).stat().st_mode & 0o077 == 0
    assert (mgr.data / "pki" / "ca.key").stat().st_mode & 0o077 == 0
