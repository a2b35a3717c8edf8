// In-process memory gates (docs/in-process-gates.md): a block of code run inside the
// caller's own process, its retained live heap judged per iteration with the per-cycle
// leak analysis of `memgate run`, or its peak held to a limit. Installed (find_package
// memgate: memgate::gate); memgate/gtest.h and memgate/benchmark.h build on it. Depends on
// nothing but the standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace memgate::gate {

enum class Outcome { pass, fail, inconclusive };

struct Verdict {
  Outcome outcome = Outcome::inconclusive;
  std::string message;  // one paragraph: the figures, the interval, the source
  bool passed() const { return outcome == Outcome::pass; }
};

struct LeakOptions {
  std::size_t iterations = 20;  // judged runs of the block (at least 6 decide)
  std::size_t warmups = 2;      // runs before them, left out (caches, arenas); at least 8 under glibc
  // Tolerated retained bytes per iteration; default: 16 bytes from allocator statistics,
  // a page (4096) from RSS.
  std::optional<double> tolerance_bytes;
};

// Runs block warmups + iterations times and judges the live heap measured after each run.
Verdict no_leak(const std::function<void()>& block, const LeakOptions& options);
Verdict no_leak(const std::function<void()>& block, std::size_t iterations, std::size_t warmups);

// Runs block once and fails when its peak rose limit_bytes or more above the level at its
// start. Text limits: "64MiB", "10MB", "4096".
Verdict peak_below(const std::function<void()>& block, std::uint64_t limit_bytes);
Verdict peak_below(const std::function<void()>& block, std::string_view limit);

// What the gates measure in this process, e.g. "glibc mallinfo2() uordblks + hblkhd".
std::string heap_source();

// Figures of one window of code for Google Benchmark's MemoryManager (memgate/benchmark.h).
struct WindowFigures {
  std::int64_t peak_bytes = 0;  // peak RSS (VmHWM after a reset), else the larger live heap
  bool peak_is_rss = false;
  std::int64_t live_growth_bytes = 0;  // live heap (or RSS) at stop minus at start
  // Allocation calls and requested bytes of the whole process with memgate::alloc_counting
  // linked; without it, jemalloc's counters only (allocated_bytes: the calling thread's).
  std::optional<std::int64_t> allocations;
  std::optional<std::int64_t> allocated_bytes;
};

class Window {
 public:
  void start();
  WindowFigures stop() const;

 private:
  std::uint64_t live0_ = 0;
  bool peak_reset_ = false;
  std::optional<std::uint64_t> allocations0_, allocated0_;
};

}  // namespace memgate::gate
