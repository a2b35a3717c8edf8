// Memory against work size, end to end (memgate sizes, docs/work-size.md): batch_router
// at five pair counts through the routing scenario's `sizes` profile (time-compressed,
// about 4 s a run). The streaming design stays within 64 B per pair; the accumulate
// anti-pattern keeps every response and FAILs with its bytes per pair.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

const std::string kRouting = std::string(MEMGATE_SOURCE_DIR) + "/scenarios/routing_10k.json";

struct SizesRun {
  CommandResult result;
  std::string dir;
  nlohmann::json sizes;
};

SizesRun run_sizes(const std::string& profiles, const std::vector<std::string>& extra = {}) {
  SizesRun r;
  r.dir = fresh_dir("sizes") + "/sweep";
  std::vector<std::string> args = {"sizes",        "--quiet", "--no-plot",
                                   "--out",        r.dir,     "--profile",
                                   profiles,       "--sizes", "2000,6000,10000,14000,18000",
                                   "--time-scale", "4"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(kRouting);
  r.result = memgate(args);
  if (std::filesystem::exists(r.dir + "/sizes.json")) r.sizes = read_json(r.dir + "/sizes.json");
  return r;
}

nlohmann::json fit(const SizesRun& r, const std::string& id) {
  for (const auto& f : r.sizes.value("fits", nlohmann::json::array()))
    if (f["id"] == id) return f;
  ADD_FAILURE() << "no fit " << id << " in " << r.sizes.dump(2);
  return nlohmann::json::object();
}

TEST(WorkSize, StreamingRouterStaysFlatAsThePairsGrow) {
  const auto r = run_sizes("sizes");
  ASSERT_EQ(r.result.exit_code, 0) << r.result.output;
  EXPECT_EQ(r.sizes["verdict"]["outcome"], "pass");
  EXPECT_EQ(r.sizes["points"].size(), 5u);
  for (const char* id : {"peak-rss-vs-size", "steady-rss-vs-size"}) {
    const auto f = fit(r, id);
    EXPECT_EQ(f["outcome"], "pass") << f.dump(2);
    EXPECT_LE(f["per_unit_high_bytes"].get<double>(), 64) << f.dump(2);
    EXPECT_EQ(f["tolerance_per_unit_bytes"], 64);
  }
  // The runs are ordinary run directories of a comparison, one variant per size.
  EXPECT_TRUE(std::filesystem::exists(r.dir + "/size-18000-1/report.json"));
  const auto compare = read_json(r.dir + "/compare.json");
  EXPECT_EQ(compare["variants"][4]["size"], 18000);
  EXPECT_NE(r.result.output.find("within the tolerance 64.0 B/pair"), std::string::npos) << r.result.output;
}

TEST(WorkSize, AccumulateFailsWithItsBytesPerPair) {
  const std::string junit = fresh_dir("sizes-junit") + "/sizes.xml";
  const auto r = run_sizes("sizes,accumulate", {"--junit", junit});
  ASSERT_EQ(r.result.exit_code, 1) << r.result.output;
  EXPECT_EQ(r.sizes["verdict"]["outcome"], "fail");
  const auto peak = fit(r, "peak-rss-vs-size");
  EXPECT_EQ(peak["outcome"], "fail") << peak.dump(2);
  // Every raw response with its route geometry: about 1.3 KB per pair.
  EXPECT_GT(peak["per_unit_low_bytes"].get<double>(), 64) << peak.dump(2);
  EXPECT_GT(peak["per_unit_bytes"].get<double>(), 900) << peak.dump(2);
  EXPECT_LT(peak["per_unit_bytes"].get<double>(), 2000) << peak.dump(2);
  EXPECT_NE(peak["summary"].get<std::string>().find("B/pair"), std::string::npos);
  EXPECT_EQ(junit_schema_errors(junit), "");
  EXPECT_NE(slurp(junit).find("peak-rss-vs-size"), std::string::npos);

  // Recomputed from the run directories with another tolerance: the same runs now pass.
  const auto again = memgate({"sizes", "--report", r.dir, "--no-plot", "--size-tolerance", "4KiB"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_json(r.dir + "/sizes.json")["tolerance_per_unit"], 4096);

  // The chart: RSS against size with the fits.
  const auto plot =
      run_command({"/usr/bin/python3", std::string(MEMGATE_SOURCE_DIR) + "/reports/plot_sizes.py", r.dir, "--quiet"});
  EXPECT_EQ(plot.exit_code, 0) << plot.output << " (apt-get install python3-matplotlib)";
  EXPECT_GT(std::filesystem::file_size(r.dir + "/sizes.png"), 10000u);
}

TEST(WorkSize, ACommandTakesTheSizeThroughItsPlaceholder) {
  // 4 KiB kept per unit: 4 to 16 MiB over the sweep.
  const std::string dir = fresh_dir("sizes-cmd") + "/sweep";
  const auto r = memgate({"sizes", "--quiet", "--no-plot", "--out", dir, "--sizes", "1k,2k,3k,4k", "--size-unit",
                          "rows", "--size-tolerance", "256B", "--hz", "50", "--", "/usr/bin/python3", "-c",
                          "import time; kept = bytearray({size} * 4096); time.sleep(0.4)"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto sizes = read_json(dir + "/sizes.json");
  EXPECT_EQ(sizes["unit"], "rows");
  const auto& peak = sizes["fits"][0];
  EXPECT_EQ(peak["id"], "peak-rss-vs-size");
  EXPECT_EQ(peak["outcome"], "fail") << peak.dump(2);
  EXPECT_NEAR(peak["per_unit_bytes"].get<double>(), 4096, 600) << peak.dump(2);
  EXPECT_NE(r.output.find("B/row"), std::string::npos) << r.output;
}

TEST(WorkSize, ASweepThatCannotReachTheTargetIsAUsageError) {
  const auto no_placeholder = memgate({"sizes", "--sizes", "1,2,3", "--", "/bin/true"});
  EXPECT_EQ(no_placeholder.exit_code, 3) << no_placeholder.output;
  EXPECT_NE(no_placeholder.output.find("{size}"), std::string::npos) << no_placeholder.output;
  const auto no_key = memgate({"sizes", "--profile", "ci", kRouting});
  EXPECT_EQ(no_key.exit_code, 3) << no_key.output;
  EXPECT_NE(no_key.output.find("\"sizes\""), std::string::npos) << no_key.output;
  const auto two = memgate({"sizes", "--sizes", "1,2", "--", "/bin/echo", "{size}"});
  EXPECT_EQ(two.exit_code, 3) << two.output;
}

}  // namespace
}  // namespace memgate::testing
