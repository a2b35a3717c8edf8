#include "report/check_settings.h"

#include <algorithm>

#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate::report {

namespace {

void put(nlohmann::json& j, const char* key, const std::optional<std::uint64_t>& value) {
  if (value) j[key] = *value;
}

void get(const nlohmann::json& j, const char* key, std::optional<std::uint64_t>& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_number_unsigned())
    throw Error(ExitCode::usage, std::string("checks: ") + key + ": expected a non-negative integer");
  value = j[key].get<std::uint64_t>();
}

template <typename T>
void get(const nlohmann::json& j, const char* key, T& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  try {
    value = j[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(ExitCode::usage, std::string("checks: ") + key + ": wrong type (" + j[key].dump() + ")");
  }
}

const char* warmup_kind_name(analyze::Warmup::Kind kind) {
  switch (kind) {
    case analyze::Warmup::Kind::seconds: return "seconds";
    case analyze::Warmup::Kind::fraction: return "fraction";
    case analyze::Warmup::Kind::automatic: break;
  }
  return "auto";
}

nlohmann::json plateau_json(const analyze::PlateauSettings& p) {
  return {{"tolerance_abs_per_h", p.tolerance_abs_per_h},
          {"tolerance_pct_per_h", p.tolerance_pct_per_h},
          {"warmup", {{"kind", warmup_kind_name(p.warmup.kind)}, {"value", p.warmup.value}}},
          {"confidence", p.confidence},
          {"horizon_s", p.horizon_s}};
}

void plateau_from_json(const nlohmann::json& j, analyze::PlateauSettings& p) {
  get(j, "tolerance_abs_per_h", p.tolerance_abs_per_h);
  get(j, "tolerance_pct_per_h", p.tolerance_pct_per_h);
  get(j, "confidence", p.confidence);
  get(j, "horizon_s", p.horizon_s);
  if (j.contains("warmup")) {
    const std::string kind = j["warmup"].value("kind", "auto");
    p.warmup.kind = kind == "seconds"    ? analyze::Warmup::Kind::seconds
                    : kind == "fraction" ? analyze::Warmup::Kind::fraction
                                         : analyze::Warmup::Kind::automatic;
    p.warmup.value = j["warmup"].value("value", 0.0);
  }
}

}  // namespace

const std::vector<std::string>& known_plateau_metrics() {
  static const std::vector<std::string> metrics = {"rss", "pss", "heap", "fds", "threads"};
  return metrics;
}

bool is_plateau_metric(const std::string& name) {
  const auto& known = known_plateau_metrics();
  return std::find(known.begin(), known.end(), name) != known.end();
}

std::string known_plateau_metrics_text() {
  std::string text;
  for (const auto& metric : known_plateau_metrics()) text += (text.empty() ? "" : ", ") + metric;
  return text;
}

nlohmann::json to_json(const CheckSettings& s) {
  nlohmann::json budgets = nlohmann::json::object();
  put(budgets, "max_rss_bytes", s.budgets.max_rss_bytes);
  put(budgets, "max_pss_bytes", s.budgets.max_pss_bytes);
  put(budgets, "max_fds", s.budgets.max_fds);
  put(budgets, "max_threads", s.budgets.max_threads);
  nlohmann::json j = {{"budgets", budgets},
          {"plateau_metrics", s.plateau_metrics},
          {"memory_plateau", plateau_json(s.memory_plateau)},
          {"count_plateau", plateau_json(s.count_plateau)},
          {"burst", {{"phase", s.burst.burst_phase}, {"tolerance_abs", s.burst.tolerance_abs},
                     {"tolerance_pct", s.burst.tolerance_pct}, {"level_window_s", s.burst.level_window_s}}},
          {"no_data_loss", s.no_data_loss}};
  put(j, "max_retained_bytes", s.max_retained_bytes);
  return j;
}

CheckSettings check_settings_from_json(const nlohmann::json& j) {
  CheckSettings s;
  if (j.contains("budgets")) {
    const auto& b = j["budgets"];
    get(b, "max_rss_bytes", s.budgets.max_rss_bytes);
    get(b, "max_pss_bytes", s.budgets.max_pss_bytes);
    get(b, "max_fds", s.budgets.max_fds);
    get(b, "max_threads", s.budgets.max_threads);
  }
  get(j, "plateau_metrics", s.plateau_metrics);
  for (const auto& metric : s.plateau_metrics) {
    if (!is_plateau_metric(metric))
      throw Error(ExitCode::usage, "checks: plateau_metrics: unknown metric '" + metric + "' (use " + known_plateau_metrics_text() + ")");
  }
  if (j.contains("memory_plateau")) plateau_from_json(j["memory_plateau"], s.memory_plateau);
  if (j.contains("count_plateau")) plateau_from_json(j["count_plateau"], s.count_plateau);
  if (j.contains("burst")) {
    get(j["burst"], "phase", s.burst.burst_phase);
    get(j["burst"], "tolerance_abs", s.burst.tolerance_abs);
    get(j["burst"], "tolerance_pct", s.burst.tolerance_pct);
    get(j["burst"], "level_window_s", s.burst.level_window_s);
  }
  get(j, "max_retained_bytes", s.max_retained_bytes);
  get(j, "no_data_loss", s.no_data_loss);
  return s;
}

}  // namespace memgate::report

namespace memgate::report {

CheckSettings check_settings_from_scenario(const nlohmann::json& checks, const std::string& where) {
  CheckSettings s;
  const auto fail = [&](const std::string& key, const std::string& expected) {
    throw Error(ExitCode::usage, where + ": checks." + key + ": expected " + expected);
  };
  const auto size = [&](const std::string& key, const nlohmann::json& v) -> std::uint64_t {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_string())
      if (const auto bytes = parse_bytes(v.get<std::string>())) return *bytes;
    fail(key, "a size such as \"512M\" or a number of bytes");
    return 0;
  };
  const auto count = [&](const std::string& key, const nlohmann::json& v) -> std::uint64_t {
    if (!v.is_number_unsigned()) fail(key, "a non-negative integer");
    return v.get<std::uint64_t>();
  };
  const auto text = [&](const std::string& key, const nlohmann::json& v) -> std::string {
    if (!v.is_string()) fail(key, "a string");
    return v.get<std::string>();
  };
  for (const auto& [key, v] : checks.items()) {
    if (key == "max_rss") s.budgets.max_rss_bytes = size(key, v);
    else if (key == "max_pss") s.budgets.max_pss_bytes = size(key, v);
    else if (key == "max_fds") s.budgets.max_fds = count(key, v);
    else if (key == "max_threads") s.budgets.max_threads = count(key, v);
    else if (key == "plateau") {
      s.plateau_metrics.clear();
      if (v.is_string() && v.get<std::string>() == "none") continue;
      if (!v.is_array()) fail(key, "a list of metrics (" + known_plateau_metrics_text() + ") or \"none\"");
      for (const auto& m : v) {
        if (!m.is_string() || !is_plateau_metric(m.get<std::string>()))
          fail(key, "metrics among " + known_plateau_metrics_text() + " (got " + m.dump() + ")");
        s.plateau_metrics.push_back(m.get<std::string>());
      }
    } else if (key == "tolerance") {
      analyze::parse_tolerance(text(key, v), s.memory_plateau);
    } else if (key == "warmup") {
      s.memory_plateau.warmup = s.count_plateau.warmup = analyze::parse_warmup(text(key, v));
    } else if (key == "horizon") {
      const auto seconds = parse_duration(text(key, v));
      if (!seconds || *seconds <= 0) fail(key, "a duration such as \"24h\"");
      s.memory_plateau.horizon_s = s.count_plateau.horizon_s = *seconds;
    } else if (key == "burst_phase") {
      s.burst.burst_phase = text(key, v);
    } else if (key == "burst_level_window") {
      // Short (CI) scenarios: the retained level is the median over this end part of the
      // recovery, which must last at least as long.
      const auto seconds = parse_duration(text(key, v));
      if (!seconds || *seconds <= 0) fail(key, "a duration such as \"10s\" (default 30s)");
      s.burst.level_window_s = *seconds;
    } else if (key == "burst_tolerance") {
      s.burst.tolerance_abs = static_cast<double>(size(key, v));
    } else if (key == "max_retained") {
      s.max_retained_bytes = size(key, v);
    } else if (key == "no_data_loss") {
      if (!v.is_boolean()) fail(key, "true or false");
      s.no_data_loss = v.get<bool>();
    } else {
      fail(key, "one of max_rss, max_pss, max_fds, max_threads, plateau, tolerance, warmup, horizon, burst_phase, "
                "burst_level_window, burst_tolerance, max_retained, no_data_loss (unknown key)");
    }
  }
  return s;
}

void override_checks(const std::set<std::string>& flags_given, const CheckSettings& given, CheckSettings& base) {
  const auto was_given = [&flags_given](const char* flag) { return flags_given.count(flag) > 0; };
  if (was_given("--max-rss")) base.budgets.max_rss_bytes = given.budgets.max_rss_bytes;
  if (was_given("--max-pss")) base.budgets.max_pss_bytes = given.budgets.max_pss_bytes;
  if (was_given("--max-fds")) base.budgets.max_fds = given.budgets.max_fds;
  if (was_given("--max-threads")) base.budgets.max_threads = given.budgets.max_threads;
  if (was_given("--plateau")) base.plateau_metrics = given.plateau_metrics;
  if (was_given("--tolerance")) {
    base.memory_plateau.tolerance_abs_per_h = given.memory_plateau.tolerance_abs_per_h;
    base.memory_plateau.tolerance_pct_per_h = given.memory_plateau.tolerance_pct_per_h;
  }
  if (was_given("--warmup")) base.memory_plateau.warmup = base.count_plateau.warmup = given.memory_plateau.warmup;
  if (was_given("--horizon")) base.memory_plateau.horizon_s = base.count_plateau.horizon_s = given.memory_plateau.horizon_s;
  if (was_given("--max-retained")) base.max_retained_bytes = given.max_retained_bytes;
  if (was_given("--no-data-loss")) base.no_data_loss = given.no_data_loss;
}

}  // namespace memgate::report
