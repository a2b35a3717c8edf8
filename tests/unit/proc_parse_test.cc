// The /proc parsers against real files captured on a Debian 12 / kernel 6.18 machine.
#include "sys/proc_parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace memgate::sys {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(MEMGATE_FIXTURES) + "/proc/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ParseStatus, ReadsMemoryFieldsInBytes) {
  // python_status.txt: a python3 holding 50 MiB touched, 4 threads.
  const auto s = parse_status(fixture("python_status.txt"));
  EXPECT_EQ(s.name, "python3");
  EXPECT_TRUE(s.has_rss);
  EXPECT_EQ(s.rss_bytes, 64836ull * 1024);
  EXPECT_EQ(s.hwm_bytes, 64836ull * 1024);
  EXPECT_EQ(s.rss_anon_bytes, 58140ull * 1024);
  EXPECT_EQ(s.rss_anon_bytes + s.rss_file_bytes + s.rss_shmem_bytes, s.rss_bytes);
  EXPECT_EQ(s.threads, 4u);
  EXPECT_EQ(s.swap_bytes, 0u);
}

TEST(ParseStatus, KernelThreadHasNoRss) {
  const auto s = parse_status(fixture("kthread_status.txt"));
  EXPECT_FALSE(s.has_rss);
  EXPECT_EQ(s.rss_bytes, 0u);
  EXPECT_EQ(s.threads, 1u);
}

TEST(ParseStat, ReadsFaultsTimesAndParent) {
  const auto s = parse_stat(fixture("python_stat.txt"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "python3");
  EXPECT_EQ(s->state, 'R');
  EXPECT_EQ(s->ppid, 4572);
  EXPECT_EQ(s->minflt, 15667u);
  EXPECT_EQ(s->cminflt, 6524u);
  EXPECT_EQ(s->majflt, 4u);
  EXPECT_EQ(s->cmajflt, 1u);
  EXPECT_EQ(s->utime_ticks, 6u);
  EXPECT_EQ(s->stime_ticks, 3u);
  EXPECT_EQ(s->cutime_ticks, 3u);
  EXPECT_EQ(s->cstime_ticks, 3u);
  EXPECT_EQ(s->num_threads, 4u);
  EXPECT_EQ(s->starttime_ticks, 43154u);
}

TEST(ParseStat, ReadsTheGroupAndAZombiesWaitStatus) {
  const auto live = parse_stat(fixture("python_stat.txt"));
  ASSERT_TRUE(live);
  EXPECT_GT(live->pgrp, 0);
  EXPECT_EQ(live->exit_code, 0);
  // A zombie killed by SIGSEGV with a core dump: field 52 is the wait status (139).
  std::string zombie =
      "4711 (crasher) Z 4700 4700 4700 0 -1 4228 0 0 0 0 0 0 0 0 20 0 1 0 900 0 0 "
      "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 139\n";
  const auto z = parse_stat(zombie);
  ASSERT_TRUE(z);
  EXPECT_EQ(z->state, 'Z');
  EXPECT_EQ(z->pgrp, 4700);
  EXPECT_EQ(z->starttime_ticks, 900u);
  EXPECT_EQ(z->exit_code, 139);
}

TEST(ParseStat, CommWithSpacesAndParentheses) {
  const auto s = parse_stat(fixture("weird_comm_stat.txt"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "we ird) (x");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 4572);
  EXPECT_EQ(s->minflt, 138u);
}

TEST(ParseStat, TruncatedLineIsRejected) {
  EXPECT_FALSE(parse_stat("123 (x) S 1 2 3"));
  EXPECT_FALSE(parse_stat(""));
  EXPECT_FALSE(parse_stat("garbage without parens"));
}

TEST(ParseSmapsRollup, ReadsPss) {
  const auto s = parse_smaps_rollup(fixture("python_smaps_rollup.txt"));
  EXPECT_EQ(s.pss_bytes, 63661ull * 1024);
  EXPECT_EQ(s.pss_anon_bytes, 58140ull * 1024);
  EXPECT_EQ(s.pss_file_bytes, 5521ull * 1024);
  EXPECT_EQ(s.pss_anon_bytes + s.pss_file_bytes + s.pss_shmem_bytes, s.pss_bytes);
  EXPECT_GE(s.rss_bytes, s.pss_bytes);
}

TEST(KbField, AbsentKeyIsNullopt) {
  EXPECT_FALSE(kb_field_bytes("VmRSS: 10 kB\n", "VmHWM"));
  EXPECT_EQ(kb_field_bytes("VmRSS:\t  10 kB\n", "VmRSS"), 10240u);
}

}  // namespace
}  // namespace memgate::sys
