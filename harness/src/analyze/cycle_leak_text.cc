// The words and figures of the per-cycle leak check, apart from its statistics.
#include <cstdio>

#include "analyze/cycle_leak.h"
#include "analyze/plateau.h"

namespace memgate::analyze {

namespace {

std::string cycles_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " cycle" : " cycles"); }

std::string ratio(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", value);
  return text;
}

std::string summary(const std::string& what, const std::string& unit, const std::string& work_unit,
                    const CycleAnalysis& a, const CycleSettings& s) {
  if (!a.reason.empty()) {
    std::string text = what + " per cycle cannot be judged: " + a.reason;
    if (a.cycles_needed) text += "; run at least " + cycles_text(*a.cycles_needed);
    return text + ".";
  }
  const auto amount = [&](double v) { return format_amount(v, unit); };
  char level[16];
  std::snprintf(level, sizeof level, "%.0f%%", 100 * s.confidence);
  const std::string per_cycle = amount(a.per_cycle) + " per cycle (" + level + " CI " + amount(a.per_cycle_low) +
                                " to " + amount(a.per_cycle_high) + ") over " + cycles_text(a.judged) + " after " +
                                std::to_string(a.warmup_cycles) + " warm-up";
  std::string per_unit;
  if (a.per_unit)
    per_unit = "; " + amount(*a.per_unit) + " per " + work_unit + " (" + amount(*a.per_unit_low) + " to " +
               amount(*a.per_unit_high) + ")";
  if (a.per_day)
    per_unit += "; at " + ratio(*s.production_units_per_s) + " " + work_unit + "/s: " + amount(*a.per_day) + "/day";
  const std::string tolerance = "the " + amount(a.tolerance_per_cycle) + "/cycle tolerance";
  switch (a.outcome) {
    case Outcome::fail:
      return what + " keeps " + per_cycle + ", above " + tolerance + per_unit +
             ": find what one cycle leaves behind (heap profile across a cycle).";
    case Outcome::pass:
      return what + " returns to its level after every cycle: " + per_cycle + ", within " + tolerance + per_unit + ".";
    case Outcome::inconclusive: break;
  }
  std::string text = what + " keeps " + per_cycle + ", which neither clears nor exceeds " + tolerance + per_unit;
  if (a.cycles_needed) text += ": run about " + cycles_text(*a.cycles_needed) + " in total to decide";
  return text + ".";
}

}  // namespace

CheckResult cycle_leak_check(std::string id, const std::string& what, std::span<const double> levels,
                             std::span<const double> work, const std::string& unit, const std::string& work_unit,
                             const CycleSettings& settings) {
  const CycleAnalysis a = analyze_cycles(levels, work, settings);
  CheckResult r;
  r.id = std::move(id);
  r.outcome = a.outcome;
  r.summary = summary(what, unit, work_unit, a, settings);
  const std::string per_cycle = unit + "/cycle", per_unit = unit + "/" + work_unit;
  r.figures = {{"cycles", static_cast<double>(a.cycles), "count"},
               {"warmup_cycles", static_cast<double>(a.warmup_cycles), "count"},
               {"judged_cycles", static_cast<double>(a.judged), "count"}};
  if (a.cycles_needed) r.figures.push_back({"cycles_needed", static_cast<double>(*a.cycles_needed), "count"});
  if (!a.reason.empty()) return r;
  r.figures.insert(r.figures.end(), {{"baseline", a.baseline, unit},
                                     {"per_cycle", a.per_cycle, per_cycle},
                                     {"per_cycle_ci_low", a.per_cycle_low, per_cycle},
                                     {"per_cycle_ci_high", a.per_cycle_high, per_cycle},
                                     {"tolerance_per_cycle", a.tolerance_per_cycle, per_cycle},
                                     {"confidence", 100 * settings.confidence, "%"},
                                     {"p_value", a.p_value, "probability"},
                                     {"lag1_autocorrelation", a.lag1, "ratio"}});
  if (a.work_per_cycle) {
    r.figures.insert(r.figures.end(), {{"work_per_cycle", *a.work_per_cycle, work_unit},
                                       {"per_unit", *a.per_unit, per_unit},
                                       {"per_unit_ci_low", *a.per_unit_low, per_unit},
                                       {"per_unit_ci_high", *a.per_unit_high, per_unit}});
  }
  if (a.per_day) r.figures.push_back({"per_day", *a.per_day, unit + "/day"});
  return r;
}

}  // namespace memgate::analyze
