// The study's judges: memgate's checks and the naive baselines the issue compares them
// with, all applied to the same bucket-reduced series the product analyses.
#pragma once

#include <array>
#include <string_view>

#include "analyze/plateau.h"
#include "study/families.h"

namespace memgate::study {

// What the product hands the checks: the run reduced on the fly to <= 8192 bucket means.
struct Reduced {
  std::vector<double> t_s, values;
};
Reduced reduce_like_the_product(const Series& series);

// memgate's verdict on a series: burst families by burst_recovery_check, the rest by
// plateau_check on the whole run.
Outcome judge(const Family& family, const Series& series, const Reduced& reduced,
              const analyze::PlateauSettings& settings);

// Naive gates, each on the whole run (none of them knows about warm-up). They say
// FAIL or PASS, never INCONCLUSIVE.
enum class Naive { ols_slope, fixed_10mib_per_h, final_minus_initial, r_squared };
inline constexpr std::array<Naive, 4> kNaive = {Naive::ols_slope, Naive::fixed_10mib_per_h, Naive::final_minus_initial,
                                                Naive::r_squared};
std::string_view name(Naive gate);
// tolerance_pct_per_h / tolerance_abs_per_h: the same tolerance memgate uses, applied
// to the median level, for the gates that need one.
bool naive_fails(Naive gate, const Reduced& reduced, const analyze::PlateauSettings& settings);

}  // namespace memgate::study
