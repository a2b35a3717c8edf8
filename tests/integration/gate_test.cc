// CI memory gates with real runs of tests/helpers/memhog: --abort-on budget stops a
// leaking target at the first sample over the budget, budget messages say when the budget
// was first crossed (also through `memgate report`), and --baseline says SAME, DIFFERENT
// or UNKNOWN against kept runs (memgate baseline save/show).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "integration/run_helpers.h"
#include "integration/run_events.h"
#include "memgate/units.h"
#include "record/sample_log.h"

namespace memgate::testing {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The first sample whose RSS figure (the tree sum, any VmHWM or the eBPF tree peak so far,
// as the rss-budget check counts it) is over `limit`.
std::optional<std::pair<double, double>> first_over(const std::string& dir, double limit) {
  std::optional<std::pair<double, double>> first;
  record::read_samples(dir + "/samples.csv", [&](const record::SampleRow& row) {
    if (first || row.get("processes") == 0) return;
    double v = std::max(row.get("rss_bytes"), row.get("hwm_max_bytes"));
    if (const double ebpf = row.get("ebpf_rss_peak_bytes"); ebpf > v) v = ebpf;
    if (v > limit) first = {row.get("t_s"), v};
  });
  return first;
}

double last_sample_t(const std::string& dir) {
  double t = NAN;
  record::read_samples(dir + "/samples.csv", [&](const record::SampleRow& row) { t = row.get("t_s"); });
  return t;
}

double figure(const nlohmann::json& check, const std::string& name) {
  const auto& figures = check["figures"];
  if (!figures.contains(name)) {
    ADD_FAILURE() << "no figure " << name << " in " << check.dump(2);
    return NAN;
  }
  return figures[name]["value"].get<double>();
}

TEST(Gate, AbortOnBudgetStopsALeakWithinOneSampleOfTheCrossingAndFails) {
  const std::string dir = fresh_dir("abort");
  const double hz = 20, grace = 2, limit = 30 * kMiB;
  const auto r = memgate(
      {"run",       "--out",          dir,           "--force", "--no-plot",        "--quiet", "--hz",       "20",
       "--plateau", "none",           "--grace",     "2s",      "--max-rss",        "30M",     "--abort-on", "budget",
       "--",        helper("memhog"), "--alloc-mib", "8",       "--grow-mib-per-s", "25",      "--hold-s",   "60"});
  EXPECT_EQ(r.exit_code, 1) << "a FAIL, not a crash: memgate stopped it\n" << r.output;
  const auto crossing = first_over(dir, limit);
  ASSERT_TRUE(crossing) << "the leak never crossed the budget";
  const auto stops = events(dir, "stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["reason"], "aborted-on-budget");
  const double stop_t = stops[0]["t_s"].get<double>();
  EXPECT_GE(stop_t, crossing->first - 1e-6);
  EXPECT_LE(stop_t - crossing->first, 1 / hz + 1e-6) << "stopped within one sample period of the first sample over";
  EXPECT_LE(last_sample_t(dir) - crossing->first, 1 / hz + grace + 0.5) << "the target went on after the stop";
  const auto aborts = events(dir, "abort");
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0]["check"], "rss-budget");
  EXPECT_NEAR(aborts[0]["first_over_at"].get<double>(), crossing->first, 1e-3);

  const auto meta = read_json(dir + "/meta.json");
  EXPECT_EQ(meta["end_reason"], "aborted-on-budget");
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["verdict"]["outcome"], "fail");
  EXPECT_EQ(report["verdict"]["exit_code"], 1);
  const auto budget = report_check(report, "rss-budget");
  EXPECT_EQ(budget["outcome"], "fail");
  EXPECT_NEAR(figure(budget, "first_over_at"), crossing->first, 1e-3);
  EXPECT_NEAR(figure(budget, "first_over_value"), crossing->second, 1);
  const std::string said = "first over it at t=" + format_duration(crossing->first);
  EXPECT_NE(budget["summary"].get<std::string>().find(said), std::string::npos) << budget["summary"];
  EXPECT_NE(r.output.find("(--abort-on budget): rss-budget first crossed at t="), std::string::npos) << r.output;
}

TEST(Gate, BudgetMessageSaysWhenTheBudgetWasFirstCrossedAlsoThroughReport) {
  const std::string dir = fresh_dir("first-crossing");
  const auto r = memgate({"run",
                          "--out",
                          dir,
                          "--force",
                          "--no-plot",
                          "--quiet",
                          "--hz",
                          "20",
                          "--plateau",
                          "none",
                          "--max-rss",
                          "20M",
                          "--",
                          helper("memhog"),
                          "--alloc-mib",
                          "4",
                          "--grow-mib-per-s",
                          "20",
                          "--hold-s",
                          "2"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto at_20 = first_over(dir, 20 * kMiB);
  ASSERT_TRUE(at_20);
  const auto budget = report_check(read_json(dir + "/report.json"), "rss-budget");
  EXPECT_NEAR(figure(budget, "first_over_at"), at_20->first, 1e-3);
  EXPECT_LT(figure(budget, "first_over_at"), last_sample_t(dir) - 0.5) << "the run went on past the crossing";
  EXPECT_EQ(read_json(dir + "/meta.json")["end_reason"], "target-exited") << "no --abort-on: the run went on";

  // Another budget, recomputed from the files: its own first crossing.
  const auto again = memgate({"report", dir, "--in-place", "--max-rss", "30M"});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  const auto at_30 = first_over(dir, 30 * kMiB);
  ASSERT_TRUE(at_30);
  EXPECT_GT(at_30->first, at_20->first);
  EXPECT_NE(again.output.find("first over it at t=" + format_duration(at_30->first)), std::string::npos)
      << again.output;
  EXPECT_NEAR(figure(report_check(read_json(dir + "/report.json"), "rss-budget"), "first_over_at"), at_30->first, 1e-3);
}

// --abort-on fail: load that cannot be delivered (nobody listens on the socket) decides
// the traffic check FAIL; the target is stopped then, not after the 10 s drain time.
TEST(Gate, AbortOnFailStopsWhenTheLoadCannotBeDelivered) {
  const std::string dir = fresh_dir("abort-fail");
  const nlohmann::json scenario = {
      {"name", "nobody-listens"},
      {"target", {{"command", {"sleep", "30"}}}},
      {"traffic",
       {{"transport", {{"kind", "unix"}, {"path", "nobody.sock"}, {"connect_timeout_s", 0.3}}},
        {"payload", {{"kind", "sensors"}, {"seed", 3}, {"sensors", {{"air_quality", 10}}}}},
        {"stages", {{{"kind", "constant"}, {"rate", 100}, {"duration_s", 20}, {"phase", "nominal"}}}}}},
      {"sampling", {{"hz", 20}}},
      {"checks", {{"plateau", "none"}}},
  };
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << scenario.dump(2);
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", "--abort-on", "fail", path});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(read_json(out + "/meta.json")["end_reason"], "aborted-on-fail");
  const auto aborts = events(out, "abort");
  ASSERT_EQ(aborts.size(), 1u);
  EXPECT_EQ(aborts[0]["check"], "traffic");
  const auto stops = events(out, "stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["t_s"], aborts[0]["t_s"]) << "stopped at the tick the run was decided";
  EXPECT_LT(stops[0]["t_s"].get<double>(), 10) << "not after the load's 10 s drain time";
  EXPECT_EQ(report_check(read_json(out + "/report.json"), "traffic")["outcome"], "fail");
}

// One memhog run of 3 s at 20 Hz; returns the run directory.
std::string memhog_run(const std::string& tag, const std::vector<std::string>& memhog_args,
                       const std::vector<std::string>& extra = {}, int* exit_code = nullptr) {
  const std::string dir = fresh_dir(tag);
  std::vector<std::string> args{"run", "--out", dir, "--force", "--quiet", "--hz", "20", "--plateau", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (std::find(extra.begin(), extra.end(), "--with-plot") == extra.end()) args.push_back("--no-plot");
  args.erase(std::remove(args.begin(), args.end(), "--with-plot"), args.end());
  args.insert(args.end(), {"--", helper("memhog"), "--hold-s", "3"});
  args.insert(args.end(), memhog_args.begin(), memhog_args.end());
  const auto r = memgate(args);
  if (exit_code) *exit_code = r.exit_code;
  else EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir;
}

int change_of(const nlohmann::json& check, const std::string& name) {
  return static_cast<int>(figure(check, name + "_change"));
}

TEST(Gate, BaselineSameDifferentAndUnknownWithRealRuns) {
  const std::string store = fresh_dir("baselines");
  const std::string base = memhog_run("base", {"--alloc-mib", "40"});
  const auto saved = memgate({"baseline", "save", base, "--to", store, "--name", "feature/x"});
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  const std::string branch = store + "/feature_x";
  const auto show = memgate({"baseline", "show", store});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.output.find("feature_x: 1 run"), std::string::npos) << show.output;

  // Unchanged: SAME, a pass; the plot of both timelines is written.
  int code = -1;
  const std::string same = memhog_run("same", {"--alloc-mib", "40"}, {"--baseline", branch, "--with-plot"}, &code);
  auto check = report_check(read_json(same + "/report.json"), "baseline");
  EXPECT_EQ(code, 0) << check.dump(2);
  EXPECT_EQ(check["outcome"], "pass");
  EXPECT_EQ(change_of(check, "steady_rss"), 0) << check["summary"];
  EXPECT_EQ(change_of(check, "peak_rss"), 0) << check["summary"];
  EXPECT_TRUE(std::filesystem::exists(same + "/baseline.png")) << "reports/plot_baseline.py";
  // A run directory holding baseline.png is still a run directory: --force replaces it.
  const auto rerun = memgate({"run", "--out", same, "--force", "--quiet", "--no-plot", "--plateau", "none", "--",
                              helper("memhog"), "--hold-s", "1"});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;

  // 10 MiB more held (about +23 % of steady RSS): DIFFERENT, a FAIL, exit 1.
  const std::string more = memhog_run("more", {"--alloc-mib", "50"}, {"--baseline", branch}, &code);
  check = report_check(read_json(more + "/report.json"), "baseline");
  EXPECT_EQ(code, 1) << check.dump(2);
  EXPECT_EQ(check["outcome"], "fail");
  EXPECT_EQ(change_of(check, "steady_rss"), 1) << check["summary"];
  EXPECT_GT(figure(check, "steady_rss") / figure(check, "steady_rss_baseline"), 1.15);
  EXPECT_NE(check["summary"].get<std::string>().find("DIFFERENT"), std::string::npos);
  // memgate report recomputes it, and a larger allowance passes it.
  EXPECT_EQ(memgate({"report", more}).exit_code, 1);
  EXPECT_EQ(memgate({"report", more, "--max-increase", "40%"}).exit_code, 0);

  // Unchanged but very noisy, one baseline run: UNKNOWN, inconclusive.
  const std::string noisy_store = fresh_dir("noisy-baselines");
  const std::string noisy_base = memhog_run("noisy-base", {"--alloc-mib", "40", "--jitter-mib", "40"});
  ASSERT_EQ(memgate({"baseline", "save", noisy_base, "--to", noisy_store}).exit_code, 0);
  const std::string noisy =
      memhog_run("noisy", {"--alloc-mib", "40", "--jitter-mib", "40"}, {"--baseline", noisy_store + "/main"}, &code);
  check = report_check(read_json(noisy + "/report.json"), "baseline");
  EXPECT_EQ(code, 2) << check.dump(2);
  EXPECT_EQ(check["outcome"], "inconclusive");
  EXPECT_EQ(change_of(check, "steady_rss"), 2) << check["summary"];
}

TEST(Gate, BaselineRepeatsAndBadPaths) {
  const std::string store = fresh_dir("repeats");
  // A directory of runs: every kept run is a repeat; --keep bounds them.
  for (int i = 0; i < 4; ++i) {
    const std::string run = memhog_run("repeat", {"--alloc-mib", "20"});
    const auto saved = memgate({"baseline", "save", run, "--to", store, "--keep", "3"});
    ASSERT_EQ(saved.exit_code, 0) << saved.output;
  }
  const auto show = memgate({"baseline", "show", store});
  EXPECT_NE(show.output.find("main: 3 runs"), std::string::npos) << show.output;
  int code = -1;
  const std::string run = memhog_run("vs-repeats", {"--alloc-mib", "20"}, {"--baseline", store + "/main"}, &code);
  const auto check = report_check(read_json(run + "/report.json"), "baseline");
  EXPECT_EQ(figure(check, "baseline_runs"), 3);
  EXPECT_EQ(code, 0) << check.dump(2);
  // Its report.json names its run directory as a baseline too.
  EXPECT_EQ(memgate({"report", run, "--baseline", run + "/report.json"}).exit_code, 0);

  // Bad paths: refused before the target starts, exit 3, one line naming the flag.
  const std::string empty = fresh_dir("empty-baseline");
  for (const std::string& bad : {empty, empty + "/missing"}) {
    const std::string out = fresh_dir("bad-baseline");
    const auto r = memgate({"run", "--out", out, "--force", "--no-plot", "--quiet", "--baseline", bad, "--", "true"});
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_NE(r.output.find("--baseline " + bad), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/meta.json")) << "nothing ran";
  }
  // A failing run is not a baseline unless asked.
  const std::string failing = fresh_dir("failing");
  EXPECT_EQ(memgate({"run", "--out", failing, "--force", "--no-plot", "--quiet", "--hz", "20", "--plateau", "none",
                     "--max-rss", "1K", "--", helper("memhog"), "--alloc-mib", "4", "--hold-s", "2"})
                .exit_code,
            1);
  const auto refused = memgate({"baseline", "save", failing, "--to", store});
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("verdict is fail"), std::string::npos) << refused.output;
  EXPECT_EQ(memgate({"baseline", "save", failing, "--to", store, "--allow-any", "--name", "x"}).exit_code, 0);
}

}  // namespace
}  // namespace memgate::testing
