// `memgate report` on the recorded runs: where the recomputed report goes (--out,
// --in-place, --force; the run's own report.json is the CI artifact and is never
// rewritten by accident), and what --inconclusive does to the exit code and the JUnit.
#include <gtest/gtest.h>

#include <filesystem>

#include "integration/run_helpers.h"
#include "output/fixture_files.h"

namespace memgate::golden {
namespace {

namespace fs = std::filesystem;
using testing::memgate;

TEST(ReportOut, WithoutOutOrInPlaceNothingIsWritten) {
  const TempDir temp;
  const std::string dir = copy_fixture("fail", temp);
  const auto r = memgate({"report", dir, "--max-rss", "1G"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/report.json"));
  EXPECT_NE(r.output.find("report: not written"), std::string::npos) << r.output;
}

TEST(ReportOut, TheRunsOwnReportIsKeptUnlessInPlace) {
  const TempDir temp;
  const std::string dir = copy_fixture("fail", temp);
  ASSERT_EQ(memgate({"report", dir, "--in-place"}).exit_code, 1);
  const std::string original = read_text(dir + "/report.json");
  ASSERT_NE(original.find("\"outcome\": \"fail\""), std::string::npos);

  // A tolerance that turns the verdict around changes nothing on disk...
  const auto lenient = memgate({"report", dir, "--tolerance", "100GiB/h", "--max-rss", "1G"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.output;
  EXPECT_EQ(read_text(dir + "/report.json"), original);
  // ...unless asked for.
  EXPECT_EQ(memgate({"report", dir, "--tolerance", "100GiB/h", "--max-rss", "1G", "--in-place"}).exit_code, 0);
  EXPECT_EQ(testing::read_json(dir + "/report.json")["verdict"]["outcome"], "pass");
}

TEST(ReportOut, OutFileIsRefusedWhenItExistsUnlessForce) {
  const TempDir temp;
  const std::string dir = copy_fixture("pass", temp);
  const std::string file = temp.path + "/rescored.json";
  EXPECT_EQ(memgate({"report", dir, "--out", file}).exit_code, 0);
  EXPECT_EQ(testing::read_json(file)["verdict"]["outcome"], "pass");
  const auto again = memgate({"report", dir, "--out", file, "--max-fds", "1"});
  EXPECT_EQ(again.exit_code, 3) << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(testing::read_json(file)["verdict"]["outcome"], "pass");
  EXPECT_EQ(memgate({"report", dir, "--out", file, "--max-fds", "1", "--force"}).exit_code, 1);
  EXPECT_EQ(testing::read_json(file)["verdict"]["outcome"], "fail");
}

TEST(ReportOut, NonEmptyOutDirIsRefusedAndForceClearsIt) {
  const TempDir temp;
  const std::string dir = copy_fixture("pass", temp);
  const std::string out = temp.path + "/rescored";
  write_text(out + "/stale.txt", "from before\n");
  const auto refused = memgate({"report", dir, "--out", out});
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("not empty"), std::string::npos) << refused.output;
  EXPECT_TRUE(fs::exists(out + "/stale.txt"));
  EXPECT_EQ(memgate({"report", dir, "--out", out, "--force"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(out + "/stale.txt"));
  EXPECT_TRUE(fs::exists(out + "/report.json"));
}

TEST(ReportOut, OutNeverNamesTheRunDirectoryOrWhatHoldsIt) {
  const TempDir temp;
  const std::string dir = copy_fixture("pass", temp);
  for (const std::string& out : {dir, temp.path, dir + "/report.json"}) {
    const auto r = memgate({"report", dir, "--out", out, "--force"});
    EXPECT_EQ(r.exit_code, 3) << out << ": " << r.output;
    EXPECT_NE(r.output.find("--in-place"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(fs::exists(dir + "/meta.json")) << "--force cleared the run directory";
  EXPECT_TRUE(fs::exists(dir + "/samples.csv"));
  EXPECT_EQ(memgate({"report", dir, "--force"}).exit_code, 3);                                // --force needs --out
  EXPECT_EQ(memgate({"report", dir, "--in-place", "--out", temp.path + "/x"}).exit_code, 3);  // one or the other
}

// The `inconclusive` fixture (a 2 s run: the plateau checks cannot judge) under each policy.
TEST(Inconclusive, PolicyDecidesTheExitCodeAndTheJUnitOutcome) {
  const TempDir temp;
  const std::string dir = copy_fixture("inconclusive", temp);
  struct Case {
    std::vector<std::string> flag;
    int exit_code;
    const char* junit_marker;  // what the rss-plateau test case holds
  };
  for (const auto& c : {Case{{}, 2, "<skipped"}, Case{{"--inconclusive", "neutral"}, 2, "<skipped"},
                        Case{{"--inconclusive", "fail"}, 1, "<failure message=\"RSS cannot be judged"},
                        Case{{"--inconclusive", "pass"}, 0, "<system-out>INCONCLUSIVE: RSS cannot be judged"}}) {
    const std::string junit = temp.path + "/junit.xml", report = temp.path + "/report.json";
    std::vector<std::string> args{"report", dir, "--junit", junit, "--out", report, "--force"};
    args.insert(args.end(), c.flag.begin(), c.flag.end());
    const auto r = memgate(args);
    const std::string label = c.flag.empty() ? "default" : c.flag[1];
    EXPECT_EQ(r.exit_code, c.exit_code) << label << ": " << r.output;
    const auto json = testing::read_json(report);
    EXPECT_EQ(json["verdict"]["outcome"], "inconclusive") << label;  // the verdict itself never changes
    EXPECT_EQ(json["verdict"]["exit_code"], c.exit_code) << label;
    EXPECT_EQ(json["verdict"]["inconclusive_policy"], c.flag.empty() ? "neutral" : c.flag[1]);
    const std::string xml = read_text(junit);
    const auto at = xml.find("name=\"rss-plateau\"");
    ASSERT_NE(at, std::string::npos) << xml;
    EXPECT_NE(xml.find(c.junit_marker, at), std::string::npos) << label << ":\n" << xml;
    EXPECT_EQ(testing::junit_schema_errors(junit), "") << label;
  }
  const auto bad = memgate({"report", dir, "--inconclusive", "maybe"});
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_NE(bad.output.find("--inconclusive"), std::string::npos) << bad.output;
}

// Two gated commands in one CI job get different suite names; --junit-suite names one.
TEST(JUnitSuite, DefaultsToTheCommandAndCanBeNamed) {
  const TempDir temp;
  const std::string pass = copy_fixture("pass", temp), fail = copy_fixture("fail", temp);
  const std::string a = temp.path + "/a.xml", b = temp.path + "/b.xml", c = temp.path + "/c.xml";
  ASSERT_EQ(memgate({"report", pass, "--junit", a}).exit_code, 0);
  ASSERT_EQ(memgate({"report", fail, "--junit", b}).exit_code, 1);
  ASSERT_EQ(memgate({"report", pass, "--junit", c, "--junit-suite", "nightly gate"}).exit_code, 0);
  const auto suite = [](const std::string& xml) {
    const auto at = xml.find("<testsuite name=\"");
    return at == std::string::npos ? std::string() : xml.substr(at + 17, xml.find('"', at + 17) - at - 17);
  };
  EXPECT_NE(suite(read_text(a)), suite(read_text(b)));
  EXPECT_EQ(suite(read_text(a)).rfind("memgate: ", 0), 0u) << suite(read_text(a));
  EXPECT_EQ(suite(read_text(c)), "nightly gate");
  EXPECT_NE(read_text(c).find("classname=\"nightly gate\""), std::string::npos);
}

}  // namespace
}  // namespace memgate::golden
