#!/usr/bin/env bash
# bench/bench_fail2ban.sh - Canh's Sigma detection against fail2ban-regex
# with fail2ban's sshd filter, on the same generated sshd log in the same run.
#
# Prints: the times (median of RUNS), the ratio, and the sets of offending
# source addresses each found (compared with comm). Canh runs the whole
# decode + detect pipeline (`canh replay --rules`); fail2ban-regex runs its
# regular expressions and prints the matched addresses (-o ip).
#
#   LINES=200000 RUNS=3 bench/bench_fail2ban.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-200000}
RUNS=${RUNS:-3}
CANH=${CANH:-build/release/src/cli/canh}
command -v fail2ban-regex >/dev/null || { echo "fail2ban-regex missing: scripts/deps.sh bench" >&2; exit 2; }
[ -x "$CANH" ] || { echo "$CANH missing: make build" >&2; exit 2; }
src=bench/data/1000000/sshd.log
[ -f "$src" ] || python3 bench/gen_logs.py --lines 1000000 --only sshd bench/data/1000000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -n "$LINES" "$src" > "$work/sshd.log"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cpu() { # CPU seconds (user+sys) of a command, output to a file
    local out=$1; shift
    /usr/bin/time -f '%U %S' -o "$work/t" "$@" > "$out" 2>/dev/null || true
    awk '{print $1+$2}' "$work/t"
}
f2b=(); canh=()
for _ in $(seq "$RUNS"); do
    f2b+=("$(cpu "$work/f2b.out" fail2ban-regex -o ip "$work/sshd.log" sshd)")
    canh+=("$(cpu "$work/canh.out" "$CANH" replay --data "$work/nodata" --no-progress \
        --rules bench/rules/ssh_failure_any.yml "$work/sshd.log")")
done
tf=$(printf '%s\n' "${f2b[@]}" | median)
tc=$(printf '%s\n' "${canh[@]}" | median)
sort -u "$work/f2b.out" | grep -E '^[0-9a-f.:]+$' > "$work/f2b.ips" || true
jq -r '.source.ip // empty' "$work/canh.out" | sort -u > "$work/canh.ips"
both=$(comm -12 "$work/f2b.ips" "$work/canh.ips" | wc -l)
only_f=$(comm -23 "$work/f2b.ips" "$work/canh.ips" | wc -l)
only_c=$(comm -13 "$work/f2b.ips" "$work/canh.ips" | wc -l)
# fail2ban-regex keys multi-line state by the sshd pid; where the generated
# log reuses a pid, it can credit a failure to the address of a later
# "Accepted" line. Count the addresses fail2ban alone reports that appear
# in no failure line at all.
artefacts=0
while read -r ip; do
    grep -F "$ip " "$work/sshd.log" | grep -qv 'Accepted\|session opened\|session closed' || artefacts=$((artefacts + 1))
done < <(comm -23 "$work/f2b.ips" "$work/canh.ips")
printf 'lines %s, runs %s (CPU seconds, median)\n' "$LINES" "$RUNS"
printf '%-40s %10s\n' "fail2ban-regex -o ip (sshd filter)" "$tf"
printf '%-40s %10s\n' "canh replay --rules (decode + Sigma)" "$tc"
awk -v f="$tf" -v c="$tc" 'BEGIN {printf "ratio fail2ban / canh                    %10.2fx\n", f / c}'
printf 'offending addresses: both %s, fail2ban only %s (of which %s only in Accepted/session lines), canh only %s\n' \
    "$both" "$only_f" "$artefacts" "$only_c"
