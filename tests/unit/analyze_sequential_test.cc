// Stop when decided: the look schedule and the group-sequential boundary (analyze/
// sequential.h), and the watch that judges the plateau checks at each look on bounded
// series (run/decision_watch.h), on literal data.
#include "analyze/sequential.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <functional>
#include <optional>
#include <vector>

#include "analyze/deceleration.h"
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

constexpr double kMiB = 1024.0 * 1024;

// A fixed pseudo-random scatter of +/- 64 KiB, the same for every run.
class Scatter {
 public:
  double next() {
    state_ = state_ * 1103515245u + 12345u;
    return (static_cast<double>((state_ >> 8) % 2001) - 1000) / 1000 * 64 * 1024;
  }

 private:
  unsigned state_ = 12345;
};

// The study's "log saturation" family, literal: a cache that fills logarithmically for
// 30 minutes by 30 % of the 64 MiB level, then stays full.
double cache_fill(double t) {
  const double full_s = 1800, tau = full_s / 20;
  return 0.3 * 64 * kMiB * std::min(1.0, std::log1p(t / tau) / std::log1p(full_s / tau));
}

// A literal run at 10 Hz: 64 MiB plus shape(t) plus the scatter; fed tick by tick to the
// watch as a session does, until a look decides.
std::optional<run::LookResult> watch_until_decided(const std::function<double(double)>& shape, double max_s,
                                                   double& decided_at) {
  report::CheckSettings checks;  // rss,fds plateau by default
  SequentialSettings plan;
  plan.max_s = max_s;
  run::DecisionWatch watch(checks, plan);
  Scatter scatter;
  for (double t = 0; t < max_s; t += 0.1) {
    run::WatchRow row;
    row.processes = 1;
    row.rss = 64 * kMiB + scatter.next() + shape(t);
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

std::optional<run::LookResult> watch_until_decided(double leak_per_h, double max_s, double& decided_at) {
  return watch_until_decided([leak_per_h](double t) { return leak_per_h * t / 3600; }, max_s, decided_at);
}

// 10 Hz samples of 64 MiB + shape(t) + the scatter over [from_s, to_s).
struct Samples {
  std::vector<double> t, v;
};
Samples sample(const std::function<double(double)>& shape, double from_s, double to_s) {
  Samples s;
  Scatter scatter;
  for (double t = from_s; t < to_s; t += 0.1) {
    s.t.push_back(t);
    s.v.push_back(64 * kMiB + scatter.next() + shape(t));
  }
  return s;
}

TEST(Deceleration, ACacheStillFillingSlowsDownALinearLeakDoesNot) {
  // Minutes 5 to 10 of the fill: nearly straight, its later half at ~0.75 of the earlier's.
  const Samples cache = sample(cache_fill, 300, 600);
  const Deceleration c = test_deceleration(cache.t, cache.v);
  EXPECT_TRUE(c.decelerating);
  EXPECT_GT(c.early_per_s, 0);
  EXPECT_LT(c.late_per_s, 0.9 * c.early_per_s);
  EXPECT_GT(c.late_per_s, 0.5 * c.early_per_s) << "a gentle bend, not a plateau";
  const Samples leak = sample([](double t) { return 0.2 * 64 * kMiB * t / 3600; }, 300, 600);
  const Deceleration l = test_deceleration(leak.t, leak.v);
  EXPECT_FALSE(l.decelerating) << "early " << l.early_per_s << " late " << l.late_per_s << " z " << l.z;
  EXPECT_NEAR(l.late_per_s / l.early_per_s, 1, 0.1);
  EXPECT_FALSE(test_deceleration(std::span(leak.t).first(7), std::span(leak.v).first(7)).decelerating)
      << "too few points to compare";
}

TEST(Sequential, ALookDefersAFailOnASaturatingClimbAndFailsALinearOne) {
  SequentialSettings plan_settings;
  plan_settings.max_s = 2 * 3600;
  const auto plan = plan_looks(plan_settings);
  // The last look before 15 minutes (888 s): the automatic warm-up cut (at most half the
  // run) leaves a steady window of at least the 5 minutes an ordinary verdict needs.
  const Look* look = nullptr;
  for (const auto& l : plan)
    if (l.at_s <= 900) look = &l;
  ASSERT_NE(look, nullptr);
  ASSERT_GT(look->alpha, 0);
  const PlateauSettings defaults;
  const PlateauSettings settings = at_look(defaults, *look);
  EXPECT_EQ(settings.confidence, look->confidence());
  EXPECT_EQ(settings.min_steady_s, 300.0);
  ASSERT_TRUE(settings.defer_decelerating.has_value());

  // A climb of 40 %/h that slows down steadily (a fifth less by the end of the window):
  // nearly straight, so the check FAILs it, but its later half is significantly flatter.
  const auto slowing = [](double t) { return 0.4 * 64 * kMiB / 3600 * (t - t * t / (2 * 4000)); };
  const Samples cache = sample(slowing, 0, look->at_s);
  PlateauSettings no_deferral = settings;
  no_deferral.defer_decelerating.reset();
  const PlateauAnalysis failed = analyze_plateau(cache.t, cache.v, no_deferral);
  EXPECT_EQ(failed.outcome, Outcome::fail) << "without the rule the climb is a leak at this look";
  EXPECT_FALSE(failed.decelerating);
  const PlateauAnalysis deferred = analyze_plateau(cache.t, cache.v, settings);
  EXPECT_EQ(deferred.outcome, Outcome::inconclusive);
  EXPECT_TRUE(deferred.decelerating);
  EXPECT_LT(deferred.late_slope_per_h, deferred.early_slope_per_h);
  const CheckResult text = plateau_check("rss-plateau", "RSS", cache.t, cache.v, "bytes", settings);
  EXPECT_NE(text.summary.find("slowing down"), std::string::npos) << text.summary;

  const Samples leak = sample([](double t) { return 0.2 * 64 * kMiB * t / 3600; }, 0, look->at_s);
  const PlateauAnalysis leaking = analyze_plateau(leak.t, leak.v, settings);
  EXPECT_EQ(leaking.outcome, Outcome::fail) << "a linear leak of 20 %/h FAILs at the same look";
  EXPECT_FALSE(leaking.decelerating);
  EXPECT_EQ(analyze_plateau(leak.t, leak.v, defaults).outcome, Outcome::fail) << "and at the fixed-length level";
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
