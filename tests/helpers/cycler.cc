// cycler: a target of the per-cycle leak checks whose leak is known.
//
//   cycler [--leak-per-record B]     reads lines on stdin (memgate's traffic), works on a
//                                    64 KiB scratch buffer per line and frees it; keeps B
//                                    touched bytes per line when asked (a leak per record)
//   cycler --mark-cycles N [--work-ms W] [--quiet-ms Q] [--leak-per-cycle B]
//                                    no traffic: N cycles of W ms of work, then one line
//                                    {"pid":P,"cycle_done":C,"cycle_work":K} on the metrics
//                                    channel and Q ms of quiet; keeps B bytes per cycle
#include <fcntl.h>
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

int mark_cycles(int cycles, double work_ms, double quiet_ms, std::size_t leak) {
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
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(quiet_ms));
  }
  return sink == 1 ? 1 : 0;  // keeps the work from being optimised away
}

}  // namespace

int main(int argc, char** argv) {
  const auto leak_per_cycle = static_cast<std::size_t>(number(argc, argv, "--leak-per-cycle", 0));
  if (const int cycles = static_cast<int>(number(argc, argv, "--mark-cycles", 0)); cycles > 0)
    return mark_cycles(cycles, number(argc, argv, "--work-ms", 200), number(argc, argv, "--quiet-ms", 400),
                       leak_per_cycle);
  const auto leak = static_cast<std::size_t>(number(argc, argv, "--leak-per-record", 0));
  std::size_t sink = 0;
  for (std::string line; std::getline(std::cin, line);) {
    sink += scratch_work() + line.size();
    keep(leak);
  }
  return sink == 1 ? 1 : 0;
}
