// --until-decided with real runs of tests/helpers/memhog: a leaking target is stopped at
// the first planned look that decides its plateau FAIL (end_reason "decided", well before
// --max-duration) and the report judges the whole run FAIL; a flat one is never FAILed.
#include <gtest/gtest.h>

#include "integration/run_helpers.h"
#include "integration/run_events.h"

namespace memgate::testing {
namespace {

TEST(UntilDecided, ALeakStopsEarlyAtALookThatDecidesFail) {
  const std::string dir = fresh_dir("until-decided-leak");
  const auto r = memgate({"run",
                          "--out",
                          dir,
                          "--force",
                          "--no-plot",
                          "--quiet",
                          "--hz",
                          "20",
                          "--grace",
                          "2s",
                          "--until-decided",
                          "--max-duration",
                          "2m",
                          "--",
                          helper("memhog"),
                          "--alloc-mib",
                          "16",
                          "--grow-mib-per-s",
                          "2",
                          "--hold-s",
                          "300"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto meta = read_json(dir + "/meta.json");
  EXPECT_EQ(meta["end_reason"], "decided");
  EXPECT_EQ(meta["planned_duration_s"], 120);
  ASSERT_TRUE(meta["until_decided"].is_object()) << meta.dump(2);
  EXPECT_EQ(meta["until_decided"]["looks"], 9) << "20 s x 1.25^k before 2 minutes, and the end";
  const auto& decided = meta["until_decided"]["decided"];
  ASSERT_TRUE(decided.is_object()) << meta.dump(2);
  EXPECT_EQ(decided["decision"], "fail");
  EXPECT_EQ(decided["checks"]["rss-plateau"], "fail");
  const double stopped_at = decided["t_s"].get<double>();
  EXPECT_LT(stopped_at, 90) << "decided well before the 2-minute maximum (look 5 at 49 s on this machine)";
  const auto stops = events(dir, "stop");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["reason"], "decided");
  EXPECT_NEAR(stops[0]["t_s"].get<double>(), stopped_at, 0.2) << "stopped at the tick of the look";
  const auto looks = events(dir, "look");
  ASSERT_FALSE(looks.empty());
  EXPECT_EQ(looks.back()["decision"], "fail");
  for (std::size_t i = 0; i + 1 < looks.size(); ++i) EXPECT_EQ(looks[i]["decision"], "undecided");
  EXPECT_LT(looks.back()["alpha"].get<double>(), 0.005) << "a look tests at its share of alpha";

  const auto report = read_json(dir + "/report.json");  // checked against its schema
  EXPECT_EQ(report["run"]["end_reason"], "decided");
  EXPECT_EQ(report["run"]["until_decided"]["decided"]["decision"], "fail");
  EXPECT_EQ(report["verdict"]["outcome"], "fail") << "judged normally: the fixed-length check FAILs it too";
  EXPECT_EQ(report_check(report, "rss-plateau")["outcome"], "fail");
  EXPECT_NE(r.output.find("(--until-decided): look "), std::string::npos) << r.output;
}

TEST(UntilDecided, AFlatTargetIsNeverFailedAndRunsToItsMaximumWhenUndecided) {
  const std::string dir = fresh_dir("until-decided-flat");
  const auto r =
      memgate({"run", "--out", dir, "--force", "--no-plot", "--quiet", "--hz", "20", "--grace", "2s", "--until-decided",
               "--max-duration", "30s", "--", helper("memhog"), "--alloc-mib", "16", "--hold-s", "300"});
  EXPECT_EQ(r.exit_code, 2) << "a plateau needs a minute: INCONCLUSIVE, not FAIL\n" << r.output;
  const auto meta = read_json(dir + "/meta.json");
  EXPECT_EQ(meta["end_reason"], "duration");
  EXPECT_FALSE(meta["until_decided"].contains("decided"));
  for (const auto& look : events(dir, "look")) EXPECT_NE(look["decision"], "fail") << look.dump();
  const auto report = read_json(dir + "/report.json");
  EXPECT_NE(report["verdict"]["outcome"], "fail");
}

TEST(UntilDecided, BadCombinationsAreRefusedBeforeAnythingRuns) {
  const std::string dir = fresh_dir("until-decided-usage");
  const auto no_max = memgate({"run", "--out", dir, "--until-decided", "--", helper("memhog"), "--hold-s", "1"});
  EXPECT_EQ(no_max.exit_code, 3);
  EXPECT_NE(no_max.output.find("--until-decided needs --max-duration"), std::string::npos) << no_max.output;
  const auto max_alone =
      memgate({"run", "--out", dir, "--max-duration", "1m", "--", helper("memhog"), "--hold-s", "1"});
  EXPECT_EQ(max_alone.exit_code, 3);
  EXPECT_NE(max_alone.output.find("add --until-decided"), std::string::npos) << max_alone.output;
  const auto both = memgate({"run", "--out", dir, "--until-decided", "--max-duration", "1m", "--duration", "30s", "--",
                             helper("memhog"), "--hold-s", "1"});
  EXPECT_EQ(both.exit_code, 3);
  EXPECT_NE(both.output.find("not --duration"), std::string::npos) << both.output;
  const auto nothing = memgate({"run", "--out", dir, "--until-decided", "--max-duration", "1m", "--plateau", "none",
                                "--", helper("memhog"), "--hold-s", "1"});
  EXPECT_EQ(nothing.exit_code, 3);
  EXPECT_NE(nothing.output.find("--plateau none leaves none"), std::string::npos) << nothing.output;
}

}  // namespace
}  // namespace memgate::testing
