#!/bin/bash
# bench/runner.sh - what racelab's runner costs per run, and how fast it
# calls a deadlock.
#
#  1. A trivial program (exits at once) run N times by a shell loop and by
#     `racelab stress --tool none --runs N --jobs 1`: runs per minute each,
#     and racelab's overhead per run in milliseconds.
#  2. An always-deadlocking two-thread program with no load and a 120 s
#     --timeout: seconds until racelab reports the hang (the goal is under
#     10 s: the blocked-threads watchdog, not the timeout, must see it).
#
# usage: bench/runner.sh [--runs N]   (default 200)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
racelab=$here/build/release/racelab
runs=200
[ "${1:-}" = --runs ] && runs=$2
[ -x "$racelab" ] || { echo "bench/runner.sh: build racelab first (make)" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-runner-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

printf 'int main(void) { return 0; }\n' > "$tmp/trivial.c"
cc -O1 -o "$tmp/trivial" "$tmp/trivial.c"
cc -g -O1 -pthread -o "$tmp/deadlock" "$here/tests/verdicts/programs/vd_deadlock.c"

t0=$(date +%s.%N)
for _ in $(seq "$runs"); do "$tmp/trivial"; done
t1=$(date +%s.%N)
"$racelab" stress --tool none --runs "$runs" --jobs 1 --quiet -- "$tmp/trivial" >/dev/null
t2=$(date +%s.%N)
"$racelab" stress --tool none --runs "$runs" --jobs 2 --quiet -- "$tmp/trivial" >/dev/null
t3=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v n="$runs" 'BEGIN {
    sh = b - a; rl = c - b; rl2 = d - c
    printf "trivial program, %d runs\n", n
    printf "  shell loop            %7.0f runs/min\n", n / sh * 60
    printf "  racelab --jobs 1      %7.0f runs/min  (%.1f ms per run over the loop)\n",
           n / rl * 60, (rl - sh) / n * 1000
    printf "  racelab --jobs 2      %7.0f runs/min\n", n / rl2 * 60
}'

t0=$(date +%s.%N)
"$racelab" stress --tool none --timeout 120 --quiet -- "$tmp/deadlock" >"$tmp/hang.out" 2>&1 || true
t1=$(date +%s.%N)
grep -q "wait-for cycle\\|every thread blocked" "$tmp/hang.out" || { echo "bench/runner.sh: the deadlock was not reported as a hang" >&2; cat "$tmp/hang.out" >&2; exit 1; }
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "always-deadlocking program, no load: hang reported in %.1f s (goal < 10 s)\n", b - a }'
