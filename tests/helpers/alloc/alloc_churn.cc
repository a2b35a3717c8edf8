// A malloc-bound workload for measuring the probe's overhead and for allocator
// comparisons: keeps a pool of live blocks and replaces random ones with blocks of
// random size (16 B - 4 KiB, a few up to 256 KiB), so every allocator path is hit.
//
//   alloc_churn [SECONDS [POOL]]   prints "ops=<n> seconds=<s> ops_per_s=<r>"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const std::size_t pool = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100000;
  std::vector<void*> live(pool, nullptr);
  std::mt19937_64 rng(42);  // fixed seed: every run does the same work
  std::uniform_int_distribution<std::size_t> slot(0, pool - 1), small(16, 4096), pick(0, 99), large(4097, 256 * 1024);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t ops = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int i = 0; i < 4096; ++i, ++ops) {
      void*& p = live[slot(rng)];
      std::free(p);
      const std::size_t size = pick(rng) == 0 ? large(rng) : small(rng);
      p = std::malloc(size);
      if (!p) return 4;
      std::memset(p, 1, size < 64 ? size : 64);
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  for (void* p : live) std::free(p);
  std::printf("ops=%llu seconds=%.3f ops_per_s=%.0f\n", static_cast<unsigned long long>(ops), elapsed,
              double(ops) / elapsed);
  return 0;
}
