// Per-window aggregate of float32 coordinates (seed 000): count, centroid and bbox.
// Pure: spans in, a struct out.
#pragma once

#include <cstddef>
#include <span>

#include <nlohmann/json.hpp>

namespace pipelines {

struct WindowStats {
  std::size_t count = 0;
  double centroid_lat = 0, centroid_lon = 0;
  float min_lat = 0, min_lon = 0, max_lat = 0, max_lon = 0;
};

// lats and lons have the same length.
WindowStats window_stats(std::span<const float> lats, std::span<const float> lons);
nlohmann::json to_json(const WindowStats& w);

}  // namespace pipelines
