#include "analyze/budget.h"

#include <gtest/gtest.h>

#include <cmath>

namespace memgate::analyze {
namespace {

RunSummary summary_with_rss(double rss_peak, double hwm_peak) {
  RunSummary s;
  s.rss.samples = 10;
  s.rss.max = rss_peak;
  s.rss.max_at_s = 3;
  s.hwm_max.samples = 10;
  s.hwm_max.max = hwm_peak;
  s.hwm_max.max_at_s = 4;
  return s;
}

TEST(Budget, NoLimitsNoChecks) { EXPECT_TRUE(budget_checks({}, summary_with_rss(1, 1)).empty()); }

TEST(Budget, RssWithinLimitPasses) {
  BudgetLimits limits;
  limits.max_rss_bytes = 100;
  const auto checks = budget_checks(limits, summary_with_rss(90, 80));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].id, "rss-budget");
  EXPECT_EQ(checks[0].outcome, Outcome::pass);
}

TEST(Budget, SpikeBetweenPollsSeenThroughHwmFails) {
  BudgetLimits limits;
  limits.max_rss_bytes = 100;
  const auto checks = budget_checks(limits, summary_with_rss(90, 150));
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  EXPECT_EQ(checks[0].figures[0].value, 150);
}

TEST(Budget, ExactTreePeakOverTheLimitFailsWhatPollingMissed) {
  BudgetLimits limits;
  limits.max_rss_bytes = 100;
  const auto checks = budget_checks(limits, summary_with_rss(40, 30), 150.0);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  EXPECT_EQ(checks[0].figures[0].value, 150);
  EXPECT_NE(checks[0].summary.find("eBPF"), std::string::npos) << checks[0].summary;
  // Below the polled peak, the exact figure changes nothing.
  const auto within = budget_checks(limits, summary_with_rss(90, 80), 85.0);
  EXPECT_EQ(within[0].outcome, Outcome::pass);
  EXPECT_EQ(within[0].figures[0].value, 90);
}

TEST(Budget, NeverMeasuredIsInconclusive) {
  BudgetLimits limits;
  limits.max_pss_bytes = 100;
  limits.max_fds = 10;
  RunSummary s;  // no samples at all
  const auto checks = budget_checks(limits, s);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].outcome, Outcome::inconclusive);
  EXPECT_EQ(checks[1].outcome, Outcome::inconclusive);
}

// The leaking target of the issue: --max-rss 9.5M, crossed at t=20.1 s, peak at 40.1 s.
TEST(BudgetCrossings, FirstSampleOverEachBudgetIsKeptAndSaidInTheMessage) {
  BudgetLimits limits;
  limits.max_rss_bytes = 9'961'472;  // 9.5 MiB
  limits.max_fds = 10;
  BudgetCrossings crossings(limits);
  RunSummary s;
  for (int i = 0; i <= 401; ++i) {
    const double t = 0.1 * i;
    const double rss = 5'000'000 + 247'500 * t;  // 9,920,000 at 20.0 s, 9,974,750 at 20.1 s
    const auto crossed = crossings.add({t, rss, rss, NAN, NAN, 8, 2});
    if (std::abs(t - 20.0) < 1e-9 || std::abs(t - 19.9) < 1e-9) {
      EXPECT_TRUE(crossed.empty()) << t;
    }
    if (std::abs(t - 20.1) < 1e-9) {
      ASSERT_EQ(crossed.size(), 1u);
      EXPECT_STREQ(crossed[0].id, "rss-budget");
      EXPECT_EQ(crossed[0].limit, 9'961'472);
      EXPECT_EQ(crossed[0].describe(), "rss-budget first crossed at t=20.1s: 9.5 MiB, over the budget of 9.5 MiB");
    }
    if (t > 20.15) {
      EXPECT_TRUE(crossed.empty()) << "only the first crossing is news, t=" << t;
    }
    s.rss.max = s.hwm_max.max = rss;
    s.rss.max_at_s = s.hwm_max.max_at_s = t;
  }
  s.rss.samples = s.hwm_max.samples = s.fds.samples = 402;
  s.fds.max = 8;
  ASSERT_TRUE(crossings.rss());
  EXPECT_NEAR(crossings.rss()->t_s, 20.1, 1e-9);
  EXPECT_NEAR(crossings.rss()->value, 9'974'750, 1);
  EXPECT_FALSE(crossings.fds()) << "8 fds never crossed 10";

  const auto checks = budget_checks(limits, s, std::nullopt, &crossings);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  EXPECT_NE(checks[0].summary.find("at t=40.1s"), std::string::npos) << checks[0].summary;
  EXPECT_NE(checks[0].summary.find("first over it at t=20.1s (9.5 MiB)"), std::string::npos) << checks[0].summary;
  bool has_first = false;
  for (const auto& f : checks[0].figures)
    if (f.name == "first_over_at") has_first = (std::abs(f.value - 20.1) < 1e-9);
  EXPECT_TRUE(has_first);
  EXPECT_EQ(checks[1].outcome, Outcome::pass);
  EXPECT_EQ(checks[1].figures.size(), 3u) << "no crossing, no first_over figures";
}

TEST(BudgetCrossings, RssCountsVmHwmAndTheEbpfPeakLikeTheBudgetAndNaNNeverCrosses) {
  BudgetLimits limits;
  limits.max_rss_bytes = 100;
  limits.max_pss_bytes = 100;
  BudgetCrossings crossings(limits);
  EXPECT_TRUE(crossings.add({1, 50, 60, NAN, NAN, 1, 1}).empty());
  EXPECT_TRUE(crossings.add({2, NAN, NAN, NAN, NAN, 1, 1}).empty());
  const auto by_ebpf = crossings.add({3, 50, 60, 130, 99, 1, 1});
  ASSERT_EQ(by_ebpf.size(), 1u);
  EXPECT_EQ(crossings.rss()->value, 130);
  EXPECT_EQ(crossings.add({4, 50, 60, 130, 101, 1, 1}).size(), 1u) << "PSS crosses on its own tick";
  EXPECT_EQ(crossings.pss()->t_s, 4);
}

TEST(BudgetCrossings, AFailOnlyTheFinalEbpfPeakSawSaysNoSampleWasOver) {
  BudgetLimits limits;
  limits.max_rss_bytes = 100;
  BudgetCrossings crossings(limits);
  crossings.add({1, 40, 30, NAN, NAN, 1, 1});
  const auto checks = budget_checks(limits, summary_with_rss(40, 30), 150.0, &crossings);
  EXPECT_EQ(checks[0].outcome, Outcome::fail);
  EXPECT_NE(checks[0].summary.find("no sample was over it"), std::string::npos) << checks[0].summary;
}

TEST(Verdict, FailBeatsInconclusiveBeatsPass) {
  std::vector<CheckResult> checks = {{"a", Outcome::pass, "", {}}, {"b", Outcome::inconclusive, "", {}}};
  EXPECT_EQ(combine(checks).outcome, Outcome::inconclusive);
  checks.push_back({"c", Outcome::fail, "", {}});
  const auto v = combine(checks);
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_EQ(v.reason, "failed: c");
  EXPECT_EQ(exit_code_for(v.outcome), ExitCode::check_failed);
  EXPECT_EQ(combine({}).outcome, Outcome::pass);
}

}  // namespace
}  // namespace memgate::analyze
