#!/usr/bin/env python3
"""docs_match_code.py SOURCE_DIR - the facts the docs state that the code
decides, read from both and compared: the match depth, the oracle names,
the verdict states and the exit codes.  A doc that drifts from the code
fails here, naming the file, the fact and both sides."""
import glob
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
failures = []


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def harness_sources():
    for path in sorted(glob.glob(os.path.join(SRC, "src/harness/**/*.[ch]"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            yield os.path.relpath(path, SRC), f.read()


def fail(what, doc, code):
    failures.append(f"{what}\n    docs: {doc}\n    code: {code}")


def check_match_depth():
    m = re.search(r"#define\s+RUNNER_MATCH_DEPTH\s+(\d+)", read("src/harness/run/runner.h"))
    if not m:
        fail("match depth", "-", "RUNNER_MATCH_DEPTH not found in src/harness/run/runner.h")
        return
    depth = int(m.group(1))
    for doc in sorted(glob.glob(os.path.join(SRC, "docs/*.md"))):
        text = open(doc, encoding="utf-8").read()
        rel = os.path.relpath(doc, SRC)
        for n in re.findall(r"(\d+) frames deep", text):
            if int(n) != depth:
                fail(f"match depth in {rel}", f"{n} frames deep", f"RUNNER_MATCH_DEPTH {depth}")
        for n in re.findall(r"top (\d+) program frames", text):
            if int(n) != depth:
                fail(f"match depth in {rel}", f"top {n} program frames", f"RUNNER_MATCH_DEPTH {depth}")
        for n in re.findall(r"\((\d+), `--match-depth`\)", text):
            if int(n) != depth:
                fail(f"match depth in {rel}", f"({n}, --match-depth)", f"RUNNER_MATCH_DEPTH {depth}")
    harness = read("docs/HARNESS.md")
    if not re.search(rf"(top {depth} program frames|\({depth}, `--match-depth`\))", harness):
        fail("match depth", "docs/HARNESS.md does not state the depth", f"{depth}")


def oracle_names_in_code():
    names = set()
    for rel, text in harness_sources():
        names.update(re.findall(r'\b(?:fire|perf_oracle)\(\s*\w+\s*,\s*"([a-z][a-z-]+)"', text))
    m = re.search(r"bool symptom_known\(const char \*name\)\s*\{(.*?)\n\}", read("src/harness/run/manifest.c"), re.S)
    symptom = set(re.findall(r'"([a-z][a-z-]+)"', m.group(1))) if m else set()
    return names, symptom


def check_oracles():
    fired, symptom = oracle_names_in_code()
    if not fired:
        fail("oracles", "-", "no fire(r, \"name\", ...) call found under src/harness")
    manifest = read("docs/MANIFEST.md")
    section = manifest.split("## Symptom oracles", 1)[-1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^- `([a-z][a-z-]+)`:", section, re.M))
    for name in sorted(fired | symptom):
        if name not in documented:
            fail(f"oracle '{name}'", "not in docs/MANIFEST.md 'Symptom oracles'",
                 "fired by the runner or accepted as a symptom")
    for name in sorted(documented - fired - symptom):
        fail(f"oracle '{name}'", "documented in docs/MANIFEST.md", "never fired nor accepted")
    for name in sorted(symptom - fired):
        fail(f"oracle '{name}'", "-", "accepted as a manifest symptom but no runner code fires it")
    harness = read("docs/HARNESS.md")
    for name in sorted(fired):
        if f"`{name}`" not in harness:
            fail(f"oracle '{name}'", "not named in docs/HARNESS.md", "fired by the runner")


def check_states():
    summary = read("src/harness/report/summary.c")
    states = re.findall(r"case CELL_[A-Z]+:\s*return \"([a-z]+)\";", summary)
    if len(states) < 4:
        fail("verdict states", "-", f"cell_status_name() cases not found (got {states})")
    harness = read("docs/HARNESS.md")
    table = set(re.findall(r"^\| `([a-z]+)` \| ", harness, re.M))
    for st in states:
        if st not in table:
            fail(f"verdict state '{st}'", "no row in docs/HARNESS.md's status table", "cell_status_name()")
    # The status table must be one table: its rows follow each other.
    rows = [m.start() for m in re.finditer(r"^\| `(%s)` \| " % "|".join(states), harness, re.M)]
    block = harness[rows[0]:rows[-1]] if rows else ""
    if any(not line.startswith("|") for line in block.splitlines() if line):
        fail("verdict table", "broken by text between its rows in docs/HARNESS.md", ", ".join(states))
    findings = read("docs/FINDINGS.md")
    for st in states:
        if f"`{st}`" not in findings:
            fail(f"verdict state '{st}'", "not named in docs/FINDINGS.md", "cell_status_name()")


def check_exit_codes():
    util = read("src/harness/util/harness_util.h")
    codes = {int(v) for v in re.findall(r"EXIT_[A-Z]+\s*=\s*(\d+)", util)}
    if not codes:
        fail("exit codes", "-", "enum EXIT_* not found in src/harness/util/harness_util.h")
    harness = read("docs/HARNESS.md")
    section = harness.split("## Exit codes", 1)[-1].split("\n## ", 1)[0]
    documented = {int(v) for v in re.findall(r"^\| (\d+) \|", section, re.M)}
    for c in sorted(codes - documented):
        fail(f"exit code {c}", "missing from docs/HARNESS.md 'Exit codes'", "enum in harness_util.h")
    for c in sorted(documented - codes):
        fail(f"exit code {c}", "documented in docs/HARNESS.md", "no EXIT_* constant has it")
    readme = read("README.md")
    for c in sorted(codes):
        if not re.search(rf"(^|\W){c}(\W|$)", readme.split("xit code", 1)[-1] if "xit code" in readme else ""):
            fail(f"exit code {c}", "not in README.md's exit codes", "enum in harness_util.h")


for check in (check_match_depth, check_oracles, check_states, check_exit_codes):
    check()

if failures:
    print(f"{len(failures)} place(s) where the docs and the code disagree:")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("docs agree with the code: match depth, oracles, verdict states, exit codes")
