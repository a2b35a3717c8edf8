#include "common/spatial.h"

#include <geos_c.h>
#include <proj.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pipelines {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
double unit(std::uint64_t& s) { return static_cast<double>((s = mix(s)) >> 11) * 0x1.0p-53; }

}  // namespace

std::vector<std::vector<std::pair<double, double>>> make_watersheds(int count, int vertices, std::uint64_t seed) {
  std::vector<std::vector<std::pair<double, double>>> out;
  std::uint64_t s = seed;
  for (int i = 0; i < count; ++i) {
    const double clon = -124.0 + 9.5 * unit(s), clat = 33.0 + 8.5 * unit(s), r = 0.3 + 0.5 * unit(s);
    std::vector<std::pair<double, double>> ring;
    for (int v = 0; v < vertices; ++v) {
      const double a = 2 * M_PI * v / vertices, rr = r * (0.6 + 0.4 * unit(s));
      ring.emplace_back(clon + rr * std::cos(a), clat + rr * std::sin(a));
    }
    ring.push_back(ring.front());
    out.push_back(std::move(ring));
  }
  return out;
}

SpatialChecker::SpatialChecker(const std::vector<std::vector<std::pair<double, double>>>& watersheds) {
  proj_ctx_ = proj_context_create();
  PJ* raw = proj_create_crs_to_crs(proj_ctx_, "EPSG:4326", "EPSG:3857", nullptr);
  if (!raw) throw std::runtime_error("PROJ cannot build EPSG:4326 -> EPSG:3857 (is proj-data installed?)");
  transform_ = proj_normalize_for_visualization(proj_ctx_, raw);  // lon, lat order: pyproj's always_xy=True
  proj_destroy(raw);
  if (!transform_) throw std::runtime_error("PROJ cannot normalise the transformation axis order");
  geos_ = GEOS_init_r();
  for (const auto& ring : watersheds) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(geos_, static_cast<unsigned>(ring.size()), 2);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (unsigned k = 0; k < ring.size(); ++k) {
      PJ_COORD c = proj_trans(transform_, PJ_FWD, proj_coord(ring[k].first, ring[k].second, 0, 0));
      GEOSCoordSeq_setXY_r(geos_, seq, k, c.xy.x, c.xy.y);
      minx = std::min(minx, c.xy.x), maxx = std::max(maxx, c.xy.x);
      miny = std::min(miny, c.xy.y), maxy = std::max(maxy, c.xy.y);
    }
    GEOSGeometry* shell = GEOSGeom_createLinearRing_r(geos_, seq);
    GEOSGeometry* poly = GEOSGeom_createPolygon_r(geos_, shell, nullptr, 0);
    polygons_.push_back({poly, GEOSPrepare_r(geos_, poly), minx, miny, maxx, maxy});
  }
}

SpatialChecker::~SpatialChecker() {
  for (auto& p : polygons_) {
    GEOSPreparedGeom_destroy_r(geos_, p.prepared);
    GEOSGeom_destroy_r(geos_, p.geom);
  }
  GEOS_finish_r(geos_);
  proj_destroy(transform_);
  proj_context_destroy(proj_ctx_);
}

SpatialChecker::Result SpatialChecker::check(double lon, double lat, GEOSGeometry** keep) {
  Result r;
  PJ_COORD c = proj_trans(transform_, PJ_FWD, proj_coord(lon, lat, 0, 0));
  r.x = c.xy.x;
  r.y = c.xy.y;
  if (!std::isfinite(r.x) || !std::isfinite(r.y)) return r;  // e.g. a pole: no Web Mercator position
  // keep_geometries keeps this point beside its record (sensor_ingest.cc): the two grow alike.
  GEOSGeometry* point = GEOSGeom_createPointFromXY_r(geos_, r.x, r.y);  // ANTIPATTERN-ALLOCATES: keep_geometries
  r.valid = point && GEOSisValid_r(geos_, point) == 1;
  if (r.valid) {
    for (std::size_t i = 0; i < polygons_.size(); ++i) {
      const auto& p = polygons_[i];
      if (r.x < p.minx || r.x > p.maxx || r.y < p.miny || r.y > p.maxy) continue;
      if (GEOSPreparedContains_r(geos_, p.prepared, point) == 1) {
        r.watershed = static_cast<int>(i);
        break;
      }
    }
  }
  if (keep && point) *keep = point;
  else if (point) GEOSGeom_destroy_r(geos_, point);
  return r;
}

void SpatialChecker::destroy(GEOSGeometry* g) { GEOSGeom_destroy_r(geos_, g); }

}  // namespace pipelines
