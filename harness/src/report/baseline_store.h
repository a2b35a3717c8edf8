// A directory of baselines a CI job keeps as an artifact (docs/baselines.md):
//   DIR/NAME/run-YYYYmmddTHHMMSSZ-<pid>/   one known good run each (its files, copied)
// NAME is a branch (slashes and other characters outside [A-Za-z0-9._-] become '_').
// `memgate run --baseline DIR/NAME` compares with every run kept there (repeats).
#pragma once

#include <cstddef>
#include <string>

namespace memgate::report {

// Copies RUN_DIR's files into a new DIR/NAME/run-... directory (written under a temporary
// name, then renamed: a reader never sees half a run) and removes the oldest runs beyond
// `keep`. Refuses (Error(usage)) a run that did not finish or whose report.json verdict is
// not pass, unless `allow_any`. Returns the new run's path.
std::string save_baseline(const std::string& run_dir, const std::string& dir, const std::string& name, std::size_t keep,
                          bool allow_any);

// "NAME/run-...: started, verdict, peak and steady RSS" per kept run, or one line saying
// there are none.
std::string show_baselines(const std::string& dir);

// "feature/x" -> "feature_x"; refuses an empty name, "." and "..".
std::string baseline_name(const std::string& name);

}  // namespace memgate::report
