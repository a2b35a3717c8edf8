// The baseline runs a `--baseline PATH` names, reduced to the figures the baseline check
// compares (analyze/baseline.h), and this run's same figures. Layout: docs/baselines.md.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "analyze/baseline.h"
#include "memgate/check.h"

namespace memgate::report {

struct CheckInputs;

struct BaselineRuns {
  std::string path;
  std::vector<std::string> dirs;          // the run directories, in name order
  std::vector<analyze::RunFigures> runs;  // one per directory
  std::string error;                      // why PATH could not be read (the check is INCONCLUSIVE)
};

// PATH is a run directory (it has meta.json), a report.json in one, or a directory whose
// subdirectories are run directories (repeats; at most 100, the newest by name).
// Throws Error(usage) naming PATH and what it holds instead.
std::vector<std::string> baseline_run_dirs(const std::string& path);

// Analyses each run directory with the check settings it recorded (its own baseline
// setting cleared). Never throws: a PATH that cannot be read sets `error`.
BaselineRuns load_baseline(const std::string& path);

// The run's figures: peak RSS (the tree sum or any VmHWM), steady RSS and live heap (the
// median of the second half of the series), peak fds, and the rss-burst-recovery
// check's `retained` among `checks` (the results evaluated so far).
analyze::RunFigures run_figures(const CheckInputs& in, std::span<const CheckResult> checks);

}  // namespace memgate::report
