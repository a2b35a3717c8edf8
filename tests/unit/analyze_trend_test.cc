// Trend statistics on literal series: known slopes, ties, constants, NaNs, gaps.
#include "analyze/trend_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "memgate/error.h"

namespace memgate::analyze {
namespace {

std::vector<double> ramp(std::size_t n, double step = 1) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<double>(i) * step;
  return t;
}

std::vector<double> ar1(std::size_t n, double phi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(n);
  double state = 0;
  for (auto& v : x) v = state = phi * state + normal(rng);
  return x;
}

TEST(TheilSen, RecoversAnExactLineWithAZeroWidthInterval) {
  const auto t = ramp(50);
  std::vector<double> v;
  for (double x : t) v.push_back(3 + 2 * x);
  const SenSlope sen = theil_sen(t, v, 0, 0.95);
  EXPECT_DOUBLE_EQ(sen.slope, 2);
  EXPECT_DOUBLE_EQ(sen.intercept, 3);
  EXPECT_DOUBLE_EQ(sen.low, 2);
  EXPECT_DOUBLE_EQ(sen.high, 2);
}

TEST(TheilSen, IgnoresASpikeThatBendsLeastSquares) {
  const auto t = ramp(41);
  std::vector<double> v;
  for (double x : t) v.push_back(10 + 0.5 * x);
  v[40] += 1000;  // one huge-page spike at the end
  EXPECT_NEAR(theil_sen(t, v, 0, 0.95).slope, 0.5, 1e-12);
  EXPECT_GT(least_squares(t, v).slope, 2.0);
}

TEST(TheilSen, IntervalWidensWithTheVarianceItIsGiven) {
  const auto t = ramp(200);
  auto v = ar1(200, 0, 3);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] += 0.01 * t[i];
  const MannKendall mk = mann_kendall(v, 1);
  const SenSlope narrow = theil_sen(t, v, mk.var_s, 0.95);
  const SenSlope wide = theil_sen(t, v, mk.var_s * 9, 0.95);
  EXPECT_LT(narrow.low, narrow.slope);
  EXPECT_GT(narrow.high, narrow.slope);
  EXPECT_LT(wide.low, narrow.low);
  EXPECT_GT(wide.high, narrow.high);
  EXPECT_DOUBLE_EQ(wide.slope, narrow.slope);
}

TEST(MannKendall, TiesReduceTheVariance) {
  const std::vector<double> v = {1, 2, 2, 3};
  const MannKendall mk = mann_kendall(v, 1);
  EXPECT_EQ(mk.s, 5);
  EXPECT_DOUBLE_EQ(mk.var_s, (4 * 3 * 13 - 2 * 1 * 9) / 18.0);  // one tie group of two
}

TEST(MannKendall, StrictlyIncreasingSeriesHasTheTextbookPValue) {
  const auto v = ramp(10);
  const MannKendall mk = mann_kendall(v, 1);
  EXPECT_EQ(mk.s, 45);
  EXPECT_DOUBLE_EQ(mk.var_s, 125);
  EXPECT_NEAR(mk.p_increasing, 4.1515e-5, 1e-8);
  // Inflating the variance for autocorrelation weakens the evidence.
  EXPECT_GT(mann_kendall(v, 4).p_increasing, 100 * mk.p_increasing);
}

TEST(MannKendall, ConstantSeriesShowsNoTrend) {
  const std::vector<double> v(30, 7.0);
  const MannKendall mk = mann_kendall(v, 1);
  EXPECT_EQ(mk.s, 0);
  EXPECT_EQ(mk.var_s, 0);
  EXPECT_EQ(mk.p_increasing, 1);
  EXPECT_EQ(theil_sen(ramp(30), v, 0, 0.95).slope, 0);
}

TEST(MannKendall, TooFewPointsGiveNoEvidence) {
  const std::vector<double> v = {1, 2};
  EXPECT_EQ(mann_kendall(v, 1).p_increasing, 1);
}

TEST(NormalDistribution, QuantileAndTailAgree) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(normal_quantile(0.5), 0, 1e-12);
  EXPECT_NEAR(normal_upper_tail(1.959964), 0.025, 1e-7);
}

TEST(Autocorrelation, AlternatingSeriesIsNegativeAtLagOne) {
  const std::vector<double> v = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1};
  EXPECT_NEAR(autocorrelation(v, 1), -0.9, 1e-12);
  EXPECT_NEAR(autocorrelation(v, 2), 0.8, 1e-12);
}

TEST(VarianceInflation, NearOneForWhiteNoiseAndLargeForAr1) {
  const auto white = ar1(4000, 0, 1);
  const auto red = ar1(4000, 0.8, 2);  // theory: (1 + 0.8) / (1 - 0.8) = 9
  for (auto mode : {AutocorrelationCorrection::lag1, AutocorrelationCorrection::multi_lag,
                    AutocorrelationCorrection::batch_means, AutocorrelationCorrection::adaptive}) {
    EXPECT_LT(variance_inflation(white, mode), 1.5);
    EXPECT_GT(variance_inflation(red, mode), 6.0);
    EXPECT_LT(variance_inflation(red, mode), 12.0);
  }
  EXPECT_EQ(variance_inflation(red, AutocorrelationCorrection::none), 1);
}

TEST(VarianceInflation, BatchMeansSeesThatASawtoothAveragesOut) {
  // A periodic series: lag-1 autocorrelation near 1, but averages over whole periods are flat.
  std::vector<double> saw(2048);
  for (std::size_t i = 0; i < saw.size(); ++i) saw[i] = static_cast<double>(i % 16);
  EXPECT_GT(variance_inflation(saw, AutocorrelationCorrection::lag1), 4);
  EXPECT_LT(variance_inflation(saw, AutocorrelationCorrection::batch_means), 2);
  EXPECT_LT(variance_inflation(saw, AutocorrelationCorrection::adaptive), 2);
}

TEST(VarianceInflation, AdaptiveNeverGoesBelowTheAr1ModelOnAperiodicNoise) {
  const auto red = ar1(300, 0.9, 11);  // short and slow: where batch means is least stable
  EXPECT_GE(variance_inflation(red, AutocorrelationCorrection::adaptive),
            variance_inflation(red, AutocorrelationCorrection::lag1));
  EXPECT_GE(variance_inflation(red, AutocorrelationCorrection::adaptive),
            variance_inflation(red, AutocorrelationCorrection::batch_means));
}

TEST(ReduceSeries, DropsNonFiniteValuesAndMeasuresGaps) {
  std::vector<double> t = {0, 1, 2, 3, 100, 101, 102};
  std::vector<double> v = {1, NAN, 3, INFINITY, 5, 6, 7};
  const ReducedSeries r = reduce_series(t, v, 100);
  EXPECT_EQ(r.dropped_points, 2u);
  EXPECT_EQ(r.finite_points, 5u);
  EXPECT_EQ(r.t_s, (std::vector<double>{0, 2, 100, 101, 102}));
  EXPECT_DOUBLE_EQ(r.largest_gap_s, 98);
}

TEST(ReduceSeries, BucketMediansIgnoreSpikesAndSkipEmptyBuckets) {
  std::vector<double> t, v;
  for (int i = 0; i < 1000; ++i) {
    if (i >= 300 && i < 500) continue;  // a gap of two buckets
    t.push_back(i);
    v.push_back(i % 100 == 50 ? 1e9 : 42);
  }
  const ReducedSeries r = reduce_series(t, v, 10);
  EXPECT_EQ(r.values.size(), 8u);
  for (double value : r.values) EXPECT_EQ(value, 42);
  EXPECT_NEAR(r.t_s.front(), 49.5, 1e-9);
}

TEST(ReduceSeries, RejectsTimesThatGoBackwards) {
  std::vector<double> t = {0, 2, 1}, v = {1, 1, 1};
  EXPECT_THROW(reduce_series(t, v, 10), Error);
}

TEST(DetectWarmup, CutsAStepAndKeepsALeak) {
  const auto t = ramp(200);
  std::vector<double> step, leak;
  const auto noise = ar1(200, 0.3, 5);
  for (std::size_t i = 0; i < t.size(); ++i) {
    step.push_back((i < 50 ? 100 : 130) + noise[i]);
    leak.push_back(100 + 0.2 * t[i] + noise[i]);
  }
  const std::size_t cut = detect_warmup(t, step, 0.5);
  EXPECT_GE(cut, 50u);
  EXPECT_LE(cut, 55u);
  EXPECT_LT(detect_warmup(t, leak, 0.5), 20u);
}

TEST(LeastSquares, ExactLineHasUnitRSquared) {
  const auto t = ramp(20);
  std::vector<double> v;
  for (double x : t) v.push_back(5 - 0.25 * x);
  const LinearFit fit = least_squares(t, v);
  EXPECT_NEAR(fit.slope, -0.25, 1e-12);
  EXPECT_NEAR(fit.intercept, 5, 1e-12);
  EXPECT_NEAR(fit.r_squared, 1, 1e-12);
}

}  // namespace
}  // namespace memgate::analyze
