#!/bin/sh
# install-deps.sh - install the Debian packages racelab needs to build, test
# and benchmark.  As root it runs apt-get itself; otherwise it prints the
# exact command and exits 1 so that nothing half-installed is left behind.
#
# usage: scripts/install-deps.sh [--bench | --runtime]
#   --bench    also install the servers and load generators bench/ compares to
#   --runtime  only what building and running racelab as a CI gate needs
#              (make install, ci/racelab-install.sh): no test, report-check
#              or benchmark tools (no chromium, cmocka, jsonschema, wrk)
set -eu

# chromium: tests/html opens the HTML report in headless Chromium.
BUILD_PKGS="cmake make gcc clang libclang-rt-14-dev pkg-config libcmocka-dev \
libinih-dev libjansson-dev libexpat1-dev valgrind gdb curl wrk apache2-utils \
util-linux procps chromium jq python3 python3-jsonschema python3-yaml git"
BENCH_PKGS="nginx-light lighttpd"
# Build racelab (cmake, gcc, the three -dev libraries); build programs for
# TSan and racelab cc (clang, its runtime); run the tools (valgrind) and
# name a hang's wait-for cycle (gdb); /proc readers (procps), setarch
# (util-linux); git for a submodule checkout.
RUNTIME_PKGS="cmake make gcc clang libclang-rt-14-dev pkg-config libinih-dev \
libjansson-dev libexpat1-dev valgrind gdb procps util-linux git"

case "${1:-}" in
"") pkgs="$BUILD_PKGS" ;;
--bench) pkgs="$BUILD_PKGS $BENCH_PKGS" ;;
--runtime) pkgs="$RUNTIME_PKGS" ;;
*) echo "usage: scripts/install-deps.sh [--bench | --runtime]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "racelab: missing Debian packages:$missing" >&2
    echo "racelab: run as root:  apt-get update && $cmd" >&2
    exit 1
fi

echo "racelab: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first; fall back to an update.
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y --no-install-recommends $missing >/dev/null
fi
# nginx and lighttpd start system-wide daemons on install; the benchmark
# runs its own instances on loopback, so stop the packaged ones.
for svc in nginx lighttpd; do
    if command -v service >/dev/null 2>&1; then
        service "$svc" stop >/dev/null 2>&1 || true
    fi
done
