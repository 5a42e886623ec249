#!/bin/sh
# capture.sh - rebuilds the tiny bug programs and re-captures the real
# ThreadSanitizer, Helgrind, DRD and ASan/UBSan/LSan reports in ../data/.  The unit tests
# assert on these files, so re-run this only on purpose and re-check the
# line numbers the tests expect.
#
# usage: tests/harness-unit/programs/capture.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data
build=${1:-/tmp/racelab-capture}
mkdir -p "$build" "$data"

progs="race lockorder thread_leak uaf signal_malloc unlock_unlocked destroy_locked sem_misuse"

for p in $progs; do
    clang -fsanitize=thread -g -O1 -pthread -o "$build/$p.tsan" "$here/$p.c"
    gcc -g -O1 -pthread -o "$build/$p.vg" "$here/$p.c"
done

# TSan of clang 14 cannot map its shadow with some high-entropy ASLR
# layouts; then setarch -R turns randomization off for the child only.
# Without it, two captures differ in addresses as well as pids.
tsan() {    # tsan PROG OUTNAME [ARGS...]
    prog=$1 out=$2
    shift 2
    rm -f "$build/$out".*
    TSAN_OPTIONS="log_path=$build/$out" "$build/$prog.tsan" "$@" >/dev/null 2>&1 || true
    if ! grep -qs 'WARNING: ThreadSanitizer' "$build/$out".*; then
        rm -f "$build/$out".*
        TSAN_OPTIONS="log_path=$build/$out" setarch -R "$build/$prog.tsan" "$@" \
            >/dev/null 2>&1 || true
    fi
    cp "$(ls "$build/$out".* | head -n 1)" "$data/$out.log"
}
vg() {      # vg TOOL PROG OUTNAME [ARGS...]
    tool=$1 prog=$2 out=$3
    shift 3
    valgrind --tool="$tool" --xml=yes --xml-file="$data/$out.xml" \
        "$build/$prog.vg" "$@" >/dev/null 2>&1 || true
}

for p in $progs; do
    tsan "$p" "tsan-$p"
    vg helgrind "$p" "helgrind-$p"
    vg drd "$p" "drd-$p"
done
# A second capture of the same race: other pid, addresses and timing.
tsan race tsan-race-2
vg helgrind race helgrind-race-2
vg drd race drd-race-2

# One racing statement through two call paths (get, set), and another
# racing function (miss): race_paths.c, one capture per mode.
clang -fsanitize=thread -g -O1 -pthread -o "$build/race_paths.tsan" "$here/race_paths.c"
gcc -g -O1 -pthread -o "$build/race_paths.vg" "$here/race_paths.c"
for m in get set miss; do
    tsan race_paths "tsan-race_paths-$m" "$m"
    vg helgrind race_paths "helgrind-race_paths-$m" "$m"
    vg drd race_paths "drd-race_paths-$m" "$m"
done

# One unsynchronized access as a family of racing pairs, on a named
# global and on a heap block (race_object.c), one capture per mode.
clang -fsanitize=thread -g -O1 -pthread -o "$build/race_object.tsan" "$here/race_object.c"
gcc -g -O1 -pthread -o "$build/race_object.vg" "$here/race_object.c"
for m in clock1 clock2 heap1 heap2 counter; do
    tsan race_object "tsan-race_object-$m" "$m"
done
for m in clock1 heap1; do
    vg helgrind race_object "helgrind-race_object-$m" "$m"
    vg drd race_object "drd-race_object-$m" "$m"
done

# A report cut short, as from a killed process: the first complete error
# plus part of the next.
xml=$data/helgrind-race.xml
cut=$(grep -n '</error>' "$xml" | head -n 1 | cut -d: -f1)
head -n $((cut + 12)) "$xml" > "$data/helgrind-truncated.xml"
# TSan: the first of the two signal-unsafe reports whole, the second cut
# after its first frames (no SUMMARY line).
tlog=$data/tsan-signal_malloc.log
cut=$(grep -n 'WARNING: ThreadSanitizer' "$tlog" | sed -n 2p | cut -d: -f1)
head -n $((cut + 2)) "$tlog" > "$data/tsan-truncated.log"

# AddressSanitizer + UBSan + LSan, as racelab's asan flavor builds and
# runs them (tools/asan.c): one log per process.
for p in uaf overflow leak ub_overflow; do
    clang -fsanitize=address,undefined -fno-sanitize-recover=undefined -g -O1 \
        -fno-omit-frame-pointer -pthread -o "$build/$p.asan" "$here/$p.c"
    rm -f "$build/asan-$p".*
    ASAN_OPTIONS="log_path=$build/asan-$p exitcode=66 detect_leaks=1" \
        UBSAN_OPTIONS="print_stacktrace=1 report_error_type=1" \
        "$build/$p.asan" >/dev/null 2>&1 || true
    cp "$(ls "$build/asan-$p".* | head -n 1)" "$data/asan-$p.log"
done
