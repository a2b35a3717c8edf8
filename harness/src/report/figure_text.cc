#include "report/figure_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "memgate/units.h"

namespace memgate::report {

namespace {

std::string number(double value) {
  char text[48];
  // Whole numbers and large ones in full ("16420000"), small fractions to 4 digits.
  const bool full =
      std::fabs(value) < 1e18 && (std::fabs(value - std::round(value)) < 1e-9 || std::fabs(value) >= 1000);
  std::snprintf(text, sizeof text, full ? "%.0f" : "%.4g", value);
  return text;
}

}  // namespace

std::string figure_value(const Figure& f) {
  if (!std::isfinite(f.value)) return "n/a";
  if (f.unit == "bytes") return format_bytes(f.value);
  if (f.unit == "bytes/h") return format_bytes(f.value) + "/h";
  if (f.unit == "s") return format_duration(f.value);
  if (f.unit == "%") return number(f.value) + "%";
  if (f.unit == "count" || f.unit.empty() || f.unit == "none" || f.unit == "probability" || f.unit == "ratio")
    return number(f.value);
  return number(f.value) + " " + f.unit;
}

std::string figures_text(const CheckResult& check, std::size_t limit) {
  std::string out;
  std::size_t n = 0;
  for (const auto& f : check.figures) {
    if (limit != 0 && n++ == limit) break;
    out += f.name + ": " + figure_value(f);
    // The raw value beside a converted one, for scripts reading the text.
    if (std::isfinite(f.value) && (f.unit == "bytes" || f.unit == "bytes/h" || f.unit == "s"))
      out += " (" + number(f.value) + " " + f.unit + ")";
    out += "\n";
  }
  return out;
}

std::string key_figures(const CheckResult& check, std::size_t limit) {
  // The figures a reader of a table wants first; any others follow in the check's order.
  static const std::vector<std::string> kFirst = {
      "observed_peak", "slope_per_h",         "limit",     "steady", "retained", "time_to_limit_s", "held_median",
      "burst_peak",    "run_length_needed_s", "net_growth"};
  std::vector<const Figure*> chosen;
  for (const auto& name : kFirst)
    for (const auto& f : check.figures)
      if (f.name == name && chosen.size() < limit) chosen.push_back(&f);
  for (const auto& f : check.figures)
    if (chosen.size() < limit && std::find(chosen.begin(), chosen.end(), &f) == chosen.end()) chosen.push_back(&f);
  std::string out;
  for (const Figure* f : chosen) out += (out.empty() ? "" : ", ") + f->name + " " + figure_value(*f);
  return out;
}

}  // namespace memgate::report
