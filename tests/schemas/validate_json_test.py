#!/usr/bin/python3
"""The schemas have teeth: a renamed key, a misspelt one or a wrong type in a report.json,
compare.json or scenario file fails validation, while the unchanged file passes.

Usage: validate_json_test.py SOURCE_ROOT
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def rename(doc, path, new_name):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[new_name] = parent.pop(path[-1])


def run(args):
    return subprocess.run(["/usr/bin/python3", os.path.join(HERE, "validate_json.py")] + args,
                          capture_output=True, text=True)


def main(root):
    schemas = os.path.join(root, "docs", "schemas")
    golden = os.path.join(root, "tests", "fixtures", "golden")
    with open(os.path.join(golden, "fail", "report.json")) as f:
        report = json.load(f)
    with open(os.path.join(root, "tests", "fixtures", "runs", "compare", "compare.json")) as f:
        compare = json.load(f)
    scenario = {"target": {"command": ["sleep", "1"]},
                "traffic": {"transport": "stdin", "payload": {"kind": "sensors", "sensors": {"air_quality": 2}},
                            "stages": [{"rate": 10, "duration_s": "5s"}]},
                "checks": {"max_rss": "64M"}}
    cases = [  # (name, schema, --golden?, original, mutation)
        ("report: verdict renamed", "report", True, report, lambda d: rename(d, ["verdict"], "verdikt")),
        ("report: run.end_reason renamed", "report", True, report, lambda d: rename(d, ["run", "end_reason"], "end")),
        ("report: summary.rss.peak renamed", "report", True, report, lambda d: rename(d, ["summary", "rss", "peak"], "max")),
        ("report: a check's figure value renamed", "report", True, report,
         lambda d: rename(d, ["checks", 0, "figures", "limit", "value"], "val")),
        ("report: outcome not a verdict", "report", True, report, lambda d: d["checks"][0].update(outcome="passed")),
        ("report: schema version", "report", True, report, lambda d: d.update(schema="memgate.report/2")),
        ("compare: runs[0].values renamed", "compare", False, compare, lambda d: rename(d, ["runs", 0, "values"], "vals")),
        ("compare: recommendation.choice renamed", "compare", False, compare,
         lambda d: rename(d, ["recommendation", "choice"], "pick")),
        ("scenario: traffic.stages misspelt", "scenario", False, scenario, lambda d: rename(d, ["traffic", "stages"], "stage")),
        ("scenario: unknown sensor type", "scenario", False, scenario,
         lambda d: rename(d, ["traffic", "payload", "sensors", "air_quality"], "air")),
        ("scenario: command and pipeline together", "scenario", False, scenario,
         lambda d: d["target"].update(pipeline="sensor_ingest")),
    ]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="memgate-schema-") as tmp:
        for i, (name, schema, golden_file, original, mutate) in enumerate(cases):
            schema_path = os.path.join(schemas, f"{schema}.schema.json")
            flag = ["--golden"] if golden_file else []
            good, bad = os.path.join(tmp, f"{i}-good.json"), os.path.join(tmp, f"{i}-bad.json")
            mutated = copy.deepcopy(original)
            mutate(mutated)
            for path, doc in ((good, original), (bad, mutated)):
                with open(path, "w") as f:
                    json.dump(doc, f)
            ok, rejected = run(flag + [schema_path, good]), run(flag + [schema_path, bad])
            if ok.returncode != 0:
                failures += 1
                print(f"FAIL {name}: the unchanged file is rejected:\n{ok.stderr}")
            elif rejected.returncode != 1 or not rejected.stderr.strip():
                failures += 1
                print(f"FAIL {name}: the changed file passes (exit {rejected.returncode})")
            else:
                print(f"ok   {name}: {rejected.stderr.strip().splitlines()[0]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
