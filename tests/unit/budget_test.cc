#include "analyze/budget.h"

#include <gtest/gtest.h>

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
