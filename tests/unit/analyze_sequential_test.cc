// Stop when decided: the look schedule and the group-sequential boundary (analyze/
// sequential.h), and the watch that judges the plateau checks at each look on bounded
// series (run/decision_watch.h), on literal data.
#include "analyze/sequential.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <vector>

#include "memgate/error.h"
#include "report/checks/plateau.h"
#include "run/decision_watch.h"

namespace memgate::analyze {
namespace {

double z_of(double one_sided) {
  return boost::math::quantile(boost::math::complement(boost::math::normal(), one_sided));
}

// The Lan–DeMets O'Brien–Fleming boundary of five equally spaced looks, one-sided
// alpha 0.025, as published (Jennison & Turnbull, gsDesign's sfLDOF): the first look's
// bound is exactly the spent alpha's quantile; z 4.877.
TEST(Sequential, OBrienFlemingSpendingMatchesThePublishedFirstBoundary) {
  EXPECT_NEAR(z_of(obrien_fleming_spent(0.2, 0.025)), 4.877, 0.001);
  EXPECT_DOUBLE_EQ(obrien_fleming_spent(1, 0.025), 0.025);
  EXPECT_DOUBLE_EQ(obrien_fleming_spent(0, 0.025), 0);
  // At half the information a one-sided 0.025 design has spent 0.0015 (z 2.2414 / sqrt 0.5).
  EXPECT_NEAR(obrien_fleming_spent(0.5, 0.025),
              2 * boost::math::cdf(boost::math::complement(boost::math::normal(), 2.241403 / std::sqrt(0.5))), 1e-7);
  double before = 0;
  for (double t = 0.05; t <= 1.0001; t += 0.05) {
    const double spent = obrien_fleming_spent(t, 0.005);
    EXPECT_GT(spent, before) << "spending only grows, t=" << t;
    before = spent;
  }
}

TEST(Sequential, AOneMinuteRunHasFiveInterimLooksAtGeometricTimes) {
  SequentialSettings s;
  s.max_s = 60;
  const auto plan = plan_looks(s);
  ASSERT_EQ(plan.size(), 5u) << "20, 25, 31.25, 39.06, 48.83 s; the sixth is the end of the run";
  const double at[] = {20, 25, 31.25, 39.0625, 48.828125};
  double sum = 0;
  for (std::size_t k = 0; k < plan.size(); ++k) {
    EXPECT_DOUBLE_EQ(plan[k].at_s, at[k]);
    EXPECT_DOUBLE_EQ(plan[k].information, static_cast<double>(k + 1) / 6);
    EXPECT_GT(plan[k].alpha, 0) << "look " << k + 1;
    sum += plan[k].alpha;
  }
  EXPECT_NEAR(sum, obrien_fleming_spent(5.0 / 6, 0.005), 1e-15) << "the looks spend what the function allots";
  EXPECT_LT(sum, 0.005);
  EXPECT_GT(plan.back().alpha, 100 * plan.front().alpha) << "O'Brien–Fleming keeps its alpha for the late looks";
  // alpha(t) = 2 (1 - Phi(z / sqrt t)): half the first look's share is the tail beyond z_{0.0025} sqrt 6.
  EXPECT_NEAR(z_of(plan.front().alpha / 2), z_of(0.0025) * std::sqrt(6.0), 1e-6);
}

TEST(Sequential, ADayLongSoakSkipsTheLooksWhoseShareIsBelowDoublePrecision) {
  SequentialSettings s;
  s.max_s = 24 * 3600;
  const auto plan = plan_looks(s);
  ASSERT_EQ(plan.size(), 38u);
  EXPECT_EQ(plan.front().alpha, 0) << "at 20 s of a day the boundary is ~17 standard errors";
  double sum = 0;
  std::size_t testing = 0;
  for (const auto& look : plan) {
    sum += look.alpha;
    testing += look.alpha > 0;
  }
  EXPECT_LE(sum, 0.005) << "the union bound: the interim looks never spend more than alpha";
  EXPECT_GE(testing, 30u);
  // Half an hour into the day the look tests at about z = 3.9, one-sided 5e-5.
  const Look* half_hour = nullptr;
  for (const auto& look : plan)
    if (look.at_s <= 1800) half_hour = &look;
  ASSERT_NE(half_hour, nullptr);
  EXPECT_GT(half_hour->alpha, 1e-5);
  EXPECT_LT(half_hour->alpha, 1e-4);
}

TEST(Sequential, ARunNoLongerThanTheFirstLookHasNoInterimLook) {
  SequentialSettings s;
  s.max_s = 20;
  EXPECT_TRUE(plan_looks(s).empty());
  s.max_s = 0;
  EXPECT_THROW(plan_looks(s), Error);
  s.max_s = 60;
  s.look_ratio = 1;
  EXPECT_THROW(plan_looks(s), Error);
}

TEST(Sequential, OneFailDecidesAndEveryPassIsNeededForAPass) {
  const std::vector<Outcome> fail_pass = {Outcome::pass, Outcome::fail}, pass_pass = {Outcome::pass, Outcome::pass},
                             pass_open = {Outcome::pass, Outcome::inconclusive};
  EXPECT_EQ(decide_look(fail_pass), LookDecision::fail);
  EXPECT_EQ(decide_look(pass_pass), LookDecision::pass);
  EXPECT_EQ(decide_look(pass_open), LookDecision::undecided);
  EXPECT_EQ(decide_look(std::span<const Outcome>()), LookDecision::undecided);
}

// A literal run at 10 Hz: 64 MiB, a fixed pseudo-random scatter of +/- 64 KiB, and
// `leak_per_h` bytes per hour; fed tick by tick to the watch as a session does.
std::optional<run::LookResult> watch_until_decided(double leak_per_h, double max_s, double& decided_at) {
  report::CheckSettings checks;  // rss,fds plateau by default
  SequentialSettings plan;
  plan.max_s = max_s;
  run::DecisionWatch watch(checks, plan);
  unsigned state = 12345;
  for (double t = 0; t < max_s; t += 0.1) {
    state = state * 1103515245u + 12345u;
    const double scatter = (static_cast<double>((state >> 8) % 2001) - 1000) / 1000 * 64 * 1024;
    run::WatchRow row;
    row.processes = 1;
    row.rss = 64.0 * 1024 * 1024 + scatter + leak_per_h * t / 3600;
    row.fds = 12;
    row.threads = 3;
    watch.add(t, row);
    if (auto look = watch.look(t); look && look->decision != LookDecision::undecided) {
      decided_at = t;
      return look;
    }
  }
  return std::nullopt;
}

TEST(DecisionWatch, ALeakOfFivePercentAnHourStopsAtALookWithAFail) {
  double at = 0;
  const auto look = watch_until_decided(0.05 * 64 * 1024 * 1024, 4 * 3600, at);
  ASSERT_TRUE(look.has_value()) << "never decided";
  EXPECT_EQ(look->decision, LookDecision::fail);
  EXPECT_LT(at, 1800) << "within half an hour of a 4-hour plan";
  EXPECT_EQ(look->checks.size(), 2u) << "rss-plateau and fd-plateau";
  EXPECT_EQ(look->checks[0].id, "rss-plateau");
  EXPECT_EQ(look->checks[0].outcome, Outcome::fail);
  // The look judged at its own level, stricter than the fixed-length 99 %.
  EXPECT_GT(look->at.confidence(), 0.99);
  EXPECT_LT(look->at.alpha, 0.005);
}

TEST(DecisionWatch, AFlatRunPassesOnceItsUpperBoundIsInsideTheTolerance) {
  double at = 0;
  const auto look = watch_until_decided(0, 4 * 3600, at);
  ASSERT_TRUE(look.has_value()) << "never decided";
  EXPECT_EQ(look->decision, LookDecision::pass);
  EXPECT_GE(at, 60) << "a plateau needs a minute of steady data";
  EXPECT_LT(at, 3600);
}

TEST(DecisionWatch, ALookTestsOnceAndOnlyWhenDue) {
  report::CheckSettings checks;
  SequentialSettings plan;
  plan.max_s = 60;
  run::DecisionWatch watch(checks, plan);
  EXPECT_FALSE(watch.look(19.9).has_value());
  const auto first = watch.look(20);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->look, 1u);
  EXPECT_EQ(first->looks, 6u);
  EXPECT_EQ(first->decision, LookDecision::undecided) << "no samples: nothing judged";
  EXPECT_FALSE(watch.look(20.1).has_value()) << "look 1 is done";
  const auto late = watch.look(45);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->look, 4u) << "a slow tick past looks 2-4 judges the latest only";
}

}  // namespace
}  // namespace memgate::analyze
