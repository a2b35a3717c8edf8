// Which checks a run asks for, with their settings: stored in meta.json so that
// `memgate report DIR` reproduces the verdict, and overridable there.
#pragma once

#include <nlohmann/json.hpp>

#include "analyze/budget.h"

namespace memgate::report {

struct CheckSettings {
  analyze::BudgetLimits budgets;
};

nlohmann::json to_json(const CheckSettings& settings);
// Missing keys keep their defaults; wrong types throw Error(usage) naming the key.
CheckSettings check_settings_from_json(const nlohmann::json& j);

}  // namespace memgate::report
