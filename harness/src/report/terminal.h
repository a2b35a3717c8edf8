// What memgate prints for people: the live progress line and the closing summary.
#pragma once

#include <optional>
#include <string>

#include "memgate/sample.h"
#include "report/run_analysis.h"

namespace memgate::report {

struct Progress {
  double elapsed_s = 0;
  std::optional<double> planned_s;
  std::uint64_t rss_bytes = 0, rss_peak_bytes = 0;
  std::uint32_t fds = 0, processes = 0;
  double achieved_hz = 0;
};

// One line, no newline: "12.0s/60.0s  RSS 45.2 MiB (peak 51.0 MiB)  fds 12  procs 3  10.0 Hz"
std::string progress_line(const Progress& p);

// The closing summary: verdict, one line per check, key figures, where report.json is
// (`report_path`; empty: the report was not written, e.g. `memgate report DIR` without --out).
std::string closing_summary(const RunAnalysis& a, const std::string& report_path);

}  // namespace memgate::report
