// memgate's outputs pinned against golden files: every recorded run directory in
// tests/fixtures/runs/ is copied to a temporary directory and put through the real
// binary (`memgate report DIR --junit PATH`; `memgate compare --report DIR --no-plot` for
// the comparison), and report.json, the JUnit XML, the closing summary, compare.md and
// compare.json must match tests/fixtures/golden/<fixture>/ (placeholders: golden.h).
// MEMGATE_UPDATE_GOLDEN=1 rewrites the goldens from what memgate prints now.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/run_helpers.h"
#include "output/fixture_files.h"
#include "output/golden.h"

namespace memgate::golden {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;

// What a command printed, with the command line and its exit status first.
std::string transcript(const std::string& shown_command, const CommandResult& r) {
  return "$ " + shown_command + "\n[exit " + std::to_string(r.exit_code) + "]\n" + r.output;
}

class Golden {
 public:
  Golden(std::string fixture, const TempDir& temp) : dir_(kFixtures + "/golden/" + std::move(fixture)) {
    rules_.volatile_paths = {temp.path, MEMGATE_BIN};
    rules_.volatile_keys = {"host", "kernel", "cwd", "memgate_version"};
  }

  void text(const std::string& file, const std::string& actual) {
    const std::string path = dir_ + "/" + file;
    if (update_requested()) write_text(path, regenerate_text(fs::exists(path) ? read_text(path) : "", actual, rules_));
    ASSERT_TRUE(fs::exists(path)) << path << " is missing: run with MEMGATE_UPDATE_GOLDEN=1 to write it";
    const auto differences = match_text(read_text(path), actual);
    EXPECT_TRUE(differences.empty()) << describe(path, differences) << "--- actual ---\n" << actual;
  }

  void json(const std::string& file, const std::string& actual_path) {
    const std::string path = dir_ + "/" + file;
    ASSERT_TRUE(fs::exists(actual_path)) << "memgate wrote no " << actual_path;
    const auto actual = testing::read_json(actual_path);
    if (update_requested()) {
      const auto previous = fs::exists(path) ? testing::read_json(path) : nlohmann::json();
      write_text(path, regenerate_json(previous, actual, rules_).dump(2) + "\n");
    }
    ASSERT_TRUE(fs::exists(path)) << path << " is missing: run with MEMGATE_UPDATE_GOLDEN=1 to write it";
    const auto differences = match_json(testing::read_json(path), actual);
    EXPECT_TRUE(differences.empty()) << describe(path, differences);
  }

 private:
  static std::string describe(const std::string& path, const std::vector<std::string>& differences) {
    std::string out = path + " differs (if the change is intended: MEMGATE_UPDATE_GOLDEN=1, then review the diff):\n";
    for (const auto& d : differences) out += "  " + d + "\n";
    return out;
  }
  std::string dir_;
  Rules rules_;
};

class RunOutput : public ::testing::TestWithParam<const char*> {};

// report.json (written to --out, never into the run directory), the JUnit XML (valid
// against tests/fixtures/schemas/junit.xsd), the markdown summary and the closing
// summary of `memgate report` for one run.
TEST_P(RunOutput, MatchesTheGoldenFiles) {
  const std::string name = GetParam();
  const TempDir temp;
  const std::string dir = copy_fixture(name, temp);
  ASSERT_FALSE(fs::exists(dir + "/report.json")) << "fixtures hold a run's inputs only; report.json is what is tested";
  write_text(dir + "/timeline.png", "");  // the summary links the run's timeline when there is one
  const std::string junit = temp.path + "/junit.xml", summary = temp.path + "/summary.md";
  const std::string out = temp.path + "/rescored";
  const std::vector<std::string> args{"report", dir, "--out", out, "--junit", junit, "--summary", summary};
  const auto r = testing::memgate(args);
  Golden golden(name, temp);
  std::string shown = "memgate";
  for (std::size_t i = 0; i < args.size(); ++i) shown += " " + args[i];
  golden.text("summary.txt", transcript(shown, r));
  EXPECT_FALSE(fs::exists(dir + "/report.json")) << "memgate report wrote into the run directory without --in-place";
  golden.json("report.json", out + "/report.json");
  ASSERT_TRUE(fs::exists(junit)) << r.output;
  golden.text("junit.xml", read_text(junit));
  EXPECT_EQ(testing::junit_schema_errors(junit), "");
  ASSERT_TRUE(fs::exists(summary)) << r.output;
  golden.text("summary.md", read_text(summary));
}

// --json: stdout is the report and nothing else (it parses, and equals report.json's
// golden); under GITHUB_ACTIONS=true the annotations go to stderr and the markdown
// summary is appended to $GITHUB_STEP_SUMMARY.
TEST_P(RunOutput, JsonOnStdoutAndGithubAnnotations) {
  const std::string name = GetParam();
  const TempDir temp;
  const std::string dir = copy_fixture(name, temp);
  const std::string step_summary = temp.path + "/step-summary.md";
  write_text(step_summary, "earlier step\n");
  const auto r = testing::run_command_split(
      {"env", "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + step_summary, MEMGATE_BIN, "report", dir, "--json"});
  const std::string printed = temp.path + "/printed.json";
  write_text(printed, r.out);
  nlohmann::json parsed;
  ASSERT_NO_THROW(parsed = testing::read_json(printed)) << "stdout is not one JSON document:\n" << r.out;
  Golden golden(name, temp);
  golden.json("report.json", printed);
  golden.text("annotations.txt", r.err);
  const std::string appended = read_text(step_summary);
  EXPECT_EQ(appended.rfind("earlier step\n", 0), 0u) << "the step summary was replaced, not appended to";
  EXPECT_NE(appended.find("### memgate"), std::string::npos) << appended;
  EXPECT_FALSE(fs::exists(dir + "/report.json"));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RunOutput,
                         ::testing::Values("pass", "fail", "inconclusive", "start-failed", "burst", "alloc-probe"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// compare.md, compare.json and the terminal output of `memgate compare --report` over a
// comparison of two variants, two runs each (their report.json written first).
TEST(CompareOutput, MatchesTheGoldenFiles) {
  const TempDir temp;
  const std::string dir = copy_fixture("compare", temp);
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) {
      const auto r = testing::memgate({"report", entry.path().string(), "--in-place"});
      ASSERT_TRUE(fs::exists(entry.path() / "report.json")) << r.output;
    }
  const auto r = testing::memgate({"compare", "--report", dir, "--no-plot"});
  Golden golden("compare", temp);
  golden.text("compare-output.txt", transcript("memgate compare --report " + dir + " --no-plot", r));
  golden.text("compare.md", read_text(dir + "/compare.md"));
  golden.json("compare.json", dir + "/compare.json");
}

}  // namespace
}  // namespace memgate::golden
