// Payload generators: record k is a pure function of (seed, k, scheduled time), so a
// run is reproducible and dropping records does not shift the ones after them. No
// per-record state is kept; only per-sensor constants and a few counters.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::load {

class Payload {
 public:
  virtual ~Payload() = default;
  // Appends record `index` (0-based), due at scenario time t_s, ending in '\n'.
  virtual void append(std::uint64_t index, double t_s, std::string& out) = 0;
  // How many records exist (nullopt: unbounded).
  virtual std::optional<std::uint64_t> limit() const { return std::nullopt; }
  // Counters for report.json (bad records by kind...).
  virtual nlohmann::json stats() const { return nlohmann::json::object(); }
};

// The seed's sensor table: reporting rate range per sensor type.
struct SensorType {
  std::string_view name;
  double min_hz, max_hz;
  double min_value, max_value;  // plausible reading range
};
const std::vector<SensorType>& sensor_types();

enum class BadKind { malformed_json, missing_field, out_of_range, nan_value, oversized, count };
std::string_view to_string(BadKind kind);

struct SensorOptions {
  std::uint64_t seed = 1;
  std::map<std::string, int> sensors = {
      {"air_quality", 20}, {"hydrological", 10}, {"temperature", 40}, {"wildfire_smoke", 5}, {"dissolved_oxygen", 10}};
  double bad_fraction = 0;  // share of records that are deliberately bad
  std::size_t oversized_bytes = 1 << 16;
  std::int64_t start_epoch_s = 1704067200;                                    // scenario t=0 is 2024-01-01T00:00:00Z
  double lat_min = 32.5, lat_max = 42.0, lon_min = -124.4, lon_max = -114.1;  // California
};

// Sensor telemetry as JSON lines:
//   {"sensor_id":"temperature-0007","type":"temperature","ts":"2024-01-01T00:00:01.250Z",
//    "lat":37.123456,"lon":-121.654321,"value":18.42,"seq":41}
// Each sensor gets a fixed position and a rate drawn from its type's range; record k
// comes from a sensor chosen in proportion to those rates, so the type mix matches
// the table at any total rate.
class SensorPayload final : public Payload {
 public:
  explicit SensorPayload(SensorOptions options);
  void append(std::uint64_t index, double t_s, std::string& out) override;
  nlohmann::json stats() const override;
  // Sum of the sensors' rates: the fleet's natural total rate (records/s).
  double fleet_rate() const { return cumulative_rate_.empty() ? 0 : cumulative_rate_.back(); }
  std::uint64_t bad_count(BadKind kind) const { return bad_[static_cast<std::size_t>(kind)]; }

 private:
  struct Sensor {
    std::string id;  // "air_quality-0003"
    std::size_t type;
    double lat, lon;
    // Formatted once: the constant parts of every record of this sensor.
    std::string head;    // {"sensor_id":"...","type":"...","ts":"
    std::string coords;  // ,"lat":37.123456,"lon":-121.654321
  };
  void append_timestamp(double t_s, std::string& out);
  SensorOptions options_;
  std::vector<Sensor> sensors_;
  std::vector<double> cumulative_rate_;
  std::array<std::uint64_t, static_cast<std::size_t>(BadKind::count)> bad_{};
  std::int64_t cached_second_ = -1;
  std::string cached_prefix_;  // "2024-01-01T00:00:01"
};

struct OdPairOptions {
  std::uint64_t seed = 1;
  std::uint64_t pairs = 10000;
  std::uint64_t chunk = 10000;  // pairs per record; == pairs: one step
  double lat_min = 32.5, lat_max = 42.0, lon_min = -124.4, lon_max = -114.1;
};

// Origin-destination batches: record k is one chunk,
//   {"chunk":3,"chunks":20,"pairs":[{"id":1500,"o":[lat,lon],"d":[lat,lon]},...]}
class OdPairsPayload final : public Payload {
 public:
  explicit OdPairsPayload(OdPairOptions options);
  void append(std::uint64_t index, double t_s, std::string& out) override;
  std::optional<std::uint64_t> limit() const override;
  // {"pairs", "chunk"}: lets a check turn delivered chunks into delivered pairs.
  nlohmann::json stats() const override;

 private:
  OdPairOptions options_;
};

// splitmix64: a counter-based generator, so record k needs no state from record k-1.
std::uint64_t mix64(std::uint64_t x);

}  // namespace memgate::load
