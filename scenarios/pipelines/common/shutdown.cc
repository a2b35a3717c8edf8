#include "common/shutdown.h"

#include <atomic>
#include <csignal>

namespace pipelines {
namespace {
std::atomic<bool> g_drain{false};
extern "C" void on_drain_signal(int) { g_drain.store(true); }
}  // namespace

void install_drain_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_drain_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill us before the accounting line
}
bool drain_requested() { return g_drain.load(std::memory_order_relaxed); }
void request_drain() { g_drain.store(true); }

}  // namespace pipelines
