#include "compare/aggregate.h"

#include <algorithm>
#include <cmath>

namespace memgate::compare {

namespace {
constexpr std::size_t kMaxProblemsListed = 3;
}

Spread spread_of(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  Spread s;
  s.n = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  const std::size_t mid = values.size() / 2;
  s.median = values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return s;
}

std::vector<VariantSummary> aggregate(const std::vector<Variant>& variants, const std::vector<RunFigures>& runs) {
  std::vector<VariantSummary> out;
  for (const auto& variant : variants) {
    VariantSummary s;
    s.variant = variant;
    std::map<std::string, std::vector<double>> values;
    for (const auto& run : runs) {
      if (run.variant != variant.label) continue;
      ++s.runs;
      if (!run.problem.empty()) {
        ++s.target_failures;
        if (s.problems.size() < kMaxProblemsListed &&
            std::find(s.problems.begin(), s.problems.end(), run.problem) == s.problems.end())
          s.problems.push_back(run.problem);
      }
      if (run.allocator_verified && !*run.allocator_verified) {
        ++s.unverified;
        const std::string why = run.mismatch.empty() ? "allocator not verified" : run.mismatch;
        if (s.problems.size() < kMaxProblemsListed &&
            std::find(s.problems.begin(), s.problems.end(), why) == s.problems.end())
          s.problems.push_back(why);
      }
      for (const auto& [key, value] : run.values) values[key].push_back(value);
      for (const auto& [name, figures] : run.windows) s.window_figures[name].push_back(figures);
      if (s.work_unit.empty()) s.work_unit = run.work_unit;
      if (s.cost_basis.empty()) s.cost_basis = run.cost_basis;
      for (const auto& note : run.notes)
        if (std::find(s.notes.begin(), s.notes.end(), note) == s.notes.end()) s.notes.push_back(note);
      for (const auto& [id, outcome] : run.checks) ++s.checks[id][outcome];
      if (!run.verdict.empty()) ++s.verdicts[run.verdict];
    }
    for (auto& [key, list] : values) {
      const Spread spread = spread_of(list);
      if (spread.n > 0) {
        s.metrics[key] = spread;
        s.values[key] = std::move(list);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace memgate::compare
