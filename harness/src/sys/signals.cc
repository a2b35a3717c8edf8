#include "sys/signals.h"

#include <signal.h>
#include <time.h>

#include <cmath>

namespace memgate::sys {

namespace {

volatile sig_atomic_t g_pending = 0;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[3];

void on_signal(int sig) { g_pending = sig; }

}  // namespace

SignalCatcher::SignalCatcher() {
  g_pending = 0;
  for (int i = 0; i < 3; ++i) {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(kSignals[i], &action, &g_previous[i]);
  }
}

SignalCatcher::~SignalCatcher() {
  for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

int SignalCatcher::take() {
  const int sig = g_pending;
  g_pending = 0;
  return sig;
}

void ignore_sigpipe() {
  struct sigaction action {};
  action.sa_handler = SIG_IGN;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGPIPE, &action, nullptr);
}

void sleep_until(double deadline_s) {
  timespec ts{};
  double whole = 0;
  const double frac = std::modf(deadline_s, &whole);
  ts.tv_sec = static_cast<time_t>(whole);
  ts.tv_nsec = static_cast<long>(frac * 1e9);
  ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: caller re-checks
}

}  // namespace memgate::sys
