#!/bin/bash
# bench/load.sh - 1,000 connections against the correct server.
#
# Runs wrk -t2 -c1000 for DURATION seconds (default 30) against
# racelab-server serving a 1 KiB file, sampling the server's resident
# memory every second, and prints requests/s, wrk's socket errors and the
# RSS curve, so that "memory levels off" can be seen, not assumed.
#
# usage: bench/load.sh [--duration SECONDS] [--server PATH]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
duration=30
server="$here/build/release/racelab-server"
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) duration=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench/load.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "bench/load.sh: wrk missing; scripts/install-deps.sh" >&2; exit 3; }
[ -x "$server" ] || { echo "bench/load.sh: $server missing; run make" >&2; exit 3; }

tmp=$(mktemp -d /tmp/racelab-load.XXXXXX)
srv=""
cleanup() {
    [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ulimit -n 4096 2>/dev/null || true
mkdir -p "$tmp/www"
head -c 1024 /dev/zero | tr '\0' 'x' > "$tmp/www/file-1k.txt"

"$server" --port 0 --root "$tmp/www" --max-connections 2048 > "$tmp/out" &
srv=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/out")

( for s in $(seq "$duration"); do
      awk '/VmRSS/ { print $2 }' "/proc/$srv/status" 2>/dev/null || true
      sleep 1
  done ) > "$tmp/rss" &
sampler=$!
wrk -t2 -c1000 -d"${duration}s" "http://127.0.0.1:$port/file-1k.txt" | tee "$tmp/wrk"
wait "$sampler" || true

echo "RSS (KiB), one sample a second:"
tr '\n' ' ' < "$tmp/rss"; echo
first=$(head -n 3 "$tmp/rss" | tail -n 1); last=$(tail -n 1 "$tmp/rss")
echo "RSS at 3 s: ${first} KiB, at the end: ${last} KiB"
kill -TERM "$srv"
wait "$srv"; status=$?
srv=""
echo "server exit status after SIGTERM: $status"
