// Plateau verdicts: does a memory (or fd, thread) series stop growing once the target is
// warm? Three-valued on purpose: FAIL needs growth that is both significant and above a
// tolerance, PASS needs the upper confidence bound at or below it, anything else is
// INCONCLUSIVE with the run length that would likely decide. Method, defaults, figure
// names and the validation study: docs/plateau.md.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "analyze/deceleration.h"
#include "analyze/trend_stats.h"
#include "memgate/check.h"

namespace memgate::analyze {

// A tagged interval of the run (warmup, burst, recovery, soak...), seconds from start.
struct PhaseSpan {
  std::string name;
  double start_s = 0, end_s = 0;
};

// Which leading part of the run to ignore. Default: detected (MSER change point).
struct Warmup {
  enum class Kind { automatic, seconds, fraction };
  Kind kind = Kind::automatic;
  double value = 0;  // seconds from the first sample, or a fraction of the run in [0, 1)
};

struct PlateauSettings {
  // Tolerated growth. The effective tolerance is the larger of the two, so a small
  // process is not failed for a few KiB/h and a large one not for a few MiB/h. Set one
  // to 0 to use only the other.
  double tolerance_abs_per_h = 1024.0 * 1024.0;  // value units per hour (1 MiB/h for bytes)
  double tolerance_pct_per_h = 1.0;              // percent of the baseline per hour
  Warmup warmup;
  double auto_warmup_max_fraction = 0.5;  // automatic warm-up never removes more than this
  double confidence = 0.99;               // two-sided level of the slope interval
  double horizon_s = 24 * 3600.0;         // for projected_at_horizon (from the first sample)
  std::optional<double> limit;            // memory limit in value units, for time_to_limit_s
  std::string limit_name = "limit";       // how the FAIL message names it ("limit", "RLIMIT_NOFILE")
  std::string fail_advice;                // what to look for after a FAIL; empty: a heap profile
  AutocorrelationCorrection correction = AutocorrelationCorrection::adaptive;
  // Student's t with effective_n - 2 degrees of freedom instead of the normal quantile:
  // widens the interval where the correlation was estimated from few effective points.
  bool student_t = true;
  // FAIL also needs the later half of the steady window not to be significantly flatter
  // than the tolerance (its upper confidence bound above it): a saturating warm-up that
  // the warm-up cut left in is not a leak.
  bool require_late_growth = true;
  std::size_t analysis_points = 256;  // time buckets (medians) the statistics run on
  std::size_t min_points = 20;        // fewer usable points in the steady window: INCONCLUSIVE
  double min_steady_s = 60;           // shorter steady window: INCONCLUSIVE, unless a blatant leak:
  // A steady window of at least blatant_min_steady_s (and min_points) that is shorter
  // than min_steady_s may still FAIL (never PASS) when the leak is blatant: the lower
  // confidence bound of the slope, over the window, adds at least blatant_growth_pct of
  // the baseline, and the later half's lower bound is above the tolerance at no less
  // than half the whole window's slope (docs/plateau.md, "Blatant leaks in short runs").
  double blatant_min_steady_s = 20;
  double blatant_growth_pct = 10;
  // Judge a GC sawtooth by the level after each collection (analyze/sawtooth.h). Off for
  // counts: a pool that shrinks and regrows is not a collector hiding a leak.
  bool sawtooth_aware = true;
  // A look of --until-decided (analyze/sequential.h, at_look): a FAIL on a climb that is
  // slowing down (analyze/deceleration.h) is INCONCLUSIVE instead, so that a later look
  // decides. Not set for the fixed-length check, which has no later look.
  std::optional<DecelerationSettings> defer_decelerating;

  // Defaults for fd and thread counts: 1 count/h absolute, no percentage.
  static PlateauSettings for_counts();
};

// Parses --warmup: "auto", "90" or "90s" (seconds), "15m", "10%" (of the run).
// Throws memgate::Error (usage) naming the accepted forms.
Warmup parse_warmup(const std::string& text);
// Parses --tolerance: "2%/h", "1MiB/h", "512KiB/h", "3/h" or both comma-separated
// ("1MiB/h,2%/h"); fields not given are set to 0. Throws memgate::Error (usage).
void parse_tolerance(const std::string& text, PlateauSettings& settings);

// Everything the plateau verdict is built from (for tests, the study and plots).
struct PlateauAnalysis {
  Outcome outcome = Outcome::inconclusive;
  std::string reason;      // set when the series cannot be judged at all
  std::size_t points = 0;  // analysis points in the steady window
  double warmup_s = 0, steady_s = 0, run_s = 0;
  double baseline = 0;   // fitted level at the start of the steady window
  double steady = 0;     // median of the steady window
  double end_level = 0;  // fitted level at the last sample
  double slope_per_h = 0, slope_low_per_h = 0, slope_high_per_h = 0;
  double tolerance_per_h = 0;
  double late_slope_per_h = 0;       // Theil–Sen slope of the later half of the steady window
  double late_slope_high_per_h = 0;  // its upper confidence bound (same correction and level)
  double p_value = 1;                // one-sided Mann–Kendall, autocorrelation-corrected
  double variance_inflation = 1;
  double effective_n = 0;  // points / variance_inflation
  double projected_at_horizon = 0;
  std::optional<double> time_to_limit_s;
  std::optional<double> run_length_needed_s;  // INCONCLUSIVE only
  std::size_t dropped_points = 0;
  double largest_gap_s = 0;
  // GC sawtooth: collections the trend was measured across (0 when the series is not
  // treated as a sawtooth), and why drops that were seen were not used.
  std::size_t gc_drops = 0;
  // FAIL decided on a window shorter than min_steady_s by the blatant-leak rule.
  bool blatant = false;
  double late_slope_low_per_h = 0;  // lower confidence bound of the later half's slope
  bool sawtooth_periodic = false;   // the collections were dated from their period
  std::string sawtooth_note;
  // A FAIL deferred by defer_decelerating, and the earlier half's slope it compared
  // with late_slope_per_h (set whenever the test ran).
  bool decelerating = false;
  double early_slope_per_h = 0;
};

// t_s ascending (seconds), values in `unit`. Up to millions of raw points or a few
// thousand bucket means; NaN/inf points are dropped.
PlateauAnalysis analyze_plateau(std::span<const double> t_s, std::span<const double> values,
                                const PlateauSettings& settings);

// The check: id e.g. "rss-plateau", what e.g. "RSS", unit "bytes" or "count".
// Figures: docs/plateau.md#figures.
CheckResult plateau_check(std::string id, std::string what, std::span<const double> t_s, std::span<const double> values,
                          std::string unit, const PlateauSettings& settings);

// Counts (fds, threads): the trend check plus net_growth (last minus first steady
// level); FAIL also needs net growth of at least min_net_growth.
CheckResult count_plateau_check(std::string id, std::string what, std::span<const double> t_s,
                                std::span<const double> values, const PlateauSettings& settings,
                                double min_net_growth = 2);
// Descriptors: the count check, whose FAIL says which groups grew (fd-snapshot events)
// and, without a --max-fds budget, when the busiest process reaches its RLIMIT_NOFILE.
struct FdSnapshot;
CheckResult fd_plateau_check(std::span<const double> t_s, std::span<const double> values,
                             const PlateauSettings& settings = PlateauSettings::for_counts(),
                             std::span<const FdSnapshot> snapshots = {});

struct BurstSettings {
  std::string burst_phase = "burst";        // phase name to look for (first match)
  double pre_window_s = 60;                 // pre-burst level: median over this window before the burst
  std::optional<double> recovery_window_s;  // default: until the next burst phase or the end
  double level_window_s = 30;               // retained level: median over the end of the recovery window
  double tolerance_abs = 1024.0 * 1024.0;   // value units (1 MiB for bytes)
  double tolerance_pct = 5.0;               // percent of the pre-burst level; the larger wins
  double bucket_s = 1;                      // smoothing for time_to_recover_s (bucket medians)
};

// After the burst phase ends: the time until the value is back within tolerance of the
// pre-burst level, and the amount still retained at the end of the recovery window.
// PASS when retained <= tolerance, FAIL when above and no longer falling, INCONCLUSIVE
// when still falling or when the phases or samples do not allow a judgement.
CheckResult burst_recovery_check(std::string id, std::string what, std::span<const double> t_s,
                                 std::span<const double> values, std::span<const PhaseSpan> phases, std::string unit,
                                 const BurstSettings& settings = {});

// "12.3 MiB" for bytes, "17" for counts: the form used in summaries.
std::string format_amount(double value, const std::string& unit);

}  // namespace memgate::analyze
