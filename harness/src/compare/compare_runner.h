// `memgate compare`: runs a workload under every variant, N times each in interleaved
// order (DIR/<label>-<i>/ are ordinary run directories), then writes DIR/compare.json,
// DIR/compare.md and the charts. Everything after the runs is recomputable from disk
// (report_compare_dir), like `memgate report` is for one run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compare/aggregate.h"
#include "compare/compare_json.h"
#include "compare/recommend.h"
#include "compare/run_figures.h"
#include "compare/workload.h"

namespace memgate::compare {

inline constexpr const char* kCompareJson = "compare.json";
inline constexpr const char* kCompareMarkdown = "compare.md";

struct CompareOptions {
  std::vector<Variant> variants;
  int repeat = 3;
  std::string out_dir;  // empty: ./<dir_prefix>-<timestamp>
  std::string dir_prefix = "memgate-compare";
  bool plot = true;         // run reports/plot_compare.py at the end, and each run's timeline.png
  std::string work_metric;  // --work-metric FIELD: a metrics-channel counter of the target's work
  RecommendSettings recommend;
  std::function<void(const std::string&)> progress;  // one line per run; may be empty
};

struct CompareResult {
  std::string out_dir;
  CompareManifest manifest;
  std::vector<RunFigures> runs;
  std::vector<VariantSummary> variants;
  Recommendation recommendation;
  WindowPlan windows;
  std::string markdown;   // compare.md
  std::string plot_note;  // where the charts are, or why there are none
  // Runs that could not be done ("glibc-2: cannot start ..."): the others still ran and
  // are reported; the CLI exits with run_error_code after the report when this is not empty.
  std::vector<std::string> run_errors;
  ExitCode run_error_code = ExitCode::pass;  // the most serious code of those runs (usage and internal before target)
};

// Every variant runs the workload's RunConfig through run::run, with the variant's
// allocator and knobs. Throws Error(usage) for bad variants, knobs, or a static/setuid
// target with a non-glibc allocator (before anything runs). A run that cannot start is recorded in
// run_errors and the comparison goes on; a target that crashes or fails a check is
// reported in the table.
CompareResult run_compare(const Workload& workload, const CompareOptions& options);

// Re-reads DIR/compare.json's plan and every run directory, and rewrites compare.json,
// compare.md and (options.plot) the charts. Runs missing on disk are left out, with a note.
CompareResult report_compare_dir(const std::string& dir, const CompareOptions& options);

// One run directory's figures, from its report.json alone. Throws Error(usage).
RunFigures load_run_figures(const std::string& run_dir);

// Runs reports/plot_compare.py DIR; returns a one-line note (PNG paths or why none).
std::string plot_compare(const std::string& dir);

}  // namespace memgate::compare
