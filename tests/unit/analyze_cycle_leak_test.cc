// Per-cycle leak verdicts on literal quiescent levels (analyze/cycle_leak.h).
#include "analyze/cycle_leak.h"
#include "check_figure.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace memgate::analyze {
namespace {

constexpr double kKiB = 1024, kMiB = 1024 * kKiB;

// The quiet-window levels of 12 cycles: a 100 MiB baseline, `per_cycle` kept each cycle
// from the second on, and a fixed scatter of +/- 40 KiB (a robust level is that steady).
std::vector<double> levels(double per_cycle, double scatter = 1, std::vector<double> first = {}) {
  const double offsets_kib[] = {30, -20, 10, -40, 25, 5, -15, 35, -30, 0, 20, -25};
  std::vector<double> v;
  for (int i = 0; i < 12; ++i) v.push_back(100 * kMiB + per_cycle * i + scatter * offsets_kib[i] * kKiB);
  for (std::size_t i = 0; i < first.size(); ++i) v[i] = first[i];
  return v;
}

TEST(CycleLeak, AMebibytePerCycleFailsWithItsAmountPerRecordAndPerDay) {
  const std::vector<double> v = levels(kMiB), work(12, 1000.0);
  CycleSettings s;
  s.production_units_per_s = 2000;
  const CycleAnalysis a = analyze_cycles(v, work, s);
  ASSERT_EQ(a.outcome, Outcome::fail) << a.reason;
  EXPECT_NEAR(a.per_cycle / kMiB, 1, 0.05);
  EXPECT_LT(a.per_cycle_low, a.per_cycle);
  EXPECT_GT(a.per_cycle_high, a.per_cycle);
  EXPECT_NEAR(*a.per_unit, kMiB / 1000, 0.05 * kMiB / 1000);
  EXPECT_NEAR(*a.per_day, *a.per_unit * 2000 * 86400, 1);
  EXPECT_EQ(a.warmup_cycles, 1u);
  EXPECT_EQ(a.judged, 11u);
  const CheckResult c = cycle_leak_check("rss-leak-per-cycle", "RSS", v, work, "bytes", "record", s);
  EXPECT_EQ(c.outcome, Outcome::fail);
  EXPECT_NE(c.summary.find("per record"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("at 2000 record/s"), std::string::npos) << c.summary;
  EXPECT_NEAR(figure(c, "per_cycle") / kMiB, 1, 0.05);
  EXPECT_EQ(figure(c, "work_per_cycle"), 1000);
}

TEST(CycleLeak, LevelsThatReturnEveryCyclePass) {
  const CycleAnalysis a = analyze_cycles(levels(0), {}, CycleSettings{});
  EXPECT_EQ(a.outcome, Outcome::pass);
  EXPECT_LE(a.per_cycle_high, a.tolerance_per_cycle);
  EXPECT_NEAR(a.tolerance_per_cycle, 0.001 * 100 * kMiB, 0.01 * kMiB);  // 0.1 % of the baseline
  EXPECT_FALSE(a.per_unit.has_value());
}

TEST(CycleLeak, ACacheThatFillsOverTheFirstCyclesIsWarmupNotALeak) {
  // +8, +4, +2 MiB in the first three cycles, then steady.
  const std::vector<double> v = levels(0, 1, {100 * kMiB, 108 * kMiB, 112 * kMiB, 114 * kMiB});
  std::vector<double> steady = v;
  for (std::size_t i = 4; i < steady.size(); ++i) steady[i] += 14 * kMiB;
  const CycleAnalysis a = analyze_cycles(steady, {}, CycleSettings{});
  EXPECT_GE(a.warmup_cycles, 3u);
  EXPECT_NE(a.outcome, Outcome::fail) << a.per_cycle;
  // With the warm-up forced to one cycle, the later half still vetoes a FAIL.
  CycleSettings one;
  one.warmup_cycles = 1;
  EXPECT_NE(analyze_cycles(steady, {}, one).outcome, Outcome::fail);
}

TEST(CycleLeak, ALeakHiddenInTheScatterIsInconclusiveWithTheCyclesNeeded) {
  // 200 KiB per cycle under a scatter of +/- 1 MiB.
  const CycleAnalysis a = analyze_cycles(levels(200 * kKiB, 25), {}, CycleSettings{});
  ASSERT_EQ(a.outcome, Outcome::inconclusive);
  ASSERT_TRUE(a.cycles_needed.has_value());
  EXPECT_GT(*a.cycles_needed, 12u);
}

TEST(CycleLeak, TooFewCyclesAndMissingLevelsAreInconclusiveWithAReason) {
  const std::vector<double> v = {100 * kMiB, 101 * kMiB, NAN, 103 * kMiB, NAN, 105 * kMiB};
  const CheckResult c = cycle_leak_check("rss-leak-per-cycle", "RSS", v, {}, "bytes", "record", CycleSettings{});
  EXPECT_EQ(c.outcome, Outcome::inconclusive);
  EXPECT_NE(c.summary.find("3 cycles with a quiescent level after 1 warm-up"), std::string::npos) << c.summary;
  EXPECT_NE(c.summary.find("run at least 9 cycles"), std::string::npos) << c.summary;
}

TEST(CycleLeak, ExplicitWarmupAndATolerancePerUnitOfWork) {
  const std::vector<double> v = levels(kMiB), work(12, 1000.0);
  CycleSettings s;
  s.warmup_cycles = 4;
  s.tolerance_per_unit = 2 * kKiB;  // 2 KiB per record: 2 MiB per cycle tolerated
  const CycleAnalysis a = analyze_cycles(v, work, s);
  EXPECT_EQ(a.warmup_cycles, 4u);
  EXPECT_EQ(a.judged, 8u);
  EXPECT_EQ(a.tolerance_per_cycle, 2000 * kKiB);
  EXPECT_EQ(a.outcome, Outcome::pass);
}

TEST(CycleLeak, CorrelatedLevelsAreReportedAndWidenTheInterval) {
  // 20 cycles keeping 100 KiB each under a slow swell of +/- 1 MiB (a page cache rising
  // and falling with the disk, period 16 cycles): the residuals stay on one side of the
  // line for several cycles, so the lag-1 model widens the interval.
  std::vector<double> v;
  for (int i = 0; i < 20; ++i) v.push_back(100 * kMiB + 100 * kKiB * i + kMiB * std::sin(2 * M_PI * i / 16));
  CycleSettings s;
  s.warmup_cycles = 1;
  const CycleAnalysis a = analyze_cycles(v, {}, s);
  EXPECT_GT(a.lag1, -1.0 / 19 + 2.326 / std::sqrt(19.0));  // significant at the one-sided 1 % level
  EXPECT_GT(a.variance_inflation, 1.5);
  EXPECT_NE(a.outcome, Outcome::fail);
}

}  // namespace
}  // namespace memgate::analyze
