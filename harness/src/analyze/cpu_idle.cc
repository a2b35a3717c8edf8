#include "analyze/cpu_idle.h"

#include <cmath>

namespace memgate::analyze {

bool CpuIdleDetector::add(double t_s, double cpu_s) {
  if (!std::isfinite(t_s) || !std::isfinite(cpu_s)) return false;
  // A counter that went back (a child reaped out of the tree) starts a new window.
  if (!samples_.empty() && (cpu_s < samples_.back().cpu || t_s < samples_.back().t)) samples_.clear();
  samples_.push_back({t_s, cpu_s});
  // Keep the newest sample at least window_s old as the window's start.
  while (samples_.size() > 2 && t_s - samples_[1].t >= s_.window_s) samples_.pop_front();
  if (samples_.size() > kMaxSamples) samples_.pop_front();
  const Point& from = samples_.front();
  const double span = t_s - from.t;
  if (samples_.size() < 2 || span < s_.window_s) return false;
  return cpu_s - from.cpu <= s_.max_share * span;
}

}  // namespace memgate::analyze
