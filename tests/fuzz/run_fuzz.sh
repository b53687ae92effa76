#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET_REGEX] [JOBS]
#
# Runs every libFuzzer target of a fuzz-preset build (as listed in
# BUILD_DIR/tests/fuzz/fuzz_targets.txt) for SECONDS each, JOBS at a time.
# Each target starts from its seed corpora in tests/fuzz/corpus/ (read only)
# and grows a scratch corpus in BUILD_DIR/fuzz-work/<target>/. Crashes are
# written to BUILD_DIR/fuzz-artifacts/<target>-crash-*; reproduce one with
#   BUILD_DIR/tests/fuzz/<target> FILE
# and, once fixed, copy it into the target's seed directory so every build
# replays it from then on. Exit status 1 if any target failed.
set -euo pipefail

build=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS [TARGET_REGEX] [JOBS]}
secs=${2:?seconds}
filter=${3:-.}
jobs=${4:-2}
build=$(cd "$build" && pwd)
manifest=$build/tests/fuzz/fuzz_targets.txt
[[ -f $manifest ]] || { echo "run_fuzz.sh: $manifest missing (configure the fuzz preset)" >&2; exit 2; }

mkdir -p "$build/fuzz-work" "$build/fuzz-artifacts" "$build/fuzz-logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_one() {
    local build=$1 secs=$2 target=$3 dirs=$4
    local work=$build/fuzz-work/$target log=$build/fuzz-logs/$target.log
    mkdir -p "$work"
    local -a seeds=()
    IFS=, read -r -a seeds <<<"$dirs"
    if "$build/tests/fuzz/$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-artifacts/$target-" \
        "$work" "${seeds[@]}" >"$log" 2>&1; then
        local execs cov
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
        printf '  %-34s ok    %10s runs  %s\n' "$target" "${execs:-?}" "${cov:-}"
    else
        printf '  %-34s FAIL  (log: %s)\n' "$target" "$log"
        grep -m1 -E 'ERROR: |runtime error:|SUMMARY:|fuzz_[a-z]+\(|fuzz_[a-z]+:' "$log" | sed 's/^/      /' || true
        grep -o "Test unit written to .*" "$log" | sed 's/^/      /' || true
        return 1
    fi
}
export -f run_one

echo "== fuzzing ($secs s per target, $jobs at a time; logs in $build/fuzz-logs)"
status=0
grep -E "^[^ ]*($filter)[^ ]* " "$manifest" \
    | xargs -r -P "$jobs" -L 1 bash -c 'run_one "$0" "$1" "$2" "$3"' "$build" "$secs" \
    || status=1
if ((status)); then
    echo "fuzz: some targets failed; crash inputs are in $build/fuzz-artifacts/" >&2
else
    echo "fuzz: all targets ran clean"
fi
exit $status
