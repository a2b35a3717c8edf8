// The comparison's windows against the samples: a fixed-length target with allocation
// churn and a 10x burst in the middle (tests/helpers/alloc/churn_burst), under glibc and
// mimalloc. Each run's automatic warm-up differs (glibc's runs into the burst), so a
// per-run "steady" level compared one allocator's burst with another's quiet phase; the
// comparison must read every figure over one window, and say which.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/run_helpers.h"

namespace memgate::testing {
namespace {

namespace fs = std::filesystem;

// (scenario time, rss) of every sample with a live tree.
std::vector<std::pair<double, double>> rss_samples(const std::string& run_dir) {
  std::ifstream in(run_dir + "/samples.csv");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  for (std::stringstream s(line); std::getline(s, line, ',');) header.push_back(line);
  const auto col = [&](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::size_t t_col = col("scenario_t_s"), rss_col = col("rss_bytes"), proc_col = col("processes");
  std::vector<std::pair<double, double>> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    for (std::stringstream s(line); std::getline(s, line, ',');) cells.push_back(line);
    if (cells.size() <= std::max({t_col, rss_col, proc_col}) || cells[rss_col].empty() || cells[proc_col] == "0")
      continue;
    out.emplace_back(std::stod(cells[t_col]), std::stod(cells[rss_col]));
  }
  return out;
}

// The two middle values (equal for an odd count): a median lies between them.
std::pair<double, double> median_in(const std::vector<std::pair<double, double>>& samples, double from, double to) {
  std::vector<double> v;
  for (const auto& [t, rss] : samples)
    if (t >= from && t <= to) v.push_back(rss);
  if (v.empty()) return {NAN, NAN};
  std::sort(v.begin(), v.end());
  return {v[(v.size() - 1) / 2], v[v.size() / 2]};
}

TEST(CompareWindows, EveryFigureIsReadOverTheSameWindowAndAgreesWithTheSamples) {
  const std::string dir = fresh_dir("compare-windows") + "/cmp";
  const std::string junit = fs::path(dir).parent_path().string() + "/compare.xml";
  const auto r =
      memgate({"compare", "--allocators", "glibc,mimalloc", "--repeat", "1", "--out", dir, "--no-plot", "--work-metric",
               "ops", "--junit", junit, "--require", "pass", "--", helper("alloc/churn_burst"), "8"});
  // 8 s runs are too short for a plateau verdict: INCONCLUSIVE, and --require pass says so.
  ASSERT_EQ(r.exit_code, 2) << r.output;
  const auto j = read_json(dir + "/compare.json");
  std::ifstream junit_in(junit);
  std::stringstream xml;
  xml << junit_in.rdbuf();
  for (const char* name : {"glibc: rss-plateau", "mimalloc: rss-plateau", "mimalloc: allocator"})
    EXPECT_NE(xml.str().find(std::string("name=\"") + name + "\""), std::string::npos) << name << "\n" << xml.str();
  EXPECT_NE(xml.str().find("<skipped message=\"inconclusive: glibc rss-plateau: 1 of 1 runs inconclusive"),
            std::string::npos)
      << xml.str();
  // A valid JUnit file whose suite names the command and when the comparison started.
  EXPECT_EQ(junit_schema_errors(junit), "");
  EXPECT_NE(xml.str().find("<property name=\"command\" value=\"" + helper("alloc/churn_burst") + " 8\"/>"),
            std::string::npos)
      << xml.str();
  const auto first_meta = read_json(dir + "/glibc-1/meta.json");
  const std::time_t started = first_meta["started_unix_ms"].get<std::int64_t>() / 1000;
  std::tm tm{};
  gmtime_r(&started, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "timestamp=\"%Y-%m-%dT%H:%M:%S\"", &tm);
  EXPECT_GE(tm.tm_year + 1900, 2024) << stamp;
  EXPECT_NE(xml.str().find(stamp), std::string::npos) << stamp << "\n" << xml.str();
  EXPECT_NE(xml.str().find("<property name=\"exit_code\" value=\"2\"/>"), std::string::npos) << xml.str();

  // One steady window for every run, written down, and named in compare.md.
  ASSERT_EQ(j["windows"]["list"].size(), 1u) << j["windows"].dump();
  const auto& w = j["windows"]["list"][0];
  EXPECT_EQ(w["name"], "steady");
  const double from = w["start_s"], to = w["end_s"];
  EXPECT_GT(to - from, 2.0) << w.dump();
  double longest_warmup = 0;
  for (const auto& run : j["runs"])
    if (run["warmup_s"].is_number()) longest_warmup = std::max(longest_warmup, run["warmup_s"].get<double>());
  EXPECT_NEAR(from, std::min(longest_warmup, to / 2), 1e-6) << "the longest warm-up is cut from every run";
  std::ifstream md_in(dir + "/compare.md");
  std::stringstream md;
  md << md_in.rdbuf();
  char span[64];
  std::snprintf(span, sizeof span, "[%.1f s, %.1f s]", from, to);
  EXPECT_NE(md.str().find(std::string("steady | ") + span), std::string::npos) << md.str();

  // Each run's steady RSS is the median of its own samples in that window.
  std::map<std::string, double> steady;
  for (const auto& run : j["runs"]) {
    const std::string name = run["dir"];
    const auto samples = rss_samples(dir + "/" + name);
    const auto [low, high] = median_in(samples, from, to);
    const double reported = run["values"]["steady_rss_bytes"];
    EXPECT_GE(reported, low * 0.999) << name;  // the quantile sketch is within 0.1 %
    EXPECT_LE(reported, high * 1.001) << name;
    EXPECT_EQ(run["windows"]["steady"]["rss_median_bytes"].get<double>(), reported) << name;
    EXPECT_NE(run["steady_basis"].get<std::string>().find(span), std::string::npos) << run["steady_basis"];
    steady[run["variant"]] = reported;
    // The work counter gives throughput and CPU per unit over the same window.
    EXPECT_GT(run["values"]["records_per_s"].get<double>(), 1000) << name;
    EXPECT_GT(run["values"]["cpu_per_unit_s"].get<double>(), 0) << name;
    EXPECT_EQ(run["work_unit"], "ops") << name;
  }

  // The recommendation agrees with the window: one run each proves nothing, and it says
  // what a decision needs; it never names a variant whose window level is higher.
  const auto& rec = j["recommendation"];
  const std::string line = rec["line"];
  if (rec["changes_baseline"].get<bool>()) {
    EXPECT_LT(steady.at(rec["choice"]), steady.at("glibc")) << line;
  } else {
    EXPECT_EQ(rec["choice"], "glibc") << line;
  }
  EXPECT_EQ(line.rfind("keep glibc", 0), 0u) << line;
  EXPECT_NE(line.find("--repeat 3"), std::string::npos) << line;
  // Every run was judged INCONCLUSIVE or better, and those that were not PASS are named.
  for (const auto& v : j["summary"]) {
    const bool flagged = v["verdicts"].contains("inconclusive") || v["verdicts"].contains("fail");
    EXPECT_TRUE(!flagged || line.find("caution") != std::string::npos) << line;
  }
  fs::remove_all(fs::path(dir).parent_path());
}

}  // namespace
}  // namespace memgate::testing
