#include "common/telemetry.h"

#include <cmath>

namespace pipelines {

std::variant<Reading, const char*> parse_reading(std::string_view line) {
  const auto doc = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (!doc.is_object()) return kMalformedJson;
  const auto str = [&](const char* k) {
    auto it = doc.find(k);
    return it != doc.end() && it->is_string() ? &*it : nullptr;
  };
  const auto num = [&](const char* k) {
    auto it = doc.find(k);
    return it != doc.end() && it->is_number() ? &*it : nullptr;
  };
  const auto *id = str("sensor_id"), *ts = str("ts"), *lat = num("lat"), *lon = num("lon"), *value = num("value");
  if (!id || !ts || !lat || !lon || !value) return kMissingField;
  Reading r;
  r.sensor_id = id->get<std::string>();
  r.ts = ts->get<std::string>();
  if (const auto* type = str("type")) r.type = type->get<std::string>();
  r.lat = lat->get<double>();
  r.lon = lon->get<double>();
  r.value = value->get<double>();
  if (const auto* seq = num("seq"); seq && seq->is_number_unsigned()) r.seq = seq->get<std::uint64_t>();
  if (!(std::abs(r.lat) <= 90) || !(std::abs(r.lon) <= 180) || !std::isfinite(r.value)) return kOutOfRange;
  return r;
}

std::string to_json_line(const Reading& r) {
  nlohmann::json j = {{"sensor_id", r.sensor_id}, {"type", r.type}, {"ts", r.ts}, {"lat", r.lat}, {"lon", r.lon},
                      {"value", r.value},         {"seq", r.seq}};
  return j.dump();
}

}  // namespace pipelines
