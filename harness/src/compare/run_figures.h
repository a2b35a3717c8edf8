// The figures `memgate compare` takes from one finished run: pure extraction from the
// run's report.json (docs/report-schema.md). No I/O, and never the sample log: every
// figure taken from the samples was computed by the report writer in bounded memory.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
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
  std::string dir;      // the run directory
  std::string variant;  // label
  int repeat = 0;
  std::map<std::string, double> values;       // MetricInfo::key -> value; absent when not measured
  std::string steady_basis;                   // how steady_rss_bytes was obtained
  std::string throughput_basis;               // how records_per_s was obtained
  std::string verdict;                        // pass | fail | inconclusive
  std::map<std::string, std::string> checks;  // check id -> outcome
  std::optional<bool> allocator_verified;     // nullopt: no probe in this run
  std::string mismatch;                       // why the allocator was not verified
  std::string problem;                        // the target crashed / failed on its own
  std::string end_reason;
  // Figures left out because the report predates the key they come from, e.g.
  // "steady RSS (summary.rss_second_half)".
  std::vector<std::string> missing;
};

// Reads every figure the report offers. The steady RSS is the rss-plateau check's
// steady level, else summary.rss_second_half.median (the median of the run's second half).
RunFigures figures_from_report(const nlohmann::json& report);

}  // namespace memgate::compare
