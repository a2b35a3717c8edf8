// The plateau checks' FAIL message names the call site the Python heap growth comes from
// (--attribute), instead of sending the user to a heap profiler.
#include <gtest/gtest.h>

#include "record/run_meta.h"
#include "report/check_registry.h"
#include "report/run_series.h"

namespace memgate::report {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

RunSeries leaking_rss() {
  RunSeries s;
  for (int i = 0; i < 1800; ++i) s.rss.add(i / 10.0, 20 * kMiB + i / 10.0 * 0.2 * kMiB);  // 0.2 MiB/s, 180 s
  return s;
}

analyze::GrowthTable one_site() {
  analyze::HeapSite site;
  site.file = "/app/sensor_ingest.py";
  site.line = 142;
  site.function = "keep_geometries";
  site.bytes = {{30, 4 * kMiB}, {170, 32 * kMiB}};
  const std::vector<analyze::SiteBytes> totals = {{30, 10 * kMiB}, {170, 40 * kMiB}};
  return analyze::growth_table("tracemalloc", std::vector<analyze::HeapSite>{site}, totals, 30);
}

std::string rss_plateau_summary(const RunSeries& series) {
  const record::RunMeta meta;
  const RunSummary summary;
  const CheckSettings settings = check_settings_from_scenario({{"plateau", "rss"}}, "test.json");
  for (const auto& c : evaluate_checks({meta, summary, series}, settings))
    if (c.id == "rss-plateau") {
      EXPECT_EQ(c.outcome, Outcome::fail) << c.summary;
      return c.summary;
    }
  ADD_FAILURE() << "no rss-plateau check";
  return "";
}

TEST(AttributionInChecks, PlateauFailNamesTheTopSite) {
  RunSeries series = leaking_rss();
  series.python_growth = one_site();
  const std::string text = rss_plateau_summary(series);
  EXPECT_NE(
      text.find("93 % of the Python heap growth is allocated at sensor_ingest.py:142 (keep_geometries), 720.0 MiB/h"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("heap profile"), std::string::npos) << text;
}

TEST(AttributionInChecks, WithoutAttributionTheAdviceStays) {
  const std::string text = rss_plateau_summary(leaking_rss());
  EXPECT_NE(text.find("heap profile or allocation trace"), std::string::npos) << text;
}

}  // namespace
}  // namespace memgate::report
