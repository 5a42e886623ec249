#!/bin/sh
# racelab-gate.sh - use racelab as a race-detection gate in CI.
#
#   ci/racelab-gate.sh scenarios [TOOLS]        racelab's own scenario matrix
#   ci/racelab-gate.sh program TOOL -- CMD ...  your server or program, e.g.
#       ci/racelab-gate.sh program tsan -- ./build/my-server --port {port}
#   ci/racelab-gate.sh test TOOL -- CMD ...     your test binary (it exercises
#       itself; the run ends when it exits), e.g. ... test tsan -- ./t_queue
#   ci/racelab-gate.sh merge RESULTS.json ...   shards' results.json into one
#       verdict (the merge job of the CI templates)
#
# Writes $RACELAB_OUT/{results.json,junit.xml,results.sarif,report.html}
# and exits with racelab's status: 0 pass, 1 a (new) finding or failed
# expectation, 2 usage error, 3 environment error (racelab missing, output
# directory not writable, tool or build missing).
# A program given {port} gets load: GET / from racelab's client unless
# RACELAB_ARGS names --http or --load.
# Environment:
#   RACELAB           the racelab binary (default build/release/racelab)
#   RACELAB_OUT       output directory (default racelab-results)
#   RACELAB_RUNS      runs per cell (default 5)
#   RACELAB_SHARD     I/N: this job's share of the runs (program, test) or
#                     cells (scenarios); merge the shards with `merge`
#   RACELAB_SEED      base seed (default 1 when sharded: shards must agree)
#   RACELAB_BASELINE  an earlier results.json: its findings are known and do
#                     not fail the gate, new ones do
#   RACELAB_ARGS      extra racelab flags, word-split, e.g. "--http /health
#                     --clients 16", "--min-rate 0.2 --confidence 0.95",
#                     "--suppressions ci/tsan.supp", "--strict"
set -eu
racelab=${RACELAB:-build/release/racelab}
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

if [ ! -x "$racelab" ]; then
    echo "racelab-gate: $racelab not found; build it with 'make'" >&2
    exit 3
fi
if ! mkdir -p "$out" 2>/dev/null || [ ! -d "$out" ] || [ ! -w "$out" ]; then
    echo "racelab-gate: RACELAB_OUT=$out: cannot create or write the directory" >&2
    exit 3
fi

outputs="--json $out/results.json --junit $out/junit.xml --sarif $out/results.sarif --html $out/report.html"
gate=""
[ -n "${RACELAB_BASELINE:-}" ] && gate="$gate --baseline $RACELAB_BASELINE"
seed=${RACELAB_SEED:-}
if [ -n "${RACELAB_SHARD:-}" ]; then
    gate="$gate --shard $RACELAB_SHARD"
    seed=${seed:-1}
fi
[ -n "$seed" ] && gate="$gate --seed $seed"

case "$mode" in
scenarios)
    tools=${2:-tsan}
    # shellcheck disable=SC2086
    exec "$racelab" matrix --tools "$tools" --runs "$runs" $outputs $gate \
        ${RACELAB_ARGS:-}
    ;;
program|test)
    [ $# -ge 3 ] || usage
    tool=$2
    shift 2
    [ "$1" = "--" ] && shift
    [ $# -ge 1 ] || usage
    load=""
    if [ "$mode" = program ]; then
        case " $* " in
        *"{port}"*)
            case " ${RACELAB_ARGS:-} " in
            *" --http "*|*" --load "*) ;;
            *) load="--http /" ;;
            esac
            ;;
        esac
    fi
    # shellcheck disable=SC2086
    exec "$racelab" stress --tool "$tool" --runs "$runs" $outputs $gate $load \
        ${RACELAB_ARGS:-} -- "$@"
    ;;
merge)
    shift
    [ $# -ge 1 ] || usage
    # shellcheck disable=SC2086
    exec "$racelab" merge $outputs ${RACELAB_BASELINE:+--baseline "$RACELAB_BASELINE"} \
        ${RACELAB_ARGS:-} "$@"
    ;;
esac
