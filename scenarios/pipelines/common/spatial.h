// The consumers' spatial work (seed 001): reproject EPSG:4326 -> EPSG:3857 with PROJ
// and check validity and point-in-polygon against watershed polygons with GEOS.
// Neither a PROJ transformer nor a GEOS context (nor a prepared geometry) may be shared
// between threads, so each consumer owns one SpatialChecker.
#pragma once

#include <cstdint>
#include <vector>

typedef struct pj_ctx PJ_CONTEXT;
typedef struct PJconsts PJ;
typedef struct GEOSContextHandle_HS* GEOSContextHandle_t;
typedef struct GEOSGeom_t GEOSGeometry;
typedef struct GEOSPrepGeom_t GEOSPreparedGeometry;

namespace pipelines {

// Star-shaped polygons (lon/lat rings, closed) spread over California: a seeded
// stand-in for watershed boundaries, `vertices` points each.
std::vector<std::vector<std::pair<double, double>>> make_watersheds(int count, int vertices, std::uint64_t seed);

class SpatialChecker {
 public:
  explicit SpatialChecker(const std::vector<std::vector<std::pair<double, double>>>& watersheds_lonlat);
  ~SpatialChecker();
  SpatialChecker(const SpatialChecker&) = delete;
  SpatialChecker& operator=(const SpatialChecker&) = delete;

  struct Result {
    bool valid = false;
    int watershed = -1;   // index of the containing polygon, -1: none
    double x = 0, y = 0;  // EPSG:3857 metres
  };
  // When keep is non-null, the point geometry is handed over instead of destroyed
  // (the keep_geometries anti-pattern); release with destroy().
  Result check(double lon, double lat, GEOSGeometry** keep = nullptr);
  void destroy(GEOSGeometry* g);

 private:
  PJ_CONTEXT* proj_ctx_ = nullptr;
  PJ* transform_ = nullptr;
  GEOSContextHandle_t geos_ = nullptr;
  struct Polygon {
    GEOSGeometry* geom;
    const GEOSPreparedGeometry* prepared;
    double minx, miny, maxx, maxy;
  };
  std::vector<Polygon> polygons_;
};

}  // namespace pipelines
