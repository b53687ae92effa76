#!/usr/bin/env bash
# bench/run_decode.sh - decode throughput of Canh and of peers, same inputs,
# same run. See bench/README.md; results go to docs/benchmarks.md.
#
#   bench/run_decode.sh            (or: make bench)
#
# Environment: BUILD (build root, default build), LINES (generated lines per
# file, default 1000000), RUNS (timed in-memory runs, default 5), PEER_RUNS
# (runs of each whole-program measurement, default 3), NO_PEERS=1 to skip
# the peers, OSSEC_DIR (default ../shared/corpora/ossec/etc/rules/log-entries).
#
# 1. Generates bench/data/LINES/{sshd.log,nginx.log,eve.json} with
#    bench/gen_logs.py when missing or made by another version of it;
#    concatenates the OSSEC sample logs into bench/data/LINES/ossec.log.
# 2. Builds the release preset (bench_decode and canh).
# 3. bench_decode: records in memory, decode only and decode + JSON, one core.
# 4. Whole programs over the same files, output to /dev/null, median CPU time
#    (user + system) of PEER_RUNS: `canh replay --format events` and the peers:
#      sshd.log   lognormalizer (liblognorm 2, rsyslog's normalizer) + bench/peers/sshd.rulebase, JSON out
#      nginx.log  lognormalizer + bench/peers/nginx.rulebase, JSON out; goaccess --log-format=COMBINED, JSON report
#      eve.json   jq -c .  (JSON parse and re-encode)
# 5. Prints a Markdown table (also saved to bench/data/LINES/last-run.md).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
LINES=${LINES:-1000000}
RUNS=${RUNS:-5}
PEER_RUNS=${PEER_RUNS:-3}
NO_PEERS=${NO_PEERS:-}
OSSEC_DIR=${OSSEC_DIR:-$root/../shared/corpora/ossec/etc/rules/log-entries}
data=bench/data
seed=20261121

if [[ -n $NO_PEERS ]]; then scripts/deps.sh; else scripts/deps.sh bench; fi

# ---- 1. inputs ---------------------------------------------------------------
# One directory per size, so a quick small run keeps the 1M-line files.
data=$data/$LINES
mkdir -p "$data"
want="lines=$LINES seed=$seed gen=$(sha1sum bench/gen_logs.py | cut -c1-12)"
if [[ ! -f $data/.params || $(cat "$data/.params") != "$want" || ! -f $data/sshd.log ||
      ! -f $data/nginx.log || ! -f $data/eve.json ]]; then
    echo "== generating $LINES-line inputs in $data (once; kept for later runs)" >&2
    python3 bench/gen_logs.py --lines "$LINES" --seed "$seed" "$data"
    echo "$want" >"$data/.params"
fi
inputs=("$data/sshd.log" "$data/nginx.log" "$data/eve.json")
if [[ -d $OSSEC_DIR ]]; then
    # Every file, in name order, each ending in a newline.
    find "$OSSEC_DIR" -maxdepth 1 -type f -print0 | sort -z |
        xargs -0 awk '{ print }' >"$data/ossec.log"
    inputs+=("$data/ossec.log")
else
    echo "run_decode.sh: $OSSEC_DIR not found; skipping the OSSEC sample logs" >&2
fi

# ---- 2. build ----------------------------------------------------------------
rel=$BUILD/release
if [[ ! -f $rel/CMakeCache.txt ]] && ! log=$(cmake --preset release -B "$rel" 2>&1); then
    echo "$log" | tail -40 >&2
    echo "run_decode.sh: configuring $rel failed" >&2
    exit 1
fi
if ! log=$(cmake --build "$rel" --target bench_decode canh 2>&1); then
    echo "$log" | tail -40 >&2
    echo "run_decode.sh: building $rel failed" >&2
    exit 1
fi
canh=$rel/src/cli/canh
bench=$rel/bench/bench_decode

# ---- 3. in memory ------------------------------------------------------------
echo "== bench_decode: $RUNS runs per file and mode, median CPU time (one core)" >&2
tsv=$(mktemp)
trap 'rm -f "$tsv"' EXIT
"$bench" --runs "$RUNS" --tsv "${inputs[@]}" | tee "$tsv" >&2

# ---- 4. whole programs -------------------------------------------------------
# median_secs CMD: runs `bash -c CMD` PEER_RUNS times and prints the median
# CPU time (user + system, children included) in seconds, or "fail". CPU
# time, not wall time: on a shared machine it is the work done on the
# core(s), not the time spent queueing behind other processes.
median_secs() {
    local -a t=()
    local i tm
    local TIMEFORMAT='%3U %3S'
    for ((i = 0; i < PEER_RUNS; i++)); do
        if ! tm=$({ time bash -c "$1" </dev/null >/dev/null 2>&1; } 2>&1); then
            echo fail
            return
        fi
        t+=("$(awk -v t="$tm" 'BEGIN { split(t, a, " "); printf "%.3f", a[1] + a[2] }')")
    done
    printf '%s\n' "${t[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
rate() { # records secs -> records/s
    [[ $2 == fail ]] && { echo fail; return; }
    awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'
}
fmt() { # number with thousands separators, or as is
    [[ $1 =~ ^[0-9]+$ ]] || { echo "$1"; return; }
    echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
}
ratio() {
    [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || { echo "—"; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'
}

peers_for() {
    case "$(basename "$1")" in
    sshd.log) echo "lognormalizer|lognormalizer -r bench/peers/sshd.rulebase -e json < '$1'" ;;
    nginx.log)
        echo "lognormalizer|lognormalizer -r bench/peers/nginx.rulebase -e json < '$1'"
        echo "goaccess|goaccess '$1' --log-format=COMBINED --no-global-config -o /tmp/canh-bench-goaccess.\$\$.json; rm -f /tmp/canh-bench-goaccess.\$\$.json"
        ;;
    eve.json) echo "jq -c .|jq -c . '$1'" ;;
    esac
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev+changes"
out=$data/last-run.md
{
    echo "Canh decode benchmark — $(date -u +%Y-%m-%d) — commit $rev"
    echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem; $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "command: bench/run_decode.sh (LINES=$LINES RUNS=$RUNS PEER_RUNS=$PEER_RUNS)"
    echo "timing: CPU time (user + system) of one thread / one process; medians"
    echo
    echo "| input | records | recognised | canh decode rec/s (ns/rec) | canh decode+JSON rec/s | canh replay rec/s | peer | peer rec/s | canh replay ÷ peer |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
} >"$out"

echo "== whole programs: median CPU time of $PEER_RUNS runs, output to /dev/null" >&2
declare -A decode_rps=() recognised=()
while IFS=$'\t' read -r name recs bytes drps dns jrps jns recog census; do
    path=$data/$name
    decode_rps[$name]=$drps
    recognised[$name]=$recog
    e2e=$(rate "$recs" "$(median_secs "'$canh' replay --no-progress --format events '$path'")")
    first=1
    rows=()
    if [[ -z $NO_PEERS ]]; then
        while IFS='|' read -r pname pcmd; do
            [[ -n $pname ]] || continue
            prps=$(rate "$recs" "$(median_secs "$pcmd")")
            rows+=("$pname|$prps")
        done < <(peers_for "$path")
    fi
    ((${#rows[@]})) || rows=("—|—")
    for r in "${rows[@]}"; do
        pname=${r%%|*}
        prps=${r#*|}
        if ((first)); then
            printf '| %s | %s | %s%% | %s (%s) | %s | %s | %s | %s | %s |\n' "$name" "$(fmt "$recs")" \
                "$recog" "$(fmt "$drps")" "$dns" "$(fmt "$jrps")" "$(fmt "$e2e")" "$pname" \
                "$(fmt "$prps")" "$(ratio "$e2e" "$prps")" >>"$out"
            first=0
        else
            printf '| | | | | | | %s | %s | %s |\n' "$pname" "$(fmt "$prps")" \
                "$(ratio "$e2e" "$prps")" >>"$out"
        fi
    done
    echo "  $name done" >&2
done <"$tsv"

{
    echo
    echo "decoders per input (from the untimed pass):"
    awk -F'\t' '{ printf "- %s: %s\n", $1, $9 }' "$tsv"
    echo
    for f in sshd.log nginx.log; do
        v=${decode_rps[$f]:-}
        [[ -n $v ]] || continue
        if ((v >= 1000000)); then verdict="meets"; else verdict="BELOW"; fi
        # A rate over records that fell through to "generic" measures nothing.
        r=${recognised[$f]:-0}
        if awk -v r="$r" 'BEGIN { exit !(r < 99) }'; then
            verdict="$verdict, but only $r% of the records were recognised: not meaningful yet"
        fi
        echo "target ≥ 1,000,000 records/s per core, $f: $(fmt "$v") — $verdict"
    done
} >>"$out"

echo
cat "$out"
