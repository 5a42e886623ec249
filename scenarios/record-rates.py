#!/usr/bin/env python3
"""record-rates.py - write measured rates from racelab JSON into manifests.

    build/release/racelab matrix --runs 10 --json m.json
    scenarios/record-rates.py m.json [more.json ...]

For every scenario x variant x tool cell in the JSON, sets the `rate = k/n`
line of [expect.VARIANT.TOOL] in scenarios/SCENARIO/manifest.ini to what
racelab measured: buggy cells count runs with a true-positive detection
(tool none: runs with the symptom); fixed cells count runs with any finding
(tool none: with the symptom).  Cells measured in several files add up.
Only rate lines change; kinds and locations stay as written, and racelab's
verdict checks them.  Prints what it changed.

Buggy cells take the new measurement (rates depend on the load, and
racelab's load is the one its verdicts use).  Fixed cells accumulate:
k/n already recorded plus what was measured now, since every clean run,
by racelab or by scenarios/measure.sh, is evidence of cleanliness.
With --accumulate, buggy cells accumulate too (for repeated racelab runs).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))


def measured(cell):
    runs = cell["runs"] - cell.get("env_errors", 0)
    if cell["tool"] == "none":
        k = cell["symptom_runs"]
    elif cell["variant"] == "buggy":
        k = cell["detected_runs"]
    else:
        k = cell["finding_runs"]
    return k, runs


def main(paths, accumulate_all=False):
    totals = {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for cell in doc["results"]:
            if not cell.get("variant"):
                continue
            key = (cell["scenario"], cell["variant"], cell["tool"])
            k, n = measured(cell)
            ok, on = totals.get(key, (0, 0))
            totals[key] = (ok + k, on + n)

    by_scenario = {}
    for (scenario, variant, tool), kn in totals.items():
        by_scenario.setdefault(scenario, {})[(variant, tool)] = kn

    for scenario, cells in sorted(by_scenario.items()):
        path = os.path.join(ROOT, scenario, "manifest.ini")
        with open(path) as f:
            lines = f.read().split("\n")
        section = None
        for i, line in enumerate(lines):
            m = re.match(r"\[expect\.(\w+)\.(\w+)\]", line)
            if line.startswith("["):
                section = (m.group(1), m.group(2)) if m else None
                continue
            if section in cells and re.match(r"rate\s*=", line):
                k, n = cells.pop(section)
                old = re.match(r"rate\s*=\s*(\d+)/(\d+)", line)
                if old and (accumulate_all or section[0] == "fixed"):
                    k += int(old.group(1))
                    n += int(old.group(2))
                new = re.sub(r"(rate\s*=\s*)\S+", r"\g<1>%d/%d" % (k, n), line, count=1)
                if new != line:
                    print("%s [expect.%s.%s]: %s -> %d/%d" % (
                        scenario, section[0], section[1],
                        line.split("=", 1)[1].split(";")[0].strip(), k, n))
                    lines[i] = new
        for (variant, tool) in cells:
            print("%s: no rate line in [expect.%s.%s]; add one" % (scenario, variant, tool),
                  file=sys.stderr)
        with open(path, "w") as f:
            f.write("\n".join(lines))


if __name__ == "__main__":
    args = sys.argv[1:]
    acc = "--accumulate" in args
    args = [a for a in args if a != "--accumulate"]
    if not args:
        sys.exit(__doc__)
    main(args, acc)
