// GitHub Actions workflow commands for a run (`::error title=...::message`), printed
// when GITHUB_ACTIONS=true so failed checks show on the workflow run and pull request:
// ::error for a failed check (or an inconclusive one under --inconclusive fail) and for a
// target that failed, ::warning for an inconclusive check.
#pragma once

#include <string>

#include "report/run_analysis.h"

namespace memgate::report {

// GitHub's escaping: in the message '%', '\r', '\n'; in a property value also ':' and ','.
std::string escape_annotation_message(const std::string& text);
std::string escape_annotation_property(const std::string& text);

// One line per annotation, each ending in '\n'; empty for a run that passed.
// `title` prefixes each annotation's title (the JUnit suite name).
std::string github_annotations(const RunAnalysis& analysis, const std::string& title);

}  // namespace memgate::report
