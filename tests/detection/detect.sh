#!/bin/sh
# detect.sh - check one scenario under one tool against its manifest.
#
#   detect.sh RACELAB SOURCE_DIR SCENARIO TOOL
#
# The buggy variant gets 2 runs, and racelab gives it extra runs while it
# has not shown its bug, up to what the manifest's recorded rate needs to
# decide (miss probability <= 0.1%; --max-runs 30 at most): a correct
# build ends "pass", a broken one "fail".  Cells whose symptom the plain
# schedule shows too rarely carry their own `chaos =` in the manifest.
# The fixed variant gets 2 runs and must be clean under every oracle.
# --strict: an inconclusive cell fails the test; nothing is skipped.
set -eu
racelab=$1 src=$2 scenario=$3 tool=$4

echo "detect.sh: $scenario buggy (2 runs + extra until decided), fixed x2 under $tool"
status=0
"$racelab" run "$scenario" --variant buggy --tool "$tool" --runs 2 --max-runs 30 \
    --early-stop --jobs 2 --quiet --strict || status=$?
if [ "$status" -eq 0 ]; then
    "$racelab" run "$scenario" --variant fixed --tool "$tool" --runs 2 \
        --duration 1.5 --jobs 2 --quiet --strict || status=$?
fi
exit "$status"
