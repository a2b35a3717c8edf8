// The golden matcher itself: it must let through exactly what its placeholders allow,
// and catch a renamed key, a changed type, a changed check id or a changed sentence.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/run_helpers.h"
#include "output/golden.h"

namespace memgate::golden {
namespace {

using nlohmann::json;

TEST(GoldenText, PlaceholdersMatchTheirKindOnly) {
  EXPECT_TRUE(match_text("RSS peak {{num}} MiB, {{int}} samples", "RSS peak 6.8 MiB, 32 samples").empty());
  EXPECT_TRUE(
      match_text("at {{ts}} in {{path}}/report.json", "at 2026-12-04T19:00:01.123Z in /tmp/x-1/report.json").empty());
  EXPECT_TRUE(match_text("host {{any}}", "host anything at all, even (regex) chars").empty());
  EXPECT_FALSE(match_text("{{int}} samples", "3.5 samples").empty());
  EXPECT_FALSE(match_text("at {{ts}}", "at yesterday").empty());
  EXPECT_FALSE(match_text("in {{path}} now", "in /a b now").empty());
  // Literal text is literal, regex characters included.
  EXPECT_TRUE(match_text("[pass] a.b (x+y)? {1}", "[pass] a.b (x+y)? {1}").empty());
  EXPECT_FALSE(match_text("[pass] a.b", "[pass] aXb").empty());
}

TEST(GoldenText, EveryLineCountsIncludingTheLastNewline) {
  EXPECT_TRUE(match_text("a\nb\n", "a\nb\n").empty());
  EXPECT_EQ(match_text("a\nb\n", "a\nb").size(), 1u);
  EXPECT_FALSE(match_text("a\n", "a\nextra\n").empty());
  const auto d =
      match_text("memgate: PASS (exit 0) — all 3 checks passed\n", "memgate: PASS (exit 0) — all 3 checks passed.\n");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].find("line 1"), std::string::npos) << d[0];
}

TEST(GoldenJson, KeysTypesAndValuesMustAgree) {
  const json golden = json::parse(R"({"a": 1, "b": 2.5, "c": "x", "d": null, "e": [true, "{{num}}"],
                                      "f": "{{json}}", "g": "{{int}}", "h": "at {{ts}}"})");
  json actual = json::parse(R"({"a": 1, "b": 2.5, "c": "x", "d": null, "e": [true, 3e7],
                                "f": {"any": "thing"}, "g": 7, "h": "at 2026-01-02T03:04:05.006Z"})");
  EXPECT_TRUE(match_json(golden, actual).empty());
  // Key order does not matter.
  EXPECT_TRUE(match_json(golden, json::parse(actual.dump())).empty());

  auto changed = actual;
  changed["b"] = 2.6;
  EXPECT_EQ(match_json(golden, changed).size(), 1u);
  changed = actual;
  changed["a"] = 1.0;  // integer written as a float: a changed type
  EXPECT_EQ(match_json(golden, changed).size(), 1u);
  changed = actual;
  changed["d"] = 0;
  EXPECT_EQ(match_json(golden, changed).size(), 1u);
  changed = actual;
  changed["e"].push_back(1);
  EXPECT_EQ(match_json(golden, changed).size(), 1u);
  changed = actual;
  changed["g"] = 7.5;
  EXPECT_EQ(match_json(golden, changed).size(), 1u);
  changed = actual;
  changed["renamed"] = changed["c"];
  changed.erase("c");
  EXPECT_EQ(match_json(golden, changed).size(), 2u);  // one missing, one unexpected
  // Floats agree to 1e-9 relative: another libm's last bits, not a changed figure.
  changed = actual;
  changed["b"] = 2.5 * (1 + 1e-12);
  EXPECT_TRUE(match_json(golden, changed).empty());
}

// The real golden of the FAIL run catches the changes a refactor could slip in.
TEST(GoldenJson, TheFailRunGoldenCatchesChangedChecksAndSentences) {
  const auto golden = testing::read_json(std::string(MEMGATE_SOURCE_DIR) + "/tests/fixtures/golden/fail/report.json");
  ASSERT_TRUE(golden.contains("checks") && golden["checks"].size() >= 2) << golden.dump();
  // The golden holds placeholders; a report as memgate writes it has values there.
  auto actual = golden;
  actual["memgate_version"] = "0.1.0";
  actual["run"]["host"] = "elsewhere";
  actual["run"]["kernel"] = "6.1.0";
  actual["run"]["cwd"] = "/src";
  actual["run"]["started_at"] = "2026-12-04T19:00:00.000Z";
  actual["run"]["ended_at"] = "2026-12-04T19:01:10.000Z";
  ASSERT_TRUE(match_json(golden, actual).empty()) << match_json(golden, actual)[0];

  auto changed = actual;
  changed["checks"][0]["id"] = "rss-limit";
  EXPECT_FALSE(match_json(golden, changed).empty());
  changed = actual;
  changed["checks"][1]["summary"] = changed["checks"][1]["summary"].get<std::string>() + " Really.";
  EXPECT_FALSE(match_json(golden, changed).empty());
  changed = actual;
  changed["summary"]["rss"]["maximum"] = changed["summary"]["rss"]["peak"];
  changed["summary"]["rss"].erase("peak");
  EXPECT_FALSE(match_json(golden, changed).empty());
  changed = actual;
  changed["verdict"]["exit_code"] = 2;
  EXPECT_FALSE(match_json(golden, changed).empty());
  changed = actual;
  changed["checks"].erase(changed["checks"].begin());
  EXPECT_FALSE(match_json(golden, changed).empty());
}

TEST(GoldenRegenerate, KeepsPlaceholdersThatStillMatchAndMasksHostValues) {
  Rules rules;
  rules.volatile_paths = {"/tmp/memgate-test-output-abc"};
  rules.volatile_keys = {"host"};
  const std::string previous = "took {{num}} s\nreport: {{path}}/report.json\n";
  const std::string actual =
      "took 1.5 s\nreport: /tmp/memgate-test-output-abc/pass/report.json\nat 2026-12-04T19:00:00.000Z\n";
  const auto text = regenerate_text(previous, actual, rules);
  EXPECT_EQ(text, "took {{num}} s\nreport: {{path}}/report.json\nat {{ts}}\n");
  EXPECT_TRUE(match_text(text, actual).empty());

  const json jprev = json::parse(R"({"n": "{{num}}", "gone": 1})");
  const json jact = json::parse(R"({"n": 4.5, "host": "ci-7", "dir": "/tmp/memgate-test-output-abc/x", "m": 2})");
  const auto j = regenerate_json(jprev, jact, rules);
  EXPECT_EQ(j, json::parse(R"({"n": "{{num}}", "host": "{{any}}", "dir": "{{path}}/x", "m": 2})"));
  EXPECT_TRUE(match_json(j, jact).empty());
}

}  // namespace
}  // namespace memgate::golden
