#include "scenario/sizes.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate::scenario {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& expected) {
  throw Error(ExitCode::usage, file + ": sizes." + field + ": " + expected);
}

std::optional<double> bytes_per_unit(const json& v) {
  if (v.is_number() && v.get<double>() >= 0) return v.get<double>();
  if (v.is_string())
    if (const auto b = parse_bytes(v.get<std::string>())) return static_cast<double>(*b);
  return std::nullopt;
}

// "{size}" in an array of strings replaced by the size; true when one was found.
bool replace_placeholder(json& strings, const std::string& size) {
  bool found = false;
  if (!strings.is_array()) return false;
  for (auto& s : strings) {
    if (!s.is_string()) continue;
    std::string text = s.get<std::string>();
    const std::string placeholder = kSizePlaceholder;
    for (auto at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + size.size())) {
      found = true;
      text.replace(at, placeholder.size(), size);
    }
    s = text;
  }
  return found;
}

}  // namespace

std::string size_text(double size) {
  if (std::floor(size) == size && std::fabs(size) < 9e15) return std::to_string(static_cast<long long>(size));
  std::ostringstream out;
  out << size;
  return out.str();
}

std::optional<SizeSweep> parse_sizes(const json& doc, const std::string& file) {
  if (!doc.is_object() || !doc.contains("sizes")) return std::nullopt;
  const json& s = doc["sizes"];
  if (!s.is_object())
    throw Error(ExitCode::usage, file +
                                     ": sizes: expected an object such as {\"values\": [10000, 30000, 100000], "
                                     "\"parameter\": \"traffic.payload.pairs\"}");
  SizeSweep out;
  for (const auto& [key, value] : s.items()) {
    if (key == "values") {
      if (!value.is_array() || value.size() < 3)
        fail(file, key, "expected an array of at least 3 sizes > 0, e.g. [10000, 30000, 100000]");
      for (const auto& v : value) {
        if (!v.is_number() || !(v.get<double>() > 0)) fail(file, key, "expected sizes > 0, got " + v.dump());
        out.values.push_back(v.get<double>());
      }
      std::sort(out.values.begin(), out.values.end());
      if (std::adjacent_find(out.values.begin(), out.values.end()) != out.values.end())
        fail(file, key, "a size is given twice; expected distinct sizes");
    } else if (key == "parameter") {
      if (!value.is_string() || value.get<std::string>().empty())
        fail(file, key, "expected a dotted scenario key such as \"traffic.payload.pairs\"");
      out.parameter = value.get<std::string>();
    } else if (key == "unit") {
      if (!value.is_string() || value.get<std::string>().empty()) fail(file, key, "expected a word such as \"pairs\"");
      out.unit = value.get<std::string>();
    } else if (key == "tolerance_per_unit") {
      out.tolerance_per_unit = bytes_per_unit(value);
      if (!out.tolerance_per_unit) fail(file, key, "expected bytes per unit of size, e.g. \"64B\" or 64");
    } else {
      fail(file, key, "unknown field; expected one of: values, parameter, unit, tolerance_per_unit");
    }
  }
  if (out.values.empty()) fail(file, "values", "missing; expected an array of at least 3 sizes");
  return out;
}

json apply_size(json doc, double size, const std::string& file) {
  const auto sweep = parse_sizes(doc, file);
  if (!sweep)
    throw Error(ExitCode::usage, file +
                                     ": has no \"sizes\" key: add one (docs/work-size.md) or choose a profile that "
                                     "has it (--profile sizes)");
  bool carried = false;
  if (!sweep->parameter.empty()) {
    json* node = &doc;
    std::string path = sweep->parameter;
    for (std::size_t start = 0;;) {
      const auto dot = path.find('.', start);
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (key.empty() || !node->is_object())
        fail(file, "parameter", "'" + path + "' does not name a key inside an object of the scenario");
      if (dot == std::string::npos) {
        (*node)[key] = std::floor(size) == size ? json(static_cast<std::uint64_t>(size)) : json(size);
        break;
      }
      node = &(*node)[key];
      if (node->is_null()) *node = json::object();
      start = dot + 1;
    }
    carried = true;
  }
  if (doc.contains("target") && doc["target"].is_object()) {
    for (const char* key : {"args", "command"})
      if (doc["target"].contains(key) && replace_placeholder(doc["target"][key], size_text(size))) carried = true;
  }
  if (!carried)
    fail(file, "parameter",
         "missing; name the scenario key the size goes to (e.g. \"traffic.payload.pairs\") or put {size} in "
         "target.args");
  return doc;
}

}  // namespace memgate::scenario
