#!/usr/bin/env bash
# bench/bench_scan.sh - `canh scan` against the `yara` command-line tool (same
# signature-base rules) and against `clamscan` (same sha256 hash database), on
# the same mixed tree, same run. Results go to docs/benchmarks.md ("Scanning").
#
#   bench/bench_scan.sh
#   TREE_MB=300 RUNS=1 bench/bench_scan.sh        # a quicker pass
#
# Environment: BUILD (build root, default build; the release preset is built
# in BUILD/release), CANH (a canh binary to use instead of building one),
# TREE_MB (size of the tree, default 1000), HASHES (random digests in the
# database, default 1000000), RUNS (timed runs per command, default 3),
# JOBS ("1 2" by default: the thread counts compared), PAIRS ("yara
# clamscan" by default: which comparisons to run).
#
# 1. bench/gen_scan_tree.py builds bench/data/scan-TREE_MB/tree (copies of
#    this machine's /usr/bin, /usr/lib/x86_64-linux-gnu and /usr/share files,
#    generated text, random binaries and zips, and planted samples: EICAR, the
#    clamav-testfiles, one file per YARA case) and db/bench.hsb (HASHES random
#    sha256 digests + the planted ones), once.
# 2. Rules: every signature-base .yar/.yara file that libyara compiles on its
#    own (yarac) and that does not use the filename/filepath/extension/
#    filetype/owner externals (the yara tool can only give those one value for
#    every file, canh gives each file its own, so rules using them could
#    differ); all of them must also compile together (yara takes them as one
#    set). Both tools compile the same source files in every run.
# 3. For each pair, one untimed run (warms the page cache, checks the exit
#    statuses and that both report the same detections), then RUNS timed runs
#    of each under /usr/bin/time; median wall time, CPU (user+system) and peak
#    RSS; MB/s and files/s over the tree; ratio peer wall ÷ canh wall.
#      yara -w -r -N -p J RULES... TREE   vs  canh scan --jobs J --no-archives --yara DIR TREE
#      clamscan -r -i --no-summary -d db/bench.hsb TREE  vs  canh scan --jobs J --hashes db/bench.hsb TREE
#    (yara does not look inside archives, hence --no-archives on that side;
#    clamscan and canh both do.) Prints a Markdown table, also saved to
#    bench/data/scan-TREE_MB/last-run.md. Exits 1 when detections differ.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
TREE_MB=${TREE_MB:-1000}
HASHES=${HASHES:-1000000}
RUNS=${RUNS:-3}
JOBS=${JOBS:-1 2}
PAIRS=${PAIRS:-yara clamscan}
SIGBASE=${SIGBASE:-$root/../shared/corpora/signature-base/yara}
seed=20261121

for t in yara yarac clamscan; do
    command -v $t >/dev/null 2>&1 || { echo "bench_scan.sh: $t is not installed (apt-get install yara clamav)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "bench_scan.sh: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }

# ---- 1. inputs ---------------------------------------------------------------
data=bench/data/scan-$TREE_MB
mkdir -p "$data"
data=$(cd "$data" && pwd)
want="mb=$TREE_MB hashes=$HASHES seed=$seed gen=$(sha1sum bench/gen_scan_tree.py | cut -c1-12)"
if [[ ! -f $data/.params || $(cat "$data/.params") != "$want" ]]; then
    echo "== building the $TREE_MB MB tree and a $HASHES-hash database in $data (once)" >&2
    rm -f "$data/.params"
    python3 bench/gen_scan_tree.py --mb "$TREE_MB" --hashes "$HASHES" --seed "$seed" "$data"
    echo "$want" >"$data/.params"
fi
tree=$data/tree
db=$data/db/bench.hsb

# ---- 2. rules ----------------------------------------------------------------
rules=$data/rules
rm -rf "$rules"
mkdir -p "$rules"
total=0 externals=0 failed=0
for f in "$SIGBASE"/*.yar "$SIGBASE"/*.yara; do
    [[ -f $f ]] || continue
    total=$((total + 1))
    if grep -qwE 'filename|filepath|extension|filetype|owner' "$f"; then
        externals=$((externals + 1))
        continue
    fi
    if ! yarac "$f" "$data/one.yarc" >/dev/null 2>&1; then
        failed=$((failed + 1))
        continue
    fi
    ln -s "$f" "$rules/$(basename "$f")"
done
rm -f "$data/one.yarc"
if ! yarac "$rules"/* "$data/all.yarc" >/dev/null 2>"$data/yarac.err"; then
    echo "bench_scan.sh: the selected rules do not compile together:" >&2
    head -5 "$data/yarac.err" >&2
    exit 1
fi
nrules=$(find "$rules" -mindepth 1 | wc -l)
echo "== rules: $nrules of $total signature-base files ($externals use externals, $failed do not compile)" >&2

# ---- 3. build ----------------------------------------------------------------
if [[ -n ${CANH:-} ]]; then
    canh=$CANH
else
    rel=$BUILD/release
    if [[ ! -f $rel/CMakeCache.txt ]] && ! out=$(cmake --preset release -B "$rel" 2>&1); then
        echo "$out" | tail -40 >&2
        exit 1
    fi
    if ! out=$(cmake --build "$rel" --target canh 2>&1); then
        echo "$out" | tail -40 >&2
        echo "bench_scan.sh: building $rel failed" >&2
        exit 1
    fi
    canh=$rel/src/cli/canh
fi
export CANH_DATA=$data/canh-data # empty: no indicators from a store

# ---- 4. runs -----------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# timeit NAME CMD...: RUNS runs; prints "WALL CPU MAXRSS_MB" (medians).
timeit() {
    local name=$1
    shift
    local -a w=() c=() m=()
    local i
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f "%e %U %S %M" -o "$data/time-$name" "$@" >/dev/null 2>&1 || true
        # the last line: GNU time puts "Command exited with non-zero status N"
        # before it when the command found something
        read -r e u s rss < <(tail -1 "$data/time-$name")
        w+=("$e")
        c+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
        m+=("$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')")
    done
    echo "$(printf '%s\n' "${w[@]}" | median) $(printf '%s\n' "${c[@]}" | median) $(printf '%s\n' "${m[@]}" | median)"
}

bytes=$(du -sb --apparent-size "$tree" | cut -f1)
files=$(find "$tree" -type f | wc -l)
rate() { awk -v b="$bytes" -v f="$files" -v t="$1" 'BEGIN { printf "%.0f MB/s, %.0f files/s", b / 1e6 / t, f / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f×" : "—"), a / b }'; }

# Detections as sorted "RULE PATH" (yara) or "PATH" (clamscan) lines.
canh_pairs() { python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip():
        d = json.loads(l); print(d["rule"]["name"], d["file"]["path"])' | sort -u; }
canh_paths() { python3 -c 'import json,sys
for l in sys.stdin:
    if l.strip():
        print(json.loads(l)["file"]["path"])' | sort -u; }

cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || rev="$rev+changes"
res=$data/last-run.md
{
    echo "canh scan vs yara and clamscan — $(date -u +%Y-%m-%d) — commit $rev"
    # shellcheck disable=SC1091
    echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem; $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "command: bench/bench_scan.sh (TREE_MB=$TREE_MB HASHES=$HASHES RUNS=$RUNS JOBS=\"$JOBS\" PAIRS=\"$PAIRS\")"
    echo "tree: $(printf "%'d" "$files") files, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'); rules: $nrules signature-base files; hash database: $(wc -l <"$db") sha256 digests"
    echo "peers: $(yara --version | head -1) (yara), $(clamscan --version | head -1) (clamscan); median of $RUNS runs after an untimed one, page cache warm"
    echo
    echo "| pair | threads | detections (peer / canh) | peer wall s | canh wall s | peer ÷ canh (wall) | peer CPU s | canh CPU s | peer RSS MB | canh RSS MB | canh rate |"
    echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$res"

status=0
for j in $JOBS; do
    [[ " $PAIRS " == *" yara "* ]] || continue
    ycmd=(yara -w -r -N -p "$j" "$rules"/* "$tree")
    ccmd=("$canh" scan --quiet --jobs "$j" --no-archives --max-size 1G --yara "$rules" "$tree")
    echo "== ${ycmd[*]:0:6} ... $tree" >&2
    echo "== ${ccmd[*]}" >&2
    set +e
    "${ycmd[@]}" 2>/dev/null | sort -u >"$data/yara-$j.txt"
    "${ccmd[@]}" 2>"$data/canh-yara-$j.err" | canh_pairs >"$data/canh-yara-$j.txt"
    crc=${PIPESTATUS[0]}
    set -e
    yn=$(wc -l <"$data/yara-$j.txt")
    cn=$(wc -l <"$data/canh-yara-$j.txt")
    same=same
    if ((crc != 1)) || ! cmp -s "$data/yara-$j.txt" "$data/canh-yara-$j.txt"; then
        same=DIFFER
        status=1
        echo "bench_scan.sh: yara vs canh (jobs $j, canh exit $crc): detections differ:" >&2
        diff "$data/yara-$j.txt" "$data/canh-yara-$j.txt" | head -10 >&2 || true
    fi
    read -r yw yc ym <<<"$(timeit "yara-$j" "${ycmd[@]}")"
    read -r cw cc cm <<<"$(timeit "canh-yara-$j" "${ccmd[@]}")"
    printf '| yara rules | %s | %s / %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$j" "$yn" "$cn" "$same" \
        "$yw" "$cw" "$(ratio "$yw" "$cw")" "$yc" "$cc" "$ym" "$cm" "$(rate "$cw")" >>"$res"
done

[[ " $PAIRS " == *" clamscan "* ]] || JOBS=""
kcmd=(clamscan -r -i --no-summary -d "$db" "$tree")
[[ -n $JOBS ]] && echo "== ${kcmd[*]}" >&2
if [[ -n $JOBS ]]; then
    set +e
    "${kcmd[@]}" 2>/dev/null | sed -n 's/: [^:]* FOUND$//p' | sort -u >"$data/clamscan.txt"
    set -e
    kn=$(wc -l <"$data/clamscan.txt")
    read -r kw kc km <<<"$(timeit clamscan "${kcmd[@]}")"
fi
for j in $JOBS; do
    ccmd=("$canh" scan --quiet --jobs "$j" --max-size 1G --hashes "$db" "$tree")
    echo "== ${ccmd[*]}" >&2
    set +e
    "${ccmd[@]}" 2>"$data/canh-hash-$j.err" | canh_paths >"$data/canh-hash-$j.txt"
    crc=${PIPESTATUS[0]}
    set -e
    cn=$(wc -l <"$data/canh-hash-$j.txt")
    same=same
    if ((crc != 1)) || ! cmp -s "$data/clamscan.txt" "$data/canh-hash-$j.txt"; then
        same=DIFFER
        status=1
        echo "bench_scan.sh: clamscan vs canh (jobs $j, canh exit $crc): detected files differ:" >&2
        diff "$data/clamscan.txt" "$data/canh-hash-$j.txt" | head -10 >&2 || true
    fi
    read -r cw cc cm <<<"$(timeit "canh-hash-$j" "${ccmd[@]}")"
    printf '| sha256 list | 1 / %s | %s / %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$j" "$kn" "$cn" "$same" \
        "$kw" "$cw" "$(ratio "$kw" "$cw")" "$kc" "$cc" "$km" "$cm" "$(rate "$cw")" >>"$res"
done
{
    echo
    echo "detections: yara rows count (rule, file) pairs, sha256 rows count files; \"same\" = identical sorted lists"
    echo "threads: yara -p N and canh --jobs N; clamscan is single-threaded"
} >>"$res"

echo
cat "$res"
exit $status
