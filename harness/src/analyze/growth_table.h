// Where the heap growth comes from: per call site, the live bytes at two snapshots (the
// start and the end of the steady window), as bytes/h, bytes per unit of work when the
// work is known, and the share of the source's whole heap growth. Source-neutral: a
// site is file:line + function (+ an optional traceback), whether the snapshots come
// from tracemalloc (Python targets) or a native sampled heap profile.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace memgate::analyze {

struct SiteBytes {
  double t_s = 0;
  double bytes = 0;
};

struct HeapSite {
  std::string file;  // or a module name when there is no source file
  int line = 0;      // 0: unknown
  std::string function;
  std::vector<std::string> traceback;  // "file:line" frames, the allocation first (optional)
  std::vector<SiteBytes> bytes;        // at the snapshots where the source reported it, time order
  // Live bytes before the source's first report of the site (it reports only sites that
  // grew): used for snapshots earlier than that report. 0 when unknown.
  double bytes_before = 0;
};

struct GrowthRow {
  std::string file;
  int line = 0;
  std::string function;
  std::vector<std::string> traceback;
  double bytes_from = 0, bytes_to = 0, growth_bytes = 0, bytes_per_h = 0;
  std::optional<double> bytes_per_unit;  // when the units of work in the window are known
  std::optional<double> share;           // of the whole heap growth, in [0, 1] (when it grew)
};

struct GrowthTable {
  std::string source;  // "tracemalloc", "native"...
  double from_t_s = 0, to_t_s = 0;
  double heap_from_bytes = 0, heap_to_bytes = 0;  // the source's whole traced heap
  std::optional<double> units;                    // units of work in the window
  std::vector<GrowthRow> rows;                    // growing sites, largest growth first
  bool empty() const { return rows.empty(); }
};

// The snapshots are the times in `heap_totals` (the source's whole heap at each). `from`
// is the first snapshot at or after from_s (else the last one before it); `to` is the
// last snapshot. No table (empty rows) with fewer than two snapshots or no growing site.
GrowthTable growth_table(std::string source, std::span<const HeapSite> sites, std::span<const SiteBytes> heap_totals,
                         double from_s, std::optional<double> units = std::nullopt, std::size_t max_rows = 20);

// "file.py:142 (keep_geometries)" (the file's base name).
std::string site_label(const GrowthRow& row);
// "92 % of the Python heap growth is allocated at sensor_ingest.py:142 (keep_geometries),
// 13.2 MiB/h; next: ...": the sentence a FAIL message ends with. `what` names the heap.
std::string growth_sentence(const GrowthTable& table, const std::string& what);

}  // namespace memgate::analyze
