#!/usr/bin/python3
"""Render a memgate run directory's timeline to DIR/timeline.png.

Reads only what `memgate run` left on disk (samples.csv, events.jsonl, report.json):
RSS and PSS of the whole process tree in MiB (with VmHWM and, when eBPF ran, its exact
tree peak per tick beside them), open fds and threads, against seconds
since the target started, with stop/exit events and any budget drawn in. When the
allocator probe ran (alloc_* columns), a middle panel splits RSS into live heap,
allocator retention (freed but held) and non-heap memory, with each purge and the
RSS it returned; one small panel per metric_<field> column (the target's own metrics
channel) when there are any.

Usage: /usr/bin/python3 reports/plot_timeline.py RUN_DIR [--out PNG] [--quiet]
Prints the PNG's path on stderr (stdout stays free for a caller's own output) unless --quiet.
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import argparse
import csv
import json
import math
import os
import sys

MIB = 1024.0 * 1024.0
MAX_POINTS = 20000  # plotted points per series; longer runs are min/max-decimated
MAX_METRIC_PANELS = 6  # more metric_* columns are left out (named in the last panel)


def fail(message, code=2):
    print(f"plot_timeline: {message}", file=sys.stderr)
    sys.exit(code)


def number(text):
    try:
        return float(text) if text != "" else math.nan
    except ValueError:
        return math.nan


HEAP_COLUMNS = ["alloc_allocated_bytes", "alloc_free_held_bytes", "alloc_mapped_bytes"]


def read_samples(path):
    columns = {"t_s": [], "rss_bytes": [], "pss_bytes": [], "hwm_max_bytes": [], "fds": [], "threads": [],
               "ebpf_rss_interval_peak_bytes": []}
    columns.update({key: [] for key in HEAP_COLUMNS})
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "t_s" not in reader.fieldnames:
            fail(f"{path}: not a memgate sample log (no t_s column)")
        for name in reader.fieldnames:
            if name.startswith("metric_"):
                columns[name] = []
        for row in reader:
            if row.get("processes") in ("0", None):
                continue
            for key, values in columns.items():
                values.append(number(row.get(key, "")))
    return columns


def decimate(t, v):
    """Keep each stride's min and max so spikes survive on long runs."""
    if len(t) <= MAX_POINTS:
        return t, v
    stride = math.ceil(len(t) / (MAX_POINTS / 2))
    out_t, out_v = [], []
    for i in range(0, len(t), stride):
        chunk = [(v[j], t[j]) for j in range(i, min(i + stride, len(t))) if not math.isnan(v[j])]
        if not chunk:
            continue
        lo, hi = min(chunk), max(chunk)
        for value, when in sorted([lo, hi], key=lambda p: p[1]):
            out_t.append(when)
            out_v.append(value)
    return out_t, out_v


def present(t, v):
    pairs = [(a, b) for a, b in zip(t, v) if not math.isnan(b)]
    return [a for a, _ in pairs], [b for _, b in pairs]


def heap_split(s):
    """RSS split per tick into (live heap, retention, non-heap) in MiB, or None without probe figures.

    With allocated + free_held (glibc, jemalloc, tcmalloc) all three parts are known; with
    only mapped (mimalloc 2.0.9 reports committed bytes) the heap is one part, "heap (committed)".
    glibc's free_held also counts free chunks malloc_trim already gave back, so the heap
    parts are capped at RSS and non-heap never goes below zero.
    """
    t, live, held, rest = [], [], [], []
    basis = None
    for i, when in enumerate(s["t_s"]):
        rss = s["rss_bytes"][i]
        allocated, free_held, mapped = (s[key][i] for key in HEAP_COLUMNS)
        if math.isnan(rss):
            continue
        if not math.isnan(allocated) and not math.isnan(free_held):
            a = min(allocated, rss)
            h = min(free_held, rss - a)
            basis = basis or "allocated"
        elif not math.isnan(mapped):
            a, h = min(mapped, rss), 0.0
            basis = basis or "mapped"
        else:
            continue
        t.append(when)
        live.append(a / MIB)
        held.append(h / MIB)
        rest.append(max(rss - a - h, 0.0) / MIB)
    if not t:
        return None
    return basis, t, live, held, rest


def draw_heap_split(ax, split, events):
    basis, t, live, held, rest = split
    if len(t) > MAX_POINTS:  # a stack plot needs aligned series: plain striding
        stride = math.ceil(len(t) / MAX_POINTS)
        t, live, held, rest = (series[::stride] for series in (t, live, held, rest))
    if basis == "allocated":
        ax.stackplot(t, live, held, rest, colors=["tab:blue", "tab:orange", "tab:gray"], alpha=0.75,
                     labels=["live heap (allocated)", "allocator retention (freed, held)", "non-heap"])
    else:
        ax.stackplot(t, live, rest, colors=["tab:blue", "tab:gray"], alpha=0.75,
                     labels=["heap (committed; live vs retained not offered)", "non-heap"])
    for event in events:
        if event.get("kind") != "purge":
            continue
        returned = event.get("returned_bytes", 0) / MIB
        ax.axvline(event["t_s"], color="tab:red", lw=0.8, ls=":")
        ax.annotate(f"purge ({event.get('trigger', '')}): {returned:.1f} MiB returned", (event["t_s"], 0.98), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                    fontsize=7, color="tab:red")
    ax.set_ylabel("RSS split (MiB)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=7)


def read_events(path):
    events = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return events


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--out", help="PNG path (default RUN_DIR/timeline.png)")
    parser.add_argument("--quiet", action="store_true", help="do not print the PNG's path (memgate says it)")
    args = parser.parse_args()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is missing: apt-get install python3-matplotlib (and run with /usr/bin/python3)", 3)

    samples_path = os.path.join(args.run_dir, "samples.csv")
    if not os.path.exists(samples_path):
        fail(f"{samples_path} not found: is {args.run_dir} a memgate run directory?")
    s = read_samples(samples_path)
    if not s["t_s"]:
        fail(f"{samples_path} has no samples of a live target")
    report = {}
    report_path = os.path.join(args.run_dir, "report.json")
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
    events = read_events(os.path.join(args.run_dir, "events.jsonl"))

    split = heap_split(s)
    metric_columns = [key for key in s if key.startswith("metric_") and any(not math.isnan(v) for v in s[key])]
    shown = metric_columns[:MAX_METRIC_PANELS]
    ratios = [3] + ([2.2] if split else []) + [1.3] + [0.9] * len(shown)
    fig, axes = plt.subplots(len(ratios), 1, figsize=(11, 7 + (2.5 if split else 0) + 1.2 * len(shown)), sharex=True,
                             gridspec_kw={"height_ratios": ratios}, squeeze=False)
    panels = [row[0] for row in axes]
    mem, counts = panels[0], panels[2 if split else 1]
    if split:
        draw_heap_split(panels[1], split, events)
    metric_axes = panels[len(panels) - len(shown):]
    t = s["t_s"]
    for key, label, style in [
        ("rss_bytes", "RSS (sum over tree)", {"color": "tab:blue", "lw": 1.4}),
        ("pss_bytes", "PSS (shared pages counted once)", {"color": "tab:orange", "lw": 1.4, "marker": ".", "ms": 3}),
        ("hwm_max_bytes", "VmHWM (largest per-process peak)", {"color": "tab:gray", "lw": 0.9, "ls": "--"}),
    ]:
        pt, pv = present(t, s[key])
        if pt:
            pt, pv = decimate(pt, [v / MIB for v in pv])
            mem.plot(pt, pv, label=label, **style)

    # eBPF: the exact tree-wide peak within each tick (a step over the interval it covers),
    # beside the polled lines above; the run's peak marked with its value.
    pt, pv = present(t, s["ebpf_rss_interval_peak_bytes"])
    if pt:
        pt, pv = decimate(pt, [v / MIB for v in pv])
        mem.step(pt, pv, where="pre", color="tab:brown", lw=0.9, alpha=0.8, label="eBPF tree peak per tick (exact)")
        peak_tree = (report.get("peaks") or {}).get("tree", {}).get("ebpf_peak_bytes")
        i = max(range(len(pv)), key=pv.__getitem__)
        label = f"eBPF peak {(peak_tree or pv[i] * MIB) / MIB:.1f} MiB"
        mem.plot([pt[i]], [pv[i]], marker="v", color="tab:brown", ms=7, ls="none", label=label)

    budgets = report.get("check_settings", {}).get("budgets", {})
    for key, label in [("max_rss_bytes", "RSS budget"), ("max_pss_bytes", "PSS budget")]:
        if key in budgets:
            mem.axhline(budgets[key] / MIB, color="tab:red", ls=":", lw=1.2, label=f"{label} {budgets[key] / MIB:.0f} MiB")

    for event in events:
        if event.get("kind") in ("stop", "kill", "exit"):
            for ax in (mem, counts):
                ax.axvline(event["t_s"], color="black", ls="--", lw=0.7, alpha=0.5)
            mem.annotate(event["kind"], (event["t_s"], 1.0), xycoords=("data", "axes fraction"),
                         rotation=90, va="top", ha="right", fontsize=8, alpha=0.7)

    mem.set_ylabel("memory (MiB)")
    mem.set_ylim(bottom=0)
    mem.grid(alpha=0.3)
    mem.legend(loc="best", fontsize=8)

    for key, label, color in [("fds", "open fds", "tab:green"), ("threads", "threads", "tab:purple")]:
        pt, pv = present(t, s[key])
        if pt:
            pt, pv = decimate(pt, pv)
            counts.step(pt, pv, where="post", label=label, color=color, lw=1.2)
    counts.set_ylabel("count")
    counts.set_ylim(bottom=0)
    counts.grid(alpha=0.3)
    counts.legend(loc="lower right", fontsize=8)

    # The target's own gauges (queue depth, utilisation, spilled...), each on its own scale.
    for i, key in enumerate(shown):
        ax = metric_axes[i]
        pt, pv = decimate(*present(t, s[key]))
        ax.step(pt, pv, where="post", color="tab:brown", lw=1.1)
        ax.set_ylabel(key[len("metric_"):], fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    if len(metric_columns) > len(shown):
        left_out = ", ".join(k[len("metric_"):] for k in metric_columns[len(shown):])
        panels[-1].annotate(f"not shown: {left_out}", (0.01, 0.05), xycoords="axes fraction", fontsize=7, alpha=0.7)
    panels[-1].set_xlabel("time since target start (s)")

    command = " ".join(report.get("run", {}).get("command", []))
    verdict = report.get("verdict", {})
    title = f"memgate: {command[:90]}"
    if verdict:
        title += f"\nverdict {verdict.get('outcome', '?').upper()}: {verdict.get('reason', '')[:100]}"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = args.out or os.path.join(args.run_dir, "timeline.png")
    fig.savefig(out, dpi=110)
    # stderr: memgate's stdout carries only its own output (memgate run --json: the report).
    if not args.quiet:
        print(out, file=sys.stderr)


if __name__ == "__main__":
    main()
