#include "sys/clock.h"

#include <time.h>

#include <cerrno>

namespace memgate::sys {

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until_ns(std::int64_t deadline_ns) {
  timespec ts{};
  ts.tv_sec = deadline_ns / 1'000'000'000;
  ts.tv_nsec = deadline_ns % 1'000'000'000;
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void sleep_for_seconds(double seconds) {
  if (seconds <= 0) return;
  sleep_until_ns(monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9));
}

}  // namespace memgate::sys
