// Summary figures of a run, computed in one streaming pass over the sample log.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "memgate/stream_stats.h"

namespace memgate {

struct MetricSummary {
  std::size_t samples = 0;  // 0: the metric was never measured
  double min = 0, max = 0, max_at_s = 0, first = 0, last = 0, median = 0, mean = 0;
};

MetricSummary summarize(const analyze::StreamStats& stats);

struct RunSummary {
  double duration_s = 0;
  std::size_t samples = 0;
  MetricSummary rss;      // tree sum of VmRSS, bytes
  MetricSummary pss;      // tree sum of PSS, bytes (PSS ticks only)
  MetricSummary hwm_max;  // largest per-process VmHWM, bytes: exact per-process peak
  MetricSummary swap;     // bytes
  MetricSummary fds;
  MetricSummary threads;
  MetricSummary processes;
  double minor_faults = 0, major_faults = 0, cpu_s = 0;  // final cumulative values
};

}  // namespace memgate
