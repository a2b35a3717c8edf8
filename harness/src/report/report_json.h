// report.json (schema "memgate.report/1", documented in docs/report-schema.md) and the
// JUnit XML a CI system shows as one test case per check.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_analysis.h"

namespace memgate::report {

inline constexpr const char* kReportFile = "report.json";
inline constexpr const char* kReportSchema = "memgate.report/1";

nlohmann::json report_json(const RunAnalysis& analysis, const CheckSettings& settings);
std::string junit_xml(const RunAnalysis& analysis);

// Writes DIR/report.json (atomically).
void write_report(const std::string& dir, const RunAnalysis& analysis, const CheckSettings& settings);

}  // namespace memgate::report
