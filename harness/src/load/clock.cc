#include "load/clock.h"

#include <time.h>

#include <cerrno>

#include "sys/thread_latency.h"

namespace memgate::load {

std::int64_t MonotonicClock::now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void MonotonicClock::sleep_until(std::int64_t deadline_ns) {
  timespec ts{};
  ts.tv_sec = deadline_ns / 1'000'000'000;
  ts.tv_nsec = deadline_ns % 1'000'000'000;
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

std::string MonotonicClock::prepare_thread() {
  const sys::ThreadLatency applied = sys::request_thread_latency(kTimerSlackNs, kSliceNs);
  std::string text = "timer slack " + std::to_string(applied.timer_slack_ns / 1000) + " us, scheduler slice " +
                     (applied.slice_ns ? std::to_string(applied.slice_ns / 1000) + " us" : std::string("default"));
  if (!applied.note.empty()) text += " (" + applied.note + ")";
  return text;
}

}  // namespace memgate::load
