#!/usr/bin/python3
"""memgate's live export checked by Prometheus' own tools (docs/prometheus.md).

  promtool  A short run with --metrics-listen and --prometheus-textfile: `promtool check
            metrics` accepts the /metrics page (fetched mid-run) and the final textfile,
            and the OpenMetrics page (Accept: application/openmetrics-text) ends with
            # EOF and names counter families without _total.
  scrape    A real Prometheus server (Debian's `prometheus`) on a loopback port, with a
            temporary config (scrape_interval 1s) and storage, scrapes a short run; its
            HTTP API must then hold memgate_rss_bytes samples whose values are rows of
            the run's samples.csv written in the second before the scrape, and up == 1
            (Prometheus negotiates OpenMetrics, so that format is parsed by it too).

Usage: /usr/bin/python3 prometheus_test.py promtool|scrape --memgate BIN --memhog BIN
Exit 1 with one line per problem; a missing promtool/prometheus names the package.
"""
import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

FIX = "apt-get install prometheus (ci/setup installs it)"


def need(program):
    path = shutil.which(program) or (f"/usr/bin/{program}" if os.access(f"/usr/bin/{program}", os.X_OK) else None)
    if not path:
        sys.exit(f"prometheus_test: {program} is missing: {FIX}")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, accept=None, timeout=2):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


def start_memgate(args, work, port, seconds, extra=()):
    out = os.path.join(work, "run")
    cmd = [args.memgate, "run", "--out", out, "--duration", f"{seconds}s", "--plateau", "none", "--no-plot",
           "--metrics-listen", f"127.0.0.1:{port}", *extra, "--", args.memhog, "--grow-mib-per-s", "4",
           "--hold-s", "60"]
    return out, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(url, seconds, accept=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, ctype, body = http_get(url, accept)
            if status == 200:
                return ctype, body
        except OSError:
            pass
        time.sleep(0.2)
    return None, None


def promtool_check(promtool, text, what, problems):
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        problems.append(f"promtool check metrics on {what}: exit {r.returncode}: {(r.stdout + r.stderr).strip()}")


def refusals(args, work):
    """A non-loopback address without --metrics-listen-remote, and a port in use: exit 3
    naming the fix, before any run directory is made."""
    problems = []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        for address, expected in (("0.0.0.0:9464", "--metrics-listen-remote"),
                                  (f"127.0.0.1:{taken.getsockname()[1]}", "pick another port")):
            out = os.path.join(work, "refused")
            r = subprocess.run([args.memgate, "run", "--out", out, "--metrics-listen", address, "--", "true"],
                               capture_output=True, text=True, timeout=30)
            if r.returncode != 3 or expected not in r.stderr:
                problems.append(f"--metrics-listen {address}: exit {r.returncode}, expected 3 naming "
                                f"'{expected}': {r.stderr.strip()}")
            if os.path.exists(out):
                problems.append(f"--metrics-listen {address} was refused but left {out}")
    return problems


def case_promtool(args):
    promtool = need("promtool")
    problems = []
    with tempfile.TemporaryDirectory() as work:
        problems += refusals(args, work)
        port = free_port()
        textfile = os.path.join(work, "memgate.prom")
        out, proc = start_memgate(args, work, port, 4, ["--prometheus-textfile", textfile])
        url = f"http://127.0.0.1:{port}/metrics"
        ctype, page = wait_for(url, 10)
        # A second fetch once an analysis ran: the verdict families are there too.
        time.sleep(1.5)
        try:
            _, ctype, page = http_get(url)
            _, om_type, om_page = http_get(url, "application/openmetrics-text; version=1.0.0")
        except OSError as e:
            problems.append(f"GET {url} mid-run failed: {e}")
            om_type = om_page = None
        _, err = proc.communicate(timeout=60)
        if proc.returncode not in (0, 2):
            problems.append(f"memgate run exited {proc.returncode}: {err.strip()}")
        if page is None:
            problems.append(f"{url} never answered 200 during the run")
        else:
            if not ctype.startswith("text/plain; version=0.0.4"):
                problems.append(f"/metrics Content-Type is {ctype!r}")
            promtool_check(promtool, page, "the /metrics page", problems)
            for name in ("memgate_rss_bytes", "memgate_open_fds", "memgate_phase", "memgate_verdict",
                         "memgate_check_verdict"):
                if f"\n{name}{{" not in page:
                    problems.append(f"the /metrics page has no {name} sample")
        if om_page is not None:
            if not om_type.startswith("application/openmetrics-text; version=1.0.0"):
                problems.append(f"OpenMetrics Content-Type is {om_type!r}")
            if not om_page.endswith("# EOF\n") or "# TYPE memgate_samples counter\n" not in om_page:
                problems.append("the OpenMetrics page lacks # EOF or its counter family memgate_samples")
        if not os.path.exists(textfile):
            problems.append(f"--prometheus-textfile {textfile} was not written")
        else:
            final = open(textfile).read()
            promtool_check(promtool, final, "the final textfile", problems)
            if 'memgate_run_finished{run="run",scenario="",allocator="own"} 1\n' not in final:
                problems.append("the final textfile does not say memgate_run_finished 1")
            if os.path.exists(textfile + ".tmp"):
                problems.append("a temporary textfile was left behind")
    return problems


def rows_by_wall_ms(samples_csv):
    with open(samples_csv) as f:
        return [(int(r["wall_ms"]), int(r["rss_bytes"])) for r in csv.DictReader(f)]


def query(api, promql, at):
    url = f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": promql, "time": f"{at:.3f}"})
    _, _, body = http_get(url, timeout=5)
    answer = json.loads(body)
    if answer.get("status") != "success":
        raise RuntimeError(f"{promql}: {body}")
    return answer["data"]["result"]


def case_scrape(args):
    prometheus = need("prometheus")
    problems = []
    with tempfile.TemporaryDirectory() as work:
        port, web = free_port(), free_port()
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: memgate\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
        server = subprocess.Popen([prometheus, f"--config.file={config}", f"--storage.tsdb.path={work}/data",
                                   f"--web.listen-address=127.0.0.1:{web}", "--log.level=warn"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        api = f"http://127.0.0.1:{web}"
        try:
            ready, _ = wait_for(f"{api}/-/ready", 30)
            if ready is None:
                server.terminate()
                return [f"prometheus did not get ready on {api} in 30 s: {server.communicate(timeout=10)[1][-500:]}"]
            # Prometheus applies discovered targets up to 5 s after its start: wait until the
            # scrape loop of ours runs (its first scrapes fail: memgate is not there yet).
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                _, _, body = http_get(f"{api}/api/v1/targets", timeout=5)
                if any(t.get("lastScrape", "").startswith("20") and not t["lastScrape"].startswith("0001")
                       for t in json.loads(body)["data"]["activeTargets"]):
                    break
                time.sleep(0.2)
            else:
                problems.append("prometheus never tried to scrape its target in 20 s")
            out, proc = start_memgate(args, work, port, 5)
            _, err = proc.communicate(timeout=60)
            if proc.returncode not in (0, 2):
                problems.append(f"memgate run exited {proc.returncode}: {err.strip()}")
            rows = rows_by_wall_ms(os.path.join(out, "samples.csv"))
            at = time.time()
            series = query(api, 'memgate_rss_bytes{job="memgate",run="run",allocator="own"}[1m]', at)
            up = query(api, 'max_over_time(up{job="memgate"}[1m])', at)
            if not up or up[0]["value"][1] != "1":
                problems.append(f"Prometheus never scraped memgate successfully (up: {up})")
            points = series[0]["values"] if series else []
            if len(points) < 2:
                problems.append(f"Prometheus holds {len(points)} memgate_rss_bytes samples, expected at least 2")
            for ts, value in points:
                scrape_ms = int(float(ts) * 1000)
                # The page a scrape gets was rendered from a row of the last second (1 s refresh).
                window = [rss for wall, rss in rows if scrape_ms - 2500 <= wall <= scrape_ms + 500]
                if int(value) not in window:
                    problems.append(f"memgate_rss_bytes {value} scraped at {ts} is no samples.csv rss_bytes "
                                    f"of the 2.5 s before it ({len(window)} rows: {sorted(set(window))[:6]}...)")
            if points and len({v for _, v in points}) < 2:
                problems.append("every scraped RSS value is the same: the target grows, so the series must move")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return problems


def main():
    p = argparse.ArgumentParser()
    p.add_argument("case", choices=["promtool", "scrape"])
    p.add_argument("--memgate", required=True)
    p.add_argument("--memhog", required=True)
    args = p.parse_args()
    problems = case_promtool(args) if args.case == "promtool" else case_scrape(args)
    for line in problems:
        print(f"prometheus_test {args.case}: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
