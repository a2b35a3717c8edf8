// Budget checks: hard ceilings on peak memory, fds and threads. The simplest checks
// of the framework; the statistical plateau checks plug in beside them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "memgate/check.h"
#include "memgate/summary.h"

namespace memgate::analyze {

struct BudgetLimits {
  std::optional<std::uint64_t> max_rss_bytes;
  std::optional<std::uint64_t> max_pss_bytes;
  std::optional<std::uint64_t> max_fds;
  std::optional<std::uint64_t> max_threads;
};

// One check per limit that is set. RSS uses the largest of the sampled tree peak, the
// kernel's per-process VmHWM, and (when eBPF ran) the exact tree peak, so a spike
// between two polls, or in a process the polls never saw, still counts.
std::vector<CheckResult> budget_checks(const BudgetLimits& limits, const RunSummary& summary,
                                       std::optional<double> exact_tree_peak_bytes = std::nullopt);

}  // namespace memgate::analyze
