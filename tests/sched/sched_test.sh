#!/bin/sh
# sched_test.sh - the controlled scheduler end to end: programs built with
# `racelab cc`, run through `racelab stress`.
#
#   sched_test.sh MODE RACELAB PROGRAMS_DIR
#
# MODE: programs | replay | deadlock | lostwakeup | sync | threads64 | long |
# atomics | names | cxx | explore | explore_proof | explore_more | explore_jobs |
# explore_endless | explore_poll | twins | usage | repeat_spec.
# Seeds are fixed (--seed 1), and racelab stress measures PCT's step count
# k with one unperturbed run before the real ones (kept in a private
# $TMPDIR), so every verdict here is a function of the code: a buggy
# program that PCT stops exposing, or a control that starts failing, fails
# the test every time.
set -eu
mode=$1
racelab=$2
src=$3
tmp=$(mktemp -d /tmp/racelab-sched-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"            # the runtime keeps k in $TMPDIR/rlsched-steps-*
export RACELAB_SCHED_QUIET=1

fail() { echo "FAIL: $*" >&2; exit 1; }

build() {   # build NAME [OUT [FLAGS]]: tests/sched/programs/NAME.c -> $tmp/OUT (NAME)
    name=$1
    out=${2:-$1}
    [ $# -ge 2 ] && shift 2 || shift
    "$racelab" cc -g -O0 -Wall -Wextra -Werror "$@" -o "$tmp/$out" "$src/$name.c" \
        || fail "racelab cc could not build $name"
}

stress() {  # stress NAME ARGS...: racelab's exit status
    name=$1
    shift
    st=0
    "$racelab" stress --quiet "$@" -- "$tmp/$name" > "$tmp/$name.out" 2>&1 || st=$?
    echo "$st"
}

json_field() {  # json_field FILE EXPR: a python expression over results[0]
    python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['results'][0]; print($2)" "$1"
}

case $mode in
programs)
    for prog in reorder wronglock twostage account stack queue; do
        build "${prog}_buggy"
        build "${prog}_fixed"
        st=$(stress "${prog}_buggy" --chaos pct --runs 20 --seed 1 --json "$tmp/b.json")
        k=$(json_field "$tmp/b.json" "c['crashes']")
        echo "$prog buggy: racelab exit $st, $k/20 runs failed"
        [ "$st" = 1 ] && [ "$k" -ge 1 ] || fail "$prog: --chaos pct did not expose the bug in 20 runs"
        st=$(stress "${prog}_fixed" --chaos pct --runs 20 --seed 1)
        echo "$prog fixed: racelab exit $st"
        [ "$st" = 0 ] || fail "$prog: the control failed under --chaos pct: $(cat "$tmp/${prog}_fixed.out")"
    done
    ;;
replay)
    build account_buggy
    st=$(stress account_buggy --chaos pct --runs 20 --seed 1 --json "$tmp/r.json")
    ls "$TMPDIR"/rlsched-steps-* > /dev/null 2>&1 || fail "racelab stress did not measure k first"
    grep -q "not measured" "$tmp/r.json" && fail "a run drew its change points over the default k"
    [ "$st" = 1 ] || fail "no failing run to replay (exit $st)"
    seed=$(json_field "$tmp/r.json" "[r['seed'] for r in c['runs_detail'] if r['outcome'] == 'crash'][0]")
    echo "failing seed: $seed"
    for i in 1 2 3 4 5; do
        st=$(stress account_buggy --chaos pct --runs 1 --seed "$seed")
        [ "$st" = 1 ] || fail "seed $seed did not fail again on repeat $i (exit $st)"
    done
    echo "seed $seed failed 5/5 times"
    # the recorded schedule replays without the strategy, too
    RACELAB_CHAOS=pct:seed=$seed RACELAB_SCHED_LOG="$tmp/s.log" "$tmp/account_buggy" \
        > /dev/null 2>&1 && fail "seed $seed passed when run directly"
    for i in 1 2 3 4 5; do
        RACELAB_SCHED_QUIET= RACELAB_SCHED_REPLAY="$tmp/s.log" "$tmp/account_buggy" \
            > /dev/null 2> "$tmp/replay.err" && fail "replaying $tmp/s.log passed (repeat $i)"
        grep -q drifted "$tmp/replay.err" && fail "replay drifted: $(cat "$tmp/replay.err")"
    done
    echo "schedule log replayed: failed 5/5 times, no drift"
    # a changed program drifts from the log, then goes on with the logged
    # strategy (the log's header: pct, its seed and k) instead of stopping
    "$racelab" cc -g -O0 -DDEPOSITS=12 -o "$tmp/account_changed" "$src/account_buggy.c" \
        || fail "racelab cc could not build the changed program"
    RACELAB_SCHED_QUIET= RACELAB_SCHED_REPLAY="$tmp/s.log" RACELAB_SCHED_LOG="$tmp/c.log" \
        "$tmp/account_changed" > /dev/null 2> "$tmp/changed.err" || true
    grep -q "replay drifted at step" "$tmp/changed.err" || fail "no drift reported: $(cat "$tmp/changed.err")"
    head -n 1 "$tmp/c.log" | grep -q "pct:seed=$seed" \
        || fail "after the drift the run did not go on with pct:seed=$seed: $(head -n 1 "$tmp/c.log")"
    echo "changed program: drift reported, continued with pct:seed=$seed"
    ;;
deadlock)
    build deadlock_abba
    st=$(stress deadlock_abba --chaos pct --runs 20 --seed 1 --timeout 60 --json "$tmp/d.json")
    h=$(json_field "$tmp/d.json" "c['hangs']")
    echo "deadlock_abba: racelab exit $st, $h/20 runs deadlocked"
    [ "$st" = 1 ] && [ "$h" -ge 1 ] || fail "the ABBA deadlock was not found in 20 runs"
    rep=$(json_field "$tmp/d.json" "[r for r in c['runs_detail'] if r['outcome'] == 'hang'][0]['hang_report']")
    ex=$(json_field "$tmp/d.json" "[r for r in c['runs_detail'] if r['outcome'] == 'hang'][0]['exit_status']")
    echo "$rep"
    [ "$ex" = 86 ] || fail "the hang was not the runtime's deadlock exit (exit status $ex)"
    echo "$rep" | grep -q "cycle: thread" || fail "no wait-for cycle in the report"
    echo "$rep" | grep -q "lock_a" && echo "$rep" | grep -q "lock_b" \
        || fail "the report does not name lock_a and lock_b"
    det=$(json_field "$tmp/d.json" "[r for r in c['runs_detail'] if r['outcome'] == 'hang'][0]['symptom_detail']")
    echo "$det" | grep -q "schedule: rlsched-schedule 1 pct:seed=" \
        || fail "the hung run's detail does not quote its schedule: $det"
    # the same cycle while a third thread blocks in read(): reported as it
    # closes (exit 86), not left to the timeout
    build deadlock_io
    st=$(stress deadlock_io --chaos pct --runs 20 --seed 1 --timeout 60 --json "$tmp/io.json")
    n=$(json_field "$tmp/io.json" "sum(1 for r in c['runs_detail'] if r['outcome'] == 'hang' and r['exit_status'] == 86)")
    other=$(json_field "$tmp/io.json" "sum(1 for r in c['runs_detail'] if r['outcome'] not in ('hang', 'clean') or (r['outcome'] == 'hang' and r['exit_status'] != 86))")
    echo "deadlock_io: racelab exit $st, $n/20 runs reported the cycle, $other other failures"
    [ "$n" -ge 1 ] || fail "the cycle next to a blocked read() was not reported"
    [ "$other" = 0 ] || fail "deadlock_io: runs failed other than by the reported cycle"
    ;;
sync)
    build sync_mix
    for strategy in pct random none; do
        st=$(stress sync_mix --chaos $strategy --runs 10 --seed 1)
        echo "sync_mix --chaos $strategy: racelab exit $st"
        [ "$st" = 0 ] || fail "sync_mix under $strategy: $(cat "$tmp/sync_mix.out")"
    done
    ;;
lostwakeup)
    build lostwakeup_buggy
    st=$(stress lostwakeup_buggy --chaos pct --runs 20 --seed 1 --json "$tmp/w.json")
    h=$(json_field "$tmp/w.json" "c['hangs']")
    echo "lostwakeup_buggy: racelab exit $st, $h/20 runs hung"
    [ "$st" = 1 ] && [ "$h" -ge 1 ] || fail "the lost wakeup was not found in 20 runs"
    rep=$(json_field "$tmp/w.json" "[r for r in c['runs_detail'] if r['outcome'] == 'hang'][0]['hang_report']")
    echo "$rep"
    echo "$rep" | grep -q "condition variable .*(ready_cond) (no thread will wake it)" \
        || fail "the report does not name the condition variable nobody signals"
    ;;
threads64)
    build threads64
    for strategy in pct random none; do
        st=$(stress threads64 --chaos $strategy --runs 5 --seed 1)
        echo "threads64 --chaos $strategy: racelab exit $st"
        [ "$st" = 0 ] || fail "64 threads under $strategy: $(cat "$tmp/threads64.out")"
    done
    ;;
long)
    build long_run long_run -O1
    RACELAB_CHAOS=pct:seed=1 RACELAB_SCHED_LOG="$tmp/l.log" "$tmp/long_run" > /dev/null \
        || fail "long_run failed under pct"
    steps=$(head -n 1 "$tmp/l.log" | sed 's/.* steps=\([0-9]*\).*/\1/')
    echo "long_run: $steps scheduled steps"
    [ "$steps" -ge 10000000 ] || fail "expected at least 10^7 steps, the runtime counted $steps"
    st=$(stress long_run --chaos random --runs 1 --seed 1)
    [ "$st" = 0 ] || fail "long_run failed under random: $(cat "$tmp/long_run.out")"
    ;;
atomics)
    build atomics atomics -O1
    for strategy in pct random; do
        st=$(stress atomics --chaos $strategy --runs 10 --seed 1)
        echo "atomics --chaos $strategy: racelab exit $st"
        [ "$st" = 0 ] || fail "atomics under $strategy: $(cat "$tmp/atomics.out")"
    done
    ;;
repeat_spec)
    # the runtime's "to repeat: RACELAB_CHAOS=SPEC" is a spec racelab takes
    # (one grammar, src/chaos/chaos_spec.h), and it repeats the failure
    build account_buggy
    st=$(stress account_buggy --chaos pct --runs 20 --seed 1 --json "$tmp/r.json")
    [ "$st" = 1 ] || fail "no failing run to repeat (exit $st)"
    seed=$(json_field "$tmp/r.json" "[r['seed'] for r in c['runs_detail'] if r['outcome'] == 'crash'][0]")
    RACELAB_SCHED_QUIET= RACELAB_CHAOS=pct:seed=$seed "$tmp/account_buggy" \
        > /dev/null 2> "$tmp/note.err" && fail "seed $seed passed when run directly"
    spec=$(sed -n 's/.*to repeat: RACELAB_CHAOS=\([^ ;]*\).*/\1/p' "$tmp/note.err" | head -n 1)
    echo "the runtime printed: RACELAB_CHAOS=$spec"
    case $spec in *steps=*) ;; *) fail "no steps= in the repeat spec: $(cat "$tmp/note.err")" ;; esac
    st=$(stress account_buggy --chaos "$spec" --runs 1)
    [ "$st" = 1 ] || fail "racelab stress --chaos $spec: exit $st, expected 1: $(cat "$tmp/account_buggy.out")"
    echo "racelab stress --chaos $spec: exit 1 (the failure repeated)"
    for other in "random:p=0.25:seed=3:steps=2000" "none:steps=2000"; do
        st=$(stress account_buggy --chaos "$other" --runs 1)
        [ "$st" = 0 ] || [ "$st" = 1 ] || fail "--chaos $other: exit $st: $(cat "$tmp/account_buggy.out")"
    done
    # a bad spec: the runtime and racelab refuse it with the same words
    RACELAB_SCHED_QUIET= RACELAB_CHAOS=pct:depht=3 "$tmp/account_buggy" \
        > /dev/null 2> "$tmp/bad.err" || true
    want="unknown key 'depht' for pct (keys: seed, depth, steps, points, detect)"
    grep -qF "rlsched: RACELAB_CHAOS=pct:depht=3: $want" "$tmp/bad.err" \
        || fail "the runtime's refusal: $(cat "$tmp/bad.err")"
    st=$(stress account_buggy --chaos pct:depht=3)
    [ "$st" = 2 ] || fail "racelab stress --chaos pct:depht=3: exit $st, expected 2"
    grep -qF -- "--chaos: $want" "$tmp/account_buggy.out" \
        || fail "racelab's refusal: $(cat "$tmp/account_buggy.out")"
    echo "pct:depht=3 refused by both with: $want"
    ;;
names)
    # programs whose own globals are named like the runtime's interceptors
    # (send, read, wait, select as variables, then as functions): they link
    # (-fcommon too), and run correctly under the scheduler
    build names_vars
    build names_vars names_vars_common -fcommon
    build names_funcs
    for prog in names_vars names_vars_common names_funcs; do
        st=$(stress $prog --chaos pct --runs 20 --seed 1)
        echo "$prog --chaos pct: racelab exit $st"
        [ "$st" = 0 ] || fail "$prog under pct: $(cat "$tmp/$prog.out")"
    done
    RACELAB_CHAOS=pct:seed=2 "$tmp/names_funcs" | grep -qx "got 42" || fail "names_funcs: wrong output"
    RACELAB_CHAOS=pct:seed=2 "$tmp/names_vars" | grep -q "send=1 receive=1" || fail "names_vars: wrong output"
    # and the interceptors still intercept where the program does not
    # define the name: read() on a pipe blocks without the baton
    nm "$tmp/names_vars" | grep -qE ' [Bb] send$' || fail "the program's send is not its own variable"
    nm "$tmp/names_vars" | grep -qE ' W recv$' || fail "recv is not the runtime's weak interceptor"
    ;;
cxx)
    # C++ through racelab c++ (and racelab cc on a .cc source): libstdc++
    # links, std::thread/mutex/condition_variable/atomic and exceptions
    # (across threads, through exception_ptr and promise/future, with a
    # function-local static) run under the scheduler; a racy account is
    # exposed, its fixed twin and the correct programs stay clean
    for prog in cxx_racy cxx_fixed cxx_exc cxx_sync; do
        "$racelab" c++ -g -O1 -Wall -Wextra -Werror -o "$tmp/$prog" "$src/$prog.cc" \
            || fail "racelab c++ could not build $prog"
    done
    "$racelab" cc -g -O1 -o "$tmp/cxx_sync_cc" "$src/cxx_sync.cc" \
        || fail "racelab cc could not build a .cc source"
    "$racelab" c++ -g -O1 -c -o "$tmp/exc.o" "$src/cxx_exc.cc" || fail "racelab c++ -c"
    "$racelab" c++ -o "$tmp/cxx_exc_linked" "$tmp/exc.o" || fail "racelab c++ link of an object"
    st=$(stress cxx_racy --chaos pct --runs 20 --seed 1 --json "$tmp/cx.json")
    k=$(json_field "$tmp/cx.json" "c['crashes']")
    echo "cxx_racy: racelab exit $st, $k/20 runs failed"
    [ "$st" = 1 ] && [ "$k" -ge 1 ] || fail "cxx_racy: --chaos pct did not expose the lost update in 20 runs"
    for prog in cxx_fixed cxx_exc cxx_sync cxx_sync_cc cxx_exc_linked; do
        for strategy in pct random; do
            st=$(stress $prog --chaos $strategy --runs 20 --seed 1 --timeout 30)
            echo "$prog --chaos $strategy: racelab exit $st"
            [ "$st" = 0 ] || fail "$prog under $strategy: $(cat "$tmp/$prog.out")"
        done
    done
    RACELAB_CHAOS=pct:seed=3 "$tmp/cxx_exc" | grep -qx "caught 3 unwound 4" || fail "cxx_exc: wrong output"
    # the threads really were scheduled: the log has switches among them
    RACELAB_CHAOS=pct:seed=3 RACELAB_SCHED_LOG="$tmp/cx.log" "$tmp/cxx_sync" > /dev/null
    grep -q ' 4:' "$tmp/cx.log" || fail "std::thread workers are not in the schedule: $(head -c 300 "$tmp/cx.log")"
    ;;
explore)
    # dfs: the bug is found with the fewest preemptions, the verdict says so
    # in the table and the JSON, the printed repro fails again 5/5, the
    # failing schedule is printed as per-thread columns (text and HTML)
    build account_buggy
    st=$(stress account_buggy --chaos dfs:preemptions=2 --runs 1 --json "$tmp/x.json")
    v=$(json_field "$tmp/x.json" "c['verdict']")
    echo "account_buggy dfs: racelab exit $st: $v"
    [ "$st" = 1 ] || fail "dfs did not fail account_buggy (exit $st)"
    echo "$v" | grep -q "failed (signal 6) with 1 preemptions, the fewest" \
        || fail "no fewest-preemptions verdict: $v"
    repro=$(echo "$v" | sed -n 's/.*to repeat: RACELAB_CHAOS=\(dfs:[^ ]*\).*/\1/p')
    echo "$repro" | grep -q "force=[0-9]*@[0-9]" || fail "no force= repro in: $v"
    for i in 1 2 3 4 5; do
        RACELAB_CHAOS=$repro "$tmp/account_buggy" > /dev/null 2> "$tmp/rep.err" \
            && fail "the repro $repro passed (repeat $i)"
        grep -q "account: balance" "$tmp/rep.err" || fail "the repro failed otherwise: $(cat "$tmp/rep.err")"
    done
    echo "repro $repro failed 5/5"
    RACELAB_SCHED_HTML="$tmp/s.html" RACELAB_CHAOS=dfs:preemptions=2 "$tmp/account_buggy" \
        > /dev/null 2> "$tmp/cols.err" && fail "dfs run passed"
    grep -q "| thread 1 " "$tmp/cols.err" || fail "no per-thread columns: $(cat "$tmp/cols.err")"
    grep -q "account_buggy.c:[0-9]* deposit" "$tmp/cols.err" || fail "no source lines in the columns"
    grep -q "<table>" "$tmp/s.html" && grep -q "account_buggy.c:" "$tmp/s.html" \
        || fail "no HTML schedule"
    ;;
explore_proof)
    # dfs on correct programs: every schedule of the bound run, the verdict
    # says so in the run and the cell; a deadlock is found; a timeout says
    # how far it got
    build account_fixed
    build wronglock_fixed
    build deadlock_abba
    # (account_fixed at P = 1: 5,657 schedules at P = 2 is CPU the suite
    # spends elsewhere; bench/sched.sh proves the controls for P = 2)
    for pp in account_fixed:1 wronglock_fixed:2; do
        prog=${pp%:*} p=${pp#*:}
        st=$(stress $prog --chaos dfs:preemptions=$p --runs 1 --json "$tmp/y.json")
        v=$(json_field "$tmp/y.json" "c['verdict']")
        b=$(json_field "$tmp/y.json" "c['runs_detail'][0]['sched_bound']")
        echo "$prog dfs: racelab exit $st: $v"
        [ "$st" = 0 ] || fail "$prog failed under dfs: $v"
        echo "$b" | grep -q "^all [0-9]* schedules with at most $p preemptions.* explored: no failure" \
            || fail "$prog: no bound verdict in the run: $b"
        echo "$v" | grep -q "explored: no failure" || fail "$prog: the cell verdict lacks the bound"
    done
    # a process the program forks from a schedule leaves the tree alone:
    # its own decision points once added nodes and took forced decisions
    # (drift: "NOT exhaustive", exit 3)
    build fork_workers
    st=0
    RACELAB_CHAOS=dfs:preemptions=2 "$tmp/fork_workers" > /dev/null 2> "$tmp/f.err" || st=$?
    [ "$st" = 0 ] && grep -q "rlsched: dfs: all [0-9]* schedules.*explored: no failure" "$tmp/f.err" \
        && ! grep -q "NOT exhaustive" "$tmp/f.err" \
        || fail "fork_workers under dfs: exit $st: $(grep rlsched: "$tmp/f.err")"
    st=$(stress deadlock_abba --chaos dfs:preemptions=1 --runs 1 --json "$tmp/z.json")
    ex=$(json_field "$tmp/z.json" "c['runs_detail'][0]['exit_status']")
    echo "deadlock_abba dfs: racelab exit $st, exit status $ex"
    [ "$st" = 1 ] && [ "$ex" = 86 ] || fail "dfs did not report the ABBA deadlock"
    # stopped from outside (a timeout), the driver says how far it got
    st=0
    timeout -s TERM 2 env RACELAB_CHAOS=dfs:preemptions=8 "$tmp/account_fixed" \
        > /dev/null 2> "$tmp/term.err" || st=$?
    [ "$st" = 124 ] && grep -q "stopped by signal 15 after [0-9]* schedules.*not exhausted" \
        "$tmp/term.err" || fail "dfs under SIGTERM: exit $st: $(cat "$tmp/term.err")"
    ;;
explore_jobs)
    # jobs=2 runs two schedules at once and answers exactly as jobs=1: the
    # same failing schedule (number, preemptions, force= repro), the same
    # count for a proof; a stop at max= says how many more schedules the
    # bound holds, and that count is exact (max= plus it exhausts the
    # bound); a stop by signal leaves no child behind
    build account_buggy
    build account_fixed
    for j in 1 2; do
        RACELAB_CHAOS=dfs:preemptions=2:jobs=$j "$tmp/account_buggy" > /dev/null 2> "$tmp/b$j.err" \
            && fail "dfs jobs=$j passed account_buggy"
        grep 'rlsched: dfs:' "$tmp/b$j.err" > "$tmp/b$j.line" || fail "jobs=$j: no dfs line"
        RACELAB_CHAOS=dfs:preemptions=1:jobs=$j "$tmp/account_fixed" > /dev/null 2> "$tmp/c$j.err" \
            || fail "dfs jobs=$j failed account_fixed: $(cat "$tmp/c$j.err")"
        grep 'rlsched: dfs:' "$tmp/c$j.err" > "$tmp/c$j.line" || fail "jobs=$j: no dfs line"
    done
    cat "$tmp/b2.line" "$tmp/c2.line"
    grep -q "schedule [0-9]* failed (signal 6) with 1 preemptions.*force=[0-9]*@" "$tmp/b2.line" \
        || fail "jobs=2: no fewest-preemptions failure: $(cat "$tmp/b2.line")"
    cmp -s "$tmp/b1.line" "$tmp/b2.line" || fail "jobs=2 reported another failure than jobs=1: $(cat "$tmp/b1.line")"
    cmp -s "$tmp/c1.line" "$tmp/c2.line" || fail "jobs=2 proved another bound than jobs=1: $(cat "$tmp/c1.line")"
    grep -q "account: balance" "$tmp/b2.err" || fail "jobs=2 lost the failing schedule's output"
    grep -q "| thread 1 " "$tmp/b2.err" || fail "jobs=2 lost the failing schedule's columns"
    total=$(sed -n 's/.*all \([0-9]*\) schedules.*/\1/p' "$tmp/c1.line")
    RACELAB_CHAOS=dfs:preemptions=1:jobs=2:max=50 "$tmp/account_fixed" > /dev/null 2> "$tmp/m.err" \
        || fail "dfs max=50: $(cat "$tmp/m.err")"
    more=$(sed -n 's/.*stopped after 50 schedules (max=50) at 1 preemptions.*(\([0-9]*\) more schedules within it).*/\1/p' "$tmp/m.err")
    echo "account_fixed P=1: $total schedules; stopped at max=50: $more more"
    [ -n "$more" ] && [ $((50 + more)) = "$total" ] || fail "max=50 said $more more of $total: $(cat "$tmp/m.err")"
    st=0
    timeout -s TERM 2 env RACELAB_CHAOS=dfs:preemptions=8:jobs=2 "$tmp/account_fixed" \
        > /dev/null 2> "$tmp/term.err" || st=$?
    [ "$st" = 124 ] && grep -q "stopped by signal 15 after [0-9]* schedules.*not exhausted (at least [0-9]* more" \
        "$tmp/term.err" || fail "dfs jobs=2 under SIGTERM: exit $st: $(cat "$tmp/term.err")"
    sleep 0.2
    left=$(pgrep -f "$tmp/account_fixed" || true)
    [ -z "$left" ] || fail "dfs jobs=2 left processes behind: $left"
    # RACELAB_SCHED_LOG under jobs=2: each schedule writes PATH.J, and the
    # failing one's becomes PATH (two schedules at once wrote one file: a
    # clean one could overwrite, a killed one empty, the failing schedule)
    st=0
    RACELAB_SCHED_LOG="$tmp/s.log" RACELAB_CHAOS=dfs:preemptions=2:jobs=2 "$tmp/account_buggy" \
        > /dev/null 2>&1 || st=$?
    [ "$st" = 134 ] && grep -q "^rlsched-schedule 1 dfs:preemptions=2:jobs=2 " "$tmp/s.log" \
        || fail "jobs=2: no schedule log of the failing schedule (exit $st): $(head -c 200 "$tmp/s.log" 2>&1)"
    ! ls "$tmp"/s.log.* > /dev/null 2>&1 || fail "the schedules' own logs were left: $(ls "$tmp"/s.log.*)"
    for i in 1 2 3; do
        RACELAB_SCHED_REPLAY="$tmp/s.log" "$tmp/account_buggy" > /dev/null 2>&1 \
            && fail "the jobs=2 schedule log did not fail again (replay $i)"
    done
    # on a terminal (script(1) gives it one) the driver shows its progress on
    # one rewritten line, cleared before the verdict; into a file, nothing
    command -v script > /dev/null || fail "script(1) (bsdutils) is missing"
    script -qc "env -u RACELAB_SCHED_QUIET RACELAB_CHAOS=dfs:preemptions=1 '$tmp/account_fixed' > /dev/null" \
        "$tmp/tty.out" > /dev/null 2>&1 || fail "account_fixed under dfs on a terminal failed"
    grep -q "rlsched: dfs: [0-9]* schedules run, now those with [01] preemptions; [0-9]* more queued" \
        "$tmp/tty.out" || fail "no progress line on a terminal: $(cat -v "$tmp/tty.out" | head -c 600)"
    grep -q "rlsched: dfs: all $total schedules" "$tmp/tty.out" || fail "no verdict on a terminal"
    env -u RACELAB_SCHED_QUIET RACELAB_CHAOS=dfs:preemptions=1 "$tmp/account_fixed" \
        > /dev/null 2> "$tmp/file.err" || fail "account_fixed under dfs failed"
    grep -q "rlsched: dfs: all $total schedules" "$tmp/file.err" && ! grep -q "schedules run, now" "$tmp/file.err" \
        || fail "progress lines went into a file: $(head -c 400 "$tmp/file.err")"
    # racelab stress passes jobs= on: the failing schedule and its log
    st=$(stress account_buggy --chaos dfs:preemptions=2:jobs=2 --runs 1 --json "$tmp/j1.json")
    d=$(json_field "$tmp/j1.json" "c['runs_detail'][0]['symptom_detail']")
    [ "$st" = 1 ] && echo "$d" | grep -q "schedule: rlsched-schedule 1 dfs:preemptions=2:jobs=2:" \
        || fail "stress --chaos dfs:jobs=2: no failing schedule in the run (exit $st): $d"
    ;;
explore_endless)
    # a schedule that never ends (the consumer polls for a hand-over the
    # producer skipped) is killed at timeout= and reported like a failure:
    # the fewest preemptions, the thread that kept the baton, a repro that
    # polls forever again, exit 87; racelab records a hang; nothing is left
    build handoff_buggy
    st=0
    RACELAB_CHAOS=dfs:preemptions=2:timeout=2:detect=1 "$tmp/handoff_buggy" > /dev/null 2> "$tmp/e.err" || st=$?
    cat "$tmp/e.err"
    [ "$st" = 87 ] || fail "dfs on an endless schedule: exit $st, expected 87"
    grep -q "rlsched: dfs: schedule [0-9]* failed (never ended: thread 1 still had the baton after 2 s, the time limit (timeout=S)) with 1 preemptions" \
        "$tmp/e.err" || fail "no endless-schedule verdict naming the consumer (thread 1)"
    grep -q "| handoff_buggy.c:25 consumer (killed)" "$tmp/e.err" \
        || fail "the columns do not show where the consumer polled (line 25) when killed"
    repro=$(sed -n 's/.*to repeat: RACELAB_CHAOS=\(dfs:[^ ]*\).*/\1/p' "$tmp/e.err")
    st=0
    timeout 2 env RACELAB_CHAOS=$repro "$tmp/handoff_buggy" > /dev/null 2>&1 || st=$?
    [ "$st" = 124 ] || fail "the repro $repro ended (exit $st): it should poll forever"
    st=$(stress handoff_buggy --chaos dfs:preemptions=2:timeout=2:detect=1 --runs 1 --json "$tmp/e.json")
    o=$(json_field "$tmp/e.json" "c['runs_detail'][0]['outcome']")
    v=$(json_field "$tmp/e.json" "c['verdict']")
    echo "racelab stress: exit $st, outcome $o: $v"
    [ "$st" = 1 ] && [ "$o" = hang ] || fail "racelab stress: exit $st, outcome $o"
    echo "$v" | grep -q "never ended" || fail "the verdict does not say the schedule never ended: $v"
    sleep 0.2
    left=$(pgrep -f "$tmp/handoff_buggy" || true)
    [ -z "$left" ] || fail "processes left behind: $left"
    # every schedule endless: the detection run is killed and ends the
    # detection, and the first schedule is the one reported
    build endless_worker
    st=0
    RACELAB_CHAOS=dfs:preemptions=1:timeout=2 "$tmp/endless_worker" > /dev/null 2> "$tmp/f.err" || st=$?
    [ "$st" = 87 ] && grep -q "rlsched: race detection: run 1 still running after 2 s, killed" "$tmp/f.err" \
        && grep -q "rlsched: dfs: schedule 1 failed (never ended: thread 1 still had the baton" "$tmp/f.err" \
        && grep -q "| endless_worker.c:11 worker (killed)" "$tmp/f.err" \
        || fail "an endless worker under dfs: exit $st: $(grep rlsched: "$tmp/f.err")"
    # the driver's own SIGALRM (its time limit) is not the program's: a
    # program's alarm() watchdog still kills each schedule
    build watchdog_alarm
    st=0
    RACELAB_CHAOS=dfs:preemptions=1:points=sync "$tmp/watchdog_alarm" > /dev/null 2> "$tmp/w.err" || st=$?
    [ "$st" = 142 ] && grep -q "rlsched: dfs: schedule 1 failed (signal 14)" "$tmp/w.err" \
        || fail "alarm() under dfs: exit $st: $(grep rlsched: "$tmp/w.err")"
    ;;
explore_poll)
    # a test-and-set spin lock: a waiter polls (each poll a decision point)
    # until the holder runs again.  dfs makes a poller that saw the same
    # value twice with nothing in between wait for a write, so the P = 2
    # tree is small enough to prove (it did not fit the 4 M-node pool), and
    # the unlocked first pass is still found with the fewest preemptions
    build spinlock_buggy spinlock_fixed -DFIXED
    build spinlock_buggy
    st=0
    RACELAB_CHAOS=dfs:preemptions=2 "$tmp/spinlock_fixed" > /dev/null 2> "$tmp/p.err" || st=$?
    cat "$tmp/p.err"
    [ "$st" = 0 ] && grep -q "rlsched: dfs: all [0-9]* schedules with at most 2 preemptions.* explored: no failure" \
        "$tmp/p.err" || fail "the spin lock control was not proved for P = 2 (exit $st)"
    n=$(sed -n 's/.*all \([0-9]*\) schedules.*/\1/p' "$tmp/p.err")
    [ "$n" -lt 100000 ] || fail "the spin lock's P = 2 tree has $n schedules: polls were not folded"
    st=0
    RACELAB_CHAOS=dfs:preemptions=2 "$tmp/spinlock_buggy" > /dev/null 2> "$tmp/b.err" || st=$?
    grep -q "rlsched: dfs: schedule [0-9]* failed (signal 6) with 1 preemptions" "$tmp/b.err" \
        || fail "dfs did not find the unlocked first pass (exit $st): $(grep rlsched: "$tmp/b.err")"
    grep -q "spinlock: counter" "$tmp/b.err" || fail "the failing schedule's output is missing"
    # a plain volatile flag: the wait is no step until the detection finds
    # it racy, then each read is a decision point; it was a schedule that
    # "never ended" (2^40 accesses to a fair switch), now it is a poll
    build ready_flag_buggy ready_flag_fixed -DFIXED
    build ready_flag_buggy
    st=0
    RACELAB_CHAOS=dfs:preemptions=2:timeout=5 "$tmp/ready_flag_fixed" > /dev/null 2> "$tmp/r.err" || st=$?
    [ "$st" = 0 ] && grep -q "rlsched: dfs: all [0-9]* schedules with at most 2 preemptions.* explored: no failure (decision points: synchronization and [1-9]" \
        "$tmp/r.err" || fail "the plain-flag control was not proved (exit $st): $(grep rlsched: "$tmp/r.err")"
    st=0
    RACELAB_CHAOS=dfs:preemptions=2:timeout=5 "$tmp/ready_flag_buggy" > /dev/null 2> "$tmp/rb.err" || st=$?
    grep -q "rlsched: dfs: schedule [0-9]* failed (signal 6) with 1 preemptions" "$tmp/rb.err" \
        && grep -q "ready_flag: result 0" "$tmp/rb.err" \
        || fail "dfs did not find the flag raised too early (exit $st): $(grep rlsched: "$tmp/rb.err")"
    ;;
explore_more)
    # --minimise, race-directed PCT, and specs refused with a clear error
    build account_buggy
    build account_fixed
    st=$(stress account_buggy --minimise --json "$tmp/m.json")
    v=$(json_field "$tmp/m.json" "c['verdict']")
    [ "$st" = 1 ] && echo "$v" | grep -q "with 1 preemptions, the fewest" \
        || fail "--minimise: exit $st, verdict $v"
    build reorder_buggy
    st=$(stress reorder_buggy --chaos pct:points=races --runs 20 --seed 1)
    echo "reorder_buggy pct:points=races: racelab exit $st"
    [ "$st" = 1 ] || fail "race-directed pct did not expose reorder_buggy in 20 runs"
    st=$(stress account_fixed --chaos dfs:preemptions=x --runs 1)
    [ "$st" = 2 ] || fail "a bad dfs spec was not a usage error (exit $st)"
    st=0
    "$racelab" stress --chaos dfs --runs 1 -- /bin/true > "$tmp/t.out" 2>&1 || st=$?
    [ "$st" = 2 ] && grep -q "racelab cc" "$tmp/t.out" || fail "dfs on a plain program: exit $st"
    ;;
twins)
    # 30 identical loaders and one validator: dfs runs the schedules that
    # start a distinct thread before those that start a twin loader, so the
    # one-preemption bug is found in the first 300 schedules (in creation
    # order it is schedule ~1,100); the repro fails again
    build loaders_buggy
    st=$(stress loaders_buggy --chaos dfs:preemptions=1:max=300 --runs 1 --json "$tmp/t.json")
    v=$(json_field "$tmp/t.json" "c['verdict']")
    echo "loaders_buggy dfs max=300: racelab exit $st: $v"
    [ "$st" = 1 ] || fail "dfs did not find the loaders' bug in 300 schedules (exit $st): $v"
    echo "$v" | grep -q "with 1 preemptions, the fewest" || fail "no fewest-preemptions verdict: $v"
    repro=$(echo "$v" | sed -n 's/.*to repeat: RACELAB_CHAOS=\(dfs:[^ ]*\).*/\1/p')
    RACELAB_CHAOS=$repro "$tmp/loaders_buggy" > /dev/null 2> "$tmp/rep.err" \
        && fail "the repro $repro passed"
    grep -q "loaders: version 7 with checksum 0" "$tmp/rep.err" || fail "the repro failed otherwise: $(cat "$tmp/rep.err")"
    ;;
usage)
    build account_fixed
    nm "$tmp/account_fixed" | grep -q racelab_sched_runtime || fail "no racelab_sched_runtime mark"
    for tool in tsan helgrind drd; do
        st=$(stress account_fixed --tool $tool)
        [ "$st" = 2 ] || fail "--tool $tool on a racelab cc build: exit $st, expected 2"
        grep -q "controlled scheduler" "$tmp/account_fixed.out" || fail "no explanation for --tool $tool"
    done
    st=$(stress account_fixed)
    [ "$st" = 0 ] || fail "default tool on a racelab cc build: exit $st"
    grep -q " none " "$tmp/account_fixed.out" || fail "the default tool is not none: $(cat "$tmp/account_fixed.out")"
    # compile and link separately, as make does with CC="racelab cc"
    "$racelab" cc -g -c -o "$tmp/a.o" "$src/account_buggy.c" || fail "racelab cc -c"
    nm "$tmp/a.o" | grep -q __tsan_read4 || fail "racelab cc -c did not instrument"
    "$racelab" cc -o "$tmp/a.out" "$tmp/a.o" || fail "racelab cc link of an object"
    "$tmp/a.out" > /dev/null 2>&1 || true
    echo "racelab cc: -c, link, detection and --tool checks ok"
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
