#include "analyze/trend_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "memgate/error.h"

namespace memgate::analyze {

constexpr double kBatchExponent = 0.5;  // batch (and bootstrap block) length sqrt(n): the usual bias-variance balance
// 199 resamples estimate Var(S) to about +-10 %; the fixed seed makes verdicts reproducible.
constexpr std::size_t kBootstrapReplicates = 199;
constexpr std::uint64_t kBootstrapSeed = 0x6d656d6761746531ull;

namespace {

double median_in_place(std::vector<double>& x) {
  if (x.empty()) return 0;
  const std::size_t mid = x.size() / 2;
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid), x.end());
  const double upper = x[mid];
  if (x.size() % 2) return upper;
  const double lower = *std::max_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

std::size_t block_length(std::size_t n) {
  return static_cast<std::size_t>(std::ceil(std::pow(static_cast<double>(n), kBatchExponent)));
}

// 0-based dense ranks (equal values share a rank) and the number of distinct values.
std::vector<std::uint32_t> dense_ranks(std::span<const double> x, std::size_t& distinct) {
  std::vector<std::uint32_t> order(x.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
  std::vector<std::uint32_t> ranks(x.size());
  distinct = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && x[order[i]] != x[order[i - 1]]) ++distinct;
    ranks[order[i]] = static_cast<std::uint32_t>(distinct);
  }
  if (!x.empty()) ++distinct;
  return ranks;
}

// S over a sequence of dense ranks: for each point, earlier smaller minus earlier larger
// ones, counted with a Fenwick tree (`tree` is scratch space, resized here).
double kendall_s_of_ranks(std::span<const std::uint32_t> ranks, std::size_t distinct,
                          std::vector<std::uint32_t>& tree) {
  tree.assign(distinct + 1, 0);
  const auto count_up_to = [&](std::size_t r) {  // earlier points with rank < r
    std::uint64_t c = 0;
    for (; r > 0; r &= r - 1) c += tree[r];
    return c;
  };
  double s = 0;
  for (std::size_t j = 0; j < ranks.size(); ++j) {
    const std::size_t r = ranks[j];
    const std::uint64_t smaller = count_up_to(r), not_larger = count_up_to(r + 1);
    s += static_cast<double>(smaller) - static_cast<double>(j - not_larger);
    for (std::size_t k = r + 1; k <= distinct; k += k & (~k + 1)) ++tree[k];
  }
  return s;
}

// Var(S) of `values` under independence, with the tie correction: groups of equal values
// carry no ordering information.
double independent_var_s(std::span<const double> values) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const double nn = static_cast<double>(n);
  double ties = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && sorted[j] == sorted[i]) ++j;
    const double g = static_cast<double>(j - i);
    ties += g * (g - 1) * (2 * g + 5);
    i = j;
  }
  return (nn * (nn - 1) * (2 * nn + 5) - ties) / 18;
}

// The intercept of a robust line with a given slope: median of v - slope * t.
double line_intercept(std::span<const double> t_s, std::span<const double> values, double slope) {
  std::vector<double> offsets(std::min(t_s.size(), values.size()));
  for (std::size_t i = 0; i < offsets.size(); ++i) offsets[i] = values[i] - slope * t_s[i];
  return median_in_place(offsets);
}

// Overlapping batch means (Meketon & Schmeiser 1984): the long-run variance of the
// residuals divided by their variance, i.e. the factor by which serial correlation
// inflates the variance of averages over the window.
double batch_means_inflation(std::span<const double> r) {
  const std::size_t n = r.size();
  const std::size_t b = block_length(n);
  if (n < 8 || b < 2 || b >= n / 2) return 1;
  double mean = 0, variance = 0;
  for (double x : r) mean += x;
  mean /= static_cast<double>(n);
  for (double x : r) variance += (x - mean) * (x - mean);
  variance /= static_cast<double>(n - 1);
  if (!(variance > 0)) return 1;
  double window = 0, spread = 0;
  for (std::size_t i = 0; i < n; ++i) {
    window += r[i];
    if (i >= b) window -= r[i - b];
    if (i + 1 >= b) spread += (window / static_cast<double>(b) - mean) * (window / static_cast<double>(b) - mean);
  }
  const double nb = static_cast<double>(n), bb = static_cast<double>(b);
  const double long_run = nb * bb / ((nb - bb) * (nb - bb + 1)) * spread;
  return std::max(1.0, long_run / variance);
}

}  // namespace

double median(std::vector<double> x) { return median_in_place(x); }

ReducedSeries reduce_series(std::span<const double> t_s, std::span<const double> values, std::size_t max_points) {
  if (t_s.size() != values.size())
    throw Error(ExitCode::internal, "trend: " + std::to_string(t_s.size()) + " times for " +
                                        std::to_string(values.size()) + " values; pass one time per value");
  ReducedSeries out;
  std::vector<double> t, v;
  t.reserve(t_s.size());
  v.reserve(values.size());
  for (std::size_t i = 0; i < t_s.size(); ++i) {
    if (!std::isfinite(t_s[i]) || !std::isfinite(values[i])) {
      ++out.dropped_points;
      continue;
    }
    if (!t.empty()) {
      if (t_s[i] < t.back())
        throw Error(ExitCode::internal, "trend: sample times must ascend (t=" + std::to_string(t_s[i]) +
                                            " s after t=" + std::to_string(t.back()) + " s); sort the series by time");
      out.largest_gap_s = std::max(out.largest_gap_s, t_s[i] - t.back());
    }
    t.push_back(t_s[i]);
    v.push_back(values[i]);
  }
  out.finite_points = t.size();
  max_points = std::max<std::size_t>(max_points, 2);
  if (t.size() <= max_points || t.back() <= t.front()) {
    out.t_s = std::move(t);
    out.values = std::move(v);
    return out;
  }
  const double t0 = t.front();
  const double width = (t.back() - t0) / static_cast<double>(max_points);
  out.t_s.reserve(max_points);
  out.values.reserve(max_points);
  std::vector<double> scratch;
  std::size_t begin = 0;
  while (begin < t.size()) {
    const auto bucket = std::min(max_points - 1, static_cast<std::size_t>((t[begin] - t0) / width));
    const double bucket_end = t0 + width * static_cast<double>(bucket + 1);
    std::size_t end = begin + 1;
    while (end < t.size() && (bucket == max_points - 1 || t[end] < bucket_end)) ++end;
    double t_sum = 0;
    for (std::size_t i = begin; i < end; ++i) t_sum += t[i];
    scratch.assign(v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end));
    out.t_s.push_back(t_sum / static_cast<double>(end - begin));
    out.values.push_back(median_in_place(scratch));
    begin = end;
  }
  return out;
}

double autocorrelation(std::span<const double> x, std::size_t lag) {
  const std::size_t n = x.size();
  if (n < 3 || lag == 0 || lag >= n) return lag == 0 ? 1 : 0;
  double mean = 0;
  for (double value : x) mean += value;
  mean /= static_cast<double>(n);
  double denominator = 0, numerator = 0;
  for (std::size_t i = 0; i < n; ++i) denominator += (x[i] - mean) * (x[i] - mean);
  for (std::size_t i = lag; i < n; ++i) numerator += (x[i] - mean) * (x[i - lag] - mean);
  return denominator > 0 ? numerator / denominator : 0;
}

double block_bootstrap_inflation(std::span<const double> residuals, std::size_t replicates, std::uint64_t seed) {
  const std::size_t n = residuals.size(), b = block_length(n);
  if (n < 8 || b < 2 || b >= n / 2 || replicates == 0) return 1;
  const double var_s = independent_var_s(residuals);
  if (!(var_s > 0)) return 1;
  std::size_t distinct = 0;
  const std::vector<std::uint32_t> ranks = dense_ranks(residuals, distinct);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> start(0, n - 1);
  std::vector<std::uint32_t> resample(n), tree;
  double sum_sq = 0;  // around 0: S of detrended residuals has no trend to centre on
  for (std::size_t rep = 0; rep < replicates; ++rep) {
    for (std::size_t i = 0; i < n;)
      for (std::size_t k = 0, from = start(rng); k < b && i < n; ++k) resample[i++] = ranks[(from + k) % n];
    const double s = kendall_s_of_ranks(resample, distinct, tree);
    sum_sq += s * s;
  }
  return std::max(1.0, sum_sq / static_cast<double>(replicates) / var_s);
}

double ar1_coefficient(std::span<const double> residuals) {
  const auto n = static_cast<double>(residuals.size());
  if (residuals.size() < 8) return 0;
  return std::clamp((n * autocorrelation(residuals, 1) + 1) / (n - 4), 0.0, 0.99);
}

std::vector<double> prewhiten(std::span<const double> x, double rho) {
  std::vector<double> out;
  if (x.size() < 2) return out;
  out.reserve(x.size() - 1);
  for (std::size_t i = 1; i < x.size(); ++i) out.push_back(x[i] - rho * x[i - 1]);
  return out;
}

double kendall_s(std::span<const double> values) {
  std::size_t distinct = 0;
  const std::vector<std::uint32_t> ranks = dense_ranks(values, distinct);
  std::vector<std::uint32_t> tree;
  return kendall_s_of_ranks(ranks, distinct, tree);
}

double variance_inflation(std::span<const double> residuals, AutocorrelationCorrection mode) {
  const std::size_t n = residuals.size();
  if (mode == AutocorrelationCorrection::none || mode == AutocorrelationCorrection::prewhitening ||
      mode == AutocorrelationCorrection::tfpw || n < 4)
    return 1;
  if (mode == AutocorrelationCorrection::block_bootstrap)
    return block_bootstrap_inflation(residuals, kBootstrapReplicates, kBootstrapSeed);
  // Hamed & Rao (1998): Var*(S)/Var(S) = 1 + 2/(n(n-1)(n-2)) * sum_k (n-k)(n-k-1)(n-k-2) rho_k.
  const double nn = static_cast<double>(n);
  const double norm = nn * (nn - 1) * (nn - 2);
  const auto weight = [&](std::size_t k) {
    const double m = nn - static_cast<double>(k);
    return m * (m - 1) * (m - 2) / norm;
  };
  if (mode == AutocorrelationCorrection::batch_means) return batch_means_inflation(residuals);
  if (mode == AutocorrelationCorrection::adaptive) {
    const double batch = batch_means_inflation(residuals);
    for (std::size_t k = 1; k <= n / 4; ++k)
      if (autocorrelation(residuals, k) < -0.25) return batch;  // periodic: it averages out
    // Aperiodic: the AR(1) model, unless batch means rejects it. On a short run batch
    // means sees only n/b (~16) batches, so its estimate is noisy (relative standard
    // deviation sqrt(4b / 3n), Meketon & Schmeiser 1984): taking the larger of the two
    // took the upward noise too, and cost power on every short run. Noise with a slow
    // part that lag 1 does not see (fast jitter over a slow drift) makes batch means
    // exceed the AR(1) figure by more than that noise, and then it is used.
    const double ar1 = variance_inflation(residuals, AutocorrelationCorrection::lag1);
    const double relative_sd = std::sqrt(4.0 * static_cast<double>(block_length(n)) / (3.0 * static_cast<double>(n)));
    return batch > ar1 * (1 + 2 * relative_sd) ? batch : ar1;
  }
  double sum = 0;
  if (mode == AutocorrelationCorrection::lag1) {
    // AR(1) model: rho_k = rho_1^k, with rho_1 bias-corrected (the raw lag-1 estimate of a
    // short detrended run is low, most where the noise is slowest). Negative rho_1 would
    // deflate; memory never needs that.
    const double rho = ar1_coefficient(residuals);
    double rho_k = rho;
    for (std::size_t k = 1; k + 2 < n && rho_k > 1e-9; ++k, rho_k *= rho) sum += weight(k) * rho_k;
  } else {
    // Empirical lags until the first non-positive one: beyond it the estimates are noise.
    for (std::size_t k = 1; k + 2 < n && k <= n / 2; ++k) {
      const double rho = autocorrelation(residuals, k);
      if (rho <= 0) break;
      sum += weight(k) * rho;
    }
  }
  return std::max(1.0, 1 + 2 * sum);
}

MannKendall mann_kendall(std::span<const double> values, double inflation) {
  MannKendall mk;
  const std::size_t n = values.size();
  if (n < 3) return mk;
  mk.s = kendall_s(values);
  mk.var_s = independent_var_s(values);
  mk.var_s_corrected = mk.var_s * std::max(1.0, inflation);
  if (mk.var_s_corrected > 0) {
    const double numerator = mk.s > 0 ? mk.s - 1 : (mk.s < 0 ? mk.s + 1 : 0);
    mk.z = numerator / std::sqrt(mk.var_s_corrected);
    mk.p_increasing = normal_upper_tail(mk.z);
  } else {
    mk.p_increasing = 1;  // a constant series shows no upward trend
  }
  return mk;
}

SenSlope theil_sen(std::span<const double> t_s, std::span<const double> values, double var_s, double confidence) {
  SenSlope sen;
  const std::size_t n = std::min(t_s.size(), values.size());
  std::vector<double> slopes;
  slopes.reserve(n * (n - (n > 0)) / 2);
  for (std::size_t i = 0; i + 1 < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (t_s[j] > t_s[i]) slopes.push_back((values[j] - values[i]) / (t_s[j] - t_s[i]));
  if (slopes.empty()) return sen;
  const auto count = static_cast<long>(slopes.size());
  const long mid = count / 2;
  const auto at = [&](long k) { return slopes.begin() + k; };
  std::nth_element(slopes.begin(), at(mid), slopes.end());
  sen.slope = slopes[static_cast<std::size_t>(mid)];
  if (count % 2 == 0) sen.slope = 0.5 * (sen.slope + *std::max_element(slopes.begin(), at(mid)));
  // Gilbert (1987): the bounds are the order statistics (N -+ z sqrt(Var S)) / 2.
  const double c = normal_quantile(0.5 + 0.5 * confidence) * std::sqrt(std::max(0.0, var_s));
  const long low = std::clamp(static_cast<long>(std::floor((static_cast<double>(count) - c) / 2)) - 1, 0L, mid);
  const long high = std::clamp(static_cast<long>(std::ceil((static_cast<double>(count) + c) / 2)), mid, count - 1);
  std::nth_element(slopes.begin(), at(low), at(mid));
  sen.low = std::min(slopes[static_cast<std::size_t>(low)], sen.slope);
  std::nth_element(at(mid), at(high), slopes.end());
  sen.high = std::max(slopes[static_cast<std::size_t>(high)], sen.slope);
  sen.intercept = line_intercept(t_s, values, sen.slope);
  return sen;
}

namespace {

// The plain tests on the whitened series, with Var(S) scaled by `small_sample`.
TrendEstimate whitened_trend(std::span<const double> t_s, std::span<const double> values, const SenSlope& point,
                             std::span<const double> residuals, AutocorrelationCorrection mode, double rho,
                             double small_sample, double confidence) {
  TrendEstimate e;
  std::vector<double> wt, wv;
  if (mode == AutocorrelationCorrection::prewhitening) {
    wt = prewhiten(t_s, rho);
    wv = prewhiten(values, rho);
    // After a sampler gap the whitened times can step back: keep the test in time order.
    std::vector<std::size_t> order(wt.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return wt[a] < wt[b]; });
    std::vector<double> st(wt.size()), sv(wv.size());
    for (std::size_t i = 0; i < order.size(); ++i) st[i] = wt[order[i]], sv[i] = wv[order[i]];
    wt.swap(st);
    wv.swap(sv);
  } else {
    wt.assign(t_s.begin() + (t_s.empty() ? 0 : 1), t_s.end());
    wv = prewhiten(residuals, rho);
    for (std::size_t i = 0; i < wv.size(); ++i) wv[i] += point.slope * wt[i];
  }
  e.mk = mann_kendall(wv, small_sample);
  e.sen = theil_sen(wt, wv, e.mk.var_s_corrected, confidence);
  e.sen.intercept = line_intercept(t_s, values, e.sen.slope);
  return e;
}

// (t / z)^2 at the interval's upper quantile for effective_n - 2 degrees of freedom,
// effective_n floored at kMinEffectiveN (below it the verdict is INCONCLUSIVE anyway).
double small_sample_factor(double effective_n, double confidence) {
  const double p = 0.5 + 0.5 * confidence;
  const double ratio = student_t_quantile(p, std::max(effective_n, kMinEffectiveN) - 2) / normal_quantile(p);
  return ratio * ratio;
}

}  // namespace

TrendEstimate estimate_trend(std::span<const double> t_s, std::span<const double> values,
                             AutocorrelationCorrection mode, double confidence, bool student_t) {
  const SenSlope point = theil_sen(t_s, values, 0, confidence);
  std::vector<double> residuals(std::min(t_s.size(), values.size()));
  for (std::size_t i = 0; i < residuals.size(); ++i)
    residuals[i] = values[i] - (point.intercept + point.slope * t_s[i]);
  const bool whiten = mode == AutocorrelationCorrection::prewhitening || mode == AutocorrelationCorrection::tfpw;
  const double n = static_cast<double>(residuals.size());
  double inflation = 1, rho = 0;
  if (whiten) {
    rho = ar1_coefficient(residuals);
    if (mode == AutocorrelationCorrection::prewhitening) inflation = (1 + rho) / (1 - rho);
  } else {
    inflation = variance_inflation(residuals, mode);
  }
  // Capped where effective_n would fall below the floor: the interval there is only a
  // finite stand-in, the verdict is INCONCLUSIVE.
  const double applied = std::min(inflation, std::max(1.0, n / kMinEffectiveN));
  const double small_sample = student_t ? small_sample_factor(n / applied, confidence) : 1;
  TrendEstimate e;
  if (whiten) {
    e = whitened_trend(t_s, values, point, residuals, mode, rho, small_sample, confidence);
  } else {
    e.mk = mann_kendall(values, applied * small_sample);
    e.sen = theil_sen(t_s, values, e.mk.var_s_corrected, confidence);
  }
  e.variance_inflation = inflation;
  e.rho = rho;
  e.effective_n = n / inflation;
  e.small_sample = small_sample;
  return e;
}

double student_t_quantile(double p, double df) {
  if (!(df > 0)) throw Error(ExitCode::internal, "student_t_quantile: degrees of freedom must be > 0");
  if (std::isinf(df)) return normal_quantile(p);
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), std::clamp(p, 1e-15, 1 - 1e-15));
}

double normal_upper_tail(double z) {
  if (std::isnan(z)) return z;
  if (std::isinf(z)) return z > 0 ? 0 : 1;
  return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), z));
}

double normal_quantile(double p) {
  return boost::math::quantile(boost::math::normal_distribution<double>(), std::clamp(p, 1e-15, 1 - 1e-15));
}

std::size_t detect_warmup(std::span<const double> t_s, std::span<const double> values, double max_fraction) {
  const std::size_t n = std::min(t_s.size(), values.size());
  if (n < 8) return 0;
  const auto last_cut =
      std::min(n - 4, static_cast<std::size_t>(std::clamp(max_fraction, 0.0, 1.0) * static_cast<double>(n)));
  // Centre both axes so the running sums keep their precision on byte-sized values.
  const double t0 = t_s[0], v0 = values[0];
  double st = 0, sv = 0, stt = 0, svv = 0, stv = 0;
  std::vector<double> objective(n, 0);
  for (std::size_t i = n; i-- > 0;) {
    const double t = t_s[i] - t0, v = values[i] - v0;
    st += t, sv += v, stt += t * t, svv += v * v, stv += t * v;
    const double k = static_cast<double>(n - i);
    if (n - i < 3) continue;
    const double ctt = stt - st * st / k, ctv = stv - st * sv / k, cvv = svv - sv * sv / k;
    const double sse = std::max(0.0, ctt > 0 ? cvv - ctv * ctv / ctt : cvv);
    objective[i] = sse / (k * k);
  }
  std::size_t best = 0;
  for (std::size_t d = 1; d <= last_cut; ++d)
    if (objective[d] < objective[best]) best = d;
  return best;
}

LinearFit least_squares(std::span<const double> t_s, std::span<const double> values) {
  LinearFit fit;
  const std::size_t n = std::min(t_s.size(), values.size());
  if (n < 2) return fit;
  double mt = 0, mv = 0;
  for (std::size_t i = 0; i < n; ++i) mt += t_s[i], mv += values[i];
  mt /= static_cast<double>(n);
  mv /= static_cast<double>(n);
  double stt = 0, stv = 0, svv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = t_s[i] - mt, dv = values[i] - mv;
    stt += dt * dt, stv += dt * dv, svv += dv * dv;
  }
  if (stt > 0) fit.slope = stv / stt;
  fit.intercept = mv - fit.slope * mt;
  fit.r_squared = (stt > 0 && svv > 0) ? (stv * stv) / (stt * svv) : 0;
  return fit;
}

}  // namespace memgate::analyze
