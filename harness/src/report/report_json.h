// report.json (schema "memgate.report/1", documented in docs/report-schema.md; JSON
// Schema docs/schemas/report.schema.json).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_analysis.h"

namespace memgate::report {

inline constexpr const char* kReportFile = "report.json";
inline constexpr const char* kReportSchema = "memgate.report/1";

nlohmann::json report_json(const RunAnalysis& analysis, const CheckSettings& settings);

// Writes DIR/report.json (atomically).
void write_report(const std::string& dir, const RunAnalysis& analysis, const CheckSettings& settings);
// Writes the report to `path` (atomically).
void write_report_file(const std::string& path, const RunAnalysis& analysis, const CheckSettings& settings);

}  // namespace memgate::report
