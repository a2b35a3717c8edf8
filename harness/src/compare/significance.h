// Is a candidate different from the baseline on one metric, beyond the noise of the runs?
// Hodges–Lehmann shift with its distribution-free confidence interval from the exact
// Mann–Whitney distribution (small samples), a two-sided p-value, and a four-way call.
// Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memgate::compare {

enum class Better { lower, higher, neither };

enum class Difference { same, better, worse, unknown };
std::string_view to_string(Difference d);

// P(U <= u) for the Mann–Whitney statistic U (count of pairs x_i > y_j) of samples of
// sizes n and m without ties. Exact (Gaussian-binomial coefficients) while n * m <= 2500,
// the normal approximation with continuity correction beyond.
double mann_whitney_cdf(std::size_t n, std::size_t m, double u);

struct ShiftEstimate {
  std::size_t n = 0, m = 0;   // candidate and baseline runs
  double shift = 0;           // Hodges–Lehmann: median of all candidate - baseline differences
  bool has_interval = false;  // false: too few runs for the requested confidence
  double low = 0, high = 0;   // the interval of the shift
  double coverage = 0;        // its actual coverage (exact distributions are discrete: >= requested)
  double p_value = 1;         // two-sided Mann–Whitney (ties count one half)
};

// candidate, baseline: the runs' values (non-finite ones are ignored).
ShiftEstimate hodges_lehmann(std::vector<double> candidate, std::vector<double> baseline, double confidence);

struct SignificanceSettings {
  double min_effect = 0.05;  // |difference| below this fraction of the baseline median counts as the same
  double confidence = 0.90;  // two-sided; 3 runs each reach exactly 90 %
  std::size_t min_runs = 3;  // fewer runs of either: UNKNOWN, naming the repeats needed
};

// The call on one metric, relative to the baseline's median:
//  - same:    the interval lies within ±min_effect, or it excludes 0 but the shift is below min_effect;
//  - better / worse: the interval excludes 0 and the shift is at least min_effect;
//  - unknown: the interval includes 0 and reaches beyond ±min_effect, or too few runs.
struct Significance {
  Difference difference = Difference::unknown;
  ShiftEstimate estimate;
  double baseline_median = 0, candidate_median = 0;
  double relative = 0;                         // shift / |baseline median|
  double relative_low = 0, relative_high = 0;  // the interval, relative (when has_interval)
  std::string why;                             // "90 % CI -85 % to -80 %, p = 0.10, 3 vs 3 runs"
};

Significance significance(const std::vector<double>& candidate, const std::vector<double>& baseline, Better better,
                          const SignificanceSettings& settings);

// "-83 % (90 % CI -85 % to -80 %)" or "-83 % (1 vs 1 runs: no interval)".
std::string relative_text(const Significance& s);

}  // namespace memgate::compare
