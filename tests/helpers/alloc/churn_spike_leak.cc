// The side-by-side benchmark's malloc-heavy target (tests/bench/peers.sh): a fixed
// amount of work, so a slowdown is a longer run, with a known leak and a known spike.
//   - churn: OPS replacements of random blocks in a pool of 4096 (16 B - 4 KiB, 1 % up
//     to 256 KiB), as alloc_churn does;
//   - leak: every 256th operation keeps a 1 KiB record at keep_records(), never freed
//     (the call site a profiler should name): 4 KiB per 1,000 operations;
//   - spike: at half of OPS, 100 MiB is allocated with malloc, touched and freed
//     SPIKE_MS after the allocation (or as soon as touched, if that took longer): what a
//     10 Hz poller usually misses.
//
//   churn_spike_leak [OPS [SPIKE_MIB [SPIKE_MS]]]
//   prints {"ops":N,"seconds":S,"leaked_bytes":B,"spike_bytes":B,"spike_ms":MS}
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "churn_mix.h"

namespace {

void* leaked = nullptr;  // the leaked records, chained through their first word

__attribute__((noinline)) void keep_records(std::size_t bytes) {
  void* p = std::malloc(bytes);
  if (!p) std::exit(4);
  std::memset(p, 2, bytes);
  *static_cast<void**>(p) = leaked;
  leaked = p;
}

// Returns the time from the allocation to the end of the free, in milliseconds.
__attribute__((noinline)) double spike(std::size_t bytes, int spike_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  auto* p = static_cast<char*>(std::malloc(bytes));
  if (!p) std::exit(4);
  // Huge pages where the kernel allows them (THP "madvise"): 50 faults instead of 25,600,
  // or touching 100 MiB takes ~60 ms of CPU on this VM, longer than the spike should last.
  constexpr std::uintptr_t kHuge = 2 << 20;
  const auto first = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > first) madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
  for (std::size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  std::this_thread::sleep_until(t0 + std::chrono::milliseconds(spike_ms));
  std::free(p);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned long long ops = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const std::size_t spike_bytes = (argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100) << 20;
  const int spike_at_most_ms = argc > 3 ? std::atoi(argv[3]) : 50;
  constexpr std::size_t kPool = 4096, kRecord = 1024;
  ChurnMix churn(kPool);
  const auto start = std::chrono::steady_clock::now();
  double spike_ms = 0;  // measured
  std::size_t leaked_bytes = 0;
  for (unsigned long long i = 0; i < ops; ++i) {
    if (!churn.step()) return 4;
    if (i % 256 == 0) keep_records(kRecord), leaked_bytes += kRecord;
    if (i == ops / 2 && spike_bytes > 0) spike_ms = spike(spike_bytes, spike_at_most_ms);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"ops\":%llu,\"seconds\":%.4f,\"leaked_bytes\":%zu,\"spike_bytes\":%zu,\"spike_ms\":%.1f}\n", ops,
              seconds, leaked_bytes, spike_bytes, spike_ms);
  return 0;
}
