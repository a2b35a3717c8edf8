// Makes the calling thread wake up on time: an open-loop sender that sleeps to absolute
// deadlines is only as punctual as its wake-ups. Two per-thread settings, neither needs
// privileges:
//  - timer slack (prctl PR_SET_TIMERSLACK): how late the kernel may fire our timer to
//    coalesce wake-ups; inherited from the parent, so set it explicitly;
//  - the scheduler slice request (sched_setattr sched_runtime for SCHED_OTHER, EEVDF,
//    kernel >= 6.12): a short slice gives the thread an early virtual deadline, so on
//    a busy machine it preempts a CPU hog when it wakes instead of waiting for the
//    hog's slice to end.
#pragma once

#include <cstdint>
#include <string>

namespace memgate::sys {

struct ThreadLatency {
  std::int64_t timer_slack_ns = 0;  // as applied (0: could not be set)
  std::int64_t slice_ns = 0;        // as applied (0: not supported by this kernel)
  std::string note;                 // why a setting could not be applied; empty when both were
};

ThreadLatency request_thread_latency(std::int64_t timer_slack_ns, std::int64_t slice_ns);

}  // namespace memgate::sys
