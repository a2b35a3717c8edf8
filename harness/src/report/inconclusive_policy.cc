#include "report/inconclusive_policy.h"

namespace memgate::report {

std::string_view to_string(InconclusivePolicy policy) {
  switch (policy) {
    case InconclusivePolicy::fail: return "fail";
    case InconclusivePolicy::pass: return "pass";
    case InconclusivePolicy::neutral: break;
  }
  return "neutral";
}

std::optional<InconclusivePolicy> parse_inconclusive_policy(std::string_view text) {
  for (const auto p : {InconclusivePolicy::neutral, InconclusivePolicy::fail, InconclusivePolicy::pass})
    if (text == to_string(p)) return p;
  return std::nullopt;
}

Outcome gate_outcome(Outcome outcome, InconclusivePolicy policy) {
  if (outcome != Outcome::inconclusive) return outcome;
  switch (policy) {
    case InconclusivePolicy::fail: return Outcome::fail;
    case InconclusivePolicy::pass: return Outcome::pass;
    case InconclusivePolicy::neutral: break;
  }
  return outcome;
}

ExitCode apply_inconclusive_policy(ExitCode code, InconclusivePolicy policy) {
  // An inconclusive verdict exits as the outcome the policy counts it as.
  return code == ExitCode::inconclusive ? exit_code_for(gate_outcome(Outcome::inconclusive, policy)) : code;
}

}  // namespace memgate::report
