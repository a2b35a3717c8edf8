#include "report/check_registry.h"

#include "memgate/error.h"

namespace memgate::report {

namespace checks {
#define MEMGATE_CHECK(name) const CheckSpec& name();
#include "report/checks/check_list.h"
#undef MEMGATE_CHECK
}  // namespace checks

std::span<const CheckSpec* const> check_registry() {
  static const CheckSpec* const specs[] = {
#define MEMGATE_CHECK(name) &checks::name(),
#include "report/checks/check_list.h"
#undef MEMGATE_CHECK
  };
  return specs;
}

std::vector<const SettingBase*> all_settings() {
  std::vector<const SettingBase*> out;
  for (const CheckSpec* spec : check_registry()) out.insert(out.end(), spec->settings.begin(), spec->settings.end());
  return out;
}

const SettingBase* find_setting(std::string_view key) {
  for (const SettingBase* s : all_settings())
    if (s->key() == key) return s;
  return nullptr;
}

namespace {

std::string known_keys() {
  std::string text;
  for (const SettingBase* s : all_settings()) text += (text.empty() ? "" : ", ") + s->key();
  return text;
}

// meta.json "checks" as written before the registry (nested by check family), mapped to
// the setting keys, so `memgate report` keeps working on older run directories.
nlohmann::json from_legacy_layout(const nlohmann::json& j) {
  nlohmann::json out = nlohmann::json::object();
  const auto copy = [&](const nlohmann::json& from, const char* old_key, const char* key) {
    if (from.is_object() && from.contains(old_key) && !from[old_key].is_null()) out[key] = from[old_key];
  };
  const nlohmann::json none = nlohmann::json::object();
  const auto& budgets = j.contains("budgets") ? j["budgets"] : none;
  copy(budgets, "max_rss_bytes", "max_rss");
  copy(budgets, "max_pss_bytes", "max_pss");
  copy(budgets, "max_fds", "max_fds");
  copy(budgets, "max_threads", "max_threads");
  copy(j, "plateau_metrics", "plateau");
  if (j.contains("memory_plateau") && j["memory_plateau"].is_object()) {
    const auto& p = j["memory_plateau"];
    if (p.contains("tolerance_abs_per_h") && p.contains("tolerance_pct_per_h"))
      out["tolerance"] = {{"abs_per_h", p["tolerance_abs_per_h"]}, {"pct_per_h", p["tolerance_pct_per_h"]}};
    copy(p, "warmup", "warmup");
    copy(p, "horizon_s", "horizon");
  }
  if (j.contains("burst") && j["burst"].is_object()) {
    copy(j["burst"], "phase", "burst_phase");
    copy(j["burst"], "level_window_s", "burst_level_window");
    copy(j["burst"], "tolerance_abs", "burst_tolerance");
  }
  copy(j, "max_retained_bytes", "max_retained");
  copy(j, "no_data_loss", "no_data_loss");
  return out;
}

}  // namespace

nlohmann::json to_json(const CheckSettings& settings) {
  nlohmann::json j = nlohmann::json::object();
  for (const SettingBase* s : all_settings()) j[s->key()] = s->to_meta(settings);
  return j;
}

CheckSettings check_settings_from_json(const nlohmann::json& stored) {
  if (!stored.is_object()) throw Error(ExitCode::usage, "meta.json: checks: expected an object of check settings");
  const bool legacy =
      stored.contains("budgets") || stored.contains("memory_plateau") || stored.contains("plateau_metrics");
  const nlohmann::json j = legacy ? from_legacy_layout(stored) : stored;
  CheckSettings settings;
  for (const SettingBase* s : all_settings()) {
    const auto it = j.find(s->key());
    if (it != j.end()) s->set_from_meta(*it, settings);
  }
  return settings;
}

CheckSettings check_settings_from_scenario(const nlohmann::json& checks, const std::string& where) {
  CheckSettings settings;
  for (const auto& [key, value] : checks.items()) {
    const SettingBase* s = find_setting(key);
    if (!s) throw Error(ExitCode::usage, where + ": checks." + key + ": unknown key; expected one of " + known_keys());
    s->set_from_scenario(value, where, settings);
  }
  return settings;
}

void override_checks(const std::set<std::string>& flags_given, const CheckSettings& given, CheckSettings& base) {
  for (const SettingBase* s : all_settings())
    if (flags_given.count(s->flag())) s->copy(given, base);
}

std::vector<CheckResult> evaluate_checks(const CheckInputs& in, const CheckSettings& settings) {
  std::vector<CheckResult> out;
  for (const CheckSpec* spec : check_registry()) spec->evaluate(in, settings, out);
  return out;
}

}  // namespace memgate::report
