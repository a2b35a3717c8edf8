// Budget checks (rss-budget, pss-budget, fd-budget, thread-budget): hard ceilings. Their
// settings are also the limits the plateau checks project "time to limit" against.
#pragma once

#include "analyze/budget.h"
#include "report/check_setting.h"

namespace memgate::report::checks {

extern const Setting<codec::Size> kMaxRss;
extern const Setting<codec::Size> kMaxPss;
extern const Setting<codec::Count> kMaxFds;
extern const Setting<codec::Count> kMaxThreads;

analyze::BudgetLimits budget_limits(const CheckSettings& s);

}  // namespace memgate::report::checks
