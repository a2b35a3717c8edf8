// memgate's live figures as metric families (docs/prometheus.md has the list): what a
// run knows at one tick, plus the latest verdict computed from its run directory. Pure.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "memgate/check.h"
#include "openmetrics/exposition.h"

namespace memgate::openmetrics {

// The labels every series carries, so a fleet's series stay apart and group by them.
struct RunLabels {
  std::string run;        // the run directory's name
  std::string scenario;   // the scenario's name; empty for a plain command
  std::string allocator;  // --allocator; empty: the target's own
};
Labels common_labels(const RunLabels& labels);

struct TrafficFigures {
  std::uint64_t sent = 0, accepted = 0, dropped = 0;
  std::optional<double> lag_s;  // of the last accepted record
};

// A plateau check's running slope, per second, in the series' base unit.
struct Slope {
  std::string series;  // rss, pss, heap, fds, threads
  bool bytes = true;   // false: a count (fds, threads)
  double per_s = 0, low_per_s = 0, high_per_s = 0, tolerance_per_s = 0;
};

struct LiveVerdicts {
  double analyzed_unix_s = 0;  // when the run directory was last judged
  Outcome verdict = Outcome::inconclusive;
  std::vector<std::pair<std::string, Outcome>> checks;  // id, outcome, in report order
  std::vector<Slope> slopes;
};

// The verdict and plateau slopes out of a run's check results (report::RunAnalysis).
LiveVerdicts live_verdicts(const std::vector<CheckResult>& checks, Outcome verdict, double analyzed_unix_s);

struct LiveFigures {
  double start_unix_s = 0;
  double elapsed_s = 0;
  std::optional<double> planned_s;
  double scenario_time_s = 0;
  std::string phase;
  bool finished = false;
  std::uint64_t samples = 0, missed_ticks = 0;
  std::uint32_t processes = 0, fds = 0, threads = 0;
  std::uint64_t rss_bytes = 0, rss_peak_bytes = 0, hwm_bytes = 0, swap_bytes = 0;
  double cpu_s = 0;
  std::optional<std::uint64_t> pss_bytes;  // the last PSS read
  // NaN when the run has no such sampler (no allocator probe, no memory cgroup).
  double heap_bytes = std::numeric_limits<double>::quiet_NaN();
  double cgroup_usage_bytes = std::numeric_limits<double>::quiet_NaN();
  double cgroup_limit_bytes = std::numeric_limits<double>::quiet_NaN();
  std::optional<TrafficFigures> traffic;
  std::optional<LiveVerdicts> verdicts;
};

std::vector<Family> live_families(const LiveFigures& figures);

}  // namespace memgate::openmetrics
