#!/usr/bin/python3
"""Render a `memgate sizes` directory to DIR/sizes.png: memory against work size.

Reads only DIR/sizes.json (docs/schemas/sizes.schema.json). One panel per fitted measure
(peak RSS, steady RSS, the live heap when the probe measured it): every run as a dot at its
size, the least-squares line with its slope per unit of size and interval, and the
tolerated growth drawn from the line's level at the smallest size (dashed). The outcome of
each fit is in its panel's title.

Usage: /usr/bin/python3 reports/plot_sizes.py DIR [--out PNG] [--quiet]
Exit status: 0 written, 2 bad input, 3 matplotlib missing (apt-get install python3-matplotlib).
"""
import argparse
import json
import os
import sys

MIB = 1024.0 * 1024.0
MEASURES = {
    "peak-rss-vs-size": "peak_rss_bytes",
    "steady-rss-vs-size": "steady_rss_bytes",
    "live-heap-vs-size": "live_heap_bytes",
}
COLOURS = {"pass": "tab:green", "fail": "tab:red", "inconclusive": "tab:orange"}


def per_unit_text(value, unit):
    singular = unit[:-1] if len(unit) > 1 and unit.endswith("s") else unit
    return ("%.0f" if abs(value) >= 100 else "%.1f") % value + " B/" + singular


def main():
    parser = argparse.ArgumentParser(description="memory against work size")
    parser.add_argument("dir")
    parser.add_argument("--out", help="PNG path (default: DIR/sizes.png)")
    parser.add_argument("--quiet", action="store_true", help="do not print the PNG's path")
    args = parser.parse_args()
    try:
        with open(os.path.join(args.dir, "sizes.json"), encoding="utf-8") as f:
            data = json.load(f)
        fits = data["fits"]
        points = data["points"]
        unit = data["unit"]
    except (OSError, ValueError, KeyError) as e:
        print("plot_sizes.py: %s: %s" % (args.dir, e), file=sys.stderr)
        return 2
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_sizes.py: matplotlib is missing (apt-get install python3-matplotlib)", file=sys.stderr)
        return 3

    fits = [f for f in fits if f["id"] in MEASURES]
    if not fits:
        print("plot_sizes.py: %s: no fitted measure" % args.dir, file=sys.stderr)
        return 2
    fig, axes = plt.subplots(1, len(fits), figsize=(5.2 * len(fits), 4.4), squeeze=False)
    sizes = [p["size"] for p in points]
    lo, hi = (min(sizes), max(sizes)) if sizes else (0, 1)
    for ax, fit in zip(axes[0], fits):
        key = MEASURES[fit["id"]]
        xs = [p["size"] for p in points if p.get(key) is not None and not p.get("problem")]
        ys = [p[key] / MIB for p in points if p.get(key) is not None and not p.get("problem")]
        colour = COLOURS.get(fit["outcome"], "tab:gray")
        ax.scatter(xs, ys, color="black", zorder=3, label="runs")
        if "per_unit_bytes" in fit:
            slope, intercept = fit["per_unit_bytes"], fit["intercept_bytes"]
            line = [(intercept + slope * x) / MIB for x in (lo, hi)]
            ax.plot([lo, hi], line, color=colour, linewidth=2,
                    label="fit %s (CI %s to %s)" % (per_unit_text(slope, unit),
                                                    per_unit_text(fit["per_unit_low_bytes"], unit),
                                                    per_unit_text(fit["per_unit_high_bytes"], unit)))
            tol = fit["tolerance_per_unit_bytes"]
            start = intercept + slope * lo
            ax.plot([lo, hi], [start / MIB, (start + tol * (hi - lo)) / MIB], color="tab:gray", linestyle="--",
                    label="tolerance %s" % per_unit_text(tol, unit))
        ax.set_title("%s: %s" % (fit["measure"], fit["outcome"].upper()), color=colour)
        ax.set_xlabel("work size (%s)" % unit)
        ax.set_ylabel("MiB")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("Memory against work size: %s" % data["verdict"]["outcome"].upper(), fontsize=12)
    fig.tight_layout()
    out = args.out or os.path.join(args.dir, "sizes.png")
    fig.savefig(out, dpi=100)
    if not args.quiet:
        print(out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
