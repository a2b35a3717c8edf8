// The shipped scenarios (scenarios/*.json) in their short forms (ci_short), under memgate
// (glibc): each pipeline's correct design PASSES its scenario's gate and the anti-pattern
// FAILS it with the named check; every leaking anti-pattern FAILs a per-cycle leak check
// in its CI form (ci, cycles); the air-quality burst spills and loses nothing; the metrics
// channel reaches samples.csv; no-data-loss fails a target that drops records and is
// recomputed by `memgate report`; a scenario naming a pipeline that is not built is a
// usage error. One scenario per pipeline, in CI forms of 5-40 s, keeps this under the
// CI time budget;
// scenarios/run_all.sh runs every scenario in every profile.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

std::string scenario(const std::string& name) {
  return std::string(MEMGATE_SOURCE_DIR) + "/scenarios/" + name + ".json";
}

struct ScenarioRun {
  CommandResult result;
  std::string dir;
  nlohmann::json report;
};

ScenarioRun run_scenario(const std::string& file, const std::string& profiles) {
  ScenarioRun r;
  r.dir = fresh_dir("scn") + "/run";
  r.result = memgate({"run", "--quiet", "--no-plot", "--out", r.dir, "--profile", profiles, file});
  if (std::filesystem::exists(r.dir + "/report.json")) r.report = read_json(r.dir + "/report.json");
  return r;
}

nlohmann::json check(const ScenarioRun& r, const std::string& id) { return report_check(r.report, id); }

std::string failing_checks(const ScenarioRun& r) {
  std::string ids;
  if (r.report.contains("checks"))
    for (const auto& c : r.report["checks"])
      if (c["outcome"] == "fail") ids += (ids.empty() ? "" : ",") + c["id"].get<std::string>();
  return ids;
}

// report.json keeps a check's figures as {"name": {"value": ..., "unit": ...}}.
double figure(const nlohmann::json& check, const std::string& name) {
  if (check.contains("figures") && check["figures"].contains(name))
    return check["figures"][name]["value"].get<double>();
  ADD_FAILURE() << "no figure " << name << " in " << check.dump();
  return -1;
}

// The correct design passes every check of the scenario's CI form.
void expect_pass(const ScenarioRun& r) {
  EXPECT_EQ(r.result.exit_code, 0) << r.result.output;
  for (const auto& c : r.report["checks"]) EXPECT_EQ(c["outcome"], "pass") << c.dump();
}

// The anti-pattern fails, and `id` is among the failing checks.
void expect_fail(const ScenarioRun& r, const std::string& id) {
  EXPECT_EQ(r.result.exit_code, 1) << r.result.output;
  EXPECT_EQ(check(r, id)["outcome"], "fail") << "failing: " << failing_checks(r) << "\n" << r.result.output;
}

// Reads samples.csv: the header, and the largest value seen in each named column.
std::map<std::string, double> column_peaks(const std::string& dir, const std::vector<std::string>& names,
                                           std::string& header) {
  std::ifstream in(dir + "/samples.csv");
  std::getline(in, header);
  std::vector<std::string> columns;
  std::stringstream h(header);
  for (std::string c; std::getline(h, c, ',');) columns.push_back(c);
  std::map<std::string, double> peaks;
  for (std::string line; std::getline(in, line);) {
    std::stringstream row(line);
    std::string cell;
    for (std::size_t i = 0; std::getline(row, cell, ',') && i < columns.size(); ++i)
      if (!cell.empty() && std::find(names.begin(), names.end(), columns[i]) != names.end())
        peaks[columns[i]] = std::max(peaks.count(columns[i]) ? peaks[columns[i]] : 0.0, std::stod(cell));
  }
  return peaks;
}

TEST(ScenarioGates, AirQualityBurstSpillsLosesNothingAndRecordsQueueMetrics) {
  const auto r = run_scenario(scenario("air_quality_burst"), "ci_short");
  expect_pass(r);
  const auto& loss = check(r, "no-data-loss");
  EXPECT_EQ(loss["outcome"], "pass") << loss.dump();
  EXPECT_GT(figure(loss, "spilled"), 0) << "the burst must overflow the queue: " << loss.dump();
  EXPECT_EQ(figure(loss, "replayed"), figure(loss, "spilled"));
  EXPECT_EQ(figure(loss, "lost"), 0);
  EXPECT_EQ(figure(loss, "delivered"), r.report["samplers"]["traffic"]["accepted"].get<double>());
  EXPECT_GT(figure(loss, "rejected"), 0);  // the generator's deliberately bad records
  EXPECT_EQ(check(r, "rss-burst-recovery")["outcome"], "pass");
  EXPECT_EQ(r.report["run"]["scenario"]["profiles"], nlohmann::json::array({"ci_short"}));

  // The metrics channel, beside memory in samples.csv.
  std::string header;
  const auto peaks = column_peaks(r.dir, {"metric_queue_depth", "metric_utilisation", "metric_spilled"}, header);
  EXPECT_NE(
      header.find(
          ",metric_queue_depth,metric_utilisation,metric_throttled,metric_spilled,metric_replayed,metric_processed"),
      std::string::npos)
      << header;
  ASSERT_TRUE(peaks.count("metric_queue_depth") && peaks.count("metric_spilled")) << "no metric values in samples.csv";
  EXPECT_GT(peaks.at("metric_queue_depth"), 1000);  // the bounded queue (2000) filled during the burst
  EXPECT_LE(peaks.at("metric_queue_depth"), 2000);
  EXPECT_GT(peaks.at("metric_spilled"), 0);
}

TEST(ScenarioGates, AirQualityBurstWithAnUnboundedQueueFailsBurstRecovery) {
  const auto r = run_scenario(scenario("air_quality_burst"), "ci_short,unbounded_queue");
  expect_fail(r, "rss-burst-recovery");
  EXPECT_EQ(check(r, "no-data-loss")["outcome"], "pass");  // it loses nothing; it holds the burst in memory
}

TEST(ScenarioGates, HydrologySoakPassesAndAccumulatingFailsTheRssBudget) {
  const auto good = run_scenario(scenario("hydrology_soak"), "ci_short");
  expect_pass(good);
  EXPECT_EQ(good.report["samplers"]["traffic"]["time_scale"], 5760);    // the day in 15 s
  EXPECT_GT(figure(check(good, "no-data-loss"), "processed"), 100000);  // the whole day's records
  const auto bad = run_scenario(scenario("hydrology_soak"), "ci_short,accumulate");
  expect_fail(bad, "rss-budget");
}

TEST(ScenarioGates, Routing10kStreamsToSqliteAndAccumulatingFailsTheRssBudget) {
  const auto good = run_scenario(scenario("routing_10k"), "ci_short");
  expect_pass(good);
  const auto& loss = check(good, "no-data-loss");
  EXPECT_EQ(figure(loss, "delivered"), 10000);  // pairs, from the delivered chunks
  EXPECT_EQ(figure(loss, "received"), 10000);
  const auto bad = run_scenario(scenario("routing_10k"), "ci_short,accumulate");
  expect_fail(bad, "rss-budget");
}

TEST(ScenarioGates, RepairWorkersPassAConnectionPerUnitFailsTheFdBudgetAndNoPurgeFailsRetention) {
  const auto good = run_scenario(scenario("repair_workers"), "ci_short");
  expect_pass(good);
  EXPECT_NE(check(good, "no-data-loss")["summary"].get<std::string>().find("no traffic generator ran"),
            std::string::npos);
  EXPECT_EQ(check(good, "allocator")["outcome"], "pass");  // the scenario runs glibc with the probe
  const auto leak = run_scenario(scenario("repair_workers"), "ci_short,connection_per_unit");
  expect_fail(leak, "fd-budget");
  const auto no_purge = run_scenario(scenario("repair_workers"), "ci_short,no_purge");
  expect_fail(no_purge, "heap-retention");
  EXPECT_EQ(failing_checks(no_purge), "heap-retention");  // retention alone: no budget is crossed
  // The freed rows it keeps are far above what the correct design holds beyond its heap
  // (alone: ~7 vs ~33 MiB). A margin in MiB, not a ratio: in a busy -j2 suite the probe's
  // live-heap figure lags RSS more, which raised the correct design's median to 13.5 MiB
  // once (no_purge 24.7 MiB), while the difference stays that of the retained rows.
  EXPECT_GT(figure(check(no_purge, "heap-retention"), "held_median"),
            figure(check(good, "heap-retention"), "held_median") + 8 * 1024.0 * 1024.0);
}

// Every leaking anti-pattern FAILs its CI form (ci: cycles) with a per-cycle leak check,
// not only a budget. Shortened to 8 cycles (28-36 s each; at --time-scale 2 the pipelines
// fell behind the doubled rates on a loaded machine and left quiet phases undrained; the
// full forms and their repeats: tests/bench/ci_form_repeats.sh); the repair workers mark
// their own 12 cycles (no traffic to shorten: ~35 s).
struct LeakForm {
  std::string scenario, antipattern, check;
};
void PrintTo(const LeakForm& c, std::ostream* os) { *os << c.scenario << " " << c.antipattern; }

class LeakingAntiPattern : public ::testing::TestWithParam<LeakForm> {};

TEST_P(LeakingAntiPattern, FailsItsCiFormWithAPerCycleLeakCheck) {
  const LeakForm& c = GetParam();
  const std::string dir = fresh_dir("leakform-" + c.antipattern) + "/run";
  std::vector<std::string> args{"run", "--quiet", "--no-plot", "--out", dir, "--profile", "ci," + c.antipattern};
  if (c.scenario != "repair_workers") args.insert(args.end(), {"--cycles", "8"});
  args.push_back(scenario(c.scenario));
  const auto r = memgate(args);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(std::filesystem::exists(dir + "/report.json")) << r.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_EQ(report["run"]["scenario"]["profiles"], nlohmann::json::array({"ci", c.antipattern}));
  const auto leak = report_check(report, c.check);
  EXPECT_EQ(leak["outcome"], "fail") << leak.dump(2) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LeakingAntiPattern,
                         ::testing::Values(LeakForm{"air_quality_burst", "keep_geometries", "rss-leak-per-cycle"},
                                           LeakForm{"wildfire_smoke_burst", "keep_geometries", "rss-leak-per-cycle"},
                                           LeakForm{"hydrology_soak", "accumulate", "rss-leak-per-cycle"},
                                           LeakForm{"routing_10k", "accumulate", "rss-leak-per-cycle"},
                                           LeakForm{"routing_100k", "accumulate", "rss-leak-per-cycle"},
                                           LeakForm{"repair_workers", "connection_per_unit", "fd-leak-per-cycle"}),
                         [](const auto& info) { return info.param.scenario + "_" + info.param.antipattern; });

// A scenario around a small fake target: `body` is its shell script (stdin: the traffic).
std::string fake_scenario(const std::string& dir, const std::string& body, std::uint64_t records) {
  const nlohmann::json doc = {{"target", {{"command", {"sh", "-c", body}}}},
                              {"traffic",
                               {{"payload", {{"kind", "sensors"}, {"seed", 4}, {"sensors", {{"temperature", 10}}}}},
                                {"stages", {{{"kind", "constant"}, {"rate", records}, {"duration_s", 1}}}}}},
                              {"sampling", {{"hz", 20}}},
                              {"checks", {{"plateau", "none"}, {"no_data_loss", true}}}};
  const std::string path = dir + "/fake.json";
  std::ofstream(path) << doc.dump(2);
  return path;
}

TEST(NoDataLossCheck, FailsATargetWhoseAccountingProcessedFewerThanItReceived) {
  const std::string dir = fresh_dir("ndl");
  // Counts every line, claims all but 5 processed: 5 records vanish inside the target.
  const std::string body =
      "n=$(wc -l); printf '{\"pid\":%d,\"accounting\":{\"received\":%d,\"processed\":%d,\"rejected_total\":0}}\\n' $$ "
      "$n $((n - 5)) "
      "> \"$MEMGATE_METRICS_PATH\"";
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--quiet", "--no-plot", "--out", out, fake_scenario(dir, body, 300)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto report = read_json(out + "/report.json");
  const auto loss = report_check(report, "no-data-loss");
  EXPECT_EQ(loss["outcome"], "fail");
  const auto delivered =
      report["samplers"]["traffic"]["accepted"].get<std::uint64_t>();  // ~300 (records due at t=1 s may miss)
  EXPECT_GT(delivered, 250u);
  EXPECT_EQ(report["samplers"]["metrics"]["accounting"]["received"], delivered);
  const std::string expected =
      "5 of the " + std::to_string(delivered) + " records the target received were neither processed";
  EXPECT_NE(loss["summary"].get<std::string>().find(expected), std::string::npos) << loss.dump();

  // Recomputed from the files on disk, with the settings the run recorded.
  const auto again = memgate({"report", "--json", out});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find(expected), std::string::npos) << again.output;
}

// A relative --out while the target runs in the scenario's directory: the channel's path
// handed to the target must still lead to the run directory's FIFO.
TEST(NoDataLossCheck, AccountingArrivesWithARelativeRunDirectoryAndAnotherTargetCwd) {
  const std::string dir = fresh_dir("ndl-rel");
  const std::string body =
      "n=$(wc -l); printf '{\"pid\":%d,\"accounting\":{\"received\":%d,\"processed\":%d,\"rejected_total\":0}}\\n' $$ "
      "$n $n "
      "> \"$MEMGATE_METRICS_PATH\"";
  const std::string scenario_file = fake_scenario(dir, body, 100);  // the target's cwd: dir
  std::filesystem::create_directories(dir + "/elsewhere");
  const auto r = run_command({"sh", "-c",
                              "cd '" + dir + "/elsewhere' && exec '" + std::string(MEMGATE_BIN) +
                                  "' run --quiet --no-plot --out rel-run '" + scenario_file + "'"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir + "/elsewhere/rel-run/report.json");
  EXPECT_EQ(report["samplers"]["metrics"]["accounting"]["received"], report["samplers"]["traffic"]["accepted"]);
  const auto loss = report_check(report, "no-data-loss");
  EXPECT_EQ(loss["outcome"], "pass") << loss.dump();
}

TEST(NoDataLossCheck, InconclusiveWhenNoAccountingLineArrives) {
  const std::string dir = fresh_dir("ndl-none");
  const std::string out = dir + "/run";
  const auto r =
      memgate({"run", "--quiet", "--no-plot", "--out", out, fake_scenario(dir, "exec cat > /dev/null", 100)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const auto report = read_json(out + "/report.json");
  const auto loss = report_check(report, "no-data-loss");
  EXPECT_EQ(loss["outcome"], "inconclusive");
  EXPECT_NE(loss["summary"].get<std::string>().find("no accounting line arrived"), std::string::npos) << loss.dump();
  // --metrics off: no channel, and the check says why.
  const auto off = memgate({"run", "--quiet", "--no-plot", "--metrics", "off", "--out", dir + "/off",
                            fake_scenario(dir, "exec cat > /dev/null", 100)});
  EXPECT_EQ(off.exit_code, 2) << off.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/off/metrics.fifo"));
  EXPECT_NE(read_json(dir + "/off/report.json")["checks"].dump().find("--metrics off"), std::string::npos);
}

TEST(ScenarioErrors, AMissingPipelineIsAUsageErrorNamingTheBinaryAndTheBuildTarget) {
  const auto r = run_command({"env", "MEMGATE_PIPELINES=/nonexistent/pipelines", MEMGATE_BIN, "run", "--quiet",
                              "--profile", "ci", scenario("air_quality_burst")});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("pipeline sensor_ingest not found at /nonexistent/pipelines/sensor_ingest"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--target pipelines"), std::string::npos) << r.output;
  const auto unknown = memgate({"run", "--quiet", "--profile", "nightly", scenario("air_quality_burst")});
  EXPECT_EQ(unknown.exit_code, 3) << unknown.output;
  EXPECT_NE(unknown.output.find("no such profile; this scenario has: ci, ci_short, keep_geometries, unbounded_queue"),
            std::string::npos)
      << unknown.output;
  const auto plain = memgate({"run", "--quiet", "--profile", "ci", "--", "true"});
  EXPECT_EQ(plain.exit_code, 3) << plain.output;
}

}  // namespace
}  // namespace memgate::testing
