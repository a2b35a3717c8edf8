#include "memgate/stream_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace memgate::analyze {
namespace {

TEST(QuantileSketch, ExactForSmallIntegers) {
  QuantileSketch q;
  for (int v : {5, 1, 3, 2, 4}) q.add(v);
  EXPECT_EQ(q.quantile(0.5), 3);
  EXPECT_EQ(q.quantile(0.0), 1);
  EXPECT_EQ(q.quantile(1.0), 5);
}

TEST(QuantileSketch, EmptyHasNoQuantile) { EXPECT_FALSE(QuantileSketch{}.quantile(0.5)); }

TEST(QuantileSketch, LargeValuesWithinRelativeError) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(1e6, 4e9);  // 1 MB .. 4 GB
  std::vector<double> values(20001);
  QuantileSketch q;
  for (auto& v : values) {
    v = dist(rng);
    q.add(v);
  }
  std::nth_element(values.begin(), values.begin() + 10000, values.end());
  const double exact = values[10000];
  EXPECT_NEAR(*q.quantile(0.5), exact, exact * 0.0011);
}

TEST(StreamStats, TracksExtremesAndWhenThePeakHappened) {
  StreamStats s;
  s.add(0, 10);
  s.add(1, 30);
  s.add(2, 20);
  EXPECT_EQ(s.min(), 10);
  EXPECT_EQ(s.max(), 30);
  EXPECT_EQ(s.max_at_s(), 1);
  EXPECT_EQ(s.first(), 10);
  EXPECT_EQ(s.last(), 20);
  EXPECT_DOUBLE_EQ(s.mean(), 20);
  EXPECT_EQ(s.median(), 20);
}

TEST(BoundedSeries, NeverExceedsCapacityAndKeepsEveryPoint) {
  BoundedSeries series(64);
  for (int i = 0; i < 100000; ++i) series.add(i * 0.1, i);
  EXPECT_LE(series.buckets().size(), 64u);
  EXPECT_GE(series.buckets().size(), 32u);
  std::size_t points = 0;
  double sum = 0;
  for (const auto& b : series.buckets()) {
    points += b.count;
    sum += b.sum;
  }
  EXPECT_EQ(points, 100000u);
  EXPECT_EQ(series.total_points(), 100000u);
  EXPECT_DOUBLE_EQ(sum, 99999.0 * 100000.0 / 2.0);
  EXPECT_EQ(series.buckets().front().min, 0);
  EXPECT_EQ(series.buckets().back().max, 99999);
}

// An empty series allocates nothing (the report pass builds several a run may never
// fill); the first point reserves all buckets at once, so they never move.
TEST(BoundedSeries, ReservesItsBucketsAtTheFirstPointOnly) {
  BoundedSeries s(64);
  EXPECT_EQ(s.buckets().capacity(), 0u);
  s.add(0, 1);
  EXPECT_EQ(s.buckets().capacity(), 64u);
  const auto* data = s.buckets().data();
  for (int i = 1; i < 1000; ++i) s.add(i, i);
  EXPECT_EQ(s.buckets().data(), data);
  EXPECT_LE(s.buckets().size(), 64u);
}

TEST(BoundedSeries, MeansFollowALinearTrend) {
  BoundedSeries series(100);
  for (int i = 0; i < 10000; ++i) series.add(i, 2.0 * i + 5);
  const auto t = series.times();
  const auto m = series.means();
  ASSERT_EQ(t.size(), m.size());
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(m[i], 2.0 * t[i] + 5, 1e-9);
}

}  // namespace
}  // namespace memgate::analyze
