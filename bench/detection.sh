#!/bin/bash
# bench/detection.sh - how fast and how reliably each detector finds each bug.
#
# For every buggy scenario the manifest says a tool detects, runs it RUNS
# times under that tool with early stop and prints the per-run detection
# rate (95% Wilson interval) and the median seconds from start to the
# first true-positive finding.  Targets (issue 4): TSan median <= 1 s with
# a per-run rate >= 99%; Helgrind and DRD first detection <= 10 s.
#
# usage: bench/detection.sh [--runs N] [--tools LIST] [--chaos SPEC]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=20 tools="tsan,helgrind,drd" chaos=""
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --chaos) chaos="--chaos $2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "bench/detection.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
racelab="$here/build/release/racelab"
[ -x "$racelab" ] || { echo "bench/detection.sh: build first (make tsan)" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-detbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086
"$racelab" matrix --tools "$tools" --variants buggy --runs "$runs" --early-stop \
    $chaos --json "$tmp/det.json" --quiet > /dev/null || true
python3 - "$tmp/det.json" "$runs" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print("%-18s %-9s %9s %8s %-15s %10s %9s" % ("scenario", "tool", "detected", "rate",
      "ci95", "median-s", "first-s"))
for c in sorted(doc["results"], key=lambda c: (c["tool"], c["scenario"])):
    if not c["expected"]["kinds"] or c["expected"].get("false_positive"):
        continue          # the tool is documented blind here, or it is a trap
    lo, hi = c["rate_ci95"]
    med = c.get("median_detection_seconds", -1)
    print("%-18s %-9s %5d/%-3d %7.0f%% [%.2f, %.2f]  %10s %9s" % (
        c["scenario"], c["tool"], c["detected_runs"], c["runs"],
        100 * c["detection_rate"], lo, hi,
        "%.2f" % med if med is not None and med >= 0 else "-",
        "%.2f" % c["first_detection_seconds"] if c["first_detection_run"] > 0 else "-"))
PY
