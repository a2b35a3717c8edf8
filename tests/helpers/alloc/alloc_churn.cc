// A malloc-bound workload for measuring the probe's overhead and for allocator
// comparisons: keeps a pool of live blocks and replaces random ones with blocks of
// random size (16 B - 4 KiB, a few up to 256 KiB), so every allocator path is hit.
//
//   alloc_churn [SECONDS [POOL]]
// prints "ops=<n> seconds=<s> ops_per_s=<r> cpu_s=<c> ops_per_cpu_s=<k>": the throughput
// per CPU second of the process (user + system) is what other load on the machine
// disturbs least, so overhead figures are taken from it.
#include <sys/resource.h>

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
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf("ops=%llu seconds=%.3f ops_per_s=%.0f cpu_s=%.3f ops_per_cpu_s=%.0f\n",
              static_cast<unsigned long long>(ops), elapsed, double(ops) / elapsed, cpu_s, double(ops) / cpu_s);
  return 0;
}
