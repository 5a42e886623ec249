#!/usr/bin/env python3
"""test_gate.py NAME - the CI gate end to end, one test per invocation
(CTest label "gate"; tests/gate/CMakeLists.txt passes RACELAB_BIN, GATE_BIN
with the TSan-built programs, RACELAB_SRC, REPORT_WRITERS/REPORT_GATE).

Each test runs the real racelab (and the real ci/racelab-gate.sh, as the
templates in ci/ run it) on small programs built with clang
-fsanitize=thread, and checks exit codes, report files and their
contents.  Every SARIF file a test sees is validated against the SARIF
2.1.0 schema (validate_sarif.py).  Exit 0 pass, 1 fail, 77 skipped."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RACELAB = os.environ.get("RACELAB_BIN", "")
BIN = os.environ.get("GATE_BIN", "")
SRC = os.environ.get("RACELAB_SRC", os.path.dirname(os.path.dirname(HERE)))
TMP = tempfile.mkdtemp(prefix="racelab-gate-test-")


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def run(args, env=None, cwd=None, expect=None, shell=False, timeout=170):
    e = dict(os.environ)
    for k in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "RACELAB_ARGS",
              "RACELAB_SHARD", "RACELAB_BASELINE", "RACELAB_RUNS",
              "RACELAB_LOAD", "RACELAB", "RACELAB_SEED", "RACELAB_OUT"):
        e.pop(k, None)
    e.update(env or {})
    p = subprocess.run(args, env=e, cwd=cwd or TMP, shell=shell,
                       capture_output=True, text=True, timeout=timeout)
    if expect is not None and p.returncode != expect:
        raise Fail(f"{args if not shell else args!s}: exit {p.returncode}, "
                   f"expected {expect}\n--- stdout\n{p.stdout}\n--- stderr\n"
                   f"{p.stderr}")
    return p


def racelab(*args, expect=None, env=None):
    return run([RACELAB, *args], expect=expect, env=env)


def load(path):
    with open(path) as f:
        return json.load(f)


def validate(*paths):
    p = run([sys.executable, os.path.join(HERE, "validate_sarif.py"), *paths])
    if p.returncode == 77:
        raise SystemExit(77)
    check(p.returncode == 0, f"SARIF invalid: {p.stderr}")


def path(name):
    return os.path.join(TMP, name)


def findings_by_function(cell):
    """{innermost user function of the first stack: finding}"""
    out = {}
    for f in cell["findings"]:
        fr = f["stacks"][0]["frames"]
        fn = next((x["function"] for x in fr if x["file"]), None)
        out[fn] = f
    return out


# --- tests ------------------------------------------------------------------

def baseline_moved_race_known_new_race_new():
    v1, v2 = os.path.join(BIN, "v1", "racy"), os.path.join(BIN, "v2", "racy")
    racelab("stress", "--tool", "tsan", "--runs", "2", "--seed", "1", "--quiet",
            "--json", path("v1.json"), "--", v1, expect=1)
    p = racelab("baseline", "update", "--output", path("base.json"),
                path("v1.json"), expect=0)
    check("1 known race" in p.stdout, p.stdout)
    base = load(path("base.json"))      # the reviewable format (docs/CI.md)
    check(base["racelab_baseline"] == 2 and len(base["cells"]) == 1 and
          len(base["cells"][0]["races"]) == 1, "v1 has one race")
    old = findings_by_function(load(path("v1.json"))["results"][0])["count_hit"]
    check(base["cells"][0]["races"][0]["fingerprint"] == old["fingerprint"],
          "the baseline keeps the fingerprint")

    # v1 again against its own baseline: only known findings, the gate passes
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
                "--baseline", path("base.json"), "--", v1, expect=0)
    check("baseline: 0 new, 1 known, 0 fixed" in p.stdout, p.stdout)

    # v2: the old race moved down (known), a second race (new): fail
    p = racelab("stress", "--tool", "tsan", "--runs", "2", "--quiet",
                "--baseline", path("base.json"), "--json", path("v2.json"),
                "--sarif", path("v2.sarif"), "--junit", path("v2.xml"),
                "--write-baseline", path("base2.json"), "--source-root", SRC,
                "--", v2, expect=1)
    check("baseline: 1 new, 1 known, 0 fixed" in p.stdout, p.stdout)
    cell = load(path("v2.json"))["results"][0]
    check(cell["baseline"]["new"] == 1 and cell["baseline"]["known"] == 1,
          cell["baseline"])
    by = findings_by_function(cell)
    check(by["count_hit"]["baseline"] == "known", by.keys())
    check(by["count_miss"]["baseline"] == "new", by.keys())
    check(by["count_hit"]["fingerprint"] == old["fingerprint"], "fingerprint")
    line = lambda f: f["stacks"][0]["frames"][0]["line"]
    check(line(by["count_hit"]) > line(old) + 5,
          f"the race moved down: {line(old)} -> {line(by['count_hit'])}")
    check(cell["status"] == "fail", cell["verdict"])
    # SARIF: baselineState, relative URI under the source root, both sites
    validate(path("v2.sarif"))
    sarif = load(path("v2.sarif"))
    run0 = sarif["runs"][0]
    check(run0["automationDetails"]["id"] == "racelab/tsan/", run0["automationDetails"])
    states = sorted(r["baselineState"] for r in run0["results"])
    check(states == ["new", "unchanged"], states)
    for r in run0["results"]:
        art = r["locations"][0]["physicalLocation"]["artifactLocation"]
        check(art["uri"] == "tests/gate/programs/v2/racy.c" and
              art["uriBaseId"] == "SRCROOT", art)
        check(re.match(r"data race: \w[\w ]* in count_(hit|miss) \(racy\.c:\d+\)"
                       r" vs .* in count_(hit|miss) \(racy\.c:\d+\)",
                       r["message"]["text"]), r["message"]["text"])
    check("[baseline: 1 new, 1 known, 0 fixed]" in open(path("v2.xml")).read(),
          "JUnit carries the counts")
    # --write-baseline: v2 against it is clean of new findings
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
            "--baseline", path("base2.json"), "--", v2, expect=0)


def shards_merge_like_one_run():
    prog = os.path.join(BIN, "v2", "racy")
    common = ["stress", "--tool", "tsan", "--runs", "4", "--seed", "40",
              "--quiet", "--jobs", "2"]
    whole = racelab(*common, "--json", path("whole.json"), "--", prog)
    racelab(*common, "--shard", "1/2", "--json", path("s1.json"), "--", prog)
    racelab(*common, "--shard", "2/2", "--json", path("s2.json"), "--", prog)
    s1 = load(path("s1.json"))["results"][0]
    check([r["seed"] for r in s1["runs_detail"]] == [40, 42], "shard 1 seeds")
    merged = racelab("merge", path("s2.json"), path("s1.json"), "--json",
                     path("merged.json"), "--sarif", path("merged.sarif"))
    check(merged.returncode == whole.returncode,
          f"exit {merged.returncode} vs {whole.returncode}")
    a = load(path("whole.json"))["results"][0]
    b = load(path("merged.json"))["results"][0]
    check([r["seed"] for r in b["runs_detail"]] == [40, 41, 42, 43],
          "merged runs in seed order")
    for k in ("runs", "finding_runs", "detected_runs", "status", "hangs",
              "crashes", "env_errors"):
        check(a[k] == b[k], f"{k}: {a[k]} vs {b[k]}")
    fa = {f["fingerprint"]: f["runs_seen"] for f in a["findings"]}
    fb = {f["fingerprint"]: f["runs_seen"] for f in b["findings"]}
    check(fa == fb, f"findings {fa} vs {fb}")
    check([r["findings"] for r in a["runs_detail"]] ==
          [r["findings"] for r in b["runs_detail"]], "per-run findings")
    validate(path("merged.sarif"))
    # unreadable input: exit 3
    racelab("merge", path("nope.json"), expect=3)


def suppressions_counted():
    prog = os.path.join(BIN, "v1", "racy")
    with open(path("tsan.supp"), "w") as f:
        f.write("# the known race in count_hit\nrace:count_hit\n")
    racelab("stress", "--tool", "tsan", "--runs", "2", "--quiet",
            "--suppressions", path("tsan.supp"), "--json", path("supp.json"),
            "--", prog, expect=0)
    cell = load(path("supp.json"))["results"][0]
    check(cell["findings"] == [], "suppressed race not reported")
    check(cell["suppressed"] >= 2, f"suppressed {cell['suppressed']}")
    check(all(r["suppressed"] >= 1 for r in cell["runs_detail"]), "per run")
    check("report(s) suppressed" in cell["verdict"], cell["verdict"])
    racelab("stress", "--suppressions", path("missing.supp"), "--", prog,
            expect=3)


def confidence_runs_and_repro():
    clean = os.path.join(BIN, "clean-server")
    racy = os.path.join(BIN, "v1", "racy")
    # ceil(ln(1 - 0.9) / ln(1 - 0.5)) = 4 clean runs
    racelab("stress", "--tool", "tsan", "--quiet", "--min-rate", "0.5",
            "--confidence", "0.9", "--http", "/", "--duration", "0.5",
            "--json", path("conf.json"), "--junit", path("conf.xml"),
            "--html", path("conf.html"), "--", clean, "--port", "{port}",
            expect=0)
    cell = load(path("conf.json"))["results"][0]
    check(cell["runs"] == 4, f"runs {cell['runs']}")
    said = "no race with per-run rate &gt;= 0.5 at 90%: 4 runs"
    check(cell["guarantee"] == said.replace("&gt;", ">"), cell["guarantee"])
    check(said in open(path("conf.xml")).read(), "guarantee in JUnit")
    check(said in open(path("conf.html")).read(), "guarantee in HTML")
    # a racy program stops at its first finding (batches of --jobs 1)
    p = racelab("stress", "--tool", "tsan", "--jobs", "1", "--min-rate", "0.2",
                "--confidence", "0.95", "--seed", "9", "--json",
                path("conf2.json"), "--", racy, expect=1)
    cell = load(path("conf2.json"))["results"][0]
    check(cell["runs"] == 1, f"stopped after {cell['runs']} of 14")
    check("repeat with: racelab stress --tool tsan --runs 1 --seed 9 -- " + racy
          in p.stderr, p.stderr)
    racelab("stress", "--min-rate", "0.2", "--", racy, expect=2)
    racelab("stress", "--min-rate", "2", "--confidence", "0.9", "--", racy,
            expect=2)


def run_defaults_to_built_tools():
    build = path("build")
    os.makedirs(build)
    os.symlink(os.path.dirname(RACELAB), os.path.join(build, "release"))
    if not os.access(os.path.join(build, "release", "racelab-server"), os.X_OK):
        raise SystemExit(77)
    p = racelab("run", "cache-race", "--variant", "fixed", "--runs", "1",
                "--duration", "0.3", "--build-dir", build, "--json",
                path("run.json"))
    check(p.returncode in (0, 1), f"exit {p.returncode}: {p.stderr}")
    check(p.stderr.count("skipping tools whose build is missing") == 1, p.stderr)
    check("tsan" in p.stderr and "helgrind" in p.stderr, p.stderr)
    tools = [c["tool"] for c in load(path("run.json"))["results"]]
    check(tools == ["none"], tools)


def gate_script_usage_and_errors():
    gate = os.path.join(SRC, "ci", "racelab-gate.sh")
    p = run(["sh", gate], env={"RACELAB": RACELAB}, expect=2)
    header = []
    for line in open(gate).read().splitlines()[1:]:
        if not line.startswith("#"):
            break
        header.append(re.sub(r"^# ?", "", line))
    check(p.stderr.strip() == "\n".join(header).strip(),
          "usage prints the header comment, only it")
    run(["sh", gate, "bogus"], env={"RACELAB": RACELAB}, expect=2)
    os.makedirs(path("ro"))
    with open(path("ro/file"), "w") as f:
        f.write("x")
    run(["sh", gate, "program", "tsan", "--", os.path.join(BIN, "clean-server"),
         "--port", "{port}"], env={"RACELAB": RACELAB,
                                   "RACELAB_OUT": path("ro/file/out")}, expect=3)
    run(["sh", gate, "program", "tsan", "--", "/bin/true"],
        env={"RACELAB": path("no-racelab")}, expect=3)


KV = os.path.join(HERE, "programs")
GATE = os.path.join(SRC, "ci", "racelab-gate.sh")


def kv(variant):
    """A TSan build of kv_server.c: racy (touch_entry, from three
    callers), clean, or newrace (also count_command)."""
    return os.path.join(BIN, "kv", variant, "kv-server")


KV_LOAD = f"python3 {os.path.join(KV, 'kv_load.py')} {{port}}"


def gate_script_real_arguments():
    """Everything racelab should see goes through as real arguments: the
    docs' own wrk example and a quoted Python load, as OPTIONS and as
    RACELAB_LOAD; quotes in the word-split RACELAB_ARGS are refused."""
    clean_http, clean_kv = os.path.join(BIN, "clean-server"), kv("clean")
    base = {"RACELAB": RACELAB, "RACELAB_RUNS": "1"}
    wrk = "wrk -t2 -c32 -d3s http://127.0.0.1:{port}/"
    # a load with spaces, both kinds of quotes and a semicolon: it exits 0
    # only when the server answered INCR with a number
    py = ("python3 -c 'import socket,sys; s=socket.create_connection("
          "(\"127.0.0.1\", int(sys.argv[1])), timeout=3); "
          "s.sendall(b\"INCR k\\n\"); "
          "a=s.recv(64); sys.exit(0 if a.strip().isdigit() else 1)' {port}")
    cases = []
    if shutil.which("wrk"):
        cases.append((wrk, clean_http))
    else:
        print("wrk not installed: its case skipped", file=sys.stderr)
    cases.append((py, clean_kv))
    for i, (load_cmd, server) in enumerate(cases):
        out = path(f"args{i}")
        run(["sh", GATE, "program", "tsan", "--load", load_cmd, "--duration",
             "20", "--", server, "--port", "{port}"],
            env={**base, "RACELAB_OUT": out}, expect=0)
        cell = load(os.path.join(out, "results.json"))
        check(load_cmd in cell["command"], cell["command"])
        check(cell["results"][0]["runs"] == 1, cell["results"][0]["verdict"])
        out = path(f"env{i}")
        run(["sh", GATE, "program", "tsan", "--", server, "--port", "{port}"],
            env={**base, "RACELAB_OUT": out, "RACELAB_LOAD": load_cmd,
                 "RACELAB_ARGS": "--duration 20"}, expect=0)
        check(load_cmd in load(os.path.join(out, "results.json"))["command"],
              "RACELAB_LOAD is one argument")
    # the old form: refused with the way out named, before anything runs
    p = run(["sh", GATE, "program", "tsan", "--", clean_kv, "--port", "{port}"],
            env={**base, "RACELAB_ARGS": f"--load '{wrk}'"}, expect=2)
    check("RACELAB_LOAD" in p.stderr, p.stderr)
    # the server does not answer the way the load expects: exit 3, never 0
    p = run(["sh", GATE, "program", "tsan", "--", clean_http, "--port", "{port}"],
            env={**base, "RACELAB_LOAD": py, "RACELAB_OUT": path("wrong")},
            expect=3)
    check("--load command failed (exit 1)" in p.stdout, p.stdout)


def load_failures_are_errors():
    """A --load that cannot start, exits non-zero or is still running after
    --duration is exit 3 quoting its output, baseline or not; a load that
    got through is a pass."""
    server = kv("clean")
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet", "--duration",
            "20", "--load", KV_LOAD, "--write-baseline", path("kvbase.json"),
            "--", server, "--port", "{port}", expect=0)
    for load_cmd, said in [
            ("no-such-load-tool {port}", "could not start (exit 127: command "
             "not found): /bin/sh: 1: no-such-load-tool: not found"),
            ("echo 'server said nothing' >&2; exit 4",
             "failed (exit 4), so the program was not shown to answer: "
             "server said nothing"),
            ("sleep 30", "still running after --duration 1.0 s")]:
        p = racelab("stress", "--tool", "tsan", "--runs", "2", "--quiet",
                    "--duration", "1", "--baseline", path("kvbase.json"),
                    "--json", path("lf.json"), "--load", load_cmd, "--",
                    server, "--port", "{port}", expect=3)
        check(said in p.stdout, f"{said!r} not in:\n{p.stdout}")
        cell = load(path("lf.json"))["results"][0]
        check(cell["status"] == "error" and cell["env_errors"] == 2,
              [(r["outcome"], r["exit_status"], r["reason"], r["oracles"])
               for r in cell["runs_detail"]])
    # a load that fails on a racy server: the findings stand, the failure
    # is an oracle, and the baseline cannot turn the run into a pass
    racy = kv("newrace")
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet", "--duration",
            "30", "--load", KV_LOAD, "--write-baseline", path("kvbase2.json"),
            "--", racy, "--port", "{port}", expect=1)
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet", "--duration",
            "30", "--load", KV_LOAD + "; echo gave up >&2; exit 1",
            "--baseline", path("kvbase2.json"), "--json", path("lf2.json"),
            "--", racy, "--port", "{port}", expect=1)
    cell = load(path("lf2.json"))["results"][0]
    oracles = cell["runs_detail"][0]["oracles"] or ""
    check(cell["status"] == "fail" and "load-failed: the --load command "
          "failed (exit 1)" in oracles and "gave up" in oracles,
          (cell["verdict"], oracles))
    # kv_load.py against a server that is not there: exit 1, so exit 3
    p = run(["python3", os.path.join(KV, "kv_load.py"), "1"], expect=1)
    check("Connection refused" in p.stderr, p.stderr)
    # the gate script passes the status on
    run(["sh", GATE, "program", "tsan", "--", server, "--port", "{port}"],
        env={"RACELAB": RACELAB, "RACELAB_RUNS": "1", "RACELAB_OUT": path("g"),
             "RACELAB_LOAD": "exit 7"}, expect=3)


def merge_refuses_missing_and_doubled_shards():
    server = os.path.join(BIN, "clean-server")
    shards = []
    for i in (1, 2, 3):
        shards.append(path(f"sh{i}.json"))
        racelab("stress", "--tool", "tsan", "--runs", "3", "--shard", f"{i}/3",
                "--http", "/", "--duration", "0.5", "--quiet", "--json",
                shards[-1], "--", server, "--port", "{port}", expect=0)
    s = load(shards[1])["results"][0]["shard"]
    check(s == {"index": 2, "total": 3, "seed_base": 1, "runs_owed": 1,
                "runs_total": 3}, s)
    p = racelab("merge", "--quiet", shards[0], shards[1], expect=3)
    check("shard 3/3 missing" in p.stderr, p.stderr)
    p = racelab("merge", "--quiet", "--strict", shards[0], shards[1], expect=3)
    p = racelab("merge", "--quiet", *shards, shards[1], expect=3)
    check("shard 2/3 given twice" in p.stderr, p.stderr)
    p = racelab("merge", "--quiet", "--allow-partial", "--json",
                path("partial.json"), shards[0], shards[1], expect=0)
    cell = load(path("partial.json"))["results"][0]
    check(cell["status"] == "inconclusive" and cell["runs"] == 2, cell["verdict"])
    check("shard 3/3 missing" in cell["merge_partial"], cell)
    racelab("merge", "--quiet", "--allow-partial", "--strict", shards[0],
            shards[1], expect=1)
    p = racelab("merge", "--quiet", "--allow-partial", "--json",
                path("dup.json"), *shards, shards[2], expect=0)
    cell = load(path("dup.json"))["results"][0]
    check(cell["runs"] == 3 and cell["status"] == "inconclusive",
          "a doubled shard's runs count once, and the cell is inconclusive")
    racelab("merge", "--quiet", "--json", path("all.json"), *shards, expect=0)
    check(load(path("all.json"))["results"][0]["status"] == "pass", "complete")
    # shards of another gate (another seed base): refused even when partial
    racelab("stress", "--tool", "tsan", "--runs", "3", "--shard", "3/3",
            "--seed", "9", "--http", "/", "--duration", "0.5", "--quiet",
            "--json", path("other.json"), "--", server, "--port", "{port}")
    p = racelab("merge", "--allow-partial", shards[0], shards[1],
                path("other.json"), expect=3)
    check("not one gate's shards" in p.stderr, p.stderr)


def prefix_dir():
    return os.path.join(BIN, "prefix")


def install_prefix():
    """make install PREFIX=...: racelab runs from the prefix alone."""
    prefix = prefix_dir()
    shutil.rmtree(prefix, ignore_errors=True)
    run(["make", "-C", SRC, "install", f"PREFIX={prefix}",
         f"INSTALL_BUILD={os.path.join(BIN, 'install-build')}"], expect=0,
        timeout=590)
    for f in ("bin/racelab", "bin/racelab-gate.sh", "bin/racelab-cc",
              "lib/racelab/librlchaos.so", "lib/racelab/librlsched.a",
              "share/racelab/sanitizers/tsan.supp",
              "share/racelab/sanitizers/valgrind.supp"):
        check(os.path.exists(os.path.join(prefix, f)), f"{f} installed")
    rl = os.path.join(prefix, "bin", "racelab")
    p = run([rl, "--version"], expect=0)
    check(f"source {os.path.realpath(prefix)}/share/racelab" in p.stdout, p.stdout)
    # the preload and the scheduler's runtime are found in lib/racelab
    run([rl, "stress", "--tool", "none", "--chaos", "random", "--quiet",
         "--", "/bin/true"], expect=0)
    with open(path("hello.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    run([os.path.join(prefix, "bin", "racelab-cc"), "-o", path("hello"),
         path("hello.c")], expect=0)
    # the gate script beside it finds it with no RACELAB
    run([os.path.join(prefix, "bin", "racelab-gate.sh"), "program", "tsan",
         "--", kv("clean"), "--port", "{port}"],
        env={"RACELAB_RUNS": "1", "RACELAB_OUT": path("inst"),
             "RACELAB_LOAD": KV_LOAD}, expect=0)
    p = run(["make", "-C", SRC, "install", f"PREFIX={prefix}",
             f"INSTALL_BUILD={os.path.join(BIN, 'install-build')}"], expect=0)
    check("holds this racelab already" in p.stdout, p.stdout)


def prepare_workspace(variant):
    """A CI workspace as the templates assume it: racelab at ./racelab (a
    checkout: the source tree), a server that builds with `make my-server`
    (kv_server.c: a line protocol, not HTTP), its load at ci/load.py, and
    an apt-get that only records what it was asked (the packages are
    installed; the test does not change the machine)."""
    ws = tempfile.mkdtemp(prefix="ws-", dir=TMP)
    os.symlink(SRC, os.path.join(ws, "racelab"))
    os.makedirs(os.path.join(ws, "ci"))
    os.makedirs(os.path.join(ws, "src"))
    shutil.copy(os.path.join(KV, "kv_load.py"), os.path.join(ws, "ci", "load.py"))
    shutil.copy(os.path.join(KV, "kv_server.c"), os.path.join(ws, "src"))
    flags = {"racy": "-DKV_NEW_RACE=1", "clean": "-DKV_CLEAN=1"}[variant]
    with open(os.path.join(ws, "Makefile"), "w") as f:
        f.write(f"my-server: src/kv_server.c\n\t$(CC) $(CFLAGS) {flags} "
                "-o $@ $< -lpthread\n")
    stub = os.path.join(ws, ".stub")
    os.makedirs(stub)
    with open(os.path.join(stub, "apt-get"), "w") as f:
        f.write(f"#!/bin/sh\necho \"$*\" >> {ws}/.apt-log\n")
    os.chmod(os.path.join(stub, "apt-get"), 0o755)
    return ws


def restore_cache(ws):
    """actions/cache, GitLab cache: the prefix test's install, restored."""
    if not os.path.exists(os.path.join(prefix_dir(), "bin", "racelab")):
        raise Fail("no installed prefix: gate.install_prefix must run first")
    dst = os.path.join(ws, ".racelab")
    if not os.path.exists(dst):
        shutil.copytree(prefix_dir(), dst, symlinks=True)


def step_env(ws, *envs, shard=True):
    e = {}
    for d in envs:
        e.update({k: str(v) for k, v in (d or {}).items()})
    e.update(TUNING if shard else {})
    e["PATH"] = os.path.join(ws, ".stub") + os.pathsep + os.environ["PATH"]
    return e


# 3 runs, one per shard; the run ends when the load does (--duration is
# only the limit the load must end within).
TUNING = {"RACELAB_RUNS": "3", "RACELAB_ARGS": "--duration 30"}


def github_job(wf, job, ws, sub, shard=True):
    """Runs a job's steps as written: run: steps in bash -e (GitHub's
    shell), uses: steps emulated.  Returns the last run: step's process."""
    steps = job["steps"]
    names = [s.get("uses", s.get("run", ""))[:40] for s in steps]
    co = next(i for i, s in enumerate(steps)
              if s.get("uses", "").startswith("actions/checkout"))
    check(any("apt-get install" in s.get("run", "") and " git" in s["run"]
              for s in steps[:co]), f"git installed before the checkout: {names}")
    last = None
    for s in steps:
        uses = s.get("uses", "")
        if uses.startswith("actions/cache"):
            check(s["with"]["path"] == wf["env"]["RACELAB_PREFIX"], s)
            restore_cache(ws)
        if "run" not in s:
            continue
        env = step_env(ws, wf.get("env"), job.get("env"),
                       {k: sub(v) for k, v in s.get("env", {}).items()},
                       shard=shard)
        last = run(["bash", "-e", "-c", sub(s["run"])], env=env, cwd=ws,
                   timeout=300)
        if last.returncode != 0 and "racelab-gate.sh merge" not in s["run"]:
            raise Fail(f"step {s.get('name', s['run'])!r}: exit "
                       f"{last.returncode}\n{last.stdout}\n{last.stderr}")
    return last


def github(variant):
    import yaml
    wf = yaml.safe_load(open(os.path.join(SRC, "ci", "github-actions.yml")))
    ws = prepare_workspace(variant)
    shard_job, merge_job = wf["jobs"]["race-gate"], wf["jobs"]["race-gate-merge"]
    perms = merge_job["permissions"]
    check(perms.get("checks") == "write" and
          perms.get("security-events") == "write", perms)
    shards = shard_job["strategy"]["matrix"]["shard"]
    dl = next(s for s in merge_job["steps"]
              if "download-artifact" in s.get("uses", ""))["with"]
    up = next(s for s in shard_job["steps"]
              if "upload-artifact" in s.get("uses", ""))["with"]
    for i in shards:
        sub = lambda v: (str(v).replace("${{ matrix.shard }}", str(i))
                         .replace("${{ strategy.job-total }}", str(len(shards))))
        github_job(wf, shard_job, ws, sub)
        # download-artifact with a pattern: one folder per artifact
        name = sub(up["name"])
        check(re.fullmatch(dl["pattern"].replace("*", ".*"), name), name)
        shutil.copytree(os.path.join(ws, sub(up["path"])),
                        os.path.join(ws, dl["path"], name))
    p = github_job(wf, merge_job, ws, lambda v: str(v), shard=False)
    sarif = next(s for s in merge_job["steps"]
                 if "upload-sarif" in s.get("uses", ""))["with"]["sarif_file"]
    junit = next(s for s in merge_job["steps"]
                 if "junit-report" in s.get("uses", ""))["with"]["report_paths"]
    return p, ws, os.path.join(ws, sarif), os.path.join(ws, junit)


def github_gate_step(ws):
    """Shard 1's gate step of ci/github-actions.yml: its command and env."""
    import yaml
    wf = yaml.safe_load(open(os.path.join(SRC, "ci", "github-actions.yml")))
    job = wf["jobs"]["race-gate"]
    step = next(s for s in job["steps"] if "racelab-gate.sh" in s.get("run", ""))
    sub = lambda v: (str(v).replace("${{ matrix.shard }}", "1")
                     .replace("${{ strategy.job-total }}", "1"))
    return sub(step["run"]), step_env(ws, wf.get("env"), job.get("env"),
                                      {k: sub(v) for k, v in step["env"].items()})


github.gate_step = github_gate_step


def gitlab(variant):
    import yaml
    ci = yaml.safe_load(open(os.path.join(SRC, "ci", "gitlab-ci.yml")))
    ws = prepare_workspace(variant)
    job, merge = ci["race-gate"], ci["race-gate-merge"]
    check(merge["needs"] == ["race-gate"], merge["needs"])
    p = None
    for i in range(1, job["parallel"] + 1):
        check(".racelab/" in job["cache"]["paths"], job["cache"])
        restore_cache(ws)
        env = step_env(ws, ci.get("variables"), job.get("variables"),
                       {"CI_NODE_INDEX": str(i),
                        "CI_NODE_TOTAL": str(job["parallel"])})
        for line in job["script"]:
            run(["bash", "-e", "-c", line], env=env, cwd=ws, expect=0,
                timeout=300)
    restore_cache(ws)
    env = step_env(ws, ci.get("variables"), merge.get("variables"), shard=False)
    for line in merge["script"]:
        p = run(["bash", "-e", "-c", line], env=env, cwd=ws, timeout=300)
        if p.returncode != 0 and "racelab-gate.sh merge" not in line:
            raise Fail(f"{line}: exit {p.returncode}\n{p.stderr}")
    out = merge["artifacts"]["paths"][0].rstrip("/")
    return p, ws, os.path.join(ws, out, "results.sarif"), \
        os.path.join(ws, merge["artifacts"]["reports"]["junit"])


def gitlab_gate_step(ws):
    """The gate line of ci/gitlab-ci.yml's race-gate job, as node 1 of 1."""
    import yaml
    ci = yaml.safe_load(open(os.path.join(SRC, "ci", "gitlab-ci.yml")))
    job = ci["race-gate"]
    line = next(x for x in job["script"] if "racelab-gate.sh" in x)
    return line, step_env(ws, ci.get("variables"), job.get("variables"),
                          {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "1"})


gitlab.gate_step = gitlab_gate_step


def check_template(runner):
    try:
        import yaml  # noqa: F401
    except ImportError:
        raise SystemExit(77)
    p, ws, sarif, junit = runner("racy")
    check(p.returncode == 1, f"racy server: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    out = os.path.dirname(sarif)
    for f in ("results.json", "junit.xml", "results.sarif", "report.html"):
        check(os.path.getsize(os.path.join(out, f)) > 0, f"{f} written")
    check(os.path.exists(junit), junit)
    cell = load(os.path.join(out, "results.json"))["results"][0]
    check(cell["runs"] == 3 and cell["status"] == "fail", cell["verdict"])
    check(any("count_command" in json.dumps(f["stacks"]) for f in cell["findings"]),
          "the race in count_command")
    check("<failure" in open(junit).read(), "JUnit failure")
    validate(sarif)
    p, ws, sarif, junit = runner("clean")
    check(p.returncode == 0, f"clean server: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    cell = load(os.path.join(os.path.dirname(sarif), "results.json"))["results"][0]
    check(cell["runs"] == 3 and cell["status"] == "pass", cell["verdict"])
    check("<failure" not in open(junit).read(), "no JUnit failure")
    validate(sarif)
    # the same shard step with a load that gets no answer: the step fails
    with open(os.path.join(ws, "ci", "load.py"), "w") as f:
        f.write("import sys\nprint('no answer from the server', "
                "file=sys.stderr)\nsys.exit(1)\n")
    cmd, env = runner.gate_step(ws)
    p = run(["bash", "-e", "-c", cmd], env=env, cwd=ws, timeout=300)
    # racelab exits 3; `|| [ $? -eq 1 ]` lets only 1 through, so the step
    # (the shard job) fails
    check(p.returncode != 0 and "no answer from the server" in p.stdout and
          "1 error" in p.stdout,
          f"failing load: exit {p.returncode}\n{p.stdout}\n{p.stderr}")


def template_github_racy_fails_clean_passes():
    check_template(github)


def template_gitlab_racy_fails_clean_passes():
    check_template(gitlab)


def kv_baseline_green_5_times_new_race_new():
    """The issue's goal on kv_server.c: a baseline from 10 runs; gating the
    unchanged server is green in each of 5 gates, gating a version with one
    new unlocked counter (count_command) is `new` in each of 5.  The racy
    statement in touch_entry is reached from GET, SET and INCR: with
    fingerprints over several frames the callers make many identities, and
    the unchanged gates can see one the baseline did not."""
    common = ["stress", "--tool", "tsan", "--quiet", "--duration", "30",
              "--jobs", "2", "--load", KV_LOAD]
    racelab(*common, "--runs", "10", "--write-baseline", path("kv-base.json"),
            "--", kv("racy"), "--port", "{port}", expect=1)
    greens = []
    for i in range(5):
        p = racelab(*common, "--runs", "2", "--baseline", path("kv-base.json"),
                    "--json", path(f"kv-gate{i}.json"), "--", kv("racy"),
                    "--port", "{port}")
        greens.append(p.returncode)
    for i in range(5):
        racelab(*common, "--runs", "2", "--baseline", path("kv-base.json"),
                "--json", path(f"kv-new{i}.json"), "--", kv("newrace"),
                "--port", "{port}", expect=1)
        cell = load(path(f"kv-new{i}.json"))["results"][0]
        new = [f for f in cell["findings"] if f["baseline"] == "new"]
        check(any("count_command" in json.dumps(f["stacks"]) for f in new),
              f"gate {i + 1}: count_command not new: {cell['verdict']}")
    bad = [(i + 1, rc, load(path(f"kv-gate{i}.json"))["results"][0]["verdict"])
           for i, rc in enumerate(greens) if rc != 0]
    check(not bad, f"unchanged server not green in gates {bad}")


def sarif_schema_writers():
    writers, gate = os.environ.get("REPORT_WRITERS"), os.environ.get("REPORT_GATE")
    if not writers or not gate:
        raise SystemExit(77)
    env = {"RACELAB_SARIF_OUT": TMP}
    run([writers], env=env, expect=0)
    run([gate], env=env, expect=0)
    files = sorted(glob.glob(path("*.sarif")))
    check(len(files) == 2, files)
    validate(*files)


def sarif_schema_rejects_invalid():
    """The validator is not a rubber stamp: a SARIF broken three ways is
    rejected, each way on its own."""
    prog = os.path.join(BIN, "v1", "racy")
    racelab("stress", "--tool", "tsan", "--quiet", "--sarif", path("ok.sarif"),
            "--", prog, expect=1)
    validate(path("ok.sarif"))
    good = load(path("ok.sarif"))
    breakers = [
        lambda d: d["runs"][0]["results"][0].__setitem__("level", "fatal"),
        lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"].__setitem__("uri", "/abs/racy.c"),
        lambda d: d["runs"][0].pop("automationDetails"),
    ]
    for i, brk in enumerate(breakers):
        d = json.loads(json.dumps(good))
        brk(d)
        with open(path(f"bad{i}.sarif"), "w") as f:
            json.dump(d, f)
        p = run([sys.executable, os.path.join(HERE, "validate_sarif.py"),
                 path(f"bad{i}.sarif")])
        check(p.returncode == 1, f"bad{i}.sarif accepted")


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in globals():
        print(__doc__, file=sys.stderr)
        return 2
    if not RACELAB or not BIN:
        print("RACELAB_BIN and GATE_BIN must be set (run through ctest)",
              file=sys.stderr)
        return 2
    try:
        globals()[sys.argv[1]]()
    except Fail as e:
        print(f"FAIL {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    finally:
        if not os.environ.get("GATE_KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
    print(f"ok {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
