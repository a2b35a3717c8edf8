#include <gtest/gtest.h>

#include <cmath>

#include "compare/aggregate.h"
#include "compare/compare_json.h"
#include "compare/compare_text.h"
#include "compare/recommend.h"
#include "memgate/error.h"

namespace memgate::compare {
namespace {

constexpr double MiB = 1024.0 * 1024.0;

RunFigures run(const std::string& variant, double steady_mib, double wall_s) {
  RunFigures f;
  f.variant = variant;
  f.values["steady_rss_bytes"] = steady_mib * MiB;
  f.values["peak_rss_bytes"] = steady_mib * 2 * MiB;
  f.values["wall_s"] = wall_s;
  f.verdict = "pass";
  f.checks["rss-plateau"] = "pass";
  f.allocator_verified = true;
  return f;
}

const std::vector<Variant> kVariants{
    {"glibc", "glibc", {}}, {"jemalloc", "jemalloc", {}}, {"mimalloc", "mimalloc", {}}};

TEST(CompareSpread, MedianAndRange) {
  const auto s = spread_of({3, 1, 2, NAN, 10});
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_EQ(spread_of({}).n, 0u);
}

TEST(CompareContrast, SameBetterWorseUnknown) {
  const Spread base{3, 100, 98, 102};
  EXPECT_EQ(contrast({3, 103, 101, 105}, base, Better::lower, 0.05).difference, Difference::same);
  const auto better = contrast({3, 60, 58, 61}, base, Better::lower, 0.05);
  EXPECT_EQ(better.difference, Difference::better);
  EXPECT_NEAR(better.relative, -0.40, 1e-12);
  EXPECT_EQ(contrast({3, 60, 58, 61}, base, Better::higher, 0.05).difference, Difference::worse);
  EXPECT_EQ(contrast({3, 80, 50, 99}, base, Better::lower, 0.05).difference, Difference::unknown);  // overlap
  const auto single = contrast({1, 60, 60, 60}, {1, 100, 100, 100}, Better::lower, 0.05);
  EXPECT_EQ(single.difference, Difference::unknown);
  EXPECT_NE(single.why.find("too few"), std::string::npos);
  EXPECT_EQ(contrast({}, base, Better::lower, 0.05).difference, Difference::unknown);
}

TEST(CompareAggregate, CountsFailuresVerdictsAndChecks) {
  std::vector<RunFigures> runs{run("glibc", 100, 2), run("glibc", 102, 2), run("jemalloc", 60, 2)};
  runs[1].problem = "the target crashed";
  runs[1].verdict = "fail";
  const auto s = aggregate(kVariants, runs);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].runs, 2u);
  EXPECT_EQ(s[0].target_failures, 1u);
  EXPECT_EQ(s[0].verdicts.at("fail"), 1u);
  EXPECT_EQ(s[0].checks.at("rss-plateau").at("pass"), 2u);
  EXPECT_DOUBLE_EQ(s[0].metrics.at("steady_rss_bytes").median, 101 * MiB);
  EXPECT_EQ(s[2].runs, 0u);
  EXPECT_TRUE(s[2].metrics.empty());
}

TEST(CompareRecommend, ClearWinnerWithoutThroughputLoss) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2.0 + 0.01 * i));
    runs.push_back(run("jemalloc", 60 + i, 2.0 - 0.01 * i));
    runs.push_back(run("mimalloc", 70 + i, 2.0));
  }
  const auto r = recommend(aggregate(kVariants, runs), {});
  EXPECT_EQ(r.choice, "jemalloc");
  EXPECT_TRUE(r.changes_baseline);
  EXPECT_EQ(r.baseline, "glibc");
  EXPECT_EQ(r.throughput_metric, "wall_s");
  EXPECT_NE(r.line.find("use jemalloc"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("61.0 MiB vs 101.0 MiB"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("every run below"), std::string::npos) << r.line;
}

TEST(CompareRecommend, LowerRssThatCostsThroughputIsNotRecommended) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2.0 + 0.01 * i));
    runs.push_back(run("jemalloc", 60 + i, 3.0 + 0.01 * i));  // 50 % slower
    runs.push_back(run("mimalloc", 99 + i, 2.0));
  }
  const auto r = recommend(aggregate(kVariants, runs), {});
  EXPECT_EQ(r.choice, "glibc");
  EXPECT_FALSE(r.changes_baseline);
  EXPECT_NE(r.line.find("keep glibc"), std::string::npos) << r.line;
  ASSERT_FALSE(r.notes.empty());
  bool named = false;
  for (const auto& n : r.notes) named |= n.find("jemalloc lowers steady RSS") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(CompareRecommend, HonestWhenDifferencesAreWithinNoise) {
  std::vector<RunFigures> runs;
  const double glibc[] = {100, 80, 120}, je[] = {90, 70, 115}, mi[] = {98, 101, 103};
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", glibc[i], 2));
    runs.push_back(run("jemalloc", je[i], 2));
    runs.push_back(run("mimalloc", mi[i], 2));
  }
  const auto r = recommend(aggregate(kVariants, runs), {});
  EXPECT_EQ(r.choice, "glibc");
  EXPECT_FALSE(r.changes_baseline);
  EXPECT_NE(r.line.find("no variant lowers steady RSS beyond noise"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("ranges overlap"), std::string::npos) << r.line;
}

TEST(CompareRecommend, CrashingOrUnverifiedVariantsAreExcluded) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2));
    runs.push_back(run("jemalloc", 10 + i, 2));
    runs.push_back(run("mimalloc", 20 + i, 2));
  }
  runs[1].problem = "the target crashed: killed by SIGSEGV";
  runs[2].allocator_verified = false;
  runs[2].mismatch = "glibc serves malloc";
  const auto r = recommend(aggregate(kVariants, runs), {});
  EXPECT_EQ(r.choice, "glibc") << r.line;
  ASSERT_GE(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("jemalloc not considered: the target failed in 1 of 3 runs"), std::string::npos)
      << r.notes[0];
  EXPECT_NE(r.notes[1].find("mimalloc not considered: the allocator was not verified"), std::string::npos)
      << r.notes[1];
}

TEST(CompareRecommend, ExplicitBaselineAndKnobVariants) {
  const std::vector<Variant> variants{{"je", "jemalloc", {}}, {"je-d0", "jemalloc", {"MALLOC_CONF=dirty_decay_ms:0"}}};
  std::vector<RunFigures> runs;
  for (int i = 0; i < 2; ++i) {
    runs.push_back(run("je", 100 + i, 2));
    runs.push_back(run("je-d0", 50 + i, 2));
  }
  RecommendSettings settings;
  settings.baseline = "je";
  const auto r = recommend(aggregate(variants, runs), settings);
  EXPECT_EQ(r.choice, "je-d0");
  EXPECT_NE(r.line.find("je-d0 = jemalloc (MALLOC_CONF=dirty_decay_ms:0)"), std::string::npos) << r.line;
}

TEST(CompareText, TableShowsMedianRangeAndOnlyMeasuredColumns) {
  std::vector<RunFigures> runs{run("glibc", 100, 2), run("glibc", 110, 2.5), run("jemalloc", 60, 2)};
  const auto table = markdown_table(aggregate(kVariants, runs));
  EXPECT_NE(table.find("| glibc | 2 | 105.0 MiB (100.0–110.0) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| jemalloc | 1 | 60.0 MiB |"), std::string::npos) << table;
  EXPECT_NE(table.find("| mimalloc | 0 | – |"), std::string::npos) << table;
  EXPECT_EQ(table.find("throughput"), std::string::npos) << table;  // no traffic figures
  EXPECT_NE(table.find("wall time"), std::string::npos);
  EXPECT_EQ(format_value(1234567, "count"), "1 234 567");
  EXPECT_EQ(format_value(2.5, "s"), "2.50 s");
  EXPECT_EQ(format_spread({3, 2662, -2.4 * MiB, 3788}, "bytes"), "2.6 KiB (-2.4 MiB–3.7 KiB)");
  EXPECT_EQ(format_spread({3, 21836, 21745, 21843}, "count"), "21 836 (21 745–21 843)");
  EXPECT_EQ(format_spread({}, "bytes"), "–");
}

TEST(CompareJson, ManifestRoundTrips) {
  CompareManifest m;
  m.workload = "alloc_burst x";
  m.repeat = 2;
  m.variants = {{"glibc", "glibc", {}}, {"je-d0", "jemalloc", {"MALLOC_CONF=dirty_decay_ms:0"}}};
  m.plan = interleaved_plan(m.variants, 2);
  m.status = "finished";
  const auto j = to_json(m, {run("glibc", 1, 1)}, aggregate(m.variants, {run("glibc", 1, 1)}), {});
  EXPECT_EQ(j["schema"], kCompareSchema);
  EXPECT_EQ(j["summary"][0]["metrics"]["steady_rss_bytes"]["median"].get<double>(), MiB);
  const auto back = manifest_from_json(j);
  EXPECT_EQ(back.workload, m.workload);
  ASSERT_EQ(back.plan.size(), 4u);
  EXPECT_EQ(back.plan[3].dir_name, "je-d0-2");
  EXPECT_EQ(back.plan[3].variant, 1u);
  EXPECT_EQ(back.variants[1].alloc_env, m.variants[1].alloc_env);
  EXPECT_THROW(manifest_from_json(nlohmann::json::object()), Error);
}

}  // namespace
}  // namespace memgate::compare
