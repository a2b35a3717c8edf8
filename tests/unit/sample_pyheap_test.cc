// Which targets get the Python hook, and the environment and limits parsers beside it.
#include <gtest/gtest.h>

#include "sample/descriptor_sampler.h"
#include "sample/pyheap_control.h"
#include "sys/fd_snapshot.h"

namespace memgate {
namespace {

TEST(PythonTarget, InterpretersByName) {
  for (const char* p :
       {"python", "python3", "/usr/bin/python3.11", "python3.11d", "python3-dbg", "/opt/py/bin/python3"})
    EXPECT_TRUE(sample::is_python_program(p, "")) << p;
  for (const char* p : {"pythonista", "/usr/bin/ipython3", "bash", "python-config", "./my_python"})
    EXPECT_FALSE(sample::is_python_program(p, "")) << p;
}

TEST(PythonTarget, ScriptsByShebang) {
  EXPECT_TRUE(sample::is_python_program("./ingest", "#!/usr/bin/env python3\nimport sys\n"));
  EXPECT_TRUE(sample::is_python_program("./ingest", "#!/usr/bin/python3 -u\n"));
  EXPECT_TRUE(sample::is_python_program("./ingest", "#!/usr/bin/env -S python3 -X dev\n"));
  EXPECT_TRUE(sample::is_python_program("./ingest", "#! /usr/local/bin/python3.12\r\n"));
  EXPECT_FALSE(sample::is_python_program("./run.sh", "#!/bin/sh\nexec python3 x.py\n"));
  EXPECT_FALSE(sample::is_python_program("./a.out",
                                         "\x7f"
                                         "ELF"));
  EXPECT_FALSE(sample::is_python_program("./x", "import sys  # no shebang\n"));
}

TEST(PythonTarget, HookGoesFirstOnPythonpath) {
  EXPECT_EQ(sample::pythonpath_with_hook("/h", ""), "/h");
  EXPECT_EQ(sample::pythonpath_with_hook("/h", "/a:/b"), "/h:/a:/b");
}

TEST(SnapshotSchedule, DenseFirstThenSparser) {
  EXPECT_EQ(sample::next_fd_snapshot_s(-1), 1);
  EXPECT_EQ(sample::next_fd_snapshot_s(5), 7);
  EXPECT_EQ(sample::next_fd_snapshot_s(100), 110);
  EXPECT_EQ(sample::next_fd_snapshot_s(3600), 3660);
}

TEST(NofileLimit, ParsesProcLimits) {
  const std::string text =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 1048576              files     \n"
      "Max locked memory         8388608              8388608              bytes     \n";
  const auto l = sys::parse_nofile_limit(text);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->soft, 1024u);
  EXPECT_EQ(l->hard, 1048576u);
  const auto u = sys::parse_nofile_limit("Max open files            unlimited            unlimited            files\n");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->soft);
  EXPECT_FALSE(sys::parse_nofile_limit("Max cpu time unlimited unlimited seconds\n"));
  EXPECT_FALSE(sys::parse_nofile_limit("Max open files            lots                 1                    files\n"));
}

}  // namespace
}  // namespace memgate
