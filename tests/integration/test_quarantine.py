"""canh quarantine list|restore|delete, end to end.

Files are quarantined by `canh scan --hashes LIST --quarantine` (a hash list
holding their SHA-256) and, independently of the scanner, by writing items
in the on-disk format by hand (ID.bin mode 0000 + ID.json), so the CLI is
tested against the format as documented, not only against itself."""
import hashlib
import json
import os
import stat

import pytest


def has_scan_quarantine(canh):
    r = canh("scan", "--help")
    return r.rc == 0 and "--quarantine" in r.out


def make_victim(canh, name="evil.sh", body=b"#!/bin/sh\necho pwned\n", mode=0o750,
                mtime=1500000000):
    d = canh.tmp / "victims"
    d.mkdir(exist_ok=True)
    p = d / name
    p.write_bytes(body)
    os.chmod(p, mode)
    os.utime(p, (mtime + 100, mtime))
    return p


def quarantine_by_scan(canh, path):
    body = path.read_bytes()
    lst = canh.tmp / "list.txt"
    lst.write_text(hashlib.sha256(body).hexdigest() + "  EICAR-like test\n")
    r = canh("scan", "--hashes", str(lst), "--quarantine", str(path))
    assert r.rc == 1, r.err
    assert not path.exists()
    items = list_json(canh)
    assert items, r.err
    return items[-1]["id"]


def list_json(canh):
    r = canh("quarantine", "list", "--format", "json")
    assert r.rc == 0, r.err
    return r.json_lines()


def make_item(canh, orig, body, mode=0o640, mtime_ns=1400000000123456789,
              rule="Hand.Made", item_id="0123456789abcdef0123456789abcdef"):
    """An item written by hand in the documented format."""
    q = canh.data / "quarantine"
    q.mkdir(parents=True, exist_ok=True)
    os.chmod(canh.data, 0o700)
    os.chmod(q, 0o700)
    (q / (item_id + ".bin")).write_bytes(body)
    os.chmod(q / (item_id + ".bin"), 0)
    meta = {
        "format": "canh-quarantine/1", "id": item_id, "original_path": str(orig),
        "uid": os.getuid(), "gid": os.getgid(), "mode": mode, "size": len(body),
        "mtime_ns": mtime_ns, "atime_ns": mtime_ns, "quarantined_ns": 1700000000000000000,
        "sha256": hashlib.sha256(body).hexdigest(), "sha1": hashlib.sha1(body).hexdigest(),
        "md5": hashlib.md5(body).hexdigest(), "method": "copy",
        "detection": {"engine": "hash", "rule": rule, "family": "", "verdict": "malicious"},
    }
    (q / (item_id + ".json")).write_text(json.dumps(meta))
    return item_id


def test_scan_quarantine_list_restore(canh):
    if not has_scan_quarantine(canh):
        pytest.skip("canh scan --quarantine is not available")
    victim = make_victim(canh)
    body = victim.read_bytes()
    qid = quarantine_by_scan(canh, victim)
    assert len(qid) == 32
    q = canh.data / "quarantine"
    assert stat.S_IMODE(os.stat(q).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(q / (qid + ".bin")).st_mode) == 0
    (item,) = list_json(canh)
    assert item["original_path"] == str(victim.resolve())
    assert item["sha256"] == hashlib.sha256(body).hexdigest()
    assert item["md5"] == hashlib.md5(body).hexdigest()
    assert item["size"] == len(body)
    assert item["mode"] == "0750"
    assert item["verdict"] == "malicious"
    assert item["engine"] == "hash"
    table = canh("quarantine", "list")
    assert table.rc == 0
    assert table.out.splitlines()[0].split()[:3] == ["ID", "TIME", "SIZE"]
    assert qid in table.out and str(victim.resolve()) in table.out

    r = canh("quarantine", "restore", qid)
    assert r.rc == 0, r.err
    assert victim.read_bytes() == body
    st = os.stat(victim)
    assert stat.S_IMODE(st.st_mode) == 0o750
    assert st.st_mtime_ns == 1500000000 * 10**9
    assert st.st_uid == os.getuid()
    assert list_json(canh) == []


def test_restore_refuses_overwrite_and_delete(canh):
    if not has_scan_quarantine(canh):
        pytest.skip("canh scan --quarantine is not available")
    victim = make_victim(canh, "dropper.bin", b"MZ\x90\x00" + bytes(range(256)) * 40)
    body = victim.read_bytes()
    qid = quarantine_by_scan(canh, victim)
    victim.write_bytes(b"new clean file")
    r = canh("quarantine", "restore", qid)
    assert r.rc == 2
    assert "--force" in r.err
    assert victim.read_bytes() == b"new clean file"
    alt = canh.tmp / "restored"
    alt.mkdir()
    r = canh("quarantine", "restore", qid, "--to", str(alt))
    assert r.rc == 0, r.err
    assert (alt / "dropper.bin").read_bytes() == body
    qid = quarantine_by_scan(canh, alt / "dropper.bin")
    r = canh("quarantine", "restore", "--force", qid, "--to", str(victim))
    assert r.rc == 0, r.err
    assert victim.read_bytes() == body

    qid = quarantine_by_scan(canh, victim)
    r = canh("quarantine", "delete", qid, "ffffffffffffffffffffffffffffffff")
    assert r.rc == 2
    assert f"{qid}: deleted" in r.out
    assert "no such quarantined item" in r.err
    assert list_json(canh) == []
    assert not victim.exists()
    assert sorted(os.listdir(canh.data / "quarantine")) == []


def test_hand_made_items_and_damage(canh):
    orig = canh.tmp / "files" / "payload.dll"
    orig.parent.mkdir()
    body = b"payload bytes \x00\xff" * 100
    good = make_item(canh, orig, body)
    bad = make_item(canh, orig, b"tampered", item_id="fedcba9876543210fedcba9876543210")
    meta = json.loads((canh.data / "quarantine" / (bad + ".json")).read_text())
    meta["sha256"] = "00" * 32
    (canh.data / "quarantine" / (bad + ".json")).write_text(json.dumps(meta))
    # Hostile metadata beside them: listed items stay, the rest is counted.
    (canh.data / "quarantine" / ("1" * 32 + ".json")).write_text("{broken")
    r = canh("quarantine", "list", "--format", "json")
    assert r.rc == 0
    ids = [i["id"] for i in r.json_lines()]
    assert sorted(ids) == sorted([good, bad])
    assert "1 unreadable" in r.err
    r = canh("quarantine", "restore", bad)
    assert r.rc == 2 and "SHA-256" in r.err
    assert not orig.exists()
    r = canh("quarantine", "restore", good)
    assert r.rc == 0, r.err
    assert orig.read_bytes() == body
    st = os.stat(orig)
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert st.st_mtime_ns == 1400000000123456789
    r = canh("quarantine", "delete", bad, "1" * 32)
    assert r.rc == 0, r.err


def test_usage_errors(canh):
    r = canh("quarantine", "list")
    assert r.rc == 0  # nothing quarantined yet: an empty table
    assert not (canh.data / "quarantine").exists()
    assert canh("quarantine", "restore").rc == 2
    assert canh("quarantine", "restore", "../../etc/passwd").rc == 2
    assert canh("quarantine", "delete").rc == 2
    assert canh("quarantine", "list", "--format", "xml").rc == 2
    r = canh("quarantine")
    assert r.rc == 2 and "quarantine restore" in r.err
    assert canh("quarantine", "restore", "--help").rc == 0
