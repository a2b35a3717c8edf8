// Turns a run directory (meta.json + samples.csv) into summary figures, check results,
// a verdict and memgate's exit code. `memgate run` and `memgate report DIR` both end
// here, so a verdict can always be recomputed from disk with other settings.
#pragma once

#include <string>
#include <vector>

#include "analyze/plateau.h"
#include "memgate/check.h"
#include "memgate/stream_stats.h"
#include "memgate/summary.h"
#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/run_series.h"

namespace memgate::report {

struct RunAnalysis {
  record::RunMeta meta;
  RunSummary summary;
  RunSeries series;
  std::vector<CheckResult> checks;
  Verdict verdict;
  ExitCode exit_code = ExitCode::internal;
  std::string target_problem;  // non-empty when the target crashed or failed on its own
  nlohmann::json peaks;        // eBPF peaks beside /proc's (report/peak_comparison.h); null without eBPF
};

// Reads the directory in one streaming pass. Throws Error(usage) for a directory that
// is not a memgate run or whose files are malformed.
// `meta`: use this instead of DIR/meta.json (a run whose final meta.json could not be
// written still judges what it collected).
RunAnalysis analyze_run_dir(const std::string& dir, const CheckSettings& settings, const record::RunMeta* meta = nullptr);

// The target's own outcome: empty when it ran fine or was stopped by memgate.
std::string target_problem(const record::RunMeta& meta);

}  // namespace memgate::report
