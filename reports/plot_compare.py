#!/usr/bin/python3
"""Render a `memgate compare` directory to DIR/compare_bars.png and DIR/compare_rss.png.

Reads only what memgate left on disk: DIR/compare.json (per-variant medians and ranges,
the runs, the windows) and each run's samples.csv. Bars: the median per variant, the
whiskers span min..max over the runs, the dots are the runs themselves; a variant that did
not measure a figure shows "n/a", and a figure equal in every variant is named in the title
instead of drawn. Timelines (compare_rss.png): tree RSS of every run over scenario time,
one colour per variant, with the comparison's windows (the spans every figure is read
over) marked; above it, when the runs recorded them, the scenario's offered rate per phase
and the rate the target processed, the target's queue depth, and the records it spilled
and replayed (the metrics-channel columns of the reference pipelines); the scenario's
phases shaded in every panel and named on the top one; the recommendation and the
verdicts written under the picture. With the
allocator probe, a third chart (DIR/compare_split.png) shows per variant where RSS growth
went: live heap, allocator retention (freed but held) and non-heap memory (medians, with
min-max whiskers).

Usage: /usr/bin/python3 reports/plot_compare.py DIR [--contrast RUN_DIR]
  --contrast RUN_DIR: draw that run's RSS beside the comparison (dashed, black), labelled
  with its verdict and failing checks: e.g. the same scenario with an anti-pattern.
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_log import log_exists, open_log  # noqa: E402  (segments, then the live file)

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


def decimate(t, values):
    """Min/max per stride: at most MAX_POINTS points, peaks kept."""
    if len(t) <= MAX_POINTS:
        return t, values
    stride = math.ceil(len(t) / (MAX_POINTS / 2))
    dt, dv = [], []
    for i in range(0, len(t), stride):
        chunk = [(values[j], t[j]) for j in range(i, min(i + stride, len(t))) if not math.isnan(values[j])]
        if chunk:
            for value, when in sorted([min(chunk), max(chunk)], key=lambda p: p[1]):
                dt.append(when)
                dv.append(value)
    return dt, dv


def read_run(path, columns):
    """(phases, {column: (t, values)}) over scenario time; phases are (name, start, end) spans
    of the phase column. Only samples of a live tree; a column the log lacks is left out."""
    series, phases = {}, []
    if not log_exists(path):
        return phases, series
    with open_log(path) as f:  # its compressed segments, then the live file
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "t_s" not in reader.fieldnames:
            return phases, series
        clock = "scenario_t_s" if "scenario_t_s" in reader.fieldnames else "t_s"
        present = [c for c in columns if c in reader.fieldnames]
        for c in present:
            series[c] = ([], [])
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
            for c in present:
                value = number(row.get(c))
                if not math.isnan(value):
                    series[c][0].append(when)
                    series[c][1].append(value)
    return phases, {c: decimate(*tv) for c, tv in series.items() if tv[0]}


def read_rss(path):
    """(t, rss MiB, phases) of one run."""
    phases, series = read_run(path, ["rss_bytes"])
    t, rss = series.get("rss_bytes", ([], []))
    return t, [v / MIB for v in rss], phases


def shade_phases(ax, phases, label=True):
    """Alternating light bands with the phase names along the top (a schedule only)."""
    names = {p[0] for p in phases if p[0] not in ("", "run")}
    if len(names) < 2 and "burst" not in names:
        return
    tints = {"warmup": "#dddddd", "burst": "#f4b6b6", "recovery": "#cfe8cf", "nominal": "#e8eef8"}
    top = ax.get_ylim()[1]
    for name, start, end in phases:
        ax.axvspan(start, end, color=tints.get(name, "#eeeeee"), alpha=0.6, lw=0, zorder=0)
        if label and end - start > 0:
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


# Metrics-channel columns the reference pipelines write (scenarios/pipelines): a panel
# each on the timeline when the runs recorded them.
QUEUE = "metric_queue_depth"
SPILLED, REPLAYED, PROCESSED = "metric_spilled", "metric_replayed", "metric_processed"


def offered_steps(directory, runs, phases):
    """The scenario's offered rate per phase: each phase's offered records (the first run's
    meta.json traffic figures) over the seconds the samples spent in it."""
    for r in runs:
        try:
            with open(os.path.join(directory, r["dir"], "meta.json")) as f:
                traffic = json.load(f).get("samplers", {}).get("traffic", {})
        except (OSError, ValueError):
            continue
        offered = {p.get("phase"): p.get("offered", 0) for p in traffic.get("phases", [])}
        if not offered:
            return []
        seconds = {}
        for name, start, end in phases:
            seconds[name] = seconds.get(name, 0) + (end - start)
        return [(start, end, offered[name] / seconds[name]) for name, start, end in phases
                if name in offered and seconds.get(name, 0) > 0]
    return []


def rate_of(t, counter, step_s=1.0):
    """Per-second increase of a cumulative counter over ~step_s intervals."""
    rt, rv, last = [], [], None
    for when, value in zip(t, counter):
        if last is None:
            last = (when, value)
            continue
        if when - last[0] >= step_s:
            rt.append((when + last[0]) / 2)
            rv.append((value - last[1]) / (when - last[0]))
            last = (when, value)
    return rt, rv


def contrast_run(path):
    """(label, t, rss MiB) of a run drawn beside the comparison, e.g. the same scenario with
    an anti-pattern: its verdict and failing checks in the label."""
    try:
        with open(os.path.join(path, "report.json")) as f:
            report = json.load(f)
        with open(os.path.join(path, "meta.json")) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read the contrast run {path}: {e}")
    profiles = [p for p in (meta.get("scenario") or {}).get("profiles", []) if p not in ("ci", "ci_short")]
    failing = [c["id"] for c in report.get("checks", []) if c.get("outcome") == "fail"]
    verdict = report.get("verdict", {}).get("outcome", "?").upper()
    allocator = (report.get("samplers", {}).get("alloc") or {}).get("expected", "")
    name = " + ".join([allocator] + profiles if allocator else profiles) or os.path.basename(path.rstrip("/"))
    label = f"{name}: {verdict}" + (f" ({', '.join(failing)})" if failing else "")
    causes = [f"{c['id']}: {c.get('summary', '')}" for c in report.get("checks", []) if c.get("outcome") == "fail"]
    t, rss, _ = read_rss(os.path.join(path, "samples.csv"))
    return label, t, rss, causes


def rss_budget(directory, runs):
    """The rss-budget limit the runs were judged against (meta.json checks), in MiB, or None."""
    for r in runs:
        try:
            with open(os.path.join(directory, r["dir"], "meta.json")) as f:
                checks = json.load(f).get("checks", {})
        except (OSError, ValueError):
            continue
        limit = checks.get("max_rss", (checks.get("budgets") or {}).get("max_rss_bytes"))
        return limit / MIB if isinstance(limit, (int, float)) and limit > 0 else None
    return None


def conclusion_text(doc, contrast=None):
    """The plain-text conclusion under the picture: the recommendation, every variant's
    verdicts, and the contrast run's failing checks with their causes."""
    import textwrap
    rec = doc.get("recommendation", {}).get("line", "")
    verdicts = []
    for v in doc.get("summary", []):
        counts = ", ".join(f"{n} {o.upper()}" for o, n in sorted(v.get("verdicts", {}).items()))
        verdicts.append(f"{v['label']}: {counts or 'no verdict'}")
    lines = textwrap.wrap("Recommendation: " + rec, 125) if rec else []
    if verdicts:
        lines += textwrap.wrap("Verdicts: " + "; ".join(verdicts), 125)
    if contrast:
        label, causes = contrast
        lines += textwrap.wrap("Contrast, " + label + ": " + " ".join(f"[{c}]" for c in causes), 125)
    return "\n".join(lines)


def panel_title(ax, text):
    """A panel's name inside its top-left corner: the phase names stay alone above the panels."""
    ax.text(0.004, 0.96, text, transform=ax.transAxes, va="top", ha="left", fontsize=9, zorder=5,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5))


def draw_timelines(plt, directory, doc, colours, contrast=None):
    """DIR/compare_rss.png: the story of the comparison over scenario time. RSS of every run
    with the phases shaded and the windows marked; above it, when the runs recorded them,
    the offered rate (and the rate the target processed), the target's queue depth, and
    what it spilled and replayed; under it, the conclusion."""
    runs = doc.get("runs", [])
    loaded = []  # (run, phases, series)
    for r in runs:
        path = os.path.join(directory, r["dir"], "samples.csv")
        if os.path.exists(path):
            phases, series = read_run(path, ["rss_bytes", QUEUE, SPILLED, REPLAYED, PROCESSED])
            loaded.append((r, phases, series))
    phases = loaded[0][1] if loaded else []
    steps = offered_steps(directory, runs, phases)
    has = lambda column: any(column in series for _, _, series in loaded)
    panels = []
    if steps or has(PROCESSED):
        panels.append("rate")
    if has(QUEUE):
        panels.append("queue")
    if has(SPILLED) or has(REPLAYED):
        panels.append("spill")
    panels.append("rss")
    drawn_contrast = contrast_run(contrast) if contrast else None
    text = conclusion_text(doc, (drawn_contrast[0], drawn_contrast[3]) if drawn_contrast else None)
    heights = [1.0] * (len(panels) - 1) + [2.2]
    fig, axes = plt.subplots(len(panels), 1, sharex=True, figsize=(11, 3.2 + 1.7 * len(panels)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    axes = {name: row[0] for name, row in zip(panels, axes)}

    def per_variant(ax, column, scale=1.0, style="-", labelled=False):
        drawn = set()
        for r, _, series in loaded:
            if column not in series:
                continue
            t, v = series[column]
            label = r["variant"] if labelled and r["variant"] not in drawn else None
            drawn.add(r["variant"])
            ax.plot(t, [x / scale for x in v], style, color=colours.get(r["variant"], "grey"), lw=1, alpha=0.85,
                    label=label)

    if "rate" in axes:
        ax = axes["rate"]
        for r, _, series in loaded:
            if PROCESSED in series:
                t, v = rate_of(*series[PROCESSED], step_s=2.0)
                ax.plot(t, v, color=colours.get(r["variant"], "grey"), lw=0.8, alpha=0.6)
        if steps:
            xs, ys = [], []
            for start, end, rate in steps:
                xs += [start, end]
                ys += [rate, rate]
            ax.plot(xs, ys, color="black", lw=1.8, label="offered by the scenario")
        if has(PROCESSED):
            ax.plot([], [], color="grey", lw=0.8, label="processed by the target (per variant)")
        ax.set_ylabel("records/s")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper right", fontsize=8)
        panel_title(ax, "offered and processed rate")
    if "queue" in axes:
        ax = axes["queue"]
        per_variant(ax, QUEUE)
        ax.set_ylabel("records")
        ax.set_ylim(bottom=0)
        panel_title(ax, "the target's queue depth")
    if "spill" in axes:
        ax = axes["spill"]
        per_variant(ax, SPILLED, 1000.0, "-")
        per_variant(ax, REPLAYED, 1000.0, "--")
        ax.plot([], [], "-", color="grey", label="spilled to disk")
        ax.plot([], [], "--", color="grey", label="replayed from disk")
        ax.set_ylabel("thousand records")
        ax.set_ylim(bottom=0)
        ax.legend(loc="center left", fontsize=8)
        panel_title(ax, "records spilled during the burst and replayed after it (cumulative)")

    ax = axes["rss"]
    per_variant(ax, "rss_bytes", MIB, labelled=True)
    values = [v / MIB for _, _, series in loaded for v in series.get("rss_bytes", ([], []))[1]]
    if drawn_contrast:
        label, t, rss, _ = drawn_contrast
        ax.plot(t, rss, "--", color="black", lw=1.4, label=label)
        values += rss
    budget = rss_budget(directory, runs)
    if budget and values and budget < 1.5 * max(values):
        ax.axhline(budget, color="firebrick", lw=1, ls=":", label=f"rss-budget {budget:.0f} MiB")
        values.append(budget)
    windows = doc.get("windows", {}).get("list", [])
    # The variants differ by a few MiB on a level of tens: the axis shows the range the
    # runs span (its start is labelled), with room above for the window brackets.
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = max(high - low, 0.05 * high, 0.5)
    bottom = max(0.0, low - 0.25 * span)
    ax.set_ylim(bottom, high + span * (0.15 + 0.16 * len(windows)))
    mark_windows(ax, windows)
    ax.set_xlabel("scenario seconds")
    ax.set_ylabel("tree RSS (MiB)" + (f", axis from {bottom:.0f}" if bottom > 0 else ""))
    ax.set_title("RSS of every run, one colour per allocator; the figures are read over the marked windows",
                 fontsize=9, loc="left")
    # Under the window brackets, left: the burst and recovery lines rise to the right.
    ax.legend(loc="upper left", bbox_to_anchor=(0.005, 0.8), fontsize=8, ncol=2, framealpha=0.9)
    for k, name in enumerate(panels):
        axes[name].grid(alpha=0.3)
        shade_phases(axes[name], phases, label=(k == 0))
    fig.suptitle(f"memgate compare: {short_workload(doc.get('workload', ''))}", fontsize=11)
    # Room for the text under the panels: its lines (9 pt, 1.3 spacing) as a share of this figure's height.
    text_height = (text.count("\n") + 1) * 9 * 1.3 / 72 / fig.get_figheight() if text else 0
    fig.tight_layout(rect=(0, 0.012 + text_height if text else 0, 1, 0.97))
    if text:
        fig.text(0.01, 0.01, text, fontsize=9, va="bottom", ha="left", family="monospace")
    fig.savefig(os.path.join(directory, "compare_rss.png"), dpi=100)
    plt.close(fig)


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--contrast"):
        fail("usage: plot_compare.py DIR [--contrast RUN_DIR]")
    directory = sys.argv[1]
    contrast = sys.argv[3] if len(sys.argv) == 4 else None
    if contrast and not os.path.isfile(os.path.join(contrast, "report.json")):
        fail(f"cannot read the contrast run {contrast}: it has no report.json (give a memgate run directory)")
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

    draw_timelines(plt, directory, doc, colours, contrast)


if __name__ == "__main__":
    main()
