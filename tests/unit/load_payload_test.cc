// Payload generators: reproducible, the sensor-type mix follows the seed's rates,
// bad records come in the asked fraction and really are bad.
#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "load/payload.h"
#include "memgate/error.h"

namespace memgate::load {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LoadPayload, SensorRecordsAreValidJsonWithTheDocumentedFields) {
  SensorPayload payload({});
  std::string out;
  for (std::uint64_t k = 0; k < 1000; ++k) payload.append(k, 3600.25 + static_cast<double>(k) * 0.001, out);
  const auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 1000u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["ts"], "2024-01-01T01:00:00.250Z");
  EXPECT_EQ(first["seq"], 0);
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    for (const char* field : {"sensor_id", "type", "ts", "lat", "lon", "value", "seq"})
      ASSERT_TRUE(j.contains(field)) << field << " in " << line;
    EXPECT_GE(j["lat"].get<double>(), 32.5);
    EXPECT_LE(j["lat"].get<double>(), 42.0);
    EXPECT_EQ(j["sensor_id"].get<std::string>().rfind(j["type"].get<std::string>(), 0), 0u);
  }
}

TEST(LoadPayload, SameSeedSameBytesAndRecordsIndependentOfOrder) {
  SensorOptions options;
  options.seed = 42;
  options.bad_fraction = 0.1;
  SensorPayload a(options), b(options);
  std::string x, y, z;
  for (std::uint64_t k = 0; k < 200; ++k) a.append(k, static_cast<double>(k), x);
  for (std::uint64_t k = 0; k < 200; ++k) b.append(k, static_cast<double>(k), y);
  EXPECT_EQ(x, y);
  SensorPayload c(options);
  c.append(150, 150, z);  // record 150 alone, as after 150 dropped records
  EXPECT_EQ(lines_of(x)[150], lines_of(z)[0]);
  options.seed = 43;
  SensorPayload d(options);
  std::string w;
  for (std::uint64_t k = 0; k < 200; ++k) d.append(k, static_cast<double>(k), w);
  EXPECT_NE(x, w);
}

TEST(LoadPayload, TypeMixFollowsTheFleetRates) {
  SensorOptions options;
  options.sensors = {{"wildfire_smoke", 50}, {"dissolved_oxygen", 50}};
  SensorPayload payload(options);
  // Rates drawn from 1-50 Hz vs 0.017-0.5 Hz: smoke is ~99 % of the records.
  std::map<std::string, int> counts;
  std::string out;
  for (std::uint64_t k = 0; k < 20000; ++k) payload.append(k, 0, out);
  for (const auto& line : lines_of(out)) ++counts[nlohmann::json::parse(line)["type"].get<std::string>()];
  const double smoke_share = counts["wildfire_smoke"] / 20000.0;
  EXPECT_GT(smoke_share, 0.97);
  EXPECT_LT(smoke_share, 1.0);
  EXPECT_GT(payload.fleet_rate(), 50 * 1.0);
  EXPECT_LT(payload.fleet_rate(), 50 * 50 + 50 * 0.5);
}

TEST(LoadPayload, BadRecordsComeInTheAskedFractionAndAreBad) {
  SensorOptions options;
  options.bad_fraction = 0.2;
  options.oversized_bytes = 4096;
  SensorPayload payload(options);
  std::string out;
  const int n = 10000;
  for (std::uint64_t k = 0; k < n; ++k) payload.append(k, 0, out);
  int invalid = 0, missing = 0, out_of_range = 0, oversized = 0;
  for (const auto& line : lines_of(out)) {
    if (line.size() >= 4096) ++oversized;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ++invalid;  // malformed JSON and NaN both fail a strict parser
      continue;
    }
    if (!j.contains("lat")) ++missing;
    else if (std::abs(j["lat"].get<double>()) > 90) ++out_of_range;
  }
  const auto total = payload.stats()["bad_records"]["total"].get<int>();
  EXPECT_NEAR(total, 0.2 * n, 0.2 * n * 0.1);
  EXPECT_EQ(invalid,
            static_cast<int>(payload.bad_count(BadKind::malformed_json) + payload.bad_count(BadKind::nan_value)));
  EXPECT_EQ(missing, static_cast<int>(payload.bad_count(BadKind::missing_field)));
  EXPECT_EQ(out_of_range, static_cast<int>(payload.bad_count(BadKind::out_of_range)));
  EXPECT_EQ(oversized, static_cast<int>(payload.bad_count(BadKind::oversized)));
  EXPECT_GT(oversized, 0);
}

TEST(LoadPayload, RejectsUnknownSensorTypes) {
  SensorOptions options;
  options.sensors = {{"humidity", 3}};
  try {
    SensorPayload payload(options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("payload.sensors.humidity"), std::string::npos);
  }
}

TEST(LoadPayload, OdPairsInChunksCoverEveryPairOnce) {
  OdPairOptions options;
  options.pairs = 10'500;
  options.chunk = 1000;
  OdPairsPayload payload(options);
  ASSERT_EQ(payload.limit(), 11u);
  std::string out;
  for (std::uint64_t k = 0; k < 11; ++k) payload.append(k, 0, out);
  std::uint64_t next_id = 0;
  for (const auto& line : lines_of(out)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["chunks"], 11);
    for (const auto& pair : j["pairs"]) {
      EXPECT_EQ(pair["id"], next_id++);
      EXPECT_EQ(pair["o"].size(), 2u);
      EXPECT_EQ(pair["d"].size(), 2u);
    }
  }
  EXPECT_EQ(next_id, 10'500u);
  OdPairOptions one_step = options;
  one_step.chunk = one_step.pairs;
  EXPECT_EQ(OdPairsPayload(one_step).limit(), 1u);
}

}  // namespace
}  // namespace memgate::load
