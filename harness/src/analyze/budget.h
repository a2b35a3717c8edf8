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

// One check per limit that is set. RSS uses the larger of the sampled tree peak and
// the kernel's per-process VmHWM, so a spike between two polls still counts.
std::vector<CheckResult> budget_checks(const BudgetLimits& limits, const RunSummary& summary);

}  // namespace memgate::analyze
