// Has the target stopped computing? The CPU-idle drain of a cycle (docs/plateau.md,
// "Cycles in a run"): the tree's CPU time (utime + stime, samples.csv's cpu_s) advanced by
// at most a small share of one core over the last short window. Pure: fed one sample at
// a time, memory bounded by the samples of one window.
#pragma once

#include <cstddef>
#include <deque>

namespace memgate::analyze {

struct CpuIdleSettings {
  double window_s = 0.3;   // how long the CPU must have (nearly) stopped
  double max_share = 0.1;  // of one core over that window (/proc counts 10 ms ticks)
};

class CpuIdleDetector {
 public:
  explicit CpuIdleDetector(CpuIdleSettings s = {}) : s_(s) {}
  // One sample: time and the tree's cumulative CPU seconds (NaN: not recorded, ignored).
  // True when, over the last window_s (or more: the nearest earlier sample), the CPU time
  // advanced by at most max_share of that span.
  bool add(double t_s, double cpu_s);
  void reset() { samples_.clear(); }

 private:
  struct Point {
    double t, cpu;
  };
  static constexpr std::size_t kMaxSamples = 4096;  // a window's samples at any sampling rate memgate allows
  CpuIdleSettings s_;
  std::deque<Point> samples_;
};

}  // namespace memgate::analyze
