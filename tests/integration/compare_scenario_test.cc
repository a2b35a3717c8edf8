// `memgate compare SCENARIO.json` and phase-boundary purges end to end:
//  - a 4 s sensor scenario with a 10x burst under glibc and jemalloc (repeat 1): the
//    interleaved order, per-allocator throughput and burst-retention figures, the
//    verdicts, and the scenario's own allocator replaced by each variant's;
//  - the burst helper (alloc_burst) under glibc with --purge-at-phases: the purges at
//    phase changes are issued and recorded with the RSS they returned.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

constexpr double kRate = 200;  // records/s outside the burst
// 4 s at kRate with one second at 10x: 13 seconds' worth of records at kRate.
constexpr double kOffered = 13 * kRate;

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// A short scenario: `cat` reads sensor telemetry on stdin; warmup 1 s, nominal 3 s with
// a 1 s burst at 1.5 s and 1 s of recovery. The scenario names tcmalloc: compare must
// replace it with each variant.
std::string burst_scenario(const std::string& dir) {
  const std::string rate = std::to_string(static_cast<int>(kRate));
  return write_file(dir + "/short_burst.json", R"({
    "name": "short-burst",
    "target": {"command": ["sh", "-c", "exec cat > /dev/null"], "allocator": "tcmalloc"},
    "traffic": {"transport": "stdin", "payload": {"kind": "sensors", "seed": 3},
                "stages": [{"kind": "constant", "rate": )" +
                                                   rate + R"(, "duration_s": 1, "phase": "warmup"},
                           {"kind": "constant", "rate": )" +
                                                   rate + R"(, "duration_s": 3, "phase": "nominal"}],
                "bursts": [{"at_s": [1.5], "duration_s": 1, "multiplier": 10, "recovery_s": 1}]},
    "sampling": {"hz": 20, "pss_hz": 0},
    "checks": {"plateau": "none", "burst_level_window": "1s"}
  })");
}

class CompareScenario : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(fresh_dir("compare-scenario"));
    result_ = new CommandResult(memgate({"compare", burst_scenario(*root_), "--allocators", "glibc,jemalloc",
                                         "--repeat", "1", "--out", *root_ + "/cmp", "--no-plot"}));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete result_;
  }
  static std::string dir() { return *root_ + "/cmp"; }
  static std::string* root_;
  static CommandResult* result_;
};
std::string* CompareScenario::root_ = nullptr;
CommandResult* CompareScenario::result_ = nullptr;

TEST_F(CompareScenario, RunsInterleavedAndReplacesTheScenariosAllocator) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  EXPECT_NE(result_->output.find("names allocator tcmalloc; each variant replaces it"), std::string::npos)
      << result_->output;
  const auto j = read_json(dir() + "/compare.json");
  EXPECT_NE(j["workload"].get<std::string>().find("scenario "), std::string::npos) << j["workload"];
  ASSERT_EQ(j["plan"].size(), 2u);
  EXPECT_EQ(j["plan"][0]["dir"], "glibc-1");
  EXPECT_EQ(j["plan"][1]["dir"], "jemalloc-1");
  const auto first = read_json(dir() + "/glibc-1/meta.json");
  const auto second = read_json(dir() + "/jemalloc-1/meta.json");
  EXPECT_LT(first["started_unix_ms"].get<std::int64_t>(), second["started_unix_ms"].get<std::int64_t>());
  for (const auto& run : j["runs"]) {
    const std::string name = run["dir"];
    EXPECT_EQ(run["allocator_verified"], true) << name;
    const auto report = read_json(dir() + "/" + name + "/report.json");
    const auto seen = report["samplers"]["alloc"]["allocators_seen"];
    EXPECT_TRUE(seen.contains(run["variant"].get<std::string>())) << name << ": " << seen.dump();
    EXPECT_FALSE(seen.contains("tcmalloc")) << name << ": " << seen.dump();
  }
}

TEST_F(CompareScenario, EveryAllocatorHasThroughputBurstRetentionAndVerdicts) {
  ASSERT_EQ(result_->exit_code, 0) << result_->output;
  const auto j = read_json(dir() + "/compare.json");
  EXPECT_EQ(j["recommendation"]["throughput_metric"], "records_per_s");
  for (const auto& run : j["runs"]) {
    const std::string name = run["dir"];
    const auto report = read_json(dir() + "/" + name + "/report.json");
    const auto& traffic = report["samplers"]["traffic"];
    // Everything offered was sent and taken in by cat; throughput is that over the load time.
    EXPECT_GE(traffic["sent"].get<double>(), 0.95 * kOffered) << name;
    EXPECT_EQ(traffic["accepted"], traffic["sent"]) << name;
    const double rate = run["values"]["records_per_s"];
    EXPECT_NEAR(rate, traffic["accepted"].get<double>() / traffic["elapsed_s"].get<double>(), 1e-6 * rate) << name;
    EXPECT_EQ(run["throughput_basis"], "accepted / traffic seconds") << name;
    // The burst-recovery figure: what stayed after the burst, smaller than the whole peak.
    ASSERT_TRUE(run["values"].contains("retained_after_burst_bytes")) << name << ": " << run["values"].dump();
    EXPECT_LT(std::abs(run["values"]["retained_after_burst_bytes"].get<double>()),
              run["values"]["peak_rss_bytes"].get<double>())
        << name;
    EXPECT_TRUE(run["checks"].contains("rss-burst-recovery")) << name;
    EXPECT_EQ(run["checks"]["allocator"], "pass") << name;
    EXPECT_FALSE(run["verdict"].get<std::string>().empty()) << name;
  }
  for (const auto& variant : j["summary"]) {
    const std::string label = variant["label"];
    for (const char* key :
         {"records_per_s", "retained_after_burst_bytes", "peak_rss_bytes", "steady_rss_bytes", "minor_faults"})
      EXPECT_EQ(variant["metrics"][key]["n"], 1) << label << " " << key;
    std::size_t verdicts = 0;
    for (const auto& [outcome, n] : variant["verdicts"].items()) verdicts += n.get<std::size_t>();
    EXPECT_EQ(verdicts, 1u) << label;
    EXPECT_EQ(variant["checks"]["rss-burst-recovery"].size(), 1u) << label;
  }
  // The recovery-end window is the check's: the last burst_level_window (the scenario's
  // 1 s) of the recovery, or the whole recovery when it is shorter; and the figure says so.
  const nlohmann::json* burst = nullptr;
  const nlohmann::json* recovery = nullptr;
  for (const auto& w : j["windows"]["list"]) {
    if (w["name"] == "burst") burst = &w;
    if (w["name"] == "recovery-end") recovery = &w;
  }
  ASSERT_TRUE(burst && recovery) << j["windows"].dump();
  const double r0 = (*recovery)["start_s"], r1 = (*recovery)["end_s"], b1 = (*burst)["end_s"];
  EXPECT_NEAR(r1 - r0, std::min(1.0, r1 - b1), 1e-6) << j["windows"].dump();
  EXPECT_NE((*recovery)["basis"].get<std::string>().find("burst_level_window 1.0 s"), std::string::npos)
      << (*recovery)["basis"];
  EXPECT_EQ(j["windows"]["figures"]["retained_after_burst_bytes"].get<std::string>().rfind("recovery-end [", 0), 0u)
      << j["windows"]["figures"].dump();
  std::ifstream md(dir() + "/compare.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| retained after burst | recovery-end ["), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("throughput"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("retained after burst"), std::string::npos) << text.str();
}

// alloc_burst, driven through its phases by a script that then reads stdin until the
// traffic ends: 77 MB allocated and 1023/1024 of it freed within the first second, then
// phase changes at 2 s (nominal), 3 s (burst), 4 s (recovery), 5 s (nominal), 6 s (end).
constexpr double kBurstBytes = 300000.0 * 256;
const char* kPhaseDriver =
    "s=$(mktemp); \"$0\" \"$s\" 300000 256 & p=$!; "
    "wait_for() { while :; do read -r l < \"$s\" 2>/dev/null; case \"$l\" in *phase=$1*) return;; esac; sleep 0.02; "
    "done; }; "
    "wait_for baseline; kill -USR1 $p; wait_for burst; kill -USR1 $p; wait_for freed; "
    "cat > /dev/null; kill -USR1 $p; wait $p; rc=$?; rm -f \"$s\"; exit $rc";

TEST(PhasePurge, PurgesAtPhaseChangesAreRecordedWithTheBytesReturned) {
  const std::string dir = fresh_dir("phase-purge");
  auto doc = nlohmann::json::parse(R"({
    "target": {"allocator": "glibc", "purge_at_phases": true},
    "traffic": {"transport": "stdin", "payload": {"kind": "sensors"},
                "stages": [{"kind": "constant", "rate": 20, "duration_s": 2, "phase": "warmup"},
                           {"kind": "constant", "rate": 20, "duration_s": 4, "phase": "nominal"}],
                "bursts": [{"at_s": [3], "duration_s": 1, "multiplier": 10, "recovery_s": 1}]},
    "sampling": {"hz": 20, "pss_hz": 0},
    "checks": {"plateau": "none"}
  })");
  doc["target"]["command"] = {"sh", "-c", kPhaseDriver, helper("alloc/alloc_burst")};
  const std::string scenario = write_file(dir + "/purge.json", doc.dump());
  const auto r = memgate({"run", scenario, "--out", dir + "/run", "--no-plot", "--quiet"});
  ASSERT_NE(r.exit_code, 3) << r.output;
  ASSERT_NE(r.exit_code, 4) << r.output;
  const auto report = read_json(dir + "/run/report.json");
  const auto& purges = report["samplers"]["alloc"]["purges"];
  // warmup->nominal, nominal->burst, burst->recovery, recovery->nominal, and the end of the load.
  ASSERT_EQ(purges["by_trigger"]["phase"]["count"], 5) << purges.dump();
  EXPECT_FALSE(purges["by_trigger"].contains("periodic"));
  std::vector<std::string> triggers;
  double returned = 0;
  for (const auto& p : purges["list"]) {
    triggers.push_back(p["trigger"]);
    // sh, alloc_burst, cat: each answered; at the end of the load they start exiting, and
    // one that exits between its answer and the RSS read after it is not counted.
    if (p["trigger"] == "phase:nominal->end") EXPECT_LE(p["completed"], p["processes"]) << p.dump();
    else EXPECT_EQ(p["completed"], p["processes"]) << p.dump();
    returned += p["returned_bytes"].get<double>();
  }
  EXPECT_EQ(triggers,
            (std::vector<std::string>{"phase:warmup->nominal", "phase:nominal->burst", "phase:burst->recovery",
                                      "phase:recovery->nominal", "phase:nominal->end"}));
  // glibc's malloc_trim gives back most of the freed burst (allocators/README.md).
  EXPECT_GE(returned, 0.5 * kBurstBytes) << purges.dump();
  EXPECT_NEAR(purges["by_trigger"]["phase"]["returned_bytes_total"].get<double>(), returned, 1.0);
  // The same purges are events in the log, as they happened.
  std::ifstream events(dir + "/run/events.jsonl");
  std::size_t purge_events = 0;
  for (std::string line; std::getline(events, line);)
    if (line.find("\"kind\":\"purge\"") != std::string::npos && line.find("\"trigger\":\"phase:") != std::string::npos)
      ++purge_events;
  EXPECT_EQ(purge_events, 5u);
  // The terminal summary (the allocator check) says what the purges did.
  EXPECT_NE(r.output.find("; 5 purges (5 phase) returned "), std::string::npos) << r.output;
  fs::remove_all(dir);
}

TEST(PhasePurge, NeedsTrafficPhasesAndAnAllocator) {
  const std::string dir = fresh_dir("phase-purge-usage");
  auto r = memgate({"run", "--allocator", "glibc", "--purge-at-phases", "--out", dir + "/a", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--purge-at-phases needs traffic phases"), std::string::npos) << r.output;
  r = memgate({"run", "--purge-at-phases", "--out", dir + "/b", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("need --allocator"), std::string::npos) << r.output;
  r = memgate({"compare", "--allocators", "glibc,jemalloc", "--purge-at-phases", "--out", dir + "/c", "--", "true"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("variant glibc: --purge-at-phases needs traffic phases"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/c/glibc-1"));
  r = memgate({"compare", dir + "/missing.json", "--allocators", "glibc", "--out", dir + "/d"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("missing.json: cannot open the scenario file"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

TEST(CompareScenarioHelp, ExamplesShowTheScenarioForm) {
  const auto r = memgate({"compare", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("memgate compare scenarios/examples/sensor_burst.json --allocators"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("--purge-at-phases"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace memgate::testing
