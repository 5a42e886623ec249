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


def run(args, env=None, cwd=None, expect=None, shell=False):
    e = dict(os.environ)
    for k in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR", "RACELAB_ARGS",
              "RACELAB_SHARD", "RACELAB_BASELINE", "RACELAB_RUNS"):
        e.pop(k, None)
    e.update(env or {})
    p = subprocess.run(args, env=e, cwd=cwd or TMP, shell=shell,
                       capture_output=True, text=True, timeout=170)
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


def prepare_workspace(server):
    """A CI workspace as the templates assume it: racelab at ./racelab
    (its ci/ and a built racelab), the program at ./my-server."""
    ws = tempfile.mkdtemp(prefix="ws-", dir=TMP)
    os.makedirs(os.path.join(ws, "racelab", "build", "release"))
    os.symlink(os.path.join(SRC, "ci"), os.path.join(ws, "racelab", "ci"))
    os.symlink(RACELAB, os.path.join(ws, "racelab", "build", "release", "racelab"))
    shutil.copy(os.path.join(BIN, server), os.path.join(ws, "my-server"))
    return ws


# The tests make 3 runs of 0.5 s: one per shard.
TUNING = {"RACELAB_RUNS": "3", "RACELAB_ARGS": "--duration 0.5"}


def github(server):
    import yaml
    wf = yaml.safe_load(open(os.path.join(SRC, "ci", "github-actions.yml")))
    ws = prepare_workspace(server)
    shard_job, merge_job = wf["jobs"]["race-gate"], wf["jobs"]["race-gate-merge"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    gate_step = next(s for s in shard_job["steps"]
                     if "racelab-gate.sh" in s.get("run", ""))
    for i in shards:
        sub = lambda v: (str(v).replace("${{ matrix.shard }}", str(i))
                         .replace("${{ strategy.job-total }}", str(len(shards))))
        env = {k: sub(v) for k, v in {**wf.get("env", {}),
                                      **gate_step.get("env", {})}.items()}
        env.update(TUNING)
        run(["bash", "-e", "-c", sub(gate_step["run"])], env=env, cwd=ws,
            expect=0)
        art = sub(next(s for s in shard_job["steps"]
                       if "upload-artifact" in s.get("uses", ""))["with"]["path"])
        name = sub(next(s for s in shard_job["steps"]
                        if "upload-artifact" in s.get("uses", ""))["with"]["name"])
        # download-artifact with a pattern: one folder per artifact
        dl = next(s for s in merge_job["steps"]
                  if "download-artifact" in s.get("uses", ""))["with"]
        check(re.fullmatch(dl["pattern"].replace("*", ".*"), name), name)
        shutil.copytree(os.path.join(ws, art), os.path.join(ws, dl["path"], name))
    merge_step = next(s for s in merge_job["steps"]
                      if "racelab-gate.sh" in s.get("run", ""))
    env = {**wf.get("env", {}), **merge_job.get("env", {})}
    p = run(["bash", "-e", "-c", merge_step["run"]], env=env, cwd=ws)
    sarif = next(s for s in merge_job["steps"]
                 if "upload-sarif" in s.get("uses", ""))["with"]["sarif_file"]
    junit = next(s for s in merge_job["steps"]
                 if "junit-report" in s.get("uses", ""))["with"]["report_paths"]
    return p, ws, os.path.join(ws, sarif), os.path.join(ws, junit)


def gitlab(server):
    import yaml
    ci = yaml.safe_load(open(os.path.join(SRC, "ci", "gitlab-ci.yml")))
    ws = prepare_workspace(server)
    job, merge = ci["race-gate"], ci["race-gate-merge"]
    check(merge["needs"] == ["race-gate"], merge["needs"])
    for i in range(1, job["parallel"] + 1):
        env = {**ci.get("variables", {}), **job.get("variables", {}),
               "CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": str(job["parallel"])}
        env.update(TUNING)
        for line in job["script"]:
            if "racelab-gate.sh" in line:
                run(["bash", "-e", "-c", line], env=env, cwd=ws, expect=0)
    env = {**ci.get("variables", {}), **merge.get("variables", {})}
    p = None
    for line in merge["script"]:
        if "racelab-gate.sh" in line:
            p = run(["bash", "-e", "-c", line], env=env, cwd=ws)
    out = merge["artifacts"]["paths"][0].rstrip("/")
    return p, ws, os.path.join(ws, out, "results.sarif"), \
        os.path.join(ws, merge["artifacts"]["reports"]["junit"])


def check_template(runner):
    try:
        import yaml  # noqa: F401
    except ImportError:
        raise SystemExit(77)
    p, ws, sarif, junit = runner("racy-server")
    check(p.returncode == 1, f"racy server: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    out = os.path.dirname(sarif)
    for f in ("results.json", "junit.xml", "results.sarif", "report.html"):
        check(os.path.getsize(os.path.join(out, f)) > 0, f"{f} written")
    check(os.path.exists(junit), junit)
    cell = load(os.path.join(out, "results.json"))["results"][0]
    check(cell["runs"] == 3 and cell["status"] == "fail", cell["verdict"])
    check(any("count_request" in json.dumps(f["stacks"]) for f in cell["findings"]),
          "the race in count_request")
    check("<failure" in open(junit).read(), "JUnit failure")
    validate(sarif)
    p, ws, sarif, junit = runner("clean-server")
    check(p.returncode == 0, f"clean server: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    cell = load(os.path.join(os.path.dirname(sarif), "results.json"))["results"][0]
    check(cell["runs"] == 3 and cell["status"] == "pass", cell["verdict"])
    check("<failure" not in open(junit).read(), "no JUnit failure")
    validate(sarif)


def template_github_racy_fails_clean_passes():
    check_template(github)


def template_gitlab_racy_fails_clean_passes():
    check_template(gitlab)


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
