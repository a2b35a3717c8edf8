#include "memgate/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace memgate {

std::optional<std::uint64_t> parse_bytes(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  std::erase_if(unit, [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") scale = 1024.0;
  else if (unit == "m" || unit == "mb" || unit == "mib") scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb" || unit == "gib") scale = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb" || unit == "tib") scale = 1024.0 * 1024 * 1024 * 1024;
  else return std::nullopt;
  // 2^64 and more is no size (and would wrap through llround's long long).
  const double bytes = std::round(value * scale);
  if (!(bytes < 18446744073709551616.0)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::optional<double> parse_duration(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value < 0 || !std::isfinite(value)) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  double seconds = 0;
  if (unit.empty() || unit == "s") seconds = value;
  else if (unit == "ms") seconds = value / 1000;
  else if (unit == "m" || unit == "min") seconds = value * 60;
  else if (unit == "h") seconds = value * 3600;
  else if (unit == "d") seconds = value * 86400;
  else return std::nullopt;
  if (!std::isfinite(seconds)) return std::nullopt;  // "1e308h" overflows: no duration
  return seconds;
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
