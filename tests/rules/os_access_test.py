#!/usr/bin/python3
"""The OS-access scanner (os_access.py) on planted source trees: it fails on each kind of
violation, names FILE:LINE and the rule, and leaves sys/, comments, strings, member
functions and the allowed streaming readers alone."""

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import os_access  # noqa: E402


class PlantedTree:
    def __init__(self, files):
        self.dir = tempfile.TemporaryDirectory()
        for top in os_access.SCANNED:
            os.makedirs(os.path.join(self.dir.name, top), exist_ok=True)
        for rel, text in files.items():
            path = os.path.join(self.dir.name, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)

    def run(self):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                code = os_access.main(["os_access.py", self.dir.name])
        finally:
            self.dir.cleanup()
        return code, out.getvalue()


VIOLATIONS = """\
#include <fstream>
void f() {
  int fd = ::open("x", 0);
  std::ifstream in("meta.json");
  FILE* f = fopen("a", "r");
  std::signal(SIGINT, handler);
  FILE* p = popen("ls", "r");
  system("rm -rf /tmp/x");
  std::ofstream out(path);
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
}
"""


class OsAccessScannerTest(unittest.TestCase):
    def test_every_planted_violation_fails_with_file_line_and_the_rule(self):
        code, out = PlantedTree({"harness/src/load/planted.cc": VIOLATIONS}).run()
        self.assertEqual(code, 1, out)
        for line, token in [(3, "::open"), (4, "std::ifstream"), (5, "fopen"), (6, "signal"), (7, "popen"),
                            (8, "system"), (9, "std::ofstream"), (10, "::clock_gettime")]:
            self.assertIn(f"harness/src/load/planted.cc:{line}: ", out)
            self.assertIn(f"{token} outside harness/src/sys/", out)
        self.assertIn("Only harness/src/sys/ touches the operating system", out)
        self.assertIn("8 operating-system accesses", out)

    def test_cli_files_are_scanned_too(self):
        code, out = PlantedTree({"harness/cli/cmd_x.cc": "int main() { ::kill(1, 0); }\n"}).run()
        self.assertEqual(code, 1, out)
        self.assertIn("harness/cli/cmd_x.cc:1: system call ::kill", out)

    def test_sys_may_touch_the_os(self):
        code, out = PlantedTree({"harness/src/sys/fs.cc": VIOLATIONS}).run()
        self.assertEqual(code, 0, out)

    def test_comments_strings_and_member_functions_are_not_violations(self):
        clean = """\
// ::open(path) is what sys/fs.cc does; std::ifstream is not used here
/* fopen("x") */
void FdTransport::close() { writer_.close(); }
std::size_t TraceWriter::write(double t) { return out.write(t); }
const char* help = "stat(/proc/PID/fd).st_size, ::kill(pid, 0), system(\\"x\\")";
auto r = R"(::open( std::ofstream )";
constexpr long n = 1'000'000; char c = '(';
bool ok = sys::is_readable(p) && ebpf::open(x) && obj->read(buf);
"""
        code, out = PlantedTree({"harness/src/run/clean.cc": clean}).run()
        self.assertEqual(code, 0, out)

    def test_the_allow_list_admits_only_the_named_findings(self):
        allowed = 'std::ifstream in_;\nstd::ofstream out_;\n'
        code, out = PlantedTree({"harness/src/load/trace.h": allowed}).run()
        self.assertEqual(code, 0, out)
        code, out = PlantedTree({"harness/src/load/trace.h": allowed + "int x = ::open(p, 0);\n"}).run()
        self.assertEqual(code, 1, out)
        self.assertIn("harness/src/load/trace.h:3: system call ::open", out)

    def test_an_allow_list_entry_nothing_uses_is_named(self):
        code, out = PlantedTree({"harness/src/load/trace.h": "std::ifstream in_;\n"}).run()
        self.assertEqual(code, 0, out)
        self.assertIn("allow-list entry harness/src/load/trace.h: std::ofstream matched nothing", out)
        self.assertNotIn("trace.h: std::ifstream matched nothing", out)

    def test_a_directory_that_is_not_a_checkout_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as empty:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(os_access.main(["os_access.py", empty]), 3)
            self.assertIn("give the memgate checkout", err.getvalue())


if __name__ == "__main__":
    unittest.main(verbosity=2)
