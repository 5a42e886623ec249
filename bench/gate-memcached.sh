#!/bin/sh
# gate-memcached.sh - the race gate on a real server: memcached built with
# TSan, a baseline from 10 runs, then 5 gates of 5 runs of the unchanged
# build (each should be green) and 5 of a build with one unlocked counter
# in a new function (each should find it new).  docs/CI.md "Baselines"
# records what this printed.
#
# usage: bench/gate-memcached.sh MEMCACHED_SOURCE_DIR [WORK_DIR]
#   MEMCACHED_SOURCE_DIR  a memcached checkout (git clone, or the mirror's)
#   RACELAB               racelab binary (default: build/release/racelab)
#   BASELINE_RUNS, GATES, GATE_RUNS, MATCH (object|exact)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: bench/gate-memcached.sh MEMCACHED_SOURCE_DIR [WORK_DIR]}
work=${2:-$(mktemp -d /tmp/gate-memcached.XXXXXX)}
mkdir -p "$work"
racelab=${RACELAB:-$here/../build/release/racelab}
baseline_runs=${BASELINE_RUNS:-10}
gates=${GATES:-5}
gate_runs=${GATE_RUNS:-5}
match=${MATCH:-object}

build() {   # build DIR [PATCH-THE-COUNTER]
    rm -rf "$1"
    cp -a "$src" "$1"
    if [ "${2:-}" = counter ]; then
        python3 - "$1/proto_text.c" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
head = "static void process_get_command(conn *c, LIBEVENT_THREAD *t"
i = s.index(head)
s = s[:i] + ("unsigned long get_commands_seen;\n\n"
             "static void count_get_command(void) {\n"
             "    get_commands_seen++;\n}\n\n") + s[i:]
j = s.index("{", s.index(head))
s = s[:j + 1] + "\n    count_get_command();" + s[j + 1:]
open(p, "w").write(s)
PY
    fi
    (cd "$1" && { [ -x configure ] || ./autogen.sh; } >/dev/null &&
     CC=clang CFLAGS="-fsanitize=thread -g -O1" LDFLAGS=-fsanitize=thread \
         ./configure --disable-extstore >/dev/null &&
     make -j"$(nproc)" memcached >/dev/null)
}

echo "building memcached (TSan) in $work"
build "$work/plain"
build "$work/counter" counter

gate() {    # gate BUILD RUNS OUT [racelab options]: the cell's baseline counts
    b=$1 runs=$2 out=$3
    shift 3
    st=0
    "$racelab" stress --tool tsan --runs "$runs" --jobs 2 \
        --load "python3 $here/memcached_load.py {port} 3" \
        --source-root "$work/plain" --baseline-match "$match" "$@" \
        -- "$work/$b/memcached" -u root -U 0 -p '{port}' -t 4 > "$out" 2>&1 || st=$?
    # 0 (green) and 1 (a finding) are verdicts; anything else means the
    # runs did not look (tool error, no load answered, usage): stop
    if [ "$st" -gt 1 ]; then
        echo "racelab stress exited $st (not a verdict):" >&2
        tail -n 20 "$out" >&2
        exit 1
    fi
    grep -o 'baseline: [0-9]* new[^]]*' "$out" | head -n 1 || true
}

gate plain "$baseline_runs" "$work/baseline.out" --write-baseline "$work/baseline.json"
[ -s "$work/baseline.json" ] || { echo "no baseline was written" >&2; exit 1; }
echo "baseline: $baseline_runs runs, $(grep -c '"fingerprint"' "$work/baseline.json") races, $(wc -c < "$work/baseline.json") bytes"
i=1
while [ "$i" -le "$gates" ]; do
    r=$(gate plain "$gate_runs" "$work/plain-$i.out" --baseline "$work/baseline.json")
    echo "unchanged gate $i: $r"
    i=$((i + 1))
done
i=1
while [ "$i" -le "$gates" ]; do
    r=$(gate counter "$gate_runs" "$work/counter-$i.out" --baseline "$work/baseline.json")
    new=$(grep -c 'NEW race:count_get_command' "$work/counter-$i.out" || true)
    echo "counter gate $i: $r; the counter's race new: $([ "$new" -gt 0 ] && echo yes || echo no)"
    i=$((i + 1))
done
echo "outputs in $work"
