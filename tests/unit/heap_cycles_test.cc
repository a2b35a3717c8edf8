// --attribute on a run with cycles: each site's level at each cycle's quiet point and
// what it keeps per cycle (analyze/heap_cycles.h).
#include <gtest/gtest.h>

#include <cmath>

#include "analyze/heap_cycles.h"

namespace memgate::analyze {
namespace {

TEST(HeapCycles, ReadsTheQuietCycleOfASnapshotLabel) {
  EXPECT_EQ(quiet_cycle_of("phase:cycle 3 drain->cycle 3 quiet"), 3u);
  EXPECT_EQ(quiet_cycle_of("phase:cycle 3 quiet->cycle 4"), 3u);
  EXPECT_EQ(quiet_cycle_of("phase:cycle 12 quiet->end"), 12u);
  EXPECT_EQ(quiet_cycle_of("phase:cycle 3->cycle 3 drain"), 0u);
  EXPECT_EQ(quiet_cycle_of("phase:burst->recovery"), 0u);
  EXPECT_EQ(quiet_cycle_of("periodic"), 0u);
  EXPECT_EQ(quiet_cycle_of("cycle 3 quiet"), 0u);  // not a phase change
}

// Two snapshots per quiet phase (entering and leaving it), one in each load phase.
CycleGrowthInput cycles_input(std::size_t cycles) {
  CycleGrowthInput in;
  in.mean_bytes = 1000;
  for (std::size_t c = 1; c <= cycles; ++c) {
    in.quiet_cycle.push_back(0);  // load
    in.quiet_cycle.push_back(c);  // drain->quiet
    in.quiet_cycle.push_back(c);  // quiet->next
    const double k = static_cast<double>(c);
    auto& leak = in.site_bytes["leak.cc:10 (keep)"];
    auto& burst = in.site_bytes["burst.cc:20 (buffer)"];
    auto& slow = in.site_bytes["slow.cc:30 (index)"];
    // The leak keeps 50 KB a cycle; the second quiet snapshot holds 30 KB of the next
    // cycle's records, which the level (the smaller) leaves out.
    leak.insert(leak.end(), {50e3 * k + 40e3, 50e3 * k, 50e3 * k + 30e3});
    burst.insert(burst.end(), {900e3, 0, 5e3});            // the load's buffer, returned each cycle
    slow.insert(slow.end(), {100 * k, 100 * k, 100 * k});  // 100 B a cycle: below the sampling mean
  }
  return in;
}

TEST(HeapCycles, NamesTheSiteThatKeepsMemoryEveryCycle) {
  const auto a = attribute_cycles(cycles_input(6));
  ASSERT_TRUE(a.reason.empty()) << a.reason;
  EXPECT_EQ(a.cycles, 6u);
  EXPECT_EQ(a.judged_cycles, 5u);  // one warm-up cycle
  ASSERT_EQ(a.growing.size(), 1u);
  EXPECT_EQ(a.growing[0].site, "leak.cc:10 (keep)");
  EXPECT_NEAR(a.growing[0].bytes_per_cycle, 50e3, 1);
  ASSERT_EQ(a.growing[0].levels.size(), 6u);
  EXPECT_DOUBLE_EQ(a.growing[0].levels[2], 150e3);  // the quiet point of cycle 3
  ASSERT_TRUE(a.growing[0].share_of_growth.has_value());
  EXPECT_NEAR(*a.growing[0].share_of_growth, 1.0, 0.01);
  EXPECT_NEAR(a.heap_bytes_per_cycle, 50e3 + 100, 1);
  EXPECT_EQ(cycle_growth_sentence(a), "100 % of the heap kept per cycle (48.8 KiB/cycle) at leak.cc:10 (keep)");
}

TEST(HeapCycles, SaysWhyWithoutEnoughCycles) {
  CycleGrowthInput none;
  none.quiet_cycle = {0, 0};
  none.site_bytes["a"] = {1, 2};
  EXPECT_FALSE(attribute_cycles(none).reason.empty());
  const auto two = attribute_cycles(cycles_input(2));  // one judged cycle after the warm-up
  EXPECT_NE(two.reason.find("fewer than two cycles"), std::string::npos) << two.reason;
  EXPECT_TRUE(cycle_growth_sentence(two).empty());
}

TEST(HeapCycles, ACycleWithoutAQuietSnapshotIsLeftOut) {
  CycleGrowthInput in = cycles_input(5);
  // Cycle 3's quiet snapshots were never taken (a phase change missed).
  for (std::size_t i = 0; i < in.quiet_cycle.size(); ++i)
    if (in.quiet_cycle[i] == 3) in.quiet_cycle[i] = 0;
  const auto a = attribute_cycles(in);
  ASSERT_EQ(a.growing.size(), 1u);
  EXPECT_TRUE(std::isnan(a.growing[0].levels[2]));
  EXPECT_EQ(a.judged_cycles, 3u);
  EXPECT_NEAR(a.growing[0].bytes_per_cycle, 50e3, 1);
}

}  // namespace
}  // namespace memgate::analyze
