// A short memory spike between two polls: waits for SIGUSR1, maps and touches
// MIB MiB (huge pages advised), holds them HOLD_MS, unmaps, then writes its VmHWM,
// ru_maxrss (bytes) and the spike's duration (microseconds) to RESULT.
// Usage: ebpf_spike READY RESULT MIB HOLD_MS
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "helper_sync.h"

static std::uint64_t vm_hwm_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

static void spike(std::size_t bytes, long hold_ms) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(3);
  madvise(p, bytes, MADV_HUGEPAGE);
  memset(p, 1, bytes);
  timespec hold{hold_ms / 1000, (hold_ms % 1000) * 1000000};
  nanosleep(&hold, nullptr);
  munmap(p, bytes);
}

static double now_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ebpf_spike READY RESULT MIB HOLD_MS\n");
    return 2;
  }
  const std::size_t bytes = std::stoull(argv[3]) << 20;
  const long hold_ms = std::stol(argv[4]);
  // The first huge-page allocation after boot can take 200 ms (compaction); a
  // throw-away child pays that, so the measured spike is as short as asked.
  if (const pid_t warm = fork(); warm == 0) {
    spike(bytes, 0);
    _exit(0);
  } else if (warm > 0) {
    waitpid(warm, nullptr, 0);
  }
  wait_for_go(argv[1]);
  const double t0 = now_us();
  spike(bytes, hold_ms);
  const double spike_us = now_us() - t0;

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::ofstream out(argv[2]);
  out << vm_hwm_bytes() << " " << static_cast<std::uint64_t>(usage.ru_maxrss) * 1024 << " "
      << static_cast<std::uint64_t>(spike_us) << "\n";
  return out ? 0 : 4;
}
