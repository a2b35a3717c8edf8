// The check registry: one naming scheme, and every place a setting can be given
// (flag, scenario key, meta.json) generated from the one declaration.
#include "report/check_registry.h"

#include <set>

#include <gtest/gtest.h>

#include "memgate/error.h"

namespace memgate::report {
namespace {

using nlohmann::json;

// A value each setting takes, in its scenario (JSON) form.
json sample_value(const SettingBase& s) {
  const std::map<std::string, json> samples = {{"max_rss", "512M"},
                                               {"max_pss", 1000},
                                               {"max_fds", 64},
                                               {"max_threads", 8},
                                               {"plateau", {"rss", "heap"}},
                                               {"tolerance", "2MiB/h,3%/h"},
                                               {"warmup", "10%"},
                                               {"horizon", "7d"},
                                               {"burst_phase", "spike"},
                                               {"burst_level_window", 5},
                                               {"burst_tolerance", "3MiB"},
                                               {"max_retained", "16M"},
                                               {"cycle_leak", {"rss", "fds"}},
                                               {"cycle_tolerance", "64KiB"},
                                               {"cycle_tolerance_per_unit", 128},
                                               {"cycle_warmup", 2},
                                               {"production_rate", "2000/s"},
                                               {"cycle_drain_signal", "cpu"},
                                               {"max_limit_share", "70%"},
                                               {"no_data_loss", true},
                                               {"baseline", "baselines/main"},
                                               {"max_increase", "5%,2MiB"}};
  const auto it = samples.find(s.key());
  return it == samples.end() ? json() : it->second;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "no error";
}

TEST(CheckRegistry, OneNamingSchemeAndUniqueNames) {
  std::set<std::string> keys, ids;
  for (const SettingBase* s : all_settings()) {
    EXPECT_TRUE(keys.insert(s->key()).second) << "duplicate key " << s->key();
    std::string expected_flag = "--" + s->key();
    for (char& c : expected_flag)
      if (c == '_') c = '-';
    EXPECT_EQ(s->flag(), expected_flag);
    EXPECT_FALSE(s->help().empty()) << s->key();
    EXPECT_EQ(find_setting(s->key()), s);
  }
  for (const CheckSpec* spec : check_registry())
    for (const auto& id : spec->ids) EXPECT_TRUE(ids.insert(id).second) << "two checks report " << id;
  EXPECT_GE(keys.size(), 13u);
}

TEST(CheckRegistry, EverySettingRoundTripsThroughTheScenarioAndMetaJson) {
  for (const SettingBase* s : all_settings()) {
    const json value = sample_value(*s);
    ASSERT_FALSE(value.is_null()) << "no sample value for the new setting " << s->key() << ": add one to this test";
    const CheckSettings parsed = check_settings_from_scenario({{s->key(), value}}, "s.json");
    const json meta = to_json(parsed);
    EXPECT_NE(meta[s->key()], to_json(CheckSettings{})[s->key()]) << s->key() << " kept its default";
    EXPECT_EQ(to_json(check_settings_from_json(meta)), meta) << s->key();
  }
}

TEST(CheckRegistry, DurationsTakeNumbersOrTextAndErrorsNameTheFileAndField) {
  const auto s = check_settings_from_scenario({{"horizon", 3600}, {"warmup", 30}}, "s.json");
  EXPECT_EQ(to_json(s)["horizon"], 3600.0);
  EXPECT_EQ(to_json(s)["warmup"]["kind"], "seconds");
  EXPECT_EQ(to_json(s)["warmup"]["value"], 30.0);
  EXPECT_EQ(error_of([] {
              check_settings_from_scenario({{"warmup", "x"}}, "s.json");
            }),
            "s.json: checks.warmup: expected auto, a duration (90, 90s, 15m) or a share of the run (10%)");
  EXPECT_NE(error_of([] {
              check_settings_from_scenario({{"max_rsss", "1G"}}, "s.json");
            }).find("s.json: checks.max_rsss: unknown key; expected one of max_rss, max_pss"),
            std::string::npos);
  CheckSettings scratch;
  EXPECT_EQ(error_of([&] { find_setting("max_fds")->set_from_text("-1", scratch); }),
            "--max-fds '-1': expected a non-negative integer");
  EXPECT_NE(error_of([] {
              check_settings_from_json({{"max_rss", "lots"}});
            }).find("meta.json: checks.max_rss"),
            std::string::npos);
}

TEST(CheckRegistry, OnlyGivenFlagsOverride) {
  const CheckSettings scenario = check_settings_from_scenario({{"max_rss", "64M"}, {"plateau", "none"}}, "s.json");
  const CheckSettings flags = check_settings_from_scenario({{"max_rss", "1G"}, {"plateau", {"rss"}}}, "flags");
  CheckSettings merged = scenario;
  override_checks({"--max-rss"}, flags, merged);
  EXPECT_EQ(to_json(merged)["max_rss"], 1u << 30);
  EXPECT_TRUE(to_json(merged)["plateau"].empty()) << "--plateau was not given: the scenario's none stays";
}

TEST(CheckRegistry, ReadsTheMetaLayoutOfOlderRunDirectories) {
  const json legacy = json::parse(R"({
    "budgets": {"max_rss_bytes": 1048576, "max_fds": 12},
    "plateau_metrics": ["rss"],
    "memory_plateau": {"tolerance_abs_per_h": 2048, "tolerance_pct_per_h": 0, "confidence": 0.99,
                       "warmup": {"kind": "seconds", "value": 5}, "horizon_s": 3600},
    "count_plateau": {"tolerance_abs_per_h": 1, "tolerance_pct_per_h": 0},
    "burst": {"phase": "burst", "tolerance_abs": 4096, "tolerance_pct": 5, "level_window_s": 10},
    "max_retained_bytes": 99, "no_data_loss": true})");
  const json now = to_json(check_settings_from_json(legacy));
  EXPECT_EQ(now["max_rss"], 1048576);
  EXPECT_EQ(now["max_fds"], 12);
  EXPECT_EQ(now["plateau"], json({"rss"}));
  EXPECT_EQ(now["tolerance"]["abs_per_h"], 2048.0);
  EXPECT_EQ(now["warmup"]["value"], 5.0);
  EXPECT_EQ(now["horizon"], 3600.0);
  EXPECT_EQ(now["burst_level_window"], 10.0);
  EXPECT_EQ(now["burst_tolerance"], 4096);
  EXPECT_EQ(now["max_retained"], 99);
  EXPECT_EQ(now["no_data_loss"], true);
}

}  // namespace
}  // namespace memgate::report
