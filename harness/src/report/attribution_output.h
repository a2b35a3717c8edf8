// The attribution sections of report.json and of the terminal summary: the heap growth
// per call site (analyze/growth_table.h) and the open descriptors by group.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analyze/growth_table.h"
#include "report/run_series.h"

namespace memgate::report {

// report.json "attribution": {"native": `native` (--attribute's sampled heap growth on a
// native target, report/attribution.h; null otherwise), "python": table or null,
// "descriptors": change or null}.
nlohmann::json attribution_json(const RunSeries& series, nlohmann::json native);
// Up to `rows` lines ("  growth 92 % 13.2 MiB/h sensor_ingest.py:142 (keep_geometries)"),
// after a heading line; empty without a table.
std::string growth_lines(const analyze::GrowthTable& table, const std::string& what, std::size_t rows = 5);

}  // namespace memgate::report
