// The "sizes" key of a scenario and how a size reaches it (scenario/sizes.h), and the
// --sizes list (compare/sizes.h).
#include "scenario/sizes.h"

#include <gtest/gtest.h>

#include "compare/sizes.h"
#include "memgate/error.h"
#include "scenario/scenario.h"

namespace memgate::scenario {
namespace {

using nlohmann::json;

json routing() {
  return json::parse(R"({
    "name": "r",
    "target": {"command": ["/bin/true", "--pairs", "{size}"]},
    "traffic": {"transport": "stdin", "payload": {"kind": "od_pairs", "pairs": 10, "chunk": 5},
                "stages": [{"kind": "constant", "rate": 1, "duration_s": 10}]},
    "sizes": {"values": [100000, 10000, 30000], "parameter": "traffic.payload.pairs", "unit": "pairs",
              "tolerance_per_unit": "64B"}
  })");
}

TEST(ScenarioSizes, ParsesTheSweepSorted) {
  const auto s = parse_sizes(routing(), "r.json");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->values, (std::vector<double>{10000, 30000, 100000}));
  EXPECT_EQ(s->parameter, "traffic.payload.pairs");
  EXPECT_EQ(s->unit, "pairs");
  ASSERT_TRUE(s->tolerance_per_unit);
  EXPECT_DOUBLE_EQ(*s->tolerance_per_unit, 64);
  EXPECT_FALSE(parse_sizes(json{{"name", "x"}}, "x.json"));
}

TEST(ScenarioSizes, SizeGoesToTheParameterAndThePlaceholder) {
  const json doc = apply_size(routing(), 30000, "r.json");
  EXPECT_EQ(doc["traffic"]["payload"]["pairs"], 30000);
  EXPECT_EQ(doc["target"]["command"][2], "30000");
  const Scenario s = parse_scenario(routing(), "r.json", "/tmp", {{}, std::nullopt, 30000.0});
  ASSERT_TRUE(s.traffic);
  EXPECT_EQ(s.traffic->payload.od_pairs.pairs, 30000u);
  EXPECT_EQ(s.target.command.back(), "30000");
  ASSERT_TRUE(s.sizes);
  EXPECT_EQ(s.size, 30000.0);
}

TEST(ScenarioSizes, BadSweepsAreNamed) {
  auto doc = routing();
  doc["sizes"]["values"] = {1000, 2000};
  try {
    parse_sizes(doc, "r.json");
    FAIL() << "two sizes accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("r.json: sizes.values: expected an array of at least 3"), std::string::npos)
        << e.what();
  }
  doc = routing();
  doc["sizes"]["parametr"] = "x";
  EXPECT_THROW(parse_sizes(doc, "r.json"), Error);
  doc = routing();
  doc["sizes"].erase("parameter");
  doc["target"]["command"] = {"/bin/true"};
  try {
    apply_size(doc, 1000, "r.json");
    FAIL() << "a sweep that cannot reach the target accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("{size}"), std::string::npos) << e.what();
  }
  EXPECT_THROW(apply_size(json{{"name", "x"}}, 1000, "x.json"), Error);
}

TEST(ScenarioSizes, SizeListFromTheCommandLine) {
  EXPECT_EQ(compare::parse_size_list("10k,30k,100k"), (std::vector<double>{10000, 30000, 100000}));
  EXPECT_EQ(compare::parse_size_list("1,2,1M"), (std::vector<double>{1, 2, 1e6}));
  EXPECT_THROW(compare::parse_size_list("10k,30k"), Error);
  EXPECT_THROW(compare::parse_size_list("30k,10k,100k"), Error);
  EXPECT_THROW(compare::parse_size_list("10k,x,100k"), Error);
  EXPECT_THROW(compare::parse_size_list("10k,-1,100k"), Error);
}

}  // namespace
}  // namespace memgate::scenario
