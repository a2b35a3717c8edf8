#include "compare/compare_gate.h"

#include "memgate/error.h"
#include "report/junit.h"

namespace memgate::compare {

namespace {

std::size_t count(const std::map<std::string, std::size_t>& counts, const char* outcome) {
  const auto it = counts.find(outcome);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

Outcome combined_outcome(const std::map<std::string, std::size_t>& counts) {
  if (count(counts, "fail") > 0) return Outcome::fail;
  if (count(counts, "inconclusive") > 0) return Outcome::inconclusive;
  return Outcome::pass;
}

std::vector<CheckResult> gate_results(const std::vector<VariantSummary>& variants) {
  std::vector<CheckResult> out;
  for (const auto& v : variants) {
    const std::string runs = " of " + std::to_string(v.runs) + " runs";
    if (v.target_failures > 0)
      out.push_back({v.variant.label + ": target",
                     Outcome::fail,
                     "the target failed in " + std::to_string(v.target_failures) + runs +
                         (v.problems.empty() ? "" : ": " + v.problems.front()),
                     {}});
    for (const auto& [id, counts] : v.checks) {
      const Outcome outcome = combined_outcome(counts);
      std::string summary = v.variant.label + " " + id + ": ";
      bool first = true;
      for (const char* o : {"fail", "inconclusive", "pass"})
        if (const std::size_t n = count(counts, o); n > 0) {
          summary += (first ? "" : ", ") + std::to_string(n) + runs + " " + o;
          first = false;
        }
      out.push_back({v.variant.label + ": " + id, outcome, summary, {}});
    }
  }
  return out;
}

std::string compare_junit_xml(const std::vector<VariantSummary>& variants, double duration_s,
                              const record::RunMeta& first_run, ExitCode exit_code) {
  report::RunAnalysis a;
  // The comparison's command, host and start are its first run's; notes and sampler
  // figures belong to that run alone and stay in its own report.
  a.meta = first_run;
  a.meta.notes.clear();
  std::string labels;
  for (const auto& v : variants) labels += (labels.empty() ? "" : ",") + v.variant.label;
  a.meta.samplers = {{"alloc", {{"expected", labels}}}};
  a.checks = gate_results(variants);
  a.verdict = combine(a.checks);
  a.exit_code = exit_code;
  a.summary.duration_s = duration_s;
  for (const auto& v : variants)
    if (v.target_failures > 0 && a.target_problem.empty())
      a.target_problem = v.variant.label + ": " + (v.problems.empty() ? "the target failed" : v.problems.front());
  return report::junit_xml(a, "memgate compare");
}

Require parse_require(const std::string& text) {
  if (text == "pass") return Require::pass;
  if (text == "no-fail") return Require::no_fail;
  throw Error(ExitCode::usage, "--require '" + text + "': expected pass (every run PASS) or no-fail (no run FAIL)");
}

ExitCode gate_exit_code(const std::vector<VariantSummary>& variants, Require require) {
  if (require == Require::none) return ExitCode::pass;
  bool fail = false, inconclusive = false;
  for (const auto& v : variants) {
    fail = fail || count(v.verdicts, "fail") > 0 || v.target_failures > 0;
    inconclusive = inconclusive || count(v.verdicts, "inconclusive") > 0;
  }
  if (fail) return ExitCode::check_failed;
  if (inconclusive && require == Require::pass) return ExitCode::inconclusive;
  return ExitCode::pass;
}

}  // namespace memgate::compare
