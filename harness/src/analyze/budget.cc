#include "analyze/budget.h"

#include "analyze/plateau.h"  // format_amount: the one formatter of check summaries

#include <algorithm>
#include <cmath>
#include <string>

#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

CheckResult budget(const std::string& id, const std::string& what, double observed, double limit, double at_s,
                   const std::string& unit, std::size_t samples) {
  CheckResult r;
  r.id = id;
  r.figures = {{"observed_peak", observed, unit}, {"limit", limit, unit}, {"peak_at", at_s, "s"}};
  if (samples == 0) {
    r.outcome = Outcome::inconclusive;
    r.summary = what + " was never measured, so its budget cannot be judged (did the target exit at once?)";
  } else if (observed > limit) {
    r.outcome = Outcome::fail;
    r.summary = what + " peaked at " + format_amount(observed, unit) +
                (at_s >= 0 ? " at t=" + format_duration(at_s) : std::string(" (the exact tree peak eBPF saw)")) +
                ", over the budget of " + format_amount(limit, unit);
  } else {
    r.outcome = Outcome::pass;
    r.summary =
        what + " peaked at " + format_amount(observed, unit) + ", within the budget of " + format_amount(limit, unit);
  }
  return r;
}

}  // namespace

std::vector<CheckResult> budget_checks(const BudgetLimits& limits, const RunSummary& s,
                                       std::optional<double> exact_tree_peak_bytes) {
  std::vector<CheckResult> out;
  if (limits.max_rss_bytes) {
    const bool hwm_higher = s.hwm_max.max > s.rss.max;
    double peak = hwm_higher ? s.hwm_max.max : s.rss.max;
    double at = hwm_higher ? s.hwm_max.max_at_s : s.rss.max_at_s;
    std::size_t samples = s.rss.samples;
    if (exact_tree_peak_bytes && *exact_tree_peak_bytes > peak) {
      peak = *exact_tree_peak_bytes;
      at = -1;  // eBPF records the peak, not when it was
      ++samples;
    }
    out.push_back(
        budget(check_id::kRssBudget, "RSS", peak, static_cast<double>(*limits.max_rss_bytes), at, "bytes", samples));
  }
  if (limits.max_pss_bytes)
    out.push_back(budget(check_id::kPssBudget, "PSS", s.pss.max, static_cast<double>(*limits.max_pss_bytes),
                         s.pss.max_at_s, "bytes", s.pss.samples));
  if (limits.max_fds)
    out.push_back(budget(check_id::kFdBudget, "Open file descriptors", s.fds.max, static_cast<double>(*limits.max_fds),
                         s.fds.max_at_s, "count", s.fds.samples));
  if (limits.max_threads)
    out.push_back(budget(check_id::kThreadBudget, "Threads", s.threads.max, static_cast<double>(*limits.max_threads),
                         s.threads.max_at_s, "count", s.threads.samples));
  return out;
}

}  // namespace memgate::analyze
