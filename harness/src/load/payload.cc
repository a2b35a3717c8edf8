#include "load/payload.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include "memgate/error.h"

namespace memgate::load {
namespace {

// Successive draws for one record: a tiny stream seeded from (seed, index).
class Draws {
 public:
  Draws(std::uint64_t seed, std::uint64_t index) : state_(mix64(seed ^ mix64(index + 0x5851f42d4c957f2dULL))) {}
  std::uint64_t next() { return state_ = mix64(state_); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double between(double lo, double hi) { return lo + (hi - lo) * unit(); }

 private:
  std::uint64_t state_;
};

void append_fixed(std::string& out, double v, int precision) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  if (ec != std::errc()) {
    out += "0";
    return;
  }
  out.append(buf, end);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

const std::vector<SensorType>& sensor_types() {
  // Rates from the sensor-ingestion seed; value ranges are plausible units per type.
  static const std::vector<SensorType> types = {
      {"air_quality", 1, 4, 0, 500},           // PM2.5 ug/m3
      {"hydrological", 0.1, 1, 0, 12},         // water level m
      {"temperature", 0.5, 10, -20, 45},       // deg C
      {"wildfire_smoke", 1, 50, 0, 1000},      // smoke PM ug/m3, bursts up to 50 Hz
      {"dissolved_oxygen", 0.017, 0.5, 0, 14}  // mg/L
  };
  return types;
}

std::string_view to_string(BadKind kind) {
  switch (kind) {
    case BadKind::malformed_json: return "malformed_json";
    case BadKind::missing_field: return "missing_field";
    case BadKind::out_of_range: return "out_of_range";
    case BadKind::nan_value: return "nan_value";
    case BadKind::oversized: return "oversized";
    case BadKind::count: break;
  }
  return "?";
}

SensorPayload::SensorPayload(SensorOptions options) : options_(std::move(options)) {
  if (!(options_.bad_fraction >= 0 && options_.bad_fraction <= 1))
    throw Error(ExitCode::usage, "payload.bad_fraction: expected a fraction between 0 and 1");
  const auto& types = sensor_types();
  Draws draws(options_.seed, ~0ULL);
  double total = 0;
  for (std::size_t t = 0; t < types.size(); ++t) {
    auto it = options_.sensors.find(std::string(types[t].name));
    const int n = it == options_.sensors.end() ? 0 : it->second;
    for (int i = 0; i < n; ++i) {
      char id[64];
      std::snprintf(id, sizeof id, "%.*s-%04d", static_cast<int>(types[t].name.size()), types[t].name.data(), i);
      Sensor sensor{
          id, t, draws.between(options_.lat_min, options_.lat_max), draws.between(options_.lon_min, options_.lon_max),
          {}, {}};
      sensor.head = "{\"sensor_id\":\"" + sensor.id + "\",\"type\":\"" + std::string(types[t].name) + "\",\"ts\":\"";
      sensor.coords = ",\"lat\":";
      append_fixed(sensor.coords, sensor.lat, 6);
      sensor.coords += ",\"lon\":";
      append_fixed(sensor.coords, sensor.lon, 6);
      sensors_.push_back(std::move(sensor));
      total += draws.between(types[t].min_hz, types[t].max_hz);
      cumulative_rate_.push_back(total);
    }
  }
  for (const auto& [name, n] : options_.sensors) {
    const std::string& wanted = name;  // clang before 16 cannot capture a structured binding
    const bool known = std::any_of(types.begin(), types.end(), [&](const SensorType& t) { return t.name == wanted; });
    if (!known)
      throw Error(ExitCode::usage, "payload.sensors." + name +
                                       ": unknown sensor type; expected air_quality, hydrological, temperature, "
                                       "wildfire_smoke or dissolved_oxygen");
    if (n < 0) throw Error(ExitCode::usage, "payload.sensors." + name + ": expected a count >= 0");
  }
  if (sensors_.empty()) throw Error(ExitCode::usage, "payload.sensors: expected at least one sensor");
}

void SensorPayload::append_timestamp(double t_s, std::string& out) {
  const double whole = std::floor(t_s);
  const auto second = options_.start_epoch_s + static_cast<std::int64_t>(whole);
  if (second != cached_second_) {
    const std::time_t tt = static_cast<std::time_t>(second);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_prefix_ = buf;
    cached_second_ = second;
  }
  out += cached_prefix_;
  const int ms = std::min(999, static_cast<int>((t_s - whole) * 1000));
  const char frac[6] = {'.',
                        static_cast<char>('0' + ms / 100),
                        static_cast<char>('0' + ms / 10 % 10),
                        static_cast<char>('0' + ms % 10),
                        'Z',
                        '\0'};
  out.append(frac, 5);
}

void SensorPayload::append(std::uint64_t index, double t_s, std::string& out) {
  Draws draws(options_.seed, index);
  const double pick = draws.unit() * cumulative_rate_.back();
  const auto pos = std::upper_bound(cumulative_rate_.begin(), cumulative_rate_.end(), pick) - cumulative_rate_.begin();
  const Sensor& sensor = sensors_[std::min<std::size_t>(pos, sensors_.size() - 1)];
  const SensorType& type = sensor_types()[sensor.type];
  const double value = draws.between(type.min_value, type.max_value);

  std::optional<BadKind> bad;
  if (options_.bad_fraction > 0 && draws.unit() < options_.bad_fraction) {
    bad = static_cast<BadKind>(draws.next() % static_cast<std::uint64_t>(BadKind::count));
    ++bad_[static_cast<std::size_t>(*bad)];
  }
  const std::size_t start = out.size();
  out += sensor.head;
  append_timestamp(t_s, out);
  if (bad == BadKind::malformed_json) {
    out += "\",\"lat\":";  // cut mid-object: no value, no closing brace
    out += '\n';
    return;
  }
  out += '"';
  if (bad == BadKind::out_of_range) {
    out += ",\"lat\":";
    append_fixed(out, sensor.lat + 100, 6);
    out += ",\"lon\":";
    append_fixed(out, sensor.lon, 6);
  } else if (bad != BadKind::missing_field) {
    out += sensor.coords;
  }
  out += ",\"value\":";
  if (bad == BadKind::nan_value) out += "NaN";  // what naive float serialisers emit
  else append_fixed(out, value, 2);
  out += ",\"seq\":";
  append_uint(out, index);
  if (bad == BadKind::oversized) {
    out += ",\"pad\":\"";
    const std::size_t used = out.size() - start + 2;  // + the closing "}: the line (without \n) is oversized_bytes long
    out.append(options_.oversized_bytes > used ? options_.oversized_bytes - used : 0, 'x');
    out += '"';
  }
  out += "}\n";
}

nlohmann::json SensorPayload::stats() const {
  nlohmann::json bad = nlohmann::json::object();
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < bad_.size(); ++k) {
    bad[std::string(to_string(static_cast<BadKind>(k)))] = bad_[k];
    total += bad_[k];
  }
  bad["total"] = total;
  return {{"sensors", sensors_.size()}, {"fleet_rate_hz", fleet_rate()}, {"bad_records", bad}};
}

OdPairsPayload::OdPairsPayload(OdPairOptions options) : options_(options) {
  if (options_.pairs == 0) throw Error(ExitCode::usage, "payload.pairs: expected at least 1 pair");
  if (options_.chunk == 0) throw Error(ExitCode::usage, "payload.chunk: expected at least 1 pair per chunk");
}

std::optional<std::uint64_t> OdPairsPayload::limit() const {
  return (options_.pairs + options_.chunk - 1) / options_.chunk;
}

nlohmann::json OdPairsPayload::stats() const { return {{"pairs", options_.pairs}, {"chunk", options_.chunk}}; }

void OdPairsPayload::append(std::uint64_t index, double, std::string& out) {
  const std::uint64_t first = index * options_.chunk;
  const std::uint64_t last = std::min(options_.pairs, first + options_.chunk);
  out += "{\"chunk\":";
  append_uint(out, index);
  out += ",\"chunks\":";
  append_uint(out, *limit());
  out += ",\"pairs\":[";
  for (std::uint64_t i = first; i < last; ++i) {
    Draws d(options_.seed, i);
    if (i != first) out += ',';
    out += "{\"id\":";
    append_uint(out, i);
    out += ",\"o\":[";
    append_fixed(out, d.between(options_.lat_min, options_.lat_max), 6);
    out += ',';
    append_fixed(out, d.between(options_.lon_min, options_.lon_max), 6);
    out += "],\"d\":[";
    append_fixed(out, d.between(options_.lat_min, options_.lat_max), 6);
    out += ',';
    append_fixed(out, d.between(options_.lon_min, options_.lon_max), 6);
    out += "]}";
  }
  out += "]}\n";
}

}  // namespace memgate::load
