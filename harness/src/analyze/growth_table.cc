#include "analyze/growth_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "memgate/units.h"

namespace memgate::analyze {

namespace {

// The site's bytes at snapshot time t: its report at t, else its latest report before t,
// else what it held before it was first reported.
double bytes_at(const HeapSite& site, double t) {
  double v = site.bytes_before;
  for (const auto& b : site.bytes) {
    if (b.t_s > t + 1e-9) break;
    v = b.bytes;
  }
  return v;
}

}  // namespace

GrowthTable growth_table(std::string source, std::span<const HeapSite> sites, std::span<const SiteBytes> heap_totals,
                         double from_s, std::optional<double> units, std::size_t max_rows) {
  GrowthTable table;
  table.source = std::move(source);
  if (heap_totals.size() < 2) return table;
  const SiteBytes* from = &heap_totals.front();
  for (const auto& s : heap_totals) {
    from = &s;
    if (s.t_s >= from_s) break;
  }
  const SiteBytes& to = heap_totals.back();
  if (from == &to) from = &heap_totals[heap_totals.size() - 2];  // the window needs two snapshots
  table.from_t_s = from->t_s;
  table.to_t_s = to.t_s;
  table.heap_from_bytes = from->bytes;
  table.heap_to_bytes = to.bytes;
  table.units = units;
  const double hours = (to.t_s - from->t_s) / 3600;
  const double heap_growth = to.bytes - from->bytes;
  for (const auto& site : sites) {
    GrowthRow row;
    row.file = site.file;
    row.line = site.line;
    row.function = site.function;
    row.traceback = site.traceback;
    row.bytes_from = bytes_at(site, from->t_s);
    row.bytes_to = bytes_at(site, to.t_s);
    row.growth_bytes = row.bytes_to - row.bytes_from;
    if (!(row.growth_bytes > 0)) continue;
    if (hours > 0) row.bytes_per_h = row.growth_bytes / hours;
    if (units && *units > 0) row.bytes_per_unit = row.growth_bytes / *units;
    if (heap_growth > 0) row.share = std::min(1.0, row.growth_bytes / heap_growth);
    table.rows.push_back(std::move(row));
  }
  std::stable_sort(table.rows.begin(), table.rows.end(),
                   [](const GrowthRow& a, const GrowthRow& b) { return a.growth_bytes > b.growth_bytes; });
  if (table.rows.size() > max_rows) table.rows.resize(max_rows);
  return table;
}

std::string site_label(const GrowthRow& row) {
  const auto slash = row.file.rfind('/');
  std::string text = slash == std::string::npos ? row.file : row.file.substr(slash + 1);
  if (row.line > 0) text += ":" + std::to_string(row.line);
  if (!row.function.empty()) text += " (" + row.function + ")";
  return text;
}

std::string growth_sentence(const GrowthTable& table, const std::string& what) {
  if (table.rows.empty()) return "";
  const GrowthRow& top = table.rows.front();
  std::string text;
  if (top.share) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.0f %%", *top.share * 100);
    text = std::string(pct) + " of the " + what + " growth";
  } else {
    text = "the largest " + what + " growth";
  }
  text += " is allocated at " + site_label(top);
  if (top.bytes_per_h > 0) text += ", " + format_bytes(top.bytes_per_h) + "/h";
  if (table.rows.size() > 1) text += "; next: " + site_label(table.rows[1]);
  return text;
}

}  // namespace memgate::analyze
