#include "analyze/heap_cycles.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyze/trend_stats.h"
#include "memgate/cycle_phase.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

// The Theil–Sen slope of the finite levels after the warm-up against the cycle number,
// and how many cycles it used.
std::pair<double, std::size_t> slope_per_cycle(const std::vector<double>& levels, std::size_t warmup) {
  std::vector<double> x, y;
  for (std::size_t c = warmup; c < levels.size(); ++c)
    if (std::isfinite(levels[c])) {
      x.push_back(static_cast<double>(c + 1));
      y.push_back(levels[c]);
    }
  if (x.size() < 2) return {0, x.size()};
  return {theil_sen(x, y, 1.0, 0.9).slope, x.size()};
}

}  // namespace

std::size_t quiet_cycle_of(const std::string& label) {
  constexpr std::string_view kPhase = "phase:";
  if (!label.starts_with(kPhase)) return 0;
  const std::string_view change = std::string_view(label).substr(kPhase.size());
  const std::size_t arrow = change.find("->");
  if (arrow == std::string_view::npos) return 0;
  for (const std::string_view side : {change.substr(arrow + 2), change.substr(0, arrow)})
    if (const auto p = parse_cycle_phase(side); p && p->part == CyclePart::quiet) return p->cycle;
  return 0;
}

CycleGrowthAttribution attribute_cycles(const CycleGrowthInput& in, std::size_t max_sites) {
  CycleGrowthAttribution a;
  for (const std::size_t c : in.quiet_cycle) a.cycles = std::max(a.cycles, c);
  a.warmup_cycles = in.warmup_cycles;
  if (a.cycles == 0) {
    a.reason = "no heap snapshot in a cycle's quiet phase";
    return a;
  }
  // Each site's level per cycle: the smallest of its quiet phase's snapshots.
  const auto levels_of = [&](const std::vector<double>& bytes) {
    std::vector<double> levels(a.cycles, NAN);
    for (std::size_t i = 0; i < in.quiet_cycle.size() && i < bytes.size(); ++i)
      if (const std::size_t c = in.quiet_cycle[i]; c > 0)
        levels[c - 1] = std::isfinite(levels[c - 1]) ? std::min(levels[c - 1], bytes[i]) : bytes[i];
    return levels;
  };
  std::vector<double> total(in.quiet_cycle.size(), 0.0);
  for (const auto& [site, bytes] : in.site_bytes)
    for (std::size_t i = 0; i < total.size() && i < bytes.size(); ++i) total[i] += bytes[i];
  a.heap_levels = levels_of(total);
  const auto [heap_slope, judged] = slope_per_cycle(a.heap_levels, in.warmup_cycles);
  a.judged_cycles = judged;
  if (judged < 2) {
    a.reason = "fewer than two cycles with a heap snapshot after " + std::to_string(in.warmup_cycles) + " warm-up";
    return a;
  }
  a.heap_bytes_per_cycle = heap_slope;
  const double noise = std::max(in.mean_bytes, 1.0);
  for (const auto& [site, bytes] : in.site_bytes) {
    SiteCycleGrowth g;
    g.site = site;
    g.levels = levels_of(bytes);
    g.bytes_per_cycle = slope_per_cycle(g.levels, in.warmup_cycles).first;
    // What the trend adds over the judged cycles must pass one sampling mean.
    if (!(g.bytes_per_cycle * static_cast<double>(judged - 1) > noise)) continue;
    if (heap_slope > 0) g.share_of_growth = g.bytes_per_cycle / heap_slope;
    a.growing.push_back(std::move(g));
  }
  std::sort(a.growing.begin(), a.growing.end(),
            [](const SiteCycleGrowth& x, const SiteCycleGrowth& y) { return x.bytes_per_cycle > y.bytes_per_cycle; });
  if (a.growing.size() > max_sites) a.growing.resize(max_sites);
  return a;
}

std::string cycle_growth_sentence(const CycleGrowthAttribution& a) {
  if (!a.reason.empty() || a.growing.empty()) return {};
  const SiteCycleGrowth& top = a.growing.front();
  char share[32] = "";
  if (top.share_of_growth) std::snprintf(share, sizeof share, "%.0f %% of ", *top.share_of_growth * 100);
  return std::string(share) + (top.share_of_growth ? "the heap kept per cycle (" : "heap kept per cycle: ") +
         format_bytes(top.bytes_per_cycle) + "/cycle" + (top.share_of_growth ? ")" : "") + " at " + top.site;
}

}  // namespace memgate::analyze
