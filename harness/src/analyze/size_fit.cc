#include "analyze/size_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

#include "analyze/trend_stats.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

std::string singular(std::string unit) {
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();  // "pairs" -> "pair"
  return unit;
}

std::string per_unit_text(double bytes, const std::string& unit) {
  char text[64];
  std::snprintf(text, sizeof text, std::fabs(bytes) >= 100 ? "%.0f" : "%.1f", bytes);
  return std::string(text) + " B/" + singular(unit);
}

std::string count_text(double n) {
  char text[48];
  std::snprintf(text, sizeof text, "%.15g", n);
  return text;
}

}  // namespace

SizeFit fit_against_size(std::span<const double> sizes, std::span<const double> levels,
                         const SizeFitSettings& settings) {
  SizeFit fit;
  std::vector<double> x, y;
  for (std::size_t i = 0; i < std::min(sizes.size(), levels.size()); ++i)
    if (std::isfinite(sizes[i]) && std::isfinite(levels[i])) x.push_back(sizes[i]), y.push_back(levels[i]);
  fit.points = x.size();
  fit.distinct_sizes = std::set<double>(x.begin(), x.end()).size();
  if (fit.distinct_sizes < 3) {
    fit.reason = "measured at " + std::to_string(fit.distinct_sizes) +
                 " distinct sizes; a line through fewer than 3 has no error to judge it by";
    return fit;
  }
  const LinearFit line = least_squares(x, y);
  fit.per_unit = line.slope;
  fit.intercept = line.intercept;
  fit.r_squared = line.r_squared;
  fit.smallest = *std::min_element(x.begin(), x.end());
  fit.largest = *std::max_element(x.begin(), x.end());
  fit.level_smallest = line.intercept + line.slope * fit.smallest;
  fit.level_largest = line.intercept + line.slope * fit.largest;

  const double n = static_cast<double>(x.size());
  double mx = 0;
  for (double v : x) mx += v;
  mx /= n;
  double sxx = 0, sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    const double r = y[i] - (line.intercept + line.slope * x[i]);
    sse += r * r;
  }
  fit.degrees_of_freedom = n - 2;
  const double se = std::sqrt(sse / fit.degrees_of_freedom / sxx);
  const double t = student_t_quantile(0.5 + settings.confidence / 2, fit.degrees_of_freedom);
  fit.per_unit_low = fit.per_unit - t * se;
  fit.per_unit_high = fit.per_unit + t * se;

  fit.tolerance_per_unit = settings.tolerance_per_unit.value_or(
      std::max(0.0, fit.level_smallest) * settings.tolerance_pct_of_level / 100 / (fit.largest - fit.smallest));
  if (fit.per_unit_high <= fit.tolerance_per_unit) fit.outcome = Outcome::pass;
  else if (fit.per_unit_low > fit.tolerance_per_unit) fit.outcome = Outcome::fail;
  else fit.outcome = Outcome::inconclusive;
  return fit;
}

CheckResult size_fit_check(std::string id, const std::string& what, const SizeFit& fit, const std::string& unit,
                           double confidence) {
  CheckResult r;
  r.id = std::move(id);
  r.outcome = fit.outcome;
  if (!fit.reason.empty()) {
    r.summary = what + " cannot be judged against size: " + fit.reason + " (give at least 3 sizes)";
    r.figures = {{"points", static_cast<double>(fit.points), "count"}};
    return r;
  }
  const std::string per = "bytes/" + singular(unit);
  char level[16];
  std::snprintf(level, sizeof level, "%.0f%%", confidence * 100);
  const std::string interval = std::string(" (") + level + " CI " + per_unit_text(fit.per_unit_low, unit) + " to " +
                               per_unit_text(fit.per_unit_high, unit) + ")";
  const std::string growth = what + " grows " + per_unit_text(fit.per_unit, unit) + interval + ": " +
                             format_bytes(fit.level_smallest) + " at " + count_text(fit.smallest) + " " + unit + ", " +
                             format_bytes(fit.level_largest) + " at " + count_text(fit.largest);
  const std::string tolerance = "tolerance " + per_unit_text(fit.tolerance_per_unit, unit);
  switch (fit.outcome) {
    case Outcome::pass: r.summary = growth + "; within the " + tolerance; break;
    case Outcome::fail:
      r.summary = growth + "; above the " + tolerance + ": memory grows with the work size (stream it instead)";
      break;
    case Outcome::inconclusive:
      r.summary =
          growth + "; the interval straddles the " + tolerance + ": add sizes or repeats (--repeat) to narrow it";
      break;
  }
  r.figures = {{"per_unit", fit.per_unit, per},
               {"per_unit_low", fit.per_unit_low, per},
               {"per_unit_high", fit.per_unit_high, per},
               {"tolerance_per_unit", fit.tolerance_per_unit, per},
               {"level_smallest", fit.level_smallest, "bytes"},
               {"level_largest", fit.level_largest, "bytes"},
               {"smallest", fit.smallest, unit},
               {"largest", fit.largest, unit},
               {"points", static_cast<double>(fit.points), "count"},
               {"r_squared", fit.r_squared, "ratio"}};
  return r;
}

}  // namespace memgate::analyze
