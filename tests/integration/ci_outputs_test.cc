// The CI outputs of `memgate run` on real targets: a target that cannot start still
// leaves a valid JUnit file, report.json and summary; --json keeps stdout for the
// report alone (the target's output goes to target.log); --inconclusive sets the exit
// code; GitHub annotations appear with GITHUB_ACTIONS=true.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CiOutputs, TargetThatCannotStartStillWritesJUnitReportAndSummary) {
  const std::string base = fresh_dir("ci-nostart");
  const std::string dir = base + "/run", junit = base + "/junit.xml", summary = base + "/summary.md";
  const auto r =
      memgate({"run", "--out", dir, "--junit", junit, "--summary", summary, "--no-plot", "--", "/nonexistent/program"});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("cannot start '/nonexistent/program'"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(junit)) << r.output;
  const std::string xml = slurp(junit);
  EXPECT_NE(xml.find("name=\"target\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"the target could not start\" type=\"target\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("/nonexistent/program"), std::string::npos) << xml;
  EXPECT_EQ(junit_schema_errors(junit), "");
  EXPECT_EQ(read_json(dir + "/report.json")["verdict"]["exit_code"], 4);
  EXPECT_NE(slurp(summary).find("the target could not start"), std::string::npos);
  fs::remove_all(base);
}

TEST(CiOutputs, JsonPrintsOnlyTheReportAndKeepsTheTargetsOutputInTheRunDirectory) {
  const std::string base = fresh_dir("ci-json");
  const std::string dir = base + "/run";
  const auto r = memgate_split({"run", "--json", "--out", dir, "--plateau", "none", "--max-rss", "1G", "--", "sh", "-c",
                                "echo to-stdout; echo to-stderr >&2; sleep 0.5"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json printed;
  ASSERT_NO_THROW(printed = nlohmann::json::parse(r.out)) << "stdout is not one JSON document:\n" << r.out;
  EXPECT_EQ(printed, read_json(dir + "/report.json"));
  const std::string log = slurp(dir + "/target.log");
  EXPECT_NE(log.find("to-stdout"), std::string::npos) << log;
  EXPECT_NE(log.find("to-stderr"), std::string::npos) << log;
  EXPECT_EQ(r.err.find("to-stdout"), std::string::npos) << r.err;
  // The summary for people and the plot's note are on stderr.
  EXPECT_NE(r.err.find("memgate: PASS"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("plot"), std::string::npos) << r.err;

  // --target-log still says where the output goes.
  const auto logged = memgate_split({"run", "--json", "--out", base + "/run2", "--plateau", "none", "--no-plot",
                                     "--target-log", base + "/mine.log", "--", "sh", "-c", "echo mine"});
  EXPECT_EQ(logged.exit_code, 0) << logged.err;
  EXPECT_NE(slurp(base + "/mine.log").find("mine"), std::string::npos);
  EXPECT_FALSE(fs::exists(base + "/run2/target.log"));
  fs::remove_all(base);
}

// A 0.3 s run: the default plateau checks cannot judge it (INCONCLUSIVE).
TEST(CiOutputs, InconclusivePolicySetsTheExitCodeOfARun) {
  const std::string base = fresh_dir("ci-policy");
  for (const auto& [policy, code] :
       std::vector<std::pair<std::string, int>>{{"", 2}, {"neutral", 2}, {"fail", 1}, {"pass", 0}}) {
    std::vector<std::string> args{"run", "--quiet", "--no-plot", "--out", base + "/run-" + policy};
    if (!policy.empty()) args.insert(args.end(), {"--inconclusive", policy});
    args.insert(args.end(), {"--", "sleep", "0.3"});
    const auto r = memgate(args);
    EXPECT_EQ(r.exit_code, code) << policy << ": " << r.output;
    EXPECT_NE(r.output.find("INCONCLUSIVE"), std::string::npos) << r.output;
  }
  fs::remove_all(base);
}

TEST(CiOutputs, GithubAnnotationsAndStepSummaryUnderGithubActions) {
  const std::string base = fresh_dir("ci-github");
  const std::string step_summary = base + "/step.md";
  const auto r = run_command_split({"env", "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + step_summary, MEMGATE_BIN,
                                    "run", "--quiet", "--no-plot", "--out", base + "/run", "--plateau", "none",
                                    "--max-rss", "1M", "--", helper("memhog"), "--alloc-mib", "8", "--hold-s", "0.3"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("::error title=memgate%3A "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" rss-budget failed::RSS peaked at "), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("::error"), std::string::npos) << r.out;
  const std::string md = slurp(step_summary);
  EXPECT_NE(md.find(": FAIL"), std::string::npos) << md;
  EXPECT_NE(md.find("| `rss-budget` | FAIL |"), std::string::npos) << md;

  // Without GITHUB_ACTIONS (memgate() unsets it): no workflow commands at all.
  const auto plain = memgate({"run", "--quiet", "--no-plot", "--out", base + "/run2", "--plateau", "none", "--max-rss",
                              "1M", "--", helper("memhog"), "--alloc-mib", "8", "--hold-s", "0.3"});
  EXPECT_EQ(plain.exit_code, 1) << plain.output;
  EXPECT_EQ(plain.output.find("::error"), std::string::npos) << plain.output;
  fs::remove_all(base);
}

}  // namespace
}  // namespace memgate::testing
