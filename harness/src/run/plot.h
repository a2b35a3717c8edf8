// Runs reports/plot_timeline.py (and plot_baseline.py) on a run directory with Debian's /usr/bin/python3 (the
// interpreter that has python3-matplotlib). Plotting never changes the verdict.
#pragma once

#include <string>
#include <vector>

namespace memgate::run {

// Where reports/*.py live: $MEMGATE_REPORTS_DIR, else the installed copy, else the source tree's.
std::string reports_dir();

// Returns a one-line note for the user: where the PNG is, or why there is none and how
// to fix it. `png` and `report` default to RUN_DIR/timeline.png and RUN_DIR/report.json
// (`memgate report --out DIR` draws its recomputed verdict into DIR/timeline.png).
std::string plot_timeline(const std::string& run_dir, const std::string& png = "", const std::string& report = "");

// reports/plot_baseline.py: the run's timeline over its baseline runs' (baseline.png).
std::string plot_baseline(const std::string& run_dir, const std::vector<std::string>& baseline_dirs);

// reports/flame_growth.py: RUN_DIR/growth.collapsed as a self-contained flame graph page,
// RUN_DIR/growth.html (docs/attribution.md). Without the npm library the note says how to
// install it; the collapsed and pprof files are written either way.
std::string plot_growth_flame(const std::string& run_dir);

// reports/plot_sizes.py: memory against work size with the fits (DIR/sizes.png, from DIR/sizes.json).
std::string plot_sizes(const std::string& dir);

}  // namespace memgate::run
