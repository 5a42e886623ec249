#!/bin/bash
# scenarios/measure.sh - what a scenario variant really does under a tool.
#
# Starts racelab-server-<scenario>-<variant> from the build flavor that
# matches TOOL (tsan: the tsan build; helgrind, drd: the valgrind build
# under valgrind; none: the release build, bare), drives it with wrk from
# another process for DURATION seconds (plus a curl loop for HEAD, 404,
# Connection: close and /-/stats requests), probes it, stops it with
# SIGTERM (SIGKILL after a timeout) and reads the tool's report.  Repeats
# RUNS times and prints one line per run and a summary: how many runs
# showed each finding kind, at which scenarios/ locations, and how many
# showed each symptom.  This is the ground truth the manifests' [expect.*]
# rates come from; `racelab run` is the harness doing the same at scale.
#
# usage: scenarios/measure.sh SCENARIO VARIANT TOOL [options]
#   VARIANT   buggy | fixed          TOOL  tsan | helgrind | drd | none
#   --runs N          runs (default 1)
#   --duration S      seconds of load per run (default 5)
#   --load PROFILE    mixed | stats | close | hits (default: the manifest's)
#   --args "ARGS"     server arguments (default: the manifest's args)
#   --conns N         wrk connections (default 16)
#   --builds PATTERN  build folder per flavor, %s = tsan|valgrind|release
#                     (default build/%s, i.e. the presets' folders)
#   --out DIR         where logs go (default results/measure/<s>-<v>-<tool>)
#   --at LIST         comma-separated FILE:LINE (e.g. buggy.c:34): count a
#                     finding as "at" when one of its stacks has such a
#                     frame among its first 16 (the harness's rule); prints
#                     at/other finding counts per run
#   --reparse         do not run anything: re-read the run-N folders in --out
#   --exact           also write an access log and count "lost" against its
#                     lines (exact; the log takes no lock, but its extra
#                     write(2) per request changes the timing)
#
# Symptoms per run (see docs/MANIFEST.md for the harness's oracles):
#   lost   /-/stats "requests" is below the responses the clients counted.
#          wrk drops in-flight requests when its time is up, so a correct
#          server counts slightly MORE than wrk saw; fewer is lost updates.
#   hang   a GET / after the load got no answer within the probe timeout.
#   crash  the server died of a signal before we stopped it.
#   stop   "kill" when it did not exit within the timeout after SIGTERM.
#   vm     growth of VmSize (MiB) from start to end of the load.
# Needs: wrk, curl, python3; valgrind for helgrind/drd.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
[ $# -ge 1 ] && [[ $1 == -h || $1 == --help ]] && usage 0
[ $# -ge 3 ] || usage 2
scen=$1 variant=$2 tool=$3
shift 3
runs=1 duration=5 load= args= conns=16 builds="build/%s" out= exact=0 at= reparse=0
args_set=0
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --args) args=$2; args_set=1; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --builds) builds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --exact) exact=1; shift ;;
    --at) at=$2; shift 2 ;;
    --reparse) reparse=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "measure.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

manifest=$here/scenarios/$scen/manifest.ini
[ -f "$manifest" ] || { echo "measure.sh: no $manifest" >&2; exit 2; }
# The value of KEY in the manifest, as racelab reads it (scenarios/manifests.py:
# racelab list --json --spoilers, the one reader; $RACELAB or
# $here/build/release/racelab).
mvalue() {
    python3 "$here/scenarios/manifests.py" "$scen" "$1" || exit 3
}
[ -n "$load" ] || load=$(mvalue load)
[ -n "$load" ] || load=mixed
[ $args_set = 1 ] || args=$(mvalue args)

case "$tool" in
tsan) flavor=tsan; probe_timeout=5; stop_timeout=20 ;;
helgrind|drd) flavor=valgrind; probe_timeout=20; stop_timeout=60 ;;
none) flavor=release; probe_timeout=5; stop_timeout=15 ;;
*) echo "measure.sh: TOOL must be tsan, helgrind, drd or none" >&2; exit 2 ;;
esac
# shellcheck disable=SC2059
bdir=$(printf "$builds" "$flavor")
[[ $bdir = /* ]] || bdir=$here/$bdir
exe=$bdir/racelab-server-$scen-$variant
[ -x "$exe" ] || { echo "measure.sh: $exe missing; build the $flavor flavor" >&2; exit 3; }
[ -n "$out" ] || out=$here/results/measure/$scen-$variant-$tool
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The docroot: like the harness's (docroot_files_for_cache): files of
# 200 B .. 64 KiB, twice the cache budget in total, made once and reused.
cache_mb=$(sed -n 's/.*--cache-mb[ =]\([0-9]*\).*/\1/p' <<<"$args")
cache_mb=${cache_mb:-64}
nfiles=$(( cache_mb * 64 + 8 ))
(( nfiles < 200 )) && nfiles=200
(( nfiles > 4000 )) && nfiles=4000
docroot=/tmp/racelab-measure-docroot-$nfiles
if [ ! -f "$docroot/.done" ]; then
    python3 - "$docroot" "$nfiles" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(root, "f"), exist_ok=True)
with open(os.path.join(root, "index.html"), "w") as f:
    f.write("<html><body>racelab docroot: %d files under /f/</body></html>\n" % n)
for i in range(n):
    size = 200 + i * 100 if i < 8 else 200 + (i * 2654435761 % 2**32) % (65536 - 200)
    head = "<!-- racelab file %d -->\n" % i
    with open(os.path.join(root, "f", "%d.html" % i), "w") as f:
        f.write((head + "x" * size)[:size])
open(os.path.join(root, ".done"), "w").close()
EOF
fi

# wrk's request generator for the load profile.
lua=$out/load.lua
nf=$nfiles
[ "$load" = hits ] && nf=8
stats_every=100
[ "$load" = stats ] && stats_every=10
cat > "$lua" <<EOF
local n, i = $nf, 0
local hdr = {}
if "$load" == "close" then hdr["Connection"] = "close" end
request = function()
  i = i + 1
  if i % $stats_every == 0 then return wrk.format("GET", "/-/stats", hdr) end
  if "$load" ~= "hits" and i % 50 == 13 then
    return wrk.format("GET", "/nope/" .. i .. ".html", hdr)
  end
  return wrk.format("GET", "/f/" .. math.random(0, n - 1) .. ".html", hdr)
end
EOF

server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    jobs -p | xargs -r kill 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

vmsize() { awk '/^VmSize/ { print int($2 / 1024) }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Kinds and scenarios/ locations in one run's tool output, as
# "kind kind ...|loc loc ..." (each kind once per report).
parse_reports() {
    python3 - "$tool" "$1" "$at" <<'EOF'
import glob, re, sys
tool, rundir = sys.argv[1], sys.argv[2]
want = [w for w in sys.argv[3].split(",") if w]
kinds, locs = [], set()
n_at = n_other = 0
def is_at(stacks):
    for st in stacks:
        for fr in st[:16]:
            if any(fr.endswith("/" + w) or fr == w for w in want):
                return True
    return False
LOC = re.compile(r"scenarios/[\w.-]+/\w+\.c:\d+")
if tool == "tsan":
    names = {"data race": "data-race", "thread leak": "thread-leak",
             "lock-order-inversion (potential deadlock)": "lock-order-inversion",
             "heap-use-after-free": "heap-use-after-free",
             "signal-unsafe call inside of a signal": "signal-unsafe-call",
             "unlock of an unlocked mutex (or by a wrong thread)": "unlock-unlocked",
             "destroy of a locked mutex": "destroy-locked"}
    text = "".join(open(f, errors="replace").read() for f in glob.glob(rundir + "/tsan.*"))
    for rep in text.split("==================\nWARNING: ThreadSanitizer: ")[1:]:
        k = re.match(r"(.*?) \(pid=", rep)
        k = k.group(1) if k else rep.split("\n")[0]
        kinds.append(names.get(k, "other:" + k.replace(" ", "_")))
        body = rep.split("SUMMARY:")[0]
        locs.update(m.group(0) for m in LOC.finditer(body))
        stacks = [re.findall(r"^\s+#\d+ .*? (\S+?\.c:\d+)", blk, re.M)
                  for blk in body.split("\n\n")]
        if is_at(stacks): n_at += 1
        else: n_other += 1
else:
    names = {"Race": "data-race", "ConflictingAccess": "data-race",
             "LockOrder": "lock-order-inversion", "UnlockUnlocked": "unlock-unlocked",
             "UnlockForeign": "unlock-unlocked", "UnlockBogus": "unlock-unlocked",
             "PthAPIerror": "pthread-misuse", "MutexErr": "pthread-misuse",
             "CondErr": "pthread-misuse", "CondDestrErr": "pthread-misuse",
             "HoldtimeErr": "other", "Misc": "other"}
    try:
        text = open(rundir + "/" + tool + ".xml", errors="replace").read()
    except OSError:
        text = ""
    for err in re.findall(r"<error>(.*?)</error>", text, re.S):
        k = re.search(r"<kind>(\w+)</kind>", err).group(1)
        kinds.append(names.get(k, "other") + "(" + k + ")")
        stacks = [[d + "/" + f + ":" + l for d, f, l in re.findall(
                      r"<dir>([^<]*)</dir>\s*<file>([^<]*)</file>\s*<line>(\d+)</line>", st)]
                  for st in re.findall(r"<stack>(.*?)</stack>", err, re.S)]
        if is_at(stacks): n_at += 1
        else: n_other += 1
        for d, f, l in re.findall(r"<dir>([^<]*)</dir>\s*<file>([^<]*)</file>\s*<line>(\d+)</line>", err):
            path = d + "/" + f + ":" + l
            m = LOC.search(path)
            if m:
                locs.add(m.group(0))
counts = {}
for k in kinds:
    counts[k] = counts.get(k, 0) + 1
print(" ".join("%s*%d" % kv for kv in sorted(counts.items())) or "-", end="|")
print(" ".join(sorted(locs)) or "-", end="|")
print("%d/%d" % (n_at, n_at + n_other) if want else "-")
EOF
}

if [ $reparse = 1 ]; then
    for rd in $(ls -d "$out"/run-* | sort -t- -k2 -n); do
        IFS='|' read -r kinds locs atn <<<"$(parse_reports "$rd")"
        echo "${rd##*/}: kinds=$kinds at=$atn locs=$locs"
    done
    exit 0
fi

tsv=$out/runs.tsv
printf 'run\tkinds\tat\tlocations\trequests\tclient\tlost\thang\tcrash\tstop\tvm_mb\tthreads\n' > "$tsv"
echo "measure: $scen $variant $tool, $runs run(s) x ${duration}s, load=$load, args='$args', out=$out"
for run in $(seq 1 "$runs"); do
    rd=$out/run-$run
    rm -rf "$rd"; mkdir -p "$rd"
    a=${args//\{tmp\}/$rd}
    [ $exact = 1 ] && a="$a --access-log $rd/access.log"
    # shellcheck disable=SC2086
    case "$tool" in
    tsan) TSAN_OPTIONS="log_path=$rd/tsan halt_on_error=0 second_deadlock_stack=1 ${TSAN_EXTRA:-}" \
              "$exe" --port 0 --root "$docroot" $a >"$rd/stdout" 2>"$rd/stderr" & ;;
    helgrind|drd) valgrind --tool="$tool" --xml=yes --xml-file="$rd/$tool.xml" ${VG_EXTRA:-} \
              "$exe" --port 0 --root "$docroot" $a >"$rd/stdout" 2>"$rd/stderr" & ;;
    none) "$exe" --port 0 --root "$docroot" $a >"$rd/stdout" 2>"$rd/stderr" & ;;
    esac
    server_pid=$!
    port=
    for _ in $(seq 600); do
        port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$rd/stdout")
        [ -n "$port" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "run $run: server did not start; see $rd/stderr" >&2
        kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; server_pid=
        continue
    fi
    url=http://127.0.0.1:$port
    vm0=$(vmsize "$server_pid")

    # Side traffic: HEADs, 404s, Connection: close, /-/stats; one line per response.
    (
        end=$(( SECONDS + duration ))
        while [ $SECONDS -lt "$end" ]; do
            for req in "-I $url/f/1.html" "$url/nope.html" "-H Connection:close $url/f/2.html" "$url/-/stats"; do
                # shellcheck disable=SC2086
                curl -s -o /dev/null -w '%{http_code}\n' --max-time "$probe_timeout" $req
            done
        done
    ) > "$rd/side" 2>/dev/null &
    side=$!
    wrk -t2 -c"$conns" -d"${duration}s" --timeout 5s -s "$lua" "$url/" > "$rd/wrk" 2>&1
    wait "$side"
    vm1=$(vmsize "$server_pid")
    threads=$(awk '/^Threads/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null)

    crash=no hang=no stop=ok requests=-
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid"; st=$?
        crash="exit$st"; (( st > 128 )) && crash="sig$(( st - 128 ))"
        stop=-
    else
        body=$(curl -s --max-time "$probe_timeout" "$url/-/stats")
        if [ -z "$body" ] && ! curl -s -o /dev/null --max-time "$probe_timeout" "$url/"; then
            hang=yes
        fi
        requests=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' <<<"$body")
        requests=${requests:--}
        kill -TERM "$server_pid"
        for _ in $(seq $(( stop_timeout * 10 ))); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            stop=kill
            kill -KILL "$server_pid"
        fi
        wait "$server_pid" 2>/dev/null; st=$?
        [ $stop = ok ] && (( st > 128 )) && crash="sig$(( st - 128 ))"
    fi
    server_pid=

    wrk_n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$rd/wrk")
    side_n=$(grep -cv '^000$' "$rd/side")
    # The final /-/stats above is formatted before it counts itself.
    client=$(( ${wrk_n:-0} + side_n ))
    if [ $exact = 1 ] && [ "$requests" != - ]; then
        # Lines logged before the final /-/stats: everything but it and the
        # GET / probe (only sent if that /-/stats failed).
        client=$(( $(wc -l < "$rd/access.log") - 1 ))
    fi
    lost=-
    [ "$requests" != - ] && lost=$(( client > requests ? client - requests : 0 ))
    kinds=- locs=- atn=-
    [ "$tool" != none ] && IFS='|' read -r kinds locs atn <<<"$(parse_reports "$rd")"
    kinds=${kinds:-?} locs=${locs:--}
    vm=$(( vm1 - vm0 ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$kinds" "$atn" "$locs" "$requests" \
        "$client" "$lost" "$hang" "$crash" "$stop" "$vm" "${threads:--}" >> "$tsv"
    echo "run $run/$runs: kinds=$kinds at=$atn requests=$requests client=$client lost=$lost" \
         "hang=$hang crash=$crash stop=$stop vm+=${vm}MiB threads=${threads:--} locs=$locs"
done

python3 - "$tsv" <<'EOF' | tee "$out/summary.txt"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
n = len(rows)
print("summary: %d run(s)" % n)
kinds, locs = {}, {}
for r in rows:
    for k in set(x.split("*")[0] for x in r["kinds"].split() if x not in "-?"):
        kinds[k] = kinds.get(k, 0) + 1
    for l in r["locations"].split():
        if l != "-":
            locs[l] = locs.get(l, 0) + 1
print("  any finding: %d/%d" % (sum(1 for r in rows if r["kinds"] not in "-?"), n))
ats = [r["at"].split("/") for r in rows if r["at"] not in "-"]
if ats:
    print("  findings at the --at locations: %d of %d" % (sum(int(a) for a, b in ats),
                                                       sum(int(b) for a, b in ats)))
for k, c in sorted(kinds.items()):
    print("  kind %-40s %d/%d" % (k, c, n))
for l, c in sorted(locs.items(), key=lambda kv: -kv[1]):
    print("  at   %-40s %d/%d" % (l, c, n))
def count(pred):
    return "%d/%d" % (sum(1 for r in rows if pred(r)), n)
print("  lost updates (requests < client): " + count(lambda r: r["lost"] not in ("-", "0")))
print("  hang: " + count(lambda r: r["hang"] == "yes"))
print("  crash: " + count(lambda r: r["crash"] != "no"))
print("  killed after SIGTERM timeout: " + count(lambda r: r["stop"] == "kill"))
vms = [int(r["vm_mb"]) for r in rows]
if vms:
    print("  vm growth MiB: min %d max %d" % (min(vms), max(vms)))
EOF
