// SIGINT/SIGTERM/SIGHUP handling for the run loop: the handler only records the
// signal; the loop forwards it to the target and keeps sampling until it exits.
#pragma once

namespace memgate::sys {

class SignalCatcher {
 public:
  SignalCatcher();   // installs handlers (no SA_RESTART: sleeps wake up at once)
  ~SignalCatcher();  // restores the previous handlers
  SignalCatcher(const SignalCatcher&) = delete;
  SignalCatcher& operator=(const SignalCatcher&) = delete;

  // The last signal received since the previous call, or 0.
  int take();
};

// A closed stdout or target pipe becomes an EPIPE to handle instead of a death by
// SIGPIPE (process-wide; sys::Child::spawn gives targets the default back).
void ignore_sigpipe();

// Sleeps until the CLOCK_MONOTONIC time `deadline_s`; returns early on a signal.
void sleep_until(double deadline_s);

}  // namespace memgate::sys
