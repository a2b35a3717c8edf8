#include "compare/compare_json.h"

#include <cmath>

#include "memgate/error.h"

namespace memgate::compare {

namespace {

nlohmann::json spread_json(const Spread& s, std::string_view unit) {
  return {{"n", s.n}, {"median", s.median}, {"min", s.min}, {"max", s.max}, {"unit", unit}};
}

nlohmann::json significance_json(const Significance& s) {
  nlohmann::json j{{"call", to_string(s.difference)},
                   {"relative", s.relative},
                   {"shift", s.estimate.shift},
                   {"p_value", s.estimate.p_value},
                   {"runs", {s.estimate.n, s.estimate.m}},
                   {"why", s.why}};
  if (s.estimate.has_interval && s.estimate.n > 0) {
    j["interval"] = {{"low", s.estimate.low},
                     {"high", s.estimate.high},
                     {"relative_low", s.relative_low},
                     {"relative_high", s.relative_high},
                     {"coverage", s.estimate.coverage}};
  }
  return j;
}

nlohmann::json window_figures_json(const std::map<std::string, WindowFigures>& windows) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, f] : windows) {
    nlohmann::json w{{"samples", f.samples}, {"seconds", f.seconds}};
    if (f.samples > 0) {
      w["rss_median_bytes"] = f.rss_median;
      w["rss_max_bytes"] = f.rss_max;
    }
    if (std::isfinite(f.cpu_s)) w["cpu_s"] = f.cpu_s;
    if (std::isfinite(f.work)) w["work"] = f.work;
    j[name] = w;
  }
  return j;
}

}  // namespace

nlohmann::json to_json(const CompareManifest& m, const std::vector<RunFigures>& runs,
                       const std::vector<VariantSummary>& variants, const Recommendation& rec,
                       const WindowPlan& window_plan) {
  nlohmann::json plan = nlohmann::json::array();
  for (const auto& p : m.plan)
    plan.push_back({{"dir", p.dir_name}, {"variant", m.variants.at(p.variant).label}, {"repeat", p.repeat}});

  nlohmann::json summaries = nlohmann::json::array();
  for (const auto& v : variants) {
    nlohmann::json metric_json = nlohmann::json::object();
    for (const auto& [key, spread] : v.metrics) {
      const auto* info = find_metric(key);
      metric_json[key] = spread_json(spread, info ? info->unit : "");
    }
    summaries.push_back({{"label", v.variant.label},
                         {"allocator", v.variant.allocator},
                         {"alloc_env", v.variant.alloc_env},
                         {"runs", v.runs},
                         {"target_failures", v.target_failures},
                         {"unverified", v.unverified},
                         {"problems", v.problems},
                         {"metrics", metric_json},
                         {"values", v.values},
                         {"work_unit", v.work_unit},
                         {"cost_basis", v.cost_basis},
                         {"verdicts", v.verdicts},
                         {"checks", v.checks}});
  }

  nlohmann::json run_list = nlohmann::json::array();
  for (const auto& r : runs)
    run_list.push_back(
        {{"dir", r.dir},
         {"variant", r.variant},
         {"repeat", r.repeat},
         {"values", r.values},
         {"steady_basis", r.steady_basis},
         {"throughput_basis", r.throughput_basis},
         {"work_unit", r.work_unit},
         {"cost_basis", r.cost_basis},
         {"warmup_s", r.warmup_s ? nlohmann::json(*r.warmup_s) : nlohmann::json(nullptr)},
         {"windows", window_figures_json(r.windows)},
         {"notes", r.notes},
         {"verdict", r.verdict},
         {"checks", r.checks},
         {"allocator_verified", r.allocator_verified ? nlohmann::json(*r.allocator_verified) : nlohmann::json(nullptr)},
         {"mismatch", r.mismatch},
         {"problem", r.problem},
         {"end_reason", r.end_reason}});

  nlohmann::json metric_docs = nlohmann::json::object();
  for (const auto& info : metrics())
    metric_docs[std::string(info.key)] = {{"label", info.label},
                                          {"unit", info.unit},
                                          {"better", info.better == Better::lower    ? "lower"
                                                     : info.better == Better::higher ? "higher"
                                                                                     : "neither"},
                                          {"meaning", info.meaning}};

  nlohmann::json variant_list = nlohmann::json::array();
  for (const auto& v : m.variants) {
    variant_list.push_back({{"label", v.label}, {"allocator", v.allocator}, {"alloc_env", v.alloc_env}});
    if (v.size) variant_list.back()["size"] = *v.size;
  }

  nlohmann::json windows = nlohmann::json::array();
  for (const auto& w : window_plan.windows)
    windows.push_back({{"name", w.name}, {"start_s", w.start_s}, {"end_s", w.end_s}, {"basis", w.basis}});
  nlohmann::json calls = nlohmann::json::array();
  for (const auto& c : rec.calls) {
    nlohmann::json call{{"variant", c.label}, {"steady_rss", significance_json(c.rss)}};
    if (c.speed) call["throughput"] = significance_json(*c.speed);
    if (c.cost) call["cpu_per_unit"] = significance_json(*c.cost);
    calls.push_back(call);
  }

  return {{"schema", kCompareSchema},
          {"status", m.status},
          {"workload", m.workload},
          {"repeat", m.repeat},
          {"purge_every_s", m.purge_every_s},
          {"purge_at_phases", {{"every", m.purge_at_phases.every}, {"entering", m.purge_at_phases.entering}}},
          {"work_metric", m.work_metric},
          {"windows",
           {{"time", "scenario seconds (samples.csv scenario_t_s)"},
            {"phased", window_plan.phased},
            {"list", windows},
            {"figures", window_plan.figures},
            {"notes", window_plan.notes}}},
          {"variants", variant_list},
          {"plan", plan},
          {"runs", run_list},
          {"summary", summaries},
          {"metrics", metric_docs},
          {"recommendation",
           {{"line", rec.line},
            {"choice", rec.choice},
            {"changes_baseline", rec.changes_baseline},
            {"baseline", rec.baseline},
            {"throughput_metric", rec.throughput_metric},
            {"calls", calls},
            {"notes", rec.notes}}}};
}

CompareManifest manifest_from_json(const nlohmann::json& j) {
  const auto bad = [](const std::string& what) {
    return Error(ExitCode::usage, "compare.json: " + what + " (is this a directory written by memgate compare?)");
  };
  if (!j.is_object() || j.value("schema", "") != kCompareSchema)
    throw bad("schema is not " + std::string(kCompareSchema));
  CompareManifest m;
  try {
    m.workload = j.at("workload").get<std::string>();
    m.repeat = j.at("repeat").get<int>();
    m.purge_every_s = j.value("purge_every_s", 0.0);
    if (const auto it = j.find("purge_at_phases"); it != j.end() && it->is_object()) {
      m.purge_at_phases.every = it->value("every", false);
      m.purge_at_phases.entering = it->value("entering", std::vector<std::string>{});
    }
    m.status = j.value("status", "finished");
    m.work_metric = j.value("work_metric", "");
    for (const auto& v : j.at("variants")) {
      m.variants.push_back({v.at("label").get<std::string>(), v.at("allocator").get<std::string>(),
                            v.value("alloc_env", std::vector<std::string>{})});
      if (const auto size = v.find("size"); size != v.end() && size->is_number())
        m.variants.back().size = size->get<double>();
    }
    for (const auto& p : j.at("plan")) {
      const std::string label = p.at("variant").get<std::string>();
      std::size_t index = m.variants.size();
      for (std::size_t i = 0; i < m.variants.size(); ++i)
        if (m.variants[i].label == label) index = i;
      if (index == m.variants.size()) throw bad("plan names an unknown variant '" + label + "'");
      m.plan.push_back({index, p.at("repeat").get<int>(), p.at("dir").get<std::string>()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("malformed: ") + e.what());
  }
  return m;
}

}  // namespace memgate::compare
