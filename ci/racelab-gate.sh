#!/bin/sh
# racelab-gate.sh - use racelab as a race-detection gate in CI.
#
#   ci/racelab-gate.sh scenarios [TOOLS]         racelab's own scenario matrix
#   ci/racelab-gate.sh program TOOL -- CMD ...   your program, e.g.
#       ci/racelab-gate.sh program tsan -- ./build/my-server --port {port}
#
# Writes racelab-results/{results.json,junit.xml,results.sarif,matrix.html}
# and exits with racelab's status: 0 pass, 1 a finding or failed
# expectation, 2 usage error, 3 environment error.
# Environment: RACELAB (path to the racelab binary, default
# build/release/racelab), RACELAB_RUNS (default 5), RACELAB_ARGS (extra flags,
# e.g. "--http /health --clients 16").
set -eu
racelab=${RACELAB:-build/release/racelab}
runs=${RACELAB_RUNS:-5}
out=${RACELAB_OUT:-racelab-results}
mkdir -p "$out"
outputs="--json $out/results.json --junit $out/junit.xml --sarif $out/results.sarif"

if [ ! -x "$racelab" ]; then
    echo "racelab-gate: $racelab not found; build it with 'make'" >&2
    exit 3
fi

mode=${1:-}
case "$mode" in
scenarios)
    tools=${2:-tsan}
    # shellcheck disable=SC2086
    exec "$racelab" matrix --tools "$tools" --runs "$runs" $outputs \
        --html "$out/matrix.html" ${RACELAB_ARGS:-}
    ;;
program)
    [ $# -ge 3 ] || { echo "usage: $0 program TOOL -- CMD ..." >&2; exit 2; }
    tool=$2
    shift 2
    [ "$1" = "--" ] && shift
    # shellcheck disable=SC2086
    exec "$racelab" stress --tool "$tool" --runs "$runs" $outputs ${RACELAB_ARGS:-} -- "$@"
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
