// baseline: this run's memory figures against a known good run of the same workload
// (analyze/baseline.h; docs/baselines.md). Its settings are read before the checks run:
// analyze_run_dir loads the baseline runs the `baseline` setting names.
#pragma once

#include "analyze/baseline.h"
#include "report/check_setting.h"

namespace memgate::report::checks {

// "10%", "5MiB" or "10%,5MiB": the larger wins.
struct MaxIncreaseCodec {
  using Value = analyze::MaxIncrease;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v);
  static Value from_meta(const nlohmann::json& v);
};

// A path; empty (meta.json null): no baseline.
struct BaselinePathCodec {
  using Value = std::string;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v);
  static Value from_meta(const nlohmann::json& v);
};

extern const Setting<BaselinePathCodec> kBaseline;
extern const Setting<MaxIncreaseCodec> kMaxIncrease;

}  // namespace memgate::report::checks
