// Per-cycle leak check: the load runs as N identical cycles, each ending in a quiescent
// measurement (RSS, PSS, the live heap or fds: a robust level over the quiet window after
// the target drained). A leak keeps the same amount every cycle, so the retained level
// climbs linearly with the cycle number; a cache or an allocator's retention climbs for a
// few cycles and stops. Pure functions (docs/plateau.md, "Per-cycle leak check").
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "memgate/check.h"

namespace memgate::analyze {

struct CycleSettings {
  // Leading cycles left out: explicit, or detected (MSER on a line, at most
  // auto_warmup_max_fraction of the cycles and never leaving fewer than min_cycles) and
  // never fewer than min_warmup_cycles (the first cycle faults in code, caches, arenas).
  std::optional<std::size_t> warmup_cycles;
  double auto_warmup_max_fraction = 0.25;
  std::size_t min_warmup_cycles = 1;
  // Tolerated growth per cycle: the larger of the two. When tolerance_per_unit is set and
  // the work per cycle is known, that (times the median work per cycle) applies instead.
  double tolerance_abs_per_cycle = 4096;  // value units (a page for bytes)
  double tolerance_pct_per_cycle = 0.1;   // percent of the baseline level
  std::optional<double> tolerance_per_unit;
  double confidence = 0.99;  // two-sided level of the slope interval (FAIL: one-sided 0.5 %)
  // Judged cycles (after the warm-up) needed for any verdict: on 5, even a perfectly
  // ordered series has a one-sided Mann–Kendall p of 0.0137, above the 0.5 % FAIL level.
  std::size_t min_cycles = 6;
  std::optional<double> production_units_per_s;  // for the projection per day
};

struct CycleAnalysis {
  Outcome outcome = Outcome::inconclusive;
  std::string reason;                                           // set when the cycles cannot be judged at all
  std::size_t cycles = 0, warmup_cycles = 0, judged = 0;        // judged: finite levels after the warm-up
  double baseline = 0;                                          // fitted level at the first judged cycle
  double per_cycle = 0, per_cycle_low = 0, per_cycle_high = 0;  // Theil–Sen slope and interval
  double tolerance_per_cycle = 0;
  double late_per_cycle_high = 0;  // upper bound of the later half's slope
  double p_value = 1;              // one-sided Mann–Kendall, corrected for lag-1 correlation
  double lag1 = 0;                 // lag-1 autocorrelation of the residuals (independence check)
  double variance_inflation = 1;
  std::optional<double> work_per_cycle;  // median units of work of the judged cycles
  std::optional<double> per_unit, per_unit_low, per_unit_high;
  std::optional<double> per_day;             // per_unit x production rate x 1 day
  std::optional<std::size_t> cycles_needed;  // INCONCLUSIVE: total cycles likely to decide
};

// levels[i]: the quiescent level after cycle i + 1 (NaN for a cycle without one). work:
// units of work of each cycle (records), empty or NaN when unknown.
CycleAnalysis analyze_cycles(std::span<const double> levels, std::span<const double> work,
                             const CycleSettings& settings);

// The check: id e.g. "rss-leak-per-cycle", what "RSS", unit "bytes" or "count", work_unit
// e.g. "records". Figures: docs/plateau.md, "Per-cycle leak check".
CheckResult cycle_leak_check(std::string id, const std::string& what, std::span<const double> levels,
                             std::span<const double> work, const std::string& unit, const std::string& work_unit,
                             const CycleSettings& settings);

}  // namespace memgate::analyze
