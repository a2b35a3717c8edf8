#include "report/check_settings.h"

#include "memgate/error.h"

namespace memgate::report {

namespace {

void put(nlohmann::json& j, const char* key, const std::optional<std::uint64_t>& value) {
  if (value) j[key] = *value;
}

void get(const nlohmann::json& j, const char* key, std::optional<std::uint64_t>& value) {
  if (!j.contains(key) || j[key].is_null()) return;
  if (!j[key].is_number_unsigned())
    throw Error(ExitCode::usage, std::string("checks.") + key + ": expected a non-negative integer");
  value = j[key].get<std::uint64_t>();
}

}  // namespace

nlohmann::json to_json(const CheckSettings& s) {
  nlohmann::json budgets = nlohmann::json::object();
  put(budgets, "max_rss_bytes", s.budgets.max_rss_bytes);
  put(budgets, "max_pss_bytes", s.budgets.max_pss_bytes);
  put(budgets, "max_fds", s.budgets.max_fds);
  put(budgets, "max_threads", s.budgets.max_threads);
  return {{"budgets", budgets}};
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
  return s;
}

}  // namespace memgate::report
