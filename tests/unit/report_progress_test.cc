// What a run that has not finished says about itself: the live line (plain, bounded,
// without control characters), the running slope of the check that would decide, the
// verdict so far (report.json "progress", never PASS in words), and when interim reports
// are written by default.
#include <gtest/gtest.h>

#include "memgate/error.h"
#include "report/so_far.h"
#include "report/terminal.h"
#include "run/live_analysis.h"
#include "scenario/scenario.h"

namespace memgate::report {
namespace {

constexpr double kMiB = 1048576;

RunAnalysis running(bool still_going) {
  RunAnalysis a;
  a.meta.status = "running";
  a.meta.planned_duration_s = 600;
  a.series.still_running = still_going;
  a.summary.duration_s = 120;
  a.checks = {{"rss-budget", Outcome::pass, "RSS peaked at 40 MiB, within 1 GiB", {}},
              {"rss-plateau",
               Outcome::inconclusive,
               "not yet significant",
               {{"slope_per_h", 0.3 * kMiB, "bytes/h"},
                {"slope_ci_low_per_h", -0.1 * kMiB, "bytes/h"},
                {"slope_ci_high_per_h", 0.7 * kMiB, "bytes/h"}}},
              {"run-complete", Outcome::inconclusive, "the run is still going", {}}};
  a.verdict = combine(a.checks);
  return a;
}

TEST(LiveLine, AllPartsFitOnAPlainLine) {
  Progress p;
  p.elapsed_s = 30.8;
  p.planned_s = 120;
  p.phase = "soak hour 7";
  p.scenario_s = 22200;
  p.records_per_s = 3600;
  p.lag_s = 0.002;
  p.rss_bytes = static_cast<std::uint64_t>(45.2 * kMiB);
  p.rss_peak_bytes = static_cast<std::uint64_t>(51 * kMiB);
  p.decision = live_decision(running(true));
  EXPECT_EQ(progress_line(p, 200),
            "soak hour 7 @6h 10m | 30.8s/2m 00s, 1m 29s left | 3600 rec/s lag 2 ms | RSS 45.2 MiB (peak 51.0 MiB) | "
            "rss-plateau +0.3 MiB/h [-0.1, +0.7]");
  // 110 columns (the default): the elapsed time, the lag and the scenario clock give way;
  // the time left, the record rate, RSS and the decision stay.
  EXPECT_EQ(progress_line(p),
            "soak hour 7 | 1m 29s left | 3600 rec/s | RSS 45.2 MiB (peak 51.0 MiB) | rss-plateau +0.3 MiB/h [-0.1, "
            "+0.7]");
  // Narrower: the record rate goes too.
  EXPECT_EQ(progress_line(p, 100),
            "soak hour 7 | 1m 29s left | RSS 45.2 MiB (peak 51.0 MiB) | rss-plateau +0.3 MiB/h [-0.1, +0.7]");
  // A narrow terminal: cut, never wrapped.
  EXPECT_EQ(progress_line(p, 40).size(), 40u);
}

TEST(LiveLine, PlainCommandWithoutAnalysisShowsTheTree) {
  Progress p;
  p.elapsed_s = 5;
  p.rss_bytes = static_cast<std::uint64_t>(4 * kMiB);
  p.rss_peak_bytes = static_cast<std::uint64_t>(4 * kMiB);
  p.fds = 4;
  p.processes = 1;
  p.achieved_hz = 10;
  EXPECT_EQ(progress_line(p), "5.0s | RSS 4.0 MiB (peak 4.0 MiB) | fds 4  procs 1  10.0 Hz");
}

TEST(LiveLine, NoControlCharacterFromAPhaseName) {
  Progress p;
  p.phase = "evil\r\033[2Jphase\n";
  const std::string line = progress_line(p);
  for (const char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;
}

TEST(LiveLine, DecisionSaysWhatTheUndecidedPlateauNeeds) {
  RunAnalysis a = running(true);
  a.checks[1].figures = {{"run_length_needed_s", 420, "s"}};
  EXPECT_EQ(live_decision(a), "rss-plateau needs 5m 00s more");
  a.checks[1].outcome = Outcome::pass;  // decided: the checks so far, never "PASS"
  EXPECT_EQ(live_decision(a), "no check failed so far");
  a.checks[0].outcome = Outcome::fail;
  EXPECT_EQ(live_decision(a), "so far FAIL (failed: rss-budget)");
}

TEST(SoFar, LeavesRunCompleteOutAndSaysWhatWouldDecide) {
  const RunAnalysis a = running(true);
  const auto j = progress_json(a);
  EXPECT_EQ(j["still_going"], true);
  EXPECT_EQ(j["sampled_s"], 120.0);
  EXPECT_EQ(j["left_s"], 480.0);
  EXPECT_EQ(j["verdict_so_far"], "inconclusive");
  EXPECT_EQ(j["reason_so_far"], "inconclusive: rss-plateau");
  ASSERT_EQ(j["to_decide"].size(), 1u);
  EXPECT_EQ(j["to_decide"][0]["check"], "rss-plateau");
  EXPECT_EQ(progress_text(a),
            "  the run is still going: so far INCONCLUSIVE (inconclusive: rss-plateau)\n"
            "  to decide rss-plateau: not yet significant\n");
  const std::string dead = progress_text(running(false));
  EXPECT_EQ(dead.rfind("  the run did not finish: so far INCONCLUSIVE", 0), 0u) << dead;
}

TEST(SoFar, AFinishedRunHasNoProgress) {
  RunAnalysis a = running(true);
  a.meta.status = "finished";
  EXPECT_TRUE(progress_json(a).is_null());
  EXPECT_EQ(progress_text(a), "");
}

TEST(SoFar, InterimReportsByDefaultOnlyForRunsLongerThanAnHour) {
  EXPECT_EQ(run::report_interval(std::nullopt, 7200.0), 900);
  EXPECT_EQ(run::report_interval(std::nullopt, 3600.0), 0);
  EXPECT_EQ(run::report_interval(std::nullopt, std::nullopt), 0);  // until the target exits: no plan
  EXPECT_EQ(run::report_interval(30.0, 60.0), 30);
  EXPECT_EQ(run::report_interval(0.0, 86400.0), 0);  // off
}

}  // namespace
}  // namespace memgate::report

namespace memgate::scenario {
namespace {

TEST(ScenarioParse, ReportEveryIsASamplingDuration) {
  const nlohmann::json doc = {{"target", {{"command", {"cat"}}}}, {"sampling", {{"report_every", "15m"}}}};
  EXPECT_EQ(parse_scenario(doc, "s.json", "/base").sampling.report_every_s, 900);
  const nlohmann::json off = {{"target", {{"command", {"cat"}}}}, {"sampling", {{"report_every", 0}}}};
  EXPECT_EQ(parse_scenario(off, "s.json", "/base").sampling.report_every_s, 0);
  const nlohmann::json none = {{"target", {{"command", {"cat"}}}}};
  EXPECT_FALSE(parse_scenario(none, "s.json", "/base").sampling.report_every_s.has_value());
  try {
    parse_scenario({{"target", {{"command", {"cat"}}}}, {"sampling", {{"report_every", "soon"}}}}, "s.json", "/base");
    ADD_FAILURE() << "'soon' accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sampling.report_every"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace memgate::scenario
