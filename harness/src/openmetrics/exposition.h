// The Prometheus text exposition format (version 0.0.4) and OpenMetrics 1.0 text, from
// plain values. Pure: families in, text out. Names are checked (a bad name is a bug in
// memgate, std::logic_error); label values are escaped and made valid UTF-8, since they
// come from users (run directory names, scenario names, phases).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memgate::openmetrics {

enum class Type { gauge, counter };
enum class Format { prometheus, openmetrics };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;  // beyond the common ones
  double value = 0;
};

struct Family {
  std::string name;  // full name; a counter's ends with _total
  Type type = Type::gauge;
  std::string unit;  // OpenMetrics UNIT ("bytes", "seconds"); the name ends with _<unit>
  std::string help;
  std::vector<Sample> samples;  // a family without samples is not rendered
};

// Every sample gets `common` first, then its own labels.
std::string render(const std::vector<Family>& families, const Labels& common, Format format);

// The HTTP Content-Type of each format.
std::string_view content_type(Format format);

// Label-value escaping (backslash, double quote, newline), with invalid UTF-8 replaced by
// U+FFFD; exposed for the tests.
std::string escape_label_value(std::string_view value);
// Shortest text that parses back to the same double; integers without exponent up to
// 2^53; NaN, +Inf, -Inf as the formats spell them.
std::string format_value(double value);
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace memgate::openmetrics
