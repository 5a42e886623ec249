#!/bin/sh
# racelab-gate.sh - use racelab as a race-detection gate in CI.
#
#   ci/racelab-gate.sh program TOOL [OPTIONS] -- PROG ARGS...
#       your server or program, e.g.
#       ci/racelab-gate.sh program tsan -- ./build/my-server --port {port}
#       ci/racelab-gate.sh program tsan --load 'python3 ci/load.py {port}' \
#           -- ./build/my-server --port {port}
#   ci/racelab-gate.sh test TOOL [OPTIONS] -- PROG ARGS...
#       your test binary (it exercises itself; the run ends when it exits)
#   ci/racelab-gate.sh scenarios [TOOLS] [OPTIONS]   racelab's own matrix
#   ci/racelab-gate.sh merge [OPTIONS] RESULTS.json...
#       shards' results.json into one verdict (the templates' merge job)
#
# OPTIONS are racelab's own (racelab stress|matrix|merge --help), passed to
# it as the separate arguments they are: --load 'CMD' stays one argument.
# Writes $RACELAB_OUT/{results.json,junit.xml,results.sarif,report.html}
# and exits with racelab's status: 0 pass, 1 a (new) finding or failed
# expectation, 2 usage error, 3 environment error (racelab missing, output
# directory not writable, tool or build missing, a --load command that
# could not start or failed).
# A program given {port} gets load: GET / from racelab's client unless
# OPTIONS or RACELAB_LOAD name one (--http PATH, --load 'CMD').
# Environment:
#   RACELAB           the racelab binary (default: the one installed beside
#                     this script, else build/release/racelab, else PATH)
#   RACELAB_OUT       output directory (default racelab-results)
#   RACELAB_RUNS      runs per cell (default 5)
#   RACELAB_SHARD     I/N: this job's share of the runs (program, test) or
#                     cells (scenarios); merge the shards with `merge`
#   RACELAB_SEED      base seed (default 1 when sharded: shards must agree)
#   RACELAB_BASELINE  a baseline file: its findings are known and do not
#                     fail the gate, new ones do
#   RACELAB_LOAD      program, test: one load command, as --load 'CMD'
#                     (spaces and quotes kept: it is run by /bin/sh -c)
#   RACELAB_ARGS      extra racelab flags, split at spaces; no quotes (they
#                     are refused: give such flags as OPTIONS), e.g.
#                     "--min-rate 0.2 --confidence 0.95 --strict"
set -euf
here=$(dirname "$0")
if [ -n "${RACELAB:-}" ]; then
    racelab=$RACELAB
elif [ -x "$here/racelab" ]; then
    racelab=$here/racelab               # installed: make install PREFIX=...
elif [ -x build/release/racelab ]; then
    racelab=build/release/racelab
else
    racelab=$(command -v racelab || echo build/release/racelab)
fi
runs=${RACELAB_RUNS:-5}
out=${RACELAB_OUT:-racelab-results}

usage() {
    sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0" >&2
    exit 2
}

mode=${1:-}
case "$mode" in
scenarios|program|test|merge) ;;
*) usage ;;
esac

case "${RACELAB_ARGS:-}" in
*\'*|*\"*|*\\*)
    echo "racelab-gate: RACELAB_ARGS is split at spaces and cannot carry" \
         "quotes; give such options as arguments (program TOOL --load 'CMD'" \
         "-- PROG) or the load as RACELAB_LOAD" >&2
    exit 2 ;;
esac
if [ ! -x "$racelab" ]; then
    echo "racelab-gate: $racelab not found; build it with 'make' or install" \
         "it with 'make install PREFIX=...'" >&2
    exit 3
fi
if ! mkdir -p "$out" 2>/dev/null || [ ! -d "$out" ] || [ ! -w "$out" ]; then
    echo "racelab-gate: RACELAB_OUT=$out: cannot create or write the directory" >&2
    exit 3
fi

seed=${RACELAB_SEED:-}
[ -n "${RACELAB_SHARD:-}" ] && seed=${seed:-1}

case "$mode" in
scenarios)
    shift
    tools=tsan
    if [ $# -ge 1 ]; then
        case "$1" in -*) ;; *) tools=$1; shift ;; esac
    fi
    # shellcheck disable=SC2086
    set -- ${RACELAB_ARGS:-} "$@"
    [ -n "$seed" ] && set -- --seed "$seed" "$@"
    [ -n "${RACELAB_SHARD:-}" ] && set -- --shard "$RACELAB_SHARD" "$@"
    [ -n "${RACELAB_BASELINE:-}" ] && set -- --baseline "$RACELAB_BASELINE" "$@"
    exec "$racelab" matrix --tools "$tools" --runs "$runs" \
        --json "$out/results.json" --junit "$out/junit.xml" \
        --sarif "$out/results.sarif" --html "$out/report.html" "$@"
    ;;
program|test)
    [ $# -ge 3 ] || usage
    tool=$2
    shift 2
    # OPTIONS -- PROG ARGS...; without --, everything is PROG ARGS
    dd=0
    after=0
    for a in "$@"; do
        if [ $dd -eq 1 ]; then
            after=$((after + 1))
        elif [ "$a" = "--" ]; then
            dd=1
        fi
    done
    if [ $dd -eq 0 ]; then
        set -- -- "$@"
        after=$(($# - 1))
    fi
    [ "$after" -ge 1 ] || usage
    [ -n "${RACELAB_LOAD:-}" ] && set -- --load "$RACELAB_LOAD" "$@"
    # shellcheck disable=SC2086
    set -- ${RACELAB_ARGS:-} "$@"
    [ -n "$seed" ] && set -- --seed "$seed" "$@"
    [ -n "${RACELAB_SHARD:-}" ] && set -- --shard "$RACELAB_SHARD" "$@"
    [ -n "${RACELAB_BASELINE:-}" ] && set -- --baseline "$RACELAB_BASELINE" "$@"
    exec "$racelab" stress --tool "$tool" --runs "$runs" \
        --json "$out/results.json" --junit "$out/junit.xml" \
        --sarif "$out/results.sarif" --html "$out/report.html" "$@"
    ;;
merge)
    shift
    [ $# -ge 1 ] || usage
    # shellcheck disable=SC2086
    set -- ${RACELAB_ARGS:-} "$@"
    [ -n "${RACELAB_BASELINE:-}" ] && set -- --baseline "$RACELAB_BASELINE" "$@"
    exec "$racelab" merge --json "$out/results.json" --junit "$out/junit.xml" \
        --sarif "$out/results.sarif" --html "$out/report.html" "$@"
    ;;
esac
