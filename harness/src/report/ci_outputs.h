// The files and lines a CI system reads after a run or `memgate report`, from one
// RunAnalysis: JUnit XML, the markdown summary (--summary FILE, and appended to
// $GITHUB_STEP_SUMMARY), and GitHub annotations when GITHUB_ACTIONS=true. docs/ci.md.
#pragma once

#include <string>
#include <vector>

#include "report/inconclusive_policy.h"
#include "report/run_analysis.h"

namespace memgate::report {

struct OutputOptions {
  std::string junit_path;    // --junit PATH
  std::string junit_suite;   // --junit-suite NAME; empty: default_suite_name
  std::string summary_path;  // --summary FILE (markdown)
  InconclusivePolicy inconclusive = InconclusivePolicy::neutral;
};

// What the CI environment asks for, read from the environment by ci_environment().
struct CiEnvironment {
  std::string step_summary;     // $GITHUB_STEP_SUMMARY: the markdown summary is appended there
  bool github_actions = false;  // GITHUB_ACTIONS=true: annotations on stderr
};
CiEnvironment ci_environment();

struct CiOutputResult {
  std::string annotations;          // workflow command lines for stderr (empty unless github_actions)
  std::vector<std::string> errors;  // one line per file that could not be written
};

// Writes every requested output; a file that cannot be written is named in `errors` and
// the others are still written. `run_dir` locates timeline.png for the summary's image.
CiOutputResult write_ci_outputs(const RunAnalysis& analysis, const std::string& run_dir, const OutputOptions& options,
                                const CiEnvironment& env);

}  // namespace memgate::report
