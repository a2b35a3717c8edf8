// The sampler contract end to end: a FakeSampler with fixed columns, phase hook, figures
// and check runs beside the real samplers of a run, and everything it hands over lands
// where docs/architecture.md says (samples.csv columns, report.json's samplers section,
// its check among the report's checks, reproduced by `memgate report`).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"
#include "run/run_session.h"

namespace memgate::testing {
namespace {

class FakeSampler : public Sampler {
 public:
  std::string name() const override { return "fake"; }
  std::vector<std::string> columns() const override { return {"fake_a", "fake_b"}; }
  void start(pid_t, EventSink& events) override { events.event(0, "fake-start", {{"n", 1}}); }
  void tick(double, std::span<double> out, EventSink&) override {
    out[0] = 42;
    out[1] = static_cast<double>(++ticks_);
  }
  SamplerReport stop(double, EventSink&) override {
    return {{{"answer", 42}, {"ticks", ticks_}},
            {{"fake-check", Outcome::fail, "the fake sampler says no", {{"answer", 42, "count"}}}}};
  }

 private:
  int ticks_ = 0;
};

TEST(SamplerContract, AFakeSamplersColumnsFiguresAndCheckReachTheRunDirectory) {
  const std::string dir = fresh_dir("sampler-contract");
  run::RunConfig config;
  config.command = {"sh", "-c", "sleep 0.3"};
  config.out_dir = dir + "/run";
  config.quiet = true;
  config.plot = false;
  config.hz = 20;
  config.samplers.ebpf = "off";
  std::vector<run::SamplerSlot> extra;
  extra.push_back({std::make_unique<FakeSampler>(), false});
  const auto result = run::run(config, std::move(extra));
  EXPECT_EQ(result.exit_code, ExitCode::check_failed) << result.summary;

  std::ifstream samples(config.out_dir + "/samples.csv");
  std::string header, row;
  std::getline(samples, header);
  std::getline(samples, row);
  EXPECT_NE(header.find(",fake_a,fake_b"), std::string::npos) << header;
  EXPECT_NE(row.find(",42,1"), std::string::npos) << row;

  const auto report = read_json(config.out_dir + "/report.json");
  EXPECT_EQ(report["samplers"]["fake"]["answer"], 42) << report["samplers"].dump();
  EXPECT_GE(report["samplers"]["fake"]["ticks"].get<int>(), 2);
  bool found = false;
  for (const auto& c : report["checks"])
    if (c["id"] == "fake-check") {
      found = true;
      EXPECT_EQ(c["outcome"], "fail");
      EXPECT_EQ(c["figures"]["answer"]["value"], 42);
    }
  EXPECT_TRUE(found) << report["checks"].dump(2);
  EXPECT_EQ(read_json(config.out_dir + "/meta.json")["sampler_checks"][0]["id"], "fake-check");

  // `memgate report` reproduces the sampler's check from disk, without the sampler.
  const auto again = memgate({"report", config.out_dir});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("[fail] fake-check: the fake sampler says no"), std::string::npos) << again.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace memgate::testing
