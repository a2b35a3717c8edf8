#include "scenario/profiles.h"

#include "memgate/error.h"
#include "scenario/sizes.h"

namespace memgate::scenario {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text.empty() ? "none" : text;
}

}  // namespace

std::vector<std::string> profile_names(const nlohmann::json& doc) {
  std::vector<std::string> names;
  if (doc.is_object() && doc.contains("profiles") && doc["profiles"].is_object())
    for (const auto& [name, patch] : doc["profiles"].items()) names.push_back(name);
  return names;  // nlohmann keeps object keys sorted
}

nlohmann::json apply_overrides(nlohmann::json doc, const Overrides& overrides, const std::string& file) {
  if (!doc.is_object()) return doc;  // parse_scenario reports it
  nlohmann::json profiles = nlohmann::json::object();
  if (const auto it = doc.find("profiles"); it != doc.end()) {
    if (!it->is_object())
      throw Error(
          ExitCode::usage,
          file + ": profiles: expected an object of named patches, e.g. {\"ci\": {\"traffic\": {\"time_scale\": 4}}}");
    profiles = std::move(*it);
    doc.erase(it);
  }
  for (const auto& [name, patch] : profiles.items()) {
    if (!patch.is_object())
      throw Error(ExitCode::usage, file + ": profiles." + name + ": expected an object (a JSON merge patch)");
    if (patch.contains("profiles"))
      throw Error(ExitCode::usage, file + ": profiles." + name + ".profiles: profiles cannot define profiles");
  }
  for (const auto& name : overrides.profiles) {
    if (!profiles.contains(name))
      throw Error(ExitCode::usage, file + ": --profile " + name + ": no such profile; this scenario has: " +
                                       joined(profile_names(nlohmann::json{{"profiles", profiles}})));
    doc.merge_patch(profiles[name]);
  }
  if (overrides.time_scale) {
    if (!(*overrides.time_scale > 0 && *overrides.time_scale <= 1e6))
      throw Error(ExitCode::usage,
                  "--time-scale: expected a number in (0, 1000000] (scenario seconds per wall second)");
    if (!doc.contains("traffic") || !doc["traffic"].is_object())
      throw Error(ExitCode::usage, file +
                                       ": --time-scale: this scenario has no traffic to compress; set "
                                       "sampling.duration_s or --duration instead");
    doc["traffic"]["time_scale"] = *overrides.time_scale;
  }
  if (overrides.size) doc = apply_size(std::move(doc), *overrides.size, file);
  return doc;
}

}  // namespace memgate::scenario
