#include "study/families.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace memgate::study {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
using Rng = std::mt19937_64;

double uniform(Rng& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

// Stationary AR(1) noise with standard deviation sigma: the serial correlation that
// makes naive trend tests cry wolf.
class Ar1 {
 public:
  Ar1(Rng& rng, double phi, double sigma) : rng_(rng), phi_(phi), innovation_(sigma * std::sqrt(1 - phi * phi)) {
    state_ = sigma * normal_(rng_);
  }
  double next() { return state_ = phi_ * state_ + innovation_ * normal_(rng_); }

 private:
  Rng& rng_;
  double phi_, innovation_, state_ = 0;
  std::normal_distribution<double> normal_;
};

// Common frame: baseline log-uniform in [64 MiB, 1 GiB], noise 0.2-2 % of it, values
// rounded to 4 KiB pages like RSS.
struct Frame {
  Rng& rng;
  double run_s, hz, baseline;
  Ar1 noise;
  Frame(Rng& r, double run, double rate, double phi)
      : rng(r),
        run_s(run),
        hz(rate),
        baseline(std::exp(uniform(r, std::log(64 * kMiB), std::log(1024 * kMiB)))),
        noise(r, phi, baseline * uniform(r, 0.002, 0.02)) {}
  template <class Shape>
  Series make(Shape shape) {
    Series s;
    s.baseline = baseline;
    const auto n = static_cast<std::size_t>(run_s * hz);
    s.t_s.reserve(n);
    s.values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / hz;
      s.t_s.push_back(t);
      s.values.push_back(std::round((baseline + shape(t) + noise.next()) / 4096) * 4096);
    }
    return s;
  }
};

double random_phi(Rng& rng) { return uniform(rng, 0, 0.95); }

// GC-like sawtooth: a linear climb over each period, then a drop back.
auto sawtooth(Rng& rng, double baseline) {
  const double period = uniform(rng, 10, 120), amplitude = baseline * uniform(rng, 0.02, 0.10);
  const double phase = uniform(rng, 0, period);
  return [=](double t) { return amplitude * std::fmod(t + phase, period) / period; };
}

Family flat(double phi) {
  char name[32];
  std::snprintf(name, sizeof name, "flat AR(1) phi=%.2f", phi);
  return {name, false, 0, false, [phi](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, phi);
            return f.make([](double) { return 0.0; });
          }};
}

Family linear_leak(double pct_per_h) {
  char name[40];
  std::snprintf(name, sizeof name, "linear leak %g %%/h", pct_per_h);
  return {name, true, pct_per_h, false, [pct_per_h](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, random_phi(rng));
            const double per_s = f.baseline * pct_per_h / 100 / 3600;
            return f.make([=](double t) { return per_s * t; });
          }};
}

Family step_leak(double pct_per_h, double every_min) {
  char name[48];
  std::snprintf(name, sizeof name, "step leak %g %%/h every %g min", pct_per_h, every_min);
  return {name, true, pct_per_h, false, [=](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, random_phi(rng));
            const double every_s = every_min * 60, offset = uniform(rng, 0, every_s);
            const double step = f.baseline * pct_per_h / 100 * every_min / 60;
            return f.make([=](double t) { return step * std::floor((t + offset) / every_s); });
          }};
}

Family sawtooth_leak(double pct_per_h) {
  char name[48];
  std::snprintf(name, sizeof name, "sawtooth + leak %g %%/h", pct_per_h);
  return {name, true, pct_per_h, false, [pct_per_h](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, random_phi(rng));
            const auto saw = sawtooth(rng, f.baseline);
            const double per_s = f.baseline * pct_per_h / 100 / 3600;
            return f.make([=](double t) { return saw(t) + per_s * t; });
          }};
}

// A leak with a few drops that are not collections (a hash-table resize freeing the old
// table, a buffer freed, the end of a load): 1-3 drops, each giving back 2-30 % of what the
// leak added since the previous one.
Family leak_with_small_drops(double pct_per_h) {
  char name[48];
  std::snprintf(name, sizeof name, "linear leak %g %%/h + small drops", pct_per_h);
  return {name, true, pct_per_h, false, [pct_per_h](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, random_phi(rng));
            const double per_s = f.baseline * pct_per_h / 100 / 3600;
            std::vector<double> at(static_cast<std::size_t>(uniform(rng, 1, 4)));
            for (double& d : at) d = run_s * uniform(rng, 0.1, 0.95);
            std::sort(at.begin(), at.end());
            std::vector<double> given_back;  // cumulative, after each drop
            double previous = 0, total = 0;
            for (double d : at) {
              total += uniform(rng, 0.02, 0.3) * per_s * (d - previous);
              given_back.push_back(total);
              previous = d;
            }
            return f.make([=](double t) {
              double back = 0;
              for (std::size_t k = 0; k < at.size() && at[k] <= t; ++k) back = given_back[k];
              return per_s * t - back;
            });
          }};
}

// Burst from 30 % to 40 % of the run: the level rises by 50-200 % of the baseline, then
// decays after the burst towards baseline + retained.
Family burst(bool partial) {
  return {partial ? "burst, partial retention" : "burst, full recovery", partial, 0, true,
          [partial](Rng& rng, double run_s, double hz) {
            Frame f(rng, run_s, hz, random_phi(rng));
            const double start = 0.3 * run_s, end = 0.4 * run_s;
            const double height = f.baseline * uniform(rng, 0.5, 2.0), decay_s = uniform(rng, 5, 30);
            const double retained = partial ? f.baseline * uniform(rng, 0.10, 0.30) : 0;
            const auto during = [=](double t) { return height * (1 - std::exp(-(t - start) / 5)); };
            const double at_end = during(end);
            Series s = f.make([=](double t) {
              if (t < start) return 0.0;
              if (t < end) return during(t);
              return retained + (at_end - retained) * std::exp(-(t - end) / decay_s);
            });
            s.phases = {{"warmup", 0, start}, {"burst", start, end}, {"recovery", end, run_s}};
            return s;
          }};
}

std::vector<Family> make_families() {
  std::vector<Family> all;
  for (double phi : {0.0, 0.5, 0.9, 0.95, 0.98}) all.push_back(flat(phi));
  all.push_back({"GC sawtooth", false, 0, false, [](Rng& rng, double run_s, double hz) {
                   Frame f(rng, run_s, hz, random_phi(rng));
                   return f.make(sawtooth(rng, f.baseline));
                 }});
  all.push_back({"step then flat", false, 0, false, [](Rng& rng, double run_s, double hz) {
                   Frame f(rng, run_s, hz, random_phi(rng));
                   const double at = run_s * uniform(rng, 0.05, 0.3), height = f.baseline * uniform(rng, 0.05, 0.3);
                   return f.make([=](double t) { return t < at ? 0.0 : height; });
                 }});
  // Cache fill: logarithmic growth that stops when the cache is full.
  all.push_back({"log saturation", false, 0, false, [](Rng& rng, double run_s, double hz) {
                   Frame f(rng, run_s, hz, random_phi(rng));
                   const double full_at = run_s * uniform(rng, 0.1, 0.3), tau = full_at / 20;
                   const double height = f.baseline * uniform(rng, 0.1, 0.5);
                   return f.make([=](double t) {
                     return height * std::min(1.0, std::log1p(t / tau) / std::log1p(full_at / tau));
                   });
                 }});
  all.push_back(burst(false));
  for (double pct : {0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0}) all.push_back(linear_leak(pct));
  all.push_back(step_leak(10, 1));
  all.push_back(step_leak(10, 5));
  all.push_back(sawtooth_leak(5));
  all.push_back(sawtooth_leak(20));
  all.push_back(leak_with_small_drops(20));
  all.push_back(leak_with_small_drops(200));
  all.push_back(burst(true));
  return all;
}

}  // namespace

const std::vector<Family>& families() {
  static const std::vector<Family> all = make_families();
  return all;
}

const Family& family(const std::string& name) {
  for (const auto& f : families())
    if (f.name == name) return f;
  throw std::invalid_argument("no study family named '" + name + "'");
}

Series generate(const Family& family, std::uint64_t seed, double run_s, double hz) {
  // Mix the family name into the seed so families never share noise by accident.
  std::uint64_t mixed = seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(run_s);
  for (char c : family.name) mixed = (mixed ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  Rng rng(mixed);
  return family.generate(rng, run_s, hz);
}

}  // namespace memgate::study
