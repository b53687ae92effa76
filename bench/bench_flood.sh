#!/bin/sh
# bench_flood.sh - manager ingest: `canh server` against rsyslogd, same TCP
# syslog flood, same machine, same run (docs/benchmarks.md, "Manager ingest").
#
#   bench/bench_flood.sh                  # 2,000,000 lines per run, 1 2 4 8 senders
#   LINES=500000 SENDERS="1 4" bench/bench_flood.sh
#   MEM_LINES=6000000 bench/bench_flood.sh   # size of the memory-bounded run (0: skip)
#
# For each sender count, a fresh `canh server` (release build, the built-in
# rule pack rules/canh loaded, TCP listener, store in a temporary directory)
# and a fresh rsyslogd (imtcp -> omfile, run as the current user with
# -n -f CONF -i PIDFILE) receive the same flood from bench/flood (H5's
# generator: generated sshd and nginx lines, LF framing). Rates are wall
# time from the first byte sent until the last event is *committed to the
# store* (canh: canh_stored_total on /metrics reaches the count) or the last
# line is *in rsyslogd's output file* (its size reaches the bytes sent).
# The canh figure therefore includes decode, Sigma detection, JSON encoding
# and the SQLite commit; rsyslogd only frames and appends the raw line.
#
# Then a memory-bounded run: one flood of MEM_LINES (far more than the input
# queue holds) with the RSS of canh sampled every 0.5 s; the maximum, the
# queue high-water marks and the drop counters are printed.
#
# "events per CPU-second" divides the count by the CPU time the process used
# (user + system, all threads): a measure that does not depend on what else
# the machine runs, unlike the wall-clock rates.
#
# Prints a Markdown table (also saved to bench/data/flood/last-run.md).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build/release}
LINES=${LINES:-2000000}
SENDERS=${SENDERS:-"1 2 4 8"}
MEM_LINES=${MEM_LINES:-6000000}
RULES=${RULES:-$ROOT/rules/canh}
OUT=$ROOT/bench/data/flood
mkdir -p "$OUT"

if [ ! -x "$BUILD/src/cli/canh" ] || [ ! -x "$BUILD/bench/flood" ]; then
    cmake --preset release -B "$BUILD" >/dev/null
    cmake --build "$BUILD" -j2 --target canh flood >/dev/null
fi
CANH=$BUILD/src/cli/canh
FLOOD=$BUILD/bench/flood
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
[ -x "$RSYSLOGD" ] || { echo "bench_flood: $RSYSLOGD not found (apt-get install rsyslog)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/canh-flood-XXXXXX)
CANH_PID=
RS_PID=
cleanup() {
    [ -n "$CANH_PID" ] && kill "$CANH_PID" 2>/dev/null || true
    [ -n "$RS_PID" ] && kill "$RS_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
cpu_s() { # cpu_s PID: user+system CPU seconds of the process so far
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
metric() { # metric PORT NAME
    python3 - "$1" "$2" <<'EOF'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode()
for line in body.splitlines():
    if line.startswith(sys.argv[2] + " "):
        print(int(float(line.split()[1])))
        break
else:
    print(0)
EOF
}

dropped() { # dropped PORT: the sum of canh_dropped_total over every cause
    python3 - "$1" <<'EOF'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode()
print(sum(int(float(l.split()[1])) for l in body.splitlines() if l.startswith("canh_dropped_total{")))
EOF
}

start_canh() { # start_canh DIR -> CANH_PID, TCP_PORT, MET_PORT
    dir=$1
    mkdir -p "$dir"
    cat >"$dir/canh.yml" <<EOF
server:
  syslog: {tcp: "127.0.0.1:0"}
  metrics: "127.0.0.1:0"
  user: ""
time.zone: UTC
detect:
  rules: ["$RULES"]
EOF
    "$CANH" server --config "$dir/canh.yml" --data "$dir/data" --foreground 2>"$dir/server.log" &
    CANH_PID=$!
    i=0
    while [ ! -s "$dir/data/server.json" ]; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "canh server did not start:" >&2; cat "$dir/server.log" >&2; exit 2; }
        sleep 0.1
    done
    TCP_PORT=$(json_get "$dir/data/server.json" 'd["ports"]["tcp"]')
    MET_PORT=$(json_get "$dir/data/server.json" 'd["ports"]["metrics"]')
}

stop_canh() {
    kill "$CANH_PID" && wait "$CANH_PID" || true
    CANH_PID=
}

run_canh() { # run_canh SENDERS -> prints events/s
    n=$1
    per=$((LINES / n))
    total=$((per * n))
    dir=$TMP/canh-$n
    start_canh "$dir"
    t0=$(now)
    "$FLOOD" --tcp "127.0.0.1:$TCP_PORT" --senders "$n" --count "$per" >"$dir/flood.json"
    while [ "$(metric "$MET_PORT" canh_stored_total)" -lt "$total" ]; do sleep 0.05; done
    t1=$(now)
    cpu=$(cpu_s "$CANH_PID")
    alerts=$(metric "$MET_PORT" canh_stored_alerts_total)
    stop_canh
    stored=$("$CANH" events count --data "$dir/data")
    [ "$stored" -eq "$total" ] || echo "WARNING: canh stored $stored of $total" >&2
    rm -rf "$dir/data"
    python3 -c "print('%.0f %d %d %.0f' % ($total / ($t1 - $t0), $total, $alerts, $total / $cpu))"
}

run_rsyslog() { # run_rsyslog SENDERS -> prints lines/s
    n=$1
    per=$((LINES / n))
    dir=$TMP/rs-$n
    mkdir -p "$dir"
    port=$(free_port)
    cat >"$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir")
module(load="imtcp" MaxSessions="1000")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imtcp" address="127.0.0.1" port="$port")
*.* action(type="omfile" file="$dir/out.log" template="raw")
EOF
    "$RSYSLOGD" -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" 2>"$dir/rsyslogd.err" &
    RS_PID=$!
    i=0
    while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1).close()" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "rsyslogd did not start:" >&2; cat "$dir/rsyslogd.err" >&2; exit 2; }
        sleep 0.1
    done
    t0=$(now)
    "$FLOOD" --tcp "127.0.0.1:$port" --senders "$n" --count "$per" >"$dir/flood.json"
    bytes=$(json_get "$dir/flood.json" 'd["bytes"]')
    while [ "$(stat -c %s "$dir/out.log" 2>/dev/null || echo 0)" -lt "$bytes" ]; do sleep 0.05; done
    t1=$(now)
    cpu=$(cpu_s "$RS_PID")
    kill "$RS_PID" && wait "$RS_PID" || true
    RS_PID=
    lines=$(wc -l <"$dir/out.log")
    rm -f "$dir/out.log"
    python3 -c "print('%.0f %d %.0f' % ($lines / ($t1 - $t0), $lines, $lines / $cpu))"
}

{
    echo "#### $(date -u +%Y-%m-%d) — commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- command: \`LINES=$LINES SENDERS=\"$SENDERS\" MEM_LINES=$MEM_LINES bench/bench_flood.sh\`"
    echo "- rules: $(find "$RULES" -name '*.yml' | wc -l) files from ${RULES#$ROOT/}"
    echo
    echo "| senders | lines | canh events/s into the store | alerts stored | rsyslogd lines/s into a file | canh ÷ rsyslogd | canh events per CPU-second | rsyslogd lines per CPU-second |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} | tee "$OUT/last-run.md"

for n in $SENDERS; do
    set -- $(run_canh "$n")
    c_rate=$1 c_total=$2 c_alerts=$3 c_cpu=$4
    set -- $(run_rsyslog "$n")
    r_rate=$1 r_cpu=$3
    ratio=$(python3 -c "print('%.2f' % ($c_rate / $r_rate))")
    printf '| %s | %s | %s | %s | %s | %s× | %s | %s |\n' "$n" "$c_total" "$c_rate" "$c_alerts" \
        "$r_rate" "$ratio" "$c_cpu" "$r_cpu" | tee -a "$OUT/last-run.md"
done

if [ "$MEM_LINES" -gt 0 ]; then
    dir=$TMP/mem
    start_canh "$dir"
    peak=0
    ( while kill -0 "$CANH_PID" 2>/dev/null; do
          awk '/VmRSS/{print $2}' "/proc/$CANH_PID/status" 2>/dev/null
          sleep 0.5
      done ) >"$dir/rss.txt" &
    sampler=$!
    t0=$(now)
    "$FLOOD" --tcp "127.0.0.1:$TCP_PORT" --senders 4 --count $((MEM_LINES / 4)) >"$dir/flood.json"
    total=$(((MEM_LINES / 4) * 4))
    while [ "$(metric "$MET_PORT" canh_stored_total)" -lt "$total" ]; do sleep 0.1; done
    t1=$(now)
    qpeak=$(metric "$MET_PORT" 'canh_queue_peak{queue="input"}')
    qcap=$(metric "$MET_PORT" 'canh_queue_capacity{queue="input"}')
    pauses=$(metric "$MET_PORT" 'canh_backpressure_pauses_total{input="syslog"}')
    lost=$(dropped "$MET_PORT")
    stop_canh
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak=$(sort -n "$dir/rss.txt" | tail -1)
    samples=$(wc -l <"$dir/rss.txt")
    {
        echo
        echo "Memory-bounded run: $total lines from 4 senders (the input queue holds $qcap records):"
        python3 -c "print('max RSS %.1f MiB over %d samples (every 0.5 s); %.0f events/s; input queue peak %s of %s; %s back-pressure pauses (TCP reading stopped while the queue was full); %s records dropped' % ($peak / 1024, $samples, $total / ($t1 - $t0), '$qpeak', '$qcap', '$pauses', '$lost'))"
    } | tee -a "$OUT/last-run.md"
fi
