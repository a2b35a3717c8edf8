// The figures `memgate compare` takes from one finished run: pure extraction from the
// run's report.json (docs/report-schema.md). No I/O, and never the sample log: every
// figure taken from the samples was computed by the report writer in bounded memory.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/significance.h"
#include "compare/windows.h"

namespace memgate::compare {

// One comparable figure. The table of them is the single place that says what each
// column of compare.json / compare.md means and which direction is better.
struct MetricInfo {
  std::string_view key;    // "steady_rss_bytes"
  std::string_view label;  // "steady RSS"
  std::string_view unit;   // "bytes", "bytes/h", "records/s", "s", "count"
  Better better;
  std::string_view meaning;
};

std::span<const MetricInfo> metrics();
const MetricInfo* find_metric(std::string_view key);

struct RunFigures {
  std::string dir;      // the run directory
  std::string variant;  // label
  int repeat = 0;
  std::map<std::string, double> values;          // MetricInfo::key -> value; absent when not measured
  std::string steady_basis;                      // how steady_rss_bytes was obtained
  std::string throughput_basis;                  // how records_per_s was obtained
  std::string work_unit;                         // what records_per_s and cpu_per_unit_s count: "records", a field
  std::string cost_basis;                        // how cpu_per_unit_s was obtained ("per 1000 records", "per run")
  std::optional<double> warmup_s;                // the rss-plateau check's warm-up (its own, per run)
  std::map<std::string, WindowFigures> windows;  // the comparison's common windows (apply_windows)
  std::vector<std::string> notes;                // figures that could not be read, and why
  std::string verdict;                           // pass | fail | inconclusive
  std::map<std::string, std::string> checks;     // check id -> outcome
  std::optional<bool> allocator_verified;        // nullopt: no probe in this run
  std::string mismatch;                          // why the allocator was not verified
  std::string problem;                           // the target crashed / failed on its own
  std::string end_reason;
  // Figures left out because the report predates the key they come from, e.g.
  // "steady RSS (summary.rss_second_half)".
  std::vector<std::string> missing;
};

// Reads every figure the report offers. The steady RSS is the rss-plateau check's
// steady level, else summary.rss_second_half.median (the median of the run's second half).
RunFigures figures_from_report(const nlohmann::json& report);

// Replaces the per-run figures by those over the comparison's common windows: steady RSS
// (median over the steady window), retained after burst (recovery-end minus pre-burst
// median), burst peak; with work_metric FIELD, throughput and CPU per unit from the
// metric_FIELD counter over the steady window.
void apply_windows(RunFigures& f, const WindowPlan& plan, const std::map<std::string, WindowFigures>& figures,
                   const std::string& work_metric);

// The span every figure is read over, written into plan.figures: the common windows for
// the figures apply_windows replaces, the whole run (or the probe readings) for the others.
void figure_windows(WindowPlan& plan, const std::string& work_metric);

}  // namespace memgate::compare
