#!/bin/bash
# bench/overhead.sh - what racelab adds to running a tool by hand.
#
# By hand: start the TSan build of a fixed scenario, wait for its
# "listening on" line, load it with wrk for DURATION seconds from another
# process, SIGTERM it and wait.  With racelab: `racelab run` of the same
# cell, one run of the same duration, no early stop.  Both REPEAT times;
# prints the median wall time of each and the overhead.  Target (issue 4):
# at most 5%.
#
# usage: bench/overhead.sh [--duration S] [--repeat N] [--scenario NAME]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
duration=3 repeat=5 scenario=stats-counter
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/overhead.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
exe="$here/build/tsan/racelab-server-$scenario-fixed"
racelab="$here/build/release/racelab"
[ -x "$exe" ] && [ -x "$racelab" ] || { echo "bench/overhead.sh: run make tsan first" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-overhead.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/www"
for i in $(seq 0 63); do head -c $((512 + i * 256)) /dev/zero | tr '\0' 'a' > "$tmp/www/$i.html"; done

now() { date +%s.%N; }
by_hand() {
    local t0 t1 pid port
    t0=$(now)
    TSAN_OPTIONS="log_path=$tmp/tsan halt_on_error=0" "$exe" --port 0 --root "$tmp/www" > "$tmp/out" 2>/dev/null &
    pid=$!
    until grep -q listening "$tmp/out" 2>/dev/null; do sleep 0.01; done
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/out")
    wrk -t2 -c8 -d"${duration}s" "http://127.0.0.1:$port/1.html" > /dev/null
    kill -TERM "$pid"; wait "$pid" || true
    t1=$(now)
    echo "$t1 - $t0" | bc
}
with_racelab() {
    local t0 t1
    t0=$(now)
    "$racelab" run "$scenario" --variant fixed --tool tsan --runs 1 --jobs 1 \
        --duration "$duration" --no-early-stop --quiet > /dev/null || true
    t1=$(now)
    echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for _ in $(seq "$repeat"); do by_hand; done > "$tmp/hand"
for _ in $(seq "$repeat"); do with_racelab; done > "$tmp/racelab"
h=$(median < "$tmp/hand"); r=$(median < "$tmp/racelab")
printf 'by hand (TSan server + wrk %ss): median %.2f s\n' "$duration" "$h"
printf 'racelab run, same cell:          median %.2f s\n' "$r"
awk -v h="$h" -v r="$r" 'BEGIN { printf "overhead: %+.1f%%\n", 100 * (r - h) / h }'
