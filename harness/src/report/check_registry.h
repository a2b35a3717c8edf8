// The checks memgate knows, each declared once (report/checks/*.cc): the ids it
// reports, its settings (report/check_setting.h) and its evaluate function. Everything
// that used to be wired by hand per check is generated here from that list: the check
// flags of every subcommand, the scenario "checks" keys, the meta.json round trip, the
// overrides of flags over a scenario or a recorded run, and the evaluation order in
// analyze_run_dir. Adding a check: docs/architecture.md, "Adding a check".
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memgate/check.h"
#include "memgate/summary.h"
#include "record/run_meta.h"
#include "report/check_setting.h"
#include "report/run_series.h"

namespace memgate::report {

struct BaselineRuns;  // report/baseline_runs.h

// What a check may read: the run's metadata (sampler figures, the target's accounting),
// its summary figures and its bounded series; the baseline runs when the settings name one.
struct CheckInputs {
  const record::RunMeta& meta;
  const RunSummary& summary;
  const RunSeries& series;
  const BaselineRuns* baseline = nullptr;
};

struct CheckSpec {
  std::string name;              // for docs and help: "budgets", "plateau", ...
  std::vector<std::string> ids;  // the check ids it may report (report.json "checks"[].id)
  std::vector<const SettingBase*> settings;
  // Appends this check's results (none when its settings ask for nothing).
  void (*evaluate)(const CheckInputs& in, const CheckSettings& settings, std::vector<CheckResult>& out);
};

// In evaluation order (the order of report.json's checks).
std::span<const CheckSpec* const> check_registry();
// Every setting of every check, in registry order.
std::vector<const SettingBase*> all_settings();
const SettingBase* find_setting(std::string_view key);

// meta.json "checks": {key: canonical value} for every setting.
nlohmann::json to_json(const CheckSettings& settings);
// Missing keys keep their defaults; bad values throw Error(usage) naming the key. Reads
// the layout of run directories written before the registry too.
CheckSettings check_settings_from_json(const nlohmann::json& j);
// A scenario's "checks" object; unknown keys and bad values throw Error(usage) naming
// `where`, the key and what is expected (the known keys are listed).
CheckSettings check_settings_from_scenario(const nlohmann::json& checks, const std::string& where);
// Copies into `base` only the settings whose flag ("--max-rss") is in `flags_given`:
// what a user typed wins over a scenario file or a recorded run.
void override_checks(const std::set<std::string>& flags_given, const CheckSettings& given, CheckSettings& base);

// Every registered check, in order.
std::vector<CheckResult> evaluate_checks(const CheckInputs& in, const CheckSettings& settings);

}  // namespace memgate::report
