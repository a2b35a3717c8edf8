// A malloc-bound workload for measuring the probe's overhead and for allocator
// comparisons: keeps a pool of live blocks and replaces random ones with blocks of
// random size (16 B - 4 KiB, a few up to 256 KiB), so every allocator path is hit.
//
//   alloc_churn [SECONDS [POOL]]   prints "ops=<n> seconds=<s> ops_per_s=<r>"
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "churn_mix.h"

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const std::size_t pool = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100000;
  ChurnMix churn(pool);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t ops = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 4096; ++i, ++ops)
      if (!churn.step()) return 4;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("ops=%llu seconds=%.3f ops_per_s=%.0f\n", static_cast<unsigned long long>(ops), elapsed,
              double(ops) / elapsed);
  return 0;
}
