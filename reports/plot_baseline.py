#!/usr/bin/python3
"""Render a run against its baseline runs to RUN_DIR/baseline.png.

Both timelines in one plot: RSS of the tree in MiB (each baseline run in orange, this run
in blue) with the steady levels and allowed increase the `baseline` check of
RUN_DIR/report.json compared (docs/baselines.md), and open fds below. Reads only what
the runs left on disk (samples.csv, report.json).

Usage: /usr/bin/python3 reports/plot_baseline.py RUN_DIR BASELINE_RUN_DIR... [--out PNG]
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_timeline import MIB, decimate, present, read_samples  # noqa: E402  (the same sample reader)
from run_log import log_exists  # noqa: E402


def fail(message, code=2):
    print(f"plot_baseline: {message}", file=sys.stderr)
    sys.exit(code)


def samples_of(run_dir):
    path = os.path.join(run_dir, "samples.csv")
    if not log_exists(path):
        fail(f"{run_dir}: no samples.csv (not a memgate run directory)")
    return read_samples(path)


def baseline_check(run_dir):
    """The `baseline` check of RUN_DIR/report.json as {figure: value}, its outcome and summary."""
    try:
        with open(os.path.join(run_dir, "report.json")) as f:
            report = json.load(f)
    except (OSError, ValueError):
        return {}, None, ""
    for check in report.get("checks", []):
        if check.get("id") == "baseline":
            figures = {k: v.get("value") for k, v in check.get("figures", {}).items() if isinstance(v, dict)}
            return figures, check.get("outcome"), check.get("summary", "")
    return {}, None, ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("baseline_dirs", nargs="+")
    parser.add_argument("--out")
    args = parser.parse_args()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("matplotlib is not installed (apt-get install python3-matplotlib)", 3)

    current = samples_of(args.run_dir)
    baselines = [(d, samples_of(d)) for d in args.baseline_dirs]
    figures, outcome, summary = baseline_check(args.run_dir)

    fig, (ax_rss, ax_fds) = plt.subplots(2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for i, (path, cols) in enumerate(baselines):
        t, v = present(*decimate(cols["t_s"], cols["rss_bytes"]))
        label = "baseline runs" if i == 0 else None
        ax_rss.plot(t, [x / MIB for x in v], color="tab:orange", alpha=0.7, linewidth=1.4, label=label, zorder=3)
        ft, fv = present(*decimate(cols["t_s"], cols["fds"]))
        ax_fds.plot(ft, fv, color="tab:orange", alpha=0.7, linewidth=1.4, zorder=3)
    t, v = present(*decimate(current["t_s"], current["rss_bytes"]))
    ax_rss.plot(t, [x / MIB for x in v], color="tab:blue", linewidth=1.6, label="this run", zorder=4)
    ft, fv = present(*decimate(current["t_s"], current["fds"]))
    ax_fds.plot(ft, fv, color="tab:blue", linewidth=1.4, zorder=4)

    steady, base = figures.get("steady_rss"), figures.get("steady_rss_baseline")
    if base is not None and steady is not None:
        allowed = figures.get("steady_rss_allowed") or 0
        ax_rss.axhline(base / MIB, color="tab:orange", linestyle="--", linewidth=1,
                       label="baseline steady RSS (mean of runs)", zorder=1)
        ax_rss.axhline((base + allowed) / MIB, color="tab:red", linestyle=":", linewidth=1.2,
                       label="baseline + allowed increase", zorder=1)
        ax_rss.axhline(steady / MIB, color="tab:blue", linestyle="--", linewidth=1, label="this run's steady RSS", zorder=1)

    ax_rss.set_ylabel("RSS (MiB)")
    ax_rss.legend(loc="lower right", fontsize=8)
    ax_rss.grid(alpha=0.3)
    ax_fds.set_ylabel("open fds")
    ax_fds.set_xlabel("seconds since the target started")
    ax_fds.grid(alpha=0.3)
    title = f"{os.path.basename(os.path.abspath(args.run_dir))} vs {len(baselines)} baseline run(s)"
    if outcome:
        title += f": baseline check {outcome.upper()}"
    ax_rss.set_title(title)
    if summary:
        wrapped = summary if len(summary) <= 160 else summary[:157] + "..."
        fig.text(0.01, 0.005, wrapped, fontsize=7, ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = args.out or os.path.join(args.run_dir, "baseline.png")
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
