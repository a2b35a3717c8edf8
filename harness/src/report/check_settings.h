// Which checks a run asks for, with their settings: stored in meta.json so that
// `memgate report DIR` reproduces the verdict, and overridable there.
#pragma once

#include "analyze/budget.h"

namespace memgate::report {

struct CheckSettings {
  analyze::BudgetLimits budgets;
};

}  // namespace memgate::report
