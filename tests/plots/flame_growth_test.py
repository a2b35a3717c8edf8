#!/usr/bin/python3
"""reports/flame_growth.py: growth.collapsed cut at report.json's call sites, scaled to
bytes/h, and the page it writes loaded in headless Chromium, where d3-flame-graph must have
drawn the top growth site as the top frame of the SVG (not only embedded it in the data).
Usage: flame_growth_test.py REPORTS_DIR"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser

REPORTS = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../reports")
SCRIPT = os.path.join(REPORTS, "flame_growth.py")
spec = importlib.util.spec_from_file_location("flame_growth", SCRIPT)
flame = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flame)

CHROMIUM = "/usr/bin/chromium"
TOP = "leak_sites.cc:39 (leak_geometries)"
COLLAPSED = """_start;__libc_start_main;main;leak_geometries;malloc 10485760
_start;__libc_start_main;main;leak_cache;calloc 7340032
_start;__libc_start_main;main;leak_cache;helper;calloc 1048576
_start;__libc_start_main;main;std::vector<int, std::allocator<int> >::push_back;operator new;malloc 65536
"""
REPORT = {"run": {"command": ["leak_sites", "--seconds", "24"]},
          "attribution": {"native": {"early": {"t_s": 6.0}, "late": {"t_s": 18.0},
                                     "growing": [{"site": TOP, "bytes_per_h": 3.1e9, "share_of_growth": 0.55},
                                                 {"site": "leak_sites.cc:44 (leak_cache)", "bytes_per_h": 2.1e9,
                                                  "share_of_growth": 0.38}]}}}


def run_dir(collapsed=COLLAPSED, report=REPORT):
    directory = tempfile.mkdtemp(prefix="memgate-flame-")
    with open(os.path.join(directory, "growth.collapsed"), "w") as f:
        f.write(collapsed)
    with open(os.path.join(directory, "report.json"), "w") as f:
        json.dump(report, f)
    return directory


class Frames(HTMLParser):
    """The flame graph's frames as drawn: (label text, y of the frame's <g>) inside the <svg>."""

    def __init__(self):
        super().__init__()
        self.in_svg = 0
        self.y = []
        self.label = None
        self.frames = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self.in_svg += 1
        if self.in_svg and tag == "g":
            match = re.search(r"translate\(([-\d.e]+),\s*([-\d.e]+)\)", attrs.get("transform", ""))
            self.y.append(float(match.group(2)) if match else None)
        if self.in_svg and tag == "div" and "d3-flame-graph-label" in (attrs.get("class") or ""):
            self.label = ""

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg -= 1
        if tag == "div" and self.label is not None:
            self.frames.append((self.label, self.y[-1] if self.y else None))
            self.label = None

    def handle_data(self, data):
        if self.label is not None:
            self.label += data


class FlameGrowth(unittest.TestCase):
    def test_parse_rejects_a_line_without_a_count(self):
        with self.assertRaises(SystemExit) as raised:
            flame.parse_collapsed("main;leak 12\nmain;oops\n")
        self.assertEqual(raised.exception.code, 2)

    def test_frames_with_spaces_keep_them(self):
        stacks = flame.parse_collapsed("main;std::vector<int, std::allocator<int> >::push_back 7\n")
        self.assertEqual(stacks, [(["main", "std::vector<int, std::allocator<int> >::push_back"], 7)])

    def test_stacks_end_at_their_call_site_named_as_the_report_names_it(self):
        names = flame.site_names([TOP, "leak_sites.cc:44 (leak_cache)", "leak_sites.cc:47 (leak_cache)",
                                  "libx.so+0x1f0"])
        self.assertEqual(names["leak_geometries"], TOP)
        self.assertEqual(names["leak_cache"], "leak_cache (leak_sites.cc:44, leak_sites.cc:47)")
        self.assertEqual(names["libx.so+0x1f0"], "libx.so+0x1f0")
        cut = flame.at_call_sites(flame.parse_collapsed(COLLAPSED), names)
        self.assertEqual(cut[0][0], ["_start", "__libc_start_main", "main", TOP])
        # the innermost named frame: helper is no site, so leak_cache is cut there
        self.assertEqual(cut[2][0][-1], names["leak_cache"])
        # a stack through no named site keeps every frame
        self.assertEqual(cut[3][0][-1], "malloc")

    def test_values_are_bytes_per_hour_and_parents_are_totals(self):
        root = flame.tree([(["main", "a"], 100), (["main", "b"], 50)], 3600 / 12)
        self.assertEqual(root["value"], 150 * 300)
        main = root["children"][0]
        self.assertEqual(main["value"], 150 * 300)
        self.assertEqual([c["value"] for c in main["children"]], [100 * 300, 50 * 300])
        # the largest growth comes first (leftmost), whatever the input order
        swapped = flame.tree([(["main", "b"], 50), (["main", "a"], 100)], 1)
        self.assertEqual([c["name"] for c in swapped["children"][0]["children"]], ["a", "b"])

    def test_script_breakout_is_escaped(self):
        self.assertNotIn("</script", flame.script_json({"name": "</script><b>x"}))

    def test_a_missing_library_is_one_line_and_exit_3(self):
        bare = tempfile.mkdtemp(prefix="memgate-flame-bare-")
        shutil.copy(SCRIPT, bare)
        result = subprocess.run([sys.executable, os.path.join(bare, "flame_growth.py"), run_dir()],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertIn("npm ci", result.stderr)

    def test_chromium_draws_the_top_growth_site_as_the_top_frame(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium (ci/setup)")
        directory = run_dir()
        subprocess.run([sys.executable, SCRIPT, directory, "--quiet"], check=True)
        page = os.path.join(directory, "growth.html")
        with open(page) as f:
            source = f.read()
        # Self-contained: nothing is fetched from the network or the disk.
        self.assertIsNone(re.search(r"<(script|link)[^>]*\b(src|href)=", source))
        self.assertIn("run " + os.path.basename(directory), source)
        profile = tempfile.mkdtemp(prefix="memgate-chromium-")
        result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                 f"--user-data-dir={profile}", "--window-size=1400,700",
                                 "--virtual-time-budget=5000", "--dump-dom", "file://" + page],
                                capture_output=True, text=True, timeout=120)
        shutil.rmtree(profile, ignore_errors=True)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        frames = Frames()
        frames.feed(result.stdout)
        self.assertTrue(frames.frames, "no frame drawn in the SVG: " + result.stdout[-2000:])
        drawn = {label.split("  +")[0]: (label, y) for label, y in frames.frames}
        self.assertIn(TOP, drawn, frames.frames)
        label, y = drawn[TOP]
        # 10 MiB over 12 s is 3.0 GiB/h
        self.assertEqual(label, TOP + "  +2.9 GiB/h")
        # the call site is the top frame of its stack: above main (SVG y grows downwards)
        self.assertLess(y, drawn["main"][1])
        # the allocator's frame above the site is left out; the stack without a site keeps it
        self.assertEqual(sum(1 for label, _ in frames.frames if label.split("  +")[0] == "malloc"), 1)


if __name__ == "__main__":
    unittest.main()
