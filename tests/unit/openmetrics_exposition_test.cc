// The Prometheus / OpenMetrics text of live figures (openmetrics/): names, escaping,
// numbers, both formats, and the families memgate exports.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "memgate/check_names.h"
#include "openmetrics/exposition.h"
#include "openmetrics/live_metrics.h"

namespace memgate::openmetrics {
namespace {

TEST(OpenMetricsExposition, RendersHelpTypeAndCommonLabelsFirst) {
  const std::vector<Family> families = {
      {"memgate_rss_bytes", Type::gauge, "bytes", "Tree RSS", {{{{"series", "a"}}, 1048576}}},
      {"memgate_samples_total", Type::counter, "", "Samples", {{{}, 42}}},
  };
  const std::string text = render(families, {{"run", "r1"}}, Format::prometheus);
  EXPECT_EQ(text,
            "# HELP memgate_rss_bytes Tree RSS\n"
            "# TYPE memgate_rss_bytes gauge\n"
            "memgate_rss_bytes{run=\"r1\",series=\"a\"} 1048576\n"
            "# HELP memgate_samples_total Samples\n"
            "# TYPE memgate_samples_total counter\n"
            "memgate_samples_total{run=\"r1\"} 42\n");
}

TEST(OpenMetricsExposition, OpenMetricsNamesCounterFamiliesWithoutTotalAddsUnitsAndEof) {
  const std::vector<Family> families = {
      {"memgate_rss_bytes", Type::gauge, "bytes", "say \"hi\"", {{{}, 1}}},
      {"memgate_samples_total", Type::counter, "", "Samples", {{{}, 2}}},
  };
  const std::string text = render(families, {}, Format::openmetrics);
  EXPECT_NE(text.find("# HELP memgate_rss_bytes say \\\"hi\\\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# UNIT memgate_rss_bytes bytes\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE memgate_samples counter\nmemgate_samples_total 2\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("# EOF\n")) << text;
  // The Prometheus format leaves the quote of a HELP text alone.
  EXPECT_NE(render(families, {}, Format::prometheus).find("# HELP memgate_rss_bytes say \"hi\"\n"), std::string::npos);
}

TEST(OpenMetricsExposition, EscapesLabelValuesAndReplacesInvalidUtf8) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_label_value("h\xC3\xA9llo"), "h\xC3\xA9llo");                          // valid UTF-8 stays
  EXPECT_EQ(escape_label_value("x\xFFy"), "x\xEF\xBF\xBDy");                              // a stray byte
  EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(escape_label_value("end\xE2\x82"), "end\xEF\xBF\xBD\xEF\xBF\xBD");            // cut short
  const std::string text = render({{"memgate_phase", Type::gauge, "", "p", {{{{"phase", "soak \"hour\" 7\n"}}, 1}}}},
                                  {}, Format::prometheus);
  EXPECT_NE(text.find("memgate_phase{phase=\"soak \\\"hour\\\" 7\\n\"} 1\n"), std::string::npos) << text;
}

TEST(OpenMetricsExposition, FormatsNumbersExactly) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(123456789012), "123456789012");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(std::stod(format_value(1.0 / 3)), 1.0 / 3);
  EXPECT_EQ(std::stod(format_value(1e300)), 1e300);
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
}

TEST(OpenMetricsExposition, RefusesBadNamesAndSkipsEmptyFamilies) {
  EXPECT_TRUE(valid_metric_name("memgate_rss_bytes"));
  EXPECT_TRUE(valid_metric_name("a:b"));
  EXPECT_FALSE(valid_metric_name("9lives"));
  EXPECT_FALSE(valid_metric_name("memgate-rss"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_TRUE(valid_label_name("run"));
  EXPECT_FALSE(valid_label_name("__name__"));
  EXPECT_FALSE(valid_label_name("a:b"));
  EXPECT_THROW(render({{"bad-name", Type::gauge, "", "h", {{{}, 1}}}}, {}, Format::prometheus), std::logic_error);
  EXPECT_THROW(render({{"memgate_x", Type::counter, "", "h", {{{}, 1}}}}, {}, Format::prometheus), std::logic_error);
  EXPECT_THROW(render({{"memgate_x", Type::gauge, "bytes", "h", {{{}, 1}}}}, {}, Format::prometheus), std::logic_error);
  EXPECT_THROW(render({{"memgate_x", Type::gauge, "", "h", {{{{"a-b", "v"}}, 1}}}}, {}, Format::prometheus),
               std::logic_error);
  EXPECT_EQ(render({{"memgate_x", Type::gauge, "", "h", {}}}, {}, Format::prometheus), "");
}

CheckResult plateau(const char* id, const char* unit, double slope_per_h) {
  const std::string per_h = std::string(unit) + "/h";
  return {id,
          Outcome::pass,
          "",
          {{"slope_per_h", slope_per_h, per_h},
           {"slope_ci_low_per_h", slope_per_h - 3600, per_h},
           {"slope_ci_high_per_h", slope_per_h + 3600, per_h},
           {"tolerance_per_h", 7200, per_h}}};
}

TEST(OpenMetricsLive, VerdictsAndSlopesComeFromTheChecks) {
  const std::vector<CheckResult> checks = {
      plateau(check_id::kRssPlateau, "bytes", 36000),
      plateau(check_id::kFdPlateau, "count", 0),
      {check_id::kRssBudget, Outcome::fail, "", {}},
      {check_id::kHeapPlateau, Outcome::inconclusive, "", {{"points", 3, "count"}}},  // no trend yet
  };
  const LiveVerdicts v = live_verdicts(checks, Outcome::fail, 1700000000);
  ASSERT_EQ(v.checks.size(), 4u);
  EXPECT_EQ(v.checks[2], (std::pair<std::string, Outcome>{"rss-budget", Outcome::fail}));
  ASSERT_EQ(v.slopes.size(), 2u);
  EXPECT_EQ(v.slopes[0].series, "rss");
  EXPECT_TRUE(v.slopes[0].bytes);
  EXPECT_DOUBLE_EQ(v.slopes[0].per_s, 10);
  EXPECT_DOUBLE_EQ(v.slopes[0].low_per_s, 9);
  EXPECT_DOUBLE_EQ(v.slopes[0].high_per_s, 11);
  EXPECT_DOUBLE_EQ(v.slopes[0].tolerance_per_s, 2);
  EXPECT_EQ(v.slopes[1].series, "fds");
  EXPECT_FALSE(v.slopes[1].bytes);

  LiveFigures f;
  f.rss_bytes = 5 << 20;
  f.phase = "soak hour 7";
  f.verdicts = v;
  const std::string text = render(live_families(f), common_labels({"run-1", "soak", ""}), Format::prometheus);
  const std::string labels = "run=\"run-1\",scenario=\"soak\",allocator=\"own\"";
  EXPECT_NE(text.find("memgate_rss_bytes{" + labels + "} 5242880\n"), std::string::npos) << text;
  EXPECT_NE(text.find("memgate_phase{" + labels + ",phase=\"soak hour 7\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("memgate_verdict{" + labels + ",verdict=\"fail\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("memgate_verdict{" + labels + ",verdict=\"pass\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("memgate_check_verdict{" + labels + ",check=\"rss-budget\",verdict=\"fail\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("memgate_slope_bytes_per_second{" + labels + ",series=\"rss\",bound=\"upper\"} 11\n"),
            std::string::npos);
  EXPECT_NE(text.find("memgate_slope_per_second{" + labels + ",series=\"fds\",bound=\"estimate\"} 0\n"),
            std::string::npos);
  // Unknown figures are absent, not zero: no PSS read yet, no probe, no cgroup, no traffic.
  for (const char* absent : {"memgate_pss_bytes", "memgate_heap_bytes", "memgate_cgroup_memory_bytes",
                             "memgate_records_sent_total", "memgate_planned_duration_seconds"})
    EXPECT_EQ(text.find(absent), std::string::npos) << absent;
}

TEST(OpenMetricsLive, EveryFamilyHasHelpAndAUniqueName) {
  LiveFigures f;
  f.pss_bytes = 1;
  f.heap_bytes = 2;
  f.cgroup_usage_bytes = 3;
  f.cgroup_limit_bytes = 4;
  f.planned_s = 60;
  f.traffic = TrafficFigures{10, 9, 1, 0.5};
  f.verdicts = live_verdicts({plateau(check_id::kRssPlateau, "bytes", 0), plateau(check_id::kFdPlateau, "count", 0)},
                             Outcome::pass, 1);
  std::set<std::string> names;
  for (const Family& family : live_families(f)) {
    EXPECT_TRUE(family.name.starts_with("memgate_")) << family.name;
    EXPECT_FALSE(family.help.empty()) << family.name;
    EXPECT_FALSE(family.samples.empty()) << family.name;
    EXPECT_TRUE(names.insert(family.name).second) << family.name;
  }
  EXPECT_NO_THROW(render(live_families(f), common_labels({"r", "", "jemalloc"}), Format::openmetrics));
}

}  // namespace
}  // namespace memgate::openmetrics
