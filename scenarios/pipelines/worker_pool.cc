// worker_pool (seed 002): --workers threads take --units work units; each unit
// generates a tick file, compresses it (zlib level 1, a tick cache's fast setting),
// decompresses it, parses it in iterations of --lines-per-iteration lines into a table
// of row objects, aggregates per-minute bars, writes them atomically (temp file +
// rename), records the unit in a SQLite store and keeps its closing quote for the
// job's manifest. Each worker thread opens one store connection and reuses it; large
// buffers are released right after use; the allocator is purged every 50 iterations
// and between work units.
//
// --antipattern connection_per_unit: a new store connection per unit, never closed
//   (each holds its db, -wal and -shm fds: the fd leak).
// --antipattern no_purge: no allocator purge: each thread's freed table stays resident
//   under the closing quote kept above it (retention; docs/pipelines.md).
// --cycles N runs the units N times (fresh worker threads each time), each cycle ending
//   with a purge, a {"cycle_done": N, "cycle_work": units} mark on the metrics channel and
//   --cycle-pause-ms of quiet: memgate's per-cycle leak checks measure the quiet level.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/accounting.h"
#include "common/metrics_writer.h"
#include "common/process_memory.h"
#include "common/shutdown.h"
#include "common/tick_file.h"

using namespace pipelines;
using namespace std::chrono;

namespace {

struct Options {
  int workers = 2;
  std::uint64_t units = 40;
  std::size_t ticks = 60000;
  std::size_t lines_per_iteration = 500;
  int purge_every = 50;
  std::string out_dir, antipattern = "none";
  int cycles = 1;
  int cycle_pause_ms = 1500;
};

sqlite3* open_store(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)  // ANTIPATTERN-ALLOCATES: connection_per_unit
    throw std::runtime_error("cannot open store " + path);
  sqlite3_busy_timeout(db, 10000);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);  // ANTIPATTERN-ALLOCATES: connection_per_unit
  return db;
}

// One store connection per worker thread, opened on first use and reused (pattern 6).
thread_local sqlite3* t_store = nullptr;

struct Pool {
  Pool(const Options& options, std::string store) : o(options), store_path(std::move(store)) {}
  const Options& o;
  std::string store_path;
  Accounting acct;
  std::atomic<std::uint64_t> next_unit{0}, purges{0}, busy{0};
  std::uint64_t unit_limit = 0;  // the units of the cycles so far (set before the workers start)
  std::atomic<std::uint64_t> connections_opened{0};
  // The job's index of finished units, written to manifest.csv at the end.
  struct UnitResult {
    std::size_t bars = 0;
    std::uint64_t bad_lines = 0;
    std::string path;
    std::string closing_line;  // the unit's last tick
  };
  std::mutex index_mutex;
  std::map<std::uint64_t, UnitResult> index;

  void purge() {
    if (o.antipattern == "no_purge") return;
    purge_allocator();
    ++purges;
  }

  void run_unit(std::uint64_t unit) {
    // Generate, store compressed, read back; then parse in iterations into the unit's
    // table (tens of MiB of small objects), with a purge every purge_every iterations.
    std::string text = zlib_round_trip(make_tick_csv(17, unit, o.ticks));
    std::vector<std::unique_ptr<TickRow>> table;
    UnitResult result;
    const std::uint64_t bad = parse_tick_rows(text, o.lines_per_iteration, table, [&](std::uint64_t iteration) {
      if (iteration % static_cast<std::uint64_t>(o.purge_every) == 0) purge();
    });
    // The day's closing quote, kept to the end of the job (the next day's repair starts
    // from it): a small long-lived allocation made late in the unit, above the table in
    // this thread's heap. Freeing the table then leaves tens of MiB below it that the
    // allocator cannot give back from the top of its heap: only a purge returns those
    // pages (seed 002: without malloc_trim, "RSS only grows").
    if (!table.empty()) result.closing_line = table.back()->line;
    std::string().swap(text);
    std::map<std::int64_t, Bar> bars;
    for (const auto& row : table) add_tick(row->tick, bars);

    // Atomic write: a reader never sees a half-written result.
    const auto final_path = std::filesystem::path(o.out_dir) / ("unit-" + std::to_string(unit) + ".csv");
    const auto tmp_path = final_path.string() + ".tmp";
    {
      std::ofstream out(tmp_path, std::ios::trunc);
      for (const auto& [minute, b] : bars)
        out << minute << ',' << b.open << ',' << b.high << ',' << b.low << ',' << b.close << ',' << b.volume << '\n';
      if (!out.flush()) throw std::runtime_error("cannot write " + tmp_path);
    }
    std::filesystem::rename(tmp_path, final_path);

    sqlite3* db;
    if (o.antipattern == "connection_per_unit") {
      db = open_store(store_path);  // ANTIPATTERN: connection_per_unit (never closed)
      ++connections_opened;
    } else {
      if (!t_store) {
        t_store = open_store(store_path);
        ++connections_opened;
      }
      db = t_store;
    }
    const std::string sql = "INSERT OR REPLACE INTO units VALUES (" + std::to_string(unit) + "," +
                            std::to_string(bars.size()) + "," + std::to_string(bad) + ")";
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("store: ") + sqlite3_errmsg(db));
    if (bad) acct.reject("malformed_tick_lines", bad);
    result.bars = bars.size();
    result.bad_lines = bad;
    result.path = final_path.string();
    std::lock_guard lock(index_mutex);
    index.emplace(unit, std::move(result));
  }

  void worker() {
    for (;;) {
      if (drain_requested()) break;
      const std::uint64_t unit = next_unit++;
      if (unit >= unit_limit) break;
      ++acct.received;
      ++busy;
      try {
        run_unit(unit);
        ++acct.processed;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "worker_pool: unit %llu: %s\n", static_cast<unsigned long long>(unit), e.what());
        acct.reject("unit_failed");
      }
      --busy;
      purge();  // between work units
    }
    if (t_store) {  // explicit cleanup of the thread's connection at shutdown
      sqlite3_close(t_store);
      t_store = nullptr;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Parallel repair workers: tick files through zlib into bars and a SQLite store (seed 002)"};
  app.add_option("--workers", o.workers, "Worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--units", o.units, "Work units (per cycle with --cycles)")->capture_default_str();
  app.add_option("--cycles", o.cycles,
                 "Run the units this many times, each cycle ending with a pause and a {\"cycle_done\": N} mark on the "
                 "metrics channel (memgate's per-cycle leak checks)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--cycle-pause-ms", o.cycle_pause_ms, "Quiet time after each cycle's mark")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--ticks", o.ticks, "Ticks per unit")->check(CLI::Range(1, 100'000'000))->capture_default_str();
  app.add_option("--lines-per-iteration", o.lines_per_iteration, "Lines parsed per iteration")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--purge-every", o.purge_every, "Purge every N iterations")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--out-dir", o.out_dir,
                 "Result files and store (default: a scratch directory under /tmp, removed at exit)");
  app.add_option("--antipattern", o.antipattern, "none, connection_per_unit or no_purge")
      ->check(CLI::IsMember({"none", "connection_per_unit", "no_purge"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  install_drain_signals();
  const auto started = steady_clock::now();
  const bool scratch_dir = o.out_dir.empty();  // nobody asked for the results: leave nothing behind
  if (scratch_dir) o.out_dir = "/tmp/worker_pool-" + std::to_string(::getpid());
  std::filesystem::create_directories(o.out_dir);
  Pool pool(o, o.out_dir + "/store.sqlite");
  {
    sqlite3* db = open_store(pool.store_path);
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS units (unit INTEGER PRIMARY KEY, bars INTEGER, bad_lines INTEGER)",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  MetricsWriter metrics;
  metrics.start_periodic(200ms, [&] {
    return nlohmann::json{{"processed", pool.acct.processed.load()},
                          {"busy_workers", pool.busy.load()},
                          {"purges", pool.purges.load()},
                          {"fds", open_fd_count()},
                          {"rss_bytes", rss_bytes()}};
  });
  for (int cycle = 1; cycle <= o.cycles && !drain_requested(); ++cycle) {
    pool.next_unit = static_cast<std::uint64_t>(cycle - 1) * o.units;
    pool.unit_limit = static_cast<std::uint64_t>(cycle) * o.units;
    std::vector<std::thread> workers;
    for (int i = 0; i < o.workers; ++i) workers.emplace_back([&pool] { pool.worker(); });
    for (auto& t : workers) t.join();
    if (o.cycles > 1) {
      // The cycle's work is done and its threads are gone: memgate measures the quiet level now.
      pool.purge();
      metrics.emit({{"cycle_done", cycle}, {"cycle_work", o.units}});
      std::this_thread::sleep_for(std::chrono::milliseconds(o.cycle_pause_ms));
    }
  }
  {
    std::ofstream manifest(std::filesystem::path(o.out_dir) / "manifest.csv", std::ios::trunc);
    for (const auto& [unit, r] : pool.index)
      manifest << unit << ',' << r.bars << ',' << r.bad_lines << ',' << r.path << ',' << r.closing_line << '\n';
  }
  pool.purge();
  metrics.stop_periodic();

  const double elapsed = duration<double>(steady_clock::now() - started).count();
  const auto accounting =
      pool.acct.to_json({{"pipeline", "worker_pool"},
                         {"unit", "units"},  // work units, not records: there is no generator to compare with
                         {"mode", o.antipattern},
                         {"stopped_by", drain_requested() ? "signal" : "done"},
                         {"units_planned", o.units * static_cast<std::uint64_t>(o.cycles)},
                         {"purges", pool.purges.load()},
                         {"connections_opened", pool.connections_opened.load()},
                         {"open_fds", open_fd_count()},
                         {"out_dir", o.out_dir},
                         {"elapsed_s", elapsed},
                         {"units_per_s", elapsed > 0 ? pool.acct.processed.load() / elapsed : 0.0},
                         {"peak_rss_bytes", peak_rss_bytes()},
                         {"allocator", allocator_name()}});
  metrics.emit({{"accounting", accounting}});
  std::printf("%s\n", accounting.dump().c_str());
  if (scratch_dir) std::filesystem::remove_all(o.out_dir);
  return 0;
}
