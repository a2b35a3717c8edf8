// Where the memory goes, end to end: the descriptor snapshots of a target that leaks
// spill files, and --attribute on Python targets (the startup hook, its snapshots on the
// metrics channel, the growth table in report.json and the terminal).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

const std::string kPipeline = std::string(MEMGATE_SOURCE_DIR) + "/tests/helpers/py/py_pipeline.py";

// The line marked "# ANTIPATTERN: name" in the Python pipeline.
int antipattern_line(const std::string& name) {
  std::ifstream in(kPipeline);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find("# ANTIPATTERN: " + name) != std::string::npos) return n;
  ADD_FAILURE() << "no line marked ANTIPATTERN: " << name << " in " << kPipeline;
  return -1;
}

TEST(DescriptorSnapshots, SpillFilesAreNamedByKindAndPattern) {
  const std::string dir = fresh_dir("fd-spill"), work = fresh_dir("fd-spill-work");
  const auto r =
      memgate({"run", "--out", dir, "--plateau", "none", "--no-plot", "--", helper("fd_spill"), work, "60", "5.5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir + "/report.json");
  const auto& d = report["attribution"]["descriptors"];
  ASSERT_TRUE(d.is_object()) << report["attribution"].dump();
  const std::string growth = d["growth"].get<std::string>();
  // fresh_dir's random suffix may hold digits, which the pattern turns into '*' too.
  const std::string work_pattern = std::regex_replace(work, std::regex("[0-9]+"), "\\*");
  const std::regex expected("^\\+([0-9]+) regular files under " + work_pattern +
                            "/spool/spill_\\*\\.jsonl, .*\\+0 sockets");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(growth, m, expected)) << growth;
  // 330 files in 5.5 s; periodic snapshots at 1, 3 and 5 s (a 4 s run ends before the third).
  EXPECT_GE(std::stoi(m[1]), 100) << growth;
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(d["nofile_limit"].get<double>(), static_cast<double>(limit.rlim_cur));
  EXPECT_GE(d["snapshots"].get<int>(), 3);
  EXPECT_GE(count_lines(dir + "/events.jsonl"), 3u);
}

struct PythonRun {
  nlohmann::json report;
  std::string output;
};

// memgate run --attribute on `command`; `pythonpath`: memgate's own PYTHONPATH, which the
// target inherits.
PythonRun run_python(const std::string& tag, const std::vector<std::string>& command,
                     const std::string& pythonpath = "") {
  const std::string dir = fresh_dir(tag);
  std::vector<std::string> args = {"/usr/bin/env",
                                   "-u",
                                   "GITHUB_ACTIONS",
                                   "-u",
                                   "GITHUB_STEP_SUMMARY",
                                   "PYTHONPATH=" + pythonpath,
                                   MEMGATE_BIN,
                                   "run",
                                   "--attribute",
                                   "--out",
                                   dir,
                                   "--plateau",
                                   "none",
                                   "--no-plot",
                                   "--metrics",
                                   "processed",
                                   "--"};
  args.insert(args.end(), command.begin(), command.end());
  const auto r = run_command(args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return {read_json(dir + "/report.json"), r.output};
}

class PythonAntiPattern : public ::testing::TestWithParam<std::string> {};

// The hook's own 1 s cadence gives a growth table however late memgate's requests would
// be answered on a loaded machine; the kept values count for the line that keeps them
// (accumulate: the dict appended, not json.loads's parsing line).
TEST_P(PythonAntiPattern, TopGrowthSiteIsItsOwnLine) {
  const std::string name = GetParam();
  const int line = antipattern_line(name);
  const auto run = run_python(
      "py-" + name, {"/usr/bin/python3", kPipeline, "--antipattern", name, "--rate", "3000", "--seconds", "6"});
  const auto& table = run.report["attribution"]["python"];
  ASSERT_TRUE(table.is_object()) << run.output;
  ASSERT_FALSE(table["sites"].empty()) << table.dump();
  const auto& top = table["sites"][0];
  EXPECT_EQ(top["line"].get<int>(), line) << table.dump(1);
  EXPECT_TRUE(top["file"].get<std::string>().ends_with("py_pipeline.py")) << top.dump();
  EXPECT_GT(top["bytes_per_h"].get<double>(), 0);
  EXPECT_GT(top["share"].get<double>(), 0.2) << table.dump(1);
  EXPECT_TRUE(top["bytes_per_unit"].is_number()) << "the pipeline reports processed on the metrics channel";
  EXPECT_NE(run.output.find("Python heap growth by call site"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("py_pipeline.py:" + std::to_string(line)), std::string::npos) << run.output;
}

INSTANTIATE_TEST_SUITE_P(ReferenceAntiPatterns, PythonAntiPattern,
                         ::testing::Values("keep_geometries", "accumulate", "unbounded_queue"));

// The correct design, run as a script through its shebang, with a sitecustomize of its
// own on PYTHONPATH: the hook chains to it, and no anti-pattern line is named.
TEST(PythonAttribution, ChainsToTheTargetsSitecustomizeAndNamesNoAntiPattern) {
  const std::string own = fresh_dir("py-own-site");
  const std::string marker = own + "/ran";
  std::ofstream(own + "/sitecustomize.py") << "open(" << nlohmann::json(marker).dump() << ", 'w').write('yes')\n";
  const auto run = run_python("py-correct", {kPipeline, "--seconds", "3"}, own);
  EXPECT_EQ(slurp(marker), "yes") << "the target's own sitecustomize did not run";
  const auto& table = run.report["attribution"]["python"];
  for (const auto& site : table.is_object() ? table["sites"] : nlohmann::json::array())
    for (const char* name : {"keep_geometries", "accumulate", "unbounded_queue"})
      EXPECT_NE(site["line"].get<int>(), antipattern_line(name)) << site.dump();
}

// One --attribute flag: a native target gets the native heap sampler (which needs the
// probe, Attribution.NeedsTheProbe), not the Python hook.
TEST(PythonAttribution, ANativeTargetGetsTheNativeSamplerNotTheHook) {
  const std::string dir = fresh_dir("py-native");
  const auto r = memgate({"run", "--attribute", "--allocator", "glibc", "--out", dir, "--plateau", "none", "--no-plot",
                          "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir + "/report.json");
  EXPECT_TRUE(report["attribution"]["python"].is_null()) << report["attribution"].dump(2);
  EXPECT_TRUE(report["attribution"]["native"].is_object()) << report["attribution"].dump(2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/pyheap.control"));
}

}  // namespace
}  // namespace memgate::testing
