// Burst recovery: after a burst phase, does the value come back to its pre-burst level?
#include <algorithm>
#include "memgate/check_names.h"
#include <cmath>
#include <vector>

#include "analyze/plateau.h"
#include "analyze/plateau_text.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

struct Window {
  std::vector<double> t, v;
};

// Finite points with begin <= t < end (end inclusive when `closed`).
Window points_between(std::span<const double> t_s, std::span<const double> values, double begin, double end,
                      bool closed) {
  Window w;
  for (std::size_t i = 0; i < t_s.size(); ++i) {
    const double t = t_s[i];
    if (!std::isfinite(t) || !std::isfinite(values[i]) || t < begin || t > end || (!closed && t == end)) continue;
    w.t.push_back(t);
    w.v.push_back(values[i]);
  }
  return w;
}

constexpr std::size_t kMinPoints = 5;

}  // namespace

CheckResult burst_recovery_check(std::string id, std::string what, std::span<const double> t_s,
                                 std::span<const double> values, std::span<const PhaseSpan> phases, std::string unit,
                                 const BurstSettings& s) {
  CheckResult r;
  r.id = std::move(id);
  r.outcome = Outcome::inconclusive;
  const auto burst =
      std::find_if(phases.begin(), phases.end(), [&](const PhaseSpan& p) { return p.name == s.burst_phase; });
  if (burst == phases.end()) {
    r.summary = what + " burst recovery cannot be judged: no phase named '" + s.burst_phase +
                "' was recorded; tag the burst in the scenario's phases.";
    return r;
  }
  const std::size_t n = std::min(t_s.size(), values.size());
  t_s = t_s.first(n), values = values.first(n);

  // The recovery window ends at the next burst, the configured length, or the last sample.
  double last_t = -INFINITY;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(t_s[i]) && std::isfinite(values[i])) last_t = std::max(last_t, t_s[i]);
  double recovery_end = s.recovery_window_s ? burst->end_s + *s.recovery_window_s : last_t;
  for (const auto& p : phases)
    if (&p != &*burst && p.name == s.burst_phase && p.start_s >= burst->end_s)
      recovery_end = std::min(recovery_end, p.start_s);
  recovery_end = std::min(recovery_end, last_t);

  const Window before = points_between(t_s, values, burst->start_s - s.pre_window_s, burst->start_s, false);
  const Window during = points_between(t_s, values, burst->start_s, burst->end_s, true);
  const Window after = points_between(t_s, values, burst->end_s, recovery_end, true);
  const double recovery_s = recovery_end - burst->end_s;
  if (before.v.size() < kMinPoints || after.v.size() < kMinPoints || recovery_s < s.level_window_s) {
    r.summary = what + " burst recovery cannot be judged: " + std::to_string(before.v.size()) +
                " samples before the burst and " + format_duration(std::max(0.0, recovery_s)) + " after it (needs " +
                std::to_string(kMinPoints) + " samples before and " + format_duration(s.level_window_s) +
                " after); lengthen the phases around the burst.";
    return r;
  }

  const double pre = median(before.v);
  const double peak = during.v.empty() ? pre : *std::max_element(during.v.begin(), during.v.end());
  const Window level = points_between(after.t, after.v, recovery_end - s.level_window_s, recovery_end, true);
  const double post = median(level.v);
  const double retained = post - pre;
  const double tolerance = std::max(s.tolerance_abs, pre > 0 ? s.tolerance_pct / 100 * pre : 0.0);

  // First smoothing bucket after the burst whose median is back within tolerance.
  std::optional<double> recovered_after_s;
  for (std::size_t begin = 0; begin < after.t.size() && !recovered_after_s;) {
    const double bucket_end = after.t[begin] + s.bucket_s;
    std::size_t end = begin;
    std::vector<double> bucket;
    while (end < after.t.size() && after.t[end] < bucket_end) bucket.push_back(after.v[end++]);
    if (median(bucket) <= pre + tolerance) recovered_after_s = after.t[end - 1] - burst->end_s;
    begin = end;
  }

  r.figures = {{"pre_burst_level", pre, unit},
               {"burst_peak", peak, unit},
               {"post_recovery_level", post, unit},
               {figure::kRetained, retained, unit},
               {"retained_pct", pre > 0 ? 100 * retained / pre : 0, "%"},
               {"tolerance", tolerance, unit},
               {"recovery_window_s", recovery_s, "s"}};
  if (recovered_after_s) r.figures.push_back({"time_to_recover_s", *recovered_after_s, "s"});

  const std::string retained_text = format_amount(retained, unit) + " (" +
                                    format_amount(pre > 0 ? 100 * retained / pre : 0, "count") + " % of the " +
                                    format_amount(pre, unit) + " pre-burst level)";
  if (retained <= tolerance) {
    r.outcome = Outcome::pass;
    r.summary = what + " recovered after the burst" +
                (recovered_after_s ? " in " + format_duration(*recovered_after_s) : std::string()) + ": " +
                format_amount(retained, unit) + " retained after " + format_duration(recovery_s) + ", within the " +
                format_amount(tolerance, unit) + " tolerance.";
    return r;
  }
  // Still falling at the end of the window? Then the window, not the target, is too short.
  const Window tail =
      points_between(after.t, after.v, recovery_end - std::max(s.level_window_s, recovery_s / 3), recovery_end, true);
  const ReducedSeries reduced = reduce_series(tail.t, tail.v, 128);
  std::vector<double> residuals = reduced.values;
  const SenSlope fit = theil_sen(reduced.t_s, reduced.values, 0, 0.95);
  for (std::size_t i = 0; i < residuals.size(); ++i) residuals[i] -= fit.intercept + fit.slope * reduced.t_s[i];
  const MannKendall mk =
      mann_kendall(reduced.values, variance_inflation(residuals, AutocorrelationCorrection::multi_lag));
  const bool falling = mk.var_s_corrected > 0 && mk.z < -normal_quantile(0.975);
  // Falling, but so slowly that even at the steepest rate the tail allows (the interval's
  // lower bound) it would still be above tolerance after another recovery window: a
  // release that slows down as it goes (the usual exponential-like decay) falls even less,
  // so the window, not the target, is not what is missing.
  const double steepest = theil_sen(reduced.t_s, reduced.values, mk.var_s_corrected, 0.95).low;
  const bool too_slow = retained + std::min(0.0, steepest) * recovery_s > tolerance;
  if (falling && !too_slow) {
    r.summary = what + " still retains " + retained_text + " " + format_duration(recovery_s) +
                " after the burst but is still falling: lengthen the recovery phase to see where it settles.";
    return r;
  }
  r.outcome = Outcome::fail;
  r.summary = what + " retains " + retained_text + " " + format_duration(recovery_s) + " after the burst, above the " +
              format_amount(tolerance, unit) + " tolerance" +
              (falling ? ", and falls too slowly to be back within it after another " + format_duration(recovery_s)
                       : std::string()) +
              ": memory taken during the burst is not returned (caches without bounds, allocator not "
              "releasing, or objects kept alive).";
  return r;
}

}  // namespace memgate::analyze
