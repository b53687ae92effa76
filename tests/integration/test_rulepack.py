"""End to end: the built-in Sigma rule pack (rules/canh/).

Every single-event rule file rules/canh/<area>/<stem>.yml has two sample files,
tests/fixtures/rulepack/<stem>.pos.log and <stem>.neg.log: raw log lines (web
server access and error logs, syslog, audit.log, Suricata EVE, Zeek, database
logs) that go through Canh's decoders as the daemon would see them. Every
positive line must raise exactly that file's rule, once; no negative line (a
near miss) may raise it. The correlation rules (rules/canh/correlation/, Sigma
2.x `correlation:` documents) are checked for their form and for rule
references that resolve, compile with the whole pack, and the SSH ones are
replayed with brute-force samples; their single-event base rules are tested
like the others on their own (with the whole pack loaded, base rules that
every referencing correlation marks `generate: false` raise no alert).

Rule files are read with regular expressions, not a YAML library, so the test
needs nothing beyond pytest: the pack keeps `id:`, `name:`, `level:` and the
other top-level attributes on lines of their own, as every Sigma rule does.
"""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "canh"
SAMPLES = ROOT / "tests" / "fixtures" / "rulepack"
AREAS = ("web", "linux", "database", "network", "correlation")
LEVELS = ("informational", "low", "medium", "high", "critical")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def top(doc, key):
    """A top-level scalar attribute of a YAML document, or None."""
    m = re.search(r"^%s:[ \t]*(.*?)[ \t]*$" % re.escape(key), doc, re.M)
    if not m:
        return None
    return m.group(1).strip("'\"")


def load_pack():
    """[(path, [document dict])] for every rule file of the pack."""
    files = []
    for path in sorted(PACK.rglob("*.yml")):
        docs = []
        for text in re.split(r"^---[ \t]*$", path.read_text(encoding="utf-8"), flags=re.M):
            if not text.strip():
                continue
            docs.append({
                "text": text,
                "id": top(text, "id"),
                "name": top(text, "name"),
                "title": top(text, "title"),
                "level": top(text, "level"),
                "correlation": re.search(r"^correlation:", text, re.M) is not None,
                "detection": re.search(r"^detection:", text, re.M) is not None,
            })
        files.append((path, docs))
    return files


PACK_FILES = load_pack()
SINGLE_FILES = [(p, d) for p, d in PACK_FILES if any(x["detection"] for x in d)]
ALL_DOCS = [x for _, d in PACK_FILES for x in d]


def flat(obj, prefix=""):
    """Alert JSON -> {dotted.name: value} (the encoder nests ECS names)."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(flat(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def sample_lines(path):
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines, f"{path.name} holds no sample line"
    return lines


def replay(canh, rules, lines):
    r = canh("replay", "--rules", str(rules), "-", stdin="\n".join(lines) + "\n")
    assert r.rc == 0, r.err
    return [flat(a) for a in r.json_lines()]


def ids(files):
    return [str(p.relative_to(PACK)) for p, _ in files]


# ---------------------------------------------------------------- the pack's form


def test_pack_layout():
    assert PACK_FILES, "no rule file under rules/canh"
    for path, _ in PACK_FILES:
        rel = path.relative_to(PACK)
        assert rel.parts[0] in AREAS and len(rel.parts) == 2, f"{rel}: not in rules/canh/<area>/"
    stems = [p.stem for p, _ in PACK_FILES]
    assert len(stems) == len(set(stems)), "rule file names must be unique across areas"
    for path, docs in PACK_FILES:
        in_corr = path.parent.name == "correlation"
        for d in docs:
            assert d["correlation"] or d["detection"], f"{path.name}: neither a rule nor a correlation"
            if d["correlation"]:
                assert in_corr, f"{path.name}: correlation rules belong in rules/canh/correlation/"


def test_ids_and_names_are_unique_uuids():
    seen, names = set(), set()
    for d in ALL_DOCS:
        assert d["id"] and UUID4.match(d["id"]), f"{d['title']}: id {d['id']!r} is not a UUID v4"
        assert d["id"] not in seen, f"duplicate id {d['id']}"
        seen.add(d["id"])
        if d["name"]:
            assert d["name"] not in names, f"duplicate name {d['name']}"
            names.add(d["name"])


@pytest.mark.parametrize("path,docs", PACK_FILES, ids=ids(PACK_FILES))
def test_rule_metadata(path, docs):
    d = docs[0]        # the outermost document carries the metadata
    text = d["text"]
    assert d["title"], path.name
    assert top(text, "status") in ("stable", "test", "experimental"), path.name
    assert top(text, "author") == "Canh project", path.name
    assert top(text, "date") == "2026-11-21", path.name
    assert d["level"] in LEVELS, f"{path.name}: level {d['level']!r}"
    for section in ("description", "references", "tags", "falsepositives"):
        assert re.search(r"^%s:" % section, text, re.M), f"{path.name}: no {section}"
    tags = re.findall(r"^  - (attack\.[a-z0-9_.-]+|cve\.[0-9-]+)$", text, re.M)
    assert any(re.match(r"attack\.t\d{4}", t) for t in tags), f"{path.name}: no ATT&CK technique tag"
    for cve in (t[4:] for t in tags if t.startswith("cve.")):
        assert f"https://nvd.nist.gov/vuln/detail/CVE-{cve}" in text, \
            f"{path.name}: tag cve.{cve} without its NVD reference"


# ------------------------------------------------------------- compile status


def test_single_event_rules_compile_fully(canh):
    r = canh("rules", "check", *(str(p) for p, _ in SINGLE_FILES))
    assert r.rc == 0, r.out + r.err
    n = sum(1 for _, d in SINGLE_FILES for x in d if x["detection"])
    assert f"{n} compiled, 0 failed, 0 partial" in r.out, r.out


def test_whole_pack_check(canh):
    """`canh rules check rules/canh`: every rule, single-event or correlation,
    compiled; none partial."""
    r = canh("rules", "check", str(PACK))
    m = re.search(r"^(\d+) compiled, (\d+) failed, (\d+) partial$", r.out, re.M)
    assert m, r.out + r.err
    compiled, failed, partial = map(int, m.groups())
    assert (failed, partial) == (0, 0), r.out
    assert compiled == len(ALL_DOCS), r.out
    assert r.rc == 0, r.out


def test_correlation_rules_are_well_formed():
    known = {d["id"] for d in ALL_DOCS} | {d["name"] for d in ALL_DOCS if d["name"]}
    corr = [d for d in ALL_DOCS if d["correlation"]]
    assert corr, "no correlation rule in rules/canh/correlation/"
    for d in corr:
        text = d["text"]
        kind = re.search(r"^  type:\s*(\S+)", text, re.M).group(1)
        assert kind in ("event_count", "value_count", "temporal", "temporal_ordered"), d["title"]
        block = re.search(r"^  rules:\n((?:    - .*\n)+)", text, re.M)
        assert block, f"{d['title']}: no rules list"
        for ref in re.findall(r"^    - (\S+)", block.group(1), re.M):
            assert ref in known, f"{d['title']}: rule {ref!r} is not in the pack"
        assert re.search(r"^  group-by:\n    - \S+", text, re.M), d["title"]
        assert re.search(r"^  timespan: \d+[smhd]$", text, re.M), d["title"]
        assert re.search(r"^  generate: (true|false)$", text, re.M), d["title"]
        if kind in ("event_count", "value_count"):
            assert re.search(r"^  condition:\n(    (gt|gte|lt|lte|eq|field): .*\n)+", text, re.M), d["title"]
        if kind == "value_count":
            assert re.search(r"^    field: \S+", text, re.M), d["title"]


# ---------------------------------------------------------------- samples


def test_every_rule_file_has_samples_and_no_sample_is_orphaned():
    wanted = set()
    for path, _ in SINGLE_FILES:
        for kind in ("pos", "neg"):
            sample = SAMPLES / f"{path.stem}.{kind}.log"
            assert sample.is_file(), f"{path.relative_to(PACK)}: missing {sample.name}"
            sample_lines(sample)
            wanted.add(sample.name)
    present = {p.name for p in SAMPLES.glob("*.log")}
    assert present == wanted, f"sample files without a rule file: {sorted(present - wanted)}"
    # files holding only correlation documents need no samples (nothing to replay yet)
    for path, docs in PACK_FILES:
        if all(d["correlation"] for d in docs):
            assert not (SAMPLES / f"{path.stem}.pos.log").exists()


def test_every_single_event_rule_id_is_covered():
    """Cross-check by rule id: every single-event rule of the pack is the only
    rule of a file that has samples, so every id is exercised below."""
    covered = set()
    for path, docs in SINGLE_FILES:
        singles = [d for d in docs if d["detection"]]
        assert len(singles) == 1 and len(docs) == 1, \
            f"{path.name}: one single-event rule per file, so its samples are its own"
        covered.add(singles[0]["id"])
    assert covered == {d["id"] for d in ALL_DOCS if d["detection"]}


@pytest.mark.parametrize("path,docs", SINGLE_FILES, ids=ids(SINGLE_FILES))
def test_positive_samples_alert(canh, path, docs):
    rule = docs[0]
    lines = sample_lines(SAMPLES / f"{path.stem}.pos.log")
    alerts = replay(canh, path, lines)
    got = [(a.get("rule.id"), a.get("rule.level"), a.get("rule.source"), a.get("event.original"))
           for a in alerts]
    want = [(rule["id"], rule["level"], "sigma", line) for line in lines]
    assert got == want


@pytest.mark.parametrize("path,docs", SINGLE_FILES, ids=ids(SINGLE_FILES))
def test_negative_samples_do_not_alert(canh, path, docs):
    lines = sample_lines(SAMPLES / f"{path.stem}.neg.log")
    alerts = replay(canh, path, lines)
    assert alerts == [], [a.get("event.original") for a in alerts]


@pytest.mark.parametrize("path,docs", SINGLE_FILES, ids=ids(SINGLE_FILES))
def test_samples_are_decoded_records(canh, path, docs):
    """Samples are raw log lines that a decoder recognises, not generic or
    partial events: a negative that never reaches the rule's log source would
    prove nothing."""
    for kind in ("pos", "neg"):
        lines = sample_lines(SAMPLES / f"{path.stem}.{kind}.log")
        r = canh("replay", "--format", "events", "-", stdin="\n".join(lines) + "\n")
        assert r.rc == 0, r.err
        events = [flat(e) for e in r.json_lines()]
        assert [e.get("event.original") for e in events] == lines
        for e in events:
            assert e.get("event.dataset") != "generic", e.get("event.original")
            assert "partial" not in (e.get("canh.flags") or []), e.get("event.original")


def silenced_base_rules():
    """Ids of base rules that every correlation referring to them marks
    `generate: false`: with their correlations loaded they raise no alert."""
    refs = {}
    for d in ALL_DOCS:
        if not d["correlation"]:
            continue
        gen = re.search(r"^  generate: true$", d["text"], re.M) is not None
        block = re.search(r"^  rules:\n((?:    - .*\n)+)", d["text"], re.M)
        for ref in re.findall(r"^    - (\S+)", block.group(1), re.M):
            refs.setdefault(ref, []).append(gen)
    out = set()
    for d in ALL_DOCS:
        gens = refs.get(d["id"], []) + (refs.get(d["name"], []) if d["name"] else [])
        if gens and not any(gens):
            out.add(d["id"])
    return out


def test_whole_pack_raises_each_positive(canh):
    """With the whole pack loaded (correlation documents included), every
    positive line still raises its own rule, except base rules silenced by
    `generate: false`, which must raise nothing of their own."""
    silenced = silenced_base_rules()
    assert silenced, "no base rule is silenced by generate: false"
    expect = []
    for path, docs in SINGLE_FILES:
        for line in sample_lines(SAMPLES / f"{path.stem}.pos.log"):
            expect.append((docs[0]["id"], line))
    r = canh("replay", "--rules", str(PACK), "-",
             stdin="\n".join(line for _, line in expect) + "\n")
    assert r.rc == 0, r.err
    raised = {(a.get("rule.id"), a.get("event.original")) for a in map(flat, r.json_lines())}
    missing = [(i, line) for i, line in expect if i not in silenced and (i, line) not in raised]
    assert not missing, missing
    loud = [(i, line) for i, line in raised if i in silenced]
    assert not loud, loud


# ---------------------------------------------------------------- correlation

def ssh_failures(times, ip="203.0.113.7", user="root"):
    """sshd "Failed password" lines at the given (minute, second) offsets."""
    return [f"Nov 21 06:{m:02d}:{s:02d} bastion sshd[{4100 + i}]: Failed password for {user} "
            f"from {ip} port {50100 + i} ssh2" for i, (m, s) in enumerate(times)]


def replay_correlation(canh, lines):
    r = canh("replay", "--timezone", "UTC", "--rules", str(PACK / "correlation"), "-",
             stdin="\n".join(lines) + "\n")
    assert r.rc == 0, r.err
    return [flat(a) for a in r.json_lines()]


def test_correlation_ssh_brute_force_positive(canh):
    """11 failures from one address within five minutes: exactly one
    brute-force alert (at the 10th), with source.ip; the base rule is silent."""
    lines = ssh_failures([(1, 5 * i) for i in range(11)])
    lines.append(ssh_failures([(2, 0)], ip="198.51.100.9")[0])
    alerts = replay_correlation(canh, lines)
    assert [a.get("rule.id") for a in alerts] == ["ca708d5b-4394-4f8e-93a6-f6efa52b196f"], alerts
    a = alerts[0]
    assert a["rule.source"] == "correlation"
    assert a["source.ip"] == "203.0.113.7"
    assert a["canh.correlation.count"] == 10
    assert a["canh.correlation.window"] == 300
    assert a["canh.correlation.events"] == list(range(1, 11))
    assert a["event.original"] == lines[9]


def test_correlation_ssh_brute_force_negative(canh):
    """Eleven failures spread over eleven minutes (never ten in five), and
    nine from each of two addresses: no alert."""
    slow = ssh_failures([(i, 0) for i in range(11)])
    two = ssh_failures([(20, i) for i in range(9)]) + \
        ssh_failures([(20, 30 + i) for i in range(9)], ip="203.0.113.8")
    assert replay_correlation(canh, slow + two) == []
