#include "study/cycle_families.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace memgate::study {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
using Rng = std::mt19937_64;

double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

// Common frame: baseline log-uniform in [64 MiB, 1 GiB]; the level measured over a quiet
// window scatters by 0.02-0.3 % of it (noise_lo..noise_hi overrides); the first cycle's
// level sits 0-3 % low (code and caches first touched); values rounded to 4 KiB pages.
template <class Shape>
std::vector<double> make(Rng& rng, int cycles, Shape shape, double noise_lo = 0.0002, double noise_hi = 0.003) {
  const double baseline = std::exp(uniform(rng, std::log(64 * kMiB), std::log(1024 * kMiB)));
  const double sigma = baseline * uniform(rng, noise_lo, noise_hi), first = baseline * uniform(rng, 0, 0.03);
  std::normal_distribution<double> noise(0, sigma);
  std::vector<double> out;
  for (int c = 1; c <= cycles; ++c) {
    const double v = baseline + shape(c, baseline) - (c == 1 ? first : 0) + noise(rng);
    out.push_back(std::round(v / 4096) * 4096);
  }
  return out;
}

CycleFamily leak(double pct, double noise_lo = 0.0002, double noise_hi = 0.003, const char* suffix = "") {
  char name[64];
  std::snprintf(name, sizeof name, "leak %g %% per cycle%s", pct, suffix);
  return {name, true, pct, [=](Rng& rng, int cycles) {
            return make(
                rng, cycles, [pct](int c, double base) { return base * pct / 100 * (c - 1); }, noise_lo, noise_hi);
          }};
}

std::vector<CycleFamily> make_families() {
  std::vector<CycleFamily> all;
  all.push_back({"noise only", false, 0,
                 [](Rng& rng, int cycles) { return make(rng, cycles, [](int, double) { return 0.0; }); }});
  // The allocator keeps another arena or a larger free pool: 1-3 steps of 0.5-3 % in the
  // first half of the run, then no more.
  all.push_back({"allocator retention steps", false, 0, [](Rng& rng, int cycles) {
                   const int steps = static_cast<int>(uniform(rng, 1, 4));
                   std::vector<std::pair<int, double>> at;
                   for (int k = 0; k < steps; ++k)
                     at.emplace_back(static_cast<int>(uniform(rng, 2, cycles / 2 + 1)), uniform(rng, 0.005, 0.03));
                   return make(rng, cycles, [at](int c, double base) {
                     double up = 0;
                     for (const auto& [from, share] : at) up += c >= from ? share * base : 0;
                     return up;
                   });
                 }});
  // A cache filling over 2-5 cycles (each cycle adds half of what is left, the rest at
  // the last) to 5-30 % of the baseline.
  all.push_back({"cache fills then stops", false, 0, [](Rng& rng, int cycles) {
                   const double size = uniform(rng, 0.05, 0.3);
                   const int fill = static_cast<int>(uniform(rng, 2, 6));
                   return make(rng, cycles, [=](int c, double base) {
                     return size * base * std::min(1.0, (1 - std::pow(0.5, c)) / (1 - std::pow(0.5, fill)));
                   });
                 }});
  // One quiet window in ten is disturbed (a late request, a timer): +1-5 % on that cycle.
  all.push_back({"noise with disturbed windows", false, 0, [](Rng& rng, int cycles) {
                   std::vector<double> bump(static_cast<std::size_t>(cycles) + 1, 0.0);
                   for (double& b : bump) b = uniform(rng, 0, 1) < 0.1 ? uniform(rng, 0.01, 0.05) : 0;
                   return make(rng, cycles, [bump](int c, double base) { return bump[c] * base; });
                 }});
  for (double pct : {0.05, 0.2, 0.5, 1.0, 5.0}) all.push_back(leak(pct));
  all.push_back(leak(0.5, 0.01, 0.03, " hidden in 1-3 % noise"));
  return all;
}

}  // namespace

const std::vector<CycleFamily>& cycle_families() {
  static const std::vector<CycleFamily> all = make_families();
  return all;
}

const CycleFamily& cycle_family(const std::string& name) {
  for (const auto& f : cycle_families())
    if (f.name == name) return f;
  throw std::invalid_argument("no cycle study family named '" + name + "'");
}

std::vector<double> generate_cycles(const CycleFamily& family, std::uint64_t seed, int cycles) {
  std::uint64_t mixed = seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(cycles);
  for (char c : family.name) mixed = (mixed ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  Rng rng(mixed);
  return family.generate(rng, cycles);
}

}  // namespace memgate::study
