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
      for (const auto& [id, outcome] : run.checks) ++s.checks[id][outcome];
      if (!run.verdict.empty()) ++s.verdicts[run.verdict];
    }
    for (auto& [key, list] : values) {
      const Spread spread = spread_of(std::move(list));
      if (spread.n > 0) s.metrics[key] = spread;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string_view to_string(Difference d) {
  switch (d) {
    case Difference::same: return "same";
    case Difference::better: return "better";
    case Difference::worse: return "worse";
    case Difference::unknown: break;
  }
  return "unknown";
}

Contrast contrast(const Spread& candidate, const Spread& baseline, Better better, double min_effect) {
  Contrast c;
  if (candidate.n == 0 || baseline.n == 0) {
    c.why = "not measured";
    return c;
  }
  const double scale = std::abs(baseline.median);
  const double delta = candidate.median - baseline.median;
  c.relative = scale > 0 ? delta / scale : (delta == 0 ? 0.0 : std::copysign(INFINITY, delta));
  const int pct = static_cast<int>(std::lround(min_effect * 100));
  if (std::abs(c.relative) < min_effect) {
    c.difference = Difference::same;
    c.why = "within " + std::to_string(pct) + " %";
    return c;
  }
  if (candidate.n < 2 || baseline.n < 2) {
    c.why = std::to_string(candidate.n) + " vs " + std::to_string(baseline.n) + " runs: too few to tell from noise";
    return c;
  }
  const bool all_above = candidate.min > baseline.max;
  const bool all_below = candidate.max < baseline.min;
  if (!all_above && !all_below) {
    c.why = "ranges overlap";
    return c;
  }
  c.why = all_below ? "every run below" : "every run above";
  if (better == Better::neither) {
    c.difference = Difference::unknown;
    c.why += " (no better direction)";
  } else {
    const bool higher_is_better = better == Better::higher;
    c.difference = (all_above == higher_is_better) ? Difference::better : Difference::worse;
  }
  return c;
}

}  // namespace memgate::compare
