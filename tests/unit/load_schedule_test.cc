// Rate schedules: exact counts per window, burst boundaries, diurnal integrals and
// the inverse (record k's due time) checked against closed forms.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "load/schedule.h"
#include "memgate/error.h"

namespace memgate::load {
namespace {

Stage constant(double rate, double duration, std::string phase = "nominal") {
  Stage s;
  s.kind = Stage::Kind::constant;
  s.rate = rate;
  s.duration_s = duration;
  s.phase = std::move(phase);
  return s;
}

TEST(LoadSchedule, ConstantRateGivesExactCountsPerWindow) {
  Schedule schedule({constant(1000, 60)});
  EXPECT_EQ(schedule.total_records(), 60000u);
  for (int w = 0; w < 60; ++w) {
    const double in_window = std::floor(schedule.cumulative(w + 1.0)) - std::floor(schedule.cumulative(w));
    EXPECT_EQ(in_window, 1000) << "window " << w;
  }
  EXPECT_DOUBLE_EQ(schedule.time_of_count(1), 0.001);
  EXPECT_DOUBLE_EQ(schedule.time_of_count(60000), 60.0);
  EXPECT_TRUE(std::isinf(schedule.time_of_count(60001)));
}

TEST(LoadSchedule, InverseMatchesCumulativeOnEveryShape) {
  Stage ramp;
  ramp.kind = Stage::Kind::ramp;
  ramp.from = 10;
  ramp.to = 500;
  ramp.duration_s = 30;
  Stage steps;
  steps.kind = Stage::Kind::steps;
  steps.from = 100;
  steps.to = 400;
  steps.steps = 4;
  steps.duration_s = 40;
  Stage wave;
  wave.kind = Stage::Kind::cosine;
  wave.mean = 200;
  wave.amplitude = 200;  // touches zero: the inversion must still converge
  wave.period_s = 25;
  wave.duration_s = 50;
  Burst burst;
  burst.at_s = {20, 75};
  burst.duration_s = 5;
  burst.multiplier = 10;
  Schedule schedule({ramp, steps, wave}, {burst});
  const auto total = schedule.total_records();
  ASSERT_GT(total, 10000u);
  double previous = 0;
  for (std::uint64_t k = 1; k <= total; k += 37) {
    const double t = schedule.time_of_count(static_cast<double>(k));
    EXPECT_NEAR(schedule.cumulative(t), static_cast<double>(k), 1e-6) << "k=" << k;
    EXPECT_GE(t, previous);
    previous = t;
  }
  Schedule::Cursor cursor(schedule);
  for (std::uint64_t k = 1; k <= total; k += 11)
    EXPECT_DOUBLE_EQ(cursor.time_of_count(static_cast<double>(k)), schedule.time_of_count(static_cast<double>(k)));
}

TEST(LoadSchedule, RampIntegralIsTheTrapezoid) {
  Stage ramp;
  ramp.kind = Stage::Kind::ramp;
  ramp.from = 100;
  ramp.to = 300;
  ramp.duration_s = 10;
  Schedule schedule({ramp});
  EXPECT_DOUBLE_EQ(schedule.cumulative(10), 2000);
  EXPECT_DOUBLE_EQ(schedule.cumulative(5), 100 * 5 + 0.5 * 20 * 25);
  EXPECT_DOUBLE_EQ(schedule.rate_at(5), 200);
}

TEST(LoadSchedule, BurstMultipliesExactlyInsideItsWindow) {
  Burst burst;
  burst.at_s = {10};
  burst.duration_s = 30;
  burst.multiplier = 10;
  burst.recovery_s = 20;
  Schedule schedule({constant(100, 120, "nominal")}, {burst});
  EXPECT_EQ(schedule.rate_at(9.999), 100);
  EXPECT_EQ(schedule.rate_at(10), 1000);
  EXPECT_EQ(schedule.rate_at(39.999), 1000);
  EXPECT_EQ(schedule.rate_at(40), 100);
  EXPECT_DOUBLE_EQ(schedule.cumulative(40) - schedule.cumulative(10), 30000);
  EXPECT_EQ(schedule.total_records(), 120 * 100 + 30 * 900u);
  EXPECT_EQ(schedule.phase_at(9.9), "nominal");
  EXPECT_EQ(schedule.phase_at(10), "burst");
  EXPECT_EQ(schedule.phase_at(45), "recovery");
  EXPECT_EQ(schedule.phase_at(60), "nominal");
  EXPECT_EQ(schedule.phase_at(120), "end");
  EXPECT_DOUBLE_EQ(schedule.peak_rate(), 1000);
}

TEST(LoadSchedule, PeriodicBurstsAcrossStageBoundaries) {
  Burst burst;
  burst.every_s = 60;
  burst.start_s = 50;
  burst.duration_s = 20;  // 50-70 straddles the stage boundary at 60
  burst.multiplier = 3;
  Schedule schedule({constant(10, 60, "warmup"), constant(20, 120)}, {burst});
  // Bursts at 50, 110, 170 (the last one runs past the end at 180: cut there).
  const double expected = 60 * 10 + 120 * 20 + (10 * 10 + 10 * 20) * 2 + 20 * 20 * 2 + 10 * 20 * 2;
  EXPECT_DOUBLE_EQ(schedule.cumulative(180), expected);
  EXPECT_EQ(schedule.phase_at(55), "burst");
  EXPECT_EQ(schedule.phase_at(65), "burst");
  EXPECT_EQ(schedule.phase_at(75), "nominal");
  EXPECT_EQ(schedule.phase_at(30), "warmup");
}

TEST(LoadSchedule, DiurnalCycleIntegratesToMeanTimesDay) {
  Stage day;
  day.kind = Stage::Kind::cosine;
  day.mean = 500;
  day.amplitude = 400;
  day.period_s = 86400;
  day.peak_s = 14 * 3600;
  day.duration_s = 86400;
  day.phase = "soak";
  day.hourly = true;
  Schedule schedule({day});
  EXPECT_NEAR(schedule.cumulative(86400), 500.0 * 86400, 1e-3);
  EXPECT_DOUBLE_EQ(schedule.rate_at(14 * 3600), 900);
  EXPECT_NEAR(schedule.rate_at(2 * 3600), 100, 1e-9);
  // First 6 hours: closed form of the integral.
  const double w = 2 * std::numbers::pi / 86400;
  const double six = 500 * 21600 + 400 / w * (std::sin(w * (21600 - 50400)) - std::sin(w * -50400));
  EXPECT_NEAR(schedule.cumulative(21600), six, 1e-6);
  EXPECT_EQ(schedule.phase_at(0), "soak hour 1");
  EXPECT_EQ(schedule.phase_at(3600 * 5 + 1), "soak hour 6");
}

// A sampler that ticks at 0.1 s and then at 1.0 s steps over the 0.25 s phases between:
// each is listed with its own start, the phase it was already in is not.
TEST(LoadSchedule, PhasesBegunListsEveryPhaseATickStepsOver) {
  Schedule schedule({constant(10, 0.25, "cycle 1"), constant(0, 0.25, "cycle 1 drain"),
                     constant(0, 0.25, "cycle 1 quiet"), constant(10, 0.25, "cycle 2")});
  const auto begun = schedule.phases_begun(0.1, 1.0);
  ASSERT_EQ(begun.size(), 4u);
  EXPECT_EQ(begun[0].name, "cycle 1 drain");
  EXPECT_DOUBLE_EQ(begun[0].t_s, 0.25);
  EXPECT_EQ(begun[1].name, "cycle 1 quiet");
  EXPECT_EQ(begun[2].name, "cycle 2");
  EXPECT_DOUBLE_EQ(begun[2].t_s, 0.75);
  EXPECT_EQ(begun[3].name, "end");
  EXPECT_TRUE(schedule.phases_begun(0.3, 0.4).empty());
  // Before the first tick (from < 0) the first phase begins at 0.
  const auto first = schedule.phases_begun(-1, 0.1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].name, "cycle 1");
  EXPECT_DOUBLE_EQ(first[0].t_s, 0);
}

TEST(LoadSchedule, PhasesBegunFindsTheHoursOfAnHourlyStage) {
  Stage soak = constant(1, 3 * 3600.0, "soak");
  soak.hourly = true;
  Schedule schedule({soak});
  const auto begun = schedule.phases_begun(1800, 3 * 3600.0);
  ASSERT_EQ(begun.size(), 3u);
  EXPECT_EQ(begun[0].name, "soak hour 2");
  EXPECT_DOUBLE_EQ(begun[0].t_s, 3600);
  EXPECT_EQ(begun[1].name, "soak hour 3");
  EXPECT_EQ(begun[2].name, "end");
}

TEST(LoadSchedule, TwentyFourHourConstantScheduleHasNoDrift) {
  // Analytic drift: record k is due at exactly k / rate, even 86.4 million records in.
  Schedule schedule({constant(1000, 86400)});
  Schedule::Cursor cursor(schedule);
  for (std::uint64_t k : {1ull, 1000ull, 3'600'000ull, 43'200'001ull, 86'399'999ull, 86'400'000ull}) {
    const double t = cursor.time_of_count(static_cast<double>(k));
    EXPECT_NEAR(t, static_cast<double>(k) / 1000, 1e-9) << "k=" << k;
  }
}

TEST(LoadSchedule, RejectsImpossibleSchedulesWithTheField) {
  EXPECT_THROW(Schedule({}), Error);
  try {
    Schedule({constant(-5, 10)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_NE(std::string(e.what()).find("stages[0].rate"), std::string::npos) << e.what();
  }
  Stage wave;
  wave.kind = Stage::Kind::cosine;
  wave.mean = 10;
  wave.amplitude = 20;
  wave.duration_s = 10;
  EXPECT_THROW(Schedule({wave}), Error);
  Burst overlapping;
  overlapping.at_s = {10, 15};
  overlapping.duration_s = 10;
  EXPECT_THROW(Schedule({constant(1, 60)}, {overlapping}), Error);
  Burst too_often;
  too_often.every_s = 5;
  too_often.duration_s = 10;
  EXPECT_THROW(Schedule({constant(1, 60)}, {too_often}), Error);
}

}  // namespace
}  // namespace memgate::load
