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
constexpr std::size_t kMinDrops = 2;  // one drop is a free, not a cycle

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
  for (std::size_t i = 0; i < change.size(); ++i) {
    if (!(change[i] < threshold)) continue;
    const std::size_t from = i;
    while (i + 1 < change.size() && change[i + 1] < threshold) ++i;  // one drop over adjacent points
    drops.push_back(0.5 * (t_s[from] + t_s[i + 1]));
    saw.drop_from_s.push_back(t_s[from]);
    saw.drop_to_s.push_back(t_s[i + 1]);
    depths.push_back((typical - (values[i + 1] - values[from])) / scale);
  }
  saw.drops_seen = drops.size();
  if (drops.empty()) return saw;
  if (drops.size() < kMinDrops) {
    saw.note = "one drop, not a recurring GC sawtooth";
  } else if (median(depths) < kDropScales + kClearMargin) {
    saw.note = std::to_string(drops.size()) + " drops too close to the noise to date every collection";
  } else {
    saw.drop_t_s = std::move(drops);
    return saw;
  }
  saw.drop_from_s.clear();
  saw.drop_to_s.clear();
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
  const auto first = static_cast<std::size_t>(std::lower_bound(t_s.begin(), t_s.begin() + static_cast<std::ptrdiff_t>(n),
                                                               drop_t_s.front()) - t_s.begin());
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
