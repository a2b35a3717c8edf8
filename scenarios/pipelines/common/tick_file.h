// One worker_pool work unit's data (seed 002): a day of FX ticks as CSV
// ("ms,bid,ask,volume\n"), generated from (seed, unit), stored compressed, parsed into
// a table of rows and aggregated into per-minute OHLC bars. No I/O: strings in, values
// out, so the pipeline and its benchmark (tests/bench/pipeline_stages_bench.cc) share it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pipelines {

std::string make_tick_csv(std::uint64_t seed, std::uint64_t unit, std::size_t ticks);

// The unit's file as the job stores and reads it: compressed (zlib level 1) and
// decompressed again. `csv` is released once compressed and the compressed buffer once
// decompressed, so at most two copies are live at a time. Throws std::runtime_error.
std::string zlib_round_trip(std::string csv);

struct Tick {
  std::int64_t ms = 0;
  double bid = 0, ask = 0, volume = 0;
};

// Parses one CSV line ("ms,bid,ask,volume", without its '\n'); false if malformed.
bool parse_tick(std::string_view line, Tick& out);

struct Bar {
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::uint64_t ticks = 0;
};

// Adds one tick to its minute's bar.
void add_tick(const Tick& tick, std::map<std::int64_t, Bar>& bars);

// One parsed tick and its source line (kept for the repair log).
struct TickRow {
  Tick tick;
  std::string line;
};

// Parses complete CSV lines into one heap object per tick, as a dataframe-of-objects
// parse allocates (many small objects, ~130 bytes a tick), in iterations of `batch`
// lines, calling after_iteration(n) after the n-th (1-based; may be empty). Returns how
// many lines were malformed (skipped).
std::uint64_t parse_tick_rows(std::string_view lines, std::size_t batch, std::vector<std::unique_ptr<TickRow>>& rows,
                              const std::function<void(std::uint64_t iteration)>& after_iteration = {});

}  // namespace pipelines
