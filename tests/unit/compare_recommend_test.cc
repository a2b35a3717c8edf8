#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_NE(r.line.find("90 % CI -42 % to -38 %"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("wall time"), std::string::npos) << r.line;  // the speed evidence
  const auto* call = find_call(r, "jemalloc");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->rss.difference, Difference::better);
  ASSERT_TRUE(call->speed);
  EXPECT_EQ(call->speed->difference, Difference::same);
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
  EXPECT_NE(r.line.find("no difference is established yet"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("the interval includes 0"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("to decide: more repeats"), std::string::npos) << r.line;
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
  std::string notes;
  for (const auto& n : r.notes) notes += n + "\n";
  EXPECT_NE(notes.find("jemalloc not considered: the target failed in 1 of 3 runs"), std::string::npos) << notes;
  EXPECT_NE(notes.find("mimalloc not considered: the allocator was not verified"), std::string::npos) << notes;
}

TEST(CompareRecommend, ExplicitBaselineAndKnobVariants) {
  const std::vector<Variant> variants{{"je", "jemalloc", {}}, {"je-d0", "jemalloc", {"MALLOC_CONF=dirty_decay_ms:0"}}};
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("je", 100 + i, 2));
    runs.push_back(run("je-d0", 50 + i, 2));
  }
  RecommendSettings settings;
  settings.baseline = "je";
  const auto r = recommend(aggregate(variants, runs), settings);
  EXPECT_EQ(r.choice, "je-d0");
  EXPECT_NE(r.line.find("je-d0 = jemalloc (MALLOC_CONF=dirty_decay_ms:0)"), std::string::npos) << r.line;
}

TEST(CompareRecommend, TooFewRunsNamesTheRepeatsNeeded) {
  // The churn case with one run each: a large difference is not a recommendation.
  const auto r = recommend(aggregate(kVariants, {run("glibc", 270, 16), run("mimalloc", 46, 16)}), {});
  EXPECT_EQ(r.choice, "glibc");
  EXPECT_FALSE(r.changes_baseline);
  EXPECT_NE(r.line.find("to decide: --repeat 3"), std::string::npos) << r.line;
}

TEST(CompareRecommend, SameRssForMuchLessCpuIsAWinner) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2.05 + 0.01 * i));
    runs.push_back(run("mimalloc", 101 - i, 0.80 + 0.01 * i));
    runs.back().values["cpu_per_unit_s"] = 0.69 + 0.01 * i;
    runs[runs.size() - 2].values["cpu_per_unit_s"] = 1.93 + 0.01 * i;
  }
  const std::vector<Variant> variants{{"glibc", "glibc", {}}, {"mimalloc", "mimalloc", {}}};
  const auto r = recommend(aggregate(variants, runs), {});
  EXPECT_EQ(r.choice, "mimalloc") << r.line;
  EXPECT_NE(r.line.find("the same steady RSS for significantly less CPU"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find("CPU per unit"), std::string::npos) << r.line;
}

TEST(CompareRecommend, CheaperButLargerIsANoteNotAWinner) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 85 + 0.1 * i, 8.1));
    runs.back().values["cpu_per_unit_s"] = 0.82 + 0.01 * i;
    runs.push_back(run("mimalloc", 92.6 + 0.1 * i, 8.1));
    runs.back().values["cpu_per_unit_s"] = 0.58 + 0.01 * i;
  }
  const std::vector<Variant> variants{{"glibc", "glibc", {}}, {"mimalloc", "mimalloc", {}}};
  const auto r = recommend(aggregate(variants, runs), {});
  EXPECT_EQ(r.choice, "glibc") << r.line;
  EXPECT_NE(r.line.find("no variant is significantly better"), std::string::npos) << r.line;
  bool noted = false;
  for (const auto& n : r.notes) noted |= n.find("mimalloc needs less CPU or time but not less memory") == 0;
  EXPECT_TRUE(noted);
}

TEST(CompareRecommend, EqualWallTimesSuggestAWorkMetric) {
  const auto r = recommend(aggregate(kVariants, {run("glibc", 100, 16.1), run("jemalloc", 90, 16.1)}), {});
  bool noted = false;
  for (const auto& n : r.notes)
    noted |= n.find("every run lasted 16.1 s") == 0 && n.find("--work-metric") != std::string::npos;
  EXPECT_TRUE(noted) << r.line;
  const auto differ = recommend(aggregate(kVariants, {run("glibc", 100, 2.05), run("jemalloc", 90, 0.8)}), {});
  for (const auto& n : differ.notes) EXPECT_EQ(n.find("every run lasted"), std::string::npos) << n;
}

TEST(CompareRecommend, NonPassRunsAreFlagged) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2));
    runs.push_back(run("jemalloc", 60 + i, 2));
    runs.back().verdict = "inconclusive";
    runs.back().checks["rss-plateau"] = "inconclusive";
  }
  const std::vector<Variant> variants{{"glibc", "glibc", {}}, {"jemalloc", "jemalloc", {}}};
  const auto r = recommend(aggregate(variants, runs), {});
  EXPECT_NE(r.line.find("caution: 3 of 6 runs were not PASS"), std::string::npos) << r.line;
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("jemalloc: 3 of 3 runs INCONCLUSIVE (rss-plateau)"), std::string::npos) << r.notes[0];
}

TEST(CompareText, CompactTableWithIntervalsAndSortableNumbers) {
  std::vector<RunFigures> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(run("glibc", 100 + i, 2));
    runs.push_back(run("jemalloc", 60 + i, 2));
  }
  const auto summaries = aggregate(kVariants, runs);
  const auto r = recommend(summaries, {});
  const auto table = markdown_table(summaries, r);
  const std::string header = table.substr(0, table.find('\n'));
  EXPECT_EQ(std::count(header.begin(), header.end(), '|'), 7) << header;  // 6 columns: nothing empty
  EXPECT_NE(header.find("steady RSS vs glibc"), std::string::npos) << header;
  EXPECT_EQ(header.find("retained after burst"), std::string::npos) << header;  // no burst window
  EXPECT_NE(table.find("| glibc | 101.0 MiB (100.0–102.0) |"), std::string::npos) << table;
  EXPECT_NE(table.find("BETTER -40 % [-42 %, -38 %] 90 % CI"), std::string::npos) << table;
  EXPECT_NE(table.find("| baseline |"), std::string::npos) << table;
  EXPECT_NE(table.find("n/a (not compared: see the notes)"), std::string::npos) << table;  // mimalloc: no runs
  EXPECT_EQ(format_value(1234567, "count"), "1234567");
  EXPECT_EQ(format_value(12345.4, "records/s"), "12345 records/s");
  EXPECT_EQ(format_value(2.5, "s"), "2.50 s");
  EXPECT_EQ(format_value(0.00123, "s"), "0.00123 s");
  EXPECT_EQ(format_spread({3, 21836, 21745, 21843}, "count"), "21836 (21745–21843)");
  EXPECT_EQ(format_spread({}, "bytes"), "–");
}

TEST(CompareText, NegativeGrowthIsNotShownAsGrowth) {
  auto a = run("glibc", 100, 2), b = run("mimalloc", 100, 2);
  a.values["non_heap_growth_bytes"] = -123.6 * MiB;
  b.values["live_heap_growth_bytes"] = 5 * MiB;
  a.values["retained_after_burst_bytes"] = -2 * MiB;
  const auto summaries = aggregate(kVariants, {a, b});
  const auto md = markdown_report("x", 1, summaries, recommend(summaries, {}), {});
  EXPECT_NE(md.find("n/a (fell by 123.6 MiB)"), std::string::npos) << md;
  EXPECT_NE(md.find("n/a (mimalloc reports mapped bytes only)"), std::string::npos) << md;
  EXPECT_NE(md.find("0 (ended 2.0 MiB below pre-burst)"), std::string::npos) << md;
  EXPECT_EQ(md.find("-123.6"), std::string::npos) << md;
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
