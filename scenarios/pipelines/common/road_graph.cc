#include "common/road_graph.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

namespace pipelines {
namespace {
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

RoadGraph::RoadGraph(GraphOptions o) : o_(o) {
  const int n = o.cols * o.rows;
  lat_.resize(n), lon_.resize(n), adj_.resize(n);
  std::uint64_t s = o.seed;
  const auto unit = [&s] { return static_cast<double>((s = mix(s)) >> 11) * 0x1.0p-53; };
  const double dlat = (o.lat_max - o.lat_min) / (o.rows - 1), dlon = (o.lon_max - o.lon_min) / (o.cols - 1);
  for (int r = 0; r < o.rows; ++r)
    for (int c = 0; c < o.cols; ++c) {
      // Intersections jittered off the grid so that no two streets are alike.
      lat_[r * o.cols + c] = o.lat_min + dlat * (r + 0.3 * (unit() - 0.5));
      lon_[r * o.cols + c] = o.lon_min + dlon * (c + 0.3 * (unit() - 0.5));
    }
  const auto speed = [](int line) { return line % 16 == 0 ? 30.0 : line % 4 == 0 ? 16.7 : 8.3; };  // m/s
  top_speed_mps_ = 30.0;
  const auto link = [&](int a, int b, double v) {
    if (unit() < o.closed_fraction) return;
    const double m = metres(a, b);
    adj_[a].push_back({b, static_cast<float>(m / v), static_cast<float>(m)});
    adj_[b].push_back({a, static_cast<float>(m / v), static_cast<float>(m)});
  };
  for (int r = 0; r < o.rows; ++r)
    for (int c = 0; c < o.cols; ++c) {
      const int a = r * o.cols + c;
      if (c + 1 < o.cols) link(a, a + 1, speed(r));       // east-west street on row r
      if (r + 1 < o.rows) link(a, a + o.cols, speed(c));  // north-south street on column c
    }
  g_.assign(n, INFINITY);
  parent_.assign(n, -1);
}

double RoadGraph::metres(int a, int b) const {
  constexpr double kR = 6371000.0, kDeg = M_PI / 180;
  const double x = (lon_[b] - lon_[a]) * kDeg * std::cos((lat_[a] + lat_[b]) / 2 * kDeg);
  const double y = (lat_[b] - lat_[a]) * kDeg;
  return kR * std::sqrt(x * x + y * y);
}

int RoadGraph::nearest_node(double lat, double lon) const {
  const auto clamp_index = [](double v, int n) { return std::clamp(static_cast<int>(std::lround(v)), 0, n - 1); };
  const int r = clamp_index((lat - o_.lat_min) / (o_.lat_max - o_.lat_min) * (o_.rows - 1), o_.rows);
  const int c = clamp_index((lon - o_.lon_min) / (o_.lon_max - o_.lon_min) * (o_.cols - 1), o_.cols);
  return r * o_.cols + c;
}

std::optional<Route> RoadGraph::shortest(int from, int to, std::vector<int>* path) {
  for (int v : touched_) g_[v] = INFINITY, parent_[v] = -1;
  touched_.clear();
  using Item = std::pair<double, int>;  // f = g + h, node
  std::priority_queue<Item, std::vector<Item>, std::greater<>> open;
  g_[from] = 0;
  touched_.push_back(from);
  open.push({metres(from, to) / top_speed_mps_, from});
  while (!open.empty()) {
    const auto [f, v] = open.top();
    open.pop();
    if (v == to) break;
    if (f > g_[v] + metres(v, to) / top_speed_mps_ + 1e-9) continue;  // stale entry
    for (const Edge& e : adj_[v]) {
      const double g = g_[v] + e.time_s;
      if (g < g_[e.to]) {
        if (g_[e.to] == INFINITY) touched_.push_back(e.to);
        g_[e.to] = g;
        parent_[e.to] = v;
        open.push({g + metres(e.to, to) / top_speed_mps_, e.to});
      }
    }
  }
  if (g_[to] == INFINITY) return std::nullopt;
  Route route{g_[to], 0};
  for (int v = to; v != from; v = parent_[v]) {
    route.distance_m += metres(parent_[v], v);
    if (path) path->push_back(v);
  }
  if (path) {
    path->push_back(from);
    std::reverse(path->begin(), path->end());
  }
  return route;
}

}  // namespace pipelines
