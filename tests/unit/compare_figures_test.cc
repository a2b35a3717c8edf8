#include <gtest/gtest.h>

#include <cmath>

#include "compare/run_figures.h"
#include "report/run_analysis.h"

namespace memgate::compare {
namespace {

// A report.json in the shape docs/report-schema.md documents, with the allocator probe
// section (allocators/README.md) and a traffic section.
nlohmann::json sample_report() {
  return nlohmann::json::parse(R"({
    "schema": "memgate.report/1",
    "run": {"duration_s": 12.5, "end_reason": "target-exited",
            "target": {"exit_code": 0, "signal": null, "problem": null}},
    "summary": {"rss": {"peak": 100.0, "median": 80.0}, "hwm_max": {"peak": 120.0},
                "minor_faults": 5000, "cpu_s": 3.5},
    "samplers": {"alloc": {"verified": true, "mismatch": null,
                           "purges": {"count": 4, "returned_bytes_total": 2048.0},
                           "heap_last": {"allocated_bytes": 10, "free_held_bytes": 700},
                           "rss_split": {"rss_growth_bytes": 60.0, "live_heap_growth_bytes": 10.0,
                                         "retention_growth_bytes": 30.0, "non_heap_growth_bytes": 20.0}}},
    "traffic": {"accepted": 5000, "elapsed_s": 10.0},
    "checks": [
      {"id": "rss-plateau", "outcome": "pass",
       "figures": {"steady": {"value": 77.0, "unit": "bytes"}, "slope_per_h": {"value": -3.0, "unit": "bytes/h"}}},
      {"id": "rss-burst-recovery", "outcome": "fail", "figures": {"retained": {"value": 9.0, "unit": "bytes"}}}
    ],
    "verdict": {"outcome": "fail"}
  })");
}

// summary.rss_second_half as the report writer computes it (its second streaming pass).
nlohmann::json second_half(const std::vector<double>& t, const std::vector<double>& rss) {
  report::SecondHalfMedian half(t.back());
  for (std::size_t i = 0; i < t.size(); ++i) half.add(t[i], rss[i]);
  const auto r = half.result();
  if (!r) return nullptr;
  return {{"from_s", r->from_s}, {"samples", r->samples}, {"median", r->median}};
}

TEST(CompareFigures, ReadsEveryFigureOfTheReport) {
  const auto f = figures_from_report(sample_report());
  EXPECT_DOUBLE_EQ(f.values.at("peak_rss_bytes"), 120.0);  // VmHWM beats the sampled tree peak
  EXPECT_DOUBLE_EQ(f.values.at("steady_rss_bytes"), 77.0);
  EXPECT_EQ(f.steady_basis, "rss-plateau steady level");
  EXPECT_DOUBLE_EQ(f.values.at("slope_bytes_per_h"), -3.0);
  EXPECT_DOUBLE_EQ(f.values.at("retained_after_burst_bytes"), 9.0);
  EXPECT_DOUBLE_EQ(f.values.at("records_per_s"), 500.0);
  EXPECT_DOUBLE_EQ(f.values.at("wall_s"), 12.5);
  EXPECT_DOUBLE_EQ(f.values.at("minor_faults"), 5000.0);
  EXPECT_DOUBLE_EQ(f.values.at("purge_returned_bytes"), 2048.0);
  EXPECT_DOUBLE_EQ(f.values.at("purges"), 4.0);
  EXPECT_DOUBLE_EQ(f.values.at("free_held_final_bytes"), 700.0);
  EXPECT_DOUBLE_EQ(f.values.at("retention_growth_bytes"), 30.0);
  EXPECT_DOUBLE_EQ(f.values.at("non_heap_growth_bytes"), 20.0);
  EXPECT_EQ(f.verdict, "fail");
  EXPECT_EQ(f.checks.at("rss-burst-recovery"), "fail");
  ASSERT_TRUE(f.allocator_verified.has_value());
  EXPECT_TRUE(*f.allocator_verified);
  EXPECT_TRUE(f.problem.empty());
}

TEST(CompareFigures, WallTimeOnlyForTargetsThatFinishedTheirWork) {
  auto report = sample_report();
  report["run"]["end_reason"] = "duration";
  EXPECT_FALSE(figures_from_report(report).values.count("wall_s"));
  report["run"]["end_reason"] = "target-exited";
  report["run"]["target"]["problem"] = "the target crashed: killed by SIGSEGV";
  const auto f = figures_from_report(report);
  EXPECT_FALSE(f.values.count("wall_s"));
  EXPECT_EQ(f.problem, "the target crashed: killed by SIGSEGV");
}

TEST(CompareFigures, SteadyFallsBackToTheSecondHalfMedian) {
  auto report = sample_report();
  report["checks"] = nlohmann::json::array();
  const std::vector<double> t{0, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> rss{5, 50, 50, 50, 10, 11, NAN, 13, 12};
  report["summary"]["rss_second_half"] = second_half(t, rss);
  const auto f = figures_from_report(report);
  // t >= 4: 10, 11, 13, 12 → median 11.5
  EXPECT_DOUBLE_EQ(f.values.at("steady_rss_bytes"), 11.5);
  EXPECT_EQ(f.steady_basis, "median of the second half");
  EXPECT_FALSE(f.values.count("slope_bytes_per_h"));
  EXPECT_FALSE(f.values.count("retained_after_burst_bytes"));
}

TEST(CompareFigures, MissingSectionsLeaveFiguresOut) {
  const auto f = figures_from_report(nlohmann::json::parse(R"({"run": {}, "summary": {}, "checks": []})"));
  EXPECT_TRUE(f.values.empty());
  EXPECT_FALSE(f.allocator_verified.has_value());
  EXPECT_TRUE(f.steady_basis.empty());
  EXPECT_FALSE(report::SecondHalfMedian(0).result().has_value());
}

TEST(CompareFigures, OldReportsNameTheMissingFigureInsteadOfReadingSamples) {
  auto report = sample_report();
  report["checks"] = nlohmann::json::array();  // no plateau steady level: the fallback is needed
  auto f = figures_from_report(report);        // a report.json from before summary.rss_second_half
  EXPECT_FALSE(f.values.count("steady_rss_bytes"));
  ASSERT_EQ(f.missing.size(), 1u);
  EXPECT_EQ(f.missing[0], "steady RSS (summary.rss_second_half)");
  EXPECT_TRUE(f.steady_basis.empty());
  report["summary"]["rss_second_half"] = nullptr;  // present, but the run had no RSS sample
  f = figures_from_report(report);
  EXPECT_TRUE(f.missing.empty());
  EXPECT_FALSE(f.values.count("steady_rss_bytes"));
}

TEST(CompareFigures, SecondHalfMedianIsExactForSmallValuesAndWithinTheSketchAbove) {
  report::SecondHalfMedian odd(10);
  for (double t : {0.0, 4.9, 5.0, 7.0, 10.0}) odd.add(t, t == 7.0 ? 900 : t * 100);  // 500, 900, 1000 kept
  ASSERT_TRUE(odd.result().has_value());
  EXPECT_DOUBLE_EQ(odd.result()->median, 900);
  EXPECT_EQ(odd.result()->samples, 3u);
  EXPECT_DOUBLE_EQ(odd.result()->from_s, 5);
  report::SecondHalfMedian big(100);
  for (int i = 0; i <= 100; ++i) big.add(i, i < 50 ? 1e9 : 200e6 + i * 4096.0);  // the first half is ignored
  const double exact = 200e6 + 75 * 4096.0;
  EXPECT_NEAR(big.result()->median, exact, exact * 1e-3);
  EXPECT_EQ(big.result()->samples, 51u);
}

TEST(CompareFigures, UnverifiedAllocatorCarriesTheMismatch) {
  auto report = sample_report();
  report["samplers"]["alloc"]["verified"] = false;
  report["samplers"]["alloc"]["mismatch"] = "pid 7 runs glibc, not jemalloc";
  const auto f = figures_from_report(report);
  ASSERT_TRUE(f.allocator_verified.has_value());
  EXPECT_FALSE(*f.allocator_verified);
  EXPECT_EQ(f.mismatch, "pid 7 runs glibc, not jemalloc");
}

TEST(CompareFigures, EveryMetricHasItsMeaning) {
  for (const auto& m : metrics()) {
    EXPECT_FALSE(m.meaning.empty()) << m.key;
    EXPECT_EQ(find_metric(m.key), &m);
  }
  EXPECT_EQ(find_metric("nope"), nullptr);
}

}  // namespace
}  // namespace memgate::compare
