// The comparison test's target: steady allocation churn with a 10x burst of live blocks
// in the middle of a fixed-length run, the case where per-run warm-up cuts made one
// allocator's "steady" level another's burst.
//
//   churn_burst SECONDS   burst from 50 % to 85 % of SECONDS; writes {"pid":..,"ops":N}
//                         to MEMGATE_METRICS_PATH every 100 ms (the work counter)
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 8.0;
  const char* metrics = std::getenv("MEMGATE_METRICS_PATH");
  const int fd = metrics ? open(metrics, O_WRONLY | O_NONBLOCK | O_APPEND) : -1;
  constexpr std::size_t kBase = 4000, kBurst = 40000;  // live blocks of ~2 KiB
  std::vector<void*> live(kBurst, nullptr);
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> size(64, 4096);
  const auto start = std::chrono::steady_clock::now();
  unsigned long long ops = 0;
  for (int tick = 0;; ++tick) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t >= seconds) break;
    const bool burst = t >= 0.5 * seconds && t < 0.85 * seconds;
    const std::size_t n = burst ? kBurst : kBase;
    if (!burst)  // after the burst, drop to the base set: what each allocator keeps is the contrast
      for (std::size_t i = kBase; i < kBurst; ++i) std::free(std::exchange(live[i], nullptr));
    for (int i = 0; i < 20000; ++i, ++ops) {  // a fixed rate of work: 200k replacements per second
      void*& p = live[std::uniform_int_distribution<std::size_t>(0, n - 1)(rng)];
      std::free(p);
      const std::size_t bytes = size(rng);
      p = std::malloc(bytes);
      if (!p) return 4;
      std::memset(p, 1, bytes);
    }
    if (fd >= 0) {
      char line[96];
      const int len = std::snprintf(line, sizeof line, "{\"pid\":%d,\"ops\":%llu}\n", getpid(), ops);
      if (write(fd, line, static_cast<std::size_t>(len)) < 0) { /* full pipe: drop the line */
      }
    }
    std::this_thread::sleep_until(start + std::chrono::milliseconds(100 * (tick + 1)));
  }
  std::printf("ops=%llu\n", ops);
  return 0;
}
