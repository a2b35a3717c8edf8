#!/usr/bin/python3
"""The side-by-side benchmark's parsers (peers.py) on each tool's output, as the tools
print it (heaptrack 1.4, valgrind 3.19, GNU time 1.9, memgate). Fast: runs no tool."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

TIME_V = """\tCommand being timed: "churn_spike_leak 3000000"
\tMaximum resident set size (kbytes): 124912
\tAverage resident set size (kbytes): 0
"""

HEAPTRACK = """total runtime: 6.262000s.
calls to allocation functions: 1003911 (160317/s)
peak heap memory consumption: 119.92M
peak RSS (including heaptrack overhead): 123.54M
"""

MASSIF = """snapshot=3
#-----------
time=6476561
mem_heap_B=13000000
mem_heap_extra_B=500000
mem_stacks_B=0
heap_tree=empty
#-----------
snapshot=4
#-----------
time=7000000
mem_heap_B=117000000
mem_heap_extra_B=1000000
mem_stacks_B=0
heap_tree=peak
"""

MEMGATE_SUMMARY = """memgate: INCONCLUSIVE (exit 2)
  [pass] oom-kills: the kernel OOM-killed no process of the target
  heap attribution: the sampled live heap went from 20.0 MiB to 34.0 MiB (+49.16 GiB/h) between t=1s and t=2s
    grows +29.85 GiB/h  new_allocator.h:137 (consume)  (61 % of the heap growth)
    grows +14.05 GiB/h  spatial.cc:78 (pipelines::SpatialChecker::check)  (29 % of the heap growth)
  note: 4 sample ticks were missed (sampling slower than --hz)
  Python heap growth by call site, t=6.3s to 24.6s:
     58 %  149.3 MiB/h  py_pipeline.py:72 (consume)
  report: r1/report.json
"""


class Parsers(unittest.TestCase):
    def test_time_v_max_rss_in_bytes(self):
        self.assertEqual(peers.time_v_max_rss(TIME_V), 124912 * 1024)
        self.assertIsNone(peers.time_v_max_rss("Command exited with non-zero status 1"))

    def test_heaptrack_peak_heap_uses_decimal_units(self):
        self.assertAlmostEqual(peers.heaptrack_peak_heap(HEAPTRACK), 119.92e6)
        self.assertIsNone(peers.heaptrack_peak_heap("reading file failed"))

    def test_massif_peak_is_the_largest_heap_plus_extra(self):
        self.assertEqual(peers.massif_peak(MASSIF), 118000000)
        self.assertIsNone(peers.massif_peak(""))

    def test_poller_peak(self):
        self.assertEqual(peers.poller_peak("0.000 0.0 1000\n0.100 99.0 2000\npeak_rss_bytes 2000\n"), 2000)

    def test_memgate_peak_prefers_ebpf_then_proc(self):
        self.assertEqual(peers.memgate_peak({"peaks": {"tree": {"ebpf_peak_bytes": 7, "proc_rss_peak_bytes": 5}}}), 7)
        self.assertEqual(peers.memgate_peak({"peaks": {"tree": {"ebpf_peak_bytes": None, "proc_rss_peak_bytes": 5}}}),
                         5)
        self.assertIsNone(peers.memgate_peak({}))

    def test_attribution_lines_keep_only_the_attribution_blocks(self):
        lines = peers.attribution_lines(MEMGATE_SUMMARY)
        self.assertIn("SpatialChecker::check", lines)
        self.assertIn("py_pipeline.py:72", lines)
        self.assertNotIn("oom-kills", lines)
        self.assertNotIn("sample ticks", lines)
        self.assertNotIn("report.json", lines)

    def test_last_json_field_reads_the_target_line_among_tool_noise(self):
        text = 'heaptrack output will be written to "x"\n{"ops":1,"seconds":3.5}\n==1== Massif\n{"seconds":4}\n'
        self.assertEqual(peers.last_json_field(text, "seconds"), 4)
        self.assertIsNone(peers.last_json_field(text, "elapsed_s"))

    def test_median_range(self):
        self.assertEqual(peers.median_range([3.0, 1.0, 2.0, None]), (2.0, 1.0, 3.0))
        self.assertIsNone(peers.median_range([None]))

    def test_python_target_is_the_interpreter_not_a_wrapper_naming_it(self):
        wl = peers.Workload("py", [], None, "python3", "seconds", "", False)
        self.assertTrue(wl.is_target(["/usr/bin/python3", "/x/py_pipeline.py", "--records", "5"]))
        self.assertFalse(wl.is_target(["/usr/bin/python3", "/x/peers_poller.py", "log", "10", "/usr/bin/python3",
                                       "/x/py_pipeline.py"]))
        native = peers.Workload("c", [], None, "churn_spike_leak", "seconds", "", True)
        self.assertTrue(native.is_target(["/b/churn_spike_leak", "3000000"]))
        self.assertFalse(native.is_target(["valgrind", "--tool=massif", "/b/churn_spike_leak"]))


if __name__ == "__main__":
    unittest.main()
