// sensor_ingest (seed 001): telemetry lines from stdin or a socket -> a bounded queue ->
// N consumers that reproject with PROJ and check validity / point-in-polygon with GEOS.
// An adaptive memory throttle (pause at 85 % of --memory-limit-mb, resume at 75 %)
// gates the producer; a put that waits longer than --spill-timeout-ms goes to disk
// (JSONL) and is replayed once queue utilisation drops below 0.3. EOF drains
// everything, SIGTERM stops reading and drains the queue (spilled records stay on
// disk, counted as pending_spill). Ends with one accounting line on stdout.
//
// --antipattern unbounded_queue: no bound, no throttle, no spill (the queue absorbs
//   every burst in memory).  --antipattern keep_geometries: every processed point
//   geometry and record is kept for the life of the process.
#include <geos_c.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/accounting.h"
#include "common/bounded_queue.h"
#include "common/line_input.h"
#include "common/metrics_writer.h"
#include "common/process_memory.h"
#include "common/shutdown.h"
#include "common/spatial.h"
#include "common/spill_store.h"
#include "common/telemetry.h"
#include "common/throttle.h"

using namespace pipelines;
using namespace std::chrono;

namespace {

struct Options {
  std::string input = "-";
  int consumers = 2;
  std::size_t queue_size = 2000;
  std::uint64_t memory_limit_mb = 256;
  std::string spill_dir;
  double spill_timeout_ms = 200;  // fractional: with one producer a slot frees every delay/consumers ms
  std::uint64_t spill_cap_mb = 512;
  double consumer_delay_ms = 0;
  int watersheds = 48;
  std::size_t max_line = 16384;
  int metrics_interval_ms = 200;
  std::string antipattern = "none";
};

struct Shared {
  explicit Shared(const Options& o) : queue(o.antipattern == "unbounded_queue" ? 0 : o.queue_size) {}
  BoundedQueue<Reading> queue;
  Accounting acct;
  std::atomic<bool> throttled{false};
  std::atomic<std::uint64_t> pauses{0}, in_watershed{0};
};

void consume(const Options& o, Shared& s, const std::vector<std::vector<std::pair<double, double>>>& sheds) {
  SpatialChecker checker(sheds);  // one transformer and GEOS context per consumer
  const bool keep = o.antipattern == "keep_geometries";
  std::vector<std::pair<Reading, GEOSGeometry*>> kept;  // the anti-pattern's ever-growing archive
  const auto delay = duration<double, std::milli>(o.consumer_delay_ms);
  while (auto r = s.queue.pop()) {
    if (o.consumer_delay_ms > 0) std::this_thread::sleep_for(delay);
    GEOSGeometry* geom = nullptr;
    const auto result = checker.check(r->lon, r->lat, keep ? &geom : nullptr);
    if (!result.valid) {
      s.acct.reject(kInvalidGeometry);
      if (geom) checker.destroy(geom);
      continue;
    }
    if (result.watershed >= 0) ++s.in_watershed;
    if (keep) kept.emplace_back(std::move(*r), geom);  // ANTIPATTERN: keep_geometries
    ++s.acct.processed;
  }
  for (auto& [reading, g] : kept) checker.destroy(g);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Sensor telemetry ingestion with backpressure, throttle and disk spillover (seed 001)"};
  app.add_option("--input", o.input, "-, unix:PATH or tcp:PORT")->capture_default_str();
  app.add_option("--consumers", o.consumers, "Consumer threads")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--queue-size", o.queue_size, "Queue bound (maxsize)")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--memory-limit-mb", o.memory_limit_mb, "Throttle pauses at 85 % of this RSS, resumes at 75 %")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  app.add_option("--spill-dir", o.spill_dir, "Spillover directory (default: a fresh one under /tmp)");
  app.add_option("--spill-timeout-ms", o.spill_timeout_ms,
                 "A put waiting this long spills to disk (0: spill whenever the queue is full)")
      ->check(CLI::Range(0.0, 3600e3))
      ->capture_default_str();
  app.add_option("--spill-cap-mb", o.spill_cap_mb, "Spill directory cap; at the cap the producer blocks")
      ->capture_default_str();
  app.add_option("--consumer-delay-ms", o.consumer_delay_ms,
                 "Extra per-record latency in consumers (the seed's 10-50 ms spatial op cost)")
      ->capture_default_str();
  app.add_option("--watersheds", o.watersheds, "Watershed polygons")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--metrics-interval-ms", o.metrics_interval_ms, "Metrics channel period")->capture_default_str();
  app.add_option("--antipattern", o.antipattern, "none, unbounded_queue or keep_geometries")
      ->check(CLI::IsMember({"none", "unbounded_queue", "keep_geometries"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  install_drain_signals();
  const auto started = steady_clock::now();
  const bool bounded = o.antipattern != "unbounded_queue";
  if (o.spill_dir.empty()) o.spill_dir = "/tmp/sensor_ingest-spill-" + std::to_string(::getpid());
  std::unique_ptr<SpillStore> spill;
  std::unique_ptr<LineInput> input;
  try {
    if (bounded) spill = std::make_unique<SpillStore>(o.spill_dir, o.spill_cap_mb << 20);
    input = std::make_unique<LineInput>(o.input, o.max_line);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sensor_ingest: %s\n", e.what());
    return 3;
  }
  Shared s(o);
  const auto sheds = make_watersheds(o.watersheds, 64, 42);
  std::vector<std::thread> consumers;
  for (int i = 0; i < o.consumers; ++i) consumers.emplace_back(consume, std::cref(o), std::ref(s), std::cref(sheds));

  // Throttle: RSS against the limit, with hysteresis; a paused producer also asks the
  // allocator to return freed pages, or glibc would keep RSS above the resume mark.
  std::atomic<bool> monitor_stop{false};
  std::thread monitor;
  if (bounded) {
    monitor = std::thread([&] {
      Hysteresis h(o.memory_limit_mb << 20);
      while (!monitor_stop.load()) {
        const bool paused = h.update(rss_bytes());
        if (paused != s.throttled.load()) {
          s.throttled = paused;
          s.queue.set_paused(paused);
          std::fprintf(stderr, "sensor_ingest: memory %s ingestion\n",
                       paused ? "high, pausing" : "recovered, resuming");
        }
        if (paused) purge_allocator();
        s.pauses = h.pauses();
        std::this_thread::sleep_for(50ms);
      }
    });
  }

  // Replay: oldest spill file first, once the queue has room (utilisation < 0.3).
  std::atomic<bool> input_done{false};
  std::thread replayer;
  if (bounded) {
    replayer = std::thread([&] {
      bool backlog_replayed = false;
      for (;;) {
        const bool done = input_done.load();
        if (done && (drain_requested() || spill->empty())) return;
        if (s.queue.utilisation() < 0.3 && !s.throttled.load()) {
          if (auto lines = spill->take_oldest()) {
            for (auto& line : *lines) {
              auto parsed = parse_reading(line);
              if (auto* r = std::get_if<Reading>(&parsed)) s.queue.push(std::move(*r));
              else s.acct.reject(std::get<const char*>(parsed));  // a damaged spill file
              ++s.acct.replayed;
            }
            backlog_replayed = true;
            continue;
          }
          // The sealed backlog is replayed: hand the pages the burst used back to the OS,
          // or glibc keeps them and RSS stays above its pre-burst level.
          if (backlog_replayed) {
            purge_allocator();
            backlog_replayed = false;
          }
          if (done) spill->seal();  // the last, partly filled file
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }

  MetricsWriter metrics;
  metrics.start_periodic(milliseconds(o.metrics_interval_ms), [&] {
    return nlohmann::json{{"queue_depth", s.queue.size()},
                          {"queue_capacity", s.queue.capacity()},
                          {"utilisation", s.queue.utilisation()},
                          {"throttled", s.throttled.load()},
                          {"received", s.acct.received.load()},
                          {"processed", s.acct.processed.load()},
                          {"spilled", s.acct.spilled.load()},
                          {"replayed", s.acct.replayed.load()},
                          {"spill_bytes", spill ? spill->bytes() : 0},
                          {"rss_bytes", rss_bytes()}};
  });

  std::string line;
  std::string stopped_by = "eof";
  for (;;) {
    const auto status = input->next(line);
    if (status == LineInput::Status::end) break;
    if (status == LineInput::Status::drain) {
      stopped_by = "signal";
      break;
    }
    ++s.acct.received;
    if (status == LineInput::Status::oversized) {
      s.acct.reject(kOversized);
      continue;
    }
    auto parsed = parse_reading(line);
    if (auto* reason = std::get_if<const char*>(&parsed)) {
      s.acct.reject(*reason);
      continue;
    }
    Reading& r = std::get<Reading>(parsed);
    if (!bounded) {
      s.queue.push(std::move(r));
      continue;
    }
    const auto wait = duration_cast<steady_clock::duration>(duration<double, std::milli>(o.spill_timeout_ms));
    if (s.queue.push_until(r, steady_clock::now() + wait)) continue;
    if (spill->write(to_json_line(r))) {
      ++s.acct.spilled;
      continue;
    }
    s.queue.push(std::move(r));  // spill directory full: block rather than lose the record
  }
  if (drain_requested()) stopped_by = "signal";
  input_done = true;
  if (replayer.joinable()) replayer.join();
  if (spill) spill->seal();
  s.queue.close();
  for (auto& t : consumers) t.join();
  monitor_stop = true;
  if (monitor.joinable()) monitor.join();
  metrics.stop_periodic();

  const double elapsed = duration<double>(steady_clock::now() - started).count();
  const auto accounting = s.acct.to_json({{"pipeline", "sensor_ingest"},
                                          {"mode", o.antipattern},
                                          {"stopped_by", stopped_by},
                                          {"in_watershed", s.in_watershed.load()},
                                          {"throttle_pauses", s.pauses.load()},
                                          {"spill_cap_refusals", spill ? spill->cap_refusals() : 0},
                                          {"spill_dir", bounded ? o.spill_dir : ""},
                                          {"elapsed_s", elapsed},
                                          {"records_per_s", elapsed > 0 ? s.acct.received.load() / elapsed : 0.0},
                                          {"peak_rss_bytes", peak_rss_bytes()},
                                          {"allocator", allocator_name()},
                                          {"metrics_dropped", metrics.dropped()}});
  metrics.emit({{"accounting", accounting}});
  std::printf("%s\n", accounting.dump().c_str());
  // An empty spill directory we created is removed; one holding pending records stays.
  if (bounded && s.acct.pending_spill() == 0) {
    std::error_code ec;
    std::filesystem::remove(o.spill_dir, ec);
  }
  return 0;
}
