// The target's "at exit" peak (kernel_maxrss_bytes, the kernel's ru_maxrss) is its own:
// memgate starts it through memgate-spawn, so memgate's memory at spawn time (here the
// ~170 MiB of parsing a 150,000-stage scenario) is not folded into it (docs/ebpf.md).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "ebpf/ebpf_sampler.h"
#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

TEST(EbpfAtExit, TargetPeakLeavesOutMemgatesOwnMemory) {
  const Support support = ebpf_support();
  if (!support.ok) GTEST_SKIP() << "eBPF unavailable: " << support.reason;
  const std::string dir = fresh_dir("at-exit");
  const std::string scenario = dir + "/huge.json";
  {
    std::ofstream out(scenario);
    out << R"({"target": {"command": ["cat"]}, "traffic": {"stages": [)";
    for (int i = 0; i < 150000; ++i) out << (i ? "," : "") << R"({"rate":1,"duration_s":1})";
    out << "]}}";
  }
  const auto r = memgate({"run", scenario, "--out", dir + "/run", "--duration", "2", "--no-plot", "--quiet", "--ebpf",
                          "on", "--plateau", "none", "--target-log", dir + "/target.log"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto meta = read_json(dir + "/run/meta.json");
  const double memgate_peak = meta["samplers"]["proc"]["memgate_max_rss_bytes"].get<double>();
  EXPECT_GT(memgate_peak, 100 * kMiB) << "the scenario no longer makes memgate large: the test proves nothing";
  const auto report = read_json(dir + "/run/report.json");
  const nlohmann::json* target = nullptr;
  for (const auto& row : report["peaks"]["processes"])
    if (row["pid"] == meta["target_pid"]) target = &row;
  ASSERT_NE(target, nullptr) << report["peaks"].dump(2);
  ASSERT_TRUE(target->contains("kernel_maxrss_bytes")) << target->dump();
  const double at_exit = (*target)["kernel_maxrss_bytes"].get<double>();
  EXPECT_GT(at_exit, 0);
  EXPECT_LT(at_exit, 8 * kMiB) << "cat's at-exit peak includes memgate's " << memgate_peak / kMiB << " MiB";
}

}  // namespace
}  // namespace memgate::testing
