// `--attribute` on a run with cycles: which call sites keep memory from one cycle to the
// next. Pure: the per-site live bytes of each heap snapshot and the cycle whose quiet
// phase each was taken in; out, per site, its level at each cycle's quiet point (the
// smallest of that quiet phase's snapshots: one taken as the next cycle starts may hold a
// few of its records) and the Theil–Sen slope of those levels against the cycle number
// after the warm-up cycles, in bytes per cycle, with its share of the heap's.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace memgate::analyze {

struct CycleGrowthInput {
  std::vector<std::size_t> quiet_cycle;                   // per snapshot: its quiet phase's cycle, 0 for none
  std::map<std::string, std::vector<double>> site_bytes;  // site -> live bytes at each snapshot
  std::size_t warmup_cycles = 1;                          // left out, as the per-cycle leak checks do
  double mean_bytes = 524288;                             // sampling mean: growth below it is noise
};

struct SiteCycleGrowth {
  std::string site;
  double bytes_per_cycle = 0;
  std::optional<double> share_of_growth;  // of the heap's slope per cycle
  std::vector<double> levels;             // at each cycle's quiet point, cycle 1 first (NaN: no snapshot)
};

struct CycleGrowthAttribution {
  std::string reason;  // non-empty: no per-cycle attribution (why)
  std::size_t cycles = 0, warmup_cycles = 0, judged_cycles = 0;
  double heap_bytes_per_cycle = 0;
  std::vector<double> heap_levels;       // the sampled heap at each cycle's quiet point
  std::vector<SiteCycleGrowth> growing;  // keep growing from cycle to cycle, largest first
};

// At most `max_sites` sites are kept.
CycleGrowthAttribution attribute_cycles(const CycleGrowthInput& in, std::size_t max_sites = 20);

// "92 % of the heap kept per cycle (24.0 KiB/cycle) at file.cc:142 (function)"; empty
// when nothing grows from cycle to cycle.
std::string cycle_growth_sentence(const CycleGrowthAttribution& a);

// The cycle whose quiet phase a snapshot label ("phase:cycle 3 drain->cycle 3 quiet",
// "phase:cycle 3 quiet->cycle 4") was taken in; 0 for any other label.
std::size_t quiet_cycle_of(const std::string& label);

}  // namespace memgate::analyze
