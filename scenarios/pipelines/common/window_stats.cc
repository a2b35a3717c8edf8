#include "common/window_stats.h"

#include <algorithm>

namespace pipelines {

WindowStats window_stats(std::span<const float> lats, std::span<const float> lons) {
  WindowStats w;
  w.count = std::min(lats.size(), lons.size());
  if (w.count == 0) return w;
  double sum_lat = 0, sum_lon = 0;  // summed in double: float32 storage, not float32 arithmetic
  w.min_lat = w.max_lat = lats[0];
  w.min_lon = w.max_lon = lons[0];
  for (std::size_t i = 0; i < w.count; ++i) {
    sum_lat += lats[i];
    sum_lon += lons[i];
    w.min_lat = std::min(w.min_lat, lats[i]), w.max_lat = std::max(w.max_lat, lats[i]);
    w.min_lon = std::min(w.min_lon, lons[i]), w.max_lon = std::max(w.max_lon, lons[i]);
  }
  w.centroid_lat = sum_lat / static_cast<double>(w.count);
  w.centroid_lon = sum_lon / static_cast<double>(w.count);
  return w;
}

nlohmann::json to_json(const WindowStats& w) {
  return {{"count", w.count},
          {"centroid_lat", w.centroid_lat},
          {"centroid_lon", w.centroid_lon},
          {"bbox", {w.min_lat, w.min_lon, w.max_lat, w.max_lon}}};
}

}  // namespace pipelines
