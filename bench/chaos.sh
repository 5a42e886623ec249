#!/bin/bash
# bench/chaos.sh - how much schedule perturbation helps, measured.
#
# For every scenario, in one run on this machine: the manifestation rate
# (the symptom oracle with no tool) and the detection rate (TSan by
# default; add helgrind,drd with --tools) of the buggy variant with no
# perturbation, with --chaos random and with --chaos pct, as failures per
# run and per minute of wall time with 95% Wilson intervals; and the fixed
# variants under each strategy, which must stay clean.
#
# usage: bench/chaos.sh [--runs N] [--tools LIST] [--scenarios LIST]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=10 tools="none,tsan" scenarios=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --scenarios) scenarios="--scenarios $2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench/chaos.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
racelab="$here/build/release/racelab"
[ -x "$racelab" ] || { echo "bench/chaos.sh: build first (make tsan)" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-chaosbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for strategy in none random pct; do
    chaos=""
    [ "$strategy" = none ] || chaos="--chaos $strategy"
    echo "bench/chaos.sh: strategy $strategy ..." >&2
    # Full-length runs (no early stop), so per-minute figures compare.
    # shellcheck disable=SC2086
    "$racelab" matrix --tools "$tools" --runs "$runs" --no-early-stop $chaos $scenarios \
        --json "$tmp/$strategy.json" --quiet > /dev/null || true
done

python3 - "$tmp" <<'PY'
import json, math, os, sys
tmp = sys.argv[1]

def wilson(k, n):
    if n == 0: return (0.0, 1.0)
    z = 1.96; p = k / n
    d = 1 + z*z/n; c = p + z*z/(2*n); r = z*math.sqrt(p*(1-p)/n + z*z/(4*n*n))
    return (max(0.0, (c - r)/d), min(1.0, (c + r)/d))

cells = {}
for s in ("none", "random", "pct"):
    for c in json.load(open(os.path.join(tmp, s + ".json")))["results"]:
        runs = c["runs"] - c.get("env_errors", 0)
        if c["tool"] == "none":
            k = c["symptom_runs"] if c["variant"] == "buggy" else c["symptom_runs"] + c["hangs"] + c["crashes"]
        else:
            k = c["detected_runs"] if c["variant"] == "buggy" else c["finding_runs"]
        secs = sum(r["seconds"] for r in c["runs_detail"])
        cells[(c["scenario"], c["variant"], c["tool"], s)] = (k, runs, secs)

print("%-17s %-6s %-5s | %-26s | %-26s | %-26s | %s" % (
    "scenario", "var", "tool", "no chaos: k/n  /min", "random: k/n  /min", "pct: k/n  /min", "gain/min"))
for key in sorted({k[:3] for k in cells}):
    row = []
    per_min = {}
    for s in ("none", "random", "pct"):
        k, n, secs = cells.get(key + (s,), (0, 0, 0))
        lo, hi = wilson(k, n)
        pm = k / (secs / 60) if secs else 0
        per_min[s] = pm
        row.append("%2d/%-2d [%.2f,%.2f] %5.1f" % (k, n, lo, hi, pm))
    best = max(per_min["random"], per_min["pct"])
    gain = ("%.1fx" % (best / per_min["none"])) if per_min["none"] else ("inf" if best else "-")
    print("%-17s %-6s %-5s | %s | %s | %s | %s" % (key + tuple(row) + (gain,)))
PY
