// The quiescent level of each cycle, collected in the streaming pass over samples.csv:
// the median of each series over the samples of the phase "cycle N quiet" (the drain
// before it is not measured) once the target has drained, by the chosen signal:
//   queue  leave out samples where the target's queue was not empty (metric_queue_depth
//          > 0, when it reports one); the default
//   cpu    the same, and wait until the tree's CPU time stops advancing (analyze/cpu_idle.h,
//          watched from the drain phase on); a quiet phase in which it never does is
//          measured whole and counted as not drained (the bound: drain + quiet time)
//   time   every sample of the quiet phase (a fixed quiet time)
// docs/plateau.md, "Cycles in a run".
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "analyze/cpu_idle.h"

namespace memgate::report {

enum class DrainSignal { queue, cpu, time };

inline constexpr std::size_t kMaxQuietSamples = 4096;  // per window: the median of the first 4096
inline constexpr std::size_t kMaxCycleLevels = 10000;  // as load::kMaxCycles

struct QuietSample {
  double rss = 0, pss = 0, heap = 0, fds = 0, threads = 0;
  double queue_depth = 0;  // NaN when not reported
  double t = NAN;          // run seconds
  double cpu_s = NAN;      // the tree's cumulative CPU seconds (NaN when not recorded)
};

struct CycleLevels {
  // Index cycle - 1; NaN for a cycle without a measured quiet window.
  std::vector<double> rss, pss, heap, fds, threads;
  std::vector<double> quiet_samples;  // samples behind each level
  std::vector<double> wait_s;         // from the quiet phase's start to the first measured sample
  std::vector<double> drained;        // 1: the drain signal was reached; 0: the bound (whole quiet phase)
  std::size_t cycles() const { return rss.size(); }
};

class CycleCollector {
 public:
  explicit CycleCollector(DrainSignal signal = DrainSignal::queue) : signal_(signal) {}
  // One sample row: its phase tag and figures (NaN where the row has none).
  void add(std::string_view phase, const QuietSample& sample);
  // Closes the last window; call once after the pass.
  void finish();
  const CycleLevels& levels() const { return levels_; }

 private:
  void close();
  void watch_cpu(std::size_t settling_cycle, const QuietSample& sample);
  DrainSignal signal_;
  std::size_t open_cycle_ = 0;  // the cycle whose quiet window is being read (0: none)
  double quiet_start_ = NAN;    // t of its first sample
  std::vector<QuietSample> window_;
  std::vector<QuietSample> whole_;  // cpu: the quiet phase's samples by the queue rule (the bound)
  analyze::CpuIdleDetector idle_;
  std::size_t idle_cycle_ = 0;  // the cycle whose drain and quiet phases the detector watches
  bool idle_reached_ = false;   // latched: the CPU stopped once in this cycle
  CycleLevels levels_;
};

}  // namespace memgate::report
