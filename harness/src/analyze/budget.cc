#include "analyze/budget.h"

#include "analyze/plateau.h"  // format_amount: the one formatter of check summaries

#include <algorithm>
#include <cmath>
#include <string>

#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

// " (first over it at t=20.1 s: 9.6 MiB)", or why there is no such time.
std::string first_crossing(const std::optional<Crossing>& c, const std::string& unit, bool known) {
  if (!known) return "";
  if (!c) return "; no sample was over it (only the exact eBPF tree peak, between two samples)";
  return "; first over it at t=" + format_duration(c->t_s) + " (" + format_amount(c->value, unit) + ")";
}

CheckResult budget(const std::string& id, const std::string& what, double observed, double limit, double at_s,
                   const std::string& unit, std::size_t samples, const std::optional<Crossing>& crossing = {},
                   bool crossing_known = false) {
  CheckResult r;
  r.id = id;
  r.figures = {{"observed_peak", observed, unit}, {"limit", limit, unit}, {"peak_at", at_s, "s"}};
  if (crossing) {
    r.figures.push_back({"first_over_at", crossing->t_s, "s"});
    r.figures.push_back({"first_over_value", crossing->value, unit});
  }
  if (samples == 0) {
    r.outcome = Outcome::inconclusive;
    r.summary = what + " was never measured, so its budget cannot be judged (did the target exit at once?)";
  } else if (observed > limit) {
    r.outcome = Outcome::fail;
    r.summary = what + " peaked at " + format_amount(observed, unit) +
                (at_s >= 0 ? " at t=" + format_duration(at_s) : std::string(" (the exact tree peak eBPF saw)")) +
                ", over the budget of " + format_amount(limit, unit) + first_crossing(crossing, unit, crossing_known);
  } else {
    r.outcome = Outcome::pass;
    r.summary =
        what + " peaked at " + format_amount(observed, unit) + ", within the budget of " + format_amount(limit, unit);
  }
  return r;
}

}  // namespace

std::string NewCrossing::describe() const {
  return std::string(id) + " first crossed at t=" + format_duration(crossing.t_s) + ": " +
         format_amount(crossing.value, unit) + ", over the budget of " + format_amount(limit, unit);
}

std::vector<NewCrossing> BudgetCrossings::add(const BudgetSample& s) {
  std::vector<NewCrossing> crossed;
  const auto feed = [&](const std::optional<std::uint64_t>& limit, double value, std::optional<Crossing>& slot,
                        const char* id, const char* unit) {
    if (!limit || slot || !(value > static_cast<double>(*limit))) return;  // NaN never crosses
    slot = Crossing{s.t_s, value};
    crossed.push_back({id, unit, *slot, static_cast<double>(*limit)});
  };
  // The budget's own figure for RSS: the largest of the tree sum, any VmHWM and the
  // exact eBPF peak (budget_checks below).
  double rss = s.rss;
  for (const double v : {s.hwm, s.ebpf_peak})
    if (!std::isnan(v) && (std::isnan(rss) || v > rss)) rss = v;
  feed(limits_.max_rss_bytes, rss, rss_, check_id::kRssBudget, "bytes");
  feed(limits_.max_pss_bytes, s.pss, pss_, check_id::kPssBudget, "bytes");
  feed(limits_.max_fds, s.fds, fds_, check_id::kFdBudget, "count");
  feed(limits_.max_threads, s.threads, threads_, check_id::kThreadBudget, "count");
  return crossed;
}

std::vector<CheckResult> budget_checks(const BudgetLimits& limits, const RunSummary& s,
                                       std::optional<double> exact_tree_peak_bytes, const BudgetCrossings* crossings) {
  std::vector<CheckResult> out;
  const bool known = crossings != nullptr;
  const auto first = [&](const std::optional<Crossing>& (BudgetCrossings::*get)() const) {
    return known ? (crossings->*get)() : std::optional<Crossing>{};
  };
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
    out.push_back(budget(check_id::kRssBudget, "RSS", peak, static_cast<double>(*limits.max_rss_bytes), at, "bytes",
                         samples, first(&BudgetCrossings::rss), known));
  }
  if (limits.max_pss_bytes)
    out.push_back(budget(check_id::kPssBudget, "PSS", s.pss.max, static_cast<double>(*limits.max_pss_bytes),
                         s.pss.max_at_s, "bytes", s.pss.samples, first(&BudgetCrossings::pss), known));
  if (limits.max_fds)
    out.push_back(budget(check_id::kFdBudget, "Open file descriptors", s.fds.max, static_cast<double>(*limits.max_fds),
                         s.fds.max_at_s, "count", s.fds.samples, first(&BudgetCrossings::fds), known));
  if (limits.max_threads)
    out.push_back(budget(check_id::kThreadBudget, "Threads", s.threads.max, static_cast<double>(*limits.max_threads),
                         s.threads.max_at_s, "count", s.threads.samples, first(&BudgetCrossings::threads), known));
  return out;
}

}  // namespace memgate::analyze
