// `--attribute`: which call sites the live heap grows at. Pure: the per-site live bytes
// of each heap snapshot in; out, over the snapshots inside the steady window, each
// site's trend (Theil–Sen slope through them, so a burst caught by one snapshot does not
// look like a leak) as bytes/h with its share of the heap's slope and of the RSS slope;
// sites that rose inside the window and came back are listed apart from sites that keep
// growing.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace memgate::analyze {

struct GrowthInput {
  std::vector<double> t_s;  // snapshot times, ascending
  std::vector<std::string> labels;
  std::map<std::string, std::vector<double>> site_bytes;  // site -> live bytes at each snapshot
  double steady_from_s = 0;                               // the plateau check's steady window
  double steady_to_s = 0;
  double mean_bytes = 524288;             // sampling mean: growth below it is noise
  std::optional<double> rss_slope_per_h;  // bytes/h, the rss-plateau check's slope
  std::optional<double> units_per_h;      // work done per hour, when the target reports it
};

struct SiteGrowth {
  std::string site;
  double early_bytes = 0, late_bytes = 0, peak_bytes = 0;
  double came_back_bytes = 0;  // the largest fall from an earlier high inside the window
  double bytes_per_h = 0;
  std::optional<double>
      share_of_growth;  // of the sampled heap's slope (slopes are not additive: shares may not sum to 1)
  std::optional<double> share_of_rss_slope;  // of the RSS slope
  std::optional<double> bytes_per_unit;      // per unit of work
};

struct GrowthAttribution {
  std::string reason;  // non-empty: no attribution (why)
  double early_t_s = 0, late_t_s = 0;
  std::string early_label, late_label;
  std::size_t snapshots_used = 0;  // inside the window
  double heap_early_bytes = 0, heap_late_bytes = 0;
  double heap_growth_per_h = 0;
  std::vector<SiteGrowth> growing;  // keep growing, largest first
  // Did not keep growing but fell back from a high by more than the sampling mean
  // (bursts, even one still held at the last snapshot), largest fall first.
  std::vector<SiteGrowth> transient;
};

// The Theil–Sen slope of bytes over t_s (bytes/s); 0 with fewer than two points.
double growth_slope_per_s(std::span<const double> t_s, std::span<const double> bytes);

// At most `max_sites` of each kind are kept.
GrowthAttribution attribute_growth(const GrowthInput& in, std::size_t max_sites = 20);

// "92 % of the heap growth (13.2 MiB/h) at file.cc:142 (function)"; empty when
// nothing grows.
std::string growth_sentence(const GrowthAttribution& a);

}  // namespace memgate::analyze
