#include "analyze/heap_growth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyze/trend_stats.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {
constexpr double kHour = 3600;

// The largest fall from an earlier high: a site that came back at least once. Comparing
// the peak with the first and last snapshots alone missed a burst that one of those two
// happened to catch.
double largest_fall(std::span<const double> values) {
  double high = values.empty() ? 0 : values.front(), fall = 0;
  for (const double v : values) {
    high = std::max(high, v);
    fall = std::max(fall, high - v);
  }
  return fall;
}
}  // namespace

double growth_slope_per_s(std::span<const double> t_s, std::span<const double> bytes) {
  if (t_s.size() < 2) return 0;
  return theil_sen(t_s, bytes, 1.0, 0.9).slope;  // the slope alone: its interval is not used
}

GrowthAttribution attribute_growth(const GrowthInput& in, std::size_t max_sites) {
  GrowthAttribution a;
  const std::size_t n = in.t_s.size();
  if (n < 2) {
    a.reason = "fewer than two heap snapshots";
    return a;
  }
  // The snapshots inside the steady window; the end-of-run snapshot, taken after the
  // target exited, is never steady.
  std::vector<std::size_t> inside;
  for (std::size_t i = 0; i < n; ++i)
    if (in.labels[i] != "end" && in.t_s[i] >= in.steady_from_s && in.t_s[i] <= in.steady_to_s + 1e-9)
      inside.push_back(i);
  if (inside.size() < 2 || in.t_s[inside.back()] <= in.t_s[inside.front()]) {
    a.reason = "no two heap snapshots inside the steady window";
    return a;
  }
  const std::size_t e = inside.front(), l = inside.back();
  a.early_t_s = in.t_s[e];
  a.late_t_s = in.t_s[l];
  a.early_label = in.labels[e];
  a.late_label = in.labels[l];
  a.snapshots_used = inside.size();
  const double window_s = a.late_t_s - a.early_t_s;
  std::vector<double> t, total(inside.size(), 0.0), values(inside.size());
  for (const std::size_t i : inside) t.push_back(in.t_s[i]);
  for (const auto& [site, bytes] : in.site_bytes)
    for (std::size_t k = 0; k < inside.size(); ++k) total[k] += bytes[inside[k]];
  a.heap_early_bytes = total.front();
  a.heap_late_bytes = total.back();
  const double heap_slope = growth_slope_per_s(t, total);
  a.heap_growth_per_h = heap_slope * kHour;
  const double noise = std::max(in.mean_bytes, 1.0);
  for (const auto& [site, bytes] : in.site_bytes) {
    for (std::size_t k = 0; k < inside.size(); ++k) values[k] = bytes[inside[k]];
    SiteGrowth g;
    g.site = site;
    g.early_bytes = values.front();
    g.late_bytes = values.back();
    g.peak_bytes = *std::max_element(values.begin(), values.end());
    g.came_back_bytes = largest_fall(values);
    // A trend through every snapshot of the window, not the difference of two: a burst
    // caught by the last snapshot does not make a site look like a leak.
    const double slope = growth_slope_per_s(t, values);
    g.bytes_per_h = slope * kHour;
    if (heap_slope > 0) g.share_of_growth = slope / heap_slope;
    if (in.rss_slope_per_h && *in.rss_slope_per_h > 0) g.share_of_rss_slope = g.bytes_per_h / *in.rss_slope_per_h;
    if (in.units_per_h && *in.units_per_h > 0) g.bytes_per_unit = g.bytes_per_h / *in.units_per_h;
    if (slope * window_s > noise) a.growing.push_back(std::move(g));
    else if (g.came_back_bytes > noise) a.transient.push_back(std::move(g));
  }
  std::sort(a.growing.begin(), a.growing.end(),
            [](const SiteGrowth& x, const SiteGrowth& y) { return x.bytes_per_h > y.bytes_per_h; });
  std::sort(a.transient.begin(), a.transient.end(),
            [](const SiteGrowth& x, const SiteGrowth& y) { return x.came_back_bytes > y.came_back_bytes; });
  if (a.growing.size() > max_sites) a.growing.resize(max_sites);
  if (a.transient.size() > max_sites) a.transient.resize(max_sites);
  return a;
}

std::string growth_sentence(const GrowthAttribution& a) {
  if (!a.reason.empty() || a.growing.empty()) return {};
  const SiteGrowth& top = a.growing.front();
  char share[32] = "";
  if (top.share_of_growth) std::snprintf(share, sizeof share, "%.0f %% of ", *top.share_of_growth * 100);
  return std::string(share) + (top.share_of_growth ? "the heap growth (" : "heap growth of ") +
         format_bytes(top.bytes_per_h) + "/h" + (top.share_of_growth ? ")" : "") + " at " + top.site;
}

}  // namespace memgate::analyze
