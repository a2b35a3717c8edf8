// A scenario's target.limits: sizes or bytes into MemoryLimits, mistakes named by file
// and field, and a limit flag on the command line wins over the file.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "memgate/error.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate {
namespace {

using nlohmann::json;

json with_limits(const json& limits) { return {{"target", {{"command", {"cat"}}, {"limits", limits}}}}; }

std::string error_of(const json& doc) {
  try {
    scenario::parse_scenario(doc, "s.json", "/base");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  ADD_FAILURE() << "expected an error for " << doc.dump();
  return "";
}

TEST(ScenarioLimits, SizesOrBytes) {
  const auto s = scenario::parse_scenario(
      with_limits({{"memory_max", "512M"}, {"memory_high", 268435456}, {"swap_max", "1GiB"}}), "s.json", "/base");
  EXPECT_EQ(s.target.limits.max, 512ull << 20);
  EXPECT_EQ(s.target.limits.high, 256ull << 20);
  EXPECT_EQ(s.target.limits.swap_max, 1ull << 30);
  const auto none = scenario::parse_scenario({{"target", {{"command", {"cat"}}}}}, "s.json", "/base");
  EXPECT_FALSE(none.target.limits.any());
}

TEST(ScenarioLimits, MistakesNameTheFileAndField) {
  EXPECT_EQ(
      error_of(with_limits({{"memory_max", "lots"}})),
      "s.json: target.limits.memory_max: expected a size such as \"512M\" or a number of bytes > 0, got \"lots\"");
  EXPECT_EQ(error_of(with_limits({{"memory_high", -5}})),
            "s.json: target.limits.memory_high: expected a size such as \"512M\" or a number of bytes > 0, got -5");
  EXPECT_EQ(error_of(with_limits({{"memory_max", 0}})),
            "s.json: target.limits.memory_max: expected a size such as \"512M\" or a number of bytes > 0, got 0");
  EXPECT_NE(
      error_of(with_limits({{"memory_maximum", "1G"}})).find("s.json: target.limits.memory_maximum: unknown field"),
      std::string::npos);
  EXPECT_NE(error_of(with_limits("1G")).find("s.json: target.limits: expected a JSON object"), std::string::npos);
}

TEST(ScenarioLimits, AFlagWinsOverTheFile) {
  const auto s =
      scenario::parse_scenario(with_limits({{"memory_max", "512M"}, {"memory_high", "400M"}}), "s.json", "/base");
  run::RunConfig c;
  c.samplers.memory_limits.max = 1ull << 30;  // --memory-max 1G on the command line
  run::apply_scenario(s, {{"--memory-max"}, {}}, c);
  EXPECT_EQ(c.samplers.memory_limits.max, 1ull << 30);
  EXPECT_EQ(c.samplers.memory_limits.high, 400ull << 20);
  EXPECT_FALSE(c.samplers.memory_limits.swap_max.has_value());
}

}  // namespace
}  // namespace memgate
