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

// Exact values (to the printed digits) of the standard normal and Student-t quantiles.
TEST(NormalDistribution, QuantileAndTailAreExact) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_quantile(0.995), 2.575829303548901, 1e-12);
  EXPECT_NEAR(normal_quantile(0.5), 0, 1e-12);
  EXPECT_NEAR(normal_quantile(0.025), -1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_upper_tail(1.959963984540054), 0.025, 1e-14);
  EXPECT_EQ(normal_upper_tail(INFINITY), 0);
  EXPECT_EQ(normal_upper_tail(-INFINITY), 1);
}

TEST(StudentT, QuantileIsExactAtFewDegreesOfFreedom) {
  // df = 1 is the Cauchy distribution: tan(pi (p - 1/2)).
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.70620473617471, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.995, 1), 63.65674116287399, 1e-8);
  // df = 2 has a closed form: (2p - 1) sqrt(2 / (4p(1 - p))).
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302652729749464, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.995, 2), 9.924843200918272, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 5), 2.570581835636314, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.995, 5), 4.032142983557536, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272456301238, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.995, 30), 2.749995653567230, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 1e9), normal_quantile(0.975), 1e-6);
  EXPECT_EQ(student_t_quantile(0.975, INFINITY), normal_quantile(0.975));
  EXPECT_THROW(student_t_quantile(0.975, 0), Error);
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

TEST(VarianceInflation, AdaptiveKeepsTheAr1ModelOnAr1Noise) {
  const auto red = ar1(300, 0.9, 11);  // short and slow: where batch means is least stable
  EXPECT_EQ(variance_inflation(red, AutocorrelationCorrection::adaptive),
            variance_inflation(red, AutocorrelationCorrection::lag1));
}

TEST(VarianceInflation, AdaptiveTakesBatchMeansWhenASlowPartEscapesLagOne) {
  // Fast jitter over a slow drift: lag 1 sees mostly the jitter, averages see the drift.
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<double> x(256);
  double slow = 0;
  for (auto& v : x) {
    slow = 0.995 * slow + 0.1 * normal(rng);
    v = normal(rng) + slow;
  }
  const double lag1 = variance_inflation(x, AutocorrelationCorrection::lag1);
  const double batch = variance_inflation(x, AutocorrelationCorrection::batch_means);
  EXPECT_GT(batch, 2 * lag1);
  EXPECT_EQ(variance_inflation(x, AutocorrelationCorrection::adaptive), batch);
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

// Mann–Kendall S by its definition, to check the O(n log n) count against.
double brute_force_s(const std::vector<double>& v) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j) s += (v[j] > v[i]) - (v[j] < v[i]);
  return s;
}

TEST(KendallS, LiteralSeries) {
  EXPECT_EQ(kendall_s(std::vector<double>{3, 2, 1}), -3);
  EXPECT_EQ(kendall_s(std::vector<double>{1, 2, 2, 3}), 5);
  EXPECT_EQ(kendall_s(std::vector<double>{4, 4, 4, 4}), 0);
  EXPECT_EQ(kendall_s(std::vector<double>{}), 0);
  EXPECT_EQ(kendall_s(std::vector<double>{7}), 0);
}

TEST(KendallS, MatchesThePairwiseDefinitionWithManyTies) {
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int> level(0, 12);  // few distinct values: ties everywhere
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> v(50 + 13 * trial);
    for (auto& x : v) x = level(rng);
    EXPECT_EQ(kendall_s(v), brute_force_s(v)) << "trial " << trial;
  }
}

TEST(Ar1Coefficient, EstimatesPhiWithTheSmallSampleCorrection) {
  EXPECT_NEAR(ar1_coefficient(ar1(4000, 0.8, 21)), 0.8, 0.03);
  EXPECT_LT(ar1_coefficient(ar1(4000, 0, 22)), 0.05);
  // Negative lag-1 correlation is not removed (memory never needs it), nor is more than 0.99.
  EXPECT_EQ(ar1_coefficient(std::vector<double>{1, -1, 1, -1, 1, -1, 1, -1, 1, -1}), 0);
  EXPECT_LE(ar1_coefficient(ramp(100)), 0.99);
  EXPECT_EQ(ar1_coefficient(std::vector<double>{1, 2, 3}), 0);  // too few points to say
  // The bias correction raises the raw estimate, which runs low on short series.
  const auto short_red = ar1(64, 0.7, 23);
  EXPECT_GT(ar1_coefficient(short_red), autocorrelation(short_red, 1));
}

TEST(Prewhiten, RemovesTheAr1PartAndKeepsALinesSlope) {
  EXPECT_EQ(prewhiten(std::vector<double>{1, 2, 4, 8}, 0.5), (std::vector<double>{1.5, 3, 6}));
  EXPECT_TRUE(prewhiten(std::vector<double>{5}, 0.5).empty());
  // Applied to both axes, v = 3 + 2 t stays a line of slope 2.
  const auto t = ramp(30, 0.5);
  std::vector<double> v;
  for (double x : t) v.push_back(3 + 2 * x);
  const auto wt = prewhiten(t, 0.7), wv = prewhiten(v, 0.7);
  for (std::size_t i = 1; i < wt.size(); ++i) EXPECT_NEAR((wv[i] - wv[0]) / (wt[i] - wt[0]), 2, 1e-9);
}

TEST(BlockBootstrap, IsSeededAndMeasuresSerialCorrelation) {
  const auto white = ar1(2000, 0, 31), red = ar1(2000, 0.8, 32);
  EXPECT_EQ(block_bootstrap_inflation(red, 99, 5), block_bootstrap_inflation(red, 99, 5));
  EXPECT_NE(block_bootstrap_inflation(red, 99, 5), block_bootstrap_inflation(red, 99, 6));
  EXPECT_LT(block_bootstrap_inflation(white, 199, 1), 1.5);
  // Theory for AR(1) with phi = 0.8: (1 + 0.8) / (1 - 0.8) = 9; blocks of sqrt(n) = 45 keep most of it.
  EXPECT_GT(block_bootstrap_inflation(red, 199, 1), 5.0);
  EXPECT_LT(block_bootstrap_inflation(red, 199, 1), 12.0);
  EXPECT_EQ(block_bootstrap_inflation(std::vector<double>{1, 2, 3, 4, 5}, 199, 1), 1);  // too short
  EXPECT_EQ(block_bootstrap_inflation(std::vector<double>(100, 4.0), 199, 1), 1);       // constant
  EXPECT_EQ(variance_inflation(red, AutocorrelationCorrection::block_bootstrap),
            variance_inflation(red, AutocorrelationCorrection::block_bootstrap));
}

constexpr AutocorrelationCorrection kEveryCorrection[] = {
    AutocorrelationCorrection::none,         AutocorrelationCorrection::lag1,
    AutocorrelationCorrection::multi_lag,    AutocorrelationCorrection::batch_means,
    AutocorrelationCorrection::adaptive,     AutocorrelationCorrection::block_bootstrap,
    AutocorrelationCorrection::prewhitening, AutocorrelationCorrection::tfpw};

TEST(EstimateTrend, ExactLineGivesItsSlopeUnderEveryCorrection) {
  const auto t = ramp(120, 2);
  std::vector<double> v;
  for (double x : t) v.push_back(50 + 0.25 * x);
  for (auto mode : kEveryCorrection) {
    const TrendEstimate e = estimate_trend(t, v, mode, 0.99);
    EXPECT_NEAR(e.sen.slope, 0.25, 1e-12) << static_cast<int>(mode);
    EXPECT_NEAR(e.sen.low, 0.25, 1e-12) << static_cast<int>(mode);
    EXPECT_NEAR(e.sen.high, 0.25, 1e-12) << static_cast<int>(mode);
    EXPECT_NEAR(e.sen.intercept, 50, 1e-9) << static_cast<int>(mode);
    EXPECT_LT(e.mk.p_increasing, 1e-6) << static_cast<int>(mode);
  }
}

TEST(EstimateTrend, ConstantSeriesShowsNoTrendUnderEveryCorrection) {
  const auto t = ramp(60);
  const std::vector<double> v(60, 42.0);
  for (auto mode : kEveryCorrection) {
    const TrendEstimate e = estimate_trend(t, v, mode, 0.99);
    EXPECT_EQ(e.sen.slope, 0) << static_cast<int>(mode);
    EXPECT_EQ(e.mk.p_increasing, 1) << static_cast<int>(mode);
  }
}

TEST(EstimateTrend, StudentTWidensTheIntervalOnlyWhenFewPointsAreEffective) {
  const auto t = ramp(256);
  const auto red = ar1(256, 0.95, 41), white = ar1(256, 0, 42);
  const TrendEstimate z = estimate_trend(t, red, AutocorrelationCorrection::lag1, 0.99, false);
  const TrendEstimate st = estimate_trend(t, red, AutocorrelationCorrection::lag1, 0.99, true);
  EXPECT_EQ(z.small_sample, 1);
  EXPECT_LT(st.effective_n, 30);
  EXPECT_GT(st.small_sample, 1.1);
  EXPECT_EQ(st.sen.slope, z.sen.slope);
  EXPECT_LT(st.sen.low, z.sen.low);
  EXPECT_GT(st.sen.high, z.sen.high);
  EXPECT_GT(st.mk.p_increasing, z.mk.p_increasing);
  EXPECT_LT(estimate_trend(t, white, AutocorrelationCorrection::lag1, 0.99, true).small_sample, 1.05);
}

TEST(EstimateTrend, PrewhiteningKeepsTheSlopeAcrossAGap) {
  // Whitened times step back right after a gap; the estimate must not depend on it.
  std::vector<double> t, v;
  for (int i = 0; i < 100; ++i) {
    t.push_back(i < 50 ? i : i + 400);
    v.push_back(10 + 0.5 * t.back() + ((i * 7) % 5 - 2) * 0.01);
  }
  const TrendEstimate e = estimate_trend(t, v, AutocorrelationCorrection::prewhitening, 0.95);
  EXPECT_NEAR(e.sen.slope, 0.5, 1e-3);
  EXPECT_LE(e.sen.low, e.sen.slope);
  EXPECT_GE(e.sen.high, e.sen.slope);
}

TEST(EstimateTrend, PrewhiteningCoversAFlatSlopeOnRedNoiseWhereTfpwIsTooNarrow) {
  // AR(1) noise with phi = 0.9 around a flat line: a 95 % interval should cover 0 in about
  // 95 % of series. TFPW adds the noisy Sen trend back to white residuals, so its interval
  // is too narrow by about (1 - phi): it covers far less often.
  const auto t = ramp(256);
  int covered_pw = 0, covered_tfpw = 0;
  constexpr int kSeries = 40;
  for (int seed = 0; seed < kSeries; ++seed) {
    const auto v = ar1(256, 0.9, 100 + static_cast<std::uint64_t>(seed));
    const TrendEstimate pw = estimate_trend(t, v, AutocorrelationCorrection::prewhitening, 0.95);
    const TrendEstimate tf = estimate_trend(t, v, AutocorrelationCorrection::tfpw, 0.95);
    covered_pw += pw.sen.low <= 0 && pw.sen.high >= 0;
    covered_tfpw += tf.sen.low <= 0 && tf.sen.high >= 0;
    EXPECT_GT(pw.rho, 0.7);
    EXPECT_GT(pw.variance_inflation, 5);
  }
  EXPECT_GE(covered_pw, kSeries * 8 / 10);
  EXPECT_LT(covered_tfpw, covered_pw);
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
