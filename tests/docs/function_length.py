#!/usr/bin/env python3
"""function_length.py SOURCE_DIR LIMIT - no C function of the harness, the
scheduler runtime or the chaos library is longer than LIMIT lines (from
its signature to its closing brace).  The code base writes a function's
opening and closing braces in column 0, so a function is the lines from
the signature above a column-0 '{' down to the next column-0 '}'."""
import glob
import os
import re
import sys

src, limit = sys.argv[1], int(sys.argv[2])
ROOTS = ["src/harness", "src/sched", "src/chaos"]
SIGNATURE = re.compile(r"^[A-Za-z_][\w\s\*,()\[\]]*\b(\w+)\s*\(")

too_long = []
for root in ROOTS:
    for path in sorted(glob.glob(os.path.join(src, root, "**/*.c"), recursive=True)):
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
        for i, line in enumerate(lines):
            if line != "{" and not (line.startswith("{") and line.rstrip() == "{"):
                continue
            # The signature: walk up to the line in column 0 that names the function.
            j = i - 1
            while j >= 0 and (lines[j].startswith((" ", "\t")) or lines[j] == ""):
                j -= 1
            if j < 0:
                continue
            m = SIGNATURE.match(lines[j])
            if not m or lines[j].rstrip().endswith(";") or "=" in lines[j].split("(")[0]:
                continue  # an initializer or a struct, not a function
            end = i + 1
            while end < len(lines) and not lines[end].startswith("}"):
                end += 1
            length = end - j + 1
            if length > limit:
                too_long.append((length, os.path.relpath(path, src), j + 1, m.group(1)))

if too_long:
    print(f"{len(too_long)} function(s) over {limit} lines:")
    for length, path, line, name in sorted(too_long, reverse=True):
        print(f"  {path}:{line}: {name}() is {length} lines")
    sys.exit(1)
print(f"every function under {', '.join(ROOTS)} is at most {limit} lines")
