// Byte sizes as people write them ("512M", "1.5GiB", "800 kB") and as memgate prints them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memgate {

// K, KiB = 1024 (binary: M, MiB, G, GiB, T, TiB alike); kB = 1000 (decimal: MB, GB, TB);
// a bare number is bytes; letter case is ignored. nullopt when malformed.
std::optional<std::uint64_t> parse_bytes(std::string_view text);

// "30s", "5m", "2h", "1.5h", "250ms", "1h30m", "1d12h", or a bare number of seconds.
// nullopt when malformed.
std::optional<double> parse_duration(std::string_view text);

// The factor from a rate per `per` ("h", "min" or "m", "s", "d") to a rate per hour:
// 2 MiB/min is 2 MiB x 60 per hour. nullopt for any other unit.
std::optional<double> parse_rate_per_hour(std::string_view per);

// "12.3 MiB" style, with the unit chosen by size.
std::string format_bytes(double bytes);

// "1 check", "3 checks": the count and the noun in the number it takes.
std::string count_noun(std::size_t n, std::string_view one, std::string_view many);

// "7.2s", "4m 05s", "20h 07m", "24h", "3.5 days"
std::string format_duration(double seconds);

}  // namespace memgate
