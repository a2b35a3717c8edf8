// Trend statistics for one series: robust time-bucket reduction, Theil–Sen slope with a
// confidence interval, Mann–Kendall test, and the autocorrelation correction both share.
// Pure functions: spans in, plain structs out (see docs/plateau.md for the method).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace memgate::analyze {

// A series cleaned of non-finite points and reduced to at most max_points time buckets.
struct ReducedSeries {
  std::vector<double> t_s;     // mean time of the points in each bucket
  std::vector<double> values;  // median of the points in each bucket (robust to spikes)
  std::size_t finite_points = 0;
  std::size_t dropped_points = 0;  // NaN or infinite times or values
  double largest_gap_s = 0;        // longest interval without a finite point
};

// Equal-width time buckets over [first t, last t]; empty buckets (gaps) are skipped, so a
// gap shortens the series instead of inventing values. Series of <= max_points finite
// points are returned as they are. Throws memgate::Error when times do not ascend.
ReducedSeries reduce_series(std::span<const double> t_s, std::span<const double> values, std::size_t max_points);

// How the variance of the Mann–Kendall statistic is inflated for serial correlation.
// The study in docs/plateau.md measures each on the same data.
enum class AutocorrelationCorrection {
  none,             // textbook test: assumes independent points (cries wolf on memory series)
  lag1,             // AR(1) from the lag-1 autocorrelation of the residuals (ar1_coefficient)
  multi_lag,        // Hamed–Rao weights over every lag up to the first non-positive autocorrelation
  batch_means,      // long-run variance from overlapping batch means of the residuals: counts the
                    // negative lags of periodic noise (GC sawtooth) that truncated sums ignore
  adaptive,         // batch means when the residuals look periodic (autocorrelation dips below
                    // -0.25 within n/4 lags), else lag1 unless batch means exceeds it by more
                    // than twice its own sampling error (a slow part lag 1 does not see): the
                    // AR(1) model is the steadier estimate on short runs of slow noise
  block_bootstrap,  // Var(S) of circular block resamples of the residuals (block length sqrt(n))
  // The two below transform the series instead of inflating Var(S) (estimate_trend):
  prewhitening,  // AR(1) pre-whitening of values *and* times (Cochrane–Orcutt), then the
                 // plain tests: the slope keeps its meaning and the noise is white
  tfpw,          // Yue–Pilon trend-free pre-whitening: whiten the detrended residuals, add
                 // the Sen trend back (known to understate the slope's uncertainty)
};

// Median (mean of the two middle values for an even count); 0 for no values.
double median(std::vector<double> x);

// Sample autocorrelation of `x` (mean removed) at `lag`; 0 when undefined.
double autocorrelation(std::span<const double> x, std::size_t lag);

// Var(S) under serial correlation divided by Var(S) for independent points (>= 1),
// estimated from detrended residuals. The pre-whitening modes return 1: they whiten the
// series instead (estimate_trend).
double variance_inflation(std::span<const double> residuals, AutocorrelationCorrection mode);

// Block bootstrap of the Mann–Kendall statistic (Önöz & Bayazit 2012): Var(S) over
// `replicates` circular block resamples of the residuals, divided by Var(S) for
// independent points (>= 1). Seeded, so the same residuals give the same answer;
// O(replicates * n log n).
double block_bootstrap_inflation(std::span<const double> residuals, std::size_t replicates, std::uint64_t seed);

// Lag-1 autocorrelation with the small-sample bias correction (n r1 + 1) / (n - 4)
// (Kendall 1954), clamped to [0, 0.99]: the AR(1) coefficient the pre-whitening removes.
double ar1_coefficient(std::span<const double> residuals);

// A series with its AR(1) part removed: x'_i = x_i - rho x_{i-1} for i >= 1 (one point
// shorter). Applied to times too, a line a + b t stays a line with the same slope b.
std::vector<double> prewhiten(std::span<const double> x, double rho);

// Mann–Kendall S in O(n log n) (Knight 1966): counts of earlier smaller minus earlier
// larger values, over a Fenwick tree of ranks.
double kendall_s(std::span<const double> values);

struct MannKendall {
  double s = 0;                // sum of sign(x_j - x_i) over i < j
  double var_s = 0;            // tie-corrected variance under independence
  double var_s_corrected = 0;  // var_s times the autocorrelation inflation
  double z = 0;                // continuity-corrected, with var_s_corrected
  double p_increasing = 1;     // one-sided p-value for an upward trend
};

MannKendall mann_kendall(std::span<const double> values, double inflation);

struct SenSlope {
  double slope = 0;          // median of pairwise slopes, value units per second
  double low = 0, high = 0;  // confidence bounds from the (corrected) Mann–Kendall variance
  double intercept = 0;      // median of v - slope * t
};

// Exact: all n(n-1)/2 pairs, so keep n to a few thousand (the plateau check uses 256).
SenSlope theil_sen(std::span<const double> t_s, std::span<const double> values, double var_s, double confidence);

// The slope, its confidence interval and the one-sided trend test, with autocorrelation
// handled by `mode`: the inflation modes scale Var(S) of the series, the pre-whitening
// modes run the plain tests on a whitened series. Slopes in value units per second.
struct TrendEstimate {
  SenSlope sen;                   // slope and interval; intercept of the original series
  MannKendall mk;                 // on the series the test ran on (whitened for prewhitening, tfpw)
  double variance_inflation = 1;  // for serial correlation; AR(1) theory (1+rho)/(1-rho) for prewhitening
  double rho = 0;                 // AR(1) coefficient removed (pre-whitening modes), else 0
  double effective_n = 0;         // points / variance_inflation
  double small_sample = 1;        // (t / z)^2 at the interval's quantile, 1 without student_t
};
// Fewer effective points than this and a trend cannot be judged: the Student-t interval
// has effective_n - 2 < 2 degrees of freedom (its 99 % quantile is 9.9 at 2, 63.7 at 1),
// and the correlation behind effective_n is itself estimated from those few points.
// The plateau verdict is INCONCLUSIVE there (analyze/plateau.cc).
inline constexpr double kMinEffectiveN = 4;
// student_t: the interval and the test use Student's t with effective_n - 2 degrees of
// freedom instead of the normal quantile, because the correlation is estimated from
// the same few effective points (applied as a factor on Var(S), exact at the quantile).
// Below kMinEffectiveN the interval is computed at the floor (the inflation applied to
// Var(S) capped at points / kMinEffectiveN, 2 degrees of freedom) so that it stays
// finite; variance_inflation and effective_n report the uncapped figures.
TrendEstimate estimate_trend(std::span<const double> t_s, std::span<const double> values,
                             AutocorrelationCorrection mode, double confidence, bool student_t = false);

// Exact quantiles and tail (Boost.Math). p is kept within [1e-15, 1 - 1e-15].
double normal_quantile(double p);
double normal_upper_tail(double z);
// df > 0 (may be +inf: the normal quantile); throws Error(internal) otherwise.
double student_t_quantile(double p, double df);

// Warm-up end by MSER on a linear model: the prefix length d <= max_fraction * n that
// minimises the residual sum of squares of a straight-line fit to the rest, divided by
// (n - d)^2. A steady leak keeps d near 0; a step or a saturating ramp is cut off.
std::size_t detect_warmup(std::span<const double> t_s, std::span<const double> values, double max_fraction);

// Ordinary least squares slope and coefficient of determination (naive baselines, tests,
// and the fit of independent runs against work size, analyze/size_fit.h).
struct LinearFit {
  double slope = 0, intercept = 0, r_squared = 0;
};
LinearFit least_squares(std::span<const double> t_s, std::span<const double> values);

}  // namespace memgate::analyze
