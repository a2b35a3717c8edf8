#include "compare/run_figures.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "memgate/check_names.h"

namespace memgate::compare {

namespace {

constexpr std::array<MetricInfo, 18> kMetrics{{
    {"steady_rss_bytes", "steady RSS", "bytes", Better::lower,
     "median RSS over the steady window, the same span of scenario time in every run (compare.json windows)"},
    {"peak_rss_bytes", "peak RSS", "bytes", Better::lower,
     "max(peak tree RSS, largest VmHWM) over the whole run, as the rss-budget check"},
    {"retained_after_burst_bytes", "retained after burst", "bytes", Better::lower,
     "median RSS over the recovery-end window minus that over the pre-burst window (runs with a burst phase)"},
    {"pre_burst_rss_bytes", "pre-burst RSS", "bytes", Better::lower, "median RSS over the pre-burst window"},
    {"burst_peak_rss_bytes", "burst peak RSS", "bytes", Better::lower, "largest RSS sample in the burst window"},
    {"slope_bytes_per_h", "RSS slope", "bytes/h", Better::lower,
     "rss-plateau Theil-Sen slope (only when the check could judge the run)"},
    {"records_per_s", "throughput", "records/s", Better::higher,
     "work per second: the target's processed count (accounting line) or traffic accepted / traffic seconds, or "
     "the increase of the --work-metric counter over the steady window"},
    {"wall_s", "wall time", "s", Better::lower,
     "run length, only for targets that exited on their own (fixed work); never a run memgate stopped"},
    {"cpu_s", "CPU time", "s", Better::lower, "user + system CPU of the tree over the whole run"},
    {"cpu_per_unit_s", "CPU per unit", "s", Better::lower,
     "CPU seconds per 1000 units of work (records, --work-metric), or per run for a target that ran to completion"},
    {"minor_faults", "minor faults", "count", Better::lower, "minor page faults of the tree"},
    {"purge_returned_bytes", "purge returned", "bytes", Better::neither,
     "RSS returned by all allocator purges of the run (--purge-every, --purge-at-phases)"},
    {"phase_purge_returned_bytes", "phase purges returned", "bytes", Better::neither,
     "RSS returned by the purges at phase changes (--purge-at-phases), e.g. burst -> recovery"},
    {"purges", "purges", "count", Better::neither, "allocator purges performed"},
    {"free_held_final_bytes", "free but held", "bytes", Better::lower,
     "bytes the allocator holds freed at the last probe reading (retention)"},
    {"live_heap_growth_bytes", "live heap growth", "bytes", Better::neither,
     "RSS growth split: growth of allocated bytes, first to last probe reading"},
    {"retention_growth_bytes", "retention growth", "bytes", Better::neither,
     "RSS growth split: growth of freed-but-held bytes"},
    {"non_heap_growth_bytes", "non-heap growth", "bytes", Better::neither,
     "RSS growth split: RSS growth not explained by the heap"},
}};

const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &j;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

std::optional<double> number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const auto* node = at(j, path);
  if (!node || !node->is_number()) return std::nullopt;
  const double v = node->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

const nlohmann::json* find_check(const nlohmann::json& report, std::string_view id) {
  const auto* checks = at(report, {"checks"});
  if (!checks || !checks->is_array()) return nullptr;
  for (const auto& c : *checks)
    if (c.is_object() && c.value("id", "") == id) return &c;
  return nullptr;
}

std::optional<double> check_figure(const nlohmann::json& report, std::string_view id, const char* figure) {
  const auto* check = find_check(report, id);
  return check ? number_at(*check, {"figures", figure, "value"}) : std::nullopt;
}

// Traffic figures as TrafficDriver::stop() writes them, wherever the runner files them.
const nlohmann::json* traffic_section(const nlohmann::json& report) {
  if (const auto* t = at(report, {"traffic"}); t && t->is_object()) return t;
  if (const auto* t = at(report, {"samplers", "traffic"}); t && t->is_object()) return t;
  return nullptr;
}

}  // namespace

std::span<const MetricInfo> metrics() { return kMetrics; }

const MetricInfo* find_metric(std::string_view key) {
  for (const auto& m : kMetrics)
    if (m.key == key) return &m;
  return nullptr;
}

RunFigures figures_from_report(const nlohmann::json& report) {
  RunFigures f;
  auto& v = f.values;
  const auto put = [&v](const char* key, std::optional<double> value) {
    if (value) v[key] = *value;
  };

  const auto rss_peak = number_at(report, {"summary", "rss", "peak"});
  const auto hwm_peak = number_at(report, {"summary", "hwm_max", "peak"});
  if (rss_peak || hwm_peak) v["peak_rss_bytes"] = std::max(rss_peak.value_or(0), hwm_peak.value_or(0));

  if (const auto steady = check_figure(report, check_id::kRssPlateau, figure::kSteady)) {
    v["steady_rss_bytes"] = *steady;
    f.steady_basis = "rss-plateau steady level";
  } else if (const auto half = number_at(report, {"summary", "rss_second_half", "median"})) {
    v["steady_rss_bytes"] = *half;
    f.steady_basis = "median of the second half";
  } else if (const auto* summary = at(report, {"summary"});
             summary && summary->is_object() && !summary->contains("rss_second_half")) {
    // Written before the report carried the figure; the samples are not read instead
    // (they grow with the run), `memgate report DIR` adds it.
    f.missing.push_back("steady RSS (summary.rss_second_half)");
  }
  put("slope_bytes_per_h", check_figure(report, check_id::kRssPlateau, figure::kSlopePerH));
  put("retained_after_burst_bytes", check_figure(report, check_id::kRssBurstRecovery, figure::kRetained));

  if (const auto* traffic = traffic_section(report)) {
    // The target's own count of records it finished beats what the pipe took in.
    const auto processed = number_at(report, {"samplers", "metrics", "accounting", "processed"});
    const auto accepted = number_at(*traffic, {"accepted"});
    const auto elapsed = number_at(*traffic, {"elapsed_s"});
    if ((processed || accepted) && elapsed && *elapsed > 0) {
      const double work = processed ? *processed : *accepted;
      v["records_per_s"] = work / *elapsed;
      f.throughput_basis = processed ? "processed (target accounting) / traffic seconds" : "accepted / traffic seconds";
      f.work_unit = "records";
      if (const auto cpu = number_at(report, {"summary", "cpu_s"}); cpu && work > 0) {
        v["cpu_per_unit_s"] = *cpu / work * 1000;
        f.cost_basis = "CPU s per 1000 records, whole run";
      }
    }
  }
  f.end_reason = report.value("run", nlohmann::json::object()).value("end_reason", "");
  const auto* problem = at(report, {"run", "target", "problem"});
  if (problem && problem->is_string()) f.problem = problem->get<std::string>();
  // Wall time measures speed only when the target did a fixed amount of work and stopped.
  put("cpu_s", number_at(report, {"summary", "cpu_s"}));
  if (f.end_reason == "target-exited" && f.problem.empty()) {
    put("wall_s", number_at(report, {"run", "duration_s"}));
    // Fixed work: the run is the unit, its CPU time the cost (unless records count it).
    if (!v.count("cpu_per_unit_s") && v.count("cpu_s")) {
      v["cpu_per_unit_s"] = v["cpu_s"];
      f.cost_basis = "CPU s per run (the target ran to completion)";
      f.work_unit = "run";
    }
  }
  if (const auto* check = find_check(report, check_id::kRssPlateau))
    if (const auto w = number_at(*check, {"figures", "warmup_s", "value"})) f.warmup_s = *w;
  put("minor_faults", number_at(report, {"summary", "minor_faults"}));

  if (const auto* alloc = at(report, {"samplers", "alloc"}); alloc && alloc->is_object()) {
    if (const auto* verified = at(*alloc, {"verified"}); verified && verified->is_boolean())
      f.allocator_verified = verified->get<bool>();
    if (const auto* mismatch = at(*alloc, {"mismatch"}); mismatch && mismatch->is_string())
      f.mismatch = mismatch->get<std::string>();
    const auto purges = number_at(*alloc, {"purges", "count"});
    if (purges && *purges > 0) {
      v["purges"] = *purges;
      put("purge_returned_bytes", number_at(*alloc, {"purges", "returned_bytes_total"}));
      put("phase_purge_returned_bytes", number_at(*alloc, {"purges", "by_trigger", "phase", "returned_bytes_total"}));
    }
    put("free_held_final_bytes", number_at(*alloc, {"heap_last", "free_held_bytes"}));
    put("live_heap_growth_bytes", number_at(*alloc, {"rss_split", "live_heap_growth_bytes"}));
    put("retention_growth_bytes", number_at(*alloc, {"rss_split", "retention_growth_bytes"}));
    put("non_heap_growth_bytes", number_at(*alloc, {"rss_split", "non_heap_growth_bytes"}));
  }

  f.verdict = report.value("verdict", nlohmann::json::object()).value("outcome", "");
  if (const auto* checks = at(report, {"checks"}); checks && checks->is_array())
    for (const auto& c : *checks)
      if (c.is_object() && c.contains("id")) f.checks[c.value("id", "")] = c.value("outcome", "");
  return f;
}

void apply_windows(RunFigures& f, const WindowPlan& plan, const std::map<std::string, WindowFigures>& figures,
                   const std::string& work_metric) {
  f.windows = figures;
  auto& v = f.values;
  const auto usable = [&](const char* name) -> const WindowFigures* {
    const auto it = figures.find(name);
    return it != figures.end() && it->second.samples > 0 ? &it->second : nullptr;
  };
  if (const auto* steady = usable(window::kSteady)) {
    v["steady_rss_bytes"] = steady->rss_median;
    f.steady_basis = "median RSS over the steady window " + span_text(*find_window(plan, window::kSteady));
  } else if (find_window(plan, window::kSteady)) {
    v.erase("steady_rss_bytes");
    f.steady_basis.clear();
    f.notes.push_back("no RSS sample in the steady window " + span_text(*find_window(plan, window::kSteady)));
  }
  // The check's own figure used the run's own windows; the common ones replace it.
  v.erase("retained_after_burst_bytes");
  const auto* pre = usable(window::kPreBurst);
  const auto* recovered = usable(window::kRecoveryEnd);
  if (pre) v["pre_burst_rss_bytes"] = pre->rss_median;
  if (const auto* burst = usable(window::kBurst)) v["burst_peak_rss_bytes"] = burst->rss_max;
  if (pre && recovered) v["retained_after_burst_bytes"] = recovered->rss_median - pre->rss_median;

  if (work_metric.empty()) return;
  const auto* steady = usable(window::kSteady);
  if (!steady || !std::isfinite(steady->work)) {
    f.notes.push_back("--work-metric " + work_metric + ": samples.csv has no metric_" + work_metric +
                      " values in the steady window (record it with --metrics " + work_metric +
                      " and have the target write it to MEMGATE_METRICS_PATH)");
    return;
  }
  if (steady->seconds <= 0 || steady->work <= 0) {
    f.notes.push_back("--work-metric " + work_metric + " did not increase over the steady window");
    return;
  }
  v["records_per_s"] = steady->work / steady->seconds;
  f.work_unit = work_metric;
  f.throughput_basis = "increase of metric_" + work_metric + " over the steady window / its seconds";
  if (std::isfinite(steady->cpu_s)) {
    v["cpu_per_unit_s"] = steady->cpu_s / steady->work * 1000;
    f.cost_basis = "CPU s per 1000 " + work_metric + ", steady window";
  }
}

void figure_windows(WindowPlan& plan, const std::string& work_metric) {
  const auto span = [&](const char* name) -> std::string {
    const Window* w = find_window(plan, name);
    return w ? std::string(name) + " " + span_text(*w) : "";
  };
  auto& out = plan.figures;
  out.clear();
  const std::string whole = "the whole run";
  for (const auto& m : metrics()) out[std::string(m.key)] = whole;
  if (const auto steady = span(window::kSteady); !steady.empty()) out["steady_rss_bytes"] = steady;
  else out["steady_rss_bytes"] = "the run's own steady level (rss-plateau check, else its second half)";
  out["slope_bytes_per_h"] = "the run after its own warm-up (rss-plateau check)";
  for (const char* key : {"free_held_final_bytes"}) out[key] = "the last allocator probe reading";
  for (const char* key : {"live_heap_growth_bytes", "retention_growth_bytes", "non_heap_growth_bytes"})
    out[key] = "first to last allocator probe reading";
  const std::string pre = span(window::kPreBurst), burst = span(window::kBurst), rec = span(window::kRecoveryEnd);
  if (!pre.empty()) out["pre_burst_rss_bytes"] = pre;
  else out.erase("pre_burst_rss_bytes");
  if (!burst.empty()) out["burst_peak_rss_bytes"] = burst;
  else out.erase("burst_peak_rss_bytes");
  if (!pre.empty() && !rec.empty()) out["retained_after_burst_bytes"] = rec + " minus " + pre;
  else out.erase("retained_after_burst_bytes");
  if (!work_metric.empty() && !span(window::kSteady).empty()) {
    out["records_per_s"] = span(window::kSteady) + " (metric_" + work_metric + ")";
    out["cpu_per_unit_s"] = span(window::kSteady) + " (metric_" + work_metric + ")";
  } else {
    out["records_per_s"] = "the traffic's seconds (records the target counted as processed, else accepted)";
    out["cpu_per_unit_s"] = "the whole run";
  }
  out["wall_s"] = "the whole run (targets that exited on their own)";
}

}  // namespace memgate::compare
