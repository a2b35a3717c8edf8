#!/usr/bin/python3
"""Render a `memgate compare` directory to DIR/compare_bars.png and DIR/compare_rss.png.

Reads only what memgate left on disk: DIR/compare.json (per-variant medians and ranges,
the runs) and each run's samples.csv. Bars: the median per variant, the whiskers span
min..max over the runs, the dots are the runs themselves. Timelines: tree RSS of every
run, one colour per variant, so retention and plateaus can be seen side by side. With the
allocator probe, a third chart (DIR/compare_split.png) shows per variant where RSS growth
went: live heap, allocator retention (freed but held) and non-heap memory (medians, with
min-max whiskers).

Usage: /usr/bin/python3 reports/plot_compare.py DIR
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import csv
import json
import math
import os
import sys

MIB = 1024.0 * 1024.0
MAX_POINTS = 4000  # per run timeline; longer runs are min/max-decimated
# The bar panels, in order; a panel is drawn only when some variant measured it.
PANELS = [
    ("steady_rss_bytes", "steady RSS (MiB)", MIB),
    ("peak_rss_bytes", "peak RSS (MiB)", MIB),
    ("retained_after_burst_bytes", "retained after burst (MiB)", MIB),
    ("records_per_s", "throughput (records/s)", 1.0),
    ("wall_s", "wall time (s)", 1.0),
    ("minor_faults", "minor faults", 1.0),
    ("free_held_final_bytes", "free but held at end (MiB)", MIB),
    ("purge_returned_bytes", "RSS returned by purges (MiB)", MIB),
    ("phase_purge_returned_bytes", "returned by phase purges (MiB)", MIB),
    ("slope_bytes_per_h", "RSS slope (MiB/h)", MIB),
]
# The heap split of RSS growth (first to last probe reading), one bar each per variant.
SPLIT = [
    ("live_heap_growth_bytes", "live heap", "tab:blue"),
    ("retention_growth_bytes", "allocator retention", "tab:orange"),
    ("non_heap_growth_bytes", "non-heap", "tab:gray"),
]


def fail(message, code=2):
    print(f"plot_compare: {message}", file=sys.stderr)
    sys.exit(code)


def number(text):
    try:
        return float(text) if text not in ("", None) else math.nan
    except ValueError:
        return math.nan


def read_rss(path):
    t, rss = [], []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "t_s" not in reader.fieldnames:
            return t, rss
        for row in reader:
            if row.get("processes") in ("0", None):
                continue
            t.append(number(row.get("t_s")))
            rss.append(number(row.get("rss_bytes")) / MIB)
    if len(t) > MAX_POINTS:
        stride = math.ceil(len(t) / (MAX_POINTS / 2))
        dt, dv = [], []
        for i in range(0, len(t), stride):
            chunk = [(rss[j], t[j]) for j in range(i, min(i + stride, len(t))) if not math.isnan(rss[j])]
            if chunk:
                for value, when in sorted([min(chunk), max(chunk)], key=lambda p: p[1]):
                    dt.append(when)
                    dv.append(value)
        t, rss = dt, dv
    return t, rss


def draw_split(plt, summary, labels, path):
    """Grouped bars: per variant, the RSS growth attributed to each part (growth may be negative)."""
    parts = [p for p in SPLIT if any(p[0] in v.get("metrics", {}) for v in summary)]
    if not parts:
        return
    fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(labels) + 2), 4.5))
    width = 0.8 / len(parts)
    labelled = set()
    for k, (key, name, colour) in enumerate(parts):
        for x, v in enumerate(summary):
            m = v.get("metrics", {}).get(key)
            if not m:
                continue
            pos = x - 0.4 + width * (k + 0.5)
            median, lo, hi = m["median"] / MIB, m["min"] / MIB, m["max"] / MIB
            ax.bar(pos, median, width, color=colour, alpha=0.8, label=None if name in labelled else name)
            labelled.add(name)
            ax.errorbar(pos, median, yerr=[[median - lo], [hi - median]], color="black", capsize=3, linewidth=1)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=20, ha="right")
    ax.set_ylabel("RSS growth, first to last probe reading (MiB)")
    ax.set_title("where RSS growth went, per allocator (median, min-max)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    if len(sys.argv) != 2:
        fail("usage: plot_compare.py DIR")
    directory = sys.argv[1]
    try:
        with open(os.path.join(directory, "compare.json")) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {directory}/compare.json: {e}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is not installed for /usr/bin/python3 (apt-get install python3-matplotlib)", 3)

    summary = doc.get("summary", [])
    labels = [v["label"] for v in summary]
    colours = {label: plt.get_cmap("tab10")(i % 10) for i, label in enumerate(labels)}
    runs = doc.get("runs", [])

    panels = [p for p in PANELS if any(p[0] in v.get("metrics", {}) for v in summary)]
    if panels:
        cols = min(3, len(panels))
        rows = math.ceil(len(panels) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
        for ax, (key, title, scale) in zip([a for row in axes for a in row], panels):
            for x, v in enumerate(summary):
                m = v.get("metrics", {}).get(key)
                if not m:
                    continue
                median, lo, hi = m["median"] / scale, m["min"] / scale, m["max"] / scale
                ax.bar(x, median, color=colours[v["label"]], alpha=0.75)
                ax.errorbar(x, median, yerr=[[median - lo], [hi - median]], color="black", capsize=5, linewidth=1)
                values = [r["values"][key] / scale for r in runs if r["variant"] == v["label"] and key in r["values"]]
                ax.scatter([x] * len(values), values, color="black", s=10, zorder=3)
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(labels, rotation=20, ha="right")
            ax.set_title(title, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
        for ax in [a for row in axes for a in row][len(panels):]:
            ax.axis("off")
        fig.suptitle(f"memgate compare: {doc.get('workload', '')[:90]}\nmedian, min-max whiskers, dots = runs", fontsize=10)
        fig.tight_layout()
        fig.savefig(os.path.join(directory, "compare_bars.png"), dpi=100)
        plt.close(fig)

    draw_split(plt, summary, labels, os.path.join(directory, "compare_split.png"))

    fig, ax = plt.subplots(figsize=(10, 5))
    drawn = set()
    for r in runs:
        path = os.path.join(directory, r["dir"], "samples.csv")
        if not os.path.exists(path):
            continue
        t, rss = read_rss(path)
        label = r["variant"] if r["variant"] not in drawn else None
        drawn.add(r["variant"])
        ax.plot(t, rss, color=colours.get(r["variant"], "grey"), linewidth=1, alpha=0.8, label=label)
    ax.set_xlabel("seconds since the target started")
    ax.set_ylabel("tree RSS (MiB)")
    ax.set_title("RSS of every run (one colour per variant)")
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "compare_rss.png"), dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
