// cycler: a target of the per-cycle leak checks whose leak is known.
//
//   cycler [--leak-per-record B]     reads lines on stdin (memgate's traffic), works on a
//                                    64 KiB scratch buffer per line and frees it; keeps B
//                                    touched bytes per line when asked (a leak per record)
//   cycler --mark-cycles N [--work-ms W] [--quiet-ms Q] [--leak-per-cycle B]
//          [--busy-ms M --busy-bytes S]
//                                    no traffic: N cycles of W ms of work, then one line
//                                    {"pid":P,"cycle_done":C,"cycle_work":K} on the metrics
//                                    channel and Q ms of quiet; keeps B bytes per cycle.
//                                    With --busy-ms, the first M ms of the quiet time still
//                                    compute, holding C x S touched bytes that are unmapped
//                                    when the computing stops (work left after the load: a
//                                    drain that does not wait for the CPU sees a leak)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::vector<void*> kept;

void keep(std::size_t bytes) {
  if (bytes == 0) return;
  void* p = std::malloc(bytes);
  if (!p) std::exit(90);
  std::memset(p, 0x5a, bytes);
  kept.push_back(p);
}

// Work that allocates and frees: the level it leaves behind does not grow.
std::size_t scratch_work() {
  constexpr std::size_t kScratch = 64 * 1024;
  auto* p = static_cast<volatile char*>(std::malloc(kScratch));
  if (!p) std::exit(90);
  for (std::size_t i = 0; i < kScratch; i += 512) p[i] = static_cast<char>(i);
  const std::size_t sum = static_cast<unsigned char>(p[512]);
  std::free(const_cast<char*>(p));
  return sum;
}

double number(int argc, char** argv, const char* name, double fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atof(argv[i + 1]);
  return fallback;
}

// Computes for `ms` holding `bytes` of touched memory, then returns them to the kernel
// (mmap directly: glibc's malloc may keep a freed large block mapped).
std::size_t busy(double ms, std::size_t bytes) {
  void* p = bytes ? ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : nullptr;
  if (p == MAP_FAILED) std::exit(90);
  if (p) std::memset(p, 0x5a, bytes);
  std::size_t sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(ms);
  while (std::chrono::steady_clock::now() < until) sink += scratch_work();
  if (p) ::munmap(p, bytes);
  return sink;
}

struct Busy {
  double ms = 0;
  std::size_t bytes = 0;
};

int mark_cycles(int cycles, double work_ms, double quiet_ms, std::size_t leak, Busy after) {
  const char* path = std::getenv("MEMGATE_METRICS_PATH");
  const int fd = path ? ::open(path, O_WRONLY | O_NONBLOCK | O_APPEND) : -1;
  std::size_t sink = 0;
  for (int c = 1; c <= cycles; ++c) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(work_ms);
    long units = 0;
    while (std::chrono::steady_clock::now() < until) {
      sink += scratch_work();
      ++units;
    }
    keep(leak);
    if (fd >= 0) {
      char line[128];
      const int n = std::snprintf(line, sizeof line, "{\"pid\":%d,\"cycle_done\":%d,\"cycle_work\":%ld}\n",
                                  static_cast<int>(::getpid()), c, units);
      if (::write(fd, line, static_cast<std::size_t>(n)) < 0) {
      }  // EAGAIN: memgate is behind; the protocol drops the line
    }
    double rest_ms = quiet_ms;
    if (after.ms > 0) {
      sink += busy(after.ms, after.bytes * static_cast<std::size_t>(c));
      rest_ms -= after.ms;
    }
    if (rest_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(rest_ms));
  }
  return sink == 1 ? 1 : 0;  // keeps the work from being optimised away
}

}  // namespace

int main(int argc, char** argv) {
  const auto leak_per_cycle = static_cast<std::size_t>(number(argc, argv, "--leak-per-cycle", 0));
  if (const int cycles = static_cast<int>(number(argc, argv, "--mark-cycles", 0)); cycles > 0)
    return mark_cycles(
        cycles, number(argc, argv, "--work-ms", 200), number(argc, argv, "--quiet-ms", 400), leak_per_cycle,
        {number(argc, argv, "--busy-ms", 0), static_cast<std::size_t>(number(argc, argv, "--busy-bytes", 0))});
  const auto leak = static_cast<std::size_t>(number(argc, argv, "--leak-per-record", 0));
  std::size_t sink = 0;
  for (std::string line; std::getline(std::cin, line);) {
    sink += scratch_work() + line.size();
    keep(leak);
  }
  return sink == 1 ? 1 : 0;
}
