// `memgate run SCENARIO.json`: the traffic driver feeds the target's stdin on its own
// thread while the runner samples; phases reach the sample log, the load's figures
// reach report.json, and EOF lets the target finish on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

std::string write_scenario(const std::string& dir, const nlohmann::json& scenario) {
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << scenario.dump(2);
  return path;
}

// The phase column of a run's samples.csv, as a set.
std::set<std::string> sample_phases(const std::string& run_dir) {
  std::set<std::string> phases;
  std::ifstream samples(run_dir + "/samples.csv");
  std::string header, line;
  std::getline(samples, header);
  EXPECT_EQ(header.rfind("t_s,scenario_t_s,wall_ms,phase,", 0), 0u) << header;
  while (std::getline(samples, line)) {
    const auto a = line.find(',', line.find(',', line.find(',') + 1) + 1);
    phases.insert(line.substr(a + 1, line.find(',', a + 1) - a - 1));
  }
  return phases;
}

nlohmann::json tiny_burst_scenario() {
  return {
      {"name", "tiny-burst"},
      {"target", {{"command", {"sh", "-c", "exec wc -l > received.txt"}}}},
      {"traffic",
       {{"transport", "stdin"},
        {"payload", {{"kind", "sensors"}, {"seed", 3}, {"bad_fraction", 0.0}, {"sensors", {{"air_quality", 10}}}}},
        {"stages", {{{"kind", "constant"}, {"rate", 400}, {"duration_s", 3}, {"phase", "nominal"}}}},
        {"bursts", {{{"at_s", {1}}, {"duration_s", 1}, {"multiplier", 10}, {"recovery_s", 1}}}}}},
      {"sampling", {{"hz", 20}}},
      {"checks", {{"plateau", "none"}, {"max_rss", "256M"}}},
  };
}

TEST(ScenarioRun, FeedsStdinTagsPhasesAndAccountsForEveryRecord) {
  const std::string dir = fresh_dir("scenario");
  const std::string scenario = write_scenario(dir, tiny_burst_scenario());
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", scenario});
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << r.output;
  const auto report = read_json(out + "/report.json");
  EXPECT_EQ(r.exit_code, report["verdict"]["exit_code"].get<int>()) << r.output;
  EXPECT_NE(r.exit_code, 3) << r.output;
  EXPECT_NE(r.exit_code, 4) << r.output;
  // The target ended by itself on EOF, after the schedule: not stopped by memgate.
  EXPECT_EQ(report["run"]["target"]["exit_code"], 0) << report["run"].dump();
  EXPECT_FALSE(report["run"]["target"]["stopped_by_memgate"].get<bool>());

  // Every record sent was received: 400/s for 3 s plus a 1 s burst at 10x.
  const auto& traffic = report["samplers"]["traffic"];
  std::ifstream received(dir + "/received.txt");  // cwd defaults to the scenario's directory
  std::size_t lines = 0;
  received >> lines;
  EXPECT_EQ(lines, traffic["sent"].get<std::size_t>()) << traffic.dump();
  EXPECT_NEAR(static_cast<double>(lines), 400 * 3 + 400 * 9, 50) << traffic.dump();
  // Per phase: the schedule's exact integrals, all accepted. The load stops when the
  // planned duration is over, a tick or so before the last records of the recovery are
  // due (hence the tolerance above): only that phase may be short.
  std::map<std::string, nlohmann::json> by_phase;
  for (const auto& p : traffic["phases"]) by_phase[p["phase"].get<std::string>()] = p;
  ASSERT_EQ(by_phase.size(), 3u) << traffic.dump();
  const std::pair<const char*, int> expected[] = {{"nominal", 400}, {"burst", 4000}, {"recovery", 400}};
  std::size_t accepted = 0;
  for (const auto& [name, count] : expected) {
    const auto& p = by_phase[name];
    if (std::string(name) == "recovery") {
      EXPECT_NEAR(p["offered"].get<double>(), count, 50) << p.dump();
    } else {
      EXPECT_EQ(p["offered"], count) << name << ": " << p.dump();
    }
    EXPECT_LE(p["offered"].get<int>() - p["sent"].get<int>(), 10)
        << name << ": " << p.dump();  // due at the stop, unsent
    EXPECT_EQ(p["accepted"], p["sent"]) << name;
    EXPECT_EQ(p["dropped"], 0) << name;
    EXPECT_LE(p["late"].get<int>(), count) << name;
    EXPECT_TRUE(p["lag_s"]["p99"].is_number()) << name;
    accepted += p["accepted"].get<std::size_t>();
  }
  EXPECT_EQ(accepted, traffic["accepted"].get<std::size_t>());
  EXPECT_EQ(read_json(out + "/meta.json")["samplers"]["traffic"]["phases"], traffic["phases"]);

  // Phases are in the sample log, with the scenario clock beside the wall clock.
  const std::set<std::string> phases = sample_phases(out);
  EXPECT_TRUE(phases.count("nominal")) << "phases seen: " << phases.size();
  EXPECT_TRUE(phases.count("burst"));
  EXPECT_TRUE(phases.count("recovery"));
  // The burst phase brings its recovery check; the scenario's budget is in force.
  std::set<std::string> checks;
  for (const auto& c : report["checks"]) checks.insert(c["id"].get<std::string>());
  EXPECT_TRUE(checks.count("rss-budget"));
  EXPECT_TRUE(checks.count("rss-burst-recovery"));
  EXPECT_FALSE(checks.count("rss-plateau"));
}

// A trace made by `memgate gen` from a scenario keeps each record's phase, and its
// replay tags the samples with them, so a replayed burst still gets its recovery check.
TEST(ScenarioRun, ReplayedTraceKeepsTheRecordedPhases) {
  const std::string dir = fresh_dir("scenario-trace-phases");
  const std::string trace = dir + "/burst.jsonl";
  const auto gen = memgate({"gen", "--out", trace, write_scenario(dir, tiny_burst_scenario())});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  std::ifstream lines(trace);
  std::map<std::string, int> recorded;
  for (std::string line; std::getline(lines, line);) ++recorded[nlohmann::json::parse(line).value("phase", "")];
  EXPECT_EQ(recorded["nominal"], 400);
  EXPECT_EQ(recorded["burst"], 4000);
  EXPECT_EQ(recorded["recovery"], 400);

  auto replay = tiny_burst_scenario();
  replay["name"] = "tiny-burst-replayed";
  replay["traffic"].erase("stages");
  replay["traffic"].erase("bursts");
  replay["traffic"]["payload"] = {{"kind", "trace"}, {"path", trace}};
  replay["sampling"]["duration_s"] = 3.5;
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", write_scenario(dir, replay)});
  ASSERT_TRUE(std::filesystem::exists(out + "/report.json")) << r.output;
  const auto report = read_json(out + "/report.json");
  std::map<std::string, int> offered;
  for (const auto& p : report["samplers"]["traffic"]["phases"])
    offered[p["phase"].get<std::string>()] = p["offered"].get<int>();
  EXPECT_EQ(offered["nominal"], 400) << report["samplers"]["traffic"].dump();
  EXPECT_EQ(offered["burst"], 4000);
  EXPECT_FALSE(offered.count("replay"));
  const std::set<std::string> phases = sample_phases(out);
  EXPECT_TRUE(phases.count("nominal")) << "phases seen: " << phases.size();
  EXPECT_TRUE(phases.count("burst"));
  EXPECT_TRUE(phases.count("recovery"));
  EXPECT_FALSE(phases.count("replay"));
  std::set<std::string> checks;
  for (const auto& c : report["checks"]) checks.insert(c["id"].get<std::string>());
  EXPECT_TRUE(checks.count("rss-burst-recovery"));
}

TEST(ScenarioRun, FlagsOverrideTheScenario) {
  const std::string dir = fresh_dir("scenario-override");
  auto compressed = tiny_burst_scenario();
  compressed["traffic"]["time_scale"] = 2;
  const std::string scenario = write_scenario(dir, compressed);
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", "--max-rss", "1M", "--hz", "5", scenario});
  EXPECT_EQ(r.exit_code, 1) << r.output;  // sh + wc hold more than 1 MiB
  const auto report = read_json(out + "/report.json");
  EXPECT_EQ(report["run"]["sampling"]["hz"], 5.0);
  EXPECT_EQ(report["check_settings"]["max_rss"], 1024 * 1024);
  // Events carry the scenario clock beside the wall clock, as samples do.
  std::ifstream events(out + "/events.jsonl");
  std::size_t n = 0;
  for (std::string line; std::getline(events, line); ++n) {
    const auto e = nlohmann::json::parse(line);
    EXPECT_DOUBLE_EQ(e["scenario_t_s"].get<double>(), 2 * e["t_s"].get<double>()) << line;
  }
  EXPECT_GE(n, 2u);  // start, traffic-done, exit...
}

TEST(ScenarioRun, MalformedScenarioIsAUsageErrorNamingTheField) {
  const std::string dir = fresh_dir("scenario-bad");
  auto bad = tiny_burst_scenario();
  bad["checks"]["max_rsss"] = "1G";
  const auto r = memgate({"run", "--quiet", write_scenario(dir, bad)});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("checks.max_rsss"), std::string::npos) << r.output;
  bad = tiny_burst_scenario();
  bad["traffic"]["stages"][0]["rate"] = "fast";
  const auto r2 = memgate({"run", "--quiet", write_scenario(dir, bad)});
  EXPECT_EQ(r2.exit_code, 3) << r2.output;
  EXPECT_NE(r2.output.find("rate"), std::string::npos) << r2.output;
}

}  // namespace
}  // namespace memgate::testing
