// `--attribute` on the reference pipelines' leaking anti-patterns: the top growth site of
// the run, and the top site kept per cycle, is the anti-pattern's own line, found by its
// marker comment ("// ANTIPATTERN: name") in the pipeline's source; or, where the kept
// objects are allocated elsewhere, the line marked "// ANTIPATTERN-ALLOCATES: name" (a
// sampled allocation profile names where the retained bytes were allocated, not the
// container that keeps them). A representative pair runs here (4 short cycles each);
// every leaking anti-pattern under glibc and jemalloc: tests/bench/antipattern_sites.sh.
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

const std::string kPipelines = std::string(MEMGATE_SOURCE_DIR) + "/scenarios/pipelines";

// "file.cc:LINE" (the name sites carry) of every line of `path` marked with `marker` + name.
std::vector<std::string> marked(const std::filesystem::path& path, const std::string& marker, const std::string& name) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find("// " + marker + ": " + name) != std::string::npos)
      out.push_back(path.filename().string() + ":" + std::to_string(n));
  return out;
}

struct Case {
  std::string scenario, antipattern, source, allocator;
};

// ctest lists the case by name, not as gtest's byte dump of the struct.
void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario << " " << c.antipattern << " " << c.allocator; }

class PipelineAntiPattern : public ::testing::TestWithParam<Case> {};

TEST_P(PipelineAntiPattern, TopGrowthSiteIsTheAntiPatternsLine) {
  const Case& c = GetParam();
  std::vector<std::string> expected = marked(kPipelines + "/" + c.source, "ANTIPATTERN", c.antipattern);
  ASSERT_FALSE(expected.empty()) << "no line marked ANTIPATTERN: " << c.antipattern << " in " << c.source;
  // Where the kept objects are allocated, in any pipeline source (a shared module too).
  for (const auto& file : std::filesystem::recursive_directory_iterator(kPipelines))
    if (file.path().extension() == ".cc")
      for (auto& where : marked(file.path(), "ANTIPATTERN-ALLOCATES", c.antipattern)) expected.push_back(where);
  const std::string dir = fresh_dir("antipattern-" + c.antipattern + "-" + c.allocator) + "/run";
  // A sampling mean of 8 KiB: a short cycle of these pipelines keeps tens to hundreds of
  // KiB, below the default 512 KiB mean. --time-scale 2: 4 cycles in about 9 s.
  const auto r = run_command({"env",
                              "-u",
                              "GITHUB_ACTIONS",
                              "-u",
                              "GITHUB_STEP_SUMMARY",
                              "MEMGATE_ATTRIB_MEAN_BYTES=8192",
                              MEMGATE_BIN,
                              "run",
                              "--quiet",
                              "--no-plot",
                              "--allocator",
                              c.allocator,
                              "--attribute",
                              "--profile",
                              "ci," + c.antipattern,
                              "--cycles",
                              "4",
                              "--time-scale",
                              "2",
                              "--out",
                              dir,
                              std::string(MEMGATE_SOURCE_DIR) + "/scenarios/" + c.scenario + ".json"});
  ASSERT_NE(r.exit_code, 3) << r.output;
  const auto report = read_json(dir + "/report.json");
  const auto& native = report["attribution"]["native"];
  ASSERT_TRUE(native.is_object()) << r.output;
  const auto matches = [&](const nlohmann::json& site) {
    const std::string text = site["site"].get<std::string>();
    for (const auto& where : expected)
      if (text.starts_with(where + " ")) return true;
    return false;
  };
  ASSERT_FALSE(native["growing"].empty()) << native.dump(1);
  EXPECT_TRUE(matches(native["growing"][0])) << "expected one of " << ::testing::PrintToString(expected) << "\n"
                                             << native["growing"].dump(1);
  const auto& per_cycle = native["per_cycle"];
  ASSERT_TRUE(per_cycle.is_object()) << native.dump(1);
  ASSERT_TRUE(per_cycle["reason"].is_null()) << per_cycle.dump(1);
  ASSERT_FALSE(per_cycle["growing"].empty()) << per_cycle.dump(1);
  EXPECT_TRUE(matches(per_cycle["growing"][0])) << per_cycle.dump(1);
  EXPECT_GT(per_cycle["growing"][0]["bytes_per_cycle"].get<double>(), 0);
  EXPECT_EQ(per_cycle["growing"][0]["levels"].size(), 4u);
  EXPECT_NE(r.output.find("keeps per cycle"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Reference, PipelineAntiPattern,
                         ::testing::Values(Case{"air_quality_burst", "keep_geometries", "sensor_ingest.cc", "glibc"},
                                           Case{"routing_10k", "accumulate", "batch_router.cc", "jemalloc"}),
                         [](const auto& info) { return info.param.antipattern + "_" + info.param.allocator; });

}  // namespace
}  // namespace memgate::testing
