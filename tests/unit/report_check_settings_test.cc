// Plateau metric selection in scenario files and stored settings (report/check_settings).
#include "report/check_registry.h"

#include <gtest/gtest.h>

#include "memgate/error.h"

namespace memgate::report {
namespace {

TEST(CheckSettings, ScenarioSelectsTheHeapPlateau) {
  const auto s = check_settings_from_scenario(nlohmann::json::parse(R"({"plateau": ["rss", "heap"]})"), "s.json");
  EXPECT_EQ(to_json(s)["plateau"], (std::vector<std::string>{"rss", "heap"}));
  // Stored in meta.json and read back by `memgate report`.
  EXPECT_EQ(to_json(check_settings_from_json(to_json(s)))["plateau"], to_json(s)["plateau"]);
}

TEST(CheckSettings, UnknownPlateauMetricNamesTheKnownOnes) {
  try {
    check_settings_from_scenario(nlohmann::json::parse(R"({"plateau": ["rss", "heapz"]})"), "s.json");
    FAIL() << "accepted an unknown metric";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rss, pss, heap, fds, threads"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_settings_from_json(nlohmann::json::parse(R"({"plateau": ["swap"]})")), Error);
}

TEST(CheckSettings, ScenarioSetsTheRetentionLimitAndItRoundTrips) {
  const auto s = check_settings_from_scenario(nlohmann::json::parse(R"({"max_retained": "16M"})"), "s.json");
  EXPECT_EQ(to_json(s)["max_retained"], 16u * 1024 * 1024);
  EXPECT_EQ(to_json(check_settings_from_json(to_json(s)))["max_retained"], to_json(s)["max_retained"]);
  EXPECT_TRUE(
      to_json(check_settings_from_json(to_json(CheckSettings{})))["max_retained"].is_null());  // unset stays unset
  try {
    check_settings_from_scenario(nlohmann::json::parse(R"({"max_retained": "lots"})"), "s.json");
    FAIL() << "accepted a bad size";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("s.json: checks.max_retained: expected a size"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace memgate::report
