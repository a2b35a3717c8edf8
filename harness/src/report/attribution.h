// `--attribute` in the report: reads the run directory's heap snapshots and symbols
// (attribution/, written by alloc::AttribRecorder), names each stack's call site, and
// asks analyze::attribute_growth which sites the heap grew at over the plateau check's
// steady window. Also renders the growth as collapsed stacks (flame graph tools' input).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyze/heap_cycles.h"
#include "analyze/heap_growth.h"
#include "report/pprof.h"

namespace memgate::report {

inline constexpr const char* kCollapsedFile = "growth.collapsed";

struct Attribution {
  analyze::GrowthAttribution growth;
  // On a run with cycles: what each site keeps from one cycle's quiet point to the next.
  std::optional<analyze::CycleGrowthAttribution> per_cycle;
  std::size_t snapshots = 0;
  double mean_bytes = 0;
  double steady_from_s = 0, steady_to_s = 0;
  // The growth over the window (each stack's trend times the window) as collapsed stacks:
  // one line per stack that grew, "outermost;...;allocating_function BYTES".
  std::string collapsed;
  std::vector<ProfileStack> stacks;  // the same growth, for pprof_profile()
};

struct AttributionWindow {
  double steady_from_s = 0;
  double steady_to_s = 0;
  std::optional<double> rss_slope_per_h;
  std::optional<double> units_per_h;
  std::size_t warmup_cycles = 1;  // the per-cycle leak checks' warm-up
};

// Nothing when the run has no attribution/ directory. Throws Error(usage) for malformed
// files.
std::optional<Attribution> load_attribution(const std::string& run_dir, const AttributionWindow& window);

nlohmann::json to_json(const Attribution& a);

// One site per row for the terminal and the markdown summary: the top `top` growing
// sites, then those that came back.
struct SiteRow {
  std::string kind;  // "grows", "keeps per cycle" or "came back"
  std::string site;
  std::string rate;   // "+12.1 MiB/h" or "rose 40.0 MiB"
  std::string share;  // "92 % of the heap growth, 86 % of the RSS slope", may be empty
};
std::string attribution_headline(const Attribution& a);
std::vector<SiteRow> attribution_rows(const Attribution& a, std::size_t top = 5);

}  // namespace memgate::report
