// --attribute's pure parts: the snapshot and symbol file formats, the maps parser, and
// the growth attribution over snapshots.
#include <gtest/gtest.h>

#include "analyze/heap_growth.h"
#include "analyze/heap_snapshot.h"
#include "memgate/error.h"

namespace memgate::analyze {
namespace {

TEST(HeapSnapshot, RoundTripsThroughItsTextFormat) {
  HeapSnapshot s;
  s.t_s = 12.5;
  s.label = "phase:burst->recovery";
  s.mean_bytes = 524288;
  s.modules = {"/usr/bin/prog", "/usr/lib/x86_64-linux-gnu/lib c.so.6"};
  s.processes = {{42, 3, 10, 7, 1}};
  s.maps = {{42, 0x1000, 0x2000, 0x1000, "/usr/bin/prog"}};
  s.stacks = {{42, 2, 1048576, {{0, 0x1234}, {1, 0xabc}, {-1, 0x7fff0000}}}};
  const HeapSnapshot back = parse_heap_snapshot(to_text(s), "snap");
  EXPECT_DOUBLE_EQ(back.t_s, 12.5);
  EXPECT_EQ(back.label, s.label);
  EXPECT_EQ(back.modules, s.modules);  // a path with a space survives
  ASSERT_EQ(back.processes.size(), 1u);
  EXPECT_EQ(back.processes[0].dropped, 1u);
  ASSERT_EQ(back.maps.size(), 1u);
  EXPECT_EQ(back.maps[0].start, 0x1000u);
  ASSERT_EQ(back.stacks.size(), 1u);
  EXPECT_EQ(back.stacks[0].frames, s.stacks[0].frames);
  EXPECT_DOUBLE_EQ(back.stacks[0].bytes, 1048576);
}

TEST(HeapSnapshot, MalformedFilesNameTheLine) {
  EXPECT_THROW(parse_heap_snapshot("not a snapshot\n", "f"), Error);
  try {
    parse_heap_snapshot("memgate-heap-snapshot 1\nt 1\nstack 1 1 10 3+10\n", "f.txt");
    FAIL() << "a frame naming an unknown module was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f.txt:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_symbols("only\ttwo\n", "s"), Error);
}

TEST(HeapSnapshot, KeepsOnlyExecutableFileMappings) {
  const std::string maps =
      "55d0a0000000-55d0a0001000 r--p 00000000 08:01 123 /usr/bin/prog\n"
      "55d0a0001000-55d0a0005000 r-xp 00001000 08:01 123 /usr/bin/prog\n"
      "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
      "7ffd1000000-7ffd1002000 r-xp 00000000 00:00 0 [vdso]\n"
      "7f1000000000-7f1000100000 r-xp 00028000 08:01 9 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
  const auto m = parse_exec_mappings(maps, 7);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].path, "/usr/bin/prog");
  EXPECT_EQ(m[0].start, 0x55d0a0001000u);
  EXPECT_EQ(m[0].offset, 0x1000u);
  EXPECT_EQ(m[1].path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(m[1].pid, 7);
  // A line whose first field has no range (a dash only later on the line) is skipped,
  // never read past its first field (found by the jemalloc profile fuzzer).
  EXPECT_TRUE(parse_exec_mappings("7f10 r-xp 0 08:01 9 /lib/a-b.so\n", 7).empty());
}

GrowthInput three_sites() {
  GrowthInput in;
  in.t_s = {0, 10, 20, 30, 40};
  in.labels = {"periodic", "periodic", "periodic", "periodic", "end"};
  in.steady_from_s = 10;
  in.steady_to_s = 35;
  in.mean_bytes = 1000;
  in.site_bytes["leak.cc:1 (a)"] = {0, 1e6, 2e6, 3e6, 3e6};   // +2 MB over 20 s
  in.site_bytes["leak.cc:2 (b)"] = {0, 1e5, 2e5, 3e5, 0};     // +0.2 MB
  in.site_bytes["burst.cc:9 (c)"] = {5e5, 5e5, 9e6, 5e5, 0};  // rose and came back
  in.site_bytes["flat.cc:3 (d)"] = {4e5, 4e5, 4e5, 4e5, 0};
  in.rss_slope_per_h = 2.2e6 / 20 * 3600 * 1.25;  // the heap is 80 % of the RSS slope
  return in;
}

TEST(HeapGrowth, RanksGrowingSitesAndSharesTheGrowth) {
  const auto a = attribute_growth(three_sites());
  ASSERT_TRUE(a.reason.empty()) << a.reason;
  EXPECT_DOUBLE_EQ(a.early_t_s, 10);
  EXPECT_DOUBLE_EQ(a.late_t_s, 30);  // the end snapshot is never steady
  ASSERT_EQ(a.growing.size(), 2u);
  EXPECT_EQ(a.growing[0].site, "leak.cc:1 (a)");
  EXPECT_NEAR(a.growing[0].bytes_per_h, 2e6 / 20 * 3600, 1e-6);
  EXPECT_NEAR(*a.growing[0].share_of_growth, 2.0 / 2.2, 1e-9);
  EXPECT_NEAR(*a.growing[0].share_of_rss_slope, 2.0 / 2.2 * 0.8, 1e-9);
  ASSERT_EQ(a.transient.size(), 1u);
  EXPECT_EQ(a.transient[0].site, "burst.cc:9 (c)");
  EXPECT_DOUBLE_EQ(a.transient[0].peak_bytes, 9e6);
  EXPECT_EQ(growth_sentence(a), "91 % of the heap growth (343.3 MiB/h) at leak.cc:1 (a)");
}

// A burst that the last steady snapshot caught still came back before: it is listed as
// transient, not lost between the two lists (the peak equals the late level).
TEST(HeapGrowth, ABurstHeldAtTheLastSnapshotIsStillTransient) {
  GrowthInput in = three_sites();
  in.site_bytes["burst.cc:9 (c)"] = {5e5, 9e6, 5e5, 9e6, 0};
  const auto a = attribute_growth(in);
  ASSERT_EQ(a.transient.size(), 1u);
  EXPECT_EQ(a.transient[0].site, "burst.cc:9 (c)");
  EXPECT_DOUBLE_EQ(a.transient[0].came_back_bytes, 8.5e6);
  for (const auto& g : a.growing) EXPECT_NE(g.site, "burst.cc:9 (c)");
  // A site that rose once and stayed did not come back.
  in.site_bytes["burst.cc:9 (c)"] = {5e5, 5e5, 9e6, 9e6, 0};
  in.steady_to_s = 25;
  for (const auto& g : attribute_growth(in).transient) EXPECT_NE(g.site, "burst.cc:9 (c)");
}

TEST(HeapGrowth, SaysWhyWithoutTwoSteadySnapshots) {
  GrowthInput in = three_sites();
  in.steady_from_s = 31;
  EXPECT_EQ(attribute_growth(in).reason, "no two heap snapshots inside the steady window");
  in.t_s = {1};
  in.labels = {"periodic"};
  EXPECT_EQ(attribute_growth(in).reason, "fewer than two heap snapshots");
  EXPECT_EQ(growth_sentence(attribute_growth(in)), "");
}

}  // namespace
}  // namespace memgate::analyze
