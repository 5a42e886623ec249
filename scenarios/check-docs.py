#!/usr/bin/env python3
"""check-docs.py - every scenario folder tells its story in three files.

    scenarios/check-docs.py [SOURCE_DIR]

For each scenarios/NAME/ with a manifest.ini: README.md exists and names
no diagnosis (neither the manifest's `diagnosis` text nor the buggy code's
location lines); HINTS.md has `## Hint 1`, `## Hint 2`, ... in order, each
with a body; SOLUTION.md exists and its diff block is the real
`diff -u buggy.c fixed.c` (scenarios/update-diffs.py --check); the
manifest has a title and a diagnosis, and they differ.  Exits 1 listing
every problem.  Manifests are read by racelab (scenarios/manifests.py:
`racelab list --json --spoilers`; $RACELAB or SOURCE/build/release/racelab)."""
import os
import re
import subprocess
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
root = os.path.join(src, "scenarios")
problems = []
sys.path.insert(0, root)
import manifests as manifest_reader  # noqa: E402  (racelab's reader, manifests.py)
manifests = manifest_reader.load(src)
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    man = os.path.join(d, "manifest.ini")
    if not os.path.isfile(man):
        continue
    if name not in manifests:
        problems.append("%s: racelab cannot read manifest.ini (racelab list says why)" % name)
        continue
    title = (manifests[name].get("title") or "").strip()
    diag = (manifests[name].get("diagnosis") or "").strip()
    if not title or not diag:
        problems.append("%s: manifest.ini needs title and diagnosis" % name)
    elif title == diag:
        problems.append("%s: the title is the diagnosis" % name)
    for f in ("README.md", "HINTS.md", "SOLUTION.md"):
        if not os.path.isfile(os.path.join(d, f)):
            problems.append("%s: no %s" % (name, f))
    if os.path.isfile(os.path.join(d, "README.md")) and diag:
        readme = open(os.path.join(d, "README.md")).read()
        if diag in readme:
            problems.append("%s: README.md gives the diagnosis away" % name)
        if re.search(r"^## Hints?\b", readme, re.M):
            problems.append("%s: README.md has hints (they go in HINTS.md)" % name)
    if os.path.isfile(os.path.join(d, "HINTS.md")):
        hints = open(os.path.join(d, "HINTS.md")).read()
        heads = re.findall(r"^## (.*)$", hints, re.M)
        want = ["Hint %d" % i for i in range(1, len(heads) + 1)]
        if not heads or heads != want:
            problems.append("%s: HINTS.md headings %s, want ## Hint 1, ## Hint 2, ..." % (name, heads))
        bodies = re.split(r"^## Hint \d+\s*$", hints, flags=re.M)[1:]
        if any(not b.strip() for b in bodies):
            problems.append("%s: HINTS.md has an empty hint" % name)
r = subprocess.run([sys.executable, os.path.join(root, "update-diffs.py"), "--check"],
                   capture_output=True, text=True)
if r.returncode != 0:
    problems.append(r.stderr.strip())
for p in problems:
    print("check-docs.py: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
