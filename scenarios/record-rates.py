#!/usr/bin/env python3
"""record-rates.py - write measured rates from racelab JSON into manifests.

    build/release/racelab matrix --runs 10 --json m.json
    scenarios/record-rates.py m.json [more.json ...]
    scenarios/record-rates.py --replace --source-per-file 'm.json=racelab run ...'

(scenarios/measure-rates.sh drives the second form.)  With --replace every
cell takes the new measurement; with --source-per-file each argument is
FILE=SOURCE and every rate measured from FILE gets `rate_source = SOURCE`
({scenario} in SOURCE becomes the cell's scenario);
the comment lines inside [expect.*] sections go (the measurement history
they held belongs in the scenario's SOLUTION.md).

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


def main(paths, accumulate_all=False, replace=False, sources=None):
    totals = {}
    srcs = {}
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
            if sources and sources.get(path):
                srcs[key] = sources[path]

    by_scenario = {}
    for (scenario, variant, tool), kn in totals.items():
        by_scenario.setdefault(scenario, {})[(variant, tool)] = kn
    if replace:
        for scenario, cells in sorted(by_scenario.items()):
            rewrite(scenario, cells, {k[1:]: v for k, v in srcs.items() if k[0] == scenario})
        return

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


def rewrite(scenario, cells, srcs):
    """Sets rate (and rate_source) in every measured [expect.*] section of
    SCENARIO, dropping that section's comment lines."""
    path = os.path.join(ROOT, scenario, "manifest.ini")
    with open(path) as f:
        lines = f.read().rstrip("\n").split("\n")
    out, section = [], None
    for line in lines:
        if line.startswith("["):
            m = re.match(r"\[expect\.(\w+)\.(\w+)\]", line)
            section = (m.group(1), m.group(2)) if m else None
            out.append(line)
            continue
        if section in cells:
            if re.match(r"\s*[;#]", line) or re.match(r"rate_source\s*=", line):
                continue
            if re.match(r"rate\s*=", line):
                k, n = cells[section]
                out.append("rate        = %d/%d" % (k, n))
                if section in srcs:
                    out.append("rate_source = %s" % srcs[section].replace("{scenario}", scenario))
                print("%s [expect.%s.%s]: %s -> %d/%d" % (
                    scenario, section[0], section[1],
                    line.split("=", 1)[1].split(";")[0].strip(), k, n))
                cells[section] = None
                continue
        out.append(line)
    for sec, kn in cells.items():
        if kn is not None:
            print("%s: no rate line in [expect.%s.%s]; add one" % ((scenario,) + sec),
                  file=sys.stderr)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    acc = "--accumulate" in args
    replace = "--replace" in args
    per_file = "--source-per-file" in args
    args = [a for a in args if a not in ("--accumulate", "--replace", "--source-per-file")]
    if not args:
        sys.exit(__doc__)
    sources = None
    if per_file:
        sources = {}
        files = []
        for a in args:
            f, _, src = a.partition("=")
            sources[f] = src
            files.append(f)
        args = files
    main(args, acc, replace, sources)
