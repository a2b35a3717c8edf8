// Memory against work size (docs/work-size.md): a scenario's "sizes" key names the sizes
// `memgate sizes` runs it at and how a size reaches the target: a dotted scenario key the
// size is written to (e.g. "traffic.payload.pairs"), and "{size}" anywhere in
// target.args / target.command. Pure: JSON in, JSON out.
//
//   "sizes": {"values": [10000, 30000, 100000], "parameter": "traffic.payload.pairs",
//             "unit": "pairs", "tolerance_per_unit": "64B"}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::scenario {

struct SizeSweep {
  std::vector<double> values;                // ascending, distinct, > 0
  std::string parameter;                     // dotted key set to the size; "" when only {size} carries it
  std::string unit = "units";                // what one unit of size is ("pairs")
  std::optional<double> tolerance_per_unit;  // bytes per unit of size
};

inline constexpr const char* kSizePlaceholder = "{size}";

// Reads doc["sizes"] (nullopt when absent). Throws Error(usage) naming file and field.
std::optional<SizeSweep> parse_sizes(const nlohmann::json& doc, const std::string& file);

// The document at one size: the sweep's parameter set to `size` (an integer when it is
// one) and "{size}" replaced in target.args and target.command. Throws Error(usage) when
// the document has no "sizes" key, or when neither the parameter nor a placeholder
// carries the size (a sweep that would run the same work N times).
nlohmann::json apply_size(nlohmann::json doc, double size, const std::string& file);

// "10000" for integral sizes, else the shortest decimal form.
std::string size_text(double size);

}  // namespace memgate::scenario
