// Plateau checks (rss-plateau, pss-plateau, heap-plateau, fd-plateau, thread-plateau):
// after the warm-up, does the series grow beyond the tolerance (analyze/plateau.h)?
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analyze/plateau.h"
#include "analyze/sequential.h"
#include "report/check_setting.h"
#include "report/run_series.h"

namespace memgate::report::checks {

// "rss,fds" or "none"; every name among known_plateau_metrics().
struct PlateauMetricsCodec {
  using Value = std::vector<std::string>;
  static constexpr bool kSwitch = false, kList = true;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v) { return v; }
  static Value from_meta(const nlohmann::json& v);
};

// Tolerated growth: "1MiB/h", "2%/h" or both; the larger wins.
struct Tolerance {
  double abs_per_h = 1024.0 * 1024.0;  // bytes per hour
  double pct_per_h = 1.0;              // percent of the baseline per hour
};
struct ToleranceCodec {
  using Value = Tolerance;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v);
  static Value from_meta(const nlohmann::json& v);
};

// "auto", a duration ("90s", or seconds as a number) or a share of the run ("10%").
struct WarmupCodec {
  using Value = analyze::Warmup;
  static constexpr bool kSwitch = false, kList = false;
  static Value from_text(const std::string& text);
  static Value from_json(const nlohmann::json& v);
  static nlohmann::json to_meta(const Value& v);
  static Value from_meta(const nlohmann::json& v);
};

extern const Setting<PlateauMetricsCodec> kPlateau;
extern const Setting<ToleranceCodec> kTolerance;
extern const Setting<WarmupCodec> kWarmup;
extern const Setting<codec::Seconds> kHorizon;

// The series memgate can judge for a plateau, for validation and help ("rss, pss, ...").
const std::vector<std::string>& known_plateau_metrics();
std::string known_plateau_metrics_text();
bool is_plateau_metric(const std::string& name);

// The analysis settings the checks run with: memory series and counts (fds, threads).
analyze::PlateauSettings memory_plateau_settings(const CheckSettings& s);
analyze::PlateauSettings count_plateau_settings(const CheckSettings& s);

// The plateau checks the settings ask for, on these series; at a look of --until-decided
// with that look's settings (analyze::at_look; none: the fixed-length check's own).
std::vector<CheckResult> plateau_results(const RunSeries& series, const CheckSettings& settings,
                                         const analyze::Look* look = nullptr);

}  // namespace memgate::report::checks
