// The dispatcher on a fake clock: every record leaves at its exact deadline, a 24-hour
// schedule ends on the nanosecond, late policies drop / queue as documented.
#include <atomic>
#include <string>
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
  LagHistogram empty;
  EXPECT_EQ(empty.quantile_ns(0.99), 0);
  h.merge(h);
  EXPECT_EQ(h.count(), 2000u);
}

}  // namespace
}  // namespace memgate::load
