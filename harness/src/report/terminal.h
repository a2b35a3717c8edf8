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
  std::string phase;                           // the traffic's phase ("soak hour 7"); empty: a plain command
  std::optional<double> scenario_s;            // the scenario clock, when it runs faster than the wall's (--time-scale)
  std::optional<double> records_per_s, lag_s;  // memgate's own traffic sender
  std::uint64_t rss_bytes = 0, rss_peak_bytes = 0;
  std::uint32_t fds = 0, processes = 0;
  double achieved_hz = 0;
  std::string decision;  // live_decision() of the latest analysis; empty before the first
  std::string target;    // "attached to PID 123 (comm)" (memgate run --pid); empty: a spawned target
};

// One line, no newline, no control characters, at most `width` columns (about 100), e.g.
// "burst @2h 10m | 30.0s/2m 00s, 1m 30s left | 1200 rec/s lag 3 ms | RSS 45.2 MiB (peak 51.0 MiB) |
//  rss-plateau +0.3 MiB/h [-0.1, +0.7]". Parts without a value are left out; when the line
// is too wide, the tree's shape (fds, procs, Hz), the elapsed time, the lag, the scenario
// clock and the record rate go, in that order (the time left, RSS and the decision stay),
// then the end is cut.
std::string progress_line(const Progress& p, std::size_t width = 110);

// What the latest analysis of a running run says, in a few words: the running slope of
// the plateau check that would decide, with its confidence interval ("rss-plateau
// +0.3 MiB/h [-0.1, +0.7]"), the run length it still needs ("rss-plateau needs 12m 00s"),
// or, once every check has decided, report::so_far_text ("no check failed so far").
std::string live_decision(const RunAnalysis& a);

// The closing summary: verdict, one line per check, key figures, where report.json is
// (`report_path`; empty: the report was not written, e.g. `memgate report DIR` without --out).
std::string closing_summary(const RunAnalysis& a, const std::string& report_path);

}  // namespace memgate::report
