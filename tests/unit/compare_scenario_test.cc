// The scenario path of `memgate run` / `memgate compare` and phase purges: one mapping
// from a scenario to run options (flags given win), the purge_at_phases field and
// policy, throughput from the target's accounting, the phase purge figure.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "alloc/phase_purge.h"
#include "compare/run_figures.h"
#include "compare/workload.h"
#include "memgate/error.h"
#include "run/run_config.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate {
namespace {

using nlohmann::json;

json scenario_doc() {
  return json::parse(R"({
    "target": {"command": ["./bin/pipeline", "--consumers", "2"], "env": {"QUEUE_MAX": "100"},
               "allocator": "jemalloc", "purge_at_phases": ["recovery"]},
    "traffic": {"transport": "stdin", "payload": {"kind": "sensors"},
                "stages": [{"kind": "constant", "rate": 100, "duration_s": 20, "phase": "nominal"}],
                "bursts": [{"at_s": [5], "duration_s": 5, "multiplier": 10, "recovery_s": 5}]},
    "sampling": {"hz": 20, "pss_hz": 0, "process_hz": 2},
    "checks": {"max_rss": "64M", "plateau": "none"}
  })");
}

TEST(PhasePurge, EveryChangeOrOnEnteringTheNamedPhases) {
  alloc::PhasePurge off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.wants("recovery"));
  alloc::PhasePurge every{true, {}};
  EXPECT_TRUE(every.enabled());
  EXPECT_TRUE(every.wants("burst"));
  alloc::PhasePurge recovery{false, {"recovery"}};
  EXPECT_TRUE(recovery.enabled());
  EXPECT_TRUE(recovery.wants("recovery"));
  EXPECT_FALSE(recovery.wants("burst"));
}

TEST(ScenarioPurgeField, TrueListOrAClearError) {
  auto doc = scenario_doc();
  auto s = scenario::parse_scenario(doc, "s.json", "/base");
  EXPECT_FALSE(s.target.purge_at_phases.every);
  EXPECT_EQ(s.target.purge_at_phases.entering, std::vector<std::string>{"recovery"});
  doc["target"]["purge_at_phases"] = true;
  EXPECT_TRUE(scenario::parse_scenario(doc, "s.json", "/base").target.purge_at_phases.every);
  doc["target"]["purge_at_phases"] = "recovery";
  try {
    scenario::parse_scenario(doc, "s.json", "/base");
    FAIL() << "a string must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("s.json: target.purge_at_phases: expected true"), std::string::npos)
        << e.what();
  }
}

TEST(ApplyScenario, ScenarioFillsWhatNoFlagGave) {
  const auto s = scenario::parse_scenario(scenario_doc(), "/base/s.json", "/base");
  run::RunConfig o;
  o.env_set = {"LD_PRELOAD=x.so"};
  run::apply_scenario(s, {}, o);
  EXPECT_EQ(o.command, s.target.command);
  EXPECT_EQ(o.env_set, (std::vector<std::string>{"LD_PRELOAD=x.so", "QUEUE_MAX=100"}));
  EXPECT_EQ(o.cwd, "/base");
  ASSERT_TRUE(o.traffic.has_value());
  EXPECT_DOUBLE_EQ(o.hz, 20);
  EXPECT_DOUBLE_EQ(o.pss_hz, 0);
  EXPECT_DOUBLE_EQ(o.process_hz, 2);
  ASSERT_TRUE(o.duration_s.has_value());
  EXPECT_DOUBLE_EQ(*o.duration_s, 20);  // the schedule's length
  EXPECT_EQ(report::to_json(o.checks)["max_rss"], 64ull << 20);
  EXPECT_TRUE(report::to_json(o.checks)["plateau"].empty());
}

TEST(ApplyScenario, GivenFlagsWin) {
  const auto s = scenario::parse_scenario(scenario_doc(), "/base/s.json", "/base");
  run::RunConfig o;
  o.hz = 50;
  o.duration_s = 3;
  run::FlagOverrides overrides;
  overrides.flags = {"--hz", "--duration", "--max-rss"};
  report::find_setting("max_rss")->set_from_text("1GiB", overrides.checks);
  report::find_setting("plateau")->set_from_text("rss", overrides.checks);  // not given: the scenario's "none" stays
  run::apply_scenario(s, overrides, o);
  EXPECT_DOUBLE_EQ(o.hz, 50);
  EXPECT_DOUBLE_EQ(*o.duration_s, 3);
  EXPECT_DOUBLE_EQ(o.process_hz, 2);
  EXPECT_EQ(report::to_json(o.checks)["max_rss"], 1u << 30);
  EXPECT_TRUE(report::to_json(o.checks)["plateau"].empty());
}

// A 24 h soak written at 1 Hz, compressed 720x on the command line: 5 samples per
// scenario hour unless the rates follow the compression (capped; a flag wins).
TEST(ApplyScenario, TimeScaleScalesTheWrittenSamplingRates) {
  nlohmann::json doc = scenario_doc();
  doc["traffic"]["time_scale"] = 2;
  doc["sampling"] = {{"hz", 1}, {"pss_hz", 0.1}, {"process_hz", 0}};
  scenario::Overrides compress;
  compress.time_scale = 720;
  const auto s = scenario::parse_scenario(doc, "/base/s.json", "/base", compress);
  EXPECT_DOUBLE_EQ(s.written_time_scale, 2);
  run::RunConfig o;
  run::apply_scenario(s, {}, o);
  EXPECT_DOUBLE_EQ(o.hz, 50);         // 1 Hz x 360, capped
  EXPECT_DOUBLE_EQ(o.pss_hz, 10);     // 0.1 x 360, capped
  EXPECT_DOUBLE_EQ(o.process_hz, 0);  // off stays off
  run::RunConfig given;
  given.hz = 1;
  run::apply_scenario(s, {{"--hz"}, {}}, given);
  EXPECT_DOUBLE_EQ(given.hz, 1);
  // Slower than written (or as written): the file's rates.
  compress.time_scale = 1;
  run::RunConfig slower;
  run::apply_scenario(scenario::parse_scenario(doc, "/base/s.json", "/base", compress), {}, slower);
  EXPECT_DOUBLE_EQ(slower.hz, 1);
  run::RunConfig as_written;
  run::apply_scenario(scenario::parse_scenario(doc, "/base/s.json", "/base"), {}, as_written);
  EXPECT_DOUBLE_EQ(as_written.hz, 1);
}

TEST(ApplyScenario, IsScenarioArgumentNeedsOneJsonFile) {
  EXPECT_TRUE(run::is_scenario_argument({"scenarios/a.json"}));
  EXPECT_FALSE(run::is_scenario_argument({"a.json", "--x"}));
  EXPECT_FALSE(run::is_scenario_argument({"./server"}));
}

TEST(ScenarioWorkload, RunsTheScenarioAndNamesTheReplacedAllocator) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("memgate-scenario-workload-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "s.json").string();
  std::ofstream(path) << scenario_doc().dump();
  run::RunConfig settings;
  settings.command = {path};
  const compare::ScenarioWorkload w(scenario::load_scenario(path), settings, {});
  EXPECT_EQ(run::target_program(w.run_config("")), (dir / "bin/pipeline").string());  // relative to the target's cwd
  EXPECT_NE(w.describe().find("./bin/pipeline --consumers 2"), std::string::npos) << w.describe();
  ASSERT_EQ(w.notes().size(), 1u);
  EXPECT_NE(w.notes()[0].find("names allocator jemalloc"), std::string::npos) << w.notes()[0];
  const auto o = w.run_config("/tmp/run-1");
  EXPECT_EQ(o.out_dir, "/tmp/run-1");
  EXPECT_TRUE(o.quiet);
  EXPECT_TRUE(o.plot);  // each run keeps its timeline.png; compare --no-plot turns it off (variant_config)
  EXPECT_TRUE(o.traffic.has_value());
  EXPECT_EQ(o.command.front(), "./bin/pipeline");
  // Bad checks are refused when the workload is made, before any run.
  auto bad = scenario_doc();
  bad["checks"] = {{"max_rss", "lots"}};
  EXPECT_THROW(compare::ScenarioWorkload(scenario::parse_scenario(bad, path, dir.string()), settings, {}), Error);
  fs::remove_all(dir);
}

TEST(CompareFiguresScenario, ThroughputPrefersTheTargetsAccounting) {
  auto report = json::parse(R"({
    "run": {"end_reason": "traffic-done"},
    "traffic": {"sent": 1100, "accepted": 1000, "elapsed_s": 10.0},
    "samplers": {"alloc": {"verified": true,
                           "purges": {"count": 3, "returned_bytes_total": 900.0,
                                      "by_trigger": {"phase": {"count": 2, "returned_bytes_total": 700.0},
                                                     "periodic": {"count": 1, "returned_bytes_total": 200.0}}}}}
  })");
  auto f = compare::figures_from_report(report);
  EXPECT_DOUBLE_EQ(f.values.at("records_per_s"), 100.0);
  EXPECT_EQ(f.throughput_basis, "accepted / traffic seconds");
  EXPECT_DOUBLE_EQ(f.values.at("phase_purge_returned_bytes"), 700.0);
  EXPECT_DOUBLE_EQ(f.values.at("purge_returned_bytes"), 900.0);
  report["samplers"]["metrics"] = {{"accounting", {{"received", 1000}, {"processed", 950}}}};
  f = compare::figures_from_report(report);
  EXPECT_DOUBLE_EQ(f.values.at("records_per_s"), 95.0);
  EXPECT_EQ(f.throughput_basis, "processed (target accounting) / traffic seconds");
}

}  // namespace
}  // namespace memgate
