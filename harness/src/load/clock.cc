#include "load/clock.h"

#include "sys/clock.h"
#include "sys/thread_latency.h"

namespace memgate::load {

std::int64_t MonotonicClock::now_ns() { return sys::monotonic_ns(); }

void MonotonicClock::sleep_until(std::int64_t deadline_ns) { sys::sleep_until_ns(deadline_ns); }

std::string MonotonicClock::prepare_thread() {
  const sys::ThreadLatency applied = sys::request_thread_latency(kTimerSlackNs, kSliceNs);
  std::string text = "timer slack " + std::to_string(applied.timer_slack_ns / 1000) + " us, scheduler slice " +
                     (applied.slice_ns ? std::to_string(applied.slice_ns / 1000) + " us" : std::string("default"));
  if (!applied.note.empty()) text += " (" + applied.note + ")";
  return text;
}

}  // namespace memgate::load
