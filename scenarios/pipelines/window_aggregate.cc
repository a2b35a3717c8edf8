// window_aggregate (seed 000): sensor readings in fixed windows of --window records,
// coordinates stored as float32, a centroid and bbox per window; after each window
// the buffers are cleared (capacity kept: no reallocation), and RSS is checked: above
// 85 % of --memory-limit-mb the allocator is purged and ingestion pauses briefly; if
// RSS is still above the limit the program ends with a clear error (exit 2).
//
// --antipattern accumulate: every parsed record is appended to a list that is never
//   cleared (the seed's list.append), and no limit is enforced.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/accounting.h"
#include "common/line_input.h"
#include "common/metrics_writer.h"
#include "common/process_memory.h"
#include "common/shutdown.h"
#include "common/telemetry.h"
#include "common/window_stats.h"

using namespace pipelines;
using namespace std::chrono;

int main(int argc, char** argv) {
  std::string input = "-", windows_out, antipattern = "none";
  std::size_t window = 2000;
  std::uint64_t limit_mb = 512;
  double soft_ratio = 0.85;
  int pause_ms = 150;
  CLI::App app{"Fixed-window aggregation of sensor coordinates under an RSS limit (seed 000)"};
  app.add_option("--input", input, "-, unix:PATH or tcp:PORT")->capture_default_str();
  app.add_option("--window", window, "Records per window")->check(CLI::Range(1, 10'000'000))->capture_default_str();
  app.add_option("--memory-limit-mb", limit_mb, "Hard RSS limit")->check(CLI::Range(8, 1 << 20))->capture_default_str();
  app.add_option("--soft-ratio", soft_ratio, "Purge and pause above this share of the limit")
      ->check(CLI::Range(0.1, 1.0))
      ->capture_default_str();
  app.add_option("--pause-ms", pause_ms, "Pause after a purge")->capture_default_str();
  app.add_option("--windows-out", windows_out, "Append each window's result here (JSON lines)");
  app.add_option("--antipattern", antipattern, "none or accumulate")
      ->check(CLI::IsMember({"none", "accumulate"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  install_drain_signals();
  const auto started = steady_clock::now();
  std::unique_ptr<LineInput> in;
  try {
    in = std::make_unique<LineInput>(input, 16384);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "window_aggregate: %s\n", e.what());
    return 3;
  }
  std::ofstream out;
  if (!windows_out.empty()) out.open(windows_out, std::ios::app);

  Accounting acct;
  const bool accumulate = antipattern == "accumulate";
  std::vector<float> lats, lons;
  lats.reserve(window), lons.reserve(window);
  std::vector<nlohmann::json> everything;  // the anti-pattern: every record, forever
  std::uint64_t windows = 0, purges = 0;
  std::string error;
  const std::uint64_t limit = limit_mb << 20;

  MetricsWriter metrics;
  std::atomic<std::uint64_t> windows_seen{0};
  metrics.start_periodic(200ms, [&] {
    return nlohmann::json{{"received", acct.received.load()},
                          {"processed", acct.processed.load()},
                          {"windows", windows_seen.load()},
                          {"rss_bytes", rss_bytes()}};
  });

  const auto close_window = [&] {
    if (lats.empty()) return;
    const auto stats = window_stats(lats, lons);
    if (out.is_open()) out << to_json(stats).dump() << '\n';
    acct.processed += lats.size();
    lats.clear(), lons.clear();
    windows_seen = ++windows;
    if (accumulate) return;
    if (rss_bytes() > static_cast<std::uint64_t>(static_cast<double>(limit) * soft_ratio)) {
      purge_allocator();
      ++purges;
      std::this_thread::sleep_for(milliseconds(pause_ms));  // let the kernel reclaim before judging
      if (const auto rss = rss_bytes(); rss > limit)
        error = "RSS " + std::to_string(rss >> 20) + " MiB exceeds the hard limit of " + std::to_string(limit_mb) +
                " MiB after a purge; raise --memory-limit-mb or lower --window";
    }
  };

  std::string line, stopped_by = "eof";
  for (;;) {
    const auto status = in->next(line);
    if (status == LineInput::Status::end) break;
    if (status == LineInput::Status::drain) {
      stopped_by = "signal";
      break;
    }
    ++acct.received;
    if (status == LineInput::Status::oversized) {
      acct.reject(kOversized);
      continue;
    }
    auto parsed = parse_reading(line);
    if (auto* reason = std::get_if<const char*>(&parsed)) {
      acct.reject(*reason);
      continue;
    }
    const Reading& r = std::get<Reading>(parsed);
    if (accumulate) everything.push_back(nlohmann::json::parse(line));  // ANTIPATTERN: accumulate
    lats.push_back(static_cast<float>(r.lat));
    lons.push_back(static_cast<float>(r.lon));
    if (lats.size() == window) close_window();
    if (!error.empty()) {
      stopped_by = "hard_limit";
      break;
    }
  }
  close_window();  // the remainder when the stream ends mid-window
  metrics.stop_periodic();
  if (!error.empty()) std::fprintf(stderr, "window_aggregate: %s\n", error.c_str());

  const double elapsed = duration<double>(steady_clock::now() - started).count();
  const auto accounting = acct.to_json({{"pipeline", "window_aggregate"},
                                        {"mode", antipattern},
                                        {"stopped_by", stopped_by},
                                        {"windows", windows},
                                        {"purges", purges},
                                        {"kept_records", everything.size()},
                                        {"elapsed_s", elapsed},
                                        {"records_per_s", elapsed > 0 ? acct.received.load() / elapsed : 0.0},
                                        {"peak_rss_bytes", peak_rss_bytes()},
                                        {"allocator", allocator_name()}});
  metrics.emit({{"accounting", accounting}});
  std::printf("%s\n", accounting.dump().c_str());
  return error.empty() ? 0 : 2;
}
