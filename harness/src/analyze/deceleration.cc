#include "analyze/deceleration.h"

#include <cmath>

namespace memgate::analyze {

Deceleration test_deceleration(std::span<const double> t_s, std::span<const double> values,
                               const DecelerationSettings& s) {
  Deceleration d;
  if (t_s.size() < 8 || t_s.size() != values.size()) return d;
  const std::size_t half = t_s.size() / 2;
  // A 68 % interval's half-width is one standard error (Student's t: slightly more).
  constexpr double kOneSe = 0.6826894921370859;
  const TrendEstimate early = estimate_trend(t_s.first(half), values.first(half), s.correction, kOneSe, s.student_t);
  const TrendEstimate late = estimate_trend(t_s.subspan(half), values.subspan(half), s.correction, kOneSe, s.student_t);
  d.early_per_s = early.sen.slope;
  d.late_per_s = late.sen.slope;
  // Each half's error on the side facing the other: the early one's lower, the late one's upper.
  const double se = std::hypot(early.sen.slope - early.sen.low, late.sen.high - late.sen.slope);
  const double diff = early.sen.slope - late.sen.slope;
  d.z = se > 0 ? diff / se : (diff > 0 ? INFINITY : 0);
  const bool significant = d.z > normal_quantile(1 - s.level);
  const bool flatter = early.sen.slope > 0 && late.sen.slope < s.min_late_ratio * early.sen.slope;
  d.decelerating = significant || flatter;
  return d;
}

}  // namespace memgate::analyze
