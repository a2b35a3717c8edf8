// One worker_pool work unit's data (seed 002): a day of FX ticks as CSV
// ("ms,bid,ask,volume\n"), generated from (seed, unit), and per-minute OHLC bars
// aggregated from it. Pure: strings in, values out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace pipelines {

std::string make_tick_csv(std::uint64_t seed, std::uint64_t unit, std::size_t ticks);

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

// Adds the ticks of `lines` (complete CSV lines) to per-minute bars; returns how many
// lines were malformed (skipped).
std::uint64_t aggregate_ticks(std::string_view lines, std::map<std::int64_t, Bar>& bars);

}  // namespace pipelines
