# racelab - a thin front for CMake presets (see CMakePresets.json).
#
#   make            build the release flavor (build/release/)
#   make test       the test suite (every feature, tool and verdict state):
#                   racelab built plainly, the servers of every flavor its
#                   tools run; not the detection matrix's re-measurement of
#                   ground truth, nor racelab's own code under sanitizers
#   make test-sanitized
#                   the suite again on racelab itself built with TSan and
#                   with ASan+UBSan (CI runs it after make test)
#   make test-detection
#                   every scenario under every tool it has a manifest
#                   expectation for, judged against the manifest (ground truth
#                   re-measured; CI runs it after make test)
#   make tsan       every scenario under ThreadSanitizer, judged against
#                   its manifest (the detection matrix)
#   make helgrind   the same under Valgrind Helgrind
#   make drd        the same under Valgrind DRD
#   make matrix     every scenario under every tool
#   make asan       build the ASan+UBSan flavor and run the suite on it
#   make bench      benchmarks (bench/): racelab-server vs nginx, lighttpd
#   make clean      remove build/
#   make install PREFIX=DIR   racelab, its libraries, suppressions and the
#                   gate script into DIR (default /usr/local), built in
#                   build/install with the runtime packages only
#
# Missing Debian packages are installed by scripts/install-deps.sh.

PRESETS := release tsan asan valgrind
# Buggy variants whose contract failure is only probable (label
# "intermittent", see tests/contract) are left out: CI must not depend on
# a race going the wrong way.
# The detection matrix (label detection) re-measures every manifest's ground
# truth and has its own target, test-detection.
# The release suite runs 4 tests at a time on 2 cores: a quarter of its
# time is spent waiting (servers starting, loads, timeouts), and the tests
# hold under -j4 (bench/make-test.sh).  The sanitized flavors, 2 at a time.
CTEST_ARGS ?= --output-on-failure -j4 -LE "intermittent|detection"
SANITIZED_ARGS ?= --output-on-failure -j2 -LE "intermittent|detection"
DETECTION_ARGS ?= --output-on-failure -L detection
MATRIX_ARGS ?=
DEPS_STAMP := build/.deps-ok

PREFIX ?= /usr/local
INSTALL_BUILD ?= $(CURDIR)/build/install

.PHONY: all release test test-sanitized test-detection tsan helgrind drd matrix asan bench clean deps install \
        $(addprefix build-,$(PRESETS)) $(addprefix servers-,$(PRESETS)) \
        $(addprefix test-,$(PRESETS))

all: release
release: build-release

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@scripts/install-deps.sh
	@mkdir -p build && touch $@

# Static pattern rules: GNU make skips implicit-rule search for .PHONY
# targets, so plain "build-%:" rules would silently do nothing.
$(addprefix build/,$(addsuffix /CMakeCache.txt,$(PRESETS))): build/%/CMakeCache.txt: | $(DEPS_STAMP)
	cmake --preset $* >/dev/null

$(addprefix build-,$(PRESETS)): build-%: build/%/CMakeCache.txt
	cmake --build --preset $*

# Only a flavor's servers (target `servers`, cmake/racelab.cmake): what the
# release suite and the matrix run of the tsan, valgrind and asan flavors.
# (cmake_check_build_system first: a tree configured before the target
# existed learns of it)
$(addprefix servers-,$(PRESETS)): servers-%: build/%/CMakeCache.txt
	@$(MAKE) -s -C build/$* cmake_check_build_system >/dev/null
	cmake --build --preset $* --target servers

$(addprefix test-,$(PRESETS)): test-%: build-%
	ctest --preset $* $(if $(filter release,$*),$(CTEST_ARGS),$(SANITIZED_ARGS))

# The release suite runs the servers of the tsan, valgrind and asan flavors
# (one per tool), so those are built before any test; the rest of those
# flavors (racelab itself, the unit tests) is test-sanitized's.
test: build-release servers-tsan servers-valgrind servers-asan
	ctest --preset release $(CTEST_ARGS)

# The suite on the tsan and asan flavors: racelab, the server and the unit
# tests under TSan and under ASan+UBSan (and the parser fuzz smoke).  Of the
# valgrind flavor they run only its server (tests/hostile).
test-sanitized: build-release build-tsan servers-valgrind build-asan
	ctest --preset tsan $(SANITIZED_ARGS)
	ctest --preset asan $(SANITIZED_ARGS)

# Ground truth re-measured: each scenario x tool cell against its manifest
# (tests/detection/detect.sh).  Serialized: the cells drive load.
test-detection: build-release servers-tsan servers-valgrind servers-asan
	ctest --preset release $(DETECTION_ARGS)

# Each matrix also leaves build/matrix-<tools>.{html,json,xml,sarif}: the
# HTML page is the detection matrix to look at.
REPORTS = --html build/matrix-$(1).html --json build/matrix-$(1).json \
          --junit build/matrix-$(1).xml --sarif build/matrix-$(1).sarif

tsan: build-release servers-tsan
	build/release/racelab matrix --tools tsan $(call REPORTS,tsan) $(MATRIX_ARGS)

helgrind: build-release servers-valgrind
	build/release/racelab matrix --tools helgrind $(call REPORTS,helgrind) $(MATRIX_ARGS)

drd: build-release servers-valgrind
	build/release/racelab matrix --tools drd $(call REPORTS,drd) $(MATRIX_ARGS)

matrix: build-release servers-tsan servers-valgrind
	build/release/racelab matrix --tools tsan,helgrind,drd,none $(call REPORTS,all) $(MATRIX_ARGS)

asan: test-asan

bench: build-release
	@scripts/install-deps.sh --bench
	bench/run.sh

# Not through the presets' build/release: BUILD_TESTING=OFF must not stick
# to a developer's build folder (ci/racelab-install.sh).
install:
	@scripts/install-deps.sh --runtime
	RACELAB_BUILD_DIR="$(INSTALL_BUILD)" ci/racelab-install.sh "$(PREFIX)"

clean:
	rm -rf build
