// Sizes, durations and the plateau and baseline flags built on them (memgate/units.h,
// analyze/plateau.h): a value or nullopt / memgate::Error, values in range, and
// round trips: a parsed size or duration, formatted and parsed again, is the same
// value within the format's rounding.
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "analyze/baseline.h"
#include "analyze/plateau.h"
#include "fuzz_support.h"
#include "memgate/units.h"

namespace {

using namespace memgate;

// format_duration's forms ("7.2s", "4m 05s", "20h 07m", "24h", "3.5 days") back to
// seconds: each space-separated part is a parse_duration term ("days" -> "d").
std::optional<double> parse_formatted_duration(const std::string& text) {
  double total = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t space = std::min(text.find(' ', start), text.size());
    std::string part = text.substr(start, space - start);
    start = space + 1;
    if (part == "days") {
      total *= 86400;  // "3.5 days": the part before was the bare number
      continue;
    }
    const auto seconds = parse_duration(part);
    if (!seconds) return std::nullopt;
    total += *seconds;
  }
  return total;
}

void check_bytes(std::string_view text) {
  const auto bytes = parse_bytes(text);
  if (!bytes) return;
  const double value = static_cast<double>(*bytes);
  // Exact in its own plain form.
  FUZZ_CHECK(parse_bytes(std::to_string(*bytes)) == bytes, "parse_bytes(to_string(n)) != n for " + std::string(text));
  if (value >= 9.2e18) return;  // the formatted form may round up past what a size can hold
  // "12.3 MiB": one decimal (two from GiB up) of the unit chosen by size.
  const std::string formatted = format_bytes(value);
  const auto again = parse_bytes(formatted);
  FUZZ_CHECK(again.has_value(), "format_bytes output '" + formatted + "' does not parse");
  const double error = std::fabs(static_cast<double>(*again) - value);
  FUZZ_CHECK(error <= 0.5 || error <= 0.05 * value,
             "format_bytes round trip: " + std::string(text) + " -> " + formatted);
}

void check_duration(std::string_view text) {
  const auto seconds = parse_duration(text);
  if (!seconds) return;
  FUZZ_CHECK(std::isfinite(*seconds) && *seconds >= 0,
             "parse_duration gave a negative or non-finite value for " + std::string(text));
  // Exact through the shortest decimal form in seconds.
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *seconds);
  FUZZ_CHECK(ec == std::errc{}, "to_chars");
  FUZZ_CHECK(parse_duration(std::string(buf, end) + "s") == seconds, "parse_duration(to_chars(d) + 's') != d");
  if (*seconds >= 1e9) return;  // "%.1f days" of ~30 years and more: not a duration people read
  const std::string formatted = format_duration(*seconds);
  const auto again = parse_formatted_duration(formatted);
  FUZZ_CHECK(again.has_value(), "format_duration output '" + formatted + "' does not parse");
  // What the printed form drops: 0.05 s under a minute, 0.5 s in "4m 05s", the
  // seconds (truncated) in "20h 07m", 0.05 days in "3.5 days".
  const double tolerance = *seconds < 60 ? 0.05 : *seconds < 3600 ? 0.5 : *seconds < 2 * 86400 ? 60 : 0.05 * 86400;
  FUZZ_CHECK(std::fabs(*again - *seconds) <= tolerance + 1e-9 * *seconds,
             "format_duration round trip: " + std::string(text) + " -> " + formatted);
}

void check_plateau_flags(const std::string& text) {
  fuzz::accepts([&] {
    const analyze::Warmup w = analyze::parse_warmup(text);
    if (w.kind == analyze::Warmup::Kind::fraction)
      FUZZ_CHECK(w.value >= 0 && w.value < 1, "--warmup share outside [0, 1)");
    if (w.kind == analyze::Warmup::Kind::seconds)
      FUZZ_CHECK(std::isfinite(w.value) && w.value >= 0, "--warmup seconds not finite");
  });
  fuzz::accepts([&] {
    analyze::PlateauSettings s;
    analyze::parse_tolerance(text, s);
    FUZZ_CHECK(std::isfinite(s.tolerance_abs_per_h) && s.tolerance_abs_per_h >= 0,
               "--tolerance absolute rate not finite");
    FUZZ_CHECK(std::isfinite(s.tolerance_pct_per_h) && s.tolerance_pct_per_h >= 0, "--tolerance percentage not finite");
  });
}

// --max-increase: a share and an amount, both finite and non-negative when accepted.
void check_max_increase(std::string_view text) {
  const auto m = analyze::parse_max_increase(text);
  if (!m) return;
  FUZZ_CHECK(std::isfinite(m->pct) && m->pct >= 0, "--max-increase share not finite or negative");
  FUZZ_CHECK(std::isfinite(m->abs_bytes) && m->abs_bytes >= 0, "--max-increase amount not finite or negative");
  FUZZ_CHECK(analyze::allowed_increase(*m, 1e9, true) >= 0, "--max-increase allows a negative increase");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  check_bytes(text);
  check_duration(text);
  check_plateau_flags(std::string(text));
  check_max_increase(text);
  // Formatting any double must not crash (NaN, inf, huge, negative).
  if (size == sizeof(double)) {
    double v;
    std::memcpy(&v, data, sizeof v);
    (void)format_bytes(v);
    (void)format_duration(v);
  }
  return 0;
}
