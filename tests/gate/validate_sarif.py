#!/usr/bin/env python3
"""validate_sarif.py FILE.sarif... - validates SARIF logs against the
official SARIF 2.1.0 JSON schema vendored beside this script
(sarif-schema-2.1.0.json: "2.1.0-rtm.5", the schema the OASIS standard
published, MIT-licensed, taken from the npm package @microsoft/jest-sarif
1.0.0-beta.0, lib/schemas/sarif-2.1.0-rtm.5.json, sha256 2d99159a...).

Also checks what code scanning needs beyond the schema: no absolute
artifact URI without a uriBaseId, one automationDetails.id per run, and
distinct ids.  Exit 0 valid, 1 invalid (every error printed), 77 when
python3-jsonschema is missing (CTest: skipped)."""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/install-deps.sh)",
          file=sys.stderr)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))


def extra_checks(log):
    errors, ids = [], set()
    for i, run in enumerate(log.get("runs", [])):
        rid = run.get("automationDetails", {}).get("id")
        if not rid:
            errors.append(f"runs[{i}]: no automationDetails.id")
        elif rid in ids:
            errors.append(f"runs[{i}]: automationDetails.id {rid!r} repeated")
        ids.add(rid)
        for j, res in enumerate(run.get("results", [])):
            locs = res.get("locations", []) + res.get("relatedLocations", [])
            if not res.get("locations"):
                errors.append(f"runs[{i}].results[{j}]: no location")
            for loc in locs:
                art = loc.get("physicalLocation", {}).get("artifactLocation", {})
                uri = art.get("uri", "")
                if uri.startswith("/") or uri.startswith("file:"):
                    errors.append(f"runs[{i}].results[{j}]: absolute uri {uri}")
    return errors


def main(paths):
    with open(os.path.join(HERE, "sarif-schema-2.1.0.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema)
    bad = 0
    for path in paths:
        with open(path) as f:
            log = json.load(f)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(log)]
        errors += extra_checks(log)
        for e in errors:
            print(f"{path}: {e}", file=sys.stderr)
        if errors:
            bad += 1
        else:
            nres = sum(len(r.get("results", [])) for r in log["runs"])
            print(f"{path}: valid SARIF 2.1.0 ({len(log['runs'])} run(s), "
                  f"{nres} result(s))")
    return 1 if bad or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
