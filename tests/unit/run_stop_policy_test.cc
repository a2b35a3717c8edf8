// StopPolicy: when the session stops the target, and how, tick by tick.
#include "run/stop_policy.h"

#include <csignal>

#include <gtest/gtest.h>

using memgate::run::StopActions;
using memgate::run::StopPolicy;

TEST(StopPolicy, PlainCommandRunsUntilTheDurationThenTermThenKill) {
  StopPolicy p({5.0, false, 10, 2});
  EXPECT_EQ(p.step({4.9, 0, false}).terminate_signal, 0);
  EXPECT_EQ(p.step({5.0, 0, false}).terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "duration");
  EXPECT_TRUE(p.stopping());
  EXPECT_EQ(p.step({5.5, 0, false}).terminate_signal, 0) << "SIGTERM is sent once";
  EXPECT_FALSE(p.step({6.9, 0, false}).kill);
  const StopActions kill = p.step({7.0, 0, false});
  EXPECT_TRUE(kill.kill);
  EXPECT_NE(kill.kill_reason.find("ignored SIGTERM for 2"), std::string::npos) << kill.kill_reason;
  EXPECT_FALSE(p.step({8.0, 0, false}).kill) << "SIGKILL is sent once";
}

TEST(StopPolicy, WithoutADurationOnlyAnInterruptStops) {
  StopPolicy p({std::nullopt, false, 10, 10});
  for (double t = 0; t < 100; t += 7) EXPECT_EQ(p.step({t, 0, false}).terminate_signal, 0);
  EXPECT_EQ(p.step({100, SIGINT, false}).terminate_signal, SIGINT) << "the interrupt is forwarded as is";
  EXPECT_EQ(p.end_reason(), "interrupted");
}

TEST(StopPolicy, ASecondInterruptKillsAtOnceAndSaysSo) {
  StopPolicy p({std::nullopt, false, 10, 30});
  p.step({1, SIGINT, false});
  const StopActions second = p.step({1.5, SIGINT, false});
  EXPECT_TRUE(second.kill);
  EXPECT_EQ(second.terminate_signal, 0);
  EXPECT_NE(second.kill_reason.find("interrupted a second time"), std::string::npos) << second.kill_reason;
  EXPECT_EQ(p.end_reason(), "interrupted");
}

TEST(StopPolicy, TrafficEndsThenTheTargetGetsItsDrainTime) {
  StopPolicy p({std::nullopt, true, 3, 10});
  EXPECT_FALSE(p.step({1, 0, false}).end_traffic);
  const StopActions done = p.step({2, 0, true});
  EXPECT_TRUE(done.end_traffic);
  EXPECT_EQ(done.terminate_signal, 0) << "the target may finish on its own";
  EXPECT_FALSE(p.step({3, 0, true}).end_traffic) << "the load ends once";
  EXPECT_EQ(p.step({4.9, 0, true}).terminate_signal, 0);
  EXPECT_EQ(p.step({5.0, 0, true}).terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "traffic-done");
}

TEST(StopPolicy, WithTrafficTheDurationEndsTheLoadNotTheTarget) {
  StopPolicy p({10.0, true, 2, 10});
  const StopActions at_duration = p.step({10, 0, false});
  EXPECT_TRUE(at_duration.end_traffic);
  EXPECT_EQ(at_duration.terminate_signal, 0);
  EXPECT_EQ(p.step({12, 0, false}).terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "traffic-done");
}

TEST(StopPolicy, AnInterruptDuringTrafficStopsBothAndKeepsItsReason) {
  StopPolicy p({std::nullopt, true, 5, 10});
  const StopActions a = p.step({1, SIGTERM, false});
  EXPECT_EQ(a.terminate_signal, SIGTERM);
  EXPECT_TRUE(a.end_traffic);
  EXPECT_EQ(p.step({7, 0, true}).terminate_signal, 0) << "no second SIGTERM after the drain time";
  EXPECT_EQ(p.end_reason(), "interrupted");
}

TEST(StopPolicy, AFailedSampleLogStopsTheTargetAsIoError) {
  StopPolicy p({60.0, false, 10, 2});
  EXPECT_EQ(p.step({1, 0, false, false}).terminate_signal, 0);
  EXPECT_EQ(p.step({3.1, 0, false, true}).terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "io-error");
  EXPECT_EQ(p.step({3.2, 0, false, true}).terminate_signal, 0) << "SIGTERM is sent once";
  EXPECT_TRUE(p.step({5.1, 0, false, true}).kill) << "a target that ignores it is killed after the grace";
}

TEST(StopPolicy, AFailedSampleLogEndsTheTraffic) {
  StopPolicy p({60.0, true, 10, 2});
  const StopActions a = p.step({2, 0, false, true});
  EXPECT_TRUE(a.end_traffic);
  EXPECT_EQ(a.terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "io-error");
}

TEST(StopPolicy, AbortOnBudgetStopsAtOnceWithItsReasonThenKillsAfterTheGrace) {
  StopPolicy p({60.0, false, 10, 2});
  EXPECT_EQ(p.step({1, 0, false, false, nullptr}).terminate_signal, 0);
  EXPECT_EQ(p.step({4.2, 0, false, false, "aborted-on-budget"}).terminate_signal, SIGTERM);
  EXPECT_EQ(p.end_reason(), "aborted-on-budget");
  EXPECT_EQ(p.step({4.3, 0, false, false, "aborted-on-fail"}).terminate_signal, 0) << "SIGTERM is sent once";
  EXPECT_EQ(p.end_reason(), "aborted-on-budget") << "the first reason stays";
  EXPECT_FALSE(p.step({6.1, 0, false, false, nullptr}).kill);
  EXPECT_TRUE(p.step({6.3, 0, false, false, nullptr}).kill)
      << "a target that ignores SIGTERM is killed after the grace";
}

TEST(StopPolicy, AbortDuringTheDrainSkipsTheRestOfIt) {
  StopPolicy p({std::nullopt, true, 30, 10});
  EXPECT_TRUE(p.step({5, 0, true}).end_traffic);
  const StopActions a = p.step({6, 0, false, false, "aborted-on-fail"});
  EXPECT_EQ(a.terminate_signal, SIGTERM) << "no waiting out the 30 s drain once the run is decided";
  EXPECT_FALSE(a.end_traffic) << "the load had already ended";
  EXPECT_EQ(p.end_reason(), "aborted-on-fail");
}

TEST(StopPolicy, ADecidedLookStopsAtOnceWithItsOwnReasonAndNoDrain) {
  StopPolicy p({3600.0, true, 10, 2});
  memgate::run::StopInputs in;
  in.now_s = 120;
  in.decided = true;
  const StopActions at = p.step(in);
  EXPECT_EQ(at.terminate_signal, SIGTERM) << "no drain time: the load ends with the target";
  EXPECT_TRUE(at.end_traffic);
  EXPECT_EQ(p.end_reason(), "decided");
  in.now_s = 122;
  EXPECT_TRUE(p.step(in).kill) << "the grace time still applies";
  EXPECT_EQ(p.end_reason(), "decided");
}

TEST(StopPolicy, AnInterruptOrAnAbortWinsOverADecisionOfTheSameTick) {
  StopPolicy p({std::nullopt, false, 10, 10});
  memgate::run::StopInputs in;
  in.now_s = 5;
  in.decided = true;
  in.abort_reason = "aborted-on-budget";
  p.step(in);
  EXPECT_EQ(p.end_reason(), "aborted-on-budget");
  StopPolicy q({std::nullopt, false, 10, 10});
  in.abort_reason = nullptr;
  in.interrupt_signal = SIGINT;
  EXPECT_EQ(q.step(in).terminate_signal, SIGINT);
  EXPECT_EQ(q.end_reason(), "interrupted");
}
