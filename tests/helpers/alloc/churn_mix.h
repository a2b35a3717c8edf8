// The allocation mix of the malloc-bound helpers (alloc_churn, churn_spike_leak): each
// step frees a random block of the pool and puts a new one of random size in its place
// (16 B - 4 KiB, 1 % up to 256 KiB), touching its first 64 bytes. Fixed seed: every run
// does the same work.
#pragma once

#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

class ChurnMix {
 public:
  explicit ChurnMix(std::size_t pool) : live_(pool, nullptr), slot_(0, pool - 1) {}
  ~ChurnMix() {
    for (void* p : live_) std::free(p);
  }
  ChurnMix(const ChurnMix&) = delete;
  ChurnMix& operator=(const ChurnMix&) = delete;

  // One replacement; false when malloc fails.
  bool step() {
    void*& p = live_[slot_(rng_)];
    std::free(p);
    const std::size_t size = pick_(rng_) == 0 ? large_(rng_) : small_(rng_);
    p = std::malloc(size);
    if (!p) return false;
    std::memset(p, 1, size < 64 ? size : 64);
    return true;
  }

 private:
  std::vector<void*> live_;
  std::mt19937_64 rng_{42};
  std::uniform_int_distribution<std::size_t> slot_, small_{16, 4096}, pick_{0, 99}, large_{4097, 256 * 1024};
};
