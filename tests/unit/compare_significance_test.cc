#include <gtest/gtest.h>

#include <cmath>

#include "compare/significance.h"

namespace memgate::compare {
namespace {

TEST(MannWhitney, ExactSmallSampleDistribution) {
  // 3 vs 3: C(6,3) = 20 orderings; U = 0 and U = 9 once each, U = 1 once, U = 2 twice.
  EXPECT_NEAR(mann_whitney_cdf(3, 3, 0), 1.0 / 20, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(3, 3, 1), 2.0 / 20, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(3, 3, 2), 4.0 / 20, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(3, 3, 9), 1.0, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(2, 2, 0), 1.0 / 6, 1e-12);
  EXPECT_NEAR(mann_whitney_cdf(5, 4, 3), 0.0556, 5e-4);  // table value P(U <= 3), n = 5, m = 4: 7/126
  // Symmetric: P(U <= k) = P(U >= nm - k).
  EXPECT_NEAR(mann_whitney_cdf(4, 6, 5), 1 - mann_whitney_cdf(4, 6, 18), 1e-12);
  // Large samples use the normal approximation: the median is near one half.
  EXPECT_NEAR(mann_whitney_cdf(60, 60, 1800), 0.5, 0.01);
}

TEST(HodgesLehmann, ShiftIntervalAndCoverage) {
  const auto e = hodges_lehmann({60, 61, 62}, {100, 101, 102}, 0.90);
  EXPECT_DOUBLE_EQ(e.shift, -40);
  ASSERT_TRUE(e.has_interval);
  EXPECT_DOUBLE_EQ(e.low, -42);  // 3 vs 3 at 90 %: the extreme differences
  EXPECT_DOUBLE_EQ(e.high, -38);
  EXPECT_NEAR(e.coverage, 0.9, 1e-12);
  EXPECT_NEAR(e.p_value, 0.1, 1e-12);  // two-sided exact, all candidate runs below
  // 95 % is out of reach with 3 vs 3 (the smallest two-sided p is 0.1): no interval.
  EXPECT_FALSE(hodges_lehmann({60, 61, 62}, {100, 101, 102}, 0.95).has_interval);
  // 5 vs 5 at 95 %: k = 3 (P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252).
  const auto f = hodges_lehmann({1, 2, 3, 4, 5}, {11, 12, 13, 14, 15}, 0.95);
  ASSERT_TRUE(f.has_interval);
  EXPECT_NEAR(f.coverage, 1 - 2 * 4.0 / 252, 1e-12);
  EXPECT_DOUBLE_EQ(f.shift, -10);
}

TEST(HodgesLehmann, ManyRepeatsStayFast) {
  // 50 vs 50 runs: the exact table is built once (a few ms), not once per candidate k.
  std::vector<double> a, b;
  for (int i = 0; i < 50; ++i) {
    a.push_back(100 + i % 7);
    b.push_back(110 + i % 5);
  }
  const auto e = hodges_lehmann(a, b, 0.95);
  ASSERT_TRUE(e.has_interval);
  EXPECT_LT(e.high, 0);
  EXPECT_GE(e.coverage, 0.95);
  EXPECT_LT(e.p_value, 1e-6);
}

TEST(Significance, SameClearlyDifferentNoisyAndTooFew) {
  const SignificanceSettings s;  // 5 %, 90 %, 3 runs
  const std::vector<double> base{100, 101, 102};
  const auto same = significance({100.5, 101.5, 99.8}, base, Better::lower, s);
  EXPECT_EQ(same.difference, Difference::same) << same.why;
  const auto better = significance({60, 61, 62}, base, Better::lower, s);
  EXPECT_EQ(better.difference, Difference::better) << better.why;
  EXPECT_NEAR(better.relative, -40.0 / 101, 1e-12);
  EXPECT_NE(better.why.find("90 % CI -42 % to -38 %"), std::string::npos) << better.why;
  EXPECT_EQ(significance({60, 61, 62}, base, Better::higher, s).difference, Difference::worse);
  const auto noisy = significance({90, 70, 115}, {100, 80, 120}, Better::lower, s);
  EXPECT_EQ(noisy.difference, Difference::unknown);
  EXPECT_NE(noisy.why.find("the interval includes 0"), std::string::npos) << noisy.why;
  const auto one = significance({46}, {270}, Better::lower, s);
  EXPECT_EQ(one.difference, Difference::unknown);
  EXPECT_NE(one.why.find("1 vs 1 runs: a difference needs 3 runs each (--repeat 3)"), std::string::npos) << one.why;
  EXPECT_NE(relative_text(one).find("no CI"), std::string::npos);
  // Significant but tiny: every run 1 % lower is the same for a 5 % minimum effect.
  const auto tiny = significance({99, 100, 101}, {100, 101, 102}, Better::lower, s);
  EXPECT_EQ(tiny.difference, Difference::same) << tiny.why;
  EXPECT_EQ(significance({}, base, Better::lower, s).why, "not measured");
}

}  // namespace
}  // namespace memgate::compare
