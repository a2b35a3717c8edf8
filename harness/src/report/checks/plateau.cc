#include "report/checks/plateau.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <optional>
#include <string_view>

#include "memgate/check_names.h"
#include "memgate/error.h"
#include "memgate/units.h"
#include "report/check_registry.h"
#include "report/checks/budgets.h"

namespace memgate::report::checks {

const Setting<PlateauMetricsCodec> kPlateau{
    "plateau",
    "LIST",
    "Series judged for a plateau: comma-separated rss,pss,heap,fds,threads, or none (default rss,fds); heap is the "
    "allocator's allocated bytes (needs --allocator)",
    {"rss", "fds"}};
const Setting<ToleranceCodec> kTolerance{
    "tolerance", "RATE",
    "Memory growth tolerated: 1MiB/h, 2%/h, or both as 1MiB/h,2%/h (default 1MiB/h,1%/h; the larger wins)"};
const Setting<WarmupCodec> kWarmup{"warmup", "SPEC",
                                   "Leading part ignored by plateau checks: auto, 90s, 15m, or 10% (default auto)"};
const Setting<codec::Seconds> kHorizon{"horizon", "DURATION",
                                       "Project memory to this time after the start (default 24h)", 24 * 3600.0};

const std::vector<std::string>& known_plateau_metrics() {
  static const std::vector<std::string> metrics = {"rss", "pss", "heap", "fds", "threads"};
  return metrics;
}

bool is_plateau_metric(const std::string& name) {
  const auto& known = known_plateau_metrics();
  return std::find(known.begin(), known.end(), name) != known.end();
}

std::string known_plateau_metrics_text() {
  std::string text;
  for (const auto& metric : known_plateau_metrics()) text += (text.empty() ? "" : ", ") + metric;
  return text;
}

namespace {

PlateauMetricsCodec::Value checked_metrics(const std::vector<std::string>& names) {
  if (names == std::vector<std::string>{"none"}) return {};
  for (const auto& name : names)
    if (!is_plateau_metric(name))
      throw BadSettingValue{"metrics among " + known_plateau_metrics_text() + ", or none (unknown metric '" + name +
                            "')"};
  return names;
}

}  // namespace

PlateauMetricsCodec::Value PlateauMetricsCodec::from_text(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) names.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return checked_metrics(names);
}

PlateauMetricsCodec::Value PlateauMetricsCodec::from_json(const nlohmann::json& v) {
  if (v.is_string()) return from_text(v.get<std::string>());
  if (!v.is_array()) throw BadSettingValue{"a list of metrics (" + known_plateau_metrics_text() + ") or \"none\""};
  std::vector<std::string> names;
  for (const auto& m : v) {
    if (!m.is_string())
      throw BadSettingValue{"metrics among " + known_plateau_metrics_text() + " (got " + m.dump() + ")"};
    names.push_back(m.get<std::string>());
  }
  return checked_metrics(names);
}

PlateauMetricsCodec::Value PlateauMetricsCodec::from_meta(const nlohmann::json& v) { return from_json(v); }

ToleranceCodec::Value ToleranceCodec::from_text(const std::string& text) {
  analyze::PlateauSettings parsed;
  try {
    analyze::parse_tolerance(text, parsed);
  } catch (const Error&) {
    throw BadSettingValue{"a rate per hour such as 2%/h, 1MiB/h, 3/h, or both comma-separated (1MiB/h,2%/h)"};
  }
  return {parsed.tolerance_abs_per_h, parsed.tolerance_pct_per_h};
}

ToleranceCodec::Value ToleranceCodec::from_json(const nlohmann::json& v) {
  if (!v.is_string()) throw BadSettingValue{"a rate as a string, such as \"1MiB/h,2%/h\""};
  return from_text(v.get<std::string>());
}

nlohmann::json ToleranceCodec::to_meta(const Value& v) {
  return {{"abs_per_h", v.abs_per_h}, {"pct_per_h", v.pct_per_h}};
}

ToleranceCodec::Value ToleranceCodec::from_meta(const nlohmann::json& v) {
  if (!v.is_object() || !v.value("abs_per_h", nlohmann::json()).is_number() ||
      !v.value("pct_per_h", nlohmann::json()).is_number())
    throw BadSettingValue{"{\"abs_per_h\": N, \"pct_per_h\": N}"};
  return {v["abs_per_h"].get<double>(), v["pct_per_h"].get<double>()};
}

WarmupCodec::Value WarmupCodec::from_text(const std::string& text) {
  try {
    return analyze::parse_warmup(text);
  } catch (const Error&) {
    throw BadSettingValue{"auto, a duration (90, 90s, 15m) or a share of the run (10%)"};
  }
}

WarmupCodec::Value WarmupCodec::from_json(const nlohmann::json& v) {
  if (v.is_number() && v.get<double>() >= 0) return {analyze::Warmup::Kind::seconds, v.get<double>()};
  if (!v.is_string()) throw BadSettingValue{"auto, a duration (\"90s\", or seconds) or a share of the run (\"10%\")"};
  return from_text(v.get<std::string>());
}

nlohmann::json WarmupCodec::to_meta(const Value& v) {
  const char* kind = v.kind == analyze::Warmup::Kind::seconds    ? "seconds"
                     : v.kind == analyze::Warmup::Kind::fraction ? "fraction"
                                                                 : "auto";
  return {{"kind", kind}, {"value", v.value}};
}

WarmupCodec::Value WarmupCodec::from_meta(const nlohmann::json& v) {
  if (!v.is_object()) throw BadSettingValue{"{\"kind\": \"auto\"|\"seconds\"|\"fraction\", \"value\": N}"};
  const nlohmann::json kind = v.value("kind", nlohmann::json("auto"));
  const nlohmann::json value = v.value("value", nlohmann::json(0.0));
  if (!kind.is_string() || !value.is_number())
    throw BadSettingValue{"{\"kind\": \"auto\"|\"seconds\"|\"fraction\", \"value\": N}"};
  const std::string k = kind.get<std::string>();
  return {k == "seconds"    ? analyze::Warmup::Kind::seconds
          : k == "fraction" ? analyze::Warmup::Kind::fraction
                            : analyze::Warmup::Kind::automatic,
          value.get<double>()};
}

analyze::PlateauSettings memory_plateau_settings(const CheckSettings& s) {
  analyze::PlateauSettings p;
  p.tolerance_abs_per_h = s.get(kTolerance).abs_per_h;
  p.tolerance_pct_per_h = s.get(kTolerance).pct_per_h;
  p.warmup = s.get(kWarmup);
  p.horizon_s = s.get(kHorizon);
  return p;
}

analyze::PlateauSettings count_plateau_settings(const CheckSettings& s) {
  analyze::PlateauSettings p = analyze::PlateauSettings::for_counts();  // the tolerance is for bytes
  p.warmup = s.get(kWarmup);
  p.horizon_s = s.get(kHorizon);
  return p;
}

namespace {

// Time-to-limit is computed against the budget of the same metric, when one is set.
std::optional<double> as_limit(const std::optional<std::uint64_t>& budget) {
  if (!budget) return std::nullopt;
  return static_cast<double>(*budget);
}

// Judged like RSS, on the live heap (allocated bytes) when the allocator reports it.
CheckResult heap_plateau_check(const RunSeries& series, const analyze::PlateauSettings& settings) {
  const bool allocated = series.heap_allocated.total_points() > 0;
  const auto& s = allocated ? series.heap_allocated : series.heap_mapped;
  if (s.total_points() == 0) {
    CheckResult r;
    r.id = check_id::kHeapPlateau;
    r.outcome = Outcome::inconclusive;
    r.summary =
        "Heap cannot be judged: samples.csv has no allocator statistics (alloc_allocated_bytes or "
        "alloc_mapped_bytes); run with --allocator to record them.";
    return r;
  }
  return analyze::plateau_check(check_id::kHeapPlateau, allocated ? "Heap (allocated)" : "Heap (mapped)", s.times(),
                                s.means(), "bytes", settings);
}

const Figure* figure(const CheckResult& r, const std::string& name) {
  for (const auto& f : r.figures)
    if (f.name == name) return &f;
  return nullptr;
}

// A compressed scenario (time_scale N) is judged per wall hour, N times its scenario
// hour: the slopes and the projection are also given per scenario hour, so a 24 h soak
// played in 2 minutes reads in the units of the day it stands for.
void add_scenario_hour_figures(CheckResult& r, double scale, double horizon_s) {
  const Figure* slope = figure(r, "slope_per_h");
  if (!(scale > 0) || scale == 1 || !slope) return;
  const bool bytes = slope->unit == "bytes/h";
  const std::string unit = bytes ? "bytes/scenario-h" : "count/scenario-h";
  std::vector<Figure> added{{"time_scale", scale, "ratio"}};
  for (const char* name : {"slope_per_h", "slope_ci_low_per_h", "slope_ci_high_per_h"})
    if (const Figure* f = figure(r, name)) {
      std::string scenario_name(name);
      scenario_name.replace(scenario_name.size() - 2, 2, "scenario_h");
      added.push_back({scenario_name, f->value / scale, unit});
    }
  // The line's value `horizon` of scenario time after the first sample, not of wall time.
  if (const Figure* at = figure(r, "projected_at_horizon"))
    added.push_back({"projected_at_scenario_horizon",
                     at->value - slope->value * horizon_s / 3600.0 * (1.0 - 1.0 / scale), at->unit});
  const auto amount = [bytes](double v) {
    if (bytes) return format_bytes(v);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", v);
    return std::string(text);
  };
  char times[32];
  std::snprintf(times, sizeof times, "%g", scale);
  r.summary += std::string(" Time-compressed ") + times + "x: per scenario hour the slope is " +
               amount(slope->value / scale) + "/h";
  if (const Figure* f = figure(r, "slope_ci_high_per_h"))
    r.summary += " (upper bound " + amount(f->value / scale) + "/h)";
  if (added.back().name == "projected_at_scenario_horizon")
    r.summary += ", " + amount(added.back().value) + " after " + format_duration(horizon_s) + " of scenario time";
  r.summary += "; the figures before are per wall hour.";
  r.figures.insert(r.figures.end(), added.begin(), added.end());
}

double scenario_time_scale(const record::RunMeta& meta) {
  if (!meta.scenario.is_object()) return 1;
  const auto it = meta.scenario.find("time_scale");
  return it != meta.scenario.end() && it->is_number() ? it->get<double>() : 1;
}

std::optional<double> figure_value(const CheckResult& r, const std::string& name) {
  if (const Figure* f = figure(r, name)) return f->value;
  return std::nullopt;
}

// Growth per unit of work beside growth per hour, where the target counts what it
// processed (metric_processed): the slope over the units processed per hour in the
// judged window, so a change of rate is told from a leak (docs/plateau.md, "Per unit of
// work"). A figure only: the verdict stays the time-based one.
void add_per_unit(CheckResult& r, const analyze::BoundedSeries& processed) {
  const auto slope = figure_value(r, "slope_per_h"), low = figure_value(r, "slope_ci_low_per_h"),
             high = figure_value(r, "slope_ci_high_per_h"), warmup = figure_value(r, "warmup_s");
  if (!slope || !low || !high || !warmup || processed.total_points() < 2) return;
  const auto times = processed.times();
  const auto counts = processed.means();
  const auto first = std::lower_bound(times.begin(), times.end(), *warmup);
  if (first == times.end() || times.back() - *first <= 0) return;
  const std::size_t i = static_cast<std::size_t>(first - times.begin());
  const double units_per_h = (counts.back() - counts[i]) / (times.back() - times[i]) * 3600;
  if (!(units_per_h > 0)) return;
  const std::string& slope_unit = figure(r, "slope_per_h")->unit;  // "bytes/h"
  const std::string unit = slope_unit.substr(0, slope_unit.find('/')) + "/unit";
  r.figures.insert(r.figures.end(), {{"units_per_h", units_per_h, "units/h"},
                                     {"per_unit", *slope / units_per_h, unit},
                                     {"per_unit_ci_low", *low / units_per_h, unit},
                                     {"per_unit_ci_high", *high / units_per_h, unit}});
}

// With --attribute on a Python target: where the growth comes from, instead of sending
// the user to a heap profiler (native attribution adds its sentence in run_analysis.cc).
std::string attribution_advice(const RunSeries& series) {
  return analyze::growth_sentence(series.python_growth, "Python heap");
}

}  // namespace

std::vector<CheckResult> plateau_results(const RunSeries& series, const CheckSettings& settings,
                                         const analyze::Look* look) {
  std::vector<CheckResult> out;
  const auto level = [&](const analyze::PlateauSettings& p) { return look ? analyze::at_look(p, *look) : p; };
  for (const auto& metric : settings.get(kPlateau)) {
    if (metric == "rss" || metric == "pss") {
      const auto& s = metric == "rss" ? series.rss : series.pss;
      auto p = level(memory_plateau_settings(settings));
      p.limit = as_limit(settings.get(metric == "rss" ? kMaxRss : kMaxPss));
      p.fail_advice = attribution_advice(series);
      out.push_back(analyze::plateau_check(metric == "rss" ? check_id::kRssPlateau : check_id::kPssPlateau,
                                           metric == "rss" ? "RSS" : "PSS", s.times(), s.means(), "bytes", p));
    } else if (metric == "heap") {
      auto p = level(memory_plateau_settings(settings));
      p.fail_advice = attribution_advice(series);
      out.push_back(heap_plateau_check(series, p));
    } else if (metric == "fds") {
      auto p = level(count_plateau_settings(settings));
      p.limit = as_limit(settings.get(kMaxFds));
      out.push_back(analyze::fd_plateau_check(series.fds.times(), series.fds.means(), p, series.fd_snapshots));
    } else if (metric == "threads") {
      auto p = level(count_plateau_settings(settings));
      p.limit = as_limit(settings.get(kMaxThreads));
      p.fail_advice = "find which threads are started and never joined or returned to a pool";
      out.push_back(analyze::count_plateau_check(check_id::kThreadPlateau, "Threads", series.threads.times(),
                                                 series.threads.means(), p));
    }
  }
  for (auto& r : out)
    if (r.id != check_id::kFdPlateau && r.id != check_id::kThreadPlateau) add_per_unit(r, series.processed);
  return out;
}

namespace {

void evaluate(const CheckInputs& in, const CheckSettings& settings, std::vector<CheckResult>& out) {
  for (auto& r : plateau_results(in.series, settings)) {
    add_scenario_hour_figures(r, scenario_time_scale(in.meta), settings.get(kHorizon));
    out.push_back(std::move(r));
  }
}

}  // namespace

const CheckSpec& plateau_checks() {
  static const CheckSpec spec{"plateau",
                              {check_id::kRssPlateau, check_id::kPssPlateau, check_id::kHeapPlateau,
                               check_id::kFdPlateau, check_id::kThreadPlateau},
                              {&kPlateau, &kTolerance, &kWarmup, &kHorizon},
                              evaluate};
  return spec;
}

}  // namespace memgate::report::checks
