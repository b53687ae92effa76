#!/usr/bin/env bash
# scripts/deps.sh - installs the Debian 12 packages Canh needs, if missing.
#
#   scripts/deps.sh            build + test (what `make`, `make run`, `make test` need)
#   scripts/deps.sh fuzz       + clang 14 and libFuzzer (the fuzz preset)
#   scripts/deps.sh bench      + the peers bench/run_decode.sh compares against
#   scripts/deps.sh format     + clang-format 14
#   scripts/deps.sh all        everything above
#
# Checks with dpkg-query first and only runs apt-get (update + install) when
# something is missing, so a second run is quick and touches nothing. Runs
# apt-get directly as root, through sudo otherwise, and fails with a clear
# message when neither is possible. A new dependency also needs a line in
# docs/dependencies.md saying why.
set -euo pipefail

# Build and test: compiler and build tools, the libraries the modules link
# (keep in step with every pkg_check_modules in the CMakeLists and with
# docs/dependencies.md), the unit and end-to-end test frameworks, and jq
# (`make run` output, bench peer).
base=(
    build-essential gcc cmake ninja-build pkg-config
    libfyaml-dev libjansson-dev zlib1g-dev libpcre2-dev libsqlite3-dev libssl-dev
    libzip-dev libxml2-dev libxlsxwriter-dev libhyperscan-dev
    libyara-dev libclamav-dev libarchive-dev libevent-dev libmicrohttpd-dev libsystemd-dev
    libcmocka-dev python3 python3-pytest
    clamav-testfiles openssl libxml2-utils xmlsec1 systemd-journal-remote
    jq
)
fuzz=(clang-14 libclang-rt-14-dev)
bench=(jq goaccess liblognorm-utils grepcidr fail2ban time yara clamav rsyslog)
format=(clang-format-14)

want=("${base[@]}")
for group in "$@"; do
    case "$group" in
    base) ;;
    fuzz) want+=("${fuzz[@]}") ;;
    bench) want+=("${bench[@]}") ;;
    format) want+=("${format[@]}") ;;
    all) want+=("${fuzz[@]}" "${bench[@]}" "${format[@]}") ;;
    *)
        echo "deps.sh: unknown group '$group' (base, fuzz, bench, format, all)" >&2
        exit 2
        ;;
    esac
done

missing=()
for pkg in "${want[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done
# de-duplicate (jq is in two groups)
if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: apt-get not found; Canh builds on Debian 12 (bookworm)." >&2
    exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: not root and sudo is not installed; install them as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait (up to 10 minutes) for another apt/dpkg run to release its lock
# rather than failing at once.
lock=(-o DPkg::Lock::Timeout=600)
"${sudo[@]}" apt-get "${lock[@]}" update -q
"${sudo[@]}" apt-get "${lock[@]}" install -y -q --no-install-recommends "${missing[@]}"
