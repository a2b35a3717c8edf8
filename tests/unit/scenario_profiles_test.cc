// Scenario profiles (named merge patches), the --time-scale override and the
// "pipeline" target form: pure document transformations and name resolution.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "memgate/error.h"
#include "report/check_registry.h"
#include "scenario/pipeline_target.h"
#include "scenario/profiles.h"
#include "scenario/scenario.h"

namespace memgate::scenario {
namespace {

using nlohmann::json;

json with_profiles() {
  return json::parse(R"({
    "target": {"pipeline": "sensor_ingest", "args": ["--queue-size", "2000"]},
    "traffic": {"payload": {"kind": "sensors", "sensors": {"air_quality": 10}},
                "stages": [{"rate": 100, "duration_s": 120}], "time_scale": 1},
    "checks": {"max_rss": "64M", "plateau": ["rss"]},
    "profiles": {
      "ci": {"traffic": {"time_scale": 4}, "checks": {"plateau": "none"}},
      "unbounded_queue": {"target": {"antipattern": "unbounded_queue"}},
      "no_budget": {"checks": {"max_rss": null}}
    }
  })");
}

std::string usage_error(const json& doc, const Overrides& o) {
  try {
    apply_overrides(doc, o, "s.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "expected a usage error";
  return "";
}

TEST(ScenarioProfiles, NoProfileLeavesTheDocumentAsWrittenWithoutItsProfiles) {
  const json out = apply_overrides(with_profiles(), {}, "s.json");
  EXPECT_FALSE(out.contains("profiles"));
  EXPECT_EQ(out["traffic"]["time_scale"], 1);
  EXPECT_EQ(out["checks"]["plateau"], json::array({"rss"}));
  EXPECT_EQ(profile_names(with_profiles()), (std::vector<std::string>{"ci", "no_budget", "unbounded_queue"}));
}

TEST(ScenarioProfiles, ProfilesMergeKeyByKeyAndCompose) {
  const json out = apply_overrides(with_profiles(), {{"ci", "unbounded_queue"}, std::nullopt}, "s.json");
  EXPECT_EQ(out["traffic"]["time_scale"], 4);
  EXPECT_EQ(out["checks"]["plateau"], "none");
  EXPECT_EQ(out["checks"]["max_rss"], "64M");  // untouched keys stay
  EXPECT_EQ(out["target"]["antipattern"], "unbounded_queue");
  EXPECT_EQ(out["target"]["args"], json::array({"--queue-size", "2000"}));  // the ci patch did not touch them
  EXPECT_EQ(out["traffic"]["stages"][0]["rate"], 100);
  // null deletes a key (RFC 7386)
  EXPECT_FALSE(apply_overrides(with_profiles(), {{"no_budget"}, std::nullopt}, "s.json")["checks"].contains("max_rss"));
}

TEST(ScenarioProfiles, TimeScaleOverrideComesAfterTheProfiles) {
  const json out = apply_overrides(with_profiles(), {{"ci"}, 24.0}, "s.json");
  EXPECT_EQ(out["traffic"]["time_scale"], 24.0);
}

TEST(ScenarioProfiles, MistakesNameTheProfileAndTheFix) {
  const std::string unknown = usage_error(with_profiles(), {{"cii"}, std::nullopt});
  EXPECT_NE(unknown.find("s.json: --profile cii: no such profile; this scenario has: ci, no_budget, unbounded_queue"),
            std::string::npos)
      << unknown;
  EXPECT_NE(usage_error(json{{"target", json::object()}}, {{"ci"}, std::nullopt}).find("this scenario has: none"),
            std::string::npos);
  json bad = with_profiles();
  bad["profiles"]["ci"] = json::array();
  EXPECT_NE(usage_error(bad, {}).find("profiles.ci: expected an object"), std::string::npos);
  bad["profiles"] = {{"ci", {{"profiles", json::object()}}}};
  EXPECT_NE(usage_error(bad, {}).find("profiles cannot define profiles"), std::string::npos);
  bad["profiles"] = "ci";
  EXPECT_NE(usage_error(bad, {}).find("s.json: profiles: expected an object"), std::string::npos);
  json no_traffic = with_profiles();
  no_traffic.erase("traffic");
  EXPECT_NE(usage_error(no_traffic, {{}, 10.0}).find("no traffic to compress"), std::string::npos);
  EXPECT_NE(usage_error(with_profiles(), {{}, 0.0}).find("--time-scale"), std::string::npos);
}

TEST(PipelineTarget, DirectoryComesFromTheEnvironmentOrTheBuild) {
  EXPECT_EQ(pipelines_dir("/opt/memgate/pipelines"), "/opt/memgate/pipelines");
  const std::string built = pipelines_dir(nullptr);  // the build's directory, compiled in
  EXPECT_EQ(pipelines_dir(""), built);
  EXPECT_TRUE(built.ends_with("/scenarios/pipelines")) << built;
  EXPECT_EQ(pipeline_path("batch_router", "/d", "s.json"), "/d/batch_router");
  for (const char* bad : {"", "..", "../bin/sh", "a/b"}) EXPECT_THROW(pipeline_path(bad, "/d", "s.json"), Error) << bad;
  const std::string message = missing_pipeline_message("worker_pool", "/d/worker_pool");
  EXPECT_NE(message.find("worker_pool not found at /d/worker_pool"), std::string::npos);
  EXPECT_NE(message.find("--target pipelines"), std::string::npos);
  EXPECT_NE(message.find(kPipelinesEnv), std::string::npos);
}

// A directory of stand-in executables, and MEMGATE_PIPELINES pointing at it.
class FakePipelines : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("memgate-fake-pipelines-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    for (const char* name : {"sensor_ingest", "window_aggregate", "batch_router", "worker_pool"}) {
      const auto path = (dir_ / name).string();
      std::ofstream(path) << "#!/bin/sh\n";
      ::chmod(path.c_str(), 0755);
    }
    ::setenv(kPipelinesEnv, dir_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv(kPipelinesEnv);
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(FakePipelines, PipelineTargetResolvesArgsAndAntipattern) {
  json doc = with_profiles();
  Scenario s = parse_scenario(doc, "s.json", "/base", {{"ci", "unbounded_queue"}, std::nullopt});
  EXPECT_EQ(s.target.pipeline, "sensor_ingest");
  EXPECT_EQ(s.target.command, (std::vector<std::string>{(dir_ / "sensor_ingest").string(), "--queue-size", "2000",
                                                        "--antipattern", "unbounded_queue"}));
  EXPECT_EQ(s.profiles, (std::vector<std::string>{"ci", "unbounded_queue"}));
  ASSERT_TRUE(s.traffic);
  EXPECT_EQ(s.traffic->time_scale, 4);
  EXPECT_DOUBLE_EQ(*s.sampling.duration_s, 30);  // 120 s of schedule at 4x
  EXPECT_EQ(describe_for_meta(s)["profiles"], json::array({"ci", "unbounded_queue"}));

  doc["target"]["pipeline"] = "no_such_pipeline";
  try {
    parse_scenario(doc, "s.json", "/base");
    ADD_FAILURE() << "a missing pipeline must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("s.json: pipeline no_such_pipeline not found at " +
                                         (dir_ / "no_such_pipeline").string()),
              std::string::npos)
        << e.what();
  }
  doc["target"] = {{"pipeline", "sensor_ingest"}, {"command", {"cat"}}};
  EXPECT_THROW(parse_scenario(doc, "s.json", "/base"), Error);
  doc["target"] = {{"command", {"cat"}}, {"antipattern", "x"}};
  EXPECT_THROW(parse_scenario(doc, "s.json", "/base"), Error);
}

// Every top-level scenario parses in each of its profiles, and the CI form is short.
TEST_F(FakePipelines, ShippedScenariosParseInEveryProfileAndTheirCiFormsFitInAMinute) {
  int scenarios = 0, bounded_forms = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(MEMGATE_FIXTURES) + "/../../scenarios")) {
    if (entry.path().extension() != ".json") continue;
    ++scenarios;
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path());
    const json doc = json::parse(in, nullptr, true, true);
    const auto names = profile_names(doc);
    ASSERT_NE(std::find(names.begin(), names.end(), "ci"), names.end()) << "every scenario has a ci profile";
    ASSERT_NE(std::find(names.begin(), names.end(), "ci_short"), names.end()) << "and a ci_short profile";
    // The CI form judges leaks through cycles (docs/scenarios.md, Profiles).
    const Scenario ci = load_scenario(entry.path().string(), {{"ci"}, std::nullopt});
    EXPECT_TRUE((ci.traffic && ci.traffic->cycles.count > 0) ||
                doc["profiles"]["ci"].dump().find("\"--cycles\"") != std::string::npos)
        << "the ci profile must run cycles (traffic.cycles, or a target that marks its own)";
    // Each form alone, and each anti-pattern in both forms.
    std::vector<std::vector<std::string>> forms;
    for (const auto& name : names) {
      if (!doc["profiles"][name].contains("target") || !doc["profiles"][name]["target"].contains("antipattern")) {
        forms.push_back({name});
        continue;
      }
      forms.push_back({"ci", name});
      forms.push_back({"ci_short", name});
    }
    for (const auto& profiles : forms) {
      const Scenario s = load_scenario(entry.path().string(), {profiles, std::nullopt});
      // Wall length: sampling.duration_s, else the schedule's length over its time scale
      // (a target without traffic, e.g. a batch of work units, ends when it is done).
      double wall_s = s.sampling.duration_s.value_or(0);
      if (!s.sampling.duration_s && s.traffic) {
        for (const auto& stage : s.traffic->stages) wall_s += stage.duration_s;
        wall_s /= s.traffic->time_scale;
      }
      if (wall_s > 0) {
        ++bounded_forms;
        EXPECT_LE(wall_s, 60) << ::testing::PrintToString(profiles);
      }
    }
    EXPECT_NO_THROW(load_scenario(entry.path().string()));
  }
  EXPECT_GE(scenarios, 6);
  EXPECT_GE(bounded_forms, 5);  // every scenario with traffic was measured, not skipped
}

TEST(ScenarioChecks, BurstToleranceAndNoDataLossAreScenarioCheckKeys) {
  const auto s =
      report::check_settings_from_scenario({{"burst_tolerance", "1.5MiB"}, {"no_data_loss", true}}, "s.json");
  EXPECT_EQ(report::to_json(s)["burst_tolerance"], 1.5 * 1024 * 1024);
  EXPECT_EQ(report::to_json(s)["no_data_loss"], true);
  EXPECT_EQ(report::to_json(report::check_settings_from_json(report::to_json(s)))["no_data_loss"],
            true);  // meta.json round trip: report recomputes it
  EXPECT_THROW(report::check_settings_from_scenario({{"no_data_loss", "yes"}}, "s.json"), Error);
  EXPECT_THROW(report::check_settings_from_scenario({{"burst_tolerance", "lots"}}, "s.json"), Error);
}

}  // namespace
}  // namespace memgate::scenario
