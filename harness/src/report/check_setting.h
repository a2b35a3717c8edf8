// One user-facing setting of a check (a budget, a tolerance, a warm-up...), declared
// once by the check that uses it: its key, how its text and JSON forms are read and
// written, its default and its help. One naming scheme everywhere: the scenario key and
// the meta.json key are `key` ("max_rss"), the command-line flag is --key with '-' for
// '_' ("--max-rss"). The check registry (report/check_registry.h) generates the flags,
// the scenario parsing, the meta.json round trip and the overrides from these.
#pragma once

#include <any>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::report {

class CheckSettings;

// Thrown by a codec for a value it cannot take; `expected` says what it takes
// ("a size such as 512M or a number of bytes"). The setting adds where it was.
struct BadSettingValue {
  std::string expected;
};

class SettingBase {
 public:
  SettingBase(std::string key, std::string type_name, std::string help)
      : key_(std::move(key)), type_name_(std::move(type_name)), help_(std::move(help)) {}
  virtual ~SettingBase() = default;
  SettingBase(const SettingBase&) = delete;
  SettingBase& operator=(const SettingBase&) = delete;

  const std::string& key() const { return key_; }
  std::string flag() const;  // "--max-rss"
  const std::string& type_name() const { return type_name_; }
  const std::string& help() const { return help_; }
  virtual bool is_switch() const = 0;  // a flag without a value (--no-data-loss)
  virtual bool is_list() const = 0;    // comma-separated on the command line

  // Each throws Error(usage) naming where the value came from and what is expected.
  void set_from_text(const std::string& text, CheckSettings& s) const;  // the flag's value
  void set_from_scenario(const nlohmann::json& value, const std::string& where, CheckSettings& s) const;
  void set_from_meta(const nlohmann::json& value, CheckSettings& s) const;
  // meta.json's canonical form (bytes, seconds; null when unset).
  virtual nlohmann::json to_meta(const CheckSettings& s) const = 0;
  virtual void copy(const CheckSettings& from, CheckSettings& to) const = 0;

 protected:
  virtual void parse_text(const std::string& text, CheckSettings& s) const = 0;
  virtual void parse_json(const nlohmann::json& value, CheckSettings& s) const = 0;
  virtual void parse_meta(const nlohmann::json& value, CheckSettings& s) const = 0;

 private:
  std::string key_, type_name_, help_;
};

// A setting whose values a Codec reads and writes. A Codec has:
//   using Value = ...;                       the stored type
//   static constexpr bool kSwitch, kList;    command-line shape
//   static Value from_text(const std::string&);      throws BadSettingValue
//   static Value from_json(const nlohmann::json&);   the scenario's forms; throws BadSettingValue
//   static nlohmann::json to_meta(const Value&);
//   static Value from_meta(const nlohmann::json&);   throws BadSettingValue
template <typename Codec>
class Setting final : public SettingBase {
 public:
  using Value = typename Codec::Value;
  Setting(std::string key, std::string type_name, std::string help, Value default_value = Value{})
      : SettingBase(std::move(key), std::move(type_name), std::move(help)), default_(std::move(default_value)) {}

  const Value& default_value() const { return default_; }
  bool is_switch() const override { return Codec::kSwitch; }
  bool is_list() const override { return Codec::kList; }
  nlohmann::json to_meta(const CheckSettings& s) const override;
  void copy(const CheckSettings& from, CheckSettings& to) const override;

 protected:
  void parse_text(const std::string& text, CheckSettings& s) const override;
  void parse_json(const nlohmann::json& value, CheckSettings& s) const override;
  void parse_meta(const nlohmann::json& value, CheckSettings& s) const override;

 private:
  Value default_;
};

// The values of every setting of a run; a setting never set holds its default.
class CheckSettings {
 public:
  template <typename Codec>
  const typename Codec::Value& get(const Setting<Codec>& setting) const {
    const auto it = values_.find(setting.key());
    return it == values_.end() ? setting.default_value() : std::any_cast<const typename Codec::Value&>(it->second);
  }
  template <typename Codec>
  void set(const Setting<Codec>& setting, typename Codec::Value value) {
    values_[setting.key()] = std::move(value);
  }

 private:
  std::map<std::string, std::any> values_;
};

template <typename Codec>
nlohmann::json Setting<Codec>::to_meta(const CheckSettings& s) const {
  return Codec::to_meta(s.get(*this));
}
template <typename Codec>
void Setting<Codec>::copy(const CheckSettings& from, CheckSettings& to) const {
  to.set(*this, from.get(*this));
}
template <typename Codec>
void Setting<Codec>::parse_text(const std::string& text, CheckSettings& s) const {
  s.set(*this, Codec::from_text(text));
}
template <typename Codec>
void Setting<Codec>::parse_json(const nlohmann::json& value, CheckSettings& s) const {
  s.set(*this, Codec::from_json(value));
}
template <typename Codec>
void Setting<Codec>::parse_meta(const nlohmann::json& value, CheckSettings& s) const {
  s.set(*this, Codec::from_meta(value));
}

// The value kinds several checks share.
namespace codec {

// A non-negative integer (fds, threads); unset by default.
struct Count {
  using Value = std::optional<std::uint64_t>;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v);
  static Value from_meta(const nlohmann::json& v);  // bytes or counts, as written
};

// "512M", "1.5GiB", or bytes; unset by default. Stored in meta.json as bytes, like a Count.
struct Size : Count {
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
};

// A positive duration: "30s", "5m", "24h", or seconds as a number.
struct Seconds {
  using Value = double;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v) { return v; }
  static Value from_meta(const nlohmann::json& v) { return from_json(v); }
};

// A name, e.g. a phase.
struct Text {
  using Value = std::string;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v) { return v; }
  static Value from_meta(const nlohmann::json& v) { return from_json(v); }
};

// On or off: a flag without a value on the command line, true/false in JSON.
struct Switch {
  using Value = bool;
  static constexpr bool kSwitch = true, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v) { return v; }
  static Value from_meta(const nlohmann::json& v) { return from_json(v); }
};

}  // namespace codec

}  // namespace memgate::report
