"""End to end: `canh scan` with hash lists, ClamAV databases and YARA rules.

The malware test files are made at run time: the EICAR string, the files of
Debian's clamav-testfiles package (their hashes computed here), and files
built to satisfy a handful of signature-base YARA rules."""
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess

import pytest

from conftest import CORPORA

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
CLAM_DIR = "/usr/share/clamav-testfiles"
SIGBASE = os.path.join(CORPORA, "signature-base", "yara")

# Signature-base rules and what a file needs to match them: (file, rule,
# needs "MZ" at offset 0, [(bytes as YARA reads the literal, modifiers)]).
# Every listed string is put in, NUL-delimited (so `fullword` holds), in
# each encoding its modifiers name; the files stay far below the rules'
# filesize bounds.
YARA_CASES = [
    ("apt_apt28.yar", "APT28_SourFace_Malware1", True,
     [(b"coreshell.dll", "wide"), (b"Core Shell Runtime Service", "wide"),
      (b"\\chkdbg.log", "wide")]),
    ("apt_backspace.yar", "apt_backspace", True,
     [(b"!! Use Splice Socket !!", "ascii"),
      (b"User-Agent: SJZJ (compatible; MSIE 6.0; Win32)", "ascii"),
      (b"g_nAV=%d,hWnd:0x%X,className:%s,Title:%s,(%d,%d,%d,%d),BOOL=%d", "ascii")]),
    ("apt_codoso.yar", "Codoso_PGV_PVID_5", True,
     [(b"/c del %s >> NUL", "ascii"), (b"%s%s.manifest", "ascii")]),
    ("apt_cobaltstrike_evasive.yar", "CobaltStrike_Unmodifed_Beacon", False,
     [(b"ReflectiveLoader", "ascii"), (b"beacon.dll", "ascii")]),
    ("apt_eqgrp.yar", "EQGRP_MixText", False, [(b"BinStore enabled implants.", "ascii")]),
    ("apt_blackenergy.yar", "BlackEnergy_VBS_Agent", False,
     [(b'WshShell.Run "dropbear.exe -r rsa -d dss -a -p 6789", 0, false', "ascii"),
      (b'WshShell.CurrentDirectory = "C:\\WINDOWS\\TEMP\\Dropbear\\"', "ascii")]),
]


def yara_sample(mz, strings):
    out = bytearray(b"MZ" + b"\0" * 62 if mz else b"#\n")
    for text, mods in strings:
        if "ascii" in mods:
            out += b"\0" + text + b"\0"
        if "wide" in mods:
            out += b"\0\0" + text.decode("latin-1").encode("utf-16-le") + b"\0\0"
    return bytes(out)


def clam_files():
    if not os.path.isdir(CLAM_DIR):
        pytest.skip("clamav-testfiles is not installed")
    return sorted(os.path.join(CLAM_DIR, f) for f in os.listdir(CLAM_DIR)
                  if os.path.isfile(os.path.join(CLAM_DIR, f)))


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def detections(res):
    return [d for d in res.json_lines()]


def by_path(lines):
    out = {}
    for d in lines:
        out.setdefault(d["file"]["path"], []).append(d)
    return out


@pytest.fixture
def eicar(tmp_path):
    d = tmp_path / "tree"
    (d / "sub").mkdir(parents=True)
    p = d / "sub" / "eicar.com"
    p.write_bytes(EICAR)
    (d / "clean.txt").write_text("nothing to see\n")
    h = tmp_path / "eicar.sha256"
    h.write_text("# the EICAR test file\n%s  eicar.com\n" % hashlib.sha256(EICAR).hexdigest())
    return d, p, h


def test_eicar_by_sha256(canh, eicar):
    tree, p, h = eicar
    r = canh("scan", "--hashes", str(h), "--jobs", "2", str(tree))
    assert r.rc == 1, r.err
    lines = detections(r)
    assert len(lines) == 1
    d = lines[0]
    assert d["file"]["path"] == str(p)
    assert d["file"]["name"] == "eicar.com"
    assert d["file"]["size"] == len(EICAR)
    assert d["file"]["hash"]["sha256"] == hashlib.sha256(EICAR).hexdigest()
    assert d["file"]["hash"]["md5"] == hashlib.md5(EICAR).hexdigest()
    assert d["file"]["hash"]["sha1"] == hashlib.sha1(EICAR).hexdigest()
    assert d["event"]["kind"] == "alert"
    assert d["event"]["category"] == "malware"
    assert d["event"]["dataset"] == "canh.scan"
    assert d["event"]["module"] == "canh"
    assert d["malware"]["engine"] == "hash"
    assert d["malware"]["verdict"] == "malicious"
    assert d["malware"]["list"] == str(h)
    assert d["rule"]["source"] == "malware"
    assert d["rule"]["level"] == "critical"
    assert d["rule"]["id"].startswith("malware:hash:")
    assert d["rule"]["name"] == d["malware"]["signature"]
    assert d["host"]["name"]
    assert "@timestamp" in d
    assert "canh scan:" in r.err and "1 detections" in r.err
    # table output and quiet: the same finding, no summary
    r = canh("scan", "--hashes", str(h), "--format", "table", "--quiet", str(tree))
    assert r.rc == 1
    assert str(p) in r.out and "malicious" in r.out
    assert "detections" not in r.err


def test_clamav_testfiles_by_sha256(canh, tmp_path):
    files = clam_files()
    lst = tmp_path / "clam.sha256"
    lst.write_text("".join("%s  %s\n" % (sha256_file(f), os.path.basename(f)) for f in files))
    r = canh("scan", "--hashes", str(lst), "--jobs", "2", CLAM_DIR)
    assert r.rc == 1, r.err
    found = by_path(detections(r))
    missing = [f for f in files if f not in found]
    assert not missing, missing
    for f in files:
        top = [d for d in found[f] if "inner_path" not in d["malware"]]
        assert top and top[0]["file"]["hash"]["sha256"] == sha256_file(f)


def write_hsb(dirpath, files):
    dirpath.mkdir()
    db = dirpath / "canhtest.hsb"
    db.write_text("".join("%s:%d:Canh.Test.%s\n" % (sha256_file(f), os.path.getsize(f),
                                                   os.path.basename(f).replace(".", "_"))
                          for f in files))
    return db


def test_clamav_testfiles_by_hsb(canh, tmp_path):
    files = clam_files()
    db = write_hsb(tmp_path / "db", files)
    r = canh("scan", "--clamav", str(db.parent), "--jobs", "2", CLAM_DIR)
    assert r.rc == 1, r.err
    found = by_path(detections(r))
    # libclamav matches an HTML file by the hash of its normalised form, not
    # of its bytes: clamscan misses that one with this database too.
    missing = [f for f in files if f not in found]
    assert set(missing) <= {os.path.join(CLAM_DIR, "clam.exe.html")}, missing
    assert all(d["malware"]["engine"] == "clamav" for v in found.values() for d in v)
    # The same database through --hashes (the .hsb format is a hash list too).
    r2 = canh("scan", "--hashes", str(db), "--jobs", "2", CLAM_DIR)
    assert r2.rc == 1
    assert set(by_path(detections(r2))) >= set(files)
    clamscan = shutil.which("clamscan")
    if clamscan:
        p = subprocess.run([clamscan, "--no-summary", "-r", "-d", str(db.parent), CLAM_DIR],
                           capture_output=True, text=True, timeout=120)
        theirs = {line.split(":")[0] for line in p.stdout.splitlines()
                  if line.endswith("FOUND")}
        assert theirs == set(found)


@pytest.fixture
def yara_tree(tmp_path):
    if not os.path.isdir(SIGBASE):
        pytest.skip("signature-base corpus not present")
    d = tmp_path / "samples"
    d.mkdir()
    expect = {}
    for i, (rfile, rule, mz, strings) in enumerate(YARA_CASES):
        p = d / ("sample%d.bin" % i)
        p.write_bytes(yara_sample(mz, strings))
        expect[str(p)] = rule
    rules = [os.path.join(SIGBASE, c[0]) for c in YARA_CASES]
    return d, expect, rules


def test_signature_base_rules_fire(canh, yara_tree):
    d, expect, rules = yara_tree
    args = ["scan", "--jobs", "2"]
    for r in rules:
        args += ["--yara", r]
    r = canh(*args, str(d))
    assert r.rc == 1, r.err
    found = by_path(detections(r))
    for path, rule in expect.items():
        names = {x["rule"]["name"] for x in found.get(path, []) if x["malware"]["engine"] == "yara"}
        assert rule in names, (path, rule, names)
        hit = [x for x in found[path] if x["rule"]["name"] == rule][0]
        assert hit["rule"]["id"] == "malware:yara:" + rule
        assert hit["malware"]["list"].endswith(".yar")


def test_clean_usr_bin(canh, tmp_path, yara_tree):
    """No detection on this machine's /usr/bin with every list and rule above."""
    lst = tmp_path / "all.sha256"
    body = hashlib.sha256(EICAR).hexdigest() + "  eicar.com\n"
    if os.path.isdir(CLAM_DIR):
        body += "".join("%s  %s\n" % (sha256_file(f), os.path.basename(f)) for f in clam_files())
    lst.write_text(body)
    _, _, rules = yara_tree
    args = ["scan", "--jobs", "2", "--hashes", str(lst)]
    for r in rules:
        args += ["--yara", r]
    r = canh(*args, "/usr/bin")
    assert r.rc == 0, r.out[:2000] + r.err[-2000:]
    assert r.out == ""
    assert "0 detections" in r.err


def test_quarantine_round_trip(canh, eicar):
    tree, p, h = eicar
    os.chmod(p, 0o640)
    mode = stat.S_IMODE(os.stat(p).st_mode)
    r = canh("scan", "--hashes", str(h), "--quarantine", str(tree))
    assert r.rc == 1, r.err
    d = detections(r)[0]
    qid = d["malware"]["quarantine_id"]
    assert len(qid) == 32
    assert not p.exists()
    # A second scan finds nothing: the file is gone and the quarantine is skipped.
    r = canh("scan", "--hashes", str(h), str(tree), str(canh.data))
    assert r.rc == 0, r.out + r.err
    lst = canh("quarantine", "list", "--format", "json")
    if lst.rc == 2 and "unknown command" in lst.err:
        pytest.skip("canh quarantine is not built yet")
    assert lst.rc == 0, lst.err
    assert qid in lst.out and str(p) in lst.out
    res = canh("quarantine", "restore", qid)
    assert res.rc == 0, res.err
    assert p.read_bytes() == EICAR
    assert stat.S_IMODE(os.stat(p).st_mode) == mode


def test_store(canh, eicar):
    tree, p, h = eicar
    r = canh("scan", "--hashes", str(h), "--store", str(tree))
    assert r.rc == 1, r.err
    line = detections(r)[0]
    lst = canh("alerts", "list", "--format", "json")
    if lst.rc == 0:
        assert line["rule"]["id"] in lst.out and str(p) in lst.out, lst.out
        return
    db = sqlite3.connect(str(canh.data / "canh.db"))
    docs = [json.loads(row[0]) for row in
            db.execute("SELECT doc FROM alert WHERE rule_source = 'malware'")]
    db.close()
    assert any(x.get("rule", {}).get("id") == line["rule"]["id"] and
               x.get("file", {}).get("path") == str(p) for x in docs), docs


def test_intel_hashes_from_store(canh, eicar, tmp_path):
    tree, p, _ = eicar
    feed = tmp_path / "feed.txt"
    feed.write_text(hashlib.sha256(EICAR).hexdigest() + "\n")
    r = canh("intel", "import", "--source", "test-feed", "--kind", "sha256", str(feed))
    assert r.rc == 0, r.err
    r = canh("scan", str(tree))
    assert r.rc == 1, r.err
    d = detections(r)[0]
    assert d["malware"]["list"] == "test-feed"


def test_excludes_and_rejected_lines(canh, eicar, tmp_path):
    tree, p, h = eicar
    bad = tmp_path / "mixed.txt"
    bad.write_text("%s\n12345 not a hash\nzz\n" % hashlib.sha256(EICAR).hexdigest())
    r = canh("scan", "--hashes", str(bad), "--exclude", "sub", str(tree))
    assert r.rc == 0, r.out + r.err
    assert "%s:2:" % bad in r.err and "%s:3:" % bad in r.err
    assert "1 excluded" in r.err
    r = canh("scan", "--hashes", str(bad), "--exclude", "*.com", str(tree))
    assert r.rc == 0
    r = canh("scan", "--hashes", str(bad), str(tree))
    assert r.rc == 1


def test_usage_errors(canh, eicar, tmp_path):
    tree, p, h = eicar
    missing = tmp_path / "no-such-list.txt"
    r = canh("scan", "--hashes", str(missing), str(tree))
    assert r.rc == 2 and str(missing) in r.err
    r = canh("scan", str(tree))
    assert r.rc == 2 and "nothing to scan with" in r.err
    r = canh("scan", "--hashes", str(h), str(tmp_path / "absent"))
    assert r.rc == 2 and "absent" in r.err
    r = canh("scan", "--hashes", str(h), "--jobs", "0", str(tree))
    assert r.rc == 2 and "--jobs" in r.err
    r = canh("scan", "--hashes", str(h), "--max-size", "lots", str(tree))
    assert r.rc == 2 and "--max-size" in r.err
    r = canh("scan", "--hashes", str(h), "--format", "xml", str(tree))
    assert r.rc == 2
    r = canh("scan", "--hashes", str(h))
    assert r.rc == 2
    r = canh("scan", "--bogus", str(tree))
    assert r.rc == 2
    r = canh("scan", "--help")
    assert r.rc == 0 and "--quarantine" in r.out


def test_log4j_finding(canh, eicar, tmp_path):
    import zipfile
    _, _, h = eicar
    d = tmp_path / "app"
    d.mkdir()
    with zipfile.ZipFile(d / "app.jar", "w") as z:
        z.writestr("org/apache/logging/log4j/core/lookup/JndiLookup.class", b"\xca\xfe\xba\xbe")
        z.writestr("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                   "groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n")
    r = canh("scan", "--hashes", str(h), "--quarantine", str(d))
    assert r.rc == 1, r.err
    x = detections(r)[0]
    assert x["event"]["category"] == "vulnerability"
    assert x["rule"]["source"] == "vuln" and x["rule"]["level"] == "high"
    assert x["rule"]["id"] == "malware:log4j:log4j-core"
    assert x["package"] == {"name": "log4j-core", "version": "2.14.1"}
    assert "CVE-2021-44228" in x["vulnerability"]["id"]
    assert x["malware"]["verdict"] == "suspicious"
    # suspicious findings are reported, never moved
    assert "quarantine_id" not in x["malware"]
    assert (d / "app.jar").exists()
