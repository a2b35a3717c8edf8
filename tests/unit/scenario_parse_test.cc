// Scenario files: a full example parses into plain values; every mistake names the
// file, the field and what is expected.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "memgate/error.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::scenario {
namespace {

using nlohmann::json;

json minimal() { return {{"target", {{"command", {"cat"}}}}}; }

std::string error_of(const json& doc) {
  try {
    parse_scenario(doc, "s.json", "/base");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "expected an error for " << doc.dump();
  return "";
}

TEST(ScenarioParse, FullScenarioBecomesPlainValues) {
  const json doc = json::parse(R"({
    "name": "ingest",
    "target": {"command": ["python3", "pipeline.py"], "env": {"QUEUE_MAX": "1000"}, "allocator": "jemalloc"},
    "traffic": {
      "transport": {"kind": "unix", "path": "run/ingest.sock"},
      "payload": {"kind": "sensors", "seed": 7, "sensors": {"temperature": 10}, "bad_fraction": 0.01},
      "stages": [
        {"kind": "constant", "rate": 200, "duration_s": 60, "phase": "warmup"},
        {"kind": "diurnal", "min": 100, "max": 900, "peak_hour": 14, "duration_s": 86400, "phase": "soak", "hourly": true}
      ],
      "bursts": [{"every_s": 3600, "start_s": 1800, "duration_s": 30, "multiplier": 10, "recovery_s": 300}],
      "time_scale": 24,
      "late_policy": {"kind": "drop", "max_lag_s": 0.005}
    },
    "sampling": {"hz": 5, "pss_hz": 0.5},
    "checks": {"plateau": {"horizon_h": 24}}
  })");
  const Scenario s = parse_scenario(doc, "/base/ingest.json", "/base");
  EXPECT_EQ(s.name, "ingest");
  EXPECT_EQ(s.target.command, (std::vector<std::string>{"python3", "pipeline.py"}));
  EXPECT_EQ(s.target.env_set, (std::vector<std::string>{"QUEUE_MAX=1000"}));
  EXPECT_EQ(s.target.allocator, "jemalloc");
  EXPECT_EQ(s.target.cwd, "/base");
  ASSERT_TRUE(s.traffic);
  EXPECT_EQ(s.traffic->transport.kind, load::TransportSpec::Kind::unix_socket);
  EXPECT_EQ(s.traffic->transport.path, "/base/run/ingest.sock");
  EXPECT_EQ(s.traffic->payload.sensors.seed, 7u);
  EXPECT_EQ(s.traffic->payload.sensors.sensors.size(), 1u);
  ASSERT_EQ(s.traffic->stages.size(), 2u);
  EXPECT_EQ(s.traffic->stages[1].kind, load::Stage::Kind::cosine);
  EXPECT_DOUBLE_EQ(s.traffic->stages[1].mean, 500);
  EXPECT_DOUBLE_EQ(s.traffic->stages[1].amplitude, 400);
  EXPECT_DOUBLE_EQ(s.traffic->stages[1].peak_s, 14 * 3600);
  EXPECT_EQ(s.traffic->late_policy, load::LatePolicy::drop);
  EXPECT_DOUBLE_EQ(s.traffic->max_lag_s, 0.005);
  EXPECT_DOUBLE_EQ(s.sampling.hz, 5);
  ASSERT_TRUE(s.sampling.duration_s);
  EXPECT_DOUBLE_EQ(*s.sampling.duration_s, (60 + 86400) / 24.0);  // the compressed schedule
  EXPECT_EQ(s.checks["plateau"]["horizon_h"], 24);
}

TEST(ScenarioParse, FleetRateAndDefaults) {
  json doc = minimal();
  doc["traffic"] = {{"stages", {{{"rate", "fleet"}, {"duration_s", 10}}}}};
  const Scenario s = parse_scenario(doc, "s.json", "/base");
  EXPECT_EQ(s.traffic->transport.kind, load::TransportSpec::Kind::stdin_pipe);
  EXPECT_EQ(s.traffic->payload.kind, load::PayloadSpec::Kind::sensors);
  EXPECT_GT(s.traffic->stages[0].rate, 85 * 0.017);  // the default fleet's summed rates
  EXPECT_EQ(s.name, "s");
}

TEST(ScenarioParse, ErrorsNameFileFieldAndExpectation) {
  EXPECT_EQ(error_of(json::object()),
            "s.json: target: missing; expected an object with \"command\": [argv...] or \"pipeline\": \"NAME\"");
  json typo = minimal();
  typo["sampling"] = {{"hzz", 5}};
  EXPECT_NE(error_of(typo).find("s.json: sampling.hzz: unknown field; expected one of:"), std::string::npos);
  json rate = minimal();
  rate["traffic"] = {{"stages", {{{"rate", "fast"}, {"duration_s", 10}}}}};
  EXPECT_EQ(error_of(rate),
            "s.json: traffic.stages[0].rate: expected a rate between 0 and 1e9 (records/s) or \"fleet\", got \"fast\"");
  json hz = minimal();
  hz["sampling"] = {{"hz", 0}};
  EXPECT_EQ(error_of(hz), "s.json: sampling.hz: expected a number between 0.001 and 1000 (samples/s), got 0");
  json transport = minimal();
  transport["traffic"] = {{"transport", {{"kind", "udp"}}}, {"payload", "none"}};
  EXPECT_NE(error_of(transport).find("traffic.transport.kind: expected \"stdin\", \"unix\", \"tcp\" or \"command\""),
            std::string::npos);
  json sensors = minimal();
  sensors["traffic"] = {{"payload", {{"kind", "sensors"}, {"sensors", {{"humidity", 2}}}}},
                        {"stages", {{{"rate", 1}, {"duration_s", 1}}}}};
  EXPECT_NE(error_of(sensors).find("traffic.payload.sensors.humidity: unknown field"), std::string::npos);
  json no_stages = minimal();
  no_stages["traffic"] = {{"payload", "sensors"}};
  EXPECT_NE(error_of(no_stages).find("traffic.stages: missing"), std::string::npos);
  json overlap = minimal();
  overlap["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", 100}}}},
                        {"bursts", {{{"at_s", {10, 12}}, {"duration_s", 5}}}}};
  EXPECT_NE(error_of(overlap).find("s.json: traffic.bursts: two bursts overlap"), std::string::npos);
}

// Every duration field takes seconds or the CLI's strings ("30s", "5m", "2h"), through
// the one parser memgate::parse_duration.
TEST(ScenarioParse, DurationFieldsAcceptSecondsOrUnitStrings) {
  json doc = minimal();
  doc["traffic"] = {
      {"transport", {{"kind", "unix"}, {"path", "x.sock"}, {"connect_timeout_s", "500ms"}}},
      {"stages",
       {{{"rate", 10}, {"duration_s", "5m"}, {"phase", "warmup"}},
        {{"kind", "sine"}, {"mean", 10}, {"amplitude", 5}, {"period_s", "10m"}, {"peak_s", "2m"}, {"duration_s", 7200}},
        {{"kind", "diurnal"}, {"min", 1}, {"max", 2}, {"duration_s", "1d"}}}},
      {"bursts",
       {{{"at_s", {"90s", 3600}}, {"duration_s", "30s"}, {"recovery_s", "2m"}},
        {{"every_s", "1h"}, {"start_s", "1.5h"}, {"duration_s", 60}}}},
      {"late_policy", {{"kind", "drop"}, {"max_lag_s", "250ms"}}}};
  doc["sampling"] = {{"duration_s", "2h"}};
  const Scenario s = parse_scenario(doc, "s.json", "/base");
  const auto& t = *s.traffic;
  EXPECT_DOUBLE_EQ(t.transport.connect_timeout_s, 0.5);
  EXPECT_DOUBLE_EQ(t.stages[0].duration_s, 300);
  EXPECT_DOUBLE_EQ(t.stages[1].period_s, 600);
  EXPECT_DOUBLE_EQ(t.stages[1].peak_s, 120);
  EXPECT_DOUBLE_EQ(t.stages[1].duration_s, 7200);
  EXPECT_DOUBLE_EQ(t.stages[2].duration_s, 86400);
  EXPECT_EQ(t.bursts[0].at_s, (std::vector<double>{90, 3600}));
  EXPECT_DOUBLE_EQ(t.bursts[0].duration_s, 30);
  EXPECT_DOUBLE_EQ(t.bursts[0].recovery_s, 120);
  EXPECT_DOUBLE_EQ(t.bursts[1].every_s, 3600);
  EXPECT_DOUBLE_EQ(t.bursts[1].start_s, 5400);
  EXPECT_DOUBLE_EQ(t.max_lag_s, 0.25);
  EXPECT_DOUBLE_EQ(*s.sampling.duration_s, 7200);

  json command = minimal();
  command["traffic"] = {{"transport", {{"kind", "command"}, {"command", {"true"}}, {"stop_grace_s", "2s"}}},
                        {"payload", "none"}};
  EXPECT_DOUBLE_EQ(parse_scenario(command, "s.json", "/base").traffic->transport.stop_grace_s, 2);
  json trace = minimal();
  trace["traffic"] = {{"payload", {{"kind", "trace"}, {"path", "t.jsonl"}, {"max_gap_s", "1m"}}}};
  EXPECT_DOUBLE_EQ(parse_scenario(trace, "s.json", "/base").traffic->payload.replay.max_gap_s, 60);
}

TEST(ScenarioParse, BadDurationsNameFileFieldAndTheExpectedForm) {
  const std::string form = ": seconds as a number, or a string like \"30s\", \"5m\", \"2h\"";
  json words = minimal();
  words["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", "5 minutes"}}}}};
  EXPECT_EQ(error_of(words), "s.json: traffic.stages[0].duration_s: expected a duration > 0, at most 1000 days" + form +
                                 ", got \"5 minutes\"");
  json zero = minimal();
  zero["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", "0s"}}}}};
  EXPECT_EQ(error_of(zero),
            "s.json: traffic.stages[0].duration_s: expected a duration > 0, at most 1000 days" + form + ", got \"0s\"");
  json missing = minimal();
  missing["traffic"] = {{"stages", {{{"rate", 1}}}}};
  EXPECT_EQ(error_of(missing),
            "s.json: traffic.stages[0].duration_s: missing; expected a duration > 0, at most 1000 days" + form);
  json at = minimal();
  at["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", 100}}}},
                   {"bursts", {{{"at_s", {10, "-5s"}}, {"duration_s", 5}}}}};
  EXPECT_EQ(error_of(at),
            "s.json: traffic.bursts[0].at_s[1]: expected a duration >= 0, at most 1000 days" + form + ", got \"-5s\"");
  json type = minimal();
  type["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", 100}}}},
                     {"bursts", {{{"every_s", true}, {"duration_s", 5}}}}};
  EXPECT_EQ(error_of(type),
            "s.json: traffic.bursts[0].every_s: expected a duration >= 0, at most 1000 days" + form + ", got true");
  json grace = minimal();
  grace["traffic"] = {{"transport", {{"kind", "command"}, {"command", {"true"}}, {"stop_grace_s", "2h"}}},
                      {"payload", "none"}};
  EXPECT_EQ(error_of(grace),
            "s.json: traffic.transport.stop_grace_s: expected a duration between 0 and 3600" + form + ", got \"2h\"");
}

TEST(ScenarioParse, RefusesAScheduleTheMachineCannotDeliver) {
  json doc = minimal();
  doc["traffic"] = {{"stages", {{{"rate", 50000}, {"duration_s", 3600}}}},
                    {"bursts", {{{"at_s", {60}}, {"duration_s", 30}, {"multiplier", 10}}}},
                    {"time_scale", 24}};
  const std::string message = error_of(doc);
  EXPECT_NE(message.find("needs 12000000 records/s at its peak (500000/s x time_scale 24)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("lower time_scale to 2 or less"), std::string::npos) << message;
}

TEST(ScenarioParse, LoadScenarioReportsJsonSyntaxErrorsWithThePath) {
  const std::string path = ::testing::TempDir() + "memgate_bad_scenario.json";
  {
    std::ofstream out(path);
    out << "{\"target\": {\"command\": [\"cat\"]},\n \"sampling\": {\"hz\": }\n}";
  }
  try {
    load_scenario(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not valid JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario(path + ".missing"), Error);
}

TEST(ScenarioParse, ExampleScenariosAllParse) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(MEMGATE_FIXTURES) + "/../../scenarios/examples")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_scenario(entry.path().string()));
  }
  // This one writes its durations as strings ("24h", "3h", "10m"...).
  const Scenario soak = load_scenario(std::string(MEMGATE_FIXTURES) + "/../../scenarios/examples/diurnal_soak.json");
  EXPECT_DOUBLE_EQ(soak.traffic->stages[0].duration_s, 86400);
  EXPECT_DOUBLE_EQ(soak.traffic->bursts[0].every_s, 10800);
  EXPECT_DOUBLE_EQ(soak.traffic->bursts[0].duration_s, 600);
  EXPECT_DOUBLE_EQ(soak.traffic->bursts[0].recovery_s, 1800);
  EXPECT_DOUBLE_EQ(*soak.sampling.duration_s, 3600);
}

// Values no run can hold are refused up front, not run into a PASS without traffic.
TEST(ScenarioParse, DurationsAndRatesHaveSaneRanges) {
  json forever = minimal();
  forever["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", 1e308}}}}};
  EXPECT_NE(error_of(forever).find("s.json: traffic.stages[0].duration_s: expected a duration > 0, at most 1000 days"),
            std::string::npos);
  json total = minimal();
  total["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", "900d"}}, {{"rate", 1}, {"duration_s", "200d"}}}}};
  EXPECT_NE(error_of(total).find("s.json: traffic.stages[1].duration_s: the stages would last more than 1000 days"),
            std::string::npos);
  json fast = minimal();
  fast["traffic"] = {{"stages", {{{"rate", 2e9}, {"duration_s", 1}}}}};
  EXPECT_EQ(
      error_of(fast),
      "s.json: traffic.stages[0].rate: expected a rate between 0 and 1e9 (records/s) or \"fleet\", got 2000000000.0");
  json sampling = minimal();
  sampling["sampling"] = {{"duration_s", 1e300}};
  EXPECT_NE(error_of(sampling).find("s.json: sampling.duration_s: expected a duration >= 0.001, at most 1000 days"),
            std::string::npos);
  json longest = minimal();
  longest["traffic"] = {{"stages", {{{"rate", 1}, {"duration_s", "1000d"}}}}};
  EXPECT_DOUBLE_EQ(parse_scenario(longest, "s.json", "/base").traffic->stages[0].duration_s, 86400000);
}

TEST(ScenarioParse, UnixSocketPathOverTheKernelLimitIsRefused) {
  json doc = minimal();
  doc["traffic"] = {{"transport", {{"kind", "unix"}, {"path", "/tmp/" + std::string(103, 's')}}},
                    {"stages", {{{"rate", 1}, {"duration_s", 1}}}}};
  EXPECT_NE(
      error_of(doc).find("s.json: traffic.transport.path: unix socket path is 108 bytes, the kernel takes at most 107"),
      std::string::npos);
  doc["traffic"]["transport"]["path"] = "/tmp/" + std::string(102, 's');  // 107 bytes: fits
  EXPECT_EQ(parse_scenario(doc, "s.json", "/base").traffic->transport.path.size(), 107u);
}

std::string load_error(const std::string& path) {
  try {
    load_scenario(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "expected an error loading " << path;
  return "";
}

TEST(ScenarioParse, FilesItNamesAreCheckedWhenLoaded) {
  const std::string dir = ::testing::TempDir() + "memgate_scenario_paths_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir + "/traces");
  std::ofstream(dir + "/traces/ok.jsonl") << "{\"t\":0,\"line\":\"x\"}\n";
  const auto write = [&](const std::string& name, const json& doc) {
    std::ofstream(dir + "/" + name) << doc.dump();
    return dir + "/" + name;
  };
  json trace = minimal();
  trace["traffic"] = {{"payload", {{"kind", "trace"}, {"path", "traces/missing.jsonl"}}}};
  EXPECT_NE(load_error(write("missing.json", trace))
                .find("missing.json: traffic.payload.path: " + dir + "/traces/missing.jsonl: No such file"),
            std::string::npos);
  trace["traffic"]["payload"]["path"] = "traces";
  EXPECT_NE(
      load_error(write("dir.json", trace)).find("dir.json: traffic.payload.path: " + dir + "/traces is a directory"),
      std::string::npos);
  trace["traffic"]["payload"]["path"] = "traces/ok.jsonl";
  EXPECT_EQ(load_scenario(write("ok.json", trace)).traffic->payload.trace_path, dir + "/traces/ok.jsonl");
  json cwd = minimal();
  cwd["target"]["cwd"] = "no/such/dir";
  EXPECT_NE(load_error(write("cwd.json", cwd)).find("cwd.json: target.cwd: " + dir + "/no/such/dir: No such file"),
            std::string::npos);
  cwd["target"]["cwd"] = "traces/ok.jsonl";
  EXPECT_NE(load_error(write("cwdfile.json", cwd)).find("target.cwd: " + dir + "/traces/ok.jsonl is not a directory"),
            std::string::npos);
}

TEST(ScenarioParse, HostileFilesAreUsageErrorsNamingTheFile) {
  const std::string dir = ::testing::TempDir() + "memgate_scenario_hostile_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string deep = dir + "/deep.json";
  std::ofstream(deep) << "{\"description\": " << std::string(100000, '[') << std::string(100000, ']') << "}";
  EXPECT_EQ(load_error(deep), deep + ": description: nested deeper than 64 levels");
  const std::string huge = dir + "/huge.json";
  std::ofstream(huge) << "{\"description\": \"" << std::string(kMaxScenarioBytes, 'x') << "\"}";
  EXPECT_NE(load_error(huge).find("a scenario file may be at most 4194304 bytes"), std::string::npos);
  const std::string rate = dir + "/rate.json";
  std::ofstream(rate)
      << R"({"target": {"command": ["cat"]}, "traffic": {"stages": [{"rate": 1e400, "duration_s": 1}]}})";
  EXPECT_EQ(load_error(rate),
            rate + ": traffic.stages[0].rate: number 1e400 does not fit a double (at most about 1.8e308)");
  EXPECT_NE(load_error(dir).find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace memgate::scenario

namespace memgate::scenario {
namespace {

TEST(ScenarioParse, AbortOnTakesTheFlagsValuesOnly) {
  nlohmann::json doc = {{"target", {{"command", {"cat"}}}}};
  EXPECT_FALSE(parse_scenario(doc, "s.json", "/base").sampling.abort_on.has_value());
  doc["sampling"] = {{"abort_on", "budget"}};
  EXPECT_EQ(parse_scenario(doc, "s.json", "/base").sampling.abort_on, "budget");
  doc["sampling"] = {{"abort_on", "soon"}};
  EXPECT_EQ(error_of(doc), "s.json: sampling.abort_on: expected \"none\", \"budget\" or \"fail\", got \"soon\"");
  // The file sets the run's --abort-on unless the flag was given.
  doc["sampling"] = {{"abort_on", "fail"}};
  const Scenario s = parse_scenario(doc, "s.json", "/base");
  run::RunConfig from_file, from_flag;
  run::apply_scenario(s, {}, from_file);
  EXPECT_EQ(from_file.abort_on, "fail");
  from_flag.abort_on = "budget";
  run::apply_scenario(s, {{"--abort-on"}, {}}, from_flag);
  EXPECT_EQ(from_flag.abort_on, "budget");
}

TEST(ScenarioParse, UntilDecidedTakesItsMaximumAndIsRefusedWithoutOne) {
  nlohmann::json doc = {{"target", {{"command", {"cat"}}}}};
  doc["sampling"] = {{"until_decided", true}, {"max_duration_s", "24h"}};
  const Scenario s = parse_scenario(doc, "s.json", "/base");
  EXPECT_TRUE(s.sampling.until_decided);
  ASSERT_TRUE(s.sampling.max_duration_s.has_value());
  EXPECT_DOUBLE_EQ(*s.sampling.max_duration_s, 86400);
  doc["sampling"] = {{"until_decided", true}};
  try {
    parse_scenario(doc, "s.json", "/base");
    ADD_FAILURE() << "until_decided without max_duration_s was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("sampling.until_decided: needs sampling.max_duration_s"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace memgate::scenario
