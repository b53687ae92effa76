#!/usr/bin/env python3
"""Builds the mixed tree bench/bench_scan.sh scans, and its hash database.

  gen_scan_tree.py --mb 1000 --seed 1 OUT

OUT/tree/   copies of this machine's regular files from /usr/bin,
            /usr/lib/x86_64-linux-gnu and /usr/share (in sorted order, up to
            70% of --mb), then generated files (fixed seed): text, random
            binaries and zip archives of both (the other 30%), and the
            planted samples: the EICAR file, the clamav-testfiles (when
            installed) and one file per YARA case below, each made to match
            its signature-base rule.
OUT/db/bench.hsb   a ClamAV sha256 hash database: N random digests plus the
            sha256 of every planted sample (HEX:SIZE:NAME lines).
OUT/planted.txt    the planted paths, one a line.
Same arguments, same bytes (the copied system files aside)."""
import argparse
import hashlib
import io
import os
import random
import shutil
import sys
import zipfile

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAM_DIR = "/usr/share/clamav-testfiles"
SOURCES = ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share"]

# The same cases as tests/integration/test_scan.py: (rule, needs MZ, strings).
YARA_CASES = [
    ("APT28_SourFace_Malware1", True,
     [(b"coreshell.dll", "wide"), (b"Core Shell Runtime Service", "wide"),
      (b"\\chkdbg.log", "wide")]),
    ("apt_backspace", True,
     [(b"!! Use Splice Socket !!", "ascii"),
      (b"User-Agent: SJZJ (compatible; MSIE 6.0; Win32)", "ascii"),
      (b"g_nAV=%d,hWnd:0x%X,className:%s,Title:%s,(%d,%d,%d,%d),BOOL=%d", "ascii")]),
    ("Codoso_PGV_PVID_5", True, [(b"/c del %s >> NUL", "ascii"), (b"%s%s.manifest", "ascii")]),
    ("CobaltStrike_Unmodifed_Beacon", False,
     [(b"ReflectiveLoader", "ascii"), (b"beacon.dll", "ascii")]),
    ("EQGRP_MixText", False, [(b"BinStore enabled implants.", "ascii")]),
    ("BlackEnergy_VBS_Agent", False,
     [(b'WshShell.Run "dropbear.exe -r rsa -d dss -a -p 6789", 0, false', "ascii"),
      (b'WshShell.CurrentDirectory = "C:\\WINDOWS\\TEMP\\Dropbear\\"', "ascii")]),
]

WORDS = ("the of and to in is for on that by this with from at as are be or an it was "
         "server client request error warning info debug user session token config file "
         "path value table index cache queue thread worker socket stream buffer packet").split()


def yara_sample(mz, strings):
    out = bytearray(b"MZ" + b"\0" * 62 if mz else b"#\n")
    for text, mods in strings:
        if "ascii" in mods:
            out += b"\0" + text + b"\0"
        if "wide" in mods:
            out += b"\0\0" + text.decode("latin-1").encode("utf-16-le") + b"\0\0"
    return bytes(out)


def copy_system(dst, budget):
    done = 0
    for src in SOURCES:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            if dirpath.startswith(CLAM_DIR):
                continue  # planted separately, under planted/
            for name in sorted(filenames):
                if done >= budget:
                    return done
                p = os.path.join(dirpath, name)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                try:
                    size = os.path.getsize(p)
                    if size > 64 << 20:
                        continue
                    rel = os.path.relpath(p, "/")
                    q = os.path.join(dst, rel)
                    os.makedirs(os.path.dirname(q), exist_ok=True)
                    shutil.copyfile(p, q)
                    done += size
                except OSError:
                    continue
    return done


def text(rng, n):
    out = []
    size = 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16))) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


def generate(dst, budget, rng):
    done = 0
    i = 0
    while done < budget:
        kind = rng.random()
        sub = os.path.join(dst, "gen", "d%02d" % (i % 37))
        os.makedirs(sub, exist_ok=True)
        if kind < 0.45:
            data = text(rng, rng.randint(1 << 10, 256 << 10))
            name = "t%05d.log" % i
        elif kind < 0.85:
            data = rng.randbytes(rng.randint(1 << 10, 4 << 20))
            name = "b%05d.bin" % i
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for k in range(rng.randint(2, 8)):
                    if rng.random() < 0.5:
                        z.writestr("doc%d.txt" % k, text(rng, rng.randint(1 << 10, 128 << 10)))
                    else:
                        z.writestr("blob%d.bin" % k, rng.randbytes(rng.randint(1 << 10, 512 << 10)))
            data = buf.getvalue()
            name = "z%05d.zip" % i
        with open(os.path.join(sub, name), "wb") as f:
            f.write(data)
        done += len(data)
        i += 1
    return done


def plant(dst):
    out = []
    d = os.path.join(dst, "planted")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "eicar.com")
    with open(p, "wb") as f:
        f.write(EICAR)
    out.append(p)
    if os.path.isdir(CLAM_DIR):
        for name in sorted(os.listdir(CLAM_DIR)):
            src = os.path.join(CLAM_DIR, name)
            if os.path.isfile(src) and not os.path.islink(src):
                q = os.path.join(d, name)
                shutil.copyfile(src, q)
                out.append(q)
    for i, (rule, mz, strings) in enumerate(YARA_CASES):
        q = os.path.join(d, "yara-%d-%s.bin" % (i, rule))
        with open(q, "wb") as f:
            f.write(yara_sample(mz, strings))
        out.append(q)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=1000)
    ap.add_argument("--hashes", type=int, default=1000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tree = os.path.join(a.out, "tree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(tree)
    budget = a.mb * 1000 * 1000
    sysb = copy_system(tree, int(budget * 0.7))
    genb = generate(tree, budget - sysb, rng)
    planted = plant(tree)
    with open(os.path.join(a.out, "planted.txt"), "w") as f:
        f.write("".join(p + "\n" for p in planted))
    dbdir = os.path.join(a.out, "db")
    os.makedirs(dbdir, exist_ok=True)
    with open(os.path.join(dbdir, "bench.hsb"), "w") as f:
        for k in range(a.hashes):
            f.write("%s:%d:Bench.Random.%d\n" % (rng.randbytes(32).hex(), rng.randint(1, 1 << 24), k))
        for p in planted:
            with open(p, "rb") as g:
                body = g.read()
            f.write("%s:%d:Bench.Planted.%s\n" % (hashlib.sha256(body).hexdigest(), len(body),
                                                  os.path.basename(p).replace(".", "_")))
    print("tree: %.0f MB copied from /usr, %.0f MB generated, %d planted samples; %d hashes"
          % (sysb / 1e6, genb / 1e6, len(planted), a.hashes + len(planted)), file=sys.stderr)


if __name__ == "__main__":
    main()
