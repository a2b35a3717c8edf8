// The quiescent level of each cycle, collected in the streaming pass over samples.csv:
// the median of each series over the samples of the phase "cycle N quiet" (the drain
// before it is not measured), leaving out samples where the target's queue was not empty
// (metric_queue_depth > 0, when it reports one). docs/plateau.md, "Cycles in a run".
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace memgate::report {

inline constexpr std::size_t kMaxQuietSamples = 4096;  // per window: the median of the first 4096
inline constexpr std::size_t kMaxCycleLevels = 10000;  // as load::kMaxCycles

struct QuietSample {
  double rss = 0, pss = 0, heap = 0, fds = 0, threads = 0;
  double queue_depth = 0;  // NaN when not reported
};

struct CycleLevels {
  // Index cycle - 1; NaN for a cycle without a measured quiet window.
  std::vector<double> rss, pss, heap, fds, threads;
  std::vector<double> quiet_samples;  // samples behind each level
  std::size_t cycles() const { return rss.size(); }
};

class CycleCollector {
 public:
  // One sample row: its phase tag and figures (NaN where the row has none).
  void add(std::string_view phase, const QuietSample& sample);
  // Closes the last window; call once after the pass.
  void finish();
  const CycleLevels& levels() const { return levels_; }

 private:
  void close();
  std::size_t open_cycle_ = 0;  // the cycle whose quiet window is being read (0: none)
  std::vector<QuietSample> window_;
  CycleLevels levels_;
};

}  // namespace memgate::report
