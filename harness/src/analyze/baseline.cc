#include "analyze/baseline.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include <boost/math/distributions/students_t.hpp>

#include "analyze/plateau.h"  // format_amount
#include "analyze/trend_stats.h"
#include "memgate/check_names.h"
#include "memgate/units.h"

namespace memgate::analyze {

namespace {

constexpr std::array kFigures{
    FigureDef{"peak_rss", "peak RSS", "bytes", &RunFigures::peak_rss},
    FigureDef{"steady_rss", "steady RSS", "bytes", &RunFigures::steady_rss},
    FigureDef{"retained_after_burst", "RSS retained after the burst", "bytes", &RunFigures::retained_after_burst},
    FigureDef{"fds", "peak fds", "count", &RunFigures::fds},
    FigureDef{"heap", "live heap", "bytes", &RunFigures::heap},
};

double median_of(std::vector<double> v) { return v.empty() ? NAN : median(std::move(v)); }

std::string signed_amount(double v, const std::string& unit) {
  return (v >= 0 ? "+" : "-") + format_amount(std::abs(v), unit);
}

std::string describe(const FigureComparison& c) {
  const std::string unit = c.def->unit;
  std::string text = std::string(c.def->what) + " " + format_amount(c.current, unit) + " vs " +
                     format_amount(c.baseline, unit) + " (" + signed_amount(c.difference, unit);
  if (c.baseline > 0) {
    char pct[32];
    std::snprintf(pct, sizeof pct, ", %+.1f%%", 100 * c.difference / c.baseline);
    text += pct;
  }
  return text + "; allowed +" + format_amount(c.allowed, unit) + ", runs vary by ±" + format_amount(c.margin, unit) +
         "): " + std::string(change_name(c.change));
}

}  // namespace

std::optional<MaxIncrease> parse_max_increase(std::string_view text) {
  MaxIncrease m{0, 0};
  bool has_pct = false, has_abs = false;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // "10%,"
    if (!part.empty() && part.back() == '%') {
      const std::string number(part.substr(0, part.size() - 1));
      char* end = nullptr;
      const double v = std::strtod(number.c_str(), &end);
      if (has_pct || number.empty() || end != number.c_str() + number.size() || !(v >= 0) || !std::isfinite(v))
        return std::nullopt;
      m.pct = v;
      has_pct = true;
    } else {
      const auto bytes = parse_bytes(part);
      if (has_abs || !bytes) return std::nullopt;
      m.abs_bytes = static_cast<double>(*bytes);
      has_abs = true;
    }
  }
  if (!has_pct && !has_abs) return std::nullopt;
  return m;
}

double allowed_increase(const MaxIncrease& m, double baseline_value, bool bytes) {
  const double share = m.pct / 100 * std::abs(baseline_value);
  return bytes ? std::max(share, m.abs_bytes) : std::max(share, 1.0);
}

std::span<const FigureDef> figure_defs() { return kFigures; }

std::string_view change_name(Change c) {
  switch (c) {
    case Change::same: return "SAME";
    case Change::different: return "DIFFERENT";
    case Change::unknown: break;
  }
  return "UNKNOWN";
}

FigureComparison compare_figure(const FigureDef& def, const FigureSample& current,
                                std::span<const FigureSample> baseline, const MaxIncrease& max_increase) {
  FigureComparison c;
  c.def = &def;
  c.current = current.value;
  c.baseline_runs = baseline.size();
  double sum = 0, max_noise = 0, lo = INFINITY, hi = -INFINITY;
  for (const auto& b : baseline) {
    sum += b.value;
    max_noise = std::max(max_noise, b.noise);
    lo = std::min(lo, b.value);
    hi = std::max(hi, b.value);
  }
  const auto n = static_cast<double>(baseline.size());
  c.baseline = sum / n;
  c.difference = c.current - c.baseline;
  c.allowed = allowed_increase(max_increase, c.baseline, std::string_view(def.unit) == "bytes");
  if (baseline.size() >= 3) {
    double ss = 0;
    for (const auto& b : baseline) ss += (b.value - c.baseline) * (b.value - c.baseline);
    const double sd = std::sqrt(ss / (n - 1));
    const boost::math::students_t t(n - 1);
    c.margin = std::max(boost::math::quantile(t, 0.975) * sd * std::sqrt(1 + 1 / n), 2 * current.noise);
  } else {
    c.margin = 2 * std::hypot(current.noise, max_noise);
    if (baseline.size() == 2) c.margin = std::max(c.margin, hi - lo);
  }
  const double d = std::abs(c.difference);
  if (d > c.allowed && d > c.margin) c.change = Change::different;
  else if (d + c.margin <= c.allowed) c.change = Change::same;
  else c.change = Change::unknown;
  c.regressed = c.change == Change::different && c.difference > 0;
  return c;
}

std::vector<FigureComparison> compare_runs(const RunFigures& current, std::span<const RunFigures> baseline,
                                           const MaxIncrease& max_increase) {
  std::vector<FigureComparison> out;
  if (baseline.empty()) return out;
  for (const auto& def : kFigures) {
    const FigureSample& now = current.*def.member;
    if (!std::isfinite(now.value)) continue;
    std::vector<FigureSample> base;
    for (const auto& run : baseline) base.push_back(run.*def.member);
    if (std::any_of(base.begin(), base.end(), [](const FigureSample& b) { return !std::isfinite(b.value); })) continue;
    out.push_back(compare_figure(def, now, base, max_increase));
  }
  return out;
}

double tick_noise(std::span<const double> values) {
  std::vector<double> steps;
  double previous = NAN;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    if (!std::isnan(previous)) steps.push_back(std::abs(v - previous));
    previous = v;
  }
  if (steps.empty()) return 0;
  return 1.4826 * median_of(std::move(steps)) / std::sqrt(2.0);
}

FigureSample second_half_level(std::span<const double> t_s, std::span<const double> values) {
  const std::size_t n = std::min(t_s.size(), values.size());
  if (n == 0) return {};
  const double from = t_s[n - 1] / 2;
  std::vector<double> half;
  for (std::size_t i = 0; i < n; ++i)
    if (t_s[i] >= from && !std::isnan(values[i])) half.push_back(values[i]);
  if (half.empty()) return {};
  const double noise = tick_noise(half);
  return {median_of(std::move(half)), noise};
}

CheckResult baseline_check(const std::vector<FigureComparison>& comparisons, const std::string& baseline_name) {
  CheckResult r;
  r.id = check_id::kBaseline;
  if (comparisons.empty()) {
    r.outcome = Outcome::inconclusive;
    r.summary = "no figure to compare with the baseline " + baseline_name + " (did either run record samples?)";
    return r;
  }
  const std::size_t runs = comparisons.front().baseline_runs;
  std::string regressed, unknown, rest;
  for (const auto& c : comparisons) {
    const std::string name = c.def->name;
    r.figures.push_back({name, c.current, c.def->unit});
    r.figures.push_back({name + "_baseline", c.baseline, c.def->unit});
    r.figures.push_back({name + "_allowed", c.allowed, c.def->unit});
    r.figures.push_back({name + "_margin", c.margin, c.def->unit});
    r.figures.push_back({name + "_change", static_cast<double>(c.change), "0 same, 1 different, 2 unknown"});
    std::string& list = c.regressed ? regressed : c.change == Change::unknown ? unknown : rest;
    list += (list.empty() ? "" : "; ") + describe(c);
  }
  r.figures.push_back({"baseline_runs", static_cast<double>(runs), "count"});
  const std::string against =
      " against the baseline " + baseline_name + " (" + std::to_string(runs) + (runs == 1 ? " run" : " runs") + ")";
  if (!regressed.empty()) {
    r.outcome = Outcome::fail;
    r.summary = "memory regressed" + against + ": " + regressed + (unknown.empty() ? "" : "; " + unknown) +
                (rest.empty() ? "" : "; " + rest);
  } else if (!unknown.empty()) {
    r.outcome = Outcome::inconclusive;
    r.summary = "cannot tell whether memory differs" + against + ": " + unknown + (rest.empty() ? "" : "; " + rest) +
                "; the runs vary more than the allowed increase: keep more baseline runs (repeats) or raise "
                "--max-increase";
  } else {
    r.outcome = Outcome::pass;
    r.summary = "no regression" + against + ": " + rest;
  }
  return r;
}

}  // namespace memgate::analyze
