// `memgate sizes`: memory against work size (docs/work-size.md). The workload runs once
// per size (and --repeat times) through the comparison runner (compare_runner.h: one
// variant per size, DIR/size-<n>-<i>/ ordinary run directories, compare.json/md), then
// peak RSS, steady RSS and the live heap of every run are fitted against the size
// (analyze/size_fit.h) into DIR/sizes.json, sizes.md and sizes.png.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analyze/size_fit.h"
#include "compare/compare_runner.h"
#include "memgate/check.h"
#include "record/run_meta.h"

namespace memgate::compare {

inline constexpr const char* kSizesJson = "sizes.json";
inline constexpr const char* kSizesMarkdown = "sizes.md";

struct SizesOptions {
  std::vector<double> sizes;  // ascending, distinct; >= 3
  int repeat = 1;
  std::string out_dir;  // empty: ./memgate-sizes-<timestamp>
  bool plot = true;
  std::string unit = "units";  // what a unit of size counts ("pairs")
  analyze::SizeFitSettings fit;
  std::function<void(const std::string&)> progress;
};

// One run: its size and the levels fitted against it (nullopt: not measured).
struct SizePoint {
  double size = 0;
  std::string dir;
  std::optional<double> peak_rss, steady_rss, live_heap;
  std::string verdict;  // the run's own verdict (its budget checks), for the table
  std::string problem;  // the target failed on its own, or the run could not be done
};

struct SizeMeasure {
  std::string id;    // "peak-rss-vs-size"
  std::string what;  // "peak RSS"
  analyze::SizeFit fit;
  CheckResult check;
};

struct SizesResult {
  CompareResult compare;  // the runs, compare.json/md
  std::string workload;
  std::string unit;
  analyze::SizeFitSettings settings;
  std::vector<double> sizes;
  int repeat = 1;
  std::vector<SizePoint> points;
  std::vector<SizeMeasure> measures;  // peak, steady, live heap (when every size has it)
  Verdict verdict;
  std::string target_problem;  // a run whose target failed: never a pass
  std::string markdown;        // sizes.md
  record::RunMeta first_meta;  // the first run's meta.json: the JUnit suite's host and start
  std::string plot_note;
};

// "10k,30k,100k" or "10000,30000,100000" (k = 1e3, M = 1e6): ascending, distinct, at
// least 3. Throws Error(usage) naming the entry.
std::vector<double> parse_size_list(const std::string& text);

// Runs every size (Error(usage) before anything runs when the workload cannot carry a
// size), then fits and writes the files.
SizesResult run_sizes(const Workload& workload, const SizesOptions& options);

// Recomputes DIR's fit from its run directories and sizes.json's settings (options'
// unit and tolerance win when given: has_unit / fit.tolerance_per_unit).
SizesResult report_sizes_dir(const std::string& dir, SizesOptions options, bool has_unit);

// Pure parts, for tests and the writers.
std::vector<SizeMeasure> fit_measures(const std::vector<SizePoint>& points, const std::string& unit,
                                      const analyze::SizeFitSettings& settings);
nlohmann::json sizes_json(const SizesResult& result);
std::string sizes_markdown(const SizesResult& result);
// The JUnit report: one test case per fitted measure (report/junit.h).
std::string sizes_junit_xml(const SizesResult& result, ExitCode exit_code);
ExitCode sizes_exit_code(const SizesResult& result);

}  // namespace memgate::compare
