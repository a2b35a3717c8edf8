#include "compare/compare_json.h"

#include "memgate/error.h"

namespace memgate::compare {

namespace {

nlohmann::json spread_json(const Spread& s, std::string_view unit) {
  return {{"n", s.n}, {"median", s.median}, {"min", s.min}, {"max", s.max}, {"unit", unit}};
}

}  // namespace

nlohmann::json to_json(const CompareManifest& m, const std::vector<RunFigures>& runs,
                       const std::vector<VariantSummary>& variants, const Recommendation& rec) {
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
  for (const auto& v : m.variants)
    variant_list.push_back({{"label", v.label}, {"allocator", v.allocator}, {"alloc_env", v.alloc_env}});

  return {{"schema", kCompareSchema},
          {"status", m.status},
          {"workload", m.workload},
          {"repeat", m.repeat},
          {"purge_every_s", m.purge_every_s},
          {"purge_at_phases", {{"every", m.purge_at_phases.every}, {"entering", m.purge_at_phases.entering}}},
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
    for (const auto& v : j.at("variants"))
      m.variants.push_back({v.at("label").get<std::string>(), v.at("allocator").get<std::string>(),
                            v.value("alloc_env", std::vector<std::string>{})});
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
