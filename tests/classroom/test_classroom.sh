#!/bin/bash
# test_classroom.sh NAME - one classroom test (see CMakeLists.txt).
# Environment: RACELAB (the binary), RACELAB_SRC (source tree),
# RACELAB_BUILD (this flavor's build dir).  Exit 0 pass, 1 fail, 77 skip.
set -u
R=${RACELAB:?}
SRC=${RACELAB_SRC:?}
SUBS=$SRC/tests/classroom/submissions
T=$(mktemp -d "${TMPDIR:-/tmp}/rl-classroom.XXXXXX")
# The sandboxes go under $T/sb, so that every process a check starts (the
# servers, the harness runs, a fork bomb's daemons) has $T/sb in its
# command line; the build cache is shared by the tests.
export TMPDIR=$T/tmp RACELAB_HUNT_DIR=$T/hunt RACELAB_SANDBOX_DIR=$T/sb
# The teacher's key (a passphrase here; tests of the key file set HOME)
export RACELAB_HUNT_KEY=classroom-test-key
export RACELAB_CACHE_DIR=${RACELAB_BUILD:-$SRC/build}/classroom-cache
# the libraries hunt and handout build, once for every test
export RACELAB_HUNT_LIB_DIR=${RACELAB_BUILD:-$SRC/build}/classroom-hunt-libs
mkdir -p "$TMPDIR" "$RACELAB_SANDBOX_DIR"
chmod 0711 "$T" "$RACELAB_SANDBOX_DIR"   # the slot UIDs must reach their dirs
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# run CMD...: sets $rc, $out (stdout), $err (stderr)
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}
expect_rc() { [ "$rc" = "$1" ] || fail "expected exit $1, got $rc: $* | stdout: ${out:0:2000} | stderr: ${err:0:2000}"; }
has() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: ${1:0:3000}"; }
hasnt() { ! grep -qiF -- "$2" <<<"$1" || fail "did not expect '$2' in: ${1:0:3000}"; }
tmp_clean() {
    left=$(ls -A "$TMPDIR")
    [ -z "$left" ] || fail "temp files left behind: $left"
}
no_sandbox_procs() {
    # Nothing a check of this test started may be alive.  (Not by slot UID:
    # tests run in parallel, each with its own checks.)
    local left
    left=$(pgrep -af -- "$T/sb" | grep -v pgrep || true)
    [ -z "$left" ] || fail "processes left behind: $left"
    [ -z "$(ls -A "$RACELAB_SANDBOX_DIR")" ] || fail "sandbox dirs left: $(ls "$RACELAB_SANDBOX_DIR")"
}
have_clang() { command -v clang >/dev/null; }
manifest() { sed -n "s/^$2[ \t]*=[ \t]*\([^ ;]*\).*/\1/p" "$SRC/scenarios/$1/manifest.ini" | head -1; }
scenarios() { for d in "$SRC"/scenarios/*/manifest.ini; do basename "$(dirname "$d")"; done; }
# hints a scenario has: its HINTS.md's "## Hint N" headings
nhints() { grep -c '^## Hint' "$SRC/scenarios/$1/HINTS.md"; }
# the scenario's reference fix: its fixed.c, or for a folder without one
# the module itself, src/server/<module>.c (as the build does)
reffix() {
    if [ -f "$SRC/scenarios/$1/fixed.c" ]; then echo "$SRC/scenarios/$1/fixed.c"
    else echo "$SRC/src/server/$(manifest "$1" module).c"
    fi
}

t_hint_in_range() {
    for s in $(scenarios); do
        k=$(nhints "$s")
        [ "$k" -ge 1 ] || fail "$s: no hints found by the test itself"
        prev=""
        for i in $(seq 1 "$k"); do
            run "$R" hint "$s" "$i"
            expect_rc 0
            has "$out" "Hint $i of $k"
            body=$(tail -n +3 <<<"$out")
            [ -n "$body" ] || fail "$s hint $i is empty"
            [ "$body" != "$prev" ] || fail "$s hint $i repeats hint $((i - 1))"
            # a hint's body only: no heading, not the file's title
            ! grep -q '^## ' <<<"$body" || fail "$s hint $i holds a heading: $body"
            hasnt "$body" "# $s: hints"
            prev=$body
        done
    done
    # hint 1 of stats-counter is HINTS.md's "## Hint 1" and nothing of hint 2
    run "$R" hint stats-counter 1
    has "$out" "What"
    first1=$(sed -n '/^## Hint 1/,/^## /p' "$SRC/scenarios/stats-counter/HINTS.md" |
             sed -n '3p' | cut -c1-27)
    first2=$(sed -n '/^## Hint 2/,/^## /p' "$SRC/scenarios/stats-counter/HINTS.md" |
             sed -n '3p' | cut -c1-27)
    [ -n "$first1" ] && [ -n "$first2" ] || fail "the test found no hint 1 or 2 in HINTS.md"
    has "$out" "$first1"
    hasnt "$out" "$first2"
    hasnt "$out" "Hint 2"
}

t_hint_out_of_range() {
    k=$(nhints stats-counter)
    for n in 0 $((k + 1)) 99; do
        run "$R" hint stats-counter "$n"
        expect_rc 2
        has "$err" "has $k hints"
        [ -z "$out" ] || fail "hint $n printed a hint: $out"
    done
    run "$R" hint no-such-scenario 1
    expect_rc 2
    run "$R" hint stats-counter x
    expect_rc 2
}

case_of() { sed -n '1s/^case: //p' <<<"$1"; }

t_hunt_deterministic() {
    run "$R" hunt --seed 5
    expect_rc 0
    a=$out
    [[ "$(head -1 <<<"$a")" =~ ^case:\ [0-9a-f]{10}$ ]] || fail "first line: $(head -1 <<<"$a")"
    run "$R" hunt --seed 5
    expect_rc 0
    [ "$a" = "$out" ] || fail "same seed, different output"
    # --from order does not matter; a one-scenario pool always picks it
    run "$R" hunt --seed 9 --from stats-counter,cache-race
    b=$(case_of "$out")
    run "$R" hunt --seed 9 --from cache-race,stats-counter
    [ "$b" = "$(case_of "$out")" ] || fail "--from order changed the case"
    run "$R" hunt --seed 3 --from lock-order
    run "$R" hunt --reveal "$(case_of "$out")"
    has "$out" "lock-order"
    # the ID is keyed: same scenario, another seed, another ID; another key, another ID
    run "$R" hunt --seed 4 --from lock-order
    c1=$(case_of "$out")
    run "$R" hunt --seed 5 --from lock-order
    [ "$c1" != "$(case_of "$out")" ] || fail "the ID does not depend on the seed"
    RACELAB_HUNT_KEY=other run "$R" hunt --seed 4 --from lock-order
    [ "$c1" != "$(case_of "$out")" ] || fail "the ID does not depend on the key"
    run "$R" hunt --from nope
    expect_rc 2
}

# words that name a case: the scenario, its module's file, its bug class,
# its title and diagnosis, and the scenario tree's own names
case_words() {
    local name=$1 mod cls
    mod=$(manifest "$name" module)
    cls=$(manifest "$name" bug_class)
    printf '%s\n' "$name" "$mod.c" "$cls" scenarios/ buggy fixed manifest HINTS.md SOLUTION.md \
        "$(sed -n 's/^title[ \t]*=[ \t]*//p' "$SRC/scenarios/$name/manifest.ini" | head -1)" \
        "$(sed -n 's/^diagnosis[ \t]*=[ \t]*//p' "$SRC/scenarios/$name/manifest.ini" | head -1)"
}
# names_nothing NAME TEXT: TEXT has none of NAME's case words
names_nothing() {
    local w
    while IFS= read -r w; do
        [ -z "$w" ] || hasnt "$2" "$w"
    done < <(case_words "$1")
}

t_hunt_hides_identity() {
    declare -A seen
    norm_ref=""
    args_ref=""
    # (8 seeds, not 40: each case is built, a few seconds each; seeds 1-8
    # pick 3 scenarios or more with the tests' key)
    for seed in $(seq 1 8); do
        run "$R" hunt --seed "$seed"
        expect_rc 0
        id=$(case_of "$out")
        run2=$out
        run "$R" hunt --reveal "$id"
        name=$(sed -n 's/^case [0-9a-f]*: \([^ ]*\) .*/\1/p' <<<"$out")
        [ -n "$name" ] || fail "reveal $id: $out"
        seen[$name]=1
        D=$RACELAB_HUNT_DIR/$id
        names_nothing "$name" "${run2//\/-\/stats/}"   # (the server's own endpoint)
        names_nothing "$name" "$(cat "$D/README.md" "$D/args" "$D/case")"
        # the folder: copies under neutral names, no symlink
        for f in "$D"/*; do
            [ ! -L "$f" ] || fail "$f is a symlink"
            hasnt "$(basename "$f")" "$name"
        done
        # every case runs with the same arguments
        a=$(sed "s|$D|DIR|g" "$D/args")
        if [ -z "$args_ref" ]; then args_ref=$a
        else [ "$a" = "$args_ref" ] || fail "case $id's args single it out: $a vs $args_ref"
        fi
        # every case prints the same text but for its ID and seed
        norm=$(sed "s/$id/ID/g; s/^seed: .*/seed: N/" <<<"$run2")
        if [ -z "$norm_ref" ]; then norm_ref=$norm
        else [ "$norm" = "$norm_ref" ] || fail "case $id ($name) prints a different text: $(diff <(echo "$norm_ref") <(echo "$norm"))"
        fi
    done
    [ "${#seen[@]}" -ge 3 ] || fail "8 seeds picked only ${!seen[*]}"
}

# hunt_binary_neutral: the case's servers carry no scenario path or name
# (debug info kept, paths neutral), differ from every scenario binary and
# from each other
t_hunt_binary_neutral() {
    run "$R" hunt --seed 3 --from lock-order
    expect_rc 0
    id=$(case_of "$out")
    run "$R" hunt --seed 4 --from lock-order
    id2=$(case_of "$out")
    D=$RACELAB_HUNT_DIR/$id
    for f in "$D"/server*; do
        # (TSan's runtime has its own "lock-order-inversion" report text)
        strings -a "$f" | grep -v 'lock-order-inversion' > "$T/strings"
        for w in lock-order scenarios/ buggy.c fixed.c stats.c racelab-server- "$SRC"; do
            ! grep -qF -- "$w" "$T/strings" || fail "$f: strings has $w: $(grep -F -- "$w" "$T/strings" | head -3)"
        done
        readelf --debug-dump=info "$f" 2>/dev/null | grep -E 'DW_AT_(name|comp_dir)' > "$T/dwarf"
        [ -s "$T/dwarf" ] || fail "$f has no debug info"
        has "$(cat "$T/dwarf")" "module.c"
        names_nothing lock-order "$(cat "$T/dwarf")"
        hasnt "$(cat "$T/dwarf")" "$SRC"
        for b in "$SRC"/build/*/racelab-server-*; do
            ! cmp -s "$f" "$b" || fail "$f is $b byte for byte"
        done
    done
    ! cmp -s "$D/server" "$RACELAB_HUNT_DIR/$id2/server" || fail "two cases are byte-identical"
    # what the watchdog prints of the case's deadlock names module.c, not the scenario
    "$D/server" --version >/dev/null || fail "the case's server does not run"
    run timeout 120 "$R" stress --tool none --duration 8 --http /f/0.html --http /-/stats -- \
        "$D/server" --root "$D/www" --port '{port}' $(cat "$D/args")
    names_nothing lock-order "$out$err"
    if grep -q 'waits for' <<<"$out"; then has "$out" "module.c:"; fi
}

t_hunt_reveal() {
    run "$R" hunt --seed 11
    id=$(case_of "$out")
    run "$R" hunt --reveal "$id"
    expect_rc 0
    name=$(sed -n 's/^case [0-9a-f]*: \([^ ]*\) .*/\1/p' <<<"$out")
    has "$out" "module $(manifest "$name" module)"
    # (the mystery server is no longer a copy of the scenario's buggy build:
    # hunt_binary_neutral)
    # hint takes the ID and the case folder, without the key
    run "$R" hint "$id" 1
    a=$out
    run "$R" hint "$name" 1
    [ "$a" = "$out" ] || fail "hint $id 1 differs from hint $name 1"
    RACELAB_HUNT_KEY= HOME=$T/nokey run "$R" hint "$RACELAB_HUNT_DIR/$id" 1
    expect_rc 0
    [ "$a" = "$out" ] || fail "hint FOLDER 1 differs"
    run "$R" hunt --reveal 0123456789
    expect_rc 2
    run "$R" hunt --reveal nonsense
    expect_rc 2
    # --reveal and run ID need the teacher's key; another key reveals nothing
    RACELAB_HUNT_KEY= HOME=$T/nokey run "$R" hunt --reveal "$id"
    expect_rc 3
    [ -z "$out" ] || fail "reveal without the key printed: $out"
    RACELAB_HUNT_KEY=another run "$R" hunt --reveal "$id"
    expect_rc 2
    # (the unknown-scenario error lists every scenario: it singles out none)
    RACELAB_HUNT_KEY= HOME=$T/nokey run "$R" run "$id" --variant fixed --tool none --runs 1 --duration 0.3 --quiet
    expect_rc 2
    hasnt "$out" "$name"
}

# hunt_teacher_key: --new-key makes a 0600 key file once; hunt and
# --reveal use it (or --key FILE); without a key, hunt is an environment error
t_hunt_teacher_key() {
    export HOME=$T/home
    unset RACELAB_HUNT_KEY
    run "$R" hunt --seed 1
    expect_rc 3
    has "$err" "--new-key"
    run "$R" hunt --new-key
    expect_rc 0
    k=$HOME/.config/racelab/teacher.key
    [ "$(stat -c %a "$k")" = 600 ] || fail "key mode $(stat -c %a "$k")"
    [ "$(stat -c %a "$(dirname "$k")")" = 700 ] || fail "key dir mode"
    run "$R" hunt --new-key
    expect_rc 2
    run "$R" hunt --seed 1 --from stats-counter
    expect_rc 0
    id=$(case_of "$out")
    run "$R" hunt --reveal "$id"
    expect_rc 0
    has "$out" stats-counter
    mv "$k" "$T/teacher.key"
    run "$R" hunt --reveal "$id"
    expect_rc 3
    run "$R" hunt --reveal "$id" --key "$T/teacher.key"
    expect_rc 0
    has "$out" stats-counter
    # the folder in place of the ID
    run "$R" hunt --reveal "$RACELAB_HUNT_DIR/$id" --key "$T/teacher.key"
    expect_rc 0
    has "$out" stats-counter
}

t_run_accepts_case_id() {
    run "$R" hunt --seed 2 --from stats-counter
    id=$(case_of "$out")
    # run takes the ID, with the teacher's key (its table names the scenario)
    run "$R" run "$id" --variant fixed --tool none --runs 1 --duration 0.5 --quiet
    expect_rc 0
    has "$out" "stats-counter"
    # check takes the ID and the folder, without the key, and its verdict
    # names neither the scenario nor the module's file
    cp "$(reffix stats-counter)" "$T/fix.c"
    run "$R" check "$id" "$T/fix.c" --tool none --runs 1 --duration 0.5
    expect_rc 0
    has "$out" "racelab check $id "
    names_nothing stats-counter "$out$err"
    RACELAB_HUNT_KEY= HOME=$T/nokey run "$R" check "$RACELAB_HUNT_DIR/$id" "$T/fix.c" --tool none \
        --runs 1 --duration 0.5 --json "$T/v.json"
    expect_rc 0
    names_nothing stats-counter "$out$err$(cat "$T/v.json")"
    # a compile error names the submission's file, not the module's
    printf 'int broken(void) { return }\n' > "$T/mine.c"
    run "$R" check "$id" "$T/mine.c" --tool none --runs 1 --duration 0.5
    expect_rc 1
    has "$out" "mine.c"
    names_nothing stats-counter "$out$err"
    # the hand-out of a case: module.c, a README the same for every case
    run "$R" handout "$id" "$T/hc"
    expect_rc 0
    [ -f "$T/hc/module.c" ] && [ -f "$T/hc/case" ] && [ ! -e "$T/hc/HINTS.md" ] ||
        fail "case hand-out: $(ls "$T/hc")"
    names_nothing stats-counter "$out$err$(cat "$T/hc/README.md" "$T/hc/Makefile" "$T/hc/case")"
    hasnt "$(head -1 "$T/hc/module.c")" "stats.c"
    run "$R" handout 0123456789 "$T/hx"
    expect_rc 2
    hasnt "$err" "stats"
}

t_handout_contents_and_build() {
    H=$T/handout
    run "$R" handout stats-counter "$H"
    expect_rc 0
    files=$(cd "$H" && ls | sort | tr '\n' ' ')
    [ "$files" = "HINTS.md Makefile README.md cache.h dispatch.h lib stats.c stats.h " ] ||
        fail "hand-out files: $files"
    all=$(cat "$H"/*.* "$H/Makefile")
    hasnt "$all" "[location"
    hasnt "$all" "## Explanation"
    hasnt "$all" '```diff'
    # nothing of the reference fix: no line that only fixed.c has
    grep -vxF -f "$SRC/scenarios/stats-counter/buggy.c" "$(reffix stats-counter)" |
        awk 'length($0) > 24' > "$T/fixlines"
    [ -s "$T/fixlines" ] || fail "the test found no line unique to the reference fix"
    ! grep -qxF -f "$T/fixlines" "$H"/*.* || fail "the hand-out holds the fix's lines: $(grep -xF -f "$T/fixlines" "$H"/*.* | head -3)"
    # README.md is the scenario's story, with the hand-out's own "Reproduce"
    # and "Your turn", which point only at what is in the folder
    readme=$(cat "$H/README.md")
    has "$readme" "$(sed -n '/^## What the operator sees/,/^## /p' "$SRC/scenarios/stats-counter/README.md" | sed -n 3p)"
    has "$readme" "## Your turn"
    has "$readme" "stats.c"
    for word in "## Hint" SOLUTION fixed.c buggy.c "the fix" build/release scenarios/ src/server manifest; do
        hasnt "$readme" "$word"
    done
    for f in $(grep -o '`[^` ]*\.[a-z]*`' <<<"$readme" | tr -d '`' | sort -u); do
        [ -e "$H/$f" ] || [ -e "$H/lib/$f" ] || fail "the README names $f, which the hand-out lacks"
    done
    # HINTS.md is the scenario's, as it is
    cmp -s "$SRC/scenarios/stats-counter/HINTS.md" "$H/HINTS.md" || fail "HINTS.md: $(cat "$H/HINTS.md")"
    # the module is the buggy one, under the module's name; the header is the public one
    diff <(sed 's/ (stats-counter)//' "$SRC/scenarios/stats-counter/buggy.c") "$H/stats.c" >/dev/null ||
        fail "stats.c is not buggy.c"
    cmp -s "$SRC/src/server/stats.h" "$H/stats.h" || fail "stats.h differs"
    # a cache hand-out names its module file
    run "$R" handout cache-race "$T/h2"
    expect_rc 0
    [ -f "$T/h2/cache.c" ] && [ ! -e "$T/h2/fixed.c" ] && [ ! -e "$T/h2/SOLUTION.md" ] ||
        fail "cache-race hand-out: $(ls "$T/h2")"
}

# handout_stands_alone: the folder, copied elsewhere, builds and checks with
# nothing of the tree: no path of it in any file, no copy of the module in
# the library, no contract suite source; make, make tsan, make contract and
# make check work with only racelab on PATH
t_handout_stands_alone() {
    run "$R" handout thread-leak "$T/made"
    expect_rc 0
    H=$T/copy/thread-leak
    mkdir -p "$T/copy" && cp -r "$T/made" "$H" && rm -rf "$T/made"
    ! grep -rqF -- "$SRC" "$H" || fail "the hand-out names the tree: $(grep -rlF -- "$SRC" "$H")"
    ! grep -rqF -- "$(cd "$SRC" && pwd -P)" "$H" || fail "the hand-out names the tree's real path"
    [ "$(find "$H" -name '*.c' | wc -l)" = 1 ] || fail "more than the module's source: $(find "$H" -name '*.c')"
    [ -z "$(find "$H" -name 'SOLUTION*' -o -name 'manifest*')" ] || fail "answers in the hand-out"
    # the library holds the rest of the server, not the module
    nm "$H/lib/libserver.a" | grep -q ' T server_run$' || fail "libserver.a lacks the server"
    ! nm "$H/lib/libserver.a" | grep -qE ' T dispatch_(start|submit|stop)$' || fail "libserver.a holds the module"
    nm "$H/lib/libcontract.a" | grep -q ' T main$' || fail "libcontract.a lacks the suite"
    ! nm "$H/lib/libcontract.a" | grep -qE ' T dispatch_(start|submit|stop)$' || fail "libcontract.a holds the module"
    make -C "$H" server >"$T/make.log" 2>&1 || fail "make: $(cat "$T/make.log")"
    ! grep -qF -- "$SRC" "$T/make.log" || fail "make reads the tree: $(cat "$T/make.log")"
    "$H/server" --version >/dev/null || fail "the hand-out server does not run"
    make -C "$H" www >/dev/null 2>&1 || fail "make www"
    if have_clang; then
        make -C "$H" tsan >"$T/make.log" 2>&1 || fail "make tsan: $(cat "$T/make.log")"
    fi
    # the reference module passes the prebuilt contract suite; the check
    # with racelab on PATH accepts it
    cp "$(reffix thread-leak)" "$H/dispatch.c"
    make -C "$H" contract >"$T/make.log" 2>&1 || fail "make contract: $(cat "$T/make.log")"
    has "$(cat "$T/make.log")" "PASSED"
    PATH=$(dirname "$R"):$PATH make -C "$H" check CHECKFLAGS="--tool none --runs 1 --duration 0.5 --quiet" \
        >"$T/make.log" 2>&1 || fail "make check: $(cat "$T/make.log")"
    has "$(cat "$T/make.log")" "ACCEPTED"
}

TOOLS=none
have_clang && TOOLS=tsan,none

t_check_fixed_accepted() {
    run "$R" check stats-counter "$(reffix stats-counter)" --tool $TOOLS \
        --runs 1 --duration 1 --quiet --json "$T/v.json"
    expect_rc 0
    has "$out" "ACCEPTED"
    [ "$(jq -r .accepted "$T/v.json")" = true ] || fail "json: $(cat "$T/v.json")"
    [ "$(jq -r '.score' "$T/v.json")" = 100 ] || fail "score: $(jq .score "$T/v.json")"
    [ "$(jq -r '.criteria[] | select(.name=="functional") | .state' "$T/v.json")" = pass ] || fail functional
    [ "$(jq -r '.criteria[] | select(.name=="oracles") | .state' "$T/v.json")" = pass ] || fail oracles
    tmp_clean
    no_sandbox_procs
}

t_check_buggy_rejected_names_line() {
    have_clang || skip "clang is not installed"
    line=$(sed -n '/^\[location.count-rmw\]/,/^\[/s/^line *= *\([0-9]*\).*/\1/p' \
           "$SRC/scenarios/stats-counter/manifest.ini")
    run "$R" check stats-counter "$SRC/scenarios/stats-counter/buggy.c" --tool tsan \
        --runs 2 --duration 1 --quiet --json "$T/v.json"
    expect_rc 1
    has "$out" "REJECTED"
    has "$out" "data-race at stats.c:$line"
    [ "$(jq -r '.criteria[] | select(.name=="tsan") | .state' "$T/v.json")" = fail ] || fail tsan
    tmp_clean
    no_sandbox_procs
}

t_check_compile_error_rejected() {
    # same path, new content: the cache must not serve the old binary
    cp "$(reffix stats-counter)" "$T/mine.c"
    run "$R" check stats-counter "$T/mine.c" --tool none --runs 1 --duration 0.5 --quiet
    expect_rc 0
    cp "$SUBS/compile_error.c" "$T/mine.c"
    run "$R" check stats-counter "$T/mine.c" --tool none --runs 1 --duration 0.5 --quiet \
        --json "$T/v.json"
    expect_rc 1
    has "$out" "does not compile"
    has "$out" "error: expected ';'"
    [ "$(jq -r .score "$T/v.json")" = 0 ] || fail "score $(jq .score "$T/v.json")"
    run "$R" check stats-counter "$T/nonexistent.c"
    expect_rc 2
    run "$R" check no-such "$T/mine.c"
    expect_rc 2
}

t_check_wrong_fix_stats() {
    run "$R" check stats-counter "$SUBS/stats_thread_local.c" --tool $TOOLS --runs 1 \
        --duration 1 --quiet --json "$T/v.json"
    expect_rc 1
    has "$out" "MISMATCH"
    [ "$(jq -r '.criteria[] | select(.name=="functional") | .state' "$T/v.json")" = fail ] || fail functional
    [ "$(jq -r '.criteria[] | select(.name=="oracles") | .state' "$T/v.json")" = fail ] || fail oracles
    jq -r '.criteria[] | select(.name=="oracles") | .evidence' "$T/v.json" | grep -q stats-mismatch ||
        fail "oracle evidence: $(jq '.criteria' "$T/v.json")"
    if have_clang; then
        # no detector sees anything: it is the oracles that reject it
        [ "$(jq -r '.criteria[] | select(.name=="tsan") | .state' "$T/v.json")" = pass ] || fail tsan
    fi
}

t_check_wrong_fix_cache() {
    run "$R" check cache-race "$SUBS/cache_never_caches.c" --tool none --runs 1 --duration 1 \
        --quiet --json "$T/v.json"
    expect_rc 1
    has "$out" "cache_hits +0"
    [ "$(jq -r '.criteria[] | select(.name=="functional") | .state' "$T/v.json")" = fail ] || fail functional
    # the same check on the reference fix passes functional
    run "$R" check cache-race "$(reffix cache-race)" --tool none --runs 1 \
        --duration 1 --quiet --json "$T/w.json"
    expect_rc 0
}

t_check_gradescope_shape() {
    run "$R" check stats-counter "$SUBS/stats_thread_local.c" --tool none --runs 1 \
        --duration 0.5 --quiet --gradescope "$T/results.json" --junit "$T/j.xml"
    expect_rc 1
    jq -e '(.score | type) == "number" and (.tests | type) == "array" and (.tests | length) == 7' \
        "$T/results.json" >/dev/null || fail "shape: $(cat "$T/results.json")"
    jq -e 'all(.tests[]; (.name | type) == "string" and (.score | type) == "number" and
           (.max_score | type) == "number" and (.output | type) == "string" and
           (.visibility | IN("hidden", "after_due_date", "after_published", "visible")) and
           .score <= .max_score + 0.001)' "$T/results.json" >/dev/null || fail "tests: $(cat "$T/results.json")"
    # the parts add up: max 100, score = the sum of the tests' scores
    jq -e '([.tests[].max_score] | add | . > 99.9 and . < 100.1) and
           (([.tests[].score] | add) - .score | fabs < 0.01) and .score < 100' \
        "$T/results.json" >/dev/null || fail "sums: $(cat "$T/results.json")"
    python3 -c "import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]);
assert len(d.getElementsByTagName('testcase')) == 7
assert len(d.getElementsByTagName('failure')) >= 1" "$T/j.xml" || fail "junit: $(cat "$T/j.xml")"
}

# A check that must be refused before anything of it runs: exit 1, score 0,
# "refused: WHY" naming what, and no text of the tree in what it prints.
refused() { # FILE SCENARIO WORD...
    local f=$1 sc=$2
    shift 2
    run "$R" check "$sc" "$f" --tool none --runs 1 --duration 0.5 --quiet --json "$T/v.json"
    expect_rc 1
    has "$out" "REJECTED, score 0/100"
    has "$out" "refused: "
    for w in "$@"; do has "$out" "$w"; done
    [ "$(jq -r .score "$T/v.json")" = 0 ] || fail "score: $(jq .score "$T/v.json")"
    hasnt "$out" "LOCK ORDER"                       # the reference's comments
    hasnt "$out" "$(sed -n 3p "$SRC/scenarios/cache-race/SOLUTION.md")"
}

t_check_refuses_includes() {
    mkdir -p "$T/a/b"
    printf '#include "%s/src/server/cache.c"\n' "$SRC" >"$T/a/abs.c"
    printf '#include "../../src/server/cache.c"\n' >"$T/a/b/dotdot.c"
    printf '#include "%s/scenarios/cache-race/SOLUTION.md"\n' "$SRC" >"$T/a/solution.c"
    printf '#define REF "%s/src/server/cache.c"\n#include REF\n' "$SRC" >"$T/a/computed.c"
    printf '#include "cache.h"\n#include "contract.h"\n' >"$T/a/other.c"
    printf '%%:include "%s/src/server/cache.c"\n' "$SRC" >"$T/a/digraph.c"
    refused "$T/a/abs.c" cache-race "line 1" "absolute and \`..\` paths"
    refused "$T/a/b/dotdot.c" cache-race "line 1" "absolute and \`..\` paths"
    refused "$T/a/solution.c" cache-race "line 1" "SOLUTION.md"
    refused "$T/a/computed.c" cache-race "line 2" "no macros"
    refused "$T/a/other.c" cache-race "line 2" '#include "contract.h": not an allowed header'
    refused "$T/a/digraph.c" cache-race "line 1" "absolute and \`..\` paths"
    # and a genuine fix is still accepted
    run "$R" check cache-race "$(reffix cache-race)" --tool none --runs 1 --duration 0.5 --quiet
    expect_rc 0
    tmp_clean
    no_sandbox_procs
}

# check_diagnosis_and_html: a race is told by its two sites in the
# student's file, with source lines and the locks each side held, never a
# creation site as a third party; no ":0", no fingerprints, no "fixed
# variant", no doubled prefix; --html writes the page with the pair
t_check_diagnosis_and_html() {
    have_clang || skip "clang is not installed"
    cp "$SRC/scenarios/cache-race/buggy.c" "$T/cache.c"
    # The bug's symptom is a crash: when the functional check's load
    # crashes the server first, TSan is "not run" (that check is right, but
    # shows no diagnosis); and which 6 of the findings are shown is what the
    # runs reached (once none of them had a side holding the lock, CI).  Up
    # to 3 tries for one that reaches TSan and shows a side holding it.
    for try in 1 2 3; do
        run "$R" check cache-race "$T/cache.c" --tool tsan --runs 2 --duration 2 --quiet \
            --html "$T/v.html"
        expect_rc 1
        if grep -q "not run: the server did not start or answer" <<<"$out"; then
            has "$out" "score 0"
            continue
        fi
        grep -q "holding cache_lock" <<<"$out" && break
    done
    tsan=$(sed -n '/FAIL tsan/,/helgrind/p' <<<"$out")
    has "$tsan" "data-race at cache.c:"
    has "$tsan" "A: "
    has "$tsan" "B: "
    has "$tsan" "-- your cache.c:"
    has "$tsan" "holding cache_lock"
    has "$tsan" "holding no lock"
    grep -qE '^ +[0-9]+ \| ' <<<"$tsan" || fail "no source line: $tsan"
    ! grep -E '^ +(data-race|heap-use-after-free) at ' <<<"$tsan" | grep -q ' vs .* vs ' ||
        fail "a third party: $(grep ' vs .* vs ' <<<"$tsan" | head -2)"
    ! grep -qE ':0([^0-9]|$)' <<<"$tsan" || fail "a :0 line: $(grep -E ':0([^0-9]|$)' <<<"$tsan" | head -2)"
    ! grep -qE '(^|[^0-9a-f])[0-9a-f]{16}([^0-9a-f]|$)' <<<"$out" ||
        fail "a bare fingerprint: $(grep -E '(^|[^0-9a-f])[0-9a-f]{16}([^0-9a-f]|$)' <<<"$out" | head -3)"
    hasnt "$out" "fixed variant"
    ! grep -qE '(^|[^a-z-])([a-z-]+): \2:' <<<"$out" || fail "a doubled prefix: $(grep -E '([a-z-]+): \1:' <<<"$out" | head -2)"
    hasnt "$out" "racelab-server-cache-race"
    [ -s "$T/v.html" ] || fail "no --html page"
    grep -q '<div class="side side-a">' "$T/v.html" && grep -q '<div class="side side-b">' "$T/v.html" ||
        fail "the page has no side-by-side pair"
    grep -q '<mark class="hl">' "$T/v.html" || fail "the page has no source excerpt"
    tmp_clean
    no_sandbox_procs
}

t_check_refuses_blinding() {
    refused "$SUBS/stats_blind_pragma.c" stats-counter "#pragma clang attribute" "line 22"
    refused "$SUBS/stats_blind_attr.c" stats-counter "no_sanitize" "switches a detector off"
    refused "$SUBS/stats_valgrind_requests.c" stats-counter "valgrind/helgrind.h"
    refused "$SUBS/stats_magic_asm.c" stats-counter "inline assembly"
    refused "$SUBS/stats_tsan_options.c" stats-counter "__tsan_default_options"
    refused "$SUBS/stats_ctor_exit.c" stats-counter "constructor"
    refused "$SUBS/stats_init_array.c" stats-counter "section"
    refused "$SUBS/stats_main.c" stats-counter "main()"
    printf '#include "stats.h"\n#ifdef __SANITIZE_THREAD__\n#endif\n' >"$T/probe.c"
    refused "$T/probe.c" stats-counter "__SANITIZE_THREAD__" "same in every build"
    tmp_clean
    no_sandbox_procs
}

# Submissions that behave only when they think they are graded: under the
# grader's old UID range, under its executable names, or when they can see
# the grader or a classmate in /proc (and tell a listener outside).
t_check_hostile_runtime() {
    python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 47311)); s.listen(8); s.settimeout(1)
got = b''
import os, time
end = time.time() + 600
while time.time() < end and not os.path.exists('$T/stop'):
    try:
        c, _ = s.accept(); got += c.recv(4096) + b'|'; c.close()
    except OSError: pass
open('$T/heard', 'wb').write(got)
" & lpid=$!
    trap 'kill $lpid 2>/dev/null; rm -rf "$T"' EXIT   # a failure must not leave it listening
    mkdir -p "$T/class"
    echo 'int secret_of_a_classmate;' >"$T/class/classmate.c"
    for f in stats_uid_dependent stats_exe_name stats_snoop; do
        cp "$SUBS/$f.c" "$T/class/$f.c"
        run "$R" check stats-counter "$T/class/$f.c" --tool none --runs 1 --duration 0.5 \
            --quiet --json "$T/$f.json"
        expect_rc 1
        has "$out" "REJECTED"
        # the contract suite's exact count is what the racy branch fails
        [ "$(jq -r '.criteria[] | select(.name=="contract") | .state' "$T/$f.json")" = fail ] ||
            fail "$f: $(jq .criteria "$T/$f.json")"
        [ "$(stat -c %a "$T/$f.json")" = 600 ] || fail "report mode $(stat -c %a "$T/$f.json")"
    done
    touch "$T/stop"
    wait $lpid
    [ ! -s "$T/heard" ] || fail "the listener outside the sandbox heard: $(cat "$T/heard")"
    run "$R" check stats-counter "$SUBS/stats_main.c" --tool none --quiet --share \
        --json "$T/shared.json"
    [ "$(stat -c %a "$T/shared.json")" = 644 ] || fail "--share mode $(stat -c %a "$T/shared.json")"
    tmp_clean
    no_sandbox_procs
}

# --check-timeout: a check that runs past it stops, with nothing left
# running, and the verdict is a timed-out rejection (what grade gives).
t_check_timeout_rejects() {
    run "$R" check stats-counter "$(reffix stats-counter)" --tool none --runs 1 --duration 0.5 \
        --check-timeout 3 --json "$T/v.json"
    expect_rc 1
    has "$out" "REJECTED, score 0/100"
    has "$out" "check timed out after 3 s (--check-timeout): score 0"
    has "$out" "stopped while it ran (--check-timeout or a signal): no result"
    hasnt "$out" "shutdown hangs"
    [ "$(jq -r '.verdict + " " + (.score|tostring)' "$T/v.json")" = "rejected 0" ] ||
        fail "json: $(jq -c '{verdict, score, reason}' "$T/v.json")"
    # a result is never "stopped": every criterion either ran to its end
    # before the limit or says it has no result
    [ "$(jq '[.criteria[] | select(.state == "pass" or .state == "fail")
              | select(.evidence | test("stopped while"))] | length' "$T/v.json")" = 0 ] ||
        fail "a stopped criterion with a result: $(jq -c .criteria "$T/v.json")"
    tmp_clean
    no_sandbox_procs
}

t_check_crash_at_start() {
    sed 's/^int stats_init(void)$/int stats_init(void)\n{\n    *(volatile int *)0 = 1;\n    return 0;\n}\nstatic int unused_init(void)/' \
        "$(reffix stats-counter)" >"$T/crash.c"
    grep -q 'volatile int \*)0' "$T/crash.c" || fail "the test could not make its crashing file"
    run "$R" check stats-counter "$T/crash.c" --tool none --runs 1 --duration 0.5 --quiet
    expect_rc 1
    has "$out" "crashed at start"
    has "$out" "signal 11"
    hasnt "$out" "did not start listening"
}

# A contract test that crashes names its signal and the test.
t_check_contract_crash_named() {
    awk '{print} /^int stats_format_json/ {f=1} f && /^{/ {print "    if (size < 32)\n        *(volatile int *)0 = 1;"; f=0}' \
        "$(reffix stats-counter)" >"$T/crashy.c"
    grep -q 'volatile int' "$T/crashy.c" || fail "the test could not make its crashing file"
    run "$R" check stats-counter "$T/crashy.c" --tool none --runs 1 --duration 0.5 --quiet \
        --json "$T/v.json"
    expect_rc 1
    ev=$(jq -r '.criteria[] | select(.name=="contract") | .evidence' "$T/v.json")
    [ "$(jq -r '.criteria[] | select(.name=="contract") | .state' "$T/v.json")" = fail ] ||
        fail "contract: $ev"
    has "$ev" "Segmentation fault"
    has "$ev" "test_stats_buffer_too_small"
}

# A fix that deadlocks under load is stopped by the stall watchdog with the
# wait-for cycle; one that is only slow (a sleep in the critical section)
# is told apart from it and accepted.
t_check_deadlock_diagnosed() {
    # a lock-order inversion: the stall watchdog's cycle, both threads and
    # both locks by name, in the terminal and the JSON
    run "$R" check stats-counter "$SUBS/stats_lock_inversion.c" --tool none --runs 1 \
        --duration 1 --quiet --json "$T/v.json"
    expect_rc 1
    has "$out" "stuck (deadlock)"
    has "$out" "deadlock: thread"
    has "$out" "(json_lock) and waits for"
    has "$out" "(count_lock) and waits for"
    hasnt "$out" "exited holding it"
    jq -r '.criteria[] | select(.name=="functional") | .evidence' "$T/v.json" |
        grep -q "(count_lock) and waits for" || fail "json: $(jq .criteria "$T/v.json")"
    # a self-deadlock on /-/stats: the functional check samples the stuck
    # server and prints its stacks, instead of waiting out its timeouts
    sed 's/^int stats_format_json(char \*buf, size_t size)$/static pthread_mutex_t self_lock = PTHREAD_MUTEX_INITIALIZER;\nint stats_format_json(char *buf, size_t size)/; s/^    cache_usage(&entries, &bytes);$/    pthread_mutex_lock(\&self_lock);\n    pthread_mutex_lock(\&self_lock);\n    cache_usage(\&entries, \&bytes);/' \
        "$(reffix stats-counter)" | sed 's/#include <stdio.h>/#include <stdio.h>\n#include <pthread.h>/' >"$T/self.c"
    grep -q 'lock(&self_lock);' "$T/self.c" || fail "the test could not make its deadlocking file"
    run "$R" check stats-counter "$T/self.c" --tool none --runs 1 --duration 1 --quiet
    expect_rc 1
    has "$out" "STALLED"
    has "$out" "stuck (deadlock)"
    has "$out" "stats_format_json"
}

t_check_slow_fix_accepted() {
    # 100 us of sleep on every 4th count of each thread: the contract's
    # 4 x 200,000 concurrent counts take about 10 s, inside its 60 s limit
    # on a loaded machine too (a sleep on every count took 65 s under
    # ctest -j4 on 2 cores, and was rejected for that)
    awk '{print} /^void stats_count/ {f=1} f && /^{/ {print "    static __thread unsigned calls;\n    if (++calls % 4 == 0)\n        usleep(100);"; f=0}' \
        "$(reffix stats-counter)" | sed 's/#include <stdio.h>/#include <stdio.h>\n#include <unistd.h>/' >"$T/slow.c"
    grep -q 'usleep(100)' "$T/slow.c" || fail "the test could not make its slow file"
    run "$R" check stats-counter "$T/slow.c" --tool none --runs 1 --duration 1 --quiet
    expect_rc 0
    hasnt "$out" "STALLED"
}

# The Gradescope bundle, its two scripts run as written under a temporary
# /autograder (RACELAB_AUTOGRADER_ROOT), without apt (the packages are here).
t_autograder_bundle() {
    run "$R" autograder stats-counter "$T/ag.zip" --tool none --runs 1 --duration 0.5
    expect_rc 0
    list=$(unzip -Z1 "$T/ag.zip" | sort | tr '\n' ' ')
    [ "$list" = "racelab-src.tar.gz run_autograder setup.sh " ] || fail "zip: $list"
    A=$T/root/autograder
    mkdir -p "$A/source" "$A/submission/sub" "$A/results"
    unzip -q "$T/ag.zip" -d "$A/source"
    export RACELAB_AUTOGRADER_ROOT=$T/root RACELAB_AUTOGRADER_SKIP_APT=1
    unset RACELAB_CACHE_DIR
    bash "$A/source/setup.sh" >"$T/setup.log" 2>&1 || fail "setup.sh: $(tail -20 "$T/setup.log")"
    [ -x "$A/racelab/build/release/racelab" ] || fail "setup.sh built no racelab"
    [ ! -e "$A/racelab/build/check-cache" ] || true
    cp "$A/source/run_autograder" "$A/run_autograder"
    cp "$(reffix stats-counter)" "$A/submission/sub/stats.c"
    bash "$A/run_autograder" >"$T/run.log" 2>&1 || fail "run_autograder: $(cat "$T/run.log")"
    jq -e '.score == 100 and (.tests | length) == 7' "$A/results/results.json" >/dev/null ||
        fail "fix: $(cat "$A/results/results.json") $(cat "$T/run.log")"
    cp "$SUBS/stats_thread_local.c" "$A/submission/sub/stats.c"
    bash "$A/run_autograder" >"$T/run.log" 2>&1 || fail "run_autograder: $(cat "$T/run.log")"
    jq -e '.score < 100' "$A/results/results.json" >/dev/null ||
        fail "wrong fix: $(cat "$A/results/results.json")"
    rm "$A/submission/sub/stats.c"
    bash "$A/run_autograder" >"$T/run.log" 2>&1 || fail "run_autograder: $(cat "$T/run.log")"
    jq -e '.score == 0 and (.output | test("no stats.c"))' "$A/results/results.json" >/dev/null ||
        fail "empty: $(cat "$A/results/results.json")"
    run "$R" autograder no-such "$T/x.zip"
    expect_rc 2
}

t_grade_class() {
    C=$T/class
    mkdir -p "$C/eve"
    cp "$(reffix stats-counter)" "$C/alice.c"
    cp "$SRC/scenarios/stats-counter/buggy.c" "$C/bob.c"
    cp "$SUBS/compile_error.c" "$C/carol.c"
    cp "$SUBS/stats_spin.c" "$C/dave.c"
    cp "$SUBS/stats_forkbomb.c" "$C/eve/stats.c"
    cp "$SUBS/stats_lock_inversion.c" "$C/frank.c"
    echo "not a submission" > "$C/notes.txt"
    run "$R" grade stats-counter "$C" --out "$T/grades" --jobs 2 --tool $TOOLS --runs 1 \
        --duration 1 --quiet
    expect_rc 0
    csv=$T/grades/grades.csv
    [ -f "$csv" ] || fail "no grades.csv"
    head -1 "$csv" | grep -q '^student,score,verdict,build,functional,contract,oracles,tsan,helgrind,drd,reason$' ||
        fail "header: $(head -1 "$csv")"
    [ "$(tail -n +2 "$csv" | wc -l)" = 6 ] || fail "rows: $(cat "$csv")"
    row() { grep "^\"$1\"," "$csv" || fail "no row for $1"; }
    row alice | grep -q '^"alice",100,accepted,pass,pass,' || fail "alice: $(row alice)"
    row bob | grep -q ',rejected,pass,' || fail "bob: $(row bob)"
    row carol | grep -q '^"carol",0,rejected,fail,' || fail "carol: $(row carol)"
    row dave | grep -q '^"dave",0,rejected,pass,fail,' || fail "dave: $(row dave)"
    row dave | grep -q 'did not start' || fail "dave's reason: $(row dave)"
    row eve | grep -q '^"eve",0,rejected,pass,fail,' || fail "eve: $(row eve)"
    row eve | grep -q 'outlived the server' || fail "eve's reason: $(row eve)"
    row frank | grep -q '^"frank",0,rejected,pass,fail,' || fail "frank: $(row frank)"
    # the deadlock's cycle is in the HTML, both locks by name
    grep -q '(count_lock) and waits for' "$T/grades/grades.html" ||
        fail "the HTML does not show frank's deadlock"
    # grades are private: 0700 dirs, 0600 files
    [ "$(stat -c %a "$T/grades")" = 700 ] || fail "grades dir mode $(stat -c %a "$T/grades")"
    [ "$(stat -c %a "$csv")" = 600 ] || fail "grades.csv mode $(stat -c %a "$csv")"
    [ "$(stat -c %a "$T/grades/students/alice.json")" = 600 ] || fail "student json mode"
    if have_clang; then
        row bob | grep -q ',fail,[^,]*,[^,]*,"' || true
        [ "$(jq -r '.criteria[] | select(.name=="tsan") | .state' "$T/grades/students/bob.json")" = fail ] ||
            fail "bob's tsan criterion"
        grep -q 'stats.c:34' "$T/grades/grades.html" || fail "the HTML does not say where bob's fix races"
    fi
    python3 -c "import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]);
cases=d.getElementsByTagName('testcase'); assert len(cases) == 6, len(cases)
failed=sorted(c.getAttribute('name') for c in cases if c.getElementsByTagName('failure'))
assert failed == ['bob','carol','dave','eve','frank'], failed" "$T/grades/grades.xml" || fail "junit"
    grep -q '<table>' "$T/grades/grades.html" || fail "html"
    tmp_clean
    no_sandbox_procs
}

t_grade_xml_control_bytes() {
    # A compiler error that quotes control bytes reaches grades.xml (and
    # check --junit) through the report library's one XML escaper: they
    # become U+FFFD, never &#x7; (not well-formed XML 1.0).
    C=$T/class
    mkdir -p "$C"
    cp "$SUBS/compile_error_control_bytes.c" "$C/mallory.c"
    run "$R" grade stats-counter "$C" --out "$T/grades" --jobs 1 --tool none --runs 1 \
        --duration 0.5 --quiet
    expect_rc 0
    run "$R" check stats-counter "$C/mallory.c" --tool none --runs 1 --duration 0.5 --quiet \
        --junit "$T/j.xml"
    expect_rc 1
    for x in "$T/grades/grades.xml" "$T/j.xml"; do
        python3 -c "import xml.etree.ElementTree as E,sys
t=''.join(E.parse(sys.argv[1]).getroot().itertext())
assert 'bell\ufffd esc\ufffd soh\ufffd end' in t, t" "$x" || fail "$x: $(cat -v "$x")"
    done
    tmp_clean
    no_sandbox_procs
}

tname=${1:?usage: test_classroom.sh NAME}
declare -F "t_$tname" >/dev/null || fail "no test $tname"
[ -x "$R" ] || fail "racelab not built: $R"
"t_$tname"
echo "PASS: $tname"
