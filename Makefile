# Canh - the developer entry points. Each target installs any missing Debian
# packages first (scripts/deps.sh), then configures and builds with the CMake
# presets in CMakePresets.json.
#
#   make / make build   release build (build/release)
#   make run            build, replay the bundled sample logs, then start `canh server`
#                       on loopback (store in ./canh-data) and send it the samples
#   make test           release build + ctest, then ASan/UBSan build + ctest (what CI runs)
#   make fuzz           libFuzzer targets (clang 14), each run FUZZ_SECONDS (default 60)
#   make bench          decode throughput against peers (bench/run_decode.sh)
#   make format         clang-format -i over src include tests bench
#   make clean          remove the preset build directories (distclean: and bench/data)
#
# Variables: BUILD=dir (root of the build directories, default build),
# JOBS=n (parallel build and test jobs), FUZZ_SECONDS=n, FUZZ_TARGETS=regex.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= .

REL := $(BUILD)/release
ASAN := $(BUILD)/asan
FUZZ := $(BUILD)/fuzz
DEBUG := $(BUILD)/debug
CANH := $(REL)/src/cli/canh
SAMPLE := $(sort $(wildcard tests/fixtures/sample/*))

# LeakSanitizer on, UBSan stops at the first error (also compiled in with
# -fno-sanitize-recover=all); the same values as the asan-ubsan test preset.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# `make run`: one row per event (dataset, action/outcome, source.ip, and the
# most telling of user, rule, command, URL, DNS name or message), from the
# JSON lines `canh replay --format events` prints.
JQ_ROW := [(.event.dataset // "generic"), ((.event.action // .event.type // "-") + (if .event.outcome then "/" + .event.outcome else "" end)), (.source.ip // "-"), (.user.name // .rule.name // .process.command_line // .url.original // .dns.question.name // .message // "-" | tostring | .[0:72])] | @tsv

CTEST_FLAGS := -j $(JOBS) --output-on-failure --no-tests=error

.PHONY: all build deps run test test-release test-asan debug fuzz bench format clean distclean
# Ninja already builds in parallel; the targets themselves run in order.
.NOTPARALLEL:

all: build

deps:
	@scripts/deps.sh

# Configure a preset into $(BUILD)/<dir> when its cache is missing or the
# presets changed; later CMakeLists edits re-run CMake from the build itself.
$(REL)/CMakeCache.txt: CMakePresets.json | deps
	cmake --preset release -B $(REL)
$(ASAN)/CMakeCache.txt: CMakePresets.json | deps
	cmake --preset asan-ubsan -B $(ASAN)
$(DEBUG)/CMakeCache.txt: CMakePresets.json | deps
	cmake --preset debug -B $(DEBUG)
$(FUZZ)/CMakeCache.txt: CMakePresets.json
	@scripts/deps.sh fuzz
	cmake --preset fuzz -B $(FUZZ)

build: deps $(REL)/CMakeCache.txt
	cmake --build $(REL) -j $(JOBS)

debug: deps $(DEBUG)/CMakeCache.txt
	cmake --build $(DEBUG) -j $(JOBS)

# `make run`: the bundled samples through decode, then the manager daemon
# (scripts/run.sh) with the samples sent to it over TCP syslog.
run: build
	@$(CANH) replay --no-progress --format events $(SAMPLE) \
	    > $(REL)/sample-events.json 2> $(REL)/sample-summary.txt \
	    || { cat $(REL)/sample-summary.txt; exit 1; }
	@echo
	@echo "== events from tests/fixtures/sample (one per record; full JSON in $(REL)/sample-events.json)"
	@if command -v jq >/dev/null 2>&1; then \
	    jq -r '$(JQ_ROW)' $(REL)/sample-events.json \
	      | awk -F'\t' '{ printf "%-14s %-34s %-16s %s\n", $$1, $$2, $$3, $$4 }'; \
	else \
	    cat $(REL)/sample-events.json; \
	fi
	@echo
	@echo "== summary"
	@cat $(REL)/sample-summary.txt
	@scripts/run.sh $(CANH)

test: test-release test-asan

test-release: build
	@echo "== ctest: release ($(REL))"
	cd $(REL) && ctest $(CTEST_FLAGS)

test-asan: deps $(ASAN)/CMakeCache.txt
	cmake --build $(ASAN) -j $(JOBS)
	@echo "== ctest: asan-ubsan ($(ASAN))"
	cd $(ASAN) && env $(SAN_ENV) ctest $(CTEST_FLAGS)

fuzz: $(FUZZ)/CMakeCache.txt
	cmake --build $(FUZZ) -j $(JOBS) --target fuzz_all
	tests/fuzz/run_fuzz.sh $(FUZZ) $(FUZZ_SECONDS) '$(FUZZ_TARGETS)' $(JOBS)

bench: deps
	BUILD=$(BUILD) bench/run_decode.sh

format:
	@scripts/deps.sh format
	find src include tests bench \( -name '*.c' -o -name '*.h' \) -print0 \
	    | xargs -0 -r clang-format-14 -i

clean:
	rm -rf $(REL) $(ASAN) $(FUZZ) $(DEBUG)

distclean: clean
	rm -rf bench/data
