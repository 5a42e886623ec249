#!/usr/bin/env python3
"""test_gate_identity.py NAME - issue 17 end to end (CTest label "gate"):
a race's identity through two call paths, the reviewable baseline and its
update, new races first in every report, the repeat line that carries
every option, and --tool none's guarantee.  Uses test_gate.py's helpers;
the program is tests/harness-unit/programs/race_paths.c built with TSan
(GATE_BIN/race_paths).  Exit 0 pass, 1 fail, 77 skipped."""
import os
import shutil
import subprocess
import sys

import test_gate as g
from test_gate import check, load, path, racelab

PATHS = os.path.join(g.BIN, "race_paths")


def two_call_paths_one_race():
    # the baseline: the race through handle_get
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
            "--write-baseline", path("b.json"), "--source-root", g.SRC,
            "--", PATHS, "get", expect=1)
    text = open(path("b.json")).read()
    base = load(path("b.json"))
    races = base["cells"][0]["races"]
    check(len(races) == 1, races)
    check(races[0]["sites"] == [
        "stat_bump@tests/harness-unit/programs/race_paths.c(W)"] * 2, races)
    check(races[0]["kind"] == "data-race" and "first_seen" in races[0], races)
    check(len(text) < 400, f"{len(text)} bytes for one race")
    check("runs" not in text and "seed" not in text, text)
    # the same racing statement through handle_set: known, the gate passes
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
                "--baseline", path("b.json"), "--", PATHS, "set", expect=0)
    check("baseline: 0 new, 1 known, 0 fixed" in p.stdout, p.stdout)
    # another racing function: new, first and in full, in every report
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
                "--baseline", path("b.json"), "--junit", path("j.xml"),
                "--html", path("h.html"), "--sarif", path("s.sarif"),
                "--", PATHS, "miss", expect=1)
    out = p.stdout
    label = "race:note_miss@race_paths.c(W) x note_miss@race_paths.c(W)"
    check("NEW " + label in out, out)
    new_at = out.index("NEW " + label)
    check("repeat with: racelab stress --tool tsan --runs 1" in out[new_at:],
          out)
    check("locks held: " in out[new_at:], out)
    junit = open(path("j.xml")).read()
    check('message="NEW: ' + label in junit, junit)
    html = open(path("h.html")).read()
    check('<div class="finding new">' in html, "HTML marks the new one")
    g.validate(path("s.sarif"))
    # baseline update merges: both races, the first one's entry kept
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet", "--json",
            path("miss.json"), "--", PATHS, "miss", expect=1)
    p = racelab("baseline", "update", "--output", path("b.json"),
                "--source-root", g.SRC, path("miss.json"), expect=0)
    check("2 known race(s)" in p.stdout, p.stdout)
    merged = load(path("b.json"))["cells"][0]["races"]
    check([r["sites"][0].split("@")[0] for r in merged]
          == ["note_miss", "stat_bump"], merged)
    racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
            "--baseline", path("b.json"), "--", PATHS, "miss", expect=0)
    # --fingerprint-depth 2 takes the callers: then the paths differ, and a
    # depth-1 baseline is a clear error, not a silent mismatch
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
                "--fingerprint-depth", "2", "--baseline", path("b.json"),
                "--", PATHS, "set", expect=3)
    check("--fingerprint-depth 1" in p.stderr, p.stderr)
    racelab("stress", "--fingerprint-depth", "0", "--", PATHS, expect=2)
    # an old baseline (a whole results file) still gates
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--quiet",
                "--baseline", path("miss.json"), "--", PATHS, "miss", expect=0)
    check("old format" in p.stderr, p.stderr)


def repeat_line_carries_options():
    supp = path("empty.supp")
    with open(supp, "w") as f:
        f.write("# nothing suppressed\n")
    env = {"TSAN_OPTIONS": "history_size=5"}
    p = racelab("stress", "--tool", "tsan", "--runs", "1", "--seed", "5",
                "--suppressions", supp, "--fingerprint-depth", "2",
                "--timeout", "60", "--", PATHS, "miss", expect=1, env=env)
    line = next((l for l in p.stderr.splitlines() if "repeat with:" in l), "")
    for want in ("TSAN_OPTIONS=history_size=5 racelab stress --tool tsan",
                 "--seed 5", "--timeout 60", "--suppressions " + supp,
                 "--fingerprint-depth 2", "-- " + PATHS + " miss"):
        check(want in line, f"{want!r} not in {line!r}")
    # the line runs as printed and repeats the finding
    cmd = line.split("repeat with: ", 1)[1].replace(" racelab ",
                                                   " " + g.RACELAB + " ", 1)
    r = subprocess.run(cmd, shell=True, cwd=g.TMP, capture_output=True,
                       text=True, timeout=170)
    check(r.returncode == 1 and "note_miss" in r.stdout,
          f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")


def tool_none_guarantee():
    true = shutil.which("true") or "/bin/true"
    p = racelab("stress", "--tool", "none", "--min-rate", "0.5",
                "--confidence", "0.9", "--json", path("none.json"), "--",
                true, expect=0)
    cell = load(path("none.json"))["results"][0]
    check(cell["guarantee"].startswith("no crash or hang with per-run rate"),
          cell["guarantee"])
    check("no race" not in p.stdout, p.stdout)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in globals():
        print(__doc__, file=sys.stderr)
        return 2
    if not g.RACELAB or not g.BIN:
        print("RACELAB_BIN and GATE_BIN must be set (run through ctest)",
              file=sys.stderr)
        return 2
    try:
        globals()[sys.argv[1]]()
    except g.Fail as e:
        print(f"FAIL {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    finally:
        if not os.environ.get("GATE_KEEP"):
            shutil.rmtree(g.TMP, ignore_errors=True)
    print(f"ok {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
