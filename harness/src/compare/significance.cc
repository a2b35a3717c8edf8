#include "compare/significance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace memgate::compare {

namespace {

constexpr std::size_t kExactUpTo = 2500;  // n * m: ~1 MB of counts at most

std::vector<double> finite(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  return v;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Counts of U = u for samples of n and m (all additions: the tails stay exact where the
// Gaussian-binomial product form would cancel). counts[m'][u] for n' = 0..n.
std::vector<double> exact_counts(std::size_t n, std::size_t m) {
  std::vector<std::vector<double>> prev(m + 1, std::vector<double>(1, 1.0));  // n' = 0: only U = 0
  for (std::size_t k = 1; k <= n; ++k) {
    std::vector<std::vector<double>> cur(m + 1);
    cur[0] = {1.0};
    for (std::size_t j = 1; j <= m; ++j) {
      cur[j].assign(k * j + 1, 0.0);
      // The largest of the k + j values is a candidate (adds j pairs) or a baseline value.
      for (std::size_t u = j; u < cur[j].size() && u - j < prev[j].size(); ++u) cur[j][u] += prev[j][u - j];
      for (std::size_t u = 0; u < cur[j - 1].size(); ++u) cur[j][u] += cur[j - 1][u];
    }
    prev = std::move(cur);
  }
  return prev[m];
}

std::string pct(double relative) {
  char text[32];
  // Rounded first: "-0 %" would read as a loss.
  const double rounded = std::round(relative * 100);
  std::snprintf(text, sizeof text, "%+.0f %%", rounded == 0 ? 0.0 : rounded);
  return text;
}

}  // namespace

std::string_view to_string(Difference d) {
  switch (d) {
    case Difference::same: return "same";
    case Difference::better: return "better";
    case Difference::worse: return "worse";
    case Difference::unknown: break;
  }
  return "unknown";
}

namespace {

// P(U <= u) for u = 0..n*m, computed once per pair of sample sizes.
std::vector<double> cdf_table(std::size_t n, std::size_t m) {
  const std::size_t top = n * m;
  std::vector<double> cdf(top + 1, 1.0);
  if (top == 0) return cdf;
  if (top <= kExactUpTo) {
    const auto counts = exact_counts(n, m);
    double total = 0;
    for (double c : counts) total += c;
    double below = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) cdf[k] = (below += counts[k]) / total;
    return cdf;
  }
  const double mean = static_cast<double>(top) / 2;
  const double sd = std::sqrt(static_cast<double>(top) * static_cast<double>(n + m + 1) / 12);
  for (std::size_t k = 0; k <= top; ++k)
    cdf[k] = 0.5 * std::erfc(-((static_cast<double>(k) + 0.5 - mean) / sd) / std::sqrt(2.0));
  return cdf;
}

double lookup(const std::vector<double>& cdf, double u) {
  if (u < 0) return 0;
  const auto k = static_cast<std::size_t>(std::floor(u));
  return k >= cdf.size() ? 1.0 : cdf[k];
}

}  // namespace

double mann_whitney_cdf(std::size_t n, std::size_t m, double u) {
  if (n == 0 || m == 0) return u >= 0 ? 1.0 : 0.0;
  return lookup(cdf_table(n, m), u);
}

ShiftEstimate hodges_lehmann(std::vector<double> candidate, std::vector<double> baseline, double confidence) {
  candidate = finite(std::move(candidate));
  baseline = finite(std::move(baseline));
  ShiftEstimate e;
  e.n = candidate.size();
  e.m = baseline.size();
  if (e.n == 0 || e.m == 0) return e;
  std::vector<double> diffs;
  diffs.reserve(e.n * e.m);
  double u = 0;  // pairs where the candidate is larger; ties count one half
  for (double c : candidate)
    for (double b : baseline) {
      diffs.push_back(c - b);
      u += c > b ? 1.0 : c == b ? 0.5 : 0.0;
    }
  e.shift = median_of(diffs);
  std::sort(diffs.begin(), diffs.end());
  const auto cdf = cdf_table(e.n, e.m);
  const double lower_tail = lookup(cdf, std::floor(u));
  const double upper_tail = 1 - lookup(cdf, std::ceil(u) - 1);
  e.p_value = std::min(1.0, 2 * std::min(lower_tail, upper_tail));
  // The interval [D(k), D(N-k+1)] covers the shift with 1 - 2 P(U <= k-1): the largest k
  // whose coverage still reaches the requested confidence.
  const double alpha_half = (1 - confidence) / 2;
  const std::size_t total = diffs.size();
  std::size_t k = 0;
  while (k + 1 <= total / 2 && cdf[k] <= alpha_half + 1e-12) ++k;
  if (k >= 1) {
    e.has_interval = true;
    e.low = diffs[k - 1];
    e.high = diffs[total - k];
    e.coverage = 1 - 2 * cdf[k - 1];
  }
  return e;
}

Significance significance(const std::vector<double>& candidate, const std::vector<double>& baseline, Better better,
                          const SignificanceSettings& settings) {
  Significance s;
  s.estimate = hodges_lehmann(candidate, baseline, settings.confidence);
  const auto& e = s.estimate;
  const std::string runs = std::to_string(e.n) + " vs " + std::to_string(e.m) + " runs";
  if (e.n == 0 || e.m == 0) {
    s.why = "not measured";
    return s;
  }
  s.candidate_median = median_of(finite(candidate));
  s.baseline_median = median_of(finite(baseline));
  const double scale = std::abs(s.baseline_median);
  const auto rel = [&](double delta) {
    return scale > 0 ? delta / scale : (delta == 0 ? 0.0 : std::copysign(INFINITY, delta));
  };
  s.relative = rel(e.shift);
  if (e.n < settings.min_runs || e.m < settings.min_runs || !e.has_interval) {
    s.why = runs + ": a difference needs " + std::to_string(settings.min_runs) + " runs each (--repeat " +
            std::to_string(settings.min_runs) + ")";
    return s;
  }
  s.relative_low = rel(e.low);
  s.relative_high = rel(e.high);
  char p[32];
  std::snprintf(p, sizeof p, "p = %.2g", e.p_value);
  const int level = static_cast<int>(std::lround(e.coverage * 100));
  s.why =
      std::to_string(level) + " % CI " + pct(s.relative_low) + " to " + pct(s.relative_high) + ", " + p + ", " + runs;
  const double min = settings.min_effect;
  const bool excludes_zero = e.low > 0 || e.high < 0;
  if (s.relative_low > -min && s.relative_high < min) {
    s.difference = Difference::same;
  } else if (excludes_zero && std::abs(s.relative) < min) {
    s.difference = Difference::same;
    s.why += "; below the " + pct(min).substr(1) + " minimum effect";
  } else if (excludes_zero) {
    if (better == Better::neither) {
      s.why += " (no better direction)";
    } else {
      const bool higher = e.shift > 0;
      s.difference = (higher == (better == Better::higher)) ? Difference::better : Difference::worse;
    }
  } else {
    s.why += ": the interval includes 0 (more repeats or longer runs would narrow it)";
  }
  return s;
}

std::string relative_text(const Significance& s) {
  if (s.estimate.n == 0 || s.estimate.m == 0) return "n/a (not measured)";
  if (s.estimate.has_interval && s.estimate.n >= 3 && s.estimate.m >= 3) {
    const int level = static_cast<int>(std::lround(s.estimate.coverage * 100));
    return pct(s.relative) + " [" + pct(s.relative_low) + ", " + pct(s.relative_high) + "] " + std::to_string(level) +
           " % CI";
  }
  return pct(s.relative) + " (no CI: " + std::to_string(s.estimate.n) + " vs " + std::to_string(s.estimate.m) +
         " runs)";
}

}  // namespace memgate::compare
