// The reference pipelines' hot stages (scenarios/pipelines/common/), to be run under
// each allocator by preloading it: tests/bench/pipeline_stages_alloc.sh does that and
// prints one table. Each benchmark is one unit of a pipeline's work:
//   - sensor_ingest: parse a telemetry line, reproject it EPSG:4326 -> 3857 (PROJ) and
//     test it against prepared watershed polygons (GEOS) — one consumer's record;
//   - batch_router: one A* route on the 40 x 40 road graph (its default --grid);
//   - worker_pool: one tick file (60,000 ticks, its default) generated, compressed,
//     decompressed, parsed into a table of rows and aggregated into per-minute bars.
// The context line "malloc_from" names the library that serves malloc, so a preload
// that did not take is visible in the output.
#include <dlfcn.h>

#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/road_graph.h"
#include "common/spatial.h"
#include "common/telemetry.h"
#include "common/tick_file.h"
#include "load/payload.h"

namespace {

// Telemetry lines exactly as memgate's generator sends them to sensor_ingest.
std::vector<std::string> telemetry_lines(std::size_t n) {
  memgate::load::SensorPayload payload(memgate::load::SensorOptions{});
  std::vector<std::string> lines;
  lines.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string line;
    payload.append(i, static_cast<double>(i) * 0.01, line);
    line.pop_back();  // the '\n'
    lines.push_back(std::move(line));
  }
  return lines;
}

void BM_SensorParse(benchmark::State& state) {
  const auto lines = telemetry_lines(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    auto parsed = pipelines::parse_reading(lines[i++ % lines.size()]);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SensorParse);

// One consumer's record: parse, reproject, point-in-polygon (48 watersheds of 64 vertices,
// sensor_ingest's defaults).
void BM_SensorRecord(benchmark::State& state) {
  const auto lines = telemetry_lines(4096);
  pipelines::SpatialChecker checker(pipelines::make_watersheds(48, 64, 42));
  std::size_t i = 0, inside = 0;
  for (auto _ : state) {
    const auto parsed = pipelines::parse_reading(lines[i++ % lines.size()]);
    if (const auto* r = std::get_if<pipelines::Reading>(&parsed)) {
      const auto result = checker.check(r->lon, r->lat);
      inside += result.watershed >= 0;
    }
  }
  benchmark::DoNotOptimize(inside);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SensorRecord);

void BM_RouteAStar(benchmark::State& state) {
  pipelines::RoadGraph graph({.cols = 40, .rows = 40});
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> node(0, graph.nodes() - 1);
  std::vector<int> path;
  for (auto _ : state) {
    auto route = graph.shortest(node(rng), node(rng), &path);
    benchmark::DoNotOptimize(route);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteAStar);

void BM_TickFileUnit(benchmark::State& state) {
  const auto ticks = static_cast<std::size_t>(state.range(0));
  std::uint64_t unit = 0, bad = 0;
  for (auto _ : state) {
    // worker_pool's unit without its file and store writes (and without its purges:
    // the allocator's own behaviour is what is compared).
    const std::string text = pipelines::zlib_round_trip(pipelines::make_tick_csv(17, unit++, ticks));
    std::vector<std::unique_ptr<pipelines::TickRow>> rows;
    bad += pipelines::parse_tick_rows(text, 500, rows);
    std::map<std::int64_t, pipelines::Bar> bars;
    for (const auto& row : rows) pipelines::add_tick(row->tick, bars);
    benchmark::DoNotOptimize(bars);
  }
  benchmark::DoNotOptimize(bad);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ticks));
}
BENCHMARK(BM_TickFileUnit)->Arg(60000)->Unit(benchmark::kMillisecond);

// The file that defines the malloc this process calls (the preloaded allocator, or libc).
std::string malloc_from() {
  Dl_info info{};
  void* symbol = dlsym(RTLD_DEFAULT, "malloc");
  if (!symbol || !dladdr(symbol, &info) || !info.dli_fname) return "unknown";
  return info.dli_fname;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("malloc_from", malloc_from());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
