// Is a climb slowing down? The earlier and the later half of a window each get their own
// Theil–Sen slope and interval (analyze/trend_stats.h); the climb is decelerating when the
// later half's slope is significantly below the earlier half's. A look of --until-decided
// defers a FAIL on such a window (a cache still filling, not yet cut as warm-up) to a
// later look, where a leak is still climbing as fast and a cache has stopped.
// Method and study: docs/plateau.md, "Stopping when decided".
#pragma once

#include <span>

#include "analyze/trend_stats.h"

namespace memgate::analyze {

struct DecelerationSettings {
  // One-sided level of the test "the later half climbs as fast as the earlier one": a
  // linear leak is deferred at a look with this probability, and FAILed at a later one.
  double level = 0.05;
  // The climb also counts as decelerating when the later half's slope is below this
  // share of the earlier half's (point estimates, the earlier one positive): the
  // difference test alone lacks the power where a FAIL is marginal, since each half's
  // slope has 2^1.5 times the whole window's spread, and a cache filling still climbs at
  // 0.75-0.9 of its earlier rate on a 5-minute window the warm-up cut left it. 0.9: the
  // stopping study's "log saturation" is FAILed at 4 % with 0.75, 3 % with 0.85, 0 % with
  // 0.9 (docs/plateau.md); a linear leak only waits a look or two longer.
  double min_late_ratio = 0.9;
  AutocorrelationCorrection correction = AutocorrelationCorrection::adaptive;
  bool student_t = true;
};

struct Deceleration {
  bool decelerating = false;
  double early_per_s = 0, late_per_s = 0;  // Theil–Sen slopes of the two halves
  double z = 0;                            // (early - late) / its standard error, from the two intervals
};

// t_s ascending; fewer than 8 points: never decelerating (nothing to compare).
Deceleration test_deceleration(std::span<const double> t_s, std::span<const double> values,
                               const DecelerationSettings& settings = {});

}  // namespace memgate::analyze
