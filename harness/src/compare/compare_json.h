// compare.json (schema memgate.compare/1, docs/allocators.md): the plan, every run's
// figures, the per-variant medians and spreads, and the recommendation. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc/phase_purge.h"
#include "compare/aggregate.h"
#include "compare/compare_plan.h"
#include "compare/recommend.h"
#include "compare/run_figures.h"
#include "compare/windows.h"

namespace memgate::compare {

inline constexpr const char* kCompareSchema = "memgate.compare/1";

// What was (or is being) run: enough to recompute the comparison from disk.
struct CompareManifest {
  std::string workload;  // the command, or the scenario file
  int repeat = 1;
  std::vector<Variant> variants;
  std::vector<PlannedRun> plan;  // interleaved order
  double purge_every_s = 0;
  alloc::PhasePurge purge_at_phases;
  std::string status = "running";  // running | finished | interrupted
  std::string work_metric;         // --work-metric FIELD (a metrics-channel counter), or empty
};

nlohmann::json to_json(const CompareManifest& manifest, const std::vector<RunFigures>& runs,
                       const std::vector<VariantSummary>& variants, const Recommendation& recommendation,
                       const WindowPlan& plan = {});

// Reads the manifest back from compare.json; throws Error(usage) naming the problem.
CompareManifest manifest_from_json(const nlohmann::json& j);

}  // namespace memgate::compare
