// Labelled synthetic quiescent levels for the per-cycle leak study (docs/plateau.md,
// "Per-cycle leak check"): one level per cycle, measured after the target drained.
// Seeded, so every row of the published table can be regenerated bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace memgate::study {

struct CycleFamily {
  std::string name;
  bool leaking = false;
  double leak_pct_per_cycle = 0;  // nominal leak, % of the baseline per cycle
  std::function<std::vector<double>(std::mt19937_64& rng, int cycles)> generate;
};

// Every family of the cycle study, non-leaking first.
const std::vector<CycleFamily>& cycle_families();
const CycleFamily& cycle_family(const std::string& name);

// Deterministic per (family, cycle count, seed).
std::vector<double> generate_cycles(const CycleFamily& family, std::uint64_t seed, int cycles);

}  // namespace memgate::study
