#!/bin/sh
# run-against.sh BUILD_DIR SERVER_EXE [PROGRAM...]
#   Runs the integration programs of BUILD_DIR against SERVER_EXE (e.g. a
#   scenario variant, build/tsan/racelab-server-cache-race-fixed) instead of
#   the build's own racelab-server.  PROGRAM defaults to all of them:
#   http cli connections load.  Exit status: 0 when every program passed.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SERVER_EXE [PROGRAM...]" >&2
    exit 2
fi
build=$1
exe=$2
shift 2
[ $# -gt 0 ] || set -- http cli connections load
case $exe in /*) ;; *) exe=$(pwd)/$exe ;; esac
if [ ! -x "$exe" ]; then
    echo "$0: $exe: not an executable" >&2
    exit 2
fi
launcher=
if grep -q 'RACELAB_FLAVOR:STRING=tsan' "$build/CMakeCache.txt" 2>/dev/null \
   && command -v setarch >/dev/null; then
    launcher="setarch -R"
fi
status=0
for p in "$@"; do
    echo "== integration.$p against $exe"
    RACELAB_SERVER_EXE=$exe $launcher "$build/test-integration-$p" || status=1
done
exit $status
