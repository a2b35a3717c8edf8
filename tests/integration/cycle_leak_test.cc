// Cycles in a run, end to end: the traffic driver sends N identical cycles, each followed
// by a drain and a quiet phase; the per-cycle leak checks judge the quiescent levels. And
// a command without traffic marks its own cycles on the metrics channel.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

std::string cycle_scenario(const std::string& dir, double leak_per_record) {
  const nlohmann::json scenario = {
      {"name", "cycles"},
      {"target", {{"command", {helper("cycler"), "--leak-per-record", std::to_string(leak_per_record)}}}},
      {"traffic",
       {{"transport", "stdin"},
        {"payload", {{"kind", "sensors"}, {"seed", 5}, {"bad_fraction", 0.0}, {"sensors", {{"air_quality", 10}}}}},
        {"stages", {{{"kind", "constant"}, {"rate", 800}, {"duration_s", 0.25}}}},
        {"cycles", {{"count", 8}, {"drain_s", 0.1}, {"quiet_s", 0.3}}}}},
      {"sampling", {{"hz", 50}, {"pss_hz", 0}}},
      {"checks", {{"plateau", "none"}, {"cycle_leak", "rss,fds"}, {"production_rate", "2000/s"}}},
  };
  const std::string path = dir + "/scenario.json";
  std::ofstream(path) << scenario.dump(2);
  return path;
}

// The distinct phase tags of a run's events.jsonl "phase" events, in order of first sight.
std::vector<std::string> phase_events(const std::string& run_dir) {
  std::vector<std::string> phases;
  std::ifstream events(run_dir + "/events.jsonl");
  for (std::string line; std::getline(events, line);) {
    const auto e = nlohmann::json::parse(line);
    if (e["kind"] == "phase") phases.push_back(e["phase"].get<std::string>());
  }
  return phases;
}

TEST(CycleLeak, TrafficCyclesWithoutALeakPass) {
  const std::string dir = fresh_dir("cycles-flat");
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", cycle_scenario(dir, 0)});
  const auto report = read_json(out + "/report.json");
  const auto rss = report_check(report, "rss-leak-per-cycle");
  EXPECT_EQ(rss["outcome"], "pass") << rss.dump(2) << r.output;
  EXPECT_EQ(report_check(report, "fd-leak-per-cycle")["outcome"], "pass");
  EXPECT_EQ(rss["figures"]["cycles"]["value"], 8);
  // 200 records a cycle at 800/s for 0.25 s: the work per cycle comes from the traffic figures.
  EXPECT_NEAR(rss["figures"]["work_per_cycle"]["value"].get<double>(), 200, 2);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto phases = phase_events(out);
  for (const char* p : {"cycle 1", "cycle 1 drain", "cycle 1 quiet", "cycle 8", "cycle 8 quiet"})
    EXPECT_NE(std::find(phases.begin(), phases.end(), p), phases.end()) << p;
}

TEST(CycleLeak, TrafficCyclesWithALeakPerRecordFailWithBytesPerRecord) {
  const std::string dir = fresh_dir("cycles-leak");
  const std::string out = dir + "/run";
  // 8 KiB per record, 200 records a cycle: about 1.6 MiB kept per cycle.
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", cycle_scenario(dir, 8192)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto report = read_json(out + "/report.json");
  const auto rss = report_check(report, "rss-leak-per-cycle");
  EXPECT_EQ(rss["outcome"], "fail") << rss.dump(2);
  const double per_unit = rss["figures"]["per_unit"]["value"].get<double>();
  EXPECT_GT(per_unit, 6000) << rss.dump(2);
  EXPECT_LT(per_unit, 11000) << rss.dump(2);
  EXPECT_NE(rss["summary"].get<std::string>().find("at 2000 record/s:"), std::string::npos) << rss["summary"];
  EXPECT_EQ(report_check(report, "fd-leak-per-cycle")["outcome"], "pass");
}

TEST(CycleLeak, CyclePurgeAsksTheAllocatorAtEveryQuietPhase) {
  const std::string dir = fresh_dir("cycles-purge");
  const std::string out = dir + "/run";
  const auto r = memgate({"run", "--out", out, "--quiet", "--no-plot", "--allocator", "glibc", "--cycle-purge",
                          "--cycle-leak", "rss,heap,fds", cycle_scenario(dir, 0)});
  const auto report = read_json(out + "/report.json");
  EXPECT_EQ(report_check(report, "heap-leak-per-cycle")["outcome"], "pass") << r.output;
  std::ifstream events(out + "/events.jsonl");
  int quiet_purges = 0;
  for (std::string line; std::getline(events, line);) {
    const auto e = nlohmann::json::parse(line);
    if (e["kind"] == "purge" && e["trigger"].get<std::string>().ends_with(" quiet")) ++quiet_purges;
  }
  EXPECT_EQ(quiet_purges, 8) << r.output;
}

TEST(CycleLeak, CliCyclesOverrideTheScenario) {
  const std::string dir = fresh_dir("cycles-flag");
  const std::string out = dir + "/run";
  const auto r = memgate(
      {"run", "--out", out, "--quiet", "--no-plot", "--cycles", "3", "--cycle-quiet", "0.2s", cycle_scenario(dir, 0)});
  const auto report = read_json(out + "/report.json");
  // 3 cycles are too few to judge: inconclusive, with the cycles needed.
  const auto rss = report_check(report, "rss-leak-per-cycle");
  EXPECT_EQ(rss["outcome"], "inconclusive") << rss.dump(2);
  EXPECT_EQ(rss["figures"]["cycles"]["value"], 3);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(CycleLeak, CyclesFlagWithoutTrafficIsAUsageError) {
  const auto r = memgate({"run", "--quiet", "--no-plot", "--cycles", "3", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("metrics channel"), std::string::npos) << r.output;
}

// memgate run at 50 Hz, no plateau, with `flags`, around the cycler marking its own cycles.
std::vector<std::string> marked_cycles(const std::string& out, const std::vector<std::string>& flags,
                                       const std::vector<std::string>& cycler_args) {
  std::vector<std::string> args{"run", "--out", out, "--quiet", "--no-plot", "--hz", "50", "--plateau", "none"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--", helper("cycler")});
  args.insert(args.end(), cycler_args.begin(), cycler_args.end());
  return args;
}

TEST(CycleLeak, MarkedCyclesOnTheMetricsChannel) {
  for (const auto& [leak, outcome] : {std::pair{"0", "pass"}, std::pair{"2097152", "fail"}}) {
    const std::string out = fresh_dir(std::string("cycles-marked-") + outcome) + "/run";
    const auto r = memgate(
        marked_cycles(out, {"--cycle-quiet", "0.2s"},
                      {"--mark-cycles", "9", "--work-ms", "120", "--quiet-ms", "300", "--leak-per-cycle", leak}));
    const auto report = read_json(out + "/report.json");
    const auto rss = report_check(report, "rss-leak-per-cycle");
    EXPECT_EQ(rss["outcome"], outcome) << rss.dump(2) << r.output;
    EXPECT_EQ(rss["figures"]["cycles"]["value"], 9) << rss.dump(2);
    EXPECT_GT(rss["figures"]["work_per_cycle"]["value"].get<double>(), 0) << rss.dump(2);
    std::ifstream events(out + "/events.jsonl");
    int marks = 0;
    for (std::string line; std::getline(events, line);)
      if (nlohmann::json::parse(line)["kind"] == "cycle") ++marks;
    EXPECT_EQ(marks, 9);
  }
}

// A target that keeps computing after each cycle's load, holding memory it returns when
// it stops (here 2 MiB more each cycle): measured at once, that memory looks like a leak;
// with --cycle-drain-signal cpu the quiet measurement waits until the tree's CPU time
// stops advancing, and the levels are flat.
TEST(CycleLeak, CpuDrainMeasuresAfterTheTargetStopsComputing) {
  const auto run = [](const std::string& signal, nlohmann::json& rss) {
    const std::string out = fresh_dir("cycles-cpu-drain-" + signal) + "/run";
    const auto r =
        memgate(marked_cycles(out, {"--cycle-quiet", "1.25s", "--cycle-drain-signal", signal, "--cycle-leak", "rss"},
                              {"--mark-cycles", "8", "--work-ms", "100", "--quiet-ms", "1350", "--busy-ms", "700",
                               "--busy-bytes", "2097152"}));
    rss = report_check(read_json(out + "/report.json"), "rss-leak-per-cycle");
    return r;
  };
  nlohmann::json rss;
  const auto cpu = run("cpu", rss);
  EXPECT_EQ(rss["outcome"], "pass") << rss.dump(2) << cpu.output;
  EXPECT_EQ(rss["figures"]["cycles"]["value"], 8) << rss.dump(2);
  EXPECT_EQ(rss["figures"]["undrained_cycles"]["value"], 0) << rss.dump(2);
  // The measurement starts after the 0.7 s of computing, plus the idle window.
  EXPECT_GE(rss["figures"]["cpu_drain_wait_s"]["value"].get<double>(), 0.7) << rss.dump(2);
  EXPECT_LT(rss["figures"]["cpu_drain_wait_s"]["value"].get<double>(), 1.2) << rss.dump(2);
  EXPECT_EQ(cpu.exit_code, 0) << cpu.output;

  // Measured over the whole quiet phase, most samples hold the busy memory: about 2 MiB
  // "kept" per cycle, judged a leak or (when the median flips between the busy and the
  // rested level in some cycles) undecided, never a pass.
  const auto fixed = run("time", rss);
  EXPECT_NE(rss["outcome"], "pass") << rss.dump(2) << fixed.output;
  EXPECT_GT(rss["figures"]["per_cycle"]["value"].get<double>(), 1024 * 1024.0) << rss.dump(2);
  EXPECT_FALSE(rss["figures"].contains("cpu_drain_wait_s")) << rss.dump(2);
}

}  // namespace
}  // namespace memgate::testing
