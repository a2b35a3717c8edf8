// The recommendation line of `memgate compare`: which variant gives the lowest steady
// RSS without losing throughput, with the evidence, and an honest "keep the baseline"
// when the differences are within noise. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "compare/aggregate.h"

namespace memgate::compare {

struct RecommendSettings {
  std::string baseline;                // label; empty: the plain glibc variant, else the first
  double rss_min_effect = 0.05;        // steady-RSS differences below 5 % count as the same
  double throughput_tolerance = 0.05;  // a throughput loss up to 5 % is accepted
};

struct Recommendation {
  std::string choice;              // the recommended label; empty when there is no data
  bool changes_baseline = false;   // true: switch to `choice`; false: keep the baseline
  std::string baseline;            // the label compared against
  std::string throughput_metric;   // "records_per_s", "wall_s" or "" (not measured)
  std::string line;                // one sentence a person can act on, with the evidence
  std::vector<std::string> notes;  // excluded variants and why, caveats
};

Recommendation recommend(const std::vector<VariantSummary>& variants, const RecommendSettings& settings);

// "jemalloc (MALLOC_CONF=dirty_decay_ms:0)" / "glibc".
std::string describe_variant(const Variant& variant);

}  // namespace memgate::compare
