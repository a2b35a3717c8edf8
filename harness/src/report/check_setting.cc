#include "report/check_setting.h"

#include <cmath>
#include <limits>

#include "memgate/error.h"
#include "memgate/units.h"

namespace memgate::report {

std::string SettingBase::flag() const {
  std::string f = "--" + key_;
  for (char& c : f)
    if (c == '_') c = '-';
  return f;
}

void SettingBase::set_from_text(const std::string& text, CheckSettings& s) const {
  try {
    parse_text(text, s);
  } catch (const BadSettingValue& bad) {
    throw Error(ExitCode::usage, flag() + " '" + text + "': expected " + bad.expected);
  }
}

void SettingBase::set_from_scenario(const nlohmann::json& value, const std::string& where, CheckSettings& s) const {
  try {
    parse_json(value, s);
  } catch (const BadSettingValue& bad) {
    throw Error(ExitCode::usage, where + ": checks." + key_ + ": expected " + bad.expected);
  }
}

void SettingBase::set_from_meta(const nlohmann::json& value, CheckSettings& s) const {
  try {
    parse_meta(value, s);
  } catch (const BadSettingValue& bad) {
    throw Error(ExitCode::usage, "meta.json: checks." + key_ + ": expected " + bad.expected);
  }
}

namespace codec {

namespace {

constexpr const char* kSizeExpected = "a size such as \"512M\" (MiB), \"500MB\" (10^6 bytes) or a number of bytes";
constexpr const char* kCountExpected = "a non-negative integer";

std::optional<std::uint64_t> whole_number(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {
    if (v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    return std::nullopt;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d >= 0 && d < 1.8e19 && std::floor(d) == d) return static_cast<std::uint64_t>(d);
  }
  return std::nullopt;
}

}  // namespace

Size::Value Size::from_text(const std::string& text) {
  if (const auto bytes = parse_bytes(text)) return *bytes;
  throw BadSettingValue{kSizeExpected};
}
Size::Value Size::from_json(const nlohmann::json& v) {
  if (v.is_string()) return from_text(v.get<std::string>());
  if (const auto n = whole_number(v)) return *n;
  throw BadSettingValue{kSizeExpected};
}

Count::Value Count::from_text(const std::string& text) {
  std::size_t used = 0;
  try {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
      const unsigned long long n = std::stoull(text, &used);
      if (used == text.size()) return n;
    }
  } catch (const std::exception&) {
  }
  throw BadSettingValue{kCountExpected};
}
Count::Value Count::from_json(const nlohmann::json& v) {
  if (const auto n = whole_number(v)) return *n;
  throw BadSettingValue{kCountExpected};
}
nlohmann::json Count::to_meta(const Value& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
Count::Value Count::from_meta(const nlohmann::json& v) { return v.is_null() ? Value{} : from_json(v); }

Seconds::Value Seconds::from_text(const std::string& text) {
  const auto seconds = parse_duration(text);
  if (!seconds || !(*seconds > 0) || !std::isfinite(*seconds))
    throw BadSettingValue{"a positive duration such as \"30s\", \"5m\" or \"24h\""};
  return *seconds;
}
Seconds::Value Seconds::from_json(const nlohmann::json& v) {
  if (v.is_string()) return from_text(v.get<std::string>());
  if (v.is_number() && v.get<double>() > 0 && std::isfinite(v.get<double>())) return v.get<double>();
  throw BadSettingValue{"a positive duration such as \"30s\", \"5m\" or \"24h\", or seconds"};
}

Text::Value Text::from_text(const std::string& text) {
  if (text.empty()) throw BadSettingValue{"a non-empty name"};
  return text;
}
Text::Value Text::from_json(const nlohmann::json& v) {
  if (!v.is_string()) throw BadSettingValue{"a string"};
  return from_text(v.get<std::string>());
}

Switch::Value Switch::from_text(const std::string& text) {
  if (text == "true" || text == "1" || text.empty()) return true;
  if (text == "false" || text == "0") return false;
  throw BadSettingValue{"true or false"};
}
Switch::Value Switch::from_json(const nlohmann::json& v) {
  if (!v.is_boolean()) throw BadSettingValue{"true or false"};
  return v.get<bool>();
}

}  // namespace codec

}  // namespace memgate::report
