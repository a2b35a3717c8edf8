// Google Benchmark memory figures from memgate's in-process measurement
// (docs/in-process-gates.md). CMake: find_package(memgate CONFIG), link memgate::benchmark.
//
//   int main(int argc, char** argv) {
//     memgate::BenchmarkMemoryManager memory;
//     benchmark::RegisterMemoryManager(&memory);
//     benchmark::Initialize(&argc, argv);
//     benchmark::RunSpecifiedBenchmarks();
//     benchmark::RegisterMemoryManager(nullptr);
//   }
//
// Result fields: max_bytes_used = peak RSS of the process during the memory run (VmHWM after
// a reset), or the larger of the live heap at start and stop where the reset is refused;
// net_heap_growth = live heap at stop minus at start (allocator statistics, else RSS);
// num_allocs and total_allocated_bytes under any allocator when the program also links
// memgate::alloc_counting (exact counts of the allocation calls); without it only under
// jemalloc (its arena and thread counters), elsewhere num_allocs 0 and total_allocated_bytes absent.
#pragma once

#include <benchmark/benchmark.h>

#include "memgate/gate.h"

namespace memgate {

class BenchmarkMemoryManager : public benchmark::MemoryManager {
 public:
  void Start() override { window_.start(); }

  void Stop(Result& result) override {
    const gate::WindowFigures f = window_.stop();
    result.max_bytes_used = f.peak_bytes;
    result.net_heap_growth = f.live_growth_bytes;
    if (f.allocations) result.num_allocs = *f.allocations;
    if (f.allocated_bytes) result.total_allocated_bytes = *f.allocated_bytes;
  }
  // Benchmark before 1.8 declares this form pure virtual (and calls it from the other).
  void Stop(Result* result) { Stop(*result); }

 private:
  gate::Window window_;
};

}  // namespace memgate
