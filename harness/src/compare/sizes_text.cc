// sizes.json, sizes.md and the JUnit report of `memgate sizes`: pure renderings of a
// SizesResult (docs/work-size.md; schema docs/schemas/sizes.schema.json).
#include <cstdio>

#include "compare/compare_text.h"
#include "compare/sizes.h"
#include "report/figure_text.h"
#include "report/junit.h"
#include "scenario/sizes.h"

namespace memgate::compare {

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string bytes_cell(const std::optional<double>& v) { return v ? format_value(*v, "bytes") : "–"; }

}  // namespace

nlohmann::json sizes_json(const SizesResult& r) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points)
    points.push_back({{"size", p.size},
                      {"dir", p.dir},
                      {"peak_rss_bytes", optional_number(p.peak_rss)},
                      {"steady_rss_bytes", optional_number(p.steady_rss)},
                      {"live_heap_bytes", optional_number(p.live_heap)},
                      {"verdict", p.verdict},
                      {"problem", p.problem}});
  nlohmann::json fits = nlohmann::json::array();
  for (const auto& m : r.measures) {
    nlohmann::json f = {{"id", m.id},
                        {"measure", m.what},
                        {"outcome", to_string(m.check.outcome)},
                        {"summary", m.check.summary},
                        {"points", m.fit.points}};
    if (m.fit.reason.empty()) {
      f["per_unit_bytes"] = m.fit.per_unit;
      f["per_unit_low_bytes"] = m.fit.per_unit_low;
      f["per_unit_high_bytes"] = m.fit.per_unit_high;
      f["tolerance_per_unit_bytes"] = m.fit.tolerance_per_unit;
      f["intercept_bytes"] = m.fit.intercept;
      f["r_squared"] = m.fit.r_squared;
    }
    fits.push_back(std::move(f));
  }
  return {{"schema", "memgate.sizes/1"},
          {"workload", r.workload},
          {"unit", r.unit},
          {"sizes", r.sizes},
          {"repeat", r.repeat},
          {"confidence", r.settings.confidence},
          {"tolerance_per_unit", optional_number(r.settings.tolerance_per_unit)},
          {"tolerance_pct_of_level", r.settings.tolerance_pct_of_level},
          {"points", points},
          {"fits", fits},
          {"verdict", {{"outcome", to_string(r.verdict.outcome)}, {"reason", r.verdict.reason}}},
          {"target_problem", r.target_problem}};
}

std::string sizes_markdown(const SizesResult& r) {
  std::string md = "# Memory against work size\n\n";
  md += "Workload: " + r.workload + "\n\n";
  md += "| " + r.unit + " | run | peak RSS | steady RSS | live heap | run verdict |\n|---:|---|---:|---:|---:|---|\n";
  for (const auto& p : r.points)
    md += "| " + scenario::size_text(p.size) + " | " + p.dir + " | " + bytes_cell(p.peak_rss) + " | " +
          bytes_cell(p.steady_rss) + " | " + bytes_cell(p.live_heap) + " | " +
          (p.problem.empty() ? p.verdict : p.problem) + " |\n";
  md += "\n";
  for (const auto& m : r.measures)
    md += "- **" + std::string(to_string(m.check.outcome)) + "** `" + m.id + "`: " + m.check.summary + "\n";
  md += "\nVerdict: **" + std::string(to_string(r.verdict.outcome)) + "**";
  if (!r.target_problem.empty()) md += " (" + r.target_problem + ")";
  md += "\n";
  return md;
}

std::string sizes_junit_xml(const SizesResult& r, ExitCode exit_code) {
  report::RunAnalysis a;
  a.meta = r.first_meta;
  a.meta.notes.clear();
  a.meta.command = {r.workload};
  for (const auto& m : r.measures) a.checks.push_back(m.check);
  a.verdict = r.verdict;
  a.exit_code = exit_code;
  a.target_problem = r.target_problem;
  return report::junit_xml(a, "memgate sizes");
}

}  // namespace memgate::compare
