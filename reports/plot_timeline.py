#!/usr/bin/python3
"""Render a memgate run directory's timeline to DIR/timeline.png.

Reads only what `memgate run` left on disk (samples.csv, events.jsonl, report.json):
RSS and PSS of the whole process tree in MiB (with VmHWM and, when eBPF ran, its exact
tree peak per tick beside them), open fds and threads, against seconds
since the target started, with stop/exit events and any budget drawn in. Scenario runs
get scenario time on the top axis (hours of the day when a compressed run covers hours),
their phases shaded alternately and labelled sparsely (a 24-hour soak has 24), the offered
records/s per phase, and the rss-plateau check as judged: warm-up cut, fitted slope (per
wall hour and per scenario hour) and the tolerated slopes around it. When the
allocator probe ran (alloc_* columns), a middle panel splits RSS into live heap,
allocator retention (freed but held) and non-heap memory, with each purge and the
RSS it returned; one small panel per metric_<field> column (the target's own metrics
channel) when there are any.

Usage: /usr/bin/python3 reports/plot_timeline.py RUN_DIR [--out PNG] [--report JSON] [--quiet]
--report: the verdict and budgets from this report.json instead of RUN_DIR's (a verdict
`memgate report DIR --out` recomputed).
Prints the PNG's path on stderr (stdout stays free for a caller's own output) unless --quiet.
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import argparse
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_log import log_exists, open_log  # noqa: E402  (segments, then the live file)

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
    columns = {"t_s": [], "scenario_t_s": [], "phase": [], "rss_bytes": [], "pss_bytes": [], "hwm_max_bytes": [], "fds": [], "threads": [],
               "ebpf_rss_interval_peak_bytes": []}
    columns.update({key: [] for key in HEAP_COLUMNS})
    with open_log(path) as f:  # its compressed segments, then the live file
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
                values.append(row.get(key) or "" if key == "phase" else number(row.get(key, "")))
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


def phase_segments(t, phases):
    """Contiguous runs of one phase: [(name, start_s, end_s)], in time order."""
    out = []
    for when, name in zip(t, phases):
        if out and out[-1][0] == name:
            out[-1][2] = when
        else:
            if out:
                out[-1][2] = when
            out.append([name, when, when])
    return [tuple(seg) for seg in out if seg[0]]


MAX_PHASE_LABELS = 8


def labelled_phases(count):
    """Indexes of the phases that get a label: every k-th, at most MAX_PHASE_LABELS."""
    every = max(1, math.ceil(count / MAX_PHASE_LABELS))
    return set(range(0, count, every))


def ebpf_tick_peaks(s):
    """(t, bytes) of the eBPF tree peak per tick, each at least that tick's polled RSS.

    memgate folds the poll in since the eBPF sum was found a few pages below VmRSS (the
    kernel's per-CPU batched counters); runs recorded before that are raised here.
    """
    return [(a, max(b, r if not math.isnan(r) else 0.0))
            for a, b, r in zip(s["t_s"], s["ebpf_rss_interval_peak_bytes"], s["rss_bytes"]) if not math.isnan(b)]


def shade_phases(panels, mem, segments):
    """Shade phases alternately on every panel; label them sparsely on the memory panel.

    A 24-hour soak has 24 'soak hour N' phases: every one shaded (alternate tints), at most
    about 8 labelled, so the labels never overlap.
    """
    if len(segments) < 2:
        return
    labelled = labelled_phases(len(segments))
    for i, (name, start, end) in enumerate(segments):
        if i % 2 == 0:
            for ax in panels:
                ax.axvspan(start, end, color="tab:gray", alpha=0.08, lw=0)
        if i in labelled:
            mem.annotate(name, ((start + end) / 2, 0.01), xycoords=("data", "axes fraction"), ha="center",
                         va="bottom", fontsize=7, alpha=0.75, rotation=90 if len(segments) > 6 and len(labelled) == len(segments) else 0)


def time_scale_of(report, s):
    """Scenario seconds per wall second: the report's, else from the two time columns."""
    scale = ((report.get("run") or {}).get("scenario") or {}).get("time_scale")
    if scale:
        return float(scale)
    pairs = [(a, b) for a, b in zip(s["t_s"], s["scenario_t_s"]) if a > 0 and not math.isnan(b)]
    return pairs[-1][1] / pairs[-1][0] if pairs else 1.0


def add_scenario_axis(ax, scale, span_s):
    """Scenario time on the top axis: hours of the day for a compressed day, else seconds."""
    if abs(scale - 1.0) < 1e-9:
        return
    if span_s * scale >= 2 * 3600:
        top = ax.secondary_xaxis("top", functions=(lambda t: t * scale / 3600.0, lambda h: h * 3600.0 / scale))
        top.set_xlabel(f"scenario time (hour of the day; {scale:g}x compressed)", fontsize=8)
        top.set_xticks(range(0, int(span_s * scale / 3600) + 2, 2 if span_s * scale <= 30 * 3600 else 6))
    else:
        top = ax.secondary_xaxis("top", functions=(lambda t: t * scale, lambda x: x / scale))
        top.set_xlabel(f"scenario time (s; {scale:g}x compressed)", fontsize=8)
    top.tick_params(labelsize=8)


def draw_offered_rate(ax, report, segments):
    """Offered records/s per phase (the traffic's own counts over the phase's wall time)."""
    phases = (((report.get("samplers") or {}).get("traffic") or {}).get("phases")) or []
    offered = {p.get("phase"): p.get("offered") for p in phases if p.get("offered") is not None}
    xs, ys = [], []
    for name, start, end in segments:
        if name in offered and end > start:
            xs += [start, end]
            ys += [offered[name] / (end - start)] * 2
    if not xs:
        return
    rate = ax.twinx()
    rate.plot(xs, ys, color="tab:cyan", lw=1.1, label="offered records/s (per phase)")
    rate.set_ylabel("offered records/s", fontsize=8, color="tab:cyan")
    rate.set_ylim(bottom=0)
    rate.tick_params(labelsize=8, colors="tab:cyan")
    rate.legend(loc="upper left", bbox_to_anchor=(1.1, 0.35), fontsize=7, borderaxespad=0)


def plateau_check(report, series="rss"):
    for check in report.get("checks", []):
        if check.get("id") == f"{series}-plateau":
            return {k: v.get("value") for k, v in (check.get("figures") or {}).items() if isinstance(v, dict)}
    return None


def draw_plateau(mem, figures, t_end, scale):
    """The plateau check as judged: warm-up cut, fitted slope through the steady level,
    and the tolerated slopes around it (report.json's rss-plateau figures)."""
    if not figures or figures.get("steady") is None or figures.get("warmup_s") is None:
        return
    warm = figures["warmup_s"]
    mem.axvline(warm, color="tab:olive", ls="-.", lw=1.0, label=f"warm-up cut {warm:.0f} s")
    slope = figures.get("slope_per_h")
    if slope is None:
        return
    mid = (warm + t_end) / 2
    level = figures["steady"]
    xs = [warm, t_end]
    line = [(level + slope * (x - mid) / 3600.0) / MIB for x in xs]
    per_h = f"{slope / MIB:+.2f} MiB/h"
    if abs(scale - 1.0) > 1e-9:
        per_h += f" ({slope / scale / MIB:+.4f} MiB per scenario h)"
    mem.plot(xs, line, color="tab:olive", lw=1.2, ls="--", label=f"fitted slope {per_h}")
    tol = figures.get("tolerance_per_h")
    if tol is not None:
        lo = [(level - tol * abs(x - mid) / 3600.0) / MIB for x in xs]
        hi = [(level + tol * abs(x - mid) / 3600.0) / MIB for x in xs]
        band_x = [warm, mid, t_end]
        band_lo = [lo[0], level / MIB, lo[1]]
        band_hi = [hi[0], level / MIB, hi[1]]
        mem.fill_between(band_x, band_lo, band_hi, color="tab:olive", alpha=0.15, lw=0,
                         label=f"tolerance ±{tol / MIB:.2f} MiB/h (wall)")


def read_events(path):
    events = []
    if log_exists(path):
        with open_log(path) as f:
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
    parser.add_argument("--report", help="report.json to take the verdict from (default RUN_DIR/report.json)")
    parser.add_argument("--quiet", action="store_true", help="do not print the PNG's path (memgate says it)")
    args = parser.parse_args()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is missing: apt-get install python3-matplotlib (and run with /usr/bin/python3)", 3)

    samples_path = os.path.join(args.run_dir, "samples.csv")
    if not log_exists(samples_path):
        fail(f"{samples_path} not found: is {args.run_dir} a memgate run directory?")
    s = read_samples(samples_path)
    if not s["t_s"]:
        fail(f"{samples_path} has no samples of a live target")
    report = {}
    report_path = args.report or os.path.join(args.run_dir, "report.json")
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
    # Each tick's step is at least that tick's polled RSS (runs recorded before memgate
    # folded the poll in had the kernel's batched sum, a few pages below it), and the
    # marker sits at the peak it names.
    pairs = ebpf_tick_peaks(s)
    if pairs:
        pt, pv = decimate([a for a, _ in pairs], [b / MIB for _, b in pairs])
        mem.step(pt, pv, where="pre", color="tab:brown", lw=0.9, alpha=0.8, label="eBPF tree peak per tick (exact)")
        tree = (report.get("peaks") or {}).get("tree", {})
        i = max(range(len(pv)), key=pv.__getitem__)
        peak = max(pv[i], (tree.get("ebpf_peak_bytes") or 0) / MIB)
        label = f"eBPF peak {peak:.1f} MiB"
        if (tree.get("fork_copy_bytes") or 0) > 0:
            label += f" ({tree['ebpf_fork_corrected_peak_bytes'] / MIB:.1f} MiB without forked children's copy-on-write view)"
        mem.plot([pt[i]], [peak], marker="v", color="tab:brown", ms=7, ls="none", label=label)

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

    scale = time_scale_of(report, s)
    segments = phase_segments(t, s["phase"])
    draw_plateau(mem, plateau_check(report), t[-1], scale)
    shade_phases(panels, mem, segments)
    add_scenario_axis(mem, scale, t[-1])

    mem.set_ylabel("memory (MiB)")
    mem.set_ylim(0, mem.get_ylim()[1] * 1.06)  # room for the peak marker above a flat line
    mem.grid(alpha=0.3)
    # Outside the plot: on a flat soak the lines sit where an inside legend would go.
    mem.legend(loc="upper left", bbox_to_anchor=(1.1, 1.0), fontsize=7, borderaxespad=0)

    for key, label, color in [("fds", "open fds", "tab:green"), ("threads", "threads", "tab:purple")]:
        pt, pv = present(t, s[key])
        if pt:
            pt, pv = decimate(pt, pv)
            counts.step(pt, pv, where="post", label=label, color=color, lw=1.2)
    counts.set_ylabel("count")
    counts.set_ylim(bottom=0)
    counts.grid(alpha=0.3)
    counts.legend(loc="upper left", bbox_to_anchor=(1.1, 1.0), fontsize=7, borderaxespad=0)
    draw_offered_rate(counts, report, segments)

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
    panels[-1].set_xlabel("wall time since target start (s)")

    command = " ".join(report.get("run", {}).get("command", []))
    verdict = report.get("verdict", {})
    title = f"memgate: {command[:90]}"
    if verdict:
        title += f"\nverdict {verdict.get('outcome', '?').upper()}: {verdict.get('reason', '')[:100]}"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = args.out or os.path.join(args.run_dir, "timeline.png")
    fig.savefig(out, dpi=110, bbox_inches="tight")
    # stderr: memgate's stdout carries only its own output (memgate run --json: the report).
    if not args.quiet:
        print(out, file=sys.stderr)


if __name__ == "__main__":
    main()
