// The two streaming passes compare makes over a run's samples.csv: its timeline (phases,
// end), then its figures over the comparison's common windows. Memory stays bounded
// however long the run was (phase spans are capped; the medians are quantile sketches).
#pragma once

#include <map>
#include <string>

#include "compare/windows.h"

namespace memgate::compare {

// Throws Error(usage) naming the file when samples.csv (or meta.json, read for the
// run's burst-recovery settings) is missing or malformed.
RunTimeline scan_timeline(const std::string& run_dir);

// work_column: a cumulative counter column (metric_<field>) or empty.
std::map<std::string, WindowFigures> scan_windows(const std::string& run_dir, const WindowPlan& plan,
                                                  const std::string& work_column);

}  // namespace memgate::compare
