// The CI writers on hand-made analyses: GitHub's escaping rules for annotations, the
// inconclusive policy, JUnit escaping of hostile text, and markdown table cells.
#include <gtest/gtest.h>

#include "report/github_annotations.h"
#include "report/inconclusive_policy.h"
#include "report/junit.h"
#include "report/markdown_summary.h"

namespace memgate::report {
namespace {

RunAnalysis analysis_with(std::vector<CheckResult> checks) {
  RunAnalysis a;
  a.meta.command = {"./server", "--port", "8080"};
  a.meta.host = "ci-host";
  a.meta.started_unix_ms = 1796410801123;  // 2026-12-04T19:00:01.123Z
  a.meta.end_reason = "target-exited";
  a.checks = std::move(checks);
  a.verdict = combine(a.checks);
  a.exit_code = exit_code_for(a.verdict.outcome);
  return a;
}

TEST(GithubAnnotations, EscapesPropertiesAndMessagesAsGithubReadsThem) {
  EXPECT_EQ(escape_annotation_property("a:b,c%d\re\nf"), "a%3Ab%2Cc%25d%0De%0Af");
  EXPECT_EQ(escape_annotation_message("a:b,c%d\re\nf"), "a:b,c%25d%0De%0Af");
}

TEST(GithubAnnotations, ErrorForAFailedCheckWarningForAnInconclusiveOne) {
  const auto a = analysis_with(
      {{"rss-budget", Outcome::fail, "RSS peaked at 81 MiB, over 40 MiB", {{"limit", 40.0 * 1048576, "bytes"}}},
       {"rss-plateau", Outcome::inconclusive, "RSS cannot be judged: run 1m", {}},
       {"fd-plateau", Outcome::pass, "fine", {}}});
  const std::string text = github_annotations(a, "memgate: ./server, port");
  EXPECT_EQ(text,
            "::error title=memgate%3A ./server%2C port rss-budget failed::RSS peaked at 81 MiB, over 40 MiB%0Alimit "
            "40.0 MiB\n"
            "::warning title=memgate%3A ./server%2C port rss-plateau inconclusive::RSS cannot be judged: run 1m\n");
  auto strict = a;
  set_inconclusive_policy(strict, InconclusivePolicy::fail);
  EXPECT_NE(github_annotations(strict, "t").find("::error title=t rss-plateau inconclusive::"), std::string::npos);
  EXPECT_EQ(github_annotations(analysis_with({{"fd-plateau", Outcome::pass, "fine", {}}}), "t"), "");
}

TEST(InconclusivePolicy, OnlyTheInconclusiveExitCodeChanges) {
  EXPECT_EQ(apply_inconclusive_policy(ExitCode::inconclusive, InconclusivePolicy::fail), ExitCode::check_failed);
  EXPECT_EQ(apply_inconclusive_policy(ExitCode::inconclusive, InconclusivePolicy::pass), ExitCode::pass);
  EXPECT_EQ(apply_inconclusive_policy(ExitCode::inconclusive, InconclusivePolicy::neutral), ExitCode::inconclusive);
  for (const auto p : {InconclusivePolicy::fail, InconclusivePolicy::pass, InconclusivePolicy::neutral}) {
    EXPECT_EQ(apply_inconclusive_policy(ExitCode::target_failed, p), ExitCode::target_failed);
    EXPECT_EQ(apply_inconclusive_policy(ExitCode::check_failed, p), ExitCode::check_failed);
    EXPECT_EQ(apply_inconclusive_policy(ExitCode::pass, p), ExitCode::pass);
    EXPECT_EQ(parse_inconclusive_policy(to_string(p)), p);
  }
  EXPECT_FALSE(parse_inconclusive_policy("maybe"));
}

TEST(JUnit, HostileTextIsEscapedAndFiguresAreInTheBodies) {
  const auto a = analysis_with({{"rss-budget", Outcome::fail, "over <40> & \"x\"\x01", {{"limit", 1048576, "bytes"}}},
                                {"fd-plateau", Outcome::pass, "plateaus at 5", {{"steady", 5, "count"}}}});
  const std::string xml = junit_xml(a);
  EXPECT_NE(xml.find("message=\"over &lt;40&gt; &amp; &quot;x&quot;\" type=\"fail\">over &lt;40&gt; &amp; "
                     "&quot;x&quot;\nlimit: 1.0 MiB (1048576 bytes)\n</failure>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_NE(xml.find("<system-out>plateaus at 5\nsteady: 5\n</system-out>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("timestamp=\"2026-12-04T19:00:01\" hostname=\"ci-host\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"memgate: ./server --port 8080\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"command\" value=\"./server --port 8080\"/>"), std::string::npos) << xml;
}

TEST(MarkdownSummary, TableCellsKeepTheirShape) {
  const auto a = analysis_with({{"rss-budget", Outcome::fail, "a | b\nc", {}}});
  const std::string md = markdown_summary(a, {"memgate: x", "run/timeline.png", ""});
  EXPECT_NE(md.find("| `rss-budget` | FAIL |  | a \\| b c |"), std::string::npos) << md;
  EXPECT_NE(md.find("![memgate timeline](run/timeline.png)"), std::string::npos) << md;
  EXPECT_EQ(md.rfind("### memgate: x: FAIL\n", 0), 0u) << md;
}

}  // namespace
}  // namespace memgate::report
