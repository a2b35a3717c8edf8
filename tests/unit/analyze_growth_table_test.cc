// The heap growth per call site between two snapshots, whatever the source.
#include "analyze/growth_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace memgate::analyze {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

HeapSite site(const char* file, int line, const char* function, std::vector<SiteBytes> bytes, double before = 0) {
  HeapSite s;
  s.file = file;
  s.line = line;
  s.function = function;
  s.bytes = std::move(bytes);
  s.bytes_before = before;
  return s;
}

TEST(GrowthTable, RanksSitesByGrowthOverTheSteadyWindow) {
  // Snapshots at 0, 60, 120, 180 s; the steady window starts at 50 s (snapshot 60).
  const std::vector<SiteBytes> totals = {{0, 1 * kMiB}, {60, 4 * kMiB}, {120, 7 * kMiB}, {180, 10 * kMiB}};
  const std::vector<HeapSite> sites = {
      site("/app/ingest.py", 142, "keep_geometries", {{60, 2 * kMiB}, {120, 4.5 * kMiB}, {180, 7.4 * kMiB}}),
      site("/app/queue.py", 30, "put", {{0, 0.5 * kMiB}, {60, 1 * kMiB}, {180, 1.6 * kMiB}}),
      site("/app/cache.py", 9, "warm", {{0, 1 * kMiB}, {60, 1 * kMiB}, {180, 0.5 * kMiB}}),  // shrank: not listed
  };
  const GrowthTable t = growth_table("tracemalloc", sites, totals, 50, 1200.0);
  EXPECT_EQ(t.from_t_s, 60);
  EXPECT_EQ(t.to_t_s, 180);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 142);
  EXPECT_DOUBLE_EQ(t.rows[0].growth_bytes, 5.4 * kMiB);
  EXPECT_DOUBLE_EQ(t.rows[0].bytes_per_h, 5.4 * kMiB * 30);  // 120 s
  EXPECT_NEAR(*t.rows[0].share, 0.9, 1e-12);
  EXPECT_NEAR(*t.rows[0].bytes_per_unit, 5.4 * kMiB / 1200, 1e-9);
  EXPECT_EQ(t.rows[1].function, "put");
  EXPECT_NEAR(*t.rows[1].share, 0.1, 1e-12);
  EXPECT_EQ(growth_sentence(t, "Python heap"),
            "90 % of the Python heap growth is allocated at ingest.py:142 (keep_geometries), 162.0 MiB/h; next: "
            "queue.py:30 (put)");
}

TEST(GrowthTable, ASiteFirstReportedLateUsesWhatItHeldBefore) {
  const std::vector<SiteBytes> totals = {{10, 0}, {20, 1000}, {30, 2000}};
  // Reported from 30 s only (it had not grown enough before); it held 100 bytes then.
  const std::vector<HeapSite> sites = {site("a.py", 1, "f", {{30, 1900}}, 100)};
  const GrowthTable t = growth_table("tracemalloc", sites, totals, 15);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.from_t_s, 20);
  EXPECT_DOUBLE_EQ(t.rows[0].bytes_from, 100);
  EXPECT_DOUBLE_EQ(t.rows[0].growth_bytes, 1800);
  EXPECT_FALSE(t.rows[0].bytes_per_unit);
}

TEST(GrowthTable, TheWindowAlwaysSpansTwoSnapshots) {
  const std::vector<SiteBytes> totals = {{10, 0}, {20, 1000}};
  const GrowthTable t =
      growth_table("native", std::vector<HeapSite>{site("x.cc", 7, "", {{10, 0}, {20, 800}})}, totals, 1e9);
  EXPECT_EQ(t.from_t_s, 10);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(site_label(t.rows[0]), "x.cc:7");
}

TEST(GrowthTable, NoTableWithoutTwoSnapshotsOrGrowth) {
  const std::vector<HeapSite> sites = {site("a.py", 1, "f", {{10, 5}})};
  EXPECT_TRUE(growth_table("tracemalloc", sites, std::vector<SiteBytes>{{10, 5}}, 0).empty());
  const std::vector<SiteBytes> flat = {{10, 5}, {20, 5}};
  const std::vector<HeapSite> same = {site("a.py", 1, "f", {{10, 5}, {20, 5}})};
  const GrowthTable t = growth_table("tracemalloc", same, flat, 0);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(growth_sentence(t, "Python heap"), "");
}

TEST(GrowthTable, KeepsAtMostMaxRows) {
  std::vector<HeapSite> sites;
  for (int i = 1; i <= 30; ++i) sites.push_back(site("m.py", i, "f", {{0, 0}, {10, 100.0 * i}}));
  const GrowthTable t = growth_table("tracemalloc", sites, std::vector<SiteBytes>{{0, 0}, {10, 1e6}}, 0, {}, 5);
  ASSERT_EQ(t.rows.size(), 5u);
  EXPECT_EQ(t.rows[0].line, 30);
}

}  // namespace
}  // namespace memgate::analyze
