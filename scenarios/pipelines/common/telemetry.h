// One sensor reading as memgate's generator sends it (harness/src/load/payload.h):
//   {"sensor_id":"temperature-0007","type":"temperature","ts":"2024-...Z","lat":37.1,"lon":-121.6,"value":18.4,"seq":41}
// parse_reading validates it; a bad record yields the reason it is rejected for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace pipelines {

struct Reading {
  std::string sensor_id, type, ts;
  double lat = 0, lon = 0, value = 0;
  std::uint64_t seq = 0;
};

// The rejection reasons the accounting line uses.
inline constexpr const char* kMalformedJson = "malformed_json";
inline constexpr const char* kMissingField = "missing_field";
inline constexpr const char* kOutOfRange = "out_of_range";
inline constexpr const char* kOversized = "oversized";
inline constexpr const char* kInvalidGeometry = "invalid_geometry";

// A Reading, or the rejection reason (one of the constants above).
std::variant<Reading, const char*> parse_reading(std::string_view line);
// The JSON line written to the spill file (parse_reading reads it back).
std::string to_json_line(const Reading& r);

}  // namespace pipelines
