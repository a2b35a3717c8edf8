// CLOCK_MONOTONIC in nanoseconds, and sleeps on it that ignore signals (for threads that
// keep their own schedule; the run loop's signal-aware sleep is sys::sleep_until in
// signals.h, the seconds reading sys::monotonic_seconds in host.h).
#pragma once

#include <cstdint>

namespace memgate::sys {

std::int64_t monotonic_ns();
// Sleeps until the CLOCK_MONOTONIC time deadline_ns (absolute, so no drift), resuming after signals.
void sleep_until_ns(std::int64_t deadline_ns);
// Sleeps for seconds (relative), resuming after signals.
void sleep_for_seconds(double seconds);

}  // namespace memgate::sys
