#include "run/live_verdicts.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "report/run_analysis.h"
#include "sys/host.h"

namespace memgate::run {

RunDirVerdicts::RunDirVerdicts(std::string dir, const report::CheckSettings& settings, double every_s)
    : dir_(std::move(dir)), settings_(settings), every_s_(every_s), thread_([this] { loop(); }) {}

RunDirVerdicts::~RunDirVerdicts() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::optional<openmetrics::LiveVerdicts> RunDirVerdicts::latest() {
  const std::lock_guard lock(mutex_);
  return latest_;
}

void RunDirVerdicts::loop() {
  double wait_s = std::min(every_s_, 1.0);  // the first verdict soon after the first samples
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, std::chrono::duration<double>(wait_s), [this] { return stop_; })) return;
    }
    const double started = sys::monotonic_seconds();
    try {
      const auto a = report::analyze_run_dir(dir_, settings_);
      auto v = openmetrics::live_verdicts(a.checks, a.verdict.outcome, static_cast<double>(sys::unix_millis()) / 1000);
      const std::lock_guard lock(mutex_);
      latest_ = std::move(v);
    } catch (const std::exception&) {  // the files mid-write: the next round will do
    }
    wait_s = std::max(every_s_, 10 * (sys::monotonic_seconds() - started));
  }
}

}  // namespace memgate::run
