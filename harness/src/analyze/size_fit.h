// Memory against work size (docs/work-size.md): the same workload run at several sizes
// (pairs, records, rows), one level per run (peak RSS, steady RSS, live heap). A design
// that streams keeps the level flat as the size grows; one that accumulates grows it
// linearly. The fit is ordinary least squares of level on size with a Student-t interval
// on the slope (the runs are independent, so their residuals are too). Pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "memgate/check.h"

namespace memgate::analyze {

struct SizeFitSettings {
  // Tolerated growth per unit of size (bytes per pair). Unset: the growth over the whole
  // sweep may be tolerance_pct_of_level percent of the fitted level at the smallest size.
  std::optional<double> tolerance_per_unit;
  double tolerance_pct_of_level = 10;
  double confidence = 0.95;  // two-sided level of the slope interval
};

struct SizeFit {
  Outcome outcome = Outcome::inconclusive;
  std::string reason;  // set when the points cannot be judged at all
  std::size_t points = 0, distinct_sizes = 0;
  double per_unit = 0, per_unit_low = 0, per_unit_high = 0;  // slope and its interval
  double intercept = 0;                                      // fitted level at size 0
  double level_smallest = 0, level_largest = 0;              // fitted levels at the ends of the sweep
  double smallest = 0, largest = 0;                          // sizes
  double tolerance_per_unit = 0;
  double r_squared = 0;
  double degrees_of_freedom = 0;
};

// sizes[i], levels[i]: one run (non-finite levels are left out). Needs >= 3 distinct sizes.
SizeFit fit_against_size(std::span<const double> sizes, std::span<const double> levels,
                         const SizeFitSettings& settings);

// The check of a fit, e.g. id "peak-rss-vs-size", what "peak RSS", unit "pairs". Figures:
// per_unit (bytes/<unit>), per_unit_low, per_unit_high, tolerance_per_unit,
// level_smallest, level_largest (bytes), smallest, largest, points, r_squared.
CheckResult size_fit_check(std::string id, const std::string& what, const SizeFit& fit, const std::string& unit,
                           double confidence);

}  // namespace memgate::analyze
