// Cycles in a run: the phase names, the generated stages, the quiescent levels the
// report collects from the phase column, and the marks on the metrics channel.
#include <gtest/gtest.h>

#include <cmath>

#include "alloc/phase_purge.h"
#include "analyze/cpu_idle.h"
#include "load/cycles.h"
#include "memgate/cycle_phase.h"
#include "memgate/error.h"
#include "metrics/metrics_table.h"
#include "report/cycle_levels.h"

namespace memgate {
namespace {

TEST(CyclePhase, NamesRoundTripAndOthersAreNotCycles) {
  for (auto part : {CyclePart::load, CyclePart::drain, CyclePart::quiet}) {
    const auto p = parse_cycle_phase(cycle_phase_name(12, part));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->cycle, 12u);
    EXPECT_EQ(p->part, part);
  }
  EXPECT_EQ(cycle_phase_name(3, CyclePart::quiet), "cycle 3 quiet");
  for (const char* other :
       {"run", "nominal", "cycle", "cycle 0", "cycle 3 idle", "cycle x", "cycle 3quiet", "cycles 3"})
    EXPECT_FALSE(parse_cycle_phase(other)) << other;
}

TEST(CycleStages, RepeatTheLoadWithDrainAndQuietAtRateZero) {
  load::Stage s;
  s.rate = 100;
  s.duration_s = 3;
  s.phase = "nominal";
  s.hourly = true;
  const auto stages = load::cycle_stages({s}, 0, {3, 1, 2, false});
  ASSERT_EQ(stages.size(), 9u);
  EXPECT_EQ(stages[0].phase, "cycle 1");
  EXPECT_FALSE(stages[0].hourly);
  EXPECT_EQ(stages[1].phase, "cycle 1 drain");
  EXPECT_EQ(stages[1].rate, 0);
  EXPECT_EQ(stages[2].phase, "cycle 1 quiet");
  EXPECT_EQ(stages[2].duration_s, 2);
  EXPECT_EQ(stages[8].phase, "cycle 3 quiet");
  EXPECT_DOUBLE_EQ(load::stages_length_s({s}, {3, 1, 2, false}), 18);
  EXPECT_DOUBLE_EQ(load::stages_length_s({s}, {}), 3);
  // The schedule tags them in time: cycle 2's quiet phase is at 6 + 4 = 10 .. 12 s.
  const load::Schedule schedule(stages);
  EXPECT_EQ(schedule.phase_at(11), "cycle 2 quiet");
  EXPECT_EQ(schedule.phase_at(6.5), "cycle 2");
  EXPECT_DOUBLE_EQ(schedule.cumulative(18), 900);
}

TEST(CycleStages, RefusesWhatNoRunCanTake) {
  load::Stage s;
  s.rate = 1;
  s.duration_s = 1;
  const auto refused = [&](const std::vector<load::Stage>& stages, std::size_t bursts, load::CycleSpec spec) {
    try {
      load::cycle_stages(stages, bursts, spec);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::usage);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused({s}, 0, {0, 1, 1, false}).find("count"), std::string::npos);
  EXPECT_NE(refused({s}, 0, {load::kMaxCycles + 1, 1, 1, false}).find("count"), std::string::npos);
  EXPECT_NE(refused({s}, 0, {2, -1, 1, false}).find("drain_s"), std::string::npos);
  EXPECT_NE(refused({s}, 0, {2, 1, 0, false}).find("quiet_s"), std::string::npos);
  EXPECT_NE(refused({}, 0, {2, 1, 1, false}).find("stages"), std::string::npos);
  EXPECT_NE(refused({s}, 1, {2, 1, 1, false}).find("bursts"), std::string::npos);
}

TEST(CyclePurge, OnEnteringEveryQuietPhase) {
  alloc::PhasePurge purge;
  EXPECT_FALSE(purge.enabled());
  purge.cycle_quiet = true;
  EXPECT_TRUE(purge.enabled());
  EXPECT_TRUE(purge.wants("cycle 4 quiet"));
  EXPECT_FALSE(purge.wants("cycle 4 drain"));
  EXPECT_FALSE(purge.wants("burst"));
}

report::QuietSample at(double rss, double queue = NAN) { return {rss, NAN, NAN, 3, 1, queue}; }

TEST(CycleLevels, MedianOfEachQuietPhaseSkippingSamplesWithAQueue) {
  report::CycleCollector c;
  c.add("cycle 1", at(900));
  for (double v : {100.0, 102.0, 101.0}) c.add("cycle 1 quiet", at(v));
  c.add("cycle 2", at(900));
  c.add("cycle 2 drain", at(500));
  c.add("cycle 2 quiet", at(700, 5));  // not drained: left out
  for (double v : {110.0, 112.0}) c.add("cycle 2 quiet", at(v, 0));
  // Cycle 3 has no quiet window; cycle 4's is the last phase of the run.
  c.add("cycle 4 quiet", at(130));
  c.finish();
  const auto& l = c.levels();
  ASSERT_EQ(l.cycles(), 4u);
  EXPECT_EQ(l.rss[0], 101);
  EXPECT_EQ(l.rss[1], 111);
  EXPECT_TRUE(std::isnan(l.rss[2]));
  EXPECT_EQ(l.rss[3], 130);
  EXPECT_EQ(l.fds[0], 3);
  EXPECT_TRUE(std::isnan(l.pss[0]));
  EXPECT_EQ(l.quiet_samples[1], 2);
}

TEST(CpuIdle, IdleOnceTheCpuTimeStopsAdvancingOverTheWindow) {
  analyze::CpuIdleDetector d({0.3, 0.1});  // at most 30 ms of CPU over 0.3 s
  double cpu = 0;
  // Computing at one core for 1 s, sampled at 20 Hz: never idle.
  for (int i = 0; i <= 20; ++i) EXPECT_FALSE(d.add(i * 0.05, cpu = i * 0.05)) << i;
  // Then stopped: idle once the window holds no more than 30 ms of the computing.
  bool seen = false;
  double idle_at = NAN;
  for (int i = 1; i <= 20 && !seen; ++i) {
    const double t = 1.0 + i * 0.05;
    if ((seen = d.add(t, cpu))) idle_at = t;
  }
  EXPECT_NEAR(idle_at, 1.3, 1e-9);
  // A tick now and then (10 ms in 0.3 s) is idle; 40 ms in the window is not.
  EXPECT_TRUE(d.add(1.35, cpu += 0.01));
  EXPECT_FALSE(d.add(1.40, cpu += 0.04));
  // Unknown CPU (NaN) is ignored; a counter that goes back starts a new window.
  EXPECT_FALSE(d.add(1.45, NAN));
  EXPECT_FALSE(d.add(1.50, cpu - 1));
  EXPECT_FALSE(d.add(1.60, cpu - 1));
  EXPECT_TRUE(d.add(1.80, cpu - 1));
  d.reset();
  EXPECT_FALSE(d.add(2.0, cpu));  // one sample spans no window
}

// t and the tree's CPU seconds, for the CPU-idle drain.
report::QuietSample timed(double t, double cpu, double rss) {
  report::QuietSample s = at(rss);
  s.t = t;
  s.cpu_s = cpu;
  return s;
}

TEST(CycleLevels, CpuDrainMeasuresFromTheMomentTheCpuStopsAndFlagsTheBound) {
  for (const auto signal : {report::DrainSignal::cpu, report::DrainSignal::time}) {
    report::CycleCollector c(signal);
    double t = 0, cpu = 0;
    const auto feed = [&](const char* phase, double seconds, bool computing, double rss) {
      for (double end = t + seconds; t < end - 1e-9;) {
        t += 0.05;
        if (computing) cpu += 0.05;
        c.add(phase, timed(t, cpu, rss));
      }
    };
    // Cycle 1: computes 0.5 s into the quiet phase holding 900, then rests at 100 for 1 s.
    feed("cycle 1", 1, true, 500);
    feed("cycle 1 drain", 0.2, true, 900);
    feed("cycle 1 quiet", 0.5, true, 900);
    feed("cycle 1 quiet", 1.0, false, 100);
    // Cycle 2: computes through the whole quiet phase: the bound, measured whole.
    feed("cycle 2", 1, true, 500);
    feed("cycle 2 quiet", 1.0, true, 200);
    // Cycle 3: idle already in the drain: the quiet phase is measured from its start.
    feed("cycle 3", 1, true, 500);
    feed("cycle 3 drain", 0.5, false, 300);
    feed("cycle 3 quiet", 0.5, false, 100);
    c.finish();
    const auto& l = c.levels();
    ASSERT_EQ(l.cycles(), 3u);
    if (signal == report::DrainSignal::time) {
      EXPECT_EQ(l.rss[0], 100);  // 20 of 30 samples at rest: the median hides it here
      EXPECT_EQ(l.drained[0], 1);
      EXPECT_NEAR(l.wait_s[0], 0, 1e-9);
      EXPECT_EQ(l.quiet_samples[0], 30);
      continue;
    }
    EXPECT_EQ(l.rss[0], 100);
    EXPECT_EQ(l.drained[0], 1);
    // Measured from the end of the computing (its last sample at 0.45 s) + the 0.3 s window.
    EXPECT_GE(l.wait_s[0], 0.7);
    EXPECT_LE(l.wait_s[0], 0.85);
    EXPECT_LT(l.quiet_samples[0], 30);
    EXPECT_EQ(l.rss[1], 200);
    EXPECT_EQ(l.drained[1], 0);
    EXPECT_EQ(l.quiet_samples[1], 20);
    EXPECT_EQ(l.rss[2], 100);
    EXPECT_EQ(l.drained[2], 1);
    EXPECT_NEAR(l.wait_s[2], 0, 1e-9);
  }
}

TEST(CycleMarks, TheMetricsTableQueuesMarksAndKeepsTheWorkPerCycle) {
  metrics::MetricsTable t({});
  t.feed(R"({"pid":7,"cycle_done":1,"cycle_work":250})");
  t.feed(R"({"pid":7,"cycle_done":2})");
  t.feed(R"({"pid":7,"cycle_done":0})");    // cycles count from 1
  t.feed(R"({"pid":7,"cycle_done":"3"})");  // not a number
  t.feed(R"({"pid":7,"cycle_done":1.5})");  // not an integer
  const auto marks = t.take_cycle_marks();
  ASSERT_EQ(marks.size(), 2u);
  EXPECT_EQ(marks[0].cycle, 1u);
  EXPECT_EQ(*marks[0].work, 250);
  EXPECT_FALSE(marks[1].work);
  EXPECT_TRUE(t.take_cycle_marks().empty());
  const auto f = t.figures();
  EXPECT_EQ(f["cycle_marks"], 2);
  EXPECT_EQ(f["cycle_work"]["1"], 250);
}

TEST(CycleMarks, PendingMarksAreBounded) {
  metrics::MetricsTable t({});
  for (std::size_t i = 1; i <= metrics::kMaxPendingMarks + 10; ++i)
    t.feed(R"({"pid":7,"cycle_done":)" + std::to_string(i) + "}");
  EXPECT_EQ(t.take_cycle_marks().size(), metrics::kMaxPendingMarks);
}

}  // namespace
}  // namespace memgate
