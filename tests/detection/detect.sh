#!/bin/sh
# detect.sh - check one scenario under one tool against its manifest.
#
#   detect.sh RACELAB SOURCE_DIR SCENARIO TOOL
#
# Runs the buggy variant often enough that, at the detection rate the
# manifest records, missing it every time has probability below 0.1%
# (runs = ceil(ln 0.001 / ln(1 - rate)), at least 2, at most 12), and the
# fixed variant twice.  racelab judges each cell against the manifest:
# buggy must be detected, at the manifest's locations, by the tools the
# manifest says detect it, and stay silent under the others; fixed must be
# clean (or show only a documented false positive).  Exits with racelab's
# status, or 77 (CTest: skipped) when the recorded rate is too low for any
# affordable number of runs to be reliable.
set -eu
racelab=$1 src=$2 scenario=$3 tool=$4
manifest="$src/scenarios/$scenario/manifest.ini"

# The "rate = k/n" line of section [expect.buggy.TOOL].
rate=$(awk -v sec="[expect.buggy.$tool]" '
    /^\[/ { on = ($0 == sec) }
    on && /^rate[ \t]*=/ { sub(/^rate[ \t]*=[ \t]*/, ""); sub(/[ \t;].*/, ""); print; exit }
' "$manifest")
case "$rate" in
*/*) k=${rate%/*} n=${rate#*/} ;;
*) echo "detect.sh: $manifest: no 'rate = k/n' in [expect.buggy.$tool]" >&2; exit 1 ;;
esac

runs=$(awk -v k="$k" -v n="$n" 'BEGIN {
    p = k / n
    if (p == 0) { print 2; exit }
    if (p > 0.99) p = 0.99
    r = log(0.001) / log(1 - p); r = (r == int(r)) ? r : int(r) + 1
    if (r < 2) r = 2
    if (r > 12) { print "skip"; exit }
    print r }')
if [ "$runs" = skip ]; then
    echo "detect.sh: $scenario/$tool: recorded rate $rate is too low for a reliable check in 12 runs; skipped"
    exit 77
fi

echo "detect.sh: $scenario buggy x$runs, fixed x2 under $tool (recorded rate $rate)"
status=0
"$racelab" run "$scenario" --variant buggy --tool "$tool" --runs "$runs" \
    --early-stop --jobs 2 --quiet || status=$?
if [ "$status" -eq 0 ]; then
    "$racelab" run "$scenario" --variant fixed --tool "$tool" --runs 2 \
        --jobs 2 --quiet || status=$?
fi
exit "$status"
