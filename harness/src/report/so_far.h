// The answer so far of a run that has not finished (a soak still going, or one whose
// memgate was killed): the verdict of every check but run-complete, and what each
// undecided check still needs. report.json "progress", the terminal summary, the live
// line and the interim reports all say it the same way.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_analysis.h"

namespace memgate::report {

struct SoFar {
  Verdict verdict;                            // of the checks other than run-complete
  std::vector<const CheckResult*> undecided;  // the inconclusive ones among them (pointers into the analysis)
};
SoFar verdict_so_far(const RunAnalysis& a);

// report.json "progress": null for a finished run.
nlohmann::json progress_json(const RunAnalysis& a);

// "no check failed so far", "so far FAIL (failed: rss-budget)", "so far INCONCLUSIVE
// (inconclusive: rss-plateau)": the checks other than run-complete, never "PASS".
std::string so_far_text(const RunAnalysis& a);

// The terminal summary's lines for an unfinished run ("" for a finished one): whether it
// is still going, the verdict so far and what would decide it.
std::string progress_text(const RunAnalysis& a);

}  // namespace memgate::report
