// The pure parts of the reference pipelines (scenarios/pipelines/common).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <vector>

#include "common/accounting.h"
#include "common/road_graph.h"
#include "common/spill_store.h"
#include "common/telemetry.h"
#include "common/throttle.h"
#include "common/tick_file.h"
#include "common/window_stats.h"

namespace pipelines {
namespace {

TEST(Telemetry, ParsesAValidReading) {
  auto r = parse_reading(
      R"({"sensor_id":"aq-1","type":"air_quality","ts":"2024-01-01T00:00:00.000Z","lat":37.5,"lon":-121.2,"value":12.5,"seq":9})");
  ASSERT_TRUE(std::holds_alternative<Reading>(r));
  const auto& reading = std::get<Reading>(r);
  EXPECT_EQ(reading.sensor_id, "aq-1");
  EXPECT_EQ(reading.seq, 9u);
  auto back = parse_reading(to_json_line(reading));
  ASSERT_TRUE(std::holds_alternative<Reading>(back));
  EXPECT_EQ(std::get<Reading>(back).lat, 37.5);
}

TEST(Telemetry, NamesTheRejectionReason) {
  EXPECT_STREQ(std::get<const char*>(parse_reading(R"({"sensor_id":"a","ts":"t","lat":)")), kMalformedJson);
  EXPECT_STREQ(std::get<const char*>(parse_reading(R"({"sensor_id":"a","ts":"t","lat":1,"value":2})")), kMissingField);
  EXPECT_STREQ(std::get<const char*>(parse_reading(R"({"sensor_id":"a","ts":"t","lat":137,"lon":1,"value":2})")),
               kOutOfRange);
  EXPECT_STREQ(std::get<const char*>(parse_reading(R"({"sensor_id":"a","ts":"t","lat":1,"lon":1,"value":NaN})")),
               kMalformedJson);
}

TEST(Hysteresis, PausesAtThePauseMarkAndResumesOnlyBelowTheResumeMark) {
  Hysteresis h(1000);  // pause above 850, resume below 750
  EXPECT_FALSE(h.update(800));
  EXPECT_TRUE(h.update(900));
  EXPECT_TRUE(h.update(800));  // between the marks: still paused
  EXPECT_FALSE(h.update(700));
  EXPECT_FALSE(h.update(800));
  EXPECT_EQ(h.pauses(), 1u);
}

TEST(Accounting, LostIsWhatNoCounterExplains) {
  Accounting a;
  a.received = 10;
  a.processed = 6;
  a.reject("malformed_json", 2);
  a.spilled = 3;
  a.replayed = 2;
  EXPECT_EQ(a.pending_spill(), 1u);
  EXPECT_EQ(a.lost(), 1);
  const auto j = a.to_json({{"pipeline", "x"}});
  EXPECT_EQ(j["rejected"]["malformed_json"], 2);
  EXPECT_EQ(j["pipeline"], "x");
}

TEST(WindowStats, CentroidAndBoundingBox) {
  const std::vector<float> lats{1, 3, 2}, lons{-1, -3, -2};
  const auto w = window_stats(lats, lons);
  EXPECT_EQ(w.count, 3u);
  EXPECT_DOUBLE_EQ(w.centroid_lat, 2);
  EXPECT_DOUBLE_EQ(w.centroid_lon, -2);
  EXPECT_EQ(w.min_lat, 1);
  EXPECT_EQ(w.max_lon, -1);
}

TEST(Backoff, DoublesUpToTheCapWithBoundedJitter) {
  EXPECT_DOUBLE_EQ(backoff_delay_s(0, 0.01, 1, 0), 0.005);
  EXPECT_DOUBLE_EQ(backoff_delay_s(3, 0.01, 1, 0.999999), 0.08 * (0.5 + 0.5 * 0.999999));
  EXPECT_DOUBLE_EQ(backoff_delay_s(20, 0.01, 1, 0), 0.5);
}

TEST(RoadGraph, TravelTimesAreSymmetricAndObeyTheTriangleInequality) {
  RoadGraph g({.cols = 20, .rows = 20, .closed_fraction = 0});
  const int a = g.nearest_node(33, -124), b = g.nearest_node(40, -116), c = g.nearest_node(36, -120);
  std::vector<int> path;
  const auto ab = g.shortest(a, b, &path), ba = g.shortest(b, a), ac = g.shortest(a, c), cb = g.shortest(c, b);
  ASSERT_TRUE(ab && ba && ac && cb);
  EXPECT_NEAR(ab->travel_time_s, ba->travel_time_s, 1e-6 * ab->travel_time_s);
  EXPECT_LE(ab->travel_time_s, ac->travel_time_s + cb->travel_time_s + 1e-6);
  EXPECT_EQ(path.front(), a);
  EXPECT_EQ(path.back(), b);
  EXPECT_GT(ab->distance_m, 500e3);  // ~1,000 km across California
}

TEST(TickFile, AggregatesGeneratedTicksIntoMinuteBars) {
  const std::string csv = make_tick_csv(1, 2, 1000);
  EXPECT_EQ(csv, make_tick_csv(1, 2, 1000));  // reproducible
  const std::string text = zlib_round_trip(csv + "garbage\n");
  EXPECT_EQ(text, csv + "garbage\n");
  std::vector<std::unique_ptr<TickRow>> rows;
  std::vector<std::uint64_t> iterations;
  EXPECT_EQ(parse_tick_rows(text, 400, rows, [&](std::uint64_t n) { iterations.push_back(n); }), 1u);
  EXPECT_EQ(iterations, (std::vector<std::uint64_t>{1, 2, 3}));  // 1001 lines in batches of 400
  ASSERT_EQ(rows.size(), 1000u);
  EXPECT_EQ(rows.front()->line, csv.substr(0, csv.find('\n')));
  std::map<std::int64_t, Bar> bars;
  for (const auto& row : rows) add_tick(row->tick, bars);
  std::uint64_t ticks = 0;
  for (const auto& [minute, b] : bars) {
    ticks += b.ticks;
    EXPECT_LE(b.low, b.open);
    EXPECT_GE(b.high, b.close);
  }
  EXPECT_EQ(ticks, 1000u);
}

TEST(TickFile, ParsesOneTickLineAndRejectsMalformedOnes) {
  Tick t;
  ASSERT_TRUE(parse_tick("61000,1.08001,1.08003,7", t));
  EXPECT_EQ(t.ms, 61000);
  EXPECT_DOUBLE_EQ(t.bid, 1.08001);
  EXPECT_DOUBLE_EQ(t.ask, 1.08003);
  EXPECT_DOUBLE_EQ(t.volume, 7);
  for (const char* bad : {"", "61000,1.08,1.09", "61000,1.08,1.09,7,extra", "x,1.08,1.09,7", "61000,1.08,,7"}) {
    Tick scratch;
    EXPECT_FALSE(parse_tick(bad, scratch)) << bad;
  }
  std::map<std::int64_t, Bar> bars;
  add_tick(t, bars);
  ASSERT_EQ(bars.count(1), 1u);  // minute 1
  EXPECT_DOUBLE_EQ(bars[1].open, 1.08002);
}

TEST(SpillStore, ReplaysSealedFilesOldestFirstAndHonoursTheCap) {
  const auto dir = std::filesystem::temp_directory_path() / ("spill-test-" + std::to_string(::getpid()));
  {
    SpillStore s(dir, 40, 2);
    EXPECT_TRUE(s.write("aaaaaaaaa"));
    EXPECT_TRUE(s.write("bbbbbbbbb"));  // second line: file sealed
    EXPECT_TRUE(s.write("ccccccccc"));
    EXPECT_FALSE(s.write("ddddddddddddddd"));  // 30 + 16 > 40
    EXPECT_EQ(s.cap_refusals(), 1u);
    EXPECT_TRUE(s.has_sealed());
    EXPECT_EQ(*s.take_oldest(), (std::vector<std::string>{"aaaaaaaaa", "bbbbbbbbb"}));
    EXPECT_FALSE(s.take_oldest());
    s.seal();
    EXPECT_EQ(*s.take_oldest(), (std::vector<std::string>{"ccccccccc"}));
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.bytes(), 0u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pipelines
