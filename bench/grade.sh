#!/bin/bash
# bench/grade.sh - wall time of `racelab grade` over a class of 30
# submissions of one scenario (goal: under 10 minutes on 2 cores).
#
# The class: 12 copies of the reference fix, 8 of the buggy module, 6 of a
# wrong fix (thread-local counters), 2 that do not compile, 1 that spins
# and 1 fork bomb (tests/classroom/submissions/).  Every file gets its own
# comment line, so each is built (no build-cache hit between students, as
# in a real class).  Default check settings: every installed detector,
# 2 runs of 2 s each per tool.
#
# usage: bench/grade.sh [--jobs N] [--scenario NAME] [-- EXTRA GRADE OPTIONS]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
jobs=2
scenario=stats-counter
while [ $# -gt 0 ]; do
    case "$1" in
    --jobs) jobs=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/grade.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
racelab=$here/build/release/racelab
[ -x "$racelab" ] || { echo "bench/grade.sh: build first: cmake --preset release && cmake --build --preset release" >&2; exit 3; }
sc=$here/scenarios/$scenario
subs=$here/tests/classroom/submissions
class=$(mktemp -d "${TMPDIR:-/tmp}/racelab-class.XXXXXX")
trap 'rm -rf "$class"' EXIT

n=0
add() {   # add FILE COUNT
    for _ in $(seq 1 "$2"); do
        n=$((n + 1))
        { cat "$1"; printf '\n/* student %02d */\n' "$n"; } > "$class/student$(printf %02d $n).c"
    done
}
add "$sc/fixed.c" 12
add "$sc/buggy.c" 8
if [ "$scenario" = stats-counter ]; then
    add "$subs/stats_thread_local.c" 6
    add "$subs/stats_spin.c" 1
    add "$subs/stats_forkbomb.c" 1
else
    add "$sc/buggy.c" 8
fi
add "$subs/compile_error.c" 2
echo "bench/grade.sh: $n submissions of $scenario, --jobs $jobs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
"$racelab" grade "$scenario" "$class" --out "$class/out" --jobs "$jobs" --quiet "$@"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "bench/grade.sh: wall %.0f s (%.1f min)\n", e - s, (e - s) / 60 }'
cut -d, -f1-10 "$class/out/grades.csv" | column -t -s, | head -40
