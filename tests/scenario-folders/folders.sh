#!/bin/sh
# folders.sh - scenario folders are self-contained, in a copy of the tree:
#   - scenarios/my-copy, a copy of cache-race, configures, builds, and
#     `racelab list` shows it under its folder's name with its locations
#     in its own folder;
#   - scenarios/handout has a manifest and buggy.c only: it configures and
#     builds (its fixed variant is the module itself);
#   - scenarios/broken has a broken manifest: CMake and racelab each warn
#     once, naming the file and line, and everything else still works.
#
#   folders.sh RACELAB SOURCE_DIR
set -eu
racelab=$1 src=$2
t=$(mktemp -d /tmp/racelab-folders.XXXXXX)
trap 'rm -rf "$t"' EXIT
fail() { echo "folders.sh: FAIL: $*" >&2; exit 1; }

cp -r "$src/CMakeLists.txt" "$src/cmake" "$src/src" "$t/"
mkdir "$t/scenarios"
cp "$src/scenarios/CMakeLists.txt" "$t/scenarios/"
cp -r "$src/scenarios/cache-race" "$t/scenarios/my-copy"
mkdir "$t/scenarios/handout"
cp "$src/scenarios/fork-lock/manifest.ini" "$src/scenarios/fork-lock/buggy.c" "$t/scenarios/handout/"
mkdir "$t/scenarios/broken"
cp "$src/scenarios/cache-race/buggy.c" "$t/scenarios/broken/"
printf '[scenario]\nmodule = cache\n[location.x\nfile = buggy.c\nline = 3\n' \
    > "$t/scenarios/broken/manifest.ini"

# CMake: one warning for the broken folder, naming file and line 3.
cmake -S "$t" -B "$t/build" -DBUILD_TESTING=OFF -DRACELAB_FLAVOR=release \
    > "$t/configure.log" 2>&1 || { cat "$t/configure.log"; fail "configure failed"; }
n=$(grep -c "scenarios/broken/manifest.ini:3:" "$t/configure.log" || true)
[ "$n" -eq 1 ] || { cat "$t/configure.log"; fail "expected one CMake warning for broken:3, got $n"; }
grep -q "my-copy\|handout" "$t/configure.log" && fail "CMake warned about a good folder"
cmake --build "$t/build" -j2 --target racelab-server-my-copy-buggy \
    racelab-server-handout-buggy racelab-server-handout-fixed > "$t/build.log" 2>&1 ||
    { tail -30 "$t/build.log"; fail "building the copied and hand-out folders failed"; }

# racelab: lists the good folders, one warning for the broken one.
"$racelab" list --json --spoilers --source-dir "$t" > "$t/list.json" 2> "$t/list.err" ||
    fail "racelab list failed: $(cat "$t/list.err")"
n=$(grep -c "scenarios/broken/manifest.ini:3" "$t/list.err" || true)
[ "$n" -eq 1 ] || { cat "$t/list.err"; fail "expected one racelab warning for broken:3, got $n"; }
python3 - "$t/list.json" <<'PY' || fail "racelab list --json is wrong"
import json, sys
doc = {s["name"]: s for s in json.load(open(sys.argv[1]))}
assert sorted(doc) == ["handout", "my-copy"], sorted(doc)
locs = doc["my-copy"]["locations"]
assert locs and all(l["file"] == "scenarios/my-copy/buggy.c" for l in locs), locs
assert doc["handout"]["sources"] == {"buggy": "scenarios/handout/buggy.c",
                                     "fixed": "src/server/accesslog.c"}, doc["handout"]["sources"]
PY
"$racelab" list --source-dir "$t" > "$t/list.txt" 2>/dev/null
grep -q "^my-copy " "$t/list.txt" || fail "racelab list does not show my-copy"
# run names a broken scenario as unknown but still runs; here only the
# lookup matters (no build under $t/build for racelab's flavors).
"$racelab" run broken --source-dir "$t" --tool none > /dev/null 2> "$t/run.err" && fail "run broken succeeded"
grep -q "scenarios/broken/manifest.ini:3" "$t/run.err" || fail "racelab run did not name broken:3"
echo "folders.sh: ok"
