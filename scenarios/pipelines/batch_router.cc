// batch_router (seed 003): origin-destination pairs arrive as chunk records on stdin
// ({"chunk":k,"chunks":n,"pairs":[{"id":..,"o":[lat,lon],"d":[lat,lon]},...]}); they
// are re-cut into requests of --chunk-size pairs, routed by a "backend" (A* travel
// times on a seeded synthetic road graph) that fails --fail-rate of the requests,
// retried with exponential backoff and jitter, and each request's results are written
// to SQLite at once, in one transaction. Geometry is deferred: routes are not asked for.
//
// --antipattern accumulate: the whole matrix and every raw backend response (with
//   route geometry) are kept in memory and written only at the end.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/accounting.h"
#include "common/line_input.h"
#include "common/metrics_writer.h"
#include "common/process_memory.h"
#include "common/road_graph.h"
#include "common/shutdown.h"

using namespace pipelines;
using namespace std::chrono;

namespace {

struct Pair {
  std::uint64_t id;
  double olat, olon, dlat, dlon;
};
struct Result {
  std::uint64_t id;
  double time_s, distance_m;
};

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The routing service: an injected failure rate, and a JSON response like a matrix API's.
class Backend {
 public:
  Backend(RoadGraph& graph, double fail_rate, std::uint64_t seed)
      : graph_(graph), fail_rate_(fail_rate), state_(seed) {}
  std::optional<std::string> request(const std::vector<Pair>& pairs, bool with_geometry) {
    ++requests_;
    if (static_cast<double>((state_ = mix(state_)) >> 11) * 0x1.0p-53 < fail_rate_) return std::nullopt;  // a 503
    nlohmann::json durations = nlohmann::json::array(), distances = nlohmann::json::array(),
                   routes = nlohmann::json::array();
    std::vector<int> path;
    for (const Pair& p : pairs) {
      path.clear();
      const auto r = graph_.shortest(graph_.nearest_node(p.olat, p.olon), graph_.nearest_node(p.dlat, p.dlon),
                                     with_geometry ? &path : nullptr);
      durations.push_back(r ? nlohmann::json(r->travel_time_s) : nlohmann::json());
      distances.push_back(r ? nlohmann::json(r->distance_m) : nlohmann::json());
      if (with_geometry) {
        // Like a matrix/route API's geometry: the route's [lat, lon] coordinates.
        nlohmann::json line = nlohmann::json::array();
        for (const int node : path) line.push_back({graph_.lat(node), graph_.lon(node)});
        routes.push_back(std::move(line));
      }
    }
    nlohmann::json resp = {{"durations", durations}, {"distances", distances}};
    if (with_geometry) resp["routes"] = routes;
    return resp.dump();  // ANTIPATTERN-ALLOCATES: accumulate (the responses it keeps)
  }
  std::uint64_t requests() const { return requests_; }

 private:
  RoadGraph& graph_;
  double fail_rate_;
  std::uint64_t state_, requests_ = 0;
};

class Store {
 public:
  explicit Store(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path + ": " + sqlite3_errmsg(db_));
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec("CREATE TABLE IF NOT EXISTS drive_times (pair_id INTEGER PRIMARY KEY, travel_time_s REAL, distance_m REAL)");
    sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO drive_times VALUES (?, ?, ?)", -1, &insert_, nullptr);
  }
  ~Store() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  void write(const std::vector<Result>& results) {
    exec("BEGIN");
    for (const Result& r : results) {
      sqlite3_bind_int64(insert_, 1, static_cast<sqlite3_int64>(r.id));
      sqlite3_bind_double(insert_, 2, r.time_s);
      sqlite3_bind_double(insert_, 3, r.distance_m);
      if (sqlite3_step(insert_) != SQLITE_DONE) throw std::runtime_error(std::string("insert: ") + sqlite3_errmsg(db_));
      sqlite3_reset(insert_);
    }
    exec("COMMIT");
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error(std::string(sql) + ": " + msg);
    }
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

// Appends the pairs of one chunk record; false (nothing appended) when it is malformed.
bool parse_chunk(const std::string& line, std::vector<Pair>& out, Accounting& acct) {
  const auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_object() || !doc.contains("pairs") || !doc["pairs"].is_array()) return false;
  for (const auto& p : doc["pairs"]) {
    ++acct.received;
    const auto ok = [&](const char* k) {
      return p.contains(k) && p[k].is_array() && p[k].size() == 2 && p[k][0].is_number() && p[k][1].is_number();
    };
    if (!p.is_object() || !p.contains("id") || !p["id"].is_number_unsigned() || !ok("o") || !ok("d")) {
      acct.reject("bad_pair");
      continue;
    }
    out.push_back({p["id"].get<std::uint64_t>(), p["o"][0].get<double>(), p["o"][1].get<double>(),
                   p["d"][0].get<double>(), p["d"][1].get<double>()});
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input = "-", db_path, antipattern = "none";
  std::size_t chunk_size = 800;
  double fail_rate = 0.05, base_ms = 5, cap_ms = 200;
  int max_attempts = 5, grid = 40;
  CLI::App app{"Streamed batch routing of origin-destination pairs into SQLite (seed 003)"};
  app.add_option("--input", input, "-, unix:PATH or tcp:PORT")->capture_default_str();
  app.add_option("--db", db_path, "SQLite file (default: a scratch one under /tmp, removed at exit)");
  app.add_option("--chunk-size", chunk_size, "Pairs per backend request")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--fail-rate", fail_rate, "Share of backend requests that fail")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  app.add_option("--max-attempts", max_attempts, "Attempts per request")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_option("--backoff-base-ms", base_ms, "First retry delay")->capture_default_str();
  app.add_option("--backoff-cap-ms", cap_ms, "Longest retry delay")->capture_default_str();
  app.add_option("--grid", grid, "Road grid is GRID x GRID intersections")
      ->check(CLI::Range(4, 2000))
      ->capture_default_str();
  app.add_option("--antipattern", antipattern, "none or accumulate")
      ->check(CLI::IsMember({"none", "accumulate"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  install_drain_signals();
  const auto started = steady_clock::now();
  const bool scratch_db = db_path.empty();  // nobody asked for the results: leave nothing behind
  if (scratch_db) db_path = "/tmp/batch_router-" + std::to_string(::getpid()) + ".sqlite";
  const bool accumulate = antipattern == "accumulate";
  std::unique_ptr<LineInput> in;
  std::unique_ptr<Store> store;
  try {
    in = std::make_unique<LineInput>(input, 64u << 20);  // a 1,000-pair chunk is ~70 KB
    store = std::make_unique<Store>(db_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batch_router: %s\n", e.what());
    return 3;
  }
  RoadGraph graph({.cols = grid, .rows = grid});
  Backend backend(graph, fail_rate, 99);
  Accounting acct;
  std::uint64_t retries = 0, failed_requests = 0, chunks = 0, jitter_state = 1234;
  std::vector<Result> matrix;              // anti-pattern: the whole matrix...
  std::vector<std::string> raw_responses;  // ...and every raw response

  MetricsWriter metrics;
  std::atomic<std::uint64_t> retries_seen{0};
  metrics.start_periodic(200ms, [&] {
    return nlohmann::json{{"received", acct.received.load()},
                          {"processed", acct.processed.load()},
                          {"retries", retries_seen.load()},
                          {"rss_bytes", rss_bytes()}};
  });

  std::vector<Pair> pending;
  std::vector<Result> results;
  const auto route_pending = [&] {
    if (pending.empty()) return;
    std::optional<std::string> response;
    for (int attempt = 0; attempt < max_attempts && !response; ++attempt) {
      if (attempt > 0) {
        ++retries, retries_seen = retries;
        const double jitter = static_cast<double>((jitter_state = mix(jitter_state)) >> 11) * 0x1.0p-53;
        std::this_thread::sleep_for(
            duration<double>(backoff_delay_s(attempt - 1, base_ms / 1000, cap_ms / 1000, jitter)));
      }
      response = backend.request(pending, accumulate);
    }
    if (!response) {
      ++failed_requests;
      acct.reject("backend_failed", pending.size());
      pending.clear();
      return;
    }
    const auto doc = nlohmann::json::parse(*response);
    results.clear();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (doc["durations"][i].is_null()) {
        acct.reject("unreachable");
        continue;
      }
      results.push_back({pending[i].id, doc["durations"][i].get<double>(), doc["distances"][i].get<double>()});
    }
    if (accumulate) {
      matrix.insert(matrix.end(), results.begin(), results.end());
      raw_responses.push_back(std::move(*response));  // ANTIPATTERN: accumulate
    } else {
      store->write(results);  // persisted now: memory holds one request's worth
      acct.processed += results.size();
    }
    ++chunks;
    pending.clear();
  };

  std::string line, stopped_by = "eof";
  for (;;) {
    const auto status = in->next(line);
    if (status == LineInput::Status::end) break;
    if (status == LineInput::Status::drain) {
      stopped_by = "signal";
      break;
    }
    if (status == LineInput::Status::oversized || !parse_chunk(line, pending, acct)) {
      ++acct.received;  // an unreadable chunk counts as one record: its pairs are unknowable
      acct.reject("malformed_chunk");
    }
    while (pending.size() >= chunk_size) {
      std::vector<Pair> rest(pending.begin() + static_cast<std::ptrdiff_t>(chunk_size), pending.end());
      pending.resize(chunk_size);
      route_pending();
      pending = std::move(rest);
    }
  }
  route_pending();
  if (accumulate) {
    store->write(matrix);
    acct.processed += matrix.size();
  }
  metrics.stop_periodic();
  const double elapsed = duration<double>(steady_clock::now() - started).count();
  const auto accounting =
      acct.to_json({{"pipeline", "batch_router"},
                    {"unit", "pairs"},  // received counts pairs, not the chunk lines that carry them
                    {"mode", antipattern},
                    {"stopped_by", stopped_by},
                    {"requests", backend.requests()},
                    {"routed_chunks", chunks},
                    {"retries", retries},
                    {"failed_requests", failed_requests},
                    {"kept_responses", raw_responses.size()},
                    {"db", db_path},
                    {"elapsed_s", elapsed},
                    {"records_per_s", elapsed > 0 ? acct.received.load() / elapsed : 0.0},
                    {"peak_rss_bytes", peak_rss_bytes()},
                    {"allocator", allocator_name()}});
  metrics.emit({{"accounting", accounting}});
  std::printf("%s\n", accounting.dump().c_str());
  if (scratch_db) {
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_path + suffix);
  }
  return 0;
}
