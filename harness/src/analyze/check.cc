#include "memgate/check.h"
#include "memgate/units.h"

namespace memgate {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

Verdict combine(const std::vector<CheckResult>& checks) {
  Verdict verdict;
  if (checks.empty()) {
    verdict.reason = "no checks were selected";
    return verdict;
  }
  std::string failed, undecided;
  auto append = [](std::string& list, const std::string& id) { list += (list.empty() ? "" : ", ") + id; };
  for (const auto& check : checks) {
    if (check.outcome == Outcome::fail) append(failed, check.id);
    if (check.outcome == Outcome::inconclusive) append(undecided, check.id);
  }
  if (!failed.empty()) {
    verdict.outcome = Outcome::fail;
    verdict.reason = "failed: " + failed;
  } else if (!undecided.empty()) {
    verdict.outcome = Outcome::inconclusive;
    verdict.reason = "inconclusive: " + undecided;
  } else {
    verdict.reason =
        checks.size() == 1 ? "its one check passed" : "all " + count_noun(checks.size(), "check", "checks") + " passed";
  }
  return verdict;
}

ExitCode exit_code_for(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return ExitCode::pass;
    case Outcome::fail: return ExitCode::check_failed;
    case Outcome::inconclusive: return ExitCode::inconclusive;
  }
  return ExitCode::internal;
}

}  // namespace memgate
