#!/bin/sh
# bench/make-test.sh - how long `make test` takes on a fresh clone (issue
# 16's goal: at most 240 s on 2 cores with the Debian packages present,
# builds included).  Clones the current commit into a temp dir, times
# `make test` there, prints the figure and removes the clone.
#
#   bench/make-test.sh [--keep]     (run from the repository)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/racelab-bench-make-test.XXXXXX)
keep=${1:-}
cleanup() { [ "$keep" = --keep ] || rm -rf "$tmp"; }
trap cleanup EXIT
git clone -q "$repo" "$tmp/racelab"
cd "$tmp/racelab"
start=$(date +%s)
status=0
/usr/bin/time -o "$tmp/cpu" -f "%U %S" make test > "$tmp/make-test.log" 2>&1 || status=$?
end=$(date +%s)
secs=$((end - start))
# the builds end where the first ctest starts ("Test project ...")
tests=$(sed -n 's/^Total Test time (real) = *\([0-9.]*\) sec/\1/p' "$tmp/make-test.log" | head -1)
grep -E "tests passed|Total Test time" "$tmp/make-test.log" || true
read -r user sys < "$tmp/cpu" || true
echo "make test on a fresh clone: ${secs} s (builds $(echo "$secs - ${tests:-0}" | bc) s, suite ${tests:-?} s;" \
     "CPU user ${user:-?} s + sys ${sys:-?} s on $(nproc) cores; exit ${status}; goal <= 240 s;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$status" -eq 0 ] || { tail -n 40 "$tmp/make-test.log"; exit "$status"; }
