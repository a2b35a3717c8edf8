// What one streaming pass over samples.csv keeps for the checks, in bounded memory.
#pragma once

#include <vector>

#include "analyze/budget.h"
#include "analyze/descriptors.h"
#include "analyze/growth_table.h"
#include "analyze/plateau.h"
#include "memgate/stream_stats.h"
#include "memgate/summary.h"
#include "report/cycle_levels.h"

namespace memgate::report {

// The series the statistical checks need, reduced to bounded memory while reading.
struct RunSeries {
  analyze::BoundedSeries rss, pss, fds, threads;
  // Allocator statistics (ProbeSampler columns), when the run recorded them: allocated
  // (live) heap bytes, and mapped bytes for allocators that offer only those (mimalloc).
  analyze::BoundedSeries heap_allocated, heap_mapped;
  // The memory cgroup's usage (cgroup sampler, under --memory-max): memory-headroom.
  analyze::BoundedSeries cgroup_usage;
  std::vector<analyze::PhaseSpan> phases;  // contiguous runs of the samples' phase tag
  // The tree's RSS beyond the allocator's live heap, and the live heap, summarised over
  // the samples where both were fresh (the heap-retention check).
  MetricSummary held, live_heap;
  // How the sample log ends (the run-complete check): torn last lines skipped, and
  // whether a memgate is still writing the directory (it holds the directory's lock).
  std::size_t torn_lines = 0;                                // samples.csv
  std::size_t torn_process_lines = 0, torn_event_lines = 0;  // processes.csv, events.jsonl
  // When each budget of the settings was first crossed (the budget checks' messages).
  analyze::BudgetCrossings budget_crossings;
  bool still_running = false;
  // The descriptor sampler's fd-snapshot events (events.jsonl), at most kMaxFdSnapshots:
  // beyond that every other one is dropped (the first and the latest stay).
  std::vector<analyze::FdSnapshot> fd_snapshots;
  // The target's cumulative count of processed units (metric_processed on the metrics
  // channel), when it reports one: growth per unit of work beside growth per hour.
  analyze::BoundedSeries processed{1024};
  // The quiescent level after each cycle (phases "cycle N quiet"): the per-cycle leak checks.
  CycleLevels cycles;
  // --attribute on a Python target: the heap growth per call site over the steady window
  // (empty rows when the run has no py-heap snapshots).
  analyze::GrowthTable python_growth;
};

// 256: every report pass (the live analysis runs one per refresh) holds them, each with
// up to 24 patterns per kind; spread over the run by the thinning, they still place the
// steady window's start within a few snapshots (one a minute after the first 10 min).
inline constexpr std::size_t kMaxFdSnapshots = 256;

}  // namespace memgate::report
