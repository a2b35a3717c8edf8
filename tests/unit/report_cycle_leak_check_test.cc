// The per-cycle leak checks as the report runs them: a run planned in cycles whose quiet
// phases held no drained sample is INCONCLUSIVE, never silently left unjudged.
#include <gtest/gtest.h>

#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/run_series.h"

namespace memgate::report {
namespace {

record::RunMeta three_cycles_planned() {
  record::RunMeta meta;
  nlohmann::json phases = nlohmann::json::array();
  for (int c = 1; c <= 3; ++c)
    for (const char* part : {"", " drain", " quiet"})
      phases.push_back({{"phase", "cycle " + std::to_string(c) + part}, {"accepted", *part ? 0 : 200}});
  meta.samplers = {{"traffic", {{"phases", phases}}}};
  return meta;
}

std::vector<CheckResult> cycle_checks(const record::RunMeta& meta, const RunSeries& series) {
  const RunSummary summary;
  const CheckSettings settings = check_settings_from_scenario({{"plateau", "none"}}, "test.json");
  std::vector<CheckResult> out;
  for (auto& c : evaluate_checks({meta, summary, series}, settings))
    if (c.id.ends_with("-leak-per-cycle")) out.push_back(std::move(c));
  return out;
}

TEST(CycleLeakCheck, PlannedCyclesWithoutAQuietSampleAreInconclusive) {
  const auto checks = cycle_checks(three_cycles_planned(), RunSeries{});
  ASSERT_EQ(checks.size(), 1u) << "RSS speaks for the run; heap and fds were not measured either";
  EXPECT_EQ(checks[0].id, "rss-leak-per-cycle");
  EXPECT_EQ(checks[0].outcome, Outcome::inconclusive) << checks[0].summary;
  EXPECT_NE(checks[0].summary.find("0 cycles with a quiescent level"), std::string::npos) << checks[0].summary;
}

TEST(CycleLeakCheck, ARunWithoutCyclesHasNoCycleCheck) {
  EXPECT_TRUE(cycle_checks(record::RunMeta{}, RunSeries{}).empty());
}

}  // namespace
}  // namespace memgate::report
