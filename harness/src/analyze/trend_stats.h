// Trend statistics for one series: robust time-bucket reduction, Theil–Sen slope with a
// confidence interval, Mann–Kendall test, and the autocorrelation correction both share.
// Pure functions: spans in, plain structs out (see docs/plateau.md for the method).
#pragma once

#include <cstddef>
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
  none,       // textbook test: assumes independent points (cries wolf on memory series)
  lag1,       // AR(1) effective sample size from the lag-1 autocorrelation of the residuals
  multi_lag,  // Hamed–Rao weights over every lag up to the first non-positive autocorrelation
  batch_means,  // long-run variance from overlapping batch means of the residuals: counts the
                // negative lags of periodic noise (GC sawtooth) that truncated sums ignore
  adaptive,     // batch means when the residuals look periodic (autocorrelation dips below
                // -0.25 within n/4 lags), else the larger of batch means and lag1: the
                // AR(1) model is the steadier estimate on short runs of slow noise
};

// Sample autocorrelation of `x` (mean removed) at `lag`; 0 when undefined.
double autocorrelation(std::span<const double> x, std::size_t lag);

// Var(S) under serial correlation divided by Var(S) for independent points (>= 1),
// estimated from detrended residuals.
double variance_inflation(std::span<const double> residuals, AutocorrelationCorrection mode);

struct MannKendall {
  double s = 0;             // sum of sign(x_j - x_i) over i < j
  double var_s = 0;         // tie-corrected variance under independence
  double var_s_corrected = 0;  // var_s times the autocorrelation inflation
  double z = 0;             // continuity-corrected, with var_s_corrected
  double p_increasing = 1;  // one-sided p-value for an upward trend
};

MannKendall mann_kendall(std::span<const double> values, double inflation);

struct SenSlope {
  double slope = 0;      // median of pairwise slopes, value units per second
  double low = 0, high = 0;  // confidence bounds from the (corrected) Mann–Kendall variance
  double intercept = 0;  // median of v - slope * t
};

// Exact: all n(n-1)/2 pairs, so keep n to a few thousand (the plateau check uses 256).
SenSlope theil_sen(std::span<const double> t_s, std::span<const double> values, double var_s, double confidence);

// Standard normal quantile and upper tail, on std::erfc.
double normal_quantile(double p);
double normal_upper_tail(double z);

// Warm-up end by MSER on a linear model: the prefix length d <= max_fraction * n that
// minimises the residual sum of squares of a straight-line fit to the rest, divided by
// (n - d)^2. A steady leak keeps d near 0; a step or a saturating ramp is cut off.
std::size_t detect_warmup(std::span<const double> t_s, std::span<const double> values, double max_fraction);

// Ordinary least squares slope and coefficient of determination (for naive baselines
// and tests; the verdicts never use them).
struct LinearFit {
  double slope = 0, intercept = 0, r_squared = 0;
};
LinearFit least_squares(std::span<const double> t_s, std::span<const double> values);

}  // namespace memgate::analyze
