// Labelled synthetic memory series for the plateau validation study (docs/plateau.md):
// seeded, so every row of the published table can be regenerated bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "analyze/plateau.h"

namespace memgate::study {

struct Series {
  std::vector<double> t_s, values;  // 10 Hz samples, bytes
  std::vector<analyze::PhaseSpan> phases;
  double baseline = 0;  // the generator's true baseline level
};

struct Family {
  std::string name;
  bool leaking = false;
  double leak_pct_per_h = 0;  // nominal growth rate (0 for bounded families)
  bool burst = false;         // judged by burst_recovery_check instead of plateau_check
  std::function<Series(std::mt19937_64& rng, double run_s, double hz)> generate;
};

// Every family of the study, non-leaking first.
const std::vector<Family>& families();
const Family& family(const std::string& name);

// Deterministic per (family, run length, seed index).
Series generate(const Family& family, std::uint64_t seed, double run_s, double hz = 10);

}  // namespace memgate::study
