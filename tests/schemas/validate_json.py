#!/usr/bin/python3
"""Validate memgate's JSON files against the JSON Schemas in docs/schemas/ (draft 2020-12).

Usage:
  validate_json.py SCHEMA FILE...          each FILE against SCHEMA (report, compare or scenario
                                           schema file); scenario files may hold // and /* */
                                           comments, as memgate reads them
  validate_json.py --golden SCHEMA FILE... golden files: their placeholders ({{num}}, {{int}},
                                           {{ts}}, {{json}}, {{any}}, {{path}}: tests/README.md)
                                           are replaced by a value of their kind first
  validate_json.py --tree ROOT             everything the repository ships: every scenario under
                                           ROOT/scenarios, every golden report.json and
                                           compare.json, the fixture compare.json
Exit status: 0 all valid, 1 a file is invalid (each error named with its JSON path),
2 bad usage or a missing python3-jsonschema (apt-get install python3-jsonschema).
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate_json: python3-jsonschema is missing (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)


def strip_comments(text):
    """// and /* */ comments outside strings, as nlohmann::json's ignore_comments reads them."""
    out, i, n = [], 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


# A value of each placeholder's kind, so a golden validates like the file it stands for.
PLACEHOLDER_VALUES = {"{{num}}": 1.5, "{{int}}": 1, "{{ts}}": "2026-01-01T00:00:00.000Z", "{{json}}": None}


def fill_placeholders(value):
    if isinstance(value, dict):
        return {k: fill_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(v) for v in value]
    if isinstance(value, str):
        if value in PLACEHOLDER_VALUES:
            return PLACEHOLDER_VALUES[value]
        for text in ("{{any}}", "{{path}}"):
            value = value.replace(text, "x")
        return value.replace("{{ts}}", PLACEHOLDER_VALUES["{{ts}}"]).replace("{{num}}", "1.5").replace("{{int}}", "1")
    return value


def load(path, golden):
    with open(path, encoding="utf-8") as f:
        doc = json.loads(strip_comments(f.read()))
    return fill_placeholders(doc) if golden else doc


def validator(schema_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(schema_path, files, golden=False):
    v = validator(schema_path)
    bad = 0
    for path in files:
        errors = sorted(v.iter_errors(load(path, golden)), key=lambda e: list(e.absolute_path))
        for e in errors[:10]:
            where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
        bad += bool(errors)
    return bad


def tree(root):
    schemas = os.path.join(root, "docs", "schemas")
    golden = os.path.join(root, "tests", "fixtures", "golden")
    sets = [
        ("scenario", sorted(glob.glob(os.path.join(root, "scenarios", "**", "*.json"), recursive=True)), False),
        ("report", sorted(glob.glob(os.path.join(golden, "*", "report.json"))), True),
        ("compare", sorted(glob.glob(os.path.join(golden, "*", "compare.json"))), True),
        ("compare", sorted(glob.glob(os.path.join(root, "tests", "fixtures", "runs", "*", "compare.json"))), False),
    ]
    bad = 0
    for name, files, is_golden in sets:
        if not files:
            print(f"validate_json: no {name} files found under {root}", file=sys.stderr)
            return 1
        bad += validate(os.path.join(schemas, f"{name}.schema.json"), files, is_golden)
        print(f"{name}: {len(files)} files checked")
    return bad


def main(argv):
    if len(argv) == 2 and argv[0] == "--tree":
        return 1 if tree(argv[1]) else 0
    golden = bool(argv) and argv[0] == "--golden"
    args = argv[1:] if golden else argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if validate(args[0], args[1:], golden) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
