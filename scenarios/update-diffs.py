#!/usr/bin/env python3
"""update-diffs.py - put the real fix into each scenario's SOLUTION.md.

    scenarios/update-diffs.py [--check]

Between the lines <!-- diff:begin --> and <!-- diff:end --> of
scenarios/NAME/SOLUTION.md goes `diff -u buggy.c fixed.c` (or, for a folder
without fixed.c, against src/server/<module>.c, which is its fixed
variant).  A SOLUTION.md without the markers gets them appended under
"## The diff".  With --check, changes nothing and exits 1 if any block is
out of date (the tests run this)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(ROOT)


_manifests = None


def module_of(folder):
    """The manifest's module, as racelab reads it (manifests.py)."""
    global _manifests
    if _manifests is None:
        sys.path.insert(0, ROOT)
        import manifests
        _manifests = manifests.load(SRC)
    m = _manifests.get(os.path.basename(folder))
    return m["module"] if m else None


def block(name):
    folder = os.path.join(ROOT, name)
    fixed = os.path.join(folder, "fixed.c")
    label = "fixed.c"
    if not os.path.exists(fixed):
        fixed = os.path.join(SRC, "src", "server", "%s.c" % module_of(folder))
        label = "../../src/server/%s.c" % module_of(folder)
    out = subprocess.run(["diff", "-u", "--label", "buggy.c", "--label", label,
                          os.path.join(folder, "buggy.c"), fixed],
                         capture_output=True, text=True).stdout
    return ("<!-- diff:begin -->\n`diff -u buggy.c %s`, as in the tree (regenerated "
            "by scenarios/update-diffs.py):\n\n```diff\n%s```\n<!-- diff:end -->"
            % (label, out))


def main(check):
    stale = []
    for name in sorted(os.listdir(ROOT)):
        sol = os.path.join(ROOT, name, "SOLUTION.md")
        if not os.path.exists(os.path.join(ROOT, name, "manifest.ini")) or \
           not os.path.exists(os.path.join(ROOT, name, "buggy.c")):
            continue
        if not os.path.exists(sol):
            stale.append(name + " (no SOLUTION.md)")
            continue
        with open(sol) as f:
            text = f.read()
        new_block = block(name)
        if "<!-- diff:begin -->" in text:
            new = re.sub(r"<!-- diff:begin -->.*?<!-- diff:end -->",
                         lambda m: new_block, text, flags=re.S)
        else:
            new = text.rstrip("\n") + "\n\n## The diff\n\n" + new_block + "\n"
        if new != text:
            stale.append(name)
            if not check:
                with open(sol, "w") as f:
                    f.write(new)
    if check and stale:
        print("update-diffs.py: out of date: %s (run scenarios/update-diffs.py)"
              % ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
