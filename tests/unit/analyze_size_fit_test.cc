// Memory against work size: the fit of one level per run against the size and its
// verdict (analyze/size_fit.h), on literal families of runs.
#include "analyze/size_fit.h"
#include "check_figure.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace memgate::analyze {
namespace {

constexpr double kKiB = 1024, kMiB = 1024 * kKiB;

const std::vector<double> kSizes = {10000, 20000, 30000, 50000, 70000, 100000};
// A fixed scatter of the levels, +/- 60 KiB: what repeated runs of a batch job show.
const double kScatterKiB[] = {40, -60, 10, 55, -35, -10};

std::vector<double> levels(double base, double per_unit, double scatter = 1) {
  std::vector<double> v;
  for (std::size_t i = 0; i < kSizes.size(); ++i)
    v.push_back(base + per_unit * kSizes[i] + scatter * kScatterKiB[i] * kKiB);
  return v;
}

SizeFitSettings tolerance(double bytes_per_unit) {
  SizeFitSettings s;
  s.tolerance_per_unit = bytes_per_unit;
  return s;
}

TEST(SizeFit, FlatFamilyPassesWithItsSlopeNearZero) {
  const auto y = levels(9 * kMiB, 0);
  const SizeFit fit = fit_against_size(kSizes, y, tolerance(16));
  EXPECT_EQ(fit.outcome, Outcome::pass);
  EXPECT_LT(std::fabs(fit.per_unit), 2);
  EXPECT_LT(fit.per_unit_low, fit.per_unit);
  EXPECT_GT(fit.per_unit_high, fit.per_unit);
  EXPECT_LE(fit.per_unit_high, 16);
  EXPECT_EQ(fit.points, 6u);
  EXPECT_DOUBLE_EQ(fit.degrees_of_freedom, 4);
}

TEST(SizeFit, LinearFamilyFailsWithItsBytesPerUnit) {
  // accumulate's kind: ~1.4 KB kept per pair.
  const auto y = levels(6 * kMiB, 1400);
  const SizeFit fit = fit_against_size(kSizes, y, tolerance(64));
  EXPECT_EQ(fit.outcome, Outcome::fail);
  EXPECT_NEAR(fit.per_unit, 1400, 5);
  EXPECT_GT(fit.per_unit_low, 64);
  EXPECT_GT(fit.r_squared, 0.999);
  const CheckResult r = size_fit_check("peak-rss-vs-size", "peak RSS", fit, "pairs", 0.95);
  EXPECT_EQ(r.outcome, Outcome::fail);
  EXPECT_NEAR(figure(r, "per_unit"), 1400, 5);
  EXPECT_EQ(r.figures.front().unit, "bytes/pair");
  EXPECT_NE(r.summary.find("B/pair"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("above the tolerance 64.0 B/pair"), std::string::npos) << r.summary;
}

TEST(SizeFit, NoisyFamilyStraddlingTheToleranceIsInconclusive) {
  // 20 B/unit against a 16 B/unit tolerance, under scatter 8x larger: the interval
  // holds both "within" and "above".
  const auto y = levels(9 * kMiB, 20, 8);
  const SizeFit fit = fit_against_size(kSizes, y, tolerance(16));
  EXPECT_EQ(fit.outcome, Outcome::inconclusive);
  EXPECT_LT(fit.per_unit_low, 16);
  EXPECT_GT(fit.per_unit_high, 16);
  const CheckResult r = size_fit_check("steady-rss-vs-size", "steady RSS", fit, "pairs", 0.95);
  EXPECT_NE(r.summary.find("straddles"), std::string::npos) << r.summary;
}

TEST(SizeFit, SmallGrowthWithinToleranceStillPasses) {
  // SQLite's page cache: ~28 B per pair, under a 64 B/pair tolerance.
  const SizeFit fit = fit_against_size(kSizes, levels(9 * kMiB, 28), tolerance(64));
  EXPECT_EQ(fit.outcome, Outcome::pass);
  EXPECT_NEAR(fit.per_unit, 28, 3);
}

TEST(SizeFit, DefaultToleranceIsAShareOfTheLevelOverTheSweep) {
  SizeFitSettings s;  // 10 % of the level at the smallest size over the whole sweep
  const SizeFit fit = fit_against_size(kSizes, levels(9 * kMiB, 0), s);
  EXPECT_NEAR(fit.tolerance_per_unit, 0.10 * fit.level_smallest / 90000, 1e-9);
  EXPECT_EQ(fit.outcome, Outcome::pass);
  EXPECT_EQ(fit_against_size(kSizes, levels(9 * kMiB, 100), s).outcome, Outcome::fail);
}

TEST(SizeFit, FewerThanThreeSizesCannotBeJudged) {
  const std::vector<double> x = {10000, 10000, 100000, 100000}, y = {9 * kMiB, 9.1 * kMiB, 9 * kMiB, 9.2 * kMiB};
  const SizeFit fit = fit_against_size(x, y, tolerance(64));
  EXPECT_EQ(fit.outcome, Outcome::inconclusive);
  EXPECT_EQ(fit.distinct_sizes, 2u);
  EXPECT_FALSE(fit.reason.empty());
  const CheckResult r = size_fit_check("peak-rss-vs-size", "peak RSS", fit, "pairs", 0.95);
  EXPECT_NE(r.summary.find("at least 3 sizes"), std::string::npos) << r.summary;
}

TEST(SizeFit, NonFiniteLevelsAreLeftOut) {
  auto y = levels(6 * kMiB, 1400);
  y[2] = NAN;
  const SizeFit fit = fit_against_size(kSizes, y, tolerance(64));
  EXPECT_EQ(fit.points, 5u);
  EXPECT_EQ(fit.outcome, Outcome::fail);
}

}  // namespace
}  // namespace memgate::analyze
