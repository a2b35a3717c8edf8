#include "study/evaluate.h"

#include <algorithm>

#include "memgate/stream_stats.h"

namespace memgate::study {

Reduced reduce_like_the_product(const Series& series) {
  analyze::BoundedSeries bounded(8192);
  for (std::size_t i = 0; i < series.t_s.size(); ++i) bounded.add(series.t_s[i], series.values[i]);
  return {bounded.times(), bounded.means()};
}

Outcome judge(const Family& family, const Series& series, const Reduced& reduced,
              const analyze::PlateauSettings& settings) {
  if (family.burst)
    return analyze::burst_recovery_check("burst-recovery", "RSS", reduced.t_s, reduced.values, series.phases, "bytes")
        .outcome;
  return analyze::analyze_plateau(reduced.t_s, reduced.values, settings).outcome;
}

std::string_view name(Naive gate) {
  switch (gate) {
    case Naive::ols_slope: return "OLS slope > tolerance";
    case Naive::fixed_10mib_per_h: return "OLS slope > 10 MiB/h";
    case Naive::final_minus_initial: return "final - initial > tolerance";
    case Naive::r_squared: return "R^2 > 0.8 rising";
  }
  return "?";
}

bool naive_fails(Naive gate, const Reduced& r, const analyze::PlateauSettings& settings) {
  const analyze::LinearFit fit = analyze::least_squares(r.t_s, r.values);
  std::vector<double> sorted = r.values;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double level = sorted[sorted.size() / 2];
  const double tolerance_per_h = std::max(settings.tolerance_abs_per_h, settings.tolerance_pct_per_h / 100 * level);
  const double run_h = (r.t_s.back() - r.t_s.front()) / 3600;
  switch (gate) {
    case Naive::ols_slope: return fit.slope * 3600 > tolerance_per_h;
    case Naive::fixed_10mib_per_h: return fit.slope * 3600 > 10 * 1024.0 * 1024.0;
    case Naive::final_minus_initial: return r.values.back() - r.values.front() > tolerance_per_h * run_h;
    case Naive::r_squared: return fit.slope > 0 && fit.r_squared > 0.8;
  }
  return false;
}

}  // namespace memgate::study
