"""End to end: intel import / lookup / sources / remove, assets, the botnet
report in all four formats, and intel alerts from canh replay."""
import csv
import io
import json
import time
import zipfile


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


BOTNET = """AttackerIP,NetworkName,LocalIP,LocalTCPPort,AttackOn,ISP
203.0.113.10,Mirai,192.168.1.5,23,2026-10-05 10:00:00,VNPT
203.0.113.77,Emotet,,,2026-10-20 08:00:00,Viettel
198.51.100.0/28,Conficker,,,2026-10-11 00:00:00,FPT
2001:db8:abcd::5,Mozi,,,2026-10-12 00:00:00,VNPT
300.1.2.3,Bad,,,2026-10-12,X
,Empty,,,2026-10-12,X
"""

ASSETS = """Tên máy,Địa chỉ IP,IP công khai,Hệ thống,Cấp độ,Đơn vị,Liên hệ
web01,10.0.0.10,203.0.113.10=10.0.0.10,Cổng thông tin,3,Phòng CNTT,a@x.vn
mail01,10.0.0.20 203.0.113.77,,Thư điện tử,4,Phòng CNTT,b@x.vn
lab,198.51.100.0/24,,Lab,1,R&D,c@x.vn
v6host,2001:db8:abcd::/48,,IPv6 svc,2,Net,d@x.vn
clean,192.0.2.1,,Clean,5,Net,e@x.vn
bad,999.1.1.1,,X,2,Y,z
lvl,192.0.2.9,,X,7,Y,z
"""


def setup_org(canh):
    b = canh("intel", "import", "--source", "vncert-2026-10", "--threat", "botnet",
             write(canh.tmp / "botnet.csv", BOTNET))
    assert b.rc == 0, b.err
    assert "4 taken, 0 updated, 2 rejected" in b.out
    assert 'botnet.csv:6: rejected: column AttackerIP: "300.1.2.3" is not an IP address' in b.err
    assert "botnet.csv:7: rejected:" in b.err
    a = canh("assets", "import", write(canh.tmp / "assets.csv", ASSETS))
    assert a.rc == 0, a.err
    assert "5 taken, 0 updated, 2 rejected" in a.out
    assert 'assets.csv:7: rejected: "999.1.1.1" is not an IP address or CIDR' in a.err
    assert "assets.csv:8: rejected: column level" in a.err


def test_import_is_idempotent_and_replace_prunes(canh):
    setup_org(canh)
    again = canh("intel", "import", "--source", "vncert-2026-10", "--threat", "botnet",
                 str(canh.tmp / "botnet.csv"))
    assert again.rc == 0
    assert "0 taken, 4 updated, 2 rejected" in again.out
    src = canh("intel", "sources", "--format", "json").json_lines()
    assert [(s["source"], s["indicators"]) for s in src] == [("vncert-2026-10", 4)]
    # a smaller feed, replacing the source: the missing rows go away
    small = write(canh.tmp / "small.txt", "# one address\n203.0.113.10\n")
    r = canh("intel", "import", "--source", "vncert-2026-10", "--threat", "botnet",
             "--replace", small)
    assert r.rc == 0, r.err
    assert "0 taken, 1 updated, 0 rejected, 3 removed" in r.out
    assert canh("intel", "lookup", "203.0.113.77").rc == 0
    assert canh("intel", "lookup", "203.0.113.10").rc == 1
    gone = canh("intel", "remove", "--source", "vncert-2026-10")
    assert gone.rc == 0 and "1 indicators removed" in gone.out
    assert canh("intel", "remove", "--source", "nope").rc == 2


def test_lookup_cidr_ipv6_domains_and_exit_codes(canh):
    setup_org(canh)
    feed = write(canh.tmp / "mixed.txt",
                 "evil.example.com\n10.0.0.0/8\n10.1.0.0/16\n"
                 "44d88612fea8a8f36de82e1278abb02f\nhxxp://bad[.]example.org/x\n")
    r = canh("intel", "import", "--source", "mixed", "--threat", "c2", feed)
    assert r.rc == 0, r.err
    assert "5 taken" in r.out
    out = canh("intel", "lookup", "10.1.2.3", "a.b.evil.example.com", "2001:db8:abcd::5",
               "44D88612FEA8A8F36DE82E1278ABB02F", "http://bad.example.org/x", "8.8.8.8")
    assert out.rc == 1
    lines = out.json_lines()
    # every covering CIDR, longest first
    assert [i["value"] for i in lines[0]["indicators"]] == ["10.1.0.0/16", "10.0.0.0/8"]
    assert lines[1]["indicators"][0]["value"] == "evil.example.com"
    assert lines[2]["indicators"][0]["family"] == "Mozi"
    assert lines[3]["matched"] and lines[3]["indicators"][0]["type"] == "md5"
    assert lines[4]["matched"]
    assert lines[5] == {"value": "8.8.8.8", "type": "ip", "matched": False, "count": 0,
                        "indicators": []}
    assert canh("intel", "lookup", "8.8.8.8").rc == 0


def test_expired_indicators_stop_matching(canh):
    past = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 5 * 86400))
    feed = write(canh.tmp / "exp.csv",
                 "indicator,threat,family,expires\n"
                 f"203.0.113.10,botnet,Old,{past}\n"
                 "203.0.113.77,botnet,Live,\n")
    r = canh("intel", "import", "--source", "exp", feed)
    assert r.rc == 0, r.err
    assert canh("intel", "lookup", "203.0.113.10").rc == 0
    assert canh("intel", "lookup", "203.0.113.77").rc == 1
    a = canh("assets", "import", write(canh.tmp / "assets.csv", ASSETS))
    assert a.rc == 0
    hosts = [h["host"] for h in canh("botnet", "report", "--format", "json").json_lines()
             if h["record"] == "host"]
    assert hosts == ["mail01"]


def check_hosts(rows):
    """The ranking: level (highest first), then last seen, then times seen."""
    assert [r["host"] for r in rows] == ["mail01", "web01", "v6host", "lab"]
    by = {r["host"]: r for r in rows}
    assert by["mail01"]["family"] == "Emotet" and by["mail01"]["level"] == 4
    assert by["web01"]["listed"] == "203.0.113.10"          # via the NAT pair
    assert by["web01"]["addresses"] == "203.0.113.10=10.0.0.10"
    assert by["lab"]["listed"] == "198.51.100.0/28"          # listed prefix inside the asset CIDR
    assert by["v6host"]["listed"] == "2001:db8:abcd::5"      # IPv6 inside the asset /48
    assert by["mail01"]["contact"] == "b@x.vn" and by["mail01"]["owner"] == "Phòng CNTT"
    assert by["mail01"]["source"] == "vncert-2026-10"


def test_botnet_report_all_formats(canh):
    setup_org(canh)
    log = write(canh.tmp / "fw.log",
                "Oct 21 10:00:00 fw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.77 "
                "DST=10.0.0.20 LEN=60 PROTO=TCP SPT=4444 DPT=25\n"
                "Oct 21 10:00:01 fw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.50 "
                "DST=10.0.0.20 LEN=60 PROTO=TCP SPT=4444 DPT=25\n")
    rp = canh("replay", "--store", log)
    assert rp.rc == 0, rp.err
    alerts = rp.json_lines()
    assert len(alerts) == 1
    al = alerts[0]
    assert al["rule"]["source"] == "intel" and al["rule"]["level"] == "high"
    assert al["threat"]["indicator"]["value"] == "203.0.113.77"
    assert al["threat"]["indicator"]["family"] == "Emotet"
    assert al["threat"]["indicator"]["source"] == "vncert-2026-10"
    assert al["threat"]["indicator"]["matched"]["field"] == "source.ip"
    assert al["event"]["original"].startswith("Oct 21 10:00:00 fw kernel: [UFW BLOCK]")

    # json
    lines = canh("botnet", "report", "--format", "json").json_lines()
    hosts = [x for x in lines if x["record"] == "host"]
    traffic = [x for x in lines if x["record"] == "traffic"]
    check_hosts(hosts)
    assert [t["source_ip"] for t in traffic] == ["203.0.113.77"]

    # csv: BOM, bilingual header, same rows
    out = canh.tmp / "r.csv"
    c = canh("botnet", "report", "--format", "csv", "--output", str(out))
    assert c.rc == 0, c.err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    hosts_part = text.split("\r\n\r\n")[0]
    rows = list(csv.reader(io.StringIO(hosts_part)))
    assert rows[0][1] == "Máy / Host" and rows[0][5] == "Cấp độ / Level"
    assert [r[1] for r in rows[1:]] == ["mail01", "web01", "v6host", "lab"]

    # table
    t = canh("botnet", "report")
    assert t.rc == 0
    assert "Hosts on botnet lists: 4" in t.out
    assert t.out.index("mail01") < t.out.index("web01") < t.out.index("v6host") < t.out.index("lab")

    # xlsx: a real workbook with the rows in the first sheet
    x = canh.tmp / "r.xlsx"
    assert canh("botnet", "report", "--format", "xlsx", "--output", str(x)).rc == 0
    with zipfile.ZipFile(x) as z:
        shared = z.read("xl/sharedStrings.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    for name in ["mail01", "web01", "v6host", "lab", "Máy / Host", "Emotet"]:
        assert name in shared
    assert sheet.count("<row ") == 5
    assert canh("botnet", "report", "--format", "xlsx").rc == 2   # needs --output

    # month filter: nothing was seen in September
    assert canh("botnet", "report", "--month", "2026-09", "--format", "json").out == ""
    oct_rows = [x for x in canh("botnet", "report", "--month", "2026-10",
                                "--format", "json").json_lines() if x["record"] == "host"]
    assert len(oct_rows) == 4
    assert canh("botnet", "report", "--month", "2026-13").rc == 2


def test_errors_name_the_file(canh):
    r = canh("intel", "import", "--source", "x", str(canh.tmp / "missing.csv"))
    assert r.rc == 2 and "missing.csv" in r.err
    r = canh("intel", "import", str(canh.tmp / "x"))
    assert r.rc == 2 and "--source" in r.err
    bad = write(canh.tmp / "allbad.txt", "not an indicator at all\n999.999.1.1\n")
    r = canh("intel", "import", "--source", "x", bad)
    assert r.rc == 2
    assert "allbad.txt:1: rejected" in r.err and "allbad.txt:2: rejected" in r.err
    r = canh("botnet", "report", "--data", str(canh.tmp / "empty"))
    assert r.rc == 2 and "no store" in r.err
