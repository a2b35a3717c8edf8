// The recommendation line of `memgate compare`: which variant gives a significantly
// lower steady RSS without a significant loss of throughput or CPU per unit of work (or
// the same RSS for significantly less CPU), with the evidence; otherwise "keep the
// baseline" with what a decision would need. Runs that were not PASS are flagged, never
// silently compared. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compare/aggregate.h"
#include "compare/significance.h"
#include "compare/windows.h"

namespace memgate::compare {

struct RecommendSettings {
  std::string baseline;                // label; empty: the plain glibc variant, else the first
  double rss_min_effect = 0.05;        // steady-RSS differences below 5 % count as the same
  double throughput_tolerance = 0.05;  // throughput and CPU-per-unit differences below 5 % count as the same
  double confidence = 0.90;            // of the Hodges–Lehmann intervals (3 runs each reach 90 %)
  std::size_t min_runs = 3;            // runs per variant before a difference is called
};

// One variant against the baseline.
struct VariantCall {
  std::string label;
  Significance rss;                   // steady RSS
  std::optional<Significance> speed;  // throughput (records/s) or wall time
  std::optional<Significance> cost;   // CPU per unit of work
};

struct Recommendation {
  std::string choice;              // the recommended label; empty when there is no data
  bool changes_baseline = false;   // true: switch to `choice`; false: keep the baseline
  std::string baseline;            // the label compared against
  std::string throughput_metric;   // "records_per_s", "wall_s" or "" (not measured)
  std::string line;                // one sentence a person can act on, with the evidence
  std::vector<std::string> notes;  // flagged runs, excluded variants and why, caveats
  std::vector<VariantCall> calls;  // every other variant that ran cleanly
};

// plan: the comparison's windows (may be null), for what a decision would need.
Recommendation recommend(const std::vector<VariantSummary>& variants, const RecommendSettings& settings,
                         const WindowPlan* plan = nullptr);

// "jemalloc (MALLOC_CONF=dirty_decay_ms:0)" / "glibc".
std::string describe_variant(const Variant& variant);

// The call on `label`, or null (the baseline, or a variant that did not run cleanly).
const VariantCall* find_call(const Recommendation& r, const std::string& label);

}  // namespace memgate::compare
