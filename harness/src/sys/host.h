// Facts about the machine and the clock, for run metadata and `memgate doctor`.
#pragma once

#include <cstdint>
#include <string>

namespace memgate::sys {

std::string hostname();
std::string kernel_release();  // uname -r
std::string kernel_version();  // uname -v
double monotonic_seconds();
std::int64_t unix_millis();
std::string iso8601_utc(std::int64_t unix_ms);          // 2026-11-23T17:40:10.123Z
std::string compact_local_timestamp(std::int64_t unix_ms);  // 20261123-174010 (for dir names)

}  // namespace memgate::sys
