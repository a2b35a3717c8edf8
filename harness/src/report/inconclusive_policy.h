// What an INCONCLUSIVE verdict means to a CI gate (`--inconclusive fail|pass|neutral`):
// the exit code and the JUnit outcome of inconclusive checks. The verdict itself stays
// INCONCLUSIVE in every output; only how a gate acts on it changes.
#pragma once

#include <optional>
#include <string_view>

#include "memgate/check.h"

namespace memgate::report {

enum class InconclusivePolicy {
  neutral,  // exit 2, JUnit <skipped> (the default: "run longer" is neither pass nor fail)
  fail,     // exit 1, JUnit <failure type="inconclusive">
  pass,     // exit 0, JUnit passed (the figures say why it could not judge)
};

std::string_view to_string(InconclusivePolicy policy);
std::optional<InconclusivePolicy> parse_inconclusive_policy(std::string_view text);

// The exit code under the policy: only the inconclusive verdict's code changes.
ExitCode apply_inconclusive_policy(ExitCode code, InconclusivePolicy policy);

// How one check's outcome counts in JUnit, annotations and summaries under the policy.
Outcome gate_outcome(Outcome outcome, InconclusivePolicy policy);

}  // namespace memgate::report
