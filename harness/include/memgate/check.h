// Check results and the verdict built from them: the plain values every check
// (budget, plateau, burst recovery, allocator...) produces and every writer consumes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memgate {

// Three-valued on purpose: a gate must be able to say "run longer" instead of guessing.
enum class Outcome { pass, fail, inconclusive };

std::string_view to_string(Outcome outcome);

// One named number behind a check result, e.g. {"peak", 123456, "bytes"}.
struct Figure {
  std::string name;
  double value = 0;
  std::string unit;  // "bytes", "count", "s", "bytes/h", "%"...
};

struct CheckResult {
  std::string id;  // stable machine name, e.g. "rss-budget"
  Outcome outcome = Outcome::inconclusive;
  std::string summary;  // one sentence a person can act on
  std::vector<Figure> figures;
};

// Process-level exit codes of memgate itself (documented in the README).
enum class ExitCode : int {
  pass = 0,
  check_failed = 1,
  inconclusive = 2,
  usage = 3,
  target_failed = 4,  // could not start, crashed, or exited non-zero on its own
  internal = 5,
};

struct Verdict {
  Outcome outcome = Outcome::pass;
  std::string reason;
};

// FAIL if any check fails, else INCONCLUSIVE if any is, else PASS.
Verdict combine(const std::vector<CheckResult>& checks);

ExitCode exit_code_for(Outcome outcome);

}  // namespace memgate
