// Baseline comparison statistics on literal numbers (analyze/baseline.h).
#include "analyze/baseline.h"

#include <gtest/gtest.h>

#include <vector>

namespace memgate::analyze {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

const FigureDef& def(const std::string& name) {
  for (const auto& d : figure_defs())
    if (d.name == name) return d;
  throw std::runtime_error("no figure " + name);
}

TEST(BaselineMaxIncrease, ParsesShareAmountOrBothAndRefusesTheRest) {
  const auto pct = parse_max_increase("10%");
  ASSERT_TRUE(pct);
  EXPECT_EQ(pct->pct, 10);
  EXPECT_EQ(pct->abs_bytes, 0);
  const auto both = parse_max_increase("5MiB,2.5%");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->pct, 2.5);
  EXPECT_EQ(both->abs_bytes, 5 * kMiB);
  const auto abs = parse_max_increase("5MiB");
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->pct, 0) << "an amount alone allows no share";
  for (const char* bad : {"", "%", "-3%", "10%,", "10%,20%", "5MiB,6MiB", "ten", "10%%", "nan%"})
    EXPECT_FALSE(parse_max_increase(bad)) << bad;
  // The larger wins; a count may always grow by one.
  EXPECT_EQ(allowed_increase(*both, 100 * kMiB, true), 5 * kMiB);
  EXPECT_EQ(allowed_increase(*both, 400 * kMiB, true), 10 * kMiB);
  EXPECT_EQ(allowed_increase(*pct, 5, false), 1);
  EXPECT_EQ(allowed_increase(*pct, 40, false), 4);
}

TEST(BaselineNoise, TickNoiseIsTheRobustSpreadOfStepsAndIgnoresATrend) {
  // Alternating +-1 around a level: steps of 2, sigma of one sample ~ 1.4826 * 2 / sqrt 2.
  const std::vector<double> alternating{10, 12, 10, 12, 10, 12, 10};
  EXPECT_NEAR(tick_noise(alternating), 1.4826 * 2 / std::sqrt(2.0), 1e-9);
  // A straight line has equal steps: its noise is that step, not the range.
  const std::vector<double> line{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_NEAR(tick_noise(line), 1.4826 / std::sqrt(2.0), 1e-9);
  // One level shift barely moves the median step.
  const std::vector<double> shift{5, 5, 5, 5, 105, 105, 105, 105};
  EXPECT_EQ(tick_noise(shift), 0);
  EXPECT_EQ(tick_noise(std::vector<double>{3}), 0);
  EXPECT_EQ(tick_noise(std::vector<double>{NAN, 1, NAN, 1}), 0) << "NaNs are skipped";
}

TEST(BaselineNoise, SecondHalfLevelIsTheMedianFromHalfTheLastTime) {
  const std::vector<double> t{0, 1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> v{1, 1, 1, 1, 50, 52, 51, 99, 51};  // from t >= 4: 50 52 51 99 51
  const FigureSample s = second_half_level(t, v);
  EXPECT_EQ(s.value, 51);
  EXPECT_GT(s.noise, 0);
  EXPECT_TRUE(std::isnan(second_half_level({}, {}).value));
}

TEST(BaselineCompare, OneQuietRunEachUnchangedIsSame) {
  const MaxIncrease ten{10, 0};
  const std::vector<FigureSample> base{{100 * kMiB, 0.2 * kMiB}};
  const auto c = compare_figure(def("steady_rss"), {101 * kMiB, 0.3 * kMiB}, base, ten);
  EXPECT_EQ(c.change, Change::same) << "1 MiB + margin " << c.margin / kMiB << " MiB within the allowed 10 MiB";
  EXPECT_FALSE(c.regressed);
  EXPECT_NEAR(c.margin, 2 * std::hypot(0.2, 0.3) * kMiB, 1);
}

TEST(BaselineCompare, TwentyPercentMoreSteadyRssIsDifferentAndRegressed) {
  const MaxIncrease ten{10, 0};
  const std::vector<FigureSample> base{{100 * kMiB, 0.2 * kMiB}};
  const auto c = compare_figure(def("steady_rss"), {120 * kMiB, 0.2 * kMiB}, base, ten);
  EXPECT_EQ(c.change, Change::different);
  EXPECT_TRUE(c.regressed);
  EXPECT_EQ(c.allowed, 10 * kMiB);
  // The same drop is DIFFERENT too, but an improvement.
  const auto drop = compare_figure(def("steady_rss"), {80 * kMiB, 0.2 * kMiB}, base, ten);
  EXPECT_EQ(drop.change, Change::different);
  EXPECT_FALSE(drop.regressed);
}

TEST(BaselineCompare, OneRunWithHugeNoiseIsUnknownEvenWhenUnchanged) {
  const MaxIncrease ten{10, 0};
  const std::vector<FigureSample> base{{100 * kMiB, 30 * kMiB}};
  const auto same_level = compare_figure(def("steady_rss"), {100 * kMiB, 30 * kMiB}, base, ten);
  EXPECT_EQ(same_level.change, Change::unknown) << "margin " << same_level.margin / kMiB << " MiB";
  // 20 % more is beyond the allowance but within what such runs vary by: still UNKNOWN.
  const auto more = compare_figure(def("steady_rss"), {120 * kMiB, 30 * kMiB}, base, ten);
  EXPECT_EQ(more.change, Change::unknown);
  EXPECT_FALSE(more.regressed);
}

TEST(BaselineCompare, ThreeOrMoreRunsUseTheirSpreadAsAPredictionInterval) {
  const MaxIncrease ten{10, 0};
  // sd of {99, 100, 101} MiB = 1 MiB; t(0.975, 2) = 4.3027; sqrt(1 + 1/3) = 1.1547.
  const std::vector<FigureSample> base{{99 * kMiB, 5 * kMiB}, {100 * kMiB, 5 * kMiB}, {101 * kMiB, 5 * kMiB}};
  const auto same = compare_figure(def("steady_rss"), {102 * kMiB, 0}, base, ten);
  EXPECT_NEAR(same.margin / kMiB, 4.3027 * 1.1547, 1e-3) << "within-run noise no longer decides";
  EXPECT_EQ(same.change, Change::same);
  const auto up = compare_figure(def("steady_rss"), {115 * kMiB, 0}, base, ten);
  EXPECT_EQ(up.change, Change::different);
  EXPECT_TRUE(up.regressed);
  // Runs that vary a lot: 12 % more is not significant.
  const std::vector<FigureSample> wide{{80 * kMiB, 0}, {100 * kMiB, 0}, {120 * kMiB, 0}};
  EXPECT_EQ(compare_figure(def("steady_rss"), {112 * kMiB, 0}, wide, ten).change, Change::unknown);
}

TEST(BaselineCompare, TwoRunsCountTheirRange) {
  const MaxIncrease ten{10, 0};
  const std::vector<FigureSample> base{{95 * kMiB, 0}, {105 * kMiB, 0}};
  const auto c = compare_figure(def("steady_rss"), {100 * kMiB, 0}, base, ten);
  EXPECT_EQ(c.margin, 10 * kMiB);
  EXPECT_EQ(c.change, Change::same) << "0 + 10 MiB <= 10 MiB allowed";
}

TEST(BaselineCompare, CompareRunsSkipsFiguresEitherSideLacks) {
  RunFigures now, before;
  now.steady_rss = {100 * kMiB, 0};
  now.heap = {50 * kMiB, 0};
  now.fds = {12, 0};
  before.steady_rss = {100 * kMiB, 0};
  before.fds = {12, 0};  // no heap: the baseline ran without the probe
  const std::vector<RunFigures> base{before};
  const auto comparisons = compare_runs(now, base, {});
  ASSERT_EQ(comparisons.size(), 2u);
  EXPECT_STREQ(comparisons[0].def->name, "steady_rss");
  EXPECT_STREQ(comparisons[1].def->name, "fds");
  EXPECT_TRUE(compare_runs(now, {}, {}).empty());
}

TEST(BaselineCheck, FailNamesTheRegressionInconclusiveAsksForRepeatsPassSaysSame) {
  const MaxIncrease ten{10, 0};
  RunFigures before;
  before.steady_rss = {100 * kMiB, 0.1 * kMiB};
  before.peak_rss = {110 * kMiB, 0.1 * kMiB};
  before.fds = {10, 0};
  const std::vector<RunFigures> base{before};

  RunFigures leak = before;
  leak.steady_rss = {120 * kMiB, 0.1 * kMiB};
  const auto fail = baseline_check(compare_runs(leak, base, ten), "baselines/main");
  EXPECT_EQ(fail.id, "baseline");
  EXPECT_EQ(fail.outcome, Outcome::fail);
  EXPECT_NE(fail.summary.find("steady RSS 120.0 MiB vs 100.0 MiB"), std::string::npos) << fail.summary;
  EXPECT_NE(fail.summary.find("+20.0%"), std::string::npos) << fail.summary;
  EXPECT_NE(fail.summary.find("DIFFERENT"), std::string::npos) << fail.summary;
  EXPECT_NE(fail.summary.find("baselines/main (1 run)"), std::string::npos) << fail.summary;

  RunFigures noisy = before;
  noisy.steady_rss = {100 * kMiB, 20 * kMiB};
  const auto unknown = baseline_check(compare_runs(noisy, base, ten), "b");
  EXPECT_EQ(unknown.outcome, Outcome::inconclusive);
  EXPECT_NE(unknown.summary.find("UNKNOWN"), std::string::npos) << unknown.summary;

  const auto pass = baseline_check(compare_runs(before, base, ten), "b");
  EXPECT_EQ(pass.outcome, Outcome::pass);
  EXPECT_NE(pass.summary.find("SAME"), std::string::npos) << pass.summary;
  bool has_change = false;
  for (const auto& f : pass.figures)
    if (f.name == "steady_rss_change") has_change = f.value == 0;
  EXPECT_TRUE(has_change) << "steady_rss_change 0 = SAME";

  EXPECT_EQ(baseline_check({}, "b").outcome, Outcome::inconclusive);
}

}  // namespace
}  // namespace memgate::analyze
