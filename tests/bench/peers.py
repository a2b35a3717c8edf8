#!/usr/bin/python3
"""memgate side by side with the tools users pick instead (driven by tests/bench/peers.sh).

Runs every workload under every tool once per repeat, the tools in a rotated order each
repeat (round-robin, so drift on a shared machine hits every tool alike), and prints one
markdown table: slowdown against the bare run of the same repeat, the peak each tool
reports against the kernel's VmHWM, whether the 100 MiB / ~50 ms spike shows, the tool's
own memory and disk per hour, and whether it names the leaking call site.

usage: peers.py --build DIR --root DIR --tools LIST --skip TOOL=REASON... [--repeats N]
"""
import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20
SPIKE_BYTES = 100 * MIB
TOOL_ORDER = ["bare", "memgate", "memgate-probe", "memgate-attribute", "time-v", "poller", "heaptrack", "massif",
              "memleak"]
TOOL_LABEL = {"bare": "bare", "memgate": "memgate (default)", "memgate-probe": "memgate --allocator glibc",
              "memgate-attribute": "memgate --attribute", "time-v": "/usr/bin/time -v",
              "poller": "psutil poller, 10 Hz", "heaptrack": "heaptrack", "massif": "valgrind massif",
              "memleak": "bcc memleak"}


# ---- parsing helpers (pure: tests/bench/peers_parse_test.py) ----

def last_json_field(text, key):
    """The value of key in the last JSON-object line of text that has it, else None."""
    found = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and key in obj:
                found = obj[key]
    return found


def time_v_max_rss(text):
    """Bytes of /usr/bin/time -v's "Maximum resident set size (kbytes)", else None."""
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    return int(m.group(1)) * 1024 if m else None


def poller_peak(text):
    m = re.search(r"^peak_rss_bytes (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


SIZE_UNITS = {"": 1, "B": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def heaptrack_peak_heap(text):
    """heaptrack_print's "peak heap memory consumption: 112.34M" (decimal units), bytes."""
    m = re.search(r"peak heap memory consumption: ([0-9.]+)([KMGT]?)", text)
    return float(m.group(1)) * SIZE_UNITS[m.group(2)] if m else None


def massif_peak(text):
    """The largest mem_heap_B + mem_heap_extra_B over a massif.out file's snapshots."""
    peak = None
    for heap, extra in re.findall(r"mem_heap_B=(\d+)\nmem_heap_extra_B=(\d+)", text):
        peak = max(peak or 0, int(heap) + int(extra))
    return peak


def memgate_peak(report):
    """The tree's peak RSS in a memgate report.json: eBPF's exact one, else /proc's."""
    tree = report.get("peaks", {}).get("tree", {})
    for key in ("ebpf_peak_bytes", "proc_rss_peak_bytes"):
        if tree.get(key):
            return float(tree[key])
    return None


def attribution_lines(summary):
    """The terminal summary's attribution blocks (memgate prints the top sites there)."""
    out, inside = [], False
    for line in summary.splitlines():
        if re.match(r"\s*(heap attribution|python heap growth)", line, re.I):
            inside = True
        elif inside and not line.startswith("    "):
            inside = False
        if inside:
            out.append(line)
    return "\n".join(out)


def median_range(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return statistics.median(values), values[0], values[-1]


# ---- running ----

def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


class TreeWatch(threading.Thread):
    """Polls the command's process tree every 50 ms: each process's VmHWM (monotonic, so
    the last value seen is its peak but for the last 50 ms) and command line."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop, self.procs = pid, threading.Event(), {}

    def run(self):
        while not self.stop.is_set():
            for p in descendants(self.pid):
                try:
                    with open("/proc/%d/status" % p) as f:
                        hwm = re.search(r"VmHWM:\s+(\d+) kB", f.read())
                    with open("/proc/%d/cmdline" % p, "rb") as f:
                        cmdline = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
                except OSError:
                    continue
                if hwm and cmdline:
                    old = self.procs.get(p, (0, cmdline))
                    self.procs[p] = (max(old[0], int(hwm.group(1)) * 1024), cmdline)
            self.stop.wait(0.05)


class Workload:
    def __init__(self, name, cmd, stdin, program, self_key, site, spike):
        self.name, self.cmd, self.stdin, self.program = name, cmd, stdin, program
        self.self_key, self.site, self.spike = self_key, site, spike

    def is_target(self, cmdline):
        """The target's own process (not a wrapper whose arguments name it)."""
        if self.program == "python3":
            return os.path.basename(cmdline[0]).startswith("python3") and len(cmdline) > 1 and \
                cmdline[1].endswith("py_pipeline.py")
        return os.path.basename(cmdline[0]) == self.program


def make_workloads(args, work):
    root, build = args.root, args.build
    churn = os.path.join(build, "tests/helpers/alloc/churn_spike_leak")
    sensor = os.path.join(build, "scenarios/pipelines/sensor_ingest")
    memgate = os.path.join(build, "harness/cli/memgate")
    py = os.path.join(root, "tests/helpers/py/py_pipeline.py")
    trace, lines = os.path.join(work, "trace.jsonl"), os.path.join(work, "sensor_lines.txt")
    subprocess.run([memgate, "gen", "--out", trace, "--rate", str(args.sensor_records // 10), "--duration", "10s",
                    "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    with open(trace) as src, open(lines, "w") as dst:
        for line in src:
            dst.write(json.loads(line)["line"] + "\n")
    os.remove(trace)
    with open(py) as f:
        py_line = next(i for i, l in enumerate(f, 1) if "# ANTIPATTERN: keep_geometries" in l)
    every = [
        Workload("malloc-heavy C (churn_spike_leak %d ops)" % args.churn_ops, [churn, str(args.churn_ops)], None,
                 "churn_spike_leak", "seconds", r"keep_records", True),
        Workload("sensor_ingest keep_geometries (%d records)" % args.sensor_records,
                 [sensor, "--antipattern", "keep_geometries", "--consumers", "2"], lines, "sensor_ingest",
                 "elapsed_s", r"SpatialChecker::check|sensor_ingest\.cc:7[0-9]\b", False),
        Workload("py_pipeline.py keep_geometries (%d records)" % args.py_records,
                 ["/usr/bin/python3", py, "--antipattern", "keep_geometries", "--records", str(args.py_records)],
                 None, "python3", "seconds", r"py_pipeline\.py:%d\b" % py_line, False),
    ]
    return [w for w, key in zip(every, ("c", "sensor", "python")) if key in args.workloads.split(",")]


def tool_command(tool, wl, d, args):
    memgate = os.path.join(args.build, "harness/cli/memgate")
    mg = [memgate, "run", "--quiet", "--force", "--out", os.path.join(d, "mg"), "--target-log",
          os.path.join(d, "target.log")]
    probe = ["--allocator", "glibc"]
    if tool == "bare":  # time's own 1.4 MiB, not a forked Python's, is in ru_maxrss before the exec
        return ["/usr/bin/time", "-f", "%M", "-o", os.path.join(d, "hwm.txt")] + wl.cmd
    if tool == "memgate":
        return mg + ["--"] + wl.cmd
    if tool == "memgate-probe":
        return mg + probe + ["--"] + wl.cmd
    if tool == "memgate-attribute":  # a Python target gets the tracemalloc hook, no probe needed
        return mg + (probe if wl.program != "python3" else []) + ["--attribute", "--"] + wl.cmd
    if tool == "time-v":
        return ["/usr/bin/time", "-v", "-o", os.path.join(d, "time.txt")] + wl.cmd
    if tool == "poller":
        return ["/usr/bin/python3", os.path.join(args.root, "tests/bench/peers_poller.py"),
                os.path.join(d, "poll.log"), "10"] + wl.cmd
    if tool == "heaptrack":
        return ["heaptrack", "-o", os.path.join(d, "heaptrack")] + wl.cmd
    if tool == "massif":
        return ["valgrind", "--tool=massif", "--massif-out-file=" + os.path.join(d, "massif.out")] + wl.cmd
    if tool == "memleak":
        inner = " ".join(shlex.quote(a) for a in wl.cmd) + (" < " + shlex.quote(wl.stdin) if wl.stdin else "")
        return ["memleak-bpfcc", "-T", "10", "-c", "sh -c " + shlex.quote("exec " + inner), "1"]
    raise ValueError(tool)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def dir_bytes(path):
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total


def run_one(tool, wl, d, args):
    os.makedirs(d)
    cmd = tool_command(tool, wl, d, args)
    stdin = open(wl.stdin) if wl.stdin else subprocess.DEVNULL
    with open(os.path.join(d, "stdout"), "w") as out, open(os.path.join(d, "stderr"), "w") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, start_new_session=True)
        watch = TreeWatch(proc.pid)
        watch.start()
        timer = threading.Timer(args.timeout, kill_group, (proc.pid,))  # a hung tool ends the run, not the benchmark
        timer.start()
        try:
            _, status = os.waitpid(proc.pid, 0)
        finally:
            wall = time.monotonic() - start
            timer.cancel()
            watch.stop.set()
            watch.join()
    if wl.stdin:
        stdin.close()
    r = {"tool": tool, "workload": wl.name, "wall_s": wall, "exit": status}
    if tool == "bare":
        kib = read(os.path.join(d, "hwm.txt")).split()  # empty when the run was killed at --timeout
        r["maxrss"] = int(kib[-1]) * 1024 if kib and kib[-1].isdigit() else None
    text = read(os.path.join(d, "target.log")) + read(os.path.join(d, "stdout"))
    r["self_s"] = last_json_field(text, wl.self_key)
    r["spike_ms"] = last_json_field(text, "spike_ms")
    procs = watch.procs.values()
    r["target_hwm"] = max([h for h, c in procs if wl.is_target(c)] or [0]) or None
    # memgate draws timeline.png with matplotlib after the target has exited: apart
    plot = [h for h, c in procs if any(a.endswith("plot_timeline.py") for a in c)]
    r["plot_hwm"] = max(plot or [0])
    r["others_hwm"] = sum(h for h, c in procs if not wl.is_target(c)) - sum(plot)
    if r["target_hwm"] is None:  # valgrind: the target runs inside the tool's process
        r["target_hwm"], r["others_hwm"] = watch.procs.get(proc.pid, (0, None))[0], 0
    r["peak"], r["site"], r["disk"] = None, None, 0
    if tool.startswith("memgate"):
        try:
            with open(os.path.join(d, "mg/report.json")) as f:
                r["peak"] = memgate_peak(json.load(f))
        except (OSError, ValueError):
            pass
        r["disk"] = dir_bytes(os.path.join(d, "mg"))  # the target's log is outside it
        if tool == "memgate-attribute":
            r["site"] = bool(re.search(wl.site, attribution_lines(read(os.path.join(d, "stdout")))))
    elif tool == "time-v":
        r["peak"], r["disk"] = time_v_max_rss(read(os.path.join(d, "time.txt"))), len(read(os.path.join(d, "time.txt")))
    elif tool == "poller":
        r["peak"], r["disk"] = poller_peak(read(os.path.join(d, "poll.log"))), os.path.getsize(os.path.join(d, "poll.log"))
    elif tool == "heaptrack":
        data = [os.path.join(d, n) for n in os.listdir(d) if n.startswith("heaptrack.")]
        r["disk"] = sum(os.path.getsize(p) for p in data)
        if data:
            printed = subprocess.run(["heaptrack_print", "-f", data[0], "-p", "1", "-a", "0", "-T", "0", "-l", "1",
                                      "-n", "5", "-s", "1"], capture_output=True, text=True, errors="replace").stdout
            r["peak"], r["site"] = heaptrack_peak_heap(printed), bool(re.search(wl.site, printed))
    elif tool == "massif":
        out = os.path.join(d, "massif.out")
        r["disk"] = os.path.getsize(out) if os.path.exists(out) else 0
        r["peak"] = massif_peak(read(out))
        printed = subprocess.run(["ms_print", out], capture_output=True, text=True, errors="replace").stdout
        r["site"] = bool(re.search(wl.site, printed))
    elif tool == "memleak":
        printed = read(os.path.join(d, "stdout"))
        r["disk"], r["site"] = len(printed.encode()), bool(re.search(wl.site, printed))
    shutil.rmtree(d)
    return r


def kill_group(pgid):
    try:
        os.killpg(pgid, 9)
    except ProcessLookupError:
        pass


# ---- the table ----

def fmt_ratio(mr):
    return "—" if mr is None else "%.2fx [%.2f–%.2f]" % mr


def fmt_bytes(b):
    for unit, size in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1024)):
        if b >= size:
            return "%.1f %s" % (b / size, unit)
    return "%d B" % b


def fmt_mib(b):
    return "—" if b is None else ("%.0f MiB" % (b / MIB) if b >= 10 * MIB else "%.1f MiB" % (b / MIB))


def summarize(results, workloads, tools, skipped, base_hwm):
    rows = ["| workload | tool | slowdown, wall | slowdown, target's own timer | peak reported / kernel VmHWM |"
            " 100 MiB spike caught | tool's own memory | disk: per run; per hour | names the leaking site |",
            "|---|---|---|---|---|---|---|---|---|"]
    for wl in workloads:
        mine = [r for r in results if r["workload"] == wl.name]
        bare = {r["repeat"]: r for r in mine if r["tool"] == "bare"}
        hwm = statistics.median([r["maxrss"] for r in bare.values() if r["maxrss"]] or [float("nan")])
        for tool in TOOL_ORDER:
            label = TOOL_LABEL[tool]
            if tool in skipped:
                rows.append("| %s | %s | did not run: %s |||||||" % (wl.name, label, skipped[tool]))
                continue
            if tool not in tools:
                continue
            runs = [r for r in mine if r["tool"] == tool]
            failed = [r for r in runs if r["exit"] != 0 and not tool.startswith("memgate")]
            if failed:  # memgate exits 2 (INCONCLUSIVE) on runs this short: not a failure
                note = "; %d of %d runs exited non-zero" % (len(failed), len(runs))
            else:
                note = ""
            wall = fmt_ratio(median_range([r["wall_s"] / bare[r["repeat"]]["wall_s"] for r in runs]))
            if tool != "bare":
                wall += " (%+.1f s)" % statistics.median([r["wall_s"] - bare[r["repeat"]]["wall_s"] for r in runs])
            own = median_range([r["self_s"] / bare[r["repeat"]]["self_s"] for r in runs
                                if r["self_s"] and bare[r["repeat"]]["self_s"]])
            peaks = [r["peak"] for r in runs if r["peak"]]
            if tool == "bare":
                peak = "VmHWM %s (time's %%M)" % fmt_mib(hwm)
            elif peaks:
                p = statistics.median(peaks)
                kind = " heap" if tool in ("heaptrack", "massif") else ""
                peak = "%s%s (%.2fx)" % (fmt_mib(p), kind, p / hwm)
            else:
                peak = "none reported"
            if not wl.spike:
                spike = "n/a (no spike phase)"
            elif tool == "bare":
                spike = "VmHWM has it (spike %.0f ms median)" % statistics.median(
                    [r["spike_ms"] for r in runs if r["spike_ms"] is not None] or [0])
            else:
                caught = sum(1 for r in runs if r["peak"] and r["peak"] >= base_hwm + 0.8 * SPIKE_BYTES)
                spike = "%d of %d runs" % (caught, len(runs))
            if tool == "bare":
                own_mem = "—"
            else:
                own_mem = fmt_mib(statistics.median(
                    [r["others_hwm"] + max(0, r["target_hwm"] - (bare[r["repeat"]]["maxrss"] or 0)) for r in runs]))
                plot = statistics.median([r["plot_hwm"] for r in runs])
                if plot:
                    own_mem += " (+%s drawing the plot after the run)" % fmt_mib(plot)
            disk = "—" if tool == "bare" else "%s; %s/h" % (fmt_bytes(statistics.median([r["disk"] for r in runs])),
                                                          fmt_bytes(statistics.median([r["disk"] / r["wall_s"] * 3600
                                                                                       for r in runs])))
            sites = [r["site"] for r in runs]
            site = "no (no call sites)" if all(s is None for s in sites) else "%d of %d runs" % (sum(map(bool, sites)),
                                                                                              len(sites))
            rows.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s%s |" % (
                wl.name, label, wall, fmt_ratio(own), peak, spike, own_mem, disk, site, note))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--tools", required=True, help="comma-separated, from " + ",".join(TOOL_ORDER))
    ap.add_argument("--skip", action="append", default=[], help="TOOL=REASON: a row saying why it did not run")
    ap.add_argument("--repeats", type=int, default=3)
    # Sizes: a few seconds bare (memgate's attribution needs two snapshots, 1 s apart at
    # least, inside the steady window), and massif at ~30x still within a minute or two.
    ap.add_argument("--churn-ops", type=int, default=3000000)
    ap.add_argument("--sensor-records", type=int, default=60000)
    ap.add_argument("--py-records", type=int, default=20000)
    ap.add_argument("--workloads", default="c,sensor,python", help="a subset of c,sensor,python")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--raw", help="also write every run's figures here (JSON lines)")
    args = ap.parse_args()
    tools = [t for t in args.tools.split(",") if t]
    skipped = dict(s.split("=", 1) for s in args.skip)
    work = tempfile.mkdtemp(prefix="memgate-peers-")
    try:
        workloads = make_workloads(args, work)
        # The level without the spike, so "caught" means a reported peak at least 80 % of
        # the spike above it.
        churn = os.path.join(args.build, "tests/helpers/alloc/churn_spike_leak")
        calib = Workload("calibration", [churn, str(args.churn_ops), "0"], None, "churn_spike_leak", "seconds", "",
                         False)
        base_hwm = run_one("bare", calib, os.path.join(work, "calibration"), args)["maxrss"]
        for wl in workloads:  # warm the page cache and the interpreter's bytecode: the first run pays it
            run_one("bare", wl, os.path.join(work, "warm"), args)
        results = []
        for rep in range(args.repeats):
            order = tools[rep % len(tools):] + tools[:rep % len(tools)]
            for wl in workloads:
                for tool in order:
                    r = run_one(tool, wl, os.path.join(work, "run"), args)
                    r["repeat"] = rep
                    results.append(r)
                    print("repeat %d %-18s %-45s wall %.2fs own %s" % (rep + 1, tool, wl.name, r["wall_s"],
                                                                    r["self_s"]), file=sys.stderr, flush=True)
        if args.raw:
            with open(args.raw, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in results)
        print("Without the spike the C workload's VmHWM is %s; a spike counts as caught when the reported peak "
              "is at least 80 MiB above that." % fmt_mib(base_hwm))
        print()
        print(summarize(results, workloads, tools, skipped, base_hwm))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
