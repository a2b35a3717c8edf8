#!/usr/bin/python3
"""The example CI workflows (ci/examples/*.yml) and ci/gate-example use memgate as it is.

Parses ci/examples/github-actions.yml and ci/examples/gitlab-ci.yml (Debian's
python3-yaml), extracts every memgate command line from their shell steps (and from
ci/gate-example), and checks that each subcommand exists, that every flag it passes is in
that subcommand's --help, that --abort-on takes a known value and that scenario files
exist; and that each workflow builds with ci/build, gates with --profile ci, --abort-on,
--baseline and --junit, keeps the baselines and uploads the run directory and the JUnit
file. One line per problem; exit 1 when there is any.

Usage: /usr/bin/python3 tests/rules/ci_examples.py --memgate BUILD/memgate [--root SRC]
       /usr/bin/python3 tests/rules/ci_examples.py --memgate BUILD/memgate --self-test
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("ci_examples: python3-yaml is missing (apt-get install python3-yaml; ci/setup installs it)", file=sys.stderr)
    sys.exit(2)

MEMGATE_CALL = re.compile(r'(?:build/harness/cli/memgate|"\$memgate"|\$memgate)\s+(.*)')
SHELL_STOPS = {"|", "||", "&&", ";", ">", "2>/dev/null", ">/dev/null", ")", "then", "fi"}
SUBCOMMANDS = {"run": 1, "report": 1, "compare": 1, "baseline": 2, "doctor": 1, "gen": 1, "replay": 1}
GATE_FLAGS = ["--profile", "--abort-on", "--baseline", "--junit", "--out"]
_help_cache = {}


def shell_texts_github(doc):
    for job in (doc.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("run"), str):
                yield step["run"]


def shell_texts_gitlab(doc):
    for name, job in doc.items():
        if isinstance(job, dict) and "script" in job:
            for item in job["script"]:
                yield item


def memgate_commands(text):
    """Each memgate invocation in a shell text as a token list (after 'memgate')."""
    joined = re.sub(r"\\\n\s*", " ", text)
    for line in joined.splitlines():
        for m in MEMGATE_CALL.finditer(line):
            tokens = []
            for token in shlex.split(m.group(1), comments=True):
                if token in SHELL_STOPS or token.startswith(("2>", ">", "|")):
                    break
                tokens.append(token)
            if tokens:
                yield tokens


def help_text(memgate, path):
    key = tuple(path)
    if key not in _help_cache:
        r = subprocess.run([memgate, *path, "--help"], capture_output=True, text=True)
        _help_cache[key] = r.stdout if r.returncode == 0 else None
    return _help_cache[key]


def check_command(memgate, root, where, tokens):
    problems = []
    depth = SUBCOMMANDS.get(tokens[0])
    if depth is None:
        return [f"{where}: memgate {tokens[0]}: no such subcommand"]
    path = tokens[:depth]
    help_ = help_text(memgate, path)
    if help_ is None:
        return [f"{where}: memgate {' '.join(path)}: no such subcommand (--help failed)"]
    args = tokens[depth:]
    for i, token in enumerate(args):
        if token == "--":
            break
        if token.startswith("--"):
            flag = token.split("=", 1)[0]
            if not re.search(r"(^|[\s,])" + re.escape(flag) + r"([\s,={\[]|$)", help_, re.M):
                problems.append(f"{where}: memgate {' '.join(path)}: {flag} is not in its --help")
            if flag == "--abort-on" and i + 1 < len(args) and args[i + 1] not in ("none", "budget", "fail"):
                problems.append(f"{where}: --abort-on {args[i + 1]}: expected none, budget or fail")
        elif token.endswith(".json") and token.startswith("scenarios/"):
            if not os.path.isfile(os.path.join(root, token)):
                problems.append(f"{where}: {token}: no such scenario file")
    return problems


def gate_lines(commands):
    return [c for c in commands if c[:1] == ["run"] and "--abort-on" in c]


def check_workflow(memgate, root, path, kind):
    problems = []
    with open(path) as f:
        try:
            doc = yaml.safe_load(f)
        except yaml.YAMLError as e:
            return [f"{path}: not valid YAML: {e}"]
    if not isinstance(doc, dict):
        return [f"{path}: not a mapping at the top"]
    texts = list(shell_texts_github(doc) if kind == "github" else shell_texts_gitlab(doc))
    if not any("bash ci/build" in t for t in texts):
        problems.append(f"{path}: does not build memgate with bash ci/build")
    commands = [c for t in texts for c in memgate_commands(t)]
    if not commands:
        problems.append(f"{path}: no memgate command found")
    for c in commands:
        problems += check_command(memgate, root, path, c)
    gates = gate_lines(commands)
    if not gates:
        problems.append(f"{path}: no gate command (memgate run ... --abort-on ...)")
    for g in gates:
        for flag in GATE_FLAGS:
            if flag not in g:
                problems.append(f"{path}: the gate command lacks {flag}")
        if "--profile" in g and g[g.index("--profile") + 1].split(",")[0] != "ci":
            problems.append(f"{path}: the gate runs without --profile ci")
    if not any(c[:2] == ["baseline", "save"] for c in commands):
        problems.append(f"{path}: never keeps a baseline (memgate baseline save)")
    dump = yaml.safe_dump(doc)
    for artifact in ("gate/run", "gate/junit.xml"):
        if artifact not in dump:
            problems.append(f"{path}: does not keep {artifact} as an artifact")
    return problems


def check_tree(memgate, root):
    problems = []
    examples = os.path.join(root, "ci", "examples")
    problems += check_workflow(memgate, root, os.path.join(examples, "github-actions.yml"), "github")
    problems += check_workflow(memgate, root, os.path.join(examples, "gitlab-ci.yml"), "gitlab")
    script = os.path.join(root, "ci", "gate-example")
    with open(script) as f:
        commands = list(memgate_commands(f.read()))
    for c in commands:
        problems += check_command(memgate, root, script, c)
    if not gate_lines(commands):
        problems.append(f"{script}: no gate command (memgate run ... --abort-on ...)")
    with open(os.path.join(root, ".ci", "run")) as f:
        ci_run = "\n".join(line for line in f.read().splitlines() if not line.lstrip().startswith("#"))
    if "bash ci/test" not in ci_run or "ci/gate-example" not in ci_run or \
            ci_run.index("ci/gate-example") < ci_run.index("bash ci/test"):
        problems.append(".ci/run: must call bash ci/test, then ci/gate-example")
    return problems


def self_test(memgate):
    """The checker finds planted mistakes (and passes a clean file)."""
    planted = {
        "jobs": {"j": {"steps": [
            {"run": "bash ci/build"},
            {"run": "build/harness/cli/memgate run --profile ci scenarios/none.json --abort-on sometimes \\\n"
                    "  --baseline b --junit gate/junit.xml --out gate/run --no-such-flag"},
            {"run": "build/harness/cli/memgate baseline save gate/run --to b --bogus"},
            {"run": "build/harness/cli/memgate frobnicate"},
        ]}},
        "artifacts": ["gate/run", "gate/junit.xml"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "planted.yml")
        with open(path, "w") as f:
            yaml.safe_dump(planted, f)
        found = check_workflow(memgate, tmp, path, "github")
    expected = ["--no-such-flag is not in its --help", "--abort-on sometimes", "scenarios/none.json",
                "--bogus is not in its --help", "frobnicate: no such subcommand"]
    missing = [e for e in expected if not any(e in p for p in found)]
    if missing:
        print("ci_examples self-test: not found: " + "; ".join(missing) + "\nfound:\n" + "\n".join(found))
        return 1
    print(f"ci_examples self-test: {len(found)} planted problems found")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memgate", required=True)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test(args.memgate)
    problems = check_tree(args.memgate, os.path.abspath(args.root))
    for p in problems:
        print(p)
    if not problems:
        print("ci_examples: the workflows' memgate commands are valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
