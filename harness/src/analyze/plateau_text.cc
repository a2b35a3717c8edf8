#include "analyze/plateau_text.h"

#include <cmath>
#include <cstdio>

#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

std::string printf_string(const char* format, double value, const char* suffix) {
  char text[64];
  std::snprintf(text, sizeof text, format, value, suffix);
  return text;
}

std::string rate(double per_h, const std::string& unit) { return format_amount(per_h, unit) + "/h"; }

// A level of a count (a projection, a limit) is a whole number of things.
std::string level(double value, const std::string& unit) {
  return unit == "count" ? printf_string("%.0f%s", std::round(value), "") : format_amount(value, unit);
}

std::string percent(double fraction) { return printf_string("%.0f%s", fraction * 100, "%"); }

}  // namespace

std::string format_amount(double value, const std::string& unit) {
  if (unit == "bytes") return format_bytes(value);
  const bool whole = std::abs(value - std::round(value)) < 1e-9;
  return printf_string(whole ? "%.0f%s" : "%.2f%s", value, "");
}

std::string plateau_summary(const std::string& what, const std::string& unit, const PlateauAnalysis& a,
                            const PlateauSettings& s) {
  if (!a.reason.empty()) {
    std::string text = what + " cannot be judged: " + a.reason;
    if (a.run_length_needed_s) text += "; run at least " + format_duration(*a.run_length_needed_s);
    return text + ".";
  }
  const std::string interval =
      percent(s.confidence) + " CI " + rate(a.slope_low_per_h, unit) + " to " + rate(a.slope_high_per_h, unit);
  std::string window = "over a " + format_duration(a.steady_s) + " steady window";
  // Under a GC sawtooth the slope is that of the level after each collection.
  if (a.gc_drops > 0) window += " (level after each of " + std::to_string(a.gc_drops) + " GC-like drops)";
  else if (!a.sawtooth_note.empty()) window += " (GC-like drops not used: " + a.sawtooth_note + ")";
  if (a.blatant)
    window += ", shorter than the " + format_duration(s.min_steady_s) +
              " a verdict needs unless the leak is blatant: " + "it adds at least " +
              format_amount(a.slope_low_per_h / 3600 * a.steady_s, unit) + " over the window";
  const std::string tolerance = "the " + rate(a.tolerance_per_h, unit) + " tolerance";
  switch (a.outcome) {
    case Outcome::fail: {
      std::string text = what + " grows " + rate(a.slope_per_h, unit) + " (" + interval + ") " + window + ", above " +
                         tolerance + "; at this rate it reaches " + level(a.projected_at_horizon, unit) + " after " +
                         format_duration(s.horizon_s);
      if (s.limit && a.time_to_limit_s)
        text += " and the " + level(*s.limit, unit) + " " + s.limit_name + " in " + format_duration(*a.time_to_limit_s);
      return text + ": " +
             (s.fail_advice.empty() ? "find what is retained per unit of work (heap profile or allocation trace)"
                                    : s.fail_advice) +
             ".";
    }
    case Outcome::pass:
      return what + " plateaus at " + level(a.steady, unit) + ": slope " + rate(a.slope_per_h, unit) + " (" + interval +
             ") " + window + " stays within " + tolerance + ".";
    case Outcome::inconclusive: break;
  }
  if (a.decelerating)
    return what + " grows " + rate(a.slope_per_h, unit) + " (" + interval + ") " + window +
           " but is slowing down (earlier half " + rate(a.early_slope_per_h, unit) + ", later half " +
           rate(a.late_slope_per_h, unit) + "), as a cache still filling does: a later look decides.";
  std::string text = what + " slope " + rate(a.slope_per_h, unit) + " (" + interval + ") " + window +
                     " neither clears nor exceeds " + tolerance;
  if (a.run_length_needed_s) text += ": run about " + format_duration(*a.run_length_needed_s) + " in total to decide";
  return text + ".";
}

std::vector<Figure> plateau_figures(const std::string& unit, const PlateauAnalysis& a, const PlateauSettings& s) {
  const std::string per_h = unit + "/h";
  if (!a.reason.empty()) {  // no trend was estimated: report only what was observed
    std::vector<Figure> f = {{"points", static_cast<double>(a.points), "count"},
                             {"warmup_s", a.warmup_s, "s"},
                             {"steady_s", a.steady_s, "s"},
                             {"dropped_points", static_cast<double>(a.dropped_points), "count"},
                             {"largest_gap_s", a.largest_gap_s, "s"}};
    if (a.points > 0) f.push_back({figure::kSteady, a.steady, unit});
    if (a.effective_n > 0) f.push_back({"effective_n", a.effective_n, "count"});  // too few of them
    if (a.run_length_needed_s) f.push_back({"run_length_needed_s", *a.run_length_needed_s, "s"});
    return f;
  }
  std::vector<Figure> f = {
      {"baseline", a.baseline, unit},
      {figure::kSteady, a.steady, unit},
      {figure::kSlopePerH, a.slope_per_h, per_h},
      {"slope_ci_low_per_h", a.slope_low_per_h, per_h},
      {"slope_ci_high_per_h", a.slope_high_per_h, per_h},
      {"slope_pct_per_h", a.baseline > 0 ? 100 * a.slope_per_h / a.baseline : 0, "%/h"},
      {"tolerance_per_h", a.tolerance_per_h, per_h},
      {"confidence", 100 * s.confidence, "%"},
      {"projected_at_horizon", a.projected_at_horizon, unit},
      {"horizon_s", s.horizon_s, "s"},
      {"p_value", a.p_value, "probability"},
      {"effective_n", a.effective_n, "count"},
      {"variance_inflation", a.variance_inflation, "ratio"},
      {"points", static_cast<double>(a.points), "count"},
      {"warmup_s", a.warmup_s, "s"},
      {"steady_s", a.steady_s, "s"},
      {"dropped_points", static_cast<double>(a.dropped_points), "count"},
      {"largest_gap_s", a.largest_gap_s, "s"},
      {"gc_drops", static_cast<double>(a.gc_drops), "count"},
  };
  if (s.limit) f.push_back({"limit", *s.limit, unit});
  if (a.time_to_limit_s) f.push_back({"time_to_limit_s", *a.time_to_limit_s, "s"});
  if (a.run_length_needed_s) f.push_back({"run_length_needed_s", *a.run_length_needed_s, "s"});
  return f;
}

}  // namespace memgate::analyze
