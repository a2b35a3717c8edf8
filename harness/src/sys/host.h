// Facts about the machine and the clock, for run metadata and `memgate doctor`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memgate::sys {

std::string hostname();
std::string kernel_release();  // uname -r
std::uint64_t page_size();
std::uint64_t swap_total_bytes();  // /proc/meminfo SwapTotal (0 without swap)
double monotonic_seconds();
std::int64_t unix_millis();
std::string iso8601_utc(std::int64_t unix_ms);              // 2026-11-23T17:40:10.123Z
std::string compact_local_timestamp(std::int64_t unix_ms);  // 20261123-174010 (for dir names)

// memgate's own environment, KEY=VALUE each.
std::vector<std::string> environment();
bool stderr_is_terminal();
// Columns of the terminal on stderr (TIOCGWINSZ); 0 when unknown or not a terminal.
unsigned stderr_columns();

// memgate's own cost so far (getrusage of this process).
struct SelfUsage {
  double cpu_s = 0;                 // user + system
  std::uint64_t max_rss_bytes = 0;  // peak RSS
};
SelfUsage self_usage();

}  // namespace memgate::sys
