// Per-variant aggregation of run figures and the contrast of two variants on one
// metric, the way a person should read a handful of noisy runs. Pure: no I/O.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "compare/compare_plan.h"
#include "compare/run_figures.h"

namespace memgate::compare {

// Median and range of one metric over a variant's runs (n: runs that measured it).
struct Spread {
  std::size_t n = 0;
  double median = 0, min = 0, max = 0;
};

Spread spread_of(std::vector<double> values);

struct VariantSummary {
  Variant variant;
  std::size_t runs = 0;
  std::size_t target_failures = 0;                    // runs whose target crashed / failed on its own
  std::size_t unverified = 0;                         // runs where the probe did not confirm the allocator
  std::map<std::string, Spread> metrics;              // only measured metrics
  std::map<std::string, std::vector<double>> values;  // the runs' values of each measured metric
  std::string work_unit, cost_basis;                  // as the runs say (the first that does)
  std::vector<std::string> notes;                     // the runs' notes, distinct
  std::map<std::string, std::vector<WindowFigures>> window_figures;  // window -> one per run
  std::map<std::string, std::map<std::string, std::size_t>> checks;  // id -> outcome -> runs
  std::map<std::string, std::size_t> verdicts;                       // outcome -> runs
  std::vector<std::string> problems;                                 // distinct, first few
};

// One summary per variant, in the variants' order; runs of unknown labels are ignored.
std::vector<VariantSummary> aggregate(const std::vector<Variant>& variants, const std::vector<RunFigures>& runs);

}  // namespace memgate::compare
