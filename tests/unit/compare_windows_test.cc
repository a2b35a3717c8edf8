#include <gtest/gtest.h>

#include "compare/compare_gate.h"
#include "compare/run_figures.h"
#include "compare/windows.h"
#include "memgate/error.h"

namespace memgate::compare {
namespace {

RunTimeline plain(const std::string& label, double end_s, std::optional<double> warmup) {
  RunTimeline t;
  t.label = label;
  t.phases = {{"run", 0, end_s}};
  t.end_s = end_s;
  t.warmup_s = warmup;
  return t;
}

TEST(CompareWindows, WithoutPhasesTheLongestWarmupIsCutFromEveryRun) {
  // The churn case: glibc's automatic warm-up ran into the burst (7.9 s), mimalloc's was 0.
  const auto plan = plan_windows({plain("glibc-1", 16.1, 7.9), plain("mimalloc-1", 16.0, 0.0)});
  EXPECT_FALSE(plan.phased);
  ASSERT_EQ(plan.windows.size(), 1u);
  const auto& w = plan.windows[0];
  EXPECT_EQ(w.name, window::kSteady);
  EXPECT_DOUBLE_EQ(w.start_s, 7.9);
  EXPECT_DOUBLE_EQ(w.end_s, 16.0);  // the shortest run
  EXPECT_NE(w.basis.find("glibc-1: 7.9 s"), std::string::npos) << w.basis;
  EXPECT_NE(w.basis.find("mimalloc-1, 16.0 s"), std::string::npos) << w.basis;
  // A warm-up beyond half the run is capped: a window remains.
  const auto capped = plan_windows({plain("a", 10, 9.0)});
  EXPECT_DOUBLE_EQ(capped.windows[0].start_s, 5.0);
}

TEST(CompareWindows, BurstScenarioWindowsByScenarioTime) {
  RunTimeline t;
  t.label = "glibc-1";
  t.phases = {{"warmup", 0, 9.9}, {"nominal", 10, 69.9}, {"burst", 70, 99.9}, {"recovery", 100, 159.9}};
  t.end_s = 159.9;
  t.warmup_s = 30;
  RunTimeline u = t;
  u.label = "jemalloc-1";
  u.warmup_s = 0;
  const auto plan = plan_windows({t, u});
  EXPECT_TRUE(plan.phased);
  ASSERT_EQ(plan.windows.size(), 4u);
  const auto* steady = find_window(plan, window::kSteady);
  const auto* pre = find_window(plan, window::kPreBurst);
  const auto* burst = find_window(plan, window::kBurst);
  const auto* rec = find_window(plan, window::kRecoveryEnd);
  ASSERT_TRUE(steady && pre && burst && rec);
  EXPECT_DOUBLE_EQ(steady->start_s, 10);  // the scenario's warmup phase, not a detected one
  EXPECT_DOUBLE_EQ(pre->start_s, 10);     // 60 s before the burst, after the warm-up
  EXPECT_DOUBLE_EQ(pre->end_s, 70);
  EXPECT_DOUBLE_EQ(burst->start_s, 70);
  EXPECT_DOUBLE_EQ(burst->end_s, 100);
  // As the rss-burst-recovery check: the last burst_level_window (default 30 s) of the recovery.
  EXPECT_DOUBLE_EQ(rec->start_s, 159.9 - 30);
  EXPECT_DOUBLE_EQ(rec->end_s, 159.9);
  EXPECT_NE(rec->basis.find("burst_level_window 30.0 s"), std::string::npos) << rec->basis;
  EXPECT_TRUE(plan.notes.empty());
  u.phases.pop_back();
  EXPECT_FALSE(plan_windows({t, u}).notes.empty());  // other phases: said so
}

TEST(CompareWindows, CiFormWithoutANominalPhaseBeforeTheBurst) {
  // warmup 0-8 s, burst 8-18 s, recovery 18-38 s: the pre-burst level is the end of the
  // warm-up, the recovery level at most the second half of the recovery.
  RunTimeline t;
  t.label = "glibc-1";
  t.phases = {{"warmup", 0.1, 7.9}, {"burst", 8, 17.9}, {"recovery", 18, 37.9}};
  t.end_s = 38;
  t.level_window_s = 5;  // the scenario's burst_level_window
  const auto plan = plan_windows({t});
  const auto* pre = find_window(plan, window::kPreBurst);
  const auto* rec = find_window(plan, window::kRecoveryEnd);
  ASSERT_TRUE(pre && rec) << (plan.notes.empty() ? "" : plan.notes[0]);
  EXPECT_DOUBLE_EQ(pre->start_s, 0.1);
  EXPECT_DOUBLE_EQ(pre->end_s, 8);
  EXPECT_NE(pre->basis.find("inside the warm-up"), std::string::npos) << pre->basis;
  EXPECT_DOUBLE_EQ(rec->start_s, 33);
  EXPECT_DOUBLE_EQ(rec->end_s, 38);
  EXPECT_TRUE(plan.notes.empty()) << plan.notes[0];
}

TEST(CompareWindows, BurstWindowsFollowTheScenariosBurstSettings) {
  // The scenario names its burst phase "surge" and sets burst_level_window 4 s; a second
  // surge at 40 s ends the first recovery (as in the rss-burst-recovery check), not the
  // end of the 'calm' phase after the surge.
  RunTimeline t;
  t.label = "glibc-1";
  t.phases = {{"warmup", 0, 4.9},    {"nominal", 5, 19.9}, {"surge", 20, 24.9}, {"calm", 25, 29.9},
              {"nominal", 30, 39.9}, {"surge", 40, 44.9},  {"calm", 45, 60}};
  t.end_s = 60;
  t.burst_phase = "surge";
  t.level_window_s = 4;
  RunTimeline u = t;
  u.label = "mimalloc-1";
  u.end_s = 58;  // a shorter run: every window ends by it
  const auto plan = plan_windows({t, u});
  const auto* burst = find_window(plan, window::kBurst);
  const auto* rec = find_window(plan, window::kRecoveryEnd);
  ASSERT_TRUE(burst && rec);
  EXPECT_DOUBLE_EQ(burst->start_s, 20);
  EXPECT_DOUBLE_EQ(burst->end_s, 25);
  EXPECT_DOUBLE_EQ(rec->start_s, 36);  // the last 4 s before the next surge
  EXPECT_DOUBLE_EQ(rec->end_s, 40);
  EXPECT_NE(rec->basis.find("before the next 'surge' phase"), std::string::npos) << rec->basis;
  EXPECT_TRUE(plan.notes.empty()) << plan.notes[0];

  // A recovery shorter than burst_level_window: the whole recovery, and a note.
  t.level_window_s = u.level_window_s = 30;
  const auto short_plan = plan_windows({t, u});
  const auto* whole = find_window(short_plan, window::kRecoveryEnd);
  ASSERT_TRUE(whole);
  EXPECT_DOUBLE_EQ(whole->start_s, 25);
  ASSERT_EQ(short_plan.notes.size(), 1u);
  EXPECT_NE(short_plan.notes[0].find("less than burst_level_window (30.0 s)"), std::string::npos)
      << short_plan.notes[0];

  // Runs judged with other settings: the windows follow the first, and the plan says so.
  u.level_window_s = 10;
  const auto mixed = plan_windows({t, u});
  ASSERT_FALSE(mixed.notes.empty());
  EXPECT_NE(mixed.notes.front().find("mimalloc-1 judged its burst with other settings"), std::string::npos)
      << mixed.notes.front();

  // Every figure names its window.
  WindowPlan named = plan;
  figure_windows(named, "ops");
  EXPECT_EQ(named.figures.at("burst_peak_rss_bytes"), "burst [20.0 s, 25.0 s]");
  EXPECT_EQ(named.figures.at("retained_after_burst_bytes"),
            "recovery-end [36.0 s, 40.0 s] minus pre-burst [5.0 s, 20.0 s]");
  EXPECT_EQ(named.figures.at("steady_rss_bytes"), "steady [5.0 s, 58.0 s]");
  EXPECT_EQ(named.figures.at("records_per_s"), "steady [5.0 s, 58.0 s] (metric_ops)");
  EXPECT_EQ(named.figures.at("peak_rss_bytes"), "the whole run");
}

TEST(CompareWindows, AccumulatorReadsOnlyItsSpan) {
  WindowAccumulator a({window::kSteady, 2, 4, ""});
  for (int i = 0; i <= 60; ++i) {
    const double t = i / 10.0;
    a.add(t, t < 2 || t > 4 ? 1e9 : 1000 + i, /*cpu*/ t, /*work*/ 100 * t);
  }
  const auto f = a.result();
  EXPECT_EQ(f.samples, 21u);
  EXPECT_DOUBLE_EQ(f.rss_median, 1030);  // 1020..1040, exact below the sketch's 2048
  EXPECT_DOUBLE_EQ(f.rss_max, 1040);
  EXPECT_NEAR(f.seconds, 2, 1e-9);
  EXPECT_NEAR(f.cpu_s, 2, 1e-9);
  EXPECT_NEAR(f.work, 200, 1e-9);
}

TEST(CompareGate, OneCasePerVariantAndCheckAndTheRequiredExitCode) {
  VariantSummary glibc, je;
  glibc.variant = {"glibc", "glibc", {}};
  glibc.runs = 2;
  glibc.checks["rss-plateau"] = {{"pass", 2}};
  glibc.verdicts = {{"pass", 2}};
  je.variant = {"je", "jemalloc", {}};
  je.runs = 2;
  je.checks["rss-plateau"] = {{"pass", 1}, {"inconclusive", 1}};
  je.verdicts = {{"pass", 1}, {"inconclusive", 1}};
  const auto results = gate_results({glibc, je});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].id, "je: rss-plateau");
  EXPECT_EQ(results[1].outcome, Outcome::inconclusive);
  record::RunMeta first;
  first.command = {"./churn", "16"};
  first.host = "ci-host";
  first.started_unix_ms = 1796411718147;  // 2026-12-04T19:15:18Z
  first.notes = {"the first run's own note"};
  const auto xml = compare_junit_xml({glibc, je}, 3, first, ExitCode::inconclusive);
  EXPECT_NE(xml.find("name=\"glibc: rss-plateau\""), std::string::npos) << xml;
  // The suite is described by the comparison's first run, not left empty (1970).
  EXPECT_NE(xml.find("<property name=\"command\" value=\"./churn 16\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("timestamp=\"2026-12-04T19:15:18\" hostname=\"ci-host\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"allocator\" value=\"glibc,je\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"verdict\" value=\"inconclusive\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"exit_code\" value=\"2\"/>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("the first run's own note"), std::string::npos) << xml;
  EXPECT_NE(xml.find("skipped message=\"inconclusive: je rss-plateau: 1 of 2 runs inconclusive"), std::string::npos)
      << xml;
  EXPECT_EQ(gate_exit_code({glibc, je}, Require::pass), ExitCode::inconclusive);
  EXPECT_EQ(gate_exit_code({glibc, je}, Require::no_fail), ExitCode::pass);
  EXPECT_EQ(gate_exit_code({glibc, je}, Require::none), ExitCode::pass);
  je.verdicts["fail"] = 1;
  EXPECT_EQ(gate_exit_code({glibc, je}, Require::no_fail), ExitCode::check_failed);
  EXPECT_EQ(parse_require("no-fail"), Require::no_fail);
  EXPECT_THROW(parse_require("strict"), Error);
}

}  // namespace
}  // namespace memgate::compare
