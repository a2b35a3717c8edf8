#!/usr/bin/python3
"""Render a `memgate compare` directory to DIR/compare_bars.png and DIR/compare_rss.png.

Reads only what memgate left on disk: DIR/compare.json (per-variant medians and ranges,
the runs, the windows) and each run's samples.csv. Bars: the median per variant, the
whiskers span min..max over the runs, the dots are the runs themselves; a variant that did
not measure a figure shows "n/a", and a figure equal in every variant is named in the title
instead of drawn. Timelines: tree RSS of every run over scenario time, one colour per
variant, with the scenario's phases shaded and labelled and the comparison's windows (the
spans every figure is read over) marked, so retention and plateaus can be seen side by
side. With the
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
    ("records_per_s", "throughput (units/s)", 1.0),
    ("wall_s", "wall time (s)", 1.0),
    ("cpu_per_unit_s", "CPU per unit (s)", 1.0),
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


def short_workload(text, limit=70):
    """The command with paths shortened to their file names, cut at a word: a title that fits."""
    words = [w.rsplit("/", 1)[-1] if "/" in w and not w.endswith("/") else w for w in text.split()]
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > limit:
            return out + " …"
        out = f"{out} {w}" if out else w
    return out


def read_rss(path):
    """(t, rss MiB, phases): phases are (name, start, end) spans of the phase column, scenario time."""
    t, rss, phases = [], [], []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "t_s" not in reader.fieldnames:
            return t, rss, phases
        clock = "scenario_t_s" if "scenario_t_s" in reader.fieldnames else "t_s"
        for row in reader:
            when = number(row.get(clock))
            phase = row.get("phase") or ""
            if not math.isnan(when):
                if phases and phases[-1][0] == phase:
                    phases[-1][2] = when
                else:
                    if phases:
                        phases[-1][2] = when
                    phases.append([phase, when, when])
            if row.get("processes") in ("0", None):
                continue
            t.append(when)
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
    return t, rss, phases


def shade_phases(ax, phases):
    """Alternating light bands with the phase names along the top (a schedule only)."""
    names = {p[0] for p in phases if p[0] not in ("", "run")}
    if len(names) < 2 and "burst" not in names:
        return
    tints = {"warmup": "#dddddd", "burst": "#f4b6b6", "recovery": "#cfe8cf", "nominal": "#e8eef8"}
    top = ax.get_ylim()[1]
    for name, start, end in phases:
        ax.axvspan(start, end, color=tints.get(name, "#eeeeee"), alpha=0.6, lw=0, zorder=0)
        if end - start > 0:
            ax.text((start + end) / 2, top, name, ha="center", va="bottom", fontsize=8, color="dimgray")


def mark_windows(ax, windows):
    """Each window as a bracket under the top of the chart, named: where every figure is read."""
    if not windows:
        return
    low, high = ax.get_ylim()
    step = (high - low) * 0.045
    for k, w in enumerate(windows):
        y = high - step * (k + 1.2)
        ax.annotate("", xy=(w["start_s"], y), xytext=(w["end_s"], y),
                    arrowprops=dict(arrowstyle="|-|", color="black", lw=1, shrinkA=0, shrinkB=0))
        ax.text((w["start_s"] + w["end_s"]) / 2, y, f"{w['name']} window", va="bottom", ha="center", fontsize=8)


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

    def medians(key):
        return [v.get("metrics", {}).get(key, {}).get("median") for v in summary]

    def all_same(key):
        values = [v.get("metrics", {}).get(key) for v in summary]
        if len(summary) < 2 or not all(values):
            return False
        ref = abs(values[0]["median"]) or 1.0
        return all(abs(m[k] - values[0]["median"]) <= 0.005 * ref for m in values for k in ("min", "max"))

    def same_figure(a, b):
        return all(v.get("metrics", {}).get(a) == v.get("metrics", {}).get(b) for v in summary)

    measured = []
    for p in PANELS:
        # One panel per figure: when every purge was a phase purge, the two purge
        # figures are the same numbers in every variant.
        if any(p[0] in v.get("metrics", {}) for v in summary) and not any(same_figure(p[0], q[0]) for q in measured):
            measured.append(p)
    # A figure equal in every variant says so in the title, not as a row of identical bars.
    same = [p for p in measured if all_same(p[0])]
    panels = [p for p in measured if p not in same]
    work_unit = next((v.get("work_unit") for v in summary if v.get("work_unit") not in (None, "", "run")), "records")
    if panels:
        cols = min(3, len(panels))
        rows = math.ceil(len(panels) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
        for ax, (key, title, scale) in zip([a for row in axes for a in row], panels):
            if key == "records_per_s":
                title = f"throughput ({work_unit}/s)"
            elif key == "cpu_per_unit_s":
                per_run = all(v.get("work_unit") in (None, "", "run") for v in summary)
                title = "CPU per run (s)" if per_run else f"CPU per 1000 {work_unit} (s)"
            for x, v in enumerate(summary):
                m = v.get("metrics", {}).get(key)
                if not m:
                    # Not measured is not zero.
                    ax.text(x, 0, "n/a", ha="center", va="bottom", fontsize=9, color="dimgray")
                    continue
                median, lo, hi = m["median"] / scale, m["min"] / scale, m["max"] / scale
                ax.bar(x, median, color=colours[v["label"]], alpha=0.75)
                ax.errorbar(x, median, yerr=[[median - lo], [hi - median]], color="black", capsize=5, linewidth=1)
                values = [r["values"][key] / scale for r in runs if r["variant"] == v["label"] and key in r["values"]]
                ax.scatter([x] * len(values), values, color="black", s=10, zorder=3)
            ax.set_xticks(range(len(labels)))
            ax.set_xlim(-0.6, len(labels) - 0.4)
            ax.set_xticklabels(labels, rotation=20, ha="right")
            ax.set_title(title, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
        for ax in [a for row in axes for a in row][len(panels):]:
            ax.axis("off")
        note = "median, min-max whiskers, dots = runs"
        if same:
            note += "; the same in every variant: " + ", ".join(p[1].split(" (")[0] for p in same)
        fig.suptitle(f"memgate compare: {short_workload(doc.get('workload', ''))}\n{note}", fontsize=10)
        fig.tight_layout()
        fig.savefig(os.path.join(directory, "compare_bars.png"), dpi=100)
        plt.close(fig)

    draw_split(plt, summary, labels, os.path.join(directory, "compare_split.png"))

    fig, ax = plt.subplots(figsize=(10, 5))
    drawn = set()
    phases = []
    for r in runs:
        path = os.path.join(directory, r["dir"], "samples.csv")
        if not os.path.exists(path):
            continue
        t, rss, run_phases = read_rss(path)
        if not phases:
            phases = run_phases
        label = r["variant"] if r["variant"] not in drawn else None
        drawn.add(r["variant"])
        ax.plot(t, rss, color=colours.get(r["variant"], "grey"), linewidth=1, alpha=0.8, label=label)
    ax.set_ylim(bottom=0)
    low, high = ax.get_ylim()
    windows = doc.get("windows", {}).get("list", [])
    ax.set_ylim(low, high * (1.1 + 0.05 * len(windows)))  # room for the window brackets
    shade_phases(ax, phases)
    mark_windows(ax, windows)
    ax.set_xlabel("scenario seconds")
    ax.set_ylabel("tree RSS (MiB)")
    ax.set_title("RSS of every run (one colour per variant); every figure is read over the marked windows",
                 fontsize=10, pad=14)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(loc="center left", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(directory, "compare_rss.png"), dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
