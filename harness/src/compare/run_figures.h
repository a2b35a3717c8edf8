// The figures `memgate compare` takes from one finished run: pure extraction from the
// run's report.json (docs/report-schema.md) and its RSS series. No I/O.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace memgate::compare {

enum class Better { lower, higher, neither };

// One comparable figure. The table of them is the single place that says what each
// column of compare.json / compare.md means and which direction is better.
struct MetricInfo {
  std::string_view key;    // "steady_rss_bytes"
  std::string_view label;  // "steady RSS"
  std::string_view unit;   // "bytes", "bytes/h", "records/s", "s", "count"
  Better better;
  std::string_view meaning;
};

std::span<const MetricInfo> metrics();
const MetricInfo* find_metric(std::string_view key);

struct RunFigures {
  std::string dir;       // the run directory
  std::string variant;   // label
  int repeat = 0;
  std::map<std::string, double> values;  // MetricInfo::key -> value; absent when not measured
  std::string steady_basis;              // how steady_rss_bytes was obtained
  std::string throughput_basis;          // how records_per_s was obtained
  std::string verdict;                   // pass | fail | inconclusive
  std::map<std::string, std::string> checks;  // check id -> outcome
  std::optional<bool> allocator_verified;     // nullopt: no probe in this run
  std::string mismatch;                       // why the allocator was not verified
  std::string problem;                        // the target crashed / failed on its own
  std::string end_reason;
};

// Median of the values from the second half of the run (t >= last t / 2): the steady
// RSS when the rss-plateau check did not produce one. NaN points are skipped;
// nullopt when nothing is left.
std::optional<double> second_half_median(std::span<const double> t_s, std::span<const double> values);

// Reads every figure the report offers; `t_s`/`rss` (samples.csv) are only used for the
// steady-RSS fallback.
RunFigures figures_from_report(const nlohmann::json& report, std::span<const double> t_s, std::span<const double> rss);

}  // namespace memgate::compare
