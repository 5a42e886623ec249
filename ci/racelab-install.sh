#!/bin/sh
# racelab-install.sh PREFIX - build racelab (release, without its tests and
# its own server) and install it into PREFIX: PREFIX/bin/racelab,
# racelab-gate.sh and racelab-cc, PREFIX/lib/racelab/librlchaos.so and
# librlsched.a, PREFIX/share/racelab/sanitizers.  What `make install
# PREFIX=...` runs, and the CI templates' install step.
#
# Does nothing when PREFIX holds an install of these very sources already
# (PREFIX/share/racelab/source.sha256): cache PREFIX between CI jobs and
# racelab is built once per change of racelab.  The build folder is
# $RACELAB_BUILD_DIR (default PREFIX/.build, cached with it: a rebuild is
# incremental).  Needs scripts/install-deps.sh --runtime.
# Exit: 0 installed or up to date, 2 usage, 3 the build or install failed.
set -eu
if [ $# -ne 1 ] || [ -z "$1" ]; then
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2
    exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
if ! mkdir -p "$1" 2>/dev/null; then
    echo "racelab-install: cannot create $1" >&2
    exit 3
fi
prefix=$(cd "$1" && pwd)
build=${RACELAB_BUILD_DIR:-$prefix/.build}
stamp=$prefix/share/racelab/source.sha256
hash=$(cd "$src" && find CMakeLists.txt cmake src/harness src/chaos src/sched \
           sanitizers ci scripts -type f | LC_ALL=C sort | xargs cat |
       sha256sum | cut -d' ' -f1)
if [ -x "$prefix/bin/racelab" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
    echo "racelab-install: $prefix holds this racelab already"
    exit 0
fi
fail() {
    echo "racelab-install: $1 failed (see above); are the packages of" \
         "scripts/install-deps.sh --runtime installed?" >&2
    exit 3
}
cmake -S "$src" -B "$build" -DRACELAB_FLAVOR=release \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
    -DBUILD_TESTING=OFF -DRACELAB_BUILD_SERVER=OFF >/dev/null || fail "cmake"
cmake --build "$build" -j "$(nproc)" >/dev/null || fail "the build"
cmake --install "$build" --prefix "$prefix" >/dev/null || fail "the install"
echo "$hash" > "$stamp"
echo "racelab-install: installed $("$prefix/bin/racelab" --version) in $prefix"
