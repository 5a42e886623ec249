#!/bin/bash
# scenarios/measure-rates.sh - measure every expectation's rate with racelab
# under racelab's own load, and write it into the manifests with its source.
#
#   scenarios/measure-rates.sh [--tools tsan,none] [--buggy-runs 5]
#                              [--fixed-runs 3] [--jobs 1] [SCENARIO...]
#
# For each tool, runs `build/release/racelab run SCENARIOS --tool TOOL
# --variant V --runs N --json FILE` (the default 3 s load, no early stop),
# then scenarios/record-rates.py sets each [expect.V.TOOL] section's
#   rate        = k/n   (buggy: runs with a true positive, or the symptom
#                        for tool none; fixed: runs with any finding, or the
#                        symptom)
#   rate_source = racelab run ... (commit, date)
# and drops the comment lines inside [expect.*] sections (measurement
# histories belong in the scenario's SOLUTION.md, labelled with their load).
# Needs the release build, and the tsan / valgrind builds for those tools.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=tsan,none buggy_runs=5 fixed_runs=3 jobs=1
scenarios=()
while [ $# -gt 0 ]; do
    case $1 in
    --tools) tools=$2; shift 2 ;;
    --buggy-runs) buggy_runs=$2; shift 2 ;;
    --fixed-runs) fixed_runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "measure-rates.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
    esac
done
racelab=$here/build/release/racelab
[ -x "$racelab" ] || { echo "measure-rates.sh: build the release flavor first" >&2; exit 3; }
if [ ${#scenarios[@]} -eq 0 ]; then
    mapfile -t scenarios < <("$racelab" list --json --source-dir "$here" |
        python3 -c 'import json,sys; [print(s["name"]) for s in json.load(sys.stdin)]')
fi
commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
day=$(date -u +%Y-%m-%d)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
files=()
IFS=, read -ra tool_list <<< "$tools"
for tool in "${tool_list[@]}"; do
    for variant in buggy fixed; do
        runs=$buggy_runs
        [ "$variant" = fixed ] && runs=$fixed_runs
        json=$out/$tool-$variant.json
        cmd="racelab run ${scenarios[*]} --tool $tool --variant $variant --runs $runs --jobs $jobs"
        echo "measure-rates.sh: $cmd" >&2
        # The gate's exit status says whether the old expectations held;
        # here only the measurement counts.
        "$racelab" run "${scenarios[@]}" --source-dir "$here" --tool "$tool" \
            --variant "$variant" --runs "$runs" --jobs "$jobs" --quiet \
            --json "$json" >&2 || true
        [ -s "$json" ] || { echo "measure-rates.sh: no JSON from: $cmd" >&2; exit 3; }
        # One cell's source names its own scenario (inih reads lines of
        # at most 199 characters).
        files+=("$json=racelab run {scenario} --tool $tool --variant $variant --runs $runs --jobs $jobs (commit $commit, $day)")
    done
done
python3 "$here/scenarios/record-rates.py" --replace --source-per-file "${files[@]}"
