// The dispatcher's only view of time, so tests can drive a 24-hour schedule with a
// fake clock in milliseconds of CPU and check every deadline to the nanosecond.
#pragma once

#include <cstdint>
#include <string>

namespace memgate::load {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ns() = 0;  // monotonic
  virtual void sleep_until(std::int64_t deadline_ns) = 0;
  // Called once by the thread that will sleep on this clock; returns what it set up
  // (JSON-ready text, empty when there is nothing to say).
  virtual std::string prepare_thread() { return {}; }
};

// CLOCK_MONOTONIC with absolute-deadline sleeps (clock_nanosleep TIMER_ABSTIME).
class MonotonicClock final : public Clock {
 public:
  // Wake-ups at most this late (timer slack; the kernel's default is 50 us, inherited
  // from whoever started memgate), and a short scheduler slice request so a wake-up on
  // a busy machine is not queued behind a CPU hog's whole slice (sys/thread_latency.h).
  static constexpr std::int64_t kTimerSlackNs = 20'000;
  static constexpr std::int64_t kSliceNs = 100'000;
  std::int64_t now_ns() override;
  void sleep_until(std::int64_t deadline_ns) override;
  std::string prepare_thread() override;
};

// Time only moves when somebody sleeps or advances it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ns = 1'000'000'000) : now_(start_ns) {}
  std::int64_t now_ns() override {
    const std::int64_t t = now_;
    now_ += step_per_read_ns_;
    return t;
  }
  void sleep_until(std::int64_t deadline_ns) override {
    if (deadline_ns > now_) now_ = deadline_ns;
  }
  void advance(std::int64_t ns) { now_ += ns; }
  // Simulates a slow sender: every read of the clock costs this much time.
  void set_step_per_read(std::int64_t ns) { step_per_read_ns_ = ns; }

 private:
  std::int64_t now_;
  std::int64_t step_per_read_ns_ = 0;
};

}  // namespace memgate::load
