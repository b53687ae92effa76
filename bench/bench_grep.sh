#!/usr/bin/env bash
# bench/bench_grep.sh - `canh intel grep` against grepcidr: the lines of a log
# that hold an address on a blocklist, same files, same run. Results go to
# docs/benchmarks.md (see docs/benchmarks-grep.md).
#
#   bench/bench_grep.sh
#   LINES=1000000 RUNS=3 bench/bench_grep.sh      # a quicker pass
#
# Environment: BUILD (build root, default build; the release preset is built
# in BUILD/release), CANH (a canh binary to use instead of building one),
# LINES (log lines, default 10000000), ENTRIES (list entries, default 100000),
# RUNS (timed runs per command, default 3), MODES ("lines count invert" by
# default; "lines" alone for the headline number).
#
# 1. Generates bench/data/grep-ENTRIES-LINES/{list.txt,log.txt} with
#    bench/gen_grep.py (fixed seed) when missing or made by another version
#    of it.
# 2. Builds canh (release preset: -O2 -g).
# 3. For each mode, runs both programs once untimed, checks they exit as
#    expected and that their outputs are byte for byte the same (cmp), then
#    times RUNS runs of each (after one warm-up, with hyperfine when it is
#    installed, else a loop), output to a file in the data directory:
#      lines   grepcidr -f list.txt log.txt      canh intel grep --list list.txt log.txt
#      count   grepcidr -c -f list.txt log.txt   canh intel grep -c --list list.txt log.txt
#      invert  grepcidr -i -f list.txt log.txt   canh intel grep -v --list list.txt log.txt
#    (grepcidr -v leaves out the lines without any address; -i keeps them,
#    which is what canh's -v does.)
# 4. Prints a Markdown table: median wall time and CPU time (user + system;
#    hyperfine reports its mean, the loop the median) of each, and grepcidr ÷
#    canh for both; also saved to bench/data/grep-ENTRIES-LINES/last-run.md.
#    The target is ≥ 3× (wall) on the lines mode. Exits 1 if the outputs
#    differ or an exit status is not the expected one.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
LINES=${LINES:-10000000}
ENTRIES=${ENTRIES:-100000}
RUNS=${RUNS:-3}
MODES=${MODES:-lines count invert}
seed=20261121

if ! command -v grepcidr >/dev/null 2>&1; then
    scripts/deps.sh bench
fi

# ---- 1. inputs ---------------------------------------------------------------
data=bench/data/grep-$ENTRIES-$LINES
mkdir -p "$data"
want="entries=$ENTRIES lines=$LINES seed=$seed gen=$(sha1sum bench/gen_grep.py | cut -c1-12)"
if [[ ! -f $data/.params || $(cat "$data/.params") != "$want" || ! -f $data/list.txt ||
      ! -f $data/log.txt ]]; then
    echo "== generating a $ENTRIES-entry list and a $LINES-line log in $data (once)" >&2
    rm -f "$data/.params"
    python3 bench/gen_grep.py --entries "$ENTRIES" --lines "$LINES" --seed "$seed" "$data"
    echo "$want" >"$data/.params"
fi
list=$data/list.txt
log=$data/log.txt

# ---- 2. build ----------------------------------------------------------------
if [[ -n ${CANH:-} ]]; then
    canh=$CANH
else
    rel=$BUILD/release
    if [[ ! -f $rel/CMakeCache.txt ]] && ! out=$(cmake --preset release -B "$rel" 2>&1); then
        echo "$out" | tail -40 >&2
        echo "bench_grep.sh: configuring $rel failed" >&2
        exit 1
    fi
    if ! out=$(cmake --build "$rel" --target canh 2>&1); then
        echo "$out" | tail -40 >&2
        echo "bench_grep.sh: building $rel failed" >&2
        exit 1
    fi
    canh=$rel/src/cli/canh
fi

# ---- 3. runs -----------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# timeit NAME CMD: RUNS timed runs of `bash -c CMD` after a warm-up; prints
# "WALL CPU" (medians, seconds). hyperfine gives per-run wall times but only
# the mean CPU time; the loop gives both per run.
timeit() {
    local name=$1 cmd=$2
    if command -v hyperfine >/dev/null 2>&1; then
        local json=$data/hyperfine-$name.json
        hyperfine --style none --warmup 1 --runs "$RUNS" --ignore-failure \
            --export-json "$json" "$cmd" >&2
        python3 - "$json" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f" % (statistics.median(r["times"]), r["user"] + r["system"]))
EOF
    else
        local -a walls=() cpus=()
        local i t
        local TIMEFORMAT='%3R %3U %3S'
        bash -c "$cmd" || true
        for ((i = 0; i < RUNS; i++)); do
            t=$({ time bash -c "$cmd" </dev/null >/dev/null 2>&1; } 2>&1 || true)
            walls+=("$(echo "$t" | awk '{ print $1 }')")
            cpus+=("$(echo "$t" | awk '{ printf "%.3f", $2 + $3 }')")
        done
        echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
    fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f×" : "—"), a / b }'; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev+changes"
size=$(stat -c %s "$log")
nlines=$(wc -l <"$log")
v4=$(grep -v '^#' "$list" | grep -vc ':' || true)
v6=$(grep -v '^#' "$list" | grep -c ':' || true)
res=$data/last-run.md
{
    echo "canh intel grep vs grepcidr — $(date -u +%Y-%m-%d) — commit $rev"
    # shellcheck disable=SC1091
    echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem; $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "command: bench/bench_grep.sh (LINES=$LINES ENTRIES=$ENTRIES RUNS=$RUNS)"
    echo "input: $(printf "%'d" "$nlines") lines, $(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1e6 }'); list: $v4 IPv4 + $v6 IPv6 entries"
    echo "peer: $(grepcidr -V 2>&1 | head -1) (Debian package); timing: $(command -v hyperfine >/dev/null && hyperfine --version || echo 'bash time loop'), median of $RUNS runs after a warm-up, output to a file"
    echo
    echo "| mode | selected lines | grepcidr wall s | canh wall s | grepcidr ÷ canh (wall) | grepcidr CPU s | canh CPU s | grepcidr ÷ canh (CPU) | same output |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$res"

status=0
for mode in $MODES; do
    case $mode in
    lines) gflag="" cflag="" ;;
    count) gflag="-c" cflag="-c" ;;
    invert) gflag="-i" cflag="-v" ;;
    *)
        echo "bench_grep.sh: unknown mode '$mode' (lines, count, invert)" >&2
        exit 2
        ;;
    esac
    o1=$data/out-grepcidr-$mode
    o2=$data/out-canh-$mode
    gcmd="grepcidr $gflag -f '$list' '$log' > '$o1'"
    ccmd="'$canh' intel grep $cflag --list '$list' '$log' > '$o2'"
    echo "== $mode: $gcmd" >&2
    echo "== $mode: $ccmd" >&2
    # Untimed first runs: exit statuses (grepcidr 0 = found; canh 1 = found,
    # the DESIGN contract) and outputs.
    set +e
    bash -c "$gcmd"
    grc=$?
    bash -c "$ccmd"
    crc=$?
    set -e
    if ((grc > 1 || crc > 1 || (grc == 0) != (crc == 1))); then
        echo "bench_grep.sh: $mode: unexpected exit status: grepcidr $grc, canh $crc" >&2
        status=1
    fi
    if cmp -s "$o1" "$o2"; then
        same=yes
    else
        same=NO
        status=1
        echo "bench_grep.sh: $mode: outputs differ ($(wc -l <"$o1") vs $(wc -l <"$o2") lines):" >&2
        diff "$o1" "$o2" | head -10 >&2 || true
    fi
    selected=$(if [[ $mode == count ]]; then cat "$o2"; else wc -l <"$o2"; fi)
    read -r gw gc <<<"$(timeit "grepcidr-$mode" "$gcmd")"
    read -r cw cc <<<"$(timeit "canh-$mode" "$ccmd")"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$mode" "$(printf "%'d" "$selected")" \
        "$gw" "$cw" "$(ratio "$gw" "$cw")" "$gc" "$cc" "$(ratio "$gc" "$cc")" "$same" >>"$res"
    if [[ $mode == lines ]]; then
        verdict=$(awk -v a="$gw" -v b="$cw" 'BEGIN { print (a >= 3 * b) ? "meets" : "BELOW" }')
        target="target: canh ≥ 3× faster than grepcidr (lines, wall): $(ratio "$gw" "$cw") — $verdict"
    fi
done
{
    echo
    [[ -n ${target:-} ]] && echo "$target"
    echo "same output: cmp of the two output files, byte for byte"
} >>"$res"

echo
cat "$res"
exit $status
