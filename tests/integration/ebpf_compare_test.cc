// A compare variant runs exactly as `memgate run` does: with the eBPF sampler, its exact
// peaks and the oom-kills check where eBPF can run, and the same flags mean the same.
#include <filesystem>

#include <gtest/gtest.h>

#include "ebpf/ebpf_sampler.h"
#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

bool has_check(const nlohmann::json& report, const std::string& id) {
  for (const auto& c : report["checks"])
    if (c["id"] == id) return true;
  return false;
}

TEST(CompareLikeRun, EveryVariantHasTheEbpfPeaksAndTheOomCheck) {
  const Support support = ebpf_support();
  if (!support.ok) GTEST_SKIP() << "eBPF unavailable: " << support.reason;
  const std::string dir = fresh_dir("compare-ebpf");
  const auto r = memgate({"compare", "--allocators", "glibc", "--repeat", "1", "--out", dir + "/cmp", "--no-plot",
                          "--plateau", "none", "--max-rss", "1G", "--", "sh", "-c", "sleep 0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir + "/cmp/glibc-1/report.json");
  EXPECT_TRUE(report["peaks"].is_object()) << report.dump(2);
  EXPECT_TRUE(has_check(report, "oom-kills")) << report["checks"].dump(2);
  EXPECT_TRUE(has_check(report, "rss-budget")) << "--max-rss reaches every variant: " << report["checks"].dump(2);
  EXPECT_TRUE(has_check(report, "allocator")) << report["checks"].dump(2);

  // The same command under `memgate run` has the same checks.
  const auto single = memgate({"run", "--allocator", "glibc", "--out", dir + "/run", "--no-plot", "--plateau", "none",
                               "--max-rss", "1G", "--", "sh", "-c", "sleep 0.5"});
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const auto run_report = read_json(dir + "/run/report.json");
  std::vector<std::string> run_ids, compare_ids;
  for (const auto& c : run_report["checks"]) run_ids.push_back(c["id"]);
  for (const auto& c : report["checks"]) compare_ids.push_back(c["id"]);
  EXPECT_EQ(run_ids, compare_ids);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace memgate::testing
