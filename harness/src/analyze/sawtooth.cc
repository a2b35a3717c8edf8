#include "analyze/sawtooth.h"

#include <algorithm>
#include <cmath>

#include "analyze/trend_stats.h"

namespace memgate::analyze {

namespace {

// A Gaussian change 5 standard deviations below the typical one: ~3e-7 per point.
constexpr double kDropScales = 5;
// The typical drop clears the threshold by 3 more, so a collection of the usual size is
// missed with probability ~1e-3 (a missed one would read as a fall).
constexpr double kClearMargin = 3;
// A collection gives back at least this share of what the series climbed since the
// previous collection (or the window start): a hash-table resize, a buffer free or the
// end of a load gives back a few percent of a leak's climb and is not one.
constexpr double kMinGiveBack = 0.5;
constexpr std::size_t kMinDrops = 2;  // collections needed: a single one is a free, not a cycle
// Periodicity: autocorrelation of the detrended points beyond -/+ this at the first
// trough / the following peak, over a period of at least this many points.
constexpr double kPeriodicAcf = 0.3;
constexpr std::size_t kMinPeriodPoints = 4;

// Value minus climb * time since the last drop, from the first drop on.
std::vector<double> without(std::span<const double> t_s, std::span<const double> values, std::size_t first,
                            std::span<const double> drop_t_s, double climb) {
  std::vector<double> out;
  out.reserve(values.size() - first);
  std::size_t next = 0;
  for (std::size_t i = first; i < values.size(); ++i) {
    while (next + 1 < drop_t_s.size() && drop_t_s[next + 1] <= t_s[i]) ++next;
    out.push_back(values[i] - climb * (t_s[i] - drop_t_s[next]));
  }
  return out;
}

// Least squares of v on (1, t, tooth) where tooth = time since the last drop of a strict
// period: the residual sum of squares and the climb (coefficient of tooth).
struct ToothFit {
  double sse = INFINITY, climb = 0, slope = 0;
};
ToothFit fit_teeth(std::span<const double> t, std::span<const double> v, double period, double phase) {
  double s[3][3] = {}, r[3] = {}, vv = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double since = t[i] - phase;
    const double x[3] = {1, t[i], since - period * std::floor(since / period)};
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) s[a][b] += x[a] * x[b];
      r[a] += x[a] * v[i];
    }
    vv += v[i] * v[i];
  }
  // Gaussian elimination on the 3x3 normal equations (well scaled: t and tooth are seconds).
  double m[3][4];
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) m[a][b] = s[a][b];
    m[a][3] = r[a];
  }
  for (int c = 0; c < 3; ++c) {
    if (!(std::abs(m[c][c]) > 1e-12)) return {};
    for (int a = c + 1; a < 3; ++a) {
      const double f = m[a][c] / m[c][c];
      for (int b = c; b < 4; ++b) m[a][b] -= f * m[c][b];
    }
  }
  double beta[3];
  for (int a = 2; a >= 0; --a) {
    beta[a] = m[a][3];
    for (int b = a + 1; b < 3; ++b) beta[a] -= m[a][b] * beta[b];
    beta[a] /= m[a][a];
  }
  // SSE = v'v - beta' X'v.
  return {vv - (beta[0] * r[0] + beta[1] * r[1] + beta[2] * r[2]), beta[2], beta[1]};
}

// A sawtooth whose single drops are lost in the noise still repeats: the autocorrelation
// of the detrended points peaks at the period. The period and the phase of the drops are
// then fitted (least squares of a strictly periodic tooth), and every drop is dated from
// them. Empty when there is no clear period.
std::vector<double> periodic_drops(std::span<const double> t, std::span<const double> v, std::string& why_not) {
  const std::size_t n = std::min(t.size(), v.size());
  why_not = "no period in the autocorrelation";
  if (n < 4 * kMinPeriodPoints) return {};
  double mt = 0, mv = 0;
  for (std::size_t i = 0; i < n; ++i) mt += t[i], mv += v[i];
  mt /= static_cast<double>(n), mv /= static_cast<double>(n);
  double stt = 0, stv = 0;
  for (std::size_t i = 0; i < n; ++i) stt += (t[i] - mt) * (t[i] - mt), stv += (t[i] - mt) * (v[i] - mv);
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = v[i] - mv - stv / stt * (t[i] - mt);
  const std::size_t max_lag = 3 * n / 4;  // room for the second period of 3 in the window
  std::vector<double> acf(max_lag + 1, 0.0);
  for (std::size_t lag = 0; lag <= max_lag; ++lag)
    for (std::size_t i = 0; i + lag < n; ++i) acf[lag] += r[i] * r[i + lag];
  if (!(acf[0] > 0)) return {};
  // Each lag over the pairs it has, so a late period is not shrunk towards 0.
  const double variance = acf[0] / static_cast<double>(n);
  for (std::size_t lag = 0; lag <= max_lag; ++lag) acf[lag] /= variance * static_cast<double>(n - lag);
  // Follows the autocorrelation from `at` to its local extreme, over wiggles of a lag or two.
  const auto settle = [&](std::size_t at, bool down) {
    for (bool moved = true; moved;) {
      moved = false;
      for (std::size_t step = 1; step <= 2 && at + step <= max_lag && !moved; ++step)
        if (down ? acf[at + step] < acf[at] : acf[at + step] > acf[at]) at += step, moved = true;
    }
    return at;
  };
  // The first period: the first clear anti-correlation (half a period out of phase), then
  // the first clear correlation after it; at least 3 whole periods must fit in.
  std::size_t lag = 1;
  while (lag < max_lag && !(acf[lag] < -kPeriodicAcf)) ++lag;
  const std::size_t trough = settle(lag, true);
  if (!(acf[trough] < -kPeriodicAcf)) return {};
  lag = trough;
  while (lag < max_lag && !(acf[lag] > kPeriodicAcf)) ++lag;
  const std::size_t peak = settle(lag, false);
  if (!(acf[peak] > kPeriodicAcf) || peak < kMinPeriodPoints || peak > n / 3) return {};
  // A period repeats: out of phase again at 1.5 periods, in phase at 2 (a wiggle of
  // slow noise does not).
  const auto extreme = [&](double at, bool lowest) {
    const auto c = static_cast<std::size_t>(std::lround(at));
    double e = acf[c];
    for (std::size_t l = c - 2; l <= std::min(max_lag, c + 2); ++l)
      e = lowest ? std::min(e, acf[l]) : std::max(e, acf[l]);
    return e;
  };
  if (!(extreme(1.5 * static_cast<double>(peak), true) < -kPeriodicAcf) ||
      !(extreme(2.0 * static_cast<double>(peak), false) > kPeriodicAcf))
    return {};
  // Period to a fraction of a point: the peak at the largest multiple within max_lag.
  const std::size_t k = std::max<std::size_t>(1, n / 2 / peak);
  std::size_t best = k * peak;
  for (std::size_t lag = k * peak - std::min(k * peak, k); lag <= std::min(max_lag, k * peak + k); ++lag)
    if (acf[lag] > acf[best]) best = lag;
  const double dt = (t[n - 1] - t[0]) / static_cast<double>(n - 1);
  const double guess = static_cast<double>(best) / static_cast<double>(k) * dt;
  // A drop dated e seconds late k periods on shifts that tooth by climb x k e: fit the
  // period to well below a point per run, the phase (a drop time mid-run, so that the
  // period pivots there) to 1/8 point. Coarse phase first, then both finely around it.
  ToothFit fit;
  double period = guess, phase = 0;
  const auto consider = [&](double p, double ph) {
    const ToothFit f = fit_teeth(t.first(n), v.first(n), p, ph);
    if (f.climb > 0 && f.sse < fit.sse) fit = f, period = p, phase = ph;
  };
  const double middle = 0.5 * (t[0] + t[n - 1]);
  for (double ph = middle; ph < middle + guess; ph += dt) consider(guess, ph);
  const double coarse_phase = phase, span = dt / static_cast<double>(k);
  for (int p = -20; p <= 20; ++p)
    for (int q = -8; q <= 8; ++q) consider(guess + span * p / 20, coarse_phase + dt * q / 8);
  if (!(fit.climb > 0)) {
    why_not = "a period in the autocorrelation but no climb between drops";
    return {};
  }
  // Each fitted drop gives back climb x period of the (climb + slope) x period climbed.
  if (fit.climb < kMinGiveBack * (fit.climb + std::max(0.0, fit.slope))) {
    why_not = "a period in the autocorrelation, but its drops give back under half of each climb";
    return {};
  }
  std::vector<double> drops;
  for (double d = phase - period * std::floor((phase - t[0]) / period); d <= t[n - 1]; d += period)
    if (d > t[0]) drops.push_back(d);
  why_not.clear();
  return drops;
}

}  // namespace

Sawtooth detect_sawtooth(std::span<const double> t_s, std::span<const double> values) {
  Sawtooth saw;
  const std::size_t n = std::min(t_s.size(), values.size());
  if (n < 8) return saw;
  std::vector<double> change(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) change[i] = values[i + 1] - values[i];
  const double typical = median(change);
  std::vector<double> deviation(change.size());
  for (std::size_t i = 0; i < change.size(); ++i) deviation[i] = std::abs(change[i] - typical);
  const double scale = 1.4826 * median(deviation);
  if (!(scale > 0)) return saw;  // mostly constant (counts): no noise scale to judge drops by
  // A drop falls, and falls far more than the noise moves the typical change.
  const double threshold = std::min(0.0, typical - kDropScales * scale);
  std::vector<double> drops, depths;  // depth: how far below the typical change, in scales
  std::size_t small = 0;              // drops that give back too little of the climb before them
  for (std::size_t i = 0, since = 0; i < change.size(); ++i) {
    if (!(change[i] < threshold)) continue;
    const std::size_t from = i;
    while (i + 1 < change.size() && change[i + 1] < threshold) ++i;  // one drop over adjacent points
    ++saw.drops_seen;
    // The climb before it: its top minus the lowest point since the last collection.
    const double lowest = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(since),
                                            values.begin() + static_cast<std::ptrdiff_t>(from) + 1);
    const double climb = values[from] - lowest, fall = values[from] - values[i + 1];
    if (climb > 0 && fall < kMinGiveBack * climb) {
      ++small;
      continue;
    }
    since = i + 1;
    drops.push_back(0.5 * (t_s[from] + t_s[i + 1]));
    saw.drop_from_s.push_back(t_s[from]);
    saw.drop_to_s.push_back(t_s[i + 1]);
    depths.push_back((typical - (values[i + 1] - values[from])) / scale);
  }
  if (drops.size() >= kMinDrops && median(depths) >= kDropScales + kClearMargin) {
    saw.drop_t_s = std::move(drops);
    return saw;
  }
  saw.drop_from_s.clear();
  saw.drop_to_s.clear();
  // Single drops do not date every collection: the period may (dated by the fit, so
  // date_drops leaves them alone).
  std::string why_not;
  saw.drop_t_s = periodic_drops(t_s, values, why_not);
  if (saw.usable()) {
    saw.periodic = true;
    saw.drop_from_s = saw.drop_to_s = saw.drop_t_s;
    return saw;
  }
  if (saw.drops_seen == 0) return saw;
  const std::string smaller = std::to_string(small) + (small == 1 ? " drop gives" : " drops give") +
                              " back under half of the climb before " + (small == 1 ? "it" : "each") +
                              " (a resize, a free, the end of a load)";
  if (drops.size() >= kMinDrops)
    saw.note = std::to_string(drops.size()) + " drops too close to the noise to date every collection";
  else if (drops.empty()) saw.note = smaller;
  else saw.note = "one drop, not a recurring GC sawtooth";
  if (small > 0 && !drops.empty()) saw.note += "; " + smaller;
  saw.note += ", and " + why_not;
  return saw;
}

void date_drops(std::span<const double> t_s, std::span<const double> values, Sawtooth& saw) {
  const std::size_t n = std::min(t_s.size(), values.size());
  std::size_t i = 0;
  for (std::size_t k = 0; k < saw.drop_t_s.size(); ++k) {
    while (i < n && !(t_s[i] >= saw.drop_from_s[k])) ++i;  // NaN times are passed over
    double steepest = 0, previous_t = 0, previous_v = 0;
    bool have_previous = false;
    for (; i < n && !(t_s[i] > saw.drop_to_s[k]); ++i) {
      if (!std::isfinite(t_s[i]) || !std::isfinite(values[i])) continue;
      if (have_previous && values[i] - previous_v < steepest) {
        steepest = values[i] - previous_v;
        saw.drop_t_s[k] = 0.5 * (previous_t + t_s[i]);
      }
      previous_t = t_s[i], previous_v = values[i], have_previous = true;
    }
    if (i > 0) --i;  // the last sample of this window may start the next one
  }
}

ClimbsRemoved remove_climbs(std::span<const double> t_s, std::span<const double> values,
                            std::span<const double> drop_t_s) {
  ClimbsRemoved out;
  const std::size_t n = std::min(t_s.size(), values.size());
  if (drop_t_s.empty()) return out;
  // Climb between drops: median of the pairwise slopes within each tooth (leak included).
  std::vector<double> slopes;
  for (std::size_t begin = 0, k = 0; begin < n;) {
    while (k < drop_t_s.size() && drop_t_s[k] <= t_s[begin]) ++k;
    std::size_t end = begin + 1;
    while (end < n && (k == drop_t_s.size() || t_s[end] < drop_t_s[k])) ++end;
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t j = i + 1; j < end; ++j)
        if (t_s[j] > t_s[i]) slopes.push_back((values[j] - values[i]) / (t_s[j] - t_s[i]));
    begin = end;
  }
  const double climb_with_leak = median(std::move(slopes));
  if (!(climb_with_leak > 0)) {
    out.note = std::to_string(drop_t_s.size()) + " drops without a climb between them";
    return out;
  }
  const auto first = static_cast<std::size_t>(
      std::lower_bound(t_s.begin(), t_s.begin() + static_cast<std::ptrdiff_t>(n), drop_t_s.front()) - t_s.begin());
  if (first >= n) return out;
  // The climb holds the leak too: take out the slope the series keeps once the climbs are
  // removed. Two rounds: the first sees a staircase (flat teeth), the second a line.
  const std::span<const double> t_after = t_s.subspan(first, n - first);
  double leak = 0;
  for (int round = 0; round < 2; ++round)
    leak = theil_sen(t_after, without(t_s, values, first, drop_t_s, climb_with_leak - leak), 0, 0.5).slope;
  out.climb_per_s = climb_with_leak - leak;
  out.values = without(t_s, values, first, drop_t_s, out.climb_per_s);
  out.t_s.assign(t_after.begin(), t_after.end());
  return out;
}

}  // namespace memgate::analyze
