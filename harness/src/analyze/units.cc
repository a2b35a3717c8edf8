#include "memgate/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace memgate {

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  std::erase_if(unit, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // K, M, G, T and KiB, MiB, GiB, TiB are binary (as in cgroups, ulimit and docker);
  // kB, MB, GB, TB decimal, as the SI and IEC say. The case of the letters does not matter.
  double scale = 0;
  constexpr double kKi = 1024.0, kK = 1000.0;
  const std::string_view prefixes = "kmgt";
  const std::size_t power = unit.empty() ? std::string_view::npos : prefixes.find(unit.front());
  if (unit.empty() || unit == "b") scale = 1;
  else if (power == std::string_view::npos) return std::nullopt;
  else if (unit.size() == 1 || unit.substr(1) == "ib") scale = std::pow(kKi, static_cast<double>(power + 1));
  else if (unit.substr(1) == "b") scale = std::pow(kK, static_cast<double>(power + 1));
  else return std::nullopt;
  // 2^64 and more is no size (and would wrap through llround's long long).
  const double bytes = std::round(value * scale);
  if (!(bytes < 18446744073709551616.0)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

namespace {

// Seconds in one unit of a duration ("" is seconds); nullopt for an unknown unit.
std::optional<double> seconds_per(std::string_view unit) {
  if (unit.empty() || unit == "s") return 1.0;
  if (unit == "ms") return 0.001;
  if (unit == "m" || unit == "min") return 60.0;
  if (unit == "h") return 3600.0;
  if (unit == "d") return 86400.0;
  return std::nullopt;
}

}  // namespace

std::optional<double> parse_duration(std::string_view text) {
  // A bare number of seconds, or one or more "<number><unit>" terms: "250ms", "1h30m".
  double seconds = 0;
  std::size_t terms = 0;
  bool bare = false;
  const char* const last = text.data() + text.size();
  for (const char* at = text.data(); at != last; ++terms) {
    double value = 0;
    const auto [end, ec] = std::from_chars(at, last, value);
    if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
    const char* unit_end = end;
    while (unit_end != last && std::isalpha(static_cast<unsigned char>(*unit_end))) ++unit_end;
    const std::string_view unit(end, static_cast<std::size_t>(unit_end - end));
    const std::optional<double> scale = seconds_per(unit);
    if (!scale) return std::nullopt;
    bare = bare || unit.empty();
    seconds += value * *scale;
    at = unit_end;
  }
  if (terms == 0 || (bare && terms > 1)) return std::nullopt;  // "", or "1h30" (30 what?)
  if (!std::isfinite(seconds)) return std::nullopt;            // "1e308h" overflows: no duration
  return seconds;
}

std::optional<double> parse_rate_per_hour(std::string_view per) {
  if (per.empty() || per == "ms") return std::nullopt;  // "/" alone; per millisecond is no rate people write
  const std::optional<double> seconds = seconds_per(per);
  if (!seconds) return std::nullopt;
  return 3600.0 / *seconds;
}

namespace {
// Values no run produces (1e300 from a hand-written file) in a readable width.
constexpr double kPlainLimit = 1e6;
}  // namespace

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes)) return std::isnan(bytes) ? "? B" : bytes > 0 ? "inf B" : "-inf B";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = bytes;
  while (std::fabs(v) >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char text[32];
  if (std::fabs(v) >= kPlainLimit) std::snprintf(text, sizeof text, "%.3g %s", v, units[u]);
  else std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : u >= 3 ? "%.2f %s" : "%.1f %s", v, units[u]);
  return text;
}

std::string count_noun(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string format_duration(double seconds) {
  char text[48];
  if (!std::isfinite(seconds)) return std::isnan(seconds) ? "?s" : seconds > 0 ? "inf s" : "-inf s";
  if (std::fabs(seconds) >= kPlainLimit * 86400) {
    std::snprintf(text, sizeof text, "%.3g days", seconds / 86400);
    return text;
  }
  const auto total = static_cast<long long>(std::llround(seconds));
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof text, "%lldm %02llds", total / 60, total % 60);
  } else if (seconds < 2 * 86400) {
    const long long minutes = (total % 3600) / 60;
    if (minutes == 0) std::snprintf(text, sizeof text, "%lldh", total / 3600);
    else std::snprintf(text, sizeof text, "%lldh %02lldm", total / 3600, minutes);
  } else {
    std::snprintf(text, sizeof text, "%.1f days", seconds / 86400);
  }
  return text;
}

}  // namespace memgate
