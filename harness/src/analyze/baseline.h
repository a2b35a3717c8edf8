// Baseline comparison: are this run's figures (peak RSS, steady RSS, RSS retained after a
// burst, fds, live heap) those of a known good run of the same workload, given how much
// runs of it vary? Each figure is SAME, DIFFERENT or UNKNOWN, as in Chromium's Pinpoint;
// the check FAILs only on a figure that is DIFFERENT and grew beyond --max-increase.
// Pure: numbers in, comparisons and a CheckResult out. Method: docs/baselines.md.
#pragma once

#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memgate/check.h"

namespace memgate::analyze {

// How much a figure may grow: the larger of a share of the baseline's value and an
// amount (bytes; byte figures only). A count figure (fds) may always grow by 1.
struct MaxIncrease {
  double pct = 10;
  double abs_bytes = 0;
};
// "10%", "5MiB", "10%,5MiB" (either order); nullopt for anything else.
std::optional<MaxIncrease> parse_max_increase(std::string_view text);
double allowed_increase(const MaxIncrease& m, double baseline_value, bool bytes);

// One figure of one run: its value (NaN: the run has none) and the noise of the series it
// was read from (a robust standard deviation of one sample, tick_noise below).
struct FigureSample {
  double value = NAN;
  double noise = 0;
};

struct RunFigures {
  FigureSample peak_rss, steady_rss, retained_after_burst, fds, heap;
};

struct FigureDef {
  const char* name;  // report.json figure name: "steady_rss"
  const char* what;  // in sentences: "steady RSS"
  const char* unit;  // "bytes" or "count"
  FigureSample RunFigures::*member;
};
std::span<const FigureDef> figure_defs();

enum class Change { same, different, unknown };
std::string_view change_name(Change c);  // "SAME", "DIFFERENT", "UNKNOWN"

struct FigureComparison {
  const FigureDef* def = nullptr;
  double current = 0;
  double baseline = 0;    // the mean of the baseline runs' values
  double difference = 0;  // current - baseline
  double allowed = 0;     // the increase --max-increase allows
  double margin = 0;      // how far a run of the same workload may fall from `baseline` (95 %)
  std::size_t baseline_runs = 0;
  Change change = Change::unknown;
  bool regressed = false;  // DIFFERENT and grew beyond `allowed`
};

// margin: with >= 3 baseline runs, the half-width of the 95 % prediction interval of one
// more run, t(0.975, n-1) * sd * sqrt(1 + 1/n), at least twice the current run's noise;
// with 1 or 2 runs, 2 * sqrt(noise_current^2 + noise_baseline^2) (noise_baseline: the
// largest of the runs'), and with 2 at least their range.
// DIFFERENT: |difference| > allowed and > margin; SAME: |difference| + margin <= allowed
// (equivalent within the allowance); UNKNOWN: anything else (too noisy to say).
FigureComparison compare_figure(const FigureDef& def, const FigureSample& current,
                                std::span<const FigureSample> baseline, const MaxIncrease& max_increase);

// Every figure both the current run and all the baseline runs have.
std::vector<FigureComparison> compare_runs(const RunFigures& current, std::span<const RunFigures> baseline,
                                           const MaxIncrease& max_increase);

// Robust noise of one sample: 1.4826 * median |x[i] - x[i-1]| / sqrt(2) (a trend or a
// level shift barely moves it; NaNs are skipped). 0 with fewer than 2 values.
double tick_noise(std::span<const double> values);

// The level of a series: the median of its values at t >= half the last time, and the
// noise of those values. value NaN without any.
FigureSample second_half_level(std::span<const double> t_s, std::span<const double> values);

// FAIL when a figure regressed; else INCONCLUSIVE when one is UNKNOWN; else PASS.
// `baseline_name`: the path the baseline came from, for the message.
CheckResult baseline_check(const std::vector<FigureComparison>& comparisons, const std::string& baseline_name);

}  // namespace memgate::analyze
