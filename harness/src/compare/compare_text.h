// Text forms of the comparison: values with units, the markdown table (compare.md and
// the terminal). Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "compare/aggregate.h"
#include "compare/recommend.h"

namespace memgate::compare {

// "41.2 MiB", "1.2 MiB/h", "12 345 records/s", "2.31 s", "12 968".
std::string format_value(double value, std::string_view unit);
// "41.2 MiB (40.1–43.0)"; a single run shows the value alone; "–" when not measured.
std::string format_spread(const Spread& spread, std::string_view unit);

// One row per variant; a metric column appears only when some variant measured it.
// Ends with the verdict counts and any problems.
std::string markdown_table(const std::vector<VariantSummary>& variants);

// The whole compare.md: what was run, the table, the recommendation and notes.
std::string markdown_report(const std::string& workload, int repeat, const std::vector<VariantSummary>& variants,
                            const Recommendation& recommendation);

}  // namespace memgate::compare
