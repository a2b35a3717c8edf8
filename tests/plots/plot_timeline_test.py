#!/usr/bin/python3
"""reports/plot_timeline.py on a compressed 24-hour soak: the day on the top axis, 24
phases shaded with at most 8 labels, the offered rate, the plateau check drawn, and the
eBPF tree peak never below the polled RSS (a run recorded with the kernel's batched sum
100 KiB below it). Usage: plot_timeline_test.py REPORTS_DIR"""
import csv
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

REPORTS = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../reports")
SCRIPT = os.path.join(REPORTS, "plot_timeline.py")
spec = importlib.util.spec_from_file_location("plot_timeline", SCRIPT)
plot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot)

MIB = 1024 * 1024
SCALE = 720.0


def soak_run(directory):
    """120 s of a 720x soak: 5 s per soak hour, RSS flat at 4 MiB, eBPF 100 KiB below it."""
    with open(os.path.join(directory, "samples.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_s", "scenario_t_s", "phase", "processes", "rss_bytes", "fds", "threads",
                    "ebpf_rss_interval_peak_bytes"])
        for i in range(121):
            rss = 4 * MIB
            w.writerow([i, i * SCALE, f"soak hour {min(i // 5, 23) + 1}", 1, rss, 6, 2, rss - 100 * 1024])
    report = {
        "run": {"command": ["window_aggregate"], "scenario": {"time_scale": SCALE}},
        "samplers": {"traffic": {"phases": [{"phase": f"soak hour {h}", "offered": 5000 + 100 * h}
                                            for h in range(1, 25)]}},
        "peaks": {"tree": {"ebpf_peak_bytes": 4 * MIB - 100 * 1024, "fork_copy_bytes": 0}},
        "checks": [{"id": "rss-plateau", "outcome": "pass", "summary": "",
                    "figures": {"warmup_s": {"value": 10, "unit": "s"}, "steady": {"value": 4 * MIB, "unit": "bytes"},
                                "slope_per_h": {"value": 0.5 * MIB, "unit": "bytes/h"},
                                "tolerance_per_h": {"value": 1 * MIB, "unit": "bytes/h"}}}],
        "verdict": {"outcome": "pass", "reason": "all checks passed"},
    }
    with open(os.path.join(directory, "report.json"), "w") as f:
        json.dump(report, f)
    return report


class PlotTimeline(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="memgate-plot-")
        self.report = soak_run(self.dir)
        self.s = plot.read_samples(os.path.join(self.dir, "samples.csv"))

    def test_phases_are_the_24_soak_hours_labelled_sparsely(self):
        segments = plot.phase_segments(self.s["t_s"], self.s["phase"])
        self.assertEqual(len(segments), 24)
        self.assertEqual(segments[0][:2], ("soak hour 1", 0.0))
        self.assertEqual(segments[1][1], 5.0)
        labelled = plot.labelled_phases(len(segments))
        self.assertLessEqual(len(labelled), plot.MAX_PHASE_LABELS)
        self.assertIn(0, labelled)
        self.assertEqual(plot.labelled_phases(3), {0, 1, 2})

    def test_scenario_clock(self):
        self.assertEqual(plot.time_scale_of(self.report, self.s), SCALE)
        self.assertAlmostEqual(plot.time_scale_of({}, self.s), SCALE)

    def test_ebpf_peak_never_below_the_polled_rss(self):
        peaks = plot.ebpf_tick_peaks(self.s)
        self.assertEqual(len(peaks), 121)
        for (_, value), rss in zip(peaks, self.s["rss_bytes"]):
            self.assertGreaterEqual(value, rss)

    def test_plateau_and_axis_drawn(self):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        plot.draw_plateau(ax, plot.plateau_check(self.report), 120.0, SCALE)
        labels = [line.get_label() for line in ax.get_lines()]
        self.assertTrue(any(label.startswith("warm-up cut 10 s") for label in labels), labels)
        fitted = [line for line in ax.get_lines() if line.get_label().startswith("fitted slope")]
        self.assertEqual(len(fitted), 1, labels)
        self.assertIn("+0.50 MiB/h", fitted[0].get_label())
        self.assertIn("per scenario h", fitted[0].get_label())
        xs, ys = fitted[0].get_data()
        self.assertEqual(list(xs), [10.0, 120.0])
        # Through the steady level at the window's middle, rising 0.5 MiB per wall hour.
        self.assertAlmostEqual((ys[0] + ys[1]) / 2, 4.0)
        self.assertAlmostEqual(ys[1] - ys[0], 0.5 * 110 / 3600)
        self.assertEqual(len(ax.collections), 1)  # the tolerance band
        plot.add_scenario_axis(ax, SCALE, 120.0)
        fig.canvas.draw()
        tops = [child for child in ax.get_children() if child.__class__.__name__ == "SecondaryAxis"]
        self.assertEqual(len(tops), 1)
        self.assertIn("hour of the day", tops[0].get_xlabel())
        plt.close(fig)

    def test_whole_plot_is_written(self):
        out = os.path.join(self.dir, "timeline.png")
        done = subprocess.run(["/usr/bin/python3", SCRIPT, self.dir, "--quiet"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertGreater(os.path.getsize(out), 20000)


if __name__ == "__main__":
    unittest.main()
