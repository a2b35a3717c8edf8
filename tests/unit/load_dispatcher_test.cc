// The dispatcher on a fake clock: every record leaves at its exact deadline, a 24-hour
// schedule ends on the nanosecond, late policies drop / queue as documented.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "load/dispatcher.h"
#include "load/lag_histogram.h"
#include "memgate/error.h"

namespace memgate::load {
namespace {

// Remembers when (fake time) each line arrived; can pretend the peer is slow.
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(FakeClock& clock) : clock_(clock) {}
  std::size_t write(std::string_view bytes, const std::atomic<bool>&) override {
    const std::int64_t now = clock_.now_ns();
    for (char c : bytes)
      if (c == '\n') {
        ++lines;
        if (keep_times) times.push_back(now);
      }
    clock_.advance(cost_per_write_ns);
    return bytes.size();
  }
  bool peer_closed() const override { return false; }
  double blocked_s() const override { return 0; }
  void close() override {}
  std::uint64_t lines = 0;
  bool keep_times = true;
  std::vector<std::int64_t> times;
  std::int64_t cost_per_write_ns = 0;

 private:
  FakeClock& clock_;
};

// Every record is the same short line; due times from a schedule.
class FixedPayload final : public Payload {
 public:
  void append(std::uint64_t, double, std::string& out) override { out += "{}\n"; }
};

Stage constant(double rate, double duration) {
  Stage s;
  s.rate = rate;
  s.duration_s = duration;
  return s;
}

TEST(LoadDispatcher, SendsEveryRecordAtItsDeadline) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(1000, 2)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{false};
  dispatcher.run(stop, anchor);
  ASSERT_EQ(transport.times.size(), 2000u);
  for (std::size_t k = 0; k < transport.times.size(); ++k)
    ASSERT_EQ(transport.times[k] - anchor, static_cast<std::int64_t>(k + 1) * 1'000'000) << "record " << k + 1;
  const auto& s = dispatcher.stats();
  EXPECT_EQ(s.offered, 2000u);
  EXPECT_EQ(s.sent, 2000u);
  EXPECT_EQ(s.accepted, 2000u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.lag.max_ns(), 0);
  EXPECT_TRUE(s.source_exhausted);
}

TEST(LoadDispatcher, TwentyFourHoursEndOnTheNanosecond) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(10, 86400)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  transport.keep_times = false;
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{false};
  dispatcher.run(stop, anchor);
  EXPECT_EQ(transport.lines, 864000u);
  EXPECT_EQ(dispatcher.stats().lag.max_ns(), 0);  // no record ever late: zero drift
  EXPECT_EQ(clock.now_ns() - anchor, 86400LL * 1'000'000'000);
}

TEST(LoadDispatcher, TimeScaleCompressesTheSchedule) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(10, 3600)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  DispatchOptions options;
  options.time_scale = 60;  // an hour in a minute: 600 records/s of wall time
  Dispatcher dispatcher(source, transport, clock, options);
  std::atomic<bool> stop{false};
  dispatcher.run(stop, anchor);
  ASSERT_EQ(transport.times.size(), 36000u);
  EXPECT_EQ(transport.times.back() - anchor, 60LL * 1'000'000'000);
  EXPECT_EQ(transport.times[5] - anchor, 6LL * 1'000'000'000 / 600);
}

TEST(LoadDispatcher, DropPolicyDropsWhatIsTooLateAndCountsIt) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(1000, 1)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  transport.cost_per_write_ns = 5'000'000;  // each write stalls 5 ms: 5 records fall due meanwhile
  DispatchOptions options;
  options.late_policy = LatePolicy::drop;
  options.max_lag_s = 0.002;
  Dispatcher dispatcher(source, transport, clock, options);
  std::atomic<bool> stop{false};
  dispatcher.run(stop, anchor);
  const auto& s = dispatcher.stats();
  EXPECT_EQ(s.offered, 1000u);
  EXPECT_EQ(s.sent + s.dropped, 1000u);
  // Per 5 ms stall, 5 records fall due: the 2 older than 2 ms are dropped.
  EXPECT_NEAR(static_cast<double>(s.dropped), 400, 5);
  EXPECT_LE(s.lag.max_ns(), 2'000'000 + 5'000'000);  // at most 2 ms late when written, + the 5 ms write
}

TEST(LoadDispatcher, QueuePolicySendsEverythingAndMeasuresTheLag) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(1000, 1)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  transport.cost_per_write_ns = 5'000'000;
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{false};
  dispatcher.run(stop, anchor);
  const auto& s = dispatcher.stats();
  EXPECT_EQ(s.sent, 1000u);
  EXPECT_EQ(s.dropped, 0u);
  // Records due 2..6 ms go out in the batch written from 6 to 11 ms: 9 ms for the oldest.
  EXPECT_EQ(s.lag.max_ns(), 9'000'000);
  EXPECT_GE(s.lag.quantile_ns(0.5), 7'000'000);
}

TEST(LoadDispatcher, StopCountsDueButUnsentRecordsAsOffered) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({constant(1000, 10)});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{true};  // stopped before the first send
  clock.advance(500'000'000);
  dispatcher.run(stop, anchor);
  EXPECT_EQ(dispatcher.stats().sent, 0u);
  EXPECT_EQ(dispatcher.stats().offered, 500u);
}

// A source that never runs out and whose records are all due at t=0 (what a looping
// trace of one instant used to be).
class EndlessInstantSource final : public RecordSource {
 public:
  std::optional<double> next_due() override { return 0.0; }
  void emit(std::string& out) override { out += "{}\n"; }
  void skip() override {}
  std::string_view phase() const override { return "replay"; }
};

TEST(LoadDispatcher, CountingUnsentRecordsAfterTheStopIsBounded) {
  FakeClock clock;
  EndlessInstantSource source;
  RecordingTransport transport(clock);
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{true};
  dispatcher.run(stop, clock.now_ns());
  EXPECT_EQ(dispatcher.stats().offered, Dispatcher::kMaxUnsentCounted);
  EXPECT_TRUE(dispatcher.stats().offered_is_lower_bound);
  EXPECT_EQ(dispatcher.stats().to_json()["offered_is_lower_bound"], true);
}

TEST(LoadDispatcher, CountingUnsentRecordsAfterTheStopGivesUpAfterItsTime) {
  FakeClock clock;
  clock.set_step_per_read(1'000'000);  // every look at the clock costs 1 ms
  EndlessInstantSource source;
  RecordingTransport transport(clock);
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{true};
  dispatcher.run(stop, clock.now_ns());
  EXPECT_LT(dispatcher.stats().offered, Dispatcher::kMaxUnsentCounted);
  EXPECT_GT(dispatcher.stats().offered, 0u);
  EXPECT_TRUE(dispatcher.stats().offered_is_lower_bound);
}

// Dropping fills no batch; the sender must still see the stop.
TEST(LoadDispatcher, EndlessLateRecordsUnderTheDropPolicyStillStop) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  clock.advance(10'000'000'000);  // every record is 10 s late
  EndlessInstantSource source;
  RecordingTransport transport(clock);
  DispatchOptions options;
  options.late_policy = LatePolicy::drop;
  Dispatcher dispatcher(source, transport, clock, options);
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  dispatcher.run(stop, anchor);
  stopper.join();
  EXPECT_GT(dispatcher.stats().dropped, 0u);
  EXPECT_EQ(dispatcher.stats().sent, 0u);
}

const PhaseCounts* phase_named(const DispatchStats& s, const std::string& name) {
  for (const auto& p : s.phases)
    if (p.phase == name) return &p;
  return nullptr;
}

Stage tagged(double rate, double duration, const std::string& phase) {
  Stage s = constant(rate, duration);
  s.phase = phase;
  return s;
}

// Plays a schedule to its end on a fake clock, against a peer whose writes take
// write_cost_ns each.
DispatchStats dispatch_all(const Schedule& schedule, DispatchOptions options = {}, std::int64_t write_cost_ns = 0) {
  FakeClock clock;
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  transport.keep_times = false;
  transport.cost_per_write_ns = write_cost_ns;
  Dispatcher dispatcher(source, transport, clock, options);
  std::atomic<bool> stop{false};
  dispatcher.run(stop, clock.now_ns());
  return dispatcher.stats();
}

// Counts per phase tag are exact integrals of the schedule over each phase's windows
// (a tag that appears twice is summed), and add up to the totals.
TEST(LoadDispatcher, CountsRecordsPerPhase) {
  Burst burst;
  burst.at_s = {6};
  burst.duration_s = 2;
  burst.recovery_s = 1;
  const DispatchStats s = dispatch_all(Schedule({tagged(100, 4, "warmup"), tagged(100, 6, "nominal")}, {burst}));
  ASSERT_EQ(s.phases.size(), 4u);
  EXPECT_EQ(s.phases[0].phase, "warmup");  // in order of first appearance
  EXPECT_EQ(s.phases[1].phase, "nominal");
  EXPECT_EQ(s.phases[2].phase, "burst");
  EXPECT_EQ(s.phases[3].phase, "recovery");
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"warmup", 400}, {"nominal", 200 + 100}, {"burst", 2000}, {"recovery", 100}};
  std::uint64_t offered = 0, accepted = 0;
  for (const auto& [name, count] : expected) {
    const PhaseCounts* p = phase_named(s, name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->offered, count) << name;
    EXPECT_EQ(p->sent, count) << name;
    EXPECT_EQ(p->accepted, count) << name;
    EXPECT_EQ(p->lag.count(), count) << name;
    EXPECT_EQ(p->dropped, 0u) << name;
    EXPECT_EQ(p->late, 0u) << name;
    offered += p->offered;
    accepted += p->accepted;
  }
  EXPECT_EQ(offered, s.offered);
  EXPECT_EQ(accepted, s.accepted);
  EXPECT_EQ(s.offered, 2800u);
  const nlohmann::json j = s.to_json();
  ASSERT_EQ(j["phases"].size(), 4u);
  EXPECT_EQ(j["phases"][2]["phase"], "burst");
  EXPECT_EQ(j["phases"][2]["accepted"], 2000);
  EXPECT_EQ(j["phases"][2]["late"], 0);
  EXPECT_TRUE(j["phases"][2]["lag_s"].contains("p99"));
  EXPECT_EQ(j["late"], 0);
  EXPECT_DOUBLE_EQ(j["late_after_s"].get<double>(), 0.001);
}

// A slow peer: during the burst the drop policy drops records, and only records of the
// burst; the queue policy keeps them but they count as late.
TEST(LoadDispatcher, DroppedAndLateRecordsAreCountedInTheirPhase) {
  for (LatePolicy policy : {LatePolicy::drop, LatePolicy::queue}) {
    Burst burst;
    burst.at_s = {1};
    burst.duration_s = 1;
    burst.multiplier = 100;  // 10,000 records/s against a peer that takes 5 ms per write
    DispatchOptions options;
    options.late_policy = policy;
    options.max_lag_s = 0.002;
    const DispatchStats s = dispatch_all(Schedule({tagged(100, 3, "nominal")}, {burst}), options, 5'000'000);
    const PhaseCounts* nominal = phase_named(s, "nominal");
    const PhaseCounts* bursting = phase_named(s, "burst");
    ASSERT_NE(nominal, nullptr);
    ASSERT_NE(bursting, nullptr);
    EXPECT_EQ(nominal->offered, 200u);
    EXPECT_EQ(bursting->offered, 10000u);
    EXPECT_EQ(bursting->sent + bursting->dropped, 10000u);
    EXPECT_EQ(nominal->sent + nominal->dropped, 200u);
    EXPECT_EQ(nominal->dropped + bursting->dropped, s.dropped);
    EXPECT_EQ(nominal->late + bursting->late, s.late);
    if (policy == LatePolicy::drop) {
      EXPECT_GT(bursting->dropped, 5000u);
    } else {
      EXPECT_EQ(s.dropped, 0u);
      EXPECT_EQ(bursting->accepted, 10000u);
      EXPECT_GT(bursting->late, 9000u);  // nearly every burst record waits for a 5 ms write
    }
    // A record that waited more than 1 ms counts as late, whatever the policy.
    EXPECT_GE(nominal->late, 1u);
  }
}

TEST(LoadDispatcher, HourlyPhasesEachGetTheirHoursRecords) {
  Stage soak = tagged(1, 3 * 3600, "soak");
  soak.hourly = true;
  const DispatchStats s = dispatch_all(Schedule({soak}));
  ASSERT_EQ(s.phases.size(), 3u);
  for (int h = 0; h < 3; ++h) {
    EXPECT_EQ(s.phases[h].phase, "soak hour " + std::to_string(h + 1));
    EXPECT_EQ(s.phases[h].accepted, 3600u);  // record 3600, due on the hour, belongs to hour 1
  }
}

TEST(LoadDispatcher, PhaseTableIsBoundedWithAnOtherSlot) {
  Stage soak = tagged(1.0 / 3600, 300 * 3600, "soak");  // one record per hour for 300 hours
  soak.hourly = true;
  const DispatchStats s = dispatch_all(Schedule({soak}));
  ASSERT_EQ(s.phases.size(), DispatchStats::kMaxPhases);
  EXPECT_EQ(s.phases.front().phase, "soak hour 1");
  EXPECT_EQ(s.phases.back().phase, "other");
  std::uint64_t named = 0;
  for (std::size_t i = 0; i + 1 < s.phases.size(); ++i) named += s.phases[i].offered;
  EXPECT_GT(s.phases.back().offered, 0u);
  EXPECT_EQ(named + s.phases.back().offered, 300u);
  EXPECT_EQ(s.offered, 300u);
}

// memgate's own memory in a long hourly soak: one table slot per "soak hour N" up to
// kMaxPhases, each small. (Each slot held a dense ~4 KiB lag histogram before: a 300-hour
// soak kept ~1 MiB, growing 4 KiB per scenario hour.)
TEST(LoadDispatcher, PhaseTableMemoryIsBoundedWhateverTheRunLength) {
  Stage soak = tagged(10.0 / 3600, 300 * 3600, "soak");  // ten records per hour for 300 hours
  soak.hourly = true;
  const DispatchStats s = dispatch_all(Schedule({soak}), {}, 1500);
  ASSERT_EQ(s.phases.size(), DispatchStats::kMaxPhases);
  EXPECT_LE(s.phase_table_bytes(), DispatchStats::kMaxPhases * 256) << "bytes per phase slot grew";
  for (const auto& p : s.phases) EXPECT_GE(p.lag.count(), 1u) << p.phase;
}

TEST(LoadDispatcher, UnsentRecordsAtStopCountAsOfferedInTheirPhase) {
  FakeClock clock;
  const std::int64_t anchor = clock.now_ns();
  Schedule schedule({tagged(1000, 1, "warmup"), tagged(1000, 9, "nominal")});
  FixedPayload payload;
  ScheduledSource source(schedule, payload);
  RecordingTransport transport(clock);
  Dispatcher dispatcher(source, transport, clock, {});
  std::atomic<bool> stop{true};
  clock.advance(1'500'000'000);
  dispatcher.run(stop, anchor);
  const auto& s = dispatcher.stats();
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.phases[0].offered, 1000u);
  EXPECT_EQ(s.phases[1].offered, 500u);
  EXPECT_EQ(s.phases[1].sent, 0u);
}

TEST(LoadDispatcher, LatePolicyNames) {
  EXPECT_EQ(late_policy_from_string("catch_up"), LatePolicy::catch_up);
  EXPECT_THROW(late_policy_from_string("later"), Error);
}

TEST(LoadLagHistogram, QuantilesAreUpperBoundsWithinOneBucket) {
  LagHistogram h;
  for (int i = 1; i <= 1000; ++i) h.add(i * 1000);  // 1 us .. 1 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max_ns(), 1'000'000);
  const auto p50 = h.quantile_ns(0.5);
  EXPECT_GE(p50, 500'000);
  EXPECT_LE(p50, 500'000 * 1.125);
  const auto p99 = h.quantile_ns(0.99);
  EXPECT_GE(p99, 990'000);
  EXPECT_LE(p99, 1'000'000);
  for (std::uint64_t v : {0ull, 15ull, 16ull, 17ull, 1000ull, 123456789ull}) {
    const auto b = LagHistogram::bucket_of(v);
    EXPECT_GE(LagHistogram::upper_edge(b), v);
    if (b > 0) {
      EXPECT_LT(LagHistogram::upper_edge(b - 1), v);
    }
  }
  EXPECT_LE(h.used_buckets(), 8u * 10) << "1 us .. 1 ms spans 10 octaves of 8 buckets";
  LagHistogram empty;
  EXPECT_EQ(empty.quantile_ns(0.99), 0);
  EXPECT_EQ(empty.heap_bytes(), 0u);
  const std::size_t used = h.used_buckets();
  h.merge(h);
  EXPECT_EQ(h.count(), 2000u);
  EXPECT_EQ(h.used_buckets(), used);
  EXPECT_EQ(h.quantile_ns(0.5), p50);
}

}  // namespace
}  // namespace memgate::load
