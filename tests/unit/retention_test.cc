// The heap-retention check (analyze/retention.h) on literal series of RSS beyond the live
// heap, as run_analysis builds them from samples.csv.
#include "analyze/retention.h"

#include <gtest/gtest.h>

#include <vector>

#include "memgate/stream_stats.h"
#include "check_figure.h"

namespace memgate::analyze {
namespace {

constexpr double MiB = 1024.0 * 1024.0;

MetricSummary series(const std::vector<double>& mib) {
  StreamStats s;
  for (std::size_t i = 0; i < mib.size(); ++i) s.add(0.1 * static_cast<double>(i), mib[i] * MiB);
  return summarize(s);
}

TEST(Retention, FreedMemoryKeptResidentFails) {
  // A worker pool without purges: after the first units, ~40 MiB stay resident beyond a
  // live heap that falls back to a few MiB between units.
  const auto held = series({6, 8, 25, 38, 41, 40, 42, 41, 40, 43, 41});
  const auto live = series({2, 20, 14, 3, 18, 2, 16, 3, 17, 2, 3});
  const auto r = retention_check(held, live, 16 * 1024 * 1024);
  EXPECT_EQ(r.id, "heap-retention");
  EXPECT_EQ(r.outcome, Outcome::fail) << r.summary;
  EXPECT_NEAR(figure(r, "held_median") / MiB, 40, 0.1);
  EXPECT_NEAR(figure(r, "held_peak") / MiB, 43, 0.01);
  EXPECT_NEAR(figure(r, "held_first") / MiB, 6, 0.01);
  EXPECT_NEAR(figure(r, "live_heap_median") / MiB, 3, 0.01);
  EXPECT_EQ(figure(r, "samples"), 11);
  EXPECT_NE(r.summary.find("over the retention limit of 16.0 MiB"), std::string::npos) << r.summary;
}

TEST(Retention, ATransientSpikeAboveTheLimitPassesOnTheMedian) {
  // Purged between units: held memory spikes between a free and the next purge (and by
  // the probe's lag) but sits at the non-heap baseline most of the time.
  const auto held = series({6, 7, 22, 6, 6, 30, 7, 6, 6, 18, 6});
  const auto r = retention_check(held, series({2, 20, 3, 18, 2, 16, 3, 17, 2, 3, 2}), 16 * 1024 * 1024);
  EXPECT_EQ(r.outcome, Outcome::pass) << r.summary;
  EXPECT_NEAR(figure(r, "held_median") / MiB, 6, 0.01);
  EXPECT_NEAR(figure(r, "held_peak") / MiB, 30, 0.01);
  EXPECT_NE(r.summary.find("within the retention limit"), std::string::npos) << r.summary;
}

TEST(Retention, WithoutLiveHeapFiguresItIsInconclusiveAndSaysWhichAllocatorsHaveThem) {
  const auto r = retention_check(series({}), series({}), 16 * 1024 * 1024);
  EXPECT_EQ(r.outcome, Outcome::inconclusive);
  EXPECT_NE(r.summary.find("--allocator glibc, jemalloc or tcmalloc"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("mimalloc 2.0.9"), std::string::npos) << r.summary;
  // Four samples are not enough to judge either.
  EXPECT_EQ(retention_check(series({50, 50, 50, 50}), series({1, 1, 1, 1}), 1).outcome, Outcome::inconclusive);
}

}  // namespace
}  // namespace memgate::analyze
