#!/usr/bin/env bash
# scripts/run.sh CANH - what `make run` does after building: replays the
# bundled sample logs (one row per decoded event), then starts `canh server`
# on loopback with the embedded SQLite store in ./canh-data, sends the same
# samples to it over TCP syslog, shows `canh status` and the stored counts,
# and keeps the server in the foreground until Ctrl-C (RUN_SECONDS=N stops
# it after N seconds instead).
#
# The built-in rule pack (rules/canh) is loaded. Ports (loopback only): syslog UDP+TCP 5514, agent channel 1515, metrics
# 9580 (http://127.0.0.1:9580/metrics and /status). Override with
# SYSLOG_PORT, AGENT_PORT, METRICS_PORT.
set -euo pipefail
canh=${1:?usage: scripts/run.sh CANH}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data=${CANH_DATA:-$root/canh-data}
syslog_port=${SYSLOG_PORT:-5514}
agent_port=${AGENT_PORT:-1515}
metrics_port=${METRICS_PORT:-9580}
mkdir -p "$data"
conf=$data/run.yml
cat > "$conf" <<CONF
# written by scripts/run.sh (make run): a loopback-only manager
data:
  dir: "$data"
server:
  syslog:
    udp: "127.0.0.1:$syslog_port"
    tcp: "127.0.0.1:$syslog_port"
  agent:
    listen: "127.0.0.1:$agent_port"
  metrics: "127.0.0.1:$metrics_port"
  user: ""
detect:
  rules:
    - "$root/rules/canh"
CONF

"$canh" server --config "$conf" --data "$data" --foreground 2> "$data/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
    if [[ -s $data/server.json ]] && "$canh" status --data "$data" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 $pid 2>/dev/null; then
        echo "canh server did not start:" >&2
        cat "$data/server.log" >&2
        exit 1
    fi
    sleep 0.1
done

before=$("$canh" events count --data "$data")
samples=(tests/fixtures/sample/*)
sent=$(cat "${samples[@]}" | grep -c '')
# The samples over TCP syslog, one record per line (LF framing).
python3 - "$syslog_port" "${samples[@]}" <<'PY'
import socket, sys
port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port)) as s:
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            for line in f:
                s.sendall(line if line.endswith(b"\n") else line + b"\n")
PY
for _ in $(seq 1 100); do
    now=$("$canh" events count --data "$data")
    (( now - before >= sent )) && break
    sleep 0.1
done

echo
echo "== canh server is running (pid $pid), store in $data"
echo "   syslog udp/tcp 127.0.0.1:$syslog_port, agents 127.0.0.1:$agent_port,"
echo "   metrics http://127.0.0.1:$metrics_port/metrics and /status"
echo "== sent the $sent sample lines over TCP syslog; stored events by dataset:"
"$canh" events count --data "$data" --by-dataset
echo "== canh status"
"$canh" status --data "$data"
echo "== recent alerts"
"$canh" alerts list --data "$data" --limit 10 || true
echo
echo "Send more: logger -n 127.0.0.1 -P $syslog_port -T 'sshd[1]: Failed password for root from 203.0.113.7 port 22 ssh2'"
echo "Enroll an agent: canh agents token create --data $data, then canh agent enroll --manager 127.0.0.1:$agent_port --token TOKEN"
if [[ -n ${RUN_SECONDS:-} ]]; then
    sleep "$RUN_SECONDS"
else
    echo "Ctrl-C stops the server (it drains its queues first)."
    wait $pid
fi
