#include "analyze/cycle_leak.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "analyze/plateau.h"
#include "analyze/trend_stats.h"
#include "memgate/error.h"

namespace memgate::analyze {

namespace {

constexpr double kDay = 86400;

struct Points {
  std::vector<double> cycle, level;
};

Points finite_after(std::span<const double> levels, std::size_t warmup) {
  Points p;
  for (std::size_t i = warmup; i < levels.size(); ++i)
    if (std::isfinite(levels[i])) p.cycle.push_back(static_cast<double>(i + 1)), p.level.push_back(levels[i]);
  return p;
}

std::size_t warmup_cycles(std::span<const double> levels, const CycleSettings& s) {
  if (s.warmup_cycles) return *s.warmup_cycles;
  const Points all = finite_after(levels, 0);
  // Never cut so much that fewer than min_cycles remain: on a few cycles MSER also cuts
  // by chance, and every cycle cut costs power.
  const double room = static_cast<double>(all.cycle.size()) - static_cast<double>(s.min_cycles);
  const double fraction = all.cycle.empty() ? 0 : std::clamp(room / static_cast<double>(all.cycle.size()), 0.0, 1.0);
  std::size_t cut = detect_warmup(all.cycle, all.level, std::min(s.auto_warmup_max_fraction, fraction));
  // detect_warmup counts finite points; convert to a cycle count.
  cut = cut > 0 ? static_cast<std::size_t>(all.cycle[cut] - 1) : 0;
  return std::max(cut, s.min_warmup_cycles);
}

std::optional<double> median_work(std::span<const double> work, std::size_t warmup) {
  std::vector<double> w;
  for (std::size_t i = warmup; i < work.size(); ++i)
    if (std::isfinite(work[i]) && work[i] > 0) w.push_back(work[i]);
  if (w.empty()) return std::nullopt;
  return median(std::move(w));
}

}  // namespace

CycleAnalysis analyze_cycles(std::span<const double> levels, std::span<const double> work,
                             const CycleSettings& settings) {
  if (!(settings.confidence > 0 && settings.confidence < 1))
    throw Error(ExitCode::usage, "leak per cycle: confidence must lie strictly between 0 and 1, e.g. 0.99");
  CycleAnalysis a;
  a.cycles = levels.size();
  a.warmup_cycles = std::min(warmup_cycles(levels, settings), levels.size());
  const Points p = finite_after(levels, a.warmup_cycles);
  a.judged = p.cycle.size();
  const std::size_t min_cycles = std::max<std::size_t>(settings.min_cycles, 4);
  if (a.judged < min_cycles) {
    a.reason = std::to_string(a.judged) + " cycles with a quiescent level after " + std::to_string(a.warmup_cycles) +
               " warm-up cycles (needs " + std::to_string(min_cycles) + ")";
    a.cycles_needed = a.warmup_cycles + min_cycles + (a.cycles - a.warmup_cycles - a.judged);
    return a;
  }
  // The levels are measured after the target drained, so they should be independent:
  // checked on the residuals of the line. Only when their lag-1 autocorrelation is
  // significantly positive (one-sided 1 %: r1 > -1/n + 2.326/sqrt(n)) is the variance
  // inflated by the AR(1) model, with Student's t on the effective points it leaves;
  // otherwise the plain Mann–Kendall variance and its interval apply (the t factor is for
  // an estimated correlation, and on 7 points it would forbid any verdict).
  const auto plain = [&](std::span<const double> x, std::span<const double> y) {
    return estimate_trend(x, y, AutocorrelationCorrection::none, settings.confidence, false);
  };
  TrendEstimate e = plain(p.cycle, p.level);
  std::vector<double> residuals(p.level.size());
  for (std::size_t i = 0; i < residuals.size(); ++i)
    residuals[i] = p.level[i] - (e.sen.intercept + e.sen.slope * p.cycle[i]);
  a.lag1 = autocorrelation(residuals, 1);
  const double n = static_cast<double>(a.judged);
  const bool correlated = a.lag1 > -1 / n + 2.326 / std::sqrt(n);
  const auto trend = [&](std::span<const double> x, std::span<const double> y) {
    return correlated ? estimate_trend(x, y, AutocorrelationCorrection::lag1, settings.confidence, true) : plain(x, y);
  };
  if (correlated) e = trend(p.cycle, p.level);
  a.per_cycle = e.sen.slope;
  a.per_cycle_low = e.sen.low;
  a.per_cycle_high = e.sen.high;
  a.baseline = e.sen.intercept + e.sen.slope * p.cycle.front();
  a.p_value = e.mk.p_increasing;
  a.variance_inflation = e.variance_inflation;

  a.work_per_cycle = median_work(work, a.warmup_cycles);
  if (a.work_per_cycle) {
    a.per_unit = a.per_cycle / *a.work_per_cycle;
    a.per_unit_low = a.per_cycle_low / *a.work_per_cycle;
    a.per_unit_high = a.per_cycle_high / *a.work_per_cycle;
    if (settings.production_units_per_s) a.per_day = *a.per_unit * *settings.production_units_per_s * kDay;
  }
  a.tolerance_per_cycle = settings.tolerance_per_unit && a.work_per_cycle
                              ? *settings.tolerance_per_unit * *a.work_per_cycle
                              : std::max(std::max(0.0, settings.tolerance_abs_per_cycle),
                                         a.baseline > 0 ? settings.tolerance_pct_per_cycle / 100 * a.baseline : 0.0);

  // A cache that fills over the first cycles and stops: its later half is significantly
  // flatter than the tolerance, which vetoes a FAIL (as in the plateau check).
  const std::size_t half = p.cycle.size() / 2;
  const TrendEstimate late = trend(std::span(p.cycle).subspan(half), std::span(p.level).subspan(half));
  a.late_per_cycle_high = late.sen.high;
  const double alpha_one_sided = (1 - settings.confidence) / 2;
  if (a.per_cycle_low > a.tolerance_per_cycle && a.p_value < alpha_one_sided &&
      a.late_per_cycle_high > a.tolerance_per_cycle) {
    a.outcome = Outcome::fail;
  } else if (a.per_cycle_high <= a.tolerance_per_cycle) {
    a.outcome = Outcome::pass;
  } else {
    // The interval of a slope over n independent points narrows like n^-3/2.
    const bool above = a.per_cycle > a.tolerance_per_cycle;
    const double half_width = above ? a.per_cycle - a.per_cycle_low : a.per_cycle_high - a.per_cycle;
    const double margin = std::abs(a.tolerance_per_cycle - a.per_cycle);
    const double growth = margin > 0 ? std::pow(half_width / margin, 2.0 / 3.0) : 100.0;
    a.cycles_needed = a.warmup_cycles + static_cast<std::size_t>(std::ceil(n * std::clamp(growth, 1.1, 100.0)));
  }
  return a;
}

}  // namespace memgate::analyze
