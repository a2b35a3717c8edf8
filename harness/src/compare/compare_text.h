// Text forms of the comparison: values with units, the compact main table, the window
// and detail tables, compare.md. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "compare/aggregate.h"
#include "compare/recommend.h"
#include "compare/windows.h"

namespace memgate::compare {

// "41.2 MiB", "1.2 MiB/h", "12345 records/s", "2.31 s", "12968": plain digits, so that
// columns sort with sort -n.
std::string format_value(double value, std::string_view unit);
// "41.2 MiB (40.1–43.0)"; a single run shows the value alone; "–" when not measured.
std::string format_spread(const Spread& spread, std::string_view unit);

// The main table (at most 8 columns, none empty): variant, steady RSS, peak RSS,
// retained after burst, throughput, CPU per unit, verdicts, steady RSS against the
// baseline with its interval and call.
std::string markdown_table(const std::vector<VariantSummary>& variants, const Recommendation& recommendation);

// The whole compare.md: what was run, the main table, the windows, the details, the
// checks, the recommendation and notes.
std::string markdown_report(const std::string& workload, int repeat, const std::vector<VariantSummary>& variants,
                            const Recommendation& recommendation, const WindowPlan& plan);

}  // namespace memgate::compare
