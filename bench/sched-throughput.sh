#!/bin/sh
# sched-throughput.sh - schedules per second through `racelab stress`, the
# runner included, and racelab's memory as --runs grows (issue 19, goal 5:
# 10,000 schedules of a small program in at most 60 s on 2 cores, memory
# not growing per run).
#
# usage: bench/sched-throughput.sh [RUNS...]   (default: 1000 10000 100000)
#   PROGRAM  the C source (default: bench/sched-programs/account.c, built
#            with -DFIXED: the control, so that every schedule runs whole)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
racelab=$here/build/release/racelab
[ -x "$racelab" ] || { echo "build first: make release" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-throughput.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp" RACELAB_SCHED_QUIET=1
program=${PROGRAM:-$here/bench/sched-programs/account.c}
"$racelab" cc -g -O0 -DFIXED -o "$tmp/prog" "$program"
echo "program: $program -DFIXED (racelab cc), --chaos pct, --jobs $(nproc)"
printf '%8s %10s %12s %12s\n' runs seconds "ms/schedule" "max RSS kB"
for n in ${*:-1000 10000 100000}; do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$racelab" stress --chaos pct --runs "$n" \
        --seed 1 --quiet -- "$tmp/prog" > "$tmp/out" 2>&1 \
        || { echo "racelab stress failed:"; tail -5 "$tmp/out"; exit 1; }
    read -r secs rss < "$tmp/time"
    printf '%8s %10s %12s %12s\n' "$n" "$secs" \
        "$(awk -v s="$secs" -v n="$n" 'BEGIN { printf "%.2f", 1000 * s / n }')" "$rss"
done
