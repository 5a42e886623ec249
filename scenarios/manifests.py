"""manifests.py - scenario manifests as racelab reads them.

The one reader of manifest.ini is racelab's (src/harness/run/manifest.c);
the scripts here ask it, through `racelab list --json --spoilers` (the
format of docs/MANIFEST.md and cmd_list.c), instead of parsing the files
again.  racelab is $RACELAB, else SOURCE/build/release/racelab.

    import manifests
    m = manifests.load(src)          # {name: scenario dict}
    m["cache-race"]["module"]        # "cache"

A folder whose manifest racelab cannot read is not in the result (racelab
warns about it on stderr, naming the file and line)."""
import json
import os
import subprocess


def racelab_path(src):
    return os.environ.get("RACELAB") or os.path.join(src, "build", "release", "racelab")


def load(src):
    exe = racelab_path(src)
    if not os.access(exe, os.X_OK):
        raise SystemExit("manifests.py: %s is not built (cmake --build --preset release, "
                         "or set RACELAB)" % exe)
    r = subprocess.run([exe, "--source-dir", src, "list", "--json", "--spoilers"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("manifests.py: racelab list failed: " + r.stderr.strip())
    data = json.loads(r.stdout)
    rows = data["scenarios"] if isinstance(data, dict) else data
    return {s["name"]: s for s in rows}


if __name__ == "__main__":
    # scenarios/manifests.py SCENARIO KEY: one value, for shell scripts
    import sys
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = load(os.environ.get("RACELAB_SOURCE_DIR") or here)
    if len(sys.argv) != 3 or sys.argv[1] not in m:
        raise SystemExit("usage: manifests.py SCENARIO KEY (scenario unknown or unreadable)")
    v = m[sys.argv[1]].get(sys.argv[2])
    print("" if v is None else v)
