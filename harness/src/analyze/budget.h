// Budget checks: hard ceilings on peak memory, fds and threads. The simplest checks
// of the framework; the statistical plateau checks plug in beside them.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
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

// The first sample over each budget: when and at what value. Fed one tick at a time, by
// `memgate run` (to stop the target at once with --abort-on) and by the report's
// streaming pass (so a budget message says when the budget was first crossed).
struct BudgetSample {
  double t_s = 0;
  double rss = NAN;        // tree RSS sum
  double hwm = NAN;        // largest per-process VmHWM
  double ebpf_peak = NAN;  // the eBPF tree peak so far (NaN without eBPF)
  double pss = NAN, fds = NAN, threads = NAN;
};

struct Crossing {
  double t_s = 0;
  double value = 0;
};

// A budget crossed for the first time: which, when, by how much.
struct NewCrossing {
  const char* id;    // check_id::k*Budget
  const char* unit;  // "bytes" or "count"
  Crossing crossing;
  double limit;
  // "rss-budget first crossed at t=20.1s: 9.5 MiB, over the budget of 9.5 MiB"
  std::string describe() const;
};

class BudgetCrossings {
 public:
  BudgetCrossings() = default;
  explicit BudgetCrossings(const BudgetLimits& limits) : limits_(limits) {}
  // The budgets this sample crossed for the first time.
  std::vector<NewCrossing> add(const BudgetSample& s);
  const std::optional<Crossing>& rss() const { return rss_; }
  const std::optional<Crossing>& pss() const { return pss_; }
  const std::optional<Crossing>& fds() const { return fds_; }
  const std::optional<Crossing>& threads() const { return threads_; }

 private:
  BudgetLimits limits_;
  std::optional<Crossing> rss_, pss_, fds_, threads_;
};

// One check per limit that is set. RSS uses the largest of the sampled tree peak, the
// kernel's per-process VmHWM, and (when eBPF ran) the exact tree peak, so a spike
// between two polls, or in a process the polls never saw, still counts.
// `crossings`: when each budget was first crossed (said in the message and as the figures
// first_over_at / first_over_value); without it a FAIL says only when the peak was.
std::vector<CheckResult> budget_checks(const BudgetLimits& limits, const RunSummary& summary,
                                       std::optional<double> exact_tree_peak_bytes = std::nullopt,
                                       const BudgetCrossings* crossings = nullptr);

}  // namespace memgate::analyze
