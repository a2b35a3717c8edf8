#include "report/attribution_output.h"

#include <cstdio>

#include "memgate/units.h"

namespace memgate::report {

namespace {

nlohmann::json optional_number(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nullptr; }

nlohmann::json table_json(const analyze::GrowthTable& t) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows)
    rows.push_back({{"file", r.file},
                    {"line", r.line},
                    {"function", r.function},
                    {"traceback", r.traceback},
                    {"bytes_from", r.bytes_from},
                    {"bytes_to", r.bytes_to},
                    {"growth_bytes", r.growth_bytes},
                    {"bytes_per_h", r.bytes_per_h},
                    {"bytes_per_unit", optional_number(r.bytes_per_unit)},
                    {"share", optional_number(r.share)}});
  return {{"source", t.source},
          {"from_t_s", t.from_t_s},
          {"to_t_s", t.to_t_s},
          {"heap_from_bytes", t.heap_from_bytes},
          {"heap_to_bytes", t.heap_to_bytes},
          {"units", optional_number(t.units)},
          {"sites", rows}};
}

nlohmann::json descriptors_json(const std::vector<analyze::FdSnapshot>& snapshots) {
  if (snapshots.size() < 2) return nullptr;
  // From the first snapshot to the last: the whole run (the fd-plateau check's message
  // compares from the steady window's start).
  const auto changes = analyze::diff_groups(snapshots.front().groups, snapshots.back().groups);
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& c : changes)
    groups.push_back({{"kind", c.kind}, {"pattern", c.pattern}, {"before", c.before}, {"after", c.after}});
  return {{"from_t_s", snapshots.front().t_s},
          {"to_t_s", snapshots.back().t_s},
          {"snapshots", snapshots.size()},
          {"nofile_limit", optional_number(snapshots.back().top_nofile)},
          {"growth", analyze::describe_fd_growth(changes)},
          {"groups", groups}};
}

}  // namespace

nlohmann::json attribution_json(const RunSeries& series, nlohmann::json native) {
  return {{"native", std::move(native)},
          {"python", series.python_growth.empty() ? nlohmann::json(nullptr) : table_json(series.python_growth)},
          {"descriptors", descriptors_json(series.fd_snapshots)}};
}

std::string growth_lines(const analyze::GrowthTable& table, const std::string& what, std::size_t rows) {
  if (table.empty()) return "";
  std::string out = "  " + what + " growth by call site, t=" + format_duration(table.from_t_s) + " to " +
                    format_duration(table.to_t_s) + ":\n";
  for (std::size_t i = 0; i < table.rows.size() && i < rows; ++i) {
    const auto& r = table.rows[i];
    char share[16] = "   -";
    if (r.share) std::snprintf(share, sizeof share, "%3.0f %%", *r.share * 100);
    out += "    " + std::string(share) + "  " + format_bytes(r.bytes_per_h) + "/h  " + analyze::site_label(r);
    if (r.bytes_per_unit) out += "  (" + format_bytes(*r.bytes_per_unit) + " per unit of work)";
    out += "\n";
  }
  return out;
}

}  // namespace memgate::report
