// reports/grafana_dashboard.json queries only metrics memgate exports: every memgate_*
// name in every panel query (and template variable) is a family of live_families() with
// every figure known, and the panels cover RSS, PSS, heap, fds and the verdict.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "openmetrics/live_metrics.h"

namespace memgate::openmetrics {
namespace {

std::set<std::string> exported_names() {
  LiveFigures f;
  f.pss_bytes = 1;
  f.heap_bytes = f.cgroup_usage_bytes = f.cgroup_limit_bytes = 1;
  f.planned_s = 1;
  f.traffic = TrafficFigures{1, 1, 0, 0.1};
  const std::vector<CheckResult> plateaus = {{"rss-plateau",
                                              Outcome::pass,
                                              "",
                                              {{"slope_per_h", 0, "bytes/h"},
                                               {"slope_ci_low_per_h", 0, "bytes/h"},
                                               {"slope_ci_high_per_h", 0, "bytes/h"},
                                               {"tolerance_per_h", 0, "bytes/h"}}},
                                             {"fd-plateau",
                                              Outcome::pass,
                                              "",
                                              {{"slope_per_h", 0, "count/h"},
                                               {"slope_ci_low_per_h", 0, "count/h"},
                                               {"slope_ci_high_per_h", 0, "count/h"},
                                               {"tolerance_per_h", 0, "count/h"}}}};
  f.verdicts = live_verdicts(plateaus, Outcome::pass, 1);
  std::set<std::string> names;
  for (const Family& family : live_families(f)) names.insert(family.name);
  return names;
}

// Every query text of the dashboard: panel targets and template variable queries.
void collect_queries(const nlohmann::json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const char* key : {"expr", "definition"})
      if (node.contains(key) && node[key].is_string()) out.push_back(node[key].get<std::string>());
    for (const auto& [key, value] : node.items()) collect_queries(value, out);
  } else if (node.is_array()) {
    for (const auto& value : node) collect_queries(value, out);
  }
}

TEST(GrafanaDashboard, EveryQueryNamesAMetricMemgateExports) {
  std::ifstream in(std::string(MEMGATE_FIXTURES) + "/../../reports/grafana_dashboard.json");
  ASSERT_TRUE(in) << "reports/grafana_dashboard.json is missing";
  const nlohmann::json dashboard = nlohmann::json::parse(in);  // throws on invalid JSON
  const std::set<std::string> exported = exported_names();
  std::vector<std::string> queries;
  collect_queries(dashboard, queries);
  ASSERT_GE(queries.size(), 10u);
  const std::regex metric(R"(\bmemgate_[a-z0-9_]+)");
  std::set<std::string> used;
  for (const std::string& q : queries) {
    int found = 0;
    for (auto it = std::sregex_iterator(q.begin(), q.end(), metric); it != std::sregex_iterator(); ++it, ++found) {
      EXPECT_TRUE(exported.contains(it->str())) << it->str() << " in " << q << " is not a metric memgate exports";
      used.insert(it->str());
    }
    EXPECT_GT(found, 0) << "a query that names no memgate metric: " << q;
  }
  for (const char* needed : {"memgate_rss_bytes", "memgate_pss_bytes", "memgate_heap_bytes", "memgate_open_fds",
                             "memgate_verdict", "memgate_check_verdict"})
    EXPECT_TRUE(used.contains(needed)) << "no panel shows " << needed;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(panel.contains("gridPos")) << panel.value("title", "");
    EXPECT_FALSE(panel.value("title", "").empty());
  }
}

}  // namespace
}  // namespace memgate::openmetrics
