// A seeded synthetic road network for batch routing (seed 003): a grid of
// intersections over a bounding box, residential streets with arterials every 4th
// line and highways every 16th, a few streets closed; travel times by A* (the
// heuristic divides straight-line distance by the top speed, so it is admissible).
// Pure computation: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace pipelines {

struct GraphOptions {
  int cols = 96, rows = 96;
  double lat_min = 32.5, lat_max = 42.0, lon_min = -124.4, lon_max = -114.1;
  double closed_fraction = 0.03;
  std::uint64_t seed = 7;
};

struct Route {
  double travel_time_s = 0;
  double distance_m = 0;
};

class RoadGraph {
 public:
  explicit RoadGraph(GraphOptions options);
  int nodes() const { return static_cast<int>(lat_.size()); }
  int nearest_node(double lat, double lon) const;
  double lat(int node) const { return lat_[static_cast<std::size_t>(node)]; }
  double lon(int node) const { return lon_[static_cast<std::size_t>(node)]; }
  // nullopt: no path. When `path` is given it receives the node sequence (origin first).
  std::optional<Route> shortest(int from, int to, std::vector<int>* path = nullptr);

 private:
  struct Edge {
    int to;
    float time_s, length_m;
  };
  double metres(int a, int b) const;
  GraphOptions o_;
  std::vector<double> lat_, lon_;
  std::vector<std::vector<Edge>> adj_;
  double top_speed_mps_ = 0;
  // A* scratch, reused across queries (reset through the touched list).
  std::vector<double> g_;
  std::vector<int> parent_, touched_;
};

// Exponential backoff with equal jitter: half the capped delay fixed, half random.
// attempt 0 is the first retry; jitter_unit in [0, 1).
inline double backoff_delay_s(int attempt, double base_s, double cap_s, double jitter_unit) {
  double d = base_s;
  for (int i = 0; i < attempt && d < cap_s; ++i) d *= 2;
  if (d > cap_s) d = cap_s;
  return d / 2 + d / 2 * jitter_unit;
}

}  // namespace pipelines
