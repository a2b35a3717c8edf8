// Byte sizes as people write them ("512M", "1.5GiB", "800 kB") and as memgate prints them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memgate {

// Binary units (K/KiB/KB = 1024...; a bare number is bytes). nullopt when malformed.
std::optional<std::uint64_t> parse_bytes(std::string_view text);

// "30s", "5m", "2h", "1.5h", "250ms", or a bare number of seconds. nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

// "12.3 MiB" style, with the unit chosen by size.
std::string format_bytes(double bytes);

// "7.2s", "4m 05s", "20h 07m", "24h", "3.5 days"
std::string format_duration(double seconds);

}  // namespace memgate
