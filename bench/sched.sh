#!/bin/bash
# bench/sched.sh - what the controlled scheduler (racelab cc) buys, measured.
#
#  1. Exposure: failing runs out of N (default 20) for each buggy program of
#     tests/sched/programs, built with racelab cc and run with --chaos pct
#     and --chaos random, against the same source built plainly (gcc -O0)
#     and run with the old LD_PRELOAD chaos (--chaos pct / random) and with
#     no perturbation.  The controls must fail 0 times everywhere.
#  2. Replay: up to 3 failing seeds per program, each repeated 5 times with
#     --seed: how many repeats fail again.
#  3. Overhead: long_run.c (1.5*10^7 steps) under the scheduler vs a plain
#     build: ns per step; and the cost of a thread switch (--chaos random,
#     switches counted from the schedule log).
#  4. The server (unless --no-server; needs `cmake --preset sched &&
#     cmake --build --preset sched`): manifestations per minute of
#     cache-race, stats-counter, cache-fill and accesslog-buffer (buggy, no
#     tool): sched pct / sched random / --chaos pct / --chaos random (wrap)
#     / none.
#
#  5. Literature-style programs (bench/sched-programs, each buggy and with
#     -DFIXED its control): where dfs (preemptions=2) first fails within
#     1,000 schedules, the printed repro 5/5, the control under 1,000 dfs
#     schedules, pct:points=races over --pct-runs seeds, and whether
#     dfs:preemptions=2 exhausts the control's bound (a proof) within
#     --proof-max schedules and --proof-seconds (120), --proof-jobs (nproc) at once.
#
# usage: bench/sched.sh [--runs N] [--server-runs N] [--no-server | --server-only |
#                       --literature-only] [--pct-runs N] [--proof-max N]
#                       [--proof-seconds S] [--proof-jobs N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=20 server_runs=4 server=1 programs=1 literature=1 pct_runs=200 proof_max=100000 proof_s=120
proof_jobs=$(nproc)
lit_programs="reorder:5 reorder:10 reorder:20 twostage:100 tokenring account stopflag wronglock
              quicksort lfstack philosophers circbuf"
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --server-runs) server_runs=$2; shift 2 ;;
    --no-server) server=0; shift ;;
    --server-only) programs=0; literature=0; shift ;;
    --literature-only) programs=0; server=0; shift ;;
    --pct-runs) pct_runs=$2; shift 2 ;;
    --proof-max) proof_max=$2; shift 2 ;;
    --proof-seconds) proof_s=$2; shift 2 ;;
    --proof-jobs) proof_jobs=$2; shift 2 ;;
    --literature) lit_programs=$2; shift 2 ;;   # e.g. "reorder:20 account"
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "bench/sched.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
racelab="$here/build/release/racelab"
[ -x "$racelab" ] && [ -f "$here/build/release/librlsched.a" ] \
    || { echo "bench/sched.sh: build first: cmake --preset release && cmake --build --preset release" >&2; exit 3; }
tmp=$(mktemp -d /tmp/racelab-schedbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp" RACELAB_SCHED_QUIET=1
src="$here/tests/sched/programs"
progs="reorder wronglock twostage account stack queue"

failures() {    # failures JSON: failing runs (crash, hang) of the first cell
    python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['results'][0]; print(c['crashes'] + c['hangs'])" "$1"
}

if [ "$programs" = 1 ]; then
echo "## 1. exposure within $runs runs (failing runs / $runs)"
printf '%-16s %9s %9s %11s %11s %6s\n' program "sched-pct" "sched-rnd" "preload-pct" "preload-rnd" none
for p in $progs; do
    for v in buggy fixed; do
        n=${p}_$v
        "$racelab" cc -g -O0 -o "$tmp/$n.sched" "$src/$n.c"
        gcc -g -O0 -pthread -o "$tmp/$n.plain" "$src/$n.c"
        "$tmp/$n.sched" > /dev/null 2>&1 || true      # measure PCT's k first
        row=""
        for cfg in "sched --chaos pct" "sched --chaos random" "plain --chaos pct" \
                   "plain --chaos random" "plain"; do
            set -- $cfg
            bin=$1
            shift
            "$racelab" stress --tool none --runs "$runs" --seed 1 --quiet --json "$tmp/x.json" \
                "$@" -- "$tmp/$n.$bin" > /dev/null 2>&1 || true
            row="$row $(failures "$tmp/x.json")"
        done
        printf '%-16s %9s %9s %11s %11s %6s\n' "$n" $row
    done
done

echo
echo "## 2. replay: failing seeds (--chaos pct) repeated 5 times each"
for p in $progs; do
    n=${p}_buggy
    "$racelab" stress --tool none --runs "$runs" --seed 1 --chaos pct --quiet --json "$tmp/r.json" \
        -- "$tmp/$n.sched" > /dev/null 2>&1 || true
    seeds=$(python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['results'][0]; print(' '.join(str(r['seed']) for r in c['runs_detail'] if r['outcome'] in ('crash','hang'))[:3*11])" "$tmp/r.json" | cut -d' ' -f1-3)
    total=0 again=0
    for s in $seeds; do
        for i in 1 2 3 4 5; do
            total=$((total + 1))
            "$racelab" stress --tool none --runs 1 --seed "$s" --chaos pct --quiet \
                -- "$tmp/$n.sched" > /dev/null 2>&1 || again=$((again + 1))
        done
    done
    echo "$n: seeds [$seeds]: $again/$total repeats failed again"
done

echo
echo "## 3. overhead"
"$racelab" cc -g -O1 -o "$tmp/long.sched" "$src/long_run.c"
gcc -g -O1 -pthread -o "$tmp/long.plain" "$src/long_run.c"
"$tmp/long.sched" > /dev/null
best() {    # best CMD...: the fastest of 3 wall times, in seconds
    local b=999
    for i in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" > /dev/null
        t1=$(date +%s.%N)
        b=$(python3 -c "print(min($b, $t1 - $t0))")
    done
    echo "$b"
}
tp=$(best "$tmp/long.plain")
ts=$(best env RACELAB_CHAOS=pct:seed=1 "$tmp/long.sched")
tr=$(best env RACELAB_CHAOS=random:seed=1 "$tmp/long.sched")
RACELAB_CHAOS=pct:seed=1 RACELAB_SCHED_LOG="$tmp/p.log" "$tmp/long.sched" > /dev/null
RACELAB_CHAOS=random:seed=1 RACELAB_SCHED_LOG="$tmp/r.log" "$tmp/long.sched" > /dev/null
python3 - "$tp" "$ts" "$tr" "$tmp/p.log" "$tmp/r.log" <<'PY'
import sys
tp, ts, tr = map(float, sys.argv[1:4])
def info(path):
    lines = open(path).read().split()
    steps = int([w for w in lines if w.startswith("steps=")][0][6:])
    segs = sum(1 for w in lines if ":" in w and w.split(":")[0].lstrip("-").isdigit())
    return steps, segs
sp, swp = info(sys.argv[4])
sr, swr = info(sys.argv[5])
print(f"long_run: plain {tp:.3f} s, sched pct {ts:.3f} s ({sp} steps, {swp - 1} switches), "
      f"sched random {tr:.3f} s ({swr - 1} switches)")
print(f"per step (pct, few switches): {(ts - tp) / sp * 1e9:.1f} ns")
print(f"per switch (random - pct):    {(tr - ts) / max(1, swr - swp) * 1e6:.2f} us")
PY
fi

if [ "$literature" = 1 ]; then
echo
echo "## 5. literature-style programs (bench/sched-programs; control = -DFIXED)"
echo "# dfs-find: schedule at which dfs:preemptions=2 failed (max 1000), its preemptions;"
echo "# repro: the printed force= repro, 5 runs; ctl-1000: the control under dfs, max=1000;"
echo "# pct: pct:points=races failing runs of $pct_runs (seeds 1..$pct_runs) buggy / control;"
echo "# proof: dfs:preemptions=2:jobs=$proof_jobs on the control, max=$proof_max, timeout ${proof_s}s."
lit="$here/bench/sched-programs"
printf '%-12s %-14s %-6s %-10s %-13s %s\n' program dfs-find repro ctl-1000 pct proof
for spec in $lit_programs; do
    p=${spec%%:*} d=""
    [ "$spec" != "$p" ] && d="-DTHREADS=${spec#*:}"
    ext=c cc=cc
    [ "$p" = lfstack ] && ext=cc cc=c++
    name=$p${d:+-${spec#*:}}
    "$racelab" $cc -g -O1 $d -o "$tmp/$name.bug" "$lit/$p.$ext"
    "$racelab" $cc -g -O1 $d -DFIXED -o "$tmp/$name.ok" "$lit/$p.$ext"
    RACELAB_CHAOS=dfs:preemptions=2:max=1000 timeout 300 "$tmp/$name.bug" \
        > /dev/null 2> "$tmp/find.err" || true
    line=$(grep 'rlsched: dfs:' "$tmp/find.err" || true)
    find=$(echo "$line" | sed -n 's/.*schedule \([0-9]*\) failed.* with \([0-9]*\) preemptions.*/#\1 (P=\2)/p')
    repro=$(echo "$line" | sed -n 's/.*to repeat: RACELAB_CHAOS=\(dfs:[^ ]*\).*/\1/p')
    again=-
    if [ -n "$repro" ]; then
        again=0
        for i in 1 2 3 4 5; do
            RACELAB_CHAOS=$repro "$tmp/$name.bug" > /dev/null 2>&1 || again=$((again + 1))
        done
        again="$again/5"
    fi
    RACELAB_CHAOS=dfs:preemptions=2:max=1000 timeout 300 "$tmp/$name.ok" \
        > /dev/null 2> "$tmp/ctl.err" && ctl=clean || ctl=FAIL
    pb=0 pc=0
    for s in $(seq 1 "$pct_runs"); do
        RACELAB_CHAOS=pct:points=races:seed=$s timeout 60 "$tmp/$name.bug" > /dev/null 2>&1 || pb=$((pb + 1))
        RACELAB_CHAOS=pct:points=races:seed=$s timeout 60 "$tmp/$name.ok" > /dev/null 2>&1 || pc=$((pc + 1))
    done
    t0=$(date +%s.%N)
    RACELAB_CHAOS=dfs:preemptions=2:jobs=$proof_jobs:max=$proof_max timeout "$proof_s" "$tmp/$name.ok" \
        > /dev/null 2> "$tmp/proof.err" || true
    t1=$(date +%s.%N)
    proof=$(grep 'rlsched: dfs:' "$tmp/proof.err" | sed -n \
        -e 's/.*all \([0-9]*\) schedules.*no failure.*/proved: all \1/p' \
        -e 's/.*stopped after \([0-9]*\) schedules.*(\(.*\) more schedules.*/not exhausted after \1, \2 more/p' \
        -e 's/.*stopped by signal [0-9]* after \([0-9]*\) schedules.*(\(.*\) more schedules.*/not exhausted after \1 (time), \2 more/p' \
        -e 's/.*schedule \([0-9]*\) failed.*/CONTROL FAILED at \1/p' || true)
    [ -n "$proof" ] || proof="timeout (${proof_s}s)"
    printf '%-12s %-14s %-6s %-10s %-13s %s (%.0f s)\n' "$name" "${find:-not found}" "$again" \
        "$ctl" "$pb/$pct_runs $pc/$pct_runs" "$proof" "$(echo "$t1 - $t0" | bc)"
done
fi

[ "$server" = 1 ] || exit 0
[ -x "$here/build/sched/racelab-server-cache-race-buggy" ] || {
    echo "bench/sched.sh: no build/sched (cmake --preset sched && cmake --build --preset sched); skipping the server" >&2
    exit 0
}
echo
echo "## 4. the server: manifestations per minute (buggy, --tool none, $server_runs runs x 3 s)"
# racelab run takes executables from BUILD_ROOT/release: point one at build/sched.
mkdir -p "$tmp/broot"
ln -s "$here/build/sched" "$tmp/broot/release"
scen=cache-race,stats-counter,cache-fill,accesslog-buffer
for cfg in "sched-pct|--build-dir $tmp/broot --chaos pct" "sched-random|--build-dir $tmp/broot --chaos random" \
           "wrap-pct|--chaos pct" "wrap-random|--chaos random" "none|"; do
    name=${cfg%%|*}
    # shellcheck disable=SC2086
    "$racelab" run ${cfg#*|} ${scen//,/ } --variant buggy --tool none --runs "$server_runs" \
        --seed 1 --quiet --json "$tmp/srv-$name.json" > /dev/null 2>&1 || true
done
python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
names = ["sched-pct", "sched-random", "wrap-pct", "wrap-random", "none"]
rows = {}
for n in names:
    for c in json.load(open(os.path.join(tmp, f"srv-{n}.json")))["results"]:
        secs = sum(r["seconds"] for r in c["runs_detail"])
        k = c["symptom_runs"]
        rows.setdefault(c["scenario"], {})[n] = (k, c["runs"], 60 * k / secs if secs else 0)
print("%-17s" % "scenario" + "".join("%-18s" % n for n in names))
for s, r in sorted(rows.items()):
    print("%-17s" % s + "".join("%-18s" % ("%d/%d %5.1f/min" % r[n]) for n in names))
PY
