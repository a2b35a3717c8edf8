#!/usr/bin/python3
"""The fleet examples of docs/fleet.md use memgate and Prometheus as they are.

ci/examples/k8s-soak-job.yml (python3-yaml): a batch/v1 Job that runs `memgate run` on an
existing scenario with flags in memgate's --help, never retries (backoffLimit 0,
restartPolicy Never), has a container memory limit that reaches memgate as --max-rss
through the downward API, serves /metrics on the port it declares as "metrics" (with
--metrics-listen-remote, since a pod's loopback is not reachable), and a PodMonitor that
selects the Job's pods on that port. ci/examples/prometheus-scrape.yml: `promtool check
config` accepts it, and it scrapes memgate's default --metrics-listen address.

Usage: /usr/bin/python3 tests/rules/fleet_examples.py --memgate BUILD/memgate --root SRC [--self-test]
One line per problem; exit 1 when there is any.
"""
import argparse
import copy
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ci_examples import check_command, yaml  # noqa: E402  (same rules for memgate command lines)


def memgate_run_tokens(script):
    joined = re.sub(r"\\\n\s*", " ", script)
    for line in joined.splitlines():
        m = re.search(r"\bmemgate\s+(run\s.*)", line)
        if m:
            return shlex.split(m.group(1), comments=True)
    return None


def flag_value(tokens, flag):
    return tokens[tokens.index(flag) + 1] if flag in tokens and tokens.index(flag) + 1 < len(tokens) else None


def check_job_docs(memgate, root, docs, where):
    problems = []
    jobs = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Job"]
    monitors = [d for d in docs if isinstance(d, dict) and d.get("kind") == "PodMonitor"]
    if len(jobs) != 1:
        return [f"{where}: expected one Job, found {len(jobs)}"]
    job = jobs[0]
    spec = job.get("spec") or {}
    if job.get("apiVersion") != "batch/v1":
        problems.append(f"{where}: the Job's apiVersion is not batch/v1")
    if spec.get("backoffLimit") != 0:
        problems.append(f"{where}: backoffLimit must be 0 (a failed soak is an answer, not a retry)")
    template = spec.get("template") or {}
    pod = template.get("spec") or {}
    if pod.get("restartPolicy") != "Never":
        problems.append(f"{where}: restartPolicy must be Never")
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    containers = [c for c in pod.get("containers") or [] if memgate_run_tokens("\n".join(map(str, (c.get("command") or []) + (c.get("args") or []))))]
    if not containers:
        return problems + [f"{where}: no container runs `memgate run`"]
    c = containers[0]
    tokens = memgate_run_tokens("\n".join(map(str, (c.get("command") or []) + (c.get("args") or []))))
    problems += check_command(memgate, root, where, tokens)
    if not any(t.startswith("scenarios/") and t.endswith(".json") for t in tokens):
        problems.append(f"{where}: the Job runs no scenario file (one Job per scenario)")
    limit = ((c.get("resources") or {}).get("limits") or {}).get("memory")
    if not limit:
        problems.append(f"{where}: the container has no memory limit (resources.limits.memory)")
    limit_vars = [e["name"] for e in c.get("env") or []
                  if ((e.get("valueFrom") or {}).get("resourceFieldRef") or {}).get("resource") == "limits.memory"]
    max_rss = flag_value(tokens, "--max-rss") or ""
    if not limit_vars or not any(f"${v}" in max_rss or f"$({v})" in max_rss for v in limit_vars):
        problems.append(f"{where}: --max-rss is not the container's memory limit (env from resourceFieldRef limits.memory)")
    listen = flag_value(tokens, "--metrics-listen")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if not listen:
        problems.append(f"{where}: the Job does not serve --metrics-listen")
    else:
        if str(ports.get("metrics")) != listen.rsplit(":", 1)[-1]:
            problems.append(f"{where}: --metrics-listen {listen} is not the container port named metrics ({ports})")
        if not listen.startswith(("127.", "localhost", "[::1]")) and "--metrics-listen-remote" not in tokens:
            problems.append(f"{where}: --metrics-listen {listen} needs --metrics-listen-remote")
    if len(monitors) != 1:
        problems.append(f"{where}: expected one PodMonitor, found {len(monitors)}")
    else:
        m = monitors[0].get("spec") or {}
        selector = ((m.get("selector") or {}).get("matchLabels")) or {}
        if not selector or any(pod_labels.get(k) != v for k, v in selector.items()):
            problems.append(f"{where}: the PodMonitor's selector {selector} does not select the Job's pods {pod_labels}")
        if not any(e.get("port") == "metrics" for e in m.get("podMetricsEndpoints") or []):
            problems.append(f"{where}: the PodMonitor does not scrape the port named metrics")
    return problems


def check_scrape_config(path):
    problems = []
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    if not os.access(promtool, os.X_OK):
        return [f"{path}: promtool is missing: apt-get install prometheus (ci/setup installs it)"]
    r = subprocess.run([promtool, "check", "config", path], capture_output=True, text=True)
    if r.returncode != 0 or "SUCCESS" not in r.stdout:
        problems.append(f"{path}: promtool check config failed: {(r.stdout + r.stderr).strip()}")
    with open(path) as f:
        doc = yaml.safe_load(f)
    targets = [t for job in doc.get("scrape_configs") or [] for sc in job.get("static_configs") or []
               for t in sc.get("targets") or []]
    if "127.0.0.1:9464" not in targets:
        problems.append(f"{path}: no job scrapes 127.0.0.1:9464 (the address the docs use for --metrics-listen)")
    return problems


def load_docs(path):
    with open(path) as f:
        return list(yaml.safe_load_all(f))


def self_test(memgate, root):
    """The checker finds planted mistakes in copies of the real Job."""
    good = load_docs(os.path.join(root, "ci", "examples", "k8s-soak-job.yml"))
    job_index = next(i for i, d in enumerate(good) if d.get("kind") == "Job")
    container = lambda docs: docs[job_index]["spec"]["template"]["spec"]["containers"][0]  # noqa: E731
    plants = []
    d = copy.deepcopy(good); del container(d)["resources"]["limits"]; plants.append(("no memory limit", d))
    d = copy.deepcopy(good); container(d)["ports"][0]["containerPort"] = 9999; plants.append(("container port named metrics", d))
    d = copy.deepcopy(good); container(d)["args"] = [container(d)["args"][0].replace("--quiet", "--no-such-flag")]
    plants.append(("--no-such-flag", d))
    d = copy.deepcopy(good); container(d)["args"] = [container(d)["args"][0].replace(" --metrics-listen-remote", "")]
    plants.append(("needs --metrics-listen-remote", d))
    d = copy.deepcopy(good); d[job_index]["spec"]["backoffLimit"] = 3; plants.append(("backoffLimit", d))
    failures = []
    for expected, docs in plants:
        found = check_job_docs(memgate, root, docs, "planted")
        if not any(expected in p for p in found):
            failures.append(f"self-test: planting '{expected}' was not reported (got {found})")
    return failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--memgate", required=True)
    p.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    root = os.path.abspath(args.root)
    if args.self_test:
        problems = self_test(args.memgate, root)
    else:
        job = os.path.join(root, "ci", "examples", "k8s-soak-job.yml")
        problems = check_job_docs(args.memgate, root, load_docs(job), job)
        problems += check_scrape_config(os.path.join(root, "ci", "examples", "prometheus-scrape.yml"))
    for line in problems:
        print(f"fleet_examples: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
